//! The back office's files: `/` serves the dashboard's page with its security headers, its
//! wasm and scripts come from `/dashboard/*`, and a server without them says so in the
//! envelope.

use stampcard_core::ErrorCode;

use crate::helpers::{Options, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_dashboard_is_served_at_the_root() {
    let www = tempfile::tempdir().expect("dir");
    let dir = www.path().join("dashboard");
    std::fs::create_dir_all(dir.join("pkg")).expect("dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>back office</title>").expect("html");
    std::fs::write(dir.join("pkg").join("app_bg.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    // Stand-ins for the build's precompressed copies: only which file is sent matters here.
    std::fs::write(dir.join("pkg").join("app_bg.wasm.br"), b"brotli bytes").expect("br");
    std::fs::write(dir.join("pkg").join("app_bg.wasm.gz"), b"gzip bytes").expect("gz");
    std::fs::write(dir.join("dashboard.js"), "export {}").expect("js");
    let app = spawn_app_with(Options { www_dir: Some(www.path().to_owned()), ..Options::default() }).await;

    let response = reqwest::get(format!("{}/", app.url)).await.expect("get");
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(headers["content-type"].to_str().unwrap_or_default().starts_with("text/html"));
    assert_eq!(headers["cache-control"], "no-cache");
    let csp = headers["content-security-policy"].to_str().unwrap_or_default().to_owned();
    for directive in ["script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(response.text().await.expect("text").contains("<title>back office</title>"));

    // Same-origin files: no CORS header, unlike the widget's.
    let wasm =
        app.anonymous("GET", "/dashboard/pkg/app_bg.wasm").header("Origin", "https://shop.example.com").send().await;
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.header("cache-control"), Some("no-cache"));
    assert_eq!(wasm.header("access-control-allow-origin"), None);
    assert_eq!(wasm.header("content-encoding"), None, "no Accept-Encoding: the plain file");
    let br = app.anonymous("GET", "/dashboard/pkg/app_bg.wasm").header("Accept-Encoding", "gzip, br").send().await;
    assert_eq!((br.status, br.header("content-encoding")), (200, Some("br")));
    assert_eq!(br.header("vary"), Some("accept-encoding"), "caches must keep one copy per encoding");
    assert_eq!(br.header("content-type"), Some("application/wasm"));
    assert_eq!(br.text, "brotli bytes");
    let gz = app.anonymous("GET", "/dashboard/pkg/app_bg.wasm").header("Accept-Encoding", "gzip").send().await;
    assert_eq!((gz.header("content-encoding"), gz.text.as_str()), (Some("gzip"), "gzip bytes"));
    let js = app.anonymous("GET", "/dashboard/dashboard.js").send().await;
    assert!(js.header("content-type").is_some_and(|t| t.contains("javascript")), "{js:?}");
    app.anonymous("GET", "/dashboard/missing.js").send().await.refused(ErrorCode::RouteNotFound);
    // Only the root is the dashboard's page; other paths stay the API's 404.
    app.anonymous("GET", "/nope").send().await.refused(ErrorCode::RouteNotFound);
}

#[tokio::test]
async fn a_server_without_the_dashboard_says_how_to_build_it() {
    let app = spawn_app().await;
    let response = app.anonymous("GET", "/").send().await;
    response.refused(ErrorCode::RouteNotFound);
    assert!(response.message().contains("index.html"), "{}", response.message());
    assert!(response.message().contains("cargo xtask build"), "{}", response.message());
}
