//! Server configuration, filled from the command line and environment by `main.rs`, or
//! directly by tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;

use crate::store::StoreOptions;
use crate::throttle::PageLimits;

/// Everything `stampcard serve` needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// The base of stamp-page links; `None`: derived from the bound address.
    pub public_url: Option<String>,
    /// Where `stamp.html` and `widget/` are.
    pub www_dir: PathBuf,
    /// Per-plan rate limits on or off.
    pub rate_limit: bool,
    /// Pins "today" (tests of expired and not-yet-started stamps).
    pub fake_today: Option<NaiveDate>,
    /// The page API's per-minute limits (on when `rate_limit` is).
    pub page_limits: PageLimits,
    /// Take the client's address from the last `X-Forwarded-For` entry (behind one trusted
    /// proxy that appends it); otherwise the connection's peer address.
    pub trust_forwarded_for: bool,
    /// Connection timeouts and limits.
    pub limits: Limits,
    /// The bearer token that opens `GET /metrics`; `None`: no metrics endpoint.
    pub metrics_token: Option<String>,
    // webhooks
    /// Which webhook URLs are accepted and how deliveries are scheduled.
    pub webhooks: crate::webhook::WebhookConfig,
}

/// What one client may hold: the timeouts and the connection cap. The defaults are the ones
/// `stampcard serve` uses and docs/deployment.md explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From a connection's start, or from the first byte of a later request, until its
    /// request headers are complete (the slowloris defence, like nginx's
    /// `client_header_timeout`).
    pub header_read_timeout: Duration,
    /// From the moment a handler starts reading a request body until the whole body is in.
    pub request_body_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub keep_alive_timeout: Duration,
    /// How long a response may wait for the client to read any of it (nginx's
    /// `send_timeout`): a client that stops reading cannot hold its connection.
    pub send_timeout: Duration,
    /// Open connections at most; further clients wait in the kernel's accept queue.
    pub max_connections: usize,
    /// After SIGTERM or Ctrl-C: how long requests in flight may take to finish before the
    /// remaining connections are closed.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_body_timeout: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(75),
            send_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_timeout: Duration::from_secs(8),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            www_dir: PathBuf::from("www"),
            rate_limit: true,
            fake_today: None,
            page_limits: PageLimits::default(),
            trust_forwarded_for: false,
            limits: Limits::default(),
            metrics_token: None,
            webhooks: crate::webhook::WebhookConfig::default(),
        }
    }
}

/// What opening the database needs.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`.
    pub url: String,
    /// Backend options.
    pub options: StoreOptions,
}

/// The public URL for a bound address: `0.0.0.0` and `::` become loopback, since a link to
/// "any address" opens nothing.
pub fn default_public_url(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        if addr.is_ipv4() { "127.0.0.1".to_owned() } else { "[::1]".to_owned() }
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    format!("http://{ip}:{}", addr.port())
}
