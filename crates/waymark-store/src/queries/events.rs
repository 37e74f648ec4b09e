//! The event log: the `Change` every write describes, `record`, which appends changes in the
//! writer's transaction, and reading the log back. What each kind of row puts in the log
//! (`user_json`, `entity_json`, ...) sits with that row's queries; secrets (password hashes, token
//! digests) never go in.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row as _};

use super::{begin_read, Db, Now, Pool, Row, Tx, BATCH_ROWS};
use crate::error::Result;
use crate::model::{page_size, Actor, Event, EventAction, EventId, ProjectId};

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

pub(super) struct Change {
    project: Option<ProjectId>,
    entity: &'static str,
    key: String,
    action: EventAction,
    before: Option<Value>,
    after: Option<Value>,
}

impl Change {
    pub(super) fn new(
        project: Option<ProjectId>,
        entity: &'static str,
        key: impl ToString,
    ) -> Change {
        Change {
            project,
            entity,
            key: key.to_string(),
            action: EventAction::Create,
            before: None,
            after: None,
        }
    }

    pub(super) fn created(mut self, after: Value) -> Change {
        self.action = EventAction::Create;
        self.after = Some(after);
        self
    }

    pub(super) fn updated(mut self, before: Value, after: Value) -> Change {
        self.action = EventAction::Update;
        self.before = Some(before);
        self.after = Some(after);
        self
    }

    pub(super) fn deleted(mut self, before: Value) -> Change {
        self.action = EventAction::Delete;
        self.before = Some(before);
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
