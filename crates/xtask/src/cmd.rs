//! Running external programs: every command is echoed before it runs, and a
//! failure names the exact command line that failed.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};

/// The workspace root (`crates/xtask/../..`), so xtask works from any cwd.
pub fn project_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .expect("crates/xtask sits two levels below the workspace root")
            .to_path_buf()
    })
}

/// Cargo's target directory, honouring `CARGO_TARGET_DIR` like cargo does.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => project_root().join(dir),
        None => project_root().join("target"),
    }
}

/// `$CARGO_HOME/bin`, where `cargo install` puts wasm-bindgen.
pub fn cargo_bin_dir() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin")
}

/// PATH with cargo's bin dir in front: a fresh machine may not have it on PATH
/// at all, and the pinned wasm-bindgen we install there must win over any
/// other copy.
fn path_env() -> &'static OsStr {
    static PATH: OnceLock<OsString> = OnceLock::new();
    PATH.get_or_init(|| {
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let first = cargo_bin_dir();
        let rest = std::env::split_paths(&inherited).filter(|dir| *dir != first);
        let dirs: Vec<PathBuf> = std::iter::once(first.clone()).chain(rest).collect();
        std::env::join_paths(dirs).unwrap_or(inherited)
    })
}

/// A command whose PATH includes cargo's bin dir. On Unix, std resolves the
/// program against the child's PATH when it is set, so `wasm-bindgen` is found
/// there even if the parent's PATH lacks it.
pub fn cmd(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    command.env("PATH", path_env()).current_dir(project_root());
    command
}

/// `cargo` from the toolchain running xtask (cargo sets `$CARGO` for us).
pub fn cargo() -> Command {
    cmd(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Whether this process runs as root: decides between `sudo apt-get` and
/// `apt-get`, and whether PostgreSQL needs `runuser -u postgres`.
pub fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    // `id -u` rather than libc::geteuid: the workspace forbids unsafe code.
    *ROOT.get_or_init(|| probe(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0"))
}

/// Runs `command`, inheriting stdout/stderr, and fails unless it exits 0.
pub fn run(command: &mut Command) -> Result<()> {
    let shown = echo(command);
    let status = command.status().with_context(|| format!("could not start `{shown}` (is it installed?)"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs `command` silently and returns its stdout if it exits 0. Used for
/// cheap checks ("which version is installed?") where failure is an answer.
pub fn probe(command: &mut Command) -> Option<String> {
    let output = command.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Prints `$ [cd DIR &&] [VAR=value ...] program args` and returns the
/// printed text (without `$`) for error messages.
pub fn echo(command: &Command) -> String {
    let mut shown = String::new();
    if let Some(dir) = command.get_current_dir()
        && dir != project_root()
    {
        let dir = dir.strip_prefix(project_root()).unwrap_or(dir);
        shown.push_str(&format!("cd {} && ", quote(dir.as_os_str())));
    }
    for (key, value) in command.get_envs() {
        // PATH is the same long value on every command; it would drown the log.
        if let (Some(value), false) = (value, key == "PATH") {
            shown.push_str(&format!("{}={} ", key.to_string_lossy(), quote(value)));
        }
    }
    // `$CARGO` is a long rustup toolchain path; it is the `cargo` the user ran.
    let program = command.get_program();
    if std::env::var_os("CARGO").is_some_and(|cargo| cargo == program) {
        shown.push_str("cargo");
    } else {
        shown.push_str(&quote(program));
    }
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&quote(arg));
    }
    eprintln!("$ {shown}");
    shown
}

/// Quotes an argument only when a shell would need it, so echoed commands
/// can be copied and re-run by hand.
fn quote(arg: &OsStr) -> String {
    let arg = arg.to_string_lossy();
    let plain = !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain { arg.into_owned() } else { format!("'{}'", arg.replace('\'', r"'\''")) }
}
