//! Thin JavaScript exports (feature `wasm`). They only convert between JS values and core
//! types; every rule they apply lives in the rest of the crate.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::ApiError;
use crate::parse;
use crate::progress::ProgressInput;
use crate::secret;
use crate::types::Ymd;
use crate::validate::FieldErrors;
use crate::wire::{CreateStampRequest, UpdateStampRequest};

/// One problem in a [`Report`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Problem {
    field: String,
    code: i32,
    message: String,
}

/// `{ok, errors: [{field, code, message}]}` as JavaScript sees it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    ok: bool,
    errors: Vec<Problem>,
}

impl Report {
    fn ok() -> Report {
        Report { ok: true, errors: Vec::new() }
    }

    fn from_api_error(error: ApiError, field: &str) -> Report {
        Report {
            ok: false,
            errors: vec![Problem { field: field.to_owned(), code: error.code.code(), message: error.message }],
        }
    }

    fn from_field_errors(errors: FieldErrors) -> Report {
        let errors = errors
            .0
            .into_iter()
            .map(|e| Problem { field: e.field.to_owned(), code: e.code.code(), message: e.message })
            .collect();
        Report { ok: false, errors }
    }
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

fn today(text: &str) -> Result<chrono::NaiveDate, JsError> {
    Ymd::parse(text).map(|d| d.0).ok_or_else(|| JsError::new("today must be a date written as YYYY-MM-DD"))
}

/// Parses a JS object exactly as the server parses a JSON body.
fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, ApiError> {
    let json: serde_json::Value = serde_wasm_bindgen::from_value(value)
        .map_err(|e| ApiError::new(crate::ErrorCode::MalformedJson, e.to_string()))?;
    let bytes = serde_json::to_vec(&json).map_err(|e| ApiError::new(crate::ErrorCode::MalformedJson, e.to_string()))?;
    parse::json(&bytes)
}

fn report<T, U>(request: JsValue, validate: impl FnOnce(&T) -> Result<U, FieldErrors>) -> Result<JsValue, JsError>
where
    T: serde::de::DeserializeOwned,
{
    let report = match from_js::<T>(request) {
        Err(error) => Report::from_api_error(error, ""),
        Ok(request) => validate(&request).map_or_else(Report::from_field_errors, |_| Report::ok()),
    };
    to_js(&report)
}

/// Validates a create request body (`{cardIdx, strtYmd, endYmd, ...}`) for `today`
/// (`YYYY-MM-DD`). Returns `{ok, errors: [{field, code, message}]}`.
#[wasm_bindgen(js_name = validateCreateRequest)]
pub fn validate_create_request(request: JsValue, today_ymd: &str) -> Result<JsValue, JsError> {
    let today = today(today_ymd)?;
    report::<CreateStampRequest, _>(request, |r| r.validate(today))
}

/// Validates an update request body for `today`. Returns `{ok, errors}`.
#[wasm_bindgen(js_name = validateUpdateRequest)]
pub fn validate_update_request(request: JsValue, today_ymd: &str) -> Result<JsValue, JsError> {
    let today = today(today_ymd)?;
    report::<UpdateStampRequest, _>(request, |r| r.validate(today))
}

/// Checks a PIN against the PIN rules. Returns `{ok, errors}` with at most one error.
#[wasm_bindgen(js_name = validatePin)]
pub fn validate_pin(pin: &str) -> Result<JsValue, JsError> {
    let report = match secret::check_pin(pin) {
        Ok(()) => Report::ok(),
        Err(e) => Report::from_api_error(ApiError::new(crate::ErrorCode::InvalidPin, e.to_string()), "pin"),
    };
    to_js(&report)
}

/// The progress view (`{stamps, maxStamps, remaining, canAdd, canRedeem, state}`) of a stamp
/// (`{stamps, maxStamps, activeYn, strtYmd, endYmd, redeemedYmd?}`) for `today`.
#[wasm_bindgen(js_name = stampProgress)]
pub fn stamp_progress(stamp: JsValue, today_ymd: &str) -> Result<JsValue, JsError> {
    let today = today(today_ymd)?;
    let input: ProgressInput = from_js(stamp).map_err(|e| JsError::new(&e.message))?;
    to_js(&input.progress(today))
}
