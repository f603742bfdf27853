//! Every change appends an event (what, count before and after, who, when) in the same
//! transaction; refusals append nothing.

use serde_json::{Value, json};
use stampcard_core::ErrorCode;

use crate::helpers::spawn_app;

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
