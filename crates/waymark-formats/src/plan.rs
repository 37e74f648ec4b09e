//! The plan TOML reader: `*.plan.toml` text in, a [`Plan`] out, or every problem found.
//!
//! The format is documented in `docs/plan-format.md`. Reading never stops at the first problem:
//! each section is read as far as it can be, every problem becomes a [`Diagnostic`] with the
//! line and column of the key or value a person has to change, and the plan is returned only when
//! no error was found. References (parents, links, calendars, resources, owners) are resolved to
//! indices here, so the engine never looks anything up by name. Checks that need a schedule
//! (dependency cycles, missed deadlines) belong to the engine, not to this module; it must not
//! read files or the clock either.

pub(crate) mod writer;

pub use writer::write;

use crate::duration::{self, Amount, DurationError, Scale};
use crate::{Loaded, ReadResult};
use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::Cell;
use toml::de::{DeTable, DeValue};
use waymark_core::calendar::{CalendarError, DayHours};
use waymark_core::time::{self, Instant, DAY};
use waymark_core::{
    Assignment, Calendar, CalendarException, CalendarId, Constraint, ConstraintKind, Diagnostic,
    Distribution, Edge, Interval, Lag, Link, LinkKind, Location, Plan, Project, Resource,
    ResourceId, ResourceKind, Risk, RiskResponse, RiskStatus, Severity, Task, TaskId, TaskStatus,
    WorkCalendar,
};

/// Read a plan file. Returns the plan with its warnings, or every problem found (at least one of
/// them an error), sorted by position in the file.
///
/// The text is read in Unicode normalisation form C (NFC), so an id typed with a precomposed
/// `é` and a reference typed with `e` and a combining accent (as some editors and file systems
/// save it) are the same id. Locations still count the characters of the text as given.
pub fn read_plan(source: &str) -> ReadResult {
    let normalized = nfc(source);
    let mut reader = Reader::new(&normalized);
    if matches!(normalized, std::borrow::Cow::Owned(_)) {
        reader.original = Some(source);
    }
    let plan = reader.read();
    let mut diagnostics = reader.diagnostics;
    // Sort by position so the output reads top to bottom; problems without a place go last.
    diagnostics.sort_by_key(|d| {
        d.location
            .map_or((u32::MAX, u32::MAX), |l| (l.line, l.column))
    });
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    match plan {
        Some(plan) if !failed => Ok(Loaded {
            plan,
            warnings: diagnostics,
        }),
        _ => Err(diagnostics),
    }
}

/// `text` in Unicode normalisation form C; borrowed when it already is (all ASCII text is).
fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    }
}

/// The column (0-based, in characters) in `original_line` of the character at `column` of the
/// line's NFC form. Normalisation never joins or splits lines, so only columns need mapping: the
/// answer is the longest prefix of the original whose NFC form is at most `column` characters
/// (an `e` and its combining accent are one character of the NFC form, two of the original).
fn original_column(original_line: &str, column: usize) -> usize {
    use unicode_normalization::UnicodeNormalization;
    let ends = original_line
        .char_indices()
        .map(|(offset, _)| offset)
        .skip(1)
        .chain([original_line.len()]);
    std::iter::once(0)
        .chain(ends)
        .enumerate()
        .filter(|&(_, end)| original_line[..end].nfc().count() <= column)
        .map(|(count, _)| count)
        .last()
        .unwrap_or(0)
}

/// A link being read: the predecessor's id borrowed from the file, the link type and the lag.
struct LinkRef<'t> {
    task: &'t str,
    kind: LinkKind,
    lag: Lag,
}

/// A link as written in `after`: the predecessor's id, the link type and the lag.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkSpec {
    pub task: String,
    pub kind: LinkKind,
    pub lag: Lag,
}

/// Parse link text `TASK [FS|SS|FF|SF][+|-LAG]`: `design`, `design FS`, `kickoff SS+2d`,
/// `review FF-1d`, `design +2d` (FS implied), `build FS+50%` (a share of the predecessor's
/// duration), `pour FS+2ed` (elapsed). The type is case-insensitive. Errors are messages for a
/// `malformed-link` diagnostic.
pub fn parse_link(text: &str, scale: &Scale) -> Result<LinkSpec, String> {
    parse_link_in(text, scale).map(|(task, kind, lag)| LinkSpec {
        task: task.to_string(),
        kind,
        lag,
    })
}

/// [`parse_link`] borrowing the predecessor's id from `text`: the reader parses one link per
/// `after` entry (300,000 in a large plan) and needs the id only to look it up.
fn parse_link_in<'t>(text: &'t str, scale: &Scale) -> Result<(&'t str, LinkKind, Lag), String> {
    let trimmed = text.trim();
    let split = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
    let (task, rest) = trimmed.split_at(split);
    if task.is_empty() {
        return Err(
            "empty link: write the id of the predecessor task, e.g. `design` or `design FS+2d`"
                .to_string(),
        );
    }
    let mut rest = rest.trim_start();
    let mut kind = LinkKind::FinishToStart;
    if let Some(code) = rest.get(..2) {
        let found = match code.to_ascii_uppercase().as_str() {
            "FS" => Some(LinkKind::FinishToStart),
            "SS" => Some(LinkKind::StartToStart),
            "FF" => Some(LinkKind::FinishToFinish),
            "SF" => Some(LinkKind::StartToFinish),
            _ => None,
        };
        if let Some(found) = found {
            kind = found;
            rest = rest.get(2..).unwrap_or("").trim_start();
        }
    }
    let lag = if rest.is_empty() {
        Lag::Working(0)
    } else {
        let (sign, amount) = if let Some(amount) = rest.strip_prefix('+') {
            (1, amount.trim())
        } else if let Some(amount) = rest.strip_prefix('-') {
            (-1, amount.trim())
        } else {
            return Err(format!(
                "malformed link `{trimmed}`: after the task id write a link type FS, SS, FF or SF \
                 and/or a signed lag, e.g. `{task} SS+2d` or `{task} -1d`"
            ));
        };
        parse_lag(amount, sign, scale).ok_or_else(|| {
            format!(
                "malformed lag `{amount}` in link `{trimmed}`: use a number and a unit (working \
                 m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's \
                 duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`"
            )
        })?
    };
    if let Lag::Percent(share) = lag {
        if share.abs() * 100.0 > duration::MAX_LAG_PERCENT {
            return Err(format!(
                "lag `{}` in link `{trimmed}` is too large: a percentage lag may be at most \
                 {}% of the predecessor's duration",
                rest.trim(),
                duration::MAX_LAG_PERCENT
            ));
        }
    }
    Ok((task, kind, lag))
}

fn parse_lag(amount: &str, sign: i64, scale: &Scale) -> Option<Lag> {
    if let Some(number) = amount.strip_suffix('%') {
        let number = number.trim();
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        let percent: f64 = number.parse().ok()?;
        return percent
            .is_finite()
            .then_some(Lag::Percent(sign as f64 * percent / 100.0));
    }
    match duration::parse(amount, scale).ok()? {
        Amount::Working(minutes) => Some(Lag::Working(sign * minutes)),
        Amount::Elapsed(minutes) => Some(Lag::Elapsed(sign * minutes)),
    }
}

/// The keys each table may hold.
const TOP_KEYS: &[&str] = &["project", "calendars", "resources", "tasks", "risks"];
const PROJECT_KEYS: &[&str] = &[
    "name",
    "start",
    "status_date",
    "deadline",
    "calendar",
    "currency",
    "wip_limits",
];
const CALENDAR_KEYS: &[&str] = &[
    "name",
    "base",
    "days",
    "hours",
    "week",
    "holidays",
    "exceptions",
];
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const EXCEPTION_KEYS: &[&str] = &["date", "from", "to", "hours"];
const RESOURCE_KEYS: &[&str] = &["name", "kind", "role", "units", "rate", "calendar"];
const TASK_KEYS: &[&str] = &[
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
const RISK_KEYS: &[&str] = &[
    "title",
    "probability",
    "tasks",
    "factor",
    "delay",
    "owner",
    "response",
    "status",
];
/// The board columns that `wip_limits` may limit (the keys of [`TaskStatus`]).
const WIP_COLUMNS: [&str; 3] = ["not_started", "in_progress", "done"];
/// The largest work-in-progress limit: beyond it a limit limits nothing.
const WIP_LIMIT_MAX: i64 = 10_000;
const CONSTRAINT_KINDS: [ConstraintKind; 6] = [
    ConstraintKind::StartNoEarlierThan,
    ConstraintKind::StartNoLaterThan,
    ConstraintKind::FinishNoEarlierThan,
    ConstraintKind::FinishNoLaterThan,
    ConstraintKind::MustStartOn,
    ConstraintKind::MustFinishOn,
];

/// Exception and holiday dates must fall in these years: the compiled calendar keeps one entry
/// per day between its first and last exception, so a typo like `0207-01-01` must not make it
/// allocate two thousand years of days.
const EXCEPTION_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A date as written: a whole day, or a local date-time.
#[derive(Clone, Copy, Debug, PartialEq)]
enum DateValue {
    Day(NaiveDate),
    At(NaiveDateTime),
}

/// What a date-only value means for a field.
#[derive(Clone, Copy, Debug, PartialEq)]
enum DateRole {
    /// The first working instant of the day.
    Start,
    /// The end of the day's working time.
    Finish,
    /// The end of the day (midnight after it): work on that day counts as done.
    Status,
}

/// Turn a written date into an instant, on `calendar` when the field is date-only.
fn resolve_date(date: DateValue, role: DateRole, calendar: Option<&WorkCalendar>) -> Instant {
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
fn show(instant: Instant) -> String {
    chrono::TimeDelta::try_minutes(instant)
        .and_then(|delta| time::datetime(0).checked_add_signed(delta))
        .map_or_else(
            || format!("minute {instant}"),
            |datetime| datetime.format("%Y-%m-%d %H:%M").to_string(),
        )
}

/// A parsed TOML value with the byte range it was written at.
type Node<'d> = toml::Spanned<DeValue<'d>>;

/// A TOML table as parsed, and whether it was written inline (`{ ... }`, or a dotted key inside
/// one): `toml::de` keeps no such flag, and wrong-type messages name the kind of table.
#[derive(Clone, Copy)]
struct Table<'d> {
    map: &'d DeTable<'d>,
    inline: bool,
}

impl<'d> Table<'d> {
    fn entries(self) -> impl Iterator<Item = Entry<'d>> {
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
enum Shape {
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
struct Entry<'d> {
    key: &'d str,
    /// Byte offset of the key (the last part of a dotted key or header path).
    key_start: usize,
    item: &'d Node<'d>,
    /// Whether the table holding the key was written inline.
    inline: bool,
}

impl<'d> Entry<'d> {
    /// `toml::de` does not say whether a table came from a header or `{ ... }`, nor an array from
    /// `[[header]]` or `[ ... ]`; the spans do. A value written after `key =` starts after its key;
    /// a `[header]` or `[[header]]` table's span is the header, which starts before the last key
    /// in it; an implicit table (`[a.b]` makes `a`, `a.b = 1` makes `a`) has its key's span.
    fn shape(&self) -> Shape {
        let start = self.item.span().start;
        match self.item.get_ref() {
            DeValue::Table(_) if !self.inline && start <= self.key_start => Shape::Table,
            DeValue::Array(_) if !self.inline && start < self.key_start => Shape::ArrayOfTables,
            _ => Shape::Value,
        }
    }

    /// The value of a key written as a plain value (not a `[table]` or `[[array]]`).
    fn as_value(&self) -> Option<&'d DeValue<'d>> {
        (self.shape() == Shape::Value).then(|| self.item.get_ref())
    }

    /// The table of a key that holds one, written either way.
    fn as_table(&self) -> Option<Table<'d>> {
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
struct Fields<'d> {
    entries: Vec<Entry<'d>>,
    /// E.g. "task `build-api`".
    context: String,
    /// Where the table itself was declared.
    at: Option<Location>,
}

impl<'d> Fields<'d> {
    fn get(&self, key: &str) -> Option<Entry<'d>> {
        self.entries.iter().find(|entry| entry.key == key).copied()
    }
}

/// A value with its location.
#[derive(Clone, Copy, Debug)]
struct Spanned<T> {
    value: T,
    at: Option<Location>,
}

/// "an integer", "a string", ... for wrong-type messages. Tables among values (array elements,
/// values after `key =`) are inline tables.
fn describe(value: &DeValue<'_>) -> &'static str {
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

fn describe_item(entry: &Entry<'_>) -> &'static str {
    match entry.shape() {
        Shape::Value => describe(entry.item.get_ref()),
        Shape::Table => "a table",
        Shape::ArrayOfTables => "an array of tables",
    }
}

/// A TOML integer as an `i64`. The parser keeps the digits; the reader rejects a file whose
/// integers do not fit before reading it ([`number_problem`]).
fn integer(value: &DeValue<'_>) -> Option<i64> {
    match value {
        DeValue::Integer(integer) => i64::from_str_radix(integer.as_str(), integer.radix()).ok(),
        _ => None,
    }
}

/// A TOML float as an `f64` (`inf` and `nan` included), `None` when it does not fit.
fn float(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Float(float) => {
            let text = float.as_str();
            let number: f64 = text.parse().ok()?;
            (!number.is_infinite() || text.contains("inf")).then_some(number)
        }
        _ => None,
    }
}

/// The first number in a value that TOML cannot represent (an integer beyond 64 bits, a float
/// too large for 64 bits): its byte offset and the message. `toml::de` keeps numbers as text, so
/// this is checked here; the file is then not valid TOML.
fn number_problem(node: &Node<'_>) -> Option<(usize, String)> {
    match node.get_ref() {
        DeValue::Integer(number) if integer(node.get_ref()).is_none() => Some((
            node.span().start,
            format!("integer `{number}` does not fit in 64 bits (at most 9223372036854775807)"),
        )),
        DeValue::Float(number) if float(node.get_ref()).is_none() => Some((
            node.span().start,
            format!("float `{}` is too large for 64 bits", number.as_str()),
        )),
        DeValue::Array(array) => array.iter().find_map(number_problem),
        DeValue::Table(table) => table.values().find_map(number_problem),
        _ => None,
    }
}

/// A TOML syntax error as a byte offset and a message: the parser's own words, and for a
/// duplicate key the key and its table, at the start of the key or header line as before.
fn syntax_problem(source: &str, error: &toml::de::Error) -> (usize, String) {
    let span = error.span().unwrap_or(0..0);
    let message = error.message();
    if message != "duplicate key" {
        return (span.start, message.to_string());
    }
    let key = source.get(span.clone()).unwrap_or("").trim();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    let line_start = source
        .get(..span.start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |newline| newline + 1);
    let before = source.get(line_start..span.start).unwrap_or("");
    let indent = before.len() - before.trim_start().len();
    let first = line_start + indent;
    let before = before.trim_start();
    if let Some(header) = before.strip_prefix('[').filter(|_| !before.contains('=')) {
        // A table header names a table that exists already.
        let path = table_path(
            header
                .trim_start_matches('[')
                .trim_end()
                .trim_end_matches('.'),
        );
        return (
            first,
            format!("invalid table header; duplicate key `{key}` in {path}"),
        );
    }
    if before.contains(['=', '{', ',']) {
        // Inside an inline table.
        return (span.start, format!("duplicate key `{key}`"));
    }
    // A `key = value` line: its table is the last header above it.
    let header = source
        .get(..line_start)
        .unwrap_or("")
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| line.starts_with('[') && !line.contains('='))
        .map_or("", |line| {
            let line = line.split('#').next().unwrap_or(line).trim();
            line.trim_start_matches('[').trim_end_matches(']').trim()
        });
    (
        first,
        format!("duplicate key `{key}` in {}", table_path(header)),
    )
}

/// "table `a.b`" from header text, or "document root".
fn table_path(header: &str) -> String {
    let parts: Vec<&str> = header
        .split('.')
        .map(|part| part.trim().trim_matches(['"', '\'']))
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() {
        "document root".to_string()
    } else {
        format!("table `{}`", parts.join("."))
    }
}

/// Edit distance with adjacent transpositions (optimal string alignment), case-insensitive.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let value = if i == 0 {
                j
            } else if j == 0 {
                i
            } else {
                let same = a.get(i - 1) == b.get(j - 1);
                let mut best = (table.get(at(i - 1, j)).copied().unwrap_or(0) + 1)
                    .min(table.get(at(i, j - 1)).copied().unwrap_or(0) + 1)
                    .min(table.get(at(i - 1, j - 1)).copied().unwrap_or(0) + usize::from(!same));
                if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                    best = best.min(table.get(at(i - 2, j - 2)).copied().unwrap_or(0) + 1);
                }
                best
            };
            if let Some(slot) = table.get_mut(at(i, j)) {
                *slot = value;
            }
        }
    }
    table
        .get(at(a.len(), b.len()))
        .copied()
        .unwrap_or(usize::MAX)
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
fn suggest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let length = word.chars().count();
    // Long words are not typos of ids, and comparing them costs quadratic time.
    if length > 64 {
        return None;
    }
    let limit = (length / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|candidate| candidate.chars().count().abs_diff(length) <= limit)
        .map(|candidate| (distance(word, candidate), candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// "; did you mean `x`?" or nothing.
fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    suggest(word, candidates)
        .map(|found| format!("; did you mean `{found}`?"))
        .unwrap_or_default()
}

/// A task while it is being read, before outline order is known.
struct Draft<'d> {
    task: Task,
    key_at: Option<Location>,
    parent: Option<Spanned<&'d str>>,
    after: Vec<Spanned<&'d str>>,
    duration: Option<Spanned<i64>>,
    estimate: Option<Spanned<[i64; 3]>>,
    /// Whether some duration-like key was written but refused (no "has no duration" then).
    duration_refused: bool,
    milestone_at: Option<Location>,
    progress_given: bool,
    constraint_at: Vec<(ConstraintKind, Option<Location>)>,
}

/// How a calendar's week was written, before its base calendar is known.
#[derive(Default)]
struct WeekSpec {
    days: Option<Vec<usize>>,
    hours: Option<DayHours>,
    week: [Option<DayHours>; 7],
}

struct Reader<'s> {
    source: &'s str,
    /// The text as given, when `source` is its NFC form and differs from it (for locations).
    original: Option<&'s str>,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
    /// The line (1-based) of the last offset [`Reader::location`] looked up: the reader asks in
    /// nearly file order, so the next answer is almost always this line or the next one.
    last_line: Cell<usize>,
    diagnostics: Vec<Diagnostic>,
}

impl<'s> Reader<'s> {
    fn new(source: &'s str) -> Reader<'s> {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(offset, _)| offset + 1));
        Reader {
            source,
            original: None,
            line_starts,
            last_line: Cell::new(1),
            diagnostics: Vec::new(),
        }
    }

    /// Line and column (in characters) of a byte offset.
    fn location(&self, offset: usize) -> Location {
        let mut offset = offset.min(self.source.len());
        while offset > 0 && !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let mut column = self
            .source
            .get(start..offset)
            .map_or(0, |text| text.chars().count());
        if let Some(original) = self.original {
            let original_line = original
                .split('\n')
                .nth(line.saturating_sub(1))
                .unwrap_or_default();
            column = original_column(original_line, column);
        }
        Location {
            line: u32::try_from(line.max(1)).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The number of lines that start at or before `offset` (its 1-based line), trying the
    /// line of the previous lookup and the one after it before a binary search.
    fn line_of(&self, offset: usize) -> usize {
        let on_line = |line: usize| {
            line >= 1
                && self
                    .line_starts
                    .get(line - 1)
                    .is_some_and(|&start| start <= offset)
                && self.line_starts.get(line).is_none_or(|&next| offset < next)
        };
        let last = self.last_line.get();
        let line = if on_line(last) {
            last
        } else if on_line(last + 1) {
            last + 1
        } else {
            self.line_starts.partition_point(|&start| start <= offset)
        };
        self.last_line.set(line);
        line
    }

    /// Where the key of an entry was written.
    fn key_at(&self, entry: &Entry<'_>) -> Option<Location> {
        Some(self.location(entry.key_start))
    }

    /// Where the value of an entry was written: for a `[table]` its header, for a table made
    /// implicitly its key.
    fn value_at(&self, entry: &Entry<'_>) -> Option<Location> {
        self.node_at(entry.item)
    }

    fn node_at(&self, node: &Node<'_>) -> Option<Location> {
        Some(self.location(node.span().start))
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn error(&mut self, code: &'static str, at: Option<Location>, message: impl Into<String>) {
        self.report(Diagnostic::error(code, message).at(at));
    }

    fn warning(&mut self, code: &'static str, at: Option<Location>, message: impl Into<String>) {
        self.report(Diagnostic::warning(code, message).at(at));
    }

    /// The keys of a table; keys not in `allowed` are reported.
    fn fields<'d>(
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

    fn wrong_type(
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
    fn value<'d>(
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

    fn string<'d>(
        &mut self,
        fields: &Fields<'d>,
        key: &str,
        expected: &str,
    ) -> Option<Spanned<&'d str>> {
        let (value, at) = self.value(fields, key, expected)?;
        self.string_of(value, at, key, &fields.context, expected)
    }

    fn string_of<'d>(
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

    fn number(&mut self, fields: &Fields<'_>, key: &str, expected: &str) -> Option<Spanned<f64>> {
        let (value, at) = self.value(fields, key, expected)?;
        self.number_of(value, at, key, &fields.context, expected)
    }

    fn number_of(
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

    fn boolean(&mut self, fields: &Fields<'_>, key: &str) -> Option<Spanned<bool>> {
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
    fn array<'d>(
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
    fn strings<'d>(
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

    fn date(&mut self, fields: &Fields<'_>, key: &str) -> Option<Spanned<DateValue>> {
        let expected = "a date like 2027-01-04 or a date-time like 2027-01-04T09:00:00";
        let (value, at) = self.value(fields, key, expected)?;
        self.date_of(value, at, key, &fields.context, expected)
            .map(|value| Spanned { value, at })
    }

    fn date_of(
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

    /// Working hours such as `["08:00-12:00", "13:00-17:00"]`.
    fn hours_of(
        &mut self,
        value: &DeValue<'_>,
        at: Option<Location>,
        key: &str,
        context: &str,
    ) -> Option<DayHours> {
        let expected = "a list of working hours like [\"08:00-12:00\", \"13:00-17:00\"]";
        let Some(array) = value.as_array() else {
            self.wrong_type(key, context, expected, describe(value), at);
            return None;
        };
        let mut hours = Vec::new();
        let mut ok = true;
        for element in array.iter() {
            let element_at = self.node_at(element);
            let Some(text) = self.string_of(element.get_ref(), element_at, key, context, expected)
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

    fn read(&mut self) -> Option<Plan> {
        let document = match DeTable::parse(self.source) {
            Ok(document) => document,
            Err(error) => {
                // The parser's first error is the first it met, not always the first in the
                // file (strings are checked after the structure); name the earliest one, as a
                // person reads top to bottom.
                let (_, errors) = DeTable::parse_recoverable(self.source);
                let error = errors
                    .into_iter()
                    .min_by_key(|error| error.span().map_or(usize::MAX, |span| span.start))
                    .unwrap_or(error);
                let (offset, message) = syntax_problem(self.source, &error);
                let at = Some(self.location(offset));
                self.error("toml-syntax", at, format!("invalid TOML: {message}"));
                return None;
            }
        };
        if let Some((offset, message)) = document.get_ref().values().find_map(number_problem) {
            let at = Some(self.location(offset));
            self.error("toml-syntax", at, format!("invalid TOML: {message}"));
            return None;
        }
        let root = Table {
            map: document.get_ref(),
            inline: false,
        };
        let top = self.fields(root, TOP_KEYS, "the plan (top level)".to_string(), None);
        let project_table = self.section(&top, "project");
        let calendar_tables = self.section(&top, "calendars");
        let resource_tables = self.section(&top, "resources");
        let task_tables = self.section(&top, "tasks");
        let risk_tables = self.section(&top, "risks");

        let (calendars, weeks, compiled) = self.read_calendars(calendar_tables.as_ref());
        let calendar_ids: FxHashMap<&str, usize> = calendars
            .iter()
            .enumerate()
            .map(|(index, calendar)| (calendar.id.as_str(), index))
            .collect();

        let project = match &project_table {
            Some(table) => self.read_project(table, &calendars, &calendar_ids, &compiled, &weeks),
            None => {
                // A `project` key of the wrong type was reported already.
                if top.get("project").is_none() {
                    self.error(
                    "missing-key",
                    Some(Location { line: 1, column: 1 }),
                    "the plan has no [project] table; add one with at least `start = 2027-01-04`",
                );
                }
                Project::default()
            }
        };
        let scale = Scale::of_project(&project);

        let resources = self.read_resources(resource_tables.as_ref(), &calendar_ids);
        let resource_ids: FxHashMap<&str, usize> = resources
            .iter()
            .enumerate()
            .map(|(index, resource)| (resource.id.as_str(), index))
            .collect();

        let context = Context {
            project: &project,
            scale,
            calendar_ids: &calendar_ids,
            compiled: &compiled,
            resource_ids: &resource_ids,
        };
        let (tasks, links) = self.read_tasks(task_tables.as_ref(), &context);
        let task_ids: FxHashMap<&str, usize> = tasks
            .iter()
            .enumerate()
            .map(|(index, task)| (task.id.as_str(), index))
            .collect();
        let risks = self.read_risks(risk_tables.as_ref(), &context, &task_ids);

        Some(Plan {
            project,
            calendars,
            resources,
            tasks,
            links,
            risks,
        })
    }

    /// A top-level section: a table of tables keyed by id.
    fn section<'d>(&mut self, top: &Fields<'d>, key: &str) -> Option<Section<'d>> {
        let entry = top.get(key)?;
        match entry.as_table() {
            Some(table) => Some(Section {
                table,
                at: self.key_at(&entry),
            }),
            None => {
                let example = if key == "project" {
                    "a table, e.g. `[project]`".to_string()
                } else {
                    format!("a table of tables, e.g. `[{key}.some-id]`")
                };
                self.wrong_type(
                    key,
                    "the plan",
                    &example,
                    describe_item(&entry),
                    self.value_at(&entry),
                );
                None
            }
        }
    }

    /// The entries of a section, each of which must be a table.
    fn members<'d>(
        &mut self,
        section: Option<&Section<'d>>,
        kind: &str,
    ) -> Vec<(&'d str, Table<'d>, Option<Location>)> {
        let Some(section) = section else {
            return Vec::new();
        };
        let mut members = Vec::with_capacity(section.table.map.len());
        for entry in section.table.entries() {
            let id = entry.key;
            let at = self.key_at(&entry).or(section.at);
            match entry.as_table() {
                Some(table) => members.push((id, table, at)),
                None => self.error(
                    "wrong-type",
                    at,
                    format!(
                        "{kind} `{id}` must be a table of keys, e.g. `[{}.{id}]`, found {}",
                        section_name(kind),
                        describe_item(&entry)
                    ),
                ),
            }
        }
        members
    }

    fn read_calendars(
        &mut self,
        section: Option<&Section<'_>>,
    ) -> (Vec<Calendar>, Vec<[DayHours; 7]>, Vec<Option<WorkCalendar>>) {
        let members = self.members(section, "calendar");
        let mut calendars: Vec<Calendar> = Vec::new();
        let mut specs: Vec<WeekSpec> = Vec::new();
        let mut bases: Vec<Option<Spanned<&str>>> = Vec::new();
        let mut locations: Vec<Option<Location>> = Vec::new();
        if !members.iter().any(|(id, _, _)| *id == "standard") {
            let standard = Calendar::standard();
            specs.push(WeekSpec {
                week: standard.week.clone(),
                ..WeekSpec::default()
            });
            calendars.push(standard);
            bases.push(None);
            locations.push(None);
        }
        for (id, table, at) in members {
            let fields = self.fields(table, CALENDAR_KEYS, format!("calendar `{id}`"), at);
            let (calendar, spec, base) = self.read_calendar(id, &fields);
            calendars.push(calendar);
            specs.push(spec);
            bases.push(base);
            locations.push(at);
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
                        .at(at)
                        .with_help("give at least one day working hours, e.g. `days = [\"mon\"]` and `hours = [\"08:00-12:00\"]`"),
                    ),
                    // Cycles were reported and broken above.
                    CalendarError::BaseCycle(_) => {}
                }
            }
            compiled.push(result.ok());
        }
        (calendars, weeks, compiled)
    }

    fn read_calendar<'d>(
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
                        self.key_at(&entry),
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
                    describe_item(&entry),
                    self.value_at(&entry),
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
            let tables: Vec<(Table<'_>, Option<Location>)> =
                match (entry.shape(), entry.item.get_ref()) {
                    (Shape::ArrayOfTables | Shape::Value, DeValue::Array(array)) => {
                        // Tables of `[[...exceptions]]` headers, or inline tables in an array.
                        let inline = entry.shape() == Shape::Value;
                        let mut tables = Vec::new();
                        for element in array.iter() {
                            let at = self.node_at(element);
                            match element.get_ref() {
                                DeValue::Table(map) => tables.push((Table { map, inline }, at)),
                                other => self.wrong_type(
                                    "exceptions",
                                    &context,
                                    expected,
                                    describe(other),
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
                            describe_item(&entry),
                            self.value_at(&entry),
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

    fn read_exception(
        &mut self,
        table: Table<'_>,
        at: Option<Location>,
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

    fn exception_day(&mut self, fields: &Fields<'_>, key: &str) -> Option<NaiveDate> {
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

    fn check_exception_year(
        &mut self,
        day: NaiveDate,
        at: Option<Location>,
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
    fn day_range(
        &mut self,
        value: &DeValue<'_>,
        at: Option<Location>,
        context: &str,
    ) -> Option<(NaiveDate, NaiveDate)> {
        let expected = "a date like 2027-01-01 or a range like \"2027-04-02..2027-04-05\"";
        let (from, to) = match value {
            DeValue::String(text) => {
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
            DeValue::Datetime(_) => match self.date_of(value, at, "holidays", context, expected)? {
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
                self.wrong_type("holidays", context, expected, describe(other), at);
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

    fn calendar_ref(
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

    fn read_project(
        &mut self,
        section: &Section<'_>,
        calendars: &[Calendar],
        calendar_ids: &FxHashMap<&str, usize>,
        compiled: &[Option<WorkCalendar>],
        weeks: &[[DayHours; 7]],
    ) -> Project {
        let fields = self.fields(
            section.table,
            PROJECT_KEYS,
            "[project]".to_string(),
            section.at,
        );
        let mut project = Project {
            location: section.at,
            ..Project::default()
        };
        if let Some(name) = self.string(&fields, "name", "a string") {
            project.name = name.value.to_string();
        }
        if let Some(currency) = self.string(&fields, "currency", "a currency code like \"EUR\"") {
            project.currency = Some(currency.value.to_string());
        }
        let standard = calendars
            .iter()
            .position(|c| c.id == "standard")
            .unwrap_or(0);
        project.calendar = CalendarId(
            self.calendar_ref(&fields, calendar_ids, "the project")
                .unwrap_or(standard),
        );
        // A `d` is the project calendar's average working day: its weekly working minutes over
        // the number of days that have working hours of their own.
        if let Some(week) = weeks.get(project.calendar.0) {
            let working_days = week.iter().filter(|day| !day.is_empty()).count() as i64;
            let minutes: i64 = week
                .iter()
                .flatten()
                .map(|interval| interval.minutes())
                .sum();
            if working_days > 0 && minutes > 0 {
                let per_day = (minutes as f64 / working_days as f64).round() as i64;
                let scale = Scale::of_day(per_day);
                project.minutes_per_day = scale.minutes_per_day;
                project.minutes_per_week = scale.minutes_per_week;
                project.days_per_month = scale.days_per_month;
            }
        }
        let calendar = compiled.get(project.calendar.0).and_then(Option::as_ref);
        match self.date(&fields, "start") {
            Some(start) => project.start = resolve_date(start.value, DateRole::Start, calendar),
            None if fields.get("start").is_none() => self.error(
                "missing-key",
                fields.at,
                "[project] has no `start`; add the first day of work, e.g. `start = 2027-01-04`",
            ),
            None => {}
        }
        if let Some(date) = self.date(&fields, "status_date") {
            project.status_date = Some(resolve_date(date.value, DateRole::Status, calendar));
        }
        if let Some(date) = self.date(&fields, "deadline") {
            project.deadline = Some(resolve_date(date.value, DateRole::Finish, calendar));
        }
        self.read_wip_limits(&fields, &mut project);
        project
    }

    /// `wip_limits = { in_progress = 4 }`: a positive whole number per board column.
    fn read_wip_limits(&mut self, fields: &Fields<'_>, project: &mut Project) {
        let Some(entry) = fields.get("wip_limits") else {
            return;
        };
        let expected =
            "a table of board columns and limits, e.g. `wip_limits = { in_progress = 4 }`";
        let Some(table) = entry.as_table() else {
            self.wrong_type(
                "wip_limits",
                &fields.context,
                expected,
                describe_item(&entry),
                self.value_at(&entry),
            );
            return;
        };
        let limits = self.fields(
            table,
            &WIP_COLUMNS,
            "`wip_limits` of [project]".to_string(),
            self.key_at(&entry),
        );
        for column in TaskStatus::ALL {
            let key = column.key();
            let Some((value, at)) = self.value(&limits, key, "a whole number like 4") else {
                continue;
            };
            match integer(value) {
                Some(limit) if (1..=WIP_LIMIT_MAX).contains(&limit) => {
                    project.wip_limits.insert(column, limit as u32);
                }
                Some(limit) => self.error(
                    "out-of-range",
                    at,
                    format!(
                        "`{key}` in `wip_limits` of [project] must be from 1 to {WIP_LIMIT_MAX}, found {limit}"
                    ),
                ),
                None => self.wrong_type(
                    key,
                    &limits.context,
                    "a whole number like 4",
                    describe(value),
                    at,
                ),
            }
        }
    }

    fn read_resources(
        &mut self,
        section: Option<&Section<'_>>,
        calendar_ids: &FxHashMap<&str, usize>,
    ) -> Vec<Resource> {
        let members = self.members(section, "resource");
        let mut resources = Vec::new();
        for (id, table, at) in members {
            let owner = format!("resource `{id}`");
            let fields = self.fields(table, RESOURCE_KEYS, owner.clone(), at);
            let mut resource = Resource {
                id: id.to_string(),
                name: id.to_string(),
                units: 1.0,
                location: at,
                ..Resource::default()
            };
            if let Some(name) = self.string(&fields, "name", "a string") {
                resource.name = name.value.to_string();
            }
            if let Some(role) = self.string(&fields, "role", "a string") {
                resource.role = Some(role.value.to_string());
            }
            if let Some(units) = self.number(&fields, "units", "a number like 1.0 or 0.5") {
                if units.value > 0.0 {
                    resource.units = units.value;
                } else {
                    self.error(
                        "out-of-range",
                        units.at,
                        format!(
                            "`units` of {owner} must be more than 0 (1.0 is full time), found {}",
                            units.value
                        ),
                    );
                }
            }
            if let Some(rate) = self.number(
                &fields,
                "rate",
                "a number (cost per working hour) like 95.0",
            ) {
                if rate.value >= 0.0 {
                    resource.rate = Some(rate.value);
                } else {
                    self.error(
                        "out-of-range",
                        rate.at,
                        format!(
                            "`rate` of {owner} must not be negative, found {}",
                            rate.value
                        ),
                    );
                }
            }
            resource.calendar = self
                .calendar_ref(&fields, calendar_ids, &owner)
                .map(CalendarId);
            if let Some(text) =
                self.string(&fields, "kind", "one of \"work\", \"material\", \"cost\"")
            {
                match text.value.to_ascii_lowercase().as_str() {
                    "work" => resource.kind = ResourceKind::Work,
                    "material" => resource.kind = ResourceKind::Material,
                    "cost" => resource.kind = ResourceKind::Cost,
                    other => {
                        let hint = did_you_mean(other, ["work", "material", "cost"]);
                        self.error(
                            "unknown-value",
                            text.at,
                            format!(
                                "unknown kind `{}` in {owner}: use work, material or cost{hint}",
                                text.value
                            ),
                        );
                    }
                }
            }
            resources.push(resource);
        }
        resources
    }

    fn read_tasks(
        &mut self,
        section: Option<&Section<'_>>,
        context: &Context<'_>,
    ) -> (Vec<Task>, Vec<Link>) {
        let members = self.members(section, "task");
        let mut ids: FxHashMap<&str, usize> = FxHashMap::default();
        ids.reserve(members.len());
        for (index, (id, _, _)) in members.iter().enumerate() {
            ids.insert(*id, index);
        }
        let mut drafts: Vec<Draft<'_>> = members
            .iter()
            .map(|(id, table, at)| self.read_task(id, *table, *at, context))
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

        // Links, by file index.
        let link_count: usize = drafts.iter().map(|draft| draft.after.len()).sum();
        let mut links: Vec<(usize, usize, LinkKind, Lag, Option<Location>)> =
            Vec::with_capacity(link_count);
        let mut seen: FxHashSet<(usize, usize, LinkKind)> = FxHashSet::default();
        seen.reserve(link_count);
        for (successor, draft) in drafts.iter().enumerate() {
            for text in &draft.after {
                let spec = match parse_link_in(text.value, &scale) {
                    Ok((task, kind, lag)) => LinkRef { task, kind, lag },
                    Err(message) => {
                        self.error("malformed-link", text.at, message);
                        continue;
                    }
                };
                let id = &draft.task.id;
                let Some(&predecessor) = ids.get(spec.task) else {
                    let hint = did_you_mean(spec.task, ids.keys().copied());
                    self.error(
                        "unknown-task",
                        text.at,
                        format!(
                            "task `{id}` is after `{}`, which does not exist{hint}",
                            spec.task
                        ),
                    );
                    continue;
                };
                if predecessor == successor {
                    self.error(
                        "self-link",
                        text.at,
                        format!("task `{id}` is linked to itself"),
                    );
                    continue;
                }
                let relation = if is_ancestor(&parents, predecessor, successor) {
                    Some("its own summary task")
                } else if is_ancestor(&parents, successor, predecessor) {
                    Some("its own subtask")
                } else {
                    None
                };
                if let Some(relation) = relation {
                    self.report(
                        Diagnostic::error(
                            "link-to-ancestor",
                            format!("task `{id}` is after `{}`, which is {relation}", spec.task),
                        )
                        .at(text.at)
                        .with_help("a summary task spans its subtasks; link tasks outside the summary instead"),
                    );
                    continue;
                }
                if !seen.insert((predecessor, successor, spec.kind)) {
                    self.warning(
                        "duplicate-link",
                        text.at,
                        format!(
                            "task `{id}` is after `{}` ({}) more than once; the repeat is ignored",
                            spec.task,
                            spec.kind.code()
                        ),
                    );
                    continue;
                }
                links.push((predecessor, successor, spec.kind, spec.lag, text.at));
            }
        }

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
            .map(|(predecessor, successor, kind, lag, location)| Link {
                predecessor: new_id(predecessor),
                successor: new_id(successor),
                kind,
                lag,
                location,
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
    fn outline_order(&mut self, parents: &mut [Option<usize>], drafts: &[Draft<'_>]) -> Vec<usize> {
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

    fn read_task<'d>(
        &mut self,
        id: &str,
        table: Table<'d>,
        at: Option<Location>,
        context: &Context<'_>,
    ) -> Draft<'d> {
        let owner = format!("task `{id}`");
        let fields = self.fields(table, TASK_KEYS, owner.clone(), at);
        let scale = context.scale;
        let mut task = Task {
            id: id.to_string(),
            name: id.to_string(),
            location: at,
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
        draft.duration_refused = table.map.keys().any(|key| {
            let key: &str = key.get_ref();
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
                let key_at = fields.get(key).and_then(|entry| self.key_at(&entry));
                draft.task.constraints.push(Constraint {
                    kind,
                    date: resolve_date(date.value, role, calendar),
                    location: key_at,
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
                    .at(fields.get("progress").and_then(|e| self.value_at(&e)))
                    .with_help("set `progress = 1` or leave it out, or remove `actual_finish`"),
                );
            } else {
                // A task that has finished is complete.
                draft.task.progress = 1.0;
            }
        }
        self.read_manual(&fields, &mut draft, calendar, &owner);
        if let Some(priority) = self.value(&fields, "priority", "a whole number from 0 to 1000") {
            match integer(priority.0) {
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
                    describe(priority.0),
                    priority.1,
                ),
            }
        }
        draft
    }

    /// `manual_start` and `manual_finish`: a manually scheduled task, fixed at those dates.
    fn read_manual(
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
                    let at = fields.get(present).and_then(|entry| self.key_at(&entry));
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

    fn duration_error(
        &mut self,
        error: &DurationError,
        at: Option<Location>,
        key: &str,
        owner: &str,
    ) {
        self.error(error.code(), at, format!("{error} (`{key}` of {owner})"));
    }

    /// Three working durations in ascending order (an estimate or a risk delay).
    fn three_durations(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        expected: &str,
        scale: &Scale,
    ) -> Option<Spanned<[i64; 3]>> {
        let (value, at) = self.value(fields, key, expected)?;
        let context = fields.context.clone();
        let Some(array) = value.as_array() else {
            self.wrong_type(key, &context, expected, describe(value), at);
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
            let element_at = self.node_at(element);
            let Some(text) = self.string_of(element.get_ref(), element_at, key, &context, expected)
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

    fn assignment(
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
    fn settle_duration(&mut self, draft: &mut Draft<'_>, summary: bool, scale: &Scale) {
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
                    .at(at)
                    .with_help("remove the duration, or remove `milestone = true`"),
                );
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
                    self.report(
                        Diagnostic::error(
                            "missing-duration",
                            format!("task `{}` has no duration", draft.task.id),
                        )
                        .at(draft.key_at)
                        .with_help(format!(
                            "add `duration = \"{}\"`, an `estimate` or `milestone = true`",
                            duration::format_working(5 * scale.minutes_per_day, scale)
                        )),
                    );
                }
            }
        }
    }

    /// Constraint combinations no start or finish can satisfy.
    fn check_constraints(&mut self, draft: &Draft<'_>, summary: bool, context: &Context<'_>) {
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
                        |(_, at)| at.map(|l| (l.line, l.column)),
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

    fn read_risks(
        &mut self,
        section: Option<&Section<'_>>,
        context: &Context<'_>,
        task_ids: &FxHashMap<&str, usize>,
    ) -> Vec<Risk> {
        let members = self.members(section, "risk");
        let mut risks = Vec::new();
        for (id, table, at) in members {
            let owner = format!("risk `{id}`");
            let fields = self.fields(table, RISK_KEYS, owner.clone(), at);
            let mut risk = Risk {
                id: id.to_string(),
                title: id.to_string(),
                probability: 0.0,
                tasks: Vec::new(),
                factor: None,
                delay: None,
                owner: None,
                response: None,
                status: RiskStatus::Open,
                location: at,
            };
            if let Some(title) = self.string(&fields, "title", "a string") {
                risk.title = title.value.to_string();
            }
            match self.number(&fields, "probability", "a number from 0 to 1, e.g. 0.3") {
                Some(p) if (0.0..=1.0).contains(&p.value) => risk.probability = p.value,
                Some(p) => self.error(
                    "out-of-range",
                    p.at,
                    format!("`probability` of {owner} must be from 0 to 1 (0.3 = 30 %), found {}", p.value),
                ),
                None if fields.get("probability").is_none() => self.error(
                    "missing-key",
                    at,
                    format!("{owner} has no `probability`; add one from 0 to 1, e.g. `probability = 0.3`"),
                ),
                None => {}
            }
            if let Some(list) =
                self.strings(&fields, "tasks", "a list of task ids like [\"build-api\"]")
            {
                for task in list {
                    match task_ids.get(task.value) {
                        Some(&index) => risk.tasks.push(TaskId(index)),
                        None => {
                            let hint = did_you_mean(task.value, task_ids.keys().copied());
                            self.error(
                                "unknown-task",
                                task.at,
                                format!(
                                    "{owner} affects task `{}`, which does not exist{hint}",
                                    task.value
                                ),
                            );
                        }
                    }
                }
            }
            if let Some(elements) =
                self.array(&fields, "factor", "three numbers like [1.1, 1.3, 2.0]")
            {
                let factor_at = fields.get("factor").and_then(|e| self.value_at(&e));
                let numbers: Vec<f64> = elements
                    .iter()
                    .filter_map(|(value, at)| {
                        self.number_of(value, *at, "factor", &owner, "a number like 1.3")
                    })
                    .map(|number| number.value)
                    .collect();
                match numbers.as_slice() {
                    [low, likely, high] if numbers.len() == elements.len() => {
                        if *low <= 0.0 {
                            self.error(
                                "out-of-range",
                                factor_at,
                                format!("`factor` of {owner} must be more than 0"),
                            );
                        } else if !(low <= likely && likely <= high) {
                            self.error(
                                "three-point-order",
                                factor_at,
                                format!("`factor` of {owner} must be in the order optimistic <= most likely <= pessimistic, found {low}, {likely}, {high}"),
                            );
                        } else {
                            risk.factor = Some([*low, *likely, *high]);
                        }
                    }
                    _ if numbers.len() == elements.len() => self.wrong_type(
                        "factor",
                        &owner,
                        "three numbers like [1.1, 1.3, 2.0]",
                        &format!("{} values", elements.len()),
                        factor_at,
                    ),
                    _ => {}
                }
            }
            let expected = "three durations like [\"2d\", \"5d\", \"10d\"]";
            if let Some(delay) = self.three_durations(&fields, "delay", expected, &context.scale) {
                risk.delay = Some(delay.value);
            }
            if let Some(name) = self.string(&fields, "owner", "the id of a resource, e.g. \"ana\"")
            {
                match context.resource_ids.get(name.value) {
                    Some(&index) => risk.owner = Some(ResourceId(index)),
                    None => {
                        let hint = did_you_mean(name.value, context.resource_ids.keys().copied());
                        self.error(
                            "unknown-resource",
                            name.at,
                            format!(
                                "{owner} is owned by `{}`, which is not a resource{hint}",
                                name.value
                            ),
                        );
                    }
                }
            }
            if let Some(text) = self.string(
                &fields,
                "response",
                "one of \"avoid\", \"mitigate\", \"transfer\", \"accept\"",
            ) {
                let options = ["avoid", "mitigate", "transfer", "accept"];
                risk.response = match text.value.to_ascii_lowercase().as_str() {
                    "avoid" => Some(RiskResponse::Avoid),
                    "mitigate" => Some(RiskResponse::Mitigate),
                    "transfer" => Some(RiskResponse::Transfer),
                    "accept" => Some(RiskResponse::Accept),
                    other => {
                        let hint = did_you_mean(other, options);
                        self.error(
                            "unknown-value",
                            text.at,
                            format!("unknown response `{}` in {owner}: use avoid, mitigate, transfer or accept{hint}", text.value),
                        );
                        None
                    }
                };
            }
            if let Some(text) = self.string(&fields, "status", "\"open\" or \"closed\"") {
                let options = ["open", "closed"];
                match text.value.to_ascii_lowercase().as_str() {
                    "open" => risk.status = RiskStatus::Open,
                    "closed" => risk.status = RiskStatus::Closed,
                    other => {
                        let hint = did_you_mean(other, options);
                        self.error(
                            "unknown-value",
                            text.at,
                            format!(
                                "unknown status `{}` in {owner}: use open or closed{hint}",
                                text.value
                            ),
                        );
                    }
                }
            }
            risks.push(risk);
        }
        risks
    }
}

/// A top-level table and where it was declared.
struct Section<'d> {
    table: Table<'d>,
    at: Option<Location>,
}

/// What task and risk reading needs from the sections read before.
struct Context<'c> {
    project: &'c Project,
    scale: Scale,
    calendar_ids: &'c FxHashMap<&'c str, usize>,
    compiled: &'c [Option<WorkCalendar>],
    resource_ids: &'c FxHashMap<&'c str, usize>,
}

fn section_name(kind: &str) -> &'static str {
    match kind {
        "calendar" => "calendars",
        "resource" => "resources",
        "task" => "tasks",
        _ => "risks",
    }
}

/// Whether `ancestor` is a (transitive) parent of `task`.
fn is_ancestor(parents: &[Option<usize>], ancestor: usize, task: usize) -> bool {
    let mut current = task;
    // The outline has no cycles left, but bound the walk anyway.
    for _ in 0..parents.len() {
        match parents.get(current).copied().flatten() {
            Some(parent) if parent == ancestor => return true,
            Some(parent) => current = parent,
            None => return false,
        }
    }
    false
}

/// A calendar's own week (`None` inherits from the base) and its effective week.
fn derive_week(
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
fn weekday(text: &str) -> Option<usize> {
    let lower = text.trim().to_ascii_lowercase();
    WEEKDAYS
        .iter()
        .position(|day| *day == lower)
        .or_else(|| WEEKDAY_NAMES.iter().position(|day| *day == lower))
}

/// `HH:MM-HH:MM`; `24:00` is allowed as an end.
fn parse_interval(text: &str) -> Option<Interval> {
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

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A date written as a string: `2027-01-04`, `2027-01-04T09:00` or `2027-01-04T09:00:00` (a
/// space may replace the `T`).
fn parse_date_text(text: &str) -> Option<DateValue> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `é` written precomposed (U+00E9) and decomposed (`e` and U+0301): canonically the same.
    const PRECOMPOSED: &str = "caf\u{e9}";
    const DECOMPOSED: &str = "cafe\u{301}";

    #[test]
    fn ids_are_compared_after_nfc_normalisation() {
        assert_ne!(PRECOMPOSED, DECOMPOSED);
        // Every kind of reference in the other form than the id it names.
        for (defined, referenced) in [(PRECOMPOSED, DECOMPOSED), (DECOMPOSED, PRECOMPOSED)] {
            let source = format!(
                "[project]\nstart = 2027-01-04\ncalendar = \"{referenced}\"\n\n\
                 [calendars.\"{defined}\"]\ndays = [\"mon\", \"tue\"]\n\n\
                 [resources.\"{defined}\"]\ncalendar = \"{referenced}\"\n\n\
                 [tasks.\"{defined}\"]\nduration = \"1d\"\nresources = [\"{referenced}\"]\n\n\
                 [tasks.child]\nparent = \"{referenced}\"\nduration = \"1d\"\n\n\
                 [tasks.next]\nduration = \"1d\"\nafter = [\"{referenced} SS+1d\"]\n"
            );
            let loaded = match read_plan(&source) {
                Ok(loaded) => loaded,
                Err(diagnostics) => panic!("{defined:?} / {referenced:?}: {diagnostics:?}"),
            };
            let plan = loaded.plan;
            assert_eq!(plan.tasks[0].id, PRECOMPOSED, "ids are kept in NFC");
            assert_eq!(plan.resources[0].id, PRECOMPOSED);
            let child = plan.tasks.iter().position(|t| t.id == "child");
            let child = child.map(|index| &plan.tasks[index]);
            assert_eq!(child.and_then(|t| t.parent), Some(TaskId(0)));
            assert_eq!(plan.links.len(), 1);
            assert_eq!(plan.links[0].predecessor, TaskId(0));
            assert_eq!(plan.tasks[0].assignments.len(), 1);
        }
    }

    #[test]
    fn two_spellings_of_one_id_are_one_id() {
        let source = format!(
            "[project]\nstart = 2027-01-04\n\n[tasks.\"{PRECOMPOSED}\"]\nduration = \"1d\"\n\n\
             [tasks.\"{DECOMPOSED}\"]\nduration = \"1d\"\n"
        );
        let diagnostics = read_plan(&source).err().unwrap_or_default();
        assert!(
            diagnostics
                .iter()
                .any(|d| d.location.map(|l| l.line) == Some(7)),
            "the second spelling is a duplicate: {diagnostics:?}"
        );
    }

    #[test]
    fn locations_count_the_characters_as_written_before_normalisation() {
        // The bad duration sits after an `é` on its line: decomposed, that is one character
        // more in the file (but not in its NFC form), and the column an editor shows is the
        // file's.
        let column = |name: &str| {
            let source = format!(
                "[project]\nstart = 2027-01-04\n\n[tasks]\na = {{ name = \"{name}\", duration = \"5x\" }}\n"
            );
            let diagnostics = read_plan(&source).err().unwrap_or_default();
            assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
            diagnostics[0].location.map(|l| (l.line, l.column))
        };
        let precomposed = column(PRECOMPOSED);
        assert_eq!(precomposed.map(|(line, _)| line), Some(5));
        assert_eq!(
            column(DECOMPOSED),
            precomposed.map(|(line, column)| (line, column + 1))
        );
        assert_eq!(original_column("cafe\u{301} x", 5), 6);
        assert_eq!(original_column("cafe\u{301} x", 3), 3);
        assert_eq!(original_column("cafe\u{301} x", 0), 0);
        assert_eq!(original_column("abc", 2), 2);
    }

    fn show_link(text: &str) -> String {
        match parse_link(text, &Scale::default()) {
            Ok(spec) => format!("{} {} {:?}", spec.task, spec.kind.code(), spec.lag),
            Err(message) => format!("error: {message}"),
        }
    }

    #[test]
    fn link_specs() {
        let cases = [
            "design",
            "design FS",
            "kickoff SS+2d",
            "review FF-1d",
            "design +2d",
            "a fs+50%",
            "a SF - 25%",
            "pour FS+2ed",
            "pour ss +3eh",
            "  spaced   FF  ",
            "design 2d",
            "design XX",
            "design FS+2x",
            "design FS+",
            "design +%",
            "",
            "design FS+2d extra",
        ];
        let got: Vec<String> = cases
            .iter()
            .map(|case| format!("{case:?} => {}", show_link(case)))
            .collect();
        expect_test::expect![[r#"
            "design" => design FS Working(0)
            "design FS" => design FS Working(0)
            "kickoff SS+2d" => kickoff SS Working(960)
            "review FF-1d" => review FF Working(-480)
            "design +2d" => design FS Working(960)
            "a fs+50%" => a FS Percent(0.5)
            "a SF - 25%" => a SF Percent(-0.25)
            "pour FS+2ed" => pour FS Elapsed(2880)
            "pour ss +3eh" => pour SS Elapsed(180)
            "  spaced   FF  " => spaced FF Working(0)
            "design 2d" => error: malformed link `design 2d`: after the task id write a link type FS, SS, FF or SF and/or a signed lag, e.g. `design SS+2d` or `design -1d`
            "design XX" => error: malformed link `design XX`: after the task id write a link type FS, SS, FF or SF and/or a signed lag, e.g. `design SS+2d` or `design -1d`
            "design FS+2x" => error: malformed lag `2x` in link `design FS+2x`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`
            "design FS+" => error: malformed lag `` in link `design FS+`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`
            "design +%" => error: malformed lag `%` in link `design +%`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`
            "" => error: empty link: write the id of the predecessor task, e.g. `design` or `design FS+2d`
            "design FS+2d extra" => error: malformed lag `2d extra` in link `design FS+2d extra`: use a number and a unit (working m, h, d, w, mo; elapsed em, eh, ed, ew) or a percentage of the predecessor's duration, e.g. `+2d`, `-4h`, `+3ed` or `+50%`"#]]
        .assert_eq(&got.join("\n"));
    }

    /// `line:column code message` for each diagnostic of a plan that must not read.
    fn problems(source: &str) -> String {
        let diagnostics = match read_plan(source) {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics,
        };
        diagnostics
            .iter()
            .map(|d| {
                let (line, column) = d.location.map_or((0, 0), |l| (l.line, l.column));
                format!("{line}:{column} {} {}", d.code, d.message)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `toml::de` does not say how a table or array was written; the reader works it out from
    /// the spans, and the messages must name it as `toml_edit` did.
    #[test]
    fn wrong_type_names_how_a_table_was_written() {
        let source = "[project]\nstart = 2027-01-04\n\
            [calendars.c]\nexceptions = { date = 2027-01-01 }\n\
            [calendars.d]\nexceptions = [{ date = 2027-01-01 }, [[1]]]\n\
            [calendars.d.week]\nmon = { a = 1 }\ntue.x = 1\n\
            [calendars.e.exceptions]\n[[calendars.f.week]]\n\
            [resources]\nbob = [[1]]\n[[resources.ann]]\n";
        expect_test::expect![[r#"
            4:14 wrong-type `exceptions` in calendar `c` must be a list of tables like [{ date = 2027-12-24, hours = ["08:00-12:00"] }], found an inline table
            6:38 wrong-type `exceptions` in calendar `d` must be a list of tables like [{ date = 2027-12-24, hours = ["08:00-12:00"] }], found an array
            8:7 wrong-type `mon` in the `week` table of calendar `d` must be a list of working hours like ["08:00-12:00", "13:00-17:00"], found an inline table
            9:1 wrong-type `tue` in the `week` table of calendar `d` must be a list of working hours, found a table
            10:1 wrong-type `exceptions` in calendar `e` must be a list of tables like [{ date = 2027-12-24, hours = ["08:00-12:00"] }], found a table
            11:1 wrong-type `week` in calendar `f` must be a table of weekdays, e.g. `[calendars.ID.week]` with `sat = ["09:00-13:00"]`, found an array of tables
            13:1 wrong-type resource `bob` must be a table of keys, e.g. `[resources.bob]`, found an array
            14:13 wrong-type resource `ann` must be a table of keys, e.g. `[resources.ann]`, found an array of tables"#]]
        .assert_eq(&problems(source));
    }

    #[test]
    fn syntax_errors_name_the_duplicate_key_and_numbers_out_of_range() {
        let cases = [
            "x = 1\nx = 2\n",
            "[tasks.a]\nb.c = 1\n  b.c = 2\n",
            "[tasks.a]\n[ tasks . \"a\" ]\n",
            "[[tasks.a]]\n[tasks.a]\n",
            "[tasks.a]\nx = { a = 1, a = 2 }\n",
            "[project]\nx = 99999999999999999999\n",
            "[project]\nx = [1e400]\n",
            "[project]\nx = [1,\ny = 2\n",
        ];
        let got: Vec<String> = cases.iter().map(|case| problems(case)).collect();
        expect_test::expect![[r#"
            2:1 toml-syntax invalid TOML: duplicate key `x` in document root
            3:3 toml-syntax invalid TOML: duplicate key `c` in table `tasks.a`
            2:1 toml-syntax invalid TOML: invalid table header; duplicate key `a` in table `tasks`
            2:1 toml-syntax invalid TOML: invalid table header; duplicate key `a` in table `tasks`
            2:14 toml-syntax invalid TOML: duplicate key `a`
            2:5 toml-syntax invalid TOML: integer `99999999999999999999` does not fit in 64 bits (at most 9223372036854775807)
            2:6 toml-syntax invalid TOML: float `1e400` is too large for 64 bits
            3:1 toml-syntax invalid TOML: string values must be quoted, expected literal string"#]]
        .assert_eq(&got.join("\n"));
    }

    #[test]
    fn intervals_and_edit_distance() {
        assert_eq!(parse_interval("08:00-12:00"), Interval::new(480, 720));
        assert_eq!(parse_interval("22:00-06:00"), Interval::new(1320, 360));
        assert_eq!(parse_interval("00:00-24:00"), Interval::new(0, 1440));
        assert_eq!(parse_interval("24:00-01:00"), None);
        assert_eq!(parse_interval("8-12"), None);
        assert_eq!(parse_interval("09:00-09:00"), None);
        assert_eq!(distance("duraton", "duration"), 1);
        assert_eq!(distance("desing", "design"), 1);
        assert_eq!(
            suggest("duraton", TASK_KEYS.iter().copied()),
            Some("duration")
        );
        assert_eq!(suggest("xyz", TASK_KEYS.iter().copied()), None);
    }
}
