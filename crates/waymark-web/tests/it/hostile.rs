//! Hostile and careless input (issue 12): what an attacker or a slip of the hand sends must be
//! refused with a 4xx that says why, never crash the server, answer 5xx or grow the database
//! without bound.

use axum::http::{header, Method, StatusCode};
use chrono::Duration;
use serde_json::json;
use waymark_web::Config;

use crate::harness::{Answer, Call, TestApp};

async fn sign_in(app: &TestApp, name: &str, password: &str) -> Answer {
    app.send(
        Call::new(Method::POST, "/api/v1/session")
            .json(&json!({"name": name, "password": password})),
    )
    .await
}

async fn attempts_on(app: &TestApp, name: &str) -> i64 {
    app.store
        .rate_limit_count(&format!("sign-in:{name}"), Config::default().sign_in_window)
        .await
        .unwrap()
}

/// A name longer than any account's is answered without keeping a counter for it: 20 sign-ins
/// with 1 MB names once grew the database by 166 MB (and a 3,000-character name was a 500 on
/// PostgreSQL, past its btree index's row size).
async fn sign_in_with_a_huge_name_stores_nothing(app: &TestApp) {
    for length in [101, 3_000, 1 << 20] {
        let name = "n".repeat(length);
        let answer = sign_in(app, &name, "correct horse").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
        assert_eq!(answer.code(), "bad-credentials");
        assert_eq!(attempts_on(app, &name).await, 0, "length {length}");
    }
    // The longest possible name is still counted, and its counter is the same 64 bytes.
    let longest = "n".repeat(waymark_store::MAX_USER_NAME);
    sign_in(app, &longest, "correct horse").await;
    assert_eq!(attempts_on(app, &longest).await, 1);
}

/// Once an address is limited, further attempts from it store nothing about the names tried.
async fn a_limited_address_stores_no_names(app: &TestApp) {
    let limit = Config::default().sign_in_attempts_per_address;
    for attempt in 0..limit {
        let answer = sign_in(app, &format!("guess{attempt}"), "x").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
    }
    let limited = sign_in(app, "someone-new", "x").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempts_on(app, "someone-new").await, 0);
}

/// Login CSRF: a form on another site must not sign the visitor in (to the attacker's account),
/// nor create the first administrator. Browsers say where a request comes from.
async fn sign_in_and_setup_from_another_site_are_refused(app: &TestApp) {
    // The setup form (a setup link exists only while there is no account): the link stays
    // unused.
    let issued = app
        .store
        .create_setup_token(Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    let setup = |site: &str| {
        Call::new(Method::POST, "/setup")
            .form(&[
                ("token", issued.secret.as_str()),
                ("name", "root"),
                ("password", "correct horse battery"),
            ])
            .header("sec-fetch-site", site)
    };
    let refused = app.send(setup("cross-site")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(app.store.credentials("root").await.unwrap().is_none());
    let made = app.send(setup("same-origin")).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text);

    app.user_with_password("ana", "correct horse").await;
    // The sign-in form as a browser on `waymark.example:8080` sends it, with `headers` added.
    let form = |headers: &[(&str, &str)]| {
        headers.iter().fold(
            Call::new(Method::POST, "/signin")
                .form(&[("name", "ana"), ("password", "correct horse")])
                .header("host", "waymark.example:8080"),
            |call, (name, value)| call.header(name, value),
        )
    };
    let foreign = [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("origin", "http://waymark.example:9999")],
    ];
    for headers in &foreign {
        let answer = app.send(form(headers)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(
            !answer.headers.contains_key(header::SET_COOKIE),
            "{headers:?}"
        );
        assert!(answer.text.contains("another site"), "{}", answer.text);
    }
    let own = [
        vec![],
        vec![("sec-fetch-site", "same-origin")],
        vec![("sec-fetch-site", "none")],
        vec![("origin", "http://waymark.example:8080")],
    ];
    for headers in &own {
        let answer = app.send(form(headers)).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{headers:?}");
        assert!(answer.headers.contains_key(header::SET_COOKIE));
    }

    // The API's sign-in too.
    let answer = app
        .send(
            Call::new(Method::POST, "/api/v1/session")
                .json(&json!({"name": "ana", "password": "correct horse"}))
                .header("sec-fetch-site", "cross-site"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.code(), "cross-site");
}

/// Expired sessions and passed counters are deleted by the housekeeping round.
async fn housekeeping_purges_sessions_and_counters(app: &TestApp) {
    app.user_with_password("ana", "correct horse").await;
    for _ in 0..3 {
        assert_eq!(
            sign_in(app, "ana", "correct horse").await.status,
            StatusCode::OK
        );
    }
    sign_in(app, "bob", "wrong").await;
    assert_eq!(waymark_web::purge(&app.state).await.unwrap(), (0, 0));
    app.advance(Config::default().session_lifetime + Duration::seconds(1));
    // The three sessions, and the counters of "bob" and of the address.
    assert_eq!(waymark_web::purge(&app.state).await.unwrap(), (3, 2));
    assert_eq!(attempts_on(app, "bob").await, 0);
}

/// An MSPDI file nested 4,000 elements deep (28 KB) overflowed the XML parser's stack and
/// aborted the whole server; now it is a 422 naming the line and column.
async fn a_deeply_nested_import_is_refused(app: &TestApp) {
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    for depth in [4_000, 100_000] {
        let xml = format!(
            "<Project>{}{}</Project>",
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        let answer = app
            .send(
                Call::new(Method::POST, "/api/v1/projects/import")
                    .token(&token)
                    .raw("application/xml", xml.as_bytes()),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{depth}");
        let diagnostics = answer.body["error"]["diagnostics"].as_array().unwrap();
        assert_eq!(diagnostics[0]["code"], "mspdi-too-deep", "{}", answer.text);
        assert_eq!(diagnostics[0]["line"], 1);
    }
    // The server is still there.
    assert_eq!(
        app.get("/api/v1/projects", &token).await.status,
        StatusCode::OK
    );
}

/// A plan of n tasks in a chain.
fn chain(n: usize) -> String {
    let mut text = String::from("[project]\nname = \"Chain\"\nstart = 2027-01-04\n");
    for i in 0..n {
        text.push_str(&format!("\n[tasks.t{i}]\nduration = \"1d\"\n"));
        if i > 0 {
            text.push_str(&format!("after = [\"t{}\"]\n", i - 1));
        }
    }
    text
}

/// Past the tasks a project may hold, an import is refused whole and a create is refused
/// (a 1,000,000-task import once took 8 GB).
async fn projects_past_the_limits_are_refused(app: &TestApp) {
    let limit = app.state.config.limits.tasks;
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    let import = |text: String| {
        Call::new(Method::POST, "/api/v1/projects/import")
            .token(&token)
            .raw("application/toml", text.as_bytes())
    };
    let refused = app.send(import(chain(limit + 1))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.code(), "too-large");
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("at most {limit} tasks")),
        "{message}"
    );
    let listed = app.get("/api/v1/projects", &token).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(0));

    let made = app.send(import(chain(limit))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.body["id"].as_i64().unwrap();
    let create = |key: &str| {
        Call::new(Method::POST, &format!("/api/v1/projects/{id}/tasks"))
            .token(&token)
            .json(&json!({"id": key, "data": {"duration": "1d"}}))
    };
    let full = app.send(create("one-more")).await;
    assert_eq!(
        full.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        full.text
    );
    assert_eq!(full.code(), "too-large");
    // Other objects are counted apart.
    let resource = app
        .send(
            Call::new(Method::POST, &format!("/api/v1/projects/{id}/resources"))
                .token(&token)
                .json(&json!({"id": "ana", "data": {"name": "Ana"}})),
        )
        .await;
    assert_eq!(resource.status, StatusCode::CREATED, "{}", resource.text);
    // Room again after a delete.
    let last = format!("/api/v1/projects/{id}/tasks/t{}", limit - 1);
    let etag = app.get(&last, &token).await.etag();
    let deleted = app
        .send(
            Call::new(Method::DELETE, &last)
                .token(&token)
                .if_match(&etag),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(
        app.send(create("one-more")).await.status,
        StatusCode::CREATED
    );
}

/// One user's engine work is limited: past their slots a request is a 429 with Retry-After,
/// while another user's requests go on.
async fn engine_work_is_limited_per_user(app: &TestApp) {
    let ana = app.user("ana").await;
    let bob = app.user("bob").await;
    let project = app.project(&ana, crate::harness::FIXTURE).await;
    app.add(project.id, &bob, waymark_store::Role::Viewer).await;
    let (ana_token, bob_token) = (app.token(&ana).await, app.token(&bob).await);
    let uri = format!("/api/v1/projects/{}/schedule", project.id.0);
    let per_user = app.state.config.engine_jobs_per_user;
    let held: Vec<_> = (0..per_user)
        .map(|_| app.state.engine.take(ana.id, per_user).unwrap())
        .collect();
    for path in ["schedule", "forecast?iterations=100", "level", "export"] {
        let busy = app
            .get(
                &format!("/api/v1/projects/{}/{path}", project.id.0),
                &ana_token,
            )
            .await;
        assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert_eq!(busy.code(), "busy");
        assert!(busy.headers.contains_key(header::RETRY_AFTER));
    }
    assert_eq!(app.get(&uri, &bob_token).await.status, StatusCode::OK);
    drop(held);
    assert_eq!(app.get(&uri, &ana_token).await.status, StatusCode::OK);
    assert_eq!(app.state.engine.running(ana.id), 0);
}

web_tests!(
    a_deeply_nested_import_is_refused,
    engine_work_is_limited_per_user,
    sign_in_with_a_huge_name_stores_nothing,
    a_limited_address_stores_no_names,
    sign_in_and_setup_from_another_site_are_refused,
    housekeeping_purges_sessions_and_counters,
);

/// `serve` runs the housekeeping by itself: an expired session is gone without anyone asking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_purges_on_its_own() {
    let app = TestApp::sqlite().await;
    app.user_with_password("ana", "correct horse").await;
    assert_eq!(
        sign_in(&app, "ana", "correct horse").await.status,
        StatusCode::OK
    );
    app.advance(Config::default().session_lifetime + Duration::seconds(1));
    let state = waymark_web::AppState::new(
        app.store.clone(),
        Config {
            housekeeping_every: std::time::Duration::from_millis(20),
            ..TestApp::config()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(waymark_web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    // The first round runs at start, then every 20 ms; look at the table without purging.
    let path = app.sqlite_path().unwrap();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let mut purged = false;
    for _ in 0..400 {
        let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM sessions")
            .fetch_one(&raw)
            .await
            .unwrap();
        if rows == 0 {
            purged = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    raw.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    assert!(purged, "the server did not purge the expired session");
    app.finish().await;
}

/// The test configuration with a project limit small enough to reach.
fn limited() -> Config {
    Config {
        limits: waymark_web::limits::Limits {
            tasks: 30,
            ..Default::default()
        },
        ..TestApp::config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_projects_past_the_limits_are_refused() {
    let app = TestApp::sqlite_with(limited()).await;
    projects_past_the_limits_are_refused(&app).await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_projects_past_the_limits_are_refused() {
    let Some(app) = TestApp::postgres_with(limited()).await else {
        eprintln!("skipped: WAYMARK_TEST_POSTGRES is not set");
        return;
    };
    projects_past_the_limits_are_refused(&app).await;
    app.finish().await;
}
