//! Generated documents stay fresh (`UPDATE_DOCS=1 cargo test -p stampcard-server` rewrites
//! them), and the served OpenAPI document covers every endpoint.

use std::path::PathBuf;

use stampcard_core::dashboard::paths as dashboard;
use stampcard_core::find;
use stampcard_core::wire::paths;

use crate::helpers::spawn_app;

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

/// The OpenAPI document as `docs/openapi.json` holds it.
fn document_json() -> String {
    stampcard_server::http::openapi::to_json(&stampcard_server::http::document())
}

/// Compares `path` with `expected`; with `UPDATE_DOCS=1`, writes it instead.
fn ensure_fresh(path: PathBuf, expected: &str) {
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == expected {
        return;
    }
    if std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("docs dir");
        std::fs::write(&path, expected).expect("write");
        return;
    }
    panic!(
        "{} is stale; run `UPDATE_DOCS=1 cargo test -p stampcard-server docs_are_fresh` and commit the result",
        path.display()
    );
}

/// `docs/error-codes.md` is kept fresh by the core's own test, beside the table.
#[test]
fn docs_are_fresh() {
    ensure_fresh(docs_dir().join("openapi.json"), &document_json());
}

#[tokio::test]
async fn openapi_covers_every_endpoint() {
    let app = spawn_app().await;
    let document = app.anonymous("GET", "/openapi.json").send().await;
    assert_eq!(document.status, 200);
    let body = &document.body;
    assert_eq!(body["openapi"], "3.1.0");
    let expected = [
        ("post", paths::CREATE),
        ("put", paths::ADD),
        ("put", paths::REMOVE),
        ("put", paths::UPDATE),
        ("delete", paths::DELETE),
        ("get", paths::VALIDATE),
        ("put", paths::REDEEM),
        ("get", paths::HISTORY),
        ("post", paths::CARD_CREATE),
        ("get", paths::CARD_LIST),
        ("get", paths::CARD_GET),
        ("put", paths::CARD_UPDATE),
        ("delete", paths::CARD_DELETE),
        ("post", paths::BULK),
        ("post", paths::IMPORT),
        ("get", "/api/page/v1/{token}"),
        ("get", "/api/page/v1/{token}/card"),
        ("post", "/api/page/v1/{token}/pin"),
        ("put", "/api/page/v1/{token}/pin"),
        ("post", "/api/page/v1/{token}/session"),
        ("post", "/api/page/v1/{token}/onsite/add"),
        ("post", "/api/page/v1/{token}/onsite/redeem"),
        ("get", "/healthz"),
        ("get", "/openapi.json"),
        // staff members
        ("post", stampcard_core::staff::paths::STAFF_CREATE),
        ("get", stampcard_core::staff::paths::STAFF_LIST),
        ("put", stampcard_core::staff::paths::STAFF_UPDATE),
        ("delete", stampcard_core::staff::paths::STAFF_DELETE),
        ("post", dashboard::LOGIN),
        ("post", dashboard::LOGOUT),
        ("get", dashboard::ME),
        ("post", dashboard::KEY_CREATE),
        ("get", dashboard::KEY_LIST),
        ("post", dashboard::KEY_REVOKE),
        // reading stamps
        ("get", find::paths::GET),
        ("get", find::paths::LIST),
        ("get", find::paths::EXPORT),
        ("get", find::paths::STATS),
        // webhooks
        ("post", stampcard_core::webhook::paths::WEBHOOK_CREATE),
        ("get", stampcard_core::webhook::paths::WEBHOOK_LIST),
        ("put", stampcard_core::webhook::paths::WEBHOOK_UPDATE),
        ("post", stampcard_core::webhook::paths::WEBHOOK_ROTATE_SECRET),
        ("delete", stampcard_core::webhook::paths::WEBHOOK_DELETE),
        ("get", stampcard_core::webhook::paths::WEBHOOK_DELIVERIES),
        ("post", stampcard_core::webhook::paths::WEBHOOK_REDELIVER),
        ("post", stampcard_core::webhook::paths::WEBHOOK_TEST),
    ];
    let documented: usize =
        body["paths"].as_object().expect("paths").values().map(|item| item.as_object().map_or(0, |o| o.len())).sum();
    assert_eq!(documented, expected.len(), "every documented operation is listed here");
    for (method, path) in expected {
        let operation = &body["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        assert!(operation["responses"]["200"].is_object(), "{method} {path}: no success response");
        if path.starts_with("/api/") {
            let refusals =
                operation["responses"].as_object().expect("responses").keys().filter(|s| s.as_str() != "200").count();
            assert!(refusals >= 2, "{method} {path}: refusals not documented");
        }
    }
    // The error codes an endpoint names are in its responses.
    let add = &body["paths"][paths::ADD]["put"]["responses"];
    assert!(add["409"]["description"].as_str().is_some_and(|d| d.contains("4004")), "{add}");
    assert!(add["401"]["description"].as_str().is_some_and(|d| d.contains("2001")), "{add}");
    assert!(
        body["components"]["securitySchemes"]["APIKey"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("APIKey sck_"))
    );
    // The dashboard's cookie is a scheme of its own; every operation that takes an API key
    // takes it too, and the owner's key endpoints take only the cookie.
    let cookie = &body["components"]["securitySchemes"]["dashboardSession"];
    assert_eq!(
        (&cookie["type"], &cookie["in"], &cookie["name"]),
        (&"apiKey".into(), &"cookie".into(), &"stampcard_session".into())
    );
    for (path, item) in body["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let schemes: Vec<&str> = operation["security"]
                .as_array()
                .map(|s| s.iter().filter_map(|r| r.as_object()).flat_map(|r| r.keys()).map(String::as_str).collect())
                .unwrap_or_default();
            if schemes.contains(&"APIKey") {
                assert!(schemes.contains(&"dashboardSession"), "{method} {path}: {schemes:?}");
            }
            if path.starts_with("/api/admin/v1/key/") {
                assert_eq!(schemes, ["dashboardSession"], "{method} {path}");
            }
        }
    }
    let login = &body["paths"][dashboard::LOGIN]["post"]["responses"];
    assert!(login["200"]["headers"]["Set-Cookie"].is_object(), "{login}");
    assert!(login["401"]["headers"]["Retry-After"].is_object(), "a wrong password that starts a lock says how long");
    // The headers the server sends are declared, and the optional Idempotency-Key is a string.
    let add = &body["paths"][paths::ADD]["put"];
    let key = add["parameters"].as_array().and_then(|p| p.iter().find(|p| p["name"] == "Idempotency-Key"));
    let key = key.expect("add takes an Idempotency-Key");
    assert_eq!(
        (&key["in"], &key["required"], &key["schema"]["type"]),
        (&"header".into(), &false.into(), &"string".into())
    );
    assert!(add["responses"]["200"]["headers"]["Idempotency-Replayed"].is_object(), "{add}");
    assert!(add["responses"]["429"]["headers"]["Retry-After"].is_object(), "{add}");
    assert!(add["responses"]["405"]["headers"]["Allow"].is_object(), "{add}");
    // Operation ids are unique, and links use the OpenAPI spelling.
    let mut ids: Vec<&str> = body["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").values())
        .map(|operation| operation["operationId"].as_str().expect("operationId"))
        .collect();
    ids.sort_unstable();
    let count = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate operationId: {ids:?}");
    let issue = &body["paths"][paths::CARD_CREATE]["post"]["responses"]["200"]["links"]["IssueStamp"];
    assert_eq!(issue["operationId"], "createStamp", "{issue}");
    assert_eq!(issue["requestBody"]["cardIdx"], "$response.body#/result/cardIdx", "{issue}");
    let session = &body["paths"]["/api/page/v1/{token}/session"]["post"]["responses"];
    assert!(session["429"]["headers"]["Retry-After"].is_object(), "{session}");
    assert!(
        session["403"]["headers"]["Retry-After"].is_object(),
        "a wrong PIN that starts a lock says how long: {session}"
    );
    assert!(body["components"]["schemas"]["ValidateResult"].is_object());

    let health = app.anonymous("GET", "/healthz").send().await;
    assert_eq!(health.ok()["status"], "ok");
}

/// Every operation's refusals are documented, including those every operation can answer with:
/// an area router that lists a handler without `.refusing(...)` leaves them out.
#[test]
fn every_operation_documents_its_refusals() {
    let document: serde_json::Value = serde_json::from_str(&document_json()).expect("openapi json");
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            for status in ["405", "500", "503"] {
                let description = operation["responses"][status]["description"].as_str().unwrap_or_default();
                assert!(description.starts_with("Refused; `code` is one of:"), "{method} {path}: no {status} refusal");
            }
        }
    }
}

/// The OpenAPI constraints are literals (utoipa takes no constants), so this checks them
/// against the limits the core enforces.
#[test]
fn openapi_constraints_match_the_core_limits() {
    use stampcard_core::limits;
    use stampcard_core::secret;

    let document: serde_json::Value = serde_json::from_str(&document_json()).expect("openapi json");
    let schemas = &document["components"]["schemas"];
    let max_stamps = u64::from(limits::MAX_STAMPS);
    let idx = u64::try_from(limits::MAX_IDX).expect("positive");
    let cases: &[(&str, &str, &str, u64)] = &[
        ("StampIdxRequest", "stampIdx", "maximum", idx),
        ("CreateStampRequest", "cardIdx", "maximum", idx),
        ("UpdateStampRequest", "stampIdx", "maximum", idx),
        ("UpdateStampRequest", "stamps", "maximum", max_stamps),
        ("CardCreateRequest", "maxStamps", "maximum", max_stamps),
        ("CardUpdateRequest", "maxStamps", "maximum", max_stamps),
        ("CardCreateRequest", "cardNm", "maxLength", limits::CARD_NAME as u64),
        ("CardCreateRequest", "cardTtl", "maxLength", limits::CARD_TITLE as u64),
        ("CardCreateRequest", "url", "maxLength", limits::URL as u64),
        ("CardCreateRequest", "stampImgUrl", "maxLength", limits::URL as u64),
        ("CardCreateRequest", "onsitePwd", "minLength", secret::ONSITE_MIN_CHARS as u64),
        ("CardCreateRequest", "onsitePwd", "maxLength", secret::ONSITE_MAX_CHARS as u64),
        ("CreateStampRequest", "domain", "maxLength", limits::DOMAIN as u64),
        ("CreateStampRequest", "memo", "maxLength", limits::MEMO as u64),
        ("CreateStampRequest", "userId", "maxLength", limits::USER_ID as u64),
        ("CreateStampRequest", "userNm", "maxLength", limits::USER_NAME as u64),
        ("CreateStampRequest", "userPhnno", "maxLength", limits::PHONE as u64),
        ("CreateStampRequest", "userEml", "maxLength", limits::EMAIL as u64),
        ("CreateStampRequest", "userEtc1", "maxLength", limits::ETC as u64),
        ("UpdateStampRequest", "userEtc2", "maxLength", limits::ETC as u64),
        // staff members
        ("StaffCreateRequest", "staffNm", "maxLength", stampcard_core::staff::STAFF_NAME_MAX_CHARS as u64),
        ("StaffCreateRequest", "staffPwd", "minLength", stampcard_core::staff::STAFF_PWD_MIN_CHARS as u64),
        ("StaffCreateRequest", "staffPwd", "maxLength", stampcard_core::staff::STAFF_PWD_MAX_CHARS as u64),
        ("StaffUpdateRequest", "staffPwd", "minLength", stampcard_core::staff::STAFF_PWD_MIN_CHARS as u64),
        ("StaffUpdateRequest", "staffIdx", "maximum", idx),
    ];
    for (schema, field, key, expected) in cases {
        let actual = schemas[schema]["properties"][field][key].as_u64();
        assert_eq!(actual, Some(*expected), "{schema}.{field}.{key}");
    }
    let guess = format!("^[0-9]{{{},{}}}$", secret::PIN_MIN_DIGITS, secret::PIN_MAX_DIGITS);
    assert_eq!(schemas["ChangePinRequest"]["properties"]["currentPin"]["pattern"], guess.as_str());
}

/// What a request schema says about one string field: its pattern (ECMA-262 syntax, which
/// fancy-regex reads the same way for the constructs the document uses) and length limits.
struct FieldSchema {
    pattern: fancy_regex::Regex,
    min: Option<u64>,
    max: Option<u64>,
}

impl FieldSchema {
    fn of(document: &serde_json::Value, schema: &str, field: &str) -> FieldSchema {
        let property = &document["components"]["schemas"][schema]["properties"][field];
        let pattern = property["pattern"].as_str().unwrap_or_else(|| panic!("{schema}.{field} has no pattern"));
        FieldSchema {
            pattern: fancy_regex::Regex::new(pattern).unwrap_or_else(|e| panic!("{schema}.{field}: {e}")),
            min: property["minLength"].as_u64(),
            max: property["maxLength"].as_u64(),
        }
    }

    fn accepts(&self, value: &str) -> bool {
        let chars = value.chars().count() as u64;
        self.pattern.is_match(value).expect("match")
            && self.min.is_none_or(|min| chars >= min)
            && self.max.is_none_or(|max| chars <= max)
    }
}

/// Whether the core accepts a request whose only questionable field is `field` = `value`.
fn core_accepts(schema: &str, field: &str, value: &str) -> bool {
    use stampcard_core::parse::json;
    use stampcard_core::staff::{StaffCreateRequest, StaffUpdateRequest};
    use stampcard_core::wire::{
        CardCreateRequest, CardUpdateRequest, ChangePinRequest, CreateStampRequest, PinRequest, UpdateStampRequest,
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let mut body = match schema {
        "CreateStampRequest" => serde_json::json!({"cardIdx": 1, "strtYmd": "2026-06-01", "endYmd": "2026-12-31"}),
        "UpdateStampRequest" => serde_json::json!({"stampIdx": 1}),
        "CardCreateRequest" => serde_json::json!({"cardNm": "Coffee", "maxStamps": 5}),
        "CardUpdateRequest" => serde_json::json!({"cardIdx": 1}),
        "PinRequest" | "ChangePinRequest" => serde_json::json!({"currentPin": "2580"}),
        "StaffCreateRequest" => serde_json::json!({"staffNm": "Ann", "staffPwd": "secret1"}),
        "StaffUpdateRequest" => serde_json::json!({"staffIdx": 1}),
        "LoginRequest" => serde_json::json!({"password": "correct horse"}),
        // webhooks
        "WebhookCreateRequest" => serde_json::json!({}),
        "WebhookUpdateRequest" => serde_json::json!({"webhookIdx": 1}),
        other => panic!("no core check for {other}"),
    };
    body[field] = serde_json::Value::from(value);
    let bytes = body.to_string().into_bytes();
    match schema {
        "CreateStampRequest" => json::<CreateStampRequest>(&bytes).expect("parse").check(today).is_ok(),
        "UpdateStampRequest" => json::<UpdateStampRequest>(&bytes).expect("parse").check(today).is_ok(),
        "CardCreateRequest" => json::<CardCreateRequest>(&bytes).expect("parse").check().is_ok(),
        "CardUpdateRequest" => json::<CardUpdateRequest>(&bytes).expect("parse").check().is_ok(),
        "PinRequest" => stampcard_core::secret::check_pin(&json::<PinRequest>(&bytes).expect("parse").pin).is_ok(),
        "StaffCreateRequest" => json::<StaffCreateRequest>(&bytes).expect("parse").check().is_ok(),
        "StaffUpdateRequest" => json::<StaffUpdateRequest>(&bytes).expect("parse").check().is_ok(),
        // webhooks: the core's form, then the server's check of the host (without
        // --webhook-allow-private, as the schemathesis run starts it).
        "WebhookCreateRequest" | "WebhookUpdateRequest" => {
            let checked = if schema == "WebhookCreateRequest" {
                json::<stampcard_core::webhook::WebhookCreateRequest>(&bytes).expect("parse").check(false).is_ok()
            } else {
                json::<stampcard_core::webhook::WebhookUpdateRequest>(&bytes).expect("parse").check(false).is_ok()
            };
            checked && stampcard_server::webhook::guard::check_host(value, false).is_ok()
        }
        "LoginRequest" => {
            let login = json::<stampcard_core::dashboard::LoginRequest>(&bytes).expect("parse");
            stampcard_core::dashboard::check_email(&login.email).is_ok()
        }
        _ => stampcard_core::secret::check_pin(&json::<ChangePinRequest>(&bytes).expect("parse").new_pin).is_ok(),
    }
}

/// Strings near every edge of the text, phone, email, URL and password rules.
const SAMPLES: &[&str] = &[
    "",
    "a",
    "Kim",
    "Kim Min-jun",
    "한글 이름",
    "emoji 🎉",
    "tab\there",
    "line\nbreak",
    "cr\rlf",
    "\u{0}",
    "nul\u{0}x",
    "\u{1b}[31m",
    "\u{1f}",
    "\u{7f}",
    "\u{80}",
    "\u{85}",
    "\u{9f}",
    "\u{a0}",
    "\u{a0}x",
    " ",
    "   ",
    " x ",
    "\u{3000}",
    "\u{2028}",
    "\u{feff}",
    "\u{200b}",
    "x\u{2029}",
    "abcd",
    "abc",
    "counter-7",
    "12",
    "123",
    "1 2 3",
    "(02) 123-4567",
    "+82 10-1234-5678",
    "1.2.3",
    "12a3",
    "+++",
    "1234567890123456789012345678901",
    "x@y.z",
    "kim@example.com",
    "a@b",
    "@b.c",
    "a@.b",
    "a@b.",
    "a@b..c",
    "a b@c.d",
    "a@@b.c",
    "a@b@c.d",
    "a@b.c ",
    "ü@ö.de",
    "a@b.c\u{a0}",
    "http://x",
    "https://example.com/path?q=1#f",
    "http://",
    "https://",
    "ftp://x",
    "http://.x",
    "http://-x",
    "http://:80",
    "http://[::1]:8080/",
    "http://x y",
    "https://a_b.com",
    "http://x/ y",
    "http://x/\u{3000}",
    "http://x:8080",
    "http://x?q",
    "http://x#",
    "HTTP://x",
    "https://x/ü",
    "http:/x",
    "https://stamps.example.com/",
    "http://x//",
    "http://user@x",
    "http://x:",
    "http://x:0",
    "http://x:1",
    "http://x:00080",
    "http://x:65535",
    "http://x:65536",
    "http://x:000080",
    "http://x:8a",
    "http://1.2.3.4:8080",
    "http://[::1]",
    "http://[::1]:80/",
    "http://[g::1]",
    "http://[::1",
    "http://[::1]x",
    "http://[1.2.3.4]",
    "http://a-.b",
    "http://-a.b",
    "http://a..b",
    "http://a.b.",
    "http://a-b.c-d.e",
    "http://a.b:8080/",
    "http://a:b:c",
    "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
    "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
    // webhooks: https only, a public host name
    "https://shop.example/hooks?x=1",
    "https://a-b.shop.example:8443/h#x",
    "https://127.0.0.1/h",
    "https://[::1]:8443/h",
    "https://localhost/h",
    "https://a.LOCALHOST/h",
    "https://intranet/h",
    "https://shop.123/h",
    "https://xn--tda.example/",
    "https://shop.example:0/",
    "https://shop.example:65536/",
    "https://shop.example/ü",
    "https://shop.example/a b",
    "https://shop.example\\x",
    "https://Shop.Example/%41",
    "https://169.254.169.254/latest",
    "0000",
    "1234",
    "2580",
    "13579",
    "98765432",
    "123456789",
    "2580a",
    "٢٥٨٠",
];

/// The patterns the document puts on request fields say exactly what the core accepts: for
/// every field that has one, many strings near the rules' edges get the same verdict from the
/// pattern (with the field's length limits) as from the core's request checks.
#[test]
fn openapi_patterns_match_the_core_rules() {
    let document: serde_json::Value = serde_json::from_str(&document_json()).expect("openapi json");
    let mut checked = 0;
    for (schema, definition) in document["components"]["schemas"].as_object().expect("schemas") {
        if !schema.ends_with("Request") {
            continue;
        }
        for (field, property) in definition["properties"].as_object().expect("properties") {
            // Guesses (the current PIN) are compared with a hash, never checked against the rule.
            if property["pattern"].is_null() || (schema == "ChangePinRequest" && field == "currentPin") {
                continue;
            }
            let rule = FieldSchema::of(&document, schema, field);
            for value in SAMPLES {
                assert_eq!(
                    rule.accepts(value),
                    core_accepts(schema, field, value),
                    "{schema}.{field} = {value:?}: the document and the core disagree"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} fields with patterns were checked");

    // The new-PIN rule exhaustively for 4 and 5 digits, and a spread of longer PINs.
    let mut pins: Vec<String> = (0..10_000).map(|n| format!("{n:04}")).collect();
    pins.extend((0..100_000).map(|n| format!("{n:05}")));
    pins.extend((0..3_000u64).map(|n| format!("{}", n.wrapping_mul(2_654_435_761) % 100_000_000)));
    pins.extend(
        ["012345", "0123456", "01234567", "876543", "3210", "43210", "666666", "77777777", "123456780"]
            .map(String::from),
    );
    for (schema, field) in [("PinRequest", "pin"), ("ChangePinRequest", "newPin")] {
        let rule = FieldSchema::of(&document, schema, field);
        for pin in &pins {
            let core = stampcard_core::secret::check_pin(pin).is_ok();
            assert_eq!(rule.accepts(pin), core, "{schema}.{field} = {pin:?}");
        }
    }
}
