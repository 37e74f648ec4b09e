//! The plan TOML writer: a [`Plan`] in, `*.plan.toml` text out, which [`read_plan`] reads back
//! to the same plan (locations aside).
//!
//! The output is for people as much as for the reader: tables in the order of the format's
//! documentation, tasks in outline order with each parent before its children, durations in
//! the largest unit that holds them exactly (`5d`, `3h`, `90m`), dates without a time wherever
//! the reader would resolve the date alone to the same instant. It is deterministic: the same
//! plan always gives the same bytes. Writing never fails; ids that cannot be written as they are
//! (empty, with spaces, twice the same) are replaced by similar ones. This module must not read
//! files or the clock.
//!
//! [`read_plan`]: super::read_plan

use crate::duration::{self, Scale};
use std::fmt::Write;
use waymark_core::calendar::DayHours;
use waymark_core::time::{self, Instant, DAY};
use waymark_core::{
    Calendar, CalendarException, ConstraintKind, Distribution, Interval, Lag, LinkKind, Plan,
    ResourceKind, RiskResponse, Task, WorkCalendar,
};

/// Lines longer than this put one list element per line.
const WIDTH: usize = 100;

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Constraint keys in the order the reader reads them, which is the order written.
const CONSTRAINT_ORDER: [ConstraintKind; 6] = [
    ConstraintKind::StartNoEarlierThan,
    ConstraintKind::StartNoLaterThan,
    ConstraintKind::FinishNoEarlierThan,
    ConstraintKind::FinishNoLaterThan,
    ConstraintKind::MustStartOn,
    ConstraintKind::MustFinishOn,
];

/// Write a plan as plan TOML.
pub fn write(plan: &Plan) -> String {
    Writer::new(plan).write()
}

/// What a date without a time means for a field (see the reader's `DateRole`).
#[derive(Clone, Copy)]
enum Role {
    /// The first working minute of the day.
    Start,
    /// The end of the day's working time.
    Finish,
    /// Midnight after the day.
    Status,
}

struct Writer<'p> {
    plan: &'p Plan,
    out: String,
    task_ids: Vec<String>,
    resource_ids: Vec<String>,
    calendar_ids: Vec<String>,
    risk_ids: Vec<String>,
    compiled: Vec<Option<WorkCalendar>>,
    /// Duration units as the reader will derive them from the written project calendar.
    scale: Scale,
}

impl<'p> Writer<'p> {
    fn new(plan: &'p Plan) -> Writer<'p> {
        let compiled = (0..plan.calendars.len())
            .map(|index| WorkCalendar::compile(&plan.calendars, index).ok())
            .collect();
        Writer {
            plan,
            out: String::new(),
            task_ids: writable_ids(plan.tasks.iter().map(|t| t.id.as_str()), "task"),
            resource_ids: writable_ids(plan.resources.iter().map(|r| r.id.as_str()), "resource"),
            calendar_ids: writable_ids(plan.calendars.iter().map(|c| c.id.as_str()), "calendar"),
            risk_ids: writable_ids(plan.risks.iter().map(|r| r.id.as_str()), "risk"),
            compiled,
            scale: reader_scale(plan),
        }
    }

    fn write(mut self) -> String {
        self.project();
        for index in 0..self.plan.calendars.len() {
            self.calendar(index);
        }
        for index in 0..self.plan.resources.len() {
            self.resource(index);
        }
        let summaries = self.plan.summaries();
        for index in outline_order(self.plan) {
            self.task(index, summaries.get(index).copied().unwrap_or(false));
        }
        for index in 0..self.plan.risks.len() {
            self.risk(index);
        }
        self.out
    }

    fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn header(&mut self, section: &str, id: &str) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        let _ = writeln!(self.out, "[{section}.{}]", key(id));
    }

    fn pair(&mut self, name: &str, value: &str) {
        let _ = writeln!(self.out, "{name} = {value}");
    }

    /// `name = [a, b]` on one line when it fits, else one element per line.
    fn list(&mut self, name: &str, items: &[String]) {
        let inline = format!("{name} = [{}]", items.join(", "));
        if inline.len() <= WIDTH || items.len() < 2 {
            self.line(&inline);
        } else {
            let _ = writeln!(self.out, "{name} = [");
            for item in items {
                let _ = writeln!(self.out, "    {item},");
            }
            self.line("]");
        }
    }

    fn calendar_of(&self, index: Option<usize>) -> Option<&WorkCalendar> {
        index
            .and_then(|index| self.compiled.get(index))
            .and_then(Option::as_ref)
    }

    fn date(&self, instant: Instant, role: Role, calendar: Option<usize>) -> String {
        date_text(instant, role, self.calendar_of(calendar))
    }

    fn working(&self, minutes: i64) -> String {
        string(&working_text(minutes, &self.scale))
    }

    fn project(&mut self) {
        let project = &self.plan.project;
        let calendar = Some(project.calendar.0);
        self.line("[project]");
        self.pair("name", &string(&project.name));
        let start = self.date(project.start, Role::Start, calendar);
        self.pair("start", &start);
        if let Some(status) = project.status_date {
            let status = self.date(status, Role::Status, calendar);
            self.pair("status_date", &status);
        }
        if let Some(deadline) = project.deadline {
            let deadline = self.date(deadline, Role::Finish, calendar);
            self.pair("deadline", &deadline);
        }
        if let Some(id) = self.calendar_ids.get(project.calendar.0) {
            if id != "standard" {
                let id = string(id);
                self.pair("calendar", &id);
            }
        }
        if let Some(currency) = &project.currency {
            self.pair("currency", &string(currency));
        }
        if !project.wip_limits.is_empty() {
            let limits: Vec<String> = project
                .wip_limits
                .iter()
                .map(|(column, limit)| format!("{} = {limit}", column.key()))
                .collect();
            self.pair("wip_limits", &format!("{{ {} }}", limits.join(", ")));
        }
    }

    fn calendar(&mut self, index: usize) {
        let plan = self.plan;
        let Some(calendar) = plan.calendars.get(index) else {
            return;
        };
        // The reader makes the built-in calendar itself when a plan does not declare it.
        let builtin = Calendar::standard();
        if index == 0 && *calendar == builtin {
            return;
        }
        let id = self.calendar_ids.get(index).cloned().unwrap_or_default();
        self.header("calendars", &id);
        if calendar.name != id {
            self.pair("name", &string(&calendar.name));
        }
        if let Some(base) = calendar.base.and_then(|b| self.calendar_ids.get(b)) {
            let base = string(base);
            self.pair("base", &base);
        }
        let mut table: Vec<(usize, DayHours)> = Vec::new();
        if calendar.base.is_none() || calendar.week.iter().all(Option::is_some) {
            let week: Vec<DayHours> = calendar
                .week
                .iter()
                .map(|day| day.clone().unwrap_or_default())
                .collect();
            match usual_hours(&week) {
                Some(usual) => {
                    let days: Vec<String> = (0..7)
                        .filter(|&day| week.get(day) == Some(&usual))
                        .map(|day| string(WEEKDAYS[day]))
                        .collect();
                    self.list("days", &days);
                    self.list("hours", &hours_items(&usual));
                    for (day, hours) in week.iter().enumerate() {
                        if !hours.is_empty() && *hours != usual {
                            table.push((day, hours.clone()));
                        }
                    }
                }
                None => self.line("days = []"),
            }
        } else {
            for (day, hours) in calendar.week.iter().enumerate() {
                if let Some(hours) = hours {
                    table.push((day, hours.clone()));
                }
            }
        }
        // Non-working days at the front of the list are holidays; what follows keeps its order,
        // since on a date named twice the later entry wins.
        let split = calendar
            .exceptions
            .iter()
            .position(|exception| !exception.hours.is_empty())
            .unwrap_or(calendar.exceptions.len());
        let (holidays, exceptions) = calendar.exceptions.split_at(split);
        if !holidays.is_empty() {
            let items: Vec<String> = holidays.iter().map(holiday_text).collect();
            self.list("holidays", &items);
        }
        if !exceptions.is_empty() {
            self.line("exceptions = [");
            for exception in exceptions {
                let _ = writeln!(self.out, "    {},", exception_text(exception));
            }
            self.line("]");
        }
        if !table.is_empty() {
            let _ = writeln!(self.out, "[calendars.{}.week]", key(&id));
            for (day, hours) in table {
                self.list(WEEKDAYS[day], &hours_items(&hours));
            }
        }
    }

    fn resource(&mut self, index: usize) {
        let plan = self.plan;
        let Some(resource) = plan.resources.get(index) else {
            return;
        };
        let id = self.resource_ids.get(index).cloned().unwrap_or_default();
        self.header("resources", &id);
        if resource.name != id {
            self.pair("name", &string(&resource.name));
        }
        match resource.kind {
            ResourceKind::Work => {}
            ResourceKind::Material => self.pair("kind", "\"material\""),
            ResourceKind::Cost => self.pair("kind", "\"cost\""),
        }
        if let Some(role) = &resource.role {
            self.pair("role", &string(role));
        }
        if resource.units != 1.0 {
            self.pair("units", &float(resource.units));
        }
        if let Some(rate) = resource.rate {
            self.pair("rate", &float(rate));
        }
        if let Some(calendar) = resource.calendar.and_then(|c| self.calendar_ids.get(c.0)) {
            let calendar = string(calendar);
            self.pair("calendar", &calendar);
        }
    }

    fn task(&mut self, index: usize, summary: bool) {
        let plan = self.plan;
        let Some(task) = plan.tasks.get(index) else {
            return;
        };
        let id = self.task_ids.get(index).cloned().unwrap_or_default();
        let calendar = Some(plan.task_calendar(waymark_core::TaskId(index)).0);
        self.header("tasks", &id);
        if task.name != id {
            self.pair("name", &string(&task.name));
        }
        if let Some(parent) = task.parent.and_then(|p| self.task_ids.get(p.0)) {
            let parent = string(parent);
            self.pair("parent", &parent);
        }
        if task.milestone {
            self.pair("milestone", "true");
        }
        // A summary's dates come from its subtasks and a milestone takes no time: the reader
        // drops any duration or estimate on them, so none is written.
        if !summary && !task.milestone {
            let likely = task.estimate.map(|estimate| estimate[1]);
            if likely != Some(task.duration) {
                let duration = self.working(task.duration);
                self.pair("duration", &duration);
            }
            if let Some(estimate) = task.estimate {
                let points: Vec<String> = estimate.iter().map(|&m| self.working(m)).collect();
                self.list("estimate", &points);
            }
        }
        match task.distribution {
            Distribution::Pert => {}
            Distribution::Triangular => self.pair("distribution", "\"triangular\""),
            Distribution::Uniform => self.pair("distribution", "\"uniform\""),
        }
        if let Some(calendar) = task.calendar.and_then(|c| self.calendar_ids.get(c.0)) {
            let calendar = string(calendar);
            self.pair("calendar", &calendar);
        }
        let after: Vec<String> = plan
            .links
            .iter()
            .filter(|link| link.successor.0 == index)
            .map(|link| {
                let predecessor = self
                    .task_ids
                    .get(link.predecessor.0)
                    .map_or("", String::as_str);
                string(&link_text(predecessor, link.kind, link.lag, &self.scale))
            })
            .collect();
        if !after.is_empty() {
            self.list("after", &after);
        }
        if !task.assignments.is_empty() {
            let resources: Vec<String> = task
                .assignments
                .iter()
                .map(|assignment| {
                    let id = self
                        .resource_ids
                        .get(assignment.resource.0)
                        .map_or("", String::as_str);
                    if assignment.units == 1.0 {
                        string(id)
                    } else {
                        string(&format!(
                            "{id} {}%",
                            duration::format_percent(assignment.units)
                        ))
                    }
                })
                .collect();
            self.list("resources", &resources);
        }
        if let Some(deadline) = task.deadline {
            let deadline = self.date(deadline, Role::Finish, calendar);
            self.pair("deadline", &deadline);
        }
        for kind in CONSTRAINT_ORDER {
            if let Some(constraint) = task.constraints.iter().find(|c| c.kind == kind) {
                let role = if kind.on_start() {
                    Role::Start
                } else {
                    Role::Finish
                };
                let date = self.date(constraint.date, role, calendar);
                self.pair(kind.key(), &date);
            }
        }
        if task.as_late_as_possible {
            self.pair("as_late_as_possible", "true");
        }
        if let Some((start, finish)) = task.manual {
            let start = self.date(start, Role::Start, calendar);
            let finish = self.date(finish, Role::Finish, calendar);
            self.pair("manual_start", &start);
            self.pair("manual_finish", &finish);
        }
        if task.priority != 500 {
            self.pair("priority", &task.priority.to_string());
        }
        self.progress(task, calendar);
    }

    fn progress(&mut self, task: &Task, calendar: Option<usize>) {
        // A task with an actual finish reads back complete, so its progress is not written.
        if task.actual_finish.is_none() && task.progress != 0.0 {
            self.pair("progress", &float(task.progress));
        }
        if let Some(start) = task.actual_start {
            let start = self.date(start, Role::Start, calendar);
            self.pair("actual_start", &start);
        }
        if let Some(finish) = task.actual_finish {
            let finish = self.date(finish, Role::Finish, calendar);
            self.pair("actual_finish", &finish);
        }
    }

    fn risk(&mut self, index: usize) {
        let plan = self.plan;
        let Some(risk) = plan.risks.get(index) else {
            return;
        };
        let id = self.risk_ids.get(index).cloned().unwrap_or_default();
        self.header("risks", &id);
        if risk.title != id {
            self.pair("title", &string(&risk.title));
        }
        self.pair("probability", &float(risk.probability));
        if !risk.tasks.is_empty() {
            let tasks: Vec<String> = risk
                .tasks
                .iter()
                .map(|task| string(self.task_ids.get(task.0).map_or("", String::as_str)))
                .collect();
            self.list("tasks", &tasks);
        }
        if let Some(factor) = risk.factor {
            let points: Vec<String> = factor.iter().map(|&f| float(f)).collect();
            self.list("factor", &points);
        }
        if let Some(delay) = risk.delay {
            let points: Vec<String> = delay.iter().map(|&m| self.working(m)).collect();
            self.list("delay", &points);
        }
        if let Some(owner) = risk.owner.and_then(|o| self.resource_ids.get(o.0)) {
            let owner = string(owner);
            self.pair("owner", &owner);
        }
        if let Some(response) = risk.response {
            let word = match response {
                RiskResponse::Avoid => "avoid",
                RiskResponse::Mitigate => "mitigate",
                RiskResponse::Transfer => "transfer",
                RiskResponse::Accept => "accept",
            };
            self.pair("response", &string(word));
        }
        if !risk.is_open() {
            self.pair("status", &string(risk.status.key()));
        }
    }
}

/// Ids as they can be written: a link (`design SS+2d`) or an assignment (`bob 50%`) ends an id
/// at the first space, and a table key appears once. Good ids are kept; each other one becomes
/// its text with spaces as `-` (`kind` when empty), numbered `-2`, `-3`... when that is taken.
pub(crate) fn writable_ids<'a>(ids: impl Iterator<Item = &'a str>, kind: &str) -> Vec<String> {
    let ids: Vec<&str> = ids.collect();
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut keep = vec![false; ids.len()];
    for (index, id) in ids.iter().enumerate() {
        if !id.is_empty() && !id.contains(char::is_whitespace) && taken.insert(id.to_string()) {
            keep[index] = true;
        }
    }
    ids.iter()
        .zip(keep)
        .map(|(id, kept)| {
            if kept {
                return id.to_string();
            }
            let base: String = id
                .split(char::is_whitespace)
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            let base = if base.is_empty() {
                kind.to_string()
            } else {
                base
            };
            let mut candidate = base.clone();
            let mut number = 2;
            while !taken.insert(candidate.clone()) {
                candidate = format!("{base}-{number}");
                number += 1;
            }
            candidate
        })
        .collect()
}

/// Task indices depth first, children in plan order: the plan's own order for a plan in outline
/// order (as readers make them), and the order the reader would make otherwise.
pub(crate) fn outline_order(plan: &Plan) -> Vec<usize> {
    let count = plan.tasks.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut roots = Vec::new();
    for (index, task) in plan.tasks.iter().enumerate() {
        match task.parent.filter(|p| p.0 < count && p.0 != index) {
            Some(parent) => children[parent.0].push(index),
            None => roots.push(index),
        }
    }
    let mut order = Vec::with_capacity(count);
    let mut seen = vec![false; count];
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(index) = stack.pop() {
        if std::mem::replace(&mut seen[index], true) {
            continue;
        }
        order.push(index);
        stack.extend(children[index].iter().rev());
    }
    // Tasks on a parent cycle are unreachable from a root; write them anyway, last.
    order.extend((0..count).filter(|&index| !seen[index]));
    order
}

/// The units of duration text the reader will derive from the project calendar: its weekly
/// working minutes over its number of working days, rounded.
fn reader_scale(plan: &Plan) -> Scale {
    let week = effective_week(&plan.calendars, plan.project.calendar.0);
    let working_days = week.iter().filter(|day| !day.is_empty()).count() as i64;
    let minutes: i64 = week
        .iter()
        .flatten()
        .map(|interval| interval.minutes())
        .sum();
    if working_days > 0 && minutes > 0 {
        Scale::of_day((minutes as f64 / working_days as f64).round() as i64)
    } else {
        Scale::default()
    }
}

/// A calendar's week with what it inherits from its base calendars filled in.
pub(crate) fn effective_week(calendars: &[Calendar], index: usize) -> [DayHours; 7] {
    std::array::from_fn(|day| {
        let mut current = Some(index);
        // Bounded: a base cycle must not loop forever.
        for _ in 0..=calendars.len() {
            let Some(calendar) = current.and_then(|c| calendars.get(c)) else {
                break;
            };
            if let Some(Some(hours)) = calendar.week.get(day) {
                return hours.clone();
            }
            current = calendar.base;
        }
        Vec::new()
    })
}

/// The working hours most days of the week have (the first such day's on a tie); `None` when
/// no day works.
fn usual_hours(week: &[DayHours]) -> Option<DayHours> {
    let mut best: Option<(&DayHours, usize)> = None;
    for hours in week.iter().filter(|hours| !hours.is_empty()) {
        let count = week.iter().filter(|other| *other == hours).count();
        if best.is_none_or(|(_, most)| count > most) {
            best = Some((hours, count));
        }
    }
    best.map(|(hours, _)| hours.clone())
}

fn clock(minutes: u16) -> String {
    let minutes = u32::from(minutes) % DAY as u32;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `"08:00-12:00"`; an interval that crosses midnight ends on the next day's clock, and an end
/// at midnight is `24:00`.
fn interval_text(interval: &Interval) -> String {
    let end = if i64::from(interval.end) == DAY {
        "24:00".to_string()
    } else {
        clock(interval.end)
    };
    format!("{}-{end}", clock(interval.start))
}

fn hours_items(hours: &[Interval]) -> Vec<String> {
    hours
        .iter()
        .map(|interval| string(&interval_text(interval)))
        .collect()
}

fn holiday_text(exception: &CalendarException) -> String {
    if exception.from == exception.to {
        exception.from.to_string()
    } else {
        string(&format!("{}..{}", exception.from, exception.to))
    }
}

fn exception_text(exception: &CalendarException) -> String {
    let mut text = if exception.from == exception.to {
        format!("{{ date = {}", exception.from)
    } else {
        format!("{{ from = {}, to = {}", exception.from, exception.to)
    };
    if !exception.hours.is_empty() {
        let _ = write!(
            text,
            ", hours = [{}]",
            hours_items(&exception.hours).join(", ")
        );
    }
    text.push_str(" }");
    text
}

/// A date when the date alone reads back to `instant` for this role, else the date-time.
fn date_text(instant: Instant, role: Role, calendar: Option<&WorkCalendar>) -> String {
    let day = time::day_of(instant);
    for candidate in [day, day - 1] {
        let midnight = candidate * DAY;
        let resolved = match (role, calendar) {
            (Role::Start, Some(calendar)) => calendar.next_working(midnight),
            (Role::Start, None) => midnight,
            (Role::Finish, Some(calendar)) => calendar.previous_working_end(midnight + DAY),
            (Role::Finish | Role::Status, _) => midnight + DAY,
        };
        if resolved == instant {
            return time::date_of_day(candidate).to_string();
        }
    }
    time::iso(instant)
}

/// Working minutes as duration text; zero reads best as days.
fn working_text(minutes: i64, scale: &Scale) -> String {
    if minutes == 0 {
        "0d".to_string()
    } else {
        duration::format_working(minutes, scale)
    }
}

/// Elapsed minutes in the largest elapsed unit that holds them exactly.
fn elapsed_text(minutes: i64) -> String {
    for (unit, size) in [("ew", 7 * DAY), ("ed", DAY), ("eh", 60)] {
        if minutes != 0 && minutes % size == 0 {
            return format!("{}{unit}", minutes / size);
        }
    }
    format!("{minutes}em")
}

/// Link text `TASK [TYPE][+|-LAG]` as the reader parses it.
pub(crate) fn link_text(predecessor: &str, kind: LinkKind, lag: Lag, scale: &Scale) -> String {
    let sign = |negative: bool| if negative { '-' } else { '+' };
    let lag = match lag {
        Lag::Working(0) => String::new(),
        Lag::Working(minutes) => format!(
            "{}{}",
            sign(minutes < 0),
            duration::format_working(minutes.abs(), scale)
        ),
        // Zero elapsed and zero percent lags are written too: they read back as what they are.
        Lag::Elapsed(minutes) => format!("{}{}", sign(minutes < 0), elapsed_text(minutes.abs())),
        Lag::Percent(share) => format!(
            "{}{}%",
            sign(share.is_sign_negative()),
            duration::format_percent(share)
        ),
    };
    match (kind, lag.is_empty()) {
        (LinkKind::FinishToStart, true) => predecessor.to_string(),
        (kind, true) => format!("{predecessor} {}", kind.code()),
        (kind, false) => format!("{predecessor} {}{lag}", kind.code()),
    }
}

/// A table key: bare when it can be, else a quoted string.
fn key(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        id.to_string()
    } else {
        string(id)
    }
}

/// A TOML basic string.
pub(crate) fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push('\t'),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML float that parses back to the same number (Rust prints the shortest such text).
fn float(value: f64) -> String {
    if value.is_finite() {
        format!("{value:?}")
    } else if value.is_nan() {
        "nan".to_string()
    } else if value > 0.0 {
        "inf".to_string()
    } else {
        "-inf".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waymark_core::{Assignment, Link, Resource, ResourceId, TaskId};

    #[test]
    fn ids_that_cannot_be_written_are_replaced() {
        let ids = ["my task", "my-task", "", "a", "a", "b\tc", ""];
        assert_eq!(
            writable_ids(ids.into_iter(), "task"),
            ["my-task-2", "my-task", "task", "a", "a-2", "b-c", "task-2"]
        );
    }

    /// A plan made in code, with ids no plan file could have, is written so that it reads.
    #[test]
    fn a_plan_made_in_code_reads_back() {
        let mut plan = Plan::default();
        plan.calendars.push(Calendar::standard());
        plan.project.name = "Quotes \" and \\ and\nnew lines\u{7}".to_string();
        plan.resources.push(Resource {
            id: "Ana Ruiz".to_string(),
            name: "Ana Ruiz".to_string(),
            units: 1.0,
            ..Resource::default()
        });
        for id in ["first task", "first task", "x.y"] {
            plan.tasks.push(Task {
                id: id.to_string(),
                name: id.to_string(),
                duration: 90,
                // 33.3 % reads as 0.33299999999999996, so 0.333 needs more digits to come back.
                assignments: vec![Assignment {
                    resource: ResourceId(0),
                    units: 0.333,
                }],
                ..Task::default()
            });
        }
        plan.links.push(Link {
            predecessor: TaskId(0),
            successor: TaskId(1),
            kind: LinkKind::StartToStart,
            lag: Lag::Percent(-0.125),
            location: None,
        });
        let text = write(&plan);
        expect_test::expect![[r#"
            [project]
            name = "Quotes \" and \\ and\nnew lines\u0007"
            start = 1970-01-01T00:00:00

            [resources.Ana-Ruiz]
            name = "Ana Ruiz"

            [tasks.first-task]
            name = "first task"
            duration = "90m"
            resources = ["Ana-Ruiz 33.300000000000004%"]

            [tasks.first-task-2]
            name = "first task"
            duration = "90m"
            after = ["first-task SS-12.5%"]
            resources = ["Ana-Ruiz 33.300000000000004%"]

            [tasks."x.y"]
            duration = "90m"
            resources = ["Ana-Ruiz 33.300000000000004%"]
        "#]]
        .assert_eq(&text);
        let read = crate::plan::read_plan(&text).map_err(|d| format!("{d:?}"));
        let read = read.map(|loaded| loaded.plan);
        let read = read.map(|plan| (plan.links[0].lag, plan.tasks[2].assignments[0].units));
        assert_eq!(read, Ok((Lag::Percent(-0.125), 0.333)));
    }
}
