//! A stored project as the reader's document: the project's fields and each calendar,
//! resource, task and risk as the tables of a plan file whose `[project]` and `[KIND.ID]` were
//! written as headers and every field as `key = value` (nested objects as inline tables), which
//! is what the rules and messages of the plan file then say about them. Each node's origin is a
//! place, the object and field it belongs to, so that findings name them instead of a line.
//!
//! Ids and strings are compared in Unicode NFC, as in a plan file; a field that is `null` is a
//! field not given. Two objects of one kind whose ids are the same in NFC are a `duplicate-id`.

use super::tree::{Entry, Node, Origin, Shape, Table, Value};
use super::{outcome, Origins, Reader};
use crate::content::{EntityKind, Fields, Finding, Place, PlanContent};
use crate::ReadResult;
use rustc_hash::FxHashSet;
use serde_json::{Map, Value as Json};
use std::borrow::Cow;

/// A place in the stored project, and its rank in document order (the object, then the field:
/// 0 for the object itself, else the field's position among its keys).
#[derive(Clone, Copy)]
struct Spot<'s> {
    collection: Option<&'static str>,
    id: Option<&'s str>,
    field: Option<&'s str>,
    rank: (u32, u32),
}

/// The places of a stored project's document, indexed by [`Origin`]; the first is the project
/// as a whole.
pub(super) struct Places<'s> {
    spots: Vec<Spot<'s>>,
}

impl<'s> Places<'s> {
    /// The place of `field` of the object at `at` (the same place when `at` names a field).
    pub(super) fn with_field(&mut self, at: Origin, field: &'static str) -> Origin {
        match self.spots.get(at.0) {
            Some(spot) if spot.field.is_none() && spot.collection.is_some() => {
                let spot = Spot {
                    field: Some(field),
                    ..*spot
                };
                self.spots.push(spot);
                Origin(self.spots.len() - 1)
            }
            _ => at,
        }
    }

    fn place(&self, at: Option<Origin>) -> (Place, (u32, u32)) {
        match at.and_then(|at| self.spots.get(at.0)) {
            Some(spot) => (
                Place {
                    collection: spot.collection,
                    id: spot.id.map(str::to_owned),
                    field: spot.field.map(str::to_owned),
                },
                spot.rank,
            ),
            None => (Place::default(), (u32::MAX, u32::MAX)),
        }
    }

    fn add(&mut self, spot: Spot<'s>) -> Origin {
        self.spots.push(spot);
        Origin(self.spots.len() - 1)
    }
}

/// An object left out because an object of the same kind had its id already.
struct Duplicate<'s> {
    kind: EntityKind,
    id: &'s str,
    at: Origin,
}

/// Reads a stored project: see [`super::read_stored`].
pub(super) fn read(content: &PlanContent) -> ReadResult<Finding> {
    let content = nfc(content);
    let mut places = Places { spots: Vec::new() };
    let mut duplicates = Vec::new();
    let root = document(&content, &mut places, &mut duplicates);
    let mut reader = Reader::new(Origins::Stored(places));
    for duplicate in duplicates {
        let kind = duplicate.kind;
        reader.error(
            "duplicate-id",
            Some(duplicate.at),
            format!(
                "{kind} `{}` is defined twice (ids are compared in Unicode normalisation form \
                 C); the second is left out",
                duplicate.id
            ),
        );
    }
    let plan = reader.read(&root);
    let Reader {
        origins,
        diagnostics,
    } = reader;
    let places = match origins {
        Origins::Stored(places) => places,
        // Never: this reader was made with places.
        Origins::Text(_) => Places { spots: Vec::new() },
    };
    let mut found: Vec<(Finding, (u32, u32))> = diagnostics
        .into_iter()
        .map(|(diagnostic, at)| {
            let (place, rank) = places.place(at);
            (Finding { diagnostic, place }, rank)
        })
        .collect();
    // In document order, as the findings of a plan file are; the sort is stable.
    found.sort_by_key(|(_, rank)| *rank);
    let found = found.into_iter().map(|(finding, _)| finding).collect();
    outcome(plan, found, |finding: &Finding| finding.diagnostic.severity)
}

/// The document of a stored project, as plan text would give it: `[project]` always, a section
/// for each kind that has objects, each object a `[KIND.ID]` table.
fn document<'s>(
    content: &'s PlanContent,
    places: &mut Places<'s>,
    duplicates: &mut Vec<Duplicate<'s>>,
) -> Table<'s> {
    let mut rank = 0;
    let mut next_rank = || {
        rank += 1;
        rank
    };
    // The project as a whole, at origin 0.
    places.add(Spot {
        collection: None,
        id: None,
        field: None,
        rank: (0, 0),
    });
    let mut entries = Vec::with_capacity(1 + EntityKind::ALL.len());
    let project = places.add(Spot {
        collection: Some("project"),
        id: None,
        field: None,
        rank: (next_rank(), 0),
    });
    entries.push(header(
        "project",
        project,
        object(&content.project, project, places),
    ));
    for kind in EntityKind::ALL {
        let objects = content.entities(kind);
        if objects.is_empty() {
            continue;
        }
        let section = places.add(Spot {
            collection: Some(kind.table()),
            id: None,
            field: None,
            rank: (next_rank(), 0),
        });
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        let mut members = Vec::with_capacity(objects.len());
        for (id, data) in objects {
            let at = places.add(Spot {
                collection: Some(kind.table()),
                id: Some(id),
                field: None,
                rank: (next_rank(), 0),
            });
            if !seen.insert(id) {
                duplicates.push(Duplicate { kind, id, at });
                continue;
            }
            members.push(header(id, at, object(data, at, places)));
        }
        let table = Table { entries: members };
        entries.push(header(kind.table(), section, table));
    }
    Table { entries }
}

/// A table written under a `[header]`.
fn header<'s>(key: &'s str, at: Origin, table: Table<'s>) -> Entry<'s> {
    Entry {
        key,
        key_at: at,
        node: Node {
            value: Value::Table(table),
            at,
        },
        shape: Shape::Table,
    }
}

/// An object's fields, each at its own place; `null` fields are left out.
fn object<'s>(fields: &'s Fields, at: Origin, places: &mut Places<'s>) -> Table<'s> {
    let owner = places.spots.get(at.0).copied();
    let entries = fields
        .iter()
        .enumerate()
        .filter(|(_, (_, value))| !value.is_null())
        .map(|(index, (key, value))| {
            let at = match owner {
                Some(owner) => places.add(Spot {
                    field: Some(key),
                    rank: (owner.rank.0, u32::try_from(index + 1).unwrap_or(u32::MAX)),
                    ..owner
                }),
                None => at,
            };
            Entry {
                key,
                key_at: at,
                node: node(value, at),
                shape: Shape::Value,
            }
        })
        .collect();
    Table { entries }
}

/// A field's value; everything in it is at the field's place.
fn node<'s>(value: &'s Json, at: Origin) -> Node<'s> {
    let value = match value {
        Json::Null => Value::Null,
        Json::Bool(flag) => Value::Boolean(*flag),
        Json::Number(number) => match number.as_i64() {
            Some(integer) => Value::Integer(integer),
            None => Value::Float(number.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(text) => Value::String(text),
        Json::Array(items) => Value::Array(items.iter().map(|item| node(item, at)).collect()),
        Json::Object(map) => Value::Table(Table {
            entries: map
                .iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(key, value)| Entry {
                    key,
                    key_at: at,
                    node: node(value, at),
                    shape: Shape::Value,
                })
                .collect(),
        }),
    };
    Node { value, at }
}

/// The content with every id, key and string in NFC; borrowed when it already is (all ASCII
/// text is), which is nearly always.
fn nfc(content: &PlanContent) -> Cow<'_, PlanContent> {
    let normal = |text: &str| matches!(super::source::nfc(text), Cow::Borrowed(_));
    fn json_normal(value: &Json, normal: &impl Fn(&str) -> bool) -> bool {
        match value {
            Json::String(text) => normal(text),
            Json::Array(items) => items.iter().all(|item| json_normal(item, normal)),
            Json::Object(map) => map_normal(map, normal),
            _ => true,
        }
    }
    fn map_normal(map: &Map<String, Json>, normal: &impl Fn(&str) -> bool) -> bool {
        map.iter()
            .all(|(key, value)| normal(key) && json_normal(value, normal))
    }
    let normalized = map_normal(&content.project, &normal)
        && EntityKind::ALL.into_iter().all(|kind| {
            content
                .entities(kind)
                .iter()
                .all(|(id, data)| normal(id) && map_normal(data, &normal))
        });
    if normalized {
        return Cow::Borrowed(content);
    }
    let text = |text: &str| super::source::nfc(text).into_owned();
    fn json_nfc(value: &Json, text: &impl Fn(&str) -> String) -> Json {
        match value {
            Json::String(string) => Json::String(text(string)),
            Json::Array(items) => Json::Array(items.iter().map(|i| json_nfc(i, text)).collect()),
            Json::Object(map) => Json::Object(map_nfc(map, text)),
            other => other.clone(),
        }
    }
    fn map_nfc(map: &Map<String, Json>, text: &impl Fn(&str) -> String) -> Map<String, Json> {
        map.iter()
            .map(|(key, value)| (text(key), json_nfc(value, text)))
            .collect()
    }
    let mut owned = PlanContent {
        project: map_nfc(&content.project, &text),
        ..PlanContent::default()
    };
    for kind in EntityKind::ALL {
        *owned.entities_mut(kind) = content
            .entities(kind)
            .iter()
            .map(|(id, data)| (text(id), map_nfc(data, &text)))
            .collect();
    }
    Cow::Owned(owned)
}
