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
    format!("{:#?}", without_locations(plan))
}

fn without_locations(plan: &Plan) -> Plan {
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
    plan
}

/// A plan as Microsoft Project holds it: locations cleared, and each calendar's exceptions as
/// one entry per date (the later entry wins), since the MSPDI writer joins and splits them.
fn as_mspdi_holds_it(plan: &Plan) -> String {
    format!("{:#?}", flat_calendars(without_locations(plan)))
}

fn flat_calendars(mut plan: Plan) -> Plan {
    for calendar in &mut plan.calendars {
        let mut days = std::collections::BTreeMap::new();
        for exception in &calendar.exceptions {
            for date in exception
                .from
                .iter_days()
                .take_while(|d| *d <= exception.to)
            {
                days.insert(date, exception.hours.clone());
            }
        }
        calendar.exceptions = days
            .into_iter()
            .map(|(date, hours)| waymark_core::CalendarException {
                from: date,
                to: date,
                hours,
            })
            .collect();
    }
    plan
}

/// What an MSPDI file can hold of a plan written from a plan file: no ids (MSPDI has numeric
/// UIDs), no estimates, distributions or risks, and the project deadline on a project summary
/// task. `skip` such added tasks at the front are taken away and the references renumbered.
fn mspdi_view(plan: &Plan, skip: usize) -> String {
    let mut plan = flat_calendars(without_locations(plan));
    let carrier_deadline = (skip > 0).then(|| plan.tasks[0].deadline).flatten();
    plan.project.deadline = plan.project.deadline.or(carrier_deadline);
    plan.tasks.drain(..skip);
    let shift = |id: waymark_core::TaskId| id.0.checked_sub(skip).map(waymark_core::TaskId);
    for calendar in &mut plan.calendars {
        calendar.id.clear();
    }
    for resource in &mut plan.resources {
        resource.id.clear();
    }
    for task in &mut plan.tasks {
        task.id.clear();
        task.parent = task.parent.and_then(shift);
        task.estimate = None;
        task.distribution = waymark_core::Distribution::Pert;
    }
    for link in &mut plan.links {
        link.predecessor = shift(link.predecessor).unwrap();
        link.successor = shift(link.successor).unwrap();
    }
    plan.risks.clear();
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

/// Early and late dates of every task, or why the plan cannot be scheduled.
fn dates(plan: &Plan) -> Result<Vec<[i64; 4]>, String> {
    let computed = waymark_core::schedule(plan).map_err(|error| error.to_string())?;
    Ok(computed
        .tasks
        .iter()
        .map(|t| [t.early_start, t.early_finish, t.late_start, t.late_finish])
        .collect())
}

/// Differences between the schedules of a plan and of the plan read back from a writer's text,
/// task by task (`skip` tasks at the front of `after` are extra, like a project summary task).
fn schedule_differences(before: &Plan, after: &Plan, skip: usize) -> Vec<String> {
    let (old, new) = match (dates(before), dates(after)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(old), Err(new)) if old == new => return Vec::new(),
        (old, new) => return vec![format!("schedules: {:?} became {:?}", old.err(), new.err())],
    };
    if new.len() != old.len() + skip {
        return vec![format!("{} tasks became {}", old.len(), new.len() - skip)];
    }
    let show = |dates: &[i64; 4]| {
        dates
            .iter()
            .map(|&t| waymark_core::time::iso(t))
            .collect::<Vec<_>>()
            .join(" ")
    };
    old.iter()
        .zip(&new[skip..])
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(index, (a, b))| {
            format!(
                "task {} `{}` ES/EF/LS/LF {} became {}",
                before.tasks[index].id,
                before.tasks[index].name,
                show(a),
                show(b)
            )
        })
        .collect()
}

/// How many tasks the MSPDI writer put in front: the project summary task that carries a
/// project deadline, when the plan has none of its own.
fn added_summary(before: &Plan, after: &Plan) -> usize {
    after.tasks.len().saturating_sub(before.tasks.len())
}

fn through_mspdi(name: &str, plan: &Plan) -> Plan {
    let xml = waymark_formats::mspdi::write(plan);
    match waymark_formats::mspdi::read_mspdi(&xml) {
        Ok(loaded) => {
            assert!(
                loaded.warnings.is_empty(),
                "{name}: the written MSPDI reads with warnings: {:?}",
                loaded.warnings
            );
            loaded.plan
        }
        Err(diagnostics) => panic!(
            "{name}: the written MSPDI does not read:\n{}",
            diagnostics
                .iter()
                .map(|d| d.render(name))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

#[test]
fn plans_keep_their_schedule_through_mspdi() {
    for (name, source) in plan_files() {
        let plan = read_plan_text(&name, &source);
        let again = through_mspdi(&name, &plan);
        let skip = added_summary(&plan, &again);
        let mut differences = schedule_differences(&plan, &again, skip);
        if let Some(difference) = first_difference(&mspdi_view(&plan, 0), &mspdi_view(&again, skip))
        {
            differences.push(format!("the plan read back differs at {difference}"));
        }
        assert!(
            differences.is_empty(),
            "{name} through MSPDI:\n{}",
            differences.join("\n")
        );
    }
}

/// Every MSPDI file in `../shared/data/projects/mspdi` as (name, text); none when `../shared`
/// is absent, which is said on stdout.
fn shared_mspdi_files() -> Vec<(String, String)> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/projects/mspdi"
    ));
    if !dir.is_dir() {
        println!("skipped: {} is absent", dir.display());
        return Vec::new();
    }
    let mut out = Vec::new();
    for group in ["mpxj", "derived-from-mpp"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(group))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
            .collect();
        paths.sort();
        for path in paths {
            let name = format!("{group}/{}", path.file_name().unwrap().to_string_lossy());
            out.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    out
}

#[test]
fn shared_mspdi_files_keep_their_schedule_through_both_writers() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, xml) in shared_mspdi_files() {
        let plan = match waymark_formats::mspdi::read_mspdi(&xml) {
            Ok(loaded) => loaded.plan,
            Err(_) => {
                report.push(format!("{name}: not read by the MSPDI reader, skipped"));
                continue;
            }
        };
        let again = through_mspdi(&name, &plan);
        let mut differences = schedule_differences(&plan, &again, added_summary(&plan, &again));
        if let Some(difference) =
            first_difference(&as_mspdi_holds_it(&plan), &as_mspdi_holds_it(&again))
        {
            differences.push(format!("mspdi: the plan read back differs at {difference}"));
        }
        let text = waymark_formats::plan::write(&plan);
        match read_plan(&text) {
            Ok(loaded) => {
                differences.extend(
                    schedule_differences(&plan, &loaded.plan, 0)
                        .into_iter()
                        .map(|d| format!("plan: {d}")),
                );
                let rewritten = waymark_formats::plan::write(&loaded.plan);
                if rewritten != text {
                    differences.push("plan: written again, the text differs".to_string());
                }
            }
            Err(diagnostics) => differences.push(format!(
                "plan: the written plan does not read:\n{}",
                diagnostics
                    .iter()
                    .take(10)
                    .map(|d| d.render("written.plan.toml"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
        }
        let scheduled = match dates(&plan) {
            Ok(_) => "scheduled".to_string(),
            Err(error) => format!("not scheduled ({error})"),
        };
        report.push(format!(
            "{name}: {} tasks {scheduled}, {} differences",
            plan.tasks.len(),
            differences.len()
        ));
        if !differences.is_empty() {
            failures.push(format!(
                "{name}:\n  {}",
                differences
                    .iter()
                    .take(12)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
