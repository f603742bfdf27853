//! `Idempotency-Key`: a write that comes again with the same key and the same request within
//! 24 hours gets the first answer again instead of running twice. The store keeps whatever
//! response the caller renders, opaque to it; the caller (the HTTP layer) also decides which
//! outcomes are worth keeping (a "retry later" is not). The key in force for one write is
//! part of its [`WriteJob`](super::WriteJob); the lookup and the keeping run in
//! [`write`](super::write), inside the write's own savepoint.

/// How long a kept response is replayed.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 60 * 60 * 1000;

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
