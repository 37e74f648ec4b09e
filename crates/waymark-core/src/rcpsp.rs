//! Resource-constrained project scheduling (RCPSP): the levelling engine behind `waymark level`.
//!
//! A [`Problem`] is the classic single-mode RCPSP of PSPLIB: activities with integer durations,
//! finish-to-start precedences without lags and renewable resources with a constant capacity per
//! period. [`solve`] minimises the makespan with the methods that lead the published comparisons
//! (Kolisch & Hartmann 2006, "Experimental investigation of heuristics for resource-constrained
//! project scheduling: an update", EJOR 174:23-37):
//!
//! - the serial and parallel schedule generation schemes (SGS) driven by priority rules (LFT,
//!   LST, MTS, GRPW, ...) to seed a population;
//! - forward-backward improvement (justification) of every schedule, Valls, Ballestín &
//!   Quintanilla 2005, "Justification and RCPSP: a technique that pays", EJOR 165:375-386;
//! - Hartmann's activity-list genetic algorithm (Hartmann 1998, "A competitive genetic algorithm
//!   for resource-constrained project scheduling", NRL 45:733-750) with two-point crossover,
//!   shift mutation and Lamarckian lists: a child's list is rewritten in the order of its
//!   justified start times, which is the "topological order" representation of Debels et al.
//!   2006 and Valls et al. 2008.
//!
//! The search itself ([`search`]) is generic over a [`Decoder`], so plan levelling can plug in a
//! calendar-aware SGS and reuse the genetic algorithm. Pure: no clock and no global randomness.
//! Time limits come in through the `stop` callback and randomness from [`crate::random::Rng`], seeded by the
//! caller; with a schedule budget the result depends on the seed alone.

mod precedence;
mod problem;
mod search;
mod sgs;
#[cfg(test)]
mod tests;

pub use precedence::{Precedence, LARGE_NETWORK};
pub use problem::{
    check, critical_path_bound, lower_bound, validate, Problem, ProblemError, Violation,
};
pub use search::{search, Decoded, Decoder, Found, SearchOptions};
pub use sgs::SgsDecoder;

use crate::random::Rng;
use problem::latest_finishes;
use std::fmt;

/// How [`solve`] searches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The seed of every random choice.
    pub seed: u64,
    /// Stop after this many schedules (SGS passes); with it the result depends on the seed only.
    pub max_schedules: Option<u64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            max_schedules: None,
        }
    }
}

/// The best schedule found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    /// Start period of every activity (the first period is 0).
    pub starts: Vec<u32>,
    /// The latest finish of any activity.
    pub makespan: u32,
    /// How many schedules (SGS passes) the search generated.
    pub schedules: u64,
    /// A lower bound on the makespan: the critical path or a resource's total work.
    pub lower_bound: u32,
}

/// The priority rules that seed the population, each a value per activity, smaller first.
fn priority_rules(problem: &Problem, precedence: &Precedence) -> Vec<Vec<i64>> {
    let n = problem.durations.len();
    let durations = &problem.durations;
    let latest_finish = latest_finishes(precedence, durations);
    let lft: Vec<i64> = latest_finish.iter().map(|&f| i64::from(f)).collect();
    let lst: Vec<i64> = (0..n)
        .map(|i| i64::from(latest_finish[i]) - i64::from(durations[i]))
        .collect();
    // Most total successors: transitive closure by bit sets in reverse topological order.
    let mts: Vec<i64> = if n <= 4096 {
        let words = n.div_ceil(64);
        let mut reach = vec![0u64; n * words];
        for &i in precedence.order.iter().rev() {
            for &j in &precedence.successors[i] {
                reach[i * words + j / 64] |= 1 << (j % 64);
                for w in 0..words {
                    let bits = reach[j * words + w];
                    reach[i * words + w] |= bits;
                }
            }
        }
        (0..n)
            .map(|i| {
                -(reach[i * words..(i + 1) * words]
                    .iter()
                    .map(|w| i64::from(w.count_ones()))
                    .sum::<i64>())
            })
            .collect()
    } else {
        (0..n)
            .map(|i| -(precedence.successors[i].len() as i64))
            .collect()
    };
    // Greatest rank positional weight: own duration plus the immediate successors'.
    let grpw: Vec<i64> = (0..n)
        .map(|i| {
            -(i64::from(durations[i])
                + precedence.successors[i]
                    .iter()
                    .map(|&j| i64::from(durations[j]))
                    .sum::<i64>())
        })
        .collect();
    // Greatest resource demand, weighted by duration.
    let grd: Vec<i64> = (0..n)
        .map(|i| {
            -(i64::from(durations[i])
                * problem.demands[i]
                    .iter()
                    .map(|&q| i64::from(q))
                    .sum::<i64>())
        })
        .collect();
    vec![lft, lst, mts, grpw, grd]
}

/// Individuals in the RCPSP population: 60 did better than 30, 40 and 100 on the hardest j30
/// instances at 0.1 s and than 40 on a j120 sample at 1 s (docs/design/levelling.md).
const POPULATION: usize = 60;

/// Minimises the makespan of an RCPSP instance: priority-rule schedules (serial and parallel)
/// seed the genetic algorithm of [`search`], every schedule justified. `stop` is polled before
/// every schedule of the search; the search also ends at `max_schedules` or when a lower bound is reached.
pub fn solve(
    problem: &Problem,
    options: &Options,
    stop: &mut dyn FnMut() -> bool,
) -> Result<Solution, ProblemError> {
    validate(problem)?;
    let precedence = Precedence::new(problem.successors.clone())?;
    let bound = lower_bound(problem);
    let mut decoder = SgsDecoder::new(problem, &precedence);
    let rules = priority_rules(problem, &precedence);
    let mut rng = Rng::new(options.seed ^ 0x5EED);
    let mut initial = Vec::new();
    for rule in &rules {
        initial.push(precedence.sample_list(rule, &mut rng, true));
        let parallel = decoder.parallel_starts(rule);
        if let Some(list) = precedence.list_from_starts(&parallel) {
            initial.push(list);
        }
    }
    let search_options = SearchOptions {
        seed: options.seed,
        max_schedules: options.max_schedules,
        population: POPULATION,
        lower_bound: Some(i64::from(bound)),
        priority: rules.first().cloned(),
    };
    let found = search(&precedence, &mut decoder, &initial, &search_options, stop);
    let starts: Vec<u32> = found
        .starts
        .iter()
        .map(|&s| u32::try_from(s).unwrap_or(0))
        .collect();
    let makespan = (0..starts.len())
        .map(|i| starts[i] + problem.durations[i])
        .max()
        .unwrap_or(0);
    Ok(Solution {
        starts,
        makespan,
        schedules: found.schedules + rules.len() as u64,
        lower_bound: bound,
    })
}

impl fmt::Display for Solution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "makespan {} (lower bound {}) after {} schedules",
            self.makespan, self.lower_bound, self.schedules
        )
    }
}
