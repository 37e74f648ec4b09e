//! The plan model: a project, its calendars, resources, tasks, links and risks.
//!
//! Readers (plan TOML, MSPDI) build a [`Plan`]; the scheduler and everything after it read it.
//! References between objects are indices into the plan's vectors, resolved by the reader, so
//! the engine never looks anything up by name. Every object may carry the [`Location`] it was
//! read from, so diagnostics raised by the engine (a cycle, an impossible constraint) can point
//! at the line a person has to change.

use crate::calendar::Calendar;
use crate::time::Instant;

/// Where something was written in a source file (1-based line and column).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

/// Index of a task in [`Plan::tasks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub usize);

/// Index of a calendar in [`Plan::calendars`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarId(pub usize);

/// Index of a resource in [`Plan::resources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(pub usize);

/// A whole plan.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub project: Project,
    pub calendars: Vec<Calendar>,
    pub resources: Vec<Resource>,
    /// Tasks in outline (WBS) order: a parent comes before its children.
    pub tasks: Vec<Task>,
    pub links: Vec<Link>,
    pub risks: Vec<Risk>,
}

/// Project-wide settings.
#[derive(Clone, Debug)]
pub struct Project {
    pub name: String,
    /// First instant of work.
    pub start: Instant,
    /// "As of" instant for progress.
    pub status_date: Option<Instant>,
    /// Committed finish; missing it shows as negative float.
    pub deadline: Option<Instant>,
    /// Default calendar of tasks and resources.
    pub calendar: CalendarId,
    pub currency: Option<String>,
    /// Working minutes in a day `d` of duration text (Microsoft Project's "hours per day").
    pub minutes_per_day: i64,
    /// Working minutes in a week `w` of duration text.
    pub minutes_per_week: i64,
    /// Working days in a month `mo` of duration text.
    pub days_per_month: i64,
    /// Where in the source the project was declared.
    pub location: Option<Location>,
}

impl Default for Project {
    fn default() -> Project {
        Project {
            name: String::new(),
            start: 0,
            status_date: None,
            deadline: None,
            calendar: CalendarId(0),
            currency: None,
            minutes_per_day: 480,
            minutes_per_week: 2400,
            days_per_month: 20,
            location: None,
        }
    }
}

/// What a resource is: work (people, equipment; their calendars drive task dates), material
/// (consumed by quantity) or cost (a fixed cost line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResourceKind {
    #[default]
    Work,
    Material,
    Cost,
}

/// A person, role or piece of equipment that does work.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource {
    pub id: String,
    pub name: String,
    pub kind: ResourceKind,
    pub role: Option<String>,
    /// Capacity: 1.0 is one full-time person.
    pub units: f64,
    /// Cost per working hour.
    pub rate: Option<f64>,
    pub calendar: Option<CalendarId>,
    pub location: Option<Location>,
}

/// Work of one resource on one task.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub resource: ResourceId,
    /// 1.0 = full time.
    pub units: f64,
}

/// How a three-point estimate is sampled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Distribution {
    #[default]
    Pert,
    Triangular,
    Uniform,
}

/// Kinds of date constraint, with Microsoft Project's semantics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConstraintKind {
    StartNoEarlierThan,
    StartNoLaterThan,
    FinishNoEarlierThan,
    FinishNoLaterThan,
    MustStartOn,
    MustFinishOn,
}

impl ConstraintKind {
    /// The plan-file key of this constraint.
    pub fn key(self) -> &'static str {
        match self {
            ConstraintKind::StartNoEarlierThan => "start_no_earlier_than",
            ConstraintKind::StartNoLaterThan => "start_no_later_than",
            ConstraintKind::FinishNoEarlierThan => "finish_no_earlier_than",
            ConstraintKind::FinishNoLaterThan => "finish_no_later_than",
            ConstraintKind::MustStartOn => "must_start_on",
            ConstraintKind::MustFinishOn => "must_finish_on",
        }
    }

    /// Whether the constraint is on the start (else on the finish).
    pub fn on_start(self) -> bool {
        matches!(
            self,
            ConstraintKind::StartNoEarlierThan
                | ConstraintKind::StartNoLaterThan
                | ConstraintKind::MustStartOn
        )
    }
}

/// A date constraint on a task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constraint {
    pub kind: ConstraintKind,
    pub date: Instant,
    pub location: Option<Location>,
}

/// A task (or, when other tasks name it as parent, a summary task).
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// The plan id (table key), or the MSPDI UID as text.
    pub id: String,
    pub name: String,
    pub parent: Option<TaskId>,
    /// Working minutes; for a summary task ignored (its dates roll up from its children).
    pub duration: i64,
    /// Optimistic, most likely, pessimistic working minutes.
    pub estimate: Option<[i64; 3]>,
    pub distribution: Distribution,
    pub milestone: bool,
    pub deadline: Option<Instant>,
    pub constraints: Vec<Constraint>,
    /// Scheduled as late as possible (Microsoft Project's ALAP constraint).
    pub as_late_as_possible: bool,
    pub calendar: Option<CalendarId>,
    pub assignments: Vec<Assignment>,
    /// Share of the duration done as of the status date, 0..1.
    pub progress: f64,
    pub actual_start: Option<Instant>,
    pub actual_finish: Option<Instant>,
    /// Manually scheduled (Microsoft Project "manual mode"): fixed at these start and finish.
    pub manual: Option<(Instant, Instant)>,
    /// Levelling priority 0..1000, default 500.
    pub priority: u32,
    pub location: Option<Location>,
}

impl Default for Task {
    fn default() -> Task {
        Task {
            id: String::new(),
            name: String::new(),
            parent: None,
            duration: 0,
            estimate: None,
            distribution: Distribution::Pert,
            milestone: false,
            deadline: None,
            constraints: Vec::new(),
            as_late_as_possible: false,
            calendar: None,
            assignments: Vec::new(),
            progress: 0.0,
            actual_start: None,
            actual_finish: None,
            manual: None,
            priority: 500,
            location: None,
        }
    }
}

/// The four dependency types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkKind {
    FinishToStart,
    StartToStart,
    FinishToFinish,
    StartToFinish,
}

impl LinkKind {
    /// The two-letter code used in plan files and Microsoft Project.
    pub fn code(self) -> &'static str {
        match self {
            LinkKind::FinishToStart => "FS",
            LinkKind::StartToStart => "SS",
            LinkKind::FinishToFinish => "FF",
            LinkKind::StartToFinish => "SF",
        }
    }
}

/// A lag (positive) or lead (negative) on a link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lag {
    /// Working minutes on the lag calendar.
    Working(i64),
    /// Elapsed (calendar) minutes: `ed`, `eh`, `em`.
    Elapsed(i64),
    /// A share of the predecessor's duration, e.g. 0.5 for 50 %.
    Percent(f64),
}

impl Default for Lag {
    fn default() -> Lag {
        Lag::Working(0)
    }
}

/// A dependency: `successor` depends on `predecessor`.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub predecessor: TaskId,
    pub successor: TaskId,
    pub kind: LinkKind,
    pub lag: Lag,
    pub location: Option<Location>,
}

/// What the team does about a risk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskResponse {
    Avoid,
    Mitigate,
    Transfer,
    Accept,
}

/// A risk event that may lengthen tasks (the risk-driver method).
#[derive(Clone, Debug, PartialEq)]
pub struct Risk {
    pub id: String,
    pub title: String,
    pub probability: f64,
    pub tasks: Vec<TaskId>,
    /// Three-point multiplier of the affected durations if the risk occurs.
    pub factor: Option<[f64; 3]>,
    /// Three-point working minutes added to the affected durations if it occurs.
    pub delay: Option<[i64; 3]>,
    pub owner: Option<ResourceId>,
    pub response: Option<RiskResponse>,
    pub location: Option<Location>,
}

impl Plan {
    /// Whether a task has children (is a summary task).
    pub fn summaries(&self) -> Vec<bool> {
        let mut summary = vec![false; self.tasks.len()];
        for task in &self.tasks {
            if let Some(parent) = task.parent {
                summary[parent.0] = true;
            }
        }
        summary
    }

    /// The outline depth of every task (0 for top-level tasks).
    pub fn depths(&self) -> Vec<usize> {
        let mut depth = vec![0usize; self.tasks.len()];
        for (index, task) in self.tasks.iter().enumerate() {
            if let Some(parent) = task.parent {
                if parent.0 < index {
                    depth[index] = depth[parent.0] + 1;
                }
            }
        }
        depth
    }

    /// The calendar a task's duration is measured on.
    pub fn task_calendar(&self, task: TaskId) -> CalendarId {
        self.tasks[task.0].calendar.unwrap_or(self.project.calendar)
    }
}
