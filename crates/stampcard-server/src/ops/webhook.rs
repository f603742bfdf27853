//! Webhook endpoints (our extension): their writes (create, update, rotate, delete, test,
//! redeliver) and the reads of the list and the delivery log. The delivery itself is
//! `crate::webhook`'s worker; the events are written by the store with each change.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use stampcard_core::webhook::{
    DELIVERIES_DEFAULT_LIMIT, DeliveriesQuery, DeliveryAttempt, DeliveryPage, DeliveryStatus, DeliveryView,
    MAX_WEBHOOKS_PER_ACCOUNT, NewWebhook, ROTATION_OVERLAP_SECS, WebhookCreated, WebhookEventType, WebhookList,
    WebhookPatch, WebhookRotated, WebhookView,
};
use stampcard_core::{ApiError, ErrorCode};

use super::Ctx;
use crate::clock::ymdt;
use crate::error::Error;
use crate::store::webhook::events_column;
use crate::store::{AttemptRecord, Decision, DeliveryRecord, OpOutput, Store, Tx, WebhookRecord};

/// The endpoint as the API shows it (never a secret).
pub fn view(webhook: &WebhookRecord, now_ms: i64) -> WebhookView {
    WebhookView {
        webhook_idx: webhook.webhook_idx,
        url: webhook.url.clone(),
        events: webhook.event_types(),
        card_idx: webhook.card_idx,
        format: webhook.format(),
        enabled: webhook.enabled,
        previous_secret_until_ymdt: webhook
            .previous_secret_until
            .filter(|until| webhook.previous_secret.is_some() && *until > now_ms)
            .map(ymdt),
        reg_ymdt: ymdt(webhook.created_at),
    }
}

fn not_found(webhook_idx: i64) -> Error {
    Error::api(ErrorCode::WebhookNotFound, format!("webhook {webhook_idx} not found"))
}

async fn webhook_or_not_found(tx: &mut dyn Tx, account_idx: i64, webhook_idx: i64) -> Result<WebhookRecord, Error> {
    tx.webhook(account_idx, webhook_idx).await?.ok_or_else(|| not_found(webhook_idx))
}

/// `POST /api/stamp/v1/webhook/create`: result is the endpoint with its secret (shown once).
pub async fn create(tx: &mut dyn Tx, ctx: Ctx, new: NewWebhook, secret: String) -> OpOutput {
    Decision::done(&insert(tx, &ctx, new, secret).await?)
}

/// Adds an endpoint (the API and the command line).
pub async fn insert(tx: &mut dyn Tx, ctx: &Ctx, new: NewWebhook, secret: String) -> Result<WebhookCreated, Error> {
    if tx.webhook_count(ctx.account_idx).await? >= i64::try_from(MAX_WEBHOOKS_PER_ACCOUNT).unwrap_or(i64::MAX) {
        return Err(ErrorCode::TooManyWebhooks.into());
    }
    if let Some(card_idx) = new.card_idx
        && tx.card(ctx.account_idx, card_idx).await?.is_none()
    {
        return Err(Error::api(ErrorCode::CardNotFound, format!("cardIdx: card {card_idx} not found")));
    }
    let mut webhook = WebhookRecord {
        webhook_idx: 0,
        account_idx: ctx.account_idx,
        url: new.url,
        events: events_column(new.events.as_deref()),
        card_idx: new.card_idx,
        format: new.format.as_str().to_owned(),
        enabled: true,
        secret: secret.clone(),
        previous_secret: None,
        previous_secret_until: None,
        created_at: ctx.now_ms,
    };
    webhook.webhook_idx = tx.insert_webhook(&webhook).await?;
    Ok(WebhookCreated { webhook: view(&webhook, ctx.now_ms), secret })
}

/// `PUT /api/stamp/v1/webhook/update`: result is the endpoint as changed.
pub async fn update(tx: &mut dyn Tx, ctx: Ctx, webhook_idx: i64, patch: WebhookPatch) -> OpOutput {
    let mut webhook = webhook_or_not_found(tx, ctx.account_idx, webhook_idx).await?;
    if let Some(url) = patch.url {
        webhook.url = url;
    }
    if let Some(events) = patch.events {
        webhook.events = events_column(events.as_deref());
    }
    if let Some(enabled) = patch.enabled {
        webhook.enabled = enabled;
    }
    tx.update_webhook(&webhook).await?;
    Decision::done(&view(&webhook, ctx.now_ms))
}

/// `POST /api/stamp/v1/webhook/rotate-secret`: a new secret; the current one keeps signing
/// beside it for 24 hours (a rotation during an overlap ends the older secret's at once).
pub async fn rotate(tx: &mut dyn Tx, ctx: Ctx, webhook_idx: i64, secret: String) -> OpOutput {
    let mut webhook = webhook_or_not_found(tx, ctx.account_idx, webhook_idx).await?;
    webhook.previous_secret = Some(std::mem::replace(&mut webhook.secret, secret.clone()));
    webhook.previous_secret_until = Some(ctx.now_ms + ROTATION_OVERLAP_SECS * 1000);
    tx.update_webhook(&webhook).await?;
    Decision::done(&WebhookRotated { webhook: view(&webhook, ctx.now_ms), secret })
}

/// `DELETE /api/stamp/v1/webhook/delete`: the endpoint and its delivery log; nothing more is
/// sent to it, including attempts already due.
pub async fn delete(tx: &mut dyn Tx, ctx: Ctx, webhook_idx: i64) -> OpOutput {
    webhook_or_not_found(tx, ctx.account_idx, webhook_idx).await?;
    tx.delete_webhook(ctx.account_idx, webhook_idx).await?;
    Decision::done(&serde_json::Value::Null)
}

/// `POST /api/stamp/v1/webhook/test`: queues a signed `webhook.test` event for the endpoint;
/// result is its delivery (`PENDING`; the log shows the attempts).
pub async fn test(tx: &mut dyn Tx, ctx: Ctx, webhook_idx: i64) -> OpOutput {
    let webhook = webhook_or_not_found(tx, ctx.account_idx, webhook_idx).await?;
    if !webhook.enabled {
        return Err(ErrorCode::WebhookDisabled.into());
    }
    let delivery_idx = tx.queue_test_event(&webhook, ctx.now_ms).await?;
    let delivery = tx
        .webhook_delivery(ctx.account_idx, delivery_idx)
        .await?
        .ok_or_else(|| Error::Internal("a queued test delivery is missing".to_owned()))?;
    Decision::done(&delivery_view(&delivery, Vec::new()))
}

/// `POST /api/stamp/v1/webhook/redeliver`: the delivery is due again now, with the same event
/// id and body and a fresh retry window (and a new request id per attempt); result is the
/// delivery (`PENDING`) with its earlier attempts.
pub async fn redeliver(tx: &mut dyn Tx, ctx: Ctx, delivery_idx: i64) -> OpOutput {
    let mut delivery = tx
        .webhook_delivery(ctx.account_idx, delivery_idx)
        .await?
        .ok_or_else(|| Error::api(ErrorCode::DeliveryNotFound, format!("webhook delivery {delivery_idx} not found")))?;
    let webhook = webhook_or_not_found(tx, ctx.account_idx, delivery.webhook_idx).await?;
    if !webhook.enabled {
        return Err(ErrorCode::WebhookDisabled.into());
    }
    tx.redeliver(delivery_idx, ctx.now_ms).await?;
    delivery.status = DeliveryStatus::Pending.as_str().to_owned();
    delivery.next_attempt_at = Some(ctx.now_ms);
    Decision::done(&delivery_view(&delivery, Vec::new()))
}

/// `GET /api/stamp/v1/webhook/list`.
pub async fn list(store: &dyn Store, account_idx: i64, now_ms: i64) -> Result<WebhookList, Error> {
    let webhooks = store.webhooks(account_idx).await?;
    Ok(WebhookList { items: webhooks.iter().map(|w| view(w, now_ms)).collect() })
}

fn attempt_view(attempt: &AttemptRecord) -> DeliveryAttempt {
    DeliveryAttempt {
        request_id: attempt.request_id.clone(),
        attempt_ymdt: ymdt(attempt.attempted_at),
        http_status: attempt.http_status.and_then(|s| u16::try_from(s).ok()),
        duration_ms: u64::try_from(attempt.duration_ms).unwrap_or(0),
        response_excerpt: attempt.response_excerpt.clone(),
        error: attempt.error.clone(),
    }
}

fn delivery_view(delivery: &DeliveryRecord, attempts: Vec<DeliveryAttempt>) -> DeliveryView {
    DeliveryView {
        delivery_idx: delivery.delivery_idx,
        webhook_idx: delivery.webhook_idx,
        event_id: delivery.event_id.clone(),
        event_type: WebhookEventType::parse(&delivery.event_type).unwrap_or(WebhookEventType::Test),
        stamp_idx: delivery.stamp_idx,
        sequence: delivery.sequence,
        status: delivery.status(),
        next_attempt_ymdt: matches!(delivery.status(), DeliveryStatus::Pending | DeliveryStatus::Retrying)
            .then_some(delivery.next_attempt_at)
            .flatten()
            .map(ymdt),
        attempts,
        reg_ymdt: ymdt(delivery.created_at),
    }
}

const CURSOR_PREFIX: &str = "d1:";

fn encode_cursor(delivery_idx: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{delivery_idx}"))
}

fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    let refused = || ApiError::from(ErrorCode::InvalidCursor);
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| refused())?;
    let text = String::from_utf8(bytes).map_err(|_| refused())?;
    text.strip_prefix(CURSOR_PREFIX).and_then(|n| n.parse::<i64>().ok()).filter(|n| *n > 0).ok_or_else(refused)
}

/// `GET /api/stamp/v1/webhook/deliveries`: newest first, one item per event and endpoint.
/// A `webhookIdx` that is not one of the account's endpoints is refused as missing.
pub async fn deliveries(store: &dyn Store, account_idx: i64, query: &DeliveriesQuery) -> Result<DeliveryPage, Error> {
    if let Some(webhook_idx) = query.webhook_idx
        && !store.webhooks(account_idx).await?.iter().any(|w| w.webhook_idx == webhook_idx)
    {
        return Err(not_found(webhook_idx));
    }
    let before = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let limit = query.limit.unwrap_or(DELIVERIES_DEFAULT_LIMIT);
    // One more than the page, to know whether there is a next one.
    let mut rows =
        store.webhook_deliveries(account_idx, query.webhook_idx, query.status, before, i64::from(limit) + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let idxs: Vec<i64> = rows.iter().map(|d| d.delivery_idx).collect();
    let mut attempts: BTreeMap<i64, Vec<DeliveryAttempt>> = BTreeMap::new();
    for attempt in store.webhook_attempts(&idxs).await? {
        attempts.entry(attempt.delivery_idx).or_default().push(attempt_view(&attempt));
    }
    let next_cursor = more.then(|| rows.last().map(|d| encode_cursor(d.delivery_idx))).flatten();
    let items = rows.iter().map(|d| delivery_view(d, attempts.remove(&d.delivery_idx).unwrap_or_default())).collect();
    Ok(DeliveryPage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)).expect("valid"), 42);
        for bad in ["", "x", "ZDE6MA", "ZDE6LTE"] {
            assert_eq!(decode_cursor(bad).expect_err(bad).code, ErrorCode::InvalidCursor, "{bad}");
        }
    }
}
