//! Table-driven tests of request checks ([`stampcard_core::input`]): each case is a JSON body and the expected
//! outcome (accepted, or the first error's code), parsed exactly as the server parses it.

use serde_json::{Value, json};
use stampcard_core::input::{CardPatch, FieldErrors, check_card_update};
use stampcard_core::limits;
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

/// Parses and checks `body` as the server would and compares the outcome's code.
fn check<T, U>(body: Value, check_request: impl Fn(&T) -> Result<U, ApiError>, expected: Option<ErrorCode>)
where
    T: serde::de::DeserializeOwned,
{
    let bytes = serde_json::to_vec(&body).unwrap();
    let outcome = parse::json::<T>(&bytes).and_then(|r| check_request(&r).map(|_| ()));
    assert_eq!(outcome.as_ref().err().map(|e| e.code), expected, "{body}: {outcome:?}");
    if let Err(e) = outcome {
        assert!(!e.message.is_empty());
    }
}

fn create(patch: Value, expected: Option<ErrorCode>) {
    let base = json!({"cardIdx": 1, "strtYmd": "2025-01-01", "endYmd": "2025-12-31"});
    check::<CreateStampRequest, _>(merge(base, patch), |r| r.check(day(TODAY)).map_err(ApiError::from), expected);
}

fn update(patch: Value, expected: Option<ErrorCode>) {
    let base = json!({"stampIdx": 1});
    check::<UpdateStampRequest, _>(merge(base, patch), |r| r.check(day(TODAY)).map_err(ApiError::from), expected);
}

fn card(patch: Value, expected: Option<ErrorCode>) {
    let base = json!({"cardNm": "Coffee", "maxStamps": 10});
    check::<CardCreateRequest, _>(merge(base, patch), |r| r.check().map_err(ApiError::from), expected);
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
    create(json!({"domain": "https://stamps.example.com/shop"}), Some(InvalidUrl));
    create(json!({"userId": "u".repeat(limits::USER_ID + 1)}), Some(TooLong));
}

#[test]
fn create_collects_every_field_error() {
    let body = json!({"cardIdx": 1, "strtYmd": "2025-01-01", "endYmd": "2025-12-31", "userEml": "x", "memo": "m".repeat(2000)});
    let req: CreateStampRequest = serde_json::from_value(body).unwrap();
    let errors = req.check(day(TODAY)).unwrap_err();
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
    let new = req.check(day(TODAY)).unwrap();
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

/// `domain` is an origin: scheme, host, optional port, at most one trailing slash (dropped).
#[test]
fn domains() {
    let stored = |domain: &str| {
        let req: UpdateStampRequest = serde_json::from_value(json!({"stampIdx": 1, "domain": domain})).unwrap();
        req.check(day(TODAY)).map(|patch| patch.domain.flatten()).map_err(ApiError::from)
    };
    let good = [
        ("https://stamps.example.com", "https://stamps.example.com"),
        ("https://stamps.example.com/", "https://stamps.example.com"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("https://192.0.2.7", "https://192.0.2.7"),
        ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
        ("https://xn--9n2bp8q.example", "https://xn--9n2bp8q.example"),
        ("https://vvd.bz", "https://vvd.bz"),
    ];
    for (domain, expected) in good {
        assert_eq!(stored(domain), Ok(Some(expected.to_owned())), "{domain}");
    }
    let bad = [
        ("vvd.bz", "http:// or https://"),
        ("ftp://x.example", "http:// or https://"),
        ("https://", "host"),
        ("https:///", "host"),
        ("https://stamps.example.com/shop", "path"),
        ("https://stamps.example.com//", "path"),
        ("https://stamps.example.com/shop/", "path"),
        ("https://stamps.example.com?a=1", "query"),
        ("https://stamps.example.com/?a=1", "query"),
        ("https://stamps.example.com#top", "fragment"),
        ("https://user:pw@stamps.example.com", "user name"),
        ("https://user@stamps.example.com", "user name"),
        ("https://stamps.example.com:", "port"),
        ("https://stamps.example.com:0", "port"),
        ("https://stamps.example.com:65536", "port"),
        ("https://stamps.example.com:80a", "port"),
        ("https://stamps.example.com:80:90", "port"),
        ("https://[2001:db8::1", "IPv6"),
        ("https://[nothex]", "IPv6"),
        ("https://[2001:db8::1]x", "port"),
        ("https://stamps..example.com", "host"),
        ("https://-stamps.example.com", "host"),
        ("https://stamps_shop.example.com", "host"),
        ("https://stamps.example.com.", "host"),
        ("https://stamps example.com", "spaces"),
    ];
    for (domain, problem) in bad {
        let error = stored(domain).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidUrl, "{domain}: {error:?}");
        assert!(error.message.starts_with("domain must be only a scheme, host and optional port"), "{}", error.message);
        assert!(error.message.contains(problem), "{domain}: {}", error.message);
    }
    let long = format!("https://{}.example", "a".repeat(limits::DOMAIN));
    assert_eq!(stored(&long).unwrap_err().code, ErrorCode::TooLong);
}

/// Integral numbers written as floats are the same integers; fractions are the wrong type;
/// numbers of any size outside a field's range are `OutOfRange`, naming the field and range.
#[test]
fn integer_fields() {
    use ErrorCode::*;
    fn outcome<T: serde::de::DeserializeOwned, U>(
        body: &str,
        check_request: impl Fn(&T) -> Result<U, FieldErrors>,
    ) -> Result<U, ApiError> {
        parse::json::<T>(body.as_bytes()).and_then(|r| check_request(&r).map_err(ApiError::from))
    }
    let create = |number: &str| {
        let body = format!("{{\"cardIdx\": {number}, \"strtYmd\": \"2025-01-01\", \"endYmd\": \"2025-12-31\"}}");
        outcome::<CreateStampRequest, _>(&body, |r| r.check(day(TODAY))).map(|new| new.card_idx)
    };
    let update_field = |field: &str, number: &str| {
        let body = match field {
            "stampIdx" => format!("{{\"stampIdx\": {number}}}"),
            _ => format!("{{\"stampIdx\": 1, \"{field}\": {number}}}"),
        };
        outcome::<UpdateStampRequest, _>(&body, |r| r.check(day(TODAY)))
    };
    let card_create = |number: &str| {
        let body = format!("{{\"cardNm\": \"Coffee\", \"maxStamps\": {number}}}");
        outcome::<CardCreateRequest, _>(&body, CardCreateRequest::check).map(|card| card.max_stamps)
    };
    let card_update = |field: &str, number: &str| {
        let body = match field {
            "cardIdx" => format!("{{\"cardIdx\": {number}}}"),
            _ => format!("{{\"cardIdx\": 1, \"{field}\": {number}}}"),
        };
        outcome::<CardUpdateRequest, _>(&body, CardUpdateRequest::check)
    };

    // Accepted.
    for (number, expected) in [
        ("1", 1),
        ("1.0", 1),
        ("1e0", 1),
        ("10.0", 10),
        ("1e1", 10),
        ("1E1", 10),
        ("9007199254740991.0", limits::MAX_IDX),
    ] {
        assert_eq!(create(number), Ok(expected), "cardIdx {number}");
    }
    assert_eq!(update_field("stampIdx", "3.0").map(|_| ()), Ok(()));
    assert_eq!(update_field("cardIdx", "2.0").map(|p| p.card_idx), Ok(Some(2)));
    assert_eq!(update_field("stamps", "7.0").map(|p| p.stamps), Ok(Some(7)));
    assert_eq!(update_field("stamps", "0.0").map(|p| p.stamps), Ok(Some(0)));
    assert_eq!(card_create("10.0"), Ok(10));
    assert_eq!(card_create("1e2"), Ok(limits::MAX_STAMPS));
    assert_eq!(card_update("maxStamps", "5.0").map(|p| p.max_stamps), Ok(Some(5)));
    assert_eq!(card_update("cardIdx", "4.0").map(|p| p.max_stamps), Ok(None));

    // Every integer field, every kind of refusal: (field, number, code, words the message has).
    type Check = Box<dyn Fn(&str) -> Result<(), ApiError>>;
    let fields: Vec<(&str, Check, &str)> = vec![
        ("cardIdx", Box::new(move |n| create(n).map(|_| ())), "cardIdx must be an integer from 1 to 9007199254740991"),
        (
            "stampIdx",
            Box::new(move |n| update_field("stampIdx", n).map(|_| ())),
            "stampIdx must be an integer from 1 to 9007199254740991",
        ),
        (
            "cardIdx",
            Box::new(move |n| update_field("cardIdx", n).map(|_| ())),
            "cardIdx must be an integer from 1 to 9007199254740991",
        ),
        (
            "stamps",
            Box::new(move |n| update_field("stamps", n).map(|_| ())),
            "stamps must be between 0 and the card's maxStamps (at most 100)",
        ),
        ("maxStamps", Box::new(move |n| card_create(n).map(|_| ())), "maxStamps must be between 1 and 100"),
        (
            "cardIdx",
            Box::new(move |n| card_update("cardIdx", n).map(|_| ())),
            "cardIdx must be an integer from 1 to 9007199254740991",
        ),
        (
            "maxStamps",
            Box::new(move |n| card_update("maxStamps", n).map(|_| ())),
            "maxStamps must be between 1 and 100",
        ),
    ];
    for (field, check, range_message) in &fields {
        for number in ["1.5", "-0.5", "1e-3", "2.000001"] {
            let error = check(number).unwrap_err();
            assert_eq!(error.code, WrongType, "{field} {number}: {error:?}");
            assert!(error.message.starts_with(&format!("{field} must be an integer, got ")), "{}", error.message);
        }
        for number in [
            "1e30",
            "-1e30",
            "99999999999999999999",
            "-99999999999999999999",
            "9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "1e300",
            "-1e300",
            "9007199254740992",
            "-1",
        ] {
            let error = check(number).expect_err(&format!("{field} {number}"));
            assert_eq!((error.code, error.message.as_str()), (OutOfRange, *range_message), "{field} {number}");
        }
        let error = check("1e400").unwrap_err();
        assert_eq!(error.code, OutOfRange, "{field} 1e400");
        assert!(error.message.starts_with(&format!("{field} is out of range")), "{}", error.message);
        for wrong in ["\"1\"", "true", "[1]", "{}"] {
            assert_eq!(check(wrong).unwrap_err().code, WrongType, "{field} {wrong}");
        }
    }
}

#[test]
fn update_patch_shape() {
    let req: UpdateStampRequest = serde_json::from_value(json!({"stampIdx": 5, "domain": ""})).unwrap();
    let patch = req.check(day(TODAY)).unwrap();
    assert_eq!(patch.domain, Some(None), "an empty domain goes back to the default");
    assert!(!patch.changes_state());
    let req: UpdateStampRequest = serde_json::from_value(json!({"stampIdx": 5})).unwrap();
    assert!(req.check(day(TODAY)).unwrap().is_empty());
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
    assert!(req.check().unwrap().onsite_required, "a password alone turns on-site checking on");
}

#[test]
fn card_updates() {
    let req: CardUpdateRequest = serde_json::from_value(json!({"cardIdx": 3, "maxStamps": 8})).unwrap();
    let patch = req.check().unwrap();
    assert_eq!(check_card_update(&patch, false, 8), Ok(()));
    assert_eq!(check_card_update(&patch, false, 9).unwrap_err().code, ErrorCode::OutOfRange);
    let onsite = CardPatch { onsite_required: Some(true), ..CardPatch::default() };
    assert_eq!(check_card_update(&onsite, false, 0).unwrap_err().code, ErrorCode::OnsitePasswordMissing);
    assert_eq!(check_card_update(&onsite, true, 0), Ok(()));
    let bad: CardUpdateRequest = serde_json::from_value(json!({"cardIdx": 0})).unwrap();
    assert_eq!(ApiError::from(bad.check().unwrap_err()).code, ErrorCode::OutOfRange);
}
