//! `/healthz` tells a load balancer the truth quickly: 503 on SQLite when the disk is nearly
//! full (reads still work then, writes do not), and 503 within its 2 s bound when PostgreSQL
//! stops answering (a network partition: connections open, no replies).

use std::sync::Arc;
use std::time::{Duration, Instant};

use stampcard_core::ErrorCode;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, watch};

use crate::helpers::{Backend, Options, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_is_ok_on_a_healthy_server() {
    let app = spawn_app().await;
    let answer = app.get("/healthz").await;
    assert_eq!(answer.ok()["status"], "ok");
}

/// Each backend's way of failing while the process itself is fine.
#[tokio::test]
async fn healthz_is_503_when_the_database_cannot_serve() {
    match Backend::from_env() {
        Backend::Sqlite => assert_full_sqlite_disk_is_503().await,
        Backend::Postgres(admin_url) => assert_postgres_partition_is_503(&admin_url).await,
    }
}

async fn assert_full_sqlite_disk_is_503() {
    // No test machine has an exbibyte free: the disk reads as full.
    let app = spawn_app_with(Options { sqlite_min_free_bytes: 1 << 60, ..Options::default() }).await;
    app.get("/healthz").await.refused(ErrorCode::Unavailable);
    // The shop's API still reads and writes: only the health check says stop sending traffic.
    app.post("/api/stamp/v1/card/create", serde_json::json!({"cardNm": "Disk", "maxStamps": 5})).await.ok();
}

/// PostgreSQL through a proxy that is then cut without closing anything: `/healthz` must say
/// 503 within its bound instead of waiting on a socket that never answers.
async fn assert_postgres_partition_is_503(admin_url: &str) {
    let target = reqwest::Url::parse(admin_url).expect("PostgreSQL URL");
    let upstream = format!("{}:{}", target.host_str().expect("host"), target.port().unwrap_or(5432));
    let proxy = Partition::start(upstream).await;
    let app = spawn_app_with(Options { postgres_port: Some(proxy.port), ..Options::default() }).await;
    app.get("/healthz").await.ok();

    proxy.cut();
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(20), app.get("/healthz")).await.expect("an answer");
    answer.refused(ErrorCode::Unavailable);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(4), "/healthz took {waited:?} to report PostgreSQL gone");
}

/// A TCP proxy on 127.0.0.1 that forwards until `cut`, then holds every connection (old and
/// new) open without passing a byte, as a partitioned network does.
struct Partition {
    port: u16,
    cut: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Partition {
    async fn start(upstream: String) -> Partition {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let (cut, cut_seen) = watch::channel(false);
        let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (upstream, mut cut_seen, held) = (upstream.clone(), cut_seen.clone(), held.clone());
                tokio::spawn(async move {
                    if !*cut_seen.borrow() {
                        let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
                            _ = cut_seen.wait_for(|cut| *cut) => {}
                        }
                    }
                    held.lock().await.push(client);
                });
            }
        });
        Partition { port, cut, task }
    }

    fn cut(&self) {
        self.cut.send_replace(true);
    }
}

impl Drop for Partition {
    fn drop(&mut self) {
        self.task.abort();
    }
}
