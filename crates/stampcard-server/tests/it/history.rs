//! Every change appends an event (what, count before and after, who, when) in the same
//! transaction; refusals append nothing.

use serde_json::{Value, json};
use stampcard_core::ErrorCode;

use crate::helpers::{TestApp, spawn_app};

fn summary(events: &Value) -> Vec<(String, i64, i64, String)> {
    events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["stampsBefore"].as_i64().unwrap_or(-1),
                e["stampsAfter"].as_i64().unwrap_or(-1),
                e["actor"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn history_records_every_change() {
    let app = spawn_app().await;
    let card = app.card(3, None).await;
    let stamp = app.stamp(card).await;
    app.add_n(stamp, 2).await;
    app.put("/api/stamp/v1/remove", json!({"stampIdx": stamp})).await.ok();
    app.put("/api/stamp/v1/remove", json!({"stampIdx": stamp})).await.ok();
    app.put("/api/stamp/v1/remove", json!({"stampIdx": stamp})).await.refused(ErrorCode::NothingToRemove);
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "stamps": 3, "memo": "bonus"})).await.ok();
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp})).await.ok();

    let response = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp}")).await;
    let events = response.ok();
    let expected: Vec<(String, i64, i64, String)> = [
        ("CREATE", 0, 0),
        ("ADD", 0, 1),
        ("ADD", 1, 2),
        ("REMOVE", 2, 1),
        ("REMOVE", 1, 0),
        ("UPDATE", 0, 3),
        ("USE", 3, 3),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), *b, *c, "API_KEY".to_owned()))
    .collect();
    assert_eq!(summary(events), expected);
    let first = &events[0];
    assert_eq!(first["stampIdx"], stamp);
    assert!(first["apiKeyIdx"].as_i64().is_some());
    assert!(first["regYmdt"].as_str().is_some_and(|t| t.len() == 19));
    let ids: Vec<i64> = events.as_array().expect("events").iter().filter_map(|e| e["eventIdx"].as_i64()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first");
}

#[tokio::test]
async fn update_that_resets_pin_and_redeems_says_so() {
    let app = spawn_app().await;
    let card = app.card(2, None).await;
    let stamp = app.stamp(card).await;
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "stamps": 2, "useYn": "Y"})).await.ok();
    let events = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp}")).await.ok().clone();
    let actions: Vec<String> = summary(&events).into_iter().map(|e| e.0).collect();
    assert_eq!(actions, ["CREATE", "UPDATE", "USE"]);
}

/// An update that changes nothing (the stored values sent again) succeeds as before but adds
/// no `UPDATE` event; a real change still does.
#[tokio::test]
async fn update_that_changes_nothing_adds_no_event() {
    let app = spawn_app().await;
    let card = app.card(3, None).await;
    let body = json!({
        "cardIdx": card, "strtYmd": app.day(0), "endYmd": app.day(30), "memo": "regular",
        "userId": "u-17", "userNm": "Kim", "userPhnno": "010-1234-5678", "userEml": "kim@example.com",
        "userEtc1": "gold", "userEtc2": ""
    });
    let stamp = app.post("/api/stamp/v1/create", body).await.ok().as_i64().expect("idx");
    app.add_n(stamp, 1).await;
    async fn history(app: &TestApp, stamp: i64) -> Vec<(String, i64, i64)> {
        let response = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp}")).await;
        summary(response.ok()).into_iter().map(|e| (e.0, e.1, e.2)).collect()
    }
    let before = history(&app, stamp).await;
    assert_eq!(before.len(), 2);
    let same = [
        json!({"stampIdx": stamp}),
        json!({"stampIdx": stamp, "memo": "regular", "userNm": "Kim", "userEtc2": ""}),
        json!({"stampIdx": stamp, "stamps": 1, "cardIdx": card, "activeYn": "Y", "useYn": "N"}),
        json!({"stampIdx": stamp, "strtYmd": app.day(0), "endYmd": app.day(30), "domain": ""}),
        // No PIN is set, so there is none to reset.
        json!({"stampIdx": stamp, "resetPinYn": "Y"}),
        json!({
            "stampIdx": stamp, "cardIdx": card, "stamps": 1.0, "strtYmd": app.day(0), "endYmd": app.day(30),
            "activeYn": "Y", "memo": "regular", "userId": "u-17", "userNm": "Kim", "userPhnno": "010-1234-5678",
            "userEml": "kim@example.com", "userEtc1": "gold", "userEtc2": "", "domain": "", "resetPinYn": "N"
        }),
    ];
    for body in same {
        let response = app.put("/api/stamp/v1/update", body.clone()).await;
        assert_eq!(response.ok(), &Value::Null, "{body}");
        assert_eq!(history(&app, stamp).await, before, "{body}");
    }
    let result = app.validate(stamp).await;
    assert_eq!((result["memo"].clone(), result["stamps"].clone()), (json!("regular"), json!(1)));

    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "memo": "vip"})).await.ok();
    let mut expected = before.clone();
    expected.push(("UPDATE".to_owned(), 1, 1));
    assert_eq!(history(&app, stamp).await, expected);
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "memo": "vip"})).await.ok();
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "activeYn": "N"})).await.ok();
    expected.push(("UPDATE".to_owned(), 1, 1));
    assert_eq!(history(&app, stamp).await, expected, "the repeat adds nothing, the next change does");
}
