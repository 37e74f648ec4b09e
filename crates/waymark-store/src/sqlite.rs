//! SQLite: opening the file with the durability settings (WAL, `synchronous=FULL`, foreign keys,
//! a busy timeout), its migrations, and how transactions begin. The queries themselves are in
//! `queries/`, compiled here with `Db = Sqlite`.

use std::str::FromStr;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::error::Result;
use crate::model::SqliteSettings;
use crate::StoreOptions;

pub(crate) type Db = Sqlite;
/// `Db`'s row, named so that the queries can implement `FromRow` for it.
pub(crate) type Row = sqlx::sqlite::SqliteRow;

// The same file is compiled once per backend on purpose (see lib.rs).
#[allow(clippy::duplicate_mod)]
#[path = "queries/mod.rs"]
pub(crate) mod queries;

pub(crate) async fn connect(url: &str, options: &StoreOptions) -> Result<SqlitePool> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let connect_options = if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url)?
    } else {
        SqliteConnectOptions::new().filename(url)
    };
    // WAL lets readers run beside the one writer; FULL syncs the WAL at every commit, so a write
    // that was acknowledged survives a killed process or a power cut (NORMAL would not, in WAL
    // mode). sqlx applies these to every connection it opens.
    let connect_options = connect_options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(options.busy_timeout);
    let pool_options = if in_memory {
        // Every connection to `:memory:` is a database of its own: keep exactly one, for ever.
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(options.max_connections.max(1))
    };
    Ok(pool_options.connect_with(connect_options).await?)
}

pub(crate) async fn migrate(pool: &SqlitePool) -> Result<()> {
    sqlx::migrate!("migrations/sqlite").run(pool).await?;
    Ok(())
}

/// A write transaction. `BEGIN IMMEDIATE` takes the write lock at once (waiting up to the busy
/// timeout): a deferred transaction that reads first and writes later can fail with
/// `SQLITE_BUSY` in WAL mode without waiting, when another writer committed in between.
pub(crate) async fn begin_write(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// A read transaction: every statement in it sees the same snapshot.
pub(crate) async fn begin_read(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>> {
    Ok(pool.begin().await?)
}

pub(crate) async fn settings(pool: &SqlitePool) -> Result<SqliteSettings> {
    let mut connection = pool.acquire().await?;
    let journal_mode = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *connection)
        .await?;
    let mut number = async |pragma: &str| -> Result<i64> {
        let query = format!("PRAGMA {pragma}");
        Ok(sqlx::query_scalar(&query)
            .fetch_one(&mut *connection)
            .await?)
    };
    Ok(SqliteSettings {
        journal_mode,
        synchronous: number("synchronous").await?,
        foreign_keys: number("foreign_keys").await? == 1,
        busy_timeout_ms: number("busy_timeout").await?,
    })
}
