//! The dashboard API under `/api/admin/v1/...` (our extension): owner and staff logins with
//! a session cookie, and an owner's API keys. What the cookie opens elsewhere (and the staff
//! allow-list) is in `session.rs`.
//!
//! The cookie (`stampcard_session`) is `HttpOnly`, `SameSite=Strict`, `Path=/`, `Secure` when
//! the public URL is https, and has no `Max-Age`: the browser forgets it when it closes, the
//! server ends the session after 30 minutes without a request or 12 hours after the login
//! (`stampcard_core::dashboard::{SESSION_IDLE_SECS, SESSION_MAX_SECS}`). Only the SHA-256 of
//! its token is stored. A request made with the cookie that is not a GET carries the session's
//! CSRF token in `X-CSRF-Token` (derived from the token, so it is never stored either).

use std::net::IpAddr;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use stampcard_core::ErrorCode;
use stampcard_core::dashboard::{
    self, KeyCreateRequest, KeyRevokeRequest, KeyView, LoginRequest, NewKeyView, SESSION_COOKIE, SessionView, paths,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::JsonRequest;
use super::openapi::{BODY, EnvelopeNull, HASHING, Refusing};
use super::session::{Dashboard, LiveSession, Owner};
use super::{ApiResult, AppState, ok};
use crate::error::Error;
use crate::ops::Guess;
use crate::ops::users::{self, LoginAttempt};
use crate::secrets;
use crate::store::op;
use crate::throttle::Secret;

/// The name of the cookie security scheme in the OpenAPI document.
pub const SESSION_SCHEME: &str = "dashboardSession";

/// The client's address, as the stamp page's limits see it (`X-Forwarded-For` when trusted).
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ClientAddress, Error> {
        Ok(ClientAddress(super::page::client_address(state, parts)))
    }
}

/// The cookie a login sets.
fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(state.public_url.starts_with("https://"))
        .build()
}

/// The dashboard API's routes, each with what it can refuse, and its part of the OpenAPI
/// document (the cookie scheme and the `admin` tag).
pub fn router() -> OpenApiRouter<AppState> {
    use ErrorCode::*;
    const SESSION: &[ErrorCode] = &[LoginRequired, CsrfTokenRequired];
    const OWNER: &[ErrorCode] = &[LoginRequired, CsrfTokenRequired, RoleForbidden, SessionRequiredForKeys];
    OpenApiRouter::with_openapi(AdminDoc::openapi())
        .routes(routes!(login).refusing(&[BODY, &[InvalidEmail, WrongLogin, Locked], HASHING]))
        .routes(routes!(logout).refusing(&[&[CsrfTokenRequired]]))
        .routes(routes!(me).refusing(&[SESSION]))
        .routes(routes!(key_create).refusing(&[OWNER, BODY, &[InvalidKeyLabel]]))
        .routes(routes!(key_list).refusing(&[OWNER]))
        .routes(routes!(key_revoke).refusing(&[OWNER, BODY, &[OutOfRange, ApiKeyNotFound]]))
}

/// Log in with an e-mail and password. Sets the session cookie; `result` is who is logged in,
/// with the CSRF token to send as `X-CSRF-Token` on every change. Wrong passwords lock the
/// e-mail and the client address as wrong PINs lock a stamp.
#[utoipa::path(
    post, path = paths::LOGIN, operation_id = "login", tag = "admin",
    request_body = LoginRequest,
    responses((
        status = 200, description = "Logged in; `result` is the session",
        body = EnvelopeSessionView,
        headers(("Set-Cookie" = String, description = "`stampcard_session=<token>; HttpOnly; SameSite=Strict; Path=/` (`; Secure` behind https)"))
    ))
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    request: JsonRequest<LoginRequest>,
) -> Result<Response, Error> {
    let LoginRequest { email, password } = request.value;
    let email_key = dashboard::email_key(&dashboard::check_email(&email)?);
    let turn_key = secrets::sha256(email_key.as_bytes());
    let turn_key = u64::from_le_bytes(turn_key[..8].try_into().unwrap_or_default());
    // Guesses at one e-mail take turns, so each sees the lock the one before may have started
    // and a locked e-mail costs no hash.
    let _turn = state.turn(Secret::Login(turn_key)).await?;
    let address_key = address.map(users::address_guard_key);
    let email_guard = state.store.login_guard(&users::email_guard_key(&email_key)).await?;
    let address_guard = match &address_key {
        Some(key) => state.store.login_guard(key).await?,
        None => Default::default(),
    };
    users::login_allowed(&[email_guard, address_guard], state.clock.now_ms())?;
    let stored = match state.store.user_by_email(&email_key).await? {
        Some(user) => user.password_hash,
        None => users::DECOY_HASH.to_owned(),
    };
    let matched = secrets::verify_secret(stored.clone(), password.clone()).await?;
    let guess = Guess { secret: password, checked: Some((stored, matched)) };
    let session_token = secrets::random_token();
    let attempt = LoginAttempt { email_key, address_key, guess, session_token: session_token.clone() };
    let now_ms = state.clock.now_ms();
    let reply = state.write(op(move |tx| Box::pin(users::login(tx, attempt, now_ms))), None).await?;
    if reply.code == 0 {
        Ok((jar.add(session_cookie(&state, session_token)), reply).into_response())
    } else {
        Ok(reply.into_response())
    }
}

/// Log out: ends the session (with its CSRF token) and clears the cookie. Without a live
/// session there is nothing to end, and the answer is the same.
#[utoipa::path(
    post, path = paths::LOGOUT, operation_id = "logout", tag = "admin",
    responses((status = 200, description = "Logged out; `result` is null", body = EnvelopeNull)),
    security((), ("dashboardSession" = []))
)]
pub async fn logout(State(state): State<AppState>, jar: CookieJar, session: LiveSession) -> Result<Response, Error> {
    if let Some(dashboard) = session.0 {
        users::logout(state.store.as_ref(), &dashboard.token, state.clock.now_ms()).await?;
    }
    let reply = ok(&())?;
    Ok((jar.remove(Cookie::build(SESSION_COOKIE).path("/")), reply).into_response())
}

/// Who is logged in: the same object as the login's.
#[utoipa::path(
    get, path = paths::ME, operation_id = "me", tag = "admin",
    responses((status = 200, description = "The session", body = EnvelopeSessionView)),
    security(("dashboardSession" = []))
)]
pub async fn me(dashboard: Dashboard) -> ApiResult {
    ok(&users::session_view(&dashboard.session, &dashboard.token))
}

/// Create an API key (owner session only). `result.apiKey` is shown this once.
#[utoipa::path(
    post, path = paths::KEY_CREATE, operation_id = "createApiKey", tag = "admin",
    request_body = KeyCreateRequest,
    responses((status = 200, description = "Created; `result` is the key", body = EnvelopeNewKey)),
    security(("dashboardSession" = []))
)]
pub async fn key_create(
    State(state): State<AppState>,
    Owner(owner): Owner,
    request: JsonRequest<KeyCreateRequest>,
) -> ApiResult {
    ok(&users::create_key(state.store.as_ref(), &state.clock, owner.session.account_idx, &request.value.label).await?)
}

/// The account's API keys, oldest first: never the keys, only their first characters.
#[utoipa::path(
    get, path = paths::KEY_LIST, operation_id = "listApiKeys", tag = "admin",
    responses((status = 200, description = "The keys", body = EnvelopeKeys)),
    security(("dashboardSession" = []))
)]
pub async fn key_list(State(state): State<AppState>, Owner(owner): Owner) -> ApiResult {
    ok(&users::list_keys(state.store.as_ref(), owner.session.account_idx).await?)
}

/// Revoke an API key of the account; requests with it are refused from then on.
#[utoipa::path(
    post, path = paths::KEY_REVOKE, operation_id = "revokeApiKey", tag = "admin",
    request_body = KeyRevokeRequest,
    responses((status = 200, description = "Revoked; `result` is null", body = EnvelopeNull)),
    security(("dashboardSession" = []))
)]
pub async fn key_revoke(
    State(state): State<AppState>,
    Owner(owner): Owner,
    request: JsonRequest<KeyRevokeRequest>,
) -> ApiResult {
    let account_idx = owner.session.account_idx;
    let api_key_idx = stampcard_core::input::idx("apiKeyIdx", request.value.api_key_idx)?;
    users::revoke_key(state.store.as_ref(), &state.clock, account_idx, api_key_idx).await?;
    ok(&())
}

macro_rules! envelope {
    ($(#[$doc:meta])* $name:ident, $result:ty) => {
        $(#[$doc])*
        #[derive(ToSchema)]
        // Documentation only: the server builds envelopes with `stampcard_core::wire::Envelope`.
        #[allow(dead_code)]
        pub struct $name {
            /// 0 on success.
            #[schema(example = 0)]
            code: i32,
            /// Empty on success.
            #[schema(example = "")]
            message: String,
            /// The result.
            result: $result,
        }
    };
}
envelope!(
    /// Success; `result` is the dashboard session.
    EnvelopeSessionView, SessionView
);
envelope!(
    /// Success; `result` is the new API key (shown once).
    EnvelopeNewKey, NewKeyView
);
envelope!(
    /// Success; `result` is the account's API keys.
    EnvelopeKeys, Vec<KeyView>
);

/// The dashboard API's part of the document: its tag and the cookie scheme.
#[derive(OpenApi)]
#[openapi(
    modifiers(&CookieScheme),
    tags((name = "admin", description = "Dashboard logins and the owner's API keys (session cookie; see docs/api.md)"))
)]
struct AdminDoc;

struct CookieScheme;

impl Modify for CookieScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The cookie `POST /api/admin/v1/login` sets (HttpOnly, SameSite=Strict). A request made \
                 with it that is not a GET must send the session's `csrfToken` as `X-CSRF-Token`. \
                 Sessions end after 30 minutes without a request or 12 hours after the login. On the \
                 stamp and card API an `owner` session may do what an API key does; a `staff` session \
                 may validate, read history and cards, create stamps, add, remove, redeem, and update \
                 a stamp only to reset its PIN or redeem it.",
            ))),
        );
    }
}

/// Lets every operation that takes an API key take the session cookie too (the document's
/// security requirements are alternatives).
pub fn document_session_auth(openapi: &mut utoipa::openapi::OpenApi) {
    let session = SecurityRequirement::new(SESSION_SCHEME, Vec::<String>::new());
    for item in openapi.paths.paths.values_mut() {
        let operations =
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head];
        for operation in operations.into_iter().flatten() {
            let Some(security) = operation.security.as_mut() else { continue };
            let takes_key = security
                .iter()
                .any(|requirement| serde_json::to_value(requirement).is_ok_and(|value| value.get("APIKey").is_some()));
            if takes_key && !security.contains(&session) {
                security.push(session.clone());
            }
        }
    }
}
