//! Table-driven tests of the stamp rules: one `check` helper, many cases.

use stampcard_core::ErrorCode;
use stampcard_core::input::StampPatch;
use stampcard_core::model::{Card, Stamp, StampState, Window};
use stampcard_core::progress::progress;
use stampcard_core::rules::{self, OnsiteProof};
use stampcard_core::wire::PinState;

use crate::day;

fn card(max: u32, onsite: bool) -> Card {
    Card {
        name: "Coffee".into(),
        title: "Free coffee".into(),
        max_stamps: max,
        stamp_img_url: String::new(),
        url: String::new(),
        onsite_required: onsite,
    }
}

/// A stamp with `count` stamps valid through 2025, active, not redeemed, PIN set.
fn stamp(count: u32) -> Stamp {
    Stamp {
        stamps: count,
        active: true,
        window: Window { start: day("2025-01-01"), end: day("2025-12-31") },
        redeemed_on: None,
        pin: PinState::Set,
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add,
    Remove,
    SetCount(u32),
    Redeem(OnsiteProof),
    CheckUsable,
    Update(Box<StampPatch>),
}

/// Runs `op` on `stamp` (card of `max` stamps, on-site password required when `onsite`) on
/// `today`, and checks the new count or the refusal.
fn check(max: u32, onsite: bool, before: Stamp, today: &str, op: Op, expected: Result<u32, ErrorCode>) {
    let card = card(max, onsite);
    let today = day(today);
    let result: Result<Stamp, ErrorCode> = match op.clone() {
        Op::Add => rules::add(&card, &before, today),
        Op::Remove => rules::remove(&before),
        Op::SetCount(n) => rules::set_count(&card, &before, n).map_err(|e| e.code),
        Op::Redeem(proof) => rules::redeem(&card, &before, today, proof),
        Op::CheckUsable => rules::check_usable(&before, today).map(|()| before.clone()),
        Op::Update(patch) => rules::update(&card, &before, &patch, today).map_err(|e| e.code),
    };
    assert_eq!(result.as_ref().map(|s| s.stamps).map_err(|e| *e), expected, "{op:?} on {before:?} at {today}");
    if let Ok(after) = result {
        assert!(after.stamps <= max);
        if before.redeemed_on.is_some() {
            assert_eq!(after.redeemed_on, before.redeemed_on, "redeemed is final");
        }
    }
}

fn redeemed(count: u32) -> Stamp {
    Stamp { redeemed_on: Some(day("2025-05-05")), ..stamp(count) }
}

fn inactive(count: u32) -> Stamp {
    Stamp { active: false, ..stamp(count) }
}

#[test]
fn add() {
    let mid = "2025-06-01";
    check(10, false, stamp(0), mid, Op::Add, Ok(1));
    check(10, false, stamp(9), mid, Op::Add, Ok(10));
    check(10, false, stamp(10), mid, Op::Add, Err(ErrorCode::Full));
    check(1, false, stamp(0), mid, Op::Add, Ok(1));
    check(10, false, stamp(3), "2025-01-01", Op::Add, Ok(4));
    check(10, false, stamp(3), "2025-12-31", Op::Add, Ok(4)); // endYmd is inclusive
    check(10, false, stamp(3), "2024-12-31", Op::Add, Err(ErrorCode::NotStarted));
    check(10, false, stamp(3), "2026-01-01", Op::Add, Err(ErrorCode::Expired));
    check(10, false, inactive(3), mid, Op::Add, Err(ErrorCode::Inactive));
    check(10, false, redeemed(10), mid, Op::Add, Err(ErrorCode::AlreadyRedeemed));
}

#[test]
fn remove_and_set_count() {
    let mid = "2025-06-01";
    check(10, false, stamp(3), mid, Op::Remove, Ok(2));
    check(10, false, stamp(0), mid, Op::Remove, Err(ErrorCode::NothingToRemove));
    check(10, false, inactive(3), "2030-01-01", Op::Remove, Ok(2)); // a correction works anywhere
    check(10, false, redeemed(10), mid, Op::Remove, Err(ErrorCode::AlreadyRedeemed));
    check(10, false, stamp(3), mid, Op::SetCount(10), Ok(10));
    check(10, false, stamp(3), mid, Op::SetCount(0), Ok(0));
    check(10, false, stamp(3), mid, Op::SetCount(11), Err(ErrorCode::OutOfRange));
    check(10, false, inactive(3), "2026-06-01", Op::SetCount(5), Ok(5));
    check(10, false, redeemed(10), mid, Op::SetCount(0), Err(ErrorCode::AlreadyRedeemed));
}

#[test]
fn redeem() {
    let mid = "2025-06-01";
    check(10, false, stamp(10), mid, Op::Redeem(OnsiteProof::NotGiven), Ok(10));
    check(10, false, stamp(10), mid, Op::Redeem(OnsiteProof::Wrong), Ok(10)); // no password on the card: ignored
    check(10, true, stamp(10), mid, Op::Redeem(OnsiteProof::Correct), Ok(10));
    check(10, true, stamp(10), mid, Op::Redeem(OnsiteProof::NotGiven), Err(ErrorCode::OnsitePasswordRequired));
    check(10, true, stamp(10), mid, Op::Redeem(OnsiteProof::Wrong), Err(ErrorCode::WrongOnsitePassword));
    check(10, true, stamp(9), mid, Op::Redeem(OnsiteProof::Correct), Err(ErrorCode::NotComplete));
    check(10, true, redeemed(10), mid, Op::Redeem(OnsiteProof::Correct), Err(ErrorCode::AlreadyRedeemed));
    check(10, true, inactive(10), mid, Op::Redeem(OnsiteProof::Correct), Err(ErrorCode::Inactive));
    check(10, true, stamp(10), "2026-01-01", Op::Redeem(OnsiteProof::Correct), Err(ErrorCode::Expired));
    check(10, true, stamp(10), "2024-01-01", Op::Redeem(OnsiteProof::Correct), Err(ErrorCode::NotStarted));
    let after = rules::redeem(&card(10, false), &stamp(10), day(mid), OnsiteProof::NotGiven).unwrap();
    assert_eq!(after.redeemed_on, Some(day(mid)));
}

#[test]
fn check_usable() {
    check(10, false, stamp(3), "2025-06-01", Op::CheckUsable, Ok(3));
    check(10, false, stamp(10), "2025-06-01", Op::CheckUsable, Ok(10));
    check(10, false, stamp(3), "2026-01-01", Op::CheckUsable, Err(ErrorCode::Expired));
    check(10, false, stamp(3), "2024-01-01", Op::CheckUsable, Err(ErrorCode::NotStarted));
    check(10, false, inactive(3), "2025-06-01", Op::CheckUsable, Err(ErrorCode::Inactive));
    check(10, false, redeemed(10), "2025-06-01", Op::CheckUsable, Err(ErrorCode::AlreadyRedeemed));
}

#[test]
fn update() {
    let mid = "2025-06-01";
    let patch = |f: fn(&mut StampPatch)| {
        let mut p = StampPatch::default();
        f(&mut p);
        Op::Update(Box::new(p))
    };
    check(10, false, stamp(3), mid, patch(|p| p.stamps = Some(7)), Ok(7));
    check(10, false, stamp(3), mid, patch(|p| p.stamps = Some(11)), Err(ErrorCode::OutOfRange));
    // Moving to a card with fewer stamps than the count is refused; the card here has 2.
    check(2, false, stamp(3), mid, patch(|p| p.card_idx = Some(9)), Err(ErrorCode::OutOfRange));
    check(10, false, stamp(3), mid, patch(|p| p.end = Some(day("2024-06-01"))), Err(ErrorCode::DateOrder));
    check(10, false, stamp(3), mid, patch(|p| p.use_reward = Some(true)), Err(ErrorCode::NotComplete));
    check(10, false, stamp(3), mid, patch(|p| (p.stamps, p.use_reward) = (Some(10), Some(true))), Ok(10));
    check(10, false, redeemed(10), mid, patch(|p| p.stamps = Some(2)), Err(ErrorCode::AlreadyRedeemed));
    check(10, false, redeemed(10), mid, patch(|p| p.use_reward = Some(false)), Err(ErrorCode::AlreadyRedeemed));
    check(10, false, redeemed(10), mid, patch(|p| p.profile.memo = Some("note".into())), Ok(10));
    check(10, false, stamp(10), mid, patch(|p| p.active = Some(false)), Ok(10));

    let card = card(10, false);
    let full_and_used = StampPatch { stamps: Some(10), use_reward: Some(true), ..StampPatch::default() };
    let after = rules::update(&card, &stamp(3), &full_and_used, day(mid)).unwrap();
    assert_eq!(after.redeemed_on, Some(day(mid)));
    let reset = StampPatch { reset_pin: true, ..StampPatch::default() };
    assert_eq!(rules::update(&card, &stamp(3), &reset, day(mid)).unwrap().pin, PinState::Reset);
    let unset = Stamp { pin: PinState::Unset, ..stamp(3) };
    assert_eq!(rules::update(&card, &unset, &reset, day(mid)).unwrap().pin, PinState::Unset);
    let deactivate = StampPatch { active: Some(false), ..StampPatch::default() };
    assert!(!rules::update(&card, &stamp(3), &deactivate, day(mid)).unwrap().active);
}

#[test]
fn progress_view() {
    let card = card(10, true);
    let cases = [
        (stamp(0), "2025-06-01", (0, 10, true, false, StampState::Collecting)),
        (stamp(9), "2025-06-01", (9, 1, true, false, StampState::Collecting)),
        (stamp(10), "2025-06-01", (10, 0, false, true, StampState::Full)),
        (redeemed(10), "2025-06-01", (10, 0, false, false, StampState::Redeemed)),
        (stamp(4), "2026-01-01", (4, 6, false, false, StampState::Expired)),
        (stamp(4), "2024-01-01", (4, 6, false, false, StampState::NotStarted)),
        (inactive(4), "2025-06-01", (4, 6, false, false, StampState::Inactive)),
    ];
    for (stamp, today, (stamps, remaining, can_add, can_redeem, state)) in cases {
        let p = progress(&card, &stamp, day(today));
        assert_eq!(
            (p.stamps, p.remaining, p.can_add, p.can_redeem, p.state),
            (stamps, remaining, can_add, can_redeem, state),
            "{stamp:?} {today}"
        );
        assert_eq!(p.max_stamps, 10);
    }
}
