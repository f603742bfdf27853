//! The customer stamp page's writes: PINs, sessions and the staff's on-site actions, with
//! the guessing lockout.
//!
//! Secrets are compared with argon2id BEFORE the write (the hash is slow and the writer is
//! shared); the write re-reads the stamp, re-checks the lock, and records the guess. A wrong
//! guess is committed (the counter must survive the refusal), so those operations answer
//! `Decision::CommitAndRefuse(refusal)`.

use chrono::NaiveDate;
use stampcard_core::ErrorCode;
use stampcard_core::model::Stamp;
use stampcard_core::rules::{self, OnsiteProof};
use stampcard_core::secret::{self, CardGuard};
use stampcard_core::types::{YesNo, Ymd};
use stampcard_core::wire::{HistoryAction, HistoryActor, PageIntro, PageView, PinState, SessionResult};

use super::staff::OnsiteGuess;
use super::{Guess, card_rules, remaining_secs};
use crate::error::Error;
use crate::secrets;
use crate::store::{CardRecord, Decision, LinkedStamp, NewEvent, OpOutput, StampRecord, Tx};

/// How long a stamp-page session lasts.
pub const SESSION_SECS: u32 = 30 * 60;

/// What the page shows before the PIN: the card's name and reward, the PIN state and lock,
/// and the card's state for `today`, so a card that cannot be used says so without a PIN.
pub fn intro(stamp: &StampRecord, card: &CardRecord, today: NaiveDate, now_ms: i64) -> PageIntro {
    PageIntro {
        card_nm: card.name.clone(),
        card_ttl: card.title.clone(),
        pin_state: stamp.pin_state,
        pin_locked_secs: remaining_secs(stamp.pin_locked_until, now_ms),
        state: rules::state(&card.model(), &stamp.model(), today),
        strt_ymd: Ymd(stamp.start),
        end_ymd: Ymd(stamp.end),
    }
}

/// The whole card, with the state the core derives for `today`. `previous_redeemed` is the
/// redemption day of the stamp this one automatically renewed, if any.
pub fn view(
    stamp: &StampRecord,
    card: &CardRecord,
    previous_redeemed: Option<NaiveDate>,
    today: NaiveDate,
    now_ms: i64,
) -> PageView {
    PageView {
        card_nm: card.name.clone(),
        card_ttl: card.title.clone(),
        stamp_img_url: card.stamp_img_url.clone(),
        url: card.url.clone(),
        stamps: stamp.stamps,
        max_stamps: card.max_stamps,
        strt_ymd: Ymd(stamp.start),
        end_ymd: Ymd(stamp.end),
        active_yn: YesNo::from(stamp.active),
        redeemed_ymd: stamp.redeemed_on.map(Ymd),
        onsite_yn: YesNo::from(card.onsite_required),
        today: Ymd(today),
        state: rules::state(&card.model(), &stamp.model(), today),
        onsite_locked_secs: remaining_secs(stamp.onsite_locked_until, now_ms),
        previous_redeemed_ymd: previous_redeemed.map(Ymd),
    }
}

/// The refusal for a locked action, with `Retry-After`.
pub fn locked(what: &str, secs: u32) -> Error {
    Error::retry_after(ErrorCode::Locked, format!("too many wrong {what} in a row; try again in {secs} seconds"), secs)
}

/// A new session to store: the token the customer gets and its hash the database keeps.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Sent to the customer once.
    pub token: String,
    /// Stored.
    pub token_hash: Vec<u8>,
}

impl NewSession {
    /// A fresh random session.
    pub fn generate() -> NewSession {
        let token = secrets::random_token();
        let token_hash = secrets::sha256(token.as_bytes());
        NewSession { token, token_hash }
    }

    async fn store(self, tx: &mut dyn Tx, stamp_idx: i64, now_ms: i64) -> Result<SessionResult, Error> {
        tx.insert_session(stamp_idx, &self.token_hash, now_ms + i64::from(SESSION_SECS) * 1000).await?;
        Ok(SessionResult { session_token: self.token, expires_in_secs: SESSION_SECS })
    }
}

fn customer_event(
    stamp: &StampRecord,
    action: HistoryAction,
    actor: HistoryActor,
    before: u32,
    now_ms: i64,
) -> NewEvent {
    NewEvent {
        stamp_idx: stamp.stamp_idx,
        action,
        stamps_before: before,
        stamps_after: stamp.stamps,
        actor,
        api_key_idx: None,
        staff_idx: None,
        user_idx: None,
        at: now_ms,
    }
}

/// The stamp the link stands for: the newest of its chain of automatic renewals.
async fn load_linked(tx: &mut dyn Tx, token: &str) -> Result<LinkedStamp, Error> {
    Ok(tx.stamp_by_link(token).await?.ok_or(ErrorCode::StampNotFound)?)
}

async fn load(tx: &mut dyn Tx, token: &str) -> Result<(StampRecord, CardRecord), Error> {
    let linked = load_linked(tx, token).await?;
    Ok((linked.stamp, linked.card))
}

/// Counts a wrong guess; returns the refusal, mentioning the lock when this guess starts one.
fn count_failure(failures: &mut u32, locked_until: &mut i64, now_ms: i64, wrong: ErrorCode, what: &str) -> Error {
    *failures = failures.saturating_add(1);
    match secret::lock_secs(*failures) {
        Some(secs) => {
            *locked_until = now_ms + i64::from(secs) * 1000;
            Error::retry_after(
                wrong,
                format!("{}; too many wrong {what} in a row, so it is locked for {secs} seconds", wrong.message()),
                secs,
            )
        }
        None => {
            let left = secret::LOCK_AFTER_FAILURES.saturating_sub(*failures);
            Error::api(wrong, format!("{}; {left} more wrong tries before a lockout", wrong.message()))
        }
    }
}

/// `POST /api/page/v1/{token}/pin`: the first PIN, or a new one after the shop reset it.
pub async fn set_pin(tx: &mut dyn Tx, token: String, pin_hash: String, session: NewSession, now_ms: i64) -> OpOutput {
    let (mut stamp, _card) = load(tx, &token).await?;
    if stamp.pin_state == PinState::Set {
        return Err(Error::api(
            ErrorCode::PinAlreadySet,
            "a PIN is already set for this stamp card; enter it, or change it with the current PIN",
        ));
    }
    stamp.pin_hash = Some(pin_hash);
    stamp.pin_state = PinState::Set;
    stamp.pin_failures = 0;
    stamp.pin_locked_until = 0;
    tx.update_stamp(&stamp).await?;
    tx.delete_sessions(stamp.stamp_idx).await?;
    tx.append_event(&customer_event(&stamp, HistoryAction::PinSet, HistoryActor::Customer, stamp.stamps, now_ms))
        .await?;
    let result = session.store(tx, stamp.stamp_idx, now_ms).await?;
    Decision::done(&result)
}

/// Refuses a PIN guess without looking at the hash: no PIN yet, or locked. The handler asks
/// before hashing, the write again inside its transaction.
pub fn pin_guess_allowed(stamp: &StampRecord, now_ms: i64) -> Result<(), Error> {
    if stamp.pin_state != PinState::Set {
        return Err(Error::api(ErrorCode::PinNotSet, "no PIN has been set for this stamp card yet; choose one first"));
    }
    match remaining_secs(stamp.pin_locked_until, now_ms) {
        Some(secs) => Err(locked("PINs", secs)),
        None => Ok(()),
    }
}

/// Checks a PIN guess inside the write: lock first (without looking at the hash), then the
/// guess, counting a wrong one.
async fn verify_pin_guess(
    tx: &mut dyn Tx,
    stamp: &mut StampRecord,
    guess: &Guess,
    now_ms: i64,
) -> Result<Option<Error>, Error> {
    pin_guess_allowed(stamp, now_ms)?;
    if !guess.matches(stamp.pin_hash.as_deref()).await? {
        let refusal =
            count_failure(&mut stamp.pin_failures, &mut stamp.pin_locked_until, now_ms, ErrorCode::WrongPin, "PINs");
        tx.update_stamp(stamp).await?;
        return Ok(Some(refusal));
    }
    if stamp.pin_failures != 0 || stamp.pin_locked_until != 0 {
        stamp.pin_failures = 0;
        stamp.pin_locked_until = 0;
        tx.update_stamp(stamp).await?;
    }
    Ok(None)
}

/// `POST /api/page/v1/{token}/session`: verify the PIN, open a session.
pub async fn open_session(tx: &mut dyn Tx, token: String, guess: Guess, session: NewSession, now_ms: i64) -> OpOutput {
    let (mut stamp, _card) = load(tx, &token).await?;
    if let Some(refusal) = verify_pin_guess(tx, &mut stamp, &guess, now_ms).await? {
        return Ok(Decision::CommitAndRefuse(refusal));
    }
    let result = session.store(tx, stamp.stamp_idx, now_ms).await?;
    Decision::done(&result)
}

/// `PUT /api/page/v1/{token}/pin`: change the PIN with the current one. Ends the other
/// sessions.
pub async fn change_pin(
    tx: &mut dyn Tx,
    token: String,
    current: Guess,
    new_hash: String,
    session: NewSession,
    now_ms: i64,
) -> OpOutput {
    let (mut stamp, _card) = load(tx, &token).await?;
    if let Some(refusal) = verify_pin_guess(tx, &mut stamp, &current, now_ms).await? {
        return Ok(Decision::CommitAndRefuse(refusal));
    }
    stamp.pin_hash = Some(new_hash);
    tx.update_stamp(&stamp).await?;
    tx.delete_sessions(stamp.stamp_idx).await?;
    tx.append_event(&customer_event(&stamp, HistoryAction::PinSet, HistoryActor::Customer, stamp.stamps, now_ms))
        .await?;
    let result = session.store(tx, stamp.stamp_idx, now_ms).await?;
    Decision::done(&result)
}

/// A staff action on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnsiteAction {
    /// Add one stamp.
    Add,
    /// Redeem the reward.
    Redeem,
}

/// Refuses a staff action before any password is looked at, and returns the stamp's state
/// after it: the card has no staff password, the card (`guard`) or the stamp is locked, or
/// the stamp cannot take the action today (so it never tells a right password from a wrong
/// one). The handler asks before hashing, the write again inside its transaction.
pub fn onsite_allowed(
    stamp: &StampRecord,
    card: &CardRecord,
    guard: &CardGuard,
    action: OnsiteAction,
    today: NaiveDate,
    now_ms: i64,
) -> Result<Stamp, Error> {
    if !card.onsite_required {
        return Err(ErrorCode::OnsiteNotEnabled.into());
    }
    if let Some(secs) = guard.locked_secs(now_ms) {
        return Err(locked("staff passwords on this card", secs));
    }
    if let Some(secs) = remaining_secs(stamp.onsite_locked_until, now_ms) {
        return Err(locked("staff passwords", secs));
    }
    let outcome = match action {
        OnsiteAction::Add => rules::add(&card.model(), &stamp.model(), today),
        OnsiteAction::Redeem => rules::redeem(&card.model(), &stamp.model(), today, OnsiteProof::Correct),
    };
    Ok(outcome?)
}

/// `POST /api/page/v1/{token}/onsite/add` and `/onsite/redeem`: result is the new view.
///
/// Order: the card's and the stamp's locks, then the rules, then the password. A wrong
/// password counts on the stamp (its own escalating lock) and on the card (shared by all its
/// stamps, so more stamps buy no more guesses); a right one clears both.
pub async fn onsite(
    tx: &mut dyn Tx,
    token: String,
    action: OnsiteAction,
    guess: OnsiteGuess,
    today: NaiveDate,
    now_ms: i64,
) -> OpOutput {
    let LinkedStamp { mut stamp, card, previous_redeemed_ymd } = load_linked(tx, &token).await?;
    let mut guard = tx.card_guard(card.card_idx).await?;
    let next = onsite_allowed(&stamp, &card, &guard, action, today, now_ms)?;
    if action == OnsiteAction::Add {
        // Like the state rules, before the password: a refusal tells nothing about it.
        card_rules::check_add_pace(tx, &card, stamp.stamp_idx, now_ms).await?;
    }
    // A staff member's wrong password counts here exactly like the card's: on the stamp and
    // on the card's guard, so trying staff numbers buys no extra guesses.
    let Some(actor) = guess.accepts(tx, &card).await? else {
        let mut refusal = count_failure(
            &mut stamp.onsite_failures,
            &mut stamp.onsite_locked_until,
            now_ms,
            ErrorCode::WrongOnsitePassword,
            "staff passwords",
        );
        if let Some(secs) = guard.record_failure(now_ms) {
            let secs = secs.max(remaining_secs(stamp.onsite_locked_until, now_ms).unwrap_or(0));
            refusal = Error::retry_after(
                ErrorCode::WrongOnsitePassword,
                format!(
                    "{}; too many wrong staff passwords on this card, so its staff actions are locked for {secs} seconds",
                    ErrorCode::WrongOnsitePassword.message()
                ),
                secs,
            );
        }
        tx.update_stamp(&stamp).await?;
        tx.put_card_guard(card.card_idx, &guard).await?;
        return Ok(Decision::CommitAndRefuse(refusal));
    };
    if guard != CardGuard::default() {
        guard.record_success();
        tx.put_card_guard(card.card_idx, &guard).await?;
    }
    stamp.onsite_failures = 0;
    stamp.onsite_locked_until = 0;
    let before = stamp.stamps;
    stamp.apply(&next);
    tx.update_stamp(&stamp).await?;
    let history_action = match action {
        OnsiteAction::Add => HistoryAction::Add,
        OnsiteAction::Redeem => HistoryAction::Use,
    };
    let by = match actor.staff_idx() {
        Some(staff_idx) => card_rules::Actor {
            actor: HistoryActor::Staff,
            api_key_idx: None,
            staff_idx: Some(staff_idx),
            user_idx: None,
        },
        None => card_rules::Actor { actor: HistoryActor::Onsite, api_key_idx: None, staff_idx: None, user_idx: None },
    };
    let event = customer_event(&stamp, history_action, by.actor, before, now_ms);
    tx.append_event(&NewEvent { staff_idx: by.staff_idx, ..event }).await?;
    if action == OnsiteAction::Redeem {
        // With automatic renewal the page goes on with the new card, saying the reward was
        // redeemed today above it.
        if let Some(renewed) = card_rules::renew_after_redeem(tx, &mut stamp, &card, by, today, now_ms).await? {
            return Decision::done(&view(&renewed, &card, Some(today), today, now_ms));
        }
    }
    Decision::done(&view(&stamp, &card, previous_redeemed_ymd, today, now_ms))
}
