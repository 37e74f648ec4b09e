//! A project's whole plan at once: reading it as the plan document or a snapshot, and writing
//! it (import, or replacing the content of an existing project) with one event per changed
//! object.

use std::collections::{HashMap, HashSet};

use sqlx::types::Json;
use sqlx::{QueryBuilder, Row as _};

use super::entities::{entity_from_row, entity_json, write_entity};
use super::events::{record, Change};
use super::projects::{fetch_project, project_json, write_project_fields};
use super::{begin_read, begin_write, check_version, lock_project, Db, Now, Pool, Tx, BATCH_ROWS};
use crate::error::{Result, StoreError};
use crate::model::{
    entity_columns, fold, project_name, Actor, ContentChanges, Entity, EntityKind, Fields,
    PlanContent, Project, ProjectId, ProjectSnapshot, POSITION_STEP,
};

/// Every entity of the project, each kind in `(position, key)` order.
pub(super) async fn read_content(tx: &mut Tx, project: &Project) -> Result<PlanContent> {
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
pub(super) fn check_content(content: &PlanContent) -> Result<()> {
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
pub(super) async fn apply_content(
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
