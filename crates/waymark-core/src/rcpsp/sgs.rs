//! The decoders of the RCPSP: the serial and parallel schedule generation schemes on a
//! time-indexed resource profile, with forward-backward improvement (justification).

use super::{Decoded, Decoder, Precedence, Problem};

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
    pub(super) fn parallel_starts(&mut self, priority: &[i64]) -> Vec<i64> {
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
