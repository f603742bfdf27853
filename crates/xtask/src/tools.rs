//! Making sure the external tools exist, installing only what is missing.
//!
//! CI starts from a fresh Debian 12 machine (root, crates.io/npm/apt only), so
//! `cargo xtask test` must bring everything itself; on a prepared machine each
//! check costs milliseconds.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Result, bail};

use crate::cmd::{cargo, cmd, probe, project_root, run};

/// Must equal the `wasm-bindgen` crate pin in the root Cargo.toml: the CLI
/// refuses wasm built against any other version.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's PostgreSQL 15 server binaries (the `postgresql` package).
pub const PG_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";
/// The schemathesis release the OpenAPI conformance step was verified with; the whole venv is
/// pinned by `SCHEMATHESIS_REQUIREMENTS`.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// `pip freeze` of a working venv, relative to the root.
const SCHEMATHESIS_REQUIREMENTS: &str = "tests/schemathesis/requirements.txt";

/// Whether a missing tool may be installed or is an error.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Install,
    CheckOnly,
}

/// Which tool groups a command needs.
#[derive(Clone, Copy)]
pub struct Needs {
    /// wasm32 target + pinned wasm-bindgen CLI (and its test runner).
    pub wasm: bool,
    /// Chromium + chromedriver for wasm tests and end-to-end tests.
    pub browser: bool,
    /// PostgreSQL 15 server binaries for the throwaway test database.
    pub postgres: bool,
    /// `tests/node_modules` (wasm-opt from binaryen, esbuild, playwright-core, axe-core).
    pub node: bool,
    /// Python 3 with venv, and schemathesis from PyPI in a venv under the target dir.
    pub schemathesis: bool,
}

impl Needs {
    pub const ALL: Needs = Needs { wasm: true, browser: true, postgres: true, node: true, schemathesis: true };
    /// What `build` (and therefore `serve`/`bench`) needs.
    pub const BUILD: Needs = Needs { wasm: true, browser: false, postgres: false, node: true, schemathesis: false };
}

pub fn ensure(needs: Needs, mode: Mode) -> Result<()> {
    if needs.wasm {
        ensure_wasm_target(mode)?;
    }
    // One apt transaction for everything missing: `apt-get update` alone takes
    // a good part of the install time.
    let mut packages = Vec::new();
    if needs.browser {
        if !Path::new(CHROMIUM).exists() {
            packages.push("chromium");
        }
        if !Path::new(CHROMEDRIVER).exists() {
            packages.push("chromium-driver");
        }
    }
    if needs.postgres && !(has_pg_bin("initdb") && has_pg_bin("pg_ctl")) {
        packages.push("postgresql");
    }
    if needs.node && probe(cmd("npm").arg("--version")).is_none() {
        packages.extend(["nodejs", "npm"]);
    }
    // Debian's python3 makes venvs only with python3-venv (it carries ensurepip).
    if needs.schemathesis && probe(cmd("python3").args(["-c", "import ensurepip, venv"])).is_none() {
        packages.extend(["python3", "python3-venv"]);
    }
    apt_install(&packages, mode)?;
    if needs.wasm {
        ensure_wasm_bindgen(mode)?;
    }
    if needs.node {
        // Installing node packages is quick and needs no privileges, so
        // --quick does it too rather than failing.
        ensure_node_deps()?;
    }
    if needs.schemathesis {
        ensure_schemathesis()?;
    }
    Ok(())
}

/// The venv schemathesis is installed in (under the target dir, so `cargo clean` removes it).
pub fn schemathesis_venv() -> PathBuf {
    crate::cmd::target_dir().join("schemathesis-venv")
}

/// A program in the schemathesis venv (`st`, `python`).
pub fn venv_bin(name: &str) -> PathBuf {
    schemathesis_venv().join("bin").join(name)
}

/// Creates the venv and installs the pinned requirements when missing or when the requirements
/// changed since (a copy of the file installed is kept in the venv). No privileges needed.
fn ensure_schemathesis() -> Result<()> {
    let requirements = project_root().join(SCHEMATHESIS_REQUIREMENTS);
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|err| anyhow::anyhow!("reading {}: {err}", requirements.display()))?;
    let installed_copy = schemathesis_venv().join("stampcard-requirements.txt");
    let version = probe(cmd(venv_bin("st")).arg("--version"));
    let up_to_date = std::fs::read_to_string(&installed_copy).is_ok_and(|installed| installed == wanted);
    if up_to_date && version.as_deref().is_some_and(|v| v.trim().ends_with(SCHEMATHESIS_VERSION)) {
        eprintln!("ok: schemathesis {SCHEMATHESIS_VERSION} in {}", schemathesis_venv().display());
        return Ok(());
    }
    eprintln!(
        "schemathesis {SCHEMATHESIS_VERSION} needed: installing it from PyPI into {}",
        schemathesis_venv().display()
    );
    if !venv_bin("python").exists() {
        run(cmd("python3").arg("-m").arg("venv").arg(schemathesis_venv()))?;
    }
    run(cmd(venv_bin("python"))
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r"])
        .arg(&requirements))?;
    match probe(cmd(venv_bin("st")).arg("--version")) {
        Some(v) if v.trim().ends_with(SCHEMATHESIS_VERSION) => {
            std::fs::write(&installed_copy, wanted)
                .map_err(|err| anyhow::anyhow!("writing {}: {err}", installed_copy.display()))?;
            Ok(())
        }
        other => bail!(
            "installed {SCHEMATHESIS_REQUIREMENTS}, but `st --version` reports {other:?} \
             (expected {SCHEMATHESIS_VERSION}; the requirements file and SCHEMATHESIS_VERSION must agree)"
        ),
    }
}

/// A PostgreSQL server binary: Debian's version-15 directory (not on PATH
/// there), else whatever PATH has (other distributions, developer machines).
pub fn pg_bin(name: &str) -> PathBuf {
    let debian = Path::new(PG_BIN_DIR).join(name);
    if debian.is_file() { debian } else { PathBuf::from(name) }
}

fn has_pg_bin(name: &str) -> bool {
    probe(cmd(pg_bin(name)).arg("--version")).is_some()
}

/// `wasm-opt` from the npm `binaryen` package: Debian's binaryen is too old
/// to parse what rustc 1.95 + wasm-bindgen emit.
pub fn wasm_opt() -> PathBuf {
    project_root().join("tests/node_modules/.bin/wasm-opt")
}

/// `esbuild` from the npm package of that name: minifies the widget's JS glue and loader.
pub fn esbuild() -> PathBuf {
    project_root().join("tests/node_modules/.bin/esbuild")
}

fn ensure_wasm_target(mode: Mode) -> Result<()> {
    let installed = probe(cmd("rustup").args(["target", "list", "--installed"]));
    match installed {
        Some(list) if list.lines().any(|line| line.trim() == WASM_TARGET) => {
            eprintln!("ok: rust target {WASM_TARGET} is installed");
            Ok(())
        }
        // Without rustup (a distro toolchain) we cannot check; the wasm build
        // will fail with rustc's own message if the target is really missing.
        None => {
            eprintln!("warning: `rustup` not found; assuming {WASM_TARGET} is available");
            Ok(())
        }
        Some(_) if mode == Mode::CheckOnly => bail!(
            "rust target {WASM_TARGET} is missing: run `rustup target add {WASM_TARGET}` \
             (or `cargo xtask test` without --quick)"
        ),
        Some(_) => run(cmd("rustup").args(["target", "add", WASM_TARGET])),
    }
}

fn wasm_bindgen_version() -> Option<String> {
    let out = probe(cmd("wasm-bindgen").arg("--version"))?;
    // "wasm-bindgen 0.2.130"
    out.split_whitespace().nth(1).map(str::to_owned)
}

fn ensure_wasm_bindgen(mode: Mode) -> Result<()> {
    let found = wasm_bindgen_version();
    let runner = probe(cmd("wasm-bindgen-test-runner").arg("--version")).is_some();
    if found.as_deref() == Some(WASM_BINDGEN_VERSION) && runner {
        eprintln!("ok: wasm-bindgen {WASM_BINDGEN_VERSION} and wasm-bindgen-test-runner");
        return Ok(());
    }
    let found = found.map_or_else(|| "none".to_owned(), |v| format!("version {v}"));
    if mode == Mode::CheckOnly {
        bail!(
            "wasm-bindgen {WASM_BINDGEN_VERSION} is required (found {found}): run \
             `cargo install wasm-bindgen-cli --version {WASM_BINDGEN_VERSION}` \
             (or `cargo xtask test` without --quick)"
        );
    }
    eprintln!("wasm-bindgen {WASM_BINDGEN_VERSION} needed, found {found}: installing (several minutes)");
    // No `--locked`: the CLI's own lockfile wants a crate version this
    // registry does not have (see TOOLCHAIN.md).
    run(cargo().args(["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN_VERSION]))?;
    match wasm_bindgen_version() {
        Some(v) if v == WASM_BINDGEN_VERSION => Ok(()),
        other => bail!(
            "installed wasm-bindgen-cli {WASM_BINDGEN_VERSION}, but `wasm-bindgen --version` \
             now reports {other:?}; is {} on PATH?",
            crate::cmd::cargo_bin_dir().display()
        ),
    }
}

fn apt_install(packages: &[&str], mode: Mode) -> Result<()> {
    if packages.is_empty() {
        return Ok(());
    }
    let list = packages.join(" ");
    if mode == Mode::CheckOnly {
        bail!("missing system packages: {list} (run `cargo xtask test` without --quick)");
    }
    eprintln!("installing system packages: {list}");
    run(&mut apt_get(&["update"]))?;
    let mut install = apt_get(&["install", "-y"]);
    install.args(packages);
    run(&mut install)
}

/// `apt-get ARGS`, through sudo when not root (sudo resets the environment,
/// so DEBIAN_FRONTEND goes on its command line).
fn apt_get(args: &[&str]) -> std::process::Command {
    let mut command = if crate::cmd::is_root() {
        let mut command = cmd("apt-get");
        command.env("DEBIAN_FRONTEND", "noninteractive");
        command
    } else {
        let mut command = cmd("sudo");
        command.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        command
    };
    command.args(args);
    command
}

/// `npm ci` in `tests/` when `node_modules` is missing or older than the
/// manifest/lockfile. npm writes `node_modules/.package-lock.json` on every
/// install, so its mtime tells us when the last install happened.
fn ensure_node_deps() -> Result<()> {
    let dir = project_root().join("tests");
    let manifest = dir.join("package.json");
    if !manifest.is_file() {
        eprintln!("skip: no tests/package.json, no node dependencies to install");
        return Ok(());
    }
    let lockfile = dir.join("package-lock.json");
    let installed_at = mtime(&dir.join("node_modules/.package-lock.json"));
    let changed_at = mtime(&manifest).max(mtime(&lockfile));
    if installed_at.is_some() && installed_at >= changed_at {
        eprintln!("ok: tests/node_modules is up to date");
        return Ok(());
    }
    let mut npm = cmd("npm");
    npm.current_dir(&dir);
    if lockfile.is_file() {
        npm.arg("ci");
    } else {
        npm.arg("install");
    }
    // The audit/funding requests go to registry endpoints CI cannot reach.
    npm.args(["--no-audit", "--no-fund"]);
    run(&mut npm)
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|meta| meta.modified()).ok()
}
