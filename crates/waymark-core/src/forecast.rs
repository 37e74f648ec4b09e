//! Schedule risk analysis: Monte Carlo over three-point estimates and risk events.
//!
//! Each iteration samples every task's duration from its estimate (Beta-PERT by default,
//! triangular or uniform; tasks without an estimate keep their duration), lets every risk occur
//! with its probability (then its three-point `factor` multiplies, and its `delay` adds to, the
//! durations of its tasks: the risk-driver method of AACE 57R-09), and runs the scheduler's
//! forward and backward passes on the calendars. Durations are continuous (whole working
//! minutes), never rounded to days. The seed is an argument; one seed, one answer.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::calendar::Edge;
use crate::model::{Plan, ResourceKind, TaskId};
use crate::schedule::{durations, schedule_with, ScheduleError, TaskCalendars};
use crate::time::Instant;

use draw::{bits, iteration_key, minutes, unit, Sampler};
use kernel::{Kernel, Lanes, LANES};

/// The iterations a forecast runs with when nobody says otherwise: `waymark forecast` and
/// `waymark check`, the plan doctor's timeline check, every web page and the API's default.
/// One setting, so every place that shows a P80 shows the same one. With 10,000 iterations the
/// share of outcomes below the sampled P80 is off by 0.4 percentage points (one standard error,
/// `sqrt(0.8 * 0.2 / n)`); docs/benchmarks.md gives what they cost.
pub const DEFAULT_ITERATIONS: u32 = 10_000;
/// The seed a forecast runs with when nobody says otherwise (see [`DEFAULT_ITERATIONS`]).
pub const DEFAULT_SEED: u64 = 1;

/// How to simulate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForecastOptions {
    pub iterations: u32,
    pub seed: u64,
}

impl ForecastOptions {
    /// [`DEFAULT_ITERATIONS`] with [`DEFAULT_SEED`].
    pub const DEFAULT: ForecastOptions = ForecastOptions {
        iterations: DEFAULT_ITERATIONS,
        seed: DEFAULT_SEED,
    };
}

impl Default for ForecastOptions {
    fn default() -> ForecastOptions {
        ForecastOptions::DEFAULT
    }
}

/// What the simulation found.
#[derive(Clone, Debug, PartialEq)]
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
    /// Every task deadline with the share of iterations in which the task finished by it.
    pub task_deadlines: Vec<TaskDeadline>,
    /// The cost of every iteration, sorted; empty when no resource has a rate.
    pub costs: Vec<f64>,
    /// Every milestone still to reach (a leaf with `milestone`, neither finished nor 100 %
    /// done), in plan order, with its chances.
    pub milestones: Vec<MilestoneChance>,
}

/// The chances of one milestone: of finishing by its scheduled date (the plan's own
/// schedule, without sampling) and by its deadline.
///
/// "By" is read in working time on the milestone's calendar: a milestone at 17:00 on Friday
/// and one at 08:00 on Monday are the same working moment, so both make a date of either. A
/// task deadline (`task_deadlines`) compares instants instead, which for a milestone on such a
/// boundary needs the full scheduler; these chances never do, so they cost nothing on the fast
/// path.
#[derive(Clone, Debug, PartialEq)]
pub struct MilestoneChance {
    pub task: TaskId,
    /// The scheduled date (the finish in the schedule without sampling).
    pub date: Instant,
    /// The share of iterations in which the milestone finished by `date`.
    pub by_date: f64,
    /// The milestone's deadline and the share of iterations in which it finished by it.
    pub deadline: Option<(Instant, f64)>,
}

/// The chance of meeting one task's deadline.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskDeadline {
    pub task: TaskId,
    pub date: Instant,
    pub probability: f64,
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

    /// The `p`-quantile of the cost, when the plan has costs.
    pub fn percentile_cost(&self, p: f64) -> Option<f64> {
        (!self.costs.is_empty()).then(|| quantile(&self.costs, p))
    }
}

fn quantile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
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

const NO_RISK: u32 = u32::MAX;

/// A risk as the simulation draws it.
struct RiskDraws {
    probability: f64,
    factor: Option<Sampler>,
    delay: Option<Sampler>,
    tasks: Vec<usize>,
}

/// What the simulation draws from: a sampler per task and per risk, and the cost model.
struct Model<'a> {
    plan: &'a Plan,
    calendars: &'a TaskCalendars,
    seed: u64,
    tasks: Vec<Sampler>,
    risks: Vec<RiskDraws>,
    /// The risks of each task, in the order they apply.
    risks_of_task: Vec<Vec<usize>>,
    /// The tasks some risk affects, and each task's index among them (or `NO_RISK`).
    risky: Vec<usize>,
    risky_index: Vec<u32>,
    /// Cost per working minute of each task, and the fixed costs.
    cost_per_minute: Vec<f64>,
    fixed_cost: f64,
    has_cost: bool,
    /// Tasks with a deadline, and the deadline.
    deadlines: Vec<(usize, Instant)>,
    /// What the milestone chances count: a milestone and a moment in working time on its
    /// calendar (its scheduled date, or its deadline), one per chance.
    marks: Vec<Mark>,
}

/// A milestone and the working-time coordinate (on its calendar) it has to finish by.
#[derive(Clone, Copy)]
struct Mark {
    task: usize,
    by: i64,
}

impl<'a> Model<'a> {
    fn new(plan: &'a Plan, calendars: &'a TaskCalendars, seed: u64, marks: Vec<Mark>) -> Model<'a> {
        let tasks = plan
            .tasks
            .iter()
            .map(|task| match task.estimate {
                Some(estimate) => Sampler::new(task.distribution, estimate.map(|m| m as f64)),
                None => Sampler::Fixed(task.duration as f32),
            })
            .collect();
        let pert = crate::model::Distribution::Pert;
        // A closed risk keeps its index (so every other risk keeps its draws) but never occurs
        // and affects no task: it changes nothing, and its P80 days saved are 0.
        let risks: Vec<RiskDraws> = plan
            .risks
            .iter()
            .map(|risk| match risk.is_open() {
                true => RiskDraws {
                    probability: risk.probability,
                    factor: risk.factor.map(|f| Sampler::new(pert, f)),
                    delay: risk.delay.map(|d| Sampler::new(pert, d.map(|m| m as f64))),
                    tasks: risk.tasks.iter().map(|t| t.0).collect(),
                },
                false => RiskDraws {
                    probability: 0.0,
                    factor: None,
                    delay: None,
                    tasks: Vec::new(),
                },
            })
            .collect();
        let mut risks_of_task = vec![Vec::new(); plan.tasks.len()];
        for (index, risk) in risks.iter().enumerate() {
            for &task in &risk.tasks {
                risks_of_task[task].push(index);
            }
        }
        let risky: Vec<usize> = (0..plan.tasks.len())
            .filter(|&task| !risks_of_task[task].is_empty())
            .collect();
        let mut risky_index = vec![NO_RISK; plan.tasks.len()];
        for (index, &task) in risky.iter().enumerate() {
            risky_index[task] = index as u32;
        }
        let summary = plan.summaries();
        let mut cost_per_minute = vec![0.0; plan.tasks.len()];
        let mut fixed_cost = 0.0;
        for (index, task) in plan.tasks.iter().enumerate() {
            if summary[index] {
                continue;
            }
            for assignment in &task.assignments {
                let resource = &plan.resources[assignment.resource.0];
                let rate = resource.rate.unwrap_or(0.0);
                match resource.kind {
                    ResourceKind::Work => cost_per_minute[index] += assignment.units * rate / 60.0,
                    ResourceKind::Material => fixed_cost += assignment.units * rate,
                    ResourceKind::Cost => {}
                }
            }
        }
        let has_cost = fixed_cost != 0.0 || cost_per_minute.iter().any(|&c| c != 0.0);
        let deadlines = plan
            .tasks
            .iter()
            .enumerate()
            .filter(|(index, _)| !summary[*index])
            .filter_map(|(index, task)| task.deadline.map(|d| (index, d)))
            .collect();
        Model {
            plan,
            calendars,
            seed,
            tasks,
            risks,
            risks_of_task,
            risky,
            risky_index,
            cost_per_minute,
            fixed_cost,
            has_cost,
            deadlines,
            marks,
        }
    }

    fn risk_slot(&self, risk: usize) -> u32 {
        (self.plan.tasks.len() + 3 * risk) as u32
    }

    /// Whether a risk occurs in an iteration, and its factor and delay.
    fn risk(&self, key: u64, risk: usize) -> (bool, f32, f32) {
        let draws = &self.risks[risk];
        let slot = self.risk_slot(risk);
        let occurs = f64::from(unit(bits(key, slot))) < draws.probability;
        let factor = draws.factor.map_or(1.0, |s| s.sample(bits(key, slot + 1)));
        let delay = draws.delay.map_or(0.0, |s| s.sample(bits(key, slot + 2)));
        (occurs, factor, delay)
    }

    /// One task's duration in one iteration (working minutes), optionally without a risk.
    fn duration(&self, key: u64, task: usize, skip: Option<usize>) -> i32 {
        let mut value = self.tasks[task].sample(bits(key, task as u32));
        for &risk in &self.risks_of_task[task] {
            let (occurs, factor, delay) = self.risk(key, risk);
            if occurs && skip != Some(risk) {
                value = value * factor + delay;
            }
        }
        minutes(value)
    }

    /// Durations of [`LANES`] iterations, the same numbers [`Model::duration`] gives, with
    /// task `order[i]` at position `i` (`position` is the inverse).
    fn durations(
        &self,
        keys: &Lanes<u64>,
        skip: Option<usize>,
        (order, position): (&[usize], &[u32]),
        values: &mut Vec<Lanes<f32>>,
        out: &mut Vec<Lanes<i32>>,
    ) {
        let n = self.tasks.len();
        values.resize(self.risky.len(), [0.0; LANES]);
        out.resize(n, [0; LANES]);
        // Tasks without risks go straight to whole minutes; the others wait for their risks.
        let mut sampled = [0.0f32; LANES];
        for (lanes, &task) in out.iter_mut().zip(order) {
            let risky = self.risky_index[task];
            let target = if risky == NO_RISK {
                &mut sampled
            } else {
                &mut values[risky as usize]
            };
            self.tasks[task].sample_lanes(keys, task as u32, target);
            if risky == NO_RISK {
                for (minutes_out, &value) in lanes.iter_mut().zip(&sampled) {
                    *minutes_out = minutes(value);
                }
            }
        }
        for (index, risk) in self.risks.iter().enumerate() {
            if skip == Some(index) {
                continue;
            }
            for (l, &key) in keys.iter().enumerate() {
                let (occurs, factor, delay) = self.risk(key, index);
                if occurs {
                    for &task in &risk.tasks {
                        let at = &mut values[self.risky_index[task] as usize][l];
                        *at = *at * factor + delay;
                    }
                }
            }
        }
        for (&task, values) in self.risky.iter().zip(values.iter()) {
            let lanes = &mut out[position[task] as usize];
            for (minutes_out, &value) in lanes.iter_mut().zip(values) {
                *minutes_out = minutes(value);
            }
        }
    }
}

/// What one batch of iterations found.
struct Batch {
    finish: Lanes<Instant>,
    cost: Lanes<f64>,
    /// Per task, a bit per lane: critical.
    critical: Vec<u32>,
    /// Per task deadline, a bit per lane: met.
    met: Vec<u32>,
    /// Per milestone mark, a bit per lane: reached by then.
    reached: Vec<u32>,
}

/// Runs batches of iterations: the fast kernel or the full scheduler.
struct Engine<'m, 'a> {
    model: &'m Model<'a>,
    kernel: Option<Kernel<'a>>,
    /// The task at each position of the duration lanes, and the position of each task: the
    /// kernel's slots, or plan order for the full scheduler.
    order: Vec<usize>,
    position: Vec<u32>,
    slot_critical: Vec<u32>,
    /// Each task deadline and each milestone mark in the kernel's relative working minutes
    /// (computed once).
    deadline_limits: Vec<i64>,
    mark_limits: Vec<i64>,
    values: Vec<Lanes<f32>>,
    minutes: Vec<Lanes<i32>>,
    full: Vec<i64>,
    batch: Batch,
}

impl<'m, 'a> Engine<'m, 'a> {
    fn new(model: &'m Model<'a>, allow_fast: bool) -> Engine<'m, 'a> {
        // A task that can take no time is placed like a milestone, at an instant the
        // working-time coordinate does not tell apart (17:00 or the next 08:00): whether it
        // meets a deadline on that boundary needs the full scheduler.
        let milestone_deadline = model
            .deadlines
            .iter()
            .any(|&(task, _)| shortest_duration(model, task) < 0.5);
        let kernel = if allow_fast && !milestone_deadline {
            let longest: Vec<i64> = (0..model.tasks.len())
                .map(|task| longest_duration(model, task))
                .collect();
            Kernel::new(model.plan, model.calendars, &longest)
        } else {
            None
        };
        let order: Vec<usize> = match &kernel {
            Some(kernel) => kernel.tasks().to_vec(),
            None => (0..model.tasks.len()).collect(),
        };
        let deadline_limits = match &kernel {
            Some(kernel) => model
                .deadlines
                .iter()
                .map(|&(_, deadline)| kernel.calendar.w(deadline) - kernel.start)
                .collect(),
            None => Vec::new(),
        };
        let mark_limits = match &kernel {
            Some(kernel) => model
                .marks
                .iter()
                .map(|mark| mark.by - kernel.start)
                .collect(),
            None => Vec::new(),
        };
        let mut position = vec![0u32; order.len()];
        for (index, &task) in order.iter().enumerate() {
            position[task] = index as u32;
        }
        Engine {
            model,
            kernel,
            order,
            position,
            slot_critical: Vec::new(),
            deadline_limits,
            mark_limits,
            values: Vec::new(),
            minutes: Vec::new(),
            full: vec![0; model.tasks.len()],
            batch: Batch {
                finish: [0; LANES],
                cost: [0.0; LANES],
                critical: vec![0; model.tasks.len()],
                met: vec![0; model.deadlines.len()],
                reached: vec![0; model.marks.len()],
            },
        }
    }

    /// Run the iterations `ks` (at most [`LANES`]); `full` also finds critical tasks and met
    /// deadlines.
    fn run(&mut self, ks: &[u64], skip: Option<usize>, full: bool) -> Result<(), ScheduleError> {
        let model = self.model;
        let last = *ks.last().unwrap_or(&0);
        let keys: Lanes<u64> =
            std::array::from_fn(|l| iteration_key(model.seed, *ks.get(l).unwrap_or(&last)));
        model.durations(
            &keys,
            skip,
            (&self.order, &self.position),
            &mut self.values,
            &mut self.minutes,
        );
        let batch = &mut self.batch;
        if model.has_cost {
            for l in 0..LANES {
                let mut cost = model.fixed_cost;
                for (&task, minutes) in self.order.iter().zip(&self.minutes) {
                    cost += model.cost_per_minute[task] * f64::from(minutes[l]);
                }
                batch.cost[l] = cost;
            }
        }
        match self.kernel.as_mut() {
            Some(kernel) => {
                let finish = if full {
                    let finish = kernel.run(&self.minutes, Some(&mut self.slot_critical));
                    for (&task, &mask) in self.order.iter().zip(&self.slot_critical) {
                        batch.critical[task] = mask;
                    }
                    finish
                } else {
                    kernel.run(&self.minutes, None)
                };
                for (at, &finish) in batch.finish.iter_mut().zip(&finish) {
                    *at = kernel
                        .calendar
                        .at(kernel.start + i64::from(finish), Edge::Finish);
                }
                if full {
                    let deadlines = model.deadlines.iter().zip(&self.deadline_limits);
                    for (met, (&(task, _), &limit)) in batch.met.iter_mut().zip(deadlines) {
                        *met = finished_by(kernel.early_finish(task), limit);
                    }
                    let marks = model.marks.iter().zip(&self.mark_limits);
                    for (reached, (mark, &limit)) in batch.reached.iter_mut().zip(marks) {
                        *reached = finished_by(kernel.early_finish(mark.task), limit);
                    }
                }
            }
            None => {
                batch.critical.iter_mut().for_each(|c| *c = 0);
                batch.met.iter_mut().for_each(|c| *c = 0);
                batch.reached.iter_mut().for_each(|c| *c = 0);
                for l in 0..ks.len().min(LANES) {
                    for (&task, lanes) in self.order.iter().zip(&self.minutes) {
                        self.full[task] = i64::from(lanes[l]);
                    }
                    let schedule = schedule_with(model.plan, model.calendars, &self.full)?;
                    batch.finish[l] = schedule.finish;
                    if full {
                        for (mask, dates) in batch.critical.iter_mut().zip(&schedule.tasks) {
                            *mask |= u32::from(dates.critical) << l;
                        }
                        for (mask, &(task, deadline)) in batch.met.iter_mut().zip(&model.deadlines)
                        {
                            *mask |= u32::from(schedule.tasks[task].finish <= deadline) << l;
                        }
                        for (mask, mark) in batch.reached.iter_mut().zip(&model.marks) {
                            let calendar = model.calendars.of(TaskId(mark.task));
                            let finish = calendar.w(schedule.tasks[mark.task].finish);
                            *mask |= u32::from(finish <= mark.by) << l;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A bit per lane: whether the early finish (relative working minutes) is by `limit`.
fn finished_by(early_finish: &Lanes<i32>, limit: i64) -> u32 {
    let mut mask = 0;
    for (l, &finish) in early_finish.iter().enumerate() {
        mask |= u32::from(i64::from(finish) <= limit) << l;
    }
    mask
}

/// The longest a task's sampled duration can be (working minutes), to size the kernel's lanes.
fn longest_duration(model: &Model<'_>, task: usize) -> i64 {
    let high = |s: &Sampler| match *s {
        Sampler::Fixed(v) => f64::from(v),
        Sampler::Uniform { low, span } | Sampler::Pert { low, span, .. } => f64::from(low + span),
        Sampler::Triangular { high, .. } => f64::from(high),
    };
    let mut value = high(&model.tasks[task]).max(0.0);
    for &risk in &model.risks_of_task[task] {
        let risk = &model.risks[risk];
        value = value * risk.factor.as_ref().map_or(1.0, high).max(1.0)
            + risk.delay.as_ref().map_or(0.0, high).max(0.0);
    }
    if value.is_finite() {
        value.ceil() as i64 + 1
    } else {
        i64::MAX / 4
    }
}

/// The shortest a task's sampled duration can be (working minutes, before rounding).
fn shortest_duration(model: &Model<'_>, task: usize) -> f64 {
    let low = |s: &Sampler| match *s {
        Sampler::Fixed(v) => f64::from(v),
        Sampler::Uniform { low, .. }
        | Sampler::Pert { low, .. }
        | Sampler::Triangular { low, .. } => f64::from(low),
    };
    let mut value = low(&model.tasks[task]);
    for &risk in &model.risks_of_task[task] {
        let risk = &model.risks[risk];
        value = value * risk.factor.as_ref().map_or(1.0, low).min(1.0)
            + risk.delay.as_ref().map_or(0.0, low).min(0.0);
    }
    value
}

/// Iterations per unit of work handed to a thread.
const CHUNK: usize = 4 * LANES;

/// What the main simulation collects.
struct Totals {
    finish: Vec<Instant>,
    cost: Vec<f64>,
    critical: Vec<u32>,
    met: Vec<u32>,
    reached: Vec<u32>,
}

/// Adds each count of `counts` to the total at the same index.
fn add_counts(totals: &mut [u32], counts: impl IntoIterator<Item = u32>) {
    for (total, count) in totals.iter_mut().zip(counts) {
        *total += count;
    }
}

/// Adds the lanes set in each mask of `masks` (of the `valid` lanes) to the count at its index.
fn count_lanes(counts: &mut [u32], masks: &[u32], valid: u32) {
    add_counts(counts, masks.iter().map(|mask| (mask & valid).count_ones()));
}

/// Run `each` over chunks of `0..count` on `threads` threads; the results come back in chunk
/// order, so the outcome never depends on the number of threads.
/// Each thread makes its own scratch state with `init`.
fn parallel<S, T: Send>(
    count: usize,
    threads: usize,
    init: &(dyn Fn() -> S + Sync),
    each: &(dyn Fn(&mut S, std::ops::Range<usize>) -> T + Sync),
) -> Vec<T> {
    let chunks = count.div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        let mut state = None;
        loop {
            let chunk = next.fetch_add(1, Ordering::Relaxed);
            if chunk >= chunks {
                return done;
            }
            let range = chunk * CHUNK..((chunk + 1) * CHUNK).min(count);
            let state = state.get_or_insert_with(init);
            done.push((chunk, each(state, range)));
        }
    };
    let threads = threads.clamp(1, chunks.max(1));
    let mut all: Vec<(usize, T)> = if threads == 1 {
        worker()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    };
    all.sort_by_key(|(chunk, _)| *chunk);
    all.into_iter().map(|(_, value)| value).collect()
}

fn simulate(
    model: &Model<'_>,
    iterations: usize,
    threads: usize,
    allow_fast: bool,
) -> Result<Totals, ScheduleError> {
    let init = || Engine::new(model, allow_fast);
    let chunks = parallel(iterations, threads, &init, &|engine, range| {
        let mut finish = Vec::with_capacity(range.len());
        let mut cost = Vec::new();
        let mut critical = vec![0u32; model.tasks.len()];
        let mut met = vec![0u32; model.deadlines.len()];
        let mut reached = vec![0u32; model.marks.len()];
        let ks: Vec<u64> = range.map(|k| k as u64).collect();
        for batch in ks.chunks(LANES) {
            engine.run(batch, None, true)?;
            let valid = if batch.len() == LANES {
                u32::MAX
            } else {
                (1u32 << batch.len()) - 1
            };
            finish.extend_from_slice(&engine.batch.finish[..batch.len()]);
            if model.has_cost {
                cost.extend_from_slice(&engine.batch.cost[..batch.len()]);
            }
            count_lanes(&mut critical, &engine.batch.critical, valid);
            count_lanes(&mut met, &engine.batch.met, valid);
            count_lanes(&mut reached, &engine.batch.reached, valid);
        }
        Ok::<_, ScheduleError>((finish, cost, critical, met, reached))
    });
    let mut totals = Totals {
        finish: Vec::with_capacity(iterations),
        cost: Vec::new(),
        critical: vec![0; model.tasks.len()],
        met: vec![0; model.deadlines.len()],
        reached: vec![0; model.marks.len()],
    };
    for chunk in chunks {
        let (finish, cost, critical, met, reached) = chunk?;
        totals.finish.extend(finish);
        totals.cost.extend(cost);
        add_counts(&mut totals.critical, critical);
        add_counts(&mut totals.met, met);
        add_counts(&mut totals.reached, reached);
    }
    Ok(totals)
}

/// The finishes of the iterations in which `risk` occurred, run again without it.
fn without_risk(
    model: &Model<'_>,
    finish: &[Instant],
    risk: usize,
    threads: usize,
    allow_fast: bool,
) -> Result<Vec<Instant>, ScheduleError> {
    let slot = model.risk_slot(risk);
    let probability = model.risks[risk].probability;
    let occurred: Vec<u64> = (0..finish.len() as u64)
        .filter(|&k| f64::from(unit(bits(iteration_key(model.seed, k), slot))) < probability)
        .collect();
    let init = || Engine::new(model, allow_fast);
    let chunks = parallel(occurred.len(), threads, &init, &|engine, range| {
        let mut out = Vec::with_capacity(range.len());
        for batch in occurred[range].chunks(LANES) {
            engine.run(batch, Some(risk), false)?;
            out.extend(batch.iter().zip(engine.batch.finish).map(|(&k, f)| (k, f)));
        }
        Ok::<_, ScheduleError>(out)
    });
    let mut changed = finish.to_vec();
    for chunk in chunks {
        for (k, f) in chunk? {
            changed[k as usize] = f;
        }
    }
    Ok(changed)
}

/// Spearman correlation of each task's duration with the finish. Tasks that were never
/// critical cannot move the finish and get 0; a task's draws are regenerated from the seed
/// rather than stored, so memory does not grow with tasks x iterations.
fn sensitivity(model: &Model<'_>, working: &[i64], critical: &[u32], threads: usize) -> Vec<f64> {
    let finish_ranks = ranks(&working.iter().map(|&w| w as f64).collect::<Vec<_>>());
    let n = finish_ranks.len() as f64;
    let mean = finish_ranks.iter().sum::<f64>() / n;
    let centred: Vec<f64> = finish_ranks.iter().map(|r| r - mean).collect();
    let syy: f64 = centred.iter().map(|y| y * y).sum();
    let keys: Vec<u64> = (0..working.len() as u64)
        .map(|k| iteration_key(model.seed, k))
        .collect();
    let varies =
        |task: usize| !model.tasks[task].is_fixed() || !model.risks_of_task[task].is_empty();
    let tasks: Vec<usize> = (0..model.tasks.len())
        .filter(|&task| critical[task] > 0 && varies(task))
        .collect();
    let per_chunk = parallel(tasks.len(), threads, &|| (), &|_, range| {
        tasks[range]
            .iter()
            .map(|&task| {
                // Inversion sampling is monotone: without risks the rank of a duration is the
                // rank of its uniform draw.
                if model.risks_of_task[task].is_empty() {
                    // Streamed: sums against the centred finish ranks, nothing stored.
                    let (mut sx, mut sxx, mut sxy) = (0.0f64, 0.0f64, 0.0f64);
                    for (&key, &y) in keys.iter().zip(&centred) {
                        let x = f64::from(unit(bits(key, task as u32)));
                        sx += x;
                        sxx += x * x;
                        sxy += x * y;
                    }
                    let sxx = sxx - sx * sx / n;
                    let value = if sxx <= 0.0 || syy == 0.0 {
                        0.0
                    } else {
                        sxy / (sxx * syy).sqrt()
                    };
                    return (task, value);
                }
                let grades = {
                    let durations: Vec<f64> = keys
                        .iter()
                        .map(|&key| f64::from(model.duration(key, task, None)))
                        .collect();
                    ranks(&durations)
                };
                (task, correlation(&grades, &finish_ranks))
            })
            .collect::<Vec<_>>()
    });
    let mut out = vec![0.0; model.tasks.len()];
    for (task, value) in per_chunk.into_iter().flatten() {
        out[task] = value;
    }
    out
}

/// Run the Monte Carlo forecast on `threads` threads (the caller decides how many: core never
/// asks the machine); the result is bit-identical for any number of threads.
pub fn forecast(
    plan: &Plan,
    options: &ForecastOptions,
    threads: usize,
) -> Result<Forecast, ScheduleError> {
    forecast_with(plan, options, threads, true)
}

/// The milestones still to reach (their chances 0 until counted), and the marks that count
/// their chances: the scheduled date's, then the deadline's when there is one.
fn milestone_marks(
    plan: &Plan,
    calendars: &TaskCalendars,
    planned: &crate::schedule::Schedule,
) -> (Vec<MilestoneChance>, Vec<Mark>) {
    let summary = plan.summaries();
    let mut milestones = Vec::new();
    let mut marks = Vec::new();
    for (task, spec) in plan.tasks.iter().enumerate() {
        let reached = spec.actual_finish.is_some() || spec.progress >= 1.0;
        if !spec.milestone || summary[task] || reached {
            continue;
        }
        let calendar = calendars.of(TaskId(task));
        let date = planned.tasks[task].finish;
        milestones.push(MilestoneChance {
            task: TaskId(task),
            date,
            by_date: 0.0,
            deadline: spec.deadline.map(|deadline| (deadline, 0.0)),
        });
        for by in std::iter::once(date).chain(spec.deadline) {
            marks.push(Mark {
                task,
                by: calendar.w(by),
            });
        }
    }
    (milestones, marks)
}

/// The forecast, optionally without the fast kernel (to hold the two paths equal in tests).
pub(crate) fn forecast_with(
    plan: &Plan,
    options: &ForecastOptions,
    threads: usize,
    allow_fast: bool,
) -> Result<Forecast, ScheduleError> {
    let calendars = TaskCalendars::new(plan)?;
    // Cycles and other errors surface from the full scheduler before any sampling; its dates
    // are the milestones' scheduled dates.
    let planned = schedule_with(plan, &calendars, &durations(plan))?;
    let (mut milestones, marks) = milestone_marks(plan, &calendars, &planned);
    let model = Model::new(plan, &calendars, options.seed, marks);
    let iterations = options.iterations.max(1) as usize;
    let threads = threads.max(1);
    let totals = simulate(&model, iterations, threads, allow_fast)?;
    let project_calendar = &calendars.calendars[calendars.project];
    let start_w = project_calendar.w(plan.project.start);
    let working_of = |finish: &[Instant]| -> Vec<i64> {
        finish
            .iter()
            .map(|&f| project_calendar.w(f) - start_w)
            .collect()
    };
    let working = working_of(&totals.finish);
    let sensitivity = sensitivity(&model, &working, &totals.critical, threads);
    let share = |count: u32| f64::from(count) / iterations as f64;
    let criticality = totals.critical.iter().map(|&c| share(c)).collect();
    let deadline_probability = plan.project.deadline.map(|deadline| {
        totals.finish.iter().filter(|&&f| f <= deadline).count() as f64 / iterations as f64
    });
    let task_deadlines = model
        .deadlines
        .iter()
        .zip(&totals.met)
        .map(|(&(task, date), &met)| TaskDeadline {
            task: TaskId(task),
            date,
            probability: share(met),
        })
        .collect();
    // The marks are in milestone order, the date's before the deadline's.
    let mut reached = totals.reached.iter().map(|&count| share(count));
    for milestone in &mut milestones {
        milestone.by_date = reached.next().unwrap_or(0.0);
        if let Some((_, chance)) = &mut milestone.deadline {
            *chance = reached.next().unwrap_or(0.0);
        }
    }
    let mut sorted = working.clone();
    sorted.sort_unstable();
    let p80 = quantile(&sorted, 0.8);
    let mut risk_p80_saved = Vec::with_capacity(plan.risks.len());
    for risk in 0..plan.risks.len() {
        let without = without_risk(&model, &totals.finish, risk, threads, allow_fast)?;
        let mut without = working_of(&without);
        without.sort_unstable();
        risk_p80_saved.push(p80 - quantile(&without, 0.8));
    }
    let mut finishes = totals.finish;
    finishes.sort_unstable();
    let mut costs = totals.cost;
    costs.sort_by(f64::total_cmp);
    Ok(Forecast {
        iterations: options.iterations,
        seed: options.seed,
        finishes,
        working_minutes: sorted,
        criticality,
        sensitivity,
        deadline_probability,
        risk_p80_saved,
        task_deadlines,
        costs,
        milestones,
    })
}

mod draw;
mod kernel;

#[cfg(test)]
mod tests;
