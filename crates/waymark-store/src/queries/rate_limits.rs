//! Rate limits: fixed-window counters of sign-in attempts, shared by every process on the
//! database.

use chrono::{DateTime, Utc};

use super::{Now, Pool};
use crate::auth;
use crate::error::Result;
use crate::model::check_text;

fn earlier(now: Now, window: chrono::Duration) -> Now {
    now.checked_sub_signed(window)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// What a rate-limit counter is stored under: the SHA-256 digest of its key, so a key of any
/// length (an attacker's 4 MB user name) takes 64 bytes and fits PostgreSQL's btree index.
fn rate_key(key: &str) -> String {
    auth::secret_digest(key)
}

pub(crate) async fn rate_limit_hit(
    pool: &Pool,
    now: Now,
    key: &str,
    window: chrono::Duration,
) -> Result<i64> {
    check_text("rate-limit key", key)?;
    // One atomic upsert: concurrent attempts from several processes each count once.
    let attempts = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
         attempts = CASE WHEN rate_limits.window_start <= $3 THEN 1 \
                         ELSE rate_limits.attempts + 1 END, \
         window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 \
                             ELSE rate_limits.window_start END \
         RETURNING attempts",
    )
    .bind(rate_key(key))
    .bind(now)
    .bind(earlier(now, window))
    .fetch_one(pool)
    .await?;
    Ok(attempts)
}

pub(crate) async fn rate_limit_count(
    pool: &Pool,
    now: Now,
    key: &str,
    window: chrono::Duration,
) -> Result<i64> {
    if check_text("rate-limit key", key).is_err() {
        return Ok(0);
    }
    let counter: Option<(Now, i64)> =
        sqlx::query_as("SELECT window_start, attempts FROM rate_limits WHERE key = $1")
            .bind(rate_key(key))
            .fetch_optional(pool)
            .await?;
    Ok(match counter {
        Some((window_start, attempts)) if window_start > earlier(now, window) => attempts,
        _ => 0,
    })
}

pub(crate) async fn rate_limit_reset(pool: &Pool, key: &str) -> Result<()> {
    if check_text("rate-limit key", key).is_err() {
        return Ok(());
    }
    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(rate_key(key))
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn purge_rate_limits(
    pool: &Pool,
    now: Now,
    window: chrono::Duration,
) -> Result<u64> {
    let result = sqlx::query("DELETE FROM rate_limits WHERE window_start <= $1")
        .bind(earlier(now, window))
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}
