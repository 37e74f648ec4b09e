//! Accounts through HTTP: signing in and out with the session cookie, CSRF protection of cookie
//! changes, API tokens (create, list, use, expire, revoke), password changes ending sessions,
//! sign-in rate limits, and the first administrator's setup link.

use axum::http::{header, Method, StatusCode};
use chrono::Duration;
use serde_json::json;
use waymark_store::Actor;
use waymark_web::Config;

use crate::harness::{Answer, Call, TestApp};

async fn sign_in(app: &TestApp, name: &str, password: &str) -> Answer {
    app.send(
        Call::new(Method::POST, "/api/v1/session")
            .json(&json!({"name": name, "password": password})),
    )
    .await
}

async fn cookie_sessions_need_the_csrf_token_for_changes(app: &TestApp) {
    app.user_with_password("ana", "correct horse").await;
    let answer = sign_in(app, "ana", "correct horse").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(attribute), "{set}");
    }
    assert!(!set.contains("Secure"), "{set}");
    let cookie = answer.session_cookie();
    let csrf = answer.body["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(answer.body["user"]["name"], "ana");

    // Reads need no token.
    let read = app
        .send(Call::new(Method::GET, "/api/v1/projects").header("cookie", &cookie))
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let session = app
        .send(Call::new(Method::GET, "/api/v1/session").header("cookie", &cookie))
        .await;
    assert_eq!(session.body["csrf_token"], csrf.as_str());

    // A change without the token, or with another, is refused and writes nothing.
    let create = || {
        Call::new(Method::POST, "/api/v1/projects")
            .header("cookie", &cookie)
            .json(&json!({"fields": {"name": "P", "start": "2027-01-04"}}))
    };
    for token in [None, Some("wrong"), Some("")] {
        let mut call = create();
        if let Some(token) = token {
            call = call.header("x-csrf-token", token);
        }
        let refused = app.send(call).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        assert_eq!(refused.code(), "csrf");
    }
    assert!(app.store.projects(None, 10).await.unwrap().is_empty());
    let made = app.send(create().header("x-csrf-token", &csrf)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);

    // Signing out needs the token too, then the cookie is dead.
    let out = app
        .send(Call::new(Method::DELETE, "/api/v1/session").header("cookie", &cookie))
        .await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    let out = app
        .send(Call::new(Method::DELETE, "/api/v1/session").session(&cookie, &csrf))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let after = app
        .send(Call::new(Method::GET, "/api/v1/projects").header("cookie", &cookie))
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

async fn every_sign_in_is_a_new_session(app: &TestApp) {
    app.user_with_password("ana", "correct horse").await;
    let one = sign_in(app, "ana", "correct horse").await.session_cookie();
    let two = sign_in(app, "ana", "correct horse").await.session_cookie();
    assert_ne!(one, two);
    let wrong = sign_in(app, "ana", "wrong horse").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.headers.get(header::SET_COOKIE).is_none());
    let nobody = sign_in(app, "nobody", "correct horse").await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        nobody.text, wrong.text,
        "unknown names and wrong passwords look alike"
    );
}

async fn a_password_change_ends_every_session(app: &TestApp) {
    app.user_with_password("ana", "correct horse").await;
    let first = sign_in(app, "ana", "correct horse").await;
    let second = sign_in(app, "ana", "correct horse").await;
    let cookie = first.session_cookie();
    let csrf = first.body["csrf_token"].as_str().unwrap().to_owned();
    let change = |current: &str, new: &str| {
        Call::new(Method::PUT, "/api/v1/me/password")
            .session(&cookie, &csrf)
            .json(&json!({"current_password": current, "new_password": new}))
    };
    let wrong = app.send(change("wrong horse", "battery staple")).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let short = app.send(change("correct horse", "short")).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let changed = app.send(change("correct horse", "battery staple")).await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text);
    for cookie in [cookie.clone(), second.session_cookie()] {
        let answer = app
            .send(Call::new(Method::GET, "/api/v1/session").header("cookie", &cookie))
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        sign_in(app, "ana", "correct horse").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(app, "ana", "battery staple").await.status,
        StatusCode::OK
    );
}

async fn api_tokens_are_created_listed_used_and_revoked(app: &TestApp) {
    let ana = app.user("ana").await;
    let bob = app.user("bob").await;
    let ana_token = app.token(&ana).await;
    let bob_token = app.token(&bob).await;
    let made = app
        .send(
            Call::new(Method::POST, "/api/v1/me/tokens")
                .token(&ana_token)
                .json(&json!({"name": "ci", "expires_in_days": 30})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let secret = made.body["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("wmt_"));
    let id = made.body["id"].as_i64().unwrap();
    assert!(made.body["expires_at"].is_string());

    let listed = app.get("/api/v1/me/tokens", &secret).await;
    assert_eq!(listed.status, StatusCode::OK);
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["test", "ci"]);
    assert!(!listed.text.contains(&secret), "secrets are shown once");
    let me = app.get("/api/v1/session", &secret).await;
    assert_eq!(me.body["user"]["name"], "ana");
    assert!(me.body["csrf_token"].is_null());

    // Bearer tokens need no CSRF token: no browser sends them on its own.
    let project = app
        .send(
            Call::new(Method::POST, "/api/v1/projects")
                .token(&secret)
                .json(&json!({"fields": {"name": "P", "start": "2027-01-04"}})),
        )
        .await;
    assert_eq!(project.status, StatusCode::CREATED);

    // Someone else's token is not there for Bob.
    let theirs = app
        .send(Call::new(Method::DELETE, &format!("/api/v1/me/tokens/{id}")).token(&bob_token))
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let revoked = app
        .send(Call::new(Method::DELETE, &format!("/api/v1/me/tokens/{id}")).token(&ana_token))
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/projects", &secret).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/projects", &ana_token).await.status,
        StatusCode::OK
    );
}

async fn expired_tokens_and_sessions_stop_working(app: &TestApp) {
    let ana = app.user("ana").await;
    let now = chrono::Utc::now();
    let token = app
        .store
        .create_token(
            Actor::System,
            ana.id,
            "short",
            Some(now + Duration::hours(1)),
        )
        .await
        .unwrap()
        .secret;
    let session = app
        .store
        .create_session(ana.id, Duration::hours(2))
        .await
        .unwrap()
        .secret;
    let cookie = format!("waymark_session={session}");
    assert_eq!(
        app.get("/api/v1/session", &token).await.status,
        StatusCode::OK
    );
    app.advance(Duration::minutes(90));
    assert_eq!(
        app.get("/api/v1/session", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let by_cookie = || Call::new(Method::GET, "/api/v1/session").header("cookie", &cookie);
    assert_eq!(app.send(by_cookie()).await.status, StatusCode::OK);
    app.advance(Duration::minutes(60));
    assert_eq!(app.send(by_cookie()).await.status, StatusCode::UNAUTHORIZED);
}

async fn sign_in_attempts_are_limited(app: &TestApp) {
    app.user_with_password("ana", "correct horse").await;
    let limit = Config::default().sign_in_attempts_per_name;
    for _ in 0..limit {
        let answer = sign_in(app, "ana", "wrong horse").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits: guessing cannot go on.
    let limited = sign_in(app, "ana", "correct horse").await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.text
    );
    assert_eq!(limited.code(), "rate-limited");
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    // The window passes.
    app.advance(Config::default().sign_in_window + Duration::seconds(1));
    assert_eq!(
        sign_in(app, "ana", "correct horse").await.status,
        StatusCode::OK
    );
}

async fn the_setup_link_creates_the_first_administrator_once(app: &TestApp) {
    let issued = app
        .store
        .create_setup_token(Duration::hours(24))
        .await
        .unwrap()
        .unwrap();
    let page = app
        .send(Call::new(
            Method::GET,
            &format!("/setup?token={}", issued.secret),
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&issued.secret));
    let setup = |token: &str| {
        Call::new(Method::POST, "/api/v1/setup").json(&json!({
            "token": token, "name": "root", "password": "correct horse"
        }))
    };
    assert_eq!(app.send(setup("wrong")).await.status, StatusCode::NOT_FOUND);
    let made = app.send(setup(&issued.secret)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.body["is_admin"], true);
    assert_eq!(
        app.send(setup(&issued.secret)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        sign_in(app, "root", "correct horse").await.status,
        StatusCode::OK
    );
}

async fn health_and_the_openapi_document(app: &TestApp) {
    let health = app.send(Call::new(Method::GET, "/healthz")).await;
    assert_eq!(health.status, StatusCode::OK);
    let document = app
        .send(Call::new(Method::GET, "/api/v1/openapi.json"))
        .await;
    assert_eq!(document.status, StatusCode::OK);
    assert!(document.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document.body["paths"].as_object().unwrap();
    for path in [
        "/api/v1/projects",
        "/api/v1/projects/{project}/{collection}/{id}",
        "/api/v1/projects/{project}/schedule",
        "/api/v1/projects/import",
        "/api/v1/session",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    let missing = app.send(Call::new(Method::GET, "/nowhere")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "not-found");
}

web_tests!(
    cookie_sessions_need_the_csrf_token_for_changes,
    every_sign_in_is_a_new_session,
    a_password_change_ends_every_session,
    api_tokens_are_created_listed_used_and_revoked,
    expired_tokens_and_sessions_stop_working,
    sign_in_attempts_are_limited,
    the_setup_link_creates_the_first_administrator_once,
    health_and_the_openapi_document
);

/// `secure_cookies` marks the cookie `Secure`.
#[tokio::test]
async fn secure_cookies_are_marked_secure() {
    let app = TestApp::sqlite_with(Config {
        secure_cookies: true,
        ..TestApp::config()
    })
    .await;
    app.user_with_password("ana", "correct horse").await;
    let answer = sign_in(&app, "ana", "correct horse").await;
    assert!(answer.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("; Secure"));
    app.finish().await;
}
