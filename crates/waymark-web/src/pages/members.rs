//! The project's members page.

use axum::extract::State;
use axum::response::Response;
use maud::html;
use waymark_store::{ProjectId, Role};

use super::{project_context, project_page, PageUser, Tab};
use crate::http::Path;
use crate::AppState;

pub(super) async fn page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    let project = match project_context(&state, &user, ProjectId(id), Role::Viewer).await {
        Ok(project) => project,
        Err(response) => return response,
    };
    project_page(
        &user,
        &project,
        Tab::Members,
        Some("members"),
        html! { h1 { "members" } },
    )
}
