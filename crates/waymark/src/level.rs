//! `waymark level` for plan files: resource levelling with explanations, several plans on one
//! resource pool, and the wall-clock time limit (core gets a `stop` callback and never reads
//! the clock). PSPLIB instances are `psplib.rs`.

use crate::input::{self, Format};
use crate::output;
use anyhow::Result;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use waymark_core::doctor;
use waymark_core::level::{self, LevelRun, UnresolvedReason};
use waymark_core::{time, Plan};
use waymark_report::json::plan_finish;

/// A task as people recognise it: its id, and its name when that says more.
fn label(task: &waymark_core::Task) -> String {
    if task.name.is_empty() || task.name == task.id {
        format!("`{}`", task.id)
    } else {
        format!("`{}` ({})", task.id, task.name)
    }
}

/// The longest `level --time-limit`, in seconds: an hour, far beyond where the search stops
/// finding earlier finishes on any plan we have measured.
pub const MAX_TIME_LIMIT_SECONDS: f64 = 3600.0;

/// When a `level --time-limit` of `seconds` from `started` runs out. The engine never reads the
/// clock: callers poll this deadline in the `stop` callback they give it. The argument parser
/// holds the limit to (0, 3600] seconds; the clamp keeps a bad value from any other caller from
/// panicking in `Duration`.
pub fn deadline(started: std::time::Instant, seconds: f64) -> std::time::Instant {
    let seconds = if seconds.is_finite() {
        seconds.clamp(0.0, MAX_TIME_LIMIT_SECONDS)
    } else {
        0.0
    };
    started + std::time::Duration::from_secs_f64(seconds)
}

/// How `waymark level` levels.
pub struct Settings {
    pub within_float: bool,
    pub explain: bool,
    /// Seconds to search for an earlier finish.
    pub time_limit: f64,
    pub seed: u64,
    /// Stop after this many schedules.
    pub schedules: Option<u64>,
}

/// `waymark level PLAN...`
pub fn run_level(
    files: &[PathBuf],
    format: Option<Format>,
    json: bool,
    svg: Option<&Path>,
    settings: &Settings,
) -> Result<ExitCode> {
    let Settings {
        within_float,
        explain,
        time_limit,
        seed,
        schedules,
    } = *settings;
    // The time limit counts from here: reading and scheduling the plans spend part of it, so
    // that the whole command, not only its search, keeps to what was asked.
    let started = std::time::Instant::now();
    let Some(inputs) = input::load_scheduled(files, format)? else {
        return Ok(ExitCode::from(1));
    };
    let plans: Vec<Plan> = inputs.iter().map(|i| i.plan.clone()).collect();
    let deadline = deadline(started, time_limit);
    let options = level::RunOptions {
        within_float,
        seed,
        max_schedules: schedules,
    };
    let mut stop = || std::time::Instant::now() >= deadline;
    let LevelRun {
        pooled,
        before,
        levelled,
        schedules,
    } = match level::run(&plans, &options, &mut stop) {
        Ok(run) => run,
        Err(failure) => {
            // Reported against the file of the task it names, in that file's terms.
            match inputs.get(failure.plan) {
                Some(input) => input::report(
                    &input.name,
                    &doctor::schedule_failure(&input.plan, &failure.error),
                ),
                None => eprintln!("error: {}", failure.error),
            }
            return Ok(ExitCode::from(1));
        }
    };
    if schedules == 0 {
        eprintln!("levelled: nobody is booked on a resource, nothing to level");
    } else {
        eprintln!("levelled: best of {schedules} schedules (seed {seed})");
    }
    let plan = &pooled.plan;
    if let Some(path) = svg {
        let mut chart = waymark_report::gantt_chart(plan, &levelled.schedule);
        for delay in &levelled.delays {
            chart.rows[delay.task.0].delayed_from = Some(time::datetime(delay.earliest));
        }
        crate::files::write_atomically(path, waymark_report::gantt_svg(&chart).as_bytes())?;
    }
    if json {
        let files: Vec<(&str, &Plan)> = inputs
            .iter()
            .map(|input| (input.name.as_str(), &input.plan))
            .collect();
        let document = waymark_report::json::level_json(&files, &pooled, &before, &levelled);
        output::print_json(&document)?;
        return Ok(ExitCode::SUCCESS);
    }
    let per_day = plan.project.minutes_per_day.max(1);
    let mut text = String::new();
    for (index, input) in inputs.iter().enumerate() {
        let _ = writeln!(
            text,
            "{}: finish {} → {}",
            input.name,
            time::iso(plan_finish(&before, &pooled.owner, index)),
            time::iso(plan_finish(&levelled.schedule, &pooled.owner, index))
        );
    }
    if let Some(placed) = levelled.cut_short {
        let _ = writeln!(
            text,
            "\nThe time limit ({time_limit} s) ran out before one levelling pass finished: only \
             the first {placed} of {} tasks were levelled; the rest keep their unlevelled dates \
             and may still be over-allocated. Raise --time-limit to level them all.",
            plan.tasks.len()
        );
    }
    if levelled.delays.is_empty() && levelled.unresolved.is_empty() && levelled.cut_short.is_none()
    {
        let _ = writeln!(
            text,
            "\nNo task had to move: nobody is booked beyond their units."
        );
    } else if levelled.delays.is_empty() {
        let _ = writeln!(text, "\nNo task was moved.");
    } else {
        let _ = writeln!(text, "\nDelays ({}):", levelled.delays.len());
    }
    for delay in &levelled.delays {
        let task = &plan.tasks[delay.task.0];
        let _ = writeln!(
            text,
            "  {}  +{}  from {} to {}",
            label(task),
            output::days(delay.minutes, per_day),
            time::iso(delay.earliest),
            time::iso(delay.start)
        );
        for wait in delay.waits.iter().filter(|_| explain) {
            let holders: Vec<String> = wait
                .held_by
                .iter()
                .map(|h| label(&plan.tasks[h.0]))
                .collect();
            let _ = writeln!(
                text,
                "      waited for {}, busy on {} from {} to {}",
                plan.resources[wait.resource.0].name,
                holders.join(", "),
                time::iso(wait.from),
                time::iso(wait.to)
            );
        }
    }
    for u in &levelled.unresolved {
        let _ = writeln!(
            text,
            "  still over-allocated: `{}` on {} ({})",
            plan.tasks[u.task.0].id,
            plan.resources[u.resource.0].name,
            match u.reason {
                UnresolvedReason::Fixed => "the task cannot move: started, manual or pinned",
                UnresolvedReason::OutOfFloat => "moving it would use more than its float",
                UnresolvedReason::OverCapacity => "it needs more units than the person has",
            }
        );
    }
    text.push('\n');
    text.push_str(&output::schedule_table(plan, &levelled.schedule));
    output::print_text(&text)?;
    Ok(ExitCode::SUCCESS)
}
