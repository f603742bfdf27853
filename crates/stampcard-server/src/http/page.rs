//! The customer stamp-page API under `/api/page/v1/{token}`: no API key, the unguessable
//! token scopes it; a PIN opens a short session (`Authorization: Bearer`). Open to any
//! origin (without credentials) because the page and widget may be served from a shop's site.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, Method, header};
use stampcard_core::wire::{ChangePinRequest, OnsiteRequest, PageIntro, PinRequest, PinState, paths::PAGE_API_PREFIX};
use stampcard_core::{ErrorCode, secret};
use tower_http::cors::{Any, CorsLayer};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{JsonRequest, PageSession, PageToken};
use super::openapi::{
    BODY, EnvelopePageIntro, EnvelopePageView, EnvelopeSession, HASHING, IDEMPOTENCY, PAGE, Refusing, STATE,
};
use super::{ApiResult, AppState, ok};
use crate::error::Error;
use crate::ops::Guess;
use crate::ops::card_rules;
use crate::ops::page::{self as page_ops, NewSession, OnsiteAction};
use crate::secrets;
use crate::store::{CardRecord, LinkedStamp, StampRecord, op};
use crate::throttle::{PageCost, Secret, Turn};

/// The page API's routes, each with what it can refuse, with CORS for any origin.
pub fn router() -> OpenApiRouter<AppState> {
    use ErrorCode::*;
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("idempotency-key")])
        .expose_headers([header::RETRY_AFTER, HeaderName::from_static("idempotency-replayed")]);
    OpenApiRouter::new()
        .routes(routes!(intro).refusing(&[PAGE]))
        .routes(routes!(card).refusing(&[PAGE, &[SessionRequired]]))
        .routes(routes!(set_pin).refusing(&[PAGE, BODY, &[InvalidPin, PinAlreadySet], HASHING]))
        .routes(routes!(change_pin).refusing(&[PAGE, BODY, &[InvalidPin, PinNotSet, WrongPin, Locked], HASHING]))
        .routes(routes!(open_session).refusing(&[PAGE, BODY, &[PinNotSet, WrongPin, Locked], HASHING]))
        .routes(routes!(onsite_add).refusing(&[
            PAGE,
            BODY,
            IDEMPOTENCY,
            &[SessionRequired, OnsiteNotEnabled, WrongOnsitePassword, Locked, Full, AddTooSoon, DailyAddLimit],
            STATE,
            HASHING,
        ]))
        .routes(routes!(onsite_redeem).refusing(&[
            PAGE,
            BODY,
            IDEMPOTENCY,
            &[SessionRequired, OnsiteNotEnabled, WrongOnsitePassword, Locked, NotComplete],
            STATE,
            HASHING,
        ]))
        .layer(cors)
}

/// The stamp a link stands for: the newest of its chain of automatic renewals.
async fn load_linked(state: &AppState, token: &str) -> Result<LinkedStamp, Error> {
    state.store.stamp_by_link(token).await?.ok_or_else(|| Error::api(ErrorCode::StampNotFound, "unknown stamp link"))
}

async fn load(state: &AppState, token: &str) -> Result<(StampRecord, CardRecord), Error> {
    let linked = load_linked(state, token).await?;
    Ok((linked.stamp, linked.card))
}

/// The client's address: the connection's peer, or with `trust_forwarded_for` the last
/// address in `X-Forwarded-For` (the one the trusted proxy in front of us appended).
pub(crate) fn client_address(state: &AppState, parts: &Parts) -> Option<IpAddr> {
    if state.trust_forwarded_for {
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|item| item.trim().parse::<IpAddr>().ok())
            .next_back();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

/// A stamp-page request that passed the page API's limits for its cost.
pub struct Limited<const SECRET: bool>;

impl<const SECRET: bool> FromRequestParts<AppState> for Limited<SECRET> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Limited<SECRET>, Error> {
        let token = parts.uri.path().strip_prefix(PAGE_API_PREFIX).unwrap_or_default();
        let token = token.trim_start_matches('/').split('/').next().unwrap_or_default();
        let cost = if SECRET { PageCost::Secret } else { PageCost::Read };
        check_limit(state, parts, token, cost)?;
        Ok(Limited)
    }
}

/// Counts a request for the stamp page `token` against the page API's limits.
fn check_limit(state: &AppState, parts: &Parts, token: &str, cost: PageCost) -> Result<(), Error> {
    let Some(limiter) = &state.page_limiter else { return Ok(()) };
    match limiter.check(token, client_address(state, parts), cost, state.clock.now_ms()) {
        Ok(()) => Ok(()),
        // Counted with every other refusal, by code, in `stampcard_http_refusals_total`.
        Err(secs) => Err(Error::retry_after(
            ErrorCode::PageRateLimited,
            format!("too many requests for this stamp page or from this address; retry in {secs} seconds"),
            secs,
        )),
    }
}

/// A page read within its limits.
pub type ReadLimit = Limited<false>;
/// A PIN or staff-password request within its limits.
pub type SecretLimit = Limited<true>;

/// Compares a secret with a stored hash before the write (argon2 is slow; the writer is shared).
async fn guess(secret: String, stored: Option<&String>) -> Result<Guess, Error> {
    let checked = match stored {
        Some(hash) => Some((hash.clone(), secrets::verify_secret(hash.clone(), secret.clone()).await?)),
        None => None,
    };
    Ok(Guess { secret, checked })
}

fn check_new_pin(pin: &str) -> Result<(), Error> {
    secret::check_pin(pin).map_err(|e| Error::api(ErrorCode::InvalidPin, e.to_string()))
}

/// Refuses PIN guesses while locked, without looking at the hash.
fn pin_guess_allowed(stamp: &StampRecord, state: &AppState) -> Result<(), Error> {
    page_ops::pin_guess_allowed(stamp, state.clock.now_ms())
}

/// Takes this stamp's PIN turn, then reads the stamp again and re-checks it: the guess before
/// may have locked the PIN.
async fn pin_turn(state: &AppState, token: &str, stamp_idx: i64) -> Result<(Turn, StampRecord), Error> {
    let turn = state.turn(Secret::Pin(stamp_idx)).await?;
    let (stamp, _) = load(state, token).await?;
    pin_guess_allowed(&stamp, state)?;
    Ok((turn, stamp))
}

fn pin_already_set() -> Error {
    Error::api(
        ErrorCode::PinAlreadySet,
        "a PIN is already set for this stamp card; enter it, or change it with the current PIN",
    )
}

/// What the page shows before the PIN: the card's name and title, the PIN state, the lock,
/// and the card's state with its dates (so an unusable card says so without a PIN).
#[utoipa::path(
    get, context_path = PAGE_API_PREFIX, path = "/{token}", operation_id = "pageIntro", tag = "page",
    params(("token" = String, Path, pattern = "^[A-Za-z0-9_-]{43}$", description = "The stamp page's token (from stampUrl)")),
    responses((status = 200, description = "The intro", body = EnvelopePageIntro))
)]
pub async fn intro(State(state): State<AppState>, _limit: ReadLimit, PageToken(token): PageToken) -> ApiResult {
    let (stamp, card) = load(&state, &token).await?;
    ok(&page_ops::intro(&stamp, &card, state.clock.today(), state.clock.now_ms()))
}

/// What [`intro`] answers for `token`, for the stamp page (`/stamp/{token}`) to embed: the same
/// limits (the page's render stands for the widget's first call), the same look-up.
pub(crate) async fn intro_for_page(state: &AppState, parts: &Parts, token: &str) -> Result<PageIntro, Error> {
    check_limit(state, parts, token, PageCost::Read)?;
    if !secrets::looks_like_token(token) {
        return Err(Error::api(ErrorCode::StampNotFound, "unknown stamp link"));
    }
    let (stamp, card) = load(state, token).await?;
    Ok(page_ops::intro(&stamp, &card, state.clock.today(), state.clock.now_ms()))
}

/// The whole card (needs a session).
#[utoipa::path(
    get, context_path = PAGE_API_PREFIX, path = "/{token}/card", operation_id = "pageCard", tag = "page",
    params(("token" = String, Path, pattern = "^[A-Za-z0-9_-]{43}$", description = "The stamp page's token")),
    responses((status = 200, description = "The card view", body = EnvelopePageView)),
    security(("session" = []))
)]
pub async fn card(
    State(state): State<AppState>,
    _limit: ReadLimit,
    PageToken(token): PageToken,
    session: PageSession,
) -> ApiResult {
    let LinkedStamp { stamp, card, previous_redeemed_ymd } = load_linked(&state, &token).await?;
    session.require(stamp.stamp_idx)?;
    ok(&page_ops::view(&stamp, &card, previous_redeemed_ymd, state.clock.today(), state.clock.now_ms()))
}

/// Set the first PIN, or a new one after the shop reset it. Opens a session.
#[utoipa::path(
    post, context_path = PAGE_API_PREFIX, path = "/{token}/pin", operation_id = "setPin", tag = "page",
    params(("token" = String, Path, pattern = "^[A-Za-z0-9_-]{43}$", description = "The stamp page's token")),
    request_body = PinRequest,
    responses((status = 200, description = "PIN set; a session", body = EnvelopeSession))
)]
pub async fn set_pin(
    State(state): State<AppState>,
    _limit: SecretLimit,
    PageToken(token): PageToken,
    request: JsonRequest<PinRequest>,
) -> ApiResult {
    let (stamp, _) = load(&state, &token).await?;
    if stamp.pin_state == PinState::Set {
        return Err(pin_already_set());
    }
    let pin = request.value.pin;
    check_new_pin(&pin)?;
    // Concurrent first PINs take turns; the ones after the first find it set and cost no hash.
    let _turn = state.turn(Secret::Pin(stamp.stamp_idx)).await?;
    let (stamp, _) = load(&state, &token).await?;
    if stamp.pin_state == PinState::Set {
        return Err(pin_already_set());
    }
    let hash = secrets::hash_secret(pin).await?;
    let session = NewSession::generate();
    let now_ms = state.clock.now_ms();
    state.write(op(move |tx| Box::pin(page_ops::set_pin(tx, token, hash, session, now_ms))), None).await
}

/// Change the PIN with the current one (a wrong current PIN counts as a wrong guess).
#[utoipa::path(
    put, context_path = PAGE_API_PREFIX, path = "/{token}/pin", operation_id = "changePin", tag = "page",
    params(("token" = String, Path, pattern = "^[A-Za-z0-9_-]{43}$", description = "The stamp page's token")),
    request_body = ChangePinRequest,
    responses((status = 200, description = "PIN changed; a new session", body = EnvelopeSession))
)]
pub async fn change_pin(
    State(state): State<AppState>,
    _limit: SecretLimit,
    PageToken(token): PageToken,
    request: JsonRequest<ChangePinRequest>,
) -> ApiResult {
    let (stamp, _) = load(&state, &token).await?;
    pin_guess_allowed(&stamp, &state)?;
    let ChangePinRequest { current_pin, new_pin } = request.value;
    check_new_pin(&new_pin)?;
    let (_turn, stamp) = pin_turn(&state, &token, stamp.stamp_idx).await?;
    let current = guess(current_pin, stamp.pin_hash.as_ref()).await?;
    let new_hash = secrets::hash_secret(new_pin).await?;
    let session = NewSession::generate();
    let now_ms = state.clock.now_ms();
    state.write(op(move |tx| Box::pin(page_ops::change_pin(tx, token, current, new_hash, session, now_ms))), None).await
}

/// Enter the PIN: opens a 30-minute session.
#[utoipa::path(
    post, context_path = PAGE_API_PREFIX, path = "/{token}/session", operation_id = "openSession", tag = "page",
    params(("token" = String, Path, pattern = "^[A-Za-z0-9_-]{43}$", description = "The stamp page's token")),
    request_body = PinRequest,
    responses((status = 200, description = "A session", body = EnvelopeSession))
)]
pub async fn open_session(
    State(state): State<AppState>,
    _limit: SecretLimit,
    PageToken(token): PageToken,
    request: JsonRequest<PinRequest>,
) -> ApiResult {
    let (stamp, _) = load(&state, &token).await?;
    pin_guess_allowed(&stamp, &state)?;
    let (_turn, stamp) = pin_turn(&state, &token, stamp.stamp_idx).await?;
    let pin = guess(request.value.pin, stamp.pin_hash.as_ref()).await?;
    let session = NewSession::generate();
    let now_ms = state.clock.now_ms();
    state.write(op(move |tx| Box::pin(page_ops::open_session(tx, token, pin, session, now_ms))), None).await
}

/// Refuses a staff action before any password is looked at (see [`page_ops::onsite_allowed`]).
async fn refuse_onsite_before_hashing(
    state: &AppState,
    stamp: &StampRecord,
    card: &CardRecord,
    action: OnsiteAction,
) -> Result<(), Error> {
    let guard = state.store.card_guard(card.card_idx).await?;
    let (today, now_ms) = (state.clock.today(), state.clock.now_ms());
    page_ops::onsite_allowed(stamp, card, &guard, action, today, now_ms)?;
    if action == OnsiteAction::Add {
        card_rules::check_add_pace_before_hashing(state.store.as_ref(), card, stamp.stamp_idx, now_ms).await?;
    }
    Ok(())
}

async fn onsite(
    state: AppState,
    token: String,
    session: PageSession,
    mut request: JsonRequest<OnsiteRequest>,
    action: OnsiteAction,
) -> ApiResult {
    let (stamp, card) = load(&state, &token).await?;
    session.require(stamp.stamp_idx)?;
    refuse_onsite_before_hashing(&state, &stamp, &card, action).await?;
    // The staff password is the card's: guesses on it take turns across all its stamps.
    let _turn = state.turn(Secret::Staff(card.card_idx)).await?;
    let (stamp, card) = load(&state, &token).await?;
    refuse_onsite_before_hashing(&state, &stamp, &card, action).await?;
    // Scoped by the link, not by the stamp it resolves to: a retry after a redeem that renewed
    // the card must find the kept answer, not redeem the new card.
    let idempotency = request.idempotency(format!("page:{token}"));
    // The card's password or a staff member's: one argon2 verification either way.
    let password = crate::ops::staff::onsite_guess(state.store.as_ref(), &card, request.value.onsite_pwd).await?;
    let (today, now_ms) = (state.clock.today(), state.clock.now_ms());
    state.write(op(move |tx| Box::pin(page_ops::onsite(tx, token, action, password, today, now_ms))), idempotency).await
}

/// Staff adds one stamp at the counter with the on-site password (needs a session).
#[utoipa::path(
    post, context_path = PAGE_API_PREFIX, path = "/{token}/onsite/add", operation_id = "onsiteAdd", tag = "page",
    params(
        ("token" = String, Path, pattern = "^[A-Za-z0-9_-]{43}$", description = "The stamp page's token")
    ),
    request_body = OnsiteRequest,
    responses((status = 200, description = "Added; the new view", body = EnvelopePageView)),
    security(("session" = []))
)]
pub async fn onsite_add(
    State(state): State<AppState>,
    _limit: SecretLimit,
    PageToken(token): PageToken,
    session: PageSession,
    request: JsonRequest<OnsiteRequest>,
) -> ApiResult {
    onsite(state, token, session, request, OnsiteAction::Add).await
}

/// Staff redeems the reward at the counter with the on-site password (needs a session).
#[utoipa::path(
    post, context_path = PAGE_API_PREFIX, path = "/{token}/onsite/redeem", operation_id = "onsiteRedeem", tag = "page",
    params(
        ("token" = String, Path, pattern = "^[A-Za-z0-9_-]{43}$", description = "The stamp page's token")
    ),
    request_body = OnsiteRequest,
    responses((status = 200, description = "Redeemed; the new view", body = EnvelopePageView)),
    security(("session" = []))
)]
pub async fn onsite_redeem(
    State(state): State<AppState>,
    _limit: SecretLimit,
    PageToken(token): PageToken,
    session: PageSession,
    request: JsonRequest<OnsiteRequest>,
) -> ApiResult {
    onsite(state, token, session, request, OnsiteAction::Redeem).await
}
