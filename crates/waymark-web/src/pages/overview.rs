//! The project overview: key dates, milestones, the critical path, red flags and top risks.

use axum::extract::State;
use axum::response::Response;
use maud::html;
use waymark_core::doctor;
use waymark_core::model::Plan;
use waymark_store::{ProjectId, Role};

use super::{blocking, day, project_context, project_page, stored_plan, PageUser, Tab};
use crate::http::Path;
use crate::AppState;

/// The overview of one project; 404 for a project the user may not see (the API's rule).
pub(super) async fn project_overview(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    let id = ProjectId(id);
    let context = match project_context(&state, &user, id, Role::Viewer).await {
        Ok(context) => context,
        Err(response) => return response,
    };
    let project = &context.project;
    let overview = match stored_plan(&state, id).await {
        Ok(Ok(plan)) => match blocking(move || overview(&plan)).await {
            Ok(overview) => overview,
            Err(response) => return response,
        },
        Ok(Err(diagnostics)) => Overview {
            flags: diagnostics,
            ..Overview::default()
        },
        Err(response) => return response,
    };
    let content = html! {
        h1 { (project.name) }
        @if let Some(dates) = &overview.dates {
            h2 { "Key dates" }
            div.table-wrap { table.stack {
                thead { tr { th { "Start" } th { "Finish" } th { "Status date" } th { "Deadline" } } }
                tbody { tr {
                    td data-label="Start" { (day(&dates.start)) }
                    td data-label="Finish" { (day(&dates.finish)) }
                    td data-label="Status date" { (dates.status_date.as_deref().map_or("—", day)) }
                    td data-label="Deadline" { (dates.deadline.as_deref().map_or("—", day)) }
                } }
            } }
            h2 { "Milestones" }
            @if overview.milestones.is_empty() {
                p.muted { "No milestones." }
            } @else {
                div.table-wrap { table.stack {
                    thead { tr { th { "Milestone" } th { "Date" } th { "Float (days)" } } }
                    tbody { @for (name, date, float) in &overview.milestones { tr {
                        td data-label="Milestone" { (name) }
                        td data-label="Date" { (day(date)) }
                        td data-label="Float (days)" class=(if *float < 0.0 { "bad" } else { "" }) {
                            (format!("{float:.1}"))
                        }
                    } } }
                } }
            }
            h2 { "Critical path" }
            p { (overview.critical_path.join(" → ")) }
        }
        h2 { "Red flags" }
        @if overview.flags.is_empty() {
            p.good { "None: the plan doctor has nothing to say." }
        } @else {
            ul.flags { @for flag in &overview.flags { li {
                strong class=(if flag.severity == waymark_core::Severity::Error { "bad" } else { "" }) {
                    (flag.severity.as_str()) "[" (flag.code) "]"
                }
                " " (flag.message)
                @if let Some(help) = &flag.help { br; span.muted { (help) } }
            } } }
        }
        h2 { "Top risks" }
        @if overview.risks.is_empty() {
            p.muted { "No risks in the register." }
        } @else {
            div.table-wrap { table.stack {
                thead { tr { th { "Risk" } th { "Probability" } th { "Owner" } th { "P80 days saved without it" } } }
                tbody { @for risk in &overview.risks { tr {
                    td data-label="Risk" { (risk.title) }
                    td data-label="Probability" { (format!("{:.0} %", risk.probability * 100.0)) }
                    td data-label="Owner" { (risk.owner.as_deref().unwrap_or("nobody")) }
                    td data-label="P80 days saved without it" { (format!("{:.1}", risk.p80_days_saved)) }
                } } }
            } }
        }
        p { a href={ "/projects/" (id.0) "/forecast" } { "Forecast" } }
        p { a href="/" { "Back to the portfolio" } }
    };
    project_page(&user, &context, Tab::Overview, None, content)
}

#[derive(Default)]
struct Overview {
    dates: Option<waymark_report::json::ProjectJson>,
    /// Name, date and total float in days of each milestone, in date order.
    milestones: Vec<(String, String, f64)>,
    /// The critical leaf tasks' names in start order.
    critical_path: Vec<String>,
    flags: Vec<waymark_core::Diagnostic>,
    risks: Vec<RiskLine>,
}

struct RiskLine {
    title: String,
    probability: f64,
    owner: Option<String>,
    p80_days_saved: f64,
}

/// How many risks the overview shows.
const TOP_RISKS: usize = 5;

/// Everything the overview shows, computed from the plan: the schedule (dates, milestones,
/// critical path), the plan doctor's red flags as `waymark check` composes them (cycles, else
/// the schedule checks and the forecast's timeline check), and the risks ranked by how much
/// P80 time each one costs in the forecast.
fn overview(plan: &Plan) -> Overview {
    let mut result = Overview::default();
    // The forecast of the plan doctor's timeline check also ranks the risks.
    let forecast = waymark_core::forecast::forecast(plan, &doctor::TIMELINE_FORECAST).ok();
    result.flags = doctor::red_flags(plan, forecast.as_ref());
    let Ok(computed) = waymark_core::schedule(plan) else {
        return result;
    };
    let document = waymark_report::json::schedule_json(plan, &computed);
    let minutes_per_day = document.project.minutes_per_day.max(1) as f64;
    let mut milestones: Vec<_> = document
        .tasks
        .iter()
        .filter(|task| task.milestone)
        .collect();
    milestones.sort_by(|a, b| a.finish.cmp(&b.finish));
    result.milestones = milestones
        .into_iter()
        .map(|task| {
            (
                task.name.clone(),
                task.finish.clone(),
                task.total_float_minutes as f64 / minutes_per_day,
            )
        })
        .collect();
    let mut critical: Vec<_> = document
        .tasks
        .iter()
        .filter(|task| task.critical && !task.summary)
        .collect();
    critical.sort_by(|a, b| a.start.cmp(&b.start));
    result.critical_path = critical.into_iter().map(|task| task.name.clone()).collect();
    if let Some(forecast) = forecast {
        let mut risks: Vec<RiskLine> = plan
            .risks
            .iter()
            .zip(&forecast.risk_p80_saved)
            .map(|(risk, &saved)| RiskLine {
                title: risk.title.clone(),
                probability: risk.probability,
                owner: risk.owner.map(|owner| plan.resources[owner.0].name.clone()),
                p80_days_saved: saved as f64 / minutes_per_day,
            })
            .collect();
        risks.sort_by(|a, b| {
            (b.p80_days_saved, b.probability)
                .partial_cmp(&(a.p80_days_saved, a.probability))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        risks.truncate(TOP_RISKS);
        result.risks = risks;
    }
    result.dates = Some(document.project);
    result
}
