//! `cargo xtask serve`: build everything in release mode and run the product
//! locally (demo data, SQLite file in the project root).

use std::os::unix::process::CommandExt;

use anyhow::{Result, bail};

use crate::build;
use crate::cmd::{cargo, cmd, echo, project_root, run, target_dir};
use crate::tools::{self, Mode, Needs};

pub const SERVER_CRATE: &str = "stampcard-server";
/// The server's binary name (`[[bin]]` of stampcard-server).
pub const SERVER_BIN: &str = "stampcard";

pub fn main(extra_args: &[String]) -> Result<()> {
    tools::ensure(Needs::BUILD, Mode::Install)?;
    build::print_sizes(&build::build_widget()?)?;
    build::print_dashboard_sizes(&build::build_dashboard()?)?;
    run(cargo().args(["build", "--release", "-p", SERVER_CRATE]))?;

    let mut server = cmd(target_dir().join("release").join(SERVER_BIN));
    server
        .args(["serve", "--demo", "--database-url", "sqlite://./stampcard.db"])
        .args(["--www-dir", "www"])
        .args(extra_args)
        .current_dir(project_root());
    echo(&server);
    // exec replaces xtask with the server: Ctrl-C and other signals reach it
    // directly and its exit code becomes ours, with no forwarding needed.
    let err = server.exec();
    bail!("could not start {SERVER_BIN}: {err}")
}
