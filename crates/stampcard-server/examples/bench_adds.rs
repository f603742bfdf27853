//! Benchmark (run by `cargo xtask bench`, not a test): durable adds against the real `stampcard`
//! server process, which this example starts (and stops) itself:
//!
//! - **adds**: a raw one-transaction-per-update SQLite loop (WAL, `synchronous=FULL`) and
//!   `PUT /api/stamp/v1/add` at 64 connections in alternating rounds (A B A B ...); the figure
//!   is the median of the rounds' ratios, so machine drift moves both sides of each ratio;
//! - **latency** at a fixed offered load (open loop: each add is sent at its scheduled time
//!   whatever the answers before it, and timed from that time, so a stall is not hidden);
//! - the server's **CPU time per add** (`/proc/PID/stat` utime + stime, before and after);
//! - **reads**: `GET /api/stamp/v1/validate` against `GET /healthz` of the same server, in
//!   alternating rounds at the same number of connections;
//! - **postgres** (when `BENCH_POSTGRES_URL` is set): the same adds on a second server over
//!   that database (the caller measures `pgbench` on the same PostgreSQL).
//!
//! Prints one JSON line at the end (see [`main`]). Talks to 127.0.0.1 only, every phase is
//! bounded in time, and the servers are stopped by PID (SIGTERM) also on failure.
//!
//! Environment: `STAMPCARD_BIN` (the server binary, required), `STAMPCARD_WWW` (its www/),
//! `BENCH_ROUNDS` (5), `BENCH_ROUND_SECS` (2), `BENCH_CONNECTIONS` (64), `BENCH_OPEN_RATE`
//! (2000 adds/s), `BENCH_OPEN_SECS` (5), `BENCH_POSTGRES_URL` (unset: no PostgreSQL run).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

/// Stamps a stamp holds: a stamp takes exactly this many adds, then the next one is used.
const MAX_STAMPS: usize = 100;
/// How long one request may take before the run fails (a stuck server must not hang it).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The knobs, from the environment (the smoke run in `cargo xtask test` makes them tiny).
struct Settings {
    bin: PathBuf,
    www: PathBuf,
    rounds: usize,
    round: Duration,
    connections: usize,
    open_rate: f64,
    open_time: Duration,
    postgres_url: Option<String>,
}

impl Settings {
    fn from_env() -> anyhow::Result<Settings> {
        fn number(name: &str, default: f64) -> anyhow::Result<f64> {
            match std::env::var(name) {
                Ok(text) => text.parse().with_context(|| format!("{name}={text:?} is not a number")),
                Err(_) => Ok(default),
            }
        }
        let bin = PathBuf::from(std::env::var("STAMPCARD_BIN").context("set STAMPCARD_BIN to the stampcard binary")?);
        let www = std::env::var("STAMPCARD_WWW").map_or_else(|_| PathBuf::from("www"), PathBuf::from);
        Ok(Settings {
            bin,
            www,
            rounds: number("BENCH_ROUNDS", 5.0)?.max(1.0) as usize,
            round: Duration::from_secs_f64(number("BENCH_ROUND_SECS", 2.0)?),
            connections: number("BENCH_CONNECTIONS", 64.0)?.max(1.0) as usize,
            open_rate: number("BENCH_OPEN_RATE", 2000.0)?,
            open_time: Duration::from_secs_f64(number("BENCH_OPEN_SECS", 5.0)?),
            postgres_url: std::env::var("BENCH_POSTGRES_URL").ok().filter(|url| !url.is_empty()),
        })
    }
}

/// Prints, as its last stdout line:
/// `{"adds": {"loopPerSec", "httpPerSec", "ratio", "p50MsAt2000", "p99MsAt2000", "maxMsAt2000",
/// "serverCpuUsPerAdd", "healthzCpuUsPerRequest", "rounds": [[loop, http], ..]},
/// "reads": {"validatePerSec", "trivialPerSec", "ratio"}, "postgres": {"addsPerSec"} | null}`.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let dir = tempfile::tempdir()?;
    let sqlite_url = format!("sqlite://{}", dir.path().join("server.db").display());
    let server = Server::start(&settings, &sqlite_url, dir.path()).await?;
    let outcome = sqlite_run(&settings, &server, dir.path()).await;
    server.stop().await;
    let (adds, reads) = outcome?;

    let postgres = match &settings.postgres_url {
        Some(url) => {
            let server = Server::start(&settings, url, dir.path()).await?;
            let outcome = postgres_run(&settings, &server).await;
            server.stop().await;
            outcome?
        }
        None => Value::Null,
    };
    println!("{}", json!({"adds": adds, "reads": reads, "postgres": postgres}));
    Ok(())
}

async fn sqlite_run(settings: &Settings, server: &Arc<Server>, dir: &Path) -> anyhow::Result<(Value, Value)> {
    // Adds: raw loop and HTTP in alternating rounds; the server's CPU over the HTTP rounds.
    let mut rounds = Vec::new();
    let (mut cpu_ticks, mut adds_done) = (0u64, 0usize);
    for round in 0..settings.rounds {
        let loop_per_sec = raw_loop(&dir.join(format!("loop-{round}.db")), settings.round).await?;
        let before = server.cpu_ticks()?;
        let (done, secs) = server.adds(settings.connections, settings.round).await?;
        cpu_ticks += server.cpu_ticks()? - before;
        adds_done += done;
        let http_per_sec = done as f64 / secs;
        eprintln!(
            "adds round {}: raw loop {loop_per_sec:.0}/s, HTTP {http_per_sec:.0}/s ({:.2}x)",
            round + 1,
            http_per_sec / loop_per_sec
        );
        rounds.push((loop_per_sec, http_per_sec));
    }
    let ratio = median(rounds.iter().map(|(raw, http)| http / raw).collect());
    let loop_per_sec = median(rounds.iter().map(|r| r.0).collect());
    let http_per_sec = median(rounds.iter().map(|r| r.1).collect());
    let cpu_us_per_add = ticks_to_us(cpu_ticks) / adds_done.max(1) as f64;

    let latencies = server.open_loop(settings.open_rate, settings.open_time).await?;
    let (p50, p99, max) = (percentile(&latencies, 0.50), percentile(&latencies, 0.99), percentile(&latencies, 1.0));
    eprintln!(
        "open loop at {:.0} adds/s for {:.1} s: {} adds, p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms",
        settings.open_rate,
        settings.open_time.as_secs_f64(),
        latencies.len()
    );

    // Reads: validate against the trivial route, alternating, same connections.
    let mut read_rounds = Vec::new();
    let (mut healthz_ticks, mut healthz_done) = (0u64, 0usize);
    for round in 0..settings.rounds {
        let (validates, validate_secs) = server.reads(Read::Validate, settings.connections, settings.round).await?;
        let before = server.cpu_ticks()?;
        let (trivial, trivial_secs) = server.reads(Read::Healthz, settings.connections, settings.round).await?;
        healthz_ticks += server.cpu_ticks()? - before;
        healthz_done += trivial;
        let (validate, trivial) = (validates as f64 / validate_secs, trivial as f64 / trivial_secs);
        eprintln!(
            "reads round {}: validate {validate:.0}/s, /healthz {trivial:.0}/s ({:.2}x)",
            round + 1,
            validate / trivial
        );
        read_rounds.push((validate, trivial));
    }
    let healthz_cpu = ticks_to_us(healthz_ticks) / healthz_done.max(1) as f64;
    eprintln!("server CPU: {cpu_us_per_add:.0} µs per add, {healthz_cpu:.0} µs per /healthz");

    let adds = json!({
        "loopPerSec": loop_per_sec.round(),
        "httpPerSec": http_per_sec.round(),
        "ratio": round2(ratio),
        "p50MsAt2000": round2(p50),
        "p99MsAt2000": round2(p99),
        "maxMsAt2000": round2(max),
        "serverCpuUsPerAdd": cpu_us_per_add.round(),
        "healthzCpuUsPerRequest": healthz_cpu.round(),
        "rounds": rounds.iter().map(|(raw, http)| json!([raw.round(), http.round()])).collect::<Vec<_>>(),
    });
    let reads = json!({
        "validatePerSec": median(read_rounds.iter().map(|r| r.0).collect()).round(),
        "trivialPerSec": median(read_rounds.iter().map(|r| r.1).collect()).round(),
        "ratio": round2(median(read_rounds.iter().map(|(v, t)| v / t).collect())),
    });
    Ok((adds, reads))
}

async fn postgres_run(settings: &Settings, server: &Arc<Server>) -> anyhow::Result<Value> {
    let mut per_sec = Vec::new();
    let (mut cpu_ticks, mut adds_done) = (0u64, 0usize);
    for round in 0..settings.rounds {
        let before = server.cpu_ticks()?;
        let (done, secs) = server.adds(settings.connections, settings.round).await?;
        cpu_ticks += server.cpu_ticks()? - before;
        adds_done += done;
        eprintln!("PostgreSQL adds round {}: {:.0}/s", round + 1, done as f64 / secs);
        per_sec.push(done as f64 / secs);
    }
    let cpu = ticks_to_us(cpu_ticks) / adds_done.max(1) as f64;
    eprintln!("server CPU on PostgreSQL: {cpu:.0} µs per add");
    Ok(json!({"addsPerSec": median(per_sec).round(), "serverCpuUsPerAdd": cpu.round()}))
}

/// The baseline: one connection, `BEGIN; UPDATE; INSERT history; COMMIT` per stamp, as a plain
/// server without group commit would do it, for `time`. Updates per second.
async fn raw_loop(path: &Path, time: Duration) -> anyhow::Result<f64> {
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
    let mut updates = 0usize;
    while updates == 0 || start.elapsed() < time {
        let mut tx = conn.begin().await?;
        sqlx::query("UPDATE stamps SET stamps = stamps + 1 WHERE stamp_idx = 1").execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO events (stamp_idx, stamps_after) SELECT stamp_idx, stamps FROM stamps WHERE stamp_idx = 1",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        updates += 1;
    }
    let per_sec = updates as f64 / start.elapsed().as_secs_f64();
    conn.close().await?;
    std::fs::remove_file(path).ok();
    Ok(per_sec)
}

#[derive(Clone, Copy)]
enum Read {
    Validate,
    Healthz,
}

/// A `stampcard serve` child process with an account, an API key and a card.
struct Server {
    child: Mutex<Child>,
    pid: u32,
    url: String,
    auth: String,
    card_idx: i64,
    client: reqwest::Client,
    /// Stamps created and not yet handed to an adder; each takes [`MAX_STAMPS`] adds.
    fresh: Mutex<Vec<i64>>,
    /// A stamp that validate answers for (created, never added to).
    validate_idx: i64,
    /// Adds answered in the last closed-loop round, to stock stamps for the next.
    last_round: AtomicUsize,
}

impl Server {
    async fn start(settings: &Settings, database_url: &str, dir: &Path) -> anyhow::Result<Arc<Server>> {
        let account = Command::new(&settings.bin)
            .args(["account", "create", "--name", "Bench", "--plan", "enterprise", "--json", "--database-url"])
            .arg(database_url)
            .stderr(Stdio::inherit())
            .output()
            .await
            .with_context(|| format!("running {}", settings.bin.display()))?;
        ensure!(account.status.success(), "`stampcard account create` failed ({})", account.status);
        let account: Value = serde_json::from_slice(&account.stdout)?;
        let key = account["apiKey"].as_str().context("no apiKey from `account create`")?.to_owned();

        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        // The log goes to a file, as a supervisor would keep it: its cost is part of an add's.
        let log = std::fs::File::create(dir.join(format!("server-{port}.log")))?;
        let mut child = Command::new(&settings.bin)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", database_url])
            .arg("--www-dir")
            .arg(&settings.www)
            .env("STAMPCARD_RATE_LIMIT", "off")
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().context("the server exited at once")?;
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(settings.connections.max(256))
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait()? {
                bail!("the server exited ({status}); its log is in {}", dir.display());
            }
            if client.get(format!("{url}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            ensure!(Instant::now() < deadline, "the server did not answer /healthz within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut server = Server {
            child: Mutex::new(child),
            pid,
            url,
            auth: format!("APIKey {key}"),
            card_idx: 0,
            client,
            fresh: Mutex::new(Vec::new()),
            validate_idx: 0,
            last_round: AtomicUsize::new(0),
        };
        let card = server
            .call(
                reqwest::Method::POST,
                "/api/stamp/v1/card/create",
                json!({"cardNm": "Bench", "maxStamps": MAX_STAMPS}),
            )
            .await?;
        server.card_idx = card["cardIdx"].as_i64().with_context(|| format!("no cardIdx in {card}"))?;
        server.validate_idx = server.new_stamp().await?;
        Ok(Arc::new(server))
    }

    /// SIGTERM, then at most 10 s for a clean exit (the child is killed when dropped).
    async fn stop(&self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid.to_string()]).status().await;
        let mut child = self.child.lock().await;
        if tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_err() {
            let _ = child.kill().await;
        }
    }

    /// The server process's user + system CPU time so far, in clock ticks.
    fn cpu_ticks(&self) -> anyhow::Result<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // Fields after the command name (which may hold spaces) in parentheses; utime and
        // stime are fields 14 and 15 of the whole line, 12 and 13 after the `)`.
        let after = stat.rsplit_once(')').context("unexpected /proc stat")?.1;
        let fields: Vec<&str> = after.split_whitespace().collect();
        Ok(fields[11].parse::<u64>()? + fields[12].parse::<u64>()?)
    }

    /// An API call that must succeed; its `result`.
    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> anyhow::Result<Value> {
        let answer: Value = self
            .client
            .request(method, format!("{}{path}", self.url))
            .header("Authorization", &self.auth)
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        ensure!(answer["code"] == 0, "{path} refused: {answer}");
        Ok(answer["result"].clone())
    }

    async fn new_stamp(&self) -> anyhow::Result<i64> {
        let today = chrono::Utc::now().date_naive();
        let body = json!({"cardIdx": self.card_idx, "strtYmd": today.to_string(), "endYmd": (today + chrono::Days::new(30)).to_string()});
        let created = self.call(reqwest::Method::POST, "/api/stamp/v1/create", body).await?;
        created.as_i64().with_context(|| format!("no stampIdx in {created}"))
    }

    /// At least `count` fresh stamps, created at `connections` at once (before a timed phase).
    async fn stock_stamps(self: &Arc<Self>, count: usize, connections: usize) -> anyhow::Result<()> {
        let missing = count.saturating_sub(self.fresh.lock().await.len());
        let next = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..connections.min(missing))
            .map(|_| {
                let (server, next) = (self.clone(), next.clone());
                tokio::spawn(async move {
                    while next.fetch_add(1, Ordering::Relaxed) < missing {
                        let stamp = server.new_stamp().await?;
                        server.fresh.lock().await.push(stamp);
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        Ok(())
    }

    async fn add(&self, stamp_idx: i64) -> anyhow::Result<()> {
        let response = self
            .client
            .put(format!("{}/api/stamp/v1/add", self.url))
            .header("Authorization", &self.auth)
            .header("Content-Type", "application/json")
            .body(format!("{{\"stampIdx\":{stamp_idx}}}"))
            .send()
            .await?;
        let answer: Value = response.json().await?;
        ensure!(answer["code"] == 0, "add refused: {answer}");
        Ok(())
    }

    /// Closed loop: `connections` adders, each sending its next add when the last is answered,
    /// for `time`. Adds answered and seconds taken.
    async fn adds(self: &Arc<Self>, connections: usize, time: Duration) -> anyhow::Result<(usize, f64)> {
        // Enough stamps for the last round's pace and then some (more are made if they run out).
        let expected = self.last_round.load(Ordering::Relaxed) * 3 / 2 / MAX_STAMPS + connections;
        self.stock_stamps(expected, connections.min(16)).await?;
        let start = Instant::now();
        let done = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                let (server, done) = (self.clone(), done.clone());
                tokio::spawn(async move {
                    while start.elapsed() < time {
                        let stamp = server.fresh.lock().await.pop();
                        let stamp = match stamp {
                            Some(stamp) => stamp,
                            None => server.new_stamp().await?,
                        };
                        let mut added = 0;
                        while added < MAX_STAMPS && start.elapsed() < time {
                            server.add(stamp).await?;
                            added += 1;
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        // A stamp part-filled at the end of a round is not reused.
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        let secs = start.elapsed().as_secs_f64();
        let done = done.load(Ordering::Relaxed);
        self.last_round.store(done, Ordering::Relaxed);
        Ok((done, secs))
    }

    /// Open loop: adds sent at `rate` per second for `time`, each at its scheduled instant
    /// whatever the answers before it; latency from that instant to the answer, in ms.
    async fn open_loop(self: &Arc<Self>, rate: f64, time: Duration) -> anyhow::Result<Vec<f64>> {
        let total = ((rate * time.as_secs_f64()) as usize).max(1);
        let stamps_needed = total.div_ceil(MAX_STAMPS);
        self.stock_stamps(stamps_needed, 16).await?;
        let stamps: Vec<i64> = {
            let mut fresh = self.fresh.lock().await;
            let at = fresh.len() - stamps_needed;
            fresh.split_off(at)
        };
        // Warm the connection pool so the first sends do not pay for connecting.
        let _ = self.reads(Read::Healthz, 64, Duration::from_millis(100)).await?;
        let start = tokio::time::Instant::now() + Duration::from_millis(50);
        let interval = Duration::from_secs_f64(1.0 / rate);
        let mut tasks = Vec::with_capacity(total);
        for i in 0..total {
            let scheduled = start + interval * i as u32;
            tokio::time::sleep_until(scheduled).await;
            let (server, stamp) = (self.clone(), stamps[i / MAX_STAMPS]);
            tasks.push(tokio::spawn(async move {
                server.add(stamp).await?;
                anyhow::Ok(scheduled.elapsed().as_secs_f64() * 1000.0)
            }));
        }
        let mut latencies = Vec::with_capacity(total);
        for task in tasks {
            latencies.push(task.await??);
        }
        latencies.sort_by(f64::total_cmp);
        Ok(latencies)
    }

    /// Closed loop of reads at `connections` for `time`: requests answered and seconds taken.
    async fn reads(self: &Arc<Self>, read: Read, connections: usize, time: Duration) -> anyhow::Result<(usize, f64)> {
        let url = match read {
            Read::Validate => format!("{}/api/stamp/v1/validate?stampIdx={}", self.url, self.validate_idx),
            Read::Healthz => format!("{}/healthz", self.url),
        };
        let url = Arc::new(url);
        let start = Instant::now();
        let done = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                let (server, done, url) = (self.clone(), done.clone(), url.clone());
                tokio::spawn(async move {
                    while start.elapsed() < time {
                        let response =
                            server.client.get(url.as_str()).header("Authorization", &server.auth).send().await?;
                        ensure!(response.status().is_success(), "{url} answered {}", response.status());
                        response.bytes().await?;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        Ok((done.load(Ordering::Relaxed), start.elapsed().as_secs_f64()))
    }
}

/// Clock ticks (`sysconf(_SC_CLK_TCK)`, 100 on Linux) to microseconds.
fn ticks_to_us(ticks: u64) -> f64 {
    ticks as f64 * 10_000.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The `q` quantile of sorted values (nearest rank); 0 for none.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
