//! `[calendars.ID]`: working weeks, base calendars (resolved base-first, cycles broken),
//! holidays and exceptions, each calendar compiled once for the dates that name it.

use super::fields::{parse_day, DateValue, Fields, Spanned};
use super::suggest::did_you_mean;
use super::tree::{Origin, Shape, Table, Value};
use super::{Reader, Section};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use waymark_core::calendar::{CalendarError, DayHours};
use waymark_core::{Calendar, CalendarException, Diagnostic, Interval, WorkCalendar};

pub(super) const CALENDAR_KEYS: &[&str] = &[
    "name",
    "base",
    "days",
    "hours",
    "week",
    "holidays",
    "exceptions",
];

pub(super) const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

pub(super) const WEEKDAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

pub(super) const EXCEPTION_KEYS: &[&str] = &["date", "from", "to", "hours"];

/// Exception and holiday dates must fall in these years: the compiled calendar keeps one entry
/// per day between its first and last exception, so a typo like `0207-01-01` must not make it
/// allocate two thousand years of days.
pub(super) const EXCEPTION_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// How a calendar's week was written, before its base calendar is known.
#[derive(Default)]
pub(super) struct WeekSpec {
    pub(super) days: Option<Vec<usize>>,
    pub(super) hours: Option<DayHours>,
    pub(super) week: [Option<DayHours>; 7],
}

/// A calendar's own week (`None` inherits from the base) and its effective week.
pub(super) fn derive_week(
    spec: &WeekSpec,
    base: Option<&[DayHours; 7]>,
    standard: &[DayHours; 7],
) -> ([Option<DayHours>; 7], [DayHours; 7]) {
    let fallback = base.unwrap_or(standard);
    // Hours for a day made working by `days` without `hours`: the base's hours of that day, else
    // its first working day's hours, else the standard day.
    let typical = |day: usize| -> DayHours {
        fallback
            .get(day)
            .filter(|hours| !hours.is_empty())
            .or_else(|| fallback.iter().find(|hours| !hours.is_empty()))
            .or_else(|| standard.iter().find(|hours| !hours.is_empty()))
            .cloned()
            .unwrap_or_default()
    };
    let own: [Option<DayHours>; 7] = std::array::from_fn(|day| {
        if let Some(hours) = spec.week.get(day).cloned().flatten() {
            return Some(hours);
        }
        let base_working = fallback.get(day).is_some_and(|hours| !hours.is_empty());
        match (&spec.days, &spec.hours) {
            (Some(days), hours) => Some(if days.contains(&day) {
                hours.clone().unwrap_or_else(|| typical(day))
            } else {
                Vec::new()
            }),
            (None, Some(hours)) => Some(if base_working {
                hours.clone()
            } else {
                Vec::new()
            }),
            (None, None) if base.is_some() => None,
            (None, None) => Some(fallback.get(day).cloned().unwrap_or_default()),
        }
    });
    let effective: [DayHours; 7] = std::array::from_fn(|day| {
        own.get(day)
            .cloned()
            .flatten()
            .or_else(|| fallback.get(day).cloned())
            .unwrap_or_default()
    });
    (own, effective)
}

/// `mon`..`sun` or the full English name, case-insensitive.
pub(super) fn weekday(text: &str) -> Option<usize> {
    let lower = text.trim().to_ascii_lowercase();
    WEEKDAYS
        .iter()
        .position(|day| *day == lower)
        .or_else(|| WEEKDAY_NAMES.iter().position(|day| *day == lower))
}

/// `HH:MM-HH:MM`; `24:00` is allowed as an end.
pub(super) fn parse_interval(text: &str) -> Option<Interval> {
    let (start, end) = text.trim().split_once('-')?;
    let clock = |text: &str, is_end: bool| -> Option<u32> {
        let (hours, minutes) = text.trim().split_once(':')?;
        if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
            return None;
        }
        let hours: u32 = hours.parse().ok()?;
        let minutes: u32 = minutes.parse().ok()?;
        let total = hours * 60 + minutes;
        (minutes < 60 && (total < 1440 || (is_end && total == 1440))).then_some(total)
    };
    Interval::new(clock(start, false)?, clock(end, true)?)
}

impl<'s> Reader<'s> {
    /// Working hours such as `["08:00-12:00", "13:00-17:00"]`.
    pub(super) fn hours_of(
        &mut self,
        value: &Value<'_>,
        at: Option<Origin>,
        key: &str,
        context: &str,
    ) -> Option<DayHours> {
        let expected = "a list of working hours like [\"08:00-12:00\", \"13:00-17:00\"]";
        let Some(array) = value.as_array() else {
            self.wrong_type(key, context, expected, value.describe(), at);
            return None;
        };
        let mut hours = Vec::new();
        let mut ok = true;
        for element in array.iter() {
            let element_at = Some(element.at);
            let Some(text) = self.string_of(&element.value, element_at, key, context, expected)
            else {
                ok = false;
                continue;
            };
            match parse_interval(text.value) {
                Some(interval) => hours.push(interval),
                None => {
                    ok = false;
                    self.error(
                        "malformed-hours",
                        element_at,
                        format!(
                            "malformed working hours `{}` in {context}: use `HH:MM-HH:MM`, e.g. \
                             `08:00-12:00` (an interval like `22:00-06:00` crosses midnight)",
                            text.value
                        ),
                    );
                }
            }
        }
        hours.sort_unstable();
        for pair in hours.windows(2) {
            if let [first, second] = pair {
                if second.start < first.end {
                    ok = false;
                    self.error(
                        "malformed-hours",
                        at,
                        format!("working hours in `{key}` of {context} overlap; list each working minute once"),
                    );
                    break;
                }
            }
        }
        ok.then_some(hours)
    }

    pub(super) fn read_calendars(
        &mut self,
        section: Option<&Section<'_>>,
    ) -> (Vec<Calendar>, Vec<[DayHours; 7]>, Vec<Option<WorkCalendar>>) {
        let members = self.members(section, "calendar", CALENDAR_KEYS);
        let mut calendars: Vec<Calendar> = Vec::new();
        let mut specs: Vec<WeekSpec> = Vec::new();
        let mut bases: Vec<Option<Spanned<&str>>> = Vec::new();
        let mut locations: Vec<Option<Origin>> = Vec::new();
        if !members.iter().any(|member| member.id == "standard") {
            let standard = Calendar::standard();
            specs.push(WeekSpec {
                week: standard.week.clone(),
                ..WeekSpec::default()
            });
            calendars.push(standard);
            bases.push(None);
            locations.push(None);
        }
        for member in members {
            let (calendar, spec, base) = self.read_calendar(member.id, &member.fields);
            calendars.push(calendar);
            specs.push(spec);
            bases.push(base);
            locations.push(member.at);
        }
        // Resolve base calendars by id.
        let ids: Vec<String> = calendars.iter().map(|c| c.id.clone()).collect();
        for (index, base) in bases.iter().enumerate() {
            let Some(base) = base else { continue };
            match ids.iter().position(|id| id == base.value) {
                Some(found) if found == index => self.error(
                    "calendar-base-cycle",
                    base.at,
                    format!("calendar `{}` names itself as its base", base.value),
                ),
                Some(found) => {
                    if let Some(calendar) = calendars.get_mut(index) {
                        calendar.base = Some(found);
                    }
                }
                None => {
                    let hint = did_you_mean(base.value, ids.iter().map(String::as_str));
                    let own = ids.get(index).map_or("", String::as_str);
                    self.error(
                        "unknown-calendar",
                        base.at,
                        format!(
                            "calendar `{own}` has base `{}`, which does not exist{hint}",
                            base.value
                        ),
                    );
                }
            }
        }
        // Break cycles of base calendars so that the weeks below can be resolved.
        crate::break_base_cycles(&mut calendars, |_, at, chain| {
            let names: Vec<String> = chain
                .iter()
                .filter_map(|&i| ids.get(i).map(|id| format!("`{id}`")))
                .collect();
            self.error(
                "calendar-base-cycle",
                locations.get(at).copied().flatten(),
                format!(
                    "calendars derive from each other in a cycle: {}",
                    names.join(" → ")
                ),
            );
        });
        // Resolve weeks base-first: a calendar is ready once its base is.
        let standard_week: [DayHours; 7] = std::array::from_fn(|day| {
            Calendar::standard()
                .week
                .get(day)
                .cloned()
                .flatten()
                .unwrap_or_default()
        });
        let mut weeks: Vec<Option<[DayHours; 7]>> = vec![None; calendars.len()];
        loop {
            let mut progressed = false;
            for index in 0..calendars.len() {
                if weeks.get(index).is_some_and(Option::is_some) {
                    continue;
                }
                let base = calendars.get(index).and_then(|c| c.base);
                let base_week = match base {
                    None => None,
                    Some(base) => match weeks.get(base).cloned().flatten() {
                        Some(week) => Some(week),
                        None => continue,
                    },
                };
                let Some(spec) = specs.get(index) else {
                    continue;
                };
                let (own, effective) = derive_week(spec, base_week.as_ref(), &standard_week);
                if let Some(calendar) = calendars.get_mut(index) {
                    calendar.week = own;
                }
                if let Some(slot) = weeks.get_mut(index) {
                    *slot = Some(effective);
                }
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
        let weeks: Vec<[DayHours; 7]> = weeks.into_iter().map(Option::unwrap_or_default).collect();
        let mut compiled = Vec::with_capacity(calendars.len());
        for index in 0..calendars.len() {
            let result = WorkCalendar::compile(&calendars, index);
            if let Err(error) = &result {
                let at = locations.get(index).copied().flatten();
                match error {
                    CalendarError::NoWorkingWeek(id) => self.report(
                        Diagnostic::error(
                            "calendar-no-working-time",
                            format!("calendar `{id}` has no working time in its week"),
                        )
                        .with_help("give at least one day working hours, e.g. `days = [\"mon\"]` and `hours = [\"08:00-12:00\"]`"), at),
                    // Cycles were reported and broken above.
                    CalendarError::BaseCycle(_) => {}
                }
            }
            compiled.push(result.ok());
        }
        (calendars, weeks, compiled)
    }

    pub(super) fn read_calendar<'d>(
        &mut self,
        id: &str,
        fields: &Fields<'d>,
    ) -> (Calendar, WeekSpec, Option<Spanned<&'d str>>) {
        let context = fields.context.clone();
        let name = self
            .string(fields, "name", "a string")
            .map_or_else(|| id.to_string(), |name| name.value.to_string());
        let base = self.string(
            fields,
            "base",
            "the id of another calendar, e.g. \"standard\"",
        );
        let mut spec = WeekSpec::default();
        if let Some(days) =
            self.strings(fields, "days", "a list of weekdays like [\"mon\", \"tue\"]")
        {
            let mut indices = Vec::new();
            for day in days {
                match weekday(day.value) {
                    Some(index) => indices.push(index),
                    None => {
                        let hint = did_you_mean(day.value, WEEKDAYS);
                        self.error(
                            "unknown-value",
                            day.at,
                            format!(
                                "unknown weekday `{}` in {context}: use mon, tue, wed, thu, fri, sat or sun{hint}",
                                day.value
                            ),
                        );
                    }
                }
            }
            spec.days = Some(indices);
        }
        if let Some((value, at)) = self.value(fields, "hours", "a list of working hours") {
            spec.hours = self.hours_of(value, at, "hours", &context);
        }
        if let Some(entry) = fields.get("week") {
            match entry.as_table() {
                Some(table) => {
                    let week_fields = self.fields(
                        table,
                        &WEEKDAYS,
                        format!("the `week` table of {context}"),
                        Some(entry.key_at),
                    );
                    for (index, day) in WEEKDAYS.iter().enumerate() {
                        if let Some((value, at)) = self.value(&week_fields, day, "a list of working hours") {
                            let hours = self.hours_of(value, at, day, &week_fields.context);
                            if let Some(slot) = spec.week.get_mut(index) {
                                *slot = hours;
                            }
                        }
                    }
                }
                None => self.wrong_type(
                    "week",
                    &context,
                    "a table of weekdays, e.g. `[calendars.ID.week]` with `sat = [\"09:00-13:00\"]`",
                    entry.describe(),
                    Some(entry.node.at),
                ),
            }
        }
        let mut exceptions = Vec::new();
        if let Some(holidays) = self.array(
            fields,
            "holidays",
            "a list of dates and ranges like [2027-01-01, \"2027-04-02..2027-04-05\"]",
        ) {
            for (value, at) in holidays {
                if let Some((from, to)) = self.day_range(value, at, &context) {
                    exceptions.push(CalendarException {
                        from,
                        to,
                        hours: Vec::new(),
                    });
                }
            }
        }
        if let Some(entry) = fields.get("exceptions") {
            let expected =
                "a list of tables like [{ date = 2027-12-24, hours = [\"08:00-12:00\"] }]";
            let tables: Vec<(&Table<'_>, Option<Origin>)> = match (entry.shape, &entry.node.value) {
                (Shape::ArrayOfTables | Shape::Value, Value::Array(array)) => {
                    // Tables of `[[...exceptions]]` headers, or inline tables in an array.
                    let mut tables = Vec::new();
                    for element in array {
                        let at = Some(element.at);
                        match &element.value {
                            Value::Table(table) => tables.push((table, at)),
                            other => self.wrong_type(
                                "exceptions",
                                &context,
                                expected,
                                other.describe(),
                                at,
                            ),
                        }
                    }
                    tables
                }
                _ => {
                    self.wrong_type(
                        "exceptions",
                        &context,
                        expected,
                        entry.describe(),
                        Some(entry.node.at),
                    );
                    Vec::new()
                }
            };
            for (table, at) in tables {
                if let Some(exception) = self.read_exception(table, at, &context) {
                    exceptions.push(exception);
                }
            }
        }
        let calendar = Calendar {
            id: id.to_string(),
            name,
            base: None,
            week: Default::default(),
            exceptions,
        };
        (calendar, spec, base)
    }

    pub(super) fn read_exception(
        &mut self,
        table: &Table<'_>,
        at: Option<Origin>,
        calendar: &str,
    ) -> Option<CalendarException> {
        let fields = self.fields(
            table,
            EXCEPTION_KEYS,
            format!("an exception of {calendar}"),
            at,
        );
        let date = self.exception_day(&fields, "date");
        let from = self.exception_day(&fields, "from");
        let to = self.exception_day(&fields, "to");
        let hours = match self.value(&fields, "hours", "a list of working hours") {
            Some((value, hours_at)) => self.hours_of(value, hours_at, "hours", &fields.context)?,
            None => Vec::new(),
        };
        let (from, to) = match (date, from, to) {
            (Some(date), None, None) => (date, date),
            (None, Some(from), Some(to)) => (from, to),
            (None, Some(from), None) => (from, from),
            _ => {
                self.error(
                    "missing-key",
                    at,
                    format!(
                        "{} needs either `date` or `from` and `to`, e.g. `{{ date = 2027-12-24, hours = [] }}`",
                        fields.context
                    ),
                );
                return None;
            }
        };
        if to < from {
            self.error(
                "malformed-date",
                at,
                format!("{} ends ({to}) before it starts ({from})", fields.context),
            );
            return None;
        }
        Some(CalendarException { from, to, hours })
    }

    pub(super) fn exception_day(&mut self, fields: &Fields<'_>, key: &str) -> Option<NaiveDate> {
        let date = self.date(fields, key)?;
        match date.value {
            DateValue::Day(day) => self.check_exception_year(day, date.at, &fields.context),
            DateValue::At(_) => {
                self.error(
                    "malformed-date",
                    date.at,
                    format!(
                        "`{key}` in {} must be a whole day like 2027-12-24, without a time",
                        fields.context
                    ),
                );
                None
            }
        }
    }

    pub(super) fn check_exception_year(
        &mut self,
        day: NaiveDate,
        at: Option<Origin>,
        context: &str,
    ) -> Option<NaiveDate> {
        use chrono::Datelike;
        if EXCEPTION_YEARS.contains(&day.year()) {
            Some(day)
        } else {
            self.error(
                "out-of-range",
                at,
                format!(
                    "date {day} in {context} is outside the years {}-{} that calendars support",
                    EXCEPTION_YEARS.start(),
                    EXCEPTION_YEARS.end()
                ),
            );
            None
        }
    }

    /// A holiday: a date, or a `"FROM..TO"` range of dates.
    pub(super) fn day_range(
        &mut self,
        value: &Value<'_>,
        at: Option<Origin>,
        context: &str,
    ) -> Option<(NaiveDate, NaiveDate)> {
        let expected = "a date like 2027-01-01 or a range like \"2027-04-02..2027-04-05\"";
        let (from, to) = match value {
            Value::String(text) => {
                let text = text.trim();
                let (from, to) = match text.split_once("..") {
                    Some((from, to)) => (from.trim(), to.trim()),
                    None => (text, text),
                };
                match (parse_day(from), parse_day(to)) {
                    (Some(from), Some(to)) => (from, to),
                    _ => {
                        self.error(
                            "malformed-date",
                            at,
                            format!(
                                "malformed holiday `{text}` in {context}: use a date like `2027-01-01` \
                                 or a range like `2027-04-02..2027-04-05`"
                            ),
                        );
                        return None;
                    }
                }
            }
            Value::Datetime(_) => match self.date_of(value, at, "holidays", context, expected)? {
                DateValue::Day(day) => (day, day),
                DateValue::At(_) => {
                    self.error(
                        "malformed-date",
                        at,
                        format!(
                            "holidays in {context} are whole days: write a date without a time"
                        ),
                    );
                    return None;
                }
            },
            other => {
                self.wrong_type("holidays", context, expected, other.describe(), at);
                return None;
            }
        };
        if to < from {
            self.error(
                "malformed-date",
                at,
                format!("holiday range in {context} ends ({to}) before it starts ({from})"),
            );
            return None;
        }
        let from = self.check_exception_year(from, at, context)?;
        let to = self.check_exception_year(to, at, context)?;
        Some((from, to))
    }

    pub(super) fn calendar_ref(
        &mut self,
        fields: &Fields<'_>,
        calendar_ids: &FxHashMap<&str, usize>,
        owner: &str,
    ) -> Option<usize> {
        let name = self.string(
            fields,
            "calendar",
            "the id of a calendar, e.g. \"standard\"",
        )?;
        match calendar_ids.get(name.value) {
            Some(&index) => Some(index),
            None => {
                let hint = did_you_mean(name.value, calendar_ids.keys().copied());
                self.error(
                    "unknown-calendar",
                    name.at,
                    format!(
                        "{owner} uses calendar `{}`, which does not exist{hint}",
                        name.value
                    ),
                );
                None
            }
        }
    }
}
