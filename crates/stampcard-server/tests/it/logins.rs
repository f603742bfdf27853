//! Dashboard logins: the `user` commands of the real binary, login, `me` and logout with the
//! session cookie, the wrong-password locks per e-mail and per client address, session
//! expiry, CSRF and role refusals on the stamp API, and the owner's API keys over HTTP.

use std::process::{Command, Stdio};

use serde_json::{Value, json};
use stampcard_core::ErrorCode;
use stampcard_core::dashboard::{Role, SESSION_IDLE_SECS, SESSION_MAX_SECS};
use stampcard_server::config::ServerConfig;
use stampcard_server::ops::{admin, users};
use stampcard_server::plan::Plan;
use stampcard_server::store::{self, StoreOptions};

use crate::helpers::{Backend, Call, Options, Resp, TestApp, spawn_app, spawn_app_with};
use crate::process::{Reaped, STEP_TIMEOUT, cli};

const PASSWORD: &str = "correct horse battery";

/// A logged-in session: the cookie's token and the CSRF token the login returned.
#[derive(Debug, Clone)]
struct Session {
    token: String,
    csrf: String,
}

/// The `stampcard_session` cookie a response sets, with its attributes.
fn set_cookie(resp: &Resp) -> String {
    let cookies: Vec<&str> = resp.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(cookies[0].starts_with("stampcard_session="), "{cookies:?}");
    cookies[0].to_owned()
}

fn session_of(resp: &Resp) -> Session {
    let result = resp.ok();
    let cookie = set_cookie(resp);
    let token = cookie.trim_start_matches("stampcard_session=").split(';').next().expect("value").to_owned();
    Session { token, csrf: result["csrfToken"].as_str().expect("csrfToken").to_owned() }
}

/// A request with the session cookie, and with its CSRF token when `csrf`.
fn with_session(call: Call, session: &Session, csrf: bool) -> Call {
    let call = call.header("Cookie", &format!("stampcard_session={}", session.token));
    if csrf { call.header("X-CSRF-Token", &session.csrf) } else { call }
}

async fn create_user(app: &TestApp, email: &str, role: Role) {
    users::create_user(app.store.as_ref(), &app.clock, app.account_idx, email, role, PASSWORD.to_owned())
        .await
        .expect("user");
}

async fn login_from(app: &TestApp, email: &str, password: &str, address: Option<&str>) -> Resp {
    let mut call = app.anonymous("POST", "/api/admin/v1/login");
    if let Some(address) = address {
        call = call.header("X-Forwarded-For", address);
    }
    call.json(&json!({"email": email, "password": password})).send().await
}

async fn login(app: &TestApp, email: &str) -> Session {
    session_of(&login_from(app, email, PASSWORD, None).await)
}

#[tokio::test]
async fn login_me_and_logout_with_the_session_cookie() {
    let app = spawn_app().await;
    create_user(&app, "Owner@Shop.example", Role::Owner).await;

    // Any case of the address logs in; the cookie is HttpOnly, SameSite=Strict, Path=/, and
    // not Secure on plain http.
    let resp = login_from(&app, "owner@shop.EXAMPLE", PASSWORD, None).await;
    let cookie = set_cookie(&resp);
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.split("; ").any(|a| a == attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(!resp.text.contains(PASSWORD));
    let session = session_of(&resp);
    let result = resp.ok().clone();
    assert_eq!(result["email"], "Owner@Shop.example");
    assert_eq!(result["role"], "owner");
    assert_eq!(result["accountIdx"], app.account_idx);
    assert_eq!(result["accountNm"], "Test shop");
    assert_eq!(result["plan"], "personal");
    assert!(result["userIdx"].as_i64().is_some_and(|idx| idx > 0), "{result}");
    assert_ne!(session.csrf, session.token, "the CSRF token is not the cookie");

    // `me` answers the same object; only a hash of the token is stored.
    let me = with_session(app.anonymous("GET", "/api/admin/v1/me"), &session, false).send().await;
    assert_eq!(me.ok(), &result);
    app.anonymous("GET", "/api/admin/v1/me").send().await.refused(ErrorCode::LoginRequired);
    let forged = Session { token: "A".repeat(43), csrf: session.csrf.clone() };
    with_session(app.anonymous("GET", "/api/admin/v1/me"), &forged, false)
        .send()
        .await
        .refused(ErrorCode::LoginRequired);

    // Logging out is a change: it needs the CSRF token, then clears the cookie and ends the
    // session on the server.
    with_session(app.anonymous("POST", "/api/admin/v1/logout"), &session, false)
        .send()
        .await
        .refused(ErrorCode::CsrfTokenRequired);
    let out = with_session(app.anonymous("POST", "/api/admin/v1/logout"), &session, true).send().await;
    assert!(out.ok().is_null());
    let cleared = out.header("set-cookie").expect("cookie cleared").to_owned();
    assert!(cleared.starts_with("stampcard_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    with_session(app.anonymous("GET", "/api/admin/v1/me"), &session, false)
        .send()
        .await
        .refused(ErrorCode::LoginRequired);
    // Again, without a session: nothing to end, same answer.
    assert!(app.anonymous("POST", "/api/admin/v1/logout").send().await.ok().is_null());

    // A malformed address is refused as such; a wrong password the same way for known and
    // unknown addresses.
    login_from(&app, "not-an-address", PASSWORD, None).await.refused(ErrorCode::InvalidEmail);
    let known = login_from(&app, "owner@shop.example", "wrong password!", None).await;
    let unknown = login_from(&app, "nobody@shop.example", "wrong password!", None).await;
    known.refused(ErrorCode::WrongLogin);
    unknown.refused(ErrorCode::WrongLogin);
    assert_eq!(known.text, unknown.text, "no user enumeration by message");
    assert!(known.header("set-cookie").is_none());
}

#[tokio::test]
async fn the_cookie_is_secure_behind_an_https_public_url() {
    let dir = tempfile::tempdir().expect("dir");
    let database_url = Backend::from_env().fresh_database_url(&dir).await;
    let store = store::open(&database_url, &StoreOptions::default()).await.expect("store");
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        public_url: Some("https://stamps.shop.example".to_owned()),
        www_dir: dir.path().join("www"),
        rate_limit: false,
        ..ServerConfig::default()
    };
    let server = stampcard_server::Server::start(&config, store.clone()).await.expect("server");
    let clock = stampcard_server::clock::Clock::system();
    let account = admin::create_account(store.as_ref(), &clock, "Shop", Plan::Personal).await.expect("account");
    users::create_user(store.as_ref(), &clock, account, "owner@shop.example", Role::Owner, PASSWORD.to_owned())
        .await
        .expect("user");
    let resp = reqwest::Client::new()
        .post(format!("{}/api/admin/v1/login", server.url()))
        .header("Content-Type", "application/json")
        .body(json!({"email": "owner@shop.example", "password": PASSWORD}).to_string())
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("cookie").to_owned();
    assert!(cookie.split("; ").any(|a| a == "Secure"), "{cookie}");
    server.stop().await.expect("stop");
}

#[tokio::test]
async fn wrong_passwords_lock_the_email_and_the_client_address() {
    let app = spawn_app_with(Options { trust_forwarded_for: true, ..Options::default() }).await;
    create_user(&app, "owner@shop.example", Role::Owner).await;
    create_user(&app, "staff@shop.example", Role::Staff).await;

    // Per e-mail: five wrong passwords, each from another address, lock the e-mail; the fifth
    // says so. Then even the right password is refused, from any address, without a hash.
    for i in 1..=4 {
        let resp = login_from(&app, "OWNER@shop.example", "wrong password", Some(&format!("198.51.100.{i}"))).await;
        resp.refused(ErrorCode::WrongLogin);
        assert!(resp.header("retry-after").is_none(), "{resp:?}");
    }
    let fifth = login_from(&app, "owner@shop.example", "wrong password", Some("198.51.100.5")).await;
    fifth.refused(ErrorCode::WrongLogin);
    assert_eq!(fifth.header("retry-after"), Some("30"), "{fifth:?}");
    let locked = login_from(&app, "owner@shop.example", PASSWORD, Some("198.51.100.77")).await;
    locked.refused(ErrorCode::Locked);
    assert!(locked.header("retry-after").is_some_and(|secs| secs.parse::<u32>().is_ok_and(|s| (1..=30).contains(&s))));
    // Another e-mail from those addresses is not locked.
    login_from(&app, "staff@shop.example", PASSWORD, Some("198.51.100.1")).await.ok();

    // Per address: five wrong passwords at unknown e-mails from one address lock that address
    // for every e-mail, the right password of a real user included; another address is free.
    for i in 1..=5 {
        login_from(&app, &format!("guess{i}@shop.example"), "wrong password", Some("203.0.113.9"))
            .await
            .refused(ErrorCode::WrongLogin);
    }
    login_from(&app, "staff@shop.example", PASSWORD, Some("203.0.113.9")).await.refused(ErrorCode::Locked);
    login_from(&app, "staff@shop.example", PASSWORD, Some("203.0.113.10")).await.ok();

    // An unknown e-mail locks exactly like a known one.
    for _ in 0..5 {
        login_from(&app, "ghost@shop.example", "wrong password", Some("192.0.2.50")).await;
    }
    login_from(&app, "ghost@shop.example", "wrong password", Some("192.0.2.51")).await.refused(ErrorCode::Locked);

    // A password reset clears the e-mail's lock.
    users::reset_password(app.store.as_ref(), &app.clock, "owner@shop.example", "a brand new password".to_owned())
        .await
        .expect("reset");
    login_from(&app, "owner@shop.example", "a brand new password", Some("198.51.100.99")).await.ok();
}

#[tokio::test]
async fn sessions_end_after_the_idle_and_the_absolute_limit() {
    let app = spawn_app().await;
    create_user(&app, "owner@shop.example", Role::Owner).await;
    let store = app.store.as_ref();
    let idle_ms = i64::from(SESSION_IDLE_SECS) * 1000;
    let max_ms = i64::from(SESSION_MAX_SECS) * 1000;

    // Idle: a session unused for the idle limit is over.
    let t0 = app.clock.now_ms();
    let idle = login(&app, "owner@shop.example").await;
    assert!(users::authenticate(store, &idle.token, t0 + idle_ms - 60_000).await.expect("auth").is_some());
    let later = t0 + 2 * idle_ms - 120_000;
    assert!(
        users::authenticate(store, &idle.token, later).await.expect("auth").is_some(),
        "the use above was recorded, so the idle limit counts from it"
    );
    assert!(users::authenticate(store, &idle.token, later + idle_ms + 1000).await.expect("auth").is_none());

    // Absolute: used every 20 minutes, it still ends 12 hours after the login.
    let t1 = app.clock.now_ms();
    let busy = login(&app, "owner@shop.example").await;
    let mut at = t1;
    while at + 20 * 60_000 < t1 + max_ms - 1000 {
        at += 20 * 60_000;
        assert!(users::authenticate(store, &busy.token, at).await.expect("auth").is_some(), "at +{} ms", at - t1);
    }
    assert!(users::authenticate(store, &busy.token, t1 + max_ms + 1000).await.expect("auth").is_none());

    // Pruning deletes what has expired: the cookie opens nothing even at its own time again.
    store.prune(t1 + max_ms + 1000).await.expect("prune");
    assert!(users::authenticate(store, &busy.token, t1 + 1000).await.expect("auth").is_none());
    // The server answers a live one (its own clock).
    let live = login(&app, "owner@shop.example").await;
    with_session(app.anonymous("GET", "/api/admin/v1/me"), &live, false).send().await.ok();
}

#[tokio::test]
async fn the_stamp_api_takes_the_cookie_with_csrf_and_roles() {
    let app = spawn_app().await;
    create_user(&app, "owner@shop.example", Role::Owner).await;
    create_user(&app, "staff@shop.example", Role::Staff).await;
    let owner = login(&app, "owner@shop.example").await;
    let staff = login(&app, "staff@shop.example").await;
    let card_body = json!({"cardNm": "Coffee", "maxStamps": 3});

    // Owner: a change needs the CSRF token (missing or wrong: 403); reads do not.
    let create_card = |session: &Session, csrf: bool| {
        with_session(app.anonymous("POST", "/api/stamp/v1/card/create"), session, csrf).json(&card_body)
    };
    create_card(&owner, false).send().await.refused(ErrorCode::CsrfTokenRequired);
    let wrong = Session { token: owner.token.clone(), csrf: staff.csrf.clone() };
    create_card(&wrong, true).send().await.refused(ErrorCode::CsrfTokenRequired);
    let card_idx = create_card(&owner, true).send().await.ok()["cardIdx"].as_i64().expect("cardIdx");
    let cards = with_session(app.anonymous("GET", "/api/stamp/v1/card/list"), &owner, false).send().await;
    assert_eq!(cards.ok().as_array().map(Vec::len), Some(1));
    // API keys need no CSRF token (unchanged).
    app.post("/api/stamp/v1/card/create", card_body.clone()).await.ok();

    // Staff: the allow-listed endpoints work...
    let stamp_body = json!({"cardIdx": card_idx, "strtYmd": app.day(0), "endYmd": app.months_ahead(6)});
    let send = |method: &str, path: &str, body: Option<Value>| {
        let call = with_session(app.anonymous(method, path), &staff, true);
        let call = match &body {
            Some(body) => call.json(body),
            None => call,
        };
        call.send()
    };
    let stamp_idx = send("POST", "/api/stamp/v1/create", Some(stamp_body)).await.ok().as_i64().expect("stampIdx");
    for _ in 0..3 {
        send("PUT", "/api/stamp/v1/add", Some(json!({"stampIdx": stamp_idx}))).await.ok();
    }
    send("PUT", "/api/stamp/v1/remove", Some(json!({"stampIdx": stamp_idx}))).await.ok();
    send("PUT", "/api/stamp/v1/add", Some(json!({"stampIdx": stamp_idx}))).await.ok();
    send("GET", &format!("/api/stamp/v1/validate?stampIdx={stamp_idx}"), None).await.ok();
    // Changes made with a session name the login that made them, by number and e-mail.
    let history = send("GET", &format!("/api/stamp/v1/history?stampIdx={stamp_idx}"), None).await;
    let staff_user = users::list_users(app.store.as_ref(), app.account_idx).await.expect("users");
    let staff_user_idx = staff_user.iter().find(|u| u.email == "staff@shop.example").expect("staff user").user_idx;
    for event in history.ok().as_array().expect("events") {
        assert_eq!(
            (&event["actor"], &event["userIdx"], &event["apiKeyIdx"], &event["actorNm"]),
            (&json!("USER"), &json!(staff_user_idx), &Value::Null, &json!("staff@shop.example")),
            "{event}"
        );
    }
    send("GET", &format!("/api/stamp/v1/card/get?cardIdx={card_idx}"), None).await.ok();
    send("GET", "/api/stamp/v1/card/list", None).await.ok();
    // Staff find customers' stamps at the counter.
    send("GET", &format!("/api/stamp/v1/get?stampIdx={stamp_idx}"), None).await.ok();
    let found = send("GET", &format!("/api/stamp/v1/list?cardIdx={card_idx}"), None).await.ok().clone();
    assert_eq!(found["items"][0]["stampIdx"].as_i64(), Some(stamp_idx));
    let token = app.token(stamp_idx).await;
    app.anonymous("POST", &format!("/api/page/v1/{token}/pin")).json(&json!({"pin": "2580"})).send().await.ok();
    send("PUT", "/api/stamp/v1/update", Some(json!({"stampIdx": stamp_idx, "resetPinYn": "Y"}))).await.ok();
    send("PUT", "/api/stamp/v1/redeem", Some(json!({"stampIdx": stamp_idx}))).await.ok();
    // ...and everything else is the owner's.
    send("PUT", "/api/stamp/v1/update", Some(json!({"stampIdx": stamp_idx, "memo": "VIP"})))
        .await
        .refused(ErrorCode::RoleForbidden);
    send("DELETE", &format!("/api/stamp/v1/delete?stampIdx={stamp_idx}"), None).await.refused(ErrorCode::RoleForbidden);
    send("POST", "/api/stamp/v1/card/create", Some(card_body.clone())).await.refused(ErrorCode::RoleForbidden);
    send("PUT", "/api/stamp/v1/card/update", Some(json!({"cardIdx": card_idx, "cardNm": "Tea"})))
        .await
        .refused(ErrorCode::RoleForbidden);
    send("GET", &format!("/api/stamp/v1/export?cardIdx={card_idx}"), None).await.refused(ErrorCode::RoleForbidden);
    send("GET", &format!("/api/stamp/v1/stats?from={d}&to={d}", d = app.day(0)), None)
        .await
        .refused(ErrorCode::RoleForbidden);
    send("GET", "/api/stamp/v1/staff/list", None).await.refused(ErrorCode::RoleForbidden);
    send("POST", "/api/stamp/v1/bulk", Some(json!({"action": "DELETE", "stampIdxs": [stamp_idx]})))
        .await
        .refused(ErrorCode::RoleForbidden);
    let import = format!("/api/stamp/v1/import?cardIdx={card_idx}&dryRun=Y");
    with_session(app.anonymous("POST", &import), &staff, true)
        .raw(Some("text/csv"), b"strtYmd,endYmd\n".to_vec())
        .send()
        .await
        .refused(ErrorCode::RoleForbidden);
    send("DELETE", &format!("/api/stamp/v1/card/delete?cardIdx={card_idx}"), None)
        .await
        .refused(ErrorCode::RoleForbidden);
    send("GET", "/api/admin/v1/key/list", None).await.refused(ErrorCode::RoleForbidden);
    send("POST", "/api/admin/v1/key/create", Some(json!({"label": "x"}))).await.refused(ErrorCode::RoleForbidden);
    // The staff member's changes are in the history (the owner reads it).
    let history =
        with_session(app.anonymous("GET", &format!("/api/stamp/v1/history?stampIdx={stamp_idx}")), &owner, false)
            .send()
            .await;
    let actions: Vec<&str> =
        history.ok().as_array().expect("history").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "ADD").count(), 4, "{actions:?}");
    assert!(actions.contains(&"USE") && actions.contains(&"PIN_RESET"), "{actions:?}");

    // Tenancy: another account's owner sees none of it.
    let (other_idx, _) = app.other_account(Plan::Personal).await;
    users::create_user(
        app.store.as_ref(),
        &app.clock,
        other_idx,
        "owner@other.example",
        Role::Owner,
        PASSWORD.to_owned(),
    )
    .await
    .expect("user");
    let other = login(&app, "owner@other.example").await;
    with_session(app.anonymous("GET", &format!("/api/stamp/v1/validate?stampIdx={stamp_idx}")), &other, false)
        .send()
        .await
        .refused(ErrorCode::StampNotFound);
    with_session(app.anonymous("GET", &format!("/api/stamp/v1/card/get?cardIdx={card_idx}")), &other, false)
        .send()
        .await
        .refused(ErrorCode::CardNotFound);

    // A dead cookie is refused as such; no cookie and no key is the old refusal.
    let dead = Session { token: "B".repeat(43), csrf: String::new() };
    with_session(app.anonymous("GET", "/api/stamp/v1/card/list"), &dead, false)
        .send()
        .await
        .refused(ErrorCode::LoginRequired);
    app.anonymous("GET", "/api/stamp/v1/card/list").send().await.refused(ErrorCode::MissingApiKey);

    // The plan still counts: a Free account's owner has no stamp API.
    let (free_idx, _) = app.other_account(Plan::Free).await;
    users::create_user(app.store.as_ref(), &app.clock, free_idx, "free@x.example", Role::Owner, PASSWORD.to_owned())
        .await
        .expect("user");
    let free = login(&app, "free@x.example").await;
    with_session(app.anonymous("GET", "/api/stamp/v1/card/list"), &free, false)
        .send()
        .await
        .refused(ErrorCode::PlanRequired);
}

#[tokio::test]
async fn owners_manage_api_keys_over_http() {
    let app = spawn_app().await;
    create_user(&app, "owner@shop.example", Role::Owner).await;
    let owner = login(&app, "owner@shop.example").await;
    let call = |method: &str, path: &str| with_session(app.anonymous(method, path), &owner, true);

    let created = call("POST", "/api/admin/v1/key/create").json(&json!({"label": "till 2"})).send().await;
    let created = created.ok().clone();
    let key = created["apiKey"].as_str().expect("apiKey").to_owned();
    let key_idx = created["apiKeyIdx"].as_i64().expect("apiKeyIdx");
    assert_eq!(created["label"], "till 2");
    // The new key works on the stamp API.
    app.anonymous("GET", "/api/stamp/v1/card/list").key(Some(&key)).send().await.ok();

    // The list never shows a key, only its prefix.
    let list = call("GET", "/api/admin/v1/key/list").send().await;
    let items = list.ok().as_array().expect("list").clone();
    assert_eq!(items.len(), 2, "the test key and the new one: {items:?}");
    assert!(!list.text.contains(&key[8..]), "{}", list.text);
    let listed = items.iter().find(|k| k["apiKeyIdx"] == key_idx).expect("listed");
    assert!(key.starts_with(listed["keyPrefix"].as_str().expect("prefix")));
    assert!(listed["revokedYmdt"].is_null());

    // Keys cannot manage keys; nobody without a session can; a long label is refused.
    app.get("/api/admin/v1/key/list").await.refused(ErrorCode::SessionRequiredForKeys);
    app.post("/api/admin/v1/key/create", json!({"label": "x"})).await.refused(ErrorCode::SessionRequiredForKeys);
    app.anonymous("GET", "/api/admin/v1/key/list").send().await.refused(ErrorCode::LoginRequired);
    with_session(app.anonymous("POST", "/api/admin/v1/key/create"), &owner, false)
        .json(&json!({"label": "x"}))
        .send()
        .await
        .refused(ErrorCode::CsrfTokenRequired);
    call("POST", "/api/admin/v1/key/create")
        .json(&json!({"label": "l".repeat(101)}))
        .send()
        .await
        .refused(ErrorCode::InvalidKeyLabel);

    // Revoking: the key stops working; again, or another account's key, is missing.
    let (other_idx, other_key) = app.other_account(Plan::Personal).await;
    let other_keys =
        app.store.api_keys(other_idx).await.expect("keys").into_iter().map(|k| k.api_key_idx).collect::<Vec<_>>();
    assert_eq!(other_keys.len(), 1);
    call("POST", "/api/admin/v1/key/revoke")
        .json(&json!({"apiKeyIdx": other_keys[0]}))
        .send()
        .await
        .refused(ErrorCode::ApiKeyNotFound);
    app.anonymous("GET", "/api/stamp/v1/card/list").key(Some(&other_key)).send().await.ok();
    assert!(call("POST", "/api/admin/v1/key/revoke").json(&json!({"apiKeyIdx": key_idx})).send().await.ok().is_null());
    app.anonymous("GET", "/api/stamp/v1/card/list").key(Some(&key)).send().await.refused(ErrorCode::InvalidApiKey);
    call("POST", "/api/admin/v1/key/revoke")
        .json(&json!({"apiKeyIdx": key_idx}))
        .send()
        .await
        .refused(ErrorCode::ApiKeyNotFound);
    call("POST", "/api/admin/v1/key/revoke").json(&json!({"apiKeyIdx": 0})).send().await.refused(ErrorCode::OutOfRange);
}

/// Runs `stampcard` with `stdin` as its standard input; returns whether it succeeded and
/// what it printed (stdout, stderr).
async fn run(database_url: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write as _;
    let mut child = Reaped(
        Command::new(env!("CARGO_BIN_EXE_stampcard"))
            .args(args)
            .env("DATABASE_URL", database_url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run stampcard"),
    );
    child.0.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let deadline = std::time::Instant::now() + STEP_TIMEOUT;
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "stampcard {args:?} did not finish");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let (mut out, mut err) = (String::new(), String::new());
    use std::io::Read as _;
    child.0.stdout.take().expect("stdout").read_to_string(&mut out).expect("stdout");
    child.0.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    (status.success(), out, err)
}

#[tokio::test]
async fn the_user_commands_manage_dashboard_logins() {
    let dir = tempfile::tempdir().expect("dir");
    let db = Backend::from_env().fresh_database_url(&dir).await;
    let account = cli(&db, &["account", "create", "--name", "Shop", "--plan", "personal"]).await;
    let account = account["accountIdx"].as_i64().expect("accountIdx").to_string();
    let create = |email: &'static str, role: &'static str| {
        let account = account.clone();
        let db = db.clone();
        async move {
            let args = [
                "user",
                "create",
                "--account",
                &account,
                "--email",
                email,
                "--role",
                role,
                "--password-stdin",
                "--json",
            ];
            run(&db, &args, &format!("{PASSWORD}\n")).await
        }
    };

    let (ok, out, err) = create("Owner@Shop.example", "owner").await;
    assert!(ok, "{err}");
    let user: Value = serde_json::from_str(&out).expect("json");
    assert_eq!((user["email"].as_str(), user["role"].as_str()), (Some("Owner@Shop.example"), Some("owner")));
    assert!(!out.contains(PASSWORD) && !err.contains(PASSWORD));
    assert!(create("staff@shop.example", "staff").await.0);

    // Refusals: the same address in another case, a malformed one, a short password, an
    // unknown account, a role that does not exist.
    let (ok, _, err) = create("owner@SHOP.example", "staff").await;
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = create("not-an-address", "staff").await;
    assert!(!ok && err.contains("e-mail"), "{err}");
    let args =
        ["user", "create", "--account", &account, "--email", "x@shop.example", "--role", "staff", "--password-stdin"];
    let (ok, _, err) = run(&db, &args, "too short\n").await;
    assert!(!ok && err.contains("at least 10 characters") && !err.contains("too short"), "{err}");
    let args =
        ["user", "create", "--account", "999", "--email", "x@shop.example", "--role", "staff", "--password-stdin"];
    let (ok, _, err) = run(&db, &args, &format!("{PASSWORD}\n")).await;
    assert!(!ok && err.contains("no account 999"), "{err}");
    let args =
        ["user", "create", "--account", &account, "--email", "x@shop.example", "--role", "admin", "--password-stdin"];
    assert!(!run(&db, &args, &format!("{PASSWORD}\n")).await.0);

    let list = cli(&db, &["user", "list", "--account", &account]).await;
    let emails: Vec<&str> = list.as_array().expect("list").iter().filter_map(|u| u["email"].as_str()).collect();
    assert_eq!(emails, ["Owner@Shop.example", "staff@shop.example"]);

    // The server logs in with what the commands stored; a reset replaces the password.
    let server = crate::process::Server::start(&db, dir.path(), 0).await;
    let client = reqwest::Client::new();
    let login = |password: &'static str| {
        client
            .post(format!("{}/api/admin/v1/login", server.url))
            .header("Content-Type", "application/json")
            .body(json!({"email": "owner@shop.example", "password": password}).to_string())
            .send()
    };
    assert_eq!(login(PASSWORD).await.expect("login").status(), 200);
    let reset = ["user", "reset-password", "--email", "OWNER@shop.example", "--password-stdin"];
    let (ok, out, err) = run(&db, &reset, "a brand new password\r\n").await;
    assert!(ok && !out.contains("brand new") && !err.contains("brand new"), "{out} {err}");
    assert_eq!(login(PASSWORD).await.expect("login").status(), 401);
    assert_eq!(login("a brand new password").await.expect("login").status(), 200);
    let (ok, _, err) = run(
        &db,
        &["user", "reset-password", "--email", "nobody@x.example", "--password-stdin"],
        "a brand new password\n",
    )
    .await;
    assert!(!ok && err.contains("no dashboard user"), "{err}");

    let (ok, _, err) = run(&db, &["user", "delete", "--email", "owner@shop.example"], "").await;
    assert!(ok, "{err}");
    assert_eq!(login("a brand new password").await.expect("login").status(), 401);
    assert!(!run(&db, &["user", "delete", "--email", "owner@shop.example"], "").await.0);
    let list = cli(&db, &["user", "list", "--account", &account]).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}
