//! A flood of PIN guesses cannot exhaust the machine. The real `stampcard serve` (its own
//! process, so its peak memory can be read) takes 150 right and 150 wrong concurrent PINs on
//! one stamp plus 200 more spread over 40 stamps, with rate limits off so every request
//! reaches the password check; another shop's API calls keep answering meanwhile, and the
//! server's peak resident memory (VmHWM) stays under 256 MiB. Each argon2id hash takes
//! 19 MiB: without the fixed hashing pool and the per-stamp turns the same flood peaks in
//! gigabytes.
//!
//! Two smaller floods check the bounds one by one: with one hashing thread, a full queue and
//! a wait past the limit each answer 503 `BUSY` with `Retry-After`; and concurrent wrong
//! guesses on one PIN or one staff password take turns and stop costing a hash once the
//! secret is locked (counted with the server's own hash metric).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stampcard_core::ErrorCode;
use tokio::task::JoinSet;

use crate::helpers::Backend;
use crate::page::STAFF;
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

/// The server's one account (made with the CLI) and a running `stampcard serve` with `env`.
async fn server_with(dir: &tempfile::TempDir, env: &[(&str, &str)]) -> (Server, Shop) {
    let database_url = Backend::from_env().fresh_database_url(dir).await;
    let created = cli(&database_url, &["account", "create", "--name", "Hashing shop", "--plan", "personal"]).await;
    let key = created["apiKey"].as_str().expect("apiKey").to_owned();
    let server = Server::start_with(&database_url, dir.path(), 0, env).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
    let shop = Shop { url: server.url.clone(), key, client };
    (server, shop)
}

/// Sends one right PIN to each stamp at once; returns the answers' (status, body, Retry-After).
async fn open_sessions_at_once(shop: &Arc<Shop>, stamps: &[(i64, String)]) -> Vec<(u16, Value, Option<String>)> {
    let mut requests = JoinSet::new();
    for (_, token) in stamps {
        let (shop, path) = (shop.clone(), format!("/api/page/v1/{token}/session"));
        requests.spawn(async move { shop.call(reqwest::Method::POST, &path, Some(json!({ "pin": RIGHT_PIN }))).await });
    }
    requests.join_all().await
}

/// Checks that every answer opened a session or was a `BUSY` refusal saying `why`, with 503
/// and `Retry-After`, and that there were both.
fn assert_some_busy(answers: &[(u16, Value, Option<String>)], why: &str) {
    let mut opened = 0;
    let mut busy = 0;
    for (status, body, retry_after) in answers {
        match body["code"].as_i64() {
            Some(0) => opened += 1,
            Some(9003) => {
                assert_eq!((*status, retry_after.as_deref()), (503, Some("1")), "{body}");
                let message = body["message"].as_str().unwrap_or_default();
                assert!(message.contains(why), "{body} should say {why:?}");
                assert!(body["result"].is_null(), "{body}");
                busy += 1;
            }
            _ => panic!("unexpected answer {status} {body}"),
        }
    }
    assert!(opened > 0 && busy > 0, "{opened} opened and {busy} refused as busy of {} ({why})", answers.len());
}

/// One hashing thread: with a queue of one, concurrent PINs on 16 stamps (16 turns, so all
/// reach the pool at once) find it full; with a long queue but a 300 ms limit, the ones
/// behind the hashes of 48 stamps (each a 19 MiB argon2id) wait too long. Both are refused at once with 503 `BUSY`, and
/// the requests the pool took still open their sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_hash_queue_or_a_long_wait_answers_busy() {
    tokio::time::timeout(Duration::from_secs(120), async {
        let dir = tempfile::tempdir().expect("temp dir");
        let env = [
            ("STAMPCARD_HASH_WORKERS", "1"),
            ("STAMPCARD_HASH_QUEUE", "1"),
            ("STAMPCARD_HASH_MAX_WAIT_MS", "60000"),
            ("STAMPCARD_METRICS_TOKEN", METRICS_TOKEN),
        ];
        let (_server, shop) = server_with(&dir, &env).await;
        let shop = Arc::new(shop);
        let stamps = shop.stamps_with_pins(16).await;
        let answers = open_sessions_at_once(&shop, &stamps).await;
        assert_some_busy(&answers, "too many password checks are waiting");
        // Operators see the refusals.
        let busy = answers.iter().filter(|(_, body, _)| body["code"] == 9003).count();
        let rejected = metric(&shop, "stampcard_password_hash_rejected_total").await;
        assert_eq!(rejected, busy as u64, "refused as busy: {busy}, counted: {rejected}");

        let dir = tempfile::tempdir().expect("temp dir");
        let env =
            [("STAMPCARD_HASH_WORKERS", "1"), ("STAMPCARD_HASH_QUEUE", "64"), ("STAMPCARD_HASH_MAX_WAIT_MS", "300")];
        let (_server, shop) = server_with(&dir, &env).await;
        let shop = Arc::new(shop);
        let stamps = shop.stamps_with_pins(48).await;
        assert_some_busy(&open_sessions_at_once(&shop, &stamps).await, "waited too long");
    })
    .await
    .expect("the test finishes in time");
}

const METRICS_TOKEN: &str = "metrics-token-for-the-hash-count";

/// How many password hashes the server has computed, from its own metrics.
async fn hashes_computed(shop: &Shop) -> u64 {
    metric(shop, "stampcard_password_hash_wait_seconds_count").await
}

/// The value of one of the server's metrics without labels (0 when it has none yet).
async fn metric(shop: &Shop, name: &str) -> u64 {
    let response = shop
        .client
        .get(format!("{}/metrics", shop.url))
        .header("Authorization", format!("Bearer {METRICS_TOKEN}"))
        .send()
        .await
        .expect("scrape");
    let text = response.text().await.expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0, |count| count.trim().parse().unwrap_or_else(|e| panic!("{e}: {count}")))
}

fn code(code: ErrorCode) -> i64 {
    i64::from(code.code())
}

/// Sends `n` copies of a request at once; returns the answers' envelope codes.
async fn at_once(n: usize, request: impl Fn() -> reqwest::RequestBuilder) -> Vec<i64> {
    let mut requests = JoinSet::new();
    for _ in 0..n {
        let request = request();
        requests.spawn(async move {
            let response = request.send().await.expect("answer");
            let body: Value = response.json().await.expect("envelope");
            body["code"].as_i64().unwrap_or_else(|| panic!("an envelope: {body}"))
        });
    }
    requests.join_all().await
}

/// 30 concurrent wrong PINs on one stamp, then 30 concurrent wrong staff passwords spread
/// over three stamps of one card: the guesses on one secret take turns, each sees the lock the
/// ones before it started, and after the fifth wrong one no guess costs a hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_on_a_locked_secret_cost_no_hash() {
    tokio::time::timeout(Duration::from_secs(120), async {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_server, shop) = server_with(&dir, &[("STAMPCARD_METRICS_TOKEN", METRICS_TOKEN)]).await;
        let shop = Arc::new(shop);
        let (_, token) = shop.stamps_with_pins(1).await.remove(0);
        let before = hashes_computed(&shop).await;
        let path = format!("{}/api/page/v1/{token}/session", shop.url);
        let codes = at_once(30, || shop.client.post(&path).json(&json!({ "pin": WRONG_PIN }))).await;
        let hashed = hashes_computed(&shop).await - before;
        let (wrong, locked) = (code(ErrorCode::WrongPin), code(ErrorCode::Locked));
        assert_eq!(codes.iter().filter(|c| **c == wrong).count(), 5, "five wrong PINs are counted: {codes:?}");
        assert!(codes.iter().all(|c| *c == wrong || *c == locked), "wrong or locked: {codes:?}");
        assert_eq!(hashed, 5, "30 guesses on one PIN computed {hashed} hashes");

        let body = json!({"cardNm": "Staff", "maxStamps": 10, "onsiteYn": "Y", "onsitePwd": STAFF});
        let card = shop.ok(reqwest::Method::POST, "/api/stamp/v1/card/create", Some(body)).await["cardIdx"].clone();
        let today = chrono::Utc::now().date_naive();
        let end = (today + chrono::Days::new(30)).to_string();
        let mut customers = Vec::new();
        for _ in 0..3 {
            let body = json!({"cardIdx": card, "strtYmd": today.to_string(), "endYmd": end});
            let stamp = shop.ok(reqwest::Method::POST, "/api/stamp/v1/create", Some(body)).await;
            let link = shop.ok(reqwest::Method::GET, &format!("/api/stamp/v1/validate?stampIdx={stamp}"), None).await;
            let token = link["stampUrl"].as_str().and_then(|url| url.rsplit('/').next()).expect("token").to_owned();
            let path = format!("/api/page/v1/{token}/pin");
            let session = shop.ok(reqwest::Method::POST, &path, Some(json!({"pin": RIGHT_PIN}))).await;
            customers.push((token, session["sessionToken"].as_str().expect("session").to_owned()));
        }
        let before = hashes_computed(&shop).await;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let codes = at_once(30, || {
            let (token, session) = &customers[next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 3];
            shop.client
                .post(format!("{}/api/page/v1/{token}/onsite/add", shop.url))
                .bearer_auth(session)
                .json(&json!({"onsitePwd": "guess-guess"}))
        })
        .await;
        let hashed = hashes_computed(&shop).await - before;
        let wrong = code(ErrorCode::WrongOnsitePassword);
        assert_eq!(codes.iter().filter(|c| **c == wrong).count(), 5, "five wrong passwords are counted: {codes:?}");
        assert!(codes.iter().all(|c| *c == wrong || *c == locked), "wrong or locked: {codes:?}");
        assert_eq!(hashed, 5, "30 guesses on one staff password computed {hashed} hashes");
    })
    .await
    .expect("the test finishes in time");
}
