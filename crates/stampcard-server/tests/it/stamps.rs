//! The seed documents' lifecycle with their exact example bodies (ids substituted): create,
//! add to max, validate, redeem with the on-site password, next stamp; update, remove,
//! delete. Plus the demo that `cargo xtask serve` prints.

use chrono::NaiveDate;
use serde_json::{Value, json};
use stampcard_core::ErrorCode;
use stampcard_server::plan::Plan;

use crate::helpers::{Options, seed_demo, spawn_app, spawn_app_with};

/// The seeds' dates are in 2025; pin today inside them.
fn seed_day() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2025, 6, 15)
}

/// `seeds/003`: the create example (its `// ...` comment removed: JSON has none).
fn seed_create(card_idx: i64) -> Value {
    json!({
        "cardIdx": card_idx,
        "domain": "https://vvd.bz",
        "strtYmd": "2025-01-01",
        "endYmd": "2025-12-31",
        "activeYn": "Y",
        "memo": "New Member Registration, IP: 211.111.222.33",
        "userId": "att78z",
        "userNm": "Brown Smith",
        "userPhnno": "+1 123-4567-8900",
        "userEml": "test@gmail.com",
        "userEtc1": "Gold rating",
        "userEtc2": ""
    })
}

#[tokio::test]
async fn seed_lifecycle_over_http() {
    // The create example sets a custom domain, which needs Premium.
    let app = spawn_app_with(Options { plan: Plan::Premium, fake_today: seed_day(), ..Options::default() }).await;
    let card = app.card(10, Some("12345")).await;

    let created = app.post("/api/stamp/v1/create", seed_create(card)).await;
    let stamp = created.ok().as_i64().expect("result is the new stampIdx");

    // seeds/002: add one at a time up to maxStamps; then the card is full.
    for expected in 1..=10 {
        app.put("/api/stamp/v1/add", json!({"stampIdx": stamp})).await.ok();
        assert_eq!(app.count(stamp).await, expected);
    }
    app.put("/api/stamp/v1/add", json!({"stampIdx": stamp})).await.refused(ErrorCode::Full);
    assert_eq!(app.count(stamp).await, 10);

    // Validate: the documented result object, fields in the documented order.
    let raw = app.get(&format!("/api/stamp/v1/validate?stampIdx={stamp}")).await;
    assert!(raw.text.starts_with(r#"{"code":0,"message":"","result":{"stampIdx":"#), "{}", raw.text);
    let positions: Vec<usize> =
        ["\"stampIdx\"", "\"domain\"", "\"cardIdx\"", "\"stampUrl\"", "\"regYmdt\"", "\"payloadVersion\""]
            .iter()
            .map(|key| raw.text.find(key).expect("key present"))
            .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", raw.text);
    let result = app.validate(stamp).await;
    let mut keys: Vec<&str> = result.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut documented = vec![
        "stampIdx",
        "domain",
        "cardIdx",
        "cardNm",
        "cardTtl",
        "stamps",
        "maxStamps",
        "stampUrl",
        "url",
        "strtYmd",
        "endYmd",
        "onsiteYn",
        "onsitePwd",
        "memo",
        "activeYn",
        "userId",
        "userNm",
        "userPhnno",
        "userEml",
        "userEtc1",
        "userEtc2",
        "stampImgUrl",
        "regYmdt",
        "payloadVersion",
    ];
    documented.sort_unstable();
    assert_eq!(keys, documented);
    assert_eq!(result["stampIdx"], stamp);
    assert_eq!(result["cardIdx"], card);
    assert_eq!(result["stamps"], 10);
    assert_eq!(result["maxStamps"], 10);
    assert_eq!(result["domain"], "https://vvd.bz");
    assert_eq!(result["onsiteYn"], "Y");
    assert_eq!(result["onsitePwd"], Value::Null, "only an argon2id hash is stored");
    assert_eq!(result["userId"], "att78z");
    assert_eq!(result["userPhnno"], "+1 123-4567-8900");
    assert_eq!(result["memo"], "New Member Registration, IP: 211.111.222.33");
    assert_eq!(result["strtYmd"], "2025-01-01");
    assert_eq!(result["endYmd"], "2025-12-31");
    assert_eq!(result["payloadVersion"], "v1");
    let reg = result["regYmdt"].as_str().expect("regYmdt");
    assert!(chrono::NaiveDateTime::parse_from_str(reg, "%Y-%m-%d %H:%M:%S").is_ok(), "{reg}");
    let url = result["stampUrl"].as_str().expect("stampUrl");
    let token = url.strip_prefix("https://vvd.bz/stamp/").expect("stampUrl on the stamp's domain");
    assert_eq!(token.len(), 43, "256 random bits, URL-safe base64");

    // seeds/004: redeem with the on-site password. Redeemed is final.
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp, "onsitePwd": "12345"})).await.ok();
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp, "onsitePwd": "12345"}))
        .await
        .refused(ErrorCode::AlreadyRedeemed);
    app.get(&format!("/api/stamp/v1/validate?stampIdx={stamp}")).await.refused(ErrorCode::AlreadyRedeemed);
    app.put("/api/stamp/v1/add", json!({"stampIdx": stamp})).await.refused(ErrorCode::AlreadyRedeemed);
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "stamps": 3})).await.refused(ErrorCode::AlreadyRedeemed);

    // The next cycle: a new stamp.
    let next = app.post("/api/stamp/v1/create", seed_create(card)).await.ok().as_i64().expect("stampIdx");
    assert_ne!(next, stamp);
    assert_ne!(app.token(next).await, app.token(stamp).await);

    // seeds/001: update with its example body.
    let update =
        json!({"stampIdx": next, "cardIdx": card, "stamps": 7, "resetPinYn": "Y", "userEml": "example@gmail.com"});
    app.put("/api/stamp/v1/update", update).await.ok();
    let result = app.validate(next).await;
    assert_eq!((result["stamps"].clone(), result["userEml"].clone()), (json!(7), json!("example@gmail.com")));

    // Remove one.
    app.put("/api/stamp/v1/remove", json!({"stampIdx": next})).await.ok();
    assert_eq!(app.count(next).await, 6);

    // seeds/000: delete, for good, with its history.
    app.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={next}")).send().await.ok();
    app.get(&format!("/api/stamp/v1/validate?stampIdx={next}")).await.refused(ErrorCode::StampNotFound);
    app.get(&format!("/api/stamp/v1/history?stampIdx={next}")).await.refused(ErrorCode::StampNotFound);
    app.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={next}")).send().await.refused(ErrorCode::StampNotFound);
    assert!(app.store.history(next).await.expect("history").is_empty(), "history is gone too");
}

#[tokio::test]
async fn defaults_and_generated_fields() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let stamp = app.stamp(card).await;
    let result = app.validate(stamp).await;
    assert_eq!(result["activeYn"], "Y", "activeYn defaults to Y");
    assert_eq!(result["domain"], app.url.as_str(), "no domain: the server's public URL");
    assert!(result["stampUrl"].as_str().expect("url").starts_with(&format!("{}/stamp/", app.url)));
    let user = result["userId"].as_str().expect("userId");
    assert!(user.starts_with("u_") && user.len() == 14, "generated userId {user}");
    assert_eq!(result["onsiteYn"], "N");

    // Empty userId is the same as absent; an empty domain is the default domain.
    let body = json!({"cardIdx": card, "strtYmd": app.day(0), "endYmd": app.day(30), "userId": "", "domain": ""});
    let other = app.post("/api/stamp/v1/create", body).await.ok().as_i64().expect("idx");
    let result = app.validate(other).await;
    assert!(result["userId"].as_str().expect("userId").starts_with("u_"));
    assert_eq!(result["domain"], app.url.as_str());
    // The server stops gracefully.
    let url = app.url.clone();
    app.stop().await;
    assert!(reqwest::get(format!("{url}/healthz")).await.is_err(), "nothing listens after stop");
}

/// `domain` is an origin (scheme, host, port): anything else would end up inside every
/// `stampUrl`, so it is refused on create and update, and a refusal changes nothing.
#[tokio::test]
async fn domain_is_an_origin_and_builds_the_stamp_url() {
    let app = spawn_app_with(Options { plan: Plan::Premium, ..Options::default() }).await;
    let card = app.card(5, None).await;
    let create =
        |domain: &str| json!({"cardIdx": card, "strtYmd": app.day(0), "endYmd": app.day(30), "domain": domain});
    let stamp =
        app.post("/api/stamp/v1/create", create("https://stamps.example.com:8443/")).await.ok().as_i64().expect("idx");
    let token = app.token(stamp).await;
    let result = app.validate(stamp).await;
    assert_eq!(result["domain"], "https://stamps.example.com:8443", "one trailing slash dropped");
    assert_eq!(result["stampUrl"], format!("https://stamps.example.com:8443/stamp/{token}"));

    for bad in [
        "https://stamps.example.com/shop",
        "https://stamps.example.com/shop/",
        "https://stamps.example.com//",
        "https://stamps.example.com/?utm=1",
        "https://stamps.example.com?utm=1",
        "https://stamps.example.com#top",
        "https://user:secret@stamps.example.com",
        "https://stamps.example.com:99999",
        "stamps.example.com",
    ] {
        let created = app.post("/api/stamp/v1/create", create(bad)).await;
        created.refused(ErrorCode::InvalidUrl);
        assert!(
            created.message().starts_with("domain must be only a scheme, host and optional port"),
            "{bad}: {created:?}"
        );
        let updated = app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "domain": bad})).await;
        updated.refused(ErrorCode::InvalidUrl);
    }
    assert_eq!(app.validate(stamp).await["stampUrl"], format!("https://stamps.example.com:8443/stamp/{token}"));
    app.get(&format!("/api/stamp/v1/validate?stampIdx={}", stamp + 1)).await.refused(ErrorCode::StampNotFound);

    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "domain": "http://127.0.0.1:8080"})).await.ok();
    assert_eq!(app.validate(stamp).await["stampUrl"], format!("http://127.0.0.1:8080/stamp/{token}"));
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "domain": ""})).await.ok();
    assert_eq!(app.validate(stamp).await["stampUrl"], format!("{}/stamp/{token}", app.url));
}

#[tokio::test]
async fn reaching_max_does_not_need_use_yn_and_update_can_redeem() {
    let app = spawn_app().await;
    let card = app.card(3, None).await;
    let stamp = app.stamp(card).await;
    // stamps is the new total, up and down.
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "stamps": 3})).await.ok();
    assert_eq!(app.validate(stamp).await["stamps"], 3, "full without useYn: still valid");
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "stamps": 1})).await.ok();
    assert_eq!(app.count(stamp).await, 1);
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "stamps": 4})).await.refused(ErrorCode::OutOfRange);
    // useYn=Y needs every stamp, counting a stamps in the same request.
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "useYn": "Y"})).await.refused(ErrorCode::NotComplete);
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "stamps": 3, "useYn": "Y"})).await.ok();
    app.get(&format!("/api/stamp/v1/validate?stampIdx={stamp}")).await.refused(ErrorCode::AlreadyRedeemed);
    // Only memo and user fields may still change.
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "memo": "gave a cake instead"})).await.ok();
}

#[tokio::test]
async fn redeem_without_onsite_card_needs_no_password() {
    let app = spawn_app().await;
    let card = app.card(2, None).await;
    let stamp = app.stamp(card).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp})).await.refused(ErrorCode::NotComplete);
    app.add_n(stamp, 2).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp})).await.ok();
}

#[tokio::test]
async fn demo_seed_prints_commands_that_work() {
    let app = spawn_app().await;
    let demo = seed_demo(&app).await;
    assert!(demo.new_account);
    let text = stampcard_server::demo::instructions(&demo, &app.url, app.today());
    assert!(text.contains(&demo.api_key) && text.contains(&demo.stamp_url), "{text}");
    assert_eq!(text.matches("curl -s").count(), 3, "{text}");
    // The three printed commands, sent with the printed key.
    // The printed owner login opens the dashboard.
    assert!(text.contains(stampcard_server::demo::DEMO_OWNER_EMAIL) && text.contains(&demo.owner_password), "{text}");
    assert_eq!(demo_owner_login(&app, &demo.owner_password).await.ok()["role"], "owner");
    let demo_app = app.with_key(demo.api_key.clone());
    demo_app.put("/api/stamp/v1/add", json!({"stampIdx": demo.stamp_idx})).await.ok();
    assert_eq!(demo_app.validate(demo.stamp_idx).await["stamps"], 1);
    let end = demo_app.months_ahead(6);
    demo_app
        .post(
            "/api/stamp/v1/create",
            json!({"cardIdx": demo.card_idx, "strtYmd": demo_app.day(0), "endYmd": end, "userNm": "Second Customer"}),
        )
        .await
        .ok();
    // A second run finds the account and still prints a working key and a working password
    // (a new one: the old one stops working).
    let again = seed_demo(&demo_app).await;
    assert!(!again.new_account);
    assert_eq!(again.card_idx, demo.card_idx);
    let demo_app = demo_app.with_key(again.api_key.clone());
    demo_app.validate(again.stamp_idx).await;
    assert_eq!(demo_owner_login(&demo_app, &again.owner_password).await.ok()["accountIdx"], demo.account_idx);
    demo_owner_login(&demo_app, &demo.owner_password).await.refused(ErrorCode::WrongLogin);
}

async fn demo_owner_login(app: &crate::helpers::TestApp, password: &str) -> crate::helpers::Resp {
    let body = json!({"email": stampcard_server::demo::DEMO_OWNER_EMAIL, "password": password});
    app.anonymous("POST", "/api/admin/v1/login").json(&body).send().await
}
