//! `waymark load`: each person's booked share of working time per day or week, before and
//! after levelling, as a table, JSON or a heat map.

use crate::input::{self, Format};
use crate::output;
use anyhow::Result;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use waymark_core::level::{self, LevelOptions};
use waymark_core::load::{load, Period};
use waymark_core::{doctor, schedule, time, Plan, Schedule, ScheduleError, TaskCalendars};

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
    let Some(inputs) = input::load_scheduled(&[file.to_path_buf()], format)? else {
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
        crate::files::write_atomically(path, waymark_report::load_svg(&chart).as_bytes())?;
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
            for cell in row.periods.iter().map(waymark_report::LoadCell::of) {
                let mark = if cell.over_allocated { "!" } else { "" };
                line.push_str(&format!(" {:>5}", format!("{}{mark}", cell.text(true))));
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
    use waymark_report::{load_rows, LoadChart, LoadPanel};
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
        rows: load_rows(plan, loads),
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
