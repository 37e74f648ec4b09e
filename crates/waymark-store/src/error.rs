//! The store's one error type. Callers tell "not there", "someone changed it first", "already
//! there" and "refused input" apart without looking at SQL; everything else is a database fault.

/// What a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object (or the project it belongs to) does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Optimistic concurrency: the caller's version is not the stored one, so someone else changed
    /// the object since the caller read it. Nothing was written.
    #[error("stale version: expected {expected}, the stored version is {current}")]
    Stale { expected: i64, current: i64 },
    /// A unique key is already taken (a user name, an entity key, a membership).
    #[error("{0} already exists")]
    Duplicate(String),
    /// Input the store refuses: a malformed key, a name that is not a string, removing a
    /// project's last owner.
    #[error("{0}")]
    Invalid(String),
    /// The schema migrations could not run.
    #[error("migration failed: {0}")]
    Migration(#[source] sqlx::migrate::MigrateError),
    /// Anything else the database reported.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(database) if database.is_unique_violation() => {
                StoreError::Duplicate(match database.constraint() {
                    Some(constraint) => format!("a row under `{constraint}`"),
                    None => "a row with the same key".to_owned(),
                })
            }
            _ => StoreError::Database(error),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migration(error)
    }
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<waymark_formats::content::UnknownKind> for StoreError {
    fn from(error: waymark_formats::content::UnknownKind) -> StoreError {
        StoreError::Invalid(error.to_string())
    }
}
