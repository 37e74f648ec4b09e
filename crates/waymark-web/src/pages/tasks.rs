//! The project's tasks page: the WBS as a tree table that people edit in place. The server renders
//! the stored tasks (with their versions, for `If-Match`) and the schedule's dates into the page
//! as JSON; `static/tasks.js` draws the table and changes tasks through the JSON API, so the
//! API's roles, CSRF check, `If-Match` and write-time plan check apply to every edit. Nothing here
//! decides what a user may do beyond which controls the page offers.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Serialize;
use waymark_store::{EntityKind, Fields, ProjectId, Role};

use super::{
    all_entities, figures, json_island, project_context, project_page, Figures, Inputs, PageUser,
    Tab, View, Wait,
};
use crate::http::Path;
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

/// The page's dates: those of the schedule, the minutes in a working day, and the problems
/// that keep the plan from having a schedule.
type Dates = (Option<Vec<PageDates>>, i64, Vec<String>);

/// The dates of the tasks page, kept by revision.
pub(super) static DATES: View<Dates> = View {
    name: "dates",
    compute: dates_view,
};

fn dates_view(inputs: &Inputs) -> Dates {
    match &inputs.plan {
        Ok(plan) => match dates_of(plan) {
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
    }
}

/// The schedule's dates of a plan, or why there are none.
fn dates_of(plan: &waymark_core::model::Plan) -> Result<(Vec<PageDates>, i64), String> {
    let computed = waymark_core::schedule(plan).map_err(|error| error.to_string())?;
    let document = waymark_report::json::schedule_json(plan, &computed);
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

/// Every stored task of the project, in plan order, page by page.
async fn stored_tasks(state: &AppState, id: ProjectId) -> Result<Vec<PageTask>, Response> {
    let entities = all_entities(state, id, EntityKind::Task)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(entities
        .into_iter()
        .map(|entity| PageTask {
            id: entity.key,
            position: entity.position,
            version: entity.version,
            data: entity.data,
        })
        .collect())
}

/// The tasks page; 404 for a project the user may not see (the API's rule).
pub(super) async fn page(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<i64>,
) -> Response {
    let id = ProjectId(id);
    let context = match project_context(&state, &user, id, Role::Viewer).await {
        Ok(context) => context,
        Err(response) => return response,
    };
    // The tasks with their versions and the plan's dates are two reads; they run together. The
    // dates are kept by project revision, so repeated views do not schedule again.
    let dates = figures(&state, &context.project, &DATES, Wait::Fresh);
    let (tasks, dates) = tokio::join!(stored_tasks(&state, id), dates);
    let tasks = match tasks {
        Ok(tasks) => tasks,
        Err(response) => return response,
    };
    let (schedule, minutes_per_day, problems) = match dates {
        Ok(Figures::Fresh(dates) | Figures::Stale(dates)) => (*dates).clone(),
        Ok(Figures::Pending) => (None, 480, Vec::new()),
        Err(response) => return response,
    };
    let data = TasksData {
        tasks,
        schedule,
        minutes_per_day,
        problems,
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
        (json_island("tasks-data", &data))
    };
    project_page(&user, &context, Tab::Tasks, Some("tasks"), content)
}
