//! A flood of PIN guesses cannot exhaust the machine. The real `stampcard serve` (its own
//! process, so its peak memory can be read) takes 150 right and 150 wrong concurrent PINs on
//! one stamp plus 200 more spread over 40 stamps, with rate limits off so every request
//! reaches the password check; another shop's API calls keep answering meanwhile, and the
//! server's peak resident memory (VmHWM) stays under 256 MiB. Each argon2id hash takes
//! 19 MiB: without the fixed hashing pool and the per-stamp turns the same flood peaks in
//! gigabytes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::helpers::Backend;
use crate::process::{Server, cli};

const RIGHT_PIN: &str = "2580";
const WRONG_PIN: &str = "1397";
const MAX_PEAK_KIB: u64 = 256 * 1024;

/// `VmHWM` of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

struct Shop {
    url: String,
    key: String,
    client: reqwest::Client,
}

impl Shop {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value, Option<String>) {
        let mut request = self.client.request(method, format!("{}{path}", self.url));
        if !path.starts_with("/api/page/") {
            request = request.header("Authorization", format!("APIKey {}", self.key));
        }
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body.to_string());
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body, retry_after)
    }

    async fn ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let (status, body, _) = self.call(method, path, body).await;
        assert_eq!((status, &body["code"]), (200, &json!(0)), "{path}: {body}");
        body["result"].clone()
    }

    /// A card and `n` stamps with the PIN set; returns the stamps' (stampIdx, token).
    async fn stamps_with_pins(&self, n: usize) -> Vec<(i64, String)> {
        let card = self
            .ok(reqwest::Method::POST, "/api/stamp/v1/card/create", Some(json!({"cardNm": "Storm", "maxStamps": 10})))
            .await["cardIdx"]
            .as_i64()
            .expect("cardIdx");
        let today = chrono::Utc::now().date_naive();
        let end = (today + chrono::Days::new(30)).to_string();
        let mut stamps = Vec::new();
        for _ in 0..n {
            let body = json!({"cardIdx": card, "strtYmd": today.to_string(), "endYmd": end});
            let stamp = self.ok(reqwest::Method::POST, "/api/stamp/v1/create", Some(body)).await.as_i64().expect("idx");
            let path = format!("/api/stamp/v1/validate?stampIdx={stamp}");
            let link = self.ok(reqwest::Method::GET, &path, None).await["stampUrl"].as_str().expect("url").to_owned();
            let token = link.rsplit('/').next().expect("token").to_owned();
            self.ok(reqwest::Method::POST, &format!("/api/page/v1/{token}/pin"), Some(json!({"pin": RIGHT_PIN}))).await;
            stamps.push((stamp, token));
        }
        stamps
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_pin_guesses_keeps_memory_bounded_and_other_shops_served() {
    tokio::time::timeout(Duration::from_secs(150), flood()).await.expect("the flood test finishes in time");
}

async fn flood() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = Backend::from_env().fresh_database_url(&dir).await;
    let account = |name: &'static str| {
        let database_url = database_url.clone();
        async move {
            let created = cli(&database_url, &["account", "create", "--name", name, "--plan", "personal"]).await;
            created["apiKey"].as_str().expect("apiKey").to_owned()
        }
    };
    let (flooded_key, other_key) = (account("Flooded shop").await, account("Other shop").await);
    let env = [("STAMPCARD_HASH_WORKERS", "2"), ("STAMPCARD_HASH_QUEUE", "32")];
    let server = Server::start_with(&database_url, dir.path(), 0, &env).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
    let flooded = Arc::new(Shop { url: server.url.clone(), key: flooded_key, client: client.clone() });
    let other = Arc::new(Shop { url: server.url.clone(), key: other_key, client });
    let target = flooded.stamps_with_pins(1).await.remove(0).1;
    let spread = flooded.stamps_with_pins(40).await;
    let (other_stamp, _) = other.stamps_with_pins(1).await.remove(0);
    let before_kib = peak_rss_kib(server.pid());

    let mut guesses = JoinSet::new();
    let mut send = |token: String, pin: &'static str| {
        let shop = flooded.clone();
        guesses.spawn(async move {
            let path = format!("/api/page/v1/{token}/session");
            shop.call(reqwest::Method::POST, &path, Some(json!({ "pin": pin }))).await
        });
    };
    for i in 0..300 {
        send(target.clone(), if i % 2 == 0 { RIGHT_PIN } else { WRONG_PIN });
    }
    for i in 0..200 {
        send(spread[i % spread.len()].1.clone(), if i % 3 == 0 { WRONG_PIN } else { RIGHT_PIN });
    }
    // Meanwhile another shop's calls keep answering.
    let other_calls = tokio::spawn(async move {
        let started = Instant::now();
        let mut slowest = Duration::ZERO;
        for _ in 0..20 {
            let call = Instant::now();
            let path = format!("/api/stamp/v1/validate?stampIdx={other_stamp}");
            other.ok(reqwest::Method::GET, &path, None).await;
            slowest = slowest.max(call.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (started.elapsed(), slowest)
    });

    let mut by_code = std::collections::BTreeMap::<i64, u32>::new();
    while let Some(answer) = guesses.join_next().await {
        let (status, body, retry_after) = answer.expect("guess task");
        let code = body["code"].as_i64().unwrap_or_else(|| panic!("an envelope: {status} {body}"));
        // A right PIN opens a session, a wrong one is counted, a locked stamp or a full queue
        // says when to come back; nothing else, and never a 500.
        assert!(matches!(code, 0 | 2009 | 2010 | 9003), "unexpected answer {status} {body}");
        if matches!(code, 2010 | 9003) {
            assert!(retry_after.is_some(), "{status} {body} without Retry-After");
        }
        *by_code.entry(code).or_default() += 1;
    }
    let (other_took, other_slowest) = other_calls.await.expect("the other shop's calls answered");
    let peak_kib = peak_rss_kib(server.pid());
    eprintln!(
        "flood: 500 PIN requests, answers by code {by_code:?}; other shop's 20 calls took {other_took:?} \
         (slowest {other_slowest:?}); server peak RSS {} MiB before, {} MiB after",
        before_kib / 1024,
        peak_kib / 1024
    );
    assert!(by_code.get(&0).is_some_and(|n| *n > 0), "some right PINs open sessions: {by_code:?}");
    assert!(peak_kib < MAX_PEAK_KIB, "peak RSS {peak_kib} KiB is over {MAX_PEAK_KIB} KiB");
}
