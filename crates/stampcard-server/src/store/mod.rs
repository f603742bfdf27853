//! Storage behind a trait, so the server does not care which database it runs on. The
//! backend is chosen from the `DATABASE_URL` scheme; only this module knows SQL, and it
//! knows HTTP not at all.
//!
//! - [`records`]: the rows, decoded by column name.
//! - [`sql`]: every query, written once for both databases.
//! - [`write`]: a write is a [`WriteJob`] over a [`Tx`] (the transaction's view of the
//!   data), run inside a transaction with its idempotency record ([`idempotency`]), so a
//!   change, its history event and its kept response commit or vanish together.
//! - [`sqlite`] and [`postgres`]: what truly differs: opening, and how writes share
//!   transactions (one SQLite writer with group commit; a PostgreSQL transaction per write
//!   with row and advisory locks).

pub mod find;
pub mod idempotency;
pub mod postgres;
pub mod records;
pub mod sql;
pub mod sqlite;
pub mod staff;
pub mod users;
pub mod webhook;
pub mod write;

use std::sync::Arc;

use async_trait::async_trait;
use stampcard_core::card_rules::AddHistory;
use stampcard_core::dashboard::LoginGuard;
use stampcard_core::secret::CardGuard;
use stampcard_core::webhook::DeliveryStatus;
use stampcard_core::wire::HistoryEvent;

pub use crate::error::{StoreError, StoreErrorKind};
pub use idempotency::{IDEMPOTENCY_TTL_MS, KeptResponse, StoredResponse};
pub use records::{AccountRecord, ApiKeyRecord, CardRecord, LinkedStamp, NewEvent, Principal, StampRecord};
pub use staff::StaffRecord;
pub use users::{SessionRecord, UserRecord};
pub use webhook::{AttemptOutcome, AttemptRecord, ClaimedDelivery, DeliveryRecord, WebhookRecord};
pub use write::{Decision, Idempotency, Op, OpFuture, OpOutput, Ran, ResultJson, WriteJob, Written, op};

use crate::plan::Plan;

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
    ) -> Result<Option<KeptResponse>, StoreError>;
    /// Keeps (or replaces an expired) response.
    async fn idempotency_put(
        &mut self,
        idempotency: &Idempotency,
        response: &StoredResponse,
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

    // staff members
    /// A staff member of the account, locked for this transaction where the backend has row
    /// locks.
    async fn staff(&mut self, account_idx: i64, staff_idx: i64) -> Result<Option<StaffRecord>, StoreError>;
    /// A staff member of the account and whether they may act on the card.
    async fn staff_for_card(
        &mut self,
        account_idx: i64,
        staff_idx: i64,
        card_idx: i64,
    ) -> Result<Option<(StaffRecord, bool)>, StoreError>;
    /// Inserts a staff member (`staff_idx` is ignored); returns their id.
    async fn insert_staff(&mut self, staff: &StaffRecord) -> Result<i64, StoreError>;
    /// Writes every mutable column of a staff member.
    async fn update_staff(&mut self, staff: &StaffRecord) -> Result<(), StoreError>;
    /// Deletes a staff member of the account with their card list.
    async fn delete_staff(&mut self, account_idx: i64, staff_idx: i64) -> Result<(), StoreError>;
    /// Replaces a staff member's card list (empty for a staff member of every card).
    async fn set_staff_cards(&mut self, staff_idx: i64, card_idxs: &[i64]) -> Result<(), StoreError>;
    /// A staff member's card list, ascending.
    async fn staff_card_idxs(&mut self, staff_idx: i64) -> Result<Vec<i64>, StoreError>;

    // dashboard logins
    /// A dashboard user by the lowercase form of its e-mail address.
    async fn user_by_email(&mut self, email_key: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Inserts a dashboard user (`user_idx` is ignored); returns its id.
    async fn insert_user(&mut self, user: &UserRecord) -> Result<i64, StoreError>;
    /// Sets a user's password hash.
    async fn set_user_password(&mut self, user_idx: i64, password_hash: &str) -> Result<(), StoreError>;
    /// Deletes a user with its sessions.
    async fn delete_user(&mut self, user_idx: i64) -> Result<(), StoreError>;
    /// Ends every dashboard session of a user.
    async fn delete_user_sessions(&mut self, user_idx: i64) -> Result<(), StoreError>;
    /// Stores a dashboard session (by token hash).
    async fn insert_admin_session(&mut self, token_hash: &[u8], user_idx: i64, now_ms: i64) -> Result<(), StoreError>;
    /// Records a dashboard session's use.
    async fn touch_admin_session(&mut self, token_hash: &[u8], now_ms: i64) -> Result<(), StoreError>;
    /// Ends one dashboard session.
    async fn delete_admin_session(&mut self, token_hash: &[u8]) -> Result<(), StoreError>;
    /// A login guard (all zeros before the first wrong password), locked for this
    /// transaction where the backend has row locks.
    async fn login_guard(&mut self, key: &str) -> Result<LoginGuard, StoreError>;
    /// Writes a login guard.
    async fn put_login_guard(&mut self, key: &str, guard: &LoginGuard) -> Result<(), StoreError>;
    // cards: anti-fraud rules, retiring, deleting and auto-renewal
    /// The stamp's newest `ADD` and its `ADD`s in `[day_start_ms, day_end_ms)`. Called after
    /// the stamp's row is locked, so it sees every add committed before this one.
    async fn add_history(
        &mut self,
        stamp_idx: i64,
        day_start_ms: i64,
        day_end_ms: i64,
    ) -> Result<AddHistory, StoreError>;
    /// The newest stamp of a page link's chain with its card, locked like `stamp_by_token`.
    async fn stamp_by_link(&mut self, token: &str) -> Result<Option<LinkedStamp>, StoreError>;
    /// Whether any stamp (of any state) is on the card.
    async fn card_has_stamps(&mut self, card_idx: i64) -> Result<bool, StoreError>;
    /// Deletes a card of the account (its staff-password guard goes with it).
    async fn delete_card(&mut self, account_idx: i64, card_idx: i64) -> Result<(), StoreError>;
    /// Moves every page session of one stamp to another (a renewal keeps the customer in).
    async fn move_sessions(&mut self, from_stamp_idx: i64, to_stamp_idx: i64) -> Result<(), StoreError>;

    // webhooks
    /// Queues a stamp's `stamp.deleted` event for the endpoints that take it; called before
    /// the stamp is deleted, in the same transaction (`change.action` is not used).
    async fn webhook_stamp_deleted(&mut self, change: &NewEvent) -> Result<(), StoreError>;
    /// An endpoint of the account, locked for this transaction where the backend has row locks.
    async fn webhook(&mut self, account_idx: i64, webhook_idx: i64) -> Result<Option<WebhookRecord>, StoreError>;
    /// How many endpoints the account has.
    async fn webhook_count(&mut self, account_idx: i64) -> Result<i64, StoreError>;
    /// Inserts an endpoint (`webhook_idx` is ignored); returns its id.
    async fn insert_webhook(&mut self, webhook: &WebhookRecord) -> Result<i64, StoreError>;
    /// Writes every mutable column of an endpoint.
    async fn update_webhook(&mut self, webhook: &WebhookRecord) -> Result<(), StoreError>;
    /// Deletes an endpoint of the account with its deliveries.
    async fn delete_webhook(&mut self, account_idx: i64, webhook_idx: i64) -> Result<(), StoreError>;
    /// Queues a test event for one endpoint; returns the delivery's id.
    async fn queue_test_event(&mut self, webhook: &WebhookRecord, now_ms: i64) -> Result<i64, StoreError>;
    /// A delivery of the account, locked where the backend has row locks.
    async fn webhook_delivery(
        &mut self,
        account_idx: i64,
        delivery_idx: i64,
    ) -> Result<Option<DeliveryRecord>, StoreError>;
    /// Makes a delivery due now with a fresh retry window (same event; any claim is dropped).
    async fn redeliver(&mut self, delivery_idx: i64, now_ms: i64) -> Result<(), StoreError>;
    /// Claims up to `limit` due deliveries for `token` until `lease_until` and returns them.
    async fn claim_deliveries(
        &mut self,
        token: &str,
        now_ms: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError>;
    /// Logs an attempt and writes the delivery's new state if `token` still holds its claim.
    async fn finish_delivery(
        &mut self,
        delivery_idx: i64,
        token: &str,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError>;
    /// Deletes finished deliveries older than `before_ms` and the events left without one.
    async fn prune_webhooks(&mut self, before_ms: i64) -> Result<(), StoreError>;
}

/// The storage of one server.
#[async_trait]
pub trait Store: Send + Sync {
    /// Runs one write in a transaction (possibly shared with other writes) and returns what
    /// it came to once that transaction is durable. `Err` only for store faults.
    async fn write(&self, job: WriteJob) -> Result<Written, StoreError>;
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
    async fn stamp_and_card(
        &self,
        account_idx: i64,
        stamp_idx: i64,
    ) -> Result<Option<(StampRecord, CardRecord)>, StoreError>;
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
    // cards: anti-fraud rules, retiring, deleting and auto-renewal
    /// The stamp's newest `ADD` and its `ADD`s in `[day_start_ms, day_end_ms)` (the page's
    /// check before hashing a staff password; the add re-checks inside its write).
    async fn add_history(&self, stamp_idx: i64, day_start_ms: i64, day_end_ms: i64) -> Result<AddHistory, StoreError>;
    /// The newest stamp of a page link's chain with its card.
    async fn stamp_by_link(&self, token: &str) -> Result<Option<LinkedStamp>, StoreError>;
    /// Stops taking writes, finishes the ones already queued and leaves the database whole
    /// on its own: SQLite checkpoints its WAL into the `.db` file (so a copy of that file alone
    /// holds every acknowledged write), PostgreSQL closes its pool. Called once, at shutdown,
    /// after the HTTP server has stopped; later writes fail as unavailable.
    async fn close(&self) -> Result<(), StoreError>;

    // staff members
    /// A staff member of the account and whether they may act on the card.
    async fn staff_for_card(
        &self,
        account_idx: i64,
        staff_idx: i64,
        card_idx: i64,
    ) -> Result<Option<(StaffRecord, bool)>, StoreError>;
    /// The account's staff members, oldest first.
    async fn staff_members(&self, account_idx: i64) -> Result<Vec<StaffRecord>, StoreError>;
    /// The card lists of the account's staff members: (staffIdx, cardIdx), ascending.
    async fn staff_cards(&self, account_idx: i64) -> Result<Vec<(i64, i64)>, StoreError>;

    // dashboard logins
    /// A dashboard user by the lowercase form of its e-mail address.
    async fn user_by_email(&self, email_key: &str) -> Result<Option<UserRecord>, StoreError>;
    /// An account's dashboard users, oldest first.
    async fn users(&self, account_idx: i64) -> Result<Vec<UserRecord>, StoreError>;
    /// A dashboard session by its token's hash, with its user and account, live or not.
    async fn admin_session(&self, token_hash: &[u8]) -> Result<Option<SessionRecord>, StoreError>;
    /// A login guard (all zeros before the first wrong password).
    async fn login_guard(&self, key: &str) -> Result<LoginGuard, StoreError>;
    // reading stamps (issue 10: get, list, export, stats; queries in `find.rs`)
    /// A stamp of the account with its card and its newest `ADD`.
    async fn found_stamp(&self, account_idx: i64, stamp_idx: i64) -> Result<Option<find::FoundStamp>, StoreError>;
    /// Up to `limit` stamps matching `query` with ids below `before`, newest first.
    async fn find_stamps(
        &self,
        query: &find::StampQuery,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<find::FoundStamp>, StoreError>;
    /// The `q`-searched fields of up to `limit` stamps matching `query` below `before`,
    /// newest first.
    async fn search_stamps(
        &self,
        query: &find::StampQuery,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<find::SearchRow>, StoreError>;
    /// These stamps of the account, whole, newest first (missing ones left out).
    async fn found_stamps(&self, account_idx: i64, stamp_idxs: &[i64]) -> Result<Vec<find::FoundStamp>, StoreError>;
    /// Per-day counts of the account's (or one card's) history in `[from_ms, to_ms)`, one row
    /// per day that has events, and the distinct customers stamped in the whole period.
    async fn stats(
        &self,
        account_idx: i64,
        card_idx: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<(Vec<find::DayRow>, i64), StoreError>;

    // webhooks
    /// The account's endpoints, oldest first.
    async fn webhooks(&self, account_idx: i64) -> Result<Vec<WebhookRecord>, StoreError>;
    /// Up to `limit` deliveries of the account below `before`, newest first.
    async fn webhook_deliveries(
        &self,
        account_idx: i64,
        webhook_idx: Option<i64>,
        status: Option<DeliveryStatus>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError>;
    /// A delivery of the account.
    async fn webhook_delivery(&self, account_idx: i64, delivery_idx: i64)
    -> Result<Option<DeliveryRecord>, StoreError>;
    /// The attempts of these deliveries, oldest first.
    async fn webhook_attempts(&self, delivery_idxs: &[i64]) -> Result<Vec<AttemptRecord>, StoreError>;
    /// Whether any delivery is due and unclaimed (the worker's cheap check before it claims).
    async fn webhook_due(&self, now_ms: i64) -> Result<bool, StoreError>;
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
        "sqlite" => Ok(Arc::new(sqlite::open(database_url, options).await?)),
        "postgres" | "postgresql" => Ok(Arc::new(postgres::open(database_url, options.pg_max_connections).await?)),
        other => Err(StoreError::internal(format!(
            "unsupported DATABASE_URL scheme {other:?}; use sqlite://PATH or postgres://USER@HOST/DB"
        ))),
    }
}
