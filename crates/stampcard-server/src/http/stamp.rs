//! The stamp API: the hosted API's endpoints with its paths, methods, field names and
//! envelope, plus the history endpoint.

use axum::extract::{RawQuery, State};
use stampcard_core::ErrorCode;
use stampcard_core::input;
use stampcard_core::rules::{self, OnsiteProof};
use stampcard_core::wire::{CreateStampRequest, RedeemRequest, StampIdxRequest, UpdateStampRequest, paths};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiCaller, BodylessIdempotency, JsonRequest, query_idx};
use super::openapi::{
    AUTH, BODY, EnvelopeHistory, EnvelopeNull, EnvelopeStampIdx, EnvelopeValidate, HASHING, IDEMPOTENCY, PROFILE,
    QUERY, Refusing, STATE,
};
use super::{ApiResult, AppState, ok};
use crate::ops;
use crate::secrets;
use crate::store::op;
use crate::throttle::Secret;

/// The stamp API's routes, each with what it can refuse.
pub fn router() -> OpenApiRouter<AppState> {
    use ErrorCode::*;
    OpenApiRouter::new()
        .routes(routes!(create).refusing(&[
            AUTH,
            BODY,
            IDEMPOTENCY,
            PROFILE,
            &[OutOfRange, EndDateInPast, CardNotFound, CardRetired],
        ]))
        .routes(routes!(add).refusing(&[
            AUTH,
            BODY,
            IDEMPOTENCY,
            &[OutOfRange, StampNotFound, Full, AddTooSoon, DailyAddLimit],
            STATE,
        ]))
        .routes(routes!(remove).refusing(&[
            AUTH,
            BODY,
            IDEMPOTENCY,
            &[OutOfRange, StampNotFound, NothingToRemove, AlreadyRedeemed],
        ]))
        .routes(routes!(update).refusing(&[
            AUTH,
            BODY,
            IDEMPOTENCY,
            PROFILE,
            &[OutOfRange, StampNotFound, CardNotFound, AlreadyRedeemed, NotComplete, CardRetired],
        ]))
        .routes(routes!(delete_stamp).refusing(&[AUTH, QUERY, IDEMPOTENCY, &[StampNotFound]]))
        .routes(routes!(validate_stamp).refusing(&[AUTH, QUERY, &[StampNotFound], STATE]))
        .routes(routes!(redeem).refusing(&[
            AUTH,
            BODY,
            IDEMPOTENCY,
            &[OutOfRange, StampNotFound, NotComplete, OnsitePasswordRequired, WrongOnsitePassword],
            STATE,
            HASHING,
        ]))
        .routes(routes!(history).refusing(&[AUTH, QUERY, &[StampNotFound]]))
}

/// Issue a stamp on a card. `result` is the new `stampIdx`.
#[utoipa::path(
    post, path = paths::CREATE, operation_id = "createStamp", tag = "stamp",
    request_body = CreateStampRequest,
    responses((status = 200, description = "Issued; `result` is the new stampIdx", body = EnvelopeStampIdx)),
    security(("APIKey" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<CreateStampRequest>,
) -> ApiResult {
    let ctx = state.ctx(&caller);
    let new = request.value.check(ctx.today)?;
    let token = secrets::random_token();
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::stamp::create(tx, ctx, new, token))), idempotency).await
}

/// Add one stamp (one visit or purchase).
#[utoipa::path(
    put, path = paths::ADD, operation_id = "addStamp", tag = "stamp",
    request_body = StampIdxRequest,
    responses((status = 200, description = "Added; `result` is null", body = EnvelopeNull)),
    security(("APIKey" = []))
)]
pub async fn add(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<StampIdxRequest>,
) -> ApiResult {
    let stamp_idx = input::idx("stampIdx", request.value.stamp_idx)?;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::stamp::add(tx, ctx, stamp_idx))), idempotency).await
}

/// Take one stamp away (never below 0).
#[utoipa::path(
    put, path = paths::REMOVE, operation_id = "removeStamp", tag = "stamp",
    request_body = StampIdxRequest,
    responses((status = 200, description = "Removed; `result` is null", body = EnvelopeNull)),
    security(("APIKey" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<StampIdxRequest>,
) -> ApiResult {
    let stamp_idx = input::idx("stampIdx", request.value.stamp_idx)?;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::stamp::remove(tx, ctx, stamp_idx))), idempotency).await
}

/// Update a stamp: the count as a new total, dates, flags, user fields, PIN reset, `useYn`.
#[utoipa::path(
    put, path = paths::UPDATE, operation_id = "updateStamp", tag = "stamp",
    request_body = UpdateStampRequest,
    responses((status = 200, description = "Updated; `result` is null", body = EnvelopeNull)),
    security(("APIKey" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<UpdateStampRequest>,
) -> ApiResult {
    super::session::check_staff_update(caller.role, &request.value)?;
    let ctx = state.ctx(&caller);
    let patch = request.value.check(ctx.today)?;
    let stamp_idx = request.value.stamp_idx;
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::stamp::update(tx, ctx, stamp_idx, patch))), idempotency).await
}

/// Delete a stamp and its whole history, for good.
#[utoipa::path(
    delete, path = paths::DELETE, operation_id = "deleteStamp", tag = "stamp",
    params(
        ("stampIdx" = i64, Query, minimum = 1, maximum = 9007199254740991_i64, description = "The stamp")
    ),
    responses((status = 200, description = "Deleted; `result` is null", body = EnvelopeNull)),
    security(("APIKey" = []))
)]
pub async fn delete_stamp(
    State(state): State<AppState>,
    caller: ApiCaller,
    BodylessIdempotency(key): BodylessIdempotency,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let stamp_idx = query_idx(query.as_deref(), "stampIdx")?;
    let ctx = state.ctx(&caller);
    let idempotency = key.map(|key| key.scoped(caller.scope()));
    state.write(op(move |tx| Box::pin(ops::stamp::delete(tx, ctx, stamp_idx))), idempotency).await
}

/// Check that a stamp is usable today and return it. `onsitePwd` is always null: only an
/// argon2id hash of the password is stored.
#[utoipa::path(
    get, path = paths::VALIDATE, operation_id = "validateStamp", tag = "stamp",
    params(("stampIdx" = i64, Query, minimum = 1, maximum = 9007199254740991_i64, description = "The stamp")),
    responses((status = 200, description = "Usable today; `result` is the stamp", body = EnvelopeValidate)),
    security(("APIKey" = []))
)]
pub async fn validate_stamp(State(state): State<AppState>, caller: ApiCaller, RawQuery(query): RawQuery) -> ApiResult {
    let stamp_idx = query_idx(query.as_deref(), "stampIdx")?;
    let (stamp, card) =
        state.store.stamp_and_card(caller.account_idx, stamp_idx).await?.ok_or(ErrorCode::StampNotFound)?;
    let result = ops::stamp::validate(&stamp, &card, &state.public_url, state.clock.today())?;
    ok(&result)
}

/// Redeem the reward: all stamps collected, usable today, not yet redeemed, and the on-site
/// password when the card requires one. Final.
#[utoipa::path(
    put, path = paths::REDEEM, operation_id = "redeemStamp", tag = "stamp",
    request_body = RedeemRequest,
    responses((status = 200, description = "Redeemed; `result` is null", body = EnvelopeNull)),
    security(("APIKey" = []))
)]
pub async fn redeem(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<RedeemRequest>,
) -> ApiResult {
    let stamp_idx = input::idx("stampIdx", request.value.stamp_idx)?;
    let ctx = state.ctx(&caller);
    let mut _turn = None;
    let guess = match request.value.onsite_pwd.take() {
        // Compared here, before the write: argon2 is deliberately slow and the writer is shared.
        Some(password) => {
            let checked = match state.store.stamp_and_card(caller.account_idx, stamp_idx).await? {
                Some((_, card)) if card.onsite_required => {
                    // Redeems of one card's stamps take turns, and a stamp that cannot be
                    // redeemed (already redeemed by the one before, say) is refused before
                    // any hash: a burst of retries costs one hash, not one each.
                    _turn = Some(state.turn(Secret::Staff(card.card_idx)).await?);
                    let (stamp, card) = state
                        .store
                        .stamp_and_card(caller.account_idx, stamp_idx)
                        .await?
                        .ok_or(ErrorCode::StampNotFound)?;
                    rules::redeem(&card.model(), &stamp.model(), ctx.today, OnsiteProof::Correct)?;
                    // The card's password or a staff member's: one argon2 verification.
                    ops::staff::onsite_guess(state.store.as_ref(), &card, password).await?
                }
                _ => ops::staff::OnsiteGuess::unchecked(password),
            };
            Some(checked)
        }
        None => None,
    };
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::stamp::redeem(tx, ctx, stamp_idx, guess))), idempotency).await
}

/// Every change to a stamp, oldest first: what, the count before and after, who, when.
#[utoipa::path(
    get, path = paths::HISTORY, operation_id = "stampHistory", tag = "stamp",
    params(("stampIdx" = i64, Query, minimum = 1, maximum = 9007199254740991_i64, description = "The stamp")),
    responses((status = 200, description = "The stamp's history", body = EnvelopeHistory)),
    security(("APIKey" = []))
)]
pub async fn history(State(state): State<AppState>, caller: ApiCaller, RawQuery(query): RawQuery) -> ApiResult {
    let stamp_idx = query_idx(query.as_deref(), "stampIdx")?;
    state.store.stamp_and_card(caller.account_idx, stamp_idx).await?.ok_or(ErrorCode::StampNotFound)?;
    ok(&state.store.history(stamp_idx).await?)
}
