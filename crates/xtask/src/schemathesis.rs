//! The OpenAPI conformance step of `cargo xtask test`: schemathesis (from PyPI, in a venv under
//! the target dir) against the real `stampcard serve`, with every check on, twice: on an empty
//! database and on one seeded with cards, stamps, PINs and page sessions. Any failure or error
//! fails the step, and so do fewer than [`MIN_CASES`] generated cases in all.
//!
//! Each run gets a fresh SQLite file and a server on a free loopback port with rate limits off
//! (schemathesis sends a few thousand requests a minute). The account comes from
//! `stampcard account create --json`; `tests/schemathesis/seed.py` seeds the second database
//! through the API and writes the real ids, which `tests/schemathesis/hooks.py` puts into
//! generated requests. The hooks also send the credentials, as schemathesis auth providers
//! rather than `-H 'Authorization: APIKey …'`: a header given on the command line would
//! overwrite the `Authorization: Bearer` session of the page endpoints. Everything a run
//! leaves (database, server log, fixtures, schemathesis' JSON and JUnit reports) stays in
//! `target/schemathesis/<run>/`.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd::{cargo, cmd, echo, project_root, run, target_dir};
use crate::serve::{SERVER_BIN, SERVER_CRATE};
use crate::tools::venv_bin;

const HOOKS: &str = "tests/schemathesis/hooks.py";
const SEED_SCRIPT: &str = "tests/schemathesis/seed.py";
/// The floor for the two runs together.
const MIN_CASES: u64 = 1_000;
/// Cases per operation for the examples-driven phases (fuzzing draws this many per operation;
/// the coverage phase adds its own boundary cases). 20 gives about 1,550 cases a run.
const MAX_EXAMPLES: &str = "20";
/// A fixed seed, so a failure seen once is seen again; `STAMPCARD_SCHEMATHESIS_SEED` picks
/// another (schemathesis prints the seed of every run).
const DEFAULT_SEED: &str = "20261122";
const SEED_ENV: &str = "STAMPCARD_SCHEMATHESIS_SEED";
/// One run never takes longer than this (about 25 s is usual on 2 cores).
const RUN_DEADLINE: Duration = Duration::from_secs(600);
const SERVER_START_DEADLINE: Duration = Duration::from_secs(30);
/// Tries when the free port we picked was taken before the server bound it.
const START_ATTEMPTS: u32 = 3;

/// One schemathesis run: its name (and directory) and whether the database is seeded.
#[derive(Clone, Copy)]
struct Run {
    name: &'static str,
    seeded: bool,
}

const RUNS: [Run; 2] = [Run { name: "empty", seeded: false }, Run { name: "seeded", seeded: true }];

/// What a run's JSON report says, and what the hooks dropped.
struct Outcome {
    cases: u64,
    failures: u64,
    errors: u64,
    /// Refusals of schema-valid requests that depend on stored data (docs/api.md).
    state_dependent: u64,
    seconds: f64,
}

/// Builds the server and runs schemathesis on an empty and on a seeded database.
pub fn main() -> Result<()> {
    run(cargo().args(["build", "-p", SERVER_CRATE]))?;
    let bin = target_dir().join("debug").join(SERVER_BIN);
    if !bin.is_file() {
        bail!("`cargo build -p {SERVER_CRATE}` did not produce {}", bin.display());
    }
    let mut total = 0;
    let mut problems = Vec::new();
    for spec in RUNS {
        let outcome = run_once(&bin, spec)?;
        eprintln!(
            "schemathesis ({} database): {} cases, {} failures, {} errors, {:.1} s; {} state-dependent \
             refusals dropped by the hooks (listed in target/schemathesis/{}/dropped-refusals.jsonl)",
            spec.name,
            outcome.cases,
            outcome.failures,
            outcome.errors,
            outcome.seconds,
            outcome.state_dependent,
            spec.name,
        );
        total += outcome.cases;
        if outcome.failures > 0 || outcome.errors > 0 {
            problems.push(format!("{} database: {} failures, {} errors", spec.name, outcome.failures, outcome.errors));
        }
    }
    eprintln!("schemathesis: {total} cases in all (at least {MIN_CASES} required)");
    if !problems.is_empty() {
        bail!("the server does not do what its OpenAPI document says ({}); see the report above", problems.join("; "));
    }
    if total < MIN_CASES {
        bail!("schemathesis generated only {total} cases, fewer than {MIN_CASES}");
    }
    Ok(())
}

fn run_once(bin: &Path, spec: Run) -> Result<Outcome> {
    let dir = target_dir().join("schemathesis").join(spec.name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let database_url = format!("sqlite://{}", dir.join("stampcard.db").display());
    let api_key = create_account(bin, &database_url)?;
    let www = stub_www(&dir)?;
    let server = Server::start(bin, &database_url, &www, &dir)?;
    let base_url = format!("http://{}", server.addr);

    let fixtures = dir.join("fixtures.json");
    if spec.seeded {
        run(cmd(venv_bin("python")).arg(project_root().join(SEED_SCRIPT)).arg(&base_url).arg(&api_key).arg(&fixtures))
            .context("seeding the database through the API")?;
    }

    let report = dir.join("report.json");
    let seed = std::env::var(SEED_ENV).unwrap_or_else(|_| DEFAULT_SEED.to_owned());
    let mut st = cmd(venv_bin("st"));
    st.arg("run")
        .arg(format!("{base_url}/openapi.json"))
        .args(["--checks", "all", "--max-examples", MAX_EXAMPLES, "--seed", &seed])
        // One worker: CPython 3.11's `ast` is not thread-safe, and hypothesis parses lambdas
        // with it while describing strategies (a SystemError with two workers).
        .args(["--workers", "1", "--request-timeout", "10", "--continue-on-failure"])
        .args(["--no-color", "--generation-database", "none"])
        .args(["--report", "json,junit", "--report-dir"])
        .arg(&dir)
        .arg("--report-json-path")
        .arg(&report)
        .arg("--report-junit-path")
        .arg(dir.join("junit.xml"))
        .current_dir(&dir)
        .env("SCHEMATHESIS_HOOKS", project_root().join(HOOKS))
        .env("STAMPCARD_ST_API_KEY", &api_key);
    if spec.seeded {
        st.env("STAMPCARD_ST_FIXTURES", &fixtures);
    }
    let status = run_with_deadline(&mut st, RUN_DEADLINE)?;
    drop(server);
    let outcome = read_report(&report, &dir.join("dropped-refusals.jsonl"))?;
    if !status.success() && outcome.failures == 0 && outcome.errors == 0 {
        bail!("schemathesis exited with {status} without reporting a failure; see its output above");
    }
    Ok(outcome)
}

/// A www folder for the run: `stampcard serve` refuses to start without the stamp page and the
/// built widget, which this step (run before the widget build) neither has nor needs, since
/// the OpenAPI document covers the API only. The page shell is the real one; the widget's build
/// output (loader included) is empty placeholders.
fn stub_www(dir: &Path) -> Result<PathBuf> {
    let www = dir.join("www");
    for folder in ["widget/pkg", "dashboard/pkg"] {
        std::fs::create_dir_all(www.join(folder)).with_context(|| format!("creating {}", www.display()))?;
    }
    for shipped in ["stamp.html", "dashboard/index.html", "dashboard/dashboard.js", "dashboard/dashboard.css"] {
        std::fs::copy(project_root().join("www").join(shipped), www.join(shipped))
            .with_context(|| format!("copying www/{shipped}"))?;
    }
    // The widget's build output under the names its manifest lists.
    let (loader, glue, wasm) = (
        "stampcard.0000000000000000.js",
        "stampcard_widget.0000000000000000.js",
        "stampcard_widget_bg.0000000000000000.wasm",
    );
    let manifest = serde_json::json!({ "loader": loader, "glue": glue, "wasm": wasm });
    std::fs::write(www.join("widget/pkg/manifest.json"), manifest.to_string()).context("writing the manifest")?;
    for built in [
        format!("widget/pkg/{}", crate::build::STABLE_LOADER),
        format!("widget/pkg/{loader}"),
        format!("widget/pkg/{glue}"),
        format!("widget/pkg/{wasm}"),
        "dashboard/pkg/stampcard_dashboard.js".to_owned(),
        "dashboard/pkg/stampcard_dashboard_bg.wasm".to_owned(),
    ] {
        std::fs::write(www.join(&built), b"").with_context(|| format!("writing {built}"))?;
    }
    Ok(www)
}

/// `stampcard account create --json` on the run's database: the API key.
fn create_account(bin: &Path, database_url: &str) -> Result<String> {
    let mut create = cmd(bin);
    create
        .args(["account", "create", "--name", "schemathesis", "--plan", "enterprise", "--json"])
        .args(["--database-url", database_url]);
    let shown = echo(&create);
    let output = create.stderr(Stdio::inherit()).output().with_context(|| format!("could not start `{shown}`"))?;
    if !output.status.success() {
        bail!("`{shown}` failed ({})", output.status);
    }
    let created: serde_json::Value =
        serde_json::from_slice(&output.stdout).with_context(|| format!("`{shown}` printed no JSON"))?;
    created["apiKey"].as_str().map(str::to_owned).with_context(|| format!("`{shown}` printed no apiKey: {created}"))
}

/// Runs a command with inherited output, killing it if it outlives `deadline`.
fn run_with_deadline(command: &mut Command, deadline: Duration) -> Result<ExitStatus> {
    let shown = echo(command);
    let mut child = command.spawn().with_context(|| format!("could not start `{shown}`"))?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if started.elapsed() > deadline {
            // Our own child, by its PID.
            child.kill().ok();
            child.wait().ok();
            bail!("`{shown}` took longer than {} s and was stopped", deadline.as_secs());
        }
        sleep(Duration::from_millis(200));
    }
}

fn read_report(path: &Path, dropped: &Path) -> Result<Outcome> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("schemathesis wrote no report at {}", path.display()))?;
    let report: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let count = |value: &serde_json::Value| value.as_u64().unwrap_or(0);
    Ok(Outcome {
        cases: count(&report["test_cases"]["generated"]),
        failures: report["failures"]
            .as_array()
            .map_or(0, |failures| failures.iter().map(|failure| count(&failure["count"])).sum()),
        errors: report["errors"].as_array().map_or(0, |errors| errors.len() as u64),
        state_dependent: count_dropped(dropped, "state-dependent"),
        seconds: report["running_time"].as_f64().unwrap_or(0.0),
    })
}

/// Lines of the hooks' `dropped-refusals.jsonl` (absent when nothing was dropped) with a reason.
fn count_dropped(path: &Path, reason: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let needle = format!("\"reason\": \"{reason}\"");
    text.lines().filter(|line| line.contains(&needle)).count() as u64
}

/// `stampcard serve` on a free loopback port, killed (by its own PID) when dropped, on success
/// and on failure alike.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(bin: &Path, database_url: &str, www: &Path, dir: &Path) -> Result<Server> {
        let log_path = dir.join("server.log");
        for attempt in 1..=START_ATTEMPTS {
            let addr = SocketAddr::from(([127, 0, 0, 1], crate::postgres::free_port()?));
            let log = File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
            let mut serve = cmd(bin);
            serve
                .args(["serve", "--listen", &addr.to_string(), "--database-url", database_url])
                .arg("--www-dir")
                .arg(www)
                .env("STAMPCARD_RATE_LIMIT", "off")
                .env("NO_COLOR", "1")
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log);
            let shown = echo(&serve);
            let child = serve.spawn().with_context(|| format!("could not start `{shown}`"))?;
            eprintln!("stampcard serve is PID {} on {addr} (log: {})", child.id(), log_path.display());
            let mut server = Server { child, addr };
            match server.wait_until_healthy() {
                Ok(()) => return Ok(server),
                Err(err) if attempt < START_ATTEMPTS => eprintln!("{err:#}; retrying on another port"),
                Err(err) => return Err(err.context(format!("server log:\n{}", log_tail(&log_path)))),
            }
        }
        unreachable!("the last attempt returns")
    }

    fn wait_until_healthy(&mut self) -> Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("stampcard serve exited ({status}) before it answered /healthz");
            }
            if healthz(self.addr) {
                return Ok(());
            }
            if started.elapsed() > SERVER_START_DEADLINE {
                bail!("stampcard serve did not answer /healthz within {} s", SERVER_START_DEADLINE.as_secs());
            }
            sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            eprintln!("stopping stampcard serve (PID {})", self.child.id());
            self.child.kill().ok();
        }
        self.child.wait().ok();
    }
}

/// Whether `GET /healthz` answers 200 (a bare HTTP/1.1 request: xtask needs no HTTP client).
fn healthz(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else { return false };
    let timeout = Some(Duration::from_secs(2));
    if stream.set_read_timeout(timeout).is_err() || stream.set_write_timeout(timeout).is_err() {
        return false;
    }
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

fn log_tail(path: &PathBuf) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
