//! The `stampcard webhook ...` commands and the `serve` flags of webhooks: the same
//! operations as the webhook API, run on the database directly.

use std::time::Duration;

use stampcard_core::webhook::{WebhookCreateRequest, WebhookPatch};

use super::{WebhookConfig, sign};
use crate::clock::Clock;
use crate::error::Error;
use crate::ops::{self, Ctx};
use crate::plan::Plan;
use crate::store::{Decision, Store};

/// The `serve` flags of webhooks. The schedule flags are hidden: they exist for tests and
/// trials (docs/webhooks.md).
#[derive(Debug, Clone, clap::Args)]
pub struct ServeWebhookArgs {
    /// Let webhooks reach loopback, private and link-local addresses, and plain http URLs
    /// (a receiver on this machine or the private network).
    #[arg(long, env = "STAMPCARD_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,
    /// Webhook attempts in flight at once on this server.
    #[arg(long, env = "STAMPCARD_WEBHOOK_CONCURRENCY", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub webhook_concurrency: u32,
    /// The wait after a first failed attempt, in ms; it doubles after each further one.
    #[arg(long, env = "STAMPCARD_WEBHOOK_BACKOFF_BASE_MS", default_value_t = 5_000, hide = true)]
    pub webhook_backoff_base_ms: u64,
    /// The longest wait between two attempts, in ms.
    #[arg(long, env = "STAMPCARD_WEBHOOK_BACKOFF_CAP_MS", default_value_t = 3_600_000, hide = true)]
    pub webhook_backoff_cap_ms: u64,
    /// How long a delivery is retried before it is dead, in seconds.
    #[arg(long, env = "STAMPCARD_WEBHOOK_RETRY_WINDOW_SECS", default_value_t = 86_400, hide = true)]
    pub webhook_retry_window_secs: u64,
    /// How often the worker looks for due deliveries, in ms.
    #[arg(long, env = "STAMPCARD_WEBHOOK_POLL_MS", default_value_t = 250, hide = true)]
    pub webhook_poll_ms: u64,
    /// How long a claim holds a delivery, in ms (keep it above the 5 s attempt timeout).
    #[arg(long, env = "STAMPCARD_WEBHOOK_LEASE_MS", default_value_t = 30_000, hide = true)]
    pub webhook_lease_ms: u64,
}

impl ServeWebhookArgs {
    /// The configuration these flags describe.
    pub fn config(&self) -> WebhookConfig {
        WebhookConfig {
            allow_private: self.webhook_allow_private,
            concurrency: self.webhook_concurrency as usize,
            backoff_base: Duration::from_millis(self.webhook_backoff_base_ms.max(1)),
            backoff_cap: Duration::from_millis(self.webhook_backoff_cap_ms.max(1)),
            retry_window: Duration::from_secs(self.webhook_retry_window_secs),
            poll_interval: Duration::from_millis(self.webhook_poll_ms.max(10)),
            lease: Duration::from_millis(self.webhook_lease_ms.max(1_000)),
            ..WebhookConfig::default()
        }
    }
}

/// The context of a command-line operation on an account (no API key).
fn ctx(clock: &Clock, account_idx: i64) -> Ctx {
    Ctx {
        account_idx,
        plan: Plan::Enterprise,
        api_key_idx: None,
        user_idx: None,
        today: clock.today(),
        now_ms: clock.now_ms(),
    }
}

/// Runs an API operation as one write and answers its JSON result.
async fn run_op<F>(store: &dyn Store, clock: &Clock, f: F) -> Result<serde_json::Value, Error>
where
    F: for<'t> FnOnce(&'t mut dyn crate::store::Tx) -> ops::TypedFuture<'t, Decision> + Send + 'static,
{
    let decision = ops::run(store, clock.now_ms(), f).await?;
    match decision {
        Decision::Done(json) => serde_json::from_str(json.as_str()).map_err(|e| Error::Internal(e.to_string())),
        Decision::CommitAndRefuse(refusal) => Err(refusal),
    }
}

/// `stampcard webhook create`: answers the endpoint with its secret (shown once).
pub async fn create(
    store: &dyn Store,
    clock: &Clock,
    account_idx: i64,
    request: WebhookCreateRequest,
    allow_private: bool,
) -> Result<serde_json::Value, Error> {
    crate::ops::admin::account(store, account_idx).await?;
    let new = request.check(allow_private)?;
    crate::webhook::guard::check_host(&new.url, allow_private)?;
    let (ctx, secret) = (ctx(clock, account_idx), sign::new_secret());
    run_op(store, clock, move |tx| Box::pin(ops::webhook::create(tx, ctx, new, secret))).await
}

/// `stampcard webhook list`.
pub async fn list(store: &dyn Store, clock: &Clock, account_idx: i64) -> Result<serde_json::Value, Error> {
    crate::ops::admin::account(store, account_idx).await?;
    let list = ops::webhook::list(store, account_idx, clock.now_ms()).await?;
    serde_json::to_value(list).map_err(|e| Error::Internal(e.to_string()))
}

/// `stampcard webhook enable|disable`.
pub async fn set_enabled(
    store: &dyn Store,
    clock: &Clock,
    account_idx: i64,
    webhook_idx: i64,
    enabled: bool,
) -> Result<serde_json::Value, Error> {
    let (ctx, patch) = (ctx(clock, account_idx), WebhookPatch { enabled: Some(enabled), ..WebhookPatch::default() });
    run_op(store, clock, move |tx| Box::pin(ops::webhook::update(tx, ctx, webhook_idx, patch))).await
}

/// `stampcard webhook rotate-secret`: answers the new secret (shown once).
pub async fn rotate(
    store: &dyn Store,
    clock: &Clock,
    account_idx: i64,
    webhook_idx: i64,
) -> Result<serde_json::Value, Error> {
    let (ctx, secret) = (ctx(clock, account_idx), sign::new_secret());
    run_op(store, clock, move |tx| Box::pin(ops::webhook::rotate(tx, ctx, webhook_idx, secret))).await
}

/// `stampcard webhook delete`.
pub async fn delete(
    store: &dyn Store,
    clock: &Clock,
    account_idx: i64,
    webhook_idx: i64,
) -> Result<serde_json::Value, Error> {
    let ctx = ctx(clock, account_idx);
    run_op(store, clock, move |tx| Box::pin(ops::webhook::delete(tx, ctx, webhook_idx))).await
}
