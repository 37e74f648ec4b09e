//! The engine's figures for the pages, made ready in the background: one job per project reads
//! the stored project once, builds its plan once, and computes the views pages ask for (the
//! tasks, the timeline, the board and the resources' heat map, then the forecasts of the
//! portfolio, the overview, the risks and the forecast page), keeping each in
//! [`crate::cache::ViewCache`] by revision.
//!
//! - After every change made through this server the job starts at once for the new revision
//!   (see `warm_after_changes` in [`crate::Config`]), so the pages are usually ready by the time
//!   someone opens them. A newer change makes the job start over on the newer revision instead
//!   of finishing the older one.
//! - A page that finds its view missing asks the job for it (it moves to the front of the
//!   queue) and waits. Schedule views ([`Wait::Fresh`]) wait for the figures of the current
//!   revision, always, but not behind a forecast: while the job is busy with another view, the
//!   page computes its own from the job's plan. Forecast views ([`Wait::Briefly`]) wait at most
//!   `page_wait` ([`crate::Config`]): then the page shows the figures of the previous revision
//!   marked as updating, or says they are being computed, and its script reloads it when
//!   [`ready`] answers that the new ones are there.
//! - A job that ends without the wanted revision (another server process changed the project,
//!   or the job failed) leaves the page to compute its view itself.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use tokio::sync::watch;
use waymark_core::diagnostic::Diagnostic;
use waymark_core::model::Plan;
use waymark_store::{Entity, PlanContent, Project, ProjectId};

use super::{blocking, ProjectRequest};
use crate::cache::Value;
use crate::document::{self, Checked};
use crate::error::ApiError;
use crate::http::Query;
use crate::AppState;

/// What every view is computed from: the stored project read once.
pub(crate) struct Inputs {
    /// The plan, or the diagnostics that keep the project from being one.
    pub plan: Result<Plan, Vec<Diagnostic>>,
    /// The stored tasks by id, with their versions.
    pub tasks: BTreeMap<String, Entity>,
    /// The day the figures are for (rules such as "late" read today when the plan has no
    /// status date), UTC.
    pub today: NaiveDate,
}

impl Inputs {
    /// The inputs of a project read as `content` and `tasks`, its plan built (the slow part).
    fn of(content: &PlanContent, tasks: BTreeMap<String, Entity>, today: NaiveDate) -> Inputs {
        Inputs {
            plan: document::plan_of(content).map(|Checked { plan, .. }| plan),
            tasks,
            today,
        }
    }

    /// The estimated memory of one view computed from these inputs (the view cache's budget).
    pub fn weight(&self) -> usize {
        crate::cache::weight(match &self.plan {
            Ok(plan) => {
                plan.tasks.len() + plan.links.len() + plan.resources.len() + plan.risks.len()
            }
            Err(_) => self.tasks.len(),
        })
    }
}

/// A view of a project that a page shows: its name (which with the day is its key in the
/// cache) and how it is computed.
pub(crate) struct View<T> {
    pub name: &'static str,
    /// Runs a Monte Carlo forecast: the jobs of all projects run a limited number of those at
    /// once ([`Warming`]).
    pub forecast: bool,
    pub compute: fn(&Inputs) -> T,
}

/// A [`View`] of any result type, as the job runs it.
pub(crate) trait AnyView: Sync {
    fn name(&self) -> &'static str;
    fn forecast(&self) -> bool;
    fn compute_value(&self, inputs: &Inputs) -> Value;
}

impl<T: Send + Sync + 'static> AnyView for View<T> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn forecast(&self) -> bool {
        self.forecast
    }

    fn compute_value(&self, inputs: &Inputs) -> Value {
        Arc::new((self.compute)(inputs))
    }
}

/// Every view, in the order a change computes them: the schedule views first (they are cheap
/// and a page waits for them), then the forecasts, the portfolio's first.
fn views() -> [&'static dyn AnyView; 8] {
    [
        &super::tasks::TASKS,
        &super::timeline::TIMELINE,
        &super::board::BOARD,
        &super::resources::RESOURCES,
        &super::portfolio::HEALTH,
        &super::overview::OVERVIEW,
        &super::risks::REGISTER,
        &super::forecast::FORECAST,
    ]
}

/// The cache key of a view on a day.
fn key(name: &str, today: NaiveDate) -> String {
    format!("{name} {today}")
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// How long a page waits for its view.
#[derive(Clone, Copy)]
pub(crate) enum Wait {
    /// Until the figures of the current revision are there.
    Fresh,
    /// At most the configured `page_wait`.
    Briefly,
    /// Until this moment at most (`None`: until they are there).
    Until(Option<tokio::time::Instant>),
}

impl Wait {
    /// `page_wait` from now, for a page that waits for several views at once.
    pub(crate) fn until(state: &AppState) -> Wait {
        Wait::Until(
            state
                .config
                .page_wait
                .map(|wait| tokio::time::Instant::now() + wait),
        )
    }
}

/// What a page has to show.
pub(crate) enum Figures<T> {
    /// The figures of the project as it is.
    Fresh(Arc<T>),
    /// The figures of an earlier revision: the new ones are being computed.
    Stale(Arc<T>),
    /// Nothing yet: the figures are being computed.
    Pending,
}

impl<T> Figures<T> {
    /// The figures to show, of this revision or an earlier one; `None` while they are
    /// computed.
    pub(crate) fn shown(&self) -> Option<&T> {
        match self {
            Figures::Fresh(value) | Figures::Stale(value) => Some(value),
            Figures::Pending => None,
        }
    }

    pub(crate) fn is_stale(&self) -> bool {
        matches!(self, Figures::Stale(_))
    }
}

/// The background jobs, one per project at most.
pub struct Warming {
    jobs: Mutex<HashMap<ProjectId, Job>>,
    /// The forecasts the jobs run at once, all projects together: one per core (each forecast
    /// uses every core), so that the portfolio of a fresh server, which starts a job per
    /// project, does not start them all at once.
    forecasts: tokio::sync::Semaphore,
}

impl Default for Warming {
    fn default() -> Warming {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Warming {
            jobs: Mutex::default(),
            forecasts: tokio::sync::Semaphore::new(cores),
        }
    }
}

struct Job {
    /// Changes whenever the job has kept a view; closed when the job has ended.
    progress: watch::Receiver<u64>,
    /// The views still to compute, the most wanted first.
    wanted: VecDeque<&'static dyn AnyView>,
    /// The revision the job is computing, once it has read the project.
    revision: Option<i64>,
    /// What the job computes from, once built.
    inputs: Option<(i64, Arc<Inputs>)>,
    /// The view the job is computing.
    computing: Option<&'static str>,
    /// The project has changed since the job read it: start over.
    again: bool,
}

/// What the job does next.
enum Next {
    View(&'static dyn AnyView),
    StartOver,
    Done,
}

impl Warming {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ProjectId, Job>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `wanted` to the job of `project` (moved to the front when `first`, else at the back
    /// unless queued already), starting a job when none runs; `again` when the project has changed since the running job read it. Answers
    /// the job's progress.
    fn enqueue(
        &self,
        state: &AppState,
        project: ProjectId,
        wanted: &[&'static dyn AnyView],
        first: bool,
        again: impl Fn(Option<i64>) -> bool,
    ) -> watch::Receiver<u64> {
        let mut jobs = self.lock();
        if let Some(job) = jobs.get_mut(&project) {
            // A closed channel is a job that failed: replaced below.
            if job.progress.has_changed().is_ok() {
                for view in wanted.iter().rev() {
                    let name = view.name();
                    let queued = job.wanted.iter().any(|queued| queued.name() == name);
                    if first {
                        job.wanted.retain(|queued| queued.name() != name);
                        job.wanted.push_front(*view);
                    } else if !queued {
                        job.wanted.push_back(*view);
                    }
                }
                job.again |= again(job.revision);
                return job.progress.clone();
            }
        }
        let (sender, progress) = watch::channel(0);
        jobs.insert(
            project,
            Job {
                progress: progress.clone(),
                wanted: wanted.iter().copied().collect(),
                revision: None,
                inputs: None,
                computing: None,
                again: false,
            },
        );
        tokio::spawn(run(state.clone(), project, sender));
        progress
    }

    /// The project has changed through this server: compute every view of its new revision.
    pub(crate) fn changed(&self, state: &AppState, project: ProjectId) {
        self.enqueue(state, project, &views(), false, |_| true);
    }

    /// A page wants `view` of `project` at `revision` or later: first, when it is waiting for
    /// it now, else in the job's order.
    fn want(
        &self,
        state: &AppState,
        project: ProjectId,
        revision: i64,
        view: &'static dyn AnyView,
        first: bool,
    ) -> watch::Receiver<u64> {
        self.enqueue(state, project, &[view], first, |reading| {
            reading.is_some_and(|reading| reading < revision)
        })
    }

    fn started(&self, project: ProjectId, revision: i64) {
        if let Some(job) = self.lock().get_mut(&project) {
            job.revision = Some(revision);
        }
    }

    fn built(&self, project: ProjectId, revision: i64, inputs: Arc<Inputs>) {
        if let Some(job) = self.lock().get_mut(&project) {
            job.inputs = Some((revision, inputs));
        }
    }

    /// The inputs of the job of `project`, when they are of `revision` or later and the job is
    /// busy with a view other than `view`: a page can compute `view` from them itself rather
    /// than wait for the job to finish the other view.
    fn inputs_while_busy(
        &self,
        project: ProjectId,
        revision: i64,
        view: &str,
    ) -> Option<(i64, Arc<Inputs>)> {
        let jobs = self.lock();
        let job = jobs.get(&project)?;
        let busy = job.computing.is_some_and(|computing| computing != view);
        let (read, inputs) = job.inputs.as_ref()?;
        (busy && *read >= revision).then(|| (*read, inputs.clone()))
    }

    fn next(&self, project: ProjectId) -> Next {
        let mut jobs = self.lock();
        let Some(job) = jobs.get_mut(&project) else {
            return Next::Done;
        };
        job.computing = None;
        if job.again {
            job.again = false;
            return Next::StartOver;
        }
        match job.wanted.pop_front() {
            Some(view) => {
                job.computing = Some(view.name());
                Next::View(view)
            }
            None => {
                jobs.remove(&project);
                Next::Done
            }
        }
    }

    fn forget(&self, project: ProjectId) {
        self.lock().remove(&project);
    }
}

/// The job of one project: reads the project, builds its plan and computes the wanted views,
/// starting over when the project changes, until nothing is wanted.
async fn run(state: AppState, project: ProjectId, progress: watch::Sender<u64>) {
    'read: loop {
        let started = std::time::Instant::now();
        let (revision, tasks, content) = match read(&state, project).await {
            Ok(read) => read,
            Err(error) => {
                tracing::warn!(project = project.0, error = %error.message, "could not read the project for its pages");
                state.warming.forget(project);
                return;
            }
        };
        state.warming.started(project, revision);
        let read_ms = started.elapsed().as_secs_f64() * 1000.0;
        let today = today();
        let inputs = blocking(move || Inputs::of(&content, tasks, today)).await;
        let Ok(inputs) = inputs.map(Arc::new) else {
            state.warming.forget(project);
            return;
        };
        state.warming.built(project, revision, inputs.clone());
        progress.send_modify(|kept| *kept += 1);
        tracing::debug!(
            project = project.0,
            revision,
            read_ms,
            plan_ms = started.elapsed().as_secs_f64() * 1000.0 - read_ms,
            "read the project for its pages"
        );
        loop {
            let view = match state.warming.next(project) {
                Next::View(view) => view,
                Next::StartOver => continue 'read,
                Next::Done => return,
            };
            let key = key(view.name(), today);
            if state.views.has(project, &key, revision) {
                continue;
            }
            let weight = inputs.weight();
            let inputs = inputs.clone();
            let permit = if view.forecast() {
                state.warming.forecasts.acquire().await.ok()
            } else {
                None
            };
            let computing = std::time::Instant::now();
            let computed = blocking(move || view.compute_value(&inputs)).await;
            drop(permit);
            let Ok(value) = computed else {
                state.warming.forget(project);
                return;
            };
            tracing::debug!(
                project = project.0,
                revision,
                view = view.name(),
                ms = computing.elapsed().as_secs_f64() * 1000.0,
                "computed a page view"
            );
            state
                .views
                .put_value(project, revision, &key, value, weight);
            progress.send_modify(|kept| *kept += 1);
        }
    }
}

/// The project's revision, its tasks as stored (with their versions, by id) and its plan
/// document, from one read: every version belongs to the task fields a page shows, so a page's
/// `If-Match` never lets it overwrite a change it has not shown.
async fn read(
    state: &AppState,
    id: ProjectId,
) -> Result<(i64, BTreeMap<String, Entity>, PlanContent), ApiError> {
    let snapshot = state.store.project_snapshot(id).await?;
    let tasks = snapshot
        .tasks
        .into_iter()
        .map(|entity| (entity.key.clone(), entity))
        .collect();
    Ok((snapshot.project.revision, tasks, snapshot.content))
}

/// `view` of `project` (as the page read it), waiting as `wait` says.
pub(crate) async fn figures<T: Send + Sync + 'static>(
    state: &AppState,
    project: &Project,
    view: &'static View<T>,
    wait: Wait,
) -> Result<Figures<T>, Response> {
    let key = key(view.name, today());
    let fresh = || {
        state
            .views
            .latest::<T>(project.id, &key)
            .and_then(|(revision, value)| (revision >= project.revision).then_some(value))
    };
    if let Some(value) = fresh() {
        return Ok(Figures::Fresh(value));
    }
    let mut progress = state
        .warming
        .want(state, project.id, project.revision, view, true);
    let deadline = match wait {
        Wait::Fresh => None,
        Wait::Briefly => state
            .config
            .page_wait
            .map(|wait| tokio::time::Instant::now() + wait),
        Wait::Until(deadline) => deadline,
    };
    loop {
        if matches!(wait, Wait::Fresh) {
            if let Some((read, inputs)) =
                state
                    .warming
                    .inputs_while_busy(project.id, project.revision, view.name)
            {
                let weight = inputs.weight();
                let value = Arc::new(blocking(move || (view.compute)(&inputs)).await?);
                state
                    .views
                    .put(project.id, read, &key, value.clone(), weight);
                return Ok(Figures::Fresh(value));
            }
        }
        let changed = match deadline {
            None => progress.changed().await,
            Some(deadline) => match tokio::time::timeout_at(deadline, progress.changed()).await {
                Ok(changed) => changed,
                Err(_) => {
                    return Ok(match state.views.latest::<T>(project.id, &key) {
                        Some((_, value)) => Figures::Stale(value),
                        None => Figures::Pending,
                    })
                }
            },
        };
        if let Some(value) = fresh() {
            return Ok(Figures::Fresh(value));
        }
        if changed.is_err() {
            // The job has ended without this revision: computed here.
            return computed_here(state, project, view, key)
                .await
                .map(Figures::Fresh);
        }
    }
}

/// `view` of `project` as it is: what the schedule pages show, waiting for it as long as it
/// takes.
pub(crate) async fn current<T: Send + Sync + 'static>(
    state: &AppState,
    project: &Project,
    view: &'static View<T>,
) -> Result<Arc<T>, Response> {
    match figures(state, project, view, Wait::Fresh).await? {
        Figures::Fresh(value) | Figures::Stale(value) => Ok(value),
        // `Wait::Fresh` waits until there is a value.
        Figures::Pending => Err(ApiError::internal().into_response()),
    }
}

/// Asks for `view` of `project` without waiting for it, unless it is there already.
pub(crate) fn ask<T: Send + Sync + 'static>(
    state: &AppState,
    project: &Project,
    view: &'static View<T>,
) {
    if !state
        .views
        .has(project.id, &key(view.name, today()), project.revision)
    {
        state
            .warming
            .want(state, project.id, project.revision, view, true);
    }
}

/// `view` of `project` computed by the page itself.
async fn computed_here<T: Send + Sync + 'static>(
    state: &AppState,
    project: &Project,
    view: &'static View<T>,
    key: String,
) -> Result<Arc<T>, Response> {
    let (revision, tasks, content) = read(state, project.id)
        .await
        .map_err(IntoResponse::into_response)?;
    let today = today();
    let (value, weight) = blocking(move || {
        let inputs = Inputs::of(&content, tasks, today);
        ((view.compute)(&inputs), inputs.weight())
    })
    .await?;
    let value = Arc::new(value);
    state
        .views
        .put(project.id, revision, &key, value.clone(), weight);
    Ok(value)
}

/// The address a page's script waits on before reloading the page, for figures that are not
/// fresh; `None` for fresh ones.
pub(crate) fn ready_url<T>(
    project: ProjectId,
    view: &View<T>,
    figures: &Figures<T>,
) -> Option<String> {
    match figures {
        Figures::Fresh(_) => None,
        Figures::Stale(_) | Figures::Pending => {
            Some(format!("/projects/{}/ready?view={}", project.0, view.name))
        }
    }
}

/// The note of a page whose figures are being computed: a live region that says so, with the
/// addresses to wait on (`data-ready`, space separated) for `waymark.js`, which reloads the
/// page when they answer.
pub(crate) fn updating_note(urls: &[String], stale: bool) -> maud::Markup {
    maud::html! {
        @if !urls.is_empty() {
            p.updating #updating role="status" data-ready=(urls.join(" ")) {
                @if stale {
                    "Updating: these figures are from before the latest change. The page shows \
                     the new ones as soon as they are computed."
                } @else {
                    "Computing the figures of this project: the page shows them as soon as they \
                     are ready."
                }
            }
        }
    }
}

/// The [`updating_note`] of a page that shows one view, `view` of `project`: nothing when its
/// figures are fresh.
pub(crate) fn note<T>(project: ProjectId, view: &View<T>, figures: &Figures<T>) -> maud::Markup {
    let waiting: Vec<String> = ready_url(project, view, figures).into_iter().collect();
    updating_note(&waiting, figures.is_stale())
}

#[derive(Deserialize)]
pub(super) struct ReadyQuery {
    view: String,
}

/// How long [`ready`] waits at most.
const READY_WAIT: Duration = Duration::from_secs(30);

/// `GET /projects/{id}/ready?view=NAME`: answers 204 once the view `NAME` of the project as it
/// now is has been computed (at most [`READY_WAIT`]; then 503, and the page offers a reload).
pub(super) async fn ready(
    State(state): State<AppState>,
    ProjectRequest { user: _, context }: ProjectRequest,
    Query(query): Query<ReadyQuery>,
) -> Response {
    let id = context.project.id;
    let Some(view) = views().into_iter().find(|view| view.name() == query.view) else {
        return ApiError::not_found("view").into_response();
    };
    let key = key(view.name(), today());
    let revision = context.project.revision;
    let wait = async {
        if state.views.has(id, &key, revision) {
            return;
        }
        let mut progress = state.warming.want(&state, id, revision, view, false);
        while !state.views.has(id, &key, revision) {
            if progress.changed().await.is_err() {
                break;
            }
        }
    };
    // Also when the job has ended without the view: the reloaded page computes it.
    match tokio::time::timeout(READY_WAIT, wait).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
