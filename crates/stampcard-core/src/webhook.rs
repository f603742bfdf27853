//! Webhooks (our extension): an account's endpoints that receive a signed POST for every
//! change to its stamps. The wire types of the webhook endpoints (their paths too), the event
//! body a receiver gets, the delivery log, and the request checks.
//!
//! Two signing formats: `vivoldi` sends the hosted API's `X-Vivoldi-*` headers (HMAC-SHA256
//! over `<timestamp>.<raw body>`), so a receiver written for the hosted service works
//! unchanged; `standard` follows the Standard Webhooks specification (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature`), so any of its verifier libraries works.
//! `docs/webhooks.md` describes both.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::find::StampStatus;
use crate::input::{FieldError, FieldErrors, idx};
use crate::model::PinState;
use crate::types::{YesNo, Ymd, Ymdt};
use crate::wire::{HistoryAction, HistoryActor};

/// URL paths of the webhook endpoints.
pub mod paths {
    /// `POST`: add an endpoint; answers its signing secret this once.
    pub const WEBHOOK_CREATE: &str = "/api/stamp/v1/webhook/create";
    /// `GET`: the account's endpoints (never their secrets).
    pub const WEBHOOK_LIST: &str = "/api/stamp/v1/webhook/list";
    /// `PUT`: change an endpoint's URL, events or `enabled`.
    pub const WEBHOOK_UPDATE: &str = "/api/stamp/v1/webhook/update";
    /// `POST`: a new signing secret; the old one keeps signing too for 24 hours.
    pub const WEBHOOK_ROTATE_SECRET: &str = "/api/stamp/v1/webhook/rotate-secret";
    /// `DELETE ?webhookIdx=N`: remove an endpoint and its delivery log.
    pub const WEBHOOK_DELETE: &str = "/api/stamp/v1/webhook/delete";
    /// `GET ?webhookIdx=&status=&cursor=`: the delivery log, newest first.
    pub const WEBHOOK_DELIVERIES: &str = "/api/stamp/v1/webhook/deliveries";
    /// `POST`: send one delivery again (same event id, new request id).
    pub const WEBHOOK_REDELIVER: &str = "/api/stamp/v1/webhook/redeliver";
    /// `POST`: queue a signed test event for one endpoint.
    pub const WEBHOOK_TEST: &str = "/api/stamp/v1/webhook/test";
}

/// Longest webhook `url`, in bytes.
pub const URL_MAX_LEN: usize = 2000;
/// Most endpoints per account.
pub const MAX_WEBHOOKS_PER_ACCOUNT: usize = 20;
/// How long the previous secret keeps signing after a rotation, in seconds (24 hours).
pub const ROTATION_OVERLAP_SECS: i64 = 24 * 60 * 60;
/// How long a receiver has to answer an attempt, in seconds.
pub const ATTEMPT_TIMEOUT_SECS: u64 = 5;
/// The most bytes of a receiver's response body kept in the delivery log.
pub const RESPONSE_EXCERPT_MAX_BYTES: usize = 512;
/// Default items per page of the delivery log.
pub const DELIVERIES_DEFAULT_LIMIT: u32 = 50;
/// Most items per page of the delivery log.
pub const DELIVERIES_MAX_LIMIT: u32 = 200;
/// `payloadVersion` of every event body.
pub const EVENT_PAYLOAD_VERSION: &str = "v1";

/// How deliveries to an endpoint are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The hosted API's headers (`X-Vivoldi-Signature: t=<ts>,v1=<hex>,alg=hmac-sha256`).
    Vivoldi,
    /// Standard Webhooks (`webhook-signature: v1,<base64>`, a `whsec_` secret).
    Standard,
}

impl WebhookFormat {
    /// The wire name (`vivoldi`, `standard`), also stored in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Vivoldi => "vivoldi",
            WebhookFormat::Standard => "standard",
        }
    }

    /// The format for its wire name.
    pub fn parse(name: &str) -> Option<WebhookFormat> {
        [WebhookFormat::Vivoldi, WebhookFormat::Standard].into_iter().find(|f| f.as_str() == name)
    }
}

/// What happened: the `eventType` of an event body. Every change to a stamp is one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEventType {
    /// A stamp was issued (create, import, or the successor of an auto-renewing card).
    #[serde(rename = "stamp.created")]
    Created,
    /// One stamp was added (API, on-site or staff on the page).
    #[serde(rename = "stamp.added")]
    Added,
    /// One stamp was taken away.
    #[serde(rename = "stamp.removed")]
    Removed,
    /// The stamp was updated (count, dates, flags, customer fields, bulk (de)activation).
    #[serde(rename = "stamp.updated")]
    Updated,
    /// The reward was redeemed.
    #[serde(rename = "stamp.redeemed")]
    Redeemed,
    /// The stamp was deleted (the body carries its fields before deletion).
    #[serde(rename = "stamp.deleted")]
    Deleted,
    /// The shop reset the customer's PIN.
    #[serde(rename = "stamp.pin_reset")]
    PinReset,
    /// The customer set or changed their PIN on the stamp page.
    #[serde(rename = "stamp.pin_set")]
    PinSet,
    /// The stamp was redeemed on an auto-renewing card and its successor issued
    /// (`nextStampIdx` in the body's stamp).
    #[serde(rename = "stamp.renewed")]
    Renewed,
    /// A test event from `POST /api/stamp/v1/webhook/test` (never matched by `events`: it is
    /// sent to the one endpoint asked for).
    #[serde(rename = "webhook.test")]
    Test,
}

impl WebhookEventType {
    /// The event types an endpoint can subscribe to, in documentation order.
    pub const SUBSCRIBABLE: [WebhookEventType; 9] = [
        WebhookEventType::Created,
        WebhookEventType::Added,
        WebhookEventType::Removed,
        WebhookEventType::Updated,
        WebhookEventType::Redeemed,
        WebhookEventType::Deleted,
        WebhookEventType::PinReset,
        WebhookEventType::PinSet,
        WebhookEventType::Renewed,
    ];

    /// The wire name (`stamp.added`), also stored in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::Created => "stamp.created",
            WebhookEventType::Added => "stamp.added",
            WebhookEventType::Removed => "stamp.removed",
            WebhookEventType::Updated => "stamp.updated",
            WebhookEventType::Redeemed => "stamp.redeemed",
            WebhookEventType::Deleted => "stamp.deleted",
            WebhookEventType::PinReset => "stamp.pin_reset",
            WebhookEventType::PinSet => "stamp.pin_set",
            WebhookEventType::Renewed => "stamp.renewed",
            WebhookEventType::Test => "webhook.test",
        }
    }

    /// The event type for its wire name.
    pub fn parse(name: &str) -> Option<WebhookEventType> {
        Self::SUBSCRIBABLE.into_iter().chain([WebhookEventType::Test]).find(|t| t.as_str() == name)
    }

    /// The event a stamp history action is announced as.
    pub const fn for_action(action: HistoryAction) -> WebhookEventType {
        match action {
            HistoryAction::Create => WebhookEventType::Created,
            HistoryAction::Add => WebhookEventType::Added,
            HistoryAction::Remove => WebhookEventType::Removed,
            HistoryAction::Update => WebhookEventType::Updated,
            HistoryAction::Use => WebhookEventType::Redeemed,
            HistoryAction::PinReset => WebhookEventType::PinReset,
            HistoryAction::PinSet => WebhookEventType::PinSet,
            HistoryAction::Renew => WebhookEventType::Renewed,
        }
    }

    /// The `X-Vivoldi-Action-Type` header: `ADD`, `REMOVE`, `USE`, or `NONE` for any other
    /// change.
    pub const fn vivoldi_action_type(self) -> &'static str {
        match self {
            WebhookEventType::Added => "ADD",
            WebhookEventType::Removed => "REMOVE",
            WebhookEventType::Redeemed => "USE",
            _ => "NONE",
        }
    }
}

/// `POST /api/stamp/v1/webhook/create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookCreateRequest {
    /// Where to POST: an `https` URL whose host is not a loopback, private, link-local or
    /// metadata address (unless the server runs with `--webhook-allow-private`, which also
    /// allows `http`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub url: String,
    /// The event types to send (`stamp.added`, ...); absent or null: every event type,
    /// including types added later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = events_schema))]
    pub events: Option<Vec<String>>,
    /// Only events of this card's stamps; absent or null: every card.
    #[serde(default, deserialize_with = "crate::types::optional_integer", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub card_idx: Option<i64>,
    /// `vivoldi` (the default: the hosted API's headers) or `standard` (Standard Webhooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<WebhookFormat>))]
    pub format: Option<String>,
}

/// `PUT /api/stamp/v1/webhook/update`: absent fields are unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookUpdateRequest {
    /// The endpoint.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub webhook_idx: i64,
    /// A new URL (same rules as on create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub url: Option<String>,
    /// Only these event types from now on (not together with `allEvents`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = events_schema))]
    pub events: Option<Vec<String>>,
    /// `true`: every event type from now on (not together with `events`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_events: Option<bool>,
    /// `false`: nothing is sent (new events are not queued for it) until set back to `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// The body of rotate-secret and test: one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookIdxRequest {
    /// The endpoint.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub webhook_idx: i64,
}

/// `POST /api/stamp/v1/webhook/redeliver`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RedeliverRequest {
    /// The delivery (an item of the delivery log).
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub delivery_idx: i64,
}

/// An endpoint as the webhook endpoints return it (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    /// The endpoint.
    pub webhook_idx: i64,
    /// Where it POSTs.
    pub url: String,
    /// The event types it receives; null: every type.
    pub events: Option<Vec<WebhookEventType>>,
    /// Only this card's stamps; null: every card.
    pub card_idx: Option<i64>,
    /// How deliveries are signed.
    pub format: WebhookFormat,
    /// Whether new events are sent to it.
    pub enabled: bool,
    /// Until when the previous secret still signs too (after a rotation), if it does.
    pub previous_secret_until_ymdt: Option<Ymdt>,
    /// When it was added (UTC).
    pub reg_ymdt: Ymdt,
}

/// The result of create: the endpoint and its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookCreated {
    /// The endpoint.
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The signing secret (`whsec_<base64>` for both formats: the HMAC key is the decoded
    /// bytes for `standard`, the whole string's UTF-8 bytes for `vivoldi`; see
    /// `docs/webhooks.md`). Not shown again.
    pub secret: String,
}

/// The result of rotate-secret: the new secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookRotated {
    /// The endpoint, with `previousSecretUntilYmdt` set.
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The new signing secret. Not shown again.
    pub secret: String,
}

/// The `result` of `GET /api/stamp/v1/webhook/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookList {
    /// The account's endpoints, oldest first.
    pub items: Vec<WebhookView>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Not tried yet (or waiting for an earlier event of the same stamp).
    Pending,
    /// Tried and failed; tried again at `nextAttemptYmdt`.
    Retrying,
    /// A receiver answered 2xx.
    Delivered,
    /// Failed for longer than the retry schedule lasts (or the endpoint was deleted); only a
    /// redeliver sends it again.
    Dead,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [DeliveryStatus; 4] =
        [DeliveryStatus::Pending, DeliveryStatus::Retrying, DeliveryStatus::Delivered, DeliveryStatus::Dead];

    /// The wire name, also stored in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "PENDING",
            DeliveryStatus::Retrying => "RETRYING",
            DeliveryStatus::Delivered => "DELIVERED",
            DeliveryStatus::Dead => "DEAD",
        }
    }

    /// The status for its wire name.
    pub fn parse(name: &str) -> Option<DeliveryStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One attempt to deliver an event to an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    /// The attempt's request id (`X-Vivoldi-Request-Id`; new on every attempt).
    pub request_id: String,
    /// When it was sent (UTC).
    pub attempt_ymdt: Ymdt,
    /// The receiver's HTTP status; null when none came (timeout, refused connection, refused
    /// address).
    pub http_status: Option<u16>,
    /// From sending to the end of the response (or the failure), in milliseconds.
    pub duration_ms: u64,
    /// The first bytes of the response body (at most 512, lossily decoded as UTF-8).
    pub response_excerpt: String,
    /// Why it failed without a status (`timeout`, `connect: ...`, `address not allowed`).
    pub error: Option<String>,
}

/// One item of the delivery log: one event to one endpoint, with its attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// The delivery.
    pub delivery_idx: i64,
    /// The endpoint.
    pub webhook_idx: i64,
    /// The event (the same across attempts and redeliveries).
    pub event_id: String,
    /// What happened.
    pub event_type: WebhookEventType,
    /// The stamp; null for a test event.
    pub stamp_idx: Option<i64>,
    /// The event's number among the stamp's events (1, 2, 3...); null for a test event.
    pub sequence: Option<i64>,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// When the next attempt is due (`PENDING`, `RETRYING`).
    pub next_attempt_ymdt: Option<Ymdt>,
    /// The attempts, oldest first (the newest 50 are kept).
    pub attempts: Vec<DeliveryAttempt>,
    /// When the event happened (UTC).
    pub reg_ymdt: Ymdt,
}

/// `GET /api/stamp/v1/webhook/deliveries`'s query parameters (all optional), as the dashboard
/// sends them; the server reads them with [`DeliveriesQuery::from_pairs`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveriesQuery {
    /// Only this endpoint's deliveries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_idx: Option<i64>,
    /// Only deliveries in this status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<DeliveryStatus>,
    /// The previous page's `nextCursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl DeliveriesQuery {
    /// Reads and checks the query's `name=value` pairs: each parameter at most once, ids in
    /// range, a known status, a limit in range. The cursor's meaning is the server's.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<DeliveriesQuery, ApiError> {
        let mut query = DeliveriesQuery::default();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in pairs {
            if seen.contains(&key.as_str()) {
                return Err(ApiError::new(
                    ErrorCode::WrongType,
                    format!("the query parameter {key} must be given once"),
                ));
            }
            seen.push(key);
            match key.as_str() {
                "webhookIdx" => {
                    let number = value.parse::<i64>().map_err(|_| {
                        ApiError::new(ErrorCode::WrongType, format!("webhookIdx must be an integer, got {value:?}"))
                    })?;
                    query.webhook_idx = Some(idx("webhookIdx", number).map_err(|e| ApiError::new(e.code, e.message))?);
                }
                "status" => {
                    query.status = Some(DeliveryStatus::parse(value).ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::InvalidDeliveryStatus,
                            format!("status must be one of PENDING, RETRYING, DELIVERED, DEAD, got {value:?}"),
                        )
                    })?);
                }
                "cursor" => query.cursor = Some(value.clone()),
                "limit" => {
                    let limit = value.parse::<u32>().ok().filter(|l| (1..=DELIVERIES_MAX_LIMIT).contains(l));
                    query.limit = Some(limit.ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::OutOfRange,
                            format!("limit must be an integer from 1 to {DELIVERIES_MAX_LIMIT}, got {value:?}"),
                        )
                    })?);
                }
                // Unknown parameters are ignored, as the other reads do.
                _ => {}
            }
        }
        Ok(query)
    }
}

/// The `result` of `GET /api/stamp/v1/webhook/deliveries`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPage {
    /// The page's deliveries, newest first.
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page; `null` when there is none.
    pub next_cursor: Option<String>,
}

/// The JSON body POSTed to an endpoint: one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// The event's id: the same across retries and redeliveries (de-duplicate on it); also
    /// `X-Vivoldi-Event-Id` and `webhook-id`.
    pub event_id: String,
    /// What happened.
    pub event_type: WebhookEventType,
    /// The account (`X-Vivoldi-Comp-Idx`).
    pub comp_idx: i64,
    /// The stamp; null for a test event.
    pub stamp_idx: Option<i64>,
    /// The event's number among the stamp's events: 1 for its creation, then 2, 3...; null
    /// for a test event. A receiver that sees a gap has not yet got an earlier event.
    pub sequence: Option<i64>,
    /// The stamp history's action (`ADD`, `USE`, ...); null for `stamp.deleted` and test
    /// events.
    pub action: Option<HistoryAction>,
    /// Who made the change; null for a test event.
    pub actor: Option<HistoryActor>,
    /// The API key, when `actor` is `API_KEY` (or `STAFF` through the redeem API).
    pub api_key_idx: Option<i64>,
    /// The staff member, when `actor` is `STAFF`.
    pub staff_idx: Option<i64>,
    /// The dashboard login, when `actor` is `USER`.
    pub user_idx: Option<i64>,
    /// The count before the change.
    pub stamps_before: Option<u32>,
    /// The count after the change.
    pub stamps_after: Option<u32>,
    /// When the change was committed (UTC).
    pub occurred_ymdt: Ymdt,
    /// The stamp's fields after the change (before it, for `stamp.deleted`); null for a test
    /// event.
    pub stamp: Option<WebhookStamp>,
    /// `v1`.
    pub payload_version: String,
}

/// A stamp as an event body carries it: the fields `get` answers that describe its state,
/// as they were when the change committed. Never a secret: no PIN or password (hash), no page
/// token, so no `stampUrl` (ask `GET /api/stamp/v1/get` for it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookStamp {
    /// The stamp.
    pub stamp_idx: i64,
    /// Its card.
    pub card_idx: i64,
    /// The card's name.
    pub card_nm: String,
    /// The card's title (reward text).
    pub card_ttl: String,
    /// Stamps collected.
    pub stamps: u32,
    /// Stamps needed for the reward.
    pub max_stamps: u32,
    /// First valid day.
    pub strt_ymd: Ymd,
    /// Last valid day.
    pub end_ymd: Ymd,
    /// Whether the card takes the on-site password.
    pub onsite_yn: YesNo,
    /// The shop's memo.
    pub memo: String,
    /// Whether the stamp is active.
    pub active_yn: YesNo,
    /// The shop's customer id.
    pub user_id: String,
    /// Customer name.
    pub user_nm: String,
    /// Customer phone.
    pub user_phnno: String,
    /// Customer e-mail.
    pub user_eml: String,
    /// Free field 1.
    pub user_etc1: String,
    /// Free field 2.
    pub user_etc2: String,
    /// The custom stamp domain, if the stamp has one.
    pub domain: Option<String>,
    /// When the stamp was issued (UTC).
    pub reg_ymdt: Ymdt,
    /// Its status on the day of the change (UTC).
    pub status: StampStatus,
    /// The day the reward was redeemed, if it was.
    pub redeemed_ymd: Option<Ymd>,
    /// The customer's PIN state.
    pub pin_state: PinState,
    /// The stamp issued when this one was redeemed on an auto-renewing card, if any.
    pub next_stamp_idx: Option<i64>,
}

/// The OpenAPI schema of a request's `events`: 1 or more of the subscribable types, or null.
#[cfg(feature = "openapi")]
fn events_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let names = WebhookEventType::SUBSCRIBABLE.map(WebhookEventType::as_str);
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)))
        .min_items(Some(1))
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .description(Some("Event types (absent or null: every type, including later ones)."))
        .build()
}

/// A checked create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// `url`.
    pub url: String,
    /// `events`, distinct and sorted; `None`: every type.
    pub events: Option<Vec<WebhookEventType>>,
    /// `cardIdx`.
    pub card_idx: Option<i64>,
    /// `format`.
    pub format: WebhookFormat,
}

/// A checked update: `None` means unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookPatch {
    /// `url`.
    pub url: Option<String>,
    /// `Some(None)`: every type; `Some(Some(list))`: these.
    pub events: Option<Option<Vec<WebhookEventType>>>,
    /// `enabled`.
    pub enabled: Option<bool>,
}

/// Why a webhook URL is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlRefusal {
    /// Not a URL of the accepted form (`INVALID_WEBHOOK_URL`).
    Invalid(String),
    /// An address or `localhost`, without `--webhook-allow-private`
    /// (`WEBHOOK_ADDRESS_NOT_ALLOWED`).
    NotAllowed(String),
}

/// Checks a webhook URL: `https://` (or `http://` when `allow_private`), a host, an optional
/// port from 1 to 65535 (at most 5 digits), then printable ASCII only, at most
/// [`URL_MAX_LEN`] bytes. The host is a name of dot-separated labels (letters, digits, inner
/// dashes, at most 63 each, none starting with `xn--`) whose last label starts with a letter
/// (so it is no address) and which has at least two labels and does not end in `localhost`;
/// with `allow_private` also one label, `localhost`, an IPv4 address or a bracketed IPv6
/// address. The OpenAPI document states the same as a pattern; the server resolves names and
/// checks every address before each attempt.
pub fn check_url(url: &str, allow_private: bool) -> Result<(), UrlRefusal> {
    let invalid = |why: &str| Err(UrlRefusal::Invalid(format!("url {why}")));
    if url.is_empty() {
        return invalid("must not be empty");
    }
    if url.len() > URL_MAX_LEN {
        return invalid(&format!("must be at most {URL_MAX_LEN} bytes"));
    }
    let rest = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => rest,
        (None, Some(_)) if !allow_private => return invalid("must be an https URL"),
        (None, Some(rest)) => rest,
        _ => return invalid("must be an absolute https URL"),
    };
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    if authority.contains('@') {
        // The server signs its deliveries; a password in the URL would be stored and shown.
        return invalid("must not contain a user name or password (the signature authenticates us)");
    }
    if !tail.bytes().all(|b| b.is_ascii_graphic()) {
        return invalid("may only contain printable ASCII after the host (percent-encode the rest)");
    }
    // `[v6]`, `[v6]:port`, `host`, `host:port`.
    let (host, port, bracketed) = if let Some(v6) = authority.strip_prefix('[') {
        let Some((address, after)) = v6.split_once(']') else { return invalid("has an unclosed [ in its host") };
        match after {
            "" => (address, None, true),
            _ => match after.strip_prefix(':') {
                Some(port) => (address, Some(port), true),
                None => return invalid("has text after its ] that is not a port"),
            },
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port), false),
            None => (authority, None, false),
        }
    };
    if let Some(port) = port {
        let digits = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
        if !digits || !(1..=65535).contains(&port.parse::<u32>().unwrap_or(0)) {
            return invalid("must have a port from 1 to 65535");
        }
    }
    if bracketed || host.parse::<std::net::Ipv4Addr>().is_ok() {
        let address = if bracketed { host.parse::<std::net::Ipv6Addr>().is_ok() } else { true };
        if !address {
            return invalid("has a malformed IPv6 address");
        }
        if !allow_private {
            return Err(UrlRefusal::NotAllowed(
                "url must name its host, not an IP address (the operator can allow private addresses with --webhook-allow-private)".to_owned(),
            ));
        }
        return Ok(());
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |label: &&str| {
        let bytes = label.as_bytes();
        (1..=63).contains(&bytes.len())
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
            && !(bytes.len() >= 4 && bytes[..4].eq_ignore_ascii_case(b"xn--"))
    };
    if host.is_empty() || !labels.iter().all(label_ok) {
        return invalid("must name a host of letters, digits, dashes and dots");
    }
    let top = labels[labels.len() - 1];
    if !top.as_bytes()[0].is_ascii_alphabetic() {
        return invalid("must name a host whose last label starts with a letter");
    }
    if !allow_private && (labels.len() < 2 || top.eq_ignore_ascii_case("localhost")) {
        return Err(UrlRefusal::NotAllowed(
            "url must name a public host (a dotted name, not localhost; the operator can allow private hosts with --webhook-allow-private)".to_owned(),
        ));
    }
    Ok(())
}

fn push(errors: &mut FieldErrors, field: &'static str, code: ErrorCode, message: impl Into<String>) {
    errors.0.push(FieldError { field, code, message: message.into() });
}

fn url_field(errors: &mut FieldErrors, url: &str, allow_private: bool) -> String {
    match check_url(url, allow_private) {
        Ok(()) => {}
        Err(UrlRefusal::Invalid(why)) => push(errors, "url", ErrorCode::InvalidWebhookUrl, why),
        Err(UrlRefusal::NotAllowed(why)) => push(errors, "url", ErrorCode::WebhookAddressNotAllowed, why),
    }
    url.to_owned()
}

fn events_field(errors: &mut FieldErrors, events: &[String]) -> Vec<WebhookEventType> {
    if events.is_empty() {
        push(
            errors,
            "events",
            ErrorCode::InvalidWebhookEvents,
            "events must list at least one event type (leave it out for every type; disable an endpoint with enabled false)",
        );
        return Vec::new();
    }
    let mut types = Vec::new();
    for name in events {
        match WebhookEventType::parse(name) {
            Some(WebhookEventType::Test) | None => {
                let known = WebhookEventType::SUBSCRIBABLE.map(WebhookEventType::as_str).join(", ");
                push(
                    errors,
                    "events",
                    ErrorCode::InvalidWebhookEvents,
                    format!("events: unknown event type {name:?}; the types are {known}"),
                );
                return Vec::new();
            }
            Some(kind) => types.push(kind),
        }
    }
    types.sort_unstable();
    types.dedup();
    types
}

fn into_result<T>(errors: FieldErrors, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
    if errors.0.is_empty() { Ok(value()) } else { Err(errors) }
}

impl WebhookCreateRequest {
    /// Checks a create request's fields (`allow_private`: the server's
    /// `--webhook-allow-private`).
    pub fn check(&self, allow_private: bool) -> Result<NewWebhook, FieldErrors> {
        let mut errors = FieldErrors::default();
        let url = url_field(&mut errors, &self.url, allow_private);
        let events = self.events.as_deref().map(|events| events_field(&mut errors, events));
        if let Some(card_idx) = self.card_idx
            && let Err(e) = idx("cardIdx", card_idx)
        {
            errors.0.push(e);
        }
        let format = match self.format.as_deref() {
            None => WebhookFormat::Vivoldi,
            Some(name) => WebhookFormat::parse(name).unwrap_or_else(|| {
                push(
                    &mut errors,
                    "format",
                    ErrorCode::InvalidWebhookFormat,
                    format!("format must be vivoldi or standard, got {name:?}"),
                );
                WebhookFormat::Vivoldi
            }),
        };
        into_result(errors, || NewWebhook { url, events, card_idx: self.card_idx, format })
    }
}

impl WebhookUpdateRequest {
    /// Checks an update's fields (whether the endpoint is the account's is for the write to
    /// find out).
    pub fn check(&self, allow_private: bool) -> Result<WebhookPatch, FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Err(e) = idx("webhookIdx", self.webhook_idx) {
            errors.0.push(e);
        }
        let url = self.url.as_deref().map(|url| url_field(&mut errors, url, allow_private));
        let events = match (&self.events, self.all_events.unwrap_or(false)) {
            (Some(_), true) => {
                push(
                    &mut errors,
                    "events",
                    ErrorCode::InvalidWebhookEvents,
                    "send either events or allEvents true, not both",
                );
                None
            }
            (Some(events), false) => Some(Some(events_field(&mut errors, events))),
            (None, true) => Some(None),
            (None, false) => None,
        };
        into_result(errors, || WebhookPatch { url, events, enabled: self.enabled })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_https_with_a_public_host_name() {
        let ok = |url: &str, private: bool| check_url(url, private).is_ok();
        assert!(ok("https://shop.example/hooks?x=1", false));
        assert!(ok("https://a-b.shop.example:8443/h#x", false));
        assert!(!ok("http://shop.example/hooks", false));
        assert!(ok("http://127.0.0.1:9000/hooks", true));
        assert!(ok("https://[2001:db8::1]:8443/h", true));
        assert!(ok("http://localhost:9000/h", true));
        for not_allowed in [
            "https://127.0.0.1/h",
            "https://[::1]/h",
            "https://localhost/h",
            "https://a.LOCALHOST/",
            "https://intranet/h",
        ] {
            assert!(matches!(check_url(not_allowed, false), Err(UrlRefusal::NotAllowed(_))), "{not_allowed}");
        }
        for bad in [
            "",
            "shop.example/hooks",
            "ftp://shop.example",
            "HTTPS://shop.example",
            "https://",
            "https:///x",
            "https://a b.example",
            "https://u:p@shop.example/",
            "https://a_b.example",
            "https://xn--tda.example",
            "https://shop.123",
            "https://shop.example:0",
            "https://shop.example:65536",
            "https://shop.example:000080",
            "https://shop.example/ü",
            " https://shop.example",
            "https://[::1",
            "https://-a.example",
            "https://a..example",
        ] {
            assert!(matches!(check_url(bad, true), Err(UrlRefusal::Invalid(_))), "{bad}");
        }
        assert!(!ok(&format!("https://shop.example/{}", "a".repeat(URL_MAX_LEN)), false));
    }

    #[test]
    fn checks_every_field() {
        let create = |url: &str, events: Option<Vec<&str>>, format: Option<&str>| WebhookCreateRequest {
            url: url.to_owned(),
            events: events.map(|e| e.into_iter().map(str::to_owned).collect()),
            card_idx: None,
            format: format.map(str::to_owned),
        };
        let code = |request: WebhookCreateRequest| request.check(false).expect_err("refused").0[0].code;
        assert_eq!(code(create("http://shop.example", None, None)), ErrorCode::InvalidWebhookUrl);
        assert_eq!(code(create("https://shop.example", Some(vec![]), None)), ErrorCode::InvalidWebhookEvents);
        assert_eq!(
            code(create("https://shop.example", Some(vec!["stamp.nope"]), None)),
            ErrorCode::InvalidWebhookEvents
        );
        assert_eq!(
            code(create("https://shop.example", Some(vec!["webhook.test"]), None)),
            ErrorCode::InvalidWebhookEvents
        );
        assert_eq!(code(create("https://shop.example", None, Some("json"))), ErrorCode::InvalidWebhookFormat);
        let bad_card = WebhookCreateRequest { card_idx: Some(0), ..create("https://shop.example", None, None) };
        assert_eq!(code(bad_card), ErrorCode::OutOfRange);
        let ok = create("https://shop.example/h", Some(vec!["stamp.used", "stamp.added"]), None).check(false);
        assert_eq!(ok.expect_err("stamp.used is not a type").0[0].code, ErrorCode::InvalidWebhookEvents);
        assert_eq!(code(create("https://127.0.0.1/h", None, None)), ErrorCode::WebhookAddressNotAllowed);
        let ok = create("https://shop.example/h", Some(vec!["stamp.redeemed", "stamp.added", "stamp.added"]), None)
            .check(false)
            .expect("valid");
        assert_eq!(ok.url, "https://shop.example/h");
        assert_eq!(ok.events, Some(vec![WebhookEventType::Added, WebhookEventType::Redeemed]));
        assert_eq!(ok.format, WebhookFormat::Vivoldi);

        let both = WebhookUpdateRequest {
            webhook_idx: 1,
            events: Some(vec!["stamp.added".to_owned()]),
            all_events: Some(true),
            ..WebhookUpdateRequest::default()
        };
        assert_eq!(both.check(false).expect_err("refused").0[0].code, ErrorCode::InvalidWebhookEvents);
        let all = WebhookUpdateRequest { webhook_idx: 1, all_events: Some(true), ..WebhookUpdateRequest::default() };
        assert_eq!(all.check(false).expect("valid").events, Some(None));
        let bad_idx = WebhookUpdateRequest { webhook_idx: 0, ..WebhookUpdateRequest::default() };
        assert_eq!(bad_idx.check(false).expect_err("refused").0[0].code, ErrorCode::OutOfRange);
    }

    #[test]
    fn deliveries_query_reads_each_parameter() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        let query = DeliveriesQuery::from_pairs(&pairs(&[("webhookIdx", "3"), ("status", "DEAD"), ("limit", "10")]))
            .expect("valid");
        assert_eq!(query.webhook_idx, Some(3));
        assert_eq!(query.status, Some(DeliveryStatus::Dead));
        assert_eq!(query.limit, Some(10));
        let code = |list: &[(&str, &str)]| DeliveriesQuery::from_pairs(&pairs(list)).expect_err("refused").code;
        assert_eq!(code(&[("status", "dead")]), ErrorCode::InvalidDeliveryStatus);
        assert_eq!(code(&[("webhookIdx", "0")]), ErrorCode::OutOfRange);
        assert_eq!(code(&[("webhookIdx", "x")]), ErrorCode::WrongType);
        assert_eq!(code(&[("limit", "201")]), ErrorCode::OutOfRange);
        assert_eq!(code(&[("status", "DEAD"), ("status", "PENDING")]), ErrorCode::WrongType);
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        for kind in WebhookEventType::SUBSCRIBABLE.into_iter().chain([WebhookEventType::Test]) {
            assert_eq!(WebhookEventType::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).expect("json"), kind.as_str());
        }
        for status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).expect("json"), status.as_str());
        }
        for format in [WebhookFormat::Vivoldi, WebhookFormat::Standard] {
            assert_eq!(serde_json::to_value(format).expect("json"), format.as_str());
        }
        assert_eq!(WebhookEventType::Redeemed.vivoldi_action_type(), "USE");
        assert_eq!(WebhookEventType::PinReset.vivoldi_action_type(), "NONE");
    }
}
