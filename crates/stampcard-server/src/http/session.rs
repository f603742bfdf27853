//! What a dashboard session cookie opens: the live session behind it (with its CSRF token
//! checked on a change), and on the stamp and card API the caller it stands for, limited by
//! its role. [`STAFF_ALLOWED`] is the one place that says what the `staff` role may call.
//! The dashboard's own endpoints are in `admin.rs`; `extract.rs`'s `ApiCaller` asks
//! [`session_caller`] when a request has no `Authorization` header.

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum_extra::extract::cookie::CookieJar;
use stampcard_core::ErrorCode;
use stampcard_core::dashboard::{CSRF_HEADER, Role, SESSION_COOKIE};
use stampcard_core::wire::{UpdateStampRequest, paths as stamp_paths};

use super::AppState;
use crate::error::Error;
use crate::ops::users;
use crate::plan::Plan;
use crate::secrets;
use crate::store::SessionRecord;

/// The stamp and card endpoints a `staff` session may call, as (method, route template). Every
/// other endpoint answers staff with 403 `ROLE_FORBIDDEN`, including every endpoint added
/// later until it is listed here: deny is the default. `PUT /api/stamp/v1/update` is allowed
/// only for a PIN reset and a redemption (`resetPinYn`, `useYn`): [`check_staff_update`].
pub const STAFF_ALLOWED: &[(Method, &str)] = &[
    (Method::GET, stamp_paths::VALIDATE),
    (Method::GET, stamp_paths::HISTORY),
    (Method::GET, stamp_paths::CARD_LIST),
    (Method::GET, stamp_paths::CARD_GET),
    (Method::POST, stamp_paths::CREATE),
    (Method::PUT, stamp_paths::ADD),
    (Method::PUT, stamp_paths::REMOVE),
    (Method::PUT, stamp_paths::REDEEM),
    (Method::PUT, stamp_paths::UPDATE),
];

/// Whether `role` may call the endpoint `method` + `route` (its template).
pub fn role_may(role: Role, method: &Method, route: Option<&str>) -> bool {
    match role {
        Role::Owner => true,
        Role::Staff => route.is_some_and(|route| STAFF_ALLOWED.iter().any(|(m, r)| m == method && *r == route)),
    }
}

fn role_forbidden(role: Role) -> Error {
    Error::api(ErrorCode::RoleForbidden, format!("a {} login may not do this; it needs the owner role", role.as_str()))
}

/// A staff session may update a stamp only to reset its PIN or redeem it (`useYn`); the
/// owner and API keys may change everything.
pub fn check_staff_update(role: Role, request: &UpdateStampRequest) -> Result<(), Error> {
    if role == Role::Owner {
        return Ok(());
    }
    let only_pin_and_use = UpdateStampRequest {
        stamp_idx: request.stamp_idx,
        reset_pin_yn: request.reset_pin_yn,
        use_yn: request.use_yn,
        ..UpdateStampRequest::default()
    };
    if *request == only_pin_and_use {
        Ok(())
    } else {
        Err(Error::api(
            ErrorCode::RoleForbidden,
            "a staff login may update a stamp only to reset its PIN (resetPinYn) or redeem it (useYn)",
        ))
    }
}

/// The session cookie's token, if the request has one.
pub(crate) fn cookie_token(parts: &Parts) -> Option<String> {
    CookieJar::from_headers(&parts.headers).get(SESSION_COOKIE).map(|cookie| cookie.value().to_owned())
}

/// Refuses a change (anything but GET and HEAD) without the session's CSRF token.
pub(crate) fn check_csrf(parts: &Parts, token: &str) -> Result<(), Error> {
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return Ok(());
    }
    let sent = parts.headers.get(CSRF_HEADER).map(|value| value.as_bytes()).unwrap_or_default();
    // Compared as hashes, so the time taken says nothing about the expected token.
    if secrets::sha256(sent) == secrets::sha256(users::csrf_token(token).as_bytes()) {
        Ok(())
    } else if sent.is_empty() {
        Err(ErrorCode::CsrfTokenRequired.into())
    } else {
        Err(Error::api(ErrorCode::CsrfTokenRequired, "the X-CSRF-Token header does not match this session"))
    }
}

fn login_required() -> Error {
    ErrorCode::LoginRequired.into()
}

/// A live session from the cookie, or `None` when there is no cookie; a cookie whose session
/// is unknown, ended or expired is refused.
async fn cookie_session(parts: &Parts, state: &AppState) -> Result<Option<(SessionRecord, String)>, Error> {
    let Some(token) = cookie_token(parts) else { return Ok(None) };
    let session = users::authenticate(state.store.as_ref(), &token, state.clock.now_ms()).await?;
    Ok(Some((session.ok_or_else(login_required)?, token)))
}

/// Who a session cookie stands for on the stamp and card API.
#[derive(Debug, Clone, Copy)]
pub struct SessionCaller {
    /// The account.
    pub account_idx: i64,
    /// Its plan.
    pub plan: Plan,
    /// The dashboard user.
    pub user_idx: i64,
    /// The user's role.
    pub role: Role,
}

/// The stamp and card API's caller behind a session cookie (`None`: no cookie): the session
/// must be live, a change must carry its CSRF token, and the role must allow the endpoint.
/// The plan and the rate limit are checked by `ApiCaller` as for API keys.
pub async fn session_caller(parts: &Parts, state: &AppState) -> Result<Option<SessionCaller>, Error> {
    let Some((session, token)) = cookie_session(parts, state).await? else { return Ok(None) };
    check_csrf(parts, &token)?;
    let role = Role::parse(&session.role).unwrap_or(Role::Staff);
    let route = parts.extensions.get::<MatchedPath>().map(MatchedPath::as_str);
    if !role_may(role, &parts.method, route) {
        return Err(role_forbidden(role));
    }
    Ok(Some(SessionCaller { account_idx: session.account_idx, plan: session.plan, user_idx: session.user_idx, role }))
}

/// A live dashboard session (cookie), with its CSRF token checked on a change.
pub struct Dashboard {
    /// The session with its user and account.
    pub session: SessionRecord,
    /// The cookie's token.
    pub token: String,
}

impl FromRequestParts<AppState> for Dashboard {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Dashboard, Error> {
        let (session, token) = cookie_session(parts, state).await?.ok_or_else(login_required)?;
        check_csrf(parts, &token)?;
        Ok(Dashboard { session, token })
    }
}

/// An owner's dashboard session: what managing API keys takes. An API key cannot manage
/// keys (a leaked key must not be able to mint more, nor revoke the owner's others).
pub struct Owner(pub Dashboard);

impl FromRequestParts<AppState> for Owner {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Owner, Error> {
        if cookie_token(parts).is_none() && parts.headers.contains_key(header::AUTHORIZATION) {
            return Err(ErrorCode::SessionRequiredForKeys.into());
        }
        let dashboard = Dashboard::from_request_parts(parts, state).await?;
        let role = Role::parse(&dashboard.session.role).unwrap_or(Role::Staff);
        if role != Role::Owner {
            return Err(role_forbidden(role));
        }
        Ok(Owner(dashboard))
    }
}

/// The live session of a logout, if any (its CSRF token checked): an unknown or expired one
/// has nothing left to end.
pub struct LiveSession(pub Option<Dashboard>);

impl FromRequestParts<AppState> for LiveSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<LiveSession, Error> {
        let Some(token) = cookie_token(parts) else { return Ok(LiveSession(None)) };
        let Some(session) = users::authenticate(state.store.as_ref(), &token, state.clock.now_ms()).await? else {
            return Ok(LiveSession(None));
        };
        check_csrf(parts, &token)?;
        Ok(LiveSession(Some(Dashboard { session, token })))
    }
}
