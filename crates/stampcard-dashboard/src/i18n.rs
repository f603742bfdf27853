//! English and Korean text of the dashboard, the widget's way: the widget's [`Lang`], plain
//! tables of `&'static str` and a few formatting functions. API refusals are worded by the
//! core's error table.

use stampcard_core::ErrorCode;
use stampcard_core::find::StampStatus;
use stampcard_core::model::PinState;
use stampcard_core::types::Ymdt;
use stampcard_core::webhook::{DeliveryAttempt, DeliveryStatus};
use stampcard_core::wire::{BulkAction, HistoryAction, HistoryActor, HistoryEvent};
pub use stampcard_widget::i18n::{Lang, ymd};

use crate::api::CallError;
use crate::state::route::Route;
use crate::state::stamps::BulkDone;
use crate::state::webhooks::Notice;

/// The dashboard's fixed strings in `lang`.
pub fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Ko => &KO,
    }
}

/// The core's lowercase message as a sentence: capital first letter. The core's messages start
/// with an ASCII letter; ASCII-only casing keeps Unicode's case tables out of the wasm (size).
pub fn sentence(message: &str) -> String {
    let mut line = message.to_owned();
    if let Some(first) = line.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    line
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

/// A refused import line: the row's own message (it names the field, which the table's general
/// words for the code cannot) with its code.
pub fn code_message(lang: Lang, code: i32, message: &str) -> String {
    match lang {
        Lang::En => format!("{} (code {code})", sentence(message)),
        Lang::Ko => format!("{message} (코드 {code})"),
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
        Route::Webhooks => t.nav_webhooks,
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

/// After a dry run with no refused line.
pub fn import_checked(lang: Lang, rows: u32) -> String {
    match lang {
        Lang::En => format!("All {rows} rows are valid. Nothing is written yet: press Import to create the stamps."),
        Lang::Ko => {
            format!("{rows}개 행이 모두 올바라요. 아직 저장하지 않았어요. 가져오기를 누르면 스탬프를 만들어요.")
        }
    }
}

/// After a dry run with refused lines.
pub fn import_refused(lang: Lang, refused: usize, rows: u32) -> String {
    match lang {
        Lang::En => format!("{refused} of {rows} rows are refused; nothing can be imported until the file is fixed."),
        Lang::Ko => format!("{rows}개 행 중 {refused}개가 거절됐어요. 파일을 고칠 때까지 가져올 수 없어요."),
    }
}

/// After an import.
pub fn import_done(lang: Lang, created: u32) -> String {
    match lang {
        Lang::En => format!("{created} stamps created."),
        Lang::Ko => format!("스탬프 {created}개를 만들었어요."),
    }
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
    let name = event.actor_nm.as_deref();
    let who = match (lang, event.actor, event.staff_idx, event.api_key_idx) {
        (Lang::En, HistoryActor::Staff, Some(staff), _) => match name {
            Some(name) => format!("Staff member {name} (#{staff})"),
            None => format!("Staff member #{staff}"),
        },
        (Lang::Ko, HistoryActor::Staff, Some(staff), _) => match name {
            Some(name) => format!("직원 {name} (#{staff})"),
            None => format!("직원 #{staff}"),
        },
        (Lang::En, HistoryActor::Staff, None, _) => "Staff member".to_owned(),
        (Lang::Ko, HistoryActor::Staff, None, _) => "직원".to_owned(),
        (Lang::En, HistoryActor::User, ..) => match name {
            Some(email) => format!("Back office: {email}"),
            None => "Back office (a removed login)".to_owned(),
        },
        (Lang::Ko, HistoryActor::User, ..) => match name {
            Some(email) => format!("관리 화면: {email}"),
            None => "관리 화면 (삭제된 로그인)".to_owned(),
        },
        (Lang::En, HistoryActor::ApiKey, _, Some(key)) => format!("API key #{key}"),
        (Lang::Ko, HistoryActor::ApiKey, _, Some(key)) => format!("API 키 #{key}"),
        // The command line (and dashboard changes made before they were attributed to a login).
        (Lang::En, HistoryActor::ApiKey, _, None) => "The shop (command line)".to_owned(),
        (Lang::Ko, HistoryActor::ApiKey, _, None) => "가게 (명령줄)".to_owned(),
        (Lang::En, HistoryActor::Customer, ..) => "Customer".to_owned(),
        (Lang::Ko, HistoryActor::Customer, ..) => "고객".to_owned(),
        (Lang::En, HistoryActor::Onsite, ..) => "On-site (card password)".to_owned(),
        (Lang::Ko, HistoryActor::Onsite, ..) => "현장 (카드 비밀번호)".to_owned(),
    };
    (what, who)
}

/// A delivery's status in words.
pub fn delivery_status(lang: Lang, status: DeliveryStatus) -> &'static str {
    match (lang, status) {
        (Lang::En, DeliveryStatus::Pending) => "Pending",
        (Lang::En, DeliveryStatus::Retrying) => "Retrying",
        (Lang::En, DeliveryStatus::Delivered) => "Delivered",
        (Lang::En, DeliveryStatus::Dead) => "Dead",
        (Lang::Ko, DeliveryStatus::Pending) => "대기",
        (Lang::Ko, DeliveryStatus::Retrying) => "재시도 중",
        (Lang::Ko, DeliveryStatus::Delivered) => "전송됨",
        (Lang::Ko, DeliveryStatus::Dead) => "실패",
    }
}

/// One attempt in words: when, the receiver's HTTP status (or why none came), how long.
pub fn attempt_line(lang: Lang, attempt: &DeliveryAttempt) -> String {
    let outcome = match (attempt.http_status, attempt.error.as_deref()) {
        (Some(status), _) => format!("HTTP {status}"),
        (None, Some(error)) => error.to_owned(),
        (None, None) => match lang {
            Lang::En => "no answer".to_owned(),
            Lang::Ko => "응답 없음".to_owned(),
        },
    };
    format!("{} · {outcome} · {} ms", attempt.attempt_ymdt, attempt.duration_ms)
}

/// When a delivery is tried next.
pub fn next_attempt(lang: Lang, when: &Ymdt) -> String {
    match lang {
        Lang::En => format!("Next try {when}"),
        Lang::Ko => format!("다음 시도 {when}"),
    }
}

/// Until when a rotated endpoint's old secret still signs.
pub fn old_secret_until(lang: Lang, when: &Ymdt) -> String {
    match lang {
        Lang::En => format!("Old secret signs until {when}"),
        Lang::Ko => format!("이전 비밀키 서명: {when}까지"),
    }
}

/// What the last change on the webhooks page did.
pub fn webhook_notice(lang: Lang, notice: Notice) -> &'static str {
    let t = text(lang);
    match notice {
        Notice::Created => t.webhook_created,
        Notice::Rotated => t.secret_rotated,
        Notice::Saved => t.saved,
        Notice::TestQueued => t.test_queued,
        Notice::Deleted => t.webhook_deleted,
    }
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
    /// Caption of the staff table.
    pub staff_caption: &'static str,
    /// Label of a staff member's name.
    pub staff_nm: &'static str,
    /// Label of a staff member's password.
    pub staff_pwd: &'static str,
    /// Legend of the staff member's cards.
    pub staff_cards: &'static str,
    /// A staff member on every card.
    pub every_card: &'static str,
    /// The add-staff button and heading.
    pub add_staff: &'static str,
    /// How staff use their password.
    pub staff_hint: &'static str,
    /// Empty staff list.
    pub no_staff: &'static str,
    /// Question before deleting a staff member.
    pub confirm_delete_staff: &'static str,
    /// After adding a staff member.
    pub staff_added: &'static str,
    /// Column of a row's state.
    pub col_state: &'static str,
    /// Column of a row's number.
    pub col_number: &'static str,
    /// Caption of the key table.
    pub keys_caption: &'static str,
    /// Label of a key's label.
    pub key_label: &'static str,
    /// The create-key button and heading.
    pub create_key: &'static str,
    /// Above a new key.
    pub key_once: &'static str,
    /// Empty key list.
    pub no_keys: &'static str,
    /// The revoke button.
    pub revoke: &'static str,
    /// A revoked key's state.
    pub revoked: &'static str,
    /// An active row's state.
    pub active: &'static str,
    /// Question before revoking a key.
    pub confirm_revoke: &'static str,
    /// Column of a key's first characters.
    pub col_key: &'static str,
    /// Column of when a row was created.
    pub col_created: &'static str,
    /// What the import page does.
    pub import_intro: &'static str,
    /// Label of the CSV file field.
    pub csv_file: &'static str,
    /// The dry-run button.
    pub check_file: &'static str,
    /// The import button.
    pub import_now: &'static str,
    /// Heading of the refused lines.
    pub refused_lines: &'static str,
    /// Column of a line number.
    pub col_line: &'static str,
    /// Column of why a line was refused.
    pub col_reason: &'static str,
    /// What the export page does.
    pub export_intro: &'static str,
    /// The CSV download link.
    pub download_csv: &'static str,
    /// The JSON lines download link.
    pub download_jsonl: &'static str,
    /// Label of the period's first day.
    pub from_ymd: &'static str,
    /// Label of the period's last day.
    pub to_ymd: &'static str,
    /// The button that shows figures.
    pub show: &'static str,
    /// Heading of the adds chart.
    pub chart_adds: &'static str,
    /// Heading of the redeems chart.
    pub chart_redeems: &'static str,
    /// Heading of the issued chart.
    pub chart_created: &'static str,
    /// Heading of the customers chart.
    pub chart_customers: &'static str,
    /// Column of a day.
    pub col_day: &'static str,
    /// Row of the period's total.
    pub col_total: &'static str,
    /// A period that cannot be shown.
    pub figures_period: &'static str,
    /// The copy button of a new API key.
    pub copy_key: &'static str,
    /// Navigation: webhooks.
    pub nav_webhooks: &'static str,
    /// What the webhooks page does.
    pub webhooks_intro: &'static str,
    /// Caption of the endpoint table.
    pub webhooks_caption: &'static str,
    /// Empty endpoint list.
    pub no_webhooks: &'static str,
    /// The add-endpoint button and heading.
    pub add_webhook: &'static str,
    /// Label and column of an endpoint's URL.
    pub webhook_url: &'static str,
    /// Hint under the URL field.
    pub webhook_url_hint: &'static str,
    /// Legend and column of the event types.
    pub events: &'static str,
    /// The all-events checkbox.
    pub all_events: &'static str,
    /// Label and column of the signing format.
    pub format: &'static str,
    /// The vivoldi format's choice.
    pub format_vivoldi: &'static str,
    /// The standard format's choice.
    pub format_standard: &'static str,
    /// An enabled endpoint's state.
    pub enabled: &'static str,
    /// A disabled endpoint's state.
    pub disabled: &'static str,
    /// The enable button.
    pub enable: &'static str,
    /// The disable button.
    pub disable: &'static str,
    /// The rotate button.
    pub rotate_secret: &'static str,
    /// The test-event button.
    pub send_test: &'static str,
    /// The delivery log's link and heading.
    pub delivery_log: &'static str,
    /// Above a new signing secret.
    pub secret_once: &'static str,
    /// Under a rotated secret.
    pub secret_overlap: &'static str,
    /// The copy button of a secret.
    pub copy_secret: &'static str,
    /// After copying a secret.
    pub secret_copied: &'static str,
    /// Closes the secret box.
    pub hide: &'static str,
    /// Question before deleting an endpoint.
    pub confirm_delete_webhook: &'static str,
    /// After adding an endpoint.
    pub webhook_created: &'static str,
    /// After rotating a secret.
    pub secret_rotated: &'static str,
    /// After queuing a test event.
    pub test_queued: &'static str,
    /// After deleting an endpoint.
    pub webhook_deleted: &'static str,
    /// Back from a delivery log.
    pub all_endpoints: &'static str,
    /// Caption of the delivery table.
    pub log_caption: &'static str,
    /// Column of a delivery's event.
    pub col_event: &'static str,
    /// Column of a delivery's attempt count.
    pub col_attempts: &'static str,
    /// Column of a delivery's last attempt.
    pub col_last_attempt: &'static str,
    /// Column of a response excerpt.
    pub col_response: &'static str,
    /// Empty delivery log.
    pub no_deliveries: &'static str,
    /// The re-send button.
    pub resend: &'static str,
    /// After a re-send.
    pub resent: &'static str,
    /// Reloads the log.
    pub refresh: &'static str,
    /// A delivery not tried yet.
    pub not_tried: &'static str,
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
    staff_caption: "Staff members",
    staff_nm: "Name",
    staff_pwd: "Password (6 to 32 characters)",
    staff_cards: "Cards (none checked: every card, also later ones)",
    every_card: "Every card",
    add_staff: "Add staff member",
    staff_hint: "At the counter a staff member types their number, a colon and their password (12:blue-heron) where the card's password is asked for.",
    no_staff: "No staff members yet.",
    confirm_delete_staff: "Delete this staff member? Their password stops working at once.",
    staff_added: "Staff member added.",
    col_state: "State",
    col_number: "Number",
    keys_caption: "API keys",
    key_label: "Label",
    create_key: "Create key",
    key_once: "Copy this key now: it is shown only once.",
    no_keys: "No API keys yet.",
    revoke: "Revoke",
    revoked: "Revoked",
    active: "Active",
    confirm_revoke: "Revoke this key? Programs using it are refused from now on.",
    col_key: "Key",
    col_created: "Created",
    import_intro: "Stamps for customers moving from paper cards or another provider: a CSV file with a header row (userId, userNm, userPhnno, userEml, userEtc1, userEtc2, memo, stamps, strtYmd, endYmd, activeYn). All rows are imported, or none.",
    csv_file: "CSV file",
    check_file: "Check file",
    import_now: "Import",
    refused_lines: "Refused lines",
    col_line: "Line",
    col_reason: "Reason",
    export_intro: "Every stamp of the chosen card and status, as a file (a CSV with a header row of the API's field names, or JSON lines).",
    download_csv: "Download CSV",
    download_jsonl: "Download JSON lines",
    from_ymd: "From",
    to_ymd: "To",
    show: "Show",
    chart_adds: "Stamps added",
    chart_redeems: "Rewards redeemed",
    chart_created: "Stamps issued",
    chart_customers: "Customers stamped",
    col_day: "Day",
    col_total: "Total",
    figures_period: "Choose a period of 1 to 366 days, the first day not after the last.",
    copy_key: "Copy key",
    nav_webhooks: "Webhooks",
    webhooks_intro: "Each endpoint gets a signed POST for every change to your stamps. docs/webhooks.md shows how a receiver checks the signature.",
    webhooks_caption: "Webhook endpoints",
    no_webhooks: "No endpoints yet.",
    add_webhook: "Add endpoint",
    webhook_url: "URL",
    webhook_url_hint: "Your receiver's https address. Local and private addresses (and http) work only when the server runs with --webhook-allow-private.",
    events: "Events",
    all_events: "All events (also types added later)",
    format: "Format",
    format_vivoldi: "vivoldi: the hosted API's X-Vivoldi-* headers",
    format_standard: "standard: Standard Webhooks",
    enabled: "Enabled",
    disabled: "Disabled",
    enable: "Enable",
    disable: "Disable",
    rotate_secret: "Rotate secret",
    send_test: "Send test event",
    delivery_log: "Delivery log",
    secret_once: "Copy this signing secret now: it is shown only once.",
    secret_overlap: "The old secret keeps signing too for 24 hours: update your receiver within that time.",
    copy_secret: "Copy secret",
    secret_copied: "Secret copied.",
    hide: "Hide",
    confirm_delete_webhook: "Delete this endpoint? Nothing more is sent to it and its delivery log goes with it.",
    webhook_created: "Endpoint added.",
    secret_rotated: "New secret made.",
    test_queued: "Test event queued: see the delivery log.",
    webhook_deleted: "Endpoint deleted.",
    all_endpoints: "All endpoints",
    log_caption: "Deliveries, newest first",
    col_event: "Event",
    col_attempts: "Attempts",
    col_last_attempt: "Last attempt",
    col_response: "Response",
    no_deliveries: "No deliveries yet.",
    resend: "Re-send",
    resent: "Queued again: the same event id, with a new request id.",
    refresh: "Refresh",
    not_tried: "Not tried yet",
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
    staff_caption: "직원 목록",
    staff_nm: "이름",
    staff_pwd: "비밀번호 (6~32자)",
    staff_cards: "카드 (선택하지 않으면 이후 카드까지 모든 카드)",
    every_card: "모든 카드",
    add_staff: "직원 추가",
    staff_hint: "매장에서 직원은 카드 비밀번호 자리에 번호, 콜론, 비밀번호(12:blue-heron)를 입력해요.",
    no_staff: "아직 직원이 없어요.",
    confirm_delete_staff: "이 직원을 삭제할까요? 비밀번호가 바로 쓸 수 없게 돼요.",
    staff_added: "직원을 추가했어요.",
    col_state: "상태",
    col_number: "번호",
    keys_caption: "API 키 목록",
    key_label: "이름표",
    create_key: "키 만들기",
    key_once: "지금 이 키를 복사하세요. 다시 보여주지 않아요.",
    no_keys: "아직 API 키가 없어요.",
    revoke: "폐기",
    revoked: "폐기됨",
    active: "사용 중",
    confirm_revoke: "이 키를 폐기할까요? 이 키를 쓰는 프로그램은 이제 거절돼요.",
    col_key: "키",
    col_created: "만든 때",
    import_intro: "종이 카드나 다른 서비스에서 옮겨 오는 고객의 스탬프: 머리 행(userId, userNm, userPhnno, userEml, userEtc1, userEtc2, memo, stamps, strtYmd, endYmd, activeYn)이 있는 CSV 파일. 모든 행을 가져오거나 하나도 가져오지 않아요.",
    csv_file: "CSV 파일",
    check_file: "파일 확인",
    import_now: "가져오기",
    refused_lines: "거절된 줄",
    col_line: "줄",
    col_reason: "이유",
    export_intro: "고른 카드와 상태의 모든 스탬프를 파일로 받아요 (API 필드 이름의 머리 행이 있는 CSV, 또는 JSON lines).",
    download_csv: "CSV 내려받기",
    download_jsonl: "JSON lines 내려받기",
    from_ymd: "시작일",
    to_ymd: "종료일",
    show: "보기",
    chart_adds: "찍은 스탬프",
    chart_redeems: "사용한 보상",
    chart_created: "발급한 스탬프",
    chart_customers: "스탬프 받은 고객",
    col_day: "날짜",
    col_total: "합계",
    figures_period: "시작일이 종료일보다 늦지 않은 1~366일 기간을 고르세요.",
    copy_key: "키 복사",
    nav_webhooks: "웹훅",
    webhooks_intro: "엔드포인트마다 스탬프가 바뀔 때마다 서명된 POST를 받아요. 수신 서버가 서명을 확인하는 방법은 docs/webhooks.md에 있어요.",
    webhooks_caption: "웹훅 엔드포인트",
    no_webhooks: "아직 엔드포인트가 없어요.",
    add_webhook: "엔드포인트 추가",
    webhook_url: "URL",
    webhook_url_hint: "수신 서버의 https 주소예요. 로컬·사설 주소(와 http)는 서버가 --webhook-allow-private로 실행될 때만 돼요.",
    events: "이벤트",
    all_events: "모든 이벤트 (나중에 추가되는 종류 포함)",
    format: "형식",
    format_vivoldi: "vivoldi: 호스팅 API의 X-Vivoldi-* 헤더",
    format_standard: "standard: Standard Webhooks",
    enabled: "사용 중",
    disabled: "중지됨",
    enable: "사용",
    disable: "중지",
    rotate_secret: "비밀키 교체",
    send_test: "테스트 이벤트 보내기",
    delivery_log: "전송 기록",
    secret_once: "지금 이 서명 비밀키를 복사하세요. 다시 보여주지 않아요.",
    secret_overlap: "이전 비밀키도 24시간 동안 함께 서명해요. 그 안에 수신 서버를 바꾸세요.",
    copy_secret: "비밀키 복사",
    secret_copied: "비밀키를 복사했어요.",
    hide: "닫기",
    confirm_delete_webhook: "이 엔드포인트를 삭제할까요? 더 이상 보내지 않으며 전송 기록도 함께 지워져요.",
    webhook_created: "엔드포인트를 추가했어요.",
    secret_rotated: "새 비밀키를 만들었어요.",
    test_queued: "테스트 이벤트를 보냈어요. 전송 기록을 확인하세요.",
    webhook_deleted: "엔드포인트를 삭제했어요.",
    all_endpoints: "모든 엔드포인트",
    log_caption: "전송 기록 (최신순)",
    col_event: "이벤트",
    col_attempts: "시도",
    col_last_attempt: "마지막 시도",
    col_response: "응답",
    no_deliveries: "아직 전송 기록이 없어요.",
    resend: "다시 보내기",
    resent: "다시 보냈어요. 이벤트 ID는 같고 요청 ID는 새로워요.",
    refresh: "새로 고침",
    not_tried: "아직 시도 안 함",
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
        assert_eq!(names, ["Cards", "Stamps", "Staff", "API keys", "Import", "Export", "Figures", "Webhooks"]);
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
            user_idx: None,
            actor_nm: None,
            reg_ymdt: stampcard_core::types::Ymdt::parse("2026-01-01 10:00:00").expect("time"),
        };
        let line = |e: HistoryEvent| history_event(Lang::En, &e);
        assert_eq!(
            line(event(HistoryAction::Add, HistoryActor::ApiKey, Some(4), None)),
            ("Stamp added: 2 → 3".into(), "API key #4".into())
        );
        assert_eq!(line(event(HistoryAction::Use, HistoryActor::Customer, None, None)).1, "Customer");
        let by_user = HistoryEvent {
            user_idx: Some(3),
            actor_nm: Some("owner@shop.example".into()),
            ..event(HistoryAction::PinReset, HistoryActor::User, None, None)
        };
        assert_eq!(line(by_user.clone()).1, "Back office: owner@shop.example");
        assert_eq!(line(HistoryEvent { actor_nm: None, ..by_user }).1, "Back office (a removed login)");
        // A staff member redeeming through the redeem API has both ids: the staff member is who.
        assert_eq!(line(event(HistoryAction::Use, HistoryActor::Staff, Some(4), Some(7))).1, "Staff member #7");
        let named = HistoryEvent {
            actor_nm: Some("Mina".into()),
            ..event(HistoryAction::Add, HistoryActor::Staff, None, Some(7))
        };
        assert_eq!(line(named).1, "Staff member Mina (#7)");
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
