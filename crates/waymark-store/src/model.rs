//! The rows the store hands out and takes in. Project content (calendars, resources, tasks and
//! risks) is kept in the plan file's own shape: an entity's `data` is the JSON object its
//! `[tasks.ID]` (or `[resources.ID]`, ...) table would hold, so the plan file, the API and the
//! store share one schema and links and assignments are a task's `after` and `resources`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Result, StoreError};

pub use waymark_formats::content::{EntityKind, Fields, PlanContent};

/// Gap between the positions the store assigns, so that an entity can later be placed between two
/// others without renumbering.
pub const POSITION_STEP: i64 = 1024;

/// The largest page a list call returns.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The longest user name, in characters.
pub const MAX_USER_NAME: usize = 100;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A user account's id.
    UserId
);
id_type!(
    /// A project's id.
    ProjectId
);
id_type!(
    /// An API token's id (not its secret).
    TokenId
);
id_type!(
    /// An event's id: increasing, and within one project in commit order.
    EventId
);

/// Who makes a change: a signed-in user, or the system itself (start-up, `--demo`, the CLI's
/// admin commands).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    System,
    User(UserId),
}

impl Actor {
    pub(crate) fn user_id(self) -> Option<i64> {
        match self {
            Actor::System => None,
            Actor::User(id) => Some(id.0),
        }
    }

    pub(crate) fn from_user_id(id: Option<i64>) -> Actor {
        id.map_or(Actor::System, |id| Actor::User(UserId(id)))
    }
}

/// A user account. The password hash is not part of it: see `Store::credentials`.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: UserId,
    /// The sign-in name, unique.
    pub name: String,
    pub display_name: String,
    pub email: Option<String>,
    /// Administrators manage accounts and see every project.
    pub is_admin: bool,
    /// A disabled account cannot sign in; its sessions and tokens stop working.
    pub disabled: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new account.
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub name: String,
    pub display_name: String,
    pub email: Option<String>,
    /// An argon2id hash from `auth::hash_password`; `None` for an account that cannot sign in with
    /// a password.
    pub password_hash: Option<String>,
    pub is_admin: bool,
}

/// The editable fields of an account (the password has its own call).
#[derive(Clone, Debug)]
pub struct UserUpdate {
    pub display_name: String,
    pub email: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
}

impl From<&User> for UserUpdate {
    fn from(user: &User) -> Self {
        UserUpdate {
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            is_admin: user.is_admin,
            disabled: user.disabled,
        }
    }
}

/// A project: its plan-file `[project]` table and its counters.
#[derive(Clone, Debug, PartialEq)]
pub struct Project {
    pub id: ProjectId,
    /// `fields["name"]`, kept in a column for lists.
    pub name: String,
    /// The plan file's `[project]` table: `name`, `start`, `status_date`, `deadline`, ...
    pub fields: Fields,
    /// Bumped by every change to `fields`.
    pub version: i64,
    /// Bumped by every transaction that changes anything about the project: its fields, its
    /// members or its content. A cache key for computed views (schedule, forecast).
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A per-project role. The order is the order of power: `Viewer < Member < Manager < Owner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything in the project.
    Viewer,
    /// Also updates tasks (status, progress, time).
    Member,
    /// Also edits the plan: tasks, resources, calendars, risks, project fields.
    Manager,
    /// Also manages members and deletes the project.
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Member, Role::Manager, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Manager => "manager",
            Role::Owner => "owner",
        }
    }

    /// Whether this role may do what `required` may.
    pub fn at_least(self, required: Role) -> bool {
        self >= required
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| StoreError::Invalid(format!("unknown role `{text}`")))
    }
}

/// A user's role in a project.
#[derive(Clone, Debug, PartialEq)]
pub struct Membership {
    pub project: ProjectId,
    pub user: UserId,
    pub role: Role,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A calendar, resource, task or risk of a project.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    pub project: ProjectId,
    pub kind: EntityKind,
    /// The plan-file id (`build-api`), unique within the project and kind.
    pub key: String,
    /// The name (a risk's title), or the key when the data has none.
    pub name: String,
    /// A task's WBS parent (`data["parent"]`).
    pub parent: Option<String>,
    /// Order within the kind: lists and the plan document follow `(position, key)`.
    pub position: i64,
    /// The plan-file fields, without the id.
    pub data: Fields,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A project as one read saw it: the row (with its `revision`), the plan document, and the
/// tasks as stored (with their versions), in plan order.
#[derive(Clone, Debug)]
pub struct ProjectSnapshot {
    pub project: Project,
    pub content: PlanContent,
    pub tasks: Vec<Entity>,
}

/// A new entity. Without a position it goes last.
#[derive(Clone, Debug)]
pub struct NewEntity {
    pub key: String,
    pub data: Fields,
    pub position: Option<i64>,
}

/// New fields for an entity (all of them: this is a replacement, not a patch). Without a position
/// it keeps its place.
#[derive(Clone, Debug)]
pub struct EntityUpdate {
    pub data: Fields,
    pub position: Option<i64>,
}

/// Where a page of entities starts: after this `(position, key)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityCursor {
    pub position: i64,
    pub key: String,
}

impl fmt::Display for EntityCursor {
    /// `position.key`: keys never contain a dot, so this reads back unambiguously.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.position, self.key)
    }
}

impl FromStr for EntityCursor {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<EntityCursor> {
        let invalid = || StoreError::Invalid(format!("malformed cursor `{text}`"));
        let (position, key) = text.split_once('.').ok_or_else(invalid)?;
        let position = position.parse().map_err(|_| invalid())?;
        check_key(key).map_err(|_| invalid())?;
        Ok(EntityCursor {
            position,
            key: key.to_owned(),
        })
    }
}

/// Which parent a listed task must have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParentFilter {
    /// Top-level tasks only.
    None,
    /// The children of this task.
    Of(String),
}

/// A list request for entities of one kind.
#[derive(Clone, Debug, Default)]
pub struct EntityQuery {
    pub after: Option<EntityCursor>,
    /// 1 ..= `MAX_PAGE_SIZE`; 0 means the largest page.
    pub limit: u32,
    pub parent: Option<ParentFilter>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
}

/// One page of a list, and where the next one starts (`None` on the last page).
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
}

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventAction {
    Create,
    Update,
    Delete,
}

impl EventAction {
    pub fn as_str(self) -> &'static str {
        match self {
            EventAction::Create => "create",
            EventAction::Update => "update",
            EventAction::Delete => "delete",
        }
    }
}

impl FromStr for EventAction {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<EventAction> {
        match text {
            "create" => Ok(EventAction::Create),
            "update" => Ok(EventAction::Update),
            "delete" => Ok(EventAction::Delete),
            _ => Err(StoreError::Invalid(format!(
                "unknown event action `{text}`"
            ))),
        }
    }
}

/// One entry of the append-only event log.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: EventId,
    /// The project it belongs to; `None` for accounts and tokens.
    pub project: Option<ProjectId>,
    pub actor: Actor,
    pub at: DateTime<Utc>,
    /// `project`, `membership`, `calendar`, `resource`, `task`, `risk`, `user` or `token`.
    pub entity: String,
    /// The object's key: an entity's plan id, otherwise the id (a membership's: the user's id).
    pub key: String,
    pub action: EventAction,
    /// The object before the change (`None` for a creation).
    pub before: Option<Value>,
    /// The object after the change (`None` for a deletion).
    pub after: Option<Value>,
}

/// An API token. Its secret is shown once, at creation; the store keeps a SHA-256 digest.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiToken {
    pub id: TokenId,
    pub user: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute, so that reads do not turn into writes.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub fn revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// A cookie session. Its id is shown once, at creation; the store keeps a SHA-256 digest.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub user: UserId,
    /// A per-session secret for CSRF protection of cookie-authenticated forms.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A secret shown once and the record the store keeps of it.
#[derive(Clone, Debug)]
pub struct Issued<T> {
    /// Give this to the client; it cannot be recovered later.
    pub secret: String,
    pub record: T,
}

/// What `replace_project_content` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContentChanges {
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub unchanged: usize,
    /// The project's revision after the change.
    pub revision: i64,
}

/// SQLite's durability settings as a connection reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteSettings {
    /// `wal` (`memory` for an in-memory database).
    pub journal_mode: String,
    /// 2 is `FULL`.
    pub synchronous: i64,
    pub foreign_keys: bool,
    pub busy_timeout_ms: i64,
}

/// Checks a plan-file id: TOML bare-key characters (letters, digits, `-`, `_`), 1..=200 of them.
pub fn check_key(key: &str) -> Result<()> {
    let valid = !key.is_empty()
        && key.len() <= 200
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "`{key}` is not a valid id: use 1 to 200 letters, digits, `-` and `_`"
        )))
    }
}

/// Refuses text PostgreSQL cannot store (a NUL character), so that both databases accept the same
/// input.
pub(crate) fn check_text(what: &str, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(StoreError::Invalid(format!(
            "{what} contains a NUL character"
        )));
    }
    Ok(())
}

pub(crate) fn check_fields(what: &str, fields: &Fields) -> Result<()> {
    fn walk(what: &str, value: &Value) -> Result<()> {
        match value {
            Value::String(text) => check_text(what, text),
            Value::Array(items) => items.iter().try_for_each(|item| walk(what, item)),
            Value::Object(map) => map.iter().try_for_each(|(key, item)| {
                check_text(what, key)?;
                walk(what, item)
            }),
            _ => Ok(()),
        }
    }
    fields.iter().try_for_each(|(key, value)| {
        check_text(what, key)?;
        walk(what, value)
    })
}

/// The indexed columns of an entity, taken from its fields: `(name, parent)`.
pub(crate) fn entity_columns(
    kind: EntityKind,
    key: &str,
    data: &Fields,
) -> Result<(String, Option<String>)> {
    check_key(key)?;
    check_fields(kind.as_str(), data)?;
    let name = match data.get(kind.name_field()) {
        None => key.to_owned(),
        Some(Value::String(name)) => name.clone(),
        Some(_) => {
            return Err(StoreError::Invalid(format!(
                "{kind} `{key}`: `{}` must be a string",
                kind.name_field()
            )))
        }
    };
    let parent = match (kind, data.get("parent")) {
        (EntityKind::Task, Some(Value::String(parent))) => Some(parent.clone()),
        (EntityKind::Task, Some(Value::Null) | None) => None,
        (EntityKind::Task, Some(_)) => {
            return Err(StoreError::Invalid(format!(
                "task `{key}`: `parent` must be a task id"
            )))
        }
        _ => None,
    };
    Ok((name, parent))
}

/// The project name from its fields (the plan file's default is the empty string).
pub(crate) fn project_name(fields: &Fields) -> Result<String> {
    check_fields("project", fields)?;
    match fields.get("name") {
        None => Ok(String::new()),
        Some(Value::String(name)) => Ok(name.clone()),
        Some(_) => Err(StoreError::Invalid(
            "project: `name` must be a string".into(),
        )),
    }
}

/// Lower-cased text for case-insensitive search, folded the same way on both databases.
pub(crate) fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// A `LIKE` pattern matching text that contains `needle`, with `\` as the escape character.
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in fold(needle).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub(crate) fn page_size(limit: u32) -> i64 {
    i64::from(if limit == 0 {
        MAX_PAGE_SIZE
    } else {
        limit.min(MAX_PAGE_SIZE)
    })
}
