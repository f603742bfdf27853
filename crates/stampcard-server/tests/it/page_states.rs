//! What the stamp page learns before any PIN (the card's state and dates, so an unusable
//! card says so at once), and the demo shop page served over HTTP.

use serde_json::json;

use crate::helpers::{Options, seed_demo, spawn_app, spawn_app_with};
use crate::page::{page, page_call, setup};

#[tokio::test]
async fn intro_says_whether_the_card_can_be_used() {
    let app = spawn_app().await;
    let cases = [
        (json!({}), "COLLECTING"),
        (json!({"strtYmd": app.day(-30), "endYmd": app.day(-1)}), "EXPIRED"),
        (json!({"strtYmd": app.day(7), "endYmd": app.day(60)}), "NOT_STARTED"),
        (json!({"activeYn": "N"}), "INACTIVE"),
        (json!({"stamps": 5}), "FULL"),
    ];
    for (change, state) in cases {
        let (stamp, token) = setup(&app, 5).await;
        if change.as_object().is_some_and(|fields| !fields.is_empty()) {
            let mut body = change.clone();
            body["stampIdx"] = json!(stamp);
            app.put("/api/stamp/v1/update", body).await.ok();
        }
        let intro = page_call(&app, "GET", &page(&token, ""), None, None).await;
        let intro = intro.ok();
        assert_eq!(intro["state"], state, "{change}: {intro}");
        let stored = app.get(&format!("/api/stamp/v1/get?stampIdx={stamp}")).await;
        let stored = stored.ok();
        assert_eq!(intro["strtYmd"], stored["strtYmd"], "{intro}");
        assert_eq!(intro["endYmd"], stored["endYmd"], "{intro}");
        assert_eq!(intro["pinState"], "UNSET");
    }
}

#[tokio::test]
async fn www_serves_the_demo_shop_page_and_the_demo_prints_its_address() {
    let www = tempfile::tempdir().expect("dir");
    std::fs::write(www.path().join("demo-shop.html"), "<!doctype html><title>demo shop</title>").expect("html");
    let app = spawn_app_with(Options { www_dir: Some(www.path().to_owned()), ..Options::default() }).await;
    let response = reqwest::get(format!("{}/demo-shop.html?stamp=x", app.url)).await.expect("get");
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(headers["content-type"].to_str().unwrap_or_default().starts_with("text/html"));
    // Its query holds a stamp page URL: never sent on as a referrer.
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let csp = headers["content-security-policy"].to_str().unwrap_or_default();
    assert!(csp.contains("script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'"), "{csp}");
    assert!(response.text().await.expect("text").contains("<title>demo shop</title>"));

    let demo = seed_demo(&app).await;
    let text = stampcard_server::demo::instructions(&demo, &app.url, app.today());
    let address = format!("{}/demo-shop.html?stamp={}", app.url, demo.stamp_url);
    assert!(text.contains(&address), "{text}");
}

#[tokio::test]
async fn www_demo_shop_page_missing_answers_with_an_envelope() {
    let app = spawn_app().await;
    let response = app.anonymous("GET", "/demo-shop.html").send().await;
    response.refused(stampcard_core::ErrorCode::RouteNotFound);
    // Says what is missing and how to get it, unlike an unknown route.
    assert!(response.message().contains("the demo shop page is not installed"), "{}", response.message());
    assert!(response.message().contains("demo-shop.html"), "{}", response.message());
}
