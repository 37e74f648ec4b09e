//! The stored project's shape: a plan file's tables as JSON objects, in file order. The store
//! keeps a project this way (each calendar, resource, task and risk a row whose `data` is its
//! `[tasks.ID]` table), the API sends and takes it, and it becomes a [`Plan`] by the plan
//! reader's own rules ([`read`]), so the three share one schema.
//!
//! The conversions, both ways: [`read`] (a stored project as a plan, each finding naming the
//! object and field it is about), [`from_plan_text`] and [`from_mspdi_text`] (what an import
//! stores, read once), [`from_plan`] (a plan as the plan writer would write it) and
//! [`to_plan_text`] (a stored project as plan TOML).

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};
use waymark_core::{Diagnostic, Plan};

use crate::{Loaded, ReadResult};

/// A JSON object: project fields or an entity's fields, keyed as in the plan file.
pub type Fields = Map<String, Value>;

/// A name that is none of the entity kinds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown entity kind `{0}`")]
pub struct UnknownKind(pub String);

/// The four kinds of project content, each a table of the plan file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    Calendar,
    Resource,
    Task,
    Risk,
}

impl EntityKind {
    /// In the order of the plan file's tables.
    pub const ALL: [EntityKind; 4] = [
        EntityKind::Calendar,
        EntityKind::Resource,
        EntityKind::Task,
        EntityKind::Risk,
    ];

    /// The singular name, used in the database and the event log: `task`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Calendar => "calendar",
            EntityKind::Resource => "resource",
            EntityKind::Task => "task",
            EntityKind::Risk => "risk",
        }
    }

    /// The plan file's table: `tasks`.
    pub fn table(self) -> &'static str {
        match self {
            EntityKind::Calendar => "calendars",
            EntityKind::Resource => "resources",
            EntityKind::Task => "tasks",
            EntityKind::Risk => "risks",
        }
    }

    /// The field that names an entity of this kind (risks have a title).
    pub fn name_field(self) -> &'static str {
        match self {
            EntityKind::Risk => "title",
            _ => "name",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityKind {
    type Err = UnknownKind;

    fn from_str(text: &str) -> Result<EntityKind, UnknownKind> {
        EntityKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text || kind.table() == text)
            .ok_or_else(|| UnknownKind(text.to_owned()))
    }
}

/// A whole project in the plan file's shape, in order: what import takes and export gives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanContent {
    /// The `[project]` table.
    pub project: Fields,
    pub calendars: Vec<(String, Fields)>,
    pub resources: Vec<(String, Fields)>,
    /// In plan order (the order of the file, or the positions in the store).
    pub tasks: Vec<(String, Fields)>,
    pub risks: Vec<(String, Fields)>,
}

impl PlanContent {
    pub fn entities(&self, kind: EntityKind) -> &[(String, Fields)] {
        match kind {
            EntityKind::Calendar => &self.calendars,
            EntityKind::Resource => &self.resources,
            EntityKind::Task => &self.tasks,
            EntityKind::Risk => &self.risks,
        }
    }

    pub fn entities_mut(&mut self, kind: EntityKind) -> &mut Vec<(String, Fields)> {
        match kind {
            EntityKind::Calendar => &mut self.calendars,
            EntityKind::Resource => &mut self.resources,
            EntityKind::Task => &mut self.tasks,
            EntityKind::Risk => &mut self.risks,
        }
    }

    /// The document as JSON: `{"project": {..}, "calendars": {..}, "resources": {..}, "tasks":
    /// {..}, "risks": {..}}`. A JSON object keeps its keys in order only when serde_json's
    /// `preserve_order` feature is on, so code that needs the task order reads `tasks` instead.
    pub fn to_json(&self) -> Value {
        let mut document = Map::new();
        document.insert("project".into(), Value::Object(self.project.clone()));
        for kind in EntityKind::ALL {
            let table = self
                .entities(kind)
                .iter()
                .map(|(key, data)| (key.clone(), Value::Object(data.clone())))
                .collect();
            document.insert(kind.table().into(), Value::Object(table));
        }
        Value::Object(document)
    }
}

/// Where in a stored project a finding belongs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Place {
    /// `project` for the project's fields, else the object's collection (`calendars`,
    /// `resources`, `tasks`, `risks`); `None` for the project as a whole.
    pub collection: Option<&'static str>,
    /// The object's id (`build-api`); `None` for the project.
    pub id: Option<String>,
    /// The key of the object's fields the finding is about (`duration`); for a value inside an
    /// array or an inline table, the key that holds it. `None` for the object as a whole.
    pub field: Option<String>,
}

impl fmt::Display for Place {
    /// `tasks.build-api.duration`, `project.start`, `resources.ana`; empty for no place.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [self.collection, self.id.as_deref(), self.field.as_deref()];
        let mut first = true;
        for part in parts.into_iter().flatten() {
            if !first {
                f.write_str(".")?;
            }
            f.write_str(part)?;
            first = false;
        }
        Ok(())
    }
}

/// A finding of the stored-project reader: the plan reader's diagnostic (with no line and
/// column: a stored project has none) and the object and field it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub place: Place,
}

/// The stored project as a plan: the plan file's rules, codes and messages, read from the
/// JSON tables directly. Each finding names the object and field it is about.
pub fn read(content: &PlanContent) -> ReadResult<Finding> {
    crate::plan::read_stored(content)
}

/// Plan TOML as a project to store, read once: the tables in the order they were written, and
/// the plan they make with its warnings. The plan reader's diagnostics when it does not read.
pub fn from_plan_text(text: &str) -> Result<(PlanContent, Loaded), Vec<Diagnostic>> {
    crate::plan::read_plan_content(text).map(|(loaded, content)| (content, loaded))
}

/// Microsoft Project XML as a project to store: the plan the MSPDI reader makes, as the plan
/// writer would write it ([`from_plan`]), with the MSPDI reader's warnings.
pub fn from_mspdi_text(text: &str) -> Result<(PlanContent, Loaded), Vec<Diagnostic>> {
    let loaded = crate::mspdi::read_mspdi(text)?;
    Ok((from_plan(&loaded.plan), loaded))
}

/// A plan as a stored project: what [`crate::plan::write`] would write, as tables (the same
/// ids, keys, units, date forms and order), so that reading it back gives the same plan.
pub fn from_plan(plan: &Plan) -> PlanContent {
    crate::plan::writer::content(plan)
}

/// A stored project as plan TOML: `[project]`, then every calendar, resource, task and risk in
/// its stored order, each field as it is stored (dates stay strings, which the reader accepts).
/// A `null` field is not given and is left out.
pub fn to_plan_text(content: &PlanContent) -> String {
    crate::toml_text::content(content)
}
