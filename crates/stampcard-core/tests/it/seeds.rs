//! Every example body of the seed documents parses and serializes back field for field.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use stampcard_core::parse;
use stampcard_core::wire::{
    CreateStampRequest, Envelope, RedeemRequest, StampIdxRequest, UpdateStampRequest, ValidateResult,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The fixture text with `//` line comments removed (the create document annotates `cardIdx`).
fn fixture(name: &str) -> String {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
    text.lines().map(|line| line.split(" //").next().unwrap_or(line)).collect::<Vec<_>>().join("\n")
}

fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let text = fixture(name);
    let parsed: T = parse::json(text.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: Value = serde_json::from_str(&text).unwrap();
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(back, original, "{name} does not serialize back field for field");
    parsed
}

#[test]
fn create_request() {
    let req: CreateStampRequest = round_trip("create_request.json");
    assert_eq!(req.card_idx, 123);
    assert_eq!(req.user_phnno.as_deref(), Some("+1 123-4567-8900"));
    assert_eq!(req.user_etc2.as_deref(), Some(""));
    // The seed's own example is valid on a day inside its window.
    let valid = req.check(crate::day("2025-06-01")).unwrap();
    assert_eq!(valid.domain.as_deref(), Some("https://vvd.bz"));
    assert!(valid.active);
}

#[test]
fn add_and_remove_request() {
    let req: StampIdxRequest = round_trip("add_request.json");
    assert_eq!(req.stamp_idx, 394);
}

#[test]
fn update_request() {
    let req: UpdateStampRequest = round_trip("update_request.json");
    let patch = req.check(crate::day("2025-06-01")).unwrap();
    assert_eq!(patch.stamps, Some(7));
    assert!(patch.reset_pin);
    assert_eq!(patch.card_idx, Some(172));
    assert_eq!(patch.profile.user_eml.as_deref(), Some("example@gmail.com"));
}

#[test]
fn redeem_request() {
    let req: RedeemRequest = round_trip("redeem_request.json");
    assert_eq!(req.onsite_pwd.as_deref(), Some("12345"));
}

#[test]
fn delete_query() {
    assert_eq!(parse::idx_param("stampIdx", &["394"]), Ok(394));
}

#[test]
fn responses() {
    let created: Envelope<i64> = round_trip("create_response.json");
    assert_eq!(created.into_result(), Ok(Some(1347)));
    let empty: Envelope<Value> = round_trip("null_response.json");
    assert_eq!(empty.into_result(), Ok(None));
}

#[test]
fn validate_result_has_the_documented_fields() {
    let documented = [
        "stampIdx",
        "domain",
        "cardIdx",
        "cardNm",
        "cardTtl",
        "stamps",
        "maxStamps",
        "stampUrl",
        "url",
        "strtYmd",
        "endYmd",
        "onsiteYn",
        "onsitePwd",
        "memo",
        "activeYn",
        "userId",
        "userNm",
        "userPhnno",
        "userEml",
        "userEtc1",
        "userEtc2",
        "stampImgUrl",
        "regYmdt",
        "payloadVersion",
    ];
    let sample = serde_json::json!({
        "stampIdx": 1, "domain": "https://vvd.bz", "cardIdx": 2, "cardNm": "Coffee", "cardTtl": "Free coffee",
        "stamps": 3, "maxStamps": 10, "stampUrl": "https://vvd.bz/stamp/abc", "url": "", "strtYmd": "2025-01-01",
        "endYmd": "2025-12-31", "onsiteYn": "Y", "onsitePwd": null, "memo": "", "activeYn": "Y", "userId": "u1",
        "userNm": "", "userPhnno": "", "userEml": "", "userEtc1": "", "userEtc2": "", "stampImgUrl": "",
        "regYmdt": "2025-01-01 09:30:00", "payloadVersion": "v1"
    });
    let parsed: ValidateResult = serde_json::from_value(sample.clone()).unwrap();
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(back, sample);
    let keys: Vec<&str> = back.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = documented.to_vec();
    expected.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, expected);
}
