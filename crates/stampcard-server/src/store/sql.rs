//! The one SQL layer: every query, written once for both databases. SQLite through sqlx
//! accepts PostgreSQL's `$1` placeholders, `ON CONFLICT ... DO UPDATE` and `RETURNING`, and
//! decodes `bool`, `i32` and dates from its own columns, so only the row locks of a write
//! differ ([`Dialect`]). Rows decode by column name ([`records`](super::records)).

use chrono::NaiveDate;
use futures_util::future::BoxFuture;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Pool, Type};
use stampcard_core::card_rules::AddHistory;
use stampcard_core::dashboard::LoginGuard;
use stampcard_core::secret::CardGuard;
use stampcard_core::webhook::{DeliveryStatus, WebhookEventType};
use stampcard_core::wire::{HistoryAction, HistoryEvent};

use super::find;
use super::idempotency::{KeptResponse, StoredResponse};
use super::records::{AddHistoryRow, Count, EventRow, GuardRow, Id, LinkedStamp, StampWithCard, wire_name};
use super::staff::{StaffCardRow, StaffCovering, StaffRecord};
use super::users::{LoginGuardRow, SessionRecord, UserRecord};
use super::webhook::{self, AttemptOutcome, AttemptRecord, ClaimedDelivery, DeliveryRecord, WebhookRecord};
use super::write::{Engine, Idempotency, WriteJob, Written};
use super::{
    AccountRecord, ApiKeyRecord, CardRecord, IDEMPOTENCY_TTL_MS, NewEvent, Principal, StampRecord, Store, StoreError,
    Tx,
};
use crate::plan::Plan;

/// A value bound to a statement: one variant per column type of the schema.
#[derive(Debug, Clone)]
pub enum Param {
    /// `BIGINT` (ids, Unix ms).
    Int(i64),
    /// Nullable `BIGINT`.
    OptInt(Option<i64>),
    /// `INTEGER` (counts).
    Small(i32),
    /// `BOOLEAN` (an integer 0/1 in SQLite).
    Bool(bool),
    /// `TEXT`.
    Text(String),
    /// Nullable `TEXT`.
    OptText(Option<String>),
    /// `DATE` (`YYYY-MM-DD` text in SQLite).
    Day(NaiveDate),
    /// Nullable `DATE`.
    OptDay(Option<NaiveDate>),
    /// `BYTEA` / `BLOB`.
    Bytes(Vec<u8>),
}

impl Param {
    /// A count, which the schema keeps in an `INTEGER`.
    pub fn count(value: u32) -> Result<Param, StoreError> {
        i32::try_from(value)
            .map(Param::Small)
            .map_err(|_| StoreError::internal(format!("count {value} does not fit the column")))
    }
}

macro_rules! param_from {
    ($($variant:ident($type:ty)),*) => {$(
        impl From<$type> for Param {
            fn from(value: $type) -> Param {
                Param::$variant(value.into())
            }
        }
    )*};
}
param_from!(Int(i64), OptInt(Option<i64>), Bool(bool), Text(String), Text(&str), OptText(Option<String>));
param_from!(Day(NaiveDate), OptDay(Option<NaiveDate>), Bytes(Vec<u8>), Bytes(&[u8]));

/// SQL text and its parameters, `$1`, `$2`... in order.
#[derive(Debug, Clone)]
pub struct Statement {
    sql: String,
    params: Vec<Param>,
}

impl Statement {
    /// A statement without parameters yet.
    pub fn new(sql: impl Into<String>) -> Statement {
        Statement { sql: sql.into(), params: Vec::new() }
    }

    /// Adds the next parameter.
    pub fn bind(mut self, param: impl Into<Param>) -> Statement {
        self.params.push(param.into());
        self
    }
}

impl From<find::Query> for Statement {
    fn from(query: find::Query) -> Statement {
        let params = query.params.into_iter().map(|value| match value {
            find::Value::Int(v) => Param::Int(v),
            find::Value::Text(v) => Param::Text(v),
            find::Value::Day(v) => Param::Day(v),
        });
        Statement { sql: query.sql, params: params.collect() }
    }
}

/// A type every backend's rows decode into by column name (derive `sqlx::FromRow`).
pub trait Record: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

impl<T> Record for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// A database row that decodes any [`Record`].
pub trait DecodeRow {
    /// The row as `T`.
    fn record<T: Record>(&self) -> Result<T, sqlx::Error>;
}

impl DecodeRow for SqliteRow {
    fn record<T: Record>(&self) -> Result<T, sqlx::Error> {
        T::from_row(self)
    }
}

impl DecodeRow for PgRow {
    fn record<T: Record>(&self) -> Result<T, sqlx::Error> {
        T::from_row(self)
    }
}

/// Runs [`Statement`]s on a connection. Implemented once, below, for every sqlx database that
/// can bind the schema's types, so the shared code needs no other bound than [`Dialect`].
pub trait Driver: Database<Row: DecodeRow> {
    /// Every row, decoded.
    fn fetch_all<T: Record>(conn: &mut Self::Connection, st: Statement) -> BoxFuture<'_, Result<Vec<T>, StoreError>>;
    /// The first row, decoded, if any.
    fn fetch_optional<T: Record>(
        conn: &mut Self::Connection,
        st: Statement,
    ) -> BoxFuture<'_, Result<Option<T>, StoreError>>;
    /// Runs a statement for its effect.
    fn execute(conn: &mut Self::Connection, st: Statement) -> BoxFuture<'_, Result<(), StoreError>>;
    /// The statement's text with its parameters bound.
    fn query(sql: &str, params: Vec<Param>) -> sqlx::query::Query<'_, Self, Self::Arguments<'_>>;
}

impl<DB> Driver for DB
where
    DB: Database<Row: DecodeRow>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> NaiveDate: Encode<'q, DB> + Type<DB>,
    for<'q> Option<NaiveDate>: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
{
    fn fetch_all<T: Record>(conn: &mut DB::Connection, st: Statement) -> BoxFuture<'_, Result<Vec<T>, StoreError>> {
        Box::pin(async move {
            let Statement { sql, params } = st;
            let rows = DB::query(&sql, params).fetch_all(conn).await?;
            Ok(rows.iter().map(DecodeRow::record).collect::<Result<_, _>>()?)
        })
    }

    fn fetch_optional<T: Record>(
        conn: &mut DB::Connection,
        st: Statement,
    ) -> BoxFuture<'_, Result<Option<T>, StoreError>> {
        Box::pin(async move {
            let Statement { sql, params } = st;
            let row = DB::query(&sql, params).fetch_optional(conn).await?;
            Ok(row.as_ref().map(DecodeRow::record).transpose()?)
        })
    }

    fn execute(conn: &mut DB::Connection, st: Statement) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let Statement { sql, params } = st;
            DB::query(&sql, params).execute(conn).await?;
            Ok(())
        })
    }

    fn query(sql: &str, params: Vec<Param>) -> sqlx::query::Query<'_, DB, DB::Arguments<'_>> {
        params.into_iter().fold(sqlx::query::<DB>(sql), |query, param| match param {
            Param::Int(v) => query.bind(v),
            Param::OptInt(v) => query.bind(v),
            Param::Small(v) => query.bind(v),
            Param::Bool(v) => query.bind(v),
            Param::Text(v) => query.bind(v),
            Param::OptText(v) => query.bind(v),
            Param::Day(v) => query.bind(v),
            Param::OptDay(v) => query.bind(v),
            Param::Bytes(v) => query.bind(v),
        })
    }
}

/// What differs between the databases inside the shared SQL: how a write locks what it
/// reads. SQLite needs no locks (its one writer runs writes one at a time); PostgreSQL's
/// servers write in parallel, so a write locks its rows until it commits.
pub trait Dialect: Driver {
    /// Appended to a card read inside a write: a card update waits for the adds on its stamps.
    const LOCK_CARD: &'static str;
    /// Appended to a stamp read inside a write.
    const LOCK_STAMP: &'static str;
    /// Appended to a stamp-with-card read inside a write.
    const LOCK_STAMP_AND_CARD: &'static str;
    /// Appended to a card guard read inside a write.
    const LOCK_GUARD: &'static str;
    /// Run first by a write with an `Idempotency-Key` (`$1` scope, `$2` key), so requests that
    /// share a key run one after the other on every server.
    const LOCK_IDEMPOTENCY_KEY: Option<&'static str>;

    // webhooks
    /// Appended to the claim of due deliveries, so servers sharing a database claim
    /// different rows without waiting for each other.
    const LOCK_SKIP_LOCKED: &'static str;
}

/// The card columns besides its ids; `created_at` is renamed so a card also decodes from a
/// row joined with its stamp (whose ids are the card's).
const CARD_FIELDS: &str = "c.card_nm, c.card_ttl, c.max_stamps, c.stamp_img_url, c.url, c.onsite_yn, \
     c.onsite_pwd_hash, c.created_at AS card_created_at, c.cooldown_secs, c.max_adds_per_day, \
     c.active_yn AS card_active_yn, c.auto_renew_yn";

/// Every column a write sets on a stamp, with its value. A new stamp column goes here, in
/// [`StampRecord`] and in the migrations: reads select `s.*` and decode by name.
fn stamp_columns(stamp: &StampRecord) -> Result<Vec<(&'static str, Param)>, StoreError> {
    Ok(vec![
        ("card_idx", stamp.card_idx.into()),
        ("domain", stamp.domain.clone().into()),
        ("stamps", Param::count(stamp.stamps)?),
        ("strt_ymd", stamp.start.into()),
        ("end_ymd", stamp.end.into()),
        ("active_yn", stamp.active.into()),
        ("redeemed_ymd", stamp.redeemed_on.into()),
        ("memo", stamp.memo.clone().into()),
        ("user_id", stamp.user_id.clone().into()),
        ("user_nm", stamp.user_nm.clone().into()),
        ("user_phnno", stamp.user_phnno.clone().into()),
        ("user_eml", stamp.user_eml.clone().into()),
        ("user_etc1", stamp.user_etc1.clone().into()),
        ("user_etc2", stamp.user_etc2.clone().into()),
        ("pin_state", wire_name(stamp.pin_state).into()),
        ("pin_hash", stamp.pin_hash.clone().into()),
        ("pin_failures", Param::count(stamp.pin_failures)?),
        ("pin_locked_until", stamp.pin_locked_until.into()),
        ("onsite_failures", Param::count(stamp.onsite_failures)?),
        ("onsite_locked_until", stamp.onsite_locked_until.into()),
        ("next_stamp_idx", stamp.next_stamp_idx.into()),
    ])
}

/// Every column a write sets on a card, with its value (see [`stamp_columns`]).
fn card_columns(card: &CardRecord) -> Result<Vec<(&'static str, Param)>, StoreError> {
    Ok(vec![
        ("card_nm", card.name.clone().into()),
        ("card_ttl", card.title.clone().into()),
        ("max_stamps", Param::count(card.max_stamps)?),
        ("stamp_img_url", card.stamp_img_url.clone().into()),
        ("url", card.url.clone().into()),
        ("onsite_yn", card.onsite_required.into()),
        ("onsite_pwd_hash", card.onsite_pwd_hash.clone().into()),
        ("cooldown_secs", Param::count(card.cooldown_secs)?),
        ("max_adds_per_day", Param::count(card.max_adds_per_day)?),
        ("active_yn", card.active.into()),
        ("auto_renew_yn", card.auto_renew.into()),
    ])
}

/// `INSERT INTO table (columns) VALUES ($1...) RETURNING id_column AS id`.
fn insert(table: &str, columns: Vec<(&'static str, Param)>, id_column: &str) -> Statement {
    let names = columns.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
    let marks = (1..=columns.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING {id_column} AS id");
    Statement { sql, params: columns.into_iter().map(|(_, param)| param).collect() }
}

/// `UPDATE table SET column = $1... WHERE id_column = $n AND account_idx = $n+1`.
fn update(table: &str, columns: Vec<(&'static str, Param)>, id_column: &str, id: i64, account_idx: i64) -> Statement {
    let n = columns.len();
    let sets = columns.iter().enumerate().map(|(i, (name, _))| format!("{name} = ${}", i + 1)).collect::<Vec<_>>();
    let sql =
        format!("UPDATE {table} SET {} WHERE {id_column} = ${} AND account_idx = ${}", sets.join(", "), n + 1, n + 2);
    let params = columns.into_iter().map(|(_, param)| param).chain([id.into(), account_idx.into()]).collect();
    Statement { sql, params }
}

fn account_by_id(account_idx: i64) -> Statement {
    Statement::new("SELECT account_idx, name, plan, created_at FROM accounts WHERE account_idx = $1").bind(account_idx)
}

fn card_by_id(account_idx: i64, card_idx: i64, lock: &str) -> Statement {
    Statement::new(format!(
        "SELECT c.card_idx, c.account_idx, {CARD_FIELDS} FROM cards c WHERE c.account_idx = $1 AND c.card_idx = $2 {lock}"
    ))
    .bind(account_idx)
    .bind(card_idx)
}

fn stamp_and_card_where(condition: &str, lock: &str) -> String {
    format!("SELECT s.*, {CARD_FIELDS} FROM stamps s JOIN cards c ON c.card_idx = s.card_idx WHERE {condition} {lock}")
}

fn stamp_and_card_by_id(account_idx: i64, stamp_idx: i64, lock: &str) -> Statement {
    Statement::new(stamp_and_card_where("s.account_idx = $1 AND s.stamp_idx = $2", lock))
        .bind(account_idx)
        .bind(stamp_idx)
}

fn stamp_and_card_by_token(token: &str, lock: &str) -> Statement {
    Statement::new(stamp_and_card_where("s.token = $1", lock)).bind(token)
}

fn card_guard(card_idx: i64, lock: &str) -> Statement {
    Statement::new(format!(
        "SELECT failures, locks, locked_until, last_failure_at FROM card_guards WHERE card_idx = $1 {lock}"
    ))
    .bind(card_idx)
}

// cards: anti-fraud rules, retiring, deleting and auto-renewal

fn add_history(stamp_idx: i64, day_start_ms: i64, day_end_ms: i64) -> Statement {
    Statement::new(
        "SELECT MAX(created_at) AS last_add, \
         COUNT(CASE WHEN created_at >= $2 AND created_at < $3 THEN 1 END) AS adds_today \
         FROM stamp_events WHERE stamp_idx = $1 AND action = $4",
    )
    .bind(stamp_idx)
    .bind(day_start_ms)
    .bind(day_end_ms)
    .bind(wire_name(HistoryAction::Add))
}

fn history_of(row: Option<AddHistoryRow>) -> AddHistory {
    row.map_or_else(AddHistory::default, |row| AddHistory {
        last_add_ms: row.last_add,
        adds_today: u32::try_from(row.adds_today).unwrap_or(u32::MAX),
    })
}

/// The newest stamp of the chain that starts at the stamp holding `$1` as its token: each
/// automatic renewal links the redeemed stamp to its successor (`next_stamp_idx`, always a
/// newer stamp), so the customer's one link follows them. `UNION` (not `UNION ALL`) stops on
/// a repeated row, so even a damaged chain cannot loop.
fn stamp_by_link(token: &str, lock: &str) -> Statement {
    Statement::new(format!(
        "WITH RECURSIVE chain (stamp_idx, next_stamp_idx) AS ( \
             SELECT stamp_idx, next_stamp_idx FROM stamps WHERE token = $1 \
             UNION SELECT n.stamp_idx, n.next_stamp_idx FROM stamps n JOIN chain ON n.stamp_idx = chain.next_stamp_idx) \
         SELECT s.*, {CARD_FIELDS}, \
             (SELECT p.redeemed_ymd FROM stamps p WHERE p.next_stamp_idx = s.stamp_idx LIMIT 1) AS previous_redeemed_ymd \
         FROM stamps s JOIN cards c ON c.card_idx = s.card_idx \
         WHERE s.stamp_idx = (SELECT MAX(stamp_idx) FROM chain WHERE next_stamp_idx IS NULL) {lock}"
    ))
    .bind(token)
}

fn pair(found: Option<StampWithCard>) -> Option<(StampRecord, CardRecord)> {
    found.map(|both| (both.stamp, both.card))
}

/// A store over one sqlx database: reads from a pool, writes through the backend's engine.
pub struct SqlStore<DB: Database> {
    reader: Pool<DB>,
    engine: Box<dyn Engine>,
}

impl<DB: Dialect> SqlStore<DB> {
    /// A store reading from `reader` and writing through `engine`.
    pub fn new(reader: Pool<DB>, engine: Box<dyn Engine>) -> SqlStore<DB> {
        SqlStore { reader, engine }
    }

    async fn one<T: Record>(&self, st: Statement) -> Result<Option<T>, StoreError> {
        DB::fetch_optional(&mut *self.reader.acquire().await?, st).await
    }

    async fn all<T: Record>(&self, st: Statement) -> Result<Vec<T>, StoreError> {
        DB::fetch_all(&mut *self.reader.acquire().await?, st).await
    }
}

#[async_trait::async_trait]
impl<DB: Dialect> Store for SqlStore<DB> {
    async fn write(&self, job: WriteJob) -> Result<Written, StoreError> {
        self.engine.write(job).await
    }

    async fn authenticate(&self, key_hash: &[u8]) -> Result<Option<Principal>, StoreError> {
        let st = Statement::new(
            "SELECT k.api_key_idx, a.account_idx, a.plan FROM api_keys k JOIN accounts a ON a.account_idx = k.account_idx \
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
        );
        self.one(st.bind(key_hash)).await
    }

    async fn account(&self, account_idx: i64) -> Result<Option<AccountRecord>, StoreError> {
        self.one(account_by_id(account_idx)).await
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<AccountRecord>, StoreError> {
        let st = Statement::new(
            "SELECT account_idx, name, plan, created_at FROM accounts WHERE name = $1 ORDER BY account_idx LIMIT 1",
        );
        self.one(st.bind(name)).await
    }

    async fn api_keys(&self, account_idx: i64) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let st = Statement::new(
            "SELECT api_key_idx, account_idx, key_prefix, label, created_at, revoked_at FROM api_keys \
             WHERE account_idx = $1 ORDER BY api_key_idx",
        );
        self.all(st.bind(account_idx)).await
    }

    async fn card(&self, account_idx: i64, card_idx: i64) -> Result<Option<CardRecord>, StoreError> {
        self.one(card_by_id(account_idx, card_idx, "")).await
    }

    async fn cards(&self, account_idx: i64) -> Result<Vec<CardRecord>, StoreError> {
        let st = Statement::new(format!(
            "SELECT c.card_idx, c.account_idx, {CARD_FIELDS} FROM cards c WHERE c.account_idx = $1 ORDER BY c.card_idx"
        ));
        self.all(st.bind(account_idx)).await
    }

    async fn stamp_and_card(
        &self,
        account_idx: i64,
        stamp_idx: i64,
    ) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        Ok(pair(self.one(stamp_and_card_by_id(account_idx, stamp_idx, "")).await?))
    }

    async fn stamp_by_token(&self, token: &str) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        Ok(pair(self.one(stamp_and_card_by_token(token, "")).await?))
    }

    async fn history(&self, stamp_idx: i64) -> Result<Vec<HistoryEvent>, StoreError> {
        let st = Statement::new(
            // The names are looked up now: a removed staff member or user reads as null.
            "SELECT e.event_idx, e.stamp_idx, e.action, e.stamps_before, e.stamps_after, e.actor, e.api_key_idx, \
             e.staff_idx, e.user_idx, COALESCE(s.staff_nm, u.email) AS actor_nm, e.created_at \
             FROM stamp_events e LEFT JOIN staff s ON s.staff_idx = e.staff_idx \
             LEFT JOIN users u ON u.user_idx = e.user_idx WHERE e.stamp_idx = $1 ORDER BY e.event_idx",
        );
        let rows: Vec<EventRow> = self.all(st.bind(stamp_idx)).await?;
        Ok(rows.into_iter().map(HistoryEvent::from).collect())
    }

    async fn card_guard(&self, card_idx: i64) -> Result<CardGuard, StoreError> {
        let row: Option<GuardRow> = self.one(card_guard(card_idx, "")).await?;
        Ok(row.map(CardGuard::from).unwrap_or_default())
    }

    async fn session_stamp(&self, token_hash: &[u8], now_ms: i64) -> Result<Option<i64>, StoreError> {
        let st = Statement::new("SELECT stamp_idx AS id FROM page_sessions WHERE token_hash = $1 AND expires_at > $2");
        let row: Option<Id> = self.one(st.bind(token_hash).bind(now_ms)).await?;
        Ok(row.map(|row| row.id))
    }

    async fn prune(&self, now_ms: i64) -> Result<(), StoreError> {
        let op = super::op(move |tx| {
            Box::pin(async move {
                tx.prune(now_ms).await?;
                Ok(super::Decision::Done(super::ResultJson::null()))
            })
        });
        self.write(WriteJob { op, idempotency: None, now_ms }).await.map(|_| ())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        DB::execute(&mut *self.reader.acquire().await?, Statement::new("SELECT 1")).await?;
        self.engine.check().await
    }

    async fn count_request(
        &self,
        account_idx: i64,
        minute_start: i64,
        hour_start: i64,
    ) -> Result<Option<(u32, u32)>, StoreError> {
        self.engine.count_request(account_idx, minute_start, hour_start).await
    }

    async fn close(&self) -> Result<(), StoreError> {
        // Readers first: a read transaction left open would block SQLite's checkpoint.
        self.reader.close().await;
        self.engine.close().await
    }

    // staff members
    async fn staff_for_card(
        &self,
        account_idx: i64,
        staff_idx: i64,
        card_idx: i64,
    ) -> Result<Option<(StaffRecord, bool)>, StoreError> {
        let found: Option<StaffCovering> = self.one(staff_for_card(account_idx, staff_idx, card_idx, "")).await?;
        Ok(found.map(|row| (row.staff, row.covers)))
    }

    async fn staff_members(&self, account_idx: i64) -> Result<Vec<StaffRecord>, StoreError> {
        let st = Statement::new("SELECT * FROM staff WHERE account_idx = $1 ORDER BY staff_idx");
        self.all(st.bind(account_idx)).await
    }

    async fn staff_cards(&self, account_idx: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        let st = Statement::new(
            "SELECT sc.staff_idx, sc.card_idx FROM staff_cards sc JOIN staff s ON s.staff_idx = sc.staff_idx \
             WHERE s.account_idx = $1 ORDER BY sc.staff_idx, sc.card_idx",
        );
        let rows: Vec<StaffCardRow> = self.all(st.bind(account_idx)).await?;
        Ok(rows.into_iter().map(|row| (row.staff_idx, row.card_idx)).collect())
    }

    // dashboard logins
    async fn user_by_email(&self, email_key: &str) -> Result<Option<UserRecord>, StoreError> {
        self.one(logins::user_by_email(email_key)).await
    }

    async fn users(&self, account_idx: i64) -> Result<Vec<UserRecord>, StoreError> {
        self.all(logins::users_of(account_idx)).await
    }

    async fn admin_session(&self, token_hash: &[u8]) -> Result<Option<SessionRecord>, StoreError> {
        self.one(logins::session(token_hash)).await
    }

    async fn login_guard(&self, key: &str) -> Result<LoginGuard, StoreError> {
        let row: Option<LoginGuardRow> = self.one(logins::guard(key, "")).await?;
        Ok(row.map(LoginGuard::from).unwrap_or_default())
    }

    // cards: anti-fraud rules, retiring, deleting and auto-renewal
    async fn add_history(&self, stamp_idx: i64, day_start_ms: i64, day_end_ms: i64) -> Result<AddHistory, StoreError> {
        Ok(history_of(self.one(add_history(stamp_idx, day_start_ms, day_end_ms)).await?))
    }

    async fn stamp_by_link(&self, token: &str) -> Result<Option<LinkedStamp>, StoreError> {
        self.one(stamp_by_link(token, "")).await
    }

    // reading stamps (issue 10)
    async fn found_stamp(&self, account_idx: i64, stamp_idx: i64) -> Result<Option<find::FoundStamp>, StoreError> {
        self.one(find::one(CARD_FIELDS, account_idx, stamp_idx).into()).await
    }

    async fn find_stamps(
        &self,
        query: &find::StampQuery,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<find::FoundStamp>, StoreError> {
        self.all(find::page(CARD_FIELDS, query, before, limit).into()).await
    }

    async fn search_stamps(
        &self,
        query: &find::StampQuery,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<find::SearchRow>, StoreError> {
        self.all(find::search_page(query, before, limit).into()).await
    }

    async fn found_stamps(&self, account_idx: i64, stamp_idxs: &[i64]) -> Result<Vec<find::FoundStamp>, StoreError> {
        if stamp_idxs.is_empty() {
            return Ok(Vec::new());
        }
        self.all(find::by_ids(CARD_FIELDS, account_idx, stamp_idxs).into()).await
    }

    async fn stats(
        &self,
        account_idx: i64,
        card_idx: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<(Vec<find::DayRow>, i64), StoreError> {
        // Two reads: an event written between them can be in one count and not the other,
        // which figures of a period that may include today can live with.
        let days = self.all(find::stats_days(account_idx, card_idx, from_ms, to_ms).into()).await?;
        let customers: Option<find::BigCount> =
            self.one(find::stats_customers(account_idx, card_idx, from_ms, to_ms).into()).await?;
        Ok((days, customers.map_or(0, |row| row.n)))
    }

    // webhooks
    async fn webhooks(&self, account_idx: i64) -> Result<Vec<WebhookRecord>, StoreError> {
        let st = Statement::new(format!("{} WHERE account_idx = $1 ORDER BY webhook_idx", webhook::WEBHOOK_SELECT));
        self.all(st.bind(account_idx)).await
    }

    async fn webhook_deliveries(
        &self,
        account_idx: i64,
        webhook_idx: Option<i64>,
        status: Option<DeliveryStatus>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        // Absent filters compare a column with itself through a NULL check, so one text serves.
        let st = Statement::new(format!(
            "{} WHERE d.account_idx = $1 AND ($2 IS NULL OR d.webhook_idx = $2) AND ($3 IS NULL OR d.status = $3) \
             AND ($4 IS NULL OR d.delivery_idx < $4) ORDER BY d.delivery_idx DESC LIMIT $5",
            webhook::DELIVERY_SELECT
        ));
        let status = status.map(|s| s.as_str().to_owned());
        self.all(st.bind(account_idx).bind(webhook_idx).bind(status).bind(before).bind(limit)).await
    }

    async fn webhook_delivery(
        &self,
        account_idx: i64,
        delivery_idx: i64,
    ) -> Result<Option<DeliveryRecord>, StoreError> {
        let st =
            Statement::new(format!("{} WHERE d.account_idx = $1 AND d.delivery_idx = $2", webhook::DELIVERY_SELECT));
        self.one(st.bind(account_idx).bind(delivery_idx)).await
    }

    async fn webhook_attempts(&self, delivery_idxs: &[i64]) -> Result<Vec<AttemptRecord>, StoreError> {
        if delivery_idxs.is_empty() {
            return Ok(Vec::new());
        }
        let marks = (1..=delivery_idxs.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let st = Statement::new(format!(
            "SELECT delivery_idx, request_id, attempted_at, http_status, duration_ms, response_excerpt, error \
             FROM webhook_attempts WHERE delivery_idx IN ({marks}) ORDER BY attempt_idx"
        ));
        self.all(delivery_idxs.iter().fold(st, |st, idx| st.bind(*idx))).await
    }

    async fn webhook_due(&self, now_ms: i64) -> Result<bool, StoreError> {
        let st = Statement::new(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM webhook_deliveries WHERE status IN ('PENDING', 'RETRYING') \
             AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1) LIMIT 1) due",
        );
        let row: Option<webhook::BigCount> = self.one(st.bind(now_ms)).await?;
        Ok(row.is_some_and(|row| row.n > 0))
    }
}

/// One write's transaction on a connection the backend has opened it on.
pub struct SqlTx<'c, DB: Database> {
    conn: &'c mut DB::Connection,
}

impl<'c, DB: Dialect> SqlTx<'c, DB> {
    /// The transaction open on `conn`.
    pub fn new(conn: &'c mut DB::Connection) -> SqlTx<'c, DB> {
        SqlTx { conn }
    }

    async fn one<T: Record>(&mut self, st: Statement) -> Result<Option<T>, StoreError> {
        DB::fetch_optional(&mut *self.conn, st).await
    }

    async fn id(&mut self, st: Statement) -> Result<i64, StoreError> {
        let row: Option<Id> = self.one(st).await?;
        row.map(|row| row.id).ok_or_else(|| StoreError::internal("an insert returned no id"))
    }

    async fn run(&mut self, st: Statement) -> Result<(), StoreError> {
        DB::execute(&mut *self.conn, st).await
    }
}

#[async_trait::async_trait]
impl<DB: Dialect> Tx for SqlTx<'_, DB> {
    // Rows read inside a write are locked until commit where the backend has row locks: the
    // read-modify-write of one server cannot interleave with another server's.
    async fn card(&mut self, account_idx: i64, card_idx: i64) -> Result<Option<CardRecord>, StoreError> {
        self.one(card_by_id(account_idx, card_idx, DB::LOCK_CARD)).await
    }

    async fn stamp(&mut self, account_idx: i64, stamp_idx: i64) -> Result<Option<StampRecord>, StoreError> {
        let st = Statement::new(format!(
            "SELECT s.* FROM stamps s WHERE s.account_idx = $1 AND s.stamp_idx = $2 {}",
            DB::LOCK_STAMP
        ));
        self.one(st.bind(account_idx).bind(stamp_idx)).await
    }

    async fn stamp_and_card(
        &mut self,
        account_idx: i64,
        stamp_idx: i64,
    ) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        Ok(pair(self.one(stamp_and_card_by_id(account_idx, stamp_idx, DB::LOCK_STAMP_AND_CARD)).await?))
    }

    async fn stamp_by_token(&mut self, token: &str) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        Ok(pair(self.one(stamp_and_card_by_token(token, DB::LOCK_STAMP_AND_CARD)).await?))
    }

    async fn highest_live_count(&mut self, card_idx: i64) -> Result<u32, StoreError> {
        let st = Statement::new(
            "SELECT COALESCE(MAX(stamps), 0) AS n FROM stamps WHERE card_idx = $1 AND redeemed_ymd IS NULL",
        );
        let row: Option<Count> = self.one(st.bind(card_idx)).await?;
        Ok(row.map_or(0, |row| row.n))
    }

    async fn insert_account(&mut self, name: &str, plan: Plan, now_ms: i64) -> Result<i64, StoreError> {
        let columns = vec![("name", name.into()), ("plan", plan.as_str().into()), ("created_at", now_ms.into())];
        self.id(insert("accounts", columns, "account_idx")).await
    }

    async fn account(&mut self, account_idx: i64) -> Result<Option<AccountRecord>, StoreError> {
        self.one(account_by_id(account_idx)).await
    }

    async fn insert_api_key(
        &mut self,
        account_idx: i64,
        key_hash: &[u8],
        key_prefix: &str,
        label: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let columns = vec![
            ("account_idx", account_idx.into()),
            ("key_hash", key_hash.into()),
            ("key_prefix", key_prefix.into()),
            ("label", label.into()),
            ("created_at", now_ms.into()),
        ];
        self.id(insert("api_keys", columns, "api_key_idx")).await
    }

    async fn revoke_api_key(&mut self, account_idx: i64, api_key_idx: i64, now_ms: i64) -> Result<bool, StoreError> {
        let st = Statement::new(
            "UPDATE api_keys SET revoked_at = $1 WHERE account_idx = $2 AND api_key_idx = $3 AND revoked_at IS NULL \
             RETURNING api_key_idx AS id",
        );
        let revoked: Option<Id> = self.one(st.bind(now_ms).bind(account_idx).bind(api_key_idx)).await?;
        Ok(revoked.is_some())
    }

    async fn insert_card(&mut self, card: &CardRecord) -> Result<i64, StoreError> {
        let mut columns = card_columns(card)?;
        columns.extend([("account_idx", card.account_idx.into()), ("created_at", card.created_at.into())]);
        self.id(insert("cards", columns, "card_idx")).await
    }

    async fn update_card(&mut self, card: &CardRecord) -> Result<(), StoreError> {
        self.run(update("cards", card_columns(card)?, "card_idx", card.card_idx, card.account_idx)).await
    }

    async fn insert_stamp(&mut self, stamp: &StampRecord) -> Result<i64, StoreError> {
        let mut columns = stamp_columns(stamp)?;
        columns.extend([
            ("account_idx", stamp.account_idx.into()),
            ("token", stamp.token.clone().into()),
            ("created_at", stamp.created_at.into()),
        ]);
        self.id(insert("stamps", columns, "stamp_idx")).await
    }

    async fn update_stamp(&mut self, stamp: &StampRecord) -> Result<(), StoreError> {
        self.run(update("stamps", stamp_columns(stamp)?, "stamp_idx", stamp.stamp_idx, stamp.account_idx)).await
    }

    async fn delete_stamp(&mut self, stamp_idx: i64) -> Result<(), StoreError> {
        // History and sessions go with it (ON DELETE CASCADE).
        self.run(Statement::new("DELETE FROM stamps WHERE stamp_idx = $1").bind(stamp_idx)).await
    }

    async fn append_event(&mut self, event: &NewEvent) -> Result<(), StoreError> {
        let columns = vec![
            ("stamp_idx", event.stamp_idx.into()),
            ("action", wire_name(event.action).into()),
            ("stamps_before", Param::count(event.stamps_before)?),
            ("stamps_after", Param::count(event.stamps_after)?),
            ("actor", wire_name(event.actor).into()),
            ("api_key_idx", event.api_key_idx.into()),
            ("staff_idx", event.staff_idx.into()),
            ("user_idx", event.user_idx.into()),
            ("created_at", event.at.into()),
        ];
        self.id(insert("stamp_events", columns, "event_idx")).await?;
        // webhooks: the event's outbox rows commit (or vanish) with the change.
        self.webhook_outbox(event, None).await
    }

    async fn card_guard(&mut self, card_idx: i64) -> Result<CardGuard, StoreError> {
        // The row exists before it is locked, so every staff-password check of the card waits
        // for the one before it (where the backend has row locks).
        self.run(
            Statement::new("INSERT INTO card_guards (card_idx) VALUES ($1) ON CONFLICT (card_idx) DO NOTHING")
                .bind(card_idx),
        )
        .await?;
        let row: Option<GuardRow> = self.one(card_guard(card_idx, DB::LOCK_GUARD)).await?;
        Ok(row.map(CardGuard::from).unwrap_or_default())
    }

    async fn put_card_guard(&mut self, card_idx: i64, guard: &CardGuard) -> Result<(), StoreError> {
        let st = Statement::new(
            "INSERT INTO card_guards (card_idx, failures, locks, locked_until, last_failure_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (card_idx) DO UPDATE SET failures = excluded.failures, \
             locks = excluded.locks, locked_until = excluded.locked_until, last_failure_at = excluded.last_failure_at",
        );
        let st = st.bind(card_idx).bind(Param::count(guard.failures)?).bind(Param::count(guard.locks)?);
        self.run(st.bind(guard.locked_until_ms).bind(guard.last_failure_ms)).await
    }

    async fn insert_session(&mut self, stamp_idx: i64, token_hash: &[u8], expires_at: i64) -> Result<(), StoreError> {
        let st = Statement::new("INSERT INTO page_sessions (token_hash, stamp_idx, expires_at) VALUES ($1, $2, $3)");
        self.run(st.bind(token_hash).bind(stamp_idx).bind(expires_at)).await
    }

    async fn delete_sessions(&mut self, stamp_idx: i64) -> Result<(), StoreError> {
        self.run(Statement::new("DELETE FROM page_sessions WHERE stamp_idx = $1").bind(stamp_idx)).await
    }

    async fn idempotency_get(
        &mut self,
        scope: &str,
        key: &str,
        not_before: i64,
    ) -> Result<Option<KeptResponse>, StoreError> {
        if let Some(lock) = DB::LOCK_IDEMPOTENCY_KEY {
            self.run(Statement::new(lock).bind(scope).bind(key)).await?;
        }
        let st = Statement::new(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND created_at >= $3",
        );
        self.one(st.bind(scope).bind(key).bind(not_before)).await
    }

    async fn idempotency_put(
        &mut self,
        idempotency: &Idempotency,
        response: &StoredResponse,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        // An expired record with the same key is replaced: after 24 h a key is free again.
        let st = Statement::new(
            "INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, idem_key) DO UPDATE SET \
             request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, \
             created_at = excluded.created_at",
        );
        let st = st.bind(idempotency.scope.as_str()).bind(idempotency.key.as_str());
        let st = st.bind(idempotency.request_hash.as_slice()).bind(Param::Small(i32::from(response.status)));
        self.run(st.bind(response.body.as_str()).bind(now_ms)).await
    }

    async fn prune(&mut self, now_ms: i64) -> Result<(), StoreError> {
        self.run(Statement::new("DELETE FROM page_sessions WHERE expires_at <= $1").bind(now_ms)).await?;
        let st = Statement::new("DELETE FROM idempotency_keys WHERE created_at < $1");
        self.run(st.bind(now_ms - IDEMPOTENCY_TTL_MS)).await?;
        for st in logins::prune(now_ms) {
            self.run(st).await?;
        }
        Ok(())
    }

    async fn savepoint(&mut self) -> Result<(), StoreError> {
        self.run(Statement::new("SAVEPOINT op")).await
    }

    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.run(Statement::new("ROLLBACK TO SAVEPOINT op")).await
    }

    async fn release_savepoint(&mut self) -> Result<(), StoreError> {
        self.run(Statement::new("RELEASE SAVEPOINT op")).await
    }

    // staff members
    async fn staff(&mut self, account_idx: i64, staff_idx: i64) -> Result<Option<StaffRecord>, StoreError> {
        let st =
            Statement::new(format!("SELECT * FROM staff WHERE account_idx = $1 AND staff_idx = $2 {}", DB::LOCK_CARD));
        self.one(st.bind(account_idx).bind(staff_idx)).await
    }

    async fn staff_for_card(
        &mut self,
        account_idx: i64,
        staff_idx: i64,
        card_idx: i64,
    ) -> Result<Option<(StaffRecord, bool)>, StoreError> {
        let found: Option<StaffCovering> =
            self.one(staff_for_card(account_idx, staff_idx, card_idx, DB::LOCK_CARD)).await?;
        Ok(found.map(|row| (row.staff, row.covers)))
    }

    async fn insert_staff(&mut self, staff: &StaffRecord) -> Result<i64, StoreError> {
        let mut columns = staff_columns(staff);
        columns.extend([("account_idx", staff.account_idx.into()), ("created_at", staff.created_at.into())]);
        self.id(insert("staff", columns, "staff_idx")).await
    }

    async fn update_staff(&mut self, staff: &StaffRecord) -> Result<(), StoreError> {
        self.run(update("staff", staff_columns(staff), "staff_idx", staff.staff_idx, staff.account_idx)).await
    }

    async fn delete_staff(&mut self, account_idx: i64, staff_idx: i64) -> Result<(), StoreError> {
        // The card list goes with it (ON DELETE CASCADE); history events keep the number.
        let st = Statement::new("DELETE FROM staff WHERE account_idx = $1 AND staff_idx = $2");
        self.run(st.bind(account_idx).bind(staff_idx)).await
    }

    async fn set_staff_cards(&mut self, staff_idx: i64, card_idxs: &[i64]) -> Result<(), StoreError> {
        self.run(Statement::new("DELETE FROM staff_cards WHERE staff_idx = $1").bind(staff_idx)).await?;
        for card_idx in card_idxs {
            let st = Statement::new("INSERT INTO staff_cards (staff_idx, card_idx) VALUES ($1, $2)");
            self.run(st.bind(staff_idx).bind(*card_idx)).await?;
        }
        Ok(())
    }

    async fn staff_card_idxs(&mut self, staff_idx: i64) -> Result<Vec<i64>, StoreError> {
        let st = Statement::new("SELECT card_idx AS id FROM staff_cards WHERE staff_idx = $1 ORDER BY card_idx");
        let rows: Vec<Id> = DB::fetch_all(&mut *self.conn, st.bind(staff_idx)).await?;
        Ok(rows.into_iter().map(|row| row.id).collect())
    }

    // dashboard logins
    async fn user_by_email(&mut self, email_key: &str) -> Result<Option<UserRecord>, StoreError> {
        self.one(logins::user_by_email(email_key)).await
    }

    async fn insert_user(&mut self, user: &UserRecord) -> Result<i64, StoreError> {
        self.id(logins::insert_user(user)).await
    }

    async fn set_user_password(&mut self, user_idx: i64, password_hash: &str) -> Result<(), StoreError> {
        self.run(logins::set_password(user_idx, password_hash)).await
    }

    async fn delete_user(&mut self, user_idx: i64) -> Result<(), StoreError> {
        self.run(logins::delete_user(user_idx)).await
    }

    async fn delete_user_sessions(&mut self, user_idx: i64) -> Result<(), StoreError> {
        self.run(logins::delete_user_sessions(user_idx)).await
    }

    async fn insert_admin_session(&mut self, token_hash: &[u8], user_idx: i64, now_ms: i64) -> Result<(), StoreError> {
        self.run(logins::insert_session(token_hash, user_idx, now_ms)).await
    }

    async fn touch_admin_session(&mut self, token_hash: &[u8], now_ms: i64) -> Result<(), StoreError> {
        self.run(logins::touch_session(token_hash, now_ms)).await
    }

    async fn delete_admin_session(&mut self, token_hash: &[u8]) -> Result<(), StoreError> {
        self.run(logins::delete_session(token_hash)).await
    }

    async fn login_guard(&mut self, key: &str) -> Result<LoginGuard, StoreError> {
        // The row exists before it is locked, so concurrent logins on one e-mail or address
        // count their wrong passwords one after the other (where the backend has row locks).
        self.run(logins::ensure_guard(key)).await?;
        let row: Option<LoginGuardRow> = self.one(logins::guard(key, DB::LOCK_GUARD)).await?;
        Ok(row.map(LoginGuard::from).unwrap_or_default())
    }

    async fn put_login_guard(&mut self, key: &str, guard: &LoginGuard) -> Result<(), StoreError> {
        self.run(logins::put_guard(key, guard)?).await
    }

    // cards: anti-fraud rules, retiring, deleting and auto-renewal
    async fn add_history(
        &mut self,
        stamp_idx: i64,
        day_start_ms: i64,
        day_end_ms: i64,
    ) -> Result<AddHistory, StoreError> {
        Ok(history_of(self.one(add_history(stamp_idx, day_start_ms, day_end_ms)).await?))
    }

    async fn stamp_by_link(&mut self, token: &str) -> Result<Option<LinkedStamp>, StoreError> {
        self.one(stamp_by_link(token, DB::LOCK_STAMP_AND_CARD)).await
    }

    async fn card_has_stamps(&mut self, card_idx: i64) -> Result<bool, StoreError> {
        let st = Statement::new("SELECT stamp_idx AS id FROM stamps WHERE card_idx = $1 LIMIT 1").bind(card_idx);
        let found: Option<Id> = self.one(st).await?;
        Ok(found.is_some())
    }

    async fn delete_card(&mut self, account_idx: i64, card_idx: i64) -> Result<(), StoreError> {
        let st = Statement::new("DELETE FROM cards WHERE card_idx = $1 AND account_idx = $2");
        self.run(st.bind(card_idx).bind(account_idx)).await
    }

    async fn move_sessions(&mut self, from_stamp_idx: i64, to_stamp_idx: i64) -> Result<(), StoreError> {
        let st = Statement::new("UPDATE page_sessions SET stamp_idx = $1 WHERE stamp_idx = $2");
        self.run(st.bind(to_stamp_idx).bind(from_stamp_idx)).await
    }

    // webhooks
    async fn webhook_stamp_deleted(&mut self, change: &NewEvent) -> Result<(), StoreError> {
        self.webhook_outbox(change, Some(WebhookEventType::Deleted)).await
    }

    async fn webhook(&mut self, account_idx: i64, webhook_idx: i64) -> Result<Option<WebhookRecord>, StoreError> {
        let st = Statement::new(format!(
            "{} WHERE account_idx = $1 AND webhook_idx = $2 {}",
            webhook::WEBHOOK_SELECT,
            DB::LOCK_CARD
        ));
        self.one(st.bind(account_idx).bind(webhook_idx)).await
    }

    async fn webhook_count(&mut self, account_idx: i64) -> Result<i64, StoreError> {
        let st = Statement::new("SELECT COUNT(*) AS n FROM webhooks WHERE account_idx = $1");
        let row: Option<webhook::BigCount> = self.one(st.bind(account_idx)).await?;
        Ok(row.map_or(0, |row| row.n))
    }

    async fn insert_webhook(&mut self, hook: &WebhookRecord) -> Result<i64, StoreError> {
        let mut columns = webhook::webhook_columns(hook);
        columns.extend([("account_idx", hook.account_idx.into()), ("created_at", hook.created_at.into())]);
        self.id(insert("webhooks", columns, "webhook_idx")).await
    }

    async fn update_webhook(&mut self, hook: &WebhookRecord) -> Result<(), StoreError> {
        self.run(update("webhooks", webhook::webhook_columns(hook), "webhook_idx", hook.webhook_idx, hook.account_idx))
            .await
    }

    async fn delete_webhook(&mut self, account_idx: i64, webhook_idx: i64) -> Result<(), StoreError> {
        // Its deliveries and their attempts go with it (ON DELETE CASCADE).
        let st = Statement::new("DELETE FROM webhooks WHERE account_idx = $1 AND webhook_idx = $2");
        self.run(st.bind(account_idx).bind(webhook_idx)).await
    }

    async fn queue_test_event(&mut self, hook: &WebhookRecord, now_ms: i64) -> Result<i64, StoreError> {
        let event_id = webhook::new_event_id();
        let body = webhook::test_event_body(&event_id, hook.account_idx, now_ms)?;
        let event_idx = self
            .id(webhook::insert_event(&event_id, hook.account_idx, None, None, WebhookEventType::Test, body, now_ms))
            .await?;
        self.id(webhook::insert_delivery(hook.webhook_idx, event_idx, hook.account_idx, None, now_ms)).await
    }

    async fn webhook_delivery(
        &mut self,
        account_idx: i64,
        delivery_idx: i64,
    ) -> Result<Option<DeliveryRecord>, StoreError> {
        let st = Statement::new(format!(
            "{} WHERE d.account_idx = $1 AND d.delivery_idx = $2 {}",
            webhook::DELIVERY_SELECT,
            if DB::LOCK_SKIP_LOCKED.is_empty() { "" } else { "FOR UPDATE OF d" }
        ));
        self.one(st.bind(account_idx).bind(delivery_idx)).await
    }

    async fn redeliver(&mut self, delivery_idx: i64, now_ms: i64) -> Result<(), StoreError> {
        let st = Statement::new(
            "UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, window_start = $2, \
             claim_token = NULL, claimed_until = NULL WHERE delivery_idx = $3",
        );
        self.run(st.bind(DeliveryStatus::Pending.as_str()).bind(now_ms).bind(delivery_idx)).await
    }

    async fn claim_deliveries(
        &mut self,
        token: &str,
        now_ms: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        self.run(webhook::claim(token, now_ms, lease_until, limit, DB::LOCK_SKIP_LOCKED)).await?;
        DB::fetch_all(&mut *self.conn, webhook::claimed(token)).await
    }

    async fn finish_delivery(
        &mut self,
        delivery_idx: i64,
        token: &str,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        self.run(webhook::insert_attempt(&outcome.attempt)).await?;
        self.run(webhook::finish(delivery_idx, token, outcome)).await?;
        self.run(webhook::trim_attempts(delivery_idx)).await
    }

    async fn prune_webhooks(&mut self, before_ms: i64) -> Result<(), StoreError> {
        let st =
            Statement::new("DELETE FROM webhook_deliveries WHERE status IN ('DELIVERED', 'DEAD') AND created_at < $1");
        self.run(st.bind(before_ms)).await?;
        let st = Statement::new(
            "DELETE FROM webhook_events WHERE created_at < $1 AND NOT EXISTS \
             (SELECT 1 FROM webhook_deliveries d WHERE d.event_idx = webhook_events.event_idx)",
        );
        self.run(st.bind(before_ms)).await
    }
}

// webhooks
impl<DB: Dialect> SqlTx<'_, DB> {
    /// Writes a stamp change's event and its deliveries to the endpoints that take it: the
    /// transactional outbox. Nothing when no enabled endpoint matches (one indexed read).
    /// `kind` overrides the type the history action maps to (a deletion has no action).
    async fn webhook_outbox(&mut self, change: &NewEvent, kind: Option<WebhookEventType>) -> Result<(), StoreError> {
        let kind = kind.unwrap_or(WebhookEventType::for_action(change.action));
        let matches: Vec<webhook::MatchRow> =
            DB::fetch_all(&mut *self.conn, webhook::matching(change.stamp_idx)).await?;
        let wanted: Vec<i64> = matches
            .iter()
            .filter(|m| m.events.as_deref().is_none_or(|names| names.split(',').any(|name| name == kind.as_str())))
            .map(|m| m.webhook_idx)
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let count: Option<webhook::BigCount> = self.one(webhook::history_count(change.stamp_idx)).await?;
        // A change's history row is already written; a deletion's is not (it has none), so
        // it is the next number.
        let sequence = count.map_or(0, |row| row.n) + i64::from(kind == WebhookEventType::Deleted);
        let Some(found): Option<find::FoundStamp> =
            self.one(webhook::changed_stamp(CARD_FIELDS, change.stamp_idx)).await?
        else {
            return Err(StoreError::internal("a changed stamp is missing from its own transaction"));
        };
        let event_id = webhook::new_event_id();
        let body = webhook::stamp_event_body(&event_id, kind, change, sequence, &found)?;
        let account_idx = found.stamp.account_idx;
        let event_idx = self
            .id(webhook::insert_event(
                &event_id,
                account_idx,
                Some(change.stamp_idx),
                Some(sequence),
                kind,
                body,
                change.at,
            ))
            .await?;
        for webhook_idx in wanted {
            self.id(webhook::insert_delivery(webhook_idx, event_idx, account_idx, Some(change.stamp_idx), change.at))
                .await?;
        }
        Ok(())
    }
}

/// Every column a write sets on a staff member, with its value (see [`stamp_columns`]).
fn staff_columns(staff: &StaffRecord) -> Vec<(&'static str, Param)> {
    vec![
        ("staff_nm", staff.staff_nm.clone().into()),
        ("pwd_hash", staff.pwd_hash.clone().into()),
        ("all_cards", staff.all_cards.into()),
        ("active_yn", staff.active.into()),
    ]
}

/// A staff member of the account with `covers`: whether they may act on the card.
fn staff_for_card(account_idx: i64, staff_idx: i64, card_idx: i64, lock: &str) -> Statement {
    Statement::new(format!(
        "SELECT s.*, (s.all_cards OR EXISTS (SELECT 1 FROM staff_cards sc WHERE sc.staff_idx = s.staff_idx \
         AND sc.card_idx = $3)) AS covers FROM staff s WHERE s.account_idx = $1 AND s.staff_idx = $2 {lock}"
    ))
    .bind(account_idx)
    .bind(staff_idx)
    .bind(card_idx)
}

// dashboard logins
/// The dashboard's statements (users, admin sessions, login guards).
mod logins {
    use stampcard_core::dashboard::{LOGIN_QUIET_RESET_MS, LoginGuard, SESSION_IDLE_SECS, SESSION_MAX_SECS};

    use super::{Param, Statement, StoreError, UserRecord};

    const USER_COLUMNS: &str = "user_idx, account_idx, email, email_key, role, password_hash, created_at";

    /// A user by the lowercase form of its address.
    pub(crate) fn user_by_email(email_key: &str) -> Statement {
        Statement::new(format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = $1")).bind(email_key)
    }

    /// An account's users, oldest first.
    pub(crate) fn users_of(account_idx: i64) -> Statement {
        Statement::new(format!("SELECT {USER_COLUMNS} FROM users WHERE account_idx = $1 ORDER BY user_idx"))
            .bind(account_idx)
    }

    /// Inserts a user, returning its id.
    pub(crate) fn insert_user(user: &UserRecord) -> Statement {
        Statement::new(
            "INSERT INTO users (account_idx, email, email_key, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING user_idx AS id",
        )
        .bind(user.account_idx)
        .bind(user.email.as_str())
        .bind(user.email_key.as_str())
        .bind(user.role.as_str())
        .bind(user.password_hash.as_str())
        .bind(user.created_at)
    }

    /// Sets a user's password hash.
    pub(crate) fn set_password(user_idx: i64, password_hash: &str) -> Statement {
        Statement::new("UPDATE users SET password_hash = $1 WHERE user_idx = $2").bind(password_hash).bind(user_idx)
    }

    /// Deletes a user (its sessions go with it).
    pub(crate) fn delete_user(user_idx: i64) -> Statement {
        Statement::new("DELETE FROM users WHERE user_idx = $1").bind(user_idx)
    }

    /// Ends every session of a user.
    pub(crate) fn delete_user_sessions(user_idx: i64) -> Statement {
        Statement::new("DELETE FROM admin_sessions WHERE user_idx = $1").bind(user_idx)
    }

    /// A session by its token's hash, with its user and account.
    pub(crate) fn session(token_hash: &[u8]) -> Statement {
        Statement::new(
            "SELECT u.user_idx, u.email, u.role, a.account_idx, a.name AS account_nm, a.plan, s.created_at, \
             s.last_seen_at FROM admin_sessions s JOIN users u ON u.user_idx = s.user_idx \
             JOIN accounts a ON a.account_idx = u.account_idx WHERE s.token_hash = $1",
        )
        .bind(token_hash)
    }

    /// Stores a new session.
    pub(crate) fn insert_session(token_hash: &[u8], user_idx: i64, now_ms: i64) -> Statement {
        Statement::new(
            "INSERT INTO admin_sessions (token_hash, user_idx, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(token_hash)
        .bind(user_idx)
        .bind(now_ms)
    }

    /// Records a session's use.
    pub(crate) fn touch_session(token_hash: &[u8], now_ms: i64) -> Statement {
        Statement::new("UPDATE admin_sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1")
            .bind(now_ms)
            .bind(token_hash)
    }

    /// Ends one session.
    pub(crate) fn delete_session(token_hash: &[u8]) -> Statement {
        Statement::new("DELETE FROM admin_sessions WHERE token_hash = $1").bind(token_hash)
    }

    /// Creates a guard's row if it is missing, so the read after it can lock it.
    pub(crate) fn ensure_guard(key: &str) -> Statement {
        Statement::new("INSERT INTO login_guards (guard_key) VALUES ($1) ON CONFLICT (guard_key) DO NOTHING").bind(key)
    }

    /// A guard's row (`lock` appended: the backend's row lock inside a write).
    pub(crate) fn guard(key: &str, lock: &str) -> Statement {
        Statement::new(format!(
            "SELECT failures, locked_until, last_failure_at FROM login_guards WHERE guard_key = $1 {lock}"
        ))
        .bind(key)
    }

    /// Writes a guard.
    pub(crate) fn put_guard(key: &str, guard: &LoginGuard) -> Result<Statement, StoreError> {
        Ok(Statement::new(
            "INSERT INTO login_guards (guard_key, failures, locked_until, last_failure_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (guard_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, \
             last_failure_at = excluded.last_failure_at",
        )
        .bind(key)
        .bind(Param::count(guard.failures)?)
        .bind(guard.locked_until_ms)
        .bind(guard.last_failure_ms))
    }

    /// What pruning deletes: sessions past either limit, and guards with no lock in force and no
    /// wrong password for an hour (they would start afresh anyway), so guesses from many
    /// addresses or at many unknown e-mails cannot grow the table for ever.
    pub(crate) fn prune(now_ms: i64) -> [Statement; 2] {
        let idle_cutoff = now_ms - i64::from(SESSION_IDLE_SECS) * 1000;
        let max_cutoff = now_ms - i64::from(SESSION_MAX_SECS) * 1000;
        let quiet_cutoff = now_ms - LOGIN_QUIET_RESET_MS;
        [
            Statement::new("DELETE FROM admin_sessions WHERE last_seen_at <= $1 OR created_at <= $2")
                .bind(idle_cutoff)
                .bind(max_cutoff),
            Statement::new("DELETE FROM login_guards WHERE locked_until <= $1 AND last_failure_at <= $2")
                .bind(now_ms)
                .bind(quiet_cutoff),
        ]
    }
}
