//! The store's queries, written once and compiled twice: `sqlite.rs` and `postgres.rs` each
//! include this file as their `queries` module with their own `Db`, so every statement here is
//! SQL both databases accept (`$N` parameters, `RETURNING`, `ON CONFLICT`, row values, no
//! dialect functions). Every change runs in one transaction together with its event.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row as _};

use super::{begin_read, begin_write, Db};
use crate::auth;
use crate::error::{Result, StoreError};
use crate::model::{
    check_key, check_text, contains_pattern, entity_columns, fold, page_size, project_name, Actor,
    ApiToken, ContentChanges, Entity, EntityCursor, EntityKind, EntityQuery, EntityUpdate, Event,
    EventAction, EventId, Fields, Issued, Membership, NewEntity, NewUser, Page, ParentFilter,
    PlanContent, Project, ProjectId, ProjectSnapshot, Role, Session, TokenId, User, UserId,
    UserUpdate, MAX_USER_NAME, POSITION_STEP,
};

pub(crate) type Pool = sqlx::Pool<Db>;
type Tx = sqlx::Transaction<'static, Db>;
type Row = <Db as sqlx::Database>::Row;
type Now = DateTime<Utc>;

/// Rows per statement when a whole plan is written at once (well under both databases' limits on
/// bound parameters).
const BATCH_ROWS: usize = 200;

/// How stale a token's `last_used_at` may get before a use writes it again.
const LAST_USED_GRANULARITY_SECONDS: i64 = 60;

macro_rules! user_columns {
    () => {
        "id, name, display_name, email, is_admin, disabled, version, created_at, updated_at"
    };
}

/// The user columns of a join, as `u_id`, `u_name`, ...
macro_rules! joined_user_columns {
    () => {
        "u.id AS u_id, u.name AS u_name, u.display_name AS u_display_name, u.email AS u_email, \
         u.is_admin AS u_is_admin, u.disabled AS u_disabled, u.version AS u_version, \
         u.created_at AS u_created_at, u.updated_at AS u_updated_at"
    };
}

macro_rules! project_columns {
    () => {
        "id, name, fields, version, revision, created_at, updated_at"
    };
}

macro_rules! membership_columns {
    () => {
        "project_id, user_id, role, version, created_at, updated_at"
    };
}

macro_rules! entity_select {
    () => {
        "project_id, kind, key, name, parent, position, data, version, created_at, updated_at"
    };
}

macro_rules! token_columns {
    () => {
        "id, user_id, name, created_at, expires_at, revoked_at, last_used_at"
    };
}

macro_rules! event_columns {
    () => {
        "id, project_id, actor_id, occurred_at, entity, key, action, before_data, after_data"
    };
}

// Rows to values.

fn user_from_row(row: &Row, prefix: &str) -> Result<User> {
    let column = |name: &str| format!("{prefix}{name}");
    Ok(User {
        id: UserId(row.try_get(column("id").as_str())?),
        name: row.try_get(column("name").as_str())?,
        display_name: row.try_get(column("display_name").as_str())?,
        email: row.try_get(column("email").as_str())?,
        is_admin: row.try_get(column("is_admin").as_str())?,
        disabled: row.try_get(column("disabled").as_str())?,
        version: row.try_get(column("version").as_str())?,
        created_at: row.try_get(column("created_at").as_str())?,
        updated_at: row.try_get(column("updated_at").as_str())?,
    })
}

fn project_from_row(row: &Row) -> Result<Project> {
    let Json(fields): Json<Fields> = row.try_get("fields")?;
    Ok(Project {
        id: ProjectId(row.try_get("id")?),
        name: row.try_get("name")?,
        fields,
        version: row.try_get("version")?,
        revision: row.try_get("revision")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn membership_from_row(row: &Row) -> Result<Membership> {
    let role: String = row.try_get("role")?;
    Ok(Membership {
        project: ProjectId(row.try_get("project_id")?),
        user: UserId(row.try_get("user_id")?),
        role: role.parse()?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn entity_from_row(row: &Row) -> Result<Entity> {
    let kind: String = row.try_get("kind")?;
    let Json(data): Json<Fields> = row.try_get("data")?;
    Ok(Entity {
        project: ProjectId(row.try_get("project_id")?),
        kind: kind.parse()?,
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        parent: row.try_get("parent")?,
        position: row.try_get("position")?,
        data,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn token_from_row(row: &Row) -> Result<ApiToken> {
    Ok(ApiToken {
        id: TokenId(row.try_get("id")?),
        user: UserId(row.try_get("user_id")?),
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

fn event_from_row(row: &Row) -> Result<Event> {
    let action: String = row.try_get("action")?;
    let before: Option<Json<Value>> = row.try_get("before_data")?;
    let after: Option<Json<Value>> = row.try_get("after_data")?;
    let project: Option<i64> = row.try_get("project_id")?;
    Ok(Event {
        id: EventId(row.try_get("id")?),
        project: project.map(ProjectId),
        actor: Actor::from_user_id(row.try_get("actor_id")?),
        at: row.try_get("occurred_at")?,
        entity: row.try_get("entity")?,
        key: row.try_get("key")?,
        action: EventAction::parse(&action)?,
        before: before.map(|Json(value)| value),
        after: after.map(|Json(value)| value),
    })
}

// What the event log keeps of each object. Secrets (password hashes, token digests) never go in.

fn time_json(time: Option<DateTime<Utc>>) -> Value {
    time.map_or(Value::Null, |time| Value::String(time.to_rfc3339()))
}

fn user_json(user: &User) -> Value {
    json!({
        "id": user.id.0,
        "name": user.name,
        "display_name": user.display_name,
        "email": user.email,
        "is_admin": user.is_admin,
        "disabled": user.disabled,
        "version": user.version,
    })
}

fn project_json(project: &Project) -> Value {
    json!({ "id": project.id.0, "fields": project.fields, "version": project.version })
}

fn membership_json(membership: &Membership) -> Value {
    json!({
        "project_id": membership.project.0,
        "user_id": membership.user.0,
        "role": membership.role.as_str(),
        "version": membership.version,
    })
}

fn entity_json(entity: &Entity) -> Value {
    json!({
        "key": entity.key,
        "position": entity.position,
        "version": entity.version,
        "data": entity.data,
    })
}

fn token_json(token: &ApiToken) -> Value {
    json!({
        "id": token.id.0,
        "user_id": token.user.0,
        "name": token.name,
        "expires_at": time_json(token.expires_at),
        "revoked_at": time_json(token.revoked_at),
    })
}

// The event log.

struct Change {
    project: Option<ProjectId>,
    entity: &'static str,
    key: String,
    action: EventAction,
    before: Option<Value>,
    after: Option<Value>,
}

impl Change {
    fn new(project: Option<ProjectId>, entity: &'static str, key: impl ToString) -> Change {
        Change {
            project,
            entity,
            key: key.to_string(),
            action: EventAction::Create,
            before: None,
            after: None,
        }
    }

    fn created(mut self, after: Value) -> Change {
        self.action = EventAction::Create;
        self.after = Some(after);
        self
    }

    fn updated(mut self, before: Value, after: Value) -> Change {
        self.action = EventAction::Update;
        self.before = Some(before);
        self.after = Some(after);
        self
    }

    fn deleted(mut self, before: Value) -> Change {
        self.action = EventAction::Delete;
        self.before = Some(before);
        self
    }
}

/// Appends events for `changes` inside the caller's transaction: the change and its record
/// commit together or not at all.
async fn record(tx: &mut Tx, now: Now, actor: Actor, changes: &[Change]) -> Result<()> {
    for chunk in changes.chunks(BATCH_ROWS) {
        let mut builder = QueryBuilder::<Db>::new(
            "INSERT INTO events \
             (project_id, actor_id, occurred_at, entity, key, action, before_data, after_data) ",
        );
        builder.push_values(chunk, |mut row, change| {
            row.push_bind(change.project.map(|project| project.0))
                .push_bind(actor.user_id())
                .push_bind(now)
                .push_bind(change.entity)
                .push_bind(change.key.as_str())
                .push_bind(change.action.as_str())
                .push_bind(change.before.as_ref().map(Json))
                .push_bind(change.after.as_ref().map(Json));
        });
        builder.build().execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) async fn events(
    pool: &Pool,
    project: Option<ProjectId>,
    after: Option<EventId>,
    limit: u32,
) -> Result<Vec<Event>> {
    let after = after.map_or(0, |id| id.0);
    let rows = match project {
        Some(project) => {
            sqlx::query(concat!(
                "SELECT ",
                event_columns!(),
                " FROM events WHERE project_id = $1 AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(project.0)
            .bind(after)
            .bind(page_size(limit))
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(concat!(
                "SELECT ",
                event_columns!(),
                " FROM events WHERE id > $1 ORDER BY id LIMIT $2"
            ))
            .bind(after)
            .bind(page_size(limit))
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(event_from_row).collect()
}

/// A project's events at or after `since`, newest first, at most `limit` of them, and how many
/// there are in all. Both statements run in one read transaction, so the count and the list agree.
pub(crate) async fn events_since(
    pool: &Pool,
    project: ProjectId,
    since: DateTime<Utc>,
    limit: u32,
) -> Result<(Vec<Event>, i64)> {
    let mut tx = begin_read(pool).await?;
    let rows = sqlx::query(concat!(
        "SELECT ",
        event_columns!(),
        " FROM events WHERE project_id = $1 AND occurred_at >= $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(project.0)
    .bind(since)
    .bind(page_size(limit))
    .fetch_all(&mut *tx)
    .await?;
    let total: i64 =
        sqlx::query("SELECT COUNT(*) FROM events WHERE project_id = $1 AND occurred_at >= $2")
            .bind(project.0)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
    tx.commit().await?;
    let events = rows
        .iter()
        .map(event_from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok((events, total))
}

pub(crate) async fn ping(pool: &Pool) -> Result<()> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

// Small helpers.

fn check_version(expected: i64, current: i64) -> Result<()> {
    if expected == current {
        Ok(())
    } else {
        Err(StoreError::Stale { expected, current })
    }
}

/// Names the object in a unique-key violation.
fn duplicate(what: impl FnOnce() -> String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| match StoreError::from(error) {
        StoreError::Duplicate(_) => StoreError::Duplicate(what()),
        other => other,
    }
}

/// Bumps the project's revision. On PostgreSQL this also locks the project row until the
/// transaction ends, which serializes the writers of one project: every project change starts
/// here, before it reads what it will check.
async fn lock_project(tx: &mut Tx, project: ProjectId) -> Result<i64> {
    let row =
        sqlx::query("UPDATE projects SET revision = revision + 1 WHERE id = $1 RETURNING revision")
            .bind(project.0)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound("project"))?;
    Ok(row.try_get(0)?)
}

fn earlier(now: Now, window: chrono::Duration) -> Now {
    now.checked_sub_signed(window)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn check_user_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.chars().count() > MAX_USER_NAME
        || name.chars().any(|c| c.is_control())
    {
        return Err(StoreError::Invalid(
            "a user name has 1 to 100 characters and no control characters".into(),
        ));
    }
    if name.trim() != name {
        return Err(StoreError::Invalid(
            "a user name does not start or end with a space".into(),
        ));
    }
    Ok(())
}

// Accounts.

async fn fetch_user(tx: &mut Tx, id: UserId) -> Result<User> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound("user"))?;
    user_from_row(&row, "")
}

fn check_new_user(new: &NewUser) -> Result<()> {
    check_user_name(&new.name)?;
    check_text("display name", &new.display_name)?;
    check_text("email", new.email.as_deref().unwrap_or_default())?;
    check_text(
        "password hash",
        new.password_hash.as_deref().unwrap_or_default(),
    )
}

async fn insert_user(tx: &mut Tx, now: Now, actor: Actor, new: &NewUser) -> Result<User> {
    let row = sqlx::query(concat!(
        "INSERT INTO users \
         (name, display_name, email, password_hash, is_admin, disabled, version, created_at, \
         updated_at) \
         VALUES ($1, $2, $3, $4, $5, FALSE, 1, $6, $6) RETURNING ",
        user_columns!()
    ))
    .bind(&new.name)
    .bind(&new.display_name)
    .bind(&new.email)
    .bind(&new.password_hash)
    .bind(new.is_admin)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(duplicate(|| format!("user `{}`", new.name)))?;
    let user = user_from_row(&row, "")?;
    let change = Change::new(None, "user", user.id).created(user_json(&user));
    record(tx, now, actor, &[change]).await?;
    Ok(user)
}

pub(crate) async fn create_user(
    pool: &Pool,
    now: Now,
    actor: Actor,
    new: &NewUser,
) -> Result<User> {
    check_new_user(new)?;
    let mut tx = begin_write(pool).await?;
    let user = insert_user(&mut tx, now, actor, new).await?;
    tx.commit().await?;
    Ok(user)
}

async fn count_users(tx: &mut Tx) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get(0)?)
}

pub(crate) async fn create_setup_token(
    pool: &Pool,
    now: Now,
    lifetime: chrono::Duration,
) -> Result<Option<Issued<DateTime<Utc>>>> {
    let expires_at = now
        .checked_add_signed(lifetime)
        .ok_or_else(|| StoreError::Invalid("setup link lifetime out of range".into()))?;
    let mut tx = begin_write(pool).await?;
    if count_users(&mut tx).await? > 0 {
        return Ok(None);
    }
    let secret = auth::new_secret("");
    sqlx::query(
        "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(auth::secret_digest(&secret))
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Issued {
        secret,
        record: expires_at,
    }))
}

pub(crate) async fn complete_setup(
    pool: &Pool,
    now: Now,
    secret: &str,
    new: &NewUser,
) -> Result<User> {
    check_new_user(new)?;
    let mut tx = begin_write(pool).await?;
    // Take every setup token at once: of two links used at the same moment (on PostgreSQL, from
    // two processes), the second waits for the first's rows and then finds none.
    let rows = sqlx::query("DELETE FROM setup_tokens RETURNING token_hash, expires_at")
        .fetch_all(&mut *tx)
        .await?;
    let digest = auth::secret_digest(secret);
    let mut valid = false;
    for row in &rows {
        let hash: String = row.try_get("token_hash")?;
        let expires_at: DateTime<Utc> = row.try_get("expires_at")?;
        valid |= hash == digest && expires_at > now;
    }
    if !valid {
        // Rolling back keeps the other links usable.
        return Err(StoreError::NotFound("setup token"));
    }
    if count_users(&mut tx).await? > 0 {
        // Someone made an account another way: every link is spent.
        tx.commit().await?;
        return Err(StoreError::NotFound("setup token"));
    }
    let admin = NewUser {
        is_admin: true,
        ..new.clone()
    };
    let user = insert_user(&mut tx, now, Actor::System, &admin).await?;
    tx.commit().await?;
    Ok(user)
}

pub(crate) async fn user(pool: &Pool, id: UserId) -> Result<User> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("user"))?;
    user_from_row(&row, "")
}

pub(crate) async fn user_by_name(pool: &Pool, name: &str) -> Result<User> {
    if check_text("name", name).is_err() {
        return Err(StoreError::NotFound("user"));
    }
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("user"))?;
    user_from_row(&row, "")
}

pub(crate) async fn users(pool: &Pool, after: Option<UserId>, limit: u32) -> Result<Vec<User>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after.map_or(0, |id| id.0))
    .bind(page_size(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(|row| user_from_row(row, "")).collect()
}

pub(crate) async fn user_count(pool: &Pool) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get(0)?)
}

pub(crate) async fn credentials(pool: &Pool, name: &str) -> Result<Option<(User, String)>> {
    if check_text("name", name).is_err() {
        return Ok(None);
    }
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        ", password_hash FROM users WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let hash: Option<String> = row.try_get("password_hash")?;
    Ok(match hash {
        Some(hash) => Some((user_from_row(&row, "")?, hash)),
        None => None,
    })
}

pub(crate) async fn update_user(
    pool: &Pool,
    now: Now,
    actor: Actor,
    id: UserId,
    expected_version: i64,
    update: &UserUpdate,
) -> Result<User> {
    check_text("display name", &update.display_name)?;
    check_text("email", update.email.as_deref().unwrap_or_default())?;
    let mut tx = begin_write(pool).await?;
    let before = fetch_user(&mut tx, id).await?;
    check_version(expected_version, before.version)?;
    let row = sqlx::query(concat!(
        "UPDATE users SET display_name = $1, email = $2, is_admin = $3, disabled = $4, \
         version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7 RETURNING ",
        user_columns!()
    ))
    .bind(&update.display_name)
    .bind(&update.email)
    .bind(update.is_admin)
    .bind(update.disabled)
    .bind(now)
    .bind(id.0)
    .bind(expected_version)
    .fetch_optional(&mut *tx)
    .await?;
    let after = match row {
        Some(row) => user_from_row(&row, "")?,
        // Changed by someone else between our read and our write (PostgreSQL).
        None => {
            let current = fetch_user(&mut tx, id).await?;
            return Err(StoreError::Stale {
                expected: expected_version,
                current: current.version,
            });
        }
    };
    let change = Change::new(None, "user", id).updated(user_json(&before), user_json(&after));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn set_password(
    pool: &Pool,
    now: Now,
    actor: Actor,
    id: UserId,
    expected_version: i64,
    password_hash: &str,
) -> Result<User> {
    check_text("password hash", password_hash)?;
    let mut tx = begin_write(pool).await?;
    let before = fetch_user(&mut tx, id).await?;
    check_version(expected_version, before.version)?;
    let row = sqlx::query(concat!(
        "UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 RETURNING ",
        user_columns!()
    ))
    .bind(password_hash)
    .bind(now)
    .bind(id.0)
    .bind(expected_version)
    .fetch_optional(&mut *tx)
    .await?;
    let after = match row {
        Some(row) => user_from_row(&row, "")?,
        None => {
            let current = fetch_user(&mut tx, id).await?;
            return Err(StoreError::Stale {
                expected: expected_version,
                current: current.version,
            });
        }
    };
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let mut after_json = user_json(&after);
    after_json["password_changed"] = Value::Bool(true);
    let change = Change::new(None, "user", id).updated(user_json(&before), after_json);
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(after)
}

// Projects.

async fn fetch_project(tx: &mut Tx, id: ProjectId) -> Result<Project> {
    let row = sqlx::query(concat!(
        "SELECT ",
        project_columns!(),
        " FROM projects WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound("project"))?;
    project_from_row(&row)
}

/// Inserts a project and, for a user actor, their owner membership, with both events.
async fn insert_project(tx: &mut Tx, now: Now, actor: Actor, fields: &Fields) -> Result<Project> {
    let name = project_name(fields)?;
    let row = sqlx::query(concat!(
        "INSERT INTO projects (name, fields, version, revision, created_at, updated_at) \
         VALUES ($1, $2, 1, 1, $3, $3) RETURNING ",
        project_columns!()
    ))
    .bind(&name)
    .bind(Json(fields))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let project = project_from_row(&row)?;
    let mut changes =
        vec![Change::new(Some(project.id), "project", project.id).created(project_json(&project))];
    if let Actor::User(user) = actor {
        let membership = insert_membership(tx, now, project.id, user, Role::Owner).await?;
        changes.push(
            Change::new(Some(project.id), "membership", user).created(membership_json(&membership)),
        );
    }
    record(tx, now, actor, &changes).await?;
    Ok(project)
}

pub(crate) async fn create_project(
    pool: &Pool,
    now: Now,
    actor: Actor,
    fields: &Fields,
) -> Result<Project> {
    project_name(fields)?;
    let mut tx = begin_write(pool).await?;
    let project = insert_project(&mut tx, now, actor, fields).await?;
    tx.commit().await?;
    Ok(project)
}

pub(crate) async fn import_project(
    pool: &Pool,
    now: Now,
    actor: Actor,
    content: &PlanContent,
) -> Result<Project> {
    check_content(content)?;
    let mut tx = begin_write(pool).await?;
    let project = insert_project(&mut tx, now, actor, &content.project).await?;
    apply_content(&mut tx, now, actor, &project, content).await?;
    tx.commit().await?;
    Ok(project)
}

pub(crate) async fn project(pool: &Pool, id: ProjectId) -> Result<Project> {
    let row = sqlx::query(concat!(
        "SELECT ",
        project_columns!(),
        " FROM projects WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("project"))?;
    project_from_row(&row)
}

pub(crate) async fn projects(
    pool: &Pool,
    after: Option<ProjectId>,
    limit: u32,
) -> Result<Vec<Project>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        project_columns!(),
        " FROM projects WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after.map_or(0, |id| id.0))
    .bind(page_size(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(project_from_row).collect()
}

pub(crate) async fn projects_of_user(
    pool: &Pool,
    user: UserId,
    after: Option<ProjectId>,
    limit: u32,
) -> Result<Vec<(Project, Role)>> {
    let rows = sqlx::query(
        "SELECT p.id, p.name, p.fields, p.version, p.revision, p.created_at, p.updated_at, m.role \
         FROM projects p JOIN memberships m ON m.project_id = p.id \
         WHERE m.user_id = $1 AND p.id > $2 ORDER BY p.id LIMIT $3",
    )
    .bind(user.0)
    .bind(after.map_or(0, |id| id.0))
    .bind(page_size(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            Ok((project_from_row(row)?, role.parse()?))
        })
        .collect()
}

pub(crate) async fn update_project(
    pool: &Pool,
    now: Now,
    actor: Actor,
    id: ProjectId,
    expected_version: i64,
    fields: &Fields,
) -> Result<Project> {
    project_name(fields)?;
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, id).await?;
    let before = fetch_project(&mut tx, id).await?;
    check_version(expected_version, before.version)?;
    let after = write_project_fields(&mut tx, now, &before, fields).await?;
    let change =
        Change::new(Some(id), "project", id).updated(project_json(&before), project_json(&after));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(after)
}

async fn write_project_fields(
    tx: &mut Tx,
    now: Now,
    before: &Project,
    fields: &Fields,
) -> Result<Project> {
    let row = sqlx::query(concat!(
        "UPDATE projects SET name = $1, fields = $2, version = version + 1, updated_at = $3 \
         WHERE id = $4 RETURNING ",
        project_columns!()
    ))
    .bind(project_name(fields)?)
    .bind(Json(fields))
    .bind(now)
    .bind(before.id.0)
    .fetch_one(&mut **tx)
    .await?;
    project_from_row(&row)
}

pub(crate) async fn delete_project(
    pool: &Pool,
    now: Now,
    actor: Actor,
    id: ProjectId,
    expected_version: i64,
) -> Result<()> {
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, id).await?;
    let before = fetch_project(&mut tx, id).await?;
    check_version(expected_version, before.version)?;
    let content = read_content(&mut tx, &before).await?;
    sqlx::query("DELETE FROM projects WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let mut before_json = project_json(&before);
    before_json["content"] = content.to_json();
    let change = Change::new(Some(id), "project", id).deleted(before_json);
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(())
}

/// Every entity of the project, each kind in `(position, key)` order.
async fn read_content(tx: &mut Tx, project: &Project) -> Result<PlanContent> {
    let rows = sqlx::query(
        "SELECT kind, key, data FROM entities WHERE project_id = $1 ORDER BY position, key",
    )
    .bind(project.id.0)
    .fetch_all(&mut **tx)
    .await?;
    let mut content = PlanContent {
        project: project.fields.clone(),
        ..PlanContent::default()
    };
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        let Json(data): Json<Fields> = row.try_get("data")?;
        content
            .entities_mut(kind.parse()?)
            .push((row.try_get("key")?, data));
    }
    Ok(content)
}

pub(crate) async fn project_document(pool: &Pool, id: ProjectId) -> Result<PlanContent> {
    let mut tx = begin_read(pool).await?;
    let project = fetch_project(&mut tx, id).await?;
    let content = read_content(&mut tx, &project).await?;
    tx.commit().await?;
    Ok(content)
}

pub(crate) async fn project_snapshot(pool: &Pool, id: ProjectId) -> Result<ProjectSnapshot> {
    let mut tx = begin_read(pool).await?;
    let project = fetch_project(&mut tx, id).await?;
    let rows = sqlx::query(concat!(
        "SELECT ",
        entity_select!(),
        " FROM entities WHERE project_id = $1 ORDER BY position, key"
    ))
    .bind(id.0)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut content = PlanContent {
        project: project.fields.clone(),
        ..PlanContent::default()
    };
    let mut tasks = Vec::new();
    for row in &rows {
        let entity = entity_from_row(row)?;
        content
            .entities_mut(entity.kind)
            .push((entity.key.clone(), entity.data.clone()));
        if entity.kind == EntityKind::Task {
            tasks.push(entity);
        }
    }
    Ok(ProjectSnapshot {
        project,
        content,
        tasks,
    })
}

/// Checks a whole plan before anything is written: names, ids, and no id twice in a kind.
fn check_content(content: &PlanContent) -> Result<()> {
    project_name(&content.project)?;
    for kind in EntityKind::ALL {
        let mut seen = HashSet::new();
        for (key, data) in content.entities(kind) {
            entity_columns(kind, key, data)?;
            if !seen.insert(key.as_str()) {
                return Err(StoreError::Invalid(format!("{kind} `{key}` appears twice")));
            }
        }
    }
    Ok(())
}

pub(crate) async fn replace_project_content(
    pool: &Pool,
    now: Now,
    actor: Actor,
    id: ProjectId,
    expected_revision: Option<i64>,
    content: &PlanContent,
) -> Result<ContentChanges> {
    check_content(content)?;
    let mut tx = begin_write(pool).await?;
    let revision = lock_project(&mut tx, id).await?;
    if let Some(expected) = expected_revision {
        check_version(expected, revision - 1)?;
    }
    let project = fetch_project(&mut tx, id).await?;
    let mut changes = apply_content(&mut tx, now, actor, &project, content).await?;
    changes.revision = project.revision;
    tx.commit().await?;
    Ok(changes)
}

/// Makes the project's fields and entities equal to `content`, recording an event for every
/// object that changes. Positions follow the order of `content`.
async fn apply_content(
    tx: &mut Tx,
    now: Now,
    actor: Actor,
    project: &Project,
    content: &PlanContent,
) -> Result<ContentChanges> {
    let mut summary = ContentChanges {
        revision: project.revision,
        ..ContentChanges::default()
    };
    let mut changes = Vec::new();
    if project.fields != content.project {
        let after = write_project_fields(tx, now, project, &content.project).await?;
        changes.push(
            Change::new(Some(project.id), "project", project.id)
                .updated(project_json(project), project_json(&after)),
        );
    }
    for kind in EntityKind::ALL {
        let rows = sqlx::query(concat!(
            "SELECT ",
            entity_select!(),
            " FROM entities WHERE project_id = $1 AND kind = $2"
        ))
        .bind(project.id.0)
        .bind(kind.as_str())
        .fetch_all(&mut **tx)
        .await?;
        let mut existing: HashMap<String, Entity> = HashMap::new();
        for row in &rows {
            let entity = entity_from_row(row)?;
            existing.insert(entity.key.clone(), entity);
        }
        let mut inserts = Vec::new();
        for (index, (key, data)) in content.entities(kind).iter().enumerate() {
            let position = (index as i64 + 1) * POSITION_STEP;
            let (name, parent) = entity_columns(kind, key, data)?;
            match existing.remove(key) {
                Some(old) if old.data == *data && old.position == position => {
                    summary.unchanged += 1;
                }
                Some(old) => {
                    let new = write_entity(tx, now, &old, &name, parent.as_deref(), position, data)
                        .await?;
                    changes.push(
                        Change::new(Some(project.id), kind.as_str(), key)
                            .updated(entity_json(&old), entity_json(&new)),
                    );
                    summary.updated += 1;
                }
                None => {
                    let entity = Entity {
                        project: project.id,
                        kind,
                        key: key.clone(),
                        name,
                        parent,
                        position,
                        data: data.clone(),
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    };
                    changes.push(
                        Change::new(Some(project.id), kind.as_str(), key)
                            .created(entity_json(&entity)),
                    );
                    inserts.push(entity);
                }
            }
        }
        summary.created += inserts.len();
        insert_entities(tx, &inserts).await?;
        let mut removed: Vec<Entity> = existing.into_values().collect();
        removed.sort_by(|a, b| (a.position, &a.key).cmp(&(b.position, &b.key)));
        for chunk in removed.chunks(BATCH_ROWS) {
            let mut builder = QueryBuilder::<Db>::new("DELETE FROM entities WHERE project_id = ");
            builder
                .push_bind(project.id.0)
                .push(" AND kind = ")
                .push_bind(kind.as_str())
                .push(" AND key IN (");
            let mut keys = builder.separated(", ");
            for entity in chunk {
                keys.push_bind(entity.key.as_str());
            }
            builder.push(")");
            builder.build().execute(&mut **tx).await?;
        }
        summary.deleted += removed.len();
        changes.extend(removed.iter().map(|entity| {
            Change::new(Some(project.id), kind.as_str(), &entity.key).deleted(entity_json(entity))
        }));
    }
    record(tx, now, actor, &changes).await?;
    Ok(summary)
}

async fn insert_entities(tx: &mut Tx, entities: &[Entity]) -> Result<()> {
    for chunk in entities.chunks(BATCH_ROWS) {
        let mut builder = QueryBuilder::<Db>::new(
            "INSERT INTO entities (project_id, kind, key, name, name_folded, parent, position, \
             data, version, created_at, updated_at) ",
        );
        builder.push_values(chunk, |mut row, entity| {
            row.push_bind(entity.project.0)
                .push_bind(entity.kind.as_str())
                .push_bind(entity.key.as_str())
                .push_bind(entity.name.as_str())
                .push_bind(fold(&entity.name))
                .push_bind(entity.parent.as_deref())
                .push_bind(entity.position)
                .push_bind(Json(&entity.data))
                .push_bind(entity.version)
                .push_bind(entity.created_at)
                .push_bind(entity.updated_at);
        });
        builder.build().execute(&mut **tx).await?;
    }
    Ok(())
}

// Members.

async fn insert_membership(
    tx: &mut Tx,
    now: Now,
    project: ProjectId,
    user: UserId,
    role: Role,
) -> Result<Membership> {
    let row = sqlx::query(concat!(
        "INSERT INTO memberships (project_id, user_id, role, version, created_at, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $4) RETURNING ",
        membership_columns!()
    ))
    .bind(project.0)
    .bind(user.0)
    .bind(role.as_str())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(duplicate(|| format!("membership of user {user}")))?;
    membership_from_row(&row)
}

async fn fetch_membership(tx: &mut Tx, project: ProjectId, user: UserId) -> Result<Membership> {
    let row = sqlx::query(concat!(
        "SELECT ",
        membership_columns!(),
        " FROM memberships WHERE project_id = $1 AND user_id = $2"
    ))
    .bind(project.0)
    .bind(user.0)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound("membership"))?;
    membership_from_row(&row)
}

/// Refuses a change that leaves a project that had owners without any.
async fn keep_an_owner(tx: &mut Tx, project: ProjectId) -> Result<()> {
    let row =
        sqlx::query("SELECT COUNT(*) FROM memberships WHERE project_id = $1 AND role = 'owner'")
            .bind(project.0)
            .fetch_one(&mut **tx)
            .await?;
    let owners: i64 = row.try_get(0)?;
    if owners == 0 {
        return Err(StoreError::Invalid(
            "a project keeps at least one owner".into(),
        ));
    }
    Ok(())
}

pub(crate) async fn role(pool: &Pool, project: ProjectId, user: UserId) -> Result<Option<Role>> {
    let row = sqlx::query("SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2")
        .bind(project.0)
        .bind(user.0)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => {
            let role: String = row.try_get(0)?;
            Ok(Some(role.parse()?))
        }
        None => Ok(None),
    }
}

pub(crate) async fn members(pool: &Pool, project: ProjectId) -> Result<Vec<(Membership, User)>> {
    let rows = sqlx::query(concat!(
        "SELECT m.project_id, m.user_id, m.role, m.version, m.created_at, m.updated_at, ",
        joined_user_columns!(),
        " FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 \
         ORDER BY m.user_id"
    ))
    .bind(project.0)
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        self::project(pool, project).await?;
    }
    rows.iter()
        .map(|row| Ok((membership_from_row(row)?, user_from_row(row, "u_")?)))
        .collect()
}

pub(crate) async fn add_member(
    pool: &Pool,
    now: Now,
    actor: Actor,
    project: ProjectId,
    user: UserId,
    role: Role,
) -> Result<Membership> {
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, project).await?;
    fetch_user(&mut tx, user).await?;
    let membership = insert_membership(&mut tx, now, project, user, role).await?;
    let change =
        Change::new(Some(project), "membership", user).created(membership_json(&membership));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(membership)
}

pub(crate) async fn update_member(
    pool: &Pool,
    now: Now,
    actor: Actor,
    project: ProjectId,
    user: UserId,
    expected_version: i64,
    role: Role,
) -> Result<Membership> {
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, project).await?;
    let before = fetch_membership(&mut tx, project, user).await?;
    check_version(expected_version, before.version)?;
    let row = sqlx::query(concat!(
        "UPDATE memberships SET role = $1, version = version + 1, updated_at = $2 \
         WHERE project_id = $3 AND user_id = $4 RETURNING ",
        membership_columns!()
    ))
    .bind(role.as_str())
    .bind(now)
    .bind(project.0)
    .bind(user.0)
    .fetch_one(&mut *tx)
    .await?;
    let after = membership_from_row(&row)?;
    if before.role == Role::Owner {
        keep_an_owner(&mut tx, project).await?;
    }
    let change = Change::new(Some(project), "membership", user)
        .updated(membership_json(&before), membership_json(&after));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn remove_member(
    pool: &Pool,
    now: Now,
    actor: Actor,
    project: ProjectId,
    user: UserId,
    expected_version: i64,
) -> Result<()> {
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, project).await?;
    let before = fetch_membership(&mut tx, project, user).await?;
    check_version(expected_version, before.version)?;
    sqlx::query("DELETE FROM memberships WHERE project_id = $1 AND user_id = $2")
        .bind(project.0)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    if before.role == Role::Owner {
        keep_an_owner(&mut tx, project).await?;
    }
    let change = Change::new(Some(project), "membership", user).deleted(membership_json(&before));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(())
}

// Project content.

pub(crate) async fn entities(
    pool: &Pool,
    project: ProjectId,
    kind: EntityKind,
    query: &EntityQuery,
) -> Result<Page<Entity, EntityCursor>> {
    // Text PostgreSQL cannot hold matches nothing (rather than failing on PostgreSQL only).
    let impossible = [
        query.after.as_ref().map(|after| after.key.as_str()),
        match &query.parent {
            Some(ParentFilter::Of(parent)) => Some(parent.as_str()),
            _ => None,
        },
        query.name_contains.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|text| check_text("filter", text).is_err());
    if impossible {
        self::project(pool, project).await?;
        return Ok(Page {
            items: Vec::new(),
            next: None,
        });
    }
    let limit = page_size(query.limit);
    let mut builder = QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        entity_select!(),
        " FROM entities WHERE project_id = "
    ));
    builder
        .push_bind(project.0)
        .push(" AND kind = ")
        .push_bind(kind.as_str());
    if let Some(after) = &query.after {
        builder
            .push(" AND (position, key) > (")
            .push_bind(after.position)
            .push(", ")
            .push_bind(after.key.as_str())
            .push(")");
    }
    match &query.parent {
        None => {}
        Some(ParentFilter::None) => {
            builder.push(" AND parent IS NULL");
        }
        Some(ParentFilter::Of(parent)) => {
            builder.push(" AND parent = ").push_bind(parent.as_str());
        }
    }
    if let Some(needle) = &query.name_contains {
        builder
            .push(" AND name_folded LIKE ")
            .push_bind(contains_pattern(needle))
            .push(" ESCAPE '\\'");
    }
    builder
        .push(" ORDER BY position, key LIMIT ")
        .push_bind(limit + 1);
    let rows = builder.build().fetch_all(pool).await?;
    let mut items = rows
        .iter()
        .map(entity_from_row)
        .collect::<Result<Vec<_>>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|last| EntityCursor {
            position: last.position,
            key: last.key.clone(),
        })
    } else {
        None
    };
    if items.is_empty() {
        self::project(pool, project).await?;
    }
    Ok(Page { items, next })
}

pub(crate) async fn entity_count(pool: &Pool, project: ProjectId, kind: EntityKind) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM entities WHERE project_id = $1 AND kind = $2")
        .bind(project.0)
        .bind(kind.as_str())
        .fetch_one(pool)
        .await?;
    Ok(row.try_get(0)?)
}

pub(crate) async fn entity(
    pool: &Pool,
    project: ProjectId,
    kind: EntityKind,
    key: &str,
) -> Result<Entity> {
    if check_key(key).is_err() {
        return Err(StoreError::NotFound(kind.as_str()));
    }
    let row = sqlx::query(concat!(
        "SELECT ",
        entity_select!(),
        " FROM entities WHERE project_id = $1 AND kind = $2 AND key = $3"
    ))
    .bind(project.0)
    .bind(kind.as_str())
    .bind(key)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound(kind.as_str()))?;
    entity_from_row(&row)
}

async fn fetch_entity(
    tx: &mut Tx,
    project: ProjectId,
    kind: EntityKind,
    key: &str,
) -> Result<Entity> {
    let row = sqlx::query(concat!(
        "SELECT ",
        entity_select!(),
        " FROM entities WHERE project_id = $1 AND kind = $2 AND key = $3"
    ))
    .bind(project.0)
    .bind(kind.as_str())
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound(kind.as_str()))?;
    entity_from_row(&row)
}

pub(crate) async fn create_entity(
    pool: &Pool,
    now: Now,
    actor: Actor,
    project: ProjectId,
    kind: EntityKind,
    new: &NewEntity,
) -> Result<Entity> {
    let (name, parent) = entity_columns(kind, &new.key, &new.data)?;
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, project).await?;
    let position = match new.position {
        Some(position) => position,
        None => {
            let row = sqlx::query(
                "SELECT COALESCE(MAX(position), 0) FROM entities \
                 WHERE project_id = $1 AND kind = $2",
            )
            .bind(project.0)
            .bind(kind.as_str())
            .fetch_one(&mut *tx)
            .await?;
            let last: i64 = row.try_get(0)?;
            last.saturating_add(POSITION_STEP)
        }
    };
    let row = sqlx::query(concat!(
        "INSERT INTO entities (project_id, kind, key, name, name_folded, parent, position, data, \
         version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING ",
        entity_select!()
    ))
    .bind(project.0)
    .bind(kind.as_str())
    .bind(&new.key)
    .bind(&name)
    .bind(fold(&name))
    .bind(&parent)
    .bind(position)
    .bind(Json(&new.data))
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(duplicate(|| format!("{kind} `{}`", new.key)))?;
    let entity = entity_from_row(&row)?;
    let change =
        Change::new(Some(project), kind.as_str(), &entity.key).created(entity_json(&entity));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(entity)
}

async fn write_entity(
    tx: &mut Tx,
    now: Now,
    old: &Entity,
    name: &str,
    parent: Option<&str>,
    position: i64,
    data: &Fields,
) -> Result<Entity> {
    let row = sqlx::query(concat!(
        "UPDATE entities SET name = $1, name_folded = $2, parent = $3, position = $4, data = $5, \
         version = version + 1, updated_at = $6 \
         WHERE project_id = $7 AND kind = $8 AND key = $9 RETURNING ",
        entity_select!()
    ))
    .bind(name)
    .bind(fold(name))
    .bind(parent)
    .bind(position)
    .bind(Json(data))
    .bind(now)
    .bind(old.project.0)
    .bind(old.kind.as_str())
    .bind(old.key.as_str())
    .fetch_one(&mut **tx)
    .await?;
    entity_from_row(&row)
}

// The arguments are those of `Store::update_entity` plus the pool and the time.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn update_entity(
    pool: &Pool,
    now: Now,
    actor: Actor,
    project: ProjectId,
    kind: EntityKind,
    key: &str,
    expected_version: i64,
    update: &EntityUpdate,
) -> Result<Entity> {
    if check_key(key).is_err() {
        return Err(StoreError::NotFound(kind.as_str()));
    }
    let (name, parent) = entity_columns(kind, key, &update.data)?;
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, project).await?;
    let before = fetch_entity(&mut tx, project, kind, key).await?;
    check_version(expected_version, before.version)?;
    let position = update.position.unwrap_or(before.position);
    let after = write_entity(
        &mut tx,
        now,
        &before,
        &name,
        parent.as_deref(),
        position,
        &update.data,
    )
    .await?;
    let change = Change::new(Some(project), kind.as_str(), key)
        .updated(entity_json(&before), entity_json(&after));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn delete_entity(
    pool: &Pool,
    now: Now,
    actor: Actor,
    project: ProjectId,
    kind: EntityKind,
    key: &str,
    expected_version: i64,
) -> Result<()> {
    if check_key(key).is_err() {
        return Err(StoreError::NotFound(kind.as_str()));
    }
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, project).await?;
    let before = fetch_entity(&mut tx, project, kind, key).await?;
    check_version(expected_version, before.version)?;
    sqlx::query("DELETE FROM entities WHERE project_id = $1 AND kind = $2 AND key = $3")
        .bind(project.0)
        .bind(kind.as_str())
        .bind(key)
        .execute(&mut *tx)
        .await?;
    let change = Change::new(Some(project), kind.as_str(), key).deleted(entity_json(&before));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the data of several entities of one project in one transaction, each keeping its
/// position, provided the project is still at `expected_revision`: otherwise `Stale` and nothing
/// changes (one update of a batch the user approved as a whole must not land without the rest).
/// An entity whose data is already equal is left as it is; every other gets its event. Answers
/// the project's revision afterwards and the entities as stored, in the order of `updates`.
pub(crate) async fn update_entities(
    pool: &Pool,
    now: Now,
    actor: Actor,
    project: ProjectId,
    expected_revision: i64,
    updates: &[(EntityKind, String, Fields)],
) -> Result<(i64, Vec<Entity>)> {
    let mut columns = Vec::with_capacity(updates.len());
    for (kind, key, data) in updates {
        if check_key(key).is_err() {
            return Err(StoreError::NotFound(kind.as_str()));
        }
        columns.push(entity_columns(*kind, key, data)?);
    }
    let mut tx = begin_write(pool).await?;
    let revision = lock_project(&mut tx, project).await?;
    check_version(expected_revision, revision - 1)?;
    let mut changes = Vec::new();
    let mut entities = Vec::with_capacity(updates.len());
    for ((kind, key, data), (name, parent)) in updates.iter().zip(&columns) {
        let before = fetch_entity(&mut tx, project, *kind, key).await?;
        if before.data == *data {
            entities.push(before);
            continue;
        }
        let after = write_entity(
            &mut tx,
            now,
            &before,
            name,
            parent.as_deref(),
            before.position,
            data,
        )
        .await?;
        changes.push(
            Change::new(Some(project), kind.as_str(), key)
                .updated(entity_json(&before), entity_json(&after)),
        );
        entities.push(after);
    }
    if changes.is_empty() {
        // Nothing to write: the revision stays as it was.
        tx.rollback().await?;
        return Ok((revision - 1, entities));
    }
    record(&mut tx, now, actor, &changes).await?;
    tx.commit().await?;
    Ok((revision, entities))
}

// API tokens.

pub(crate) async fn create_token(
    pool: &Pool,
    now: Now,
    actor: Actor,
    user: UserId,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Issued<ApiToken>> {
    check_text("token name", name)?;
    let secret = auth::new_secret(auth::TOKEN_PREFIX);
    let mut tx = begin_write(pool).await?;
    fetch_user(&mut tx, user).await?;
    let row = sqlx::query(concat!(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING ",
        token_columns!()
    ))
    .bind(user.0)
    .bind(name)
    .bind(auth::secret_digest(&secret))
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    let token = token_from_row(&row)?;
    let change = Change::new(None, "token", token.id).created(token_json(&token));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(Issued {
        secret,
        record: token,
    })
}

pub(crate) async fn token(pool: &Pool, id: TokenId) -> Result<ApiToken> {
    let row = sqlx::query(concat!(
        "SELECT ",
        token_columns!(),
        " FROM api_tokens WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("token"))?;
    token_from_row(&row)
}

pub(crate) async fn tokens(pool: &Pool, user: UserId) -> Result<Vec<ApiToken>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        token_columns!(),
        " FROM api_tokens WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user.0)
    .fetch_all(pool)
    .await?;
    rows.iter().map(token_from_row).collect()
}

pub(crate) async fn revoke_token(
    pool: &Pool,
    now: Now,
    actor: Actor,
    id: TokenId,
) -> Result<ApiToken> {
    let mut tx = begin_write(pool).await?;
    let row = sqlx::query(concat!(
        "SELECT ",
        token_columns!(),
        " FROM api_tokens WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound("token"))?;
    let before = token_from_row(&row)?;
    if before.revoked() {
        return Ok(before);
    }
    let row = sqlx::query(concat!(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 RETURNING ",
        token_columns!()
    ))
    .bind(now)
    .bind(id.0)
    .fetch_one(&mut *tx)
    .await?;
    let after = token_from_row(&row)?;
    let change = Change::new(None, "token", id).updated(token_json(&before), token_json(&after));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn authenticate_token(
    pool: &Pool,
    now: Now,
    secret: &str,
) -> Result<Option<(ApiToken, User)>> {
    if !secret.starts_with(auth::TOKEN_PREFIX) {
        return Ok(None);
    }
    let row = sqlx::query(concat!(
        "SELECT t.id, t.user_id, t.name, t.created_at, t.expires_at, t.revoked_at, \
         t.last_used_at, ",
        joined_user_columns!(),
        " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
    ))
    .bind(auth::secret_digest(secret))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut token = token_from_row(&row)?;
    let user = user_from_row(&row, "u_")?;
    let expired = token.expires_at.is_some_and(|expires| expires <= now);
    if token.revoked() || expired || user.disabled {
        return Ok(None);
    }
    let stale = token
        .last_used_at
        .is_none_or(|used| (now - used).num_seconds() >= LAST_USED_GRANULARITY_SECONDS);
    if stale {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(token.id.0)
            .execute(pool)
            .await?;
        token.last_used_at = Some(now);
    }
    Ok(Some((token, user)))
}

// Sessions.

pub(crate) async fn create_session(
    pool: &Pool,
    now: Now,
    user: UserId,
    lifetime: chrono::Duration,
) -> Result<Issued<Session>> {
    let secret = auth::new_secret("");
    let session = Session {
        user,
        csrf_token: auth::new_secret(""),
        created_at: now,
        expires_at: now
            .checked_add_signed(lifetime)
            .ok_or_else(|| StoreError::Invalid("session lifetime out of range".into()))?,
    };
    let mut tx = begin_write(pool).await?;
    fetch_user(&mut tx, user).await?;
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(auth::secret_digest(&secret))
    .bind(user.0)
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Issued {
        secret,
        record: session,
    })
}

pub(crate) async fn session(
    pool: &Pool,
    now: Now,
    secret: &str,
) -> Result<Option<(Session, User)>> {
    let row = sqlx::query(concat!(
        "SELECT s.user_id, s.csrf_token, s.created_at, s.expires_at, s.revoked_at, ",
        joined_user_columns!(),
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
    ))
    .bind(auth::secret_digest(secret))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let session = Session {
        user: UserId(row.try_get("user_id")?),
        csrf_token: row.try_get("csrf_token")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    };
    let revoked_at: Option<DateTime<Utc>> = row.try_get("revoked_at")?;
    let user = user_from_row(&row, "u_")?;
    if revoked_at.is_some() || session.expires_at <= now || user.disabled {
        return Ok(None);
    }
    Ok(Some((session, user)))
}

pub(crate) async fn revoke_session(pool: &Pool, now: Now, secret: &str) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 \
         WHERE id_hash = $2 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(auth::secret_digest(secret))
    .execute(pool)
    .await?;
    Ok(result.rows_affected() > 0)
}

pub(crate) async fn revoke_user_sessions(pool: &Pool, now: Now, user: UserId) -> Result<u64> {
    let result = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 \
         WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(user.0)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

pub(crate) async fn purge_sessions(pool: &Pool, now: Now) -> Result<u64> {
    let result =
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR revoked_at IS NOT NULL")
            .bind(now)
            .execute(pool)
            .await?;
    Ok(result.rows_affected())
}

// Rate limiting.

/// What a rate-limit counter is stored under: the SHA-256 digest of its key, so a key of any
/// length (an attacker's 4 MB user name) takes 64 bytes and fits PostgreSQL's btree index.
fn rate_key(key: &str) -> String {
    auth::secret_digest(key)
}

pub(crate) async fn rate_limit_hit(
    pool: &Pool,
    now: Now,
    key: &str,
    window: chrono::Duration,
) -> Result<i64> {
    check_text("rate-limit key", key)?;
    // One atomic upsert: concurrent attempts from several processes each count once.
    let row = sqlx::query(
        "INSERT INTO rate_limits (key, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
         attempts = CASE WHEN rate_limits.window_start <= $3 THEN 1 \
                         ELSE rate_limits.attempts + 1 END, \
         window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 \
                             ELSE rate_limits.window_start END \
         RETURNING attempts",
    )
    .bind(rate_key(key))
    .bind(now)
    .bind(earlier(now, window))
    .fetch_one(pool)
    .await?;
    Ok(row.try_get(0)?)
}

pub(crate) async fn rate_limit_count(
    pool: &Pool,
    now: Now,
    key: &str,
    window: chrono::Duration,
) -> Result<i64> {
    if check_text("rate-limit key", key).is_err() {
        return Ok(0);
    }
    let row = sqlx::query("SELECT window_start, attempts FROM rate_limits WHERE key = $1")
        .bind(rate_key(key))
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(0);
    };
    let window_start: DateTime<Utc> = row.try_get("window_start")?;
    if window_start <= earlier(now, window) {
        return Ok(0);
    }
    Ok(row.try_get("attempts")?)
}

pub(crate) async fn rate_limit_reset(pool: &Pool, key: &str) -> Result<()> {
    if check_text("rate-limit key", key).is_err() {
        return Ok(());
    }
    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(rate_key(key))
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn purge_rate_limits(
    pool: &Pool,
    now: Now,
    window: chrono::Duration,
) -> Result<u64> {
    let result = sqlx::query("DELETE FROM rate_limits WHERE window_start <= $1")
        .bind(earlier(now, window))
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
