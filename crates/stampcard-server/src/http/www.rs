//! The customer stamp page (`/stamp/{token}`, one HTML file for every token) and the
//! widget's static files (`/widget/*`), both from the www directory.

use std::path::Path;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use stampcard_core::ErrorCode;
use stampcard_core::wire::paths::STAMP_PAGE_PREFIX;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use super::AppState;
use crate::error::Error;

/// The page and widget routes.
pub fn router(www_dir: &Path) -> Router<AppState> {
    // Widget file names carry no content hash, so browsers must revalidate (ServeDir answers
    // with Last-Modified and 304s, which keeps that cheap).
    let widget = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(CorsLayer::new().allow_origin(Any))
        .service(ServeDir::new(www_dir.join("widget")));
    Router::new().route(&format!("{STAMP_PAGE_PREFIX}/{{token}}"), get(stamp_page)).nest_service("/widget", widget)
}

/// Serves `stamp.html` for any token: the page itself asks the API and shows "unknown link"
/// when the token is not one of ours.
async fn stamp_page(State(state): State<AppState>) -> Response {
    let path = state.www_dir.join("stamp.html");
    match tokio::fs::read(&path).await {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                // The token in the URL is a secret: do not leak it to linked sites.
                (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            ],
            html,
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "stamp page missing");
            Error::api(
                ErrorCode::RouteNotFound,
                format!(
                    "the stamp page is not installed: {} is missing (build it with `cargo xtask build`)",
                    path.display()
                ),
            )
            .into_response()
        }
    }
}
