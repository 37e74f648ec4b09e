//! The resources page: each work resource's allocation per ISO week as a heat map (the engine's
//! `load`, as `waymark load` computes it), over-allocations marked in the cells and listed below,
//! and for managers the "Level" action: a preview of the levelled schedule (which tasks move, by
//! how much and why, the finish before and after, the heat map after) before it is applied
//! through `POST /api/v1/projects/{id}/level/apply`.
//!
//! The preview is this page with `?preview=level` (and the level view's `seed`, `schedules`,
//! `within_float`): the page script fetches it and shows its preview section, so the moves, the
//! explanations and the heat map after levelling come from one run of the level view's own
//! function (`views::level_plan`) and always agree. Nothing here changes the project.

use axum::extract::rejection::QueryRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use maud::{html, Markup};
use serde::Deserialize;
use waymark_core::load::{load, Period};
use waymark_core::model::{Plan, ResourceKind, TaskId};
use waymark_core::{time, Schedule, TaskCalendars};

use super::page as simple_page;
use super::{
    blocking, current, json_island, project_page, stored_plan, Panel, ProjectRequest, Tab,
};
use crate::views::{level_plan, LevelRun, LevelSettings};
use crate::AppState;

/// One person's allocation in one week.
struct Cell {
    week: NaiveDate,
    /// Booked working time over available working time, in whole percent; `None` when the
    /// person has no working time that week.
    percent: Option<i64>,
    allocated_hours: f64,
    capacity_hours: f64,
    /// The most units booked at one moment of the week, in percent of the person's units.
    peak_percent: i64,
    /// Over-allocated that week (`waymark_core::load::over_allocated`).
    over: bool,
    /// What the cell shows (`waymark_report::LoadCell::text`).
    text: String,
    /// The tasks booked on the person that week (indices into the plan's tasks).
    tasks: Vec<usize>,
}

/// One work resource's row.
struct Row {
    id: String,
    name: String,
    cells: Vec<Cell>,
}

/// The heat map: one row per work resource, one column per week (Monday to Sunday).
struct HeatMap {
    weeks: Vec<NaiveDate>,
    rows: Vec<Row>,
}

impl HeatMap {
    fn over_allocations(&self) -> impl Iterator<Item = (&Row, &Cell)> {
        self.rows
            .iter()
            .flat_map(|row| row.cells.iter().map(move |cell| (row, cell)))
            .filter(|(_, cell)| cell.over)
    }
}

/// The heat map of `schedule` over the weeks from `start` to `finish`, from the engine's load
/// per week (the numbers of `waymark load --json`).
fn heat_map(
    plan: &Plan,
    schedule: &Schedule,
    calendars: &TaskCalendars,
    start: time::Instant,
    finish: time::Instant,
) -> HeatMap {
    let spanned = Schedule {
        start,
        finish,
        tasks: schedule.tasks.clone(),
    };
    let loads = load(plan, &spanned, calendars, Period::Week);
    let weeks = loads
        .first()
        .map(|row| {
            row.periods
                .iter()
                .map(|period| time::datetime(period.start).date())
                .collect()
        })
        .unwrap_or_default();
    let rows = loads
        .iter()
        .filter(|row| plan.resources[row.resource].kind == ResourceKind::Work)
        .map(|row| {
            let resource = &plan.resources[row.resource];
            let cells = row
                .periods
                .iter()
                .map(|period| {
                    let cell = waymark_report::LoadCell::of(period);
                    let to = period.start + 7 * time::DAY;
                    let tasks = plan
                        .tasks
                        .iter()
                        .enumerate()
                        .filter(|(index, task)| {
                            let dates = &schedule.tasks[*index];
                            !dates.summary
                                && dates.finish > dates.start
                                && dates.start < to
                                && period.start < dates.finish
                                && task
                                    .assignments
                                    .iter()
                                    .any(|a| a.resource.0 == row.resource)
                        })
                        .map(|(index, _)| index)
                        .collect();
                    Cell {
                        week: time::datetime(period.start).date(),
                        percent: cell.percent(),
                        allocated_hours: period.allocated_minutes / 60.0,
                        capacity_hours: period.capacity_minutes / 60.0,
                        peak_percent: if resource.units > 0.0 {
                            (period.peak_units / resource.units * 100.0).round() as i64
                        } else {
                            0
                        },
                        over: cell.over_allocated,
                        text: cell.text(false),
                        tasks,
                    }
                })
                .collect();
            Row {
                id: resource.id.clone(),
                name: resource.name.clone(),
                cells,
            }
        })
        .collect();
    HeatMap { weeks, rows }
}

/// A task that levelling moves.
struct Move {
    task: usize,
    from: time::Instant,
    to: time::Instant,
    /// Working minutes on the task's calendar.
    minutes: i64,
    /// Why, one sentence per wait; empty when it only follows a predecessor that moved.
    reasons: Vec<String>,
}

/// The levelled schedule as the preview shows it.
struct Preview {
    settings: LevelSettings,
    finish_before: time::Instant,
    finish_after: time::Instant,
    /// The level view's `project.finish`, which applying checks against.
    finish_text: String,
    minutes_per_day: i64,
    moves: Vec<Move>,
    /// How many tasks get a start constraint when it is applied.
    constrained: usize,
    /// Over-allocations levelling cannot remove: task, resource name, why.
    unresolved: Vec<(usize, String, &'static str)>,
    after: HeatMap,
}

fn preview_of(run: &LevelRun, settings: LevelSettings) -> Result<Preview, String> {
    let plan = &run.pooled.plan;
    let calendars = TaskCalendars::new(plan).map_err(|error| error.to_string())?;
    let before = &run.before;
    let after = &run.levelled.schedule;
    let name = |task: TaskId| plan.tasks[task.0].name.as_str();
    let mut moves: Vec<Move> =
        (0..plan.tasks.len())
            .filter(|&index| !after.tasks[index].summary)
            .filter(|&index| before.tasks[index].start != after.tasks[index].start)
            .map(|index| {
                let (from, to) = (before.tasks[index].start, after.tasks[index].start);
                let delay = run
                    .levelled
                    .delays
                    .iter()
                    .find(|delay| delay.task.0 == index);
                let mut reasons: Vec<String> = delay
                    .filter(|delay| delay.earliest > from)
                    .map(|delay| {
                        format!(
                            "Its predecessors moved it to {} first.",
                            moment(delay.earliest)
                        )
                    })
                    .into_iter()
                    .collect();
                reasons.extend(delay.into_iter().flat_map(|delay| delay.waits.iter()).map(
                    |wait| {
                        let holders: Vec<&str> = wait.held_by.iter().map(|&h| name(h)).collect();
                        format!(
                            "Waited for {}, busy on {} from {} to {}.",
                            plan.resources[wait.resource.0].name,
                            holders.join(", "),
                            moment(wait.from),
                            moment(wait.to)
                        )
                    },
                ));
                Move {
                    task: index,
                    from,
                    to,
                    minutes: calendars.of(TaskId(index)).between(from, to),
                    reasons,
                }
            })
            .collect();
    moves.sort_by_key(|m| (m.to, m.task));
    let unresolved = run
        .levelled
        .unresolved
        .iter()
        .map(|u| {
            let why = match u.reason {
                waymark_core::level::UnresolvedReason::Fixed => {
                    "it cannot move: it has started, is scheduled manually or must start or \
                     finish on a date"
                }
                waymark_core::level::UnresolvedReason::OutOfFloat => {
                    "moving it would use more than its float"
                }
                waymark_core::level::UnresolvedReason::OverCapacity => {
                    "it needs more units than the person has"
                }
            };
            (u.task.0, plan.resources[u.resource.0].name.clone(), why)
        })
        .collect();
    Ok(Preview {
        settings,
        finish_before: before.finish,
        finish_after: after.finish,
        // As the level view writes `project.finish` (`waymark_report::json` and `time::iso`
        // write the same text).
        finish_text: time::iso(after.finish),
        minutes_per_day: plan.project.minutes_per_day.max(1),
        moves,
        constrained: run.levelled.delays.len(),
        unresolved,
        after: heat_map(
            plan,
            after,
            &calendars,
            before.start.min(after.start),
            before.finish.max(after.finish),
        ),
    })
}

/// What the page shows, computed on a blocking thread.
pub(super) struct Computed {
    /// Task names by index.
    task_names: Vec<String>,
    current: Result<HeatMap, String>,
    preview: Option<Result<Preview, String>>,
}

/// The heat map of the project as it is, kept by revision.
pub(super) static RESOURCES: Panel<Computed> = Panel {
    name: "resources",
    forecast: false,
    compute: |figures| match &figures.plan {
        Ok(plan) => compute(plan.clone(), None),
        Err(_) => unplanned(None),
    },
};

/// What the page shows of a project that is not a plan.
fn unplanned(preview: Option<LevelSettings>) -> Computed {
    Computed {
        task_names: Vec::new(),
        current: Err("the plan has errors; the overview lists them".to_owned()),
        preview: preview.map(|_| Err("the plan has errors".to_owned())),
    }
}

fn compute(plan: Plan, preview: Option<LevelSettings>) -> Computed {
    let current = TaskCalendars::new(&plan)
        .map_err(|error| error.to_string())
        .and_then(|calendars| {
            let schedule = waymark_core::schedule(&plan).map_err(|error| error.to_string())?;
            Ok(heat_map(
                &plan,
                &schedule,
                &calendars,
                schedule.start,
                schedule.finish,
            ))
        });
    let task_names = plan.tasks.iter().map(|task| task.name.clone()).collect();
    let preview = preview.map(|settings| match level_plan(plan, &settings) {
        Ok(run) => preview_of(&run, settings),
        Err(error) => Err(error.message),
    });
    Computed {
        task_names,
        current,
        preview,
    }
}

/// The query of the page: `?preview=level` with the level view's parameters shows the preview.
#[derive(Deserialize)]
pub(super) struct PageQuery {
    preview: Option<String>,
    seed: Option<u64>,
    schedules: Option<u64>,
    within_float: Option<bool>,
}

/// A moment as people read it: `Thu 2027-04-08 11:00`.
fn moment(instant: time::Instant) -> String {
    time::datetime(instant)
        .format("%a %Y-%m-%d %H:%M")
        .to_string()
}

fn cell_label(row: &Row, cell: &Cell) -> String {
    let week = cell.week.format("%Y-%m-%d");
    match cell.percent {
        None if cell.over => format!(
            "{}, week of {week}: booked {:.1} h with no working time (over-allocated)",
            row.name, cell.allocated_hours
        ),
        None => format!("{}, week of {week}: no working time", row.name),
        Some(percent) if cell.over && percent <= 100 => format!(
            "{}, week of {week}: {percent} % (over-allocated: {} % booked at once)",
            row.name, cell.peak_percent
        ),
        Some(percent) if cell.over => {
            format!("{}, week of {week}: {percent} % (over-allocated)", row.name)
        }
        Some(percent) => format!("{}, week of {week}: {percent} %", row.name),
    }
}

/// The colour step of a cell: its class.
fn cell_class(cell: &Cell) -> &'static str {
    match cell.percent {
        _ if cell.over => "over",
        None => "off",
        Some(0) => "l0",
        Some(1..=50) => "l1",
        Some(51..=80) => "l2",
        Some(_) => "l3",
    }
}

/// Hours as `waymark load --json` writes them: rounded to hundredths.
fn hours(hours: f64) -> f64 {
    // `+ 0.0` turns the -0.0 of an empty sum into 0.
    (hours * 100.0).round() / 100.0 + 0.0
}

/// The heat map as a table: names in the first (sticky) column, one column per week.
fn heat_map_table(map: &HeatMap, id: &str, caption: &str) -> Markup {
    let caption_id = format!("{id}-caption");
    // The title is outside the scrolling box, so it stays in view at any width.
    html! {
        p.heatmap-title #(caption_id) { (caption) }
        div.heatmap-wrap role="region" aria-labelledby=(caption_id) tabindex="0" {
            table.heatmap #(id) aria-labelledby=(caption_id) {
                thead { tr {
                    th.person scope="col" { "Person" }
                    @for week in &map.weeks {
                        th.week scope="col" title={ "Week of " (week.format("%Y-%m-%d")) } {
                            span.wk { "W" (week.iso_week().week()) }
                            span.day { (week.format("%m-%d")) }
                        }
                    }
                } }
                tbody { @for row in &map.rows { tr {
                    th.person scope="row" { (row.name) }
                    @for cell in &row.cells {
                        @let label = cell_label(row, cell);
                        td class=(cell_class(cell)) title=(label) aria-label=(label)
                            data-resource=(row.id) data-week=(cell.week.format("%Y-%m-%d"))
                            data-percent=[cell.percent] data-over=(cell.over)
                            data-allocated-hours=(hours(cell.allocated_hours))
                            data-capacity-hours=(hours(cell.capacity_hours)) {
                            (cell.text)
                            @if cell.over { span.mark aria-hidden="true" { "!" } }
                        }
                    }
                } } }
            }
        }
    }
}

fn legend() -> Markup {
    html! {
        ul.legend aria-label="Colour steps" {
            li { span.swatch.l0 {} "nothing booked (·)" }
            li { span.swatch.l1 {} "1–50 %" }
            li { span.swatch.l2 {} "51–80 %" }
            li { span.swatch.l3 {} "81–100 %" }
            li { span.swatch.over { "!" } "over-allocated (more than 100 %, or booked beyond the person's units at some moment)" }
        }
    }
}

/// The over-allocations of a heat map as a table (or a sentence when there are none).
fn over_allocation_table(map: &HeatMap, id: &str, names: &[String]) -> Markup {
    let over: Vec<_> = map.over_allocations().collect();
    html! {
        @if over.is_empty() {
            p #(id) .good { "Nobody is over-allocated." }
        } @else {
            div.table-wrap { table.stack #(id) {
                thead { tr { th { "Person" } th { "Week of" } th { "Booked" } th { "Tasks that week" } } }
                tbody { @for (row, cell) in &over { tr {
                    td data-label="Person" { (row.name) }
                    td data-label="Week of" { (cell.week.format("%Y-%m-%d")) }
                    td data-label="Booked" {
                        @match cell.percent {
                            Some(percent) => { (percent) " % of working time" }
                            None => { "no working time" }
                        }
                        @if cell.peak_percent > 100 {
                            ", " (cell.peak_percent) " % at once"
                        }
                    }
                    td data-label="Tasks that week" {
                        (cell.tasks.iter().map(|&t| names[t].as_str()).collect::<Vec<_>>().join(", "))
                    }
                } } }
            } }
        }
    }
}

/// The preview section (the page script shows it in place; it is also the whole of the page's
/// `?preview=level` view without the script).
fn preview_section(
    preview: &Result<Preview, String>,
    names: &[String],
    revision: i64,
    can_edit: bool,
) -> Markup {
    match preview {
        Err(problem) => html! {
            section #level-preview-content aria-labelledby="preview-heading" {
                h2 #preview-heading tabindex="-1" { "Levelled schedule (preview)" }
                p.error role="alert" { "The plan cannot be levelled: " (problem) }
                @if can_edit { div.actions { button #level-cancel type="button" { "Cancel" } } }
            }
        },
        Ok(preview) => {
            let per_day = preview.minutes_per_day;
            let later = preview.finish_after - preview.finish_before;
            html! {
                section #level-preview-content aria-labelledby="preview-heading"
                    data-revision=(revision) data-seed=(preview.settings.seed)
                    data-schedules=(preview.settings.schedules)
                    data-within-float=(preview.settings.within_float)
                    data-finish=(preview.finish_text) data-constrained=(preview.constrained) {
                    h2 #preview-heading tabindex="-1" { "Levelled schedule (preview)" }
                    p #level-finish {
                        "Finish now: " strong { (moment(preview.finish_before)) }
                        "; after levelling: " strong { (moment(preview.finish_after)) }
                        @if later > 0 {
                            " (later)."
                        } @else if later < 0 {
                            " (earlier)."
                        } @else {
                            " (unchanged)."
                        }
                    }
                    h3 { "Tasks that move (" (preview.moves.len()) ")" }
                    @if preview.moves.is_empty() {
                        p #level-moves { "No task has to move." }
                    } @else {
                        div.table-wrap { table.stack #level-moves {
                            thead { tr {
                                th { "Task" } th { "Starts now" } th { "Starts after levelling" }
                                th { "Later by (working days)" } th { "Why" }
                            } }
                            tbody { @for m in &preview.moves { tr {
                                td data-label="Task" { (names[m.task]) }
                                td data-label="Starts now" { (moment(m.from)) }
                                td data-label="Starts after levelling" { (moment(m.to)) }
                                td data-label="Later by (working days)" { (waymark_core::days::days(m.minutes, per_day)) }
                                td data-label="Why" {
                                    @if m.reasons.is_empty() {
                                        "Follows a predecessor that moved."
                                    } @else {
                                        @for reason in &m.reasons { span.reason { (reason) } " " }
                                    }
                                }
                            } } }
                        } }
                    }
                    @if !preview.unresolved.is_empty() {
                        h3 { "Still over-allocated after levelling" }
                        ul #level-unresolved {
                            @for (task, person, why) in &preview.unresolved {
                                li { (names[*task]) " on " (person) ": " (why) "." }
                            }
                        }
                    }
                    h3 { "Allocation after levelling" }
                    (heat_map_table(&preview.after, "heatmap-after", "Allocation per person per week after levelling"))
                    details.over-after {
                        summary { "Over-allocations after levelling (" (preview.after.over_allocations().count()) ")" }
                        (over_allocation_table(&preview.after, "over-allocations-after", names))
                    }
                    @if can_edit {
                        @if preview.constrained > 0 {
                            p.muted {
                                "Apply gives the " (preview.constrained)
                                " tasks levelling delays a start constraint (start no earlier than) at their levelled start, so the plan keeps this schedule. Nothing changes until you apply."
                            }
                        }
                        div.actions {
                            @if preview.constrained > 0 {
                                button #level-apply type="button" { "Apply" }
                            }
                            button #level-cancel .secondary type="button" { "Cancel" }
                        }
                        p #level-apply-error .field-error role="alert" {}
                    }
                }
            }
        }
    }
}

pub(super) async fn page(
    State(state): State<AppState>,
    ProjectRequest { user, context }: ProjectRequest,
    query: Result<axum::extract::Query<PageQuery>, QueryRejection>,
) -> Response {
    let id = context.project.id;
    let bad_request = |message: &str| {
        simple_page(
            StatusCode::BAD_REQUEST,
            "Bad request",
            Some(&user),
            html! { h1 { "Bad request" } p { (message) } },
        )
    };
    let Ok(axum::extract::Query(query)) = query else {
        return bad_request("The address has a parameter this page does not understand.");
    };
    let settings = match query.preview.as_deref() {
        None => None,
        Some("level") => {
            match LevelSettings::new(query.seed, query.schedules, query.within_float) {
                Ok(settings) => Some(settings),
                Err(error) => return bad_request(&error.message),
            }
        }
        Some(_) => return bad_request("`preview` may only be `level`."),
    };
    // Read before the plan: when someone changes the project in between, the revision is the
    // older one, and applying answers 412 rather than applying a preview of another plan.
    let revision = context.project.revision;
    let computed = match settings {
        // The heat map alone is kept by revision.
        None => match current(&state, &context.project, &RESOURCES).await {
            Ok(computed) => computed,
            Err(response) => return response,
        },
        Some(settings) => match stored_plan(&state, id).await {
            Ok(Ok(plan)) => match blocking(move || compute(plan, Some(settings))).await {
                Ok(computed) => std::sync::Arc::new(computed),
                Err(response) => return response,
            },
            Ok(Err(_)) => std::sync::Arc::new(unplanned(Some(settings))),
            Err(response) => return response,
        },
    };
    let can_edit = context.can_edit();
    let names = &computed.task_names;
    let level_section = html! {
        @if can_edit || computed.preview.is_some() {
            section #level aria-labelledby="level-heading" {
                h2 #level-heading { "Level" }
                @if can_edit {
                    p.muted {
                        "Levelling delays tasks until the people they need are free, and says why each one waits. You see the levelled schedule before anything changes."
                    }
                    div.level-controls {
                        span.check {
                            input #within-float type="checkbox" checked[settings.is_some_and(|s| s.within_float)];
                            label for="within-float" { "Only within float (do not delay the finish)" }
                        }
                        button #level-button type="button" { "Level" }
                    }
                    p #level-status role="status" {}
                }
                div #level-preview hidden[computed.preview.is_none()] {
                    @if let Some(preview) = &computed.preview {
                        (preview_section(preview, names, revision, can_edit))
                    }
                }
            }
        }
    };
    let content = html! {
        h1 { "Resources" }
        (json_island("resources-data", &serde_json::json!({ "revision": revision })))
        @match &computed.current {
            Err(problem) => p.error { "No allocation to show: " (problem) }
            Ok(map) => {
                @let over = map.over_allocations().count();
                p #heatmap-summary {
                    (map.rows.len()) " people, "
                    (map.weeks.len()) " weeks"
                    @if let (Some(first), Some(last)) = (map.weeks.first(), map.weeks.last()) {
                        " (weeks of " (first.format("%Y-%m-%d")) " to " (last.format("%Y-%m-%d")) ")"
                    }
                    ". "
                    @if over == 0 {
                        "Nobody is over-allocated."
                    } @else {
                        strong.bad { (over) " over-allocated person-weeks." }
                    }
                }
                (legend())
                (heat_map_table(map, "heatmap", "Allocation per person per week, in % of working time"))
            }
        }
        // The action before the long list, so it is in reach after the heat map.
        (level_section)
        @if let Ok(map) = &computed.current {
            h2 { "Over-allocations" }
            (over_allocation_table(map, "over-allocations", names))
        }
    };
    project_page(&user, &context, Tab::Resources, Some("resources"), content)
}
