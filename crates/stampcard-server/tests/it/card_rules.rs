//! Cards: the anti-fraud rules (`cooldownSecs`, `maxAddsPerDay`) on every kind of add and
//! under concurrent adds on two servers sharing one database, retiring (`activeYn=N`),
//! deleting, and automatic renewal (`autoRenewYn=Y`) on every redeem path, with the
//! customer's one link following the renewals.

use std::sync::Arc;

use chrono::Months;
use serde_json::{Value, json};
use stampcard_core::ErrorCode;
use stampcard_core::card_rules;
use stampcard_core::wire::{HistoryAction, HistoryActor};
use stampcard_server::Server;
use stampcard_server::clock::Clock;
use stampcard_server::config::{Limits, ServerConfig};
use stampcard_server::ops;
use stampcard_server::ops::admin;
use stampcard_server::plan::Plan;
use stampcard_server::store::{self, NewEvent, StampRecord, Store, StoreOptions};
use stampcard_server::throttle::PageLimits;

use crate::helpers::{Backend, Resp, TestApp, spawn_app};
use crate::page::{STAFF, open_session, page, page_call, set_pin};

/// Creates a card with these extra fields; returns its cardIdx.
async fn card_with(app: &TestApp, max_stamps: u32, extra: Value) -> i64 {
    let mut body = json!({"cardNm": "Coffee card", "cardTtl": "Free coffee", "maxStamps": max_stamps});
    for (name, value) in extra.as_object().expect("object") {
        body[name] = value.clone();
    }
    app.post("/api/stamp/v1/card/create", body).await.ok()["cardIdx"].as_i64().expect("cardIdx")
}

async fn stamp_record(app: &TestApp, stamp_idx: i64) -> StampRecord {
    app.store.stamp_and_card(app.account_idx, stamp_idx).await.expect("store").expect("stamp").0
}

async fn actions(store: &dyn Store, stamp_idx: i64) -> Vec<HistoryAction> {
    store.history(stamp_idx).await.expect("history").iter().map(|e| e.action).collect()
}

async fn adds(store: &dyn Store, stamp_idx: i64) -> usize {
    actions(store, stamp_idx).await.iter().filter(|a| **a == HistoryAction::Add).count()
}

#[tokio::test]
async fn card_fields_default_to_off_and_are_checked() {
    let app = spawn_app().await;
    let plain = app.card(5, None).await;
    let view = app.get(&format!("/api/stamp/v1/card/get?cardIdx={plain}")).await.ok().clone();
    assert_eq!(
        (&view["cooldownSecs"], &view["maxAddsPerDay"], &view["activeYn"], &view["autoRenewYn"]),
        (&json!(0), &json!(0), &json!("Y"), &json!("N"))
    );
    let ruled = card_with(&app, 5, json!({"cooldownSecs": 3600, "maxAddsPerDay": 2, "autoRenewYn": "Y"})).await;
    let listed = app.get("/api/stamp/v1/card/list").await.ok().clone();
    let listed = listed.as_array().expect("cards").iter().find(|c| c["cardIdx"] == ruled).expect("listed").clone();
    assert_eq!((&listed["cooldownSecs"], &listed["maxAddsPerDay"]), (&json!(3600), &json!(2)));
    assert_eq!(listed["autoRenewYn"], "Y");

    let updated =
        app.put("/api/stamp/v1/card/update", json!({"cardIdx": ruled, "cooldownSecs": 0, "maxAddsPerDay": 100})).await;
    let updated = updated.ok();
    assert_eq!((&updated["cooldownSecs"], &updated["maxAddsPerDay"]), (&json!(0), &json!(100)));
    assert_eq!(updated["autoRenewYn"], "Y", "absent fields are unchanged");

    let create = |extra: Value| {
        let mut body = json!({"cardNm": "Bad", "maxStamps": 5});
        for (name, value) in extra.as_object().expect("object") {
            body[name] = value.clone();
        }
        body
    };
    for (extra, code, field) in [
        (json!({"cooldownSecs": -1}), ErrorCode::OutOfRange, "cooldownSecs"),
        (json!({"cooldownSecs": 2_592_001}), ErrorCode::OutOfRange, "cooldownSecs"),
        (json!({"maxAddsPerDay": 101}), ErrorCode::OutOfRange, "maxAddsPerDay"),
        (json!({"maxAddsPerDay": 1.5}), ErrorCode::WrongType, "maxAddsPerDay"),
        (json!({"cooldownSecs": "60"}), ErrorCode::WrongType, "cooldownSecs"),
        (json!({"autoRenewYn": "yes"}), ErrorCode::InvalidFlag, "autoRenewYn"),
    ] {
        let response = app.post("/api/stamp/v1/card/create", create(extra.clone())).await;
        response.refused(code);
        assert!(response.message().contains(field), "{extra}: {}", response.message());
        let mut update = extra.clone();
        update["cardIdx"] = json!(plain);
        app.put("/api/stamp/v1/card/update", update).await.refused(code);
    }
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": plain, "activeYn": "maybe"}))
        .await
        .refused(ErrorCode::InvalidFlag);
}

#[tokio::test]
async fn cooldown_refuses_adds_too_soon_on_every_path() {
    let app = spawn_app().await;
    let card = card_with(&app, 10, json!({"cooldownSecs": 3600, "onsiteYn": "Y", "onsitePwd": STAFF})).await;
    let stamp = app.stamp(card).await;
    app.put("/api/stamp/v1/add", json!({"stampIdx": stamp})).await.ok();
    let again = app.put("/api/stamp/v1/add", json!({"stampIdx": stamp})).await;
    again.refused(ErrorCode::AddTooSoon);
    let wait: u32 = again.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((3590..=3600).contains(&wait), "{wait}");
    // The staff's add on the customer's page shares the history: refused too, without a
    // password check (a wrong password gets the same answer).
    let token = app.token(stamp).await;
    let session = set_pin(&app, &token, "2580").await;
    for password in [STAFF, "wrong-password"] {
        page_call(&app, "POST", &page(&token, "/onsite/add"), Some(&session), Some(json!({"onsitePwd": password})))
            .await
            .refused(ErrorCode::AddTooSoon);
    }
    assert_eq!(app.count(stamp).await, 1);
    assert_eq!(adds(app.store.as_ref(), stamp).await, 1);
    assert_eq!(stamp_record(&app, stamp).await.onsite_failures, 0, "no password was looked at");
    // A refusal that says "later" is not kept for its Idempotency-Key.
    let keyed = || app.call("PUT", "/api/stamp/v1/add").header("Idempotency-Key", "cool-1");
    keyed().json(&json!({"stampIdx": stamp})).send().await.refused(ErrorCode::AddTooSoon);
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": card, "cooldownSecs": 0})).await.ok();
    keyed().json(&json!({"stampIdx": stamp})).send().await.ok();
    assert_eq!(app.count(stamp).await, 2);

    // A short cooldown passes: the real clock, one second.
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": card, "cooldownSecs": 1})).await.ok();
    let response =
        page_call(&app, "POST", &page(&token, "/onsite/add"), Some(&session), Some(json!({"onsitePwd": STAFF}))).await;
    response.refused(ErrorCode::AddTooSoon);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let added =
        page_call(&app, "POST", &page(&token, "/onsite/add"), Some(&session), Some(json!({"onsitePwd": STAFF}))).await;
    assert_eq!(added.ok()["stamps"], 3);
    app.put("/api/stamp/v1/add", json!({"stampIdx": stamp})).await.refused(ErrorCode::AddTooSoon);
}

/// Two servers on one database (one SQLite file, or one PostgreSQL database), each with its
/// own store, started in this process.
struct TwoServers {
    urls: [String; 2],
    key: String,
    account_idx: i64,
    store: Arc<dyn Store>,
    client: reqwest::Client,
    servers: Vec<Server>,
    _dir: tempfile::TempDir,
}

impl TwoServers {
    async fn start() -> TwoServers {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = Backend::from_env().fresh_database_url(&dir).await;
        let options = StoreOptions { pg_max_connections: 8, ..StoreOptions::default() };
        let mut servers = Vec::new();
        let mut stores = Vec::new();
        for _ in 0..2 {
            let store = store::open(&database_url, &options).await.expect("open store");
            let config = ServerConfig {
                listen: "127.0.0.1:0".parse().expect("addr"),
                public_url: None,
                www_dir: dir.path().join("www"),
                rate_limit: false,
                fake_today: None,
                page_limits: PageLimits::default(),
                trust_forwarded_for: false,
                limits: Limits::default(),
                metrics_token: None,
                webhooks: stampcard_server::webhook::WebhookConfig::default(),
            };
            servers.push(Server::start(&config, store.clone()).await.expect("start server"));
            stores.push(store);
        }
        let store = stores.swap_remove(0);
        let clock = Clock::system();
        let account_idx = admin::create_account(store.as_ref(), &clock, "Shop", Plan::Personal).await.expect("account");
        let key = admin::create_api_key(store.as_ref(), &clock, account_idx, "k").await.expect("key").api_key;
        TwoServers {
            urls: [servers[0].url(), servers[1].url()],
            key,
            account_idx,
            store,
            client: reqwest::Client::new(),
            servers,
            _dir: dir,
        }
    }

    async fn send(&self, server: usize, method: reqwest::Method, path: &str, body: Value) -> Resp {
        let response = self
            .client
            .request(method, format!("{}{path}", self.urls[server]))
            .header("Authorization", format!("APIKey {}", self.key))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        Resp { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
    }

    async fn stamp_on_card(&self, extra: Value) -> i64 {
        let mut body = json!({"cardNm": "Coffee card", "maxStamps": 10});
        for (name, value) in extra.as_object().expect("object") {
            body[name] = value.clone();
        }
        let card = self.send(0, reqwest::Method::POST, "/api/stamp/v1/card/create", body).await;
        let card = card.ok()["cardIdx"].as_i64().expect("cardIdx");
        let today = Clock::system().today();
        let end = today.checked_add_months(Months::new(12)).expect("date");
        let body = json!({"cardIdx": card, "strtYmd": today.to_string(), "endYmd": end.to_string()});
        self.send(0, reqwest::Method::POST, "/api/stamp/v1/create", body).await.ok().as_i64().expect("stampIdx")
    }

    /// `n` adds at once, alternating between the servers; the answers.
    async fn concurrent_adds(self: &Arc<Self>, stamp: i64, n: usize) -> Vec<Resp> {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let both = self.clone();
                tokio::spawn(async move {
                    both.send(i % 2, reqwest::Method::PUT, "/api/stamp/v1/add", json!({"stampIdx": stamp})).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("task"));
        }
        answers
    }

    async fn count(&self, stamp: i64) -> u32 {
        self.store.stamp_and_card(self.account_idx, stamp).await.expect("store").expect("stamp").0.stamps
    }

    async fn stop(mut self) {
        for server in self.servers.drain(..) {
            server.stop().await.expect("stop");
        }
    }
}

fn split(answers: &[Resp], refusal: ErrorCode) -> usize {
    let mut succeeded = 0;
    for answer in answers {
        if answer.status == 200 {
            answer.ok();
            succeeded += 1;
        } else {
            answer.refused(refusal);
        }
    }
    succeeded
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_adds_on_two_servers_keep_the_cooldown_and_the_daily_cap() {
    let both = Arc::new(TwoServers::start().await);

    let cooled = both.stamp_on_card(json!({"cooldownSecs": 3600})).await;
    let answers = both.concurrent_adds(cooled, 24).await;
    assert_eq!(split(&answers, ErrorCode::AddTooSoon), 1, "one add per cooldown");
    assert_eq!((both.count(cooled).await, adds(both.store.as_ref(), cooled).await), (1, 1));

    let capped = both.stamp_on_card(json!({"maxAddsPerDay": 3})).await;
    let answers = both.concurrent_adds(capped, 24).await;
    assert_eq!(split(&answers, ErrorCode::DailyAddLimit), 3, "exactly the daily cap");
    assert_eq!((both.count(capped).await, adds(both.store.as_ref(), capped).await), (3, 3));

    // The staff's add on the customer page and the API's add share the rules.
    let counter = both.stamp_on_card(json!({"cooldownSecs": 3600, "onsiteYn": "Y", "onsitePwd": STAFF})).await;
    let token = both.store.stamp_and_card(both.account_idx, counter).await.expect("store").expect("stamp").0.token;
    let session = both.send(0, reqwest::Method::POST, &page(&token, "/pin"), json!({"pin": "2580"})).await;
    let session = session.ok()["sessionToken"].as_str().expect("session").to_owned();
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (both, token, session) = (both.clone(), token.clone(), session.clone());
            tokio::spawn(async move {
                if i % 3 == 0 {
                    return both
                        .send(i % 2, reqwest::Method::PUT, "/api/stamp/v1/add", json!({"stampIdx": counter}))
                        .await;
                }
                let response = both
                    .client
                    .post(format!("{}{}", both.urls[i % 2], page(&token, "/onsite/add")))
                    .header("Authorization", format!("Bearer {session}"))
                    .json(&json!({"onsitePwd": STAFF}))
                    .send()
                    .await
                    .expect("request");
                let (status, headers) = (response.status().as_u16(), response.headers().clone());
                let text = response.text().await.expect("body");
                Resp { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    assert_eq!(split(&answers, ErrorCode::AddTooSoon), 1, "one add per cooldown, whoever adds");
    assert_eq!((both.count(counter).await, adds(both.store.as_ref(), counter).await), (1, 1));

    Arc::into_inner(both).expect("one owner").stop().await;
}

#[tokio::test]
async fn the_daily_cap_counts_the_adds_of_the_current_utc_day() {
    let app = spawn_app().await;
    // Not across midnight (UTC): the adds below must fall on one day.
    let (_, next_day) = card_rules::day_bounds_ms(app.clock.now_ms());
    let until_midnight = next_day - app.clock.now_ms();
    if until_midnight < 5_000 {
        tokio::time::sleep(std::time::Duration::from_millis(until_midnight.unsigned_abs() + 100)).await;
    }
    let card = card_with(&app, 10, json!({"maxAddsPerDay": 2})).await;
    let stamp = app.stamp(card).await;
    // Two adds yesterday (written behind the API, with yesterday's times) do not count today.
    let (today_start, next_day) = card_rules::day_bounds_ms(app.clock.now_ms());
    for at in [today_start - 3_600_000, today_start - 1] {
        let event = NewEvent {
            stamp_idx: stamp,
            action: HistoryAction::Add,
            stamps_before: 0,
            stamps_after: 1,
            actor: HistoryActor::ApiKey,
            api_key_idx: None,
            staff_idx: None,
            user_idx: None,
            at,
        };
        let written =
            ops::run(app.store.as_ref(), at, move |tx| Box::pin(async move { Ok(tx.append_event(&event).await?) }))
                .await;
        written.expect("yesterday's add");
    }
    app.add_n(stamp, 2).await;
    let refused = app.put("/api/stamp/v1/add", json!({"stampIdx": stamp})).await;
    refused.refused(ErrorCode::DailyAddLimit);
    let wait: i64 = refused.header("retry-after").expect("Retry-After").parse().expect("seconds");
    let expected = (next_day - app.clock.now_ms()) / 1000;
    assert!((expected - 2..=expected + 2).contains(&wait), "until the next UTC day: {wait} vs {expected}");
    assert_eq!(app.count(stamp).await, 2);
    assert_eq!(adds(app.store.as_ref(), stamp).await, 4);
}

#[tokio::test]
async fn a_retired_card_issues_no_stamps_but_its_stamps_keep_working() {
    let app = spawn_app().await;
    let card = app.card(2, None).await;
    let other = app.card(2, None).await;
    let stamp = app.stamp(card).await;
    let moving = app.stamp(other).await;
    let retired = app.put("/api/stamp/v1/card/update", json!({"cardIdx": card, "activeYn": "N"})).await;
    assert_eq!(retired.ok()["activeYn"], "N");
    let body = json!({"cardIdx": card, "strtYmd": app.day(0), "endYmd": app.day(30)});
    let refused = app.post("/api/stamp/v1/create", body.clone()).await;
    refused.refused(ErrorCode::CardRetired);
    assert!(refused.message().contains("activeYn=Y"), "{}", refused.message());
    app.put("/api/stamp/v1/update", json!({"stampIdx": moving, "cardIdx": card})).await.refused(ErrorCode::CardRetired);
    // Nor through a CSV import, dry run or not.
    for dry_run in ["Y", "N"] {
        let csv = format!("strtYmd,endYmd\n{},{}\n", app.day(0), app.day(30));
        let path = format!("/api/stamp/v1/import?cardIdx={card}&dryRun={dry_run}");
        app.call("POST", &path).raw(Some("text/csv"), csv.into_bytes()).send().await.refused(ErrorCode::CardRetired);
    }
    // Existing stamps: add, validate and redeem as before.
    app.add_n(stamp, 2).await;
    app.validate(stamp).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp})).await.ok();
    // Back in service.
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": card, "activeYn": "Y"})).await.ok();
    app.post("/api/stamp/v1/create", body).await.ok();
    app.put("/api/stamp/v1/update", json!({"stampIdx": moving, "cardIdx": card})).await.ok();
}

#[tokio::test]
async fn a_card_is_deleted_only_without_stamps_and_only_by_its_account() {
    let app = spawn_app().await;
    let card = app.card(5, Some("counter-pass")).await;
    let stamp = app.stamp(card).await;
    let delete = |card: i64| app.call("DELETE", &format!("/api/stamp/v1/card/delete?cardIdx={card}"));
    let refused = delete(card).send().await;
    refused.refused(ErrorCode::CardHasStamps);
    app.get(&format!("/api/stamp/v1/card/get?cardIdx={card}")).await.ok();
    app.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={stamp}")).send().await.ok();

    let (_, other_key) = app.other_account(Plan::Personal).await;
    let path = format!("/api/stamp/v1/card/delete?cardIdx={card}");
    app.anonymous("DELETE", &path).key(Some(&other_key)).send().await.refused(ErrorCode::CardNotFound);

    let first = delete(card).header("Idempotency-Key", "drop-card").send().await;
    assert!(first.ok().is_null());
    let replay = delete(card).header("Idempotency-Key", "drop-card").send().await;
    assert!(replay.ok().is_null());
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    delete(card).send().await.refused(ErrorCode::CardNotFound);
    app.get(&format!("/api/stamp/v1/card/get?cardIdx={card}")).await.refused(ErrorCode::CardNotFound);
    for (query, code) in
        [("", ErrorCode::MissingField), ("?cardIdx=0", ErrorCode::OutOfRange), ("?cardIdx=abc", ErrorCode::WrongType)]
    {
        app.call("DELETE", &format!("/api/stamp/v1/card/delete{query}")).send().await.refused(code);
    }
}

/// A stamp on `card` for a named customer, valid from today for `days` days.
async fn customer_stamp(app: &TestApp, card: i64, days: i64) -> i64 {
    let body = json!({
        "cardIdx": card, "strtYmd": app.day(0), "endYmd": app.day(days), "memo": "table 4",
        "userId": "cust-7", "userNm": "Kim", "userPhnno": "010-1234-5678", "userEml": "kim@example.com",
        "userEtc1": "vip", "userEtc2": "window seat",
    });
    app.post("/api/stamp/v1/create", body).await.ok().as_i64().expect("stampIdx")
}

async fn assert_renewed(app: &TestApp, redeemed: i64, days: i64) -> i64 {
    let old = stamp_record(app, redeemed).await;
    let next_idx = old.next_stamp_idx.expect("a successor");
    let new = stamp_record(app, next_idx).await;
    // The back office's `get` shows the link both ways a shop looks at it.
    let got = app.get(&format!("/api/stamp/v1/get?stampIdx={redeemed}")).await.ok().clone();
    assert_eq!((got["status"].as_str(), got["nextStampIdx"].as_i64()), (Some("REDEEMED"), Some(next_idx)));
    let got = app.get(&format!("/api/stamp/v1/get?stampIdx={next_idx}")).await.ok().clone();
    assert_eq!((got["status"].as_str(), got["nextStampIdx"].as_i64()), (Some("ACTIVE"), None));
    assert_eq!(new.card_idx, old.card_idx);
    assert_eq!(
        (&new.user_id, &new.user_nm, &new.user_phnno, &new.user_eml, &new.user_etc1, &new.user_etc2, &new.memo),
        (&old.user_id, &old.user_nm, &old.user_phnno, &old.user_eml, &old.user_etc1, &old.user_etc2, &old.memo)
    );
    assert_eq!((new.stamps, new.redeemed_on, new.next_stamp_idx), (0, None, None));
    assert_eq!(new.start, app.today());
    assert_eq!((new.end - new.start).num_days(), days);
    assert_ne!(new.token, old.token);
    let history = actions(app.store.as_ref(), redeemed).await;
    assert_eq!(history[history.len() - 2..], [HistoryAction::Use, HistoryAction::Renew]);
    assert_eq!(actions(app.store.as_ref(), next_idx).await, [HistoryAction::Create]);
    next_idx
}

#[tokio::test]
async fn auto_renewal_follows_every_redeem_path_and_the_link_follows_it() {
    let app = spawn_app().await;
    let card = card_with(&app, 2, json!({"autoRenewYn": "Y", "onsiteYn": "Y", "onsitePwd": STAFF})).await;
    let first = customer_stamp(&app, card, 30).await;
    let token = app.token(first).await;
    let session = set_pin(&app, &token, "2580").await;

    // 1. The redeem API: the answer stays `result: null`.
    app.add_n(first, 2).await;
    let redeemed = app.put("/api/stamp/v1/redeem", json!({"stampIdx": first, "onsitePwd": STAFF})).await;
    assert_eq!(redeemed.text, r#"{"code":0,"message":"","result":null}"#);
    let second = assert_renewed(&app, first, 30).await;
    // The customer's link and open session now show the new card, saying the reward was
    // redeemed; the PIN carried over.
    let view = page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await;
    let view = view.ok();
    assert_eq!((&view["stamps"], &view["state"]), (&json!(0), &json!("COLLECTING")));
    assert_eq!(view["previousRedeemedYmd"], app.day(0));
    let intro = page_call(&app, "GET", &page(&token, ""), None, None).await;
    assert_eq!(intro.ok()["pinState"], "SET");
    open_session(&app, &token, "2580").await.ok();
    assert_eq!(stamp_record(&app, second).await.pin_hash, stamp_record(&app, first).await.pin_hash);

    // 2. `useYn=Y` on update.
    app.add_n(second, 2).await;
    app.put("/api/stamp/v1/update", json!({"stampIdx": second, "useYn": "Y"})).await.ok();
    let third = assert_renewed(&app, second, 30).await;

    // 3. The staff's redeem on the customer's page, through the first link: the answer is the
    //    new card, with the reward redeemed today above it.
    for _ in 0..2 {
        let added =
            page_call(&app, "POST", &page(&token, "/onsite/add"), Some(&session), Some(json!({"onsitePwd": STAFF})))
                .await;
        added.ok();
    }
    assert_eq!(app.count(third).await, 2, "the first link adds to the newest stamp");
    let redeem = || {
        app.anonymous("POST", &page(&token, "/onsite/redeem"))
            .header("Authorization", &format!("Bearer {session}"))
            .header("Idempotency-Key", "counter-redeem-1")
            .json(&json!({"onsitePwd": STAFF}))
            .send()
    };
    let redeemed = redeem().await;
    let answer = redeemed.ok();
    assert_eq!((&answer["stamps"], &answer["state"]), (&json!(0), &json!("COLLECTING")));
    assert_eq!(answer["previousRedeemedYmd"], app.day(0));
    let fourth = assert_renewed(&app, third, 30).await;
    // A retry with the same key never acts on the new card: refused by the rules while the new
    // card cannot be redeemed, and replayed (the key belongs to the link) once it could be.
    redeem().await.refused(ErrorCode::NotComplete);
    let middle_link = app.token(second).await;
    let session = open_session(&app, &middle_link, "2580").await;
    let session = session.ok()["sessionToken"].as_str().expect("session").to_owned();
    for _ in 0..2 {
        page_call(&app, "POST", &page(&middle_link, "/onsite/add"), Some(&session), Some(json!({"onsitePwd": STAFF})))
            .await
            .ok();
    }
    assert_eq!(app.count(fourth).await, 2, "any link of the chain reaches the newest stamp");
    let retried = redeem().await;
    assert_eq!((retried.ok(), retried.header("idempotency-replayed")), (answer, Some("true")));
    let fourth_now = stamp_record(&app, fourth).await;
    assert_eq!((fourth_now.redeemed_on, fourth_now.next_stamp_idx), (None, None));

    // Deleting the newest stamp unlinks it: the link shows the redeemed one again.
    app.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={fourth}")).send().await.ok();
    assert_eq!(stamp_record(&app, third).await.next_stamp_idx, None);
    let view = page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await;
    view.refused(ErrorCode::SessionRequired);
    let session = open_session(&app, &token, "2580").await.ok()["sessionToken"].as_str().expect("s").to_owned();
    let view = page_call(&app, "GET", &page(&token, "/card"), Some(&session), None).await;
    assert_eq!(view.ok()["state"], "REDEEMED");
}

#[tokio::test]
async fn no_renewal_without_the_flag_or_on_a_retired_card_and_the_window_keeps_the_five_year_rule() {
    let app = spawn_app().await;
    let plain = app.card(1, None).await;
    let stamp = customer_stamp(&app, plain, 10).await;
    app.add_n(stamp, 1).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp})).await.ok();
    assert_eq!(stamp_record(&app, stamp).await.next_stamp_idx, None);

    let renewing = card_with(&app, 1, json!({"autoRenewYn": "Y"})).await;
    let retiring = customer_stamp(&app, renewing, 10).await;
    app.add_n(retiring, 1).await;
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": renewing, "activeYn": "N"})).await.ok();
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": retiring})).await.ok();
    assert_eq!(stamp_record(&app, retiring).await.next_stamp_idx, None, "a retired card issues no stamps");
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": renewing, "activeYn": "Y"})).await.ok();

    // Started three years ago, ends in almost five: the renewal is capped at five years.
    let body = json!({"cardIdx": renewing, "strtYmd": app.day(-3 * 365), "endYmd": app.months_ahead(59)});
    let long = app.post("/api/stamp/v1/create", body).await.ok().as_i64().expect("stampIdx");
    app.add_n(long, 1).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": long})).await.ok();
    let next = stamp_record(&app, stamp_record(&app, long).await.next_stamp_idx.expect("renewed")).await;
    assert_eq!(next.start, app.today());
    assert_eq!(next.end.format("%Y-%m-%d").to_string(), app.months_ahead(60));
}

#[tokio::test]
async fn the_command_line_sets_the_card_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = Backend::from_env().fresh_database_url(&dir).await;
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_stampcard"))
            .args(args)
            .args(["--database-url", &database_url, "--json"])
            .output()
            .expect("run stampcard");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<Value>(&output.stdout).expect("JSON")
    };
    let account = run(&["account", "create", "--name", "Shop", "--plan", "personal"]);
    let account = account["accountIdx"].to_string();
    let card = run(&[
        "card",
        "create",
        "--account",
        &account,
        "--card-nm",
        "Coffee",
        "--max-stamps",
        "10",
        "--cooldown-secs",
        "600",
        "--max-adds-per-day",
        "3",
        "--auto-renew-yn",
        "Y",
    ]);
    assert_eq!((&card["cooldownSecs"], &card["maxAddsPerDay"]), (&json!(600), &json!(3)));
    assert_eq!((&card["activeYn"], &card["autoRenewYn"]), (&json!("Y"), &json!("Y")));
}
