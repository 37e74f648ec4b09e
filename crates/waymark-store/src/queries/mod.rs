//! The store's queries, written once and compiled twice: `sqlite.rs` and `postgres.rs` each
//! include this folder as their `queries` module with their own `Db`, so every statement here is
//! SQL both databases accept (`$N` parameters, `RETURNING`, `ON CONFLICT`, row values, no
//! dialect functions). Every change runs in one transaction together with its event.
//!
//! One file per kind of row: `users` (accounts), `setup` (the first administrator's link),
//! `projects`, `members`, `entities` (plan entities one at a time), `content` (a project's whole
//! plan at once), `events` (the log every change writes to), `tokens`, `sessions` and
//! `rate_limits`. Each file turns its rows into values (`sqlx::FromRow`) and says what the event
//! log keeps of them (`events::Logged`). What they share is here: the column lists, version
//! checks, the project lock.
//!
//! A function that reads takes `db: impl Executor`: the pool for a call of its own, or
//! `&mut *tx` inside another call's transaction, so there is one query for both.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::Row as _;

use super::{begin_read, begin_write, Db, Row};
use crate::error::{Result, StoreError};
use crate::model::ProjectId;

pub(crate) type Pool = sqlx::Pool<Db>;
type Tx = sqlx::Transaction<'static, Db>;
type Now = DateTime<Utc>;
type QueryAs<'q, T> = sqlx::query::QueryAs<'q, Db, T, <Db as sqlx::Database>::Arguments<'q>>;

/// Rows per statement when a whole plan is written at once (well under both databases' limits on
/// bound parameters).
const BATCH_ROWS: usize = 200;

// The columns each row type is read from. They come before the modules so that every module can
// use them.

macro_rules! user_columns {
    () => {
        "id, name, display_name, email, is_admin, disabled, version, created_at, updated_at"
    };
}

/// The user columns of a join, as `u_id`, `u_name`, ... (see `users::user_from_row`).
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

pub(crate) mod content;
pub(crate) mod entities;
pub(crate) mod events;
pub(crate) mod members;
pub(crate) mod projects;
pub(crate) mod rate_limits;
pub(crate) mod sessions;
pub(crate) mod setup;
pub(crate) mod tokens;
pub(crate) mod users;

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
fn duplicate<E: Into<StoreError>>(what: impl FnOnce() -> String) -> impl FnOnce(E) -> StoreError {
    move |error| match error.into() {
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

/// A text column read as what it names: a role, an entity kind, an event action.
fn parsed<T>(row: &Row, column: &str) -> sqlx::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|error: T::Err| sqlx::Error::ColumnDecode {
            index: column.to_owned(),
            source: Box::new(error),
        })
}
