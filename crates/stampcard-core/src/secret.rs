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
    let digits: Vec<i16> = pin.bytes().map(|b| i16::from(b - b'0')).collect();
    let steps: Vec<i16> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    let run = |step: i16| steps.iter().all(|s| *s == step);
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
}
