//! Persistence for the Waymark server on SQLite (the default, one file) or PostgreSQL (several
//! `waymark serve` processes side by side): accounts, projects and their members, project content
//! in the plan file's shape, API tokens, sessions, sign-in rate limits, and the append-only event
//! log. Every change writes its event (actor, time, object, before and after) in the same
//! transaction as the change, and every mutable object carries a `version` that updates must
//! name (optimistic concurrency).
//!
//! This is the only crate that names sqlx. It knows nothing of HTTP or of the engine.
//!
//! # Two backends, one set of queries
//!
//! `Store` is an enum over a `SqlitePool` and a `PgPool` rather than `sqlx::Any`: the `Any`
//! driver has no JSON or chrono types, cannot set SQLite's durability pragmas and hides which
//! database answered. Instead the `queries/` folder is compiled twice, once inside `sqlite.rs`
//! and once inside `postgres.rs`, each with its own `Db` type, so every query is written once in
//! SQL both databases accept (`$1` parameters, `RETURNING`, `ON CONFLICT`), type-checked against
//! both drivers, and dispatched by `Store`. What truly differs (connecting, migrations, how a
//! transaction begins) lives in the two backend modules. `queries/` has one file per kind of row
//! (`users.rs`, `projects.rs`, `entities.rs`, `events.rs`, ...), and each `Store` method names
//! the file that answers it.
//!
//! # Concurrency
//!
//! Every change to a project first bumps the project row's `revision`. On PostgreSQL that row
//! lock serializes the writers of one project until they commit, so the versions checked and the
//! event ids within a project follow commit order, across processes. SQLite write transactions
//! begin with `BEGIN IMMEDIATE`, which takes the database's write lock up front and waits for it
//! (busy timeout) instead of failing when a read turns into a write.

pub mod auth;
mod error;
mod model;
mod postgres;
mod sqlite;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use error::{Result, StoreError};
pub use model::{
    check_key, Actor, ApiToken, ContentChanges, Entity, EntityCursor, EntityKind, EntityQuery,
    EntityUpdate, Event, EventAction, EventId, Fields, Issued, Membership, NewEntity, NewUser,
    Page, ParentFilter, PlanContent, Project, ProjectId, ProjectSnapshot, Role, Session,
    SqliteSettings, TokenId, User, UserId, UserUpdate, MAX_PAGE_SIZE, MAX_USER_NAME, POSITION_STEP,
};

/// The time source of a store: the system clock, or a test's.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    pub fn new(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    /// The current time to microseconds, the precision PostgreSQL keeps, so that a time reads
    /// back equal to what was written on both databases.
    pub fn now(&self) -> DateTime<Utc> {
        let now = (self.0)();
        DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// How to open a store.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// The size of the connection pool (an in-memory SQLite database always has one).
    pub max_connections: u32,
    /// How long a SQLite writer waits for another's write lock before failing.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            busy_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// The database: cheap to clone (the pool is shared), safe to use from many tasks.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    clock: Clock,
}

impl Store {
    /// Opens the database at `url`: `postgres://...` (or `postgresql://`), `sqlite://PATH`,
    /// `sqlite::memory:`, or a plain file path, which is a SQLite file created when missing.
    /// Does not migrate: call `migrate` at start-up.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, &StoreOptions::default()).await
    }

    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Store> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(postgres::connect(url, options).await?)
        } else {
            Backend::Sqlite(sqlite::connect(url, options).await?)
        };
        Ok(Store {
            backend,
            clock: Clock::system(),
        })
    }

    /// The same store reading time from `clock` (tests move time forward to expire sessions).
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Brings the schema up to date. Safe to run at every start and from several processes at
    /// once on PostgreSQL (sqlx takes an advisory lock).
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => sqlite::migrate(pool).await,
            Backend::Postgres(pool) => postgres::migrate(pool).await,
        }
    }

    /// SQLite's durability settings as a pooled connection reports them; `None` on PostgreSQL.
    pub async fn sqlite_settings(&self) -> Result<Option<SqliteSettings>> {
        match &self.backend {
            Backend::Sqlite(pool) => Ok(Some(sqlite::settings(pool).await?)),
            Backend::Postgres(_) => Ok(None),
        }
    }

    /// Waits for the pool's connections to close.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(pool) => pool.close().await,
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

/// Defines `Store` methods that each hand their arguments to a function of `queries/`, run on
/// whichever backend the store has: `fn user(id: UserId) -> User = users::user;` is
/// `Store::user(&self, id) -> Result<User>`, answered by `queries/users.rs`. `at now` passes the
/// store's clock time first, for calls that write or compare times.
macro_rules! answered_by_queries {
    ($(
        $(#[$attribute:meta])*
        fn $name:ident($($argument:ident: $type:ty),* $(,)?) -> $answer:ty
            = $($function:ident)::+ $(at $now:ident)?;
    )*) => {
        impl Store {
            $(
                $(#[$attribute])*
                pub async fn $name(&self, $($argument: $type),*) -> Result<$answer> {
                    match &self.backend {
                        Backend::Sqlite(pool) => {
                            use sqlite::queries;
                            queries::$($function)::+(pool, $(self.$now(),)? $($argument),*).await
                        }
                        Backend::Postgres(pool) => {
                            use postgres::queries;
                            queries::$($function)::+(pool, $(self.$now(),)? $($argument),*).await
                        }
                    }
                }
            )*
        }
    };
}

answered_by_queries! {
    /// Whether the database answers (for `/healthz`).
    fn ping() -> () = ping;

    // Accounts: queries/users.rs and queries/setup.rs.

    fn create_user(actor: Actor, new: &NewUser) -> User = users::create_user at now;

    fn user(id: UserId) -> User = users::user;

    fn user_by_name(name: &str) -> User = users::user_by_name;

    /// Users in id order, after `after`.
    fn users(after: Option<UserId>, limit: u32) -> Vec<User> = users::users;

    /// How many accounts exist (zero on first start: time for the setup link).
    fn user_count() -> i64 = users::user_count;

    /// The user named `name` and their password hash, for signing in; `None` when there is no
    /// such user or they have no password.
    fn credentials(name: &str) -> Option<(User, String)> = users::credentials;

    fn update_user(actor: Actor, id: UserId, expected_version: i64, update: &UserUpdate) -> User
        = users::update_user at now;

    /// Sets a new password hash and, in the same transaction, revokes every session of the user.
    fn set_password(actor: Actor, id: UserId, expected_version: i64, password_hash: &str) -> User
        = users::set_password at now;

    /// On a first start (no accounts yet): a one-time secret for the link that creates the first
    /// administrator, valid for `lifetime`; `None` once accounts exist. Each process may make
    /// one; the first used wins.
    fn create_setup_token(lifetime: chrono::Duration) -> Option<Issued<DateTime<Utc>>>
        = setup::create_setup_token at now;

    /// Creates the first administrator with a setup secret and spends every setup link, in one
    /// transaction. `NotFound` when the secret is unknown, expired or spent, or accounts exist.
    fn complete_setup(secret: &str, new: &NewUser) -> User = setup::complete_setup at now;

    // Projects and members: queries/projects.rs, queries/content.rs and queries/members.rs.

    /// Creates a project from its `[project]` fields; a user actor becomes its owner.
    fn create_project(actor: Actor, fields: &Fields) -> Project = projects::create_project at now;

    /// Creates a project with all its content in one transaction; a user actor becomes its owner.
    fn import_project(actor: Actor, content: &PlanContent) -> Project
        = projects::import_project at now;

    fn project(id: ProjectId) -> Project = projects::project;

    /// Every project in id order, after `after` (for administrators).
    fn projects(after: Option<ProjectId>, limit: u32) -> Vec<Project> = projects::projects;

    /// The projects `user` is a member of, with their role, in id order.
    fn projects_of_user(user: UserId, after: Option<ProjectId>, limit: u32)
        -> Vec<(Project, Role)> = projects::projects_of_user;

    /// Replaces the project's `[project]` fields.
    fn update_project(actor: Actor, id: ProjectId, expected_version: i64, fields: &Fields)
        -> Project = projects::update_project at now;

    /// Deletes the project, its members and its content. The event keeps the whole document.
    fn delete_project(actor: Actor, id: ProjectId, expected_version: i64) -> ()
        = projects::delete_project at now;

    /// Makes the project's fields and content equal to `content` in one transaction (import into
    /// an existing project): creates, updates and deletes entities, each with its event; what is
    /// equal stays untouched. `expected_revision`, when given, must be the project's revision.
    fn replace_project_content(actor: Actor, id: ProjectId, expected_revision: Option<i64>,
        content: &PlanContent) -> ContentChanges = content::replace_project_content at now;

    /// The whole project in the plan file's shape, each kind in `(position, key)` order, read in
    /// one consistent snapshot.
    fn project_document(id: ProjectId) -> PlanContent = content::project_document;

    /// The project, its plan document and its tasks as stored, read in one consistent snapshot,
    /// so that all three belong to the project's `revision`.
    fn project_snapshot(id: ProjectId) -> ProjectSnapshot = content::project_snapshot;

    /// `user`'s role in `project`, `None` for a non-member.
    fn role(project: ProjectId, user: UserId) -> Option<Role> = members::role;

    /// The members of a project with their accounts, by user id.
    fn members(project: ProjectId) -> Vec<(Membership, User)> = members::members;

    fn add_member(actor: Actor, project: ProjectId, user: UserId, role: Role) -> Membership
        = members::add_member at now;

    /// Changes a member's role; the last owner cannot step down.
    fn update_member(actor: Actor, project: ProjectId, user: UserId, expected_version: i64,
        role: Role) -> Membership = members::update_member at now;

    /// Removes a member; the last owner cannot be removed.
    fn remove_member(actor: Actor, project: ProjectId, user: UserId, expected_version: i64) -> ()
        = members::remove_member at now;

    // Project content, one entity at a time: queries/entities.rs.

    /// A page of entities of one kind, in `(position, key)` order.
    fn entities(project: ProjectId, kind: EntityKind, query: &EntityQuery)
        -> Page<Entity, EntityCursor> = entities::entities;

    /// How many entities of a kind the project has.
    fn entity_count(project: ProjectId, kind: EntityKind) -> i64 = entities::entity_count;

    fn entity(project: ProjectId, kind: EntityKind, key: &str) -> Entity = entities::entity;

    fn create_entity(actor: Actor, project: ProjectId, kind: EntityKind, new: &NewEntity)
        -> Entity = entities::create_entity at now;

    fn update_entity(actor: Actor, project: ProjectId, kind: EntityKind, key: &str,
        expected_version: i64, update: &EntityUpdate) -> Entity = entities::update_entity at now;

    fn delete_entity(actor: Actor, project: ProjectId, kind: EntityKind, key: &str,
        expected_version: i64) -> () = entities::delete_entity at now;

    /// Replaces the data of several entities in one transaction, only if the project is still
    /// at `expected_revision` (`Stale` otherwise, and nothing changes); each keeps its position
    /// and every one that changes gets its event. Answers the project's revision afterwards and
    /// the entities as stored.
    fn update_entities(actor: Actor, project: ProjectId, expected_revision: i64,
        updates: &[(EntityKind, String, Fields)]) -> (i64, Vec<Entity>)
        = entities::update_entities at now;

    // The event log: queries/events.rs.

    /// A project's events in order, after `after`.
    fn events(project: ProjectId, after: Option<EventId>, limit: u32) -> Vec<Event>
        = events::project_events;

    /// A project's events at or after `since`, newest first, at most `limit` (1 to
    /// `MAX_PAGE_SIZE`), and how many there are since then in all ("what changed since").
    fn events_since(project: ProjectId, since: DateTime<Utc>, limit: u32) -> (Vec<Event>, i64)
        = events::events_since;

    /// Every event (projects, accounts, tokens) in id order, after `after`: the audit log.
    fn all_events(after: Option<EventId>, limit: u32) -> Vec<Event> = events::all_events;

    // API tokens: queries/tokens.rs.

    /// A new token for `user`; the secret in the answer is shown once and never stored.
    fn create_token(actor: Actor, user: UserId, name: &str, expires_at: Option<DateTime<Utc>>)
        -> Issued<ApiToken> = tokens::create_token at now;

    fn token(id: TokenId) -> ApiToken = tokens::token;

    /// A user's tokens, revoked and expired ones included, by id.
    fn tokens(user: UserId) -> Vec<ApiToken> = tokens::tokens;

    /// Revokes a token (again is harmless).
    fn revoke_token(actor: Actor, id: TokenId) -> ApiToken = tokens::revoke_token at now;

    /// The token and its user for a secret, when the token is neither revoked nor expired and the
    /// user is not disabled; records the use (at most once a minute).
    fn authenticate_token(secret: &str) -> Option<(ApiToken, User)>
        = tokens::authenticate_token at now;

    // Sessions: queries/sessions.rs.

    /// A new session for `user` lasting `lifetime`; the secret (the cookie value) is shown once.
    fn create_session(user: UserId, lifetime: chrono::Duration) -> Issued<Session>
        = sessions::create_session at now;

    /// The session and its user for a cookie value, when it is neither revoked nor expired and
    /// the user is not disabled.
    fn session(secret: &str) -> Option<(Session, User)> = sessions::session at now;

    /// Signs a session out; whether it was active.
    fn revoke_session(secret: &str) -> bool = sessions::revoke_session at now;

    /// Signs a user out everywhere; how many sessions were active.
    fn revoke_user_sessions(user: UserId) -> u64 = sessions::revoke_user_sessions at now;

    /// Deletes expired and revoked sessions; how many.
    fn purge_sessions() -> u64 = sessions::purge_sessions at now;

    // Rate limiting (fixed windows, shared by every process on the database):
    // queries/rate_limits.rs.

    /// Counts one attempt under `key` (e.g. `sign-in:ana` or `sign-in-ip:192.0.2.1`) and returns
    /// the attempts in the current window, this one included. A window starts with the first
    /// attempt after the previous window has passed. Keys are stored as their SHA-256 digest, so
    /// a key of any length takes the same 64 bytes.
    fn rate_limit_hit(key: &str, window: chrono::Duration) -> i64
        = rate_limits::rate_limit_hit at now;

    /// The attempts in the current window without counting one.
    fn rate_limit_count(key: &str, window: chrono::Duration) -> i64
        = rate_limits::rate_limit_count at now;

    /// Forgets the attempts under `key` (after a successful sign-in).
    fn rate_limit_reset(key: &str) -> () = rate_limits::rate_limit_reset;

    /// Deletes counters whose window has passed; how many.
    fn purge_rate_limits(window: chrono::Duration) -> u64 = rate_limits::purge_rate_limits at now;
}
