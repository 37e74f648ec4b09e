//! The portfolio: every project the user can see, with its health at a glance (forecast finish
//! against the deadline, progress, critical tasks late, open high risks), and the forms that
//! start a project: "New project" and the import of a file (`static/transfer.js`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use waymark_core::model::Plan;
use waymark_store::Role;

use super::{day, page_with_script, panel, transfer, updating_note, PageUser, Panel};
use crate::error::ApiError;
use crate::figures::{ask, ready_url, Shown, Wait};
use crate::AppState;

/// One row of the portfolio.
struct PortfolioRow {
    id: i64,
    name: String,
    deadline: Option<String>,
    /// P50, P80 and the probability of meeting the deadline, from `forecast --json`.
    forecast: Option<(String, String, Option<f64>)>,
    progress: Option<f64>,
    /// Critical leaf tasks behind the plan's own promise (`doctor::late`).
    late: Option<usize>,
    /// Open risks rated high.
    high_risks: Option<usize>,
    problem: Option<String>,
    /// The forecast is being computed.
    pending: bool,
}

/// What the portfolio computes of one plan, on a blocking thread.
pub(super) struct Health {
    /// P50, P80 and the probability of meeting the deadline.
    forecast: (String, String, Option<f64>),
    late: Option<usize>,
    high_risks: usize,
}

/// The duration-weighted progress of the plan's leaf tasks, 0..1.
fn progress(plan: &Plan) -> Option<f64> {
    let mut is_parent = vec![false; plan.tasks.len()];
    for task in &plan.tasks {
        if let Some(parent) = task.parent {
            is_parent[parent.0] = true;
        }
    }
    let (mut done, mut total) = (0.0, 0.0);
    for (task, parent) in plan.tasks.iter().zip(&is_parent) {
        if !parent {
            let weight = task.duration.max(1) as f64;
            done += weight * task.progress.clamp(0.0, 1.0);
            total += weight;
        }
    }
    (total > 0.0).then(|| done / total)
}

/// Each project's health and progress, kept by revision and day.
pub(super) static HEALTH: Panel<(Result<Health, String>, Option<f64>)> = Panel {
    name: "health",
    forecast: true,
    compute: |figures| match (&figures.plan, figures.forecast()) {
        (Ok(plan), Some(forecast)) => {
            let today = waymark_core::time::day_start(figures.today);
            let health = forecast
                .as_ref()
                .map_err(ToString::to_string)
                .and_then(|forecast| health(plan, forecast, today));
            (health, progress(plan))
        }
        _ => (Err("the plan has errors".to_owned()), None),
    },
};

/// The forecast summary, the late critical tasks as of `today` (when the plan has no status
/// date) and the open high risks, rated by the forecast's P80 impacts.
fn health(
    plan: &Plan,
    result: &waymark_core::forecast::Forecast,
    today: waymark_core::time::Instant,
) -> Result<Health, String> {
    let json = serde_json::to_value(waymark_report::json::forecast_json(plan, result))
        .map_err(|e| e.to_string())?;
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    // An open high risk: rated high on the 5 x 5 grid, with its impact taken as the working
    // days its absence would take off the P80 finish (`Risk::rating`, the risks page's rule).
    let high_risks = plan
        .risks
        .iter()
        .zip(&result.risk_p80_saved)
        .filter(|(risk, &saved)| {
            risk.rating(saved, plan.project.minutes_per_day)
                == Some(waymark_core::model::RiskRating::High)
        })
        .count();
    let as_of = waymark_core::doctor::late::as_of(plan, today);
    let late = waymark_core::doctor::late::late_critical_tasks(plan, as_of)
        .ok()
        .map(|late| late.len());
    Ok(Health {
        forecast: (
            text(&json["finish"]["p50"]),
            text(&json["finish"]["p80"]),
            json["deadline"]["probability"].as_f64(),
        ),
        late,
        high_risks,
    })
}

/// How "late" is decided, for the page.
const LATE_RULE: &str = "A critical task is late when, by the status date (today when the plan \
     has none), the plan without any progress recorded would have it further along than its \
     reported progress, or finished. Plans keep no baseline, so the plan itself is the promise.";

/// How "open high risk" is decided, for the page.
const HIGH_RULE: &str = "Open risks rated high on the 5 x 5 grid of probability and impact, the \
     impact being the working days the risk adds to the P80 finish in the project's forecast \
     (the one every page shows).";

/// The "New project" form (`static/transfer.js` posts it to the API).
fn new_project_form() -> maud::Markup {
    html! {
        form #new-project-form.card method="post" action="/api/v1/projects" novalidate {
            h2 { "New project" }
            label for="project-name" { "Project name" }
            input #project-name type="text" name="name" required maxlength="200"
                aria-describedby="project-name-error";
            span.field-error #project-name-error {}
            label for="project-start" { "Start date" }
            input #project-start type="date" name="start" required
                aria-describedby="project-start-error";
            span.field-error #project-start-error {}
            label for="project-deadline" { "Deadline" span.muted { " (optional)" } }
            input #project-deadline type="date" name="deadline"
                aria-describedby="project-deadline-error";
            span.field-error #project-deadline-error {}
            p { button type="submit" { "Create project" } }
        }
    }
}

/// The portfolio: every project the user can see, with its forecast.
pub(super) async fn portfolio(State(state): State<AppState>, user: PageUser) -> Response {
    let rows = if user.user().is_admin {
        state
            .store
            .projects(None, crate::http::MAX_PAGE)
            .await
            .map(|projects| {
                projects
                    .into_iter()
                    .map(|project| (project, Role::Owner))
                    .collect::<Vec<_>>()
            })
    } else {
        state
            .store
            .projects_of_user(user.user().id, None, crate::http::MAX_PAGE)
            .await
    };
    let projects = match rows {
        Ok(rows) => rows,
        Err(error) => return ApiError::from(error).into_response(),
    };
    // Every project's figures are asked for first, so that they are computed together, and
    // then waited for, all within one `page_wait`.
    for (project, _) in &projects {
        ask(&state, project, &HEALTH);
    }
    let wait = Wait::until(&state);
    let mut table = Vec::new();
    let mut waiting = Vec::new();
    let mut stale = false;
    for (project, _) in projects {
        let deadline = project
            .fields
            .get("deadline")
            .and_then(|value| value.as_str())
            .map(|text| day(text).to_owned());
        let mut row = PortfolioRow {
            id: project.id.0,
            name: project.name.clone(),
            deadline,
            forecast: None,
            progress: None,
            late: None,
            high_risks: None,
            problem: None,
            pending: false,
        };
        let computed = match panel(&state, &project, &HEALTH, wait).await {
            Ok(computed) => computed,
            Err(response) => return response,
        };
        waiting.extend(ready_url(project.id, &HEALTH, &computed));
        stale |= computed.is_stale();
        match &computed {
            Shown::Fresh(computed) | Shown::Stale(computed) => match &**computed {
                (Ok(health), progress) => {
                    row.forecast = Some(health.forecast.clone());
                    row.late = health.late;
                    row.high_risks = Some(health.high_risks);
                    row.progress = *progress;
                }
                (Err(problem), _) => row.problem = Some(problem.clone()),
            },
            Shown::Pending => row.pending = true,
        }
        table.push(row);
    }
    let content = html! {
        h1 { "Portfolio" }
        (updating_note(&waiting, stale))
        @if table.is_empty() {
            p.muted { "No projects yet: create one or import a plan file below." }
        } @else {
            div.table-wrap {
                table.stack {
                    thead { tr {
                        th { "Project" } th { "Deadline" } th { "Finish P50" }
                        th { "Finish P80" } th { "Chance of the deadline" } th { "Progress" }
                        th { abbr title=(LATE_RULE) { "Critical tasks late" } }
                        th { abbr title=(HIGH_RULE) { "Open high risks" } }
                    } }
                    tbody {
                        @for row in &table {
                            tr {
                                td data-label="Project" {
                                    a href={ "/projects/" (row.id) } { (row.name) }
                                }
                                td data-label="Deadline" {
                                    (row.deadline.as_deref().unwrap_or("—"))
                                }
                                @if let Some((p50, p80, chance)) = &row.forecast {
                                    td data-label="Finish P50" { (day(p50)) }
                                    td data-label="Finish P80" { (day(p80)) }
                                    td data-label="Chance of the deadline" {
                                        @match chance {
                                            Some(chance) => {
                                                span class=(if *chance >= 0.8 { "good" } else if *chance < 0.5 { "bad" } else { "" }) {
                                                    (format!("{:.0} %", chance * 100.0))
                                                }
                                            }
                                            None => "—",
                                        }
                                    }
                                } @else if row.pending {
                                    td.muted colspan="3" data-label="Forecast" { "Computing…" }
                                } @else {
                                    td colspan="3" data-label="Forecast" {
                                        span.bad { (row.problem.as_deref().unwrap_or("no forecast")) }
                                    }
                                }
                                td data-label="Progress" {
                                    @if let Some(progress) = row.progress {
                                        progress max="100" value=(format!("{:.0}", progress * 100.0)) {}
                                        " " (format!("{:.0} %", progress * 100.0))
                                    } @else { "—" }
                                }
                                td data-label="Critical tasks late" {
                                    @match row.late {
                                        Some(0) => span.good { "0" },
                                        Some(late) => span.bad { (late) },
                                        None => "—",
                                    }
                                }
                                td data-label="Open high risks" {
                                    @match row.high_risks {
                                        Some(0) => "0",
                                        Some(high) => span.bad { (high) },
                                        None => "—",
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p.muted #late-rule { strong { "Critical tasks late: " } (LATE_RULE) }
            p.muted #high-rule { strong { "Open high risks: " } (HIGH_RULE) }
        }
        div.portfolio-actions {
            (new_project_form())
            section.card aria-labelledby="import-heading" {
                h2 #import-heading { "Import a file" }
                (transfer::import_form())
            }
        }
    };
    page_with_script("Portfolio", &user, "transfer", content)
}
