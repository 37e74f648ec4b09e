//! Resource levelling of plans: a schedule in which no person is booked beyond their units at
//! any instant, that still honours every link, constraint and actual, and says why every task
//! moved.
//!
//! The levelled schedule comes from a serial schedule generation scheme run *inside* the CPM
//! forward pass: tasks are taken in a precedence-feasible priority order (higher `priority`
//! first, then the smaller unlevelled late start, as Microsoft Project's standard order does),
//! each is placed where its links and constraints allow, and then pushed to the first instant at
//! which every resource it needs has room for its whole duration. Because the placement reuses
//! the scheduler's own forward pass, link types, lags, calendars, constraints and actuals mean
//! exactly what they mean in `schedule`. Each push records the resource, the busy interval that
//! blocked it and the tasks that held the resource then: the explanation.

use crate::calendar::Edge;
use crate::load::hundredths;
use crate::model::{Plan, ResourceId, TaskId};
use crate::schedule::{durations, passes, Graph, Schedule, ScheduleError, TaskCalendars};
use crate::time::Instant;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::ops::Bound::{Excluded, Unbounded};

/// How to level.
#[derive(Clone, Debug, Default)]
pub struct LevelOptions {
    /// Delay tasks only within their total float (Microsoft Project's "level only within
    /// available slack"); over-allocations that need more are left and reported.
    pub within_float: bool,
}

/// One interval during which a resource had no room for a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    pub resource: ResourceId,
    /// The busy interval: from the first instant the task would have overlapped, to the instant
    /// the resource had room again.
    pub from: Instant,
    pub to: Instant,
    /// The tasks booked on the resource during the interval.
    pub held_by: Vec<TaskId>,
}

/// A task that levelling moved, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delay {
    pub task: TaskId,
    /// Where links and constraints alone would start it (given the levelled predecessors).
    pub earliest: Instant,
    /// Where it starts after levelling.
    pub start: Instant,
    /// Working minutes between the two on the task's calendar.
    pub minutes: i64,
    pub waits: Vec<Wait>,
}

/// A task whose over-allocation levelling could not remove, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    pub task: TaskId,
    pub resource: ResourceId,
    pub reason: UnresolvedReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnresolvedReason {
    /// The task cannot move: it has started, is manually scheduled or has a must-constraint.
    Fixed,
    /// Moving it would use more than its total float (with `within_float`).
    OutOfFloat,
    /// It needs more units than the resource has at all.
    OverCapacity,
}

/// A levelled plan.
#[derive(Clone, Debug)]
pub struct Levelled {
    pub schedule: Schedule,
    pub delays: Vec<Delay>,
    pub unresolved: Vec<Unresolved>,
    /// How many tasks the levelling pass placed before the `stop` callback cut it short, when
    /// it did (not even one pass finished in time): the tasks after them keep the dates links
    /// and constraints give them and may still be over-allocated. `None` for a complete pass.
    pub cut_short: Option<usize>,
}

/// The bookings of one resource over time. Ordered maps, so booking and looking up cost
/// O(log bookings + breakpoints touched): a pass over 200,000 tasks must not shift arrays.
#[derive(Clone, Debug, Default)]
struct Profile {
    /// Breakpoints: the usage from each instant on; usage before the first is 0.
    points: BTreeMap<Instant, i64>,
    /// Every booking by `(start, sequence)`, as `(task, finish)`, for explanations.
    bookings: BTreeMap<(Instant, u32), (TaskId, Instant)>,
    /// The longest booking, which bounds how far back a booking overlapping an instant starts.
    longest: Instant,
}

impl Profile {
    /// The usage in force at `t`.
    fn usage_at(&self, t: Instant) -> i64 {
        self.points
            .range(..=t)
            .next_back()
            .map_or(0, |(_, &usage)| usage)
    }

    /// The first busy interval within `[from, to)` where `usage + units > capacity`, as
    /// `(busy_from, busy_to)`, with `busy_to` the first instant with room again.
    fn conflict(
        &self,
        from: Instant,
        to: Instant,
        units: i64,
        capacity: i64,
    ) -> Option<(Instant, Instant)> {
        let over = |usage: i64| usage + units > capacity;
        let mut busy_from = (from < to && over(self.usage_at(from))).then_some(from);
        for (&t, &usage) in self.points.range((Excluded(from), Unbounded)) {
            match busy_from {
                Some(busy) if !over(usage) => return Some((busy, t)),
                Some(_) => {}
                None if t >= to => return None,
                None if over(usage) => busy_from = Some(t),
                None => {}
            }
        }
        busy_from.map(|busy| (busy, Instant::MAX))
    }

    fn book(&mut self, task: TaskId, from: Instant, to: Instant, units: i64) {
        if from >= to || units == 0 {
            return;
        }
        let sequence = self.bookings.len() as u32;
        self.bookings.insert((from, sequence), (task, to));
        self.longest = self.longest.max(to - from);
        for bound in [to, from] {
            if !self.points.contains_key(&bound) {
                let usage = self.usage_at(bound);
                self.points.insert(bound, usage);
            }
        }
        for (_, usage) in self.points.range_mut(from..to) {
            *usage += units;
        }
    }

    fn holders(&self, from: Instant, to: Instant) -> Vec<TaskId> {
        let earliest = from.saturating_sub(self.longest);
        let mut tasks: Vec<TaskId> = self
            .bookings
            .range((earliest, 0)..(to, 0))
            .filter(|&(_, &(_, finish))| from < finish)
            .map(|(_, &(task, _))| task)
            .collect();
        tasks.sort_unstable();
        tasks.dedup();
        tasks
    }
}

/// Level a plan with the priority-rule serial schedule generation scheme.
pub fn level(plan: &Plan, options: &LevelOptions) -> Result<Levelled, ScheduleError> {
    let calendars = TaskCalendars::new(plan)?;
    let graph = Graph::new(plan);
    let unlevelled = crate::schedule::schedule_with(plan, &calendars, &durations(plan))?;
    let rank: Vec<i64> = unlevelled.tasks.iter().map(|t| t.late_start).collect();
    let order = priority_order(plan, &graph, &rank);
    Ok(level_in_order(
        plan,
        options,
        &calendars,
        &graph,
        &order,
        &unlevelled,
        None,
    ))
}

/// A precedence-feasible order of the scheduling graph's nodes, taking among the ready nodes the
/// summaries first (they only pass bounds on), then the task with the highest priority, then
/// the one with the smallest `rank` (the unlevelled late start for the standard order), then
/// plan order.
pub(crate) fn priority_order(plan: &Plan, graph: &Graph, rank: &[i64]) -> Vec<usize> {
    let n = plan.tasks.len();
    let nodes = 2 * n;
    let used = |node: usize| node < n || graph.summary[node - n];
    let mut indegree = vec![0u32; nodes];
    for node in 0..nodes {
        for &next in graph.edges.of(node) {
            indegree[next] += 1;
        }
    }
    let key = |node: usize| {
        let task = node % n;
        let leaf = !graph.summary[task];
        (leaf, Reverse(plan.tasks[task].priority), rank[task], node)
    };
    let mut ready: BinaryHeap<Reverse<_>> = (0..nodes)
        .filter(|&node| used(node) && indegree[node] == 0)
        .map(|node| Reverse(key(node)))
        .collect();
    let mut order = Vec::with_capacity(nodes);
    while let Some(Reverse((_, _, _, node))) = ready.pop() {
        order.push(node);
        for &next in graph.edges.of(node) {
            indegree[next] -= 1;
            if indegree[next] == 0 {
                ready.push(Reverse(key(next)));
            }
        }
    }
    order
}

/// Tasks placed between two polls of the `stop` callback inside a levelling pass.
const POLL_EVERY: usize = 64;

/// Level with a given node order (the decoder a search over orders calls). With `stop`, the
/// pass polls it every [`POLL_EVERY`] placements; once it fires, the remaining tasks are placed
/// where links and constraints put them, unlevelled, and the result says so (`cut_short`).
pub(crate) fn level_in_order(
    plan: &Plan,
    options: &LevelOptions,
    calendars: &TaskCalendars,
    graph: &Graph,
    order: &[usize],
    unlevelled: &Schedule,
    mut stop: Option<&mut dyn FnMut() -> bool>,
) -> Levelled {
    let capacity: Vec<i64> = plan.resources.iter().map(|r| hundredths(r.units)).collect();
    let mut profiles: Vec<Profile> = vec![Profile::default(); plan.resources.len()];
    let mut delays: Vec<Delay> = Vec::new();
    let mut unresolved: Vec<Unresolved> = Vec::new();
    let durations = durations(plan);
    let mut placed = 0usize;
    let mut cut_short: Option<usize> = None;
    let mut place = |task: TaskId, start: Instant, finish: Instant, movable: bool| {
        if cut_short.is_some() {
            return (start, finish);
        }
        if let Some(stop) = stop.as_mut() {
            if placed % POLL_EVERY == POLL_EVERY - 1 && stop() {
                cut_short = Some(placed);
                return (start, finish);
            }
        }
        placed += 1;
        let spec = &plan.tasks[task.0];
        let length = durations[task.0];
        let needs: Vec<(usize, i64)> = spec
            .assignments
            .iter()
            .map(|a| (a.resource.0, hundredths(a.units)))
            .filter(|&(_, units)| units > 0)
            .collect();
        if needs.is_empty() || length == 0 || finish <= start {
            return (start, finish);
        }
        let calendar = calendars.of(task);
        let (mut levelled_start, mut levelled_finish) = (start, finish);
        let mut waits: Vec<Wait> = Vec::new();
        let mut blocked: Option<(usize, UnresolvedReason)> = None;
        // A need larger than the resource can never fit: report it, and level the others.
        for &(resource, units) in &needs {
            if units > capacity[resource] {
                unresolved.push(Unresolved {
                    task,
                    resource: ResourceId(resource),
                    reason: UnresolvedReason::OverCapacity,
                });
            }
        }
        // The rule levelling, `load` and the checks share: such an assignment still takes the
        // whole person while it runs (it waits for them to be free, and nobody else is put
        // beside it), as Microsoft Project levels it; its own excess stays reported.
        let fitting: Vec<(usize, i64)> = needs
            .iter()
            .map(|&(resource, units)| (resource, units.min(capacity[resource])))
            .collect();
        if !movable {
            // A task that cannot move keeps its dates; report every person it over-books.
            for &(resource, units) in &fitting {
                let conflict =
                    profiles[resource].conflict(start, finish, units, capacity[resource]);
                if conflict.is_some() {
                    unresolved.push(Unresolved {
                        task,
                        resource: ResourceId(resource),
                        reason: UnresolvedReason::Fixed,
                    });
                }
            }
            for &(resource, units) in &needs {
                profiles[resource].book(task, start, finish, units);
            }
            return (start, finish);
        }
        {
            // Push the task to the first start at which every resource has room throughout.
            'search: loop {
                for &(resource, units) in &fitting {
                    let conflict = profiles[resource].conflict(
                        levelled_start,
                        levelled_finish,
                        units,
                        capacity[resource],
                    );
                    if let Some((busy_from, busy_to)) = conflict {
                        if busy_to == Instant::MAX {
                            blocked = Some((resource, UnresolvedReason::OverCapacity));
                            break 'search;
                        }
                        waits.push(Wait {
                            resource: ResourceId(resource),
                            from: busy_from,
                            to: busy_to,
                            held_by: profiles[resource].holders(busy_from, busy_to),
                        });
                        levelled_start = calendar.snap_start(busy_to, false);
                        levelled_finish = calendar.add(levelled_start, length, Edge::Finish);
                        continue 'search;
                    }
                }
                break;
            }
        }
        if blocked.is_none() && options.within_float && levelled_start > start {
            let late_start = unlevelled.tasks[task.0].late_start;
            if calendar.w(levelled_start) > calendar.w(late_start) {
                let resource = waits.first().map_or(needs[0].0, |w| w.resource.0);
                blocked = Some((resource, UnresolvedReason::OutOfFloat));
            }
        }
        if let Some((resource, reason)) = blocked {
            unresolved.push(Unresolved {
                task,
                resource: ResourceId(resource),
                reason,
            });
            levelled_start = start;
            levelled_finish = finish;
        } else if levelled_start > start {
            delays.push(Delay {
                task,
                earliest: start,
                start: levelled_start,
                minutes: calendar.between(start, levelled_start),
                waits,
            });
        }
        for &(resource, units) in &needs {
            profiles[resource].book(task, levelled_start, levelled_finish, units);
        }
        (levelled_start, levelled_finish)
    };
    let schedule = passes(plan, calendars, &durations, graph, order, Some(&mut place));
    Levelled {
        schedule,
        delays,
        unresolved,
        cut_short,
    }
}

#[cfg(test)]
mod tests;

/// Several plans combined into one so they can be levelled against one resource pool.
#[derive(Clone, Debug)]
pub struct Pool {
    pub plan: Plan,
    /// For each task of `plan`, the index of the plan it came from.
    pub owner: Vec<usize>,
}

/// Combine plans that share resources (matched by resource id) into one plan. Each plan's
/// tasks keep their own calendars and links, and may not start before their own project's
/// start; the first plan's project settings are the combined project's, with the earliest
/// start and the latest status date.
pub fn pool(plans: &[Plan]) -> Pool {
    use crate::model::{CalendarId, Constraint, ConstraintKind};
    let mut combined = Plan::default();
    let mut owner = Vec::new();
    let mut resource_ids: BTreeMap<String, ResourceId> = Default::default();
    for (index, plan) in plans.iter().enumerate() {
        let calendar_offset = combined.calendars.len();
        let task_offset = combined.tasks.len();
        if index == 0 {
            combined.project = plan.project.clone();
        } else {
            combined.project.start = combined.project.start.min(plan.project.start);
            combined.project.status_date =
                combined.project.status_date.max(plan.project.status_date);
        }
        combined
            .calendars
            .extend(plan.calendars.iter().cloned().map(|mut calendar| {
                calendar.base = calendar.base.map(|b| b + calendar_offset);
                calendar
            }));
        let mut resource_map = Vec::with_capacity(plan.resources.len());
        for resource in &plan.resources {
            let id = *resource_ids.entry(resource.id.clone()).or_insert_with(|| {
                let mut shared = resource.clone();
                shared.calendar = shared.calendar.map(|c| CalendarId(c.0 + calendar_offset));
                combined.resources.push(shared);
                ResourceId(combined.resources.len() - 1)
            });
            resource_map.push(id);
        }
        for task in &plan.tasks {
            let mut task = task.clone();
            task.parent = task.parent.map(|p| TaskId(p.0 + task_offset));
            task.calendar = task
                .calendar
                .or((index > 0).then_some(plan.project.calendar))
                .map(|c| CalendarId(c.0 + calendar_offset));
            for assignment in &mut task.assignments {
                assignment.resource = resource_map[assignment.resource.0];
            }
            if task.parent.is_none() && index > 0 {
                task.constraints.push(Constraint {
                    kind: ConstraintKind::StartNoEarlierThan,
                    date: plan.project.start,
                    location: None,
                });
            }
            combined.tasks.push(task);
            owner.push(index);
        }
        combined
            .links
            .extend(plan.links.iter().cloned().map(|mut link| {
                link.predecessor = TaskId(link.predecessor.0 + task_offset);
                link.successor = TaskId(link.successor.0 + task_offset);
                link
            }));
    }
    Pool {
        plan: combined,
        owner,
    }
}

/// How long to search for a better levelled schedule.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// Seed of the random choices: the same seed and schedule budget give the same answer.
    pub seed: u64,
    /// Stop after this many schedules (in addition to the `stop` callback).
    pub max_schedules: Option<u64>,
}

/// What a levelled schedule costs: the finish first, then what is left over-allocated. Ties
/// keep the schedule found first, so the standard order (least float first, as Microsoft Project
/// levels) wins unless another order really finishes earlier.
fn cost(levelled: &Levelled) -> (bool, Instant, usize) {
    (
        levelled.cut_short.is_some(),
        levelled.schedule.finish,
        levelled.unresolved.len(),
    )
}

/// Whether any task books any resource: without that there is nothing to level.
fn books_anyone(plan: &Plan) -> bool {
    plan.tasks.iter().any(|task| {
        task.assignments
            .iter()
            .any(|a| a.resource.0 < plan.resources.len() && hundredths(a.units) > 0)
    })
}

/// Level a plan, then look for a schedule that finishes earlier: the classic priority rules
/// (least late start, least late finish, earliest start, most successors, greatest rank
/// positional weight) seed the activity-list genetic algorithm of [`crate::rcpsp::search`],
/// whose lists this levelling pass decodes, until `stop` says so or the budget is spent.
/// Priorities are always honoured: a list only orders tasks within each priority class (the
/// decoder ranks tasks by their position in the list after their priority).
///
/// `stop` bounds the whole levelling, the first priority-rule pass included: it is polled
/// before every schedule and every [`POLL_EVERY`] tasks inside one. When it fires during the
/// first pass, that pass is returned cut short ([`Levelled::cut_short`]); later passes cut short
/// are dropped for the best complete one. A plan in which nobody is booked is not searched at
/// all (0 schedules): its levelled schedule is its schedule.
pub fn level_search(
    plan: &Plan,
    options: &LevelOptions,
    search: &SearchOptions,
    stop: &mut dyn FnMut() -> bool,
) -> Result<(Levelled, u64), ScheduleError> {
    let calendars = TaskCalendars::new(plan)?;
    let graph = Graph::new(plan);
    let lengths = durations(plan);
    let unlevelled = crate::schedule::schedule_with(plan, &calendars, &lengths)?;
    if !books_anyone(plan) {
        let levelled = Levelled {
            schedule: unlevelled,
            delays: Vec::new(),
            unresolved: Vec::new(),
            cut_short: None,
        };
        return Ok((levelled, 0));
    }
    // The search and the decoder both ask `stop`; once it has fired it stays fired.
    let stopped = std::cell::Cell::new(false);
    let stop = std::cell::RefCell::new(stop);
    let poll = || {
        if !stopped.get() && (stop.borrow_mut())() {
            stopped.set(true);
        }
        stopped.get()
    };
    let n = plan.tasks.len();
    let late_start: Vec<i64> = unlevelled.tasks.iter().map(|t| t.late_start).collect();
    let mut successors = vec![0i64; n];
    let mut weight: Vec<i64> = lengths.clone();
    for link in &plan.links {
        successors[link.predecessor.0] += 1;
        weight[link.predecessor.0] += lengths[link.successor.0];
    }
    let rules: Vec<Vec<i64>> = vec![
        late_start.clone(),
        unlevelled.tasks.iter().map(|t| t.late_finish).collect(),
        unlevelled.tasks.iter().map(|t| t.early_start).collect(),
        successors.iter().map(|s| -s).collect(),
        weight.iter().map(|w| -w).collect(),
    ];
    use crate::rcpsp::{self, Decoded, Decoder, Precedence};
    // The genetic search works on the graph's used nodes (leaves, summary starts, finishes).
    let nodes: Vec<usize> = (0..2 * n)
        .filter(|&node| node < n || graph.summary[node - n])
        .collect();
    let mut index_of = vec![usize::MAX; 2 * n];
    for (index, &node) in nodes.iter().enumerate() {
        index_of[node] = index;
    }
    let node_successors: Vec<Vec<usize>> = nodes
        .iter()
        .map(|&node| {
            graph
                .edges
                .of(node)
                .iter()
                .map(|&next| index_of[next])
                .collect()
        })
        .collect();
    struct PlanDecoder<'a> {
        plan: &'a Plan,
        options: &'a LevelOptions,
        calendars: &'a TaskCalendars,
        graph: &'a Graph,
        unlevelled: &'a Schedule,
        nodes: &'a [usize],
        best: Option<Levelled>,
        poll: &'a dyn Fn() -> bool,
    }
    impl Decoder for PlanDecoder<'_> {
        fn decode(&mut self, list: &[usize]) -> Decoded {
            let n = self.plan.tasks.len();
            // Rank each task by where its start node sits in the list, after its priority.
            let mut rank = vec![0i64; n];
            for (position, &index) in list.iter().enumerate() {
                let node = self.nodes[index];
                if node < n {
                    rank[node] = position as i64;
                }
            }
            let order = priority_order(self.plan, self.graph, &rank);
            let poll = self.poll;
            let mut stop = || poll();
            let levelled = level_in_order(
                self.plan,
                self.options,
                self.calendars,
                self.graph,
                &order,
                self.unlevelled,
                Some(&mut stop),
            );
            let starts = self
                .nodes
                .iter()
                .map(|&node| {
                    let dates = &levelled.schedule.tasks[node % n];
                    if node < n {
                        dates.early_start
                    } else {
                        dates.early_finish
                    }
                })
                .collect();
            // A pass cut short is no candidate: it only stands in until a complete one exists.
            let objective = if levelled.cut_short.is_some() {
                i64::MAX
            } else {
                levelled.schedule.finish
            };
            if self
                .best
                .as_ref()
                .is_none_or(|best| cost(&levelled) < cost(best))
            {
                self.best = Some(levelled);
            }
            Decoded {
                objective,
                starts,
                schedules: 1,
            }
        }
    }
    let mut decoder = PlanDecoder {
        plan,
        options,
        calendars: &calendars,
        graph: &graph,
        unlevelled: &unlevelled,
        nodes: &nodes,
        best: None,
        poll: &poll,
    };
    let initial: Vec<Vec<usize>> = rules
        .iter()
        .map(|rank| {
            priority_order(plan, &graph, rank)
                .into_iter()
                .map(|node| index_of[node])
                .collect()
        })
        .collect();
    let schedules = match Precedence::new(node_successors) {
        Ok(precedence) => {
            let options = rcpsp::SearchOptions {
                seed: search.seed,
                max_schedules: search.max_schedules,
                priority: Some(nodes.iter().map(|&node| late_start[node % n]).collect()),
                ..rcpsp::SearchOptions::default()
            };
            let mut stop = || poll();
            rcpsp::search(&precedence, &mut decoder, &initial, &options, &mut stop).schedules
        }
        Err(_) => {
            decoder.decode(&initial[0]);
            1
        }
    };
    let best = match decoder.best {
        Some(best) => best,
        None => level_in_order(
            plan,
            options,
            &calendars,
            &graph,
            &priority_order(plan, &graph, &late_start),
            &unlevelled,
            Some(&mut || poll()),
        ),
    };
    Ok((best, schedules))
}

/// How one levelling run levels and searches: what `waymark level` and the web's level view,
/// its preview and applying a levelling all take.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Delay tasks only within their total float.
    pub within_float: bool,
    /// Seed of the search's random choices.
    pub seed: u64,
    /// Stop the search after this many schedules, as well as when `stop` says so.
    pub max_schedules: Option<u64>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            within_float: false,
            seed: 1,
            max_schedules: None,
        }
    }
}

/// One levelling run: the plans on one pool of people, their schedule before levelling and the
/// levelled one with its explanations ([`Levelled::cut_short`] says whether `stop` cut even the
/// first pass short).
#[derive(Clone, Debug)]
pub struct LevelRun {
    pub pooled: Pool,
    pub before: Schedule,
    pub levelled: Levelled,
    /// Schedules the search tried; 0 when nobody is booked, so there was nothing to level.
    pub schedules: u64,
}

/// Why a levelling run failed: the scheduler's error in the terms of the plan it belongs to
/// (`plan`, an index into the plans given: the plan of the task it names, else the first), so
/// that [`crate::doctor::schedule_failure`] can say it against that plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFailure {
    pub plan: usize,
    pub error: ScheduleError,
}

/// The levelling run, written once: pool the plans, schedule them, level with the search until
/// `stop` says so or the budget is spent. The caller owns the clock: `stop` is where a time
/// limit comes in (polled before every schedule and every [`POLL_EVERY`] tasks in one).
pub fn run(
    plans: &[Plan],
    options: &RunOptions,
    stop: &mut dyn FnMut() -> bool,
) -> Result<LevelRun, RunFailure> {
    let pooled = pool(plans);
    let plan = &pooled.plan;
    let failure = |error: ScheduleError| failure_of(&pooled, plan_offsets(plans), error);
    let before = crate::schedule::schedule(plan).map_err(failure)?;
    let search = SearchOptions {
        seed: options.seed,
        max_schedules: options.max_schedules,
    };
    let level_options = LevelOptions {
        within_float: options.within_float,
    };
    let (levelled, schedules) =
        level_search(plan, &level_options, &search, stop).map_err(failure)?;
    Ok(LevelRun {
        pooled,
        before,
        levelled,
        schedules,
    })
}

/// The index of each plan's first task in the pool.
fn plan_offsets(plans: &[Plan]) -> Vec<usize> {
    plans
        .iter()
        .scan(0, |next, plan| {
            let first = *next;
            *next += plan.tasks.len();
            Some(first)
        })
        .collect()
}

/// A failure of the pooled plan as a failure of the plan of the task it names: a cycle's tasks
/// are all in one plan (links never cross plans), numbered as that plan numbers them.
fn failure_of(pooled: &Pool, offsets: Vec<usize>, error: ScheduleError) -> RunFailure {
    let task = match &error {
        ScheduleError::OutOfRange { task, .. } => {
            pooled.plan.tasks.iter().position(|t| &t.id == task)
        }
        ScheduleError::Cycle { tasks } => tasks.first().map(|t| t.0),
        ScheduleError::Calendar(_) => None,
    };
    let plan = task.and_then(|t| pooled.owner.get(t)).copied().unwrap_or(0);
    let offset = offsets.get(plan).copied().unwrap_or(0);
    let error = match error {
        ScheduleError::Cycle { tasks } => ScheduleError::Cycle {
            tasks: tasks
                .into_iter()
                .map(|t| TaskId(t.0.saturating_sub(offset)))
                .collect(),
        },
        other => other,
    };
    RunFailure { plan, error }
}
