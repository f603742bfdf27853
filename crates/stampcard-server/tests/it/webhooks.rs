//! Webhooks (issue 13) against a real receiver on 127.0.0.1: every change is one event,
//! delivered at least once, signed in both formats (the `standard` one checked by the Standard
//! Webhooks reference library, the `vivoldi` one by a verifier written from the hosted
//! service's header list), in per-stamp order; retries keep the event id and change the request
//! id; a secret rotation signs with both secrets; a dead delivery can be sent again; a server
//! killed mid-delivery sends after its restart; two servers on one database never send one
//! attempt twice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stampcard_core::ErrorCode;
use stampcard_core::webhook::paths;
use stampcard_server::clock::Clock;
use stampcard_server::plan::Plan;
use stampcard_server::webhook::WebhookConfig;

use crate::helpers::{Backend, Options, TestApp, spawn_app_with};
use crate::page::{page, page_call, set_pin};
use crate::process::{Server, cli};

/// The card's on-site password.
const COUNTER: &str = "counter-1234";

/// The longest any wait for deliveries may take.
const WAIT: Duration = Duration::from_secs(30);

/// What the receiver does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// 200 at once.
    Ok,
    /// 500 for the first `n` attempts of each event, then 200.
    FailFirst(usize),
    /// 500 always.
    FailAlways,
    /// The first request waits this long (the server is killed meanwhile), later ones 200.
    HangFirst(Duration),
}

/// One request as the receiver got it.
#[derive(Debug, Clone)]
struct Received {
    endpoint: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// The event id, whichever the format.
    fn event_id(&self) -> String {
        let vivoldi = self.header("x-vivoldi-event-id");
        if vivoldi.is_empty() { self.header("webhook-id").to_owned() } else { vivoldi.to_owned() }
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

#[derive(Debug)]
struct Inbox {
    mode: Mode,
    requests: Vec<Received>,
    attempts: HashMap<String, usize>,
}

/// An HTTP receiver on 127.0.0.1 that records every request and answers by its [`Mode`].
#[derive(Clone)]
struct Receiver {
    addr: SocketAddr,
    inbox: Arc<Mutex<Inbox>>,
}

async fn receive(
    State(inbox): State<Arc<Mutex<Inbox>>>,
    Path(endpoint): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let (mode, attempt, first) = {
        let mut inbox = inbox.lock().expect("inbox");
        let received = Received { endpoint, headers, body };
        let event_id = received.event_id();
        let first = inbox.requests.is_empty();
        inbox.requests.push(received);
        let mode = inbox.mode;
        let attempt = inbox.attempts.entry(event_id).or_default();
        *attempt += 1;
        (mode, *attempt, first)
    };
    match mode {
        Mode::Ok => StatusCode::OK,
        Mode::FailFirst(n) if attempt <= n => StatusCode::INTERNAL_SERVER_ERROR,
        Mode::FailFirst(_) => StatusCode::NO_CONTENT,
        Mode::FailAlways => StatusCode::INTERNAL_SERVER_ERROR,
        Mode::HangFirst(wait) if first => {
            tokio::time::sleep(wait).await;
            StatusCode::OK
        }
        Mode::HangFirst(_) => StatusCode::OK,
    }
}

impl Receiver {
    async fn start(mode: Mode) -> Receiver {
        let inbox = Arc::new(Mutex::new(Inbox { mode, requests: Vec::new(), attempts: HashMap::new() }));
        let app =
            axum::Router::new().route("/hooks/{endpoint}", axum::routing::post(receive)).with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { addr, inbox }
    }

    fn url(&self, endpoint: &str) -> String {
        format!("http://{}/hooks/{endpoint}", self.addr)
    }

    fn set_mode(&self, mode: Mode) {
        self.inbox.lock().expect("inbox").mode = mode;
    }

    fn requests(&self, endpoint: &str) -> Vec<Received> {
        self.inbox.lock().expect("inbox").requests.iter().filter(|r| r.endpoint == endpoint).cloned().collect()
    }

    /// Waits until `done` holds for the endpoint's requests.
    async fn wait_for(&self, endpoint: &str, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + WAIT;
        loop {
            let requests = self.requests(endpoint);
            if done(&requests) {
                return requests;
            }
            assert!(Instant::now() < deadline, "waited {WAIT:?} for {what} at {endpoint}; got {}", requests.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The distinct events received, each once, in the order of their first request.
fn distinct_events(requests: &[Received]) -> Vec<Value> {
    let mut seen = HashSet::new();
    requests.iter().filter(|r| seen.insert(r.event_id())).map(Received::json).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A receiver's check of the `vivoldi` format, written from the hosted service's header list
/// and this project's signed string: every header present, the body's SHA-256, the timestamp
/// within 5 minutes, and one `v1` signature equal (compared in constant time by `hmac`) to the
/// HMAC-SHA256 of `<timestamp>.<raw body>` under `secret`.
fn verify_vivoldi(secret: &str, request: &Received) -> Result<(), String> {
    for name in [
        "x-vivoldi-request-id",
        "x-vivoldi-event-id",
        "x-vivoldi-webhook-type",
        "x-vivoldi-resource-type",
        "x-vivoldi-action-type",
        "x-vivoldi-comp-idx",
    ] {
        if request.header(name).is_empty() {
            return Err(format!("{name} missing"));
        }
    }
    if (request.header("x-vivoldi-webhook-type"), request.header("x-vivoldi-resource-type")) != ("GROUP", "STAMP") {
        return Err("webhook or resource type".to_owned());
    }
    let timestamp = request.header("x-vivoldi-timestamp");
    let now = Clock::system().now_ms() / 1000;
    let ts: i64 = timestamp.parse().map_err(|_| "timestamp is not unix seconds")?;
    if (now - ts).abs() > 300 {
        return Err("timestamp outside the tolerance".to_owned());
    }
    if request.header("x-content-sha256") != hex(&Sha256::digest(&request.body)) {
        return Err("X-Content-SHA256 does not match the body".to_owned());
    }
    let signature = request.header("x-vivoldi-signature");
    let parts: Vec<(&str, &str)> = signature.split(',').filter_map(|p| p.split_once('=')).collect();
    if !parts.contains(&("t", timestamp)) || !parts.contains(&("alg", "hmac-sha256")) {
        return Err(format!("signature header {signature:?}"));
    }
    let matches = parts.iter().filter(|(k, _)| *k == "v1").any(|(_, v)| {
        let Ok(given) =
            (0..v.len()).step_by(2).map(|i| u8::from_str_radix(&v[i..i + 2], 16)).collect::<Result<Vec<u8>, _>>()
        else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(&request.body);
        mac.verify_slice(&given).is_ok()
    });
    if matches { Ok(()) } else { Err("no v1 signature matches the secret".to_owned()) }
}

/// The `standard` format checked by the Standard Webhooks reference library.
fn verify_standard(secret: &str, request: &Received) -> Result<(), String> {
    let webhook = standardwebhooks::Webhook::new(secret).map_err(|e| format!("secret: {e:?}"))?;
    let mut headers = HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        headers.insert(name, request.header(name).parse().map_err(|_| format!("{name} header"))?);
    }
    webhook.verify(&request.body, &headers).map_err(|e| format!("{e:?}"))
}

fn fast(config: WebhookConfig) -> WebhookConfig {
    WebhookConfig {
        allow_private: true,
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        poll_interval: Duration::from_millis(20),
        lease: Duration::from_secs(6),
        ..config
    }
}

async fn app_with(config: WebhookConfig) -> TestApp {
    spawn_app_with(Options { webhooks: config, ..Options::default() }).await
}

async fn create_webhook(app: &TestApp, body: Value) -> (i64, String) {
    let created = app.post(paths::WEBHOOK_CREATE, body).await;
    let result = created.ok();
    (result["webhookIdx"].as_i64().expect("webhookIdx"), result["secret"].as_str().expect("secret").to_owned())
}

async fn history_types(app: &TestApp, stamp_idx: i64) -> Vec<String> {
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp_idx}")).await;
    let names = |action: &str| match action {
        "CREATE" => "stamp.created",
        "ADD" => "stamp.added",
        "REMOVE" => "stamp.removed",
        "UPDATE" => "stamp.updated",
        "USE" => "stamp.redeemed",
        "PIN_RESET" => "stamp.pin_reset",
        "PIN_SET" => "stamp.pin_set",
        "RENEW" => "stamp.renewed",
        other => panic!("unknown action {other}"),
    };
    history
        .ok()
        .as_array()
        .expect("history")
        .iter()
        .map(|e| names(e["action"].as_str().expect("action")).to_owned())
        .collect()
}

#[tokio::test]
async fn every_change_is_one_signed_event_in_per_stamp_order_in_both_formats() {
    let receiver = Receiver::start(Mode::Ok).await;
    let app = app_with(fast(WebhookConfig::default())).await;
    let (_, vivoldi_secret) = create_webhook(&app, json!({"url": receiver.url("vivoldi")})).await;
    let (_, standard_secret) =
        create_webhook(&app, json!({"url": receiver.url("standard"), "format": "standard"})).await;
    // Only redemptions, to check the filter.
    let (_, _) = create_webhook(&app, json!({"url": receiver.url("redeemed"), "events": ["stamp.redeemed"]})).await;

    let card = app.card(3, Some(COUNTER)).await;
    let staff = app.post("/api/stamp/v1/staff/create", json!({"staffNm": "Ann", "staffPwd": "ann-secret"})).await;
    let staff_idx = staff.ok()["staffIdx"].as_i64().expect("staffIdx");
    let first = app.stamp(card).await;
    let second = app.stamp(card).await;
    app.add_n(first, 2).await;
    app.put("/api/stamp/v1/remove", json!({"stampIdx": first})).await.ok();
    app.put("/api/stamp/v1/update", json!({"stampIdx": first, "memo": "regular"})).await.ok();
    let token = app.token(first).await;
    set_pin(&app, &token, "4826").await;
    app.put("/api/stamp/v1/update", json!({"stampIdx": first, "resetPinYn": "Y"})).await.ok();
    // The customer sets a new PIN; at the counter, the card's password adds one, a staff member
    // another.
    let session = set_pin(&app, &token, "4826").await;
    let onsite_add = page(&token, "/onsite/add");
    for password in [COUNTER.to_owned(), format!("{staff_idx}:ann-secret")] {
        page_call(&app, "POST", &onsite_add, Some(&session), Some(json!({"onsitePwd": password}))).await.ok();
    }
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": first, "onsitePwd": COUNTER})).await.ok();
    app.add_n(second, 1).await;
    app.post("/api/stamp/v1/bulk", json!({"action": "DEACTIVATE", "stampIdxs": [second]})).await.ok();
    let mut expected_first = history_types(&app, first).await;
    let mut expected_second = history_types(&app, second).await;
    app.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={second}")).send().await.ok();
    expected_second.push("stamp.deleted".to_owned());
    let total = expected_first.len() + expected_second.len();
    assert!(expected_first.len() >= 10, "{expected_first:?}");

    for (endpoint, secret) in [("vivoldi", &vivoldi_secret), ("standard", &standard_secret)] {
        let requests = receiver.wait_for(endpoint, "every event", |r| distinct_events(r).len() >= total).await;
        for request in &requests {
            let verified =
                if endpoint == "vivoldi" { verify_vivoldi(secret, request) } else { verify_standard(secret, request) };
            verified.unwrap_or_else(|e| panic!("{endpoint}: {e}: {:?}", request.headers));
        }
        let events = distinct_events(&requests);
        assert_eq!(events.len(), total, "{endpoint}: one event per change");
        for (stamp_idx, expected) in [(first, &mut expected_first), (second, &mut expected_second)] {
            let of_stamp: Vec<&Value> = events.iter().filter(|e| e["stampIdx"] == stamp_idx).collect();
            let types: Vec<&str> = of_stamp.iter().map(|e| e["eventType"].as_str().expect("type")).collect();
            assert_eq!(&types, expected, "{endpoint}: stamp {stamp_idx}'s events in order");
            let sequences: Vec<i64> = of_stamp.iter().map(|e| e["sequence"].as_i64().expect("sequence")).collect();
            assert_eq!(sequences, (1..=i64::try_from(expected.len()).expect("len")).collect::<Vec<_>>(), "{endpoint}");
        }
        // The body: actor, account, the stamp after the change, never a secret.
        let added = events.iter().find(|e| e["eventType"] == "stamp.added").expect("an add");
        assert_eq!((added["actor"].as_str(), added["compIdx"].as_i64()), (Some("API_KEY"), Some(app.account_idx)));
        assert_eq!((added["stampsBefore"].as_u64(), added["stampsAfter"].as_u64()), (Some(0), Some(1)));
        assert_eq!(added["stamp"]["stamps"], 1);
        let pin_set = events.iter().find(|e| e["eventType"] == "stamp.pin_set").expect("pin set");
        assert_eq!(pin_set["actor"], "CUSTOMER");
        let counter_adds: Vec<(&Value, &Value)> = events
            .iter()
            .filter(|e| e["eventType"] == "stamp.added" && e["actor"] != "API_KEY")
            .map(|e| (&e["actor"], &e["staffIdx"]))
            .collect();
        assert_eq!(counter_adds, [(&json!("ONSITE"), &Value::Null), (&json!("STAFF"), &json!(staff_idx))]);
        let deleted = events.iter().find(|e| e["eventType"] == "stamp.deleted").expect("deleted");
        assert_eq!((deleted["stamp"]["activeYn"].as_str(), deleted["action"].as_str()), (Some("N"), None));
        for event in &events {
            let text = event.to_string();
            assert!(
                !text.contains("4826")
                    && !text.contains(&token)
                    && !text.contains("ann-secret")
                    && !text.contains(COUNTER),
                "{text}"
            );
        }
    }
    // The vivoldi action types.
    let vivoldi = receiver.requests("vivoldi");
    let redeem = vivoldi.iter().find(|r| r.json()["eventType"] == "stamp.redeemed").expect("redeem");
    assert_eq!(redeem.header("x-vivoldi-action-type"), "USE");
    assert_eq!(redeem.header("x-vivoldi-comp-idx"), app.account_idx.to_string());
    let filtered = receiver.wait_for("redeemed", "the redemption", |r| !r.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let filtered_types: Vec<Value> =
        receiver.requests("redeemed").iter().map(|r| r.json()["eventType"].clone()).collect();
    assert_eq!(filtered_types, vec![json!("stamp.redeemed")], "{filtered:?}");
    // The log: one DELIVERED item per event and endpoint.
    let log = app.get(&format!("{}?status=DELIVERED&limit=200", paths::WEBHOOK_DELIVERIES)).await;
    assert_eq!(log.ok()["items"].as_array().expect("items").len(), 2 * total + 1);
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_event_with_new_request_ids_and_later_events_wait() {
    let receiver = Receiver::start(Mode::FailFirst(2)).await;
    let app = app_with(fast(WebhookConfig::default())).await;
    let (webhook_idx, _) = create_webhook(&app, json!({"url": receiver.url("flaky")})).await;
    let card = app.card(5, None).await;
    let stamp = app.stamp(card).await;
    app.add_n(stamp, 1).await;
    let requests = receiver.wait_for("flaky", "three attempts of two events", |r| r.len() >= 6).await;
    // Per-stamp order: every attempt of the creation comes before any of the add.
    let types: Vec<String> =
        requests.iter().map(|r| r.json()["eventType"].as_str().expect("type").to_owned()).collect();
    assert_eq!(types, ["stamp.created"; 3].into_iter().chain(["stamp.added"; 3]).collect::<Vec<_>>());
    let created = &requests[..3];
    let event_ids: HashSet<String> = created.iter().map(Received::event_id).collect();
    let request_ids: HashSet<&str> = created.iter().map(|r| r.header("x-vivoldi-request-id")).collect();
    assert_eq!((event_ids.len(), request_ids.len()), (1, 3), "same event id, new request ids");
    assert!(created.windows(2).all(|w| w[0].body == w[1].body), "the same body on every attempt");
    // The log tells the story: 500, 500, then 204, delivered.
    let deliveries = app.receive_log(webhook_idx, |items| items.iter().all(|i| i["status"] == "DELIVERED")).await;
    let creation = deliveries.iter().find(|i| i["eventType"] == "stamp.created").expect("creation");
    let statuses: Vec<i64> = creation["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["httpStatus"].as_i64().expect("status"))
        .collect();
    assert_eq!(statuses, [500, 500, 204]);
    let logged_ids: HashSet<&str> = creation["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["requestId"].as_str().expect("id"))
        .collect();
    assert_eq!(logged_ids, request_ids);
}

impl TestApp {
    /// Waits until the endpoint's delivery log satisfies `done`; answers its items.
    async fn receive_log(&self, webhook_idx: i64, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + WAIT;
        loop {
            let page = self.get(&format!("{}?webhookIdx={webhook_idx}", paths::WEBHOOK_DELIVERIES)).await;
            let items = page.ok()["items"].as_array().expect("items").clone();
            if !items.is_empty() && done(&items) {
                return items;
            }
            assert!(Instant::now() < deadline, "the delivery log did not settle: {items:?}");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
}

#[tokio::test]
async fn a_rotated_secret_and_the_old_one_both_sign_during_the_overlap() {
    let receiver = Receiver::start(Mode::Ok).await;
    let app = app_with(fast(WebhookConfig::default())).await;
    let (vivoldi_idx, vivoldi_old) = create_webhook(&app, json!({"url": receiver.url("vivoldi")})).await;
    let (standard_idx, standard_old) =
        create_webhook(&app, json!({"url": receiver.url("standard"), "format": "standard"})).await;
    let rotate = |idx: i64| app.post(paths::WEBHOOK_ROTATE_SECRET, json!({"webhookIdx": idx}));
    let rotated = rotate(vivoldi_idx).await;
    let vivoldi_new = rotated.ok()["secret"].as_str().expect("secret").to_owned();
    assert!(rotated.ok()["previousSecretUntilYmdt"].is_string(), "{rotated:?}");
    let standard_new = rotate(standard_idx).await.ok()["secret"].as_str().expect("secret").to_owned();
    assert_ne!(vivoldi_new, vivoldi_old);
    let card = app.card(5, None).await;
    app.stamp(card).await;
    let vivoldi = receiver.wait_for("vivoldi", "the event", |r| !r.is_empty()).await;
    let standard = receiver.wait_for("standard", "the event", |r| !r.is_empty()).await;
    assert_eq!(vivoldi[0].header("x-vivoldi-signature").matches("v1=").count(), 2);
    for secret in [&vivoldi_old, &vivoldi_new] {
        verify_vivoldi(secret, &vivoldi[0]).expect("both vivoldi secrets verify");
    }
    for secret in [&standard_old, &standard_new] {
        verify_standard(secret, &standard[0]).expect("both standard secrets verify");
    }
    let other = super_secret_of_nobody();
    assert!(verify_vivoldi(&other, &vivoldi[0]).is_err() && verify_standard(&other, &standard[0]).is_err());
    // The secret is never shown again.
    let list = app.get(paths::WEBHOOK_LIST).await;
    assert!(!list.text.contains(&vivoldi_new) && !list.text.contains("secret\""), "{}", list.text);
}

/// A well-formed secret that signed nothing.
fn super_secret_of_nobody() -> String {
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode([7u8; 32]))
}

#[tokio::test]
async fn a_dead_delivery_is_sent_again_with_the_same_event_id() {
    let receiver = Receiver::start(Mode::FailAlways).await;
    let app =
        app_with(fast(WebhookConfig { retry_window: Duration::from_millis(1000), ..WebhookConfig::default() })).await;
    let (webhook_idx, secret) = create_webhook(&app, json!({"url": receiver.url("down")})).await;
    let card = app.card(5, None).await;
    app.stamp(card).await;
    let items = app.receive_log(webhook_idx, |items| items[0]["status"] == "DEAD").await;
    let delivery_idx = items[0]["deliveryIdx"].as_i64().expect("deliveryIdx");
    let attempts_before = items[0]["attempts"].as_array().expect("attempts").len();
    // How many attempts fit in the window depends on the machine's load; retries themselves
    // are the failing-receiver test's subject.
    assert!(attempts_before >= 1, "tried before dying: {items:?}");
    assert!(items[0]["attempts"].as_array().expect("attempts").iter().all(|a| a["httpStatus"] == 500));
    let dead = app.get(&format!("{}?status=DEAD", paths::WEBHOOK_DELIVERIES)).await;
    assert_eq!(dead.ok()["items"][0]["deliveryIdx"], delivery_idx);
    receiver.set_mode(Mode::Ok);
    let sent_before = receiver.requests("down").len();
    let again = app.post(paths::WEBHOOK_REDELIVER, json!({"deliveryIdx": delivery_idx})).await;
    assert_eq!(again.ok()["status"], "PENDING");
    let requests = receiver.wait_for("down", "the re-sent event", |r| r.len() > sent_before).await;
    let last = requests.last().expect("a request");
    assert_eq!(last.event_id(), requests[0].event_id());
    assert!(
        requests[..sent_before].iter().all(|r| r.header("x-vivoldi-request-id") != last.header("x-vivoldi-request-id"))
    );
    verify_vivoldi(&secret, last).expect("signed");
    let items = app.receive_log(webhook_idx, |items| items[0]["status"] == "DELIVERED").await;
    assert_eq!(items[0]["attempts"].as_array().expect("attempts").len(), attempts_before + 1);
}

#[tokio::test]
async fn test_events_refusals_and_tenancy() {
    let receiver = Receiver::start(Mode::Ok).await;
    let app = app_with(WebhookConfig { allow_private: false, ..fast(WebhookConfig::default()) }).await;
    app.post(paths::WEBHOOK_CREATE, json!({"url": receiver.url("x")})).await.refused(ErrorCode::InvalidWebhookUrl);
    let https_loopback = format!("https://{}/hooks/x", receiver.addr);
    app.post(paths::WEBHOOK_CREATE, json!({"url": https_loopback})).await.refused(ErrorCode::WebhookAddressNotAllowed);
    app.post(paths::WEBHOOK_CREATE, json!({"url": "https://169.254.169.254/"}))
        .await
        .refused(ErrorCode::WebhookAddressNotAllowed);
    app.post(paths::WEBHOOK_CREATE, json!({"url": "https://shop.example/h", "events": ["stamp.nope"]}))
        .await
        .refused(ErrorCode::InvalidWebhookEvents);
    app.post(paths::WEBHOOK_CREATE, json!({"url": "https://shop.example/h", "format": "xml"}))
        .await
        .refused(ErrorCode::InvalidWebhookFormat);
    app.post(paths::WEBHOOK_CREATE, json!({"url": "https://shop.example/h", "cardIdx": 999_999}))
        .await
        .refused(ErrorCode::CardNotFound);
    app.get(&format!("{}?status=LOST", paths::WEBHOOK_DELIVERIES)).await.refused(ErrorCode::InvalidDeliveryStatus);
    app.get(&format!("{}?cursor=abc", paths::WEBHOOK_DELIVERIES)).await.refused(ErrorCode::InvalidCursor);
    // A public name is accepted (it is resolved and checked again before each attempt).
    let (webhook_idx, _) = create_webhook(&app, json!({"url": "https://shop.example/h"})).await;
    // Another account sees none of it.
    let (_, other_key) = app.other_account(Plan::Personal).await;
    let other = |method: &str, path: &str| app.anonymous(method, path).key(Some(&other_key));
    for (method, path, body) in [
        ("PUT", paths::WEBHOOK_UPDATE.to_owned(), json!({"webhookIdx": webhook_idx, "enabled": false})),
        ("POST", paths::WEBHOOK_ROTATE_SECRET.to_owned(), json!({"webhookIdx": webhook_idx})),
        ("POST", paths::WEBHOOK_TEST.to_owned(), json!({"webhookIdx": webhook_idx})),
    ] {
        other(method, &path).json(&body).send().await.refused(ErrorCode::WebhookNotFound);
    }
    other("DELETE", &format!("{}?webhookIdx={webhook_idx}", paths::WEBHOOK_DELETE))
        .send()
        .await
        .refused(ErrorCode::WebhookNotFound);
    other("GET", &format!("{}?webhookIdx={webhook_idx}", paths::WEBHOOK_DELIVERIES))
        .send()
        .await
        .refused(ErrorCode::WebhookNotFound);
    assert_eq!(other("GET", paths::WEBHOOK_LIST).send().await.ok()["items"], json!([]));
    // Disabled: no events are queued, and test and redeliver refuse.
    let disabled = app.put(paths::WEBHOOK_UPDATE, json!({"webhookIdx": webhook_idx, "enabled": false})).await;
    assert_eq!(disabled.ok()["enabled"], false);
    app.post(paths::WEBHOOK_TEST, json!({"webhookIdx": webhook_idx})).await.refused(ErrorCode::WebhookDisabled);
    let card = app.card(5, None).await;
    app.stamp(card).await;
    let log = app.get(paths::WEBHOOK_DELIVERIES).await;
    assert_eq!(log.ok()["items"], json!([]), "nothing queued for a disabled endpoint");
    app.post(paths::WEBHOOK_REDELIVER, json!({"deliveryIdx": 1})).await.refused(ErrorCode::DeliveryNotFound);
    // At most 20 endpoints.
    for _ in 1..20 {
        create_webhook(&app, json!({"url": "https://shop.example/more"})).await;
    }
    app.post(paths::WEBHOOK_CREATE, json!({"url": "https://shop.example/h"})).await.refused(ErrorCode::TooManyWebhooks);
    app.call("DELETE", &format!("{}?webhookIdx={webhook_idx}", paths::WEBHOOK_DELETE)).send().await.ok();
    app.put(paths::WEBHOOK_UPDATE, json!({"webhookIdx": webhook_idx, "enabled": true}))
        .await
        .refused(ErrorCode::WebhookNotFound);
}

#[tokio::test]
async fn a_test_event_is_signed_and_logged() {
    let receiver = Receiver::start(Mode::Ok).await;
    let app = app_with(fast(WebhookConfig::default())).await;
    let (webhook_idx, secret) = create_webhook(&app, json!({"url": receiver.url("t"), "format": "standard"})).await;
    let queued = app.post(paths::WEBHOOK_TEST, json!({"webhookIdx": webhook_idx})).await;
    assert_eq!(
        (queued.ok()["eventType"].as_str(), queued.ok()["status"].as_str()),
        (Some("webhook.test"), Some("PENDING"))
    );
    let requests = receiver.wait_for("t", "the test event", |r| !r.is_empty()).await;
    verify_standard(&secret, &requests[0]).expect("signed");
    assert_eq!(requests[0].json()["eventType"], "webhook.test");
    app.receive_log(webhook_idx, |items| items[0]["status"] == "DELIVERED").await;
    // The log pages newest first with a cursor.
    for _ in 0..2 {
        app.post(paths::WEBHOOK_TEST, json!({"webhookIdx": webhook_idx})).await.ok();
    }
    let first = app.get(&format!("{}?limit=2", paths::WEBHOOK_DELIVERIES)).await;
    let first = first.ok();
    let cursor = first["nextCursor"].as_str().expect("a next page");
    let second = app.get(&format!("{}?limit=2&cursor={cursor}", paths::WEBHOOK_DELIVERIES)).await;
    let second = second.ok();
    let idxs: Vec<i64> = first["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(second["items"].as_array().expect("items"))
        .map(|item| item["deliveryIdx"].as_i64().expect("deliveryIdx"))
        .collect();
    assert_eq!(idxs, [3, 2, 1]);
    assert_eq!(second["nextCursor"], Value::Null);
}

/// Starts a `stampcard serve` child that sends webhooks quickly to 127.0.0.1.
async fn start_sender(database_url: &str, dir: &std::path::Path, n: usize) -> Server {
    Server::start_with(
        database_url,
        dir,
        n,
        &[
            ("STAMPCARD_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("STAMPCARD_WEBHOOK_POLL_MS", "20"),
            ("STAMPCARD_WEBHOOK_BACKOFF_BASE_MS", "50"),
            ("STAMPCARD_WEBHOOK_BACKOFF_CAP_MS", "200"),
            ("STAMPCARD_WEBHOOK_LEASE_MS", "6000"),
        ],
    )
    .await
}

/// An account with a key, a card and a webhook to `url`, made with the command line.
async fn seed_with_cli(database_url: &str, url: &str) -> (String, i64) {
    let account = cli(database_url, &["account", "create", "--name", "Shop", "--plan", "personal"]).await;
    let account_idx = account["accountIdx"].as_i64().expect("accountIdx").to_string();
    let webhook =
        cli(database_url, &["webhook", "create", "--account", &account_idx, "--url", url, "--allow-private"]).await;
    assert!(webhook["secret"].as_str().is_some_and(|s| s.starts_with("whsec_")), "{webhook}");
    let card =
        cli(database_url, &["card", "create", "--account", &account_idx, "--card-nm", "Coffee", "--max-stamps", "10"])
            .await;
    (account["apiKey"].as_str().expect("apiKey").to_owned(), card["cardIdx"].as_i64().expect("cardIdx"))
}

async fn create_stamp(client: &reqwest::Client, url: &str, key: &str, card_idx: i64) {
    let today = Clock::system().today();
    let body = json!({"cardIdx": card_idx, "strtYmd": today.to_string(), "endYmd": (today + chrono::Days::new(30)).to_string()});
    let response = client
        .post(format!("{url}/api/stamp/v1/create"))
        .header("Authorization", format!("APIKey {key}"))
        .json(&body)
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_server_killed_mid_delivery_delivers_after_its_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let database_url = Backend::from_env().fresh_database_url(&dir).await;
    // The first attempt hangs until the server is gone; the restarted one gets 200.
    let receiver = Receiver::start(Mode::HangFirst(Duration::from_secs(4))).await;
    let (key, card_idx) = seed_with_cli(&database_url, &receiver.url("k")).await;
    let mut server = start_sender(&database_url, dir.path(), 1).await;
    create_stamp(&reqwest::Client::new(), &server.url, &key, card_idx).await;
    receiver.wait_for("k", "the first attempt", |r| !r.is_empty()).await;
    server.kill();
    let restarted = start_sender(&database_url, dir.path(), 2).await;
    // The killed attempt's lease runs out, then the restarted server sends it again.
    let requests = receiver.wait_for("k", "the attempt after the restart", |r| r.len() >= 2).await;
    assert_eq!(requests[0].event_id(), requests[1].event_id());
    assert_ne!(requests[0].header("x-vivoldi-request-id"), requests[1].header("x-vivoldi-request-id"));
    drop(restarted);
}

#[tokio::test]
async fn two_servers_on_one_database_never_send_one_attempt_twice() {
    let dir = tempfile::tempdir().expect("dir");
    let database_url = Backend::from_env().fresh_database_url(&dir).await;
    let receiver = Receiver::start(Mode::Ok).await;
    let (key, card_idx) = seed_with_cli(&database_url, &receiver.url("two")).await;
    let servers = [start_sender(&database_url, dir.path(), 1).await, start_sender(&database_url, dir.path(), 2).await];
    let client = reqwest::Client::new();
    const STAMPS: usize = 40;
    for i in 0..STAMPS {
        create_stamp(&client, &servers[i % 2].url, &key, card_idx).await;
    }
    let requests = receiver.wait_for("two", "every event", |r| distinct_events(r).len() >= STAMPS).await;
    // Every attempt answered 200 within the lease, so each event was sent exactly once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests_after = receiver.requests("two");
    let mut per_event: BTreeMap<String, usize> = BTreeMap::new();
    for request in &requests_after {
        *per_event.entry(request.event_id()).or_default() += 1;
    }
    assert_eq!(per_event.len(), STAMPS, "{} requests", requests.len());
    assert!(per_event.values().all(|n| *n == 1), "an attempt was sent twice: {per_event:?}");
    drop(servers);
}
