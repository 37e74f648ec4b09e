//! Critical-path scheduling: forward and backward passes over tasks and links on calendars.
//!
//! The plan becomes a graph of *nodes*: a leaf task is one node; a summary task is two, a start
//! node that every child waits for (links into the summary bind all its children, as in Microsoft
//! Project) and a finish node that waits for every child (links out of the summary leave from its
//! rolled-up dates). Nodes are ordered topologically once (Kahn's algorithm), then one forward and
//! one backward pass compute early and late dates, so the whole schedule is linear in tasks +
//! links, with O(log holidays) calendar arithmetic per step.
//!
//! Semantics follow Microsoft Project with "tasks always honour their constraint dates": start
//! constraints and deadlines can produce negative total float; must-start/finish-on constraints
//! override links; actual dates and progress fix the past, and unfinished work is scheduled no
//! earlier than the status date.

use crate::calendar::{CalendarError, Edge, WorkCalendar};
use crate::model::{ConstraintKind, Lag, LinkKind, Plan, ResourceKind, TaskId};
use crate::time::Instant;

/// The computed dates of one task. Floats are working minutes on the task's calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSchedule {
    pub start: Instant,
    pub finish: Instant,
    pub early_start: Instant,
    pub early_finish: Instant,
    pub late_start: Instant,
    pub late_finish: Instant,
    pub total_float: i64,
    pub free_float: i64,
    pub critical: bool,
    pub summary: bool,
}

/// The schedule of a plan: one entry per task, in plan order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub start: Instant,
    pub finish: Instant,
    pub tasks: Vec<TaskSchedule>,
}

/// Why a plan cannot be scheduled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The tasks on one dependency cycle, in order.
    #[error("dependency cycle through {} tasks", tasks.len())]
    Cycle { tasks: Vec<TaskId> },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// A task's dates fall outside the years 1 to 9999 (a huge duration, lag or date).
    #[error(
        "task `{task}` would be scheduled around the year {year}, outside the years 1 to 9999 \
         that dates can be written in; look for a huge duration, lag or date"
    )]
    OutOfRange { task: String, year: i64 },
}

/// The first instant a schedule may hold: 0001-01-01T00:00.
const FIRST_INSTANT: Instant = -1_035_593_280;
/// The last instant a schedule may hold: 10000-01-01T00:00, the end of the year 9999.
const LAST_INSTANT: Instant = 4_223_371_680;

/// Refuse a schedule with dates no calendar date can name (they would panic in date formatting).
fn check_range(plan: &Plan, schedule: &Schedule) -> Result<(), ScheduleError> {
    let outside = |t: Instant| !(FIRST_INSTANT..=LAST_INSTANT).contains(&t);
    for (index, task) in schedule.tasks.iter().enumerate() {
        let instants = [
            task.start,
            task.finish,
            task.early_start,
            task.early_finish,
            task.late_start,
            task.late_finish,
        ];
        if let Some(&t) = instants.iter().find(|&&t| outside(t)) {
            return Err(ScheduleError::OutOfRange {
                task: plan.tasks[index].id.clone(),
                // 525,949 minutes in an average Gregorian year; precise enough for a message.
                year: 1970 + t.div_euclid(525_949),
            });
        }
    }
    Ok(())
}

/// Compressed adjacency: the items of key `k` are `items[offsets[k]..offsets[k + 1]]`.
pub(crate) struct Adjacency {
    offsets: Vec<usize>,
    items: Vec<usize>,
}

impl Adjacency {
    pub(crate) fn build(keys: usize, pairs: impl Iterator<Item = (usize, usize)> + Clone) -> Self {
        let mut offsets = vec![0usize; keys + 1];
        for (key, _) in pairs.clone() {
            offsets[key + 1] += 1;
        }
        for k in 0..keys {
            offsets[k + 1] += offsets[k];
        }
        let mut cursor = offsets.clone();
        let mut items = vec![0usize; offsets[keys]];
        for (key, item) in pairs {
            items[cursor[key]] = item;
            cursor[key] += 1;
        }
        Adjacency { offsets, items }
    }

    pub(crate) fn of(&self, key: usize) -> &[usize] {
        &self.items[self.offsets[key]..self.offsets[key + 1]]
    }
}

/// The dependency graph of a plan over nodes `0..n` (task starts; the only node of a leaf) and
/// `n..2n` (summary finishes).
pub(crate) struct Graph {
    pub(crate) summary: Vec<bool>,
    /// Links by successor and by predecessor (indices into `plan.links`).
    pub(crate) incoming: Adjacency,
    pub(crate) outgoing: Adjacency,
    pub(crate) children: Adjacency,
    /// Node successors for ordering.
    pub(crate) edges: Adjacency,
}

impl Graph {
    pub(crate) fn new(plan: &Plan) -> Graph {
        let n = plan.tasks.len();
        let summary = plan.summaries();
        let incoming = Adjacency::build(
            n,
            plan.links
                .iter()
                .enumerate()
                .map(|(i, link)| (link.successor.0, i)),
        );
        let outgoing = Adjacency::build(
            n,
            plan.links
                .iter()
                .enumerate()
                .map(|(i, link)| (link.predecessor.0, i)),
        );
        let children = Adjacency::build(
            n,
            plan.tasks
                .iter()
                .enumerate()
                .filter_map(|(i, task)| task.parent.map(|p| (p.0, i))),
        );
        let out_node = |task: usize| if summary[task] { n + task } else { task };
        let link_edges = plan
            .links
            .iter()
            .map(move |link| (out_node(link.predecessor.0), link.successor.0));
        let hierarchy = plan.tasks.iter().enumerate().filter_map(move |(i, task)| {
            task.parent.map(|p| (p.0, i)) // parent start -> child
        });
        let rollup = plan
            .tasks
            .iter()
            .enumerate()
            .filter_map(move |(i, task)| task.parent.map(|p| (out_node(i), n + p.0)));
        let edges = Adjacency::build(2 * n, link_edges.chain(hierarchy).chain(rollup));
        Graph {
            summary,
            incoming,
            outgoing,
            children,
            edges,
        }
    }

    /// Nodes in topological order, or the nodes that sit on or behind a cycle.
    pub(crate) fn order(&self) -> Result<Vec<usize>, Vec<usize>> {
        let nodes = self.summary.len() * 2;
        let mut indegree = vec![0u32; nodes];
        for node in 0..nodes {
            for &next in self.edges.of(node) {
                indegree[next] += 1;
            }
        }
        let n = self.summary.len();
        let used = |node: usize| node < n || self.summary[node - n];
        let mut order: Vec<usize> = (0..nodes)
            .filter(|&node| used(node) && indegree[node] == 0)
            .collect();
        let mut head = 0;
        while head < order.len() {
            let node = order[head];
            head += 1;
            for &next in self.edges.of(node) {
                indegree[next] -= 1;
                if indegree[next] == 0 {
                    order.push(next);
                }
            }
        }
        let expected = n + self.summary.iter().filter(|&&s| s).count();
        if order.len() == expected {
            Ok(order)
        } else {
            Err((0..nodes)
                .filter(|&node| used(node) && indegree[node] > 0)
                .collect())
        }
    }

    /// One cycle per strongly connected group of the `stuck` nodes (Tarjan's algorithm,
    /// iterative so deep plans cannot overflow the stack).
    pub(crate) fn cycles(&self, stuck: &[usize]) -> Vec<Vec<TaskId>> {
        let nodes = self.summary.len() * 2;
        let mut is_stuck = vec![false; nodes];
        for &node in stuck {
            is_stuck[node] = true;
        }
        let mut index = vec![usize::MAX; nodes];
        let mut low = vec![0usize; nodes];
        let mut on_stack = vec![false; nodes];
        let mut stack: Vec<usize> = Vec::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut counter = 0;
        for &root in stuck {
            if index[root] != usize::MAX {
                continue;
            }
            // Each frame: node and the position of the next edge to look at.
            let mut frames: Vec<(usize, usize)> = vec![(root, 0)];
            index[root] = counter;
            low[root] = counter;
            counter += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (node, ref mut next)) = frames.last_mut() {
                let edges = self.edges.of(node);
                if let Some(&target) = edges.get(*next) {
                    *next += 1;
                    if !is_stuck[target] {
                        continue;
                    }
                    if index[target] == usize::MAX {
                        index[target] = counter;
                        low[target] = counter;
                        counter += 1;
                        stack.push(target);
                        on_stack[target] = true;
                        frames.push((target, 0));
                    } else if on_stack[target] {
                        low[node] = low[node].min(index[target]);
                    }
                } else {
                    frames.pop();
                    if let Some(&(parent, _)) = frames.last() {
                        low[parent] = low[parent].min(low[node]);
                    }
                    if low[node] == index[node] {
                        let mut group = Vec::new();
                        while let Some(member) = stack.pop() {
                            on_stack[member] = false;
                            group.push(member);
                            if member == node {
                                break;
                            }
                        }
                        if group.len() > 1 {
                            groups.push(group);
                        }
                    }
                }
            }
        }
        groups
            .iter()
            .map(|group| {
                let mut sorted = group.clone();
                sorted.sort_unstable();
                self.cycle(&sorted)
            })
            .filter(|cycle| !cycle.is_empty())
            .collect()
    }

    /// One dependency cycle among the `stuck` nodes Kahn's algorithm could not order, as tasks
    /// in dependency order. Every stuck node has a stuck predecessor, so walking predecessors
    /// from any of them must revisit a node, and the walk between the two visits is a cycle.
    pub(crate) fn cycle(&self, stuck: &[usize]) -> Vec<TaskId> {
        let n = self.summary.len();
        let mut is_stuck = vec![false; 2 * n];
        for &node in stuck {
            is_stuck[node] = true;
        }
        let predecessors = Adjacency::build(
            2 * n,
            stuck.iter().flat_map(|&node| {
                self.edges
                    .of(node)
                    .iter()
                    .filter(|&&next| is_stuck[next])
                    .map(move |&next| (next, node))
            }),
        );
        let Some(&first) = stuck.first() else {
            return Vec::new();
        };
        let mut seen = vec![usize::MAX; 2 * n];
        let mut path: Vec<usize> = Vec::new();
        let mut node = first;
        while seen[node] == usize::MAX {
            seen[node] = path.len();
            path.push(node);
            match predecessors.of(node).first() {
                Some(&previous) => node = previous,
                None => return Vec::new(),
            }
        }
        let mut tasks: Vec<TaskId> = Vec::new();
        for &node in path[seen[node]..].iter().rev() {
            let task = TaskId(node % n);
            if !tasks.contains(&task) {
                tasks.push(task);
            }
        }
        tasks
    }
}

/// A lag applied forward from `t` on the predecessor's calendar.
fn lag_forward(
    calendar: &WorkCalendar,
    t: Instant,
    lag: Lag,
    predecessor_duration: i64,
) -> Instant {
    shift_by_lag(calendar, t, lag, predecessor_duration, 1, Edge::Finish)
}

/// A lag applied backward from `t` (the mirror of [`lag_forward`]).
fn lag_backward(
    calendar: &WorkCalendar,
    t: Instant,
    lag: Lag,
    predecessor_duration: i64,
) -> Instant {
    shift_by_lag(calendar, t, lag, predecessor_duration, -1, Edge::Start)
}

/// `t` moved by a lag in the direction `sign` (1 forward, -1 backward): elapsed minutes on the
/// clock, working minutes (a percentage of the predecessor's duration is working minutes) on
/// the calendar, landing on `edge` at a boundary. A lag of no working time leaves `t` as it is.
#[inline]
fn shift_by_lag(
    calendar: &WorkCalendar,
    t: Instant,
    lag: Lag,
    predecessor_duration: i64,
    sign: i64,
    edge: Edge,
) -> Instant {
    let working = match lag {
        Lag::Elapsed(minutes) => return t + sign * minutes,
        Lag::Working(minutes) => minutes,
        Lag::Percent(share) => (share * predecessor_duration as f64).round() as i64,
    };
    if working == 0 {
        t
    } else {
        calendar.add(t, sign * working, edge)
    }
}

/// The compiled calendars of a plan and the one each task is scheduled on.
#[derive(Clone, Debug)]
pub struct TaskCalendars {
    /// The plan's calendars in plan order, then the resource-calendar unions tasks need.
    pub calendars: Vec<WorkCalendar>,
    /// For each task, an index into `calendars`.
    pub of_task: Vec<usize>,
    /// The project calendar's index.
    pub project: usize,
}

impl TaskCalendars {
    /// Compile the calendars of a plan and choose each task's calendar the way Microsoft Project
    /// does: the task's own calendar if it has one; otherwise, when work resources are assigned,
    /// the union of their calendars (the task progresses whenever one of them works); otherwise
    /// the project calendar.
    pub fn new(plan: &Plan) -> Result<TaskCalendars, CalendarError> {
        let mut calendars: Vec<WorkCalendar> = (0..plan.calendars.len())
            .map(|index| WorkCalendar::compile(&plan.calendars, index))
            .collect::<Result<_, _>>()?;
        let project = plan.project.calendar.0;
        let mut unions: std::collections::BTreeMap<Vec<usize>, usize> = Default::default();
        let mut of_task = Vec::with_capacity(plan.tasks.len());
        for task in &plan.tasks {
            if let Some(calendar) = task.calendar {
                of_task.push(calendar.0);
                continue;
            }
            let mut set: Vec<usize> = task
                .assignments
                .iter()
                .map(|a| &plan.resources[a.resource.0])
                .filter(|r| r.kind == ResourceKind::Work)
                .map(|r| r.calendar.map_or(project, |c| c.0))
                .collect();
            set.sort_unstable();
            set.dedup();
            let index = match set.as_slice() {
                [] => project,
                [single] => *single,
                _ => *unions.entry(set.clone()).or_insert_with(|| {
                    let members: Vec<&WorkCalendar> = set.iter().map(|&c| &calendars[c]).collect();
                    calendars.push(WorkCalendar::union(&members));
                    calendars.len() - 1
                }),
            };
            of_task.push(index);
        }
        Ok(TaskCalendars {
            calendars,
            of_task,
            project,
        })
    }

    /// The calendar a task is scheduled on.
    pub fn of(&self, task: TaskId) -> &WorkCalendar {
        &self.calendars[self.of_task[task.0]]
    }
}

/// Schedule a plan with the critical path method.
pub fn schedule(plan: &Plan) -> Result<Schedule, ScheduleError> {
    let calendars = TaskCalendars::new(plan)?;
    schedule_with(plan, &calendars, &durations(plan))
}

/// Every task's duration in working minutes, as the plan states it.
pub fn durations(plan: &Plan) -> Vec<i64> {
    plan.tasks.iter().map(|task| task.duration).collect()
}

/// Schedule a plan on compiled calendars with the given task durations (the forecast samples
/// durations and calls this many times).
pub fn schedule_with(
    plan: &Plan,
    calendars: &TaskCalendars,
    duration: &[i64],
) -> Result<Schedule, ScheduleError> {
    let graph = Graph::new(plan);
    let order = match graph.order() {
        Ok(order) => order,
        Err(stuck) => {
            return Err(ScheduleError::Cycle {
                tasks: graph.cycle(&stuck),
            })
        }
    };
    let schedule = passes(plan, calendars, duration, &graph, &order, None);
    check_range(plan, &schedule)?;
    Ok(schedule)
}

/// A summary's dates from its children's: the earliest start, the latest finish, and the
/// earliest finish of any task under it (a finish link into a summary binds every child). The
/// three slices are starts, finishes and those earliest finishes; `empty` answers for a summary
/// without children.
pub(crate) fn roll_up(
    children: &[usize],
    summary: &[bool],
    (starts, finishes, min_finishes): (&[Instant], &[Instant], &[Instant]),
    empty: Instant,
) -> (Instant, Instant, Instant) {
    if children.is_empty() {
        return (empty, empty, empty);
    }
    let (mut start, mut finish, mut min_finish) = (Instant::MAX, Instant::MIN, Instant::MAX);
    for &child in children {
        start = start.min(starts[child]);
        finish = finish.max(finishes[child]);
        min_finish = min_finish.min(if summary[child] {
            min_finishes[child]
        } else {
            finishes[child]
        });
    }
    (start, finish, min_finish)
}

/// Called for every leaf task in the forward pass with the dates links and constraints allow and
/// whether the task may move (not started, not manual, no must-constraint); returns the dates to
/// use, never earlier. Resource levelling plugs in here.
pub(crate) type PlaceHook<'a> =
    &'a mut dyn FnMut(TaskId, Instant, Instant, bool) -> (Instant, Instant);

pub(crate) fn passes(
    plan: &Plan,
    calendars: &TaskCalendars,
    duration: &[i64],
    graph: &Graph,
    order: &[usize],
    mut hook: Option<PlaceHook<'_>>,
) -> Schedule {
    let n = plan.tasks.len();
    let summary = &graph.summary;
    let calendar_of = |task: usize| calendars.of(TaskId(task));
    let project_calendar = &calendars.calendars[calendars.project];
    let status = plan.project.status_date;

    // Forward pass. For a summary, `early_start`/`early_finish` hold the bounds its start node
    // passes to its children until its finish node replaces them with the rolled-up dates.
    let mut early_start = vec![Instant::MIN; n];
    let mut early_finish = vec![Instant::MIN; n];
    // Earliest finish among a summary's children (used by FF/SF links into the summary).
    let mut summary_min_finish = vec![Instant::MAX; n];
    let mut start_bound = vec![Instant::MIN; n];
    let mut finish_bound = vec![Instant::MIN; n];
    let mut driven = vec![(Instant::MIN, Instant::MIN); n];

    for &node in order {
        if node >= n {
            let task = node - n;
            (
                early_start[task],
                early_finish[task],
                summary_min_finish[task],
            ) = roll_up(
                graph.children.of(task),
                summary,
                (&early_start, &early_finish, &summary_min_finish),
                plan.project.start,
            );
            continue;
        }
        let task = node;
        let spec = &plan.tasks[task];
        let calendar = calendar_of(task);
        let started = spec.actual_start.is_some() || spec.actual_finish.is_some();
        // 100 % complete without actual dates: done, so not pushed to the status date as if
        // unfinished, and pulled back to finish by it (issue 12).
        let done_undated = !started && spec.progress >= 1.0 && spec.manual.is_none();
        let started = started || done_undated;
        let mut candidate_start = plan.project.start;
        if let (Some(status), false) = (status, started) {
            candidate_start = candidate_start.max(status);
        }
        let mut candidate_finish = Instant::MIN;
        if let Some(parent) = spec.parent {
            candidate_start = candidate_start.max(start_bound[parent.0]);
            candidate_finish = candidate_finish.max(finish_bound[parent.0]);
        }
        for &link_index in graph.incoming.of(task) {
            let link = &plan.links[link_index];
            let p = link.predecessor.0;
            let (p_start, p_finish) = (early_start[p], early_finish[p]);
            let lag_calendar = calendar_of(p);
            let p_duration = duration[p];
            match link.kind {
                LinkKind::FinishToStart => {
                    candidate_start = candidate_start.max(lag_forward(
                        lag_calendar,
                        p_finish,
                        link.lag,
                        p_duration,
                    ))
                }
                LinkKind::StartToStart => {
                    candidate_start = candidate_start.max(lag_forward(
                        lag_calendar,
                        p_start,
                        link.lag,
                        p_duration,
                    ))
                }
                LinkKind::FinishToFinish => {
                    candidate_finish = candidate_finish.max(lag_forward(
                        lag_calendar,
                        p_finish,
                        link.lag,
                        p_duration,
                    ))
                }
                LinkKind::StartToFinish => {
                    candidate_finish = candidate_finish.max(lag_forward(
                        lag_calendar,
                        p_start,
                        link.lag,
                        p_duration,
                    ))
                }
            }
        }
        let mut must_start = None;
        let mut must_finish = None;
        let mut start_limit = Instant::MAX;
        let mut finish_limit = Instant::MAX;
        for constraint in &spec.constraints {
            let date = constraint.date;
            match constraint.kind {
                ConstraintKind::StartNoEarlierThan => candidate_start = candidate_start.max(date),
                ConstraintKind::FinishNoEarlierThan => {
                    candidate_finish = candidate_finish.max(date)
                }
                ConstraintKind::StartNoLaterThan => start_limit = start_limit.min(date),
                ConstraintKind::FinishNoLaterThan => finish_limit = finish_limit.min(date),
                ConstraintKind::MustStartOn => must_start = Some(date),
                ConstraintKind::MustFinishOn => must_finish = Some(date),
            }
        }
        if summary[task] {
            start_bound[task] = candidate_start;
            finish_bound[task] = candidate_finish;
            continue;
        }
        let length = duration[task];
        let zero = length == 0;
        let (start, finish) = if let Some(finish) = spec.actual_finish {
            let start = spec
                .actual_start
                .unwrap_or_else(|| calendar.add(finish, -length, Edge::Start));
            (start, finish)
        } else if let Some(start) = spec.actual_start {
            let done = ((spec.progress.clamp(0.0, 1.0)) * length as f64).round() as i64;
            let finish = match status {
                Some(status) if done < length => {
                    let resume = calendar.add(start, done, Edge::Finish).max(status);
                    let resume = calendar.snap_start(resume, false);
                    calendar.add(resume, length - done, Edge::Finish)
                }
                _ => calendar.add(start, length, Edge::Finish),
            };
            (start, finish)
        } else if let Some((start, finish)) = spec.manual {
            (start, finish)
        } else {
            let place_by_start = |from: Instant| {
                let start = calendar.snap_start(from, zero);
                let finish = if zero {
                    start
                } else {
                    calendar.add(start, length, Edge::Finish)
                };
                (start, finish)
            };
            let place_by_finish = |to: Instant| {
                let finish = calendar.snap_finish(to, zero);
                let start = if zero {
                    finish
                } else {
                    calendar.add(finish, -length, Edge::Start)
                };
                (start, finish)
            };
            let (mut start, mut finish) = place_by_start(candidate_start);
            if candidate_finish > finish {
                (start, finish) = place_by_finish(candidate_finish);
            }
            // Where the links alone would put the task: when a constraint pulls it earlier,
            // Microsoft Project shows the conflict as negative float on the task itself.
            driven[task] = (start, finish);
            if start > start_limit {
                (start, finish) = place_by_start(start_limit);
            }
            if finish > finish_limit {
                (start, finish) = place_by_finish(finish_limit);
            }
            if let Some(date) = must_start {
                (start, finish) = place_by_start(date);
            }
            if let Some(date) = must_finish {
                (start, finish) = place_by_finish(date);
            }
            if let (true, Some(status)) = (done_undated, status) {
                if finish > status {
                    (start, finish) = place_by_finish(status);
                }
                driven[task] = (start, finish);
            }
            (start, finish)
        };
        let (start, finish) = match hook.as_mut() {
            Some(place) => {
                let movable = spec.actual_start.is_none()
                    && spec.actual_finish.is_none()
                    && !done_undated
                    && spec.manual.is_none()
                    && must_start.is_none()
                    && must_finish.is_none();
                place(TaskId(task), start, finish, movable)
            }
            None => (start, finish),
        };
        early_start[task] = start;
        early_finish[task] = finish;
    }

    let leaves = || (0..n).filter(|&t| !summary[t]);
    let project_start = leaves()
        .map(|t| early_start[t])
        .min()
        .unwrap_or(plan.project.start);
    let project_finish = leaves()
        .map(|t| early_finish[t])
        .max()
        .unwrap_or(plan.project.start);
    let late_limit = match plan.project.deadline {
        Some(deadline) => project_finish.min(deadline),
        None => project_finish,
    };

    // Backward pass, mirror image of the forward pass. For a summary, its finish node passes
    // bounds down to its children and its start node rolls their late dates up.
    let mut late_start = vec![Instant::MAX; n];
    let mut late_finish = vec![Instant::MAX; n];
    let mut summary_min_late_finish = vec![Instant::MAX; n];
    let mut late_start_bound = vec![Instant::MAX; n];
    let mut late_finish_bound = vec![Instant::MAX; n];
    // The summaries' earliest child start, for free float of links into a summary.
    for &node in order.iter().rev() {
        let task = node % n;
        let is_start_node = node < n;
        if summary[task] && is_start_node {
            (
                late_start[task],
                late_finish[task],
                summary_min_late_finish[task],
            ) = roll_up(
                graph.children.of(task),
                summary,
                (&late_start, &late_finish, &summary_min_late_finish),
                late_limit,
            );
            continue;
        }
        let spec = &plan.tasks[task];
        let calendar = calendar_of(task);
        let mut candidate_finish = late_limit;
        let mut candidate_start = Instant::MAX;
        if let Some(parent) = spec.parent {
            candidate_finish = candidate_finish.min(late_finish_bound[parent.0]);
            // A summary starts with its first child, so what binds the summary's start binds
            // only the children that start with it; a later child can slip without moving it.
            if early_start[task] <= early_start[parent.0] {
                candidate_start = candidate_start.min(late_start_bound[parent.0]);
            }
        }
        for &link_index in graph.outgoing.of(task) {
            let link = &plan.links[link_index];
            let s = link.successor.0;
            // Dates that already happened do not constrain what comes before them: a finished
            // successor binds nothing, a started one binds only through its finish.
            let successor = &plan.tasks[s];
            if successor.actual_finish.is_some()
                || successor.progress >= 1.0
                || (successor.actual_start.is_some()
                    && matches!(link.kind, LinkKind::FinishToStart | LinkKind::StartToStart))
            {
                continue;
            }
            // A manually scheduled task is not moved by the logic, and Microsoft Project does
            // not let links from its start bind its late dates.
            if spec.manual.is_some()
                && matches!(link.kind, LinkKind::StartToStart | LinkKind::StartToFinish)
            {
                continue;
            }
            let (s_start, s_finish) = if summary[s] {
                (late_start[s], summary_min_late_finish[s])
            } else {
                (late_start[s], late_finish[s])
            };
            let p_duration = duration[task];
            match link.kind {
                LinkKind::FinishToStart => {
                    candidate_finish =
                        candidate_finish.min(lag_backward(calendar, s_start, link.lag, p_duration))
                }
                LinkKind::StartToStart => {
                    candidate_start =
                        candidate_start.min(lag_backward(calendar, s_start, link.lag, p_duration))
                }
                LinkKind::FinishToFinish => {
                    candidate_finish =
                        candidate_finish.min(lag_backward(calendar, s_finish, link.lag, p_duration))
                }
                LinkKind::StartToFinish => {
                    candidate_start =
                        candidate_start.min(lag_backward(calendar, s_finish, link.lag, p_duration))
                }
            }
        }
        if let Some(deadline) = spec.deadline {
            candidate_finish = candidate_finish.min(deadline);
        }
        for constraint in &spec.constraints {
            let date = constraint.date;
            match constraint.kind {
                ConstraintKind::StartNoLaterThan | ConstraintKind::MustStartOn => {
                    candidate_start = candidate_start.min(date)
                }
                ConstraintKind::FinishNoLaterThan | ConstraintKind::MustFinishOn => {
                    candidate_finish = candidate_finish.min(date)
                }
                ConstraintKind::StartNoEarlierThan | ConstraintKind::FinishNoEarlierThan => {}
            }
        }
        if summary[task] {
            late_finish_bound[task] = candidate_finish;
            late_start_bound[task] = candidate_start;
            continue;
        }
        let length = duration[task];
        let zero = length == 0;
        let (start, finish) = if spec.actual_finish.is_some() || spec.progress >= 1.0 {
            // Done: its dates are history, with nothing left to slip.
            (early_start[task], early_finish[task])
        } else if spec.actual_start.is_some() {
            // Started work is fixed in the past; only its finish can still move.
            let mut finish = calendar.snap_finish(candidate_finish, zero);
            if candidate_start != Instant::MAX {
                finish = finish.min(calendar.add(candidate_start, length, Edge::Finish));
            }
            (early_start[task], finish)
        } else {
            let mut finish = calendar.snap_finish(candidate_finish, zero);
            let mut start = if zero {
                finish
            } else {
                calendar.add(finish, -length, Edge::Start)
            };
            if candidate_start < start {
                start = if zero {
                    candidate_start
                } else {
                    calendar.at(calendar.w(candidate_start), Edge::Start)
                };
                finish = if zero {
                    start
                } else {
                    calendar.add(start, length, Edge::Finish)
                };
            }
            (start, finish)
        };
        late_start[task] = start;
        late_finish[task] = finish;
    }

    // Floats and the scheduled dates.
    let mut tasks = Vec::with_capacity(n);
    for task in 0..n {
        let spec = &plan.tasks[task];
        let calendar = if summary[task] {
            project_calendar
        } else {
            calendar_of(task)
        };
        let (es, ef, ls, lf) = (
            early_start[task],
            early_finish[task],
            late_start[task],
            late_finish[task],
        );
        let (float_start, float_finish) = (es.max(driven[task].0), ef.max(driven[task].1));
        let finish_float = calendar.between(float_finish, lf);
        // A started task's start is history: only its finish can still slip.
        let total_float = if spec.progress >= 1.0 && spec.manual.is_none() && !summary[task] {
            0
        } else if spec.actual_start.is_some() && !summary[task] {
            finish_float
        } else {
            calendar.between(float_start, ls).min(finish_float)
        };
        let free_float = if summary[task] {
            total_float
        } else {
            free_float(
                plan,
                graph,
                calendars,
                duration,
                &early_start,
                &early_finish,
                &summary_min_finish,
                task,
                late_limit,
            )
            .min(total_float)
        };
        let complete = spec.actual_finish.is_some() || spec.progress >= 1.0;
        let (start, finish) = if spec.as_late_as_possible && !summary[task] && !complete {
            (ls, lf)
        } else {
            (es, ef)
        };
        tasks.push(TaskSchedule {
            start,
            finish,
            early_start: es,
            early_finish: ef,
            late_start: ls,
            late_finish: lf,
            total_float,
            free_float,
            critical: total_float <= 0 && !complete && !summary[task],
            summary: summary[task],
        });
    }
    // A summary is critical when any task under it is (children come after their parent).
    for task in (0..n).rev() {
        if let (Some(parent), true) = (plan.tasks[task].parent, tasks[task].critical) {
            tasks[parent.0].critical = true;
        }
    }
    Schedule {
        start: project_start,
        finish: project_finish,
        tasks,
    }
}

/// Free float of a leaf task: how far it can slip without delaying any successor (or, with none,
/// the project finish), in working minutes on its calendar. Links on its summary tasks count as
/// its own.
#[allow(clippy::too_many_arguments)]
fn free_float(
    plan: &Plan,
    graph: &Graph,
    calendars: &TaskCalendars,
    duration: &[i64],
    early_start: &[Instant],
    early_finish: &[Instant],
    summary_min_finish: &[Instant],
    task: usize,
    project_finish: Instant,
) -> i64 {
    let calendar = calendars.of(TaskId(task));
    let mut float = i64::MAX;
    let mut holder = Some(task);
    while let Some(current) = holder {
        for &link_index in graph.outgoing.of(current) {
            let link = &plan.links[link_index];
            let s = link.successor.0;
            // A summary starts with its first child: a child that starts later can slip without
            // moving the summary's start, so links from that start do not bind it. (A summary
            // finishes with its last child, and the child's own finish already measures how far
            // it can slip before a link from the summary's finish binds.)
            if current != task
                && matches!(link.kind, LinkKind::StartToStart | LinkKind::StartToFinish)
                && early_start[task] > early_start[current]
            {
                continue;
            }
            // A finish link into a summary binds every child's finish, so the first child to
            // finish is the one the predecessor would delay.
            let successor_finish = if graph.summary[s] {
                summary_min_finish[s]
            } else {
                early_finish[s]
            };
            let (from, to) = match link.kind {
                LinkKind::FinishToStart => (early_finish[task], early_start[s]),
                LinkKind::StartToStart => (early_start[task], early_start[s]),
                LinkKind::FinishToFinish => (early_finish[task], successor_finish),
                LinkKind::StartToFinish => (early_start[task], successor_finish),
            };
            let earliest = lag_forward(calendar, from, link.lag, duration[task]);
            float = float.min(calendar.between(earliest, to));
        }
        holder = plan.tasks[current].parent.map(|p| p.0);
    }
    if float == i64::MAX {
        float = calendar.between(early_finish[task], project_finish);
    }
    float
}

#[cfg(test)]
mod props;
#[cfg(test)]
pub(crate) mod tests;
