//! Members: who belongs to a project with which role; a project keeps at least one owner.

use serde_json::{json, Value};
use sqlx::{FromRow, Row as _};

use super::events::{record, Change, Logged};
use super::projects::project;
use super::users::{user, WithUser};
use super::{begin_write, check_version, duplicate, lock_project, parsed, Now, Pool, Row, Tx};
use crate::error::{Result, StoreError};
use crate::model::{Actor, Membership, ProjectId, Role, User, UserId};

impl FromRow<'_, Row> for Membership {
    fn from_row(row: &Row) -> sqlx::Result<Membership> {
        Ok(Membership {
            project: ProjectId(row.try_get("project_id")?),
            user: UserId(row.try_get("user_id")?),
            role: parsed(row, "role")?,
            version: row.try_get("version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

impl Logged for Membership {
    fn address(&self) -> (Option<ProjectId>, &'static str, String) {
        (Some(self.project), "membership", self.user.to_string())
    }

    fn json(&self) -> Value {
        json!({
            "project_id": self.project.0,
            "user_id": self.user.0,
            "role": self.role.as_str(),
            "version": self.version,
        })
    }
}

pub(super) async fn insert_membership(
    tx: &mut Tx,
    now: Now,
    project: ProjectId,
    user: UserId,
    role: Role,
) -> Result<Membership> {
    sqlx::query_as(concat!(
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
    .map_err(duplicate(|| format!("membership of user {user}")))
}

pub(crate) async fn role(pool: &Pool, project: ProjectId, user: UserId) -> Result<Option<Role>> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2")
            .bind(project.0)
            .bind(user.0)
            .fetch_optional(pool)
            .await?;
    role.map(|role| role.parse()).transpose()
}

pub(crate) async fn members(pool: &Pool, project: ProjectId) -> Result<Vec<(Membership, User)>> {
    let members: Vec<WithUser<Membership>> = sqlx::query_as(concat!(
        "SELECT m.project_id, m.user_id, m.role, m.version, m.created_at, m.updated_at, ",
        joined_user_columns!(),
        " FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.project_id = $1 \
         ORDER BY m.user_id"
    ))
    .bind(project.0)
    .fetch_all(pool)
    .await?;
    if members.is_empty() {
        self::project(pool, project).await?;
    }
    Ok(members
        .into_iter()
        .map(|WithUser(membership, user)| (membership, user))
        .collect())
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
    self::user(&mut *tx, user).await?;
    let membership = insert_membership(&mut tx, now, project, user, role).await?;
    record(&mut tx, now, actor, &[Change::created(&membership)]).await?;
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
    let (mut tx, before) = begin_change(pool, project, user, expected_version).await?;
    let after = sqlx::query_as(concat!(
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
    let change = Change::updated(&before, &after);
    finish_change(tx, now, actor, &before, change).await?;
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
    let (mut tx, before) = begin_change(pool, project, user, expected_version).await?;
    sqlx::query("DELETE FROM memberships WHERE project_id = $1 AND user_id = $2")
        .bind(project.0)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    let change = Change::deleted(&before);
    finish_change(tx, now, actor, &before, change).await
}

/// Starts changing a membership: the project locked, the membership as it is, at
/// `expected_version`.
async fn begin_change(
    pool: &Pool,
    project: ProjectId,
    user: UserId,
    expected_version: i64,
) -> Result<(Tx, Membership)> {
    let mut tx = begin_write(pool).await?;
    lock_project(&mut tx, project).await?;
    let before: Membership = sqlx::query_as(concat!(
        "SELECT ",
        membership_columns!(),
        " FROM memberships WHERE project_id = $1 AND user_id = $2"
    ))
    .bind(project.0)
    .bind(user.0)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound("membership"))?;
    check_version(expected_version, before.version)?;
    Ok((tx, before))
}

/// Finishes changing a membership that was `before`: refused if an owner's change left the
/// project without owners, otherwise recorded and committed.
async fn finish_change(
    mut tx: Tx,
    now: Now,
    actor: Actor,
    before: &Membership,
    change: Change,
) -> Result<()> {
    if before.role == Role::Owner {
        keep_an_owner(&mut tx, before.project).await?;
    }
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses a change that leaves a project that had owners without any.
async fn keep_an_owner(tx: &mut Tx, project: ProjectId) -> Result<()> {
    let owners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE project_id = $1 AND role = 'owner'",
    )
    .bind(project.0)
    .fetch_one(&mut **tx)
    .await?;
    if owners == 0 {
        return Err(StoreError::Invalid(
            "a project keeps at least one owner".into(),
        ));
    }
    Ok(())
}
