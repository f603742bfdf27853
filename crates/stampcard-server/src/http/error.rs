//! The one place that turns an outcome into an HTTP response: the `{code, message, result}`
//! envelope with the code's HTTP status. Faults are logged here and answered with a generic
//! `Internal` or `Unavailable`, never with their details.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use stampcard_core::{ApiError, ErrorCode};

use crate::error::Error;
use crate::store::{Reply, StoreErrorKind};

/// The envelope code of a response, for the request log.
#[derive(Debug, Clone, Copy)]
pub struct ResponseCode(pub i32);

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.replayed {
            headers.insert("idempotency-replayed", HeaderValue::from_static("true"));
        }
        response.extensions_mut().insert(ResponseCode(self.code));
        response
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::Api { error, retry_after } => Reply::refusal(&error, retry_after).into_response(),
            Error::Store(error) => {
                tracing::error!(kind = ?error.kind, error = %error.message, "store fault");
                let code = match error.kind {
                    StoreErrorKind::Unavailable => ErrorCode::Unavailable,
                    StoreErrorKind::Internal => ErrorCode::Internal,
                };
                Reply::refusal(&ApiError::from(code), None).into_response()
            }
            Error::Internal(message) => {
                tracing::error!(error = %message, "internal fault");
                Reply::refusal(&ApiError::from(ErrorCode::Internal), None).into_response()
            }
        }
    }
}
