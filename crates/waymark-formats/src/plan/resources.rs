//! `[resources.ID]`: people, material and cost resources with their units, rates and calendars.

use super::suggest::did_you_mean;
use super::{Member, Reader, Section};
use rustc_hash::FxHashMap;
use waymark_core::{CalendarId, Resource, ResourceKind};

pub(super) const RESOURCE_KEYS: &[&str] = &["name", "kind", "role", "units", "rate", "calendar"];

impl<'s> Reader<'s> {
    pub(super) fn read_resources(
        &mut self,
        section: Option<&Section<'_>>,
        calendar_ids: &FxHashMap<&str, usize>,
    ) -> Vec<Resource> {
        let members = self.members(section, "resource", RESOURCE_KEYS);
        let mut resources = Vec::with_capacity(members.len());
        for Member { id, at, fields, .. } in members {
            let owner = &fields.context;
            let mut resource = Resource {
                id: id.to_string(),
                name: id.to_string(),
                units: 1.0,
                location: self.location(at),
                ..Resource::default()
            };
            if let Some(name) = self.string(&fields, "name", "a string") {
                resource.name = name.value.to_string();
            }
            if let Some(role) = self.string(&fields, "role", "a string") {
                resource.role = Some(role.value.to_string());
            }
            if let Some(units) = self.number(&fields, "units", "a number like 1.0 or 0.5") {
                if units.value > 0.0 {
                    resource.units = units.value;
                } else {
                    self.error(
                        "out-of-range",
                        units.at,
                        format!(
                            "`units` of {owner} must be more than 0 (1.0 is full time), found {}",
                            units.value
                        ),
                    );
                }
            }
            if let Some(rate) = self.number(
                &fields,
                "rate",
                "a number (cost per working hour) like 95.0",
            ) {
                if rate.value >= 0.0 {
                    resource.rate = Some(rate.value);
                } else {
                    self.error(
                        "out-of-range",
                        rate.at,
                        format!(
                            "`rate` of {owner} must not be negative, found {}",
                            rate.value
                        ),
                    );
                }
            }
            resource.calendar = self
                .calendar_ref(&fields, calendar_ids, owner)
                .map(CalendarId);
            if let Some(text) =
                self.string(&fields, "kind", "one of \"work\", \"material\", \"cost\"")
            {
                match text.value.to_ascii_lowercase().as_str() {
                    "work" => resource.kind = ResourceKind::Work,
                    "material" => resource.kind = ResourceKind::Material,
                    "cost" => resource.kind = ResourceKind::Cost,
                    other => {
                        let hint = did_you_mean(other, ["work", "material", "cost"]);
                        self.error(
                            "unknown-value",
                            text.at,
                            format!(
                                "unknown kind `{}` in {owner}: use work, material or cost{hint}",
                                text.value
                            ),
                        );
                    }
                }
            }
            resources.push(resource);
        }
        resources
    }
}
