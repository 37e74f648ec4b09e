//! The Microsoft Project XML (MSPDI) reader: the text of a `.xml` file saved by Microsoft
//! Project (any version from 2003 on) or written by MPXJ in, a [`Plan`] out.
//!
//! It reads what scheduling needs, the way Microsoft Project means it: project settings,
//! calendars (working weeks, derived calendars, Project 2003 exception days, Project 2007+
//! recurring exceptions and work weeks, all expanded into dated exceptions), tasks in outline
//! order with their durations, constraints, deadlines, calendars, progress and manual dates,
//! links with their lags, resources and assignments. It does not schedule, and it keeps nothing
//! Waymark does not model (costs, baselines, timephased data, custom fields). Broken input is
//! reported as diagnostics with the line and column of the element at fault, never a panic.

mod calendars;
mod depth;
mod recurrence;
mod resources;
mod tasks;
#[cfg(test)]
mod tests;
mod values;
mod writer;

pub use depth::MAX_DEPTH;
pub use writer::write;

use crate::{Loaded, ReadResult};
use roxmltree::{Document, Node};
use values::{child, text, Positions};
use waymark_core::calendar::Calendar;
use waymark_core::{CalendarId, Diagnostic, Location, Plan, Project, Severity};

/// Read an MSPDI document.
pub fn read_mspdi(source: &str) -> ReadResult {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    // Before roxmltree, whose recursion a deeply nested file would overflow.
    if let Some(offset) = depth::too_deep(source, MAX_DEPTH) {
        return Err(vec![Diagnostic::error(
            "mspdi-too-deep",
            format!(
                "elements are nested more than {MAX_DEPTH} levels deep here; a Microsoft Project \
                 XML file nests about 10"
            ),
        )
        .at(Some(Positions::new(source).location(offset)))
        .with_help(
            "this is not a Microsoft Project file; save the project again as XML",
        )]);
    }
    let document = match Document::parse(source) {
        Ok(document) => document,
        Err(error) => {
            let location = match error {
                // roxmltree has no position for a file that stops too early: point at its end,
                // where the missing text belongs.
                roxmltree::Error::UnexpectedEndOfStream | roxmltree::Error::UnclosedRootNode => {
                    end_location(source)
                }
                _ => {
                    let position = error.pos();
                    Location {
                        line: position.row,
                        column: position.col,
                    }
                }
            };
            return Err(vec![Diagnostic::error(
                "mspdi-xml",
                format!("the file is not well-formed XML: {error}"),
            )
            .at(Some(location))
            .with_help("save the project again from Microsoft Project as XML")]);
        }
    };
    let mut reader = Reader {
        document: &document,
        diagnostics: Vec::new(),
        positions: Positions::new(source),
    };
    let plan = reader.plan();
    let has_error = reader
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.severity == Severity::Error);
    match plan {
        Some(plan) if !has_error => Ok(Loaded {
            plan,
            warnings: reader.diagnostics,
        }),
        _ => Err(reader.diagnostics),
    }
}

/// The state of one reading: the document and every problem found so far.
struct Reader<'a, 'input> {
    document: &'a Document<'input>,
    diagnostics: Vec<Diagnostic>,
    positions: Positions<'input>,
}

/// The line and column just past the last character of `source`.
fn end_location(source: &str) -> Location {
    let line = source.matches('\n').count() + 1;
    let last_line = source.rsplit('\n').next().unwrap_or_default();
    Location {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(last_line.chars().count() + 1).unwrap_or(u32::MAX),
    }
}

impl<'a, 'input> Reader<'a, 'input> {
    fn location(&self, node: Node<'_, '_>) -> Option<Location> {
        Some(self.positions.location(node.range().start))
    }

    fn error(&mut self, code: &'static str, node: Node<'_, '_>, message: String) {
        let location = self.location(node);
        self.diagnostics
            .push(Diagnostic::error(code, message).at(location));
    }

    fn warning(&mut self, code: &'static str, node: Node<'_, '_>, message: String) {
        let location = self.location(node);
        self.diagnostics
            .push(Diagnostic::warning(code, message).at(location));
    }

    fn plan(&mut self) -> Option<Plan> {
        let root = self.document.root_element();
        if root.tag_name().name() != "Project" {
            self.error(
                "mspdi-not-project",
                root,
                format!(
                    "the root element is <{}>, but a Microsoft Project XML file starts with <Project>",
                    root.tag_name().name()
                ),
            );
            return None;
        }
        let mut project = Project {
            location: self.location(root),
            ..Project::default()
        };
        project.name = text(root, "Title")
            .or_else(|| text(root, "Name"))
            .unwrap_or_default()
            .to_string();
        match self.instant(root, "StartDate") {
            Some(start) => project.start = start,
            None => {
                if child(root, "StartDate").is_none() {
                    self.error(
                        "mspdi-missing",
                        root,
                        "the project has no <StartDate>; Waymark needs it to schedule".into(),
                    );
                }
            }
        }
        if let Some(minutes) = self.positive_int(root, "MinutesPerDay", "the project") {
            project.minutes_per_day = minutes;
        }
        if let Some(minutes) = self.positive_int(root, "MinutesPerWeek", "the project") {
            project.minutes_per_week = minutes;
        }
        if let Some(days) = self.positive_int(root, "DaysPerMonth", "the project") {
            project.days_per_month = days;
        }
        project.status_date = self.instant(root, "StatusDate");
        project.currency = text(root, "CurrencyCode").map(str::to_string);
        if self.flag(root, "ScheduleFromStart") == Some(false) {
            let node = child(root, "ScheduleFromStart").unwrap_or(root);
            self.warning(
                "mspdi-backward-scheduling",
                node,
                "the project is scheduled from its finish date, which Waymark does not support yet; \
                 it is scheduled forward from its start date"
                    .into(),
            );
        }

        let mut plan = Plan::default();
        let calendar_uids = self.calendars(root, &mut plan);
        project.calendar = match self.int(root, "CalendarUID") {
            Some(uid) => {
                match calendar_uids.get(&uid) {
                    Some(&index) => CalendarId(index),
                    None => {
                        let node = child(root, "CalendarUID").unwrap_or(root);
                        self.warning(
                        "mspdi-unknown-calendar",
                        node,
                        format!("the project calendar {uid} is not defined; the first calendar is used"),
                    );
                        CalendarId(0)
                    }
                }
            }
            None => CalendarId(0),
        };
        if plan.calendars.is_empty() {
            self.warning(
                "mspdi-no-calendar",
                root,
                "the file defines no calendar; the standard calendar (Monday to Friday, \
                 08:00-12:00 and 13:00-17:00) is used"
                    .into(),
            );
            plan.calendars.push(Calendar::standard());
            project.calendar = CalendarId(0);
        }
        plan.project = project;

        let resource_uids = self.resources(root, &mut plan, &calendar_uids);
        let task_uids = self.tasks(root, &mut plan, &calendar_uids);
        self.assignments(root, &mut plan, &task_uids, &resource_uids);
        Some(plan)
    }
}
