//! Health check and the OpenAPI document.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::{ApiResult, AppState, ok};

/// `/healthz` and `/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/openapi.json", get(openapi_json))
}

/// Answers when the database answers.
#[utoipa::path(
    get, path = "/healthz", operation_id = "healthz", tag = "meta",
    responses((status = 200, description = "Up; `result` is {\"status\": \"ok\"}", body = crate::http::openapi::EnvelopeHealth))
)]
pub async fn healthz(State(state): State<AppState>) -> ApiResult {
    state.store.ping().await?;
    ok(&json!({ "status": "ok" }))
}

/// This API's OpenAPI 3.1 document, generated from the Rust types.
#[utoipa::path(get, path = "/openapi.json", operation_id = "openapiDocument", tag = "meta", responses((status = 200, description = "The OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], super::openapi::document_json())
        .into_response()
}
