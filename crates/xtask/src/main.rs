//! Project automation for stampcard, run as `cargo xtask <command>` (see `HELP`).
//!
//! Everything CI and developers run lives here, in Rust, so that one command
//! (`cargo xtask test`) works the same on a fresh machine and a laptop.

mod bench;
mod bench_record;
mod build;
mod cmd;
mod postgres;
mod schemathesis;
mod serve;
mod sizes;
mod test;
#[cfg(test)]
mod tidy;
mod tools;

use std::process::ExitCode;

const HELP: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  test [--quick]       The CI run, stopping at the first failed step: install missing tools,
                       fmt --check, clippy (native, then wasm32 for core, widget and dashboard), the
                       workspace's native tests on SQLite (the tidy checks included), the
                       server's integration tests again on a throwaway PostgreSQL,
                       schemathesis against a running server's OpenAPI document, the core's,
                       the widget's and the dashboard's wasm tests in headless Chromium, the
                       widget and dashboard builds and the end-to-end test on SQLite and on
                       PostgreSQL, and a smoke run of the bench harness (tiny, debug builds,
                       checks that the report has every figure).
                       --quick: check the tools without installing any, and skip
                       schemathesis, the widget build, the end-to-end test and the bench smoke.
  schemathesis         Only the OpenAPI conformance step of `test` (installs schemathesis
                       in a venv if missing): a running server, on an empty and on a seeded
                       database.
  build                Build the browser widget into www/widget/pkg/ and the back-office
                       dashboard into www/dashboard/pkg/ (installing missing build tools)
                       and print their sizes.
  serve [-- ARGS...]   Build the widget, the dashboard and the server (release) and run
                       `stampcard serve --demo` on ./stampcard.db in the project root;
                       ARGS are appended.
  bench [--strict]     Benchmarks (release builds, about 10 minutes from a fresh clone): the widget's
                       and the dashboard's brotli sizes; durable adds at 64 connections against a
                       raw SQLite loop in alternating rounds, latency at 2,000 adds/s offered, the
                       server's CPU per add, validate against /healthz; the same adds on a
                       throwaway PostgreSQL against pgbench; the stamp page on a phone profile;
                       list pages of 100,000 stamps. Prints one table and writes
                       target/bench/report.json; --strict: exit 1 when one is over its budget.
  help, --help, -h     Show this message.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole context chain on one line, e.g.
            // "step `clippy` failed: `cargo clippy ...` failed (exit status: 101)".
            eprintln!("\nxtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(args: &[String]) -> anyhow::Result<()> {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    // `cargo xtask test --help` asks for help, not for a test run; after `--` the arguments
    // belong to the server (`cargo xtask serve -- --help`).
    if rest.iter().take_while(|arg| *arg != "--").any(|arg| arg == "--help" || arg == "-h") {
        print!("{HELP}");
        return Ok(());
    }
    match command {
        "test" => test::main(test::Options { quick: parse_flags(command, rest, &["--quick"])?.contains(&"--quick") }),
        "build" => {
            parse_flags(command, rest, &[])?;
            build::main()
        }
        "schemathesis" => {
            parse_flags(command, rest, &[])?;
            let needs = tools::Needs { wasm: false, browser: false, postgres: false, node: false, schemathesis: true };
            tools::ensure(needs, tools::Mode::Install)?;
            schemathesis::main()
        }
        "serve" => {
            // `cargo xtask serve -- --listen 0.0.0.0:8080` reaches us as
            // ["--", "--listen", ...]; everything after `--` belongs to the server.
            let extra = rest.strip_prefix(&["--".to_owned()]).unwrap_or(rest);
            serve::main(extra)
        }
        "bench" => {
            bench::main(bench::Options { strict: parse_flags(command, rest, &["--strict"])?.contains(&"--strict") })
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => anyhow::bail!("unknown command `{other}`\n\n{HELP}"),
    }
}

/// Accepts only the flags in `allowed`, so a typo fails loudly instead of
/// silently running the full (slow) pipeline.
fn parse_flags(command: &str, args: &[String], allowed: &[&'static str]) -> anyhow::Result<Vec<&'static str>> {
    args.iter()
        .map(|arg| {
            allowed
                .iter()
                .copied()
                .find(|flag| flag == arg)
                .ok_or_else(|| anyhow::anyhow!("`{command}` does not take `{arg}`\n\n{HELP}"))
        })
        .collect()
}
