//! PostgreSQL: the pool, its migrations, and how transactions begin. The queries themselves are
//! in `queries/`, compiled here with `Db = Postgres`.
//!
//! A URL may choose a schema with `?options[search_path]=NAME` (percent-encoded:
//! `options%5Bsearch_path%5D=NAME`); the tests give each test a schema of its own that way.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use crate::error::Result;
use crate::StoreOptions;

pub(crate) type Db = Postgres;
/// `Db`'s row, named so that the queries can implement `FromRow` for it.
pub(crate) type Row = sqlx::postgres::PgRow;

// The same file is compiled once per backend on purpose (see lib.rs).
#[allow(clippy::duplicate_mod)]
#[path = "queries/mod.rs"]
pub(crate) mod queries;

pub(crate) async fn connect(url: &str, options: &StoreOptions) -> Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .connect(url)
        .await?)
}

pub(crate) async fn migrate(pool: &PgPool) -> Result<()> {
    sqlx::migrate!("migrations/postgres").run(pool).await?;
    Ok(())
}

/// A write transaction at READ COMMITTED: the first statement of every project change locks the
/// project row, so later statements see every change committed before it.
pub(crate) async fn begin_write(pool: &PgPool) -> Result<Transaction<'static, Postgres>> {
    Ok(pool.begin().await?)
}

/// A read transaction: REPEATABLE READ gives every statement in it the same snapshot.
pub(crate) async fn begin_read(pool: &PgPool) -> Result<Transaction<'static, Postgres>> {
    Ok(pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?)
}
