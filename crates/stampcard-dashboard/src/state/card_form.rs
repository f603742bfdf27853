//! The card form: the text of every field, the core's verdict on each (shown live beside it),
//! the request it sends and the customer's view it previews.

use chrono::NaiveDate;
use stampcard_core::input::FieldError;
use stampcard_core::model::StampState;
use stampcard_core::types::{YesNo, Ymd};
use stampcard_core::wire::{CardCreateRequest, CardUpdateRequest, CardView, PageView};

/// Whether a card is retired (`activeYn = N`): no new stamps on it.
pub fn is_retired(card: &CardView) -> bool {
    card.active_yn == YesNo::N
}

/// The form's fields, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardForm {
    /// The card being edited; `None` for a new card.
    pub card_idx: Option<i64>,
    /// `cardNm`.
    pub card_nm: String,
    /// `cardTtl`.
    pub card_ttl: String,
    /// `maxStamps`.
    pub max_stamps: String,
    /// `stampImgUrl`.
    pub stamp_img_url: String,
    /// `url`.
    pub url: String,
    /// `onsitePwd`: empty keeps the stored one (edit) or sets none (new).
    pub onsite_pwd: String,
    /// `cooldownSecs`.
    pub cooldown_secs: String,
    /// `maxAddsPerDay`.
    pub max_adds_per_day: String,
    /// `autoRenewYn`.
    pub auto_renew: bool,
    /// Retired (`activeYn = N`): no new stamps.
    pub retired: bool,
}

/// A field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `cardNm`.
    CardNm,
    /// `cardTtl`.
    CardTtl,
    /// `maxStamps`.
    MaxStamps,
    /// `stampImgUrl`.
    StampImgUrl,
    /// `url`.
    Url,
    /// `onsitePwd`.
    OnsitePwd,
    /// `cooldownSecs`.
    CooldownSecs,
    /// `maxAddsPerDay`.
    MaxAddsPerDay,
}

impl Field {
    /// The wire name, which the core's field errors carry.
    pub fn wire(self) -> &'static str {
        match self {
            Field::CardNm => "cardNm",
            Field::CardTtl => "cardTtl",
            Field::MaxStamps => "maxStamps",
            Field::StampImgUrl => "stampImgUrl",
            Field::Url => "url",
            Field::OnsitePwd => "onsitePwd",
            Field::CooldownSecs => "cooldownSecs",
            Field::MaxAddsPerDay => "maxAddsPerDay",
        }
    }
}

/// A number field that is not a whole number `>= 0` (`maxStamps` and the limits).
fn number(errors: &mut Vec<FieldError>, field: Field, text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<i64>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            errors.push(FieldError {
                field: field.wire(),
                code: stampcard_core::ErrorCode::WrongType,
                message: format!("{} must be a whole number of 0 or more", field.wire()),
            });
            None
        }
    }
}

fn optional(text: &str) -> Option<String> {
    Some(text.to_owned()).filter(|text| !text.trim().is_empty())
}

impl CardForm {
    /// An empty form for a new card: 10 stamps, limits off.
    pub fn new_card() -> CardForm {
        CardForm {
            max_stamps: "10".to_owned(),
            cooldown_secs: "0".to_owned(),
            max_adds_per_day: "0".to_owned(),
            ..CardForm::default()
        }
    }

    /// The form of a stored card (its password is never sent back: the field starts empty).
    pub fn edit(card: &CardView) -> CardForm {
        CardForm {
            card_idx: Some(card.card_idx),
            card_nm: card.card_nm.clone(),
            card_ttl: card.card_ttl.clone(),
            max_stamps: card.max_stamps.to_string(),
            stamp_img_url: card.stamp_img_url.clone(),
            url: card.url.clone(),
            onsite_pwd: String::new(),
            cooldown_secs: card.cooldown_secs.to_string(),
            max_adds_per_day: card.max_adds_per_day.to_string(),
            auto_renew: card.auto_renew_yn.is_yes(),
            retired: is_retired(card),
        }
    }

    /// Every problem, as the core's checks word them (the same checks the server runs).
    pub fn errors(&self) -> Vec<FieldError> {
        self.check().err().unwrap_or_default()
    }

    /// The first problem with one field, for the message beside it.
    pub fn error(&self, field: Field) -> Option<FieldError> {
        self.errors().into_iter().find(|error| error.field == field.wire())
    }

    /// The request, or every problem: the form's own (a number that is not one) and the
    /// core's (the same checks the server runs, limits included).
    fn check(&self) -> Result<Request, Vec<FieldError>> {
        let mut errors = Vec::new();
        let max_stamps = number(&mut errors, Field::MaxStamps, &self.max_stamps);
        if max_stamps.is_none() && self.max_stamps.trim().is_empty() && self.card_idx.is_none() {
            errors.push(FieldError {
                field: Field::MaxStamps.wire(),
                code: stampcard_core::ErrorCode::MissingField,
                message: "maxStamps is required".to_owned(),
            });
        }
        // Blank limits are off (0).
        let cooldown_secs = number(&mut errors, Field::CooldownSecs, &self.cooldown_secs).or(Some(0));
        let max_adds_per_day = number(&mut errors, Field::MaxAddsPerDay, &self.max_adds_per_day).or(Some(0));
        let onsite_pwd = optional(&self.onsite_pwd);
        let auto_renew_yn = Some(YesNo::from(self.auto_renew));
        let request = match self.card_idx {
            None => {
                let request = CardCreateRequest {
                    card_nm: self.card_nm.clone(),
                    card_ttl: optional(&self.card_ttl),
                    // A missing or malformed number was reported above; 1 keeps the core's
                    // other checks running.
                    max_stamps: max_stamps.unwrap_or(1),
                    stamp_img_url: optional(&self.stamp_img_url),
                    url: optional(&self.url),
                    onsite_yn: None,
                    onsite_pwd,
                    cooldown_secs,
                    max_adds_per_day,
                    auto_renew_yn,
                };
                if let Err(core) = request.check() {
                    errors.extend(core.0);
                }
                Request::Create(request)
            }
            Some(card_idx) => {
                let request = CardUpdateRequest {
                    card_idx,
                    card_nm: Some(self.card_nm.clone()),
                    card_ttl: Some(self.card_ttl.clone()),
                    max_stamps,
                    stamp_img_url: Some(self.stamp_img_url.clone()),
                    url: Some(self.url.clone()),
                    // A new password turns staff actions on; an empty field keeps what is stored.
                    onsite_yn: onsite_pwd.as_ref().map(|_| YesNo::Y),
                    onsite_pwd,
                    cooldown_secs,
                    max_adds_per_day,
                    active_yn: Some((!self.retired).into()),
                    auto_renew_yn,
                };
                if let Err(core) = request.check() {
                    errors.extend(core.0);
                }
                Request::Update(request)
            }
        };
        // The core may name a field the form already reported (a number it could not read).
        let mut seen = Vec::new();
        errors.retain(|error| {
            let first = !seen.contains(&error.field);
            seen.push(error.field);
            first
        });
        if errors.is_empty() { Ok(request) } else { Err(errors) }
    }

    /// The create request, when the card is new and every field passes.
    pub fn create_body(&self) -> Option<CardCreateRequest> {
        match self.check().ok()? {
            Request::Create(request) => Some(request),
            Request::Update(_) => None,
        }
    }

    /// The update request, when the card exists and every field passes.
    pub fn update_body(&self) -> Option<CardUpdateRequest> {
        match self.check().ok()? {
            Request::Update(request) => Some(request),
            Request::Create(_) => None,
        }
    }

    /// What the customer will see on `today` with a few stamps collected: the widget's own
    /// card fed with the form's values (a malformed count shows 10 slots).
    pub fn preview(&self, today: NaiveDate) -> PageView {
        let max_stamps = self
            .max_stamps
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=stampcard_core::limits::MAX_STAMPS).contains(n))
            .unwrap_or(10);
        let stamps = (max_stamps / 3).max(1).min(max_stamps);
        let end = today.checked_add_months(chrono::Months::new(12)).unwrap_or(today);
        PageView {
            card_nm: self.card_nm.clone(),
            card_ttl: self.card_ttl.clone(),
            stamp_img_url: self.stamp_img_url.trim().to_owned(),
            url: self.url.trim().to_owned(),
            stamps,
            max_stamps,
            strt_ymd: Ymd(today),
            end_ymd: Ymd(end),
            active_yn: YesNo::Y,
            redeemed_ymd: None,
            previous_redeemed_ymd: None,
            onsite_yn: YesNo::N,
            today: Ymd(today),
            state: StampState::Collecting,
            onsite_locked_secs: None,
        }
    }
}

/// A request the form checked.
enum Request {
    Create(CardCreateRequest),
    Update(CardUpdateRequest),
}

#[cfg(test)]
mod tests {
    use stampcard_core::ErrorCode;

    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("date")
    }

    fn valid() -> CardForm {
        CardForm { card_nm: "Coffee".into(), card_ttl: "Free coffee".into(), ..CardForm::new_card() }
    }

    #[test]
    fn a_valid_new_card_makes_its_create_body() {
        let form = CardForm { auto_renew: true, cooldown_secs: "60".into(), ..valid() };
        assert!(form.errors().is_empty(), "{:?}", form.errors());
        let body = form.create_body().expect("a body");
        assert_eq!(body.card_nm, "Coffee");
        assert_eq!(body.max_stamps, 10);
        assert_eq!(body.stamp_img_url, None, "empty fields are left out");
        assert_eq!(
            (body.cooldown_secs, body.max_adds_per_day, body.auto_renew_yn),
            (Some(60), Some(0), Some(YesNo::Y))
        );
        assert!(form.update_body().is_none(), "a new card has no update body");
    }

    #[test]
    fn each_field_shows_the_cores_own_verdict() {
        let form = CardForm {
            card_nm: " ".into(),
            max_stamps: "101".into(),
            url: "ftp://x".into(),
            stamp_img_url: "not a url".into(),
            onsite_pwd: "abc".into(),
            ..CardForm::new_card()
        };
        let error = |field| form.error(field).map(|error| error.code);
        assert_eq!(error(Field::CardNm), Some(ErrorCode::EmptyField));
        assert_eq!(error(Field::MaxStamps), Some(ErrorCode::OutOfRange));
        assert_eq!(error(Field::Url), Some(ErrorCode::InvalidUrl));
        assert_eq!(error(Field::StampImgUrl), Some(ErrorCode::InvalidUrl));
        assert_eq!(error(Field::OnsitePwd), Some(ErrorCode::InvalidOnsitePassword));
        assert_eq!(error(Field::CardTtl), None);
        // The words are the core's, not the dashboard's.
        let core = CardCreateRequest {
            card_nm: "x".into(),
            card_ttl: None,
            max_stamps: 101,
            stamp_img_url: None,
            url: None,
            onsite_yn: None,
            onsite_pwd: None,
            cooldown_secs: None,
            max_adds_per_day: None,
            auto_renew_yn: None,
        }
        .check()
        .expect_err("out of range");
        assert_eq!(form.error(Field::MaxStamps).map(|e| e.message), Some(core.0[0].message.clone()));
        assert!(form.create_body().is_none());
    }

    #[test]
    fn numbers_must_be_whole_and_not_negative() {
        for (field, form) in [
            (Field::MaxStamps, CardForm { max_stamps: "ten".into(), ..valid() }),
            (Field::MaxStamps, CardForm { max_stamps: "".into(), ..valid() }),
            (Field::CooldownSecs, CardForm { cooldown_secs: "-1".into(), ..valid() }),
            (Field::MaxAddsPerDay, CardForm { max_adds_per_day: "1.5".into(), ..valid() }),
        ] {
            assert!(form.error(field).is_some(), "{field:?} in {form:?}");
            assert!(form.create_body().is_none());
        }
        let blank_limits = CardForm { cooldown_secs: " ".into(), max_adds_per_day: String::new(), ..valid() };
        assert_eq!(blank_limits.create_body().map(|b| (b.cooldown_secs, b.max_adds_per_day)), Some((Some(0), Some(0))));
    }

    #[test]
    fn the_limits_are_the_cores() {
        let too_many = CardForm { max_adds_per_day: "101".into(), ..valid() };
        assert_eq!(too_many.error(Field::MaxAddsPerDay).map(|e| e.code), Some(ErrorCode::OutOfRange));
        let too_long = CardForm { cooldown_secs: (30 * 24 * 60 * 60 + 1).to_string(), ..valid() };
        assert_eq!(too_long.error(Field::CooldownSecs).map(|e| e.code), Some(ErrorCode::OutOfRange));
        let at_the_limits =
            CardForm { cooldown_secs: (30 * 24 * 60 * 60).to_string(), max_adds_per_day: "100".into(), ..valid() };
        assert!(at_the_limits.create_body().is_some(), "{:?}", at_the_limits.errors());
    }

    #[test]
    fn editing_keeps_the_stored_password_unless_a_new_one_is_typed() {
        let card = CardView {
            card_idx: 7,
            card_nm: "Coffee".into(),
            card_ttl: "Free coffee".into(),
            max_stamps: 8,
            stamp_img_url: String::new(),
            url: "https://shop.example/".into(),
            onsite_yn: YesNo::Y,
            reg_ymdt: stampcard_core::types::Ymdt::parse("2026-01-01 10:00:00").expect("time"),
            cooldown_secs: 30,
            max_adds_per_day: 2,
            active_yn: YesNo::Y,
            auto_renew_yn: YesNo::Y,
        };
        let form = CardForm::edit(&card);
        assert_eq!((form.max_stamps.as_str(), form.auto_renew, form.retired), ("8", true, false));
        let body = form.update_body().expect("valid");
        assert_eq!(body.card_idx, 7);
        assert_eq!((body.onsite_yn, body.onsite_pwd), (None, None));
        assert_eq!((body.cooldown_secs, body.max_adds_per_day, body.active_yn), (Some(30), Some(2), Some(YesNo::Y)));
        let retired = CardForm { retired: true, onsite_pwd: "s3cret-pw".into(), ..form };
        let body = retired.update_body().expect("valid");
        assert_eq!(body.active_yn, Some(YesNo::N));
        assert_eq!((body.onsite_yn, body.onsite_pwd.as_deref()), (Some(YesNo::Y), Some("s3cret-pw")));
        assert!(retired.create_body().is_none());
    }

    #[test]
    fn the_preview_is_the_customers_view_of_the_form() {
        let form = CardForm { max_stamps: "12".into(), stamp_img_url: " https://img.example/s.png ".into(), ..valid() };
        let view = form.preview(day());
        assert_eq!((view.card_nm.as_str(), view.card_ttl.as_str()), ("Coffee", "Free coffee"));
        assert_eq!((view.stamps, view.max_stamps), (4, 12));
        assert_eq!(view.stamp_img_url, "https://img.example/s.png");
        assert_eq!(view.today.0, day());
        assert!(view.end_ymd.0 > day());
        let malformed = CardForm { max_stamps: "0".into(), ..valid() }.preview(day());
        assert_eq!((malformed.stamps, malformed.max_stamps), (3, 10));
        let one = CardForm { max_stamps: "1".into(), ..valid() }.preview(day());
        assert_eq!((one.stamps, one.max_stamps), (1, 1));
    }
}
