//! A project's content: tasks, resources, calendars and risks, each an object keyed by its plan
//! id whose `data` is its table in the plan file (`[tasks.build-api]`), so links, estimates,
//! assignments and progress are the plan file's `after`, `estimate`, `resources`, `progress`.
//!
//! Who may change what: managers and owners edit everything; members may change a task's
//! progress fields only ([`PROGRESS_FIELDS`]); viewers read.
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use waymark_store::{
    Entity, EntityCursor, EntityKind, EntityQuery, EntityUpdate, Fields, NewEntity, ParentFilter,
    ProjectId, Role,
};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{if_match, page_limit, tagged, Body, Path, Query};
use crate::projects::access;
use crate::AppState;

/// The task fields a member (not only a manager) may change: how far the work is.
pub const PROGRESS_FIELDS: [&str; 3] = ["progress", "actual_start", "actual_finish"];

/// Which content: the plan file's table name.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Collection {
    Tasks,
    Resources,
    Calendars,
    Risks,
}

impl Collection {
    fn kind(self) -> EntityKind {
        match self {
            Collection::Tasks => EntityKind::Task,
            Collection::Resources => EntityKind::Resource,
            Collection::Calendars => EntityKind::Calendar,
            Collection::Risks => EntityKind::Risk,
        }
    }
}

/// A task, resource, calendar or risk.
#[derive(Serialize, ToSchema)]
pub struct EntityBody {
    /// The plan id (`build-api`).
    pub id: String,
    /// The name (a risk's title), or the id.
    pub name: String,
    /// A task's WBS parent.
    pub parent: Option<String>,
    /// The order within the project (lists and exports follow it).
    pub position: i64,
    /// The plan file's table for the object, without the id.
    #[schema(value_type = Object)]
    pub data: Fields,
    /// The `ETag`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EntityBody {
    fn of(entity: &Entity) -> EntityBody {
        EntityBody {
            id: entity.key.clone(),
            name: entity.name.clone(),
            parent: entity.parent.clone(),
            position: entity.position,
            data: entity.data.clone(),
            version: entity.version,
            created_at: entity.created_at,
            updated_at: entity.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntityPage {
    pub items: Vec<EntityBody>,
    /// Pass as `after` for the next page; `null` on the last.
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntityListQuery {
    /// Page size, 1..=500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next` of the previous page (empty: the first page).
    #[param(pattern = r"^(-?[0-9]{1,18}\.[A-Za-z0-9_-]{1,200})?$")]
    pub after: Option<String>,
    /// The children of this task; empty (`parent=`) for top-level tasks. Only tasks have
    /// parents.
    pub parent: Option<String>,
    /// Names containing this text (case-insensitive).
    pub q: Option<String>,
}

/// A page of a project's tasks (resources, calendars, risks) in plan order.
#[utoipa::path(get, path = "/projects/{project}/{collection}", tag = "content",
    params(("project" = i64, Path), ("collection" = Collection, Path), EntityListQuery),
    responses((status = 200, body = EntityPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_entities(
    State(state): State<AppState>,
    caller: Caller,
    Path((project, collection)): Path<(i64, Collection)>,
    Query(query): Query<EntityListQuery>,
) -> ApiResult<axum::Json<EntityPage>> {
    let project = ProjectId(project);
    access(&state, &caller, project, Role::Viewer).await?;
    let limit = page_limit(query.limit)?;
    let after = match query.after.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<EntityCursor>()
                .map_err(|_| ApiError::bad_request("`after` is not a `next` from a page"))?,
        ),
    };
    let nul = |text: &Option<String>| text.as_deref().is_some_and(|t| t.contains('\0'));
    if nul(&query.parent) || nul(&query.q) {
        return Err(ApiError::bad_request(
            "`parent` and `q` cannot hold a NUL character",
        ));
    }
    // Only tasks have parents: on other collections `parent=` keeps everything and
    // `parent=ID` finds nothing, which is what the filter means there.
    let parent = match query.parent {
        None => None,
        Some(parent) if parent.is_empty() => Some(ParentFilter::None),
        Some(parent) => Some(ParentFilter::Of(parent)),
    };
    let page = state
        .store
        .entities(
            project,
            collection.kind(),
            &EntityQuery {
                after,
                limit,
                parent,
                name_contains: query.q.filter(|q| !q.is_empty()),
            },
        )
        .await?;
    Ok(axum::Json(EntityPage {
        items: page.items.iter().map(EntityBody::of).collect(),
        next: page.next.map(|cursor| cursor.to_string()),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntityInput {
    /// The plan id: 1 to 200 letters, digits, `-` and `_`.
    pub id: String,
    /// The plan file's table for the object (e.g. a task's `name`, `duration`, `after`).
    #[schema(value_type = Object)]
    pub data: Fields,
    /// Where it goes in the order; last without it.
    #[serde(default, deserialize_with = "crate::http::whole_i64")]
    pub position: Option<i64>,
}

/// Create a task (resource, calendar, risk); manager.
#[utoipa::path(post, path = "/projects/{project}/{collection}", tag = "content",
    params(("project" = i64, Path), ("collection" = Collection, Path)),
    request_body = NewEntityInput,
    responses((status = 201, body = EntityBody, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path((project, collection)): Path<(i64, Collection)>,
    Body(input): Body<NewEntityInput>,
) -> ApiResult<Response> {
    let project = ProjectId(project);
    access(&state, &caller, project, Role::Manager).await?;
    let entity = state
        .store
        .create_entity(
            caller.actor(),
            project,
            collection.kind(),
            &NewEntity {
                key: input.id,
                data: input.data,
                position: input.position,
            },
        )
        .await?;
    Ok(tagged(
        StatusCode::CREATED,
        entity.version,
        &EntityBody::of(&entity),
    ))
}

/// An id that is not a plan id names nothing: 404, as for one that does not exist.
fn check_id(key: &str) -> ApiResult<()> {
    waymark_store::check_key(key).map_err(|_| ApiError::not_found("object"))
}

/// One task (resource, calendar, risk).
#[utoipa::path(get, path = "/projects/{project}/{collection}/{id}", tag = "content",
    params(("project" = i64, Path), ("collection" = Collection, Path), ("id" = String, Path)),
    responses((status = 200, body = EntityBody, headers(("ETag" = String))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path((project, collection, key)): Path<(i64, Collection, String)>,
) -> ApiResult<Response> {
    check_id(&key)?;
    let project = ProjectId(project);
    access(&state, &caller, project, Role::Viewer).await?;
    let entity = state.store.entity(project, collection.kind(), &key).await?;
    Ok(tagged(
        StatusCode::OK,
        entity.version,
        &EntityBody::of(&entity),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntityInput {
    /// All of the object's fields (a replacement).
    #[schema(value_type = Object)]
    pub data: Fields,
    /// A new place in the order; unchanged without it.
    #[serde(default, deserialize_with = "crate::http::whole_i64")]
    pub position: Option<i64>,
}

/// Applies an update after checking the caller's role for what it changes: a manager changes
/// anything, a member only a task's progress fields.
#[allow(clippy::too_many_arguments)]
async fn update(
    state: &AppState,
    caller: &Caller,
    role: Role,
    project: ProjectId,
    kind: EntityKind,
    key: &str,
    version: i64,
    update: EntityUpdate,
) -> ApiResult<Response> {
    if !role.at_least(Role::Manager) {
        let current = state.store.entity(project, kind, key).await?;
        let moved = update.position.is_some_and(|p| p != current.position);
        let mut keys: Vec<&String> = current.data.keys().chain(update.data.keys()).collect();
        keys.sort();
        keys.dedup();
        let changed: Vec<&String> = keys
            .into_iter()
            .filter(|k| current.data.get(*k) != update.data.get(*k))
            .collect();
        let progress_only = kind == EntityKind::Task
            && !moved
            && changed
                .iter()
                .all(|k| PROGRESS_FIELDS.contains(&k.as_str()));
        if !progress_only {
            return Err(ApiError::forbidden(
                "members change a task's progress, actual_start and actual_finish only; the \
                 rest needs the manager role",
            ));
        }
    }
    let entity = state
        .store
        .update_entity(caller.actor(), project, kind, key, version, &update)
        .await?;
    Ok(tagged(
        StatusCode::OK,
        entity.version,
        &EntityBody::of(&entity),
    ))
}

/// Replace a task's (resource's, ...) fields; needs `If-Match`. Members may change a task's
/// progress fields; everything else needs a manager.
#[utoipa::path(put, path = "/projects/{project}/{collection}/{id}", tag = "content",
    params(("project" = i64, Path), ("collection" = Collection, Path), ("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "The ETag read; 428 without it, 412 when stale")),
    request_body = EntityInput,
    responses((status = 200, body = EntityBody, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 428, body = ErrorBody)))]
async fn replace_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path((project, collection, key)): Path<(i64, Collection, String)>,
    headers: HeaderMap,
    Body(input): Body<EntityInput>,
) -> ApiResult<Response> {
    check_id(&key)?;
    let project = ProjectId(project);
    let role = access(&state, &caller, project, Role::Member).await?;
    let version = if_match(&headers)?;
    update(
        &state,
        &caller,
        role,
        project,
        collection.kind(),
        &key,
        version,
        EntityUpdate {
            data: input.data,
            position: input.position,
        },
    )
    .await
}

/// RFC 7396 JSON merge patch: `null` removes a key, objects merge, anything else replaces.
fn merge_patch(target: &mut Fields, patch: &Fields) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner) => {
                let slot = target
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Fields::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Fields::new());
                }
                if let Value::Object(existing) = slot {
                    merge_patch(existing, inner);
                }
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

/// Change some fields of a task (resource, ...): the body is a JSON merge patch (RFC 7396) of
/// its `data` (`{"progress": 0.5}`; `null` removes a field); needs `If-Match`.
#[utoipa::path(patch, path = "/projects/{project}/{collection}/{id}", tag = "content",
    params(("project" = i64, Path), ("collection" = Collection, Path), ("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "The ETag read; 428 without it, 412 when stale")),
    request_body(content = Object, description = "A merge patch of the object's `data`"),
    responses((status = 200, body = EntityBody, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 428, body = ErrorBody)))]
async fn patch_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path((project, collection, key)): Path<(i64, Collection, String)>,
    headers: HeaderMap,
    Body(patch): Body<Fields>,
) -> ApiResult<Response> {
    check_id(&key)?;
    let project = ProjectId(project);
    let role = access(&state, &caller, project, Role::Member).await?;
    let version = if_match(&headers)?;
    let current = state.store.entity(project, collection.kind(), &key).await?;
    if current.version != version {
        return Err(waymark_store::StoreError::Stale {
            expected: version,
            current: current.version,
        }
        .into());
    }
    let mut data = current.data;
    merge_patch(&mut data, &patch);
    update(
        &state,
        &caller,
        role,
        project,
        collection.kind(),
        &key,
        version,
        EntityUpdate {
            data,
            position: None,
        },
    )
    .await
}

/// Delete a task (resource, calendar, risk); manager; needs `If-Match`.
#[utoipa::path(delete, path = "/projects/{project}/{collection}/{id}", tag = "content",
    params(("project" = i64, Path), ("collection" = Collection, Path), ("id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "The ETag read; 428 without it, 412 when stale")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn delete_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path((project, collection, key)): Path<(i64, Collection, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    check_id(&key)?;
    let project = ProjectId(project);
    access(&state, &caller, project, Role::Manager).await?;
    let version = if_match(&headers)?;
    state
        .store
        .delete_entity(caller.actor(), project, collection.kind(), &key, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_entities, create_entity))
        .routes(routes!(
            get_entity,
            replace_entity,
            patch_entity,
            delete_entity
        ))
}
