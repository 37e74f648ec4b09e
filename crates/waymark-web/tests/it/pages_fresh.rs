//! The pages' figures computed in the background (`figures.rs`), through HTTP: a page that
//! may not wait answers with a note that its figures are being computed and the address to
//! wait on, then shows them; after a change it shows the previous figures marked as updating,
//! then the new ones; a change through the API computes every page's figures before anyone asks
//! for them; the wait answers only those who may see the project.

use axum::http::{header, Method, StatusCode};
use serde_json::json;
use waymark_web::Config;

use crate::harness::{Call, TestApp};

/// One chain with uncertain durations and a deadline.
const PLAN: &str = r#"
[project]
name = "Fresh"
start = 2027-01-04
deadline = 2027-02-26

[tasks.design]
name = "Design"
estimate = ["3d", "5d", "10d"]

[tasks.build]
name = "Build"
after = ["design"]
estimate = ["5d", "8d", "15d"]

[tasks.launch]
name = "Launch"
milestone = true
after = ["build"]
"#;

/// Pages never wait for figures; `warm` says whether changes compute them in the background.
fn config(warm: bool) -> Config {
    Config {
        page_wait: Some(std::time::Duration::ZERO),
        warm_after_changes: warm,
        ..TestApp::config()
    }
}

/// Runs `body` on SQLite and, when `WAYMARK_TEST_POSTGRES` is set, on PostgreSQL.
macro_rules! both {
    ($config:expr, $body:ident) => {{
        let app = TestApp::sqlite_with($config).await;
        $body(&app).await;
        app.finish().await;
        if let Some(app) = TestApp::postgres_with($config).await {
            $body(&app).await;
            app.finish().await;
        }
    }};
}

/// The text of the first cell labelled `label`.
fn cell(html: &str, label: &str) -> String {
    let start = html
        .find(&format!("data-label=\"{label}\""))
        .unwrap_or_else(|| panic!("no cell {label} in {html}"));
    let rest = &html[start..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    rest[..rest.find('<').unwrap()].trim().to_owned()
}

/// Lengthens the build through the API, as a token holder.
async fn lengthen_build(app: &TestApp, id: i64, token: &str) {
    let uri = format!("/api/v1/projects/{id}/tasks/build");
    let current = app.get(&uri, token).await;
    assert_eq!(current.status, StatusCode::OK, "{}", current.text);
    let etag = current.headers[header::ETAG].to_str().unwrap().to_owned();
    let changed = app
        .send(
            Call::new(Method::PATCH, &uri)
                .token(token)
                .if_match(&etag)
                .json(&json!({ "estimate": ["25d", "30d", "40d"] })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
}

async fn a_page_shows_its_figures_once_computed_and_marks_earlier_ones(app: &TestApp) {
    let (owner, cookie) = app.signed_in("olga").await;
    let id = app.project(&owner, PLAN).await.id.0;
    let forecast = format!("/projects/{id}/forecast");
    let ready = format!("/projects/{id}/ready?panel=forecast");

    // Nothing computed yet: the page says so and names where to wait.
    let first = app.page(&forecast, &cookie).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert!(first.text.contains("id=\"updating\""), "{}", first.text);
    assert!(
        first.text.contains("Computing the figures"),
        "{}",
        first.text
    );
    assert!(
        first.text.contains(&format!("data-ready=\"{ready}\"")),
        "{}",
        first.text
    );
    assert!(!first.text.contains("data-label=\"P80\""), "{}", first.text);

    // Once the wait answers, the page has them.
    let waited = app.page(&ready, &cookie).await;
    assert_eq!(waited.status, StatusCode::NO_CONTENT, "{}", waited.text);
    let shown = app.page(&forecast, &cookie).await;
    assert!(!shown.text.contains("id=\"updating\""), "{}", shown.text);
    let before = cell(&shown.text, "P80");
    assert!(before.starts_with("2027-"), "{before}");

    // After a change the page shows the earlier figures, marked, until the new ones are in.
    let token = app.token(&owner).await;
    lengthen_build(app, id, &token).await;
    let stale = app.page(&forecast, &cookie).await;
    assert!(
        stale
            .text
            .contains("these figures are from before the latest change"),
        "{}",
        stale.text
    );
    assert_eq!(cell(&stale.text, "P80"), before);
    assert_eq!(
        app.page(&ready, &cookie).await.status,
        StatusCode::NO_CONTENT
    );
    let fresh = app.page(&forecast, &cookie).await;
    assert!(!fresh.text.contains("id=\"updating\""), "{}", fresh.text);
    let after = cell(&fresh.text, "P80");
    assert!(
        after > before,
        "the longer build moves P80: {before} -> {after}"
    );

    // The other forecast pages say the same while theirs are computed; they read the forecast
    // just computed, so theirs may be in already, and then nothing is marked.
    for (path, panel) in [("", "overview"), ("/risks", "risks")] {
        let answer = app.page(&format!("/projects/{id}{path}"), &cookie).await;
        let waiting = format!("data-ready=\"/projects/{id}/ready?panel={panel}\"");
        assert!(
            answer.text.contains(&waiting) || !answer.text.contains("id=\"updating\""),
            "{}",
            answer.text
        );
    }
    let portfolio = app.page("/", &cookie).await;
    assert!(portfolio.text.contains("Computing…"), "{}", portfolio.text);
    assert!(
        portfolio
            .text
            .contains(&format!("data-ready=\"/projects/{id}/ready?panel=health\"")),
        "{}",
        portfolio.text
    );
    // Schedule pages never show anything but the project as it is.
    let board = app.page(&format!("/projects/{id}/board"), &cookie).await;
    assert!(!board.text.contains("id=\"updating\""), "{}", board.text);
}

async fn a_change_computes_every_page_before_anyone_asks(app: &TestApp) {
    let (owner, cookie) = app.signed_in("olga").await;
    let id = app.project(&owner, PLAN).await.id.0;
    let token = app.token(&owner).await;
    let reused = app.state.plans_reused();
    lengthen_build(app, id, &token).await;
    // The forecast page's figures are the job's last: once they are in, all are.
    let waited = app
        .page(&format!("/projects/{id}/ready?panel=forecast"), &cookie)
        .await;
    assert_eq!(waited.status, StatusCode::NO_CONTENT, "{}", waited.text);
    // The job built them on the plan the write was checked with: nothing else had changed.
    assert_eq!(app.state.plans_reused(), reused + 1);
    let forecast = app.page(&format!("/projects/{id}/forecast"), &cookie).await;
    // ... and they are the figures of the changed plan, as the engine computes them from it.
    let changed = PLAN.replace(
        "estimate = [\"5d\", \"8d\", \"15d\"]",
        "estimate = [\"25d\", \"30d\", \"40d\"]",
    );
    let plan = waymark_formats::plan::read_plan(&changed).unwrap().plan;
    let options = waymark_core::forecast::ForecastOptions::DEFAULT;
    let expected = waymark_core::forecast::forecast(&plan, &options, 1).unwrap();
    let p80 = waymark_core::time::iso(expected.percentile_finish(0.8));
    assert_eq!(cell(&forecast.text, "P80"), p80[..10]);
    for path in [
        "/".to_owned(),
        format!("/projects/{id}"),
        format!("/projects/{id}/risks"),
        format!("/projects/{id}/forecast"),
        format!("/projects/{id}/tasks"),
        format!("/projects/{id}/timeline"),
        format!("/projects/{id}/board"),
    ] {
        let answer = app.page(&path, &cookie).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.text);
        assert!(
            !answer.text.contains("id=\"updating\""),
            "{path}: {}",
            answer.text
        );
    }
}

async fn the_wait_answers_only_those_who_may_see_the_project(app: &TestApp) {
    let owner = app.user("owen").await;
    let id = app.project(&owner, PLAN).await.id.0;
    let (_, stranger) = app.signed_in("sam").await;
    let ready = format!("/projects/{id}/ready?panel=forecast");
    let answer = app.page(&ready, &stranger).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
    let anonymous = app.send(Call::new(Method::GET, &ready)).await;
    assert_ne!(anonymous.status, StatusCode::NO_CONTENT);
    let (member, cookie) = app.signed_in("mia").await;
    app.add(
        waymark_store::ProjectId(id),
        &member,
        waymark_store::Role::Viewer,
    )
    .await;
    let unknown = app
        .page(&format!("/projects/{id}/ready?panel=nothing"), &cookie)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert_eq!(
        app.page(&ready, &cookie).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_once_computed_and_earlier_ones_marked() {
    both!(
        config(false),
        a_page_shows_its_figures_once_computed_and_marks_earlier_ones
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_computes_the_figures_in_the_background() {
    both!(
        config(true),
        a_change_computes_every_page_before_anyone_asks
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wait_is_for_members_only() {
    both!(
        config(false),
        the_wait_answers_only_those_who_may_see_the_project
    );
}
