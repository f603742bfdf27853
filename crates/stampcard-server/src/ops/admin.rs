//! Account, API-key and card administration for the command line, the demo and the tests.
//! They go through the same store writes (and, for cards, the same operations) as the API.

use stampcard_core::ErrorCode;
use stampcard_core::wire::{CardCreateRequest, CardView};

use super::{Ctx, run};
use crate::clock::Clock;
use crate::error::Error;
use crate::plan::Plan;
use crate::secrets;
use crate::store::{AccountRecord, Store};

/// A new API key: shown once, stored only as its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewApiKey {
    /// The account.
    pub account_idx: i64,
    /// The key's id (for `key revoke`).
    pub api_key_idx: i64,
    /// The key itself.
    pub api_key: String,
}

/// Creates an account; returns its id.
pub async fn create_account(store: &dyn Store, clock: &Clock, name: &str, plan: Plan) -> Result<i64, Error> {
    let name = name.to_owned();
    let now_ms = clock.now_ms();
    run(store, now_ms, move |tx| Box::pin(async move { Ok(tx.insert_account(&name, plan, now_ms).await?) })).await
}

/// Creates an API key for an account.
pub async fn create_api_key(
    store: &dyn Store,
    clock: &Clock,
    account_idx: i64,
    label: &str,
) -> Result<NewApiKey, Error> {
    let api_key = secrets::new_api_key();
    let hash = secrets::sha256(api_key.as_bytes());
    // Enough to tell keys apart in a list, far too little to guess the rest.
    let prefix: String = api_key.chars().take(secrets::API_KEY_PREFIX.len() + 6).collect();
    let label = label.to_owned();
    let now_ms = clock.now_ms();
    let api_key_idx = run(store, now_ms, move |tx| {
        Box::pin(async move {
            if tx.account(account_idx).await?.is_none() {
                return Err(no_account(account_idx));
            }
            Ok(tx.insert_api_key(account_idx, &hash, &prefix, &label, now_ms).await?)
        })
    })
    .await?;
    Ok(NewApiKey { account_idx, api_key_idx, api_key })
}

/// Revokes an API key; false when the account has no such live key.
pub async fn revoke_api_key(
    store: &dyn Store,
    clock: &Clock,
    account_idx: i64,
    api_key_idx: i64,
) -> Result<bool, Error> {
    let now_ms = clock.now_ms();
    run(store, now_ms, move |tx| {
        Box::pin(async move { Ok(tx.revoke_api_key(account_idx, api_key_idx, now_ms).await?) })
    })
    .await
}

fn no_account(account_idx: i64) -> Error {
    Error::api(ErrorCode::AccountNotFound, format!("no account {account_idx}"))
}

/// An account, or an error naming the missing id.
pub async fn account(store: &dyn Store, account_idx: i64) -> Result<AccountRecord, Error> {
    store.account(account_idx).await?.ok_or_else(|| no_account(account_idx))
}

/// Creates a card for an account, checked and hashed exactly as `POST /card/create` does.
pub async fn create_card(
    store: &dyn Store,
    clock: &Clock,
    account_idx: i64,
    request: CardCreateRequest,
) -> Result<CardView, Error> {
    let account = account(store, account_idx).await?;
    let new = request.check()?;
    let hash = match &new.onsite_password {
        Some(password) => Some(secrets::hash_secret(password.clone()).await?),
        None => None,
    };
    let ctx = Ctx {
        account_idx,
        plan: account.plan,
        api_key_idx: None,
        user_idx: None,
        today: clock.today(),
        now_ms: clock.now_ms(),
    };
    run(store, ctx.now_ms, move |tx| Box::pin(super::card::insert(tx, ctx, new, hash))).await
}

/// An account's cards.
pub async fn list_cards(store: &dyn Store, account_idx: i64) -> Result<Vec<CardView>, Error> {
    account(store, account_idx).await?;
    Ok(store.cards(account_idx).await?.iter().map(super::card::view).collect())
}
