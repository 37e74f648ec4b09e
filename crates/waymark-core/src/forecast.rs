//! Schedule risk analysis: Monte Carlo over three-point estimates and risk events.
//!
//! Each iteration samples every task's duration from its estimate (Beta-PERT by default,
//! triangular or uniform; tasks without an estimate keep their duration), lets every risk occur
//! with its probability (then its three-point `factor` multiplies, and its `delay` adds to, the
//! durations of its tasks: the risk-driver method of AACE 57R-09), and runs the scheduler's
//! forward and backward passes on the calendars. Durations are continuous (whole working
//! minutes), never rounded to days. The seed is an argument; one seed, one answer.

use crate::model::{Distribution, Plan};
use crate::rcpsp::Rng;
use crate::schedule::{durations, schedule_with, ScheduleError, TaskCalendars};
use crate::time::Instant;

/// How to simulate.
#[derive(Clone, Debug)]
pub struct ForecastOptions {
    pub iterations: u32,
    pub seed: u64,
}

/// What the simulation found.
#[derive(Clone, Debug)]
pub struct Forecast {
    pub iterations: u32,
    pub seed: u64,
    /// The project finish of every iteration, sorted.
    pub finishes: Vec<Instant>,
    /// Working minutes from the project start to each sorted finish.
    pub working_minutes: Vec<i64>,
    /// Share of iterations in which each task was critical.
    pub criticality: Vec<f64>,
    /// Spearman rank correlation of each task's duration with the project finish.
    pub sensitivity: Vec<f64>,
    /// Share of iterations meeting the project deadline, when there is one.
    pub deadline_probability: Option<f64>,
    /// For each risk, how many working minutes the P80 finish would gain without it.
    pub risk_p80_saved: Vec<i64>,
}

impl Forecast {
    /// The `p`-quantile (0..1) of the working minutes to the finish (nearest rank).
    pub fn percentile_minutes(&self, p: f64) -> i64 {
        quantile(&self.working_minutes, p)
    }

    /// The `p`-quantile of the finish instant.
    pub fn percentile_finish(&self, p: f64) -> Instant {
        quantile(&self.finishes, p)
    }
}

fn quantile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// A standard normal variate (Box-Muller).
fn normal(rng: &mut Rng) -> f64 {
    let u1 = rng.unit().max(f64::MIN_POSITIVE);
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A Gamma(shape, 1) variate (Marsaglia and Tsang 2000; shape >= 1 here).
fn gamma(rng: &mut Rng, shape: f64) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.unit();
        if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// A sample of a three-point estimate `(low, likely, high)`.
pub fn sample(rng: &mut Rng, distribution: Distribution, low: f64, likely: f64, high: f64) -> f64 {
    if high <= low {
        return likely;
    }
    let span = high - low;
    match distribution {
        Distribution::Uniform => low + span * rng.unit(),
        Distribution::Triangular => {
            let mode = ((likely - low) / span).clamp(0.0, 1.0);
            let u = rng.unit();
            if u < mode {
                low + span * (u * mode).sqrt()
            } else {
                high - span * ((1.0 - u) * (1.0 - mode)).sqrt()
            }
        }
        Distribution::Pert => {
            // Beta-PERT: Beta(1 + 4 (m - a) / (b - a), 1 + 4 (b - m) / (b - a)) on [a, b].
            let alpha = 1.0 + 4.0 * (likely - low) / span;
            let beta = 1.0 + 4.0 * (high - likely) / span;
            let x = gamma(rng, alpha);
            let y = gamma(rng, beta);
            low + span * x / (x + y)
        }
    }
}

/// Ranks (1-based, ties averaged) of a sample, for Spearman correlation.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &index in &order[i..=j] {
            out[index] = rank;
        }
        i = j + 1;
    }
    out
}

fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// One simulation run; `skip_risk` leaves one risk out (for its effect).
struct Run {
    finishes: Vec<Instant>,
    working: Vec<i64>,
    critical: Vec<u32>,
    samples: Vec<Vec<f64>>,
}

fn simulate(
    plan: &Plan,
    calendars: &TaskCalendars,
    options: &ForecastOptions,
    skip_risk: Option<usize>,
    keep_samples: bool,
    allow_fast: bool,
) -> Result<Run, ScheduleError> {
    let mut kernel = if allow_fast {
        kernel::Kernel::new(plan, calendars)
    } else {
        None
    };
    let mut critical = vec![false; plan.tasks.len()];
    let n = plan.tasks.len();
    let base = durations(plan);
    let mut rng = Rng::new(options.seed);
    let project_calendar = &calendars.calendars[calendars.project];
    let start_w = project_calendar.w(plan.project.start);
    let mut run = Run {
        finishes: Vec::with_capacity(options.iterations as usize),
        working: Vec::with_capacity(options.iterations as usize),
        critical: vec![0; n],
        samples: if keep_samples {
            vec![Vec::with_capacity(options.iterations as usize); n]
        } else {
            Vec::new()
        },
    };
    let mut sampled = vec![0.0f64; n];
    let mut minutes = vec![0i64; n];
    for _ in 0..options.iterations {
        for (index, task) in plan.tasks.iter().enumerate() {
            sampled[index] = match task.estimate {
                Some([low, likely, high]) => sample(
                    &mut rng,
                    task.distribution,
                    low as f64,
                    likely as f64,
                    high as f64,
                ),
                None => base[index] as f64,
            };
        }
        // Every risk draws its numbers in every iteration, so leaving one out changes nothing
        // else (common random numbers).
        for (index, risk) in plan.risks.iter().enumerate() {
            let occurs = rng.unit() < risk.probability;
            let factor = risk
                .factor
                .map(|[a, m, b]| sample(&mut rng, Distribution::Pert, a, m, b));
            let delay = risk.delay.map(|[a, m, b]| {
                sample(&mut rng, Distribution::Pert, a as f64, m as f64, b as f64)
            });
            if !occurs || skip_risk == Some(index) {
                continue;
            }
            for task in &risk.tasks {
                let value = &mut sampled[task.0];
                *value = *value * factor.unwrap_or(1.0) + delay.unwrap_or(0.0);
            }
        }
        for (index, value) in sampled.iter().enumerate() {
            minutes[index] = value.round().max(0.0) as i64;
        }
        let finish = match kernel.as_mut() {
            Some(kernel) => {
                let finish_w = kernel.run(&minutes, &mut critical);
                kernel.calendar.at(finish_w, crate::calendar::Edge::Finish)
            }
            None => {
                let schedule = schedule_with(plan, calendars, &minutes)?;
                for (flag, dates) in critical.iter_mut().zip(&schedule.tasks) {
                    *flag = dates.critical;
                }
                schedule.finish
            }
        };
        run.finishes.push(finish);
        run.working.push(project_calendar.w(finish) - start_w);
        for (index, &flag) in critical.iter().enumerate() {
            if flag {
                run.critical[index] += 1;
            }
        }
        if keep_samples {
            for (index, value) in sampled.iter().enumerate() {
                run.samples[index].push(*value);
            }
        }
    }
    Ok(run)
}

/// Run the Monte Carlo forecast.
pub fn forecast(plan: &Plan, options: &ForecastOptions) -> Result<Forecast, ScheduleError> {
    forecast_with(plan, options, true)
}

/// The forecast, optionally without the fast kernel (to hold the two paths equal in tests).
pub(crate) fn forecast_with(
    plan: &Plan,
    options: &ForecastOptions,
    allow_fast: bool,
) -> Result<Forecast, ScheduleError> {
    let calendars = TaskCalendars::new(plan)?;
    // Cycles and other errors surface from the full scheduler before any sampling.
    schedule_with(plan, &calendars, &durations(plan))?;
    let run = simulate(plan, &calendars, options, None, true, allow_fast)?;
    let iterations = options.iterations.max(1) as f64;
    let finish_w: Vec<f64> = run.working.iter().map(|&w| w as f64).collect();
    let finish_ranks = ranks(&finish_w);
    let sensitivity = run
        .samples
        .iter()
        .map(|samples| correlation(&ranks(samples), &finish_ranks))
        .collect();
    let criticality = run
        .critical
        .iter()
        .map(|&c| f64::from(c) / iterations)
        .collect();
    let deadline_probability = plan.project.deadline.map(|deadline| {
        run.finishes.iter().filter(|&&f| f <= deadline).count() as f64 / iterations
    });
    let mut working = run.working.clone();
    working.sort_unstable();
    let p80 = quantile(&working, 0.8);
    let mut risk_p80_saved = Vec::with_capacity(plan.risks.len());
    for index in 0..plan.risks.len() {
        let without = simulate(plan, &calendars, options, Some(index), false, allow_fast)?;
        let mut sorted = without.working;
        sorted.sort_unstable();
        risk_p80_saved.push(p80 - quantile(&sorted, 0.8));
    }
    let mut finishes = run.finishes;
    finishes.sort_unstable();
    Ok(Forecast {
        iterations: options.iterations,
        seed: options.seed,
        finishes,
        working_minutes: working,
        criticality,
        sensitivity,
        deadline_probability,
        risk_p80_saved,
    })
}

mod kernel;

#[cfg(test)]
mod tests;
