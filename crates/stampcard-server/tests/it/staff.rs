//! Staff members: their endpoints and every refusal, tenancy, and their passwords (typed as
//! `<staffIdx>:<staffPwd>`) on the stamp page and the redeem API: accepted for a covered card
//! from an active member, recorded in the history, counted on the card's guard when wrong,
//! and one argon2 verification per attempt (counted with the server's own hash metric).

use std::time::Duration;

use serde_json::{Value, json};
use stampcard_core::ErrorCode;

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::page::{STAFF, page, page_call, set_pin};
use crate::process::{Server, cli};

const CREATE: &str = "/api/stamp/v1/staff/create";
const LIST: &str = "/api/stamp/v1/staff/list";
const UPDATE: &str = "/api/stamp/v1/staff/update";
const DELETE: &str = "/api/stamp/v1/staff/delete";
const ANN_PWD: &str = "ann-secret";
const BOB_PWD: &str = "bob-secret";

/// Adds a staff member; returns their staffIdx.
async fn add_staff(app: &TestApp, name: &str, password: &str, card_idxs: Option<&[i64]>) -> i64 {
    let mut body = json!({"staffNm": name, "staffPwd": password});
    if let Some(card_idxs) = card_idxs {
        body["cardIdxs"] = json!(card_idxs);
    }
    app.post(CREATE, body).await.ok()["staffIdx"].as_i64().expect("staffIdx")
}

fn credential(staff_idx: i64, password: &str) -> String {
    format!("{staff_idx}:{password}")
}

/// A stamp on `card` with a PIN set; returns (stampIdx, token, session).
async fn customer(app: &TestApp, card: i64) -> (i64, String, String) {
    let stamp = app.stamp(card).await;
    let token = app.token(stamp).await;
    let session = set_pin(app, &token, "2580").await;
    (stamp, token, session)
}

async fn onsite_add(app: &TestApp, token: &str, session: &str, password: &str) -> crate::helpers::Resp {
    page_call(app, "POST", &page(token, "/onsite/add"), Some(session), Some(json!({"onsitePwd": password}))).await
}

/// The stamp's last history event, through the API.
async fn last_event(app: &TestApp, stamp: i64) -> Value {
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp}")).await;
    history.ok().as_array().and_then(|events| events.last().cloned()).expect("an event")
}

#[tokio::test]
async fn staff_members_are_created_listed_updated_and_deleted() {
    let app = spawn_app().await;
    let (coffee, tea) = (app.card(10, Some(STAFF)).await, app.card(10, Some(STAFF)).await);

    let created = app.post(CREATE, json!({"staffNm": "Ann", "staffPwd": ANN_PWD})).await;
    assert!(!created.text.contains(ANN_PWD) && !created.text.contains("argon2"), "{}", created.text);
    let ann = created.ok().clone();
    let ann_idx = ann["staffIdx"].as_i64().expect("staffIdx");
    assert_eq!(ann["staffNm"], "Ann");
    assert_eq!((&ann["allCardsYn"], &ann["cardIdxs"], &ann["activeYn"]), (&json!("Y"), &Value::Null, &json!("Y")));
    assert!(ann["regYmdt"].as_str().is_some_and(|t| t.starts_with(&app.day(0))), "{ann}");
    assert!(ann.get("staffPwd").is_none(), "{ann}");

    let bob = app.post(CREATE, json!({"staffNm": "Bob", "staffPwd": BOB_PWD, "cardIdxs": [tea, coffee, tea]})).await;
    let bob = bob.ok().clone();
    let bob_idx = bob["staffIdx"].as_i64().expect("staffIdx");
    assert_eq!((&bob["allCardsYn"], &bob["cardIdxs"]), (&json!("N"), &json!([coffee, tea])));

    let list = app.get(LIST).await;
    assert!(!list.text.contains("argon2"), "{}", list.text);
    assert_eq!(list.ok(), &json!([ann, bob]));

    // Absent fields are unchanged; cardIdxs and allCardsYn move between the two scopes.
    let renamed = app.put(UPDATE, json!({"staffIdx": ann_idx, "staffNm": "Ann Lee"})).await;
    assert_eq!(renamed.ok()["staffNm"], "Ann Lee");
    assert_eq!(renamed.ok()["allCardsYn"], "Y");
    let scoped = app.put(UPDATE, json!({"staffIdx": ann_idx, "cardIdxs": [tea]})).await;
    assert_eq!((&scoped.ok()["allCardsYn"], &scoped.ok()["cardIdxs"]), (&json!("N"), &json!([tea])));
    let off = app.put(UPDATE, json!({"staffIdx": ann_idx, "activeYn": "N", "staffPwd": "new-secret"})).await;
    assert_eq!(
        (&off.ok()["activeYn"], &off.ok()["cardIdxs"], &off.ok()["staffNm"]),
        (&json!("N"), &json!([tea]), &json!("Ann Lee"))
    );
    let all = app.put(UPDATE, json!({"staffIdx": bob_idx, "allCardsYn": "Y"})).await;
    assert_eq!((&all.ok()["allCardsYn"], &all.ok()["cardIdxs"]), (&json!("Y"), &Value::Null));
    let list = app.get(LIST).await;
    assert_eq!(list.ok()[0]["cardIdxs"], json!([tea]));
    assert_eq!(list.ok()[1]["cardIdxs"], Value::Null);

    // Creating with an Idempotency-Key twice makes one staff member.
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = app
            .call("POST", CREATE)
            .header("Idempotency-Key", "staff-cy")
            .json(&json!({"staffNm": "Cy", "staffPwd": "cy-secret"}))
            .send()
            .await;
        answers.push((response.ok()["staffIdx"].clone(), response.header("idempotency-replayed").map(str::to_owned)));
    }
    assert_eq!(answers[0].0, answers[1].0);
    assert_eq!(answers[1].1.as_deref(), Some("true"));
    assert_eq!(app.get(LIST).await.ok().as_array().map(Vec::len), Some(3));

    let deleted = app.call("DELETE", &format!("{DELETE}?staffIdx={bob_idx}")).send().await;
    assert_eq!(deleted.ok(), &Value::Null);
    let again = app.call("DELETE", &format!("{DELETE}?staffIdx={bob_idx}")).send().await;
    again.refused(ErrorCode::StaffNotFound);
    app.put(UPDATE, json!({"staffIdx": bob_idx, "staffNm": "Bob"})).await.refused(ErrorCode::StaffNotFound);
    let names: Vec<Value> =
        app.get(LIST).await.ok().as_array().expect("list").iter().map(|s| s["staffNm"].clone()).collect();
    assert_eq!(names, [json!("Ann Lee"), json!("Cy")]);
}

#[tokio::test]
async fn staff_requests_are_refused_with_specific_codes() {
    let app = spawn_app().await;
    let card = app.card(10, Some(STAFF)).await;
    let staff = add_staff(&app, "Ann", ANN_PWD, None).await;
    let create = |extra: Value| {
        let mut body = json!({"staffNm": "Ann", "staffPwd": ANN_PWD});
        body.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        body
    };
    let cases = [
        (json!({"staffPwd": ANN_PWD}), ErrorCode::MissingField),
        (json!({"staffNm": "Ann"}), ErrorCode::MissingField),
        (create(json!({"staffNm": "   "})), ErrorCode::EmptyField),
        (create(json!({"staffNm": "n".repeat(101)})), ErrorCode::TooLong),
        (create(json!({"staffNm": "A\u{1}nn"})), ErrorCode::InvalidText),
        (create(json!({"staffNm": 5})), ErrorCode::WrongType),
        (create(json!({"staffPwd": "five5"})), ErrorCode::InvalidStaffPassword),
        (create(json!({"staffPwd": "p".repeat(33)})), ErrorCode::InvalidStaffPassword),
        (create(json!({"staffPwd": "      "})), ErrorCode::InvalidStaffPassword),
        (create(json!({"cardIdxs": []})), ErrorCode::InvalidCardIdxs),
        (create(json!({"cardIdxs": vec![card; 1001]})), ErrorCode::InvalidCardIdxs),
        (create(json!({"cardIdxs": [0]})), ErrorCode::OutOfRange),
        (create(json!({"cardIdxs": "all"})), ErrorCode::WrongType),
        (create(json!({"cardIdxs": [card + 1000]})), ErrorCode::CardNotFound),
    ];
    for (body, code) in cases {
        let response = app.post(CREATE, body.clone()).await;
        response.refused(code);
        assert!(!response.text.contains(ANN_PWD), "{}", response.text);
    }
    let update_cases = [
        (json!({"staffNm": "Ann"}), ErrorCode::MissingField),
        (json!({"staffIdx": 0}), ErrorCode::OutOfRange),
        (json!({"staffIdx": staff, "staffPwd": "short"}), ErrorCode::InvalidStaffPassword),
        (json!({"staffIdx": staff, "cardIdxs": [card], "allCardsYn": "Y"}), ErrorCode::InvalidCardIdxs),
        (json!({"staffIdx": staff, "cardIdxs": []}), ErrorCode::InvalidCardIdxs),
        (json!({"staffIdx": staff, "activeYn": "X"}), ErrorCode::InvalidFlag),
        (json!({"staffIdx": staff, "cardIdxs": [card + 1000]}), ErrorCode::CardNotFound),
        (json!({"staffIdx": staff + 1000}), ErrorCode::StaffNotFound),
    ];
    for (body, code) in update_cases {
        app.put(UPDATE, body).await.refused(code);
    }
    // A refused update changed nothing.
    assert_eq!(app.get(LIST).await.ok()[0]["allCardsYn"], "Y");
    for (query, code) in
        [("", ErrorCode::MissingField), ("?staffIdx=x", ErrorCode::WrongType), ("?staffIdx=0", ErrorCode::OutOfRange)]
    {
        app.call("DELETE", &format!("{DELETE}{query}")).send().await.refused(code);
    }
    app.anonymous("GET", LIST).send().await.refused(ErrorCode::MissingApiKey);
    app.anonymous("POST", CREATE).json(&create(json!({}))).send().await.refused(ErrorCode::MissingApiKey);
    app.call("POST", CREATE).raw(Some("text/plain"), "x").send().await.refused(ErrorCode::UnsupportedMediaType);
    app.call("POST", CREATE).raw(Some("application/json"), "{").send().await.refused(ErrorCode::MalformedJson);
    let reused = app.call("POST", CREATE).header("Idempotency-Key", "k1").json(&create(json!({}))).send().await;
    reused.ok();
    let other_body = create(json!({"staffNm": "Other"}));
    let reused = app.call("POST", CREATE).header("Idempotency-Key", "k1").json(&other_body).send().await;
    reused.refused(ErrorCode::IdempotencyKeyReused);
}

#[tokio::test]
async fn another_accounts_staff_and_cards_look_missing() {
    let app = spawn_app().await;
    let my_key = app.key.clone();
    let my_card = app.card(10, Some(STAFF)).await;
    let mine = add_staff(&app, "Ann", ANN_PWD, Some(&[my_card])).await;
    let (_, my_token, my_session) = customer(&app, my_card).await;
    let (other_idx, other_key) = app.other_account(stampcard_server::plan::Plan::Personal).await;
    let mut other = app.with_key(other_key);
    other.account_idx = other_idx;
    let their_card = other.card(10, Some(STAFF)).await;
    let theirs = add_staff(&other, "Eve", "eve-secret", None).await;

    let list = other.get(LIST).await;
    let ids: Vec<Value> = list.ok().as_array().expect("list").iter().map(|s| s["staffIdx"].clone()).collect();
    assert_eq!(ids, [json!(theirs)]);
    other.put(UPDATE, json!({"staffIdx": mine, "staffNm": "Mallory"})).await.refused(ErrorCode::StaffNotFound);
    other.call("DELETE", &format!("{DELETE}?staffIdx={mine}")).send().await.refused(ErrorCode::StaffNotFound);
    let body = json!({"staffNm": "Eve", "staffPwd": "eve-secret", "cardIdxs": [my_card]});
    other.post(CREATE, body).await.refused(ErrorCode::CardNotFound);
    other.put(UPDATE, json!({"staffIdx": theirs, "cardIdxs": [my_card]})).await.refused(ErrorCode::CardNotFound);
    let my_list = other.anonymous("GET", LIST).key(Some(&my_key)).send().await;
    let names: Vec<Value> = my_list.ok().as_array().expect("list").iter().map(|s| s["staffNm"].clone()).collect();
    assert_eq!(names, [json!("Ann")]);

    // Their all-cards staff member's password does not work on my card, nor mine on theirs.
    onsite_add(&other, &my_token, &my_session, &credential(theirs, "eve-secret"))
        .await
        .refused(ErrorCode::WrongOnsitePassword);
    let (_, token, session) = customer(&other, their_card).await;
    onsite_add(&other, &token, &session, &credential(mine, ANN_PWD)).await.refused(ErrorCode::WrongOnsitePassword);
    onsite_add(&other, &token, &session, &credential(theirs, "eve-secret")).await.ok();
}

#[tokio::test]
async fn the_page_takes_an_active_covering_staff_members_password() {
    let app = spawn_app().await;
    let (coffee, tea) = (app.card(10, Some(STAFF)).await, app.card(10, Some(STAFF)).await);
    let ann = add_staff(&app, "Ann", ANN_PWD, Some(&[coffee])).await;
    let bob = add_staff(&app, "Bob", BOB_PWD, None).await;
    let (stamp, token, session) = customer(&app, coffee).await;

    let view = onsite_add(&app, &token, &session, &credential(ann, ANN_PWD)).await;
    assert_eq!(view.ok()["stamps"], 1);
    let event = last_event(&app, stamp).await;
    assert_eq!((&event["action"], &event["actor"], &event["staffIdx"]), (&json!("ADD"), &json!("STAFF"), &json!(ann)));
    assert_eq!(event["apiKeyIdx"], Value::Null);
    // The card's own password still works, recorded as ONSITE without a staff member.
    onsite_add(&app, &token, &session, STAFF).await.ok();
    let event = last_event(&app, stamp).await;
    assert_eq!((&event["actor"], &event["staffIdx"]), (&json!("ONSITE"), &Value::Null));
    // Bob covers every card, including one created after him.
    let later = app.card(10, Some(STAFF)).await;
    let (later_stamp, later_token, later_session) = customer(&app, later).await;
    onsite_add(&app, &later_token, &later_session, &credential(bob, BOB_PWD)).await.ok();
    let event = last_event(&app, later_stamp).await;
    assert_eq!((&event["staffIdx"], &event["actorNm"]), (&json!(bob), &json!("Bob")), "the history names the member");

    // Ann does not cover tea; a wrong password, another member's password, an inactive or a
    // deleted member: all the same wrong-password refusal.
    let (tea_stamp, tea_token, tea_session) = customer(&app, tea).await;
    onsite_add(&app, &tea_token, &tea_session, &credential(ann, ANN_PWD)).await.refused(ErrorCode::WrongOnsitePassword);
    onsite_add(&app, &token, &session, &credential(ann, BOB_PWD)).await.refused(ErrorCode::WrongOnsitePassword);
    app.put(UPDATE, json!({"staffIdx": ann, "activeYn": "N"})).await.ok();
    onsite_add(&app, &token, &session, &credential(ann, ANN_PWD)).await.refused(ErrorCode::WrongOnsitePassword);
    app.put(UPDATE, json!({"staffIdx": ann, "activeYn": "Y", "cardIdxs": [coffee, tea]})).await.ok();
    onsite_add(&app, &tea_token, &tea_session, &credential(ann, ANN_PWD)).await.ok();
    // A new password replaces the old one.
    app.put(UPDATE, json!({"staffIdx": ann, "staffPwd": "ann-second"})).await.ok();
    onsite_add(&app, &token, &session, &credential(ann, ANN_PWD)).await.refused(ErrorCode::WrongOnsitePassword);
    onsite_add(&app, &token, &session, &credential(ann, "ann-second")).await.ok();
    app.call("DELETE", &format!("{DELETE}?staffIdx={ann}")).send().await.ok();
    onsite_add(&app, &token, &session, &credential(ann, "ann-second")).await.refused(ErrorCode::WrongOnsitePassword);
    assert_eq!(app.count(stamp).await, 3);
    assert_eq!(app.count(tea_stamp).await, 1);
    // The history keeps a deleted member's number.
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp}")).await;
    let staff: Vec<Value> = history.ok().as_array().expect("events").iter().map(|e| e["staffIdx"].clone()).collect();
    assert_eq!(staff, [Value::Null, Value::Null, json!(ann), Value::Null, json!(ann)]);
    let names: Vec<Value> = history.ok().as_array().expect("events").iter().map(|e| e["actorNm"].clone()).collect();
    assert!(names.iter().all(Value::is_null), "a deleted member's name is gone: {names:?}");

    // Redeem on the page with a staff password.
    let small = app.card(1, Some(STAFF)).await;
    let (small_stamp, small_token, small_session) = customer(&app, small).await;
    onsite_add(&app, &small_token, &small_session, &credential(bob, BOB_PWD)).await.ok();
    let redeem = page(&small_token, "/onsite/redeem");
    let body = json!({"onsitePwd": credential(bob, BOB_PWD)});
    let view = page_call(&app, "POST", &redeem, Some(&small_session), Some(body)).await;
    assert_eq!(view.ok()["state"], "REDEEMED");
    let event = last_event(&app, small_stamp).await;
    assert_eq!((&event["action"], &event["actor"], &event["staffIdx"]), (&json!("USE"), &json!("STAFF"), &json!(bob)));
}

#[tokio::test]
async fn the_redeem_api_takes_a_staff_members_password() {
    let app = spawn_app().await;
    let (coffee, tea) = (app.card(1, Some(STAFF)).await, app.card(1, Some(STAFF)).await);
    let ann = add_staff(&app, "Ann", ANN_PWD, Some(&[coffee])).await;
    let app = &app;
    let full = |card| async move {
        let stamp = app.stamp(card).await;
        app.add_n(stamp, 1).await;
        stamp
    };
    let (coffee_stamp, tea_stamp) = (full(coffee).await, full(tea).await);
    let redeem = |stamp: i64, password: String| {
        app.put("/api/stamp/v1/redeem", json!({"stampIdx": stamp, "onsitePwd": password}))
    };

    redeem(tea_stamp, credential(ann, ANN_PWD)).await.refused(ErrorCode::WrongOnsitePassword);
    redeem(coffee_stamp, credential(ann, BOB_PWD)).await.refused(ErrorCode::WrongOnsitePassword);
    app.put(UPDATE, json!({"staffIdx": ann, "activeYn": "N"})).await.ok();
    redeem(coffee_stamp, credential(ann, ANN_PWD)).await.refused(ErrorCode::WrongOnsitePassword);
    app.put(UPDATE, json!({"staffIdx": ann, "activeYn": "Y"})).await.ok();
    assert_eq!(app.validate(coffee_stamp).await["stamps"], 1);

    assert_eq!(redeem(coffee_stamp, credential(ann, ANN_PWD)).await.ok(), &Value::Null);
    let event = last_event(app, coffee_stamp).await;
    assert_eq!((&event["action"], &event["actor"], &event["staffIdx"]), (&json!("USE"), &json!("STAFF"), &json!(ann)));
    assert!(event["apiKeyIdx"].as_i64().is_some(), "{event}");
    // The card's password still redeems, as the API key.
    redeem(tea_stamp, STAFF.to_owned()).await.ok();
    let event = last_event(app, tea_stamp).await;
    assert_eq!((&event["actor"], &event["staffIdx"]), (&json!("API_KEY"), &Value::Null));
}

#[tokio::test]
async fn wrong_staff_passwords_count_on_the_cards_guard() {
    let app = spawn_app().await;
    let card = app.card(10, Some(STAFF)).await;
    let ann = add_staff(&app, "Ann", ANN_PWD, None).await;
    let bob = add_staff(&app, "Bob", BOB_PWD, None).await;
    let mut customers = Vec::new();
    for _ in 0..3 {
        customers.push(customer(&app, card).await);
    }
    // Five wrong tries over three stamps (no stamp reaches its own lock), mixing the card's
    // password, two staff numbers and a number that names nobody: the card locks.
    let guesses = [
        "wrong-card".to_owned(),
        credential(ann, BOB_PWD),
        credential(bob, ANN_PWD),
        credential(bob + 1000, BOB_PWD),
        credential(ann, "ann-secreT"),
    ];
    for (n, guess) in guesses.iter().enumerate() {
        let (_, token, session) = &customers[n % 3];
        let refused = onsite_add(&app, token, session, guess).await;
        refused.refused(ErrorCode::WrongOnsitePassword);
        assert_eq!(refused.header("retry-after").is_some(), n == 4, "{refused:?}");
    }
    // Locked for every stamp of the card and every password, the right ones included.
    let (_, token, session) = &customers[0];
    for password in [credential(ann, ANN_PWD), STAFF.to_owned()] {
        let locked = onsite_add(&app, token, session, &password).await;
        locked.refused(ErrorCode::Locked);
        assert!(locked.header("retry-after").is_some());
    }
    let (_, fresh_token, fresh_session) = customer(&app, card).await;
    onsite_add(&app, &fresh_token, &fresh_session, &credential(bob, BOB_PWD)).await.refused(ErrorCode::Locked);
}

/// How many password hashes the server has computed, from its own metrics.
async fn hashes_computed(client: &reqwest::Client, url: &str) -> u64 {
    let text = client
        .get(format!("{url}/metrics"))
        .header("Authorization", format!("Bearer {METRICS_TOKEN}"))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix("stampcard_password_hash_wait_seconds_count "))
        .map_or(0, |count| count.trim().parse().unwrap_or_else(|e| panic!("{e}: {count}")))
}

const METRICS_TOKEN: &str = "metrics-token-for-the-staff-hash-count";

/// With twenty staff members on the account, every kind of attempt (right, wrong, inactive,
/// not covering, naming nobody, the card's own password) costs exactly one argon2
/// verification: the credential's number finds the one hash to check. The real server in its
/// own process, so its hash metric counts only this test's hashes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_staff_attempt_costs_one_verification() {
    tokio::time::timeout(Duration::from_secs(120), async {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = Backend::from_env().fresh_database_url(&dir).await;
        let created = cli(&database_url, &["account", "create", "--name", "Staff shop", "--plan", "personal"]).await;
        let key = created["apiKey"].as_str().expect("apiKey").to_owned();
        let server = Server::start_with(&database_url, dir.path(), 0, &[("STAMPCARD_METRICS_TOKEN", METRICS_TOKEN)]).await;
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        let call = |method: reqwest::Method, path: &str, body: Value| {
            let mut request =
                client.request(method, format!("{}{path}", server.url)).header("Authorization", format!("APIKey {key}"));
            if !body.is_null() {
                request = request.json(&body);
            }
            async move {
                let body: Value = request.send().await.expect("answer").json().await.expect("envelope");
                body
            }
        };
        let card = call(reqwest::Method::POST, "/api/stamp/v1/card/create", json!({"cardNm": "C", "maxStamps": 100, "onsitePwd": STAFF})).await["result"]["cardIdx"].clone();
        let other_card = call(reqwest::Method::POST, "/api/stamp/v1/card/create", json!({"cardNm": "D", "maxStamps": 100, "onsitePwd": STAFF})).await["result"]["cardIdx"].clone();
        let mut staff = Vec::new();
        for n in 0..20 {
            let body = json!({"staffNm": format!("Staff {n}"), "staffPwd": format!("secret-{n}")});
            staff.push(call(reqwest::Method::POST, CREATE, body).await["result"]["staffIdx"].as_i64().expect("staffIdx"));
        }
        let uncovering = call(reqwest::Method::POST, CREATE, json!({"staffNm": "Elsewhere", "staffPwd": "secret-x", "cardIdxs": [other_card]})).await["result"]["staffIdx"].as_i64().expect("staffIdx");
        let inactive = staff[3];
        call(reqwest::Method::PUT, UPDATE, json!({"staffIdx": inactive, "activeYn": "N"})).await;
        let today = chrono::Utc::now().date_naive();
        let body = json!({"cardIdx": card, "strtYmd": today.to_string(), "endYmd": (today + chrono::Days::new(30)).to_string()});
        let stamp = call(reqwest::Method::POST, "/api/stamp/v1/create", body).await["result"].as_i64().expect("stampIdx");
        let link = call(reqwest::Method::GET, &format!("/api/stamp/v1/validate?stampIdx={stamp}"), Value::Null);
        let token = link.await["result"]["stampUrl"].as_str().and_then(|url| url.rsplit('/').next()).expect("token").to_owned();
        let pin = client.post(format!("{}/api/page/v1/{token}/pin", server.url)).json(&json!({"pin": "2580"})).send().await.expect("pin");
        let pin: Value = pin.json().await.expect("envelope");
        let session = pin["result"]["sessionToken"].as_str().expect("session").to_owned();

        // At most four wrong ones in a row, so nothing locks and every attempt is checked.
        let attempts = [
            (credential(staff[19], "secret-19"), 0),
            (credential(staff[7], "secret-8"), 2007),
            (credential(inactive, "secret-3"), 2007),
            (credential(uncovering, "secret-x"), 2007),
            (credential(staff.iter().max().expect("staff") + 1000, "secret-1"), 2007),
            (STAFF.to_owned(), 0),
            ("not-the-card-password".to_owned(), 2007),
            (credential(staff[0], "secret-0"), 0),
        ];
        for (password, code) in attempts {
            let before = hashes_computed(&client, &server.url).await;
            let answer = client
                .post(format!("{}/api/page/v1/{token}/onsite/add", server.url))
                .bearer_auth(&session)
                .json(&json!({"onsitePwd": password}))
                .send()
                .await
                .expect("answer");
            let body: Value = answer.json().await.expect("envelope");
            assert_eq!(body["code"], code, "{password}: {body}");
            let hashed = hashes_computed(&client, &server.url).await - before;
            assert_eq!(hashed, 1, "{password} computed {hashed} hashes");
        }
        // The redeem API: one verification too.
        let full_card = call(reqwest::Method::POST, "/api/stamp/v1/card/create", json!({"cardNm": "E", "maxStamps": 1, "onsitePwd": STAFF})).await["result"]["cardIdx"].clone();
        let body = json!({"cardIdx": full_card, "strtYmd": today.to_string(), "endYmd": (today + chrono::Days::new(30)).to_string()});
        let full = call(reqwest::Method::POST, "/api/stamp/v1/create", body).await["result"].as_i64().expect("stampIdx");
        call(reqwest::Method::PUT, "/api/stamp/v1/add", json!({"stampIdx": full})).await;
        for (password, code) in [(credential(staff[5], "secret-6"), 2007), (credential(staff[5], "secret-5"), 0)] {
            let before = hashes_computed(&client, &server.url).await;
            let body = call(reqwest::Method::PUT, "/api/stamp/v1/redeem", json!({"stampIdx": full, "onsitePwd": password})).await;
            assert_eq!(body["code"], code, "{password}: {body}");
            let hashed = hashes_computed(&client, &server.url).await - before;
            assert_eq!(hashed, 1, "redeem with {password} computed {hashed} hashes");
        }
    })
    .await
    .expect("the test finishes in time");
}
