//! `cargo xtask bench`: measurements, not tests. Each benchmark prints what
//! it measured and whether it is within its budget; only `--strict` turns an
//! over-budget result into a failure.
//!
//! To add a benchmark, write `fn name() -> Result<bool>` (true: within budget)
//! and add it to `BENCHES`.

use anyhow::{Result, bail};

use crate::bench_record::{self, Record, Scale};
use crate::build;
use crate::sizes::kib;
use crate::tools::{self, Mode, Needs};

pub struct Options {
    /// Exit non-zero when a benchmark is over budget.
    pub strict: bool,
}

/// A benchmark: measures, prints, records its figures, and says whether it stayed within its
/// budget.
type Bench = fn(&mut Record) -> Result<bool>;

/// All benchmarks, in the order they run.
const BENCHES: &[(&str, Bench)] = &[
    ("widget-size", widget_size),
    ("dashboard-size", dashboard_size),
    ("adds-under-load", adds_under_load),
    ("page-phone", page_phone),
    ("list-pages", list_pages),
];

/// Budget for what a browser downloads for the widget: wasm + JS, brotli (issue 12's target).
const WIDGET_BROTLI_BUDGET: usize = 88 * 1024;

/// Budget for what a browser downloads for the back office: wasm + JS, brotli (issue 11).
const DASHBOARD_BROTLI_BUDGET: usize = 250 * 1024;

pub fn main(options: Options) -> Result<()> {
    tools::ensure(Needs { browser: true, postgres: true, ..Needs::BUILD }, Mode::Install)?;
    let (mut over, mut failed) = (Vec::new(), Vec::new());
    let mut record = Record::default();
    for (name, bench) in BENCHES {
        eprintln!("\n==> bench {name}");
        // One failing benchmark does not hide the others' figures: the table and the report
        // are written either way, and the run fails at the end.
        match bench(&mut record) {
            Ok(true) => eprintln!("{name}: PASS"),
            Ok(false) => {
                eprintln!("{name}: OVER budget");
                over.push(*name);
            }
            Err(err) => {
                eprintln!("{name}: FAILED: {err:#}");
                failed.push(*name);
            }
        }
    }
    record.print_table();
    let report = record.write()?;
    eprintln!("\nwrote {}", report.display());
    if !failed.is_empty() {
        bail!("benchmarks failed: {}", failed.join(", "));
    }
    if options.strict && !over.is_empty() {
        bail!("over budget: {}", over.join(", "));
    }
    Ok(())
}

/// Brotli size of the release widget (wasm + JS glue) against its budget.
fn widget_size(record: &mut Record) -> Result<bool> {
    let widget = build::build_widget()?;
    let sizes = widget.sizes()?;
    bench_record::record_widget(record, &sizes);
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
fn dashboard_size(_: &mut Record) -> Result<bool> {
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

/// Adds under load and reads on SQLite, adds on PostgreSQL against `pgbench` (see
/// [`bench_record::adds`]): within budget when every such figure is.
fn adds_under_load(record: &mut Record) -> Result<bool> {
    bench_record::adds(record, Scale::FULL)?;
    Ok(!record.over_budget().iter().any(|name| ["adds.", "reads.", "postgres."].iter().any(|s| name.starts_with(s))))
}

/// The stamp page on a phone profile (see [`bench_record::page`]).
fn page_phone(record: &mut Record) -> Result<bool> {
    bench_record::page(record, Scale::FULL)?;
    Ok(!record.over_budget().iter().any(|name| name.starts_with("page.")))
}

/// Runs the server crate's `bench_find` example (release build): list pages of a shop with
/// 100,000 stamps on SQLite, per kind of filter, each against its own budget (single-digit
/// milliseconds for a page an index answers; see the example). Its last stdout line is
/// `{"stamps", "pages": [{"name", "p50Ms", "p95Ms", "items", "budgetMs"}], "over": [..]}`.
fn list_pages(_: &mut Record) -> Result<bool> {
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
