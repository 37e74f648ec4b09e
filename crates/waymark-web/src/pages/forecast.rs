//! The forecast page: histogram and S-curve of the finish, P-dates, deadline chances, tasks by
//! criticality and the risks that matter most, from the project's one forecast
//! (`crate::figures::Figures::forecast`, which the API's default forecast reads too) through
//! the `forecast --json` builder.

use axum::extract::State;
use axum::response::Response;
use maud::{html, PreEscaped};
use waymark_core::model::Plan;

use super::{
    chance_class, day, note, panel, percent, project_page, Panel, ProjectRequest, Tab, Wait,
};
use crate::AppState;

/// How many tasks the forecast page ranks by criticality.
const TOP_TASKS: usize = 15;

/// Everything the forecast page shows: the `forecast --json` document (the API view's
/// builder), the chart as `waymark forecast --svg` draws it, and the task names.
pub(super) struct ForecastPage {
    document: waymark_report::json::PlanForecastJson,
    /// The SVG text; `None` when it could not be drawn or is not safe to inline.
    svg: Option<String>,
    /// Task and risk names by id.
    task_names: std::collections::HashMap<String, String>,
    risk_titles: std::collections::HashMap<String, String>,
    /// Each risk's impact (`risk_impact`) in working days as text, by id.
    risk_days: std::collections::HashMap<String, String>,
}

/// The chart of `waymark forecast --svg`: histogram and S-curve of the finish in working days,
/// with the P50/P80/P95 marks and the deadline.
fn forecast_chart(plan: &Plan, result: &waymark_core::forecast::Forecast) -> Option<String> {
    let chart = waymark_report::ForecastChart::of(plan, result).ok()?;
    let svg = waymark_report::forecast_svg(&chart);
    // Inlined under a CSP without inline scripts: the chart (whose texts are escaped) must be
    // one <svg> element that carries no script at all.
    let lower = svg.to_ascii_lowercase();
    (lower.starts_with("<svg") && !lower.contains("<script")).then_some(svg)
}

/// The forecast page's figures, kept by revision and day.
pub(super) static FORECAST: Panel<Result<ForecastPage, String>> = Panel {
    name: "forecast",
    forecast: true,
    compute: |figures| match (&figures.plan, figures.forecast()) {
        (Ok(plan), Some(Ok(result))) => Ok(forecast_page_of(plan, result)),
        (Ok(_), Some(Err(error))) => Err(error.to_string()),
        _ => Err("the plan has errors; see the overview's red flags".to_owned()),
    },
};

fn forecast_page_of(plan: &Plan, result: &waymark_core::forecast::Forecast) -> ForecastPage {
    ForecastPage {
        document: waymark_report::json::forecast_json(plan, result),
        svg: forecast_chart(plan, result),
        task_names: plan
            .tasks
            .iter()
            .map(|task| (task.id.clone(), task.name.clone()))
            .collect(),
        risk_titles: plan
            .risks
            .iter()
            .map(|risk| (risk.id.clone(), risk.title.clone()))
            .collect(),
        risk_days: plan
            .risks
            .iter()
            .zip(&result.risk_p80_saved)
            .map(|(risk, &saved)| {
                let impact = waymark_core::model::risk_impact(saved);
                let days = waymark_core::days::days(impact, plan.project.minutes_per_day);
                (risk.id.clone(), days)
            })
            .collect(),
    }
}

/// The forecast of one project; 404 for a project the user may not see (the API's rule).
pub(super) async fn project_forecast(
    State(state): State<AppState>,
    ProjectRequest { user, context }: ProjectRequest,
) -> Response {
    let id = context.project.id;
    let project = &context.project;
    let computed = match panel(&state, project, &FORECAST, Wait::Briefly).await {
        Ok(computed) => computed,
        Err(response) => return response,
    };
    let note = note(id, &FORECAST, &computed);
    let overview = format!("/projects/{}", id.0);
    let title = format!("{}: forecast", project.name);
    let content = match computed.shown() {
        None => html! {
            h1 { (title) }
            (note)
        },
        Some(Err(problem)) => html! {
            h1 { (title) }
            p.bad { "No forecast: " (problem) }
            p { a href=(overview) { "Back to the overview" } }
        },
        Some(Ok(forecast)) => {
            let document = &forecast.document;
            let name = |id: &str| {
                forecast
                    .task_names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| id.to_owned())
            };
            let mut tasks: Vec<_> = document.tasks.iter().collect();
            tasks.sort_by(|a, b| {
                (b.criticality, b.sensitivity)
                    .partial_cmp(&(a.criticality, a.sensitivity))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            tasks.truncate(TOP_TASKS);
            let mut risks: Vec<_> = document.risks.iter().collect();
            risks.sort_by(|a, b| {
                b.p80_days_saved
                    .partial_cmp(&a.p80_days_saved)
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            let finish = &document.finish;
            html! {
                h1 { (title) }
                (note)
                p.muted { (document.iterations) " iterations, seed " (document.seed) "." }
                @if let Some(svg) = &forecast.svg {
                    div.chart { (PreEscaped(svg)) }
                }
                h2 { "Finish" }
                div.table-wrap { table.stack {
                    thead { tr { th { "P10" } th { "P50" } th { "P80" } th { "P90" } th { "P95" } } }
                    tbody { tr {
                        td data-label="P10" { (day(&finish.p10)) }
                        td data-label="P50" { (day(&finish.p50)) }
                        td data-label="P80" { (day(&finish.p80)) }
                        td data-label="P90" { (day(&finish.p90)) }
                        td data-label="P95" { (day(&finish.p95)) }
                    } }
                } }
                h2 { "Deadline" }
                @if let Some(deadline) = &document.deadline {
                    p {
                        (day(&deadline.date)) ": "
                        span class=(chance_class(deadline.probability)) { (percent(deadline.probability)) }
                        " chance of meeting it."
                    }
                } @else {
                    p.muted { "The project has no deadline." }
                }
                h2 { "Task deadlines" }
                @if document.task_deadlines.is_empty() {
                    p.muted { "No task deadlines." }
                } @else {
                    div.table-wrap { table.stack {
                        thead { tr { th { "Task" } th { "Deadline" } th { "Chance" } } }
                        tbody { @for deadline in &document.task_deadlines { tr {
                            td data-label="Task" { (name(&deadline.id)) }
                            td data-label="Deadline" { (day(&deadline.date)) }
                            td data-label="Chance" class=(chance_class(deadline.probability)) {
                                (percent(deadline.probability))
                            }
                        } } }
                    } }
                }
                h2 { "Milestones" }
                @if document.milestones.is_empty() {
                    p.muted { "No milestones still to reach." }
                } @else {
                    div.table-wrap { table #milestone-chances.stack {
                        thead { tr {
                            th { "Milestone" } th { "Date" } th { "Chance by its date" }
                            th { "Deadline" } th { "Chance by the deadline" }
                        } }
                        tbody { @for milestone in &document.milestones { tr {
                            td data-label="Milestone" { (name(&milestone.id)) }
                            td data-label="Date" { (day(&milestone.date)) }
                            td data-label="Chance by its date" class=(chance_class(milestone.probability)) {
                                (percent(milestone.probability))
                            }
                            @if let Some(deadline) = &milestone.deadline {
                                td data-label="Deadline" { (day(&deadline.date)) }
                                td data-label="Chance by the deadline" class=(chance_class(deadline.probability)) {
                                    (percent(deadline.probability))
                                }
                            } @else {
                                td data-label="Deadline" { "—" }
                                td data-label="Chance by the deadline" { "—" }
                            }
                        } } }
                    } }
                }
                h2 { "Tasks by criticality" }
                div.table-wrap { table.stack {
                    thead { tr { th { "Task" } th { "Criticality" } th { "Sensitivity" } } }
                    tbody { @for task in &tasks { tr {
                        td data-label="Task" { (name(&task.id)) }
                        td data-label="Criticality" { (percent(task.criticality)) }
                        td data-label="Sensitivity" { (format!("{:.2}", task.sensitivity)) }
                    } } }
                } }
                h2 { "Risks by P80 days saved" }
                @if risks.is_empty() {
                    p.muted { "No risks in the register." }
                } @else {
                    div.table-wrap { table.stack {
                        thead { tr { th { "Risk" } th { "P80 days saved without it" } } }
                        tbody { @for risk in &risks { tr {
                            td data-label="Risk" {
                                (forecast.risk_titles.get(&risk.id).map_or(risk.id.as_str(), String::as_str))
                            }
                            td data-label="P80 days saved without it" {
                                (forecast.risk_days.get(&risk.id).map_or("—", String::as_str))
                            }
                        } } }
                    } }
                }
                p { a href=(overview) { "Back to the overview" } }
            }
        }
    };
    project_page(&user, &context, Tab::Forecast, None, content)
}
