//! The administrative pages through HTTP: first-run setup (labels, errors next to the field,
//! signed in and sent to the portfolio), the account page (only your own tokens), the
//! portfolio's new columns and forms, the overview's milestone chances (equal to a forecast the
//! test computes itself) and "what changed since", the members page (controls for owners only),
//! the import and export tab, and not-found pages for strangers.

use axum::http::{header, Method, StatusCode};
use serde_json::json;
use waymark_store::{Actor, Role};

use crate::harness::{Call, TestApp, FIXTURE};

/// The text of the table row that contains `needle`.
fn row_with<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {html}"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

/// The content of the table cell with `data-label="label"` in `row`.
fn cell<'a>(row: &'a str, label: &str) -> &'a str {
    let marker = format!("data-label=\"{label}\"");
    let at = row
        .find(&marker)
        .unwrap_or_else(|| panic!("{label} in {row}"));
    let start = at + row[at..].find('>').unwrap() + 1;
    let end = start + row[start..].find("</td>").unwrap();
    &row[start..end]
}

/// A chance as the milestones table shows it: percent in a span coloured by its size.
fn cell_chance(value: f64) -> String {
    let class = if value >= 0.8 {
        "good"
    } else if value < 0.5 {
        "bad"
    } else {
        ""
    };
    format!("<span class=\"{class}\">{:.0} %</span>", value * 100.0)
}

async fn setup_page_creates_the_administrator_and_signs_them_in(app: &TestApp) {
    let link = app
        .store
        .create_setup_token(chrono::Duration::hours(24))
        .await
        .unwrap()
        .unwrap();
    let secret = link.secret;
    let answer = app
        .send(Call::new(Method::GET, &format!("/setup?token={secret}")))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = &answer.text;
    for label in ["Username", "Display name", "Password"] {
        assert!(
            html.contains(&format!(">{label}</label>")),
            "{label}: {html}"
        );
    }
    assert!(html.contains(">Create administrator</button>"), "{html}");
    assert!(html.contains(&format!("value=\"{secret}\"")), "{html}");
    // The shared layout: the stylesheet with its cache key and the CSP.
    assert!(html.contains("/static/waymark.css?v="), "{html}");
    assert!(answer.headers.contains_key(header::CONTENT_SECURITY_POLICY));

    // A short password: the form again, the problem next to the password, nothing created.
    let short = app
        .send(Call::new(Method::POST, "/setup").form(&[
            ("token", &secret),
            ("name", "root"),
            ("display_name", "Rita Root"),
            ("password", "short"),
        ]))
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short.text.contains("id=\"setup-password-error\""),
        "{}",
        short.text
    );
    assert!(
        short.text.contains("8 characters or more"),
        "{}",
        short.text
    );
    assert!(short.text.contains("value=\"root\""), "{}", short.text);
    assert!(short.headers.get(header::SET_COOKIE).is_none());
    assert_eq!(app.store.user_count().await.unwrap(), 0);

    // The right fields: signed in and on the portfolio in one step.
    let done = app
        .send(Call::new(Method::POST, "/setup").form(&[
            ("token", &secret),
            ("name", "root"),
            ("display_name", "Rita Root"),
            ("password", "correct horse"),
        ]))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(done.headers[header::LOCATION], "/");
    let cookie = done.session_cookie();
    let portfolio = app.page("/", &cookie).await;
    assert_eq!(portfolio.status, StatusCode::OK);
    assert!(portfolio.text.contains("Portfolio"));
    assert!(portfolio.text.contains("Rita Root"), "{}", portfolio.text);
    let root = app.store.user_by_name("root").await.unwrap();
    assert!(root.is_admin);

    // The link works once.
    let again = app
        .send(Call::new(Method::POST, "/setup").form(&[
            ("token", &secret),
            ("name", "other"),
            ("password", "correct horse"),
        ]))
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.text.contains("role=\"alert\""), "{}", again.text);
    assert!(again.text.contains("already used"), "{}", again.text);
    assert!(again.headers.get(header::SET_COOKIE).is_none());
}

async fn account_page_lists_only_your_own_tokens(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let bob = app.user_with_password("bob", "battery staple").await;
    app.store
        .create_token(Actor::User(ana.id), ana.id, "ci-of-ana", None)
        .await
        .unwrap();
    let revoked = app
        .store
        .create_token(Actor::User(ana.id), ana.id, "old-laptop", None)
        .await
        .unwrap();
    app.store
        .revoke_token(Actor::User(ana.id), revoked.record.id)
        .await
        .unwrap();
    app.store
        .create_token(Actor::User(bob.id), bob.id, "bobs-secret-script", None)
        .await
        .unwrap();

    let cookie = app.form_cookie("ana", "correct horse").await;
    let answer = app.page("/account", &cookie).await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = &answer.text;
    assert!(html.contains("ci-of-ana"), "{html}");
    assert!(!html.contains("bobs-secret-script"), "{html}");
    // Who you are.
    assert!(html.contains("<dd>ana</dd>"), "{html}");
    assert!(html.contains("<dd>ANA</dd>"), "{html}");
    // An active token can be revoked; a revoked one says so and offers nothing.
    assert!(row_with(html, "ci-of-ana").contains("aria-label=\"Revoke token ci-of-ana\""));
    let old = row_with(html, "old-laptop");
    assert!(old.contains("revoked"), "{old}");
    assert!(!old.contains("<button"), "{old}");
    // The forms, labelled, and the page's own script.
    for label in [
        "Current password",
        "New password",
        "Repeat new password",
        "Token name",
        "Expires in (days)",
        "Your token",
    ] {
        assert!(
            html.contains(&format!(">{label}</label>")),
            "{label}: {html}"
        );
    }
    for button in ["Change password", "Create token", "Copy token"] {
        assert!(html.contains(&format!(">{button}</button>")), "{button}");
    }
    assert!(html.contains("every session"), "{html}");
    assert!(html.contains("/static/account.js?v="), "{html}");

    // Bob sees his own and not Ana's.
    let cookie = app.form_cookie("bob", "battery staple").await;
    let html = app.page("/account", &cookie).await.text;
    assert!(html.contains("bobs-secret-script"));
    assert!(!html.contains("ci-of-ana"));

    // Signed out: to the sign-in page.
    let answer = app.send(Call::new(Method::GET, "/account")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.headers[header::LOCATION], "/signin");
}

/// A plan with one late critical task (build: 40 % done where the plan without progress says
/// 60 %), a task ahead of its promise, one open high risk, one open low risk and one closed
/// high risk.
const HEALTH: &str = r#"
[project]
name = "Health"
start = 2027-01-04
status_date = 2027-01-07

[tasks.build]
name = "Build"
duration = "5d"
progress = 0.4
actual_start = 2027-01-04

[tasks.docs]
name = "Docs"
duration = "2d"
progress = 0.9
actual_start = 2027-01-04

[tasks.ship]
name = "Ship"
duration = "2d"
after = ["build", "docs"]

[risks.vendor]
title = "Vendor late"
probability = 0.8
tasks = ["ship"]
delay = ["10d", "15d", "20d"]

[risks.typo]
title = "Typo"
probability = 0.05
tasks = ["ship"]
delay = ["1h", "2h", "3h"]

[risks.old]
title = "Old threat"
probability = 0.9
status = "closed"
tasks = ["ship"]
delay = ["10d", "15d", "20d"]
"#;

async fn portfolio_counts_late_critical_tasks_and_open_high_risks(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let health = app.project(&ana, HEALTH).await;
    let calm = app.project(&ana, FIXTURE).await;
    let cookie = app.form_cookie("ana", "correct horse").await;
    let answer = app.page("/", &cookie).await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = &answer.text;
    assert!(html.contains(">Critical tasks late</abbr>"), "{html}");
    assert!(html.contains(">Open high risks</abbr>"), "{html}");
    let row = row_with(html, &format!("href=\"/projects/{}\"", health.id.0));
    assert_eq!(
        cell(row, "Critical tasks late"),
        "<span class=\"bad\">1</span>"
    );
    assert_eq!(cell(row, "Open high risks"), "<span class=\"bad\">1</span>");
    let row = row_with(html, &format!("href=\"/projects/{}\"", calm.id.0));
    assert_eq!(cell(row, "Open high risks"), "0");
    // The rule is on the page.
    assert!(html.contains("id=\"late-rule\""), "{html}");

    // "New project" and the import, labelled, with the script that sends them.
    for label in [
        "Project name",
        "Start date",
        "Plan file or Microsoft Project XML",
    ] {
        assert!(
            html.contains(&format!(">{label}</label>")),
            "{label}: {html}"
        );
    }
    assert!(html.contains(">Deadline<span class=\"muted\"> (optional)</span></label>"));
    assert!(html.contains(">Create project</button>"), "{html}");
    assert!(html.contains(">Import</button>"), "{html}");
    assert!(html.contains("/static/transfer.js?v="), "{html}");
}

/// Two milestones: one without a deadline (its chance is of its scheduled date), one with.
const MILESTONES: &str = r#"
[project]
name = "Milestones"
start = 2027-01-04

[tasks.design]
name = "Design"
estimate = ["2d", "5d", "10d"]
progress = 0.2
actual_start = 2027-01-04

[tasks.alpha]
name = "Alpha ready"
milestone = true
after = ["design"]

[tasks.build]
name = "Build API"
estimate = ["3d", "5d", "12d"]
after = ["alpha"]

[tasks.launch]
name = "Launch"
milestone = true
after = ["build"]
deadline = 2027-01-22
"#;

/// The chance of each of `milestones` making its scheduled date (`None`) or its deadline
/// (`Some`), as the plan's forecast has them (`Forecast::milestones`).
fn chances(text: &str, milestones: &[(&str, Option<&str>)]) -> Vec<f64> {
    let plan = waymark_formats::plan::read_plan(text).unwrap().plan;
    let options = waymark_core::forecast::ForecastOptions::DEFAULT;
    let forecast = waymark_core::forecast::forecast(&plan, &options, 1).unwrap();
    milestones
        .iter()
        .map(|(id, deadline)| {
            let index = plan.tasks.iter().position(|t| t.id == *id).unwrap();
            let chances = forecast
                .milestones
                .iter()
                .find(|m| m.task.0 == index)
                .unwrap();
            match deadline {
                None => chances.by_date,
                Some(_) => chances.deadline.unwrap().1,
            }
        })
        .collect()
}

async fn overview_shows_milestone_chances_and_what_changed(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let cookie = app.form_cookie("ana", "correct horse").await;
    // With progress (the forecast's full scheduler) and without (its fast kernel).
    let fresh = MILESTONES
        .replace("progress = 0.2\nactual_start = 2027-01-04\n", "")
        .replace("name = \"Milestones\"", "name = \"Fresh\"");
    assert_ne!(fresh, MILESTONES);
    for text in [fresh.as_str(), MILESTONES] {
        let project = app.project(&ana, text).await;
        let expected = chances(
            text,
            &[
                ("alpha", None),
                ("launch", None),
                ("launch", Some("2027-01-22")),
            ],
        );
        assert!(
            expected.iter().any(|&c| c > 0.05 && c < 0.95),
            "{expected:?}"
        );
        let html = app
            .page(&format!("/projects/{}", project.id.0), &cookie)
            .await
            .text;
        let row = row_with(&html, "Alpha ready");
        assert_eq!(
            cell(row, "Chance by its date"),
            cell_chance(expected[0]),
            "{row}"
        );
        assert_eq!(cell(row, "Deadline"), "—");
        let row = row_with(&html, ">Launch<");
        assert_eq!(
            cell(row, "Chance by its date"),
            cell_chance(expected[1]),
            "{row}"
        );
        assert_eq!(cell(row, "Deadline"), "2027-01-22");
        assert_eq!(
            cell(row, "Chance by the deadline"),
            cell_chance(expected[2]),
            "{row}"
        );
    }
    let project = app.project(&ana, MILESTONES).await;
    let uri = format!("/projects/{}", project.id.0);

    // A change through the API shows in "what changed since".
    let token = app.token(&ana).await;
    let tasks = format!("/api/v1/projects/{}/tasks", project.id.0);
    let design = app.get(&format!("{tasks}/design"), &token).await;
    let patched = app
        .send(
            Call::new(Method::PATCH, &format!("{tasks}/design"))
                .token(&token)
                .if_match(&design.etag())
                .json(&json!({"progress": 0.5})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    // Launch is the one task nothing follows, so deleting it keeps the project a plan.
    let deleted = app
        .send(
            Call::new(Method::DELETE, &format!("{tasks}/launch"))
                .token(&token)
                .if_match(&app.get(&format!("{tasks}/launch"), &token).await.etag()),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let html = app.page(&uri, &cookie).await.text;
    assert!(html.contains(">Changes since</label>"), "{html}");
    assert!(
        html.contains("<strong>ANA</strong> changed progress of Design from 20 % to 50 %"),
        "{html}"
    );
    assert!(
        html.contains("<strong>ANA</strong> deleted task Launch"),
        "{html}"
    );
    // Newest first.
    let deleted = html.find("deleted task Launch").unwrap();
    let changed = html.find("changed progress of Design").unwrap();
    assert!(deleted < changed);

    // A later day: nothing; a bad date: the default and a message next to the field.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
    let html = app
        .page(&format!("{uri}?since={tomorrow}"), &cookie)
        .await
        .text;
    assert!(html.contains("No changes since then."), "{html}");
    let html = app
        .page(&format!("{uri}?since=yesterday"), &cookie)
        .await
        .text;
    assert!(html.contains("id=\"since-error\""), "{html}");
    assert!(html.contains("changed progress of Design"), "{html}");
}

async fn the_change_list_is_bounded(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let mut text = String::from("[project]\nname = \"Big\"\nstart = 2027-01-04\n");
    for index in 0..250 {
        text.push_str(&format!(
            "\n[tasks.t{index}]\nname = \"Task {index}\"\nduration = \"1d\"\n"
        ));
    }
    let project = app.project(&ana, &text).await;
    let (_, total) = app
        .store
        .events_since(
            project.id,
            chrono::Utc::now() - chrono::Duration::days(1),
            1,
        )
        .await
        .unwrap();
    assert!(total > 250, "{total}");
    let cookie = app.form_cookie("ana", "correct horse").await;
    let html = app
        .page(&format!("/projects/{}", project.id.0), &cookie)
        .await
        .text;
    let list = &html[html.find("<ol class=\"changes\">").unwrap()..];
    let list = &list[..list.find("</ol>").unwrap()];
    assert_eq!(list.matches("<li>").count(), 200);
    assert!(
        html.contains(&format!("… and {} more.", total - 200)),
        "{html}"
    );
    // Newest first: the last task imported leads.
    assert!(list.contains("created task Task 249"), "{list}");
}

async fn members_page_offers_controls_to_owners_only(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let vic = app.user_with_password("vic", "battery staple").await;
    let project = app.project(&ana, FIXTURE).await;
    app.add(project.id, &vic, Role::Viewer).await;
    let uri = format!("/projects/{}/members", project.id.0);

    let owner = app
        .page(&uri, &app.form_cookie("ana", "correct horse").await)
        .await;
    assert_eq!(owner.status, StatusCode::OK);
    let html = &owner.text;
    assert!(html.contains("aria-label=\"Role of VIC\""), "{html}");
    assert!(html.contains("aria-label=\"Remove VIC\""), "{html}");
    assert!(html.contains("aria-label=\"Role of ANA\""), "{html}");
    assert!(html.contains(">Invite</button>"), "{html}");
    assert!(
        html.contains("<label for=\"invite-user\">Username</label>"),
        "{html}"
    );
    assert!(html.contains("/static/members.js?v="), "{html}");
    let row = row_with(html, "aria-label=\"Role of VIC\"");
    assert!(row.contains("<option value=\"viewer\" selected>"), "{row}");

    let viewer = app
        .page(&uri, &app.form_cookie("vic", "battery staple").await)
        .await;
    assert_eq!(viewer.status, StatusCode::OK);
    let html = &viewer.text;
    assert!(html.contains("VIC") && html.contains("ANA"), "{html}");
    for control in [
        "<select",
        ">Invite</button>",
        ">Remove</button>",
        "invite-form",
    ] {
        assert!(!html.contains(control), "{control}: {html}");
    }
    assert!(html.contains("owners manage the members"), "{html}");
}

async fn transfer_page_has_the_downloads_and_the_import(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let project = app.project(&ana, FIXTURE).await;
    let cookie = app.form_cookie("ana", "correct horse").await;
    let id = project.id.0;
    let answer = app.page(&format!("/projects/{id}/transfer"), &cookie).await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = &answer.text;
    assert!(
        html.contains("aria-current=\"page\">Import and export</a>"),
        "{html}"
    );
    for format in ["plan", "mspdi"] {
        let href = format!("/api/v1/projects/{id}/export?format={format}");
        assert!(
            html.contains(&format!("href=\"{href}\" download")),
            "{href}: {html}"
        );
        // The link downloads with the session cookie, as a named file.
        let file = app.page(&href, &cookie).await;
        assert_eq!(file.status, StatusCode::OK, "{}", file.text);
        let disposition = file.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        // Named after the project ("Fixture").
        let file = if format == "plan" {
            "fixture.plan.toml"
        } else {
            "fixture.xml"
        };
        assert_eq!(disposition, format!("attachment; filename=\"{file}\""));
    }
    assert!(html.contains("Download as a plan file"), "{html}");
    assert!(html.contains("Download as Microsoft Project XML"), "{html}");
    assert!(
        html.contains("<label for=\"import-file\">Plan file or Microsoft Project XML</label>"),
        "{html}"
    );
    assert!(html.contains("type=\"file\""), "{html}");
    assert!(html.contains(">Import</button>"), "{html}");
    assert!(html.contains("/static/transfer.js?v="), "{html}");
}

async fn strangers_get_not_found_pages(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    app.user_with_password("eve", "battery staple").await;
    let project = app.project(&ana, FIXTURE).await;
    let cookie = app.form_cookie("eve", "battery staple").await;
    for tab in ["", "/members", "/transfer", "?since=2020-01-01"] {
        let uri = format!("/projects/{}{tab}", project.id.0);
        let answer = app.page(&uri, &cookie).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!answer.text.contains("Fixture"), "{uri}: {}", answer.text);
    }
    // Nor does the portfolio show it.
    let html = app.page("/", &cookie).await.text;
    assert!(!html.contains("Fixture"), "{html}");
}

web_tests!(
    setup_page_creates_the_administrator_and_signs_them_in,
    account_page_lists_only_your_own_tokens,
    portfolio_counts_late_critical_tasks_and_open_high_risks,
    overview_shows_milestone_chances_and_what_changed,
    the_change_list_is_bounded,
    members_page_offers_controls_to_owners_only,
    transfer_page_has_the_downloads_and_the_import,
    strangers_get_not_found_pages,
);
