//! The web pages: server-rendered HTML (maud, checked at compile time) on the same functions
//! as the JSON API — sign-in is `auth::check_sign_in`, permissions are `projects::access`, the
//! numbers come from the engine and `waymark_report::json`, the red flags from
//! `waymark_core::doctor` as in `waymark check`. No business rule is written here.
//!
//! Pages are signed in with the session cookie; without one they redirect to `/signin`. Plain
//! HTML forms cannot send the `X-CSRF-Token` header, so every form post that changes state with
//! the cookie carries the session's CSRF token in a hidden `csrf_token` field instead, compared
//! in constant time. Every response carries a Content-Security-Policy that allows only this
//! server's own scripts and styles (no inline script), served from the binary under `/static/`.

use axum::extract::{Form, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;
use waymark_core::doctor;
use waymark_core::model::Plan;
use waymark_store::{ProjectId, Role, User};

use crate::auth::{self, ClientAddress, SESSION_COOKIE};
use crate::document::{self, Checked};
use crate::error::ApiError;
use crate::http::Path;
use crate::projects::access;
use crate::AppState;

/// The stylesheet and the script, compiled into the binary.
const STYLESHEET: &str = include_str!("../static/waymark.css");
const SCRIPT: &str = include_str!("../static/waymark.js");

/// The iterations of the forecast on the portfolio page. Each project's forecast runs on a
/// blocking thread on every view: 1,000 iterations keep a page of ordinary plans (hundreds of
/// tasks) to a few milliseconds each while P50/P80 are stable to about a day; the forecast
/// page of a project, with its own iteration count, is where precision belongs.
pub const PORTFOLIO_ITERATIONS: u32 = 1_000;

/// The Content-Security-Policy of every response: only this server's scripts, styles and
/// images; no inline script, no plugins, no framing, forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

/// Adds the security headers to every response (pages, API, static files).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Not fingerprinted, so cached for an hour rather than for ever.
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", STYLESHEET)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// The user of a page, signed in with the session cookie; anyone else is sent to `/signin`.
pub struct PageUser {
    pub caller: auth::Caller,
    pub csrf_token: String,
}

impl PageUser {
    fn user(&self) -> &User {
        &self.caller.user
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let signin = || Redirect::to("/signin").into_response();
        let Some(secret) = auth::cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(signin());
        };
        match state.store.session(&secret).await {
            Ok(Some((session, user))) => Ok(PageUser {
                caller: auth::Caller {
                    user,
                    via: auth::Via::Session {
                        secret,
                        csrf_token: session.csrf_token.clone(),
                    },
                },
                csrf_token: session.csrf_token,
            }),
            Ok(None) => Err(signin()),
            Err(error) => Err(ApiError::from(error).into_response()),
        }
    }
}

/// Whether a form post carries the session's token in its `csrf_token` field.
fn form_token_is_valid(user: &PageUser, sent: Option<&str>) -> bool {
    auth::same_secret(sent.unwrap_or_default(), &user.csrf_token)
}

/// The layout of every page: the head, the navigation, the content.
fn layout(title: &str, user: Option<&PageUser>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Waymark" }
                link rel="stylesheet" href="/static/waymark.css";
                // No favicon yet: an empty one keeps browsers from asking for /favicon.ico
                // and logging its 404 as a console error.
                link rel="icon" href="data:,";
                script src="/static/waymark.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "Waymark" }
                    @if let Some(user) = user {
                        nav aria-label="Main" {
                            a href="/" { "Portfolio" }
                        }
                        span.muted { (user.user().display_name) }
                        form method="post" action="/signout" {
                            input type="hidden" name="csrf_token" value=(user.csrf_token);
                            button.link type="submit" { "Sign out" }
                        }
                    }
                }
                main { (content) }
            }
        }
    }
}

fn page(status: StatusCode, title: &str, user: Option<&PageUser>, content: Markup) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::response::Html(layout(title, user, content).into_string()),
    )
        .into_response()
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(
        status,
        title,
        None,
        html! { h1 { (title) } p { (message) } p { a href="/" { "Back to the portfolio" } } },
    )
}

fn signin_form(error: Option<&str>, name: &str) -> Markup {
    html! {
        div.card.narrow {
            h1 { "Sign in" }
            @if let Some(error) = error {
                p.error role="alert" { (error) }
            }
            form method="post" action="/signin" {
                label for="name" { "Username" }
                input #name type="text" name="name" value=(name) autocomplete="username"
                    required autofocus;
                label for="password" { "Password" }
                input #password type="password" name="password"
                    autocomplete="current-password" required;
                p { button type="submit" { "Sign in" } }
            }
        }
    }
}

async fn signin_page() -> Response {
    page(StatusCode::OK, "Sign in", None, signin_form(None, ""))
}

#[derive(Deserialize)]
struct SignInForm {
    name: String,
    password: String,
}

/// Sign-in by form: the API's rule and rate limits, then the cookie and a redirect to `/`.
async fn signin_post(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Form(form): Form<SignInForm>,
) -> Response {
    match auth::check_sign_in(&state, &address, &form.name, form.password).await {
        Ok((_, issued)) => {
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                auth::session_cookie(
                    &state,
                    &issued.secret,
                    state.config.session_lifetime.num_seconds(),
                ),
            );
            response
        }
        Err(error) => {
            let (status, message) = match error.status {
                StatusCode::UNAUTHORIZED => (error.status, "Unknown username or wrong password."),
                StatusCode::TOO_MANY_REQUESTS => (
                    error.status,
                    "Too many sign-in attempts. Wait a few minutes and try again.",
                ),
                _ => return error.into_response(),
            };
            let mut response = page(
                status,
                "Sign in",
                None,
                signin_form(Some(message), &form.name),
            );
            if let Some(seconds) = error.retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
    }
}

#[derive(Deserialize)]
struct TokenForm {
    csrf_token: Option<String>,
}

/// Sign-out by form: ends the session (with its CSRF token) and clears the cookie.
async fn signout_post(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<TokenForm>,
) -> Response {
    if !form_token_is_valid(&user, form.csrf_token.as_deref()) {
        return error_page(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "The form did not carry this session's token. Reload the page and try again.",
        );
    }
    if let auth::Via::Session { secret, .. } = &user.caller.via {
        if let Err(error) = state.store.revoke_session(secret).await {
            return ApiError::from(error).into_response();
        }
    }
    let mut response = Redirect::to("/signin").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::session_cookie(&state, "", 0));
    response
}

/// Runs engine work on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        tracing::error!(%error, "engine task failed");
        ApiError::internal().into_response()
    })
}

/// The stored project as a plan, or the diagnostics that keep it from being one.
async fn stored_plan(
    state: &AppState,
    id: ProjectId,
) -> Result<Result<Plan, Vec<waymark_core::diagnostic::Diagnostic>>, Response> {
    let content = state
        .store
        .project_document(id)
        .await
        .map_err(|error| ApiError::from(error).into_response())?;
    let checked = blocking(move || document::plan_of(&content)).await?;
    Ok(checked.map(|Checked { plan, .. }| plan))
}

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

fn day(text: &str) -> &str {
    text.get(..10).unwrap_or(text)
}

/// The portfolio: every project the user can see, with its forecast.
async fn portfolio(State(state): State<AppState>, user: PageUser) -> Response {
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

/// The overview of one project; 404 for a project the user may not see (the API's rule).
async fn project_overview(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    let id = ProjectId(id);
    if let Err(error) = access(&state, &user.caller, id, Role::Viewer).await {
        return if error.status == StatusCode::NOT_FOUND {
            not_found_page(Some(&user))
        } else {
            error.into_response()
        };
    }
    let project = match state.store.project(id).await {
        Ok(project) => project,
        Err(error) => return ApiError::from(error).into_response(),
    };
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
    page(StatusCode::OK, &project.name, Some(&user), content)
}

/// The forecast of the forecast page: the defaults of the API's `/forecast` view, so the page
/// shows the numbers a plain `GET .../forecast` returns.
const FORECAST_PAGE: waymark_core::forecast::ForecastOptions =
    waymark_core::forecast::ForecastOptions {
        iterations: waymark_core::forecast::DEFAULT_ITERATIONS,
        seed: waymark_core::forecast::DEFAULT_SEED,
    };

/// How many tasks the forecast page ranks by criticality.
const TOP_TASKS: usize = 15;

/// Everything the forecast page shows: the `forecast --json` document (the API view's
/// builder), the chart as `waymark forecast --svg` draws it, and the task names.
struct ForecastPage {
    document: waymark_report::json::PlanForecastJson,
    /// The SVG text; `None` when it could not be drawn or is not safe to inline.
    svg: Option<String>,
    /// Task and risk names by id.
    task_names: std::collections::HashMap<String, String>,
    risk_titles: std::collections::HashMap<String, String>,
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

fn forecast_page_of(plan: &Plan) -> Result<ForecastPage, String> {
    let result =
        waymark_core::forecast::forecast(plan, &FORECAST_PAGE).map_err(|e| e.to_string())?;
    Ok(ForecastPage {
        document: waymark_report::json::forecast_json(plan, &result),
        svg: forecast_chart(plan, &result),
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
    })
}

fn percent(value: f64) -> String {
    format!("{:.0} %", value * 100.0)
}

fn chance_class(chance: f64) -> &'static str {
    if chance >= 0.8 {
        "good"
    } else if chance < 0.5 {
        "bad"
    } else {
        ""
    }
}

/// The forecast of one project; 404 for a project the user may not see (the API's rule).
async fn project_forecast(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    let id = ProjectId(id);
    if let Err(error) = access(&state, &user.caller, id, Role::Viewer).await {
        return if error.status == StatusCode::NOT_FOUND {
            not_found_page(Some(&user))
        } else {
            error.into_response()
        };
    }
    let project = match state.store.project(id).await {
        Ok(project) => project,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let computed = match stored_plan(&state, id).await {
        Ok(Ok(plan)) => match blocking(move || forecast_page_of(&plan)).await {
            Ok(computed) => computed,
            Err(response) => return response,
        },
        Ok(Err(_)) => Err("the plan has errors; see the overview's red flags".to_owned()),
        Err(response) => return response,
    };
    let overview = format!("/projects/{}", id.0);
    let title = format!("{}: forecast", project.name);
    let content = match &computed {
        Err(problem) => html! {
            h1 { (title) }
            p.bad { "No forecast: " (problem) }
            p { a href=(overview) { "Back to the overview" } }
        },
        Ok(forecast) => {
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
                            td data-label="P80 days saved without it" { (format!("{:.1}", risk.p80_days_saved)) }
                        } } }
                    } }
                }
                p { a href=(overview) { "Back to the overview" } }
            }
        }
    };
    page(StatusCode::OK, &title, Some(&user), content)
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

/// The not-found page (also of unknown paths, for browsers).
pub(crate) fn not_found_page(user: Option<&PageUser>) -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Not found",
        user,
        html! {
            h1 { "Not found" }
            p { "There is no such page, or you may not see it." }
            p { a href="/" { "Back to the portfolio" } }
        },
    )
}

/// The page routes and the static files.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(portfolio))
        .route("/signin", get(signin_page).post(signin_post))
        .route("/signout", axum::routing::post(signout_post))
        .route("/projects/{id}", get(project_overview))
        .route("/projects/{id}/forecast", get(project_forecast))
        .route("/static/waymark.css", get(stylesheet))
        .route("/static/waymark.js", get(script))
}
