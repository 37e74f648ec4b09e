//! Typed access to a table's keys: each value of the expected kind or a `wrong-type` (or
//! `malformed-date`, `out-of-range`) diagnostic, and the dates that fields hold.

use super::suggest::did_you_mean;
use super::Reader;
use chrono::{NaiveDate, NaiveDateTime};
use toml::de::{DeTable, DeValue};
use waymark_core::time::{self, Instant, DAY};
use waymark_core::{Diagnostic, Location, WorkCalendar};

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

/// A parsed TOML value with the byte range it was written at.
pub(super) type Node<'d> = toml::Spanned<DeValue<'d>>;

/// A TOML table as parsed, and whether it was written inline (`{ ... }`, or a dotted key inside
/// one): `toml::de` keeps no such flag, and wrong-type messages name the kind of table.
#[derive(Clone, Copy)]
pub(super) struct Table<'d> {
    pub(super) map: &'d DeTable<'d>,
    pub(super) inline: bool,
}

impl<'d> Table<'d> {
    pub(super) fn entries(self) -> impl Iterator<Item = Entry<'d>> {
        self.map.iter().map(move |(key, item)| Entry {
            key: key.get_ref(),
            key_start: key.span().start,
            item,
            inline: self.inline,
        })
    }
}

/// How a key's value was written: what `toml_edit` called an item kind, and what wrong-type
/// messages name.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Shape {
    /// A plain value after `key =` (including inline tables and arrays).
    Value,
    /// A table made by a `[header]`, or implicitly by a longer header or dotted key.
    Table,
    /// `[[header]]` tables.
    ArrayOfTables,
}

/// One key of a table. Where its key and value were written is worked out only when asked
/// ([`Reader::key_at`], [`Reader::value_at`]): most keys never need it.
#[derive(Clone, Copy)]
pub(super) struct Entry<'d> {
    pub(super) key: &'d str,
    /// Byte offset of the key (the last part of a dotted key or header path).
    pub(super) key_start: usize,
    pub(super) item: &'d Node<'d>,
    /// Whether the table holding the key was written inline.
    pub(super) inline: bool,
}

impl<'d> Entry<'d> {
    /// `toml::de` does not say whether a table came from a header or `{ ... }`, nor an array from
    /// `[[header]]` or `[ ... ]`; the spans do. A value written after `key =` starts after its key;
    /// a `[header]` or `[[header]]` table's span is the header, which starts before the last key
    /// in it; an implicit table (`[a.b]` makes `a`, `a.b = 1` makes `a`) has its key's span.
    pub(super) fn shape(&self) -> Shape {
        let start = self.item.span().start;
        match self.item.get_ref() {
            DeValue::Table(_) if !self.inline && start <= self.key_start => Shape::Table,
            DeValue::Array(_) if !self.inline && start < self.key_start => Shape::ArrayOfTables,
            _ => Shape::Value,
        }
    }

    /// The value of a key written as a plain value (not a `[table]` or `[[array]]`).
    pub(super) fn as_value(&self) -> Option<&'d DeValue<'d>> {
        (self.shape() == Shape::Value).then(|| self.item.get_ref())
    }

    /// The table of a key that holds one, written either way.
    pub(super) fn as_table(&self) -> Option<Table<'d>> {
        match self.item.get_ref() {
            DeValue::Table(map) => Some(Table {
                map,
                inline: self.inline || self.shape() == Shape::Value,
            }),
            _ => None,
        }
    }
}

/// The known keys of one table, with the words that name the table in messages.
pub(super) struct Fields<'d> {
    pub(super) entries: Vec<Entry<'d>>,
    /// E.g. "task `build-api`".
    pub(super) context: String,
    /// Where the table itself was declared.
    pub(super) at: Option<Location>,
}

impl<'d> Fields<'d> {
    pub(super) fn get(&self, key: &str) -> Option<Entry<'d>> {
        self.entries.iter().find(|entry| entry.key == key).copied()
    }
}

/// A value with its location.
#[derive(Clone, Copy, Debug)]
pub(super) struct Spanned<T> {
    pub(super) value: T,
    pub(super) at: Option<Location>,
}

/// "an integer", "a string", ... for wrong-type messages. Tables among values (array elements,
/// values after `key =`) are inline tables.
pub(super) fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(datetime) => match (datetime.date, datetime.time) {
            (Some(_), Some(_)) => "a date-time",
            (Some(_), None) => "a date",
            _ => "a time",
        },
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "an inline table",
    }
}

pub(super) fn describe_item(entry: &Entry<'_>) -> &'static str {
    match entry.shape() {
        Shape::Value => describe(entry.item.get_ref()),
        Shape::Table => "a table",
        Shape::ArrayOfTables => "an array of tables",
    }
}

/// A TOML integer as an `i64`. The parser keeps the digits; the reader rejects a file whose
/// integers do not fit before reading it ([`number_problem`]).
pub(super) fn integer(value: &DeValue<'_>) -> Option<i64> {
    match value {
        DeValue::Integer(integer) => i64::from_str_radix(integer.as_str(), integer.radix()).ok(),
        _ => None,
    }
}

/// A TOML float as an `f64` (`inf` and `nan` included), `None` when it does not fit.
pub(super) fn float(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Float(float) => {
            let text = float.as_str();
            let number: f64 = text.parse().ok()?;
            (!number.is_infinite() || text.contains("inf")).then_some(number)
        }
        _ => None,
    }
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
    pub(super) fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(super) fn error(
        &mut self,
        code: &'static str,
        at: Option<Location>,
        message: impl Into<String>,
    ) {
        self.report(Diagnostic::error(code, message).at(at));
    }

    pub(super) fn warning(
        &mut self,
        code: &'static str,
        at: Option<Location>,
        message: impl Into<String>,
    ) {
        self.report(Diagnostic::warning(code, message).at(at));
    }

    /// The keys of a table; keys not in `allowed` are reported.
    pub(super) fn fields<'d>(
        &mut self,
        table: Table<'d>,
        allowed: &[&str],
        context: String,
        at: Option<Location>,
    ) -> Fields<'d> {
        let mut entries = Vec::new();
        for entry in table.entries() {
            let key = entry.key;
            if allowed.contains(&key) {
                entries.push(entry);
            } else {
                let hint = did_you_mean(key, allowed.iter().copied());
                let mut diagnostic = Diagnostic::error(
                    "unknown-key",
                    format!("unknown key `{key}` in {context}{hint}"),
                )
                .at(self.key_at(&entry));
                if hint.is_empty() {
                    diagnostic =
                        diagnostic.with_help(format!("known keys: {}", allowed.join(", ")));
                }
                self.report(diagnostic);
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
        at: Option<Location>,
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
    ) -> Option<(&'d DeValue<'d>, Option<Location>)> {
        let entry = fields.get(key)?;
        match entry.as_value() {
            Some(value) => Some((value, self.value_at(&entry))),
            None => {
                self.wrong_type(
                    key,
                    &fields.context,
                    expected,
                    describe_item(&entry),
                    self.value_at(&entry),
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
        value: &'d DeValue<'d>,
        at: Option<Location>,
        key: &str,
        context: &str,
        expected: &str,
    ) -> Option<Spanned<&'d str>> {
        match value.as_str() {
            Some(text) => Some(Spanned { value: text, at }),
            None => {
                self.wrong_type(key, context, expected, describe(value), at);
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
        value: &DeValue<'_>,
        at: Option<Location>,
        key: &str,
        context: &str,
        expected: &str,
    ) -> Option<Spanned<f64>> {
        let number = integer(value)
            .map(|integer| integer as f64)
            .or_else(|| float(value));
        match number {
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
                self.wrong_type(key, context, expected, describe(value), at);
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
                    describe(value),
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
    ) -> Option<Vec<(&'d DeValue<'d>, Option<Location>)>> {
        let (value, at) = self.value(fields, key, expected)?;
        match value.as_array() {
            Some(array) => Some(
                array
                    .iter()
                    .map(|element| (element.get_ref(), self.node_at(element)))
                    .collect(),
            ),
            None => {
                self.wrong_type(key, &fields.context, expected, describe(value), at);
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
        value: &DeValue<'_>,
        at: Option<Location>,
        key: &str,
        context: &str,
        expected: &str,
    ) -> Option<DateValue> {
        match value {
            DeValue::Datetime(datetime) => {
                if datetime.offset.is_some() {
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
                let date = datetime.date.and_then(|date| {
                    NaiveDate::from_ymd_opt(
                        i32::from(date.year),
                        u32::from(date.month),
                        u32::from(date.day),
                    )
                });
                let Some(date) = date else {
                    self.error(
                        "malformed-date",
                        at,
                        format!(
                            "`{key}` in {context} must be {expected}, found {}",
                            describe(value)
                        ),
                    );
                    return None;
                };
                match datetime.time {
                    None => Some(DateValue::Day(date)),
                    Some(clock) => {
                        let time = chrono::NaiveTime::from_hms_opt(
                            u32::from(clock.hour),
                            u32::from(clock.minute),
                            u32::from(clock.second.unwrap_or(0).min(59)),
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
            DeValue::String(text) => {
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
                self.wrong_type(key, context, expected, describe(other), at);
                None
            }
        }
    }
}
