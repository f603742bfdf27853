//! The back office's reads (issue 10): stamps by filter, newest first, one keyset page at a
//! time; a stamp with its newest `ADD`; per-day figures from the history. Written once for
//! both databases like the rest of [`sql`](super::sql).
//!
//! Which index serves which filter (migrations `sqlite/0004_find.sql`, `postgres/0003_find.sql`):
//! every page is `ORDER BY stamp_idx DESC LIMIT n` below the cursor, so an index whose
//! entries are in `stamp_idx` order within the filtered value answers it without sorting
//! (SQLite appends `stamp_idx`, the rowid, to every index; PostgreSQL's indexes name it):
//! - no filter: `stamps_account` (SQLite), `stamps_account_newest` (PostgreSQL);
//! - `cardIdx`: `stamps_card` (SQLite), `stamps_card_newest` (PostgreSQL); with a status that
//!   depends on the day, `stamps_card_live` (the card's stamps neither redeemed nor inactive);
//! - `userId`: `stamps_account_user`;
//! - `status=REDEEMED`, `INACTIVE`: the partial indexes `stamps_redeemed`, `stamps_inactive`,
//!   which hold only such stamps;
//! - `status=ACTIVE`, `FULL`, `UPCOMING`, `EXPIRED`: these depend on the day, so no index
//!   can hold them; the walk goes down `stamps_live` (a partial index of the stamps neither
//!   redeemed nor inactive) and checks each one's dates and count;
//! - `q`: a substring, which no B-tree index can serve: the caller walks the other filters'
//!   pages and matches `q` itself, within a scan budget per request (`ops::find`);
//! - the newest `ADD` of each stamp: `stamp_events_stamp_action (stamp_idx, action, created_at)`;
//! - stats: `stamp_events_created (created_at)`.

use chrono::NaiveDate;
use stampcard_core::find::StampStatus;

use super::records::{CardRecord, StampRecord};

/// A value bound to a query: the column types these queries compare with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An id or Unix ms (`BIGINT`).
    Int(i64),
    /// `TEXT`.
    Text(String),
    /// `DATE` (`YYYY-MM-DD` text in SQLite).
    Day(NaiveDate),
}

/// SQL text with `$1`, `$2`... and their values in order. `sql.rs` runs it; this module knows
/// no connection, so it does not depend on the one that does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The text.
    pub sql: String,
    /// The values of its placeholders.
    pub params: Vec<Value>,
}

/// A stamp as the back office reads it: the stamp, its card and its newest `ADD`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FoundStamp {
    /// The stamp.
    #[sqlx(flatten)]
    pub stamp: StampRecord,
    /// Its card.
    #[sqlx(flatten)]
    pub card: CardRecord,
    /// Unix ms of the newest `ADD` event, if any.
    pub last_add_at: Option<i64>,
}

/// The fields a `q` search matches, with the stamp's id.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SearchRow {
    /// The stamp.
    pub stamp_idx: i64,
    /// `userId`.
    pub user_id: String,
    /// `userNm`.
    pub user_nm: String,
    /// `userPhnno`.
    pub user_phnno: String,
    /// `userEml`.
    pub user_eml: String,
    /// `memo`.
    pub memo: String,
}

/// What a page selects in SQL (the `q` search is matched by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampQuery {
    /// The account (always).
    pub account_idx: i64,
    /// Only this card.
    pub card_idx: Option<i64>,
    /// Only this status on `today`.
    pub status: Option<StampStatus>,
    /// Exactly this `userId`.
    pub user_id: Option<String>,
    /// The day statuses are judged on.
    pub today: NaiveDate,
}

/// One day's figures as counted in SQL.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayRow {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    /// `ADD` events.
    pub adds: i64,
    /// `REMOVE` events.
    pub removes: i64,
    /// `USE` events.
    pub redeems: i64,
    /// `CREATE` events.
    pub created: i64,
    /// Distinct customers with an `ADD`.
    pub customers: i64,
}

/// A count, as `... AS n` (`BIGINT` on PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct BigCount {
    pub(crate) n: i64,
}

/// The newest `ADD` of the row's stamp.
const LAST_ADD: &str = "(SELECT MAX(e.created_at) FROM stamp_events e WHERE e.stamp_idx = s.stamp_idx AND e.action = 'ADD') AS last_add_at";

/// A stamp usable on the day `$day` (neither redeemed nor inactive, inside its window). The
/// flags are written as literals, so SQLite can use the partial indexes whose conditions
/// they repeat.
fn live(day: &str) -> String {
    format!("s.redeemed_ymd IS NULL AND s.active_yn = TRUE AND s.strt_ymd <= {day} AND s.end_ymd >= {day}")
}

/// The SQL condition of a status on the day in placeholder `day`: the same decision as
/// `stampcard_core::find::status`, in its precedence order (a test checks they agree).
fn status_condition(status: StampStatus, day: &str) -> String {
    match status {
        StampStatus::Redeemed => "s.redeemed_ymd IS NOT NULL".to_owned(),
        StampStatus::Inactive => "s.redeemed_ymd IS NULL AND s.active_yn = FALSE".to_owned(),
        StampStatus::Upcoming => format!("s.redeemed_ymd IS NULL AND s.active_yn = TRUE AND s.strt_ymd > {day}"),
        StampStatus::Expired => {
            format!("s.redeemed_ymd IS NULL AND s.active_yn = TRUE AND s.strt_ymd <= {day} AND s.end_ymd < {day}")
        }
        StampStatus::Full => format!("{} AND s.stamps >= c.max_stamps", live(day)),
        StampStatus::Active => format!("{} AND s.stamps < c.max_stamps", live(day)),
    }
}

/// `SELECT {select}` of up to `limit` stamps matching `query` with ids below `before`,
/// newest first.
fn page_of(select: &str, query: &StampQuery, before: Option<i64>, limit: u32) -> Query {
    fn next(value: Value, params: &mut Vec<Value>) -> String {
        params.push(value);
        format!("${}", params.len())
    }
    // With a card (and no userId, whose index is narrower), the card's index must lead: the
    // stamps of a card are all of one account, and SQLite, which keeps no statistics here,
    // would otherwise walk the whole account. A unary `+` keeps a column out of index choice
    // (in both databases) without changing the condition.
    let account = if query.card_idx.is_some() && query.user_id.is_none() { "+s.account_idx" } else { "s.account_idx" };
    let mut conditions = vec![format!("{account} = $1")];
    let mut params = vec![Value::Int(query.account_idx)];
    if let Some(card_idx) = query.card_idx {
        let mark = next(Value::Int(card_idx), &mut params);
        conditions.push(format!("s.card_idx = {mark}"));
    }
    if let Some(user_id) = &query.user_id {
        let mark = next(Value::Text(user_id.clone()), &mut params);
        conditions.push(format!("s.user_id = {mark}"));
    }
    if let Some(status) = query.status {
        let mark = next(Value::Day(query.today), &mut params);
        conditions.push(status_condition(status, &mark));
    }
    if let Some(before) = before {
        let mark = next(Value::Int(before), &mut params);
        conditions.push(format!("s.stamp_idx < {mark}"));
    }
    let limit_mark = next(Value::Int(i64::from(limit)), &mut params);
    let sql = format!(
        "SELECT {select} FROM stamps s JOIN cards c ON c.card_idx = s.card_idx \
         WHERE {} ORDER BY s.stamp_idx DESC LIMIT {limit_mark}",
        conditions.join(" AND ")
    );
    Query { sql, params }
}

/// Up to `limit` stamps matching `query` with ids below `before`, newest first, whole.
/// `card_fields` are the card's columns as `sql.rs` selects them for a `CardRecord`.
pub(crate) fn page(card_fields: &str, query: &StampQuery, before: Option<i64>, limit: u32) -> Query {
    page_of(&format!("s.*, {card_fields}, {LAST_ADD}"), query, before, limit)
}

/// The searched fields of up to `limit` stamps matching `query` below `before`, newest first:
/// what a `q` search reads of every stamp it looks at (the matches are then read whole).
pub(crate) fn search_page(query: &StampQuery, before: Option<i64>, limit: u32) -> Query {
    page_of("s.stamp_idx, s.user_id, s.user_nm, s.user_phnno, s.user_eml, s.memo", query, before, limit)
}

/// These stamps of the account, whole, newest first.
pub(crate) fn by_ids(card_fields: &str, account_idx: i64, stamp_idxs: &[i64]) -> Query {
    let marks: Vec<String> = (2..stamp_idxs.len() + 2).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT s.*, {card_fields}, {LAST_ADD} FROM stamps s JOIN cards c ON c.card_idx = s.card_idx \
         WHERE s.account_idx = $1 AND s.stamp_idx IN ({}) ORDER BY s.stamp_idx DESC",
        marks.join(", ")
    );
    let params = std::iter::once(account_idx).chain(stamp_idxs.iter().copied()).map(Value::Int).collect();
    Query { sql, params }
}

/// One stamp of the account with its card and newest `ADD`.
pub(crate) fn one(card_fields: &str, account_idx: i64, stamp_idx: i64) -> Query {
    Query {
        sql: format!(
            "SELECT s.*, {card_fields}, {LAST_ADD} FROM stamps s JOIN cards c ON c.card_idx = s.card_idx \
             WHERE s.account_idx = $1 AND s.stamp_idx = $2"
        ),
        params: vec![Value::Int(account_idx), Value::Int(stamp_idx)],
    }
}

/// Who a customer is: the `userId` when set, otherwise the stamp (prefixed, so a `userId`
/// that looks like a stamp id cannot collide with one).
const CUSTOMER: &str = "CASE WHEN e.action = 'ADD' THEN (CASE WHEN s.user_id <> '' THEN 'u:' || s.user_id \
     ELSE 's:' || CAST(s.stamp_idx AS TEXT) END) END";

/// The history of the account's (or one card's) stamps in `[from_ms, to_ms)`.
fn events_where(
    account_idx: i64,
    card_idx: Option<i64>,
    (from_ms, to_ms): (i64, i64),
    select: &str,
    tail: &str,
) -> Query {
    let card = if card_idx.is_some() { " AND s.card_idx = $4" } else { "" };
    let sql = format!(
        "SELECT {select} FROM stamp_events e JOIN stamps s ON s.stamp_idx = e.stamp_idx \
         WHERE s.account_idx = $1 AND e.created_at >= $2 AND e.created_at < $3{card}{tail}"
    );
    let mut params = vec![Value::Int(account_idx), Value::Int(from_ms), Value::Int(to_ms)];
    params.extend(card_idx.map(Value::Int));
    Query { sql, params }
}

/// Per-day counts of the history in `[from_ms, to_ms)`, one row per day that has events.
pub(crate) fn stats_days(account_idx: i64, card_idx: Option<i64>, from_ms: i64, to_ms: i64) -> Query {
    let count = |action: &str| format!("SUM(CASE WHEN e.action = '{action}' THEN 1 ELSE 0 END)");
    let select = format!(
        "e.created_at / 86400000 AS day, {} AS adds, {} AS removes, {} AS redeems, {} AS created, \
         COUNT(DISTINCT {CUSTOMER}) AS customers",
        count("ADD"),
        count("REMOVE"),
        count("USE"),
        count("CREATE"),
    );
    events_where(account_idx, card_idx, (from_ms, to_ms), &select, " GROUP BY e.created_at / 86400000")
}

/// Distinct customers stamped in `[from_ms, to_ms)`.
pub(crate) fn stats_customers(account_idx: i64, card_idx: Option<i64>, from_ms: i64, to_ms: i64) -> Query {
    events_where(account_idx, card_idx, (from_ms, to_ms), &format!("COUNT(DISTINCT {CUSTOMER}) AS n"), "")
}
