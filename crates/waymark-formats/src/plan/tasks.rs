//! `[tasks.ID]`: the outline (parents, in depth-first order, cycles cut), durations and
//! estimates, constraints, assignments, progress and manual dates.

use super::fields::{resolve_date, show, DateRole, Fields, Spanned};
use super::suggest::{did_you_mean, suggest};
use super::tree::Origin;
use super::{Context, Member, Reader, Section};
use crate::duration::{self, DurationError, Scale};
use rustc_hash::FxHashMap;
use waymark_core::{
    Assignment, CalendarId, Constraint, ConstraintKind, Diagnostic, Distribution, Edge, Link,
    ResourceId, Task, TaskId, WorkCalendar,
};

pub(super) const TASK_KEYS: &[&str] = &[
    "name",
    "parent",
    "duration",
    "estimate",
    "distribution",
    "after",
    "milestone",
    "deadline",
    "start_no_earlier_than",
    "start_no_later_than",
    "finish_no_earlier_than",
    "finish_no_later_than",
    "must_start_on",
    "must_finish_on",
    "as_late_as_possible",
    "resources",
    "progress",
    "actual_start",
    "actual_finish",
    "calendar",
    "priority",
    "manual_start",
    "manual_finish",
];

/// The constraint keys, in the order they are read (and written).
pub(super) const CONSTRAINT_KINDS: [ConstraintKind; 6] = [
    ConstraintKind::StartNoEarlierThan,
    ConstraintKind::StartNoLaterThan,
    ConstraintKind::FinishNoEarlierThan,
    ConstraintKind::FinishNoLaterThan,
    ConstraintKind::MustStartOn,
    ConstraintKind::MustFinishOn,
];

/// A task while it is being read, before outline order is known.
pub(super) struct Draft<'d> {
    pub(super) task: Task,
    pub(super) key_at: Option<Origin>,
    pub(super) parent: Option<Spanned<&'d str>>,
    pub(super) after: Vec<Spanned<&'d str>>,
    pub(super) duration: Option<Spanned<i64>>,
    pub(super) estimate: Option<Spanned<[i64; 3]>>,
    /// Whether some duration-like key was written but refused (no "has no duration" then).
    pub(super) duration_refused: bool,
    pub(super) milestone_at: Option<Origin>,
    pub(super) progress_given: bool,
    pub(super) constraint_at: Vec<(ConstraintKind, Option<Origin>)>,
}

impl<'s> Reader<'s> {
    pub(super) fn read_tasks(
        &mut self,
        section: Option<&Section<'_>>,
        context: &Context<'_>,
    ) -> (Vec<Task>, Vec<Link>) {
        let members = self.members(section, "task", TASK_KEYS);
        let mut ids: FxHashMap<&str, usize> = FxHashMap::default();
        ids.reserve(members.len());
        for (index, member) in members.iter().enumerate() {
            ids.insert(member.id, index);
        }
        let mut drafts: Vec<Draft<'_>> = members
            .into_iter()
            .map(|member| self.read_task(member, context))
            .collect();
        let count = drafts.len();

        // Parents, by file index.
        let mut parents: Vec<Option<usize>> = vec![None; count];
        for (index, draft) in drafts.iter().enumerate() {
            let Some(parent) = draft.parent else { continue };
            match ids.get(parent.value) {
                Some(&found) if found == index => self.error(
                    "parent-cycle",
                    parent.at,
                    format!("task `{}` names itself as its parent", draft.task.id),
                ),
                Some(&found) => {
                    if let Some(slot) = parents.get_mut(index) {
                        *slot = Some(found);
                    }
                }
                None => {
                    let hint = did_you_mean(parent.value, ids.keys().copied());
                    self.error(
                        "unknown-task",
                        parent.at,
                        format!(
                            "task `{}` has parent `{}`, which does not exist{hint}",
                            draft.task.id, parent.value
                        ),
                    );
                }
            }
        }
        let order = self.outline_order(&mut parents, &drafts);
        let mut children = vec![false; count];
        for parent in parents.iter().flatten() {
            if let Some(flag) = children.get_mut(*parent) {
                *flag = true;
            }
        }

        // Durations, which depend on whether a task is a summary.
        let scale = context.scale;
        for (index, draft) in drafts.iter_mut().enumerate() {
            let summary = children.get(index).copied().unwrap_or(false);
            self.settle_duration(draft, summary, &scale);
            self.check_constraints(draft, summary, context);
        }

        let links = self.read_links(&drafts, &ids, &parents, &scale);

        // Renumber to outline order.
        let mut position = vec![0usize; count];
        for (new, &old) in order.iter().enumerate() {
            if let Some(slot) = position.get_mut(old) {
                *slot = new;
            }
        }
        let new_id = |old: usize| TaskId(position.get(old).copied().unwrap_or(0));
        let mut slots: Vec<Option<Task>> =
            drafts.into_iter().map(|draft| Some(draft.task)).collect();
        let mut tasks = Vec::with_capacity(count);
        for &old in &order {
            if let Some(mut task) = slots.get_mut(old).and_then(Option::take) {
                task.parent = parents.get(old).copied().flatten().map(new_id);
                tasks.push(task);
            }
        }
        let mut links: Vec<Link> = links
            .into_iter()
            .map(|(predecessor, successor, kind, lag, at)| Link {
                predecessor: new_id(predecessor),
                successor: new_id(successor),
                kind,
                lag,
                location: self.location(at),
            })
            .collect();
        // Links follow their successors in outline order, as the tasks do, so that the plan
        // does not depend on where in the file a subtask was written (a written plan is read
        // back the same). The sort is stable: one task's links keep their `after` order.
        if order.iter().enumerate().any(|(new, &old)| new != old) {
            links.sort_by_key(|link| link.successor);
        }
        (tasks, links)
    }

    /// Depth-first pre-order of the outline, keeping file order among siblings. Tasks caught in a
    /// parent cycle are reported and become top-level tasks.
    pub(super) fn outline_order(
        &mut self,
        parents: &mut [Option<usize>],
        drafts: &[Draft<'_>],
    ) -> Vec<usize> {
        let count = parents.len();
        loop {
            let mut children: Vec<Vec<usize>> = vec![Vec::new(); count];
            let mut roots = Vec::new();
            for (index, parent) in parents.iter().enumerate() {
                match parent.and_then(|p| children.get_mut(p)) {
                    Some(list) => list.push(index),
                    None => roots.push(index),
                }
            }
            let mut order = Vec::with_capacity(count);
            let mut visited = vec![false; count];
            let mut stack: Vec<usize> = roots.into_iter().rev().collect();
            while let Some(index) = stack.pop() {
                if visited.get(index).copied().unwrap_or(true) {
                    continue;
                }
                if let Some(flag) = visited.get_mut(index) {
                    *flag = true;
                }
                order.push(index);
                if let Some(list) = children.get(index) {
                    stack.extend(list.iter().rev());
                }
            }
            // Anything not reached hangs off a cycle: report the first cycle, cut it, retry.
            let Some(stray) = visited.iter().position(|seen| !seen) else {
                return order;
            };
            let mut chain = vec![stray];
            let mut current = stray;
            while let Some(parent) = parents.get(current).copied().flatten() {
                if let Some(start) = chain.iter().position(|&i| i == parent) {
                    let cycle: Vec<usize> = chain
                        .get(start..)
                        .map(<[usize]>::to_vec)
                        .unwrap_or_default();
                    let name = |i: usize| {
                        drafts
                            .get(i)
                            .map_or(String::new(), |d| format!("`{}`", d.task.id))
                    };
                    let mut names: Vec<String> = cycle.iter().map(|&i| name(i)).collect();
                    names.push(name(parent));
                    let first = cycle.first().copied().unwrap_or(parent);
                    let at = drafts
                        .get(first)
                        .and_then(|d| d.parent.and_then(|p| p.at).or(d.key_at));
                    self.error(
                        "parent-cycle",
                        at,
                        format!(
                            "tasks are each other's parents in a cycle: {} (each task's `parent` points to the next)",
                            names.join(" → ")
                        ),
                    );
                    if let Some(slot) = parents.get_mut(first) {
                        *slot = None;
                    }
                    break;
                }
                chain.push(parent);
                current = parent;
            }
            // A chain that ends without a cycle cannot be unreached; stop rather than loop.
            if parents.get(stray).copied().flatten().is_none() || chain.len() > count {
                if let Some(slot) = parents.get_mut(stray) {
                    *slot = None;
                }
            }
        }
    }

    pub(super) fn read_task<'d>(&mut self, member: Member<'d>, context: &Context<'_>) -> Draft<'d> {
        let Member {
            id,
            table,
            at,
            fields,
        } = member;
        let owner = fields.context.clone();
        let scale = context.scale;
        let mut task = Task {
            id: id.to_string(),
            name: id.to_string(),
            location: self.location(at),
            ..Task::default()
        };
        if let Some(name) = self.string(&fields, "name", "a string") {
            task.name = name.value.to_string();
        }
        task.calendar = self
            .calendar_ref(&fields, context.calendar_ids, &owner)
            .map(CalendarId);
        let calendar_index = task.calendar.unwrap_or(context.project.calendar).0;
        let calendar = context
            .compiled
            .get(calendar_index)
            .and_then(Option::as_ref);

        let parent = self.string(&fields, "parent", "the id of another task");
        let mut draft = Draft {
            task,
            key_at: at,
            parent,
            after: Vec::new(),
            duration: None,
            estimate: None,
            duration_refused: false,
            milestone_at: None,
            progress_given: false,
            constraint_at: Vec::new(),
        };
        // A misspelt `duration` was reported as an unknown key with a suggestion; saying "has no
        // duration" as well would only repeat it.
        draft.duration_refused = table.entries.iter().any(|entry| {
            let key = entry.key;
            !TASK_KEYS.contains(&key)
                && matches!(
                    suggest(key, TASK_KEYS.iter().copied()),
                    Some("duration" | "estimate" | "milestone")
                )
        });
        // A refused `duration` or `estimate` was reported already, too.
        draft.duration_refused |=
            fields.get("duration").is_some() || fields.get("estimate").is_some();

        if fields.get("duration").is_some() {
            let expected = "a string like \"5d\"";
            if let Some(text) = self.string(&fields, "duration", expected) {
                match duration::parse_working(text.value, &scale) {
                    Ok(minutes) => {
                        draft.duration = Some(Spanned {
                            value: minutes,
                            at: text.at,
                        });
                        draft.duration_refused = false;
                    }
                    Err(error) => self.duration_error(&error, text.at, "duration", &owner),
                }
            }
        }
        if fields.get("estimate").is_some() {
            let expected = "three durations like [\"3d\", \"5d\", \"10d\"] (optimistic, most likely, pessimistic)";
            if let Some(points) = self.three_durations(&fields, "estimate", expected, &scale) {
                draft.duration_refused = false;
                draft.estimate = Some(points);
            }
        }
        if let Some(text) = self.string(
            &fields,
            "distribution",
            "one of \"pert\", \"triangular\", \"uniform\"",
        ) {
            match text.value.to_ascii_lowercase().as_str() {
                "pert" => draft.task.distribution = Distribution::Pert,
                "triangular" => draft.task.distribution = Distribution::Triangular,
                "uniform" => draft.task.distribution = Distribution::Uniform,
                other => {
                    let hint = did_you_mean(other, ["pert", "triangular", "uniform"]);
                    self.error(
                        "unknown-value",
                        text.at,
                        format!("unknown distribution `{}` in {owner}: use pert, triangular or uniform{hint}", text.value),
                    );
                }
            }
        }
        if let Some(links) = self.strings(
            &fields,
            "after",
            "a list of links like [\"design\", \"kickoff SS+2d\"]",
        ) {
            draft.after = links;
        }
        if let Some(flag) = self.boolean(&fields, "milestone") {
            draft.task.milestone = flag.value;
            draft.milestone_at = flag.at;
        }
        if let Some(flag) = self.boolean(&fields, "as_late_as_possible") {
            draft.task.as_late_as_possible = flag.value;
        }
        if let Some(date) = self.date(&fields, "deadline") {
            draft.task.deadline = Some(resolve_date(date.value, DateRole::Finish, calendar));
        }
        for kind in CONSTRAINT_KINDS {
            let key = kind.key();
            if let Some(date) = self.date(&fields, key) {
                let role = if kind.on_start() {
                    DateRole::Start
                } else {
                    DateRole::Finish
                };
                let key_at = fields.get(key).map(|entry| entry.key_at);
                draft.task.constraints.push(Constraint {
                    kind,
                    date: resolve_date(date.value, role, calendar),
                    location: self.location(key_at),
                });
                draft.constraint_at.push((kind, key_at));
            }
        }
        if let Some(list) = self.strings(
            &fields,
            "resources",
            "a list of assignments like [\"ana\", \"bob 50%\"]",
        ) {
            for text in list {
                match self.assignment(text, context.resource_ids, &owner) {
                    Some(assignment) => {
                        if draft
                            .task
                            .assignments
                            .iter()
                            .any(|a| a.resource == assignment.resource)
                        {
                            self.warning(
                                "duplicate-assignment",
                                text.at,
                                format!("{owner} lists resource `{}` more than once; the repeat is ignored", text.value.trim()),
                            );
                        } else {
                            draft.task.assignments.push(assignment);
                        }
                    }
                    None => continue,
                }
            }
        }
        if let Some(progress) = self.number(&fields, "progress", "a number from 0 to 1, e.g. 0.4") {
            draft.progress_given = true;
            if (0.0..=1.0).contains(&progress.value) {
                draft.task.progress = progress.value;
            } else {
                self.error(
                    "out-of-range",
                    progress.at,
                    format!(
                        "`progress` of {owner} must be from 0 to 1 (0.4 = 40 % done), found {}",
                        progress.value
                    ),
                );
            }
        }
        let actual_start = self.date(&fields, "actual_start");
        let actual_finish = self.date(&fields, "actual_finish");
        draft.task.actual_start =
            actual_start.map(|d| resolve_date(d.value, DateRole::Start, calendar));
        draft.task.actual_finish =
            actual_finish.map(|d| resolve_date(d.value, DateRole::Finish, calendar));
        if let (Some(start), Some(finish)) = (draft.task.actual_start, draft.task.actual_finish) {
            if finish < start {
                self.error(
                    "inconsistent-actuals",
                    actual_finish.and_then(|d| d.at),
                    format!(
                        "{owner} has actual_finish {} before its actual_start {}",
                        show(finish),
                        show(start)
                    ),
                );
            }
        }
        if draft.task.actual_finish.is_some() {
            if draft.progress_given && draft.task.progress < 1.0 {
                self.report(
                    Diagnostic::error(
                        "inconsistent-actuals",
                        format!(
                            "{owner} has an actual_finish but progress {}; a finished task has progress 1",
                            draft.task.progress
                        ),
                    )
                    .with_help("set `progress = 1` or leave it out, or remove `actual_finish`"), fields.get("progress").map(|e| e.node.at));
            } else {
                // A task that has finished is complete.
                draft.task.progress = 1.0;
            }
        }
        self.read_manual(&fields, &mut draft, calendar, &owner);
        if let Some(priority) = self.value(&fields, "priority", "a whole number from 0 to 1000") {
            match priority.0.as_integer() {
                Some(value) if (0..=1000).contains(&value) => {
                    draft.task.priority = u32::try_from(value).unwrap_or(500);
                }
                Some(value) => self.error(
                    "out-of-range",
                    priority.1,
                    format!(
                        "`priority` of {owner} must be from 0 to 1000 (default 500), found {value}"
                    ),
                ),
                None => self.wrong_type(
                    "priority",
                    &owner,
                    "a whole number from 0 to 1000",
                    priority.0.describe(),
                    priority.1,
                ),
            }
        }
        draft
    }

    /// `manual_start` and `manual_finish`: a manually scheduled task, fixed at those dates.
    pub(super) fn read_manual(
        &mut self,
        fields: &Fields<'_>,
        draft: &mut Draft<'_>,
        calendar: Option<&WorkCalendar>,
        owner: &str,
    ) {
        let given = (
            fields.get("manual_start").is_some(),
            fields.get("manual_finish").is_some(),
        );
        let start = self.date(fields, "manual_start");
        let finish = self.date(fields, "manual_finish");
        match (start, finish) {
            (Some(start), Some(finish)) => {
                let from = resolve_date(start.value, DateRole::Start, calendar);
                let to = resolve_date(finish.value, DateRole::Finish, calendar);
                if to < from {
                    self.error(
                        "malformed-date",
                        finish.at,
                        format!(
                            "{owner} has manual_finish {} before its manual_start {}",
                            show(to),
                            show(from)
                        ),
                    );
                } else {
                    draft.task.manual = Some((from, to));
                }
            }
            _ => {
                // A refused date was reported already; only a key left out is a new problem.
                let missing = match given {
                    (true, false) => Some(("manual_start", "manual_finish")),
                    (false, true) => Some(("manual_finish", "manual_start")),
                    _ => None,
                };
                if let Some((present, absent)) = missing {
                    let at = fields.get(present).map(|entry| entry.key_at);
                    self.error(
                        "missing-key",
                        at,
                        format!(
                            "{owner} has `{present}` but no `{absent}`; a manually scheduled \
                             task needs both"
                        ),
                    );
                }
            }
        }
    }

    pub(super) fn duration_error(
        &mut self,
        error: &DurationError,
        at: Option<Origin>,
        key: &str,
        owner: &str,
    ) {
        self.error(error.code(), at, format!("{error} (`{key}` of {owner})"));
    }

    /// Three working durations in ascending order (an estimate or a risk delay).
    pub(super) fn three_durations(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        expected: &str,
        scale: &Scale,
    ) -> Option<Spanned<[i64; 3]>> {
        let (value, at) = self.value(fields, key, expected)?;
        let context = fields.context.clone();
        let Some(array) = value.as_array() else {
            self.wrong_type(key, &context, expected, value.describe(), at);
            return None;
        };
        if array.len() != 3 {
            self.wrong_type(
                key,
                &context,
                expected,
                &format!("{} values", array.len()),
                at,
            );
            return None;
        }
        let mut points = [0i64; 3];
        let mut ok = true;
        for (slot, element) in points.iter_mut().zip(array.iter()) {
            let element_at = Some(element.at);
            let Some(text) = self.string_of(&element.value, element_at, key, &context, expected)
            else {
                ok = false;
                continue;
            };
            match duration::parse_working(text.value, scale) {
                Ok(minutes) => *slot = minutes,
                Err(error) => {
                    ok = false;
                    self.duration_error(&error, element_at, key, &context);
                }
            }
        }
        if !ok {
            return None;
        }
        let [low, likely, high] = points;
        if !(low <= likely && likely <= high) {
            self.error(
                "three-point-order",
                at,
                format!(
                    "`{key}` of {context} must be in the order optimistic <= most likely <= pessimistic, found {}, {}, {}",
                    duration::format_working(low, scale),
                    duration::format_working(likely, scale),
                    duration::format_working(high, scale)
                ),
            );
            return None;
        }
        Some(Spanned { value: points, at })
    }

    pub(super) fn assignment(
        &mut self,
        text: Spanned<&str>,
        resource_ids: &FxHashMap<&str, usize>,
        owner: &str,
    ) -> Option<Assignment> {
        let trimmed = text.value.trim();
        let mut parts = trimmed.split_whitespace();
        let id = parts.next().unwrap_or("");
        let units_text = parts.next();
        let malformed = |reader: &mut Reader<'_>| {
            reader.error(
                "malformed-assignment",
                text.at,
                format!(
                    "malformed assignment `{trimmed}` in {owner}: write a resource id and optional units, e.g. `ana` or `bob 50%`"
                ),
            );
        };
        if id.is_empty() || parts.next().is_some() {
            malformed(self);
            return None;
        }
        let units = match units_text {
            None => 1.0,
            Some(units) => {
                let number = units.strip_suffix('%').and_then(|n| n.parse::<f64>().ok());
                match number {
                    Some(percent) if percent.is_finite() && percent > 0.0 => percent / 100.0,
                    Some(_) => {
                        self.error(
                            "out-of-range",
                            text.at,
                            format!(
                                "units of assignment `{trimmed}` in {owner} must be more than 0 %"
                            ),
                        );
                        return None;
                    }
                    None => {
                        malformed(self);
                        return None;
                    }
                }
            }
        };
        match resource_ids.get(id) {
            Some(&index) => Some(Assignment {
                resource: ResourceId(index),
                units,
            }),
            None => {
                let hint = did_you_mean(id, resource_ids.keys().copied());
                self.error(
                    "unknown-resource",
                    text.at,
                    format!("{owner} is assigned to `{id}`, which is not a resource{hint}"),
                );
                None
            }
        }
    }

    /// Decide a task's duration from `duration`, `estimate`, `milestone` and whether it is a
    /// summary, reporting contradictions.
    pub(super) fn settle_duration(&mut self, draft: &mut Draft<'_>, summary: bool, scale: &Scale) {
        if summary {
            for (key, at) in [
                ("duration", draft.duration.and_then(|d| d.at)),
                ("estimate", draft.estimate.and_then(|e| e.at)),
            ] {
                let given = match key {
                    "duration" => draft.duration.is_some(),
                    _ => draft.estimate.is_some(),
                };
                if given {
                    self.warning(
                        "summary-duration",
                        at,
                        format!(
                            "task `{}` is a summary task (other tasks name it as parent); its `{key}` is ignored because its dates come from its subtasks",
                            draft.task.id
                        ),
                    );
                }
            }
            draft.task.duration = 0;
            draft.task.estimate = None;
            return;
        }
        if draft.task.milestone {
            let nonzero = draft
                .duration
                .filter(|d| d.value != 0)
                .map(|d| d.at)
                .or_else(|| {
                    draft
                        .estimate
                        .filter(|e| e.value != [0, 0, 0])
                        .map(|e| e.at)
                });
            if let Some(at) = nonzero {
                self.report(
                    Diagnostic::error(
                        "milestone-duration",
                        format!("task `{}` is a milestone but has a non-zero duration; a milestone takes no time", draft.task.id),
                    )
                    .with_help("remove the duration, or remove `milestone = true`"), at);
            }
            draft.task.duration = 0;
            draft.task.estimate = None;
            return;
        }
        draft.task.estimate = draft.estimate.map(|e| e.value);
        match (draft.duration, draft.estimate) {
            (Some(duration), _) => draft.task.duration = duration.value,
            (None, Some(estimate)) => draft.task.duration = estimate.value[1],
            (None, None) => {
                if !draft.duration_refused {
                    let at = self.missing(draft.key_at, "duration");
                    self.report(
                        Diagnostic::error(
                            "missing-duration",
                            format!("task `{}` has no duration", draft.task.id),
                        )
                        .with_help(format!(
                            "add `duration = \"{}\"`, an `estimate` or `milestone = true`",
                            duration::format_working(5 * scale.minutes_per_day, scale)
                        )),
                        at,
                    );
                }
            }
        }
    }

    /// Constraint combinations no start or finish can satisfy.
    pub(super) fn check_constraints(
        &mut self,
        draft: &Draft<'_>,
        summary: bool,
        context: &Context<'_>,
    ) {
        let date_of = |kind: ConstraintKind| {
            draft
                .task
                .constraints
                .iter()
                .find(|c| c.kind == kind)
                .map(|c| c.date)
        };
        let at_of = |kind: ConstraintKind| {
            draft
                .constraint_at
                .iter()
                .find(|(k, _)| *k == kind)
                .and_then(|(_, at)| *at)
        };
        use ConstraintKind::*;
        let windows = [
            (StartNoEarlierThan, StartNoLaterThan, "start"),
            (FinishNoEarlierThan, FinishNoLaterThan, "finish"),
            (StartNoEarlierThan, MustStartOn, "start"),
            (MustStartOn, StartNoLaterThan, "start"),
            (FinishNoEarlierThan, MustFinishOn, "finish"),
            (MustFinishOn, FinishNoLaterThan, "finish"),
        ];
        for (early, late, what) in windows {
            if let (Some(a), Some(b)) = (date_of(early), date_of(late)) {
                if a > b {
                    let later = std::cmp::max_by_key(
                        (early, at_of(early)),
                        (late, at_of(late)),
                        |(_, at)| *at,
                    );
                    self.error(
                        "impossible-constraint",
                        later.1,
                        format!(
                            "task `{}` has {} {} and {} {}: no {what} satisfies both",
                            draft.task.id,
                            early.key(),
                            show(a),
                            late.key(),
                            show(b)
                        ),
                    );
                }
            }
        }
        if summary || draft.task.duration == 0 {
            return;
        }
        if let (Some(start), Some(finish)) = (date_of(MustStartOn), date_of(MustFinishOn)) {
            let calendar_index = draft.task.calendar.unwrap_or(context.project.calendar).0;
            if let Some(calendar) = context
                .compiled
                .get(calendar_index)
                .and_then(Option::as_ref)
            {
                let expected = calendar.add(start, draft.task.duration, Edge::Finish);
                if expected != finish {
                    self.error(
                        "impossible-constraint",
                        at_of(MustFinishOn),
                        format!(
                            "task `{}` must start on {} and finish on {}, but its duration {} from that start finishes on {}",
                            draft.task.id,
                            show(start),
                            show(finish),
                            duration::format_working(draft.task.duration, &context.scale),
                            show(expected)
                        ),
                    );
                }
            }
        }
    }
}
