//! Request extractors. Every way a request can be malformed ends in the same envelope as
//! any other refusal: the body is read and parsed here (not by axum's `Json`, whose
//! rejections are plain text), the API key and page session are checked here.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use stampcard_core::dashboard::Role;
use stampcard_core::{ErrorCode, parse};

use super::AppState;
use crate::error::Error;
use crate::plan::Plan;
use crate::secrets;
use crate::store::Idempotency;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The caller behind a valid `Authorization: APIKey <key>`, or behind a dashboard session
/// cookie (with its CSRF token on a change, and a role that may use the endpoint: see
/// [`super::session::STAFF_ALLOWED`]), on a plan with the stamp API, within its rate limit.
#[derive(Debug, Clone, Copy)]
pub struct ApiCaller {
    /// The account.
    pub account_idx: i64,
    /// Its plan.
    pub plan: Plan,
    /// The key used (`None`: a dashboard session).
    pub api_key_idx: Option<i64>,
    /// The dashboard user (`None`: an API key).
    pub user_idx: Option<i64>,
    /// What the caller may do: an API key acts as the owner.
    pub role: Role,
}

impl ApiCaller {
    /// The idempotency scope of this caller's keys.
    pub fn scope(&self) -> String {
        format!("account:{}", self.account_idx)
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ApiCaller, Error> {
        // An `Authorization` header is an API-key request, exactly as before sessions existed;
        // only a request without one is looked at for the dashboard's cookie.
        let caller = match parts.headers.contains_key(header::AUTHORIZATION) {
            false => match super::session::session_caller(parts, state).await? {
                Some(session) => ApiCaller {
                    account_idx: session.account_idx,
                    plan: session.plan,
                    api_key_idx: None,
                    user_idx: Some(session.user_idx),
                    role: session.role,
                },
                None => return Err(ErrorCode::MissingApiKey.into()),
            },
            true => api_key_caller(parts, state).await?,
        };
        if !caller.plan.has_stamp_api() {
            return Err(Error::api(
                ErrorCode::PlanRequired,
                format!("the stamp API needs the Personal plan or higher; this account is on the {} plan", caller.plan),
            ));
        }
        if let Err(secs) = state.limiter.check(caller.account_idx, caller.plan, state.clock.now_ms()).await? {
            let (per_minute, per_hour) = caller.plan.rate_limits();
            return Err(Error::retry_after(
                ErrorCode::RateLimited,
                format!(
                    "too many requests for the {} plan ({per_minute} a minute, {per_hour} an hour); retry in {secs} seconds",
                    caller.plan
                ),
                secs,
            ));
        }
        Ok(caller)
    }
}

async fn api_key_caller(parts: &Parts, state: &AppState) -> Result<ApiCaller, Error> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| Error::from(ErrorCode::MissingApiKey))?
        .to_str()
        .map_err(|_| Error::from(ErrorCode::InvalidApiKey))?
        .trim();
    let (scheme, key) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("APIKey") {
        return Err(Error::api(ErrorCode::MissingApiKey, "the Authorization header must be: APIKey <key>"));
    }
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::api(ErrorCode::MissingApiKey, "the Authorization header has no key after APIKey"));
    }
    let principal =
        state.store.authenticate(&secrets::sha256(key.as_bytes())).await?.ok_or(ErrorCode::InvalidApiKey)?;
    Ok(ApiCaller {
        account_idx: principal.account_idx,
        plan: principal.plan,
        api_key_idx: Some(principal.api_key_idx),
        user_idx: None,
        role: Role::Owner,
    })
}

/// A valid `Idempotency-Key` and the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    key: String,
    request_hash: Vec<u8>,
}

impl IdempotencyKey {
    /// Reads the optional header: 1 to 255 visible ASCII characters.
    fn from_headers(
        headers: &HeaderMap,
        method: &Method,
        uri: &Uri,
        body: &[u8],
    ) -> Result<Option<IdempotencyKey>, Error> {
        let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
        let bytes = value.as_bytes();
        if bytes.is_empty() || bytes.len() > 255 || !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return Err(ErrorCode::InvalidIdempotencyKey.into());
        }
        let key = String::from_utf8_lossy(bytes).into_owned();
        Ok(Some(IdempotencyKey { key, request_hash: request_fingerprint(method, uri, body) }))
    }

    /// The key in force for one caller's scope.
    pub fn scoped(self, scope: String) -> Idempotency {
        Idempotency { scope, key: self.key, request_hash: self.request_hash, keep: super::error::response_to_keep }
    }
}

/// What the idempotency record keeps of a request, to tell a retry from another request
/// under the same key: SHA-256 of the method, the path with query, and the body with every
/// [secret field](stampcard_core::wire::SECRET_FIELDS) blanked (its presence still counts). A fast hash of a
/// 4-digit PIN or a short staff password could be reversed from a leaked backup in
/// milliseconds, so no secret goes in; a retry that differs only in a secret replays the first
/// answer. A body that is not a JSON object is refused before any record is written, and is
/// hashed as sent.
pub fn request_fingerprint(method: &Method, uri: &Uri, body: &[u8]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update(b"\n");
    hasher.update(uri.path_and_query().map_or("", |p| p.as_str()).as_bytes());
    hasher.update(b"\n");
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut fields)) => {
            for name in stampcard_core::wire::SECRET_FIELDS {
                if let Some(value) = fields.get_mut(name) {
                    *value = serde_json::Value::Null;
                }
            }
            hasher.update(serde_json::Value::Object(fields).to_string().as_bytes());
        }
        _ => hasher.update(body),
    }
    hasher.finalize().to_vec()
}

/// A JSON body parsed by the core's parser, plus the optional `Idempotency-Key`.
#[derive(Debug)]
pub struct JsonRequest<T> {
    /// The parsed body.
    pub value: T,
    /// The idempotency key, if sent.
    pub idempotency: Option<IdempotencyKey>,
}

impl<T> JsonRequest<T> {
    /// The idempotency key for a scope.
    pub fn idempotency(&mut self, scope: String) -> Option<Idempotency> {
        self.idempotency.take().map(|key| key.scoped(scope))
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Error> {
    let too_large =
        || Error::api(ErrorCode::BodyTooLarge, format!("the request body is larger than {} KiB", BODY_LIMIT / 1024));
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > BODY_LIMIT as u64) {
        return Err(too_large());
    }
    let content_type = headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("?"));
    if let Some(content_type) = content_type
        && !is_json(content_type)
    {
        return Err(Error::api(
            ErrorCode::UnsupportedMediaType,
            format!("the request body must be sent as application/json, not {content_type}"),
        ));
    }
    let bytes = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
        Err(error) => {
            return Err(Error::api(ErrorCode::MalformedJson, format!("the request body could not be read: {error}")));
        }
    };
    if content_type.is_none() && !bytes.is_empty() {
        return Err(Error::api(
            ErrorCode::UnsupportedMediaType,
            "send the request body with Content-Type: application/json",
        ));
    }
    Ok(bytes)
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for JsonRequest<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<JsonRequest<T>, Error> {
        let (parts, body) = request.into_parts();
        // A body that stalls part-way would otherwise hold its connection (and, on shutdown,
        // the whole server) for as long as the client likes.
        let bytes =
            tokio::time::timeout(state.body_timeout, read_body(&parts.headers, body)).await.map_err(|_| {
                Error::api(
                    ErrorCode::RequestTimeout,
                    format!("the request body did not arrive within {} seconds", state.body_timeout.as_secs_f64()),
                )
            })??;
        let idempotency = IdempotencyKey::from_headers(&parts.headers, &parts.method, &parts.uri, &bytes)?;
        let value = parse::json::<T>(&bytes)?;
        Ok(JsonRequest { value, idempotency })
    }
}

/// The optional `Idempotency-Key` of a request without a body (`DELETE`).
#[derive(Debug)]
pub struct BodylessIdempotency(pub Option<IdempotencyKey>);

impl FromRequestParts<AppState> for BodylessIdempotency {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<BodylessIdempotency, Error> {
        Ok(BodylessIdempotency(IdempotencyKey::from_headers(&parts.headers, &parts.method, &parts.uri, b"")?))
    }
}

/// A required id from the query string, such as `?stampIdx=394`. Every occurrence of the
/// name counts (percent-encoded names too), so a repeated one is refused, not half-read.
pub fn query_idx(query: Option<&str>, name: &'static str) -> Result<i64, Error> {
    let values: Vec<String> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    Ok(parse::idx_param(name, &values)?)
}

/// The `{token}` of a stamp-page path. A token that cannot be one of ours is answered like an
/// unknown one, without a database look-up.
#[derive(Debug, Clone)]
pub struct PageToken(pub String);

impl FromRequestParts<AppState> for PageToken {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<PageToken, Error> {
        let unknown = || Error::api(ErrorCode::StampNotFound, "unknown stamp link");
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(|_| unknown())?;
        let token =
            params.iter().find(|(name, _)| *name == "token").map(|(_, value)| value.to_owned()).ok_or_else(unknown)?;
        if !secrets::looks_like_token(&token) {
            return Err(unknown());
        }
        Ok(PageToken(token))
    }
}

/// The stamp a valid `Authorization: Bearer <sessionToken>` opens, if any.
#[derive(Debug, Clone, Copy)]
pub struct PageSession(pub Option<i64>);

impl PageSession {
    /// Refuses unless the session belongs to `stamp_idx`.
    pub fn require(self, stamp_idx: i64) -> Result<(), Error> {
        if self.0 == Some(stamp_idx) { Ok(()) } else { Err(ErrorCode::SessionRequired.into()) }
    }
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<PageSession, Error> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return Ok(PageSession(None));
        };
        let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("Bearer") || !secrets::looks_like_token(token.trim()) {
            return Ok(PageSession(None));
        }
        let stamp = state.store.session_stamp(&secrets::sha256(token.trim().as_bytes()), state.clock.now_ms()).await?;
        Ok(PageSession(stamp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_leave_secrets_out() {
        let (method, uri) = (Method::POST, Uri::from_static("/api/page/v1/t/onsite/add"));
        let print = |body: &str| request_fingerprint(&method, &uri, body.as_bytes());
        assert_eq!(print(r#"{"onsitePwd":"1234"}"#), print(r#"{"onsitePwd":"9876"}"#));
        assert_eq!(print(r#"{"pin":"2580","x":1}"#), print(r#"{"pin":"1397","x":1}"#));
        assert_ne!(print(r#"{"onsitePwd":"1234"}"#), print("{}"), "a secret's presence still counts");
        assert_ne!(print(r#"{"x":1}"#), print(r#"{"x":2}"#), "other fields count");
        let other = request_fingerprint(&Method::POST, &Uri::from_static("/api/page/v1/t/onsite/redeem"), b"{}");
        assert_ne!(other, print("{}"), "the path counts");
    }
}
