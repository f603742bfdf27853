//! Reading stamps for the back office: `get`, `list` (keyset pages with an opaque cursor and
//! the `q` search), `export` (every matching stamp, page by page, as CSV or JSON Lines) and
//! `stats` (per-day figures from the history). Reads only: nothing here writes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Days, NaiveDate};
use stampcard_core::find::{
    ExportFormat, Filter, ListQuery, STAMP_VIEW_FIELDS, StampPage, StampView, StatsCounts, StatsDay, StatsQuery,
    StatsResult, status,
};
use stampcard_core::types::{YesNo, Ymd};
use stampcard_core::wire::PinState;
use stampcard_core::{ApiError, ErrorCode};

use super::stamp::validate_fields;
use crate::clock::ymdt;
use crate::error::Error;
use crate::secrets;
use crate::store::Store;
use crate::store::find::{FoundStamp, StampQuery};

/// Rows read per query while searching with `q` (each is matched in Rust).
pub const SCAN_BATCH: u32 = 500;
/// The most rows one list request with `q` reads before it answers: a short (or empty) page
/// with a `nextCursor` when the budget runs out first, so a search that matches little costs
/// every request the same bounded time. Keep following `nextCursor` until it is `null`.
pub const SCAN_BUDGET: usize = 5_000;
/// Rows per query of an export (one chunk of the streamed body).
pub const EXPORT_PAGE: u32 = 1_000;

/// The stamp as `get`, `list` and `export` show it, with its status on `today`.
pub fn view(found: &FoundStamp, public_url: &str, today: NaiveDate) -> StampView {
    let (stamp, card) = (&found.stamp, &found.card);
    StampView {
        stamp: validate_fields(stamp, card, public_url),
        status: status(&card.model(), &stamp.model(), today),
        redeemed_ymd: stamp.redeemed_on.map(Ymd),
        pin_state: stamp.pin_state,
        last_add_ymdt: found.last_add_at.map(ymdt),
        next_stamp_idx: stamp.next_stamp_idx,
    }
}

/// `GET /api/stamp/v1/get`: a stamp of the account in any state.
pub async fn get(
    store: &dyn Store,
    account_idx: i64,
    stamp_idx: i64,
    public_url: &str,
    today: NaiveDate,
) -> Result<StampView, Error> {
    let found = store.found_stamp(account_idx, stamp_idx).await?.ok_or(ErrorCode::StampNotFound)?;
    Ok(view(&found, public_url, today))
}

/// Refuses a `cardIdx` that is not one of the account's cards (another account's included),
/// so a filter on it is never mistaken for an empty card.
pub async fn check_card(store: &dyn Store, account_idx: i64, card_idx: Option<i64>) -> Result<(), Error> {
    if let Some(card_idx) = card_idx {
        store.card(account_idx, card_idx).await?.ok_or(ErrorCode::CardNotFound)?;
    }
    Ok(())
}

/// The SQL part of a filter (everything but `q`).
pub fn stamp_query(account_idx: i64, filter: &Filter, today: NaiveDate) -> StampQuery {
    StampQuery { account_idx, card_idx: filter.card_idx, status: filter.status, user_id: filter.user_id.clone(), today }
}

/// The cursor's check: the first 8 bytes of SHA-256 over what the cursor is bound to. Not a
/// secret (a forged cursor could only move within the caller's own stamps, which they may
/// list anyway); it refuses a cursor that was cut, altered, or made for another account or
/// another filter, instead of answering a page of something else.
fn cursor_check(account_idx: i64, filter: &Filter, after: i64) -> [u8; 8] {
    let bound = serde_json::json!([
        "stampcard list cursor v1",
        account_idx,
        filter.card_idx,
        filter.status.map(|s| s.as_str()),
        filter.q,
        filter.user_id,
        after,
    ]);
    let digest = secrets::sha256(bound.to_string().as_bytes());
    let mut check = [0u8; 8];
    check.copy_from_slice(&digest[..8]);
    check
}

/// The opaque cursor of the page that ended with stamp `after`.
pub fn encode_cursor(account_idx: i64, filter: &Filter, after: i64) -> String {
    let mut bytes = after.to_be_bytes().to_vec();
    bytes.extend_from_slice(&cursor_check(account_idx, filter, after));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stamp a cursor continues below, or `InvalidCursor`.
pub fn decode_cursor(account_idx: i64, filter: &Filter, cursor: &str) -> Result<i64, ApiError> {
    let invalid =
        |why: &str| ApiError::new(ErrorCode::InvalidCursor, format!("the cursor {why}; start again without a cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid("is not one this server issued"))?;
    if bytes.len() != 16 {
        return Err(invalid("is not one this server issued"));
    }
    let (idx, check) = bytes.split_at(8);
    let after = i64::from_be_bytes(idx.try_into().map_err(|_| invalid("is not one this server issued"))?);
    if after < 1 || check != cursor_check(account_idx, filter, after) {
        return Err(invalid("was altered, or belongs to another query (the filters must stay the same while paging)"));
    }
    Ok(after)
}

/// `GET /api/stamp/v1/list`: one page, newest first.
pub async fn list(
    store: &dyn Store,
    account_idx: i64,
    query: &ListQuery,
    public_url: &str,
    today: NaiveDate,
) -> Result<StampPage, Error> {
    let filter = &query.filter;
    let mut before = query.cursor.as_deref().map(|cursor| decode_cursor(account_idx, filter, cursor)).transpose()?;
    check_card(store, account_idx, filter.card_idx).await?;
    let sql = stamp_query(account_idx, filter, today);
    let limit = query.limit as usize;
    let (found, more) = if filter.q.is_none() {
        // One more row than the page says whether there is a next page.
        let mut rows = store.find_stamps(&sql, before, query.limit + 1).await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        before = rows.last().map(|row| row.stamp.stamp_idx);
        (rows, more)
    } else {
        search(store, &sql, filter, &mut before, limit).await?
    };
    let next_cursor = match (more, before) {
        (true, Some(after)) => Some(encode_cursor(account_idx, filter, after)),
        _ => None,
    };
    Ok(StampPage { items: found.iter().map(|row| view(row, public_url, today)).collect(), next_cursor })
}

/// Walks the filter's stamps below `before`, newest first, keeping those that match `q`,
/// until the page is full, the stamps run out or [`SCAN_BUDGET`] stamps were looked at. Only
/// the searched fields are read while walking; the matches are then read whole. Leaves in
/// `before` the last stamp looked at; returns the page and whether stamps may remain.
async fn search(
    store: &dyn Store,
    sql: &StampQuery,
    filter: &Filter,
    before: &mut Option<i64>,
    limit: usize,
) -> Result<(Vec<FoundStamp>, bool), Error> {
    let mut matched = Vec::new();
    let mut scanned = 0;
    let more = 'walk: loop {
        let rows = store.search_stamps(sql, *before, SCAN_BATCH).await?;
        let exhausted = rows.len() < SCAN_BATCH as usize;
        let count = rows.len();
        for (i, row) in rows.into_iter().enumerate() {
            scanned += 1;
            *before = Some(row.stamp_idx);
            if filter.matches_q([&row.user_id, &row.user_nm, &row.user_phnno, &row.user_eml, &row.memo]) {
                matched.push(row.stamp_idx);
                if matched.len() == limit {
                    break 'walk !(exhausted && i + 1 == count);
                }
            }
        }
        if exhausted {
            break false;
        }
        if scanned >= SCAN_BUDGET {
            break true;
        }
    };
    // A match deleted in between is left out; the page is then one short, never wrong.
    Ok((store.found_stamps(sql.account_idx, &matched).await?, more))
}

/// One export row as CSV (RFC 4180: quoted where needed, CRLF line ends), in the order of
/// [`STAMP_VIEW_FIELDS`] with the values `get` shows: text as is, numbers in decimal, `null`
/// as an empty field. Written field by field (not through a JSON value): exports run this
/// once per stamp.
pub fn csv_record(writer: &mut csv::Writer<Vec<u8>>, view: &StampView) -> Result<(), Error> {
    let v = &view.stamp;
    let number = |n: i64| n.to_string();
    let text = |t: &str| t.to_owned();
    let fields: [String; STAMP_VIEW_FIELDS.len()] = [
        number(v.stamp_idx),
        text(&v.domain),
        number(v.card_idx),
        text(&v.card_nm),
        text(&v.card_ttl),
        number(i64::from(v.stamps)),
        number(i64::from(v.max_stamps)),
        text(&v.stamp_url),
        text(&v.url),
        v.strt_ymd.to_string(),
        v.end_ymd.to_string(),
        text(yes_no(v.onsite_yn)),
        v.onsite_pwd.clone().unwrap_or_default(),
        text(&v.memo),
        text(yes_no(v.active_yn)),
        text(&v.user_id),
        text(&v.user_nm),
        text(&v.user_phnno),
        text(&v.user_eml),
        text(&v.user_etc1),
        text(&v.user_etc2),
        text(&v.stamp_img_url),
        v.reg_ymdt.to_string(),
        text(&v.payload_version),
        text(view.status.as_str()),
        view.redeemed_ymd.map(|day| day.to_string()).unwrap_or_default(),
        text(pin_state_name(view.pin_state)),
        view.last_add_ymdt.map(|at| at.to_string()).unwrap_or_default(),
        view.next_stamp_idx.map(|idx| idx.to_string()).unwrap_or_default(),
    ];
    writer.write_record(&fields).map_err(|e| Error::Internal(format!("export row: {e}")))
}

fn yes_no(flag: YesNo) -> &'static str {
    if flag.is_yes() { "Y" } else { "N" }
}

fn pin_state_name(pin: PinState) -> &'static str {
    match pin {
        PinState::Unset => "UNSET",
        PinState::Set => "SET",
        PinState::Reset => "RESET",
    }
}

/// A CSV writer into memory with the export's settings.
pub fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new())
}

/// The header row of a CSV export.
pub fn csv_header() -> Result<Vec<u8>, Error> {
    let mut writer = csv_writer();
    writer.write_record(STAMP_VIEW_FIELDS).map_err(|e| Error::Internal(format!("export header: {e}")))?;
    writer.into_inner().map_err(|e| Error::Internal(format!("export header: {e}")))
}

/// One page of an export, rendered.
pub fn render_page(
    rows: &[FoundStamp],
    format: ExportFormat,
    public_url: &str,
    today: NaiveDate,
) -> Result<Vec<u8>, Error> {
    match format {
        ExportFormat::Csv => {
            let mut writer = csv_writer();
            for row in rows {
                csv_record(&mut writer, &view(row, public_url, today))?;
            }
            writer.into_inner().map_err(|e| Error::Internal(format!("export page: {e}")))
        }
        ExportFormat::Jsonl => {
            let mut out = Vec::new();
            for row in rows {
                serde_json::to_writer(&mut out, &view(row, public_url, today))
                    .map_err(|e| Error::Internal(format!("export page: {e}")))?;
                out.push(b'\n');
            }
            Ok(out)
        }
    }
}

/// Unix ms of the start of a UTC day.
fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis())
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// `GET /api/stamp/v1/stats`: the history's figures per UTC day of the period (every day,
/// zeros included) and for the whole period.
pub async fn stats(store: &dyn Store, account_idx: i64, query: &StatsQuery) -> Result<StatsResult, Error> {
    check_card(store, account_idx, query.card_idx).await?;
    let from_ms = day_start_ms(query.from);
    let to_ms = day_start_ms(query.to.checked_add_days(Days::new(1)).unwrap_or(query.to));
    let (rows, customers) = store.stats(account_idx, query.card_idx, from_ms, to_ms).await?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let by_day: std::collections::HashMap<NaiveDate, StatsCounts> = rows
        .iter()
        .filter_map(|row| {
            let day = epoch.checked_add_days(Days::new(u64::try_from(row.day).ok()?))?;
            let counts = StatsCounts {
                adds: count(row.adds),
                removes: count(row.removes),
                redeems: count(row.redeems),
                created: count(row.created),
                customers: count(row.customers),
            };
            Some((day, counts))
        })
        .collect();
    let days: Vec<StatsDay> = query
        .days()
        .map(|day| StatsDay { ymd: Ymd(day), counts: by_day.get(&day).copied().unwrap_or_default() })
        .collect();
    let mut totals = days.iter().fold(StatsCounts::default(), |sum, day| StatsCounts {
        adds: sum.adds.saturating_add(day.counts.adds),
        removes: sum.removes.saturating_add(day.counts.removes),
        redeems: sum.redeems.saturating_add(day.counts.redeems),
        created: sum.created.saturating_add(day.counts.created),
        customers: 0,
    });
    totals.customers = count(customers);
    Ok(StatsResult { days, totals })
}

/// The name of an export file: `stamps-<card or all>-<today>.<csv|jsonl>`.
pub fn export_file_name(card_idx: Option<i64>, format: ExportFormat, today: NaiveDate) -> String {
    let scope = card_idx.map_or_else(|| "all".to_owned(), |card| format!("card{card}"));
    let extension = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Jsonl => "jsonl",
    };
    format!("stamps-{scope}-{}.{extension}", Ymd(today))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampcard_core::find::StampStatus;

    #[test]
    fn cursors_round_trip_and_refuse_tampering() {
        let filter = Filter { card_idx: Some(3), status: Some(StampStatus::Active), ..Filter::default() };
        let cursor = encode_cursor(7, &filter, 12345);
        assert_eq!(decode_cursor(7, &filter, &cursor), Ok(12345));
        let refused = |account: i64, filter: &Filter, cursor: &str| {
            decode_cursor(account, filter, cursor).expect_err(cursor).code
        };
        assert_eq!(refused(8, &filter, &cursor), ErrorCode::InvalidCursor, "another account");
        let other = Filter { status: Some(StampStatus::Full), ..filter.clone() };
        assert_eq!(refused(7, &other, &cursor), ErrorCode::InvalidCursor, "another filter");
        let forged = encode_cursor(7, &filter, 99);
        let spliced = format!("{}{}", &forged[..10], &cursor[10..]);
        assert_eq!(refused(7, &filter, &spliced), ErrorCode::InvalidCursor, "an altered id");
        for bad in ["", "!!!", "abc", &cursor[..cursor.len() - 1], &format!("{cursor}A")] {
            assert_eq!(refused(7, &filter, bad), ErrorCode::InvalidCursor, "{bad:?}");
        }
    }
}
