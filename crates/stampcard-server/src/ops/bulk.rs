//! The back office's many-stamp writes: bulk changes (`POST /api/stamp/v1/bulk`) and the CSV
//! import (`POST /api/stamp/v1/import`). Each is one write job, so it commits or vanishes whole,
//! with its history and its idempotency record, like every other write.
//!
//! The import reads the file before the write ([`read_csv`]: no transaction is open while
//! 5 MiB of text are parsed), runs every row through the create API's own parser and checks
//! (`stampcard_core::parse::json` and `CreateStampRequest::check`), and creates the stamps
//! with the create API's [`stamp::insert`] path, so every rule of stamp creation applies.

use chrono::NaiveDate;
use serde_json::{Map, Value};
use stampcard_core::input::{self, BulkChange, NewStamp, StampPatch};
use stampcard_core::model::{PinState, Stamp};
use stampcard_core::rules;
use stampcard_core::types::YesNo;
use stampcard_core::wire::{BulkAction, BulkResult, CreateStampRequest, HistoryAction, ImportRefusal, ImportResult};
use stampcard_core::{ApiError, ErrorCode, parse};

use super::{Ctx, stamp};
use crate::error::Error;
use crate::secrets;
use crate::store::{Decision, OpOutput, Tx};

/// `POST /api/stamp/v1/bulk`. Ids are visited in ascending order (the order PostgreSQL locks
/// their rows in, so two bulk changes over the same stamps cannot deadlock). Activation goes
/// through the core's update rule, as `PUT /api/stamp/v1/update {"activeYn"}` does, and writes
/// the same `UPDATE` history event; a stamp the rule leaves as it was (already in that state,
/// or redeemed, which is final) is `unchanged` and gets no event.
pub async fn bulk(tx: &mut dyn Tx, ctx: Ctx, change: BulkChange) -> OpOutput {
    let mut result = BulkResult { affected: 0, missing: Vec::new(), unchanged: Vec::new() };
    let active = match change.action {
        BulkAction::Delete => None,
        BulkAction::Activate => Some(true),
        BulkAction::Deactivate => Some(false),
    };
    for stamp_idx in change.stamp_idxs {
        let Some(active) = active else {
            match tx.stamp(ctx.account_idx, stamp_idx).await? {
                Some(found) => {
                    // webhooks: announced before the row goes (the event carries its last fields).
                    let by = ctx.event(found.stamp_idx, HistoryAction::Update, found.stamps, found.stamps);
                    tx.webhook_stamp_deleted(&by).await?;
                    tx.delete_stamp(found.stamp_idx).await?;
                    result.affected += 1;
                }
                None => result.missing.push(stamp_idx),
            }
            continue;
        };
        let Some((mut found, card)) = tx.stamp_and_card(ctx.account_idx, stamp_idx).await? else {
            result.missing.push(stamp_idx);
            continue;
        };
        let before = found.model();
        let patch = StampPatch { active: Some(active), ..StampPatch::default() };
        let next = match rules::update(&card.model(), &before, &patch, ctx.today) {
            Ok(next) => next,
            Err(refusal) if refusal.code == ErrorCode::AlreadyRedeemed => before.clone(),
            Err(refusal) => {
                return Err(Error::from(ApiError::new(
                    refusal.code,
                    format!("stamp {stamp_idx}: {}", refusal.message),
                )));
            }
        };
        if next == before {
            result.unchanged.push(stamp_idx);
            continue;
        }
        found.apply(&next);
        tx.update_stamp(&found).await?;
        tx.append_event(&ctx.event(stamp_idx, HistoryAction::Update, before.stamps, found.stamps)).await?;
        result.affected += 1;
    }
    Decision::done(&result)
}

/// The largest CSV body one import takes.
pub const IMPORT_MAX_BYTES: usize = 5 * 1024 * 1024;

/// The most data rows one import takes: it holds the (single, on SQLite) writer while it
/// creates them, so a bigger file is refused rather than stall every other write (see
/// docs/api.md for the measured time).
pub const IMPORT_MAX_ROWS: usize = 5_000;

/// The columns an import file may have, named like the create API's fields (plus `stamps`,
/// the count to start with).
pub const IMPORT_COLUMNS: [&str; 11] = [
    "userId",
    "userNm",
    "userPhnno",
    "userEml",
    "userEtc1",
    "userEtc2",
    "memo",
    "stamps",
    "strtYmd",
    "endYmd",
    "activeYn",
];

/// The columns the header must have: the create API requires these fields.
pub const IMPORT_REQUIRED: [&str; 2] = ["strtYmd", "endYmd"];

/// One valid row, ready to create.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// Its physical line in the file.
    pub line: u64,
    /// The checked create command.
    pub new: NewStamp,
    /// The count to start with.
    pub stamps: u32,
    /// The new stamp's page token.
    pub token: String,
}

/// A CSV file read and checked row by row, before the write.
#[derive(Debug, Clone, Default)]
pub struct ImportFile {
    /// The data rows read.
    pub rows: u32,
    /// The rows that passed the create API's checks.
    pub valid: Vec<ImportRow>,
    /// The rows that did not.
    pub refused: Vec<ImportRefusal>,
}

/// Reads an import file: UTF-8 (a leading byte-order mark is skipped), a header row naming
/// known columns once each (any order; [`IMPORT_REQUIRED`] among them), then rows with as many
/// fields as the header. An empty field is an absent one: the create API's default applies.
/// A problem with the file as a whole is a refusal; a problem with a row is listed in
/// [`ImportFile::refused`] with the code the create API answers for the same fault.
pub fn read_csv(body: &[u8], card_idx: i64, today: NaiveDate) -> Result<ImportFile, Error> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if let Err(error) = std::str::from_utf8(body) {
        let valid = body.get(..error.valid_up_to()).unwrap_or_default();
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        return Err(Error::api(
            ErrorCode::ImportInvalidUtf8,
            format!("the CSV is not valid UTF-8 (line {line}); save the file as UTF-8"),
        ));
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    let mut records = reader.records();
    let header = match records.next() {
        Some(record) => record.map_err(unreadable)?,
        None => return Err(Error::api(ErrorCode::ImportEmpty, "the CSV is empty; it needs a header row")),
    };
    let columns = header_columns(&header)?;
    let mut file = ImportFile::default();
    for record in records {
        let record = record.map_err(unreadable)?;
        let line = record.position().map_or(0, csv::Position::line);
        if file.rows as usize >= IMPORT_MAX_ROWS {
            return Err(Error::api(
                ErrorCode::ImportTooManyRows,
                format!("the CSV has more than {IMPORT_MAX_ROWS} data rows (line {line}); split the file"),
            ));
        }
        file.rows += 1;
        if record.len() != columns.len() {
            file.refused.push(ImportRefusal {
                line,
                code: ErrorCode::ImportFieldCount.code(),
                message: format!("the row has {} fields; the header has {}", record.len(), columns.len()),
            });
            continue;
        }
        match read_row(&columns, &record, card_idx, today) {
            Ok((new, stamps)) => file.valid.push(ImportRow { line, new, stamps, token: secrets::random_token() }),
            Err(error) => file.refused.push(ImportRefusal { line, code: error.code.code(), message: error.message }),
        }
    }
    if file.rows == 0 {
        return Err(Error::api(ErrorCode::ImportEmpty, "the CSV has a header row but no data rows"));
    }
    Ok(file)
}

/// The header's column names, each known and named once, the required ones present.
fn header_columns(header: &csv::StringRecord) -> Result<Vec<&'static str>, Error> {
    let mut columns: Vec<&'static str> = Vec::with_capacity(header.len());
    for name in header.iter().map(str::trim) {
        let Some(column) = IMPORT_COLUMNS.iter().copied().find(|known| *known == name) else {
            return Err(Error::api(
                ErrorCode::ImportUnknownColumn,
                format!(
                    "the CSV header names an unknown column {name:?}; the columns are {}",
                    IMPORT_COLUMNS.join(", ")
                ),
            ));
        };
        if columns.contains(&column) {
            return Err(Error::api(ErrorCode::ImportDuplicateColumn, format!("the CSV header names {column} twice")));
        }
        columns.push(column);
    }
    if let Some(missing) = IMPORT_REQUIRED.iter().find(|required| !columns.contains(required)) {
        return Err(Error::api(
            ErrorCode::ImportMissingColumn,
            format!("the CSV header lacks the column {missing}; {} are required", IMPORT_REQUIRED.join(" and ")),
        ));
    }
    Ok(columns)
}

/// One row as the create API would see it: its fields become the JSON body a client would
/// send, which the create API's own parser and checks read. Row errors come in the create
/// API's order (the body's fields, then `stamps`).
fn read_row(
    columns: &[&'static str],
    record: &csv::StringRecord,
    card_idx: i64,
    today: NaiveDate,
) -> Result<(NewStamp, u32), ApiError> {
    let mut body = Map::new();
    body.insert("cardIdx".to_owned(), Value::from(card_idx));
    let mut count = "";
    for (column, value) in columns.iter().zip(record.iter()) {
        if *column == "stamps" {
            count = value;
        } else if !value.is_empty() {
            body.insert((*column).to_owned(), Value::from(value));
        }
    }
    let body = serde_json::to_vec(&body).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let request = parse::json::<CreateStampRequest>(&body)?;
    let checked = request.check(today);
    let count = input::import_count(count);
    match (checked, count) {
        (Ok(new), Ok(count)) => Ok((new, count)),
        (Err(mut errors), count) => {
            errors.0.extend(count.err());
            Err(ApiError::from(errors))
        }
        (Ok(_), Err(error)) => Err(ApiError::new(error.code, error.message)),
    }
}

fn unreadable(error: csv::Error) -> Error {
    // The body is valid UTF-8 and rows may have any length, so the reader has nothing left to
    // refuse; should that change, the client still gets a clear refusal rather than a fault.
    let line = error.position().map_or(0, csv::Position::line);
    Error::api(ErrorCode::ImportInvalidUtf8, format!("the CSV could not be read at line {line}: {error}"))
}

/// `POST /api/stamp/v1/import`: creates every valid row's stamp, unless a row was refused
/// (then nothing is created and the result lists them). A row's `stamps` must also fit the
/// card's `maxStamps` (the update API's rule). Stamps are created by the create API's
/// [`stamp::insert_with_count`], their `CREATE` event going from 0 to the row's count; one
/// that refuses a row refuses the whole import, naming the line. A dry
/// run does all of it and then rolls its savepoint back, so it checks exactly what a real
/// import would, and writes nothing.
pub async fn import(tx: &mut dyn Tx, ctx: Ctx, card_idx: i64, mut file: ImportFile, dry_run: bool) -> OpOutput {
    let card = tx.card(ctx.account_idx, card_idx).await?.ok_or(ErrorCode::CardNotFound)?.model();
    for row in &file.valid {
        let fresh = Stamp {
            stamps: 0,
            active: row.new.active,
            window: row.new.window,
            redeemed_on: None,
            pin: PinState::Unset,
        };
        if let Err(error) = rules::set_count(&card, &fresh, row.stamps) {
            file.refused.push(ImportRefusal { line: row.line, code: error.code.code(), message: error.message });
        }
    }
    let mut result = ImportResult {
        dry_run: YesNo::from(dry_run),
        rows: file.rows,
        created: 0,
        stamp_idxs: Vec::new(),
        refused: file.refused,
    };
    if !result.refused.is_empty() {
        result.refused.sort_by_key(|refusal| refusal.line);
        return Decision::done(&result);
    }
    for row in file.valid {
        let stamp_idx = stamp::insert_with_count(tx, ctx.clone(), row.new, row.token, row.stamps)
            .await
            .map_err(|error| at_line(error, row.line))?;
        result.stamp_idxs.push(stamp_idx);
    }
    if dry_run {
        // Undoes this job's writes only: the savepoint is the job's own, also inside a
        // SQLite group commit.
        tx.rollback_to_savepoint().await?;
        result.stamp_idxs.clear();
    } else {
        result.created = u32::try_from(result.stamp_idxs.len()).unwrap_or(u32::MAX);
    }
    Decision::done(&result)
}

/// A refusal of the whole import because of one row: the same code, the line in the message.
fn at_line(error: Error, line: u64) -> Error {
    match error {
        Error::Api { error, retry_after } => {
            Error::Api { error: ApiError::new(error.code, format!("line {line}: {}", error.message)), retry_after }
        }
        fault => fault,
    }
}
