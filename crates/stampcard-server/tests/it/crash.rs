//! Kill -9 under load, ten rounds on one database: the real `stampcard serve` takes
//! concurrent adds and concurrent copies of keyed adds, is killed with SIGKILL while requests
//! are in flight, and restarts on the same database. Every add it acknowledged is there,
//! nothing is applied twice (one ADD event per stamp counted, at most one effect per
//! `Idempotency-Key`, and a retry after the restart replays the stored answer), and on SQLite
//! the file passes `PRAGMA integrity_check`. With `--nocapture` it prints the figures that
//! docs/reliability.md quotes; another test checks that every test that document names exists.

use std::hash::{BuildHasher, RandomState};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::helpers::Backend;
use crate::process::{STEP_TIMEOUT, Server, cli};

/// Kill-and-restart rounds, all on one database.
const ROUNDS: usize = 10;
/// Stamps taking plain (unkeyed) adds in a round.
const ADD_STAMPS: usize = 16;
/// Client tasks sending plain adds, round-robin over the round's stamps.
const ADD_CLIENTS: usize = 16;
/// Client tasks sending keyed adds: each creates a stamp, then sends [`COPIES`] concurrent
/// copies of one add with one `Idempotency-Key` on it, then the next key, until the kill.
const KEY_CLIENTS: usize = 3;
/// Concurrent copies of each keyed add.
const COPIES: usize = 6;
/// The card's size; a stamp never gets more adds sent than this, so no add is refused as full.
const MAX_STAMPS: u32 = 100;
/// The kill comes this long after the load starts, plus a random part below [`KILL_SPREAD_MS`].
const KILL_AFTER_MS: u64 = 40;
/// See [`KILL_AFTER_MS`].
const KILL_SPREAD_MS: u64 = 460;
/// The longest one request may take: the test fails instead of hanging.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest the whole test may take.
const TEST_TIMEOUT: Duration = Duration::from_secs(150);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_concurrent_writes_keeps_every_acknowledged_write_once() {
    timeout(TEST_TIMEOUT, crash_rounds()).await.expect("the crash test did not finish in time");
}

async fn crash_rounds() {
    let started = Instant::now();
    let backend = Backend::from_env();
    let backend_name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres(_) => "PostgreSQL",
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = backend.fresh_database_url(&dir).await;
    let sqlite_file = matches!(backend, Backend::Sqlite).then(|| dir.path().join("stampcard.db"));

    // The account, its key and the card come from the command line, as an operator makes them.
    let account = cli(&database_url, &["account", "create", "--name", "Crash shop", "--plan", "personal"]).await;
    let account_idx = account["accountIdx"].as_i64().expect("accountIdx").to_string();
    let api_key = account["apiKey"].as_str().expect("apiKey").to_owned();
    let max_stamps = MAX_STAMPS.to_string();
    let card = cli(
        &database_url,
        &["card", "create", "--account", &account_idx, "--card-nm", "Crash card", "--max-stamps", &max_stamps],
    )
    .await;
    let card_idx = card["cardIdx"].as_i64().expect("cardIdx");

    let random = RandomState::new();
    let mut server = Server::start(&database_url, dir.path(), 0).await;
    let mut totals = Figures::default();
    for round in 0..ROUNDS {
        let round_started = Instant::now();
        let api = Api::new(&server.url, &api_key);
        let delay = Duration::from_millis(KILL_AFTER_MS + random.hash_one(round) % KILL_SPREAD_MS);
        let load = load_and_kill(&api, &mut server, card_idx, round, delay).await;
        // PostgreSQL was not killed, only its client: there is no file of ours to check.
        let integrity = match &sqlite_file {
            Some(path) => {
                let integrity = integrity_check(path).await;
                assert_eq!(integrity, "ok", "round {round}: PRAGMA integrity_check after the kill");
                "integrity_check ok; "
            }
            None => "",
        };

        server = Server::start(&database_url, dir.path(), round + 1).await;
        let api = Api::new(&server.url, &api_key);
        let figures = verify(&api, &load, round).await;
        eprintln!(
            "crash round {round} ({backend_name}): killed after {} ms with {} adds in flight ({} of them keyed); \
             adds {} sent, {} acknowledged, {} applied; keys {} sent, {} acknowledged, {} applied before the kill, \
             retried after the restart: {} replayed, {} applied by the retry; {integrity}{:.1} s",
            delay.as_millis(),
            load.in_flight_at_kill,
            load.keyed_in_flight_at_kill,
            figures.adds_sent,
            figures.adds_acknowledged,
            figures.adds_applied,
            figures.keys_sent,
            figures.keys_acknowledged,
            figures.keys_applied_before_kill,
            figures.keys_replayed,
            figures.keys_applied_by_retry,
            round_started.elapsed().as_secs_f64(),
        );
        totals.add(&figures);
        totals.in_flight_at_kill.push(load.in_flight_at_kill);
    }
    server.kill();
    if let Some(path) = &sqlite_file {
        assert_eq!(integrity_check(path).await, "ok", "PRAGMA integrity_check at the end");
    }
    let in_flight: usize = totals.in_flight_at_kill.iter().sum();
    eprintln!(
        "crash test ({backend_name}): {ROUNDS} rounds in {:.1} s; adds {} sent, {} acknowledged, {} applied \
         (every acknowledged one present, none twice); adds in flight at the kills: {in_flight} \
         (per round {} to {}); keyed adds ({COPIES} concurrent copies per key): {} keys sent, {} acknowledged, \
         {} applied before the kill, after the restart {} retries replayed and {} applied, each key applied once",
        started.elapsed().as_secs_f64(),
        totals.adds_sent,
        totals.adds_acknowledged,
        totals.adds_applied,
        totals.in_flight_at_kill.iter().min().copied().unwrap_or_default(),
        totals.in_flight_at_kill.iter().max().copied().unwrap_or_default(),
        totals.keys_sent,
        totals.keys_acknowledged,
        totals.keys_applied_before_kill,
        totals.keys_replayed,
        totals.keys_applied_by_retry,
    );
    assert!(in_flight > 0, "no kill caught an add in flight: the test proved nothing");
}

/// What one round counted, and the sums over all rounds.
#[derive(Debug, Default)]
struct Figures {
    adds_sent: u32,
    adds_acknowledged: u32,
    adds_applied: u32,
    keys_sent: u32,
    keys_acknowledged: u32,
    keys_applied_before_kill: u32,
    keys_replayed: u32,
    keys_applied_by_retry: u32,
    in_flight_at_kill: Vec<usize>,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.adds_sent += other.adds_sent;
        self.adds_acknowledged += other.adds_acknowledged;
        self.adds_applied += other.adds_applied;
        self.keys_sent += other.keys_sent;
        self.keys_acknowledged += other.keys_acknowledged;
        self.keys_applied_before_kill += other.keys_applied_before_kill;
        self.keys_replayed += other.keys_replayed;
        self.keys_applied_by_retry += other.keys_applied_by_retry;
    }
}

/// A plain-add stamp of a round and what the clients know about it.
struct AddStamp {
    stamp_idx: i64,
    /// Adds sent (answered or not).
    sent: AtomicU32,
    /// Adds answered 200 with code 0: the server promised these are stored.
    acknowledged: AtomicU32,
}

/// A keyed add of a round: its key, its own stamp, and its copies' answers.
#[derive(Debug)]
struct KeyedAdd {
    key: String,
    stamp_idx: i64,
    /// Copies answered 200 with code 0.
    acknowledged: u32,
    /// Of those, copies answered without `Idempotency-Replayed`: the ones that applied it.
    applied_answers: u32,
}

/// What a round's clients saw before and at the kill.
struct Load {
    add_stamps: Vec<AddStamp>,
    keyed: Vec<KeyedAdd>,
    in_flight_at_kill: usize,
    keyed_in_flight_at_kill: usize,
}

/// The shared state of a round's client tasks.
struct Round {
    api: Api,
    add_stamps: Vec<AddStamp>,
    next_add: AtomicUsize,
    keyed: Mutex<Vec<KeyedAdd>>,
    in_flight: AtomicUsize,
    keyed_in_flight: AtomicUsize,
    /// Set just before the kill: a request failing after it was cut off by the kill, one
    /// failing before it is a fault.
    killed: AtomicBool,
    /// Answers that are neither an acknowledgement nor a connection cut by the kill.
    faults: Mutex<Vec<String>>,
    card_idx: i64,
    round: usize,
}

/// How a request ended.
enum Outcome {
    /// 200 with code 0; `replayed` when `Idempotency-Replayed: true` came with it.
    Acknowledged { replayed: bool },
    /// Any other answer.
    Refused(String),
    /// No (complete) answer: the connection failed.
    Cut(String),
}

/// Starts a round's load on the running server, kills it with SIGKILL after `delay` while
/// requests are in flight, and returns what the clients saw once every client has stopped.
async fn load_and_kill(api: &Api, server: &mut Server, card_idx: i64, round: usize, delay: Duration) -> Load {
    // The plain adds' stamps and each key client's first stamp exist before the load starts,
    // so even an early kill finds both kinds of request in flight.
    let mut creates = JoinSet::new();
    for _ in 0..ADD_STAMPS + KEY_CLIENTS {
        let api = api.clone();
        creates.spawn(async move { api.create_stamp(card_idx).await });
    }
    let mut stamps = Vec::new();
    while let Some(created) = timeout(STEP_TIMEOUT, creates.join_next()).await.expect("stamps created in time") {
        match created.expect("create task") {
            Ok(stamp_idx) => stamps.push(stamp_idx),
            Err(Outcome::Refused(answer) | Outcome::Cut(answer)) => panic!("round {round}: create: {answer}"),
            Err(Outcome::Acknowledged { .. }) => unreachable!("an acknowledgement is Ok"),
        }
    }
    let first_key_stamps = stamps.split_off(ADD_STAMPS);
    let add_stamps = stamps
        .into_iter()
        .map(|stamp_idx| AddStamp { stamp_idx, sent: AtomicU32::new(0), acknowledged: AtomicU32::new(0) })
        .collect();
    let state = Arc::new(Round {
        api: api.clone(),
        add_stamps,
        next_add: AtomicUsize::new(0),
        keyed: Mutex::new(Vec::new()),
        in_flight: AtomicUsize::new(0),
        keyed_in_flight: AtomicUsize::new(0),
        killed: AtomicBool::new(false),
        faults: Mutex::new(Vec::new()),
        card_idx,
        round,
    });
    let mut clients = JoinSet::new();
    for _ in 0..ADD_CLIENTS {
        clients.spawn(add_client(state.clone()));
    }
    for (client, first_stamp) in first_key_stamps.into_iter().enumerate() {
        clients.spawn(key_client(state.clone(), client, first_stamp));
    }

    tokio::time::sleep(delay).await;
    state.killed.store(true, Ordering::SeqCst);
    let in_flight_at_kill = state.in_flight.load(Ordering::SeqCst);
    let keyed_in_flight_at_kill = state.keyed_in_flight.load(Ordering::SeqCst);
    server.kill();

    while let Some(done) = timeout(STEP_TIMEOUT, clients.join_next())
        .await
        .unwrap_or_else(|_| panic!("round {round}: clients still running {STEP_TIMEOUT:?} after the kill"))
    {
        done.expect("client task");
    }
    let faults = std::mem::take(&mut *state.faults.lock().expect("faults"));
    assert!(faults.is_empty(), "round {round}: answers before the kill that were not acknowledgements: {faults:?}");
    let state = Arc::into_inner(state).expect("every client has stopped");
    Load {
        add_stamps: state.add_stamps,
        keyed: state.keyed.into_inner().expect("keyed"),
        in_flight_at_kill,
        keyed_in_flight_at_kill,
    }
}

impl Round {
    fn killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    /// Records an answer that must not happen; a cut connection is one only before the kill.
    fn fault(&self, what: &str, outcome: &Outcome) {
        let text = match outcome {
            Outcome::Acknowledged { .. } => return,
            Outcome::Refused(answer) => answer.clone(),
            Outcome::Cut(_) if self.killed() => return,
            Outcome::Cut(error) => format!("connection failed before the kill: {error}"),
        };
        self.faults.lock().expect("faults").push(format!("{what}: {text}"));
    }
}

/// Sends plain adds round-robin over the round's stamps until the kill cuts it off.
async fn add_client(round: Arc<Round>) {
    while !round.killed() {
        let next = round.next_add.fetch_add(1, Ordering::SeqCst) % round.add_stamps.len();
        let stamp = &round.add_stamps[next];
        if stamp.sent.fetch_add(1, Ordering::SeqCst) >= MAX_STAMPS {
            // Full: the stamps are spread evenly, so the others are about as full too.
            stamp.sent.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        round.in_flight.fetch_add(1, Ordering::SeqCst);
        let outcome = round.api.add(stamp.stamp_idx, None).await;
        round.in_flight.fetch_sub(1, Ordering::SeqCst);
        // Only a complete 200 answer counts: the server answers after the commit.
        match outcome {
            Outcome::Acknowledged { .. } => {
                stamp.acknowledged.fetch_add(1, Ordering::SeqCst);
            }
            Outcome::Refused(_) => round.fault(&format!("add to stamp {}", stamp.stamp_idx), &outcome),
            Outcome::Cut(_) => {
                round.fault(&format!("add to stamp {}", stamp.stamp_idx), &outcome);
                return;
            }
        }
    }
}

/// Sends [`COPIES`] concurrent copies of one keyed add to a stamp of its own, then makes the
/// next key's stamp, key after key, until the kill cuts it off.
async fn key_client(round: Arc<Round>, client: usize, first_stamp: i64) {
    let mut stamp_idx = first_stamp;
    for n in 0.. {
        if n > 0 {
            if round.killed() {
                return;
            }
            stamp_idx = match round.api.create_stamp(round.card_idx).await {
                Ok(stamp_idx) => stamp_idx,
                Err(outcome) => {
                    round.fault("create a stamp for a key", &outcome);
                    return;
                }
            };
        }
        let key = format!("crash-{}-{client}-{n}", round.round);
        let mut copies = JoinSet::new();
        round.keyed_in_flight.fetch_add(COPIES, Ordering::SeqCst);
        round.in_flight.fetch_add(COPIES, Ordering::SeqCst);
        for _ in 0..COPIES {
            let (round, key) = (round.clone(), key.clone());
            copies.spawn(async move {
                let outcome = round.api.add(stamp_idx, Some(&key)).await;
                round.in_flight.fetch_sub(1, Ordering::SeqCst);
                round.keyed_in_flight.fetch_sub(1, Ordering::SeqCst);
                outcome
            });
        }
        let mut keyed = KeyedAdd { key, stamp_idx, acknowledged: 0, applied_answers: 0 };
        let mut cut = false;
        while let Some(outcome) = copies.join_next().await {
            let outcome = outcome.expect("copy task");
            match outcome {
                Outcome::Acknowledged { replayed } => {
                    keyed.acknowledged += 1;
                    keyed.applied_answers += u32::from(!replayed);
                }
                Outcome::Refused(_) => round.fault(&format!("keyed add {}", keyed.key), &outcome),
                Outcome::Cut(_) => {
                    round.fault(&format!("keyed add {}", keyed.key), &outcome);
                    cut = true;
                }
            }
        }
        round.keyed.lock().expect("keyed").push(keyed);
        if cut {
            return;
        }
    }
}

/// On the restarted server: every acknowledged add is there, no add is there twice, each key
/// had at most one effect, and retrying a key replays its stored answer if it had one.
async fn verify(api: &Api, load: &Load, round: usize) -> Figures {
    let mut figures = Figures::default();
    for stamp in &load.add_stamps {
        let (sent, acknowledged) = (stamp.sent.load(Ordering::SeqCst), stamp.acknowledged.load(Ordering::SeqCst));
        let applied = api.applied_adds(stamp.stamp_idx).await;
        assert!(
            applied >= acknowledged,
            "round {round}: stamp {} holds {applied} stamps but {acknowledged} adds were acknowledged: \
             an acknowledged write was lost",
            stamp.stamp_idx
        );
        assert!(
            applied <= sent,
            "round {round}: stamp {} holds {applied} stamps from {sent} adds sent: a write was applied twice",
            stamp.stamp_idx
        );
        figures.adds_sent += sent;
        figures.adds_acknowledged += acknowledged;
        figures.adds_applied += applied;
    }
    for keyed in &load.keyed {
        let applied = api.applied_adds(keyed.stamp_idx).await;
        assert!(applied <= 1, "round {round}: key {} was applied {applied} times", keyed.key);
        assert!(
            keyed.applied_answers <= 1,
            "round {round}: key {}: {} copies answered as the first application",
            keyed.key,
            keyed.applied_answers
        );
        assert!(
            keyed.acknowledged == 0 || applied == 1,
            "round {round}: key {} was acknowledged {} times but is not applied: an acknowledged write was lost",
            keyed.key,
            keyed.acknowledged
        );
        // The client retries after the restart, as a shop's server would after a cut connection.
        let retry = api.add(keyed.stamp_idx, Some(&keyed.key)).await;
        let Outcome::Acknowledged { replayed } = retry else {
            panic!("round {round}: retrying key {} after the restart failed", keyed.key)
        };
        assert_eq!(
            replayed,
            applied == 1,
            "round {round}: key {} retried after the restart: applied before {applied}, replayed {replayed}",
            keyed.key
        );
        assert_eq!(api.applied_adds(keyed.stamp_idx).await, 1, "round {round}: key {} after its retry", keyed.key);
        figures.keys_sent += 1;
        figures.keys_acknowledged += u32::from(keyed.acknowledged > 0);
        figures.keys_applied_before_kill += applied;
        figures.keys_replayed += u32::from(replayed);
        figures.keys_applied_by_retry += u32::from(!replayed);
    }
    figures
}

/// The stamp API of one running server with the test account's key.
#[derive(Clone)]
struct Api {
    url: String,
    key: String,
    client: reqwest::Client,
}

impl Api {
    /// A new client for each server, so no pooled connection to a killed one is reused.
    fn new(url: &str, key: &str) -> Api {
        let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("client");
        Api { url: url.to_owned(), key: key.to_owned(), client }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>, idem: Option<&str>) -> Outcome {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.url))
            .header("Authorization", format!("APIKey {}", self.key));
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body.to_string());
        }
        if let Some(key) = idem {
            request = request.header("Idempotency-Key", key);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Outcome::Cut(error.to_string()),
        };
        let status = response.status().as_u16();
        let replayed = response.headers().get("idempotency-replayed").is_some_and(|v| v == "true");
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return Outcome::Cut(error.to_string()),
        };
        let envelope: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status == 200 && envelope["code"] == 0 {
            Outcome::Acknowledged { replayed }
        } else {
            Outcome::Refused(format!("{status} {}", String::from_utf8_lossy(&body)))
        }
    }

    /// `GET path`, asserting success; returns `result`.
    async fn get(&self, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .header("Authorization", format!("APIKey {}", self.key))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        let envelope: Value = response.json().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!((status, &envelope["code"]), (200, &json!(0)), "GET {path}: {envelope}");
        envelope["result"].clone()
    }

    async fn add(&self, stamp_idx: i64, idem: Option<&str>) -> Outcome {
        self.send(reqwest::Method::PUT, "/api/stamp/v1/add", Some(json!({"stampIdx": stamp_idx})), idem).await
    }

    /// Creates a stamp valid for a month; returns its stampIdx, or how the request ended.
    async fn create_stamp(&self, card_idx: i64) -> Result<i64, Outcome> {
        let today = chrono::Utc::now().date_naive();
        let end = today + chrono::Days::new(30);
        let body = json!({"cardIdx": card_idx, "strtYmd": today.to_string(), "endYmd": end.to_string()});
        let response = self
            .client
            .post(format!("{}/api/stamp/v1/create", self.url))
            .header("Authorization", format!("APIKey {}", self.key))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| Outcome::Cut(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| Outcome::Cut(e.to_string()))?;
        let envelope: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        match (status, envelope["result"].as_i64()) {
            (200, Some(stamp_idx)) => Ok(stamp_idx),
            _ => Err(Outcome::Refused(format!("{status} {}", String::from_utf8_lossy(&body)))),
        }
    }

    /// The adds applied to a stamp that only ever took adds, checked two ways: the count the
    /// stamp holds equals its ADD events, which follow its creation and count up by one each.
    async fn applied_adds(&self, stamp_idx: i64) -> u32 {
        let count =
            self.get(&format!("/api/stamp/v1/validate?stampIdx={stamp_idx}")).await["stamps"].as_u64().expect("stamps");
        let history = self.get(&format!("/api/stamp/v1/history?stampIdx={stamp_idx}")).await;
        let events = history.as_array().expect("history");
        let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap_or("?")).collect();
        assert_eq!(actions.first(), Some(&"CREATE"), "stamp {stamp_idx}: {history}");
        for (n, event) in events.iter().enumerate().skip(1) {
            assert_eq!(event["action"], "ADD", "stamp {stamp_idx}: only adds were sent: {history}");
            assert_eq!(
                (event["stampsBefore"].as_u64(), event["stampsAfter"].as_u64()),
                (Some(n as u64 - 1), Some(n as u64)),
                "stamp {stamp_idx}: ADD events count up by one: {history}"
            );
        }
        let adds = events.len() as u64 - 1;
        assert_eq!(count, adds, "stamp {stamp_idx} holds {count} stamps but has {adds} ADD events: {history}");
        u32::try_from(adds).expect("adds")
    }
}

/// `PRAGMA integrity_check` on the SQLite file a killed server left, read-only so the WAL
/// stays for the restarted server to recover; "ok" when the file is sound.
async fn integrity_check(path: &Path) -> String {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
    let mut connection = timeout(STEP_TIMEOUT, sqlx::SqliteConnection::connect_with(&options))
        .await
        .expect("open the SQLite file in time")
        .expect("open the SQLite file");
    let rows: Vec<String> =
        timeout(STEP_TIMEOUT, sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut connection))
            .await
            .expect("integrity_check in time")
            .expect("integrity_check");
    connection.close().await.expect("close");
    rows.join("; ")
}

/// docs/reliability.md says which test checks each guarantee: every `file.rs` `function` it
/// names must exist, so renaming or deleting a test cannot leave the document claiming it.
#[test]
fn reliability_doc_names_tests_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/reliability.md")).expect("docs/reliability.md");
    let test_dirs = [root.join("crates/stampcard-server/tests/it"), root.join("crates/stampcard-core/tests/it")];
    let mut named = 0;
    for line in doc.lines().filter(|line| line.starts_with('|')) {
        // Backticked words in order: a file name, then the test functions in it (snake_case
        // words with an underscore; codes and headers are not test names).
        let mut file: Option<(String, String, usize)> = None;
        for word in line.split('`').skip(1).step_by(2) {
            if let Some(stem) = word.strip_suffix(".rs") {
                if let Some((previous, _, 0)) = &file {
                    panic!("docs/reliability.md names {previous}.rs but none of its tests: {line}");
                }
                let path = test_dirs.iter().map(|dir| dir.join(word)).find(|path| path.exists());
                let path = path.unwrap_or_else(|| panic!("docs/reliability.md names {word}, which is no test file"));
                file = Some((stem.to_owned(), std::fs::read_to_string(path).expect("test file"), 0));
            } else if let Some((stem, source, tests)) = &mut file
                && word.starts_with(|c: char| c.is_ascii_lowercase())
                && word.contains('_')
                && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                assert!(
                    source.contains(&format!("fn {word}(")),
                    "docs/reliability.md names {stem}.rs {word}, which {stem}.rs does not define"
                );
                *tests += 1;
                named += 1;
            }
        }
        if let Some((stem, _, tests)) = file {
            assert!(tests > 0, "docs/reliability.md names {stem}.rs but none of its tests: {line}");
        }
    }
    assert!(named > 0, "docs/reliability.md names no test");
}
