//! Levelling the example plans: every over-allocation left in a levelled schedule is one the
//! plan forces (a started or pinned task, or an assignment larger than the person) and is
//! reported as unresolved; every other moment respects every person's units.

use waymark_core::level::{level, LevelOptions};
use waymark_core::time::Instant;

#[test]
fn example_plans_level_to_capacity_except_what_they_force() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(folder).expect("examples") {
        let path = entry.expect("entry").path();
        if !path.to_string_lossy().ends_with(".plan.toml") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("read");
        let plan = waymark_formats::plan::read_plan(&source)
            .expect("example reads")
            .plan;
        let levelled = level(&plan, &LevelOptions::default()).expect("levels");
        let dates = &levelled.schedule.tasks;
        for (r, resource) in plan.resources.iter().enumerate() {
            // (instant, change in hundredths of units, task)
            let mut events: Vec<(Instant, i64, usize)> = Vec::new();
            for (t, task) in plan.tasks.iter().enumerate() {
                if dates[t].summary || dates[t].finish <= dates[t].start {
                    continue;
                }
                for a in task.assignments.iter().filter(|a| a.resource.0 == r) {
                    let units = (a.units * 100.0).round() as i64;
                    events.push((dates[t].start, units, t));
                    events.push((dates[t].finish, -units, t));
                }
            }
            events.sort_by_key(|&(at, delta, _)| (at, delta));
            let capacity = (resource.units * 100.0).round() as i64;
            let mut load = 0;
            let mut active: Vec<usize> = Vec::new();
            for (at, delta, task) in events {
                load += delta;
                if delta > 0 {
                    active.push(task);
                } else if let Some(i) = active.iter().position(|&a| a == task) {
                    active.swap_remove(i);
                }
                if load > capacity {
                    let explained = active.iter().any(|&t| {
                        levelled
                            .unresolved
                            .iter()
                            .any(|u| u.task.0 == t && u.resource.0 == r)
                    });
                    assert!(
                        explained,
                        "{}: {} is over-allocated at {} by {:?} and nothing says why",
                        path.display(),
                        resource.id,
                        waymark_core::time::iso(at),
                        active
                            .iter()
                            .map(|&t| &plan.tasks[t].id)
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 3, "three example plans");
}

/// Issue 12, defect 7, with the plan of the report: `resources = ["r 200%"]` on a person with
/// units 1, plus a second task on r. `level` (the search the CLI runs) and `load` (its
/// priority-rule pass) now follow one rule: the 200 % task is reported as over-capacity and
/// still takes the whole person, so the second task waits; the load is 200 %, never 300 %.
#[test]
fn an_assignment_above_the_persons_units_gets_one_answer_from_level_and_load() {
    let source = r#"
[project]
name = "Over capacity"
start = 2027-03-01

[resources.r]
name = "R"
units = 1

[tasks.a]
duration = "3d"
resources = ["r 200%"]

[tasks.b]
duration = "2d"
resources = ["r"]
"#;
    let plan = waymark_formats::plan::read_plan(source)
        .expect("plan reads")
        .plan;
    let search = waymark_core::level::SearchOptions {
        seed: 1,
        max_schedules: Some(100),
    };
    let (searched, _) =
        waymark_core::level::level_search(&plan, &LevelOptions::default(), &search, &mut || false)
            .expect("levels");
    let first = level(&plan, &LevelOptions::default()).expect("levels");
    assert_eq!(searched.schedule, first.schedule, "level and load agree");
    let s = &searched.schedule.tasks;
    assert!(
        s[1].start >= s[0].finish || s[0].start >= s[1].finish,
        "b is never beside a"
    );
    assert_eq!(searched.delays.len(), 1);
    assert_eq!(searched.unresolved.len(), 1);
    assert_eq!(searched.unresolved[0].task.0, 0);
    let calendars = waymark_core::TaskCalendars::new(&plan).expect("calendars");
    let loads = waymark_core::load::load(
        &plan,
        &searched.schedule,
        &calendars,
        waymark_core::load::Period::Day,
    );
    let peaks: Vec<f64> = loads[0]
        .periods
        .iter()
        .filter(|p| p.allocated_minutes > 0.0)
        .map(|p| p.peak_units)
        .collect();
    assert_eq!(peaks.len(), 5, "a's 3 days and b's 2, one after the other");
    assert_eq!(peaks.iter().filter(|&&p| p == 2.0).count(), 3);
    assert_eq!(peaks.iter().filter(|&&p| p == 1.0).count(), 2);
}
