//! The real `stampcard` binary as a child process: started on a free loopback port, its
//! administration commands run with `--json`, and always killed and reaped by its PID.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The longest one step (a start, a command, the end of the load after the kill) may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// A child process killed (SIGKILL) and reaped by its PID when dropped, so a failing test
/// leaves nothing running.
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        // After a wait() std knows the child is gone and signals nothing: no stray PID is hit.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `stampcard serve`.
pub struct Server {
    /// The process.
    pub process: Reaped,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    log: PathBuf,
}

impl Server {
    /// Starts `stampcard serve` on a free loopback port and waits until `/healthz` answers.
    pub async fn start(database_url: &str, dir: &Path, n: usize) -> Server {
        Server::start_with(database_url, dir, n, &[]).await
    }

    /// [`Server::start`] with more environment variables (flags) for `serve`.
    pub async fn start_with(database_url: &str, dir: &Path, n: usize, env: &[(&str, &str)]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let log = dir.join(format!("serve-{n}.log"));
        let stderr = std::fs::File::create(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_stampcard"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--www-dir"])
            .arg(crate::operator::fake_www(dir))
            .env("DATABASE_URL", database_url)
            .env("STAMPCARD_RATE_LIMIT", "off")
            .env("STAMPCARD_PG_MAX_CONNECTIONS", "8")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start stampcard serve");
        let mut server = Server { process: Reaped(child), url: format!("http://127.0.0.1:{port}"), log };
        let client = reqwest::Client::builder().timeout(Duration::from_secs(1)).build().expect("client");
        let deadline = Instant::now() + STEP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.process.0.try_wait() {
                panic!("stampcard serve exited with {status}: {}", server.log_text());
            }
            if let Ok(response) = client.get(format!("{}/healthz", server.url)).send().await
                && response.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("stampcard serve on port {port} did not become healthy: {}", server.log_text());
    }

    /// Kills the server with SIGKILL (what `Child::kill` sends on Unix) and reaps it.
    pub fn kill(&mut self) {
        self.process.0.kill().expect("SIGKILL stampcard serve");
        self.process.0.wait().expect("reap stampcard serve");
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.0.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Runs a `stampcard` administration command with `--json` and returns its output; killed
/// if it outlives [`STEP_TIMEOUT`].
pub async fn cli(database_url: &str, args: &[&str]) -> Value {
    let child = Command::new(env!("CARGO_BIN_EXE_stampcard"))
        .args(args)
        .arg("--json")
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stampcard");
    let mut child = Reaped(child);
    let deadline = Instant::now() + STEP_TIMEOUT;
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait for stampcard") {
            break status;
        }
        assert!(Instant::now() < deadline, "stampcard {args:?} did not finish in {STEP_TIMEOUT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // The output is a few lines: it fits in the pipe, so the child never blocked on it.
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child.0.stdout.take().expect("stdout").read_to_string(&mut stdout).expect("read stdout");
    child.0.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read stderr");
    assert!(status.success(), "stampcard {args:?} failed ({status}): {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stampcard {args:?} printed {stdout:?}: {e}"))
}
