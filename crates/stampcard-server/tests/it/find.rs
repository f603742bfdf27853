//! The back office's reads: `get` in every state, `list` with its filters, search and keyset
//! pages (also while stamps are being created), `export` as CSV and JSON Lines (and 100,000
//! stamps from a real process in bounded memory), `stats` per day; tenancy for each.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde_json::{Value, json};
use stampcard_core::ErrorCode;
use stampcard_core::find::STAMP_VIEW_FIELDS;
use stampcard_server::plan::Plan;

use crate::helpers::{Backend, Options, Resp, TestApp, spawn_app, spawn_app_with};
use crate::process::{Server, cli};

/// Another account's key on the same server.
struct Caller<'a> {
    app: &'a TestApp,
    key: String,
}

impl Caller<'_> {
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let call = self.app.anonymous(method, path).key(Some(&self.key));
        match body {
            Some(body) => call.json(&body).send().await,
            None => call.send().await,
        }
    }

    async fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None).await
    }
}

/// A pinned day far from the real one, so a status judged on the real date would differ.
fn pinned_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2031, 6, 15).expect("date")
}

/// Creates a stamp with these extra fields; returns its id.
async fn stamp_with(app: &TestApp, card: i64, start: i64, end_months: u32, extra: Value) -> i64 {
    let mut body = json!({"cardIdx": card, "strtYmd": app.day(start), "endYmd": app.months_ahead(end_months)});
    for (key, value) in extra.as_object().expect("object") {
        body[key] = value.clone();
    }
    app.post("/api/stamp/v1/create", body).await.ok().as_i64().expect("stampIdx")
}

/// One stamp in each status on a card with 2 slots: (expected status, stampIdx).
async fn one_of_each(app: &TestApp, card: i64) -> Vec<(&'static str, i64)> {
    let active = app.stamp(card).await;
    app.add_n(active, 1).await;
    let full = app.stamp(card).await;
    app.add_n(full, 2).await;
    let redeemed = app.stamp(card).await;
    app.add_n(redeemed, 2).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": redeemed})).await.ok();
    let inactive = stamp_with(app, card, 0, 12, json!({"activeYn": "N"})).await;
    let upcoming = stamp_with(app, card, 5, 12, json!({})).await;
    let expired = stamp_with(app, card, -10, 12, json!({})).await;
    app.put("/api/stamp/v1/update", json!({"stampIdx": expired, "endYmd": app.day(-1)})).await.ok();
    vec![
        ("ACTIVE", active),
        ("FULL", full),
        ("REDEEMED", redeemed),
        ("INACTIVE", inactive),
        ("UPCOMING", upcoming),
        ("EXPIRED", expired),
    ]
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().expect("items").iter().map(|item| item["stampIdx"].as_i64().expect("id")).collect()
}

/// Walks every page of a list query; returns the ids in order and the number of pages.
async fn walk(app: &TestApp, query: &str) -> (Vec<i64>, usize) {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for pages in 1..=10_000 {
        let path = match &cursor {
            Some(cursor) => format!("/api/stamp/v1/list?{query}&cursor={cursor}"),
            None => format!("/api/stamp/v1/list?{query}"),
        };
        let response = app.get(&path).await;
        let page = response.ok();
        all.extend(ids(page));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (all, pages),
        }
    }
    panic!("more than 10,000 pages for {query}");
}

#[tokio::test]
async fn get_reads_a_stamp_in_every_state() {
    let app = spawn_app_with(Options { fake_today: Some(pinned_day()), ..Options::default() }).await;
    let card = app.card(2, None).await;
    let stamps = one_of_each(&app, card).await;
    for (status, stamp) in &stamps {
        let response = app.get(&format!("/api/stamp/v1/get?stampIdx={stamp}")).await;
        let got = response.ok();
        assert_eq!(got["status"], *status, "{got}");
        assert_eq!(got["stampIdx"], *stamp);
        assert!(got["onsitePwd"].is_null());
        assert_eq!(got["pinState"], "UNSET");
        let redeemed = if *status == "REDEEMED" { json!(app.day(0)) } else { Value::Null };
        assert_eq!(got["redeemedYmd"], redeemed, "{status}");
    }
    // The validate fields are the same as validate's, for a stamp validate accepts.
    let active = stamps[0].1;
    let validated = app.validate(active).await;
    let got = app.get(&format!("/api/stamp/v1/get?stampIdx={active}")).await.ok().clone();
    for (field, value) in validated.as_object().expect("object") {
        assert_eq!(&got[field], value, "{field}");
    }
    // lastAddYmdt is the newest ADD of the history; a stamp never added to has none.
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={active}")).await.ok().clone();
    let last_add = history.as_array().expect("events").iter().rev().find(|e| e["action"] == "ADD").expect("an ADD");
    assert_eq!(got["lastAddYmdt"], last_add["regYmdt"]);
    let upcoming = stamps[4].1;
    assert!(app.get(&format!("/api/stamp/v1/get?stampIdx={upcoming}")).await.ok()["lastAddYmdt"].is_null());

    // Refusals, and another account's stamp looks exactly like a missing one.
    app.get("/api/stamp/v1/get").await.refused(ErrorCode::MissingField);
    app.get("/api/stamp/v1/get?stampIdx=0").await.refused(ErrorCode::OutOfRange);
    app.get("/api/stamp/v1/get?stampIdx=x").await.refused(ErrorCode::WrongType);
    app.anonymous("GET", &format!("/api/stamp/v1/get?stampIdx={active}"))
        .send()
        .await
        .refused(ErrorCode::MissingApiKey);
    let missing = app.get("/api/stamp/v1/get?stampIdx=999999").await;
    missing.refused(ErrorCode::StampNotFound);
    let (_, other_key) = app.other_account(Plan::Personal).await;
    let other = Caller { app: &app, key: other_key }.get(&format!("/api/stamp/v1/get?stampIdx={active}")).await;
    other.refused(ErrorCode::StampNotFound);
    assert_eq!(other.message(), missing.message());
}

/// The list's status filter (SQL conditions on the dates for the server's today) and `get`'s
/// status (the core's function) agree on every status, on a pinned day.
#[tokio::test]
async fn list_status_filter_agrees_with_get() {
    let app = spawn_app_with(Options { fake_today: Some(pinned_day()), ..Options::default() }).await;
    let card = app.card(2, None).await;
    let other_card = app.card(2, None).await;
    let mut stamps = one_of_each(&app, card).await;
    // Edges of the window: starting today is ACTIVE, ending today is ACTIVE.
    let starts_today = stamp_with(&app, other_card, 0, 1, json!({})).await;
    let ends_today = stamp_with(&app, other_card, -3, 1, json!({})).await;
    app.put("/api/stamp/v1/update", json!({"stampIdx": ends_today, "endYmd": app.day(0)})).await.ok();
    let starts_tomorrow = stamp_with(&app, other_card, 1, 1, json!({})).await;
    stamps.extend([("ACTIVE", starts_today), ("ACTIVE", ends_today), ("UPCOMING", starts_tomorrow)]);

    let mut by_get: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for (expected, stamp) in &stamps {
        let status = app.get(&format!("/api/stamp/v1/get?stampIdx={stamp}")).await.ok()["status"].clone();
        assert_eq!(status, *expected, "stamp {stamp}");
        by_get.entry((*expected).to_owned()).or_default().insert(*stamp);
    }
    for status in ["ACTIVE", "FULL", "REDEEMED", "INACTIVE", "UPCOMING", "EXPIRED"] {
        let listed: BTreeSet<i64> = walk(&app, &format!("status={status}&limit=2")).await.0.into_iter().collect();
        assert_eq!(listed, by_get.get(status).cloned().unwrap_or_default(), "status={status}");
        for item in app.get(&format!("/api/stamp/v1/list?status={status}")).await.ok()["items"].as_array().unwrap() {
            assert_eq!(item["status"], status);
        }
    }
    // With a card filter too.
    let on_other: BTreeSet<i64> =
        walk(&app, &format!("cardIdx={other_card}&status=ACTIVE")).await.0.into_iter().collect();
    assert_eq!(on_other, BTreeSet::from([starts_today, ends_today]));
    app.get("/api/stamp/v1/list?status=active").await.refused(ErrorCode::InvalidStatus);
}

#[tokio::test]
async fn list_filters_searches_and_pages() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let other_card = app.card(5, None).await;
    let emile = stamp_with(&app, card, 0, 12, json!({"userId": "u-emile", "userNm": "Émile Zola"})).await;
    let phone = stamp_with(&app, card, 0, 12, json!({"userPhnno": "010-5555-1234"})).await;
    let mail = stamp_with(&app, other_card, 0, 12, json!({"userEml": "Kim.Min@example.com"})).await;
    let memo = stamp_with(&app, card, 0, 12, json!({"memo": "VIP, paper card 50% off"})).await;
    let same_user = stamp_with(&app, other_card, 0, 12, json!({"userId": "u-emile"})).await;
    let by_id = stamp_with(&app, card, 0, 12, json!({"userId": "SHOP-000123"})).await;
    let all = [emile, phone, mail, memo, same_user, by_id];

    // Newest first, every stamp once, whatever the page size.
    let mut newest_first = all.to_vec();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    for limit in [1, 2, 4, 6, 500] {
        let (walked, pages) = walk(&app, &format!("limit={limit}")).await;
        assert_eq!(walked, newest_first, "limit={limit}");
        assert_eq!(pages, all.len().div_ceil(limit), "limit={limit}: no empty last page");
    }
    assert_eq!(ids(app.get("/api/stamp/v1/list").await.ok()), newest_first, "default limit 50");

    // Filters.
    let query_ids = |query: &str| {
        let path = format!("/api/stamp/v1/list?{query}");
        let app = &app;
        async move { ids(app.get(&path).await.ok()) }
    };
    assert_eq!(query_ids(&format!("cardIdx={other_card}")).await, vec![same_user, mail]);
    assert_eq!(query_ids("userId=u-emile").await, vec![same_user, emile]);
    assert_eq!(query_ids("userId=U-EMILE").await, Vec::<i64>::new(), "userId is exact");
    assert_eq!(query_ids(&format!("userId=u-emile&cardIdx={card}")).await, vec![emile]);
    assert_eq!(query_ids("q=%C3%A9MILE%20z").await, vec![emile], "userNm, case-insensitive beyond ASCII");
    assert_eq!(query_ids("q=-5555-").await, vec![phone], "userPhnno");
    assert_eq!(query_ids("q=kim.min%40EXAMPLE").await, vec![mail], "userEml");
    assert_eq!(query_ids("q=50%25%20off").await, vec![memo], "memo, with a % taken literally");
    assert_eq!(query_ids("q=shop-000").await, vec![by_id], "userId");
    assert_eq!(query_ids("q=u-emile").await, vec![same_user, emile]);
    assert_eq!(query_ids("q=nobody").await, Vec::<i64>::new());
    // Generated userIds (`u_` and base32) hold no dash: these four are the only matches.
    let (searched, pages) = walk(&app, "q=-&limit=1").await;
    assert_eq!(searched, vec![by_id, same_user, phone, emile], "q paged one by one");
    assert_eq!(pages, 4);

    // Refusals.
    app.get("/api/stamp/v1/list?limit=0").await.refused(ErrorCode::OutOfRange);
    app.get("/api/stamp/v1/list?limit=501").await.refused(ErrorCode::OutOfRange);
    app.get("/api/stamp/v1/list?cardIdx=abc").await.refused(ErrorCode::WrongType);
    app.get("/api/stamp/v1/list?q=a&q=b").await.refused(ErrorCode::WrongType);
    app.get(&format!("/api/stamp/v1/list?q={}", "x".repeat(255))).await.refused(ErrorCode::TooLong);
    app.get("/api/stamp/v1/list?cursor=not-a-cursor").await.refused(ErrorCode::InvalidCursor);
    let first = app.get("/api/stamp/v1/list?limit=2").await.ok().clone();
    let cursor = first["nextCursor"].as_str().expect("a next page").to_owned();
    assert_eq!(ids(app.get(&format!("/api/stamp/v1/list?limit=2&cursor={cursor}")).await.ok()).len(), 2);
    app.get(&format!("/api/stamp/v1/list?limit=2&cursor={cursor}&cardIdx={card}"))
        .await
        .refused(ErrorCode::InvalidCursor);
    let mut altered = cursor.into_bytes();
    altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).expect("ascii");
    app.get(&format!("/api/stamp/v1/list?limit=2&cursor={altered}")).await.refused(ErrorCode::InvalidCursor);

    // Tenancy: another account sees none of these, and this account's card looks missing to it.
    let missing_card = app.get("/api/stamp/v1/list?cardIdx=999999").await;
    missing_card.refused(ErrorCode::CardNotFound);
    let (_, other_key) = app.other_account(Plan::Personal).await;
    let other = Caller { app: &app, key: other_key };
    assert_eq!(ids(other.get("/api/stamp/v1/list?q=e").await.ok()), Vec::<i64>::new());
    assert_eq!(ids(other.get("/api/stamp/v1/list").await.ok()), Vec::<i64>::new());
    let foreign = other.get(&format!("/api/stamp/v1/list?cardIdx={card}")).await;
    foreign.refused(ErrorCode::CardNotFound);
    assert_eq!(foreign.message(), missing_card.message());
    // A cursor of one account is refused for another.
    let first = app.get("/api/stamp/v1/list?limit=1").await.ok().clone();
    let cursor = first["nextCursor"].as_str().expect("a next page");
    other.get(&format!("/api/stamp/v1/list?limit=1&cursor={cursor}")).await.refused(ErrorCode::InvalidCursor);
}

/// Walking every page while other requests create stamps returns each stamp that existed
/// when the walk began exactly once, newest first, with and without a search.
#[tokio::test]
async fn paging_under_concurrent_inserts_returns_every_stamp_once() {
    let app = spawn_app().await;
    let card = app.card(5, None).await;
    let mut before = BTreeSet::new();
    for _ in 0..60 {
        before.insert(stamp_with(&app, card, 0, 12, json!({"memo": "Batch"})).await);
    }
    let inserting = {
        let (url, key) = (app.url.clone(), app.key.clone());
        let (start, end) = (app.day(0), app.months_ahead(12));
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut created = Vec::new();
            for _ in 0..80 {
                let body = json!({"cardIdx": card, "strtYmd": start, "endYmd": end, "memo": "batch"});
                let response = client
                    .post(format!("{url}/api/stamp/v1/create"))
                    .header("Authorization", format!("APIKey {key}"))
                    .json(&body)
                    .send()
                    .await
                    .expect("create");
                let body: Value = response.json().await.expect("json");
                created.push(body["result"].as_i64().expect("stampIdx"));
            }
            created
        })
    };
    let (plain, searched) = tokio::join!(walk(&app, "limit=3"), walk(&app, "limit=4&q=BATCH"));
    let created = inserting.await.expect("inserts");
    for (name, walked) in [("plain", plain.0), ("q", searched.0)] {
        let unique: BTreeSet<i64> = walked.iter().copied().collect();
        assert_eq!(unique.len(), walked.len(), "{name}: a stamp came twice: {walked:?}");
        assert!(walked.windows(2).all(|w| w[0] > w[1]), "{name}: not newest first: {walked:?}");
        assert!(before.is_subset(&unique), "{name}: missing {:?}", before.difference(&unique).collect::<Vec<_>>());
        assert!(unique.iter().all(|id| before.contains(id) || created.contains(id)), "{name}: {walked:?}");
    }
    assert_eq!(created.len(), 80);
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn export_writes_csv_and_json_lines() {
    let app = spawn_app().await;
    let card = app.card(2, None).await;
    let other_card = app.card(2, None).await;
    let tricky = "Line one, \"quoted\"\r\nline two; 한글 ✓";
    let a = stamp_with(&app, card, 0, 12, json!({"memo": tricky, "userNm": "=SUM(A1)"})).await;
    let b = app.stamp(card).await;
    app.add_n(b, 2).await;
    let c = app.stamp(other_card).await;

    let response = app.get(&format!("/api/stamp/v1/export?cardIdx={card}")).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("text/csv; charset=utf-8"));
    let disposition = response.header("content-disposition").expect("Content-Disposition");
    assert_eq!(disposition, format!("attachment; filename=\"stamps-card{card}-{}.csv\"", app.day(0)));
    assert!(response.text.ends_with("\r\n"), "CRLF line ends");
    let rows = csv_rows(&response.text);
    assert_eq!(rows[0], STAMP_VIEW_FIELDS.to_vec(), "the header row");
    assert_eq!(rows.len(), 3, "header and two stamps: {rows:?}");
    let column = |name: &str| STAMP_VIEW_FIELDS.iter().position(|f| *f == name).expect("column");
    assert_eq!(rows[1][column("stampIdx")], b.to_string(), "newest first");
    assert_eq!(rows[1][column("status")], "FULL");
    assert_eq!(rows[2][column("memo")], tricky, "quoting keeps commas, quotes and line breaks");
    assert_eq!(rows[2][column("userNm")], "=SUM(A1)", "values are verbatim");
    assert_eq!(rows[2][column("onsitePwd")], "", "null is an empty field");
    // Every CSV value is the get object's value.
    let got = app.get(&format!("/api/stamp/v1/get?stampIdx={a}")).await.ok().clone();
    for (i, field) in STAMP_VIEW_FIELDS.iter().enumerate() {
        let expected = match &got[*field] {
            Value::Null => String::new(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        assert_eq!(rows[2][i], expected, "{field}");
    }

    let response = app.get("/api/stamp/v1/export?format=jsonl&status=ACTIVE").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("application/x-ndjson; charset=utf-8"));
    assert!(response.header("content-disposition").is_some_and(|d| d.ends_with(".jsonl\"")));
    let lines: Vec<Value> =
        response.text.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect();
    assert_eq!(lines.iter().map(|l| l["stampIdx"].as_i64().unwrap()).collect::<Vec<_>>(), vec![c, a]);
    assert_eq!(lines[1], got, "a line is the get object");

    // Refusals come in the envelope, before any file.
    app.get("/api/stamp/v1/export?format=xml").await.refused(ErrorCode::InvalidExportFormat);
    app.get("/api/stamp/v1/export?status=NOPE").await.refused(ErrorCode::InvalidStatus);
    let missing = app.get("/api/stamp/v1/export?cardIdx=999999").await;
    missing.refused(ErrorCode::CardNotFound);
    let (_, other_key) = app.other_account(Plan::Personal).await;
    let other = Caller { app: &app, key: other_key };
    let foreign = other.get(&format!("/api/stamp/v1/export?cardIdx={card}")).await;
    foreign.refused(ErrorCode::CardNotFound);
    assert_eq!(foreign.message(), missing.message());
    let theirs = other.get("/api/stamp/v1/export").await;
    assert_eq!(csv_rows(&theirs.text).len(), 1, "another account exports only the header");
    app.anonymous("GET", "/api/stamp/v1/export").send().await.refused(ErrorCode::MissingApiKey);
}

/// `VmHWM` (peak resident memory) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// Stamps in the export-memory test.
const EXPORT_STAMPS: i64 = 100_000;
/// How much the server's peak memory may grow while exporting them. Page by page it grew by
/// about 21 MiB when measured (one page of 1,000 rows decoded and rendered, the read
/// connections' SQLite page caches, the allocator's per-thread arenas); the same export read
/// as one page (the whole result held at once) grew by about 580 MiB. The bound sits between,
/// with room for allocator noise.
const EXPORT_MAX_GROWTH_KIB: u64 = 64 * 1024;

/// Inserts `n` stamps on a card in one transaction, straight into the database.
async fn fill(database_url: &str, account_idx: i64, card_idx: i64, n: i64) {
    use sqlx::Connection;
    // SQLite counts with a recursive CTE, PostgreSQL with generate_series (much faster there).
    let (numbers, start, end, active) = match Backend::from_env() {
        Backend::Sqlite => (
            format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})"),
            "'2020-01-01'",
            "'2099-12-31'",
            "1",
        ),
        Backend::Postgres(_) => {
            (format!("WITH n(i) AS (SELECT generate_series(1, {n}))"), "DATE '2020-01-01'", "DATE '2099-12-31'", "TRUE")
        }
    };
    let sql = format!(
        "{numbers} INSERT INTO stamps (account_idx, card_idx, token, stamps, strt_ymd, end_ymd, active_yn, memo, user_id, \
         user_nm, user_phnno, user_eml, user_etc1, user_etc2, pin_state, created_at) \
         SELECT {account_idx}, {card_idx}, 'export-token-' || CAST(i AS TEXT), i % 5, {start}, {end}, {active}, \
         'memo, \"quoted\" ' || CAST(i AS TEXT), 'user-' || CAST(i AS TEXT), 'Customer ' || CAST(i AS TEXT), \
         '010-0000-0000', 'c' || CAST(i AS TEXT) || '@example.com', '', '', 'UNSET', 1700000000000 FROM n"
    );
    match Backend::from_env() {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(database_url).await.expect("connect");
            let mut tx = conn.begin().await.expect("begin");
            sqlx::query(&sql).execute(&mut *tx).await.expect("fill");
            tx.commit().await.expect("commit");
        }
        Backend::Postgres(_) => {
            let mut conn = sqlx::PgConnection::connect(database_url).await.expect("connect");
            let mut tx = conn.begin().await.expect("begin");
            sqlx::query(&sql).execute(&mut *tx).await.expect("fill");
            tx.commit().await.expect("commit");
            // What autovacuum does within a minute of such a bulk insert: without statistics
            // the planner sorts the whole card for every page instead of reading its index.
            sqlx::query("ANALYZE stamps").execute(&mut conn).await.expect("analyze");
        }
    }
}

/// A real `stampcard serve` exports 100,000 stamps (every line, exactly) while its peak
/// memory grows by less than [`EXPORT_MAX_GROWTH_KIB`].
#[tokio::test]
async fn export_of_100k_stamps_stays_in_bounded_memory() {
    let started = Instant::now();
    let backend = Backend::from_env();
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = backend.fresh_database_url(&dir).await;
    let account = cli(&database_url, &["account", "create", "--name", "Export shop", "--plan", "personal"]).await;
    let account_idx = account["accountIdx"].as_i64().expect("accountIdx");
    let key = account["apiKey"].as_str().expect("apiKey").to_owned();
    let card = cli(
        &database_url,
        &["card", "create", "--account", &account_idx.to_string(), "--card-nm", "Export card", "--max-stamps", "5"],
    )
    .await;
    let card_idx = card["cardIdx"].as_i64().expect("cardIdx");
    fill(&database_url, account_idx, card_idx, EXPORT_STAMPS).await;
    let filled = started.elapsed();

    let server = Server::start(&database_url, dir.path(), 0).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
    let get =
        |path: String| client.get(format!("{}{path}", server.url)).header("Authorization", format!("APIKey {key}"));
    // Warm up: the first requests allocate the pools and buffers every request reuses.
    let warm = get("/api/stamp/v1/list?limit=500".to_owned()).send().await.expect("list");
    assert!(warm.status().is_success());
    let _ = warm.bytes().await.expect("list body");
    let baseline = peak_rss_kib(server.pid());

    let mut response = get(format!("/api/stamp/v1/export?cardIdx={card_idx}")).send().await.expect("export");
    assert_eq!(response.status(), 200);
    // Read it as it comes, keeping only counts: the test must not hold it whole either.
    let (mut lines, mut bytes, mut last) = (0_i64, 0_usize, 0_u8);
    while let Some(chunk) = response.chunk().await.expect("a chunk") {
        bytes += chunk.len();
        // Every memo holds a comma and quotes but no line break, so rows are lines.
        lines += i64::try_from(chunk.iter().filter(|b| **b == b'\n').count()).expect("count");
        last = *chunk.last().unwrap_or(&last);
    }
    assert_eq!(last, b'\n');
    assert_eq!(lines, EXPORT_STAMPS + 1, "the header and every stamp, once");
    let peak = peak_rss_kib(server.pid());
    eprintln!(
        "export of {EXPORT_STAMPS} stamps: {bytes} bytes; server peak memory {baseline} KiB before, {peak} KiB after \
         (bound: +{EXPORT_MAX_GROWTH_KIB} KiB); filled in {:.1} s, {:.1} s in all",
        filled.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        peak.saturating_sub(baseline) < EXPORT_MAX_GROWTH_KIB,
        "the server's peak memory grew from {baseline} KiB to {peak} KiB exporting {bytes} bytes"
    );
}

#[tokio::test]
async fn stats_count_the_history_per_day() {
    let app = spawn_app().await;
    let card = app.card(3, None).await;
    let other_card = app.card(3, None).await;
    let a = stamp_with(&app, card, 0, 12, json!({"userId": "same-customer"})).await;
    let b = stamp_with(&app, other_card, 0, 12, json!({"userId": "same-customer"})).await;
    let c = stamp_with(&app, card, 0, 12, json!({"userId": "someone-else"})).await;
    let _never_stamped = app.stamp(card).await;
    app.add_n(a, 3).await;
    app.put("/api/stamp/v1/redeem", json!({"stampIdx": a})).await.ok();
    app.add_n(b, 2).await;
    app.put("/api/stamp/v1/remove", json!({"stampIdx": b})).await.ok();
    app.add_n(c, 1).await;
    // Another account's history counts only for that account.
    let (_, other_key) = app.other_account(Plan::Personal).await;
    let other = Caller { app: &app, key: other_key };
    let body = json!({"cardNm": "Theirs", "maxStamps": 3});
    let their_card = other.send("POST", "/api/stamp/v1/card/create", Some(body)).await.ok()["cardIdx"].clone();
    let body = json!({"cardIdx": their_card, "strtYmd": app.day(0), "endYmd": app.months_ahead(12)});
    let theirs = other.send("POST", "/api/stamp/v1/create", Some(body)).await.ok().clone();
    for _ in 0..2 {
        other.send("PUT", "/api/stamp/v1/add", Some(json!({"stampIdx": theirs}))).await.ok();
    }

    // The UTC day the events were written on (the history's own timestamps).
    let history = app.get(&format!("/api/stamp/v1/history?stampIdx={a}")).await.ok().clone();
    let day = history[0]["regYmdt"].as_str().expect("regYmdt")[..10].to_owned();
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").expect("day");
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let from = day.pred_opt().and_then(|d| d.pred_opt()).expect("from");
    let to = day.succ_opt().expect("to");

    let stats = app.get(&format!("/api/stamp/v1/stats?from={}&to={}", ymd(from), ymd(to))).await.ok().clone();
    let days = stats["days"].as_array().expect("days");
    assert_eq!(days.len(), 4, "one entry per day, zeros included: {stats}");
    let zero = json!({"adds": 0, "removes": 0, "redeems": 0, "created": 0, "customers": 0});
    for (i, entry) in days.iter().enumerate() {
        let expected_day = from.checked_add_days(chrono::Days::new(i as u64)).expect("day");
        assert_eq!(entry["ymd"], ymd(expected_day));
        let mut counts = entry.clone();
        counts.as_object_mut().expect("object").remove("ymd");
        if expected_day == day {
            let expected = json!({"adds": 6, "removes": 1, "redeems": 1, "created": 4, "customers": 2});
            assert_eq!(counts, expected, "two customers: one userId on two cards, and another");
        } else {
            assert_eq!(counts, zero, "{entry}");
        }
    }
    assert_eq!(stats["totals"], json!({"adds": 6, "removes": 1, "redeems": 1, "created": 4, "customers": 2}));

    let one_card =
        app.get(&format!("/api/stamp/v1/stats?cardIdx={card}&from={}&to={}", ymd(day), ymd(day))).await.ok().clone();
    assert_eq!(one_card["totals"], json!({"adds": 4, "removes": 0, "redeems": 1, "created": 3, "customers": 2}));
    assert_eq!(one_card["days"].as_array().map(Vec::len), Some(1));

    // Refusals.
    let year = |from: &str, to: &str| format!("/api/stamp/v1/stats?from={from}&to={to}");
    app.get(&year("2024-01-01", "2024-12-31")).await.ok();
    app.get(&year("2024-01-01", "2025-01-01")).await.refused(ErrorCode::PeriodTooLong);
    app.get(&year("2024-01-02", "2024-01-01")).await.refused(ErrorCode::PeriodOrder);
    app.get(&year("2024-02-30", "2024-03-01")).await.refused(ErrorCode::InvalidDate);
    app.get("/api/stamp/v1/stats?from=2024-01-01").await.refused(ErrorCode::MissingField);
    let missing =
        app.get(&format!("/api/stamp/v1/stats?cardIdx=999999&{}", &year("2024-01-01", "2024-01-02")[20..])).await;
    missing.refused(ErrorCode::CardNotFound);
    let foreign = other.get(&format!("/api/stamp/v1/stats?cardIdx={card}&from={}&to={}", ymd(day), ymd(day))).await;
    foreign.refused(ErrorCode::CardNotFound);
    assert_eq!(foreign.message(), missing.message());
    let their_stats = other.get(&format!("/api/stamp/v1/stats?from={}&to={}", ymd(day), ymd(day))).await.ok().clone();
    assert_eq!(their_stats["totals"], json!({"adds": 2, "removes": 0, "redeems": 0, "created": 1, "customers": 1}));
}
