//! The JavaScript exports, run as WebAssembly in headless Chromium by `cargo xtask test`.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

use serde::Deserialize;
use serde_json::json;
use stampcard_core::wasm::{stamp_progress, validate_create_request, validate_pin, validate_update_request};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Debug, Deserialize)]
struct Problem {
    field: String,
    code: i32,
    message: String,
}

#[derive(Debug, Deserialize)]
struct Report {
    ok: bool,
    errors: Vec<Problem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Progress {
    stamps: u32,
    max_stamps: u32,
    remaining: u32,
    can_add: bool,
    can_redeem: bool,
    state: String,
}

fn js(value: serde_json::Value) -> JsValue {
    serde_wasm_bindgen::to_value(&value).unwrap()
}

fn report(value: JsValue) -> Report {
    serde_wasm_bindgen::from_value(value).unwrap()
}

#[wasm_bindgen_test]
fn create_request_is_validated_like_the_server() {
    let good =
        js(json!({"cardIdx": 123, "strtYmd": "2025-01-01", "endYmd": "2025-12-31", "userEml": "test@gmail.com"}));
    let r = report(validate_create_request(good, "2025-06-01").unwrap());
    assert!(r.ok && r.errors.is_empty(), "{r:?}");

    let bad = js(json!({"cardIdx": 123, "strtYmd": "2025-01-01", "endYmd": "2031-01-01", "userEml": "nope"}));
    let r = report(validate_create_request(bad, "2025-06-01").unwrap());
    assert!(!r.ok);
    let fields: Vec<(&str, i32)> = r.errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(fields, [("endYmd", 1007), ("userEml", 1012)]);

    let missing = js(json!({"strtYmd": "2025-01-01", "endYmd": "2025-12-31"}));
    let r = report(validate_create_request(missing, "2025-06-01").unwrap());
    assert_eq!(r.errors[0].code, 1002);
    assert!(r.errors[0].message.contains("cardIdx"), "{}", r.errors[0].message);

    assert!(validate_create_request(js(json!({})), "June 1st").is_err(), "today must be YYYY-MM-DD");
}

#[wasm_bindgen_test]
fn update_request_is_validated() {
    let r = report(
        validate_update_request(js(json!({"stampIdx": 1457, "stamps": 7, "resetPinYn": "Y"})), "2025-06-01").unwrap(),
    );
    assert!(r.ok, "{r:?}");
    let r = report(validate_update_request(js(json!({"stampIdx": 1457, "useYn": "maybe"})), "2025-06-01").unwrap());
    assert_eq!(r.errors[0].code, 1004);
}

#[wasm_bindgen_test]
fn pin_rules() {
    assert!(report(validate_pin("2580").unwrap()).ok);
    for (pin, fragment) in
        [("12", "at least 4"), ("1234", "straight run"), ("12a4", "digits"), ("123456789", "at most 8")]
    {
        let r = report(validate_pin(pin).unwrap());
        assert!(!r.ok, "{pin}");
        assert_eq!(r.errors[0].code, 1015);
        assert_eq!(r.errors[0].field, "pin");
        assert!(r.errors[0].message.contains(fragment), "{pin}: {}", r.errors[0].message);
    }
}

#[wasm_bindgen_test]
fn progress_view() {
    let stamp = |stamps: u32| {
        js(json!({"stamps": stamps, "maxStamps": 10, "activeYn": "Y", "strtYmd": "2025-01-01", "endYmd": "2025-12-31"}))
    };
    let p: Progress = serde_wasm_bindgen::from_value(stamp_progress(stamp(3), "2025-06-01").unwrap()).unwrap();
    assert_eq!(
        (p.stamps, p.max_stamps, p.remaining, p.can_add, p.can_redeem, p.state.as_str()),
        (3, 10, 7, true, false, "COLLECTING")
    );
    let p: Progress = serde_wasm_bindgen::from_value(stamp_progress(stamp(10), "2025-06-01").unwrap()).unwrap();
    assert_eq!((p.remaining, p.can_add, p.can_redeem, p.state.as_str()), (0, false, true, "FULL"));
    let p: Progress = serde_wasm_bindgen::from_value(stamp_progress(stamp(10), "2026-01-01").unwrap()).unwrap();
    assert_eq!((p.can_redeem, p.state.as_str()), (false, "EXPIRED"));
}
