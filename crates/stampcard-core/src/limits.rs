//! The limits every request check and the OpenAPI document share: text lengths in characters
//! (Unicode scalar values), number ranges and list sizes, documented in docs/api.md. A leaf
//! module: the wire types and the checks both read it.

/// `cardNm`.
pub const CARD_NAME: usize = 100;
/// `cardTtl`.
pub const CARD_TITLE: usize = 200;
/// `memo`.
pub const MEMO: usize = 1000;
/// `userId`, `userNm`.
pub const USER_ID: usize = 100;
/// `userNm`.
pub const USER_NAME: usize = 100;
/// `userPhnno`.
pub const PHONE: usize = 30;
/// `userEml` (RFC 5321 path limit).
pub const EMAIL: usize = 254;
/// `userEtc1`, `userEtc2`.
pub const ETC: usize = 500;
/// `url`, `stampImgUrl`.
pub const URL: usize = 2048;
/// `domain`.
pub const DOMAIN: usize = 255;
/// The highest `maxStamps` a card may have (the page shows one slot per stamp).
pub const MAX_STAMPS: u32 = 100;
/// The highest id: the largest integer JavaScript represents exactly.
pub const MAX_IDX: i64 = 9_007_199_254_740_991;
/// How far ahead `endYmd` may be.
pub const END_DATE_MONTHS_AHEAD: u32 = 60;
/// The longest `cooldownSecs` a card may have: 30 days.
pub const COOLDOWN_SECS: u32 = 30 * 24 * 60 * 60;
/// The highest `maxAddsPerDay` a card may have.
pub const MAX_ADDS_PER_DAY: u32 = 100;
/// The most ids one id list takes: a bulk change's `stampIdxs`, a staff member's `cardIdxs`.
pub const MAX_LIST_IDS: usize = 1000;
