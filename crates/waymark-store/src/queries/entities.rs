//! Plan entities: calendars, resources, tasks and risks, and any kind to come. Every kind is a
//! row of the one `entities` table, keyed by project, kind and plan-file id, with the plan-file
//! table as JSON `data`; so every kind goes through the same queries, which take the kind as a
//! value. A new kind is a variant of `EntityKind` and a migration that lets the `kind` column
//! hold it, not new queries.
//!
//! The queries here read and write entities; `content.rs` uses them for whole plans.

use serde_json::{json, Value};
use sqlx::types::Json;
use sqlx::{Executor, FromRow, QueryBuilder, Row as _};

use super::events::{record, Change, Logged};
use super::projects::project;
use super::{
    begin_write, check_version, duplicate, lock_project, parsed, Db, Now, Pool, Row, Tx, BATCH_ROWS,
};
use crate::error::{Result, StoreError};
use crate::model::{
    check_key, check_text, contains_pattern, entity_columns, fold, page_size, Actor, Entity,
    EntityCursor, EntityKind, EntityQuery, EntityUpdate, Fields, NewEntity, Page, ParentFilter,
    ProjectId, POSITION_STEP,
};

impl FromRow<'_, Row> for Entity {
    fn from_row(row: &Row) -> sqlx::Result<Entity> {
        let Json(data) = row.try_get("data")?;
        Ok(Entity {
            project: ProjectId(row.try_get("project_id")?),
            kind: parsed(row, "kind")?,
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
}

impl Logged for Entity {
    fn address(&self) -> (Option<ProjectId>, &'static str, String) {
        (Some(self.project), self.kind.as_str(), self.key.clone())
    }

    fn json(&self) -> Value {
        json!({
            "key": self.key,
            "position": self.position,
            "version": self.version,
            "data": self.data,
        })
    }
}

// Reading.

/// One entity; `NotFound` names its kind.
pub(crate) async fn entity(
    db: impl Executor<'_, Database = Db>,
    project: ProjectId,
    kind: EntityKind,
    key: &str,
) -> Result<Entity> {
    if check_key(key).is_err() {
        return Err(StoreError::NotFound(kind.as_str()));
    }
    sqlx::query_as(concat!(
        "SELECT ",
        entity_select!(),
        " FROM entities WHERE project_id = $1 AND kind = $2 AND key = $3"
    ))
    .bind(project.0)
    .bind(kind.as_str())
    .bind(key)
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound(kind.as_str()))
}

/// Every entity of a project, of every kind, in `(position, key)` order.
pub(super) async fn project_entities(
    db: impl Executor<'_, Database = Db>,
    project: ProjectId,
) -> Result<Vec<Entity>> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        entity_select!(),
        " FROM entities WHERE project_id = $1 ORDER BY position, key"
    ))
    .bind(project.0)
    .fetch_all(db)
    .await?)
}

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
    let mut items: Vec<Entity> = builder.build_query_as().fetch_all(pool).await?;
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
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM entities WHERE project_id = $1 AND kind = $2")
            .bind(project.0)
            .bind(kind.as_str())
            .fetch_one(pool)
            .await?,
    )
}

// Writing: the three statements every change to entities is made of.

/// A new entity, as `insert_entities` will write it: version 1, created `now`. `(name, parent)`
/// are its columns as `entity_columns` found them.
pub(super) fn new_entity(
    now: Now,
    project: ProjectId,
    kind: EntityKind,
    key: &str,
    (name, parent): (String, Option<String>),
    position: i64,
    data: &Fields,
) -> Entity {
    Entity {
        project,
        kind,
        key: key.to_owned(),
        name,
        parent,
        position,
        data: data.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Inserts new entities, as many as there are, a batch of rows per statement.
pub(super) async fn insert_entities(tx: &mut Tx, entities: &[Entity]) -> Result<()> {
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

/// Gives an entity new data (and with it a new name and parent, `(name, parent)` as
/// `entity_columns` found them) and a position; its version goes up by one.
pub(super) async fn write_entity(
    tx: &mut Tx,
    now: Now,
    old: &Entity,
    (name, parent): &(String, Option<String>),
    position: i64,
    data: &Fields,
) -> Result<Entity> {
    Ok(sqlx::query_as(concat!(
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
    .await?)
}

/// Deletes entities of one kind by key, a batch of keys per statement.
pub(super) async fn delete_entities(
    tx: &mut Tx,
    project: ProjectId,
    kind: EntityKind,
    keys: &[&str],
) -> Result<()> {
    for chunk in keys.chunks(BATCH_ROWS) {
        let mut builder = QueryBuilder::<Db>::new("DELETE FROM entities WHERE project_id = ");
        builder
            .push_bind(project.0)
            .push(" AND kind = ")
            .push_bind(kind.as_str())
            .push(" AND key IN (");
        let mut separated = builder.separated(", ");
        for key in chunk {
            separated.push_bind(*key);
        }
        builder.push(")");
        builder.build().execute(&mut **tx).await?;
    }
    Ok(())
}

// The calls that change one entity.

pub(crate) async fn create_entity(
    pool: &Pool,
    now: Now,
    actor: Actor,
    project: ProjectId,
    kind: EntityKind,
    new: &NewEntity,
) -> Result<Entity> {
    let columns = entity_columns(kind, &new.key, &new.data)?;
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, project).await?;
    let position = match new.position {
        Some(position) => position,
        None => {
            let last: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(position), 0) FROM entities \
                 WHERE project_id = $1 AND kind = $2",
            )
            .bind(project.0)
            .bind(kind.as_str())
            .fetch_one(&mut *tx)
            .await?;
            last.saturating_add(POSITION_STEP)
        }
    };
    let entity = new_entity(now, project, kind, &new.key, columns, position, &new.data);
    insert_entities(&mut tx, std::slice::from_ref(&entity))
        .await
        .map_err(duplicate(|| format!("{kind} `{}`", new.key)))?;
    record(&mut tx, now, actor, &[Change::created(&entity)]).await?;
    tx.commit().await?;
    Ok(entity)
}

/// Starts changing an entity: the project locked, the entity as it is, at `expected_version`.
/// A key that cannot exist is `NotFound` before anything is locked.
async fn begin_change(
    pool: &Pool,
    project: ProjectId,
    kind: EntityKind,
    key: &str,
    expected_version: i64,
) -> Result<(Tx, Entity)> {
    if check_key(key).is_err() {
        return Err(StoreError::NotFound(kind.as_str()));
    }
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, project).await?;
    let before = entity(&mut *tx, project, kind, key).await?;
    check_version(expected_version, before.version)?;
    Ok((tx, before))
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
    let columns = entity_columns(kind, key, &update.data)?;
    let (mut tx, before) = begin_change(pool, project, kind, key, expected_version).await?;
    let position = update.position.unwrap_or(before.position);
    let after = write_entity(&mut tx, now, &before, &columns, position, &update.data).await?;
    record(&mut tx, now, actor, &[Change::updated(&before, &after)]).await?;
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
    let (mut tx, before) = begin_change(pool, project, kind, key, expected_version).await?;
    delete_entities(&mut tx, project, kind, &[key]).await?;
    record(&mut tx, now, actor, &[Change::deleted(&before)]).await?;
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
    for ((kind, key, data), columns) in updates.iter().zip(&columns) {
        let before = entity(&mut *tx, project, *kind, key).await?;
        if before.data == *data {
            entities.push(before);
            continue;
        }
        let after = write_entity(&mut tx, now, &before, columns, before.position, data).await?;
        changes.push(Change::updated(&before, &after));
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
