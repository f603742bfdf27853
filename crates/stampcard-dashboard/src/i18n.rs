//! English and Korean text of the dashboard, the widget's way: the widget's [`Lang`], plain
//! tables of `&'static str` and a few formatting functions. API refusals are worded by the
//! core's error table.

use stampcard_core::ErrorCode;
use stampcard_core::find::StampStatus;
use stampcard_core::model::PinState;
use stampcard_core::wire::{BulkAction, HistoryAction, HistoryActor, HistoryEvent};
pub use stampcard_widget::i18n::{Lang, ymd};

use crate::api::CallError;
use crate::state::route::Route;
use crate::state::stamps::BulkDone;

/// The dashboard's fixed strings in `lang`.
pub fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Ko => &KO,
    }
}

/// The core's lowercase message as a sentence: capital first letter.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A failed call in words: the core's message for its code (the server's own message for a
/// code this build does not know), with the code for support.
pub fn call_error(lang: Lang, error: &CallError) -> String {
    match error {
        CallError::Network => text(lang).network.to_owned(),
        CallError::Refused { code, message, .. } => {
            let words = match ErrorCode::from_code(*code) {
                Some(known) => known.message(),
                None => message.as_str(),
            };
            match lang {
                Lang::En => format!("{} (code {code})", sentence(words)),
                Lang::Ko => format!("요청이 거부되었어요: {} (코드 {code})", words),
            }
        }
    }
}

/// The navigation's name of a page.
pub fn nav_label(lang: Lang, route: Route) -> &'static str {
    let t = text(lang);
    match route.section() {
        Route::Cards => t.nav_cards,
        Route::Staff => t.nav_staff,
        Route::ApiKeys => t.nav_keys,
        Route::Import => t.nav_import,
        Route::Export => t.nav_export,
        Route::Figures => t.nav_figures,
        _ => t.nav_stamps,
    }
}

/// A status in words.
pub fn status(lang: Lang, status: StampStatus) -> &'static str {
    match (lang, status) {
        (Lang::En, StampStatus::Active) => "Active",
        (Lang::En, StampStatus::Full) => "Full",
        (Lang::En, StampStatus::Redeemed) => "Redeemed",
        (Lang::En, StampStatus::Inactive) => "Inactive",
        (Lang::En, StampStatus::Upcoming) => "Upcoming",
        (Lang::En, StampStatus::Expired) => "Expired",
        (Lang::Ko, StampStatus::Active) => "사용 중",
        (Lang::Ko, StampStatus::Full) => "완성",
        (Lang::Ko, StampStatus::Redeemed) => "보상 사용",
        (Lang::Ko, StampStatus::Inactive) => "중지",
        (Lang::Ko, StampStatus::Upcoming) => "시작 전",
        (Lang::Ko, StampStatus::Expired) => "만료",
    }
}

/// Whether the customer's PIN is set, in words.
pub fn pin_state(lang: Lang, state: PinState) -> &'static str {
    match (lang, state) {
        (Lang::En, PinState::Unset) => "Not set yet",
        (Lang::En, PinState::Set) => "Set",
        (Lang::En, PinState::Reset) => "Reset: the customer chooses a new one",
        (Lang::Ko, PinState::Unset) => "아직 없음",
        (Lang::Ko, PinState::Set) => "설정됨",
        (Lang::Ko, PinState::Reset) => "초기화됨: 고객이 새로 정해요",
    }
}

/// A bulk button's name.
pub fn bulk_label(lang: Lang, action: BulkAction) -> &'static str {
    match (lang, action) {
        (Lang::En, BulkAction::Deactivate) => "Deactivate",
        (Lang::En, BulkAction::Activate) => "Activate",
        (Lang::En, BulkAction::Delete) => "Delete",
        (Lang::Ko, BulkAction::Deactivate) => "중지",
        (Lang::Ko, BulkAction::Activate) => "다시 사용",
        (Lang::Ko, BulkAction::Delete) => "삭제",
    }
}

/// The confirmation's question: how many stamps will change, and how.
pub fn bulk_question(lang: Lang, action: BulkAction, count: usize) -> String {
    let plural = if count == 1 { "" } else { "s" };
    match (lang, action) {
        (Lang::En, BulkAction::Delete) => {
            format!("Delete {count} stamp{plural}? Their history goes with them; this cannot be undone.")
        }
        (Lang::En, BulkAction::Deactivate) => format!("Deactivate {count} stamp{plural}?"),
        (Lang::En, BulkAction::Activate) => format!("Activate {count} stamp{plural}?"),
        (Lang::Ko, BulkAction::Delete) => {
            format!("스탬프 {count}개를 삭제할까요? 기록도 함께 지워지며 되돌릴 수 없어요.")
        }
        (Lang::Ko, BulkAction::Deactivate) => format!("스탬프 {count}개를 중지할까요?"),
        (Lang::Ko, BulkAction::Activate) => format!("스탬프 {count}개를 다시 사용할까요?"),
    }
}

/// What a bulk change did: the changed count, then what was not found or left as it was.
pub fn bulk_done(lang: Lang, done: &BulkDone) -> String {
    let BulkDone { affected, missing, unchanged, .. } = *done;
    let mut line = match lang {
        Lang::En => format!("{affected} stamps changed."),
        Lang::Ko => format!("스탬프 {affected}개를 바꿨어요."),
    };
    if missing > 0 {
        line.push_str(&match lang {
            Lang::En => format!(" {missing} were not found."),
            Lang::Ko => format!(" {missing}개는 찾지 못했어요."),
        });
    }
    if unchanged > 0 {
        line.push_str(&match lang {
            Lang::En => format!(" {unchanged} were already so (or redeemed) and stay as they were."),
            Lang::Ko => format!(" {unchanged}개는 이미 그 상태(또는 보상 사용)라 그대로예요."),
        });
    }
    line
}

/// "12 selected".
pub fn selected(lang: Lang, count: usize) -> String {
    match lang {
        Lang::En => format!("{count} selected"),
        Lang::Ko => format!("{count}개 선택"),
    }
}

/// "Page 2".
pub fn page(lang: Lang, number: usize) -> String {
    match lang {
        Lang::En => format!("Page {number}"),
        Lang::Ko => format!("{number}쪽"),
    }
}

/// The row checkbox's name.
pub fn select_stamp(lang: Lang, stamp_idx: i64, user_id: &str) -> String {
    match lang {
        Lang::En => format!("Select stamp {stamp_idx} ({user_id})"),
        Lang::Ko => format!("스탬프 {stamp_idx} 선택 ({user_id})"),
    }
}

/// The QR code's accessible name (contains "QR code" in English).
pub fn qr_name(lang: Lang, stamp_idx: i64) -> String {
    match lang {
        Lang::En => format!("QR code of the stamp page of stamp {stamp_idx}"),
        Lang::Ko => format!("스탬프 {stamp_idx} 페이지의 QR code"),
    }
}

/// One history event in words: what happened (with the count), and who did it.
pub fn history_event(lang: Lang, event: &HistoryEvent) -> (String, String) {
    let (before, after) = (event.stamps_before, event.stamps_after);
    let what = match (lang, event.action) {
        (Lang::En, HistoryAction::Create) => format!("Issued with {after} stamps"),
        (Lang::En, HistoryAction::Add) => format!("Stamp added: {before} → {after}"),
        (Lang::En, HistoryAction::Remove) => format!("Stamp removed: {before} → {after}"),
        (Lang::En, HistoryAction::Update) => format!("Updated: {before} → {after}"),
        (Lang::En, HistoryAction::Use) => "Reward redeemed".to_owned(),
        (Lang::En, HistoryAction::PinReset) => "PIN reset".to_owned(),
        (Lang::En, HistoryAction::PinSet) => "PIN set by the customer".to_owned(),
        (Lang::En, HistoryAction::Renew) => "Renewed: the next card was issued".to_owned(),
        (Lang::Ko, HistoryAction::Create) => format!("발급 (스탬프 {after}개)"),
        (Lang::Ko, HistoryAction::Add) => format!("스탬프 찍음: {before} → {after}"),
        (Lang::Ko, HistoryAction::Remove) => format!("스탬프 뺌: {before} → {after}"),
        (Lang::Ko, HistoryAction::Update) => format!("수정: {before} → {after}"),
        (Lang::Ko, HistoryAction::Use) => "보상 사용".to_owned(),
        (Lang::Ko, HistoryAction::PinReset) => "PIN 초기화".to_owned(),
        (Lang::Ko, HistoryAction::PinSet) => "고객이 PIN 설정".to_owned(),
        (Lang::Ko, HistoryAction::Renew) => "갱신: 다음 카드 발급".to_owned(),
    };
    let who = match (lang, event.actor, event.staff_idx, event.api_key_idx) {
        (Lang::En, HistoryActor::Staff, Some(staff), _) => format!("Staff member #{staff}"),
        (Lang::Ko, HistoryActor::Staff, Some(staff), _) => format!("직원 #{staff}"),
        (Lang::En, HistoryActor::Staff, None, _) => "Staff member".to_owned(),
        (Lang::Ko, HistoryActor::Staff, None, _) => "직원".to_owned(),
        (Lang::En, HistoryActor::ApiKey, _, Some(key)) => format!("API key #{key}"),
        (Lang::Ko, HistoryActor::ApiKey, _, Some(key)) => format!("API 키 #{key}"),
        (Lang::En, HistoryActor::ApiKey, _, None) => "API key".to_owned(),
        (Lang::Ko, HistoryActor::ApiKey, _, None) => "API 키".to_owned(),
        (Lang::En, HistoryActor::Customer, ..) => "Customer".to_owned(),
        (Lang::Ko, HistoryActor::Customer, ..) => "고객".to_owned(),
        (Lang::En, HistoryActor::Onsite, ..) => "On-site (card password)".to_owned(),
        (Lang::Ko, HistoryActor::Onsite, ..) => "현장 (카드 비밀번호)".to_owned(),
    };
    (what, who)
}

/// Every fixed string of the dashboard, in one language.
#[derive(Debug)]
pub struct Text {
    /// The product's name in the header.
    pub title: &'static str,
    /// Heading of the sign-in form.
    pub sign_in_title: &'static str,
    /// Label of the e-mail field.
    pub email: &'static str,
    /// Label of the password field.
    pub password: &'static str,
    /// The sign-in button.
    pub sign_in: &'static str,
    /// The sign-out button.
    pub sign_out: &'static str,
    /// After signing out.
    pub signed_out: &'static str,
    /// After a 401.
    pub session_expired: &'static str,
    /// The main navigation's name.
    pub nav: &'static str,
    /// Navigation: cards.
    pub nav_cards: &'static str,
    /// Navigation: stamps.
    pub nav_stamps: &'static str,
    /// Navigation: staff members.
    pub nav_staff: &'static str,
    /// Navigation: API keys.
    pub nav_keys: &'static str,
    /// Navigation: import.
    pub nav_import: &'static str,
    /// Navigation: export.
    pub nav_export: &'static str,
    /// Navigation: figures.
    pub nav_figures: &'static str,
    /// A loading state.
    pub loading: &'static str,
    /// No answer.
    pub network: &'static str,
    /// Retry button.
    pub retry: &'static str,
    /// Label of the search box.
    pub search: &'static str,
    /// Hint under the search box.
    pub search_hint: &'static str,
    /// Label of the card filter.
    pub card_filter: &'static str,
    /// Label of the status filter.
    pub status_filter: &'static str,
    /// "All cards" / "All statuses".
    pub all: &'static str,
    /// The stamps table's caption.
    pub stamps_caption: &'static str,
    /// Header checkbox's name.
    pub select_all: &'static str,
    /// Column: stamp id.
    pub col_stamp: &'static str,
    /// Column: customer.
    pub col_customer: &'static str,
    /// Column: card.
    pub col_card: &'static str,
    /// Column: stamps.
    pub col_stamps: &'static str,
    /// Column: status.
    pub col_status: &'static str,
    /// Column: validity.
    pub col_valid: &'static str,
    /// No stamps match.
    pub no_stamps: &'static str,
    /// Previous page.
    pub previous: &'static str,
    /// Next page.
    pub next: &'static str,
    /// Confirmation dialog's confirm button.
    pub confirm: &'static str,
    /// Confirmation dialog's cancel button.
    pub cancel: &'static str,
    /// Bulk toolbar's name.
    pub bulk_actions: &'static str,
    /// The cards table's caption.
    pub cards_caption: &'static str,
    /// No cards yet.
    pub no_cards: &'static str,
    /// New card link.
    pub new_card: &'static str,
    /// Edit a card link.
    pub edit: &'static str,
    /// Heading: new card.
    pub new_card_title: &'static str,
    /// Heading: edit card.
    pub edit_card_title: &'static str,
    /// Field: card name.
    pub card_nm: &'static str,
    /// Field: reward text.
    pub card_ttl: &'static str,
    /// Field: stamps needed.
    pub max_stamps: &'static str,
    /// Field: stamp image URL.
    pub stamp_img_url: &'static str,
    /// Field: button URL.
    pub button_url: &'static str,
    /// Field: staff password.
    pub onsite_pwd: &'static str,
    /// Hint of the staff password when editing.
    pub onsite_pwd_keep: &'static str,
    /// Field: cooldown.
    pub cooldown_secs: &'static str,
    /// Field: daily cap.
    pub max_adds_per_day: &'static str,
    /// "0 = off".
    pub zero_off: &'static str,
    /// Field: automatic renewal.
    pub auto_renew: &'static str,
    /// Field: retired.
    pub retire: &'static str,
    /// Save button.
    pub save: &'static str,
    /// After saving.
    pub saved: &'static str,
    /// The preview's heading.
    pub preview: &'static str,
    /// A retired card.
    pub retired: &'static str,
    /// Page not built yet.
    pub not_yet: &'static str,
    /// Heading of one stamp.
    pub stamp_title: &'static str,
    /// Field list: user id.
    pub user_id: &'static str,
    /// Field list: name.
    pub user_nm: &'static str,
    /// Field list: phone.
    pub user_phnno: &'static str,
    /// Field list: e-mail.
    pub user_eml: &'static str,
    /// Field list: memo.
    pub memo: &'static str,
    /// Field list: issued.
    pub issued: &'static str,
    /// Field list: PIN.
    pub pin: &'static str,
    /// Heading: history.
    pub history: &'static str,
    /// No history.
    pub no_history: &'static str,
    /// Heading: the customer's link.
    pub link: &'static str,
    /// Copy button.
    pub copy: &'static str,
    /// After copying.
    pub copied: &'static str,
    /// Print link.
    pub print: &'static str,
    /// Back to the stamp from the print view.
    pub back: &'static str,
    /// Action: add.
    pub add_stamp: &'static str,
    /// Action: remove.
    pub remove_stamp: &'static str,
    /// Action: set count.
    pub set_count: &'static str,
    /// Label of the count field.
    pub count: &'static str,
    /// Action: reset PIN.
    pub reset_pin: &'static str,
    /// Action: deactivate.
    pub deactivate: &'static str,
    /// Action: activate.
    pub activate: &'static str,
    /// Action: redeem.
    pub redeem: &'static str,
    /// Action: delete.
    pub delete: &'static str,
    /// Confirm a redeem.
    pub confirm_redeem: &'static str,
    /// Confirm a delete.
    pub confirm_delete: &'static str,
    /// After deleting.
    pub deleted: &'static str,
    /// After an action.
    pub done: &'static str,
    /// Heading of the actions.
    pub actions: &'static str,
    /// The print view's line under the QR code.
    pub scan_hint: &'static str,
    /// The "New stamp" link and heading.
    pub new_stamp: &'static str,
    /// Label of the first valid day.
    pub strt_ymd: &'static str,
    /// Label of the last valid day.
    pub end_ymd: &'static str,
    /// Hint of the user id field.
    pub user_id_hint: &'static str,
    /// "Choose a card".
    pub choose_card: &'static str,
    /// The create button.
    pub issue: &'static str,
}

const EN: Text = Text {
    title: "Stampcard back office",
    sign_in_title: "Sign in",
    email: "Email",
    password: "Password",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signed_out: "You are signed out.",
    session_expired: "Your session ended. Please sign in again.",
    nav: "Main",
    nav_cards: "Cards",
    nav_stamps: "Stamps",
    nav_staff: "Staff",
    nav_keys: "API keys",
    nav_import: "Import",
    nav_export: "Export",
    nav_figures: "Figures",
    loading: "Loading…",
    network: "Cannot reach the server. Check the connection and try again.",
    retry: "Try again",
    search: "Search",
    search_hint: "User id, name, phone, e-mail or memo",
    card_filter: "Card",
    status_filter: "Status",
    all: "All",
    stamps_caption: "Stamps, newest first",
    select_all: "Select all stamps on this page",
    col_stamp: "Stamp",
    col_customer: "Customer",
    col_card: "Card",
    col_stamps: "Stamps",
    col_status: "Status",
    col_valid: "Valid",
    no_stamps: "No stamps match.",
    previous: "Previous",
    next: "Next",
    confirm: "Confirm",
    cancel: "Cancel",
    bulk_actions: "Selected stamps",
    cards_caption: "Cards",
    no_cards: "No cards yet. Create the first one.",
    new_card: "New card",
    edit: "Edit",
    new_card_title: "New card",
    edit_card_title: "Edit card",
    card_nm: "Card name",
    card_ttl: "Reward text",
    max_stamps: "Stamps needed",
    stamp_img_url: "Stamp image URL",
    button_url: "Button URL",
    onsite_pwd: "Staff password",
    onsite_pwd_keep: "Leave empty to keep the current one.",
    cooldown_secs: "Seconds between two stamps",
    max_adds_per_day: "Stamps per day",
    zero_off: "0 = no limit",
    auto_renew: "Start a new card when the reward is redeemed",
    retire: "Retired (no new stamps on this card)",
    save: "Save",
    saved: "Saved.",
    preview: "What the customer sees",
    retired: "Retired",
    not_yet: "This page is not part of this build yet.",
    stamp_title: "Stamp",
    user_id: "User id",
    user_nm: "Name",
    user_phnno: "Phone",
    user_eml: "E-mail",
    memo: "Memo",
    issued: "Issued",
    pin: "PIN",
    history: "History",
    no_history: "No history yet.",
    link: "Customer's page link",
    copy: "Copy link",
    copied: "Link copied.",
    print: "Print",
    back: "Back",
    add_stamp: "Add stamp",
    remove_stamp: "Remove stamp",
    set_count: "Set count",
    count: "Count",
    reset_pin: "Reset PIN",
    deactivate: "Deactivate",
    activate: "Activate",
    redeem: "Redeem",
    delete: "Delete",
    confirm_redeem: "Redeem this stamp's reward? This is final.",
    confirm_delete: "Delete this stamp and its history? This cannot be undone.",
    deleted: "The stamp was deleted.",
    done: "Done.",
    actions: "Actions",
    scan_hint: "Scan to open your stamp card",
    new_stamp: "New stamp",
    strt_ymd: "Valid from",
    end_ymd: "Valid until",
    user_id_hint: "Leave empty to let the server make one.",
    choose_card: "Choose a card",
    issue: "Issue stamp card",
};

const KO: Text = Text {
    title: "스탬프카드 관리",
    sign_in_title: "로그인",
    email: "이메일",
    password: "비밀번호",
    sign_in: "로그인",
    sign_out: "로그아웃",
    signed_out: "로그아웃했어요.",
    session_expired: "세션이 끝났어요. 다시 로그인하세요.",
    nav: "메뉴",
    nav_cards: "카드",
    nav_stamps: "스탬프",
    nav_staff: "직원",
    nav_keys: "API 키",
    nav_import: "가져오기",
    nav_export: "내보내기",
    nav_figures: "통계",
    loading: "불러오는 중…",
    network: "서버에 연결할 수 없어요. 연결을 확인하고 다시 시도하세요.",
    retry: "다시 시도",
    search: "검색",
    search_hint: "사용자 ID, 이름, 전화번호, 이메일, 메모",
    card_filter: "카드",
    status_filter: "상태",
    all: "전체",
    stamps_caption: "스탬프 (최신순)",
    select_all: "이 쪽의 스탬프 모두 선택",
    col_stamp: "스탬프",
    col_customer: "고객",
    col_card: "카드",
    col_stamps: "개수",
    col_status: "상태",
    col_valid: "유효기간",
    no_stamps: "조건에 맞는 스탬프가 없어요.",
    previous: "이전",
    next: "다음",
    confirm: "확인",
    cancel: "취소",
    bulk_actions: "선택한 스탬프",
    cards_caption: "카드",
    no_cards: "아직 카드가 없어요. 첫 카드를 만드세요.",
    new_card: "새 카드",
    edit: "수정",
    new_card_title: "새 카드",
    edit_card_title: "카드 수정",
    card_nm: "카드 이름",
    card_ttl: "보상 문구",
    max_stamps: "필요한 스탬프 수",
    stamp_img_url: "스탬프 이미지 URL",
    button_url: "버튼 URL",
    onsite_pwd: "직원 비밀번호",
    onsite_pwd_keep: "비워 두면 지금 비밀번호를 그대로 써요.",
    cooldown_secs: "스탬프 사이 최소 초",
    max_adds_per_day: "하루 스탬프 수",
    zero_off: "0 = 제한 없음",
    auto_renew: "보상을 쓰면 새 카드 시작",
    retire: "사용 종료 (새 스탬프 발급 안 함)",
    save: "저장",
    saved: "저장했어요.",
    preview: "고객에게 보이는 모습",
    retired: "사용 종료",
    not_yet: "이 화면은 아직 이 빌드에 없어요.",
    stamp_title: "스탬프",
    user_id: "사용자 ID",
    user_nm: "이름",
    user_phnno: "전화번호",
    user_eml: "이메일",
    memo: "메모",
    issued: "발급",
    pin: "PIN",
    history: "기록",
    no_history: "아직 기록이 없어요.",
    link: "고객 페이지 링크",
    copy: "링크 복사",
    copied: "링크를 복사했어요.",
    print: "인쇄",
    back: "돌아가기",
    add_stamp: "스탬프 찍기",
    remove_stamp: "스탬프 빼기",
    set_count: "개수 정하기",
    count: "개수",
    reset_pin: "PIN 초기화",
    deactivate: "중지",
    activate: "다시 사용",
    redeem: "보상 사용",
    delete: "삭제",
    confirm_redeem: "이 스탬프의 보상을 사용 처리할까요? 되돌릴 수 없어요.",
    confirm_delete: "이 스탬프와 기록을 삭제할까요? 되돌릴 수 없어요.",
    deleted: "스탬프를 삭제했어요.",
    done: "완료했어요.",
    actions: "작업",
    scan_hint: "스캔해서 스탬프 카드를 여세요",
    new_stamp: "새 스탬프",
    strt_ymd: "시작일",
    end_ymd: "종료일",
    user_id_hint: "비워 두면 서버가 만들어요.",
    choose_card: "카드를 고르세요",
    issue: "스탬프 카드 발급",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_use_the_cores_message_for_their_code() {
        let error = CallError::Refused { status: 404, code: 3001, message: "something else".into() };
        assert_eq!(call_error(Lang::En, &error), "Stamp not found (code 3001)");
        assert!(call_error(Lang::Ko, &error).contains(ErrorCode::StampNotFound.message()));
        // A code this build does not know yet: the server's words.
        let error = CallError::Refused { status: 403, code: 2999, message: "the role may not do that".into() };
        assert_eq!(call_error(Lang::En, &error), "The role may not do that (code 2999)");
        assert_eq!(call_error(Lang::En, &CallError::Network), EN.network);
    }

    #[test]
    fn the_sign_in_labels_are_the_ones_asked_for() {
        assert_eq!((EN.email, EN.password), ("Email", "Password"));
        assert_eq!((KO.email, KO.password), ("이메일", "비밀번호"));
        assert_eq!(EN.search, "Search");
        let names: Vec<&str> = crate::state::route::NAV.iter().map(|route| nav_label(Lang::En, *route)).collect();
        assert_eq!(names, ["Cards", "Stamps", "Staff", "API keys", "Import", "Export", "Figures"]);
        assert!(qr_name(Lang::En, 3).contains("QR code") && qr_name(Lang::Ko, 3).contains("QR code"));
    }

    #[test]
    fn history_says_what_when_and_who() {
        let event = |action, actor, api_key_idx, staff_idx| HistoryEvent {
            event_idx: 1,
            stamp_idx: 9,
            action,
            stamps_before: 2,
            stamps_after: 3,
            actor,
            api_key_idx,
            staff_idx,
            reg_ymdt: stampcard_core::types::Ymdt::parse("2026-01-01 10:00:00").expect("time"),
        };
        let line = |e: HistoryEvent| history_event(Lang::En, &e);
        assert_eq!(
            line(event(HistoryAction::Add, HistoryActor::ApiKey, Some(4), None)),
            ("Stamp added: 2 → 3".into(), "API key #4".into())
        );
        assert_eq!(line(event(HistoryAction::Use, HistoryActor::Customer, None, None)).1, "Customer");
        // A staff member redeeming through the redeem API has both ids: the staff member is who.
        assert_eq!(line(event(HistoryAction::Use, HistoryActor::Staff, Some(4), Some(7))).1, "Staff member #7");
        assert!(line(event(HistoryAction::Renew, HistoryActor::ApiKey, Some(4), None)).0.starts_with("Renewed"));
    }

    #[test]
    fn a_bulk_result_says_what_changed_and_what_did_not() {
        let done = |missing, unchanged| BulkDone { action: BulkAction::Activate, affected: 2, missing, unchanged };
        assert_eq!(bulk_done(Lang::En, &done(0, 0)), "2 stamps changed.");
        assert_eq!(bulk_done(Lang::En, &done(1, 0)), "2 stamps changed. 1 were not found.");
        assert!(bulk_done(Lang::En, &done(0, 3)).contains("3 were already so"));
        assert!(bulk_done(Lang::Ko, &done(1, 3)).contains("1개") && bulk_done(Lang::Ko, &done(1, 3)).contains("3개"));
    }

    #[test]
    fn the_confirmation_says_how_many_stamps_change() {
        assert_eq!(bulk_question(Lang::En, BulkAction::Deactivate, 2), "Deactivate 2 stamps?");
        assert_eq!(bulk_question(Lang::En, BulkAction::Activate, 1), "Activate 1 stamp?");
        assert!(bulk_question(Lang::En, BulkAction::Delete, 3).starts_with("Delete 3 stamps?"));
        assert!(bulk_question(Lang::Ko, BulkAction::Delete, 3).contains('3'));
    }
}
