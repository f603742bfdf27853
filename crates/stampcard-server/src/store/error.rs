//! How the store fails: faults a client is only told about as "retry later" or "internal",
//! never caused by what a client sends.

/// How the store failed. Never caused by what a client sends.
#[derive(Debug, thiserror::Error)]
#[error("{kind:?} store error: {message}")]
pub struct StoreError {
    /// Whether a retry may help.
    pub kind: StoreErrorKind,
    /// What happened, for the log.
    pub message: String,
}

/// The two faults a client can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The database is busy, gone or shutting down: retry later (HTTP 503).
    Unavailable,
    /// A bug or corrupt data (HTTP 500).
    Internal,
}

impl StoreError {
    /// A fault that a retry will not fix.
    pub fn internal(message: impl Into<String>) -> StoreError {
        StoreError { kind: StoreErrorKind::Internal, message: message.into() }
    }

    /// A fault that a retry may fix.
    pub fn unavailable(message: impl Into<String>) -> StoreError {
        StoreError { kind: StoreErrorKind::Unavailable, message: message.into() }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        use sqlx::Error as E;
        match &error {
            E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Io(_) => StoreError::unavailable(error.to_string()),
            E::Database(db) if db.message().contains("database is locked") || db.message().contains("busy") => {
                StoreError::unavailable(error.to_string())
            }
            // PostgreSQL: serialization failure, deadlock, shutdown, connection loss.
            E::Database(db)
                if db.code().is_some_and(|c| {
                    matches!(c.as_ref(), "40001" | "40P01" | "57P01" | "57P02" | "57P03") || c.starts_with("08")
                }) =>
            {
                StoreError::unavailable(error.to_string())
            }
            _ => StoreError::internal(error.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> StoreError {
        StoreError::internal(format!("migration failed: {error}"))
    }
}
