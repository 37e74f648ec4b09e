//! The document the plan reader reads: tables, arrays and values of TOML's kinds, each node
//! with the [`Origin`] it came from, and each key with the [`Shape`] it was written in (which
//! wrong-type messages name). It is built from `toml::de`'s parse of a plan file (origins are
//! byte offsets) or from a stored project's JSON tables (`super::stored`: origins are places),
//! so that one reader, with one set of rules and diagnostic codes, serves both; and it gives a
//! plan file's tables back as the stored project's JSON ([`content_of`]).

use crate::content::{EntityKind, Fields, PlanContent};
use serde_json::{Number, Value as Json};
use std::fmt;
use toml::de::{DeTable, DeValue};

/// Where a node came from: a byte offset into the plan text, or the index of a place in the
/// stored project. Origins of one document are in document order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Origin(pub(super) usize);

/// A value and where it was written.
pub(super) struct Node<'d> {
    pub(super) value: Value<'d>,
    pub(super) at: Origin,
}

/// The kinds of TOML values, plus JSON's null inside an array (a null field is a field not
/// given, and is left out of its table).
pub(super) enum Value<'d> {
    String(&'d str),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Datetime(Datetime<'d>),
    Array(Vec<Node<'d>>),
    Table(Table<'d>),
    Null,
}

/// A table's keys in the order they were written.
pub(super) struct Table<'d> {
    pub(super) entries: Vec<Entry<'d>>,
}

/// One key of a table: the key, where it was written, its value and how it was written.
pub(super) struct Entry<'d> {
    pub(super) key: &'d str,
    /// Where the key was written (the last part of a dotted key or header path).
    pub(super) key_at: Origin,
    /// The value; for a `[table]` its origin is the header, for a table made implicitly its key.
    pub(super) node: Node<'d>,
    pub(super) shape: Shape,
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

/// A TOML date, date-time or local time as written (`toml::de` keeps its own type private to
/// the parser's crates).
#[derive(Clone, Copy)]
pub(super) struct Datetime<'d> {
    /// Year, month and day, as written (not yet checked to be a day of the calendar).
    pub(super) date: Option<(u16, u8, u8)>,
    /// Hour, minute and second, as written.
    pub(super) time: Option<(u8, u8, Option<u8>)>,
    /// Whether it has an offset (`Z`, `+01:00`): plan dates are local, so any offset is refused.
    pub(super) offset: bool,
    /// The parser's value, which writes itself as TOML does (`2027-01-04T09:00:00`).
    pub(super) written: &'d dyn fmt::Display,
}

impl<'d> Value<'d> {
    /// "an integer", "a string", ... for wrong-type messages. Tables among values (array
    /// elements, values after `key =`) are inline tables.
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime(datetime) => match (datetime.date, datetime.time) {
                (Some(_), Some(_)) => "a date-time",
                (Some(_), None) => "a date",
                _ => "a time",
            },
            Value::Array(_) => "an array",
            Value::Table(_) => "an inline table",
            Value::Null => "null",
        }
    }

    pub(super) fn as_str(&self) -> Option<&'d str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub(super) fn as_array(&self) -> Option<&[Node<'d>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub(super) fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(flag) => Some(*flag),
            _ => None,
        }
    }

    /// An integer as an `i64`.
    pub(super) fn as_integer(&self) -> Option<i64> {
        match self {
            Value::Integer(number) => Some(*number),
            _ => None,
        }
    }

    /// An integer or a float as an `f64` (`inf` and `nan` included).
    pub(super) fn as_number(&self) -> Option<f64> {
        match self {
            Value::Integer(number) => Some(*number as f64),
            Value::Float(number) => Some(*number),
            _ => None,
        }
    }
}

impl<'d> Entry<'d> {
    /// The value of a key written as a plain value (not a `[table]` or `[[array]]`).
    pub(super) fn as_value(&self) -> Option<&Value<'d>> {
        (self.shape == Shape::Value).then_some(&self.node.value)
    }

    /// The table of a key that holds one, written either way.
    pub(super) fn as_table(&self) -> Option<&Table<'d>> {
        match &self.node.value {
            Value::Table(table) => Some(table),
            _ => None,
        }
    }

    /// "a table", "an integer", ... for wrong-type messages.
    pub(super) fn describe(&self) -> &'static str {
        match self.shape {
            Shape::Value => self.node.value.describe(),
            Shape::Table => "a table",
            Shape::ArrayOfTables => "an array of tables",
        }
    }
}

/// The document of a parsed plan file, or the first number in it that TOML cannot represent
/// (an integer beyond 64 bits, a float too large for 64 bits) as its byte offset and the
/// message: `toml::de` keeps numbers as text, and such a file is not valid TOML.
pub(super) fn from_toml<'d>(document: &'d DeTable<'d>) -> Result<Table<'d>, (usize, String)> {
    toml_table(document, false)
}

fn toml_table<'d>(map: &'d DeTable<'d>, inline: bool) -> Result<Table<'d>, (usize, String)> {
    let mut entries = Vec::with_capacity(map.len());
    for (key, item) in map.iter() {
        let key_start = key.span().start;
        let start = item.span().start;
        // `toml::de` does not say whether a table came from a header or `{ ... }`, nor an
        // array from `[[header]]` or `[ ... ]`; the spans do. A value written after `key =`
        // starts after its key; a `[header]` or `[[header]]` table's span is the header, which
        // starts before the last key in it; an implicit table (`[a.b]` makes `a`, `a.b = 1`
        // makes `a`) has its key's span.
        let shape = match item.get_ref() {
            DeValue::Table(_) if !inline && start <= key_start => Shape::Table,
            DeValue::Array(_) if !inline && start < key_start => Shape::ArrayOfTables,
            _ => Shape::Value,
        };
        entries.push(Entry {
            key: key.get_ref(),
            key_at: Origin(key_start),
            node: toml_node(item, inline || shape == Shape::Value)?,
            shape,
        });
    }
    Ok(Table { entries })
}

/// A value; `inline` says whether a table in it (or in it as an array) was written inline.
fn toml_node<'d>(
    item: &'d toml::Spanned<DeValue<'d>>,
    inline: bool,
) -> Result<Node<'d>, (usize, String)> {
    let start = item.span().start;
    let value = match item.get_ref() {
        DeValue::String(text) => Value::String(text),
        DeValue::Integer(number) => match i64::from_str_radix(number.as_str(), number.radix()) {
            Ok(number) => Value::Integer(number),
            Err(_) => {
                return Err((
                    start,
                    format!(
                        "integer `{number}` does not fit in 64 bits (at most 9223372036854775807)"
                    ),
                ))
            }
        },
        DeValue::Float(number) => {
            let text = number.as_str();
            match text.parse::<f64>() {
                Ok(float) if !float.is_infinite() || text.contains("inf") => Value::Float(float),
                _ => return Err((start, format!("float `{text}` is too large for 64 bits"))),
            }
        }
        DeValue::Boolean(flag) => Value::Boolean(*flag),
        DeValue::Datetime(datetime) => Value::Datetime(Datetime {
            date: datetime.date.map(|d| (d.year, d.month, d.day)),
            time: datetime.time.map(|t| (t.hour, t.minute, t.second)),
            offset: datetime.offset.is_some(),
            written: datetime,
        }),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| toml_node(item, inline))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(map) => Value::Table(toml_table(map, inline)?),
    };
    Ok(Node {
        value,
        at: Origin(start),
    })
}

/// A plan file's tables as the stored project's JSON, in the order they were written: what an
/// import stores. Dates become strings (`"2027-01-04"`, `"2027-01-04T09:00:00"`), which the
/// reader accepts wherever a date is expected. Keys that are no table of the plan are left
/// out (a plan that reads has none).
pub(super) fn content_of(root: &Table<'_>) -> PlanContent {
    let mut content = PlanContent::default();
    for entry in &root.entries {
        let Value::Table(table) = &entry.node.value else {
            continue;
        };
        if entry.key == "project" {
            content.project = object(table);
            continue;
        }
        let Some(kind) = EntityKind::ALL.into_iter().find(|k| k.table() == entry.key) else {
            continue;
        };
        let entities = content.entities_mut(kind);
        for member in &table.entries {
            if let Value::Table(data) = &member.node.value {
                entities.push((member.key.to_owned(), object(data)));
            }
        }
    }
    content
}

fn object(table: &Table<'_>) -> Fields {
    table
        .entries
        .iter()
        .map(|entry| (entry.key.to_owned(), json(&entry.node.value)))
        .collect()
}

fn json(value: &Value<'_>) -> Json {
    match value {
        Value::String(text) => Json::String((*text).to_owned()),
        Value::Integer(number) => Json::Number((*number).into()),
        Value::Float(number) => Number::from_f64(*number).map_or(Json::Null, Json::Number),
        Value::Boolean(flag) => Json::Bool(*flag),
        Value::Datetime(datetime) => Json::String(datetime.written.to_string()),
        Value::Array(items) => Json::Array(items.iter().map(|item| json(&item.value)).collect()),
        Value::Table(table) => Json::Object(object(table)),
        Value::Null => Json::Null,
    }
}
