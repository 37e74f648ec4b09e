//! The project overview: key dates, milestones with the chance of making them, the critical
//! path, red flags, top risks, and what changed since a chosen date (from the event log).
//!
//! Everything comes from the project's figures (`crate::figures::Figures`): the schedule, the
//! red flags, and the one forecast every page shows, whose milestone chances
//! (`Forecast::milestones`) and risk effects (`Forecast::risk_p80_saved`) fill the milestones
//! and top risks.

use std::collections::HashMap;

use crate::figures::Figures;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use waymark_store::{Actor, Event, ProjectId, UserId};

use super::{
    chance_class, day, note, panel, percent, project_page, Panel, ProjectRequest, Tab, Wait,
};
use crate::error::ApiError;
use crate::http::Query;
use crate::AppState;

/// How many changes the page lists; the rest are counted ("and N more").
pub const CHANGES_SHOWN: u32 = 200;
/// The default window of "what changed since", in days before today.
const DEFAULT_SINCE_DAYS: i64 = 7;

#[derive(Deserialize)]
pub(super) struct OverviewQuery {
    since: Option<String>,
}

/// The overview of one project; 404 for a project the user may not see (the API's rule).
pub(super) async fn project_overview(
    State(state): State<AppState>,
    ProjectRequest { user, context }: ProjectRequest,
    Query(query): Query<OverviewQuery>,
) -> Response {
    let id = context.project.id;
    let today = Utc::now().date_naive();
    let (since, since_error) = since_date(query.since.as_deref(), today);
    let changes = match changes_since(&state, id, since).await {
        Ok(changes) => changes,
        Err(error) => return error.into_response(),
    };
    let project = &context.project;
    let computed = match panel(&state, project, &OVERVIEW, Wait::Briefly).await {
        Ok(computed) => computed,
        Err(response) => return response,
    };
    let content = html! {
        h1 { (project.name) }
        (note(id, &OVERVIEW, &computed))
        @if let Some(overview) = computed.shown() { (figures_markup(project, overview)) }
        (changes_section(id, since, since_error.as_deref(), &changes))
        p { a href={ "/projects/" (id.0) "/forecast" } { "Forecast" } }
        p { a href="/" { "Back to the portfolio" } }
    };
    project_page(&user, &context, Tab::Overview, None, content)
}

/// What the overview shows of its figures: key dates, milestones, critical path, red flags and
/// top risks.
fn figures_markup(project: &waymark_store::Project, overview: &Overview) -> Markup {
    html! {
        @if let Some(dates) = &overview.dates {
            h2 { "Key dates" }
            div.table-wrap { table.stack {
                thead { tr { th { "Start" } th { "Finish" } th { "Status date" } th { "Deadline" } } }
                tbody { tr {
                    td data-label="Start" { (day(&dates.start)) }
                    td data-label="Finish" { (day(&dates.finish)) }
                    // As the plan says it: a date alone means the end of that day, which the
                    // schedule writes as the next midnight.
                    td data-label="Status date" {
                        (project.fields.get("status_date").and_then(|date| date.as_str())
                            .or(dates.status_date.as_deref()).map_or("—", day))
                    }
                    td data-label="Deadline" { (dates.deadline.as_deref().map_or("—", day)) }
                } }
            } }
            h2 { "Milestones" }
            @if overview.milestones.is_empty() {
                p.muted { "No milestones." }
            } @else {
                div.table-wrap { table #milestones.stack {
                    thead { tr {
                        th { "Milestone" } th { "Date" } th { "Float (days)" }
                        th { "Chance by its date" } th { "Deadline" } th { "Chance by the deadline" }
                    } }
                    tbody { @for milestone in &overview.milestones { tr {
                        td data-label="Milestone" { (milestone.name) }
                        td data-label="Date" { (day(&milestone.date)) }
                        td data-label="Float (days)" class=(if milestone.float_minutes < 0 { "bad" } else { "" }) {
                            (milestone.float_days)
                        }
                        td data-label="Chance by its date" { (chance(milestone, milestone.by_date)) }
                        td data-label="Deadline" { (milestone.deadline.as_deref().map_or("—", day)) }
                        td data-label="Chance by the deadline" {
                            @if milestone.deadline.is_some() { (chance(milestone, milestone.by_deadline)) } @else { "—" }
                        }
                    } } }
                } }
                @if let Some((iterations, seed)) = overview.forecast_settings {
                    p.muted {
                        "Chances from " (iterations) " iterations of the forecast (seed " (seed) ")."
                    }
                }
            }
            h2 { "Critical path" }
            @if overview.critical_path.len() > 1 {
                p.muted { "Critical tasks that run side by side are on separate lines; an arrow \
                    means the task before drives the next." }
            }
            @for chain in &overview.critical_path {
                p.critical-chain {
                    @if let Some(after) = &chain.after { span.muted { "after " (after) ": " } }
                    (chain.names.join(" → "))
                }
            }
        }
        h2 { "Red flags" }
        @if overview.flags.is_empty() {
            p.good { "None: the plan doctor has nothing to say." }
        } @else {
            ul.flags { @for flag in &overview.flags { li {
                strong class=(if flag.severity == waymark_core::Severity::Error { "bad" } else { "" }) {
                    (flag.severity.as_str()) "[" (flag.code) "]"
                }
                " " (flag.message)
                @if let Some(help) = &flag.help { br; span.muted { (help) } }
            } } }
        }
        h2 { "Top risks" }
        @if overview.risks.is_empty() {
            p.muted { "No open risks in the register." }
        } @else {
            div.table-wrap { table.stack {
                thead { tr { th { "Risk" } th { "Probability" } th { "Owner" } th { "P80 days saved without it" } } }
                tbody { @for risk in &overview.risks { tr {
                    td data-label="Risk" { (risk.title) }
                    td data-label="Probability" { (format!("{:.0} %", risk.probability * 100.0)) }
                    td data-label="Owner" { (risk.owner.as_deref().unwrap_or("nobody")) }
                    td data-label="P80 days saved without it" { (risk.impact_days) }
                } } }
            } }
        }
    }
}

/// The overview's figures, kept by revision and day.
pub(super) static OVERVIEW: Panel<Overview> = Panel {
    name: "overview",
    forecast: true,
    compute: overview,
};

#[derive(Default)]
pub(super) struct Overview {
    dates: Option<waymark_report::json::ProjectJson>,
    /// The milestones in date order.
    milestones: Vec<MilestoneLine>,
    /// The critical leaf tasks in chains: each task in a chain drives the next.
    critical_path: Vec<Chain>,
    flags: Vec<waymark_core::Diagnostic>,
    risks: Vec<RiskLine>,
    /// The iterations and seed of the forecast the chances come from.
    forecast_settings: Option<(u32, u64)>,
}

/// Critical tasks each linked to the next, and the critical task the first follows when it is
/// in another chain.
#[derive(Debug, PartialEq)]
struct Chain {
    after: Option<String>,
    names: Vec<String>,
}

/// The critical leaf tasks of a schedule as chains, in start order: a task continues the chain
/// of a critical predecessor it is linked to, else (tasks running side by side, a second
/// successor of a branch) starts a chain of its own, so that "A → B" is only ever written where
/// A drives B.
fn critical_chains(tasks: &[waymark_report::json::TaskJson]) -> Vec<Chain> {
    let mut critical: Vec<&waymark_report::json::TaskJson> = tasks
        .iter()
        .filter(|task| task.critical && !task.summary)
        .collect();
    critical.sort_by(|a, b| a.start.cmp(&b.start).then(a.finish.cmp(&b.finish)));
    let name_of: HashMap<&str, &str> = critical
        .iter()
        .map(|task| (task.id.as_str(), task.name.as_str()))
        .collect();
    let mut chains: Vec<Chain> = Vec::new();
    // The chain each task is in, and whether a successor continues it already.
    let mut chain_of: HashMap<&str, (usize, bool)> = HashMap::new();
    for task in critical {
        let drivers: Vec<&str> = task
            .predecessors
            .iter()
            .map(|link| link.id.as_str())
            .filter(|id| name_of.contains_key(id))
            .collect();
        let continued = drivers
            .iter()
            .find(|id| chain_of.get(*id).is_some_and(|&(_, taken)| !taken))
            .copied();
        let index = match continued {
            Some(driver) => {
                let (index, _) = chain_of[driver];
                chain_of.insert(driver, (index, true));
                chains[index].names.push(task.name.clone());
                index
            }
            None => {
                chains.push(Chain {
                    after: drivers.first().map(|id| name_of[id].to_owned()),
                    names: vec![task.name.clone()],
                });
                chains.len() - 1
            }
        };
        chain_of.insert(task.id.as_str(), (index, false));
    }
    chains
}

struct MilestoneLine {
    name: String,
    /// The scheduled date.
    date: String,
    float_minutes: i64,
    /// The total float in working days, as text (`waymark_core::days`).
    float_days: String,
    deadline: Option<String>,
    /// Reached already (actual finish or full progress).
    reached: bool,
    /// The chance of making the scheduled date.
    by_date: Option<f64>,
    /// The chance of making the deadline.
    by_deadline: Option<f64>,
}

/// A chance as the milestones table shows it.
fn chance(milestone: &MilestoneLine, chance: Option<f64>) -> Markup {
    html! {
        @if milestone.reached {
            span.good { "reached" }
        } @else if let Some(chance) = chance {
            span class=(chance_class(chance)) { (percent(chance)) }
        } @else {
            "—"
        }
    }
}

struct RiskLine {
    title: String,
    probability: f64,
    owner: Option<String>,
    /// Working minutes the P80 finish gains without it (`risk_impact`), and as days text.
    impact_minutes: i64,
    impact_days: String,
}

/// How many risks the overview shows.
const TOP_RISKS: usize = 5;

/// Everything the overview shows, from the project's figures: the schedule (dates, milestones,
/// critical path), the plan doctor's red flags as `waymark check` composes them, the
/// milestones' chances and the risks ranked by how much P80 time each one costs in the
/// forecast.
fn overview(figures: &Figures) -> Overview {
    let mut result = Overview {
        flags: figures.red_flags().to_vec(),
        ..Overview::default()
    };
    let (Ok(plan), Some(Ok(computed))) = (&figures.plan, figures.schedule()) else {
        return result;
    };
    let forecast = figures
        .forecast()
        .and_then(|forecast| forecast.as_ref().ok());
    let document = waymark_report::json::schedule_json(plan, computed);
    let minutes_per_day = document.project.minutes_per_day;
    let chances_of = |index: usize| {
        forecast?
            .milestones
            .iter()
            .find(|milestone| milestone.task.0 == index)
    };
    let mut milestones: Vec<(usize, &waymark_report::json::TaskJson)> = document
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, task)| task.milestone && !task.summary)
        .collect();
    milestones.sort_by(|a, b| a.1.finish.cmp(&b.1.finish));
    result.milestones = milestones
        .into_iter()
        .map(|(index, task)| {
            let spec = &plan.tasks[index];
            let chances = chances_of(index);
            MilestoneLine {
                name: task.name.clone(),
                date: task.finish.clone(),
                float_minutes: task.total_float_minutes,
                float_days: waymark_core::days::days(task.total_float_minutes, minutes_per_day),
                deadline: spec.deadline.map(waymark_core::time::iso),
                reached: spec.actual_finish.is_some() || spec.progress >= 1.0,
                by_date: chances.map(|chances| chances.by_date),
                by_deadline: chances.and_then(|chances| chances.deadline.map(|(_, p)| p)),
            }
        })
        .collect();
    result.critical_path = critical_chains(&document.tasks);
    if let Some(forecast) = forecast {
        result.forecast_settings = Some((forecast.iterations, forecast.seed));
        let mut risks: Vec<RiskLine> = plan
            .risks
            .iter()
            .zip(&forecast.risk_p80_saved)
            .filter(|(risk, _)| risk.is_open())
            .map(|(risk, &saved)| RiskLine {
                title: risk.title.clone(),
                probability: risk.probability,
                owner: risk.owner.map(|owner| plan.resources[owner.0].name.clone()),
                impact_minutes: waymark_core::model::risk_impact(saved),
                impact_days: waymark_core::days::days(
                    waymark_core::model::risk_impact(saved),
                    minutes_per_day,
                ),
            })
            .collect();
        risks.sort_by(|a, b| {
            (b.impact_minutes, b.probability)
                .partial_cmp(&(a.impact_minutes, a.probability))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        risks.truncate(TOP_RISKS);
        result.risks = risks;
    }
    result.dates = Some(document.project);
    result
}

/// The day "what changed since" starts at: the `since` query parameter, or a week ago; a text
/// that is not a date gives the default and a message for the field.
fn since_date(text: Option<&str>, today: NaiveDate) -> (NaiveDate, Option<String>) {
    let default = today - Duration::days(DEFAULT_SINCE_DAYS);
    match text.map(str::trim) {
        None | Some("") => (default, None),
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) if text.len() == 10 => (date, None),
            _ => (
                default,
                Some("Enter a date as YYYY-MM-DD; showing the last 7 days.".to_owned()),
            ),
        },
    }
}

/// The changes since a day (from its midnight, UTC), newest first, with the users they name.
struct Changes {
    events: Vec<Event>,
    total: i64,
    /// Display names of the actors and of the members the changes name.
    names: std::collections::HashMap<i64, String>,
}

async fn changes_since(
    state: &AppState,
    project: ProjectId,
    since: NaiveDate,
) -> Result<Changes, ApiError> {
    let from = since.and_time(chrono::NaiveTime::MIN).and_utc();
    let (events, total) = state
        .store
        .events_since(project, from, CHANGES_SHOWN)
        .await?;
    let mut ids: Vec<i64> = events
        .iter()
        .flat_map(|event| {
            let actor = match event.actor {
                Actor::User(user) => Some(user.0),
                Actor::System => None,
            };
            let member = (event.entity == "membership")
                .then(|| event.key.parse::<i64>().ok())
                .flatten();
            actor.into_iter().chain(member)
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for id in ids {
        match state.store.user(UserId(id)).await {
            Ok(user) => {
                names.insert(id, user.display_name);
            }
            Err(waymark_store::StoreError::NotFound(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(Changes {
        events,
        total,
        names,
    })
}

fn changes_section(
    project: ProjectId,
    since: NaiveDate,
    error: Option<&str>,
    changes: &Changes,
) -> Markup {
    let more = changes.total - changes.events.len() as i64;
    html! {
        section #changes aria-labelledby="changes-heading" {
            h2 #changes-heading { "What changed since " (since.format("%Y-%m-%d")) }
            form.inline method="get" action={ "/projects/" (project.0) } {
                label for="since" { "Changes since" }
                input #since type="date" name="since" value=(since.format("%Y-%m-%d"))
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| "since-error")];
                button type="submit" { "Show changes" }
                @if let Some(error) = error {
                    span.field-error #since-error { (error) }
                }
            }
            @if changes.events.is_empty() {
                p.muted { "No changes since then." }
            } @else {
                ol.changes {
                    @for event in &changes.events {
                        li {
                            time datetime=(event.at.to_rfc3339()) {
                                (super::account::utc_minute(&event.at))
                            }
                            " " (describe(event, &changes.names))
                        }
                    }
                }
                @if more > 0 {
                    p.muted { "… and " (more) " more." }
                }
            }
        }
    }
}

/// What an entity is called in a sentence: its name (a risk's title), else its id.
fn entity_name(event: &Event) -> String {
    let data = |value: &Option<Value>| -> Option<String> {
        let data = value.as_ref()?.get("data")?;
        data.get("name")
            .or_else(|| data.get("title"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    data(&event.after)
        .or_else(|| data(&event.before))
        .unwrap_or_else(|| event.key.clone())
}

/// A field's value in a sentence: text as it is, progress in percent, lists joined, long
/// values cut short.
fn value_text(key: &str, value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => return "nothing".to_owned(),
        Some(Value::Number(number)) if key == "progress" || key == "probability" => {
            number.as_f64().map_or_else(|| number.to_string(), percent)
        }
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    };
    const LONGEST: usize = 60;
    if text.chars().count() > LONGEST {
        let cut: String = text.chars().take(LONGEST).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The changed fields of two JSON objects, in key order.
fn changed_fields<'a>(
    before: Option<&'a serde_json::Map<String, Value>>,
    after: Option<&'a serde_json::Map<String, Value>>,
) -> Vec<(&'a str, Option<&'a Value>, Option<&'a Value>)> {
    let mut keys: Vec<&str> = before
        .into_iter()
        .chain(after)
        .flat_map(|map| map.keys().map(String::as_str))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let old = before.and_then(|map| map.get(key));
            let new = after.and_then(|map| map.get(key));
            (old != new).then_some((key, old, new))
        })
        .collect()
}

/// "progress of Build API from 20 % to 50 %", or for several fields "Build API: progress from
/// 20 % to 50 %, duration from 5d to 8d".
fn field_changes(subject: &str, fields: &[(&str, Option<&Value>, Option<&Value>)]) -> String {
    let one = |(key, old, new): &(&str, Option<&Value>, Option<&Value>)| {
        format!(
            "{} from {} to {}",
            key.replace('_', " "),
            value_text(key, *old),
            value_text(key, *new)
        )
    };
    /// At most this many fields are spelled out.
    const SHOWN: usize = 3;
    match fields {
        [] => format!("{subject} (no visible change)"),
        [field] => {
            let (key, old, new) = field;
            format!(
                "{} of {subject} from {} to {}",
                key.replace('_', " "),
                value_text(key, *old),
                value_text(key, *new)
            )
        }
        _ => {
            let mut parts: Vec<String> = fields.iter().take(SHOWN).map(one).collect();
            if fields.len() > SHOWN {
                parts.push(format!("{} more", fields.len() - SHOWN));
            }
            format!("{subject}: {}", parts.join(", "))
        }
    }
}

/// The object under `key` in an event's record.
fn object<'a>(value: &'a Option<Value>, key: &str) -> Option<&'a serde_json::Map<String, Value>> {
    value.as_ref()?.get(key)?.as_object()
}

/// One change as a sentence: who did what.
fn describe(event: &Event, names: &std::collections::HashMap<i64, String>) -> Markup {
    let who = match event.actor {
        Actor::User(user) => names
            .get(&user.0)
            .cloned()
            .unwrap_or_else(|| "A former user".to_owned()),
        Actor::System => "The system".to_owned(),
    };
    let action = event.action.as_str();
    let what = match event.entity.as_str() {
        "project" => match action {
            "create" => "created the project".to_owned(),
            "delete" => "deleted the project".to_owned(),
            _ => format!(
                "changed {}",
                field_changes(
                    "the project",
                    &changed_fields(
                        object(&event.before, "fields"),
                        object(&event.after, "fields")
                    )
                )
            ),
        },
        "membership" => {
            let member = event
                .key
                .parse::<i64>()
                .ok()
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| "a former user".to_owned());
            let role = |value: &Option<Value>| {
                value
                    .as_ref()
                    .and_then(|value| value.get("role"))
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned()
            };
            match action {
                "create" => format!("added {member} as {}", role(&event.after)),
                "delete" => format!("removed {member} from the project"),
                _ => format!(
                    "changed the role of {member} from {} to {}",
                    role(&event.before),
                    role(&event.after)
                ),
            }
        }
        kind => {
            let name = entity_name(event);
            match action {
                "create" => format!("created {kind} {name}"),
                "delete" => format!("deleted {kind} {name}"),
                _ => {
                    let fields =
                        changed_fields(object(&event.before, "data"), object(&event.after, "data"));
                    if fields.is_empty() {
                        format!("moved {kind} {name}")
                    } else {
                        format!("changed {}", field_changes(&name, &fields))
                    }
                }
            }
        }
    };
    html! { strong { (who) } " " (what) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chains(text: &str) -> Vec<String> {
        let plan = waymark_formats::plan::read_plan(text).map_or_else(
            |diagnostics| panic!("{diagnostics:?}"),
            |loaded| loaded.plan,
        );
        let schedule = waymark_core::schedule(&plan).unwrap_or_else(|e| panic!("{e}"));
        let document = waymark_report::json::schedule_json(&plan, &schedule);
        critical_chains(&document.tasks)
            .into_iter()
            .map(|chain| match chain.after {
                Some(after) => format!("after {after}: {}", chain.names.join(" → ")),
                None => chain.names.join(" → "),
            })
            .collect()
    }

    /// Two critical tasks side by side are two lines, never "B → C": C does not follow B.
    #[test]
    fn parallel_critical_tasks_are_not_chained() {
        let text = r#"
[project]
name = "P"
start = 2027-01-04

[tasks.a]
name = "A"
duration = "2d"

[tasks.b]
name = "B"
duration = "3d"
after = ["a"]

[tasks.c]
name = "C"
duration = "3d"
after = ["a"]

[tasks.e]
name = "E"
duration = "1d"
after = ["a"]

[tasks.d]
name = "D"
duration = "1d"
after = ["b", "c", "e"]
"#;
        assert_eq!(chains(text), ["A → B → D", "after A: C"]);
    }

    #[test]
    fn a_single_path_is_one_chain() {
        let text = r#"
[project]
name = "P"
start = 2027-01-04

[tasks.a]
name = "A"
duration = "2d"

[tasks.side]
name = "Side"
duration = "1d"

[tasks.b]
name = "B"
duration = "3d"
after = ["a", "side"]
"#;
        assert_eq!(chains(text), ["A → B"]);
    }
}
