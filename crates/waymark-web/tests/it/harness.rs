//! A fresh, migrated database per test (a SQLite file, or a PostgreSQL schema of its own), the
//! application's router on it, a clock the test moves, and requests sent in-process with
//! `tower::ServiceExt::oneshot` (API calls with a token; pages with the session cookie of a
//! sign-in through the form).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use waymark_store::{auth, Actor, Clock, NewUser, Project, ProjectId, Role, Store, User};
use waymark_web::{AppState, Config};

pub struct TestApp {
    pub store: Store,
    pub state: AppState,
    pub router: Router,
    now: Arc<Mutex<DateTime<Utc>>>,
    schema: Option<(String, sqlx::PgPool)>,
    dir: Option<tempfile::TempDir>,
}

/// An answer: status, headers and the body as JSON (`Value::String` when it is not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn etag(&self) -> String {
        self.headers
            .get(header::ETAG)
            .expect("an ETag")
            .to_str()
            .unwrap()
            .to_owned()
    }

    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    /// The `name=value` of the session cookie the answer sets (the `Set-Cookie` header up to
    /// its first `;`); panics when there is none or it is not `waymark_session`.
    pub fn session_cookie(&self) -> String {
        let set = self
            .headers
            .get(header::SET_COOKIE)
            .unwrap_or_else(|| panic!("a Set-Cookie header in {} {}", self.status, self.text))
            .to_str()
            .unwrap();
        assert!(set.starts_with("waymark_session="), "{set}");
        set.split(';').next().unwrap().to_owned()
    }

    /// A write refused as `422 invalid-plan` at `at` (`collection.id.field`, e.g.
    /// `tasks.build.after`): the message names that place, and an error diagnostic names it
    /// too and says `words`.
    pub fn assert_refused(&self, at: &str, words: &str) {
        assert_eq!(
            self.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            self.text
        );
        assert_eq!(self.code(), "invalid-plan");
        let error = &self.body["error"];
        assert!(
            error["message"].as_str().unwrap().contains(at),
            "{}",
            self.text
        );
        let mut place = at.splitn(3, '.');
        let (collection, id, field) = (place.next(), place.next(), place.next());
        let diagnostics = error["diagnostics"].as_array().unwrap();
        assert!(
            diagnostics
                .iter()
                .any(|d| d["collection"].as_str() == collection
                    && d["id"].as_str() == id
                    && d["field"].as_str() == field
                    && d["severity"] == "error"
                    && d["message"].as_str().unwrap().contains(words)),
            "{}",
            self.text
        );
    }
}

/// `text` encoded for an `application/x-www-form-urlencoded` body (a space becomes `+`).
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                (byte as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A request being built.
pub struct Call {
    method: Method,
    uri: String,
    headers: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
}

impl Call {
    pub fn new(method: Method, uri: &str) -> Call {
        Call {
            method,
            uri: uri.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn token(self, token: &str) -> Call {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// As a page's script sends it: the session cookie (`name=value`) and its CSRF token.
    pub fn session(self, cookie: &str, csrf: &str) -> Call {
        self.header("cookie", cookie).header("x-csrf-token", csrf)
    }

    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn if_match(self, etag: &str) -> Call {
        self.header("if-match", etag)
    }

    pub fn json(mut self, value: &Value) -> Call {
        self.body = Some(("application/json".into(), value.to_string().into_bytes()));
        self
    }

    /// A form post's body: `fields` as `application/x-www-form-urlencoded`.
    pub fn form(self, fields: &[(&str, &str)]) -> Call {
        let body = fields
            .iter()
            .map(|(name, value)| format!("{}={}", form_encode(name), form_encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        self.raw("application/x-www-form-urlencoded", body.as_bytes())
    }

    pub fn raw(mut self, content_type: &str, bytes: &[u8]) -> Call {
        self.body = Some((content_type.into(), bytes.to_vec()));
        self
    }
}

impl TestApp {
    /// The configuration of the tests: pages wait for their figures, whatever the build's
    /// speed, and nothing is computed in the background unless a test asks for it.
    pub fn config() -> Config {
        Config {
            page_wait: None,
            warm_after_changes: false,
            ..Config::default()
        }
    }

    pub async fn sqlite() -> TestApp {
        TestApp::sqlite_with(TestApp::config()).await
    }

    pub async fn sqlite_with(config: Config) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("waymark.db");
        let store = Store::connect(path.to_str().unwrap()).await.unwrap();
        TestApp::ready(store, config, None, Some(dir)).await
    }

    pub async fn postgres() -> Option<TestApp> {
        TestApp::postgres_with(TestApp::config()).await
    }

    pub async fn postgres_with(config: Config) -> Option<TestApp> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let base = std::env::var("WAYMARK_TEST_POSTGRES").ok()?;
        let schema = format!(
            "web_test_{}_{}",
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
        Some(TestApp::ready(store, config, Some((schema, admin)), None).await)
    }

    async fn ready(
        store: Store,
        config: Config,
        schema: Option<(String, sqlx::PgPool)>,
        dir: Option<tempfile::TempDir>,
    ) -> TestApp {
        let now = Arc::new(Mutex::new(Utc::now()));
        let clock = {
            let now = now.clone();
            Clock::new(move || *now.lock().unwrap())
        };
        let store = store.with_clock(clock);
        store.migrate().await.unwrap();
        let state = AppState::new(store.clone(), config);
        let router = waymark_web::router(state.clone());
        TestApp {
            store,
            state,
            router,
            now,
            schema,
            dir,
        }
    }

    pub async fn finish(self) {
        self.store.close().await;
        if let Some((schema, admin)) = &self.schema {
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(admin)
                .await
                .unwrap();
            admin.close().await;
        }
    }

    /// The database file of a SQLite test app.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self.dir.as_ref().map(|dir| dir.path().join("waymark.db"))
    }

    pub fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }

    pub async fn send(&self, call: Call) -> Answer {
        let mut request = Request::builder().method(call.method).uri(&call.uri);
        for (name, value) in &call.headers {
            request = request.header(name, value);
        }
        let request = match call.body {
            Some((content_type, bytes)) => request
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(bytes)),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()));
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, uri: &str, token: &str) -> Answer {
        self.send(Call::new(Method::GET, uri).token(token)).await
    }

    /// A page fetched with a session cookie (`name=value`), as a browser would.
    pub async fn page(&self, uri: &str, cookie: &str) -> Answer {
        self.send(Call::new(Method::GET, uri).header("cookie", cookie))
            .await
    }

    /// Signs in through the form (`POST /signin`), expects the redirect (303) and returns the
    /// session cookie (`name=value`).
    pub async fn form_cookie(&self, name: &str, password: &str) -> String {
        let answer = self
            .send(
                Call::new(Method::POST, "/signin").form(&[("name", name), ("password", password)]),
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text);
        answer.session_cookie()
    }

    /// A new user with the password "correct horse", signed in through the form, and the
    /// session cookie (`name=value`).
    pub async fn signed_in(&self, name: &str) -> (User, String) {
        let user = self.user_with_password(name, "correct horse").await;
        let cookie = self.form_cookie(name, "correct horse").await;
        (user, cookie)
    }

    /// A user without a password.
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

    /// A user with a password.
    pub async fn user_with_password(&self, name: &str, password: &str) -> User {
        self.store
            .create_user(
                Actor::System,
                &NewUser {
                    name: name.into(),
                    display_name: name.to_uppercase(),
                    password_hash: Some(auth::hash_password(password).unwrap()),
                    ..NewUser::default()
                },
            )
            .await
            .unwrap()
    }

    /// An API token of `user`.
    pub async fn token(&self, user: &User) -> String {
        self.store
            .create_token(Actor::System, user.id, "test", None)
            .await
            .unwrap()
            .secret
    }

    /// A project imported from plan text, owned by `owner`.
    pub async fn project(&self, owner: &User, text: &str) -> Project {
        waymark_web::import_plan_text(&self.store, Actor::User(owner.id), text)
            .await
            .unwrap()
    }

    pub async fn add(&self, project: ProjectId, user: &User, role: Role) {
        self.store
            .add_member(Actor::System, project, user.id, role)
            .await
            .unwrap();
    }
}

/// A small plan with one of everything.
pub const FIXTURE: &str = r#"
[project]
name = "Fixture"
start = 2027-01-04
deadline = 2027-03-01

[calendars.office]
days = ["mon", "tue", "wed", "thu", "fri"]

[resources.ana]
name = "Ana"
rate = 90.0

[tasks.design]
name = "Design"
estimate = ["2d", "3d", "5d"]
resources = ["ana"]

[tasks.build]
name = "Build"
duration = "5d"
after = ["design"]
resources = ["ana"]

[risks.late]
title = "Late"
probability = 0.2
tasks = ["build"]
delay = ["1d", "2d", "3d"]
"#;
