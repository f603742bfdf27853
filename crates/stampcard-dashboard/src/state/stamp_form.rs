//! The "New stamp" form: a card, the customer's fields and the validity window, checked by the
//! core's `CreateStampRequest::check` as the user types (the server runs the same check).

use chrono::NaiveDate;
use stampcard_core::ErrorCode;
use stampcard_core::input::FieldError;
use stampcard_core::types::Ymd;
use stampcard_core::wire::CreateStampRequest;

/// The form's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StampForm {
    /// The card (`cardIdx`), as the select's value.
    pub card_idx: String,
    /// `userId`; empty lets the server make one.
    pub user_id: String,
    /// `userNm`.
    pub user_nm: String,
    /// `userPhnno`.
    pub user_phnno: String,
    /// `userEml`.
    pub user_eml: String,
    /// `memo`.
    pub memo: String,
    /// `strtYmd`, `YYYY-MM-DD` (a date input's value).
    pub strt_ymd: String,
    /// `endYmd`, `YYYY-MM-DD`.
    pub end_ymd: String,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|text| !text.is_empty())
}

fn date(errors: &mut Vec<FieldError>, field: &'static str, text: &str) -> Option<Ymd> {
    let parsed = Ymd::parse(text.trim());
    if parsed.is_none() {
        errors.push(FieldError {
            field,
            code: ErrorCode::InvalidDate,
            message: format!("{field} must be a real date written as YYYY-MM-DD"),
        });
    }
    parsed
}

impl StampForm {
    /// A new form: `card_idx` preselected, valid from `today` for a year.
    pub fn new(card_idx: Option<i64>, today: NaiveDate) -> StampForm {
        let end = today.checked_add_months(chrono::Months::new(12)).and_then(|d| d.pred_opt()).unwrap_or(today);
        StampForm {
            card_idx: card_idx.map(|idx| idx.to_string()).unwrap_or_default(),
            strt_ymd: Ymd(today).to_string(),
            end_ymd: Ymd(end).to_string(),
            ..StampForm::default()
        }
    }

    /// The request, or every problem in the core's words.
    pub fn check(&self, today: NaiveDate) -> Result<CreateStampRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let card_idx = self.card_idx.trim().parse::<i64>().ok();
        if card_idx.is_none() {
            errors.push(FieldError {
                field: "cardIdx",
                code: ErrorCode::MissingField,
                message: "cardIdx is required: choose a card".to_owned(),
            });
        }
        let start = date(&mut errors, "strtYmd", &self.strt_ymd);
        let end = date(&mut errors, "endYmd", &self.end_ymd);
        let request = CreateStampRequest {
            card_idx: card_idx.unwrap_or(1),
            domain: None,
            strt_ymd: start.unwrap_or(Ymd(today)),
            end_ymd: end.unwrap_or(Ymd(today)),
            active_yn: None,
            memo: optional(&self.memo),
            user_id: optional(&self.user_id),
            user_nm: optional(&self.user_nm),
            user_phnno: optional(&self.user_phnno),
            user_eml: optional(&self.user_eml),
            user_etc1: None,
            user_etc2: None,
        };
        if let Err(core) = request.check(today) {
            // A malformed date was reported above; the core's verdict on the stand-in is not.
            let reported: Vec<&'static str> = errors.iter().map(|e| e.field).collect();
            errors.extend(core.0.into_iter().filter(|e| !reported.contains(&e.field)));
        }
        if errors.is_empty() { Ok(request) } else { Err(errors) }
    }

    /// The first problem with `field` (its wire name).
    pub fn error(&self, field: &str, today: NaiveDate) -> Option<FieldError> {
        self.check(today).err()?.into_iter().find(|error| error.field == field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("date")
    }

    #[test]
    fn a_new_form_is_valid_for_a_year_once_a_card_is_chosen() {
        let form = StampForm::new(None, today());
        assert_eq!((form.strt_ymd.as_str(), form.end_ymd.as_str()), ("2026-03-01", "2027-02-28"));
        assert_eq!(form.error("cardIdx", today()).map(|e| e.code), Some(ErrorCode::MissingField));
        let form = StampForm { user_id: " cust-42 ".into(), ..StampForm::new(Some(3), today()) };
        let request = form.check(today()).expect("valid");
        assert_eq!((request.card_idx, request.user_id.as_deref(), request.user_nm), (3, Some("cust-42"), None));
    }

    #[test]
    fn the_core_judges_the_dates_and_the_customers_fields() {
        let base = StampForm::new(Some(1), today());
        let code = |form: StampForm, field: &str| form.error(field, today()).map(|e| e.code);
        assert_eq!(
            code(StampForm { end_ymd: "2026-02-28".into(), ..base.clone() }, "endYmd"),
            Some(ErrorCode::EndDateInPast)
        );
        assert_eq!(
            code(StampForm { end_ymd: "2032-01-01".into(), ..base.clone() }, "endYmd"),
            Some(ErrorCode::EndDateTooFar)
        );
        assert_eq!(
            code(StampForm { strt_ymd: "2026-06-01".into(), end_ymd: "2026-05-01".into(), ..base.clone() }, "strtYmd"),
            Some(ErrorCode::DateOrder)
        );
        assert_eq!(
            code(StampForm { strt_ymd: "2026-02-30".into(), ..base.clone() }, "strtYmd"),
            Some(ErrorCode::InvalidDate)
        );
        assert_eq!(
            code(StampForm { user_eml: "not-an-email".into(), ..base.clone() }, "userEml"),
            Some(ErrorCode::InvalidEmail)
        );
        assert_eq!(
            code(StampForm { user_phnno: "call me".into(), ..base.clone() }, "userPhnno"),
            Some(ErrorCode::InvalidPhone)
        );
        assert!(base.check(today()).is_ok());
    }
}
