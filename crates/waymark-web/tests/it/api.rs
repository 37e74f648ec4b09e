//! The API's behaviour beyond permissions: ETags and `If-Match` (428, 412), other projects'
//! objects answering 404, pagination and filters, the event log, limits, and error bodies.

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use waymark_store::Role;

use crate::harness::{Call, TestApp, FIXTURE};

async fn updates_need_the_current_etag(app: &TestApp) {
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    let project = app.project(&ana, FIXTURE).await;
    let task = format!("/api/v1/projects/{}/tasks/build", project.id);
    let read = app.get(&task, &token).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.etag(), "\"1\"");
    assert_eq!(read.body["version"], 1);
    let patch = |etag: Option<&str>, progress: f64| {
        let call = Call::new(Method::PATCH, &task)
            .token(&token)
            .json(&json!({ "progress": progress }));
        match etag {
            Some(etag) => call.if_match(etag),
            None => call,
        }
    };
    let missing = app.send(patch(None, 0.2)).await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(missing.code(), "precondition-required");
    let first = app.send(patch(Some(&read.etag()), 0.2)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.etag(), "\"2\"");
    assert_eq!(first.body["data"]["progress"], 0.2);
    // Someone still holding version 1 loses, and nothing is overwritten.
    let stale = app.send(patch(Some(&read.etag()), 0.9)).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.code(), "stale");
    let put = app
        .send(
            Call::new(Method::PUT, &task)
                .token(&token)
                .if_match("W/\"1\"")
                .json(&json!({"data": {"duration": "1d"}})),
        )
        .await;
    assert_eq!(put.status, StatusCode::PRECONDITION_FAILED);
    let garbage = app.send(patch(Some("\"abc\""), 0.9)).await;
    assert_eq!(garbage.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(app.get(&task, &token).await.body["data"]["progress"], 0.2);

    // Deletes too, and the project's own fields.
    let delete = |etag: Option<&str>| {
        let call = Call::new(Method::DELETE, &task).token(&token);
        match etag {
            Some(etag) => call.if_match(etag),
            None => call,
        }
    };
    assert_eq!(
        app.send(delete(None)).await.status,
        StatusCode::PRECONDITION_REQUIRED
    );
    assert_eq!(
        app.send(delete(Some("\"1\""))).await.status,
        StatusCode::PRECONDITION_FAILED
    );
    // With the right version the delete is still refused while the risk `late` affects the
    // task, naming what to change first; once the risk is gone, it goes.
    app.send(delete(Some("\"2\"")))
        .await
        .assert_refused("risks.late.tasks", "which does not exist");
    let risk = format!("/api/v1/projects/{}/risks/late", project.id);
    let risk_gone = app
        .send(
            Call::new(Method::DELETE, &risk)
                .token(&token)
                .if_match("\"1\""),
        )
        .await;
    assert_eq!(
        risk_gone.status,
        StatusCode::NO_CONTENT,
        "{}",
        risk_gone.text
    );
    assert_eq!(
        app.send(delete(Some("\"2\""))).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&task, &token).await.status, StatusCode::NOT_FOUND);
    let path = format!("/api/v1/projects/{}", project.id);
    let fields = json!({"fields": {"name": "New", "start": "2027-01-04"}});
    let update = |etag: &str| {
        Call::new(Method::PUT, &path)
            .token(&token)
            .if_match(etag)
            .json(&fields)
    };
    assert_eq!(app.send(update("\"1\"")).await.etag(), "\"2\"");
    assert_eq!(
        app.send(update("\"1\"")).await.status,
        StatusCode::PRECONDITION_FAILED
    );
}

async fn other_projects_answer_not_found(app: &TestApp) {
    let ana = app.user("ana").await;
    let bob = app.user("bob").await;
    let bob_token = app.token(&bob).await;
    let anas = app.project(&ana, FIXTURE).await;
    let bobs = app.project(&bob, FIXTURE).await;
    // Bob owns his project; Ana's is as invisible to him as one that does not exist.
    for project in [anas.id.0, 999_999] {
        for path in [
            format!("/api/v1/projects/{project}"),
            format!("/api/v1/projects/{project}/tasks"),
            format!("/api/v1/projects/{project}/tasks/build"),
            format!("/api/v1/projects/{project}/events"),
            format!("/api/v1/projects/{project}/schedule"),
            format!("/api/v1/projects/{project}/export"),
        ] {
            let answer = app.get(&path, &bob_token).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(answer.code(), "not-found");
        }
        let patch = app
            .send(
                Call::new(
                    Method::PATCH,
                    &format!("/api/v1/projects/{project}/tasks/build"),
                )
                .token(&bob_token)
                .if_match("\"1\"")
                .json(&json!({"progress": 1})),
            )
            .await;
        assert_eq!(patch.status, StatusCode::NOT_FOUND);
    }
    // His own objects answer; keys of Ana's objects in his project do not exist.
    let own = format!("/api/v1/projects/{}/tasks/build", bobs.id);
    assert_eq!(app.get(&own, &bob_token).await.status, StatusCode::OK);
    let listed = app.get("/api/v1/projects", &bob_token).await;
    let ids: Vec<i64> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [bobs.id.0]);
    // Unparseable ids and unknown collections name nothing.
    for path in [
        "/api/v1/projects/abc".to_owned(),
        format!("/api/v1/projects/{}/widgets", bobs.id),
    ] {
        assert_eq!(
            app.get(&path, &bob_token).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

async fn lists_page_and_filter(app: &TestApp) {
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    let mut plan = String::from("[project]\nname = \"Big\"\nstart = 2027-01-04\n");
    plan.push_str("[tasks.phase]\nname = \"Phase\"\n");
    for index in 0..25 {
        plan.push_str(&format!(
            "[tasks.t{index:02}]\nname = \"Task {index}\"\nparent = \"phase\"\nduration = \"1d\"\n"
        ));
    }
    plan.push_str("[tasks.wrap]\nname = \"Wrap-up\"\nduration = \"1d\"\n");
    let project = app.project(&ana, &plan).await;
    let base = format!("/api/v1/projects/{}/tasks", project.id);
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let uri = match &after {
            Some(after) => format!("{base}?limit=10&after={after}"),
            None => format!("{base}?limit=10"),
        };
        let page = app.get(&uri, &token).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned()),
        );
        match page.body["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 27);
    assert_eq!(seen[0], "phase");
    assert_eq!(seen[26], "wrap");
    let children = app
        .get(&format!("{base}?parent=phase&limit=500"), &token)
        .await;
    assert_eq!(children.body["items"].as_array().unwrap().len(), 25);
    let top = app.get(&format!("{base}?parent="), &token).await;
    let top: Vec<&str> = top.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(top, ["phase", "wrap"]);
    let found = app.get(&format!("{base}?q=TASK%201"), &token).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 11);
    for bad in ["?limit=0", "?limit=501", "?limit=x", "?after=nonsense"] {
        let answer = app.get(&format!("{base}{bad}"), &token).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(answer.code(), "bad-request");
    }
    let projects = app.get("/api/v1/projects?limit=1", &token).await;
    assert_eq!(projects.body["next"], project.id.0.to_string());
}

async fn the_event_log_records_every_change(app: &TestApp) {
    let ana = app.user("ana").await;
    let bob = app.user("bob").await;
    let token = app.token(&ana).await;
    let project = app.project(&ana, FIXTURE).await;
    let base = format!("/api/v1/projects/{}", project.id);
    let send = |call: Call| async { app.send(call.token(&token)).await };
    let made = send(
        Call::new(Method::POST, &format!("{base}/tasks"))
            .json(&json!({"id": "qa", "data": {"duration": "2d", "after": ["build"]}})),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    send(
        Call::new(Method::PATCH, &format!("{base}/tasks/qa"))
            .if_match("\"1\"")
            .json(&json!({"progress": 0.5})),
    )
    .await;
    send(Call::new(Method::DELETE, &format!("{base}/tasks/qa")).if_match("\"2\"")).await;
    send(
        Call::new(Method::PUT, &base)
            .if_match("\"1\"")
            .json(&json!({"fields": {"name": "Renamed", "start": "2027-01-04"}})),
    )
    .await;
    send(
        Call::new(Method::POST, &format!("{base}/members"))
            .json(&json!({"user": "bob", "role": "member"})),
    )
    .await;
    let events = app.get(&format!("{base}/events?limit=500"), &token).await;
    assert_eq!(events.status, StatusCode::OK);
    let items = events.body["items"].as_array().unwrap();
    let summary: Vec<String> = items
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["action"].as_str().unwrap(),
                e["entity"].as_str().unwrap(),
                e["key"].as_str().unwrap()
            )
        })
        .collect();
    let tail = &summary[summary.len() - 5..];
    assert_eq!(
        tail,
        [
            "create task qa".to_owned(),
            "update task qa".to_owned(),
            "delete task qa".to_owned(),
            format!("update project {}", project.id),
            format!("create membership {}", bob.id),
        ]
    );
    let update = &items[items.len() - 4];
    assert_eq!(update["actor"], ana.id.0);
    assert_eq!(update["before"]["data"]["progress"], Value::Null);
    assert_eq!(update["after"]["data"]["progress"], 0.5);
    // Pages of history.
    let first = app.get(&format!("{base}/events?limit=2"), &token).await;
    let next = first.body["next"].as_str().unwrap();
    let second = app
        .get(&format!("{base}/events?limit=2&after={next}"), &token)
        .await;
    assert_eq!(second.body["items"][0]["id"], items[2]["id"]);
}

async fn members_are_managed_by_owners(app: &TestApp) {
    let ana = app.user("ana").await;
    let bob = app.user("bob").await;
    let token = app.token(&ana).await;
    let bob_token = app.token(&bob).await;
    let project = app.project(&ana, FIXTURE).await;
    let base = format!("/api/v1/projects/{}/members", project.id);
    let added = app
        .send(
            Call::new(Method::POST, &base)
                .token(&token)
                .json(&json!({"user": "bob", "role": "viewer"})),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let again = app
        .send(
            Call::new(Method::POST, &base)
                .token(&token)
                .json(&json!({"user": "bob", "role": "viewer"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let nobody = app
        .send(
            Call::new(Method::POST, &base)
                .token(&token)
                .json(&json!({"user": "nobody", "role": "viewer"})),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    // Bob sees the project now, as a viewer.
    let seen = app
        .get(&format!("/api/v1/projects/{}", project.id), &bob_token)
        .await;
    assert_eq!(seen.body["role"], "viewer");
    // The last owner cannot step down.
    let down = app
        .send(
            Call::new(Method::PUT, &format!("{base}/{}", ana.id))
                .token(&token)
                .if_match("\"1\"")
                .json(&json!({"role": "manager"})),
        )
        .await;
    assert_eq!(
        down.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        down.text
    );
    let listed = app.get(&base, &token).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    let _ = Role::Viewer;
}

async fn members_change_progress_only(app: &TestApp) {
    let ana = app.user("ana").await;
    let bob = app.user("bob").await;
    let bob_token = app.token(&bob).await;
    let project = app.project(&ana, FIXTURE).await;
    app.add(project.id, &bob, Role::Member).await;
    let task = format!("/api/v1/projects/{}/tasks/build", project.id);
    for (patch, allowed) in [
        (json!({"progress": 0.3}), true),
        (json!({"actual_start": "2027-01-11", "progress": 0.4}), true),
        (json!({"duration": "1d"}), false),
        (json!({"after": null}), false),
        (json!({"name": "Mine"}), false),
    ] {
        let version = app.get(&task, &bob_token).await.etag();
        let answer = app
            .send(
                Call::new(Method::PATCH, &task)
                    .token(&bob_token)
                    .if_match(&version)
                    .json(&patch),
            )
            .await;
        let expected = if allowed {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(answer.status, expected, "{patch}: {}", answer.text);
    }
    // Resources are not tasks: no progress to report there.
    let resource = format!("/api/v1/projects/{}/resources/ana", project.id);
    let answer = app
        .send(
            Call::new(Method::PATCH, &resource)
                .token(&bob_token)
                .if_match("\"1\"")
                .json(&json!({"progress": 0.3})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

async fn errors_are_json_without_internals(app: &TestApp) {
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    let project = app.project(&ana, FIXTURE).await;
    let tasks = format!("/api/v1/projects/{}/tasks", project.id);
    let cases = [
        (
            Call::new(Method::POST, &tasks).raw("application/json", b"{not json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            Call::new(Method::POST, &tasks).json(&json!({"id": "x"})),
            StatusCode::BAD_REQUEST,
        ),
        (
            Call::new(Method::POST, &tasks).json(&json!({"id": "a b", "data": {}})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Call::new(Method::POST, &tasks).json(&json!({"id": "build", "data": {}})),
            StatusCode::CONFLICT,
        ),
        (
            Call::new(Method::POST, "/api/v1/projects")
                .json(&json!({"fields": {"name": "No start"}})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Call::new(Method::PUT, "/api/v1/projects"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (call, status) in cases {
        let answer = app.send(call.token(&token)).await;
        assert_eq!(answer.status, status, "{}", answer.text);
        let error = &answer.body["error"];
        assert!(error["code"].is_string(), "{}", answer.text);
        assert!(error["message"].is_string(), "{}", answer.text);
        let text = answer.text.to_lowercase();
        for secret in [
            "sqlx",
            "select ",
            "insert ",
            "constraint",
            "/tmp",
            "panicked",
        ] {
            assert!(!text.contains(secret), "{}", answer.text);
        }
    }
    // A body beyond the limit.
    let small = TestApp::sqlite_with(waymark_web::Config {
        max_body_bytes: 1024,
        ..TestApp::config()
    })
    .await;
    let user = small.user("ana").await;
    let small_token = small.token(&user).await;
    let big = "x".repeat(4096);
    let answer = small
        .send(
            Call::new(Method::POST, "/api/v1/projects/import")
                .token(&small_token)
                .raw("application/toml", big.as_bytes()),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text
    );
    small.finish().await;
}

async fn imports_report_diagnostics_with_lines(app: &TestApp) {
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    let text = "[project]\nname = \"Broken\"\nstart = 2027-01-04\n\n[tasks.a]\nduraton = \"1d\"\n";
    let answer = app
        .send(
            Call::new(Method::POST, "/api/v1/projects/import")
                .token(&token)
                .raw("application/toml", text.as_bytes()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.code(), "invalid-plan");
    let diagnostics = answer.body["error"]["diagnostics"].as_array().unwrap();
    let unknown = diagnostics
        .iter()
        .find(|d| d["code"] == "unknown-key")
        .expect("unknown-key");
    assert_eq!(unknown["line"], 6);
    assert_eq!(unknown["column"], 1);
    let xml = app
        .send(
            Call::new(Method::POST, "/api/v1/projects/import")
                .token(&token)
                .raw("application/xml", b"<Project><Tasks>"),
        )
        .await;
    assert_eq!(xml.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", xml.text);
    let binary = app
        .send(
            Call::new(Method::POST, "/api/v1/projects/import")
                .token(&token)
                .raw("application/octet-stream", &[0xff, 0xfe, 0x00]),
        )
        .await;
    assert_eq!(binary.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.store.projects(None, 10).await.unwrap().is_empty());
    // A stored project that no longer reads as a plan says why. Writes through the API are
    // checked, so it is broken in the store itself: deleting `design` leaves `build` after a
    // task that does not exist.
    let project = app.project(&ana, FIXTURE).await;
    app.store
        .delete_entity(
            waymark_store::Actor::System,
            project.id,
            waymark_store::EntityKind::Task,
            "design",
            1,
        )
        .await
        .unwrap();
    let schedule = app
        .get(&format!("/api/v1/projects/{}/schedule", project.id), &token)
        .await;
    assert_eq!(schedule.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(schedule.text.contains("design"), "{}", schedule.text);
    let export = app
        .get(&format!("/api/v1/projects/{}/export", project.id), &token)
        .await;
    assert_eq!(export.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn views_answer_like_the_command_line(app: &TestApp) {
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    let project = app.project(&ana, FIXTURE).await;
    let base = format!("/api/v1/projects/{}", project.id);
    let plan = waymark_formats::plan::read_plan(FIXTURE).unwrap().plan;
    let computed = waymark_core::schedule(&plan).unwrap();
    let expected =
        serde_json::to_value(waymark_report::json::schedule_json(&plan, &computed)).unwrap();
    let schedule = app.get(&format!("{base}/schedule"), &token).await;
    assert_eq!(schedule.body, expected);
    let options = waymark_core::forecast::ForecastOptions {
        iterations: 300,
        seed: 7,
    };
    let result = waymark_core::forecast::forecast(&plan, &options, 1).unwrap();
    let expected =
        serde_json::to_value(waymark_report::json::forecast_json(&plan, &result)).unwrap();
    let forecast = app
        .get(&format!("{base}/forecast?iterations=300&seed=7"), &token)
        .await;
    assert_eq!(forecast.body, expected);
    let level = app.get(&format!("{base}/level?schedules=10"), &token).await;
    assert_eq!(level.status, StatusCode::OK);
    assert!(level.body["finish_before"].is_string());
    for bad in [
        "forecast?iterations=0",
        "forecast?iterations=100001",
        "level?schedules=0",
    ] {
        let answer = app.get(&format!("{base}/{bad}"), &token).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let export = app.get(&format!("{base}/export"), &token).await;
    assert_eq!(
        export.headers[header::CONTENT_TYPE],
        "application/toml; charset=utf-8"
    );
    assert_eq!(export.text, waymark_formats::plan::write(&plan));
}

/// Inputs schemathesis found answered outside the document: whole numbers written as floats,
/// NUL characters, a `parent` filter on resources, a malformed id.
async fn odd_inputs_get_documented_answers(app: &TestApp) {
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    let project = app.project(&ana, FIXTURE).await;
    let base = format!("/api/v1/projects/{}", project.id);
    let made = app
        .send(
            Call::new(Method::POST, &format!("{base}/risks"))
                .token(&token)
                .json(&json!({"id": "r2", "data": {"title": "R", "probability": 0.1}, "position": 4096.0})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.body["position"], 4096);
    let token_made = app
        .send(
            Call::new(Method::POST, "/api/v1/me/tokens")
                .token(&token)
                .json(&json!({"name": "t", "expires_in_days": 30.0})),
        )
        .await;
    assert_eq!(
        token_made.status,
        StatusCode::CREATED,
        "{}",
        token_made.text
    );
    let nul = app
        .send(
            Call::new(Method::POST, "/api/v1/session")
                .json(&json!({"name": "a\0b", "password": "x"})),
        )
        .await;
    assert_eq!(nul.status, StatusCode::UNAUTHORIZED, "{}", nul.text);
    let none = app
        .get(&format!("{base}/resources?parent=ana"), &token)
        .await;
    assert_eq!(none.body["items"], json!([]));
    let all = app.get(&format!("{base}/resources?parent="), &token).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);
    let q = app.get(&format!("{base}/tasks?q=%00"), &token).await;
    assert_eq!(q.status, StatusCode::BAD_REQUEST);
    let bad_id = app.get(&format!("{base}/tasks/a%20b"), &token).await;
    assert_eq!(bad_id.status, StatusCode::NOT_FOUND);
    let seed = app
        .get(&format!("{base}/forecast?seed=9223372036854775808"), &token)
        .await;
    assert_eq!(seed.status, StatusCode::BAD_REQUEST);
}

web_tests!(
    odd_inputs_get_documented_answers,
    updates_need_the_current_etag,
    other_projects_answer_not_found,
    lists_page_and_filter,
    the_event_log_records_every_change,
    members_are_managed_by_owners,
    members_change_progress_only,
    errors_are_json_without_internals,
    imports_report_diagnostics_with_lines,
    views_answer_like_the_command_line
);
