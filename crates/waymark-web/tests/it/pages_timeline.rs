//! The timeline page through HTTP: its JSON island holds the schedule view's dates, the stored
//! versions and the project calendar's days; managers get the drag controls and viewers and
//! members do not; strangers get the not-found page; and the change the page sends when a bar
//! is dropped (a merge patch of `start_no_earlier_than`, or of `duration`, with the session's
//! CSRF token and the island's version) moves the task and its successors in the schedule.

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use waymark_store::{Project, Role};

use crate::harness::{Answer, Call, TestApp};

/// A chain `design -> build -> test -> launch` plus a task on the side, on the built-in
/// standard calendar (Monday to Friday, 8 working hours).
const CHAIN: &str = r#"
[project]
name = "Chain"
start = 2027-03-01

[tasks.phase]
name = "Delivery"

[tasks.design]
name = "Design"
parent = "phase"
duration = "3d"

[tasks.build]
name = "Build API"
parent = "phase"
duration = "5d"
after = ["design"]

[tasks.test]
name = "Test"
parent = "phase"
duration = "2d"
after = ["build"]

[tasks.launch]
name = "Launch"
milestone = true
after = ["test"]

[tasks.docs]
name = "Docs"
duration = "2d"
after = ["design SS"]
"#;

/// The page's JSON island.
fn island(html: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"timeline-data\">";
    let at = html.find(open).expect("the timeline island") + open.len();
    let end = at + html[at..].find("</script>").unwrap();
    serde_json::from_str(&html[at..end]).unwrap()
}

/// The page's CSRF token, as `Waymark.api` reads it.
fn csrf(html: &str) -> String {
    let meta = "<meta name=\"csrf-token\" content=\"";
    let at = html.find(meta).expect("a CSRF meta") + meta.len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// A task of a schedule document by id.
fn task<'a>(schedule: &'a Value, id: &str) -> &'a Value {
    schedule["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|task| task["id"] == id)
        .unwrap_or_else(|| panic!("no task {id}"))
}

fn date(task: &Value, field: &str) -> String {
    task[field].as_str().unwrap()[..10].to_owned()
}

async fn island_holds_the_schedule_view(app: &TestApp) {
    let owner = app.user_with_password("olivia", "correct horse").await;
    let token = app.token(&owner).await;
    let project = app
        .project(
            &owner,
            include_str!("../../../../examples/website-launch.plan.toml"),
        )
        .await;
    let cookie = app.form_cookie("olivia", "correct horse").await;
    let page = app
        .page(&format!("/projects/{}/timeline", project.id.0), &cookie)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let data = island(&page.text);
    let view = app
        .get(
            &format!("/api/v1/projects/{}/schedule", project.id.0),
            &token,
        )
        .await;
    assert_eq!(view.status, StatusCode::OK);
    // The island's schedule is the API view's document, task for task.
    assert_eq!(data["schedule"], view.body);
    let tasks = view.body["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 37);
    assert!(tasks.iter().any(|task| task["critical"] == true));
    for task in tasks {
        let id = task["id"].as_str().unwrap();
        let shown = &data["schedule"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|shown| shown["id"] == id)
            .unwrap();
        for field in ["start", "finish", "critical", "summary", "milestone"] {
            assert_eq!(shown[field], task[field], "{id} {field}");
        }
        // Each task's stored version, for If-Match.
        let stored = app
            .get(
                &format!("/api/v1/projects/{}/tasks/{id}", project.id.0),
                &token,
            )
            .await;
        assert_eq!(data["tasks"][id]["version"], stored.body["version"], "{id}");
    }
    // The project calendar ("agency": 8 working hours, Monday to Friday, holidays, a short day)
    // per calendar day.
    let first = data["calendar"]["first"].as_str().unwrap();
    let first = chrono::NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap();
    let minutes = data["calendar"]["minutes"].as_array().unwrap();
    let on = |day: &str| {
        let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        minutes[(day - first).num_days() as usize].as_i64().unwrap()
    };
    assert_eq!(on("2027-11-10"), 480, "a Wednesday");
    assert_eq!(on("2027-11-13"), 0, "a Saturday");
    assert_eq!(on("2027-11-11"), 0, "Veterans Day");
    assert_eq!(on("2027-11-24"), 180, "the short day before Thanksgiving");
    // The frame the script draws into, and the status date for its line.
    assert!(page.text.contains("id=\"timeline\""), "{}", page.text);
    assert!(page.text.contains("/static/timeline.js?v="));
    assert_eq!(
        data["schedule"]["project"]["status_date"],
        "2027-10-30T00:00:00"
    );
}

async fn only_managers_get_the_drag_controls(app: &TestApp) {
    let owner = app.user_with_password("olivia", "correct horse").await;
    let project = app.project(&owner, CHAIN).await;
    for (name, role) in [
        ("mia", Role::Manager),
        ("mo", Role::Member),
        ("vic", Role::Viewer),
    ] {
        let user = app.user_with_password(name, "correct horse").await;
        app.add(project.id, &user, role).await;
        let cookie = app.form_cookie(name, "correct horse").await;
        let page = app
            .page(&format!("/projects/{}/timeline", project.id.0), &cookie)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        let html = &page.text;
        let manager = role == Role::Manager;
        assert_eq!(
            html.contains("data-can-drag=\"true\""),
            manager,
            "{name}: {html}"
        );
        assert_eq!(html.contains("data-can-drag=\"false\""), !manager, "{name}");
        for control in ["id=\"tl-hint\"", "id=\"tl-dialog\"", "id=\"tl-undo\""] {
            assert_eq!(html.contains(control), manager, "{name} {control}");
        }
        // Everyone sees the chart, the zoom and the legend.
        assert!(html.contains(">Days</button>"), "{name}");
        assert!(html.contains(">Weeks</button>"), "{name}");
        assert!(html.contains(">Months</button>"), "{name}");
        assert!(html.contains("Critical path"), "{name}");
        assert!(html.contains("id=\"timeline-data\""), "{name}");
    }
}

async fn strangers_get_the_not_found_page(app: &TestApp) {
    let owner = app.user_with_password("olivia", "correct horse").await;
    let project = app.project(&owner, CHAIN).await;
    app.user_with_password("eve", "correct horse").await;
    let cookie = app.form_cookie("eve", "correct horse").await;
    let page = app
        .page(&format!("/projects/{}/timeline", project.id.0), &cookie)
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.text.contains("timeline-data"));
    assert!(!page.text.contains("Build API"));
    let missing = app
        .send(Call::new(Method::GET, "/projects/999999/timeline").header("cookie", &cookie))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let signed_out = app
        .send(Call::new(
            Method::GET,
            &format!("/projects/{}/timeline", project.id.0),
        ))
        .await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_out.headers[header::LOCATION], "/signin");
}

/// Sends a change as the page's script does: the session cookie, its CSRF token and the
/// island's version as `If-Match`.
async fn patch_as_the_page(
    app: &TestApp,
    project: &Project,
    cookie: &str,
    html: &str,
    version: &Value,
    id: &str,
    patch: Value,
) -> Answer {
    app.send(
        Call::new(
            Method::PATCH,
            &format!("/api/v1/projects/{}/tasks/{id}", project.id.0),
        )
        .session(cookie, &csrf(html))
        .if_match(&format!("\"{version}\""))
        .json(&patch),
    )
    .await
}

async fn a_dropped_bar_moves_the_task_and_its_successors(app: &TestApp) {
    let owner = app.user_with_password("olivia", "correct horse").await;
    let token = app.token(&owner).await;
    let project = app.project(&owner, CHAIN).await;
    let cookie = app.form_cookie("olivia", "correct horse").await;
    let page = app
        .page(&format!("/projects/{}/timeline", project.id.0), &cookie)
        .await;
    let data = island(&page.text);
    let schedule = &data["schedule"];
    assert_eq!(date(task(schedule, "design"), "start"), "2027-03-01");
    assert_eq!(date(task(schedule, "build"), "start"), "2027-03-04");
    assert_eq!(date(task(schedule, "build"), "finish"), "2027-03-10");
    assert_eq!(date(task(schedule, "test"), "start"), "2027-03-11");
    assert_eq!(date(task(schedule, "launch"), "finish"), "2027-03-12");

    // "Build API" dropped one week later: the date the page sends, snapped to a whole day.
    let version = &data["tasks"]["build"]["version"];
    let answer = patch_as_the_page(
        app,
        &project,
        &cookie,
        &page.text,
        version,
        "build",
        json!({"start_no_earlier_than": "2027-03-11"}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["data"]["start_no_earlier_than"], "2027-03-11");

    let view = app
        .get(
            &format!("/api/v1/projects/{}/schedule", project.id.0),
            &token,
        )
        .await;
    let moved = &view.body;
    assert_eq!(date(task(moved, "build"), "start"), "2027-03-11");
    assert_eq!(date(task(moved, "build"), "finish"), "2027-03-17");
    // Its successors followed; the tasks before it and beside it did not move.
    assert_eq!(date(task(moved, "test"), "start"), "2027-03-18");
    assert_eq!(date(task(moved, "test"), "finish"), "2027-03-19");
    assert_eq!(date(task(moved, "launch"), "finish"), "2027-03-19");
    assert_eq!(date(task(moved, "phase"), "finish"), "2027-03-19");
    assert_eq!(
        task(moved, "design")["start"],
        task(schedule, "design")["start"]
    );
    assert_eq!(
        task(moved, "docs")["start"],
        task(schedule, "docs")["start"]
    );

    // The bar's right end dragged two days on: the page sends the new working duration.
    let page = app
        .page(&format!("/projects/{}/timeline", project.id.0), &cookie)
        .await;
    let data = island(&page.text);
    assert_eq!(data["tasks"]["build"]["version"], answer.body["version"]);
    assert_eq!(
        data["tasks"]["build"]["start_no_earlier_than"],
        "2027-03-11"
    );
    // The page is kept by project revision: the change is a new one, so it shows the move.
    assert_eq!(
        date(task(&data["schedule"], "build"), "start"),
        "2027-03-11"
    );
    assert_eq!(date(task(&data["schedule"], "test"), "start"), "2027-03-18");
    let answer = patch_as_the_page(
        app,
        &project,
        &cookie,
        &page.text,
        &data["tasks"]["build"]["version"],
        "build",
        json!({"duration": "7d"}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let view = app
        .get(
            &format!("/api/v1/projects/{}/schedule", project.id.0),
            &token,
        )
        .await;
    assert_eq!(date(task(&view.body, "build"), "finish"), "2027-03-19");
    assert_eq!(date(task(&view.body, "test"), "start"), "2027-03-22");

    // A page that still holds the old version is told someone else changed the task.
    let stale = patch_as_the_page(
        app,
        &project,
        &cookie,
        &page.text,
        version,
        "build",
        json!({"start_no_earlier_than": "2027-03-01"}),
    )
    .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.code(), "stale");
}

async fn members_and_viewers_cannot_move_tasks(app: &TestApp) {
    let owner = app.user_with_password("olivia", "correct horse").await;
    let project = app.project(&owner, CHAIN).await;
    for (name, role) in [("mo", Role::Member), ("vic", Role::Viewer)] {
        let user = app.user_with_password(name, "correct horse").await;
        app.add(project.id, &user, role).await;
        let cookie = app.form_cookie(name, "correct horse").await;
        let page = app
            .page(&format!("/projects/{}/timeline", project.id.0), &cookie)
            .await;
        let data = island(&page.text);
        let answer = patch_as_the_page(
            app,
            &project,
            &cookie,
            &page.text,
            &data["tasks"]["build"]["version"],
            "build",
            json!({"start_no_earlier_than": "2027-03-11"}),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{name}");
    }
}

async fn a_plan_that_cannot_be_scheduled_says_why(app: &TestApp) {
    let owner = app.user_with_password("olivia", "correct horse").await;
    let token = app.token(&owner).await;
    let project = app.project(&owner, CHAIN).await;
    // A cycle, made through the API (objects are stored as given).
    let design = app
        .get(
            &format!("/api/v1/projects/{}/tasks/design", project.id.0),
            &token,
        )
        .await;
    let answer = app
        .send(
            Call::new(
                Method::PATCH,
                &format!("/api/v1/projects/{}/tasks/design", project.id.0),
            )
            .token(&token)
            .if_match(&design.etag())
            .json(&json!({"after": ["test"]})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cookie = app.form_cookie("olivia", "correct horse").await;
    let page = app
        .page(&format!("/projects/{}/timeline", project.id.0), &cookie)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("No timeline: "), "{}", page.text);
    assert!(!page.text.contains("timeline-data"));
}

async fn island_says_what_a_drag_cannot_change(app: &TestApp) {
    let owner = app.user_with_password("olivia", "correct horse").await;
    let plan = format!(
        "{CHAIN}\n[calendars.night]\ndays = [\"mon\", \"tue\"]\nhours = [\"20:00-23:00\"]\n\n\
         [tasks.fixed]\nname = \"Fixed\"\nduration = \"1d\"\nmust_start_on = 2027-03-08\n\n\
         [tasks.night]\nname = \"Night shift\"\nduration = \"3h\"\ncalendar = \"night\"\n\
         start_no_earlier_than = 2027-03-02\n"
    );
    let project = app.project(&owner, &plan).await;
    let cookie = app.form_cookie("olivia", "correct horse").await;
    let page = app
        .page(&format!("/projects/{}/timeline", project.id.0), &cookie)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let tasks = &island(&page.text)["tasks"];
    assert_eq!(tasks["fixed"]["fixed"], true);
    assert_eq!(tasks["build"]["fixed"], false);
    assert_eq!(tasks["night"]["own_calendar"], true);
    assert_eq!(tasks["build"]["own_calendar"], false);
    assert_eq!(tasks["night"]["start_no_earlier_than"], "2027-03-02");
    assert_eq!(tasks["build"]["duration"], "5d");
    assert_eq!(tasks["launch"]["duration"], Value::Null);
}

web_tests!(
    island_holds_the_schedule_view,
    only_managers_get_the_drag_controls,
    strangers_get_the_not_found_page,
    a_dropped_bar_moves_the_task_and_its_successors,
    members_and_viewers_cannot_move_tasks,
    a_plan_that_cannot_be_scheduled_says_why,
    island_says_what_a_drag_cannot_change,
);
