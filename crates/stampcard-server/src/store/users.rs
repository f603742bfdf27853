//! The dashboard's rows (users, their sessions, the login guards), decoded by column name; their
//! statements are in [`sql`](super::sql) with every other query.

use stampcard_core::dashboard::{LoginGuard, Role};

use super::records::StoredName;
use crate::plan::Plan;

/// A dashboard user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRecord {
    /// `userIdx`.
    pub user_idx: i64,
    /// The account the user works for.
    pub account_idx: i64,
    /// The address as given.
    pub email: String,
    /// Its lowercase form: unique, and what a login looks up.
    pub email_key: String,
    /// `owner` or `staff`.
    pub role: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Unix ms.
    pub created_at: i64,
}

impl UserRecord {
    /// The role; a stored name the schema's CHECK would not let in reads as staff, the
    /// role that may do less.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Staff)
    }
}

/// A dashboard session with its user and account, as a request authenticates it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRecord {
    /// The user.
    pub user_idx: i64,
    /// The user's e-mail address.
    pub email: String,
    /// `owner` or `staff`.
    pub role: String,
    /// The account.
    pub account_idx: i64,
    /// The account's name.
    pub account_nm: String,
    /// The account's plan.
    #[sqlx(try_from = "StoredName")]
    pub plan: Plan,
    /// Unix ms of the login.
    pub created_at: i64,
    /// Unix ms of the last recorded use.
    pub last_seen_at: i64,
}

/// A `login_guards` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct LoginGuardRow {
    #[sqlx(try_from = "i32")]
    failures: u32,
    locked_until: i64,
    last_failure_at: i64,
}

impl From<LoginGuardRow> for LoginGuard {
    fn from(row: LoginGuardRow) -> LoginGuard {
        LoginGuard { failures: row.failures, locked_until_ms: row.locked_until, last_failure_ms: row.last_failure_at }
    }
}
