//! Concurrent adds never pass maxStamps; concurrent redeems succeed exactly once.

use std::sync::Arc;

use serde_json::json;
use stampcard_core::ErrorCode;

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_adds_stop_at_max() {
    let app = Arc::new(spawn_app().await);
    let card = app.card(10, None).await;
    let stamp = app.stamp(card).await;
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move { app.put("/api/stamp/v1/add", json!({"stampIdx": stamp})).await }));
    }
    let mut succeeded = 0;
    for task in tasks {
        let response = task.await.expect("task");
        if response.status == 200 {
            succeeded += 1;
        } else {
            response.refused(ErrorCode::Full);
        }
    }
    assert_eq!(succeeded, 10);
    assert_eq!(app.count(stamp).await, 10);
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp}")).await;
    assert_eq!(history.ok().as_array().expect("events").len(), 11, "CREATE plus exactly ten ADDs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_redeems_succeed_once() {
    let app = Arc::new(spawn_app().await);
    let card = app.card(3, Some("counter-pass")).await;
    let stamp = app.stamp(card).await;
    app.add_n(stamp, 3).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp, "onsitePwd": "counter-pass"})).await
        }));
    }
    let mut succeeded = 0;
    for task in tasks {
        let response = task.await.expect("task");
        if response.status == 200 {
            succeeded += 1;
        } else {
            response.refused(ErrorCode::AlreadyRedeemed);
        }
    }
    assert_eq!(succeeded, 1);
    let uses = app
        .store
        .history(stamp)
        .await
        .expect("history")
        .iter()
        .filter(|e| e.action == stampcard_core::wire::HistoryAction::Use)
        .count();
    assert_eq!(uses, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_on_many_stamps_all_commit() {
    let app = Arc::new(spawn_app().await);
    let card = app.card(100, None).await;
    let mut stamps = Vec::new();
    for _ in 0..8 {
        stamps.push(app.stamp(card).await);
    }
    let mut tasks = Vec::new();
    for _ in 0..10 {
        for &stamp in &stamps {
            let app = app.clone();
            tasks.push(tokio::spawn(
                async move { app.put("/api/stamp/v1/add", json!({"stampIdx": stamp})).await.status },
            ));
        }
    }
    for task in tasks {
        assert_eq!(task.await.expect("task"), 200);
    }
    for &stamp in &stamps {
        assert_eq!(app.count(stamp).await, 10, "stamp {stamp}");
    }
}
