//! The record of `cargo xtask bench`: adds under load (SQLite and PostgreSQL, with `pgbench`
//! as the PostgreSQL limit), the stamp page on a phone profile, one table, and
//! `target/bench/report.json` in a fixed shape ([`SHAPE`]). The measuring itself is done by
//! the server crate's `bench_adds` example (Rust load generator against the real server
//! process) and by `tests/bench/page.mjs` (Chromium over CDP); this module builds, runs and
//! collects them, and checks the budgets.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

use crate::cmd::{cargo, cmd, project_root, run, target_dir};
use crate::postgres::Postgres;
use crate::serve::{SERVER_BIN, SERVER_CRATE};
use crate::tools::{CHROMIUM, pg_bin};

/// Every figure of the report, by section: `report.json` holds exactly these, all numbers.
pub const SHAPE: &[(&str, &[&str])] = &[
    ("widget", &["wasmBrotli", "jsBrotli", "totalBrotli"]),
    ("page", &["firstPaintMs", "pinFormMs", "gridMs", "wireBytes"]),
    ("adds", &["loopPerSec", "httpPerSec", "ratio", "p50MsAt2000", "p99MsAt2000", "serverCpuUsPerAdd"]),
    ("reads", &["validatePerSec", "trivialPerSec", "ratio"]),
    ("postgres", &["addsPerSec", "pgbenchTps", "ratio"]),
];

/// Durable adds at 64 connections: at least this multiple of the raw loop (median of rounds).
const ADDS_MIN_RATIO: f64 = 2.5;
/// At 2,000 adds/s offered, the 99th percentile latency at most this.
const ADDS_P99_MAX_MS: f64 = 10.0;
/// Validate: at least this multiple of the trivial route.
const READS_MIN_RATIO: f64 = 0.5;
/// Phone profile: card name and PIN prompt painted within this of navigation.
const FIRST_PAINT_MAX_MS: f64 = 700.0;
/// Phone profile: PIN form usable within this.
const PIN_FORM_MAX_MS: f64 = 1000.0;
/// Phone profile: a returning visitor's stamp grid within this.
const GRID_MAX_MS: f64 = 1200.0;
/// Everything a first visit downloads before the PIN form is usable, on the wire.
const WIRE_MAX_BYTES: f64 = 100.0 * 1024.0;

/// The phone-profile page script (Node, playwright-core, Debian's Chromium).
const PAGE_SCRIPT: &str = "tests/bench/page.mjs";
/// The load generator: an example of the server crate, so it links the same sqlx for its raw loop.
const ADDS_EXAMPLE: &str = "bench_adds";

/// How big a run is: the full bench, or the smoke run of `cargo xtask test`.
#[derive(Clone, Copy)]
pub struct Scale {
    /// Alternating rounds (each side) of adds and of reads.
    pub rounds: u32,
    /// Seconds of each round.
    pub round_secs: f64,
    /// Seconds of the open-loop latency run at 2,000 adds/s.
    pub open_secs: f64,
    /// `pgbench` seconds.
    pub pgbench_secs: u32,
    /// Page loads per figure (the median is kept).
    pub page_runs: u32,
    /// Release build (the bench) or the debug build `cargo xtask test` already has.
    pub release: bool,
}

impl Scale {
    /// The full bench: about two minutes of measuring after the builds.
    pub const FULL: Scale =
        Scale { rounds: 5, round_secs: 2.0, open_secs: 5.0, pgbench_secs: 10, page_runs: 10, release: true };
    /// The smoke run: every step once, tiny, on debug builds; only checks that figures come out.
    pub const SMOKE: Scale =
        Scale { rounds: 1, round_secs: 0.2, open_secs: 0.2, pgbench_secs: 1, page_runs: 1, release: false };
}

/// Figures collected so far, by section and name.
#[derive(Default)]
pub struct Record {
    figures: Map<String, Value>,
    /// Figures printed in the table but not part of the report's fixed shape.
    extra: Vec<(String, String)>,
}

impl Record {
    pub fn set(&mut self, section: &str, name: &str, value: f64) {
        let entry = self.figures.entry(section).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = entry {
            map.insert(name.to_owned(), json!(value));
        }
    }

    fn get(&self, section: &str, name: &str) -> Option<f64> {
        self.figures.get(section)?.get(name)?.as_f64()
    }

    /// Copies `names` from a JSON object the measuring program printed into `section`.
    fn take(&mut self, section: &str, from: &Value, names: &[&str]) -> Result<()> {
        for name in names {
            let value =
                from[*name].as_f64().with_context(|| format!("no number {section}.{name} in the output: {from}"))?;
            self.set(section, name, value);
        }
        Ok(())
    }

    pub fn note(&mut self, what: &str, value: String) {
        self.extra.push((what.to_owned(), value));
    }

    /// The report: exactly [`SHAPE`]; a figure not measured is `null` (and fails [`check_report`]).
    pub fn report(&self) -> Value {
        let mut report = Map::new();
        for (section, names) in SHAPE {
            let fields: Map<String, Value> = names
                .iter()
                .map(|name| ((*name).to_owned(), self.get(section, name).map_or(Value::Null, |v| json!(v))))
                .collect();
            report.insert((*section).to_owned(), Value::Object(fields));
        }
        Value::Object(report)
    }

    /// Writes `target/bench/report.json`; its path.
    pub fn write(&self) -> Result<PathBuf> {
        let dir = target_dir().join("bench");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("report.json");
        std::fs::write(&path, serde_json::to_string_pretty(&self.report())? + "\n")?;
        Ok(path)
    }

    /// The one table: every figure with its budget and whether it is within it.
    pub fn print_table(&self) {
        eprintln!("\n{:<34} {:>14}  {:<18} ok", "figure", "value", "budget");
        for (section, names) in SHAPE {
            for name in *names {
                let value = self.get(section, name);
                let shown = value.map_or_else(|| "-".to_owned(), format_number);
                let (budget, ok) = match (budget(section, name), value) {
                    (Some((text, check)), Some(value)) => (text, if check(value) { "yes" } else { "NO" }),
                    (Some((text, _)), None) => (text, "?"),
                    (None, _) => (String::new(), ""),
                };
                eprintln!("{:<34} {shown:>14}  {budget:<18} {ok}", format!("{section}.{name}"));
            }
        }
        for (what, value) in &self.extra {
            eprintln!("{what:<34} {value:>14}");
        }
    }

    /// The figures over their budget (a figure not measured counts as over).
    pub fn over_budget(&self) -> Vec<String> {
        let mut over = Vec::new();
        for (section, names) in SHAPE {
            for name in *names {
                if let Some((_, check)) = budget(section, name)
                    && !self.get(section, name).is_some_and(check)
                {
                    over.push(format!("{section}.{name}"));
                }
            }
        }
        over
    }
}

/// How a budget reads in the table, and its check.
type Budget = (String, fn(f64) -> bool);

/// The budget of a figure from issue 12's targets: how it reads and its check. The widget's
/// size budget stays with the size bench (`bench::widget_size`).
fn budget(section: &str, name: &str) -> Option<Budget> {
    let budget: Budget = match (section, name) {
        ("adds", "ratio") => (format!(">= {ADDS_MIN_RATIO}x loop"), |v| v >= ADDS_MIN_RATIO),
        ("adds", "p99MsAt2000") => (format!("<= {ADDS_P99_MAX_MS} ms"), |v| v <= ADDS_P99_MAX_MS),
        ("reads", "ratio") => (format!(">= {READS_MIN_RATIO}x trivial"), |v| v >= READS_MIN_RATIO),
        ("page", "firstPaintMs") => (format!("<= {FIRST_PAINT_MAX_MS} ms"), |v| v <= FIRST_PAINT_MAX_MS),
        ("page", "pinFormMs") => (format!("<= {PIN_FORM_MAX_MS} ms"), |v| v <= PIN_FORM_MAX_MS),
        ("page", "gridMs") => (format!("<= {GRID_MAX_MS} ms"), |v| v <= GRID_MAX_MS),
        ("page", "wireBytes") => (format!("<= {WIRE_MAX_BYTES} B"), |v| v <= WIRE_MAX_BYTES),
        _ => return None,
    };
    Some(budget)
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 { format!("{value:.0}") } else { format!("{value:.2}") }
}

/// Fails unless `report` has every figure of [`SHAPE`] as a number, and nothing else.
pub fn check_report(report: &Value) -> Result<()> {
    let sections = report.as_object().context("the report is not a JSON object")?;
    let mut problems = Vec::new();
    for (section, names) in SHAPE {
        for name in *names {
            if !report[*section][*name].is_number() {
                problems.push(format!("{section}.{name} is {}", report[*section][*name]));
            }
        }
        if let Some(fields) = report[*section].as_object() {
            problems.extend(
                fields
                    .keys()
                    .filter(|key| !names.contains(&key.as_str()))
                    .map(|key| format!("{section}.{key} is not in the shape")),
            );
        }
    }
    problems.extend(
        sections
            .keys()
            .filter(|key| !SHAPE.iter().any(|(s, _)| s == key))
            .map(|key| format!("{key} is not in the shape")),
    );
    if !problems.is_empty() {
        bail!("the bench report is incomplete: {}", problems.join("; "));
    }
    Ok(())
}

/// Widget sizes into the record (`widget.*`): brotli bytes of the wasm and of the JS.
pub fn record_widget(record: &mut Record, sizes: &[crate::sizes::FileSize]) {
    let is_wasm = |path: &Path| path.extension().is_some_and(|ext| ext == "wasm");
    let wasm: usize = sizes.iter().filter(|size| is_wasm(&size.path)).map(|size| size.brotli).sum();
    let js: usize = sizes.iter().filter(|size| !is_wasm(&size.path)).map(|size| size.brotli).sum();
    record.set("widget", "wasmBrotli", wasm as f64);
    record.set("widget", "jsBrotli", js as f64);
    record.set("widget", "totalBrotli", (wasm + js) as f64);
}

/// Builds the server binary and the load generator (release for the bench, debug for the smoke
/// run); the server binary's path and the example's.
fn build_server(scale: Scale) -> Result<(PathBuf, PathBuf)> {
    let mut build = cargo();
    build.args(["build", "-p", SERVER_CRATE, "--bin", SERVER_BIN, "--example", ADDS_EXAMPLE]);
    if scale.release {
        build.arg("--release");
    }
    run(&mut build)?;
    let dir = target_dir().join(if scale.release { "release" } else { "debug" });
    Ok((dir.join(SERVER_BIN), dir.join("examples").join(ADDS_EXAMPLE)))
}

/// Adds and reads on SQLite, then the same adds on a throwaway PostgreSQL with `pgbench`
/// simple-update on it as the limit: `adds.*`, `reads.*` and `postgres.*`.
pub fn adds(record: &mut Record, scale: Scale) -> Result<()> {
    let (server, example) = build_server(scale)?;
    // Durable like the SQLite side (`fsync` on), unlike the test command's throwaway server.
    let pg = Postgres::start_durable()?;
    let url = pg.create_database("bench_adds")?;
    let mut generator = cmd(&example);
    generator
        .env("STAMPCARD_BIN", &server)
        .env("STAMPCARD_WWW", project_root().join("www"))
        .env("BENCH_ROUNDS", scale.rounds.to_string())
        .env("BENCH_ROUND_SECS", scale.round_secs.to_string())
        .env("BENCH_OPEN_SECS", scale.open_secs.to_string())
        .env("BENCH_POSTGRES_URL", &url)
        .stderr(std::process::Stdio::inherit());
    crate::cmd::echo(&generator);
    let output = generator.output().with_context(|| format!("running {}", example.display()))?;
    if !output.status.success() {
        bail!("{ADDS_EXAMPLE} failed ({})", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let figures: Value = serde_json::from_str(line).with_context(|| format!("{ADDS_EXAMPLE} printed {line:?}"))?;
    record.take("adds", &figures["adds"], SHAPE[2].1)?;
    record.take("reads", &figures["reads"], SHAPE[3].1)?;
    let adds = &figures["adds"];
    record.note("adds: max ms at 2,000/s", format!("{}", adds["maxMsAt2000"]));
    record.note("adds: server CPU µs per /healthz", format!("{}", adds["healthzCpuUsPerRequest"]));
    record.note("adds: rounds [loop, http]", format!("{}", adds["rounds"]));
    record.note("postgres: server CPU µs per add", format!("{}", figures["postgres"]["serverCpuUsPerAdd"]));

    let pg_adds =
        figures["postgres"]["addsPerSec"].as_f64().with_context(|| format!("no postgres.addsPerSec in {line}"))?;
    let tps = pgbench(&pg, scale.pgbench_secs)?;
    pg.stop()?;
    record.set("postgres", "addsPerSec", pg_adds);
    record.set("postgres", "pgbenchTps", tps.round());
    record.set("postgres", "ratio", (pg_adds / tps * 100.0).round() / 100.0);
    Ok(())
}

/// `pgbench` builtin simple-update at 64 clients on its own database of the same server:
/// transactions per second.
fn pgbench(pg: &Postgres, secs: u32) -> Result<f64> {
    let url = pg.create_database("pgbench")?;
    run(cmd(pg_bin("pgbench")).args(["-i", "-q", "-s", "1"]).arg(&url))?;
    let mut bench = cmd(pg_bin("pgbench"));
    bench.args(["-n", "-b", "simple-update", "-c", "64", "-j", "2", "-T", &secs.to_string()]).arg(&url);
    crate::cmd::echo(&bench);
    let output = bench.output().context("running pgbench")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("pgbench failed ({}): {stdout}{}", output.status, String::from_utf8_lossy(&output.stderr));
    }
    let tps = stdout
        .lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse::<f64>().ok())
        .with_context(|| format!("no `tps = ` in pgbench's output: {stdout}"))?;
    eprintln!("pgbench simple-update, 64 clients, {secs} s: {tps:.0} tps");
    Ok(tps)
}

/// The stamp page on the phone profile: `page.*`. Needs the widget built into www/.
pub fn page(record: &mut Record, scale: Scale) -> Result<()> {
    let dir = target_dir().join(if scale.release { "release" } else { "debug" });
    let server = dir.join(SERVER_BIN);
    if !server.is_file() {
        run(cargo()
            .args(["build", "-p", SERVER_CRATE, "--bin", SERVER_BIN])
            .args(scale.release.then_some("--release")))?;
    }
    let mut node = cmd("node");
    node.arg(PAGE_SCRIPT)
        .env("STAMPCARD_BIN", &server)
        .env("STAMPCARD_WWW", project_root().join("www"))
        .env("CHROMIUM", CHROMIUM)
        .env("BENCH_PAGE_RUNS", scale.page_runs.to_string())
        .stderr(std::process::Stdio::inherit());
    crate::cmd::echo(&node);
    let output = node.output().context("running node")?;
    if !output.status.success() {
        bail!("{PAGE_SCRIPT} failed ({})", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let figures: Value = serde_json::from_str(line).with_context(|| format!("{PAGE_SCRIPT} printed {line:?}"))?;
    record.take("page", &figures, SHAPE[1].1)
}

/// The smoke run of `cargo xtask test`: every measuring step once, tiny, on the debug builds the
/// test command already made (the widget built, PostgreSQL and Chromium in place); checks that
/// the report has every figure as a number. Budgets are not checked: timing on a busy machine
/// must not fail a test.
pub fn smoke() -> Result<()> {
    let mut record = Record::default();
    let widget = crate::build::build_widget()?;
    record_widget(&mut record, &widget.sizes()?);
    adds(&mut record, Scale::SMOKE)?;
    page(&mut record, Scale::SMOKE)?;
    record.print_table();
    let report = record.report();
    check_report(&report)?;
    eprintln!("bench smoke: the report has every figure");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete() -> Record {
        let mut record = Record::default();
        for (section, names) in SHAPE {
            for name in *names {
                record.set(section, name, 1.0);
            }
        }
        record
    }

    #[test]
    fn a_complete_record_passes_and_a_gap_fails() {
        check_report(&complete().report()).unwrap();
        let mut report = complete().report();
        report["adds"]["ratio"] = Value::Null;
        let err = check_report(&report).unwrap_err().to_string();
        assert!(err.contains("adds.ratio"), "{err}");
        let mut report = complete().report();
        report["page"]["extra"] = json!(1);
        assert!(check_report(&report).unwrap_err().to_string().contains("page.extra"));
    }

    #[test]
    fn budgets_follow_the_targets() {
        let mut record = complete();
        record.set("adds", "ratio", 2.5);
        record.set("adds", "p99MsAt2000", 10.0);
        record.set("reads", "ratio", 0.5);
        record.set("page", "firstPaintMs", 700.0);
        record.set("page", "pinFormMs", 1000.0);
        record.set("page", "gridMs", 1200.0);
        record.set("page", "wireBytes", 102_400.0);
        assert!(record.over_budget().is_empty(), "{:?}", record.over_budget());
        record.set("adds", "ratio", 2.4);
        record.set("page", "wireBytes", 102_401.0);
        assert_eq!(record.over_budget(), ["page.wireBytes", "adds.ratio"]);
    }
}
