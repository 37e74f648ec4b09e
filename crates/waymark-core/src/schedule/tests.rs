//! Text-driven CPM tests: a tiny plan language in, early/late dates as working-day offsets out.
//!
//! Each line is `ID DURATION [after LINK, LINK] [key=value ...]` where DURATION is `3d`, `4h` or
//! `0` (a milestone), LINK is `X`, `X SS`, `X FF+1d`, `X FS-2h`, `X FS+3ed` and keys are `parent`,
//! `snet`, `snlt`, `fnet`, `fnlt`, `mso`, `mfo` (working-day offsets from the start, at the start
//! of that day for start constraints and the end of it for finish constraints), `deadline` (end of
//! that day), `alap`. The project starts on Monday 4 January 2027 at 08:00 on the standard
//! calendar (Mon–Fri, 08:00–12:00, 13:00–17:00). Output offsets are working days from the start,
//! fractional when needed; floats are in days.

use super::*;
use crate::calendar::Calendar;
use crate::model::{Constraint, Link, Project, Task};
use crate::time;
use expect_test::{expect, Expect};

fn monday() -> Instant {
    time::instant(
        chrono::NaiveDate::from_ymd_opt(2027, 1, 4)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap(),
    )
}

fn minutes(text: &str) -> Lag {
    let (number, unit) = text.split_at(text.find(|c: char| c.is_alphabetic() || c == '%').unwrap());
    let value: f64 = number.parse().unwrap();
    match unit {
        "d" => Lag::Working((value * 480.0) as i64),
        "h" => Lag::Working((value * 60.0) as i64),
        "ed" => Lag::Elapsed((value * 1440.0) as i64),
        "eh" => Lag::Elapsed((value * 60.0) as i64),
        "%" => Lag::Percent(value / 100.0),
        other => panic!("unit {other}"),
    }
}

fn lag_minutes(lag: Lag) -> i64 {
    match lag {
        Lag::Working(m) | Lag::Elapsed(m) => m,
        Lag::Percent(_) => 0,
    }
}

pub(crate) fn parse(text: &str) -> Plan {
    let calendars = vec![Calendar::standard()];
    let compiled = WorkCalendar::compile(&calendars, 0).unwrap();
    let start = monday();
    let day_start = |days: i64| compiled.add(start, days * 480, Edge::Start);
    let day_end = |days: i64| compiled.add(start, (days + 1) * 480, Edge::Finish);
    let mut plan = Plan {
        project: Project {
            name: "test".into(),
            start,
            ..Project::default()
        },
        calendars,
        ..Plan::default()
    };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let index = |id: &str| {
        lines
            .iter()
            .position(|line| line.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("unknown task {id}"))
    };
    for line in &lines {
        let mut words = line.split_whitespace();
        let id = words.next().unwrap();
        let duration = words.next().unwrap();
        let mut task = Task {
            id: id.into(),
            name: id.into(),
            ..Task::default()
        };
        if duration == "0" {
            task.milestone = true;
        } else {
            task.duration = lag_minutes(minutes(duration));
        }
        let rest: Vec<&str> = words.collect();
        let rest = rest.join(" ");
        let (links, keys) = match rest.strip_prefix("after ") {
            Some(after) => {
                let end = after
                    .find('=')
                    .map(|eq| after[..eq].rfind(' ').unwrap_or(0));
                match end {
                    Some(end) if end > 0 => (after[..end].to_string(), after[end..].to_string()),
                    _ => (after.to_string(), String::new()),
                }
            }
            None => (String::new(), rest.clone()),
        };
        for spec in links.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let mut parts = spec.split_whitespace();
            let predecessor = TaskId(index(parts.next().unwrap()));
            let (kind, lag) = match parts.next() {
                None => (LinkKind::FinishToStart, Lag::Working(0)),
                Some(code) => {
                    let (kind, lag) = code.split_at(2);
                    let kind = match kind {
                        "FS" => LinkKind::FinishToStart,
                        "SS" => LinkKind::StartToStart,
                        "FF" => LinkKind::FinishToFinish,
                        "SF" => LinkKind::StartToFinish,
                        other => panic!("link type {other}"),
                    };
                    let lag = match lag.strip_prefix('-') {
                        Some(l) => match minutes(l) {
                            Lag::Working(m) => Lag::Working(-m),
                            Lag::Elapsed(m) => Lag::Elapsed(-m),
                            Lag::Percent(p) => Lag::Percent(-p),
                        },
                        None if lag.is_empty() => Lag::Working(0),
                        None => minutes(lag.trim_start_matches('+')),
                    };
                    (kind, lag)
                }
            };
            plan.links.push(Link {
                predecessor,
                successor: TaskId(plan.tasks.len()),
                kind,
                lag,
                location: None,
            });
        }
        for pair in keys.split_whitespace() {
            if pair == "alap" {
                task.as_late_as_possible = true;
                continue;
            }
            let (key, value) = pair.split_once('=').unwrap();
            let constraint = |kind, date| Constraint {
                kind,
                date,
                location: None,
            };
            match key {
                "parent" => task.parent = Some(TaskId(index(value))),
                "deadline" => task.deadline = Some(day_end(value.parse().unwrap())),
                "snet" | "snlt" | "mso" => {
                    let kind = match key {
                        "snet" => ConstraintKind::StartNoEarlierThan,
                        "snlt" => ConstraintKind::StartNoLaterThan,
                        _ => ConstraintKind::MustStartOn,
                    };
                    task.constraints
                        .push(constraint(kind, day_start(value.parse().unwrap())));
                }
                "fnet" | "fnlt" | "mfo" => {
                    let kind = match key {
                        "fnet" => ConstraintKind::FinishNoEarlierThan,
                        "fnlt" => ConstraintKind::FinishNoLaterThan,
                        _ => ConstraintKind::MustFinishOn,
                    };
                    task.constraints
                        .push(constraint(kind, day_end(value.parse().unwrap())));
                }
                other => panic!("key {other}"),
            }
        }
        plan.tasks.push(task);
    }
    plan
}

fn days(minutes: i64) -> String {
    if minutes % 480 == 0 {
        (minutes / 480).to_string()
    } else {
        format!("{:.2}", minutes as f64 / 480.0)
    }
}

fn render(plan: &Plan, schedule: &Schedule) -> String {
    let calendar = WorkCalendar::compile(&plan.calendars, 0).unwrap();
    let offset = |t: Instant| days(calendar.between(plan.project.start, t));
    let mut out = String::new();
    for (task, dates) in plan.tasks.iter().zip(&schedule.tasks) {
        let mut line = format!(
            "{:<3} {}..{}  late {}..{}  float {} free {}",
            task.id,
            offset(dates.early_start),
            offset(dates.early_finish),
            offset(dates.late_start),
            offset(dates.late_finish),
            days(dates.total_float),
            days(dates.free_float),
        );
        if dates.start != dates.early_start {
            line.push_str(&format!("  scheduled {}", offset(dates.start)));
        }
        if dates.critical {
            line.push_str("  critical");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn check(text: &str, expected: Expect) {
    let plan = parse(text);
    let schedule = schedule(&plan).unwrap();
    expected.assert_eq(&render(&plan, &schedule));
}

#[test]
fn finish_to_start_chain_and_parallel_branch() {
    check(
        "A 3d
         B 2d after A
         C 4d after A
         D 1d after B, C",
        expect![[r#"
            A   0..3  late 0..3  float 0 free 0  critical
            B   3..5  late 5..7  float 2 free 2
            C   3..7  late 3..7  float 0 free 0  critical
            D   7..8  late 7..8  float 0 free 0  critical
        "#]],
    );
}

#[test]
fn all_four_link_types_with_lags_and_leads() {
    check(
        "A 5d
         B 3d after A SS+2d
         C 2d after A FF+1d
         D 4d after A SF+1d
         E 2d after A FS-1d
         F 1d after B, C, D, E",
        expect![[r#"
            A   0..5  late 0..5  float 0 free 0  critical
            B   2..5  late 3..6  float 1 free 1
            C   4..6  late 4..6  float 0 free 0  critical
            D   0..4  late 2..6  float 2 free 2
            E   4..6  late 4..6  float 0 free 0  critical
            F   6..7  late 6..7  float 0 free 0  critical
        "#]],
    );
}

#[test]
fn milestones_sit_at_the_end_of_their_predecessor() {
    let plan = parse("A 2d\nM 0 after A\nB 1d after M");
    let schedule = schedule(&plan).unwrap();
    assert_eq!(time::iso(schedule.tasks[1].start), "2027-01-05T17:00:00");
    assert_eq!(time::iso(schedule.tasks[2].start), "2027-01-06T08:00:00");
    check(
        "A 2d
         M 0 after A
         B 1d after M",
        expect![[r#"
            A   0..2  late 0..2  float 0 free 0  critical
            M   2..2  late 2..2  float 0 free 0  critical
            B   2..3  late 2..3  float 0 free 0  critical
        "#]],
    );
}

#[test]
fn constraints_follow_microsoft_project() {
    check(
        "A 3d
         B 2d after A snet=5
         C 2d after A snlt=1
         D 2d after A fnet=8
         E 2d after A fnlt=3
         F 1d after A mso=1
         G 1d after A mfo=9
         Z 1d after B, C, D, E, F, G",
        expect![[r#"
            A   0..3  late -2..1  float -2 free -2  critical
            B   5..7  late 8..10  float 3 free 3
            C   1..3  late 1..3  float -2 free -2  critical
            D   7..9  late 8..10  float 1 free 1
            E   2..4  late 2..4  float -1 free -1  critical
            F   1..2  late 1..2  float -2 free -2  critical
            G   9..10  late 9..10  float 0 free 0  critical
            Z   10..11  late 10..11  float 0 free 0  critical
        "#]],
    );
}

#[test]
fn deadlines_and_project_deadline_give_negative_float() {
    check(
        "A 3d
         B 2d after A deadline=3
         C 4d after A",
        expect![[r#"
            A   0..3  late -1..2  float -1 free -1  critical
            B   3..5  late 2..4  float -1 free -1  critical
            C   3..7  late 3..7  float 0 free 0  critical
        "#]],
    );
}

#[test]
fn summary_tasks_roll_up_and_pass_links_to_children() {
    check(
        "P1 1d
         X 2d parent=P1
         Y 3d after X parent=P1
         K 4d
         P2 1d after P1
         Z 1d parent=P2
         W 2d after K parent=P2
         END 0 after P2",
        expect![[r#"
            P1  0..5  late 0..5  float 0 free 0  critical
            X   0..2  late 0..2  float 0 free 0  critical
            Y   2..5  late 2..5  float 0 free 0  critical
            K   0..4  late 1..5  float 1 free 1
            P2  5..7  late 5..7  float 0 free 0  critical
            Z   5..6  late 6..7  float 1 free 1
            W   5..7  late 5..7  float 0 free 0  critical
            END 7..7  late 7..7  float 0 free 0  critical
        "#]],
    );
}

#[test]
fn elapsed_and_percentage_lags() {
    check(
        "A 4d
         B 1d after A FS+3ed
         C 1d after A SS+50%
         D 1d after A FS+20eh",
        expect![[r#"
            A   0..4  late 0..4  float 0 free 0  critical
            B   5..6  late 5..6  float 0 free 0  critical
            C   2..3  late 5..6  float 3 free 3
            D   4.50..5.50  late 5..6  float 0.50 free 0.50
        "#]],
    );
}

#[test]
fn as_late_as_possible_takes_the_late_dates() {
    check(
        "A 5d
         B 2d alap
         C 1d after A, B",
        expect![[r#"
            A   0..5  late 0..5  float 0 free 0  critical
            B   0..2  late 3..5  float 3 free 3  scheduled 3
            C   5..6  late 5..6  float 0 free 0  critical
        "#]],
    );
}

#[test]
fn cycles_name_every_task_on_them() {
    let plan = parse("A 1d after C\nB 1d after A\nC 1d after B\nD 1d after C");
    match schedule(&plan) {
        Err(ScheduleError::Cycle { tasks }) => {
            let mut names: Vec<&str> = tasks.iter().map(|t| plan.tasks[t.0].id.as_str()).collect();
            names.sort();
            assert_eq!(names, ["A", "B", "C"]);
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
}

#[test]
fn a_link_from_a_child_to_its_summary_is_a_cycle() {
    let plan = parse("P 1d\nX 1d parent=P\nY 1d parent=P\nZ 1d after Y");
    let mut plan = plan;
    plan.links.push(Link {
        predecessor: TaskId(2),
        successor: TaskId(0),
        kind: LinkKind::FinishToStart,
        lag: Lag::Working(0),
        location: None,
    });
    assert!(matches!(schedule(&plan), Err(ScheduleError::Cycle { .. })));
}

#[test]
fn a_child_that_starts_after_its_summary_is_not_bound_by_the_summary_start_links() {
    // Regression: Y's free float was measured from its own start (day 1) to Z's (day 0) through
    // P's SS link and came out at -1 day, although Z waits only for X, which starts P.
    check(
        "P 1d
         X 1d parent=P
         Y 1d after X parent=P
         K 4d
         Z 1d after P SS",
        expect![[r#"
            P   0..2  late 2..4  float 2 free 2
            X   0..1  late 2..3  float 2 free 0
            Y   1..2  late 3..4  float 2 free 2
            K   0..4  late 0..4  float 0 free 0  critical
            Z   0..1  late 3..4  float 3 free 3
        "#]],
    );
}

#[test]
fn a_start_link_from_a_summary_binds_only_the_children_that_start_it() {
    // Regression: the SS link from P bound every child's late start to Z's late start, so Y,
    // which cannot start before A finishes, and A itself showed a day of negative float on a
    // plan without constraints.
    check(
        "A 1d
         P 1d
         X 1d parent=P
         Y 1d after A parent=P
         Z 2d after P SS",
        expect![[r#"
            A   0..1  late 0..1  float 0 free 0  critical
            P   0..2  late 0..2  float 0 free 0  critical
            X   0..1  late 0..1  float 0 free 0  critical
            Y   1..2  late 1..2  float 0 free 0  critical
            Z   0..2  late 0..2  float 0 free 0  critical
        "#]],
    );
}

#[test]
fn started_tasks_float_by_their_finish_only() {
    // B started on day 0 and is half done; its start is history, so its float is how far its
    // finish can slip before the project finish (set by C), not zero because its start is fixed.
    let mut plan = parse("A 1d\nB 4d\nC 10d after A");
    plan.project.status_date = Some(plan.project.start + 2 * 1440);
    plan.tasks[1].actual_start = Some(plan.project.start);
    plan.tasks[1].progress = 0.5;
    let computed = schedule(&plan).unwrap();
    let b = &computed.tasks[1];
    assert!(!b.critical, "{b:?}");
    let calendar = WorkCalendar::compile(&plan.calendars, 0).unwrap();
    assert_eq!(
        b.total_float,
        calendar.between(b.early_finish, computed.finish)
    );
    assert!(b.total_float > 0);
}

#[test]
fn free_float_into_a_summary_finish_is_measured_to_its_first_child_finish() {
    // Regression: X's free float was measured to P's rolled-up finish (day 5) and came out at
    // 4 days, but the FF link binds C too, and C moves as soon as X slips by more than a day.
    check(
        "X 1d
         P 1d after X FF
         C 2d parent=P
         D 5d parent=P",
        expect![[r#"
            X   0..1  late 4..5  float 4 free 1
            P   0..5  late 0..5  float 0 free 0  critical
            C   0..2  late 3..5  float 3 free 3
            D   0..5  late 0..5  float 0 free 0  critical
        "#]],
    );
}

/// Found with the fuzz targets (a 10^13-minute duration, the largest the readers accept): the
/// schedule ran ~19 million years out and the CLI panicked formatting its dates. Such a schedule
/// is refused with an error naming the task; dates at the edges of the range still schedule.
#[test]
fn dates_past_the_year_9999_are_an_error_not_a_panic() {
    let mut plan = parse("A 1d\nB 1d after A");
    plan.tasks[0].duration = 10_000_000_000_000;
    match schedule(&plan) {
        Err(error @ ScheduleError::OutOfRange { .. }) => {
            let message = error.to_string();
            assert!(message.contains("task `A`"), "{message}");
            assert!(message.contains("outside the years 1 to 9999"), "{message}");
        }
        other => panic!("expected out-of-range, got {other:?}"),
    }
    let edge =
        |y: i32, m: u32, d: u32| time::day_start(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
    assert_eq!(FIRST_INSTANT, edge(1, 1, 1));
    assert_eq!(LAST_INSTANT, edge(9999, 12, 31) + time::DAY);
    let mut late = parse("A 2d");
    late.project.start = edge(9999, 12, 1);
    assert!(schedule(&late).is_ok());
    late.project.start = edge(9999, 12, 31);
    assert!(matches!(
        schedule(&late),
        Err(ScheduleError::OutOfRange { .. })
    ));
}

/// Issue 12: a 100 %-done milestone without an actual date was scheduled at the status date, as
/// unfinished work is, with float up to the project finish. It is done: it stays where its
/// links put it (before the status date), with no float.
#[test]
fn a_complete_milestone_without_actual_dates_is_not_placed_after_the_status_date() {
    let mut plan = parse("A 2d\nM 0 after A\nB 20d after A\nC 1d after M, B");
    let status = plan.project.start + 5 * 1440;
    plan.project.status_date = Some(status);
    plan.tasks[0].progress = 1.0;
    plan.tasks[1].progress = 1.0;
    let computed = schedule(&plan).unwrap();
    let (a, m) = (&computed.tasks[0], &computed.tasks[1]);
    assert_eq!(m.start, a.finish, "{m:?}");
    assert!(m.finish <= status, "{m:?}");
    assert_eq!((m.total_float, m.free_float), (0, 0));
    assert!(!m.critical);
    assert_eq!(a.start, plan.project.start);
}

/// A complete task without actual dates that its links would put after the status date is
/// pulled back to finish by it: done work does not lie in the future.
#[test]
fn a_complete_task_without_actual_dates_finishes_by_the_status_date() {
    let mut plan = parse("A 10d\nB 2d after A");
    let status = plan.project.start + 3 * 1440;
    plan.project.status_date = Some(status);
    plan.tasks[1].progress = 1.0;
    let computed = schedule(&plan).unwrap();
    let b = &computed.tasks[1];
    assert!(b.finish <= status, "{b:?}");
    let calendar = WorkCalendar::compile(&plan.calendars, 0).unwrap();
    assert_eq!(calendar.between(b.start, b.finish), 2 * 480);
    assert_eq!(b.total_float, 0);
}
