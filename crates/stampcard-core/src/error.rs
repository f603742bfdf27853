//! The one table of error codes: every refusal the API can send, with its stable number,
//! HTTP status and English message. `docs/error-codes.md` is generated from it.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($code:literal, $status:literal, $message:literal), )*) => {
        /// A stable, numbered reason for a refusal. The number is part of the wire contract:
        /// never renumber or reuse one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The number sent as the envelope's `code`.
            pub const fn code(self) -> i32 {
                match self { $( ErrorCode::$variant => $code, )* }
            }

            /// The HTTP status the server answers with.
            pub const fn http_status(self) -> u16 {
                match self { $( ErrorCode::$variant => $status, )* }
            }

            /// The default English message (lowercase, no trailing period).
            pub const fn message(self) -> &'static str {
                match self { $( ErrorCode::$variant => $message, )* }
            }

            /// The code for a number, if it is one of ours.
            pub fn from_code(code: i32) -> Option<ErrorCode> {
                ErrorCode::ALL.iter().copied().find(|c| c.code() == code)
            }
        }
    };
}

error_codes! {
    // 1xxx: the request itself is malformed or a field is invalid.
    /// The body is not valid JSON.
    MalformedJson = (1001, 400, "the request body is not valid JSON"),
    /// A required field is missing.
    MissingField = (1002, 400, "a required field is missing"),
    /// A field has the wrong JSON type.
    WrongType = (1003, 400, "a field has the wrong type"),
    /// A `Y`/`N` flag has another value.
    InvalidFlag = (1004, 422, "a flag must be \"Y\" or \"N\""),
    /// A date is not a real `YYYY-MM-DD` date.
    InvalidDate = (1005, 422, "a date must be a real date written as YYYY-MM-DD"),
    /// `strtYmd` is after `endYmd`.
    DateOrder = (1006, 422, "strtYmd must not be after endYmd"),
    /// `endYmd` is more than five years after today.
    EndDateTooFar = (1007, 422, "endYmd must be at most 5 years from today"),
    /// `endYmd` is already in the past when a stamp is created.
    EndDateInPast = (1008, 422, "endYmd must not be in the past for a new stamp"),
    /// A number is outside its allowed range.
    OutOfRange = (1009, 422, "a number is outside its allowed range"),
    /// A text field is longer than its limit.
    TooLong = (1010, 422, "a text field is too long"),
    /// A required text field is empty.
    EmptyField = (1011, 422, "a required text field is empty"),
    /// An email address is malformed.
    InvalidEmail = (1012, 422, "an email address is malformed"),
    /// A URL is not an absolute http(s) URL.
    InvalidUrl = (1013, 422, "a URL must be an absolute http or https URL"),
    /// A phone number has characters a phone number cannot have.
    InvalidPhone = (1014, 422, "a phone number may only contain digits, spaces, plus signs, dashes, dots and parentheses"),
    /// A PIN breaks the PIN rules.
    InvalidPin = (1015, 422, "a PIN must be 4 to 8 digits and not too simple"),
    /// An on-site staff password breaks the password rules.
    InvalidOnsitePassword = (1016, 422, "the on-site staff password must be 4 to 32 printable characters"),
    /// A text field contains control characters.
    InvalidText = (1017, 422, "a text field contains control characters"),
    /// The body is larger than the server accepts.
    BodyTooLarge = (1018, 413, "the request body is larger than 64 KiB"),
    /// The body is not sent as `application/json`.
    UnsupportedMediaType = (1019, 415, "the request body must be sent as application/json"),
    /// The `Idempotency-Key` header is malformed.
    InvalidIdempotencyKey = (1020, 400, "the Idempotency-Key header must be 1 to 255 visible ASCII characters"),
    /// `onsiteYn` is `Y` but no `onsitePwd` was given for the card.
    OnsitePasswordMissing = (1021, 422, "a card with onsiteYn=Y needs an onsitePwd"),
    /// The request body did not arrive within the server's request-body timeout.
    RequestTimeout = (1030, 408, "the request body did not arrive in time; send it again"),
    // reading stamps (get, list, export, stats)
    /// A list `cursor` is malformed, altered, or belongs to another query.
    InvalidCursor = (1040, 400, "the cursor is not one this server issued for this query; start again without a cursor"),
    /// A `status` filter is not one of the statuses.
    InvalidStatus = (1041, 422, "status must be one of ACTIVE, FULL, REDEEMED, INACTIVE, UPCOMING, EXPIRED"),
    /// An export `format` is not `csv` or `jsonl`.
    InvalidExportFormat = (1042, 422, "format must be csv or jsonl"),
    /// A stats period ends before it starts.
    PeriodOrder = (1043, 422, "from must not be after to"),
    /// A stats period is longer than 366 days.
    PeriodTooLong = (1044, 422, "the period must be at most 366 days; ask for it in several calls"),
    // bulk changes and import
    /// The CSV body of an import is larger than the import's own limit.
    ImportTooLarge = (1050, 413, "the CSV body is larger than 5 MiB; split the file"),
    /// The import body is not sent as `text/csv`.
    ImportNotCsv = (1051, 415, "the import body must be sent as text/csv (UTF-8)"),
    /// The CSV is not valid UTF-8.
    ImportInvalidUtf8 = (1052, 400, "the CSV is not valid UTF-8"),
    /// The CSV has no header row or no data rows.
    ImportEmpty = (1053, 422, "the CSV needs a header row and at least one data row"),
    /// A header names a column the import does not know.
    ImportUnknownColumn = (1054, 422, "the CSV header names an unknown column"),
    /// A header names a column twice.
    ImportDuplicateColumn = (1055, 422, "the CSV header names a column twice"),
    /// A required column is missing from the header.
    ImportMissingColumn = (1056, 422, "the CSV header lacks a required column (strtYmd and endYmd are required)"),
    /// A row has more or fewer fields than the header.
    ImportFieldCount = (1057, 422, "a CSV row has more or fewer fields than the header"),
    /// The CSV has more data rows than one import takes.
    ImportTooManyRows = (1058, 413, "the CSV has more data rows than one import takes; split the file"),
    // staff members
    /// A staff member's password breaks the password rules.
    InvalidStaffPassword = (1065, 422, "a staff password must be 6 to 32 printable characters"),
    /// `cardIdxs` is empty, too long, or combined with `allCardsYn`.
    InvalidCardIdxs = (1066, 422, "cardIdxs must list 1 to 1000 card ids, and not together with allCardsYn"),
    // dashboard logins
    /// A dashboard user's password is too short or too long.
    InvalidUserPassword = (1070, 422, "a dashboard password must be 10 to 128 characters"),
    /// An API key's label is too long or has control characters.
    InvalidKeyLabel = (1071, 422, "an API key label must be at most 100 characters without control characters"),
    // webhooks
    /// A webhook `url` is not an absolute https URL with a host (http only with the server's
    /// `--webhook-allow-private`).
    InvalidWebhookUrl = (1080, 422, "a webhook url must be an absolute https URL of at most 2000 bytes"),
    /// A webhook's `events` is empty, names an unknown type, or is combined with `allEvents`.
    InvalidWebhookEvents = (1081, 422, "events must list known event types such as stamp.added, and not together with allEvents"),
    /// A webhook `format` is not `vivoldi` or `standard`.
    InvalidWebhookFormat = (1082, 422, "format must be vivoldi or standard"),
    /// A delivery-log `status` filter is not one of the statuses.
    InvalidDeliveryStatus = (1083, 422, "status must be one of PENDING, RETRYING, DELIVERED, DEAD"),
    /// A webhook URL's host is a loopback, private, link-local or metadata address.
    WebhookAddressNotAllowed = (1084, 422, "a webhook url must not point at a loopback, private, link-local or metadata address"),

    // 2xxx: who is asking, and may they.
    /// No `Authorization: APIKey <key>` header.
    MissingApiKey = (2001, 401, "missing API key: send the header Authorization: APIKey <key>"),
    /// The API key is unknown or revoked.
    InvalidApiKey = (2002, 401, "the API key is invalid or revoked"),
    /// The account's plan does not include the stamp API.
    PlanRequired = (2003, 403, "the stamp API needs the Personal plan or higher"),
    /// A custom stamp domain needs a higher plan.
    DomainPlanRequired = (2004, 403, "a custom stamp domain needs the Premium plan or higher"),
    /// Too many requests for the plan's rate limit.
    RateLimited = (2005, 429, "too many requests for this plan; slow down and retry later"),
    /// The stamp page session is missing or expired.
    SessionRequired = (2006, 401, "enter your PIN to open this stamp card"),
    /// The on-site staff password is wrong.
    WrongOnsitePassword = (2007, 403, "the on-site staff password is wrong"),
    /// The card needs the on-site staff password and none was given.
    OnsitePasswordRequired = (2008, 403, "this card needs the on-site staff password"),
    /// The PIN is wrong.
    WrongPin = (2009, 403, "the PIN is wrong"),
    /// Too many wrong PINs or staff passwords in a row.
    Locked = (2010, 429, "too many wrong tries; wait before trying again"),
    /// The PIN has not been set yet.
    PinNotSet = (2011, 409, "no PIN has been set for this stamp card yet"),
    /// A PIN is already set (use change instead).
    PinAlreadySet = (2012, 409, "a PIN is already set for this stamp card"),
    /// The card has no on-site staff password, so staff actions on the page are off.
    OnsiteNotEnabled = (2013, 409, "this card has no on-site staff password; the shop adds stamps and redeems through its own system"),
    /// Too many requests for one stamp page, or from one client address, on the page API.
    PageRateLimited = (2014, 429, "too many requests for this stamp page; slow down and retry later"),
    /// `GET /metrics` without the operator's metrics token.
    MetricsTokenRequired = (2030, 401, "the metrics need the header Authorization: Bearer <metrics token>"),
    // dashboard logins
    /// The e-mail and password of a dashboard login do not match a user.
    WrongLogin = (2050, 401, "the e-mail or the password is wrong"),
    /// A dashboard endpoint without a live session cookie (never sent, logged out or expired).
    LoginRequired = (2051, 401, "log in first: there is no dashboard session, or it has expired"),
    /// A change made with the session cookie without its `X-CSRF-Token` header.
    CsrfTokenRequired = (2052, 403, "a change made with the dashboard session needs the header X-CSRF-Token: <csrfToken>"),
    /// The dashboard user's role may not use this endpoint.
    RoleForbidden = (2053, 403, "this needs the owner role"),
    /// API keys are managed by a logged-in owner, not by an API key.
    SessionRequiredForKeys = (2054, 403, "API keys are managed from an owner's dashboard session, not with an API key"),
    /// Another dashboard user already has this e-mail address.
    EmailTaken = (2055, 409, "a dashboard user with this e-mail address already exists"),

    // 3xxx: what is asked for does not exist.
    /// No such stamp for this account.
    StampNotFound = (3001, 404, "stamp not found"),
    /// No such card for this account.
    CardNotFound = (3002, 404, "card not found"),
    /// No such path.
    RouteNotFound = (3003, 404, "no such endpoint"),
    /// The path exists but not with this method.
    MethodNotAllowed = (3004, 405, "this endpoint does not accept that HTTP method"),
    /// No such account (the command line's account commands).
    AccountNotFound = (3005, 404, "account not found"),
    // staff members
    /// No such staff member for this account.
    StaffNotFound = (3010, 404, "staff member not found"),
    // dashboard logins
    /// No dashboard user with this e-mail (the command line's user commands).
    UserNotFound = (3011, 404, "dashboard user not found"),
    /// No live API key with this id for this account.
    ApiKeyNotFound = (3012, 404, "API key not found"),
    // webhooks
    /// No such webhook endpoint for this account.
    WebhookNotFound = (3020, 404, "webhook not found"),
    /// No such delivery for this account.
    DeliveryNotFound = (3021, 404, "webhook delivery not found"),

    // 4xxx: the stamp's state refuses the operation.
    /// The stamp is deactivated (`activeYn=N`).
    Inactive = (4001, 409, "the stamp is not active"),
    /// Today is before `strtYmd`.
    NotStarted = (4002, 409, "the stamp's validity period has not started yet"),
    /// Today is after `endYmd`.
    Expired = (4003, 409, "the stamp has expired"),
    /// All stamps are already collected.
    Full = (4004, 409, "all stamps are already collected"),
    /// The reward was already redeemed; a redeemed stamp is final.
    AlreadyRedeemed = (4005, 409, "the reward was already redeemed"),
    /// Not all stamps are collected yet.
    NotComplete = (4006, 409, "not all stamps are collected yet"),
    /// The count is already 0.
    NothingToRemove = (4007, 409, "the stamp count is already 0"),
    // cards: anti-fraud rules, retiring, deleting
    /// The card's `cooldownSecs` have not passed since this stamp's last add (`Retry-After`
    /// says how long is left).
    AddTooSoon = (4010, 429, "this stamp was stamped too recently; the card's cooldown has not passed yet"),
    /// The stamp already had the card's `maxAddsPerDay` adds today (UTC); `Retry-After` says
    /// when the next day starts.
    DailyAddLimit = (4011, 429, "this stamp already had the card's maximum number of adds for today"),
    /// The card is retired (`activeYn=N`): no new stamps can be issued on it.
    CardRetired = (4012, 409, "the card is retired; no new stamps can be issued on it"),
    /// The card still has stamps, so it cannot be deleted.
    CardHasStamps = (4013, 409, "the card still has stamps; delete them before deleting the card"),
    // webhooks
    /// The account already has the most webhook endpoints it may have.
    TooManyWebhooks = (4020, 409, "this account already has 20 webhook endpoints; delete one first"),
    /// The endpoint is disabled, so nothing is sent to it.
    WebhookDisabled = (4021, 409, "the webhook is disabled; enable it first"),

    // 5xxx: exactly-once delivery.
    /// The `Idempotency-Key` was used before with a different request.
    IdempotencyKeyReused = (5001, 422, "this Idempotency-Key was already used for a different request"),

    // 9xxx: the server's own faults (never caused by what a client sends).
    /// An unexpected server fault; details are in the server log.
    Internal = (9001, 500, "internal server error"),
    /// The database is unavailable.
    Unavailable = (9002, 503, "the service is temporarily unavailable; retry shortly"),
    /// Too many password checks are queued; the server refuses rather than run out of memory.
    Busy = (9003, 503, "the server is busy; retry in a moment"),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A refusal as sent on the wire: a code from the table plus a message that may be more
/// specific than the default one (for example naming the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The code from the table.
    pub code: ErrorCode,
    /// The human-readable message sent to the client.
    pub message: String,
}

impl ApiError {
    /// A refusal with a specific message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> ApiError {
        ApiError { code, message: code.message().to_owned() }
    }
}

/// Renders the error-code table as Markdown (the content of `docs/error-codes.md`).
pub fn error_codes_markdown() -> String {
    let mut out = String::from(
        "# Error codes\n\n\
         <!-- Generated from `stampcard_core::error::ErrorCode` by a test; do not edit by hand. -->\n\n\
         Every response is the envelope `{\"code\", \"message\", \"result\"}`. `code` 0 is success; \
         any other value is one of the codes below and `result` is `null`. `message` is the default \
         message below or a more specific one (for example naming the field). Codes are stable: \
         they are never renumbered or reused.\n\n\
         | code | name | HTTP status | meaning |\n|---:|---|---:|---|\n",
    );
    for code in ErrorCode::ALL {
        let name = serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        out.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            code.code(),
            name,
            code.http_status(),
            code.message().replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_non_zero() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert_ne!(code.code(), 0, "{code:?}");
            assert!(seen.insert(code.code()), "duplicate code {}", code.code());
            assert_eq!(ErrorCode::from_code(code.code()), Some(*code));
            assert!((400..600).contains(&code.http_status()), "{code:?}");
            let msg = code.message();
            assert!(!msg.ends_with('.'), "{code:?} message ends with a period");
        }
    }
}
