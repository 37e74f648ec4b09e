//! The plan TOML reader: `*.plan.toml` text in, a [`Plan`] out, or every problem found.
//!
//! The format is documented in `docs/plan-format.md`. Reading never stops at the first problem:
//! each section is read as far as it can be, every problem becomes a [`Diagnostic`] with the
//! line and column of the key or value a person has to change, and the plan is returned only when
//! no error was found. References (parents, links, calendars, resources, owners) are resolved to
//! indices here, so the engine never looks anything up by name. Checks that need a schedule
//! (dependency cycles, missed deadlines) belong to the engine, not to this module; it must not
//! read files or the clock either.

mod calendars;
mod fields;
mod links;
mod project;
mod resources;
mod risks;
mod source;
mod suggest;
mod tasks;
#[cfg(test)]
mod tests;
pub(crate) mod writer;

pub use links::{parse_link, LinkSpec};
pub use writer::write;

use crate::duration::Scale;
use crate::{Loaded, ReadResult};
use fields::{describe_item, Fields, Table};
use rustc_hash::FxHashMap;
use source::{nfc, number_problem, syntax_problem};
use std::cell::Cell;
use toml::de::DeTable;
use waymark_core::{Diagnostic, Location, Plan, Project, Severity, WorkCalendar};

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

/// The keys each table may hold.
const TOP_KEYS: &[&str] = &["project", "calendars", "resources", "tasks", "risks"];

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

impl<'s> Reader<'s> {
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
}
