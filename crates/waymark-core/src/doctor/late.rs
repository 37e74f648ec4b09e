//! "Critical tasks late" without a baseline. A plan file keeps no baseline, so lateness is
//! measured against the plan itself with the reported past taken out: the schedule of the same
//! plan with every task's progress, actual start and actual finish removed (and no status date)
//! is what the plan promises when nothing has happened yet. A leaf task is *late* when, as of the
//! status date, that promise says it should be further along than its reported progress (or
//! finished already), and it is critical in the current schedule (the one with the progress), so
//! the delay reaches the finish. Pure: the date to judge at is an argument.

use crate::model::{Plan, TaskId};
use crate::schedule::{schedule, ScheduleError, TaskCalendars};
use crate::time::Instant;

/// A late critical task: how far along the plan says it should be and how far it is, 0..1.
#[derive(Clone, Debug, PartialEq)]
pub struct LateTask {
    pub task: TaskId,
    pub expected_progress: f64,
    pub reported_progress: f64,
}

/// Progress differences smaller than this are rounding, not lateness.
const TOLERANCE: f64 = 1e-6;

/// The instant lateness is judged at: the plan's status date, else `today` (the caller's
/// clock; the engine never reads one).
pub fn as_of(plan: &Plan, today: Instant) -> Instant {
    plan.project.status_date.unwrap_or(today)
}

/// The plan as it stood before anything happened: no progress, no actual dates, no status date.
pub fn without_progress(plan: &Plan) -> Plan {
    let mut fresh = plan.clone();
    fresh.project.status_date = None;
    for task in &mut fresh.tasks {
        task.progress = 0.0;
        task.actual_start = None;
        task.actual_finish = None;
    }
    fresh
}

/// The critical leaf tasks that are late as of `as_of` (see the module's rule), in plan order.
pub fn late_critical_tasks(plan: &Plan, as_of: Instant) -> Result<Vec<LateTask>, ScheduleError> {
    let current = schedule(plan)?;
    let fresh = without_progress(plan);
    let promised = schedule(&fresh)?;
    let calendars = TaskCalendars::new(&fresh)?;
    let summaries = plan.summaries();
    let mut late = Vec::new();
    for (index, task) in plan.tasks.iter().enumerate() {
        if summaries[index] || !current.tasks[index].critical {
            continue;
        }
        let reported = if task.actual_finish.is_some() {
            1.0
        } else {
            task.progress.clamp(0.0, 1.0)
        };
        let dates = &promised.tasks[index];
        let expected = if as_of >= dates.finish {
            1.0
        } else if as_of <= dates.start {
            0.0
        } else {
            let calendar = calendars.of(TaskId(index));
            let length = calendar.between(dates.start, dates.finish);
            if length <= 0 {
                0.0
            } else {
                (calendar.between(dates.start, as_of) as f64 / length as f64).clamp(0.0, 1.0)
            }
        };
        if expected > reported + TOLERANCE {
            late.push(LateTask {
                task: TaskId(index),
                expected_progress: expected,
                reported_progress: reported,
            });
        }
    }
    Ok(late)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Edge, WorkCalendar};
    use crate::schedule::tests::parse;

    /// The start of working day `days` after the plan's start (Monday 4 January 2027, 08:00,
    /// 8-hour days).
    fn day(plan: &Plan, days: f64) -> Instant {
        let calendar = WorkCalendar::compile(&plan.calendars, 0).unwrap();
        calendar.add(plan.project.start, (days * 480.0) as i64, Edge::Start)
    }

    /// Sets the status date to `days` and reports `(task, progress)`: a task with progress has
    /// started on its planned start; progress 1 finished it.
    fn report(text: &str, days: f64, progress: &[(&str, f64)]) -> Plan {
        let mut plan = parse(text);
        let planned = schedule(&plan).unwrap();
        plan.project.status_date = Some(day(&plan, days));
        for &(id, value) in progress {
            let index = plan.tasks.iter().position(|t| t.id == id).unwrap();
            let task = &mut plan.tasks[index];
            task.progress = value;
            if value > 0.0 {
                task.actual_start = Some(planned.tasks[index].start);
            }
            if value >= 1.0 {
                task.actual_finish = Some(planned.tasks[index].finish);
            }
        }
        plan
    }

    /// `id expected% reported%` of each late task.
    fn late(plan: &Plan) -> Vec<String> {
        let at = as_of(plan, Instant::MIN);
        late_critical_tasks(plan, at)
            .unwrap()
            .iter()
            .map(|late| {
                format!(
                    "{} {:.0}% {:.0}%",
                    plan.tasks[late.task.0].id,
                    late.expected_progress * 100.0,
                    late.reported_progress * 100.0
                )
            })
            .collect()
    }

    const CHAIN: &str = "A 5d\nB 5d after A";

    #[test]
    fn a_critical_task_behind_its_promise_is_late() {
        // Three days into a five-day task, the plan promised 60 %.
        let plan = report(CHAIN, 3.0, &[("A", 0.4)]);
        assert_eq!(late(&plan), ["A 60% 40%"]);
    }

    #[test]
    fn on_or_ahead_of_the_promise_is_not_late() {
        assert!(late(&report(CHAIN, 3.0, &[("A", 0.6)])).is_empty());
        assert!(late(&report(CHAIN, 3.0, &[("A", 0.8)])).is_empty());
        // B was not due to start yet.
        assert!(late(&report(CHAIN, 5.0, &[("A", 1.0)])).is_empty());
    }

    #[test]
    fn a_task_past_its_promised_finish_should_be_done() {
        let plan = report(CHAIN, 7.0, &[("A", 1.0), ("B", 0.2)]);
        assert_eq!(late(&plan), ["B 40% 20%"]);
        let plan = report(CHAIN, 12.0, &[("A", 1.0), ("B", 0.9)]);
        assert_eq!(late(&plan), ["B 100% 90%"]);
    }

    #[test]
    fn a_task_with_float_left_is_behind_but_not_late() {
        // A has three days of float next to B: one day in with nothing done, A still fits.
        let text = "A 2d\nB 5d\nC 1d after A, B";
        let plan = report(text, 1.0, &[("B", 0.2)]);
        assert!(late(&plan).is_empty());
        // Three days in, A not started has eaten its float and is critical: late.
        let plan = report(text, 3.0, &[("B", 0.6)]);
        assert_eq!(late(&plan), ["A 100% 0%"]);
    }

    #[test]
    fn a_milestone_past_its_date_is_late_until_reached() {
        let text = "A 2d\nM 0 after A";
        let plan = report(text, 3.0, &[("A", 1.0)]);
        assert_eq!(late(&plan), ["M 100% 0%"]);
        let plan = report(text, 3.0, &[("A", 1.0), ("M", 1.0)]);
        assert!(late(&plan).is_empty());
    }

    #[test]
    fn summaries_are_not_counted_and_nothing_is_late_before_the_start() {
        let text = "P 0\nA 3d parent=P\nB 2d after A parent=P";
        let mut plan = report(text, 2.0, &[]);
        plan.tasks[0].milestone = false;
        assert_eq!(late(&plan), ["A 67% 0%"]);
        plan.project.status_date = None;
        assert!(late_critical_tasks(&plan, plan.project.start - 1)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn removing_progress_keeps_the_plan_otherwise() {
        let plan = report(CHAIN, 3.0, &[("A", 0.4)]);
        let fresh = without_progress(&plan);
        assert_eq!(fresh.project.status_date, None);
        assert!(fresh
            .tasks
            .iter()
            .all(|t| t.progress == 0.0 && t.actual_start.is_none()));
        assert_eq!(fresh.tasks.len(), plan.tasks.len());
        assert_eq!(fresh.links.len(), plan.links.len());
    }
}
