//! `Idempotency-Key`: a write that comes again with the same key and the same request within
//! 24 hours gets the first answer again instead of running twice. The store keeps whatever
//! response the caller renders, opaque to it; the caller (the HTTP layer) also decides which
//! outcomes are worth keeping (a "retry later" is not).

use super::write::{Ran, Written};
use super::{StoreError, Tx};

/// How long a kept response is replayed.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 60 * 60 * 1000;

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

/// A response kept for replays, as the caller rendered it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredResponse {
    /// Its status, as the caller numbered it.
    #[sqlx(try_from = "i32")]
    pub status: u16,
    /// Its body.
    pub body: String,
}

/// A kept response with the fingerprint of the request that made it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeptResponse {
    /// The fingerprint of the first request.
    pub request_hash: Vec<u8>,
    /// Its response.
    #[sqlx(flatten)]
    pub response: StoredResponse,
}

/// What the key already stands for: the first answer for the same request, a refusal for a
/// different one, or nothing (the key is new or expired).
pub(crate) async fn earlier(tx: &mut dyn Tx, idem: &Idempotency, now_ms: i64) -> Result<Option<Written>, StoreError> {
    let kept = tx.idempotency_get(&idem.scope, &idem.key, now_ms - IDEMPOTENCY_TTL_MS).await?;
    Ok(kept.map(|kept| {
        if kept.request_hash == idem.request_hash { Written::Replayed(kept.response) } else { Written::KeyReused }
    }))
}

/// Keeps the rendered outcome under the key, when the caller wants it kept.
pub(crate) async fn keep(tx: &mut dyn Tx, idem: &Idempotency, ran: &Ran, now_ms: i64) -> Result<(), StoreError> {
    match (idem.keep)(ran) {
        Some(response) => tx.idempotency_put(idem, &response, now_ms).await,
        None => Ok(()),
    }
}
