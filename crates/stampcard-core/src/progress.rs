//! The progress view of a stamp for a given day: what the page's grid and buttons show.

use chrono::NaiveDate;

use crate::model::{Card, PinState, Stamp, StampState, Window};
use crate::rules;
use crate::types::{YesNo, Ymd};
use crate::wire::PageView;

/// The minimum a progress view needs (a subset of [`PageView`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressInput {
    /// Stamps collected.
    pub stamps: u32,
    /// Stamps needed.
    pub max_stamps: u32,
    /// `activeYn`.
    pub active_yn: YesNo,
    /// First valid day.
    pub strt_ymd: Ymd,
    /// Last valid day.
    pub end_ymd: Ymd,
    /// The day of redemption, if redeemed.
    pub redeemed_ymd: Option<Ymd>,
}

/// What the grid and the buttons show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Stamps collected (clamped to `max_stamps` for display).
    pub stamps: u32,
    /// Stamps needed.
    pub max_stamps: u32,
    /// Stamps still to collect.
    pub remaining: u32,
    /// Whether one more stamp can be added today.
    pub can_add: bool,
    /// Whether the reward can be redeemed today.
    pub can_redeem: bool,
    /// The page state.
    pub state: StampState,
}

impl ProgressInput {
    fn card(&self) -> Card {
        Card {
            name: String::new(),
            title: String::new(),
            max_stamps: self.max_stamps,
            stamp_img_url: String::new(),
            url: String::new(),
            onsite_required: false,
        }
    }

    fn stamp(&self) -> Stamp {
        Stamp {
            stamps: self.stamps,
            active: self.active_yn.is_yes(),
            window: Window { start: self.strt_ymd.0, end: self.end_ymd.0 },
            redeemed_on: self.redeemed_ymd.map(|d| d.0),
            pin: PinState::Set,
        }
    }

    /// The progress view for `today`, computed by the rules themselves.
    pub fn progress(&self, today: NaiveDate) -> Progress {
        progress(&self.card(), &self.stamp(), today)
    }
}

impl From<&PageView> for ProgressInput {
    fn from(view: &PageView) -> ProgressInput {
        ProgressInput {
            stamps: view.stamps,
            max_stamps: view.max_stamps,
            active_yn: view.active_yn,
            strt_ymd: view.strt_ymd,
            end_ymd: view.end_ymd,
            redeemed_ymd: view.redeemed_ymd,
        }
    }
}

/// The progress of `stamp` on `card` for `today`.
pub fn progress(card: &Card, stamp: &Stamp, today: NaiveDate) -> Progress {
    let stamps = stamp.stamps.min(card.max_stamps);
    let state = rules::state(card, stamp, today);
    Progress {
        stamps,
        max_stamps: card.max_stamps,
        remaining: card.max_stamps - stamps,
        can_add: rules::add(card, stamp, today).is_ok(),
        can_redeem: state == StampState::Full,
        state,
    }
}
