//! Property tests: invariants that hold after any sequence of operations on any day.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use stampcard_core::ErrorCode;
use stampcard_core::input::StampPatch;
use stampcard_core::model::{Card, Stamp, Window};
use stampcard_core::rules::{self, OnsiteProof};
use stampcard_core::wire::PinState;

#[derive(Debug, Clone)]
enum Op {
    Add,
    Remove,
    SetCount(u32),
    Redeem(OnsiteProof),
    Update { stamps: Option<u32>, active: Option<bool>, use_reward: Option<bool>, reset_pin: bool },
}

fn op() -> impl Strategy<Value = Op> {
    let proof = prop_oneof![Just(OnsiteProof::NotGiven), Just(OnsiteProof::Correct), Just(OnsiteProof::Wrong)];
    prop_oneof![
        4 => Just(Op::Add),
        1 => Just(Op::Remove),
        1 => (0u32..30).prop_map(Op::SetCount),
        1 => proof.prop_map(Op::Redeem),
        1 => (proptest::option::of(0u32..30), proptest::option::of(any::<bool>()), proptest::option::of(any::<bool>()), any::<bool>())
            .prop_map(|(stamps, active, use_reward, reset_pin)| Op::Update { stamps, active, use_reward, reset_pin }),
    ]
}

/// The reason the rules give for refusing `op` on `stamp`, worked out here from the state
/// alone (`None`: it must succeed). `Update` has too many fields for a second copy.
fn expected_refusal(op: &Op, card: &Card, stamp: &Stamp, today: NaiveDate) -> Option<ErrorCode> {
    let redeemed = stamp.redeemed_on.is_some();
    let unusable = if redeemed {
        Some(ErrorCode::AlreadyRedeemed)
    } else if !stamp.active {
        Some(ErrorCode::Inactive)
    } else if today < stamp.window.start {
        Some(ErrorCode::NotStarted)
    } else if today > stamp.window.end {
        Some(ErrorCode::Expired)
    } else {
        None
    };
    let full = stamp.stamps >= card.max_stamps;
    match op {
        Op::Add => unusable.or(full.then_some(ErrorCode::Full)),
        Op::Remove => {
            if redeemed {
                Some(ErrorCode::AlreadyRedeemed)
            } else {
                (stamp.stamps == 0).then_some(ErrorCode::NothingToRemove)
            }
        }
        Op::SetCount(count) => {
            if redeemed {
                Some(ErrorCode::AlreadyRedeemed)
            } else {
                (*count > card.max_stamps).then_some(ErrorCode::OutOfRange)
            }
        }
        Op::Redeem(proof) => {
            unusable.or((!full).then_some(ErrorCode::NotComplete)).or(match (card.onsite_required, proof) {
                (true, OnsiteProof::NotGiven) => Some(ErrorCode::OnsitePasswordRequired),
                (true, OnsiteProof::Wrong) => Some(ErrorCode::WrongOnsitePassword),
                _ => None,
            })
        }
        Op::Update { .. } => None,
    }
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
}

proptest! {
    #[test]
    fn invariants_hold_after_any_sequence(
        max in 1u32..=20,
        onsite in any::<bool>(),
        length in 0u64..60,
        steps in proptest::collection::vec((op(), 0u64..90), 0..80),
    ) {
        let card = Card { name: "C".into(), title: String::new(), max_stamps: max, stamp_img_url: String::new(), url: String::new(), onsite_required: onsite };
        let mut stamp = Stamp {
            stamps: 0,
            active: true,
            window: Window { start: base(), end: base() + Days::new(length) },
            redeemed_on: None,
            pin: PinState::Set,
        };
        for (op, offset) in steps {
            let today = base() + Days::new(offset) - Days::new(10);
            let before = stamp.clone();
            let result = match &op {
                Op::Add => rules::add(&card, &before, today).map_err(|c| c.into()),
                Op::Remove => rules::remove(&before).map_err(|c| c.into()),
                Op::SetCount(n) => rules::set_count(&card, &before, *n),
                Op::Redeem(proof) => rules::redeem(&card, &before, today, *proof).map_err(|c| c.into()),
                Op::Update { stamps, active, use_reward, reset_pin } => {
                    let patch = StampPatch { stamps: *stamps, active: *active, use_reward: *use_reward, reset_pin: *reset_pin, ..StampPatch::default() };
                    rules::update(&card, &before, &patch, today)
                }
            };
            // A rule refuses exactly when the state gives a reason to, and names that reason.
            let expected = expected_refusal(&op, &card, &before, today);
            match result {
                Ok(after) => {
                    prop_assert_eq!(expected, None, "{:?} succeeded on {:?}", op, before);
                    // Redeemed is terminal: nothing un-redeems or re-dates a redeemed stamp.
                    if before.redeemed_on.is_some() {
                        prop_assert_eq!(after.redeemed_on, before.redeemed_on);
                        prop_assert_eq!(after.stamps, before.stamps);
                    }
                    // Only a full, usable stamp can become redeemed.
                    if before.redeemed_on.is_none() && after.redeemed_on.is_some() {
                        prop_assert_eq!(after.stamps, max);
                        prop_assert_eq!(after.redeemed_on, Some(today));
                    }
                    match op {
                        Op::Add => {
                            prop_assert_eq!(after.stamps, before.stamps + 1);
                            prop_assert!(rules::check_usable(&before, today).is_ok());
                        }
                        Op::Remove => prop_assert_eq!(after.stamps + 1, before.stamps),
                        Op::Redeem(_) => prop_assert!(rules::check_usable(&before, today).is_ok()),
                        _ => {}
                    }
                    stamp = after;
                }
                // A refusal is the client's (a 4xx code, never a fault) and gives the first
                // reason the state has; the caller keeps `before`.
                Err(error) => {
                    prop_assert!((400..500).contains(&error.code.http_status()), "{:?} is not a refusal", error.code);
                    if !matches!(op, Op::Update { .. }) {
                        prop_assert_eq!(Some(error.code), expected, "{:?} on {:?}", op, before);
                    }
                }
            }
            prop_assert!(stamp.stamps <= max, "count {} above max {}", stamp.stamps, max);
        }
    }

    #[test]
    fn adding_until_refused_reaches_exactly_max(max in 1u32..=100) {
        let card = Card { name: "C".into(), title: String::new(), max_stamps: max, stamp_img_url: String::new(), url: String::new(), onsite_required: false };
        let mut stamp = Stamp { stamps: 0, active: true, window: Window { start: base(), end: base() }, redeemed_on: None, pin: PinState::Unset };
        let mut added = 0;
        while let Ok(next) = rules::add(&card, &stamp, base()) {
            stamp = next;
            added += 1;
            prop_assert!(added <= max);
        }
        prop_assert_eq!(stamp.stamps, max);
    }
}
