//! Connection timeouts and the connection cap, over raw sockets: a client that sends nothing,
//! sends its headers a byte at a time, idles between requests or stalls mid-body is cut off;
//! a kept-alive connection is not cut by the header timeout; clients over the cap wait.

use std::time::{Duration, Instant};

use stampcard_core::ErrorCode;
use stampcard_server::config::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Options, TestApp, spawn_app_with};

/// Long enough never to fire in a test unless the test is about it.
const LONG: Duration = Duration::from_secs(60);

async fn app_with(limits: Limits) -> TestApp {
    spawn_app_with(Options { limits, ..Options::default() }).await
}

fn limits(header: Duration, keep_alive: Duration, body: Duration) -> Limits {
    Limits {
        header_read_timeout: header,
        keep_alive_timeout: keep_alive,
        request_body_timeout: body,
        ..Limits::default()
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.url.trim_start_matches("http://")).await.expect("connect")
}

/// Reads until the server closes the connection; `None` when it is still open after `wait`.
async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let reading = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(wait, reading).await.ok()?;
    Some(received)
}

/// Reads one response with a `Content-Length` body, leaving the connection open.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text;
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("response in time")
            .expect("read");
        assert!(n > 0, "connection closed before a whole response: {text}");
        received.extend_from_slice(&buf[..n]);
    }
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let app = app_with(limits(Duration::from_millis(500), LONG, LONG)).await;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    let received = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert_eq!(received, Some(Vec::new()), "the silent connection stayed open");
    assert!(started.elapsed() >= Duration::from_millis(400), "closed before the timeout: {:?}", started.elapsed());
}

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_are_cut_off() {
    let app = app_with(limits(Duration::from_secs(1), LONG, LONG)).await;
    let stream = connect(&app).await;
    let (mut reader, mut writer) = stream.into_split();
    // 37 bytes at one per 200 ms: the headers would be complete after 7 s.
    let trickle = tokio::spawn(async move {
        for byte in HEALTHZ {
            if writer.write_all(&[*byte]).await.is_err() {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        true
    });
    let mut received = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut received)).await;
    assert!(closed.is_ok(), "the slow client was not cut off");
    assert!(!String::from_utf8_lossy(&received).contains("200 OK"), "the slow request was served");
    trickle.abort();
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout() {
    // The keep-alive timeout is the shorter one here, so closing after it is its doing.
    let app = app_with(limits(Duration::from_secs(20), Duration::from_millis(500), LONG)).await;
    let mut stream = connect(&app).await;
    stream.write_all(HEALTHZ).await.expect("write");
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    let received = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert_eq!(received, Some(Vec::new()), "the idle connection stayed open");
}

#[tokio::test]
async fn a_kept_alive_connection_outlives_the_header_timeout() {
    // hyper's own header timer would close this connection after 500 ms of idling.
    let app = app_with(limits(Duration::from_millis(500), LONG, LONG)).await;
    let mut stream = connect(&app).await;
    stream.write_all(HEALTHZ).await.expect("write");
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stream.write_all(HEALTHZ).await.expect("write on the kept-alive connection");
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_body_that_stalls_is_answered_408_and_closed() {
    let app = app_with(limits(LONG, LONG, Duration::from_millis(500))).await;
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /api/stamp/v1/card/create HTTP/1.1\r\nHost: test\r\nAuthorization: APIKey {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"cardNm\":",
        app.key
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let received = read_until_closed(&mut stream, Duration::from_secs(10)).await.expect("the stalled body held on");
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let body: serde_json::Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(body["code"], ErrorCode::RequestTimeout.code(), "{text}");
    assert!(body["result"].is_null(), "{text}");
    assert!(app.store.cards(app.account_idx).await.expect("cards").is_empty(), "half a body wrote a card");
}

#[tokio::test]
async fn clients_over_the_connection_cap_wait_until_one_closes() {
    let app = app_with(Limits { max_connections: 2, ..limits(LONG, LONG, LONG) }).await;
    // Two connections that each completed a request hold both slots.
    let mut first = connect(&app).await;
    let mut second = connect(&app).await;
    for stream in [&mut first, &mut second] {
        stream.write_all(HEALTHZ).await.expect("write");
        assert!(read_response(stream).await.starts_with("HTTP/1.1 200"));
    }
    let client = reqwest::Client::builder().timeout(Duration::from_millis(700)).build().expect("client");
    let refused = client.get(format!("{}/healthz", app.url)).send().await;
    assert!(refused.is_err(), "a third connection was served past the cap of 2: {refused:?}");
    drop(first);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let served = client.get(format!("{}/healthz", app.url)).send().await.expect("served once a slot is free");
    assert_eq!(served.status(), 200);
}

#[tokio::test]
async fn a_client_that_stops_reading_its_response_is_cut_off() {
    const SIZE: usize = 32 << 20;
    let www = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(www.path().join("widget")).expect("widget dir");
    std::fs::write(www.path().join("widget/big.bin"), vec![0u8; SIZE]).expect("big file");
    let limits = Limits { send_timeout: Duration::from_millis(500), ..limits(LONG, LONG, LONG) };
    let app = spawn_app_with(Options { limits, www_dir: Some(www.path().to_owned()), ..Options::default() }).await;
    // A small receive window, so the server's writes wait as soon as its own buffer is full.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer size");
    let mut stream =
        socket.connect(app.url.trim_start_matches("http://").parse().expect("addr")).await.expect("connect");
    stream.write_all(b"GET /widget/big.bin HTTP/1.1\r\nHost: test\r\n\r\n").await.expect("write");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = read_until_closed(&mut stream, Duration::from_secs(20)).await;
    let received = received.map_or(usize::MAX, |bytes| bytes.len());
    assert!(received < SIZE, "the whole response was kept for a client that did not read ({received} bytes)");
}
