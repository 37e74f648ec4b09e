//! The one-time setup links that create the first administrator on a database without accounts.

use super::users::{check_new_user, insert_user, user_count};
use super::{begin_write, Now, Pool};
use crate::auth;
use crate::error::{Result, StoreError};
use crate::model::{Actor, Issued, NewUser, User};

pub(crate) async fn create_setup_token(
    pool: &Pool,
    now: Now,
    lifetime: chrono::Duration,
) -> Result<Option<Issued<Now>>> {
    let expires_at = now
        .checked_add_signed(lifetime)
        .ok_or_else(|| StoreError::Invalid("setup link lifetime out of range".into()))?;
    let mut tx = begin_write(pool).await?;
    if user_count(&mut *tx).await? > 0 {
        return Ok(None);
    }
    let secret = auth::new_secret("");
    sqlx::query(
        "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(auth::secret_digest(&secret))
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Issued {
        secret,
        record: expires_at,
    }))
}

pub(crate) async fn complete_setup(
    pool: &Pool,
    now: Now,
    secret: &str,
    new: &NewUser,
) -> Result<User> {
    check_new_user(new)?;
    let mut tx = begin_write(pool).await?;
    // Take every setup token at once: of two links used at the same moment (on PostgreSQL, from
    // two processes), the second waits for the first's rows and then finds none.
    let links: Vec<(String, Now)> =
        sqlx::query_as("DELETE FROM setup_tokens RETURNING token_hash, expires_at")
            .fetch_all(&mut *tx)
            .await?;
    let digest = auth::secret_digest(secret);
    let valid = links
        .iter()
        .any(|(hash, expires_at)| *hash == digest && *expires_at > now);
    if !valid {
        // Rolling back keeps the other links usable.
        return Err(StoreError::NotFound("setup token"));
    }
    if user_count(&mut *tx).await? > 0 {
        // Someone made an account another way: every link is spent.
        tx.commit().await?;
        return Err(StoreError::NotFound("setup token"));
    }
    let admin = NewUser {
        is_admin: true,
        ..new.clone()
    };
    let user = insert_user(&mut tx, now, Actor::System, &admin).await?;
    tx.commit().await?;
    Ok(user)
}
