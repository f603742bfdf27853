//! Table-driven tests of request validation: each case is a JSON body and the expected
//! outcome (valid, or the first error's code), parsed exactly as the server parses it.

use serde_json::{Value, json};
use stampcard_core::validate::{CardPatch, check_card_update, limits};
use stampcard_core::wire::{CardCreateRequest, CardUpdateRequest, CreateStampRequest, UpdateStampRequest};
use stampcard_core::{ApiError, ErrorCode, parse};

use crate::day;

const TODAY: &str = "2025-06-01";

fn merge(base: Value, patch: Value) -> Value {
    let mut base = base;
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

/// Parses and validates `body` as the server would and compares the outcome's code.
fn check<T, U>(body: Value, validate: impl Fn(&T) -> Result<U, ApiError>, expected: Option<ErrorCode>)
where
    T: serde::de::DeserializeOwned,
{
    let bytes = serde_json::to_vec(&body).unwrap();
    let outcome = parse::json::<T>(&bytes).and_then(|r| validate(&r).map(|_| ()));
    assert_eq!(outcome.as_ref().err().map(|e| e.code), expected, "{body}: {outcome:?}");
    if let Err(e) = outcome {
        assert!(!e.message.is_empty());
    }
}

fn create(patch: Value, expected: Option<ErrorCode>) {
    let base = json!({"cardIdx": 1, "strtYmd": "2025-01-01", "endYmd": "2025-12-31"});
    check::<CreateStampRequest, _>(merge(base, patch), |r| r.validate(day(TODAY)).map_err(ApiError::from), expected);
}

fn update(patch: Value, expected: Option<ErrorCode>) {
    let base = json!({"stampIdx": 1});
    check::<UpdateStampRequest, _>(merge(base, patch), |r| r.validate(day(TODAY)).map_err(ApiError::from), expected);
}

fn card(patch: Value, expected: Option<ErrorCode>) {
    let base = json!({"cardNm": "Coffee", "maxStamps": 10});
    check::<CardCreateRequest, _>(merge(base, patch), |r| r.validate().map_err(ApiError::from), expected);
}

#[test]
fn create_requests() {
    use ErrorCode::*;
    create(json!({}), None);
    create(json!({"activeYn": "N", "domain": "", "userEtc2": ""}), None);
    create(json!({"cardIdx": null}), Some(MissingField));
    create(json!({"endYmd": null}), Some(MissingField));
    create(json!({"cardIdx": "1"}), Some(WrongType));
    create(json!({"cardIdx": 0}), Some(OutOfRange));
    create(json!({"cardIdx": -3}), Some(OutOfRange));
    create(json!({"cardIdx": limits::MAX_IDX + 1}), Some(OutOfRange));
    create(json!({"activeYn": "yes"}), Some(InvalidFlag));
    create(json!({"strtYmd": "2025-13-01"}), Some(InvalidDate));
    create(json!({"strtYmd": "01/01/2025"}), Some(InvalidDate));
    create(json!({"strtYmd": "2026-01-01"}), Some(DateOrder));
    create(json!({"strtYmd": "2025-12-31", "endYmd": "2025-12-31"}), None);
    create(json!({"strtYmd": "2025-01-01", "endYmd": "2030-06-01"}), None); // exactly 5 years
    create(json!({"endYmd": "2030-06-02"}), Some(EndDateTooFar));
    create(json!({"strtYmd": "2024-01-01", "endYmd": "2025-05-31"}), Some(EndDateInPast));
    create(json!({"memo": "x".repeat(limits::MEMO)}), None);
    create(json!({"memo": "x".repeat(limits::MEMO + 1)}), Some(TooLong));
    create(json!({"memo": "line one\nline two"}), None);
    create(json!({"userNm": "Brown\u{0}Smith"}), Some(InvalidText));
    create(json!({"userNm": "김민지"}), None);
    create(json!({"userEml": "not-an-email"}), Some(InvalidEmail));
    create(json!({"userEml": "a@b"}), Some(InvalidEmail));
    create(json!({"userEml": "a b@example.com"}), Some(InvalidEmail));
    create(json!({"userPhnno": "call me"}), Some(InvalidPhone));
    create(json!({"userPhnno": "+82 (10) 1234.5678"}), None);
    create(json!({"domain": "vvd.bz"}), Some(InvalidUrl));
    create(json!({"domain": "https://"}), Some(InvalidUrl));
    create(json!({"domain": "https://stamps.example.com/"}), None);
    create(json!({"userId": "u".repeat(limits::USER_ID + 1)}), Some(TooLong));
}

#[test]
fn create_collects_every_field_error() {
    let body = json!({"cardIdx": 1, "strtYmd": "2025-01-01", "endYmd": "2025-12-31", "userEml": "x", "memo": "m".repeat(2000)});
    let req: CreateStampRequest = serde_json::from_value(body).unwrap();
    let errors = req.validate(day(TODAY)).unwrap_err();
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["memo", "userEml"]);
    let api = ApiError::from(errors);
    assert_eq!(api.code, ErrorCode::TooLong);
    assert!(api.message.contains("memo") && api.message.contains("userEml"), "{}", api.message);
}

#[test]
fn create_defaults() {
    let req: CreateStampRequest =
        serde_json::from_value(json!({"cardIdx": 1, "strtYmd": "2025-01-01", "endYmd": "2025-12-31", "userId": ""}))
            .unwrap();
    let new = req.validate(day(TODAY)).unwrap();
    assert!(new.active, "activeYn defaults to Y");
    assert_eq!(new.domain, None);
    assert_eq!(new.profile.user_id, None, "an empty userId is generated by the server");
}

#[test]
fn update_requests() {
    use ErrorCode::*;
    update(json!({}), None);
    update(json!({"stamps": 0}), None);
    update(json!({"stamps": -1}), Some(OutOfRange));
    update(json!({"stamps": 101}), Some(OutOfRange));
    update(json!({"stamps": "7"}), Some(WrongType));
    update(json!({"stampIdx": 0}), Some(OutOfRange));
    update(json!({"cardIdx": 0}), Some(OutOfRange));
    update(json!({"useYn": "X"}), Some(InvalidFlag));
    update(json!({"resetPinYn": "y"}), Some(InvalidFlag));
    update(json!({"strtYmd": "2025-07-01", "endYmd": "2025-06-30"}), Some(DateOrder));
    update(json!({"endYmd": "2031-01-01"}), Some(EndDateTooFar));
    update(json!({"endYmd": "2025-01-01"}), None); // moving the end into the past expires the stamp on purpose
    update(json!({"userEml": "bad@"}), Some(InvalidEmail));
    update(json!({"domain": "ftp://x.example"}), Some(InvalidUrl));
}

#[test]
fn update_patch_shape() {
    let req: UpdateStampRequest = serde_json::from_value(json!({"stampIdx": 5, "domain": ""})).unwrap();
    let patch = req.validate(day(TODAY)).unwrap();
    assert_eq!(patch.domain, Some(None), "an empty domain goes back to the default");
    assert!(!patch.changes_state());
    let req: UpdateStampRequest = serde_json::from_value(json!({"stampIdx": 5})).unwrap();
    assert!(req.validate(day(TODAY)).unwrap().is_empty());
}

#[test]
fn card_requests() {
    use ErrorCode::*;
    card(json!({}), None);
    card(json!({"cardNm": null}), Some(MissingField));
    card(json!({"cardNm": "   "}), Some(EmptyField));
    card(json!({"cardNm": "n".repeat(limits::CARD_NAME + 1)}), Some(TooLong));
    card(json!({"cardTtl": "t".repeat(limits::CARD_TITLE + 1)}), Some(TooLong));
    card(json!({"maxStamps": 0}), Some(OutOfRange));
    card(json!({"maxStamps": 101}), Some(OutOfRange));
    card(json!({"maxStamps": 1}), None);
    card(json!({"maxStamps": 4294967297u64}), Some(OutOfRange));
    card(json!({"url": "javascript:alert(1)"}), Some(InvalidUrl));
    card(json!({"stampImgUrl": "https://cdn.example.com/stamp.png"}), None);
    card(json!({"onsiteYn": "Y"}), Some(OnsitePasswordMissing));
    card(json!({"onsiteYn": "Y", "onsitePwd": "12"}), Some(InvalidOnsitePassword));
    card(json!({"onsiteYn": "Y", "onsitePwd": "12345"}), None);
    card(json!({"onsiteYn": "N", "onsitePwd": "12345"}), None);

    let req: CardCreateRequest =
        serde_json::from_value(json!({"cardNm": "C", "maxStamps": 3, "onsitePwd": "12345"})).unwrap();
    assert!(req.validate().unwrap().onsite_required, "a password alone turns on-site checking on");
}

#[test]
fn card_updates() {
    let req: CardUpdateRequest = serde_json::from_value(json!({"cardIdx": 3, "maxStamps": 8})).unwrap();
    let patch = req.validate().unwrap();
    assert_eq!(check_card_update(&patch, false, 8), Ok(()));
    assert_eq!(check_card_update(&patch, false, 9).unwrap_err().code, ErrorCode::OutOfRange);
    let onsite = CardPatch { onsite_required: Some(true), ..CardPatch::default() };
    assert_eq!(check_card_update(&onsite, false, 0).unwrap_err().code, ErrorCode::OnsitePasswordMissing);
    assert_eq!(check_card_update(&onsite, true, 0), Ok(()));
    let bad: CardUpdateRequest = serde_json::from_value(json!({"cardIdx": 0})).unwrap();
    assert_eq!(ApiError::from(bad.validate().unwrap_err()).code, ErrorCode::OutOfRange);
}
