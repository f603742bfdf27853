//! Health check, the OpenAPI document and the (undocumented, token-guarded) `/metrics`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::OnceLock;
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::{EnvelopeHealth, Refusing};
use super::{ApiResult, AppState, ok};
use crate::error::Error;
use crate::store::StoreError;
use stampcard_core::ErrorCode;

/// `/healthz` and `/openapi.json`, which can refuse only what every operation can.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz).refusing(&[])).routes(routes!(openapi_json).refusing(&[]))
}

/// How long `/healthz` waits for the database before it answers 503: well inside a load
/// balancer's usual check timeout, so a database that hangs reads as down, not as slow.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// Answers 200 when the database answers and can take writes (on SQLite: enough free disk
/// and a live writer), 503 otherwise, within [`HEALTH_TIMEOUT`].
#[utoipa::path(
    get, path = "/healthz", operation_id = "healthz", tag = "meta",
    responses((status = 200, description = "Up; `result` is {\"status\": \"ok\"}", body = EnvelopeHealth))
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
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], document_json()).into_response()
}

/// The document collected from the routers that serve the routes, rendered once: it cannot
/// change while the process runs.
fn document_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| super::openapi::to_json(&super::document()))
}

/// `GET /metrics`: the Prometheus text format, for the bearer of the metrics token. Routed by
/// [`super::router`] only when the server has a token; not in the OpenAPI document.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(access) = &state.metrics else {
        return Error::api(ErrorCode::RouteNotFound, "no such endpoint: GET /metrics").into_response();
    };
    if !access.allows(&headers) {
        return Error::from(ErrorCode::MetricsTokenRequired).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        access.render(),
    )
        .into_response()
}
