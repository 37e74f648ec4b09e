//! Projects, their members and their history (the event log), and the one permission check
//! every project route goes through: [`access`].
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use waymark_store::{
    EntityKind, EntityQuery, Event, EventId, Fields, Membership, PlanContent, Project, ProjectId,
    Role, StoreError, User, UserId, MAX_PAGE_SIZE,
};

use crate::auth::{Caller, UserBody};
use crate::document;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{if_match, page_limit, tagged, Body, Path, Query};
use crate::AppState;

/// The caller's role in a project, when it is at least `required`.
///
/// A project the caller may not see (it does not exist, or they are not a member) answers 404,
/// the same as one that does not exist, so ids cannot be probed. A member whose role is too low
/// gets 403: they can see the project, so saying so leaks nothing. Administrators act as owners
/// of every project.
pub async fn access(
    state: &AppState,
    caller: &Caller,
    project: ProjectId,
    required: Role,
) -> ApiResult<Role> {
    let role = if caller.user.is_admin {
        state.store.project(project).await?;
        Role::Owner
    } else {
        match state.store.role(project, caller.user.id).await? {
            Some(role) => role,
            None => return Err(ApiError::not_found("project")),
        }
    };
    if role.at_least(required) {
        Ok(role)
    } else {
        Err(ApiError::forbidden(format!(
            "this needs the {required} role in the project; you are a {role}"
        )))
    }
}

/// Project-level roles, weakest first.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Viewer,
    Member,
    Manager,
    Owner,
}

impl From<Role> for RoleName {
    fn from(role: Role) -> RoleName {
        match role {
            Role::Viewer => RoleName::Viewer,
            Role::Member => RoleName::Member,
            Role::Manager => RoleName::Manager,
            Role::Owner => RoleName::Owner,
        }
    }
}

impl From<RoleName> for Role {
    fn from(role: RoleName) -> Role {
        match role {
            RoleName::Viewer => Role::Viewer,
            RoleName::Member => Role::Member,
            RoleName::Manager => Role::Manager,
            RoleName::Owner => Role::Owner,
        }
    }
}

/// A project: its plan-file `[project]` fields and the caller's role.
#[derive(Serialize, ToSchema)]
pub struct ProjectBody {
    pub id: i64,
    pub name: String,
    /// The plan file's `[project]` table: `name`, `start`, `status_date`, `deadline`, ...
    #[schema(value_type = Object)]
    pub fields: Fields,
    /// Bumped by every change to `fields`; the `ETag`.
    pub version: i64,
    /// Bumped by every change to anything in the project.
    pub revision: i64,
    pub role: RoleName,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProjectBody {
    pub fn of(project: &Project, role: Role) -> ProjectBody {
        ProjectBody {
            id: project.id.0,
            name: project.name.clone(),
            fields: project.fields.clone(),
            version: project.version,
            revision: project.revision,
            role: role.into(),
            created_at: project.created_at,
            updated_at: project.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<ProjectBody>,
    /// Pass as `after` for the next page; `null` on the last.
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdPageQuery {
    /// Page size, 1..=500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    pub after: Option<i64>,
}

/// The projects you are a member of (administrators: every project), by id.
#[utoipa::path(get, path = "/projects", tag = "projects", params(IdPageQuery),
    responses((status = 200, body = ProjectPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
async fn list_projects(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<IdPageQuery>,
) -> ApiResult<axum::Json<ProjectPage>> {
    let limit = page_limit(query.limit)?;
    let after = query.after.map(ProjectId);
    let rows: Vec<(Project, Role)> = if caller.user.is_admin {
        state
            .store
            .projects(after, limit)
            .await?
            .into_iter()
            .map(|p| (p, Role::Owner))
            .collect()
    } else {
        state
            .store
            .projects_of_user(caller.user.id, after, limit)
            .await?
    };
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|(p, _)| p.id.0.to_string()))
        .flatten();
    Ok(axum::Json(ProjectPage {
        items: rows.iter().map(|(p, r)| ProjectBody::of(p, *r)).collect(),
        next,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// The plan file's `[project]` table; `start` is required.
    #[schema(value_type = Object)]
    pub fields: Fields,
}

/// Checks project fields with the plan reader, as a plan holding `[project]` and the project's
/// calendars (which the fields may name).
fn check_fields(fields: &Fields, calendars: Vec<(String, Fields)>) -> ApiResult<()> {
    let content = PlanContent {
        project: fields.clone(),
        calendars,
        ..PlanContent::default()
    };
    match document::plan_of(&content) {
        Ok(_) => Ok(()),
        Err(diagnostics) => Err(ApiError::invalid_plan(
            "the project fields are not valid",
            &diagnostics,
        )),
    }
}

/// Create a project; you become its owner.
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = ProjectInput,
    responses((status = 201, body = ProjectBody, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_project(
    State(state): State<AppState>,
    caller: Caller,
    Body(input): Body<ProjectInput>,
) -> ApiResult<Response> {
    check_fields(&input.fields, Vec::new())?;
    let project = state
        .store
        .create_project(caller.actor(), &input.fields)
        .await?;
    Ok(tagged(
        StatusCode::CREATED,
        project.version,
        &ProjectBody::of(&project, Role::Owner),
    ))
}

/// One project.
#[utoipa::path(get, path = "/projects/{project}", tag = "projects",
    params(("project" = i64, Path)),
    responses((status = 200, body = ProjectBody, headers(("ETag" = String))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_project(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let id = ProjectId(id);
    let role = access(&state, &caller, id, Role::Viewer).await?;
    let project = state.store.project(id).await?;
    Ok(tagged(
        StatusCode::OK,
        project.version,
        &ProjectBody::of(&project, role),
    ))
}

/// Replace the project's fields (manager); needs `If-Match`.
#[utoipa::path(put, path = "/projects/{project}", tag = "projects",
    params(("project" = i64, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 428 without it, 412 when stale")), request_body = ProjectInput,
    responses((status = 200, body = ProjectBody, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 428, body = ErrorBody)))]
async fn update_project(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(input): Body<ProjectInput>,
) -> ApiResult<Response> {
    let id = ProjectId(id);
    let role = access(&state, &caller, id, Role::Manager).await?;
    let version = if_match(&headers)?;
    let calendars = state
        .store
        .entities(
            id,
            EntityKind::Calendar,
            &EntityQuery {
                limit: MAX_PAGE_SIZE,
                ..EntityQuery::default()
            },
        )
        .await?
        .items
        .into_iter()
        .map(|calendar| (calendar.key, calendar.data))
        .collect();
    check_fields(&input.fields, calendars)?;
    let project = state
        .store
        .update_project(caller.actor(), id, version, &input.fields)
        .await?;
    Ok(tagged(
        StatusCode::OK,
        project.version,
        &ProjectBody::of(&project, role),
    ))
}

/// Delete the project and everything in it (owner); needs `If-Match`.
#[utoipa::path(delete, path = "/projects/{project}", tag = "projects",
    params(("project" = i64, Path), ("If-Match" = Option<String>, Header, description = "The ETag read; 428 without it, 412 when stale")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn delete_project(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let id = ProjectId(id);
    access(&state, &caller, id, Role::Owner).await?;
    let version = if_match(&headers)?;
    state
        .store
        .delete_project(caller.actor(), id, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A member of a project.
#[derive(Serialize, ToSchema)]
pub struct MemberBody {
    pub user: UserBody,
    pub role: RoleName,
    /// The membership's version; the `ETag`.
    pub version: i64,
}

impl MemberBody {
    fn of(membership: &Membership, user: &User) -> MemberBody {
        MemberBody {
            user: UserBody::of(user),
            role: membership.role.into(),
            version: membership.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<MemberBody>,
}

/// The project's members.
#[utoipa::path(get, path = "/projects/{project}/members", tag = "members",
    params(("project" = i64, Path)),
    responses((status = 200, body = MemberList), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<MemberList>> {
    let id = ProjectId(id);
    access(&state, &caller, id, Role::Viewer).await?;
    let members = state.store.members(id).await?;
    Ok(axum::Json(MemberList {
        items: members.iter().map(|(m, u)| MemberBody::of(m, u)).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// The user's sign-in name.
    pub user: String,
    pub role: RoleName,
}

/// Add a member (owner).
#[utoipa::path(post, path = "/projects/{project}/members", tag = "members",
    params(("project" = i64, Path)), request_body = NewMember,
    responses((status = 201, body = MemberBody, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(new): Body<NewMember>,
) -> ApiResult<Response> {
    let id = ProjectId(id);
    access(&state, &caller, id, Role::Owner).await?;
    let user = match state.store.user_by_name(&new.user).await {
        Err(StoreError::NotFound(_) | StoreError::Invalid(_)) => {
            return Err(ApiError::not_found("user"))
        }
        other => other?,
    };
    let membership = state
        .store
        .add_member(caller.actor(), id, user.id, new.role.into())
        .await?;
    Ok(tagged(
        StatusCode::CREATED,
        membership.version,
        &MemberBody::of(&membership, &user),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberUpdate {
    pub role: RoleName,
}

/// Change a member's role (owner); needs `If-Match`. The last owner cannot step down.
#[utoipa::path(put, path = "/projects/{project}/members/{user}", tag = "members",
    params(("project" = i64, Path), ("user" = i64, Path, description = "The user's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read; 428 without it, 412 when stale")),
    request_body = MemberUpdate,
    responses((status = 200, body = MemberBody, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 428, body = ErrorBody)))]
async fn update_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(i64, i64)>,
    headers: HeaderMap,
    Body(update): Body<MemberUpdate>,
) -> ApiResult<Response> {
    let id = ProjectId(id);
    access(&state, &caller, id, Role::Owner).await?;
    let version = if_match(&headers)?;
    let membership = state
        .store
        .update_member(
            caller.actor(),
            id,
            UserId(user),
            version,
            update.role.into(),
        )
        .await?;
    let user = state.store.user(membership.user).await?;
    Ok(tagged(
        StatusCode::OK,
        membership.version,
        &MemberBody::of(&membership, &user),
    ))
}

/// Remove a member (owner); needs `If-Match`. The last owner cannot be removed.
#[utoipa::path(delete, path = "/projects/{project}/members/{user}", tag = "members",
    params(("project" = i64, Path), ("user" = i64, Path, description = "The user's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read; 428 without it, 412 when stale")),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 428, body = ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(i64, i64)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let id = ProjectId(id);
    access(&state, &caller, id, Role::Owner).await?;
    let version = if_match(&headers)?;
    state
        .store
        .remove_member(caller.actor(), id, UserId(user), version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One change in the project's history.
#[derive(Serialize, ToSchema)]
pub struct EventBody {
    pub id: i64,
    /// The user who made the change; `null` for the system (imports at start-up, admin commands).
    pub actor: Option<i64>,
    pub at: DateTime<Utc>,
    /// `project`, `membership`, `calendar`, `resource`, `task` or `risk`.
    pub entity: String,
    pub key: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

impl EventBody {
    fn of(event: &Event) -> EventBody {
        EventBody {
            id: event.id.0,
            actor: match event.actor {
                waymark_store::Actor::System => None,
                waymark_store::Actor::User(user) => Some(user.0),
            },
            at: event.at,
            entity: event.entity.clone(),
            key: event.key.clone(),
            action: event.action.as_str().to_owned(),
            before: event.before.clone(),
            after: event.after.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventBody>,
    pub next: Option<String>,
}

/// The project's history, oldest first: every change with who, when, before and after.
#[utoipa::path(get, path = "/projects/{project}/events", tag = "projects",
    params(("project" = i64, Path), IdPageQuery),
    responses((status = 200, body = EventPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<IdPageQuery>,
) -> ApiResult<axum::Json<EventPage>> {
    let id = ProjectId(id);
    access(&state, &caller, id, Role::Viewer).await?;
    let limit = page_limit(query.limit)?;
    let events = state
        .store
        .events(id, query.after.map(EventId), limit)
        .await?;
    let next = (events.len() == limit as usize)
        .then(|| events.last().map(|e| e.id.0.to_string()))
        .flatten();
    Ok(axum::Json(EventPage {
        items: events.iter().map(EventBody::of).collect(),
        next,
    }))
}

/// A created project as an answer (import).
pub fn created(project: &Project) -> Response {
    tagged(
        StatusCode::CREATED,
        project.version,
        &ProjectBody::of(project, Role::Owner),
    )
    .into_response()
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project, delete_project))
        .routes(routes!(list_members, add_member))
        .routes(routes!(update_member, remove_member))
        .routes(routes!(list_events))
}
