//! `cargo xtask build`: the browser apps, from Rust to the files the server hands
//! out: the customer widget (`www/widget/pkg/`) and the back-office dashboard
//! (`www/dashboard/pkg/`), each by cargo build, wasm-bindgen, wasm-opt.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::cmd::{cargo, cmd, project_root, run, target_dir};
use crate::sizes::{self, FileSize};
use crate::tools::{self, Mode, Needs, WASM_TARGET};

pub const WIDGET_CRATE: &str = "stampcard-widget";
/// The widget's output directory, relative to the project root (gitignored).
pub const PKG_DIR: &str = "www/widget/pkg";
pub const DASHBOARD_CRATE: &str = "stampcard-dashboard";
/// The dashboard's output directory, relative to the project root (gitignored).
pub const DASHBOARD_PKG_DIR: &str = "www/dashboard/pkg";
/// Size-tuned cargo profile defined in the root Cargo.toml.
const PROFILE: &str = "wasm-release";

/// binaryen feature flags: exactly the wasm features rustc 1.95 enables by
/// default for wasm32-unknown-unknown (`rustc --print cfg --target
/// wasm32-unknown-unknown`). Today they change nothing: the profile keeps
/// the `target_features` section (`strip = false`), binaryen reads the same
/// features from it, and the output is byte-identical without them. They
/// stay so that the build does not depend on that section: without it
/// (`strip = true` drops it) binaryen's MVP default rejects the
/// `memory.copy` and `i64.trunc_sat` instructions rustc emits. Enabling no
/// more than rustc did keeps wasm-opt from introducing features the input
/// never needed.
pub const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
];

/// A browser app's shipped files, once built (the widget's or the dashboard's).
pub struct Widget {
    pub wasm: PathBuf,
    /// wasm-bindgen's JS glue plus any `snippets/` it copied.
    pub js: Vec<PathBuf>,
}

impl Widget {
    pub fn sizes(&self) -> Result<Vec<FileSize>> {
        std::iter::once(&self.wasm).chain(&self.js).map(|path| sizes::measure(path)).collect()
    }
}

/// `cargo xtask build`: ensure tools, build both apps, print their sizes.
pub fn main() -> Result<()> {
    tools::ensure(Needs::BUILD, Mode::Install)?;
    print_sizes(&build_widget()?)?;
    print_dashboard_sizes(&build_dashboard()?)
}

pub fn print_sizes(widget: &Widget) -> Result<()> {
    sizes::print_table(&project_root().join(PKG_DIR), &widget.sizes()?);
    Ok(())
}

pub fn print_dashboard_sizes(dashboard: &Widget) -> Result<()> {
    sizes::print_table(&project_root().join(DASHBOARD_PKG_DIR), &dashboard.sizes()?);
    Ok(())
}

/// Builds the widget, assuming the tools are in place.
pub fn build_widget() -> Result<Widget> {
    build_app(WIDGET_CRATE, PKG_DIR)
}

/// Builds the dashboard, assuming the tools are in place, with brotli and gzip copies of its
/// wasm and JS beside them: the server hands those out to browsers that accept them.
pub fn build_dashboard() -> Result<Widget> {
    let dashboard = build_app(DASHBOARD_CRATE, DASHBOARD_PKG_DIR)?;
    for file in std::iter::once(&dashboard.wasm).chain(&dashboard.js) {
        sizes::write_precompressed(file)?;
    }
    Ok(dashboard)
}

/// One browser app: `crate_name` to `pkg_dir`, as `<crate_name>.js` and
/// `<crate_name>_bg.wasm` (underscores for dashes).
fn build_app(crate_name: &str, pkg_dir: &str) -> Result<Widget> {
    let root = project_root();
    let wasm_opt = tools::wasm_opt();
    if !wasm_opt.is_file() {
        bail!("{} is missing: it comes from the npm package `binaryen` in tests/package.json", wasm_opt.display());
    }
    let out_name = crate_name.replace('-', "_");

    run(cargo().args(["build", "-p", crate_name, "--target", WASM_TARGET, "--profile", PROFILE]))?;
    let built = target_dir().join(WASM_TARGET).join(PROFILE).join(format!("{out_name}.wasm"));

    // Start from an empty dir so files from an older build (e.g. snippets
    // that no longer exist) are not shipped.
    let pkg = root.join(pkg_dir);
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg)?;
    }
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--no-typescript"])
        .args(["--out-dir", pkg_dir, "--out-name", &out_name])
        .arg(&built))?;

    let wasm = pkg.join(format!("{out_name}_bg.wasm"));
    let mut opt = cmd(&wasm_opt);
    opt.arg("-Oz");
    if crate_name == DASHBOARD_CRATE {
        // Repeats the passes until the module stops shrinking: 1.1 KiB brotli off the
        // dashboard for a slower build; nothing for the widget's size budget needed it.
        opt.arg("--converge");
    }
    run(opt
        .args(WASM_OPT_FEATURES)
        // Custom sections no browser reads.
        .args(["--strip-producers", "--strip-target-features"])
        .arg("-o")
        .arg(&wasm)
        .arg(&wasm))?;

    let mut js = Vec::new();
    collect_js(&pkg, &mut js)?;
    js.sort();
    Ok(Widget { wasm, js })
}

fn collect_js(dir: &std::path::Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_js(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "js") {
            out.push(path);
        }
    }
    Ok(())
}
