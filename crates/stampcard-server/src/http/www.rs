//! The customer stamp page (`/stamp/{token}`, one HTML file for every token), the widget's
//! static files (`/widget/*`), and the back office (`/`, its files under `/dashboard/*`), all
//! from the www directory.

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

/// The stamp page's Content-Security-Policy. Scripts only from this server (the loader and
/// the widget, with `wasm-unsafe-eval` to instantiate its WebAssembly), API calls only to it,
/// inline styles (the page's own and the widget's shadow-root styles), a card's stamp image
/// from any https origin. Staff type a password on this page, so no other site may frame it
/// (`frame-ancestors 'none'`): shops embed the card with the `<stamp-card>` element, which
/// runs in their own page and is not affected.
pub const STAMP_PAGE_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The back office's Content-Security-Policy: as the stamp page's (its own scripts and wasm,
/// API calls to this server only, inline styles for the card preview's shadow root, stamp
/// images from any https origin), and never framed: owners type their password here.
pub const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The page, widget and dashboard routes.
pub fn router(www_dir: &Path) -> Router<AppState> {
    // Widget file names carry no content hash, so browsers must revalidate (ServeDir answers
    // with Last-Modified and 304s, which keeps that cheap).
    let widget = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(CorsLayer::new().allow_origin(Any))
        // Shops' pages load these files cross-origin, also under Cross-Origin-Embedder-Policy.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ))
        .service(ServeDir::new(www_dir.join("widget")));
    // Same-origin only, so no CORS; names carry no content hash either. `cargo xtask build`
    // writes `.br` and `.gz` copies of the wasm and JS, handed out to browsers that accept them.
    let dashboard = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .service(ServeDir::new(www_dir.join("dashboard")).precompressed_br().precompressed_gzip());
    Router::new()
        .route(&format!("{STAMP_PAGE_PREFIX}/{{token}}"), get(stamp_page))
        .nest_service("/widget", widget)
        .route("/", get(dashboard_page))
        .nest_service("/dashboard", dashboard)
        .route(DEMO_SHOP_PATH, get(demo_shop_page))
}

/// Serves `stamp.html` for any token: the page itself asks the API and shows "unknown link"
/// when the token is not one of ours.
async fn stamp_page(State(state): State<AppState>) -> Response {
    // The token in the URL is a secret: do not leak it to linked sites.
    html_page(&state.www_dir.join("stamp.html"), "the stamp page", "no-referrer", STAMP_PAGE_CSP).await
}

/// Serves the back office's `dashboard/index.html` at `/`; the page picks its screen from the
/// URL's fragment, so this one route serves them all.
async fn dashboard_page(State(state): State<AppState>) -> Response {
    html_page(&state.www_dir.join("dashboard").join("index.html"), "the dashboard", "same-origin", DASHBOARD_CSP).await
}

/// An HTML file from the www directory with its security headers, or the envelope saying it
/// is not installed.
async fn html_page(path: &Path, what: &str, referrer: &'static str, csp: &'static str) -> Response {
    match tokio::fs::read(path).await {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                (header::REFERRER_POLICY, HeaderValue::from_static(referrer)),
                (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp)),
            ],
            html,
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "{what} missing");
            Error::api(
                ErrorCode::RouteNotFound,
                format!("{what} is not installed: {} is missing (build it with `cargo xtask build`)", path.display()),
            )
            .into_response()
        }
    }
}

/// Where the demo shop page (`www/demo-shop.html`, a shop's page embedding `<stamp-card>`)
/// is served, so `serve --demo` can show the embed over HTTP.
pub const DEMO_SHOP_PATH: &str = "/demo-shop.html";

/// The demo shop page's Content-Security-Policy: it stands for a shop's own page, so unlike
/// ours it runs its small inline script (it copies `?stamp=` into the elements); the widget
/// and the API come from this server.
pub const DEMO_SHOP_CSP: &str = "default-src 'none'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
     connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; base-uri 'none'; \
     form-action 'none'";

/// Serves `demo-shop.html`. Its query holds a stamp page URL (a secret), hence no referrer.
async fn demo_shop_page(State(state): State<AppState>) -> Response {
    html_page(&state.www_dir.join("demo-shop.html"), "the demo shop page", "no-referrer", DEMO_SHOP_CSP).await
}
