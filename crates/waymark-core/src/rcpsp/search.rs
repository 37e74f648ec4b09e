//! The activity-list genetic algorithm (Hartmann 1998), generic over a [`Decoder`] that turns a
//! list into a schedule: the RCPSP's own decoder and plan levelling's both plug in here.

use super::Precedence;
use crate::random::Rng;
use std::collections::BTreeSet;

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
        admit(&mut population, &mut best, evaluate(list, &mut budget));
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
                admit(&mut population, &mut best, individual);
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
                admit(&mut population, &mut best, evaluate(list, &mut budget));
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

/// Adds `individual` to the population, and keeps it as the best when it is better than every
/// one before it (a tie keeps the earlier).
fn admit(population: &mut Vec<Individual>, best: &mut Individual, individual: Individual) {
    if individual.objective < best.objective {
        *best = individual.clone();
    }
    population.push(individual);
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
