//! The resources page and applying a levelling, through HTTP: the heat map's cells are the
//! engine's weekly load (`waymark load`), over-allocated weeks are marked in the cell and listed,
//! only managers and owners are offered "Level", the preview shows the level view's moves and
//! explanations, and `POST .../level/apply` writes the levelled starts in one transaction (the
//! schedule then has the levelled finish and no over-allocation levelling removed) or, when the
//! project changed since the preview, answers 412 and changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use waymark_core::load::{load, Period};
use waymark_core::{time, ResourceKind, TaskCalendars};
use waymark_store::{Actor, Project, Role, User};

use crate::harness::{Call, TestApp};

const MOBILE_APP: &str = include_str!("../../../../examples/mobile-app.plan.toml");
const PASSWORD: &str = "correct horse";

/// Signs `name` in through the API and returns the cookie (`name=value`) and the CSRF token.
async fn session(app: &TestApp, name: &str) -> (String, String) {
    let answer = app
        .send(Call::new(Method::POST, "/api/v1/session").json(&json!({
            "name": name, "password": PASSWORD
        })))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cookie = answer.session_cookie();
    let csrf = answer.body["csrf_token"].as_str().unwrap().to_owned();
    (cookie, csrf)
}

/// The mobile-app example, owned by `owner`.
async fn example(app: &TestApp, owner: &User) -> Project {
    app.project(owner, MOBILE_APP).await
}

/// The part of `html` from the element with `id` to the end of its table.
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let end = html[start..].find("</table>").unwrap() + start;
    &html[start..end]
}

/// The attributes of every heat map cell (`<td ... data-resource=...>`) of a table.
fn cells(table: &str) -> Vec<BTreeMap<String, String>> {
    table
        .split("<td ")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').unwrap()])
        .filter(|tag| tag.contains("data-resource="))
        .map(|tag| {
            let mut attributes = BTreeMap::new();
            let mut rest = tag;
            while let Some(equals) = rest.find("=\"") {
                let name = rest[..equals].trim().to_owned();
                let value_start = equals + 2;
                let value_end = rest[value_start..].find('"').unwrap() + value_start;
                attributes.insert(name, rest[value_start..value_end].to_owned());
                rest = &rest[value_end + 1..];
            }
            attributes
        })
        .collect()
}

/// The over-allocated cells of a table as (resource, week).
fn over_cells(table: &str) -> BTreeSet<(String, String)> {
    cells(table)
        .into_iter()
        .filter(|cell| cell["data-over"] == "true")
        .map(|cell| (cell["data-resource"].clone(), cell["data-week"].clone()))
        .collect()
}

async fn heat_map_cells_are_the_engines_weekly_load(app: &TestApp) {
    let owner = app.user_with_password("owner", PASSWORD).await;
    let project = example(app, &owner).await;
    let (cookie, _) = session(app, "owner").await;
    let answer = app
        .page(&format!("/projects/{}/resources", project.id), &cookie)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let shown = cells(table(&answer.text, "heatmap"));

    // What `waymark load --json` computes for the same plan: the engine's load per week.
    let plan = waymark_formats::plan::read_plan(MOBILE_APP).unwrap().plan;
    let schedule = waymark_core::schedule(&plan).unwrap();
    let calendars = TaskCalendars::new(&plan).unwrap();
    let loads = load(&plan, &schedule, &calendars, Period::Week);
    let hours = |minutes: f64| (minutes / 60.0 * 100.0).round() / 100.0;
    let mut expected = Vec::new();
    for row in &loads {
        let resource = &plan.resources[row.resource];
        if resource.kind != ResourceKind::Work {
            continue;
        }
        for period in &row.periods {
            let share = period.allocated_minutes / period.capacity_minutes;
            expected.push((
                resource.id.clone(),
                time::iso(period.start)[..10].to_owned(),
                hours(period.allocated_minutes),
                hours(period.capacity_minutes),
                // `+ 0.0` makes the -0.0 of an empty sum 0.
                format!("{:.0}", share * 100.0 + 0.0),
                // The engine's rule, as it is: the page has none of its own.
                period.over_allocated,
            ));
        }
    }
    let actual: Vec<_> = shown
        .iter()
        .map(|cell| {
            (
                cell["data-resource"].clone(),
                cell["data-week"].clone(),
                cell["data-allocated-hours"].parse::<f64>().unwrap(),
                cell["data-capacity-hours"].parse::<f64>().unwrap(),
                cell["data-percent"].clone(),
                cell["data-over"] == "true",
            )
        })
        .collect();
    assert_eq!(actual.len(), 8 * 20, "8 people, 20 weeks");
    assert_eq!(actual, expected);

    // And the numbers `waymark load examples/mobile-app.plan.toml` prints (an oracle written
    // down from the command line, so a change in both would still show).
    let percent = |resource: &str, week: &str| {
        let cell = shown
            .iter()
            .find(|c| c["data-resource"] == resource && c["data-week"] == week)
            .unwrap();
        (cell["data-percent"].clone(), cell["data-over"] == "true")
    };
    assert_eq!(percent("maya", "2027-02-01"), ("112".into(), true));
    assert_eq!(percent("leo", "2027-02-15"), ("280".into(), true));
    assert_eq!(percent("priya", "2027-03-22"), ("200".into(), true));
    assert_eq!(percent("noor", "2027-03-29"), ("92".into(), true));
    assert_eq!(percent("jin", "2027-02-08"), ("60".into(), false));
    assert_eq!(percent("felix", "2027-06-14"), ("10".into(), false));
}

async fn over_allocated_weeks_are_marked_and_listed(app: &TestApp) {
    let owner = app.user_with_password("owner", PASSWORD).await;
    let project = example(app, &owner).await;
    let (cookie, _) = session(app, "owner").await;
    let html = app
        .page(&format!("/projects/{}/resources", project.id), &cookie)
        .await
        .text;
    let over = "Priya Nair, week of 2027-03-22: 200 % (over-allocated)";
    assert!(
        html.contains(&format!(
            "<td class=\"over\" title=\"{over}\" aria-label=\"{over}\" data-resource=\"priya\""
        )),
        "{html}"
    );
    // The mark is in the text, not in the colour alone.
    let cell = &html[html.find(&format!("aria-label=\"{over}\"")).unwrap()..];
    let cell = &cell[..cell.find("</td>").unwrap()];
    assert!(
        cell.contains(">200 %<span class=\"mark\" aria-hidden=\"true\">!</span>"),
        "{cell}"
    );
    // Booked beyond capacity at some moment, though not over the week's working time.
    assert!(
        html.contains(
            "aria-label=\"Noor Haddad, week of 2027-03-29: 92 % (over-allocated: 150 % booked \
             at once)\""
        ),
        "{html}"
    );
    assert!(html.contains("aria-label=\"Jin Park, week of 2027-02-08: 60 %\""));
    assert!(html.contains("18 over-allocated person-weeks."), "{html}");
    // The list below names the person, the week and the tasks booked then.
    let list = table(&html, "over-allocations");
    let row = &list[list
        .find("<td data-label=\"Person\">Priya Nair</td><td data-label=\"Week of\">2027-03-22</td>")
        .unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("200 % of working time"), "{row}");
    assert!(
        row.contains("iOS screens: onboarding, wallet, rewards"),
        "{row}"
    );
    assert!(row.contains("iOS API integration"), "{row}");
    assert_eq!(list.matches("<tr>").count(), 1 + 18, "{list}");
}

async fn only_managers_and_owners_are_offered_level(app: &TestApp) {
    let owner = app.user_with_password("owner", PASSWORD).await;
    let project = example(app, &owner).await;
    for (name, role) in [
        ("viewer", Some(Role::Viewer)),
        ("member", Some(Role::Member)),
        ("manager", Some(Role::Manager)),
        ("owner", None),
    ] {
        if let Some(role) = role {
            let user = app.user_with_password(name, PASSWORD).await;
            app.add(project.id, &user, role).await;
        }
        let (cookie, _) = session(app, name).await;
        let answer = app
            .page(&format!("/projects/{}/resources", project.id), &cookie)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{name}");
        let html = &answer.text;
        // Everyone sees the heat map.
        assert!(html.contains("id=\"heatmap\""), "{name}");
        let offered = html.contains("<button id=\"level-button\" type=\"button\">Level</button>");
        let may = matches!(role, Some(Role::Manager) | None);
        assert_eq!(offered, may, "{name}: {html}");
        assert_eq!(
            html.contains("<label for=\"within-float\">Only within float"),
            may,
            "{name}"
        );
        // A viewer who opens the preview's address sees it, but nothing to apply.
        let preview = app
            .page(
                &format!("/projects/{}/resources?preview=level", project.id),
                &cookie,
            )
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{name}");
        assert!(
            preview.text.contains("Levelled schedule (preview)"),
            "{name}"
        );
        assert_eq!(
            preview
                .text
                .contains("<button id=\"level-apply\" type=\"button\">Apply</button>"),
            may,
            "{name}"
        );
    }
    // A stranger sees neither.
    app.user_with_password("stranger", PASSWORD).await;
    let (cookie, _) = session(app, "stranger").await;
    for uri in ["", "?preview=level"] {
        let answer = app
            .page(&format!("/projects/{}/resources{uri}", project.id), &cookie)
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert!(!answer.text.contains("heatmap"));
    }
}

async fn preview_shows_the_level_views_moves_and_reasons(app: &TestApp) {
    let owner = app.user_with_password("owner", PASSWORD).await;
    let token = app.token(&owner).await;
    let project = example(app, &owner).await;
    let (cookie, _) = session(app, "owner").await;
    let level = app
        .get(&format!("/api/v1/projects/{}/level", project.id), &token)
        .await;
    assert_eq!(level.status, StatusCode::OK, "{}", level.text);
    let answer = app
        .page(
            &format!(
                "/projects/{}/resources?preview=level&seed=1&schedules=1000&within_float=false",
                project.id
            ),
            &cookie,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = &answer.text;
    let revision = app.store.project(project.id).await.unwrap().revision;
    let finish = level.body["project"]["finish"].as_str().unwrap();
    assert!(
        html.contains(&format!(
            "<section id=\"level-preview-content\" aria-labelledby=\"preview-heading\" \
             data-revision=\"{revision}\" data-seed=\"1\" data-schedules=\"1000\" \
             data-within-float=\"false\" data-finish=\"{finish}\" data-constrained=\"5\">"
        )),
        "{html}"
    );
    assert!(
        html.contains("Finish now: <strong>Mon 2027-06-14 18:00</strong>; after levelling: <strong>Fri 2027-06-18 18:00</strong> (later)."),
        "{html}"
    );
    // Every task the level view delays is listed with its levelled start and the reason.
    let moves = table(html, "level-moves");
    for task in level.body["tasks"].as_array().unwrap() {
        if task["delay"].is_null() {
            continue;
        }
        let start = task["start"].as_str().unwrap();
        assert!(
            moves.contains(&format!(
                "<td data-label=\"Starts after levelling\">{}</td>",
                time::datetime(time::instant(
                    chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%dT%H:%M:%S").unwrap()
                ))
                .format("%a %Y-%m-%d %H:%M")
            )),
            "{start}: {moves}"
        );
    }
    assert!(
        moves.contains(
            "Waited for Priya Nair, busy on iOS screens: onboarding, wallet, rewards from Mon \
             2027-03-22 09:00 to Thu 2027-04-08 11:00."
        ),
        "{moves}"
    );
    assert!(
        moves.contains("Follows a predecessor that moved."),
        "{moves}"
    );
    // What levelling cannot fix, and the heat map after levelling.
    assert!(
        html.contains(
            "UX flows and wireframes on Leo Brandt: it needs more units than the person has."
        ),
        "{html}"
    );
    let after = over_cells(table(html, "heatmap-after"));
    assert!(!after.contains(&("priya".into(), "2027-03-22".into())));
    assert!(after.contains(&("leo".into(), "2027-02-15".into())));
    // Parameters out of range are a 400 page, not a levelling.
    let bad = app
        .page(
            &format!(
                "/projects/{}/resources?preview=level&schedules=0",
                project.id
            ),
            &cookie,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad
        .text
        .contains("`schedules` must be between 1 and 100000"));
}

async fn manager_applies_the_levelling(app: &TestApp) {
    let owner = app.user("owner").await;
    let manager = app.user_with_password("manager", PASSWORD).await;
    let project = example(app, &owner).await;
    app.add(project.id, &manager, Role::Manager).await;
    let token = app.token(&manager).await;
    let (cookie, csrf) = session(app, "manager").await;
    let base = format!("/api/v1/projects/{}", project.id);
    let level = app.get(&format!("{base}/level"), &token).await;
    let finish = level.body["project"]["finish"].as_str().unwrap().to_owned();
    let delayed: Vec<&Value> = level.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|task| !task["delay"].is_null())
        .collect();
    assert_eq!(delayed.len(), 5);
    let preview = app
        .page(
            &format!("/projects/{}/resources?preview=level", project.id),
            &cookie,
        )
        .await
        .text;
    let previewed_over = over_cells(table(&preview, "heatmap-after"));
    let revision = app.store.project(project.id).await.unwrap().revision;
    let events_before = app
        .store
        .events(project.id, None, 1000)
        .await
        .unwrap()
        .len();

    // The page's way: the session cookie with its CSRF token.
    let answer = app
        .send(
            Call::new(Method::POST, &format!("{base}/level/apply"))
                .session(&cookie, &csrf)
                .json(&json!({"revision": revision, "seed": 1, "schedules": 1000,
                              "within_float": false, "finish": finish})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["revision"], revision + 1);
    assert_eq!(answer.body["finish_after"], finish.as_str());
    assert_eq!(answer.body["finish_before"], "2027-06-14T18:00:00");
    let applied = answer.body["tasks"].as_array().unwrap();
    assert_eq!(applied.len(), 5);
    let ios_api = applied.iter().find(|t| t["id"] == "ios-api").unwrap();
    assert_eq!(ios_api["start_no_earlier_than"], "2027-04-08T11:00");
    assert_eq!(ios_api["delay_minutes"], 5400);
    assert_eq!(ios_api["version"], 2);
    let stored = app.get(&format!("{base}/tasks/ios-api"), &token).await;
    assert_eq!(
        stored.body["data"]["start_no_earlier_than"],
        "2027-04-08T11:00"
    );
    assert_eq!(stored.etag(), "\"2\"");

    // The plain schedule is now the levelled one: its finish and every task's dates.
    let schedule = app.get(&format!("{base}/schedule"), &token).await;
    assert_eq!(schedule.body["project"]["finish"], finish.as_str());
    for task in level.body["tasks"].as_array().unwrap() {
        let now = schedule.body["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == task["id"])
            .unwrap();
        assert_eq!(now["start"], task["start"], "{}", task["id"]);
        assert_eq!(now["finish"], task["finish"], "{}", task["id"]);
    }
    // Nothing is left for levelling to move.
    let again = app.get(&format!("{base}/level"), &token).await;
    assert!(again.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|task| task["delay"].is_null()));

    // The page shows the heat map of the levelled schedule: exactly the over-allocations the
    // preview showed after levelling remain.
    let html = app
        .page(&format!("/projects/{}/resources", project.id), &cookie)
        .await
        .text;
    let over_now = over_cells(table(&html, "heatmap"));
    assert_eq!(over_now, previewed_over);
    assert!(!over_now.contains(&("priya".into(), "2027-03-22".into())));

    // One event per task changed, all the manager's, with the constraint in `after`.
    let events = app.store.events(project.id, None, 1000).await.unwrap();
    let new = &events[events_before..];
    assert_eq!(new.len(), 5);
    let mut keys: Vec<&str> = new.iter().map(|e| e.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "android-api",
            "beta-feedback",
            "ios-api",
            "legacy-cards",
            "load-test"
        ]
    );
    for event in new {
        assert_eq!(event.actor, Actor::User(manager.id));
        assert_eq!(event.entity, "task");
        assert!(event.before.as_ref().unwrap()["data"]
            .get("start_no_earlier_than")
            .is_none());
        assert!(event.after.as_ref().unwrap()["data"]["start_no_earlier_than"].is_string());
    }

    // Applying again changes nothing: there is nothing left to move.
    let revision = answer.body["revision"].as_i64().unwrap();
    let twice = app
        .send(
            Call::new(Method::POST, &format!("{base}/level/apply"))
                .token(&token)
                .json(&json!({"revision": revision})),
        )
        .await;
    assert_eq!(twice.status, StatusCode::OK, "{}", twice.text);
    assert_eq!(twice.body["tasks"], json!([]));
    assert_eq!(twice.body["revision"], revision);
    assert_eq!(
        app.store
            .events(project.id, None, 1000)
            .await
            .unwrap()
            .len(),
        events.len()
    );
}

async fn a_stale_preview_changes_nothing(app: &TestApp) {
    let owner = app.user("owner").await;
    let token = app.token(&owner).await;
    let project = example(app, &owner).await;
    let base = format!("/api/v1/projects/{}", project.id);
    let level = app.get(&format!("{base}/level"), &token).await;
    let finish = level.body["project"]["finish"].as_str().unwrap().to_owned();
    let revision = app.store.project(project.id).await.unwrap().revision;

    // Someone changes a task after the preview.
    let task = app.get(&format!("{base}/tasks/kickoff"), &token).await;
    let changed = app
        .send(
            Call::new(Method::PATCH, &format!("{base}/tasks/kickoff"))
                .token(&token)
                .if_match(&task.etag())
                .json(&json!({"name": "Kick-off meeting"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let events = app
        .store
        .events(project.id, None, 1000)
        .await
        .unwrap()
        .len();
    let document = app.store.project_document(project.id).await.unwrap();

    let apply = |body: Value| {
        app.send(
            Call::new(Method::POST, &format!("{base}/level/apply"))
                .token(&token)
                .json(&body),
        )
    };
    let stale = apply(json!({"revision": revision, "finish": finish})).await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        stale.text
    );
    assert_eq!(stale.code(), "stale");
    // A preview that levelling no longer gives (another finish) is stale too.
    let current = app.store.project(project.id).await.unwrap().revision;
    let other = apply(json!({"revision": current, "finish": "2027-06-14T18:00:00"})).await;
    assert_eq!(
        other.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        other.text
    );
    assert_eq!(other.code(), "stale");
    // Malformed requests.
    for body in [
        json!({}),
        json!({"revision": current, "schedules": 0}),
        json!({"revision": current, "seed": -1}),
        json!({"revision": current, "extra": true}),
        json!({"revision": "1"}),
        json!({"revision": current, "finish": "x".repeat(41)}),
    ] {
        let answer = apply(body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
    }

    assert_eq!(
        app.store
            .events(project.id, None, 1000)
            .await
            .unwrap()
            .len(),
        events
    );
    assert_eq!(
        app.store.project_document(project.id).await.unwrap(),
        document
    );
    assert_eq!(
        app.store.project(project.id).await.unwrap().revision,
        current
    );
}

/// A levelled start that another constraint of the task forbids: nothing is written.
async fn a_levelling_the_plan_cannot_hold_is_refused(app: &TestApp) {
    let owner = app.user("owner").await;
    let token = app.token(&owner).await;
    let project = app
        .project(
            &owner,
            r#"
[project]
name = "Two at once"
start = 2027-01-04

[resources.ana]
name = "Ana"

[tasks.first]
duration = "5d"
resources = ["ana"]
start_no_later_than = 2027-01-04

[tasks.second]
duration = "5d"
resources = ["ana"]
start_no_later_than = 2027-01-04
"#,
        )
        .await;
    let base = format!("/api/v1/projects/{}", project.id);
    let level = app.get(&format!("{base}/level"), &token).await;
    assert_eq!(level.status, StatusCode::OK, "{}", level.text);
    let revision = app.store.project(project.id).await.unwrap().revision;
    let events = app
        .store
        .events(project.id, None, 1000)
        .await
        .unwrap()
        .len();
    let answer = app
        .send(
            Call::new(Method::POST, &format!("{base}/level/apply"))
                .token(&token)
                .json(&json!({"revision": revision})),
        )
        .await;
    // Levelling delays `second` past its `start_no_later_than`.
    let delayed: Vec<&Value> = level.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|task| !task["delay"].is_null())
        .collect();
    assert_eq!(delayed.len(), 1, "{}", level.text);
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "invalid-plan");
    assert!(
        answer.text.contains("nothing was changed"),
        "{}",
        answer.text
    );
    assert_eq!(
        answer.body["error"]["diagnostics"][0]["code"],
        "impossible-constraint"
    );
    let task = app
        .get(
            &format!("{base}/tasks/{}", delayed[0]["id"].as_str().unwrap()),
            &token,
        )
        .await;
    assert!(task.body["data"].get("start_no_earlier_than").is_none());
    assert_eq!(
        app.store.project(project.id).await.unwrap().revision,
        revision
    );
    assert_eq!(
        app.store
            .events(project.id, None, 1000)
            .await
            .unwrap()
            .len(),
        events
    );
}

web_tests!(
    heat_map_cells_are_the_engines_weekly_load,
    over_allocated_weeks_are_marked_and_listed,
    only_managers_and_owners_are_offered_level,
    preview_shows_the_level_views_moves_and_reasons,
    manager_applies_the_levelling,
    a_stale_preview_changes_nothing,
    a_levelling_the_plan_cannot_hold_is_refused
);
