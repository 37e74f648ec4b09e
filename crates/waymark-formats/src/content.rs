//! The stored project's shape: a plan file's tables as JSON objects, in file order. The store
//! keeps a project this way (each calendar, resource, task and risk a row whose `data` is its
//! `[tasks.ID]` table), the API sends and takes it, and [`crate::plan`] reads it into a
//! [`waymark_core::Plan`] as it reads plan TOML, so the three share one schema.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

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
