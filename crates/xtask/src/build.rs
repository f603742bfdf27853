//! `cargo xtask build`: the browser widget, from Rust to the files the server
//! hands out (`www/widget/pkg/`): cargo build, wasm-bindgen, wasm-opt.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::cmd::{cargo, cmd, project_root, run, target_dir};
use crate::sizes::{self, FileSize};
use crate::tools::{self, Mode, Needs, WASM_TARGET};

pub const WIDGET_CRATE: &str = "stampcard-widget";
/// Output directory, relative to the project root (gitignored).
pub const PKG_DIR: &str = "www/widget/pkg";
/// Base name of the generated files: `stampcard_widget.js`, `stampcard_widget_bg.wasm`.
const OUT_NAME: &str = "stampcard_widget";
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

/// The widget's shipped files, once built.
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

/// `cargo xtask build`: ensure tools, build, print sizes.
pub fn main() -> Result<()> {
    tools::ensure(Needs::BUILD, Mode::Install)?;
    print_sizes(&build_widget()?)
}

pub fn print_sizes(widget: &Widget) -> Result<()> {
    sizes::print_table(&project_root().join(PKG_DIR), &widget.sizes()?);
    Ok(())
}

/// Builds the widget, assuming the tools are in place.
pub fn build_widget() -> Result<Widget> {
    let root = project_root();
    let wasm_opt = tools::wasm_opt();
    if !wasm_opt.is_file() {
        bail!("{} is missing: it comes from the npm package `binaryen` in tests/package.json", wasm_opt.display());
    }

    run(cargo().args(["build", "-p", WIDGET_CRATE, "--target", WASM_TARGET, "--profile", PROFILE]))?;
    let built = target_dir().join(WASM_TARGET).join(PROFILE).join(format!("{}.wasm", WIDGET_CRATE.replace('-', "_")));

    // Start from an empty dir so files from an older build (e.g. snippets
    // that no longer exist) are not shipped.
    let pkg = root.join(PKG_DIR);
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg)?;
    }
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--no-typescript"])
        .args(["--out-dir", PKG_DIR, "--out-name", OUT_NAME])
        .arg(&built))?;

    let wasm = pkg.join(format!("{OUT_NAME}_bg.wasm"));
    run(cmd(&wasm_opt)
        .arg("-Oz")
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
