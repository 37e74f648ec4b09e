//! Cookie sessions: issued to a user, found by the cookie value (kept as a digest), revoked one
//! at a time or all of a user's, purged once expired.

use sqlx::{FromRow, Row as _};

use super::users::{user, WithUser};
use super::{begin_write, Now, Pool, Row};
use crate::auth;
use crate::error::{Result, StoreError};
use crate::model::{Issued, Session, User, UserId};

/// A session as stored: the session, and when it was signed out.
struct Stored {
    session: Session,
    revoked_at: Option<Now>,
}

impl FromRow<'_, Row> for Stored {
    fn from_row(row: &Row) -> sqlx::Result<Stored> {
        Ok(Stored {
            session: Session {
                user: UserId(row.try_get("user_id")?),
                csrf_token: row.try_get("csrf_token")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
            },
            revoked_at: row.try_get("revoked_at")?,
        })
    }
}

pub(crate) async fn create_session(
    pool: &Pool,
    now: Now,
    user: UserId,
    lifetime: chrono::Duration,
) -> Result<Issued<Session>> {
    let secret = auth::new_secret("");
    let session = Session {
        user,
        csrf_token: auth::new_secret(""),
        created_at: now,
        expires_at: now
            .checked_add_signed(lifetime)
            .ok_or_else(|| StoreError::Invalid("session lifetime out of range".into()))?,
    };
    let mut tx = begin_write(pool).await?;
    self::user(&mut *tx, user).await?;
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(auth::secret_digest(&secret))
    .bind(user.0)
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Issued {
        secret,
        record: session,
    })
}

pub(crate) async fn session(
    pool: &Pool,
    now: Now,
    secret: &str,
) -> Result<Option<(Session, User)>> {
    let found: Option<WithUser<Stored>> = sqlx::query_as(concat!(
        "SELECT s.user_id, s.csrf_token, s.created_at, s.expires_at, s.revoked_at, ",
        joined_user_columns!(),
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
    ))
    .bind(auth::secret_digest(secret))
    .fetch_optional(pool)
    .await?;
    let Some(WithUser(
        Stored {
            session,
            revoked_at,
        },
        user,
    )) = found
    else {
        return Ok(None);
    };
    if revoked_at.is_some() || session.expires_at <= now || user.disabled {
        return Ok(None);
    }
    Ok(Some((session, user)))
}

pub(crate) async fn revoke_session(pool: &Pool, now: Now, secret: &str) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 \
         WHERE id_hash = $2 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(auth::secret_digest(secret))
    .execute(pool)
    .await?;
    Ok(result.rows_affected() > 0)
}

pub(crate) async fn revoke_user_sessions(pool: &Pool, now: Now, user: UserId) -> Result<u64> {
    let result = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 \
         WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(user.0)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

pub(crate) async fn purge_sessions(pool: &Pool, now: Now) -> Result<u64> {
    let result =
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR revoked_at IS NOT NULL")
            .bind(now)
            .execute(pool)
            .await?;
    Ok(result.rows_affected())
}
