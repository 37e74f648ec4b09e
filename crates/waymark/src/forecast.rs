//! `waymark forecast --throughput` and `--history`: when will N items be done, or how many within
//! K periods, from the team's history of items finished per period (given as counts, or derived
//! from completion dates in a CSV file or a plan); and `waymark forecast PLAN`, the Monte Carlo
//! schedule risk analysis.

mod history;

use crate::input::{self, Format};
use crate::output;
use anyhow::{bail, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;
use waymark_core::throughput::{self, Period};

/// Where the throughput history comes from.
pub enum HistorySource<'a> {
    /// `--throughput 1,3,5,0,2`: counts per period, oldest first (checked by the parser).
    Counts(&'a [u64]),
    /// `--history FILE`: completion dates in a CSV file or a plan's finished work tasks.
    File {
        path: &'a Path,
        /// `--format`: the file is a plan of this format.
        format: Option<Format>,
        column: Option<&'a str>,
        as_of: Option<NaiveDate>,
    },
}

/// What `waymark forecast --throughput` or `--history` was asked.
pub struct ThroughputArgs<'a> {
    pub source: HistorySource<'a>,
    /// `day` or `week`.
    pub period: &'a str,
    /// `--items N..M`, checked by the parser.
    pub items: Option<(u64, u64)>,
    pub within: Option<u64>,
    pub start: Option<NaiveDate>,
    pub json: bool,
}

#[derive(Serialize)]
struct WhenJson {
    cdf: Vec<(u64, f64)>,
    p50: Option<u64>,
    p70: Option<u64>,
    p85: Option<u64>,
    p95: Option<u64>,
    dates: Option<DatesJson>,
}

#[derive(Serialize)]
struct DatesJson {
    p50: Option<String>,
    p70: Option<String>,
    p85: Option<String>,
    p95: Option<String>,
}

#[derive(Serialize)]
struct HowManyJson {
    at_least: Vec<(u64, f64)>,
    p50: u64,
    p70: u64,
    p85: u64,
    p95: u64,
}

#[derive(Serialize)]
struct ThroughputJson {
    method: &'static str,
    period: String,
    history: Vec<u64>,
    /// The first day of the first period, when the history comes from dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    history_start: Option<String>,
    /// The last day the history covers (completions after it are left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    as_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<SourceJson>,
    /// The first day of the first forecast period.
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<(u64, u64)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    within: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    when: Option<WhenJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    how_many: Option<HowManyJson>,
}

#[derive(Serialize)]
struct SourceJson {
    /// `csv` or `plan`.
    kind: &'static str,
    file: String,
    /// Completion dates read (before the as-of cut).
    completions: usize,
    /// Completions after `as_of`, left out of the history.
    after_as_of: usize,
    /// CSV: the column read (its header name, or `column N`).
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<String>,
    /// CSV: rows with an empty cell in that column.
    #[serde(skip_serializing_if = "Option::is_none")]
    without_date: Option<usize>,
    /// Plan: work tasks not finished yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    unfinished: Option<u64>,
}

const LEVELS: [f64; 4] = [0.5, 0.7, 0.85, 0.95];

/// A history ready to forecast from, with what to say about where it came from.
struct History {
    counts: Vec<u64>,
    /// Text printed before the forecast.
    preamble: String,
    /// Set when the history comes from dates.
    history_start: Option<NaiveDate>,
    as_of: Option<NaiveDate>,
    /// The first period after the history, the default `--start`.
    next_period: Option<NaiveDate>,
    source: Option<SourceJson>,
    /// A plan's unfinished work tasks: the default `--items`.
    unfinished: Option<u64>,
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The counts per period as text: one row per 7 days or 13 weeks, each led by its first day.
fn counts_table(start: NaiveDate, counts: &[u64], period: Period) -> String {
    let per_row = match period {
        Period::Day => 7,
        Period::Week => 13,
    };
    let mut text = String::new();
    for (row, chunk) in counts.chunks(per_row).enumerate() {
        let offset = (row * per_row) as u64 * period.days();
        let first = start
            .checked_add_days(chrono::Days::new(offset))
            .map_or_else(String::new, |d| d.to_string());
        text.push_str(&format!("  {first:<10}"));
        for count in chunk {
            text.push_str(&format!(" {count:>3}"));
        }
        text.push('\n');
    }
    text
}

/// Read and bin the history of `--history FILE`; `None` when the file had errors (printed).
fn history_from_file(
    path: &Path,
    format: Option<Format>,
    column: Option<&str>,
    as_of: Option<NaiveDate>,
    period: Period,
) -> Result<Option<History>> {
    let Some(completions) = history::read(path, format, column)? else {
        return Ok(None);
    };
    let (status_date, unfinished) = match &completions.source {
        history::Source::Plan {
            unfinished,
            status_date,
        } => (*status_date, Some(*unfinished)),
        history::Source::Csv { .. } => (None, None),
    };
    let given_as_of = as_of;
    let as_of = as_of.or(status_date);
    let binned = match throughput::bin(&completions.dates, period, as_of) {
        Ok(binned) => binned,
        Err(error) => {
            let diagnostic = waymark_core::Diagnostic::error(
                "no-history",
                format!("no throughput history: {error}"),
            );
            input::report(&completions.name, &[diagnostic]);
            return Ok(None);
        }
    };
    // Without an as-of date, the history ends with the last completion.
    let as_of = as_of.or_else(|| completions.dates.iter().copied().max());
    let total: u64 = binned.counts.iter().sum();
    let periods = plural(binned.counts.len(), period.name());
    let last_day = binned
        .end(period)
        .and_then(|end| end.pred_opt())
        .map_or_else(String::new, |d| d.to_string());
    let (what, origin) = match &completions.source {
        history::Source::Csv { column, .. } if column.starts_with("column ") => {
            ("items finished", format!("{}, {column}", completions.name))
        }
        history::Source::Csv { column, .. } => (
            "items finished",
            format!("{}, column `{column}`", completions.name),
        ),
        history::Source::Plan { .. } => ("finished work tasks", completions.name.clone()),
    };
    let mut preamble = format!(
        "History: {total} {what} in {periods}, {} to {last_day} ({origin})\n",
        binned.start
    );
    let mut notes = Vec::new();
    if let Some(as_of) = as_of {
        let why = if given_as_of.is_none() && status_date.is_some() {
            ", the status date"
        } else {
            ""
        };
        notes.push(format!("as of {as_of}{why}"));
    }
    if binned.after_as_of > 0 {
        notes.push(format!(
            "{} after it left out",
            plural(binned.after_as_of, "completion")
        ));
    }
    if let history::Source::Csv { without_date, .. } = completions.source {
        if without_date > 0 {
            notes.push(format!(
                "{} without a date skipped",
                plural(without_date, "row")
            ));
        }
    }
    preamble.push_str(&format!("  {}\n", notes.join("; ")));
    preamble.push_str(&counts_table(binned.start, &binned.counts, period));
    let (kind, column, without_date) = match &completions.source {
        history::Source::Csv {
            column,
            without_date,
        } => ("csv", Some(column.clone()), Some(*without_date)),
        history::Source::Plan { .. } => ("plan", None, None),
    };
    Ok(Some(History {
        next_period: binned.end(period),
        history_start: Some(binned.start),
        as_of,
        source: Some(SourceJson {
            kind,
            file: completions.name.clone(),
            completions: completions.dates.len(),
            after_as_of: binned.after_as_of,
            column,
            without_date,
            unfinished,
        }),
        counts: binned.counts,
        preamble,
        unfinished,
    }))
}

/// Run a throughput forecast.
pub fn run_throughput(args: &ThroughputArgs<'_>) -> Result<ExitCode> {
    let period = match args.period {
        "day" => Period::Day,
        "week" => Period::Week,
        other => bail!("--period must be `day` or `week`, not `{other}`"),
    };
    let history = match args.source {
        HistorySource::Counts(counts) => History {
            counts: counts.to_vec(),
            preamble: String::new(),
            history_start: None,
            as_of: None,
            next_period: None,
            source: None,
            unfinished: None,
        },
        HistorySource::File {
            path,
            format,
            column,
            as_of,
        } => match history_from_file(path, format, column, as_of, period)? {
            Some(history) => history,
            None => return Ok(ExitCode::from(1)),
        },
    };
    let start = args.start.or(history.next_period);
    let mut text = history.preamble;
    let items = match (args.items, args.within, history.unfinished) {
        (Some(items), _, _) => Some(items),
        (None, None, Some(0)) => bail!(
            "every work task of the plan is finished, so nothing is left to forecast; \
             give --items N or --within K"
        ),
        (None, None, Some(unfinished)) => {
            text.push_str(&format!(
                "Scope: the {unfinished} unfinished work tasks of the plan (--items overrides)\n"
            ));
            Some((unfinished, unfinished))
        }
        (None, _, _) => None,
    };
    if !text.is_empty() {
        text.push('\n');
    }
    let counts = &history.counts;
    let date_after = |periods: u64| {
        start.and_then(|start| {
            start
                .checked_add_days(chrono::Days::new(periods.saturating_mul(period.days())))
                .map(|d| d.to_string())
        })
    };
    let mut document = ThroughputJson {
        method: "exact",
        period: args.period.to_string(),
        history: counts.clone(),
        history_start: history.history_start.map(|d| d.to_string()),
        as_of: history.as_of.map(|d| d.to_string()),
        source: history.source,
        start: start.map(|d| d.to_string()),
        items: None,
        within: None,
        when: None,
        how_many: None,
    };
    match (items, args.within) {
        (Some((from, to)), None) => {
            let forecast = throughput::when(counts, from, to, 100_000)?;
            let [p50, p70, p85, p95] = LEVELS.map(|p| forecast.percentile(p));
            text.push_str(&format!(
                "{} items at the pace of the last {} {}s (exact, no sampling):\n",
                if from == to {
                    from.to_string()
                } else {
                    format!("{from} to {to}")
                },
                counts.len(),
                args.period
            ));
            for (level, periods) in LEVELS.iter().zip([p50, p70, p85, p95]) {
                let when = match periods {
                    Some(k) => match date_after(k) {
                        Some(date) => format!("{k} {}s (by {date})", args.period),
                        None => format!("{k} {}s", args.period),
                    },
                    None => "not within the forecast horizon".to_string(),
                };
                text.push_str(&format!("  {:>3.0} % sure: {when}\n", level * 100.0));
            }
            document.items = Some((from, to));
            document.when = Some(WhenJson {
                cdf: forecast.cdf,
                p50,
                p70,
                p85,
                p95,
                dates: start.map(|_| DatesJson {
                    p50: p50.and_then(date_after),
                    p70: p70.and_then(date_after),
                    p85: p85.and_then(date_after),
                    p95: p95.and_then(date_after),
                }),
            });
        }
        (None, Some(periods)) => {
            let forecast = throughput::how_many(counts, periods)?;
            let [p50, p70, p85, p95] = LEVELS.map(|p| forecast.percentile(p));
            text.push_str(&format!(
                "Items done within {periods} {}s at the pace of the last {} (exact):\n",
                args.period,
                counts.len()
            ));
            for (level, count) in LEVELS.iter().zip([p50, p70, p85, p95]) {
                text.push_str(&format!(
                    "  {:>3.0} % sure: at least {}\n",
                    level * 100.0,
                    plural(count as usize, "item")
                ));
            }
            document.within = Some(periods);
            document.how_many = Some(HowManyJson {
                at_least: forecast.at_least,
                p50,
                p70,
                p85,
                p95,
            });
        }
        _ => bail!("give either --items N (or N..M) or --within K"),
    }
    if args.json {
        output::print_json(&document)?;
    } else {
        output::print_text(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The threads a forecast runs on when nobody says: every core of the machine (the engine
/// takes the number as an argument and never asks).
pub fn every_core() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// How to run `waymark forecast PLAN`.
pub struct PlanArgs {
    pub iterations: u32,
    pub seed: u64,
    /// `None`: every core.
    pub threads: Option<usize>,
}

/// `waymark forecast PLAN`: Monte Carlo schedule risk analysis.
pub fn run_plan(
    file: &Path,
    format: Option<Format>,
    PlanArgs {
        iterations,
        seed,
        threads,
    }: PlanArgs,
    json: bool,
    svg: Option<&Path>,
) -> Result<ExitCode> {
    use waymark_core::forecast::{forecast, ForecastOptions};
    let Some(input) = input::load(file, format)? else {
        return Ok(ExitCode::from(1));
    };
    input::report(&input.name, &input.warnings);
    let plan = &input.plan;
    let options = ForecastOptions {
        iterations: iterations.max(1),
        seed,
    };
    let result = match forecast(plan, &options, threads.unwrap_or_else(every_core)) {
        Ok(result) => result,
        Err(error) => {
            input::report(
                &input.name,
                &waymark_core::doctor::schedule_failure(plan, &error),
            );
            return Ok(ExitCode::from(1));
        }
    };
    let document = waymark_report::json::forecast_json(plan, &result);
    if let Some(path) = svg {
        let chart = waymark_report::ForecastChart::of(plan, &result)?;
        crate::files::write_atomically(path, waymark_report::forecast_svg(&chart).as_bytes())?;
    }
    if json {
        output::print_json(&document)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = format!(
        "{}: {} iterations, seed {}\n\n  finish  P10 {}  P50 {}  P80 {}  P95 {}\n",
        input.name,
        result.iterations,
        result.seed,
        document.finish.p10,
        document.finish.p50,
        document.finish.p80,
        document.finish.p95
    );
    if let Some(deadline) = &document.deadline {
        text.push_str(&format!(
            "  chance of meeting the deadline {}: {:.0} %\n",
            deadline.date,
            deadline.probability * 100.0
        ));
    }
    for deadline in &document.task_deadlines {
        text.push_str(&format!(
            "  {}: chance of meeting its deadline {}: {:.0} %\n",
            deadline.id,
            deadline.date,
            deadline.probability * 100.0
        ));
    }
    for milestone in &document.milestones {
        text.push_str(&format!(
            "  milestone {}: chance of making its date {}: {:.0} %",
            milestone.id,
            milestone.date,
            milestone.probability * 100.0
        ));
        if let Some(deadline) = &milestone.deadline {
            text.push_str(&format!(
                "; its deadline {}: {:.0} %",
                deadline.date,
                deadline.probability * 100.0
            ));
        }
        text.push('\n');
    }
    if let Some(cost) = &document.cost {
        let currency = plan.project.currency.as_deref().unwrap_or("");
        text.push_str(&format!(
            "  cost  P50 {:.0} {currency}  P80 {:.0} {currency}  P95 {:.0} {currency}\n",
            cost.p50, cost.p80, cost.p95
        ));
    }
    let mut drivers: Vec<&waymark_report::json::TaskRiskJson> = document
        .tasks
        .iter()
        .filter(|t| t.sensitivity > 0.05)
        .collect();
    drivers.sort_by(|a, b| b.sensitivity.total_cmp(&a.sensitivity));
    if !drivers.is_empty() {
        text.push_str("\n  tasks that drive the finish (sensitivity, criticality):\n");
        for task in drivers.iter().take(8) {
            text.push_str(&format!(
                "    {} {:>5.2}  {:>4.0} %\n",
                output::pad(&output::truncate(&task.id, 28), 28),
                task.sensitivity,
                task.criticality * 100.0
            ));
        }
    }
    if !document.risks.is_empty() {
        text.push_str("\n  risks (days the P80 finish gains without them):\n");
        for (risk, &saved) in plan.risks.iter().zip(&result.risk_p80_saved) {
            text.push_str(&format!(
                "    {} {:>6}\n",
                output::pad(&output::truncate(&risk.id, 28), 28),
                output::days(saved, plan.project.minutes_per_day)
            ));
        }
    }
    output::print_text(&text)?;
    Ok(ExitCode::SUCCESS)
}
