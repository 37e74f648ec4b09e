//! The board page through HTTP: leaf tasks as cards in the column of their status (for a small
//! fixture and for an example project), a column over its WIP limit marked in text, the
//! assignee filter from the URL, the controls each role gets, and the API calls the page's
//! script makes: a member's move (a PATCH of progress fields with the session's CSRF token and
//! If-Match) and a manager's WIP limits (a PUT of the project's fields).

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use waymark_store::Role;

use crate::harness::{Call, TestApp};

/// Leaf tasks in every status, a summary, two people and a WIP limit the fixture exceeds.
const BOARD: &str = r#"
[project]
name = "Board"
start = 2027-01-04
status_date = 2027-01-13
wip_limits = { in_progress = 1 }

[resources.ana]
name = "Ana"

[resources.bob]
name = "Bob"

[tasks.phase]
name = "Phase"

[tasks.design]
name = "Design"
parent = "phase"
duration = "3d"
resources = ["ana"]
actual_start = 2027-01-04
actual_finish = 2027-01-06

[tasks.build]
name = "Build"
parent = "phase"
duration = "5d"
after = ["design"]
resources = ["ana", "bob"]
progress = 0.4

[tasks.docs]
name = "Docs"
duration = "2d"
resources = ["bob"]
actual_start = 2027-01-11

[tasks.launch]
name = "Launch"
milestone = true
after = ["build", "docs"]
"#;

/// The JSON a page hands its script in `<script type="application/json" id="...">`.
pub(crate) fn island(html: &str, id: &str) -> Value {
    let start = html
        .find(&format!("<script type=\"application/json\" id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no {id} island in {html}"));
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</script>").unwrap();
    serde_json::from_str(&rest[open..close]).unwrap()
}

/// The session's CSRF token, from the page's `<meta name="csrf-token">`.
pub(crate) fn csrf(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let at = html.find(marker).unwrap() + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// The HTML of one column (`not_started`, `in_progress`, `done`).
fn column<'h>(html: &'h str, status: &str) -> &'h str {
    let start = html
        .find(&format!("data-status=\"{status}\""))
        .unwrap_or_else(|| panic!("no column {status}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The task ids of the cards of one column, in order.
fn cards(html: &str, status: &str) -> Vec<String> {
    column(html, status)
        .split("data-task=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// The opening tag of a task's card.
fn card_tag<'h>(html: &'h str, task: &str) -> &'h str {
    let start = html
        .find(&format!("id=\"card-{task}\""))
        .unwrap_or_else(|| panic!("no card {task}"));
    let open = html[..start].rfind('<').unwrap();
    let close = start + html[start..].find('>').unwrap();
    &html[open..=close]
}

async fn member_of(app: &TestApp, role: Role, name: &str, text: &str) -> (i64, String) {
    let owner = app.user(&format!("{name}-owner")).await;
    let project = app.project(&owner, text).await;
    let (user, cookie) = app.signed_in(name).await;
    app.add(project.id, &user, role).await;
    (project.id.0, cookie)
}

async fn columns_hold_leaf_tasks_by_status_and_mark_the_wip_limit(app: &TestApp) {
    let (id, cookie) = member_of(app, Role::Viewer, "vera", BOARD).await;
    let answer = app.page(&format!("/projects/{id}/board"), &cookie).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let html = &answer.text;
    assert!(html.contains("/static/board.js?v="), "{html}");
    assert!(html.contains("/static/board.css?v="), "{html}");
    assert_eq!(cards(html, "not_started"), ["launch"]);
    assert_eq!(cards(html, "in_progress"), ["build", "docs"]);
    assert_eq!(cards(html, "done"), ["design"]);
    // The summary task is not a card.
    assert!(!html.contains("data-task=\"phase\""), "{html}");
    // Two cards in progress against a limit of one: marked in text and by class.
    assert!(
        column(html, "in_progress").contains("2 / 1 — over the limit"),
        "{html}"
    );
    assert!(html.contains("class=\"column over-limit\" data-status=\"in_progress\""));
    assert!(html.contains("class=\"column\" data-status=\"done\""));
    assert!(column(html, "done").contains("1 task"), "{html}");
    // A card: name, assignees, dates, progress, and the critical mark on the critical path.
    let build = &column(html, "in_progress")[..column(html, "in_progress")
        .find("id=\"card-docs\"")
        .unwrap()];
    assert!(build.contains(">Build</h3>"), "{build}");
    assert!(build.contains("Ana, Bob"), "{build}");
    assert!(build.contains("40 %"), "{build}");
    // Its remaining work is rescheduled after the status date.
    assert!(build.contains("<time datetime=\"2027-01-14\">"), "{build}");
    assert!(build.contains("<time datetime=\"2027-01-20\">"), "{build}");
    assert!(build.contains(">Critical</span>"), "{build}");
    assert!(card_tag(html, "build").contains("class=\"card critical\""));
    assert!(card_tag(html, "docs").contains("class=\"card\""));
    assert!(column(html, "not_started").contains(">Milestone</span>"));
    assert!(column(html, "not_started").contains("Unassigned"));
    // The filter offers every resource and "Unassigned".
    assert!(
        html.contains("<label for=\"assignee\">Assignee</label>"),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"bob\">Bob</option>"),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"*\">Unassigned</option>"),
        "{html}"
    );
}

async fn an_example_project_has_every_leaf_task_in_its_column(app: &TestApp) {
    let text = include_str!("../../../../examples/website-launch.plan.toml");
    let plan = waymark_formats::plan::read_plan(text).unwrap().plan;
    let (id, cookie) = member_of(app, Role::Member, "mia", text).await;
    let answer = app.page(&format!("/projects/{id}/board"), &cookie).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let summaries = plan.summaries();
    let mut seen = 0;
    for status in waymark_core::TaskStatus::ALL {
        let expected: Vec<String> = plan
            .tasks
            .iter()
            .zip(&summaries)
            .filter(|(task, summary)| !**summary && task.status() == status)
            .map(|(task, _)| task.id.clone())
            .collect();
        assert_eq!(cards(&answer.text, status.key()), expected, "{status:?}");
        seen += expected.len();
    }
    let leaves = summaries.iter().filter(|summary| !**summary).count();
    assert_eq!(seen, leaves);
    // The example's progress spans the board.
    for status in ["not_started", "in_progress", "done"] {
        assert!(!cards(&answer.text, status).is_empty(), "{status}");
    }
}

async fn a_members_move_is_a_patch_the_api_accepts(app: &TestApp) {
    let (id, cookie) = member_of(app, Role::Member, "mia", BOARD).await;
    let uri = format!("/projects/{id}/board");
    let answer = app.page(&uri, &cookie).await;
    let data = island(&answer.text, "board-data");
    let token = csrf(&answer.text);
    assert_eq!(data["status_date"], "2027-01-13");
    assert_eq!(data["wip_limits"], json!({"in_progress": 1}));
    // A member cannot change the project, so the page does not hand over its fields.
    assert_eq!(data["project"], Value::Null);
    let launch = &data["tasks"]["launch"];
    assert_eq!(launch["progress"], Value::Null);
    // What a move into In progress proposes and warns about: the scheduled start (within the
    // project start and the status date), and the unfinished tasks it follows.
    assert_eq!(data["project_start"], "2027-01-04");
    assert_eq!(launch["waiting_on"], json!(["Build", "Docs"]));
    // Build has progress but no actual start, so its rest is scheduled after the status date;
    // a move proposes the status date then.
    assert_eq!(data["tasks"]["build"]["start"], "2027-01-14");
    assert_eq!(
        data["tasks"]["build"]["waiting_on"],
        Value::Null,
        "Design is done"
    );

    // Launch to Done: progress 1 and an actual finish on the status date, as board.js sends.
    let patch = |task: &str, version: &Value, body: Value| {
        Call::new(
            Method::PATCH,
            &format!("/api/v1/projects/{id}/tasks/{task}"),
        )
        .session(&cookie, &token)
        .if_match(&format!("\"{version}\""))
        .json(&body)
    };
    let done = app
        .send(patch(
            "launch",
            &launch["version"],
            json!({"progress": 1, "actual_finish": "2027-01-13"}),
        ))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    // Docs back to Not started: its actuals and progress removed.
    let docs = &data["tasks"]["docs"];
    assert_eq!(docs["actual_start"], "2027-01-11");
    let back = app
        .send(patch(
            "docs",
            &docs["version"],
            json!({"progress": null, "actual_start": null, "actual_finish": null}),
        ))
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    assert_eq!(back.body["data"].get("actual_start"), None);

    let after = app.page(&uri, &cookie).await;
    assert_eq!(cards(&after.text, "done"), ["design", "launch"]);
    assert_eq!(cards(&after.text, "in_progress"), ["build"]);
    assert_eq!(cards(&after.text, "not_started"), ["docs"]);
    assert!(column(&after.text, "in_progress").contains("1 / 1"));
    assert!(!after.text.contains("over-limit"));

    // The version the page held is stale now: the API answers 412, which the page reports.
    let stale = app
        .send(patch(
            "launch",
            &launch["version"],
            json!({"progress": 0.5}),
        ))
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.text
    );
    // Moves change progress fields only; anything else is a manager's.
    let renamed = app
        .send(patch(
            "build",
            &data["tasks"]["build"]["version"],
            json!({"name": "Rename"}),
        ))
        .await;
    assert_eq!(renamed.status, StatusCode::FORBIDDEN, "{}", renamed.text);
}

async fn each_role_gets_only_the_controls_it_may_use(app: &TestApp) {
    let owner = app.user("owner").await;
    let project = app.project(&owner, BOARD).await;
    let uri = format!("/projects/{}/board", project.id);
    for (name, role, moves, limits) in [
        ("vera", Role::Viewer, false, false),
        ("mia", Role::Member, true, false),
        ("max", Role::Manager, true, true),
    ] {
        let (user, cookie) = app.signed_in(name).await;
        app.add(project.id, &user, role).await;
        let answer = app.page(&uri, &cookie).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}");
        let html = &answer.text;
        assert_eq!(html.contains("data-move="), moves, "{name}");
        assert_eq!(html.contains(">Move to Done</button>"), moves, "{name}");
        assert_eq!(html.contains("class=\"grip\""), moves, "{name}");
        assert_eq!(html.contains("id=\"wip-form\""), limits, "{name}");
        assert_eq!(
            html.contains("<label for=\"wip-in_progress\">In progress limit</label>"),
            limits,
            "{name}"
        );
        // A card offers the two columns it is not in.
        if moves {
            let launch = &html[html.find("id=\"card-launch\"").unwrap()..];
            let launch = &launch[..launch.find("</li>").unwrap()];
            assert!(launch.contains(">Move to In progress</button>"));
            assert!(launch.contains(">Move to Done</button>"));
            assert!(!launch.contains(">Move to Not started</button>"));
        }
        let data = island(html, "board-data");
        assert_eq!(data["project"].is_object(), limits, "{name}");
    }
}

async fn the_assignee_filter_comes_from_the_url(app: &TestApp) {
    let (id, cookie) = member_of(app, Role::Viewer, "vera", BOARD).await;
    let shown = |html: &str| -> Vec<&str> {
        ["design", "build", "docs", "launch"]
            .into_iter()
            .filter(|task| !card_tag(html, task).contains(" hidden"))
            .collect()
    };
    let bob = app
        .page(&format!("/projects/{id}/board?assignee=bob"), &cookie)
        .await;
    assert_eq!(shown(&bob.text), ["build", "docs"]);
    assert!(bob
        .text
        .contains("<option value=\"bob\" selected>Bob</option>"));
    let nobody = app
        .page(&format!("/projects/{id}/board?assignee=*"), &cookie)
        .await;
    assert_eq!(shown(&nobody.text), ["launch"]);
    assert!(nobody
        .text
        .contains("<option value=\"*\" selected>Unassigned</option>"));
    // Anything that is not a resource shows everyone's cards.
    for query in [
        "?assignee=zoe",
        "?assignee=",
        "?assignee=bob&assignee=ana",
        "",
    ] {
        let all = app
            .page(&format!("/projects/{id}/board{query}"), &cookie)
            .await;
        assert_eq!(all.status, StatusCode::OK, "{query}");
        assert_eq!(
            shown(&all.text),
            ["design", "build", "docs", "launch"],
            "{query}"
        );
    }
    // The WIP count is the column's, whatever the filter shows.
    assert!(column(&bob.text, "in_progress").contains("2 / 1 — over the limit"));
}

async fn a_manager_sets_the_wip_limits_through_the_project_fields(app: &TestApp) {
    let (id, cookie) = member_of(app, Role::Manager, "max", BOARD).await;
    let uri = format!("/projects/{id}/board");
    let answer = app.page(&uri, &cookie).await;
    let data = island(&answer.text, "board-data");
    let token = csrf(&answer.text);
    let version = data["project"]["version"].clone();
    let mut fields = data["project"]["fields"].clone();
    assert_eq!(fields["wip_limits"], json!({"in_progress": 1}));
    let put = |fields: &Value, version: &Value| {
        Call::new(Method::PUT, &format!("/api/v1/projects/{id}"))
            .session(&cookie, &token)
            .if_match(&format!("\"{version}\""))
            .json(&json!({ "fields": fields }))
    };
    // A limit of 0 is refused by the plan reader, naming the column.
    fields["wip_limits"] = json!({"in_progress": 0});
    let refused = app.send(put(&fields, &version)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = refused.body["error"]["diagnostics"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("`in_progress`"), "{message}");
    // Three in progress and two done.
    fields["wip_limits"] = json!({"in_progress": 3, "done": 2});
    let saved = app.send(put(&fields, &version)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let after = app.page(&uri, &cookie).await;
    assert!(column(&after.text, "in_progress").contains("2 / 3<"));
    assert!(column(&after.text, "done").contains("1 / 2<"));
    assert!(!after.text.contains("over-limit"));
    assert!(after
        .text
        .contains("id=\"wip-in_progress\" name=\"in_progress\" value=\"3\""));
    // The limits go out with the plan file.
    let export = app
        .send(
            Call::new(
                Method::GET,
                &format!("/api/v1/projects/{id}/export?format=plan"),
            )
            .header("cookie", &cookie),
        )
        .await;
    assert!(
        export
            .text
            .contains("wip_limits = { in_progress = 3, done = 2 }"),
        "{}",
        export.text
    );
    // The page's version is stale now.
    let stale = app.send(put(&fields, &version)).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
}

async fn strangers_get_the_not_found_page(app: &TestApp) {
    let owner = app.user("owner").await;
    let project = app.project(&owner, BOARD).await;
    let (_, cookie) = app.signed_in("eve").await;
    for tab in ["board", "risks"] {
        let answer = app
            .page(&format!("/projects/{}/{tab}", project.id), &cookie)
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{tab}");
        assert!(!answer.text.contains("Launch"), "{tab}");
    }
    let missing = app.page("/projects/999999/board", &cookie).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Signed out: the sign-in page.
    let signed_out = app
        .send(Call::new(
            Method::GET,
            &format!("/projects/{}/board", project.id),
        ))
        .await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
}

web_tests!(
    columns_hold_leaf_tasks_by_status_and_mark_the_wip_limit,
    an_example_project_has_every_leaf_task_in_its_column,
    a_members_move_is_a_patch_the_api_accepts,
    each_role_gets_only_the_controls_it_may_use,
    the_assignee_filter_comes_from_the_url,
    a_manager_sets_the_wip_limits_through_the_project_fields,
    strangers_get_the_not_found_page,
);
