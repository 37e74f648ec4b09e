//! The command line's conventions on the real binary: numeric options are checked (exit 2 with
//! a usage error), plans read from standard input with `-`, shell completions, `check` findings
//! on stderr unless `--json`, tables aligned by display width, ids compared after NFC
//! normalisation, and every failure in the `file:line:column: severity[code]` form.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::cli::write;

/// Run the binary with `stdin` on its standard input: (exit status, stdout, stderr).
fn waymark_with(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_waymark"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run waymark");
    let mut input = child.stdin.take().expect("stdin");
    // A command that fails before reading closes the pipe; that is not the test's failure.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let output = child.wait_with_output().expect("wait for waymark");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn waymark(args: &[&str]) -> (i32, String, String) {
    waymark_with(args, "")
}

const SMALL: &str = r#"
[project]
name = "Small"
start = 2027-01-04

[resources.ana]
name = "Ana"

[tasks.design]
duration = "3d"
resources = ["ana"]

[tasks.build]
duration = "5d"
after = ["design"]
resources = ["ana"]
"#;

#[test]
fn every_numeric_option_is_checked_with_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = write(dir.path(), "small.plan.toml", SMALL);
    let plan = plan.as_str();
    let level = |option: &str, value: &str| -> Vec<String> {
        ["level", plan, option, value].map(String::from).to_vec()
    };
    let forecast = |option: &str, value: &str| -> Vec<String> {
        ["forecast", plan, option, value].map(String::from).to_vec()
    };
    let throughput = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["forecast".to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            level("--time-limit", "nan"),
            "give seconds above 0 and at most 3600",
        ),
        (
            level("--time-limit", "inf"),
            "give seconds above 0 and at most 3600",
        ),
        (
            level("--time-limit", "1e19"),
            "give seconds above 0 and at most 3600",
        ),
        (
            level("--time-limit", "-1"),
            "give seconds above 0 and at most 3600",
        ),
        (
            level("--time-limit", "0"),
            "give seconds above 0 and at most 3600",
        ),
        (level("--time-limit", "soon"), "is not a number of seconds"),
        (level("--schedules", "0"), "0 is not in 1..=1000000000"),
        (level("--seed", "-1"), "for '--seed <SEED>'"),
        (
            forecast("--iterations", "-5"),
            "for '--iterations <ITERATIONS>'",
        ),
        (forecast("--iterations", "0"), "0 is not in 1..=10000000"),
        (
            forecast("--iterations", "10000001"),
            "10000001 is not in 1..=10000000",
        ),
        (forecast("--threads", "0"), "0 is not in 1..=1024"),
        (forecast("--threads", "100000"), "100000 is not in 1..=1024"),
        (
            throughput(&["--throughput", "1,2", "--within", "0"]),
            "0 is not in 1..=10000",
        ),
        (
            throughput(&["--throughput", "1,2", "--within", "10001"]),
            "10001 is not in 1..=10000",
        ),
        (
            throughput(&["--throughput", "1,2", "--items", "0"]),
            "`0` is not a number of items from 1 to 100000",
        ),
        (
            throughput(&["--throughput", "1,2", "--items", "9..3"]),
            "the range 9..3 is empty",
        ),
        (
            throughput(&["--throughput", "0,0", "--items", "5"]),
            "every period finished 0 items",
        ),
        (
            throughput(&["--throughput", "1,x", "--items", "5"]),
            "`x` is not a whole number of items",
        ),
        (
            throughput(&["--throughput", "1,2000000", "--items", "5"]),
            "more than 1000000",
        ),
        (
            ["serve", "--page-wait", "3600001"]
                .map(String::from)
                .to_vec(),
            "3600001 is not in 0..=3600000",
        ),
        (
            ["admin", "create-token", "ana", "--expires-in-days", "0"]
                .map(String::from)
                .to_vec(),
            "0 is not in 1..=36500",
        ),
    ];
    for (args, message) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = waymark(&args);
        assert_eq!(code, 2, "{args:?} must be refused: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(
            stderr.contains("error: invalid value"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains(message),
            "{args:?}: expected `{message}` in {stderr}"
        );
        assert!(stderr.contains("try '--help'"), "{args:?}: {stderr}");
    }
    // The ends of each range are accepted.
    let (code, _, stderr) = waymark(&["level", plan, "--time-limit", "0.05", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = waymark(&["forecast", plan, "--iterations", "1", "--threads", "1"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = waymark(&[
        "forecast",
        "--throughput",
        "0,2",
        "--items",
        "1..5",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["items"], serde_json::json!([1, 5]));
}

/// A plan in Microsoft Project XML, for standard input.
const MSPDI: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <Name>piped</Name>
  <StartDate>2027-01-04T08:00:00</StartDate>
  <Tasks>
    <Task><UID>1</UID><Name>A</Name><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration></Task>
    <Task><UID>2</UID><Name>B</Name><OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration>
      <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type></PredecessorLink>
    </Task>
  </Tasks>
</Project>
"#;

#[test]
fn a_dash_reads_the_plan_from_standard_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "small.plan.toml", SMALL);
    let (code, from_file, stderr) = waymark(&["schedule", &file, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, from_stdin, stderr) = waymark_with(&["schedule", "-", "--json"], SMALL);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(from_stdin, from_file, "the same plan, the same schedule");

    // Every command that reads a plan takes `-`.
    for args in [
        vec!["check", "-"],
        vec!["level", "-", "--schedules", "5"],
        vec!["load", "-"],
        vec!["forecast", "-", "--iterations", "50"],
        vec![
            "forecast",
            "--history",
            "-",
            "--format",
            "toml",
            "--within",
            "2",
        ],
    ] {
        let (code, _, stderr) = waymark_with(&args, SMALL);
        // A plan with nothing finished has no history: a located diagnostic, not a crash.
        if args.contains(&"--history") {
            assert_eq!(code, 1, "{args:?}: {stderr}");
            assert!(stderr.contains("<stdin>: error[no-history]"), "{stderr}");
        } else {
            assert_eq!(code, 0, "{args:?}: {stderr}");
        }
    }

    // Diagnostics name `<stdin>`.
    let broken = SMALL.replace("\"5d\"", "\"5x\"");
    let (code, _, stderr) = waymark_with(&["schedule", "-"], &broken);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("<stdin>:14:12: error[malformed-duration]"),
        "{stderr}"
    );
    assert!(stderr.contains("error["), "{stderr}");

    // XML is recognised by its first character, or named with --format.
    let (code, stdout, stderr) = waymark_with(&["schedule", "-", "--json"], MSPDI);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["tasks"].as_array().map(Vec::len), Some(2));
    let (code, _, stderr) = waymark_with(&["schedule", "-", "--format", "toml"], MSPDI);
    assert_eq!(code, 1, "XML read as TOML is a syntax error");
    assert!(stderr.contains("<stdin>:1:"), "{stderr}");
    // --format also reads a file whose name does not say.
    let renamed = write(dir.path(), "plan.txt", SMALL);
    let (code, _, stderr) = waymark(&["schedule", &renamed]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--format toml"), "{stderr}");
    let (code, _, stderr) = waymark(&["schedule", &renamed, "--format", "toml"]);
    assert_eq!(code, 0, "{stderr}");

    // Standard input can be read once.
    let (code, _, stderr) = waymark_with(&["level", "-", "-"], SMALL);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("standard input (`-`) can be read once"),
        "{stderr}"
    );
}

#[test]
fn completions_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, stdout, stderr) = waymark(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        for command in [
            "schedule",
            "check",
            "level",
            "load",
            "forecast",
            "serve",
            "admin",
            "completions",
        ] {
            assert!(stdout.contains(command), "{shell} script lacks {command}");
        }
        assert!(stdout.contains("time-limit"), "{shell}: options too");
    }
    let (code, _, stderr) = waymark(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid value 'tcsh'"), "{stderr}");
}

#[test]
fn check_findings_go_to_stderr_unless_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "late.plan.toml",
        "[project]\nstart = 2027-01-04\ndeadline = 2027-01-05\n\n[tasks.a]\nduration = \"5d\"\n",
    );
    let (code, stdout, stderr) = waymark(&["check", &file]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "findings are diagnostics: {stdout}");
    assert!(stderr.contains("error[deadline-missed]"), "{stderr}");
    assert!(stderr.contains("1 error(s)"), "{stderr}");
    let (code, stdout, stderr) = waymark(&["check", &file, "--json"]);
    assert_eq!(code, 1);
    assert!(stderr.is_empty(), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["errors"], 1);
}

/// The column at which `needle` starts in `line`, counted in terminal columns.
fn column_of(line: &str, needle: &str) -> usize {
    let byte = line.find(needle).expect("needle on the line");
    line[..byte]
        .chars()
        .map(|c| match c {
            // The test's wide characters: CJK ideographs and the emoji take two columns.
            '\u{4e00}'..='\u{9fff}' | '\u{1f680}' => 2,
            _ => 1,
        })
        .sum()
}

#[test]
fn tables_align_wide_characters_by_display_width() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "wide.plan.toml",
        "[project]\nstart = 2027-01-04\n\n[resources.ana]\nname = \"安娜\"\n\n\
         [resources.bo]\nname = \"Bo\"\n\n\
         [tasks.\"设计\"]\nname = \"设计阶段\"\nduration = \"3d\"\nresources = [\"ana\"]\n\n\
         [tasks.launch]\nname = \"Launch 🚀\"\nduration = \"2d\"\nafter = [\"设计\"]\nresources = [\"bo\"]\n\n\
         [tasks.p1]\nname = \"plain\"\nduration = \"1d\"\n",
    );
    let (code, stdout, stderr) = waymark(&["schedule", &file]);
    assert_eq!(code, 0, "{stderr}");
    // The header and the task rows (the first line has dates too, but is no row).
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("Start"))
        .chain(
            stdout
                .lines()
                .filter(|l| (l.starts_with("* ") || l.starts_with("  ")) && l.contains(" 2027-")),
        )
        .collect();
    assert_eq!(rows.len(), 4, "{stdout}");
    // The Start column begins at the same terminal column on every row.
    let starts: Vec<usize> = rows
        .iter()
        .map(|row| {
            if row.contains("Start") {
                column_of(row, "Start")
            } else {
                // The date starts with its weekday, three columns before the year.
                column_of(row, " 2027-") - 3
            }
        })
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] == w[1]),
        "{starts:?}\n{stdout}"
    );
    let tasks: Vec<usize> = rows
        .iter()
        .map(|row| {
            let needle = ["Task", "设计阶段", "Launch", "plain"]
                .into_iter()
                .find(|n| row.contains(n))
                .expect("a name");
            column_of(row, needle)
        })
        .collect();
    assert!(
        tasks.windows(2).all(|w| w[0] == w[1]),
        "{tasks:?}\n{stdout}"
    );

    let (code, stdout, stderr) = waymark(&["load", &file]);
    assert_eq!(code, 0, "{stderr}");
    // Every cell is right-aligned in five columns after the names: aligned rows are equally
    // wide on screen.
    let ana = stdout
        .lines()
        .find(|l| l.contains("安娜"))
        .expect("ana's row");
    let bo = stdout
        .lines()
        .find(|l| l.contains("Bo "))
        .expect("bo's row");
    let header = stdout.lines().nth(1).expect("the header row");
    let width = |line: &str| column_of(&format!("{line}\u{0}"), "\u{0}");
    assert_eq!(width(ana), width(bo), "{stdout}");
    assert_eq!(width(ana), width(header), "{stdout}");
}

#[test]
fn unicode_ids_match_in_either_normalisation_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The id precomposed (U+00E9), the reference decomposed (`e` and U+0301), and back.
    for (id, reference) in [("caf\u{e9}", "cafe\u{301}"), ("cafe\u{301}", "caf\u{e9}")] {
        let file = write(
            dir.path(),
            "nfc.plan.toml",
            &format!(
                "[project]\nstart = 2027-01-04\n\n[resources.\"{id}\"]\nname = \"R\"\n\n\
                 [tasks.\"{id}\"]\nduration = \"1d\"\nresources = [\"{reference}\"]\n\n\
                 [tasks.next]\nduration = \"1d\"\nafter = [\"{reference}\"]\n"
            ),
        );
        let (code, stdout, stderr) = waymark(&["schedule", &file, "--json"]);
        assert_eq!(code, 0, "{stderr}");
        let json: Value = serde_json::from_str(&stdout).expect("JSON");
        assert_eq!(json["tasks"][0]["id"], "caf\u{e9}", "ids are shown in NFC");
        assert_eq!(json["tasks"][1]["predecessors"][0]["id"], "caf\u{e9}");
        assert_eq!(json["tasks"][1]["start"], "2027-01-05T08:00:00");
    }
}

#[test]
fn schedule_counts_what_it_stars_and_names_tasks_at_negative_float() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The project deadline is met, but task `a` misses its own: negative float.
    let file = write(
        dir.path(),
        "late-task.plan.toml",
        "[project]\nstart = 2027-01-04\ndeadline = 2027-01-29\n\n\
         [tasks.phase]\nname = \"Phase\"\n\n\
         [tasks.a]\nparent = \"phase\"\nduration = \"3d\"\ndeadline = 2027-01-05\n\n\
         [tasks.b]\nparent = \"phase\"\nduration = \"5d\"\nafter = [\"a\"]\n",
    );
    for args in [
        vec!["schedule", &file],
        vec!["level", &file, "--schedules", "5"],
    ] {
        let command = args[0];
        let (code, stdout, stderr) = waymark(&args);
        assert_eq!(code, 0, "{stderr}");
        let starred = stdout.lines().filter(|l| l.starts_with('*')).count();
        assert_eq!(starred, 3, "{stdout}");
        assert!(
            stdout.contains("3 tasks, 3 critical (*) (1 of them a summary)"),
            "{command}: the count is of the starred rows:\n{stdout}"
        );
        assert!(
            stdout.contains("deadline Fri 2027-01-29 17:00 (met by the project finish)"),
            "{stdout}"
        );
        assert!(
            stdout
                .contains("1 task at negative float (a deadline or constraint cannot be met): `a`"),
            "{command}: a task at negative float is never hidden behind `met`:\n{stdout}"
        );
    }
    let missed = std::fs::read_to_string(&file)
        .expect("read")
        .replace("2027-01-29", "2027-01-08");
    let file = write(dir.path(), "missed.plan.toml", &missed);
    let (_, stdout, _) = waymark(&["schedule", &file]);
    assert!(
        stdout.contains("deadline Fri 2027-01-08 17:00 (MISSED: the project finishes 3d late)"),
        "{stdout}"
    );
}

#[test]
fn failures_after_reading_name_the_file_the_code_and_the_tasks() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Dates beyond the year 9999.
    let far = write(
        dir.path(),
        "far.plan.toml",
        "[project]\nstart = 9999-12-30\n\n[tasks.a]\nduration = \"30d\"\n",
    );
    for command in ["schedule", "level", "load", "forecast", "check"] {
        let (code, _, stderr) = waymark(&[command, &far]);
        assert_eq!(code, 1, "{command}: {stderr}");
        assert!(
            stderr.contains("far.plan.toml:4:8: error[schedule-failed]: task `a` would be scheduled around the year 10000"),
            "{command}: {stderr}"
        );
    }
    // A dependency cycle: the code and every task on it, from every command.
    let cycle = write(
        dir.path(),
        "cycle.plan.toml",
        "[project]\nstart = 2027-01-04\n\n[tasks.a]\nduration = \"1d\"\nafter = [\"b\"]\n\n\
         [tasks.b]\nduration = \"1d\"\nafter = [\"a\"]\n",
    );
    for command in ["schedule", "level", "load", "forecast", "check"] {
        let (code, _, stderr) = waymark(&[command, &cycle]);
        assert_eq!(code, 1, "{command}: {stderr}");
        assert!(stderr.contains("cycle.plan.toml:"), "{command}: {stderr}");
        assert!(
            stderr.contains("error[dependency-cycle]"),
            "{command}: {stderr}"
        );
        assert!(
            stderr.contains("`a`") && stderr.contains("`b`"),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("through 2 tasks"), "{command}: {stderr}");
    }
}
