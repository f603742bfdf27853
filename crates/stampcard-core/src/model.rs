//! The domain model: a card (the campaign) and a stamp (one customer's progress on it).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A stamp card: the campaign's rules and looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Card name (`cardNm`).
    pub name: String,
    /// Title: the reward text (`cardTtl`).
    pub title: String,
    /// Stamps needed for the reward (`maxStamps`), at least 1.
    pub max_stamps: u32,
    /// Image of a filled slot (`stampImgUrl`), may be empty.
    pub stamp_img_url: String,
    /// Target of the page's button (`url`), may be empty.
    pub url: String,
    /// Whether redeeming needs the on-site staff password (`onsiteYn`).
    pub onsite_required: bool,
}

/// The days a stamp can be used: `start..=end`, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First valid day (`strtYmd`).
    pub start: NaiveDate,
    /// Last valid day (`endYmd`), inclusive.
    pub end: NaiveDate,
}

impl Window {
    /// Where `today` lies relative to the window.
    pub fn position(&self, today: NaiveDate) -> WindowPosition {
        if today < self.start {
            WindowPosition::Before
        } else if today > self.end {
            WindowPosition::After
        } else {
            WindowPosition::Inside
        }
    }
}

/// Where a day lies relative to a [`Window`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowPosition {
    /// Not started yet.
    Before,
    /// Valid.
    Inside,
    /// Expired.
    After,
}

/// One customer's stamp on a card: the state the rules act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Stamps collected, always `0..=max_stamps` of its card.
    pub stamps: u32,
    /// `activeYn`.
    pub active: bool,
    /// Validity window.
    pub window: Window,
    /// The day the reward was redeemed; once set, the stamp is final.
    pub redeemed_on: Option<NaiveDate>,
    /// The customer's PIN state.
    pub pin: PinState,
}

/// The PIN state the stamp page needs before a session exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PinState {
    /// First visit: no PIN yet.
    Unset,
    /// Set; the customer must enter it.
    Set,
    /// The shop reset it; the customer chooses a new one.
    Reset,
}

/// What the stamp page shows, derived from a stamp, its card and today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StampState {
    /// Collecting: stamps can be added.
    Collecting,
    /// All stamps collected: the reward is ready.
    Full,
    /// The reward was redeemed (final).
    Redeemed,
    /// Past `endYmd`.
    Expired,
    /// Before `strtYmd`.
    NotStarted,
    /// Deactivated by the shop.
    Inactive,
}
