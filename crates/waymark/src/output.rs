//! What the commands print: JSON documents (the contract in docs/cli.md), human tables and the
//! conversion of a schedule into a Gantt chart. JSON shapes live here, at the edge, and are
//! built explicitly from core types.

use anyhow::Result;
use serde::Serialize;
use waymark_core::{time, Diagnostic, Plan, Schedule};
use waymark_report::{BarKind, GanttChart, GanttLink, GanttRow};

/// The `waymark schedule --json` document.
#[derive(Serialize)]
pub struct ScheduleJson {
    pub project: ProjectJson,
    pub tasks: Vec<TaskJson>,
}

#[derive(Serialize)]
pub struct ProjectJson {
    pub name: String,
    pub start: String,
    pub finish: String,
    pub status_date: Option<String>,
    pub deadline: Option<String>,
    pub minutes_per_day: i64,
}

#[derive(Serialize)]
pub struct TaskJson {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub outline_level: usize,
    pub summary: bool,
    pub milestone: bool,
    pub start: String,
    pub finish: String,
    pub early_start: String,
    pub early_finish: String,
    pub late_start: String,
    pub late_finish: String,
    pub duration_minutes: i64,
    pub total_float_minutes: i64,
    pub free_float_minutes: i64,
    pub critical: bool,
    pub progress: f64,
    pub predecessors: Vec<LinkJson>,
}

#[derive(Serialize)]
pub struct LinkJson {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub lag_minutes: i64,
    pub lag_kind: &'static str,
}

pub fn schedule_json(plan: &Plan, schedule: &Schedule) -> ScheduleJson {
    let depth = plan.depths();
    let mut predecessors: Vec<Vec<LinkJson>> = plan.tasks.iter().map(|_| Vec::new()).collect();
    for link in &plan.links {
        let (lag_minutes, lag_kind) = match link.lag {
            waymark_core::Lag::Working(m) => (m, "working"),
            waymark_core::Lag::Elapsed(m) => (m, "elapsed"),
            waymark_core::Lag::Percent(p) => {
                let d = plan.tasks[link.predecessor.0].duration;
                ((p * d as f64).round() as i64, "percent")
            }
        };
        predecessors[link.successor.0].push(LinkJson {
            id: plan.tasks[link.predecessor.0].id.clone(),
            kind: link.kind.code(),
            lag_minutes,
            lag_kind,
        });
    }
    let tasks = plan
        .tasks
        .iter()
        .zip(&schedule.tasks)
        .zip(predecessors)
        .enumerate()
        .map(|(index, ((task, dates), predecessors))| TaskJson {
            id: task.id.clone(),
            name: task.name.clone(),
            parent: task.parent.map(|p| plan.tasks[p.0].id.clone()),
            outline_level: depth[index] + 1,
            summary: dates.summary,
            milestone: task.milestone || (task.duration == 0 && !dates.summary),
            start: iso(dates.start),
            finish: iso(dates.finish),
            early_start: iso(dates.early_start),
            early_finish: iso(dates.early_finish),
            late_start: iso(dates.late_start),
            late_finish: iso(dates.late_finish),
            duration_minutes: task.duration,
            total_float_minutes: dates.total_float,
            free_float_minutes: dates.free_float,
            critical: dates.critical,
            progress: task.progress,
            predecessors,
        })
        .collect();
    ScheduleJson {
        project: ProjectJson {
            name: plan.project.name.clone(),
            start: iso(schedule.start),
            finish: iso(schedule.finish),
            status_date: plan.project.status_date.map(iso),
            deadline: plan.project.deadline.map(iso),
            minutes_per_day: plan.project.minutes_per_day,
        },
        tasks,
    }
}

/// ISO 8601 text of an instant, exactly as [`time::iso`] writes it (`2027-01-04T09:00:00`).
///
/// The schedule document holds six dates per task; through chrono's format strings they took a
/// third of a second for 100,000 tasks (see docs/benchmarks.md), so the usual four-digit years
/// are written by hand and anything else is left to [`time::iso`].
fn iso(instant: time::Instant) -> String {
    let day = instant.div_euclid(time::DAY);
    let minute = instant.rem_euclid(time::DAY);
    let (year, month, day_of_month) = time::ymd(day);
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        return time::iso(instant);
    };
    let digits = |value: u32, width: usize, text: &mut String| {
        let mut divisor = 10u32.pow(width as u32 - 1);
        while divisor > 0 {
            text.push(char::from(b'0' + (value / divisor % 10) as u8));
            divisor /= 10;
        }
    };
    let mut text = String::with_capacity(19);
    digits(year, 4, &mut text);
    text.push('-');
    digits(month, 2, &mut text);
    text.push('-');
    digits(day_of_month, 2, &mut text);
    text.push('T');
    digits((minute / 60) as u32, 2, &mut text);
    text.push(':');
    digits((minute % 60) as u32, 2, &mut text);
    text.push_str(":00");
    text
}

/// The `waymark check --json` document.
#[derive(Serialize)]
pub struct CheckJson {
    pub file: String,
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<DiagnosticJson>,
}

#[derive(Serialize)]
pub struct DiagnosticJson {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub help: Option<String>,
}

pub fn check_json(file: &str, diagnostics: &[Diagnostic]) -> CheckJson {
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let errors = count(waymark_core::Severity::Error);
    CheckJson {
        file: file.to_string(),
        ok: errors == 0,
        errors,
        warnings: count(waymark_core::Severity::Warning),
        diagnostics: diagnostics
            .iter()
            .map(|d| DiagnosticJson {
                severity: d.severity.as_str(),
                code: d.code,
                message: d.message.clone(),
                line: d.location.map(|l| l.line),
                column: d.location.map(|l| l.column),
                help: d.help.clone(),
            })
            .collect(),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_writes_what_core_writes() {
        // Every minute of two days, then a stride through the years either side of 0..=9999
        // (where the fallback takes over) and the negative instants before 1970.
        let two_days = (0..2 * time::DAY).map(|m| 29_000_000 + m);
        let stride = (-6_000_000_000i64..6_000_000_000).step_by(9_999_991);
        for instant in two_days.chain(stride) {
            assert_eq!(iso(instant), time::iso(instant), "instant {instant}");
        }
    }
}
