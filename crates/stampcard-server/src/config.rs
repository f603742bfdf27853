//! Server configuration, filled from the command line and environment by `main.rs`, or
//! directly by tests.

use std::net::SocketAddr;
use std::path::PathBuf;

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
