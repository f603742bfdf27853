//! The core's native integration tests: seed fixtures, rule tables, request-check tables,
//! property tests and generated-doc freshness.
#![cfg(not(target_arch = "wasm32"))]

mod docs;
mod input;
mod props;
mod rules;
mod seeds;

use chrono::NaiveDate;

/// A date from `YYYY-MM-DD`, for tables.
pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}
