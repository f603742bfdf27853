//! The "Add staff member" form: the text typed, the cards ticked, the request it sends and the
//! core's verdict on each field.

use std::collections::BTreeSet;

use stampcard_core::input::FieldError;
use stampcard_core::staff::StaffCreateRequest;

/// The form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffForm {
    /// `staffNm`.
    pub staff_nm: String,
    /// `staffPwd`.
    pub staff_pwd: String,
    /// The ticked cards; none ticked means every card (`cardIdxs` left out).
    pub card_idxs: BTreeSet<i64>,
}

impl StaffForm {
    /// Ticks or unticks a card.
    pub fn toggle_card(&mut self, card_idx: i64) {
        if !self.card_idxs.remove(&card_idx) {
            self.card_idxs.insert(card_idx);
        }
    }

    /// The request the form sends.
    pub fn request(&self) -> StaffCreateRequest {
        StaffCreateRequest {
            staff_nm: self.staff_nm.trim().to_owned(),
            staff_pwd: self.staff_pwd.clone(),
            card_idxs: (!self.card_idxs.is_empty()).then(|| self.card_idxs.iter().copied().collect()),
        }
    }

    /// The core's verdict on one field (`staffNm`, `staffPwd`, `cardIdxs`), as the server
    /// would give it.
    pub fn error(&self, field: &str) -> Option<FieldError> {
        self.request().check().err()?.0.into_iter().find(|error| error.field == field)
    }

    /// Whether the server would accept the form.
    pub fn is_valid(&self) -> bool {
        self.request().check().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use stampcard_core::ErrorCode;

    use super::*;

    #[test]
    fn no_card_ticked_means_every_card() {
        let mut form = StaffForm { staff_nm: " Mina ".into(), staff_pwd: "blue-heron".into(), ..StaffForm::default() };
        assert_eq!(form.request().card_idxs, None);
        assert_eq!(form.request().staff_nm, "Mina");
        form.toggle_card(3);
        form.toggle_card(1);
        assert_eq!(form.request().card_idxs, Some(vec![1, 3]));
        form.toggle_card(3);
        assert_eq!(form.request().card_idxs, Some(vec![1]));
        assert!(form.is_valid());
    }

    #[test]
    fn the_cores_verdict_is_shown_beside_each_field() {
        let form = StaffForm { staff_nm: String::new(), staff_pwd: "12345".into(), ..StaffForm::default() };
        assert!(!form.is_valid());
        assert!(form.error("staffNm").is_some());
        let password = form.error("staffPwd").expect("too short");
        assert_eq!(password.code, ErrorCode::InvalidStaffPassword);
        assert_eq!(form.error("cardIdxs"), None);
    }
}
