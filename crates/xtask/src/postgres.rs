//! A throwaway PostgreSQL server for one test run, stopped (and its files
//! deleted) when the guard is dropped, on success and on failure alike.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::cmd::{cmd, is_root, run};
use crate::tools::pg_bin;

/// Tries before giving up when the port we picked was taken by someone else
/// between choosing it and the server binding it.
const START_ATTEMPTS: u32 = 3;

pub struct Postgres {
    /// Temp dir holding the cluster (`data/`), its log and its Unix socket.
    dir: PathBuf,
    port: u16,
    /// Set once shut down, so `Drop` does not stop it twice.
    stopped: bool,
}

impl Postgres {
    /// initdb + `pg_ctl start` on a free loopback port, with `fsync=off` (tests need no
    /// durability).
    pub fn start() -> Result<Postgres> {
        Postgres::start_with(false)
    }

    /// Like [`Postgres::start`] but durable (`fsync=on`): benchmarks compare it with a durable
    /// SQLite.
    pub fn start_durable() -> Result<Postgres> {
        Postgres::start_with(true)
    }

    fn start_with(fsync: bool) -> Result<Postgres> {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("stampcard-pg-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // From here on the guard owns the dir: an early return still removes it.
        let mut pg = Postgres { dir, port: 0, stopped: false };
        if is_root() {
            // initdb refuses to run as root, so the cluster belongs to `postgres`.
            run(cmd("chown").arg("postgres:postgres").arg(&pg.dir))?;
        }
        // UTF8 with the C locale: the same encoding on every machine, whatever
        // its locale settings (a bare Debian container would give SQL_ASCII).
        run(pg
            .as_owner("initdb")
            .arg("-D")
            .arg(pg.data_dir())
            .args(["--auth=trust", "--no-sync", "-U", "postgres"])
            .args(["--encoding=UTF8", "--locale=C"]))?;

        for attempt in 1..=START_ATTEMPTS {
            let port = free_port()?;
            // `-k DIR`: keep the Unix socket (and its lock file) in our dir
            // instead of /var/run/postgresql, which may not exist or be shared.
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k '{}' -c fsync={} -c max_connections=200",
                pg.dir.display(),
                if fsync { "on" } else { "off" }
            );
            let started = run(pg
                .as_owner("pg_ctl")
                .arg("-D")
                .arg(pg.data_dir())
                .arg("-w")
                .arg("-l")
                .arg(pg.log_file())
                .arg("start")
                .arg("-o")
                .arg(options));
            match started {
                Ok(()) => {
                    pg.port = port;
                    eprintln!("PostgreSQL is running at {}", pg.url("postgres"));
                    return Ok(pg);
                }
                Err(err) if attempt < START_ATTEMPTS => {
                    eprintln!("{err:#}; retrying on another port\n{}", pg.log_tail());
                }
                Err(err) => return Err(err.context(format!("server log:\n{}", pg.log_tail()))),
            }
        }
        unreachable!("the last attempt returns")
    }

    /// Connection URL for database `db` (trust auth, so no password).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        // Over TCP with trust auth any OS user may act as `postgres`; no runuser needed.
        run(cmd(pg_bin("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", name]))?;
        Ok(self.url(name))
    }

    /// Stops the server and deletes its files, reporting failure (unlike `Drop`).
    pub fn stop(mut self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<()> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        let pid_file = self.data_dir().join("postmaster.pid");
        let mut result = Ok(());
        if pid_file.exists() {
            let stopped =
                run(self.as_owner("pg_ctl").arg("-D").arg(self.data_dir()).args(["-m", "fast", "-w", "stop"]));
            if let Err(err) = stopped {
                // pg_ctl signals the PID in postmaster.pid; do the same by hand
                // with SIGQUIT (immediate shutdown) so nothing outlives the run.
                let killed = std::fs::read_to_string(&pid_file)
                    .ok()
                    .and_then(|text| text.lines().next().map(str::trim).map(str::to_owned))
                    .filter(|pid| pid.parse::<u32>().is_ok())
                    .map(|pid| run(cmd("kill").args(["-QUIT", &pid])));
                result = match killed {
                    Some(Ok(())) => Ok(()),
                    _ => Err(err),
                };
            }
        }
        if let Err(err) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("warning: could not remove {}: {err}", self.dir.display());
        }
        result.context("stopping the test PostgreSQL")
    }

    /// A PostgreSQL command run as the cluster's owner: `postgres` when we are
    /// root (the server refuses root), else ourselves.
    fn as_owner(&self, program: &str) -> Command {
        let program = pg_bin(program);
        let mut command = if is_root() {
            let mut command = cmd("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            cmd(program)
        };
        // The `postgres` user may not be allowed into our cwd; it owns this dir.
        command.current_dir(&self.dir);
        command
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.join("log")
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Err(err) = self.shutdown() {
            eprintln!("warning: {err:#}");
        }
    }
}

/// A port that was free a moment ago: bind port 0, read what the OS picked,
/// release it. The server binds it right after; its `start` retries on a race.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_points_at_loopback() {
        let pg = Postgres { dir: PathBuf::from("/nonexistent"), port: 5999, stopped: true };
        assert_eq!(pg.url("e2e_1"), "postgres://postgres@127.0.0.1:5999/e2e_1");
    }
}
