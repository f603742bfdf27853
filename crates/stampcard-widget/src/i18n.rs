//! English and Korean text of the stamp page, and how the language is picked.
//!
//! Plain tables of `&'static str` plus a few formatting functions: no runtime catalogue, so
//! the widget stays small. PIN rule messages come from the core's errors; English shows the
//! core's own wording, Korean a translation per variant.

use stampcard_core::ErrorCode;
use stampcard_core::secret::PinError;
use stampcard_core::types::Ymd;

/// A language the page speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Korean.
    Ko,
}

impl Lang {
    /// Picks the language from a BCP 47 tag (the element's `lang`, else the browser's):
    /// Korean for `ko` and `ko-*`, English for anything else.
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("ko") { Lang::Ko } else { Lang::En }
    }

    /// The tag written on the widget's root element.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The fixed strings.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Ko => &KO,
        }
    }

    /// "3 of 10 stamps": the progress bar's value text.
    pub fn stamps_of(self, stamps: u32, max_stamps: u32) -> String {
        match self {
            Lang::En => format!("{stamps} of {max_stamps} stamps"),
            Lang::Ko => format!("스탬프 {max_stamps}개 중 {stamps}개"),
        }
    }

    /// "7 more to go".
    pub fn more_to_go(self, remaining: u32) -> String {
        match self {
            Lang::En => format!("{remaining} more to go"),
            Lang::Ko => format!("보상까지 {remaining}개 남았어요"),
        }
    }

    /// The validity dates.
    pub fn valid_between(self, start: Ymd, end: Ymd) -> String {
        let (start, end) = (ymd(start), ymd(end));
        match self {
            Lang::En => format!("Valid {start} – {end}"),
            Lang::Ko => format!("유효기간 {start} ~ {end}"),
        }
    }

    /// The banner of a redeemed card.
    pub fn redeemed_on(self, day: Option<Ymd>) -> String {
        match (self, day) {
            (Lang::En, Some(day)) => format!("Reward redeemed on {}. Thank you!", ymd(day)),
            (Lang::En, None) => "Reward redeemed. Thank you!".to_owned(),
            (Lang::Ko, Some(day)) => format!("{}에 보상을 받았어요. 감사합니다!", ymd(day)),
            (Lang::Ko, None) => "보상을 받았어요. 감사합니다!".to_owned(),
        }
    }

    /// The banner of a new card that automatically followed a redeemed one on the same link.
    pub fn renewed_after(self, day: Ymd) -> String {
        match self {
            Lang::En => format!("Reward redeemed on {}. Thank you! Here is your new card.", ymd(day)),
            Lang::Ko => format!("{}에 보상을 받았어요. 감사합니다! 새 카드가 시작되었어요.", ymd(day)),
        }
    }

    /// The banner of an expired card.
    pub fn expired_on(self, day: Ymd) -> String {
        match self {
            Lang::En => format!("This card expired on {}.", ymd(day)),
            Lang::Ko => format!("이 카드는 {}에 만료되었어요.", ymd(day)),
        }
    }

    /// The banner of a card whose validity has not started.
    pub fn starts_on(self, day: Ymd) -> String {
        match self {
            Lang::En => format!("This card starts on {}.", ymd(day)),
            Lang::Ko => format!("이 카드는 {}부터 쓸 수 있어요.", ymd(day)),
        }
    }

    /// PIN entry is locked.
    pub fn pin_locked(self, secs: u32) -> String {
        match self {
            Lang::En => format!("Too many wrong PINs. Try again in {secs} s."),
            Lang::Ko => format!("PIN을 너무 많이 틀렸어요. {secs}초 후에 다시 시도하세요."),
        }
    }

    /// Staff actions are locked.
    pub fn staff_locked(self, secs: u32) -> String {
        match self {
            Lang::En => format!("Too many wrong staff passwords. Try again in {secs} s."),
            Lang::Ko => format!("직원 비밀번호를 너무 많이 틀렸어요. {secs}초 후에 다시 시도하세요."),
        }
    }

    /// Announced after staff added a stamp.
    pub fn stamp_added(self, stamps: u32, max_stamps: u32) -> String {
        match (self, stamps >= max_stamps) {
            (Lang::En, false) => format!("Stamp added: {stamps} of {max_stamps}."),
            (Lang::En, true) => format!("Stamp added: {stamps} of {max_stamps}. Reward ready!"),
            (Lang::Ko, false) => format!("스탬프를 찍었어요: {max_stamps}개 중 {stamps}개."),
            (Lang::Ko, true) => format!("스탬프를 찍었어요: {max_stamps}개 중 {stamps}개. 보상을 받을 수 있어요!"),
        }
    }

    /// Why a PIN breaks the core's rules.
    pub fn pin_error(self, error: PinError) -> String {
        match self {
            Lang::En => sentence(&error.to_string()),
            Lang::Ko => match error {
                PinError::Empty => "PIN을 입력하세요",
                PinError::NotDigits => "PIN에는 숫자 0~9만 쓸 수 있어요",
                PinError::TooShort => "PIN은 4자리 이상이어야 해요",
                PinError::TooLong => "PIN은 8자리 이하여야 해요",
                PinError::TooSimple => "같은 숫자 반복이나 1234 같은 연속 숫자가 아닌 PIN을 고르세요",
            }
            .to_owned(),
        }
    }

    /// A refusal shown next to a form.
    pub fn refusal(self, code: ErrorCode) -> String {
        let t = self.text();
        let text = match code {
            ErrorCode::WrongPin => t.wrong_pin,
            ErrorCode::WrongOnsitePassword | ErrorCode::OnsitePasswordRequired => t.wrong_staff_password,
            ErrorCode::InvalidPin => t.invalid_pin,
            ErrorCode::Full => t.already_full,
            ErrorCode::AlreadyRedeemed => t.already_redeemed,
            ErrorCode::NotComplete => t.not_complete,
            ErrorCode::OnsiteNotEnabled => t.onsite_off,
            ErrorCode::RateLimited | ErrorCode::Locked => t.slow_down,
            // The card's anti-fraud rules.
            ErrorCode::AddTooSoon => match self {
                Lang::En => "This card was stamped a moment ago. Please wait before adding another stamp.",
                Lang::Ko => "방금 스탬프를 찍었어요. 잠시 후에 다시 찍어 주세요.",
            },
            ErrorCode::DailyAddLimit => match self {
                Lang::En => "This card has had all the stamps it can get today. See you tomorrow!",
                Lang::Ko => "오늘 찍을 수 있는 스탬프를 모두 찍었어요. 내일 또 만나요!",
            },
            _ => {
                return match self {
                    Lang::En => format!("Something went wrong (code {}). Please try again.", code.code()),
                    Lang::Ko => format!("문제가 생겼어요 (코드 {}). 다시 시도하세요.", code.code()),
                };
            }
        };
        text.to_owned()
    }
}

/// `YYYY-MM-DD`, written by hand so chrono's formatting machinery stays out of the wasm.
pub fn ymd(day: Ymd) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", day.0.year(), day.0.month(), day.0.day())
}

/// The core's lowercase message as a sentence: capital first letter. ASCII only, on purpose:
/// the messages are ours and start with an ASCII letter (a test checks), and
/// `char::to_uppercase` would bring Unicode's case tables into the wasm.
fn sentence(message: &str) -> String {
    let mut sentence = message.to_owned();
    if let Some(first) = sentence.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    sentence
}

/// Every fixed string of the page, in one language.
#[derive(Debug)]
pub struct Text {
    /// The loading state.
    pub loading: &'static str,
    /// Heading of the set-PIN screen.
    pub set_pin_title: &'static str,
    /// Explains the PIN on the first visit.
    pub set_pin_intro: &'static str,
    /// Explains the PIN after the shop reset it.
    pub reset_pin_intro: &'static str,
    /// Label of the new PIN field (contains "PIN").
    pub new_pin_label: &'static str,
    /// Label of the confirmation field (contains "PIN").
    pub confirm_pin_label: &'static str,
    /// The PIN rules in one line.
    pub pin_hint: &'static str,
    /// The two PINs differ.
    pub pin_mismatch: &'static str,
    /// The new PIN passes the rules.
    pub pin_ok: &'static str,
    /// Button of the set-PIN screen.
    pub save_pin: &'static str,
    /// Heading of the enter-PIN screen.
    pub enter_pin_title: &'static str,
    /// Explains the enter-PIN screen.
    pub enter_pin_intro: &'static str,
    /// Label of the PIN field (contains "PIN").
    pub pin_label: &'static str,
    /// Button of the enter-PIN screen.
    pub open_card: &'static str,
    /// Wrong PIN.
    pub wrong_pin: &'static str,
    /// The server refused the PIN's shape.
    pub invalid_pin: &'static str,
    /// Name of the progress bar.
    pub progress_label: &'static str,
    /// Label before the reward text.
    pub reward: &'static str,
    /// The card's button to the shop's URL.
    pub visit: &'static str,
    /// Banner of a full card.
    pub reward_ready: &'static str,
    /// How to claim a full card's reward.
    pub reward_ready_hint: &'static str,
    /// Banner of an inactive card.
    pub inactive: &'static str,
    /// The staff section's summary.
    pub for_staff: &'static str,
    /// Explains the staff section.
    pub staff_hint: &'static str,
    /// Label of the staff password field (contains "staff password" in English).
    pub staff_password_label: &'static str,
    /// Button: add one stamp.
    pub add_stamp: &'static str,
    /// Button: redeem the reward.
    pub redeem: &'static str,
    /// Wrong staff password.
    pub wrong_staff_password: &'static str,
    /// Announced after redeeming.
    pub redeemed_announcement: &'static str,
    /// The card is already full.
    pub already_full: &'static str,
    /// The reward was already redeemed.
    pub already_redeemed: &'static str,
    /// Not all stamps collected yet.
    pub not_complete: &'static str,
    /// Staff actions are not enabled for the card.
    pub onsite_off: &'static str,
    /// Too many requests or locked without a time.
    pub slow_down: &'static str,
    /// Heading of the unknown-link screen.
    pub gone_title: &'static str,
    /// Body of the unknown-link screen.
    pub gone_body: &'static str,
    /// Heading of the network-error screen.
    pub network_title: &'static str,
    /// Body of the network-error screen.
    pub network_body: &'static str,
    /// Heading of the server-error screen.
    pub failed_title: &'static str,
    /// Body of the server-error screen.
    pub failed_body: &'static str,
    /// Button: retry.
    pub retry: &'static str,
    /// A form's request got no answer.
    pub network_inline: &'static str,
    /// The change-PIN section's summary.
    pub change_pin: &'static str,
    /// Label of the current PIN field (contains "PIN").
    pub current_pin_label: &'static str,
    /// Button of the change-PIN form.
    pub change_pin_button: &'static str,
    /// Announced after the PIN changed.
    pub pin_changed: &'static str,
    /// Fallback heading when the card name is not known yet.
    pub stamp_card: &'static str,
    /// On the enter-PIN screen: what to do when the PIN is forgotten.
    pub forgot_pin: &'static str,
    /// On the set-PIN screen: what happens when the new PIN is forgotten.
    pub forget_pin_later: &'static str,
    /// Under the banner of an expired card, before any PIN.
    pub expired_hint: &'static str,
    /// Under the banner of a card that has not started, before any PIN.
    pub not_started_hint: &'static str,
    /// Under the banner of a paused card, before any PIN.
    pub inactive_hint: &'static str,
}

const EN: Text = Text {
    loading: "Loading your stamp card…",
    set_pin_title: "Choose a PIN",
    set_pin_intro: "Your PIN keeps this stamp card yours. You will enter it each time you open the card.",
    reset_pin_intro: "Your PIN was reset, choose a new one.",
    new_pin_label: "New PIN",
    confirm_pin_label: "Confirm new PIN",
    pin_hint: "4 to 8 digits, not one repeated digit or a run like 1234.",
    pin_mismatch: "The two PINs do not match",
    pin_ok: "Good PIN",
    save_pin: "Save PIN",
    enter_pin_title: "Enter your PIN",
    enter_pin_intro: "Enter the PIN you chose for this stamp card.",
    pin_label: "PIN",
    open_card: "Open card",
    wrong_pin: "That PIN is wrong. Please try again.",
    invalid_pin: "That PIN is not allowed. Choose another one.",
    progress_label: "Stamps collected",
    reward: "Reward",
    visit: "Visit the shop",
    reward_ready: "Reward ready!",
    reward_ready_hint: "Show this screen at the counter to claim your reward.",
    inactive: "This card is paused by the shop.",
    for_staff: "For staff",
    staff_hint: "Staff only: enter the staff password, then add a stamp or redeem the reward.",
    staff_password_label: "Staff password",
    add_stamp: "Add stamp",
    redeem: "Redeem",
    wrong_staff_password: "Wrong staff password.",
    redeemed_announcement: "Reward redeemed. Enjoy!",
    already_full: "All stamps are already collected.",
    already_redeemed: "The reward was already redeemed.",
    not_complete: "Not all stamps are collected yet.",
    onsite_off: "Staff actions are not enabled for this card.",
    slow_down: "Too many tries. Please wait a moment and try again.",
    gone_title: "Stamp card not found",
    gone_body: "This link is unknown or the card was deleted. Ask the shop for a new link.",
    network_title: "Cannot reach the stamp service",
    network_body: "Check your internet connection and try again.",
    failed_title: "Something went wrong",
    failed_body: "The stamp service could not answer right now. Please try again.",
    retry: "Try again",
    network_inline: "Cannot reach the stamp service. Check your connection and try again.",
    change_pin: "Change PIN",
    current_pin_label: "Current PIN",
    change_pin_button: "Change PIN",
    pin_changed: "Your PIN was changed.",
    stamp_card: "Stamp card",
    forgot_pin: "Forgot your PIN? Ask the shop to reset it, then choose a new one here.",
    forget_pin_later: "If you forget it, ask the shop to reset it.",
    expired_hint: "It can no longer collect stamps. Ask the shop about a new card.",
    not_started_hint: "Come back on that day to open it and collect stamps.",
    inactive_hint: "It cannot be used for now. Ask the shop if you have questions.",
};

const KO: Text = Text {
    loading: "스탬프 카드를 불러오는 중…",
    set_pin_title: "PIN 정하기",
    set_pin_intro: "PIN으로 이 스탬프 카드를 지켜요. 카드를 열 때마다 입력해요.",
    reset_pin_intro: "PIN이 초기화되었어요. 새 PIN을 정하세요.",
    new_pin_label: "새 PIN",
    confirm_pin_label: "새 PIN 확인",
    pin_hint: "숫자 4~8자리, 같은 숫자 반복이나 1234 같은 연속 숫자는 안 돼요.",
    pin_mismatch: "두 PIN이 달라요",
    pin_ok: "사용할 수 있는 PIN이에요",
    save_pin: "PIN 저장",
    enter_pin_title: "PIN 입력",
    enter_pin_intro: "이 스탬프 카드에 정한 PIN을 입력하세요.",
    pin_label: "PIN",
    open_card: "카드 열기",
    wrong_pin: "PIN이 틀렸어요. 다시 시도하세요.",
    invalid_pin: "쓸 수 없는 PIN이에요. 다른 PIN을 고르세요.",
    progress_label: "모은 스탬프",
    reward: "보상",
    visit: "매장 사이트 방문",
    reward_ready: "보상을 받을 수 있어요!",
    reward_ready_hint: "카운터에서 이 화면을 보여 주세요.",
    inactive: "매장에서 이 카드를 일시 중지했어요.",
    for_staff: "직원용",
    staff_hint: "직원 전용: 직원 비밀번호를 입력한 뒤 스탬프를 찍거나 보상을 처리하세요.",
    staff_password_label: "직원 비밀번호",
    add_stamp: "스탬프 찍기",
    redeem: "보상 사용",
    wrong_staff_password: "직원 비밀번호가 틀렸어요.",
    redeemed_announcement: "보상을 사용했어요. 맛있게 드세요!",
    already_full: "스탬프를 이미 모두 모았어요.",
    already_redeemed: "보상을 이미 사용했어요.",
    not_complete: "아직 스탬프를 모두 모으지 않았어요.",
    onsite_off: "이 카드는 직원 기능을 쓰지 않아요.",
    slow_down: "시도가 너무 많아요. 잠시 후 다시 시도하세요.",
    gone_title: "스탬프 카드를 찾을 수 없어요",
    gone_body: "알 수 없는 링크이거나 삭제된 카드예요. 매장에 새 링크를 요청하세요.",
    network_title: "스탬프 서비스에 연결할 수 없어요",
    network_body: "인터넷 연결을 확인하고 다시 시도하세요.",
    failed_title: "문제가 생겼어요",
    failed_body: "스탬프 서비스가 지금 응답하지 않아요. 다시 시도하세요.",
    retry: "다시 시도",
    network_inline: "스탬프 서비스에 연결할 수 없어요. 연결을 확인하고 다시 시도하세요.",
    change_pin: "PIN 변경",
    current_pin_label: "현재 PIN",
    change_pin_button: "PIN 변경",
    pin_changed: "PIN을 변경했어요.",
    stamp_card: "스탬프 카드",
    forgot_pin: "PIN을 잊으셨나요? 매장에 초기화를 요청한 뒤 여기서 새 PIN을 정하세요.",
    forget_pin_later: "PIN을 잊어버리면 매장에 초기화를 요청하세요.",
    expired_hint: "더 이상 스탬프를 모을 수 없어요. 새 카드는 매장에 문의하세요.",
    not_started_hint: "그날부터 카드를 열고 스탬프를 모을 수 있어요.",
    inactive_hint: "지금은 쓸 수 없어요. 궁금한 점은 매장에 문의하세요.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_errors_become_sentences() {
        use PinError::*;
        // A new variant fails to compile here until it is listed.
        let listed = |error: PinError| match error {
            Empty | NotDigits | TooShort | TooLong | TooSimple => error,
        };
        for error in [Empty, NotDigits, TooShort, TooLong, TooSimple].map(listed) {
            let message = error.to_string();
            let mut chars = message.chars();
            let unicode: String =
                chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
            // ASCII capitalisation is only the same as Unicode's for an ASCII first letter.
            assert!(message.starts_with(|c: char| c.is_ascii_lowercase()), "{message}");
            assert_eq!(Lang::En.pin_error(error), unicode);
        }
        assert_eq!(Lang::En.pin_error(Empty), "Enter a PIN");
        assert_eq!(sentence(""), "");
        assert_eq!(sentence("éa"), "éa");
    }

    #[test]
    fn picks_korean_only_for_ko_tags() {
        for (tag, lang) in [
            ("ko", Lang::Ko),
            ("ko-KR", Lang::Ko),
            ("KO_kr", Lang::Ko),
            ("en", Lang::En),
            ("en-US", Lang::En),
            ("", Lang::En),
            ("kok", Lang::En),
            ("ja-JP", Lang::En),
        ] {
            assert_eq!(Lang::from_tag(tag), lang, "{tag:?}");
        }
        assert_eq!(Lang::Ko.tag(), "ko");
    }

    #[test]
    fn pin_labels_name_the_pin_in_both_languages() {
        for lang in [Lang::En, Lang::Ko] {
            let t = lang.text();
            for label in [t.new_pin_label, t.confirm_pin_label, t.pin_label, t.current_pin_label] {
                assert!(label.contains("PIN"), "{lang:?}: {label}");
            }
        }
        assert!(EN.staff_password_label.to_lowercase().contains("staff password"));
    }

    #[test]
    fn english_pin_errors_are_the_cores_words() {
        assert_eq!(Lang::En.pin_error(PinError::TooShort), "A PIN must have at least 4 digits");
        assert_eq!(Lang::En.pin_error(PinError::Empty), "Enter a PIN");
        for error in [PinError::Empty, PinError::NotDigits, PinError::TooShort, PinError::TooLong, PinError::TooSimple]
        {
            assert!(!Lang::Ko.pin_error(error).is_empty());
            assert_ne!(Lang::Ko.pin_error(error), Lang::En.pin_error(error));
        }
    }

    #[test]
    fn formats_counts_and_dates() {
        let day = Ymd::parse("2025-03-07").expect("date");
        assert_eq!(ymd(day), "2025-03-07");
        assert_eq!(Lang::En.more_to_go(7), "7 more to go");
        assert_eq!(Lang::En.stamps_of(3, 10), "3 of 10 stamps");
        assert_eq!(Lang::En.valid_between(day, day), "Valid 2025-03-07 – 2025-03-07");
        assert_eq!(Lang::Ko.valid_between(day, day), "유효기간 2025-03-07 ~ 2025-03-07");
        assert_eq!(Lang::En.stamp_added(10, 10), "Stamp added: 10 of 10. Reward ready!");
        assert_eq!(Lang::En.redeemed_on(Some(day)), "Reward redeemed on 2025-03-07. Thank you!");
        assert_eq!(Lang::En.pin_locked(30), "Too many wrong PINs. Try again in 30 s.");
    }

    #[test]
    fn refusals_have_words_for_the_common_codes() {
        assert_eq!(Lang::En.refusal(ErrorCode::WrongPin), EN.wrong_pin);
        assert_eq!(Lang::Ko.refusal(ErrorCode::WrongOnsitePassword), KO.wrong_staff_password);
        assert!(Lang::En.refusal(ErrorCode::Internal).contains("9001"));
    }
}
