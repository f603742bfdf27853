//! Per-account request limits (per minute and per hour, by plan), in fixed windows. On
//! PostgreSQL the counters live in the database, so every server behind a load balancer
//! counts the same requests; on SQLite (one server) they live in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::plan::Plan;
use crate::store::{Store, StoreError};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;

/// Decides whether an account may make one more request.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// `Ok(Ok(()))` to go ahead, or `Ok(Err(seconds))` until the account may try again.
    async fn check(&self, account_idx: i64, plan: Plan, now_ms: i64) -> Result<Result<(), u32>, StoreError>;
}

/// No limits (`STAMPCARD_RATE_LIMIT=off`: tests and load tests).
#[derive(Debug, Default)]
pub struct Unlimited;

#[async_trait]
impl RateLimiter for Unlimited {
    async fn check(&self, _account_idx: i64, _plan: Plan, _now_ms: i64) -> Result<Result<(), u32>, StoreError> {
        Ok(Ok(()))
    }
}

/// Counters in the store when it shares them between servers, else in memory.
pub struct StoreWindow {
    store: Arc<dyn Store>,
    memory: FixedWindow,
}

impl StoreWindow {
    /// Limits counted by `store` (or in memory when the store serves one server).
    pub fn new(store: Arc<dyn Store>) -> StoreWindow {
        StoreWindow { store, memory: FixedWindow::default() }
    }
}

/// Seconds from `now_ms` to the end of the window of `length_ms` that contains it.
fn secs_left(now_ms: i64, length_ms: i64) -> u32 {
    let left_ms = length_ms - now_ms.rem_euclid(length_ms);
    u32::try_from((left_ms + 999) / 1000).unwrap_or(u32::MAX).max(1)
}

#[async_trait]
impl RateLimiter for StoreWindow {
    async fn check(&self, account_idx: i64, plan: Plan, now_ms: i64) -> Result<Result<(), u32>, StoreError> {
        let minute_start = now_ms - now_ms.rem_euclid(MINUTE_MS);
        let hour_start = now_ms - now_ms.rem_euclid(HOUR_MS);
        let Some((minute, hour)) = self.store.count_request(account_idx, minute_start, hour_start).await? else {
            return self.memory.check(account_idx, plan, now_ms).await;
        };
        let (per_minute, per_hour) = plan.rate_limits();
        Ok(if hour > per_hour {
            Err(secs_left(now_ms, HOUR_MS))
        } else if minute > per_minute {
            Err(secs_left(now_ms, MINUTE_MS))
        } else {
            Ok(())
        })
    }
}

/// One fixed window's count (also the stamp page's limits in `throttle`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Window {
    start_ms: i64,
    count: u32,
}

impl Window {
    /// When the window counted last started (Unix ms).
    pub(crate) fn start_ms(&self) -> i64 {
        self.start_ms
    }

    /// Counts one request in the window of `length_ms` containing `now_ms`; `Err` with the
    /// seconds left in the window when the limit is already reached.
    pub(crate) fn hit(&mut self, now_ms: i64, length_ms: i64, limit: u32) -> Result<(), u32> {
        let start = now_ms - now_ms.rem_euclid(length_ms);
        if self.start_ms != start {
            *self = Window { start_ms: start, count: 0 };
        }
        if self.count >= limit {
            let left_ms = start + length_ms - now_ms;
            return Err(u32::try_from((left_ms + 999) / 1000).unwrap_or(u32::MAX).max(1));
        }
        self.count += 1;
        Ok(())
    }
}

/// Fixed one-minute and one-hour windows per account, in memory.
#[derive(Debug, Default)]
pub struct FixedWindow {
    accounts: Mutex<HashMap<i64, (Window, Window)>>,
}

#[async_trait]
impl RateLimiter for FixedWindow {
    async fn check(&self, account_idx: i64, plan: Plan, now_ms: i64) -> Result<Result<(), u32>, StoreError> {
        Ok(self.hit(account_idx, plan, now_ms))
    }
}

impl FixedWindow {
    fn hit(&self, account_idx: i64, plan: Plan, now_ms: i64) -> Result<(), u32> {
        let (per_minute, per_hour) = plan.rate_limits();
        // A poisoned lock only means another request panicked mid-count; the counts are
        // still usable.
        let mut accounts = self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (minute, hour) = accounts.entry(account_idx).or_default();
        let mut minute_next = *minute;
        let mut hour_next = *hour;
        minute_next.hit(now_ms, MINUTE_MS, per_minute)?;
        hour_next.hit(now_ms, HOUR_MS, per_hour)?;
        *minute = minute_next;
        *hour = hour_next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_plan_allows_180_a_minute() {
        let limiter = FixedWindow::default();
        let t0 = 1_700_000_080_000; // 40 s into a minute
        for i in 0..180 {
            assert_eq!(limiter.hit(1, Plan::Personal, t0 + i), Ok(()), "request {i}");
        }
        assert_eq!(limiter.hit(1, Plan::Personal, t0 + 200), Err(20));
        assert_eq!(limiter.hit(2, Plan::Personal, t0 + 200), Ok(()), "accounts are counted separately");
        assert_eq!(limiter.hit(1, Plan::Personal, t0 + 20_000), Ok(()), "a new minute starts afresh");
    }
}
