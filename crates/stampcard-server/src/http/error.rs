//! The one place that turns an outcome into an HTTP response: the `{code, message, result}`
//! envelope with the code's HTTP status. Faults are logged here and answered with a generic
//! `Internal` or `Unavailable`, never with their details.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use stampcard_core::{ApiError, ErrorCode};

use serde_json::Value;
use stampcard_core::wire::Envelope;

use crate::error::Error;
use crate::store::{Ran, ResultJson, StoreErrorKind, StoredResponse, Written};

/// The envelope code of a response, for the request log.
#[derive(Debug, Clone, Copy)]
pub struct ResponseCode(pub i32);

/// A response: the envelope as JSON text, its status and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The envelope, as JSON text.
    pub body: String,
    /// Whether this is a kept response replayed for a repeated `Idempotency-Key`.
    pub replayed: bool,
    /// `Retry-After` seconds.
    pub retry_after: Option<u32>,
    /// The error code, for the request log.
    pub code: i32,
}

impl Reply {
    /// A success envelope around an already serialised result.
    pub fn ok(result: &ResultJson) -> Reply {
        let body = format!(r#"{{"code":0,"message":"","result":{}}}"#, result.as_str());
        Reply { status: 200, body, replayed: false, retry_after: None, code: 0 }
    }

    /// A refusal envelope with the code's HTTP status.
    pub fn refusal(error: &ApiError, retry_after: Option<u32>) -> Reply {
        let body = serde_json::to_string(&Envelope::<Value>::err(error))
            .unwrap_or_else(|_| format!(r#"{{"code":{},"message":"","result":null}}"#, error.code.code()));
        Reply { status: error.code.http_status(), body, replayed: false, retry_after, code: error.code.code() }
    }

    /// The response to what a write came to.
    pub fn written(written: Written) -> Result<Reply, Error> {
        match written {
            Written::Ran(Ok(result)) => Ok(Reply::ok(&result)),
            Written::Ran(Err(refusal)) => Err(refusal),
            Written::Replayed(kept) => {
                let code = serde_json::from_str::<Envelope<Value>>(&kept.body).map_or(0, |e| e.code);
                Ok(Reply { status: kept.status, body: kept.body, replayed: true, retry_after: None, code })
            }
            Written::KeyReused => Err(Error::api(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was already used in the last 24 hours for a different request; use a new key for a new request",
            )),
        }
    }
}

/// What an `Idempotency-Key` keeps of a write's outcome: its response, unless that says "try
/// again later" (a 429 or a 5xx); keeping it would turn the retry it asks for into a replay
/// of the refusal.
pub fn response_to_keep(ran: &Ran) -> Option<StoredResponse> {
    let reply = match ran {
        Ok(result) => Reply::ok(result),
        Err(Error::Api { error, retry_after }) => Reply::refusal(error, *retry_after),
        Err(Error::Store(_) | Error::Internal(_)) => return None,
    };
    (reply.status != 429 && reply.status < 500).then_some(StoredResponse { status: reply.status, body: reply.body })
}

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
