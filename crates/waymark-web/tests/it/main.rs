//! The server's tests, through HTTP requests to the router in-process. Every test runs on SQLite
//! (a temporary file) and, when `WAYMARK_TEST_POSTGRES` holds a PostgreSQL URL, on PostgreSQL
//! too, in a schema of its own (`crates/waymark-store/tests/pg-setup.sh` starts the machine's
//! PostgreSQL and prints such a URL). A test named `sqlite::x` has a twin `postgres::x`, which
//! passes without doing anything when the variable is not set.

// The test bodies are async helpers called by `#[tokio::test]` functions, so clippy's
// allow-unwrap-in-tests does not see them as tests.
#![allow(clippy::unwrap_used)]

/// Declares web tests: for each `async fn NAME(app: &TestApp)` in the calling module, a
/// `sqlite::NAME` and a `postgres::NAME` test.
macro_rules! web_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = crate::harness::TestApp::sqlite().await;
                    super::$name(&app).await;
                    app.finish().await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = crate::harness::TestApp::postgres().await else {
                        eprintln!("skipped: WAYMARK_TEST_POSTGRES is not set");
                        return;
                    };
                    super::$name(&app).await;
                    app.finish().await;
                }
            )*
        }
    };
}

mod accounts;
mod api;
mod figures;
mod harness;
mod hostile;
mod matrix;
mod pages;
mod pages_admin;
mod pages_board;
mod pages_fresh;
mod pages_resources;
mod pages_risks;
mod pages_tasks;
mod pages_timeline;
mod roundtrip;
