//! Property tests of the critical path method on random acyclic plans.
//!
//! Plans have 1 to 11 tasks on the standard calendar, durations of whole days, hours or zero
//! (milestones), and FS/SS/FF/SF links with working-time lags and leads. Links only run from a
//! lower to a higher index, so there are no cycles; with summaries, subtrees are contiguous in
//! outline order and no link joins a task to its own ancestor, which keeps the plan acyclic too.
//!
//! The forward pass is checked against an oracle that works purely in the working-time
//! coordinate `W` (relax every link until nothing changes, Bellman-Ford style); the other
//! properties are the invariants Microsoft Project's semantics promise on a plan without
//! constraints: floats are never negative, late dates never precede early ones, some task is
//! critical, summaries span their children, a task can slip by its free float without moving
//! any other task and by its total float without moving the finish, and a missed deadline
//! shows as exactly that much negative float.

use super::tests::parse;
use super::*;
use crate::calendar::{Calendar, WorkCalendar};
use crate::model::{Constraint, Link, Task};
use crate::time;
use proptest::prelude::*;

const HOUR: i64 = 60;
const DAY: i64 = 8 * HOUR;

#[derive(Clone, Debug)]
struct RawTask {
    duration: i64,
    /// Picks the parent among "none", the previous task and the previous task's ancestors.
    parent: usize,
}

#[derive(Clone, Debug)]
struct RawLink {
    from: usize,
    to: usize,
    kind: LinkKind,
    lag: i64,
}

#[derive(Clone, Debug)]
struct RawPlan {
    /// Half hours from Monday 4 January 2027 00:00, so the start may be at night, at lunch or
    /// on a weekend.
    start: i64,
    tasks: Vec<RawTask>,
    links: Vec<RawLink>,
}

fn duration() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => (1i64..6).prop_map(|days| days * DAY),
        2 => (1i64..20).prop_map(|hours| hours * HOUR),
        1 => Just(0),
    ]
}

fn lag() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => Just(0),
        2 => (-12i64..=12).prop_map(|hours| hours * HOUR),
        1 => (-3i64..=3).prop_map(|days| days * DAY),
    ]
}

fn kind() -> impl Strategy<Value = LinkKind> {
    prop_oneof![
        3 => Just(LinkKind::FinishToStart),
        1 => Just(LinkKind::StartToStart),
        1 => Just(LinkKind::FinishToFinish),
        1 => Just(LinkKind::StartToFinish),
    ]
}

fn raw_plan() -> impl Strategy<Value = RawPlan> {
    (1usize..12).prop_flat_map(|n| {
        let tasks = prop::collection::vec(
            (duration(), 0usize..4).prop_map(|(duration, parent)| RawTask { duration, parent }),
            n,
        );
        let links = prop::collection::vec(
            (0..n, 0..n, kind(), lag()).prop_map(|(a, b, kind, lag)| RawLink {
                from: a.min(b),
                to: a.max(b),
                kind,
                lag,
            }),
            0..2 * n,
        );
        let start = prop_oneof![Just(16i64), 0i64..7 * 48];
        (start, tasks, links).prop_map(|(start, tasks, links)| RawPlan {
            start,
            tasks,
            links,
        })
    })
}

/// Build the plan; with `summaries`, tasks get parents in outline order. Links from a task to
/// itself or to its own descendant are left out (they would be cycles).
fn build(raw: &RawPlan, summaries: bool) -> Plan {
    let mut plan = parse("");
    plan.project.start += raw.start * 30 - 8 * HOUR;
    for (index, task) in raw.tasks.iter().enumerate() {
        let mut parent = None;
        if summaries && index > 0 {
            // Candidates: none, the previous task, then its ancestors.
            let mut candidates = vec![None, Some(index - 1)];
            let mut up = plan.tasks[index - 1].parent;
            while let Some(p) = up {
                candidates.push(Some(p.0));
                up = plan.tasks[p.0].parent;
            }
            parent = candidates[task.parent % candidates.len()].map(TaskId);
        }
        plan.tasks.push(Task {
            id: format!("T{index}"),
            name: format!("T{index}"),
            duration: task.duration,
            milestone: task.duration == 0,
            parent,
            ..Task::default()
        });
    }
    let ancestor = |plan: &Plan, a: usize, mut d: usize| {
        while let Some(p) = plan.tasks[d].parent {
            if p.0 == a {
                return true;
            }
            d = p.0;
        }
        false
    };
    for link in &raw.links {
        if link.from == link.to || ancestor(&plan, link.from, link.to) {
            continue;
        }
        plan.links.push(Link {
            predecessor: TaskId(link.from),
            successor: TaskId(link.to),
            kind: link.kind,
            lag: Lag::Working(link.lag),
            location: None,
        });
    }
    plan
}

fn standard() -> WorkCalendar {
    WorkCalendar::compile(&[Calendar::standard()], 0).unwrap()
}

/// Early start and finish in the working-time coordinate, by relaxing every link until nothing
/// changes: a start is the latest of the project start and what each link demands of it (FF
/// and SF links demand a finish, so a start `duration` earlier).
fn oracle(plan: &Plan, calendar: &WorkCalendar) -> Vec<(i64, i64)> {
    let project_start = calendar.w(plan.project.start);
    let duration: Vec<i64> = plan.tasks.iter().map(|t| t.duration).collect();
    let mut start = vec![project_start; plan.tasks.len()];
    loop {
        let mut changed = false;
        for link in &plan.links {
            let (p, s) = (link.predecessor.0, link.successor.0);
            let Lag::Working(lag) = link.lag else {
                unreachable!("only working lags")
            };
            let demand = match link.kind {
                LinkKind::FinishToStart => start[p] + duration[p] + lag,
                LinkKind::StartToStart => start[p] + lag,
                LinkKind::FinishToFinish => start[p] + duration[p] + lag - duration[s],
                LinkKind::StartToFinish => start[p] + lag - duration[s],
            };
            if demand > start[s] {
                start[s] = demand;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    start
        .iter()
        .zip(&duration)
        .map(|(&s, &d)| (s, s + d))
        .collect()
}

fn describe(plan: &Plan) -> String {
    let mut text = format!("start {}\n", time::iso(plan.project.start));
    for task in &plan.tasks {
        text.push_str(&format!(
            "{} {}m parent {:?}\n",
            task.id, task.duration, task.parent
        ));
    }
    for link in &plan.links {
        text.push_str(&format!(
            "T{} -> T{} {} {:?}\n",
            link.predecessor.0,
            link.successor.0,
            link.kind.code(),
            link.lag
        ));
    }
    text
}

fn check_invariants(plan: &Plan, result: &Schedule) -> Result<(), TestCaseError> {
    let calendar = standard();
    let context = describe(plan);
    for (index, dates) in result.tasks.iter().enumerate() {
        let id = &plan.tasks[index].id;
        prop_assert!(
            dates.early_start >= plan.project.start,
            "{id} starts before the project\n{context}"
        );
        prop_assert!(dates.total_float >= 0, "{id} total float\n{context}");
        prop_assert!(dates.free_float >= 0, "{id} free float\n{context}");
        prop_assert!(
            dates.free_float <= dates.total_float,
            "{id} free float above total float\n{context}"
        );
        prop_assert!(
            dates.early_start <= dates.late_start,
            "{id} late start {} before early start {}\n{context}",
            time::iso(dates.late_start),
            time::iso(dates.early_start)
        );
        prop_assert!(
            dates.early_finish <= dates.late_finish,
            "{id} late finish {} before early finish {}\n{context}",
            time::iso(dates.late_finish),
            time::iso(dates.early_finish)
        );
        prop_assert!(dates.early_start <= dates.early_finish, "{id}\n{context}");
        if !dates.summary {
            prop_assert_eq!(
                calendar.between(dates.early_start, dates.early_finish),
                plan.tasks[index].duration,
                "{} early dates span its duration\n{}",
                id,
                context
            );
            prop_assert_eq!(
                calendar.between(dates.late_start, dates.late_finish),
                plan.tasks[index].duration,
                "{} late dates span its duration\n{}",
                id,
                context
            );
        }
    }
    prop_assert!(
        result.tasks.iter().any(|dates| dates.total_float == 0),
        "no critical task\n{context}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_forward_pass_is_the_longest_path_in_working_time(raw in raw_plan()) {
        let plan = build(&raw, false);
        let calendar = standard();
        let result = schedule(&plan).unwrap();
        let expected = oracle(&plan, &calendar);
        for (index, dates) in result.tasks.iter().enumerate() {
            prop_assert_eq!(
                (calendar.w(dates.early_start), calendar.w(dates.early_finish)),
                expected[index],
                "T{} early {}..{}\n{}",
                index,
                time::iso(dates.early_start),
                time::iso(dates.early_finish),
                describe(&plan)
            );
        }
    }

    #[test]
    fn floats_and_late_dates_are_consistent(raw in raw_plan()) {
        let plan = build(&raw, false);
        check_invariants(&plan, &schedule(&plan).unwrap())?;
    }

    #[test]
    fn summaries_span_their_children(raw in raw_plan()) {
        let plan = build(&raw, true);
        let result = schedule(&plan).unwrap();
        check_invariants(&plan, &result)?;
        let children = |parent: usize| {
            plan.tasks
                .iter()
                .enumerate()
                .filter(move |(_, task)| task.parent == Some(TaskId(parent)))
                .map(|(index, _)| index)
        };
        for (index, dates) in result.tasks.iter().enumerate() {
            if !dates.summary {
                continue;
            }
            let start = children(index).map(|c| result.tasks[c].early_start).min();
            let finish = children(index).map(|c| result.tasks[c].early_finish).max();
            prop_assert_eq!(Some(dates.early_start), start, "T{} start\n{}", index, describe(&plan));
            prop_assert_eq!(Some(dates.early_finish), finish, "T{} finish\n{}", index, describe(&plan));
        }
    }

    #[test]
    fn a_missed_deadline_is_negative_float_of_exactly_the_miss(
        raw in raw_plan(),
        pick in 0usize..12,
        miss in 1i64..3 * DAY,
    ) {
        let mut plan = build(&raw, true);
        let calendar = standard();
        let before = schedule(&plan).unwrap();
        let leaves: Vec<usize> = (0..plan.tasks.len()).filter(|&t| !before.tasks[t].summary).collect();
        let task = leaves[pick % leaves.len()];
        let deadline = calendar.add(before.tasks[task].early_finish, -miss, Edge::Finish);
        plan.tasks[task].deadline = Some(deadline);
        let after = schedule(&plan).unwrap();
        prop_assert_eq!(after.tasks[task].total_float, -miss, "T{}\n{}", task, describe(&plan));
        for (old, new) in before.tasks.iter().zip(&after.tasks) {
            prop_assert_eq!((old.early_start, old.early_finish), (new.early_start, new.early_finish));
        }
    }

    #[test]
    fn delaying_a_task_by_its_free_float_moves_no_other_task(
        raw in raw_plan(),
        summaries: bool,
        pick in 0usize..12,
    ) {
        let mut plan = build(&raw, summaries);
        let calendar = standard();
        let before = schedule(&plan).unwrap();
        let leaves: Vec<usize> = (0..plan.tasks.len()).filter(|&t| !before.tasks[t].summary).collect();
        let task = leaves[pick % leaves.len()];
        let dates = &before.tasks[task];
        let delayed = calendar.add(dates.early_start, dates.free_float, Edge::Start);
        plan.tasks[task].constraints.push(Constraint {
            kind: ConstraintKind::StartNoEarlierThan,
            date: delayed,
            location: None,
        });
        let after = schedule(&plan).unwrap();
        prop_assert_eq!(
            calendar.between(dates.early_start, after.tasks[task].early_start),
            dates.free_float
        );
        // Compared in working time: a milestone may move between 17:00 and 08:00 the next
        // working day when another link comes to drive it, which is no delay.
        let w = |t: Instant| calendar.w(t);
        for &other in leaves.iter().filter(|&&other| other != task) {
            prop_assert_eq!(
                (w(before.tasks[other].early_start), w(before.tasks[other].early_finish)),
                (w(after.tasks[other].early_start), w(after.tasks[other].early_finish)),
                "T{} moved when T{} slipped by its free float {}\n{}",
                other,
                task,
                dates.free_float,
                describe(&plan)
            );
        }
    }

    #[test]
    fn delaying_a_task_by_its_total_float_keeps_the_project_finish(
        raw in raw_plan(),
        summaries: bool,
        pick in 0usize..12,
    ) {
        let mut plan = build(&raw, summaries);
        let calendar = standard();
        let before = schedule(&plan).unwrap();
        let leaves: Vec<usize> = (0..plan.tasks.len()).filter(|&t| !before.tasks[t].summary).collect();
        let task = leaves[pick % leaves.len()];
        let dates = &before.tasks[task];
        plan.tasks[task].constraints.push(Constraint {
            kind: ConstraintKind::StartNoEarlierThan,
            date: calendar.add(dates.early_start, dates.total_float, Edge::Start),
            location: None,
        });
        let after = schedule(&plan).unwrap();
        prop_assert_eq!(
            calendar.w(before.finish),
            calendar.w(after.finish),
            "T{} slipped by its total float {}\n{}",
            task,
            dates.total_float,
            describe(&plan)
        );
    }

    #[test]
    fn scheduling_is_deterministic_and_ignores_link_order(raw in raw_plan(), summaries: bool) {
        let plan = build(&raw, summaries);
        let first = schedule(&plan).unwrap();
        prop_assert_eq!(&first, &schedule(&plan).unwrap());
        let mut reversed = plan.clone();
        reversed.links.reverse();
        prop_assert_eq!(&first, &schedule(&reversed).unwrap(), "{}", describe(&plan));
    }
}
