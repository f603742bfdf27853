//! The customer stamp page (`/stamp/{token}`, `stamp.html` with the card's first screen
//! rendered in), the widget's static files (`/widget/*`), and the back office (`/`, its files
//! under `/dashboard/*`), all from the www directory.
//!
//! The widget's build output has content-hashed names (listed in `widget/pkg/manifest.json`):
//! those are cached for a year, everything else is revalidated. Files are sent brotli- or
//! gzip-compressed from the `.br` and `.gz` copies the build writes.

use std::path::Path;

use axum::Router;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use stampcard_core::wire::paths::STAMP_PAGE_PREFIX;
use stampcard_core::{ApiError, ErrorCode};
use stampcard_widget::i18n::Lang;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use super::AppState;
use super::error::Reply;
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

/// `Cache-Control` of the widget's content-hashed files: their name changes with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The widget's build manifest, relative to the www directory.
pub const WIDGET_MANIFEST: &str = "widget/pkg/manifest.json";
/// The stable loader shops embed (`/widget/stampcard.js`), relative to the www directory.
pub const STABLE_LOADER: &str = "widget/pkg/stampcard.js";

/// The widget's files under their content-hashed names, as `cargo xtask build` lists them in
/// [`WIDGET_MANIFEST`] (relative to `widget/pkg/`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WidgetManifest {
    /// The loader (`stampcard.<hash>.js`), the stamp page's copy of `/widget/stampcard.js`.
    pub loader: String,
    /// wasm-bindgen's JS glue, minified.
    pub glue: String,
    /// The wasm.
    pub wasm: String,
}

impl WidgetManifest {
    /// Reads the manifest from the www directory; the names must be plain file names.
    pub fn read(www_dir: &Path) -> Result<WidgetManifest, String> {
        let path = www_dir.join(WIDGET_MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
        let manifest: WidgetManifest =
            serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
        let plain = |name: &str| {
            !name.is_empty()
                && !name.starts_with('.')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        if ![&manifest.loader, &manifest.glue, &manifest.wasm].iter().all(|name| plain(name)) {
            return Err(format!("{}: a file name is not a plain file name", path.display()));
        }
        Ok(manifest)
    }

    /// The files it names, relative to the www directory.
    pub fn files(&self) -> [String; 3] {
        [&self.loader, &self.glue, &self.wasm].map(|name| format!("widget/pkg/{name}"))
    }
}

/// The page, widget and dashboard routes.
pub fn router(www_dir: &Path) -> Router<AppState> {
    // Shops load the widget's files cross-origin (CORS), also under
    // Cross-Origin-Embedder-Policy (CORP). `/widget/stampcard.js` is the stable loader the
    // build writes into `pkg/`.
    let widget = Router::new()
        .route_service(
            "/stampcard.js",
            ServeFile::new(www_dir.join(STABLE_LOADER)).precompressed_br().precompressed_gzip(),
        )
        .fallback_service(ServeDir::new(www_dir.join("widget")).precompressed_br().precompressed_gzip())
        .layer(middleware::from_fn(widget_caching))
        .layer(CorsLayer::new().allow_origin(Any))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ));
    // Same-origin only, so no CORS; names carry no content hash either. `cargo xtask build`
    // writes `.br` and `.gz` copies of the wasm and JS, handed out to browsers that accept them.
    let dashboard = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(SetResponseHeaderLayer::appending(header::VARY, HeaderValue::from_static("accept-encoding")))
        .service(ServeDir::new(www_dir.join("dashboard")).precompressed_br().precompressed_gzip());
    Router::new()
        .route(&format!("{STAMP_PAGE_PREFIX}/{{token}}"), get(stamp_page))
        .nest("/widget", widget)
        .route("/", get(dashboard_page))
        .nest_service("/dashboard", dashboard)
        .route(DEMO_SHOP_PATH, get(demo_shop_page))
}

/// The widget's caching: a year for a content-hashed name (a new build brings new names),
/// revalidation for the rest (the stable loader, the demo stamp image) and for every
/// failure (a missing file may appear with the next deploy). The answer depends on
/// `Accept-Encoding` (precompressed copies), which caches must know.
async fn widget_caching(request: Request, next: Next) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let success = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let cache = if hashed && success { IMMUTABLE } else { "no-cache" };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// Whether the last segment of `path` is `<stem>.<16 lowercase hex digits>.<ext>`, the build's
/// content-hashed names.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.rsplitn(3, '.');
    let (Some(_ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else { return false };
    !stem.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The stamp page for `token`: `stamp.html` with the card's first screen rendered by the
/// widget's own components (so it shows before the wasm arrives, and without JavaScript),
/// the intro envelope embedded for the widget (so its first API call is already answered),
/// and the widget's hashed files named for early download.
async fn stamp_page(State(state): State<AppState>, UrlPath(token): UrlPath<String>, parts: Parts) -> Response {
    let path = state.www_dir.join("stamp.html");
    let template = match tokio::fs::read_to_string(&path).await {
        Ok(template) => template,
        Err(error) => return not_installed(&path, "the stamp page", &error),
    };
    let manifest = match WidgetManifest::read(&state.www_dir) {
        Ok(manifest) => Some(manifest),
        Err(error) => {
            tracing::warn!(%error, "the widget's manifest is missing: the stamp page cannot load the widget");
            None
        }
    };
    // Exactly what `GET /api/page/v1/{token}` answers; a fault is logged and left to the
    // widget's own call.
    let intro = match super::page::intro_for_page(&state, &parts, &token).await {
        Ok(intro) => Some(Ok(intro)),
        Err(Error::Api { error, .. }) => Some(Err(error)),
        Err(fault) => {
            tracing::warn!(error = ?fault, "the stamp page's intro failed; the widget will ask itself");
            None
        }
    };
    let lang = preferred_lang(&parts.headers);
    let stamp_url = format!("{}{STAMP_PAGE_PREFIX}/{token}", state.public_url.trim_end_matches('/'));
    let html = render_stamp_page(&template, manifest.as_ref(), &stamp_url, lang, intro);
    let digest = crate::secrets::sha256(html.as_bytes());
    let etag = format!("\"{}\"", digest[..16].iter().map(|byte| format!("{byte:02x}")).collect::<String>());
    let mut headers = page_headers("no-referrer", STAMP_PAGE_CSP);
    headers.insert(header::VARY, HeaderValue::from_static("accept-language, accept-encoding"));
    // The page holds this stamp's intro: no shared cache keeps it.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if if_none_match(&parts.headers, &etag) {
        headers.remove(header::CONTENT_TYPE);
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    compressed(&parts.headers, headers, html.into_bytes())
}

/// `stamp.html` with its three marks filled: `{{lang}}`, `<!--stampcard:head-->` (the widget's
/// files) and `<!--stampcard:card-->` (the card, the intro, the no-JavaScript note).
fn render_stamp_page(
    template: &str,
    manifest: Option<&WidgetManifest>,
    stamp_url: &str,
    lang: Lang,
    intro: Option<Result<stampcard_core::wire::PageIntro, ApiError>>,
) -> String {
    let head = manifest.map_or_else(String::new, |m| {
        format!(
            "<link rel=\"modulepreload\" href=\"/widget/pkg/{glue}\">\n\
             <link rel=\"preload\" href=\"/widget/pkg/{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n\
             <script type=\"module\" src=\"/widget/pkg/{loader}\"></script>",
            glue = m.glue,
            wasm = m.wasm,
            loader = m.loader
        )
    });
    let envelope = intro.as_ref().map(|intro| match intro {
        Ok(intro) => super::ok(intro).map(|reply| reply.body).unwrap_or_default(),
        Err(error) => Reply::refusal(error, None).body,
    });
    let shown = match intro {
        Some(Ok(intro)) => Ok(intro),
        Some(Err(error)) => Err(stampcard_widget::api::CallError::refused(error.code)),
        // The widget asks itself; the server shows what a failed call shows.
        None => Err(stampcard_widget::api::CallError::refused(ErrorCode::Internal)),
    };
    let card = stampcard_widget::ssr::render_page(stamp_url, lang, shown);
    let mut body = format!("<stamp-card><template shadowrootmode=\"open\">{card}</template></stamp-card>\n");
    if let Some(envelope) = envelope.filter(|envelope| !envelope.is_empty()) {
        body.push_str(&format!(
            "<script type=\"application/json\" id=\"{}\">{}</script>\n",
            stampcard_widget::INTRO_ELEMENT_ID,
            json_in_html(&envelope)
        ));
    }
    body.push_str(&format!(
        "<noscript><p class=\"noscript\">{}</p></noscript>",
        stampcard_widget::ssr::javascript_needed(lang)
    ));
    template
        .replace("{{lang}}", lang.tag())
        .replace("<!--stampcard:head-->", &head)
        .replace("<!--stampcard:card-->", &body)
}

/// JSON text safe inside a `<script>` element: `<`, `>` and `&` only occur inside JSON
/// strings, where their `\u` escapes mean the same, so `</script>` and `<!--` cannot appear.
fn json_in_html(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The language of the first screen: the first of `Accept-Language` (what the browser's
/// `navigator.language` says too, from which the widget picks its own).
fn preferred_lang(headers: &HeaderMap) -> Lang {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .map(|tag| tag.split(';').next().unwrap_or_default())
        .unwrap_or_default();
    Lang::from_tag(first)
}

/// Whether `If-None-Match` names `etag` (or `*`).
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// A content coding the client accepts (`Accept-Encoding`, a zero `q` refusing it).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts
                .any(|param| param.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0));
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

/// `body` as brotli or gzip when the client accepts one (the stamp page is rendered per
/// request, so it cannot come from a precompressed file), else as it is.
fn compressed(request: &HeaderMap, mut headers: HeaderMap, body: Vec<u8>) -> Response {
    use std::io::Write;
    let encoded = if accepts(request, "br") {
        let mut out = Vec::new();
        // Quality 5: most of quality 11's gain on a few kilobytes of HTML, at a fraction of its CPU.
        let written = {
            let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            writer.write_all(&body)
        };
        written.ok().map(|()| ("br", out))
    } else if accepts(request, "gzip") {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&body).and_then(|()| encoder.finish()).ok().map(|out| ("gzip", out))
    } else {
        None
    };
    match encoded {
        Some((coding, out)) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            (headers, out).into_response()
        }
        None => (headers, body).into_response(),
    }
}

/// The headers of an HTML page: its type, revalidation, its referrer policy and CSP.
fn page_headers(referrer: &'static str, csp: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static(referrer));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    headers
}

/// Serves the back office's `dashboard/index.html` at `/`; the page picks its screen from the
/// URL's fragment, so this one route serves them all.
async fn dashboard_page(State(state): State<AppState>) -> Response {
    let path = state.www_dir.join("dashboard").join("index.html");
    match tokio::fs::read(&path).await {
        Ok(html) => (page_headers("same-origin", DASHBOARD_CSP), html).into_response(),
        Err(error) => not_installed(&path, "the dashboard", &error),
    }
}

/// The envelope saying a page is not installed.
fn not_installed(path: &Path, what: &str, error: &std::io::Error) -> Response {
    tracing::warn!(path = %path.display(), %error, "{what} missing");
    Error::api(
        ErrorCode::RouteNotFound,
        format!("{what} is not installed: {} is missing (build it with `cargo xtask build`)", path.display()),
    )
    .into_response()
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
    let path = state.www_dir.join("demo-shop.html");
    match tokio::fs::read(&path).await {
        Ok(html) => (page_headers("no-referrer", DEMO_SHOP_CSP), html).into_response(),
        Err(error) => not_installed(&path, "the demo shop page", &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hashed_names() {
        assert!(is_content_hashed("/pkg/stampcard_widget_bg.0123456789abcdef.wasm"));
        assert!(is_content_hashed("stampcard.0123456789abcdef.js"));
        assert!(!is_content_hashed("/stampcard.js"));
        assert!(!is_content_hashed("/pkg/stampcard_widget.js"));
        assert!(!is_content_hashed("/pkg/x.0123456789ABCDEF.js"));
        assert!(!is_content_hashed("/pkg/.0123456789abcdef.js"));
    }

    #[test]
    fn json_in_html_cannot_close_the_script() {
        let json = r#"{"cardNm":"</script><script>alert(1)</script> & <!--"}"#;
        let safe = json_in_html(json);
        assert!(!safe.contains('<') && !safe.contains('>'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(json).unwrap());
    }

    #[test]
    fn accept_encoding_honours_a_zero_q() {
        let headers = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            headers
        };
        assert!(accepts(&headers("gzip, deflate, br"), "br"));
        assert!(!accepts(&headers("gzip, br;q=0"), "br"));
        assert!(accepts(&headers("gzip, br;q=0"), "gzip"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }
}
