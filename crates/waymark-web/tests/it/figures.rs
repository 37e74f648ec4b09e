//! One forecast per project revision: the overview, the risks and forecast pages, the portfolio
//! and the API's forecast show the same P50/P80, deadline chance, milestone chances and risk
//! effects, on each demo project (the examples `waymark serve --demo` loads). The numbers are
//! compared, each page's as it formats them, against the API's JSON.

use serde_json::Value;
use waymark_core::forecast::{DEFAULT_ITERATIONS, DEFAULT_SEED};

use crate::harness::TestApp;

const EXAMPLES: [&str; 3] = [
    include_str!("../../../../examples/website-launch.plan.toml"),
    include_str!("../../../../examples/mobile-app.plan.toml"),
    include_str!("../../../../examples/crm-rollout.plan.toml"),
];

/// The text of every cell labelled `label` (`data-label`), in page order, tags taken out.
fn cells(html: &str, label: &str) -> Vec<String> {
    let marker = format!("data-label=\"{label}\"");
    html.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &html[at..];
            let open = rest.find('>').unwrap() + 1;
            let close = ["</td>", "</th>"]
                .iter()
                .filter_map(|end| rest.find(end))
                .min()
                .unwrap();
            let mut text = String::new();
            let mut in_tag = false;
            for c in rest[open..close].chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.replace("&amp;", "&").trim().to_owned()
        })
        .collect()
}

/// The cells labelled `value` next to those labelled `key`, as pairs.
fn column_pairs(html: &str, key: &str, value: &str) -> Vec<(String, String)> {
    let keys = cells(html, key);
    let values = cells(html, value);
    assert_eq!(keys.len(), values.len(), "{key} and {value}");
    keys.into_iter().zip(values).collect()
}

fn day(text: &Value) -> String {
    text.as_str().unwrap()[..10].to_owned()
}

fn percent(value: &Value) -> String {
    format!("{:.0} %", value.as_f64().unwrap() * 100.0)
}

/// A risk effect in days as the pages write it: the API's exact days back to working minutes,
/// then core's one rule for days in text (a saving below zero shows as none).
fn days(value: &Value, minutes_per_day: i64) -> String {
    let minutes = (value.as_f64().unwrap() * minutes_per_day as f64).round() as i64;
    waymark_core::days::days(waymark_core::model::risk_impact(minutes), minutes_per_day)
}

async fn every_page_and_the_api_show_the_same_forecast(app: &TestApp) {
    let ana = app.user_with_password("ana", "correct horse").await;
    let token = app.token(&ana).await;
    let cookie = app.form_cookie("ana", "correct horse").await;
    let mut projects = Vec::new();
    for text in EXAMPLES {
        let plan = waymark_formats::plan::read_plan(text).unwrap().plan;
        projects.push((app.project(&ana, text).await, plan));
    }
    let portfolio = app.page("/", &cookie).await.text;
    let portfolio_names = cells(&portfolio, "Project");
    for (project, plan) in &projects {
        let id = project.id.0;
        let name = &project.name;
        let api = app
            .get(&format!("/api/v1/projects/{id}/forecast"), &token)
            .await
            .body;
        assert_eq!(api["iterations"], DEFAULT_ITERATIONS, "{name}");
        assert_eq!(api["seed"], DEFAULT_SEED, "{name}");
        // Asked for with the same settings spelled out, the API answers the same numbers.
        let spelled = app
            .get(
                &format!("/api/v1/projects/{id}/forecast?iterations={DEFAULT_ITERATIONS}&seed={DEFAULT_SEED}"),
                &token,
            )
            .await
            .body;
        assert_eq!(spelled, api, "{name}");
        let task_name = |task: &Value| {
            let id = task.as_str().unwrap();
            plan.tasks.iter().find(|t| t.id == id).unwrap().name.clone()
        };
        let risk_title = |risk: &Value| {
            let id = risk.as_str().unwrap();
            plan.risks
                .iter()
                .find(|r| r.id == id)
                .unwrap()
                .title
                .clone()
        };
        let milestones = api["milestones"].as_array().unwrap();
        let risks = api["risks"].as_array().unwrap();
        assert!(
            !milestones.is_empty(),
            "{name}: the demo has milestones ahead"
        );
        assert!(!risks.is_empty(), "{name}: the demo has risks");
        let deadline = &api["deadline"];
        assert!(deadline.is_object(), "{name}: the demo has a deadline");
        let effect_of = |title: &str| {
            let risk = risks
                .iter()
                .find(|risk| risk_title(&risk["id"]) == title)
                .unwrap_or_else(|| panic!("{name}: no risk {title}"));
            days(&risk["p80_days_saved"], plan.project.minutes_per_day)
        };

        // The forecast page.
        let page = app
            .page(&format!("/projects/{id}/forecast"), &cookie)
            .await
            .text;
        assert!(
            page.contains(&format!(
                "{DEFAULT_ITERATIONS} iterations, seed {DEFAULT_SEED}."
            )),
            "{name}"
        );
        assert_eq!(cells(&page, "P50"), [day(&api["finish"]["p50"])], "{name}");
        assert_eq!(cells(&page, "P80"), [day(&api["finish"]["p80"])], "{name}");
        assert!(
            page.contains(&format!(
                "{}: <span class=\"{}\">{}</span> chance of meeting it.",
                day(&deadline["date"]),
                if deadline["probability"].as_f64().unwrap() >= 0.8 {
                    "good"
                } else if deadline["probability"].as_f64().unwrap() < 0.5 {
                    "bad"
                } else {
                    ""
                },
                percent(&deadline["probability"])
            )),
            "{name}: {page}"
        );
        let expected: Vec<(String, String, String)> = milestones
            .iter()
            .map(|m| {
                let by_deadline = match &m["deadline"] {
                    Value::Null => "—".to_owned(),
                    deadline => percent(&deadline["probability"]),
                };
                (task_name(&m["id"]), percent(&m["probability"]), by_deadline)
            })
            .collect();
        let shown: Vec<(String, String, String)> = cells(&page, "Milestone")
            .into_iter()
            .zip(cells(&page, "Chance by its date"))
            .zip(cells(&page, "Chance by the deadline"))
            .map(|((a, b), c)| (a, b, c))
            .collect();
        assert_eq!(shown, expected, "{name}: forecast page milestones");
        for (title, effect) in column_pairs(&page, "Risk", "P80 days saved without it") {
            assert_eq!(effect, effect_of(&title), "{name}: forecast page, {title}");
        }

        // The overview: every milestone still ahead with the same chances, the top risks with
        // the same effects.
        let overview = app.page(&format!("/projects/{id}"), &cookie).await.text;
        let rows: Vec<(String, String, String)> = cells(&overview, "Milestone")
            .into_iter()
            .zip(cells(&overview, "Chance by its date"))
            .zip(cells(&overview, "Chance by the deadline"))
            .map(|((a, b), c)| (a, b, c))
            .filter(|(_, by_date, _)| by_date != "reached")
            .collect();
        let mut sorted = expected.clone();
        sorted.sort();
        let mut rows_sorted = rows.clone();
        rows_sorted.sort();
        assert_eq!(rows_sorted, sorted, "{name}: overview milestones");
        let top = column_pairs(&overview, "Risk", "P80 days saved without it");
        assert!(!top.is_empty(), "{name}: the overview shows top risks");
        for (title, effect) in top {
            assert_eq!(effect, effect_of(&title), "{name}: overview, {title}");
        }

        // The risks page: each open risk's impact.
        let register = app
            .page(&format!("/projects/{id}/risks"), &cookie)
            .await
            .text;
        let impacts = column_pairs(&register, "Risk", "Impact");
        assert_eq!(impacts.len(), risks.len(), "{name}");
        for (title, impact) in impacts {
            if !impact.starts_with("none while closed") {
                assert!(
                    impact.starts_with(&format!("{} days at P80", effect_of(&title))),
                    "{name}: risks page, {title}: {impact}"
                );
            }
        }

        // The portfolio's row of the project.
        let row = portfolio_names
            .iter()
            .position(|shown| shown == name)
            .unwrap();
        assert_eq!(
            cells(&portfolio, "Finish P50")[row],
            day(&api["finish"]["p50"])
        );
        assert_eq!(
            cells(&portfolio, "Finish P80")[row],
            day(&api["finish"]["p80"])
        );
        assert_eq!(
            cells(&portfolio, "Chance of the deadline")[row],
            percent(&deadline["probability"])
        );
    }
}

web_tests!(every_page_and_the_api_show_the_same_forecast);
