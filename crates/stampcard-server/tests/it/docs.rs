//! Generated documents stay fresh (`UPDATE_DOCS=1 cargo test -p stampcard-server` rewrites
//! them), and the served OpenAPI document covers every endpoint.

use std::path::PathBuf;

use stampcard_core::wire::paths;

use crate::helpers::spawn_app;

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
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
    ensure_fresh(docs_dir().join("openapi.json"), &stampcard_server::http::openapi::document_json());
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
        ("get", "/api/page/v1/{token}"),
        ("get", "/api/page/v1/{token}/card"),
        ("post", "/api/page/v1/{token}/pin"),
        ("put", "/api/page/v1/{token}/pin"),
        ("post", "/api/page/v1/{token}/session"),
        ("post", "/api/page/v1/{token}/onsite/add"),
        ("post", "/api/page/v1/{token}/onsite/redeem"),
        ("get", "/healthz"),
        ("get", "/openapi.json"),
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
    assert!(body["components"]["securitySchemes"]["APIKey"].is_object());
    assert!(body["components"]["schemas"]["ValidateResult"].is_object());

    let health = app.anonymous("GET", "/healthz").send().await;
    assert_eq!(health.ok()["status"], "ok");
}

/// The OpenAPI constraints are literals (utoipa takes no constants), so this checks them
/// against the limits the core enforces.
#[test]
fn openapi_constraints_match_the_core_limits() {
    use stampcard_core::secret;
    use stampcard_core::validate::limits;

    let document: serde_json::Value =
        serde_json::from_str(&stampcard_server::http::openapi::document_json()).expect("openapi json");
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
    ];
    for (schema, field, key, expected) in cases {
        let actual = schemas[schema]["properties"][field][key].as_u64();
        assert_eq!(actual, Some(*expected), "{schema}.{field}.{key}");
    }
    let pin = format!("^[0-9]{{{},{}}}$", secret::PIN_MIN_DIGITS, secret::PIN_MAX_DIGITS);
    assert_eq!(schemas["PinRequest"]["properties"]["pin"]["pattern"], pin.as_str());
}
