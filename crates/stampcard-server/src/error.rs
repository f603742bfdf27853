//! The server's one error type: a refusal for the client (a code from the core's table) or
//! a fault inside the server (logged, never shown). `http::error` turns it into a response.
//! [`StoreError`] is here, not in `store/`, so the store can carry an operation's `Error`
//! without the two modules depending on each other.

use stampcard_core::input::{FieldError, FieldErrors};
use stampcard_core::{ApiError, ErrorCode};

/// Why a request did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A refusal: the envelope carries `error`'s code and message.
    #[error("{error}")]
    Api {
        /// The code and message sent to the client.
        error: ApiError,
        /// Seconds for the `Retry-After` header (lockouts and rate limits).
        retry_after: Option<u32>,
    },
    /// The store failed; the client sees `Internal` or `Unavailable`, the log sees why.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Any other fault inside the server (hashing, a crashed blocking task); logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A refusal with a specific message.
    pub fn api(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::Api { error: ApiError::new(code, message), retry_after: None }
    }

    /// A refusal that tells the client to wait `secs` seconds (`Retry-After`).
    pub fn retry_after(code: ErrorCode, message: impl Into<String>, secs: u32) -> Error {
        Error::Api { error: ApiError::new(code, message), retry_after: Some(secs.max(1)) }
    }

    /// The refusal's code, or `None` for a fault.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api { error, .. } => Some(error.code),
            Error::Store(_) | Error::Internal(_) => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Error {
        Error::Api { error, retry_after: None }
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Error {
        Error::from(ApiError::from(code))
    }
}

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Error {
        Error::from(ApiError::from(errors))
    }
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Error {
        Error::api(error.code, error.message)
    }
}

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
