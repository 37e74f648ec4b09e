//! `<Tasks>`: the outline, durations, manual and milestone tasks, constraints, deadlines,
//! actuals and `<PredecessorLink>`s with their lags.

use super::values::{child, children, is_elapsed_format, text};
use super::Reader;
use crate::duration;
use roxmltree::Node;
use std::collections::HashMap;
use waymark_core::time::{self};
use waymark_core::{
    CalendarId, Constraint, ConstraintKind, Diagnostic, Lag, Link, LinkKind, Location, Plan, Task,
    TaskId,
};

/// A task row as read, before links are resolved.
pub(super) struct RawLink {
    pub(super) predecessor_uid: i64,
    pub(super) successor: TaskId,
    pub(super) kind: LinkKind,
    pub(super) lag: Lag,
    pub(super) location: Option<Location>,
}

impl<'a, 'input> Reader<'a, 'input> {
    pub(super) fn tasks(
        &mut self,
        root: Node<'a, 'input>,
        plan: &mut Plan,
        calendars: &HashMap<i64, usize>,
    ) -> HashMap<i64, TaskId> {
        let mut uids: HashMap<i64, TaskId> = HashMap::new();
        let mut links: Vec<RawLink> = Vec::new();
        // Open outline levels: (level, task) of the kept tasks that may still get children.
        let mut open: Vec<(i64, TaskId)> = Vec::new();
        let minutes_per_day = plan.project.minutes_per_day;
        let Some(tasks) = child(root, "Tasks") else {
            return uids;
        };
        for node in children(tasks, "Task") {
            let Some(uid) = self.int(node, "UID") else {
                if child(node, "UID").is_none() {
                    self.error("mspdi-missing", node, "a task has no <UID>".into());
                }
                continue;
            };
            if self.flag(node, "IsNull") == Some(true) {
                continue;
            }
            let name = text(node, "Name").unwrap_or_default().to_string();
            if self.flag(node, "Active") == Some(false) {
                self.warning(
                    "mspdi-inactive-task",
                    node,
                    format!("task {uid} `{name}` is inactive; Waymark leaves inactive tasks out for now"),
                );
                continue;
            }
            if uids.contains_key(&uid) {
                self.error(
                    "mspdi-duplicate",
                    node,
                    format!("task UID {uid} is used twice"),
                );
                continue;
            }
            let id = TaskId(plan.tasks.len());
            let level = self
                .int(node, "OutlineLevel")
                .unwrap_or(if uid == 0 { 0 } else { 1 });
            while open
                .last()
                .is_some_and(|&(open_level, _)| open_level >= level)
            {
                open.pop();
            }
            let parent = open.last().map(|&(_, parent)| parent);
            open.push((level, id));

            let mut task = Task {
                id: uid.to_string(),
                name,
                parent,
                location: self.location(node),
                ..Task::default()
            };
            let owner = format!("task {uid} `{}`", task.name);
            task.duration = match self.duration(node, "Duration", minutes_per_day) {
                Some(minutes) if minutes < 0 => {
                    let text = text(node, "Duration").unwrap_or_default();
                    self.error(
                        "malformed-duration",
                        child(node, "Duration").unwrap_or(node),
                        format!(
                            "<Duration> `{text}` of {owner} is negative; a duration is 0 or more"
                        ),
                    );
                    0
                }
                minutes => minutes.unwrap_or(0),
            };
            if let Some(format) = self.int(node, "DurationFormat") {
                if is_elapsed_format(format) {
                    self.warning(
                        "mspdi-elapsed-duration",
                        child(node, "DurationFormat").unwrap_or(node),
                        format!("task {uid} has an elapsed duration, which Waymark reads as working time for now"),
                    );
                }
            }
            task.milestone = self.flag(node, "Milestone").unwrap_or(false);
            self.constraint(node, &mut task);
            task.deadline = self.instant(node, "Deadline");
            task.calendar = match self.int(node, "CalendarUID") {
                Some(calendar_uid) if calendar_uid >= 0 => match calendars.get(&calendar_uid) {
                    Some(&index) => Some(CalendarId(index)),
                    None => {
                        self.warning(
                            "mspdi-unknown-calendar",
                            child(node, "CalendarUID").unwrap_or(node),
                            format!("task {uid} uses calendar {calendar_uid}, which is not defined; the project calendar is used"),
                        );
                        None
                    }
                },
                _ => None,
            };
            if self.flag(node, "Manual") == Some(true) {
                let start = self.instant(node, "Start");
                let finish = self.instant(node, "Finish");
                match (start, finish) {
                    (Some(start), Some(finish)) => task.manual = Some((start, finish.max(start))),
                    _ => self.warning(
                        "mspdi-manual-task",
                        node,
                        format!("manually scheduled task {uid} has no <Start> and <Finish>; it is scheduled automatically"),
                    ),
                }
            }
            let percent = self.float(node, "PercentComplete");
            match percent {
                Some(percent) if (0.0..=100.0).contains(&percent) => {
                    task.progress = percent / 100.0;
                }
                Some(percent) => self.error(
                    "out-of-range",
                    child(node, "PercentComplete").unwrap_or(node),
                    format!("<PercentComplete> of {owner} must be from 0 to 100, found {percent}"),
                ),
                None => {}
            }
            self.actuals(node, &mut task, percent, &owner);
            if let Some(priority) = self.int(node, "Priority") {
                task.priority = priority.clamp(0, 1000) as u32;
            }
            for link in children(node, "PredecessorLink") {
                if let Some(link) = self.link(link, id) {
                    links.push(link);
                }
            }
            uids.insert(uid, id);
            plan.tasks.push(task);
        }
        for link in links {
            match uids.get(&link.predecessor_uid) {
                Some(&predecessor) if predecessor == link.successor => {
                    let name = plan
                        .tasks
                        .get(predecessor.0)
                        .map(|task| task.name.as_str())
                        .unwrap_or_default();
                    self.diagnostics.push(
                        Diagnostic::error(
                            "self-link",
                            format!(
                                "task {} `{name}` is linked to itself (its <PredecessorUID> is its own UID)",
                                link.predecessor_uid
                            ),
                        )
                        .at(link.location)
                        .with_help("remove this <PredecessorLink>; a task cannot wait for itself"),
                    );
                }
                Some(&predecessor) => plan.links.push(Link {
                    predecessor,
                    successor: link.successor,
                    kind: link.kind,
                    lag: link.lag,
                    location: link.location,
                }),
                None => {
                    let successor = plan
                        .tasks
                        .get(link.successor.0)
                        .map(|task| task.id.clone())
                        .unwrap_or_default();
                    self.diagnostics.push(
                        Diagnostic::warning(
                            "mspdi-dropped-link",
                            format!(
                                "the link from task {} to task {successor} is dropped: task {} is not in the plan (missing, blank or inactive)",
                                link.predecessor_uid, link.predecessor_uid
                            ),
                        )
                        .at(link.location),
                    );
                }
            }
        }
        uids
    }

    /// `ActualStart` and `ActualFinish`, with the plan format's `inconsistent-actuals` rules: a
    /// task does not finish before it starts, and a finished task is 100 % complete (a finished
    /// task without a `PercentComplete` is read as complete).
    pub(super) fn actuals(
        &mut self,
        node: Node<'a, 'input>,
        task: &mut Task,
        percent: Option<f64>,
        owner: &str,
    ) {
        task.actual_start = self.instant(node, "ActualStart");
        task.actual_finish = self.instant(node, "ActualFinish");
        let Some(finish) = task.actual_finish else {
            return;
        };
        let finish_node = child(node, "ActualFinish").unwrap_or(node);
        if let Some(start) = task.actual_start.filter(|&start| finish < start) {
            self.error(
                "inconsistent-actuals",
                finish_node,
                format!(
                    "{owner} has <ActualFinish> {} before its <ActualStart> {}",
                    time::iso(finish),
                    time::iso(start)
                ),
            );
        }
        match percent {
            Some(percent) if percent < 100.0 => self.error(
                "inconsistent-actuals",
                child(node, "PercentComplete").unwrap_or(node),
                format!(
                    "{owner} has an <ActualFinish> but <PercentComplete> {percent}; a finished \
                     task is 100 % complete"
                ),
            ),
            _ => task.progress = 1.0,
        }
    }

    pub(super) fn constraint(&mut self, node: Node<'a, 'input>, task: &mut Task) {
        let kind = match self.int(node, "ConstraintType").unwrap_or(0) {
            0 => return,
            1 => {
                task.as_late_as_possible = true;
                return;
            }
            2 => ConstraintKind::MustStartOn,
            3 => ConstraintKind::MustFinishOn,
            4 => ConstraintKind::StartNoEarlierThan,
            5 => ConstraintKind::StartNoLaterThan,
            6 => ConstraintKind::FinishNoEarlierThan,
            7 => ConstraintKind::FinishNoLaterThan,
            other => {
                self.warning(
                    "mspdi-constraint",
                    child(node, "ConstraintType").unwrap_or(node),
                    format!("<ConstraintType> {other} is not known (0..7); ignored"),
                );
                return;
            }
        };
        let location = child(node, "ConstraintType").and_then(|element| self.location(element));
        match self.instant(node, "ConstraintDate") {
            Some(date) => task.constraints.push(Constraint {
                kind,
                date,
                location,
            }),
            None => {
                if child(node, "ConstraintDate").is_none() {
                    self.warning(
                        "mspdi-constraint",
                        child(node, "ConstraintType").unwrap_or(node),
                        format!(
                            "task {} has a {} constraint without a <ConstraintDate>; ignored",
                            task.id,
                            kind.key()
                        ),
                    );
                }
            }
        }
    }

    pub(super) fn link(&mut self, node: Node<'a, 'input>, successor: TaskId) -> Option<RawLink> {
        let predecessor_uid = self.int(node, "PredecessorUID")?;
        if self.flag(node, "CrossProject") == Some(true) {
            self.warning(
                "mspdi-dropped-link",
                node,
                "a link to another project is dropped; Waymark reads one project at a time".into(),
            );
            return None;
        }
        let kind = match self.int(node, "Type").unwrap_or(1) {
            0 => LinkKind::FinishToFinish,
            1 => LinkKind::FinishToStart,
            2 => LinkKind::StartToFinish,
            3 => LinkKind::StartToStart,
            other => {
                self.warning(
                    "mspdi-link-type",
                    child(node, "Type").unwrap_or(node),
                    format!(
                        "link <Type> {other} is not known (0 FF, 1 FS, 2 SF, 3 SS); read as FS"
                    ),
                );
                LinkKind::FinishToStart
            }
        };
        let lag_value = self.float(node, "LinkLag").unwrap_or(0.0);
        // Formats 35 and up are the same units marked "estimated" (+32).
        let format = self.int(node, "LagFormat").unwrap_or(7);
        let format = if format >= 35 { format - 32 } else { format };
        let percent = matches!(format, 19 | 20);
        let (bound, unit) = if percent {
            (duration::MAX_LAG_PERCENT, "%")
        } else {
            (duration::MAX_MINUTES * 10.0, " tenths of a minute")
        };
        let lag_value = if lag_value.abs() > bound {
            self.error(
                "mspdi-lag",
                child(node, "LinkLag").unwrap_or(node),
                format!("<LinkLag> {lag_value} is too large; a lag may be at most {bound}{unit}"),
            );
            0.0
        } else {
            lag_value
        };
        let lag = match format {
            // Percent lags hold the percentage itself, not tenths of minutes.
            19 | 20 => Lag::Percent(lag_value / 100.0),
            // Everything else is in tenths of a minute.
            4 | 6 | 8 | 10 | 12 => Lag::Elapsed((lag_value / 10.0).round() as i64),
            _ => Lag::Working((lag_value / 10.0).round() as i64),
        };
        Some(RawLink {
            predecessor_uid,
            successor,
            kind,
            lag,
            location: self.location(node),
        })
    }
}
