//! Benchmark (run by `cargo xtask bench`, not a test): durable adds through HTTP at 64
//! connections against a raw one-transaction-per-update SQLite loop, both on a SQLite file
//! with WAL and `synchronous=FULL`. The server must reach 2x the loop, which it can only do
//! by sharing commits between concurrent adds (the writer's group commit).
//!
//! Prints one JSON line at the end: `{"loopPerSec", "httpPerSec", "ratio"}`. Talks to
//! 127.0.0.1 only, does a bounded number of operations and stops by itself.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use stampcard_server::Server;
use stampcard_server::clock::Clock;
use stampcard_server::config::ServerConfig;
use stampcard_server::ops::admin;
use stampcard_server::plan::Plan;
use stampcard_server::store::{self, StoreOptions};

/// Concurrent HTTP connections.
const CONNECTIONS: usize = 64;
/// Adds per connection (one stamp each, so no add is refused as full).
const ADDS_PER_CONNECTION: usize = 50;
/// Updates of the raw loop.
const LOOP_UPDATES: usize = 1_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let loop_per_sec = raw_loop(&dir.path().join("loop.db")).await?;
    eprintln!("raw loop: {LOOP_UPDATES} updates, one transaction each: {loop_per_sec:.0}/s");
    let http_per_sec = http_adds(&dir.path().join("server.db")).await?;
    eprintln!("HTTP: {CONNECTIONS} connections x {ADDS_PER_CONNECTION} adds: {http_per_sec:.0}/s");
    let ratio = http_per_sec / loop_per_sec;
    println!(
        "{}",
        json!({"loopPerSec": loop_per_sec.round(), "httpPerSec": http_per_sec.round(), "ratio": (ratio * 100.0).round() / 100.0})
    );
    Ok(())
}

/// The baseline: one connection, `BEGIN; UPDATE; INSERT history; COMMIT` per stamp, as a
/// plain server without group commit would do it.
async fn raw_loop(path: &std::path::Path) -> anyhow::Result<f64> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut conn = options.connect().await?;
    sqlx::query("CREATE TABLE stamps (stamp_idx INTEGER PRIMARY KEY, stamps INTEGER NOT NULL)")
        .execute(&mut conn)
        .await?;
    sqlx::query("CREATE TABLE events (event_idx INTEGER PRIMARY KEY, stamp_idx INTEGER NOT NULL, stamps_after INTEGER NOT NULL)")
        .execute(&mut conn)
        .await?;
    sqlx::query("INSERT INTO stamps (stamp_idx, stamps) VALUES (1, 0)").execute(&mut conn).await?;
    let start = Instant::now();
    for _ in 0..LOOP_UPDATES {
        let mut tx = conn.begin().await?;
        sqlx::query("UPDATE stamps SET stamps = stamps + 1 WHERE stamp_idx = 1").execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO events (stamp_idx, stamps_after) SELECT stamp_idx, stamps FROM stamps WHERE stamp_idx = 1",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(LOOP_UPDATES as f64 / start.elapsed().as_secs_f64())
}

/// The real server on a fresh SQLite file (default durability), rate limits off.
async fn http_adds(path: &std::path::Path) -> anyhow::Result<f64> {
    let store = store::open(&format!("sqlite://{}", path.display()), &StoreOptions::default()).await?;
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse()?,
        public_url: None,
        www_dir: path.with_file_name("www"),
        rate_limit: false,
        fake_today: None,
        ..ServerConfig::default()
    };
    let server = Server::start(&config, store.clone()).await?;
    let clock = Clock::system();
    let account = admin::create_account(store.as_ref(), &clock, "Bench", Plan::Enterprise).await?;
    let key = admin::create_api_key(store.as_ref(), &clock, account, "bench").await?.api_key;
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONNECTIONS).build()?;
    let url = server.url();
    let auth = format!("APIKey {key}");
    let card: serde_json::Value = client
        .post(format!("{url}/api/stamp/v1/card/create"))
        .header("Authorization", &auth)
        .json(&json!({"cardNm": "Bench", "maxStamps": 100}))
        .send()
        .await?
        .json()
        .await?;
    let card_idx = card["result"]["cardIdx"].as_i64().ok_or_else(|| anyhow::anyhow!("no cardIdx: {card}"))?;
    let today = clock.today();
    let mut stamps = Vec::new();
    for _ in 0..CONNECTIONS {
        let created: serde_json::Value = client
            .post(format!("{url}/api/stamp/v1/create"))
            .header("Authorization", &auth)
            .json(&json!({"cardIdx": card_idx, "strtYmd": today.to_string(), "endYmd": (today + chrono::Days::new(30)).to_string()}))
            .send()
            .await?
            .json()
            .await?;
        stamps.push(created["result"].as_i64().ok_or_else(|| anyhow::anyhow!("no stampIdx: {created}"))?);
    }
    let shared = Arc::new((client, url, auth));
    let start = Instant::now();
    let tasks: Vec<_> = stamps
        .into_iter()
        .map(|stamp_idx| {
            let shared = shared.clone();
            tokio::spawn(async move {
                let (client, url, auth) = &*shared;
                for _ in 0..ADDS_PER_CONNECTION {
                    let answer: serde_json::Value = client
                        .put(format!("{url}/api/stamp/v1/add"))
                        .header("Authorization", auth)
                        .json(&json!({"stampIdx": stamp_idx}))
                        .send()
                        .await?
                        .json()
                        .await?;
                    anyhow::ensure!(answer["code"] == 0, "add refused: {answer}");
                }
                Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let per_sec = (CONNECTIONS * ADDS_PER_CONNECTION) as f64 / start.elapsed().as_secs_f64();
    server.stop().await?;
    Ok(per_sec)
}
