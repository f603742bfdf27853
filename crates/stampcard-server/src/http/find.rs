//! The back office's read endpoints (our extension): read any stamp, list and search, export,
//! per-day figures. Same API-key auth, rate limits, envelope and tenancy as the stamp API.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::NaiveDate;
use stampcard_core::ErrorCode;
use stampcard_core::find::{
    ExportFormat, ExportQuery, ListQuery, StampPage, StampView, StatsQuery, StatsResult, paths,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiCaller, query_idx};
use super::openapi::{AUTH, QUERY, Refusing};
use super::{ApiResult, AppState, ok};
use crate::error::Error;
use crate::ops::find::{self as find_ops, EXPORT_PAGE};
use crate::store::Store;
use crate::store::find::StampQuery;

/// Success; `result` is a stamp in any state.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EnvelopeStampView {
    /// 0 on success.
    #[schema(example = 0)]
    code: i32,
    /// Empty on success.
    #[schema(example = "")]
    message: String,
    /// The stamp.
    result: StampView,
}

/// Success; `result` is a page of stamps.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EnvelopeStampPage {
    /// 0 on success.
    #[schema(example = 0)]
    code: i32,
    /// Empty on success.
    #[schema(example = "")]
    message: String,
    /// The page.
    result: StampPage,
}

/// Success; `result` is the period's figures.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EnvelopeStats {
    /// 0 on success.
    #[schema(example = 0)]
    code: i32,
    /// Empty on success.
    #[schema(example = "")]
    message: String,
    /// The figures.
    result: StatsResult,
}

/// The read endpoints' routes, each with what it can refuse.
pub fn router() -> OpenApiRouter<AppState> {
    use ErrorCode::*;
    OpenApiRouter::new()
        .routes(routes!(get_stamp).refusing(&[AUTH, QUERY, &[StampNotFound]]))
        .routes(routes!(list).refusing(&[AUTH, QUERY, &[InvalidStatus, TooLong, InvalidCursor, CardNotFound]]))
        .routes(routes!(export).refusing(&[AUTH, QUERY, &[InvalidStatus, InvalidExportFormat, CardNotFound]]))
        .routes(routes!(stats).refusing(&[AUTH, QUERY, &[InvalidDate, PeriodOrder, PeriodTooLong, CardNotFound]]))
}

/// The query's pairs, percent-decoded.
fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect()
}

/// A stamp in any state (redeemed, inactive, upcoming, expired included): the validate fields
/// (`onsitePwd` always null) plus its `status` today, `redeemedYmd`, `pinState` and
/// `lastAddYmdt`.
#[utoipa::path(
    get, path = paths::GET, operation_id = "getStamp", tag = "find",
    params(("stampIdx" = i64, Query, minimum = 1, maximum = 9007199254740991_i64, description = "The stamp")),
    responses((status = 200, description = "The stamp", body = EnvelopeStampView)),
    security(("APIKey" = []))
)]
pub async fn get_stamp(State(state): State<AppState>, caller: ApiCaller, RawQuery(query): RawQuery) -> ApiResult {
    let stamp_idx = query_idx(query.as_deref(), "stampIdx")?;
    let view =
        find_ops::get(state.store.as_ref(), caller.account_idx, stamp_idx, &state.public_url, state.clock.today())
            .await?;
    ok(&view)
}

/// The account's stamps, newest first, a page at a time. Filters combine (AND): `cardIdx`,
/// `status` (on the server's today), `userId` (exact), `q` (case-insensitive substring of
/// userId, userNm, userPhnno, userEml or memo). Pass `nextCursor` back as `cursor` with the
/// same filters until it is null. With `q`, a page may hold fewer than `limit` stamps (even
/// none) while `nextCursor` is set: each request reads at most 5,000 stamps.
#[utoipa::path(
    get, path = paths::LIST, operation_id = "listStamps", tag = "find",
    params(
        ("cardIdx" = Option<i64>, Query, minimum = 1, maximum = 9007199254740991_i64, description = "Only this card's stamps"),
        ("status" = Option<String>, Query, pattern = "^(ACTIVE|FULL|REDEEMED|INACTIVE|UPCOMING|EXPIRED)?$", description = "Only stamps with this status today"),
        ("q" = Option<String>, Query, max_length = 254, description = "Case-insensitive substring of userId, userNm, userPhnno, userEml or memo"),
        ("userId" = Option<String>, Query, max_length = 100, description = "Exactly this userId"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "Stamps per page (default 50)"),
        ("cursor" = Option<String>, Query, description = "The previous page's nextCursor")
    ),
    responses((status = 200, description = "A page of stamps", body = EnvelopeStampPage)),
    security(("APIKey" = []))
)]
pub async fn list(State(state): State<AppState>, caller: ApiCaller, RawQuery(query): RawQuery) -> ApiResult {
    let query = ListQuery::parse(&pairs(query.as_deref()))?;
    let page = find_ops::list(state.store.as_ref(), caller.account_idx, &query, &state.public_url, state.clock.today())
        .await?;
    ok(&page)
}

/// Every matching stamp as a file, streamed page by page (never held whole in memory): CSV
/// (RFC 4180, UTF-8, a header row of the wire field names of `get`) or JSON Lines (one `get`
/// object per line). Refusals come before the first byte, in the envelope; a fault after it
/// cuts the stream (no terminating chunk), so a cut file is never taken for a whole one.
#[utoipa::path(
    get, path = paths::EXPORT, operation_id = "exportStamps", tag = "find",
    params(
        ("cardIdx" = Option<i64>, Query, minimum = 1, maximum = 9007199254740991_i64, description = "Only this card's stamps"),
        ("status" = Option<String>, Query, pattern = "^(ACTIVE|FULL|REDEEMED|INACTIVE|UPCOMING|EXPIRED)?$", description = "Only stamps with this status today"),
        ("format" = Option<String>, Query, pattern = "^(csv|jsonl)?$", description = "csv (default) or jsonl")
    ),
    responses((
        status = 200,
        description = "The file; `Content-Disposition` names it",
        content((String = "text/csv"), (String = "application/x-ndjson")),
        headers(("Content-Disposition" = String, description = "attachment; filename=\"stamps-<card>-<day>.<csv|jsonl>\""))
    )),
    security(("APIKey" = []))
)]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let query = ExportQuery::parse(&pairs(query.as_deref()))?;
    let store = state.store.clone();
    find_ops::check_card(store.as_ref(), caller.account_idx, query.filter.card_idx).await?;
    let today = state.clock.today();
    let (content_type, header_row) = match query.format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", find_ops::csv_header()?),
        ExportFormat::Jsonl => ("application/x-ndjson; charset=utf-8", Vec::new()),
    };
    let walk = Walk {
        store,
        query: find_ops::stamp_query(caller.account_idx, &query.filter, today),
        format: query.format,
        public_url: state.public_url.clone(),
        today,
        before: None,
        done: false,
        first: Some(header_row),
    };
    let stream = futures_util::stream::try_unfold(walk, Walk::next);
    let name = find_ops::export_file_name(query.filter.card_idx, query.format, today);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|e| Error::Internal(format!("export file name: {e}")))?;
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(stream))
        .map_err(|e| Error::Internal(format!("export response: {e}")))
}

/// Where an export's walk is: the next chunk is the header row, then one page per chunk.
struct Walk {
    store: Arc<dyn Store>,
    query: StampQuery,
    format: ExportFormat,
    public_url: Arc<str>,
    today: NaiveDate,
    before: Option<i64>,
    done: bool,
    first: Option<Vec<u8>>,
}

impl Walk {
    async fn next(mut self) -> Result<Option<(Bytes, Walk)>, std::io::Error> {
        if let Some(first) = self.first.take() {
            return Ok(Some((Bytes::from(first), self)));
        }
        if self.done {
            return Ok(None);
        }
        let rows = self.store.find_stamps(&self.query, self.before, EXPORT_PAGE).await.map_err(|error| {
            tracing::error!(%error, "export cut: reading a page failed");
            std::io::Error::other("export cut")
        })?;
        self.done = rows.len() < EXPORT_PAGE as usize;
        self.before = rows.last().map(|row| row.stamp.stamp_idx);
        let chunk = find_ops::render_page(&rows, self.format, &self.public_url, self.today).map_err(|error| {
            tracing::error!(%error, "export cut: rendering a page failed");
            std::io::Error::other("export cut")
        })?;
        Ok(Some((Bytes::from(chunk), self)))
    }
}

/// Per-day figures from the history for `from`..=`to` (UTC days, at most 366): adds,
/// removes, redeems, stamps created and distinct customers stamped (a customer is its userId,
/// or its stamp when the userId is empty), one entry per day including zeros, and the
/// period's totals (`customers` there counts each customer once). Deleted stamps take their
/// history with them.
#[utoipa::path(
    get, path = paths::STATS, operation_id = "stampStats", tag = "find",
    params(
        ("cardIdx" = Option<i64>, Query, minimum = 1, maximum = 9007199254740991_i64, description = "Only this card's stamps"),
        ("from" = String, Query, format = Date, description = "First day, YYYY-MM-DD (UTC)"),
        ("to" = String, Query, format = Date, description = "Last day, YYYY-MM-DD (UTC), at most 365 days after from")
    ),
    responses((status = 200, description = "The figures", body = EnvelopeStats)),
    security(("APIKey" = []))
)]
pub async fn stats(State(state): State<AppState>, caller: ApiCaller, RawQuery(query): RawQuery) -> ApiResult {
    let query = StatsQuery::parse(&pairs(query.as_deref()))?;
    ok(&find_ops::stats(state.store.as_ref(), caller.account_idx, &query).await?)
}
