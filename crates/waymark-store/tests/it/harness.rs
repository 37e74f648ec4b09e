//! A fresh, migrated database per test, a clock the test moves, and a side door for raw SQL
//! (to look at what is stored, or to break the database on purpose).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};
use sqlx::Row;
use waymark_store::{
    Actor, Clock, Entity, EntityKind, EntityUpdate, Fields, NewEntity, NewUser, Project, ProjectId,
    Store, StoreError, User,
};

/// What tests see as "now" until they move it: Monday 2027-01-04 09:00 UTC.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 4, 9, 0, 0).unwrap()
}

enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Evaluates `$body` with `$pool` bound to the raw pool, whichever database it is.
macro_rules! with_raw_pool {
    ($raw:expr, |$pool:ident| $body:expr) => {
        match $raw {
            Raw::Sqlite($pool) => $body,
            Raw::Postgres($pool) => $body,
        }
    };
}

pub struct TestDb {
    pub store: Store,
    now: Arc<Mutex<DateTime<Utc>>>,
    raw: Raw,
    /// PostgreSQL: the test's schema and a connection outside it, to drop it at the end.
    schema: Option<(String, sqlx::PgPool)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("waymark.db");
        let url = path.to_str().unwrap().to_owned();
        let store = Store::connect(&url).await.unwrap();
        let raw = Raw::Sqlite(
            sqlx::SqlitePool::connect(&format!("sqlite://{url}"))
                .await
                .unwrap(),
        );
        TestDb::ready(store, raw, None, Some(dir)).await
    }

    pub async fn postgres() -> Option<TestDb> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let base = std::env::var("WAYMARK_TEST_POSTGRES").ok()?;
        let schema = format!(
            "test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&base)
            .await
            .unwrap();
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&admin)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options%5Bsearch_path%5D={schema}");
        let store = Store::connect(&url).await.unwrap();
        let raw = Raw::Postgres(sqlx::PgPool::connect(&url).await.unwrap());
        Some(TestDb::ready(store, raw, Some((schema, admin)), None).await)
    }

    async fn ready(
        store: Store,
        raw: Raw,
        schema: Option<(String, sqlx::PgPool)>,
        dir: Option<tempfile::TempDir>,
    ) -> TestDb {
        let now = Arc::new(Mutex::new(start_time()));
        let clock = {
            let now = now.clone();
            Clock::new(move || *now.lock().unwrap())
        };
        let store = store.with_clock(clock);
        store.migrate().await.unwrap();
        TestDb {
            store,
            now,
            raw,
            schema,
            _dir: dir,
        }
    }

    pub async fn finish(self) {
        self.store.close().await;
        with_raw_pool!(&self.raw, |pool| pool.close().await);
        if let Some((schema, admin)) = &self.schema {
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(admin)
                .await
                .unwrap();
            admin.close().await;
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.schema.is_some()
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }

    pub fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }

    /// Runs a statement outside the store.
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        with_raw_pool!(&self.raw, |pool| Ok(sqlx::query(sql)
            .execute(pool)
            .await?
            .rows_affected()))
    }

    /// The first column of every row of a query, as text (NULL as `None`).
    pub async fn column(&self, sql: &str) -> Vec<Option<String>> {
        with_raw_pool!(&self.raw, |pool| sqlx::query(sql)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<Option<String>, _>(0).unwrap())
            .collect())
    }

    /// A user named `name`, made by the system.
    pub async fn user(&self, name: &str) -> User {
        self.store
            .create_user(
                Actor::System,
                &NewUser {
                    name: name.into(),
                    display_name: name.to_uppercase(),
                    ..NewUser::default()
                },
            )
            .await
            .unwrap()
    }

    /// A project named `name`, made by `actor` (who, as a user, owns it).
    pub async fn project(&self, actor: Actor, name: &str) -> Project {
        self.store
            .create_project(actor, &fields(json!({ "name": name })))
            .await
            .unwrap()
    }

    /// Creates an entity at the end of its kind, as the system.
    pub async fn add(
        &self,
        project: ProjectId,
        kind: EntityKind,
        key: &str,
        data: Value,
    ) -> Result<Entity, StoreError> {
        let new = NewEntity {
            key: key.into(),
            data: fields(data),
            position: None,
        };
        self.store
            .create_entity(Actor::System, project, kind, &new)
            .await
    }

    /// Replaces an entity's data, keeping its position, as the system.
    pub async fn update(
        &self,
        project: ProjectId,
        kind: EntityKind,
        key: &str,
        expected_version: i64,
        data: Value,
    ) -> Result<Entity, StoreError> {
        let update = EntityUpdate {
            data: fields(data),
            position: None,
        };
        self.store
            .update_entity(Actor::System, project, kind, key, expected_version, &update)
            .await
    }
}

/// A JSON object from `json!({...})`.
pub fn fields(value: Value) -> Fields {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}
