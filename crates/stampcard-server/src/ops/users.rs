//! Dashboard logins: the users the command line manages, the login with its wrong-password
//! guards, the sessions behind the cookie, and the owner's API keys.
//!
//! A login compares the password with argon2id BEFORE the write (as the stamp page does with
//! PINs), against the user's hash or, for an unknown e-mail, [`DECOY_HASH`]: both cost one
//! hash and answer alike, so neither the time nor the message
//! tells which e-mails have users. The write re-reads the guards (locked where the backend
//! locks rows), re-checks them and counts a wrong password on the e-mail's guard and on the
//! client address's; a wrong password is committed with its refusal.

use stampcard_core::ErrorCode;
use stampcard_core::dashboard::{
    self, KeyView, LoginGuard, Role, SESSION_TOUCH_SECS, SessionView, check_email, check_key_label, check_password,
    email_key, session_live,
};

use super::{Guess, run};
use crate::clock::{Clock, ymdt};
use crate::error::Error;
use crate::secrets;
use crate::store::{Decision, OpOutput, SessionRecord, Store, Tx, UserRecord};

/// A dashboard user as the command line lists it (never the password).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// The user.
    pub user_idx: i64,
    /// The account.
    pub account_idx: i64,
    /// The e-mail address as given.
    pub email: String,
    /// `owner` or `staff`.
    pub role: Role,
    /// When it was created (`YYYY-MM-DD hh:mm:ss`, UTC).
    pub reg_ymdt: String,
}

fn user_view(user: &UserRecord) -> UserView {
    UserView {
        user_idx: user.user_idx,
        account_idx: user.account_idx,
        email: user.email.clone(),
        role: user.role(),
        reg_ymdt: ymdt(user.created_at).to_string(),
    }
}

fn no_user(email: &str) -> Error {
    Error::api(ErrorCode::UserNotFound, format!("no dashboard user with the e-mail {email}"))
}

/// Creates a dashboard user: the e-mail checked like `userEml` and unique whatever its case,
/// the password 10 to 128 characters, stored as argon2id.
pub async fn create_user(
    store: &dyn Store,
    clock: &Clock,
    account_idx: i64,
    email: &str,
    role: Role,
    password: String,
) -> Result<UserView, Error> {
    let email = check_email(email)?;
    check_password(&password)?;
    super::admin::account(store, account_idx).await?;
    let hash = secrets::hash_secret(password).await?;
    let now_ms = clock.now_ms();
    let mut user = UserRecord {
        user_idx: 0,
        account_idx,
        email_key: email_key(&email),
        email,
        role: role.as_str().to_owned(),
        password_hash: hash,
        created_at: now_ms,
    };
    run(store, now_ms, move |tx| {
        Box::pin(async move {
            if tx.user_by_email(&user.email_key).await?.is_some() {
                return Err(Error::api(
                    ErrorCode::EmailTaken,
                    format!("a dashboard user with the e-mail {} already exists", user.email),
                ));
            }
            user.user_idx = tx.insert_user(&user).await?;
            Ok(user_view(&user))
        })
    })
    .await
}

/// An account's dashboard users, oldest first.
pub async fn list_users(store: &dyn Store, account_idx: i64) -> Result<Vec<UserView>, Error> {
    super::admin::account(store, account_idx).await?;
    Ok(store.users(account_idx).await?.iter().map(user_view).collect())
}

/// Sets a user's new password and ends all its sessions (a reset after a leak must lock the
/// leaker out at once). Clears the e-mail's lock, so the user can log in right away.
pub async fn reset_password(store: &dyn Store, clock: &Clock, email: &str, password: String) -> Result<(), Error> {
    check_password(&password)?;
    let key = email_key(email);
    if store.user_by_email(&key).await?.is_none() {
        return Err(no_user(email));
    }
    let hash = secrets::hash_secret(password).await?;
    let email = email.to_owned();
    run(store, clock.now_ms(), move |tx| {
        Box::pin(async move {
            let user = tx.user_by_email(&key).await?.ok_or_else(|| no_user(&email))?;
            tx.set_user_password(user.user_idx, &hash).await?;
            tx.delete_user_sessions(user.user_idx).await?;
            tx.put_login_guard(&email_guard_key(&key), &LoginGuard::default()).await?;
            Ok(())
        })
    })
    .await
}

/// Deletes a user and its sessions.
pub async fn delete_user(store: &dyn Store, clock: &Clock, email: &str) -> Result<(), Error> {
    let key = email_key(email);
    let email = email.to_owned();
    run(store, clock.now_ms(), move |tx| {
        Box::pin(async move {
            let user = tx.user_by_email(&key).await?.ok_or_else(|| no_user(&email))?;
            tx.delete_user(user.user_idx).await?;
            Ok(())
        })
    })
    .await
}

/// The guard key of an e-mail (its lowercase form).
pub fn email_guard_key(email_key: &str) -> String {
    format!("email:{email_key}")
}

/// The guard key of a client address.
pub fn address_guard_key(address: std::net::IpAddr) -> String {
    format!("address:{address}")
}

/// The refusal while a guard is locked.
pub fn locked(secs: u32) -> Error {
    Error::retry_after(
        ErrorCode::Locked,
        format!("too many wrong passwords for this e-mail or from this address; try again in {secs} seconds"),
        secs,
    )
}

/// Refuses a login without looking at any hash while either guard is locked.
pub fn login_allowed(guards: &[LoginGuard], now_ms: i64) -> Result<(), Error> {
    match guards.iter().filter_map(|guard| guard.locked_secs(now_ms)).max() {
        Some(secs) => Err(locked(secs)),
        None => Ok(()),
    }
}

/// What an unknown e-mail's password is compared with, so it costs the same argon2 work as a
/// known one: an argon2id hash (with the parameters new hashes get) of a random password
/// nobody kept. A constant rather than one made at the first unknown e-mail, whose extra hash
/// would make that first answer slower.
pub const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$AWtULhMyaEy++M9ikN4EtA$ftZSThMgFjpY71BlK6Vs5SYOXuvpTg5brz+y0yB6Rl4";

/// The CSRF token of a session: derived from the session's token (SHA-256 with a label), so
/// only a holder of the cookie can know it and nothing more is stored.
pub fn csrf_token(session_token: &str) -> String {
    use base64::Engine as _;
    let digest = secrets::sha256(format!("stampcard-csrf\0{session_token}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// What a session answers (`login`, `me`).
pub fn session_view(session: &SessionRecord, session_token: &str) -> SessionView {
    SessionView {
        user_idx: session.user_idx,
        email: session.email.clone(),
        role: Role::parse(&session.role).unwrap_or(Role::Staff),
        account_idx: session.account_idx,
        account_nm: session.account_nm.clone(),
        plan: session.plan.as_str().to_owned(),
        csrf_token: csrf_token(session_token),
    }
}

/// One login, checked before the write.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    /// The lowercase e-mail.
    pub email_key: String,
    /// The client address's guard key, when the address is known.
    pub address_key: Option<String>,
    /// The password and what it was compared with.
    pub guess: Guess,
    /// The new session's token (sent in the cookie) and its hash (stored).
    pub session_token: String,
}

/// `POST /api/admin/v1/login`'s write: the guards again, the password, then the session.
pub async fn login(tx: &mut dyn Tx, attempt: LoginAttempt, now_ms: i64) -> OpOutput {
    let email_key = email_guard_key(&attempt.email_key);
    let mut email_guard = tx.login_guard(&email_key).await?;
    let mut address_guard = match &attempt.address_key {
        Some(key) => Some(tx.login_guard(key).await?),
        None => None,
    };
    login_allowed(&[email_guard, address_guard.unwrap_or_default()], now_ms)?;
    let user = tx.user_by_email(&attempt.email_key).await?;
    let right = match &user {
        Some(user) => attempt.guess.matches(Some(&user.password_hash)).await?,
        None => false,
    };
    let Some(user) = user.filter(|_| right) else {
        let mut lock = email_guard.record_failure(now_ms);
        tx.put_login_guard(&email_key, &email_guard).await?;
        if let (Some(key), Some(guard)) = (&attempt.address_key, address_guard.as_mut()) {
            lock = lock.max(guard.record_failure(now_ms));
            tx.put_login_guard(key, guard).await?;
        }
        let wrong = ErrorCode::WrongLogin;
        let refusal = match lock {
            Some(secs) => Error::retry_after(
                wrong,
                format!(
                    "{}; too many wrong passwords in a row, so logins are locked for {secs} seconds",
                    wrong.message()
                ),
                secs,
            ),
            None => Error::from(wrong),
        };
        return Ok(Decision::CommitAndRefuse(refusal));
    };
    // The address's count is kept: a right password for one e-mail must not buy more guesses
    // at others from the same address.
    if email_guard != LoginGuard::default() {
        email_guard.record_success();
        tx.put_login_guard(&email_key, &email_guard).await?;
    }
    let token_hash = secrets::sha256(attempt.session_token.as_bytes());
    tx.insert_admin_session(&token_hash, user.user_idx, now_ms).await?;
    let account = tx
        .account(user.account_idx)
        .await?
        .ok_or_else(|| Error::Internal(format!("user {} has no account", user.user_idx)))?;
    let session = SessionRecord {
        user_idx: user.user_idx,
        email: user.email.clone(),
        role: user.role.clone(),
        account_idx: account.account_idx,
        account_nm: account.name,
        plan: account.plan,
        created_at: now_ms,
        last_seen_at: now_ms,
    };
    Decision::done(&session_view(&session, &attempt.session_token))
}

/// The live session a cookie's token opens at `now_ms`, recording its use (at most once a
/// minute: the idle limit is exact to within that). `None`: unknown, ended or expired.
pub async fn authenticate(store: &dyn Store, session_token: &str, now_ms: i64) -> Result<Option<SessionRecord>, Error> {
    if !secrets::looks_like_token(session_token) {
        return Ok(None);
    }
    let token_hash = secrets::sha256(session_token.as_bytes());
    let Some(session) = store.admin_session(&token_hash).await? else { return Ok(None) };
    if !session_live(session.created_at, session.last_seen_at, now_ms) {
        return Ok(None);
    }
    if now_ms - session.last_seen_at >= i64::from(SESSION_TOUCH_SECS) * 1000 {
        run(store, now_ms, move |tx| Box::pin(async move { Ok(tx.touch_admin_session(&token_hash, now_ms).await?) }))
            .await?;
    }
    Ok(Some(session))
}

/// Ends the session of a cookie's token (nothing when there is none).
pub async fn logout(store: &dyn Store, session_token: &str, now_ms: i64) -> Result<(), Error> {
    let token_hash = secrets::sha256(session_token.as_bytes());
    run(store, now_ms, move |tx| Box::pin(async move { Ok(tx.delete_admin_session(&token_hash).await?) })).await
}

/// Creates an API key for the account with a checked label.
pub async fn create_key(
    store: &dyn Store,
    clock: &Clock,
    account_idx: i64,
    label: &str,
) -> Result<dashboard::NewKeyView, Error> {
    let label = check_key_label(label)?;
    let key = super::admin::create_api_key(store, clock, account_idx, &label).await?;
    Ok(dashboard::NewKeyView { api_key_idx: key.api_key_idx, api_key: key.api_key, label })
}

/// The account's API keys, oldest first (never the keys).
pub async fn list_keys(store: &dyn Store, account_idx: i64) -> Result<Vec<KeyView>, Error> {
    Ok(store
        .api_keys(account_idx)
        .await?
        .into_iter()
        .map(|key| KeyView {
            api_key_idx: key.api_key_idx,
            key_prefix: key.key_prefix,
            label: key.label,
            reg_ymdt: ymdt(key.created_at).to_string(),
            revoked_ymdt: key.revoked_at.map(|at| ymdt(at).to_string()),
        })
        .collect())
}

/// Revokes one of the account's live keys; another account's key, or one already revoked,
/// is missing.
pub async fn revoke_key(store: &dyn Store, clock: &Clock, account_idx: i64, api_key_idx: i64) -> Result<(), Error> {
    if super::admin::revoke_api_key(store, clock, account_idx, api_key_idx).await? {
        Ok(())
    } else {
        Err(Error::api(ErrorCode::ApiKeyNotFound, format!("no live API key {api_key_idx} in this account")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_decoy_costs_what_a_real_hash_costs() {
        let real = secrets::hash_secret("some password".to_owned()).await.expect("hash");
        let params = |phc: &str| phc.rsplitn(3, '$').nth(2).map(str::to_owned);
        assert_eq!(params(DECOY_HASH), params(&real), "same algorithm, version and parameters");
        assert!(!secrets::verify_secret(DECOY_HASH.to_owned(), "some password".to_owned()).await.expect("verify"));
    }
}
