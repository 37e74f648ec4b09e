//! `waymark serve` and `waymark admin`: configuration, logging, the demo data and the first
//! start, around the web crate's [`waymark_web::serve`].

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use waymark_store::{
    auth, Actor, Clock, EntityKind, EntityUpdate, Fields, NewUser, PlanContent, Role, Store,
    StoreError,
};

/// The three example plans, loaded by `--demo`.
const DEMO_PLANS: [(&str, &str); 3] = [
    (
        "website-launch.plan.toml",
        include_str!("../../../examples/website-launch.plan.toml"),
    ),
    (
        "mobile-app.plan.toml",
        include_str!("../../../examples/mobile-app.plan.toml"),
    ),
    (
        "crm-rollout.plan.toml",
        include_str!("../../../examples/crm-rollout.plan.toml"),
    ),
];

/// The demo account.
pub const DEMO_USER: &str = "demo";
const DEMO_PASSWORD: &str = "demo";

/// How `waymark serve` runs.
pub struct ServeArgs {
    pub database: String,
    pub listen: SocketAddr,
    pub demo: bool,
    pub demo_public: bool,
    pub secure_cookies: bool,
    /// How long a page waits for forecast figures (`Config::page_wait`).
    pub page_wait: std::time::Duration,
    pub log_json: bool,
}

fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // A second initialisation (tests) is harmless: the first subscriber stays.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn open(database: &str) -> Result<Store> {
    let store = Store::connect(database)
        .await
        .with_context(|| format!("cannot open the database {}", redact(database)))?;
    store
        .migrate()
        .await
        .context("cannot bring the database schema up to date")?;
    Ok(store)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `waymark serve`.
pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    if args.demo && !args.listen.ip().is_loopback() && !args.demo_public {
        bail!(
            "--demo has a well-known password (demo/demo): it listens on loopback only; give \
             --demo-public to listen on {} anyway",
            args.listen
        );
    }
    init_logging(args.log_json);
    runtime()?.block_on(async move {
        let store = open(&args.database).await?;
        tracing::info!(
            database = %redact(&args.database),
            backend = store.backend_name(),
            "database ready"
        );
        if args.demo {
            load_demo(&store).await?;
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let address = listener.local_addr()?;
        if store.user_count().await? == 0 {
            if let Some(issued) = store
                .create_setup_token(chrono::Duration::hours(24))
                .await?
            {
                say(format_args!(
                    "No accounts yet. Create the first administrator within 24 hours at:\n  \
                     http://{address}/setup?token={}",
                    issued.secret
                ));
            }
        }
        say(format_args!(
            "Waymark is listening on http://{address}/ (API: http://{address}/api/v1/)"
        ));
        if args.demo {
            say(format_args!(
                "Demo account: user `{DEMO_USER}`, password `{DEMO_PASSWORD}`"
            ));
        }
        let config = waymark_web::Config {
            secure_cookies: args.secure_cookies,
            page_wait: Some(args.page_wait),
            engine_threads: crate::forecast::every_core(),
            ..waymark_web::Config::default()
        };
        let state = waymark_web::AppState::new(store.clone(), config);
        waymark_web::serve(listener, state, waymark_web::shutdown_signal())
            .await
            .context("the server stopped with an error")?;
        store.close().await;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints a line for whoever started the server. A stdout that has gone (a pipe whose reader
/// exited) must not stop a running server, so a failed write is ignored: the logs carry on.
fn say(line: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// How far back the demo's history reaches: the example projects are imported this many days
/// before their status date and the team's progress reports follow over those days, so the
/// overview's "what changed" and the event log show a living project.
const DEMO_HISTORY_DAYS: i64 = 14;

/// The demo user and, the first time, the example projects they own, with their teams and
/// history: each project is imported as it stood two weeks ago (tasks in progress at about
/// half their progress, the last tasks finished still open), its people (the plan's work
/// resources, as accounts without a password) join as members, and then report their progress
/// day by day until the project is exactly the example file. The events carry those past
/// times (the store's clock is set for the story).
async fn load_demo(store: &Store) -> Result<()> {
    let user = match store.user_by_name(DEMO_USER).await {
        Ok(user) => user,
        Err(StoreError::NotFound(_)) => {
            let hash = tokio::task::spawn_blocking(|| auth::hash_password(DEMO_PASSWORD))
                .await
                .context("hashing the demo password")??;
            store
                .create_user(
                    Actor::System,
                    &NewUser {
                        name: DEMO_USER.into(),
                        display_name: "Demo".into(),
                        email: None,
                        password_hash: Some(hash),
                        is_admin: false,
                    },
                )
                .await?
        }
        Err(error) => return Err(error.into()),
    };
    if !store.projects_of_user(user.id, None, 1).await?.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    let time = Arc::new(Mutex::new(now));
    let story = {
        let time = time.clone();
        store.clone().with_clock(Clock::new(move || {
            *time.lock().unwrap_or_else(PoisonError::into_inner)
        }))
    };
    let set_time = |at: chrono::DateTime<chrono::Utc>| {
        *time.lock().unwrap_or_else(PoisonError::into_inner) = at;
    };
    for (name, text) in DEMO_PLANS {
        let (mut content, _) = waymark_web::document::content_from_plan_text(text)
            .map_err(|_| anyhow::anyhow!("{name}: the example does not read"))?;
        let reports = earlier_progress(&mut content);
        let started = story_start(&content, now);
        set_time(started);
        let project = story.import_project(Actor::User(user.id), &content).await?;
        tracing::info!(project = project.id.0, name = %project.name, "demo project loaded");
        set_time(started + chrono::Duration::hours(1));
        let team = demo_team(&story, &content, project.id).await?;
        let days = (DEMO_HISTORY_DAYS - 1) as f64;
        for (index, (key, data)) in reports.iter().enumerate() {
            let day = 1.0 + days * index as f64 / reports.len().max(1) as f64;
            set_time(started + chrono::Duration::minutes((day * 24.0 * 60.0) as i64));
            let entity = story.entity(project.id, EntityKind::Task, key).await?;
            let reporter = assignee(data)
                .and_then(|resource| team.get(&resource).copied())
                .unwrap_or(user.id);
            story
                .update_entity(
                    Actor::User(reporter),
                    project.id,
                    EntityKind::Task,
                    key,
                    entity.version,
                    &EntityUpdate {
                        data: data.clone(),
                        position: None,
                    },
                )
                .await?;
        }
    }
    Ok(())
}

/// When a demo project's story starts: two weeks before the end of its status date, so that the
/// progress reports come in the days before the date the plan's progress is as of, and "what
/// changed since" reads like the project's own fortnight (the examples' status dates lie in
/// 2027). A plan without a status date tells its story up to `now`.
fn story_start(
    content: &PlanContent,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    let status_date = content
        .project
        .get("status_date")
        .and_then(|value| value.as_str())
        .and_then(|text| chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok())
        .and_then(|date| date.and_hms_opt(17, 0, 0))
        .map(|end| end.and_utc());
    status_date.unwrap_or(now) - chrono::Duration::days(DEMO_HISTORY_DAYS)
}

/// How many progress reports each demo project's history holds.
const DEMO_REPORTS: usize = 8;

/// Turns a plan's content into its state two weeks earlier and answers the reports that bring
/// it back, in order: the two tasks that finished last were still open at 80 %, and up to
/// six tasks in progress were at half their progress (to 5 %).
fn earlier_progress(content: &mut PlanContent) -> Vec<(String, Fields)> {
    let mut finished: Vec<(String, usize)> = Vec::new();
    let mut in_progress = Vec::new();
    for (index, (_, data)) in content.tasks.iter().enumerate() {
        let progress = data.get("progress").and_then(|value| value.as_f64());
        if let Some(date) = data.get("actual_finish").and_then(|value| value.as_str()) {
            finished.push((date.to_owned(), index));
        } else if progress.is_some_and(|p| p > 0.0 && p < 1.0) {
            in_progress.push(index);
        }
    }
    finished.sort();
    let last_finished = finished.iter().rev().take(2).rev().map(|(_, index)| *index);
    let chosen: Vec<usize> = last_finished
        .chain(in_progress.into_iter().take(DEMO_REPORTS - 2))
        .collect();
    let mut reports = Vec::new();
    for index in chosen {
        let (key, data) = &mut content.tasks[index];
        reports.push((key.clone(), data.clone()));
        let earlier = if data.remove("actual_finish").is_some() {
            0.8
        } else {
            let progress = data.get("progress").and_then(|value| value.as_f64());
            (progress.unwrap_or(0.0) * 10.0).round().max(1.0) / 20.0
        };
        data.insert("progress".into(), serde_json::json!(earlier));
    }
    reports
}

/// The first resource of a task's `resources` (`"ana"`, `"bob 50%"`).
fn assignee(data: &Fields) -> Option<String> {
    let first = match data.get("resources")? {
        serde_json::Value::Array(list) => list.first()?.as_str()?,
        serde_json::Value::String(one) => one.as_str(),
        _ => return None,
    };
    first.split_whitespace().next().map(str::to_owned)
}

/// The project's people: an account for each work resource (named by its id, without a
/// password, so nobody signs in as them), added as members; managers by their role.
async fn demo_team(
    store: &Store,
    content: &PlanContent,
    project: waymark_store::ProjectId,
) -> Result<HashMap<String, waymark_store::UserId>> {
    let mut team = HashMap::new();
    for (key, data) in &content.resources {
        let kind = data.get("kind").and_then(|value| value.as_str());
        if kind.is_some_and(|kind| kind != "work") {
            continue;
        }
        let display_name = data
            .get("name")
            .and_then(|value| value.as_str())
            .unwrap_or(key)
            .to_owned();
        let person = match store.user_by_name(key).await {
            Ok(person) => person,
            Err(StoreError::NotFound(_)) => {
                store
                    .create_user(
                        Actor::System,
                        &NewUser {
                            name: key.clone(),
                            display_name,
                            email: None,
                            password_hash: None,
                            is_admin: false,
                        },
                    )
                    .await?
            }
            Err(error) => return Err(error.into()),
        };
        let manages = data
            .get("role")
            .and_then(|value| value.as_str())
            .is_some_and(|role| role.contains("manager"));
        let role = if manages { Role::Manager } else { Role::Member };
        store
            .add_member(Actor::System, project, person.id, role)
            .await?;
        team.insert(key.clone(), person.id);
    }
    Ok(team)
}

/// `waymark admin create-user NAME [--admin]`: the password is the first line of stdin.
pub fn create_user(
    database: &str,
    name: &str,
    display_name: Option<&str>,
    admin: bool,
) -> Result<ExitCode> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("cannot read the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    if password.chars().count() < waymark_web::auth::MIN_PASSWORD {
        bail!(
            "the password (first line of stdin) needs at least {} characters",
            waymark_web::auth::MIN_PASSWORD
        );
    }
    runtime()?.block_on(async {
        let store = open(database).await?;
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .context("hashing the password")??;
        let user = store
            .create_user(
                Actor::System,
                &NewUser {
                    name: name.to_owned(),
                    display_name: display_name.unwrap_or(name).to_owned(),
                    email: None,
                    password_hash: Some(hash),
                    is_admin: admin,
                },
            )
            .await
            .map_err(|error| match error {
                StoreError::Duplicate(_) => anyhow::anyhow!("a user named `{name}` exists"),
                other => other.into(),
            })?;
        store.close().await;
        eprintln!(
            "created {} `{}` (id {})",
            if user.is_admin {
                "administrator"
            } else {
                "user"
            },
            user.name,
            user.id
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// `waymark admin create-token NAME`: prints a new API token of user NAME on stdout.
pub fn create_token(
    database: &str,
    name: &str,
    token_name: &str,
    expires_in_days: Option<u32>,
) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(database).await?;
        let user = store
            .user_by_name(name)
            .await
            .map_err(|error| match error {
                StoreError::NotFound(_) => anyhow::anyhow!("there is no user named `{name}`"),
                other => other.into(),
            })?;
        let expires_at = expires_in_days
            .map(|days| chrono::Utc::now() + chrono::Duration::days(i64::from(days)));
        let issued = store
            .create_token(Actor::System, user.id, token_name, expires_at)
            .await?;
        store.close().await;
        println!("{}", issued.secret);
        Ok(ExitCode::SUCCESS)
    })
}
