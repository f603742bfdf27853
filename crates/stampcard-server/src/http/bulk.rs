//! The back office's many-stamp endpoints: bulk changes and the CSV import (our extension).
//! The import reads its own body: CSV, not JSON, and up to 5 MiB where every JSON body stops
//! at 64 KiB.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, Uri, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use stampcard_core::ErrorCode;
use stampcard_core::types::YesNo;
use stampcard_core::wire::{BulkRequest, BulkResult, ImportResult, paths};
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiCaller, IdempotencyKey, JsonRequest, query_idx};
use super::openapi::{AUTH, BODY, IDEMPOTENCY, QUERY, Refusing};
use super::{ApiResult, AppState};
use crate::error::Error;
use crate::ops::{self, bulk::IMPORT_MAX_BYTES};
use crate::store::op;

/// Imports that may read and parse their files at once in this server: each holds up to
/// 5 MiB of text and its parsed rows, so this bounds their memory together. Others wait
/// their turn (up to [`IMPORT_WAIT`]).
static IMPORTS: Semaphore = Semaphore::const_new(2);

/// How long an import waits for its turn before it is refused as busy.
const IMPORT_WAIT: Duration = Duration::from_secs(30);

/// The bulk and import routes, each with what it can refuse.
pub fn router() -> OpenApiRouter<AppState> {
    use ErrorCode::*;
    OpenApiRouter::new().routes(routes!(bulk).refusing(&[AUTH, BODY, IDEMPOTENCY, &[OutOfRange]])).routes(
        routes!(import).refusing(&[
            AUTH,
            QUERY,
            IDEMPOTENCY,
            &[
                InvalidFlag,
                RequestTimeout,
                ImportTooLarge,
                ImportNotCsv,
                ImportInvalidUtf8,
                ImportEmpty,
                ImportUnknownColumn,
                ImportDuplicateColumn,
                ImportMissingColumn,
                ImportTooManyRows,
                CardNotFound,
                CardRetired,
                Busy,
            ],
        ]),
    )
}

/// Success; `result` says what the bulk change did.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EnvelopeBulk {
    /// 0 on success.
    #[schema(example = 0)]
    code: i32,
    /// Empty on success.
    #[schema(example = "")]
    message: String,
    /// What was done.
    result: BulkResult,
}

/// Success; `result` says what the import created or would create, and which rows it refused.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EnvelopeImport {
    /// 0 on success.
    #[schema(example = 0)]
    code: i32,
    /// Empty on success.
    #[schema(example = "")]
    message: String,
    /// What was imported.
    result: ImportResult,
}

/// Delete, deactivate or activate 1 to 1,000 stamps in one transaction. Ids that are not the
/// account's stamps are listed in `missing`; stamps left as they were (already in that state,
/// or redeemed) in `unchanged`. `DEACTIVATE` and `ACTIVATE` write an `UPDATE` history event
/// per changed stamp.
#[utoipa::path(
    post, path = paths::BULK, operation_id = "bulkStamps", tag = "stamp",
    request_body = BulkRequest,
    responses((status = 200, description = "Done; `result` counts what changed", body = EnvelopeBulk)),
    security(("APIKey" = []))
)]
pub async fn bulk(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut request: JsonRequest<BulkRequest>,
) -> ApiResult {
    let change = request.value.check()?;
    let ctx = state.ctx(&caller);
    let idempotency = request.idempotency(caller.scope());
    state.write(op(move |tx| Box::pin(ops::bulk::bulk(tx, ctx, change))), idempotency).await
}

/// Create stamps on a card from a CSV file (`Content-Type: text/csv`, UTF-8, at most 5 MiB and
/// 5,000 rows): a header row naming columns among `userId, userNm, userPhnno, userEml,
/// userEtc1, userEtc2, memo, stamps, strtYmd, endYmd, activeYn` (any order; `strtYmd` and
/// `endYmd` required), then one row per stamp. Every row is checked like a create request; all
/// rows are created, or none: `refused` lists every refused row with its line and code.
/// `dryRun=Y` checks everything and writes nothing.
#[utoipa::path(
    post, path = paths::IMPORT, operation_id = "importStamps", tag = "stamp",
    params(
        ("cardIdx" = i64, Query, minimum = 1, maximum = 9007199254740991_i64, description = "The card the stamps are issued on"),
        ("dryRun" = Option<YesNo>, Query, description = "`Y`: check every row and write nothing (default `N`)")
    ),
    request_body(content = String, content_type = "text/csv", description = "The CSV file: a header row, then one row per stamp"),
    responses((status = 200, description = "Read; `result` says what was created or refused", body = EnvelopeImport)),
    security(("APIKey" = []))
)]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiCaller,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> ApiResult {
    let card_idx = query_idx(query.as_deref(), "cardIdx")?;
    let dry_run = dry_run(query.as_deref())?;
    check_content_type(&headers)?;
    let _turn = tokio::time::timeout(IMPORT_WAIT, IMPORTS.acquire())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| Error::retry_after(ErrorCode::Busy, "too many imports at once; retry in a moment", 5))?;
    let bytes = tokio::time::timeout(state.body_timeout, read_body(&headers, body)).await.map_err(|_| {
        Error::api(
            ErrorCode::RequestTimeout,
            format!("the request body did not arrive within {} seconds", state.body_timeout.as_secs_f64()),
        )
    })??;
    let key = IdempotencyKey::from_headers(&headers, &method, &uri, &bytes)?;
    let ctx = state.ctx(&caller);
    let today = ctx.today;
    // Parsing 5 MiB is CPU work: off the async threads, and before the write, so no
    // transaction waits on it.
    let file = tokio::task::spawn_blocking(move || ops::bulk::read_csv(&bytes, card_idx, today))
        .await
        .map_err(|e| Error::Internal(format!("the import's parser stopped: {e}")))??;
    // A dry run writes nothing, so it has nothing to replay.
    let idempotency = if dry_run { None } else { key.map(|key| key.scoped(caller.scope())) };
    state.write(op(move |tx| Box::pin(ops::bulk::import(tx, ctx, card_idx, file, dry_run))), idempotency).await
}

/// `dryRun`: absent is `N`; given once, `Y` or `N`.
fn dry_run(query: Option<&str>) -> Result<bool, Error> {
    let values: Vec<String> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(name, _)| name == "dryRun")
        .map(|(_, value)| value.into_owned())
        .collect();
    match values.as_slice() {
        [] => Ok(false),
        [value] if value == "Y" => Ok(true),
        [value] if value == "N" => Ok(false),
        [_] => Err(Error::api(ErrorCode::InvalidFlag, "the query parameter dryRun must be \"Y\" or \"N\"")),
        _ => Err(Error::api(
            ErrorCode::WrongType,
            format!("the query parameter dryRun must be given once, not {} times", values.len()),
        )),
    }
}

/// `text/csv`, with no charset or `charset=utf-8`.
fn check_content_type(headers: &HeaderMap) -> Result<(), Error> {
    let refuse = |what: &str| {
        Error::api(ErrorCode::ImportNotCsv, format!("the import body must be sent as text/csv in UTF-8, not {what}"))
    };
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(Error::api(ErrorCode::ImportNotCsv, "send the CSV file with Content-Type: text/csv"));
    };
    let value = value.to_str().map_err(|_| refuse("an unreadable Content-Type"))?;
    let mut parts = value.split(';').map(str::trim);
    if !parts.next().unwrap_or_default().eq_ignore_ascii_case("text/csv") {
        return Err(refuse(value));
    }
    for parameter in parts {
        let (name, charset) = parameter.split_once('=').unwrap_or((parameter, ""));
        let charset = charset.trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset") && !charset.eq_ignore_ascii_case("utf-8") {
            return Err(refuse(value));
        }
    }
    Ok(())
}

async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, Error> {
    let too_large = || {
        Error::api(
            ErrorCode::ImportTooLarge,
            format!("the CSV body is larger than {} MiB; split the file", IMPORT_MAX_BYTES / (1024 * 1024)),
        )
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > IMPORT_MAX_BYTES as u64) {
        return Err(too_large());
    }
    match Limited::new(body, IMPORT_MAX_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(error) => {
            Err(Error::api(ErrorCode::RequestTimeout, format!("the request body could not be read: {error}")))
        }
    }
}
