//! `spawn_app()`: the real server on 127.0.0.1:0 with a fresh database, an account with an
//! API key made by the same functions the CLI uses, and a small HTTP client.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Days, Months, NaiveDate};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use stampcard_core::ErrorCode;
use stampcard_server::clock::Clock;
use stampcard_server::config::{Limits, ServerConfig};
use stampcard_server::ops::admin;
use stampcard_server::plan::Plan;
use stampcard_server::store::{self, Store, StoreOptions};
use stampcard_server::throttle::PageLimits;
use stampcard_server::{Server, demo};

/// The database the tests run against: SQLite unless `STAMPCARD_TEST_BACKEND=postgres`, then
/// a fresh database per test on the PostgreSQL server at `STAMPCARD_TEST_POSTGRES_URL`
/// (`cargo xtask test` runs this binary once per backend).
#[derive(Debug, Clone)]
pub enum Backend {
    /// A fresh SQLite file in a temporary directory.
    Sqlite,
    /// A PostgreSQL server: the URL of a maintenance database to create test databases from.
    Postgres(String),
}

impl Backend {
    /// The backend chosen by the environment.
    pub fn from_env() -> Backend {
        match std::env::var("STAMPCARD_TEST_BACKEND").as_deref() {
            Ok("postgres") => Backend::Postgres(
                std::env::var("STAMPCARD_TEST_POSTGRES_URL")
                    .expect("STAMPCARD_TEST_BACKEND=postgres needs STAMPCARD_TEST_POSTGRES_URL"),
            ),
            Ok("sqlite") | Err(_) => Backend::Sqlite,
            Ok(other) => panic!("unknown STAMPCARD_TEST_BACKEND {other:?}: use sqlite or postgres"),
        }
    }

    /// A `DATABASE_URL` for a new, empty database.
    pub async fn fresh_database_url(&self, dir: &tempfile::TempDir) -> String {
        match self {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("stampcard.db").display()),
            Backend::Postgres(admin_url) => {
                use sqlx::Connection;
                static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let name = format!(
                    "t_{}_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                    chrono::Utc::now().timestamp_micros()
                );
                let mut admin = sqlx::PgConnection::connect(admin_url).await.expect("connect to PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
                format!("{base}/{name}")
            }
        }
    }
}

/// How to start a test server.
#[derive(Debug, Clone)]
pub struct Options {
    /// The first account's plan.
    pub plan: Plan,
    /// Rate limits on (only the rate-limit test).
    pub rate_limit: bool,
    /// Pinned "today".
    pub fake_today: Option<NaiveDate>,
    /// The www directory (default: an empty temporary one).
    pub www_dir: Option<PathBuf>,
    /// The page API's limits (used when `rate_limit` is on).
    pub page_limits: PageLimits,
    /// Trust the last `X-Forwarded-For` address.
    pub trust_forwarded_for: bool,
    /// PostgreSQL pool size.
    pub pg_max_connections: u32,
    /// Timeouts and the connection cap.
    pub limits: Limits,
    /// The bearer token of `/metrics` (`None`: no metrics endpoint).
    pub metrics_token: Option<String>,
    /// SQLite: the free disk space below which the store is unhealthy.
    pub sqlite_min_free_bytes: u64,
    /// PostgreSQL: reach the server through this local port (a proxy) instead of its own.
    pub postgres_port: Option<u16>,
    // webhooks
    /// Webhook settings (default: the server's, with private addresses allowed, so test
    /// receivers on 127.0.0.1 can be reached).
    pub webhooks: stampcard_server::webhook::WebhookConfig,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            plan: Plan::Personal,
            rate_limit: false,
            fake_today: None,
            www_dir: None,
            page_limits: PageLimits::default(),
            trust_forwarded_for: false,
            pg_max_connections: 8,
            limits: Limits::default(),
            metrics_token: None,
            sqlite_min_free_bytes: StoreOptions::default().sqlite_min_free_bytes,
            postgres_port: None,
            webhooks: stampcard_server::webhook::WebhookConfig {
                allow_private: true,
                ..stampcard_server::webhook::WebhookConfig::default()
            },
        }
    }
}

/// A running server with one account and its key.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The store (for looking behind the API).
    pub store: Arc<dyn Store>,
    /// The first account.
    pub account_idx: i64,
    /// Its API key.
    pub key: String,
    /// HTTP client.
    pub client: reqwest::Client,
    /// The clock the server uses.
    pub clock: Clock,
    /// The temporary directory (database, www), deleted on drop.
    _dir: tempfile::TempDir,
    server: Option<Server>,
}

/// The server with a Personal account.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

/// The server with options.
pub async fn spawn_app_with(options: Options) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::from_env();
    let store_options = StoreOptions {
        pg_max_connections: options.pg_max_connections,
        sqlite_min_free_bytes: options.sqlite_min_free_bytes,
        ..StoreOptions::default()
    };
    let mut database_url = backend.fresh_database_url(&dir).await;
    if let (Backend::Postgres(_), Some(port)) = (&backend, options.postgres_port) {
        let mut url = reqwest::Url::parse(&database_url).expect("PostgreSQL URL");
        url.set_port(Some(port)).expect("set port");
        database_url = url.to_string();
    }
    let store = store::open(&database_url, &store_options).await.expect("open store");
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        public_url: None,
        www_dir: options.www_dir.clone().unwrap_or_else(|| dir.path().join("www")),
        rate_limit: options.rate_limit,
        fake_today: options.fake_today,
        page_limits: options.page_limits,
        trust_forwarded_for: options.trust_forwarded_for,
        limits: options.limits,
        metrics_token: options.metrics_token.clone(),
        webhooks: options.webhooks.clone(),
    };
    let clock = options.fake_today.map_or_else(Clock::system, Clock::with_today);
    let server = Server::start(&config, store.clone()).await.expect("start server");
    let account_idx = admin::create_account(store.as_ref(), &clock, "Test shop", options.plan).await.expect("account");
    let key = admin::create_api_key(store.as_ref(), &clock, account_idx, "test").await.expect("key").api_key;
    TestApp {
        url: server.url(),
        store,
        account_idx,
        key,
        client: reqwest::Client::new(),
        clock,
        _dir: dir,
        server: Some(server),
    }
}

/// A response: status, headers and the parsed envelope.
#[derive(Debug)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub body: Value,
    /// The body as sent.
    pub text: String,
}

impl Resp {
    /// The envelope's `result`, asserting success.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!((self.status, self.body["code"].as_i64()), (200, Some(0)), "expected success, got {self:?}");
        assert_eq!(self.body["message"], "", "{self:?}");
        &self.body["result"]
    }

    /// Asserts a refusal with this code, its HTTP status, a message and `result: null`.
    #[track_caller]
    pub fn refused(&self, code: ErrorCode) -> &Resp {
        assert_eq!(
            (self.status, self.body["code"].as_i64()),
            (code.http_status(), Some(i64::from(code.code()))),
            "expected {code:?}, got {self:?}"
        );
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()), "{self:?}");
        assert!(self.body["result"].is_null(), "{self:?}");
        assert!(self.header("content-type").is_some_and(|t| t.starts_with("application/json")), "{self:?}");
        self
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The message.
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

/// A request being built.
pub struct Call {
    request: reqwest::RequestBuilder,
}

impl Call {
    /// Sets the API key (`None`: no Authorization header).
    pub fn key(mut self, key: Option<&str>) -> Self {
        if let Some(key) = key {
            self.request = self.request.header("Authorization", format!("APIKey {key}"));
        }
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    /// Sends a JSON body.
    pub fn json(mut self, body: &Value) -> Self {
        self.request = self.request.header("Content-Type", "application/json").body(body.to_string());
        self
    }

    /// Sends raw bytes with a content type.
    pub fn raw(mut self, content_type: Option<&str>, body: impl Into<reqwest::Body>) -> Self {
        if let Some(content_type) = content_type {
            self.request = self.request.header("Content-Type", content_type);
        }
        self.request = self.request.body(body);
        self
    }

    /// Sends it.
    pub async fn send(self) -> Resp {
        let response = self.request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, body, text: String::from_utf8_lossy(&bytes).into_owned() }
    }
}

impl TestApp {
    /// A request without an API key.
    pub fn anonymous(&self, method: &str, path: &str) -> Call {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        Call { request: self.client.request(method, format!("{}{path}", self.url)) }
    }

    /// A request with this app's API key.
    pub fn call(&self, method: &str, path: &str) -> Call {
        let key = self.key.clone();
        self.anonymous(method, path).key(Some(&key))
    }

    /// `PUT path` with a JSON body and the app's key.
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.call("PUT", path).json(&body).send().await
    }

    /// `POST path` with a JSON body and the app's key.
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path).json(&body).send().await
    }

    /// `GET path` with the app's key.
    pub async fn get(&self, path: &str) -> Resp {
        self.call("GET", path).send().await
    }

    /// Another account with its own key.
    pub async fn other_account(&self, plan: Plan) -> (i64, String) {
        let idx = admin::create_account(self.store.as_ref(), &self.clock, "Other shop", plan).await.expect("account");
        let key = admin::create_api_key(self.store.as_ref(), &self.clock, idx, "other").await.expect("key").api_key;
        (idx, key)
    }

    /// The server's today.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// Today plus `days`, as `YYYY-MM-DD`.
    pub fn day(&self, days: i64) -> String {
        let today = self.today();
        let day = if days >= 0 {
            today.checked_add_days(Days::new(days.unsigned_abs()))
        } else {
            today.checked_sub_days(Days::new(days.unsigned_abs()))
        };
        day.expect("day").format("%Y-%m-%d").to_string()
    }

    /// Today plus `months`, as `YYYY-MM-DD`.
    pub fn months_ahead(&self, months: u32) -> String {
        self.today().checked_add_months(Months::new(months)).expect("date").format("%Y-%m-%d").to_string()
    }

    /// Creates a card over HTTP; returns its cardIdx.
    pub async fn card(&self, max_stamps: u32, onsite_pwd: Option<&str>) -> i64 {
        let mut body = json!({"cardNm": "Coffee card", "cardTtl": "Free coffee", "maxStamps": max_stamps});
        if let Some(pwd) = onsite_pwd {
            body["onsiteYn"] = json!("Y");
            body["onsitePwd"] = json!(pwd);
        }
        self.post("/api/stamp/v1/card/create", body).await.ok()["cardIdx"].as_i64().expect("cardIdx")
    }

    /// Creates a stamp valid from today for a year; returns its stampIdx.
    pub async fn stamp(&self, card_idx: i64) -> i64 {
        let body = json!({"cardIdx": card_idx, "strtYmd": self.day(0), "endYmd": self.months_ahead(12)});
        self.post("/api/stamp/v1/create", body).await.ok().as_i64().expect("stampIdx")
    }

    /// Adds `n` stamps.
    pub async fn add_n(&self, stamp_idx: i64, n: u32) {
        for _ in 0..n {
            self.put("/api/stamp/v1/add", json!({"stampIdx": stamp_idx})).await.ok();
        }
    }

    /// The stamp's validate result (asserting success).
    pub async fn validate(&self, stamp_idx: i64) -> Value {
        self.get(&format!("/api/stamp/v1/validate?stampIdx={stamp_idx}")).await.ok().clone()
    }

    /// The stamp's count, read behind the API.
    pub async fn count(&self, stamp_idx: i64) -> u32 {
        self.store.stamp_and_card(self.account_idx, stamp_idx).await.expect("store").expect("stamp").0.stamps
    }

    /// The stamp-page token of a stamp.
    pub async fn token(&self, stamp_idx: i64) -> String {
        self.store.stamp_and_card(self.account_idx, stamp_idx).await.expect("store").expect("stamp").0.token
    }

    /// The same server, calling with another key.
    pub fn with_key(mut self, key: String) -> TestApp {
        self.key = key;
        self
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("stop");
        }
    }
}

/// The demo seeding is what `cargo xtask serve` relies on; it must work on an empty database.
pub async fn seed_demo(app: &TestApp) -> demo::Demo {
    demo::seed(app.store.as_ref(), &app.clock, &app.url).await.expect("demo")
}
