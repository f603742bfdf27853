//! The webhook API (our extension; same envelope, auth, idempotency and tenancy as the stamp
//! API): an account's endpoints, their secrets, the delivery log, re-sending and test events.
//! A dashboard session may use it only as an owner (it is not in `session::STAFF_ALLOWED`).

use axum::extract::{RawQuery, State};
use stampcard_core::ErrorCode;
use stampcard_core::webhook::{
    DeliveriesQuery, DeliveryPage, DeliveryView, RedeliverRequest, WebhookCreateRequest, WebhookCreated,
    WebhookIdxRequest, WebhookList, WebhookRotated, WebhookUpdateRequest, WebhookView, paths,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiCaller, BodylessIdempotency, JsonRequest, query_idx};
use super::openapi::{AUTH, BODY, EnvelopeNull, IDEMPOTENCY, QUERY, Refusing};
use super::{ApiResult, AppState, ok};
use crate::ops;
use crate::store::op;
use crate::webhook::sign;

/// An endpoint's fields.
const WEBHOOK_FIELDS: &[ErrorCode] = &[
    ErrorCode::OutOfRange,
    ErrorCode::InvalidWebhookUrl,
    ErrorCode::WebhookAddressNotAllowed,
    ErrorCode::InvalidWebhookEvents,
    ErrorCode::InvalidWebhookFormat,
];

/// The webhook API's routes, each with what it can refuse.
pub fn router() -> OpenApiRouter<AppState> {
    use ErrorCode::*;
    OpenApiRouter::new()
        .routes(routes!(create).refusing(&[AUTH, BODY, IDEMPOTENCY, WEBHOOK_FIELDS, &[CardNotFound, TooManyWebhooks]]))
        .routes(routes!(list).refusing(&[AUTH]))
        .routes(routes!(update).refusing(&[AUTH, BODY, IDEMPOTENCY, WEBHOOK_FIELDS, &[WebhookNotFound]]))
        .routes(routes!(rotate_secret).refusing(&[AUTH, BODY, IDEMPOTENCY, &[OutOfRange, WebhookNotFound]]))
        .routes(routes!(delete_webhook).refusing(&[AUTH, QUERY, IDEMPOTENCY, &[WebhookNotFound]]))
        .routes(routes!(deliveries).refusing(&[AUTH, QUERY, &[InvalidDeliveryStatus, InvalidCursor, WebhookNotFound]]))
        .routes(routes!(redeliver).refusing(&[
            AUTH,
            BODY,
            IDEMPOTENCY,
            &[OutOfRange, DeliveryNotFound, WebhookNotFound, WebhookDisabled],
        ]))
        .routes(routes!(test).refusing(&[AUTH, BODY, IDEMPOTENCY, &[OutOfRange, WebhookNotFound, WebhookDisabled]]))
}

macro_rules! envelope {
    ($(#[$doc:meta])* $name:ident, $result:ty, $result_doc:literal) => {
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
            #[doc = $result_doc]
            result: $result,
        }
    };
}

envelope!(
    /// Success; `result` is the new endpoint with its secret.
    EnvelopeWebhookCreated, WebhookCreated, "The endpoint and its signing secret (shown this once)."
);
envelope!(
    /// Success; `result` is an endpoint.
    EnvelopeWebhook, WebhookView, "The endpoint."
);
envelope!(
    /// Success; `result` is the endpoint with its new secret.
    EnvelopeWebhookRotated, WebhookRotated, "The endpoint and its new secret (shown this once)."
);
envelope!(
    /// Success; `result` is the account's endpoints.
    EnvelopeWebhookList, WebhookList, "The endpoints, oldest first."
);
envelope!(
    /// Success; `result` is a page of the delivery log.
    EnvelopeDeliveryPage, DeliveryPage, "The page, newest first."
);
envelope!(
    /// Success; `result` is a delivery.
    EnvelopeDelivery, DeliveryView, "The delivery."
);

/// Add an endpoint that receives a signed POST for every change to the account's stamps
/// (or to one card's, with `cardIdx`; or only some event types, with `events`). `format`
/// `vivoldi` (the default) sends the hosted API's `X-Vivoldi-*` headers, `standard` follows
/// Standard Webhooks. `result` has the signing `secret`, shown this once. docs/webhooks.md
/// describes the headers, the bodies and the retries.
#[utoipa::path(
    post, path = paths::WEBHOOK_CREATE, operation_id = "createWebhook", tag = "webhooks",
    request_body = WebhookCreateRequest,
    responses((status = 200, description = "Added; `result` is the endpoint and its secret", body = EnvelopeWebhookCreated)),
    security(("APIKey" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<WebhookCreateRequest>,
) -> ApiResult {
    let allow_private = state.webhooks.allow_private;
    let new = request.value.check(allow_private)?;
    crate::webhook::guard::check_host(&new.url, allow_private)?;
    let secret = sign::new_secret();
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::webhook::create(tx, ctx, new, secret))), idempotency).await
}

/// The account's endpoints, oldest first (never their secrets).
#[utoipa::path(
    get, path = paths::WEBHOOK_LIST, operation_id = "listWebhooks", tag = "webhooks",
    responses((status = 200, description = "The endpoints", body = EnvelopeWebhookList)),
    security(("APIKey" = []))
)]
pub async fn list(State(state): State<AppState>, caller: ApiCaller) -> ApiResult {
    ok(&ops::webhook::list(state.store.as_ref(), caller.account_idx, state.clock.now_ms()).await?)
}

/// Change an endpoint; absent fields are unchanged. `events` replaces its event types,
/// `allEvents: true` gives it every type, `enabled: false` stops queuing events for it
/// (deliveries already queued are still sent). `result` is the endpoint.
#[utoipa::path(
    put, path = paths::WEBHOOK_UPDATE, operation_id = "updateWebhook", tag = "webhooks",
    request_body = WebhookUpdateRequest,
    responses((status = 200, description = "Updated; `result` is the endpoint", body = EnvelopeWebhook)),
    security(("APIKey" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<WebhookUpdateRequest>,
) -> ApiResult {
    let allow_private = state.webhooks.allow_private;
    let patch = request.value.check(allow_private)?;
    if let Some(url) = &patch.url {
        crate::webhook::guard::check_host(url, allow_private)?;
    }
    let webhook_idx = request.value.webhook_idx;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::webhook::update(tx, ctx, webhook_idx, patch))), idempotency).await
}

/// Replace an endpoint's signing secret. The old one keeps signing beside the new one for
/// 24 hours (two signatures in the signature header), so the receiver can switch without
/// losing a delivery. `result` has the new `secret`, shown this once.
#[utoipa::path(
    post, path = paths::WEBHOOK_ROTATE_SECRET, operation_id = "rotateWebhookSecret", tag = "webhooks",
    request_body = WebhookIdxRequest,
    responses((status = 200, description = "Rotated; `result` is the endpoint and its new secret", body = EnvelopeWebhookRotated)),
    security(("APIKey" = []))
)]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<WebhookIdxRequest>,
) -> ApiResult {
    let webhook_idx = stampcard_core::input::idx("webhookIdx", request.value.webhook_idx)?;
    let secret = sign::new_secret();
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::webhook::rotate(tx, ctx, webhook_idx, secret))), idempotency).await
}

/// Remove an endpoint with its delivery log; nothing more is sent to it.
#[utoipa::path(
    delete, path = paths::WEBHOOK_DELETE, operation_id = "deleteWebhook", tag = "webhooks",
    params(("webhookIdx" = i64, Query, minimum = 1, maximum = 9007199254740991_i64, description = "The endpoint")),
    responses((status = 200, description = "Deleted; `result` is null", body = EnvelopeNull)),
    security(("APIKey" = []))
)]
pub async fn delete_webhook(
    State(state): State<AppState>,
    caller: ApiCaller,
    BodylessIdempotency(key): BodylessIdempotency,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let webhook_idx = query_idx(query.as_deref(), "webhookIdx")?;
    let ctx = state.ctx(&caller);
    let idempotency = key.map(|key| key.scoped(caller.scope()));
    state.write(op(move |tx| Box::pin(ops::webhook::delete(tx, ctx, webhook_idx))), idempotency).await
}

/// The delivery log, newest first: one item per event and endpoint, each with its attempts
/// (time, HTTP status, duration, the first bytes of the response). Filter by `webhookIdx`
/// and `status`; pass `nextCursor` as `cursor` for the next page.
#[utoipa::path(
    get, path = paths::WEBHOOK_DELIVERIES, operation_id = "listWebhookDeliveries", tag = "webhooks",
    params(
        ("webhookIdx" = Option<i64>, Query, minimum = 1, maximum = 9007199254740991_i64, description = "Only this endpoint's deliveries"),
        ("status" = Option<stampcard_core::webhook::DeliveryStatus>, Query, description = "Only deliveries in this status"),
        ("cursor" = Option<String>, Query, description = "The previous page's nextCursor"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Items per page (default 50)"),
    ),
    responses((status = 200, description = "A page of the log", body = EnvelopeDeliveryPage)),
    security(("APIKey" = []))
)]
pub async fn deliveries(State(state): State<AppState>, caller: ApiCaller, RawQuery(query): RawQuery) -> ApiResult {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes()).into_owned().collect();
    let query = DeliveriesQuery::from_pairs(&pairs)?;
    ok(&ops::webhook::deliveries(state.store.as_ref(), caller.account_idx, &query).await?)
}

/// Send a delivery again, whatever its status: the same event id and body, a new request id
/// per attempt, a fresh retry window. `result` is the delivery, `PENDING`.
#[utoipa::path(
    post, path = paths::WEBHOOK_REDELIVER, operation_id = "redeliverWebhook", tag = "webhooks",
    request_body = RedeliverRequest,
    responses((status = 200, description = "Queued; `result` is the delivery", body = EnvelopeDelivery)),
    security(("APIKey" = []))
)]
pub async fn redeliver(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<RedeliverRequest>,
) -> ApiResult {
    let delivery_idx = stampcard_core::input::idx("deliveryIdx", request.value.delivery_idx)?;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::webhook::redeliver(tx, ctx, delivery_idx))), idempotency).await
}

/// Queue a signed `webhook.test` event for one endpoint (sent within a second; the delivery
/// log shows how the receiver answered). `result` is its delivery, `PENDING`.
#[utoipa::path(
    post, path = paths::WEBHOOK_TEST, operation_id = "testWebhook", tag = "webhooks",
    request_body = WebhookIdxRequest,
    responses((status = 200, description = "Queued; `result` is the delivery", body = EnvelopeDelivery)),
    security(("APIKey" = []))
)]
pub async fn test(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<WebhookIdxRequest>,
) -> ApiResult {
    let webhook_idx = stampcard_core::input::idx("webhookIdx", request.value.webhook_idx)?;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::webhook::test(tx, ctx, webhook_idx))), idempotency).await
}
