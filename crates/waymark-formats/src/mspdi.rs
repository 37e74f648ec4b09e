//! The Microsoft Project XML (MSPDI) reader: the text of a `.xml` file saved by Microsoft
//! Project (any version from 2003 on) or written by MPXJ in, a [`Plan`] out.
//!
//! It reads what scheduling needs, the way Microsoft Project means it: project settings,
//! calendars (working weeks, derived calendars, Project 2003 exception days, Project 2007+
//! recurring exceptions and work weeks, all expanded into dated exceptions), tasks in outline
//! order with their durations, constraints, deadlines, calendars, progress and manual dates,
//! links with their lags, resources and assignments. It does not schedule, and it keeps nothing
//! Waymark does not model (costs, baselines, timephased data, custom fields). Broken input is
//! reported as diagnostics with the line and column of the element at fault, never a panic.

mod depth;
mod writer;

pub use depth::MAX_DEPTH;
pub use writer::write;

use crate::duration;
use crate::{Loaded, ReadResult};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use roxmltree::{Document, Node};
use std::collections::HashMap;
use waymark_core::calendar::{Calendar, CalendarError, CalendarException, DayHours, Interval};
use waymark_core::time::{self, DAY};
use waymark_core::{
    Assignment, CalendarId, Constraint, ConstraintKind, Diagnostic, Lag, Link, LinkKind, Location,
    Plan, Project, Resource, ResourceId, ResourceKind, Severity, Task, TaskId, WorkCalendar,
};

/// Most dated exceptions one recurring exception or work week may expand into; a bigger number
/// is a corrupt file, and the bound keeps a hostile file from exhausting memory.
const MAX_OCCURRENCES: usize = 20_000;

/// Microsoft Project's default working hours, used where a file says "working" without hours.
const DEFAULT_HOURS: [(u32, u32); 2] = [(480, 720), (780, 1020)];

/// Read an MSPDI document.
pub fn read_mspdi(source: &str) -> ReadResult {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    // Before roxmltree, whose recursion a deeply nested file would overflow.
    if let Some(offset) = depth::too_deep(source, MAX_DEPTH) {
        return Err(vec![Diagnostic::error(
            "mspdi-too-deep",
            format!(
                "elements are nested more than {MAX_DEPTH} levels deep here; a Microsoft Project \
                 XML file nests about 10"
            ),
        )
        .at(Some(Positions::new(source).location(offset)))
        .with_help(
            "this is not a Microsoft Project file; save the project again as XML",
        )]);
    }
    let document = match Document::parse(source) {
        Ok(document) => document,
        Err(error) => {
            let location = match error {
                // roxmltree has no position for a file that stops too early: point at its end,
                // where the missing text belongs.
                roxmltree::Error::UnexpectedEndOfStream | roxmltree::Error::UnclosedRootNode => {
                    end_location(source)
                }
                _ => {
                    let position = error.pos();
                    Location {
                        line: position.row,
                        column: position.col,
                    }
                }
            };
            return Err(vec![Diagnostic::error(
                "mspdi-xml",
                format!("the file is not well-formed XML: {error}"),
            )
            .at(Some(location))
            .with_help("save the project again from Microsoft Project as XML")]);
        }
    };
    let mut reader = Reader {
        document: &document,
        diagnostics: Vec::new(),
        positions: Positions::new(source),
    };
    let plan = reader.plan();
    let has_error = reader
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.severity == Severity::Error);
    match plan {
        Some(plan) if !has_error => Ok(Loaded {
            plan,
            warnings: reader.diagnostics,
        }),
        _ => Err(reader.diagnostics),
    }
}

/// The state of one reading: the document and every problem found so far.
struct Reader<'a, 'input> {
    document: &'a Document<'input>,
    diagnostics: Vec<Diagnostic>,
    positions: Positions<'input>,
}

/// Byte offsets to line and column. `Document::text_pos_at` scans from the start of the text
/// on every call, which is quadratic over a large file; this counts forward from the previous
/// answer (elements are visited in document order) and falls back to a search of line starts.
struct Positions<'input> {
    source: &'input str,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
    /// The last answer: byte offset, line, column.
    last: std::cell::Cell<(usize, u32, u32)>,
}

impl<'input> Positions<'input> {
    fn new(source: &'input str) -> Positions<'input> {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(at, _)| at + 1));
        Positions {
            source,
            line_starts,
            last: std::cell::Cell::new((0, 1, 1)),
        }
    }

    fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.source.len());
        let (last_offset, last_line, last_column) = self.last.get();
        let (from, mut line, mut column) = if offset >= last_offset {
            (last_offset, last_line, last_column)
        } else {
            let line = self.line_starts.partition_point(|&start| start <= offset);
            let start = self
                .line_starts
                .get(line.saturating_sub(1))
                .copied()
                .unwrap_or(0);
            (start, u32::try_from(line).unwrap_or(u32::MAX), 1)
        };
        for character in self.source.get(from..offset).unwrap_or_default().chars() {
            if character == '\n' {
                line = line.saturating_add(1);
                column = 1;
            } else {
                column = column.saturating_add(1);
            }
        }
        self.last.set((offset, line, column));
        Location { line, column }
    }
}

/// The first child element of `node` with local name `name`.
fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
}

/// All child elements of `node` with local name `name`.
fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children()
        .filter(move |child| child.is_element() && child.tag_name().name() == name)
}

/// Trimmed text of the child element `name`, `None` when absent or empty.
fn text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name)
        .and_then(|element| element.text())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// A calendar as read, before base calendar UIDs are resolved to indices.
struct RawCalendar {
    calendar: Calendar,
    base_uid: Option<i64>,
    location: Option<Location>,
}

/// A task row as read, before links are resolved.
struct RawLink {
    predecessor_uid: i64,
    successor: TaskId,
    kind: LinkKind,
    lag: Lag,
    location: Option<Location>,
}

/// What a recurring exception repeats on.
enum Recurrence {
    /// Every `period` days.
    Daily { period: i64 },
    /// Every `period` weeks on the days of `mask` (bit 0 = Sunday .. bit 6 = Saturday).
    Weekly { period: i64, mask: u32 },
    /// Every `period` months on day `day` (clamped to the month's length).
    MonthlyByDay { period: i64, day: u32 },
    /// Every `period` months on the `position`th (0-based, 4 = last) `item` of the month.
    MonthlyByPosition {
        period: i64,
        item: u32,
        position: u32,
    },
    /// Every year on `day` of `month` (1-based).
    YearlyByDay { month: u32, day: u32 },
    /// Every year on the `position`th `item` of `month` (1-based).
    YearlyByPosition {
        month: u32,
        item: u32,
        position: u32,
    },
}

impl<'a, 'input> Reader<'a, 'input> {
    fn location(&self, node: Node<'_, '_>) -> Option<Location> {
        Some(self.positions.location(node.range().start))
    }

    fn error(&mut self, code: &'static str, node: Node<'_, '_>, message: String) {
        let location = self.location(node);
        self.diagnostics
            .push(Diagnostic::error(code, message).at(location));
    }

    fn warning(&mut self, code: &'static str, node: Node<'_, '_>, message: String) {
        let location = self.location(node);
        self.diagnostics
            .push(Diagnostic::warning(code, message).at(location));
    }

    /// The child element `name` of `node` with its trimmed text, when present and not empty.
    fn field(&self, node: Node<'a, 'input>, name: &str) -> Option<(Node<'a, 'input>, &'a str)> {
        let element = child(node, name)?;
        let value = element.text().map(str::trim).filter(|v| !v.is_empty())?;
        Some((element, value))
    }

    /// An integer field; a malformed one is reported and read as absent.
    fn int(&mut self, node: Node<'a, 'input>, name: &str) -> Option<i64> {
        let (element, value) = self.field(node, name)?;
        match value.parse::<i64>() {
            Ok(number) => Some(number),
            Err(_) => {
                // Some writers put `5.0` where an integer belongs; accept whole decimals.
                match value.parse::<f64>() {
                    Ok(number) if number.is_finite() && number.fract() == 0.0 => {
                        Some(number as i64)
                    }
                    _ => {
                        self.error(
                            "mspdi-number",
                            element,
                            format!("<{name}> should be a whole number, not `{value}`"),
                        );
                        None
                    }
                }
            }
        }
    }

    /// An integer field that must be more than 0, as the plan format's `out-of-range` rule has
    /// it; 0 or less is reported and read as absent.
    fn positive_int(&mut self, node: Node<'a, 'input>, name: &str, owner: &str) -> Option<i64> {
        let value = self.int(node, name)?;
        if value > 0 {
            return Some(value);
        }
        let element = child(node, name).unwrap_or(node);
        self.error(
            "out-of-range",
            element,
            format!("<{name}> of {owner} must be more than 0, found {value}"),
        );
        None
    }

    /// A decimal field; a malformed one is reported and read as absent.
    fn float(&mut self, node: Node<'a, 'input>, name: &str) -> Option<f64> {
        let (element, value) = self.field(node, name)?;
        match value.parse::<f64>() {
            Ok(number) if number.is_finite() => Some(number),
            _ => {
                self.error(
                    "mspdi-number",
                    element,
                    format!("<{name}> should be a number, not `{value}`"),
                );
                None
            }
        }
    }

    /// A boolean field (`1`/`0`, `true`/`false`).
    fn flag(&mut self, node: Node<'a, 'input>, name: &str) -> Option<bool> {
        let (element, value) = self.field(node, name)?;
        match value {
            "1" | "true" | "True" | "TRUE" => Some(true),
            "0" | "false" | "False" | "FALSE" => Some(false),
            _ => {
                self.error(
                    "mspdi-number",
                    element,
                    format!("<{name}> should be 0 or 1, not `{value}`"),
                );
                None
            }
        }
    }

    /// A date-time field, `2006-09-21T08:00:00`.
    fn datetime(&mut self, node: Node<'a, 'input>, name: &str) -> Option<NaiveDateTime> {
        let (element, value) = self.field(node, name)?;
        match parse_datetime(value) {
            Some(datetime) => Some(datetime),
            None => {
                self.error(
                    "mspdi-date",
                    element,
                    format!("<{name}> should be a date and time like 2027-01-04T08:00:00, not `{value}`"),
                );
                None
            }
        }
    }

    fn instant(&mut self, node: Node<'a, 'input>, name: &str) -> Option<i64> {
        self.datetime(node, name).map(time::instant)
    }

    /// A time-of-day field in minutes after midnight (`24:00:00` is 1440).
    fn time_of_day(&mut self, node: Node<'a, 'input>, name: &str) -> Option<u32> {
        let (element, value) = self.field(node, name)?;
        match parse_time(value) {
            Some(minutes) => Some(minutes),
            None => {
                self.error(
                    "mspdi-time",
                    element,
                    format!("<{name}> should be a time of day like 08:00:00, not `{value}`"),
                );
                None
            }
        }
    }

    /// An ISO 8601 duration field (`PT8H0M0S`) in minutes.
    fn duration(
        &mut self,
        node: Node<'a, 'input>,
        name: &str,
        minutes_per_day: i64,
    ) -> Option<i64> {
        let (element, value) = self.field(node, name)?;
        match parse_duration(value, minutes_per_day) {
            Some(minutes) => Some(minutes),
            None => {
                self.error(
                    "mspdi-duration",
                    element,
                    format!("<{name}> should be an ISO 8601 duration like PT8H0M0S, not `{value}`"),
                );
                None
            }
        }
    }

    fn plan(&mut self) -> Option<Plan> {
        let root = self.document.root_element();
        if root.tag_name().name() != "Project" {
            self.error(
                "mspdi-not-project",
                root,
                format!(
                    "the root element is <{}>, but a Microsoft Project XML file starts with <Project>",
                    root.tag_name().name()
                ),
            );
            return None;
        }
        let mut project = Project {
            location: self.location(root),
            ..Project::default()
        };
        project.name = text(root, "Title")
            .or_else(|| text(root, "Name"))
            .unwrap_or_default()
            .to_string();
        match self.instant(root, "StartDate") {
            Some(start) => project.start = start,
            None => {
                if child(root, "StartDate").is_none() {
                    self.error(
                        "mspdi-missing",
                        root,
                        "the project has no <StartDate>; Waymark needs it to schedule".into(),
                    );
                }
            }
        }
        if let Some(minutes) = self.positive_int(root, "MinutesPerDay", "the project") {
            project.minutes_per_day = minutes;
        }
        if let Some(minutes) = self.positive_int(root, "MinutesPerWeek", "the project") {
            project.minutes_per_week = minutes;
        }
        if let Some(days) = self.positive_int(root, "DaysPerMonth", "the project") {
            project.days_per_month = days;
        }
        project.status_date = self.instant(root, "StatusDate");
        project.currency = text(root, "CurrencyCode").map(str::to_string);
        if self.flag(root, "ScheduleFromStart") == Some(false) {
            let node = child(root, "ScheduleFromStart").unwrap_or(root);
            self.warning(
                "mspdi-backward-scheduling",
                node,
                "the project is scheduled from its finish date, which Waymark does not support yet; \
                 it is scheduled forward from its start date"
                    .into(),
            );
        }

        let mut plan = Plan::default();
        let calendar_uids = self.calendars(root, &mut plan);
        project.calendar = match self.int(root, "CalendarUID") {
            Some(uid) => {
                match calendar_uids.get(&uid) {
                    Some(&index) => CalendarId(index),
                    None => {
                        let node = child(root, "CalendarUID").unwrap_or(root);
                        self.warning(
                        "mspdi-unknown-calendar",
                        node,
                        format!("the project calendar {uid} is not defined; the first calendar is used"),
                    );
                        CalendarId(0)
                    }
                }
            }
            None => CalendarId(0),
        };
        if plan.calendars.is_empty() {
            self.warning(
                "mspdi-no-calendar",
                root,
                "the file defines no calendar; the standard calendar (Monday to Friday, \
                 08:00-12:00 and 13:00-17:00) is used"
                    .into(),
            );
            plan.calendars.push(Calendar::standard());
            project.calendar = CalendarId(0);
        }
        plan.project = project;

        let resource_uids = self.resources(root, &mut plan, &calendar_uids);
        let task_uids = self.tasks(root, &mut plan, &calendar_uids);
        self.assignments(root, &mut plan, &task_uids, &resource_uids);
        Some(plan)
    }

    // ----- calendars -------------------------------------------------------------------------

    /// Read every calendar into `plan.calendars`; returns the index of each calendar UID.
    fn calendars(&mut self, root: Node<'a, 'input>, plan: &mut Plan) -> HashMap<i64, usize> {
        let mut raw: Vec<RawCalendar> = Vec::new();
        let mut uids: HashMap<i64, usize> = HashMap::new();
        if let Some(calendars) = child(root, "Calendars") {
            for node in children(calendars, "Calendar") {
                let Some(uid) = self.int(node, "UID") else {
                    self.warning(
                        "mspdi-missing",
                        node,
                        "a calendar without a <UID> is ignored".into(),
                    );
                    continue;
                };
                if uids.contains_key(&uid) {
                    self.warning(
                        "mspdi-duplicate",
                        node,
                        format!("calendar UID {uid} is defined twice; the second one is ignored"),
                    );
                    continue;
                }
                let calendar = self.calendar(node, uid);
                uids.insert(uid, raw.len());
                raw.push(calendar);
            }
        }
        for index in 0..raw.len() {
            let Some(entry) = raw.get(index) else {
                continue;
            };
            let (base_uid, location) = (entry.base_uid, entry.location);
            let base = match base_uid {
                Some(base_uid) => match uids.get(&base_uid) {
                    Some(&base) if base != index => Some(base),
                    Some(_) => {
                        let name = entry.calendar.name.clone();
                        self.diagnostics.push(
                            Diagnostic::error(
                                "calendar-base-cycle",
                                format!(
                                    "calendar {base_uid} `{name}` names itself as its base calendar"
                                ),
                            )
                            .at(location),
                        );
                        None
                    }
                    None => {
                        let name = entry.calendar.name.clone();
                        self.diagnostics.push(
                            Diagnostic::warning(
                                "mspdi-unknown-calendar",
                                format!(
                                    "calendar `{name}` is derived from calendar {base_uid}, which is \
                                     not defined; it is read as a base calendar"
                                ),
                            )
                            .at(location),
                        );
                        None
                    }
                },
                None => None,
            };
            if let Some(entry) = raw.get_mut(index) {
                entry.calendar.base = base;
            }
        }
        let locations: Vec<Option<Location>> = raw.iter().map(|entry| entry.location).collect();
        plan.calendars = raw.into_iter().map(|entry| entry.calendar).collect();
        self.check_calendars(&mut plan.calendars, &locations);
        uids
    }

    /// The plan format's calendar rules, located at the `<Calendar>`: no calendar derives from
    /// itself through its bases (`calendar-base-cycle`; the link that closes the cycle is
    /// dropped), and every week has working time (`calendar-no-working-time`). Without this
    /// the scheduler would refuse the plan with no location at all.
    fn check_calendars(&mut self, calendars: &mut [Calendar], locations: &[Option<Location>]) {
        crate::break_base_cycles(calendars, |calendars, at, chain| {
            let names: Vec<String> = chain
                .iter()
                .filter_map(|&i| calendars.get(i))
                .map(|c| format!("{} `{}`", c.id, c.name))
                .collect();
            self.diagnostics.push(
                Diagnostic::error(
                    "calendar-base-cycle",
                    format!(
                        "calendars derive from each other in a cycle: {}",
                        names.join(" → ")
                    ),
                )
                .at(locations.get(at).copied().flatten()),
            );
        });
        // The week alone decides these errors: compile copies without exceptions, which are
        // the costly part.
        let weeks: Vec<Calendar> = calendars
            .iter()
            .map(|calendar| Calendar {
                exceptions: Vec::new(),
                ..calendar.clone()
            })
            .collect();
        for index in 0..weeks.len() {
            if let Err(CalendarError::NoWorkingWeek(_)) = WorkCalendar::compile(&weeks, index) {
                let calendar = weeks.get(index);
                self.diagnostics.push(
                    Diagnostic::error(
                        "calendar-no-working-time",
                        format!(
                            "calendar {} `{}` has no working time in its week",
                            calendar.map(|c| c.id.as_str()).unwrap_or_default(),
                            calendar.map(|c| c.name.as_str()).unwrap_or_default()
                        ),
                    )
                    .at(locations.get(index).copied().flatten())
                    .with_help(
                        "give at least one <WeekDay> <DayWorking>1</DayWorking> with working times",
                    ),
                );
            }
        }
    }

    fn calendar(&mut self, node: Node<'a, 'input>, uid: i64) -> RawCalendar {
        let location = self.location(node);
        let name = text(node, "Name").unwrap_or_default().to_string();
        let is_base = self.flag(node, "IsBaseCalendar").unwrap_or(true);
        let base_uid = if is_base {
            None
        } else {
            self.int(node, "BaseCalendarUID").filter(|&base| base >= 0)
        };
        let derived = base_uid.is_some();
        let mut week: [Option<DayHours>; 7] = Default::default();
        // Project 2003 writes exceptions as week days of type 0; later versions write both those
        // and <Exceptions>, which then take precedence (they carry the recurrence).
        let mut day_exceptions: Vec<CalendarException> = Vec::new();
        if let Some(week_days) = child(node, "WeekDays") {
            for day in children(week_days, "WeekDay") {
                let Some(day_type) = self.int(day, "DayType") else {
                    continue;
                };
                if day_type == 0 {
                    if let Some(exception) = self.period_exception(day) {
                        day_exceptions.push(exception);
                    }
                    continue;
                }
                let Some(index) = weekday_slot(day_type) else {
                    self.warning(
                        "mspdi-day-type",
                        day,
                        format!("<DayType> {day_type} is not a week day (1 = Sunday .. 7 = Saturday); ignored"),
                    );
                    continue;
                };
                let hours = self.day_hours(day, derived);
                if let Some(slot) = week.get_mut(index) {
                    *slot = hours;
                }
            }
        }
        let mut exceptions: Vec<CalendarException> = Vec::new();
        // Work weeks first: exceptions listed after them override them on the same date.
        if let Some(work_weeks) = child(node, "WorkWeeks") {
            for work_week in children(work_weeks, "WorkWeek") {
                self.work_week(work_week, derived, &mut exceptions);
            }
        }
        let mut listed = false;
        if let Some(list) = child(node, "Exceptions") {
            for exception in children(list, "Exception") {
                listed = true;
                self.exception(exception, &mut exceptions);
            }
        }
        if !listed {
            exceptions.extend(day_exceptions);
        }
        RawCalendar {
            calendar: Calendar {
                id: uid.to_string(),
                name,
                base: None,
                week,
                exceptions,
            },
            base_uid,
            location,
        }
    }

    /// The hours of a week day: `Some(hours)` (empty for a non-working day), or `None` to
    /// inherit from the base calendar.
    fn day_hours(&mut self, day: Node<'a, 'input>, derived: bool) -> Option<DayHours> {
        match self.flag(day, "DayWorking") {
            Some(true) => {
                let hours = self.working_times(day);
                if hours.is_empty() {
                    // "Working" without hours: a derived calendar keeps its base's hours, a base
                    // calendar gets Microsoft Project's default day.
                    if derived {
                        None
                    } else {
                        Some(default_hours())
                    }
                } else {
                    Some(hours)
                }
            }
            Some(false) => Some(Vec::new()),
            None => None,
        }
    }

    /// The `WorkingTimes/WorkingTime` intervals of a week day or exception.
    fn working_times(&mut self, node: Node<'a, 'input>) -> DayHours {
        let mut hours = Vec::new();
        let Some(times) = child(node, "WorkingTimes") else {
            return hours;
        };
        for working_time in children(times, "WorkingTime") {
            let from = self.time_of_day(working_time, "FromTime");
            let to = self.time_of_day(working_time, "ToTime");
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            // ToTime 00:00 ends at midnight: the end of the day, not its start.
            let to = if to == 0 { DAY as u32 } else { to };
            match Interval::new(from, to) {
                Some(interval) => hours.push(interval),
                None => self.warning(
                    "mspdi-working-time",
                    working_time,
                    format!(
                        "working time {} to {} is empty; ignored",
                        clock(from),
                        clock(to)
                    ),
                ),
            }
        }
        hours.sort_unstable();
        hours
    }

    /// The hours of an exception: empty for non-working, the listed (or default) hours for
    /// working.
    fn exception_hours(&mut self, node: Node<'a, 'input>) -> DayHours {
        if self.flag(node, "DayWorking") == Some(true) {
            let hours = self.working_times(node);
            if hours.is_empty() {
                default_hours()
            } else {
                hours
            }
        } else {
            Vec::new()
        }
    }

    /// The dates of a `TimePeriod` child.
    fn time_period(&mut self, node: Node<'a, 'input>) -> Option<(NaiveDate, NaiveDate)> {
        let Some(period) = child(node, "TimePeriod") else {
            self.warning(
                "mspdi-missing",
                node,
                "a calendar exception without a <TimePeriod> is ignored".into(),
            );
            return None;
        };
        let from = self.datetime(period, "FromDate");
        let to = self.datetime(period, "ToDate");
        let (Some(from), Some(to)) = (from, to) else {
            if child(period, "FromDate").is_none() || child(period, "ToDate").is_none() {
                self.warning(
                    "mspdi-missing",
                    period,
                    "a <TimePeriod> needs both <FromDate> and <ToDate>; ignored".into(),
                );
            }
            return None;
        };
        let (from, to) = (from.date(), to.date());
        if to < from {
            self.warning(
                "mspdi-time-period",
                period,
                format!("the period ends ({to}) before it starts ({from}); ignored"),
            );
            return None;
        }
        Some((from, to))
    }

    /// A Project 2003 exception day (`WeekDay` of type 0).
    fn period_exception(&mut self, day: Node<'a, 'input>) -> Option<CalendarException> {
        let (from, to) = self.time_period(day)?;
        let hours = self.exception_hours(day);
        Some(CalendarException { from, to, hours })
    }

    /// A Project 2007+ exception, expanded into dated exceptions when it recurs.
    fn exception(&mut self, node: Node<'a, 'input>, out: &mut Vec<CalendarException>) {
        let Some((from, to)) = self.time_period(node) else {
            return;
        };
        let hours = self.exception_hours(node);
        let kind = self.int(node, "Type").unwrap_or(1);
        // Bounded so that date arithmetic can never overflow on a corrupt file.
        let period = self.int(node, "Period").unwrap_or(1).clamp(1, 10_000);
        let by_occurrences = self.flag(node, "EnteredByOccurrences").unwrap_or(false);
        let occurrences = self.int(node, "Occurrences").unwrap_or(0);
        let limit = if by_occurrences && occurrences > 0 {
            usize::try_from(occurrences)
                .unwrap_or(MAX_OCCURRENCES)
                .min(MAX_OCCURRENCES)
        } else {
            MAX_OCCURRENCES
        };
        let month_day = self.int(node, "MonthDay").unwrap_or(1).clamp(1, 31) as u32;
        let month_item = self.int(node, "MonthItem").unwrap_or(0).clamp(0, 9) as u32;
        let month_position = self.int(node, "MonthPosition").unwrap_or(0).clamp(0, 4) as u32;
        let month = self.int(node, "Month").unwrap_or(0).clamp(0, 11) as u32 + 1;
        let days_of_week = self.int(node, "DaysOfWeek").unwrap_or(0).clamp(0, 127) as u32;
        let recurrence = match kind {
            // A plain range of days (Project writes type 1, "daily", for ordinary exceptions).
            0 | 1 => {
                out.push(CalendarException { from, to, hours });
                return;
            }
            7 => Recurrence::Daily { period },
            6 => Recurrence::Weekly {
                period,
                mask: days_of_week,
            },
            5 => Recurrence::MonthlyByPosition {
                period,
                item: month_item,
                position: month_position,
            },
            4 => Recurrence::MonthlyByDay {
                period,
                day: month_day,
            },
            3 => Recurrence::YearlyByPosition {
                month,
                item: month_item,
                position: month_position,
            },
            2 => Recurrence::YearlyByDay {
                month,
                day: month_day,
            },
            other => {
                self.warning(
                    "mspdi-recurrence",
                    node,
                    format!("recurrence <Type> {other} is not known; the exception is read as the range {from} to {to}"),
                );
                out.push(CalendarException { from, to, hours });
                return;
            }
        };
        if matches!(recurrence, Recurrence::Weekly { mask: 0, .. }) {
            self.warning(
                "mspdi-recurrence",
                node,
                "a weekly exception names no <DaysOfWeek>; ignored".into(),
            );
            return;
        }
        if matches!(
            recurrence,
            Recurrence::MonthlyByPosition { item: 1 | 2, .. }
                | Recurrence::YearlyByPosition { item: 1 | 2, .. }
        ) {
            self.warning(
                "mspdi-recurrence",
                node,
                "exceptions on the n-th weekday or weekend day of a month are not supported; ignored"
                    .into(),
            );
            return;
        }
        for date in occurrences_of(&recurrence, from, to, limit) {
            out.push(CalendarException {
                from: date,
                to: date,
                hours: hours.clone(),
            });
        }
    }

    /// A work week: a different working week over a date range, expanded into one exception
    /// per date of the range whose week day it defines.
    fn work_week(
        &mut self,
        node: Node<'a, 'input>,
        derived: bool,
        out: &mut Vec<CalendarException>,
    ) {
        let Some((from, to)) = self.time_period(node) else {
            return;
        };
        let mut week: [Option<DayHours>; 7] = Default::default();
        if let Some(week_days) = child(node, "WeekDays") {
            for day in children(week_days, "WeekDay") {
                let Some(index) = self.int(day, "DayType").and_then(weekday_slot) else {
                    continue;
                };
                let hours = self.day_hours(day, derived);
                if let Some(slot) = week.get_mut(index) {
                    *slot = hours;
                }
            }
        }
        let mut date = from;
        let mut count = 0;
        while date <= to && count < MAX_OCCURRENCES * 5 {
            let slot = time::weekday_index(date.weekday());
            if let Some(Some(hours)) = week.get(slot) {
                out.push(CalendarException {
                    from: date,
                    to: date,
                    hours: hours.clone(),
                });
            }
            count += 1;
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        if date <= to {
            self.warning(
                "mspdi-work-week",
                node,
                format!("the work week is too long; it is read up to {date}"),
            );
        }
    }

    // ----- resources -------------------------------------------------------------------------

    fn resources(
        &mut self,
        root: Node<'a, 'input>,
        plan: &mut Plan,
        calendars: &HashMap<i64, usize>,
    ) -> HashMap<i64, ResourceId> {
        let mut uids = HashMap::new();
        let Some(resources) = child(root, "Resources") else {
            return uids;
        };
        for node in children(resources, "Resource") {
            let Some(uid) = self.int(node, "UID") else {
                continue;
            };
            // UID 0 is the blank resource Microsoft Project keeps for unassigned work.
            if uid == 0 || self.flag(node, "IsNull") == Some(true) {
                continue;
            }
            let name = text(node, "Name").unwrap_or_default().to_string();
            // Microsoft Project's resource Group is where a team keeps a person's role.
            let role = text(node, "Group").map(str::to_string);
            let units = match self.float(node, "MaxUnits") {
                Some(units) if units <= 0.0 => {
                    self.error(
                        "out-of-range",
                        child(node, "MaxUnits").unwrap_or(node),
                        format!(
                            "<MaxUnits> of resource {uid} `{name}` must be more than 0 (1 is full \
                             time), found {units}"
                        ),
                    );
                    1.0
                }
                units => units.unwrap_or(1.0),
            };
            let rate = self.float(node, "StandardRate");
            let kind = self.int(node, "Type").unwrap_or(1);
            let calendar = match self.int(node, "CalendarUID") {
                Some(calendar_uid) if calendar_uid >= 0 => {
                    calendars.get(&calendar_uid).map(|&i| CalendarId(i))
                }
                _ => None,
            };
            let kind = match kind {
                0 => ResourceKind::Material,
                2 => ResourceKind::Cost,
                _ => ResourceKind::Work,
            };
            uids.insert(uid, ResourceId(plan.resources.len()));
            plan.resources.push(Resource {
                id: uid.to_string(),
                name,
                kind,
                role,
                units,
                rate,
                calendar,
                location: self.location(node),
            });
        }
        uids
    }

    fn assignments(
        &mut self,
        root: Node<'a, 'input>,
        plan: &mut Plan,
        tasks: &HashMap<i64, TaskId>,
        resources: &HashMap<i64, ResourceId>,
    ) {
        let Some(assignments) = child(root, "Assignments") else {
            return;
        };
        for node in children(assignments, "Assignment") {
            let task_uid = self.int(node, "TaskUID");
            let resource_uid = self.int(node, "ResourceUID");
            let (Some(task_uid), Some(resource_uid)) = (task_uid, resource_uid) else {
                continue;
            };
            // Unassigned work (resource -65535 or the blank resource 0), or a skipped task.
            let (Some(&task), Some(&resource)) =
                (tasks.get(&task_uid), resources.get(&resource_uid))
            else {
                continue;
            };
            let units = self.float(node, "Units").unwrap_or(1.0);
            if let Some(task) = plan.tasks.get_mut(task.0) {
                task.assignments.push(Assignment { resource, units });
            }
        }
    }

    // ----- tasks and links -------------------------------------------------------------------

    fn tasks(
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
    fn actuals(
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

    fn constraint(&mut self, node: Node<'a, 'input>, task: &mut Task) {
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

    fn link(&mut self, node: Node<'a, 'input>, successor: TaskId) -> Option<RawLink> {
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

/// The line and column just past the last character of `source`.
fn end_location(source: &str) -> Location {
    let line = source.matches('\n').count() + 1;
    let last_line = source.rsplit('\n').next().unwrap_or_default();
    Location {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(last_line.chars().count() + 1).unwrap_or(u32::MAX),
    }
}

/// Our week index (Monday = 0) of an MSPDI `DayType` (1 = Sunday .. 7 = Saturday).
fn weekday_slot(day_type: i64) -> Option<usize> {
    if (1..=7).contains(&day_type) {
        Some(((day_type + 5) % 7) as usize)
    } else {
        None
    }
}

/// Whether a duration format (`DurationFormat`, `LagFormat`) is elapsed time.
fn is_elapsed_format(format: i64) -> bool {
    let format = if format >= 35 { format - 32 } else { format };
    matches!(format, 4 | 6 | 8 | 10 | 12 | 20)
}

fn default_hours() -> DayHours {
    DEFAULT_HOURS
        .iter()
        .filter_map(|&(start, end)| Interval::new(start, end))
        .collect()
}

fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `2006-09-21T08:00:00`, also without seconds, with fractional seconds or a zone suffix (which
/// is ignored: project times are local).
fn parse_datetime(value: &str) -> Option<NaiveDateTime> {
    let value = value.trim();
    // Cut a fraction of a second and any zone designator after the seconds.
    let main = value
        .get(..19)
        .filter(|head| head.len() == 19)
        .unwrap_or(value);
    NaiveDateTime::parse_from_str(main, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
        })
}

/// `08:00:00` or `08:00` to minutes after midnight; `24:00:00` is 1440.
fn parse_time(value: &str) -> Option<u32> {
    let mut parts = value.trim().split(':');
    let hours: u32 = parts.next()?.trim().parse().ok()?;
    let minutes: u32 = parts.next()?.trim().parse().ok()?;
    let seconds: f64 = match parts.next() {
        Some(seconds) => seconds.trim().parse().ok()?,
        None => 0.0,
    };
    if parts.next().is_some() || minutes >= 60 || !(0.0..60.0).contains(&seconds) {
        return None;
    }
    let total = hours.checked_mul(60)?.checked_add(minutes)?;
    (total <= DAY as u32).then_some(total)
}

/// An ISO 8601 duration (`PT8H0M0S`, `PT7H59M59.9S`, `-PT4H`, `P2DT4H`) in whole minutes. Days
/// are working days of `minutes_per_day` (Microsoft Project writes hours; MPXJ reads a day part
/// as days of the project). Years and months are refused.
fn parse_duration(value: &str, minutes_per_day: i64) -> Option<i64> {
    let value = value.trim();
    let (negative, rest) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let rest = rest.strip_prefix('P')?;
    let mut minutes = 0.0f64;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for character in rest.chars() {
        match character {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(character),
            unit => {
                let amount: f64 = number.parse().ok()?;
                number.clear();
                any = true;
                minutes += match (in_time, unit) {
                    (false, 'W') => amount * 5.0 * minutes_per_day as f64,
                    (false, 'D') => amount * minutes_per_day as f64,
                    (true, 'H') => amount * 60.0,
                    (true, 'M') => amount,
                    (true, 'S') => amount / 60.0,
                    _ => return None,
                };
            }
        }
    }
    if !number.is_empty() || !any || !minutes.is_finite() || minutes > 1e13 {
        return None;
    }
    let minutes = minutes.round() as i64;
    Some(if negative { -minutes } else { minutes })
}

/// The dates a recurrence falls on from `from` to `to` inclusive, at most `limit` of them.
fn occurrences_of(
    recurrence: &Recurrence,
    from: NaiveDate,
    to: NaiveDate,
    limit: usize,
) -> Vec<NaiveDate> {
    let mut dates = Vec::new();
    let push = |date: NaiveDate, dates: &mut Vec<NaiveDate>| -> bool {
        // Returns whether to go on.
        if date > to || dates.len() >= limit {
            return false;
        }
        if date >= from {
            dates.push(date);
        }
        true
    };
    match *recurrence {
        Recurrence::Daily { period } => {
            let mut date = from;
            while push(date, &mut dates) {
                match date.checked_add_signed(Duration::days(period)) {
                    Some(next) => date = next,
                    None => break,
                }
            }
        }
        Recurrence::Weekly { period, mask } => {
            // Weeks run Sunday to Saturday, counted from the week that holds `from`.
            let sunday = i64::from(from.weekday().num_days_from_sunday());
            let Some(mut week) = from.checked_sub_signed(Duration::days(sunday)) else {
                return dates;
            };
            'weeks: loop {
                for day in 0..7 {
                    if mask & (1 << day) == 0 {
                        continue;
                    }
                    let Some(date) = week.checked_add_signed(Duration::days(day)) else {
                        break 'weeks;
                    };
                    if !push(date, &mut dates) {
                        break 'weeks;
                    }
                }
                match week.checked_add_signed(Duration::days(7 * period)) {
                    Some(next) => week = next,
                    None => break,
                }
            }
        }
        Recurrence::MonthlyByDay { .. }
        | Recurrence::MonthlyByPosition { .. }
        | Recurrence::YearlyByDay { .. }
        | Recurrence::YearlyByPosition { .. } => {
            // Month-based patterns: the first candidate month and the step between candidates.
            let (mut month, step) = match *recurrence {
                Recurrence::MonthlyByDay { period, .. }
                | Recurrence::MonthlyByPosition { period, .. } => (month_number(from), period),
                Recurrence::YearlyByDay { month, .. }
                | Recurrence::YearlyByPosition { month, .. } => {
                    (i64::from(from.year()) * 12 + i64::from(month) - 1, 12)
                }
                _ => return dates,
            };
            let pick = |month: i64| match *recurrence {
                Recurrence::MonthlyByDay { day, .. } | Recurrence::YearlyByDay { day, .. } => {
                    day_in_month(month, day)
                }
                Recurrence::MonthlyByPosition { item, position, .. }
                | Recurrence::YearlyByPosition { item, position, .. } => {
                    position_in_month(month, item, position)
                }
                _ => None,
            };
            while let Some(date) = pick(month) {
                if !push(date, &mut dates) {
                    break;
                }
                month += step;
            }
        }
    }
    dates
}

/// Months since year 0 (`year * 12 + month0`).
fn month_number(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

fn first_of_month(month: i64) -> Option<NaiveDate> {
    let year = i32::try_from(month.div_euclid(12)).ok()?;
    NaiveDate::from_ymd_opt(year, month.rem_euclid(12) as u32 + 1, 1)
}

fn days_in_month(month: i64) -> Option<u32> {
    let first = first_of_month(month)?;
    let next = first_of_month(month + 1)?;
    u32::try_from((next - first).num_days()).ok()
}

/// Day `day` of a month, clamped to its last day.
fn day_in_month(month: i64, day: u32) -> Option<NaiveDate> {
    let first = first_of_month(month)?;
    let day = day.clamp(1, days_in_month(month)?);
    first.with_day(day)
}

/// The `position`th (0-based; 4 = last) `item` of a month. Items: 0 = day, 3 = Sunday ..
/// 9 = Saturday.
fn position_in_month(month: i64, item: u32, position: u32) -> Option<NaiveDate> {
    let first = first_of_month(month)?;
    let length = days_in_month(month)?;
    if item == 0 {
        let day = if position >= 4 { length } else { position + 1 };
        return first.with_day(day);
    }
    let weekday = item.checked_sub(3)?; // 0 = Sunday
    if position >= 4 {
        let last = first.with_day(length)?;
        let back = (last.weekday().num_days_from_sunday() + 7 - weekday) % 7;
        return last.checked_sub_signed(Duration::days(i64::from(back)));
    }
    let ahead = (weekday + 7 - first.weekday().num_days_from_sunday()) % 7;
    first.checked_add_signed(Duration::days(i64::from(ahead + 7 * position)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn positions_agree_with_roxmltree() {
        let source = "<a>\n  <b>é</b>\n\n <c/>\n</a>";
        let document = Document::parse(source).unwrap();
        let positions = Positions::new(source);
        // Forward, then backward, then forward again.
        let offsets: Vec<usize> = (0..source.len())
            .chain((0..source.len()).rev())
            .chain([3, 20, 7])
            .filter(|&at| source.is_char_boundary(at))
            .collect();
        for at in offsets {
            let expected = document.text_pos_at(at);
            let ours = positions.location(at);
            assert_eq!(
                (ours.line, ours.column),
                (expected.row, expected.col),
                "at {at}"
            );
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT8H0M0S", 480), Some(480));
        assert_eq!(parse_duration("PT7H59M59.9S", 480), Some(480));
        assert_eq!(parse_duration("-PT4H30M0S", 480), Some(-270));
        assert_eq!(parse_duration("P2DT1H", 480), Some(1020));
        assert_eq!(parse_duration("PT", 480), None);
        assert_eq!(parse_duration("8h", 480), None);
        assert_eq!(parse_duration("P1Y", 480), None);
    }

    #[test]
    fn times_and_dates() {
        assert_eq!(parse_time("08:00:00"), Some(480));
        assert_eq!(parse_time("24:00:00"), Some(1440));
        assert_eq!(parse_time("25:00:00"), None);
        assert_eq!(
            parse_datetime("2006-09-21T08:00:00.000+02:00").map(time::instant),
            parse_datetime("2006-09-21T08:00").map(time::instant)
        );
        assert_eq!(parse_datetime("2006-13-21T08:00:00"), None);
    }

    #[test]
    fn recurrences_match_what_project_expanded() {
        // Dates Microsoft Project itself wrote as type-0 week days for the same exceptions.
        let weekly = Recurrence::Weekly { period: 7, mask: 1 };
        let dates = occurrences_of(&weekly, date("2001-01-01"), date("2002-03-17"), 9);
        assert_eq!(dates.first(), Some(&date("2001-02-18")));
        assert_eq!(dates.len(), 9);
        let last_friday = Recurrence::MonthlyByPosition {
            period: 6,
            item: 8,
            position: 4,
        };
        let dates = occurrences_of(&last_friday, date("2002-01-01"), date("2005-01-28"), 7);
        assert_eq!(dates.get(1), Some(&date("2002-07-26")));
        let yearly = Recurrence::YearlyByPosition {
            month: 3,
            item: 5,
            position: 0,
        };
        let dates = occurrences_of(&yearly, date("2004-01-01"), date("2007-03-06"), 4);
        assert_eq!(dates.first(), Some(&date("2004-03-02")));
        assert_eq!(dates.last(), Some(&date("2007-03-06")));
    }
}
