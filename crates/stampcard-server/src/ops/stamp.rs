//! The stamp API's writes (create, add, remove, update, delete, redeem) and the validate view.

use stampcard_core::input::{NewStamp, StampPatch};
use stampcard_core::rules::{self, OnsiteProof};
use stampcard_core::types::{YesNo, Ymd};
use stampcard_core::wire::{HistoryAction, HistoryActor, PAYLOAD_VERSION, PinState, ValidateResult};
use stampcard_core::{ApiError, ErrorCode};

use super::staff::OnsiteGuess;
use super::{Ctx, card_rules, stamp_and_card_or_not_found};
use crate::clock::ymdt;
use crate::error::Error;
use crate::secrets;
use crate::store::{CardRecord, Decision, NewEvent, OpOutput, ResultJson, StampRecord, Tx};

/// The customer's stamp page: `{domain or public URL}/stamp/{token}`.
pub fn stamp_url(stamp: &StampRecord, public_url: &str) -> String {
    let base = stamp.domain.as_deref().unwrap_or(public_url).trim_end_matches('/');
    format!("{base}{}/{}", stampcard_core::wire::paths::STAMP_PAGE_PREFIX, stamp.token)
}

fn domain_allowed(ctx: &Ctx, domain: Option<&str>) -> Result<(), Error> {
    if domain.is_some() && !ctx.plan.has_custom_domain() {
        return Err(Error::api(
            ErrorCode::DomainPlanRequired,
            format!(
                "a custom stamp domain needs the Premium plan or higher; this account is on the {} plan (leave domain empty to use the server's own URL)",
                ctx.plan
            ),
        ));
    }
    Ok(())
}

/// `POST /api/stamp/v1/create`: result is the new `stampIdx`.
pub async fn create(tx: &mut dyn Tx, ctx: Ctx, new: NewStamp, token: String) -> OpOutput {
    Decision::done(&insert(tx, ctx, new, token).await?)
}

/// Issues a stamp on a card of the account, with its `CREATE` event; returns its id.
pub async fn insert(tx: &mut dyn Tx, ctx: Ctx, new: NewStamp, token: String) -> Result<i64, Error> {
    insert_with_count(tx, ctx, new, token, 0).await
}

/// [`insert`] for a stamp that starts with `stamps` already collected (the import's paper-card
/// counts, checked against the card by the caller); its `CREATE` event goes from 0 to them.
pub async fn insert_with_count(
    tx: &mut dyn Tx,
    ctx: Ctx,
    new: NewStamp,
    token: String,
    stamps: u32,
) -> Result<i64, Error> {
    let card = tx.card(ctx.account_idx, new.card_idx).await?.ok_or(ErrorCode::CardNotFound)?;
    card_rules::check_card_issues(&card)?;
    domain_allowed(&ctx, new.domain.as_deref())?;
    let profile = new.profile;
    let record = StampRecord {
        stamp_idx: 0,
        account_idx: ctx.account_idx,
        card_idx: card.card_idx,
        token,
        domain: new.domain,
        stamps,
        start: new.window.start,
        end: new.window.end,
        active: new.active,
        redeemed_on: None,
        memo: profile.memo.unwrap_or_default(),
        user_id: profile.user_id.unwrap_or_else(secrets::new_user_id),
        user_nm: profile.user_nm.unwrap_or_default(),
        user_phnno: profile.user_phnno.unwrap_or_default(),
        user_eml: profile.user_eml.unwrap_or_default(),
        user_etc1: profile.user_etc1.unwrap_or_default(),
        user_etc2: profile.user_etc2.unwrap_or_default(),
        pin_state: PinState::Unset,
        pin_hash: None,
        pin_failures: 0,
        pin_locked_until: 0,
        onsite_failures: 0,
        onsite_locked_until: 0,
        created_at: ctx.now_ms,
        next_stamp_idx: None,
    };
    let stamp_idx = tx.insert_stamp(&record).await?;
    tx.append_event(&ctx.event(stamp_idx, HistoryAction::Create, 0, stamps)).await?;
    Ok(stamp_idx)
}

/// `PUT /api/stamp/v1/add`.
pub async fn add(tx: &mut dyn Tx, ctx: Ctx, stamp_idx: i64) -> OpOutput {
    let (mut stamp, card) = stamp_and_card_or_not_found(tx, ctx.account_idx, stamp_idx).await?;
    let before = stamp.stamps;
    let next = rules::add(&card.model(), &stamp.model(), ctx.today)?;
    // After the stamp's row lock (taken by the read above) and the state rules.
    card_rules::check_add_pace(tx, &card, stamp_idx, ctx.now_ms).await?;
    stamp.apply(&next);
    tx.update_stamp(&stamp).await?;
    tx.append_event(&ctx.event(stamp_idx, HistoryAction::Add, before, stamp.stamps)).await?;
    Ok(Decision::Done(ResultJson::null()))
}

/// `PUT /api/stamp/v1/remove`.
pub async fn remove(tx: &mut dyn Tx, ctx: Ctx, stamp_idx: i64) -> OpOutput {
    let (mut stamp, _card) = stamp_and_card_or_not_found(tx, ctx.account_idx, stamp_idx).await?;
    let before = stamp.stamps;
    let next = rules::remove(&stamp.model())?;
    stamp.apply(&next);
    tx.update_stamp(&stamp).await?;
    tx.append_event(&ctx.event(stamp_idx, HistoryAction::Remove, before, stamp.stamps)).await?;
    Ok(Decision::Done(ResultJson::null()))
}

/// `PUT /api/stamp/v1/update`. One `UPDATE` event, plus `USE` when it redeems and
/// `PIN_RESET` when it clears the PIN, so the history says what really happened. An update
/// that leaves the stamp exactly as it was (the same values sent again, a PIN reset of a
/// stamp without a PIN) succeeds without writing anything: the history lists changes.
pub async fn update(tx: &mut dyn Tx, ctx: Ctx, stamp_idx: i64, patch: StampPatch) -> OpOutput {
    let (mut stamp, current_card) = stamp_and_card_or_not_found(tx, ctx.account_idx, stamp_idx).await?;
    let stored = stamp.clone();
    let card = match patch.card_idx {
        Some(card_idx) if card_idx != current_card.card_idx => {
            let card = tx.card(ctx.account_idx, card_idx).await?.ok_or(ErrorCode::CardNotFound)?;
            // Moving a stamp onto a retired card would issue it a new stamp all the same.
            card_rules::check_card_issues(&card)?;
            card
        }
        _ => current_card,
    };
    if let Some(Some(domain)) = &patch.domain {
        domain_allowed(&ctx, Some(domain))?;
    }
    let before = stamp.model();
    let next = rules::update(&card.model(), &before, &patch, ctx.today)?;
    stamp.apply(&next);
    stamp.card_idx = card.card_idx;
    if let Some(domain) = patch.domain {
        stamp.domain = domain;
    }
    let profile = patch.profile;
    let fields = [
        (profile.memo, &mut stamp.memo),
        (profile.user_id, &mut stamp.user_id),
        (profile.user_nm, &mut stamp.user_nm),
        (profile.user_phnno, &mut stamp.user_phnno),
        (profile.user_eml, &mut stamp.user_eml),
        (profile.user_etc1, &mut stamp.user_etc1),
        (profile.user_etc2, &mut stamp.user_etc2),
    ];
    for (value, slot) in fields {
        if let Some(value) = value {
            *slot = value;
        }
    }
    let pin_was_reset = before.pin != PinState::Reset && next.pin == PinState::Reset;
    if pin_was_reset {
        // The old PIN and every open page session die with the reset.
        stamp.pin_hash = None;
        stamp.pin_failures = 0;
        stamp.pin_locked_until = 0;
        tx.delete_sessions(stamp_idx).await?;
    }
    if stamp == stored {
        return Ok(Decision::Done(ResultJson::null()));
    }
    tx.update_stamp(&stamp).await?;
    tx.append_event(&ctx.event(stamp_idx, HistoryAction::Update, before.stamps, stamp.stamps)).await?;
    if pin_was_reset {
        tx.append_event(&ctx.event(stamp_idx, HistoryAction::PinReset, stamp.stamps, stamp.stamps)).await?;
    }
    if before.redeemed_on.is_none() && next.redeemed_on.is_some() {
        tx.append_event(&ctx.event(stamp_idx, HistoryAction::Use, stamp.stamps, stamp.stamps)).await?;
        card_rules::renew_after_redeem(tx, &mut stamp, &card, ctx.actor(), ctx.today, ctx.now_ms).await?;
    }
    Ok(Decision::Done(ResultJson::null()))
}

/// `DELETE /api/stamp/v1/delete`: the stamp, its history and its sessions, for good.
pub async fn delete(tx: &mut dyn Tx, ctx: Ctx, stamp_idx: i64) -> OpOutput {
    let stamp = tx.stamp(ctx.account_idx, stamp_idx).await?.ok_or(ErrorCode::StampNotFound)?;
    // webhooks: announced before the row goes (the event carries its last fields).
    tx.webhook_stamp_deleted(&ctx.event(stamp.stamp_idx, HistoryAction::Update, stamp.stamps, stamp.stamps)).await?;
    tx.delete_stamp(stamp.stamp_idx).await?;
    Ok(Decision::Done(ResultJson::null()))
}

/// `PUT /api/stamp/v1/redeem`. The API key is trusted, so wrong passwords here do not count
/// toward the stamp page's lockout.
///
/// A staff member's password (`<staffIdx>:<staffPwd>`) is accepted too; the event's actor is
/// then `STAFF` with that `staffIdx` (and the key in `apiKeyIdx`).
pub async fn redeem(tx: &mut dyn Tx, ctx: Ctx, stamp_idx: i64, password: Option<OnsiteGuess>) -> OpOutput {
    let (mut stamp, card) = stamp_and_card_or_not_found(tx, ctx.account_idx, stamp_idx).await?;
    let (proof, staff_idx) = match (&password, card.onsite_required) {
        (Some(password), true) => match password.accepts(tx, &card).await? {
            Some(actor) => (OnsiteProof::Correct, actor.staff_idx()),
            None => (OnsiteProof::Wrong, None),
        },
        // The rules ignore the proof for cards without the on-site check.
        (Some(_), false) => (OnsiteProof::Correct, None),
        (None, _) => (OnsiteProof::NotGiven, None),
    };
    let next = rules::redeem(&card.model(), &stamp.model(), ctx.today, proof)?;
    stamp.apply(&next);
    tx.update_stamp(&stamp).await?;
    let mut event = ctx.event(stamp_idx, HistoryAction::Use, stamp.stamps, stamp.stamps);
    if let Some(staff_idx) = staff_idx {
        event = NewEvent { actor: HistoryActor::Staff, staff_idx: Some(staff_idx), ..event };
    }
    tx.append_event(&event).await?;
    // The answer stays `result: null`, as the seeds say; the successor shows in `nextStampIdx`.
    let by = card_rules::Actor {
        actor: event.actor,
        api_key_idx: event.api_key_idx,
        staff_idx: event.staff_idx,
        user_idx: event.user_idx,
    };
    card_rules::renew_after_redeem(tx, &mut stamp, &card, by, ctx.today, ctx.now_ms).await?;
    Ok(Decision::Done(ResultJson::null()))
}

/// `GET /api/stamp/v1/validate`: the documented result, or the reason the stamp is unusable.
pub fn validate(
    stamp: &StampRecord,
    card: &CardRecord,
    public_url: &str,
    today: chrono::NaiveDate,
) -> Result<ValidateResult, ApiError> {
    rules::check_usable(&stamp.model(), today)?;
    Ok(validate_fields(stamp, card, public_url))
}

/// The fields `validate` answers, for a stamp in any state (`get` and `list` show them
/// without the usability check).
pub fn validate_fields(stamp: &StampRecord, card: &CardRecord, public_url: &str) -> ValidateResult {
    ValidateResult {
        stamp_idx: stamp.stamp_idx,
        domain: stamp.domain.clone().unwrap_or_else(|| public_url.trim_end_matches('/').to_owned()),
        card_idx: card.card_idx,
        card_nm: card.name.clone(),
        card_ttl: card.title.clone(),
        stamps: stamp.stamps,
        max_stamps: card.max_stamps,
        stamp_url: stamp_url(stamp, public_url),
        url: card.url.clone(),
        strt_ymd: Ymd(stamp.start),
        end_ymd: Ymd(stamp.end),
        onsite_yn: YesNo::from(card.onsite_required),
        // Only an argon2id hash is stored, so there is nothing to return.
        onsite_pwd: None,
        memo: stamp.memo.clone(),
        active_yn: YesNo::from(stamp.active),
        user_id: stamp.user_id.clone(),
        user_nm: stamp.user_nm.clone(),
        user_phnno: stamp.user_phnno.clone(),
        user_eml: stamp.user_eml.clone(),
        user_etc1: stamp.user_etc1.clone(),
        user_etc2: stamp.user_etc2.clone(),
        stamp_img_url: card.stamp_img_url.clone(),
        reg_ymdt: ymdt(stamp.created_at),
        payload_version: PAYLOAD_VERSION.to_owned(),
    }
}
