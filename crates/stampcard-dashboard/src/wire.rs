//! The back-office API's bodies the core does not have yet (issue 10: list, get, bulk), as the
//! dashboard reads and sends them, with the exact JSON names. The logins' bodies and
//! the roles (`stampcard_core::dashboard`) and the cards' (`stampcard_core::wire`) are the
//! core's own.
//!
//! These belong in the core beside the other bodies; they are here only until the server
//! side of those endpoints is merged, and then move to the core (or are replaced by its
//! types) so the server and the dashboard share one definition. Reading is lenient on purpose:
//! a field the dashboard does not show may be absent.

use serde::{Deserialize, Serialize};
use stampcard_core::model::PinState;
use stampcard_core::types::{YesNo, Ymd, Ymdt};

pub use stampcard_core::dashboard::{LoginRequest, Role, SessionView};
use stampcard_core::wire::CardView;

/// URL paths of the back-office API the core does not name yet (the logins' are in
/// `stampcard_core::dashboard::paths`).
pub mod paths {
    /// `GET ?cardIdx=&status=&q=&userId=&limit=&cursor=`: one page of stamps.
    pub const STAMP_LIST: &str = "/api/stamp/v1/list";
    /// `GET ?stampIdx=N`: a stamp in any state.
    pub const STAMP_GET: &str = "/api/stamp/v1/get";
    /// `POST {action, stampIdxs}`: change many stamps at once.
    pub const STAMP_BULK: &str = "/api/stamp/v1/bulk";
}

/// A stamp's status for a given day, decided by the core on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StampStatus {
    /// Collecting.
    Active,
    /// All stamps collected, not redeemed.
    Full,
    /// Redeemed (final).
    Redeemed,
    /// Deactivated.
    Inactive,
    /// Before its first day.
    Upcoming,
    /// After its last day.
    Expired,
}

impl StampStatus {
    /// Every status, in the order the filter lists them.
    pub const ALL: [StampStatus; 6] = [
        StampStatus::Active,
        StampStatus::Full,
        StampStatus::Redeemed,
        StampStatus::Inactive,
        StampStatus::Upcoming,
        StampStatus::Expired,
    ];

    /// The wire name (`ACTIVE`), also the `status` query parameter.
    pub fn wire(self) -> &'static str {
        match self {
            StampStatus::Active => "ACTIVE",
            StampStatus::Full => "FULL",
            StampStatus::Redeemed => "REDEEMED",
            StampStatus::Inactive => "INACTIVE",
            StampStatus::Upcoming => "UPCOMING",
            StampStatus::Expired => "EXPIRED",
        }
    }

    /// The status for a wire name.
    pub fn from_wire(name: &str) -> Option<StampStatus> {
        StampStatus::ALL.into_iter().find(|status| status.wire() == name)
    }
}

/// `GET /api/stamp/v1/get`: a stamp in any state (the validate fields plus its status), also
/// one item of the list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StampItem {
    /// The stamp.
    pub stamp_idx: i64,
    /// The card.
    pub card_idx: i64,
    /// Card name.
    #[serde(default)]
    pub card_nm: String,
    /// Card title (the reward text).
    #[serde(default)]
    pub card_ttl: String,
    /// Stamps collected.
    pub stamps: u32,
    /// Stamps needed.
    pub max_stamps: u32,
    /// The customer's stamp page.
    #[serde(default)]
    pub stamp_url: String,
    /// The card's button target.
    #[serde(default)]
    pub url: String,
    /// First valid day.
    pub strt_ymd: Ymd,
    /// Last valid day.
    pub end_ymd: Ymd,
    /// Whether staff need the on-site password.
    #[serde(default)]
    pub onsite_yn: Option<YesNo>,
    /// Internal memo.
    #[serde(default)]
    pub memo: String,
    /// Active or not.
    pub active_yn: YesNo,
    /// The shop's user id.
    #[serde(default)]
    pub user_id: String,
    /// User name.
    #[serde(default)]
    pub user_nm: String,
    /// User phone number.
    #[serde(default)]
    pub user_phnno: String,
    /// User e-mail.
    #[serde(default)]
    pub user_eml: String,
    /// Free field 1.
    #[serde(default)]
    pub user_etc1: String,
    /// Free field 2.
    #[serde(default)]
    pub user_etc2: String,
    /// The card's stamp image.
    #[serde(default)]
    pub stamp_img_url: String,
    /// When it was issued.
    pub reg_ymdt: Ymdt,
    /// Its status today.
    pub status: StampStatus,
    /// The day the reward was redeemed.
    #[serde(default)]
    pub redeemed_ymd: Option<Ymd>,
    /// Whether the customer's PIN is set.
    #[serde(default)]
    pub pin_state: Option<PinState>,
    /// When the last stamp was added.
    #[serde(default)]
    pub last_add_ymdt: Option<Ymdt>,
    /// The stamp automatic renewal created when this one was redeemed.
    #[serde(default)]
    pub next_stamp_idx: Option<i64>,
}

/// `GET /api/stamp/v1/list`: one page, newest first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StampPage {
    /// The stamps of this page.
    pub items: Vec<StampItem>,
    /// The cursor of the next page; `None` on the last one.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// What a bulk change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BulkAction {
    /// Deletes the stamps and their history.
    Delete,
    /// Sets `activeYn = N`.
    Deactivate,
    /// Sets `activeYn = Y`.
    Activate,
}

/// `POST /api/stamp/v1/bulk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    /// What to do.
    pub action: BulkAction,
    /// Which stamps (1 to 1,000).
    pub stamp_idxs: Vec<i64>,
}

/// The result of a bulk change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResult {
    /// How many stamps changed.
    pub affected: u32,
    /// Ids that were not found (or are another account's).
    #[serde(default)]
    pub missing: Vec<i64>,
}

/// Whether a card is retired (`activeYn = N`): no new stamps on it.
pub fn is_retired(card: &CardView) -> bool {
    card.active_yn == YesNo::N
}

/// One history event as the dashboard shows it. `action` and `actor` stay text so an event
/// kind this build does not know yet (the staff member of issue 10) still shows.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    /// The event.
    pub event_idx: i64,
    /// What happened (`ADD`, `USE`, ...).
    pub action: String,
    /// Count before.
    #[serde(default)]
    pub stamps_before: u32,
    /// Count after.
    #[serde(default)]
    pub stamps_after: u32,
    /// Who (`API_KEY`, `CUSTOMER`, `ONSITE`, ...).
    pub actor: String,
    /// The API key, when an API key acted.
    #[serde(default)]
    pub api_key_idx: Option<i64>,
    /// The staff member, when one acted.
    #[serde(default)]
    pub staff_idx: Option<i64>,
    /// The staff member's name, when the server says it.
    #[serde(default)]
    pub staff_nm: Option<String>,
    /// When.
    pub reg_ymdt: Ymdt,
}
