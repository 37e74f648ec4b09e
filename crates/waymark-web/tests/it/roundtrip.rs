//! Import, export, import: every example plan and every MSPDI file in `../shared` that the reader
//! accepts comes back as the same project. Through a plan file: the same plan (the plan writer's
//! text) and the same schedule. Through MSPDI: the same dates for every task (MSPDI has no place
//! for estimates and risks, and the writer may add the project summary task).

use std::path::{Path, PathBuf};

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{Call, TestApp};

/// Every example plan, and the shared MSPDI files when `../shared` is present.
fn files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".plan.toml"))
        .collect();
    paths.sort();
    let shared = root.join("../shared/data/projects/mspdi");
    if shared.is_dir() {
        for group in ["mpxj", "derived-from-mpp"] {
            let mut xml: Vec<PathBuf> = std::fs::read_dir(shared.join(group))
                .into_iter()
                .flatten()
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
                .collect();
            xml.sort();
            paths.extend(xml);
        }
    } else {
        println!("skipped the MSPDI files: {} is absent", shared.display());
    }
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".xml") {
        "application/xml"
    } else {
        "application/toml"
    }
}

/// Each task's early and late dates, in order.
fn dates(schedule: &Value) -> Vec<[Value; 4]> {
    schedule["tasks"]
        .as_array()
        .map(|tasks| {
            tasks
                .iter()
                .map(|t| {
                    [
                        t["early_start"].clone(),
                        t["early_finish"].clone(),
                        t["late_start"].clone(),
                        t["late_finish"].clone(),
                    ]
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn import_then_export_then_import_gives_the_same_project(app: &TestApp) {
    let ana = app.user("ana").await;
    let token = app.token(&ana).await;
    let import = |content_type: &'static str, text: String| {
        let token = token.clone();
        async move {
            app.send(
                Call::new(Method::POST, "/api/v1/projects/import")
                    .token(&token)
                    .raw(content_type, text.as_bytes()),
            )
            .await
        }
    };
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, text) in files() {
        let first = import(content_type(&name), text).await;
        if first.status == StatusCode::UNPROCESSABLE_ENTITY && name.ends_with(".xml") {
            report.push(format!("{name}: not read by the MSPDI reader, skipped"));
            continue;
        }
        assert_eq!(first.status, StatusCode::CREATED, "{name}: {}", first.text);
        let id = first.body["id"].as_i64().unwrap();
        let schedule = app
            .get(&format!("/api/v1/projects/{id}/schedule"), &token)
            .await;
        let plan_text = app
            .get(&format!("/api/v1/projects/{id}/export?format=plan"), &token)
            .await;
        assert_eq!(plan_text.status, StatusCode::OK, "{name}");

        // Through the plan file.
        let again = import("application/toml", plan_text.text.clone()).await;
        assert_eq!(again.status, StatusCode::CREATED, "{name}: {}", again.text);
        let again_id = again.body["id"].as_i64().unwrap();
        let again_text = app
            .get(
                &format!("/api/v1/projects/{again_id}/export?format=plan"),
                &token,
            )
            .await;
        if again_text.text != plan_text.text {
            failures.push(format!("{name}: the plan exported again differs"));
        }
        let again_schedule = app
            .get(&format!("/api/v1/projects/{again_id}/schedule"), &token)
            .await;
        if again_schedule.body != schedule.body {
            failures.push(format!("{name}: the schedule through a plan file differs"));
        }

        // Through MSPDI.
        let xml = app
            .get(
                &format!("/api/v1/projects/{id}/export?format=mspdi"),
                &token,
            )
            .await;
        assert_eq!(xml.status, StatusCode::OK, "{name}");
        let through = import("application/xml", xml.text).await;
        assert_eq!(
            through.status,
            StatusCode::CREATED,
            "{name}: {}",
            through.text
        );
        let through_id = through.body["id"].as_i64().unwrap();
        let through_schedule = app
            .get(&format!("/api/v1/projects/{through_id}/schedule"), &token)
            .await;
        let (before, after) = (dates(&schedule.body), dates(&through_schedule.body));
        let skip = after.len().saturating_sub(before.len());
        if schedule.status != through_schedule.status
            || after.len() != before.len() + skip
            || before[..] != after[skip..]
        {
            failures.push(format!("{name}: the schedule through MSPDI differs"));
        }
        report.push(format!(
            "{name}: {} tasks, {}",
            before.len(),
            if schedule.status == StatusCode::OK {
                "scheduled"
            } else {
                "not scheduled"
            }
        ));
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

web_tests!(import_then_export_then_import_gives_the_same_project);
