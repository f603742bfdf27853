//! The `stampcard` command: `serve` runs the server; `account`, `key`, `card`, `user` and `webhook`
//! administer the database directly (the same operations the API uses).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use stampcard_core::dashboard::Role;
use stampcard_core::types::YesNo;
use stampcard_core::wire::CardCreateRequest;
use stampcard_server::clock::Clock;
use stampcard_server::config::{DatabaseConfig, Limits, ServerConfig};
use stampcard_server::http::www;
use stampcard_server::ops::{admin, users};
use stampcard_server::plan::Plan;
use stampcard_server::secrets::{self, HashLimits};
use stampcard_server::store::{self, Store, StoreOptions};
use stampcard_server::throttle::PageLimits;
use stampcard_server::webhook::cli::{self as webhook_cli, ServeWebhookArgs};
use stampcard_server::{Server, demo};

/// Self-hostable stamp-card loyalty server.
#[derive(Debug, Parser)]
#[command(name = "stampcard", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Manage accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage stamp cards.
    #[command(subcommand)]
    Card(CardCommand),
    /// Manage the dashboard's owner and staff logins.
    #[command(subcommand)]
    User(UserCommand),
    // webhooks
    /// Manage an account's webhook endpoints.
    #[command(subcommand)]
    Webhook(WebhookCommand),
}

#[derive(Debug, Args)]
struct DatabaseArgs {
    /// Where the data lives: sqlite://PATH (file created if missing) or postgres://USER@HOST/DB
    /// (several servers on one database).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://./stampcard.db")]
    database_url: String,
    /// SQLite `synchronous` pragma: FULL (an acknowledged write survives a power cut), NORMAL or OFF.
    #[arg(long, env = "STAMPCARD_SQLITE_SYNCHRONOUS", default_value = "FULL")]
    sqlite_synchronous: String,
    /// PostgreSQL connection pool size of this server.
    #[arg(long, env = "STAMPCARD_PG_MAX_CONNECTIONS", default_value_t = 16)]
    pg_max_connections: u32,
    /// SQLite: /healthz answers 503 when the database's filesystem has fewer free MiB than this.
    #[arg(long, env = "STAMPCARD_MIN_FREE_DISK_MB", default_value_t = 64)]
    min_free_disk_mb: u64,
}

impl DatabaseArgs {
    fn config(&self) -> DatabaseConfig {
        DatabaseConfig {
            url: self.database_url.clone(),
            options: StoreOptions {
                sqlite_synchronous: self.sqlite_synchronous.clone(),
                pg_max_connections: self.pg_max_connections,
                sqlite_min_free_bytes: self.min_free_disk_mb.saturating_mul(1024 * 1024),
            },
        }
    }

    async fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        let config = self.config();
        store::open(&config.url, &config.options)
            .await
            .with_context(|| format!("opening the database {}", without_password(&config.url)))
    }
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "STAMPCARD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Base URL of stamp-page links (stampUrl) [default: http://<listen address>].
    #[arg(long, env = "STAMPCARD_PUBLIC_URL")]
    public_url: Option<String>,
    /// Seed a demo account, card and stamp, and print an API key and curl commands.
    #[arg(long, env = "STAMPCARD_DEMO")]
    demo: bool,
    /// Directory with stamp.html and widget/.
    #[arg(long, env = "STAMPCARD_WWW_DIR", default_value = "./www")]
    www_dir: PathBuf,
    /// Per-plan rate limits: on or off.
    #[arg(long, env = "STAMPCARD_RATE_LIMIT", default_value = "on", value_parser = ["on", "off"])]
    rate_limit: String,
    /// Pretend today is this UTC date (YYYY-MM-DD), for trying expired or future stamps.
    #[arg(long, env = "STAMPCARD_FAKE_TODAY")]
    fake_today: Option<NaiveDate>,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "STAMPCARD_LOG_JSON")]
    log_json: bool,
    /// Behind exactly one reverse proxy that appends the client's address to X-Forwarded-For:
    /// take the client's address (for the stamp page's limits) from its last entry.
    #[arg(long, env = "STAMPCARD_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// Password hashes (argon2id, 19 MiB each) computed at once [default: the number of cores].
    #[arg(long, env = "STAMPCARD_HASH_WORKERS")]
    hash_workers: Option<usize>,
    /// Password checks that may wait for a hashing thread; more get 503 [default: 16 per worker].
    #[arg(long, env = "STAMPCARD_HASH_QUEUE")]
    hash_queue: Option<usize>,
    /// How long a password check may wait for a hashing thread before it gets 503, in ms.
    #[arg(long, env = "STAMPCARD_HASH_MAX_WAIT_MS", default_value_t = 5000)]
    hash_max_wait_ms: u64,
    /// Stamp-page reads (intro, card) per stamp link per minute.
    #[arg(long, env = "STAMPCARD_PAGE_READS_PER_LINK", default_value_t = PageLimits::default().reads_per_link)]
    page_reads_per_link: u32,
    /// Stamp-page PIN and staff-password requests per stamp link per minute.
    #[arg(long, env = "STAMPCARD_PAGE_SECRETS_PER_LINK", default_value_t = PageLimits::default().secrets_per_link)]
    page_secrets_per_link: u32,
    /// Stamp-page reads per client address per minute.
    #[arg(long, env = "STAMPCARD_PAGE_READS_PER_ADDRESS", default_value_t = PageLimits::default().reads_per_address)]
    page_reads_per_address: u32,
    /// Stamp-page PIN and staff-password requests per client address per minute.
    #[arg(long, env = "STAMPCARD_PAGE_SECRETS_PER_ADDRESS", default_value_t = PageLimits::default().secrets_per_address)]
    page_secrets_per_address: u32,
    /// Seconds a client has to send a request's headers, from connecting (or from the first
    /// byte of a later request on a kept-alive connection).
    #[arg(long, env = "STAMPCARD_HEADER_READ_TIMEOUT", default_value = "10", value_parser = seconds)]
    header_read_timeout: Duration,
    /// Seconds a client has to send a request body whole, once the server starts reading it.
    #[arg(long, env = "STAMPCARD_REQUEST_BODY_TIMEOUT", default_value = "30", value_parser = seconds)]
    request_body_timeout: Duration,
    /// Seconds a kept-alive connection may wait for its next request (keep it above the idle
    /// timeout of the proxy in front).
    #[arg(long, env = "STAMPCARD_KEEP_ALIVE_TIMEOUT", default_value = "75", value_parser = seconds)]
    keep_alive_timeout: Duration,
    /// Seconds a response may wait for the client to read any of it before the connection
    /// is closed.
    #[arg(long, env = "STAMPCARD_SEND_TIMEOUT", default_value = "30", value_parser = seconds)]
    send_timeout: Duration,
    /// Open client connections at most; more wait in the kernel's accept queue (lowered to fit
    /// the open-file limit, ulimit -n).
    #[arg(long, env = "STAMPCARD_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Seconds requests in flight get to finish after SIGTERM or Ctrl-C before the remaining
    /// connections are closed (keep it below the supervisor's kill timeout: docker stop waits 10).
    #[arg(long, env = "STAMPCARD_SHUTDOWN_TIMEOUT", default_value = "8", value_parser = seconds)]
    shutdown_timeout: Duration,
    /// Serve GET /metrics (Prometheus) to requests with `Authorization: Bearer <this token>`
    /// (at least 16 characters); without it there is no /metrics.
    #[arg(long, env = "STAMPCARD_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    // webhooks
    #[command(flatten)]
    webhooks: ServeWebhookArgs,
}

impl ServeArgs {
    fn hash_limits(&self) -> HashLimits {
        let defaults = HashLimits::default();
        let workers = self.hash_workers.unwrap_or(defaults.workers).max(1);
        HashLimits {
            workers,
            queue: self.hash_queue.unwrap_or(16 * workers).max(1),
            max_wait: std::time::Duration::from_millis(self.hash_max_wait_ms),
        }
    }

    fn page_limits(&self) -> PageLimits {
        PageLimits {
            reads_per_link: self.page_reads_per_link,
            secrets_per_link: self.page_secrets_per_link,
            reads_per_address: self.page_reads_per_address,
            secrets_per_address: self.page_secrets_per_address,
        }
    }

    fn limits(&self) -> Limits {
        Limits {
            header_read_timeout: self.header_read_timeout,
            request_body_timeout: self.request_body_timeout,
            keep_alive_timeout: self.keep_alive_timeout,
            send_timeout: self.send_timeout,
            max_connections: self.max_connections as usize,
            shutdown_timeout: self.shutdown_timeout,
        }
    }
}

/// A positive number of seconds (`10`, `0.5`).
fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if value.is_nan() || value <= 0.0 {
        return Err(format!("{text:?} must be more than 0 seconds"));
    }
    Duration::try_from_secs_f64(value).map_err(|e| format!("{text:?} seconds: {e}"))
}

#[derive(Debug, Args)]
struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long, env = "STAMPCARD_JSON")]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create an account and print its first API key (shown once).
    Create {
        /// Display name.
        #[arg(long, env = "STAMPCARD_ACCOUNT_NAME")]
        name: String,
        /// Plan.
        #[arg(long, env = "STAMPCARD_ACCOUNT_PLAN", value_enum)]
        plan: Plan,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Create an API key (shown once).
    Create {
        /// The account.
        #[arg(long, env = "STAMPCARD_ACCOUNT")]
        account: i64,
        /// A label to tell keys apart.
        #[arg(long, env = "STAMPCARD_KEY_LABEL", default_value = "")]
        label: String,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke an API key.
    Revoke {
        /// The account.
        #[arg(long, env = "STAMPCARD_ACCOUNT")]
        account: i64,
        /// The key's id (from `key list`).
        #[arg(long, env = "STAMPCARD_KEY_IDX")]
        key_idx: i64,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List an account's API keys (never the keys themselves).
    List {
        /// The account.
        #[arg(long, env = "STAMPCARD_ACCOUNT")]
        account: i64,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum CardCommand {
    /// Create a card (the fields of POST /api/stamp/v1/card/create).
    Create {
        /// The account.
        #[arg(long, env = "STAMPCARD_ACCOUNT")]
        account: i64,
        /// Card name.
        #[arg(long, env = "STAMPCARD_CARD_NM")]
        card_nm: String,
        /// Card title: the reward text.
        #[arg(long, env = "STAMPCARD_CARD_TTL")]
        card_ttl: Option<String>,
        /// Stamps needed for the reward.
        #[arg(long, env = "STAMPCARD_MAX_STAMPS")]
        max_stamps: i64,
        /// Image of a filled slot (http/https URL).
        #[arg(long, env = "STAMPCARD_STAMP_IMG_URL")]
        stamp_img_url: Option<String>,
        /// Target of the stamp page's button.
        #[arg(long, env = "STAMPCARD_URL")]
        url: Option<String>,
        /// Whether redeeming needs the on-site staff password: Y or N.
        #[arg(long, env = "STAMPCARD_ONSITE_YN", value_parser = ["Y", "N"])]
        onsite_yn: Option<String>,
        /// The on-site staff password (stored only as an argon2id hash).
        #[arg(long, env = "STAMPCARD_ONSITE_PWD")]
        onsite_pwd: Option<String>,
        /// Minimum seconds between two adds on one stamp (0: off).
        #[arg(long, env = "STAMPCARD_COOLDOWN_SECS")]
        cooldown_secs: Option<u32>,
        /// Most adds per stamp per UTC day (0: off).
        #[arg(long, env = "STAMPCARD_MAX_ADDS_PER_DAY")]
        max_adds_per_day: Option<u32>,
        /// Y: redeeming a stamp issues the customer's next stamp.
        #[arg(long, env = "STAMPCARD_AUTO_RENEW_YN", value_parser = yes_no)]
        auto_renew_yn: Option<YesNo>,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List an account's cards.
    List {
        /// The account.
        #[arg(long, env = "STAMPCARD_ACCOUNT")]
        account: i64,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a dashboard login; the password (10 to 128 characters) is read from standard
    /// input, never from the command line, and never printed.
    Create {
        /// The account the user works for.
        #[arg(long, env = "STAMPCARD_ACCOUNT")]
        account: i64,
        /// The user's e-mail address (unique, whatever its case).
        #[arg(long, env = "STAMPCARD_USER_EMAIL")]
        email: String,
        /// owner: everything, API keys included; staff: the counter's work only.
        #[arg(long, env = "STAMPCARD_USER_ROLE", value_parser = ["owner", "staff"])]
        role: String,
        /// Read the password from standard input (one line; required).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List an account's dashboard logins.
    List {
        /// The account.
        #[arg(long, env = "STAMPCARD_ACCOUNT")]
        account: i64,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Set a new password (read from standard input) and end the user's sessions.
    ResetPassword {
        /// The user's e-mail address.
        #[arg(long, env = "STAMPCARD_USER_EMAIL")]
        email: String,
        /// Read the password from standard input (one line; required).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Delete a dashboard login and its sessions.
    Delete {
        /// The user's e-mail address.
        #[arg(long, env = "STAMPCARD_USER_EMAIL")]
        email: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Account(command) => account(command).await,
        Command::Key(command) => key(command).await,
        Command::Card(command) => card(command).await,
        Command::User(command) => user(command).await,
        Command::Webhook(command) => webhook(command).await,
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colours only for a person at a terminal: a log file or a supervisor's journal gets plain
    // text (escape codes there are noise, and formatting them is a share of a request's CPU).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_json);
    let hash_limits = args.hash_limits();
    secrets::configure_hashing(hash_limits);
    check_www(&args.www_dir)?;
    if let Some(token) = &args.metrics_token {
        anyhow::ensure!(
            token.trim().chars().count() >= 16,
            "--metrics-token (STAMPCARD_METRICS_TOKEN) must be at least 16 characters; generate one with `openssl rand -hex 32`"
        );
    }
    let store = args.database.open().await?;
    let config = ServerConfig {
        listen: args.listen,
        public_url: args.public_url.clone(),
        www_dir: args.www_dir.clone(),
        rate_limit: args.rate_limit == "on",
        fake_today: args.fake_today,
        page_limits: args.page_limits(),
        trust_forwarded_for: args.trust_forwarded_for,
        limits: args.limits(),
        metrics_token: args.metrics_token.as_ref().map(|token| token.trim().to_owned()),
        webhooks: args.webhooks.config(),
    };
    let server =
        Server::start(&config, store.clone()).await.with_context(|| format!("listening on {}", args.listen))?;
    let stop = shutdown_signal();
    tracing::info!(addr = %server.addr(), public_url = server.public_url(), database = %without_password(&args.database.database_url), "stampcard is serving");
    if args.demo {
        let clock = config.fake_today.map_or_else(Clock::system, Clock::with_today);
        let seeded = demo::seed(store.as_ref(), &clock, server.public_url()).await.context("seeding the demo")?;
        println!("{}", demo::instructions(&seeded, &server.url(), clock.today()));
    }
    server.run_until(stop).await.context("serving")?;
    tracing::info!("connections closed; closing the database");
    store.close().await.context("closing the database")?;
    tracing::info!("stopped");
    Ok(())
}

/// The files the customer page and the dashboard need, relative to the www folder: without
/// them every stamp link (or the back office at `/`) would open a blank page, so the server
/// refuses to start instead. The widget's manifest adds the hashed files it names.
const WWW_FILES: &[&str] = &[
    "stamp.html",
    www::STABLE_LOADER,
    www::WIDGET_MANIFEST,
    "dashboard/index.html",
    "dashboard/dashboard.js",
    "dashboard/dashboard.css",
    "dashboard/pkg/stampcard_dashboard.js",
    "dashboard/pkg/stampcard_dashboard_bg.wasm",
];

fn check_www(dir: &Path) -> anyhow::Result<()> {
    let shown = if dir.is_relative() {
        let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
        format!("{} (from {cwd})", dir.display())
    } else {
        dir.display().to_string()
    };
    anyhow::ensure!(
        dir.is_dir(),
        "the www folder {shown} does not exist: point --www-dir (STAMPCARD_WWW_DIR) at the www/ folder shipped with stampcard"
    );
    let mut files: Vec<String> = WWW_FILES.iter().map(|file| (*file).to_owned()).collect();
    if dir.join(www::WIDGET_MANIFEST).is_file() {
        let manifest = www::WidgetManifest::read(dir).map_err(|error| {
            anyhow::anyhow!("the stamp-page widget's manifest is unreadable: {error}; run `cargo xtask build` again")
        })?;
        files.extend(manifest.files());
    }
    let missing: Vec<&str> = files.iter().map(String::as_str).filter(|file| !dir.join(file).is_file()).collect();
    if missing.iter().any(|file| file.starts_with("widget/pkg/")) {
        anyhow::bail!(
            "the stamp-page widget is not built: {} missing in the www folder {shown}; run `cargo xtask build` (it writes www/widget/pkg/) and ship www/ with it",
            missing.join(", ")
        );
    }
    if missing.iter().any(|file| file.starts_with("dashboard/pkg/")) {
        anyhow::bail!(
            "the dashboard (the back office at /) is not built: {} missing in the www folder {shown}; run `cargo xtask build` (it writes www/dashboard/pkg/) and ship www/ with it",
            missing.join(", ")
        );
    }
    anyhow::ensure!(
        missing.is_empty(),
        "{} missing in the www folder {shown}: point --www-dir (STAMPCARD_WWW_DIR) at the www/ folder shipped with stampcard",
        missing.join(", ")
    );
    Ok(())
}

/// The database URL for the log, without the user and password a PostgreSQL URL may carry.
fn without_password(url: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://{host}"),
        _ => url.to_owned(),
    }
}

/// Listens for SIGTERM and Ctrl-C from the moment it is called. It is called before the server
/// logs that it is serving: a signal's default action kills the process, so a stop sent right
/// after that line must already find the handlers installed.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{Signal, SignalKind, signal};
    let listen = |kind: SignalKind, name: &'static str| {
        signal(kind).inspect_err(|error| tracing::warn!(%error, "cannot listen for {name}")).ok()
    };
    let mut terminate = listen(SignalKind::terminate(), "SIGTERM");
    let mut interrupt = listen(SignalKind::interrupt(), "Ctrl-C");
    async fn received(signal: Option<&mut Signal>) {
        match signal {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    async move {
        tokio::select! {
            () = received(terminate.as_mut()) => {}
            () = received(interrupt.as_mut()) => {}
        }
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    }
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn millis_to_text(ms: i64) -> String {
    stampcard_server::clock::ymdt(ms).to_string()
}

async fn account(command: AccountCommand) -> anyhow::Result<()> {
    let clock = Clock::system();
    match command {
        AccountCommand::Create { name, plan, json, database } => {
            let store = database.open().await?;
            let account_idx = admin::create_account(store.as_ref(), &clock, &name, plan).await?;
            let key = admin::create_api_key(store.as_ref(), &clock, account_idx, "first key").await?;
            if json.json {
                print_json(&serde_json::json!({ "accountIdx": account_idx, "apiKey": key.api_key }))
            } else {
                println!("account {account_idx} ({name}, {plan} plan) created");
                println!("API key (shown once, store it now): {}", key.api_key);
                Ok(())
            }
        }
    }
}

async fn key(command: KeyCommand) -> anyhow::Result<()> {
    let clock = Clock::system();
    match command {
        KeyCommand::Create { account, label, json, database } => {
            let store = database.open().await?;
            let key = admin::create_api_key(store.as_ref(), &clock, account, &label).await?;
            if json.json {
                print_json(&key)
            } else {
                println!(
                    "API key {} for account {account} (shown once, store it now): {}",
                    key.api_key_idx, key.api_key
                );
                Ok(())
            }
        }
        KeyCommand::Revoke { account, key_idx, json, database } => {
            let store = database.open().await?;
            let revoked = admin::revoke_api_key(store.as_ref(), &clock, account, key_idx).await?;
            if json.json {
                print_json(&serde_json::json!({ "accountIdx": account, "apiKeyIdx": key_idx, "revoked": revoked }))?;
            } else if revoked {
                println!("API key {key_idx} of account {account} revoked");
            }
            anyhow::ensure!(revoked, "account {account} has no live API key {key_idx}");
            Ok(())
        }
        KeyCommand::List { account, json, database } => {
            let store = database.open().await?;
            admin::account(store.as_ref(), account).await?;
            let keys = store.api_keys(account).await?;
            if json.json {
                let keys: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        serde_json::json!({
                            "apiKeyIdx": k.api_key_idx,
                            "prefix": k.key_prefix,
                            "label": k.label,
                            "regYmdt": millis_to_text(k.created_at),
                            "revokedYmdt": k.revoked_at.map(millis_to_text),
                        })
                    })
                    .collect();
                print_json(&keys)
            } else {
                for k in keys {
                    let state =
                        k.revoked_at.map_or_else(|| "live".to_owned(), |at| format!("revoked {}", millis_to_text(at)));
                    println!(
                        "{:>5}  {}…  {:<20}  created {}  {state}",
                        k.api_key_idx,
                        k.key_prefix,
                        k.label,
                        millis_to_text(k.created_at)
                    );
                }
                Ok(())
            }
        }
    }
}

/// A `Y`/`N` flag (kept as the one-byte `YesNo`, so the command enum stays small).
fn yes_no(value: &str) -> Result<YesNo, String> {
    match value {
        "Y" => Ok(YesNo::Y),
        "N" => Ok(YesNo::N),
        _ => Err("expected Y or N".to_owned()),
    }
}

async fn card(command: CardCommand) -> anyhow::Result<()> {
    let clock = Clock::system();
    match command {
        CardCommand::Create {
            account,
            card_nm,
            card_ttl,
            max_stamps,
            stamp_img_url,
            url,
            onsite_yn,
            onsite_pwd,
            cooldown_secs,
            max_adds_per_day,
            auto_renew_yn,
            json,
            database,
        } => {
            let store = database.open().await?;
            let request = CardCreateRequest {
                card_nm,
                card_ttl,
                max_stamps,
                stamp_img_url,
                url,
                onsite_yn: onsite_yn.map(|flag| if flag == "Y" { YesNo::Y } else { YesNo::N }),
                onsite_pwd,
                cooldown_secs: cooldown_secs.map(i64::from),
                max_adds_per_day: max_adds_per_day.map(i64::from),
                auto_renew_yn,
            };
            let card = admin::create_card(store.as_ref(), &clock, account, request).await?;
            if json.json {
                print_json(&card)
            } else {
                println!("card {} \"{}\" created ({} stamps)", card.card_idx, card.card_nm, card.max_stamps);
                Ok(())
            }
        }
        CardCommand::List { account, json, database } => {
            let store = database.open().await?;
            let cards = admin::list_cards(store.as_ref(), account).await?;
            if json.json {
                print_json(&cards)
            } else {
                for card in cards {
                    println!(
                        "{:>5}  {:<30}  {:>3} stamps  onsite {:?}  {}",
                        card.card_idx, card.card_nm, card.max_stamps, card.onsite_yn, card.card_ttl
                    );
                }
                Ok(())
            }
        }
    }
}

/// The password on standard input: its first line, without the line break.
fn password_from_stdin() -> anyhow::Result<String> {
    use std::io::BufRead as _;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    Ok(password.strip_suffix('\r').unwrap_or(password).to_owned())
}

async fn user(command: UserCommand) -> anyhow::Result<()> {
    let clock = Clock::system();
    match command {
        UserCommand::Create { account, email, role, password_stdin: _, json, database } => {
            let role = Role::parse(&role).context("the role must be owner or staff")?;
            let password = password_from_stdin()?;
            let store = database.open().await?;
            let user = users::create_user(store.as_ref(), &clock, account, &email, role, password).await?;
            if json.json {
                print_json(&user)
            } else {
                println!("{} user {} ({}) created for account {account}", role.as_str(), user.user_idx, user.email);
                Ok(())
            }
        }
        UserCommand::List { account, json, database } => {
            let store = database.open().await?;
            let list = users::list_users(store.as_ref(), account).await?;
            if json.json {
                print_json(&list)
            } else {
                for user in list {
                    println!(
                        "{:>5}  {:<6} {}  created {}",
                        user.user_idx,
                        user.role.as_str(),
                        user.email,
                        user.reg_ymdt
                    );
                }
                Ok(())
            }
        }
        UserCommand::ResetPassword { email, password_stdin: _, database } => {
            let password = password_from_stdin()?;
            let store = database.open().await?;
            users::reset_password(store.as_ref(), &clock, &email, password).await?;
            println!("password of {email} changed; its sessions are ended");
            Ok(())
        }
        UserCommand::Delete { email, database } => {
            let store = database.open().await?;
            users::delete_user(store.as_ref(), &clock, &email).await?;
            println!("user {email} deleted");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_defaults_are_the_documented_limits() {
        let cli = Cli::parse_from(["stampcard", "serve"]);
        let Command::Serve(args) = cli.command else { panic!("not serve") };
        assert_eq!(args.limits(), Limits::default());
    }

    #[test]
    fn seconds_accept_fractions_and_refuse_zero() {
        assert_eq!(seconds("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(seconds("10"), Ok(Duration::from_secs(10)));
        assert!(seconds("0").is_err());
        assert!(seconds("-1").is_err());
        assert!(seconds("ten").is_err());
    }
}

// webhooks

#[derive(Debug, Subcommand)]
enum WebhookCommand {
    /// Add an endpoint and print its signing secret (shown once).
    Create {
        /// The account.
        #[arg(long, env = "STAMPCARD_ACCOUNT")]
        account: i64,
        /// Where to POST (https; http and private addresses only with --allow-private).
        #[arg(long, env = "STAMPCARD_WEBHOOK_URL")]
        url: String,
        /// Only these event types (repeat the flag or separate with commas); default: every type.
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
        /// Only this card's stamps.
        #[arg(long)]
        card: Option<i64>,
        /// vivoldi (the hosted API's headers) or standard (Standard Webhooks).
        #[arg(long, default_value = "vivoldi")]
        format: String,
        /// Accept a loopback, private or http URL (the server must run with --webhook-allow-private to reach it).
        #[arg(long)]
        allow_private: bool,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List an account's endpoints (never their secrets).
    List {
        /// The account.
        #[arg(long, env = "STAMPCARD_ACCOUNT")]
        account: i64,
        #[command(flatten)]
        json: JsonFlag,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Start sending to an endpoint again.
    Enable(WebhookTarget),
    /// Stop queuing events for an endpoint.
    Disable(WebhookTarget),
    /// Replace an endpoint's secret (the old one signs too for 24 hours); prints the new one once.
    RotateSecret(WebhookTarget),
    /// Remove an endpoint and its delivery log.
    Delete(WebhookTarget),
}

#[derive(Debug, Args)]
struct WebhookTarget {
    /// The account.
    #[arg(long, env = "STAMPCARD_ACCOUNT")]
    account: i64,
    /// The endpoint (from `webhook list`).
    #[arg(long)]
    webhook: i64,
    #[command(flatten)]
    json: JsonFlag,
    #[command(flatten)]
    database: DatabaseArgs,
}

async fn webhook(command: WebhookCommand) -> anyhow::Result<()> {
    let clock = Clock::system();
    let (json, result) = match command {
        WebhookCommand::Create { account, url, events, card, format, allow_private, json, database } => {
            let store = database.open().await?;
            let request = stampcard_core::webhook::WebhookCreateRequest {
                url,
                events: (!events.is_empty()).then_some(events),
                card_idx: card,
                format: Some(format),
            };
            (json, webhook_cli::create(store.as_ref(), &clock, account, request, allow_private).await)
        }
        WebhookCommand::List { account, json, database } => {
            let store = database.open().await?;
            (json, webhook_cli::list(store.as_ref(), &clock, account).await)
        }
        WebhookCommand::Enable(t) => {
            let store = t.database.open().await?;
            (t.json, webhook_cli::set_enabled(store.as_ref(), &clock, t.account, t.webhook, true).await)
        }
        WebhookCommand::Disable(t) => {
            let store = t.database.open().await?;
            (t.json, webhook_cli::set_enabled(store.as_ref(), &clock, t.account, t.webhook, false).await)
        }
        WebhookCommand::RotateSecret(t) => {
            let store = t.database.open().await?;
            (t.json, webhook_cli::rotate(store.as_ref(), &clock, t.account, t.webhook).await)
        }
        WebhookCommand::Delete(t) => {
            let store = t.database.open().await?;
            (t.json, webhook_cli::delete(store.as_ref(), &clock, t.account, t.webhook).await)
        }
    };
    let value = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    if json.json {
        print_json(&value)
    } else {
        // The one-time secret is printed once, on its own line, and nowhere else.
        if let Some(secret) = value.get("secret").and_then(|s| s.as_str()) {
            println!("signing secret (shown once, store it now): {secret}");
        }
        let mut shown = value.clone();
        if let Some(object) = shown.as_object_mut() {
            object.remove("secret");
        }
        println!("{}", serde_json::to_string_pretty(&shown)?);
        Ok(())
    }
}
