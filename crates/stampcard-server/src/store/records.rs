//! The rows the store reads and writes, decoded by column name (`sqlx::FromRow`), so a query
//! may list its columns in any order and a new column changes one struct, not every index.

use chrono::NaiveDate;
use stampcard_core::card_rules::AddLimits;
use stampcard_core::model::{Card, Stamp, Window};
use stampcard_core::secret::CardGuard;
use stampcard_core::wire::{HistoryAction, HistoryActor, HistoryEvent, PinState};

use super::StoreError;
use crate::clock::ymdt;
use crate::plan::Plan;

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRecord {
    /// `accountIdx`.
    pub account_idx: i64,
    /// Display name.
    pub name: String,
    /// Plan.
    #[sqlx(try_from = "StoredName")]
    pub plan: Plan,
    /// Unix ms.
    pub created_at: i64,
}

/// An API key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKeyRecord {
    /// The key's id.
    pub api_key_idx: i64,
    /// Its account.
    pub account_idx: i64,
    /// The first characters of the key.
    pub key_prefix: String,
    /// A free label.
    pub label: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, when revoked.
    pub revoked_at: Option<i64>,
}

/// Who an API key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Principal {
    /// The account.
    pub account_idx: i64,
    /// The account's plan.
    #[sqlx(try_from = "StoredName")]
    pub plan: Plan,
    /// The key used.
    pub api_key_idx: i64,
}

/// A card row. Its `created_at` is read as `card_created_at`, so a card decodes from a row
/// joined with its stamp (see `sql::CARD_COLUMNS`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CardRecord {
    /// `cardIdx`.
    pub card_idx: i64,
    /// Owner.
    pub account_idx: i64,
    /// `cardNm`.
    #[sqlx(rename = "card_nm")]
    pub name: String,
    /// `cardTtl`.
    #[sqlx(rename = "card_ttl")]
    pub title: String,
    /// `maxStamps`.
    #[sqlx(try_from = "i32")]
    pub max_stamps: u32,
    /// `stampImgUrl`.
    pub stamp_img_url: String,
    /// `url`.
    pub url: String,
    /// `onsiteYn`.
    #[sqlx(rename = "onsite_yn")]
    pub onsite_required: bool,
    /// argon2id PHC string of the on-site password.
    pub onsite_pwd_hash: Option<String>,
    /// Unix ms.
    #[sqlx(rename = "card_created_at")]
    pub created_at: i64,
    /// `cooldownSecs` (0: off).
    #[sqlx(try_from = "i32")]
    pub cooldown_secs: u32,
    /// `maxAddsPerDay` (0: off).
    #[sqlx(try_from = "i32")]
    pub max_adds_per_day: u32,
    /// `activeYn`: `false` once retired. Read as `card_active_yn`, since a stamp has an
    /// `active_yn` of its own.
    #[sqlx(rename = "card_active_yn")]
    pub active: bool,
    /// `autoRenewYn`.
    #[sqlx(rename = "auto_renew_yn")]
    pub auto_renew: bool,
}

impl CardRecord {
    /// The core's view of the card.
    pub fn model(&self) -> Card {
        Card {
            name: self.name.clone(),
            title: self.title.clone(),
            max_stamps: self.max_stamps,
            stamp_img_url: self.stamp_img_url.clone(),
            url: self.url.clone(),
            onsite_required: self.onsite_required,
        }
    }

    /// The card's pace rules for adds.
    pub fn add_limits(&self) -> AddLimits {
        AddLimits { cooldown_secs: self.cooldown_secs, max_adds_per_day: self.max_adds_per_day }
    }
}

/// A stamp row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StampRecord {
    /// `stampIdx` (0 before insertion).
    pub stamp_idx: i64,
    /// Owner.
    pub account_idx: i64,
    /// The card.
    pub card_idx: i64,
    /// The stamp-page token.
    pub token: String,
    /// Custom domain; `None` is the server's public URL.
    pub domain: Option<String>,
    /// Count.
    #[sqlx(try_from = "i32")]
    pub stamps: u32,
    /// `strtYmd`.
    #[sqlx(rename = "strt_ymd")]
    pub start: NaiveDate,
    /// `endYmd`.
    #[sqlx(rename = "end_ymd")]
    pub end: NaiveDate,
    /// `activeYn`.
    #[sqlx(rename = "active_yn")]
    pub active: bool,
    /// Day of redemption.
    #[sqlx(rename = "redeemed_ymd")]
    pub redeemed_on: Option<NaiveDate>,
    /// `memo`.
    pub memo: String,
    /// `userId`.
    pub user_id: String,
    /// `userNm`.
    pub user_nm: String,
    /// `userPhnno`.
    pub user_phnno: String,
    /// `userEml`.
    pub user_eml: String,
    /// `userEtc1`.
    pub user_etc1: String,
    /// `userEtc2`.
    pub user_etc2: String,
    /// PIN state.
    #[sqlx(try_from = "StoredName")]
    pub pin_state: PinState,
    /// argon2id PHC string of the PIN, when set.
    pub pin_hash: Option<String>,
    /// Wrong PINs in a row.
    #[sqlx(try_from = "i32")]
    pub pin_failures: u32,
    /// Unix ms until which PIN entry is locked (0: not locked).
    pub pin_locked_until: i64,
    /// Wrong on-site passwords in a row.
    #[sqlx(try_from = "i32")]
    pub onsite_failures: u32,
    /// Unix ms until which on-site actions are locked (0: not locked).
    pub onsite_locked_until: i64,
    /// Unix ms.
    pub created_at: i64,
    /// The stamp an automatic renewal issued when this one was redeemed (`nextStampIdx`).
    pub next_stamp_idx: Option<i64>,
}

impl StampRecord {
    /// The core's view of the stamp.
    pub fn model(&self) -> Stamp {
        Stamp {
            stamps: self.stamps,
            active: self.active,
            window: Window { start: self.start, end: self.end },
            redeemed_on: self.redeemed_on,
            pin: self.pin_state,
        }
    }

    /// Takes over what the core's rules decided.
    pub fn apply(&mut self, stamp: &Stamp) {
        self.stamps = stamp.stamps;
        self.active = stamp.active;
        self.start = stamp.window.start;
        self.end = stamp.window.end;
        self.redeemed_on = stamp.redeemed_on;
        self.pin_state = stamp.pin;
    }
}

/// A stamp with its card: both decode from one joined row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StampWithCard {
    /// The stamp.
    #[sqlx(flatten)]
    pub stamp: StampRecord,
    /// Its card.
    #[sqlx(flatten)]
    pub card: CardRecord,
}

/// A history entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The stamp.
    pub stamp_idx: i64,
    /// What.
    pub action: HistoryAction,
    /// Count before.
    pub stamps_before: u32,
    /// Count after.
    pub stamps_after: u32,
    /// Who.
    pub actor: HistoryActor,
    /// Which key, for `API_KEY` (and for `STAFF` through the redeem API).
    pub api_key_idx: Option<i64>,
    /// Which staff member, for `STAFF`.
    pub staff_idx: Option<i64>,
    /// Which dashboard user, for `USER`.
    pub user_idx: Option<i64>,
    /// Unix ms.
    pub at: i64,
}

/// A `stamp_events` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EventRow {
    event_idx: i64,
    stamp_idx: i64,
    #[sqlx(try_from = "StoredName")]
    action: HistoryAction,
    #[sqlx(try_from = "i32")]
    stamps_before: u32,
    #[sqlx(try_from = "i32")]
    stamps_after: u32,
    #[sqlx(try_from = "StoredName")]
    actor: HistoryActor,
    api_key_idx: Option<i64>,
    staff_idx: Option<i64>,
    user_idx: Option<i64>,
    actor_nm: Option<String>,
    created_at: i64,
}

impl From<EventRow> for HistoryEvent {
    fn from(row: EventRow) -> HistoryEvent {
        HistoryEvent {
            event_idx: row.event_idx,
            stamp_idx: row.stamp_idx,
            action: row.action,
            stamps_before: row.stamps_before,
            stamps_after: row.stamps_after,
            actor: row.actor,
            api_key_idx: row.api_key_idx,
            staff_idx: row.staff_idx,
            user_idx: row.user_idx,
            actor_nm: row.actor_nm,
            reg_ymdt: ymdt(row.created_at),
        }
    }
}

/// A `card_guards` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct GuardRow {
    #[sqlx(try_from = "i32")]
    failures: u32,
    #[sqlx(try_from = "i32")]
    locks: u32,
    locked_until: i64,
    last_failure_at: i64,
}

impl From<GuardRow> for CardGuard {
    fn from(row: GuardRow) -> CardGuard {
        CardGuard {
            failures: row.failures,
            locks: row.locks,
            locked_until_ms: row.locked_until,
            last_failure_ms: row.last_failure_at,
        }
    }
}

/// One id, as `... AS id` (a `RETURNING` or a single-column lookup).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Id {
    pub(crate) id: i64,
}

/// One count, as `... AS n`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Count {
    #[sqlx(try_from = "i32")]
    pub(crate) n: u32,
}

/// A name stored as text: a plan, a PIN state, a history action or actor, each spelled as
/// on the wire.
#[derive(Debug, sqlx::Type)]
#[sqlx(transparent)]
pub struct StoredName(String);

/// `TryFrom<StoredName>` by the type's wire name (serde), for `#[sqlx(try_from)]`.
macro_rules! from_wire_name {
    ($($name:ty),*) => {$(
        impl TryFrom<StoredName> for $name {
            type Error = StoreError;

            fn try_from(stored: StoredName) -> Result<$name, StoreError> {
                serde_json::from_value(serde_json::Value::String(stored.0.clone()))
                    .map_err(|e| StoreError::internal(format!("stored name {:?} is unknown: {e}", stored.0)))
            }
        }
    )*};
}
from_wire_name!(PinState, HistoryAction, HistoryActor);

impl TryFrom<StoredName> for Plan {
    type Error = StoreError;

    fn try_from(stored: StoredName) -> Result<Plan, StoreError> {
        stored.0.parse().map_err(|e: crate::plan::UnknownPlan| StoreError::internal(e.to_string()))
    }
}

/// The wire name a [`StoredName`] holds.
pub(crate) fn wire_name<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

// cards: anti-fraud rules, retiring, deleting and auto-renewal

/// The newest stamp of a page link's chain (the link's own stamp, or the automatic renewal
/// that followed it, and so on), with its card: the stamp the customer page acts on.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedStamp {
    /// The stamp.
    #[sqlx(flatten)]
    pub stamp: StampRecord,
    /// Its card.
    #[sqlx(flatten)]
    pub card: CardRecord,
    /// The day the stamp this one renewed was redeemed, when it is an automatic renewal.
    pub previous_redeemed_ymd: Option<NaiveDate>,
}

/// A stamp's `ADD` events as the pace rules need them.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AddHistoryRow {
    pub(crate) last_add: Option<i64>,
    pub(crate) adds_today: i64,
}
