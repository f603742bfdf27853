//! `cargo xtask build`: the browser apps, from Rust to the files the server hands
//! out: the customer widget (`www/widget/pkg/`) and the back-office dashboard
//! (`www/dashboard/pkg/`), each by cargo build, wasm-bindgen, wasm-opt.
//!
//! The widget's files are then made cacheable for a year: its wasm, its minified JS glue and
//! its minified loader get content-hashed names (`stampcard_widget_bg.<hash>.wasm`,
//! `stampcard_widget.<hash>.js`, `stampcard.<hash>.js`), listed in `manifest.json`, which the
//! server reads to name them in the stamp page. Shops embed the loader under its stable name,
//! so a copy of it is also written as `stampcard.js` (served at `/widget/stampcard.js`). Every
//! shipped file gets `.br` and `.gz` copies.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

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

/// The loader's source: `<stamp-card>`, with placeholders for the hashed names.
pub const LOADER_SOURCE: &str = "crates/stampcard-widget/loader.js";
/// The placeholders the build replaces in [`LOADER_SOURCE`]: the glue's and the wasm's URLs,
/// relative to the loader.
const LOADER_GLUE: &str = "./STAMPCARD_GLUE.js";
const LOADER_WASM: &str = "./STAMPCARD_WASM.wasm";
/// The stable loader's file in [`PKG_DIR`], served at `/widget/stampcard.js`.
pub const STABLE_LOADER: &str = "stampcard.js";
/// The widget's manifest in [`PKG_DIR`]: the hashed names, read by the server.
pub const MANIFEST: &str = "manifest.json";
/// Hex digits of SHA-256 in a hashed name: 64 bits, ample for one file's versions.
const HASH_HEX_DIGITS: usize = 16;

/// Builds the widget, assuming the tools are in place: the wasm, the minified glue and the
/// minified loader under content-hashed names, the stable loader, their `.br` and `.gz`
/// copies and the manifest. `js` lists the glue and the hashed loader (what the stamp page
/// downloads).
pub fn build_widget() -> Result<Widget> {
    let built = build_app(WIDGET_CRATE, PKG_DIR)?;
    let pkg = project_root().join(PKG_DIR);
    let out_name = WIDGET_CRATE.replace('-', "_");
    let [glue] = built.js.as_slice() else {
        bail!("wasm-bindgen wrote {} JS files (snippets?); the widget's build expects its glue alone", built.js.len());
    };

    let wasm_bytes = std::fs::read(&built.wasm)?;
    let wasm_name = hashed_name(&format!("{out_name}_bg"), "wasm", &wasm_bytes);
    std::fs::remove_file(&built.wasm)?;
    let wasm = pkg.join(&wasm_name);
    std::fs::write(&wasm, &wasm_bytes)?;

    // The glue's own default for the wasm's URL, kept true although the loader passes it.
    let glue_source = std::fs::read_to_string(glue)?;
    let glue_source = replace_once(&glue_source, &format!("'{out_name}_bg.wasm'"), &format!("'{wasm_name}'"))
        .context("wasm-bindgen's glue no longer names its wasm as expected")?;
    std::fs::remove_file(glue)?;
    let glue_min = minify(&glue_source)?;
    let glue_name = hashed_name(&out_name, "js", glue_min.as_bytes());
    let glue = pkg.join(&glue_name);
    std::fs::write(&glue, &glue_min)?;

    let loader_source = std::fs::read_to_string(project_root().join(LOADER_SOURCE))?;
    // The stable loader lives one folder up (`/widget/stampcard.js`), the hashed one beside
    // the files it names.
    let stable = loader_for(&loader_source, &format!("./pkg/{glue_name}"), &format!("./pkg/{wasm_name}"))?;
    let hashed = loader_for(&loader_source, &format!("./{glue_name}"), &format!("./{wasm_name}"))?;
    let loader_name = hashed_name("stampcard", "js", hashed.as_bytes());
    let loader = pkg.join(&loader_name);
    std::fs::write(&loader, &hashed)?;
    let stable_loader = pkg.join(STABLE_LOADER);
    std::fs::write(&stable_loader, &stable)?;

    for file in [&wasm, &glue, &loader, &stable_loader] {
        sizes::write_precompressed(file)?;
    }
    let manifest = serde_json::json!({ "loader": loader_name, "glue": glue_name, "wasm": wasm_name });
    std::fs::write(pkg.join(MANIFEST), serde_json::to_string_pretty(&manifest)? + "\n")?;
    Ok(Widget { wasm, js: vec![glue, loader] })
}

/// `<stem>.<first 16 hex digits of SHA-256>.<ext>`.
fn hashed_name(stem: &str, ext: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{stem}.{}.{ext}", &hex[..HASH_HEX_DIGITS])
}

/// `text` with `from` replaced by `to`, where `from` occurs exactly once.
fn replace_once(text: &str, from: &str, to: &str) -> Result<String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => bail!("expected `{from}` once, found it {n} times"),
    }
}

/// The loader with its placeholders replaced by the glue's and the wasm's URLs, minified.
fn loader_for(source: &str, glue: &str, wasm: &str) -> Result<String> {
    let source = replace_once(source, LOADER_GLUE, glue).with_context(|| format!("in {LOADER_SOURCE}"))?;
    let source = replace_once(&source, LOADER_WASM, wasm).with_context(|| format!("in {LOADER_SOURCE}"))?;
    minify(&source)
}

/// An ES module minified by esbuild (a transform, not a bundle: imports and exports stay).
fn minify(source: &str) -> Result<String> {
    let esbuild = tools::esbuild();
    if !esbuild.is_file() {
        bail!("{} is missing: it comes from the npm package `esbuild` in tests/package.json", esbuild.display());
    }
    let dir = tempdir_for_minify()?;
    let input = dir.join("in.js");
    let output = dir.join("out.js");
    std::fs::write(&input, source)?;
    let result = run(cmd(&esbuild)
        .arg(&input)
        .args(["--minify", "--format=esm", "--target=es2020", "--log-level=warning"])
        .arg(format!("--outfile={}", output.display())))
    .and_then(|()| Ok(std::fs::read_to_string(&output)?));
    std::fs::remove_dir_all(&dir)?;
    result
}

fn tempdir_for_minify() -> Result<PathBuf> {
    let dir = target_dir().join("xtask-minify");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Builds the dashboard, assuming the tools are in place, with brotli and gzip copies of its
/// wasm and JS beside them: the server hands those out to browsers that accept them.
pub fn build_dashboard() -> Result<Widget> {
    let dashboard = build_app(DASHBOARD_CRATE, DASHBOARD_PKG_DIR)?;
    // The glue keeps its name (the page's `dashboard.js` imports it), minified as the widget's.
    for js in &dashboard.js {
        let minified = minify(&std::fs::read_to_string(js)?)?;
        std::fs::write(js, minified)?;
    }
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
    // `--converge` repeats the passes until the module stops shrinking: 1.1 KiB brotli off
    // the dashboard and about 0.2 KiB off the widget, for a slower build.
    opt.args(["-Oz", "--converge"]);
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

fn collect_js(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_change_with_the_content() {
        let a = hashed_name("stampcard", "js", b"a");
        assert_eq!(a, "stampcard.ca978112ca1bbdca.js");
        assert_ne!(a, hashed_name("stampcard", "js", b"b"));
    }

    #[test]
    fn replace_once_refuses_a_missing_or_repeated_placeholder() {
        assert_eq!(replace_once("import './X.js'", "./X.js", "./Y.js").unwrap(), "import './Y.js'");
        assert!(replace_once("nothing", "./X.js", "./Y.js").is_err());
        assert!(replace_once("./X.js ./X.js", "./X.js", "./Y.js").is_err());
    }

    #[test]
    fn the_loader_source_has_each_placeholder_once() {
        let source = std::fs::read_to_string(project_root().join(LOADER_SOURCE)).unwrap();
        assert_eq!((source.matches(LOADER_GLUE).count(), source.matches(LOADER_WASM).count()), (1, 1));
    }
}
