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
//! Time limits come in through the `stop` callback and randomness from [`Rng`], seeded by the
//! caller; with a schedule budget the result depends on the seed alone.

use std::collections::BTreeSet;
use std::fmt;

/// A single-mode RCPSP instance. Activity `i` lasts `durations[i]` periods, must finish before
/// each of `successors[i]` starts and uses `demands[i][r]` units of resource `r` in every period
/// it runs; resource `r` offers `capacities[r]` units per period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problem {
    pub durations: Vec<u32>,
    pub successors: Vec<Vec<usize>>,
    pub demands: Vec<Vec<u32>>,
    pub capacities: Vec<u32>,
}

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

/// Why a problem cannot be solved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProblemError {
    #[error("the problem has {durations} durations but {other} {what}")]
    Length {
        durations: usize,
        other: usize,
        what: &'static str,
    },
    #[error("activity {activity} requests {got} resources, the problem has {expected}")]
    DemandCount {
        activity: usize,
        got: usize,
        expected: usize,
    },
    #[error("activity {activity} has a successor {successor} that does not exist")]
    UnknownSuccessor { activity: usize, successor: usize },
    #[error("the precedences contain a cycle through activity {activity}")]
    Cycle { activity: usize },
    #[error(
        "activity {activity} needs {demand} units of resource {resource}, which offers only {capacity}"
    )]
    OverCapacity {
        activity: usize,
        resource: usize,
        demand: u32,
        capacity: u32,
    },
    #[error("the sum of the durations ({periods} periods) is too long to level")]
    TooLong { periods: u64 },
}

/// Why a schedule is not feasible.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("{got} start times for {expected} activities")]
    Length { got: usize, expected: usize },
    #[error(
        "activity {successor} starts at {start}, before activity {activity} finishes at {finish}"
    )]
    Precedence {
        activity: usize,
        successor: usize,
        finish: u32,
        start: u32,
    },
    #[error("resource {resource} is used {used} > {capacity} units in period {period}")]
    Capacity {
        resource: usize,
        period: u32,
        used: u64,
        capacity: u32,
    },
}

/// Longest sum of durations the time-indexed resource profile accepts (periods × resources).
const MAX_PROFILE_CELLS: u64 = 1 << 28;

/// Checks that the problem is well formed and solvable.
pub fn validate(problem: &Problem) -> Result<(), ProblemError> {
    let n = problem.durations.len();
    for (other, what) in [
        (problem.successors.len(), "successor lists"),
        (problem.demands.len(), "demand rows"),
    ] {
        if other != n {
            return Err(ProblemError::Length {
                durations: n,
                other,
                what,
            });
        }
    }
    let resources = problem.capacities.len();
    for (activity, row) in problem.demands.iter().enumerate() {
        if row.len() != resources {
            return Err(ProblemError::DemandCount {
                activity,
                got: row.len(),
                expected: resources,
            });
        }
        for (resource, (&demand, &capacity)) in row.iter().zip(&problem.capacities).enumerate() {
            if demand > capacity && problem.durations[activity] > 0 {
                return Err(ProblemError::OverCapacity {
                    activity,
                    resource,
                    demand,
                    capacity,
                });
            }
        }
    }
    let periods: u64 = problem.durations.iter().map(|&d| u64::from(d)).sum();
    if (periods + 1).saturating_mul(resources.max(1) as u64) > MAX_PROFILE_CELLS {
        return Err(ProblemError::TooLong { periods });
    }
    Precedence::new(problem.successors.clone()).map(|_| ())
}

/// Checks a schedule: every precedence and every resource in every period. Returns the makespan.
pub fn check(problem: &Problem, starts: &[u32]) -> Result<u32, Violation> {
    let n = problem.durations.len();
    if starts.len() != n {
        return Err(Violation::Length {
            got: starts.len(),
            expected: n,
        });
    }
    let finish = |i: usize| starts[i].saturating_add(problem.durations[i]);
    for (activity, successors) in problem.successors.iter().enumerate() {
        for &successor in successors {
            if successor < n && starts[successor] < finish(activity) {
                return Err(Violation::Precedence {
                    activity,
                    successor,
                    finish: finish(activity),
                    start: starts[successor],
                });
            }
        }
    }
    let makespan = (0..n).map(finish).max().unwrap_or(0);
    // Usage changes only where an activity starts or finishes: sweep those events.
    for (resource, &capacity) in problem.capacities.iter().enumerate() {
        let mut events: Vec<(u32, i64)> = Vec::new();
        for (i, row) in problem.demands.iter().enumerate() {
            let demand = row.get(resource).copied().unwrap_or(0);
            if demand > 0 && problem.durations[i] > 0 {
                events.push((starts[i], i64::from(demand)));
                events.push((finish(i), -i64::from(demand)));
            }
        }
        events.sort_unstable();
        let mut used: i64 = 0;
        let mut index = 0;
        while index < events.len() {
            let period = events[index].0;
            while index < events.len() && events[index].0 == period {
                used += events[index].1;
                index += 1;
            }
            if used > i64::from(capacity) {
                return Err(Violation::Capacity {
                    resource,
                    period,
                    used: used as u64,
                    capacity,
                });
            }
        }
    }
    Ok(makespan)
}

/// The length of the longest path of durations (resources ignored), the bound PSPLIB calls LB0.
pub fn critical_path_bound(problem: &Problem) -> u32 {
    let Ok(precedence) = Precedence::new(problem.successors.clone()) else {
        return 0;
    };
    let earliest = earliest_starts(&precedence, &problem.durations);
    (0..problem.durations.len())
        .map(|i| earliest[i] + problem.durations[i])
        .max()
        .unwrap_or(0)
}

/// The larger of the critical path and, for each resource, its total work over its capacity.
pub fn lower_bound(problem: &Problem) -> u32 {
    let mut bound = critical_path_bound(problem);
    for (resource, &capacity) in problem.capacities.iter().enumerate() {
        if capacity == 0 {
            continue;
        }
        let work: u64 = (0..problem.durations.len())
            .map(|i| {
                u64::from(problem.durations[i])
                    * u64::from(problem.demands[i].get(resource).copied().unwrap_or(0))
            })
            .sum();
        let periods = work.div_ceil(u64::from(capacity));
        bound = bound.max(u32::try_from(periods).unwrap_or(u32::MAX));
    }
    bound
}

fn earliest_starts(precedence: &Precedence, durations: &[u32]) -> Vec<u32> {
    let mut earliest = vec![0u32; durations.len()];
    for &i in &precedence.order {
        for &j in &precedence.successors[i] {
            earliest[j] = earliest[j].max(earliest[i] + durations[i]);
        }
    }
    earliest
}

/// Latest finish times against the critical-path length (resources ignored).
fn latest_finishes(precedence: &Precedence, durations: &[u32]) -> Vec<u32> {
    let earliest = earliest_starts(precedence, durations);
    let horizon = (0..durations.len())
        .map(|i| earliest[i] + durations[i])
        .max()
        .unwrap_or(0);
    let mut latest = vec![horizon; durations.len()];
    for &i in precedence.order.iter().rev() {
        for &j in &precedence.successors[i] {
            latest[i] = latest[i].min(latest[j] - durations[j]);
        }
    }
    latest
}

/// A small, fast, seedable random number generator: xoshiro256** (Blackman & Vigna 2018)
/// seeded through splitmix64, so that every seed, 0 included, gives a good state.
#[derive(Clone, Debug)]
pub struct Rng {
    state: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        Rng {
            state: [next(), next(), next(), next()],
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n` (0 when `n` is 0), by Lemire's multiply-shift.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// A precedence relation with a fixed topological order, shared by the search and decoders.
#[derive(Clone, Debug)]
pub struct Precedence {
    successors: Vec<Vec<usize>>,
    predecessors: Vec<Vec<usize>>,
    order: Vec<usize>,
    rank: Vec<usize>,
}

impl Precedence {
    /// Builds the relation; `successors[i]` must finish... be ordered after `i`. Fails on
    /// unknown activities and cycles.
    pub fn new(mut successors: Vec<Vec<usize>>) -> Result<Precedence, ProblemError> {
        let n = successors.len();
        let mut predecessors = vec![Vec::new(); n];
        for (activity, list) in successors.iter_mut().enumerate() {
            list.sort_unstable();
            list.dedup();
            for &successor in list.iter() {
                if successor >= n {
                    return Err(ProblemError::UnknownSuccessor {
                        activity,
                        successor,
                    });
                }
                predecessors[successor].push(activity);
            }
        }
        // Kahn's algorithm, first in first out from index order, so the order is deterministic.
        let mut waiting: Vec<usize> = predecessors.iter().map(Vec::len).collect();
        let mut order: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
        let mut head = 0;
        while head < order.len() {
            let i = order[head];
            head += 1;
            for &j in &successors[i] {
                waiting[j] -= 1;
                if waiting[j] == 0 {
                    order.push(j);
                }
            }
        }
        if order.len() < n {
            let activity = (0..n).find(|&i| waiting[i] > 0).unwrap_or(0);
            return Err(ProblemError::Cycle { activity });
        }
        let mut rank = vec![0; n];
        for (position, &i) in order.iter().enumerate() {
            rank[i] = position;
        }
        Ok(Precedence {
            successors,
            predecessors,
            order,
            rank,
        })
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn successors(&self, activity: usize) -> &[usize] {
        &self.successors[activity]
    }

    pub fn predecessors(&self, activity: usize) -> &[usize] {
        &self.predecessors[activity]
    }

    /// One topological order (Kahn's, from index order).
    pub fn topological_order(&self) -> &[usize] {
        &self.order
    }

    /// Whether `list` holds every activity once, each after all of its predecessors.
    pub fn is_feasible_list(&self, list: &[usize]) -> bool {
        let n = self.len();
        if list.len() != n {
            return false;
        }
        let mut position = vec![usize::MAX; n];
        for (p, &i) in list.iter().enumerate() {
            if i >= n || position[i] != usize::MAX {
                return false;
            }
            position[i] = p;
        }
        (0..n).all(|i| {
            self.successors[i]
                .iter()
                .all(|&j| position[i] < position[j])
        })
    }

    /// The activities in order of start time (ties in topological order), when that order
    /// respects the precedences; `None` when the schedule starts a successor before a
    /// predecessor (possible for decoders with negative lags).
    pub fn list_from_starts(&self, starts: &[i64]) -> Option<Vec<usize>> {
        if starts.len() != self.len() {
            return None;
        }
        let mut list: Vec<usize> = (0..self.len()).collect();
        list.sort_unstable_by_key(|&i| (starts[i], self.rank[i]));
        let ordered = (0..self.len()).all(|i| {
            self.successors[i]
                .iter()
                .all(|&j| (starts[i], self.rank[i]) < (starts[j], self.rank[j]))
        });
        ordered.then_some(list)
    }

    /// A precedence-feasible list drawn by regret-based biased random sampling (Drexl 1991):
    /// among the eligible activities, one with a smaller `priority` is more likely. With
    /// `greedy`, always the smallest (ties by topological order).
    ///
    /// Regret-based sampling weighs every eligible activity at every step, which is quadratic
    /// when thousands are eligible at once (a plan of 200,000 tasks spent minutes here, issue
    /// 12). Greedy lists and networks above [`LARGE_NETWORK`] activities therefore take the
    /// eligible activity with the smallest key from a heap, the key being the priority for a
    /// greedy list and the priority plus a random share of its spread otherwise.
    pub fn sample_list(&self, priority: &[i64], rng: &mut Rng, greedy: bool) -> Vec<usize> {
        let n = self.len();
        if greedy || n > LARGE_NETWORK {
            let spread = match (priority.iter().max(), priority.iter().min()) {
                (Some(&high), Some(&low)) if !greedy => high.saturating_sub(low) / 20 + 1,
                _ => 0,
            };
            let key: Vec<i64> = (0..n)
                .map(|i| {
                    let noise = if spread > 0 {
                        (rng.unit() * spread as f64) as i64
                    } else {
                        0
                    };
                    priority.get(i).copied().unwrap_or(0).saturating_add(noise)
                })
                .collect();
            return self.heap_list(&key);
        }
        let mut waiting: Vec<usize> = self.predecessors.iter().map(Vec::len).collect();
        let mut eligible: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
        let mut list = Vec::with_capacity(n);
        let mut weights = Vec::new();
        while !eligible.is_empty() {
            let worst = eligible.iter().map(|&i| priority[i]).max().unwrap_or(0);
            weights.clear();
            let mut total = 0.0;
            for &i in &eligible {
                let regret = (worst - priority[i]) as f64 + 1.0;
                total += regret * regret;
                weights.push(total);
            }
            let target = rng.unit() * total;
            let pick = weights
                .iter()
                .position(|&w| w > target)
                .unwrap_or(eligible.len() - 1);
            let i = eligible.swap_remove(pick);
            list.push(i);
            for &j in &self.successors[i] {
                waiting[j] -= 1;
                if waiting[j] == 0 {
                    eligible.push(j);
                }
            }
        }
        list
    }
}

/// Above this many activities [`Precedence::sample_list`] samples by random keys on a heap
/// instead of by regret weights (PSPLIB instances, at most 122 activities, are far below it).
pub const LARGE_NETWORK: usize = 2_000;

impl Precedence {
    /// The precedence-feasible list that always takes the eligible activity with the smallest
    /// `(key, topological rank)`: O(n log n).
    fn heap_list(&self, key: &[i64]) -> Vec<usize> {
        use std::cmp::Reverse;
        let n = self.len();
        let mut waiting: Vec<usize> = self.predecessors.iter().map(Vec::len).collect();
        let mut eligible: std::collections::BinaryHeap<Reverse<(i64, usize, usize)>> = (0..n)
            .filter(|&i| waiting[i] == 0)
            .map(|i| Reverse((key[i], self.rank[i], i)))
            .collect();
        let mut list = Vec::with_capacity(n);
        while let Some(Reverse((_, _, i))) = eligible.pop() {
            list.push(i);
            for &j in &self.successors[i] {
                waiting[j] -= 1;
                if waiting[j] == 0 {
                    eligible.push(Reverse((key[j], self.rank[j], j)));
                }
            }
        }
        list
    }
}

/// Turns a precedence-feasible priority list into a schedule; the search minimises its
/// objective. A decoder may improve the schedule it builds (as forward-backward improvement
/// does) and reports how many schedules it generated, which is what the budget counts.
pub trait Decoder {
    fn decode(&mut self, priority_list: &[usize]) -> Decoded;
}

/// What a [`Decoder`] made of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Smaller is better (the makespan for the RCPSP).
    pub objective: i64,
    /// Start of every activity, in the decoder's time unit.
    pub starts: Vec<i64>,
    /// Schedules generated for this list (at least 1).
    pub schedules: u64,
}

/// How [`search`] runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchOptions {
    pub seed: u64,
    pub max_schedules: Option<u64>,
    /// Individuals in the population.
    pub population: usize,
    /// Stop as soon as a schedule reaches this objective (a proven lower bound).
    pub lower_bound: Option<i64>,
    /// A priority per activity (smaller first) that biases the random initial lists, e.g. the
    /// latest finish times; `None` samples uniformly among the eligible activities.
    pub priority: Option<Vec<i64>>,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            seed: 1,
            max_schedules: None,
            population: 40,
            lower_bound: None,
            priority: None,
        }
    }
}

/// The best individual a [`search`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub list: Vec<usize>,
    pub objective: i64,
    pub starts: Vec<i64>,
    /// Schedules generated in all.
    pub schedules: u64,
}

#[derive(Clone, Debug)]
struct Individual {
    list: Vec<usize>,
    objective: i64,
    starts: Vec<i64>,
    fingerprint: u64,
}

fn list_fingerprint(list: &[usize]) -> u64 {
    list.iter().fold(0x8422_2325_CBF2_9CE4u64, |hash, &i| {
        (hash ^ i as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

fn fingerprint(starts: &[i64]) -> u64 {
    starts.iter().fold(0xCBF2_9CE4_8422_2325u64, |hash, &s| {
        (hash ^ s as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

struct Budget<'a> {
    used: u64,
    max: Option<u64>,
    stop: &'a mut dyn FnMut() -> bool,
    stopped: bool,
}

impl Budget<'_> {
    fn exhausted(&self) -> bool {
        self.stopped || self.max.is_some_and(|max| self.used >= max)
    }

    /// Asks the caller's stop callback, before every schedule: one schedule of a large plan can
    /// take longer than the whole time limit, so asking once per generation overshot it by
    /// minutes (issue 12). The callback may read a clock, which costs far less than a schedule.
    fn poll(&mut self) -> bool {
        if !self.stopped && (self.stop)() {
            self.stopped = true;
        }
        self.exhausted()
    }
}

/// The activity-list genetic algorithm (Hartmann 1998) over any [`Decoder`]: a population of
/// precedence-feasible lists, binary tournament selection, Hartmann's two-point crossover
/// (children stay precedence-feasible), a shift mutation inside each activity's precedence
/// window, survival of the best distinct individuals and a partial restart when the search
/// stagnates. Children take the order of their decoded start times (Lamarckian), so the
/// improvement a decoder makes (justification) is inherited.
///
/// `initial` lists (e.g. from priority rules) join the first population; the rest is sampled.
/// `stop` is polled before every schedule but the first. With `max_schedules` and a `stop` that
/// never fires the result depends on `options.seed` only.
pub fn search<D: Decoder + ?Sized>(
    precedence: &Precedence,
    decoder: &mut D,
    initial: &[Vec<usize>],
    options: &SearchOptions,
    stop: &mut dyn FnMut() -> bool,
) -> Found {
    let n = precedence.len();
    let mut rng = Rng::new(options.seed);
    let mut budget = Budget {
        used: 0,
        max: options.max_schedules,
        stop,
        stopped: false,
    };
    let size = options.population.max(2);
    let uniform = vec![0i64; n];
    let priority = options.priority.as_deref().unwrap_or(&uniform);
    let reached = |objective: i64| options.lower_bound.is_some_and(|lb| objective <= lb);

    let mut evaluate = |list: Vec<usize>, budget: &mut Budget| -> Individual {
        let decoded = decoder.decode(&list);
        budget.used += decoded.schedules.max(1);
        let list = precedence.list_from_starts(&decoded.starts).unwrap_or(list);
        Individual {
            list,
            objective: decoded.objective,
            fingerprint: fingerprint(&decoded.starts),
            starts: decoded.starts,
        }
    };

    let mut population: Vec<Individual> = Vec::with_capacity(2 * size);
    for list in initial {
        // The first list is always decoded, so there is an answer however short the limit.
        if !population.is_empty() && budget.poll() {
            break;
        }
        if precedence.is_feasible_list(list) {
            population.push(evaluate(list.clone(), &mut budget));
        }
    }
    if population.is_empty() {
        let list = precedence.sample_list(priority, &mut rng, true);
        population.push(evaluate(list, &mut budget));
    }
    let mut best = population
        .iter()
        .min_by_key(|i| i.objective)
        .cloned()
        .unwrap_or_else(|| unreachable_individual(n));
    while population.len() < size && !budget.poll() && !reached(best.objective) {
        let list = precedence.sample_list(priority, &mut rng, false);
        let individual = evaluate(list, &mut budget);
        if individual.objective < best.objective {
            best = individual.clone();
        }
        population.push(individual);
    }
    survive(&mut population, size);

    let mut since_improvement = 0u32;
    let mut seen: BTreeSet<u64> = population
        .iter()
        .map(|i| list_fingerprint(&i.list))
        .collect();
    let mut taken = vec![false; n];
    let mut position = vec![0usize; n];
    while !reached(best.objective) && !budget.poll() && n > 1 {
        let before = best.objective;
        let parents = population.len();
        for _ in 0..size.div_ceil(2) {
            if budget.poll() {
                break;
            }
            let mother = tournament(parents, &mut rng);
            let mut father = tournament(parents, &mut rng);
            if father == mother && parents > 1 {
                father = (mother + 1 + rng.below(parents - 1)) % parents;
            }
            let cut1 = rng.below(n + 1);
            let cut2 = rng.below(n + 1);
            let (low, high) = (cut1.min(cut2), cut1.max(cut2));
            for (first, second) in [(mother, father), (father, mother)] {
                let mut child = two_point(
                    &population[first].list,
                    &population[second].list,
                    low,
                    high,
                    &mut taken,
                );
                mutate(precedence, &mut child, &mut position, &mut rng);
                // A converged population breeds copies of its members; a copy costs a decode
                // and teaches nothing, so it is mutated until it is new (a few tries).
                for _ in 0..4 {
                    if seen.insert(list_fingerprint(&child)) {
                        break;
                    }
                    mutate_once(precedence, &mut child, &mut position, &mut rng);
                }
                let individual = evaluate(child, &mut budget);
                seen.insert(list_fingerprint(&individual.list));
                if individual.objective < best.objective {
                    best = individual.clone();
                }
                population.push(individual);
                if budget.poll() || reached(best.objective) {
                    break;
                }
            }
            if reached(best.objective) {
                break;
            }
        }
        survive(&mut population, size);
        if best.objective < before {
            since_improvement = 0;
        } else {
            since_improvement += 1;
        }
        // A population that has not improved for 15 generations has converged: keep only the
        // best individual and refill the rest with fresh biased samples. Measured against
        // keeping the best tenth, refilling with mutated elite copies, and waiting 8 to 60
        // generations (docs/design/levelling.md).
        if since_improvement >= 15 {
            since_improvement = 0;
            let elite = 1.min(population.len());
            population.truncate(elite);
            while population.len() < size && !budget.poll() {
                let list = precedence.sample_list(priority, &mut rng, false);
                let individual = evaluate(list, &mut budget);
                if individual.objective < best.objective {
                    best = individual.clone();
                }
                population.push(individual);
            }
            survive(&mut population, size);
        }
    }
    Found {
        list: best.list,
        objective: best.objective,
        starts: best.starts,
        schedules: budget.used,
    }
}

fn unreachable_individual(n: usize) -> Individual {
    Individual {
        list: (0..n).collect(),
        objective: i64::MAX,
        starts: vec![0; n],
        fingerprint: 0,
    }
}

/// Keeps the `size` best distinct individuals, best first (ties keep their arrival order).
fn survive(population: &mut Vec<Individual>, size: usize) {
    population.sort_by_key(|i| i.objective);
    let mut kept: Vec<Individual> = Vec::with_capacity(population.len());
    let mut duplicates: Vec<Individual> = Vec::new();
    for individual in population.drain(..) {
        let twin = kept
            .iter()
            .rev()
            .take_while(|k| k.objective == individual.objective)
            .any(|k| k.fingerprint == individual.fingerprint && k.starts == individual.starts);
        if twin {
            duplicates.push(individual);
        } else {
            kept.push(individual);
        }
    }
    kept.truncate(size);
    // Duplicates only fill a population that would otherwise be too small.
    for individual in duplicates {
        if kept.len() >= size.min(2) {
            break;
        }
        kept.push(individual);
    }
    *population = kept;
}

/// Binary tournament on a population sorted best first: the smaller index wins.
fn tournament(size: usize, rng: &mut Rng) -> usize {
    rng.below(size).min(rng.below(size))
}

/// Hartmann's two-point crossover: positions `..low` from `first`, then the next activities of
/// `second` not yet taken up to position `high`, then the rest in the order of `first`.
fn two_point(
    first: &[usize],
    second: &[usize],
    low: usize,
    high: usize,
    taken: &mut [bool],
) -> Vec<usize> {
    taken.iter_mut().for_each(|t| *t = false);
    let mut child = Vec::with_capacity(first.len());
    for &i in &first[..low] {
        child.push(i);
        taken[i] = true;
    }
    for &i in second {
        if child.len() >= high {
            break;
        }
        if !taken[i] {
            child.push(i);
            taken[i] = true;
        }
    }
    for &i in first {
        if !taken[i] {
            child.push(i);
            taken[i] = true;
        }
    }
    child
}

fn mutate(precedence: &Precedence, list: &mut [usize], position: &mut [usize], rng: &mut Rng) {
    // One shift for 60 % of the children: 0.3 and 1.0 did worse on the hardest j30 instances
    // (docs/design/levelling.md).
    if rng.unit() < 0.6 {
        mutate_once(precedence, list, position, rng);
    }
}

/// Moves one random activity to a random position between its last predecessor and its first
/// successor in the list, which keeps the list precedence-feasible.
fn mutate_once(precedence: &Precedence, list: &mut [usize], position: &mut [usize], rng: &mut Rng) {
    let n = list.len();
    if n < 2 {
        return;
    }
    for (p, &i) in list.iter().enumerate() {
        position[i] = p;
    }
    let from = rng.below(n);
    let activity = list[from];
    let low = precedence.predecessors[activity]
        .iter()
        .map(|&p| position[p] + 1)
        .max()
        .unwrap_or(0);
    let high = precedence.successors[activity]
        .iter()
        .map(|&s| position[s] - 1)
        .min()
        .unwrap_or(n - 1);
    if high <= low {
        return;
    }
    let to = low + rng.below(high - low + 1);
    if to > from {
        list[from..=to].rotate_left(1);
    } else if to < from {
        list[to..=from].rotate_right(1);
    }
}

/// The activities of one direction (forward, or backward on the reversed network), flattened
/// so the schedule generation scheme touches contiguous memory.
#[derive(Clone, Debug)]
struct Network {
    predecessor_start: Vec<usize>,
    predecessor_list: Vec<usize>,
    durations: Vec<u32>,
    /// Per activity, its nonzero requests `(resource, units)`.
    request_start: Vec<usize>,
    requests: Vec<(usize, u32)>,
}

impl Network {
    fn new(predecessors: &[Vec<usize>], problem: &Problem) -> Network {
        let mut predecessor_start = vec![0];
        let mut predecessor_list = Vec::new();
        let mut request_start = vec![0];
        let mut requests = Vec::new();
        for (i, list) in predecessors.iter().enumerate() {
            predecessor_list.extend_from_slice(list);
            predecessor_start.push(predecessor_list.len());
            if problem.durations[i] > 0 {
                for (r, &q) in problem.demands[i].iter().enumerate() {
                    if q > 0 {
                        requests.push((r, q));
                    }
                }
            }
            request_start.push(requests.len());
        }
        Network {
            predecessor_start,
            predecessor_list,
            durations: problem.durations.clone(),
            request_start,
            requests,
        }
    }
}

/// The serial and parallel schedule generation schemes with forward-backward improvement, on a
/// time-indexed profile of free capacity (`free[period * resources + resource]`).
#[derive(Clone, Debug)]
pub struct SgsDecoder {
    forward: Network,
    backward: Network,
    capacities: Vec<u32>,
    resources: usize,
    free: Vec<u32>,
    /// Periods of `free` touched by the last pass, to reset only those.
    dirty: usize,
    rank: Vec<usize>,
    starts: Vec<u32>,
    reversed: Vec<u32>,
    order: Vec<usize>,
    keys: Vec<u64>,
    /// Apply forward-backward improvement to every decoded list.
    pub justify: bool,
}

impl SgsDecoder {
    pub fn new(problem: &Problem, precedence: &Precedence) -> SgsDecoder {
        let n = problem.durations.len();
        let resources = problem.capacities.len();
        let periods: usize = problem.durations.iter().map(|&d| d as usize).sum::<usize>() + 1;
        let mut free = Vec::with_capacity(periods * resources);
        for _ in 0..periods {
            free.extend_from_slice(&problem.capacities);
        }
        SgsDecoder {
            forward: Network::new(&precedence.predecessors, problem),
            backward: Network::new(&precedence.successors, problem),
            capacities: problem.capacities.clone(),
            resources,
            free,
            dirty: 0,
            rank: precedence.rank.clone(),
            starts: vec![0; n],
            reversed: vec![0; n],
            order: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            justify: true,
        }
    }

    fn reset(&mut self) {
        let cells = (self.dirty * self.resources).min(self.free.len());
        for (k, cell) in self.free[..cells].iter_mut().enumerate() {
            *cell = self.capacities[k % self.resources];
        }
        self.dirty = 0;
    }

    /// The serial SGS: each activity of `list` in turn at its earliest precedence- and
    /// resource-feasible start. Returns the makespan.
    fn serial(&mut self, backward: bool, list: &[usize], starts: &mut [u32]) -> u32 {
        self.reset();
        let network = if backward {
            &self.backward
        } else {
            &self.forward
        };
        let resources = self.resources;
        let mut makespan = 0;
        for &j in list {
            let mut start = 0;
            for &p in &network.predecessor_list
                [network.predecessor_start[j]..network.predecessor_start[j + 1]]
            {
                start = start.max(starts[p] + network.durations[p]);
            }
            let duration = network.durations[j];
            let requests =
                &network.requests[network.request_start[j]..network.request_start[j + 1]];
            if duration > 0 && !requests.is_empty() {
                // Scan the periods the activity would occupy from the last one back: the latest
                // period without room moves the candidate start just past it, the longest jump.
                let mut period = start + duration;
                while period > start {
                    period -= 1;
                    let row = period as usize * resources;
                    if requests.iter().any(|&(r, q)| self.free[row + r] < q) {
                        start = period + 1;
                        period = start + duration;
                    }
                }
                for period in start..start + duration {
                    let row = period as usize * resources;
                    for &(r, q) in requests {
                        self.free[row + r] -= q;
                    }
                }
            }
            starts[j] = start;
            makespan = makespan.max(start + duration);
        }
        self.dirty = self.dirty.max(makespan as usize);
        makespan
    }

    /// The parallel SGS (non-delay schedules): at each decision time start every eligible
    /// activity that fits, in the order of `priority` (smaller first).
    fn parallel(&mut self, priority: &[i64], starts: &mut [u32]) -> u32 {
        self.reset();
        let network = &self.forward;
        let n = network.durations.len();
        let resources = self.resources;
        let mut done = vec![false; n];
        let mut finish = vec![0u32; n];
        let mut scheduled = 0;
        let mut time = 0u32;
        let mut makespan = 0;
        let mut candidates: Vec<usize> = (0..n).collect();
        candidates.sort_by_key(|&i| (priority[i], self.rank[i]));
        while scheduled < n {
            let mut progress = true;
            while progress {
                progress = false;
                for &j in &candidates {
                    if done[j] {
                        continue;
                    }
                    let preds = &network.predecessor_list
                        [network.predecessor_start[j]..network.predecessor_start[j + 1]];
                    if !preds.iter().all(|&p| done[p] && finish[p] <= time) {
                        continue;
                    }
                    let duration = network.durations[j];
                    let requests =
                        &network.requests[network.request_start[j]..network.request_start[j + 1]];
                    let fits = (time..time + duration).all(|period| {
                        let row = period as usize * resources;
                        requests.iter().all(|&(r, q)| self.free[row + r] >= q)
                    });
                    if !fits {
                        continue;
                    }
                    for period in time..time + duration {
                        let row = period as usize * resources;
                        for &(r, q) in requests {
                            self.free[row + r] -= q;
                        }
                    }
                    done[j] = true;
                    starts[j] = time;
                    finish[j] = time + duration;
                    makespan = makespan.max(finish[j]);
                    scheduled += 1;
                    progress = true;
                }
            }
            time = (0..n)
                .filter(|&i| done[i] && finish[i] > time)
                .map(|i| finish[i])
                .min()
                .unwrap_or(time + 1);
        }
        self.dirty = self.dirty.max(makespan as usize);
        makespan
    }

    /// Forward-backward improvement (Valls et al. 2005): right-justify the schedule (backward
    /// serial SGS in order of decreasing finish), then left-justify it (forward serial SGS in
    /// order of increasing start), while the makespan shrinks. Never makes it longer.
    fn justify_schedule(&mut self, mut makespan: u32, schedules: &mut u64) -> u32 {
        let n = self.starts.len();
        let mut starts = std::mem::take(&mut self.starts);
        let mut reversed = std::mem::take(&mut self.reversed);
        let mut order = std::mem::take(&mut self.order);
        for _ in 0..8 {
            // Backward: reversed start = makespan - finish; ties successors first.
            self.keys.clear();
            self.keys.extend((0..n).map(|i| {
                let key = u64::from(makespan - starts[i] - self.forward.durations[i]);
                (key << 32) | (n - self.rank[i]) as u64
            }));
            order.clear();
            order.extend(0..n);
            order.sort_unstable_by_key(|&i| self.keys[i]);
            let back = self.serial(true, &order, &mut reversed);
            for i in 0..n {
                starts[i] = back - reversed[i] - self.forward.durations[i];
            }
            self.keys.clear();
            self.keys
                .extend((0..n).map(|i| (u64::from(starts[i]) << 32) | self.rank[i] as u64));
            order.clear();
            order.extend(0..n);
            order.sort_unstable_by_key(|&i| self.keys[i]);
            let forward = self.serial(false, &order, &mut starts);
            *schedules += 2;
            if forward >= makespan {
                makespan = makespan.min(forward);
                break;
            }
            makespan = forward;
        }
        self.starts = starts;
        self.reversed = reversed;
        self.order = order;
        makespan
    }

    /// The schedule of one parallel-SGS pass as start times (for seeding a population).
    fn parallel_starts(&mut self, priority: &[i64]) -> Vec<i64> {
        let mut starts = std::mem::take(&mut self.starts);
        self.parallel(priority, &mut starts);
        let result = starts.iter().map(|&s| i64::from(s)).collect();
        self.starts = starts;
        result
    }
}

impl Decoder for SgsDecoder {
    fn decode(&mut self, priority_list: &[usize]) -> Decoded {
        let mut starts = std::mem::take(&mut self.starts);
        let mut makespan = self.serial(false, priority_list, &mut starts);
        self.starts = starts;
        let mut schedules = 1;
        if self.justify {
            makespan = self.justify_schedule(makespan, &mut schedules);
        }
        Decoded {
            objective: i64::from(makespan),
            starts: self.starts.iter().map(|&s| i64::from(s)).collect(),
            schedules,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::Rng;
    use super::*;
    use proptest::prelude::*;

    fn never() -> impl FnMut() -> bool {
        || false
    }

    /// Two parallel chains sharing one unit of a resource: the optimum serialises them.
    fn tiny() -> Problem {
        // 0 source, 1..=4 real, 5 sink. 1 -> 2, 3 -> 4; 1 and 3 need the whole resource.
        Problem {
            durations: vec![0, 3, 2, 2, 4, 0],
            successors: vec![vec![1, 3], vec![2], vec![5], vec![4], vec![5], vec![]],
            demands: vec![vec![0], vec![2], vec![1], vec![2], vec![1], vec![0]],
            capacities: vec![2],
        }
    }

    #[test]
    fn tiny_instance_reaches_its_known_optimum() {
        // Activities 1 and 3 each need the whole resource, so they run one after the other;
        // either order ends at 9 (3 first: 3, 1, then 2 beside 4; 1 first: 1, 3, then 2 beside
        // 4), while the resource bound is only 16 / 2 = 8.
        let problem = tiny();
        let options = Options {
            seed: 1,
            max_schedules: Some(2_000),
        };
        let solution = solve(&problem, &options, &mut never()).expect("valid");
        assert_eq!(check(&problem, &solution.starts), Ok(solution.makespan));
        assert_eq!(solution.makespan, 9);
        assert_eq!(solution.lower_bound, 8);
        assert_eq!(brute_force(&problem), 9);
    }

    /// The optimum by enumerating every precedence-feasible list through the serial SGS (which
    /// reaches an optimal schedule for some list, Kolisch 1996).
    fn brute_force(problem: &Problem) -> u32 {
        let precedence = Precedence::new(problem.successors.clone()).expect("acyclic");
        let mut decoder = SgsDecoder::new(problem, &precedence);
        decoder.justify = false;
        let mut best = u32::MAX;
        let mut list = Vec::new();
        let mut waiting: Vec<usize> = (0..precedence.len())
            .map(|i| precedence.predecessors(i).len())
            .collect();
        enumerate(
            &precedence,
            &mut decoder,
            &mut list,
            &mut waiting,
            &mut best,
        );
        best
    }

    fn enumerate(
        precedence: &Precedence,
        decoder: &mut SgsDecoder,
        list: &mut Vec<usize>,
        waiting: &mut Vec<usize>,
        best: &mut u32,
    ) {
        if list.len() == precedence.len() {
            *best = (*best).min(decoder.decode(list).objective as u32);
            return;
        }
        for i in 0..precedence.len() {
            if waiting[i] == 0 && !list.contains(&i) {
                list.push(i);
                for &j in precedence.successors(i) {
                    waiting[j] -= 1;
                }
                enumerate(precedence, decoder, list, waiting, best);
                for &j in precedence.successors(i) {
                    waiting[j] += 1;
                }
                list.pop();
            }
        }
    }

    #[test]
    fn checker_finds_precedence_and_capacity_violations() {
        let problem = tiny();
        assert!(matches!(
            check(&problem, &[0, 0, 2, 3, 5, 9]),
            Err(Violation::Precedence {
                activity: 1,
                successor: 2,
                ..
            })
        ));
        assert!(matches!(
            check(&problem, &[0, 0, 3, 0, 5, 9]),
            Err(Violation::Capacity {
                resource: 0,
                period: 0,
                ..
            })
        ));
        assert_eq!(check(&problem, &[0, 2, 5, 0, 5, 9]), Ok(9));
        assert!(matches!(
            check(&problem, &[0]),
            Err(Violation::Length { .. })
        ));
    }

    #[test]
    fn invalid_problems_are_errors_not_panics() {
        let mut cyclic = tiny();
        cyclic.successors[4].push(3);
        assert!(matches!(
            solve(&cyclic, &Options::default(), &mut never()),
            Err(ProblemError::Cycle { .. })
        ));
        let mut too_big = tiny();
        too_big.demands[2][0] = 3;
        assert!(matches!(
            solve(&too_big, &Options::default(), &mut never()),
            Err(ProblemError::OverCapacity { activity: 2, .. })
        ));
        let mut unknown = tiny();
        unknown.successors[0].push(17);
        assert!(solve(&unknown, &Options::default(), &mut never()).is_err());
        let empty = Problem::default();
        let solution = solve(&empty, &Options::default(), &mut never()).expect("empty is fine");
        assert_eq!(solution.makespan, 0);
    }

    fn random_problem(seed: u64, n: usize, resources: usize) -> Problem {
        let mut rng = Rng::new(seed);
        let capacities: Vec<u32> = (0..resources).map(|_| 1 + rng.below(6) as u32).collect();
        let durations: Vec<u32> = (0..n).map(|_| rng.below(6) as u32).collect();
        let demands = (0..n)
            .map(|_| {
                capacities
                    .iter()
                    .map(|&c| rng.below(c as usize + 1) as u32)
                    .collect()
            })
            .collect();
        let successors = (0..n)
            .map(|i| {
                (i + 1..n)
                    .filter(|_| rng.below(4) == 0)
                    .collect::<Vec<usize>>()
            })
            .collect();
        Problem {
            durations,
            successors,
            demands,
            capacities,
        }
    }

    #[test]
    fn same_seed_and_budget_give_the_same_schedule() {
        let problem = random_problem(7, 30, 3);
        let options = Options {
            seed: 42,
            max_schedules: Some(3000),
        };
        let first = solve(&problem, &options, &mut never()).expect("valid");
        let second = solve(&problem, &options, &mut never()).expect("valid");
        assert_eq!(first, second);
        assert!(first.schedules <= 3000 + 40);
        assert_eq!(check(&problem, &first.starts), Ok(first.makespan));
    }

    #[test]
    fn stop_ends_the_search() {
        let problem = random_problem(3, 40, 2);
        let mut polls = 0;
        let mut stop = || {
            polls += 1;
            polls > 2
        };
        let solution = solve(&problem, &Options::default(), &mut stop).expect("valid");
        assert!(polls <= 3 || solution.makespan == solution.lower_bound);
        assert_eq!(check(&problem, &solution.starts), Ok(solution.makespan));
    }

    #[test]
    fn rng_is_reproducible_and_in_range() {
        let mut a = Rng::new(0);
        let mut b = Rng::new(0);
        for _ in 0..100 {
            let x = a.below(7);
            assert_eq!(x, b.below(7));
            assert!(x < 7);
            let u = a.unit();
            assert_eq!(u, b.unit());
            assert!((0.0..1.0).contains(&u));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn every_schedule_is_feasible_and_no_shorter_than_the_bounds(
            seed in 0u64..10_000, n in 1usize..14, resources in 0usize..4
        ) {
            let problem = random_problem(seed, n, resources);
            let options = Options { seed, max_schedules: Some(400) };
            let solution = solve(&problem, &options, &mut never()).expect("valid");
            prop_assert_eq!(check(&problem, &solution.starts), Ok(solution.makespan));
            prop_assert!(solution.makespan >= critical_path_bound(&problem));
            prop_assert!(solution.makespan >= lower_bound(&problem));
            if n <= 7 {
                prop_assert_eq!(solution.makespan, brute_force(&problem));
            }
        }

        #[test]
        fn justification_never_lengthens_a_schedule(seed in 0u64..10_000, n in 2usize..25) {
            let problem = random_problem(seed, n, 2);
            let precedence = Precedence::new(problem.successors.clone()).expect("acyclic");
            let mut rng = Rng::new(seed);
            let list = precedence.sample_list(&vec![0; n], &mut rng, false);
            let mut plain = SgsDecoder::new(&problem, &precedence);
            plain.justify = false;
            let before = plain.decode(&list);
            let mut justified = SgsDecoder::new(&problem, &precedence);
            let after = justified.decode(&list);
            prop_assert!(after.objective <= before.objective);
            let starts: Vec<u32> = after.starts.iter().map(|&s| s as u32).collect();
            prop_assert_eq!(check(&problem, &starts), Ok(after.objective as u32));
        }
    }
}
