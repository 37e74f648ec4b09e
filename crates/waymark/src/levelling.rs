//! `waymark level` for plan files and `waymark load`: resource levelling with explanations,
//! several plans on one resource pool, and resource allocation per day or week.

use crate::input::{self, Format, Input};
use crate::output;
use anyhow::Result;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use waymark_core::doctor;
use waymark_core::level::{self, LevelOptions, LevelRun, UnresolvedReason};
use waymark_core::load::{load, Period};
use waymark_core::{schedule, time, Plan, Schedule, ScheduleError, TaskCalendars};
use waymark_report::json::plan_finish;

/// Read every file, stopping with diagnostics on the first that has errors or does not
/// schedule (a cycle, dates beyond the year 9999), so each is reported against its own file.
fn load_all(files: &[PathBuf], format: Option<Format>) -> Result<Option<Vec<Input>>> {
    let mut inputs = Vec::new();
    for file in files {
        let Some(input) = input::load(file, format)? else {
            return Ok(None);
        };
        if let Err(error) = schedule(&input.plan) {
            input::report(&input.name, &doctor::schedule_failure(&input.plan, &error));
            return Ok(None);
        }
        input::report(&input.name, &input.warnings);
        inputs.push(input);
    }
    Ok(Some(inputs))
}

/// A task as people recognise it: its id, and its name when that says more.
fn label(task: &waymark_core::Task) -> String {
    if task.name.is_empty() || task.name == task.id {
        format!("`{}`", task.id)
    } else {
        format!("`{}` ({})", task.id, task.name)
    }
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
    let Some(inputs) = load_all(files, format)? else {
        return Ok(ExitCode::from(1));
    };
    let plans: Vec<Plan> = inputs.iter().map(|i| i.plan.clone()).collect();
    // The engine never reads the clock: the deadline lives here and is polled through `stop`.
    // The argument parser holds the limit to (0, 3600] seconds; the clamp keeps a bad value
    // from any other caller from panicking in `Duration`.
    let limit = if time_limit.is_finite() {
        time_limit.clamp(0.0, crate::cli::MAX_TIME_LIMIT_SECONDS)
    } else {
        0.0
    };
    let deadline = started + std::time::Duration::from_secs_f64(limit);
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
        let mut chart = output::gantt(plan, &levelled.schedule);
        for delay in &levelled.delays {
            chart.rows[delay.task.0].delayed_from = Some(time::datetime(delay.earliest));
        }
        crate::cli::write_atomically(path, waymark_report::gantt_svg(&chart).as_bytes())?;
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
        let _ = writeln!(text, "\nNo task had to move: nobody is over-allocated.");
    } else if levelled.delays.is_empty() {
        let _ = writeln!(text, "\nNo task was moved.");
    } else {
        let _ = writeln!(text, "\nDelays ({}):", levelled.delays.len());
    }
    for delay in &levelled.delays {
        let task = &plan.tasks[delay.task.0];
        let _ = writeln!(
            text,
            "  {}  +{:.1}d  from {} to {}",
            label(task),
            delay.minutes as f64 / per_day as f64,
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

#[derive(Serialize)]
struct PeriodJson {
    start: String,
    allocated_hours: f64,
    capacity_hours: f64,
    peak_units: f64,
    over_allocated: bool,
}

#[derive(Serialize)]
struct ResourceLoadJson {
    id: String,
    name: String,
    units: f64,
    before: Vec<PeriodJson>,
    after: Vec<PeriodJson>,
}

#[derive(Serialize)]
struct LoadJson {
    period: &'static str,
    resources: Vec<ResourceLoadJson>,
}

fn periods_json(periods: &[waymark_core::load::PeriodLoad]) -> Vec<PeriodJson> {
    let hours = |minutes: f64| (minutes / 60.0 * 100.0).round() / 100.0;
    periods
        .iter()
        .map(|p| PeriodJson {
            start: time::iso(p.start),
            allocated_hours: hours(p.allocated_minutes),
            capacity_hours: hours(p.capacity_minutes),
            peak_units: (p.peak_units * 100.0).round() / 100.0,
            over_allocated: p.over_allocated,
        })
        .collect()
}

/// `waymark load PLAN`
pub fn run_load(
    file: &Path,
    format: Option<Format>,
    json: bool,
    period: Period,
    svg: Option<&Path>,
) -> Result<ExitCode> {
    let Some(inputs) = load_all(&[file.to_path_buf()], format)? else {
        return Ok(ExitCode::from(1));
    };
    let Some(input) = inputs.first() else {
        return Ok(ExitCode::from(1));
    };
    let plan = &input.plan;
    let computed = (|| {
        let calendars = TaskCalendars::new(plan)?;
        let before = schedule(plan)?;
        let levelled = level::level(plan, &LevelOptions::default())?;
        Ok::<_, ScheduleError>((calendars, before, levelled))
    })();
    let (calendars, before, levelled) = match computed {
        Ok(computed) => computed,
        Err(error) => {
            input::report(&input.name, &doctor::schedule_failure(plan, &error));
            return Ok(ExitCode::from(1));
        }
    };
    // Both views over the same span, so columns line up.
    let span = Schedule {
        start: before.start.min(levelled.schedule.start),
        finish: before.finish.max(levelled.schedule.finish),
        tasks: Vec::new(),
    };
    let with_span = |s: &Schedule| Schedule {
        start: span.start,
        finish: span.finish,
        tasks: s.tasks.clone(),
    };
    let load_before = load(plan, &with_span(&before), &calendars, period);
    let load_after = load(plan, &with_span(&levelled.schedule), &calendars, period);
    if let Some(path) = svg {
        let chart = load_chart(plan, period, &load_before, &load_after);
        crate::cli::write_atomically(path, waymark_report::load_svg(&chart).as_bytes())?;
    }
    if json {
        let document = LoadJson {
            period: period.name(),
            resources: plan
                .resources
                .iter()
                .zip(load_before.iter().zip(&load_after))
                .map(|(resource, (b, a))| ResourceLoadJson {
                    id: resource.id.clone(),
                    name: resource.name.clone(),
                    units: resource.units,
                    before: periods_json(&b.periods),
                    after: periods_json(&a.periods),
                })
                .collect(),
        };
        output::print_json(&document)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    for (title, loads) in [
        ("Before levelling", &load_before),
        ("After levelling", &load_after),
    ] {
        let _ = writeln!(
            text,
            "{title} (booked share of working time per {}; ! = over-allocated):",
            period.name()
        );
        let names: Vec<String> = plan
            .resources
            .iter()
            .map(|r| output::truncate(&r.name, 24))
            .collect();
        let width = names.iter().map(|n| output::width(n)).max().unwrap_or(4);
        let mut header = format!("  {}", output::pad("", width));
        if let Some(first) = loads.first() {
            for p in &first.periods {
                header.push_str(&format!(" {:>5}", time::datetime(p.start).format("%m-%d")));
            }
        }
        let _ = writeln!(text, "{header}");
        for (name, row) in names.iter().zip(loads.iter()) {
            let mut line = format!("  {}", output::pad(name, width));
            for p in &row.periods {
                let cell = if p.allocated_minutes <= 0.0 {
                    "·".to_string()
                } else if p.capacity_minutes <= 0.0 {
                    "∞".to_string()
                } else {
                    format!("{:.0}%", 100.0 * p.allocated_minutes / p.capacity_minutes)
                };
                let mark = if p.over_allocated { "!" } else { "" };
                line.push_str(&format!(" {:>5}", format!("{cell}{mark}")));
            }
            let _ = writeln!(text, "{line}");
        }
        text.push('\n');
    }
    output::print_text(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The heat map of `waymark load --svg`.
fn load_chart(
    plan: &Plan,
    period: Period,
    before: &[waymark_core::load::ResourceLoad],
    after: &[waymark_core::load::ResourceLoad],
) -> waymark_report::LoadChart {
    use waymark_report::{LoadCell, LoadChart, LoadPanel, LoadRow};
    let periods = before
        .first()
        .map(|row| {
            row.periods
                .iter()
                .map(|p| time::datetime(p.start).format("%m-%d").to_string())
                .collect()
        })
        .unwrap_or_default();
    let panel = |title: &str, loads: &[waymark_core::load::ResourceLoad]| LoadPanel {
        title: title.to_string(),
        rows: loads
            .iter()
            .map(|row| LoadRow {
                label: plan.resources[row.resource].name.clone(),
                cells: row
                    .periods
                    .iter()
                    .map(|p| LoadCell {
                        share: (p.capacity_minutes > 0.0)
                            .then(|| p.allocated_minutes / p.capacity_minutes),
                        over_allocated: p.over_allocated,
                    })
                    .collect(),
            })
            .collect(),
    };
    LoadChart {
        title: format!("{}: resource load per {}", plan.project.name, period.name()),
        periods,
        panels: vec![
            panel("Before levelling", before),
            panel("After levelling", after),
        ],
    }
}
