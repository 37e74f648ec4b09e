//! Accounts: creating, finding and listing users, their editable fields and their password.

use serde_json::{json, Value};
use sqlx::Row as _;

use super::events::{record, Change};
use super::{begin_write, check_version, duplicate, Now, Pool, Row, Tx};
use crate::error::{Result, StoreError};
use crate::model::{
    check_text, page_size, Actor, NewUser, User, UserId, UserUpdate, MAX_USER_NAME,
};

pub(super) fn user_from_row(row: &Row, prefix: &str) -> Result<User> {
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

fn user_json(user: &User) -> Value {
    json!({
        "id": user.id.0,
        "name": user.name,
        "display_name": user.display_name,
        "email": user.email,
        "is_admin": user.is_admin,
        "disabled": user.disabled,
        "version": user.version,
    })
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

pub(super) async fn fetch_user(tx: &mut Tx, id: UserId) -> Result<User> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound("user"))?;
    user_from_row(&row, "")
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
    let row = sqlx::query(concat!(
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
    let user = user_from_row(&row, "")?;
    let change = Change::new(None, "user", user.id).created(user_json(&user));
    record(tx, now, actor, &[change]).await?;
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

pub(super) async fn count_users(tx: &mut Tx) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get(0)?)
}

pub(crate) async fn user(pool: &Pool, id: UserId) -> Result<User> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("user"))?;
    user_from_row(&row, "")
}

pub(crate) async fn user_by_name(pool: &Pool, name: &str) -> Result<User> {
    if check_text("name", name).is_err() {
        return Err(StoreError::NotFound("user"));
    }
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("user"))?;
    user_from_row(&row, "")
}

pub(crate) async fn users(pool: &Pool, after: Option<UserId>, limit: u32) -> Result<Vec<User>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after.map_or(0, |id| id.0))
    .bind(page_size(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(|row| user_from_row(row, "")).collect()
}

pub(crate) async fn user_count(pool: &Pool) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get(0)?)
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
        Some(hash) => Some((user_from_row(&row, "")?, hash)),
        None => None,
    })
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
    let before = fetch_user(&mut tx, id).await?;
    check_version(expected_version, before.version)?;
    let row = sqlx::query(concat!(
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
    .bind(expected_version)
    .fetch_optional(&mut *tx)
    .await?;
    let after = match row {
        Some(row) => user_from_row(&row, "")?,
        // Changed by someone else between our read and our write (PostgreSQL).
        None => {
            let current = fetch_user(&mut tx, id).await?;
            return Err(StoreError::Stale {
                expected: expected_version,
                current: current.version,
            });
        }
    };
    let change = Change::new(None, "user", id).updated(user_json(&before), user_json(&after));
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(after)
}

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
    let before = fetch_user(&mut tx, id).await?;
    check_version(expected_version, before.version)?;
    let row = sqlx::query(concat!(
        "UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 RETURNING ",
        user_columns!()
    ))
    .bind(password_hash)
    .bind(now)
    .bind(id.0)
    .bind(expected_version)
    .fetch_optional(&mut *tx)
    .await?;
    let after = match row {
        Some(row) => user_from_row(&row, "")?,
        None => {
            let current = fetch_user(&mut tx, id).await?;
            return Err(StoreError::Stale {
                expected: expected_version,
                current: current.version,
            });
        }
    };
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let mut after_json = user_json(&after);
    after_json["password_changed"] = Value::Bool(true);
    let change = Change::new(None, "user", id).updated(user_json(&before), after_json);
    record(&mut tx, now, actor, &[change]).await?;
    tx.commit().await?;
    Ok(after)
}
