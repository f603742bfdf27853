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
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Sqlite};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::sql::{Dialect, SqlStore, SqlTx};
use super::write::{Engine, WriteJob, Written, execute};
use super::{StoreError, StoreOptions};

/// The schema, embedded at build time (no database needed to build).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How many queued writes share one transaction at most.
const MAX_GROUP: usize = 128;

/// How many writes may wait for the writer before callers wait to queue.
const QUEUE_DEPTH: usize = 4096;

/// A pending write and where to send its answer.
struct Pending {
    job: WriteJob,
    answer: oneshot::Sender<Result<Written, StoreError>>,
}

/// SQLite takes no row locks: its one writer runs the writes one after the other.
impl Dialect for Sqlite {
    const LOCK_CARD: &'static str = "";
    const LOCK_STAMP: &'static str = "";
    const LOCK_STAMP_AND_CARD: &'static str = "";
    const LOCK_GUARD: &'static str = "";
    const LOCK_IDEMPOTENCY_KEY: Option<&'static str> = None;
    // webhooks
    const LOCK_SKIP_LOCKED: &'static str = "";
}

/// The single writer and what the health check looks at.
struct Writer {
    queue: mpsc::Sender<Pending>,
    /// Tells the writer to drain and checkpoint; taken by `close`.
    closing: Mutex<Option<WriterClose>>,
    /// The database file's folder, whose filesystem `ping` checks for free space.
    folder: PathBuf,
    /// Below this many free bytes there `ping` fails.
    min_free_bytes: u64,
}

/// The signal that closes the writer, and its task (which returns the checkpoint's outcome).
type WriterClose = (oneshot::Sender<()>, JoinHandle<Result<(), StoreError>>);

/// Opens (creating if missing) the database at `database_url`, runs the migrations and
/// starts the writer task. Must be called inside a Tokio runtime.
pub async fn open(database_url: &str, options: &StoreOptions) -> Result<SqlStore<Sqlite>, StoreError> {
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
    let mut writer = SqliteConnection::connect_with(&write_options)
        .await
        .map_err(|error| StoreError::internal(cannot_open_message(write_options.get_filename(), &error.to_string())))?;
    MIGRATOR.run(&mut writer).await?;
    // Readers never write: read-only connections make that a guarantee, not a habit.
    let reader = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        // A connection to a local file cannot go stale, and sqlx's check before each acquire
        // is one more round trip to the connection's thread on every read (see BENCHMARKS.md).
        .test_before_acquire(false)
        .connect_with(base.read_only(true))
        .await?;
    let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
    let (close, close_signal) = oneshot::channel();
    let task = tokio::spawn(run_writer(writer, receiver, close_signal));
    let writer = Writer {
        queue: sender,
        closing: Mutex::new(Some((close, task))),
        folder: folder_of(write_options.get_filename()).to_path_buf(),
        min_free_bytes: options.sqlite_min_free_bytes,
    };
    Ok(SqlStore::new(reader, Box::new(writer)))
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
    /// The first column of `PRAGMA wal_checkpoint`'s answer: 1 when a reader blocked it.
    #[derive(sqlx::FromRow)]
    struct Checkpoint {
        busy: i64,
    }
    let checkpoint: Checkpoint = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut *conn).await?;
    if checkpoint.busy != 0 {
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
    let mut done: Vec<(oneshot::Sender<Result<Written, StoreError>>, Written)> = Vec::new();
    let mut failure: Option<StoreError> = None;
    while done.len() < MAX_GROUP {
        let Some(pending) = queue.pop_front() else { break };
        match execute(&mut SqlTx::<Sqlite>::new(&mut *conn), pending.job).await {
            Ok(Ok(written)) => done.push((pending.answer, written)),
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
                for (answer, written) in done {
                    let _ = answer.send(Ok(written));
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
impl Engine for Writer {
    async fn write(&self, job: WriteJob) -> Result<Written, StoreError> {
        let (answer, receive) = oneshot::channel();
        self.queue
            .send(Pending { job, answer })
            .await
            .map_err(|_| StoreError::unavailable("the SQLite writer has stopped"))?;
        receive.await.map_err(|_| StoreError::unavailable("the SQLite writer dropped a write"))?
    }

    async fn check(&self) -> Result<(), StoreError> {
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
        // Then a round trip through the writer: it is alive and can take the write lock.
        let op = super::op(|_tx| Box::pin(async { Ok(super::Decision::Done(super::ResultJson::null())) }));
        self.write(WriteJob { op, idempotency: None, now_ms: 0 }).await.map(|_| ())
    }

    async fn count_request(&self, _account: i64, _minute: i64, _hour: i64) -> Result<Option<(u32, u32)>, StoreError> {
        // A SQLite file serves one server (docs/deployment.md): memory counts exactly.
        Ok(None)
    }

    async fn close(&self) -> Result<(), StoreError> {
        let Some((close, task)) = self.closing.lock().unwrap_or_else(PoisonError::into_inner).take() else {
            return Ok(());
        };
        let _ = close.send(());
        task.await.map_err(|error| StoreError::internal(format!("the SQLite writer task failed: {error}")))?
    }
}
