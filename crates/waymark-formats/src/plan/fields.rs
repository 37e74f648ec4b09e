//! Typed access to a table's keys: each value of the expected kind or a `wrong-type` (or
//! `malformed-date`, `out-of-range`) diagnostic, and the dates that fields hold.

use super::suggest::did_you_mean;
use super::tree::{Entry, Origin, Table, Value};
use super::Reader;
use chrono::{NaiveDate, NaiveDateTime};
use waymark_core::time::{self, Instant, DAY};
use waymark_core::{Diagnostic, WorkCalendar};

/// A date as written: a whole day, or a local date-time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum DateValue {
    Day(NaiveDate),
    At(NaiveDateTime),
}

/// What a date-only value means for a field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum DateRole {
    /// The first working instant of the day.
    Start,
    /// The end of the day's working time.
    Finish,
    /// The end of the day (midnight after it): work on that day counts as done.
    Status,
}

/// Turn a written date into an instant, on `calendar` when the field is date-only.
pub(super) fn resolve_date(
    date: DateValue,
    role: DateRole,
    calendar: Option<&WorkCalendar>,
) -> Instant {
    match date {
        DateValue::At(datetime) => time::instant(datetime),
        DateValue::Day(day) => {
            let midnight = time::day_start(day);
            match (role, calendar) {
                (DateRole::Start, Some(calendar)) => calendar.next_working(midnight),
                (DateRole::Start, None) => midnight,
                (DateRole::Finish, Some(calendar)) => calendar.previous_working_end(midnight + DAY),
                (DateRole::Finish | DateRole::Status, _) => midnight + DAY,
            }
        }
    }
}

/// `2027-01-04 09:00` for messages. Checked arithmetic: an absurd duration may put an instant
/// outside chrono's range, and a message must never panic.
pub(super) fn show(instant: Instant) -> String {
    chrono::TimeDelta::try_minutes(instant)
        .and_then(|delta| time::datetime(0).checked_add_signed(delta))
        .map_or_else(
            || format!("minute {instant}"),
            |datetime| datetime.format("%Y-%m-%d %H:%M").to_string(),
        )
}

/// The known keys of one table, with the words that name the table in messages.
pub(super) struct Fields<'d> {
    pub(super) entries: Vec<&'d Entry<'d>>,
    /// E.g. "task `build-api`".
    pub(super) context: String,
    /// Where the table itself was declared.
    pub(super) at: Option<Origin>,
}

impl<'d> Fields<'d> {
    pub(super) fn get(&self, key: &str) -> Option<&'d Entry<'d>> {
        self.entries.iter().find(|entry| entry.key == key).copied()
    }
}

/// A value with where it was written.
#[derive(Clone, Copy, Debug)]
pub(super) struct Spanned<T> {
    pub(super) value: T,
    pub(super) at: Option<Origin>,
}

pub(super) fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A date written as a string: `2027-01-04`, `2027-01-04T09:00` or `2027-01-04T09:00:00` (a
/// space may replace the `T`).
pub(super) fn parse_date_text(text: &str) -> Option<DateValue> {
    if let Some(day) = parse_day(text) {
        return Some(DateValue::Day(day));
    }
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(DateValue::At)
}

impl<'s> Reader<'s> {
    /// The keys of a table; keys not in `allowed` are reported.
    pub(super) fn fields<'d>(
        &mut self,
        table: &'d Table<'d>,
        allowed: &[&str],
        context: String,
        at: Option<Origin>,
    ) -> Fields<'d> {
        let mut entries = Vec::new();
        for entry in &table.entries {
            let key = entry.key;
            if allowed.contains(&key) {
                entries.push(entry);
            } else {
                let hint = did_you_mean(key, allowed.iter().copied());
                let mut diagnostic = Diagnostic::error(
                    "unknown-key",
                    format!("unknown key `{key}` in {context}{hint}"),
                );
                if hint.is_empty() {
                    diagnostic =
                        diagnostic.with_help(format!("known keys: {}", allowed.join(", ")));
                }
                self.report(diagnostic, Some(entry.key_at));
            }
        }
        Fields {
            entries,
            context,
            at,
        }
    }

    pub(super) fn wrong_type(
        &mut self,
        key: &str,
        context: &str,
        expected: &str,
        found: &str,
        at: Option<Origin>,
    ) {
        self.error(
            "wrong-type",
            at,
            format!("`{key}` in {context} must be {expected}, found {found}"),
        );
    }

    /// The value of a key that must be a plain value (not a table).
    pub(super) fn value<'d>(
        &mut self,
        fields: &Fields<'d>,
        key: &str,
        expected: &str,
    ) -> Option<(&'d Value<'d>, Option<Origin>)> {
        let entry = fields.get(key)?;
        match entry.as_value() {
            Some(value) => Some((value, Some(entry.node.at))),
            None => {
                self.wrong_type(
                    key,
                    &fields.context,
                    expected,
                    entry.describe(),
                    Some(entry.node.at),
                );
                None
            }
        }
    }

    pub(super) fn string<'d>(
        &mut self,
        fields: &Fields<'d>,
        key: &str,
        expected: &str,
    ) -> Option<Spanned<&'d str>> {
        let (value, at) = self.value(fields, key, expected)?;
        self.string_of(value, at, key, &fields.context, expected)
    }

    pub(super) fn string_of<'d>(
        &mut self,
        value: &'d Value<'d>,
        at: Option<Origin>,
        key: &str,
        context: &str,
        expected: &str,
    ) -> Option<Spanned<&'d str>> {
        match value.as_str() {
            Some(text) => Some(Spanned { value: text, at }),
            None => {
                self.wrong_type(key, context, expected, value.describe(), at);
                None
            }
        }
    }

    pub(super) fn number(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        expected: &str,
    ) -> Option<Spanned<f64>> {
        let (value, at) = self.value(fields, key, expected)?;
        self.number_of(value, at, key, &fields.context, expected)
    }

    pub(super) fn number_of(
        &mut self,
        value: &Value<'_>,
        at: Option<Origin>,
        key: &str,
        context: &str,
        expected: &str,
    ) -> Option<Spanned<f64>> {
        match value.as_number() {
            Some(number) if number.is_finite() => Some(Spanned { value: number, at }),
            Some(_) => {
                self.error(
                    "out-of-range",
                    at,
                    format!("`{key}` in {context} must be a finite number"),
                );
                None
            }
            None => {
                self.wrong_type(key, context, expected, value.describe(), at);
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, fields: &Fields<'_>, key: &str) -> Option<Spanned<bool>> {
        let (value, at) = self.value(fields, key, "`true` or `false`")?;
        match value.as_bool() {
            Some(flag) => Some(Spanned { value: flag, at }),
            None => {
                self.wrong_type(
                    key,
                    &fields.context,
                    "`true` or `false`",
                    value.describe(),
                    at,
                );
                None
            }
        }
    }

    /// The elements of an array value, each with its location.
    pub(super) fn array<'d>(
        &mut self,
        fields: &Fields<'d>,
        key: &str,
        expected: &str,
    ) -> Option<Vec<(&'d Value<'d>, Option<Origin>)>> {
        let (value, at) = self.value(fields, key, expected)?;
        match value.as_array() {
            Some(array) => Some(
                array
                    .iter()
                    .map(|element| (&element.value, Some(element.at)))
                    .collect(),
            ),
            None => {
                self.wrong_type(key, &fields.context, expected, value.describe(), at);
                None
            }
        }
    }

    /// A list of strings; a single string is accepted as a list of one.
    pub(super) fn strings<'d>(
        &mut self,
        fields: &Fields<'d>,
        key: &str,
        expected: &str,
    ) -> Option<Vec<Spanned<&'d str>>> {
        let (value, at) = self.value(fields, key, expected)?;
        if let Some(text) = value.as_str() {
            return Some(vec![Spanned { value: text, at }]);
        }
        let elements = self.array(fields, key, expected)?;
        Some(
            elements
                .into_iter()
                .filter_map(|(element, at)| {
                    self.string_of(element, at, key, &fields.context, expected)
                })
                .collect(),
        )
    }

    pub(super) fn date(&mut self, fields: &Fields<'_>, key: &str) -> Option<Spanned<DateValue>> {
        let expected = "a date like 2027-01-04 or a date-time like 2027-01-04T09:00:00";
        let (value, at) = self.value(fields, key, expected)?;
        self.date_of(value, at, key, &fields.context, expected)
            .map(|value| Spanned { value, at })
    }

    pub(super) fn date_of(
        &mut self,
        value: &Value<'_>,
        at: Option<Origin>,
        key: &str,
        context: &str,
        expected: &str,
    ) -> Option<DateValue> {
        match value {
            Value::Datetime(datetime) => {
                if datetime.offset {
                    self.error(
                        "malformed-date",
                        at,
                        format!(
                            "`{key}` in {context} has a time zone offset; plan dates are local \
                             times, e.g. `2027-01-04T09:00:00`"
                        ),
                    );
                    return None;
                }
                let date = datetime.date.and_then(|(year, month, day)| {
                    NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day))
                });
                let Some(date) = date else {
                    self.error(
                        "malformed-date",
                        at,
                        format!(
                            "`{key}` in {context} must be {expected}, found {}",
                            value.describe()
                        ),
                    );
                    return None;
                };
                match datetime.time {
                    None => Some(DateValue::Day(date)),
                    Some((hour, minute, second)) => {
                        let time = chrono::NaiveTime::from_hms_opt(
                            u32::from(hour),
                            u32::from(minute),
                            u32::from(second.unwrap_or(0).min(59)),
                        );
                        match time {
                            Some(time) => Some(DateValue::At(date.and_time(time))),
                            None => {
                                self.error(
                                    "malformed-date",
                                    at,
                                    format!("`{key}` in {context} has an invalid time of day"),
                                );
                                None
                            }
                        }
                    }
                }
            }
            Value::String(text) => {
                let text = text.trim();
                match parse_date_text(text) {
                    Some(date) => Some(date),
                    None => {
                        self.error(
                            "malformed-date",
                            at,
                            format!(
                                "malformed date `{text}` in `{key}` of {context}: use YYYY-MM-DD, \
                                 e.g. `2027-01-04`, or a date-time like `2027-01-04T09:00:00`"
                            ),
                        );
                        None
                    }
                }
            }
            other => {
                self.wrong_type(key, context, expected, other.describe(), at);
                None
            }
        }
    }
}
