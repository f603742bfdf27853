//! Bulk changes (`POST /api/stamp/v1/bulk`) and the CSV import (`POST /api/stamp/v1/import`):
//! what they change, every refusal, all-or-nothing, dry runs, replays and tenancy.

use serde_json::{Value, json};
use stampcard_core::ErrorCode;
use stampcard_server::plan::Plan;

use crate::helpers::{Call, Resp, TestApp, spawn_app};

const BULK: &str = "/api/stamp/v1/bulk";

async fn bulk(app: &TestApp, action: &str, ids: &[i64]) -> Resp {
    app.post(BULK, json!({"action": action, "stampIdxs": ids})).await
}

/// A request with another account's key.
fn as_other(app: &TestApp, key: &str, method: &str, path: &str) -> Call {
    app.anonymous(method, path).key(Some(key))
}

fn ids(value: &Value) -> Vec<i64> {
    value.as_array().expect("an id list").iter().map(|v| v.as_i64().expect("an id")).collect()
}

async fn history_actions(app: &TestApp, stamp_idx: i64) -> Vec<String> {
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={stamp_idx}")).await;
    history.ok().as_array().expect("events").iter().map(|e| e["action"].as_str().expect("action").to_owned()).collect()
}

#[tokio::test]
async fn bulk_changes_the_accounts_stamps_and_lists_the_rest() {
    let app = spawn_app().await;
    let card = app.card(1, None).await;
    let (a, b, redeemed) = (app.stamp(card).await, app.stamp(card).await, app.stamp(card).await);
    app.add_n(redeemed, 1).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": redeemed})).await.ok();
    let (_, other_key) = app.other_account(Plan::Personal).await;
    let their_card = as_other(&app, &other_key, "POST", "/api/stamp/v1/card/create")
        .json(&json!({"cardNm": "Theirs", "cardTtl": "Tea", "maxStamps": 3}))
        .send()
        .await
        .ok()["cardIdx"]
        .as_i64()
        .expect("cardIdx");
    let create = json!({"cardIdx": their_card, "strtYmd": app.day(0), "endYmd": app.day(30)});
    let theirs = as_other(&app, &other_key, "POST", "/api/stamp/v1/create").json(&create).send().await.ok().as_i64();
    let theirs = theirs.expect("their stamp");
    let nobodys = theirs + 1000;

    // Another account's id is missing exactly like an id nobody has; a repeated id counts once.
    let result = bulk(&app, "DEACTIVATE", &[b, nobodys, a, theirs, a, redeemed]).await;
    let result = result.ok();
    assert_eq!(result["affected"], 2, "{result}");
    assert_eq!(ids(&result["missing"]), vec![theirs, nobodys]);
    assert_eq!(ids(&result["unchanged"]), vec![redeemed], "a redeemed stamp is final");
    app.get(&format!("/api/stamp/v1/validate?stampIdx={a}")).await.refused(ErrorCode::Inactive);
    assert_eq!(history_actions(&app, a).await, ["CREATE", "UPDATE"]);
    assert_eq!(history_actions(&app, redeemed).await, ["CREATE", "ADD", "USE"]);
    let their_stamp =
        as_other(&app, &other_key, "GET", &format!("/api/stamp/v1/validate?stampIdx={theirs}")).send().await;
    assert_eq!(their_stamp.ok()["activeYn"], "Y", "another account's stamp is untouched");

    // Already inactive: unchanged, and no history event.
    let again = bulk(&app, "DEACTIVATE", &[a, b]).await;
    assert_eq!((again.ok()["affected"].as_i64(), ids(&again.ok()["unchanged"])), (Some(0), vec![a, b]));
    assert_eq!(history_actions(&app, a).await, ["CREATE", "UPDATE"]);

    let activate = bulk(&app, "ACTIVATE", &[a]).await;
    assert_eq!(activate.ok()["affected"], 1);
    assert_eq!(app.validate(a).await["activeYn"], "Y");
    assert_eq!(history_actions(&app, a).await, ["CREATE", "UPDATE", "UPDATE"]);

    // Delete takes redeemed stamps too, with their history.
    let delete = bulk(&app, "DELETE", &[a, b, redeemed, theirs]).await;
    assert_eq!((delete.ok()["affected"].as_i64(), ids(&delete.ok()["missing"])), (Some(3), vec![theirs]));
    for gone in [a, b, redeemed] {
        app.get(&format!("/api/stamp/v1/validate?stampIdx={gone}")).await.refused(ErrorCode::StampNotFound);
        app.get(&format!("/api/stamp/v1/history?stampIdx={gone}")).await.refused(ErrorCode::StampNotFound);
    }
    let their_stamp =
        as_other(&app, &other_key, "GET", &format!("/api/stamp/v1/validate?stampIdx={theirs}")).send().await;
    their_stamp.ok();
    let nothing = bulk(&app, "DELETE", &[a]).await;
    assert_eq!(nothing.ok(), &json!({"affected": 0, "missing": [a], "unchanged": []}));
}

#[tokio::test]
async fn bulk_refusals() {
    let app = spawn_app().await;
    let card = app.card(3, None).await;
    let stamp = app.stamp(card).await;
    let too_many: Vec<i64> = (1..=1001).collect();
    let cases = [
        (json!({"action": "DELETE", "stampIdxs": []}), ErrorCode::OutOfRange),
        (json!({"action": "DELETE", "stampIdxs": too_many}), ErrorCode::OutOfRange),
        (json!({"action": "DELETE", "stampIdxs": [stamp, 0]}), ErrorCode::OutOfRange),
        (json!({"action": "DELETE", "stampIdxs": [9_007_199_254_740_992_i64]}), ErrorCode::OutOfRange),
        (json!({"action": "DELETE", "stampIdxs": [1.5]}), ErrorCode::WrongType),
        (json!({"action": "DELETE", "stampIdxs": ["1"]}), ErrorCode::WrongType),
        (json!({"action": "DELETE", "stampIdxs": stamp}), ErrorCode::WrongType),
        (json!({"action": "PURGE", "stampIdxs": [stamp]}), ErrorCode::WrongType),
        (json!({"action": 1, "stampIdxs": [stamp]}), ErrorCode::WrongType),
        (json!({"stampIdxs": [stamp]}), ErrorCode::MissingField),
        (json!({"action": "DELETE"}), ErrorCode::MissingField),
    ];
    for (body, code) in cases {
        let response = app.post(BULK, body.clone()).await;
        response.refused(code);
        assert!(
            response.message().contains("stampIdxs") || response.message().contains("action"),
            "{body}: {response:?}"
        );
    }
    app.call("POST", BULK).raw(Some("text/plain"), "x").send().await.refused(ErrorCode::UnsupportedMediaType);
    app.anonymous("POST", BULK)
        .json(&json!({"action": "DELETE", "stampIdxs": [stamp]}))
        .send()
        .await
        .refused(ErrorCode::MissingApiKey);
    app.get(BULK).await.refused(ErrorCode::MethodNotAllowed);
    // Floats that are whole numbers are ids, as everywhere else; a full list of 1,000 is taken.
    let mut thousand: Vec<Value> = (1..1000).map(|i| json!(stamp + i)).collect();
    thousand.push(json!(stamp as f64));
    let deleted = app.post(BULK, json!({"action": "DELETE", "stampIdxs": thousand})).await;
    assert_eq!(deleted.ok()["affected"], 1);
    assert_eq!(deleted.ok()["missing"].as_array().map(Vec::len), Some(999));
}

#[tokio::test]
async fn bulk_honours_idempotency_keys() {
    let app = spawn_app().await;
    let card = app.card(3, None).await;
    let (a, b) = (app.stamp(card).await, app.stamp(card).await);
    let body = json!({"action": "DEACTIVATE", "stampIdxs": [a, b]});
    let first = app.call("POST", BULK).header("Idempotency-Key", "bulk-1").json(&body).send().await;
    assert_eq!(first.ok()["affected"], 2);
    // Reactivated in between: the replay answers the first response and changes nothing.
    bulk(&app, "ACTIVATE", &[a]).await.ok();
    let replay = app.call("POST", BULK).header("Idempotency-Key", "bulk-1").json(&body).send().await;
    assert_eq!((replay.body.clone(), replay.header("idempotency-replayed")), (first.body.clone(), Some("true")));
    assert_eq!(app.validate(a).await["activeYn"], "Y");
    let other = json!({"action": "DELETE", "stampIdxs": [a, b]});
    app.call("POST", BULK)
        .header("Idempotency-Key", "bulk-1")
        .json(&other)
        .send()
        .await
        .refused(ErrorCode::IdempotencyKeyReused);
    app.validate(a).await;
}

// ---- import ----

fn import_path(card: i64, dry_run: &str) -> String {
    format!("/api/stamp/v1/import?cardIdx={card}&dryRun={dry_run}")
}

async fn import(app: &TestApp, card: i64, dry_run: &str, csv: impl Into<Vec<u8>>) -> Resp {
    app.call("POST", &import_path(card, dry_run)).raw(Some("text/csv"), csv.into()).send().await
}

/// Creates a stamp through the API and returns its id: the ids around an import show what it
/// left behind.
async fn marker(app: &TestApp, card: i64) -> i64 {
    app.stamp(card).await
}

/// Asserts that no stamp exists between two markers (exclusive).
async fn nothing_between(app: &TestApp, before: i64, after: i64) {
    for idx in before + 1..after {
        app.get(&format!("/api/stamp/v1/validate?stampIdx={idx}")).await.refused(ErrorCode::StampNotFound);
    }
}

#[tokio::test]
async fn import_creates_every_row_with_the_create_apis_defaults() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let (start, end) = (app.day(0), app.day(30));
    // A byte-order mark, CRLF line ends, columns in any order, quoting (a comma, a quote and a
    // line break inside a field), empty fields taking the defaults.
    let csv = format!(
        "\u{feff}endYmd,userNm,memo,stamps,strtYmd,activeYn,userId\r\n\
         {end},Kim Minji,\"likes oat milk, \"\"no sugar\"\"\r\nsecond line\",3,{start},,kim-1\r\n\
         {end},Lee,,,{start},N,\r\n\
         {end},박서준,,5,{start},Y,park\r\n"
    );
    let before = marker(&app, card).await;
    let result = import(&app, card, "N", csv).await;
    let result = result.ok().clone();
    assert_eq!(
        (result["dryRun"].as_str(), result["rows"].as_i64(), result["created"].as_i64()),
        (Some("N"), Some(3), Some(3))
    );
    assert_eq!(result["refused"], json!([]));
    let created = ids(&result["stampIdxs"]);
    assert_eq!(created.len(), 3);
    let first = app.validate(created[0]).await;
    assert_eq!(first["userNm"], "Kim Minji");
    assert_eq!(first["memo"], "likes oat milk, \"no sugar\"\r\nsecond line");
    assert_eq!(
        (first["stamps"].as_i64(), first["activeYn"].as_str(), first["userId"].as_str()),
        (Some(3), Some("Y"), Some("kim-1"))
    );
    assert_eq!((first["strtYmd"].as_str(), first["endYmd"].as_str()), (Some(start.as_str()), Some(end.as_str())));
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={}", created[0])).await;
    let history = history.ok().as_array().expect("events").clone();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        (history[0]["action"].as_str(), history[0]["stampsBefore"].as_i64(), history[0]["stampsAfter"].as_i64()),
        (Some("CREATE"), Some(0), Some(3)),
        "created with its paper-card count"
    );
    // activeYn N: readable only behind the API, since validate refuses an inactive stamp.
    app.get(&format!("/api/stamp/v1/validate?stampIdx={}", created[1])).await.refused(ErrorCode::Inactive);
    let (second, _) = app.store.stamp_and_card(app.account_idx, created[1]).await.expect("store").expect("stamp");
    assert_eq!((second.stamps, second.user_nm.as_str(), second.memo.as_str()), (0, "Lee", ""));
    assert!(!second.user_id.is_empty(), "an empty userId is generated, as on create");
    assert_eq!(history_actions(&app, created[1]).await, ["CREATE"]);
    let third = app.validate(created[2]).await;
    assert_eq!((third["userNm"].as_str(), third["stamps"].as_i64()), (Some("박서준"), Some(5)));
    // The new stamps are ordinary ones.
    assert!(created.iter().all(|idx| *idx > before));
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": created[2]})).await.ok();
}

#[tokio::test]
async fn import_is_all_or_nothing_and_lists_every_refused_row() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let (start, end) = (app.day(0), app.day(30));
    let csv = format!(
        "memo,strtYmd,endYmd,stamps,userEml\n\
         Good,{start},{end},1,\n\
         Bad date,{start},2026-02-30,0,\n\
         \"Two\nlines\",{start},{end},9,\n\
         Short,{start}\n\
         Bad mail,{start},{end},,nobody\n\
         Good too,{start},{end},,a@example.com\n"
    );
    for dry_run in ["N", "Y"] {
        let before = marker(&app, card).await;
        let result = import(&app, card, dry_run, csv.clone()).await;
        let result = result.ok().clone();
        let after = marker(&app, card).await;
        nothing_between(&app, before, after).await;
        assert_eq!((result["rows"].as_i64(), result["created"].as_i64()), (Some(6), Some(0)), "{result}");
        assert_eq!(result["stampIdxs"], json!([]));
        let refused: Vec<(i64, i64)> = result["refused"]
            .as_array()
            .expect("refused")
            .iter()
            .map(|r| (r["line"].as_i64().expect("line"), r["code"].as_i64().expect("code")))
            .collect();
        let code = |c: ErrorCode| i64::from(c.code());
        // Physical lines: the quoted field's line break makes "Short" line 6.
        assert_eq!(
            refused,
            vec![
                (3, code(ErrorCode::InvalidDate)),
                (4, code(ErrorCode::OutOfRange)),
                (6, code(ErrorCode::ImportFieldCount)),
                (7, code(ErrorCode::InvalidEmail)),
            ],
            "{result}"
        );
        assert!(result["refused"][1]["message"].as_str().is_some_and(|m| m.contains("maxStamps (5)")), "{result}");
    }
}

#[tokio::test]
async fn import_rows_are_refused_with_the_create_apis_codes() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let (today, end) = (app.day(0), app.day(30));
    let long = "x".repeat(101);
    let cases: Vec<(&str, String)> = vec![
        ("strtYmd", "2025-1-01".to_owned()),
        ("endYmd", app.day(-1)),
        ("endYmd", app.months_ahead(61)),
        ("strtYmd", app.day(31)),
        ("activeYn", "yes".to_owned()),
        ("userNm", long),
        ("userId", "tab\there".to_owned()),
        ("userPhnno", "call me".to_owned()),
        ("userEml", "a@b".to_owned()),
        ("strtYmd", String::new()),
    ];
    for (column, value) in cases {
        let mut create = json!({"cardIdx": card, "strtYmd": today, "endYmd": end});
        if value.is_empty() {
            create.as_object_mut().expect("object").remove(column);
        } else {
            create[column] = json!(value);
        }
        let expected = app.post("/api/stamp/v1/create", create).await;
        let expected_code = expected.body["code"].as_i64().expect("code");
        assert_ne!(expected_code, 0, "{column}={value:?} should be refused by create");
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(["strtYmd", "endYmd", column]).expect("csv");
        let row = match column {
            "strtYmd" => [value.clone(), end.clone(), value.clone()],
            "endYmd" => [today.clone(), value.clone(), value.clone()],
            _ => [today.clone(), end.clone(), value.clone()],
        };
        let csv = if matches!(column, "strtYmd" | "endYmd") {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["strtYmd", "endYmd"]).expect("csv");
            w.write_record(&row[..2]).expect("csv");
            w.into_inner().expect("csv")
        } else {
            writer.write_record(&row).expect("csv");
            writer.into_inner().expect("csv")
        };
        let result = import(&app, card, "Y", csv).await;
        let refused = &result.ok()["refused"][0];
        assert_eq!(refused["code"].as_i64(), Some(expected_code), "{column}={value:?}: {result:?}");
        assert_eq!(refused["message"], expected.body["message"], "{column}={value:?}");
        assert_eq!(refused["line"], 2);
    }
}

#[tokio::test]
async fn a_dry_run_checks_everything_and_writes_nothing() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let csv = format!("strtYmd,endYmd,stamps\n{0},{1},2\n{0},{1},\n", app.day(0), app.day(10));
    let before = marker(&app, card).await;
    let dry = import(&app, card, "Y", csv.clone()).await;
    assert_eq!(dry.ok(), &json!({"dryRun": "Y", "rows": 2, "created": 0, "stampIdxs": [], "refused": []}));
    let after = marker(&app, card).await;
    nothing_between(&app, before, after).await;
    // The same file for real, then with dryRun absent (N by default).
    let real = import(&app, card, "N", csv.clone()).await;
    assert_eq!(real.ok()["created"], 2);
    let default = app
        .call("POST", &format!("/api/stamp/v1/import?cardIdx={card}"))
        .raw(Some("text/csv; charset=UTF-8"), csv)
        .send()
        .await;
    assert_eq!((default.ok()["dryRun"].as_str(), default.ok()["created"].as_i64()), (Some("N"), Some(2)));
}

#[tokio::test]
async fn import_honours_idempotency_keys() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let csv = format!("strtYmd,endYmd\n{0},{1}\n{0},{1}\n", app.day(0), app.day(10));
    let send = |key: &'static str, csv: String, dry_run: &'static str| {
        app.call("POST", &import_path(card, dry_run)).header("Idempotency-Key", key).raw(Some("text/csv"), csv).send()
    };
    let first = send("import-1", csv.clone(), "N").await;
    let created = ids(&first.ok()["stampIdxs"]);
    let replay = send("import-1", csv.clone(), "N").await;
    assert_eq!((replay.body.clone(), replay.header("idempotency-replayed")), (first.body.clone(), Some("true")));
    let after = marker(&app, card).await;
    nothing_between(&app, created[1], after).await;
    let other_csv = format!("strtYmd,endYmd\n{0},{1}\n", app.day(0), app.day(10));
    send("import-1", other_csv, "N").await.refused(ErrorCode::IdempotencyKeyReused);
    // A dry run keeps no response: the same key then works for the real import.
    let dry = send("import-2", csv.clone(), "Y").await;
    assert_eq!(dry.ok()["dryRun"], "Y");
    let real = send("import-2", csv, "N").await;
    assert_eq!((real.ok()["created"].as_i64(), real.header("idempotency-replayed")), (Some(2), None));
}

#[tokio::test]
async fn import_refusals() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let row = format!("{},{}", app.day(0), app.day(10));
    let good = format!("strtYmd,endYmd\n{row}\n");
    let path = import_path(card, "N");
    let send =
        |content_type: Option<&'static str>, body: Vec<u8>| app.call("POST", &path).raw(content_type, body).send();

    for content_type in [None, Some("application/json"), Some("text/plain"), Some("text/csv; charset=latin1")] {
        send(content_type, good.clone().into_bytes()).await.refused(ErrorCode::ImportNotCsv);
    }
    let mut huge = good.clone().into_bytes();
    huge.resize(5 * 1024 * 1024 + 1, b'\n');
    send(Some("text/csv"), huge).await.refused(ErrorCode::ImportTooLarge);
    // Sent in chunks, without a Content-Length: the limit still holds.
    assert_eq!(chunked_import_status(&app, &path, 6 * 1024 * 1024).await, 413);

    let invalid = format!("strtYmd,endYmd,userNm\n{row},ok\n{row},caf\u{e9}\n").replace('\u{e9}', "\u{1}");
    let mut invalid = invalid.into_bytes();
    let at = invalid.iter().rposition(|b| *b == 1).expect("marker");
    invalid[at] = 0xE9; // Latin-1 é: not UTF-8.
    let refused = send(Some("text/csv"), invalid).await;
    refused.refused(ErrorCode::ImportInvalidUtf8);
    assert!(refused.message().contains("line 3"), "{refused:?}");

    let cases: Vec<(String, ErrorCode)> = vec![
        (String::new(), ErrorCode::ImportEmpty),
        ("\u{feff}".to_owned(), ErrorCode::ImportEmpty),
        ("strtYmd,endYmd\n".to_owned(), ErrorCode::ImportEmpty),
        (format!("strtYmd,endYmd,cardIdx\n{row},1\n"), ErrorCode::ImportUnknownColumn),
        (format!("strtYmd,endYmd,userid\n{row},x\n"), ErrorCode::ImportUnknownColumn),
        (format!("strtYmd,endYmd,memo,memo\n{row},a,b\n"), ErrorCode::ImportDuplicateColumn),
        (format!("strtYmd,userNm\n{},x\n", app.day(0)), ErrorCode::ImportMissingColumn),
        (format!("strtYmd,endYmd\n{}", format!("{row}\n").repeat(5_001)), ErrorCode::ImportTooManyRows),
    ];
    for (csv, code) in cases {
        send(Some("text/csv"), csv.into_bytes()).await.refused(code);
    }
    // The most rows one import takes is fine.
    let most = import(&app, card, "Y", format!("strtYmd,endYmd\n{}", format!("{row}\n").repeat(5_000))).await;
    assert_eq!(most.ok()["rows"], 5_000);

    let query_cases = [
        ("/api/stamp/v1/import?dryRun=N", ErrorCode::MissingField),
        ("/api/stamp/v1/import?cardIdx=x", ErrorCode::WrongType),
        ("/api/stamp/v1/import?cardIdx=0", ErrorCode::OutOfRange),
        ("/api/stamp/v1/import?cardIdx=999999", ErrorCode::CardNotFound),
    ];
    for (path, code) in query_cases {
        app.call("POST", path).raw(Some("text/csv"), good.clone()).send().await.refused(code);
    }
    for flag in ["y", "YES", ""] {
        let path = format!("/api/stamp/v1/import?cardIdx={card}&dryRun={flag}");
        app.call("POST", &path).raw(Some("text/csv"), good.clone()).send().await.refused(ErrorCode::InvalidFlag);
    }
    let twice = format!("/api/stamp/v1/import?cardIdx={card}&dryRun=Y&dryRun=N");
    app.call("POST", &twice).raw(Some("text/csv"), good.clone()).send().await.refused(ErrorCode::WrongType);
    app.anonymous("POST", &path).raw(Some("text/csv"), good.clone()).send().await.refused(ErrorCode::MissingApiKey);
    app.call("POST", &path)
        .header("Idempotency-Key", "")
        .raw(Some("text/csv"), good)
        .send()
        .await
        .refused(ErrorCode::InvalidIdempotencyKey);
}

#[tokio::test]
async fn another_accounts_card_looks_missing_to_import() {
    let app = spawn_app().await;
    let (_, other_key) = app.other_account(Plan::Personal).await;
    let their_card = as_other(&app, &other_key, "POST", "/api/stamp/v1/card/create")
        .json(&json!({"cardNm": "Theirs", "cardTtl": "Tea", "maxStamps": 5}))
        .send()
        .await
        .ok()["cardIdx"]
        .as_i64()
        .expect("cardIdx");
    let csv = format!("strtYmd,endYmd\n{},{}\n", app.day(0), app.day(10));
    for dry_run in ["N", "Y"] {
        let theirs = import(&app, their_card, dry_run, csv.clone()).await;
        theirs.refused(ErrorCode::CardNotFound);
        let nobodys = import(&app, their_card + 1000, dry_run, csv.clone()).await;
        nobodys.refused(ErrorCode::CardNotFound);
        assert_eq!(theirs.body, nobodys.body);
    }
}

/// Sends an import of `size` bytes with `Transfer-Encoding: chunked` (no Content-Length) over a
/// raw connection and returns the status line's code. The response is read while the body is
/// still being written: the server answers as soon as the limit is passed and may then reset
/// the connection, which would drop an answer read only afterwards.
async fn chunked_import_status(app: &TestApp, path: &str, size: usize) -> u16 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = app.url.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: APIKey {}\r\nContent-Type: text/csv\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.key
    );
    let sending = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b'\n'; 64 * 1024];
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        for _ in 0..size.div_ceil(chunk.len()) {
            writer.write_all(&frame).await?;
        }
        writer.write_all(b"0\r\n\r\n").await
    });
    let mut response = Vec::new();
    let mut buffer = [0_u8; 4096];
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    // Until the server closes (or resets) the connection: what arrived before that is kept.
    while let Ok(Ok(read)) = tokio::time::timeout_at(deadline, reader.read(&mut buffer)).await {
        if read == 0 {
            break;
        }
        response.extend_from_slice(&buffer[..read]);
    }
    sending.abort();
    let text = String::from_utf8_lossy(&response);
    assert!(text.contains(&format!("\"code\":{}", ErrorCode::ImportTooLarge.code())), "{text}");
    text.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}
