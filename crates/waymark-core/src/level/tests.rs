//! Levelling tests: small plans with known answers, and properties on random plans (capacity
//! never exceeded, links kept, every explanation true).

use super::*;
use crate::model::{Assignment, Resource};
use crate::schedule::tests::parse;
use crate::time;
use proptest::prelude::*;

fn with_people(mut plan: Plan, people: &[(&str, f64)], assign: &[(&str, &str, f64)]) -> Plan {
    for (id, units) in people {
        plan.resources.push(Resource {
            id: (*id).into(),
            name: (*id).into(),
            units: *units,
            ..Resource::default()
        });
    }
    for (task, person, units) in assign {
        let t = plan.tasks.iter().position(|x| x.id == *task).unwrap();
        let r = plan.resources.iter().position(|x| x.id == *person).unwrap();
        plan.tasks[t].assignments.push(Assignment {
            resource: ResourceId(r),
            units: *units,
        });
    }
    plan
}

fn day(plan: &Plan, t: Instant) -> String {
    let calendar = crate::calendar::WorkCalendar::compile(&plan.calendars, 0).unwrap();
    let minutes = calendar.between(plan.project.start, t);
    format!("{}", minutes as f64 / 480.0)
}

/// Every instant: the units booked on each resource never exceed its capacity, links hold, and
/// every wait is explained by tasks that really fill the resource.
fn assert_valid(plan: &Plan, levelled: &Levelled) {
    let dates = &levelled.schedule.tasks;
    for (r, resource) in plan.resources.iter().enumerate() {
        let mut events: Vec<(Instant, i64)> = Vec::new();
        for (t, task) in plan.tasks.iter().enumerate() {
            if dates[t].summary {
                continue;
            }
            for a in task.assignments.iter().filter(|a| a.resource.0 == r) {
                if dates[t].early_finish > dates[t].early_start {
                    events.push((dates[t].early_start, hundredths(a.units)));
                    events.push((dates[t].early_finish, -hundredths(a.units)));
                }
            }
        }
        events.sort();
        let mut load = 0;
        for (_, delta) in events {
            load += delta;
            let exempt = levelled.unresolved.iter().any(|u| u.resource.0 == r);
            assert!(
                exempt || load <= hundredths(resource.units),
                "{} over capacity",
                resource.id
            );
        }
    }
    let calendars = TaskCalendars::new(plan).unwrap();
    for link in &plan.links {
        let (p, s) = (&dates[link.predecessor.0], &dates[link.successor.0]);
        let cal = calendars.of(link.predecessor);
        if let (crate::model::LinkKind::FinishToStart, crate::model::Lag::Working(lag)) =
            (link.kind, link.lag)
        {
            assert!(
                cal.w(s.early_start) >= cal.w(p.early_finish) + lag,
                "link broken"
            );
        }
    }
    for delay in &levelled.delays {
        let task = &plan.tasks[delay.task.0];
        for wait in &delay.waits {
            let units = task
                .assignments
                .iter()
                .find(|a| a.resource == wait.resource)
                .map(|a| hundredths(a.units))
                .unwrap();
            let capacity = hundredths(plan.resources[wait.resource.0].units);
            // Check the load of the named tasks at every breakpoint inside the wait.
            let mut instants = vec![wait.from];
            for holder in &wait.held_by {
                instants.push(dates[holder.0].early_start);
                instants.push(dates[holder.0].early_finish);
            }
            for &t in instants.iter().filter(|&&t| t >= wait.from && t < wait.to) {
                let held: i64 = wait
                    .held_by
                    .iter()
                    .filter(|h| dates[h.0].early_start <= t && t < dates[h.0].early_finish)
                    .flat_map(|h| plan.tasks[h.0].assignments.iter())
                    .filter(|a| a.resource == wait.resource)
                    .map(|a| hundredths(a.units))
                    .sum();
                assert!(
                    held + units > capacity,
                    "wait of {} at {} is not explained by {:?}",
                    task.id,
                    time::iso(t),
                    wait.held_by
                );
            }
        }
    }
}

#[test]
fn one_person_on_two_parallel_tasks_does_them_one_after_the_other() {
    let plan = with_people(
        parse("A 3d\nB 2d\nC 1d after A, B"),
        &[("ana", 1.0)],
        &[("A", "ana", 1.0), ("B", "ana", 1.0)],
    );
    let levelled = level(&plan, &LevelOptions::default()).unwrap();
    assert_valid(&plan, &levelled);
    let s = &levelled.schedule.tasks;
    // B has the float, so A goes first; B waits for A; C follows both.
    assert_eq!(day(&plan, s[0].early_start), "0");
    assert_eq!(day(&plan, s[1].early_start), "3");
    assert_eq!(day(&plan, s[2].early_start), "5");
    assert_eq!(levelled.delays.len(), 1);
    let delay = &levelled.delays[0];
    assert_eq!(delay.task, TaskId(1));
    assert_eq!(delay.minutes, 3 * 480);
    assert_eq!(delay.waits[0].held_by, vec![TaskId(0)]);
}

#[test]
fn priority_wins_over_float() {
    let mut plan = with_people(
        parse("A 3d\nB 2d\nC 1d after A, B"),
        &[("ana", 1.0)],
        &[("A", "ana", 1.0), ("B", "ana", 1.0)],
    );
    plan.tasks[1].priority = 900;
    let levelled = level(&plan, &LevelOptions::default()).unwrap();
    assert_valid(&plan, &levelled);
    let s = &levelled.schedule.tasks;
    assert_eq!(day(&plan, s[1].early_start), "0");
    assert_eq!(day(&plan, s[0].early_start), "2");
}

#[test]
fn half_time_assignments_share_a_person() {
    let plan = with_people(
        parse("A 3d\nB 3d"),
        &[("ana", 1.0)],
        &[("A", "ana", 0.5), ("B", "ana", 0.5)],
    );
    let levelled = level(&plan, &LevelOptions::default()).unwrap();
    assert!(levelled.delays.is_empty());
    assert_valid(&plan, &levelled);
}

#[test]
fn within_float_leaves_critical_conflicts_and_says_so() {
    let plan = with_people(
        parse("A 3d\nB 3d\nC 1d after A, B"),
        &[("ana", 1.0)],
        &[("A", "ana", 1.0), ("B", "ana", 1.0)],
    );
    let options = LevelOptions { within_float: true };
    let levelled = level(&plan, &options).unwrap();
    assert!(levelled.delays.is_empty());
    assert_eq!(levelled.unresolved.len(), 1);
    assert_eq!(levelled.unresolved[0].reason, UnresolvedReason::OutOfFloat);
}

#[test]
fn more_units_than_the_person_has_is_reported() {
    let plan = with_people(parse("A 3d"), &[("ana", 0.5)], &[("A", "ana", 1.0)]);
    let levelled = level(&plan, &LevelOptions::default()).unwrap();
    assert_eq!(
        levelled.unresolved[0].reason,
        UnresolvedReason::OverCapacity
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn levelled_plans_respect_capacity_links_and_explanations(
        durations in proptest::collection::vec(1u32..6, 2..10),
        links in proptest::collection::vec((0usize..10, 0usize..10), 0..12),
        assign in proptest::collection::vec((0usize..10, 0usize..3, 1u32..3), 1..14),
        capacities in proptest::collection::vec(1u32..3, 3),
    ) {
        let n = durations.len();
        let mut text = String::new();
        for (i, d) in durations.iter().enumerate() {
            let preds: Vec<String> = links
                .iter()
                .filter(|(a, b)| a % n < b % n && b % n == i)
                .map(|(a, _)| format!("T{}", a % n))
                .collect();
            text.push_str(&format!("T{i} {d}d"));
            if !preds.is_empty() {
                let mut preds = preds;
                preds.dedup();
                text.push_str(&format!(" after {}", preds.join(", ")));
            }
            text.push('\n');
        }
        let mut plan = parse(&text);
        for (r, capacity) in capacities.iter().enumerate() {
            plan.resources.push(Resource {
                id: format!("r{r}"),
                units: f64::from(*capacity) * 0.5,
                ..Resource::default()
            });
        }
        for (task, resource, units) in assign {
            let task = task % n;
            if plan.tasks[task].assignments.iter().any(|a| a.resource.0 == resource) {
                continue;
            }
            plan.tasks[task].assignments.push(Assignment {
                resource: ResourceId(resource),
                units: f64::from(units) * 0.5,
            });
        }
        let levelled = level(&plan, &LevelOptions::default()).unwrap();
        assert_valid(&plan, &levelled);
        let unlevelled = crate::schedule(&plan).unwrap();
        prop_assert!(levelled.schedule.finish >= unlevelled.finish);
    }
}

#[test]
fn two_plans_sharing_a_person_are_levelled_together() {
    let a = with_people(
        parse("A1 3d\nA2 1d after A1"),
        &[("ana", 1.0)],
        &[("A1", "ana", 1.0)],
    );
    let b = with_people(parse("B1 2d"), &[("ana", 1.0)], &[("B1", "ana", 1.0)]);
    let pooled = pool(&[a.clone(), b]);
    assert_eq!(pooled.plan.resources.len(), 1, "ana is one person");
    assert_eq!(pooled.owner, vec![0, 0, 1]);
    let levelled = level(&pooled.plan, &LevelOptions::default()).unwrap();
    assert_valid(&pooled.plan, &levelled);
    let s = &levelled.schedule.tasks;
    // A1 is on the critical path of its plan, B1 has float to the pooled finish: B1 waits.
    assert_eq!(day(&a, s[0].early_start), "0");
    assert_eq!(day(&a, s[2].early_start), "3");
}

#[test]
fn search_never_does_worse_than_the_first_order_and_is_deterministic() {
    let plan = with_people(
        parse("A 2d\nB 4d\nC 3d after A\nD 2d after B\nE 1d after C, D"),
        &[("ana", 1.0), ("bob", 1.0)],
        &[
            ("A", "ana", 1.0),
            ("B", "ana", 1.0),
            ("C", "bob", 1.0),
            ("D", "bob", 1.0),
        ],
    );
    let first = level(&plan, &LevelOptions::default()).unwrap();
    let search = SearchOptions {
        seed: 7,
        max_schedules: Some(50),
    };
    let (found, schedules) =
        level_search(&plan, &LevelOptions::default(), &search, &mut || false).unwrap();
    assert_eq!(schedules, 50);
    assert!(found.schedule.finish <= first.schedule.finish);
    assert_valid(&plan, &found);
    let (again, _) = level_search(&plan, &LevelOptions::default(), &search, &mut || false).unwrap();
    assert_eq!(again.schedule, found.schedule);
}

/// Issue 12, defect 7: `resources = ["r 200%"]` on a person with 1 unit, and a second task on
/// the same person. The 200 % assignment can never fit and is reported, but it still takes the
/// whole person: the second task is never put beside it (which would book 300 %), whatever the
/// order the search tries, and `load` shows the same: 200 % during the first task only.
#[test]
fn an_assignment_above_the_persons_units_is_reported_and_runs_alone() {
    let plan = with_people(
        parse("A 3d\nB 2d"),
        &[("r", 1.0)],
        &[("A", "r", 2.0), ("B", "r", 1.0)],
    );
    let first = level(&plan, &LevelOptions::default()).unwrap();
    let search = SearchOptions {
        seed: 1,
        max_schedules: Some(200),
    };
    let (found, _) = level_search(&plan, &LevelOptions::default(), &search, &mut || false).unwrap();
    for levelled in [&first, &found] {
        let s = &levelled.schedule.tasks;
        let (a, b) = (&s[0], &s[1]);
        assert!(
            b.early_start >= a.early_finish || a.early_start >= b.early_finish,
            "A and B overlap: A {}..{}, B {}..{}",
            time::iso(a.early_start),
            time::iso(a.early_finish),
            time::iso(b.early_start),
            time::iso(b.early_finish)
        );
        assert_eq!(
            levelled.unresolved,
            vec![Unresolved {
                task: TaskId(0),
                resource: ResourceId(0),
                reason: UnresolvedReason::OverCapacity,
            }]
        );
        assert_eq!(
            levelled.delays.len(),
            1,
            "one of the two waits for the other"
        );
        let calendars = TaskCalendars::new(&plan).unwrap();
        let loads = crate::load::load(
            &plan,
            &levelled.schedule,
            &calendars,
            crate::load::Period::Day,
        );
        let peak = loads[0]
            .periods
            .iter()
            .map(|p| p.peak_units)
            .fold(0.0, f64::max);
        assert_eq!(peak, 2.0, "200 % while A runs, never 300 %");
        let over = loads[0].periods.iter().filter(|p| p.over_allocated).count();
        assert_eq!(over, 3, "the three days of A, and only those");
    }
    assert_eq!(first.schedule, found.schedule);
}

#[test]
fn a_run_is_the_search_on_the_pool_of_its_plans() {
    let a = with_people(
        parse("A1 3d\nA2 1d after A1"),
        &[("ana", 1.0)],
        &[("A1", "ana", 1.0), ("A2", "ana", 1.0)],
    );
    let b = with_people(parse("B1 2d"), &[("ana", 1.0)], &[("B1", "ana", 1.0)]);
    let options = RunOptions {
        within_float: false,
        seed: 5,
        max_schedules: Some(40),
    };
    let run = run(&[a.clone(), b.clone()], &options, &mut || false).unwrap();
    let pooled = pool(&[a, b]);
    assert_eq!(run.pooled.owner, pooled.owner);
    assert_eq!(run.before, crate::schedule::schedule(&pooled.plan).unwrap());
    let search = SearchOptions {
        seed: 5,
        max_schedules: Some(40),
    };
    let (levelled, schedules) =
        level_search(&pooled.plan, &LevelOptions::default(), &search, &mut || {
            false
        })
        .unwrap();
    assert_eq!(run.levelled.schedule, levelled.schedule);
    assert_eq!(run.levelled.delays, levelled.delays);
    assert_eq!(run.schedules, schedules);
    assert_valid(&pooled.plan, &run.levelled);
    assert!(
        run.levelled.schedule.finish > run.before.finish,
        "ana is shared"
    );
}

#[test]
fn a_failed_run_names_the_plan_and_its_own_tasks() {
    let a = parse("A1 3d\nA2 1d after A1");
    let b = parse("B1 2d after B2\nB2 1d after B1");
    let failure = run(&[a, b.clone()], &RunOptions::default(), &mut || false).unwrap_err();
    assert_eq!(failure.plan, 1);
    let ScheduleError::Cycle { tasks } = &failure.error else {
        panic!("a cycle: {:?}", failure.error);
    };
    let mut ids: Vec<&str> = tasks.iter().map(|t| b.tasks[t.0].id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["B1", "B2"]);
    let why = crate::doctor::schedule_failure(&b, &failure.error);
    assert_eq!(why.len(), 1);
    assert_eq!(why[0].code, "dependency-cycle");
}
