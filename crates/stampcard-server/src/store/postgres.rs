//! The PostgreSQL store: for several stateless `stampcard` servers on one database.
//!
//! Every write job runs in its own transaction on a pooled connection (servers cannot share
//! one writer task). Correctness across servers comes from the database, not from memory:
//! a job locks the rows it reads for change (`SELECT ... FOR UPDATE`), so two adds on the same
//! stamp, or an add and a card's `maxStamps` change, run one after the other; and a job with
//! an `Idempotency-Key` first takes a transaction-scoped advisory lock on that key, so a
//! concurrent duplicate waits and then finds the stored response instead of applying twice.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Postgres};

use super::StoreError;
use super::sql::{Dialect, SqlStore, SqlTx};
use super::write::{Engine, WriteJob, Written, execute};

/// The schema, embedded at build time (no database needed to build).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A write locks what it reads until it commits. The stamp exclusively (one change at a
/// time), its card shared, so adds on different stamps of one card run in parallel while a
/// card update (which takes the card exclusively) waits for them and they for it.
impl Dialect for Postgres {
    const LOCK_CARD: &'static str = "FOR UPDATE";
    const LOCK_STAMP: &'static str = "FOR UPDATE";
    const LOCK_STAMP_AND_CARD: &'static str = "FOR UPDATE OF s FOR SHARE OF c";
    const LOCK_GUARD: &'static str = "FOR UPDATE";
    const LOCK_IDEMPOTENCY_KEY: Option<&'static str> =
        Some("SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0))");
    // webhooks
    const LOCK_SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";
}

/// Writes straight on the pool, each in its own transaction.
struct Transactions {
    pool: PgPool,
}

/// Connects, and brings the schema up to date. Migrations take an advisory lock, so several
/// servers starting at once run each migration exactly once.
pub async fn open(database_url: &str, max_connections: u32) -> Result<SqlStore<Postgres>, StoreError> {
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
    Ok(SqlStore::new(pool.clone(), Box::new(Transactions { pool })))
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
impl Engine for Transactions {
    async fn write(&self, job: WriteJob) -> Result<Written, StoreError> {
        let pool = self.pool.clone();
        // The write runs in its own task: once started it finishes even when the caller goes
        // away (a client disconnects, a timeout fires), so it commits or rolls back as a whole
        // and an idempotent retry finds its kept answer. `Transaction` rolls back on drop, so
        // even a panic never returns a connection to the pool inside an open transaction.
        let task = tokio::spawn(async move {
            let mut tx = pool.begin().await?;
            match execute(&mut SqlTx::<Postgres>::new(&mut tx), job).await {
                Ok(Ok(written)) => {
                    tx.commit().await?;
                    Ok(written)
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

    async fn check(&self) -> Result<(), StoreError> {
        // Answering a read is all a server needs of PostgreSQL; its disk is its operator's.
        Ok(())
    }

    async fn count_request(
        &self,
        account_idx: i64,
        minute_start: i64,
        hour_start: i64,
    ) -> Result<Option<(u32, u32)>, StoreError> {
        /// One window's count.
        #[derive(sqlx::FromRow)]
        struct Window {
            window_ms: i64,
            hits: i64,
        }
        // One statement, atomic per row: every server sees the same counts. A window that
        // has moved on starts again at 1.
        let windows: Vec<Window> = sqlx::query_as(
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
        for window in windows {
            let hits = u32::try_from(window.hits).unwrap_or(u32::MAX);
            if window.window_ms == 60_000 { minute = hits } else { hour = hits }
        }
        Ok(Some((minute, hour)))
    }

    async fn close(&self) -> Result<(), StoreError> {
        self.pool.close().await;
        Ok(())
    }
}
