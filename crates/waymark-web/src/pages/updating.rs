//! What a page shows while its panels are computed (`crate::figures`): the note that says so
//! and `GET /projects/{id}/ready?panel=NAME`, which `waymark.js` waits on before reloading the
//! page.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use waymark_store::ProjectId;

use super::ProjectRequest;
use crate::error::ApiError;
use crate::figures::{ready_url, wait_ready, Panel, Shown};
use crate::http::Query;
use crate::AppState;

/// The note of a page whose figures are being computed: a live region that says so, with the
/// addresses to wait on (`data-ready`, space separated) for `waymark.js`, which reloads the
/// page when they answer.
pub(crate) fn updating_note(urls: &[String], stale: bool) -> maud::Markup {
    maud::html! {
        @if !urls.is_empty() {
            p.updating #updating role="status" data-ready=(urls.join(" ")) {
                @if stale {
                    "Updating: these figures are from before the latest change. The page shows \
                     the new ones as soon as they are computed."
                } @else {
                    "Computing the figures of this project: the page shows them as soon as they \
                     are ready."
                }
            }
        }
    }
}

/// The [`updating_note`] of a page that shows one panel, `panel` of `project`: nothing when it
/// is fresh.
pub(crate) fn note<T>(project: ProjectId, panel: &Panel<T>, shown: &Shown<T>) -> maud::Markup {
    let waiting: Vec<String> = ready_url(project, panel, shown).into_iter().collect();
    updating_note(&waiting, shown.is_stale())
}

#[derive(Deserialize)]
pub(super) struct ReadyQuery {
    panel: String,
}

/// How long [`ready`] waits at most.
const READY_WAIT: Duration = Duration::from_secs(30);

/// `GET /projects/{id}/ready?panel=NAME`: answers 204 once the panel `NAME` of the project as
/// it now is has been computed, or its job has ended without it (the reloaded page computes it
/// then); at most [`READY_WAIT`], then 503 and the page offers a reload.
pub(super) async fn ready(
    State(state): State<AppState>,
    ProjectRequest { user: _, context }: ProjectRequest,
    Query(query): Query<ReadyQuery>,
) -> Response {
    let project = &context.project;
    let wait = wait_ready(&state, project.id, project.revision, &query.panel);
    match tokio::time::timeout(READY_WAIT, wait).await {
        Ok(Some(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(None) => ApiError::not_found("panel").into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
