//! The dashboard's logins and key management (`/api/admin/v1/...`, our extension): the wire
//! types, the roles, and the checks on a user's e-mail, password and an API key's label.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::input::is_email;

/// The paths of the dashboard API.
pub mod paths {
    /// `POST {email, password}`: log in; sets the session cookie.
    pub const LOGIN: &str = "/api/admin/v1/login";
    /// `POST`: log out; ends the session and clears the cookie.
    pub const LOGOUT: &str = "/api/admin/v1/logout";
    /// `GET`: who the session belongs to.
    pub const ME: &str = "/api/admin/v1/me";
    /// `POST {label}`: create an API key (shown once).
    pub const KEY_CREATE: &str = "/api/admin/v1/key/create";
    /// `GET`: the account's API keys (never the keys).
    pub const KEY_LIST: &str = "/api/admin/v1/key/list";
    /// `POST {apiKeyIdx}`: revoke an API key.
    pub const KEY_REVOKE: &str = "/api/admin/v1/key/revoke";
}

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "stampcard_session";
/// The header a change made with the session cookie carries.
pub const CSRF_HEADER: &str = "X-CSRF-Token";
/// The shortest dashboard password, in characters.
pub const PASSWORD_MIN_CHARS: usize = 10;
/// The longest dashboard password, in characters (argon2 takes any length; this bounds the
/// work a request can ask for and keeps passphrases comfortable).
pub const PASSWORD_MAX_CHARS: usize = 128;
/// The longest API-key label, in characters.
pub const KEY_LABEL_MAX_CHARS: usize = 100;

/// A session ends after this long without a request (idle limit).
pub const SESSION_IDLE_SECS: u32 = 30 * 60;
/// A session ends this long after the login, however busy (absolute limit).
pub const SESSION_MAX_SECS: u32 = 12 * 60 * 60;
/// A session's last use is written at most this often, so a busy dashboard does not write on
/// every request; the idle limit is exact to within this.
pub const SESSION_TOUCH_SECS: u32 = 60;
/// After this long without a wrong password, a login guard's count starts afresh.
pub const LOGIN_QUIET_RESET_MS: i64 = 60 * 60 * 1000;

/// Whether a session created at `created_ms` and last used at `last_seen_ms` is still live
/// at `now_ms`.
pub fn session_live(created_ms: i64, last_seen_ms: i64, now_ms: i64) -> bool {
    now_ms < created_ms.saturating_add(i64::from(SESSION_MAX_SECS) * 1000)
        && now_ms < last_seen_ms.saturating_add(i64::from(SESSION_IDLE_SECS) * 1000)
}

/// The wrong-password count of one e-mail address or one client address. Locks follow the
/// PIN schedule ([`crate::secret::lock_secs`]: after 5 wrong passwords in a row, 30 seconds,
/// doubling with each further wrong one, at most an hour); an hour without a wrong password
/// starts the count afresh.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginGuard {
    /// Wrong passwords in a row.
    pub failures: u32,
    /// Unix ms until which logins are refused (0: never locked).
    pub locked_until_ms: i64,
    /// Unix ms of the last wrong password (0: none).
    pub last_failure_ms: i64,
}

impl LoginGuard {
    /// The seconds left of a lock in force at `now_ms`.
    pub fn locked_secs(&self, now_ms: i64) -> Option<u32> {
        crate::secret::remaining_secs(self.locked_until_ms, now_ms)
    }

    /// Counts a wrong password at `now_ms`; returns the lock it starts, in seconds.
    pub fn record_failure(&mut self, now_ms: i64) -> Option<u32> {
        if self.last_failure_ms != 0 && now_ms - self.last_failure_ms >= LOGIN_QUIET_RESET_MS {
            self.failures = 0;
        }
        self.failures = self.failures.saturating_add(1);
        self.last_failure_ms = now_ms;
        let secs = crate::secret::lock_secs(self.failures)?;
        self.locked_until_ms = now_ms + i64::from(secs) * 1000;
        Some(secs)
    }

    /// Forgets the wrong passwords (a right one for this e-mail).
    pub fn record_success(&mut self) {
        *self = LoginGuard::default();
    }
}

/// What a dashboard user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything an API key may do, and managing the account's API keys.
    Owner,
    /// The counter's work: read stamps and cards, create stamps, add, remove, redeem, reset
    /// PINs. Everything else is refused.
    Staff,
}

impl Role {
    /// The stored and command-line name (`owner`, `staff`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
        }
    }

    /// The role for a stored name.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "owner" => Some(Role::Owner),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

/// Checks a new dashboard password: 10 to 128 characters, anything else is the user's choice.
pub fn check_password(password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(ApiError::new(
            ErrorCode::InvalidUserPassword,
            format!("the password must have at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(ApiError::new(
            ErrorCode::InvalidUserPassword,
            format!("the password must have at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Checks a user's e-mail address with the same rule as `userEml`, within its length limit;
/// returns the address as given (trimmed).
pub fn check_email(email: &str) -> Result<String, ApiError> {
    let email = email.trim();
    if email.chars().count() > crate::input::limits::EMAIL || !is_email(email) {
        return Err(ApiError::new(ErrorCode::InvalidEmail, "the e-mail must be an address like name@example.com"));
    }
    Ok(email.to_owned())
}

/// The form two spellings of one address share (`Owner@Shop.example` and `owner@shop.example`
/// are one user): what uniqueness and the per-e-mail lockout use.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks an API key's label: at most 100 characters, no control characters.
pub fn check_key_label(label: &str) -> Result<String, ApiError> {
    let label = label.trim();
    if label.chars().count() > KEY_LABEL_MAX_CHARS || label.chars().any(char::is_control) {
        return Err(ErrorCode::InvalidKeyLabel.into());
    }
    Ok(label.to_owned())
}

/// `POST /api/admin/v1/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// The user's e-mail address (any case).
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
    /// The password (write-only; never stored or logged).
    #[cfg_attr(feature = "openapi", schema(max_length = 128, format = Password))]
    pub password: String,
}

/// Who a dashboard session belongs to: the answer of `login` and `me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The user.
    pub user_idx: i64,
    /// The user's e-mail address.
    pub email: String,
    /// The user's role.
    pub role: Role,
    /// The user's account.
    pub account_idx: i64,
    /// The account's name.
    pub account_nm: String,
    /// The account's plan (`free`, `personal`, `premium`, `business`, `business-plus`,
    /// `enterprise`).
    pub plan: String,
    /// Send as `X-CSRF-Token` with every request other than GET made with the session cookie.
    pub csrf_token: String,
}

/// `POST /api/admin/v1/key/create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct KeyCreateRequest {
    /// A label to tell keys apart ("website", "till 2").
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub label: String,
}

/// A new API key: the key itself is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewKeyView {
    /// The key's id (to revoke it).
    pub api_key_idx: i64,
    /// The key: `Authorization: APIKey <apiKey>`. Not shown again.
    pub api_key: String,
    /// Its label.
    pub label: String,
}

/// An API key as listed: never the key, only its first characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    /// The key's id.
    pub api_key_idx: i64,
    /// The key's first characters (`sck_` and 6 more).
    pub key_prefix: String,
    /// Its label.
    pub label: String,
    /// When it was created (`YYYY-MM-DD hh:mm:ss`, UTC).
    pub reg_ymdt: String,
    /// When it was revoked, if it was.
    pub revoked_ymdt: Option<String>,
}

/// `POST /api/admin/v1/key/revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct KeyRevokeRequest {
    /// The key to revoke.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub api_key_idx: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_have_bounds_in_characters() {
        assert!(check_password("123456789").is_err());
        assert!(check_password("1234567890").is_ok());
        assert!(check_password("가나다라마바사아자차").is_ok(), "ten characters, thirty bytes");
        assert!(check_password(&"x".repeat(128)).is_ok());
        assert_eq!(check_password(&"x".repeat(129)).map_err(|e| e.code), Err(ErrorCode::InvalidUserPassword));
    }

    #[test]
    fn emails_are_checked_and_keyed_case_insensitively() {
        assert_eq!(check_email(" Owner@Shop.example ").as_deref(), Ok("Owner@Shop.example"));
        assert_eq!(check_email("nope").map_err(|e| e.code), Err(ErrorCode::InvalidEmail));
        assert_eq!(check_email(&format!("{}@x.io", "a".repeat(260))).map_err(|e| e.code), Err(ErrorCode::InvalidEmail));
        assert_eq!(email_key("Owner@Shop.Example"), email_key("owner@shop.example"));
    }

    #[test]
    fn guards_lock_like_pins_and_forget_after_a_quiet_hour() {
        let t0 = 1_700_000_000_000;
        let mut guard = LoginGuard::default();
        for i in 0..4 {
            assert_eq!(guard.record_failure(t0 + i), None, "failure {i}");
        }
        assert_eq!(guard.record_failure(t0 + 4), Some(30));
        assert_eq!(guard.locked_secs(t0 + 4), Some(30));
        assert_eq!(guard.record_failure(t0 + 40_000), Some(60), "the next one doubles");
        assert_eq!(guard.locked_secs(t0 + 100_000), None);
        assert_eq!(guard.record_failure(t0 + 40_000 + LOGIN_QUIET_RESET_MS), None, "a quiet hour");
        assert_eq!(guard.failures, 1);
        guard.record_success();
        assert_eq!(guard, LoginGuard::default());
    }

    #[test]
    fn sessions_have_an_idle_and_an_absolute_limit() {
        let t0 = 1_700_000_000_000;
        let idle = i64::from(SESSION_IDLE_SECS) * 1000;
        assert!(session_live(t0, t0, t0 + idle - 1));
        assert!(!session_live(t0, t0, t0 + idle));
        let max = i64::from(SESSION_MAX_SECS) * 1000;
        assert!(session_live(t0, t0 + max - 10, t0 + max - 1));
        assert!(!session_live(t0, t0 + max - 10, t0 + max), "used a moment ago, but too old");
    }

    #[test]
    fn labels_and_roles() {
        assert_eq!(check_key_label(" till 2 ").as_deref(), Ok("till 2"));
        assert!(check_key_label("a\u{7}b").is_err());
        assert!(check_key_label(&"l".repeat(101)).is_err());
        assert_eq!(Role::parse(Role::Staff.as_str()), Some(Role::Staff));
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(serde_json::to_string(&Role::Owner).unwrap(), "\"owner\"");
    }
}
