//! The stored project and the plan file, both ways: plan TOML text into the store's
//! [`PlanContent`] (a plan file's tables as JSON, in file order), and `PlanContent` back into
//! plan TOML text, which the plan reader turns into a [`Plan`].
//!
//! Going through the plan reader on the way in and on the way out means a stored project is valid
//! exactly when the same plan file would be, with the same diagnostics: no rule of the plan format
//! is written twice. Dates become JSON strings (`"2027-01-04"`, `"2027-01-04T09:00:00"`), which the
//! reader accepts wherever a TOML date is expected.

use std::fmt::Write as _;

use serde_json::{Map, Number, Value};
use toml::de::{DeTable, DeValue};
use waymark_core::{Diagnostic, Plan, Severity};
use waymark_store::{EntityKind, Fields, PlanContent};

/// A plan read from text or from the store: the plan and the reader's warnings.
pub struct Checked {
    pub plan: Plan,
    pub warnings: Vec<Diagnostic>,
}

/// Reads plan TOML into the store's shape, after the plan reader has accepted it (its
/// diagnostics otherwise).
pub fn content_from_plan_text(text: &str) -> Result<(PlanContent, Checked), Vec<Diagnostic>> {
    let loaded = waymark_formats::plan::read_plan(text)?;
    let checked = Checked {
        plan: loaded.plan,
        warnings: loaded.warnings,
    };
    let document = DeTable::parse(text).map_err(|error| {
        vec![Diagnostic::error(
            "malformed-toml",
            format!("the file is not TOML: {}", error.message()),
        )]
    })?;
    let mut content = PlanContent::default();
    for (key, value) in ordered(document.get_ref()) {
        let DeValue::Table(table) = value else {
            continue;
        };
        if key == "project" {
            content.project = object(table);
            continue;
        }
        let Ok(kind) = key.parse::<EntityKind>() else {
            continue;
        };
        if kind.table() != key {
            continue;
        }
        let entities = content.entities_mut(kind);
        for (id, data) in ordered(table) {
            if let DeValue::Table(data) = data {
                entities.push((id.to_owned(), object(data)));
            }
        }
    }
    Ok((content, checked))
}

/// Reads Microsoft Project XML into the store's shape: the MSPDI reader, then the plan writer, so
/// that what is stored is a plan file like any other.
pub fn content_from_mspdi_text(text: &str) -> Result<(PlanContent, Checked), Vec<Diagnostic>> {
    let loaded = waymark_formats::mspdi::read_mspdi(text)?;
    let plan_text = waymark_formats::plan::write(&loaded.plan);
    let (content, mut checked) = content_from_plan_text(&plan_text)?;
    checked.warnings = loaded.warnings;
    Ok((content, checked))
}

/// The stored project as a plan, through the plan reader.
pub fn plan_of(content: &PlanContent) -> Result<Checked, Vec<Diagnostic>> {
    let loaded = waymark_formats::plan::read_plan(&plan_text(content))?;
    Ok(Checked {
        plan: loaded.plan,
        warnings: loaded.warnings,
    })
}

/// Whether a list of diagnostics has an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

/// Entries of a TOML table in the order they were written (the parser's map is sorted by key).
fn ordered<'a, 'i>(table: &'a DeTable<'i>) -> Vec<(&'a str, &'a DeValue<'i>)> {
    let mut entries: Vec<_> = table
        .iter()
        .map(|(key, value)| (value.span().start, key.get_ref().as_ref(), value.get_ref()))
        .collect();
    entries.sort_by_key(|(start, _, _)| *start);
    entries
        .into_iter()
        .map(|(_, key, value)| (key, value))
        .collect()
}

fn object(table: &DeTable<'_>) -> Fields {
    ordered(table)
        .into_iter()
        .map(|(key, value)| (key.to_owned(), json(value)))
        .collect()
}

fn json(value: &DeValue<'_>) -> Value {
    match value {
        DeValue::String(text) => Value::String(text.to_string()),
        DeValue::Integer(integer) => i64::from_str_radix(integer.as_str(), integer.radix())
            .map_or(Value::Null, |n| Value::Number(n.into())),
        DeValue::Float(float) => float
            .as_str()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or(Value::Null, Value::Number),
        DeValue::Boolean(flag) => Value::Bool(*flag),
        DeValue::Datetime(datetime) => Value::String(datetime.to_string()),
        DeValue::Array(items) => Value::Array(items.iter().map(|i| json(i.get_ref())).collect()),
        DeValue::Table(table) => Value::Object(object(table)),
    }
}

/// The project as plan TOML text: `[project]`, then every calendar, resource, task and risk in
/// its stored order. JSON `null` means "not given" and is left out.
pub fn plan_text(content: &PlanContent) -> String {
    let mut text = String::new();
    text.push_str("[project]\n");
    write_fields(&mut text, &content.project);
    for kind in EntityKind::ALL {
        for (key, data) in content.entities(kind) {
            let _ = writeln!(text, "\n[{}.{}]", kind.table(), toml_key(key));
            write_fields(&mut text, data);
        }
    }
    text
}

fn write_fields(text: &mut String, fields: &Map<String, Value>) {
    for (key, value) in fields {
        if value.is_null() {
            continue;
        }
        text.push_str(&toml_key(key));
        text.push_str(" = ");
        write_value(text, value);
        text.push('\n');
    }
}

fn write_value(text: &mut String, value: &Value) {
    match value {
        // Inside arrays, where TOML has no null, an empty string keeps the positions and lets the
        // reader name the problem.
        Value::Null => text.push_str("\"\""),
        Value::Bool(flag) => text.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => match (number.as_i64(), number.as_f64()) {
            (Some(integer), _) => {
                let _ = write!(text, "{integer}");
            }
            // `{:?}` always writes a decimal point or an exponent, as TOML floats need.
            (None, Some(float)) => {
                let _ = write!(text, "{float:?}");
            }
            (None, None) => text.push_str("nan"),
        },
        Value::String(string) => write_string(text, string),
        Value::Array(items) => {
            text.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    text.push_str(", ");
                }
                write_value(text, item);
            }
            text.push(']');
        }
        Value::Object(map) => {
            text.push('{');
            let mut first = true;
            for (key, item) in map {
                if item.is_null() {
                    continue;
                }
                text.push_str(if first { " " } else { ", " });
                first = false;
                text.push_str(&toml_key(key));
                text.push_str(" = ");
                write_value(text, item);
            }
            text.push_str(if first { "}" } else { " }" });
        }
    }
}

/// A key as TOML writes it: bare when it can be, quoted otherwise.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_owned()
    } else {
        let mut text = String::new();
        write_string(&mut text, key);
        text
    }
}

fn write_string(text: &mut String, string: &str) {
    text.push('"');
    for c in string.chars() {
        match c {
            '"' => text.push_str("\\\""),
            '\\' => text.push_str("\\\\"),
            '\n' => text.push_str("\\n"),
            '\r' => text.push_str("\\r"),
            '\t' => text.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(text, "\\u{:04X}", u32::from(c));
            }
            c => text.push(c),
        }
    }
    text.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_reads_back_as_the_same_plan() {
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
        for entry in std::fs::read_dir(examples).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let Ok((content, checked)) = content_from_plan_text(&text) else {
                panic!("{} does not read", entry.path().display());
            };
            // Plans hold where each object was read, so compare what the plan writer makes of
            // them: it writes everything a plan means, deterministically.
            let again = plan_of(&content).map_err(|d| format!("{d:?}"));
            assert_eq!(
                again.map(|c| waymark_formats::plan::write(&c.plan)),
                Ok(waymark_formats::plan::write(&checked.plan)),
                "{}",
                entry.path().display()
            );
        }
    }

    #[test]
    fn awkward_strings_and_keys_are_quoted() {
        let mut content = PlanContent::default();
        content
            .project
            .insert("name".into(), "a \"b\"\\\n\u{1}".into());
        content.project.insert("start".into(), "2027-01-04".into());
        content.project.insert("deadline".into(), Value::Null);
        let checked = plan_of(&content).map_err(|d| format!("{d:?}"));
        assert_eq!(
            checked.map(|c| c.plan.project.name),
            Ok("a \"b\"\\\n\u{1}".to_owned())
        );
    }
}
