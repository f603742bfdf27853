//! The core as WebAssembly, the widget's target, run in headless Chromium by `cargo xtask
//! test`: request parsing and checks (serde_json, chrono), the PIN rules and the progress
//! view give the answers they give natively.
#![cfg(target_arch = "wasm32")]

use chrono::NaiveDate;
use stampcard_core::input::FieldErrors;
use stampcard_core::model::StampState;
use stampcard_core::parse;
use stampcard_core::progress::ProgressInput;
use stampcard_core::secret::check_pin;
use stampcard_core::types::{YesNo, Ymd};
use stampcard_core::wire::{CreateStampRequest, UpdateStampRequest};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn day(text: &str) -> NaiveDate {
    Ymd::parse(text).unwrap().0
}

/// The fields and codes of a request check's refusals.
fn refused(errors: FieldErrors) -> Vec<(&'static str, i32)> {
    errors.0.iter().map(|e| (e.field, e.code.code())).collect()
}

#[wasm_bindgen_test]
fn create_request_is_checked_like_the_server() {
    let today = day("2025-06-01");
    let good: CreateStampRequest = parse::json(
        br#"{"cardIdx": 123, "strtYmd": "2025-01-01", "endYmd": "2025-12-31", "userEml": "test@gmail.com"}"#,
    )
    .unwrap();
    assert!(good.check(today).is_ok());

    let bad: CreateStampRequest =
        parse::json(br#"{"cardIdx": 123, "strtYmd": "2025-01-01", "endYmd": "2031-01-01", "userEml": "nope"}"#)
            .unwrap();
    assert_eq!(refused(bad.check(today).unwrap_err()), [("endYmd", 1007), ("userEml", 1012)]);

    let missing = parse::json::<CreateStampRequest>(br#"{"strtYmd": "2025-01-01", "endYmd": "2025-12-31"}"#);
    let missing = missing.unwrap_err();
    assert_eq!(missing.code.code(), 1002);
    assert!(missing.message.contains("cardIdx"), "{}", missing.message);
}

#[wasm_bindgen_test]
fn update_request_is_checked() {
    let today = day("2025-06-01");
    let good: UpdateStampRequest = parse::json(br#"{"stampIdx": 1457, "stamps": 7, "resetPinYn": "Y"}"#).unwrap();
    assert!(good.check(today).is_ok());
    let bad = parse::json::<UpdateStampRequest>(br#"{"stampIdx": 1457, "useYn": "maybe"}"#).unwrap_err();
    assert_eq!(bad.code.code(), 1004);
}

#[wasm_bindgen_test]
fn pin_rules() {
    assert!(check_pin("2580").is_ok());
    for (pin, fragment) in
        [("12", "at least 4"), ("1234", "straight run"), ("12a4", "digits"), ("123456789", "at most 8")]
    {
        let message = check_pin(pin).unwrap_err().to_string();
        assert!(message.contains(fragment), "{pin}: {message}");
    }
}

#[wasm_bindgen_test]
fn progress_view() {
    let stamp = |stamps: u32| ProgressInput {
        stamps,
        max_stamps: 10,
        active_yn: YesNo::Y,
        strt_ymd: Ymd(day("2025-01-01")),
        end_ymd: Ymd(day("2025-12-31")),
        redeemed_ymd: None,
    };
    let p = stamp(3).progress(day("2025-06-01"));
    assert_eq!(
        (p.stamps, p.max_stamps, p.remaining, p.can_add, p.can_redeem, p.state),
        (3, 10, 7, true, false, StampState::Collecting)
    );
    let p = stamp(10).progress(day("2025-06-01"));
    assert_eq!((p.remaining, p.can_add, p.can_redeem, p.state), (0, false, true, StampState::Full));
    let p = stamp(10).progress(day("2026-01-01"));
    assert_eq!((p.can_redeem, p.state), (false, StampState::Expired));
}
