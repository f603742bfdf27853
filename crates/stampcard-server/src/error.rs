//! The server's one error type: a refusal for the client (a code from the core's table) or
//! a fault inside the server (logged, never shown). `http::error` turns it into a response.

use stampcard_core::input::{FieldError, FieldErrors};
use stampcard_core::{ApiError, ErrorCode};

use crate::store::StoreError;

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
