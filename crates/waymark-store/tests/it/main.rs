//! The store's integration tests: every test runs on SQLite (a temporary file) and, when
//! `WAYMARK_TEST_POSTGRES` holds a PostgreSQL URL, on PostgreSQL too, in a schema of its own
//! (`tests/pg-setup.sh` starts the machine's PostgreSQL and prints such a URL). A test named
//! `sqlite::x` has a twin `postgres::x`, which passes without doing anything when the variable is
//! not set.

// The test bodies are async helpers called by `#[tokio::test]` functions, so clippy's
// allow-unwrap-in-tests does not see them as tests.
#![allow(clippy::unwrap_used)]

/// Declares store tests: for each `async fn NAME(db: &TestDb)` in the calling module, a
/// `sqlite::NAME` and a `postgres::NAME` test.
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::harness::TestDb::sqlite().await;
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::harness::TestDb::postgres().await else {
                        eprintln!("skipped: WAYMARK_TEST_POSTGRES is not set");
                        return;
                    };
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
    };
}

/// Asserts that a value matches a pattern, and shows the value (after the message, if any)
/// when it does not.
macro_rules! assert_matches {
    ($value:expr, $pattern:pat $(if $guard:expr)? $(,)?) => {
        assert_matches!($value, $pattern $(if $guard)?, "")
    };
    ($value:expr, $pattern:pat $(if $guard:expr)?, $($message:tt)+) => {
        match $value {
            $pattern $(if $guard)? => {}
            ref other => panic!(
                "{} expected {}, got {other:?}",
                format!($($message)+),
                stringify!($pattern),
            ),
        }
    };
}

/// Asserts that a store call failed with `Stale`: the caller expected version `$expected`, the
/// stored one is `$current`.
macro_rules! assert_stale {
    ($value:expr, $expected:expr, $current:expr $(,)?) => {
        assert_matches!(
            $value,
            Err(waymark_store::StoreError::Stale { expected, current })
                if (expected, current) == ($expected, $current)
        )
    };
}

mod accounts;
mod content;
mod events;
mod harness;
mod projects;
mod secrets;
mod since;
