//! The card's anti-fraud rules (a cooldown between two adds on one stamp, a cap on adds per
//! stamp per day) and the validity window of an automatic renewal. Pure: the server reads
//! the stamp's `ADD` history inside the add's own write and asks these functions.

use chrono::{DateTime, Days, Months, NaiveDate};

use crate::error::{ApiError, ErrorCode};
use crate::input::limits;
use crate::model::Window;

/// A card's pace rules; 0 turns a rule off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddLimits {
    /// `cooldownSecs`: minimum seconds between two adds on one stamp.
    pub cooldown_secs: u32,
    /// `maxAddsPerDay`: adds per stamp per (UTC) day.
    pub max_adds_per_day: u32,
}

impl AddLimits {
    /// Whether any rule is on (the server skips reading the history otherwise).
    pub fn any(&self) -> bool {
        self.cooldown_secs > 0 || self.max_adds_per_day > 0
    }
}

/// What the rules need from a stamp's history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddHistory {
    /// Unix ms of the newest `ADD` event, if any.
    pub last_add_ms: Option<i64>,
    /// `ADD` events during the current UTC day (see [`day_bounds_ms`]).
    pub adds_today: u32,
}

/// An add the pace rules refuse, and the seconds after which it would be allowed
/// (`Retry-After`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceRefusal {
    /// The refusal: [`ErrorCode::AddTooSoon`] or [`ErrorCode::DailyAddLimit`].
    pub error: ApiError,
    /// Seconds to wait, at least 1.
    pub retry_after_secs: u32,
}

/// Unix ms of the first instant of the UTC day that holds `now_ms` and of the next day's:
/// the range whose `ADD` events count toward `maxAddsPerDay`. The day of the timestamps, like
/// every timestamp of the history (a pinned "today" for testing windows does not move it).
pub fn day_bounds_ms(now_ms: i64) -> (i64, i64) {
    let day = DateTime::from_timestamp_millis(now_ms).map_or(NaiveDate::MIN, |t| t.date_naive());
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map_or(i64::MAX, |t| t.and_utc().timestamp_millis());
    let next = day.checked_add_days(Days::new(1)).map_or(i64::MAX, start);
    (start(day), next)
}

fn wait_secs(ms: i64) -> u32 {
    u32::try_from(ms.saturating_add(999).div_euclid(1000)).unwrap_or(u32::MAX).max(1)
}

/// Refuses an add that comes sooner than `cooldownSecs` after the stamp's last one, or that
/// would exceed `maxAddsPerDay` for the current UTC day. The cooldown is checked first: it is
/// the one a burst of taps at the counter runs into.
pub fn check_add_pace(limits: &AddLimits, history: &AddHistory, now_ms: i64) -> Result<(), PaceRefusal> {
    if limits.cooldown_secs > 0
        && let Some(last) = history.last_add_ms
    {
        let allowed_at = last.saturating_add(i64::from(limits.cooldown_secs) * 1000);
        if now_ms < allowed_at {
            let secs = wait_secs(allowed_at - now_ms);
            return Err(PaceRefusal {
                error: ApiError::new(
                    ErrorCode::AddTooSoon,
                    format!(
                        "this card allows one stamp every {} seconds on a stamp; try again in {secs} seconds",
                        limits.cooldown_secs
                    ),
                ),
                retry_after_secs: secs,
            });
        }
    }
    if limits.max_adds_per_day > 0 && history.adds_today >= limits.max_adds_per_day {
        let (_, next_day) = day_bounds_ms(now_ms);
        let secs = wait_secs(next_day.saturating_sub(now_ms));
        return Err(PaceRefusal {
            error: ApiError::new(
                ErrorCode::DailyAddLimit,
                format!(
                    "this card allows {} stamps a day on a stamp and this one has had them today (UTC); try again tomorrow",
                    limits.max_adds_per_day
                ),
            ),
            retry_after_secs: secs,
        });
    }
    Ok(())
}

/// The validity window of an automatic renewal issued on `today`: as many days as the
/// redeemed stamp's window, starting today, ending at most 5 years from today (the rule
/// every new stamp follows).
pub fn renewal_window(previous: Window, today: NaiveDate) -> Window {
    let days = u64::try_from((previous.end - previous.start).num_days()).unwrap_or(0);
    let latest = today.checked_add_months(Months::new(limits::END_DATE_MONTHS_AHEAD)).unwrap_or(NaiveDate::MAX);
    let end = today.checked_add_days(Days::new(days)).unwrap_or(latest).min(latest);
    Window { start: today, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn cooldown_and_daily_cap() {
        let start = day("2026-03-01").and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis();
        let now = start + 3_600_000;
        assert_eq!(day_bounds_ms(now), (start, start + 86_400_000));
        let off = AddLimits::default();
        let busy = AddHistory { last_add_ms: Some(now - 1), adds_today: 50 };
        assert!(check_add_pace(&off, &busy, now).is_ok());
        let cooldown = AddLimits { cooldown_secs: 60, max_adds_per_day: 0 };
        let refusal = check_add_pace(&cooldown, &AddHistory { last_add_ms: Some(now - 10_500), adds_today: 1 }, now)
            .expect_err("too soon");
        assert_eq!((refusal.error.code, refusal.retry_after_secs), (ErrorCode::AddTooSoon, 50));
        let later = AddHistory { last_add_ms: Some(now - 60_000), adds_today: 1 };
        assert!(check_add_pace(&cooldown, &later, now).is_ok());
        let cap = AddLimits { cooldown_secs: 0, max_adds_per_day: 2 };
        assert!(check_add_pace(&cap, &AddHistory { last_add_ms: None, adds_today: 1 }, now).is_ok());
        let refusal =
            check_add_pace(&cap, &AddHistory { last_add_ms: None, adds_today: 2 }, now).expect_err("cap reached");
        assert_eq!((refusal.error.code, refusal.retry_after_secs), (ErrorCode::DailyAddLimit, 23 * 3600));
    }

    #[test]
    fn renewal_keeps_the_length_and_the_five_year_rule() {
        let today = day("2026-03-01");
        let month = Window { start: day("2025-01-10"), end: day("2025-02-09") };
        assert_eq!(renewal_window(month, today), Window { start: today, end: day("2026-03-31") });
        let long = Window { start: day("2020-01-01"), end: day("2030-01-01") };
        assert_eq!(renewal_window(long, today).end, day("2031-03-01"));
        let one_day = Window { start: day("2025-01-10"), end: day("2025-01-10") };
        assert_eq!(renewal_window(one_day, today), Window { start: today, end: today });
    }
}
