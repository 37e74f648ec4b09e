//! The project's tasks page: the WBS as a tree table that people edit in place. The server renders
//! the stored tasks (with their versions, for `If-Match`) and the schedule's dates into the page
//! as JSON; `static/tasks.js` draws the table and changes tasks through the JSON API, so the
//! API's roles, CSRF check, `If-Match` and write-time plan check apply to every edit. Nothing here
//! decides what a user may do beyond which controls the page offers.

use axum::extract::State;
use axum::response::Response;
use maud::html;
use serde::Serialize;
use waymark_store::Fields;

use super::{current, json_island, project_page, Figures, Panel, ProjectRequest, Tab};
use crate::AppState;

/// A stored task as the page's script needs it.
#[derive(Serialize)]
struct PageTask {
    id: String,
    position: i64,
    version: i64,
    data: Fields,
}

/// A task's computed dates, as in the schedule view (`waymark schedule --json`).
#[derive(Clone, Serialize)]
pub(super) struct PageDates {
    id: String,
    start: String,
    finish: String,
    critical: bool,
    summary: bool,
    milestone: bool,
    progress: f64,
    /// Working minutes, which weigh a task's progress in its summary's.
    duration_minutes: i64,
}

/// Everything the page's script starts from.
#[derive(Serialize)]
struct TasksData {
    tasks: Vec<PageTask>,
    /// `None` when the project is not a plan or cannot be scheduled: `problems` says why.
    schedule: Option<Vec<PageDates>>,
    minutes_per_day: i64,
    problems: Vec<String>,
}

/// The page's data, rendered as its JSON island once per revision: the stored tasks (with
/// their versions, from the same read as the plan) and the schedule's dates.
pub(super) static TASKS: Panel<maud::Markup> = Panel {
    name: "tasks",
    forecast: false,
    compute: |figures| json_island("tasks-data", &tasks_data(figures)),
};

fn tasks_data(figures: &Figures) -> TasksData {
    let mut tasks: Vec<&waymark_store::Entity> = figures.tasks.values().collect();
    tasks.sort_by(|a, b| (a.position, &a.key).cmp(&(b.position, &b.key)));
    let tasks = tasks
        .into_iter()
        .map(|entity| PageTask {
            id: entity.key.clone(),
            position: entity.position,
            version: entity.version,
            data: entity.data.clone(),
        })
        .collect();
    let (schedule, minutes_per_day, problems) = match figures.scheduled() {
        Ok((plan, computed)) => match dates_of(plan, computed) {
            Ok((dates, minutes_per_day)) => (Some(dates), minutes_per_day, Vec::new()),
            Err(problem) => (None, 480, vec![problem]),
        },
        Err(diagnostics) => (
            None,
            480,
            diagnostics
                .iter()
                .filter(|d| d.severity == waymark_core::Severity::Error)
                .map(|d| d.message.clone())
                .collect(),
        ),
    };
    TasksData {
        tasks,
        schedule,
        minutes_per_day,
        problems,
    }
}

/// The schedule's dates of a plan, or why there are none.
fn dates_of(
    plan: &waymark_core::model::Plan,
    computed: &Result<waymark_core::Schedule, waymark_core::ScheduleError>,
) -> Result<(Vec<PageDates>, i64), String> {
    let computed = computed.as_ref().map_err(ToString::to_string)?;
    let document = waymark_report::json::schedule_json(plan, computed);
    let dates = document
        .tasks
        .into_iter()
        .map(|task| PageDates {
            id: task.id,
            start: task.start,
            finish: task.finish,
            critical: task.critical,
            summary: task.summary,
            milestone: task.milestone,
            progress: task.progress,
            duration_minutes: task.duration_minutes,
        })
        .collect();
    Ok((dates, document.project.minutes_per_day))
}

/// The tasks page; 404 for a project the user may not see (the API's rule).
pub(super) async fn page(
    State(state): State<AppState>,
    ProjectRequest { user, context }: ProjectRequest,
) -> Response {
    let _id = context.project.id;
    let island = match current(&state, &context.project, &TASKS).await {
        Ok(island) => island,
        Err(response) => return response,
    };
    let can_edit = context.can_edit();
    let can_report = context.can_report();
    let content = html! {
        h1 { "Tasks" }
        p.muted #tasks-help {
            "Arrow keys move between cells. "
            @if can_edit {
                "Enter, F2 or a double click edits a cell; Enter saves, Escape cancels, Tab \
                 saves and moves on."
            } @else if can_report {
                "You may change progress and actual dates: Enter, F2 or a double click edits \
                 such a cell, Enter saves, Escape cancels."
            } @else {
                "You can read the tasks; changing them needs a member's role or more."
            }
        }
        @if can_edit {
            details.shortcuts {
                summary { "Keyboard shortcuts" }
                ul {
                    li { kbd { "Insert" } ": add a task below the selected one" }
                    li { kbd { "Delete" } ": delete the selected task and its subtasks (with undo)" }
                    li { kbd { "Alt+Shift+Right" } ", " kbd { "Alt+Shift+Left" } ": indent, outdent" }
                    li { kbd { "Alt+Shift+Up" } ", " kbd { "Alt+Shift+Down" } ": move among its siblings" }
                    li { kbd { "Alt+Shift+Minus" } ", " kbd { "Alt+Shift+Plus" } ": collapse, expand a summary" }
                }
            }
        }
        @if can_edit {
            div.toolbar role="toolbar" aria-label="Task actions" aria-controls="task-table" {
                button type="button" data-action="add-end" { "Add task" }
                button type="button" data-action="add-below" { "Add task below" }
                button type="button" data-action="add-child" { "Add subtask" }
                button type="button" data-action="indent" { "Indent" }
                button type="button" data-action="outdent" { "Outdent" }
                button type="button" data-action="up" { "Move up" }
                button type="button" data-action="down" { "Move down" }
                button type="button" data-action="delete" { "Delete" }
            }
        }
        div.toolbar.secondary {
            button type="button" data-action="expand-all" { "Expand all" }
            button type="button" data-action="collapse-all" { "Collapse all" }
        }
        div #plan-problems role="alert" {}
        div #undo-bar role="status" aria-live="polite" {}
        div.table-wrap.tasks-wrap {
            table #task-table aria-label="Tasks" aria-describedby="tasks-help" {
                thead { tr {
                    th scope="col" { "WBS" }
                    th scope="col" { "Name" }
                    th scope="col" { "Duration" }
                    th scope="col" { "Start" }
                    th scope="col" { "Finish" }
                    th scope="col" { "Progress" }
                    th scope="col" { "Status" }
                    th scope="col" { "Estimate" }
                    th scope="col" { "Predecessors" }
                    th scope="col" { "Resources" }
                    th scope="col" { "Actual start" }
                    th scope="col" { "Actual finish" }
                } }
                tbody #task-rows {}
            }
        }
        noscript { p { "The task table needs JavaScript; the project's export has every task." } }
        (*island)
    };
    project_page(&user, &context, Tab::Tasks, Some("tasks"), content)
}
