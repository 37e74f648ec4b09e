//! What the engine computes from a stored project, with the same JSON as the command line's
//! `--json` (`waymark_report::json`): the schedule, the levelled schedule and the forecast; and
//! the project in and out as a file: import of a plan file or Microsoft Project XML, export to
//! either.
//!
//! A stored project becomes a plan through the plan reader (`document::plan_of`), so a project
//! that would not be a valid plan file answers 422 with the reader's diagnostics. The engine runs
//! on a blocking thread, never on an async worker.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use waymark_core::{doctor, Plan};
use waymark_store::{ProjectId, Role};

use crate::auth::Caller;
use crate::document::{self, Checked};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Path, Query};
use crate::projects::{access, created, ProjectBody};
use crate::AppState;

/// A seed as the API takes it: 0 to `i64::MAX`, which every JSON tool can write exactly.
fn seed(seed: Option<u64>) -> ApiResult<u64> {
    match seed {
        None => Ok(1),
        Some(seed) if i64::try_from(seed).is_ok() => Ok(seed),
        Some(_) => Err(ApiError::bad_request(
            "`seed` must be between 0 and 9223372036854775807",
        )),
    }
}

/// The most forecast iterations one request may ask for.
pub const MAX_ITERATIONS: u32 = 100_000;
/// The most levelling schedules one request may ask for.
pub const MAX_SCHEDULES: u64 = 100_000;
/// How long one levelling request may search, whatever it asks for.
pub const LEVEL_TIME_LIMIT: Duration = Duration::from_secs(5);

/// Runs CPU-heavy work on a blocking thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        tracing::error!(%error, "engine task failed");
        ApiError::internal()
    })
}

/// The stored project as a plan, for a caller who may read it.
async fn stored_plan(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Plan> {
    let id = ProjectId(id);
    access(state, caller, id, Role::Viewer).await?;
    let content = state.store.project_document(id).await?;
    let checked = blocking(move || document::plan_of(&content)).await?;
    match checked {
        Ok(Checked { plan, .. }) => Ok(plan),
        Err(diagnostics) => Err(ApiError::invalid_plan(
            "the project is not a valid plan; the diagnostics name the problems (lines and \
             columns are those of the project's export as a plan file)",
            &diagnostics,
        )),
    }
}

/// A plan that cannot be scheduled: the cycles when there are some, else the engine's message.
fn unschedulable(plan: &Plan, error: &waymark_core::ScheduleError) -> ApiError {
    let cycles = doctor::dependency_cycles(plan);
    if cycles.is_empty() {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "schedule-failed",
            error.to_string(),
        )
    } else {
        ApiError::invalid_plan("the plan has dependency cycles", &cycles)
    }
}

/// The schedule: the same JSON as `waymark schedule --json`.
#[utoipa::path(get, path = "/projects/{project}/schedule", tag = "views",
    params(("project" = i64, Path)),
    responses((status = 200, description = "As `waymark schedule --json` (docs/cli.md)",
            body = Object),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn schedule(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let plan = stored_plan(&state, &caller, id).await?;
    let document = blocking(move || match waymark_core::schedule(&plan) {
        Ok(computed) => Ok(waymark_report::json::schedule_json(&plan, &computed)),
        Err(error) => Err(unschedulable(&plan, &error)),
    })
    .await??;
    Ok(axum::Json(document).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelQuery {
    /// Seed of the search's random choices (default 1).
    #[param(minimum = 0, maximum = 9223372036854775807_i64)]
    pub seed: Option<u64>,
    /// Schedules to try, 1..=100000 (default 1000); the search also stops after 5 seconds.
    #[param(minimum = 1, maximum = 100000)]
    pub schedules: Option<u64>,
    /// Delay tasks only within their total float.
    pub within_float: Option<bool>,
}

/// The levelled schedule: the same JSON as `waymark level --json` for one plan.
#[utoipa::path(get, path = "/projects/{project}/level", tag = "views",
    params(("project" = i64, Path), LevelQuery),
    responses((status = 200, description = "As `waymark level --json` (docs/cli.md)",
            body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn level(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<LevelQuery>,
) -> ApiResult<Response> {
    let schedules = query.schedules.unwrap_or(1000);
    if !(1..=MAX_SCHEDULES).contains(&schedules) {
        return Err(ApiError::bad_request(format!(
            "`schedules` must be between 1 and {MAX_SCHEDULES}"
        )));
    }
    let seed = seed(query.seed)?;
    let plan = stored_plan(&state, &caller, id).await?;
    let search = waymark_core::level::SearchOptions {
        seed,
        max_schedules: Some(schedules),
    };
    let options = waymark_core::level::LevelOptions {
        within_float: query.within_float.unwrap_or(false),
    };
    let document = blocking(move || {
        let cycles = doctor::dependency_cycles(&plan);
        if !cycles.is_empty() {
            return Err(ApiError::invalid_plan(
                "the plan has dependency cycles",
                &cycles,
            ));
        }
        let name = plan.project.name.clone();
        let pooled = waymark_core::level::pool(std::slice::from_ref(&plan));
        let before = waymark_core::schedule(&pooled.plan)
            .map_err(|error| unschedulable(&pooled.plan, &error))?;
        // The engine never reads the clock: the time limit lives here, polled through `stop`.
        let deadline = Instant::now() + LEVEL_TIME_LIMIT;
        let mut stop = || Instant::now() >= deadline;
        let (levelled, _) =
            waymark_core::level::level_search(&pooled.plan, &options, &search, &mut stop)
                .map_err(|error| unschedulable(&pooled.plan, &error))?;
        Ok(waymark_report::json::level_json(
            &[(name.as_str(), &plan)],
            &pooled,
            &before,
            &levelled,
        ))
    })
    .await??;
    Ok(axum::Json(document).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// Monte Carlo iterations, 1..=100000 (default 10000).
    #[param(minimum = 1, maximum = 100000)]
    pub iterations: Option<u32>,
    /// Seed of the random samples (default 1): the same seed gives the same forecast.
    #[param(minimum = 0, maximum = 9223372036854775807_i64)]
    pub seed: Option<u64>,
}

/// The Monte Carlo forecast: the same JSON as `waymark forecast PLAN --json`.
#[utoipa::path(get, path = "/projects/{project}/forecast", tag = "views",
    params(("project" = i64, Path), ForecastQuery),
    responses((status = 200, description = "As `waymark forecast --json` (docs/cli.md)",
            body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn forecast(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<ForecastQuery>,
) -> ApiResult<Response> {
    let iterations = query
        .iterations
        .unwrap_or(waymark_core::forecast::DEFAULT_ITERATIONS);
    if !(1..=MAX_ITERATIONS).contains(&iterations) {
        return Err(ApiError::bad_request(format!(
            "`iterations` must be between 1 and {MAX_ITERATIONS}"
        )));
    }
    let seed = seed(query.seed)?;
    let plan = stored_plan(&state, &caller, id).await?;
    let options = waymark_core::forecast::ForecastOptions { iterations, seed };
    let document = blocking(
        move || match waymark_core::forecast::forecast(&plan, &options) {
            Ok(result) => Ok(waymark_report::json::forecast_json(&plan, &result)),
            Err(error) => Err(unschedulable(&plan, &error)),
        },
    )
    .await??;
    Ok(axum::Json(document).into_response())
}

/// The file formats of import and export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A Waymark plan file (TOML).
    Plan,
    /// Microsoft Project XML.
    Mspdi,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's format; without it, the `Content-Type` says (`application/xml`, `text/xml`:
    /// MSPDI; `application/toml`: plan), else the first character (`<`: MSPDI).
    pub format: Option<Format>,
}

fn sniff(headers: &HeaderMap, text: &str) -> Format {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.contains("xml") {
        Format::Mspdi
    } else if content_type.contains("toml") {
        Format::Plan
    } else if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
    {
        Format::Mspdi
    } else {
        Format::Plan
    }
}

/// Import a plan file or Microsoft Project XML as a new project; you become its owner.
#[utoipa::path(post, path = "/projects/import", tag = "views", params(ImportQuery),
    request_body(content = String, description = "The file: plan TOML or MSPDI XML. Send it as \
        `application/toml`, `application/xml` or `text/plain` (then the first character decides)",
        content_type = "text/plain"),
    responses((status = 201, body = ProjectBody, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "The file has errors: `diagnostics` has each with its \
            line and column", body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let text = match String::from_utf8(body.to_vec()) {
        Ok(text) => text,
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "not-utf8",
                format!("the file is not UTF-8 text (invalid byte at offset {offset})"),
            ));
        }
    };
    let format = query.format.unwrap_or_else(|| sniff(&headers, &text));
    let read = blocking(move || match format {
        Format::Plan => document::content_from_plan_text(&text),
        Format::Mspdi => document::content_from_mspdi_text(&text),
    })
    .await?;
    let (content, _) = read.map_err(|diagnostics| {
        ApiError::invalid_plan("the file has errors; nothing was imported", &diagnostics)
    })?;
    let project = state.store.import_project(caller.actor(), &content).await?;
    Ok(created(&project))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `plan` (default) or `mspdi`.
    pub format: Option<Format>,
}

/// Export the project as a plan file or Microsoft Project XML.
#[utoipa::path(get, path = "/projects/{project}/export", tag = "views",
    params(("project" = i64, Path), ExportQuery),
    responses(
        (status = 200, description = "The file", content(
            (String = "application/toml"), (String = "application/xml"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<ExportQuery>,
) -> ApiResult<Response> {
    let plan = stored_plan(&state, &caller, id).await?;
    let format = query.format.unwrap_or(Format::Plan);
    let text = blocking(move || match format {
        Format::Plan => waymark_formats::plan::write(&plan),
        Format::Mspdi => waymark_formats::mspdi::write(&plan),
    })
    .await?;
    let (content_type, file) = match format {
        Format::Plan => (
            "application/toml; charset=utf-8",
            format!("project-{id}.plan.toml"),
        ),
        Format::Mspdi => (
            "application/xml; charset=utf-8",
            format!("project-{id}.xml"),
        ),
    };
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule))
        .routes(routes!(level))
        .routes(routes!(forecast))
        .routes(routes!(import))
        .routes(routes!(export))
}
