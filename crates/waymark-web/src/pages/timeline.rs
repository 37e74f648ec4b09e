//! The timeline page: an interactive Gantt chart of the project's schedule (bars, summary bars,
//! milestones, dependency arrows, the critical path, the status date, today and the deadline).
//!
//! The server renders the frame of the page and hands the schedule to `static/timeline.js` as a
//! JSON island: the schedule view's document (`waymark_report::json::schedule_json`, the same
//! JSON as `GET /api/v1/projects/{id}/schedule`), each task's stored version and the fields a
//! drag changes, and the project calendar's working minutes per calendar day, with which the
//! script turns a dragged end date into working time. Every change goes through the JSON API
//! (`PATCH` of the task with `If-Match`), so the page obeys the API's roles and concurrency
//! rules; nothing here writes to the store.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use serde::Serialize;
use waymark_core::model::Plan;
use waymark_core::{time, WorkCalendar};

use super::{current, json_island, project_page, Panel, ProjectPage, ProjectRequest, Tab};
use crate::AppState;

/// Days of calendar the island holds before the first task and after the last one, so that a
/// task dragged well past the current finish is still measured on the real calendar.
const CALENDAR_MARGIN_BEFORE: i64 = 366;
const CALENDAR_MARGIN_AFTER: i64 = 3 * 366;
/// The most days of calendar one page carries (about 40 years), whatever the plan's span.
const CALENDAR_MAX_DAYS: i64 = 40 * 366;

/// What the page's script needs to change one task.
#[derive(Serialize)]
struct TaskEdit {
    /// The stored version, sent back as `If-Match`.
    version: i64,
    /// The stored constraint and duration texts, as the plan file has them.
    start_no_earlier_than: Option<String>,
    start_no_later_than: Option<String>,
    duration: Option<String>,
    /// Dates fixed by something a start-no-earlier-than constraint cannot move: a manually
    /// scheduled task, or a must-start-on / must-finish-on constraint.
    fixed: bool,
    /// The task is measured on a calendar of its own (or its people's), so the project
    /// calendar's days are an approximation of its working time.
    own_calendar: bool,
}

/// The project calendar's working minutes on each calendar day from `first` on; days after
/// the last repeat the last week.
#[derive(Serialize)]
struct CalendarDays {
    first: String,
    minutes: Vec<i64>,
}

/// The JSON island of the page.
#[derive(Serialize)]
pub(super) struct TimelineData {
    schedule: waymark_report::json::ScheduleJson,
    tasks: BTreeMap<String, TaskEdit>,
    calendar: CalendarDays,
}

fn text(data: &waymark_store::Fields, key: &str) -> Option<String> {
    data.get(key).and_then(|value| match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    })
}

fn task_edit(entity: &waymark_store::Entity) -> TaskEdit {
    let data = &entity.data;
    let has = |key: &str| data.get(key).is_some_and(|value| !value.is_null());
    TaskEdit {
        version: entity.version,
        start_no_earlier_than: text(data, "start_no_earlier_than"),
        start_no_later_than: text(data, "start_no_later_than"),
        duration: text(data, "duration"),
        fixed: has("manual_start") || has("must_start_on") || has("must_finish_on"),
        own_calendar: has("calendar"),
    }
}

/// The project calendar's working minutes per day over the schedule's span and the margins.
fn calendar_days(plan: &Plan, schedule: &waymark_core::Schedule) -> Option<CalendarDays> {
    let calendar = WorkCalendar::compile(&plan.calendars, plan.project.calendar.0).ok()?;
    let mut low = time::day_of(plan.project.start);
    let mut high = low;
    for task in &schedule.tasks {
        low = low.min(time::day_of(task.start));
        high = high.max(time::day_of(task.finish));
    }
    for instant in [plan.project.status_date, plan.project.deadline]
        .into_iter()
        .flatten()
    {
        low = low.min(time::day_of(instant));
        high = high.max(time::day_of(instant));
    }
    let first = low - CALENDAR_MARGIN_BEFORE;
    let last = (high + CALENDAR_MARGIN_AFTER).min(first + CALENDAR_MAX_DAYS);
    Some(CalendarDays {
        first: time::date_of_day(first).format("%Y-%m-%d").to_string(),
        minutes: (first..=last)
            .map(|day| calendar.day_minutes(day))
            .collect(),
    })
}

/// The schedule of the page, or why there is none.
/// The timeline of a project, kept by revision: the island is a pure function of the
/// revision's content.
pub(super) static TIMELINE: Panel<Result<TimelineData, String>> = Panel {
    name: "timeline",
    forecast: false,
    compute: |figures| match figures.scheduled() {
        Ok((plan, computed)) => timeline_of(plan, computed, &figures.tasks),
        Err(_) => Err("the plan has errors; see the overview's red flags".to_owned()),
    },
};

fn timeline_of(
    plan: &Plan,
    computed: &Result<waymark_core::Schedule, waymark_core::ScheduleError>,
    stored: &BTreeMap<String, waymark_store::Entity>,
) -> Result<TimelineData, String> {
    let computed = computed.as_ref().map_err(ToString::to_string)?;
    let calendar = calendar_days(plan, computed)
        .ok_or_else(|| "the project calendar has no working time".to_owned())?;
    let schedule = waymark_report::json::schedule_json(plan, computed);
    // A task scheduled on its people's calendars is also measured on another calendar.
    let own_calendar: Vec<bool> = plan
        .tasks
        .iter()
        .map(|task| {
            task.calendar.is_some()
                || task.assignments.iter().any(|assignment| {
                    plan.resources
                        .get(assignment.resource.0)
                        .is_some_and(|resource| resource.calendar.is_some())
                })
        })
        .collect();
    let tasks = plan
        .tasks
        .iter()
        .zip(own_calendar)
        .filter_map(|(task, own_calendar)| {
            let entity = stored.get(&task.id)?;
            let mut edit = task_edit(entity);
            edit.own_calendar |= own_calendar;
            edit.fixed |= task.manual.is_some();
            Some((task.id.clone(), edit))
        })
        .collect();
    Ok(TimelineData {
        schedule,
        tasks,
        calendar,
    })
}

/// The controls above the chart: zoom, the legend, and for managers how to drag.
fn toolbar(can_drag: bool) -> Markup {
    html! {
        div.tl-toolbar {
            div.tl-zoom role="group" aria-label="Zoom" {
                button type="button" data-zoom="day" aria-pressed="false" { "Days" }
                button type="button" data-zoom="week" aria-pressed="true" { "Weeks" }
                button type="button" data-zoom="month" aria-pressed="false" { "Months" }
            }
            button.tl-secondary type="button" #tl-today { "Go to today" }
        }
        ul.tl-legend aria-label="Legend" {
            li { span.tl-swatch.tl-swatch-task {} "Task" }
            li { span.tl-swatch.tl-swatch-critical {} "Critical path" }
            li { span.tl-swatch.tl-swatch-progress {} "Done" }
            li { span.tl-swatch.tl-swatch-summary {} "Summary" }
            li { span.tl-swatch.tl-swatch-milestone {} "Milestone" }
            li { span.tl-swatch.tl-swatch-status {} "Status date" }
            li { span.tl-swatch.tl-swatch-today {} "Today" }
            li { span.tl-swatch.tl-swatch-deadline {} "Deadline" }
            li { span.tl-swatch.tl-swatch-moved {} "Moved by the last change" }
        }
        @if can_drag {
            p.tl-hint #tl-hint {
                "Drag a bar to move its task (it gets a start-no-earlier-than date) and drag its \
                 right end to change its duration. By keyboard: focus a bar, then Alt+→ / Alt+← \
                 moves it a day, Alt+Shift+→ / Alt+Shift+← changes its duration by a day, and \
                 Enter opens a form."
            }
        }
        p.tl-keys.muted {
            "↑ and ↓ go from bar to bar; + and − zoom in and out."
        }
    }
}

/// The form for a task's start constraint and duration (managers only).
fn dialog() -> Markup {
    html! {
        dialog #tl-dialog aria-labelledby="tl-dialog-title" {
            form #tl-form novalidate {
                h2 #tl-dialog-title { "Change the task" }
                p.muted #tl-dialog-dates {}
                label for="tl-start" { "Start no earlier than" }
                input #tl-start type="date" name="start" aria-describedby="tl-start-error";
                span.field-error #tl-start-error {}
                label for="tl-duration" { "Duration" }
                input #tl-duration type="text" name="duration" inputmode="decimal"
                    placeholder="5d" aria-describedby="tl-duration-help tl-duration-error";
                span.muted.tl-help #tl-duration-help { "Working time: a number and m, h, d or w (\"5d\", \"3.5h\")." }
                span.field-error #tl-duration-error {}
                p.field-error #tl-form-error role="alert" {}
                div.tl-actions {
                    button type="submit" { "Save" }
                    button.tl-secondary type="button" #tl-clear { "Remove the start constraint" }
                    button.tl-secondary type="button" #tl-cancel { "Cancel" }
                }
            }
        }
    }
}

/// The timeline of one project; 404 for a project the user may not see (the API's rule).
pub(super) async fn page(
    State(state): State<AppState>,
    ProjectRequest {
        user,
        context: project,
    }: ProjectRequest,
) -> Response {
    let _id = project.project.id;
    let data = match current(&state, &project.project, &TIMELINE).await {
        Ok(data) => data,
        Err(response) => return response,
    };
    let content = content(&project, &data);
    project_page(&user, &project, Tab::Timeline, Some("timeline"), content)
}

fn content(project: &ProjectPage, data: &Result<TimelineData, String>) -> Markup {
    let overview = format!("/projects/{}", project.project.id.0);
    let can_drag = project.can_edit();
    html! {
        h1 { "Timeline" }
        @match data {
            Err(problem) => {
                p.bad { "No timeline: " (problem) }
                p { a href=(overview) { "Back to the overview" } }
            }
            Ok(data) => {
                (toolbar(can_drag))
                div.tl-viewport #timeline role="region" aria-label="Gantt chart"
                    data-can-drag=(can_drag) {
                    noscript { p { "The timeline needs JavaScript." } }
                }
                section.tl-moved #tl-moved aria-labelledby="tl-moved-title" hidden {
                    h2 #tl-moved-title { "What moved" }
                    p #tl-moved-summary {}
                    ul #tl-moved-list {}
                    @if can_drag {
                        button.tl-secondary type="button" #tl-undo { "Undo the last change" }
                    }
                }
                @if can_drag { (dialog()) }
                (json_island("timeline-data", data))
            }
        }
    }
}
