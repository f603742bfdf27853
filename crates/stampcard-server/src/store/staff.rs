//! The rows of staff members (our extension), decoded by column name like
//! [`records`](super::records); their queries are in [`sql`](super::sql) with the others.

/// A `staff` row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffRecord {
    /// `staffIdx` (0 before insertion).
    pub staff_idx: i64,
    /// Owner.
    pub account_idx: i64,
    /// `staffNm`.
    pub staff_nm: String,
    /// argon2id PHC string of the staff member's password.
    pub pwd_hash: String,
    /// Every card of the account, including later ones (else the cards in `staff_cards`).
    pub all_cards: bool,
    /// `activeYn`.
    #[sqlx(rename = "active_yn")]
    pub active: bool,
    /// Unix ms.
    pub created_at: i64,
}

/// A staff member with whether they may act on one card.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct StaffCovering {
    #[sqlx(flatten)]
    pub(crate) staff: StaffRecord,
    pub(crate) covers: bool,
}

/// A `staff_cards` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct StaffCardRow {
    pub(crate) staff_idx: i64,
    pub(crate) card_idx: i64,
}
