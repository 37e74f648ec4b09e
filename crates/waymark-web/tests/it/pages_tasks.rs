//! The tasks page and the API's write-time plan check through HTTP: the page renders the stored
//! tasks (with versions) and the schedule for every role but offers edit controls only to those
//! who may edit; a stranger gets the not-found page; a write that would make the project an
//! invalid plan is refused with `422 invalid-plan` naming the object and field, and nothing is
//! stored.

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use waymark_store::Role;

use crate::harness::{Answer, Call, TestApp, FIXTURE};

/// The JSON the page hands its script.
fn island(html: &str) -> Value {
    let start = html
        .find("<script type=\"application/json\" id=\"tasks-data\">")
        .expect("the tasks island");
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</script>").unwrap();
    serde_json::from_str(&rest[open..close]).unwrap()
}

async fn page_renders_tasks_and_schedule_by_role(app: &TestApp) {
    let owner = app.user("owner").await;
    let project = app.project(&owner, FIXTURE).await;
    let uri = format!("/projects/{}/tasks", project.id);
    for (name, role, edits) in [
        ("vera", Role::Viewer, false),
        ("mia", Role::Member, false),
        ("max", Role::Manager, true),
    ] {
        let (user, cookie) = app.signed_in(name).await;
        app.add(project.id, &user, role).await;
        let answer = app.page(&uri, &cookie).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}: {}", answer.text);
        let html = &answer.text;
        assert!(html.contains("/static/tasks.js?v="), "{html}");
        assert!(html.contains("/static/tasks.css?v="), "{html}");
        assert!(html.contains("aria-label=\"Tasks\""), "{html}");
        assert!(html.contains(&format!("data-role=\"{}\"", role.as_str())));
        // The edit controls only for those who may edit.
        assert_eq!(html.contains(">Add task</button>"), edits, "{name}");
        assert_eq!(html.contains(">Indent</button>"), edits, "{name}");
        assert_eq!(html.contains(">Delete</button>"), edits, "{name}");
        assert_eq!(html.contains("data-can-edit=\"true\""), edits, "{name}");
        assert_eq!(
            html.contains("data-can-report=\"true\""),
            role != Role::Viewer,
            "{name}"
        );
        let data = island(html);
        let tasks = data["tasks"].as_array().unwrap();
        let ids: Vec<&str> = tasks.iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["design", "build"]);
        assert_eq!(tasks[1]["version"], 1);
        assert_eq!(tasks[1]["data"]["after"], json!(["design"]));
        assert_eq!(tasks[0]["data"]["estimate"], json!(["2d", "3d", "5d"]));
        // The schedule's dates: design takes its most likely 3 days from Monday 4 January,
        // build follows it for 5 days.
        let schedule = data["schedule"].as_array().unwrap();
        assert_eq!(schedule[0]["id"], "design");
        assert!(schedule[0]["start"]
            .as_str()
            .unwrap()
            .starts_with("2027-01-04"));
        assert!(schedule[1]["start"]
            .as_str()
            .unwrap()
            .starts_with("2027-01-07"));
        assert!(schedule[1]["finish"]
            .as_str()
            .unwrap()
            .starts_with("2027-01-13"));
        assert_eq!(schedule[1]["critical"], true);
        assert_eq!(data["problems"], json!([]));
    }
}

/// The page's script and stylesheet are served from the binary, and the script is the tree
/// table that changes tasks through the API.
async fn the_page_script_and_stylesheet_are_served(app: &TestApp) {
    let script = app.send(Call::new(Method::GET, "/static/tasks.js")).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(script.text.contains("treegrid"));
    assert!(script.text.contains("Waymark.api(\"PATCH\""));
    let style = app.send(Call::new(Method::GET, "/static/tasks.css")).await;
    assert_eq!(style.status, StatusCode::OK);
    assert!(style.text.contains("#task-table"));
}

async fn a_stranger_gets_the_not_found_page(app: &TestApp) {
    let owner = app.user("owner").await;
    let project = app.project(&owner, FIXTURE).await;
    let (_, cookie) = app.signed_in("stranger").await;
    let answer = app
        .page(&format!("/projects/{}/tasks", project.id), &cookie)
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(!answer.text.contains("tasks-data"));
    assert!(!answer.text.contains("Design"));
    let signed_out = app
        .send(Call::new(
            Method::GET,
            &format!("/projects/{}/tasks", project.id),
        ))
        .await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
}

/// Deletes the fixture's `design` in the store, past the API's check: `build` is left after a
/// task that does not exist.
async fn break_the_plan(app: &TestApp, project: waymark_store::ProjectId) {
    app.store
        .delete_entity(
            waymark_store::Actor::System,
            project,
            waymark_store::EntityKind::Task,
            "design",
            1,
        )
        .await
        .unwrap();
}

async fn a_broken_plan_still_shows_its_tasks(app: &TestApp) {
    let owner = app.user("owner").await;
    let project = app.project(&owner, FIXTURE).await;
    // Broken in the store itself (the API refuses this delete): build is left after a task
    // that no longer exists.
    break_the_plan(app, project.id).await;
    let (max, cookie) = app.signed_in("max").await;
    app.add(project.id, &max, Role::Manager).await;
    let answer = app
        .page(&format!("/projects/{}/tasks", project.id), &cookie)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let data = island(&answer.text);
    assert_eq!(data["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(data["schedule"], Value::Null);
    assert!(
        data["problems"][0].as_str().unwrap().contains("design"),
        "{data}"
    );
}

/// A PATCH of `build` as `token`, with `If-Match: "version"`.
async fn patch(app: &TestApp, token: &str, project: i64, version: i64, body: Value) -> Answer {
    app.send(
        Call::new(
            Method::PATCH,
            &format!("/api/v1/projects/{project}/tasks/build"),
        )
        .token(token)
        .if_match(&format!("\"{version}\""))
        .json(&body),
    )
    .await
}

async fn writes_that_break_the_plan_are_refused_naming_the_field(app: &TestApp) {
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    let project = app.project(&ana, FIXTURE).await;
    let id = project.id.0;
    let cases = [
        (json!({"duration": "5x"}), "duration", "5x"),
        (json!({"after": ["design", "nowhere"]}), "after", "nowhere"),
        (json!({"after": ["design XX+2d"]}), "after", "design XX+2d"),
        (json!({"estimate": ["5d", "3d", "8d"]}), "estimate", "order"),
        (json!({"progress": 2.0}), "progress", "progress"),
        (json!({"resources": ["zoe"]}), "resources", "zoe"),
        (json!({"parent": "build"}), "parent", "build"),
    ];
    for (body, field, words) in cases {
        let answer = patch(app, &token, id, 1, body).await;
        answer.assert_refused(&format!("tasks.build.{field}"), words);
    }
    // Nothing was stored: the version is the same, and so are the fields.
    let task = app
        .get(&format!("/api/v1/projects/{id}/tasks/build"), &token)
        .await;
    assert_eq!(task.etag(), "\"1\"");
    assert_eq!(task.body["data"]["duration"], "5d");
    assert_eq!(task.body["data"]["after"], json!(["design"]));
    let events = app
        .get(&format!("/api/v1/projects/{id}/events"), &token)
        .await;
    let updates = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "update")
        .count();
    assert_eq!(updates, 0, "{}", events.text);

    // A valid change still works, with a link type and a lag.
    let fine = patch(
        app,
        &token,
        id,
        1,
        json!({"duration": "6d", "after": ["design SS+1d"], "progress": 0.5}),
    )
    .await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.text);
    assert_eq!(fine.etag(), "\"2\"");
    assert_eq!(fine.body["data"]["duration"], "6d");

    // PUT and POST are checked the same way.
    let put = app
        .send(
            Call::new(Method::PUT, &format!("/api/v1/projects/{id}/tasks/build"))
                .token(&token)
                .if_match("\"2\"")
                .json(&json!({"data": {"name": "Build", "after": ["design"]}})),
        )
        .await;
    put.assert_refused("tasks.build.duration", "duration");
    let post = app
        .send(
            Call::new(Method::POST, &format!("/api/v1/projects/{id}/tasks"))
                .token(&token)
                .json(&json!({"id": "qa", "data": {"duration": "1d", "after": ["bild"]}})),
        )
        .await;
    assert_eq!(
        post.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        post.text
    );
    let diagnostic = &post.body["error"]["diagnostics"][0];
    assert_eq!(diagnostic["id"], "qa");
    assert_eq!(diagnostic["field"], "after");
    let missing = app
        .get(&format!("/api/v1/projects/{id}/tasks/qa"), &token)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // A stale write is answered as stale before its content is looked at.
    let stale = patch(app, &token, id, 1, json!({"duration": "5x"})).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
}

async fn members_are_checked_too_and_old_errors_do_not_block(app: &TestApp) {
    let owner = app.user("owner").await;
    let mia = app.user("mia").await;
    let owner_token = app.token(&owner).await;
    let token = app.token(&mia).await;
    let project = app.project(&owner, FIXTURE).await;
    app.add(project.id, &mia, Role::Member).await;
    let id = project.id.0;
    let refused = patch(app, &token, id, 1, json!({"progress": 2.0})).await;
    refused.assert_refused("tasks.build.progress", "progress");
    // A member may still not change other fields, valid or not: 403 before any check.
    let forbidden = patch(app, &token, id, 1, json!({"duration": "5x"})).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    // Deleting a task another one follows is refused, naming the link to remove first.
    let refused = app
        .send(
            Call::new(
                Method::DELETE,
                &format!("/api/v1/projects/{id}/tasks/design"),
            )
            .token(&owner_token)
            .if_match("\"1\""),
        )
        .await;
    refused.assert_refused("tasks.build.after", "which does not exist");
    let still = app
        .get(&format!("/api/v1/projects/{id}/tasks/design"), &owner_token)
        .await;
    assert_eq!(still.status, StatusCode::OK, "nothing was deleted");
    // A project broken some other way (here in the store itself) can still be changed where
    // the change adds no error.
    break_the_plan(app, waymark_store::ProjectId(id)).await;
    let progress = patch(app, &token, id, 1, json!({"progress": 0.3})).await;
    assert_eq!(progress.status, StatusCode::OK, "{}", progress.text);
    // And repaired.
    let repaired = patch(app, &owner_token, id, 2, json!({"after": null})).await;
    assert_eq!(repaired.status, StatusCode::OK, "{}", repaired.text);
    let schedule = app
        .get(&format!("/api/v1/projects/{id}/schedule"), &owner_token)
        .await;
    assert_eq!(schedule.status, StatusCode::OK, "{}", schedule.text);
}

web_tests!(
    page_renders_tasks_and_schedule_by_role,
    the_page_script_and_stylesheet_are_served,
    a_stranger_gets_the_not_found_page,
    a_broken_plan_still_shows_its_tasks,
    writes_that_break_the_plan_are_refused_naming_the_field,
    members_are_checked_too_and_old_errors_do_not_block,
);
