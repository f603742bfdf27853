//! SQL that both backends run as written: SQLite through sqlx accepts PostgreSQL's `$1`
//! placeholders, `ON CONFLICT ... DO UPDATE` and `RETURNING`. Rows are decoded by column name.

use stampcard_core::secret::CardGuard;

use super::StoreError;

/// A card's staff-password guard, by `card_idx`.
pub const CARD_GUARD: &str = "SELECT CAST(failures AS BIGINT) AS failures, CAST(locks AS BIGINT) AS locks, \
     locked_until, last_failure_at FROM card_guards WHERE card_idx = $1";

/// Writes a card's staff-password guard (insert or replace).
pub const PUT_CARD_GUARD: &str = "INSERT INTO card_guards (card_idx, failures, locks, locked_until, last_failure_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (card_idx) DO UPDATE SET failures = excluded.failures, \
     locks = excluded.locks, locked_until = excluded.locked_until, last_failure_at = excluded.last_failure_at";

/// A `card_guards` row.
#[derive(Debug, sqlx::FromRow)]
pub struct CardGuardRow {
    failures: i64,
    locks: i64,
    locked_until: i64,
    last_failure_at: i64,
}

impl CardGuardRow {
    /// The core's guard.
    pub fn into_guard(self) -> Result<CardGuard, StoreError> {
        let count = |value: i64| {
            u32::try_from(value)
                .map_err(|_| StoreError::internal(format!("stored guard count {value} is out of range")))
        };
        Ok(CardGuard {
            failures: count(self.failures)?,
            locks: count(self.locks)?,
            locked_until_ms: self.locked_until,
            last_failure_ms: self.last_failure_at,
        })
    }
}

/// Binds a guard's values after `card_idx` for [`PUT_CARD_GUARD`].
pub fn bind_card_guard<'q, DB: sqlx::Database>(
    query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    card_idx: i64,
    guard: &CardGuard,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query
        .bind(card_idx)
        .bind(i64::from(guard.failures))
        .bind(i64::from(guard.locks))
        .bind(guard.locked_until_ms)
        .bind(guard.last_failure_ms)
}
