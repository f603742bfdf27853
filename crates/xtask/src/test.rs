//! `cargo xtask test`: the one test command CI runs on a fresh machine. Steps
//! run in order and the first failure stops the run; a summary with per-step
//! durations is printed either way.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::build::{self, DASHBOARD_CRATE, WIDGET_CRATE};
use crate::cmd::{cargo, cmd, project_root, run, target_dir};
use crate::postgres::Postgres;
use crate::schemathesis;
use crate::serve::{SERVER_BIN, SERVER_CRATE};
use crate::tools::{self, CHROMEDRIVER, CHROMIUM, Mode, Needs, WASM_TARGET};

const CORE_CRATE: &str = "stampcard-core";
/// The PostgreSQL server the server's integration tests create their databases on.
const PG_URL_ENV: &str = "STAMPCARD_TEST_POSTGRES_URL";
/// `postgres` runs the server's integration tests on PostgreSQL instead of SQLite.
const BACKEND_ENV: &str = "STAMPCARD_TEST_BACKEND";
/// Chrome capabilities for wasm-bindgen-test-runner, relative to the root.
const WEBDRIVER_JSON: &str = "tests/webdriver.json";
const E2E_SCRIPT: &str = "tests/e2e/run.mjs";
/// The dashboard's end-to-end script (issue 11 item 8): the back office at `/` as an owner and
/// as a staff login.
const E2E_DASHBOARD_SCRIPT: &str = "tests/e2e/dashboard.mjs";

pub struct Options {
    /// Check tools without installing them, and skip the schemathesis, build + e2e steps.
    pub quick: bool,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub fn main(options: Options) -> Result<()> {
    // Ctrl-C goes to the whole foreground process group: the running cargo or
    // node child dies of it and its step fails. xtask itself must survive it
    // to stop PostgreSQL, which pg_ctl starts in its own session where Ctrl-C
    // never reaches it.
    ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        eprintln!("\nxtask: interrupted; stopping after the current command and cleaning up");
    })
    .context("installing the Ctrl-C handler")?;

    let mut steps = Steps::default();
    let result = pipeline(&options, &mut steps);
    steps.print_summary();
    result
}

fn pipeline(options: &Options, steps: &mut Steps) -> Result<()> {
    let (mode, needs) = if options.quick {
        (Mode::CheckOnly, Needs { schemathesis: false, ..Needs::ALL })
    } else {
        (Mode::Install, Needs::ALL)
    };

    steps.run("tools", || tools::ensure(needs, mode))?;
    steps.run("fmt", || run(cargo().args(["fmt", "--all", "--check"])))?;
    steps.run("clippy", || {
        run(cargo().args(["clippy", "--workspace", "--all-targets"]).args(["--", "-D", "warnings"]))
    })?;
    // The browser-only code (cfg'd for wasm32) is invisible to the native clippy run above.
    steps.run("clippy (wasm)", || {
        run(cargo()
            .args(["clippy", "-p", WIDGET_CRATE, "-p", DASHBOARD_CRATE, "-p", CORE_CRATE])
            .args(["--target", WASM_TARGET, "--all-targets"])
            .args(["--", "-D", "warnings"]))
    })?;

    let pg = steps.run("postgres start", Postgres::start)?;
    let pg_url = pg.url("postgres");
    steps.run("native tests (SQLite)", || run(cargo().args(["test", "--workspace"])))?;
    // The server's integration suite again, every test on a fresh PostgreSQL database.
    steps.run("server tests (PostgreSQL)", || {
        run(cargo()
            .args(["test", "-p", SERVER_CRATE, "--test", "it"])
            .env(BACKEND_ENV, "postgres")
            .env(PG_URL_ENV, &pg_url))
    })?;

    // The OpenAPI document against the running server (SQLite: the document does not depend on
    // the backend, and the server tests above cover PostgreSQL).
    if options.quick {
        steps.skip("openapi conformance (schemathesis)", "--quick");
    } else {
        steps.run("openapi conformance (schemathesis)", schemathesis::main)?;
    }

    steps.run("wasm tests (core)", || run(&mut wasm_test(CORE_CRATE)))?;
    steps.run("wasm tests (widget)", || run(&mut wasm_test(WIDGET_CRATE)))?;
    steps.run("wasm tests (dashboard)", || run(&mut wasm_test(DASHBOARD_CRATE)))?;

    if options.quick {
        steps.skip("end-to-end", "--quick");
        steps.skip("bench smoke", "--quick");
    } else {
        end_to_end(steps, &pg)?;
        // The bench harness end to end, tiny and on the debug builds: every figure comes out.
        steps.run("bench smoke", crate::bench_record::smoke)?;
    }

    steps.run("postgres stop", || pg.stop())
}

/// `cargo test -p CRATE --target wasm32-unknown-unknown`, run in headless
/// Chromium by wasm-bindgen-test-runner through chromedriver.
fn wasm_test(package: &str) -> Command {
    let mut test = cargo();
    test.args(["test", "-p", package, "--target", WASM_TARGET])
        .env("CHROMEDRIVER", CHROMEDRIVER)
        // Also set in .cargo/config.toml; repeated so the run does not depend on it.
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner");
    // The runner reads Chrome capabilities from ./webdriver.json (cargo runs
    // it in the crate's dir). A crate's own file wins; otherwise point it at
    // the shared one. The runner itself already passes --headless,
    // --no-sandbox (needed as root) and --disable-dev-shm-usage; the file adds
    // --disable-component-update and --disable-gpu, which keep Chromium off
    // the (closed) network and off the GPU.
    let own = project_root().join("crates").join(package).join("webdriver.json");
    if !own.is_file() {
        test.env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", project_root().join(WEBDRIVER_JSON));
    }
    test
}

/// Release-like widget + debug server, then the browser end-to-end script
/// once per database backend.
fn end_to_end(steps: &mut Steps, pg: &Postgres) -> Result<()> {
    steps.run("widget build", || build::print_sizes(&build::build_widget()?))?;
    steps.run("dashboard build", || build::print_dashboard_sizes(&build::build_dashboard()?))?;
    steps.run("server build", || {
        run(cargo().args(["build", "-p", SERVER_CRATE]))?;
        let bin = target_dir().join("debug").join(SERVER_BIN);
        if !bin.is_file() {
            bail!("`cargo build -p {SERVER_CRATE}` did not produce {}", bin.display());
        }
        Ok(())
    })?;
    steps.run("e2e (sqlite)", || run(&mut e2e(E2E_SCRIPT, "sqlite")))?;
    steps.run("e2e (postgres)", || {
        // A fresh database, so the run does not see rows left by native tests.
        let url = pg.create_database("e2e_1")?;
        run(&mut e2e(E2E_SCRIPT, &url))
    })?;
    steps.run("e2e dashboard (sqlite)", || run(&mut e2e(E2E_DASHBOARD_SCRIPT, "sqlite")))?;
    steps.run("e2e dashboard (postgres)", || {
        let url = pg.create_database("e2e_dashboard")?;
        run(&mut e2e(E2E_DASHBOARD_SCRIPT, &url))
    })
}

fn e2e(script: &str, database_url: &str) -> Command {
    let mut node = cmd("node");
    node.arg(script)
        .env("STAMPCARD_BIN", target_dir().join("debug").join(SERVER_BIN))
        .env("STAMPCARD_WWW", project_root().join("www"))
        .env("CHROMIUM", CHROMIUM)
        .env("STAMPCARD_E2E_DATABASE_URL", database_url);
    node
}

enum Status {
    Ok,
    Failed,
    Skipped(String),
}

/// Runs steps with a header and a timer, remembering each for the summary.
#[derive(Default)]
struct Steps {
    done: Vec<(String, Duration, Status)>,
}

impl Steps {
    fn run<T>(&mut self, name: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        if INTERRUPTED.load(Ordering::SeqCst) {
            bail!("interrupted");
        }
        eprintln!("\n==> {name}");
        let start = Instant::now();
        let result = step();
        // A child killed by Ctrl-C may still exit 0 (e.g. it handles SIGINT);
        // count the step as failed so the run stops here.
        let interrupted = INTERRUPTED.load(Ordering::SeqCst);
        let status = if result.is_ok() && !interrupted { Status::Ok } else { Status::Failed };
        self.done.push((name.to_owned(), start.elapsed(), status));
        let value = result.with_context(|| format!("step `{name}` failed"))?;
        if interrupted {
            bail!("interrupted during step `{name}`");
        }
        Ok(value)
    }

    fn skip(&mut self, name: &str, why: &str) {
        eprintln!("\n==> {name}: skipped ({why})");
        self.done.push((name.to_owned(), Duration::ZERO, Status::Skipped(why.to_owned())));
    }

    fn print_summary(&self) {
        eprintln!("\n==> summary");
        for (name, took, status) in &self.done {
            let (label, note) = match status {
                Status::Ok => ("ok", String::new()),
                Status::Failed => ("FAILED", String::new()),
                Status::Skipped(why) => ("skipped", format!(" ({why})")),
            };
            eprintln!("  {label:<8} {:>7.1}s  {name}{note}", took.as_secs_f64());
        }
        let total: Duration = self.done.iter().map(|(_, took, _)| *took).sum();
        eprintln!("  {:<8} {:>7.1}s", "total", total.as_secs_f64());
    }
}
