//! Wire types: the JSON bodies of every endpoint, with the exact field names of the hosted
//! stamp API (`stampIdx`, `strtYmd`, `onsitePwd`, ...), and the `{code, message, result}`
//! envelope. Unknown request fields are ignored; `null` is the same as an absent field.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::model::StampState;
// On the wire as `PageIntro::pin_state`; defined with the stamp it belongs to, re-exported so
// the bodies' users find every type they carry here.
pub use crate::model::PinState;
use crate::types::{YesNo, Ymd, Ymdt};

/// URL paths shared by the server (routes) and the widget (requests).
pub mod paths {
    /// `POST`: issue a stamp.
    pub const CREATE: &str = "/api/stamp/v1/create";
    /// `PUT`: add one stamp.
    pub const ADD: &str = "/api/stamp/v1/add";
    /// `PUT`: take one stamp away.
    pub const REMOVE: &str = "/api/stamp/v1/remove";
    /// `PUT`: update a stamp.
    pub const UPDATE: &str = "/api/stamp/v1/update";
    /// `DELETE ?stampIdx=N`: delete a stamp and its history.
    pub const DELETE: &str = "/api/stamp/v1/delete";
    /// `GET ?stampIdx=N`: validate a stamp.
    pub const VALIDATE: &str = "/api/stamp/v1/validate";
    /// `PUT`: redeem the reward.
    pub const REDEEM: &str = "/api/stamp/v1/redeem";
    /// `GET ?stampIdx=N`: a stamp's history.
    pub const HISTORY: &str = "/api/stamp/v1/history";
    /// `POST`: create a card (our extension).
    pub const CARD_CREATE: &str = "/api/stamp/v1/card/create";
    /// `GET`: list the account's cards.
    pub const CARD_LIST: &str = "/api/stamp/v1/card/list";
    /// `GET ?cardIdx=N`: one card.
    pub const CARD_GET: &str = "/api/stamp/v1/card/get";
    /// `PUT`: update a card.
    pub const CARD_UPDATE: &str = "/api/stamp/v1/card/update";
    /// `DELETE ?cardIdx=N`: delete a card that has no stamps.
    pub const CARD_DELETE: &str = "/api/stamp/v1/card/delete";
    /// `POST`: delete, deactivate or activate many stamps at once (our extension).
    pub const BULK: &str = "/api/stamp/v1/bulk";
    /// `POST ?cardIdx=N&dryRun=Y|N` with a `text/csv` body: create stamps from a CSV file.
    pub const IMPORT: &str = "/api/stamp/v1/import";
    /// Prefix of the customer stamp page API: `/api/page/v1/{token}[/...]`.
    pub const PAGE_API_PREFIX: &str = "/api/page/v1";
    /// Prefix of the customer stamp page itself: `/stamp/{token}`.
    pub const STAMP_PAGE_PREFIX: &str = "/stamp";

    /// `GET`: the page intro (no session needed).
    pub fn page_intro(token: &str) -> String {
        format!("{PAGE_API_PREFIX}/{token}")
    }
    /// `GET` (session): the full card view.
    pub fn page_card(token: &str) -> String {
        format!("{PAGE_API_PREFIX}/{token}/card")
    }
    /// `POST {pin}`: set the first PIN (or after a reset). `PUT {currentPin, newPin}`: change it.
    pub fn page_pin(token: &str) -> String {
        format!("{PAGE_API_PREFIX}/{token}/pin")
    }
    /// `POST {pin}`: verify the PIN and open a session.
    pub fn page_session(token: &str) -> String {
        format!("{PAGE_API_PREFIX}/{token}/session")
    }
    /// `POST {onsitePwd}` (session): staff adds one stamp.
    pub fn page_onsite_add(token: &str) -> String {
        format!("{PAGE_API_PREFIX}/{token}/onsite/add")
    }
    /// `POST {onsitePwd}` (session): staff redeems the reward.
    pub fn page_onsite_redeem(token: &str) -> String {
        format!("{PAGE_API_PREFIX}/{token}/onsite/redeem")
    }
}

/// The `payloadVersion` the validate endpoint reports.
pub const PAYLOAD_VERSION: &str = "v1";

/// The request-body fields that carry a PIN or a password (`onsitePwd` of the stamp and card
/// requests, the page's `pin`, `currentPin` and `newPin`, a staff member's `staffPwd`): never stored or logged in any form
/// that could be reversed.
pub const SECRET_FIELDS: [&str; 5] = ["onsitePwd", "pin", "currentPin", "newPin", "staffPwd"];

/// Every response body: `code` 0 and a `result`, or a non-zero `code`, a message and `result: null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// 0 on success, otherwise a code from [`crate::error::ErrorCode`].
    pub code: i32,
    /// Empty on success, otherwise why the request was refused.
    pub message: String,
    /// The result on success, `null` on failure.
    pub result: Option<T>,
}

impl<T> Envelope<T> {
    /// A success envelope.
    pub fn ok(result: T) -> Envelope<T> {
        Envelope { code: 0, message: String::new(), result: Some(result) }
    }

    /// A failure envelope.
    pub fn err(error: &ApiError) -> Envelope<T> {
        Envelope { code: error.code.code(), message: error.message.clone(), result: None }
    }

    /// Turns a received envelope back into a result (used by clients such as the widget).
    pub fn into_result(self) -> Result<Option<T>, ApiError> {
        if self.code == 0 {
            return Ok(self.result);
        }
        let code = crate::error::ErrorCode::from_code(self.code).unwrap_or(crate::error::ErrorCode::Internal);
        Err(ApiError::new(code, self.message))
    }
}

/// `POST /api/stamp/v1/create`. `result` is the new `stampIdx`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateStampRequest {
    /// The card to issue the stamp on.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub card_idx: i64,
    /// Custom stamp domain (Premium plan or higher); empty means the server's own URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 255))]
    pub domain: Option<String>,
    /// First valid day.
    pub strt_ymd: Ymd,
    /// Last valid day (inclusive), at most 5 years from today.
    pub end_ymd: Ymd,
    /// Active (default `Y`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_yn: Option<YesNo>,
    /// Internal memo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub memo: Option<String>,
    /// The shop's user id; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub user_id: Option<String>,
    /// User name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub user_nm: Option<String>,
    /// User phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 30))]
    pub user_phnno: Option<String>,
    /// User email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub user_eml: Option<String>,
    /// Free field 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub user_etc1: Option<String>,
    /// Free field 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub user_etc2: Option<String>,
}

/// `PUT /api/stamp/v1/add` and `PUT /api/stamp/v1/remove`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StampIdxRequest {
    /// The stamp.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub stamp_idx: i64,
}

/// `PUT /api/stamp/v1/update`: every field but `stampIdx` is optional; absent means unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateStampRequest {
    /// The stamp.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub stamp_idx: i64,
    /// Move the stamp to another card of the account.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::types::optional_integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub card_idx: Option<i64>,
    /// The new total count (`0..=maxStamps`), up or down.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::types::optional_integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub stamps: Option<i64>,
    /// `Y` clears the customer's PIN; they set a new one on the next visit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_pin_yn: Option<YesNo>,
    /// `Y` marks the reward as used (needs all stamps collected); final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_yn: Option<YesNo>,
    /// Custom stamp domain (Premium plan or higher); empty string means the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 255))]
    pub domain: Option<String>,
    /// First valid day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strt_ymd: Option<Ymd>,
    /// Last valid day (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ymd: Option<Ymd>,
    /// Active or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_yn: Option<YesNo>,
    /// Internal memo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub memo: Option<String>,
    /// The shop's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub user_id: Option<String>,
    /// User name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub user_nm: Option<String>,
    /// User phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 30))]
    pub user_phnno: Option<String>,
    /// User email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub user_eml: Option<String>,
    /// Free field 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub user_etc1: Option<String>,
    /// Free field 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub user_etc2: Option<String>,
}

/// `PUT /api/stamp/v1/redeem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RedeemRequest {
    /// The stamp.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub stamp_idx: i64,
    /// The on-site staff password, needed when the card has `onsiteYn = Y`: the card's
    /// password, or a staff member's as `<staffIdx>:<staffPwd>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 4, max_length = 49))]
    pub onsite_pwd: Option<String>,
}

/// The `result` of `GET /api/stamp/v1/validate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValidateResult {
    /// The stamp.
    pub stamp_idx: i64,
    /// The stamp domain (custom, or the server's public URL).
    pub domain: String,
    /// The card.
    pub card_idx: i64,
    /// Card name.
    pub card_nm: String,
    /// Card title (the reward text).
    pub card_ttl: String,
    /// Stamps collected.
    pub stamps: u32,
    /// Stamps needed for the reward.
    pub max_stamps: u32,
    /// The customer's stamp page.
    pub stamp_url: String,
    /// Target of the button on the stamp page.
    pub url: String,
    /// First valid day.
    pub strt_ymd: Ymd,
    /// Last valid day (inclusive).
    pub end_ymd: Ymd,
    /// Whether redeeming needs the on-site staff password.
    pub onsite_yn: YesNo,
    /// Always `null`: the password is stored only as an argon2id hash, so it cannot be returned.
    pub onsite_pwd: Option<String>,
    /// Internal memo.
    pub memo: String,
    /// Active or not.
    pub active_yn: YesNo,
    /// The shop's user id.
    pub user_id: String,
    /// User name.
    pub user_nm: String,
    /// User phone number.
    pub user_phnno: String,
    /// User email.
    pub user_eml: String,
    /// Free field 1.
    pub user_etc1: String,
    /// Free field 2.
    pub user_etc2: String,
    /// The card's stamp image.
    pub stamp_img_url: String,
    /// When the stamp was issued.
    pub reg_ymdt: Ymdt,
    /// Always `"v1"`.
    pub payload_version: String,
}

/// `POST /api/stamp/v1/card/create` (our extension; the hosted API makes cards in a dashboard).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CardCreateRequest {
    /// Card name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub card_nm: String,
    /// Card title: the reward text ("Free coffee").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub card_ttl: Option<String>,
    /// Stamps needed for the reward.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub max_stamps: i64,
    /// Image shown in a filled slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub stamp_img_url: Option<String>,
    /// Target of the button on the stamp page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub url: Option<String>,
    /// Whether redeeming needs the on-site staff password (default `N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onsite_yn: Option<YesNo>,
    /// The on-site staff password (write-only; stored as an argon2id hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 4, max_length = 32))]
    pub onsite_pwd: Option<String>,
    /// Minimum seconds between two adds on one stamp (default 0: no cooldown).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::types::optional_integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2592000))]
    pub cooldown_secs: Option<i64>,
    /// Most adds per stamp per UTC day (default 0: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::types::optional_integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub max_adds_per_day: Option<i64>,
    /// `Y`: redeeming a stamp issues the customer's next stamp in the same transaction
    /// (default `N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew_yn: Option<YesNo>,
}

/// `PUT /api/stamp/v1/card/update`: absent fields are unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CardUpdateRequest {
    /// The card.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub card_idx: i64,
    /// Card name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub card_nm: Option<String>,
    /// Card title (reward text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub card_ttl: Option<String>,
    /// Stamps needed for the reward; may not go below any live stamp's count on the card.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::types::optional_integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub max_stamps: Option<i64>,
    /// Image shown in a filled slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub stamp_img_url: Option<String>,
    /// Target of the button on the stamp page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub url: Option<String>,
    /// Whether redeeming needs the on-site staff password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onsite_yn: Option<YesNo>,
    /// A new on-site staff password (write-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 4, max_length = 32))]
    pub onsite_pwd: Option<String>,
    /// Minimum seconds between two adds on one stamp (0: no cooldown).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::types::optional_integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2592000))]
    pub cooldown_secs: Option<i64>,
    /// Most adds per stamp per UTC day (0: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::types::optional_integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub max_adds_per_day: Option<i64>,
    /// `N` retires the card (no new stamps on it; its stamps keep working), `Y` brings it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_yn: Option<YesNo>,
    /// `Y`: redeeming a stamp issues the customer's next stamp in the same transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew_yn: Option<YesNo>,
}

/// A card as the card endpoints return it (never the password).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CardView {
    /// The card.
    pub card_idx: i64,
    /// Card name.
    pub card_nm: String,
    /// Card title (reward text).
    pub card_ttl: String,
    /// Stamps needed for the reward.
    pub max_stamps: u32,
    /// Image shown in a filled slot.
    pub stamp_img_url: String,
    /// Target of the button on the stamp page.
    pub url: String,
    /// Whether redeeming needs the on-site staff password.
    pub onsite_yn: YesNo,
    /// When the card was created.
    pub reg_ymdt: Ymdt,
    /// Minimum seconds between two adds on one stamp (0: no cooldown).
    pub cooldown_secs: u32,
    /// Most adds per stamp per UTC day (0: no limit).
    pub max_adds_per_day: u32,
    /// `N`: retired, no new stamps can be issued on it.
    pub active_yn: YesNo,
    /// `Y`: redeeming a stamp issues the customer's next stamp.
    pub auto_renew_yn: YesNo,
}

/// What changed a stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HistoryAction {
    /// Issued.
    Create,
    /// One stamp added.
    Add,
    /// One stamp taken away.
    Remove,
    /// Updated (count, dates, flags, user fields).
    Update,
    /// Reward redeemed.
    Use,
    /// The customer's PIN was reset by the shop.
    PinReset,
    /// The customer set or changed their PIN.
    PinSet,
    /// The stamp was redeemed on an auto-renewing card and its successor was issued in the
    /// same transaction (`nextStampIdx`); recorded right after the `USE`.
    Renew,
}

/// Who changed a stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HistoryActor {
    /// A shop server with an API key (`apiKeyIdx` says which).
    ApiKey,
    /// Staff at the counter with the on-site password.
    Onsite,
    /// The customer on the stamp page.
    Customer,
    /// A staff member with their own password (`staffIdx` says which), on the stamp page or
    /// through the redeem API.
    Staff,
    /// A signed-in dashboard user (`userIdx` says which; our extension).
    User,
}

/// One entry of `GET /api/stamp/v1/history?stampIdx=N` (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    /// The event.
    pub event_idx: i64,
    /// The stamp.
    pub stamp_idx: i64,
    /// What happened.
    pub action: HistoryAction,
    /// Count before.
    pub stamps_before: u32,
    /// Count after.
    pub stamps_after: u32,
    /// Who did it.
    pub actor: HistoryActor,
    /// The API key, when `actor` is `API_KEY` (or `STAFF` through the redeem API).
    pub api_key_idx: Option<i64>,
    /// The staff member, when `actor` is `STAFF`.
    pub staff_idx: Option<i64>,
    /// The dashboard user, when `actor` is `USER`.
    #[serde(default)]
    pub user_idx: Option<i64>,
    /// Who, in words, when the server still knows: the staff member's name for `STAFF`, the
    /// user's e-mail address for `USER`; null otherwise (also once they were removed).
    #[serde(default)]
    pub actor_nm: Option<String>,
    /// When.
    pub reg_ymdt: Ymdt,
}

/// `GET /api/page/v1/{token}`: what the page shows before the PIN is entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PageIntro {
    /// Card name.
    pub card_nm: String,
    /// Card title (reward text).
    pub card_ttl: String,
    /// Whether a PIN is set.
    pub pin_state: PinState,
    /// Seconds until PIN entry unlocks, when locked after too many wrong PINs.
    pub pin_locked_secs: Option<u32>,
    /// The state derived by the core for the server's today (as in [`PageView`]), so the page
    /// says that a card cannot be used (expired, not started, inactive) before asking for the
    /// PIN.
    pub state: StampState,
    /// First valid day (for "this card starts on ...").
    pub strt_ymd: Ymd,
    /// Last valid day, inclusive (for "this card expired on ...").
    pub end_ymd: Ymd,
}

/// `GET /api/page/v1/{token}/card` (with a session): the whole stamp card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PageView {
    /// Card name.
    pub card_nm: String,
    /// Card title (reward text).
    pub card_ttl: String,
    /// Image shown in a filled slot (may be empty).
    pub stamp_img_url: String,
    /// Target of the card's button (may be empty).
    pub url: String,
    /// Stamps collected.
    pub stamps: u32,
    /// Stamps needed.
    pub max_stamps: u32,
    /// First valid day.
    pub strt_ymd: Ymd,
    /// Last valid day (inclusive).
    pub end_ymd: Ymd,
    /// Active or not.
    pub active_yn: YesNo,
    /// The day the reward was redeemed, if it was.
    pub redeemed_ymd: Option<Ymd>,
    /// Whether staff actions need (and are enabled by) the on-site password.
    pub onsite_yn: YesNo,
    /// The server's today, so the page judges the window by the server's calendar.
    pub today: Ymd,
    /// The state derived by the core for `today`.
    pub state: StampState,
    /// Seconds until staff actions unlock, when locked after too many wrong passwords.
    pub onsite_locked_secs: Option<u32>,
    /// The day the customer's previous card on this link was redeemed, when this card is
    /// its automatic renewal (the page says "reward redeemed" above the new card).
    #[serde(default)]
    pub previous_redeemed_ymd: Option<Ymd>,
}

/// `POST /api/page/v1/{token}/pin` and `/session`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PinRequest {
    /// The PIN: 4 to 8 digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{4,8}$"))]
    pub pin: String,
}

/// `PUT /api/page/v1/{token}/pin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangePinRequest {
    /// The PIN in use.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{4,8}$"))]
    pub current_pin: String,
    /// The new PIN.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{4,8}$"))]
    pub new_pin: String,
}

/// `POST /api/page/v1/{token}/onsite/add` and `/onsite/redeem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OnsiteRequest {
    /// The card's on-site staff password, or a staff member's as `<staffIdx>:<staffPwd>`.
    #[cfg_attr(feature = "openapi", schema(min_length = 4, max_length = 49))]
    pub onsite_pwd: String,
}

/// A stamp-page session, returned when a PIN is set, changed or verified. Send it back as
/// `Authorization: Bearer <sessionToken>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionResult {
    /// The bearer token.
    pub session_token: String,
    /// Seconds until it expires.
    pub expires_in_secs: u32,
}

// bulk changes and import

/// What `POST /api/stamp/v1/bulk` does to every listed stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BulkAction {
    /// Delete the stamps with their history, for good (as `DELETE /api/stamp/v1/delete`).
    Delete,
    /// Set `activeYn` to `N`.
    Deactivate,
    /// Set `activeYn` to `Y`.
    Activate,
}

/// Prefix of the serde message for an unknown bulk action.
const INVALID_ACTION: &str = "must be \"DELETE\", \"DEACTIVATE\" or \"ACTIVATE\"";

impl<'de> Deserialize<'de> for BulkAction {
    // By hand, like `YesNo`: serde_json reports a derived enum given a non-string as a syntax
    // error, which would call well-formed JSON malformed.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<BulkAction, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = BulkAction;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(INVALID_ACTION)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<BulkAction, E> {
                match v {
                    "DELETE" => Ok(BulkAction::Delete),
                    "DEACTIVATE" => Ok(BulkAction::Deactivate),
                    "ACTIVATE" => Ok(BulkAction::Activate),
                    _ => Err(E::custom(format!("{INVALID_ACTION}, not {v:?}"))),
                }
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// `POST /api/stamp/v1/bulk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    /// What to do.
    pub action: BulkAction,
    /// The stamps: 1 to 1,000 ids (a repeated id counts once).
    #[serde(deserialize_with = "crate::types::idx_list")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::types::idx_list_schema))]
    pub stamp_idxs: Vec<i64>,
}

/// `POST /api/stamp/v1/bulk`'s result. Every distinct id sent is in exactly one of
/// `affected` (as a count), `missing` and `unchanged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BulkResult {
    /// How many stamps were deleted, or had their `activeYn` changed.
    pub affected: u32,
    /// The ids that are not stamps of this account (nonexistent or another account's),
    /// ascending.
    pub missing: Vec<i64>,
    /// The account's stamps left as they were, ascending: already in the asked state, or
    /// redeemed (a redeemed stamp is final; it can still be deleted).
    pub unchanged: Vec<i64>,
}

/// One refused row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportRefusal {
    /// The physical line of the file the row starts on (the header is line 1).
    pub line: u64,
    /// The error code, the same the create API answers for the same fault.
    #[cfg_attr(feature = "openapi", schema(example = 1005))]
    pub code: i32,
    /// What is wrong, naming the field.
    pub message: String,
}

/// `POST /api/stamp/v1/import`'s result. Nothing was written unless `dryRun` is `N` and
/// `refused` is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    /// Whether this was a dry run (nothing written).
    pub dry_run: YesNo,
    /// The data rows read (the header not counted).
    pub rows: u32,
    /// The stamps created: every row, or 0 (a dry run, or a file with a refused row).
    pub created: u32,
    /// The new stamps' ids, in the file's row order (empty when `created` is 0).
    pub stamp_idxs: Vec<i64>,
    /// Every refused row, in file order; empty when every row is valid.
    pub refused: Vec<ImportRefusal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_fields_name_every_secret_of_the_page_and_staff_requests() {
        let secret = || "s3cret".to_owned();
        let bodies = [
            serde_json::to_value(PinRequest { pin: secret() }),
            serde_json::to_value(ChangePinRequest { current_pin: secret(), new_pin: secret() }),
            serde_json::to_value(OnsiteRequest { onsite_pwd: secret() }),
            serde_json::to_value(crate::staff::StaffCreateRequest {
                staff_nm: "Ann".to_owned(),
                staff_pwd: secret(),
                card_idxs: None,
            }),
            serde_json::to_value(crate::staff::StaffUpdateRequest {
                staff_idx: 1,
                staff_pwd: Some(secret()),
                ..crate::staff::StaffUpdateRequest::default()
            }),
        ];
        for body in bodies {
            let body = body.expect("serialise");
            let fields = body.as_object().expect("an object");
            for (name, value) in fields {
                assert_eq!(value == "s3cret", SECRET_FIELDS.contains(&name.as_str()), "{name} in {body}");
            }
        }
    }
}
