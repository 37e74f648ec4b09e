//! Projects: their rows and `[project]` fields, creating (with the owner), listing, updating
//! and deleting them.

use serde_json::{json, Value};
use sqlx::types::Json;
use sqlx::{Executor, FromRow, Row as _};

use super::content::{apply_content, check_content, read_content};
use super::events::{record, Change, Logged};
use super::members::insert_membership;
use super::{begin_write, check_version, lock_project, parsed, Db, Now, Pool, Row, Tx};
use crate::error::{Result, StoreError};
use crate::model::{
    page_size, project_name, Actor, Fields, PlanContent, Project, ProjectId, Role, UserId,
};

impl FromRow<'_, Row> for Project {
    fn from_row(row: &Row) -> sqlx::Result<Project> {
        let Json(fields) = row.try_get("fields")?;
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
}

impl Logged for Project {
    fn address(&self) -> (Option<ProjectId>, &'static str, String) {
        (Some(self.id), "project", self.id.to_string())
    }

    fn json(&self) -> Value {
        json!({ "id": self.id.0, "fields": self.fields, "version": self.version })
    }
}

/// Inserts a project and, for a user actor, their owner membership, with both events.
pub(super) async fn insert_project(
    tx: &mut Tx,
    now: Now,
    actor: Actor,
    fields: &Fields,
) -> Result<Project> {
    let name = project_name(fields)?;
    let project: Project = sqlx::query_as(concat!(
        "INSERT INTO projects (name, fields, version, revision, created_at, updated_at) \
         VALUES ($1, $2, 1, 1, $3, $3) RETURNING ",
        project_columns!()
    ))
    .bind(&name)
    .bind(Json(fields))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let mut changes = vec![Change::created(&project)];
    if let Actor::User(user) = actor {
        let membership = insert_membership(tx, now, project.id, user, Role::Owner).await?;
        changes.push(Change::created(&membership));
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

pub(crate) async fn project(
    db: impl Executor<'_, Database = Db>,
    id: ProjectId,
) -> Result<Project> {
    sqlx::query_as(concat!(
        "SELECT ",
        project_columns!(),
        " FROM projects WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("project"))
}

pub(crate) async fn projects(
    pool: &Pool,
    after: Option<ProjectId>,
    limit: u32,
) -> Result<Vec<Project>> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        project_columns!(),
        " FROM projects WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after.map_or(0, |id| id.0))
    .bind(page_size(limit))
    .fetch_all(pool)
    .await?)
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
    let projects = rows
        .iter()
        .map(|row| Ok((Project::from_row(row)?, parsed(row, "role")?)))
        .collect::<sqlx::Result<_>>()?;
    Ok(projects)
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
    let before = project(&mut *tx, id).await?;
    check_version(expected_version, before.version)?;
    let after = write_project_fields(&mut tx, now, &before, fields).await?;
    record(&mut tx, now, actor, &[Change::updated(&before, &after)]).await?;
    tx.commit().await?;
    Ok(after)
}

pub(super) async fn write_project_fields(
    tx: &mut Tx,
    now: Now,
    before: &Project,
    fields: &Fields,
) -> Result<Project> {
    Ok(sqlx::query_as(concat!(
        "UPDATE projects SET name = $1, fields = $2, version = version + 1, updated_at = $3 \
         WHERE id = $4 RETURNING ",
        project_columns!()
    ))
    .bind(project_name(fields)?)
    .bind(Json(fields))
    .bind(now)
    .bind(before.id.0)
    .fetch_one(&mut **tx)
    .await?)
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
    let before = project(&mut *tx, id).await?;
    check_version(expected_version, before.version)?;
    let content = read_content(&mut tx, &before).await?;
    sqlx::query("DELETE FROM projects WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let change = Change::deleted(&before).noting("content", content.to_json());
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(())
}
