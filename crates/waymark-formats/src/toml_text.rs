//! TOML as written: keys, strings, numbers, dates, arrays, inline tables and `[headers]`. The one
//! place that spells TOML, for both writers: a plan ([`crate::plan::write`], which decides what
//! to write as [`Item`]s and can give the same items as a stored project's JSON) and a stored
//! project ([`crate::content::to_plan_text`]).
//!
//! Layout: one `[section.id]` table per object with a blank line before it, `key = value` lines
//! in the order given, an array on one line unless that line would be longer than [`WIDTH`]
//! (then one element a line), an array of tables always one table a line, and a
//! [`Item::Section`] as its own `[section.id.key]` table after the object's other keys.

use std::fmt::Write;

use serde_json::{Number, Value as Json};

use crate::content::{EntityKind, Fields, PlanContent};

/// Lines longer than this put one array element per line.
pub(crate) const WIDTH: usize = 100;

/// A value to write.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    /// A date or local date-time written bare (`2027-01-04`, `2027-01-04T09:00:00`); a string in
    /// JSON, as an imported date is stored.
    Date(String),
    Array(Vec<Item>),
    /// An inline table: `{ in_progress = 4 }`.
    Table(Vec<(String, Item)>),
    /// A table of its own after the object's other keys (`[calendars.office.week]`); in JSON an
    /// object like any table.
    Section(Vec<(String, Item)>),
}

/// One `[section.id]` (or `[project]`) table and its keys, in order.
pub(crate) struct Object {
    /// `project`, or the section and the object's id.
    pub(crate) path: Vec<String>,
    pub(crate) fields: Vec<(String, Item)>,
}

/// The text of a plan file's objects, in order.
pub(crate) fn write(objects: &[Object]) -> String {
    let mut out = String::new();
    for object in objects {
        if !out.is_empty() {
            out.push('\n');
        }
        table(&mut out, &object.path, &object.fields);
    }
    out
}

/// `[path]` and its keys, then its sections.
fn table(out: &mut String, path: &[String], fields: &[(String, Item)]) {
    let header: Vec<String> = path.iter().map(|part| key(part)).collect();
    let _ = writeln!(out, "[{}]", header.join("."));
    for (name, item) in fields {
        if !matches!(item, Item::Section(_)) {
            pair(out, name, item);
        }
    }
    for (name, item) in fields {
        if let Item::Section(inner) = item {
            let mut path = path.to_vec();
            path.push(name.clone());
            table(out, &path, inner);
        }
    }
}

/// `name = value`; an array one element a line when it is of tables or too long for a line.
fn pair(out: &mut String, name: &str, item: &Item) {
    let name = key(name);
    let Item::Array(items) = item else {
        let _ = writeln!(out, "{name} = {}", inline(item));
        return;
    };
    let texts: Vec<String> = items.iter().map(inline).collect();
    let line = format!("{name} = [{}]", texts.join(", "));
    let tables = items
        .iter()
        .any(|item| matches!(item, Item::Table(_) | Item::Section(_)));
    if !tables && (line.len() <= WIDTH || items.len() < 2) {
        out.push_str(&line);
        out.push('\n');
        return;
    }
    let _ = writeln!(out, "{name} = [");
    for text in texts {
        let _ = writeln!(out, "    {text},");
    }
    out.push_str("]\n");
}

/// A value on one line.
fn inline(item: &Item) -> String {
    match item {
        Item::String(text) => string(text),
        Item::Integer(number) => number.to_string(),
        Item::Float(number) => float(*number),
        Item::Boolean(flag) => flag.to_string(),
        Item::Date(text) => text.clone(),
        Item::Array(items) => {
            let texts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", texts.join(", "))
        }
        Item::Table(fields) | Item::Section(fields) => {
            if fields.is_empty() {
                return "{}".to_string();
            }
            let pairs: Vec<String> = fields
                .iter()
                .map(|(name, item)| format!("{} = {}", key(name), inline(item)))
                .collect();
            format!("{{ {} }}", pairs.join(", "))
        }
    }
}

/// A key: bare when it can be, else a quoted string.
pub(crate) fn key(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        text.to_string()
    } else {
        string(text)
    }
}

/// A basic string.
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

/// A float that parses back to the same number (Rust prints the shortest such text, always
/// with a point or an exponent, as TOML floats need).
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

/// An item as JSON: dates as strings, tables as objects; a float JSON cannot hold is `null`.
pub(crate) fn json(item: &Item) -> Json {
    match item {
        Item::String(text) | Item::Date(text) => Json::String(text.clone()),
        Item::Integer(number) => Json::Number((*number).into()),
        Item::Float(number) => Number::from_f64(*number).map_or(Json::Null, Json::Number),
        Item::Boolean(flag) => Json::Bool(*flag),
        Item::Array(items) => Json::Array(items.iter().map(json).collect()),
        Item::Table(fields) | Item::Section(fields) => Json::Object(object(fields)),
    }
}

/// An object's fields as JSON.
pub(crate) fn object(fields: &[(String, Item)]) -> Fields {
    fields
        .iter()
        .map(|(name, item)| (name.clone(), json(item)))
        .collect()
}

/// A stored project as plan text: see [`crate::content::to_plan_text`].
pub(crate) fn content(content: &PlanContent) -> String {
    let mut objects = vec![Object {
        path: vec!["project".to_string()],
        fields: items(&content.project),
    }];
    for kind in EntityKind::ALL {
        for (id, data) in content.entities(kind) {
            objects.push(Object {
                path: vec![kind.table().to_string(), id.clone()],
                fields: items(data),
            });
        }
    }
    write(&objects)
}

/// JSON fields as items to write; `null` fields are not given and are left out.
fn items(fields: &Fields) -> Vec<(String, Item)> {
    fields
        .iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(name, value)| (name.clone(), item(value)))
        .collect()
}

fn item(value: &Json) -> Item {
    match value {
        // Inside an array, where TOML has no null, an empty string keeps the positions and lets
        // the reader name the problem.
        Json::Null => Item::String(String::new()),
        Json::Bool(flag) => Item::Boolean(*flag),
        Json::Number(number) => match number.as_i64() {
            Some(integer) => Item::Integer(integer),
            None => Item::Float(number.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(text) => Item::String(text.clone()),
        Json::Array(values) => Item::Array(values.iter().map(item).collect()),
        Json::Object(map) => Item::Table(items(map)),
    }
}
