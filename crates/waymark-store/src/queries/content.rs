//! A project's whole plan at once: reading it as the plan document or a snapshot, and writing
//! it (import, or replacing the content of an existing project) with one event per changed
//! object. Built on the entity queries of `entities.rs`, for every kind alike.

use std::collections::{HashMap, HashSet};

use super::entities::{
    delete_entities, insert_entities, new_entity, project_entities, write_entity,
};
use super::events::{record, Change};
use super::projects::{project, write_project_fields};
use super::{begin_read, begin_write, check_version, lock_project, Now, Pool, Tx};
use crate::error::{Result, StoreError};
use crate::model::{
    entity_columns, project_name, Actor, ContentChanges, Entity, EntityKind, PlanContent, Project,
    ProjectId, ProjectSnapshot, POSITION_STEP,
};

/// The plan document of `project` made of its entities (in `(position, key)` order).
fn document(project: &Project, entities: &[Entity]) -> PlanContent {
    let mut content = PlanContent {
        project: project.fields.clone(),
        ..PlanContent::default()
    };
    for entity in entities {
        content
            .entities_mut(entity.kind)
            .push((entity.key.clone(), entity.data.clone()));
    }
    content
}

/// Every entity of the project, each kind in `(position, key)` order.
pub(super) async fn read_content(tx: &mut Tx, project: &Project) -> Result<PlanContent> {
    let entities = project_entities(&mut **tx, project.id).await?;
    Ok(document(project, &entities))
}

pub(crate) async fn project_document(pool: &Pool, id: ProjectId) -> Result<PlanContent> {
    let mut tx = begin_read(pool).await?;
    let project = project(&mut *tx, id).await?;
    let content = read_content(&mut tx, &project).await?;
    tx.commit().await?;
    Ok(content)
}

pub(crate) async fn project_snapshot(pool: &Pool, id: ProjectId) -> Result<ProjectSnapshot> {
    let mut tx = begin_read(pool).await?;
    let project = project(&mut *tx, id).await?;
    let entities = project_entities(&mut *tx, id).await?;
    tx.commit().await?;
    let content = document(&project, &entities);
    let tasks = entities
        .into_iter()
        .filter(|entity| entity.kind == EntityKind::Task)
        .collect();
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
    let project = project(&mut *tx, id).await?;
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
        changes.push(Change::updated(project, &after));
    }
    let mut stored: HashMap<EntityKind, HashMap<String, Entity>> = HashMap::new();
    for entity in project_entities(&mut **tx, project.id).await? {
        stored
            .entry(entity.kind)
            .or_default()
            .insert(entity.key.clone(), entity);
    }
    for kind in EntityKind::ALL {
        let mut existing = stored.remove(&kind).unwrap_or_default();
        let mut inserts = Vec::new();
        for (index, (key, data)) in content.entities(kind).iter().enumerate() {
            let position = (index as i64 + 1) * POSITION_STEP;
            let columns = entity_columns(kind, key, data)?;
            match existing.remove(key) {
                Some(old) if old.data == *data && old.position == position => {
                    summary.unchanged += 1;
                }
                Some(old) => {
                    let new = write_entity(tx, now, &old, &columns, position, data).await?;
                    changes.push(Change::updated(&old, &new));
                    summary.updated += 1;
                }
                None => {
                    let entity = new_entity(now, project.id, kind, key, columns, position, data);
                    changes.push(Change::created(&entity));
                    inserts.push(entity);
                }
            }
        }
        summary.created += inserts.len();
        insert_entities(tx, &inserts).await?;
        let mut removed: Vec<Entity> = existing.into_values().collect();
        removed.sort_by(|a, b| (a.position, &a.key).cmp(&(b.position, &b.key)));
        let keys: Vec<&str> = removed.iter().map(|entity| entity.key.as_str()).collect();
        delete_entities(tx, project.id, kind, &keys).await?;
        summary.deleted += removed.len();
        changes.extend(removed.iter().map(Change::deleted));
    }
    record(tx, now, actor, &changes).await?;
    Ok(summary)
}
