//! The portfolio: every project the user can see, with its health at a glance.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use waymark_core::model::Plan;
use waymark_store::Role;

use super::{blocking, day, page, stored_plan, PageUser};
use crate::error::ApiError;
use crate::AppState;

/// The iterations of the forecast on the portfolio page. Each project's forecast runs on a
/// blocking thread on every view: 1,000 iterations keep a page of ordinary plans (hundreds of
/// tasks) to a few milliseconds each while P50/P80 are stable to about a day; the forecast
/// page of a project, with its own iteration count, is where precision belongs.
pub const PORTFOLIO_ITERATIONS: u32 = 1_000;

/// One row of the portfolio.
struct PortfolioRow {
    id: i64,
    name: String,
    deadline: Option<String>,
    /// P50, P80 and the probability of meeting the deadline, from `forecast --json`.
    forecast: Option<(String, String, Option<f64>)>,
    progress: Option<f64>,
    problem: Option<String>,
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

fn forecast_summary(plan: &Plan) -> Result<(String, String, Option<f64>), String> {
    let options = waymark_core::forecast::ForecastOptions {
        iterations: PORTFOLIO_ITERATIONS,
        seed: 1,
    };
    let result = waymark_core::forecast::forecast(plan, &options).map_err(|e| e.to_string())?;
    let json = serde_json::to_value(waymark_report::json::forecast_json(plan, &result))
        .map_err(|e| e.to_string())?;
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    Ok((
        text(&json["finish"]["p50"]),
        text(&json["finish"]["p80"]),
        json["deadline"]["probability"].as_f64(),
    ))
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
    let mut table = Vec::new();
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
            problem: None,
        };
        match stored_plan(&state, project.id).await {
            Ok(Ok(plan)) => {
                let computed = blocking(move || (forecast_summary(&plan), progress(&plan))).await;
                match computed {
                    Ok((Ok(forecast), progress)) => {
                        row.forecast = Some(forecast);
                        row.progress = progress;
                    }
                    Ok((Err(problem), _)) => row.problem = Some(problem),
                    Err(response) => return response,
                }
            }
            Ok(Err(_)) => row.problem = Some("the plan has errors".to_owned()),
            Err(response) => return response,
        }
        table.push(row);
    }
    let content = html! {
        h1 { "Portfolio" }
        @if table.is_empty() {
            p.muted { "No projects yet. Import a plan file with the API or the CLI." }
        } @else {
            div.table-wrap {
                table.stack {
                    thead { tr {
                        th { "Project" } th { "Deadline" } th { "Finish P50" }
                        th { "Finish P80" } th { "Chance of the deadline" } th { "Progress" }
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
                            }
                        }
                    }
                }
            }
        }
    };
    page(StatusCode::OK, "Portfolio", Some(&user), content)
}
