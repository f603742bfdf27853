//! Cost bounds of the public stamp-page API, in front of the password checks: request limits
//! per stamp link and per client address, and turns that serialize guesses on one secret.
//!
//! Both live in memory. On PostgreSQL with several servers each server counts and serializes
//! on its own; the lockout counters that decide how many guesses a secret gets are in the
//! database and shared (docs/deployment.md).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::OwnedMutexGuard;

use crate::ratelimit::Window;

const MINUTE_MS: i64 = 60_000;

/// How many keys a window map may hold before stale ones are swept; it never grows past
/// twice this, whatever clients send.
const MAX_TRACKED: usize = 50_000;

/// What a page request costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageCost {
    /// A read: the intro or the card.
    Read,
    /// A request that checks or sets a PIN or staff password (argon2).
    Secret,
}

/// Per-minute limits of the page API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimits {
    /// Reads per stamp link.
    pub reads_per_link: u32,
    /// Password checks per stamp link.
    pub secrets_per_link: u32,
    /// Reads per client address (a shop's Wi-Fi puts many customers behind one address).
    pub reads_per_address: u32,
    /// Password checks per client address.
    pub secrets_per_address: u32,
}

impl Default for PageLimits {
    fn default() -> PageLimits {
        PageLimits { reads_per_link: 120, secrets_per_link: 10, reads_per_address: 600, secrets_per_address: 60 }
    }
}

/// One-minute windows per key, in a map that stays bounded whatever keys clients send.
#[derive(Debug)]
struct Windows<K> {
    counts: HashMap<K, Window>,
}

impl<K> Default for Windows<K> {
    fn default() -> Windows<K> {
        Windows { counts: HashMap::new() }
    }
}

impl<K: Hash + Eq> Windows<K> {
    /// Counts one hit of `key` in the minute containing `now_ms`; `Err(seconds)` when the
    /// limit is already reached.
    fn hit(&mut self, key: K, now_ms: i64, limit: u32) -> Result<(), u32> {
        if self.counts.len() >= MAX_TRACKED {
            let start = now_ms - now_ms.rem_euclid(MINUTE_MS);
            self.counts.retain(|_, window| window.start_ms() == start);
            if self.counts.len() >= 2 * MAX_TRACKED {
                // Every key is live in this minute: forget them rather than grow without bound.
                self.counts.clear();
            }
        }
        self.counts.entry(key).or_default().hit(now_ms, MINUTE_MS, limit)
    }
}

/// The page API's request limits, per stamp link and per client address, in one-minute windows.
#[derive(Debug, Default)]
pub struct PageLimiter {
    limits: PageLimits,
    links: Mutex<Windows<(u64, bool)>>,
    addresses: Mutex<Windows<(IpAddr, bool)>>,
}

impl PageLimiter {
    /// A limiter with these limits.
    pub fn new(limits: PageLimits) -> PageLimiter {
        PageLimiter { limits, ..PageLimiter::default() }
    }

    /// Counts one request for the stamp link (hashed: the map never holds a token) from
    /// `address`; `Err(seconds)` when either limit is reached.
    pub fn check(&self, token: &str, address: Option<IpAddr>, cost: PageCost, now_ms: i64) -> Result<(), u32> {
        let secret = cost == PageCost::Secret;
        let (per_link, per_address) = if secret {
            (self.limits.secrets_per_link, self.limits.secrets_per_address)
        } else {
            (self.limits.reads_per_link, self.limits.reads_per_address)
        };
        if let Some(address) = address {
            self.addresses.lock().unwrap_or_else(PoisonError::into_inner).hit(
                (address, secret),
                now_ms,
                per_address,
            )?;
        }
        let link = u64::from_le_bytes(crate::secrets::sha256(token.as_bytes())[..8].try_into().unwrap_or_default());
        self.links.lock().unwrap_or_else(PoisonError::into_inner).hit((link, secret), now_ms, per_link)
    }
}

/// What a guess is about: one stamp's PIN, one card's staff password, or one dashboard login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Secret {
    /// The PIN of a stamp.
    Pin(i64),
    /// The on-site staff password of a card.
    Staff(i64),
    /// The dashboard password of one e-mail address (a hash of its lowercase form: unknown
    /// addresses take turns too).
    Login(u64),
}

/// One turn at a time per secret: concurrent guesses on one PIN or one staff password run one
/// after the other, so each sees the lock the one before it may have started, and a locked
/// secret costs no hash.
#[derive(Debug, Default)]
pub struct Turns {
    locks: Mutex<HashMap<Secret, Arc<tokio::sync::Mutex<()>>>>,
}

/// A held turn; the next guess on the same secret starts when it is dropped.
#[derive(Debug)]
pub struct Turn {
    _guard: OwnedMutexGuard<()>,
}

impl Turns {
    /// Waits for the secret's turn, at most `max_wait`; `None` when the wait is too long.
    pub async fn take(&self, secret: Secret, max_wait: Duration) -> Option<Turn> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            // Forget the secrets nobody holds or waits for (only the map refers to them).
            if locks.len() > 1024 {
                locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            locks.entry(secret).or_default().clone()
        };
        let guard = tokio::time::timeout(max_wait, lock.lock_owned()).await.ok()?;
        Some(Turn { _guard: guard })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_addresses_are_limited_per_minute() {
        let limiter = PageLimiter::new(PageLimits {
            reads_per_link: 3,
            secrets_per_link: 2,
            reads_per_address: 5,
            secrets_per_address: 100,
        });
        let t0 = 1_700_000_080_000; // 40 s into a minute
        let ip: IpAddr = [192, 0, 2, 1].into();
        assert_eq!(limiter.check("a", Some(ip), PageCost::Secret, t0), Ok(()));
        assert_eq!(limiter.check("a", Some(ip), PageCost::Secret, t0), Ok(()));
        assert_eq!(limiter.check("a", Some(ip), PageCost::Secret, t0), Err(20), "third secret on one link");
        assert_eq!(limiter.check("b", Some(ip), PageCost::Secret, t0), Ok(()), "another link");
        for _ in 0..3 {
            assert_eq!(limiter.check("a", Some(ip), PageCost::Read, t0), Ok(()), "reads count apart");
        }
        assert_eq!(limiter.check("a", Some(ip), PageCost::Read, t0), Err(20));
        assert_eq!(limiter.check("c", Some(ip), PageCost::Read, t0), Ok(()));
        assert_eq!(limiter.check("d", Some(ip), PageCost::Read, t0), Err(20), "sixth read from one address");
        assert_eq!(limiter.check("d", None, PageCost::Read, t0), Ok(()), "no address, no address limit");
        assert_eq!(limiter.check("a", Some(ip), PageCost::Secret, t0 + 20_000), Ok(()), "a new minute");
    }

    #[tokio::test]
    async fn turns_serialize_one_secret_only() {
        let turns = Turns::default();
        let first = turns.take(Secret::Pin(1), Duration::from_secs(1)).await.expect("free");
        assert!(turns.take(Secret::Pin(1), Duration::from_millis(50)).await.is_none(), "held");
        assert!(turns.take(Secret::Staff(1), Duration::from_millis(50)).await.is_some(), "another secret");
        drop(first);
        assert!(turns.take(Secret::Pin(1), Duration::from_millis(50)).await.is_some(), "released");
    }
}
