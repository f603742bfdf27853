//! The write operations: each one loads what it needs inside the write transaction, asks the
//! core's rules, and writes the new state, its history event and nothing else. Backend
//! neutral: they only talk to [`Tx`](crate::store::Tx). Nothing here re-decides a rule.

pub mod admin;
pub mod bulk;
pub mod card;
pub mod card_rules;
pub mod find;
pub mod page;
pub mod staff;
pub mod stamp;
pub mod users;
// webhooks
pub mod webhook;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use stampcard_core::ErrorCode;
use stampcard_core::wire::{HistoryAction, HistoryActor};

use crate::error::Error;
use crate::plan::Plan;
use crate::secrets;
use crate::store::{CardRecord, Decision, NewEvent, ResultJson, StampRecord, Store, Tx, WriteJob, Written, op};

/// Who is asking, and when: everything an API-key operation needs besides its input.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The caller's account.
    pub account_idx: i64,
    /// The account's plan.
    pub plan: Plan,
    /// The key used (`None` for the command line and the dashboard).
    pub api_key_idx: Option<i64>,
    /// The signed-in dashboard user (`None` for an API key and the command line).
    pub user_idx: Option<i64>,
    /// The server's UTC day.
    pub today: NaiveDate,
    /// Unix ms.
    pub now_ms: i64,
}

impl Ctx {
    /// A history entry made by this caller.
    fn event(&self, stamp_idx: i64, action: HistoryAction, before: u32, after: u32) -> NewEvent {
        NewEvent {
            stamp_idx,
            action,
            stamps_before: before,
            stamps_after: after,
            actor: self.who(),
            api_key_idx: self.api_key_idx,
            staff_idx: None,
            user_idx: self.user_idx,
            at: self.now_ms,
        }
    }

    /// This caller, for the history of an automatic renewal.
    fn actor(&self) -> card_rules::Actor {
        card_rules::Actor { actor: self.who(), api_key_idx: self.api_key_idx, staff_idx: None, user_idx: self.user_idx }
    }

    /// `USER` for a dashboard session, `API_KEY` for a key (and the command line, as before).
    fn who(&self) -> HistoryActor {
        match self.user_idx {
            Some(_) => HistoryActor::User,
            None => HistoryActor::ApiKey,
        }
    }
}

/// A stamp of the account with its card, or `StampNotFound` (also for another account's).
async fn stamp_and_card_or_not_found(
    tx: &mut dyn Tx,
    account_idx: i64,
    stamp_idx: i64,
) -> Result<(StampRecord, CardRecord), Error> {
    Ok(tx.stamp_and_card(account_idx, stamp_idx).await?.ok_or(ErrorCode::StampNotFound)?)
}

/// The future of a typed write: an operation's own result, borrowing the transaction.
pub type TypedFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 't>>;

/// Runs `f` as one write (no idempotency key) and returns its typed result, for the command
/// line and the demo: they call the same operations as the handlers, without a round trip
/// through JSON.
pub async fn run<T, F>(store: &dyn Store, now_ms: i64, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: for<'t> FnOnce(&'t mut dyn Tx) -> TypedFuture<'t, T> + Send + 'static,
{
    let slot = Arc::new(Mutex::new(None));
    let result = slot.clone();
    let op = op(move |tx| {
        Box::pin(async move {
            let value = f(tx).await?;
            *result.lock().unwrap_or_else(PoisonError::into_inner) = Some(value);
            Ok(Decision::Done(ResultJson::null()))
        })
    });
    match store.write(WriteJob { op, idempotency: None, now_ms }).await? {
        // Committed: the value the operation produced is durable.
        Written::Ran(Ok(_)) => slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or_else(|| Error::Internal("a write kept no result".to_owned())),
        Written::Ran(Err(refusal)) => Err(refusal),
        Written::Replayed(_) | Written::KeyReused => {
            Err(Error::Internal("a write without a key was replayed".to_owned()))
        }
    }
}

pub use stampcard_core::secret::remaining_secs;

/// A secret (PIN or on-site password) as checked before the write.
#[derive(Debug, Clone)]
pub struct Guess {
    /// What was typed.
    pub secret: String,
    /// The stored hash it was compared with, and whether it matched.
    pub checked: Option<(String, bool)>,
}

impl Guess {
    /// Whether the guess matches `stored`; reuses the early answer when the hash is still
    /// the one checked (it almost always is).
    pub async fn matches(&self, stored: Option<&str>) -> Result<bool, Error> {
        let Some(stored) = stored else { return Ok(false) };
        match &self.checked {
            Some((hash, matched)) if hash == stored => Ok(*matched),
            _ => secrets::verify_secret(stored.to_owned(), self.secret.clone()).await,
        }
    }
}
