//! A project's figures, computed once per revision, and the background jobs that compute them.
//!
//! [`Figures`] is what every page and the API's default forecast read: the plan built once from
//! the stored project, and from it, each at most once and only when something asks, the
//! schedule, the forecast (the one setting, `ForecastOptions::DEFAULT`, with the milestones'
//! chances and the risks' effects) and the red flags. What a page shows of them is a [`Panel`]
//! (a name and a function of the figures), kept in [`crate::cache::PanelCache`] by revision and
//! day; a page's panels are listed by the pages ([`Jobs::new`]), so this module knows none of
//! them and renders nothing.
//!
//! - After every change made through this server the job starts at once for the new revision
//!   (see `warm_after_changes` in [`crate::Config`]), so the pages are usually ready by the time
//!   someone opens them. A newer change makes the job start over on the newer revision instead
//!   of finishing the older one.
//! - A page that finds its panel missing asks the job for it (it moves to the front of the
//!   queue) and waits. Schedule panels ([`Wait::Fresh`]) wait for the figures of the current
//!   revision, always, but not behind a forecast: while the job is busy with another panel, the
//!   page computes its own from the job's figures. Forecast panels ([`Wait::Briefly`]) wait at
//!   most `page_wait` ([`crate::Config`]): then the page shows the figures of the previous
//!   revision marked as updating, or says they are being computed, and its script reloads it
//!   when [`wait_ready`] says that the new ones are there.
//! - A job that ends without the wanted revision (another server process changed the project,
//!   or the job failed) leaves the page to compute its panel itself.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use tokio::sync::watch;
use waymark_core::diagnostic::Diagnostic;
use waymark_core::forecast::{Forecast, ForecastOptions};
use waymark_core::model::Plan;
use waymark_core::schedule::Schedule;
use waymark_core::{doctor, ScheduleError};
use waymark_store::{Entity, PlanContent, Project, ProjectId};

use crate::cache::Value;
use crate::document::{self, Checked};
use crate::error::ApiError;
use crate::AppState;

/// A project's figures at one revision: the stored project read once and its plan built once;
/// the schedule, the forecast and the red flags computed from it at most once each, by
/// whichever panel asks first (another asking at the same time waits for that one).
pub(crate) struct Figures {
    /// The plan, or the diagnostics that keep the project from being one.
    pub plan: Result<Plan, Vec<Diagnostic>>,
    /// The stored tasks by id, with their versions.
    pub tasks: BTreeMap<String, Entity>,
    /// The day the figures are for (rules such as "late" read today when the plan has no
    /// status date), UTC.
    pub today: NaiveDate,
    /// The threads the forecast runs on (`Config::engine_threads`).
    threads: usize,
    schedule: OnceLock<Result<Schedule, ScheduleError>>,
    forecast: OnceLock<Result<Forecast, ScheduleError>>,
    red_flags: OnceLock<Vec<Diagnostic>>,
}

impl Figures {
    /// The figures of a project read as `content` and `tasks`, its plan built (the slow part
    /// of reading).
    pub(crate) fn of(
        content: &PlanContent,
        tasks: BTreeMap<String, Entity>,
        today: NaiveDate,
        threads: usize,
    ) -> Figures {
        Figures::with_plan(
            document::plan_of(content).map(|Checked { plan, .. }| plan),
            tasks,
            today,
            threads,
        )
    }

    /// The figures of a project whose plan is built already.
    pub(crate) fn with_plan(
        plan: Result<Plan, Vec<Diagnostic>>,
        tasks: BTreeMap<String, Entity>,
        today: NaiveDate,
        threads: usize,
    ) -> Figures {
        Figures {
            plan,
            tasks,
            today,
            threads,
            schedule: OnceLock::new(),
            forecast: OnceLock::new(),
            red_flags: OnceLock::new(),
        }
    }

    /// The plan with its schedule, or the diagnostics that keep the project from being a plan.
    pub(crate) fn scheduled(
        &self,
    ) -> Result<(&Plan, &Result<Schedule, ScheduleError>), &[Diagnostic]> {
        let plan = self.plan.as_ref().map_err(Vec::as_slice)?;
        let schedule = self
            .schedule
            .get_or_init(|| waymark_core::schedule::schedule(plan));
        Ok((plan, schedule))
    }

    /// The plan's schedule; `None` when the project is not a plan.
    pub(crate) fn schedule(&self) -> Option<&Result<Schedule, ScheduleError>> {
        self.scheduled().ok().map(|(_, schedule)| schedule)
    }

    /// The plan's forecast with the one setting every page and the API's default show
    /// (`ForecastOptions::DEFAULT`); `None` when the project is not a plan.
    pub(crate) fn forecast(&self) -> Option<&Result<Forecast, ScheduleError>> {
        let plan = self.plan.as_ref().ok()?;
        Some(self.forecast.get_or_init(|| {
            waymark_core::forecast::forecast(plan, &ForecastOptions::DEFAULT, self.threads)
        }))
    }

    /// The red flags as `waymark check` reports them: the diagnostics that keep the project
    /// from being a plan, else the plan doctor's (with the timeline check on [`Self::forecast`]
    /// when it applies).
    pub(crate) fn red_flags(&self) -> &[Diagnostic] {
        self.red_flags.get_or_init(|| match &self.plan {
            Err(diagnostics) => diagnostics.clone(),
            Ok(plan) => {
                let forecast = doctor::timeline_applies(plan)
                    .then(|| self.forecast().and_then(|result| result.as_ref().ok()))
                    .flatten();
                doctor::red_flags(plan, forecast)
            }
        })
    }

    /// The estimated memory of one panel computed from these figures (the cache's budget).
    pub(crate) fn weight(&self) -> usize {
        crate::cache::weight(match &self.plan {
            Ok(plan) => {
                plan.tasks.len() + plan.links.len() + plan.resources.len() + plan.risks.len()
            }
            Err(_) => self.tasks.len(),
        })
    }
}

/// What a page (or the API's default forecast) shows of a project's figures: its name (which
/// with the day is its key in the cache) and how it is computed.
pub(crate) struct Panel<T> {
    pub name: &'static str,
    /// Reads the forecast: the jobs of all projects run a limited number of those at once
    /// ([`Jobs`]).
    pub forecast: bool,
    pub compute: fn(&Figures) -> T,
}

/// A [`Panel`] of any result type, as the job runs it.
pub(crate) trait AnyPanel: Sync {
    fn name(&self) -> &'static str;
    fn forecast(&self) -> bool;
    fn compute_value(&self, figures: &Figures) -> Value;
}

impl<T: Send + Sync + 'static> AnyPanel for Panel<T> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn forecast(&self) -> bool {
        self.forecast
    }

    fn compute_value(&self, figures: &Figures) -> Value {
        Arc::new((self.compute)(figures))
    }
}

/// The cache key of a panel on a day.
fn key(name: &str, today: NaiveDate) -> String {
    format!("{name} {today}")
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Runs engine work on a blocking thread; a failure is a logged 500.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        tracing::error!(%error, "engine task failed");
        ApiError::internal().into_response()
    })
}

/// How long a page waits for its panel.
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
    /// `page_wait` from now, for a page that waits for several panels at once.
    pub(crate) fn until(state: &AppState) -> Wait {
        Wait::Until(
            state
                .config
                .page_wait
                .map(|wait| tokio::time::Instant::now() + wait),
        )
    }
}

/// What a page has to show of a panel.
pub(crate) enum Shown<T> {
    /// The panel of the project as it is.
    Fresh(Arc<T>),
    /// The panel of an earlier revision: the new one is being computed.
    Stale(Arc<T>),
    /// Nothing yet: the panel is being computed.
    Pending,
}

impl<T> Shown<T> {
    /// The panel to show, of this revision or an earlier one; `None` while it is computed.
    pub(crate) fn shown(&self) -> Option<&T> {
        match self {
            Shown::Fresh(value) | Shown::Stale(value) => Some(value),
            Shown::Pending => None,
        }
    }

    pub(crate) fn is_stale(&self) -> bool {
        matches!(self, Shown::Stale(_))
    }
}

/// The background jobs, one per project at most.
pub struct Jobs {
    jobs: Mutex<HashMap<ProjectId, Job>>,
    /// Every panel, in the order a change computes them.
    panels: Vec<&'static dyn AnyPanel>,
    /// The forecasts the jobs run at once, all projects together: one per engine thread (each
    /// forecast uses every one), so that the portfolio of a fresh server, which starts a job
    /// per project, does not start them all at once.
    forecasts: tokio::sync::Semaphore,
    /// The tables and plan of each project's latest accepted write through this server
    /// ([`offer`]), until its job reads the project: one per project, replaced by the next.
    offered: Mutex<HashMap<ProjectId, (PlanContent, Plan)>>,
    /// How many times a job built its figures on a write's plan instead of reading it again.
    reused: std::sync::atomic::AtomicU64,
}

impl Jobs {
    /// How many times a job took the plan a write was checked with instead of building it.
    pub(crate) fn plans_reused(&self) -> u64 {
        self.reused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The jobs of a server whose pages show `panels` (computed in this order after a change:
    /// the cheap ones a page waits for first) and whose engine runs on `threads` threads.
    pub(crate) fn new(panels: Vec<&'static dyn AnyPanel>, threads: usize) -> Jobs {
        Jobs {
            jobs: Mutex::default(),
            panels,
            forecasts: tokio::sync::Semaphore::new(threads.max(1)),
            offered: Mutex::default(),
            reused: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

struct Job {
    /// Changes whenever the job has kept a panel; closed when the job has ended.
    progress: watch::Receiver<u64>,
    /// The panels still to compute, the most wanted first.
    wanted: VecDeque<&'static dyn AnyPanel>,
    /// The revision the job is computing, once it has read the project.
    revision: Option<i64>,
    /// What the job computes from, once built.
    figures: Option<(i64, Arc<Figures>)>,
    /// The panel the job is computing.
    computing: Option<&'static str>,
    /// The project has changed since the job read it: start over.
    again: bool,
}

/// What the job does next.
enum Next {
    Panel(&'static dyn AnyPanel),
    StartOver,
    Done,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ProjectId, Job>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `wanted` to the job of `project` (moved to the front when `first`, else at the back
    /// unless queued already), starting a job when none runs; `again` when the project has changed
    /// since the running job read it. Answers the job's progress.
    fn enqueue(
        &self,
        state: &AppState,
        project: ProjectId,
        wanted: &[&'static dyn AnyPanel],
        first: bool,
        again: impl Fn(Option<i64>) -> bool,
    ) -> watch::Receiver<u64> {
        let mut jobs = self.lock();
        if let Some(job) = jobs.get_mut(&project) {
            // A closed channel is a job that failed: replaced below.
            if job.progress.has_changed().is_ok() {
                for panel in wanted.iter().rev() {
                    let name = panel.name();
                    let queued = job.wanted.iter().any(|queued| queued.name() == name);
                    if first {
                        job.wanted.retain(|queued| queued.name() != name);
                        job.wanted.push_front(*panel);
                    } else if !queued {
                        job.wanted.push_back(*panel);
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
                figures: None,
                computing: None,
                again: false,
            },
        );
        tokio::spawn(run(state.clone(), project, sender));
        progress
    }

    /// The project has changed through this server: compute every panel of its new revision.
    pub(crate) fn changed(&self, state: &AppState, project: ProjectId) {
        self.enqueue(state, project, &self.panels, false, |_| true);
    }

    /// A page wants `panel` of `project` at `revision` or later: first, when it is waiting for
    /// it now, else in the job's order.
    fn want(
        &self,
        state: &AppState,
        project: ProjectId,
        revision: i64,
        panel: &'static dyn AnyPanel,
        first: bool,
    ) -> watch::Receiver<u64> {
        self.enqueue(state, project, &[panel], first, |reading| {
            reading.is_some_and(|reading| reading < revision)
        })
    }

    fn started(&self, project: ProjectId, revision: i64) {
        if let Some(job) = self.lock().get_mut(&project) {
            job.revision = Some(revision);
        }
    }

    fn built(&self, project: ProjectId, revision: i64, figures: Arc<Figures>) {
        if let Some(job) = self.lock().get_mut(&project) {
            job.figures = Some((revision, figures));
        }
    }

    /// The figures of the job of `project`, when they are of `revision` or later and the job is
    /// busy with a panel other than `panel`: a page can compute `panel` from them itself rather
    /// than wait for the job to finish the other panel.
    fn figures_while_busy(
        &self,
        project: ProjectId,
        revision: i64,
        panel: &str,
    ) -> Option<(i64, Arc<Figures>)> {
        let jobs = self.lock();
        let job = jobs.get(&project)?;
        let busy = job.computing.is_some_and(|computing| computing != panel);
        let (read, figures) = job.figures.as_ref()?;
        (busy && *read >= revision).then(|| (*read, figures.clone()))
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
            Some(panel) => {
                job.computing = Some(panel.name());
                Next::Panel(panel)
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

/// Starts computing the figures and panels of a project that has changed through this server,
/// when `warm_after_changes` is on.
pub(crate) fn project_changed(state: &AppState, project: ProjectId) {
    if state.config.warm_after_changes {
        state.jobs.changed(state, project);
    }
}

/// A write's check read the project with the change applied as `plan`: the job that reads
/// the project next builds no plan when what it reads is `content` (nothing else changed the
/// project in between). Kept only when changes start the jobs (`warm_after_changes`).
pub(crate) fn offer(state: &AppState, project: ProjectId, content: PlanContent, plan: Plan) {
    if state.config.warm_after_changes {
        state
            .jobs
            .offered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(project, (content, plan));
    }
}

/// The job of one project: reads the project, builds its figures and computes the wanted panels,
/// starting over when the project changes, until nothing is wanted.
async fn run(state: AppState, project: ProjectId, progress: watch::Sender<u64>) {
    'read: loop {
        let started = std::time::Instant::now();
        let (revision, tasks, content) = match read(&state, project).await {
            Ok(read) => read,
            Err(error) => {
                tracing::warn!(project = project.0, error = %error.message, "could not read the project for its pages");
                state.jobs.forget(project);
                return;
            }
        };
        state.jobs.started(project, revision);
        let read_ms = started.elapsed().as_secs_f64() * 1000.0;
        let today = today();
        let threads = state.config.engine_threads;
        let offered = state
            .jobs
            .offered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&project);
        let jobs = state.jobs.clone();
        let figures = blocking(move || match offered {
            Some((checked, plan)) if checked == content => {
                jobs.reused
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Figures::with_plan(Ok(plan), tasks, today, threads)
            }
            _ => Figures::of(&content, tasks, today, threads),
        })
        .await;
        let Ok(figures) = figures.map(Arc::new) else {
            state.jobs.forget(project);
            return;
        };
        state.jobs.built(project, revision, figures.clone());
        progress.send_modify(|kept| *kept += 1);
        tracing::debug!(
            project = project.0,
            revision,
            read_ms,
            plan_ms = started.elapsed().as_secs_f64() * 1000.0 - read_ms,
            "read the project for its pages"
        );
        loop {
            let panel = match state.jobs.next(project) {
                Next::Panel(panel) => panel,
                Next::StartOver => continue 'read,
                Next::Done => return,
            };
            let key = key(panel.name(), today);
            if state.panels.has(project, &key, revision) {
                continue;
            }
            let weight = figures.weight();
            let figures = figures.clone();
            let permit = if panel.forecast() {
                state.jobs.forecasts.acquire().await.ok()
            } else {
                None
            };
            let computing = std::time::Instant::now();
            let computed = blocking(move || panel.compute_value(&figures)).await;
            drop(permit);
            let Ok(value) = computed else {
                state.jobs.forget(project);
                return;
            };
            tracing::debug!(
                project = project.0,
                revision,
                panel = panel.name(),
                ms = computing.elapsed().as_secs_f64() * 1000.0,
                "computed a page panel"
            );
            state
                .panels
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

/// `panel` of `project` (as the page read it), waiting as `wait` says.
pub(crate) async fn panel<T: Send + Sync + 'static>(
    state: &AppState,
    project: &Project,
    panel: &'static Panel<T>,
    wait: Wait,
) -> Result<Shown<T>, Response> {
    let key = key(panel.name, today());
    let fresh = || {
        state
            .panels
            .latest::<T>(project.id, &key)
            .and_then(|(revision, value)| (revision >= project.revision).then_some(value))
    };
    if let Some(value) = fresh() {
        return Ok(Shown::Fresh(value));
    }
    let mut progress = state
        .jobs
        .want(state, project.id, project.revision, panel, true);
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
            if let Some((read, figures)) =
                state
                    .jobs
                    .figures_while_busy(project.id, project.revision, panel.name)
            {
                let weight = figures.weight();
                let value = Arc::new(blocking(move || (panel.compute)(&figures)).await?);
                state
                    .panels
                    .put(project.id, read, &key, value.clone(), weight);
                return Ok(Shown::Fresh(value));
            }
        }
        let changed = match deadline {
            None => progress.changed().await,
            Some(deadline) => match tokio::time::timeout_at(deadline, progress.changed()).await {
                Ok(changed) => changed,
                Err(_) => {
                    return Ok(match state.panels.latest::<T>(project.id, &key) {
                        Some((_, value)) => Shown::Stale(value),
                        None => Shown::Pending,
                    })
                }
            },
        };
        if let Some(value) = fresh() {
            return Ok(Shown::Fresh(value));
        }
        if changed.is_err() {
            // The job has ended without this revision: computed here.
            return computed_here(state, project, panel, key)
                .await
                .map(Shown::Fresh);
        }
    }
}

/// `panel` of `project` as it is: what the schedule pages show, waiting for it as long as it
/// takes.
pub(crate) async fn current<T: Send + Sync + 'static>(
    state: &AppState,
    project: &Project,
    panel: &'static Panel<T>,
) -> Result<Arc<T>, Response> {
    match self::panel(state, project, panel, Wait::Fresh).await? {
        Shown::Fresh(value) | Shown::Stale(value) => Ok(value),
        // `Wait::Fresh` waits until there is a value.
        Shown::Pending => Err(ApiError::internal().into_response()),
    }
}

/// Asks for `panel` of `project` without waiting for it, unless it is there already.
pub(crate) fn ask<T: Send + Sync + 'static>(
    state: &AppState,
    project: &Project,
    panel: &'static Panel<T>,
) {
    if !state
        .panels
        .has(project.id, &key(panel.name, today()), project.revision)
    {
        state
            .jobs
            .want(state, project.id, project.revision, panel, true);
    }
}

/// `panel` of `project` computed by the page itself.
async fn computed_here<T: Send + Sync + 'static>(
    state: &AppState,
    project: &Project,
    panel: &'static Panel<T>,
    key: String,
) -> Result<Arc<T>, Response> {
    let (revision, tasks, content) = read(state, project.id)
        .await
        .map_err(IntoResponse::into_response)?;
    let today = today();
    let threads = state.config.engine_threads;
    let (value, weight) = blocking(move || {
        let figures = Figures::of(&content, tasks, today, threads);
        ((panel.compute)(&figures), figures.weight())
    })
    .await?;
    let value = Arc::new(value);
    state
        .panels
        .put(project.id, revision, &key, value.clone(), weight);
    Ok(value)
}

/// The address a page's script waits on before reloading the page, for a panel that is not
/// fresh; `None` for a fresh one.
pub(crate) fn ready_url<T>(
    project: ProjectId,
    panel: &Panel<T>,
    shown: &Shown<T>,
) -> Option<String> {
    match shown {
        Shown::Fresh(_) => None,
        Shown::Stale(_) | Shown::Pending => Some(format!(
            "/projects/{}/ready?panel={}",
            project.0, panel.name
        )),
    }
}

/// Waits until the panel called `name` of project `id` at `revision` (or later) has been
/// computed, or its job has ended without it (then the page computes it). `None` when no panel
/// has that name.
pub(crate) async fn wait_ready(
    state: &AppState,
    id: ProjectId,
    revision: i64,
    name: &str,
) -> Option<()> {
    let panel = *state
        .jobs
        .panels
        .iter()
        .find(|panel| panel.name() == name)?;
    let key = key(panel.name(), today());
    if state.panels.has(id, &key, revision) {
        return Some(());
    }
    let mut progress = state.jobs.want(state, id, revision, panel, false);
    while !state.panels.has(id, &key, revision) {
        if progress.changed().await.is_err() {
            break;
        }
    }
    Some(())
}
