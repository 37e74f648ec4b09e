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

use super::tasks::CONSTRAINT_KINDS;
use crate::content::{EntityKind, PlanContent};
use crate::duration::{self, Scale};
use crate::toml_text::{self, Item, Object};
use waymark_core::calendar::DayHours;
use waymark_core::time::{self, Instant, DAY};
use waymark_core::{
    Calendar, CalendarException, Distribution, Interval, Lag, LinkKind, Plan, ResourceKind,
    RiskResponse, Task, WorkCalendar,
};

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Write a plan as plan TOML.
pub fn write(plan: &Plan) -> String {
    toml_text::write(&Writer::new(plan).objects())
}

/// A plan as the stored project's tables: what [`write`] writes, as JSON.
pub(crate) fn content(plan: &Plan) -> PlanContent {
    let mut content = PlanContent::default();
    for object in Writer::new(plan).objects() {
        let fields = toml_text::object(&object.fields);
        match object.path.as_slice() {
            [section, id] => {
                let kind = EntityKind::ALL.into_iter().find(|k| k.table() == section);
                if let Some(kind) = kind {
                    content.entities_mut(kind).push((id.clone(), fields));
                }
            }
            _ => content.project = fields,
        }
    }
    content
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
    task_ids: Vec<String>,
    resource_ids: Vec<String>,
    calendar_ids: Vec<String>,
    risk_ids: Vec<String>,
    compiled: Vec<Option<WorkCalendar>>,
    /// Duration units as the reader will derive them from the written project calendar.
    scale: Scale,
}

/// An object's keys being gathered.
#[derive(Default)]
struct Keys(Vec<(String, Item)>);

impl Keys {
    fn put(&mut self, name: &str, item: Item) {
        self.0.push((name.to_string(), item));
    }

    fn string(&mut self, name: &str, text: &str) {
        self.put(name, Item::String(text.to_string()));
    }

    fn strings(&mut self, name: &str, texts: Vec<String>) {
        self.put(
            name,
            Item::Array(texts.into_iter().map(Item::String).collect()),
        );
    }
}

impl<'p> Writer<'p> {
    fn new(plan: &'p Plan) -> Writer<'p> {
        let compiled = (0..plan.calendars.len())
            .map(|index| WorkCalendar::compile(&plan.calendars, index).ok())
            .collect();
        Writer {
            plan,
            task_ids: writable_ids(plan.tasks.iter().map(|t| t.id.as_str()), "task"),
            resource_ids: writable_ids(plan.resources.iter().map(|r| r.id.as_str()), "resource"),
            calendar_ids: writable_ids(plan.calendars.iter().map(|c| c.id.as_str()), "calendar"),
            risk_ids: writable_ids(plan.risks.iter().map(|r| r.id.as_str()), "risk"),
            compiled,
            scale: reader_scale(plan),
        }
    }

    /// `[project]`, the calendars, resources, tasks in outline order and risks.
    fn objects(&self) -> Vec<Object> {
        let plan = self.plan;
        let mut objects = vec![Object {
            path: vec!["project".to_string()],
            fields: self.project().0,
        }];
        let mut add = |section: &str, id: &str, keys: Keys| {
            objects.push(Object {
                path: vec![section.to_string(), id.to_string()],
                fields: keys.0,
            });
        };
        for (index, id) in self.calendar_ids.iter().enumerate() {
            if let Some(keys) = self.calendar(index) {
                add("calendars", id, keys);
            }
        }
        for (index, id) in self.resource_ids.iter().enumerate() {
            add("resources", id, self.resource(index));
        }
        let summaries = plan.summaries();
        for index in outline_order(plan) {
            let summary = summaries.get(index).copied().unwrap_or(false);
            let id = self.task_ids.get(index).map_or("", String::as_str);
            add("tasks", id, self.task(index, summary));
        }
        for (index, id) in self.risk_ids.iter().enumerate() {
            add("risks", id, self.risk(index));
        }
        objects
    }

    fn calendar_of(&self, index: Option<usize>) -> Option<&WorkCalendar> {
        index
            .and_then(|index| self.compiled.get(index))
            .and_then(Option::as_ref)
    }

    fn date(&self, instant: Instant, role: Role, calendar: Option<usize>) -> Item {
        Item::Date(date_text(instant, role, self.calendar_of(calendar)))
    }

    fn working(&self, minutes: i64) -> Item {
        Item::String(working_text(minutes, &self.scale))
    }

    fn project(&self) -> Keys {
        let project = &self.plan.project;
        let calendar = Some(project.calendar.0);
        let mut keys = Keys::default();
        keys.string("name", &project.name);
        keys.put("start", self.date(project.start, Role::Start, calendar));
        if let Some(status) = project.status_date {
            keys.put("status_date", self.date(status, Role::Status, calendar));
        }
        if let Some(deadline) = project.deadline {
            keys.put("deadline", self.date(deadline, Role::Finish, calendar));
        }
        if let Some(id) = self.calendar_ids.get(project.calendar.0) {
            if id != "standard" {
                keys.string("calendar", id);
            }
        }
        if let Some(currency) = &project.currency {
            keys.string("currency", currency);
        }
        if !project.wip_limits.is_empty() {
            let limits = project
                .wip_limits
                .iter()
                .map(|(column, limit)| (column.key().to_string(), Item::Integer(i64::from(*limit))))
                .collect();
            keys.put("wip_limits", Item::Table(limits));
        }
        keys
    }

    /// `None` for the built-in calendar, which the reader makes itself when a plan does not
    /// declare it.
    fn calendar(&self, index: usize) -> Option<Keys> {
        let plan = self.plan;
        let calendar = plan.calendars.get(index)?;
        let builtin = Calendar::standard();
        if index == 0 && *calendar == builtin {
            return None;
        }
        let id = self.calendar_ids.get(index).map_or("", String::as_str);
        let mut keys = Keys::default();
        if calendar.name != id {
            keys.string("name", &calendar.name);
        }
        if let Some(base) = calendar.base.and_then(|b| self.calendar_ids.get(b)) {
            keys.string("base", base);
        }
        let mut table: Vec<(String, Item)> = Vec::new();
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
                        .map(|day| WEEKDAYS[day].to_string())
                        .collect();
                    keys.strings("days", days);
                    keys.put("hours", hours_item(&usual));
                    for (day, hours) in week.iter().enumerate() {
                        if !hours.is_empty() && *hours != usual {
                            table.push((WEEKDAYS[day].to_string(), hours_item(hours)));
                        }
                    }
                }
                None => keys.put("days", Item::Array(Vec::new())),
            }
        } else {
            for (day, hours) in calendar.week.iter().enumerate() {
                if let Some(hours) = hours {
                    table.push((WEEKDAYS[day].to_string(), hours_item(hours)));
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
            keys.put(
                "holidays",
                Item::Array(holidays.iter().map(holiday_item).collect()),
            );
        }
        if !exceptions.is_empty() {
            let tables = exceptions.iter().map(exception_item).collect();
            keys.put("exceptions", Item::Array(tables));
        }
        if !table.is_empty() {
            keys.put("week", Item::Section(table));
        }
        Some(keys)
    }

    fn resource(&self, index: usize) -> Keys {
        let mut keys = Keys::default();
        let Some(resource) = self.plan.resources.get(index) else {
            return keys;
        };
        let id = self.resource_ids.get(index).map_or("", String::as_str);
        if resource.name != id {
            keys.string("name", &resource.name);
        }
        match resource.kind {
            ResourceKind::Work => {}
            ResourceKind::Material => keys.string("kind", "material"),
            ResourceKind::Cost => keys.string("kind", "cost"),
        }
        if let Some(role) = &resource.role {
            keys.string("role", role);
        }
        if resource.units != 1.0 {
            keys.put("units", Item::Float(resource.units));
        }
        if let Some(rate) = resource.rate {
            keys.put("rate", Item::Float(rate));
        }
        if let Some(calendar) = resource.calendar.and_then(|c| self.calendar_ids.get(c.0)) {
            keys.string("calendar", calendar);
        }
        keys
    }

    fn task(&self, index: usize, summary: bool) -> Keys {
        let mut keys = Keys::default();
        let plan = self.plan;
        let Some(task) = plan.tasks.get(index) else {
            return keys;
        };
        let id = self.task_ids.get(index).map_or("", String::as_str);
        let calendar = Some(plan.task_calendar(waymark_core::TaskId(index)).0);
        if task.name != id {
            keys.string("name", &task.name);
        }
        if let Some(parent) = task.parent.and_then(|p| self.task_ids.get(p.0)) {
            keys.string("parent", parent);
        }
        if task.milestone {
            keys.put("milestone", Item::Boolean(true));
        }
        // A summary's dates come from its subtasks and a milestone takes no time: the reader
        // drops any duration or estimate on them, so none is written.
        if !summary && !task.milestone {
            let likely = task.estimate.map(|estimate| estimate[1]);
            if likely != Some(task.duration) {
                keys.put("duration", self.working(task.duration));
            }
            if let Some(estimate) = task.estimate {
                let points = estimate.iter().map(|&m| self.working(m)).collect();
                keys.put("estimate", Item::Array(points));
            }
        }
        match task.distribution {
            Distribution::Pert => {}
            Distribution::Triangular => keys.string("distribution", "triangular"),
            Distribution::Uniform => keys.string("distribution", "uniform"),
        }
        if let Some(calendar) = task.calendar.and_then(|c| self.calendar_ids.get(c.0)) {
            keys.string("calendar", calendar);
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
                link_text(predecessor, link.kind, link.lag, &self.scale)
            })
            .collect();
        if !after.is_empty() {
            keys.strings("after", after);
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
                        id.to_string()
                    } else {
                        format!("{id} {}%", duration::format_percent(assignment.units))
                    }
                })
                .collect();
            keys.strings("resources", resources);
        }
        if let Some(deadline) = task.deadline {
            keys.put("deadline", self.date(deadline, Role::Finish, calendar));
        }
        // In the order the reader reads them.
        for kind in CONSTRAINT_KINDS {
            if let Some(constraint) = task.constraints.iter().find(|c| c.kind == kind) {
                let role = if kind.on_start() {
                    Role::Start
                } else {
                    Role::Finish
                };
                keys.put(kind.key(), self.date(constraint.date, role, calendar));
            }
        }
        if task.as_late_as_possible {
            keys.put("as_late_as_possible", Item::Boolean(true));
        }
        if let Some((start, finish)) = task.manual {
            keys.put("manual_start", self.date(start, Role::Start, calendar));
            keys.put("manual_finish", self.date(finish, Role::Finish, calendar));
        }
        if task.priority != 500 {
            keys.put("priority", Item::Integer(i64::from(task.priority)));
        }
        self.progress(&mut keys, task, calendar);
        keys
    }

    fn progress(&self, keys: &mut Keys, task: &Task, calendar: Option<usize>) {
        // A task with an actual finish reads back complete, so its progress is not written.
        if task.actual_finish.is_none() && task.progress != 0.0 {
            keys.put("progress", Item::Float(task.progress));
        }
        if let Some(start) = task.actual_start {
            keys.put("actual_start", self.date(start, Role::Start, calendar));
        }
        if let Some(finish) = task.actual_finish {
            keys.put("actual_finish", self.date(finish, Role::Finish, calendar));
        }
    }

    fn risk(&self, index: usize) -> Keys {
        let mut keys = Keys::default();
        let Some(risk) = self.plan.risks.get(index) else {
            return keys;
        };
        let id = self.risk_ids.get(index).map_or("", String::as_str);
        if risk.title != id {
            keys.string("title", &risk.title);
        }
        keys.put("probability", Item::Float(risk.probability));
        if !risk.tasks.is_empty() {
            let tasks = risk
                .tasks
                .iter()
                .map(|task| self.task_ids.get(task.0).cloned().unwrap_or_default())
                .collect();
            keys.strings("tasks", tasks);
        }
        if let Some(factor) = risk.factor {
            let points = factor.iter().map(|&f| Item::Float(f)).collect();
            keys.put("factor", Item::Array(points));
        }
        if let Some(delay) = risk.delay {
            let points = delay.iter().map(|&m| self.working(m)).collect();
            keys.put("delay", Item::Array(points));
        }
        if let Some(owner) = risk.owner.and_then(|o| self.resource_ids.get(o.0)) {
            keys.string("owner", owner);
        }
        if let Some(response) = risk.response {
            let word = match response {
                RiskResponse::Avoid => "avoid",
                RiskResponse::Mitigate => "mitigate",
                RiskResponse::Transfer => "transfer",
                RiskResponse::Accept => "accept",
            };
            keys.string("response", word);
        }
        if !risk.is_open() {
            keys.string("status", risk.status.key());
        }
        keys
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

/// The units of duration text the reader will derive from the project calendar.
fn reader_scale(plan: &Plan) -> Scale {
    Scale::of_week(&effective_week(&plan.calendars, plan.project.calendar.0)).unwrap_or_default()
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

fn hours_item(hours: &[Interval]) -> Item {
    Item::Array(
        hours
            .iter()
            .map(|interval| Item::String(interval_text(interval)))
            .collect(),
    )
}

/// A holiday: a date, or a range of dates as a string.
fn holiday_item(exception: &CalendarException) -> Item {
    if exception.from == exception.to {
        Item::Date(exception.from.to_string())
    } else {
        Item::String(format!("{}..{}", exception.from, exception.to))
    }
}

/// An exception: `{ date = ..., hours = [...] }` or `{ from = ..., to = ... }`.
fn exception_item(exception: &CalendarException) -> Item {
    let mut fields = if exception.from == exception.to {
        vec![("date".to_string(), Item::Date(exception.from.to_string()))]
    } else {
        vec![
            ("from".to_string(), Item::Date(exception.from.to_string())),
            ("to".to_string(), Item::Date(exception.to.to_string())),
        ]
    };
    if !exception.hours.is_empty() {
        fields.push(("hours".to_string(), hours_item(&exception.hours)));
    }
    Item::Table(fields)
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
