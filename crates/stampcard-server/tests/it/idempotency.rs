//! Exactly once: `Idempotency-Key` replays the stored response and applies nothing again.

use serde_json::json;
use stampcard_core::ErrorCode;
use stampcard_server::plan::Plan;

use crate::helpers::spawn_app;

#[tokio::test]
async fn same_key_same_body_replays_without_applying() {
    let app = spawn_app().await;
    let card = app.card(10, None).await;
    let stamp = app.stamp(card).await;
    let body = json!({"stampIdx": stamp});
    let first = app.call("PUT", "/api/stamp/v1/add").header("Idempotency-Key", "visit-42").json(&body).send().await;
    first.ok();
    assert_eq!(first.header("idempotency-replayed"), None);
    for _ in 0..3 {
        let again = app.call("PUT", "/api/stamp/v1/add").header("Idempotency-Key", "visit-42").json(&body).send().await;
        again.ok();
        assert_eq!(again.header("idempotency-replayed"), Some("true"));
        assert_eq!(again.body, first.body);
    }
    assert_eq!(app.count(stamp).await, 1);
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp}")).await;
    assert_eq!(history.ok().as_array().expect("events").len(), 2, "CREATE and one ADD");

    // Create replays the same stampIdx instead of issuing a second stamp.
    let create = json!({"cardIdx": card, "strtYmd": app.day(0), "endYmd": app.day(9)});
    let a = app.call("POST", "/api/stamp/v1/create").header("Idempotency-Key", "signup-7").json(&create).send().await;
    let b = app.call("POST", "/api/stamp/v1/create").header("Idempotency-Key", "signup-7").json(&create).send().await;
    assert_eq!(a.ok(), b.ok());

    // Delete too (no body: the key covers method and path).
    let path = format!("/api/stamp/v1/delete?stampIdx={stamp}");
    app.call("DELETE", &path).header("Idempotency-Key", "cleanup").send().await.ok();
    let replay = app.call("DELETE", &path).header("Idempotency-Key", "cleanup").send().await;
    replay.ok();
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    app.call("DELETE", &path).send().await.refused(ErrorCode::StampNotFound);
}

#[tokio::test]
async fn same_key_other_body_is_refused() {
    let app = spawn_app().await;
    let card = app.card(10, None).await;
    let (a, b) = (app.stamp(card).await, app.stamp(card).await);
    app.call("PUT", "/api/stamp/v1/add")
        .header("Idempotency-Key", "k1")
        .json(&json!({"stampIdx": a}))
        .send()
        .await
        .ok();
    let reused =
        app.call("PUT", "/api/stamp/v1/add").header("Idempotency-Key", "k1").json(&json!({"stampIdx": b})).send().await;
    reused.refused(ErrorCode::IdempotencyKeyReused);
    // Another endpoint with the same key is another request, too.
    app.call("PUT", "/api/stamp/v1/remove")
        .header("Idempotency-Key", "k1")
        .json(&json!({"stampIdx": a}))
        .send()
        .await
        .refused(ErrorCode::IdempotencyKeyReused);
    assert_eq!((app.count(a).await, app.count(b).await), (1, 0));
}

#[tokio::test]
async fn refusals_are_stored_and_keys_are_per_account() {
    let app = spawn_app().await;
    let card = app.card(1, None).await;
    let stamp = app.stamp(card).await;
    let remove = json!({"stampIdx": stamp});
    // A refusal is replayed as well, even after the state changed.
    app.call("PUT", "/api/stamp/v1/remove")
        .header("Idempotency-Key", "r")
        .json(&remove)
        .send()
        .await
        .refused(ErrorCode::NothingToRemove);
    app.add_n(stamp, 1).await;
    let replay = app.call("PUT", "/api/stamp/v1/remove").header("Idempotency-Key", "r").json(&remove).send().await;
    replay.refused(ErrorCode::NothingToRemove);
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(app.count(stamp).await, 1);

    // Keys are scoped per account: another account's identical key is its own.
    let (_, other_key) = app.other_account(Plan::Personal).await;
    let other = app.with_key(other_key);
    let own_card = other.card(3, None).await;
    let own = other.stamp(own_card).await;
    other
        .call("PUT", "/api/stamp/v1/add")
        .header("Idempotency-Key", "r")
        .json(&json!({"stampIdx": own}))
        .send()
        .await
        .ok();
}

#[tokio::test]
async fn malformed_keys_are_refused() {
    let app = spawn_app().await;
    let card = app.card(3, None).await;
    let stamp = app.stamp(card).await;
    for key in ["", "has space", &"k".repeat(256), "tab\tkey"] {
        let response = app
            .call("PUT", "/api/stamp/v1/add")
            .header("Idempotency-Key", key)
            .json(&json!({"stampIdx": stamp}))
            .send()
            .await;
        response.refused(ErrorCode::InvalidIdempotencyKey);
    }
    let longest = "k".repeat(255);
    app.call("PUT", "/api/stamp/v1/add")
        .header("Idempotency-Key", &longest)
        .json(&json!({"stampIdx": stamp}))
        .send()
        .await
        .ok();
    assert_eq!(app.count(stamp).await, 1);
}

#[tokio::test]
async fn concurrent_retries_apply_once() {
    let app = std::sync::Arc::new(spawn_app().await);
    let card = app.card(10, None).await;
    let stamp = app.stamp(card).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.call("PUT", "/api/stamp/v1/add")
                .header("Idempotency-Key", "same")
                .json(&json!({"stampIdx": stamp}))
                .send()
                .await
                .status
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("task"), 200);
    }
    assert_eq!(app.count(stamp).await, 1);
}
