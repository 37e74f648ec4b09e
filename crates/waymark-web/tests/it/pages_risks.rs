//! The risks page through HTTP: every open risk in the heat-map cell of its probability and its
//! forecast impact (risks whose P80 days saved are known exactly), closed risks in the register
//! but not on the map and not in the forecast, the controls each role gets, and the API calls
//! the page's script makes (adding a risk, closing and reopening one).

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use waymark_store::Role;

use crate::harness::{Call, TestApp};
use crate::pages_board::{csrf, island};

/// Fixed durations and delays, so each risk's P80 days saved are exact: `a` is the critical
/// task (10 d), `b` has 8 d of float.
const RISKY: &str = r#"
[project]
name = "Risky"
start = 2027-01-04

[resources.ana]
name = "Ana"

[tasks.a]
name = "Alpha"
duration = "10d"

[tasks.b]
name = "Beta"
duration = "2d"

[risks.certain]
title = "Certain slip"
probability = 1.0
tasks = ["a"]
delay = ["5d", "5d", "5d"]
owner = "ana"
response = "accept"

[risks.rare]
title = "Rare disaster"
probability = 0.05
tasks = ["a"]
delay = ["30d", "30d", "30d"]

[risks.likely]
title = "Likely rework"
probability = 0.9
tasks = ["a"]
delay = ["25d", "25d", "25d"]
response = "mitigate"

[risks.slack]
title = "Slack absorbs it"
probability = 0.5
tasks = ["b"]
factor = [2.0, 3.0, 3.5]
"#;

/// A risk that would cost 20 days at P80, closed.
const CLOSED: &str = r#"
[risks.gone]
title = "Gone for good"
probability = 0.9
tasks = ["a"]
delay = ["20d", "20d", "20d"]
status = "closed"
"#;

/// The heat-map cell of (probability band, impact band): its opening tag and content.
fn cell(html: &str, probability: u8, impact: u8) -> &str {
    let marker = format!("data-probability=\"{probability}\" data-impact=\"{impact}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no cell {probability},{impact}"));
    let start = html[..at].rfind("<td").unwrap();
    let end = at + html[at..].find("</td>").unwrap();
    &html[start..end]
}

/// The risk ids listed in the heat map, with their cells.
fn placed(html: &str) -> Vec<(String, u8, u8)> {
    let mut found = Vec::new();
    for probability in 1..=5 {
        for impact in 1..=5 {
            let content = cell(html, probability, impact);
            for rest in content.split("<li data-risk=\"").skip(1) {
                let id = rest.split('"').next().unwrap().to_owned();
                found.push((id, probability, impact));
            }
        }
    }
    found.sort();
    found
}

/// The register's row of a risk.
fn row<'h>(html: &'h str, risk: &str) -> &'h str {
    let marker = format!("<tr data-risk=\"{risk}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {risk}"));
    let end = start + html[start..].find("</tr>").unwrap();
    &html[start..end]
}

async fn every_open_risk_is_in_the_cell_of_its_probability_and_impact(app: &TestApp) {
    let owner = app.user("owner").await;
    let project = app.project(&owner, &format!("{RISKY}{CLOSED}")).await;
    let (user, cookie) = app.signed_in("vera").await;
    app.add(project.id, &user, Role::Viewer).await;
    let answer = app
        .page(&format!("/projects/{}/risks", project.id), &cookie)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let html = &answer.text;
    assert!(html.contains("/static/risks.js?v="), "{html}");
    assert!(html.contains("/static/risks.css?v="), "{html}");
    // certain: 100 % (band 5) and 5 days (band 2); rare: 5 % and no P80 effect (1, 1); likely:
    // 90 % and 25 days (5, 5); slack: 50 % on a task with float, no P80 effect (3, 1). The
    // closed risk is not on the map.
    let expected = [
        ("certain", 5, 2),
        ("likely", 5, 5),
        ("rare", 1, 1),
        ("slack", 3, 1),
    ]
    .map(|(id, p, i)| (id.to_owned(), p, i));
    assert_eq!(placed(html), expected);
    let high = cell(html, 5, 5);
    assert!(high.contains("class=\"heat-cell rating-high\""), "{high}");
    assert!(high.contains("tabindex=\"0\""), "{high}");
    assert!(
        high.contains(
            "aria-label=\"Probability Over 70 %, impact Over 20 days, high: 1 open risk\""
        ),
        "{high}"
    );
    assert!(high.contains(">Likely rework</li>"), "{high}");
    assert!(cell(html, 5, 2).contains("rating-medium"));
    assert!(cell(html, 1, 1).contains("rating-low"));
    assert!(cell(html, 2, 3).contains("no open risks"));
    // The register: every risk, the closed one too, with impacts from the forecast.
    let certain = row(html, "certain");
    assert!(certain.contains(">Certain slip</th>"), "{certain}");
    assert!(certain.contains("100 %"), "{certain}");
    assert!(certain.contains(">5 days at P80"), "{certain}");
    assert!(certain.contains("if it occurs: +5d–5d–5d"), "{certain}");
    assert!(certain.contains(">Medium</span>"), "{certain}");
    assert!(certain.contains(">Alpha</td>"), "{certain}");
    assert!(certain.contains(">Ana</td>"), "{certain}");
    assert!(certain.contains(">accept</td>"), "{certain}");
    assert!(certain.contains(">Open</td>"), "{certain}");
    assert!(row(html, "likely").contains(">25 days at P80"));
    assert!(row(html, "likely").contains(">High</span>"));
    assert!(row(html, "slack").contains("×2.0–3.0–3.5"));
    assert!(row(html, "rare").contains(">nobody</span>"));
    let gone = row(html, "gone");
    assert!(gone.contains("class=\"closed\""), "{gone}");
    assert!(gone.contains(">Closed</td>"), "{gone}");
    assert!(gone.contains("none while closed"), "{gone}");
    assert!(html.contains("4 open, 1 closed."), "{html}");
}

async fn each_role_gets_only_the_controls_it_may_use(app: &TestApp) {
    let owner = app.user("owner").await;
    let project = app.project(&owner, &format!("{RISKY}{CLOSED}")).await;
    let uri = format!("/projects/{}/risks", project.id);
    for (name, role, edits) in [
        ("vera", Role::Viewer, false),
        ("mia", Role::Member, false),
        ("max", Role::Manager, true),
    ] {
        let (user, cookie) = app.signed_in(name).await;
        app.add(project.id, &user, role).await;
        let answer = app.page(&uri, &cookie).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}");
        let html = &answer.text;
        assert_eq!(html.contains(">Add risk</button>"), edits, "{name}");
        assert_eq!(html.contains("data-edit=\"certain\""), edits, "{name}");
        assert_eq!(html.contains(">Close</button>"), edits, "{name}");
        assert_eq!(html.contains(">Reopen</button>"), edits, "{name}");
        assert_eq!(html.contains("id=\"risk-form\""), edits, "{name}");
        assert_eq!(html.contains("id=\"risks-data\""), edits, "{name}");
        if edits {
            for label in [
                "<label for=\"risk-title\">Title</label>",
                "<label for=\"risk-probability\">Probability (%)</label>",
                "<label for=\"risk-tasks\">Affected tasks</label>",
                "<label for=\"risk-delay-likely\">Delay, most likely</label>",
                "<label for=\"risk-factor-high\">Factor, pessimistic</label>",
                "<label for=\"risk-owner\">Owner</label>",
                "<label for=\"risk-response\">Response</label>",
                "<label for=\"risk-status\">Status</label>",
            ] {
                assert!(html.contains(label), "{label}");
            }
            assert!(html.contains("id=\"risk-title-error\""));
            let data = island(html, "risks-data");
            assert_eq!(data["risks"]["certain"]["version"], 1);
            assert_eq!(data["risks"]["gone"]["data"]["status"], "closed");
        }
    }
}

/// The forecast view's finish and duration, which a closed risk must not change.
async fn forecast_of(app: &TestApp, token: &str, project: i64) -> (Value, Value, Value) {
    let answer = app
        .get(&format!("/api/v1/projects/{project}/forecast"), token)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    (
        answer.body["finish"].clone(),
        answer.body["duration_days"].clone(),
        answer.body["risks"].clone(),
    )
}

async fn closed_risks_do_not_change_the_forecast(app: &TestApp) {
    let owner = app.user("owner").await;
    let token = app.token(&owner).await;
    let with_closed = app.project(&owner, &format!("{RISKY}{CLOSED}")).await;
    let without = app.project(&owner, RISKY).await;
    let (finish, days, risks) = forecast_of(app, &token, with_closed.id.0).await;
    let (finish_without, days_without, risks_without) =
        forecast_of(app, &token, without.id.0).await;
    assert_eq!(finish, finish_without);
    assert_eq!(days, days_without);
    let saved = |risks: &Value, id: &str| {
        risks
            .as_array()
            .unwrap()
            .iter()
            .find(|risk| risk["id"] == id)
            .map(|risk| risk["p80_days_saved"].clone())
    };
    assert_eq!(saved(&risks, "gone"), Some(json!(0.0)));
    for id in ["certain", "rare", "likely", "slack"] {
        assert_eq!(saved(&risks, id), saved(&risks_without, id), "{id}");
    }

    // Reopened as the page does it (a PATCH removing `status`), it costs its 20 days.
    let (manager, cookie) = app.signed_in("max").await;
    app.add(with_closed.id, &manager, Role::Manager).await;
    let uri = format!("/projects/{}/risks", with_closed.id);
    let answer = app.page(&uri, &cookie).await;
    let data = island(&answer.text, "risks-data");
    let reopen = app
        .send(
            Call::new(
                Method::PATCH,
                &format!("/api/v1/projects/{}/risks/gone", with_closed.id),
            )
            .session(&cookie, &csrf(&answer.text))
            .if_match(&format!("\"{}\"", data["risks"]["gone"]["version"]))
            .json(&json!({"status": null})),
        )
        .await;
    assert_eq!(reopen.status, StatusCode::OK, "{}", reopen.text);
    let (finish_open, _, risks_open) = forecast_of(app, &token, with_closed.id.0).await;
    assert_ne!(finish_open, finish);
    assert_ne!(saved(&risks_open, "gone"), Some(json!(0.0)));
    let after = app.page(&uri, &cookie).await;
    assert!(row(&after.text, "gone").contains(">Open</td>"));
    assert!(placed(&after.text).iter().any(|(id, _, _)| id == "gone"));
}

async fn a_manager_adds_a_risk_as_the_form_does(app: &TestApp) {
    let owner = app.user("owner").await;
    let project = app.project(&owner, RISKY).await;
    let (manager, session) = app.signed_in("max").await;
    app.add(project.id, &manager, Role::Manager).await;
    let uri = format!("/projects/{}/risks", project.id);
    let answer = app.page(&uri, &session).await;
    let token = csrf(&answer.text);
    let created = app
        .send(
            Call::new(
                Method::POST,
                &format!("/api/v1/projects/{}/risks", project.id),
            )
            .session(&session, &token)
            .json(&json!({
                "id": "vendor-late",
                "data": {
                    "title": "Vendor late",
                    "probability": 0.2,
                    "tasks": ["b"],
                    "delay": ["1d", "2d", "3d"],
                    "owner": "ana",
                    "response": "transfer",
                },
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let after = app.page(&uri, &session).await;
    let added = row(&after.text, "vendor-late");
    assert!(added.contains(">Vendor late</th>"), "{added}");
    assert!(added.contains(">Beta</td>"), "{added}");
    assert!(added.contains(">transfer</td>"), "{added}");
    // 20 % (band 2), on the task with float: no P80 effect (band 1).
    assert!(placed(&after.text).contains(&("vendor-late".to_owned(), 2, 1)));
    // A member may not add risks: the API refuses what the page does not offer.
    let (member, member_cookie) = app.signed_in("mia").await;
    app.add(project.id, &member, Role::Member).await;
    let member_page = app.page(&uri, &member_cookie).await;
    let refused = app
        .send(
            Call::new(
                Method::POST,
                &format!("/api/v1/projects/{}/risks", project.id),
            )
            .session(&member_cookie, &csrf(&member_page.text))
            .json(&json!({"id": "sneaky", "data": {"probability": 0.1}})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
}

/// One risk whose P80 effect is 1,206 working minutes (2.5125 days of 480 minutes), on the
/// tasks of [`RISKY`]: the kind of figure that read 2.8, 2.5 and 2.513 on three pages before
/// the days rule was written once.
const ODD_EFFECT: &str = "[risks.odd]\ntitle = \"Odd slip\"\nprobability = 1.0\ntasks = [\"a\"]\n\
                          delay = [\"1206m\", \"1206m\", \"1206m\"]\n";

async fn a_risk_effect_reads_the_same_on_every_page(app: &TestApp) {
    let owner = app.user("owner").await;
    let token = app.token(&owner).await;
    let tasks = RISKY.split("[risks.").next().unwrap();
    let project = app.project(&owner, &format!("{tasks}{ODD_EFFECT}")).await;
    let (user, cookie) = app.signed_in("vera").await;
    app.add(project.id, &user, Role::Viewer).await;
    // The JSON keeps the exact figure (a contract); every text uses `waymark_core::days`.
    let (_, _, risks) = forecast_of(app, &token, project.id.0).await;
    assert_eq!(risks[0]["p80_days_saved"], json!(2.513), "{risks}");
    let text = waymark_core::days::days(1206, 480);
    assert_eq!(text, "2.5");
    let risks_page = app
        .page(&format!("/projects/{}/risks", project.id), &cookie)
        .await;
    assert!(
        row(&risks_page.text, "odd").contains(&format!(">{text} days at P80")),
        "{}",
        risks_page.text
    );
    for uri in [
        format!("/projects/{}", project.id),
        format!("/projects/{}/forecast", project.id),
    ] {
        let answer = app.page(&uri, &cookie).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text);
        let cell = format!("data-label=\"P80 days saved without it\">{text}</td>");
        assert!(answer.text.contains(&cell), "{uri}: {}", answer.text);
    }
}

web_tests!(
    every_open_risk_is_in_the_cell_of_its_probability_and_impact,
    each_role_gets_only_the_controls_it_may_use,
    closed_risks_do_not_change_the_forecast,
    a_manager_adds_a_risk_as_the_form_does,
    a_risk_effect_reads_the_same_on_every_page,
);
