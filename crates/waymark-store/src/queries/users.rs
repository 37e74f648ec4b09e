//! Accounts: creating, finding and listing users, their editable fields and their password.

use serde_json::{json, Value};
use sqlx::{Executor, FromRow, Row as _};

use super::events::{record, Change, Logged};
use super::{begin_write, check_version, duplicate, Db, Now, Pool, QueryAs, Row, Tx};
use crate::error::{Result, StoreError};
use crate::model::{
    check_text, page_size, Actor, NewUser, ProjectId, User, UserId, UserUpdate, MAX_USER_NAME,
};

impl FromRow<'_, Row> for User {
    fn from_row(row: &Row) -> sqlx::Result<User> {
        user_from_row(row, "")
    }
}

/// A user from the columns `{prefix}id`, `{prefix}name`, ...: a join names them `u_id`, ...
/// (`joined_user_columns!`) to keep them apart from its other table's.
fn user_from_row(row: &Row, prefix: &str) -> sqlx::Result<User> {
    let column = |name: &str| format!("{prefix}{name}");
    Ok(User {
        id: UserId(row.try_get(column("id").as_str())?),
        name: row.try_get(column("name").as_str())?,
        display_name: row.try_get(column("display_name").as_str())?,
        email: row.try_get(column("email").as_str())?,
        is_admin: row.try_get(column("is_admin").as_str())?,
        disabled: row.try_get(column("disabled").as_str())?,
        version: row.try_get(column("version").as_str())?,
        created_at: row.try_get(column("created_at").as_str())?,
        updated_at: row.try_get(column("updated_at").as_str())?,
    })
}

/// A row of `T` joined with its user's columns (`joined_user_columns!`).
pub(super) struct WithUser<T>(pub(super) T, pub(super) User);

impl<'r, T: FromRow<'r, Row>> FromRow<'r, Row> for WithUser<T> {
    fn from_row(row: &'r Row) -> sqlx::Result<WithUser<T>> {
        Ok(WithUser(T::from_row(row)?, user_from_row(row, "u_")?))
    }
}

impl Logged for User {
    fn address(&self) -> (Option<ProjectId>, &'static str, String) {
        (None, "user", self.id.to_string())
    }

    fn json(&self) -> Value {
        json!({
            "id": self.id.0,
            "name": self.name,
            "display_name": self.display_name,
            "email": self.email,
            "is_admin": self.is_admin,
            "disabled": self.disabled,
            "version": self.version,
        })
    }
}

fn check_user_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.chars().count() > MAX_USER_NAME
        || name.chars().any(|c| c.is_control())
    {
        return Err(StoreError::Invalid(
            "a user name has 1 to 100 characters and no control characters".into(),
        ));
    }
    if name.trim() != name {
        return Err(StoreError::Invalid(
            "a user name does not start or end with a space".into(),
        ));
    }
    Ok(())
}

pub(super) fn check_new_user(new: &NewUser) -> Result<()> {
    check_user_name(&new.name)?;
    check_text("display name", &new.display_name)?;
    check_text("email", new.email.as_deref().unwrap_or_default())?;
    check_text(
        "password hash",
        new.password_hash.as_deref().unwrap_or_default(),
    )
}

pub(super) async fn insert_user(
    tx: &mut Tx,
    now: Now,
    actor: Actor,
    new: &NewUser,
) -> Result<User> {
    let user: User = sqlx::query_as(concat!(
        "INSERT INTO users \
         (name, display_name, email, password_hash, is_admin, disabled, version, created_at, \
         updated_at) \
         VALUES ($1, $2, $3, $4, $5, FALSE, 1, $6, $6) RETURNING ",
        user_columns!()
    ))
    .bind(&new.name)
    .bind(&new.display_name)
    .bind(&new.email)
    .bind(&new.password_hash)
    .bind(new.is_admin)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(duplicate(|| format!("user `{}`", new.name)))?;
    record(tx, now, actor, &[Change::created(&user)]).await?;
    Ok(user)
}

pub(crate) async fn create_user(
    pool: &Pool,
    now: Now,
    actor: Actor,
    new: &NewUser,
) -> Result<User> {
    check_new_user(new)?;
    let mut tx = begin_write(pool).await?;
    let user = insert_user(&mut tx, now, actor, new).await?;
    tx.commit().await?;
    Ok(user)
}

pub(crate) async fn user(db: impl Executor<'_, Database = Db>, id: UserId) -> Result<User> {
    sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("user"))
}

pub(crate) async fn user_by_name(pool: &Pool, name: &str) -> Result<User> {
    if check_text("name", name).is_err() {
        return Err(StoreError::NotFound("user"));
    }
    sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("user"))
}

pub(crate) async fn users(pool: &Pool, after: Option<UserId>, limit: u32) -> Result<Vec<User>> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after.map_or(0, |id| id.0))
    .bind(page_size(limit))
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn user_count(db: impl Executor<'_, Database = Db>) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await?)
}

pub(crate) async fn credentials(pool: &Pool, name: &str) -> Result<Option<(User, String)>> {
    if check_text("name", name).is_err() {
        return Ok(None);
    }
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        ", password_hash FROM users WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let hash: Option<String> = row.try_get("password_hash")?;
    Ok(match hash {
        Some(hash) => Some((User::from_row(&row)?, hash)),
        None => None,
    })
}

/// Runs `update`, an `UPDATE users ... WHERE id = $N AND version = $M RETURNING` the user
/// columns, and answers the user as written. When it writes nothing, someone else changed the
/// user between our read and our write (PostgreSQL): `Stale`.
async fn write_user(
    tx: &mut Tx,
    id: UserId,
    expected_version: i64,
    update: QueryAs<'_, User>,
) -> Result<User> {
    match update.fetch_optional(&mut **tx).await? {
        Some(user) => Ok(user),
        None => Err(StoreError::Stale {
            expected: expected_version,
            current: user(&mut **tx, id).await?.version,
        }),
    }
}

pub(crate) async fn update_user(
    pool: &Pool,
    now: Now,
    actor: Actor,
    id: UserId,
    expected_version: i64,
    update: &UserUpdate,
) -> Result<User> {
    check_text("display name", &update.display_name)?;
    check_text("email", update.email.as_deref().unwrap_or_default())?;
    let mut tx = begin_write(pool).await?;
    let before = user(&mut *tx, id).await?;
    check_version(expected_version, before.version)?;
    let update = sqlx::query_as(concat!(
        "UPDATE users SET display_name = $1, email = $2, is_admin = $3, disabled = $4, \
         version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7 RETURNING ",
        user_columns!()
    ))
    .bind(&update.display_name)
    .bind(&update.email)
    .bind(update.is_admin)
    .bind(update.disabled)
    .bind(now)
    .bind(id.0)
    .bind(expected_version);
    let after = write_user(&mut tx, id, expected_version, update).await?;
    record(&mut tx, now, actor, &[Change::updated(&before, &after)]).await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets the password hash and revokes every session of the user, in one transaction; the event
/// says the password changed, never what it is.
pub(crate) async fn set_password(
    pool: &Pool,
    now: Now,
    actor: Actor,
    id: UserId,
    expected_version: i64,
    password_hash: &str,
) -> Result<User> {
    check_text("password hash", password_hash)?;
    let mut tx = begin_write(pool).await?;
    let before = user(&mut *tx, id).await?;
    check_version(expected_version, before.version)?;
    let update = sqlx::query_as(concat!(
        "UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 RETURNING ",
        user_columns!()
    ))
    .bind(password_hash)
    .bind(now)
    .bind(id.0)
    .bind(expected_version);
    let after = write_user(&mut tx, id, expected_version, update).await?;
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let change = Change::updated(&before, &after).noting("password_changed", Value::Bool(true));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(after)
}
