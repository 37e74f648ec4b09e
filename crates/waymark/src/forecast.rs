//! `waymark forecast --throughput`: when will N items be done, or how many within K periods,
//! from the team's history of items finished per period.

use crate::output;
use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::process::ExitCode;
use waymark_core::throughput;

/// What `waymark forecast --throughput` was asked.
pub struct ThroughputArgs<'a> {
    pub history: &'a str,
    /// `day` or `week`.
    pub period: &'a str,
    pub items: Option<&'a str>,
    pub within: Option<u64>,
    pub start: Option<NaiveDate>,
    pub json: bool,
}

fn parse_history(text: &str) -> Result<Vec<u64>> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<u64>().with_context(|| {
                format!("--throughput: `{part}` is not a whole number of items (e.g. 1,3,5,0,2)")
            })
        })
        .collect()
}

/// `100` or `100..120`.
fn parse_items(text: &str) -> Result<(u64, u64)> {
    let number = |part: &str| {
        part.trim()
            .parse::<u64>()
            .with_context(|| format!("--items: `{part}` is not a whole number"))
    };
    match text.split_once("..") {
        Some((from, to)) => Ok((number(from)?, number(to)?)),
        None => {
            let n = number(text)?;
            Ok((n, n))
        }
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<(u64, u64)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    within: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    when: Option<WhenJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    how_many: Option<HowManyJson>,
}

const LEVELS: [f64; 4] = [0.5, 0.7, 0.85, 0.95];

/// Run a throughput forecast.
pub fn run_throughput(args: &ThroughputArgs<'_>) -> Result<ExitCode> {
    let history = parse_history(args.history)?;
    let period_days = match args.period {
        "day" => 1,
        "week" => 7,
        other => bail!("--period must be `day` or `week`, not `{other}`"),
    };
    let date_after = |periods: u64| {
        args.start.and_then(|start| {
            start
                .checked_add_days(chrono::Days::new(periods.saturating_mul(period_days)))
                .map(|d| d.to_string())
        })
    };
    let mut document = ThroughputJson {
        method: "exact",
        period: args.period.to_string(),
        history: history.clone(),
        items: None,
        within: None,
        when: None,
        how_many: None,
    };
    let mut text = String::new();
    match (args.items, args.within) {
        (Some(items), None) => {
            let (from, to) = parse_items(items)?;
            let forecast = throughput::when(&history, from, to, 100_000)?;
            let [p50, p70, p85, p95] = LEVELS.map(|p| forecast.percentile(p));
            text.push_str(&format!(
                "{} items at the pace of the last {} {}s (exact, no sampling):\n",
                if from == to {
                    from.to_string()
                } else {
                    format!("{from} to {to}")
                },
                history.len(),
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
                dates: args.start.map(|_| DatesJson {
                    p50: p50.and_then(date_after),
                    p70: p70.and_then(date_after),
                    p85: p85.and_then(date_after),
                    p95: p95.and_then(date_after),
                }),
            });
        }
        (None, Some(periods)) => {
            let forecast = throughput::how_many(&history, periods)?;
            let [p50, p70, p85, p95] = LEVELS.map(|p| forecast.percentile(p));
            text.push_str(&format!(
                "Items done within {periods} {}s at the pace of the last {} (exact):\n",
                args.period,
                history.len()
            ));
            for (level, count) in LEVELS.iter().zip([p50, p70, p85, p95]) {
                text.push_str(&format!(
                    "  {:>3.0} % sure: at least {count} items\n",
                    level * 100.0
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
        _ => bail!("give either --items N (or N..M) or --within K with --throughput"),
    }
    if args.json {
        output::print_json(&document)?;
    } else {
        output::print_text(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Percentiles<T> {
    p10: T,
    p50: T,
    p80: T,
    p90: T,
    p95: T,
    mean: T,
}

#[derive(Serialize)]
struct DeadlineJson {
    date: String,
    probability: f64,
}

#[derive(Serialize)]
struct TaskRiskJson {
    id: String,
    criticality: f64,
    sensitivity: f64,
}

#[derive(Serialize)]
struct RiskEffectJson {
    id: String,
    p80_days_saved: f64,
}

#[derive(Serialize)]
struct PlanForecastJson {
    iterations: u32,
    seed: u64,
    duration_days: Percentiles<f64>,
    finish: Percentiles<String>,
    deadline: Option<DeadlineJson>,
    tasks: Vec<TaskRiskJson>,
    risks: Vec<RiskEffectJson>,
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// `waymark forecast PLAN`: Monte Carlo schedule risk analysis.
pub fn run_plan(
    file: &std::path::Path,
    iterations: u32,
    seed: u64,
    json: bool,
    svg: Option<&std::path::Path>,
) -> Result<ExitCode> {
    use waymark_core::forecast::{forecast, ForecastOptions};
    use waymark_core::time;
    let Some(input) = crate::input::load(file)? else {
        return Ok(ExitCode::from(1));
    };
    crate::input::report(&input.name, &input.warnings);
    let plan = &input.plan;
    let options = ForecastOptions {
        iterations: iterations.max(1),
        seed,
    };
    let result = match forecast(plan, &options) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("{}: error: {error}", input.name);
            return Ok(ExitCode::from(1));
        }
    };
    let per_day = plan.project.minutes_per_day.max(1) as f64;
    let days = |minutes: i64| round(minutes as f64 / per_day, 3);
    let mean_minutes = result.working_minutes.iter().sum::<i64>() as f64
        / result.working_minutes.len().max(1) as f64;
    let mean_finish = (result.finishes.iter().map(|&f| f as f64).sum::<f64>()
        / result.finishes.len().max(1) as f64)
        .round() as i64;
    let document = PlanForecastJson {
        iterations: result.iterations,
        seed: result.seed,
        duration_days: Percentiles {
            p10: days(result.percentile_minutes(0.1)),
            p50: days(result.percentile_minutes(0.5)),
            p80: days(result.percentile_minutes(0.8)),
            p90: days(result.percentile_minutes(0.9)),
            p95: days(result.percentile_minutes(0.95)),
            mean: round(mean_minutes / per_day, 3),
        },
        finish: Percentiles {
            p10: time::iso(result.percentile_finish(0.1)),
            p50: time::iso(result.percentile_finish(0.5)),
            p80: time::iso(result.percentile_finish(0.8)),
            p90: time::iso(result.percentile_finish(0.9)),
            p95: time::iso(result.percentile_finish(0.95)),
            mean: time::iso(mean_finish),
        },
        deadline: plan.project.deadline.zip(result.deadline_probability).map(
            |(date, probability)| DeadlineJson {
                date: time::iso(date),
                probability: round(probability, 4),
            },
        ),
        tasks: plan
            .tasks
            .iter()
            .enumerate()
            .map(|(index, task)| TaskRiskJson {
                id: task.id.clone(),
                criticality: round(result.criticality[index], 4),
                sensitivity: round(result.sensitivity[index], 4),
            })
            .collect(),
        risks: plan
            .risks
            .iter()
            .zip(&result.risk_p80_saved)
            .map(|(risk, &saved)| RiskEffectJson {
                id: risk.id.clone(),
                p80_days_saved: days(saved),
            })
            .collect(),
    };
    if let Some(path) = svg {
        let calendar =
            waymark_core::WorkCalendar::compile(&plan.calendars, plan.project.calendar.0)?;
        let to_days =
            |t: time::Instant| (calendar.w(t) - calendar.w(plan.project.start)) as f64 / per_day;
        let chart = waymark_report::ForecastChart {
            title: format!(
                "{}: finish forecast ({} iterations)",
                plan.project.name, result.iterations
            ),
            durations: result
                .working_minutes
                .iter()
                .map(|&m| m as f64 / per_day)
                .collect(),
            marks: [("P50", 0.5), ("P80", 0.8), ("P95", 0.95)]
                .iter()
                .map(|&(label, p)| {
                    (
                        label.to_string(),
                        result.percentile_minutes(p) as f64 / per_day,
                        time::iso(result.percentile_finish(p)),
                    )
                })
                .collect(),
            deadline: plan
                .project
                .deadline
                .map(|d| (to_days(d), time::datetime(d).format("%Y-%m-%d").to_string())),
        };
        crate::cli::write_atomically(path, waymark_report::forecast_svg(&chart).as_bytes())?;
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
    let mut drivers: Vec<&TaskRiskJson> = document
        .tasks
        .iter()
        .filter(|t| t.sensitivity > 0.05)
        .collect();
    drivers.sort_by(|a, b| b.sensitivity.total_cmp(&a.sensitivity));
    if !drivers.is_empty() {
        text.push_str("\n  tasks that drive the finish (sensitivity, criticality):\n");
        for task in drivers.iter().take(8) {
            text.push_str(&format!(
                "    {:<28} {:>5.2}  {:>4.0} %\n",
                task.id,
                task.sensitivity,
                task.criticality * 100.0
            ));
        }
    }
    if !document.risks.is_empty() {
        text.push_str("\n  risks (days the P80 finish gains without them):\n");
        for risk in &document.risks {
            text.push_str(&format!(
                "    {:<28} {:>5.1} d\n",
                risk.id, risk.p80_days_saved
            ));
        }
    }
    output::print_text(&text)?;
    Ok(ExitCode::SUCCESS)
}
