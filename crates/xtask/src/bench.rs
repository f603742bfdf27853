//! `cargo xtask bench`: measurements, not tests. Each benchmark prints what
//! it measured and whether it is within its budget; only `--strict` turns an
//! over-budget result into a failure.
//!
//! To add a benchmark (e.g. an HTTP load test of `stampcard serve` on
//! 127.0.0.1), write `fn name() -> Result<Outcome>` and add it to `BENCHES`.

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
const BENCHES: &[(&str, Bench)] = &[("widget-size", widget_size)];

/// Budget for what a browser downloads for the widget: wasm + JS, brotli.
const WIDGET_BROTLI_BUDGET: usize = 60 * 1024;

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
    // Not implemented yet, said so rather than printing made-up numbers.
    eprintln!("\nhttp-load: no HTTP load benchmark yet (see the module docs of crates/xtask/src/bench.rs)");
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
