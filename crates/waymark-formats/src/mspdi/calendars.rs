//! `<Calendars>`: working weeks, derived calendars, Project 2003 exception days, Project 2007+
//! recurring exceptions and work weeks, all expanded into dated exceptions.

use super::recurrence::{occurrences_of, Recurrence};
use super::values::{child, children, text};
use super::Reader;
use chrono::{Datelike, NaiveDate};
use roxmltree::Node;
use std::collections::HashMap;
use waymark_core::calendar::{Calendar, CalendarError, CalendarException, DayHours, Interval};
use waymark_core::time::{self, DAY};
use waymark_core::{Diagnostic, Location, Plan, WorkCalendar};

/// Most dated exceptions one recurring exception or work week may expand into; a bigger number
/// is a corrupt file, and the bound keeps a hostile file from exhausting memory.
pub(super) const MAX_OCCURRENCES: usize = 20_000;

/// Microsoft Project's default working hours, used where a file says "working" without hours.
pub(super) const DEFAULT_HOURS: [(u32, u32); 2] = [(480, 720), (780, 1020)];

/// A calendar as read, before base calendar UIDs are resolved to indices.
pub(super) struct RawCalendar {
    pub(super) calendar: Calendar,
    pub(super) base_uid: Option<i64>,
    pub(super) location: Option<Location>,
}

/// Our week index (Monday = 0) of an MSPDI `DayType` (1 = Sunday .. 7 = Saturday).
pub(super) fn weekday_slot(day_type: i64) -> Option<usize> {
    if (1..=7).contains(&day_type) {
        Some(((day_type + 5) % 7) as usize)
    } else {
        None
    }
}

pub(super) fn default_hours() -> DayHours {
    DEFAULT_HOURS
        .iter()
        .filter_map(|&(start, end)| Interval::new(start, end))
        .collect()
}

pub(super) fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl<'a, 'input> Reader<'a, 'input> {
    /// Read every calendar into `plan.calendars`; returns the index of each calendar UID.
    pub(super) fn calendars(
        &mut self,
        root: Node<'a, 'input>,
        plan: &mut Plan,
    ) -> HashMap<i64, usize> {
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
    pub(super) fn check_calendars(
        &mut self,
        calendars: &mut [Calendar],
        locations: &[Option<Location>],
    ) {
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

    pub(super) fn calendar(&mut self, node: Node<'a, 'input>, uid: i64) -> RawCalendar {
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
    pub(super) fn day_hours(&mut self, day: Node<'a, 'input>, derived: bool) -> Option<DayHours> {
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
    pub(super) fn working_times(&mut self, node: Node<'a, 'input>) -> DayHours {
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
    pub(super) fn exception_hours(&mut self, node: Node<'a, 'input>) -> DayHours {
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
    pub(super) fn time_period(&mut self, node: Node<'a, 'input>) -> Option<(NaiveDate, NaiveDate)> {
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
    pub(super) fn period_exception(&mut self, day: Node<'a, 'input>) -> Option<CalendarException> {
        let (from, to) = self.time_period(day)?;
        let hours = self.exception_hours(day);
        Some(CalendarException { from, to, hours })
    }

    /// A Project 2007+ exception, expanded into dated exceptions when it recurs.
    pub(super) fn exception(&mut self, node: Node<'a, 'input>, out: &mut Vec<CalendarException>) {
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
    pub(super) fn work_week(
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
}
