//! Two `stampcard serve` processes on one database (PostgreSQL with
//! `STAMPCARD_TEST_BACKEND=postgres`, else one SQLite file) take concurrent adds, redeems and
//! idempotent retries: counts never pass maxStamps, a reward is redeemed once, a retried
//! request applies once whichever server it reaches.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use stampcard_server::clock::Clock;
use stampcard_server::ops::admin;
use stampcard_server::plan::Plan;
use stampcard_server::store::{self, StoreOptions};

use crate::helpers::Backend;

/// A `stampcard serve` child process, killed by its PID when dropped.
struct Process {
    child: Child,
    url: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

async fn start(database_url: &str, www: &std::path::Path) -> Process {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_stampcard"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", database_url])
        .arg("--www-dir")
        .arg(www)
        .env("STAMPCARD_RATE_LIMIT", "off")
        .env("STAMPCARD_PG_MAX_CONNECTIONS", "8")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start stampcard serve");
    let process = Process { child, url: format!("http://127.0.0.1:{port}") };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(response) = client.get(format!("{}/healthz", process.url)).send().await
            && response.status().is_success()
        {
            return process;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("stampcard serve on port {port} did not become healthy");
}

struct Cluster {
    servers: [Process; 2],
    key: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Cluster {
    async fn start() -> Cluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = Backend::from_env().fresh_database_url(&dir).await;
        // The first server migrates; the account is made the way `stampcard account create` makes it.
        let www = crate::operator::fake_www(dir.path());
        let first = start(&database_url, &www).await;
        let second = start(&database_url, &www).await;
        let store = store::open(&database_url, &StoreOptions { pg_max_connections: 2, ..StoreOptions::default() })
            .await
            .expect("open store");
        let clock = Clock::system();
        let account =
            admin::create_account(store.as_ref(), &clock, "Two servers", Plan::Personal).await.expect("account");
        let key = admin::create_api_key(store.as_ref(), &clock, account, "test").await.expect("key").api_key;
        Cluster { servers: [first, second], key, client: reqwest::Client::new(), _dir: dir }
    }

    /// Sends a request to server `n % 2`; returns (status, body).
    async fn send(&self, n: usize, method: &str, path: &str, body: Option<Value>, idem: Option<&str>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let url = format!("{}{path}", self.servers[n % 2].url);
        let mut request = self.client.request(method, url).header("Authorization", format!("APIKey {}", self.key));
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body.to_string());
        }
        if let Some(key) = idem {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("envelope"))
    }

    async fn stamp(&self, max_stamps: u32) -> i64 {
        let card = json!({"cardNm": "Shared", "maxStamps": max_stamps, "onsiteYn": "Y", "onsitePwd": "counter-2580"});
        let (_, card) = self.send(0, "POST", "/api/stamp/v1/card/create", Some(card), None).await;
        let card_idx = card["result"]["cardIdx"].as_i64().expect("cardIdx");
        let today = chrono::Utc::now().date_naive();
        let stamp = json!({"cardIdx": card_idx, "strtYmd": today.to_string(), "endYmd": (today + chrono::Days::new(30)).to_string()});
        let (_, created) = self.send(1, "POST", "/api/stamp/v1/create", Some(stamp), None).await;
        created["result"].as_i64().expect("stampIdx")
    }

    /// A card and `n` stamps on it, each with `each` stamps already.
    async fn card_with_stamps(&self, max_stamps: u32, n: usize, each: usize) -> (i64, Vec<i64>) {
        let card = json!({"cardNm": "Busy", "maxStamps": max_stamps});
        let (_, card) = self.send(0, "POST", "/api/stamp/v1/card/create", Some(card), None).await;
        let card_idx = card["result"]["cardIdx"].as_i64().expect("cardIdx");
        let today = chrono::Utc::now().date_naive();
        let mut stamps = Vec::new();
        for i in 0..n {
            let body = json!({"cardIdx": card_idx, "strtYmd": today.to_string(), "endYmd": (today + chrono::Days::new(30)).to_string()});
            let (_, created) = self.send(i, "POST", "/api/stamp/v1/create", Some(body), None).await;
            let stamp_idx = created["result"].as_i64().expect("stampIdx");
            for _ in 0..each {
                self.send(i, "PUT", "/api/stamp/v1/add", Some(json!({"stampIdx": stamp_idx})), None).await;
            }
            stamps.push(stamp_idx);
        }
        (card_idx, stamps)
    }

    async fn count(&self, stamp_idx: i64) -> i64 {
        let (_, history) =
            self.send(0, "GET", &format!("/api/stamp/v1/history?stampIdx={stamp_idx}"), None, None).await;
        let events = history["result"].as_array().expect("history");
        events.last().and_then(|e| e["stampsAfter"].as_i64()).expect("count")
    }

    /// Sends `n` copies of a request concurrently, alternating servers; returns the answers.
    async fn burst(
        self: &Arc<Self>,
        n: usize,
        method: &'static str,
        path: &'static str,
        body: Value,
        idem: Option<&'static str>,
    ) -> Vec<(u16, Value)> {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let cluster = self.clone();
                let body = body.clone();
                tokio::spawn(async move { cluster.send(i, method, path, Some(body), idem).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("task"));
        }
        answers
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_one_database_keep_the_guarantees() {
    let cluster = Arc::new(Cluster::start().await);

    // 200 concurrent adds on a 10-stamp card, half through each server.
    let stamp = cluster.stamp(10).await;
    let answers = cluster.burst(200, "PUT", "/api/stamp/v1/add", json!({"stampIdx": stamp}), None).await;
    let added = answers.iter().filter(|(status, _)| *status == 200).count();
    assert!(
        answers.iter().all(|(status, body)| *status == 200 || body["code"] == 4004),
        "only FULL refusals: {answers:?}"
    );
    assert_eq!(added, 10);
    assert_eq!(cluster.count(stamp).await, 10);

    // 100 concurrent redeems: exactly one wins.
    let answers = cluster
        .burst(100, "PUT", "/api/stamp/v1/redeem", json!({"stampIdx": stamp, "onsitePwd": "counter-2580"}), None)
        .await;
    let redeemed = answers.iter().filter(|(status, _)| *status == 200).count();
    assert!(answers.iter().all(|(status, body)| *status == 200 || body["code"] == 4005), "{answers:?}");
    assert_eq!(redeemed, 1);

    // 40 retries of one add with the same Idempotency-Key, on both servers: applied once,
    // every answer the same success.
    let next = cluster.stamp(10).await;
    let body = json!({"stampIdx": next});
    let answers = cluster.burst(40, "PUT", "/api/stamp/v1/add", body, Some("visit-2026-11-22-0001")).await;
    assert!(answers.iter().all(|(status, body)| *status == 200 && body["code"] == 0), "{answers:?}");
    assert_eq!(cluster.count(next).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lowering_max_stamps_never_races_past_concurrent_adds() {
    let cluster = Arc::new(Cluster::start().await);
    let (card_idx, stamps) = cluster.card_with_stamps(10, 8, 5).await;
    let mut tasks = Vec::new();
    for (i, stamp_idx) in stamps.iter().copied().cycle().take(40).enumerate() {
        let adder = cluster.clone();
        tasks.push(tokio::spawn(async move {
            adder.send(i, "PUT", "/api/stamp/v1/add", Some(json!({"stampIdx": stamp_idx})), None).await
        }));
        if i % 4 == 0 {
            let updater = cluster.clone();
            tasks.push(tokio::spawn(async move {
                let body = json!({"cardIdx": card_idx, "maxStamps": 6});
                updater.send(i + 1, "PUT", "/api/stamp/v1/card/update", Some(body), None).await
            }));
        }
    }
    for task in tasks {
        let (status, body) = task.await.expect("task");
        // Adds may find the card full (6), updates may find a stamp above 6 already.
        assert!(status == 200 || [4004, 1009].contains(&body["code"].as_i64().unwrap_or(0)), "{status} {body}");
    }
    let (_, card) = cluster.send(0, "GET", &format!("/api/stamp/v1/card/get?cardIdx={card_idx}"), None, None).await;
    let max = card["result"]["maxStamps"].as_i64().expect("maxStamps");
    for stamp_idx in stamps {
        let count = cluster.count(stamp_idx).await;
        assert!(count <= max, "stamp {stamp_idx} holds {count} stamps on a card of {max}");
    }
}
