//! The plan doctor: the red flags a seasoned project manager would raise about a plan and its
//! schedule, each a [`Diagnostic`] with a code, a severity, the task's location and a fix.
//!
//! Structural checks ([`dependency_cycles`]) run before scheduling; schedule checks
//! ([`check_schedule`]) read a computed [`Schedule`]; [`schedule_failure`] says why a schedule
//! failed. Pure functions, no I/O.

use crate::diagnostic::Diagnostic;
use crate::model::{ConstraintKind, Lag, Plan, TaskId};
use crate::schedule::{Graph, Schedule, ScheduleError};

pub mod dates;
pub mod late;

/// Every dependency cycle in the plan, one per strongly connected group of tasks, each as a
/// diagnostic naming every task on the cycle in order. Links on summary tasks count (they bind
/// the children), so a link from a task to its own summary is a cycle too.
pub fn dependency_cycles(plan: &Plan) -> Vec<Diagnostic> {
    let graph = Graph::new(plan);
    let Err(stuck) = graph.order() else {
        return Vec::new();
    };
    graph
        .cycles(&stuck)
        .into_iter()
        .map(|tasks| cycle_diagnostic(plan, &tasks))
        .collect()
}

/// Why a plan cannot be scheduled, as diagnostics: every dependency cycle with the tasks on it
/// (`dependency-cycle`), or else the scheduler's error as `schedule-failed` at the task it
/// names. The one answer of every command, page and API view whose schedule failed.
pub fn schedule_failure(plan: &Plan, error: &ScheduleError) -> Vec<Diagnostic> {
    let cycles = dependency_cycles(plan);
    if !cycles.is_empty() {
        return cycles;
    }
    let at = match error {
        ScheduleError::OutOfRange { task, .. } => plan
            .tasks
            .iter()
            .find(|t| &t.id == task)
            .and_then(|t| t.location),
        // Calendars keep no location; the message names the calendar.
        ScheduleError::Calendar(_) => None,
        ScheduleError::Cycle { tasks } => tasks
            .first()
            .and_then(|task| plan.tasks.get(task.0))
            .and_then(|t| t.location),
    };
    let message = match error {
        ScheduleError::Cycle { tasks } => {
            let names: Vec<String> = tasks
                .iter()
                .filter_map(|task| plan.tasks.get(task.0))
                .map(|t| format!("`{}`", t.id))
                .collect();
            format!("dependency cycle: {}", names.join(" → "))
        }
        other => other.to_string(),
    };
    vec![Diagnostic::error("schedule-failed", message).at(at)]
}

/// The diagnostic for one dependency cycle.
pub fn cycle_diagnostic(plan: &Plan, tasks: &[TaskId]) -> Diagnostic {
    let mut names: Vec<String> = tasks
        .iter()
        .map(|t| format!("`{}`", plan.tasks[t.0].id))
        .collect();
    if let Some(first) = names.first().cloned() {
        names.push(first);
    }
    Diagnostic::error(
        "dependency-cycle",
        format!("dependency cycle: {}", names.join(" → ")),
    )
    .at(tasks.first().and_then(|t| plan.tasks[t.0].location))
    .with_help("remove or reverse one of these links; a task cannot wait for itself")
}

/// Working minutes as the doctor's messages state them (`2.5 days`), by the one rule of
/// [`crate::days`].
fn days(plan: &Plan, minutes: i64) -> String {
    crate::days::days_text(minutes, plan.project.minutes_per_day)
}

/// Red flags in a scheduled plan.
pub fn check_schedule(plan: &Plan, schedule: &Schedule) -> Vec<Diagnostic> {
    let mut out = dates::progress_flags(plan);
    out.extend(dates::implausible_dates(plan, schedule));
    let n = plan.tasks.len();
    let summary = plan.summaries();
    let mut has_predecessor = vec![false; n];
    let mut has_successor = vec![false; n];
    for link in &plan.links {
        has_successor[link.predecessor.0] = true;
        has_predecessor[link.successor.0] = true;
    }
    // Links on a summary count for its children.
    for index in 0..n {
        if let Some(parent) = plan.tasks[index].parent {
            let mut ancestor = Some(parent);
            while let Some(a) = ancestor {
                has_predecessor[index] |= has_predecessor[a.0];
                has_successor[index] |= has_successor[a.0];
                ancestor = plan.tasks[a.0].parent;
            }
        }
    }
    if let Some(deadline) = plan.project.deadline {
        if schedule.finish > deadline {
            let calendar_late = schedule
                .tasks
                .iter()
                .filter(|t| !t.summary)
                .map(|t| t.total_float)
                .min()
                .unwrap_or(0);
            out.push(
                Diagnostic::error(
                    "deadline-missed",
                    format!(
                        "the schedule finishes on {}, after the project deadline {} ({} late)",
                        crate::time::iso(schedule.finish),
                        crate::time::iso(deadline),
                        days(plan, -calendar_late),
                    ),
                )
                .at(plan.project.location)
                .with_help(
                    "shorten or overlap critical tasks, add people to them, cut scope, \
                     or agree a later deadline",
                ),
            );
        }
    }
    for (index, (task, dates)) in plan.tasks.iter().zip(&schedule.tasks).enumerate() {
        if summary[index] {
            continue;
        }
        let complete = task.actual_finish.is_some() || task.progress >= 1.0;
        if let (Some(deadline), false) = (task.deadline, complete) {
            if dates.finish > deadline {
                out.push(
                    Diagnostic::error(
                        "task-deadline-missed",
                        format!(
                            "`{}` finishes on {}, after its deadline {}",
                            task.id,
                            crate::time::iso(dates.finish),
                            crate::time::iso(deadline)
                        ),
                    )
                    .at(task.location)
                    .with_help("shorten the tasks that drive it or move the deadline"),
                );
            }
        }
        if dates.total_float < 0 && !complete && task.deadline.is_none_or(|d| dates.finish <= d) {
            out.push(
                Diagnostic::warning(
                    "negative-float",
                    format!(
                        "`{}` has {} of negative float: its constraints or a deadline after it \
                         cannot be met by its links",
                        task.id,
                        days(plan, -dates.total_float)
                    ),
                )
                .at(task.location),
            );
        }
        if !has_predecessor[index] && !has_successor[index] && n > 1 && task.manual.is_none() {
            out.push(
                Diagnostic::warning(
                    "missing-logic",
                    format!("`{}` has no predecessors and no successors", task.id),
                )
                .at(task.location)
                .with_help("link it to the work it depends on and the work that needs it"),
            );
        } else if !has_successor[index] && !task.milestone && n > 1 {
            out.push(
                Diagnostic {
                    severity: crate::diagnostic::Severity::Info,
                    ..Diagnostic::warning(
                        "no-successor",
                        format!(
                            "`{}` has no successor: if it slips, nothing in the plan notices",
                            task.id
                        ),
                    )
                }
                .at(task.location),
            );
        }
        for constraint in &task.constraints {
            if matches!(
                constraint.kind,
                ConstraintKind::MustStartOn | ConstraintKind::MustFinishOn
            ) {
                out.push(
                    Diagnostic::warning(
                        "hard-constraint",
                        format!(
                            "`{}` has a hard `{}` constraint, which overrides its links",
                            task.id,
                            constraint.kind.key()
                        ),
                    )
                    .at(constraint.location.or(task.location))
                    .with_help("prefer start_no_earlier_than or a deadline"),
                );
            }
        }
    }
    for link in &plan.links {
        let negative = match link.lag {
            Lag::Working(m) | Lag::Elapsed(m) => m < 0,
            Lag::Percent(p) => p < 0.0,
        };
        if negative {
            out.push(
                Diagnostic {
                    severity: crate::diagnostic::Severity::Info,
                    ..Diagnostic::warning(
                        "lead",
                        format!(
                            "`{}` starts before `{}` is done (a lead): make sure that overlap \
                             is real",
                            plan.tasks[link.successor.0].id, plan.tasks[link.predecessor.0].id
                        ),
                    )
                }
                .at(link.location.or(plan.tasks[link.successor.0].location)),
            );
        }
    }
    out
}

/// Whether the unrealistic-timeline check applies: the plan has a deadline and something
/// uncertain (estimates or risks).
pub fn timeline_applies(plan: &Plan) -> bool {
    plan.project.deadline.is_some()
        && (!plan.risks.is_empty() || plan.tasks.iter().any(|t| t.estimate.is_some()))
}

/// Every red flag of a plan, as `waymark check` and the web pages report them: its dependency
/// cycles (and nothing else, since it cannot be scheduled), or the schedule's red flags plus the
/// unrealistic-timeline check. `forecast` is the plan's forecast with the one setting every
/// figure shows ([`crate::forecast::ForecastOptions::DEFAULT`], so the chance in the flag is the
/// chance on the forecast page), when [`timeline_applies`]; without it that check is skipped.
pub fn red_flags(plan: &Plan, forecast: Option<&crate::forecast::Forecast>) -> Vec<Diagnostic> {
    let cycles = dependency_cycles(plan);
    if !cycles.is_empty() {
        return cycles;
    }
    let mut flags = match crate::schedule::schedule(plan) {
        Ok(computed) => check_schedule(plan, &computed),
        Err(error) => return schedule_failure(plan, &error),
    };
    if timeline_applies(plan) {
        flags.extend(forecast.and_then(|forecast| timeline(plan, forecast)));
    }
    flags
}

/// "Unrealistic timeline": the chance of meeting the project deadline, from a forecast, below
/// 50 % is a warning and below 20 % an error, with the P80 finish as the date to commit to.
pub fn timeline(plan: &Plan, forecast: &crate::forecast::Forecast) -> Option<Diagnostic> {
    let deadline = plan.project.deadline?;
    let probability = forecast.deadline_probability?;
    if probability >= 0.5 {
        return None;
    }
    let message = format!(
        "unrealistic timeline: {:.0} % chance of meeting the deadline {} ({} iterations)",
        probability * 100.0,
        crate::time::iso(deadline),
        forecast.iterations
    );
    let diagnostic = if probability < 0.2 {
        Diagnostic::error("unrealistic-timeline", message)
    } else {
        Diagnostic::warning("unrealistic-timeline", message)
    };
    Some(diagnostic.at(plan.project.location).with_help(format!(
        "commit to the P80 date {} or cut scope; `waymark forecast` shows what drives it",
        crate::time::iso(forecast.percentile_finish(0.8))
    )))
}
