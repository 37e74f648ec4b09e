//! The Waymark server: the JSON API under `/api/v1` (with its OpenAPI document at
//! `/api/v1/openapi.json`), the web pages (`pages`), the first administrator's setup page, and
//! `/healthz`, on axum.
//!
//! This is the only crate that knows HTTP. It keeps no state of its own between requests:
//! sessions, rate-limit counters and setup links live in the store, so any number of servers can
//! run side by side on one PostgreSQL database. The engine runs on blocking threads
//! (`spawn_blocking`), never on the async workers. Start it with [`serve`] on a listener the
//! caller binds (tests bind port 0) and a future that says when to stop.

// utoipa expands `params(SomeQuery)` into paths its own generated code qualifies needlessly.
#![allow(unused_qualifications)]

pub mod auth;
pub mod cache;
pub mod content;
pub mod document;
pub mod error;
mod figures;
pub mod http;
pub mod limits;
pub mod pages;
pub mod projects;
mod setup;
pub mod views;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use waymark_store::Store;

pub use error::{ApiError, ApiResult};

/// The default of [`Config::page_wait`], in milliseconds: with the rest of a page's work it
/// keeps the server's time for a page under 100 ms.
pub const DEFAULT_PAGE_WAIT_MS: u64 = 60;

/// How the server behaves; [`Config::default`] is what `waymark serve` uses.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark the session cookie `Secure` (set it when clients reach the server over HTTPS, e.g.
    /// through a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// How long a session lasts.
    pub session_lifetime: chrono::Duration,
    /// The window of the sign-in rate limits.
    pub sign_in_window: chrono::Duration,
    /// Sign-in attempts per user name in one window before 429.
    pub sign_in_attempts_per_name: i64,
    /// Sign-in attempts per client address in one window before 429.
    pub sign_in_attempts_per_address: i64,
    /// The largest request body (imports are the largest).
    pub max_body_bytes: usize,
    /// How long a page waits for forecast figures of the latest change before it shows the
    /// previous ones (marked as updating) and reloads itself when the new ones are ready;
    /// `None` waits until they are there.
    pub page_wait: Option<std::time::Duration>,
    /// Compute every page's figures in the background after each change, so that pages find
    /// them ready.
    pub warm_after_changes: bool,
    /// How often [`serve`] deletes expired sessions and passed sign-in counters.
    pub housekeeping_every: std::time::Duration,
    /// How much one project may hold.
    pub limits: limits::Limits,
    /// Engine requests (schedule, level, forecast, import, export) one user may have running at
    /// once; more answer 429.
    pub engine_jobs_per_user: usize,
    /// The memory the computed page panels may take, in bytes (estimated from the size of
    /// the plans they were computed from); the least recently used go first.
    pub panel_cache_bytes: usize,
    /// The threads one forecast runs on, and the forecasts the background jobs run at once:
    /// `waymark serve` passes the machine's cores (the engine never asks the machine itself);
    /// the default is 1.
    pub engine_threads: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            session_lifetime: chrono::Duration::days(7),
            sign_in_window: chrono::Duration::minutes(15),
            sign_in_attempts_per_name: 10,
            sign_in_attempts_per_address: 100,
            max_body_bytes: 32 * 1024 * 1024,
            page_wait: Some(std::time::Duration::from_millis(DEFAULT_PAGE_WAIT_MS)),
            warm_after_changes: true,
            housekeeping_every: std::time::Duration::from_secs(600),
            limits: limits::Limits::default(),
            engine_jobs_per_user: 2,
            panel_cache_bytes: cache::DEFAULT_BUDGET,
            engine_threads: 1,
        }
    }
}

/// What every handler gets: the store and the configuration. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Computed page panels by project revision (forecasts, overviews), per process.
    pub panels: Arc<cache::PanelCache>,
    /// The background jobs that compute each project's figures and panels.
    pub(crate) jobs: Arc<figures::Jobs>,
    /// Engine work in flight per user.
    pub engine: Arc<limits::EngineSlots>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        let panels = Arc::new(cache::PanelCache::with_budget(config.panel_cache_bytes));
        let jobs = figures::Jobs::new(pages::panels(), config.engine_threads);
        AppState {
            store,
            config: Arc::new(config),
            panels,
            jobs: Arc::new(jobs),
            engine: Arc::new(limits::EngineSlots::default()),
        }
    }

    /// How many times the figures of a revision were built on the plan its write was checked
    /// with, instead of reading the project into a plan again.
    pub fn plans_reused(&self) -> u64 {
        self.jobs.plans_reused()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Waymark API",
        description = "Projects, their plans (tasks, resources, calendars, risks in the plan \
                       file's shape), members and history, and the engine's computed views. \
                       See docs/api.md."
    ),
    modifiers(&Security),
    components(schemas(content::Collection, views::Format)),
    security(("token" = []), ("session" = [])),
    tags(
        (name = "accounts", description = "Sign-in, sessions, API tokens, setup"),
        (name = "projects", description = "Projects and their history"),
        (name = "members", description = "Who may do what in a project"),
        (name = "content", description = "Tasks, resources, calendars and risks"),
        (name = "views", description = "Schedule, levelling, forecast, import and export"),
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("wmt_...")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
    }
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::routes())
        .merge(projects::routes())
        .merge(content::routes())
        .merge(views::routes())
}

/// The OpenAPI document of the API (paths under `/api/v1`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api())
        .split_for_parts();
    document
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::error!(%error, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// Unknown paths: the not-found page for a browser asking for HTML outside the API, else the
/// API's JSON error.
async fn not_found(
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !uri.path().starts_with("/api/") {
        pages::not_found_page(None)
    } else {
        ApiError::not_found("page").into_response()
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "this path does not take that method",
    )
}

/// The whole application: API, OpenAPI document, setup page, health check, request logs.
pub fn router(state: AppState) -> Router {
    let (api, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api())
        .split_for_parts();
    let document = Arc::new(document);
    let max_body = state.config.max_body_bytes;
    api.route(
        "/api/v1/openapi.json",
        get(move || {
            let document = document.clone();
            async move { axum::Json(document.as_ref().clone()) }
        }),
    )
    .merge(setup::routes())
    .merge(pages::routes())
    .route("/healthz", get(healthz))
    .fallback(not_found)
    .method_not_allowed_fallback(method_not_allowed)
    .layer(DefaultBodyLimit::max(max_body))
    // Pages carry their data (a 2,000-task timeline is about 1.5 MB of JSON), so answers are
    // gzipped for clients that accept it, at the fastest level: a few milliseconds of CPU for a
    // tenfold smaller answer.
    .layer(
        tower_http::compression::CompressionLayer::new()
            .quality(tower_http::CompressionLevel::Fastest),
    )
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        pages::warm_after_change,
    ))
    .layer(axum::middleware::from_fn(pages::security_headers))
    .layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
    )
    .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes, then finishes the requests
/// in flight (graceful shutdown).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let housekeeping = tokio::spawn(housekeeping(state.clone()));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    housekeeping.abort();
    served
}

/// Deletes expired and revoked sessions and passed sign-in counters, at start and then every
/// [`Config::housekeeping_every`], so that the tables hold only what is live, whatever is
/// thrown at the sign-in form. Several servers on one database each do it; a purge is one
/// `DELETE` and repeating it is harmless.
async fn housekeeping(state: AppState) {
    let mut ticks = tokio::time::interval(state.config.housekeeping_every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = purge(&state).await {
            tracing::warn!(%error, "housekeeping: the purge failed; it runs again later");
        }
    }
}

/// One round of housekeeping: how many sessions and rate-limit counters went.
pub async fn purge(state: &AppState) -> waymark_store::Result<(u64, u64)> {
    let sessions = state.store.purge_sessions().await?;
    let counters = state
        .store
        .purge_rate_limits(state.config.sign_in_window)
        .await?;
    if sessions + counters > 0 {
        tracing::info!(sessions, counters, "housekeeping: purged");
    }
    Ok((sessions, counters))
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

/// Imports plan TOML text as a new project owned by `actor` (the `--demo` projects).
pub async fn import_plan_text(
    store: &Store,
    actor: waymark_store::Actor,
    text: &str,
) -> Result<waymark_store::Project, ApiError> {
    let text = text.to_owned();
    let (content, _) = tokio::task::spawn_blocking(move || document::content_from_plan_text(&text))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|diagnostics| ApiError::invalid_plan("the plan has errors", &diagnostics))?;
    Ok(store.import_project(actor, &content).await?)
}
