//! The HTTP layer: routes, extractors and the one error-to-envelope mapping. Handlers are
//! thin: parse, check with the core, hand a write to the store or read, answer.

pub mod admin;
pub mod bulk;
pub mod card;
pub mod error;
pub mod extract;
pub mod find;
pub mod meta;
pub mod openapi;
pub mod page;
pub mod session;
pub mod staff;
pub mod stamp;
pub mod www;
// webhooks
pub mod webhook;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde::Serialize;
use stampcard_core::{ApiError, ErrorCode};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::clock::Clock;
use crate::error::Error;
use crate::metrics::MetricsAccess;
use crate::ops::Ctx;
use crate::ratelimit::RateLimiter;
use crate::store::{Idempotency, Op, ResultJson, Store, WriteJob};
use crate::throttle::{PageLimiter, Secret, Turn, Turns};
pub use error::Reply;
use error::ResponseCode;
use extract::ApiCaller;

/// How long a guess waits for the guesses before it on the same secret.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Now and today.
    pub clock: Clock,
    /// The base of stamp-page links when a stamp has no custom domain.
    pub public_url: Arc<str>,
    /// Per-plan request limits.
    pub limiter: Arc<dyn RateLimiter>,
    /// Where `stamp.html` and `widget/` are.
    pub www_dir: Arc<PathBuf>,
    /// The page API's limits per stamp link and client address (`None`: limits off).
    pub page_limiter: Option<Arc<PageLimiter>>,
    /// Guesses on one PIN or staff password take turns.
    pub turns: Arc<Turns>,
    /// Whether the last `X-Forwarded-For` address is the client's (behind one trusted proxy).
    pub trust_forwarded_for: bool,
    /// How long a handler waits for a request body to arrive whole.
    pub body_timeout: Duration,
    /// Who may read `/metrics`; `None`: there is no `/metrics`.
    pub metrics: Option<Arc<MetricsAccess>>,
    // webhooks
    /// How webhooks are checked and sent (`allowPrivate` decides which URLs are accepted).
    pub webhooks: Arc<crate::webhook::WebhookConfig>,
}

impl AppState {
    /// The context of an API-key operation.
    pub fn ctx(&self, caller: &ApiCaller) -> Ctx {
        Ctx {
            account_idx: caller.account_idx,
            plan: caller.plan,
            api_key_idx: caller.api_key_idx,
            user_idx: caller.user_idx,
            today: self.clock.today(),
            now_ms: self.clock.now_ms(),
        }
    }

    /// Waits for this secret's turn: guesses on one PIN or staff password run one at a time,
    /// so each sees the lock or the state the one before it left.
    pub async fn turn(&self, secret: Secret) -> Result<Turn, Error> {
        self.turns.take(secret, TURN_WAIT).await.ok_or_else(|| {
            Error::retry_after(ErrorCode::Busy, "too many tries on this stamp card at once; retry in a moment", 1)
        })
    }

    /// Runs a write and returns its (possibly replayed) response.
    pub async fn write(&self, op: Op, idempotency: Option<Idempotency>) -> Result<Reply, Error> {
        Reply::written(self.store.write(WriteJob { op, idempotency, now_ms: self.clock.now_ms() }).await?)
    }
}

/// A success envelope around `value`.
pub fn ok<T: Serialize>(value: &T) -> Result<Reply, Error> {
    Ok(Reply::ok(&ResultJson::of(value)?))
}

/// The documented areas' routes, which carry their OpenAPI document.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(stamp::router())
        .merge(card::router())
        .merge(staff::router())
        .merge(find::router())
        .merge(page::router())
        .merge(meta::router())
        .merge(admin::router())
        .merge(bulk::router())
        // webhooks
        .merge(webhook::router())
}

/// The OpenAPI document, collected from the routers [`router`] serves.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = api().into_openapi();
    admin::document_session_auth(&mut document);
    openapi::finish(document)
}

/// The whole application: every area's routes, the envelope for unknown paths and wrong
/// methods, and one log line per request.
pub fn router(state: AppState) -> Router {
    let (api, _) = api().split_for_parts();
    let mut routes = api.merge(www::router(&state.www_dir));
    if state.metrics.is_some() {
        routes = routes.route("/metrics", axum::routing::get(meta::metrics));
    }
    let routes = routes.fallback(route_not_found).layer(middleware::from_fn(remember_route)).with_state(state);
    // Wrapped from outside, so the middleware sees responses exactly as axum finishes them
    // (a 405 gets its `Allow` header inside the method router, after per-route layers).
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn(envelope_bare_errors))
        // Every answer is what its Content-Type says: browsers must not guess another type.
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(middleware::from_fn(log_request))
        .layer(middleware::from_fn(record_metrics))
}

async fn route_not_found(method: Method, uri: axum::http::Uri) -> Error {
    Error::api(ErrorCode::RouteNotFound, format!("no such endpoint: {method} {}", uri.path()))
}

/// Responses made outside our handlers (axum's 405, a static file's 404) carry no envelope;
/// this gives them one, keeping their status and headers (`Allow`, CORS).
async fn envelope_bare_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let is_json =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => {
            ApiError::new(ErrorCode::RouteNotFound, format!("no such endpoint or file: {method} {path}"))
        }
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = response.headers().get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or_default();
            ApiError::new(ErrorCode::MethodNotAllowed, format!("{path} does not accept {method}; it accepts {allowed}"))
        }
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::BodyTooLarge.into(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType.into(),
        s if s.is_server_error() => ErrorCode::Internal.into(),
        _ => ApiError::new(ErrorCode::MalformedJson, format!("the request could not be read ({status})")),
    };
    let (mut parts, _) = response.into_parts();
    let reply = Reply::refusal(&error, None);
    parts.status = StatusCode::from_u16(reply.status).unwrap_or(status);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.extensions.insert(ResponseCode(reply.code));
    Response::from_parts(parts, Body::from(reply.body))
}

/// Path prefixes whose next segment is a stamp-page token.
const TOKEN_PREFIXES: [&str; 2] = ["/stamp/", "/api/page/v1/"];

/// The route template a request matched (`/api/page/v1/{token}`), carried on the response
/// to the metrics middleware, which runs outside the router.
#[derive(Debug, Clone)]
struct RouteTemplate(Arc<str>);

async fn remember_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|path| RouteTemplate(Arc::from(path.as_str())));
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Requests by method, route template and status, their latency, and refusals by code.
/// Labels are only ever templates and codes, never a raw path: stamp tokens are secrets, and
/// a label per path would let any client grow the metrics without bound.
async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = match *request.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    };
    let response = next.run(request).await;
    let route = response.extensions().get::<RouteTemplate>().map_or_else(|| Arc::from("unmatched"), |r| r.0.clone());
    let route = if route.starts_with("/widget/") { Arc::from("/widget/*") } else { route };
    let status = response.status().as_u16().to_string();
    metrics::counter!("stampcard_http_requests_total", "method" => method, "route" => route.to_string(), "status" => status)
        .increment(1);
    metrics::histogram!("stampcard_http_request_duration_seconds", "method" => method, "route" => route.to_string())
        .record(started.elapsed().as_secs_f64());
    if let Some(ResponseCode(code)) = response.extensions().get::<ResponseCode>().copied()
        && code != 0
    {
        metrics::counter!("stampcard_http_refusals_total", "code" => crate::metrics::code_name(code)).increment(1);
    }
    response
}

/// Stamp-page tokens are secrets: the log shows only the first characters of the whole
/// segment after a token prefix, whatever it holds (`<token>.`, `<token>%20`, `<token>/...`).
fn redact_path(path: &str) -> String {
    for prefix in TOKEN_PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix) {
            let (segment, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let shown: String = segment.chars().take(4).collect();
            return format!("{prefix}{shown}…{tail}");
        }
    }
    path.to_owned()
}

/// One structured line per request.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = redact_path(request.uri().path());
    let response = next.run(request).await;
    let code = response.extensions().get::<ResponseCode>().map(|c| c.0);
    let replayed = response.headers().contains_key("idempotency-replayed");
    tracing::info!(
        target: "stampcard::request",
        %method,
        path,
        status = response.status().as_u16(),
        code,
        replayed,
        latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

/// Turns `Result<Reply, Error>` handlers' errors into envelopes (both implement
/// `IntoResponse`; this alias keeps signatures short).
pub type ApiResult = Result<Reply, Error>;

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn tokens_never_reach_the_log() {
        let token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";
        for path in [
            format!("/stamp/{token}"),
            format!("/stamp/{token}."),
            format!("/stamp/{token}%20"),
            format!("/stamp/{token}/"),
            format!("/stamp/x{token}"),
            format!("/api/page/v1/{token}/session"),
            format!("/api/page/v1/{token}%00/card"),
        ] {
            let logged = redact_path(&path);
            assert!(!logged.contains(&token[4..20]), "{path} logged as {logged}");
        }
        assert_eq!(redact_path(&format!("/api/page/v1/{token}/session")), "/api/page/v1/AbCd…/session");
        assert_eq!(redact_path("/api/stamp/v1/add"), "/api/stamp/v1/add");
    }
}
