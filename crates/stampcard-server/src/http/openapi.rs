//! The OpenAPI 3.1 document's shared parts: its frame ([`ApiDoc`]), the envelope schemas the
//! handlers' `#[utoipa::path]` attributes name, and what those attributes cannot say: the
//! refusals each operation can answer with (from the core's error table, listed beside the
//! handler in its area's router through [`Refusing`]) and their headers, the `Idempotency-Key`
//! header, the field rules the core enforces as patterns, and the links between operations.
//! The area modules use this one; it knows none of them. `http::document` merges the areas'
//! routers, whose paths are the ones served. `docs/openapi.json` is that document; a test
//! keeps it fresh, another checks the patterns against the core, and `cargo xtask test` runs
//! schemathesis against a live server to check that the server does what it says.
use std::collections::BTreeMap;

use stampcard_core::ErrorCode;
use stampcard_core::wire::{CardView, HistoryEvent, PageIntro, PageView, SessionResult, ValidateResult};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::UtoipaMethodRouter;

use ErrorCode::*;

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

/// The document's frame: its info, tags, security schemes and the refusal envelope. The paths
/// and the schemas they use come from the area routers (`http::document` merges them).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "stampcard API",
        version = "v1",
        description = "A self-hostable stamp-card API, wire-compatible with the hosted stamp API (same paths, methods, field names and `{code, message, result}` envelope), plus a card API and the customer stamp-page API. See docs/api.md."
    ),
    components(schemas(ErrorEnvelope)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "stamp", description = "The stamp API (wire-compatible with the hosted API)"),
        (name = "card", description = "Cards (our extension)"),
        (name = "staff", description = "Staff members with their own on-site passwords (our extension)"),
        (name = "find", description = "Reading stamps for the back office: get, list, export, stats (our extension)"),
        (name = "page", description = "The customer stamp page (no API key; the token in stampUrl scopes it)"),
        (name = "meta", description = "Health and this document"),
        (name = "webhooks", description = "Signed webhooks for stamp changes, their delivery log and re-sending (our extension)")
    )
)]
pub struct ApiDoc;

/// Completes the merged document with what needs all of it: the field patterns on the request
/// schemas and the links between operations.
pub fn finish(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    FieldRules.modify(&mut openapi);
    Links.modify(&mut openapi);
    openapi
}

/// The document as pretty JSON with a final newline (the content of `docs/openapi.json`).
pub fn to_json(openapi: &utoipa::openapi::OpenApi) -> String {
    match openapi.to_pretty_json() {
        // utoipa 5 writes a Link's `operationId` and `requestBody` in snake case; as JSON keys
        // (a quote right after the name) these spellings occur nowhere else in the document.
        Ok(json) => {
            json.replace("\"operation_id\": ", "\"operationId\": ").replace("\"request_body\": ", "\"requestBody\": ")
                + "\n"
        }
        Err(error) => {
            tracing::error!(%error, "rendering the OpenAPI document failed");
            "{}\n".to_owned()
        }
    }
}

// The refusals operations share, named so each area router can list an operation's refusals
// as a few of these and its own codes.

/// The API key or the dashboard's session cookie (its CSRF token and role), and the
/// account's plan limits.
pub const AUTH: &[ErrorCode] =
    &[MissingApiKey, InvalidApiKey, PlanRequired, RateLimited, LoginRequired, CsrfTokenRequired, RoleForbidden];
/// A JSON body.
pub const BODY: &[ErrorCode] =
    &[MalformedJson, MissingField, WrongType, BodyTooLarge, UnsupportedMediaType, RequestTimeout];
/// Hashing or checking a PIN or staff password on the bounded argon2 pool.
pub const HASHING: &[ErrorCode] = &[Busy];
/// An `Idempotency-Key`: an operation that lists these takes the header (see [`Refusing`]).
pub const IDEMPOTENCY: &[ErrorCode] = &[InvalidIdempotencyKey, IdempotencyKeyReused];
/// An id in the query string.
pub const QUERY: &[ErrorCode] = &[MissingField, WrongType, OutOfRange];
/// A stamp that must be usable today.
pub const STATE: &[ErrorCode] = &[Inactive, NotStarted, Expired, AlreadyRedeemed];
/// A stamp's dates, flags and user fields.
pub const PROFILE: &[ErrorCode] = &[
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
/// A card's fields.
pub const CARD_FIELDS: &[ErrorCode] = &[
    InvalidFlag,
    OutOfRange,
    TooLong,
    EmptyField,
    InvalidText,
    InvalidUrl,
    InvalidOnsitePassword,
    OnsitePasswordMissing,
];
/// The stamp-page token and the page API's limits.
pub const PAGE: &[ErrorCode] = &[StampNotFound, PageRateLimited];

/// What every operation can answer with, whatever it does.
const ANY: &[ErrorCode] = &[MethodNotAllowed, Internal, Unavailable];

/// The refusals an operation can answer with: the given groups, and [`ANY`].
fn refusal_codes(groups: &[&[ErrorCode]]) -> Vec<ErrorCode> {
    let mut codes: Vec<ErrorCode> = groups.iter().chain([&ANY]).flat_map(|group| group.iter().copied()).collect();
    codes.sort_by_key(|code| code.code());
    codes.dedup();
    codes
}

/// Documents what an operation can refuse, where its area router lists it:
/// `.routes(routes!(add).refusing(&[AUTH, BODY, IDEMPOTENCY, &[StampNotFound, Full], STATE]))`.
pub trait Refusing {
    /// Adds one response per HTTP status the refusals use (listing their codes and the headers
    /// they carry), and, when the operation can refuse an `Idempotency-Key`
    /// ([`IDEMPOTENCY`]), the header parameter and `Idempotency-Replayed` on its responses.
    fn refusing(self, groups: &[&[ErrorCode]]) -> Self;
}

impl<S> Refusing for UtoipaMethodRouter<S> {
    fn refusing(mut self, groups: &[&[ErrorCode]]) -> Self {
        let codes = refusal_codes(groups);
        // An endpoint takes an `Idempotency-Key` exactly when it can refuse one.
        let idempotent = codes.contains(&InvalidIdempotencyKey);
        for item in self.1.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                if idempotent {
                    add_idempotency_key(operation);
                }
                add_refusals(operation, &codes, idempotent);
            }
        }
        self
    }
}

/// Whether a refusal carries `Retry-After`: `Some(true)` always, `Some(false)` sometimes (a
/// wrong guess that starts a lock says how long it lasts).
fn retry_after(code: ErrorCode) -> Option<bool> {
    match code {
        RateLimited | PageRateLimited | Locked | Busy | AddTooSoon | DailyAddLimit => Some(true),
        WrongPin | WrongOnsitePassword | WrongLogin => Some(false),
        _ => None,
    }
}

fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Adds the security schemes the operations name.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "APIKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The whole header value is the word `APIKey`, a space and the key: \
                 `Authorization: APIKey sck_…` (keys start with `sck_` and are 47 characters long). \
                 Keys are created with `stampcard account create` or `stampcard key create` and shown once.",
            ))),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer <sessionToken>`, the token a correct PIN returns \
                         (set, changed or entered); it opens only its own stamp, for 30 minutes.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The optional `Idempotency-Key` request header: a string when sent (never null).
fn add_idempotency_key(operation: &mut Operation) {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(255))
        .pattern(Some("^[!-~]+$"))
        .examples([serde_json::json!("order-1234-visit")])
        .build();
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes retries safe: the same key with the same request (method, path with query, body) within \
             24 h replays the first response (with `Idempotency-Replayed: true`) and applies nothing again; \
             the same key with a different request is refused (422, code 5001). 1 to 255 visible ASCII characters.",
        ))
        .schema(Some(schema))
        .build();
    operation.parameters.get_or_insert_with(Vec::new).push(parameter);
}

fn header(schema: ObjectBuilder, description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new().schema(schema.build()).description(Some(description)).build()
}

/// `Retry-After`, described with the codes that always carry it and those that carry it when a
/// wrong guess starts a lock.
fn retry_after_header(always: &[String], on_lock: &[String]) -> utoipa::openapi::header::Header {
    let mut when = Vec::new();
    if !always.is_empty() {
        when.push(format!("always with code {}", always.join(", ")));
    }
    if !on_lock.is_empty() {
        when.push(format!("with code {} when the wrong guess starts a lock", on_lock.join(", ")));
    }
    let description = format!("Seconds to wait before trying again; sent {}.", when.join(", and "));
    header(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)), &description)
}

fn replayed_header() -> utoipa::openapi::header::Header {
    header(
        ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["true"])),
        "`true` when this is the stored response to an earlier request with the same `Idempotency-Key`.",
    )
}

fn add_refusals(operation: &mut Operation, codes: &[ErrorCode], idempotent: bool) {
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for code in codes {
        by_status.entry(code.http_status()).or_default().push(*code);
    }
    for (status, codes) in by_status {
        let lines: Vec<String> =
            codes.iter().map(|c| format!("- `{}` {}: {}", c.code(), code_name(*c), c.message())).collect();
        let mut response =
            ResponseBuilder::new().description(format!("Refused; `code` is one of:\n{}", lines.join("\n"))).content(
                "application/json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorEnvelope"))).build(),
            );
        // utoipa's `Header` has no `required`; the description says when the header is sent.
        let always: Vec<String> = codes
            .iter()
            .filter(|code| retry_after(**code) == Some(true))
            .map(|code| format!("`{}`", code.code()))
            .collect();
        let on_lock: Vec<String> = codes
            .iter()
            .filter(|code| retry_after(**code) == Some(false))
            .map(|code| format!("`{}`", code.code()))
            .collect();
        if !always.is_empty() || !on_lock.is_empty() {
            response = response.header("Retry-After", retry_after_header(&always, &on_lock));
        }
        if codes.contains(&ErrorCode::MethodNotAllowed) {
            response = response.header(
                "Allow",
                header(
                    ObjectBuilder::new().schema_type(Type::String),
                    "The methods the path accepts; always sent with 405.",
                ),
            );
        }
        // A stored refusal is replayed like a stored success.
        if idempotent {
            response = response.header("Idempotency-Replayed", replayed_header());
        }
        operation.responses.responses.insert(status.to_string(), response.build().into());
    }
    if idempotent && let Some(RefOr::T(success)) = operation.responses.responses.get_mut("200") {
        success.headers.insert("Idempotency-Replayed".to_owned(), replayed_header());
    }
}

/// The field rules the core enforces on request bodies, as JSON Schema patterns, so that a
/// request the document calls valid is one the server accepts. Characters are written as
/// `\uXXXX` escapes (ECMA-262, which JSON Schema uses).
pub mod patterns {
    /// Rust's control characters (`char::is_control`: Unicode category Cc).
    const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";
    /// Control characters and Rust's whitespace (`char::is_whitespace`: Unicode White_Space).
    const CONTROL_OR_SPACE: &str = r"\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

    /// Free text: no control characters.
    pub fn text() -> String {
        format!("^[^{CONTROL}]*$")
    }

    /// The memo: no control characters but tab, line feed and carriage return.
    pub fn memo() -> String {
        r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$".to_owned()
    }

    /// Text that is not blank and has no control characters (`cardNm`, a card's `onsitePwd`).
    pub fn not_blank() -> String {
        format!("^[^{CONTROL}]*[^{CONTROL_OR_SPACE}][^{CONTROL}]*$")
    }

    /// Empty, or digits, spaces and `+ - ( ) .` with at least 3 digits.
    pub fn phone() -> String {
        r"^(?:|(?:[ +().-]*[0-9]){3}[0-9 +().-]*)$".to_owned()
    }

    /// Empty, or one `@` between a non-empty local part and a domain of at least two
    /// non-empty dot-separated labels, without spaces or control characters.
    pub fn email() -> String {
        format!("^(?:|[^@{CONTROL_OR_SPACE}]+@(?:[^@.{CONTROL_OR_SPACE}]+\\.)+[^@.{CONTROL_OR_SPACE}]+)$")
    }

    /// A required e-mail address (a login's): [`email`] without the empty case, with the
    /// surrounding spaces the server trims.
    pub fn login_email() -> String {
        format!("^\\s*[^@{CONTROL_OR_SPACE}]+@(?:[^@.{CONTROL_OR_SPACE}]+\\.)+[^@.{CONTROL_OR_SPACE}]+\\s*$")
    }

    /// Empty, or an absolute http(s) URL whose host is letters, digits, `.`, `-`, `:`, `[`, `]`
    /// (not starting with `.`, `-` or `:`), without spaces or control characters.
    pub fn http_url() -> String {
        format!(r"^(?:|https?://[A-Za-z0-9\[\]][A-Za-z0-9.:\[\]-]*(?:[/?#][^{CONTROL_OR_SPACE}]*)?)$")
    }

    /// Empty, or an origin: `http(s)://`, a host name (dot-separated labels of letters, digits
    /// and inner dashes, at most 63 each) or a bracketed IPv6 address, an optional port from 1
    /// to 65535 (at most 5 digits), and at most one trailing slash.
    pub fn origin() -> String {
        const LABEL: &str = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
        const PORT: &str = "(?:0{0,4}[1-9]|0{0,3}[1-9][0-9]|0{0,2}[1-9][0-9]{2}|0?[1-9][0-9]{3}|[1-5][0-9]{4}\
                            |6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";
        format!(r"^(?:|https?://(?:{LABEL}(?:\.{LABEL})*|\[[0-9A-Fa-f.:]*:[0-9A-Fa-f.:]*\])(?::{PORT})?/?)$")
    }

    // webhooks
    /// A webhook URL the server accepts without `--webhook-allow-private`
    /// (`stampcard_core::webhook::check_url`): `https://`, a host name of two or more
    /// dot-separated labels (none `xn--`) whose last one starts with a letter and is not
    /// `localhost` (so not an address, nor this machine), an optional port from 1 to 65535,
    /// then printable ASCII.
    pub fn webhook_url() -> String {
        // No `xn--` label: a malformed punycode label is not a host name.
        const LABEL: &str = "(?![Xx][Nn]--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
        const TOP: &str = "(?![Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt](?:[:/?#]|$))(?![Xx][Nn]--)[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
        const PORT: &str = "(?:0{0,4}[1-9]|0{0,3}[1-9][0-9]|0{0,2}[1-9][0-9]{2}|0?[1-9][0-9]{3}|[1-5][0-9]{4}\
                            |6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";
        format!(r"^https://(?:{LABEL}\.)+{TOP}(?::{PORT})?(?:[/?#][!-~]*)?$")
    }

    /// A new PIN: 4 to 8 digits, none of the PINs the core calls too simple (one repeated
    /// digit, a straight run up or down), which are listed out.
    pub fn new_pin() -> String {
        format!("^(?!(?:{})$)[0-9]{{4,8}}$", stampcard_core::secret::too_simple_pins().join("|"))
    }
}

/// Which request field gets which pattern: (schemas, field, pattern).
fn field_rules() -> Vec<(&'static [&'static str], &'static str, String)> {
    const STAMP: &[&str] = &["CreateStampRequest", "UpdateStampRequest"];
    const CARD: &[&str] = &["CardCreateRequest", "CardUpdateRequest"];
    vec![
        (STAMP, "memo", patterns::memo()),
        (STAMP, "userId", patterns::text()),
        (STAMP, "userNm", patterns::text()),
        (STAMP, "userEtc1", patterns::text()),
        (STAMP, "userEtc2", patterns::text()),
        (STAMP, "userPhnno", patterns::phone()),
        (STAMP, "userEml", patterns::email()),
        (STAMP, "domain", patterns::origin()),
        (CARD, "cardNm", patterns::not_blank()),
        (CARD, "cardTtl", patterns::text()),
        (CARD, "url", patterns::http_url()),
        (CARD, "stampImgUrl", patterns::http_url()),
        (CARD, "onsitePwd", patterns::not_blank()),
        (&["PinRequest"], "pin", patterns::new_pin()),
        (&["ChangePinRequest"], "newPin", patterns::new_pin()),
        (&["LoginRequest"], "email", patterns::login_email()),
        // staff members
        (&["StaffCreateRequest", "StaffUpdateRequest"], "staffNm", patterns::not_blank()),
        (&["StaffCreateRequest", "StaffUpdateRequest"], "staffPwd", patterns::not_blank()),
        // webhooks
        (&["WebhookCreateRequest", "WebhookUpdateRequest"], "url", patterns::webhook_url()),
    ]
}

/// Sets the patterns of [`field_rules`] on the request schemas.
struct FieldRules;

impl Modify for FieldRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else { return };
        for (schemas, field, pattern) in field_rules() {
            for name in schemas {
                let Some(RefOr::T(Schema::Object(schema))) = components.schemas.get_mut(*name) else {
                    tracing::error!(schema = name, "a field rule names a schema the document lacks");
                    continue;
                };
                match schema.properties.get_mut(field) {
                    Some(RefOr::T(Schema::Object(property))) => property.pattern = Some(pattern.clone()),
                    _ => tracing::error!(schema = name, field, "a field rule names a field the schema lacks"),
                }
            }
        }
    }
}

/// Where an id comes from and where it goes: (source operationId, link name, target operationId,
/// the id's JSON pointer in the source's response, the id's name, whether it goes in the body).
const LINKS: &[(&str, &str, &str, &str, &str, bool)] = &[
    ("createCard", "GetCard", "getCard", "/result/cardIdx", "cardIdx", false),
    ("createCard", "UpdateCard", "updateCard", "/result/cardIdx", "cardIdx", true),
    ("createCard", "IssueStamp", "createStamp", "/result/cardIdx", "cardIdx", true),
    ("updateCard", "GetCard", "getCard", "/result/cardIdx", "cardIdx", false),
    ("createStamp", "AddStamp", "addStamp", "/result", "stampIdx", true),
    ("createStamp", "RemoveStamp", "removeStamp", "/result", "stampIdx", true),
    ("createStamp", "UpdateStamp", "updateStamp", "/result", "stampIdx", true),
    ("createStamp", "RedeemStamp", "redeemStamp", "/result", "stampIdx", true),
    ("createStamp", "ValidateStamp", "validateStamp", "/result", "stampIdx", false),
    ("createStamp", "StampHistory", "stampHistory", "/result", "stampIdx", false),
    ("createStamp", "DeleteStamp", "deleteStamp", "/result", "stampIdx", false),
    // staff members
    ("createStaff", "UpdateStaff", "updateStaff", "/result/staffIdx", "staffIdx", true),
    ("createStaff", "DeleteStaff", "deleteStaff", "/result/staffIdx", "staffIdx", false),
    ("createStamp", "GetStamp", "getStamp", "/result", "stampIdx", false),
    // webhooks
    ("createWebhook", "UpdateWebhook", "updateWebhook", "/result/webhookIdx", "webhookIdx", true),
    ("createWebhook", "RotateWebhookSecret", "rotateWebhookSecret", "/result/webhookIdx", "webhookIdx", true),
    ("createWebhook", "TestWebhook", "testWebhook", "/result/webhookIdx", "webhookIdx", true),
    ("createWebhook", "WebhookDeliveries", "listWebhookDeliveries", "/result/webhookIdx", "webhookIdx", false),
    ("createWebhook", "DeleteWebhook", "deleteWebhook", "/result/webhookIdx", "webhookIdx", false),
    ("testWebhook", "RedeliverWebhook", "redeliverWebhook", "/result/deliveryIdx", "deliveryIdx", true),
];

/// Adds [`LINKS`] to the success responses, so clients (and schemathesis' stateful phase) can
/// follow a new card or stamp to the endpoints that take its id.
struct Links;

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [item.get.as_mut(), item.post.as_mut(), item.put.as_mut(), item.delete.as_mut()];
            for operation in operations.into_iter().flatten() {
                let Some(id) = operation.operation_id.clone() else { continue };
                let Some(RefOr::T(success)) = operation.responses.responses.get_mut("200") else { continue };
                for (_, name, target, pointer, field, in_body) in LINKS.iter().filter(|link| link.0 == id) {
                    let value = format!("$response.body#{pointer}");
                    let link = LinkBuilder::new().operation_id(*target);
                    let link = if *in_body {
                        link.request_body(Some(serde_json::json!({ *field: value })))
                    } else {
                        link.parameter(format!("query.{field}"), value)
                    };
                    success.links.insert((*name).to_owned(), link.build().into());
                }
            }
        }
    }
}
