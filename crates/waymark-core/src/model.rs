//! The plan model: a project, its calendars, resources, tasks, links and risks.
//!
//! Readers (plan TOML, MSPDI) build a [`Plan`]; the scheduler and everything after it read it.
//! References between objects are indices into the plan's vectors, resolved by the reader, so
//! the engine never looks anything up by name. Every object may carry the [`Location`] it was
//! read from, so diagnostics raised by the engine (a cycle, an impossible constraint) can point
//! at the line a person has to change.

use crate::calendar::Calendar;
use crate::time::Instant;
use std::collections::BTreeMap;

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
    /// Kanban work-in-progress limits: the most tasks a board column should hold.
    pub wip_limits: BTreeMap<TaskStatus, u32>,
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
            wip_limits: BTreeMap::new(),
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

/// Where a task stands, as a board's columns show it (in column order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskStatus {
    NotStarted,
    InProgress,
    Done,
}

impl TaskStatus {
    /// Every status, in board column order.
    pub const ALL: [TaskStatus; 3] = [
        TaskStatus::NotStarted,
        TaskStatus::InProgress,
        TaskStatus::Done,
    ];

    /// The key in plan files (`wip_limits`) and JSON: `not_started`, `in_progress`, `done`.
    pub fn key(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "not_started",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
        }
    }

    /// The status of a key, if it is one.
    pub fn of_key(key: &str) -> Option<TaskStatus> {
        TaskStatus::ALL
            .into_iter()
            .find(|status| status.key() == key)
    }

    /// The name people read: "Not started", "In progress", "Done".
    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "Not started",
            TaskStatus::InProgress => "In progress",
            TaskStatus::Done => "Done",
        }
    }
}

impl Task {
    /// Done when its progress is 1 or it has an actual finish; in progress when some progress
    /// is recorded or it has an actual start; else not started.
    pub fn status(&self) -> TaskStatus {
        if self.progress >= 1.0 || self.actual_finish.is_some() {
            TaskStatus::Done
        } else if self.progress > 0.0 || self.actual_start.is_some() {
            TaskStatus::InProgress
        } else {
            TaskStatus::NotStarted
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

/// Whether a risk is still watched. Closed risks stay in the register but no longer feed the
/// forecast.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RiskStatus {
    #[default]
    Open,
    Closed,
}

impl RiskStatus {
    /// The plan-file word.
    pub fn key(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::Closed => "closed",
        }
    }
}

/// A risk event that may lengthen tasks (the risk-driver method).
#[derive(Clone, Debug, Default, PartialEq)]
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
    pub status: RiskStatus,
    pub location: Option<Location>,
}

impl Risk {
    /// Whether the risk is open: only open risks are sampled by the forecast.
    pub fn is_open(&self) -> bool {
        self.status == RiskStatus::Open
    }
}

/// Where a risk falls on a 5 x 5 probability x impact grid, and so how much attention it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskRating {
    Low,
    Medium,
    High,
}

impl RiskRating {
    /// `"low"`, `"medium"` or `"high"`.
    pub fn key(self) -> &'static str {
        match self {
            RiskRating::Low => "low",
            RiskRating::Medium => "medium",
            RiskRating::High => "high",
        }
    }
}

/// The rows of the 5 x 5 risk grid, bands 1 to 5: the largest probability each holds (a band
/// includes its upper bound) and its name as the pages show it.
pub const PROBABILITY_BANDS: [(f64, &str); 5] = [
    (0.1, "Up to 10 %"),
    (0.3, "10–30 %"),
    (0.5, "30–50 %"),
    (0.7, "50–70 %"),
    (1.0, "Over 70 %"),
];

/// The columns of the 5 x 5 risk grid, bands 1 to 5, in working days of delay to the finish:
/// up to 1 day, a week (5), two weeks (10), a month (20), and more than a month; likewise.
pub const IMPACT_BANDS: [(f64, &str); 5] = [
    (1.0, "Up to 1 day"),
    (5.0, "1–5 days"),
    (10.0, "5–10 days"),
    (20.0, "10–20 days"),
    (f64::MAX, "Over 20 days"),
];

/// The first band, 1 to 5, whose upper bound holds `value`; the last band holds the rest.
fn band(bands: &[(f64, &str); 5], value: f64) -> u8 {
    let index = bands.iter().position(|&(upper, _)| value <= upper);
    index.map_or(5, |index| index as u8 + 1)
}

/// The row of a probability on the 5 x 5 risk grid, 1 to 5 ([`PROBABILITY_BANDS`]): up to
/// 10 %, 30 %, 50 %, 70 %, and above 70 % (each band includes its upper bound).
pub fn probability_band(probability: f64) -> u8 {
    band(&PROBABILITY_BANDS, probability)
}

/// The column of an impact on the 5 x 5 risk grid, 1 to 5 ([`IMPACT_BANDS`]), in working days
/// of delay to the finish.
pub fn impact_band(impact_days: f64) -> u8 {
    band(&IMPACT_BANDS, impact_days)
}

/// The rating of a risk from its probability (0..1) and its impact in working days, on the
/// 5 x 5 grid of [`probability_band`] x [`impact_band`] ([`cell_rating`]).
pub fn risk_rating(probability: f64, impact_days: f64) -> RiskRating {
    cell_rating(probability_band(probability), impact_band(impact_days))
}

/// The rating of a cell of the 5 x 5 grid (probability band, impact band, each 1 to 5): the
/// product of the two bands (1 to 25) is **low** up to 4, **medium** from 5 to 11, **high**
/// from 12. So a likely risk (over 50 %) of more than a week is high, and so is a moderate one
/// (over 30 %) of more than two weeks; an unlikely one (10 % or less) is never high.
pub fn cell_rating(probability_band: u8, impact_band: u8) -> RiskRating {
    match u32::from(probability_band) * u32::from(impact_band) {
        0..=4 => RiskRating::Low,
        5..=11 => RiskRating::Medium,
        _ => RiskRating::High,
    }
}

/// A risk's impact in working minutes: what the forecast's P80 finish gains without it
/// (`Forecast::risk_p80_saved`), never below zero, since sampling noise can make that gain
/// slightly negative and removing a risk cannot lengthen the project. The pages, the portfolio
/// and `waymark forecast` show and rate this (the JSON keeps the exact gain).
pub fn risk_impact(p80_saved_minutes: i64) -> i64 {
    p80_saved_minutes.max(0)
}

impl Risk {
    /// The risk's cell on the 5 x 5 grid (probability band, impact band), its impact being
    /// [`risk_impact`] of the forecast's P80 gain in days of `minutes_per_day`; `None` for a
    /// closed risk, which the forecast no longer samples.
    pub fn grid_cell(&self, p80_saved_minutes: i64, minutes_per_day: i64) -> Option<(u8, u8)> {
        let days = risk_impact(p80_saved_minutes) as f64 / minutes_per_day.max(1) as f64;
        self.is_open()
            .then(|| (probability_band(self.probability), impact_band(days)))
    }

    /// The risk's rating: that of its [`Risk::grid_cell`]; `None` for a closed risk.
    pub fn rating(&self, p80_saved_minutes: i64, minutes_per_day: i64) -> Option<RiskRating> {
        self.grid_cell(p80_saved_minutes, minutes_per_day)
            .map(|(probability, impact)| cell_rating(probability, impact))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_ratings_on_the_five_by_five_grid() {
        // Rows are probability bands, columns impact bands; L, M, H as documented.
        let probabilities = [0.05, 0.2, 0.4, 0.6, 0.9];
        let impacts = [0.5, 3.0, 8.0, 15.0, 30.0];
        let grid: Vec<String> = probabilities
            .iter()
            .map(|&p| {
                impacts
                    .iter()
                    .map(|&d| match risk_rating(p, d) {
                        RiskRating::Low => 'L',
                        RiskRating::Medium => 'M',
                        RiskRating::High => 'H',
                    })
                    .collect()
            })
            .collect();
        assert_eq!(grid, ["LLLLM", "LLMMM", "LMMHH", "LMHHH", "MMHHH"]);
        // Band edges belong to the lower band.
        assert_eq!(probability_band(0.1), 1);
        assert_eq!(probability_band(0.7), 4);
        assert_eq!(impact_band(5.0), 2);
        assert_eq!(impact_band(20.0), 4);
        assert_eq!(impact_band(0.0), 1);
        assert_eq!(impact_band(f64::INFINITY), 5);
        // Each band's own upper bound, the number its label names, falls in that band.
        for (index, (upper, _)) in PROBABILITY_BANDS.iter().enumerate() {
            assert_eq!(usize::from(probability_band(*upper)), index + 1);
        }
        for (index, (upper, _)) in IMPACT_BANDS.iter().enumerate() {
            assert_eq!(usize::from(impact_band(*upper)), index + 1);
        }
        assert_eq!(probability_band(f64::NAN), 5);
        // A cell is rated by its corner: the grid of cells is the grid of ratings above.
        let cells: Vec<String> = (1..=5u8)
            .map(|p| {
                (1..=5u8)
                    .map(|i| cell_rating(p, i).key()[..1].to_uppercase())
                    .collect()
            })
            .collect();
        assert_eq!(cells, ["LLLLM", "LLMMM", "LMMHH", "LMHHH", "MMHHH"]);
    }

    #[test]
    fn a_risk_is_rated_on_its_impact_and_only_while_open() {
        let mut risk = Risk {
            probability: 0.6,
            ..Risk::default()
        };
        // 6 days at 480 minutes a day: band 3 x band 4 = 12, high.
        assert_eq!(risk.rating(6 * 480, 480), Some(RiskRating::High));
        // Sampling noise below zero is no impact: band 1, low.
        assert_eq!(risk.rating(-30, 480), Some(RiskRating::Low));
        assert_eq!(risk_impact(-30), 0);
        risk.status = RiskStatus::Closed;
        assert_eq!(risk.rating(6 * 480, 480), None);
    }

    #[test]
    fn task_status_from_progress_and_actuals() {
        let mut task = Task::default();
        assert_eq!(task.status(), TaskStatus::NotStarted);
        task.actual_start = Some(0);
        assert_eq!(task.status(), TaskStatus::InProgress);
        task.actual_start = None;
        task.progress = 0.2;
        assert_eq!(task.status(), TaskStatus::InProgress);
        task.progress = 1.0;
        assert_eq!(task.status(), TaskStatus::Done);
        task.progress = 0.0;
        task.actual_finish = Some(10);
        assert_eq!(task.status(), TaskStatus::Done);
        assert_eq!(
            TaskStatus::of_key("in_progress"),
            Some(TaskStatus::InProgress)
        );
        assert_eq!(TaskStatus::of_key("review"), None);
    }
}
