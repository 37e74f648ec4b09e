-- Waymark's schema on SQLite. migrations/postgres/0001_initial.sql creates the same tables with
-- PostgreSQL's native types; change both together. Times are RFC 3339 text in UTC (as sqlx
-- writes them), JSON is text, booleans are 0/1. AUTOINCREMENT keeps ids of deleted rows from
-- coming back, so that the event log never points at the wrong object.

-- Accounts. `password_hash` is an argon2id PHC string; NULL for an account that cannot sign in
-- with a password.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Projects. `fields` is the plan file's [project] table as a JSON object; `name` repeats its name
-- for lists. `version` counts changes to `fields`; `revision` counts every transaction that
-- changes the project, its members or its content (and its row is what serializes them).
CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    fields TEXT NOT NULL,
    version INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE memberships (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'member', 'viewer')),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

CREATE INDEX memberships_by_user ON memberships (user_id, project_id);

-- Project content: calendars, resources, tasks and risks, keyed by their plan-file id. `data` is
-- the entity's plan-file table as a JSON object (a task's links and assignments are its `after`
-- and `resources`); `name`, `name_folded` (lower-cased, for search), `parent` and `position`
-- (order within the kind) are copied out of it for lists.
CREATE TABLE entities (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('calendar', 'resource', 'task', 'risk')),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    parent TEXT,
    position INTEGER NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, kind, key)
);

CREATE INDEX entities_in_order ON entities (project_id, kind, position, key);
CREATE INDEX entities_by_parent ON entities (project_id, kind, parent, position, key);

-- The append-only event log: who changed what, when, and the object before and after (JSON).
-- No foreign keys: the log outlives the projects and accounts it describes. Triggers refuse
-- updates and deletes.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER,
    actor_id INTEGER,
    occurred_at TEXT NOT NULL,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    before_data TEXT,
    after_data TEXT
);

CREATE INDEX events_by_project ON events (project_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

-- API tokens. Only the SHA-256 digest of the secret is kept.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
);

CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- Cookie sessions, shared by every server process. `id_hash` is the SHA-256 digest of the
-- cookie value.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Rate-limit counters (sign-in attempts), one fixed window per key.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    attempts INTEGER NOT NULL
);
