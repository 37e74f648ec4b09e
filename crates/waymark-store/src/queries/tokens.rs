//! API tokens: issuing (the secret is shown once; the database keeps its digest), listing,
//! revoking, and finding the token and user of a secret.

use serde_json::{json, Value};
use sqlx::{Executor, FromRow, Row as _};

use super::events::{record, Change, Logged};
use super::users::{user, WithUser};
use super::{begin_write, Db, Now, Pool, Row};
use crate::auth;
use crate::error::{Result, StoreError};
use crate::model::{check_text, Actor, ApiToken, Issued, ProjectId, TokenId, User, UserId};

/// How stale a token's `last_used_at` may get before a use writes it again.
const LAST_USED_GRANULARITY_SECONDS: i64 = 60;

impl FromRow<'_, Row> for ApiToken {
    fn from_row(row: &Row) -> sqlx::Result<ApiToken> {
        Ok(ApiToken {
            id: TokenId(row.try_get("id")?),
            user: UserId(row.try_get("user_id")?),
            name: row.try_get("name")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
            revoked_at: row.try_get("revoked_at")?,
            last_used_at: row.try_get("last_used_at")?,
        })
    }
}

impl Logged for ApiToken {
    fn address(&self) -> (Option<ProjectId>, &'static str, String) {
        (None, "token", self.id.to_string())
    }

    fn json(&self) -> Value {
        let time = |time: Option<Now>| time.map(|time| time.to_rfc3339());
        json!({
            "id": self.id.0,
            "user_id": self.user.0,
            "name": self.name,
            "expires_at": time(self.expires_at),
            "revoked_at": time(self.revoked_at),
        })
    }
}

pub(crate) async fn create_token(
    pool: &Pool,
    now: Now,
    actor: Actor,
    user: UserId,
    name: &str,
    expires_at: Option<Now>,
) -> Result<Issued<ApiToken>> {
    check_text("token name", name)?;
    let secret = auth::new_secret(auth::TOKEN_PREFIX);
    let mut tx = begin_write(pool).await?;
    self::user(&mut *tx, user).await?;
    let token: ApiToken = sqlx::query_as(concat!(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING ",
        token_columns!()
    ))
    .bind(user.0)
    .bind(name)
    .bind(auth::secret_digest(&secret))
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    record(&mut tx, now, actor, &[Change::created(&token)]).await?;
    tx.commit().await?;
    Ok(Issued {
        secret,
        record: token,
    })
}

pub(crate) async fn token(db: impl Executor<'_, Database = Db>, id: TokenId) -> Result<ApiToken> {
    sqlx::query_as(concat!(
        "SELECT ",
        token_columns!(),
        " FROM api_tokens WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(db)
    .await?
    .ok_or(StoreError::NotFound("token"))
}

pub(crate) async fn tokens(pool: &Pool, user: UserId) -> Result<Vec<ApiToken>> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        token_columns!(),
        " FROM api_tokens WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user.0)
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn revoke_token(
    pool: &Pool,
    now: Now,
    actor: Actor,
    id: TokenId,
) -> Result<ApiToken> {
    let mut tx = begin_write(pool).await?;
    let before = token(&mut *tx, id).await?;
    if before.revoked() {
        return Ok(before);
    }
    let after = sqlx::query_as(concat!(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 RETURNING ",
        token_columns!()
    ))
    .bind(now)
    .bind(id.0)
    .fetch_one(&mut *tx)
    .await?;
    record(&mut tx, now, actor, &[Change::updated(&before, &after)]).await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn authenticate_token(
    pool: &Pool,
    now: Now,
    secret: &str,
) -> Result<Option<(ApiToken, User)>> {
    if !secret.starts_with(auth::TOKEN_PREFIX) {
        return Ok(None);
    }
    let found: Option<WithUser<ApiToken>> = sqlx::query_as(concat!(
        "SELECT t.id, t.user_id, t.name, t.created_at, t.expires_at, t.revoked_at, \
         t.last_used_at, ",
        joined_user_columns!(),
        " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
    ))
    .bind(auth::secret_digest(secret))
    .fetch_optional(pool)
    .await?;
    let Some(WithUser(mut token, user)) = found else {
        return Ok(None);
    };
    let expired = token.expires_at.is_some_and(|expires| expires <= now);
    if token.revoked() || expired || user.disabled {
        return Ok(None);
    }
    let stale = token
        .last_used_at
        .is_none_or(|used| (now - used).num_seconds() >= LAST_USED_GRANULARITY_SECONDS);
    if stale {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(token.id.0)
            .execute(pool)
            .await?;
        token.last_used_at = Some(now);
    }
    Ok(Some((token, user)))
}
