//! The dashboard's rows (users, their sessions, the login guards) and the statements that
//! read and write them, written once for both databases like the rest of [`sql`](super::sql).

use stampcard_core::dashboard::{LoginGuard, Role, SESSION_IDLE_SECS, SESSION_MAX_SECS};

use super::StoreError;
use super::records::StoredName;
use super::sql::{Param, Statement};
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

const USER_COLUMNS: &str = "user_idx, account_idx, email, email_key, role, password_hash, created_at";

/// A user by the lowercase form of its address.
pub(crate) fn user_by_email(email_key: &str) -> Statement {
    Statement::new(format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = $1")).bind(email_key)
}

/// An account's users, oldest first.
pub(crate) fn users_of(account_idx: i64) -> Statement {
    Statement::new(format!("SELECT {USER_COLUMNS} FROM users WHERE account_idx = $1 ORDER BY user_idx"))
        .bind(account_idx)
}

/// Inserts a user, returning its id.
pub(crate) fn insert_user(user: &UserRecord) -> Statement {
    Statement::new(
        "INSERT INTO users (account_idx, email, email_key, role, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING user_idx AS id",
    )
    .bind(user.account_idx)
    .bind(user.email.as_str())
    .bind(user.email_key.as_str())
    .bind(user.role.as_str())
    .bind(user.password_hash.as_str())
    .bind(user.created_at)
}

/// Sets a user's password hash.
pub(crate) fn set_password(user_idx: i64, password_hash: &str) -> Statement {
    Statement::new("UPDATE users SET password_hash = $1 WHERE user_idx = $2").bind(password_hash).bind(user_idx)
}

/// Deletes a user (its sessions go with it).
pub(crate) fn delete_user(user_idx: i64) -> Statement {
    Statement::new("DELETE FROM users WHERE user_idx = $1").bind(user_idx)
}

/// Ends every session of a user.
pub(crate) fn delete_user_sessions(user_idx: i64) -> Statement {
    Statement::new("DELETE FROM admin_sessions WHERE user_idx = $1").bind(user_idx)
}

/// A session by its token's hash, with its user and account.
pub(crate) fn session(token_hash: &[u8]) -> Statement {
    Statement::new(
        "SELECT u.user_idx, u.email, u.role, a.account_idx, a.name AS account_nm, a.plan, s.created_at, \
         s.last_seen_at FROM admin_sessions s JOIN users u ON u.user_idx = s.user_idx \
         JOIN accounts a ON a.account_idx = u.account_idx WHERE s.token_hash = $1",
    )
    .bind(token_hash)
}

/// Stores a new session.
pub(crate) fn insert_session(token_hash: &[u8], user_idx: i64, now_ms: i64) -> Statement {
    Statement::new(
        "INSERT INTO admin_sessions (token_hash, user_idx, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(token_hash)
    .bind(user_idx)
    .bind(now_ms)
}

/// Records a session's use.
pub(crate) fn touch_session(token_hash: &[u8], now_ms: i64) -> Statement {
    Statement::new("UPDATE admin_sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1")
        .bind(now_ms)
        .bind(token_hash)
}

/// Ends one session.
pub(crate) fn delete_session(token_hash: &[u8]) -> Statement {
    Statement::new("DELETE FROM admin_sessions WHERE token_hash = $1").bind(token_hash)
}

/// Creates a guard's row if it is missing, so the read after it can lock it.
pub(crate) fn ensure_guard(key: &str) -> Statement {
    Statement::new("INSERT INTO login_guards (guard_key) VALUES ($1) ON CONFLICT (guard_key) DO NOTHING").bind(key)
}

/// A guard's row (`lock` appended: the backend's row lock inside a write).
pub(crate) fn guard(key: &str, lock: &str) -> Statement {
    Statement::new(format!(
        "SELECT failures, locked_until, last_failure_at FROM login_guards WHERE guard_key = $1 {lock}"
    ))
    .bind(key)
}

/// Writes a guard.
pub(crate) fn put_guard(key: &str, guard: &LoginGuard) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO login_guards (guard_key, failures, locked_until, last_failure_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (guard_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, \
         last_failure_at = excluded.last_failure_at",
    )
    .bind(key)
    .bind(Param::count(guard.failures)?)
    .bind(guard.locked_until_ms)
    .bind(guard.last_failure_ms))
}

/// What pruning deletes: sessions past either limit, and guards with no lock in force and no
/// wrong password for an hour (they would start afresh anyway), so guesses from many
/// addresses or at many unknown e-mails cannot grow the table for ever.
pub(crate) fn prune(now_ms: i64) -> [Statement; 2] {
    let idle_cutoff = now_ms - i64::from(SESSION_IDLE_SECS) * 1000;
    let max_cutoff = now_ms - i64::from(SESSION_MAX_SECS) * 1000;
    let quiet_cutoff = now_ms - stampcard_core::dashboard::LOGIN_QUIET_RESET_MS;
    [
        Statement::new("DELETE FROM admin_sessions WHERE last_seen_at <= $1 OR created_at <= $2")
            .bind(idle_cutoff)
            .bind(max_cutoff),
        Statement::new("DELETE FROM login_guards WHERE locked_until <= $1 AND last_failure_at <= $2")
            .bind(now_ms)
            .bind(quiet_cutoff),
    ]
}
