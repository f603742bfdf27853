//! The PostgreSQL store: for several stateless `stampcard` servers on one database.
//!
//! Every write job runs in its own transaction on a pooled connection (servers cannot share
//! one writer task). Correctness across servers comes from the database, not from memory:
//! a job locks the rows it reads for change (`SELECT ... FOR UPDATE`), so two adds on the same
//! stamp, or an add and a card's `maxStamps` change, run one after the other; and a job with
//! an `Idempotency-Key` first takes a transaction-scoped advisory lock on that key, so a
//! concurrent duplicate waits and then finds the stored response instead of applying twice.

use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, Connection, PgExecutor, Row};
use stampcard_core::wire::HistoryEvent;

use super::sql::{self, CardGuardRow};
use super::{
    AccountRecord, ApiKeyRecord, CardRecord, Idempotency, NewEvent, Principal, Reply, StampRecord, Store, StoreError,
    StoredResponse, Tx, WriteJob, execute, from_wire_name, parse_pin_state, parse_plan, pin_state_name, wire_name,
};
use crate::clock::ymdt;
use crate::plan::Plan;
use stampcard_core::secret::CardGuard;

/// The schema, embedded at build time (no database needed to build).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The PostgreSQL store.
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects, and brings the schema up to date. Migrations take an advisory lock, so
    /// several servers starting at once run each migration exactly once.
    pub async fn open(database_url: &str, max_connections: u32) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(database_url)
            .map_err(|e| {
                StoreError::internal(without_password(database_url, &format!("invalid PostgreSQL DATABASE_URL: {e}")))
            })?
            .log_statements(tracing::log::LevelFilter::Trace);
        // One connection first, with a short timeout: a refused connection, a wrong password
        // or a missing database is then reported at once, naming the server, instead of as
        // "pool timed out" after the pool's acquire timeout.
        let target = format!(
            "{}:{} (database {}, user {})",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default)"),
            options.get_username()
        );
        let cannot = |cause: String| {
            StoreError::unavailable(without_password(
                database_url,
                &format!("cannot connect to PostgreSQL at {target}: {cause}"),
            ))
        };
        let first = tokio::time::timeout(FIRST_CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(|_| cannot(format!("no answer within {} seconds", FIRST_CONNECT_TIMEOUT.as_secs())))?
            .map_err(|error| cannot(connect_failure(&error)))?;
        if let Err(error) = first.close().await {
            tracing::debug!(%error, "closing the first PostgreSQL connection failed");
        }
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PostgresStore { pool })
    }
}

/// How long the first connection at start-up may take before the server gives up.
const FIRST_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What went wrong connecting, in the words an operator needs ("connection refused").
fn connect_failure(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "connection refused (is PostgreSQL running and listening on that address?)".to_owned()
            }
            std::io::ErrorKind::TimedOut => "the connection timed out".to_owned(),
            _ => io.to_string(),
        },
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

/// `message` with the URL's password replaced, in case a driver message ever quotes it.
fn without_password(database_url: &str, message: &str) -> String {
    let password = database_url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(credentials, _)| credentials.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
    let Some(password) = password else { return message.to_owned() };
    let decoded = form_urlencoded::parse(format!("p={password}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let mut message = message.replace(password, "***");
    if !decoded.is_empty() {
        message = message.replace(&decoded, "***");
    }
    message
}

#[async_trait]
impl Store for PostgresStore {
    async fn write(&self, job: WriteJob) -> Result<Reply, StoreError> {
        let pool = self.pool.clone();
        // The write runs in its own task: once started it finishes even when the caller goes
        // away (a client disconnects, a timeout fires), so it commits or rolls back as a whole
        // and an idempotent retry finds its stored answer. `Transaction` rolls back on drop,
        // so even a panic never returns a connection to the pool inside an open transaction.
        let task = tokio::spawn(async move {
            let mut tx = pool.begin().await?;
            let outcome = execute(&mut PostgresTx { conn: &mut tx }, job).await;
            match outcome {
                Ok(Ok(reply)) => {
                    tx.commit().await?;
                    Ok(reply)
                }
                Ok(Err(error)) | Err(error) => {
                    if let Err(rollback) = tx.rollback().await {
                        tracing::error!(error = %rollback, "ROLLBACK failed");
                    }
                    Err(error)
                }
            }
        });
        task.await.map_err(|e| StoreError::internal(format!("a write task failed: {e}")))?
    }

    async fn authenticate(&self, key_hash: &[u8]) -> Result<Option<Principal>, StoreError> {
        let row = sqlx::query(
            "SELECT k.api_key_idx, a.account_idx, a.plan FROM api_keys k JOIN accounts a ON a.account_idx = k.account_idx \
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Principal {
                api_key_idx: row.try_get(0)?,
                account_idx: row.try_get(1)?,
                plan: parse_plan(&row.try_get::<String, _>(2)?)?,
            })
        })
        .transpose()
    }

    async fn account(&self, account_idx: i64) -> Result<Option<AccountRecord>, StoreError> {
        fetch_account(&self.pool, account_idx).await
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT account_idx, name, plan, created_at FROM accounts WHERE name = $1 ORDER BY account_idx LIMIT 1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn api_keys(&self, account_idx: i64) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT api_key_idx, account_idx, key_prefix, label, created_at, revoked_at FROM api_keys \
             WHERE account_idx = $1 ORDER BY api_key_idx",
        )
        .bind(account_idx)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApiKeyRecord {
                    api_key_idx: row.try_get(0)?,
                    account_idx: row.try_get(1)?,
                    key_prefix: row.try_get(2)?,
                    label: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    revoked_at: row.try_get(5)?,
                })
            })
            .collect()
    }

    async fn card(&self, account_idx: i64, card_idx: i64) -> Result<Option<CardRecord>, StoreError> {
        fetch_card(&self.pool, account_idx, card_idx, "").await
    }

    async fn cards(&self, account_idx: i64) -> Result<Vec<CardRecord>, StoreError> {
        let rows =
            sqlx::query(&format!("SELECT {CARD_COLUMNS} FROM cards c WHERE c.account_idx = $1 ORDER BY c.card_idx"))
                .bind(account_idx)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|row| card_from_row(row, 0)).collect()
    }

    async fn stamp(&self, account_idx: i64, stamp_idx: i64) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        fetch_stamp_and_card(&self.pool, account_idx, stamp_idx, "").await
    }

    async fn stamp_by_token(&self, token: &str) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        fetch_stamp_by_token(&self.pool, token, "").await
    }

    async fn history(&self, stamp_idx: i64) -> Result<Vec<HistoryEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT event_idx, stamp_idx, action, stamps_before, stamps_after, actor, api_key_idx, created_at \
             FROM stamp_events WHERE stamp_idx = $1 ORDER BY event_idx",
        )
        .bind(stamp_idx)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HistoryEvent {
                    event_idx: row.try_get(0)?,
                    stamp_idx: row.try_get(1)?,
                    action: from_wire_name(&row.try_get::<String, _>(2)?)?,
                    stamps_before: count(row.try_get(3)?)?,
                    stamps_after: count(row.try_get(4)?)?,
                    actor: from_wire_name(&row.try_get::<String, _>(5)?)?,
                    api_key_idx: row.try_get(6)?,
                    reg_ymdt: ymdt(row.try_get(7)?),
                })
            })
            .collect()
    }

    async fn card_guard(&self, card_idx: i64) -> Result<CardGuard, StoreError> {
        let row: Option<CardGuardRow> =
            sqlx::query_as(sql::CARD_GUARD).bind(card_idx).fetch_optional(&self.pool).await?;
        row.map_or(Ok(CardGuard::default()), CardGuardRow::into_guard)
    }

    async fn session_stamp(&self, token_hash: &[u8], now_ms: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT stamp_idx FROM page_sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    async fn prune(&self, now_ms: i64) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        PostgresTx { conn: &mut conn }.prune(now_ms).await
    }

    async fn close(&self) -> Result<(), StoreError> {
        self.pool.close().await;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn count_request(
        &self,
        account_idx: i64,
        minute_start: i64,
        hour_start: i64,
    ) -> Result<Option<(u32, u32)>, StoreError> {
        // One statement, atomic per row: every server sees the same counts. A window that
        // has moved on starts again at 1.
        let rows = sqlx::query(
            "INSERT INTO rate_counters (account_idx, window_ms, window_start, hits) VALUES ($1, 60000, $2, 1), ($1, 3600000, $3, 1) \
             ON CONFLICT (account_idx, window_ms) DO UPDATE SET window_start = excluded.window_start, \
             hits = CASE WHEN rate_counters.window_start = excluded.window_start THEN rate_counters.hits + 1 ELSE 1 END \
             RETURNING window_ms, hits",
        )
        .bind(account_idx)
        .bind(minute_start)
        .bind(hour_start)
        .fetch_all(&self.pool)
        .await?;
        let (mut minute, mut hour) = (0, 0);
        for row in rows {
            let hits = u32::try_from(row.try_get::<i64, _>(1)?).unwrap_or(u32::MAX);
            if row.try_get::<i64, _>(0)? == 60_000 { minute = hits } else { hour = hits }
        }
        Ok(Some((minute, hour)))
    }
}

/// One write job's transaction.
pub struct PostgresTx<'c> {
    conn: &'c mut sqlx::PgConnection,
}

const CARD_COLUMNS: &str = "c.card_idx, c.account_idx, c.card_nm, c.card_ttl, c.max_stamps, c.stamp_img_url, c.url, \
     c.onsite_yn, c.onsite_pwd_hash, c.created_at";

const STAMP_COLUMNS: &str = "s.stamp_idx, s.account_idx, s.card_idx, s.token, s.domain, s.stamps, s.strt_ymd, s.end_ymd, \
     s.active_yn, s.redeemed_ymd, s.memo, s.user_id, s.user_nm, s.user_phnno, s.user_eml, s.user_etc1, s.user_etc2, \
     s.pin_state, s.pin_hash, s.pin_failures, s.pin_locked_until, s.onsite_failures, s.onsite_locked_until, s.created_at";

const STAMP_COLUMN_COUNT: usize = 24;

/// The stamp columns a write sets, in the order [`bind_mutable_columns`] binds them.
const STAMP_MUTABLE_COLUMNS: &str = "card_idx, domain, stamps, strt_ymd, end_ymd, active_yn, redeemed_ymd, memo, user_id, \
     user_nm, user_phnno, user_eml, user_etc1, user_etc2, pin_state, pin_hash, pin_failures, pin_locked_until, \
     onsite_failures, onsite_locked_until";

/// `INSERT` of a stamp: the mutable columns as `$1..$20`, then `account_idx, token, created_at`.
static INSERT_STAMP: LazyLock<String> = LazyLock::new(|| {
    let count = STAMP_MUTABLE_COLUMNS.split(", ").count() + 3;
    let marks = (1..=count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    format!(
        "INSERT INTO stamps ({STAMP_MUTABLE_COLUMNS}, account_idx, token, created_at) VALUES ({marks}) RETURNING stamp_idx"
    )
});

/// `UPDATE` of a stamp's mutable columns, then `WHERE stamp_idx = $21 AND account_idx = $22`.
static UPDATE_STAMP: LazyLock<String> = LazyLock::new(|| {
    let columns: Vec<&str> = STAMP_MUTABLE_COLUMNS.split(", ").collect();
    let assignments =
        columns.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect::<Vec<_>>().join(", ");
    let n = columns.len();
    format!("UPDATE stamps SET {assignments} WHERE stamp_idx = ${} AND account_idx = ${}", n + 1, n + 2)
});

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds the values of [`STAMP_MUTABLE_COLUMNS`] as `$1..$20`, shared by insert and update.
fn bind_mutable_columns<'q>(query: PgQuery<'q>, stamp: &'q StampRecord) -> Result<PgQuery<'q>, StoreError> {
    Ok(query
        .bind(stamp.card_idx)
        .bind(&stamp.domain)
        .bind(to_i32(stamp.stamps)?)
        .bind(stamp.start)
        .bind(stamp.end)
        .bind(stamp.active)
        .bind(stamp.redeemed_on)
        .bind(&stamp.memo)
        .bind(&stamp.user_id)
        .bind(&stamp.user_nm)
        .bind(&stamp.user_phnno)
        .bind(&stamp.user_eml)
        .bind(&stamp.user_etc1)
        .bind(&stamp.user_etc2)
        .bind(pin_state_name(stamp.pin_state))
        .bind(&stamp.pin_hash)
        .bind(to_i32(stamp.pin_failures)?)
        .bind(stamp.pin_locked_until)
        .bind(to_i32(stamp.onsite_failures)?)
        .bind(stamp.onsite_locked_until))
}

fn count(value: i32) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::internal(format!("stored count {value} is out of range")))
}

fn to_i32(value: u32) -> Result<i32, StoreError> {
    i32::try_from(value).map_err(|_| StoreError::internal(format!("count {value} does not fit the column")))
}

fn account_from_row(row: &PgRow) -> Result<AccountRecord, StoreError> {
    Ok(AccountRecord {
        account_idx: row.try_get(0)?,
        name: row.try_get(1)?,
        plan: parse_plan(&row.try_get::<String, _>(2)?)?,
        created_at: row.try_get(3)?,
    })
}

fn card_from_row(row: &PgRow, base: usize) -> Result<CardRecord, StoreError> {
    Ok(CardRecord {
        card_idx: row.try_get(base)?,
        account_idx: row.try_get(base + 1)?,
        name: row.try_get(base + 2)?,
        title: row.try_get(base + 3)?,
        max_stamps: count(row.try_get(base + 4)?)?,
        stamp_img_url: row.try_get(base + 5)?,
        url: row.try_get(base + 6)?,
        onsite_required: row.try_get(base + 7)?,
        onsite_pwd_hash: row.try_get(base + 8)?,
        created_at: row.try_get(base + 9)?,
    })
}

fn stamp_from_row(row: &PgRow) -> Result<StampRecord, StoreError> {
    Ok(StampRecord {
        stamp_idx: row.try_get(0)?,
        account_idx: row.try_get(1)?,
        card_idx: row.try_get(2)?,
        token: row.try_get(3)?,
        domain: row.try_get(4)?,
        stamps: count(row.try_get(5)?)?,
        start: row.try_get::<NaiveDate, _>(6)?,
        end: row.try_get::<NaiveDate, _>(7)?,
        active: row.try_get(8)?,
        redeemed_on: row.try_get::<Option<NaiveDate>, _>(9)?,
        memo: row.try_get(10)?,
        user_id: row.try_get(11)?,
        user_nm: row.try_get(12)?,
        user_phnno: row.try_get(13)?,
        user_eml: row.try_get(14)?,
        user_etc1: row.try_get(15)?,
        user_etc2: row.try_get(16)?,
        pin_state: parse_pin_state(&row.try_get::<String, _>(17)?)?,
        pin_hash: row.try_get(18)?,
        pin_failures: count(row.try_get(19)?)?,
        pin_locked_until: row.try_get(20)?,
        onsite_failures: count(row.try_get(21)?)?,
        onsite_locked_until: row.try_get(22)?,
        created_at: row.try_get(23)?,
    })
}

fn stamp_and_card_from_row(row: &PgRow) -> Result<(StampRecord, CardRecord), StoreError> {
    Ok((stamp_from_row(row)?, card_from_row(row, STAMP_COLUMN_COUNT)?))
}

async fn fetch_account<'e>(
    executor: impl PgExecutor<'e>,
    account_idx: i64,
) -> Result<Option<AccountRecord>, StoreError> {
    let row = sqlx::query("SELECT account_idx, name, plan, created_at FROM accounts WHERE account_idx = $1")
        .bind(account_idx)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

/// `lock` is appended to the query: empty for plain reads, `FOR UPDATE` inside a write.
async fn fetch_card<'e>(
    executor: impl PgExecutor<'e>,
    account_idx: i64,
    card_idx: i64,
    lock: &str,
) -> Result<Option<CardRecord>, StoreError> {
    let row =
        sqlx::query(&format!("SELECT {CARD_COLUMNS} FROM cards c WHERE c.account_idx = $1 AND c.card_idx = $2 {lock}"))
            .bind(account_idx)
            .bind(card_idx)
            .fetch_optional(executor)
            .await?;
    row.as_ref().map(|row| card_from_row(row, 0)).transpose()
}

async fn fetch_stamp_and_card<'e>(
    executor: impl PgExecutor<'e>,
    account_idx: i64,
    stamp_idx: i64,
    lock: &str,
) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {STAMP_COLUMNS}, {CARD_COLUMNS} FROM stamps s JOIN cards c ON c.card_idx = s.card_idx \
         WHERE s.account_idx = $1 AND s.stamp_idx = $2 {lock}"
    ))
    .bind(account_idx)
    .bind(stamp_idx)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(stamp_and_card_from_row).transpose()
}

async fn fetch_stamp_by_token<'e>(
    executor: impl PgExecutor<'e>,
    token: &str,
    lock: &str,
) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {STAMP_COLUMNS}, {CARD_COLUMNS} FROM stamps s JOIN cards c ON c.card_idx = s.card_idx WHERE s.token = $1 {lock}"
    ))
    .bind(token)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(stamp_and_card_from_row).transpose()
}

/// How a write locks a stamp and its card: the stamp exclusively (one change at a time), the
/// card shared, so adds on different stamps of one card run in parallel while a card update
/// (which takes the card exclusively in [`Tx::card`]) waits for them and they for it.
const STAMP_WRITE_LOCK: &str = "FOR UPDATE OF s FOR SHARE OF c";

#[async_trait]
impl Tx for PostgresTx<'_> {
    // Rows read inside a write are locked until commit: the read-modify-write of one server
    // cannot interleave with another server's on the same card or stamp.
    async fn card(&mut self, account_idx: i64, card_idx: i64) -> Result<Option<CardRecord>, StoreError> {
        fetch_card(&mut *self.conn, account_idx, card_idx, "FOR UPDATE").await
    }

    async fn stamp(&mut self, account_idx: i64, stamp_idx: i64) -> Result<Option<StampRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STAMP_COLUMNS} FROM stamps s WHERE s.account_idx = $1 AND s.stamp_idx = $2 FOR UPDATE"
        ))
        .bind(account_idx)
        .bind(stamp_idx)
        .fetch_optional(&mut *self.conn)
        .await?;
        row.as_ref().map(stamp_from_row).transpose()
    }

    async fn stamp_and_card(
        &mut self,
        account_idx: i64,
        stamp_idx: i64,
    ) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        fetch_stamp_and_card(&mut *self.conn, account_idx, stamp_idx, STAMP_WRITE_LOCK).await
    }

    async fn stamp_by_token(&mut self, token: &str) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        fetch_stamp_by_token(&mut *self.conn, token, STAMP_WRITE_LOCK).await
    }

    async fn highest_live_count(&mut self, card_idx: i64) -> Result<u32, StoreError> {
        let row =
            sqlx::query("SELECT COALESCE(MAX(stamps), 0) FROM stamps WHERE card_idx = $1 AND redeemed_ymd IS NULL")
                .bind(card_idx)
                .fetch_one(&mut *self.conn)
                .await?;
        count(row.try_get(0)?)
    }

    async fn insert_account(&mut self, name: &str, plan: Plan, now_ms: i64) -> Result<i64, StoreError> {
        let row =
            sqlx::query("INSERT INTO accounts (name, plan, created_at) VALUES ($1, $2, $3) RETURNING account_idx")
                .bind(name)
                .bind(plan.as_str())
                .bind(now_ms)
                .fetch_one(&mut *self.conn)
                .await?;
        Ok(row.try_get(0)?)
    }

    async fn account(&mut self, account_idx: i64) -> Result<Option<AccountRecord>, StoreError> {
        fetch_account(&mut *self.conn, account_idx).await
    }

    async fn insert_api_key(
        &mut self,
        account_idx: i64,
        key_hash: &[u8],
        key_prefix: &str,
        label: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO api_keys (account_idx, key_hash, key_prefix, label, created_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING api_key_idx",
        )
        .bind(account_idx)
        .bind(key_hash)
        .bind(key_prefix)
        .bind(label)
        .bind(now_ms)
        .fetch_one(&mut *self.conn)
        .await?;
        Ok(row.try_get(0)?)
    }

    async fn revoke_api_key(&mut self, account_idx: i64, api_key_idx: i64, now_ms: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE account_idx = $2 AND api_key_idx = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms)
        .bind(account_idx)
        .bind(api_key_idx)
        .execute(&mut *self.conn)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn insert_card(&mut self, card: &CardRecord) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO cards (account_idx, card_nm, card_ttl, max_stamps, stamp_img_url, url, onsite_yn, onsite_pwd_hash, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING card_idx",
        )
        .bind(card.account_idx)
        .bind(&card.name)
        .bind(&card.title)
        .bind(to_i32(card.max_stamps)?)
        .bind(&card.stamp_img_url)
        .bind(&card.url)
        .bind(card.onsite_required)
        .bind(&card.onsite_pwd_hash)
        .bind(card.created_at)
        .fetch_one(&mut *self.conn)
        .await?;
        Ok(row.try_get(0)?)
    }

    async fn update_card(&mut self, card: &CardRecord) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE cards SET card_nm = $1, card_ttl = $2, max_stamps = $3, stamp_img_url = $4, url = $5, onsite_yn = $6, \
             onsite_pwd_hash = $7 WHERE card_idx = $8 AND account_idx = $9",
        )
        .bind(&card.name)
        .bind(&card.title)
        .bind(to_i32(card.max_stamps)?)
        .bind(&card.stamp_img_url)
        .bind(&card.url)
        .bind(card.onsite_required)
        .bind(&card.onsite_pwd_hash)
        .bind(card.card_idx)
        .bind(card.account_idx)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    async fn insert_stamp(&mut self, stamp: &StampRecord) -> Result<i64, StoreError> {
        let row = bind_mutable_columns(sqlx::query(&INSERT_STAMP), stamp)?
            .bind(stamp.account_idx)
            .bind(&stamp.token)
            .bind(stamp.created_at)
            .fetch_one(&mut *self.conn)
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn update_stamp(&mut self, stamp: &StampRecord) -> Result<(), StoreError> {
        bind_mutable_columns(sqlx::query(&UPDATE_STAMP), stamp)?
            .bind(stamp.stamp_idx)
            .bind(stamp.account_idx)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn delete_stamp(&mut self, stamp_idx: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM stamps WHERE stamp_idx = $1").bind(stamp_idx).execute(&mut *self.conn).await?;
        Ok(())
    }

    async fn append_event(&mut self, event: &NewEvent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO stamp_events (stamp_idx, action, stamps_before, stamps_after, actor, api_key_idx, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(event.stamp_idx)
        .bind(wire_name(event.action))
        .bind(to_i32(event.stamps_before)?)
        .bind(to_i32(event.stamps_after)?)
        .bind(wire_name(event.actor))
        .bind(event.api_key_idx)
        .bind(event.at)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    async fn card_guard(&mut self, card_idx: i64) -> Result<CardGuard, StoreError> {
        // Every staff-password check of the card waits here for the one before it.
        sqlx::query("INSERT INTO card_guards (card_idx) VALUES ($1) ON CONFLICT (card_idx) DO NOTHING")
            .bind(card_idx)
            .execute(&mut *self.conn)
            .await?;
        let row: Option<CardGuardRow> = sqlx::query_as(&format!("{} FOR UPDATE", sql::CARD_GUARD))
            .bind(card_idx)
            .fetch_optional(&mut *self.conn)
            .await?;
        row.map_or(Ok(CardGuard::default()), CardGuardRow::into_guard)
    }

    async fn put_card_guard(&mut self, card_idx: i64, guard: &CardGuard) -> Result<(), StoreError> {
        sql::bind_card_guard(sqlx::query(sql::PUT_CARD_GUARD), card_idx, guard).execute(&mut *self.conn).await?;
        Ok(())
    }

    async fn insert_session(&mut self, stamp_idx: i64, token_hash: &[u8], expires_at: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO page_sessions (token_hash, stamp_idx, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(stamp_idx)
            .bind(expires_at)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn delete_sessions(&mut self, stamp_idx: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM page_sessions WHERE stamp_idx = $1").bind(stamp_idx).execute(&mut *self.conn).await?;
        Ok(())
    }

    async fn idempotency_get(
        &mut self,
        scope: &str,
        key: &str,
        not_before: i64,
    ) -> Result<Option<StoredResponse>, StoreError> {
        // Serialises requests that share a key, on every server: the second waits here until
        // the first commits, then reads the response the first stored.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0))")
            .bind(scope)
            .bind(key)
            .execute(&mut *self.conn)
            .await?;
        let row = sqlx::query(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND created_at >= $3",
        )
        .bind(scope)
        .bind(key)
        .bind(not_before)
        .fetch_optional(&mut *self.conn)
        .await?;
        row.map(|row| {
            let status: i32 = row.try_get(1)?;
            Ok(StoredResponse {
                request_hash: row.try_get(0)?,
                status: u16::try_from(status)
                    .map_err(|_| StoreError::internal(format!("stored status {status} is out of range")))?,
                body: row.try_get(2)?,
            })
        })
        .transpose()
    }

    async fn idempotency_put(
        &mut self,
        idempotency: &Idempotency,
        reply: &Reply,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, idem_key) DO UPDATE SET \
             request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, \
             created_at = excluded.created_at",
        )
        .bind(&idempotency.scope)
        .bind(&idempotency.key)
        .bind(&idempotency.request_hash)
        .bind(i32::from(reply.status))
        .bind(&reply.body)
        .bind(now_ms)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    async fn prune(&mut self, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM page_sessions WHERE expires_at <= $1").bind(now_ms).execute(&mut *self.conn).await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(now_ms - super::IDEMPOTENCY_TTL_MS)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn savepoint(&mut self) -> Result<(), StoreError> {
        sqlx::query("SAVEPOINT op").execute(&mut *self.conn).await?;
        Ok(())
    }

    async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        sqlx::query("ROLLBACK TO SAVEPOINT op").execute(&mut *self.conn).await?;
        Ok(())
    }

    async fn release_savepoint(&mut self) -> Result<(), StoreError> {
        sqlx::query("RELEASE SAVEPOINT op").execute(&mut *self.conn).await?;
        Ok(())
    }
}
