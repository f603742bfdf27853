//! The card API and the card command-line path.

use serde_json::json;
use stampcard_core::ErrorCode;
use stampcard_core::wire::CardCreateRequest;
use stampcard_server::ops::admin;

use crate::helpers::spawn_app;

#[tokio::test]
async fn create_list_get_update() {
    let app = spawn_app().await;
    let body = json!({
        "cardNm": "Bakery", "cardTtl": "6 buns = 1 free", "maxStamps": 6,
        "stampImgUrl": "https://img.example.com/bun.png", "url": "https://bakery.example.com",
        "onsiteYn": "Y", "onsitePwd": "flour-power"
    });
    let created = app.post("/api/stamp/v1/card/create", body).await;
    let card = created.ok().clone();
    let card_idx = card["cardIdx"].as_i64().expect("cardIdx");
    assert_eq!(card["cardNm"], "Bakery");
    assert_eq!(card["maxStamps"], 6);
    assert_eq!(card["onsiteYn"], "Y");
    assert!(card.get("onsitePwd").is_none(), "write-only");
    assert!(card["regYmdt"].is_string());

    let stored = app.store.card(app.account_idx, card_idx).await.expect("store").expect("card");
    let hash = stored.onsite_pwd_hash.expect("hash");
    assert!(hash.starts_with("$argon2id$") && !hash.contains("flour-power"), "{hash}");

    assert_eq!(app.get(&format!("/api/stamp/v1/card/get?cardIdx={card_idx}")).await.ok(), &card);
    let list = app.get("/api/stamp/v1/card/list").await;
    assert_eq!(list.ok().as_array().expect("list"), &vec![card.clone()]);

    let updated = app
        .put("/api/stamp/v1/card/update", json!({"cardIdx": card_idx, "cardTtl": "5 buns = 1 free", "maxStamps": 5}))
        .await;
    assert_eq!(updated.ok()["cardTtl"], "5 buns = 1 free");
    assert_eq!(updated.ok()["cardNm"], "Bakery", "absent fields unchanged");

    // A new password replaces the old one.
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": card_idx, "onsitePwd": "new-pass"})).await.ok();
    let stamp = app.stamp(card_idx).await;
    app.add_n(stamp, 5).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp, "onsitePwd": "flour-power"}))
        .await
        .refused(ErrorCode::WrongOnsitePassword);
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp, "onsitePwd": "new-pass"})).await.ok();
}

#[tokio::test]
async fn card_refusals() {
    let app = spawn_app().await;
    let cases = [
        (json!({"cardNm": "", "maxStamps": 5}), ErrorCode::EmptyField),
        (json!({"cardNm": "x", "maxStamps": 0}), ErrorCode::OutOfRange),
        (json!({"cardNm": "x", "maxStamps": 101}), ErrorCode::OutOfRange),
        (json!({"cardNm": "x".repeat(101), "maxStamps": 5}), ErrorCode::TooLong),
        (json!({"cardNm": "x", "maxStamps": 5, "url": "ftp://x"}), ErrorCode::InvalidUrl),
        (json!({"cardNm": "x", "maxStamps": 5, "onsiteYn": "Y"}), ErrorCode::OnsitePasswordMissing),
        (json!({"cardNm": "x", "maxStamps": 5, "onsitePwd": "abc"}), ErrorCode::InvalidOnsitePassword),
        (json!({"maxStamps": 5}), ErrorCode::MissingField),
        (json!({"cardNm": "x", "maxStamps": "5"}), ErrorCode::WrongType),
    ];
    for (body, code) in cases {
        let response = app.post("/api/stamp/v1/card/create", body.clone()).await;
        assert_eq!(response.body["code"].as_i64(), Some(i64::from(code.code())), "{body}: {response:?}");
        response.refused(code);
    }
    assert!(app.get("/api/stamp/v1/card/list").await.ok().as_array().expect("list").is_empty(), "nothing half-written");

    let card = app.card(5, None).await;
    let stamp = app.stamp(card).await;
    app.add_n(stamp, 4).await;
    let shrink = app.put("/api/stamp/v1/card/update", json!({"cardIdx": card, "maxStamps": 3})).await;
    shrink.refused(ErrorCode::OutOfRange);
    assert!(shrink.message().contains('4'), "{}", shrink.message());
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": card, "onsiteYn": "Y"}))
        .await
        .refused(ErrorCode::OnsitePasswordMissing);
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": card, "maxStamps": 4})).await.ok();
    app.get("/api/stamp/v1/card/get").await.refused(ErrorCode::MissingField);
}

#[tokio::test]
async fn command_line_card_is_the_same_card() {
    let app = spawn_app().await;
    let request = CardCreateRequest {
        card_nm: "From the CLI".to_owned(),
        card_ttl: None,
        max_stamps: 8,
        stamp_img_url: None,
        url: None,
        onsite_yn: None,
        onsite_pwd: Some("cli-pass".to_owned()),
        ..CardCreateRequest::default()
    };
    let card = admin::create_card(app.store.as_ref(), &app.clock, app.account_idx, request).await.expect("card");
    assert_eq!(card.onsite_yn, stampcard_core::types::YesNo::Y, "a password turns the on-site check on");
    let listed = admin::list_cards(app.store.as_ref(), app.account_idx).await.expect("list");
    assert_eq!(listed, vec![card.clone()]);
    assert_eq!(
        app.get(&format!("/api/stamp/v1/card/get?cardIdx={}", card.card_idx)).await.ok()["cardNm"],
        "From the CLI"
    );
    let bad = CardCreateRequest {
        card_nm: String::new(),
        card_ttl: None,
        max_stamps: 1,
        stamp_img_url: None,
        url: None,
        onsite_yn: None,
        onsite_pwd: None,
        ..CardCreateRequest::default()
    };
    assert!(admin::create_card(app.store.as_ref(), &app.clock, app.account_idx, bad).await.is_err());
}
