//! A scheduled plan as the rows of a Gantt chart: the one conversion of a schedule into what a
//! chart draws, beside its JSON counterpart.
//!
//! [`gantt_chart`] feeds the SVG of `waymark schedule --svg` and `waymark level --svg`;
//! [`crate::json::schedule_json`], which the web timeline draws, takes each task's kind from the
//! same [`bar_kind`] and its outline depth from the same `Plan::depths`, so the SVG and the
//! timeline agree on what is a summary, a milestone and a task, and on the indentation.

use waymark_core::{time, Plan, Schedule, Task, TaskSchedule};

use crate::gantt::{BarKind, GanttChart, GanttLink, GanttRow};

/// How a task is drawn: a summary (it has children) as a bracket, else a milestone (flagged,
/// or of zero duration) as a diamond, else a bar.
pub fn bar_kind(task: &Task, dates: &TaskSchedule) -> BarKind {
    if dates.summary {
        BarKind::Summary
    } else if task.milestone || task.duration == 0 {
        BarKind::Milestone
    } else {
        BarKind::Task
    }
}

/// The label of a task's row: its name, or its id when it has none.
pub fn row_label(task: &Task) -> &str {
    if task.name.is_empty() {
        &task.id
    } else {
        &task.name
    }
}

/// The Gantt chart of a scheduled plan: one row per task in plan (outline) order, every link,
/// the status date and the deadline.
pub fn gantt_chart(plan: &Plan, schedule: &Schedule) -> GanttChart {
    let depth = plan.depths();
    let rows = plan
        .tasks
        .iter()
        .zip(&schedule.tasks)
        .zip(&depth)
        .map(|((task, dates), &depth)| GanttRow {
            id: task.id.clone(),
            label: row_label(task).to_owned(),
            depth,
            kind: bar_kind(task, dates),
            start: time::datetime(dates.start),
            finish: time::datetime(dates.finish),
            critical: dates.critical,
            progress: task.progress,
            total_float_minutes: dates.total_float,
            delayed_from: None,
        })
        .collect();
    let links = plan
        .links
        .iter()
        .map(|link| GanttLink {
            from: link.predecessor.0,
            to: link.successor.0,
            kind: link.kind,
        })
        .collect();
    GanttChart {
        title: plan.project.name.clone(),
        rows,
        links,
        status_date: plan.project.status_date.map(time::datetime),
        deadline: plan.project.deadline.map(time::datetime),
    }
}
