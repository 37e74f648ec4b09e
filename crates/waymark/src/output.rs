//! What the commands print: JSON documents (the contract in docs/cli.md, built by
//! `waymark_report::json`, which the server shares), human tables and the conversion of a
//! schedule into a Gantt chart.

use anyhow::Result;
use serde::Serialize;
use waymark_core::{time, Plan, Schedule};
pub use waymark_report::json::{check_json, schedule_json};
use waymark_report::{BarKind, GanttChart, GanttLink, GanttRow};

/// A reader that closed the pipe early (`waymark ... | head`) is not an error.
fn quiet_broken_pipe(result: std::io::Result<()>) -> Result<()> {
    match result {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Print a JSON document on stdout, followed by a newline.
pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from);
    quiet_broken_pipe(
        written
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush()),
    )
}

/// Print text on stdout.
pub fn print_text(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    quiet_broken_pipe(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

fn days(minutes: i64, per_day: i64) -> String {
    let value = minutes as f64 / per_day.max(1) as f64;
    if (value - value.round()).abs() < 0.05 {
        format!("{}d", value.round() as i64)
    } else {
        format!("{value:.1}d")
    }
}

fn short(t: time::Instant) -> String {
    time::datetime(t).format("%a %Y-%m-%d %H:%M").to_string()
}

/// The human table of `waymark schedule`.
pub fn schedule_table(plan: &Plan, schedule: &Schedule) -> String {
    use std::fmt::Write;
    let per_day = plan.project.minutes_per_day;
    let depth = plan.depths();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} → {}",
        if plan.project.name.is_empty() {
            "Project"
        } else {
            &plan.project.name
        },
        short(schedule.start),
        short(schedule.finish)
    );
    if let Some(deadline) = plan.project.deadline {
        let verdict = if schedule.finish <= deadline {
            "met"
        } else {
            "MISSED"
        };
        let _ = writeln!(out, "deadline {} ({verdict})", short(deadline));
    }
    if let Some(status) = plan.project.status_date {
        let _ = writeln!(out, "status date {}", short(status));
    }
    out.push('\n');
    let labels: Vec<String> = plan
        .tasks
        .iter()
        .zip(&depth)
        .map(|(task, &d)| {
            let name = if task.name.is_empty() {
                &task.id
            } else {
                &task.name
            };
            let label = format!("{}{}", "  ".repeat(d), name);
            if label.chars().count() > 48 {
                let cut: String = label.chars().take(47).collect();
                format!("{cut}…")
            } else {
                label
            }
        })
        .collect();
    let id_width = plan
        .tasks
        .iter()
        .map(|t| t.id.chars().count())
        .max()
        .unwrap_or(2)
        .clamp(2, 24);
    let name_width = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "  {:<id_width$}  {:<name_width$}  {:<20}  {:<20}  {:>8}  {:>7}",
        "ID", "Task", "Start", "Finish", "Duration", "Float"
    );
    for ((task, dates), label) in plan.tasks.iter().zip(&schedule.tasks).zip(&labels) {
        let marker = if dates.critical { '*' } else { ' ' };
        let duration = if dates.summary {
            String::new()
        } else if task.milestone || task.duration == 0 {
            "◆".to_string()
        } else {
            days(task.duration, per_day)
        };
        let id: String = task.id.chars().take(id_width).collect();
        let _ = writeln!(
            out,
            "{marker} {:<id_width$}  {:<name_width$}  {:<20}  {:<20}  {:>8}  {:>7}",
            id,
            label,
            short(dates.start),
            short(dates.finish),
            duration,
            days(dates.total_float, per_day),
        );
    }
    let critical = schedule
        .tasks
        .iter()
        .filter(|t| t.critical && !t.summary)
        .count();
    let _ = writeln!(
        out,
        "\n{} tasks, {critical} critical (*). Float is total float in working days.",
        plan.tasks.len()
    );
    out
}

/// A Gantt chart of a scheduled plan.
pub fn gantt(plan: &Plan, schedule: &Schedule) -> GanttChart {
    let depth = plan.depths();
    let rows = plan
        .tasks
        .iter()
        .zip(&schedule.tasks)
        .zip(&depth)
        .map(|((task, dates), &depth)| GanttRow {
            id: task.id.clone(),
            label: if task.name.is_empty() {
                task.id.clone()
            } else {
                task.name.clone()
            },
            depth,
            kind: if dates.summary {
                BarKind::Summary
            } else if task.milestone || task.duration == 0 {
                BarKind::Milestone
            } else {
                BarKind::Task
            },
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
