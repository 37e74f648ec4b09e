//! The fast path of the simulation: when every task runs on one calendar and the plan has no
//! elapsed lags, actuals, manual tasks or upper-bound constraints, an iteration is a forward
//! and a backward pass over a fixed topological order in the calendar's working-time
//! coordinate, plain integer additions instead of the full scheduler's calendar arithmetic.
//! It runs [`LANES`] iterations at once, lane by lane in fixed-size arrays the compiler turns
//! into vector instructions, with no allocation per iteration. It computes exactly what
//! `schedule_with` computes for those plans (a property test holds the two paths equal).

// Lane loops index several arrays in lockstep: the form the compiler vectorises.
#![allow(clippy::needless_range_loop)]

use crate::calendar::WorkCalendar;
use crate::model::{ConstraintKind, Lag, LinkKind, Plan};
use crate::schedule::{Graph, TaskCalendars};

/// Iterations run together.
pub(crate) const LANES: usize = 32;
/// One value per lane.
pub(crate) type Lanes<T> = [T; LANES];

/// Working minutes beyond which the kernel's 32-bit coordinates are not used.
const LIMIT: i64 = 1 << 30;

#[derive(Clone, Copy)]
struct Edge {
    /// The task at the other end of the link.
    other: u32,
    kind: LinkKind,
    /// Working minutes, or NaN when the lag is a share of the predecessor's duration.
    lag: i32,
    share: f64,
}

/// Adjacency in compressed rows.
struct Rows {
    offsets: Vec<u32>,
    edges: Vec<Edge>,
}

impl Rows {
    fn of(&self, task: usize) -> &[Edge] {
        &self.edges[self.offsets[task] as usize..self.offsets[task + 1] as usize]
    }
}

pub(crate) struct Kernel<'a> {
    pub(crate) calendar: &'a WorkCalendar,
    /// The project start in working-time coordinates; every lane value is relative to it.
    pub(crate) start: i64,
    n: usize,
    /// The forward pass: a slot and what to do there (`LEAF`, `SUMMARY_START`,
    /// `SUMMARY_FINISH` in the low two bits).
    steps: Vec<u32>,
    /// Per summary slot: whether its forward and backward bounds constrain its children, and
    /// whether its early and late dates are read (so must be rolled up).
    bounds: Vec<bool>,
    late_bounds: Vec<bool>,
    roll_up: Vec<bool>,
    late_roll_up: Vec<bool>,
    /// Whether critical tasks are traced back from the finish instead of found by the
    /// backward pass (see `trace_critical`), and its scratch marks.
    trace: bool,
    tight: Vec<u32>,
    /// The slot of each task, and the task in each slot.
    slot: Vec<u32>,
    task_of_slot: Vec<usize>,
    summary: Vec<bool>,
    parent: Vec<u32>,
    done: Vec<bool>,
    children: Vec<Vec<u32>>,
    incoming: Rows,
    outgoing: Rows,
    lower_start: Vec<i32>,
    lower_finish: Vec<i32>,
    deadline: Vec<i32>,
    late_limit_cap: i32,
    /// The dates of the last run, per slot and lane, in working minutes from `start`: early
    /// and late starts and finishes; for a summary also the earliest finish of its children
    /// (what a finish-to-finish or start-to-finish link from it waits for) and the bounds it
    /// puts on its children.
    early_start: Vec<Lanes<i32>>,
    early_finish: Vec<Lanes<i32>>,
    min_early_finish: Vec<Lanes<i32>>,
    start_bound: Vec<Lanes<i32>>,
    finish_bound: Vec<Lanes<i32>>,
    late_start: Vec<Lanes<i32>>,
    late_finish: Vec<Lanes<i32>>,
    min_late_finish: Vec<Lanes<i32>>,
    late_start_bound: Vec<Lanes<i32>>,
    late_finish_bound: Vec<Lanes<i32>>,
}

const NONE: u32 = u32::MAX;
const LEAF: u32 = 0;
const SUMMARY_START: u32 = 1;
const SUMMARY_FINISH: u32 = 2;

/// `target = max(target, from + lag)`, lane by lane.
#[inline(always)]
fn max_plus(target: &mut Lanes<i32>, from: &Lanes<i32>, lag: i32) {
    for (t, f) in target.iter_mut().zip(from) {
        *t = (*t).max(f + lag);
    }
}

/// `target = min(target, from - lag)`, lane by lane.
#[inline(always)]
fn min_minus(target: &mut Lanes<i32>, from: &Lanes<i32>, lag: i32) {
    for (t, f) in target.iter_mut().zip(from) {
        *t = (*t).min(f - lag);
    }
}

fn relative(w: i64, start: i64) -> i32 {
    (w - start).clamp(-LIMIT, LIMIT) as i32
}

impl<'a> Kernel<'a> {
    /// The kernel for a plan, or `None` when the plan needs the full scheduler. `longest` is
    /// the largest duration any task can be sampled at (working minutes).
    pub(crate) fn new(
        plan: &Plan,
        calendars: &'a TaskCalendars,
        longest: &[i64],
    ) -> Option<Kernel<'a>> {
        let first = *calendars.of_task.first()?;
        if calendars.of_task.iter().any(|&c| c != first) {
            return None;
        }
        if plan.links.iter().any(|l| matches!(l.lag, Lag::Elapsed(_))) {
            return None;
        }
        let simple = plan.tasks.iter().all(|t| {
            t.actual_start.is_none()
                && t.actual_finish.is_none()
                && t.manual.is_none()
                && t.constraints.iter().all(|c| {
                    matches!(
                        c.kind,
                        ConstraintKind::StartNoEarlierThan | ConstraintKind::FinishNoEarlierThan
                    )
                })
        });
        if !simple {
            return None;
        }
        let graph = Graph::new(plan);
        let order = graph.order().ok()?;
        let calendar = &calendars.calendars[first];
        let n = plan.tasks.len();
        let mut start = calendar.w(plan.project.start);
        if let Some(status) = plan.project.status_date {
            start = start.max(calendar.w(status));
        }
        // 32-bit lanes hold every date of every iteration when the longest possible path fits.
        let mut reach: i64 = longest.iter().map(|d| d.max(&0)).sum();
        for link in &plan.links {
            reach += match link.lag {
                Lag::Working(m) | Lag::Elapsed(m) => m.abs(),
                Lag::Percent(share) => (share.abs() * longest[link.predecessor.0] as f64) as i64,
            };
        }
        let mut lower_start = vec![i32::MIN; n];
        let mut lower_finish = vec![i32::MIN; n];
        let mut deadline = vec![i32::MAX; n];
        for (index, task) in plan.tasks.iter().enumerate() {
            for constraint in &task.constraints {
                let w = calendar.w(constraint.date);
                reach += (w - start).abs();
                let w = relative(w, start);
                match constraint.kind {
                    ConstraintKind::StartNoEarlierThan => {
                        lower_start[index] = lower_start[index].max(w)
                    }
                    _ => lower_finish[index] = lower_finish[index].max(w),
                }
            }
            if let Some(d) = task.deadline {
                deadline[index] = relative(calendar.w(d), start);
            }
        }
        if reach >= LIMIT {
            return None;
        }
        let late_limit_cap = plan
            .project
            .deadline
            .map_or(i32::MAX, |d| relative(calendar.w(d), start));
        // Slots: tasks in the order the forward pass meets them (a summary where its finish
        // node comes), so both passes stream through memory and predecessors are close by.
        let mut task_of_slot = Vec::with_capacity(n);
        for &node in &order {
            if node >= n {
                task_of_slot.push(node - n);
            } else if !graph.summary[node] {
                task_of_slot.push(node);
            }
        }
        let mut slot = vec![0u32; n];
        for (index, &task) in task_of_slot.iter().enumerate() {
            slot[task] = index as u32;
        }
        let steps = order
            .iter()
            .map(|&node| {
                if node >= n {
                    slot[node - n] << 2 | SUMMARY_FINISH
                } else if graph.summary[node] {
                    slot[node] << 2 | SUMMARY_START
                } else {
                    slot[node] << 2 | LEAF
                }
            })
            .collect();
        let by_slot_flags = |values: &[bool]| -> Vec<bool> {
            task_of_slot.iter().map(|&task| values[task]).collect()
        };
        let by_slot = |values: &[i32]| -> Vec<i32> {
            task_of_slot.iter().map(|&task| values[task]).collect()
        };
        let rows = |by_successor: bool| {
            let mut offsets = Vec::with_capacity(n + 1);
            let mut edges = Vec::with_capacity(plan.links.len());
            offsets.push(0);
            for &task in &task_of_slot {
                let adjacency = if by_successor {
                    graph.incoming.of(task)
                } else {
                    graph.outgoing.of(task)
                };
                for &index in adjacency {
                    let link = &plan.links[index];
                    let other = if by_successor {
                        link.predecessor.0
                    } else {
                        link.successor.0
                    };
                    let (lag, share) = match link.lag {
                        Lag::Working(m) | Lag::Elapsed(m) => (m as i32, f64::NAN),
                        Lag::Percent(share) => (0, share),
                    };
                    edges.push(Edge {
                        other: slot[other],
                        kind: link.kind,
                        lag,
                        share,
                    });
                }
                offsets.push(edges.len() as u32);
            }
            Rows { offsets, edges }
        };
        // Which summaries' bounds and roll-ups can change anything. A summary without links or
        // constraints (most of a WBS) bounds nothing, and nothing reads its dates.
        let mut bounds = vec![false; n];
        let mut late_bounds = vec![false; n];
        let mut roll_up = vec![false; n];
        let mut late_roll_up = vec![false; n];
        // Parents come before children in the reverse of the slot order.
        for &task in task_of_slot.iter().rev() {
            if !graph.summary[task] {
                continue;
            }
            let parent = plan.tasks[task].parent.map(|p| p.0);
            let inherited = |flags: &[bool]| parent.is_some_and(|p| flags[p]);
            bounds[task] = !graph.incoming.of(task).is_empty()
                || lower_start[task] != i32::MIN
                || lower_finish[task] != i32::MIN
                || inherited(&bounds);
            late_bounds[task] = !graph.outgoing.of(task).is_empty()
                || deadline[task] != i32::MAX
                || inherited(&late_bounds);
            roll_up[task] =
                !graph.outgoing.of(task).is_empty() || late_bounds[task] || inherited(&roll_up);
            late_roll_up[task] = !graph.incoming.of(task).is_empty() || inherited(&late_roll_up);
        }
        let trace = late_limit_cap == i32::MAX
            && deadline.iter().all(|&d| d == i32::MAX)
            && !bounds
                .iter()
                .chain(&late_bounds)
                .chain(&roll_up)
                .any(|&f| f)
            && !late_roll_up.iter().any(|&f| f);
        let zero = vec![[0i32; LANES]; n];
        Some(Kernel {
            calendar,
            start,
            n,
            steps,
            bounds: by_slot_flags(&bounds),
            late_bounds: by_slot_flags(&late_bounds),
            roll_up: by_slot_flags(&roll_up),
            late_roll_up: by_slot_flags(&late_roll_up),
            trace,
            tight: Vec::new(),
            summary: task_of_slot.iter().map(|&t| graph.summary[t]).collect(),
            parent: task_of_slot
                .iter()
                .map(|&t| plan.tasks[t].parent.map_or(NONE, |p| slot[p.0]))
                .collect(),
            done: task_of_slot
                .iter()
                .map(|&t| plan.tasks[t].progress >= 1.0)
                .collect(),
            children: task_of_slot
                .iter()
                .map(|&t| graph.children.of(t).iter().map(|&c| slot[c]).collect())
                .collect(),
            incoming: rows(true),
            outgoing: rows(false),
            lower_start: by_slot(&lower_start),
            lower_finish: by_slot(&lower_finish),
            deadline: by_slot(&deadline),
            slot,
            task_of_slot,
            late_limit_cap,
            early_start: zero.clone(),
            early_finish: zero.clone(),
            min_early_finish: zero.clone(),
            start_bound: zero.clone(),
            finish_bound: zero.clone(),
            late_start: zero.clone(),
            late_finish: zero.clone(),
            min_late_finish: zero.clone(),
            late_start_bound: zero.clone(),
            late_finish_bound: zero,
        })
    }

    /// The summary's dates from its children (what `schedule::roll_up` does, lane by lane).
    fn roll_up(&self, task: usize, late: bool, empty: &Lanes<i32>) -> [Lanes<i32>; 3] {
        let children = &self.children[task];
        if children.is_empty() {
            return [*empty; 3];
        }
        let (starts, finishes, min_finishes) = if late {
            (&self.late_start, &self.late_finish, &self.min_late_finish)
        } else {
            (
                &self.early_start,
                &self.early_finish,
                &self.min_early_finish,
            )
        };
        let mut start = [i32::MAX; LANES];
        let mut finish = [i32::MIN; LANES];
        let mut min_finish = [i32::MAX; LANES];
        for &child in children {
            let child = child as usize;
            let own = if self.summary[child] {
                &min_finishes[child]
            } else {
                &finishes[child]
            };
            for l in 0..LANES {
                start[l] = start[l].min(starts[child][l]);
                finish[l] = finish[l].max(finishes[child][l]);
                min_finish[l] = min_finish[l].min(own[l]);
            }
        }
        [start, finish, min_finish]
    }

    fn lag(edge: &Edge, predecessor: &Lanes<i32>) -> Lanes<i32> {
        if edge.share.is_nan() {
            [edge.lag; LANES]
        } else {
            predecessor.map(|m| (edge.share * f64::from(m)).round() as i32)
        }
    }

    /// Run [`LANES`] iterations with these durations: the project finish of each (working
    /// minutes from the start) and, when `critical` is given, which tasks are critical (a bit
    /// per lane). Without `critical` only the forward pass runs.
    pub(crate) fn run(
        &mut self,
        minutes: &[Lanes<i32>],
        critical: Option<&mut Vec<u32>>,
    ) -> Lanes<i32> {
        let n = self.n;
        let start = [0i32; LANES];
        let mut finish = [i32::MIN; LANES];
        let mut any = false;
        for index in 0..self.steps.len() {
            let step = self.steps[index];
            let task = (step >> 2) as usize;
            if step & 3 == SUMMARY_FINISH {
                if self.roll_up[task] {
                    [
                        self.early_start[task],
                        self.early_finish[task],
                        self.min_early_finish[task],
                    ] = self.roll_up(task, false, &start);
                }
                continue;
            }
            let mut start_at_least = [self.lower_start[task].max(0); LANES];
            let mut finish_at_least = [self.lower_finish[task]; LANES];
            let parent = self.parent[task];
            if parent != NONE && self.bounds[parent as usize] {
                let parent = parent as usize;
                for l in 0..LANES {
                    start_at_least[l] = start_at_least[l].max(self.start_bound[parent][l]);
                    finish_at_least[l] = finish_at_least[l].max(self.finish_bound[parent][l]);
                }
            }
            for edge in self.incoming.of(task) {
                let p = edge.other as usize;
                let (target, from) = match edge.kind {
                    LinkKind::FinishToStart => (&mut start_at_least, &self.early_finish[p]),
                    LinkKind::StartToStart => (&mut start_at_least, &self.early_start[p]),
                    LinkKind::FinishToFinish => (&mut finish_at_least, &self.early_finish[p]),
                    LinkKind::StartToFinish => (&mut finish_at_least, &self.early_start[p]),
                };
                if edge.share.is_nan() {
                    max_plus(target, from, edge.lag);
                } else {
                    let lag = Self::lag(edge, &minutes[p]);
                    for l in 0..LANES {
                        target[l] = target[l].max(from[l] + lag[l]);
                    }
                }
            }
            if step & 3 == SUMMARY_START {
                self.start_bound[task] = start_at_least;
                self.finish_bound[task] = finish_at_least;
                continue;
            }
            let length = &minutes[task];
            let (early_start, early_finish) =
                (&mut self.early_start[task], &mut self.early_finish[task]);
            for l in 0..LANES {
                let by_start = start_at_least[l] + length[l];
                let late = finish_at_least[l] > by_start;
                early_finish[l] = if late { finish_at_least[l] } else { by_start };
                early_start[l] = if late {
                    finish_at_least[l] - length[l]
                } else {
                    start_at_least[l]
                };
                finish[l] = finish[l].max(early_finish[l]);
            }
            any = true;
        }
        if !any {
            finish = start;
        }
        let Some(critical) = critical else {
            return finish;
        };
        critical.clear();
        critical.resize(n, 0);
        if self.trace {
            self.trace_critical(minutes, &finish, critical);
        } else {
            self.backward(minutes, &finish, critical);
        }
        // A summary's slot comes after its children's.
        for task in 0..n {
            let parent = self.parent[task];
            if parent != NONE {
                critical[parent as usize] |= critical[task];
            }
        }
        finish
    }

    /// The backward pass: late dates, and critical tasks where the float is not positive.
    fn backward(&mut self, minutes: &[Lanes<i32>], finish: &Lanes<i32>, critical: &mut [u32]) {
        let late_limit = finish.map(|f| f.min(self.late_limit_cap));
        for index in (0..self.steps.len()).rev() {
            let step = self.steps[index];
            let task = (step >> 2) as usize;
            if step & 3 == SUMMARY_START {
                if self.late_roll_up[task] {
                    [
                        self.late_start[task],
                        self.late_finish[task],
                        self.min_late_finish[task],
                    ] = self.roll_up(task, true, &late_limit);
                }
                continue;
            }
            let mut finish_at_most = late_limit;
            let mut start_at_most = [i32::MAX; LANES];
            let parent = self.parent[task];
            if parent != NONE && self.late_bounds[parent as usize] {
                let parent = parent as usize;
                let (early_start, parent_early_start) =
                    (&self.early_start[task], &self.early_start[parent]);
                let (finish_bound, start_bound) = (
                    &self.late_finish_bound[parent],
                    &self.late_start_bound[parent],
                );
                for l in 0..LANES {
                    finish_at_most[l] = finish_at_most[l].min(finish_bound[l]);
                    let bound = if early_start[l] <= parent_early_start[l] {
                        start_bound[l]
                    } else {
                        i32::MAX
                    };
                    start_at_most[l] = start_at_most[l].min(bound);
                }
            }
            for edge in self.outgoing.of(task) {
                let s = edge.other as usize;
                let s_finish = if self.summary[s] {
                    &self.min_late_finish[s]
                } else {
                    &self.late_finish[s]
                };
                let (target, from) = match edge.kind {
                    LinkKind::FinishToStart => (&mut finish_at_most, &self.late_start[s]),
                    LinkKind::StartToStart => (&mut start_at_most, &self.late_start[s]),
                    LinkKind::FinishToFinish => (&mut finish_at_most, s_finish),
                    LinkKind::StartToFinish => (&mut start_at_most, s_finish),
                };
                if edge.share.is_nan() {
                    min_minus(target, from, edge.lag);
                } else {
                    let lag = Self::lag(edge, &minutes[task]);
                    for l in 0..LANES {
                        target[l] = target[l].min(from[l] - lag[l]);
                    }
                }
            }
            let deadline = self.deadline[task];
            for value in &mut finish_at_most {
                *value = (*value).min(deadline);
            }
            if step & 3 == SUMMARY_FINISH {
                self.late_finish_bound[task] = finish_at_most;
                self.late_start_bound[task] = start_at_most;
                continue;
            }
            let length = &minutes[task];
            let (late_start, late_finish) =
                (&mut self.late_start[task], &mut self.late_finish[task]);
            let (early_start, early_finish) = (&self.early_start[task], &self.early_finish[task]);
            let mut mask = 0u32;
            for l in 0..LANES {
                let by_finish = finish_at_most[l] - length[l];
                let early = start_at_most[l] < by_finish;
                late_start[l] = if early { start_at_most[l] } else { by_finish };
                late_finish[l] = if early {
                    start_at_most[l] + length[l]
                } else {
                    finish_at_most[l]
                };
                let float = (late_start[l] - early_start[l]).min(late_finish[l] - early_finish[l]);
                mask |= u32::from(float <= 0) << l;
            }
            if !self.done[task] {
                critical[task] = mask;
            }
        }
    }

    /// Critical tasks without the backward pass, for plans without deadlines and without links
    /// or constraints on summaries: a task has zero float exactly when it finishes the project
    /// or a link to a zero-float successor is tight (the successor's date is the one this
    /// task's link gives), so marks flow from the finish back along tight links, in reverse
    /// topological order, touching only the links of critical tasks.
    fn trace_critical(
        &mut self,
        minutes: &[Lanes<i32>],
        finish: &Lanes<i32>,
        critical: &mut [u32],
    ) {
        let tight = &mut self.tight;
        tight.clear();
        tight.resize(self.n, 0);
        for index in (0..self.steps.len()).rev() {
            let step = self.steps[index];
            if step & 3 != LEAF {
                continue;
            }
            let task = (step >> 2) as usize;
            let (early_start, early_finish) = (&self.early_start[task], &self.early_finish[task]);
            let mut mask = tight[task];
            for l in 0..LANES {
                mask |= u32::from(early_finish[l] == finish[l]) << l;
            }
            if mask == 0 {
                continue;
            }
            if !self.done[task] {
                critical[task] = mask;
            }
            for edge in self.incoming.of(task) {
                let p = edge.other as usize;
                let (from, to) = match edge.kind {
                    LinkKind::FinishToStart => (&self.early_finish[p], early_start),
                    LinkKind::StartToStart => (&self.early_start[p], early_start),
                    LinkKind::FinishToFinish => (&self.early_finish[p], early_finish),
                    LinkKind::StartToFinish => (&self.early_start[p], early_finish),
                };
                let lag = Self::lag(edge, &minutes[p]);
                let mut hit = 0u32;
                for l in 0..LANES {
                    hit |= u32::from(from[l] + lag[l] == to[l]) << l;
                }
                tight[p] |= hit & mask;
            }
        }
    }

    /// Early finishes of the last run (relative working minutes) of a task (not a slot).
    pub(crate) fn early_finish(&self, task: usize) -> &Lanes<i32> {
        &self.early_finish[self.slot[task] as usize]
    }

    /// The task in each slot: the kernel takes durations and gives critical flags by slot.
    pub(crate) fn tasks(&self) -> &[usize] {
        &self.task_of_slot
    }
}
