//! The RCPSP instance and what is true of it whatever the search: its validation, the
//! feasibility check of a schedule and the lower bounds on its makespan.

use super::Precedence;

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

pub(super) fn earliest_starts(precedence: &Precedence, durations: &[u32]) -> Vec<u32> {
    let mut earliest = vec![0u32; durations.len()];
    for &i in &precedence.order {
        for &j in &precedence.successors[i] {
            earliest[j] = earliest[j].max(earliest[i] + durations[i]);
        }
    }
    earliest
}

/// Latest finish times against the critical-path length (resources ignored).
pub(super) fn latest_finishes(precedence: &Precedence, durations: &[u32]) -> Vec<u32> {
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
