//! Storage behind a trait, so the server does not care which database it runs on. The
//! backend is chosen from the `DATABASE_URL` scheme; only this module and its backends know
//! SQL.
//!
//! Reads go straight to the backend. Every write is a [`WriteJob`]: a read-modify-write
//! closure over a [`Tx`] (the transaction's view of the data), run by the backend inside a
//! transaction together with its idempotency record, so a change, its history event and its
//! stored response commit or vanish together.

pub mod postgres;
pub mod sql;
pub mod sqlite;

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde_json::Value;
use stampcard_core::model::{Card, Stamp, Window};
use stampcard_core::secret::CardGuard;
use stampcard_core::wire::{Envelope, HistoryAction, HistoryActor, HistoryEvent, PinState};
use stampcard_core::{ApiError, ErrorCode};

use crate::error::Error;
use crate::plan::Plan;

/// How the store failed. Never caused by what a client sends.
#[derive(Debug, thiserror::Error)]
#[error("{kind:?} store error: {message}")]
pub struct StoreError {
    /// Whether a retry may help.
    pub kind: StoreErrorKind,
    /// What happened, for the log.
    pub message: String,
}

/// The two faults a client can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The database is busy, gone or shutting down: retry later (HTTP 503).
    Unavailable,
    /// A bug or corrupt data (HTTP 500).
    Internal,
}

impl StoreError {
    /// A fault that a retry will not fix.
    pub fn internal(message: impl Into<String>) -> StoreError {
        StoreError { kind: StoreErrorKind::Internal, message: message.into() }
    }

    /// A fault that a retry may fix.
    pub fn unavailable(message: impl Into<String>) -> StoreError {
        StoreError { kind: StoreErrorKind::Unavailable, message: message.into() }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        use sqlx::Error as E;
        match &error {
            E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Io(_) => StoreError::unavailable(error.to_string()),
            E::Database(db) if db.message().contains("database is locked") || db.message().contains("busy") => {
                StoreError::unavailable(error.to_string())
            }
            // PostgreSQL: serialization failure, deadlock, shutdown, connection loss.
            E::Database(db)
                if db.code().is_some_and(|c| {
                    matches!(c.as_ref(), "40001" | "40P01" | "57P01" | "57P02" | "57P03") || c.starts_with("08")
                }) =>
            {
                StoreError::unavailable(error.to_string())
            }
            _ => StoreError::internal(error.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> StoreError {
        StoreError::internal(format!("migration failed: {error}"))
    }
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    /// `accountIdx`.
    pub account_idx: i64,
    /// Display name.
    pub name: String,
    /// Plan.
    pub plan: Plan,
    /// Unix ms.
    pub created_at: i64,
}

/// An API key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// The key's id.
    pub api_key_idx: i64,
    /// Its account.
    pub account_idx: i64,
    /// The first characters of the key.
    pub key_prefix: String,
    /// A free label.
    pub label: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, when revoked.
    pub revoked_at: Option<i64>,
}

/// Who an API key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// The account.
    pub account_idx: i64,
    /// The account's plan.
    pub plan: Plan,
    /// The key used.
    pub api_key_idx: i64,
}

/// A card row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRecord {
    /// `cardIdx`.
    pub card_idx: i64,
    /// Owner.
    pub account_idx: i64,
    /// `cardNm`.
    pub name: String,
    /// `cardTtl`.
    pub title: String,
    /// `maxStamps`.
    pub max_stamps: u32,
    /// `stampImgUrl`.
    pub stamp_img_url: String,
    /// `url`.
    pub url: String,
    /// `onsiteYn`.
    pub onsite_required: bool,
    /// argon2id PHC string of the on-site password.
    pub onsite_pwd_hash: Option<String>,
    /// Unix ms.
    pub created_at: i64,
}

impl CardRecord {
    /// The core's view of the card.
    pub fn model(&self) -> Card {
        Card {
            name: self.name.clone(),
            title: self.title.clone(),
            max_stamps: self.max_stamps,
            stamp_img_url: self.stamp_img_url.clone(),
            url: self.url.clone(),
            onsite_required: self.onsite_required,
        }
    }
}

/// A stamp row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampRecord {
    /// `stampIdx` (0 before insertion).
    pub stamp_idx: i64,
    /// Owner.
    pub account_idx: i64,
    /// The card.
    pub card_idx: i64,
    /// The stamp-page token.
    pub token: String,
    /// Custom domain; `None` is the server's public URL.
    pub domain: Option<String>,
    /// Count.
    pub stamps: u32,
    /// `strtYmd`.
    pub start: NaiveDate,
    /// `endYmd`.
    pub end: NaiveDate,
    /// `activeYn`.
    pub active: bool,
    /// Day of redemption.
    pub redeemed_on: Option<NaiveDate>,
    /// `memo`.
    pub memo: String,
    /// `userId`.
    pub user_id: String,
    /// `userNm`.
    pub user_nm: String,
    /// `userPhnno`.
    pub user_phnno: String,
    /// `userEml`.
    pub user_eml: String,
    /// `userEtc1`.
    pub user_etc1: String,
    /// `userEtc2`.
    pub user_etc2: String,
    /// PIN state.
    pub pin_state: PinState,
    /// argon2id PHC string of the PIN, when set.
    pub pin_hash: Option<String>,
    /// Wrong PINs in a row.
    pub pin_failures: u32,
    /// Unix ms until which PIN entry is locked (0: not locked).
    pub pin_locked_until: i64,
    /// Wrong on-site passwords in a row.
    pub onsite_failures: u32,
    /// Unix ms until which on-site actions are locked (0: not locked).
    pub onsite_locked_until: i64,
    /// Unix ms.
    pub created_at: i64,
}

impl StampRecord {
    /// The core's view of the stamp.
    pub fn model(&self) -> Stamp {
        Stamp {
            stamps: self.stamps,
            active: self.active,
            window: Window { start: self.start, end: self.end },
            redeemed_on: self.redeemed_on,
            pin: self.pin_state,
        }
    }

    /// Takes over what the core's rules decided.
    pub fn apply(&mut self, stamp: &Stamp) {
        self.stamps = stamp.stamps;
        self.active = stamp.active;
        self.start = stamp.window.start;
        self.end = stamp.window.end;
        self.redeemed_on = stamp.redeemed_on;
        self.pin_state = stamp.pin;
    }
}

/// A history entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The stamp.
    pub stamp_idx: i64,
    /// What.
    pub action: HistoryAction,
    /// Count before.
    pub stamps_before: u32,
    /// Count after.
    pub stamps_after: u32,
    /// Who.
    pub actor: HistoryActor,
    /// Which key, for `API_KEY`.
    pub api_key_idx: Option<i64>,
    /// Unix ms.
    pub at: i64,
}

/// A response as sent and as stored for idempotent replays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The envelope, as JSON text.
    pub body: String,
    /// Whether this is a stored response replayed for a repeated `Idempotency-Key`.
    pub replayed: bool,
    /// `Retry-After` seconds.
    pub retry_after: Option<u32>,
    /// The error code, for the request log.
    pub code: i32,
}

impl Reply {
    /// A success envelope around an already serialised result.
    pub fn ok(result: &ResultJson) -> Reply {
        let body = format!(r#"{{"code":0,"message":"","result":{}}}"#, result.0);
        Reply { status: 200, body, replayed: false, retry_after: None, code: 0 }
    }

    /// A refusal envelope with the code's HTTP status.
    pub fn refusal(error: &ApiError, retry_after: Option<u32>) -> Reply {
        let body = serde_json::to_string(&Envelope::<Value>::err(error))
            .unwrap_or_else(|_| format!(r#"{{"code":{},"message":"","result":null}}"#, error.code.code()));
        Reply { status: error.code.http_status(), body, replayed: false, retry_after, code: error.code.code() }
    }
}

/// An `Idempotency-Key` in force for one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// Whose keys: `account:N` or `page:N`.
    pub scope: String,
    /// The header's value.
    pub key: String,
    /// SHA-256 of method, path and body.
    pub request_hash: Vec<u8>,
}

/// How long a stored response is replayed.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// What an idempotency lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The hash of the request that stored it.
    pub request_hash: Vec<u8>,
    /// Its status.
    pub status: u16,
    /// Its body.
    pub body: String,
}

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
}

/// What a write operation produced. `Ok(Ok(v))`: commit, answer `v`. `Ok(Err(e))`: commit
/// (for example a failed-guess counter) but answer with the refusal `e`. `Err(e)`: roll the
/// operation back and answer `e`.
pub type OpOutput = Result<Result<ResultJson, Error>, Error>;

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

/// One write to run: the operation and, when the client sent one, its idempotency key.
pub struct WriteJob {
    /// The operation.
    pub op: Op,
    /// `Idempotency-Key`, scoped.
    pub idempotency: Option<Idempotency>,
    /// Unix ms: when the request arrived (for the 24 h window).
    pub now_ms: i64,
}

/// The data as one write transaction sees it. Methods are scoped by account where a client
/// names an id, so another account's rows look exactly like missing ones.
#[async_trait]
pub trait Tx: Send {
    /// A card of the account.
    async fn card(&mut self, account_idx: i64, card_idx: i64) -> Result<Option<CardRecord>, StoreError>;
    /// A stamp of the account.
    async fn stamp(&mut self, account_idx: i64, stamp_idx: i64) -> Result<Option<StampRecord>, StoreError>;
    /// A stamp of the account with its card, in one query (the hot path of every add).
    async fn stamp_and_card(
        &mut self,
        account_idx: i64,
        stamp_idx: i64,
    ) -> Result<Option<(StampRecord, CardRecord)>, StoreError>;
    /// A stamp by its page token, with its card.
    async fn stamp_by_token(&mut self, token: &str) -> Result<Option<(StampRecord, CardRecord)>, StoreError>;
    /// The highest count among the card's stamps that are not redeemed.
    async fn highest_live_count(&mut self, card_idx: i64) -> Result<u32, StoreError>;
    /// Inserts an account; returns its id.
    async fn insert_account(&mut self, name: &str, plan: Plan, now_ms: i64) -> Result<i64, StoreError>;
    /// An account.
    async fn account(&mut self, account_idx: i64) -> Result<Option<AccountRecord>, StoreError>;
    /// Inserts an API key (by hash); returns its id.
    async fn insert_api_key(
        &mut self,
        account_idx: i64,
        key_hash: &[u8],
        key_prefix: &str,
        label: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError>;
    /// Revokes a key of the account; false when there is no such live key.
    async fn revoke_api_key(&mut self, account_idx: i64, api_key_idx: i64, now_ms: i64) -> Result<bool, StoreError>;
    /// Inserts a card (`card_idx` is ignored); returns its id.
    async fn insert_card(&mut self, card: &CardRecord) -> Result<i64, StoreError>;
    /// Writes every mutable column of a card.
    async fn update_card(&mut self, card: &CardRecord) -> Result<(), StoreError>;
    /// Inserts a stamp (`stamp_idx` is ignored); returns its id.
    async fn insert_stamp(&mut self, stamp: &StampRecord) -> Result<i64, StoreError>;
    /// Writes every mutable column of a stamp.
    async fn update_stamp(&mut self, stamp: &StampRecord) -> Result<(), StoreError>;
    /// Deletes a stamp with its history and sessions.
    async fn delete_stamp(&mut self, stamp_idx: i64) -> Result<(), StoreError>;
    /// Appends a history entry.
    async fn append_event(&mut self, event: &NewEvent) -> Result<(), StoreError>;
    /// The card's staff-password guard (all zeros before the first wrong password), locked
    /// for this transaction where the backend has row locks.
    async fn card_guard(&mut self, card_idx: i64) -> Result<CardGuard, StoreError>;
    /// Writes the card's staff-password guard.
    async fn put_card_guard(&mut self, card_idx: i64, guard: &CardGuard) -> Result<(), StoreError>;
    /// Stores a page session (by token hash).
    async fn insert_session(&mut self, stamp_idx: i64, token_hash: &[u8], expires_at: i64) -> Result<(), StoreError>;
    /// Ends every session of a stamp.
    async fn delete_sessions(&mut self, stamp_idx: i64) -> Result<(), StoreError>;
    /// A stored response younger than `not_before`.
    async fn idempotency_get(
        &mut self,
        scope: &str,
        key: &str,
        not_before: i64,
    ) -> Result<Option<StoredResponse>, StoreError>;
    /// Stores (or replaces an expired) response.
    async fn idempotency_put(
        &mut self,
        idempotency: &Idempotency,
        reply: &Reply,
        now_ms: i64,
    ) -> Result<(), StoreError>;
    /// Deletes expired sessions and idempotency records.
    async fn prune(&mut self, now_ms: i64) -> Result<(), StoreError>;
    /// Starts the operation's savepoint.
    async fn savepoint(&mut self) -> Result<(), StoreError>;
    /// Undoes everything since the savepoint (it stays open).
    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;
    /// Ends the savepoint, keeping its changes in the transaction.
    async fn release_savepoint(&mut self) -> Result<(), StoreError>;
}

/// The storage of one server.
#[async_trait]
pub trait Store: Send + Sync {
    /// Runs one write in a transaction (possibly shared with other writes) and returns its
    /// response once that transaction is durable. `Err` only for store faults.
    async fn write(&self, job: WriteJob) -> Result<Reply, StoreError>;
    /// The key's account, when the key exists and is not revoked.
    async fn authenticate(&self, key_hash: &[u8]) -> Result<Option<Principal>, StoreError>;
    /// An account.
    async fn account(&self, account_idx: i64) -> Result<Option<AccountRecord>, StoreError>;
    /// An account by name (the first one, for the demo).
    async fn account_by_name(&self, name: &str) -> Result<Option<AccountRecord>, StoreError>;
    /// An account's API keys.
    async fn api_keys(&self, account_idx: i64) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// A card of the account.
    async fn card(&self, account_idx: i64, card_idx: i64) -> Result<Option<CardRecord>, StoreError>;
    /// The account's cards, oldest first.
    async fn cards(&self, account_idx: i64) -> Result<Vec<CardRecord>, StoreError>;
    /// A stamp of the account, with its card.
    async fn stamp(&self, account_idx: i64, stamp_idx: i64) -> Result<Option<(StampRecord, CardRecord)>, StoreError>;
    /// A stamp by its page token, with its card.
    async fn stamp_by_token(&self, token: &str) -> Result<Option<(StampRecord, CardRecord)>, StoreError>;
    /// A stamp's history, oldest first.
    async fn history(&self, stamp_idx: i64) -> Result<Vec<HistoryEvent>, StoreError>;
    /// The card's staff-password guard (all zeros before the first wrong password).
    async fn card_guard(&self, card_idx: i64) -> Result<CardGuard, StoreError>;
    /// The stamp a live session belongs to.
    async fn session_stamp(&self, token_hash: &[u8], now_ms: i64) -> Result<Option<i64>, StoreError>;
    /// Deletes expired sessions and idempotency records.
    async fn prune(&self, now_ms: i64) -> Result<(), StoreError>;
    /// Whether the database answers and can take writes (for `/healthz`; the caller bounds
    /// the wait).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Counts one request of the account in the rate-limit windows (minute and hour) that
    /// start at these times, and returns the counts so far, shared by every server on the
    /// database. `None`: this backend serves a single server, whose in-memory counters are
    /// exact and cost no write.
    async fn count_request(
        &self,
        account_idx: i64,
        minute_start: i64,
        hour_start: i64,
    ) -> Result<Option<(u32, u32)>, StoreError>;
    /// Stops taking writes, finishes the ones already queued and leaves the database whole
    /// on its own: SQLite checkpoints its WAL into the `.db` file (so a copy of that file alone
    /// holds every acknowledged write), PostgreSQL closes its pool. Called once, at shutdown,
    /// after the HTTP server has stopped; later writes fail as unavailable.
    async fn close(&self) -> Result<(), StoreError>;
}

/// Options that only some backends use.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite `synchronous`: `FULL` (default: an acknowledged write survives power loss),
    /// `NORMAL`, or `OFF`.
    pub sqlite_synchronous: String,
    /// PostgreSQL connection pool size of this server.
    pub pg_max_connections: u32,
    /// SQLite: below this many free bytes on the database's filesystem the store reports
    /// itself unhealthy (`/healthz` 503), before SQLite starts failing writes.
    pub sqlite_min_free_bytes: u64,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            sqlite_synchronous: "FULL".to_owned(),
            pg_max_connections: 16,
            sqlite_min_free_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Opens the store named by a `DATABASE_URL` and brings its schema up to date.
pub async fn open(database_url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    let scheme = database_url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" => Ok(Arc::new(sqlite::SqliteStore::open(database_url, options).await?)),
        "postgres" | "postgresql" => {
            Ok(Arc::new(postgres::PostgresStore::open(database_url, options.pg_max_connections).await?))
        }
        other => Err(StoreError::internal(format!(
            "unsupported DATABASE_URL scheme {other:?}; use sqlite://PATH or postgres://USER@HOST/DB"
        ))),
    }
}

/// What running one job inside a shared transaction gave: the outer `Err` means the
/// transaction itself is broken (its savepoint could not be rolled back) and must not commit;
/// the inner `Err` is the job's own failure, already undone, which fails only that job.
pub type JobOutcome = Result<Result<Reply, StoreError>, StoreError>;

/// Runs one job inside the backend's open transaction: idempotency lookup, the operation in
/// its own savepoint, and the stored response. Shared by every backend so the exactly-once
/// rules are written once. A job that panics is undone like one that fails.
pub async fn execute(tx: &mut dyn Tx, job: WriteJob) -> JobOutcome {
    use futures_util::FutureExt as _;
    tx.savepoint().await?;
    // The transaction is only touched through the savepoint after a panic, so observing it
    // after the unwind is sound.
    let result = std::panic::AssertUnwindSafe(execute_in_savepoint(tx, job)).catch_unwind().await;
    let result = match result {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = what, "a write operation panicked; undoing it");
            Err(StoreError::internal(format!("a write operation panicked: {what}")))
        }
    };
    match result {
        Ok(reply) => {
            tx.release_savepoint().await?;
            Ok(Ok(reply))
        }
        Err(error) => {
            tx.rollback_to_savepoint().await?;
            tx.release_savepoint().await?;
            Ok(Err(error))
        }
    }
}

async fn execute_in_savepoint(tx: &mut dyn Tx, job: WriteJob) -> Result<Reply, StoreError> {
    if let Some(idem) = &job.idempotency
        && let Some(stored) = tx.idempotency_get(&idem.scope, &idem.key, job.now_ms - IDEMPOTENCY_TTL_MS).await?
    {
        if stored.request_hash == idem.request_hash {
            let code = serde_json::from_str::<Envelope<Value>>(&stored.body).map_or(0, |e| e.code);
            return Ok(Reply { status: stored.status, body: stored.body, replayed: true, retry_after: None, code });
        }
        return Ok(Reply::refusal(
            &ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was already used in the last 24 hours for a different request; use a new key for a new request",
            ),
            None,
        ));
    }
    let reply = match (job.op)(tx).await {
        Ok(Ok(result)) => Reply::ok(&result),
        Ok(Err(Error::Api { error, retry_after })) => Reply::refusal(&error, retry_after),
        Err(Error::Api { error, retry_after }) => {
            tx.rollback_to_savepoint().await?;
            Reply::refusal(&error, retry_after)
        }
        Ok(Err(Error::Store(e))) | Err(Error::Store(e)) => return Err(e),
        Ok(Err(Error::Internal(e))) | Err(Error::Internal(e)) => return Err(StoreError::internal(e)),
    };
    // A 429 or 5xx means "try again later"; storing it would turn the retry it asks for into
    // a replay of the refusal.
    if let Some(idem) = &job.idempotency
        && reply.status != 429
        && reply.status < 500
    {
        tx.idempotency_put(idem, &reply, job.now_ms).await?;
    }
    Ok(reply)
}

/// Parses a stored `YYYY-MM-DD`.
pub(crate) fn parse_day(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| StoreError::internal(format!("stored date {text:?} is unreadable: {e}")))
}

/// Renders a day for storage.
pub(crate) fn format_day(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The stored name of a PIN state.
pub(crate) fn pin_state_name(state: PinState) -> &'static str {
    match state {
        PinState::Unset => "UNSET",
        PinState::Set => "SET",
        PinState::Reset => "RESET",
    }
}

/// Reads a stored PIN state.
pub(crate) fn parse_pin_state(text: &str) -> Result<PinState, StoreError> {
    match text {
        "UNSET" => Ok(PinState::Unset),
        "SET" => Ok(PinState::Set),
        "RESET" => Ok(PinState::Reset),
        other => Err(StoreError::internal(format!("stored pin_state {other:?} is unknown"))),
    }
}

/// The stored name of a history action or actor (its wire name).
pub(crate) fn wire_name<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Reads a stored wire name back.
pub(crate) fn from_wire_name<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_value(Value::String(text.to_owned()))
        .map_err(|e| StoreError::internal(format!("stored name {text:?} is unknown: {e}")))
}

/// Reads a stored plan.
pub(crate) fn parse_plan(text: &str) -> Result<Plan, StoreError> {
    Plan::from_str(text).map_err(|e| StoreError::internal(e.to_string()))
}
