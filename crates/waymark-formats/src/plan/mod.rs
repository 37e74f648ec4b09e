//! The plan reader: `*.plan.toml` text in, a [`Plan`] out, or every problem found. A project the
//! server stores (the same tables as JSON objects) is read by the same reader and rules
//! ([`crate::content::read`]): both become one document (`tree`), whose origins are byte
//! offsets in text and objects' fields in a stored project.
//!
//! The format is documented in `docs/plan-format.md`. Reading never stops at the first problem:
//! each section is read as far as it can be, every problem becomes a [`Diagnostic`] with the
//! line and column of the key or value a person has to change (for a stored project, a
//! [`Finding`] naming the object and field), and the plan is returned only when no error was
//! found. References (parents, links, calendars, resources, owners) are resolved to
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
mod stored;
mod suggest;
mod tasks;
#[cfg(test)]
mod tests;
mod tree;
pub(crate) mod writer;

pub use links::{parse_link, LinkSpec};
pub use writer::write;

use crate::content::{Finding, PlanContent};
use crate::duration::Scale;
use crate::{Loaded, ReadResult};
use fields::Fields;
use rustc_hash::FxHashMap;
use source::Text;
use std::borrow::Cow;
use tree::{Origin, Table};
use waymark_core::{Diagnostic, Location, Plan, Project, Severity, WorkCalendar};

/// Read a plan file. Returns the plan with its warnings, or every problem found (at least one of
/// them an error), sorted by position in the file.
///
/// The text is read in Unicode normalisation form C (NFC), so an id typed with a precomposed
/// `é` and a reference typed with `e` and a combining accent (as some editors and file systems
/// save it) are the same id. Locations still count the characters of the text as given.
pub fn read_plan(source: &str) -> ReadResult {
    read_text(source, |_| ()).map(|(loaded, ())| loaded)
}

/// Reads plan text as [`read_plan`] does and, when it reads, gives its tables as the stored
/// project's JSON too, in the order they were written: one parse for both.
pub(crate) fn read_plan_content(source: &str) -> Result<(Loaded, PlanContent), Vec<Diagnostic>> {
    read_text(source, tree::content_of)
}

/// Reads a stored project as [`read_plan`] reads the same tables written as plan TOML: the same
/// rules, codes and messages, each finding naming the object and field it is about instead of a
/// line and column.
pub(crate) fn read_stored(content: &PlanContent) -> ReadResult<Finding> {
    stored::read(content)
}

/// Reads plan text; when it reads, `also` is given its document.
fn read_text<T>(
    source: &str,
    also: impl FnOnce(&Table<'_>) -> T,
) -> Result<(Loaded, T), Vec<Diagnostic>> {
    let normalized = source::nfc(source);
    let original = matches!(normalized, Cow::Owned(_)).then_some(source);
    let text = Text::new(&normalized, original);
    let syntax = |(offset, message): (usize, String)| {
        vec![
            Diagnostic::error("toml-syntax", format!("invalid TOML: {message}"))
                .at(Some(text.location(offset))),
        ]
    };
    let document = source::parse(&normalized).map_err(syntax)?;
    let root = tree::from_toml(document.get_ref()).map_err(syntax)?;
    let mut reader = Reader::new(Origins::Text(&text));
    let plan = reader.read(&root);
    let mut diagnostics: Vec<Diagnostic> = reader
        .diagnostics
        .into_iter()
        .map(|(diagnostic, at)| diagnostic.at(at.map(|at| text.location(at.0))))
        .collect();
    // Sort by position so the output reads top to bottom; problems without a place go last.
    diagnostics.sort_by_key(|d| {
        d.location
            .map_or((u32::MAX, u32::MAX), |l| (l.line, l.column))
    });
    let loaded = outcome(plan, diagnostics, |d| d.severity)?;
    let also = also(&root);
    Ok((loaded, also))
}

/// The plan with its warnings when no finding is an error, else every finding.
fn outcome<W>(plan: Plan, found: Vec<W>, severity: impl Fn(&W) -> Severity) -> ReadResult<W> {
    if found.iter().any(|w| severity(w) == Severity::Error) {
        Err(found)
    } else {
        Ok(Loaded {
            plan,
            warnings: found,
        })
    }
}

/// The keys each table may hold.
const TOP_KEYS: &[&str] = &["project", "calendars", "resources", "tasks", "risks"];

/// How the origins of a document become the locations a plan keeps and the places findings
/// name.
enum Origins<'o> {
    /// Byte offsets into plan text.
    Text(&'o Text<'o>),
    /// Places in a stored project.
    Stored(stored::Places<'o>),
}

struct Reader<'o> {
    origins: Origins<'o>,
    /// Every finding, with where it was made.
    diagnostics: Vec<(Diagnostic, Option<Origin>)>,
}

/// A top-level table and where it was declared.
struct Section<'d> {
    table: &'d Table<'d>,
    at: Option<Origin>,
}

/// One table of a section (a calendar, resource, task or risk) with its known keys.
struct Member<'d> {
    id: &'d str,
    table: &'d Table<'d>,
    /// Where its id was written.
    at: Option<Origin>,
    /// Its known keys; the context names it: "task `build-api`".
    fields: Fields<'d>,
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

impl<'o> Reader<'o> {
    fn new(origins: Origins<'o>) -> Reader<'o> {
        Reader {
            origins,
            diagnostics: Vec::new(),
        }
    }

    /// The location a plan keeps for what was written at `at`: a line and column in plan text,
    /// nothing for a stored project.
    fn location(&self, at: Option<Origin>) -> Option<Location> {
        match &self.origins {
            Origins::Text(text) => at.map(|at| text.location(at.0)),
            Origins::Stored(_) => None,
        }
    }

    /// Where a missing key belongs: in plan text the table that lacks it; in a stored project
    /// the key itself (`tasks.build.duration`), since that is the field to fill in.
    fn missing(&mut self, at: Option<Origin>, key: &'static str) -> Option<Origin> {
        match &mut self.origins {
            Origins::Text(_) => at,
            Origins::Stored(places) => at.map(|at| places.with_field(at, key)),
        }
    }

    fn report(&mut self, diagnostic: Diagnostic, at: Option<Origin>) {
        self.diagnostics.push((diagnostic, at));
    }

    fn error(&mut self, code: &'static str, at: Option<Origin>, message: impl Into<String>) {
        self.report(Diagnostic::error(code, message), at);
    }

    fn warning(&mut self, code: &'static str, at: Option<Origin>, message: impl Into<String>) {
        self.report(Diagnostic::warning(code, message), at);
    }

    fn read<'d>(&mut self, root: &'d Table<'d>) -> Plan {
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
                    // At the start of the document (line 1, column 1 of a file).
                    self.error(
                        "missing-key",
                        Some(Origin(0)),
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

        Plan {
            project,
            calendars,
            resources,
            tasks,
            links,
            risks,
        }
    }

    /// A top-level section: a table of tables keyed by id.
    fn section<'d>(&mut self, top: &Fields<'d>, key: &str) -> Option<Section<'d>> {
        let entry = top.get(key)?;
        match entry.as_table() {
            Some(table) => Some(Section {
                table,
                at: Some(entry.key_at),
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
                    entry.describe(),
                    Some(entry.node.at),
                );
                None
            }
        }
    }

    /// The tables of a section, each with its known keys; an entry that is no table is
    /// reported. `kind` names one in messages (`task`), `keys` are the keys it may hold.
    fn members<'d>(
        &mut self,
        section: Option<&Section<'d>>,
        kind: &str,
        keys: &[&str],
    ) -> Vec<Member<'d>> {
        let Some(section) = section else {
            return Vec::new();
        };
        let mut members = Vec::with_capacity(section.table.entries.len());
        for entry in &section.table.entries {
            let id = entry.key;
            let at = Some(entry.key_at).or(section.at);
            match entry.as_table() {
                Some(table) => {
                    let fields = self.fields(table, keys, format!("{kind} `{id}`"), at);
                    members.push(Member {
                        id,
                        table,
                        at,
                        fields,
                    });
                }
                None => self.error(
                    "wrong-type",
                    at,
                    format!(
                        "{kind} `{id}` must be a table of keys, e.g. `[{}.{id}]`, found {}",
                        section_name(kind),
                        entry.describe()
                    ),
                ),
            }
        }
        members
    }
}
