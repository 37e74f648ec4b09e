//! The plan TOML reader: a full plan read back, and broken inputs with their diagnostics.

use expect_test::{expect, Expect};
use std::fmt::Write;
use waymark_core::time::iso;
use waymark_core::{Lag, Plan};
use waymark_formats::plan::read_plan;

/// Every key field of a plan, one object per line.
fn dump(plan: &Plan) -> String {
    let mut out = String::new();
    let p = &plan.project;
    let _ = writeln!(
        out,
        "project {:?} start {} status {:?} deadline {:?} calendar {} currency {:?} day {}m week {}m month {}d at {:?}",
        p.name,
        iso(p.start),
        p.status_date.map(iso),
        p.deadline.map(iso),
        plan.calendars.get(p.calendar.0).map_or("?", |c| c.id.as_str()),
        p.currency,
        p.minutes_per_day,
        p.minutes_per_week,
        p.days_per_month,
        p.location.map(|l| (l.line, l.column)),
    );
    for (column, limit) in &p.wip_limits {
        let _ = writeln!(out, "  wip limit {} {limit}", column.key());
    }
    for calendar in &plan.calendars {
        let week: Vec<String> = calendar
            .week
            .iter()
            .map(|day| match day {
                None => "inherit".to_string(),
                Some(hours) if hours.is_empty() => "-".to_string(),
                Some(hours) => hours
                    .iter()
                    .map(|i| format!("{}-{}", i.start, i.end))
                    .collect::<Vec<_>>()
                    .join(","),
            })
            .collect();
        let base = calendar
            .base
            .and_then(|b| plan.calendars.get(b))
            .map(|c| c.id.as_str());
        let _ = writeln!(
            out,
            "calendar {} {:?} base {:?} week [{}]",
            calendar.id,
            calendar.name,
            base,
            week.join(" ")
        );
        for exception in &calendar.exceptions {
            let _ = writeln!(
                out,
                "  exception {}..{} {:?}",
                exception.from,
                exception.to,
                exception
                    .hours
                    .iter()
                    .map(|i| (i.start, i.end))
                    .collect::<Vec<_>>()
            );
        }
    }
    for resource in &plan.resources {
        let _ = writeln!(
            out,
            "resource {} {:?} {:?} role {:?} units {} rate {:?} calendar {:?} at {:?}",
            resource.id,
            resource.name,
            resource.kind,
            resource.role,
            resource.units,
            resource.rate,
            resource.calendar.map(|c| c.0),
            resource.location.map(|l| (l.line, l.column)),
        );
    }
    for (index, task) in plan.tasks.iter().enumerate() {
        let _ = write!(
            out,
            "task {index} {} {:?} parent {:?} duration {} estimate {:?} {:?}",
            task.id,
            task.name,
            task.parent.map(|t| t.0),
            task.duration,
            task.estimate,
            task.distribution,
        );
        if task.milestone {
            out.push_str(" milestone");
        }
        if task.as_late_as_possible {
            out.push_str(" alap");
        }
        if let Some(deadline) = task.deadline {
            let _ = write!(out, " deadline {}", iso(deadline));
        }
        if let Some(calendar) = task.calendar {
            let _ = write!(out, " calendar {}", calendar.0);
        }
        if task.priority != 500 {
            let _ = write!(out, " priority {}", task.priority);
        }
        if task.progress != 0.0 {
            let _ = write!(out, " progress {}", task.progress);
        }
        if let Some(start) = task.actual_start {
            let _ = write!(out, " actual_start {}", iso(start));
        }
        if let Some(finish) = task.actual_finish {
            let _ = write!(out, " actual_finish {}", iso(finish));
        }
        if let Some((start, finish)) = task.manual {
            let _ = write!(out, " manual {}..{}", iso(start), iso(finish));
        }
        for assignment in &task.assignments {
            let _ = write!(
                out,
                " assign {}@{}",
                assignment.resource.0, assignment.units
            );
        }
        let _ = writeln!(out, " at {:?}", task.location.map(|l| (l.line, l.column)));
        for constraint in &task.constraints {
            let _ = writeln!(
                out,
                "  {} {} at {:?}",
                constraint.kind.key(),
                iso(constraint.date),
                constraint.location.map(|l| (l.line, l.column))
            );
        }
    }
    for link in &plan.links {
        let lag = match link.lag {
            Lag::Working(m) => format!("working {m}"),
            Lag::Elapsed(m) => format!("elapsed {m}"),
            Lag::Percent(p) => format!("{p} of predecessor"),
        };
        let _ = writeln!(
            out,
            "link {} -> {} {} {lag} at {:?}",
            plan.tasks
                .get(link.predecessor.0)
                .map_or("?", |t| t.id.as_str()),
            plan.tasks
                .get(link.successor.0)
                .map_or("?", |t| t.id.as_str()),
            link.kind.code(),
            link.location.map(|l| (l.line, l.column)),
        );
    }
    for risk in &plan.risks {
        let _ = writeln!(
            out,
            "risk {} {:?} p {} tasks {:?} factor {:?} delay {:?} owner {:?} response {:?} at {:?}",
            risk.id,
            risk.title,
            risk.probability,
            risk.tasks.iter().map(|t| t.0).collect::<Vec<_>>(),
            risk.factor,
            risk.delay,
            risk.owner.map(|r| r.0),
            risk.response,
            risk.location.map(|l| (l.line, l.column)),
        );
        if !risk.is_open() {
            let _ = writeln!(out, "  status {}", risk.status.key());
        }
    }
    out
}

/// Read a plan and show either the dump and warnings, or the rendered diagnostics.
fn check(source: &str, expected: Expect) {
    let got = match read_plan(source) {
        Ok(loaded) => {
            let mut out = dump(&loaded.plan);
            for warning in &loaded.warnings {
                out.push_str(&warning.render("plan.toml"));
                out.push('\n');
            }
            out
        }
        Err(diagnostics) => diagnostics
            .iter()
            .map(|d| d.render("plan.toml") + "\n")
            .collect(),
    };
    expected.assert_eq(&got);
}

#[test]
fn full_plan() {
    check(
        include_str!("plan_full.toml"),
        expect![[r#"
            project "Website launch" start 2027-01-04T09:00:00 status Some("2027-02-16T00:00:00") deadline Some("2027-04-30T18:00:00") calendar office currency Some("EUR") day 480m week 2400m month 20d at Some((2, 2))
              wip limit in_progress 4
              wip limit done 30
            calendar standard "Standard" base None week [480-720,780-1020 480-720,780-1020 480-720,780-1020 480-720,780-1020 480-720,780-1020 - -]
            calendar office "Office" base None week [540-780,840-1080 540-780,840-1080 540-780,840-1080 540-780,840-1080 540-780,840-1080 - -]
              exception 2027-01-01..2027-01-01 []
              exception 2027-04-02..2027-04-05 []
              exception 2027-12-24..2027-12-24 [(540, 720)]
              exception 2027-08-02..2027-08-13 []
            calendar weekend "weekend" base Some("office") week [inherit inherit inherit inherit inherit 600-840 inherit]
            calendar night "night" base None week [1320-1800 1320-1800 1320-1800 1320-1800 1320-1800 - -]
            resource ana "Ana Ruiz" Work role Some("developer") units 1 rate Some(95.0) calendar Some(1) at Some((28, 12))
            resource bob "Bob" Work role None units 0.5 rate Some(80.0) calendar None at Some((35, 12))
            resource concrete "concrete" Material role None units 12 rate None calendar None at Some((40, 12))
            task 0 delivery "Delivery" parent None duration 0 estimate None Pert at Some((44, 8))
            task 1 design "design" parent Some(0) duration 1680 estimate None Pert progress 0.5 actual_start 2027-01-05T09:00:00 assign 0@1 at Some((52, 8))
            task 2 build-api "Build the API" parent Some(0) duration 2400 estimate Some([1440, 2400, 4800]) Triangular deadline 2027-03-01T18:00:00 calendar 2 priority 800 assign 0@1 assign 1@0.5 at Some((60, 8))
              finish_no_later_than 2027-03-10T12:00:00 at Some((67, 1))
            task 3 kickoff "Kick-off" parent None duration 0 estimate None Pert milestone at Some((47, 8))
              start_no_earlier_than 2027-01-05T09:00:00 at Some((50, 1))
            task 4 review "review" parent None duration 240 estimate None Pert alap at Some((72, 8))
            task 5 pour "pour" parent None duration 2400 estimate None Pert calendar 3 progress 1 actual_start 2027-01-04T22:00:00 actual_finish 2027-01-09T00:00:00 at Some((76, 8))
            task 6 site-visit "Site visit with the builders" parent None duration 1200 estimate None Pert manual 2027-02-01T09:00:00..2027-02-03T12:00:00 assign 2@2.5 at Some((82, 8))
            link kickoff -> design FS working 0 at Some((55, 10))
            link design -> build-api FS working 0 at Some((65, 10))
            link kickoff -> build-api SS working 960 at Some((65, 20))
            link review -> build-api FF working -480 at Some((65, 37))
            link pour -> build-api FS elapsed 2880 at Some((65, 53))
            link design -> build-api SS 0.5 of predecessor at Some((65, 68))
            risk vendor-late "Payment provider sandbox arrives late" p 0.3 tasks [2] factor Some([1.1, 1.3, 2.0]) delay Some([960, 2400, 4800]) owner Some(0) response Some(Mitigate) at Some((89, 8))
            risk hosting-quota "Hosting quota too small for launch traffic" p 0.2 tasks [4] factor None delay Some([480, 960, 1920]) owner None response Some(Accept) at Some((98, 8))
              status closed
        "#]],
    );
}

/// The start of every broken plan below: a valid project.
const HEAD: &str = "[project]\nname = \"P\"\nstart = 2027-01-04\n";

fn check_broken(body: &str, expected: Expect) {
    check(&format!("{HEAD}{body}"), expected);
}

#[test]
fn toml_syntax_error_has_a_location() {
    check(
        "[project]\nname = \"P\nstart = 2027-01-04\n",
        expect![[r#"
            plan.toml:2:10: error[toml-syntax]: invalid TOML: invalid basic string, expected `"`
        "#]],
    );
    check(
        "[project]\nstart = 2027-01-04\n[tasks.a]\nduration = \"1d\"\nduration = \"2d\"\n",
        expect![[r#"
        plan.toml:5:1: error[toml-syntax]: invalid TOML: duplicate key `duration` in table `tasks.a`
    "#]],
    );
}

#[test]
fn many_problems_in_one_file_are_all_reported() {
    check_broken(
        r#"
[tasks.build-api]
duraton = "5d"
after = ["design", "qa SS+2x"]

[tasks.qa]
duration = "5x"
after = ["deploy"]
progress = 1.5

[tasks.ship]
milestone = "yes"
resources = ["ana"]
"#,
        expect![[r#"
            plan.toml:6:1: error[unknown-key]: unknown key `duraton` in task `build-api`; did you mean `duration`?
            plan.toml:7:10: error[unknown-task]: task `build-api` is after `design`, which does not exist
            plan.toml:7:20: error[malformed-link]: malformed lag `2x` in link `qa SS+2x`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`
            plan.toml:10:12: error[malformed-duration]: malformed duration `5x`: use a number and a unit m, h, d or w, e.g. `5d` (`duration` of task `qa`)
            plan.toml:11:10: error[unknown-task]: task `qa` is after `deploy`, which does not exist
            plan.toml:12:12: error[out-of-range]: `progress` of task `qa` must be from 0 to 1 (0.4 = 40 % done), found 1.5
            plan.toml:14:8: error[missing-duration]: task `ship` has no duration
              help: add `duration = "5d"`, an `estimate` or `milestone = true`
            plan.toml:15:13: error[wrong-type]: `milestone` in task `ship` must be `true` or `false`, found a string
            plan.toml:16:14: error[unknown-resource]: task `ship` is assigned to `ana`, which is not a resource
        "#]],
    );
}

#[test]
fn project_problems() {
    check(
        "[tasks.a]\nduration = \"1d\"\n",
        expect![[r#"
        plan.toml:1:1: error[missing-key]: the plan has no [project] table; add one with at least `start = 2027-01-04`
    "#]],
    );
    check(
        "[project]\nname = 3\nstart = \"2027-13-01\"\ncalendar = \"ofice\"\nstatus_date = 2027-01-04T09:00:00+01:00\ncurency = \"EUR\"\n[calendars.office]\n",
        expect![[r#"
            plan.toml:2:8: error[wrong-type]: `name` in [project] must be a string, found an integer
            plan.toml:3:9: error[malformed-date]: malformed date `2027-13-01` in `start` of [project]: use YYYY-MM-DD, e.g. `2027-01-04`, or a date-time like `2027-01-04T09:00:00`
            plan.toml:4:12: error[unknown-calendar]: the project uses calendar `ofice`, which does not exist; did you mean `office`?
            plan.toml:5:15: error[malformed-date]: `status_date` in [project] has a time zone offset; plan dates are local times, e.g. `2027-01-04T09:00:00`
            plan.toml:6:1: error[unknown-key]: unknown key `curency` in [project]; did you mean `currency`?
        "#]],
    );
    check(
        "[project]\nname = \"P\"\n",
        expect![[r#"
        plan.toml:1:2: error[missing-key]: [project] has no `start`; add the first day of work, e.g. `start = 2027-01-04`
    "#]],
    );
    check(
        "project = 5\n[task.a]\n",
        expect![[r#"
            plan.toml:1:11: error[wrong-type]: `project` in the plan must be a table, e.g. `[project]`, found an integer
            plan.toml:2:2: error[unknown-key]: unknown key `task` in the plan (top level); did you mean `tasks`?
        "#]],
    );
}

#[test]
fn duration_problems() {
    check_broken(
        r#"
[tasks.a]
duration = 5
[tasks.b]
duration = "2ed"
[tasks.c]
estimate = ["5d", "3d", "10d"]
[tasks.d]
estimate = ["1d", "2d"]
[tasks.e]
[tasks.f]
milestone = true
duration = "2d"
[tasks.g]
milestone = true
duration = "0d"
[tasks.h]
estimate = ["1d", "2d", "4d"]
"#,
        expect![[r#"
            plan.toml:6:12: error[wrong-type]: `duration` in task `a` must be a string like "5d", found an integer
            plan.toml:8:12: error[elapsed-duration]: `2ed` is elapsed time, but this must be working time (m, h, d, w or mo); only link lags may be elapsed (`duration` of task `b`)
            plan.toml:10:12: error[three-point-order]: `estimate` of task `c` must be in the order optimistic <= most likely <= pessimistic, found 5d, 3d, 10d
            plan.toml:12:12: error[wrong-type]: `estimate` in task `d` must be three durations like ["3d", "5d", "10d"] (optimistic, most likely, pessimistic), found 2 values
            plan.toml:13:8: error[missing-duration]: task `e` has no duration
              help: add `duration = "5d"`, an `estimate` or `milestone = true`
            plan.toml:16:12: error[milestone-duration]: task `f` is a milestone but has a non-zero duration; a milestone takes no time
              help: remove the duration, or remove `milestone = true`
        "#]],
    );
}

#[test]
fn link_problems() {
    check_broken(
        r#"
[tasks.phase]
[tasks.a]
parent = "phase"
duration = "1d"
after = ["a", "phase", "b", "b FS", "b SS", "desing", "b XX", 7]
[tasks.b]
parent = "phase"
duration = "1d"
[tasks.c]
duration = "1d"
after = "phase FF+1d"
"#,
        expect![[r#"
            plan.toml:9:10: error[self-link]: task `a` is linked to itself
            plan.toml:9:15: error[link-to-ancestor]: task `a` is after `phase`, which is its own summary task
              help: a summary task spans its subtasks; link tasks outside the summary instead
            plan.toml:9:29: warning[duplicate-link]: task `a` is after `b` (FS) more than once; the repeat is ignored
            plan.toml:9:45: error[unknown-task]: task `a` is after `desing`, which does not exist
            plan.toml:9:55: error[malformed-link]: malformed link `b XX`: after the task id write a link type FS, SS, FF or SF and/or a signed lag, e.g. `b SS+2d` or `b -1d`
            plan.toml:9:63: error[wrong-type]: `after` in task `a` must be a list of links like ["design", "kickoff SS+2d"], found an integer
        "#]],
    );
}

/// Found with the `plan_reader` fuzz target (a hand-made input): a huge percentage lag
/// overflowed the scheduler's working-time arithmetic. It is refused with a clear error; the
/// largest allowed lag reads and schedules.
#[test]
fn huge_percentage_lags_are_refused() {
    check_broken(
        r#"
[tasks.a]
duration = "1d"
[tasks.b]
duration = "1d"
after = ["a FS+100000000000000000000000000000%", "a SS -10001%"]
"#,
        expect![[r#"
            plan.toml:9:10: error[malformed-link]: lag `+100000000000000000000000000000%` in link `a FS+100000000000000000000000000000%` is too large: a percentage lag may be at most 10000% of the predecessor's duration
            plan.toml:9:50: error[malformed-link]: lag `-10001%` in link `a SS -10001%` is too large: a percentage lag may be at most 10000% of the predecessor's duration
        "#]],
    );
    let largest = format!(
        "{HEAD}[tasks.a]\nduration = \"10000000000000m\"\n[tasks.b]\nduration = \"1d\"\n\
         after = [\"a FS+10000%\"]\n[tasks.c]\nduration = \"1d\"\nafter = [\"a SS-10000%\"]\n"
    );
    let loaded = read_plan(&largest).unwrap_or_else(|d| panic!("{d:?}"));
    assert!(waymark_core::doctor::dependency_cycles(&loaded.plan).is_empty());
    // Ten million years of lag: refused by the scheduler, without a panic.
    assert!(matches!(
        waymark_core::schedule(&loaded.plan),
        Err(waymark_core::ScheduleError::OutOfRange { .. })
    ));
    let loaded =
        read_plan(&largest.replace("10000000000000m", "20d")).unwrap_or_else(|d| panic!("{d:?}"));
    assert!(waymark_core::schedule(&loaded.plan).is_ok());
}

#[test]
fn outline_problems() {
    check_broken(
        r#"
[tasks.x]
parent = "z"
duration = "1d"
[tasks.y]
parent = "x"
duration = "1d"
[tasks.z]
parent = "y"
duration = "1d"
[tasks.lonely]
parent = "nobody"
duration = "1d"
[tasks.me]
parent = "me"
duration = "1d"
[tasks.summary]
duration = "3d"
estimate = ["1d", "2d", "3d"]
[tasks.child]
parent = "summary"
duration = "1d"
"#,
        expect![[r#"
            plan.toml:6:10: error[parent-cycle]: tasks are each other's parents in a cycle: `x` → `z` → `y` → `x` (each task's `parent` points to the next)
            plan.toml:7:12: warning[summary-duration]: task `x` is a summary task (other tasks name it as parent); its `duration` is ignored because its dates come from its subtasks
            plan.toml:10:12: warning[summary-duration]: task `y` is a summary task (other tasks name it as parent); its `duration` is ignored because its dates come from its subtasks
            plan.toml:15:10: error[unknown-task]: task `lonely` has parent `nobody`, which does not exist
            plan.toml:18:10: error[parent-cycle]: task `me` names itself as its parent
            plan.toml:21:12: warning[summary-duration]: task `summary` is a summary task (other tasks name it as parent); its `duration` is ignored because its dates come from its subtasks
            plan.toml:22:12: warning[summary-duration]: task `summary` is a summary task (other tasks name it as parent); its `estimate` is ignored because its dates come from its subtasks
        "#]],
    );
}

#[test]
fn manual_task_and_resource_kind_problems() {
    check_broken(
        r#"
[resources.sand]
kind = "gravel"
[tasks.a]
duration = "1d"
manual_start = 2027-01-05
[tasks.b]
duration = "1d"
manual_finish = 2027-01-05
[tasks.c]
duration = "1d"
manual_start = 2027-01-06
manual_finish = 2027-01-05
[tasks.d]
duration = "1d"
manual_start = "soon"
manual_finish = 2027-01-05
"#,
        expect![[r#"
            plan.toml:6:8: error[unknown-value]: unknown kind `gravel` in resource `sand`: use work, material or cost
            plan.toml:9:1: error[missing-key]: task `a` has `manual_start` but no `manual_finish`; a manually scheduled task needs both
            plan.toml:12:1: error[missing-key]: task `b` has `manual_finish` but no `manual_start`; a manually scheduled task needs both
            plan.toml:16:17: error[malformed-date]: task `c` has manual_finish 2027-01-05 17:00 before its manual_start 2027-01-06 08:00
            plan.toml:19:16: error[malformed-date]: malformed date `soon` in `manual_start` of task `d`: use YYYY-MM-DD, e.g. `2027-01-04`, or a date-time like `2027-01-04T09:00:00`
        "#]],
    );
}

#[test]
fn constraint_and_progress_problems() {
    check_broken(
        r#"
[tasks.a]
duration = "1d"
start_no_earlier_than = 2027-02-10
start_no_later_than = 2027-02-01
[tasks.b]
duration = "1d"
finish_no_earlier_than = 2027-03-10
finish_no_later_than = 2027-03-01
[tasks.c]
duration = "5d"
must_start_on = 2027-01-04
must_finish_on = 2027-01-07
[tasks.d]
duration = "5d"
must_start_on = 2027-01-04
must_finish_on = 2027-01-08
start_no_earlier_than = 2027-01-05
[tasks.e]
duration = "2d"
actual_start = 2027-01-06
actual_finish = 2027-01-05
[tasks.f]
duration = "2d"
actual_finish = 2027-01-05
progress = 0.5
[tasks.g]
duration = "2d"
actual_finish = 2027-01-05
priority = 1001
distribution = "normal"
as_late_as_possible = "yes"
deadline = "next week"
"#,
        expect![[r#"
            plan.toml:8:1: error[impossible-constraint]: task `a` has start_no_earlier_than 2027-02-10 08:00 and start_no_later_than 2027-02-01 08:00: no start satisfies both
            plan.toml:12:1: error[impossible-constraint]: task `b` has finish_no_earlier_than 2027-03-10 17:00 and finish_no_later_than 2027-03-01 17:00: no finish satisfies both
            plan.toml:16:1: error[impossible-constraint]: task `c` must start on 2027-01-04 08:00 and finish on 2027-01-07 17:00, but its duration 5d from that start finishes on 2027-01-08 17:00
            plan.toml:21:1: error[impossible-constraint]: task `d` has start_no_earlier_than 2027-01-05 08:00 and must_start_on 2027-01-04 08:00: no start satisfies both
            plan.toml:25:17: error[inconsistent-actuals]: task `e` has actual_finish 2027-01-05 17:00 before its actual_start 2027-01-06 08:00
            plan.toml:29:12: error[inconsistent-actuals]: task `f` has an actual_finish but progress 0.5; a finished task has progress 1
              help: set `progress = 1` or leave it out, or remove `actual_finish`
            plan.toml:33:12: error[out-of-range]: `priority` of task `g` must be from 0 to 1000 (default 500), found 1001
            plan.toml:34:16: error[unknown-value]: unknown distribution `normal` in task `g`: use pert, triangular or uniform
            plan.toml:35:23: error[wrong-type]: `as_late_as_possible` in task `g` must be `true` or `false`, found a string
            plan.toml:36:12: error[malformed-date]: malformed date `next week` in `deadline` of task `g`: use YYYY-MM-DD, e.g. `2027-01-04`, or a date-time like `2027-01-04T09:00:00`
        "#]],
    );
}

#[test]
fn calendar_problems() {
    check_broken(
        r#"
[calendars.empty]
days = []
[calendars.typo]
days = ["mon", "thurs", "fri"]
hours = ["08:00-12:00", "8-12", "11:00-13:00"]
holidays = [2027-01-01, "2027-04-05..2027-04-02", "2027-13-01", 2027-05-01T09:00:00, "0207-01-01"]
exceptions = [{ date = 2027-12-24, hour = [] }, { hours = [] }, 5]
[calendars.loop1]
base = "loop2"
[calendars.loop2]
base = "loop1"
[calendars.orphan]
base = "nowhere"
[calendars.week]
[calendars.week.week]
mon = ["09:00-17:00"]
sat = "09:00-12:00"
sunday = []
[resources.ana]
calendar = "nowhere"
units = 0
rate = -5
[tasks.a]
duration = "1d"
calendar = "standrd"
resources = ["ana 50%", "bob", "ana", "ana 0%", "ana half"]
"#,
        expect![[r#"
            plan.toml:5:12: error[calendar-no-working-time]: calendar `empty` has no working time in its week
              help: give at least one day working hours, e.g. `days = ["mon"]` and `hours = ["08:00-12:00"]`
            plan.toml:8:16: error[unknown-value]: unknown weekday `thurs` in calendar `typo`: use mon, tue, wed, thu, fri, sat or sun
            plan.toml:9:9: error[malformed-hours]: working hours in `hours` of calendar `typo` overlap; list each working minute once
            plan.toml:9:25: error[malformed-hours]: malformed working hours `8-12` in calendar `typo`: use `HH:MM-HH:MM`, e.g. `08:00-12:00` (an interval like `22:00-06:00` crosses midnight)
            plan.toml:10:25: error[malformed-date]: holiday range in calendar `typo` ends (2027-04-02) before it starts (2027-04-05)
            plan.toml:10:51: error[malformed-date]: malformed holiday `2027-13-01` in calendar `typo`: use a date like `2027-01-01` or a range like `2027-04-02..2027-04-05`
            plan.toml:10:65: error[malformed-date]: holidays in calendar `typo` are whole days: write a date without a time
            plan.toml:10:86: error[out-of-range]: date 0207-01-01 in calendar `typo` is outside the years 1900-2200 that calendars support
            plan.toml:11:36: error[unknown-key]: unknown key `hour` in an exception of calendar `typo`; did you mean `hours`?
            plan.toml:11:49: error[missing-key]: an exception of calendar `typo` needs either `date` or `from` and `to`, e.g. `{ date = 2027-12-24, hours = [] }`
            plan.toml:11:65: error[wrong-type]: `exceptions` in calendar `typo` must be a list of tables like [{ date = 2027-12-24, hours = ["08:00-12:00"] }], found an integer
            plan.toml:14:12: error[calendar-base-cycle]: calendars derive from each other in a cycle: `loop1` → `loop2` → `loop1`
            plan.toml:17:8: error[unknown-calendar]: calendar `orphan` has base `nowhere`, which does not exist
            plan.toml:21:7: error[wrong-type]: `sat` in the `week` table of calendar `week` must be a list of working hours like ["08:00-12:00", "13:00-17:00"], found a string
            plan.toml:22:1: error[unknown-key]: unknown key `sunday` in the `week` table of calendar `week`
              help: known keys: mon, tue, wed, thu, fri, sat, sun
            plan.toml:24:12: error[unknown-calendar]: resource `ana` uses calendar `nowhere`, which does not exist
            plan.toml:25:9: error[out-of-range]: `units` of resource `ana` must be more than 0 (1.0 is full time), found 0
            plan.toml:26:8: error[out-of-range]: `rate` of resource `ana` must not be negative, found -5
            plan.toml:29:12: error[unknown-calendar]: task `a` uses calendar `standrd`, which does not exist; did you mean `standard`?
            plan.toml:30:25: error[unknown-resource]: task `a` is assigned to `bob`, which is not a resource
            plan.toml:30:32: warning[duplicate-assignment]: task `a` lists resource `ana` more than once; the repeat is ignored
            plan.toml:30:39: error[out-of-range]: units of assignment `ana 0%` in task `a` must be more than 0 %
            plan.toml:30:49: error[malformed-assignment]: malformed assignment `ana half` in task `a`: write a resource id and optional units, e.g. `ana` or `bob 50%`
        "#]],
    );
}

#[test]
fn risk_problems() {
    check_broken(
        r#"
[resources.ana]
[tasks.a]
duration = "1d"
[risks.r1]
probability = 1.3
tasks = ["a", "b"]
factor = [2.0, 1.5, 1.0]
delay = ["1d", "2ed", "3d"]
owner = "bob"
response = "mitigat"
[risks.r2]
title = "No probability"
factor = [0, 1, 2]
[risks.r3]
probability = 0.1
factor = [1.0, 2.0]
delay = ["3d", "2d", "1d"]
response = "ignore"
"#,
        expect![[r#"
            plan.toml:9:15: error[out-of-range]: `probability` of risk `r1` must be from 0 to 1 (0.3 = 30 %), found 1.3
            plan.toml:10:15: error[unknown-task]: risk `r1` affects task `b`, which does not exist; did you mean `a`?
            plan.toml:11:10: error[three-point-order]: `factor` of risk `r1` must be in the order optimistic <= most likely <= pessimistic, found 2, 1.5, 1
            plan.toml:12:16: error[elapsed-duration]: `2ed` is elapsed time, but this must be working time (m, h, d, w or mo); only link lags may be elapsed (`delay` of risk `r1`)
            plan.toml:13:9: error[unknown-resource]: risk `r1` is owned by `bob`, which is not a resource
            plan.toml:14:12: error[unknown-value]: unknown response `mitigat` in risk `r1`: use avoid, mitigate, transfer or accept; did you mean `mitigate`?
            plan.toml:15:8: error[missing-key]: risk `r2` has no `probability`; add one from 0 to 1, e.g. `probability = 0.3`
            plan.toml:17:10: error[out-of-range]: `factor` of risk `r2` must be more than 0
            plan.toml:20:10: error[wrong-type]: `factor` in risk `r3` must be three numbers like [1.1, 1.3, 2.0], found 2 values
            plan.toml:21:9: error[three-point-order]: `delay` of risk `r3` must be in the order optimistic <= most likely <= pessimistic, found 3d, 2d, 1d
            plan.toml:22:12: error[unknown-value]: unknown response `ignore` in risk `r3`: use avoid, mitigate, transfer or accept
        "#]],
    );
}

#[test]
fn risk_status_and_wip_limit_problems() {
    check(
        r#"[project]
start = 2027-01-04
wip_limits = { in_progress = 0, review = 2, done = 2.5, not_started = "many" }
[risks.r1]
probability = 0.1
status = "clsoed"
[risks.r2]
probability = 0.1
status = true
"#,
        expect![[r#"
            plan.toml:3:30: error[out-of-range]: `in_progress` in `wip_limits` of [project] must be from 1 to 10000, found 0
            plan.toml:3:33: error[unknown-key]: unknown key `review` in `wip_limits` of [project]
              help: known keys: not_started, in_progress, done
            plan.toml:3:52: error[wrong-type]: `done` in `wip_limits` of [project] must be a whole number like 4, found a float
            plan.toml:3:71: error[wrong-type]: `not_started` in `wip_limits` of [project] must be a whole number like 4, found a string
            plan.toml:6:10: error[unknown-value]: unknown status `clsoed` in risk `r1`: use open or closed; did you mean `closed`?
            plan.toml:9:10: error[wrong-type]: `status` in risk `r2` must be "open" or "closed", found a boolean
        "#]],
    );
    check(
        "[project]\nstart = 2027-01-04\nwip_limits = 3\n",
        expect![[r#"
            plan.toml:3:14: error[wrong-type]: `wip_limits` in [project] must be a table of board columns and limits, e.g. `wip_limits = { in_progress = 4 }`, found an integer
        "#]],
    );
    check(
        "[project]\nstart = 2027-01-04\n[project.wip_limits]\nin_progres = 3\n",
        expect![[r#"
            plan.toml:4:1: error[unknown-key]: unknown key `in_progres` in `wip_limits` of [project]; did you mean `in_progress`?
        "#]],
    );
}

#[test]
fn warnings_do_not_stop_reading() {
    check_broken(
        r#"
[tasks.phase]
duration = "2d"
[tasks.a]
parent = "phase"
duration = "1d"
[tasks.b]
duration = "1d"
after = ["a", "a"]
"#,
        expect![[r#"
            project "P" start 2027-01-04T08:00:00 status None deadline None calendar standard currency None day 480m week 2400m month 20d at Some((1, 2))
            calendar standard "Standard" base None week [480-720,780-1020 480-720,780-1020 480-720,780-1020 480-720,780-1020 480-720,780-1020 - -]
            task 0 phase "phase" parent None duration 0 estimate None Pert at Some((5, 8))
            task 1 a "a" parent Some(0) duration 480 estimate None Pert at Some((7, 8))
            task 2 b "b" parent None duration 480 estimate None Pert at Some((10, 8))
            link a -> b FS working 0 at Some((12, 10))
            plan.toml:6:12: warning[summary-duration]: task `phase` is a summary task (other tasks name it as parent); its `duration` is ignored because its dates come from its subtasks
            plan.toml:12:15: warning[duplicate-link]: task `b` is after `a` (FS) more than once; the repeat is ignored
        "#]],
    );
}

#[test]
fn odd_inputs_never_panic() {
    let mut out = String::new();
    for source in [
        "",
        "\u{feff}",
        "[project]\nstart = 0000-01-01\n",
        "[project]\nstart = 9999-12-31T23:59:59\n[tasks.a]\nduration = \"99999999w\"\n",
        "[project]\nstart = 2027-01-04\n[tasks]\na = 1\n\"ü\" = { duration = \"1d\", after = [\"ü FS+1e\"] }\n",
        "[project]\nstart = 2027-01-04\n[[tasks]]\nname = \"a\"\n",
        "[project]\nstart = 2027-01-04\n[calendars.standard]\nhours = []\n[tasks.a]\nduration = \"1d\"\nstart_no_earlier_than = 2027-01-05\n",
        "[project]\nstart = 2027-01-04\ncalendar = \"x\"\n[calendars.x]\nbase = \"x\"\n",
        "[project]\nstart = 2027-01-04\n[tasks.a]\nduration = \"1d\"\nafter = [\"a\", \"\", \" \", \"+\", \"a SS+\"]\n",
        "[project]\nstart = 2027-01-04\n[tasks.a]\nmilestone = true\nestimate = [\"0d\", \"0d\", \"0d\"]\n[tasks.b]\nduration = \"1d\"\nafter = [\"a FS+100%\", \"a FS-1000000ew\"]\n",
    ] {
        out.push_str(&format!("--- {source:?}\n"));
        match read_plan(source) {
            Ok(loaded) => {
                out.push_str(&format!("ok: {} tasks\n", loaded.plan.tasks.len()));
                for warning in loaded.warnings {
                    out.push_str(&(warning.render("plan.toml") + "\n"));
                }
            }
            Err(diagnostics) => {
                for diagnostic in diagnostics {
                    out.push_str(&(diagnostic.render("plan.toml") + "\n"));
                }
            }
        }
    }
    expect![[r#"
        --- ""
        plan.toml:1:1: error[missing-key]: the plan has no [project] table; add one with at least `start = 2027-01-04`
        --- "\u{feff}"
        plan.toml:1:1: error[missing-key]: the plan has no [project] table; add one with at least `start = 2027-01-04`
        --- "[project]\nstart = 0000-01-01\n"
        ok: 0 tasks
        --- "[project]\nstart = 9999-12-31T23:59:59\n[tasks.a]\nduration = \"99999999w\"\n"
        ok: 1 tasks
        --- "[project]\nstart = 2027-01-04\n[tasks]\na = 1\n\"ü\" = { duration = \"1d\", after = [\"ü FS+1e\"] }\n"
        plan.toml:4:1: error[wrong-type]: task `a` must be a table of keys, e.g. `[tasks.a]`, found an integer
        plan.toml:5:35: error[malformed-link]: malformed lag `1e` in link `ü FS+1e`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`
        --- "[project]\nstart = 2027-01-04\n[[tasks]]\nname = \"a\"\n"
        plan.toml:3:1: error[wrong-type]: `tasks` in the plan must be a table of tables, e.g. `[tasks.some-id]`, found an array of tables
        --- "[project]\nstart = 2027-01-04\n[calendars.standard]\nhours = []\n[tasks.a]\nduration = \"1d\"\nstart_no_earlier_than = 2027-01-05\n"
        plan.toml:3:12: error[calendar-no-working-time]: calendar `standard` has no working time in its week
          help: give at least one day working hours, e.g. `days = ["mon"]` and `hours = ["08:00-12:00"]`
        --- "[project]\nstart = 2027-01-04\ncalendar = \"x\"\n[calendars.x]\nbase = \"x\"\n"
        plan.toml:5:8: error[calendar-base-cycle]: calendar `x` names itself as its base
        --- "[project]\nstart = 2027-01-04\n[tasks.a]\nduration = \"1d\"\nafter = [\"a\", \"\", \" \", \"+\", \"a SS+\"]\n"
        plan.toml:5:10: error[self-link]: task `a` is linked to itself
        plan.toml:5:15: error[malformed-link]: empty link: write the id of the predecessor task, e.g. `design` or `design FS+2d`
        plan.toml:5:19: error[malformed-link]: empty link: write the id of the predecessor task, e.g. `design` or `design FS+2d`
        plan.toml:5:24: error[unknown-task]: task `a` is after `+`, which does not exist; did you mean `a`?
        plan.toml:5:29: error[malformed-link]: malformed lag `` in link `a SS+`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`
        --- "[project]\nstart = 2027-01-04\n[tasks.a]\nmilestone = true\nestimate = [\"0d\", \"0d\", \"0d\"]\n[tasks.b]\nduration = \"1d\"\nafter = [\"a FS+100%\", \"a FS-1000000ew\"]\n"
        ok: 2 tasks
        plan.toml:8:23: warning[duplicate-link]: task `b` is after `a` (FS) more than once; the repeat is ignored
    "#]].assert_eq(&out);
}

#[test]
fn calendar_derivation_and_day_length() {
    check(
        r#"
[project]
start = 2027-01-04
status_date = "2027-01-06"
calendar = "four-tens"

[calendars.four-tens]
days = ["mon", "tue", "wed", "thu"]
hours = ["07:00-12:00", "12:30-17:30"]

[calendars.late]
base = "four-tens"
hours = ["12:00-20:00"]

[calendars.fridays]
base = "four-tens"
days = ["fri"]

[calendars.standard]
name = "Company standard"
days = ["monday", "Tuesday", "wed", "thu", "fri"]
[[calendars.standard.exceptions]]
from = 2027-12-27
to = 2027-12-31
[[calendars.standard.exceptions]]
date = "2027-12-24"
hours = ["08:00-12:00"]

[tasks.a]
duration = "1d"
start_no_earlier_than = 2027-01-07
finish_no_later_than = 2027-01-07
[tasks.b]
duration = "1w"
calendar = "standard"
must_start_on = 2027-12-24
[tasks.c]
duration = "0.5mo"
calendar = "late"
after = "a FS + 1ew"
"#,
        expect![[r#"
            project "" start 2027-01-04T07:00:00 status Some("2027-01-07T00:00:00") deadline None calendar four-tens currency None day 600m week 3000m month 20d at Some((2, 2))
            calendar four-tens "four-tens" base None week [420-720,750-1050 420-720,750-1050 420-720,750-1050 420-720,750-1050 - - -]
            calendar late "late" base Some("four-tens") week [720-1200 720-1200 720-1200 720-1200 - - -]
            calendar fridays "fridays" base Some("four-tens") week [- - - - 420-720,750-1050 - -]
            calendar standard "Company standard" base None week [480-720,780-1020 480-720,780-1020 480-720,780-1020 480-720,780-1020 480-720,780-1020 - -]
              exception 2027-12-27..2027-12-31 []
              exception 2027-12-24..2027-12-24 [(480, 720)]
            task 0 a "a" parent None duration 600 estimate None Pert at Some((29, 8))
              start_no_earlier_than 2027-01-07T07:00:00 at Some((31, 1))
              finish_no_later_than 2027-01-07T17:30:00 at Some((32, 1))
            task 1 b "b" parent None duration 3000 estimate None Pert calendar 3 at Some((33, 8))
              must_start_on 2027-12-24T08:00:00 at Some((36, 1))
            task 2 c "c" parent None duration 6000 estimate None Pert calendar 1 at Some((37, 8))
            link a -> c FS elapsed 10080 at Some((40, 9))
        "#]],
    );
}

/// Every prefix of a valid plan, and the plan with each line removed, reads without a panic.
#[test]
fn truncated_and_damaged_plans_never_panic() {
    let source = include_str!("plan_full.toml");
    assert!(read_plan(source).is_ok(), "the fixture itself is valid");
    for (offset, _) in source.char_indices() {
        let _ = read_plan(&source[..offset]);
    }
    let lines: Vec<&str> = source.lines().collect();
    for skip in 0..lines.len() {
        let damaged: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != skip)
            .map(|(_, line)| *line)
            .collect();
        let _ = read_plan(&damaged.join("\n"));
    }
    let deep = format!("[project]\nstart = 2027-01-04\nx = {}", "[".repeat(5000));
    assert!(read_plan(&deep).is_err());
}
