//! The project's board: its leaf tasks as cards in three columns by status ("Not started", "In
//! progress", "Done", as `waymark_core::Task::status` derives it from progress and actuals),
//! each column counted against the project's `wip_limits`, filtered by assignee through the
//! URL (`?assignee=ana`, `?assignee=*` for unassigned work), so a filter survives a reload.
//!
//! The board is rendered here, complete, for every role. `static/board.js` moves cards (by
//! pointer drag or the card's "Move to" buttons) with a `PATCH` of the task's progress fields
//! and sets the WIP limits with a `PUT` of the project's fields, both through the JSON API with
//! the versions this page hands it, so the API's roles, CSRF check and `If-Match` decide.
//! Controls a role cannot use are not rendered: viewers get no moves, only managers get the
//! limits form.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use waymark_core::model::{LinkKind, Plan, TaskStatus};
use waymark_store::Fields;

use super::{current, day, json_island, percent, project_page, Panel, ProjectRequest, Tab};
use crate::AppState;

/// The filter value that selects tasks with no assignment (not a possible resource id).
const UNASSIGNED: &str = "*";

/// The board's query: `?assignee=ID` or `?assignee=*`.
#[derive(Deserialize)]
pub(super) struct BoardQuery {
    assignee: Option<String>,
}

/// One card: a leaf task as the board shows it.
struct Card {
    id: String,
    name: String,
    status: TaskStatus,
    /// Resource ids and names.
    assignees: Vec<(String, String)>,
    start: Option<String>,
    finish: Option<String>,
    critical: bool,
    milestone: bool,
    progress: f64,
}

/// A task's stored version and the fields a move changes, for the script's `PATCH`.
#[derive(Serialize)]
struct MovableTask {
    version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_start: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_finish: Option<Value>,
    /// The scheduled start day: what a move into "In progress" proposes as the actual start
    /// (within the project start and the status date).
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    /// The unfinished tasks this one follows (finish-to-start): starting it now is out of
    /// sequence, and the move says so.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    waiting_on: Vec<String>,
}

/// The project as the limits form replaces it.
#[derive(Serialize)]
struct ProjectFields {
    version: i64,
    fields: Fields,
}

/// Everything the board's script starts from.
#[derive(Serialize)]
struct BoardData<'a> {
    /// Only for managers, who may change it.
    project: Option<ProjectFields>,
    /// The day a move into "In progress" or "Done" records, when the project has one.
    status_date: Option<String>,
    /// No actual date is recorded before it.
    project_start: Option<String>,
    wip_limits: BTreeMap<&'static str, u32>,
    tasks: &'a BTreeMap<String, MovableTask>,
}

/// The board's content computed from the plan: cards in plan order, and the limits.
pub(super) struct Board {
    cards: Vec<Card>,
    /// The stored tasks' versions and the fields a move changes.
    tasks: BTreeMap<String, MovableTask>,
    resources: Vec<(String, String)>,
    wip_limits: BTreeMap<TaskStatus, u32>,
}

/// The cards of a plan's leaf tasks, with the schedule's dates when it can be scheduled.
fn board_of(
    plan: &Plan,
    computed: &Result<waymark_core::Schedule, waymark_core::ScheduleError>,
) -> Board {
    let summaries = plan.summaries();
    let dates: HashMap<String, (String, String, bool)> = match computed {
        Ok(computed) => waymark_report::json::schedule_json(plan, computed)
            .tasks
            .into_iter()
            .map(|task| (task.id, (task.start, task.finish, task.critical)))
            .collect(),
        Err(_) => HashMap::new(),
    };
    let cards = plan
        .tasks
        .iter()
        .zip(&summaries)
        .filter(|(_, summary)| !**summary)
        .map(|(task, _)| {
            let scheduled = dates.get(&task.id);
            Card {
                id: task.id.clone(),
                name: task.name.clone(),
                status: task.status(),
                assignees: task
                    .assignments
                    .iter()
                    .filter_map(|a| plan.resources.get(a.resource.0))
                    .map(|r| (r.id.clone(), r.name.clone()))
                    .collect(),
                start: scheduled.map(|(start, _, _)| day(start).to_owned()),
                finish: scheduled.map(|(_, finish, _)| day(finish).to_owned()),
                critical: scheduled.is_some_and(|(_, _, critical)| *critical),
                milestone: task.milestone,
                progress: if task.actual_finish.is_some() {
                    1.0
                } else {
                    task.progress
                },
            }
        })
        .collect();
    Board {
        cards,
        tasks: BTreeMap::new(),
        resources: plan
            .resources
            .iter()
            .map(|r| (r.id.clone(), r.name.clone()))
            .collect(),
        wip_limits: plan.project.wip_limits.clone(),
    }
}

/// The stored tasks' versions and progress fields, page by page.
fn movable_tasks(
    stored: &BTreeMap<String, waymark_store::Entity>,
    plan: &Plan,
    cards: &[Card],
) -> BTreeMap<String, MovableTask> {
    let starts: HashMap<&str, &str> = cards
        .iter()
        .filter_map(|card| Some((card.id.as_str(), card.start.as_deref()?)))
        .collect();
    // The unfinished finish-to-start predecessors of each task, by the task's id.
    let mut waiting: HashMap<&str, Vec<String>> = HashMap::new();
    for link in &plan.links {
        let predecessor = &plan.tasks[link.predecessor.0];
        if link.kind == LinkKind::FinishToStart && predecessor.status() != TaskStatus::Done {
            waiting
                .entry(plan.tasks[link.successor.0].id.as_str())
                .or_default()
                .push(predecessor.name.clone());
        }
    }
    stored
        .iter()
        .map(|(key, entity)| {
            let field = |name: &str| entity.data.get(name).cloned();
            let task = MovableTask {
                version: entity.version,
                progress: field("progress"),
                actual_start: field("actual_start"),
                actual_finish: field("actual_finish"),
                start: starts.get(key.as_str()).map(|start| (*start).to_owned()),
                waiting_on: waiting.remove(key.as_str()).unwrap_or_default(),
            };
            (key.clone(), task)
        })
        .collect()
}

/// The board of a project, kept by revision.
pub(super) static BOARD: Panel<Result<Board, &'static str>> = Panel {
    name: "board",
    forecast: false,
    compute: |figures| match figures.scheduled() {
        Ok((plan, computed)) => {
            let board = board_of(plan, computed);
            Ok(Board {
                tasks: movable_tasks(&figures.tasks, plan, &board.cards),
                ..board
            })
        }
        Err(_) => {
            Err("The plan has errors, so the board cannot be shown; the overview names them.")
        }
    },
};

/// What a column's count says: "3 tasks", "3 / 4", or "5 / 4 — over the limit".
fn wip_text(count: usize, limit: Option<u32>) -> (String, bool) {
    match limit {
        Some(limit) if count > limit as usize => {
            (format!("{count} / {limit} — over the limit"), true)
        }
        Some(limit) => (format!("{count} / {limit}"), false),
        None if count == 1 => ("1 task".to_owned(), false),
        None => (format!("{count} tasks"), false),
    }
}

/// Whether a card passes the assignee filter.
fn shown(card: &Card, filter: Option<&str>) -> bool {
    match filter {
        None => true,
        Some(UNASSIGNED) => card.assignees.is_empty(),
        Some(resource) => card.assignees.iter().any(|(id, _)| id == resource),
    }
}

/// A card; `order` is its place in the plan, which keeps cards in plan order when they move.
fn card_markup(card: &Card, order: usize, filter: Option<&str>, can_report: bool) -> Markup {
    let name_id = format!("card-{}-name", card.id);
    let assignee_ids: Vec<&str> = card.assignees.iter().map(|(id, _)| id.as_str()).collect();
    html! {
        li.card.critical[card.critical] #{ "card-" (card.id) } data-task=(card.id)
            data-order=(order) data-assignees=(assignee_ids.join(" ")) aria-labelledby=(name_id)
            tabindex="-1" hidden[!shown(card, filter)] {
            div.card-head {
                @if can_report {
                    span.grip aria-hidden="true" title="Drag to move" { "⠿" }
                }
                h3 #(name_id) { (card.name) }
            }
            @if card.critical || card.milestone {
                p.badges {
                    @if card.critical { span.badge.critical-mark { "Critical" } }
                    @if card.milestone { span.badge { "Milestone" } }
                }
            }
            p.assignees {
                @if card.assignees.is_empty() {
                    span.muted { "Unassigned" }
                } @else {
                    (card.assignees.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(", "))
                }
            }
            @if let (Some(start), Some(finish)) = (&card.start, &card.finish) {
                p.dates.muted {
                    time datetime=(start) { (start) }
                    @if start != finish { " → " time datetime=(finish) { (finish) } }
                }
            }
            p.progress {
                progress value=(format!("{:.2}", card.progress)) max="1" aria-label="Progress" {}
                " "
                span.progress-text { (percent(card.progress)) }
            }
            @if can_report {
                div.moves {
                    @for target in TaskStatus::ALL {
                        @if target != card.status {
                            button type="button" data-move=(target.key()) {
                                "Move to " (target.label())
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The board page; 404 for a project the user may not see (the API's rule).
pub(super) async fn page(
    State(state): State<AppState>,
    ProjectRequest { user, context }: ProjectRequest,
    query: Result<Query<BoardQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let id = context.project.id;
    let board = match current(&state, &context.project, &BOARD).await {
        Ok(board) => board,
        Err(response) => return response,
    };
    let can_edit = context.can_edit();
    let can_report = context.can_report();
    let project = &context.project;
    let content = match &*board {
        Err(problem) => html! {
            h1 { "Board" }
            p.bad { (problem) }
            p { a href={ "/projects/" (id.0) } { "Back to the overview" } }
        },
        Ok(board) => {
            // Only a resource of the project (or "unassigned") filters; anything else shows all.
            let filter = query.ok().and_then(|Query(q)| q.assignee).filter(|value| {
                value == UNASSIGNED || board.resources.iter().any(|(id, _)| id == value)
            });
            let filter = filter.as_deref();
            let data = BoardData {
                project: can_edit.then(|| ProjectFields {
                    version: project.version,
                    fields: project.fields.clone(),
                }),
                status_date: project
                    .fields
                    .get("status_date")
                    .and_then(Value::as_str)
                    .map(|date| day(date).to_owned()),
                project_start: project
                    .fields
                    .get("start")
                    .and_then(Value::as_str)
                    .map(|date| day(date).to_owned()),
                wip_limits: board
                    .wip_limits
                    .iter()
                    .map(|(status, limit)| (status.key(), *limit))
                    .collect(),
                tasks: &board.tasks,
            };
            board_markup(board, filter, can_edit, can_report, &data)
        }
    };
    project_page(&user, &context, Tab::Board, Some("board"), content)
}

fn board_markup(
    board: &Board,
    filter: Option<&str>,
    can_edit: bool,
    can_report: bool,
    data: &BoardData,
) -> Markup {
    html! {
        h1 { "Board" }
        p.muted #board-help {
            @if can_report {
                "Drag a card to another column, or use its \u{201c}Move to\u{201d} buttons. Moving \
                 a card records progress: Not started clears it, In progress records an actual \
                 start, Done records progress 100 % and an actual finish."
            } @else {
                "You can read the board; moving cards needs a member's role or more."
            }
        }
        div.board-tools {
            form.filter method="get" {
                label for="assignee" { "Assignee" }
                select #assignee name="assignee" {
                    option value="" selected[filter.is_none()] { "Everyone" }
                    @for (id, name) in &board.resources {
                        option value=(id) selected[filter == Some(id.as_str())] { (name) }
                    }
                    option value=(UNASSIGNED) selected[filter == Some(UNASSIGNED)] { "Unassigned" }
                }
                button type="submit" { "Filter" }
            }
            @if can_edit {
                details.wip-settings {
                    summary { "WIP limits" }
                    form #wip-form novalidate {
                        p.muted { "The most cards a column should hold; leave empty for no limit." }
                        @for status in TaskStatus::ALL {
                            div.field {
                                label for={ "wip-" (status.key()) } { (status.label()) " limit" }
                                input type="number" min="1" max="10000" step="1"
                                    id={ "wip-" (status.key()) } name=(status.key())
                                    value=[board.wip_limits.get(&status)]
                                    aria-describedby={ "wip-" (status.key()) "-error" };
                                span.field-error id={ "wip-" (status.key()) "-error" } {}
                            }
                        }
                        p.field-error #wip-form-error role="alert" {}
                        button type="submit" { "Save limits" }
                    }
                }
            }
        }
        div.board aria-describedby="board-help" {
            @for status in TaskStatus::ALL {
                @let cards: Vec<(usize, &Card)> =
                    board.cards.iter().enumerate().filter(|(_, c)| c.status == status).collect();
                @let (text, over) = wip_text(cards.len(), board.wip_limits.get(&status).copied());
                section.column.over-limit[over] data-status=(status.key())
                    aria-labelledby={ "column-" (status.key()) } {
                    div.column-head {
                        h2 #{ "column-" (status.key()) } { (status.label()) }
                        p.wip #{ "wip-count-" (status.key()) } { (text) }
                    }
                    ul.cards aria-labelledby={ "column-" (status.key()) } {
                        @for (order, card) in cards { (card_markup(card, order, filter, can_report)) }
                    }
                }
            }
        }
        (json_island("board-data", data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_counts_say_when_they_are_over_the_limit() {
        assert_eq!(wip_text(0, None), ("0 tasks".to_owned(), false));
        assert_eq!(wip_text(1, None), ("1 task".to_owned(), false));
        assert_eq!(wip_text(4, Some(4)), ("4 / 4".to_owned(), false));
        assert_eq!(
            wip_text(5, Some(4)),
            ("5 / 4 — over the limit".to_owned(), true)
        );
    }
}
