//! The precedence relation of an RCPSP or levelling network with its fixed topological order,
//! and the precedence-feasible activity lists the search starts from.

use super::ProblemError;
use crate::random::Rng;

/// A precedence relation with a fixed topological order, shared by the search and decoders.
#[derive(Clone, Debug)]
pub struct Precedence {
    pub(super) successors: Vec<Vec<usize>>,
    pub(super) predecessors: Vec<Vec<usize>>,
    pub(super) order: Vec<usize>,
    pub(super) rank: Vec<usize>,
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
