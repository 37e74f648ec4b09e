//! The event log: the `Change` every write describes, `record`, which appends changes in the
//! writer's transaction, and reading the log back. What each kind of row puts in the log is its
//! `Logged` implementation, beside that row's queries; secrets (password hashes, token digests)
//! never go in.

use serde_json::Value;
use sqlx::types::Json;
use sqlx::{FromRow, QueryBuilder, Row as _};

use super::{begin_read, parsed, Db, Now, Pool, Row, Tx, BATCH_ROWS};
use crate::error::Result;
use crate::model::{page_size, Actor, Event, EventAction, EventId, ProjectId};

impl FromRow<'_, Row> for Event {
    fn from_row(row: &Row) -> sqlx::Result<Event> {
        let project: Option<i64> = row.try_get("project_id")?;
        let before: Option<Json<Value>> = row.try_get("before_data")?;
        let after: Option<Json<Value>> = row.try_get("after_data")?;
        Ok(Event {
            id: EventId(row.try_get("id")?),
            project: project.map(ProjectId),
            actor: Actor::from_user_id(row.try_get("actor_id")?),
            at: row.try_get("occurred_at")?,
            entity: row.try_get("entity")?,
            key: row.try_get("key")?,
            action: parsed(row, "action")?,
            before: before.map(|Json(value)| value),
            after: after.map(|Json(value)| value),
        })
    }
}

/// A row the event log describes.
pub(super) trait Logged {
    /// Where the log files it: the project (none for accounts and tokens), the kind of object
    /// (`user`, `task`, ...) and its key.
    fn address(&self) -> (Option<ProjectId>, &'static str, String);

    /// What the log keeps of it.
    fn json(&self) -> Value;
}

/// One event to record: an object created, updated or deleted, as it was and as it is.
pub(super) struct Change {
    project: Option<ProjectId>,
    entity: &'static str,
    key: String,
    action: EventAction,
    before: Option<Value>,
    after: Option<Value>,
}

impl Change {
    fn new(
        object: &impl Logged,
        action: EventAction,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Change {
        let (project, entity, key) = object.address();
        Change {
            project,
            entity,
            key,
            action,
            before,
            after,
        }
    }

    pub(super) fn created(after: &impl Logged) -> Change {
        Change::new(after, EventAction::Create, None, Some(after.json()))
    }

    pub(super) fn updated<T: Logged>(before: &T, after: &T) -> Change {
        let (before, after_json) = (before.json(), after.json());
        Change::new(after, EventAction::Update, Some(before), Some(after_json))
    }

    pub(super) fn deleted(before: &impl Logged) -> Change {
        Change::new(before, EventAction::Delete, Some(before.json()), None)
    }

    /// Adds `value` under `name` to the latest state the log keeps of the object: after the
    /// change, or before a deletion.
    pub(super) fn noting(mut self, name: &str, value: Value) -> Change {
        if let Some(Value::Object(object)) = self.after.as_mut().or(self.before.as_mut()) {
            object.insert(name.to_owned(), value);
        }
        self
    }
}

/// Appends events for `changes` inside the caller's transaction: the change and its record
/// commit together or not at all.
pub(super) async fn record(tx: &mut Tx, now: Now, actor: Actor, changes: &[Change]) -> Result<()> {
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

pub(crate) async fn project_events(
    pool: &Pool,
    project: ProjectId,
    after: Option<EventId>,
    limit: u32,
) -> Result<Vec<Event>> {
    events(pool, Some(project), after, limit).await
}

pub(crate) async fn all_events(
    pool: &Pool,
    after: Option<EventId>,
    limit: u32,
) -> Result<Vec<Event>> {
    events(pool, None, after, limit).await
}

/// Events in id order after `after`: a project's, or with `None` every event.
async fn events(
    pool: &Pool,
    project: Option<ProjectId>,
    after: Option<EventId>,
    limit: u32,
) -> Result<Vec<Event>> {
    let mut builder =
        QueryBuilder::<Db>::new(concat!("SELECT ", event_columns!(), " FROM events WHERE "));
    if let Some(project) = project {
        builder
            .push("project_id = ")
            .push_bind(project.0)
            .push(" AND ");
    }
    builder
        .push("id > ")
        .push_bind(after.map_or(0, |id| id.0))
        .push(" ORDER BY id LIMIT ")
        .push_bind(page_size(limit));
    Ok(builder.build_query_as().fetch_all(pool).await?)
}

/// A project's events at or after `since`, newest first, at most `limit` of them, and how many
/// there are in all. Both statements run in one read transaction, so the count and the list agree.
pub(crate) async fn events_since(
    pool: &Pool,
    project: ProjectId,
    since: Now,
    limit: u32,
) -> Result<(Vec<Event>, i64)> {
    let mut tx = begin_read(pool).await?;
    let events = sqlx::query_as(concat!(
        "SELECT ",
        event_columns!(),
        " FROM events WHERE project_id = $1 AND occurred_at >= $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(project.0)
    .bind(since)
    .bind(page_size(limit))
    .fetch_all(&mut *tx)
    .await?;
    let total = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE project_id = $1 AND occurred_at >= $2",
    )
    .bind(project.0)
    .bind(since)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((events, total))
}
