//! The card API (our extension; same envelope and auth as the stamp API).

use axum::extract::{RawQuery, State};
use stampcard_core::ErrorCode;
use stampcard_core::wire::{CardCreateRequest, CardUpdateRequest, CardView, paths};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiCaller, BodylessIdempotency, JsonRequest, query_idx};
use super::openapi::{
    AUTH, BODY, CARD_FIELDS, EnvelopeCard, EnvelopeCards, EnvelopeNull, HASHING, IDEMPOTENCY, QUERY, Refusing,
};
use super::{ApiResult, AppState, ok};
use crate::error::Error;
use crate::ops;
use crate::secrets;
use crate::store::op;

/// The card API's routes, each with what it can refuse.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create).refusing(&[AUTH, BODY, IDEMPOTENCY, CARD_FIELDS, HASHING]))
        .routes(routes!(list).refusing(&[AUTH]))
        .routes(routes!(get_card).refusing(&[AUTH, QUERY, &[ErrorCode::CardNotFound]]))
        .routes(routes!(update).refusing(&[AUTH, BODY, IDEMPOTENCY, CARD_FIELDS, &[ErrorCode::CardNotFound], HASHING]))
        .routes(routes!(delete_card).refusing(&[
            AUTH,
            QUERY,
            IDEMPOTENCY,
            &[ErrorCode::CardNotFound, ErrorCode::CardHasStamps],
        ]))
}

async fn hash_optional(password: Option<&String>) -> Result<Option<String>, Error> {
    match password {
        Some(password) => Ok(Some(secrets::hash_secret(password.clone()).await?)),
        None => Ok(None),
    }
}

/// Create a card. `onsitePwd` is write-only: stored as an argon2id hash. `result` is the card.
#[utoipa::path(
    post, path = paths::CARD_CREATE, operation_id = "createCard", tag = "card",
    request_body = CardCreateRequest,
    responses((status = 200, description = "Created; `result` is the card", body = EnvelopeCard)),
    security(("APIKey" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<CardCreateRequest>,
) -> ApiResult {
    let new = request.value.check()?;
    let hash = hash_optional(new.onsite_password.as_ref()).await?;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::card::create(tx, ctx, new, hash))), idempotency).await
}

/// The account's cards, oldest first.
#[utoipa::path(
    get, path = paths::CARD_LIST, operation_id = "listCards", tag = "card",
    responses((status = 200, description = "The cards", body = EnvelopeCards)),
    security(("APIKey" = []))
)]
pub async fn list(State(state): State<AppState>, caller: ApiCaller) -> ApiResult {
    let cards: Vec<CardView> = state.store.cards(caller.account_idx).await?.iter().map(ops::card::view).collect();
    ok(&cards)
}

/// One card.
#[utoipa::path(
    get, path = paths::CARD_GET, operation_id = "getCard", tag = "card",
    params(("cardIdx" = i64, Query, minimum = 1, maximum = 9007199254740991_i64, description = "The card")),
    responses((status = 200, description = "The card", body = EnvelopeCard)),
    security(("APIKey" = []))
)]
pub async fn get_card(State(state): State<AppState>, caller: ApiCaller, RawQuery(query): RawQuery) -> ApiResult {
    let card_idx = query_idx(query.as_deref(), "cardIdx")?;
    let card = state.store.card(caller.account_idx, card_idx).await?.ok_or(ErrorCode::CardNotFound)?;
    ok(&ops::card::view(&card))
}

/// Update a card; absent fields are unchanged. `maxStamps` may not drop below a live
/// stamp's count. `activeYn=N` retires the card (no new stamps on it; its stamps keep
/// working), `Y` brings it back. `result` is the card.
#[utoipa::path(
    put, path = paths::CARD_UPDATE, operation_id = "updateCard", tag = "card",
    request_body = CardUpdateRequest,
    responses((status = 200, description = "Updated; `result` is the card", body = EnvelopeCard)),
    security(("APIKey" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<CardUpdateRequest>,
) -> ApiResult {
    let patch = request.value.check()?;
    let hash = hash_optional(patch.onsite_password.as_ref()).await?;
    let card_idx = request.value.card_idx;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::card::update(tx, ctx, card_idx, patch, hash))), idempotency).await
}

/// Delete a card that has no stamps (of any state), for good. A card with stamps is refused
/// with `CARD_HAS_STAMPS`; retire it with `activeYn=N` instead, or delete its stamps first.
#[utoipa::path(
    delete, path = paths::CARD_DELETE, operation_id = "deleteCard", tag = "card",
    params(("cardIdx" = i64, Query, minimum = 1, maximum = 9007199254740991_i64, description = "The card")),
    responses((status = 200, description = "Deleted; `result` is null", body = EnvelopeNull)),
    security(("APIKey" = []))
)]
pub async fn delete_card(
    State(state): State<AppState>,
    caller: ApiCaller,
    BodylessIdempotency(key): BodylessIdempotency,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let card_idx = query_idx(query.as_deref(), "cardIdx")?;
    let ctx = state.ctx(&caller);
    let idempotency = key.map(|key| key.scoped(caller.scope()));
    state.write(op(move |tx| Box::pin(ops::card::delete(tx, ctx, card_idx))), idempotency).await
}
