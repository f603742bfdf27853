//! Benchmark (run by `cargo xtask bench`, not a test): list pages of a shop with 100,000
//! stamps on SQLite, through HTTP on loopback: all stamps, by card, by each status, by
//! userId, searched with `q` (a rare match within a card, a common match, no match), and deep
//! in the walk (a cursor near the oldest stamp). Each kind of page has a budget (below);
//! `cargo xtask bench` reports the kinds over it.
//!
//! The stamps are written straight into the database in one transaction (10 cards; a mix of
//! statuses: 10% redeemed, 5% inactive, 1% upcoming, 20% expired, the rest active or full;
//! 40,000 distinct customers; a CREATE and an ADD in the history of each).
//!
//! Prints one JSON line at the end: `{"stamps", "pages": [{"name", "p50Ms", "p95Ms", "items",
//! "budgetMs"}], "over": [names of the kinds whose median is over budget]}`. The budget is on
//! the median: the 95th percentile is printed too, but on a shared machine it measures the
//! neighbours. Talks to 127.0.0.1 only and stops by itself.

use std::time::Instant;

use serde_json::{Value, json};
use sqlx::Connection;
use stampcard_core::find::{Filter, StampStatus};
use stampcard_server::Server;
use stampcard_server::clock::Clock;
use stampcard_server::config::ServerConfig;
use stampcard_server::ops::{admin, find};
use stampcard_server::plan::Plan;
use stampcard_server::store::{self, StoreOptions};

/// Stamps in the shop.
const STAMPS: i64 = 100_000;
/// Cards they are spread over.
const CARDS: usize = 10;
/// Timed requests per page kind (after warm-up requests).
const RUNS: usize = 40;
const WARM_UP: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("find.db");
    let database_url = format!("sqlite://{}", path.display());
    let store = store::open(&database_url, &StoreOptions::default()).await?;
    let clock = Clock::system();
    let account = admin::create_account(store.as_ref(), &clock, "Bench", Plan::Enterprise).await?;
    let key = admin::create_api_key(store.as_ref(), &clock, account, "bench").await?.api_key;
    let www = dir.path().join("www");
    let config =
        ServerConfig { listen: "127.0.0.1:0".parse()?, www_dir: www, rate_limit: false, ..ServerConfig::default() };
    let server = Server::start(&config, store.clone()).await?;
    let url = server.url();
    let client = reqwest::Client::new();
    let auth = format!("APIKey {key}");
    let mut cards = Vec::new();
    for n in 0..CARDS {
        let card: Value = client
            .post(format!("{url}/api/stamp/v1/card/create"))
            .header("Authorization", &auth)
            .json(&json!({"cardNm": format!("Card {n}"), "maxStamps": 10}))
            .send()
            .await?
            .json()
            .await?;
        cards.push(card["result"]["cardIdx"].as_i64().ok_or_else(|| anyhow::anyhow!("no cardIdx: {card}"))?);
    }
    let started = Instant::now();
    fill(&database_url, account, &cards).await?;
    eprintln!("filled {STAMPS} stamps and {} history events in {:.1} s", STAMPS * 2, started.elapsed().as_secs_f64());

    // The oldest stamps: a cursor just above them starts a page at the very end of the walk.
    let oldest = 1;
    let deep = |filter: &Filter| find::encode_cursor(account, filter, oldest + 200);
    // Card 3 holds expired stamps (i % 10 = 3 means i % 5 = 3); card 4 holds none, so a page
    // of its expired stamps walks all of its live ones.
    let card = cards[4];
    let card_with_expired = cards[3];
    let upcoming = Filter { status: Some(StampStatus::Upcoming), ..Filter::default() };
    let expired_on_card = Filter { card_idx: Some(card), status: Some(StampStatus::Expired), ..Filter::default() };
    // Budgets (median over HTTP on loopback): a page an index answers, in single-digit
    // milliseconds; a `q` search that finds its page (it reads the searched fields of
    // 500 stamps at a time); a page of 500; a walk that finds few or no matches (a `q` search up to its
    // scan budget, or a day-dependent status absent from a card, which reads the card's live
    // stamps).
    const INDEXED: f64 = 10.0;
    const SEARCH: f64 = 25.0;
    const BIG_PAGE: f64 = 50.0;
    const WALK: f64 = 100.0;
    let kinds: Vec<(&str, String, f64)> = vec![
        ("all stamps", "limit=50".to_owned(), INDEXED),
        ("by card", format!("cardIdx={card}&limit=50"), INDEXED),
        ("status ACTIVE", "status=ACTIVE&limit=50".to_owned(), INDEXED),
        ("status FULL", "status=FULL&limit=50".to_owned(), INDEXED),
        ("status REDEEMED", "status=REDEEMED&limit=50".to_owned(), INDEXED),
        ("status INACTIVE", "status=INACTIVE&limit=50".to_owned(), INDEXED),
        ("status UPCOMING", "status=UPCOMING&limit=50".to_owned(), INDEXED),
        ("status EXPIRED", "status=EXPIRED&limit=50".to_owned(), INDEXED),
        ("card + status EXPIRED", format!("cardIdx={card_with_expired}&status=EXPIRED&limit=50"), INDEXED),
        ("card + status, no match", format!("cardIdx={card}&status=EXPIRED&limit=50"), WALK),
        ("by userId", "userId=cust-12345&limit=50".to_owned(), INDEXED),
        ("q, 1 stamp in 7 matches", "q=PAPER%20card&limit=50".to_owned(), SEARCH),
        ("q, 1 match in a card", format!("cardIdx={card}&q=customer%2099994&limit=50"), WALK),
        ("q, no match (scan budget)", "q=nobody-at-all&limit=50".to_owned(), WALK),
        ("limit 500", "limit=500".to_owned(), BIG_PAGE),
        ("deep cursor", format!("limit=50&cursor={}", deep(&Filter::default())), INDEXED),
        ("deep cursor UPCOMING", format!("status=UPCOMING&limit=50&cursor={}", deep(&upcoming)), INDEXED),
        (
            "deep cursor card + EXPIRED",
            format!("cardIdx={card}&status=EXPIRED&limit=50&cursor={}", deep(&expired_on_card)),
            INDEXED,
        ),
    ];
    let mut pages = Vec::new();
    let mut over = Vec::new();
    for (name, query, budget) in &kinds {
        let mut times = Vec::new();
        let mut items = 0;
        for run in 0..WARM_UP + RUNS {
            let start = Instant::now();
            let page: Value = client
                .get(format!("{url}/api/stamp/v1/list?{query}"))
                .header("Authorization", &auth)
                .send()
                .await?
                .json()
                .await?;
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            anyhow::ensure!(page["code"] == 0, "{name}: refused: {page}");
            items = page["result"]["items"].as_array().map_or(0, Vec::len);
            if run >= WARM_UP {
                times.push(elapsed);
            }
        }
        times.sort_by(f64::total_cmp);
        let p50 = times[times.len() / 2];
        let p95 = times[(times.len() * 95).div_ceil(100) - 1];
        if p50 > *budget {
            over.push(*name);
        }
        eprintln!("{name:<28} p50 {p50:6.2} ms  p95 {p95:6.2} ms  ({items} items; budget p50 {budget} ms)");
        pages.push(json!({"name": name, "p50Ms": round(p50), "p95Ms": round(p95), "items": items, "budgetMs": budget}));
    }
    server.stop().await?;
    println!("{}", json!({"stamps": STAMPS, "pages": pages, "over": over}));
    Ok(())
}

fn round(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

/// Writes the stamps and their history in one transaction.
async fn fill(database_url: &str, account: i64, cards: &[i64]) -> anyhow::Result<()> {
    let mut conn = sqlx::SqliteConnection::connect(database_url).await?;
    let mut tx = conn.begin().await?;
    // CASE over i % 10 picks each stamp's card from the ids the API gave.
    let card_of = cards.iter().enumerate().map(|(n, id)| format!("WHEN {n} THEN {id}")).collect::<Vec<_>>().join(" ");
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {STAMPS}) \
         INSERT INTO stamps (account_idx, card_idx, token, stamps, strt_ymd, end_ymd, active_yn, redeemed_ymd, memo, \
         user_id, user_nm, user_phnno, user_eml, user_etc1, user_etc2, pin_state, created_at) \
         SELECT {account}, CASE i % {n_cards} {card_of} END, 'bench-token-' || i, \
         CASE WHEN i % 10 = 0 THEN 10 ELSE i % 11 END, \
         CASE WHEN i % 100 = 2 THEN '2099-01-01' ELSE '2020-01-01' END, \
         CASE WHEN i % 5 = 3 THEN '2021-12-31' ELSE '2099-12-31' END, \
         CASE WHEN i % 20 = 1 THEN 0 ELSE 1 END, \
         CASE WHEN i % 10 = 0 THEN '2021-06-01' ELSE NULL END, \
         CASE WHEN i % 7 = 0 THEN 'paper card moved over' ELSE '' END, \
         'cust-' || (i % 40000), 'Customer ' || i, '010-' || (1000 + i % 9000) || '-' || (1000 + i % 8999), \
         'c' || i || '@example.com', '', '', 'UNSET', 1700000000000 + i FROM n",
        n_cards = cards.len()
    );
    sqlx::query(&sql).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO stamp_events (stamp_idx, action, stamps_before, stamps_after, actor, created_at) \
         SELECT stamp_idx, 'CREATE', 0, 0, 'API_KEY', created_at FROM stamps",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO stamp_events (stamp_idx, action, stamps_before, stamps_after, actor, created_at) \
         SELECT stamp_idx, 'ADD', stamps - 1, stamps, 'API_KEY', created_at + 60000 FROM stamps WHERE stamps > 0",
    )
    .execute(&mut *tx)
    .await?;
    // No ANALYZE: the server never runs one, so the planner here sees what it sees there.
    tx.commit().await?;
    Ok(())
}
