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

/// Calls `queries::$module::$function(pool, args..)` on whichever backend the store has.
macro_rules! dispatch {
    ($store:expr, $($function:ident)::+($($argument:expr),* $(,)?)) => {
        match &$store.backend {
            Backend::Sqlite(pool) => sqlite::queries::$($function)::+(pool, $($argument),*).await,
            Backend::Postgres(pool) => postgres::queries::$($function)::+(pool, $($argument),*).await,
        }
    };
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

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, ping())
    }

    /// Waits for the pool's connections to close.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(pool) => pool.close().await,
            Backend::Postgres(pool) => pool.close().await,
        }
    }

    // Accounts.

    pub async fn create_user(&self, actor: Actor, new: &NewUser) -> Result<User> {
        dispatch!(self, users::create_user(self.now(), actor, new))
    }

    pub async fn user(&self, id: UserId) -> Result<User> {
        dispatch!(self, users::user(id))
    }

    pub async fn user_by_name(&self, name: &str) -> Result<User> {
        dispatch!(self, users::user_by_name(name))
    }

    /// Users in id order, after `after`.
    pub async fn users(&self, after: Option<UserId>, limit: u32) -> Result<Vec<User>> {
        dispatch!(self, users::users(after, limit))
    }

    /// How many accounts exist (zero on first start: time for the setup link).
    pub async fn user_count(&self) -> Result<i64> {
        dispatch!(self, users::user_count())
    }

    /// The user named `name` and their password hash, for signing in; `None` when there is no
    /// such user or they have no password.
    pub async fn credentials(&self, name: &str) -> Result<Option<(User, String)>> {
        dispatch!(self, users::credentials(name))
    }

    pub async fn update_user(
        &self,
        actor: Actor,
        id: UserId,
        expected_version: i64,
        update: &UserUpdate,
    ) -> Result<User> {
        dispatch!(
            self,
            users::update_user(self.now(), actor, id, expected_version, update)
        )
    }

    /// Sets a new password hash and, in the same transaction, revokes every session of the user.
    pub async fn set_password(
        &self,
        actor: Actor,
        id: UserId,
        expected_version: i64,
        password_hash: &str,
    ) -> Result<User> {
        dispatch!(
            self,
            users::set_password(self.now(), actor, id, expected_version, password_hash)
        )
    }

    /// On a first start (no accounts yet): a one-time secret for the link that creates the first
    /// administrator, valid for `lifetime`; `None` once accounts exist. Each process may make
    /// one; the first used wins.
    pub async fn create_setup_token(
        &self,
        lifetime: chrono::Duration,
    ) -> Result<Option<Issued<DateTime<Utc>>>> {
        dispatch!(self, setup::create_setup_token(self.now(), lifetime))
    }

    /// Creates the first administrator with a setup secret and spends every setup link, in one
    /// transaction. `NotFound` when the secret is unknown, expired or spent, or accounts exist.
    pub async fn complete_setup(&self, secret: &str, new: &NewUser) -> Result<User> {
        dispatch!(self, setup::complete_setup(self.now(), secret, new))
    }

    // Projects and members.

    /// Creates a project from its `[project]` fields; a user actor becomes its owner.
    pub async fn create_project(&self, actor: Actor, fields: &Fields) -> Result<Project> {
        dispatch!(self, projects::create_project(self.now(), actor, fields))
    }

    /// Creates a project with all its content in one transaction; a user actor becomes its owner.
    pub async fn import_project(&self, actor: Actor, content: &PlanContent) -> Result<Project> {
        dispatch!(self, projects::import_project(self.now(), actor, content))
    }

    pub async fn project(&self, id: ProjectId) -> Result<Project> {
        dispatch!(self, projects::project(id))
    }

    /// Every project in id order, after `after` (for administrators).
    pub async fn projects(&self, after: Option<ProjectId>, limit: u32) -> Result<Vec<Project>> {
        dispatch!(self, projects::projects(after, limit))
    }

    /// The projects `user` is a member of, with their role, in id order.
    pub async fn projects_of_user(
        &self,
        user: UserId,
        after: Option<ProjectId>,
        limit: u32,
    ) -> Result<Vec<(Project, Role)>> {
        dispatch!(self, projects::projects_of_user(user, after, limit))
    }

    /// Replaces the project's `[project]` fields.
    pub async fn update_project(
        &self,
        actor: Actor,
        id: ProjectId,
        expected_version: i64,
        fields: &Fields,
    ) -> Result<Project> {
        dispatch!(
            self,
            projects::update_project(self.now(), actor, id, expected_version, fields)
        )
    }

    /// Deletes the project, its members and its content. The event keeps the whole document.
    pub async fn delete_project(
        &self,
        actor: Actor,
        id: ProjectId,
        expected_version: i64,
    ) -> Result<()> {
        dispatch!(
            self,
            projects::delete_project(self.now(), actor, id, expected_version)
        )
    }

    /// Makes the project's fields and content equal to `content` in one transaction (import into
    /// an existing project): creates, updates and deletes entities, each with its event; what is
    /// equal stays untouched. `expected_revision`, when given, must be the project's revision.
    pub async fn replace_project_content(
        &self,
        actor: Actor,
        id: ProjectId,
        expected_revision: Option<i64>,
        content: &PlanContent,
    ) -> Result<ContentChanges> {
        dispatch!(
            self,
            content::replace_project_content(self.now(), actor, id, expected_revision, content)
        )
    }

    /// The whole project in the plan file's shape, each kind in `(position, key)` order, read in
    /// one consistent snapshot.
    pub async fn project_document(&self, id: ProjectId) -> Result<PlanContent> {
        dispatch!(self, content::project_document(id))
    }

    /// The project, its plan document and its tasks as stored, read in one consistent snapshot,
    /// so that all three belong to the project's `revision`.
    pub async fn project_snapshot(&self, id: ProjectId) -> Result<ProjectSnapshot> {
        dispatch!(self, content::project_snapshot(id))
    }

    /// `user`'s role in `project`, `None` for a non-member.
    pub async fn role(&self, project: ProjectId, user: UserId) -> Result<Option<Role>> {
        dispatch!(self, members::role(project, user))
    }

    /// The members of a project with their accounts, by user id.
    pub async fn members(&self, project: ProjectId) -> Result<Vec<(Membership, User)>> {
        dispatch!(self, members::members(project))
    }

    pub async fn add_member(
        &self,
        actor: Actor,
        project: ProjectId,
        user: UserId,
        role: Role,
    ) -> Result<Membership> {
        dispatch!(
            self,
            members::add_member(self.now(), actor, project, user, role)
        )
    }

    /// Changes a member's role; the last owner cannot step down.
    pub async fn update_member(
        &self,
        actor: Actor,
        project: ProjectId,
        user: UserId,
        expected_version: i64,
        role: Role,
    ) -> Result<Membership> {
        dispatch!(
            self,
            members::update_member(self.now(), actor, project, user, expected_version, role)
        )
    }

    /// Removes a member; the last owner cannot be removed.
    pub async fn remove_member(
        &self,
        actor: Actor,
        project: ProjectId,
        user: UserId,
        expected_version: i64,
    ) -> Result<()> {
        dispatch!(
            self,
            members::remove_member(self.now(), actor, project, user, expected_version)
        )
    }

    // Project content.

    /// A page of entities of one kind, in `(position, key)` order.
    pub async fn entities(
        &self,
        project: ProjectId,
        kind: EntityKind,
        query: &EntityQuery,
    ) -> Result<Page<Entity, EntityCursor>> {
        dispatch!(self, entities::entities(project, kind, query))
    }

    /// How many entities of a kind the project has.
    pub async fn entity_count(&self, project: ProjectId, kind: EntityKind) -> Result<i64> {
        dispatch!(self, entities::entity_count(project, kind))
    }

    pub async fn entity(&self, project: ProjectId, kind: EntityKind, key: &str) -> Result<Entity> {
        dispatch!(self, entities::entity(project, kind, key))
    }

    pub async fn create_entity(
        &self,
        actor: Actor,
        project: ProjectId,
        kind: EntityKind,
        new: &NewEntity,
    ) -> Result<Entity> {
        dispatch!(
            self,
            entities::create_entity(self.now(), actor, project, kind, new)
        )
    }

    pub async fn update_entity(
        &self,
        actor: Actor,
        project: ProjectId,
        kind: EntityKind,
        key: &str,
        expected_version: i64,
        update: &EntityUpdate,
    ) -> Result<Entity> {
        dispatch!(
            self,
            entities::update_entity(
                self.now(),
                actor,
                project,
                kind,
                key,
                expected_version,
                update
            )
        )
    }

    pub async fn delete_entity(
        &self,
        actor: Actor,
        project: ProjectId,
        kind: EntityKind,
        key: &str,
        expected_version: i64,
    ) -> Result<()> {
        dispatch!(
            self,
            entities::delete_entity(self.now(), actor, project, kind, key, expected_version)
        )
    }

    /// Replaces the data of several entities in one transaction, only if the project is still
    /// at `expected_revision` (`Stale` otherwise, and nothing changes); each keeps its position
    /// and every one that changes gets its event. Answers the project's revision afterwards and
    /// the entities as stored.
    pub async fn update_entities(
        &self,
        actor: Actor,
        project: ProjectId,
        expected_revision: i64,
        updates: &[(EntityKind, String, Fields)],
    ) -> Result<(i64, Vec<Entity>)> {
        dispatch!(
            self,
            entities::update_entities(self.now(), actor, project, expected_revision, updates)
        )
    }

    // The event log.

    /// A project's events in order, after `after`.
    pub async fn events(
        &self,
        project: ProjectId,
        after: Option<EventId>,
        limit: u32,
    ) -> Result<Vec<Event>> {
        dispatch!(self, events::events(Some(project), after, limit))
    }

    /// A project's events at or after `since`, newest first, at most `limit` (1 to
    /// `MAX_PAGE_SIZE`), and how many there are since then in all ("what changed since").
    pub async fn events_since(
        &self,
        project: ProjectId,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<(Vec<Event>, i64)> {
        dispatch!(self, events::events_since(project, since, limit))
    }

    /// Every event (projects, accounts, tokens) in id order, after `after`: the audit log.
    pub async fn all_events(&self, after: Option<EventId>, limit: u32) -> Result<Vec<Event>> {
        dispatch!(self, events::events(None, after, limit))
    }

    // API tokens.

    /// A new token for `user`; the secret in the answer is shown once and never stored.
    pub async fn create_token(
        &self,
        actor: Actor,
        user: UserId,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Issued<ApiToken>> {
        dispatch!(
            self,
            tokens::create_token(self.now(), actor, user, name, expires_at)
        )
    }

    pub async fn token(&self, id: TokenId) -> Result<ApiToken> {
        dispatch!(self, tokens::token(id))
    }

    /// A user's tokens, revoked and expired ones included, by id.
    pub async fn tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        dispatch!(self, tokens::tokens(user))
    }

    /// Revokes a token (again is harmless).
    pub async fn revoke_token(&self, actor: Actor, id: TokenId) -> Result<ApiToken> {
        dispatch!(self, tokens::revoke_token(self.now(), actor, id))
    }

    /// The token and its user for a secret, when the token is neither revoked nor expired and the
    /// user is not disabled; records the use (at most once a minute).
    pub async fn authenticate_token(&self, secret: &str) -> Result<Option<(ApiToken, User)>> {
        dispatch!(self, tokens::authenticate_token(self.now(), secret))
    }

    // Sessions.

    /// A new session for `user` lasting `lifetime`; the secret (the cookie value) is shown once.
    pub async fn create_session(
        &self,
        user: UserId,
        lifetime: chrono::Duration,
    ) -> Result<Issued<Session>> {
        dispatch!(self, sessions::create_session(self.now(), user, lifetime))
    }

    /// The session and its user for a cookie value, when it is neither revoked nor expired and
    /// the user is not disabled.
    pub async fn session(&self, secret: &str) -> Result<Option<(Session, User)>> {
        dispatch!(self, sessions::session(self.now(), secret))
    }

    /// Signs a session out; whether it was active.
    pub async fn revoke_session(&self, secret: &str) -> Result<bool> {
        dispatch!(self, sessions::revoke_session(self.now(), secret))
    }

    /// Signs a user out everywhere; how many sessions were active.
    pub async fn revoke_user_sessions(&self, user: UserId) -> Result<u64> {
        dispatch!(self, sessions::revoke_user_sessions(self.now(), user))
    }

    /// Deletes expired and revoked sessions; how many.
    pub async fn purge_sessions(&self) -> Result<u64> {
        dispatch!(self, sessions::purge_sessions(self.now()))
    }

    // Rate limiting (fixed windows, shared by every process on the database).

    /// Counts one attempt under `key` (e.g. `sign-in:ana` or `sign-in-ip:192.0.2.1`) and returns
    /// the attempts in the current window, this one included. A window starts with the first
    /// attempt after the previous window has passed. Keys are stored as their SHA-256 digest, so
    /// a key of any length takes the same 64 bytes.
    pub async fn rate_limit_hit(&self, key: &str, window: chrono::Duration) -> Result<i64> {
        dispatch!(self, rate_limits::rate_limit_hit(self.now(), key, window))
    }

    /// The attempts in the current window without counting one.
    pub async fn rate_limit_count(&self, key: &str, window: chrono::Duration) -> Result<i64> {
        dispatch!(self, rate_limits::rate_limit_count(self.now(), key, window))
    }

    /// Forgets the attempts under `key` (after a successful sign-in).
    pub async fn rate_limit_reset(&self, key: &str) -> Result<()> {
        dispatch!(self, rate_limits::rate_limit_reset(key))
    }

    /// Deletes counters whose window has passed; how many.
    pub async fn purge_rate_limits(&self, window: chrono::Duration) -> Result<u64> {
        dispatch!(self, rate_limits::purge_rate_limits(self.now(), window))
    }
}
