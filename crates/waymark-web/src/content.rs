//! A project's content: tasks, resources, calendars and risks, each an object keyed by its plan
//! id whose `data` is its table in the plan file (`[tasks.build-api]`), so links, estimates,
//! assignments and progress are the plan file's `after`, `estimate`, `resources`, `progress`.
//!
//! Who may change what: managers and owners edit everything; members may change a task's
//! progress fields only ([`PROGRESS_FIELDS`]); viewers read.
//!
//! Writes are checked before they are stored: a create, replace, patch or delete that would make
//! the project an invalid plan (a new error of the plan reader, run on the whole stored project
//! with the change applied, `waymark_formats::content::read`) is refused with `422
//! invalid-plan`, and each diagnostic names the object and the key it is about (`collection`,
//! `id`, `field`, the reader's own places), so a page can show it next to the field: deleting a
//! task others follow, or a resource that is assigned, names the links and assignments to
//! remove first. Errors the project had before the change do not block it, so a project made
//! invalid some other way (a plan imported or replaced whole) can still be repaired one write
//! at a time. The project is read once on the way to an accepted write, whose plan the check
//! hands back ([`Verdict::Accepted`]); only a project with errors is read a second time, as it was.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use waymark_core::{Plan, Severity};
use waymark_formats::content::Finding;
use waymark_store::{
    Entity, EntityCursor, EntityKind, EntityQuery, EntityUpdate, Fields, NewEntity, ParentFilter,
    PlanContent, ProjectId, Role,
};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, DiagnosticBody, ErrorBody};
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
        (status = 409, body = ErrorBody), (status = 422, body = RefusedBody)))]
async fn create_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path((project, collection)): Path<(i64, Collection)>,
    Body(input): Body<NewEntityInput>,
) -> ApiResult<Response> {
    let project = ProjectId(project);
    access(&state, &caller, project, Role::Manager).await?;
    waymark_store::check_key(&input.id)?;
    let change = Change::Put {
        data: input.data.clone(),
        creating: true,
    };
    let verdict = match check(&state, project, collection.kind(), &input.id, change).await? {
        Verdict::Refused(refused) => return Ok(refused),
        accepted => accepted,
    };
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
    hand_on(&state, project, verdict);
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

/// Applies an update after checking the caller's role for what it changes (a manager changes
/// anything, a member only a task's progress fields) and that the project stays a valid plan.
/// `current` is the object as read, whose version `If-Match` named.
async fn update(
    state: &AppState,
    caller: &Caller,
    role: Role,
    project: ProjectId,
    current: &Entity,
    update: EntityUpdate,
) -> ApiResult<Response> {
    let (kind, key, version) = (current.kind, current.key.as_str(), current.version);
    if !role.at_least(Role::Manager) {
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
    let change = Change::Put {
        data: update.data.clone(),
        creating: false,
    };
    let verdict = match check(state, project, kind, key, change).await? {
        Verdict::Refused(refused) => return Ok(refused),
        accepted => accepted,
    };
    let entity = state
        .store
        .update_entity(caller.actor(), project, kind, key, version, &update)
        .await?;
    hand_on(state, project, verdict);
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
        (status = 412, body = ErrorBody), (status = 422, body = RefusedBody),
        (status = 428, body = ErrorBody)))]
async fn replace_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(i64, Collection, String)>,
    headers: HeaderMap,
    Body(input): Body<EntityInput>,
) -> ApiResult<Response> {
    let (project, role, current) = target(&state, &caller, &path, &headers, Role::Member).await?;
    update(
        &state,
        &caller,
        role,
        project,
        &current,
        EntityUpdate {
            data: input.data,
            position: input.position,
        },
    )
    .await
}

/// The object a write names, as stored, for a caller whose role on the project is at least
/// `least` (which is returned), when `If-Match` names its version (`412 stale` otherwise), so a
/// stale write is answered as stale before its content is checked.
async fn target(
    state: &AppState,
    caller: &Caller,
    (project, collection, key): &(i64, Collection, String),
    headers: &HeaderMap,
    least: Role,
) -> ApiResult<(ProjectId, Role, Entity)> {
    check_id(key)?;
    let project = ProjectId(*project);
    let role = access(state, caller, project, least).await?;
    let version = if_match(headers)?;
    let current = state.store.entity(project, collection.kind(), key).await?;
    if current.version != version {
        return Err(waymark_store::StoreError::Stale {
            expected: version,
            current: current.version,
        }
        .into());
    }
    Ok((project, role, current))
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
        (status = 412, body = ErrorBody), (status = 422, body = RefusedBody),
        (status = 428, body = ErrorBody)))]
async fn patch_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(i64, Collection, String)>,
    headers: HeaderMap,
    Body(patch): Body<Fields>,
) -> ApiResult<Response> {
    let (project, role, current) = target(&state, &caller, &path, &headers, Role::Member).await?;
    let mut data = current.data.clone();
    merge_patch(&mut data, &patch);
    update(
        &state,
        &caller,
        role,
        project,
        &current,
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
        (status = 412, body = ErrorBody), (status = 422, body = RefusedBody),
        (status = 428, body = ErrorBody)))]
async fn delete_entity(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<(i64, Collection, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (project, _, current) = target(&state, &caller, &path, &headers, Role::Manager).await?;
    let (kind, key) = (current.kind, current.key.as_str());
    let verdict = match check(&state, project, kind, key, Change::Delete).await? {
        Verdict::Refused(refused) => return Ok(refused),
        accepted => accepted,
    };
    state
        .store
        .delete_entity(caller.actor(), project, kind, key, current.version)
        .await?;
    hand_on(&state, project, verdict);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A refused write: `{"error": {"code": "invalid-plan", "message", "diagnostics"}}`, each
/// diagnostic naming the object and key it is about.
#[derive(Serialize, ToSchema)]
pub struct RefusedBody {
    pub error: RefusedDetail,
}

#[derive(Serialize, ToSchema)]
pub struct RefusedDetail {
    /// `invalid-plan` (or another code of [`ErrorBody`] for other refusals).
    pub code: String,
    pub message: String,
    /// The plan reader's errors that the change would add.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<FieldDiagnostic>,
}

/// One finding of the plan reader about a refused write. `line` and `column` are null: the
/// object and key say where.
#[derive(Serialize, ToSchema)]
pub struct FieldDiagnostic {
    #[serde(flatten)]
    pub diagnostic: DiagnosticBody,
    /// The collection of the object the finding is about (`tasks`, ...), `project` for the
    /// project's fields, or null.
    pub collection: Option<String>,
    /// The object's id (`build-api`), or null.
    pub id: Option<String>,
    /// The key of the object's `data` (`duration`, `after`, ...), or null.
    pub field: Option<String>,
}

/// A write to check: the object as it would be (a new one when `creating`), or its removal.
enum Change {
    Put { data: Fields, creating: bool },
    Delete,
}

/// How to put the content back as it was after trying a change.
enum Undo {
    Restore(usize, Fields),
    Pop,
    Insert(usize, (String, Fields)),
}

/// The plan check's answer to a write.
pub enum Verdict {
    /// The write may be stored. `checked` is the project with the change applied and its plan:
    /// the revision the write makes, when nothing else changes the project in between, which
    /// [`hand_on`] gives the figures jobs so that they need not build the plan again. `None`
    /// when there is none to reuse: the project with the change does not read (it keeps errors
    /// it had before, which do not block a write), or the write is left to the store to refuse
    /// (a create of an id that exists: `409`; a delete of one that does not: `404`).
    Accepted { checked: Option<Box<Checked>> },
    /// The answer refusing it: `422 invalid-plan`, or `422 too-large` for an object past the
    /// project's limits.
    Refused(Response),
}

/// A project's tables as a write leaves them, and their plan.
pub struct Checked {
    pub content: PlanContent,
    pub plan: Plan,
}

/// After a write is stored: hands the plan it was checked with on to the figures jobs, which
/// use it for the next revision when the project they read is these tables.
fn hand_on(state: &AppState, project: ProjectId, verdict: Verdict) {
    if let Verdict::Accepted {
        checked: Some(checked),
    } = verdict
    {
        let Checked { content, plan } = *checked;
        crate::figures::offer(state, project, content, plan);
    }
}

/// The plan check of `change` to `kind` `key`: accepted when the project with the change is a
/// plan without new errors.
async fn check(
    state: &AppState,
    project: ProjectId,
    kind: EntityKind,
    key: &str,
    change: Change,
) -> ApiResult<Verdict> {
    let content = state.store.project_document(project).await?;
    let entities = content.entities(kind);
    let adds = matches!(change, Change::Put { .. }) && !entities.iter().any(|(id, _)| id == key);
    if adds && entities.len() >= state.config.limits.of(kind) {
        let too_large = state.config.limits.too_large(kind, entities.len() + 1);
        return Ok(Verdict::Refused(too_large.into_response()));
    }
    let key = key.to_owned();
    tokio::task::spawn_blocking(move || check_content(content, kind, &key, change))
        .await
        .map_err(|error| {
            tracing::error!(%error, "plan check failed");
            ApiError::internal()
        })
}

/// The project is read once, with the change applied; only when that finds errors is it read
/// again as it was, to tell the errors the change adds (which refuse it) from those it had.
fn check_content(mut content: PlanContent, kind: EntityKind, key: &str, change: Change) -> Verdict {
    let entities = content.entities_mut(kind);
    let index = entities.iter().position(|(id, _)| id == key);
    let undo = match (change, index) {
        (Change::Put { creating: true, .. }, Some(_)) | (Change::Delete, None) => {
            return Verdict::Accepted { checked: None }
        }
        (Change::Put { data, .. }, Some(index)) => {
            Undo::Restore(index, std::mem::replace(&mut entities[index].1, data))
        }
        (Change::Put { data, .. }, None) => {
            entities.push((key.to_owned(), data));
            Undo::Pop
        }
        (Change::Delete, Some(index)) => Undo::Insert(index, entities.remove(index)),
    };
    let after = match waymark_formats::content::read(&content) {
        Ok(loaded) => {
            return Verdict::Accepted {
                checked: Some(Box::new(Checked {
                    content,
                    plan: loaded.plan,
                })),
            }
        }
        Err(findings) => findings,
    };
    let entities = content.entities_mut(kind);
    match undo {
        Undo::Restore(index, previous) => entities[index].1 = previous,
        Undo::Pop => {
            entities.pop();
        }
        Undo::Insert(index, entity) => entities.insert(index, entity),
    }
    let before: HashSet<(&str, String)> = match waymark_formats::content::read(&content) {
        Ok(_) => HashSet::new(),
        Err(findings) => errors(&findings)
            .map(|f| (f.diagnostic.code, f.diagnostic.message.clone()))
            .collect(),
    };
    let added: Vec<&Finding> = errors(&after)
        .filter(|f| !before.contains(&(f.diagnostic.code, f.diagnostic.message.clone())))
        .collect();
    if added.is_empty() {
        return Verdict::Accepted { checked: None };
    }
    Verdict::Refused(refused(&added))
}

/// The errors among findings.
fn errors(findings: &[Finding]) -> impl Iterator<Item = &Finding> {
    findings
        .iter()
        .filter(|f| f.diagnostic.severity == Severity::Error)
}

/// `422 invalid-plan` naming where each error is (`... (at tasks.build.duration)`).
fn refused(errors: &[&Finding]) -> Response {
    let diagnostics: Vec<FieldDiagnostic> = errors
        .iter()
        .map(|finding| {
            let mut body = DiagnosticBody::from_diagnostic(&finding.diagnostic);
            body.line = None;
            body.column = None;
            let place = &finding.place;
            FieldDiagnostic {
                diagnostic: body,
                collection: place.collection.map(str::to_owned),
                id: place.id.clone(),
                field: place.field.clone(),
            }
        })
        .collect();
    // The message names where (`tasks.build.duration`); the diagnostics say what.
    let mut places: Vec<String> = errors
        .iter()
        .map(|finding| finding.place.to_string())
        .filter(|place| !place.is_empty())
        .collect();
    places.dedup();
    let message = if places.is_empty() {
        "the change would make the project an invalid plan".to_owned()
    } else {
        format!(
            "the change would make the project an invalid plan (at {})",
            places.join(", ")
        )
    };
    let body = RefusedBody {
        error: RefusedDetail {
            code: "invalid-plan".to_owned(),
            message,
            diagnostics,
        },
    };
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
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
