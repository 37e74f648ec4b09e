//! `[project]`: name, start, status date, deadline, calendar (which sets the length of a `d`),
//! currency and work-in-progress limits.

use super::fields::{resolve_date, DateRole, Fields};
use super::{Reader, Section};
use crate::duration::Scale;
use rustc_hash::FxHashMap;
use waymark_core::calendar::DayHours;
use waymark_core::{Calendar, CalendarId, Project, TaskStatus, WorkCalendar};

pub(super) const PROJECT_KEYS: &[&str] = &[
    "name",
    "start",
    "status_date",
    "deadline",
    "calendar",
    "currency",
    "wip_limits",
];

/// The board columns that `wip_limits` may limit (the keys of [`TaskStatus`]).
pub(super) const WIP_COLUMNS: [&str; 3] = ["not_started", "in_progress", "done"];

/// The largest work-in-progress limit: beyond it a limit limits nothing.
pub(super) const WIP_LIMIT_MAX: i64 = 10_000;

impl<'s> Reader<'s> {
    pub(super) fn read_project(
        &mut self,
        section: &Section<'_>,
        calendars: &[Calendar],
        calendar_ids: &FxHashMap<&str, usize>,
        compiled: &[Option<WorkCalendar>],
        weeks: &[[DayHours; 7]],
    ) -> Project {
        let fields = self.fields(
            section.table,
            PROJECT_KEYS,
            "[project]".to_string(),
            section.at,
        );
        let mut project = Project {
            location: self.location(section.at),
            ..Project::default()
        };
        if let Some(name) = self.string(&fields, "name", "a string") {
            project.name = name.value.to_string();
        }
        if let Some(currency) = self.string(&fields, "currency", "a currency code like \"EUR\"") {
            project.currency = Some(currency.value.to_string());
        }
        let standard = calendars
            .iter()
            .position(|c| c.id == "standard")
            .unwrap_or(0);
        project.calendar = CalendarId(
            self.calendar_ref(&fields, calendar_ids, "the project")
                .unwrap_or(standard),
        );
        // A `d` is the project calendar's average working day.
        if let Some(scale) = weeks
            .get(project.calendar.0)
            .and_then(|week| Scale::of_week(week))
        {
            project.minutes_per_day = scale.minutes_per_day;
            project.minutes_per_week = scale.minutes_per_week;
            project.days_per_month = scale.days_per_month;
        }
        let calendar = compiled.get(project.calendar.0).and_then(Option::as_ref);
        match self.date(&fields, "start") {
            Some(start) => project.start = resolve_date(start.value, DateRole::Start, calendar),
            None if fields.get("start").is_none() => {
                let at = self.missing(fields.at, "start");
                self.error(
                    "missing-key",
                    at,
                    "[project] has no `start`; add the first day of work, e.g. `start = 2027-01-04`",
                );
            }
            None => {}
        }
        if let Some(date) = self.date(&fields, "status_date") {
            project.status_date = Some(resolve_date(date.value, DateRole::Status, calendar));
        }
        if let Some(date) = self.date(&fields, "deadline") {
            project.deadline = Some(resolve_date(date.value, DateRole::Finish, calendar));
        }
        self.read_wip_limits(&fields, &mut project);
        project
    }

    /// `wip_limits = { in_progress = 4 }`: a positive whole number per board column.
    pub(super) fn read_wip_limits(&mut self, fields: &Fields<'_>, project: &mut Project) {
        let Some(entry) = fields.get("wip_limits") else {
            return;
        };
        let expected =
            "a table of board columns and limits, e.g. `wip_limits = { in_progress = 4 }`";
        let Some(table) = entry.as_table() else {
            self.wrong_type(
                "wip_limits",
                &fields.context,
                expected,
                entry.describe(),
                Some(entry.node.at),
            );
            return;
        };
        let limits = self.fields(
            table,
            &WIP_COLUMNS,
            "`wip_limits` of [project]".to_string(),
            Some(entry.key_at),
        );
        for column in TaskStatus::ALL {
            let key = column.key();
            let Some((value, at)) = self.value(&limits, key, "a whole number like 4") else {
                continue;
            };
            match value.as_integer() {
                Some(limit) if (1..=WIP_LIMIT_MAX).contains(&limit) => {
                    project.wip_limits.insert(column, limit as u32);
                }
                Some(limit) => self.error(
                    "out-of-range",
                    at,
                    format!(
                        "`{key}` in `wip_limits` of [project] must be from 1 to {WIP_LIMIT_MAX}, found {limit}"
                    ),
                ),
                None => self.wrong_type(
                    key,
                    &limits.context,
                    "a whole number like 4",
                    value.describe(),
                    at,
                ),
            }
        }
    }
}
