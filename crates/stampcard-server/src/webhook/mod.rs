//! Webhook delivery (issue 13): the worker that sends the outbox's due deliveries.
//!
//! Every stamp change writes its event and one delivery per matching endpoint in its own
//! transaction (`store/webhook.rs`). This worker, a task beside the HTTP server, polls for due
//! deliveries, claims a batch in one write (a lease in the row; `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL so servers sharing the database take different rows), POSTs each on its own task
//! under a concurrency cap, and writes the outcome back: `DELIVERED` on any 2xx, otherwise
//! `RETRYING` with exponential backoff and jitter, or `DEAD` once the retry window (24 h by
//! default) has passed. Nothing of it runs on a request's path: a slow or dead receiver only
//! holds the worker's own tasks.
//!
//! - [`sign`]: secrets and the two signature formats.
//! - [`guard`]: which addresses a webhook may reach (and the early check of a URL's host).
//! - [`cli`]: the `stampcard webhook` commands and the `serve` flags.

pub mod cli;
pub mod guard;
pub mod sign;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng as _;
use stampcard_core::webhook::{
    ATTEMPT_TIMEOUT_SECS, DeliveryStatus, RESPONSE_EXCERPT_MAX_BYTES, WebhookEventType, WebhookFormat,
};
use tokio::sync::Semaphore;

use crate::clock::Clock;
use crate::ops;
use crate::store::webhook::new_request_id;
use crate::store::{AttemptOutcome, AttemptRecord, ClaimedDelivery, Store};

/// The most response bytes read from a receiver before the connection is dropped.
pub const RESPONSE_READ_CAP: usize = 64 * 1024;
/// How long finished deliveries (and their events) are kept in the log.
pub const KEEP_FINISHED: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// How often finished deliveries older than [`KEEP_FINISHED`] are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);

/// How webhooks are sent. The defaults are what `stampcard serve` uses; the schedule can be
/// shortened for tests (`--webhook-backoff-base-ms` and friends, hidden flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Allow loopback, private and link-local addresses and plain `http` URLs.
    pub allow_private: bool,
    /// Run the delivery worker (off: events still queue, for another server to send).
    pub deliver: bool,
    /// The wait after the first failed attempt; it doubles after each further one.
    pub backoff_base: Duration,
    /// The longest wait between two attempts.
    pub backoff_cap: Duration,
    /// How long a delivery is retried before it is marked dead.
    pub retry_window: Duration,
    /// How often the worker looks for due deliveries.
    pub poll_interval: Duration,
    /// Attempts in flight at once (per server).
    pub concurrency: usize,
    /// How long a claim holds a delivery: longer than an attempt can take, so only a server
    /// that died mid-attempt ever loses one to another server (which then sends it again).
    pub lease: Duration,
    /// A receiver's time to answer.
    pub attempt_timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> WebhookConfig {
        WebhookConfig {
            allow_private: false,
            deliver: true,
            backoff_base: Duration::from_secs(5),
            backoff_cap: Duration::from_secs(60 * 60),
            retry_window: Duration::from_secs(24 * 60 * 60),
            poll_interval: Duration::from_millis(250),
            concurrency: 16,
            lease: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(ATTEMPT_TIMEOUT_SECS),
        }
    }
}

impl WebhookConfig {
    /// The wait before the next attempt after `failures` failed ones: `base * 2^(failures-1)`,
    /// at most the cap, times a random factor in [0.5, 1) so receivers that came back are not
    /// hit by every retry at once.
    pub fn backoff(&self, failures: u32) -> Duration {
        let doubled = self.backoff_base.saturating_mul(1u32 << failures.saturating_sub(1).min(20));
        let full = doubled.min(self.backoff_cap);
        full.mul_f64(rand::thread_rng().gen_range(0.5..1.0))
    }
}

/// Starts the delivery worker (and the log's pruning) on the current runtime.
pub fn spawn(store: Arc<dyn Store>, clock: Clock, config: WebhookConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let worker = Worker::new(store, clock, config);
        worker.run().await;
    })
}

struct Worker {
    store: Arc<dyn Store>,
    clock: Clock,
    config: WebhookConfig,
    slots: Arc<Semaphore>,
}

impl Worker {
    fn new(store: Arc<dyn Store>, clock: Clock, config: WebhookConfig) -> Worker {
        let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
        Worker { store, clock, config, slots }
    }

    async fn run(self) {
        let mut interval = tokio::time::interval(self.config.poll_interval);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_prune = Instant::now();
        loop {
            interval.tick().await;
            if let Err(error) = self.round().await {
                tracing::warn!(%error, "webhook delivery round failed");
            }
            if last_prune.elapsed() >= PRUNE_EVERY {
                last_prune = Instant::now();
                let before = self.clock.now_ms() - i64::try_from(KEEP_FINISHED.as_millis()).unwrap_or(i64::MAX);
                let pruned = ops::run(self.store.as_ref(), self.clock.now_ms(), move |tx| {
                    Box::pin(async move { Ok(tx.prune_webhooks(before).await?) })
                })
                .await;
                if let Err(error) = pruned {
                    tracing::warn!(%error, "pruning the webhook log failed");
                }
            }
        }
    }

    /// Claims as many due deliveries as there are free slots and starts them.
    async fn round(&self) -> Result<(), crate::error::Error> {
        let free = self.slots.available_permits();
        if free == 0 || !self.store.webhook_due(self.clock.now_ms()).await? {
            return Ok(());
        }
        let now = self.clock.now_ms();
        let lease_until = now + i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX / 2);
        let token = new_request_id();
        let claim_token = token.clone();
        let limit = i64::try_from(free).unwrap_or(1);
        let claimed = ops::run(self.store.as_ref(), now, move |tx| {
            Box::pin(async move { Ok(tx.claim_deliveries(&claim_token, now, lease_until, limit).await?) })
        })
        .await?;
        for delivery in claimed {
            let Ok(permit) = self.slots.clone().try_acquire_owned() else { break };
            let (store, clock, config, token) = (self.store.clone(), self.clock, self.config.clone(), token.clone());
            tokio::spawn(async move {
                let delivery_idx = delivery.delivery_idx;
                let outcome = attempt(&delivery, &config, &clock).await;
                let written = ops::run(store.as_ref(), clock.now_ms(), move |tx| {
                    Box::pin(async move { Ok(tx.finish_delivery(delivery_idx, &token, &outcome).await?) })
                })
                .await;
                if let Err(error) = written {
                    // The lease runs out and the delivery is tried again.
                    tracing::warn!(%error, delivery_idx, "writing a webhook attempt failed");
                }
                drop(permit);
            });
        }
        Ok(())
    }
}

/// The secrets that sign now: the current one, and the previous one until its overlap ends.
fn signing_secrets(delivery: &ClaimedDelivery, now_ms: i64) -> Vec<&str> {
    let mut secrets = vec![delivery.secret.as_str()];
    if let (Some(previous), Some(until)) = (&delivery.previous_secret, delivery.previous_secret_until)
        && until > now_ms
    {
        secrets.push(previous.as_str());
    }
    secrets
}

/// Sends one attempt and decides what comes next.
async fn attempt(delivery: &ClaimedDelivery, config: &WebhookConfig, clock: &Clock) -> AttemptOutcome {
    let started_ms = clock.now_ms();
    let started = Instant::now();
    let request_id = new_request_id();
    let result = send(delivery, config, &request_id, started_ms).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (http_status, response_excerpt, error) = match result {
        Ok((status, excerpt)) => (Some(i32::from(status)), excerpt, None),
        Err(why) => (None, String::new(), Some(why)),
    };
    let delivered = http_status.is_some_and(|s| (200..300).contains(&s));
    let failures = delivery.attempt_count + 1;
    let now = clock.now_ms();
    let window_ms = i64::try_from(config.retry_window.as_millis()).unwrap_or(i64::MAX);
    let (status, next_attempt_at) = if delivered {
        (DeliveryStatus::Delivered, None)
    } else if now - delivery.window_start >= window_ms {
        (DeliveryStatus::Dead, None)
    } else {
        let wait = i64::try_from(config.backoff(failures).as_millis()).unwrap_or(i64::MAX / 2);
        (DeliveryStatus::Retrying, Some(now + wait))
    };
    if !delivered {
        tracing::info!(
            delivery_idx = delivery.delivery_idx,
            webhook_idx = delivery.webhook_idx,
            event_id = %delivery.event_id,
            status = ?http_status,
            error = error.as_deref().unwrap_or(""),
            next = status.as_str(),
            "webhook attempt failed"
        );
    }
    AttemptOutcome {
        attempt: AttemptRecord {
            delivery_idx: delivery.delivery_idx,
            request_id,
            attempted_at: started_ms,
            http_status,
            duration_ms,
            response_excerpt,
            error,
        },
        status,
        next_attempt_at,
    }
}

/// POSTs the event: resolves and checks the address, pins the connection to it, no redirects,
/// no proxy, the attempt timeout over the whole exchange, and at most [`RESPONSE_READ_CAP`]
/// response bytes read. Answers the status and the first bytes of the body.
async fn send(
    delivery: &ClaimedDelivery,
    config: &WebhookConfig,
    request_id: &str,
    now_ms: i64,
) -> Result<(u16, String), String> {
    let url = reqwest::Url::parse(&delivery.url).map_err(|e| format!("invalid url: {e}"))?;
    let allowed_scheme = url.scheme() == "https" || (config.allow_private && url.scheme() == "http");
    if !allowed_scheme {
        return Err("address not allowed: the url must be https".to_owned());
    }
    let host = url.host_str().ok_or("invalid url: no host")?.to_owned();
    let port = url.port_or_known_default().ok_or("invalid url: no port")?;
    let address = guard::resolve(&host, port, config.allow_private).await.map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(config.attempt_timeout)
        .resolve(host.trim_start_matches('[').trim_end_matches(']'), address)
        .user_agent(concat!("stampcard-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("client: {e}"))?;
    let secrets = signing_secrets(delivery, now_ms);
    let format = WebhookFormat::parse(&delivery.format).unwrap_or(WebhookFormat::Vivoldi);
    let event_type = WebhookEventType::parse(&delivery.event_type).unwrap_or(WebhookEventType::Test);
    let signing = sign::Signing {
        format,
        secrets: &secrets,
        account_idx: delivery.account_idx,
        event_id: &delivery.event_id,
        event_type,
        request_id,
        timestamp: now_ms.div_euclid(1000),
    };
    let body = delivery.body.as_bytes();
    let mut request = client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in sign::headers(&signing, body) {
        request = request.header(name, value);
    }
    let mut response = request.body(body.to_vec()).send().await.map_err(describe)?;
    let status = response.status().as_u16();
    let mut kept = Vec::new();
    let mut read = 0usize;
    // A body that does not end in time or is huge does not change the outcome: the status
    // decided it.
    while read < RESPONSE_READ_CAP {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len();
                let room = RESPONSE_EXCERPT_MAX_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    Ok((status, String::from_utf8_lossy(&kept).into_owned()))
}

fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "timeout".to_owned()
    } else if error.is_connect() {
        format!("connect: {}", root_cause(&error))
    } else {
        format!("request: {}", root_cause(&error))
    }
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let config = WebhookConfig::default();
        for failures in 1..40 {
            let full = config.backoff_base.saturating_mul(1 << (failures - 1).min(20)).min(config.backoff_cap);
            let wait = config.backoff(failures);
            assert!(wait >= full / 2 && wait < full, "{failures}: {wait:?} of {full:?}");
        }
    }
}
