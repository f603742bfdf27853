//! `cargo xtask bench`: measurements, not tests. Each benchmark prints what
//! it measured and whether it is within its budget; only `--strict` turns an
//! over-budget result into a failure.
//!
//! To add a benchmark, write `fn name() -> Result<bool>` (true: within budget)
//! and add it to `BENCHES`.

use anyhow::{Result, bail};

use crate::build;
use crate::sizes::kib;
use crate::tools::{self, Mode, Needs};

pub struct Options {
    /// Exit non-zero when a benchmark is over budget.
    pub strict: bool,
}

/// A benchmark: measures, prints, and says whether it stayed within its budget.
type Bench = fn() -> Result<bool>;

/// All benchmarks, in the order they run.
const BENCHES: &[(&str, Bench)] = &[
    ("widget-size", widget_size),
    ("dashboard-size", dashboard_size),
    ("durable-adds", durable_adds),
    ("list-pages", list_pages),
];

/// Durable adds through HTTP at 64 connections must reach this multiple of a raw
/// one-transaction-per-update SQLite loop.
const DURABLE_ADDS_MIN_RATIO: f64 = 2.0;

/// Budget for what a browser downloads for the widget: wasm + JS, brotli (issue 12's target).
const WIDGET_BROTLI_BUDGET: usize = 88 * 1024;

/// Budget for what a browser downloads for the back office: wasm + JS, brotli (issue 11).
const DASHBOARD_BROTLI_BUDGET: usize = 250 * 1024;

pub fn main(options: Options) -> Result<()> {
    let mut over = Vec::new();
    for (name, bench) in BENCHES {
        eprintln!("\n==> bench {name}");
        if bench()? {
            eprintln!("{name}: PASS");
        } else {
            eprintln!("{name}: OVER budget");
            over.push(*name);
        }
    }
    if options.strict && !over.is_empty() {
        bail!("over budget: {}", over.join(", "));
    }
    Ok(())
}

/// Brotli size of the release widget (wasm + JS glue) against its budget.
fn widget_size() -> Result<bool> {
    tools::ensure(Needs::BUILD, Mode::Install)?;
    let widget = build::build_widget()?;
    let sizes = widget.sizes()?;
    crate::sizes::print_table(&crate::cmd::project_root().join(build::PKG_DIR), &sizes);
    let total: usize = sizes.iter().map(|size| size.brotli).sum();
    eprintln!(
        "widget wasm + JS, brotli q11: {} ({total} bytes) of a {} budget ({WIDGET_BROTLI_BUDGET} bytes)",
        kib(total),
        kib(WIDGET_BROTLI_BUDGET),
    );
    Ok(total <= WIDGET_BROTLI_BUDGET)
}

/// Brotli size of the release dashboard (wasm + JS glue) against its budget.
fn dashboard_size() -> Result<bool> {
    tools::ensure(Needs::BUILD, Mode::Install)?;
    let dashboard = build::build_dashboard()?;
    let sizes = dashboard.sizes()?;
    crate::sizes::print_table(&crate::cmd::project_root().join(build::DASHBOARD_PKG_DIR), &sizes);
    let total: usize = sizes.iter().map(|size| size.brotli).sum();
    eprintln!(
        "dashboard wasm + JS, brotli q11: {} ({total} bytes) of a {} budget ({DASHBOARD_BROTLI_BUDGET} bytes)",
        kib(total),
        kib(DASHBOARD_BROTLI_BUDGET),
    );
    Ok(total <= DASHBOARD_BROTLI_BUDGET)
}

/// Runs the server crate's `bench_adds` example (release build): HTTP adds at 64 connections
/// against a raw SQLite loop, both durable (`synchronous=FULL`). Its last stdout line is
/// `{"loopPerSec": .., "httpPerSec": .., "ratio": ..}`.
fn durable_adds() -> Result<bool> {
    let output = crate::cmd::cargo()
        .args(["run", "--release", "-p", "stampcard-server", "--example", "bench_adds"])
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !output.status.success() {
        bail!("the bench_adds example failed ({})", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let ratio = line
        .split("\"ratio\":")
        .nth(1)
        .and_then(|rest| rest.trim_end_matches('}').trim().parse::<f64>().ok())
        .ok_or_else(|| anyhow::anyhow!("no ratio in the bench_adds output: {line:?}"))?;
    eprintln!("{line}\ndurable adds: HTTP is {ratio:.2}x the raw loop (budget: at least {DURABLE_ADDS_MIN_RATIO}x)");
    Ok(ratio >= DURABLE_ADDS_MIN_RATIO)
}

/// Runs the server crate's `bench_find` example (release build): list pages of a shop with
/// 100,000 stamps on SQLite, per kind of filter, each against its own budget (single-digit
/// milliseconds for a page an index answers; see the example). Its last stdout line is
/// `{"stamps", "pages": [{"name", "p50Ms", "p95Ms", "items", "budgetMs"}], "over": [..]}`.
fn list_pages() -> Result<bool> {
    let output = crate::cmd::cargo()
        .args(["run", "--release", "-p", "stampcard-server", "--example", "bench_find"])
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !output.status.success() {
        bail!("the bench_find example failed ({})", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let figures: serde_json::Value =
        serde_json::from_str(line).map_err(|e| anyhow::anyhow!("bench_find printed {line:?}: {e}"))?;
    let over = figures["over"].as_array().ok_or_else(|| anyhow::anyhow!("no \"over\" in {line:?}"))?;
    eprintln!("{line}\nlist pages of 100,000 stamps: {} kinds over their budget {over:?}", over.len());
    Ok(over.is_empty())
}
