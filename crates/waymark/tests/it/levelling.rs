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
