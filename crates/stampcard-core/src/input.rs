//! Request checks: turn a parsed wire request into a checked command (`NewStamp`,
//! `StampPatch`, `NewCard`, `CardPatch`, `BulkChange`), or field-level errors, plus the field
//! formats (ids, URLs, emails, phones) the widget shares; the limits they apply are in
//! [`crate::limits`]. Shapes and ranges are checked here; checks that need the stored state
//! (the card's `maxStamps`, the stamp's current dates) are in [`crate::rules`].

use chrono::{Months, NaiveDate};

use crate::error::{ApiError, ErrorCode};
use crate::limits::{self, MAX_LIST_IDS};
use crate::model::Window;
use crate::secret;
use crate::types::YesNo;
use crate::wire::{
    BulkAction, BulkRequest, CardCreateRequest, CardUpdateRequest, CreateStampRequest, UpdateStampRequest,
};

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The JSON field name (`userEml`).
    pub field: &'static str,
    /// The code from the table.
    pub code: ErrorCode,
    /// What is wrong, naming the field.
    pub message: String,
}

/// All invalid fields of one request, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    fn push(&mut self, field: &'static str, code: ErrorCode, message: impl Into<String>) {
        self.0.push(FieldError { field, code, message: message.into() });
    }

    fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.0.is_empty() { Ok(value()) } else { Err(self) }
    }
}

impl From<FieldErrors> for ApiError {
    /// The envelope carries the first field's code and every field's message.
    fn from(errors: FieldErrors) -> ApiError {
        let code = errors.0.first().map_or(ErrorCode::Internal, |e| e.code);
        let message = errors.0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ");
        ApiError::new(code, message)
    }
}

/// Checks an id (`stampIdx`, `cardIdx`): `1..=2^53-1`.
pub fn idx(field: &'static str, value: i64) -> Result<i64, FieldError> {
    if (1..=limits::MAX_IDX).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError {
            field,
            code: ErrorCode::OutOfRange,
            message: format!("{field} must be an integer from 1 to {}", limits::MAX_IDX),
        })
    }
}

/// Free text: length limit and no control characters (tab and newlines allowed in the memo).
fn text(errors: &mut FieldErrors, field: &'static str, value: &str, max: usize) {
    let allow_newlines = field == "memo";
    if value.chars().count() > max {
        errors.push(field, ErrorCode::TooLong, format!("{field} must be at most {max} characters"));
    } else if value.chars().any(|c| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t'))) {
        errors.push(field, ErrorCode::InvalidText, format!("{field} must not contain control characters"));
    }
}

/// An absolute `http://` or `https://` URL with a host and no whitespace.
pub fn is_http_url(value: &str) -> bool {
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_ok = !host.is_empty()
        && !host.starts_with(['.', '-', ':'])
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    host_ok && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A plausible email address: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A phone number: digits, spaces and `+ - ( ) .`, with at least 3 digits.
pub fn is_phone(value: &str) -> bool {
    value.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'))
        && value.chars().filter(char::is_ascii_digit).count() >= 3
}

fn url_field(errors: &mut FieldErrors, field: &'static str, value: &str, max: usize) {
    if value.chars().count() > max {
        errors.push(field, ErrorCode::TooLong, format!("{field} must be at most {max} characters"));
    } else if !value.is_empty() && !is_http_url(value) {
        errors.push(field, ErrorCode::InvalidUrl, format!("{field} must be an absolute http or https URL"));
    }
}

/// The stamp's free-text fields; on create absent means empty, on update absent means unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfilePatch {
    /// `memo`.
    pub memo: Option<String>,
    /// `userId` (on create, `None` or empty: the server generates one).
    pub user_id: Option<String>,
    /// `userNm`.
    pub user_nm: Option<String>,
    /// `userPhnno`.
    pub user_phnno: Option<String>,
    /// `userEml`.
    pub user_eml: Option<String>,
    /// `userEtc1`.
    pub user_etc1: Option<String>,
    /// `userEtc2`.
    pub user_etc2: Option<String>,
}

impl ProfilePatch {
    fn is_empty(&self) -> bool {
        *self == ProfilePatch::default()
    }
}

#[allow(clippy::too_many_arguments)]
fn profile(
    errors: &mut FieldErrors,
    memo: &Option<String>,
    user_id: &Option<String>,
    user_nm: &Option<String>,
    user_phnno: &Option<String>,
    user_eml: &Option<String>,
    user_etc1: &Option<String>,
    user_etc2: &Option<String>,
) -> ProfilePatch {
    let fields: [(&'static str, &Option<String>, usize); 7] = [
        ("memo", memo, limits::MEMO),
        ("userId", user_id, limits::USER_ID),
        ("userNm", user_nm, limits::USER_NAME),
        ("userPhnno", user_phnno, limits::PHONE),
        ("userEml", user_eml, limits::EMAIL),
        ("userEtc1", user_etc1, limits::ETC),
        ("userEtc2", user_etc2, limits::ETC),
    ];
    for (field, value, max) in fields {
        if let Some(value) = value {
            text(errors, field, value, max);
        }
    }
    if let Some(phone) = user_phnno.as_deref().filter(|p| !p.is_empty() && p.chars().count() <= limits::PHONE)
        && !is_phone(phone)
    {
        errors.push(
            "userPhnno",
            ErrorCode::InvalidPhone,
            "userPhnno may only contain digits, spaces, plus signs, dashes, dots and parentheses",
        );
    }
    if let Some(email) = user_eml.as_deref().filter(|e| !e.is_empty() && e.chars().count() <= limits::EMAIL)
        && !is_email(email)
    {
        errors.push("userEml", ErrorCode::InvalidEmail, "userEml must be an email address like name@example.com");
    }
    ProfilePatch {
        memo: memo.clone(),
        user_id: user_id.clone().filter(|id| !id.is_empty()),
        user_nm: user_nm.clone(),
        user_phnno: user_phnno.clone(),
        user_eml: user_eml.clone(),
        user_etc1: user_etc1.clone(),
        user_etc2: user_etc2.clone(),
    }
}

/// `domain`: empty means the default; otherwise an origin, `http(s)://host[:port]`, which the
/// stamp page's URL is built on (`{domain}/stamp/{token}`). One trailing slash is dropped;
/// a path, query, fragment or user name would end up inside every `stampUrl`, so they are
/// refused.
fn domain(errors: &mut FieldErrors, value: &Option<String>) -> Option<Option<String>> {
    let value = value.as_deref()?;
    if value.is_empty() {
        return Some(None);
    }
    if value.chars().count() > limits::DOMAIN {
        errors.push("domain", ErrorCode::TooLong, format!("domain must be at most {} characters", limits::DOMAIN));
    } else if let Err(problem) = check_origin(value) {
        errors.push(
            "domain",
            ErrorCode::InvalidUrl,
            format!("domain must be only a scheme, host and optional port, like https://stamps.example.com: {problem}"),
        );
    }
    Some(Some(value.strip_suffix('/').unwrap_or(value).to_owned()))
}

/// Checks that `value` is `http://` or `https://`, a host name, IPv4 or `[IPv6]` address, an
/// optional port and at most one trailing slash; the error says what else it has.
fn check_origin(value: &str) -> Result<(), &'static str> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or("it must start with http:// or https://")?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it must not contain spaces or control characters");
    }
    if authority.contains(['/', '?', '#']) {
        return Err("it must not have a path, query or fragment");
    }
    if authority.contains('@') {
        return Err("it must not contain a user name or password");
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (address, after) = bracketed.split_once(']').ok_or("an IPv6 address must be closed with ]")?;
            let ipv6_ok =
                address.contains(':') && address.chars().all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'));
            if !ipv6_ok {
                return Err("the IPv6 address is malformed");
            }
            match after {
                "" => (address, None),
                _ => (address, Some(after.strip_prefix(':').ok_or("only a port may follow the host")?)),
            }
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if let Some(port) = port {
        let port_ok = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !port_ok {
            return Err("the port must be a number from 1 to 65535");
        }
    }
    if !authority.starts_with('[') {
        let labels_ok = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !labels_ok {
            return Err("the host must be a name such as stamps.example.com or an IP address");
        }
    }
    Ok(())
}

fn end_date_limit(errors: &mut FieldErrors, end: NaiveDate, today: NaiveDate) {
    let latest = today.checked_add_months(Months::new(limits::END_DATE_MONTHS_AHEAD)).unwrap_or(NaiveDate::MAX);
    if end > latest {
        errors.push(
            "endYmd",
            ErrorCode::EndDateTooFar,
            format!("endYmd must be at most 5 years from today (on or before {latest})"),
        );
    }
}

/// A checked create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStamp {
    /// The card.
    pub card_idx: i64,
    /// Custom domain, `None` for the server's own.
    pub domain: Option<String>,
    /// Validity window.
    pub window: Window,
    /// `activeYn` (default `Y`).
    pub active: bool,
    /// Free-text fields.
    pub profile: ProfilePatch,
}

impl CreateStampRequest {
    /// Checks a create request for `today`.
    pub fn check(&self, today: NaiveDate) -> Result<NewStamp, FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Err(e) = idx("cardIdx", self.card_idx) {
            errors.0.push(e);
        }
        let domain = domain(&mut errors, &self.domain).flatten();
        let (start, end) = (self.strt_ymd.0, self.end_ymd.0);
        if start > end {
            errors.push("strtYmd", ErrorCode::DateOrder, format!("strtYmd ({start}) must not be after endYmd ({end})"));
        }
        if end < today {
            errors.push(
                "endYmd",
                ErrorCode::EndDateInPast,
                format!("endYmd ({end}) must not be in the past for a new stamp"),
            );
        }
        end_date_limit(&mut errors, end, today);
        let profile = profile(
            &mut errors,
            &self.memo,
            &self.user_id,
            &self.user_nm,
            &self.user_phnno,
            &self.user_eml,
            &self.user_etc1,
            &self.user_etc2,
        );
        errors.into_result(|| NewStamp {
            card_idx: self.card_idx,
            domain,
            window: Window { start, end },
            active: self.active_yn.is_none_or(YesNo::is_yes),
            profile,
        })
    }
}

/// A checked update: `None` means unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StampPatch {
    /// Move to this card.
    pub card_idx: Option<i64>,
    /// New total count (range against the card is checked by the rules).
    pub stamps: Option<u32>,
    /// Clear the PIN.
    pub reset_pin: bool,
    /// `useYn`.
    pub use_reward: Option<bool>,
    /// `Some(None)`: back to the default domain.
    pub domain: Option<Option<String>>,
    /// New `strtYmd`.
    pub start: Option<NaiveDate>,
    /// New `endYmd`.
    pub end: Option<NaiveDate>,
    /// New `activeYn`.
    pub active: Option<bool>,
    /// Free-text fields.
    pub profile: ProfilePatch,
}

impl StampPatch {
    /// Whether the patch touches more than the memo, user fields and domain, which is all a
    /// redeemed stamp still allows.
    pub fn changes_state(&self) -> bool {
        self.card_idx.is_some()
            || self.stamps.is_some()
            || self.reset_pin
            || self.use_reward.is_some()
            || self.start.is_some()
            || self.end.is_some()
            || self.active.is_some()
    }

    /// Whether the patch changes nothing at all.
    pub fn is_empty(&self) -> bool {
        !self.changes_state() && self.domain.is_none() && self.profile.is_empty()
    }
}

impl UpdateStampRequest {
    /// Checks an update request for `today`.
    pub fn check(&self, today: NaiveDate) -> Result<StampPatch, FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Err(e) = idx("stampIdx", self.stamp_idx) {
            errors.0.push(e);
        }
        if let Some(Err(e)) = self.card_idx.map(|c| idx("cardIdx", c)) {
            errors.0.push(e);
        }
        let stamps = match self.stamps {
            Some(n) if !(0..=i64::from(limits::MAX_STAMPS)).contains(&n) => {
                errors.push(
                    "stamps",
                    ErrorCode::OutOfRange,
                    format!("stamps must be between 0 and the card's maxStamps (at most {})", limits::MAX_STAMPS),
                );
                None
            }
            Some(n) => u32::try_from(n).ok(),
            None => None,
        };
        let domain = domain(&mut errors, &self.domain);
        if let (Some(start), Some(end)) = (self.strt_ymd, self.end_ymd)
            && start > end
        {
            errors.push("strtYmd", ErrorCode::DateOrder, format!("strtYmd ({start}) must not be after endYmd ({end})"));
        }
        if let Some(end) = self.end_ymd {
            end_date_limit(&mut errors, end.0, today);
        }
        let profile = profile(
            &mut errors,
            &self.memo,
            &self.user_id,
            &self.user_nm,
            &self.user_phnno,
            &self.user_eml,
            &self.user_etc1,
            &self.user_etc2,
        );
        errors.into_result(|| StampPatch {
            card_idx: self.card_idx,
            stamps,
            reset_pin: self.reset_pin_yn == Some(YesNo::Y),
            use_reward: self.use_yn.map(YesNo::is_yes),
            domain,
            start: self.strt_ymd.map(|d| d.0),
            end: self.end_ymd.map(|d| d.0),
            active: self.active_yn.map(YesNo::is_yes),
            profile,
        })
    }
}

/// A checked card create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCard {
    /// `cardNm`.
    pub name: String,
    /// `cardTtl`.
    pub title: String,
    /// `maxStamps`.
    pub max_stamps: u32,
    /// `stampImgUrl`.
    pub stamp_img_url: String,
    /// `url`.
    pub url: String,
    /// `onsiteYn`.
    pub onsite_required: bool,
    /// The password to hash and store.
    pub onsite_password: Option<String>,
    /// `cooldownSecs` (0: off).
    pub cooldown_secs: u32,
    /// `maxAddsPerDay` (0: off).
    pub max_adds_per_day: u32,
    /// `autoRenewYn`.
    pub auto_renew: bool,
}

/// A checked card update: `None` means unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardPatch {
    /// `cardNm`.
    pub name: Option<String>,
    /// `cardTtl`.
    pub title: Option<String>,
    /// `maxStamps`.
    pub max_stamps: Option<u32>,
    /// `stampImgUrl`.
    pub stamp_img_url: Option<String>,
    /// `url`.
    pub url: Option<String>,
    /// `onsiteYn`.
    pub onsite_required: Option<bool>,
    /// A new password to hash and store.
    pub onsite_password: Option<String>,
    /// `cooldownSecs`.
    pub cooldown_secs: Option<u32>,
    /// `maxAddsPerDay`.
    pub max_adds_per_day: Option<u32>,
    /// `activeYn` (`false`: retire the card).
    pub active: Option<bool>,
    /// `autoRenewYn`.
    pub auto_renew: Option<bool>,
}

/// `cooldownSecs` and `maxAddsPerDay`: whole numbers from 0 (off) to their limits.
fn add_limits(
    errors: &mut FieldErrors,
    cooldown_secs: Option<i64>,
    max_adds_per_day: Option<i64>,
) -> (Option<u32>, Option<u32>) {
    let mut bounded = |field: &'static str, value: Option<i64>, max: u32| {
        value.and_then(|n| match u32::try_from(n) {
            Ok(n) if n <= max => Some(n),
            _ => {
                errors.push(field, ErrorCode::OutOfRange, format!("{field} must be between 0 (off) and {max}"));
                None
            }
        })
    };
    let cooldown = bounded("cooldownSecs", cooldown_secs, limits::COOLDOWN_SECS);
    let per_day = bounded("maxAddsPerDay", max_adds_per_day, limits::MAX_ADDS_PER_DAY);
    (cooldown, per_day)
}

#[allow(clippy::too_many_arguments)]
fn card_fields(
    errors: &mut FieldErrors,
    name: Option<&str>,
    title: Option<&str>,
    max_stamps: Option<i64>,
    stamp_img_url: Option<&str>,
    url: Option<&str>,
    onsite_pwd: Option<&str>,
) -> Option<u32> {
    if let Some(name) = name {
        if name.trim().is_empty() {
            errors.push("cardNm", ErrorCode::EmptyField, "cardNm must not be empty");
        } else {
            text(errors, "cardNm", name, limits::CARD_NAME);
        }
    }
    if let Some(title) = title {
        text(errors, "cardTtl", title, limits::CARD_TITLE);
    }
    let max = max_stamps.and_then(|n| match u32::try_from(n) {
        Ok(n) if (1..=limits::MAX_STAMPS).contains(&n) => Some(n),
        _ => {
            errors.push(
                "maxStamps",
                ErrorCode::OutOfRange,
                format!("maxStamps must be between 1 and {}", limits::MAX_STAMPS),
            );
            None
        }
    });
    if let Some(img) = stamp_img_url {
        url_field(errors, "stampImgUrl", img, limits::URL);
    }
    if let Some(url) = url {
        url_field(errors, "url", url, limits::URL);
    }
    if let Some(pwd) = onsite_pwd
        && let Err(e) = secret::check_onsite_password(pwd)
    {
        errors.push("onsitePwd", ErrorCode::InvalidOnsitePassword, format!("onsitePwd: {e}"));
    }
    max
}

impl CardCreateRequest {
    /// Checks a card create request. `onsiteYn` defaults to `Y` when a password is given.
    pub fn check(&self) -> Result<NewCard, FieldErrors> {
        let mut errors = FieldErrors::default();
        let max = card_fields(
            &mut errors,
            Some(&self.card_nm),
            self.card_ttl.as_deref(),
            Some(self.max_stamps),
            self.stamp_img_url.as_deref(),
            self.url.as_deref(),
            self.onsite_pwd.as_deref(),
        );
        let onsite_required = self.onsite_yn.map_or(self.onsite_pwd.is_some(), YesNo::is_yes);
        if onsite_required && self.onsite_pwd.is_none() {
            errors.push("onsitePwd", ErrorCode::OnsitePasswordMissing, "onsitePwd is required when onsiteYn is Y");
        }
        let (cooldown_secs, max_adds_per_day) = add_limits(&mut errors, self.cooldown_secs, self.max_adds_per_day);
        errors.into_result(|| NewCard {
            name: self.card_nm.clone(),
            title: self.card_ttl.clone().unwrap_or_default(),
            max_stamps: max.unwrap_or(1),
            stamp_img_url: self.stamp_img_url.clone().unwrap_or_default(),
            url: self.url.clone().unwrap_or_default(),
            onsite_required,
            onsite_password: self.onsite_pwd.clone(),
            cooldown_secs: cooldown_secs.unwrap_or(0),
            max_adds_per_day: max_adds_per_day.unwrap_or(0),
            auto_renew: self.auto_renew_yn.is_some_and(YesNo::is_yes),
        })
    }
}

impl CardUpdateRequest {
    /// Checks a card update's shapes. Whether `onsiteYn=Y` has a password to use, and
    /// whether `maxStamps` fits the live stamps, is checked by [`crate::rules`]-level callers
    /// with [`check_card_update`].
    pub fn check(&self) -> Result<CardPatch, FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Err(e) = idx("cardIdx", self.card_idx) {
            errors.0.push(e);
        }
        let max = card_fields(
            &mut errors,
            self.card_nm.as_deref(),
            self.card_ttl.as_deref(),
            self.max_stamps,
            self.stamp_img_url.as_deref(),
            self.url.as_deref(),
            self.onsite_pwd.as_deref(),
        );
        let (cooldown_secs, max_adds_per_day) = add_limits(&mut errors, self.cooldown_secs, self.max_adds_per_day);
        errors.into_result(|| CardPatch {
            name: self.card_nm.clone(),
            title: self.card_ttl.clone(),
            max_stamps: max,
            stamp_img_url: self.stamp_img_url.clone(),
            url: self.url.clone(),
            onsite_required: self.onsite_yn.map(YesNo::is_yes),
            onsite_password: self.onsite_pwd.clone(),
            cooldown_secs,
            max_adds_per_day,
            active: self.active_yn.map(YesNo::is_yes),
            auto_renew: self.auto_renew_yn.map(YesNo::is_yes),
        })
    }
}

/// Checks a card update against the stored card: `onsiteYn=Y` needs a password (stored or
/// new), and `maxStamps` may not drop below the highest count of a not-yet-redeemed stamp on
/// the card (that stamp would otherwise hold more stamps than its card allows).
pub fn check_card_update(
    patch: &CardPatch,
    has_stored_password: bool,
    highest_live_count: u32,
) -> Result<(), ApiError> {
    if patch.onsite_required == Some(true) && !has_stored_password && patch.onsite_password.is_none() {
        return Err(ApiError::new(ErrorCode::OnsitePasswordMissing, "onsitePwd is required when onsiteYn is Y"));
    }
    if let Some(max) = patch.max_stamps
        && max < highest_live_count
    {
        return Err(ApiError::new(
            ErrorCode::OutOfRange,
            format!("maxStamps must be at least {highest_live_count}: a stamp on this card already has that many"),
        ));
    }
    Ok(())
}

// bulk changes and import

/// A checked bulk change: the action and the distinct ids, ascending (the order the writes
/// lock rows in, so two bulk changes over the same stamps cannot deadlock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkChange {
    /// What to do.
    pub action: BulkAction,
    /// Distinct ids, ascending.
    pub stamp_idxs: Vec<i64>,
}

impl BulkRequest {
    /// Checks the id list: 1 to [`MAX_LIST_IDS`] ids, each a valid id. A repeated id counts once.
    pub fn check(&self) -> Result<BulkChange, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.stamp_idxs.is_empty() || self.stamp_idxs.len() > MAX_LIST_IDS {
            errors.push(
                "stampIdxs",
                ErrorCode::OutOfRange,
                format!("stampIdxs must hold 1 to {MAX_LIST_IDS} ids, not {}", self.stamp_idxs.len()),
            );
        }
        if let Some(bad) = self.stamp_idxs.iter().find(|&&i| idx("stampIdxs", i).is_err()) {
            errors.push(
                "stampIdxs",
                ErrorCode::OutOfRange,
                format!("every stampIdxs entry must be an integer from 1 to {}, not {bad}", limits::MAX_IDX),
            );
        }
        let mut stamp_idxs = self.stamp_idxs.clone();
        stamp_idxs.sort_unstable();
        stamp_idxs.dedup();
        errors.into_result(|| BulkChange { action: self.action, stamp_idxs })
    }
}

/// An imported row's `stamps`: empty is 0, otherwise an integer from 0 to
/// [`limits::MAX_STAMPS`] (the card's own `maxStamps` is checked by
/// [`crate::rules::set_count`]). The codes and messages are those of the update API's `stamps`.
pub fn import_count(value: &str) -> Result<u32, FieldError> {
    let out_of_range = || FieldError {
        field: "stamps",
        code: ErrorCode::OutOfRange,
        message: format!("stamps must be between 0 and the card's maxStamps (at most {})", limits::MAX_STAMPS),
    };
    if value.is_empty() {
        return Ok(0);
    }
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError {
            field: "stamps",
            code: ErrorCode::WrongType,
            message: format!("stamps must be an integer, got {value:?}"),
        });
    }
    // Digits beyond i64 fail to parse: a number too large, like any other out of range.
    match value.parse::<i64>() {
        Ok(n) if (0..=i64::from(limits::MAX_STAMPS)).contains(&n) => u32::try_from(n).map_err(|_| out_of_range()),
        _ => Err(out_of_range()),
    }
}

#[cfg(test)]
mod bulk_tests {
    use super::*;

    #[test]
    fn import_counts() {
        assert_eq!(import_count(""), Ok(0));
        assert_eq!(import_count("7"), Ok(7));
        assert_eq!(import_count("100"), Ok(limits::MAX_STAMPS));
        for (text, code) in [
            ("101", ErrorCode::OutOfRange),
            ("-1", ErrorCode::OutOfRange),
            ("99999999999999999999", ErrorCode::OutOfRange),
            ("1.5", ErrorCode::WrongType),
            ("three", ErrorCode::WrongType),
            ("-", ErrorCode::WrongType),
            (" 3", ErrorCode::WrongType),
        ] {
            assert_eq!(import_count(text).map_err(|e| e.code), Err(code), "{text:?}");
        }
    }

    #[test]
    fn bulk_ids_are_checked_sorted_and_distinct() {
        let request = |ids: Vec<i64>| BulkRequest { action: BulkAction::Activate, stamp_idxs: ids };
        assert_eq!(request(vec![5, 2, 5, 1]).check().map(|c| c.stamp_idxs), Ok(vec![1, 2, 5]));
        assert!(request(vec![]).check().is_err());
        assert!(request(vec![0]).check().is_err());
        assert!(request(vec![1; MAX_LIST_IDS]).check().is_ok());
        let error = request(vec![1; MAX_LIST_IDS + 1]).check().expect_err("too many");
        assert_eq!(error.0[0].code, ErrorCode::OutOfRange);
    }
}
