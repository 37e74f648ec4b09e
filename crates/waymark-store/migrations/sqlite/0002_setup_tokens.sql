-- One-time setup links: on first start with no accounts, each server process may print a link to
-- create the first administrator. The first link used wins and removes them all. Only the
-- SHA-256 digest of each secret is kept.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
