//! What the engine computes from a stored project, with the same JSON as the command line's
//! `--json` (`waymark_report::json`): the schedule, the levelled schedule and the forecast;
//! applying a levelling to the plan (start constraints, in one transaction); and the project in
//! and out as a file: import of a plan file or Microsoft Project XML, export to either.
//!
//! A stored project becomes a plan through the plan reader (`document::plan_of`), so a project
//! that would not be a valid plan file answers 422 with the reader's diagnostics. The engine runs
//! on a blocking thread, never on an async worker.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use waymark_core::forecast::ForecastOptions;
use waymark_core::{doctor, Plan};
use waymark_store::{EntityKind, Fields, ProjectId, Role};

use crate::auth::Caller;
use crate::document::{self, Checked};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::figures::{current, Panel};
use crate::http::{Body, Path, Query};
use crate::limits::EngineSlot;
use crate::projects::{access, created, ProjectBody};
use crate::AppState;

/// A seed as the API takes it: 0 to `i64::MAX`, which every JSON tool can write exactly.
fn seed(seed: Option<u64>) -> ApiResult<u64> {
    match seed {
        None => Ok(waymark_core::forecast::DEFAULT_SEED),
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

/// The caller of an engine request, holding one of their engine slots for as long as the
/// request runs (bind `slot` to a name: it is given back when dropped); 429 when they have
/// [`crate::Config::engine_jobs_per_user`] running.
pub struct EngineCaller {
    pub caller: Caller,
    pub slot: EngineSlot,
}

impl FromRequestParts<AppState> for EngineCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<EngineCaller> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let slot = state
            .engine
            .take(caller.user.id, state.config.engine_jobs_per_user)?;
        Ok(EngineCaller { caller, slot })
    }
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
            "the project is not a valid plan; the diagnostics name the problems",
            &diagnostics,
        )),
    }
}

/// A plan that cannot be scheduled, as the plan doctor says why: its cycles when it has some,
/// else the engine's message.
fn unschedulable(plan: &Plan, error: &waymark_core::ScheduleError) -> ApiError {
    let why = doctor::schedule_failure(plan, error);
    if why.iter().any(|d| d.code == "dependency-cycle") {
        ApiError::invalid_plan("the plan has dependency cycles", &why)
    } else {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "schedule-failed",
            error.to_string(),
        )
    }
}

/// The schedule: the same JSON as `waymark schedule --json`.
#[utoipa::path(get, path = "/projects/{project}/schedule", tag = "views",
    params(("project" = i64, Path)),
    responses((status = 200, description = "As `waymark schedule --json` (docs/cli.md)",
            body = Object),
        (status = 401, body = ErrorBody),
        (status = 429, description = "The caller's computations already running (docs/api.md, limits)", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn schedule(
    State(state): State<AppState>,
    EngineCaller {
        caller,
        slot: _slot,
    }: EngineCaller,
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

/// How to level a stored project: the level view's parameters, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelSettings {
    pub seed: u64,
    pub schedules: u64,
    pub within_float: bool,
}

impl LevelSettings {
    /// The view's defaults where a parameter is missing (seed 1, 1000 schedules, not only within
    /// float); 400 for one out of range.
    pub fn new(
        seed_asked: Option<u64>,
        schedules: Option<u64>,
        within_float: Option<bool>,
    ) -> ApiResult<LevelSettings> {
        let schedules = schedules.unwrap_or(1000);
        if !(1..=MAX_SCHEDULES).contains(&schedules) {
            return Err(ApiError::bad_request(format!(
                "`schedules` must be between 1 and {MAX_SCHEDULES}"
            )));
        }
        Ok(LevelSettings {
            seed: seed(seed_asked)?,
            schedules,
            within_float: within_float.unwrap_or(false),
        })
    }
}

/// A plan levelled as the level view levels it: the plan as a pool of one (which is the plan
/// itself, task for task), its schedule before levelling and the levelled one.
pub struct LevelRun {
    pub plan: Plan,
    pub pooled: waymark_core::level::Pool,
    pub before: waymark_core::Schedule,
    pub levelled: waymark_core::level::Levelled,
}

impl LevelRun {
    /// The `waymark level --json` document of the run.
    pub fn document(&self) -> waymark_report::json::LevelJson {
        waymark_report::json::level_json(
            &[(self.plan.project.name.as_str(), &self.plan)],
            &self.pooled,
            &self.before,
            &self.levelled,
        )
    }
}

/// Levels one plan with the search of `waymark level` and at most [`LEVEL_TIME_LIMIT`] of it:
/// the one place the level view, the page's preview and applying a levelling run the engine.
/// CPU-heavy: call it on a blocking thread.
pub fn level_plan(plan: Plan, settings: &LevelSettings) -> ApiResult<LevelRun> {
    let options = waymark_core::level::RunOptions {
        within_float: settings.within_float,
        seed: settings.seed,
        max_schedules: Some(settings.schedules),
    };
    // The engine never reads the clock: the time limit lives here, polled through `stop`.
    let deadline = Instant::now() + LEVEL_TIME_LIMIT;
    let mut stop = || Instant::now() >= deadline;
    let run = waymark_core::level::run(std::slice::from_ref(&plan), &options, &mut stop)
        .map_err(|failure| unschedulable(&plan, &failure.error))?;
    Ok(LevelRun {
        plan,
        pooled: run.pooled,
        before: run.before,
        levelled: run.levelled,
    })
}

/// The levelled schedule: the same JSON as `waymark level --json` for one plan.
#[utoipa::path(get, path = "/projects/{project}/level", tag = "views",
    params(("project" = i64, Path), LevelQuery),
    responses((status = 200, description = "As `waymark level --json` (docs/cli.md)",
            body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, description = "The caller's computations already running (docs/api.md, limits)", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn level(
    State(state): State<AppState>,
    EngineCaller {
        caller,
        slot: _slot,
    }: EngineCaller,
    Path(id): Path<i64>,
    Query(query): Query<LevelQuery>,
) -> ApiResult<Response> {
    let settings = LevelSettings::new(query.seed, query.schedules, query.within_float)?;
    let plan = stored_plan(&state, &caller, id).await?;
    let document =
        blocking(move || level_plan(plan, &settings).map(|run| run.document())).await??;
    Ok(axum::Json(document).into_response())
}

/// Applying a levelling: the preview's parameters and what it was made from.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelApplyInput {
    /// The project's `revision` when the preview was made: if anything in the project changed
    /// since, the answer is 412 and nothing changes.
    #[serde(deserialize_with = "required_whole")]
    #[schema(value_type = i64)]
    pub revision: i64,
    /// The preview's seed (default 1).
    #[serde(default, deserialize_with = "crate::http::whole_i64")]
    #[schema(minimum = 0)]
    pub seed: Option<i64>,
    /// The preview's schedules, 1..=100000 (default 1000).
    #[serde(default, deserialize_with = "crate::http::whole_i64")]
    #[schema(minimum = 1, maximum = 100000)]
    pub schedules: Option<i64>,
    /// The preview's `within_float` (default false).
    pub within_float: Option<bool>,
    /// The levelled finish the preview showed (the level view's `project.finish`): when
    /// levelling now finishes at another time (the search ran out of time differently), 412.
    #[schema(max_length = 40)]
    pub finish: Option<String>,
}

/// A JSON whole number that must be there.
fn required_whole<'de, D>(deserializer: D) -> Result<i64, D::Error>
where
    D: serde::Deserializer<'de>,
{
    crate::http::whole_i64(deserializer)?
        .ok_or_else(|| serde::de::Error::custom("a whole number is required"))
}

/// A task that applying the levelling gave a start constraint.
#[derive(Serialize, ToSchema)]
pub struct ConstrainedTask {
    pub id: String,
    /// The constraint written: the task's levelled start (a date when that is the first working
    /// minute of the day, else a date-time).
    pub start_no_earlier_than: String,
    /// Working minutes the task waited for its resources, as in the level view's `delay`.
    pub delay_minutes: i64,
    /// The task's version after the change (its new `ETag`).
    pub version: i64,
}

/// An over-allocation levelling could not remove, as in the level view's `unresolved`.
#[derive(Serialize, ToSchema)]
pub struct UnresolvedBody {
    pub task: String,
    pub resource: String,
    /// `fixed`, `out-of-float` or `over-capacity`.
    pub reason: String,
}

/// What applying a levelling changed.
#[derive(Serialize, ToSchema)]
pub struct LevelApplied {
    /// The project's revision afterwards (as before when nothing had to move).
    pub revision: i64,
    /// The finish before levelling and after it, as in the level view.
    pub finish_before: String,
    pub finish_after: String,
    /// The tasks levelling delayed, each now with `start_no_earlier_than` at its levelled start.
    pub tasks: Vec<ConstrainedTask>,
    pub unresolved: Vec<UnresolvedBody>,
}

/// A levelled start as a plan date: the date alone when it is the first working minute of its
/// day on the task's calendar (which is what a date means there), else the date and time.
fn plan_start(calendars: &waymark_core::TaskCalendars, task: usize, start: i64) -> String {
    let midnight = start - start.rem_euclid(waymark_core::time::DAY);
    let moment = waymark_core::time::datetime(start);
    if calendars
        .of(waymark_core::TaskId(task))
        .between(midnight, start)
        == 0
    {
        moment.format("%Y-%m-%d").to_string()
    } else {
        moment.format("%Y-%m-%dT%H:%M").to_string()
    }
}

/// Entities to write: kind, plan id, new data.
type Writes = Vec<(EntityKind, String, Fields)>;

/// The writes of a levelling: for every task it delayed, the task's stored data with
/// `start_no_earlier_than` at its levelled start. Checked before anything is written: the plan
/// with the new constraints must still be a valid plan and its plain schedule must be the levelled
/// one, task for task, so what the preview showed is what the schedule then says.
fn level_writes(
    run: &LevelRun,
    content: &waymark_store::PlanContent,
) -> ApiResult<(Writes, Vec<ConstrainedTask>)> {
    let plan = &run.pooled.plan;
    let calendars = waymark_core::TaskCalendars::new(plan).map_err(|error| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "schedule-failed",
            error.to_string(),
        )
    })?;
    let mut updated = content.clone();
    let mut writes = Vec::new();
    let mut tasks = Vec::new();
    for delay in &run.levelled.delays {
        let id = &plan.tasks[delay.task.0].id;
        let start = plan_start(&calendars, delay.task.0, delay.start);
        let Some((_, data)) = updated.tasks.iter_mut().find(|(key, _)| key == id) else {
            tracing::error!(task = %id, "a levelled task is not in the stored project");
            return Err(ApiError::internal());
        };
        data.insert(
            "start_no_earlier_than".to_owned(),
            serde_json::Value::String(start.clone()),
        );
        writes.push((EntityKind::Task, id.clone(), data.clone()));
        tasks.push(ConstrainedTask {
            id: id.clone(),
            start_no_earlier_than: start,
            delay_minutes: delay.minutes,
            version: 0,
        });
    }
    if writes.is_empty() {
        return Ok((writes, tasks));
    }
    let checked = document::plan_of(&updated).map_err(|diagnostics| {
        ApiError::invalid_plan(
            "the levelled starts conflict with the tasks' other constraints; nothing was changed",
            &diagnostics,
        )
    })?;
    let after = waymark_core::schedule(&checked.plan)
        .map_err(|error| unschedulable(&checked.plan, &error))?;
    let levelled = &run.levelled.schedule;
    let moved = plan.tasks.iter().enumerate().find(|(index, task)| {
        let Some(position) = checked.plan.tasks.iter().position(|t| t.id == task.id) else {
            return true;
        };
        let (want, got) = (&levelled.tasks[*index], &after.tasks[position]);
        !want.summary && (want.start != got.start || want.finish != got.finish)
    });
    if let Some((_, task)) = moved {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "schedule-failed",
            format!(
                "the levelled schedule cannot be kept with start constraints alone (task `{}` \
                 would move); nothing was changed",
                task.id
            ),
        ));
    }
    Ok((writes, tasks))
}

/// Apply a levelling: every task the level view (with the same `seed`, `schedules` and
/// `within_float`) delays gets `start_no_earlier_than` at its levelled start, all in one
/// transaction with its events, so the plan itself then has the levelled schedule; manager.
#[utoipa::path(post, path = "/projects/{project}/level/apply", tag = "views",
    params(("project" = i64, Path)),
    request_body = LevelApplyInput,
    responses((status = 200, body = LevelApplied),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, description = "The caller's computations already running (docs/api.md, limits)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "The project changed since `revision`, or levelling now \
            gives another finish than `finish`: nothing changed", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn level_apply(
    State(state): State<AppState>,
    EngineCaller {
        caller,
        slot: _slot,
    }: EngineCaller,
    Path(id): Path<i64>,
    Body(input): Body<LevelApplyInput>,
) -> ApiResult<Response> {
    let whole = |value: Option<i64>, name: &str| {
        value
            .map(|number| {
                u64::try_from(number)
                    .map_err(|_| ApiError::bad_request(format!("`{name}` must not be negative")))
            })
            .transpose()
    };
    let settings = LevelSettings::new(
        whole(input.seed, "seed")?,
        whole(input.schedules, "schedules")?,
        input.within_float,
    )?;
    if input
        .finish
        .as_ref()
        .is_some_and(|finish| finish.len() > 40)
    {
        return Err(ApiError::bad_request(
            "`finish` is a date-time such as \"2027-06-18T18:00:00\"",
        ));
    }
    let project = ProjectId(id);
    access(&state, &caller, project, Role::Manager).await?;
    if state.store.project(project).await?.revision != input.revision {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            "the project changed since the preview: level again to see the levelling of the \
             plan as it is now",
        ));
    }
    let content = state.store.project_document(project).await?;
    let expected_finish = input.finish;
    let (writes, mut tasks, finish_before, finish_after, unresolved) = blocking(move || {
        let plan = match document::plan_of(&content) {
            Ok(Checked { plan, .. }) => plan,
            Err(diagnostics) => {
                return Err(ApiError::invalid_plan(
                    "the project is not a valid plan; the diagnostics name the problems",
                    &diagnostics,
                ))
            }
        };
        let run = level_plan(plan, &settings)?;
        let document = run.document();
        if expected_finish.is_some_and(|finish| finish != document.project.finish) {
            return Err(ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale",
                "levelling now gives another finish than the preview showed (the search ran out \
                 of time); level again",
            ));
        }
        let (writes, tasks) = level_writes(&run, &content)?;
        let unresolved = document
            .unresolved
            .into_iter()
            .map(|u| UnresolvedBody {
                task: u.task,
                resource: u.resource,
                reason: u.reason.to_owned(),
            })
            .collect::<Vec<_>>();
        Ok((
            writes,
            tasks,
            document.finish_before,
            document.project.finish,
            unresolved,
        ))
    })
    .await??;
    let (revision, entities) = state
        .store
        .update_entities(caller.actor(), project, input.revision, &writes)
        .await?;
    for (task, entity) in tasks.iter_mut().zip(&entities) {
        task.version = entity.version;
    }
    Ok(axum::Json(LevelApplied {
        revision,
        finish_before,
        finish_after,
        tasks,
        unresolved,
    })
    .into_response())
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
        (status = 429, description = "The caller's computations already running (docs/api.md, limits)", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn forecast(
    State(state): State<AppState>,
    EngineCaller {
        caller,
        slot: _slot,
    }: EngineCaller,
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
    let options = ForecastOptions { iterations, seed };
    if options == ForecastOptions::DEFAULT {
        // The project's one forecast, which the pages show too: computed once per revision.
        access(&state, &caller, ProjectId(id), Role::Viewer).await?;
        let project = state.store.project(ProjectId(id)).await?;
        match current(&state, &project, &FORECAST_DOCUMENT).await {
            Ok(document) => {
                if let Some(json) = &*document {
                    return Ok(json_response(json.clone()));
                }
                // Not a plan, or one that cannot be scheduled: the answer below says why.
            }
            Err(response) => return Ok(response),
        }
    }
    let plan = stored_plan(&state, &caller, id).await?;
    let threads = state.config.engine_threads;
    let document =
        blocking(
            move || match waymark_core::forecast::forecast(&plan, &options, threads) {
                Ok(result) => Ok(waymark_report::json::forecast_json(&plan, &result)),
                Err(error) => Err(unschedulable(&plan, &error)),
            },
        )
        .await??;
    Ok(axum::Json(document).into_response())
}

/// The API's forecast of a project with the default settings, as JSON text: the
/// `forecast --json` document of the project's one forecast; `None` when the project is not a
/// plan that can be scheduled (the request then computes the error answer itself).
pub(crate) static FORECAST_DOCUMENT: Panel<Option<Bytes>> = Panel {
    name: "forecast-json",
    forecast: true,
    compute: |figures| match (&figures.plan, figures.forecast()) {
        (Ok(plan), Some(Ok(result))) => {
            serde_json::to_vec(&waymark_report::json::forecast_json(plan, result))
                .ok()
                .map(Bytes::from)
        }
        _ => None,
    },
};

/// A JSON answer from text already serialised.
fn json_response(json: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json,
    )
        .into_response()
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
        (status = 429, description = "The caller's computations already running (docs/api.md, limits)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "The file has errors: `diagnostics` has each with its \
            line and column", body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    EngineCaller {
        caller,
        slot: _slot,
    }: EngineCaller,
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
    state.config.limits.check(&content)?;
    let project = state.store.import_project(caller.actor(), &content).await?;
    crate::figures::project_changed(&state, project.id);
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
        (status = 429, description = "The caller's computations already running (docs/api.md, limits)", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    EngineCaller {
        caller,
        slot: _slot,
    }: EngineCaller,
    Path(id): Path<i64>,
    Query(query): Query<ExportQuery>,
) -> ApiResult<Response> {
    let plan = stored_plan(&state, &caller, id).await?;
    let format = query.format.unwrap_or(Format::Plan);
    let stem = file_stem(&plan.project.name, id);
    let text = blocking(move || match format {
        Format::Plan => waymark_formats::plan::write(&plan),
        Format::Mspdi => waymark_formats::mspdi::write(&plan),
    })
    .await?;
    let (content_type, file) = match format {
        Format::Plan => (
            "application/toml; charset=utf-8",
            format!("{stem}.plan.toml"),
        ),
        Format::Mspdi => ("application/xml; charset=utf-8", format!("{stem}.xml")),
    };
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The name of an exported file: the project's name in lower case, ASCII letters and digits
/// kept (a header carries the name plainly), any run of other characters one `-`, at most 60
/// characters; `project-ID` when nothing is left.
fn file_stem(name: &str, id: i64) -> String {
    let mut stem = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            stem.push(c);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
        if stem.chars().count() >= 60 {
            break;
        }
    }
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        format!("project-{id}")
    } else {
        stem.to_owned()
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule))
        .routes(routes!(level))
        .routes(routes!(level_apply))
        .routes(routes!(forecast))
        .routes(routes!(import))
        .routes(routes!(export))
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn exported_files_are_named_after_the_project() {
        assert_eq!(file_stem("Website launch", 3), "website-launch");
        assert_eq!(
            file_stem("Northwind Foods: CRM roll-out (2027)", 3),
            "northwind-foods-crm-roll-out-2027"
        );
        assert_eq!(file_stem("  \"Ünïcode\" / ½ ", 7), "n-code");
        assert_eq!(file_stem("日本語", 7), "project-7");
        assert_eq!(file_stem("", 9), "project-9");
        assert_eq!(file_stem(&"a".repeat(100), 1).len(), 60);
    }
}
