//! The stamp rules: pure operations that take the current state and `today` and return the
//! new state or a typed refusal. A refusal never changes anything: the caller keeps the old
//! state. The server persists what these return; it never re-decides.

use chrono::NaiveDate;

use crate::error::{ApiError, ErrorCode};
use crate::input::StampPatch;
use crate::model::{Card, PinState, Stamp, StampState, WindowPosition};

/// The result of checking the on-site staff password, done by the caller (hash comparison
/// is I/O-free but secret-dependent, so it stays in the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnsiteProof {
    /// No password was given.
    NotGiven,
    /// A password was given and matches.
    Correct,
    /// A password was given and does not match.
    Wrong,
}

/// Refuses when the stamp cannot be used today: redeemed, inactive, outside its window.
/// `GET /api/stamp/v1/validate` answers with exactly this check; add and redeem start with it.
pub fn check_usable(stamp: &Stamp, today: NaiveDate) -> Result<(), ErrorCode> {
    if stamp.redeemed_on.is_some() {
        return Err(ErrorCode::AlreadyRedeemed);
    }
    if !stamp.active {
        return Err(ErrorCode::Inactive);
    }
    match stamp.window.position(today) {
        WindowPosition::Before => Err(ErrorCode::NotStarted),
        WindowPosition::After => Err(ErrorCode::Expired),
        WindowPosition::Inside => Ok(()),
    }
}

/// Adds one stamp: usable today and not full.
pub fn add(card: &Card, stamp: &Stamp, today: NaiveDate) -> Result<Stamp, ErrorCode> {
    check_usable(stamp, today)?;
    if stamp.stamps >= card.max_stamps {
        return Err(ErrorCode::Full);
    }
    Ok(Stamp { stamps: stamp.stamps + 1, ..stamp.clone() })
}

/// Takes one stamp away. A correction, so it works on inactive or expired stamps too, but
/// never below 0 and never on a redeemed stamp.
pub fn remove(stamp: &Stamp) -> Result<Stamp, ErrorCode> {
    if stamp.redeemed_on.is_some() {
        return Err(ErrorCode::AlreadyRedeemed);
    }
    if stamp.stamps == 0 {
        return Err(ErrorCode::NothingToRemove);
    }
    Ok(Stamp { stamps: stamp.stamps - 1, ..stamp.clone() })
}

/// Sets an absolute count (`0..=maxStamps`), up or down. A correction: it ignores the
/// window and `activeYn`, but not redemption.
pub fn set_count(card: &Card, stamp: &Stamp, count: u32) -> Result<Stamp, ApiError> {
    if stamp.redeemed_on.is_some() {
        return Err(ErrorCode::AlreadyRedeemed.into());
    }
    check_count(card, count)?;
    Ok(Stamp { stamps: count, ..stamp.clone() })
}

fn check_count(card: &Card, count: u32) -> Result<(), ApiError> {
    if count > card.max_stamps {
        return Err(ApiError::new(
            ErrorCode::OutOfRange,
            format!("stamps must be between 0 and the card's maxStamps ({})", card.max_stamps),
        ));
    }
    Ok(())
}

/// Redeems the reward: usable today, all stamps collected, and the on-site password when the
/// card requires one. Redeemed is final.
pub fn redeem(card: &Card, stamp: &Stamp, today: NaiveDate, onsite: OnsiteProof) -> Result<Stamp, ErrorCode> {
    check_usable(stamp, today)?;
    if stamp.stamps < card.max_stamps {
        return Err(ErrorCode::NotComplete);
    }
    if card.onsite_required {
        match onsite {
            OnsiteProof::NotGiven => return Err(ErrorCode::OnsitePasswordRequired),
            OnsiteProof::Wrong => return Err(ErrorCode::WrongOnsitePassword),
            OnsiteProof::Correct => {}
        }
    }
    Ok(Stamp { redeemed_on: Some(today), ..stamp.clone() })
}

/// Applies a checked update to a stamp. `card` is the card the stamp will be on afterwards
/// (the new one when `cardIdx` moves it).
///
/// Decisions (see docs/api.md): `stamps` is the new total; reaching `maxStamps` does not
/// require `useYn=Y` (the stamp simply shows "reward ready"); `useYn=Y` needs all stamps
/// collected (counting a `stamps` in the same request) and redeems, without the on-site
/// password since the API key is trusted; on a redeemed stamp only the memo, user fields and
/// domain may change.
pub fn update(card: &Card, stamp: &Stamp, patch: &StampPatch, today: NaiveDate) -> Result<Stamp, ApiError> {
    if stamp.redeemed_on.is_some() && patch.changes_state() {
        return Err(ErrorCode::AlreadyRedeemed.into());
    }
    let mut next = stamp.clone();
    match patch.stamps {
        Some(count) => next = set_count(card, &next, count)?,
        None => check_count(card, next.stamps).map_err(|_| {
            ApiError::new(
                ErrorCode::OutOfRange,
                format!(
                    "the stamp has {} stamps, more than the new card's maxStamps ({})",
                    next.stamps, card.max_stamps
                ),
            )
        })?,
    }
    if let Some(start) = patch.start {
        next.window.start = start;
    }
    if let Some(end) = patch.end {
        next.window.end = end;
    }
    if next.window.start > next.window.end {
        return Err(ErrorCode::DateOrder.into());
    }
    if let Some(active) = patch.active {
        next.active = active;
    }
    if patch.reset_pin && next.pin == PinState::Set {
        next.pin = PinState::Reset;
    }
    if patch.use_reward == Some(true) && next.redeemed_on.is_none() {
        if next.stamps < card.max_stamps {
            return Err(ApiError::new(
                ErrorCode::NotComplete,
                format!("useYn=Y needs all {} stamps collected; the stamp has {}", card.max_stamps, next.stamps),
            ));
        }
        next.redeemed_on = Some(today);
    }
    Ok(next)
}

/// The state the stamp page shows for `today`.
pub fn state(card: &Card, stamp: &Stamp, today: NaiveDate) -> StampState {
    match check_usable(stamp, today) {
        Err(ErrorCode::AlreadyRedeemed) => StampState::Redeemed,
        Err(ErrorCode::Inactive) => StampState::Inactive,
        Err(ErrorCode::NotStarted) => StampState::NotStarted,
        Err(_) => StampState::Expired,
        Ok(()) if stamp.stamps >= card.max_stamps => StampState::Full,
        Ok(()) => StampState::Collecting,
    }
}
