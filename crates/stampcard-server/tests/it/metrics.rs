//! `GET /metrics`: closed without the operator's token, Prometheus text with it, counting
//! requests by route template (never by raw path: stamp tokens are secrets), password hashes
//! and their queue, and SQLite group commits.

use stampcard_core::ErrorCode;

use crate::helpers::{Backend, Options, Resp, TestApp, spawn_app, spawn_app_with};
use crate::page::set_pin;

const TOKEN: &str = "metrics-token-for-tests-0123456789";

async fn scrape(app: &TestApp, token: Option<&str>) -> Resp {
    let mut call = app.anonymous("GET", "/metrics");
    if let Some(token) = token {
        call = call.header("Authorization", &format!("Bearer {token}"));
    }
    call.send().await
}

/// The value of one sample line, 0 when absent (counters only ever grow, so other tests
/// recording into the same process-wide registry cannot make a difference shrink).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse::<f64>().ok()))
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_need_the_token() {
    let app = spawn_app_with(Options { metrics_token: Some(TOKEN.to_owned()), ..Options::default() }).await;
    scrape(&app, None).await.refused(ErrorCode::MetricsTokenRequired);
    scrape(&app, Some("metrics-token-for-tests-wrong-guess")).await.refused(ErrorCode::MetricsTokenRequired);
    let api_key = app.key.clone();
    app.anonymous("GET", "/metrics")
        .header("Authorization", &format!("APIKey {api_key}"))
        .send()
        .await
        .refused(ErrorCode::MetricsTokenRequired);
    // Without a configured token there is no such endpoint.
    let closed = spawn_app().await;
    scrape(&closed, Some(TOKEN)).await.refused(ErrorCode::RouteNotFound);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app_with(Options { metrics_token: Some(TOKEN.to_owned()), ..Options::default() }).await;
    let card = app.card(5, None).await;
    let stamp = app.stamp(card).await;
    let token = app.token(stamp).await;
    let healthz = r#"stampcard_http_requests_total{method="GET",route="/healthz",status="200"}"#;
    let page = r#"stampcard_http_requests_total{method="GET",route="/api/page/v1/{token}",status="200"}"#;
    let refused = r#"stampcard_http_refusals_total{code="STAMP_NOT_FOUND"}"#;
    let before = scrape(&app, Some(TOKEN)).await;
    assert_eq!(before.status, 200, "{before:?}");
    assert!(before.header("content-type").is_some_and(|t| t.starts_with("text/plain")), "{before:?}");
    for _ in 0..3 {
        assert_eq!(app.anonymous("GET", "/healthz").send().await.status, 200);
    }
    app.anonymous("GET", &format!("/api/page/v1/{token}")).send().await.ok();
    app.get("/api/stamp/v1/validate?stampIdx=999999").await.refused(ErrorCode::StampNotFound);
    // A PIN (one password hash) and an add (one write).
    set_pin(&app, &token, "2580").await;
    app.add_n(stamp, 1).await;
    let after = scrape(&app, Some(TOKEN)).await;
    let text = &after.text;
    assert!(sample(text, healthz) >= sample(&before.text, healthz) + 3.0, "{text}");
    assert!(sample(text, page) >= sample(&before.text, page) + 1.0, "{text}");
    assert!(sample(text, refused) >= sample(&before.text, refused) + 1.0, "{text}");
    let hashes = "stampcard_password_hash_wait_seconds_count";
    assert!(sample(text, hashes) >= sample(&before.text, hashes) + 1.0, "{text}");
    for gauge in ["stampcard_password_hash_waiting ", "stampcard_password_hash_in_flight "] {
        assert!(text.lines().any(|line| line.starts_with(gauge)), "no {gauge}in {text}");
    }
    if matches!(Backend::from_env(), Backend::Sqlite) {
        let groups = "stampcard_sqlite_group_commit_jobs_count";
        assert!(sample(text, groups) >= sample(&before.text, groups) + 1.0, "{text}");
    }
    assert!(text.contains("stampcard_http_request_duration_seconds_bucket{"), "{text}");
    assert!(text.contains("stampcard_http_connections_open"), "{text}");
    assert!(!text.contains(&token), "a stamp token reached the metrics");
}
