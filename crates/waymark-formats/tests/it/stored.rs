//! The stored-project reader's findings: each names the collection, id and field it is about,
//! and says what the plan reader says about the same tables written as plan TOML (same codes,
//! same messages).

#![allow(clippy::unwrap_used)]

use serde_json::{json, Value};
use waymark_formats::content::{self, Fields, PlanContent};

/// A small valid project: a calendar, a resource, two linked tasks and a risk.
fn project() -> PlanContent {
    let fields = |value: Value| -> Fields { value.as_object().cloned().unwrap() };
    PlanContent {
        project: fields(json!({"name": "Demo", "start": "2027-01-04"})),
        calendars: vec![(
            "office".into(),
            fields(json!({"days": ["mon", "tue", "wed", "thu", "fri"]})),
        )],
        resources: vec![("ana".into(), fields(json!({"name": "Ana"})))],
        tasks: vec![
            ("design".into(), fields(json!({"duration": "2d"}))),
            (
                "build".into(),
                fields(json!({"duration": "3d", "after": ["design"], "resources": ["ana"]})),
            ),
        ],
        risks: vec![(
            "late".into(),
            fields(json!({"probability": 0.3, "tasks": ["build"]})),
        )],
    }
}

/// The project with `change` made to it.
fn changed(change: impl FnOnce(&mut PlanContent)) -> PlanContent {
    let mut content = project();
    change(&mut content);
    content
}

/// Sets `key` of an object's fields (`null` removes it).
fn set(fields: &mut Fields, key: &str, value: Value) {
    if value.is_null() {
        fields.remove(key);
    } else {
        fields.insert(key.into(), value);
    }
}

fn task<'c>(content: &'c mut PlanContent, id: &str) -> &'c mut Fields {
    &mut content
        .tasks
        .iter_mut()
        .find(|(key, _)| key == id)
        .unwrap()
        .1
}

/// `place code message` for each finding of the stored project.
fn findings(content: &PlanContent) -> Vec<String> {
    let findings = match content::read(content) {
        Ok(loaded) => loaded.warnings,
        Err(findings) => findings,
    };
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {}: {}",
                f.place, f.diagnostic.code, f.diagnostic.message
            )
        })
        .collect()
}

/// The broken projects of the tests below, by name.
fn cases() -> Vec<(&'static str, PlanContent)> {
    vec![
        (
            "unknown key",
            changed(|c| {
                let build = task(c, "build");
                build.remove("duration");
                set(build, "duraton", json!("3d"));
            }),
        ),
        (
            "wrong type",
            changed(|c| set(task(c, "build"), "duration", json!(5))),
        ),
        (
            "wrong type in an array",
            changed(|c| set(task(c, "build"), "after", json!(["design", 7]))),
        ),
        (
            "malformed date",
            changed(|c| set(&mut c.project, "start", json!("2027-13-01"))),
        ),
        (
            "missing start",
            changed(|c| set(&mut c.project, "start", Value::Null)),
        ),
        (
            "missing duration",
            changed(|c| set(task(c, "build"), "duration", Value::Null)),
        ),
        (
            "unknown predecessor",
            changed(|c| set(task(c, "build"), "after", json!(["design", "nowhere"]))),
        ),
        (
            "malformed link",
            changed(|c| set(task(c, "build"), "after", json!(["design XX+2d"]))),
        ),
        (
            "parent cycle",
            changed(|c| {
                set(task(c, "design"), "parent", json!("build"));
                set(task(c, "build"), "parent", json!("design"));
            }),
        ),
        (
            "three-point order",
            changed(|c| set(task(c, "build"), "estimate", json!(["5d", "3d", "8d"]))),
        ),
        (
            "unknown resource",
            changed(|c| set(task(c, "build"), "resources", json!(["zoe"]))),
        ),
        (
            "deleted task a risk affects",
            changed(|c| {
                c.tasks.retain(|(id, _)| id != "build");
            }),
        ),
        (
            "inside a nested table",
            changed(|c| set(&mut c.project, "wip_limits", json!({"in_progress": 0}))),
        ),
        (
            "inside an array of tables",
            changed(|c| {
                let office = &mut c.calendars[0].1;
                set(
                    office,
                    "exceptions",
                    json!([{"date": "2027-12-24", "hours": ["9-12"]}]),
                );
            }),
        ),
        (
            "a calendar's week",
            changed(|c| set(&mut c.calendars[0].1, "week", json!({"mon": "all day"}))),
        ),
        (
            "a warning",
            changed(|c| set(task(c, "build"), "after", json!(["design", "design"]))),
        ),
    ]
}

#[test]
fn findings_name_the_object_and_field() {
    let mut got = Vec::new();
    for (name, content) in cases() {
        got.push(format!("{name}:"));
        got.extend(findings(&content).iter().map(|line| format!("  {line}")));
    }
    expect_test::expect![[r#"
        unknown key:
          tasks.build.duraton unknown-key: unknown key `duraton` in task `build`; did you mean `duration`?
        wrong type:
          tasks.build.duration wrong-type: `duration` in task `build` must be a string like "5d", found an integer
        wrong type in an array:
          tasks.build.after wrong-type: `after` in task `build` must be a list of links like ["design", "kickoff SS+2d"], found an integer
        malformed date:
          project.start malformed-date: malformed date `2027-13-01` in `start` of [project]: use YYYY-MM-DD, e.g. `2027-01-04`, or a date-time like `2027-01-04T09:00:00`
        missing start:
          project.start missing-key: [project] has no `start`; add the first day of work, e.g. `start = 2027-01-04`
        missing duration:
          tasks.build.duration missing-duration: task `build` has no duration
        unknown predecessor:
          tasks.build.after unknown-task: task `build` is after `nowhere`, which does not exist
        malformed link:
          tasks.build.after malformed-link: malformed link `design XX+2d`: after the task id write a link type FS, SS, FF or SF and/or a signed lag, e.g. `design SS+2d` or `design -1d`
        parent cycle:
          tasks.design.duration summary-duration: task `design` is a summary task (other tasks name it as parent); its `duration` is ignored because its dates come from its subtasks
          tasks.design.parent parent-cycle: tasks are each other's parents in a cycle: `design` → `build` → `design` (each task's `parent` points to the next)
          tasks.build.after link-to-ancestor: task `build` is after `design`, which is its own summary task
        three-point order:
          tasks.build.estimate three-point-order: `estimate` of task `build` must be in the order optimistic <= most likely <= pessimistic, found 5d, 3d, 8d
        unknown resource:
          tasks.build.resources unknown-resource: task `build` is assigned to `zoe`, which is not a resource
        deleted task a risk affects:
          risks.late.tasks unknown-task: risk `late` affects task `build`, which does not exist
        inside a nested table:
          project.wip_limits out-of-range: `in_progress` in `wip_limits` of [project] must be from 1 to 10000, found 0
        inside an array of tables:
          calendars.office.exceptions malformed-hours: malformed working hours `9-12` in an exception of calendar `office`: use `HH:MM-HH:MM`, e.g. `08:00-12:00` (an interval like `22:00-06:00` crosses midnight)
        a calendar's week:
          calendars.office.week wrong-type: `mon` in the `week` table of calendar `office` must be a list of working hours like ["08:00-12:00", "13:00-17:00"], found a string
        a warning:
          tasks.build.after duplicate-link: task `build` is after `design` (FS) more than once; the repeat is ignored"#]]
    .assert_eq(&got.join("\n"));
}

/// The same tables written as plan TOML give the same codes and messages: the stored project
/// is read by the plan file's rules, not rules of its own.
#[test]
fn findings_are_the_plan_files() {
    for (name, content) in cases() {
        let text = content::to_plan_text(&content);
        let from_text: Vec<(&str, String)> = match waymark_formats::plan::read_plan(&text) {
            Ok(loaded) => loaded.warnings,
            Err(diagnostics) => diagnostics,
        }
        .into_iter()
        .map(|d| (d.code, d.message))
        .collect();
        let from_store: Vec<(&str, String)> = match content::read(&content) {
            Ok(loaded) => loaded.warnings,
            Err(findings) => findings,
        }
        .into_iter()
        .map(|f| (f.diagnostic.code, f.diagnostic.message))
        .collect();
        assert_eq!(from_store, from_text, "{name}\n{text}");
    }
}

#[test]
fn a_valid_project_reads_without_findings() {
    let loaded = content::read(&project()).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.plan.tasks.len(), 2);
    assert_eq!(loaded.plan.links.len(), 1);
    // A stored project has no lines: nothing it holds claims one.
    assert!(loaded.plan.tasks.iter().all(|t| t.location.is_none()));
    assert!(loaded.plan.links.iter().all(|l| l.location.is_none()));
}

/// Ids are compared in NFC, as in a plan file: two spellings of one id are one id, and two
/// objects with it are a `duplicate-id` (a plan file cannot say that: it is a duplicate key).
#[test]
fn ids_are_compared_in_nfc() {
    let precomposed = "caf\u{e9}";
    let decomposed = "cafe\u{301}";
    let linked = changed(|c| {
        c.tasks[0].0 = precomposed.into();
        set(task(c, "build"), "after", json!([decomposed]));
    });
    let loaded = content::read(&linked).unwrap();
    assert_eq!(loaded.plan.tasks[0].id, precomposed);
    assert_eq!(loaded.plan.links.len(), 1);

    let twice = changed(|c| {
        c.tasks[0].0 = precomposed.into();
        c.tasks[1].0 = decomposed.into();
        c.risks.clear();
    });
    assert_eq!(
        findings(&twice),
        [format!(
            "tasks.{precomposed} duplicate-id: task `{precomposed}` is defined twice (ids are \
             compared in Unicode normalisation form C); the second is left out"
        )]
    );
}

/// `null` is a field not given; inside an array, where a plan file cannot have it, it is a
/// value of the wrong type.
#[test]
fn null_is_a_field_not_given() {
    let cleared = changed(|c| set(task(c, "build"), "resources", Value::Null));
    let mut nulled = project();
    task(&mut nulled, "build").insert("resources".into(), Value::Null);
    assert_eq!(
        waymark_formats::plan::write(&content::read(&nulled).unwrap().plan),
        waymark_formats::plan::write(&content::read(&cleared).unwrap().plan)
    );
    let in_array = changed(|c| set(task(c, "build"), "after", json!(["design", null])));
    assert_eq!(
        findings(&in_array),
        [
            "tasks.build.after wrong-type: `after` in task `build` must be a list of links like \
          [\"design\", \"kickoff SS+2d\"], found null"
        ]
    );
}

/// Awkward strings and keys survive the export as plan TOML and the import back.
#[test]
fn awkward_strings_and_keys_are_written_so_that_they_read_back() {
    let awkward = "a \"b\"\\\n\u{1}\t";
    let content = changed(|c| {
        set(&mut c.project, "name", json!(awkward));
        set(&mut c.project, "deadline", Value::Null);
        set(task(c, "build"), "odd key", json!(1));
    });
    let text = content::to_plan_text(&content);
    let read_back = content::from_plan_text(&text);
    let findings = match &read_back {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.iter().map(|d| d.message.clone()).collect(),
    };
    assert_eq!(
        findings,
        ["unknown key `odd key` in task `build`".to_string()],
        "{text}"
    );
    let content = changed(|c| set(&mut c.project, "name", json!(awkward)));
    let text = content::to_plan_text(&content);
    let (again, loaded) = content::from_plan_text(&text).unwrap();
    assert_eq!(again, content, "{text}");
    assert_eq!(loaded.plan.project.name, awkward);
}
