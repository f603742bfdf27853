//! The public surface's cost bounds and the faults found by trying it as an attacker would:
//! staff-password guesses per card, rules before passwords, the page API's limits, secret-free
//! idempotency fingerprints, cancellation-safe writes, jobs that fail alone, ids never reused.

use std::time::Duration;

use serde_json::json;
use stampcard_core::ErrorCode;
use stampcard_core::wire::HistoryAction;
use stampcard_server::error::Error;
use stampcard_server::store::{Decision, Idempotency, ResultJson, StoreError, WriteJob, Written, op};
use stampcard_server::throttle::PageLimits;

use crate::helpers::{Options, TestApp, spawn_app, spawn_app_with};
use crate::page::{STAFF, page, page_call, set_pin, setup};

/// A stamp of `card` with a PIN and an open session: (stampIdx, token, session).
async fn customer(app: &TestApp, card: i64) -> (i64, String, String) {
    let stamp = app.stamp(card).await;
    let token = app.token(stamp).await;
    let session = set_pin(app, &token, "2580").await;
    (stamp, token, session)
}

async fn staff_add(app: &TestApp, token: &str, session: &str, password: &str) -> crate::helpers::Resp {
    page_call(app, "POST", &page(token, "/onsite/add"), Some(session), Some(json!({"onsitePwd": password}))).await
}

#[tokio::test]
async fn staff_password_guesses_count_per_card_not_per_stamp() {
    let app = spawn_app().await;
    let card = app.card(10, Some(STAFF)).await;
    let mut customers = Vec::new();
    for _ in 0..4 {
        customers.push(customer(&app, card).await);
    }
    // Five wrong guesses spread over three stamps: no stamp reaches its own limit of five...
    for (i, (_, token, session)) in customers.iter().take(3).cycle().take(5).enumerate() {
        let refused = staff_add(&app, token, session, "guess-guess").await;
        refused.refused(ErrorCode::WrongOnsitePassword);
        if i == 4 {
            assert!(refused.message().contains("on this card"), "{refused:?}");
            assert_eq!(refused.header("retry-after"), Some("60"), "{refused:?}");
        }
    }
    // ...but the card's shared counter does: even a stamp that never guessed is locked now,
    // so holding more stamps buys no more guesses.
    let (fresh_stamp, token, session) = &customers[3];
    let locked = staff_add(&app, token, session, STAFF).await;
    locked.refused(ErrorCode::Locked);
    assert!(locked.header("retry-after").is_some_and(|s| s.parse::<u32>().is_ok_and(|s| (1..=60).contains(&s))));
    assert_eq!(app.count(*fresh_stamp).await, 0);
    // Another card of the shop is not affected.
    let other_card = app.card(10, Some(STAFF)).await;
    let (other, token, session) = customer(&app, other_card).await;
    staff_add(&app, &token, &session, STAFF).await.ok();
    assert_eq!(app.count(other).await, 1);
}

#[tokio::test]
async fn a_right_staff_password_clears_the_cards_count() {
    let app = spawn_app().await;
    let card = app.card(10, Some(STAFF)).await;
    let (_, token_a, session_a) = customer(&app, card).await;
    let (stamp_b, token_b, session_b) = customer(&app, card).await;
    for _ in 0..4 {
        staff_add(&app, &token_a, &session_a, "guess-guess").await.refused(ErrorCode::WrongOnsitePassword);
    }
    staff_add(&app, &token_b, &session_b, STAFF).await.ok();
    // The count started afresh: four more wrong ones on the card lock nothing.
    for _ in 0..4 {
        staff_add(&app, &token_b, &session_b, "guess-guess").await.refused(ErrorCode::WrongOnsitePassword);
    }
    staff_add(&app, &token_b, &session_b, STAFF).await.ok();
    assert_eq!(app.count(stamp_b).await, 2);
}

#[tokio::test]
async fn staff_actions_are_refused_by_the_rules_before_the_password_is_looked_at() {
    let app = spawn_app().await;
    let (stamp, token) = setup(&app, 1).await;
    let session = set_pin(&app, &token, "2580").await;
    staff_add(&app, &token, &session, STAFF).await.ok();
    let redeem = page(&token, "/onsite/redeem");
    page_call(&app, "POST", &redeem, Some(&session), Some(json!({"onsitePwd": STAFF}))).await.ok();
    // A redeemed stamp answers the same to a right and a wrong password, and counts nothing.
    for password in [STAFF, "guess-guess", "guess-guess", "guess-guess", "guess-guess", "guess-guess", STAFF] {
        staff_add(&app, &token, &session, password).await.refused(ErrorCode::AlreadyRedeemed);
        page_call(&app, "POST", &redeem, Some(&session), Some(json!({"onsitePwd": password})))
            .await
            .refused(ErrorCode::AlreadyRedeemed);
    }
    let (record, card) = app.store.stamp_and_card(app.account_idx, stamp).await.expect("read").expect("stamp");
    assert_eq!((record.onsite_failures, record.onsite_locked_until), (0, 0));
    assert_eq!(app.store.card_guard(card.card_idx).await.expect("guard"), Default::default());
}

/// The page limits count per wall-clock minute: a test that fills one window starts at least
/// five seconds before the minute ends, so the window cannot reset half-way through it.
async fn start_early_in_a_minute() {
    let into_minute = chrono::Utc::now().timestamp_millis().rem_euclid(60_000);
    if into_minute > 55_000 {
        tokio::time::sleep(Duration::from_millis(u64::try_from(60_100 - into_minute).unwrap_or(0))).await;
    }
}

#[tokio::test]
async fn the_page_api_is_limited_per_link_and_per_address() {
    let limits = PageLimits { reads_per_link: 4, secrets_per_link: 3, reads_per_address: 6, secrets_per_address: 100 };
    let app = spawn_app_with(Options { rate_limit: true, page_limits: limits, ..Options::default() }).await;
    let (_, token) = setup(&app, 5).await;
    start_early_in_a_minute().await;
    // Per link: the fourth PIN request in a minute is refused before any hash.
    for _ in 0..3 {
        let response = page_call(&app, "POST", &page(&token, "/session"), None, Some(json!({"pin": "2580"}))).await;
        response.refused(ErrorCode::PinNotSet);
    }
    let limited = page_call(&app, "POST", &page(&token, "/session"), None, Some(json!({"pin": "2580"}))).await;
    limited.refused(ErrorCode::PageRateLimited);
    assert!(limited.header("retry-after").is_some_and(|s| s.parse::<u32>().is_ok_and(|s| (1..=60).contains(&s))));
    // Reads count apart from PIN requests, per link...
    for _ in 0..4 {
        page_call(&app, "GET", &page(&token, ""), None, None).await.ok();
    }
    page_call(&app, "GET", &page(&token, ""), None, None).await.refused(ErrorCode::PageRateLimited);
    // ...and per client address: the five reads so far (the refused one too) and one of
    // another link reach this address's six.
    let (_, other) = setup(&app, 5).await;
    page_call(&app, "GET", &page(&other, ""), None, None).await.ok();
    page_call(&app, "GET", &page(&other, ""), None, None).await.refused(ErrorCode::PageRateLimited);
    // The stamp API of the shop is not limited by its customers' pages.
    app.validate(app.stamp(app.card(3, None).await).await).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_limited() {
    let limits =
        PageLimits { reads_per_link: 100, secrets_per_link: 100, reads_per_address: 2, secrets_per_address: 100 };
    let options = Options { rate_limit: true, page_limits: limits, trust_forwarded_for: true, ..Options::default() };
    let app = spawn_app_with(options).await;
    let (_, token) = setup(&app, 5).await;
    start_early_in_a_minute().await;
    let read = |address: &'static str| {
        app.anonymous("GET", &page(&token, "")).header("X-Forwarded-For", &format!("198.51.100.7, {address}")).send()
    };
    read("203.0.113.1").await.ok();
    read("203.0.113.1").await.ok();
    read("203.0.113.1").await.refused(ErrorCode::PageRateLimited);
    // Another client behind the same proxy (same peer address) has its own budget.
    read("203.0.113.2").await.ok();
}

/// Without `--trust-forwarded-for` the header is the client's own word: a client that sends a
/// new `X-Forwarded-For` with every request is still counted by its connection's address.
#[tokio::test]
async fn an_untrusted_forwarded_for_header_buys_no_more_requests() {
    let limits =
        PageLimits { reads_per_link: 100, secrets_per_link: 100, reads_per_address: 2, secrets_per_address: 100 };
    let app = spawn_app_with(Options { rate_limit: true, page_limits: limits, ..Options::default() }).await;
    let (_, token) = setup(&app, 5).await;
    start_early_in_a_minute().await;
    let read =
        |address: &'static str| app.anonymous("GET", &page(&token, "")).header("X-Forwarded-For", address).send();
    read("203.0.113.1").await.ok();
    read("203.0.113.2").await.ok();
    read("203.0.113.3").await.refused(ErrorCode::PageRateLimited);
}

#[tokio::test]
async fn an_idempotent_retry_that_differs_only_in_a_secret_replays() {
    let app = spawn_app().await;
    let (stamp, token) = setup(&app, 5).await;
    let session = set_pin(&app, &token, "2580").await;
    let add = |password: &'static str| {
        app.anonymous("POST", &page(&token, "/onsite/add"))
            .header("Authorization", &format!("Bearer {session}"))
            .header("Idempotency-Key", "counter-tap-7")
            .json(&json!({"onsitePwd": password}))
            .send()
    };
    assert_eq!(add(STAFF).await.ok()["stamps"], 1);
    // The stored fingerprint holds no trace of the password, so another password under the
    // same key is the same request: it replays, it is neither refused nor applied again.
    let replay = add("another-one").await;
    assert_eq!(replay.ok()["stamps"], 1);
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(app.count(stamp).await, 1);
}

/// A stamp of a fresh card with `stamps` already added.
async fn stamp_with(app: &TestApp, stamps: u32) -> i64 {
    let stamp = app.stamp(app.card(10, None).await).await;
    app.add_n(stamp, stamps).await;
    stamp
}

/// An operation that sets the count, waits, then records the event: half-done while it waits.
fn slow_set_count(account_idx: i64, stamp_idx: i64, count: u32, now_ms: i64) -> stampcard_server::store::Op {
    op(move |tx| {
        Box::pin(async move {
            let mut stamp = tx.stamp(account_idx, stamp_idx).await?.ok_or(ErrorCode::StampNotFound)?;
            let before = stamp.stamps;
            stamp.stamps = count;
            tx.update_stamp(&stamp).await?;
            tokio::time::sleep(Duration::from_millis(400)).await;
            tx.append_event(&stampcard_server::store::NewEvent {
                stamp_idx,
                action: HistoryAction::Update,
                stamps_before: before,
                stamps_after: count,
                actor: stampcard_core::wire::HistoryActor::ApiKey,
                api_key_idx: None,
                staff_idx: None,
                user_idx: None,
                at: now_ms,
            })
            .await?;
            Ok(Decision::Done(ResultJson::null()))
        })
    })
}

#[tokio::test]
async fn a_write_whose_caller_goes_away_commits_whole_and_replays() {
    // One pooled connection on PostgreSQL, so the next write would reuse the abandoned one.
    let app = spawn_app_with(Options { pg_max_connections: 1, ..Options::default() }).await;
    let stamp = stamp_with(&app, 1).await;
    let now_ms = app.clock.now_ms();
    let idempotency = Idempotency {
        scope: "test".to_owned(),
        key: "k-1".to_owned(),
        request_hash: vec![7; 32],
        keep: stampcard_server::http::error::response_to_keep,
    };
    let job = WriteJob {
        op: slow_set_count(app.account_idx, stamp, 3, now_ms),
        idempotency: Some(idempotency.clone()),
        now_ms,
    };
    // The caller gives up while the operation is half done (a client disconnect, a timeout).
    let abandoned = tokio::time::timeout(Duration::from_millis(100), app.store.write(job)).await;
    assert!(abandoned.is_err(), "the write should still be running when its caller leaves");
    // The next write on the same stamp must not commit the abandoned one's half.
    app.call("PUT", "/api/stamp/v1/add").json(&json!({"stampIdx": stamp})).send().await.ok();
    let history = app.store.history(stamp).await.expect("history");
    for pair in history.windows(2) {
        assert_eq!(pair[0].stamps_after, pair[1].stamps_before, "a change without its event: {history:?}");
    }
    assert!(history.iter().any(|e| e.action == HistoryAction::Update), "the started write finished: {history:?}");
    assert_eq!(history.last().map(|e| e.stamps_after), Some(app.count(stamp).await));
    // A retry of the abandoned request replays its stored answer instead of running again.
    let retry = WriteJob {
        op: op(|_| Box::pin(async { Err(Error::Internal("a replay must not run the operation".to_owned())) })),
        idempotency: Some(idempotency),
        now_ms,
    };
    let written = app.store.write(retry).await.expect("replay");
    assert!(matches!(written, Written::Replayed(_)), "{written:?}");
}

#[tokio::test]
async fn a_failing_or_panicking_write_fails_alone() {
    let app = spawn_app().await;
    let stamp = stamp_with(&app, 0).await;
    let now_ms = app.clock.now_ms();
    // A slow job holds the SQLite writer so the next four queue up and share one group, a
    // good job first: it must not be undone by the failures after it.
    let slow =
        app.store.write(WriteJob { op: slow_set_count(app.account_idx, stamp, 2, now_ms), idempotency: None, now_ms });
    let first = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        app.call("PUT", "/api/stamp/v1/add").json(&json!({"stampIdx": stamp})).send().await
    };
    let failing = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let op = op(move |tx| {
            Box::pin(async move {
                let mut record = tx.stamp(0, 0).await?.unwrap_or_else(|| panic!("deliberate panic in a write"));
                record.stamps = 0;
                Ok(Decision::Done(ResultJson::null()))
            })
        });
        app.store.write(WriteJob { op, idempotency: None, now_ms }).await
    };
    let erring = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let op = op(move |tx| {
            Box::pin(async move {
                tx.append_event(&stampcard_server::store::NewEvent {
                    stamp_idx: stamp,
                    action: HistoryAction::Update,
                    stamps_before: 9,
                    stamps_after: 9,
                    actor: stampcard_core::wire::HistoryActor::ApiKey,
                    api_key_idx: None,
                    staff_idx: None,
                    user_idx: None,
                    at: now_ms,
                })
                .await?;
                Err(Error::Store(StoreError::internal("deliberate store fault after a write")))
            })
        });
        app.store.write(WriteJob { op, idempotency: None, now_ms }).await
    };
    let good = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        app.call("PUT", "/api/stamp/v1/add").json(&json!({"stampIdx": stamp})).send().await
    };
    let (slow, first, failing, erring, good) = tokio::join!(slow, first, failing, erring, good);
    slow.expect("the slow job commits");
    first.ok();
    assert!(failing.is_err(), "the panicking job fails");
    assert!(erring.is_err(), "the failing job fails");
    good.ok();
    assert_eq!(app.count(stamp).await, 4, "the slow job and the two beside the failures commit");
    let history = app.store.history(stamp).await.expect("history");
    assert!(!history.iter().any(|e| e.stamps_before == 9), "the failing job's event was undone: {history:?}");
    // The writer is still running.
    app.call("PUT", "/api/stamp/v1/add").json(&json!({"stampIdx": stamp})).send().await.ok();
    assert_eq!(app.count(stamp).await, 5);
}

#[tokio::test]
async fn stamp_card_and_event_ids_are_never_reused() {
    let app = spawn_app().await;
    let card = app.card(10, None).await;
    let first = app.stamp(card).await;
    app.add_n(first, 2).await;
    let first_events: Vec<i64> = app.store.history(first).await.expect("history").iter().map(|e| e.event_idx).collect();
    // The newest stamp and its events go; the next ones must still get new ids, also in
    // another account.
    app.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={first}")).send().await.ok();
    let (_, other_key) = app.other_account(stampcard_server::plan::Plan::Personal).await;
    let mine = app.stamp(card).await;
    assert!(mine > first, "stampIdx {first} came back as {mine}");
    let events: Vec<i64> = app.store.history(mine).await.expect("history").iter().map(|e| e.event_idx).collect();
    assert!(events.iter().all(|e| first_events.iter().all(|f| e > f)), "{first_events:?} then {events:?}");
    app.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={mine}")).send().await.ok();
    let other_card = app
        .anonymous("POST", "/api/stamp/v1/card/create")
        .key(Some(&other_key))
        .json(&json!({"cardNm": "Tea", "cardTtl": "Free tea", "maxStamps": 5}))
        .send()
        .await;
    let other_card = other_card.ok()["cardIdx"].as_i64().expect("cardIdx");
    let body = json!({"cardIdx": other_card, "strtYmd": app.day(0), "endYmd": app.months_ahead(12)});
    let theirs = app.anonymous("POST", "/api/stamp/v1/create").key(Some(&other_key)).json(&body).send().await;
    let theirs = theirs.ok().as_i64().expect("stampIdx");
    assert!(theirs > mine, "another account got stampIdx {theirs} after {mine} was deleted");
    // The same for cards, which can be deleted once they have no stamps.
    let newest = app.card(10, None).await;
    app.call("DELETE", &format!("/api/stamp/v1/card/delete?cardIdx={newest}")).send().await.ok();
    let after = app
        .anonymous("POST", "/api/stamp/v1/card/create")
        .key(Some(&other_key))
        .json(&json!({"cardNm": "Cake", "cardTtl": "Free cake", "maxStamps": 5}))
        .send()
        .await;
    let after = after.ok()["cardIdx"].as_i64().expect("cardIdx");
    assert!(after > newest, "another account got cardIdx {after} after {newest} was deleted");
}
