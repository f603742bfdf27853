//! The card rules every path shares: the pace of adds (`cooldownSecs`, `maxAddsPerDay`),
//! checked inside the add's own write after the stamp's row lock, and the automatic renewal
//! that a redeem on an `autoRenewYn=Y` card triggers in the same transaction. The API's add
//! and redeem, a stamp update's `useYn=Y` and the stamp page's staff actions all call these,
//! so no path can get around them.

use chrono::NaiveDate;
use stampcard_core::ErrorCode;
use stampcard_core::card_rules::{self, AddHistory, PaceRefusal};
use stampcard_core::wire::{HistoryAction, HistoryActor};

use crate::error::Error;
use crate::secrets;
use crate::store::{CardRecord, NewEvent, StampRecord, Store, Tx};

fn refusal(PaceRefusal { error, retry_after_secs }: PaceRefusal) -> Error {
    Error::Api { error, retry_after: Some(retry_after_secs) }
}

/// Refuses an add the card's pace rules forbid. Call it inside the add's write, after the
/// stamp was read with its row lock (on PostgreSQL two servers' adds of one stamp then see
/// each other's `ADD` events; SQLite's one writer runs them one after the other anyway).
pub async fn check_add_pace(tx: &mut dyn Tx, card: &CardRecord, stamp_idx: i64, now_ms: i64) -> Result<(), Error> {
    let limits = card.add_limits();
    if !limits.any() {
        return Ok(());
    }
    let (start, end) = card_rules::day_bounds_ms(now_ms);
    let history = tx.add_history(stamp_idx, start, end).await?;
    card_rules::check_add_pace(&limits, &history, now_ms).map_err(refusal)
}

/// The same check on a read, for the stamp page before it hashes a staff password: a refused
/// add costs no hash. The write checks again.
pub async fn check_add_pace_before_hashing(
    store: &dyn Store,
    card: &CardRecord,
    stamp_idx: i64,
    now_ms: i64,
) -> Result<(), Error> {
    let limits = card.add_limits();
    if !limits.any() {
        return Ok(());
    }
    let (start, end) = card_rules::day_bounds_ms(now_ms);
    let history: AddHistory = store.add_history(stamp_idx, start, end).await?;
    card_rules::check_add_pace(&limits, &history, now_ms).map_err(refusal)
}

/// Refuses a new stamp on a retired card (creation, import, a move by `cardIdx`).
pub fn check_card_issues(card: &CardRecord) -> Result<(), Error> {
    if card.active {
        return Ok(());
    }
    Err(Error::api(
        ErrorCode::CardRetired,
        format!(
            "card {} is retired (activeYn=N), so no new stamps can be issued on it; its existing stamps keep working, or send activeYn=Y to bring it back",
            card.card_idx
        ),
    ))
}

/// Who redeemed, for the history of the renewal.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    /// Who.
    pub actor: HistoryActor,
    /// The API key, for `API_KEY`.
    pub api_key_idx: Option<i64>,
    /// The staff member, for `STAFF`.
    pub staff_idx: Option<i64>,
    /// The dashboard user, for `USER`.
    pub user_idx: Option<i64>,
}

/// After `stamp` was redeemed and written: when its card has `autoRenewYn=Y` (and is not
/// retired), issues the customer's next stamp in the same transaction: the same user fields,
/// memo and domain, the same PIN (the customer is not asked for a new one), a window as long
/// as the redeemed one starting `today` (capped by the 5-year rule), no stamps yet. Links the
/// redeemed stamp to it (`next_stamp_idx`), records `RENEW` on the redeemed stamp and `CREATE`
/// on the new one, and moves the open page sessions over, so the customer's link and session
/// go on with the new card. Returns the new stamp, if one was issued.
pub async fn renew_after_redeem(
    tx: &mut dyn Tx,
    stamp: &mut StampRecord,
    card: &CardRecord,
    by: Actor,
    today: NaiveDate,
    now_ms: i64,
) -> Result<Option<StampRecord>, Error> {
    if !card.auto_renew || !card.active || stamp.redeemed_on.is_none() || stamp.next_stamp_idx.is_some() {
        return Ok(None);
    }
    let window = card_rules::renewal_window(stamp.model().window, today);
    let mut next = StampRecord {
        stamp_idx: 0,
        account_idx: stamp.account_idx,
        card_idx: card.card_idx,
        token: secrets::random_token(),
        domain: stamp.domain.clone(),
        stamps: 0,
        start: window.start,
        end: window.end,
        active: true,
        redeemed_on: None,
        memo: stamp.memo.clone(),
        user_id: stamp.user_id.clone(),
        user_nm: stamp.user_nm.clone(),
        user_phnno: stamp.user_phnno.clone(),
        user_eml: stamp.user_eml.clone(),
        user_etc1: stamp.user_etc1.clone(),
        user_etc2: stamp.user_etc2.clone(),
        pin_state: stamp.pin_state,
        pin_hash: stamp.pin_hash.clone(),
        pin_failures: 0,
        pin_locked_until: 0,
        onsite_failures: 0,
        onsite_locked_until: 0,
        created_at: now_ms,
        next_stamp_idx: None,
    };
    next.stamp_idx = tx.insert_stamp(&next).await?;
    stamp.next_stamp_idx = Some(next.stamp_idx);
    tx.update_stamp(stamp).await?;
    let event = |stamp_idx: i64, action: HistoryAction, count: u32| NewEvent {
        stamp_idx,
        action,
        stamps_before: count,
        stamps_after: count,
        actor: by.actor,
        api_key_idx: by.api_key_idx,
        staff_idx: by.staff_idx,
        user_idx: by.user_idx,
        at: now_ms,
    };
    tx.append_event(&event(stamp.stamp_idx, HistoryAction::Renew, stamp.stamps)).await?;
    tx.append_event(&event(next.stamp_idx, HistoryAction::Create, 0)).await?;
    tx.move_sessions(stamp.stamp_idx, next.stamp_idx).await?;
    Ok(Some(next))
}
