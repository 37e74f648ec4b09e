//! The Microsoft Project XML (MSPDI) writer: a [`Plan`] in, the text of a `.xml` file that
//! Microsoft Project opens and that [`read_mspdi`] reads back to the same schedule.
//!
//! Elements follow the order of the MSPDI schema (`mspdi_pj12.xsd` and its successors), which
//! Microsoft Project insists on. What is written: project settings, calendars (weeks, derived
//! calendars, exceptions with their working hours), tasks in outline order with `OutlineLevel`,
//! `WBS` and `OutlineNumber`, durations, one constraint, deadline, milestone, manual dates,
//! progress and actual dates, links with type and lag, resources with their role (`Group`) and
//! assignments. Computed start and finish dates are written too, so that tools which do not
//! schedule show the right dates. What MSPDI has no standard element for is left out: ids (an
//! MSPDI file has numeric UIDs), three-point estimates and their distribution, and risks. A
//! project deadline, which Microsoft Project keeps only on tasks, becomes the deadline of the
//! project summary task (UID 0). The output is deterministic. This module must not read files
//! or the clock.
//!
//! [`read_mspdi`]: super::read_mspdi

use crate::duration;
use crate::plan::writer::{effective_week, outline_order};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::fmt::Write;
use waymark_core::calendar::DayHours;
use waymark_core::time::{self, Instant, DAY};
use waymark_core::{
    schedule, Calendar, CalendarException, ConstraintKind, Interval, Lag, LinkKind, Plan,
    ResourceKind, Schedule, Task,
};

/// Write a plan as Microsoft Project XML.
pub fn write(plan: &Plan) -> String {
    let mut xml = Xml::default();
    xml.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    xml.open_with("Project", " xmlns=\"http://schemas.microsoft.com/project\"");
    let layout = Layout::new(plan);
    let dates = schedule(plan).ok();
    project(&mut xml, plan, &layout);
    calendars(&mut xml, plan, &layout);
    tasks(&mut xml, plan, &layout, dates.as_ref());
    resources(&mut xml, plan, &layout);
    assignments(&mut xml, plan, &layout);
    xml.close("Project");
    xml.out
}

/// XML text with one element per line, indented with tabs as Microsoft Project does.
#[derive(Default)]
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push('\t');
        }
    }

    fn open(&mut self, name: &str) {
        self.open_with(name, "");
    }

    fn open_with(&mut self, name: &str, attributes: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{name}{attributes}>");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let _ = writeln!(self.out, "</{name}>");
    }

    fn leaf(&mut self, name: &str, value: impl std::fmt::Display) {
        self.indent();
        let _ = writeln!(self.out, "<{name}>{value}</{name}>");
    }

    fn text(&mut self, name: &str, value: &str) {
        self.leaf(name, escape(value));
    }

    fn flag(&mut self, name: &str, value: bool) {
        self.leaf(name, u8::from(value));
    }

    fn instant(&mut self, name: &str, instant: Instant) {
        self.leaf(name, time::iso(instant));
    }
}

/// XML text content: markup characters escaped, characters XML 1.0 cannot hold dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// UIDs, outline levels and numbers: everything that depends on the plan as a whole.
struct Layout {
    calendar_uids: Vec<i64>,
    resource_uids: Vec<i64>,
    task_uids: Vec<i64>,
    /// Tasks in writing order (outline order).
    order: Vec<usize>,
    /// `OutlineLevel` of each task (by plan index).
    levels: Vec<usize>,
    /// A project summary task (UID 0) to write first because the plan has none of its own but
    /// a project deadline that needs a task to live on.
    carrier: bool,
}

impl Layout {
    fn new(plan: &Plan) -> Layout {
        let order = outline_order(plan);
        let mut depths = vec![0usize; plan.tasks.len()];
        for &index in &order {
            if let Some(parent) = plan.tasks[index].parent.filter(|p| p.0 < depths.len()) {
                depths[index] = depths[parent.0] + 1;
            }
        }
        let kept = kept_uids(order.iter().map(|&i| plan.tasks[i].id.as_str()), 0);
        // A task with UID 0 is Microsoft Project's project summary: it must come first and hold
        // every other task. The plan's own ids are kept only when theirs does.
        let own_summary = kept.as_ref().is_some_and(|uids| {
            uids.first() == Some(&0)
                && order.iter().skip(1).all(|&index| depths[index] >= 1)
                && !uids.iter().skip(1).any(|&uid| uid == 0)
        });
        let has_zero = kept.as_ref().is_some_and(|uids| uids.contains(&0));
        let in_order: Vec<i64> = match kept {
            Some(uids) if own_summary || !has_zero => uids,
            _ => (1..=order.len() as i64).collect(),
        };
        let mut task_uids = vec![0i64; plan.tasks.len()];
        for (&index, uid) in order.iter().zip(in_order) {
            task_uids[index] = uid;
        }
        let carrier = !own_summary && plan.project.deadline.is_some();
        let levels = depths
            .iter()
            .map(|&depth| if own_summary { depth } else { depth + 1 })
            .collect();
        Layout {
            calendar_uids: kept_uids(plan.calendars.iter().map(|c| c.id.as_str()), 1)
                .unwrap_or_else(|| (1..=plan.calendars.len() as i64).collect()),
            resource_uids: kept_uids(plan.resources.iter().map(|r| r.id.as_str()), 1)
                .unwrap_or_else(|| (1..=plan.resources.len() as i64).collect()),
            task_uids,
            order,
            levels,
            carrier,
        }
    }

    fn calendar(&self, index: usize) -> i64 {
        self.calendar_uids.get(index).copied().unwrap_or(-1)
    }
}

/// The ids as UIDs when every one is a whole number from `least` that Microsoft Project can
/// hold, written the plain way, and no two are the same (as in a plan read from MSPDI).
fn kept_uids<'a>(ids: impl Iterator<Item = &'a str>, least: i64) -> Option<Vec<i64>> {
    let mut seen = std::collections::HashSet::new();
    ids.map(|id| {
        let uid: i64 = id.parse().ok()?;
        let plain = uid.to_string() == id && (least..=i64::from(i32::MAX)).contains(&uid);
        (plain && seen.insert(uid)).then_some(uid)
    })
    .collect()
}

fn project(xml: &mut Xml, plan: &Plan, layout: &Layout) {
    let project = &plan.project;
    xml.leaf("SaveVersion", 14);
    if !project.name.is_empty() {
        xml.text("Title", &project.name);
    }
    xml.flag("ScheduleFromStart", true);
    xml.instant("StartDate", project.start);
    if let Some(currency) = &project.currency {
        xml.text("CurrencyCode", currency);
    }
    xml.leaf("CalendarUID", layout.calendar(project.calendar.0));
    xml.leaf("MinutesPerDay", project.minutes_per_day);
    xml.leaf("MinutesPerWeek", project.minutes_per_week);
    xml.leaf("DaysPerMonth", project.days_per_month);
    // Waymark's scheduler lets constraints win over links, as Project does with this set.
    xml.flag("HonorConstraints", true);
    if let Some(status) = project.status_date {
        xml.instant("StatusDate", status);
    }
}

// ----- calendars -----------------------------------------------------------------------------

fn calendars(xml: &mut Xml, plan: &Plan, layout: &Layout) {
    if plan.calendars.is_empty() {
        return;
    }
    // Microsoft Project derives only resource calendars: the project's calendar and task
    // calendars must be base calendars, so a derived one used there is written whole.
    let mut whole = vec![false; plan.calendars.len()];
    let used = plan.tasks.iter().filter_map(|task| task.calendar);
    for calendar in used.chain([plan.project.calendar]) {
        if let Some(flag) = whole.get_mut(calendar.0) {
            *flag = true;
        }
    }
    xml.open("Calendars");
    for (index, calendar) in plan.calendars.iter().enumerate() {
        let base = calendar.base.filter(|_| !whole[index]);
        let (week, exceptions) = if calendar.base.is_some() && whole[index] {
            let week = effective_week(&plan.calendars, index).map(Some);
            (week, chain_exceptions(&plan.calendars, index))
        } else {
            (calendar.week.clone(), calendar.exceptions.iter().collect())
        };
        xml.open("Calendar");
        xml.leaf("UID", layout.calendar(index));
        xml.text("Name", &calendar.name);
        xml.flag("IsBaseCalendar", base.is_none());
        if let Some(base) = base {
            xml.leaf("BaseCalendarUID", layout.calendar(base));
        }
        if week.iter().any(Option::is_some) {
            xml.open("WeekDays");
            // Microsoft Project lists the days from Sunday (DayType 1) to Saturday (7).
            for day_type in 1..=7usize {
                let slot = (day_type + 5) % 7;
                if let Some(Some(hours)) = week.get(slot) {
                    xml.open("WeekDay");
                    xml.leaf("DayType", day_type);
                    working_hours(xml, hours);
                    xml.close("WeekDay");
                }
            }
            xml.close("WeekDays");
        }
        let exceptions = flat_exceptions(&exceptions);
        if !exceptions.is_empty() {
            xml.open("Exceptions");
            for (from, to, hours) in exceptions {
                xml.open("Exception");
                xml.flag("EnteredByOccurrences", false);
                xml.open("TimePeriod");
                xml.leaf("FromDate", format!("{from}T00:00:00"));
                xml.leaf("ToDate", format!("{to}T23:59:00"));
                xml.close("TimePeriod");
                xml.leaf("Occurrences", (to - from).num_days() + 1);
                xml.leaf("Type", 1);
                xml.leaf("Period", 1);
                working_hours(xml, hours);
                xml.close("Exception");
            }
            xml.close("Exceptions");
        }
        xml.close("Calendar");
    }
    xml.close("Calendars");
}

/// `DayWorking` and, for a working day, its `WorkingTimes`.
fn working_hours(xml: &mut Xml, hours: &[Interval]) {
    xml.flag("DayWorking", !hours.is_empty());
    if hours.is_empty() {
        return;
    }
    xml.open("WorkingTimes");
    for interval in hours {
        xml.open("WorkingTime");
        xml.leaf("FromTime", clock(interval.start));
        xml.leaf("ToTime", clock(interval.end));
        xml.close("WorkingTime");
    }
    xml.close("WorkingTimes");
}

/// `08:00:00`; an end at midnight is `00:00:00`, as Microsoft Project writes it, and an
/// interval that crosses midnight ends on the next day's clock.
fn clock(minutes: u16) -> String {
    let minutes = i64::from(minutes) % DAY;
    format!("{:02}:{:02}:00", minutes / 60, minutes % 60)
}

/// The exceptions of a calendar and its base calendars, the base's first: a derived calendar's
/// own exceptions win on the same date.
fn chain_exceptions(calendars: &[Calendar], index: usize) -> Vec<&CalendarException> {
    let mut chain = Vec::new();
    let mut current = Some(index);
    // Bounded: a base cycle must not loop forever.
    while let Some(calendar) = current.and_then(|c| calendars.get(c)) {
        if chain.len() > calendars.len() {
            break;
        }
        chain.push(calendar);
        current = calendar.base;
    }
    chain
        .iter()
        .rev()
        .flat_map(|calendar| calendar.exceptions.iter())
        .collect()
}

/// A calendar's exceptions as Microsoft Project wants them: no two on the same date (the later
/// one wins, as in the plan), consecutive dates with the same hours joined into one range.
fn flat_exceptions<'c>(
    exceptions: &[&'c CalendarException],
) -> Vec<(NaiveDate, NaiveDate, &'c DayHours)> {
    let mut days: BTreeMap<NaiveDate, &DayHours> = BTreeMap::new();
    for exception in exceptions {
        let mut date = exception.from;
        while date <= exception.to {
            days.insert(date, &exception.hours);
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
    }
    let mut ranges: Vec<(NaiveDate, NaiveDate, &DayHours)> = Vec::new();
    for (date, hours) in days {
        match ranges.last_mut() {
            Some((_, to, last)) if to.succ_opt() == Some(date) && *last == hours => *to = date,
            _ => ranges.push((date, date, hours)),
        }
    }
    ranges
}

// ----- tasks -----------------------------------------------------------------------------------

fn tasks(xml: &mut Xml, plan: &Plan, layout: &Layout, dates: Option<&Schedule>) {
    if plan.tasks.is_empty() && !layout.carrier {
        return;
    }
    let summaries = plan.summaries();
    xml.open("Tasks");
    let mut row = 0usize;
    if layout.carrier {
        project_summary(xml, plan, dates);
    }
    // Outline numbers: one counter per level below the project summary.
    let mut counters: Vec<usize> = Vec::new();
    for &index in &layout.order {
        let task = &plan.tasks[index];
        let level = layout.levels[index];
        let number = if level == 0 {
            "0".to_string()
        } else {
            counters.truncate(level);
            counters.resize(level, 0);
            if let Some(last) = counters.last_mut() {
                *last += 1;
            }
            counters
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(".")
        };
        if level > 0 {
            row += 1;
        }
        let summary = summaries.get(index).copied().unwrap_or(false);
        xml.open("Task");
        xml.leaf("UID", layout.task_uids[index]);
        xml.leaf("ID", row);
        xml.text("Name", &task.name);
        xml.flag("Manual", task.manual.is_some());
        xml.text("WBS", &number);
        xml.text("OutlineNumber", &number);
        xml.leaf("OutlineLevel", level);
        xml.leaf("Priority", task.priority);
        let scheduled = task.manual.or_else(|| {
            dates
                .and_then(|d| d.tasks.get(index))
                .map(|t| (t.start, t.finish))
        });
        if let Some((start, finish)) = scheduled {
            xml.instant("Start", start);
            xml.instant("Finish", finish);
        }
        xml.leaf("Duration", duration_text(task.duration));
        if let Some((start, finish)) = task.manual {
            xml.instant("ManualStart", start);
            xml.instant("ManualFinish", finish);
        }
        xml.leaf(
            "DurationFormat",
            duration_format(task.duration, plan.project.minutes_per_day),
        );
        xml.flag("Milestone", task.milestone);
        xml.flag("Summary", summary);
        if task.progress > 0.0 {
            // The schema holds whole percentages.
            xml.leaf("PercentComplete", (task.progress * 100.0).round() as i64);
        }
        if let Some(start) = task.actual_start {
            xml.instant("ActualStart", start);
        }
        if let Some(finish) = task.actual_finish {
            xml.instant("ActualFinish", finish);
        }
        constraint(xml, task, layout);
        let deadline = match (task.deadline, plan.project.deadline) {
            (Some(own), Some(project)) if level == 0 => Some(own.min(project)),
            (None, Some(project)) if level == 0 => Some(project),
            (own, _) => own,
        };
        if let Some(deadline) = deadline {
            xml.instant("Deadline", deadline);
        }
        for link in plan.links.iter().filter(|link| link.successor.0 == index) {
            xml.open("PredecessorLink");
            let predecessor = layout.task_uids.get(link.predecessor.0).copied();
            xml.leaf("PredecessorUID", predecessor.unwrap_or(-1));
            xml.leaf("Type", link_type(link.kind));
            xml.flag("CrossProject", false);
            let (lag, format) = lag_value(link.lag, plan.project.minutes_per_day);
            xml.leaf("LinkLag", lag);
            xml.leaf("LagFormat", format);
            xml.close("PredecessorLink");
        }
        xml.close("Task");
    }
    xml.close("Tasks");
}

/// The project summary task that carries the project deadline (see [`Layout::carrier`]).
fn project_summary(xml: &mut Xml, plan: &Plan, dates: Option<&Schedule>) {
    xml.open("Task");
    xml.leaf("UID", 0);
    xml.leaf("ID", 0);
    let name = if plan.project.name.is_empty() {
        "Project"
    } else {
        &plan.project.name
    };
    xml.text("Name", name);
    xml.flag("Manual", false);
    xml.text("WBS", "0");
    xml.text("OutlineNumber", "0");
    xml.leaf("OutlineLevel", 0);
    xml.leaf("Priority", 500);
    if let Some(dates) = dates {
        xml.instant("Start", dates.start);
        xml.instant("Finish", dates.finish);
    }
    xml.leaf("Duration", duration_text(0));
    xml.leaf("DurationFormat", 7);
    xml.flag("Milestone", false);
    xml.flag("Summary", true);
    xml.leaf("ConstraintType", 0);
    if let Some(deadline) = plan.project.deadline {
        xml.instant("Deadline", deadline);
    }
    xml.close("Task");
}

/// `ConstraintType`, `CalendarUID` and `ConstraintDate`, in the schema's order. Microsoft
/// Project holds one constraint per task: the first date constraint is written, else ALAP.
fn constraint(xml: &mut Xml, task: &Task, layout: &Layout) {
    let first = task.constraints.first();
    let kind = match first.map(|c| c.kind) {
        Some(ConstraintKind::MustStartOn) => 2,
        Some(ConstraintKind::MustFinishOn) => 3,
        Some(ConstraintKind::StartNoEarlierThan) => 4,
        Some(ConstraintKind::StartNoLaterThan) => 5,
        Some(ConstraintKind::FinishNoEarlierThan) => 6,
        Some(ConstraintKind::FinishNoLaterThan) => 7,
        None if task.as_late_as_possible => 1,
        None => 0,
    };
    xml.leaf("ConstraintType", kind);
    if let Some(calendar) = task.calendar {
        xml.leaf("CalendarUID", layout.calendar(calendar.0));
    }
    if let Some(constraint) = first {
        xml.instant("ConstraintDate", constraint.date);
    }
}

/// An ISO 8601 duration as Microsoft Project writes it: `PT40H0M0S`.
fn duration_text(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let minutes = minutes.abs();
    format!("{sign}PT{}H{}M0S", minutes / 60, minutes % 60)
}

/// The display unit of a working duration: days, hours or minutes, whichever holds it exactly.
fn duration_format(minutes: i64, minutes_per_day: i64) -> u8 {
    if minutes_per_day > 0 && minutes % minutes_per_day == 0 {
        7
    } else if minutes % 60 == 0 {
        5
    } else {
        3
    }
}

fn link_type(kind: LinkKind) -> u8 {
    match kind {
        LinkKind::FinishToFinish => 0,
        LinkKind::FinishToStart => 1,
        LinkKind::StartToFinish => 2,
        LinkKind::StartToStart => 3,
    }
}

/// `LinkLag` (tenths of a minute, or the percentage itself) and its `LagFormat`.
fn lag_value(lag: Lag, minutes_per_day: i64) -> (String, u8) {
    match lag {
        Lag::Working(minutes) => (
            (minutes * 10).to_string(),
            duration_format(minutes, minutes_per_day),
        ),
        Lag::Elapsed(minutes) => {
            let format = if minutes % DAY == 0 {
                8
            } else if minutes % 60 == 0 {
                6
            } else {
                4
            };
            ((minutes * 10).to_string(), format)
        }
        Lag::Percent(share) => {
            let sign = if share.is_sign_negative() { "-" } else { "" };
            (format!("{sign}{}", duration::format_percent(share)), 19)
        }
    }
}

// ----- resources and assignments ---------------------------------------------------------------

fn resources(xml: &mut Xml, plan: &Plan, layout: &Layout) {
    if plan.resources.is_empty() {
        return;
    }
    xml.open("Resources");
    for (index, resource) in plan.resources.iter().enumerate() {
        xml.open("Resource");
        xml.leaf("UID", layout.resource_uids[index]);
        xml.leaf("ID", index + 1);
        xml.text("Name", &resource.name);
        let kind = match resource.kind {
            ResourceKind::Material => 0,
            ResourceKind::Work => 1,
            ResourceKind::Cost => 2,
        };
        xml.leaf("Type", kind);
        xml.flag("IsNull", false);
        if let Some(role) = &resource.role {
            xml.text("Group", role);
        }
        xml.leaf("MaxUnits", resource.units);
        if let Some(rate) = resource.rate {
            xml.leaf("StandardRate", rate);
            // Per hour.
            xml.leaf("StandardRateFormat", 2);
        }
        if let Some(calendar) = resource.calendar {
            xml.leaf("CalendarUID", layout.calendar(calendar.0));
        }
        xml.close("Resource");
    }
    xml.close("Resources");
}

fn assignments(xml: &mut Xml, plan: &Plan, layout: &Layout) {
    let mut uid = 0;
    for &index in &layout.order {
        for assignment in &plan.tasks[index].assignments {
            let Some(&resource) = layout.resource_uids.get(assignment.resource.0) else {
                continue;
            };
            if uid == 0 {
                xml.open("Assignments");
            }
            uid += 1;
            xml.open("Assignment");
            xml.leaf("UID", uid);
            xml.leaf("TaskUID", layout.task_uids[index]);
            xml.leaf("ResourceUID", resource);
            xml.leaf("Units", assignment.units);
            xml.close("Assignment");
        }
    }
    if uid > 0 {
        xml.close("Assignments");
    }
}
