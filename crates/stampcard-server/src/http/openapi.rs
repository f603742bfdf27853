//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` attributes and
//! the core's wire types, plus the refusals each endpoint can answer with (from the core's
//! error table). `docs/openapi.json` is this document; a test keeps it fresh.

use std::collections::BTreeMap;

use stampcard_core::ErrorCode;
use stampcard_core::wire::{CardView, HistoryEvent, PageIntro, PageView, SessionResult, ValidateResult};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{card, meta, page, stamp};

macro_rules! envelope {
    ($(#[$doc:meta])* $name:ident, $result:ty) => {
        $(#[$doc])*
        #[derive(ToSchema)]
        // Documentation only: the server builds envelopes with `stampcard_core::wire::Envelope`.
        #[allow(dead_code)]
        pub struct $name {
            /// 0 on success.
            #[schema(example = 0)]
            code: i32,
            /// Empty on success.
            #[schema(example = "")]
            message: String,
            /// The result.
            result: $result,
        }
    };
}

/// Success with `result: null`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EnvelopeNull {
    /// 0 on success.
    #[schema(example = 0)]
    code: i32,
    /// Empty on success.
    #[schema(example = "")]
    message: String,
    /// Always null.
    #[schema(schema_with = null_schema)]
    result: (),
}

/// The JSON Schema of `null`.
fn null_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::Null).build()
}
envelope!(
    /// Success; `result` is the new stampIdx.
    EnvelopeStampIdx, i64
);
envelope!(
    /// Success; `result` is the validated stamp.
    EnvelopeValidate, ValidateResult
);
envelope!(
    /// Success; `result` is a card.
    EnvelopeCard, CardView
);
envelope!(
    /// Success; `result` is the account's cards.
    EnvelopeCards, Vec<CardView>
);
envelope!(
    /// Success; `result` is the stamp's history, oldest first.
    EnvelopeHistory, Vec<HistoryEvent>
);
envelope!(
    /// Success; `result` is the stamp page's intro.
    EnvelopePageIntro, PageIntro
);
envelope!(
    /// Success; `result` is the stamp page's card view.
    EnvelopePageView, PageView
);
envelope!(
    /// Success; `result` is a stamp-page session.
    EnvelopeSession, SessionResult
);
envelope!(
    /// Success; `result` is the health.
    EnvelopeHealth, Health
);

/// `/healthz`'s result.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    status: String,
}

/// Every refusal: a non-zero `code` from docs/error-codes.md, a message, `result: null`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorEnvelope {
    /// The error code (see docs/error-codes.md).
    #[schema(example = 4004)]
    code: i32,
    /// Why, in English.
    #[schema(example = "all stamps are already collected")]
    message: String,
    /// Always null.
    #[schema(schema_with = null_schema)]
    result: (),
}

/// The generated document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "stampcard API",
        version = "v1",
        description = "A self-hostable stamp-card API, wire-compatible with the hosted stamp API (same paths, methods, field names and `{code, message, result}` envelope), plus a card API and the customer stamp-page API. See docs/api.md."
    ),
    paths(
        stamp::create, stamp::add, stamp::remove, stamp::update, stamp::delete_stamp, stamp::validate_stamp, stamp::redeem, stamp::history,
        card::create, card::list, card::get_card, card::update,
        page::intro, page::card, page::set_pin, page::change_pin, page::open_session, page::onsite_add, page::onsite_redeem,
        meta::healthz, meta::openapi_json
    ),
    components(schemas(ErrorEnvelope)),
    modifiers(&Refusals),
    tags(
        (name = "stamp", description = "The stamp API (wire-compatible with the hosted API)"),
        (name = "card", description = "Cards (our extension)"),
        (name = "page", description = "The customer stamp page (no API key; the token in stampUrl scopes it)"),
        (name = "meta", description = "Health and this document")
    )
)]
pub struct ApiDoc;

/// The document as pretty JSON with a final newline (the content of `docs/openapi.json`).
pub fn document_json() -> String {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => json + "\n",
        Err(error) => {
            tracing::error!(%error, "rendering the OpenAPI document failed");
            "{}\n".to_owned()
        }
    }
}

/// The refusals an endpoint can answer with.
pub fn endpoint_errors(method: &str, path: &str) -> Vec<ErrorCode> {
    use ErrorCode::*;
    const AUTH: &[ErrorCode] = &[MissingApiKey, InvalidApiKey, PlanRequired, RateLimited];
    const BODY: &[ErrorCode] = &[MalformedJson, MissingField, WrongType, BodyTooLarge, UnsupportedMediaType];
    const IDEMPOTENCY: &[ErrorCode] = &[InvalidIdempotencyKey, IdempotencyKeyReused];
    const QUERY: &[ErrorCode] = &[MissingField, WrongType, OutOfRange];
    const STATE: &[ErrorCode] = &[Inactive, NotStarted, Expired, AlreadyRedeemed];
    const PROFILE: &[ErrorCode] = &[
        InvalidDate,
        InvalidFlag,
        DateOrder,
        EndDateTooFar,
        TooLong,
        InvalidText,
        InvalidEmail,
        InvalidPhone,
        InvalidUrl,
        DomainPlanRequired,
    ];
    const CARD_FIELDS: &[ErrorCode] = &[
        InvalidFlag,
        OutOfRange,
        TooLong,
        EmptyField,
        InvalidText,
        InvalidUrl,
        InvalidOnsitePassword,
        OnsitePasswordMissing,
    ];
    const PAGE: &[ErrorCode] = &[StampNotFound];
    let parts: &[&[ErrorCode]] = match (method, path) {
        ("post", "/api/stamp/v1/create") => {
            &[AUTH, BODY, IDEMPOTENCY, PROFILE, &[OutOfRange, EndDateInPast, CardNotFound]]
        }
        ("put", "/api/stamp/v1/add") => &[AUTH, BODY, IDEMPOTENCY, &[OutOfRange, StampNotFound, Full], STATE],
        ("put", "/api/stamp/v1/remove") => {
            &[AUTH, BODY, IDEMPOTENCY, &[OutOfRange, StampNotFound, NothingToRemove, AlreadyRedeemed]]
        }
        ("put", "/api/stamp/v1/update") => &[
            AUTH,
            BODY,
            IDEMPOTENCY,
            PROFILE,
            &[OutOfRange, StampNotFound, CardNotFound, AlreadyRedeemed, NotComplete],
        ],
        ("delete", "/api/stamp/v1/delete") => &[AUTH, QUERY, IDEMPOTENCY, &[StampNotFound]],
        ("get", "/api/stamp/v1/validate") => &[AUTH, QUERY, &[StampNotFound], STATE],
        ("put", "/api/stamp/v1/redeem") => &[
            AUTH,
            BODY,
            IDEMPOTENCY,
            &[OutOfRange, StampNotFound, NotComplete, OnsitePasswordRequired, WrongOnsitePassword],
            STATE,
        ],
        ("get", "/api/stamp/v1/history") => &[AUTH, QUERY, &[StampNotFound]],
        ("post", "/api/stamp/v1/card/create") => &[AUTH, BODY, IDEMPOTENCY, CARD_FIELDS],
        ("get", "/api/stamp/v1/card/list") => &[AUTH],
        ("get", "/api/stamp/v1/card/get") => &[AUTH, QUERY, &[CardNotFound]],
        ("put", "/api/stamp/v1/card/update") => &[AUTH, BODY, IDEMPOTENCY, CARD_FIELDS, &[CardNotFound]],
        ("get", "/api/page/v1/{token}") => &[PAGE],
        ("get", "/api/page/v1/{token}/card") => &[PAGE, &[SessionRequired]],
        ("post", "/api/page/v1/{token}/pin") => &[PAGE, BODY, &[InvalidPin, PinAlreadySet]],
        ("put", "/api/page/v1/{token}/pin") => &[PAGE, BODY, &[InvalidPin, PinNotSet, WrongPin, Locked]],
        ("post", "/api/page/v1/{token}/session") => &[PAGE, BODY, &[PinNotSet, WrongPin, Locked]],
        ("post", "/api/page/v1/{token}/onsite/add") => {
            &[PAGE, BODY, IDEMPOTENCY, &[SessionRequired, OnsiteNotEnabled, WrongOnsitePassword, Locked, Full], STATE]
        }
        ("post", "/api/page/v1/{token}/onsite/redeem") => &[
            PAGE,
            BODY,
            IDEMPOTENCY,
            &[SessionRequired, OnsiteNotEnabled, WrongOnsitePassword, Locked, NotComplete],
            STATE,
        ],
        _ => &[],
    };
    let mut codes: Vec<ErrorCode> = parts.iter().flat_map(|part| part.iter().copied()).collect();
    codes.extend([MethodNotAllowed, Internal, Unavailable]);
    codes.sort_by_key(|code| code.code());
    codes.dedup();
    codes
}

fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Adds the security schemes and, to every operation, one response per HTTP status its
/// refusals use, listing the codes.
struct Refusals;

impl Modify for Refusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "APIKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Authorization: APIKey <key>`; keys are created with `stampcard key create` and shown once",
            ))),
        );
        components.add_security_scheme("session", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", item.get.as_mut()),
                ("post", item.post.as_mut()),
                ("put", item.put.as_mut()),
                ("delete", item.delete.as_mut()),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
                for code in endpoint_errors(method, path) {
                    by_status.entry(code.http_status()).or_default().push(code);
                }
                for (status, codes) in by_status {
                    let lines: Vec<String> =
                        codes.iter().map(|c| format!("- `{}` {}: {}", c.code(), code_name(*c), c.message())).collect();
                    let response = ResponseBuilder::new()
                        .description(format!("Refused; `code` is one of:\n{}", lines.join("\n")))
                        .content(
                            "application/json",
                            ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorEnvelope"))).build(),
                        )
                        .build();
                    operation.responses.responses.insert(status.to_string(), response.into());
                }
            }
        }
    }
}
