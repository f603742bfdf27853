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

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;
    use crate::store::StoreError;

    async fn envelope(error: Error) -> (u16, serde_json::Value) {
        let response = error.into_response();
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body(), 1 << 16).await.expect("body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[tokio::test]
    async fn faults_become_generic_envelopes_without_details() {
        let secret = "connection to 10.0.0.7 refused for user stampcard";
        let cases = [
            (Error::Store(StoreError::unavailable(secret)), ErrorCode::Unavailable),
            (Error::Store(StoreError::internal(secret)), ErrorCode::Internal),
            (Error::Internal(secret.to_owned()), ErrorCode::Internal),
        ];
        for (error, code) in cases {
            let (status, body) = envelope(error).await;
            assert_eq!(status, code.http_status());
            assert_eq!(body["code"], code.code());
            assert_eq!(body["message"], code.message());
            assert!(body["result"].is_null());
            assert!(!body.to_string().contains("10.0.0.7"), "fault details leaked: {body}");
        }
    }

    #[test]
    fn pool_and_connection_failures_are_unavailable() {
        assert_eq!(StoreError::from(sqlx::Error::PoolTimedOut).kind, StoreErrorKind::Unavailable);
        assert_eq!(StoreError::from(sqlx::Error::PoolClosed).kind, StoreErrorKind::Unavailable);
        assert_eq!(StoreError::from(sqlx::Error::RowNotFound).kind, StoreErrorKind::Internal);
    }
}
