//! Writers against readers: every example plan, the full test plan and every MSPDI file in
//! `../shared` (when present) go through the plan writer and the MSPDI writer and come back as
//! the same plan, or at least the same schedule where the format cannot hold everything.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use waymark_core::Plan;
use waymark_formats::plan::read_plan;

/// A plan with every source location cleared, as pretty debug text: two plans are the same
/// when these are equal.
fn normalized(plan: &Plan) -> String {
    let mut plan = plan.clone();
    plan.project.location = None;
    for resource in &mut plan.resources {
        resource.location = None;
    }
    for task in &mut plan.tasks {
        task.location = None;
        for constraint in &mut task.constraints {
            constraint.location = None;
        }
    }
    for link in &mut plan.links {
        link.location = None;
    }
    for risk in &mut plan.risks {
        risk.location = None;
    }
    format!("{plan:#?}")
}

/// The first line where two texts differ, with a little context, for assertion messages.
fn first_difference(left: &str, right: &str) -> Option<String> {
    let (left, right): (Vec<&str>, Vec<&str>) = (left.lines().collect(), right.lines().collect());
    let line = (0..left.len().max(right.len())).find(|&i| left.get(i) != right.get(i))?;
    let from = line.saturating_sub(6);
    Some(format!(
        "line {line}:\n  before: {}\n  after:  {}",
        left[from.min(left.len())..(line + 1).min(left.len())].join("\n          "),
        right[from.min(right.len())..(line + 1).min(right.len())].join("\n          ")
    ))
}

fn read_plan_text(name: &str, source: &str) -> Plan {
    match read_plan(source) {
        Ok(loaded) => loaded.plan,
        Err(diagnostics) => panic!(
            "{name} does not read:\n{}",
            diagnostics
                .iter()
                .map(|d| d.render(name))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// The example plans and the test plan with every key, as (name, text).
fn plan_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("../../examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".plan.toml"))
        .collect();
    paths.sort();
    paths.push(root.join("tests/it/plan_full.toml"));
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

#[test]
fn plans_round_trip_through_the_plan_writer() {
    for (name, source) in plan_files() {
        let plan = read_plan_text(&name, &source);
        let written = waymark_formats::plan::write(&plan);
        let again = read_plan_text(&format!("{name} (written)"), &written);
        let (before, after) = (normalized(&plan), normalized(&again));
        if let Some(difference) = first_difference(&before, &after) {
            panic!("{name} changed through the plan writer at {difference}\n\n{written}");
        }
        assert_eq!(
            waymark_formats::plan::write(&again),
            written,
            "{name}: writing the plan read back gives other text"
        );
    }
}
