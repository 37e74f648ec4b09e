//! Critical-path scheduling: forward and backward passes over tasks and links on calendars.

use crate::calendar::CalendarError;
use crate::model::{Plan, TaskId};
use crate::time::Instant;

/// The computed dates of one task. Floats are working minutes on the task's calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSchedule {
    pub start: Instant,
    pub finish: Instant,
    pub early_start: Instant,
    pub early_finish: Instant,
    pub late_start: Instant,
    pub late_finish: Instant,
    pub total_float: i64,
    pub free_float: i64,
    pub critical: bool,
    pub summary: bool,
}

/// The schedule of a plan: one entry per task, in plan order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub start: Instant,
    pub finish: Instant,
    pub tasks: Vec<TaskSchedule>,
}

/// Why a plan cannot be scheduled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The tasks on one dependency cycle, in order.
    #[error("dependency cycle through {} tasks", tasks.len())]
    Cycle { tasks: Vec<TaskId> },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Schedule a plan with the critical path method.
pub fn schedule(plan: &Plan) -> Result<Schedule, ScheduleError> {
    let _ = plan;
    unimplemented!("in progress")
}
