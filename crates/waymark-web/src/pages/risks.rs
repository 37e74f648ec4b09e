//! The project's risks page: the register as a table (title, probability, impact, rating,
//! affected tasks, owner, response, status) and a 5 x 5 probability x impact heat map of the
//! open risks, rated by `waymark_core::risk_rating`, the rule the portfolio's "open high risks"
//! uses too.
//!
//! A risk's impact is what the forecast says it costs: the working days the P80 finish would
//! gain without it (`Forecast::risk_p80_saved`), on the project's one forecast
//! (`crate::figures::Figures::forecast`, which every page reads), shown next to the risk's own
//! delay and factor. Closed risks
//! stay in the table but not on the map: the forecast no longer samples them.
//!
//! Everything is rendered here for every role. Managers also get the form that adds and edits
//! risks and the close and reopen buttons; `static/risks.js` sends those through the JSON API
//! (`POST`, `PUT` with `If-Match`, `PATCH` of `status`) and reloads the page, whose forecast
//! then reflects the change.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Serialize;
use serde_json::Value;
use waymark_core::forecast::ForecastOptions;
use waymark_core::model::{
    cell_rating, risk_impact, Plan, RiskRating, IMPACT_BANDS, PROBABILITY_BANDS,
};
use waymark_core::RiskResponse;
use waymark_store::{EntityKind, Fields, ProjectId};

use super::{
    all_entities, json_island, note, panel, project_page, Panel, ProjectRequest, Tab, Wait,
};
use crate::AppState;

/// One risk of the register as the page shows it.
struct RiskRow {
    id: String,
    title: String,
    probability: f64,
    /// The working days the P80 finish would gain without it, as text (`2.5 days`); `None`
    /// without a forecast.
    impact: Option<String>,
    /// The cell of the heat map (probability band, impact band) and the rating, for an open
    /// risk with a known impact (`Risk::rating`, the rule of every page).
    cell: Option<(u8, u8)>,
    rating: Option<RiskRating>,
    open: bool,
    tasks: Vec<String>,
    owner: Option<String>,
    response: Option<&'static str>,
}

/// The register computed from the plan, or why the forecast failed.
pub(super) struct Register {
    rows: Vec<RiskRow>,
    problem: Option<String>,
    /// Task ids and names in plan order, for the form's "Affected tasks".
    tasks: Vec<(String, String)>,
    resources: Vec<(String, String)>,
    /// The duration units of the project, for the form's own check of delays.
    units: Units,
}

/// Working minutes of the duration units `d` and `w`, and days of `mo`.
#[derive(Clone, Copy, Serialize)]
struct Units {
    minutes_per_day: i64,
    minutes_per_week: i64,
    days_per_month: i64,
}

fn response_word(response: RiskResponse) -> &'static str {
    match response {
        RiskResponse::Avoid => "avoid",
        RiskResponse::Mitigate => "mitigate",
        RiskResponse::Transfer => "transfer",
        RiskResponse::Accept => "accept",
    }
}

/// The register with the forecast's impacts, kept by revision and day; `None` when the plan
/// has errors.
pub(super) static REGISTER: Panel<Option<Register>> = Panel {
    name: "risks",
    forecast: true,
    compute: |figures| match (&figures.plan, figures.forecast()) {
        (Ok(plan), Some(forecast)) => Some(register_of(plan, forecast)),
        _ => None,
    },
};

fn register_of(
    plan: &Plan,
    forecast: &Result<waymark_core::forecast::Forecast, waymark_core::ScheduleError>,
) -> Register {
    let per_day = plan.project.minutes_per_day;
    let (saved, problem) = match &forecast {
        Ok(result) => (Some(&result.risk_p80_saved), None),
        Err(error) => (None, Some(error.to_string())),
    };
    let rows = plan
        .risks
        .iter()
        .enumerate()
        .map(|(index, risk)| {
            let saved = saved.and_then(|saved| saved.get(index)).copied();
            let cell = saved.and_then(|saved| risk.grid_cell(saved, per_day));
            RiskRow {
                id: risk.id.clone(),
                title: risk.title.clone(),
                probability: risk.probability,
                impact: saved
                    .map(|saved| waymark_core::days::days_text(risk_impact(saved), per_day)),
                cell,
                rating: cell.map(|(probability, impact)| cell_rating(probability, impact)),
                open: risk.is_open(),
                tasks: risk
                    .tasks
                    .iter()
                    .filter_map(|task| plan.tasks.get(task.0))
                    .map(|task| task.name.clone())
                    .collect(),
                owner: risk
                    .owner
                    .and_then(|owner| plan.resources.get(owner.0))
                    .map(|resource| resource.name.clone()),
                response: risk.response.map(response_word),
            }
        })
        .collect();
    Register {
        rows,
        problem,
        tasks: plan
            .tasks
            .iter()
            .map(|task| (task.id.clone(), task.name.clone()))
            .collect(),
        resources: plan
            .resources
            .iter()
            .map(|resource| (resource.id.clone(), resource.name.clone()))
            .collect(),
        units: Units {
            minutes_per_day: plan.project.minutes_per_day,
            minutes_per_week: plan.project.minutes_per_week,
            days_per_month: plan.project.days_per_month,
        },
    }
}

/// A stored risk as the form edits it.
#[derive(Serialize)]
struct StoredRisk {
    version: i64,
    data: Fields,
}

/// Everything the page's script starts from (managers only: the others cannot change risks).
#[derive(Serialize)]
struct RisksData {
    risks: BTreeMap<String, StoredRisk>,
    units: Units,
}

/// Every stored risk of the project, page by page.
async fn stored_risks(
    state: &AppState,
    id: ProjectId,
) -> Result<BTreeMap<String, StoredRisk>, Response> {
    let entities = all_entities(state, id, EntityKind::Risk)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(entities
        .into_iter()
        .map(|entity| {
            let risk = StoredRisk {
                version: entity.version,
                data: entity.data,
            };
            (entity.key, risk)
        })
        .collect())
}

/// A three-point value as written (`2d–5d–10d`), when the stored risk has one.
fn three_points(data: Option<&Fields>, key: &str) -> Option<String> {
    let values = data?.get(key)?.as_array()?;
    let texts: Vec<String> = values
        .iter()
        .map(|value| match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect();
    Some(texts.join("–"))
}

fn rating_label(rating: RiskRating) -> &'static str {
    match rating {
        RiskRating::Low => "Low",
        RiskRating::Medium => "Medium",
        RiskRating::High => "High",
    }
}

fn heat_map(rows: &[RiskRow]) -> Markup {
    let mut cells: HashMap<(u8, u8), Vec<&RiskRow>> = HashMap::new();
    for row in rows {
        if let Some(cell) = row.cell {
            cells.entry(cell).or_default().push(row);
        }
    }
    let empty = Vec::new();
    html! {
        div.table-wrap {
            table.heat-map #heat-map aria-describedby="heat-help" {
                caption { "Open risks by probability and impact" }
                thead { tr {
                    th.corner scope="col" { "Probability \u{2193} impact \u{2192}" }
                    @for (_, label) in IMPACT_BANDS { th scope="col" { (label) } }
                } }
                tbody {
                    @for probability in (1..=5u8).rev() {
                        @let probability_label = PROBABILITY_BANDS[usize::from(probability - 1)].1;
                        tr {
                            th scope="row" { (probability_label) }
                            @for impact in 1..=5u8 {
                                @let risks = cells.get(&(probability, impact)).unwrap_or(&empty);
                                @let rating = cell_rating(probability, impact);
                                @let impact_label = IMPACT_BANDS[usize::from(impact - 1)].1;
                                @let count = match risks.len() {
                                    0 => "no open risks".to_owned(),
                                    1 => "1 open risk".to_owned(),
                                    n => format!("{n} open risks"),
                                };
                                td class={ "heat-cell rating-" (rating.key()) } tabindex="0"
                                    data-probability=(probability) data-impact=(impact)
                                    aria-label={ "Probability " (probability_label) ", impact "
                                        (impact_label) ", " (rating_label(rating).to_lowercase())
                                        ": " (count) } {
                                    @if !risks.is_empty() {
                                        span.count { (risks.len()) }
                                        ul.cell-risks {
                                            @for risk in risks { li data-risk=(risk.id) { (risk.title) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p.muted #heat-help {
            "Impact: the working days the P80 finish would gain without the risk. Low up to a \
             score of 4, medium to 11, high from 12 (probability band × impact band)."
        }
        p #heat-detail aria-live="polite" {}
    }
}

fn register_table(
    register: &Register,
    stored: &BTreeMap<String, StoredRisk>,
    can_edit: bool,
) -> Markup {
    html! {
        div.table-wrap {
            table.stack.register #risk-register aria-label="Risk register" {
                thead { tr {
                    th scope="col" { "Risk" }
                    th scope="col" { "Probability" }
                    th scope="col" { "Impact" }
                    th scope="col" { "Rating" }
                    th scope="col" { "Affected tasks" }
                    th scope="col" { "Owner" }
                    th scope="col" { "Response" }
                    th scope="col" { "Status" }
                    @if can_edit { th scope="col" { span.visually-hidden { "Actions" } } }
                } }
                tbody {
                    @for row in &register.rows {
                        @let data = stored.get(&row.id).map(|risk| &risk.data);
                        tr data-risk=(row.id) class=[(!row.open).then_some("closed")] {
                            th scope="row" data-label="Risk" { (row.title) }
                            td data-label="Probability" { (format!("{:.0} %", row.probability * 100.0)) }
                            td data-label="Impact" {
                                @match (row.open, &row.impact) {
                                    (false, _) => { span.muted { "none while closed" } }
                                    (true, Some(days)) => { (days) " at P80" }
                                    (true, None) => { span.muted { "unknown" } }
                                }
                                @let delay = three_points(data, "delay");
                                @let factor = three_points(data, "factor");
                                @if delay.is_some() || factor.is_some() {
                                    br;
                                    span.muted.own-effect {
                                        "if it occurs: "
                                        @if let Some(delay) = &delay { "+" (delay) }
                                        @if delay.is_some() && factor.is_some() { ", " }
                                        @if let Some(factor) = &factor { "×" (factor) }
                                    }
                                }
                            }
                            td data-label="Rating" {
                                @match row.rating {
                                    Some(rating) => {
                                        span class={ "rating rating-" (rating.key()) } { (rating_label(rating)) }
                                    }
                                    None => { span.muted { "—" } }
                                }
                            }
                            td data-label="Affected tasks" {
                                @if row.tasks.is_empty() { span.muted { "none" } } @else { (row.tasks.join(", ")) }
                            }
                            td data-label="Owner" {
                                @match &row.owner { Some(owner) => { (owner) } None => { span.bad { "nobody" } } }
                            }
                            td data-label="Response" {
                                @match row.response { Some(word) => { (word) } None => { span.muted { "none" } } }
                            }
                            td data-label="Status" { @if row.open { "Open" } @else { "Closed" } }
                            @if can_edit {
                                td.actions data-label="Actions" {
                                    button type="button" data-edit=(row.id) { "Edit" }
                                    @if row.open {
                                        button type="button" data-set-status="closed" data-risk=(row.id) { "Close" }
                                    } @else {
                                        button type="button" data-set-status="open" data-risk=(row.id) { "Reopen" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A text input with its label and the slot for its error.
fn field(id: &str, label: &str, input: Markup) -> Markup {
    html! {
        div.field {
            label for=(id) { (label) }
            (input)
            span.field-error id={ (id) "-error" } {}
        }
    }
}

fn three_inputs(key: &str, legend: &str, kind: &str, hint: &str) -> Markup {
    html! {
        fieldset.three #{ "risk-" (key) } aria-describedby={ "risk-" (key) "-error" } {
            legend { (legend) }
            p.muted.hint { (hint) }
            div.three-figures {
                @for (point, name) in [("low", "optimistic"), ("likely", "most likely"), ("high", "pessimistic")] {
                    div {
                        label for={ "risk-" (key) "-" (point) } { (legend_word(key)) ", " (name) }
                        input type=(kind) id={ "risk-" (key) "-" (point) } name={ (key) "-" (point) }
                            step=[(kind == "number").then_some("any")]
                            min=[(kind == "number").then_some("0")] maxlength=[(kind == "text").then_some("20")];
                    }
                }
            }
            span.field-error id={ "risk-" (key) "-error" } {}
        }
    }
}

fn legend_word(key: &str) -> &'static str {
    if key == "delay" {
        "Delay"
    } else {
        "Factor"
    }
}

/// The add and edit form, hidden until the script opens it.
fn editor(register: &Register) -> Markup {
    html! {
        section.editor #risk-editor hidden aria-labelledby="risk-editor-title" {
            h2 #risk-editor-title { "Add risk" }
            form #risk-form novalidate {
                (field("risk-title", "Title", html! {
                    input type="text" id="risk-title" name="title" maxlength="200" required
                        aria-describedby="risk-title-error";
                }))
                (field("risk-probability", "Probability (%)", html! {
                    input type="number" id="risk-probability" name="probability" min="0" max="100"
                        step="any" required aria-describedby="risk-probability-error";
                }))
                (field("risk-tasks", "Affected tasks", html! {
                    select #risk-tasks name="tasks" multiple size="6" aria-describedby="risk-tasks-error" {
                        @for (id, name) in &register.tasks { option value=(id) { (name) } }
                    }
                }))
                (three_inputs("delay", "Delay if it occurs", "text",
                    "Working time added to each affected task, e.g. 2d, 5d, 10d. Leave all three empty for none."))
                (three_inputs("factor", "Duration factor if it occurs", "number",
                    "Each affected task's duration is multiplied by it, e.g. 1.1, 1.3, 2. Leave all three empty for none."))
                (field("risk-owner", "Owner", html! {
                    select #risk-owner name="owner" aria-describedby="risk-owner-error" {
                        option value="" { "Nobody" }
                        @for (id, name) in &register.resources { option value=(id) { (name) } }
                    }
                }))
                (field("risk-response", "Response", html! {
                    select #risk-response name="response" aria-describedby="risk-response-error" {
                        option value="" { "None yet" }
                        option value="avoid" { "Avoid" }
                        option value="mitigate" { "Mitigate" }
                        option value="transfer" { "Transfer" }
                        option value="accept" { "Accept" }
                    }
                }))
                (field("risk-status", "Status", html! {
                    select #risk-status name="status" aria-describedby="risk-status-error" {
                        option value="open" { "Open" }
                        option value="closed" { "Closed" }
                    }
                }))
                p.field-error #risk-form-error role="alert" {}
                div.buttons {
                    button type="submit" { "Save risk" }
                    button.secondary type="button" #risk-cancel { "Cancel" }
                }
            }
        }
    }
}

/// The risks page; 404 for a project the user may not see (the API's rule).
pub(super) async fn page(
    State(state): State<AppState>,
    ProjectRequest { user, context }: ProjectRequest,
) -> Response {
    let id = context.project.id;
    let computed = match panel(&state, &context.project, &REGISTER, Wait::Briefly).await {
        Ok(computed) => computed,
        Err(response) => return response,
    };
    let note = note(id, &REGISTER, &computed);
    let stored = match stored_risks(&state, id).await {
        Ok(stored) => stored,
        Err(response) => return response,
    };
    let can_edit = context.can_edit();
    let content = match computed.shown() {
        None => html! {
            h1 { "Risks" }
            (note)
        },
        Some(None) => html! {
            h1 { "Risks" }
            p.bad { "The plan has errors, so its risks cannot be weighed; the overview names them." }
            p { a href={ "/projects/" (id.0) } { "Back to the overview" } }
        },
        Some(Some(register)) => {
            let open = register.rows.iter().filter(|row| row.open).count();
            let closed = register.rows.len() - open;
            html! {
                h1 { "Risks" }
                (note)
                p.muted {
                    (open) " open, " (closed) " closed. Impacts from the forecast ("
                    (ForecastOptions::DEFAULT.iterations) " iterations, seed "
                    (ForecastOptions::DEFAULT.seed) ")."
                }
                @if let Some(problem) = &register.problem {
                    p.bad { "No forecast, so no impacts: " (problem) }
                }
                h2 { "Heat map" }
                (heat_map(&register.rows))
                h2 #register-title { "Register" }
                @if can_edit {
                    p { button type="button" #risk-add { "Add risk" } }
                }
                @if register.rows.is_empty() {
                    p.muted { "No risks in the register." }
                } @else {
                    (register_table(register, &stored, can_edit))
                }
                @if can_edit {
                    (editor(register))
                    (json_island("risks-data", &RisksData { risks: stored, units: register.units }))
                }
            }
        }
    };
    project_page(&user, &context, Tab::Risks, Some("risks"), content)
}
