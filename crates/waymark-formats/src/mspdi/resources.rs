//! `<Resources>` and `<Assignments>`: work, material and cost resources, and who works on what.

use super::values::{child, children, text};
use super::Reader;
use roxmltree::Node;
use std::collections::HashMap;
use waymark_core::{Assignment, CalendarId, Plan, Resource, ResourceId, ResourceKind, TaskId};

impl<'a, 'input> Reader<'a, 'input> {
    pub(super) fn resources(
        &mut self,
        root: Node<'a, 'input>,
        plan: &mut Plan,
        calendars: &HashMap<i64, usize>,
    ) -> HashMap<i64, ResourceId> {
        let mut uids = HashMap::new();
        let Some(resources) = child(root, "Resources") else {
            return uids;
        };
        for node in children(resources, "Resource") {
            let Some(uid) = self.int(node, "UID") else {
                continue;
            };
            // UID 0 is the blank resource Microsoft Project keeps for unassigned work.
            if uid == 0 || self.flag(node, "IsNull") == Some(true) {
                continue;
            }
            let name = text(node, "Name").unwrap_or_default().to_string();
            // Microsoft Project's resource Group is where a team keeps a person's role.
            let role = text(node, "Group").map(str::to_string);
            let units = match self.float(node, "MaxUnits") {
                Some(units) if units <= 0.0 => {
                    self.error(
                        "out-of-range",
                        child(node, "MaxUnits").unwrap_or(node),
                        format!(
                            "<MaxUnits> of resource {uid} `{name}` must be more than 0 (1 is full \
                             time), found {units}"
                        ),
                    );
                    1.0
                }
                units => units.unwrap_or(1.0),
            };
            let rate = self.float(node, "StandardRate");
            let kind = self.int(node, "Type").unwrap_or(1);
            let calendar = match self.int(node, "CalendarUID") {
                Some(calendar_uid) if calendar_uid >= 0 => {
                    calendars.get(&calendar_uid).map(|&i| CalendarId(i))
                }
                _ => None,
            };
            let kind = match kind {
                0 => ResourceKind::Material,
                2 => ResourceKind::Cost,
                _ => ResourceKind::Work,
            };
            uids.insert(uid, ResourceId(plan.resources.len()));
            plan.resources.push(Resource {
                id: uid.to_string(),
                name,
                kind,
                role,
                units,
                rate,
                calendar,
                location: self.location(node),
            });
        }
        uids
    }

    pub(super) fn assignments(
        &mut self,
        root: Node<'a, 'input>,
        plan: &mut Plan,
        tasks: &HashMap<i64, TaskId>,
        resources: &HashMap<i64, ResourceId>,
    ) {
        let Some(assignments) = child(root, "Assignments") else {
            return;
        };
        for node in children(assignments, "Assignment") {
            let task_uid = self.int(node, "TaskUID");
            let resource_uid = self.int(node, "ResourceUID");
            let (Some(task_uid), Some(resource_uid)) = (task_uid, resource_uid) else {
                continue;
            };
            // Unassigned work (resource -65535 or the blank resource 0), or a skipped task.
            let (Some(&task), Some(&resource)) =
                (tasks.get(&task_uid), resources.get(&resource_uid))
            else {
                continue;
            };
            let units = self.float(node, "Units").unwrap_or(1.0);
            if let Some(task) = plan.tasks.get_mut(task.0) {
                task.assignments.push(Assignment { resource, units });
            }
        }
    }
}
