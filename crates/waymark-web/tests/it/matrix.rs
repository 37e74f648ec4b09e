//! The authorisation matrix: every project route against every role (and a stranger, and no
//! credentials at all), on a fresh project each time. A stranger gets 404 (the project is
//! invisible to them), a member whose role is too low 403, anyone else the route's success; every
//! change that succeeds adds events made by the caller to the log.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use waymark_store::{Actor, Role};

use crate::harness::{Call, TestApp, FIXTURE};

struct Route {
    method: Method,
    /// `{p}`: the project's id; `{viewer}`: the viewer's user id.
    path: &'static str,
    body: Option<Value>,
    /// Send `If-Match: "1"` (everything in a fresh project is at version 1).
    if_match: bool,
    /// The weakest role that may do it.
    least: Role,
    success: StatusCode,
    /// A change that succeeds here without changing anything (so it writes no events).
    changes_nothing: bool,
}

fn route(method: Method, path: &'static str, least: Role, success: StatusCode) -> Route {
    Route {
        method,
        path,
        body: None,
        if_match: false,
        least,
        success,
        changes_nothing: false,
    }
}

fn with_body(mut route: Route, body: Value) -> Route {
    route.body = Some(body);
    route
}

fn matched(mut route: Route) -> Route {
    route.if_match = true;
    route
}

fn changes_nothing(mut route: Route) -> Route {
    route.changes_nothing = true;
    route
}

fn routes() -> Vec<Route> {
    use Role::{Manager, Member, Owner, Viewer};
    let ok = StatusCode::OK;
    let created = StatusCode::CREATED;
    let gone = StatusCode::NO_CONTENT;
    let mut routes = vec![
        route(Method::GET, "/api/v1/projects/{p}", Viewer, ok),
        matched(with_body(
            route(Method::PUT, "/api/v1/projects/{p}", Manager, ok),
            json!({"fields": {"name": "Renamed", "start": "2027-01-04"}}),
        )),
        matched(route(Method::DELETE, "/api/v1/projects/{p}", Owner, gone)),
        route(Method::GET, "/api/v1/projects/{p}/members", Viewer, ok),
        with_body(
            route(Method::POST, "/api/v1/projects/{p}/members", Owner, created),
            json!({"user": "extra", "role": "viewer"}),
        ),
        matched(with_body(
            route(
                Method::PUT,
                "/api/v1/projects/{p}/members/{viewer}",
                Owner,
                ok,
            ),
            json!({"role": "member"}),
        )),
        matched(route(
            Method::DELETE,
            "/api/v1/projects/{p}/members/{viewer}",
            Owner,
            gone,
        )),
        route(Method::GET, "/api/v1/projects/{p}/events", Viewer, ok),
        route(Method::GET, "/api/v1/projects/{p}/schedule", Viewer, ok),
        route(
            Method::GET,
            "/api/v1/projects/{p}/level?schedules=5",
            Viewer,
            ok,
        ),
        // The fixture has nobody over-allocated, so levelling moves nothing; its revision is 4
        // (the import, then the three memberships). Applying a real levelling, its events and
        // a stale revision are in pages_resources.rs.
        changes_nothing(with_body(
            route(
                Method::POST,
                "/api/v1/projects/{p}/level/apply",
                Manager,
                ok,
            ),
            json!({"revision": 4, "schedules": 5}),
        )),
        route(
            Method::GET,
            "/api/v1/projects/{p}/forecast?iterations=50",
            Viewer,
            ok,
        ),
        route(
            Method::GET,
            "/api/v1/projects/{p}/export?format=plan",
            Viewer,
            ok,
        ),
        route(
            Method::GET,
            "/api/v1/projects/{p}/export?format=mspdi",
            Viewer,
            ok,
        ),
        // Members change progress, nothing else.
        matched(with_body(
            route(
                Method::PATCH,
                "/api/v1/projects/{p}/tasks/build",
                Member,
                ok,
            ),
            json!({"progress": 0.5, "actual_start": "2027-01-07"}),
        )),
        matched(with_body(
            route(Method::PUT, "/api/v1/projects/{p}/tasks/build", Member, ok),
            json!({"data": {"name": "Build", "duration": "5d", "after": ["design"],
                            "resources": ["ana"], "progress": 0.25}}),
        )),
        matched(with_body(
            route(
                Method::PATCH,
                "/api/v1/projects/{p}/tasks/build",
                Manager,
                ok,
            ),
            json!({"name": "Build it all"}),
        )),
        matched(with_body(
            route(
                Method::PATCH,
                "/api/v1/projects/{p}/tasks/build",
                Manager,
                ok,
            ),
            json!({"progress": 0.5, "duration": "6d"}),
        )),
    ];
    // (collection, an object to read and replace, one nothing refers to (to delete), a new
    // object, a replacement)
    let collections: [(&str, &str, &str, Value, Value); 4] = [
        (
            "tasks",
            "build",
            "spare",
            json!({"id": "test", "data": {"duration": "1d", "after": ["build"]}}),
            json!({"data": {"name": "Build", "duration": "7d", "after": ["design"]}}),
        ),
        (
            "resources",
            "ana",
            "spare",
            json!({"id": "bob", "data": {"name": "Bob", "units": 0.5}}),
            json!({"data": {"name": "Ana Ruiz", "rate": 95.0}}),
        ),
        (
            "calendars",
            "office",
            "office",
            json!({"id": "night", "data": {"hours": ["22:00-06:00"]}}),
            json!({"data": {"days": ["mon", "tue", "wed", "thu"]}}),
        ),
        (
            "risks",
            "late",
            "late",
            json!({"id": "fire", "data": {"title": "Fire", "probability": 0.1}}),
            json!({"data": {"title": "Very late", "probability": 0.4}}),
        ),
    ];
    for (collection, key, spare, create, replace) in collections {
        // The paths are 'static for the table; these leak a few bytes per test run.
        let list: &'static str = format!("/api/v1/projects/{{p}}/{collection}").leak();
        let one: &'static str = format!("/api/v1/projects/{{p}}/{collection}/{key}").leak();
        routes.push(route(Method::GET, list, Viewer, ok));
        routes.push(with_body(
            route(Method::POST, list, Manager, created),
            create,
        ));
        routes.push(route(Method::GET, one, Viewer, ok));
        routes.push(matched(with_body(
            route(Method::PUT, one, Manager, ok),
            replace,
        )));
        // Deleting an object others refer to is refused (422), so the delete is of one that
        // nothing refers to.
        let spare: &'static str = format!("/api/v1/projects/{{p}}/{collection}/{spare}").leak();
        routes.push(matched(route(Method::DELETE, spare, Manager, gone)));
    }
    routes
}

async fn every_role_against_every_route(app: &TestApp) {
    let owner = app.user("owner").await;
    let manager = app.user("manager").await;
    let member = app.user("member").await;
    let viewer = app.user("viewer").await;
    let stranger = app.user("stranger").await;
    app.user("extra").await;
    let callers = [
        (None, app.token(&stranger).await, stranger.id),
        (Some(Role::Viewer), app.token(&viewer).await, viewer.id),
        (Some(Role::Member), app.token(&member).await, member.id),
        (Some(Role::Manager), app.token(&manager).await, manager.id),
        (Some(Role::Owner), app.token(&owner).await, owner.id),
    ];
    // The fixture, with a task and a resource nothing refers to.
    let with_spares = format!(
        "{FIXTURE}\n[tasks.spare]\nname = \"Spare\"\nduration = \"1d\"\n\n[resources.spare]\nname = \"Spare\"\n"
    );
    let mut failures = Vec::new();
    let mut cases = 0;
    for route in routes() {
        for (role, token, caller) in &callers {
            let project = app.project(&owner, &with_spares).await;
            app.add(project.id, &manager, Role::Manager).await;
            app.add(project.id, &member, Role::Member).await;
            app.add(project.id, &viewer, Role::Viewer).await;
            let path = route
                .path
                .replace("{p}", &project.id.to_string())
                .replace("{viewer}", &viewer.id.to_string());
            let mut call = Call::new(route.method.clone(), &path).token(token);
            if let Some(body) = &route.body {
                call = call.json(body);
            }
            if route.if_match {
                call = call.if_match("\"1\"");
            }
            let events_before = app
                .store
                .events(project.id, None, 1000)
                .await
                .unwrap()
                .len();
            let answer = app.send(call).await;
            let expected = match role {
                None => StatusCode::NOT_FOUND,
                Some(role) if *role < route.least => StatusCode::FORBIDDEN,
                Some(_) => route.success,
            };
            cases += 1;
            let name = format!("{} {} as {role:?}", route.method, route.path);
            if answer.status != expected {
                failures.push(format!(
                    "{name}: {} instead of {expected}: {}",
                    answer.status, answer.text
                ));
                continue;
            }
            let events = app.store.events(project.id, None, 1000).await.unwrap();
            if route.method == Method::GET || !answer.status.is_success() || route.changes_nothing {
                if events.len() != events_before {
                    failures.push(format!("{name}: a read or a refusal wrote events"));
                }
            } else if events.len() <= events_before
                || events[events_before..]
                    .iter()
                    .any(|e| e.actor != Actor::User(*caller))
            {
                failures.push(format!(
                    "{name}: the change is not in the event log as theirs"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn every_route_needs_credentials(app: &TestApp) {
    let owner = app.user("owner").await;
    let project = app.project(&owner, FIXTURE).await;
    let mut failures = Vec::new();
    let mut global = vec![
        (Method::GET, "/api/v1/projects".to_owned()),
        (Method::POST, "/api/v1/projects".to_owned()),
        (Method::POST, "/api/v1/projects/import".to_owned()),
        (Method::GET, "/api/v1/session".to_owned()),
        (Method::DELETE, "/api/v1/session".to_owned()),
        (Method::PUT, "/api/v1/me/password".to_owned()),
        (Method::GET, "/api/v1/me/tokens".to_owned()),
        (Method::POST, "/api/v1/me/tokens".to_owned()),
        (Method::DELETE, "/api/v1/me/tokens/1".to_owned()),
    ];
    for route in routes() {
        global.push((
            route.method.clone(),
            route
                .path
                .replace("{p}", &project.id.to_string())
                .replace("{viewer}", "1"),
        ));
    }
    for (method, path) in global {
        for token in [None, Some("wmt_not-a-token"), Some("")] {
            let mut call = Call::new(method.clone(), &path).json(&json!({}));
            if let Some(token) = token {
                call = call.token(token);
            }
            let answer = app.send(call).await;
            if answer.status != StatusCode::UNAUTHORIZED || answer.code() != "unauthorized" {
                failures.push(format!(
                    "{method} {path} with {token:?}: {} {}",
                    answer.status, answer.text
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Administrators act as owners of every project.
async fn administrators_own_every_project(app: &TestApp) {
    let owner = app.user("owner").await;
    let admin = app
        .store
        .create_user(
            Actor::System,
            &waymark_store::NewUser {
                name: "root".into(),
                display_name: "Root".into(),
                is_admin: true,
                ..waymark_store::NewUser::default()
            },
        )
        .await
        .unwrap();
    let token = app.token(&admin).await;
    let project = app.project(&owner, FIXTURE).await;
    let listed = app.get("/api/v1/projects", &token).await;
    assert_eq!(listed.body["items"][0]["role"], "owner");
    let answer = app
        .send(
            Call::new(Method::DELETE, &format!("/api/v1/projects/{}", project.id))
                .token(&token)
                .if_match("\"1\""),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
}

web_tests!(
    every_role_against_every_route,
    every_route_needs_credentials,
    administrators_own_every_project
);
