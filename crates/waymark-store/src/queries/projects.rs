//! Projects: their rows and `[project]` fields, creating (with the owner), listing, updating
//! and deleting them.

use serde_json::{json, Value};
use sqlx::types::Json;
use sqlx::Row as _;

use super::content::{apply_content, check_content, read_content};
use super::events::{record, Change};
use super::members::{insert_membership, membership_json};
use super::{begin_write, check_version, lock_project, Now, Pool, Row, Tx};
use crate::error::{Result, StoreError};
use crate::model::{
    page_size, project_name, Actor, Fields, PlanContent, Project, ProjectId, Role, UserId,
};

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

pub(super) fn project_json(project: &Project) -> Value {
    json!({ "id": project.id.0, "fields": project.fields, "version": project.version })
}

pub(super) async fn fetch_project(tx: &mut Tx, id: ProjectId) -> Result<Project> {
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
pub(super) async fn insert_project(
    tx: &mut Tx,
    now: Now,
    actor: Actor,
    fields: &Fields,
) -> Result<Project> {
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

pub(super) async fn write_project_fields(
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
