//! The SQLite store: the embedded default.
//!
//! Readers use a pool of read-only connections. Every write goes through ONE writer
//! connection owned by a task fed by a channel. The writer does group commit: it takes the
//! first queued job plus whatever else is already queued, runs them in one
//! `BEGIN IMMEDIATE` transaction, each in its own savepoint, commits once (one fsync for the
//! whole group) and only then answers each caller. A single writer also makes the counting
//! rules hold by construction: two adds can never both see 9 of 10 stamps.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Row, SqliteExecutor};
use stampcard_core::wire::HistoryEvent;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::sql::{self, CardGuardRow};
use super::{
    AccountRecord, ApiKeyRecord, CardRecord, Idempotency, NewEvent, Principal, Reply, StampRecord, Store, StoreError,
    StoreOptions, StoredResponse, Tx, WriteJob, execute, format_day, from_wire_name, parse_day, parse_pin_state,
    parse_plan, pin_state_name, wire_name,
};
use crate::clock::ymdt;
use crate::plan::Plan;
use stampcard_core::secret::CardGuard;

/// The schema, embedded at build time (no database needed to build).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How many queued writes share one transaction at most.
const MAX_GROUP: usize = 128;

/// How many writes may wait for the writer before callers wait to queue.
const QUEUE_DEPTH: usize = 4096;

/// A pending write and where to send its answer.
struct Pending {
    job: WriteJob,
    answer: oneshot::Sender<Result<Reply, StoreError>>,
}

/// The SQLite store.
pub struct SqliteStore {
    reader: SqlitePool,
    writer: mpsc::Sender<Pending>,
    /// Tells the writer to drain and checkpoint; taken by `close`.
    closing: Mutex<Option<WriterClose>>,
    /// The database file's folder, whose filesystem `ping` checks for free space.
    folder: PathBuf,
    /// Below this many free bytes there `ping` fails.
    min_free_bytes: u64,
}

/// The signal that closes the writer, and its task (which returns the checkpoint's outcome).
type WriterClose = (oneshot::Sender<()>, JoinHandle<Result<(), StoreError>>);

impl SqliteStore {
    /// Opens (creating if missing) the database at `database_url`, runs the migrations and
    /// starts the writer task. Must be called inside a Tokio runtime.
    pub async fn open(database_url: &str, options: &StoreOptions) -> Result<SqliteStore, StoreError> {
        if database_url.contains(":memory:") || database_url.contains("mode=memory") {
            return Err(StoreError::internal(
                "an in-memory SQLite database cannot be shared by the reader pool; use a file",
            ));
        }
        let synchronous = SqliteSynchronous::from_str(&options.sqlite_synchronous).map_err(|e| {
            StoreError::internal(format!("invalid SQLite synchronous mode {:?}: {e}", options.sqlite_synchronous))
        })?;
        let base = SqliteConnectOptions::from_str(database_url)
            .map_err(|e| StoreError::internal(format!("invalid SQLite DATABASE_URL {database_url:?}: {e}")))?
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .log_statements(tracing::log::LevelFilter::Trace);
        let write_options =
            base.clone().create_if_missing(true).journal_mode(SqliteJournalMode::Wal).synchronous(synchronous);
        let mut writer = SqliteConnection::connect_with(&write_options).await.map_err(|error| {
            StoreError::internal(cannot_open_message(write_options.get_filename(), &error.to_string()))
        })?;
        MIGRATOR.run(&mut writer).await?;
        // Readers never write: read-only connections make that a guarantee, not a habit.
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(base.read_only(true))
            .await?;
        let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
        let (close, close_signal) = oneshot::channel();
        let task = tokio::spawn(run_writer(writer, receiver, close_signal));
        Ok(SqliteStore {
            reader,
            writer: sender,
            closing: Mutex::new(Some((close, task))),
            folder: folder_of(write_options.get_filename()).to_path_buf(),
            min_free_bytes: options.sqlite_min_free_bytes,
        })
    }
}

/// The folder of a database file (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Why a SQLite file could not be opened, in words that name the file and the likely fix
/// (SQLite itself says only "unable to open database file", code 14).
fn cannot_open_message(path: &Path, error: &str) -> String {
    let folder = folder_of(path);
    if !folder.is_dir() {
        format!(
            "cannot create the SQLite database {}: its folder {} does not exist; create it (mkdir -p {}) and let the server's user write to it",
            path.display(),
            folder.display(),
            folder.display()
        )
    } else {
        format!(
            "cannot open the SQLite database {}: {error} (the server's user must be able to write to the file and its folder {})",
            path.display(),
            folder.display()
        )
    }
}

/// Runs queued writes until the store is closed (or dropped), then checkpoints the WAL.
async fn run_writer(
    mut conn: SqliteConnection,
    mut receiver: mpsc::Receiver<Pending>,
    mut close: oneshot::Receiver<()>,
) -> Result<(), StoreError> {
    let mut queue: VecDeque<Pending> = VecDeque::new();
    let mut closing = false;
    loop {
        if queue.is_empty() {
            tokio::select! {
                biased;
                pending = receiver.recv() => match pending {
                    Some(pending) => queue.push_back(pending),
                    None => break,
                },
                _ = &mut close, if !closing => {
                    // No new writes from now on; the ones already queued still run.
                    closing = true;
                    receiver.close();
                    continue;
                }
            }
        }
        while queue.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(pending) => queue.push_back(pending),
                Err(_) => break,
            }
        }
        run_group(&mut conn, &mut queue).await;
    }
    let checkpoint = checkpoint(&mut conn).await;
    if let Err(error) = conn.close().await {
        tracing::warn!(%error, "closing the SQLite writer connection failed");
    }
    checkpoint
}

/// Copies every committed page from the WAL into the `.db` file and empties the WAL, so the
/// file alone holds every acknowledged write (a plain copy of it is then a whole database).
async fn checkpoint(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut *conn).await?;
    let busy: i64 = row.try_get(0)?;
    if busy != 0 {
        return Err(StoreError::unavailable("the WAL checkpoint at shutdown was blocked by a reader"));
    }
    Ok(())
}

/// Runs up to [`MAX_GROUP`] queued jobs in one transaction. A job that fails or panics is
/// undone in its savepoint and fails alone. When the transaction itself breaks, the jobs run
/// so far are answered with an error (nothing of theirs is kept) and the ones not yet run
/// stay queued for the next group.
async fn run_group(conn: &mut SqliteConnection, queue: &mut VecDeque<Pending>) {
    if let Err(error) = sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await {
        let error = StoreError::from(error);
        tracing::error!(%error, "BEGIN failed");
        for pending in queue.drain(..) {
            let _ = pending.answer.send(Err(StoreError::unavailable(error.message.clone())));
        }
        return;
    }
    let mut done: Vec<(oneshot::Sender<Result<Reply, StoreError>>, Reply)> = Vec::new();
    let mut failure: Option<StoreError> = None;
    while done.len() < MAX_GROUP {
        let Some(pending) = queue.pop_front() else { break };
        let mut tx = SqliteTx { conn: &mut *conn };
        match execute(&mut tx, pending.job).await {
            Ok(Ok(reply)) => done.push((pending.answer, reply)),
            // Undone inside its savepoint: only this job fails, the group goes on.
            Ok(Err(error)) => {
                tracing::error!(%error, "a write failed; its changes were undone");
                let _ = pending.answer.send(Err(error));
            }
            Err(error) => {
                tracing::error!(%error, "a write broke its transaction; rolling back its group");
                let _ = pending.answer.send(Err(StoreError { kind: error.kind, message: error.message.clone() }));
                failure = Some(error);
                break;
            }
        }
    }
    if failure.is_none() {
        match sqlx::query("COMMIT").execute(&mut *conn).await {
            Ok(_) => {
                metrics::histogram!(crate::metrics::SQLITE_GROUP_COMMIT_JOBS).record(done.len() as f64);
                for (answer, reply) in done {
                    let _ = answer.send(Ok(reply));
                }
                return;
            }
            Err(error) => failure = Some(StoreError::from(error)),
        }
    }
    if let Err(error) = sqlx::query("ROLLBACK").execute(&mut *conn).await {
        tracing::error!(%error, "ROLLBACK failed");
    }
    let message = failure.map(|e| e.message).unwrap_or_default();
    for (answer, _) in done {
        let _ = answer.send(Err(StoreError::unavailable(format!("the transaction was rolled back: {message}"))));
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn write(&self, job: WriteJob) -> Result<Reply, StoreError> {
        let (answer, receive) = oneshot::channel();
        self.writer
            .send(Pending { job, answer })
            .await
            .map_err(|_| StoreError::unavailable("the SQLite writer has stopped"))?;
        receive.await.map_err(|_| StoreError::unavailable("the SQLite writer dropped a write"))?
    }

    async fn authenticate(&self, key_hash: &[u8]) -> Result<Option<Principal>, StoreError> {
        let row = sqlx::query(
            "SELECT k.api_key_idx, a.account_idx, a.plan FROM api_keys k JOIN accounts a ON a.account_idx = k.account_idx \
             WHERE k.key_hash = ? AND k.revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(&self.reader)
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
        fetch_account(&self.reader, account_idx).await
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT account_idx, name, plan, created_at FROM accounts WHERE name = ? ORDER BY account_idx LIMIT 1",
        )
        .bind(name)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn api_keys(&self, account_idx: i64) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT api_key_idx, account_idx, key_prefix, label, created_at, revoked_at FROM api_keys WHERE account_idx = ? ORDER BY api_key_idx",
        )
        .bind(account_idx)
        .fetch_all(&self.reader)
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
        fetch_card(&self.reader, account_idx, card_idx).await
    }

    async fn cards(&self, account_idx: i64) -> Result<Vec<CardRecord>, StoreError> {
        let rows =
            sqlx::query(&format!("SELECT {CARD_COLUMNS} FROM cards c WHERE c.account_idx = ? ORDER BY c.card_idx"))
                .bind(account_idx)
                .fetch_all(&self.reader)
                .await?;
        rows.iter().map(|row| card_from_row(row, 0)).collect()
    }

    async fn stamp(&self, account_idx: i64, stamp_idx: i64) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        fetch_stamp_and_card(&self.reader, account_idx, stamp_idx).await
    }

    async fn stamp_by_token(&self, token: &str) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        fetch_stamp_by_token(&self.reader, token).await
    }

    async fn history(&self, stamp_idx: i64) -> Result<Vec<HistoryEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT event_idx, stamp_idx, action, stamps_before, stamps_after, actor, api_key_idx, created_at \
             FROM stamp_events WHERE stamp_idx = ? ORDER BY event_idx",
        )
        .bind(stamp_idx)
        .fetch_all(&self.reader)
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
            sqlx::query_as(sql::CARD_GUARD).bind(card_idx).fetch_optional(&self.reader).await?;
        row.map_or(Ok(CardGuard::default()), CardGuardRow::into_guard)
    }

    async fn session_stamp(&self, token_hash: &[u8], now_ms: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT stamp_idx FROM page_sessions WHERE token_hash = ? AND expires_at > ?")
            .bind(token_hash)
            .bind(now_ms)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    async fn prune(&self, now_ms: i64) -> Result<(), StoreError> {
        // Through the writer, like every other write, so it never competes for the lock.
        let job = WriteJob {
            op: super::op(move |tx| {
                Box::pin(async move {
                    tx.prune(now_ms).await?;
                    Ok(Ok(super::ResultJson::null()))
                })
            }),
            idempotency: None,
            now_ms,
        };
        self.write(job).await.map(|_| ())
    }

    async fn close(&self) -> Result<(), StoreError> {
        // Readers first: a read transaction left open would block the checkpoint.
        self.reader.close().await;
        let Some((close, task)) = self.closing.lock().unwrap_or_else(PoisonError::into_inner).take() else {
            return Ok(());
        };
        let _ = close.send(());
        task.await.map_err(|error| StoreError::internal(format!("the SQLite writer task failed: {error}")))?
    }

    async fn ping(&self) -> Result<(), StoreError> {
        // A full disk fails writes while reads still answer: look at the free space first.
        let stat = rustix::fs::statvfs(&self.folder).map_err(|error| {
            StoreError::unavailable(format!("cannot read the free space of {}: {error}", self.folder.display()))
        })?;
        let free = stat.f_bavail.saturating_mul(stat.f_frsize);
        if free < self.min_free_bytes {
            return Err(StoreError::unavailable(format!(
                "only {} MiB free on the filesystem of {} (the minimum is {} MiB: --min-free-disk-mb)",
                free / (1024 * 1024),
                self.folder.display(),
                self.min_free_bytes / (1024 * 1024)
            )));
        }
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        // Then a round trip through the writer: it is alive and can take the write lock.
        let job = WriteJob {
            op: super::op(|_tx| Box::pin(async { Ok(Ok(super::ResultJson::null())) })),
            idempotency: None,
            now_ms: 0,
        };
        self.write(job).await.map(|_| ())
    }

    async fn count_request(&self, _account: i64, _minute: i64, _hour: i64) -> Result<Option<(u32, u32)>, StoreError> {
        // A SQLite file serves one server (docs/deployment.md): memory counts exactly.
        Ok(None)
    }
}

/// The writer's transaction.
pub struct SqliteTx<'c> {
    conn: &'c mut SqliteConnection,
}

const CARD_COLUMNS: &str = "c.card_idx, c.account_idx, c.card_nm, c.card_ttl, c.max_stamps, c.stamp_img_url, c.url, c.onsite_yn, c.onsite_pwd_hash, c.created_at";

const STAMP_COLUMNS: &str = "s.stamp_idx, s.account_idx, s.card_idx, s.token, s.domain, s.stamps, s.strt_ymd, s.end_ymd, s.active_yn, \
     s.redeemed_ymd, s.memo, s.user_id, s.user_nm, s.user_phnno, s.user_eml, s.user_etc1, s.user_etc2, s.pin_state, s.pin_hash, \
     s.pin_failures, s.pin_locked_until, s.onsite_failures, s.onsite_locked_until, s.created_at";

const STAMP_COLUMN_COUNT: usize = 24;

/// The stamp columns a write sets, in the order [`bind_mutable_columns`] binds them.
const STAMP_MUTABLE_COLUMNS: &str = "card_idx, domain, stamps, strt_ymd, end_ymd, active_yn, redeemed_ymd, memo, user_id, \
     user_nm, user_phnno, user_eml, user_etc1, user_etc2, pin_state, pin_hash, pin_failures, pin_locked_until, \
     onsite_failures, onsite_locked_until";

/// `INSERT` of a stamp: the mutable columns, then `account_idx, token, created_at`.
static INSERT_STAMP: LazyLock<String> = LazyLock::new(|| {
    let marks = vec!["?"; STAMP_MUTABLE_COLUMNS.split(", ").count() + 3].join(", ");
    format!("INSERT INTO stamps ({STAMP_MUTABLE_COLUMNS}, account_idx, token, created_at) VALUES ({marks})")
});

/// `UPDATE` of a stamp's mutable columns, then `WHERE stamp_idx = ? AND account_idx = ?`.
static UPDATE_STAMP: LazyLock<String> = LazyLock::new(|| {
    let assignments = STAMP_MUTABLE_COLUMNS.split(", ").map(|c| format!("{c} = ?")).collect::<Vec<_>>().join(", ");
    format!("UPDATE stamps SET {assignments} WHERE stamp_idx = ? AND account_idx = ?")
});

/// Binds the values of [`STAMP_MUTABLE_COLUMNS`], shared by insert and update.
fn bind_mutable_columns<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    stamp: &'q StampRecord,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    query
        .bind(stamp.card_idx)
        .bind(&stamp.domain)
        .bind(i64::from(stamp.stamps))
        .bind(format_day(stamp.start))
        .bind(format_day(stamp.end))
        .bind(i64::from(stamp.active))
        .bind(stamp.redeemed_on.map(format_day))
        .bind(&stamp.memo)
        .bind(&stamp.user_id)
        .bind(&stamp.user_nm)
        .bind(&stamp.user_phnno)
        .bind(&stamp.user_eml)
        .bind(&stamp.user_etc1)
        .bind(&stamp.user_etc2)
        .bind(pin_state_name(stamp.pin_state))
        .bind(&stamp.pin_hash)
        .bind(i64::from(stamp.pin_failures))
        .bind(stamp.pin_locked_until)
        .bind(i64::from(stamp.onsite_failures))
        .bind(stamp.onsite_locked_until)
}

fn count(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::internal(format!("stored count {value} is out of range")))
}

fn account_from_row(row: &SqliteRow) -> Result<AccountRecord, StoreError> {
    Ok(AccountRecord {
        account_idx: row.try_get(0)?,
        name: row.try_get(1)?,
        plan: parse_plan(&row.try_get::<String, _>(2)?)?,
        created_at: row.try_get(3)?,
    })
}

fn card_from_row(row: &SqliteRow, base: usize) -> Result<CardRecord, StoreError> {
    Ok(CardRecord {
        card_idx: row.try_get(base)?,
        account_idx: row.try_get(base + 1)?,
        name: row.try_get(base + 2)?,
        title: row.try_get(base + 3)?,
        max_stamps: count(row.try_get(base + 4)?)?,
        stamp_img_url: row.try_get(base + 5)?,
        url: row.try_get(base + 6)?,
        onsite_required: row.try_get::<i64, _>(base + 7)? != 0,
        onsite_pwd_hash: row.try_get(base + 8)?,
        created_at: row.try_get(base + 9)?,
    })
}

fn stamp_from_row(row: &SqliteRow) -> Result<StampRecord, StoreError> {
    let redeemed: Option<String> = row.try_get(9)?;
    Ok(StampRecord {
        stamp_idx: row.try_get(0)?,
        account_idx: row.try_get(1)?,
        card_idx: row.try_get(2)?,
        token: row.try_get(3)?,
        domain: row.try_get(4)?,
        stamps: count(row.try_get(5)?)?,
        start: parse_day(&row.try_get::<String, _>(6)?)?,
        end: parse_day(&row.try_get::<String, _>(7)?)?,
        active: row.try_get::<i64, _>(8)? != 0,
        redeemed_on: redeemed.as_deref().map(parse_day).transpose()?,
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

fn stamp_and_card_from_row(row: &SqliteRow) -> Result<(StampRecord, CardRecord), StoreError> {
    Ok((stamp_from_row(row)?, card_from_row(row, STAMP_COLUMN_COUNT)?))
}

async fn fetch_account<'e>(
    executor: impl SqliteExecutor<'e>,
    account_idx: i64,
) -> Result<Option<AccountRecord>, StoreError> {
    let row = sqlx::query("SELECT account_idx, name, plan, created_at FROM accounts WHERE account_idx = ?")
        .bind(account_idx)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

async fn fetch_card<'e>(
    executor: impl SqliteExecutor<'e>,
    account_idx: i64,
    card_idx: i64,
) -> Result<Option<CardRecord>, StoreError> {
    let row = sqlx::query(&format!("SELECT {CARD_COLUMNS} FROM cards c WHERE c.account_idx = ? AND c.card_idx = ?"))
        .bind(account_idx)
        .bind(card_idx)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(|row| card_from_row(row, 0)).transpose()
}

async fn fetch_stamp_and_card<'e>(
    executor: impl SqliteExecutor<'e>,
    account_idx: i64,
    stamp_idx: i64,
) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {STAMP_COLUMNS}, {CARD_COLUMNS} FROM stamps s JOIN cards c ON c.card_idx = s.card_idx \
         WHERE s.account_idx = ? AND s.stamp_idx = ?"
    ))
    .bind(account_idx)
    .bind(stamp_idx)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(stamp_and_card_from_row).transpose()
}

async fn fetch_stamp_by_token<'e>(
    executor: impl SqliteExecutor<'e>,
    token: &str,
) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {STAMP_COLUMNS}, {CARD_COLUMNS} FROM stamps s JOIN cards c ON c.card_idx = s.card_idx WHERE s.token = ?"
    ))
    .bind(token)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(stamp_and_card_from_row).transpose()
}

#[async_trait]
impl Tx for SqliteTx<'_> {
    async fn card(&mut self, account_idx: i64, card_idx: i64) -> Result<Option<CardRecord>, StoreError> {
        fetch_card(&mut *self.conn, account_idx, card_idx).await
    }

    async fn stamp(&mut self, account_idx: i64, stamp_idx: i64) -> Result<Option<StampRecord>, StoreError> {
        let row =
            sqlx::query(&format!("SELECT {STAMP_COLUMNS} FROM stamps s WHERE s.account_idx = ? AND s.stamp_idx = ?"))
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
        fetch_stamp_and_card(&mut *self.conn, account_idx, stamp_idx).await
    }

    async fn stamp_by_token(&mut self, token: &str) -> Result<Option<(StampRecord, CardRecord)>, StoreError> {
        fetch_stamp_by_token(&mut *self.conn, token).await
    }

    async fn highest_live_count(&mut self, card_idx: i64) -> Result<u32, StoreError> {
        let row =
            sqlx::query("SELECT COALESCE(MAX(stamps), 0) FROM stamps WHERE card_idx = ? AND redeemed_ymd IS NULL")
                .bind(card_idx)
                .fetch_one(&mut *self.conn)
                .await?;
        count(row.try_get(0)?)
    }

    async fn insert_account(&mut self, name: &str, plan: Plan, now_ms: i64) -> Result<i64, StoreError> {
        let result = sqlx::query("INSERT INTO accounts (name, plan, created_at) VALUES (?, ?, ?)")
            .bind(name)
            .bind(plan.as_str())
            .bind(now_ms)
            .execute(&mut *self.conn)
            .await?;
        Ok(result.last_insert_rowid())
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
        let result = sqlx::query(
            "INSERT INTO api_keys (account_idx, key_hash, key_prefix, label, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(account_idx)
        .bind(key_hash)
        .bind(key_prefix)
        .bind(label)
        .bind(now_ms)
        .execute(&mut *self.conn)
        .await?;
        Ok(result.last_insert_rowid())
    }

    async fn revoke_api_key(&mut self, account_idx: i64, api_key_idx: i64, now_ms: i64) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE api_keys SET revoked_at = ? WHERE account_idx = ? AND api_key_idx = ? AND revoked_at IS NULL",
        )
        .bind(now_ms)
        .bind(account_idx)
        .bind(api_key_idx)
        .execute(&mut *self.conn)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn insert_card(&mut self, card: &CardRecord) -> Result<i64, StoreError> {
        let result = sqlx::query(
            "INSERT INTO cards (account_idx, card_nm, card_ttl, max_stamps, stamp_img_url, url, onsite_yn, onsite_pwd_hash, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(card.account_idx)
        .bind(&card.name)
        .bind(&card.title)
        .bind(i64::from(card.max_stamps))
        .bind(&card.stamp_img_url)
        .bind(&card.url)
        .bind(i64::from(card.onsite_required))
        .bind(&card.onsite_pwd_hash)
        .bind(card.created_at)
        .execute(&mut *self.conn)
        .await?;
        Ok(result.last_insert_rowid())
    }

    async fn update_card(&mut self, card: &CardRecord) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE cards SET card_nm = ?, card_ttl = ?, max_stamps = ?, stamp_img_url = ?, url = ?, onsite_yn = ?, onsite_pwd_hash = ? \
             WHERE card_idx = ? AND account_idx = ?",
        )
        .bind(&card.name)
        .bind(&card.title)
        .bind(i64::from(card.max_stamps))
        .bind(&card.stamp_img_url)
        .bind(&card.url)
        .bind(i64::from(card.onsite_required))
        .bind(&card.onsite_pwd_hash)
        .bind(card.card_idx)
        .bind(card.account_idx)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    async fn insert_stamp(&mut self, stamp: &StampRecord) -> Result<i64, StoreError> {
        let result = bind_mutable_columns(sqlx::query(&INSERT_STAMP), stamp)
            .bind(stamp.account_idx)
            .bind(&stamp.token)
            .bind(stamp.created_at)
            .execute(&mut *self.conn)
            .await?;
        Ok(result.last_insert_rowid())
    }

    async fn update_stamp(&mut self, stamp: &StampRecord) -> Result<(), StoreError> {
        bind_mutable_columns(sqlx::query(&UPDATE_STAMP), stamp)
            .bind(stamp.stamp_idx)
            .bind(stamp.account_idx)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn delete_stamp(&mut self, stamp_idx: i64) -> Result<(), StoreError> {
        // History and sessions go with it (ON DELETE CASCADE).
        sqlx::query("DELETE FROM stamps WHERE stamp_idx = ?").bind(stamp_idx).execute(&mut *self.conn).await?;
        Ok(())
    }

    async fn append_event(&mut self, event: &NewEvent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO stamp_events (stamp_idx, action, stamps_before, stamps_after, actor, api_key_idx, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(event.stamp_idx)
        .bind(wire_name(event.action))
        .bind(i64::from(event.stamps_before))
        .bind(i64::from(event.stamps_after))
        .bind(wire_name(event.actor))
        .bind(event.api_key_idx)
        .bind(event.at)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    async fn card_guard(&mut self, card_idx: i64) -> Result<CardGuard, StoreError> {
        let row: Option<CardGuardRow> =
            sqlx::query_as(sql::CARD_GUARD).bind(card_idx).fetch_optional(&mut *self.conn).await?;
        row.map_or(Ok(CardGuard::default()), CardGuardRow::into_guard)
    }

    async fn put_card_guard(&mut self, card_idx: i64, guard: &CardGuard) -> Result<(), StoreError> {
        sql::bind_card_guard(sqlx::query(sql::PUT_CARD_GUARD), card_idx, guard).execute(&mut *self.conn).await?;
        Ok(())
    }

    async fn insert_session(&mut self, stamp_idx: i64, token_hash: &[u8], expires_at: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO page_sessions (token_hash, stamp_idx, expires_at) VALUES (?, ?, ?)")
            .bind(token_hash)
            .bind(stamp_idx)
            .bind(expires_at)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn delete_sessions(&mut self, stamp_idx: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM page_sessions WHERE stamp_idx = ?").bind(stamp_idx).execute(&mut *self.conn).await?;
        Ok(())
    }

    async fn idempotency_get(
        &mut self,
        scope: &str,
        key: &str,
        not_before: i64,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row = sqlx::query("SELECT request_hash, status, body FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND created_at >= ?")
            .bind(scope)
            .bind(key)
            .bind(not_before)
            .fetch_optional(&mut *self.conn)
            .await?;
        row.map(|row| {
            let status: i64 = row.try_get(1)?;
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
        // An expired record with the same key is replaced: after 24 h a key is free again.
        sqlx::query(
            "INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (scope, idem_key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status, \
             body = excluded.body, created_at = excluded.created_at",
        )
        .bind(&idempotency.scope)
        .bind(&idempotency.key)
        .bind(&idempotency.request_hash)
        .bind(i64::from(reply.status))
        .bind(&reply.body)
        .bind(now_ms)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    async fn prune(&mut self, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM page_sessions WHERE expires_at <= ?").bind(now_ms).execute(&mut *self.conn).await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?")
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
