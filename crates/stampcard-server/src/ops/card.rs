//! The card API's writes (our extension: the hosted API makes cards in its dashboard).

use stampcard_core::ErrorCode;
use stampcard_core::input::{CardPatch, NewCard, check_card_update};
use stampcard_core::types::YesNo;
use stampcard_core::wire::CardView;

use super::Ctx;
use crate::clock::ymdt;
use crate::error::Error;
use crate::store::{CardRecord, Decision, OpOutput, ResultJson, Tx};

/// The card as the API shows it (never the password or its hash).
pub fn view(card: &CardRecord) -> CardView {
    CardView {
        card_idx: card.card_idx,
        card_nm: card.name.clone(),
        card_ttl: card.title.clone(),
        max_stamps: card.max_stamps,
        stamp_img_url: card.stamp_img_url.clone(),
        url: card.url.clone(),
        onsite_yn: YesNo::from(card.onsite_required),
        reg_ymdt: ymdt(card.created_at),
        cooldown_secs: card.cooldown_secs,
        max_adds_per_day: card.max_adds_per_day,
        active_yn: YesNo::from(card.active),
        auto_renew_yn: YesNo::from(card.auto_renew),
    }
}

/// `POST /api/stamp/v1/card/create`: result is the new card. `onsite_pwd_hash` is the
/// argon2id hash of `new.onsite_password`, computed before the write.
pub async fn create(tx: &mut dyn Tx, ctx: Ctx, new: NewCard, onsite_pwd_hash: Option<String>) -> OpOutput {
    Decision::done(&insert(tx, ctx, new, onsite_pwd_hash).await?)
}

/// Creates a card for the account; returns it as the API shows it.
pub async fn insert(
    tx: &mut dyn Tx,
    ctx: Ctx,
    new: NewCard,
    onsite_pwd_hash: Option<String>,
) -> Result<CardView, Error> {
    let mut card = CardRecord {
        card_idx: 0,
        account_idx: ctx.account_idx,
        name: new.name,
        title: new.title,
        max_stamps: new.max_stamps,
        stamp_img_url: new.stamp_img_url,
        url: new.url,
        onsite_required: new.onsite_required,
        onsite_pwd_hash,
        created_at: ctx.now_ms,
        cooldown_secs: new.cooldown_secs,
        max_adds_per_day: new.max_adds_per_day,
        active: true,
        auto_renew: new.auto_renew,
    };
    card.card_idx = tx.insert_card(&card).await?;
    Ok(view(&card))
}

/// `PUT /api/stamp/v1/card/update`: result is the updated card.
pub async fn update(
    tx: &mut dyn Tx,
    ctx: Ctx,
    card_idx: i64,
    patch: CardPatch,
    onsite_pwd_hash: Option<String>,
) -> OpOutput {
    let mut card = tx.card(ctx.account_idx, card_idx).await?.ok_or(ErrorCode::CardNotFound)?;
    let highest = tx.highest_live_count(card_idx).await?;
    check_card_update(&patch, card.onsite_pwd_hash.is_some(), highest)?;
    if let Some(name) = patch.name {
        card.name = name;
    }
    if let Some(title) = patch.title {
        card.title = title;
    }
    if let Some(max) = patch.max_stamps {
        card.max_stamps = max;
    }
    if let Some(img) = patch.stamp_img_url {
        card.stamp_img_url = img;
    }
    if let Some(url) = patch.url {
        card.url = url;
    }
    if let Some(required) = patch.onsite_required {
        card.onsite_required = required;
    }
    if onsite_pwd_hash.is_some() {
        card.onsite_pwd_hash = onsite_pwd_hash;
    }
    if let Some(secs) = patch.cooldown_secs {
        card.cooldown_secs = secs;
    }
    if let Some(max) = patch.max_adds_per_day {
        card.max_adds_per_day = max;
    }
    if let Some(active) = patch.active {
        card.active = active;
    }
    if let Some(auto_renew) = patch.auto_renew {
        card.auto_renew = auto_renew;
    }
    tx.update_card(&card).await?;
    Decision::done(&view(&card))
}

/// `DELETE /api/stamp/v1/card/delete`: a card without stamps, for good. The card row is read
/// with its lock, so a stamp being issued on it at the same moment either comes first (and
/// the delete is refused) or finds the card gone.
pub async fn delete(tx: &mut dyn Tx, ctx: Ctx, card_idx: i64) -> OpOutput {
    let card = tx.card(ctx.account_idx, card_idx).await?.ok_or(ErrorCode::CardNotFound)?;
    if tx.card_has_stamps(card.card_idx).await? {
        return Err(Error::api(
            ErrorCode::CardHasStamps,
            format!(
                "card {card_idx} still has stamps; delete them first (or retire the card with activeYn=N to stop new stamps)"
            ),
        ));
    }
    tx.delete_card(ctx.account_idx, card.card_idx).await?;
    Ok(Decision::Done(ResultJson::null()))
}
