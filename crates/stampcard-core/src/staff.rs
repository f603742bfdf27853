//! Staff members (our extension): the counter's people, each with their own password for some
//! or all of the account's cards, instead of one password shared by a whole card. The wire
//! types of the staff endpoints, their request checks, and the form in which a staff member
//! types their password where a card's `onsitePwd` is asked for.
//!
//! A staff credential is `<staffIdx>:<staffPwd>` (`12:blue-heron`): the number finds one
//! staff row by key, so an attempt costs one password hash however many staff members the
//! account has. Anything else is the card's own password, as before.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::input::{FieldError, FieldErrors, idx};
use crate::limits;
use crate::types::{YesNo, Ymdt};

/// URL paths of the staff endpoints.
pub mod paths {
    /// `POST`: add a staff member.
    pub const STAFF_CREATE: &str = "/api/stamp/v1/staff/create";
    /// `GET`: the account's staff members.
    pub const STAFF_LIST: &str = "/api/stamp/v1/staff/list";
    /// `PUT`: change a staff member.
    pub const STAFF_UPDATE: &str = "/api/stamp/v1/staff/update";
    /// `DELETE ?staffIdx=N`: remove a staff member.
    pub const STAFF_DELETE: &str = "/api/stamp/v1/staff/delete";
}

/// Fewest characters of a staff password.
pub const STAFF_PWD_MIN_CHARS: usize = 6;
/// Most characters of a staff password.
pub const STAFF_PWD_MAX_CHARS: usize = 32;
/// Longest `staffNm`.
pub const STAFF_NAME_MAX_CHARS: usize = 100;
/// Most digits of the `staffIdx` part of a credential (ids are at most 2^53 - 1).
const STAFF_IDX_MAX_DIGITS: usize = 16;

/// `POST /api/stamp/v1/staff/create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StaffCreateRequest {
    /// The staff member's name, as the shop calls them.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub staff_nm: String,
    /// Their password (write-only; stored as an argon2id hash). At the counter they type
    /// `<staffIdx>:<staffPwd>` where the card's password is asked for.
    #[cfg_attr(feature = "openapi", schema(min_length = 6, max_length = 32))]
    pub staff_pwd: String,
    /// The cards they may act on; absent or null: every card of the account, including
    /// cards created later.
    #[serde(default, deserialize_with = "crate::types::opt_idx_list", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::types::opt_idx_list_schema))]
    pub card_idxs: Option<Vec<i64>>,
}

/// `PUT /api/stamp/v1/staff/update`: absent fields are unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StaffUpdateRequest {
    /// The staff member.
    #[serde(deserialize_with = "crate::types::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_i64))]
    pub staff_idx: i64,
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub staff_nm: Option<String>,
    /// A new password (write-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 6, max_length = 32))]
    pub staff_pwd: Option<String>,
    /// Only these cards from now on.
    #[serde(default, deserialize_with = "crate::types::opt_idx_list", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::types::opt_idx_list_schema))]
    pub card_idxs: Option<Vec<i64>>,
    /// `Y`: every card of the account from now on (not together with `cardIdxs`); `N` is
    /// the same as leaving it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_cards_yn: Option<YesNo>,
    /// `N`: the password stops working until set back to `Y`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_yn: Option<YesNo>,
}

/// A staff member as the staff endpoints return it (never the password or its hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StaffView {
    /// The staff member: the number before the `:` of their credential.
    pub staff_idx: i64,
    /// Name.
    pub staff_nm: String,
    /// `Y`: every card of the account, including later ones.
    pub all_cards_yn: YesNo,
    /// The cards they may act on, ascending; null when `allCardsYn` is `Y`.
    pub card_idxs: Option<Vec<i64>>,
    /// Whether their password works.
    pub active_yn: YesNo,
    /// When they were added.
    pub reg_ymdt: Ymdt,
}

/// Which cards a staff member may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardScope {
    /// Every card of the account, including cards created later.
    All,
    /// These cards (distinct, ascending).
    Only(Vec<i64>),
}

/// A checked staff create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    /// `staffNm`.
    pub name: String,
    /// The password to hash and store.
    pub password: String,
    /// `cardIdxs`.
    pub scope: CardScope,
}

/// A checked staff update: `None` means unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffPatch {
    /// `staffNm`.
    pub name: Option<String>,
    /// A new password to hash and store.
    pub password: Option<String>,
    /// `cardIdxs` or `allCardsYn: "Y"`.
    pub scope: Option<CardScope>,
    /// `activeYn`.
    pub active: Option<bool>,
}

/// Why a staff password breaks the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StaffPasswordError {
    /// Shorter than 6 characters.
    #[error("must have at least 6 characters")]
    TooShort,
    /// Longer than 32 characters.
    #[error("must have at most 32 characters")]
    TooLong,
    /// Control characters, or blank.
    #[error("must be printable and not blank")]
    NotPrintable,
}

/// Checks a staff password: 6 to 32 printable characters, not blank.
pub fn check_staff_password(password: &str) -> Result<(), StaffPasswordError> {
    let chars = password.chars().count();
    if chars < STAFF_PWD_MIN_CHARS {
        return Err(StaffPasswordError::TooShort);
    }
    if chars > STAFF_PWD_MAX_CHARS {
        return Err(StaffPasswordError::TooLong);
    }
    if password.chars().any(char::is_control) || password.trim().is_empty() {
        return Err(StaffPasswordError::NotPrintable);
    }
    Ok(())
}

/// A staff credential typed where an `onsitePwd` is asked for: `<staffIdx>:<staffPwd>`, the
/// number 1 to 2^53 - 1 in at most 16 digits and the password within the staff password
/// rules. `None`: not of that form, so it is the card's own password.
pub fn parse_credential(onsite_pwd: &str) -> Option<(i64, &str)> {
    let (number, password) = onsite_pwd.split_once(':')?;
    if number.is_empty() || number.len() > STAFF_IDX_MAX_DIGITS || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let staff_idx = idx("staffIdx", number.parse().ok()?).ok()?;
    check_staff_password(password).ok()?;
    Some((staff_idx, password))
}

fn push(errors: &mut FieldErrors, field: &'static str, code: ErrorCode, message: impl Into<String>) {
    errors.0.push(FieldError { field, code, message: message.into() });
}

fn name_field(errors: &mut FieldErrors, name: &str) {
    if name.trim().is_empty() {
        push(errors, "staffNm", ErrorCode::EmptyField, "staffNm must not be empty");
    } else if name.chars().count() > STAFF_NAME_MAX_CHARS {
        push(
            errors,
            "staffNm",
            ErrorCode::TooLong,
            format!("staffNm must be at most {STAFF_NAME_MAX_CHARS} characters"),
        );
    } else if name.chars().any(char::is_control) {
        push(errors, "staffNm", ErrorCode::InvalidText, "staffNm must not contain control characters");
    }
}

fn password_field(errors: &mut FieldErrors, password: &str) {
    if let Err(e) = check_staff_password(password) {
        push(errors, "staffPwd", ErrorCode::InvalidStaffPassword, format!("staffPwd {e}"));
    }
}

/// `cardIdxs`: 1 to [`limits::MAX_LIST_IDS`] valid ids; repeats are counted once.
fn card_idxs_field(errors: &mut FieldErrors, card_idxs: &[i64]) -> Vec<i64> {
    if card_idxs.is_empty() || card_idxs.len() > limits::MAX_LIST_IDS {
        push(
            errors,
            "cardIdxs",
            ErrorCode::InvalidCardIdxs,
            format!(
                "cardIdxs must list 1 to {} card ids (leave it out for every card; deactivate a staff member with activeYn N)",
                limits::MAX_LIST_IDS
            ),
        );
        return Vec::new();
    }
    if let Some(bad) = card_idxs.iter().find(|card_idx| idx("cardIdxs", **card_idx).is_err()) {
        push(
            errors,
            "cardIdxs",
            ErrorCode::OutOfRange,
            format!("cardIdxs must hold integers from 1 to {}, got {bad}", limits::MAX_IDX),
        );
    }
    let mut ids = card_idxs.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn into_result<T>(errors: FieldErrors, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
    if errors.0.is_empty() { Ok(value()) } else { Err(errors) }
}

impl StaffCreateRequest {
    /// Checks a staff create request.
    pub fn check(&self) -> Result<NewStaff, FieldErrors> {
        let mut errors = FieldErrors::default();
        name_field(&mut errors, &self.staff_nm);
        password_field(&mut errors, &self.staff_pwd);
        let scope = match &self.card_idxs {
            Some(card_idxs) => CardScope::Only(card_idxs_field(&mut errors, card_idxs)),
            None => CardScope::All,
        };
        into_result(errors, || NewStaff { name: self.staff_nm.clone(), password: self.staff_pwd.clone(), scope })
    }
}

impl StaffUpdateRequest {
    /// Checks a staff update's fields (whether the staff member and the cards are the
    /// account's is for the write to find out).
    pub fn check(&self) -> Result<StaffPatch, FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Err(e) = idx("staffIdx", self.staff_idx) {
            errors.0.push(e);
        }
        if let Some(name) = &self.staff_nm {
            name_field(&mut errors, name);
        }
        if let Some(password) = &self.staff_pwd {
            password_field(&mut errors, password);
        }
        let all_cards = self.all_cards_yn.is_some_and(YesNo::is_yes);
        let scope = match (&self.card_idxs, all_cards) {
            (Some(_), true) => {
                push(
                    &mut errors,
                    "cardIdxs",
                    ErrorCode::InvalidCardIdxs,
                    "send either cardIdxs or allCardsYn Y, not both",
                );
                None
            }
            (Some(card_idxs), false) => Some(CardScope::Only(card_idxs_field(&mut errors, card_idxs))),
            (None, true) => Some(CardScope::All),
            (None, false) => None,
        };
        into_result(errors, || StaffPatch {
            name: self.staff_nm.clone(),
            password: self.staff_pwd.clone(),
            scope,
            active: self.active_yn.map(YesNo::is_yes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_name_a_staff_member_and_a_valid_password() {
        assert_eq!(parse_credential("12:blue-heron"), Some((12, "blue-heron")));
        // Only the first colon separates: the password may hold more.
        assert_eq!(parse_credential("3:a:b:c:d"), Some((3, "a:b:c:d")));
        for card_password in [
            "blue-heron",
            "12:short",
            ":blue-heron",
            "0:blue-heron",
            "-1:blue-heron",
            "1a:blue-heron",
            "12345678901234567:blue-heron",
            "9007199254740992:blue-heron",
            "12:      ",
            "12:this-password-is-far-longer-than-32-chars",
        ] {
            assert_eq!(parse_credential(card_password), None, "{card_password}");
        }
        // "12:short" has a 5-character password: a card password, not a staff credential.
        assert_eq!(parse_credential("12:short1"), Some((12, "short1")));
    }

    #[test]
    fn checks_every_field() {
        let create = |name: &str, pwd: &str, cards: Option<Vec<i64>>| StaffCreateRequest {
            staff_nm: name.to_owned(),
            staff_pwd: pwd.to_owned(),
            card_idxs: cards,
        };
        let code = |request: StaffCreateRequest| request.check().expect_err("refused").0[0].code;
        assert_eq!(code(create(" ", "secret1", None)), ErrorCode::EmptyField);
        assert_eq!(code(create(&"n".repeat(101), "secret1", None)), ErrorCode::TooLong);
        assert_eq!(code(create("a\u{7}", "secret1", None)), ErrorCode::InvalidText);
        assert_eq!(code(create("Ann", "12345", None)), ErrorCode::InvalidStaffPassword);
        assert_eq!(code(create("Ann", &"p".repeat(33), None)), ErrorCode::InvalidStaffPassword);
        assert_eq!(code(create("Ann", "secret\n1", None)), ErrorCode::InvalidStaffPassword);
        assert_eq!(code(create("Ann", "secret1", Some(vec![]))), ErrorCode::InvalidCardIdxs);
        assert_eq!(code(create("Ann", "secret1", Some(vec![1; 1001]))), ErrorCode::InvalidCardIdxs);
        assert_eq!(code(create("Ann", "secret1", Some(vec![0]))), ErrorCode::OutOfRange);
        let ok = create("Ann", "secret1", Some(vec![3, 1, 3])).check().expect("valid");
        assert_eq!(ok.scope, CardScope::Only(vec![1, 3]));
        assert_eq!(create("Ann", "secret1", None).check().expect("valid").scope, CardScope::All);

        let both = StaffUpdateRequest {
            staff_idx: 1,
            card_idxs: Some(vec![1]),
            all_cards_yn: Some(YesNo::Y),
            ..StaffUpdateRequest::default()
        };
        assert_eq!(both.check().expect_err("refused").0[0].code, ErrorCode::InvalidCardIdxs);
        let bad_idx = StaffUpdateRequest { staff_idx: 0, ..StaffUpdateRequest::default() };
        assert_eq!(bad_idx.check().expect_err("refused").0[0].code, ErrorCode::OutOfRange);
        let all = StaffUpdateRequest { staff_idx: 1, all_cards_yn: Some(YesNo::Y), ..StaffUpdateRequest::default() };
        assert_eq!(all.check().expect("valid").scope, Some(CardScope::All));
        let none = StaffUpdateRequest { staff_idx: 1, all_cards_yn: Some(YesNo::N), ..StaffUpdateRequest::default() };
        assert_eq!(none.check().expect("valid"), StaffPatch::default());
    }
}
