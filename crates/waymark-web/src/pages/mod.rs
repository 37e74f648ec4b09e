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
//!
//! Each page is a module; the interactive ones (tasks, timeline, board, ...) render their
//! data into the page and change it through the JSON API with `fetch` from the page's own
//! script (`static/NAME.js`), sending the session's CSRF token (in the page's
//! `<meta name="csrf-token">`) as `X-CSRF-Token` and the object's version as `If-Match`, so a
//! page obeys exactly the API's permissions and concurrency rules.

mod account;
mod board;
mod forecast;
mod members;
mod overview;
mod portfolio;
mod resources;
mod risks;
mod signin;
mod tasks;
mod timeline;
mod transfer;
mod updating;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use waymark_core::model::Plan;
use waymark_store::{Project, ProjectId, Role, User};

use crate::auth::{self, SESSION_COOKIE};
use crate::document::{self, Checked};
use crate::error::ApiError;
use crate::projects::access;
use crate::AppState;

use crate::figures::{blocking, current, panel, AnyPanel, Figures, Panel, Wait};
use updating::{note, updating_note};

/// Every page's panel, in the order the background job computes them after a change: the
/// schedule pages' first (they are cheap and a page waits for them), then those that read the
/// forecast, the portfolio's first.
pub(crate) fn panels() -> Vec<&'static dyn AnyPanel> {
    vec![
        &tasks::TASKS,
        &timeline::TIMELINE,
        &board::BOARD,
        &resources::RESOURCES,
        &portfolio::HEALTH,
        &overview::OVERVIEW,
        &risks::REGISTER,
        &forecast::FORECAST,
        &crate::views::FORECAST_DOCUMENT,
    ]
}

/// The files under `/static/`, compiled into the binary: name, content type, content. Pages
/// link them with `?v=` and a hash of the content, so they are cached for a year and a new
/// build's files are fetched at once.
const ASSETS: &[(&str, &str, &str)] = &[
    ("waymark.css", CSS, include_str!("../../static/waymark.css")),
    ("waymark.js", JS, include_str!("../../static/waymark.js")),
    ("tasks.js", JS, include_str!("../../static/tasks.js")),
    ("tasks.css", CSS, include_str!("../../static/tasks.css")),
    ("timeline.js", JS, include_str!("../../static/timeline.js")),
    (
        "timeline.css",
        CSS,
        include_str!("../../static/timeline.css"),
    ),
    ("board.js", JS, include_str!("../../static/board.js")),
    ("board.css", CSS, include_str!("../../static/board.css")),
    (
        "resources.js",
        JS,
        include_str!("../../static/resources.js"),
    ),
    (
        "resources.css",
        CSS,
        include_str!("../../static/resources.css"),
    ),
    ("risks.js", JS, include_str!("../../static/risks.js")),
    ("risks.css", CSS, include_str!("../../static/risks.css")),
    ("members.js", JS, include_str!("../../static/members.js")),
    ("members.css", CSS, include_str!("../../static/members.css")),
    ("account.js", JS, include_str!("../../static/account.js")),
    ("account.css", CSS, include_str!("../../static/account.css")),
    ("transfer.js", JS, include_str!("../../static/transfer.js")),
    (
        "transfer.css",
        CSS,
        include_str!("../../static/transfer.css"),
    ),
];

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// FNV-1a of a file, for its `?v=` cache key.
fn content_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The URL of a static file, with its cache key.
pub(crate) fn asset_url(name: &str) -> String {
    let hash = ASSETS
        .iter()
        .find(|(file, _, _)| *file == name)
        .map_or(0, |(_, _, text)| content_hash(text));
    format!("/static/{name}?v={:08x}", hash as u32)
}

async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *body,
        )
            .into_response(),
        None => ApiError::not_found("file").into_response(),
    }
}

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

/// The tabs of a project's pages, in the order of its navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Overview,
    Tasks,
    Timeline,
    Board,
    Resources,
    Risks,
    Forecast,
    Members,
    Transfer,
}

impl Tab {
    const ALL: [Tab; 9] = [
        Tab::Overview,
        Tab::Tasks,
        Tab::Timeline,
        Tab::Board,
        Tab::Resources,
        Tab::Risks,
        Tab::Forecast,
        Tab::Members,
        Tab::Transfer,
    ];

    fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Tasks => "Tasks",
            Tab::Timeline => "Timeline",
            Tab::Board => "Board",
            Tab::Resources => "Resources",
            Tab::Risks => "Risks",
            Tab::Forecast => "Forecast",
            Tab::Members => "Members",
            Tab::Transfer => "Import and export",
        }
    }

    /// The path of the tab under `/projects/{id}`.
    fn path(self) -> &'static str {
        match self {
            Tab::Overview => "",
            Tab::Tasks => "/tasks",
            Tab::Timeline => "/timeline",
            Tab::Board => "/board",
            Tab::Resources => "/resources",
            Tab::Risks => "/risks",
            Tab::Forecast => "/forecast",
            Tab::Members => "/members",
            Tab::Transfer => "/transfer",
        }
    }
}

/// A project as one of its pages sees it: the project and the user's role in it.
pub(crate) struct ProjectPage {
    pub project: Project,
    pub role: Role,
}

impl ProjectPage {
    /// Whether the user may edit the project's content (tasks, resources, calendars, risks).
    pub fn can_edit(&self) -> bool {
        self.role.at_least(Role::Manager)
    }

    /// Whether the user may report progress and actuals.
    pub fn can_report(&self) -> bool {
        self.role.at_least(Role::Member)
    }
}

/// A request for one of a project's pages (`/projects/{id}/...`): the signed-in user and the
/// project, which they may see. Otherwise the rejection is what the user gets instead: the
/// sign-in redirect, or the page that says there is no such project (404, also for an id that
/// is not a number) or that their role may not open it (403).
pub(crate) struct ProjectRequest {
    pub user: PageUser,
    pub context: ProjectPage,
}

impl FromRequestParts<AppState> for ProjectRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = PageUser::from_request_parts(parts, state).await?;
        let Ok(axum::extract::Path(id)) =
            axum::extract::Path::<i64>::from_request_parts(parts, state).await
        else {
            return Err(not_found_page(Some(&user)));
        };
        let context = project_context(state, &user, ProjectId(id), Role::Viewer).await?;
        Ok(ProjectRequest { user, context })
    }
}

/// The project of a page: the API's permission rule (`projects::access`), answered as a page:
/// a project the user may not see is the not-found page, a role too low for the page a 403
/// page.
pub(crate) async fn project_context(
    state: &AppState,
    user: &PageUser,
    id: ProjectId,
    required: Role,
) -> Result<ProjectPage, Response> {
    let role = match access(state, &user.caller, id, required).await {
        Ok(role) => role,
        Err(error) if error.status == StatusCode::NOT_FOUND => {
            return Err(not_found_page(Some(user)))
        }
        Err(error) if error.status == StatusCode::FORBIDDEN => {
            return Err(page(
                StatusCode::FORBIDDEN,
                "Not allowed",
                Some(user),
                html! {
                    h1 { "Not allowed" }
                    p { (error.message) }
                    p { a href={ "/projects/" (id.0) } { "Back to the project" } }
                },
            ))
        }
        Err(error) => return Err(error.into_response()),
    };
    let project = state
        .store
        .project(id)
        .await
        .map_err(|error| ApiError::from(error).into_response())?;
    Ok(ProjectPage { project, role })
}

/// What surrounds a page's content.
struct Frame<'a> {
    title: &'a str,
    user: Option<&'a PageUser>,
    /// The project and the tab, for a project's pages.
    project: Option<(&'a ProjectPage, Tab)>,
    /// The page's own files under `/static/`, if it has them: `NAME.js` and `NAME.css`.
    script: Option<&'a str>,
}

/// The layout of every page: the head, the navigation, the project's tabs, the content.
fn layout(frame: &Frame, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(user) = frame.user {
                    meta name="csrf-token" content=(user.csrf_token);
                }
                title { (frame.title) " — Waymark" }
                link rel="stylesheet" href=(asset_url("waymark.css"));
                // No favicon yet: an empty one keeps browsers from asking for /favicon.ico
                // and logging its 404 as a console error.
                link rel="icon" href="data:,";
                script src=(asset_url("waymark.js")) defer {}
                @if let Some(name) = frame.script {
                    link rel="stylesheet" href=(asset_url(&format!("{name}.css")));
                    script src=(asset_url(&format!("{name}.js"))) defer {}
                }
            }
            body data-project=[frame.project.map(|(project, _)| project.project.id.0)]
                data-role=[frame.project.map(|(project, _)| project.role.as_str())]
                data-can-edit=[frame.project.map(|(project, _)| project.can_edit())]
                data-can-report=[frame.project.map(|(project, _)| project.can_report())] {
                a.skip href="#content" { "Skip to the content" }
                header.top {
                    a.brand href="/" { "Waymark" }
                    @if let Some(user) = frame.user {
                        nav aria-label="Main" {
                            a href="/" { "Portfolio" }
                            a href="/account" { "Account" }
                        }
                        span.muted { (user.user().display_name) }
                        form method="post" action="/signout" {
                            input type="hidden" name="csrf_token" value=(user.csrf_token);
                            button.link type="submit" { "Sign out" }
                        }
                    }
                }
                @if let Some((project, active)) = frame.project {
                    nav.tabs aria-label="Project" {
                        span.project-name { (project.project.name) }
                        @for tab in Tab::ALL {
                            a href={ "/projects/" (project.project.id.0) (tab.path()) }
                                aria-current=[(tab == active).then_some("page")] { (tab.label()) }
                        }
                    }
                }
                main #content { (content) }
            }
        }
    }
}

fn respond(status: StatusCode, frame: &Frame, content: Markup) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::response::Html(layout(frame, content).into_string()),
    )
        .into_response()
}

/// A page outside any project.
pub(crate) fn page(
    status: StatusCode,
    title: &str,
    user: Option<&PageUser>,
    content: Markup,
) -> Response {
    let frame = Frame {
        title,
        user,
        project: None,
        script: None,
    };
    respond(status, &frame, content)
}

/// A page outside any project with a script and a stylesheet of its own (`static/NAME.js`,
/// `static/NAME.css`).
fn page_with_script(title: &str, user: &PageUser, script: &str, content: Markup) -> Response {
    let frame = Frame {
        title,
        user: Some(user),
        project: None,
        script: Some(script),
    };
    respond(StatusCode::OK, &frame, content)
}

/// One of a project's pages: the project's tabs above the content, and the page's script and
/// stylesheet (`static/NAME.js`, `static/NAME.css`) when it has them.
fn project_page(
    user: &PageUser,
    project: &ProjectPage,
    tab: Tab,
    script: Option<&str>,
    content: Markup,
) -> Response {
    let title = if tab == Tab::Overview {
        project.project.name.clone()
    } else {
        format!("{}: {}", project.project.name, tab.label())
    };
    let frame = Frame {
        title: &title,
        user: Some(user),
        project: Some((project, tab)),
        script,
    };
    respond(StatusCode::OK, &frame, content)
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(
        status,
        title,
        None,
        html! { h1 { (title) } p { (message) } p { a href="/" { "Back to the portfolio" } } },
    )
}

#[derive(Deserialize)]
struct TokenForm {
    csrf_token: Option<String>,
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

/// Every stored entity of one kind in the project, in plan order, read a page at a time.
async fn all_entities(
    state: &AppState,
    id: ProjectId,
    kind: waymark_store::EntityKind,
) -> Result<Vec<waymark_store::Entity>, ApiError> {
    let mut entities = Vec::new();
    let mut after = None;
    loop {
        let query = waymark_store::EntityQuery {
            after,
            limit: waymark_store::MAX_PAGE_SIZE,
            ..waymark_store::EntityQuery::default()
        };
        let page = state.store.entities(id, kind, &query).await?;
        entities.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(entities),
        }
    }
}

/// Data for a page's script: JSON in a `<script type="application/json">` element (not run, so
/// the CSP allows it), read with `Waymark.data(id)`. Every `<` is written `\u003c`, so no text
/// in the data can close the element.
pub(crate) fn json_island<T: serde::Serialize>(id: &str, value: &T) -> Markup {
    let json = serde_json::to_string(value)
        .unwrap_or_else(|_| "null".to_owned())
        .replace('<', "\\u003c");
    html! { script type="application/json" id=(id) { (maud::PreEscaped(json)) } }
}

fn day(text: &str) -> &str {
    text.get(..10).unwrap_or(text)
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

pub(crate) use signin::{cross_site_page, signed_in};

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

/// After a change to a project through this server (a successful request other than GET,
/// HEAD or OPTIONS under `/api/v1/projects/{id}/` or `/projects/{id}/`), starts computing the
/// project's page figures in the background (when `warm_after_changes` is on).
pub async fn warm_after_change(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    use axum::http::Method;
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let project = changes
        .then(|| project_in_path(request.uri().path()))
        .flatten();
    let response = next.run(request).await;
    if let Some(project) = project {
        if response.status().is_success() {
            crate::figures::project_changed(&state, project);
        }
    }
    response
}

/// The project a path is about: `/api/v1/projects/{id}/...` or `/projects/{id}/...`.
fn project_in_path(path: &str) -> Option<ProjectId> {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let mut parts = path.strip_prefix("/projects/")?.split('/');
    parts.next()?.parse().ok().map(ProjectId)
}

/// The page routes and the static files.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(portfolio::portfolio))
        .route(
            "/signin",
            get(signin::signin_page).post(signin::signin_post),
        )
        .route("/signout", post(signin::signout_post))
        .route("/account", get(account::page))
        .route("/projects/{id}", get(overview::project_overview))
        .route("/projects/{id}/tasks", get(tasks::page))
        .route("/projects/{id}/timeline", get(timeline::page))
        .route("/projects/{id}/board", get(board::page))
        .route("/projects/{id}/resources", get(resources::page))
        .route("/projects/{id}/risks", get(risks::page))
        .route("/projects/{id}/forecast", get(forecast::project_forecast))
        .route("/projects/{id}/members", get(members::page))
        .route("/projects/{id}/transfer", get(transfer::page))
        .route("/projects/{id}/ready", get(updating::ready))
        .route("/static/{file}", get(asset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_project_a_change_is_about() {
        assert_eq!(
            project_in_path("/api/v1/projects/12/tasks/a"),
            Some(ProjectId(12))
        );
        assert_eq!(project_in_path("/api/v1/projects/7"), Some(ProjectId(7)));
        assert_eq!(project_in_path("/projects/3/level"), Some(ProjectId(3)));
        assert_eq!(project_in_path("/api/v1/projects/import"), None);
        assert_eq!(project_in_path("/api/v1/projects"), None);
        assert_eq!(project_in_path("/account/tokens"), None);
        assert_eq!(project_in_path("/api/v1/users/3"), None);
    }
}
