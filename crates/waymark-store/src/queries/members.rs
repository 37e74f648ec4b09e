//! Members: who belongs to a project with which role; a project keeps at least one owner.

use serde_json::{json, Value};
use sqlx::Row as _;

use super::events::{record, Change};
use super::users::{fetch_user, user_from_row};
use super::{begin_write, check_version, duplicate, lock_project, Now, Pool, Row, Tx};
use crate::error::{Result, StoreError};
use crate::model::{Actor, Membership, ProjectId, Role, User, UserId};

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

pub(super) fn membership_json(membership: &Membership) -> Value {
    json!({
        "project_id": membership.project.0,
        "user_id": membership.user.0,
        "role": membership.role.as_str(),
        "version": membership.version,
    })
}

pub(super) async fn insert_membership(
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
        super::projects::project(pool, project).await?;
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
