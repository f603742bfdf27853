//! The real `stampcard` binary as an operator runs it: start-up errors that name the problem
//! and a serving log that names the database (never a password), a request log without stamp
//! tokens, SIGTERM with a stalled client, the SQLite file left whole after a clean stop (also
//! while another process has it open), and a low open-file limit under many idle sockets.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::helpers::Backend;

const BINARY: &str = env!("CARGO_BIN_EXE_stampcard");

/// The files `serve` checks for in the www folder (the widget's hashed names as its manifest
/// in [`fake_www`] lists them).
const WWW_FILES: [&str; 11] = [
    "stamp.html",
    "widget/pkg/stampcard.js",
    "widget/pkg/stampcard.0000000000000000.js",
    "widget/pkg/stampcard_widget.0000000000000000.js",
    "widget/pkg/stampcard_widget_bg.0000000000000000.wasm",
    "widget/pkg/manifest.json",
    "dashboard/index.html",
    "dashboard/dashboard.js",
    "dashboard/dashboard.css",
    "dashboard/pkg/stampcard_dashboard.js",
    "dashboard/pkg/stampcard_dashboard_bg.wasm",
];

/// A www folder with the files the server checks for at start (their content does not
/// matter to these tests).
pub fn fake_www(dir: &Path) -> PathBuf {
    let www = dir.join("www");
    std::fs::create_dir_all(www.join("widget/pkg")).expect("www");
    std::fs::create_dir_all(www.join("dashboard/pkg")).expect("www");
    for file in WWW_FILES {
        std::fs::write(www.join(file), b"test").expect("www file");
    }
    let manifest = r#"{"loader": "stampcard.0000000000000000.js", "glue": "stampcard_widget.0000000000000000.js",
        "wasm": "stampcard_widget_bg.0000000000000000.wasm"}"#;
    std::fs::write(www.join("widget/pkg/manifest.json"), manifest).expect("www file");
    www
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("stampcard.db").display())
}

/// Runs a CLI command to completion (bounded) and returns its JSON output.
async fn cli(args: &[&str]) -> Value {
    let output = tokio::time::timeout(Duration::from_secs(60), Command::new(BINARY).args(args).output())
        .await
        .expect("the command finished in time")
        .expect("run stampcard");
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("json output")
}

/// An account with an API key, made with the CLI.
async fn account(database_url: &str) -> String {
    let created =
        cli(&["account", "create", "--name", "Shop", "--plan", "personal", "--json", "--database-url", database_url])
            .await;
    created["apiKey"].as_str().expect("apiKey").to_owned()
}

/// A running `stampcard` process, killed on drop if it is still running.
struct Process {
    child: Child,
    /// `http://127.0.0.1:PORT`, once it serves.
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl Process {
    /// Starts `stampcard serve ARGS` on a free port (through `sh -c PREFIX` when given, for
    /// `ulimit`) and waits until it serves.
    async fn serve(args: &[&str], shell_prefix: Option<&str>) -> Process {
        let mut full = vec!["serve", "--listen", "127.0.0.1:0", "--log-json"];
        full.extend_from_slice(args);
        let mut command = match shell_prefix {
            Some(prefix) => {
                let mut command = Command::new("sh");
                command.arg("-c").arg(format!("{prefix} && exec \"$0\" \"$@\"")).arg(BINARY).args(&full);
                command
            }
            None => {
                let mut command = Command::new(BINARY);
                command.args(&full);
                command
            }
        };
        let mut child = command
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn stampcard");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (addr_sender, addr) = tokio::sync::oneshot::channel::<String>();
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let log = stderr.clone();
        tokio::spawn(async move {
            let mut addr_sender = Some(addr_sender);
            while let Ok(Some(line)) = lines.next_line().await {
                let parsed: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                if parsed["fields"]["message"] == "stampcard is serving"
                    && let (Some(sender), Some(addr)) = (addr_sender.take(), parsed["fields"]["addr"].as_str())
                {
                    let _ = sender.send(addr.to_owned());
                }
                log.lock().expect("log").push_str(&format!("{line}\n"));
            }
        });
        let addr = tokio::time::timeout(Duration::from_secs(30), addr)
            .await
            .unwrap_or_else(|_| panic!("stampcard did not start: {}", stderr.lock().expect("log")))
            .unwrap_or_else(|_| panic!("stampcard exited: {}", stderr.lock().expect("log")));
        Process { child, url: format!("http://{addr}"), stderr }
    }

    fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("log").clone()
    }

    /// Sends SIGTERM, as a supervisor does.
    fn terminate(&self) {
        let pid = self.child.id().expect("running");
        let status = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to exit; `None` when it is still running after `wait`.
    async fn wait(&mut self, wait: Duration) -> Option<ExitStatus> {
        tokio::time::timeout(wait, self.child.wait()).await.ok().map(|status| status.expect("wait"))
    }
}

/// Runs `stampcard ARGS` expecting it to fail at start-up; returns its stderr.
async fn failed_start(args: &[&str]) -> String {
    let output = tokio::time::timeout(
        Duration::from_secs(15),
        Command::new(BINARY).args(args).stdin(Stdio::null()).kill_on_drop(true).output(),
    )
    .await
    .unwrap_or_else(|_| panic!("stampcard {args:?} neither started nor failed within 15 s"))
    .expect("run stampcard");
    assert!(!output.status.success(), "stampcard {args:?} started");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn sigterm_stops_within_the_deadline_despite_a_stalled_client() {
    let dir = tempfile::tempdir().expect("dir");
    let www = fake_www(dir.path());
    let database = sqlite_url(dir.path());
    let key = account(&database).await;
    let www = www.display().to_string();
    let mut server = Process::serve(
        &["--database-url", &database, "--www-dir", &www, "--shutdown-timeout", "1", "--request-body-timeout", "120"],
        None,
    )
    .await;
    // A request whose body stops half-way: its handler waits for the rest.
    let mut stalled = TcpStream::connect(server.addr()).await.expect("connect");
    let head = format!(
        "POST /api/stamp/v1/card/create HTTP/1.1\r\nHost: test\r\nAuthorization: APIKey {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"cardNm\":"
    );
    stalled.write_all(head.as_bytes()).await.expect("write");
    // Time for the server to read the head and start waiting for the body (a connection that
    // has sent nothing the server has read is closed at once on shutdown instead).
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.terminate();
    let status = server.wait(Duration::from_secs(20)).await;
    let log = server.stderr();
    assert!(status.is_some_and(|s| s.success()), "not stopped cleanly within 20 s ({status:?}): {log}");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stalled.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the stalled connection is still open");
    assert!(log.contains("shutdown deadline"), "{log}");
}

#[tokio::test]
async fn a_clean_stop_leaves_every_acknowledged_write_in_the_db_file_alone() {
    let dir = tempfile::tempdir().expect("dir");
    let www = fake_www(dir.path()).display().to_string();
    let database = sqlite_url(dir.path());
    let key = account(&database).await;
    let mut server = Process::serve(&["--database-url", &database, "--www-dir", &www], None).await;
    let client = reqwest::Client::new();
    let call = |path: &str, body: Value| {
        client.post(format!("{}{path}", server.url)).header("Authorization", format!("APIKey {key}")).json(&body).send()
    };
    let card: Value = call("/api/stamp/v1/card/create", json!({"cardNm": "Coffee", "maxStamps": 10}))
        .await
        .expect("card")
        .json()
        .await
        .expect("json");
    let card_idx = card["result"]["cardIdx"].as_i64().expect("cardIdx");
    let today = chrono::Utc::now().date_naive();
    let end = today + chrono::Days::new(30);
    for _ in 0..3 {
        let body = json!({"cardIdx": card_idx, "strtYmd": today.to_string(), "endYmd": end.to_string()});
        let stamp: Value = call("/api/stamp/v1/create", body).await.expect("stamp").json().await.expect("json");
        let stamp_idx = stamp["result"].as_i64().unwrap_or_else(|| panic!("{stamp}"));
        for _ in 0..4 {
            let added = client
                .put(format!("{}/api/stamp/v1/add", server.url))
                .header("Authorization", format!("APIKey {key}"))
                .json(&json!({"stampIdx": stamp_idx}))
                .send()
                .await
                .expect("add");
            assert_eq!(added.status(), 200);
        }
    }
    // Another process has the file open meanwhile (a sqlite3 shell, a backup tool): SQLite's
    // own checkpoint when the last connection closes does not happen then, the server's must.
    use sqlx::Connection as _;
    let mut other = sqlx::SqliteConnection::connect(&database).await.expect("open the database beside the server");
    sqlx::query("SELECT COUNT(*) FROM stamps").fetch_one(&mut other).await.expect("read");
    server.terminate();
    let status = server.wait(Duration::from_secs(30)).await;
    assert!(status.is_some_and(|s| s.success()), "{status:?}: {}", server.stderr());

    let db = dir.path().join("stampcard.db");
    let wal = dir.path().join("stampcard.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "{} still holds writes after a clean stop", wal.display());
    // Only the .db file, as a careless backup would copy it.
    let copy = tempfile::tempdir().expect("dir");
    std::fs::copy(&db, copy.path().join("copy.db")).expect("copy");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", copy.path().join("copy.db").display()))
        .await
        .expect("open the copy");
    let (stamps, total): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(stamps), 0) FROM stamps").fetch_one(&mut conn).await.expect("q");
    assert_eq!((stamps, total), (3, 12), "the copied .db lacks acknowledged writes");
    other.close().await.expect("close");
}

#[tokio::test]
async fn many_idle_sockets_under_a_low_open_file_limit_do_not_block_healthz() {
    let dir = tempfile::tempdir().expect("dir");
    let www = fake_www(dir.path()).display().to_string();
    let database = sqlite_url(dir.path());
    let server = Process::serve(
        &["--database-url", &database, "--www-dir", &www, "--header-read-timeout", "1"],
        Some("ulimit -n 256"),
    )
    .await;
    assert!(server.stderr().contains("open-file limit"), "the cap was not fitted under ulimit -n: {}", server.stderr());
    let mut idle = Vec::new();
    for _ in 0..300 {
        if let Ok(Ok(stream)) =
            tokio::time::timeout(Duration::from_millis(500), TcpStream::connect(server.addr())).await
        {
            idle.push(stream);
        }
    }
    assert!(idle.len() > 256, "only {} sockets connected", idle.len());
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    let health = client.get(format!("{}/healthz", server.url)).send().await;
    assert!(health.as_ref().is_ok_and(|r| r.status() == 200), "{health:?}: {}", server.stderr());
    drop(idle);
}

/// Stamp-page tokens are secrets: whatever follows one in a path (`.`, `%20`, `/`, a
/// sub-path), the request log of the running server shows only its first characters.
#[tokio::test]
async fn stamp_tokens_never_reach_the_request_log() {
    let dir = tempfile::tempdir().expect("dir");
    let www = fake_www(dir.path()).display().to_string();
    let database = sqlite_url(dir.path());
    let server = Process::serve(&["--database-url", &database, "--www-dir", &www], None).await;
    let token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";
    let paths = [
        format!("/stamp/{token}"),
        format!("/stamp/{token}."),
        format!("/stamp/{token}%20"),
        format!("/stamp/{token}/"),
        format!("/api/page/v1/{token}"),
        format!("/api/page/v1/{token}/card"),
        format!("/api/page/v1/{token}%00/session"),
    ];
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    for path in &paths {
        client.get(format!("{}{path}", server.url)).send().await.expect("an answer");
    }
    // Another task collects the log: wait for every request's line.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let log = loop {
        let log = server.stderr();
        if log.matches("stampcard::request").count() >= paths.len() {
            break log;
        }
        assert!(tokio::time::Instant::now() < deadline, "the request lines were not logged: {log}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(log.contains("/stamp/AbCd…") && log.contains("/api/page/v1/AbCd…"), "{log}");
    for start in 4..token.len() - 8 {
        assert!(!log.contains(&token[start..start + 8]), "the token reached the log: {log}");
    }
}

#[tokio::test]
async fn serve_refuses_to_start_without_the_www_folder_or_the_built_widget_or_dashboard() {
    let dir = tempfile::tempdir().expect("dir");
    let database = sqlite_url(dir.path());
    let absent = dir.path().join("no-such-www").display().to_string();
    let stderr =
        failed_start(&["serve", "--listen", "127.0.0.1:0", "--database-url", &database, "--www-dir", &absent]).await;
    assert!(stderr.contains(&absent) && stderr.contains("does not exist"), "{stderr}");

    let www = dir.path().join("www");
    std::fs::create_dir_all(www.join("widget")).expect("www");
    std::fs::write(www.join("stamp.html"), b"<html>").expect("file");
    let www = www.display().to_string();
    let stderr =
        failed_start(&["serve", "--listen", "127.0.0.1:0", "--database-url", &database, "--www-dir", &www]).await;
    assert!(stderr.contains("cargo xtask build") && stderr.contains("manifest.json"), "{stderr}");
    assert!(stderr.contains(&www), "{stderr}");

    // A manifest naming a file the build did not leave.
    let built = fake_www(dir.path());
    std::fs::remove_file(built.join("widget/pkg/stampcard_widget_bg.0000000000000000.wasm")).expect("remove");
    let built = built.display().to_string();
    let stderr =
        failed_start(&["serve", "--listen", "127.0.0.1:0", "--database-url", &database, "--www-dir", &built]).await;
    assert!(
        stderr.contains("cargo xtask build") && stderr.contains("stampcard_widget_bg.0000000000000000.wasm"),
        "{stderr}"
    );

    // The widget built, the dashboard not: the back office at / would be blank.
    let www = fake_www(dir.path());
    std::fs::remove_file(www.join("dashboard/pkg/stampcard_dashboard_bg.wasm")).expect("remove");
    let www = www.display().to_string();
    let stderr =
        failed_start(&["serve", "--listen", "127.0.0.1:0", "--database-url", &database, "--www-dir", &www]).await;
    assert!(stderr.contains("the dashboard") && stderr.contains("www/dashboard/pkg/"), "{stderr}");
    assert!(stderr.contains("stampcard_dashboard_bg.wasm") && !stderr.contains("stampcard_widget"), "{stderr}");
}

#[tokio::test]
async fn a_missing_sqlite_folder_is_named_with_its_fix() {
    let dir = tempfile::tempdir().expect("dir");
    let www = fake_www(dir.path()).display().to_string();
    let folder = dir.path().join("var/lib/stampcard");
    let database = format!("sqlite://{}/stampcard.db", folder.display());
    let stderr =
        failed_start(&["serve", "--listen", "127.0.0.1:0", "--database-url", &database, "--www-dir", &www]).await;
    assert!(stderr.contains(&format!("mkdir -p {}", folder.display())), "{stderr}");
}

/// The running server's log names its database, and never the password in its URL. (The
/// test PostgreSQL trusts local connections, so a password in the URL is accepted and ignored.)
#[tokio::test]
async fn the_serving_log_names_the_database_and_never_its_password() {
    let dir = tempfile::tempdir().expect("dir");
    let www = fake_www(dir.path()).display().to_string();
    let password = "Hunter2-Secret-Pw";
    let (database, shown) = match Backend::from_env() {
        Backend::Sqlite => (sqlite_url(dir.path()), sqlite_url(dir.path())),
        backend @ Backend::Postgres(_) => {
            let url = backend.fresh_database_url(&dir).await;
            let (scheme, rest) = url.split_once("://").expect("a URL");
            let (user, host) = rest.split_once('@').unwrap_or(("postgres", rest));
            (format!("{scheme}://{user}:{password}@{host}"), host.to_owned())
        }
    };
    let mut server = Process::serve(&["--database-url", &database, "--www-dir", &www], None).await;
    server.terminate();
    let status = server.wait(Duration::from_secs(30)).await;
    let log = server.stderr();
    assert!(status.is_some_and(|s| s.success()), "{status:?}: {log}");
    assert!(log.contains(&shown), "the database is not named: {log}");
    assert!(!log.contains(password), "the password leaked: {log}");
}

#[tokio::test]
async fn postgres_start_up_errors_name_the_host_and_never_the_password() {
    let dir = tempfile::tempdir().expect("dir");
    let www = fake_www(dir.path()).display().to_string();
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let password = "Hunter2-Secret-Pw";
    let database = format!("postgres://stampcard:{password}@127.0.0.1:{port}/stampcard");
    for args in [
        vec!["serve", "--listen", "127.0.0.1:0", "--database-url", &database, "--www-dir", &www],
        vec!["card", "list", "--account", "1", "--database-url", &database],
    ] {
        let stderr = failed_start(&args).await;
        assert!(!stderr.contains(password), "the password leaked: {stderr}");
        assert!(stderr.contains(&format!("127.0.0.1:{port}")), "the host is not named: {stderr}");
        assert!(stderr.to_lowercase().contains("connection refused"), "the cause is not named: {stderr}");
    }
}
