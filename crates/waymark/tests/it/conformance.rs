//! Fidelity against Microsoft Project: for every MSPDI file in ../shared, the early/late dates
//! and total slack Waymark computes must equal what Microsoft Project stored (as read by MPXJ
//! into `reference/mspdi/**.json`), compared in working time on the task's calendar so that
//! Project 2019's "08:00 next working day" and Project 2003's "17:00 the day before" agree.

use serde_json::Value;
use std::collections::BTreeMap;
use waymark_core::{schedule, time, TaskCalendars};

fn parse_time(text: &str) -> Option<time::Instant> {
    let parsed = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Some(time::instant(parsed))
}

/// Per-file result: tasks compared, tasks matching on all five fields, and the differences.
pub struct FileResult {
    pub compared: usize,
    pub matched: usize,
    pub differences: Vec<String>,
}

pub fn compare_file(xml: &std::path::Path, reference: &std::path::Path) -> FileResult {
    let source = std::fs::read_to_string(xml).expect("read MSPDI file");
    let loaded = waymark_formats::mspdi::read_mspdi(&source)
        .unwrap_or_else(|d| panic!("{} does not read: {d:?}", xml.display()));
    let plan = loaded.plan;
    let computed = schedule(&plan).expect("schedule");
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(reference).expect("read reference"))
            .expect("reference JSON");
    let by_uid: BTreeMap<String, &Value> = reference["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| (t["uid"].to_string(), t))
        .collect();
    let calendars = TaskCalendars::new(&plan).expect("calendars");
    let mut result = FileResult {
        compared: 0,
        matched: 0,
        differences: Vec::new(),
    };
    for (index, (task, dates)) in plan.tasks.iter().zip(&computed.tasks).enumerate() {
        let Some(expected) = by_uid.get(&task.id) else {
            continue;
        };
        let calendar = calendars.of(waymark_core::TaskId(index));
        result.compared += 1;
        let mut ok = true;
        for (field, ours) in [
            ("early_start", dates.early_start),
            ("early_finish", dates.early_finish),
            ("late_start", dates.late_start),
            ("late_finish", dates.late_finish),
        ] {
            let Some(theirs) = expected[field].as_str().and_then(parse_time) else {
                continue;
            };
            if calendar.w(ours) != calendar.w(theirs) {
                ok = false;
                result.differences.push(format!(
                    "task {} `{}` {field}: waymark {} project {}",
                    task.id,
                    task.name,
                    time::iso(ours),
                    time::iso(theirs)
                ));
            }
        }
        if let Some(slack) = expected["total_slack"]["minutes"].as_f64() {
            let slack = slack.round() as i64;
            if slack != dates.total_float {
                ok = false;
                result.differences.push(format!(
                    "task {} `{}` total_slack: waymark {} project {} minutes",
                    task.id, task.name, dates.total_float, slack
                ));
            }
        }
        if ok {
            result.matched += 1;
        }
    }
    result
}

fn files() -> Vec<(std::path::PathBuf, std::path::PathBuf)> {
    let Some(shared) = crate::shared() else {
        return Vec::new();
    };
    let root = shared.join("data/projects");
    let mut out = Vec::new();
    for folder in ["mspdi/mpxj", "mspdi/derived-from-mpp"] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(folder))
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        entries.sort();
        for xml in entries {
            let name = xml.file_name().expect("name").to_string_lossy().to_string();
            let reference = root
                .join("reference")
                .join(folder)
                .join(format!("{name}.json"));
            out.push((xml, reference));
        }
    }
    out
}

/// Tasks that may still differ, per file, each with the reason. Every other task must match.
const KNOWN_DIFFERENCES: &[(&str, usize)] = &[
    // Split (interrupted) tasks: Microsoft Project stores the pause between the segments in
    // TimephasedData and its finish includes it; Waymark does not model splits yet, so the two
    // split tasks and their summary finish earlier by the length of the pause.
    ("mspdisplittask.xml", 3),
    // The milestone "Gas Connection and decomissioning" (FNET, zero duration) drives its SS
    // successor, which is critical, yet Microsoft Project stored its late dates at the project
    // finish, as if the SS link did not bind it; its summary "Milestone" inherits that. We
    // follow the CPM definition (and Project 2003's behaviour in task-links-project2003).
    ("dcma-sample.xml", 2),
];

#[test]
fn schedules_match_microsoft_project() {
    let mut failures = Vec::new();
    let mut report = String::new();
    for (xml, reference) in files() {
        let name = xml.file_name().expect("name").to_string_lossy().to_string();
        let result = compare_file(&xml, &reference);
        report.push_str(&format!(
            "{name}: {}/{} tasks match\n",
            result.matched, result.compared
        ));
        for difference in result.differences.iter().take(12) {
            report.push_str(&format!("    {difference}\n"));
        }
        let allowed = KNOWN_DIFFERENCES
            .iter()
            .find(|(file, _)| *file == name)
            .map_or(0, |(_, n)| *n);
        if result.compared - result.matched > allowed {
            failures.push(name);
        }
    }
    eprintln!("{report}");
    assert!(
        failures.is_empty(),
        "schedules differ from Microsoft Project in {failures:?}\n{report}"
    );
}
