//! The stampcard server: the stamp API (wire-compatible with the hosted stamp API), the card
//! API and the customer stamp-page API, over a SQLite file or PostgreSQL.
//!
//! The server is a thin shell around `stampcard-core`: it parses with the core's parser,
//! checks requests with the core's `input` module, asks the core's rules and persists what they
//! return. Only [`store`] knows SQL.
#![warn(missing_docs)]

pub mod clock;
pub mod config;
pub mod connections;
pub mod demo;
pub mod error;
pub mod http;
pub mod metrics;
pub mod ops;
pub mod plan;
pub mod ratelimit;
pub mod secrets;
pub mod store;
pub mod throttle;
// webhooks
pub mod webhook;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::{Limits, ServerConfig, default_public_url};
use crate::http::AppState;
use crate::ratelimit::{RateLimiter, StoreWindow, Unlimited};
use crate::store::Store;
use crate::throttle::{PageLimiter, Turns};

/// How often expired sessions and idempotency records are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// The application for a state: every route, with its middleware.
pub fn app(state: AppState) -> Router {
    http::router(state)
}

/// The state for a configuration and a store.
pub fn state(config: &ServerConfig, store: Arc<dyn Store>, public_url: String) -> AppState {
    let limiter: Arc<dyn RateLimiter> =
        if config.rate_limit { Arc::new(StoreWindow::new(store.clone())) } else { Arc::new(Unlimited) };
    AppState {
        store,
        clock: config.fake_today.map_or_else(Clock::system, Clock::with_today),
        public_url: Arc::from(public_url.trim_end_matches('/')),
        limiter,
        www_dir: Arc::new(PathBuf::from(&config.www_dir)),
        page_limiter: config.rate_limit.then(|| Arc::new(PageLimiter::new(config.page_limits))),
        turns: Arc::new(Turns::default()),
        trust_forwarded_for: config.trust_forwarded_for,
        body_timeout: config.limits.request_body_timeout,
        metrics: config.metrics_token.as_deref().map(metrics::MetricsAccess::new),
        webhooks: Arc::new(config.webhooks.clone()),
    }
}

/// A running server (tests start one on port 0).
pub struct Server {
    addr: SocketAddr,
    public_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    serving: JoinHandle<std::io::Result<()>>,
    pruning: JoinHandle<()>,
    // webhooks
    /// The webhook delivery worker, when this server sends.
    delivering: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `config.listen` and starts serving in the background, with the timeouts and
    /// connection cap of `config.limits`.
    pub async fn start(config: &ServerConfig, store: Arc<dyn Store>) -> std::io::Result<Server> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let public_url = config.public_url.clone().unwrap_or_else(|| default_public_url(addr));
        let state = state(config, store.clone(), public_url.clone());
        let limits =
            Limits { max_connections: connections::fit_connection_cap(config.limits.max_connections), ..config.limits };
        // webhooks
        let delivering =
            config.webhooks.deliver.then(|| webhook::spawn(store.clone(), state.clock, config.webhooks.clone()));
        let pruning = tokio::spawn(prune_forever(store, state.clock));
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let serving = tokio::spawn(connections::serve(listener, app(state), limits, async move {
            // A dropped `Server` stops too.
            let _ = shutdown_signal.await;
        }));
        Ok(Server { addr, public_url, shutdown: Some(shutdown), serving, pruning, delivering })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, for clients.
    pub fn url(&self) -> String {
        default_public_url(self.addr)
    }

    /// The base of stamp-page links.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Serves until `signal` completes, then stops gracefully.
    pub async fn run_until(mut self, signal: impl Future<Output = ()>) -> std::io::Result<()> {
        tokio::select! {
            result = &mut self.serving => return flatten(result),
            () = signal => {}
        }
        self.stop().await
    }

    /// Stops accepting connections, lets the requests in flight finish within the shutdown
    /// timeout, closes the connections still open after it, and returns. The store stays
    /// open: its owner closes it ([`Store::close`]).
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.pruning.abort();
        // webhooks: attempts in flight are dropped; their leases run out and they are sent again.
        if let Some(delivering) = &self.delivering {
            delivering.abort();
        }
        flatten((&mut self.serving).await)
    }
}

fn flatten(result: Result<std::io::Result<()>, tokio::task::JoinError>) -> std::io::Result<()> {
    result.map_err(std::io::Error::other)?
}

async fn prune_forever(store: Arc<dyn Store>, clock: Clock) {
    let mut interval = tokio::time::interval(PRUNE_EVERY);
    loop {
        interval.tick().await;
        if let Err(error) = store.prune(clock.now_ms()).await {
            tracing::warn!(%error, "pruning expired sessions and idempotency records failed");
        }
    }
}
