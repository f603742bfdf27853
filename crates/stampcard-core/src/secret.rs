//! Rules for the customer's PIN and the card's on-site staff password, and the lockout after
//! repeated wrong guesses. Hashing and comparing are the server's job; the rules are here so
//! the page can check them as the customer types.

use thiserror::Error;

/// Shortest PIN.
pub const PIN_MIN_DIGITS: usize = 4;
/// Longest PIN.
pub const PIN_MAX_DIGITS: usize = 8;
/// Shortest on-site staff password.
pub const ONSITE_MIN_CHARS: usize = 4;
/// Longest on-site staff password.
pub const ONSITE_MAX_CHARS: usize = 32;
/// Wrong guesses in a row before the action locks.
pub const LOCK_AFTER_FAILURES: u32 = 5;
/// The first lock's length; each further wrong guess doubles it.
pub const FIRST_LOCK_SECS: u32 = 30;
/// The longest lock.
pub const MAX_LOCK_SECS: u32 = 3600;

/// Why a PIN breaks the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PinError {
    /// Empty.
    #[error("enter a PIN")]
    Empty,
    /// Something other than the digits 0-9.
    #[error("a PIN may only contain the digits 0-9")]
    NotDigits,
    /// Fewer than 4 digits.
    #[error("a PIN must have at least 4 digits")]
    TooShort,
    /// More than 8 digits.
    #[error("a PIN must have at most 8 digits")]
    TooLong,
    /// One digit repeated, or a straight run such as 1234 or 9876.
    #[error("choose a PIN that is not one repeated digit or a straight run like 1234")]
    TooSimple,
}

/// Checks a PIN: 4 to 8 ASCII digits, not all the same digit, not a straight run up or down.
pub fn check_pin(pin: &str) -> Result<(), PinError> {
    if pin.is_empty() {
        return Err(PinError::Empty);
    }
    if !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinError::NotDigits);
    }
    if pin.len() < PIN_MIN_DIGITS {
        return Err(PinError::TooShort);
    }
    if pin.len() > PIN_MAX_DIGITS {
        return Err(PinError::TooLong);
    }
    // Pairs of neighbouring digits by iterators, not indexing: nothing here can panic, so the
    // widget's wasm carries no panic location for it.
    let digits = pin.bytes().map(|b| i16::from(b - b'0'));
    let run = |step: i16| digits.clone().zip(digits.clone().skip(1)).all(|(a, b)| b - a == step);
    if run(0) || run(1) || run(-1) {
        return Err(PinError::TooSimple);
    }
    Ok(())
}

/// Why an on-site staff password breaks the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum OnsitePasswordError {
    /// Shorter than 4 characters.
    #[error("must have at least 4 characters")]
    TooShort,
    /// Longer than 32 characters.
    #[error("must have at most 32 characters")]
    TooLong,
    /// Control characters, or blank.
    #[error("must be printable and not blank")]
    NotPrintable,
}

/// Checks an on-site staff password chosen for a card: 4 to 32 printable characters.
pub fn check_onsite_password(password: &str) -> Result<(), OnsitePasswordError> {
    let chars = password.chars().count();
    if chars < ONSITE_MIN_CHARS {
        return Err(OnsitePasswordError::TooShort);
    }
    if chars > ONSITE_MAX_CHARS {
        return Err(OnsitePasswordError::TooLong);
    }
    if password.chars().any(char::is_control) || password.trim().is_empty() {
        return Err(OnsitePasswordError::NotPrintable);
    }
    Ok(())
}

/// How long to lock after `consecutive_failures` wrong guesses in a row: nothing below 5,
/// then 30 s, doubling with each further wrong guess, at most an hour.
pub fn lock_secs(consecutive_failures: u32) -> Option<u32> {
    let over = consecutive_failures.checked_sub(LOCK_AFTER_FAILURES)?;
    let factor = 1u32.checked_shl(over.min(16)).unwrap_or(u32::MAX);
    Some(FIRST_LOCK_SECS.saturating_mul(factor).min(MAX_LOCK_SECS))
}

/// Every PIN of 4 to 8 digits that [`check_pin`] refuses as too simple: one digit repeated, or
/// a straight run up or down. Listed out for the OpenAPI document's PIN pattern.
pub fn too_simple_pins() -> Vec<String> {
    let mut pins = Vec::new();
    for len in PIN_MIN_DIGITS..=PIN_MAX_DIGITS {
        for step in [0i32, 1, -1] {
            for first in 0..=9i32 {
                let digits: Option<String> = (0..len)
                    .map(|i| {
                        let i = i32::try_from(i).ok()?;
                        u32::try_from(first + step * i).ok().and_then(|d| char::from_digit(d, 10))
                    })
                    .collect();
                pins.extend(digits);
            }
        }
    }
    pins
}

/// Ceiling of the seconds from `now_ms` until `until_ms`, when that is in the future: what a
/// lock has left.
pub fn remaining_secs(until_ms: i64, now_ms: i64) -> Option<u32> {
    let left = until_ms.checked_sub(now_ms).filter(|left| *left > 0)?;
    Some(u32::try_from((left + 999) / 1000).unwrap_or(u32::MAX))
}

/// Wrong staff passwords in a row on one card, over all its stamps, before the card's on-site
/// actions lock.
pub const CARD_LOCK_AFTER_FAILURES: u32 = 5;
/// The first card-wide lock; each further lock in a row doubles it.
pub const CARD_FIRST_LOCK_SECS: u32 = 60;
/// The longest card-wide lock: short, so one customer cannot shut the counter for long.
pub const CARD_MAX_LOCK_SECS: u32 = 15 * 60;
/// After this long without a wrong staff password the card's lock schedule starts afresh.
pub const CARD_QUIET_RESET_MS: i64 = 60 * 60 * 1000;

/// The staff-password guard shared by every stamp of one card.
///
/// Failures count per card, so a customer holding many stamps of the card gets no more
/// guesses than one holding a single stamp: at most [`CARD_LOCK_AFTER_FAILURES`] per lock,
/// and locks grow from 1 to 15 minutes. Each stamp also keeps its own escalating lock
/// ([`lock_secs`]), which stops one stamp from re-locking the counter as soon as a card lock
/// ends; a right password clears the card's counter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CardGuard {
    /// Wrong passwords since the last lock or success.
    pub failures: u32,
    /// Locks in a row without a success in between (the schedule's step).
    pub locks: u32,
    /// Unix ms until which the card's on-site actions are locked (0: never locked).
    pub locked_until_ms: i64,
    /// Unix ms of the last wrong password (0: none).
    pub last_failure_ms: i64,
}

impl CardGuard {
    /// Seconds left of the card's lock, if it is locked at `now_ms`.
    pub fn locked_secs(&self, now_ms: i64) -> Option<u32> {
        remaining_secs(self.locked_until_ms, now_ms)
    }

    /// Counts a wrong password; returns the lock's length when this failure starts one.
    pub fn record_failure(&mut self, now_ms: i64) -> Option<u32> {
        if self.last_failure_ms != 0 && now_ms.saturating_sub(self.last_failure_ms) >= CARD_QUIET_RESET_MS {
            *self = CardGuard::default();
        }
        self.last_failure_ms = now_ms;
        self.failures = self.failures.saturating_add(1);
        if self.failures < CARD_LOCK_AFTER_FAILURES {
            return None;
        }
        let factor = 1u32.checked_shl(self.locks.min(16)).unwrap_or(u32::MAX);
        let secs = CARD_FIRST_LOCK_SECS.saturating_mul(factor).min(CARD_MAX_LOCK_SECS);
        self.failures = 0;
        self.locks = self.locks.saturating_add(1);
        self.locked_until_ms = now_ms.saturating_add(i64::from(secs) * 1000);
        Some(secs)
    }

    /// A right password: the counter and the schedule start afresh.
    pub fn record_success(&mut self) {
        *self = CardGuard::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pin: &str, expected: Result<(), PinError>) {
        assert_eq!(check_pin(pin), expected, "pin {pin:?}");
    }

    #[test]
    fn pin_rules() {
        check("", Err(PinError::Empty));
        check("12a4", Err(PinError::NotDigits));
        check("１２３４", Err(PinError::NotDigits));
        check(" 2580", Err(PinError::NotDigits));
        check("259", Err(PinError::TooShort));
        check("258025802", Err(PinError::TooLong));
        check("0000", Err(PinError::TooSimple));
        check("1234", Err(PinError::TooSimple));
        check("98765", Err(PinError::TooSimple));
        check("2580", Ok(()));
        check("13579", Ok(()));
        check("90817263", Ok(()));
        check("1123", Ok(()));
    }

    #[test]
    fn onsite_password_rules() {
        assert_eq!(check_onsite_password("123"), Err(OnsitePasswordError::TooShort));
        assert_eq!(check_onsite_password("12345"), Ok(()));
        assert_eq!(check_onsite_password(&"x".repeat(33)), Err(OnsitePasswordError::TooLong));
        assert_eq!(check_onsite_password("    "), Err(OnsitePasswordError::NotPrintable));
        assert_eq!(check_onsite_password("ab\ncd"), Err(OnsitePasswordError::NotPrintable));
        assert_eq!(check_onsite_password("café!"), Ok(()));
    }

    #[test]
    fn lock_grows_and_caps() {
        assert_eq!(lock_secs(0), None);
        assert_eq!(lock_secs(4), None);
        assert_eq!(lock_secs(5), Some(30));
        assert_eq!(lock_secs(6), Some(60));
        assert_eq!(lock_secs(7), Some(120));
        assert_eq!(lock_secs(12), Some(3600));
        assert_eq!(lock_secs(u32::MAX), Some(3600));
    }

    #[test]
    fn card_guard_locks_after_five_and_grows_to_fifteen_minutes() {
        let mut guard = CardGuard::default();
        let t0 = 1_700_000_000_000;
        for i in 0..4 {
            assert_eq!(guard.record_failure(t0 + i), None, "failure {i}");
        }
        assert_eq!(guard.record_failure(t0 + 4), Some(60));
        assert_eq!(guard.locked_secs(t0 + 4), Some(60));
        assert_eq!(guard.locked_secs(t0 + 60_004), None);
        let mut at = t0 + 60_004;
        let mut locks = Vec::new();
        for _ in 0..6 {
            let secs = (0..5).find_map(|_| guard.record_failure(at)).expect("five failures lock");
            locks.push(secs);
            at += i64::from(secs) * 1000;
        }
        assert_eq!(locks, [120, 240, 480, 900, 900, 900]);
        guard.record_success();
        assert_eq!(guard, CardGuard::default());
        assert_eq!(guard.locked_secs(at), None);
    }

    #[test]
    fn card_guard_forgets_after_a_quiet_hour() {
        let mut guard = CardGuard::default();
        let t0 = 1_700_000_000_000;
        for i in 0..4 {
            assert_eq!(guard.record_failure(t0 + i), None);
        }
        assert_eq!(guard.record_failure(t0 + CARD_QUIET_RESET_MS + 10), None, "the count restarted");
        assert_eq!(guard.failures, 1);
    }

    #[test]
    fn too_simple_pins_are_exactly_the_ones_check_pin_refuses_as_too_simple() {
        let pins = too_simple_pins();
        // 10 repeated digits of each length, runs up and down starting where they fit.
        assert_eq!(pins.len(), 5 * 10 + 2 * (7 + 6 + 5 + 4 + 3));
        for pin in &pins {
            assert_eq!(check_pin(pin), Err(PinError::TooSimple), "{pin}");
        }
        let listed: std::collections::HashSet<&String> = pins.iter().collect();
        // Every 4- and 5-digit string: refused as too simple exactly when listed.
        for len in [4, 5] {
            for n in 0..10u32.pow(len) {
                let pin = format!("{n:0width$}", width = len as usize);
                assert_eq!(check_pin(&pin).is_err(), listed.contains(&pin), "{pin}");
            }
        }
    }

    #[test]
    fn remaining_secs_rounds_up_and_ends() {
        assert_eq!(remaining_secs(10_001, 0), Some(11));
        assert_eq!(remaining_secs(10_000, 0), Some(10));
        assert_eq!(remaining_secs(10_000, 10_000), None);
        assert_eq!(remaining_secs(0, 10_000), None);
        assert_eq!(remaining_secs(i64::MAX, i64::MIN), None, "overflow is no lock, never a panic");
    }
}
