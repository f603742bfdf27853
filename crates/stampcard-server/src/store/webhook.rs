//! Webhooks' rows and statements (issue 13): endpoints, the outbox of events written in each
//! change's transaction, deliveries with their claims, and attempts. The transaction and store
//! methods that run them are in [`sql`](super::sql) with every other query; what is built here
//! needs no connection.

use chrono::NaiveDate;
use rand::Rng as _;
use stampcard_core::find::status;
use stampcard_core::types::{YesNo, Ymd};
use stampcard_core::webhook::{
    DeliveryStatus, EVENT_PAYLOAD_VERSION, WebhookEvent, WebhookEventType, WebhookFormat, WebhookStamp,
};

use super::StoreError;
use super::find::FoundStamp;
use super::records::NewEvent;
use super::sql::Statement;
use crate::clock::ymdt;

/// An endpoint row (with its secrets: never sent to a client).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookRecord {
    /// `webhookIdx`.
    pub webhook_idx: i64,
    /// The account.
    pub account_idx: i64,
    /// Where it POSTs.
    pub url: String,
    /// Comma-separated event type names; `None`: every type.
    pub events: Option<String>,
    /// Only this card's stamps.
    pub card_idx: Option<i64>,
    /// `vivoldi` or `standard`.
    pub format: String,
    /// Whether new events are queued for it.
    pub enabled: bool,
    /// The signing secret (`whsec_...`).
    pub secret: String,
    /// The secret before the last rotation, signing too until `previous_secret_until`.
    pub previous_secret: Option<String>,
    /// Unix ms.
    pub previous_secret_until: Option<i64>,
    /// Unix ms.
    pub created_at: i64,
}

impl WebhookRecord {
    /// The event types it receives; `None`: every type.
    pub fn event_types(&self) -> Option<Vec<WebhookEventType>> {
        self.events.as_deref().map(|names| names.split(',').filter_map(WebhookEventType::parse).collect())
    }

    /// Whether it receives this event type.
    pub fn wants(&self, kind: WebhookEventType) -> bool {
        self.events.as_deref().is_none_or(|names| names.split(',').any(|name| name == kind.as_str()))
    }

    /// The signing format (a stored name the code does not know reads as the default).
    pub fn format(&self) -> WebhookFormat {
        WebhookFormat::parse(&self.format).unwrap_or(WebhookFormat::Vivoldi)
    }
}

/// The stored form of an event type list.
pub fn events_column(events: Option<&[WebhookEventType]>) -> Option<String> {
    events.map(|types| types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","))
}

/// An endpoint that an event matched, as the outbox reads it.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct MatchRow {
    pub(crate) webhook_idx: i64,
    pub(crate) events: Option<String>,
}

/// One count as a `BIGINT` (`COUNT(*)` on PostgreSQL).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct BigCount {
    pub(crate) n: i64,
}

/// A delivery row of the log, with its event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRecord {
    /// The delivery.
    pub delivery_idx: i64,
    /// The endpoint.
    pub webhook_idx: i64,
    /// `eventId`.
    pub event_id: String,
    /// The event type's name.
    pub event_type: String,
    /// The stamp.
    pub stamp_idx: Option<i64>,
    /// The per-stamp sequence.
    pub sequence: Option<i64>,
    /// `PENDING`, `RETRYING`, `DELIVERED`, `DEAD`.
    pub status: String,
    /// Unix ms.
    pub next_attempt_at: Option<i64>,
    /// Unix ms of the event.
    pub created_at: i64,
}

impl DeliveryRecord {
    /// The status (an unknown stored name reads as `DEAD`, which sends nothing).
    pub fn status(&self) -> DeliveryStatus {
        DeliveryStatus::parse(&self.status).unwrap_or(DeliveryStatus::Dead)
    }
}

/// One attempt row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_idx: i64,
    /// `X-Vivoldi-Request-Id` of the attempt.
    pub request_id: String,
    /// Unix ms.
    pub attempted_at: i64,
    /// The receiver's status, if one came.
    pub http_status: Option<i32>,
    /// Milliseconds.
    pub duration_ms: i64,
    /// The first bytes of the response body.
    pub response_excerpt: String,
    /// Why it failed without a status.
    pub error: Option<String>,
}

/// A claimed delivery with everything an attempt needs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedDelivery {
    /// The delivery.
    pub delivery_idx: i64,
    /// The endpoint.
    pub webhook_idx: i64,
    /// The account.
    pub account_idx: i64,
    /// `eventId`.
    pub event_id: String,
    /// The event type's name.
    pub event_type: String,
    /// The JSON body, as stored.
    pub body: String,
    /// Where to POST.
    pub url: String,
    /// `vivoldi` or `standard`.
    pub format: String,
    /// The signing secret.
    pub secret: String,
    /// The previous secret, while it still signs.
    pub previous_secret: Option<String>,
    /// Unix ms.
    pub previous_secret_until: Option<i64>,
    /// When the retry window started (unix ms).
    pub window_start: i64,
    /// Attempts so far.
    #[sqlx(try_from = "i32")]
    pub attempt_count: u32,
}

/// What an attempt came to, as the worker writes it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The attempt, for the log.
    pub attempt: AttemptRecord,
    /// The delivery's new status.
    pub status: DeliveryStatus,
    /// When to try again (`RETRYING`).
    pub next_attempt_at: Option<i64>,
}

/// Attempts kept per delivery (the newest).
pub const ATTEMPTS_KEPT: i64 = 50;

/// A new event id: `evt_` and 26 random base-32 characters (130 bits).
pub fn new_event_id() -> String {
    random_id("evt_")
}

/// A new request id for one attempt: `req_` and 26 random base-32 characters.
pub fn new_request_id() -> String {
    random_id("req_")
}

fn random_id(prefix: &str) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut rng = rand::thread_rng();
    let tail: String = (0..26).map(|_| char::from(ALPHABET[rng.gen_range(0..32)])).collect();
    format!("{prefix}{tail}")
}

/// The stamp as an event body carries it, on the day of the change.
pub fn stamp_snapshot(found: &FoundStamp, day: NaiveDate) -> WebhookStamp {
    let (stamp, card) = (&found.stamp, &found.card);
    WebhookStamp {
        stamp_idx: stamp.stamp_idx,
        card_idx: card.card_idx,
        card_nm: card.name.clone(),
        card_ttl: card.title.clone(),
        stamps: stamp.stamps,
        max_stamps: card.max_stamps,
        strt_ymd: Ymd(stamp.start),
        end_ymd: Ymd(stamp.end),
        onsite_yn: YesNo::from(card.onsite_required),
        memo: stamp.memo.clone(),
        active_yn: YesNo::from(stamp.active),
        user_id: stamp.user_id.clone(),
        user_nm: stamp.user_nm.clone(),
        user_phnno: stamp.user_phnno.clone(),
        user_eml: stamp.user_eml.clone(),
        user_etc1: stamp.user_etc1.clone(),
        user_etc2: stamp.user_etc2.clone(),
        domain: stamp.domain.clone(),
        reg_ymdt: ymdt(stamp.created_at),
        status: status(&card.model(), &stamp.model(), day),
        redeemed_ymd: stamp.redeemed_on.map(Ymd),
        pin_state: stamp.pin_state,
        next_stamp_idx: stamp.next_stamp_idx,
    }
}

/// A stamp event's JSON body.
pub fn stamp_event_body(
    event_id: &str,
    kind: WebhookEventType,
    change: &NewEvent,
    sequence: i64,
    found: &FoundStamp,
) -> Result<String, StoreError> {
    let occurred = ymdt(change.at);
    let event = WebhookEvent {
        event_id: event_id.to_owned(),
        event_type: kind,
        comp_idx: found.stamp.account_idx,
        stamp_idx: Some(found.stamp.stamp_idx),
        sequence: Some(sequence),
        action: (kind != WebhookEventType::Deleted).then_some(change.action),
        actor: Some(change.actor),
        api_key_idx: change.api_key_idx,
        staff_idx: change.staff_idx,
        user_idx: change.user_idx,
        stamps_before: Some(change.stamps_before),
        stamps_after: Some(change.stamps_after),
        occurred_ymdt: occurred,
        stamp: Some(stamp_snapshot(found, occurred.0.date())),
        payload_version: EVENT_PAYLOAD_VERSION.to_owned(),
    };
    serde_json::to_string(&event).map_err(|e| StoreError::internal(format!("an event body did not serialise: {e}")))
}

/// A test event's JSON body.
pub fn test_event_body(event_id: &str, account_idx: i64, at_ms: i64) -> Result<String, StoreError> {
    let event = WebhookEvent {
        event_id: event_id.to_owned(),
        event_type: WebhookEventType::Test,
        comp_idx: account_idx,
        stamp_idx: None,
        sequence: None,
        action: None,
        actor: None,
        api_key_idx: None,
        staff_idx: None,
        user_idx: None,
        stamps_before: None,
        stamps_after: None,
        occurred_ymdt: ymdt(at_ms),
        stamp: None,
        payload_version: EVENT_PAYLOAD_VERSION.to_owned(),
    };
    serde_json::to_string(&event).map_err(|e| StoreError::internal(format!("an event body did not serialise: {e}")))
}

/// The enabled endpoints of the stamp's account that take its card.
pub(crate) fn matching(stamp_idx: i64) -> Statement {
    Statement::new(
        "SELECT w.webhook_idx, w.events FROM webhooks w JOIN stamps s ON s.account_idx = w.account_idx \
         WHERE s.stamp_idx = $1 AND w.enabled = $2 AND (w.card_idx IS NULL OR w.card_idx = s.card_idx) \
         ORDER BY w.webhook_idx",
    )
    .bind(stamp_idx)
    .bind(true)
}

/// The changed stamp with its card, as the event body shows it (its newest `ADD` is not
/// part of the body).
pub(crate) fn changed_stamp(card_fields: &str, stamp_idx: i64) -> Statement {
    Statement::new(format!(
        "SELECT s.*, {card_fields}, CAST(NULL AS BIGINT) AS last_add_at FROM stamps s \
         JOIN cards c ON c.card_idx = s.card_idx WHERE s.stamp_idx = $1"
    ))
    .bind(stamp_idx)
}

/// The stamp's number of history events (its changes so far, this one included).
pub(crate) fn history_count(stamp_idx: i64) -> Statement {
    Statement::new("SELECT COUNT(*) AS n FROM stamp_events WHERE stamp_idx = $1").bind(stamp_idx)
}

/// Inserts an event; returns `event_idx`.
pub(crate) fn insert_event(
    event_id: &str,
    account_idx: i64,
    stamp_idx: Option<i64>,
    sequence: Option<i64>,
    kind: WebhookEventType,
    body: String,
    at: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO webhook_events (event_id, account_idx, stamp_idx, sequence, event_type, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING event_idx AS id",
    )
    .bind(event_id)
    .bind(account_idx)
    .bind(stamp_idx)
    .bind(sequence)
    .bind(kind.as_str())
    .bind(body)
    .bind(at)
}

/// Inserts a due delivery of an event to an endpoint; returns `delivery_idx`.
pub(crate) fn insert_delivery(
    webhook_idx: i64,
    event_idx: i64,
    account_idx: i64,
    stamp_idx: Option<i64>,
    at: i64,
) -> Statement {
    Statement::new(
        "INSERT INTO webhook_deliveries (webhook_idx, event_idx, account_idx, stamp_idx, status, attempt_count, \
         next_attempt_at, window_start, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6, $6) \
         RETURNING delivery_idx AS id",
    )
    .bind(webhook_idx)
    .bind(event_idx)
    .bind(account_idx)
    .bind(stamp_idx)
    .bind(DeliveryStatus::Pending.as_str())
    .bind(at)
}

/// The endpoint columns a write sets.
pub(crate) fn webhook_columns(webhook: &WebhookRecord) -> Vec<(&'static str, super::sql::Param)> {
    vec![
        ("url", webhook.url.clone().into()),
        ("events", webhook.events.clone().into()),
        ("card_idx", webhook.card_idx.into()),
        ("format", webhook.format.clone().into()),
        ("enabled", webhook.enabled.into()),
        ("secret", webhook.secret.clone().into()),
        ("previous_secret", webhook.previous_secret.clone().into()),
        ("previous_secret_until", webhook.previous_secret_until.into()),
    ]
}

/// The endpoint columns every read selects.
pub(crate) const WEBHOOK_SELECT: &str = "SELECT webhook_idx, account_idx, url, events, card_idx, format, enabled, \
     secret, previous_secret, previous_secret_until, created_at FROM webhooks";

/// A delivery of the account with its event, as the log shows it.
pub(crate) const DELIVERY_SELECT: &str = "SELECT d.delivery_idx, d.webhook_idx, e.event_id, e.event_type, \
     d.stamp_idx, e.sequence, d.status, d.next_attempt_at, e.created_at \
     FROM webhook_deliveries d JOIN webhook_events e ON e.event_idx = d.event_idx";

/// Marks up to `limit` due deliveries as claimed by `token` until `lease_until`: pending or
/// retrying, due, not claimed by a live lease, and with no earlier unfinished delivery of the
/// same stamp to the same endpoint (per-stamp order). `skip_locked` is the dialect's
/// `FOR UPDATE SKIP LOCKED` (empty on SQLite, whose one writer claims alone); the outer lease
/// check repeats the inner one, so a row another server claimed meanwhile is never taken.
pub(crate) fn claim(token: &str, now_ms: i64, lease_until: i64, limit: i64, skip_locked: &str) -> Statement {
    Statement::new(format!(
        "UPDATE webhook_deliveries SET claim_token = $1, claimed_until = $2 \
         WHERE (claimed_until IS NULL OR claimed_until < $3) AND delivery_idx IN ( \
           SELECT d.delivery_idx FROM webhook_deliveries d \
           WHERE d.status IN ('PENDING', 'RETRYING') AND d.next_attempt_at <= $3 \
             AND (d.claimed_until IS NULL OR d.claimed_until < $3) \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.webhook_idx = d.webhook_idx \
               AND p.stamp_idx = d.stamp_idx AND p.delivery_idx < d.delivery_idx \
               AND p.status IN ('PENDING', 'RETRYING')) \
           ORDER BY d.next_attempt_at, d.delivery_idx LIMIT $4 {skip_locked})"
    ))
    .bind(token)
    .bind(lease_until)
    .bind(now_ms)
    .bind(limit)
}

/// The deliveries claimed by `token`, with what an attempt needs.
pub(crate) fn claimed(token: &str) -> Statement {
    Statement::new(
        "SELECT d.delivery_idx, d.webhook_idx, d.account_idx, e.event_id, e.event_type, e.body, w.url, w.format, \
         w.secret, w.previous_secret, w.previous_secret_until, d.window_start, d.attempt_count \
         FROM webhook_deliveries d JOIN webhook_events e ON e.event_idx = d.event_idx \
         JOIN webhooks w ON w.webhook_idx = d.webhook_idx WHERE d.claim_token = $1 ORDER BY d.delivery_idx",
    )
    .bind(token)
}

/// Writes an attempt's outcome, only if the claim is still the worker's (a redeliver or a
/// lease taken over in between leaves the status to the newer owner).
pub(crate) fn finish(delivery_idx: i64, token: &str, outcome: &AttemptOutcome) -> Statement {
    Statement::new(
        "UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, attempt_count = attempt_count + 1, \
         claim_token = NULL, claimed_until = NULL WHERE delivery_idx = $3 AND claim_token = $4",
    )
    .bind(outcome.status.as_str())
    .bind(outcome.next_attempt_at)
    .bind(delivery_idx)
    .bind(token)
}

/// Logs an attempt.
pub(crate) fn insert_attempt(attempt: &AttemptRecord) -> Statement {
    Statement::new(
        "INSERT INTO webhook_attempts (delivery_idx, request_id, attempted_at, http_status, duration_ms, \
         response_excerpt, error) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(attempt.delivery_idx)
    .bind(attempt.request_id.as_str())
    .bind(attempt.attempted_at)
    .bind(attempt.http_status.map(i64::from))
    .bind(attempt.duration_ms)
    .bind(attempt.response_excerpt.as_str())
    .bind(attempt.error.clone())
}

/// Keeps the newest [`ATTEMPTS_KEPT`] attempts of a delivery.
pub(crate) fn trim_attempts(delivery_idx: i64) -> Statement {
    Statement::new(
        "DELETE FROM webhook_attempts WHERE delivery_idx = $1 AND attempt_idx NOT IN ( \
         SELECT attempt_idx FROM webhook_attempts WHERE delivery_idx = $1 ORDER BY attempt_idx DESC LIMIT $2)",
    )
    .bind(delivery_idx)
    .bind(ATTEMPTS_KEPT)
}
