//! The write engine's shared half: a write is a [`WriteJob`], a read-modify-write closure
//! over a [`Tx`] plus its idempotency key. [`execute`] runs one job inside a backend's open
//! transaction, in its own savepoint, so the exactly-once rules are written once; each
//! backend only decides how jobs share transactions (SQLite: one writer, group commit;
//! PostgreSQL: a transaction per job).

use std::future::Future;
use std::pin::Pin;

use super::idempotency::{IDEMPOTENCY_TTL_MS, StoredResponse};
use super::{StoreError, Tx};
use crate::error::Error;

/// A success result, already serialised. Serialising straight from the wire types (not
/// through `serde_json::Value`, which sorts keys) keeps their documented field order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultJson(String);

impl ResultJson {
    /// `null`.
    pub fn null() -> ResultJson {
        ResultJson("null".to_owned())
    }

    /// Serialises a result.
    pub fn of<T: serde::Serialize>(value: &T) -> Result<ResultJson, Error> {
        serde_json::to_string(value).map(ResultJson).map_err(|e| Error::Internal(format!("serialising a result: {e}")))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an operation that did not fail decided.
#[derive(Debug)]
pub enum Decision {
    /// Commit, and answer with this result.
    Done(ResultJson),
    /// Commit what the operation wrote (a wrong-guess counter, a lock) and still refuse:
    /// the refusal must not undo its own bookkeeping.
    CommitAndRefuse(Error),
}

impl Decision {
    /// Commit and answer `value`.
    pub fn done<T: serde::Serialize>(value: &T) -> Result<Decision, Error> {
        Ok(Decision::Done(ResultJson::of(value)?))
    }
}

/// What an operation produced: `Err` rolls the operation back and answers the error.
pub type OpOutput = Result<Decision, Error>;

/// The future of a write operation, borrowing the transaction.
pub type OpFuture<'t> = Pin<Box<dyn Future<Output = OpOutput> + Send + 't>>;

/// A read-modify-write operation, run by the backend inside its transaction.
pub type Op = Box<dyn for<'t> FnOnce(&'t mut dyn Tx) -> OpFuture<'t> + Send>;

/// Boxes a closure as an [`Op`] (helps the compiler with the higher-ranked lifetime).
pub fn op<F>(f: F) -> Op
where
    F: for<'t> FnOnce(&'t mut dyn Tx) -> OpFuture<'t> + Send + 'static,
{
    Box::new(f)
}

/// An `Idempotency-Key` in force for one write.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// Whose keys: `account:N` or `page:N`.
    pub scope: String,
    /// The header's value.
    pub key: String,
    /// The request's fingerprint, which tells a retry from another request under the key.
    pub request_hash: Vec<u8>,
    /// Renders an outcome as the response to keep, or `None` when it must not be replayed.
    pub keep: fn(&Ran) -> Option<StoredResponse>,
}

/// One write to run: the operation and, when the client sent one, its idempotency key.
pub struct WriteJob {
    /// The operation.
    pub op: Op,
    /// `Idempotency-Key`, scoped.
    pub idempotency: Option<Idempotency>,
    /// Unix ms: when the request arrived (for the 24 h window).
    pub now_ms: i64,
}

/// How the operation ended, once committed: its result or its refusal (`Error::Api`).
pub type Ran = Result<ResultJson, Error>;

/// What a write came to.
#[derive(Debug)]
pub enum Written {
    /// The operation ran and what it kept is durable.
    Ran(Ran),
    /// The same request already ran under this key: its kept response, to send again.
    Replayed(StoredResponse),
    /// The key was used in the last 24 hours for a different request.
    KeyReused,
}

/// What running one job inside a shared transaction gave: the outer `Err` means the
/// transaction itself is broken (its savepoint could not be rolled back) and must not commit;
/// the inner `Err` is the job's own failure, already undone, which fails only that job.
pub type JobOutcome = Result<Result<Written, StoreError>, StoreError>;

/// Runs one job inside the backend's open transaction: idempotency lookup, the operation in
/// its own savepoint, and the kept response. A job that panics is undone like one that fails.
pub async fn execute(tx: &mut dyn Tx, job: WriteJob) -> JobOutcome {
    use futures_util::FutureExt as _;
    tx.savepoint().await?;
    // The transaction is only touched through the savepoint after a panic, so observing it
    // after the unwind is sound.
    let result = std::panic::AssertUnwindSafe(execute_in_savepoint(tx, job)).catch_unwind().await;
    let result = result.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(panic = what, "a write operation panicked; undoing it");
        Err(StoreError::internal(format!("a write operation panicked: {what}")))
    });
    if result.is_err() {
        tx.rollback_to_savepoint().await?;
    }
    tx.release_savepoint().await?;
    Ok(result)
}

async fn execute_in_savepoint(tx: &mut dyn Tx, job: WriteJob) -> Result<Written, StoreError> {
    if let Some(idem) = &job.idempotency
        && let Some(earlier) = earlier(tx, idem, job.now_ms).await?
    {
        return Ok(earlier);
    }
    let ran = match (job.op)(tx).await {
        Ok(Decision::Done(result)) => Ok(result),
        Ok(Decision::CommitAndRefuse(refusal @ Error::Api { .. })) => Err(refusal),
        Err(refusal @ Error::Api { .. }) => {
            tx.rollback_to_savepoint().await?;
            Err(refusal)
        }
        Ok(Decision::CommitAndRefuse(Error::Store(e))) | Err(Error::Store(e)) => return Err(e),
        Ok(Decision::CommitAndRefuse(Error::Internal(e))) | Err(Error::Internal(e)) => {
            return Err(StoreError::internal(e));
        }
    };
    if let Some(idem) = &job.idempotency {
        keep(tx, idem, &ran, job.now_ms).await?;
    }
    Ok(Written::Ran(ran))
}

/// What the key already stands for: the first answer for the same request, a refusal for a
/// different one, or nothing (the key is new or expired).
async fn earlier(tx: &mut dyn Tx, idem: &Idempotency, now_ms: i64) -> Result<Option<Written>, StoreError> {
    let kept = tx.idempotency_get(&idem.scope, &idem.key, now_ms - IDEMPOTENCY_TTL_MS).await?;
    Ok(kept.map(|kept| {
        if kept.request_hash == idem.request_hash { Written::Replayed(kept.response) } else { Written::KeyReused }
    }))
}

/// Keeps the rendered outcome under the key, when the caller wants it kept.
async fn keep(tx: &mut dyn Tx, idem: &Idempotency, ran: &Ran, now_ms: i64) -> Result<(), StoreError> {
    match (idem.keep)(ran) {
        Some(response) => tx.idempotency_put(idem, &response, now_ms).await,
        None => Ok(()),
    }
}

/// The half of a store that differs per database: how writes share transactions, and what
/// else a health check or a rate counter needs.
#[async_trait::async_trait]
pub trait Engine: Send + Sync {
    /// Runs one write; returns what it came to once its transaction is durable.
    async fn write(&self, job: WriteJob) -> Result<Written, StoreError>;
    /// Whether writes can be taken, beyond the database answering a read.
    async fn check(&self) -> Result<(), StoreError>;
    /// See [`Store::count_request`](super::Store::count_request).
    async fn count_request(
        &self,
        account_idx: i64,
        minute_start: i64,
        hour_start: i64,
    ) -> Result<Option<(u32, u32)>, StoreError>;
    /// Finishes queued writes and leaves the database whole (see [`Store::close`](super::Store::close)).
    async fn close(&self) -> Result<(), StoreError>;
}
