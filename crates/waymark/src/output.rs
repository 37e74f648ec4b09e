//! What the commands print: JSON documents (the contract in docs/cli.md, built by
//! `waymark_report::json`, which the server shares) and human tables; a schedule becomes a
//! Gantt chart by `waymark_report::gantt_chart`.

use anyhow::Result;
use serde::Serialize;
use waymark_core::{time, Plan, Schedule};
pub use waymark_report::json::{check_json, schedule_json};

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

/// The columns `text` takes in a terminal: 2 for a CJK character or an emoji, 0 for a
/// combining accent, 1 for most others. Tables align by this, not by characters.
pub fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` followed by spaces to fill `columns` terminal columns (`{:<N}` by display width).
pub fn pad(text: &str, columns: usize) -> String {
    let mut padded = text.to_string();
    padded.extend(std::iter::repeat_n(
        ' ',
        columns.saturating_sub(width(text)),
    ));
    padded
}

/// Spaces and then `text`, to fill `columns` terminal columns (`{:>N}` by display width).
pub fn pad_left(text: &str, columns: usize) -> String {
    let mut padded: String =
        std::iter::repeat_n(' ', columns.saturating_sub(width(text))).collect();
    padded.push_str(text);
    padded
}

/// The longest start of `text` that fits in `columns` terminal columns, ending in `…` when
/// something was cut.
pub fn truncate(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    let mut cut = String::new();
    let mut used = 0;
    for character in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(character).unwrap_or(0);
        if used + w + 1 > columns {
            break;
        }
        used += w;
        cut.push(character);
    }
    cut.push('…');
    cut
}

/// Working minutes as the tables write them (`2.5d`): the number by the one rule of
/// [`waymark_core::days`], with the unit the plan format uses.
pub fn days(minutes: i64, per_day: i64) -> String {
    format!("{}d", waymark_core::days::days(minutes, per_day))
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
    // The deadline line and the count below follow one rule: a row is starred when the task is
    // critical (summaries too, when a task under them is), every starred row is counted, and
    // any unfinished task at negative float is named under the deadline, since negative float
    // means a deadline or a constraint is missed even when the project finish is in time.
    if let Some(deadline) = plan.project.deadline {
        let verdict = if schedule.finish <= deadline {
            "met by the project finish".to_string()
        } else {
            format!(
                "MISSED: the project finishes {} late",
                days(late_by(plan, deadline, schedule.finish), per_day)
            )
        };
        let _ = writeln!(out, "deadline {} ({verdict})", short(deadline));
    }
    let late: Vec<&str> = plan
        .tasks
        .iter()
        .zip(&schedule.tasks)
        .filter(|(task, dates)| dates.total_float < 0 && !dates.summary && task.progress < 1.0)
        .map(|(task, _)| task.id.as_str())
        .collect();
    if !late.is_empty() {
        let shown: Vec<String> = late.iter().take(5).map(|id| format!("`{id}`")).collect();
        let more = if late.len() > shown.len() {
            format!(" and {} more", late.len() - shown.len())
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{} at negative float (a deadline or constraint cannot be met): {}{more}",
            if late.len() == 1 {
                "1 task".to_string()
            } else {
                format!("{} tasks", late.len())
            },
            shown.join(", ")
        );
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
            truncate(&format!("{}{}", "  ".repeat(d), name), 48)
        })
        .collect();
    let ids: Vec<String> = plan.tasks.iter().map(|t| truncate(&t.id, 24)).collect();
    let id_width = ids.iter().map(|id| width(id)).max().unwrap_or(2).max(2);
    let name_width = labels.iter().map(|l| width(l)).max().unwrap_or(4).max(4);
    let _ = writeln!(
        out,
        "  {}  {}  {:<20}  {:<20}  {:>8}  {:>7}",
        pad("ID", id_width),
        pad("Task", name_width),
        "Start",
        "Finish",
        "Duration",
        "Float"
    );
    for (((task, dates), label), id) in plan
        .tasks
        .iter()
        .zip(&schedule.tasks)
        .zip(&labels)
        .zip(&ids)
    {
        let marker = if dates.critical { '*' } else { ' ' };
        let duration = if dates.summary {
            String::new()
        } else if task.milestone || task.duration == 0 {
            "◆".to_string()
        } else {
            days(task.duration, per_day)
        };
        let _ = writeln!(
            out,
            "{marker} {}  {}  {:<20}  {:<20}  {}  {:>7}",
            pad(id, id_width),
            pad(label, name_width),
            short(dates.start),
            short(dates.finish),
            pad_left(&duration, 8),
            days(dates.total_float, per_day),
        );
    }
    let starred = schedule.tasks.iter().filter(|t| t.critical);
    let critical = starred.clone().count();
    let summaries = starred.filter(|t| t.summary).count();
    let of_them = match summaries {
        0 => String::new(),
        1 => " (1 of them a summary)".to_string(),
        n => format!(" ({n} of them summaries)"),
    };
    let _ = writeln!(
        out,
        "\n{} tasks, {critical} critical (*){of_them}. Float is total float in working days.",
        plan.tasks.len()
    );
    out
}

/// Working minutes from `deadline` to a later `finish`, on the project calendar when the plan
/// has one that compiles, else on the clock.
fn late_by(plan: &Plan, deadline: time::Instant, finish: time::Instant) -> i64 {
    match waymark_core::TaskCalendars::new(plan) {
        Ok(calendars) => {
            let calendar = &calendars.calendars[calendars.project];
            calendar.w(finish) - calendar.w(deadline)
        }
        Err(_) => finish - deadline,
    }
}
