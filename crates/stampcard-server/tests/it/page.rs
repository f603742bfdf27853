//! The customer stamp-page API: PINs, sessions, on-site staff actions, the guessing
//! lockout, CORS, and the page and widget files.

use serde_json::{Value, json};
use stampcard_core::ErrorCode;

use crate::helpers::{Options, Resp, TestApp, spawn_app, spawn_app_with};

pub const STAFF: &str = "staff-pass";

pub async fn setup(app: &TestApp, max: u32) -> (i64, String) {
    let card = app.card(max, Some(STAFF)).await;
    let stamp = app.stamp(card).await;
    (stamp, app.token(stamp).await)
}

pub fn page(token: &str, rest: &str) -> String {
    format!("/api/page/v1/{token}{rest}")
}

pub async fn page_call(app: &TestApp, method: &str, path: &str, session: Option<&str>, body: Option<Value>) -> Resp {
    let mut call = app.anonymous(method, path);
    if let Some(session) = session {
        call = call.header("Authorization", &format!("Bearer {session}"));
    }
    if let Some(body) = body {
        call = call.json(&body);
    }
    call.send().await
}

pub async fn set_pin(app: &TestApp, token: &str, pin: &str) -> String {
    let response = page_call(app, "POST", &page(token, "/pin"), None, Some(json!({"pin": pin}))).await;
    let result = response.ok();
    assert_eq!(result["expiresInSecs"], 1800);
    result["sessionToken"].as_str().expect("sessionToken").to_owned()
}

pub async fn open_session(app: &TestApp, token: &str, pin: &str) -> Resp {
    page_call(app, "POST", &page(token, "/session"), None, Some(json!({"pin": pin}))).await
}

#[tokio::test]
async fn pin_set_verify_and_view() {
    let app = spawn_app().await;
    let (stamp, token) = setup(&app, 5).await;

    let intro = page_call(&app, "GET", &page(&token, ""), None, None).await;
    let intro = intro.ok();
    assert_eq!(intro["pinState"], "UNSET");
    assert_eq!(intro["pinLockedSecs"], Value::Null);
    assert_eq!(intro["cardNm"], "Coffee card");
    assert_eq!(intro["cardTtl"], "Free coffee");

    page_call(&app, "GET", &page(&token, "/card"), None, None).await.refused(ErrorCode::SessionRequired);
    open_session(&app, &token, "2580").await.refused(ErrorCode::PinNotSet);
    let simple = page_call(&app, "POST", &page(&token, "/pin"), None, Some(json!({"pin": "1234"}))).await;
    simple.refused(ErrorCode::InvalidPin);
    page_call(&app, "POST", &page(&token, "/pin"), None, Some(json!({"pin": "12a4"})))
        .await
        .refused(ErrorCode::InvalidPin);
    page_call(&app, "POST", &page(&token, "/pin"), None, Some(json!({}))).await.refused(ErrorCode::MissingField);

    let session = set_pin(&app, &token, "2580").await;
    assert_eq!(session.len(), 43);
    let stored = app.store.stamp_and_card(app.account_idx, stamp).await.expect("store").expect("stamp").0;
    assert!(
        stored.pin_hash.as_deref().is_some_and(|h| h.starts_with("$argon2id$")),
        "PINs are stored as argon2id hashes"
    );
    page_call(&app, "POST", &page(&token, "/pin"), None, Some(json!({"pin": "1357"})))
        .await
        .refused(ErrorCode::PinAlreadySet);

    let view = page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await;
    let view = view.ok();
    assert_eq!(view["stamps"], 0);
    assert_eq!(view["maxStamps"], 5);
    assert_eq!(view["state"], "COLLECTING");
    assert_eq!(view["onsiteYn"], "Y");
    assert_eq!(view["today"], app.day(0));
    assert_eq!(view["onsiteLockedSecs"], Value::Null);
    assert_eq!(view["redeemedYmd"], Value::Null);

    // A session opens only its own stamp.
    let (_, other_token) = setup(&app, 5).await;
    page_call(&app, "GET", &page(&other_token, "/card"), Some(&session), None)
        .await
        .refused(ErrorCode::SessionRequired);
    page_call(&app, "GET", &page(&token, "/card"), Some("x"), None).await.refused(ErrorCode::SessionRequired);

    let second = open_session(&app, &token, "2580").await;
    let second = second.ok()["sessionToken"].as_str().expect("token").to_owned();
    assert_ne!(second, session);
    page_call(&app, "GET", &page(&token, "/card"), Some(&second), None).await.ok();

    // Unknown and malformed links.
    let unknown = "A".repeat(43);
    page_call(&app, "GET", &page(&unknown, ""), None, None).await.refused(ErrorCode::StampNotFound);
    page_call(&app, "GET", &page("not-a-token", ""), None, None).await.refused(ErrorCode::StampNotFound);
    page_call(&app, "POST", &page(&unknown, "/pin"), None, Some(json!({"pin": "2580"})))
        .await
        .refused(ErrorCode::StampNotFound);
}

#[tokio::test]
async fn wrong_pins_lock_and_a_right_one_resets_the_count() {
    let app = spawn_app().await;
    let (_, token) = setup(&app, 5).await;
    set_pin(&app, &token, "2580").await;
    // Three wrong, then right: the counter starts over.
    for _ in 0..3 {
        open_session(&app, &token, "9999").await.refused(ErrorCode::WrongPin);
    }
    open_session(&app, &token, "2580").await.ok();
    for attempt in 1..=5 {
        let wrong = open_session(&app, &token, "9999").await;
        wrong.refused(ErrorCode::WrongPin);
        if attempt == 5 {
            assert_eq!(wrong.header("retry-after"), Some("30"), "the fifth wrong PIN starts a 30 s lock");
        }
    }
    // Locked: even the right PIN is refused without being checked.
    let locked = open_session(&app, &token, "2580").await;
    locked.refused(ErrorCode::Locked);
    let retry: u32 = locked.header("retry-after").expect("Retry-After").parse().expect("secs");
    assert!((1..=30).contains(&retry));
    assert!(locked.message().contains("seconds"), "{}", locked.message());
    let change =
        page_call(&app, "PUT", &page(&token, "/pin"), None, Some(json!({"currentPin": "2580", "newPin": "1357"})))
            .await;
    change.refused(ErrorCode::Locked);
    let intro = page_call(&app, "GET", &page(&token, ""), None, None).await;
    let secs = intro.ok()["pinLockedSecs"].as_u64().expect("pinLockedSecs");
    assert!((1..=30).contains(&secs), "{secs}");
}

#[tokio::test]
async fn change_pin() {
    let app = spawn_app().await;
    let (_, token) = setup(&app, 5).await;
    let old_session = set_pin(&app, &token, "2580").await;
    let path = page(&token, "/pin");
    page_call(&app, "PUT", &path, None, Some(json!({"currentPin": "1111", "newPin": "1357"})))
        .await
        .refused(ErrorCode::WrongPin);
    page_call(&app, "PUT", &path, None, Some(json!({"currentPin": "2580", "newPin": "4444"})))
        .await
        .refused(ErrorCode::InvalidPin);
    let changed = page_call(&app, "PUT", &path, None, Some(json!({"currentPin": "2580", "newPin": "1357"}))).await;
    let session = changed.ok()["sessionToken"].as_str().expect("token").to_owned();
    page_call(&app, "GET", &page(&token, "/card"), Some(&old_session), None).await.refused(ErrorCode::SessionRequired);
    page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await.ok();
    open_session(&app, &token, "2580").await.refused(ErrorCode::WrongPin);
    open_session(&app, &token, "1357").await.ok();
}

#[tokio::test]
async fn onsite_add_and_redeem() {
    let app = spawn_app().await;
    let (stamp, token) = setup(&app, 2).await;
    let session = set_pin(&app, &token, "2580").await;
    let add = page(&token, "/onsite/add");
    page_call(&app, "POST", &add, None, Some(json!({"onsitePwd": STAFF}))).await.refused(ErrorCode::SessionRequired);
    page_call(&app, "POST", &add, Some(&session), Some(json!({"onsitePwd": "nope-nope"})))
        .await
        .refused(ErrorCode::WrongOnsitePassword);
    let view = page_call(&app, "POST", &add, Some(&session), Some(json!({"onsitePwd": STAFF}))).await;
    assert_eq!(view.ok()["stamps"], 1);
    let view = page_call(&app, "POST", &add, Some(&session), Some(json!({"onsitePwd": STAFF}))).await;
    assert_eq!(view.ok()["state"], "FULL");
    page_call(&app, "POST", &add, Some(&session), Some(json!({"onsitePwd": STAFF}))).await.refused(ErrorCode::Full);

    let redeem = page(&token, "/onsite/redeem");
    let view = page_call(&app, "POST", &redeem, Some(&session), Some(json!({"onsitePwd": STAFF}))).await;
    let view = view.ok();
    assert_eq!(view["state"], "REDEEMED");
    assert_eq!(view["redeemedYmd"], app.day(0));
    page_call(&app, "POST", &redeem, Some(&session), Some(json!({"onsitePwd": STAFF})))
        .await
        .refused(ErrorCode::AlreadyRedeemed);

    let history = app.store.history(stamp).await.expect("history");
    let onsite: Vec<String> = history
        .iter()
        .filter(|e| e.actor == stampcard_core::wire::HistoryActor::Onsite)
        .map(|e| format!("{:?} {}->{}", e.action, e.stamps_before, e.stamps_after))
        .collect();
    assert_eq!(onsite, ["Add 0->1", "Add 1->2", "Use 2->2"]);
    assert!(history.iter().any(|e| e.action == stampcard_core::wire::HistoryAction::PinSet
        && e.actor == stampcard_core::wire::HistoryActor::Customer));

    // Idempotency-Key on the page's staff actions.
    let (_, token) = setup(&app, 5).await;
    let session = set_pin(&app, &token, "2580").await;
    let add = page(&token, "/onsite/add");
    for _ in 0..2 {
        let response = app
            .anonymous("POST", &add)
            .header("Authorization", &format!("Bearer {session}"))
            .header("Idempotency-Key", "tap-1")
            .json(&json!({"onsitePwd": STAFF}))
            .send()
            .await;
        assert_eq!(response.ok()["stamps"], 1);
    }
}

#[tokio::test]
async fn onsite_lockout_is_separate_from_pins() {
    let app = spawn_app().await;
    let (_, token) = setup(&app, 5).await;
    let session = set_pin(&app, &token, "2580").await;
    let add = page(&token, "/onsite/add");
    for _ in 0..5 {
        page_call(&app, "POST", &add, Some(&session), Some(json!({"onsitePwd": "guess-guess"})))
            .await
            .refused(ErrorCode::WrongOnsitePassword);
    }
    let locked = page_call(&app, "POST", &add, Some(&session), Some(json!({"onsitePwd": STAFF}))).await;
    locked.refused(ErrorCode::Locked);
    assert!(locked.header("retry-after").is_some());
    let view = page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await;
    let view = view.ok();
    assert!(view["onsiteLockedSecs"].as_u64().is_some_and(|s| (1..=30).contains(&s)), "{view}");
    assert_eq!(view["stamps"], 0);
    // PIN entry is not affected.
    open_session(&app, &token, "2580").await.ok();
    let intro = page_call(&app, "GET", &page(&token, ""), None, None).await;
    assert_eq!(intro.ok()["pinLockedSecs"], Value::Null);
}

#[tokio::test]
async fn onsite_needs_an_onsite_card() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let stamp = app.stamp(card).await;
    let token = app.token(stamp).await;
    let session = set_pin(&app, &token, "2580").await;
    let response =
        page_call(&app, "POST", &page(&token, "/onsite/add"), Some(&session), Some(json!({"onsitePwd": "anything"})))
            .await;
    response.refused(ErrorCode::OnsiteNotEnabled);
    assert_eq!(page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await.ok()["onsiteYn"], "N");
}

#[tokio::test]
async fn shop_resets_the_pin() {
    let app = spawn_app().await;
    let (stamp, token) = setup(&app, 5).await;
    let session = set_pin(&app, &token, "2580").await;
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "resetPinYn": "Y"})).await.ok();
    let intro = page_call(&app, "GET", &page(&token, ""), None, None).await;
    assert_eq!(intro.ok()["pinState"], "RESET");
    page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await.refused(ErrorCode::SessionRequired);
    open_session(&app, &token, "2580").await.refused(ErrorCode::PinNotSet);
    let session = set_pin(&app, &token, "1357").await;
    page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await.ok();
    let actions: Vec<String> = app
        .store
        .history(stamp)
        .await
        .expect("history")
        .iter()
        .map(|e| format!("{:?}/{:?}", e.action, e.actor))
        .collect();
    assert_eq!(actions, ["Create/ApiKey", "PinSet/Customer", "Update/ApiKey", "PinReset/ApiKey", "PinSet/Customer"]);

    // Deleting the stamp ends its page.
    app.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={stamp}")).send().await.ok();
    page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await.refused(ErrorCode::StampNotFound);
}

#[tokio::test]
async fn cors_is_open_without_credentials() {
    let app = spawn_app().await;
    let (_, token) = setup(&app, 5).await;
    let preflight = app
        .anonymous("OPTIONS", &page(&token, "/pin"))
        .header("Origin", "https://shop.example.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,authorization,idempotency-key")
        .send()
        .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    let allowed = preflight.header("access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    for header in ["authorization", "content-type", "idempotency-key"] {
        assert!(allowed.contains(header), "{allowed}");
    }
    assert_eq!(preflight.header("access-control-allow-credentials"), None);
    let intro = app.anonymous("GET", &page(&token, "")).header("Origin", "https://shop.example.com").send().await;
    assert_eq!(intro.header("access-control-allow-origin"), Some("*"));
    // Errors carry CORS headers too, so the page can read them.
    let error =
        app.anonymous("GET", &page(&"B".repeat(43), "")).header("Origin", "https://shop.example.com").send().await;
    error.refused(ErrorCode::StampNotFound);
    assert_eq!(error.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn stamp_page_and_widget_files() {
    let www = tempfile::tempdir().expect("dir");
    std::fs::write(www.path().join("stamp.html"), "<!doctype html><title>stamp</title>").expect("html");
    std::fs::create_dir(www.path().join("widget")).expect("dir");
    std::fs::write(www.path().join("widget").join("app.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    std::fs::write(www.path().join("widget").join("app.js"), "export {}").expect("js");
    let app = spawn_app_with(Options { www_dir: Some(www.path().to_owned()), ..Options::default() }).await;
    let (_, token) = setup(&app, 5).await;
    for path in [format!("/stamp/{token}"), "/stamp/unknown-link".to_owned()] {
        let response = reqwest::get(format!("{}{path}", app.url)).await.expect("get");
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/html"));
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let csp = response.headers()["content-security-policy"].to_str().unwrap_or_default().to_owned();
        for directive in ["script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", "frame-ancestors 'none'"] {
            assert!(csp.contains(directive), "{csp}");
        }
        assert!(response.text().await.expect("text").contains("<title>stamp</title>"));
    }
    let wasm = app.anonymous("GET", "/widget/app.wasm").header("Origin", "https://shop.example.com").send().await;
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert!(wasm.header("cache-control").is_some());
    assert_eq!(wasm.header("access-control-allow-origin"), Some("*"));
    assert_eq!(wasm.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(wasm.header("cross-origin-resource-policy"), Some("cross-origin"));
    let js = app.anonymous("GET", "/widget/app.js").send().await;
    assert!(js.header("content-type").is_some_and(|t| t.contains("javascript")), "{js:?}");
    app.anonymous("GET", "/widget/missing.js").send().await.refused(ErrorCode::RouteNotFound);
}

#[tokio::test]
async fn missing_www_dir_answers_with_an_envelope() {
    let app = spawn_app().await;
    let response = app.anonymous("GET", "/stamp/whatever").send().await;
    response.refused(ErrorCode::RouteNotFound);
    assert!(response.message().contains("stamp.html"), "{}", response.message());
    app.anonymous("GET", "/widget/app.wasm").send().await.refused(ErrorCode::RouteNotFound);
}
