//! Health check and the OpenAPI document.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::time::Duration;

use super::{ApiResult, AppState, ok};
use crate::store::StoreError;

/// `/healthz` and `/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/openapi.json", get(openapi_json))
}

/// How long `/healthz` waits for the database before it answers 503: well inside a load
/// balancer's usual check timeout, so a database that hangs reads as down, not as slow.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// Answers 200 when the database answers and can take writes (on SQLite: enough free disk
/// and a live writer), 503 otherwise, within [`HEALTH_TIMEOUT`].
#[utoipa::path(
    get, path = "/healthz", operation_id = "healthz", tag = "meta",
    responses(
        (status = 200, description = "Up; `result` is {\"status\": \"ok\"}", body = crate::http::openapi::EnvelopeHealth),
        (status = 503, description = "The database does not answer within 2 s, or (SQLite) its disk is nearly full: code 9002", body = crate::http::openapi::EnvelopeNull)
    )
)]
pub async fn healthz(State(state): State<AppState>) -> ApiResult {
    tokio::time::timeout(HEALTH_TIMEOUT, state.store.ping()).await.map_err(|_| {
        StoreError::unavailable(format!("the database did not answer within {} s", HEALTH_TIMEOUT.as_secs()))
    })??;
    ok(&json!({ "status": "ok" }))
}

/// This API's OpenAPI 3.1 document, generated from the Rust types.
#[utoipa::path(get, path = "/openapi.json", operation_id = "openapiDocument", tag = "meta", responses((status = 200, description = "The OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], super::openapi::document_json())
        .into_response()
}
