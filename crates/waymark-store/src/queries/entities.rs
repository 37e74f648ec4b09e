//! Plan entities one at a time (calendars, resources, tasks and risks: every kind goes through
//! the same queries, keyed by project, kind and plan-file id), pages of them, and a batch of
//! updates checked against the project's revision.

use serde_json::{json, Value};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row as _};

use super::events::{record, Change};
use super::{begin_write, check_version, duplicate, lock_project, Db, Now, Pool, Row, Tx};
use crate::error::{Result, StoreError};
use crate::model::{
    check_key, check_text, contains_pattern, entity_columns, fold, page_size, Actor, Entity,
    EntityCursor, EntityKind, EntityQuery, EntityUpdate, Fields, NewEntity, Page, ParentFilter,
    ProjectId, POSITION_STEP,
};

pub(super) fn entity_from_row(row: &Row) -> Result<Entity> {
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

pub(super) fn entity_json(entity: &Entity) -> Value {
    json!({
        "key": entity.key,
        "position": entity.position,
        "version": entity.version,
        "data": entity.data,
    })
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
        super::projects::project(pool, project).await?;
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
        super::projects::project(pool, project).await?;
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

pub(super) async fn fetch_entity(
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

pub(super) async fn write_entity(
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
