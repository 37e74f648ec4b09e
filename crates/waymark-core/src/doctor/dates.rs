//! Date red flags: progress recorded out of sequence or outside the project's window (DCMA's
//! "invalid dates"), finished tasks without actual dates, and schedules that land at absurd
//! dates (before 1900, decades after the start) with the calendar that pushed them there.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{LinkKind, Plan, Task, TaskId};
use crate::schedule::{Schedule, TaskCalendars};
use crate::time::{self, Instant, DAY};

/// Dates before this year are flagged as implausible.
pub const EARLIEST_YEAR: i32 = 1900;
/// Dates more than this many years after the project start are flagged as implausible.
pub const HORIZON_YEARS: i64 = 50;
/// A task whose duration is more than this many years of working time is flagged.
pub const LONGEST_TASK_YEARS: i64 = 10;
/// At most this many diagnostics per code name single tasks; one more says how many were left.
const PER_CODE: usize = 10;

fn is_complete(task: &Task) -> bool {
    task.actual_finish.is_some() || task.progress >= 1.0
}

/// The name a person knows a calendar by.
fn calendar_label(plan: &Plan, index: usize) -> String {
    plan.calendars.get(index).map_or_else(
        || "(unknown)".to_string(),
        |c| {
            if c.name.is_empty() || c.name == c.id {
                format!("`{}`", c.id)
            } else {
                format!("`{}` ({})", c.id, c.name)
            }
        },
    )
}

/// The calendars a task is scheduled on, as Microsoft Project picks them: its own, else its
/// work resources', else the project's.
fn calendars_of(plan: &Plan, task: &Task) -> String {
    if let Some(calendar) = task.calendar {
        return format!("calendar {}", calendar_label(plan, calendar.0));
    }
    let mut own: Vec<usize> = task
        .assignments
        .iter()
        .filter_map(|a| plan.resources.get(a.resource.0))
        .filter(|r| r.kind == crate::model::ResourceKind::Work)
        .map(|r| r.calendar.map_or(plan.project.calendar.0, |c| c.0))
        .collect();
    own.sort_unstable();
    own.dedup();
    if own.is_empty() {
        own.push(plan.project.calendar.0);
    }
    let names: Vec<String> = own.iter().map(|&c| calendar_label(plan, c)).collect();
    if names.len() == 1 {
        format!("calendar {}", names[0])
    } else {
        format!("calendars {}", names.join(", "))
    }
}

/// Keeps at most [`PER_CODE`] diagnostics of each code, then one that counts the rest.
fn capped(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut counts: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let mut last: std::collections::BTreeMap<&'static str, Severity> = Default::default();
    for diagnostic in diagnostics {
        let count = counts.entry(diagnostic.code).or_insert(0);
        *count += 1;
        last.insert(diagnostic.code, diagnostic.severity);
        if *count <= PER_CODE {
            out.push(diagnostic);
        }
    }
    for (code, count) in counts {
        if count > PER_CODE {
            out.push(Diagnostic {
                severity: last.get(code).copied().unwrap_or(Severity::Warning),
                ..Diagnostic::warning(
                    code,
                    format!(
                        "… and {} more tasks with the same problem",
                        count - PER_CODE
                    ),
                )
            });
        }
    }
    out
}

/// Progress that contradicts the links or the status date (DCMA's invalid dates): actual dates
/// after the status date or before the project start, work started or finished before a
/// finish-to-start or start-to-start predecessor allows (out-of-sequence progress), and
/// complete tasks without actual dates.
pub fn progress_flags(plan: &Plan) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let status = plan.project.status_date;
    let summary = plan.summaries();
    for (index, task) in plan.tasks.iter().enumerate() {
        if summary[index] {
            continue;
        }
        for (what, date) in [
            ("actual start", task.actual_start),
            ("actual finish", task.actual_finish),
        ] {
            let Some(date) = date else { continue };
            if let Some(status) = status.filter(|&s| date > s) {
                out.push(
                    Diagnostic::warning(
                        "actual-after-status-date",
                        format!(
                            "`{}` has an {what} of {}, after the status date {}: actual dates \
                             record what has happened",
                            task.id,
                            time::iso(date),
                            time::iso(status)
                        ),
                    )
                    .at(task.location)
                    .with_help("correct the actual date, or move the status date forward"),
                );
            }
            if date < plan.project.start {
                out.push(
                    Diagnostic::warning(
                        "actual-before-project-start",
                        format!(
                            "`{}` has an {what} of {}, before the project starts on {}",
                            task.id,
                            time::iso(date),
                            time::iso(plan.project.start)
                        ),
                    )
                    .at(task.location)
                    .with_help("correct the actual date, or move the project start back"),
                );
            }
        }
        if task.progress >= 1.0 && task.actual_start.is_none() && task.actual_finish.is_none() {
            out.push(
                Diagnostic::warning(
                    "complete-without-actuals",
                    format!(
                        "`{}` is 100 % complete but has no actual start or finish: its \
                         scheduled dates stand in for when it happened",
                        task.id
                    ),
                )
                .at(task.location)
                .with_help("record actual_start and actual_finish"),
            );
        }
    }
    for link in &plan.links {
        let (p, s) = (
            &plan.tasks[link.predecessor.0],
            &plan.tasks[link.successor.0],
        );
        if summary[link.predecessor.0] || summary[link.successor.0] {
            continue;
        }
        let successor_began = s.actual_start.or(s.actual_finish);
        let Some(began) = successor_began else {
            continue;
        };
        // What the predecessor had to reach first: its finish (FS) or its start (SS).
        let (needed, reached) = match link.kind {
            LinkKind::FinishToStart => ("finished", p.actual_finish),
            LinkKind::StartToStart => ("started", p.actual_start.or(p.actual_finish)),
            _ => continue,
        };
        let reached_in_time = match reached {
            Some(date) => date <= began,
            // Done without dates: `complete-without-actuals` says so; nothing to compare.
            None => is_complete(p),
        };
        if reached_in_time {
            continue;
        }
        let when = match reached {
            Some(date) => format!("on {}", time::iso(date)),
            None => "(it has no actual date)".to_string(),
        };
        out.push(
            Diagnostic::warning(
                "out-of-sequence",
                format!(
                    "out-of-sequence progress: `{}` started on {}, before its predecessor `{}` \
                     {needed} {when}",
                    s.id,
                    time::iso(began),
                    p.id
                ),
            )
            .at(link.location.or(s.location))
            .with_help(format!(
                "correct the actual dates, or change the link if `{}` really could begin first",
                s.id
            )),
        );
    }
    capped(out)
}

/// The plausible window: from 1900-01-01 to [`HORIZON_YEARS`] after the project start.
pub fn plausible_window(plan: &Plan) -> (Instant, Instant) {
    let earliest =
        chrono::NaiveDate::from_ymd_opt(EARLIEST_YEAR, 1, 1).map_or(Instant::MIN, time::day_start);
    let latest = plan
        .project
        .start
        .saturating_add(HORIZON_YEARS * 36_525 / 100 * DAY);
    (earliest, latest)
}

/// Dates no plan means: a project or task before 1900 or more than [`HORIZON_YEARS`] after the
/// project start, and tasks longer than [`LONGEST_TASK_YEARS`] of working time. When a
/// calendar's non-working time stretched the task (or has no working time until then), the
/// message names the calendar.
pub fn implausible_dates(plan: &Plan, schedule: &Schedule) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let (earliest, latest) = plausible_window(plan);
    let outside = |t: Instant| t < earliest || t > latest;
    if plan.project.start < earliest {
        out.push(
            Diagnostic::warning(
                "implausible-date",
                format!(
                    "the project starts on {}, before {EARLIEST_YEAR}",
                    time::iso(plan.project.start)
                ),
            )
            .at(plan.project.location)
            .with_help("check the year of the project start"),
        );
    }
    let summary = plan.summaries();
    let calendars = TaskCalendars::new(plan).ok();
    let per_day = plan.project.minutes_per_day.max(1);
    let longest = LONGEST_TASK_YEARS * 52 * plan.project.minutes_per_week.max(1);
    for (index, (task, dates)) in plan.tasks.iter().zip(&schedule.tasks).enumerate() {
        if summary[index] {
            continue;
        }
        if task.duration > longest {
            out.push(
                Diagnostic::warning(
                    "implausible-duration",
                    format!(
                        "`{}` lasts {} working days, more than {LONGEST_TASK_YEARS} years",
                        task.id,
                        crate::days::days(task.duration, per_day)
                    ),
                )
                .at(task.location)
                .with_help("check the duration's unit (5d, not 5000d) or split the task"),
            );
        }
        let (start, finish) = (dates.start, dates.finish);
        if !outside(start) && !outside(finish) {
            continue;
        }
        let date = if outside(start) { start } else { finish };
        let which = if outside(start) { "starts" } else { "finishes" };
        let limit = if date < earliest {
            format!("before {EARLIEST_YEAR}")
        } else {
            format!(
                "more than {HORIZON_YEARS} years after the project start {}",
                time::iso(plan.project.start)
            )
        };
        // Did non-working time put it there? Either the calendar has no working time from
        // the project start until after the window, or it stretched the task far beyond its
        // length (more than three times the calendar days a five-day week needs, plus a month).
        let calendar = calendars.as_ref().map(|c| c.of(TaskId(index)));
        let first_work = calendar.map(|c| c.snap_start(plan.project.start, false));
        let working_days = task.duration / per_day;
        let elapsed_days = (finish - start) / DAY;
        let stretched = elapsed_days > 3 * (working_days * 7 / 5) + 30;
        let blamed = first_work.is_some_and(|t| t > latest) || (stretched && date > latest);
        let mut message = format!("`{}` {which} on {}, {limit}", task.id, time::iso(date));
        let help = if blamed {
            message.push_str(&format!(
                ": the non-working time of its {} pushed it there",
                calendars_of(plan, task)
            ));
            "check that calendar's holidays and working weeks (a holiday range with a wrong \
             year, or a resource calendar without working time)"
        } else {
            "check the dates, durations, lags and constraints that lead to it"
        };
        out.push(
            Diagnostic::warning("implausible-date", message)
                .at(task.location)
                .with_help(help),
        );
    }
    capped(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Calendar, CalendarException};
    use crate::schedule::tests::parse;

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code).collect()
    }

    fn find<'a>(diagnostics: &'a [Diagnostic], code: &str) -> Vec<&'a Diagnostic> {
        diagnostics.iter().filter(|d| d.code == code).collect()
    }

    #[test]
    fn a_plan_with_consistent_progress_has_no_progress_flags() {
        let mut plan = parse("A 2d\nB 2d after A");
        let day = |d: i64| plan.project.start + d * DAY;
        plan.project.status_date = Some(day(6));
        plan.tasks[0].actual_start = Some(day(0));
        plan.tasks[0].actual_finish = Some(day(2));
        plan.tasks[1].actual_start = Some(day(3));
        plan.tasks[1].progress = 0.5;
        assert_eq!(codes(&progress_flags(&plan)), Vec::<&str>::new());
    }

    #[test]
    fn invalid_and_out_of_sequence_progress_is_flagged() {
        let mut plan = parse("A 5d\nB 2d after A\nC 1d\nD 1d");
        let start = plan.project.start;
        let day = |d: i64| start + d * DAY;
        plan.project.status_date = Some(day(4));
        // B started on day 1, but A (its FS predecessor) has not finished.
        plan.tasks[0].actual_start = Some(day(0));
        plan.tasks[1].actual_start = Some(day(1));
        // C finished after the status date; D started before the project.
        plan.tasks[2].actual_start = Some(day(2));
        plan.tasks[2].actual_finish = Some(day(9));
        plan.tasks[3].actual_start = Some(day(-10));
        plan.tasks[3].progress = 0.5;
        let flags = progress_flags(&plan);
        let out = find(&flags, "out-of-sequence");
        assert_eq!(out.len(), 1, "{flags:?}");
        assert!(
            out[0].message.contains("`B` started on"),
            "{}",
            out[0].message
        );
        assert!(out[0].message.contains("predecessor `A` finished"));
        let after = find(&flags, "actual-after-status-date");
        assert_eq!(after.len(), 1, "{flags:?}");
        assert!(after[0].message.starts_with("`C` has an actual finish"));
        let before = find(&flags, "actual-before-project-start");
        assert_eq!(before.len(), 1, "{flags:?}");
        assert!(before[0].message.starts_with("`D` has an actual start"));
        assert_eq!(flags.len(), 3, "{flags:?}");

        // A finish recorded before the successor started is in sequence; one after it is not.
        plan.tasks[0].actual_finish = Some(day(3));
        let flags = progress_flags(&plan);
        assert_eq!(find(&flags, "out-of-sequence").len(), 1);
        plan.tasks[0].actual_finish = Some(day(1));
        assert_eq!(find(&progress_flags(&plan), "out-of-sequence").len(), 0);
    }

    #[test]
    fn a_complete_task_without_actual_dates_is_flagged() {
        let mut plan = parse("A 2d\nM 0 after A");
        plan.tasks[1].progress = 1.0;
        let flags = progress_flags(&plan);
        assert_eq!(codes(&flags), vec!["complete-without-actuals"]);
        assert!(flags[0].message.starts_with("`M` is 100 % complete"));
    }

    #[test]
    fn a_hundred_thousand_day_task_is_flagged() {
        let plan = parse("A 100000d\nB 1d after A");
        let schedule = crate::schedule(&plan).unwrap();
        let flags = implausible_dates(&plan, &schedule);
        let long = find(&flags, "implausible-duration");
        assert_eq!(long.len(), 1, "{flags:?}");
        assert!(long[0].message.starts_with("`A` lasts 100000 working days"));
        let dates = find(&flags, "implausible-date");
        assert_eq!(dates.len(), 2, "{flags:?}");
        assert!(dates[0].message.contains("`A` finishes on"));
        assert!(dates[0]
            .message
            .contains("more than 50 years after the project start"));
        assert!(
            !dates[0].message.contains("calendar"),
            "the duration did it"
        );
        assert!(dates[1].message.contains("`B` starts on"));
    }

    #[test]
    fn a_start_in_year_one_is_flagged() {
        let mut plan = parse("A 2d");
        plan.project.start = time::day_start(chrono::NaiveDate::from_ymd_opt(1, 3, 1).unwrap());
        let schedule = crate::schedule(&plan).unwrap();
        let flags = implausible_dates(&plan, &schedule);
        assert_eq!(codes(&flags), vec!["implausible-date", "implausible-date"]);
        assert!(flags[0]
            .message
            .contains("the project starts on 0001-03-01"));
        assert!(flags[1].message.contains("`A` starts on 0001-03-01"));
        assert!(flags[1].message.contains("before 1900"));
    }

    #[test]
    fn a_calendar_that_pushes_work_past_2200_is_named() {
        let mut plan = parse("A 2d\nB 3d after A");
        let mut closed = Calendar::standard();
        closed.id = "site".into();
        closed.name = "Site calendar".into();
        closed.exceptions.push(CalendarException {
            from: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2200, 12, 31).unwrap(),
            hours: Vec::new(),
        });
        plan.calendars.push(closed);
        plan.tasks[1].calendar = Some(crate::model::CalendarId(1));
        let schedule = crate::schedule(&plan).unwrap();
        let flags = implausible_dates(&plan, &schedule);
        assert_eq!(codes(&flags), vec!["implausible-date"], "{flags:?}");
        let message = &flags[0].message;
        assert!(message.contains("`B` starts on 2201-01-0"), "{message}");
        assert!(
            message.contains("calendar `site` (Site calendar) pushed it there"),
            "{message}"
        );
        // Nothing is said about a plan whose dates are plausible.
        plan.tasks[1].calendar = None;
        let schedule = crate::schedule(&plan).unwrap();
        assert!(implausible_dates(&plan, &schedule).is_empty());
    }

    #[test]
    fn many_findings_of_one_kind_are_capped_with_a_count() {
        let text: String = (0..15).map(|i| format!("T{i} 1d\n")).collect();
        let mut plan = parse(&text);
        for task in &mut plan.tasks {
            task.progress = 1.0;
        }
        let flags = progress_flags(&plan);
        assert_eq!(flags.len(), PER_CODE + 1);
        assert_eq!(
            flags[PER_CODE].message,
            "… and 5 more tasks with the same problem"
        );
    }
}
