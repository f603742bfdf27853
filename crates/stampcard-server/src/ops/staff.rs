//! Staff members (our extension): their writes, and how a password typed where a card's
//! `onsitePwd` is asked for is checked, on the stamp page and by the redeem API.
//!
//! A staff member types `<staffIdx>:<staffPwd>` ([`parse_credential`]). The number finds one
//! row by key, so an attempt costs exactly one argon2 verification however many staff
//! members the account has; a string of another form (or naming no staff member of the
//! account) is checked against the card's own password, also one verification. A staff member
//! who is inactive or does not cover the card still costs that one verification and then
//! counts as a wrong password, so the answer and its timing do not tell them apart.

use std::collections::BTreeMap;

use stampcard_core::ErrorCode;
use stampcard_core::staff::{CardScope, NewStaff, StaffPatch, StaffView, parse_credential};
use stampcard_core::types::YesNo;

use super::{Ctx, Guess};
use crate::clock::ymdt;
use crate::error::Error;
use crate::secrets;
use crate::store::{CardRecord, Decision, OpOutput, ResultJson, StaffRecord, Store, Tx};

/// The staff member as the API shows it (never the password or its hash). `card_idxs` is
/// their card list, ignored for a staff member of every card.
pub fn view(staff: &StaffRecord, card_idxs: Vec<i64>) -> StaffView {
    StaffView {
        staff_idx: staff.staff_idx,
        staff_nm: staff.staff_nm.clone(),
        all_cards_yn: YesNo::from(staff.all_cards),
        card_idxs: (!staff.all_cards).then_some(card_idxs),
        active_yn: YesNo::from(staff.active),
        reg_ymdt: ymdt(staff.created_at),
    }
}

/// The account's staff members with their card lists, oldest first.
pub async fn list(store: &dyn Store, account_idx: i64) -> Result<Vec<StaffView>, Error> {
    let mut cards: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (staff_idx, card_idx) in store.staff_cards(account_idx).await? {
        cards.entry(staff_idx).or_default().push(card_idx);
    }
    let members = store.staff_members(account_idx).await?;
    Ok(members.iter().map(|staff| view(staff, cards.remove(&staff.staff_idx).unwrap_or_default())).collect())
}

/// Refuses a card list naming a card that is not the account's (another account's cards look
/// exactly like missing ones).
async fn check_cards(tx: &mut dyn Tx, account_idx: i64, card_idxs: &[i64]) -> Result<(), Error> {
    for card_idx in card_idxs {
        if tx.card(account_idx, *card_idx).await?.is_none() {
            return Err(Error::api(ErrorCode::CardNotFound, format!("cardIdxs: card {card_idx} not found")));
        }
    }
    Ok(())
}

/// Writes a staff member's scope (its cards checked before); returns their card list.
async fn set_scope(tx: &mut dyn Tx, staff: &mut StaffRecord, scope: CardScope) -> Result<Vec<i64>, Error> {
    let card_idxs = match scope {
        CardScope::All => Vec::new(),
        CardScope::Only(card_idxs) => card_idxs,
    };
    staff.all_cards = card_idxs.is_empty();
    tx.set_staff_cards(staff.staff_idx, &card_idxs).await?;
    Ok(card_idxs)
}

/// `POST /api/stamp/v1/staff/create`: result is the new staff member. `pwd_hash` is the
/// argon2id hash of `new.password`, computed before the write.
pub async fn create(tx: &mut dyn Tx, ctx: Ctx, new: NewStaff, pwd_hash: String) -> OpOutput {
    if let CardScope::Only(card_idxs) = &new.scope {
        check_cards(tx, ctx.account_idx, card_idxs).await?;
    }
    let mut staff = StaffRecord {
        staff_idx: 0,
        account_idx: ctx.account_idx,
        staff_nm: new.name,
        pwd_hash,
        all_cards: new.scope == CardScope::All,
        active: true,
        created_at: ctx.now_ms,
    };
    staff.staff_idx = tx.insert_staff(&staff).await?;
    let card_idxs = set_scope(tx, &mut staff, new.scope).await?;
    Decision::done(&view(&staff, card_idxs))
}

fn not_found(staff_idx: i64) -> Error {
    Error::api(ErrorCode::StaffNotFound, format!("staff member {staff_idx} not found"))
}

/// `PUT /api/stamp/v1/staff/update`: result is the staff member as changed.
pub async fn update(
    tx: &mut dyn Tx,
    ctx: Ctx,
    staff_idx: i64,
    patch: StaffPatch,
    pwd_hash: Option<String>,
) -> OpOutput {
    let mut staff = tx.staff(ctx.account_idx, staff_idx).await?.ok_or_else(|| not_found(staff_idx))?;
    if let Some(CardScope::Only(card_idxs)) = &patch.scope {
        check_cards(tx, ctx.account_idx, card_idxs).await?;
    }
    if let Some(name) = patch.name {
        staff.staff_nm = name;
    }
    if let Some(hash) = pwd_hash {
        staff.pwd_hash = hash;
    }
    if let Some(active) = patch.active {
        staff.active = active;
    }
    let card_idxs = match patch.scope {
        Some(scope) => set_scope(tx, &mut staff, scope).await?,
        None => tx.staff_card_idxs(staff_idx).await?,
    };
    tx.update_staff(&staff).await?;
    Decision::done(&view(&staff, card_idxs))
}

/// `DELETE /api/stamp/v1/staff/delete`: their password stops working at once; history
/// events keep their `staffIdx`.
pub async fn delete(tx: &mut dyn Tx, ctx: Ctx, staff_idx: i64) -> OpOutput {
    tx.staff(ctx.account_idx, staff_idx).await?.ok_or_else(|| not_found(staff_idx))?;
    tx.delete_staff(ctx.account_idx, staff_idx).await?;
    Ok(Decision::Done(ResultJson::null()))
}

/// A staff member's password as checked before the write.
#[derive(Debug, Clone)]
pub struct StaffGuess {
    /// Who it names.
    pub staff_idx: i64,
    /// The hash it was compared with.
    checked_hash: String,
    /// Whether it matched that hash.
    matched: bool,
}

/// What was typed as an `onsitePwd`, checked before the write: the card's password or a staff
/// member's.
#[derive(Debug, Clone)]
pub enum OnsiteGuess {
    /// The card's own password.
    Card(Guess),
    /// A staff member's credential naming one of the account's staff members.
    Staff(StaffGuess),
}

/// Who an accepted `onsitePwd` belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnsiteActor {
    /// The card's password.
    Card,
    /// This staff member.
    Staff(i64),
}

impl OnsiteActor {
    /// The staff member, if it was one.
    pub fn staff_idx(self) -> Option<i64> {
        match self {
            OnsiteActor::Card => None,
            OnsiteActor::Staff(staff_idx) => Some(staff_idx),
        }
    }
}

/// Checks `onsite_pwd` for `card` before the write, with at most one argon2 verification:
/// a staff credential naming one of the account's staff members against that member's hash,
/// anything else against the card's hash (none when the card has no password).
pub async fn onsite_guess(store: &dyn Store, card: &CardRecord, onsite_pwd: String) -> Result<OnsiteGuess, Error> {
    if let Some((staff_idx, password)) = parse_credential(&onsite_pwd)
        && let Some((staff, _covers)) = store.staff_for_card(card.account_idx, staff_idx, card.card_idx).await?
    {
        // Verified whether or not the member is active and covers the card (checked in the
        // write), so those cases cost and answer the same as a wrong password.
        let matched = secrets::verify_secret(staff.pwd_hash.clone(), password.to_owned()).await?;
        return Ok(OnsiteGuess::Staff(StaffGuess { staff_idx, checked_hash: staff.pwd_hash, matched }));
    }
    let checked = match &card.onsite_pwd_hash {
        Some(hash) => Some((hash.clone(), secrets::verify_secret(hash.clone(), onsite_pwd.clone()).await?)),
        None => None,
    };
    Ok(OnsiteGuess::Card(Guess { secret: onsite_pwd, checked }))
}

impl OnsiteGuess {
    /// An unchecked card password (the redeem API on a card without the on-site check, whose
    /// rules ignore it).
    pub fn unchecked(secret: String) -> OnsiteGuess {
        OnsiteGuess::Card(Guess { secret, checked: None })
    }

    /// Inside the write: who the password belongs to, or `None` when it is wrong. A staff
    /// member must still exist, be active, cover the card and have the password that was
    /// checked: a password changed since the check is not checked again (one verification
    /// per attempt), the attempt counts as wrong.
    pub async fn accepts(&self, tx: &mut dyn Tx, card: &CardRecord) -> Result<Option<OnsiteActor>, Error> {
        match self {
            OnsiteGuess::Card(guess) => {
                Ok(guess.matches(card.onsite_pwd_hash.as_deref()).await?.then_some(OnsiteActor::Card))
            }
            OnsiteGuess::Staff(guess) => {
                let found = tx.staff_for_card(card.account_idx, guess.staff_idx, card.card_idx).await?;
                let accepted = found.is_some_and(|(staff, covers)| {
                    guess.matched && staff.active && covers && staff.pwd_hash == guess.checked_hash
                });
                Ok(accepted.then_some(OnsiteActor::Staff(guess.staff_idx)))
            }
        }
    }
}
