//! The real binary on files in a temporary folder.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn waymark(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_waymark"))
        .args(args)
        .output()
        .expect("run waymark");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn examples() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("examples folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".plan.toml"))
        .collect();
    files.sort();
    files
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path.to_string_lossy().into_owned()
}

const SMALL: &str = r#"
[project]
name = "Small"
start = 2027-01-04
deadline = 2027-01-15

[tasks.design]
duration = "3d"

[tasks.build]
duration = "5d"
after = ["design"]

[tasks.docs]
duration = "2d"
after = ["design"]

[tasks.release]
milestone = true
after = ["build", "docs"]
"#;

#[test]
fn schedule_json_has_the_contract_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "small.plan.toml", SMALL);
    let (code, stdout, stderr) = waymark(&["schedule", &file, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["project"]["start"], "2027-01-04T08:00:00");
    assert_eq!(json["project"]["finish"], "2027-01-13T17:00:00");
    let tasks = json["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 4);
    for task in tasks {
        for field in [
            "id",
            "name",
            "summary",
            "milestone",
            "start",
            "finish",
            "early_start",
            "early_finish",
            "late_start",
            "late_finish",
            "total_float_minutes",
            "free_float_minutes",
            "critical",
        ] {
            assert!(task.get(field).is_some(), "task lacks {field}: {task}");
        }
    }
    let docs = tasks.iter().find(|t| t["id"] == "docs").expect("docs");
    assert_eq!(docs["total_float_minutes"], 3 * 480);
    assert_eq!(docs["critical"], false);
    let release = tasks
        .iter()
        .find(|t| t["id"] == "release")
        .expect("release");
    assert_eq!(release["milestone"], true);
    assert_eq!(release["start"], "2027-01-13T17:00:00");
    assert_eq!(release["critical"], true);
    // The deadline (end of 15 January) leaves two days of float on the critical path.
    let build = tasks.iter().find(|t| t["id"] == "build").expect("build");
    assert_eq!(build["total_float_minutes"], 0);
}

#[test]
fn schedule_table_and_svg() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "small.plan.toml", SMALL);
    let svg = dir.path().join("gantt.svg");
    let (code, stdout, stderr) = waymark(&["schedule", &file, "--svg", &svg.to_string_lossy()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Small: Mon 2027-01-04 08:00 → Wed 2027-01-13 17:00"),
        "{stdout}"
    );
    assert!(stdout.lines().any(|l| l.starts_with("* build")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("  docs")), "{stdout}");
    let drawn = std::fs::read_to_string(&svg).expect("svg written");
    assert!(drawn.starts_with("<svg") || drawn.starts_with("<?xml"));
    let (_, again, _) = waymark(&["schedule", &file, "--svg", &svg.to_string_lossy()]);
    assert_eq!(again, stdout);
    assert_eq!(
        std::fs::read_to_string(&svg).expect("svg"),
        drawn,
        "same input, same bytes"
    );
}

#[test]
fn errors_name_file_line_and_column_and_exit_non_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "bad.plan.toml",
        "[project]\nstart = 2027-01-04\n\n[tasks.a]\nduration = \"5x\"\n\n[tasks.b]\nduration = \"1d\"\nafter = [\"nope\"]\n",
    );
    let (code, stdout, stderr) = waymark(&["schedule", &file]);
    assert_ne!(code, 0);
    assert!(stdout.is_empty());
    assert!(stderr.contains("bad.plan.toml:5:"), "{stderr}");
    assert!(stderr.contains("bad.plan.toml:9:"), "{stderr}");
    let (code, stdout, _) = waymark(&["check", &file, "--json"]);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["ok"], false);
    assert!(json["errors"].as_u64().expect("count") >= 2);
}

#[test]
fn cycles_are_reported_with_every_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "cycle.plan.toml",
        "[project]\nstart = 2027-01-04\n\n[tasks.a]\nduration = \"1d\"\nafter = [\"c\"]\n\n[tasks.b]\nduration = \"1d\"\nafter = [\"a\"]\n\n[tasks.c]\nduration = \"1d\"\nafter = [\"b\"]\n",
    );
    let (code, _, stderr) = waymark(&["schedule", &file]);
    assert_eq!(code, 1);
    assert!(stderr.contains("dependency-cycle"), "{stderr}");
    for task in ["`a`", "`b`", "`c`"] {
        assert!(stderr.contains(task), "{stderr}");
    }
}

#[test]
fn missing_file_and_unknown_extension() {
    let (code, _, stderr) = waymark(&["schedule", "/no/such/file.plan.toml"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("cannot read"), "{stderr}");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "plan.txt", "hello");
    let (code, _, stderr) = waymark(&["check", &file]);
    assert_eq!(code, 1);
    assert!(stderr.is_empty() || stderr.contains("unknown"), "{stderr}");
}

#[test]
fn every_example_schedules_and_checks() {
    for example in examples() {
        let path = example.to_string_lossy().into_owned();
        let (code, stdout, stderr) = waymark(&["schedule", &path, "--json"]);
        assert_eq!(code, 0, "{path}: {stderr}");
        let json: Value = serde_json::from_str(&stdout).expect("JSON");
        assert!(
            json["tasks"].as_array().expect("tasks").len() >= 25,
            "{path}"
        );
        let (_, stdout, _) = waymark(&["check", &path, "--json"]);
        let json: Value = serde_json::from_str(&stdout).expect("check JSON");
        assert!(json["diagnostics"].is_array());
    }
}

#[test]
fn mspdi_files_schedule_through_the_cli() {
    let Some(shared) = crate::shared() else {
        return;
    };
    let file = shared.join("data/projects/mspdi/mpxj/mspdirelations.xml");
    let (code, stdout, stderr) = waymark(&["schedule", &file.to_string_lossy(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["project"]["finish"], "2006-09-25T17:00:00");
    let ids: Vec<&str> = json["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["0", "1", "2", "3", "4", "5"]);
}

const SHARED_PERSON: &str = r#"
[project]
name = "Shared"
start = 2027-01-04

[resources.ana]
name = "Ana Ruiz"

[tasks.api]
duration = "3d"
resources = ["ana"]

[tasks.docs]
duration = "2d"
resources = ["ana"]

[tasks.release]
milestone = true
after = ["api", "docs"]
"#;

#[test]
fn level_moves_the_task_with_float_and_explains_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "shared.plan.toml", SHARED_PERSON);
    let (code, stdout, stderr) = waymark(&["level", &file, "--json", "--time-limit", "0.2"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["finish_before"], "2027-01-06T17:00:00");
    assert_eq!(json["project"]["finish"], "2027-01-08T17:00:00");
    let tasks = json["tasks"].as_array().expect("tasks");
    let docs = tasks.iter().find(|t| t["id"] == "docs").expect("docs");
    assert_eq!(docs["start"], "2027-01-07T08:00:00");
    assert_eq!(docs["delay"]["delay_minutes"], 3 * 480);
    let reason = &docs["delay"]["reasons"][0];
    assert_eq!(reason["resource"], "ana");
    assert_eq!(reason["held_by"], serde_json::json!(["api"]));
    let api = tasks.iter().find(|t| t["id"] == "api").expect("api");
    assert!(api["delay"].is_null());
    let (code, stdout, _) = waymark(&["level", &file, "--explain", "--time-limit", "0.2"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("waited for Ana Ruiz, busy on `api`"),
        "{stdout}"
    );
}

#[test]
fn two_plans_level_against_one_pool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.plan.toml", SHARED_PERSON);
    let b = write(
        dir.path(),
        "b.plan.toml",
        "[project]\nname = \"Other\"\nstart = 2027-01-04\n\n[resources.ana]\nname = \"Ana Ruiz\"\n\n[tasks.audit]\nduration = \"4d\"\nresources = [\"ana\"]\n",
    );
    let (code, stdout, stderr) = waymark(&["level", &a, &b, "--json", "--time-limit", "0.2"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let plans = json["plans"].as_array().expect("plans");
    assert_eq!(plans.len(), 2);
    // Ana has 9 days of work in all, so the later plan finishes on day 9 (14 January).
    let finishes: Vec<&str> = plans
        .iter()
        .map(|p| p["finish_after"].as_str().expect("finish"))
        .collect();
    assert!(
        finishes.iter().any(|f| *f >= "2027-01-14T17:00:00"),
        "{finishes:?}"
    );
}

#[test]
fn load_marks_over_allocation_before_and_not_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "shared.plan.toml", SHARED_PERSON);
    let (code, stdout, stderr) = waymark(&["load", &file, "--json", "--period", "day"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let ana = &json["resources"][0];
    let over = |key: &str| {
        ana[key]
            .as_array()
            .expect("periods")
            .iter()
            .filter(|p| p["over_allocated"] == true)
            .count()
    };
    assert_eq!(over("before"), 2, "api and docs overlap on two days");
    assert_eq!(over("after"), 0);
    let first = &ana["before"][0];
    assert_eq!(first["allocated_hours"], 16.0);
    assert_eq!(first["capacity_hours"], 8.0);
    let svg = dir.path().join("load.svg");
    let (code, _, stderr) = waymark(&["load", &file, "--svg", &svg.to_string_lossy()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read_to_string(&svg)
        .expect("svg")
        .contains("Ana Ruiz"));
}

#[test]
fn load_marks_work_beyond_the_persons_working_time_as_the_resources_page_does() {
    // A six-day task calendar on a five-day person: never beyond her units, but booked on a
    // Saturday she does not work. Over-allocated by the one rule
    // (`waymark_core::load::over_allocated`), in the table, the JSON and the SVG alike.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "saturday.plan.toml",
        "[project]\nstart = 2027-01-04\n\n[calendars.sixday]\n\
         days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"]\n\n\
         [resources.ana]\nname = \"Ana\"\n\n[tasks.a]\nduration = \"6d\"\n\
         calendar = \"sixday\"\nresources = [\"ana\"]\n",
    );
    let (code, stdout, stderr) = waymark(&["load", &file, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let week = &json["resources"][0]["before"][0];
    assert_eq!(week["allocated_hours"], 48.0, "{week}");
    assert_eq!(week["capacity_hours"], 40.0, "{week}");
    assert_eq!(week["peak_units"], 1.0, "{week}");
    assert_eq!(week["over_allocated"], true, "{week}");
    let (code, stdout, stderr) = waymark(&["load", &file]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("120%!"), "{stdout}");
    let (code, stdout, stderr) = waymark(&["load", &file, "--period", "day"]);
    assert_eq!(code, 0, "{stderr}");
    // The Saturday: booked with no working time.
    assert!(stdout.contains("∞!"), "{stdout}");
    // Levelling moves nothing (nobody is beyond their units), and says so in those words.
    let (code, stdout, stderr) = waymark(&["level", &file]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("nobody is booked beyond their units"),
        "{stdout}"
    );
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "small.plan.toml", SMALL);
    let mut child = Command::new(env!("CARGO_BIN_EXE_waymark"))
        .args(["schedule", &file])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "{stderr}");
}

/// A PSPLIB instance: jobs 2 and 3 both need the single unit of R 1, so one waits.
const PSPLIB_SMALL: &str = "\
jobs (incl. supersource/sink ):  5
RESOURCES
  - renewable                 :  1   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           5
   4        1          1           5
   5        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1
------------------------------------------------------------------------
  1      1     0       0
  2      1     2       1
  3      1     3       1
  4      1     4       0
  5      1     0       0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1
    1
************************************************************************
";

#[test]
fn level_solves_a_psplib_instance_with_file_job_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "small.sm", PSPLIB_SMALL);
    let (code, stdout, stderr) = waymark(&[
        "level",
        &file,
        "--json",
        "--time-limit",
        "5",
        "--schedules",
        "200",
        "--seed",
        "3",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let start = |job: &str| json["starts"][job].as_u64().expect("start of every job");
    let durations = [(1, 0), (2, 2), (3, 3), (4, 4), (5, 0)];
    // Precedences of the file, and R 1 (capacity 1) used by jobs 2 and 3 only.
    for (before, after) in [(1, 2), (1, 3), (2, 4), (3, 5), (4, 5)] {
        let finish = start(&before.to_string()) + durations[before - 1].1;
        assert!(start(&after.to_string()) >= finish, "{before} -> {after}");
    }
    let (two, three) = (start("2"), start("3"));
    assert!(two + 2 <= three || three + 3 <= two, "jobs 2 and 3 overlap");
    // The optimum runs 2 first (0..2), then 4 (2..6) beside 3 (2..5): 6 periods.
    assert_eq!(json["makespan"], 6);
    assert_eq!(start("5"), 6);
    assert_eq!(json["seed"], 3);

    let (code, stdout, _) = waymark(&["level", &file]);
    assert_eq!(code, 0);
    assert!(stdout.contains("makespan 6"), "{stdout}");

    let broken = write(
        dir.path(),
        "broken.sm",
        &PSPLIB_SMALL.replace("  3      1     3       1", "  3      1     x       1"),
    );
    let (code, _, stderr) = waymark(&["level", &broken, "--json"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("broken.sm:20:"), "{stderr}");
}

#[test]
fn plan_forecast_is_the_same_on_any_number_of_threads() {
    let plan = examples()
        .into_iter()
        .find(|p| p.ends_with("mobile-app.plan.toml"))
        .expect("mobile app example");
    let plan = plan.to_str().expect("path");
    let run = |threads: &str| {
        let (code, stdout, stderr) = waymark(&[
            "forecast",
            plan,
            "--iterations",
            "700",
            "--seed",
            "3",
            "--threads",
            threads,
            "--json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("5"));
    let json: Value = serde_json::from_str(&one).expect("JSON");
    // The example's milestones carry deadlines and its people rates: both are forecast.
    let deadlines = json["task_deadlines"].as_array().expect("task deadlines");
    assert!(!deadlines.is_empty());
    for deadline in deadlines {
        let p = deadline["probability"].as_f64().expect("probability");
        assert!((0.0..=1.0).contains(&p));
    }
    let cost = &json["cost"];
    let p10 = cost["p10"].as_f64().expect("cost p10");
    let p95 = cost["p95"].as_f64().expect("cost p95");
    assert!(0.0 < p10 && p10 <= p95, "{cost}");
}

#[test]
fn throughput_forecast_gives_the_exact_distribution() {
    let history = "1,3,5,3,7,8,0,5,3,1,8,2";
    let (code, stdout, stderr) = waymark(&[
        "forecast",
        "--throughput",
        history,
        "--period",
        "week",
        "--items",
        "20",
        "--start",
        "2027-03-01",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let cdf = json["when"]["cdf"].as_array().expect("cdf");
    let within = |k: u64| {
        cdf.iter()
            .find(|pair| pair[0] == k)
            .and_then(|pair| pair[1].as_f64())
            .expect("period")
    };
    assert!((within(7) - 0.84996).abs() < 5e-6);
    assert!((within(8) - 0.935044).abs() < 5e-7);
    assert_eq!(json["when"]["p85"], 8);
    assert_eq!(json["when"]["dates"]["p85"], "2027-04-26");
    let (code, stdout, _) = waymark(&[
        "forecast",
        "--throughput",
        history,
        "--within",
        "7",
        "--json",
    ]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let at_least_20 = json["how_many"]["at_least"][20][1].as_f64().expect("p");
    assert!((at_least_20 - within(7)).abs() < 1e-12);
    let (code, _, stderr) = waymark(&["forecast", "--throughput", "1,x", "--items", "3"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("`x` is not a whole number"), "{stderr}");
}

/// Weekly throughput 1,3,5,3,7,8,0,5,3,1,8,2 (from the issue) as completion dates: ISO weeks
/// from Monday 2026-11-30, across the year change (2026-W53 runs to Sunday 2027-01-03), every
/// item on a different weekday, Sundays included.
const WEEKLY: [u64; 12] = [1, 3, 5, 3, 7, 8, 0, 5, 3, 1, 8, 2];

fn weekly_completions(weekdays: u64) -> Vec<chrono::NaiveDate> {
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let mut dates = Vec::new();
    for (week, &count) in WEEKLY.iter().enumerate() {
        for item in 0..count {
            let day = week as u64 * 7 + (item * 2) % weekdays;
            dates.push(monday + chrono::Days::new(day));
        }
    }
    dates
}

/// `P(done within k periods)` from a `--json` answer with `when`.
fn done_within(json: &Value, periods: u64) -> f64 {
    json["when"]["cdf"]
        .as_array()
        .expect("cdf")
        .iter()
        .find(|pair| pair[0] == periods)
        .and_then(|pair| pair[1].as_f64())
        .expect("period")
}

#[test]
fn throughput_history_from_a_csv_of_completion_dates() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A tracker export: a header, the date column third, quoted cells with commas, dates with
    // and without times and offsets, a blank line and an item not done yet.
    let mut csv = String::from("key,title,resolved\r\n");
    for (index, date) in weekly_completions(7).iter().enumerate() {
        let resolved = match index % 3 {
            0 => date.to_string(),
            1 => format!("{date}T17:45:00Z"),
            _ => format!("{date} 09:30"),
        };
        csv.push_str(&format!("WM-{index},\"Fix, part {index}\",{resolved}\r\n"));
        if index == 10 {
            csv.push_str("\r\n");
        }
    }
    csv.push_str("WM-99,\"Still open\",\r\n");
    let file = write(dir.path(), "done.csv", &csv);
    let (code, stdout, stderr) = waymark(&[
        "forecast",
        "--history",
        &file,
        "--period",
        "week",
        "--items",
        "20",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["history"], serde_json::json!(WEEKLY));
    assert_eq!(json["history_start"], "2026-11-30");
    assert_eq!(json["as_of"], "2027-02-17", "the last completion");
    assert_eq!(json["start"], "2027-02-22", "the week after the history");
    assert_eq!(json["source"]["kind"], "csv");
    assert_eq!(json["source"]["column"], "resolved");
    assert_eq!(json["source"]["completions"], 46);
    assert_eq!(json["source"]["without_date"], 1);
    assert!((done_within(&json, 7) - 0.84996).abs() < 5e-6);
    assert!((done_within(&json, 8) - 0.935044).abs() < 5e-7);
    assert_eq!(json["when"]["dates"]["p85"], "2027-04-19");

    // The text shows the history it derived; --column by name, case-insensitive.
    let (code, stdout, stderr) = waymark(&[
        "forecast",
        "--history",
        &file,
        "--column",
        "Resolved",
        "--items",
        "20",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("History: 46 items finished in 12 weeks, 2026-11-30 to 2027-02-21"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  2026-11-30   1   3   5   3   7   8   0   5   3   1   8   2\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("85 % sure: 8 weeks (by 2027-04-19)"),
        "{stdout}"
    );

    // --as-of: quiet weeks after the last completion count as zeros; earlier, later
    // completions are left out.
    let (code, stdout, _) = waymark(&[
        "forecast",
        "--history",
        &file,
        "--as-of",
        "2027-03-07",
        "--within",
        "4",
        "--json",
    ]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let mut longer = WEEKLY.to_vec();
    longer.extend([0, 0]);
    assert_eq!(json["history"], serde_json::json!(longer));
    assert_eq!(json["start"], "2027-03-08");
    let (code, stdout, _) = waymark(&[
        "forecast",
        "--history",
        &file,
        "--as-of",
        "2026-12-20",
        "--within",
        "4",
        "--json",
    ]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["history"], serde_json::json!([1, 3, 5]));
    assert_eq!(json["source"]["after_as_of"], 37);

    // Calendar days: the first week of the history, day by day.
    let (code, stdout, _) = waymark(&[
        "forecast",
        "--history",
        &file,
        "--period",
        "day",
        "--within",
        "7",
        "--json",
    ]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let days = json["history"].as_array().expect("history");
    assert_eq!(
        days.len(),
        12 * 7 - 4,
        "to Wednesday 2027-02-17, the last completion"
    );
    let first_fortnight: Vec<u64> = days[..14].iter().filter_map(Value::as_u64).collect();
    assert_eq!(first_fortnight, [1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0]);
}

#[test]
fn a_bad_csv_cell_is_an_error_with_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "done.csv",
        "id;done\n1;2027-03-01\n\n2;next week\n",
    );
    let (code, stdout, stderr) = waymark(&["forecast", "--history", &file, "--items", "5"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stderr
            .contains("done.csv:4:3: error[bad-date]: `next week` in column `done` is not a date"),
        "{stderr}"
    );
    let (code, _, stderr) = waymark(&[
        "forecast",
        "--history",
        &file,
        "--column",
        "finished",
        "--items",
        "5",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no column named `finished`: the columns are `id`, `done`"),
        "{stderr}"
    );
    let (code, _, stderr) = waymark(&["forecast", "--throughput", "1,2", "--column", "done"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--history"), "{stderr}");
}

#[test]
fn throughput_history_from_a_plans_finished_tasks() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The same 46 completions as finished work tasks (weekdays only: a date on a weekend would
    // mean the Friday before on the plan's calendar), under a summary that has an actual finish
    // of its own; a finished milestone; 20 unfinished work tasks; one task finished after the
    // status date.
    let mut plan = String::from(
        "[project]\nname = \"Team\"\nstart = 2026-11-30\nstatus_date = 2027-02-21\n\n\
         [tasks.done]\nname = \"Done so far\"\n\n\
         [tasks.kickoff]\nmilestone = true\nactual_finish = 2026-11-30\n\n",
    );
    let dates = weekly_completions(5);
    let last = dates.len() - 1;
    for (index, date) in dates.iter().enumerate() {
        if index == last {
            // Done, no actual dates: its finish is where its constraint puts it (2027-02-17).
            plan.push_str(&format!(
                "[tasks.t{index}]\nparent = \"done\"\nduration = \"1d\"\nprogress = 1\n\
                 start_no_earlier_than = {date}\n\n"
            ));
        } else {
            plan.push_str(&format!(
                "[tasks.t{index}]\nparent = \"done\"\nduration = \"1d\"\nactual_finish = {date}\n\n"
            ));
        }
    }
    for index in 0..20 {
        plan.push_str(&format!("[tasks.open{index}]\nduration = \"2d\"\n"));
        if index == 0 {
            plan.push_str("actual_start = 2027-02-18\nprogress = 0.5\n");
        }
        plan.push('\n');
    }
    plan.push_str("[tasks.late]\nduration = \"1d\"\nactual_finish = 2027-03-02\n");
    let file = write(dir.path(), "team.plan.toml", &plan);
    let (code, stdout, stderr) = waymark(&["forecast", "--history", &file, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["history"], serde_json::json!(WEEKLY));
    assert_eq!(json["history_start"], "2026-11-30");
    assert_eq!(json["as_of"], "2027-02-21", "the status date");
    assert_eq!(json["source"]["kind"], "plan");
    assert_eq!(json["source"]["unfinished"], 20);
    assert_eq!(json["source"]["after_as_of"], 1);
    assert_eq!(
        json["items"],
        serde_json::json!([20, 20]),
        "the unfinished work"
    );
    assert!((done_within(&json, 7) - 0.84996).abs() < 5e-6);
    assert!((done_within(&json, 8) - 0.935044).abs() < 5e-7);
    let (code, stdout, _) = waymark(&["forecast", "--history", &file]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("History: 46 finished work tasks in 12 weeks, 2026-11-30 to 2027-02-21"),
        "{stdout}"
    );
    assert!(
        stdout.contains("as of 2027-02-21, the status date; 1 completion after it left out"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Scope: the 20 unfinished work tasks of the plan"),
        "{stdout}"
    );
    // Microsoft Project XML: summaries and milestones do not count, 100 % without actual dates
    // finishes where its predecessor puts it.
    let xml = write(
        dir.path(),
        "team.xml",
        r#"<?xml version="1.0"?>
<Project xmlns="http://schemas.microsoft.com/project">
<Name>Team</Name><StartDate>2027-03-01T08:00:00</StartDate><StatusDate>2027-03-19T17:00:00</StatusDate>
<Tasks>
<Task><UID>0</UID><ID>0</ID><Name>Team</Name><OutlineLevel>0</OutlineLevel><Summary>1</Summary></Task>
<Task><UID>1</UID><ID>1</ID><Name>Phase</Name><OutlineLevel>1</OutlineLevel><Summary>1</Summary><PercentComplete>100</PercentComplete><ActualFinish>2027-03-10T17:00:00</ActualFinish></Task>
<Task><UID>2</UID><ID>2</ID><Name>A</Name><OutlineLevel>2</OutlineLevel><Duration>PT8H0M0S</Duration><PercentComplete>100</PercentComplete><ActualStart>2027-03-01T08:00:00</ActualStart><ActualFinish>2027-03-01T17:00:00</ActualFinish></Task>
<Task><UID>3</UID><ID>3</ID><Name>B</Name><OutlineLevel>2</OutlineLevel><Duration>PT8H0M0S</Duration><PercentComplete>100</PercentComplete><ActualStart>2027-03-09T08:00:00</ActualStart><ActualFinish>2027-03-09T17:00:00</ActualFinish></Task>
<Task><UID>4</UID><ID>4</ID><Name>Gate</Name><OutlineLevel>2</OutlineLevel><Milestone>1</Milestone><Duration>PT0H0M0S</Duration><PercentComplete>100</PercentComplete><ActualFinish>2027-03-10T17:00:00</ActualFinish></Task>
<Task><UID>5</UID><ID>5</ID><Name>C</Name><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration><PercentComplete>100</PercentComplete><PredecessorLink><PredecessorUID>3</PredecessorUID><Type>1</Type></PredecessorLink></Task>
<Task><UID>6</UID><ID>6</ID><Name>D</Name><OutlineLevel>1</OutlineLevel><Duration>PT40H0M0S</Duration><PercentComplete>40</PercentComplete><ActualStart>2027-03-15T08:00:00</ActualStart></Task>
<Task><UID>7</UID><ID>7</ID><Name>E</Name><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration></Task>
</Tasks></Project>
"#,
    );
    let (code, stdout, stderr) =
        waymark(&["forecast", "--history", &xml, "--period", "day", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    let mut days = vec![0; 19];
    days[0] = 1; // A, Monday 2027-03-01
    days[8] = 1; // B, Tuesday 2027-03-09
    days[10] = 1; // C, two days after B: Thursday 2027-03-11
    assert_eq!(json["history"], serde_json::json!(days));
    assert_eq!(json["items"], serde_json::json!([2, 2]));
    assert_eq!(json["start"], "2027-03-20");
    // Nothing left: say so instead of forecasting nothing.
    let finished = write(
        dir.path(),
        "finished.plan.toml",
        "[project]\nname = \"F\"\nstart = 2027-03-01\n\n[tasks.a]\nduration = \"1d\"\nactual_finish = 2027-03-01\n",
    );
    let (code, _, stderr) = waymark(&["forecast", "--history", &finished]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("every work task of the plan is finished"),
        "{stderr}"
    );
}

#[test]
fn plan_forecast_json_has_the_contract_fields_and_is_reproducible() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "risky.plan.toml",
        r#"
[project]
name = "Risky"
start = 2027-01-04
deadline = 2027-01-20

[tasks.design]
estimate = ["3d", "5d", "10d"]

[tasks.build]
estimate = ["4d", "6d", "12d"]
after = ["design"]

[risks.vendor]
title = "Vendor late"
probability = 0.3
tasks = ["build"]
delay = ["2d", "3d", "5d"]
"#,
    );
    let run = || {
        waymark(&[
            "forecast",
            &file,
            "--iterations",
            "3000",
            "--seed",
            "4",
            "--json",
        ])
    };
    let (code, stdout, stderr) = run();
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["iterations"], 3000);
    assert_eq!(json["seed"], 4);
    let days = &json["duration_days"];
    let p = |key: &str| days[key].as_f64().expect("percentile");
    assert!(p("p10") <= p("p50") && p("p50") <= p("p80") && p("p80") <= p("p90"));
    assert!(p("p90") <= p("p95"));
    // PERT means 5.5 + 6.67 days plus 0.3 x 3.17 days of risk: about 13 working days.
    assert!((p("mean") - 13.1).abs() < 0.6, "{}", p("mean"));
    assert!(json["finish"]["p80"]
        .as_str()
        .expect("date")
        .starts_with("2027-01"));
    let probability = json["deadline"]["probability"]
        .as_f64()
        .expect("probability");
    assert!(probability > 0.0 && probability < 1.0);
    assert_eq!(json["tasks"][1]["id"], "build");
    assert!(
        json["tasks"][1]["criticality"]
            .as_f64()
            .expect("criticality")
            > 0.99
    );
    assert!(json["risks"][0]["p80_days_saved"].as_f64().expect("saved") >= 0.0);
    let (_, again, _) = run();
    assert_eq!(again, stdout, "same seed, same forecast");
}

#[test]
fn forecast_text_states_days_by_the_one_rule_and_json_keeps_the_exact_figure() {
    // A risk worth 1,206 working minutes at P80: 2.5125 days of 480 minutes. The JSON keeps
    // 2.513 (the contract); the text is `waymark_core::days`, what the web pages show.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "odd.plan.toml",
        "[project]\nstart = 2027-01-04\n\n[tasks.a]\nduration = \"10d\"\n\n\
         [risks.odd]\ntitle = \"Odd slip\"\nprobability = 1.0\ntasks = [\"a\"]\n\
         delay = [\"1206m\", \"1206m\", \"1206m\"]\n",
    );
    let (code, stdout, stderr) = waymark(&["forecast", &file, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["risks"][0]["p80_days_saved"], 2.513);
    let (code, stdout, stderr) = waymark(&["forecast", &file]);
    assert_eq!(code, 0, "{stderr}");
    let line = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("odd"))
        .expect("the risk's line");
    let text = waymark_core::days::days(1206, 480);
    assert_eq!(text, "2.5");
    assert!(line.ends_with(&format!(" {text}d")), "{stdout}");
}

#[test]
fn check_flags_an_unrealistic_timeline_with_the_p80_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = |deadline: &str| {
        format!(
            "[project]\nstart = 2027-01-04\ndeadline = {deadline}\n\n[tasks.design]\nestimate = [\"3d\", \"5d\", \"10d\"]\n\n[tasks.build]\nestimate = [\"4d\", \"6d\", \"12d\"]\nafter = [\"design\"]\n"
        )
    };
    let codes = |deadline: &str| {
        let file = write(dir.path(), "t.plan.toml", &plan(deadline));
        let (_, stdout, _) = waymark(&["check", &file, "--json"]);
        let json: Value = serde_json::from_str(&stdout).expect("JSON");
        json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["code"] == "unrealistic-timeline")
            .map(|d| {
                (
                    d["severity"].as_str().expect("severity").to_string(),
                    d["help"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    // PERT means: 5.5 + 6.67 = 12.2 working days, standard deviation about 1.9. 10 days is
    // hopeless (P about 0.13), 11 is tight (P about 0.28), 20 is safe. (12 days would be a coin
    // toss right on the 50 % line.)
    let hopeless = codes("2027-01-15");
    assert_eq!(hopeless.len(), 1);
    assert_eq!(hopeless[0].0, "error");
    assert!(
        hopeless[0].1.contains("P80 date 2027-01"),
        "{}",
        hopeless[0].1
    );
    let tight = codes("2027-01-18");
    assert_eq!(tight.len(), 1, "{tight:?}");
    assert_eq!(tight[0].0, "warning");
    assert!(codes("2027-02-01").is_empty());
}
