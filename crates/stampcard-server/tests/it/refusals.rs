//! Every refusal the issue names, over HTTP: the envelope, the specific code and the HTTP
//! status from the core's table, and nothing half-written.

use chrono::NaiveDate;
use serde_json::{Value, json};
use stampcard_core::ErrorCode;
use stampcard_server::ops::admin;
use stampcard_server::plan::Plan;

use crate::helpers::{Options, spawn_app, spawn_app_with};

#[tokio::test]
async fn api_key_is_required_valid_and_live() {
    let app = spawn_app().await;
    let path = "/api/stamp/v1/card/list";
    app.anonymous("GET", path).send().await.refused(ErrorCode::MissingApiKey);
    app.anonymous("GET", path).header("Authorization", "Bearer abc").send().await.refused(ErrorCode::MissingApiKey);
    app.anonymous("GET", path).header("Authorization", "APIKey").send().await.refused(ErrorCode::MissingApiKey);
    app.anonymous("GET", path).key(Some("sck_not-a-real-key")).send().await.refused(ErrorCode::InvalidApiKey);
    app.get(path).await.ok();
    // The scheme is case-insensitive, like HTTP's own.
    app.anonymous("GET", path).header("Authorization", &format!("apikey {}", app.key)).send().await.ok();

    // Revoked: refused at once.
    let second = admin::create_api_key(app.store.as_ref(), &app.clock, app.account_idx, "second").await.expect("key");
    app.anonymous("GET", path).key(Some(&second.api_key)).send().await.ok();
    assert!(
        admin::revoke_api_key(app.store.as_ref(), &app.clock, app.account_idx, second.api_key_idx)
            .await
            .expect("revoke")
    );
    app.anonymous("GET", path).key(Some(&second.api_key)).send().await.refused(ErrorCode::InvalidApiKey);
    app.get(path).await.ok();
    // Every stamp and card endpoint checks the key.
    for (method, path) in [
        ("POST", "/api/stamp/v1/create"),
        ("PUT", "/api/stamp/v1/add"),
        ("PUT", "/api/stamp/v1/remove"),
        ("PUT", "/api/stamp/v1/update"),
        ("DELETE", "/api/stamp/v1/delete?stampIdx=1"),
        ("GET", "/api/stamp/v1/validate?stampIdx=1"),
        ("PUT", "/api/stamp/v1/redeem"),
        ("GET", "/api/stamp/v1/history?stampIdx=1"),
        ("POST", "/api/stamp/v1/card/create"),
        ("GET", "/api/stamp/v1/card/get?cardIdx=1"),
        ("PUT", "/api/stamp/v1/card/update"),
    ] {
        let response = app.anonymous(method, path).json(&json!({"stampIdx": 1})).send().await;
        response.refused(ErrorCode::MissingApiKey);
    }
}

#[tokio::test]
async fn free_plan_is_refused_and_custom_domain_needs_premium() {
    let app = spawn_app().await;
    let (_, free_key) = app.other_account(Plan::Free).await;
    let free = app.anonymous("GET", "/api/stamp/v1/card/list").key(Some(&free_key)).send().await;
    free.refused(ErrorCode::PlanRequired);
    assert!(free.message().contains("Personal"), "{}", free.message());
    app.anonymous("POST", "/api/stamp/v1/create")
        .key(Some(&free_key))
        .json(&json!({}))
        .send()
        .await
        .refused(ErrorCode::PlanRequired);

    let card = app.card(5, None).await;
    let body =
        json!({"cardIdx": card, "strtYmd": app.day(0), "endYmd": app.day(10), "domain": "https://stamps.example.com"});
    let refused = app.post("/api/stamp/v1/create", body.clone()).await;
    refused.refused(ErrorCode::DomainPlanRequired);
    assert!(refused.message().contains("Premium"));
    let stamp = app.stamp(card).await;
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "domain": "https://stamps.example.com"}))
        .await
        .refused(ErrorCode::DomainPlanRequired);
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "domain": ""})).await.ok();

    let (_, premium_key) = app.other_account(Plan::Premium).await;
    let premium = app.with_key(premium_key);
    let card = premium.card(5, None).await;
    let body = json!({"cardIdx": card, "strtYmd": premium.day(0), "endYmd": premium.day(10), "domain": "https://stamps.example.com/"});
    let stamp = premium.post("/api/stamp/v1/create", body).await.ok().as_i64().expect("idx");
    let url = premium.validate(stamp).await["stampUrl"].as_str().expect("url").to_owned();
    assert!(url.starts_with("https://stamps.example.com/stamp/"), "{url}");
}

#[tokio::test]
async fn another_accounts_ids_look_missing() {
    let app = spawn_app().await;
    let card = app.card(5, Some("1357")).await;
    let stamp = app.stamp(card).await;
    let (_, other_key) = app.other_account(Plan::Personal).await;
    let other = app.with_key(other_key);
    let missing_stamp = 999_999;
    for idx in [stamp, missing_stamp] {
        let not_found = [
            other.put("/api/stamp/v1/add", json!({"stampIdx": idx})).await,
            other.put("/api/stamp/v1/remove", json!({"stampIdx": idx})).await,
            other.put("/api/stamp/v1/update", json!({"stampIdx": idx, "memo": "x"})).await,
            other.put("/api/stamp/v1/redeem", json!({"stampIdx": idx, "onsitePwd": "1357"})).await,
            other.get(&format!("/api/stamp/v1/validate?stampIdx={idx}")).await,
            other.get(&format!("/api/stamp/v1/history?stampIdx={idx}")).await,
            other.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={idx}")).send().await,
        ];
        for response in &not_found {
            response.refused(ErrorCode::StampNotFound);
        }
        // Same message for "theirs" and "nobody's".
        assert!(not_found.iter().all(|r| r.message() == "stamp not found"));
    }
    for idx in [card, 999_999] {
        other.get(&format!("/api/stamp/v1/card/get?cardIdx={idx}")).await.refused(ErrorCode::CardNotFound);
        other
            .put("/api/stamp/v1/card/update", json!({"cardIdx": idx, "cardNm": "mine now"}))
            .await
            .refused(ErrorCode::CardNotFound);
        let body = json!({"cardIdx": idx, "strtYmd": other.day(0), "endYmd": other.day(10)});
        other.post("/api/stamp/v1/create", body).await.refused(ErrorCode::CardNotFound);
    }
    assert!(other.get("/api/stamp/v1/card/list").await.ok().as_array().expect("list").is_empty());
    // Moving one's own stamp onto another account's card is the same 404.
    let own_card = other.card(5, None).await;
    let own_stamp = other.stamp(own_card).await;
    other
        .put("/api/stamp/v1/update", json!({"stampIdx": own_stamp, "cardIdx": card}))
        .await
        .refused(ErrorCode::CardNotFound);
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods() {
    let app = spawn_app().await;
    app.get("/api/stamp/v1/nope").await.refused(ErrorCode::RouteNotFound);
    app.anonymous("GET", "/").send().await.refused(ErrorCode::RouteNotFound);
    let wrong = app.get("/api/stamp/v1/add").await;
    wrong.refused(ErrorCode::MethodNotAllowed);
    assert_eq!(wrong.header("allow"), Some("PUT"));
    app.call("POST", "/api/stamp/v1/validate?stampIdx=1").send().await.refused(ErrorCode::MethodNotAllowed);
    app.call("PUT", "/api/stamp/v1/create").json(&json!({})).send().await.refused(ErrorCode::MethodNotAllowed);
    app.call("GET", "/api/stamp/v1/delete?stampIdx=1").send().await.refused(ErrorCode::MethodNotAllowed);
    app.anonymous("DELETE", "/api/page/v1/x/pin").send().await.refused(ErrorCode::MethodNotAllowed);
}

#[tokio::test]
async fn malformed_bodies() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let stamp = app.stamp(card).await;
    let add = "/api/stamp/v1/add";
    let cases: &[(&str, ErrorCode)] = &[
        ("", ErrorCode::MalformedJson),
        ("{", ErrorCode::MalformedJson),
        ("{\"stampIdx\": 1,}", ErrorCode::MalformedJson),
        ("not json", ErrorCode::MalformedJson),
        ("{}", ErrorCode::MissingField),
        ("{\"stampIdx\": \"1\"}", ErrorCode::WrongType),
        ("{\"stampIdx\": 1.5}", ErrorCode::WrongType),
        ("{\"stampIdx\": true}", ErrorCode::WrongType),
        ("[1]", ErrorCode::WrongType),
        ("{\"stampIdx\": 0}", ErrorCode::OutOfRange),
        ("{\"stampIdx\": -3}", ErrorCode::OutOfRange),
        ("{\"stampIdx\": 9007199254740992}", ErrorCode::OutOfRange),
    ];
    for (body, code) in cases {
        let response = app.call("PUT", add).raw(Some("application/json"), body.to_string()).send().await;
        assert_eq!(response.body["code"].as_i64(), Some(i64::from(code.code())), "body {body:?}: {response:?}");
        response.refused(*code);
    }
    let missing = app.call("PUT", add).raw(Some("application/json"), "{}").send().await;
    assert!(missing.message().contains("stampIdx"), "{}", missing.message());
    // Unknown fields are ignored.
    app.put(add, json!({"stampIdx": stamp, "extra": {"deep": [1, 2]}})).await.ok();
    assert_eq!(app.count(stamp).await, 1, "nothing else was applied");

    // Content type.
    app.call("PUT", add)
        .raw(Some("text/plain"), format!("{{\"stampIdx\": {stamp}}}"))
        .send()
        .await
        .refused(ErrorCode::UnsupportedMediaType);
    app.call("PUT", add)
        .raw(None, format!("{{\"stampIdx\": {stamp}}}"))
        .send()
        .await
        .refused(ErrorCode::UnsupportedMediaType);
    app.call("PUT", add)
        .raw(Some("application/json; charset=utf-8"), format!("{{\"stampIdx\": {stamp}}}"))
        .send()
        .await
        .ok();

    // Over 64 KiB: refused, even when valid JSON.
    let big = json!({"stampIdx": stamp, "memo": "x".repeat(70 * 1024)});
    app.put(add, big).await.refused(ErrorCode::BodyTooLarge);
    let chunked = format!("{{\"stampIdx\": {stamp}, \"pad\": \"{}\"}}", "y".repeat(80 * 1024));
    let raw = send_chunked(&app, add, chunked.as_bytes()).await;
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert!(raw.contains(&format!("\"code\":{}", ErrorCode::BodyTooLarge.code())), "{raw}");
    assert_eq!(app.count(stamp).await, 2);

    // Query parameters.
    app.get("/api/stamp/v1/validate").await.refused(ErrorCode::MissingField);
    app.get("/api/stamp/v1/validate?stampIdx=abc").await.refused(ErrorCode::WrongType);
    app.get("/api/stamp/v1/validate?stampIdx=0").await.refused(ErrorCode::OutOfRange);
    app.get(&format!("/api/stamp/v1/validate?other=1&stampIdx={stamp}")).await.ok();
}

/// Sends a chunked body (no Content-Length), so the limit must be enforced while reading;
/// returns the raw response.
async fn send_chunked(app: &crate::helpers::TestApp, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: APIKey {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.key
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    for chunk in body.chunks(8192) {
        // The server may answer and close early; later writes may then fail, which is fine.
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn field_validation() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let create = |extra: Value| {
        let mut body = json!({"cardIdx": card, "strtYmd": app.day(0), "endYmd": app.day(30)});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let cases: Vec<(Value, ErrorCode)> = vec![
        (json!({"userEml": "not-an-email"}), ErrorCode::InvalidEmail),
        (json!({"userNm": "x".repeat(101)}), ErrorCode::TooLong),
        (json!({"memo": "m".repeat(1001)}), ErrorCode::TooLong),
        (json!({"userPhnno": "call me"}), ErrorCode::InvalidPhone),
        (json!({"userNm": "bell\u{7}"}), ErrorCode::InvalidText),
        (json!({"activeYn": "X"}), ErrorCode::InvalidFlag),
        (json!({"activeYn": true}), ErrorCode::WrongType),
        (json!({"strtYmd": "2025-02-30"}), ErrorCode::InvalidDate),
        (json!({"endYmd": "31.12.2025"}), ErrorCode::InvalidDate),
        (json!({"strtYmd": app.day(10), "endYmd": app.day(5)}), ErrorCode::DateOrder),
        (json!({"endYmd": app.months_ahead(61)}), ErrorCode::EndDateTooFar),
        (json!({"strtYmd": app.day(-10), "endYmd": app.day(-1)}), ErrorCode::EndDateInPast),
        (json!({"domain": "not a url"}), ErrorCode::InvalidUrl),
        (json!({"cardIdx": 0}), ErrorCode::OutOfRange),
        (json!({"memo": 5}), ErrorCode::WrongType),
    ];
    for (extra, code) in cases {
        let response = app.post("/api/stamp/v1/create", create(extra.clone())).await;
        assert_eq!(response.body["code"].as_i64(), Some(i64::from(code.code())), "{extra}: {response:?}");
        response.refused(code);
    }
    let missing = app.post("/api/stamp/v1/create", json!({"cardIdx": card, "endYmd": app.day(3)})).await;
    missing.refused(ErrorCode::MissingField);
    assert_eq!(missing.message(), "strtYmd is required");
    assert!(app.get("/api/stamp/v1/card/list").await.ok().as_array().is_some());
    // None of the refused creates left a stamp behind.
    let stamp = app.stamp(card).await;
    assert_eq!(stamp, 1, "the first stamp ever stored");

    let update = |extra: Value| {
        let mut body = json!({"stampIdx": stamp});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let cases: Vec<(Value, ErrorCode)> = vec![
        (json!({"stamps": -1}), ErrorCode::OutOfRange),
        (json!({"stamps": 6}), ErrorCode::OutOfRange),
        (json!({"stamps": 101}), ErrorCode::OutOfRange),
        (json!({"resetPinYn": "maybe"}), ErrorCode::InvalidFlag),
        (json!({"endYmd": app.months_ahead(61)}), ErrorCode::EndDateTooFar),
        (json!({"strtYmd": app.months_ahead(13)}), ErrorCode::DateOrder),
        (json!({"userEml": "a@b"}), ErrorCode::InvalidEmail),
        (json!({"stampIdx": 0}), ErrorCode::OutOfRange),
    ];
    for (extra, code) in cases {
        let response = app.put("/api/stamp/v1/update", update(extra.clone())).await;
        assert_eq!(response.body["code"].as_i64(), Some(i64::from(code.code())), "{extra}: {response:?}");
    }
    let result = app.validate(stamp).await;
    assert_eq!((result["stamps"].clone(), result["userEml"].clone()), (json!(0), json!("")), "nothing half-written");
}

#[tokio::test]
async fn state_refusals() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 15);
    let app = spawn_app_with(Options { fake_today: today, ..Options::default() }).await;
    let card = app.card(2, Some("open-sesame")).await;
    let make = |start: &str, end: &str, active: &str| json!({"cardIdx": card, "strtYmd": start, "endYmd": end, "activeYn": active});

    let inactive =
        app.post("/api/stamp/v1/create", make("2025-06-01", "2025-12-31", "N")).await.ok().as_i64().expect("idx");
    app.put("/api/stamp/v1/add", json!({"stampIdx": inactive})).await.refused(ErrorCode::Inactive);
    app.get(&format!("/api/stamp/v1/validate?stampIdx={inactive}")).await.refused(ErrorCode::Inactive);

    let future =
        app.post("/api/stamp/v1/create", make("2025-07-01", "2025-12-31", "Y")).await.ok().as_i64().expect("idx");
    app.put("/api/stamp/v1/add", json!({"stampIdx": future})).await.refused(ErrorCode::NotStarted);
    app.get(&format!("/api/stamp/v1/validate?stampIdx={future}")).await.refused(ErrorCode::NotStarted);

    let current =
        app.post("/api/stamp/v1/create", make("2025-06-01", "2025-06-20", "Y")).await.ok().as_i64().expect("idx");
    // Move the window into the past (update may; create may not).
    app.put("/api/stamp/v1/update", json!({"stampIdx": current, "strtYmd": "2025-05-01", "endYmd": "2025-06-14"}))
        .await
        .ok();
    app.put("/api/stamp/v1/add", json!({"stampIdx": current})).await.refused(ErrorCode::Expired);
    app.get(&format!("/api/stamp/v1/validate?stampIdx={current}")).await.refused(ErrorCode::Expired);
    app.put("/api/stamp/v1/update", json!({"stampIdx": current, "endYmd": "2025-06-30"})).await.ok();

    app.put("/api/stamp/v1/remove", json!({"stampIdx": current})).await.refused(ErrorCode::NothingToRemove);
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": current, "onsitePwd": "open-sesame"}))
        .await
        .refused(ErrorCode::NotComplete);
    app.add_n(current, 2).await;
    app.put("/api/stamp/v1/add", json!({"stampIdx": current})).await.refused(ErrorCode::Full);
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": current})).await.refused(ErrorCode::OnsitePasswordRequired);
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": current, "onsitePwd": "wrong-one"}))
        .await
        .refused(ErrorCode::WrongOnsitePassword);
    app.validate(current).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": current, "onsitePwd": "open-sesame"})).await.ok();
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": current, "onsitePwd": "open-sesame"}))
        .await
        .refused(ErrorCode::AlreadyRedeemed);
    app.put("/api/stamp/v1/remove", json!({"stampIdx": current})).await.refused(ErrorCode::AlreadyRedeemed);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let app = spawn_app_with(Options { rate_limit: true, ..Options::default() }).await;
    let (per_minute, _) = Plan::Personal.rate_limits();
    let mut limited = None;
    // The window may roll over mid-test; a second window's worth of requests always hits.
    for _ in 0..(2 * per_minute + 1) {
        let response = app.get("/api/stamp/v1/card/list").await;
        if response.status == 429 {
            limited = Some(response);
            break;
        }
        response.ok();
    }
    let limited = limited.expect("the limit was reached");
    limited.refused(ErrorCode::RateLimited);
    let retry: u32 = limited.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // Other accounts have their own budget.
    let (_, other_key) = app.other_account(Plan::Personal).await;
    app.anonymous("GET", "/api/stamp/v1/card/list").key(Some(&other_key)).send().await.ok();
}

/// PHP and Python send integral numbers as floats (`1.0`): they are the same integers end to
/// end; a fraction is the wrong type; a number of any size outside its field's range is
/// `OutOfRange`, naming the field and the range, and writes nothing.
#[tokio::test]
async fn integers_written_as_floats() {
    let app = spawn_app().await;
    let card = app.post("/api/stamp/v1/card/create", json!({"cardNm": "Floats", "maxStamps": 3.0})).await;
    let card = card.ok()["cardIdx"].as_i64().expect("cardIdx");
    assert_eq!(app.get(&format!("/api/stamp/v1/card/get?cardIdx={card}")).await.ok()["maxStamps"], 3);
    let raw = |number: &str| {
        format!("{{\"cardIdx\": {number}, \"strtYmd\": \"{}\", \"endYmd\": \"{}\"}}", app.day(0), app.day(30))
    };
    let send = |method: &'static str, path: &'static str, body: String| {
        app.call(method, path).raw(Some("application/json"), body).send()
    };
    let stamp = send("POST", "/api/stamp/v1/create", raw(&format!("{card}.0"))).await.ok().as_i64().expect("stampIdx");
    send("PUT", "/api/stamp/v1/add", format!("{{\"stampIdx\": {stamp}.0}}")).await.ok();
    send("PUT", "/api/stamp/v1/add", format!("{{\"stampIdx\": {stamp}e0}}")).await.ok();
    assert_eq!(app.count(stamp).await, 2);
    app.put("/api/stamp/v1/update", json!({"stampIdx": stamp as f64, "stamps": 1.0, "cardIdx": card as f64}))
        .await
        .ok();
    assert_eq!(app.count(stamp).await, 1);
    send("PUT", "/api/stamp/v1/remove", format!("{{\"stampIdx\": {stamp}.0}}")).await.ok();
    assert_eq!(app.validate(stamp).await["stamps"], 0);
    app.put("/api/stamp/v1/card/update", json!({"cardIdx": card as f64, "maxStamps": 4.0})).await.ok();
    assert_eq!(app.get(&format!("/api/stamp/v1/card/get?cardIdx={card}.0")).await.ok()["maxStamps"], 4);
    app.get(&format!("/api/stamp/v1/validate?stampIdx={stamp}.0")).await.ok();
    // Id lists too (bulk, staff members' cards).
    let staff = json!({"staffNm": "Float", "staffPwd": "secret-1", "cardIdxs": [card as f64]});
    assert_eq!(app.post("/api/stamp/v1/staff/create", staff).await.ok()["cardIdxs"], json!([card]));
    let bulk = json!({"action": "ACTIVATE", "stampIdxs": [stamp as f64]});
    assert_eq!(app.post("/api/stamp/v1/bulk", bulk).await.ok()["unchanged"], json!([stamp]));

    // A fraction: the wrong type, naming the field.
    let fractions = [
        send("PUT", "/api/stamp/v1/add", "{\"stampIdx\": 1.5}".to_owned()).await,
        send("POST", "/api/stamp/v1/create", raw("1.5")).await,
        app.put("/api/stamp/v1/update", json!({"stampIdx": stamp, "stamps": 1.5})).await,
        app.post("/api/stamp/v1/card/create", json!({"cardNm": "Half", "maxStamps": 2.5})).await,
    ];
    for (response, field) in fractions.iter().zip(["stampIdx", "cardIdx", "stamps", "maxStamps"]) {
        response.refused(ErrorCode::WrongType);
        assert!(response.message().starts_with(&format!("{field} must be an integer, got ")), "{response:?}");
    }
    app.get(&format!("/api/stamp/v1/validate?stampIdx={stamp}.5")).await.refused(ErrorCode::WrongType);

    // Huge numbers of every spelling: out of range, with the field and its range.
    let id_range = "must be an integer from 1 to 9007199254740991";
    for number in ["1e30", "-1e30", "99999999999999999999", "-99999999999999999999", "9223372036854775808", "1e300"] {
        let cases = [
            (
                send("PUT", "/api/stamp/v1/add", format!("{{\"stampIdx\": {number}}}")).await,
                format!("stampIdx {id_range}"),
            ),
            (send("POST", "/api/stamp/v1/create", raw(number)).await, format!("cardIdx {id_range}")),
            (
                send("PUT", "/api/stamp/v1/update", format!("{{\"stampIdx\": {stamp}, \"stamps\": {number}}}")).await,
                "stamps must be between 0 and the card's maxStamps (at most 100)".to_owned(),
            ),
            (
                send("PUT", "/api/stamp/v1/card/update", format!("{{\"cardIdx\": {card}, \"maxStamps\": {number}}}"))
                    .await,
                "maxStamps must be between 1 and 100".to_owned(),
            ),
            (app.get(&format!("/api/stamp/v1/validate?stampIdx={number}")).await, format!("stampIdx {id_range}")),
            (app.get(&format!("/api/stamp/v1/card/get?cardIdx={number}")).await, format!("cardIdx {id_range}")),
        ];
        for (response, message) in cases {
            response.refused(ErrorCode::OutOfRange);
            assert_eq!(response.message(), message, "{number}");
        }
    }
    let too_big = send("PUT", "/api/stamp/v1/add", "{\"stampIdx\": 1e400}".to_owned()).await;
    too_big.refused(ErrorCode::OutOfRange);
    assert!(too_big.message().starts_with("stampIdx is out of range"), "{too_big:?}");
    // Nothing was written by any refusal.
    assert_eq!(app.count(stamp).await, 0);
    assert_eq!(app.get(&format!("/api/stamp/v1/card/get?cardIdx={card}")).await.ok()["maxStamps"], 4);
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp}")).await.ok().clone();
    assert_eq!(history.as_array().expect("events").len(), 5, "create, two adds, update, remove");
}

/// A query parameter given twice is refused, not read as its first copy; nothing happens.
#[tokio::test]
async fn repeated_query_parameters() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let (first, second) = (app.stamp(card).await, app.stamp(card).await);
    let repeated = [
        app.get(&format!("/api/stamp/v1/validate?stampIdx={first}&stampIdx={second}")).await,
        app.get(&format!("/api/stamp/v1/history?stampIdx={first}&stampIdx={first}")).await,
        app.get(&format!("/api/stamp/v1/card/get?cardIdx={card}&cardIdx={card}")).await,
        // A percent-encoded name is the same name.
        app.get(&format!("/api/stamp/v1/validate?stampIdx={first}&stamp%49dx={second}")).await,
        app.call("DELETE", &format!("/api/stamp/v1/delete?stampIdx={first}&stampIdx={second}")).send().await,
    ];
    for response in &repeated {
        response.refused(ErrorCode::WrongType);
        assert!(response.message().contains("must be given once"), "{response:?}");
    }
    app.validate(first).await;
    app.validate(second).await;
    // Other parameters alongside are fine.
    app.get(&format!("/api/stamp/v1/validate?stampIdx={first}&other=1&other=2")).await.ok();
    // The same holds for a field repeated in a JSON body.
    let body = format!("{{\"stampIdx\": {first}, \"stampIdx\": {second}}}");
    let response = app.call("PUT", "/api/stamp/v1/add").raw(Some("application/json"), body).send().await;
    response.refused(ErrorCode::WrongType);
    assert_eq!(response.message(), "stampIdx must be given once, not repeated");
    assert_eq!((app.count(first).await, app.count(second).await), (0, 0));
}
