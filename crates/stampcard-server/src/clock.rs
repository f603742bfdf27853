//! The one source of "now" and "today" (UTC), so tests can pin the calendar day.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use stampcard_core::types::Ymdt;

/// Reads the time. `today` can be pinned (env `STAMPCARD_FAKE_TODAY`) to test expired and
/// not-yet-started stamps; timestamps and lockouts always use the real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fake_today: Option<NaiveDate>,
}

impl Clock {
    /// The real clock.
    pub fn system() -> Clock {
        Clock { fake_today: None }
    }

    /// A clock whose `today` is always `day`.
    pub fn with_today(day: NaiveDate) -> Clock {
        Clock { fake_today: Some(day) }
    }

    /// Unix milliseconds, UTC.
    pub fn now_ms(&self) -> i64 {
        Utc::now().timestamp_millis()
    }

    /// Today's UTC date (or the pinned one).
    pub fn today(&self) -> NaiveDate {
        self.fake_today.unwrap_or_else(|| Utc::now().date_naive())
    }
}

/// Renders stored Unix milliseconds as the API's `regYmdt` (`YYYY-MM-DD hh:mm:ss`, UTC).
pub fn ymdt(ms: i64) -> Ymdt {
    // Whole seconds: the wire format has none smaller, and equal values must compare equal.
    Ymdt(DateTime::<Utc>::from_timestamp(ms.div_euclid(1000), 0).map_or(NaiveDateTime::MIN, |t| t.naive_utc()))
}
