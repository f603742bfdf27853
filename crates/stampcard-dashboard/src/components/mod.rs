//! The dashboard's components, one per file, and what they share: the [`Ctx`] every page
//! reads (client, language, role, today) and small input helpers.

pub mod app;
pub mod card_editor;
pub mod cards;
pub mod confirm;
pub mod export;
pub mod figures;
pub mod import;
pub mod keys;
pub mod nav;
pub mod new_stamp;
pub mod preview;
pub mod qr;
pub mod sign_in;
pub mod staff;
pub mod stamp;
pub mod stamps;
pub mod webhooks;

use chrono::NaiveDate;
use stampcard_core::dashboard::Role;
use yew::prelude::*;

use crate::api::{Api, CallError};
use crate::i18n::Lang;

/// What every page of a signed-in user needs, provided by the app.
#[derive(Debug, Clone, PartialEq)]
pub struct Ctx {
    /// The back-office API.
    pub api: Api,
    /// The language.
    pub lang: Lang,
    /// The signed-in user's role.
    pub role: Role,
    /// The browser's calendar day (previews and new stamps' defaults).
    pub today: NaiveDate,
    /// Called when a call answered 401: back to sign-in.
    pub on_expired: Callback<()>,
}

impl Ctx {
    /// Reports a failed call: a 401 ends the session; the rest are shown by the caller.
    pub fn check(&self, error: &CallError) {
        if error.session_ended() {
            self.on_expired.emit(());
        }
    }
}

/// The page's context; every page below the app has one.
#[hook]
pub fn use_ctx() -> Ctx {
    use_context::<Ctx>().expect("pages render inside the app's context")
}

/// The value of the input, select or textarea an event came from.
pub fn event_value(event: &Event) -> String {
    use wasm_bindgen::JsCast;
    let target = event.target();
    if let Some(input) = target.as_ref().and_then(|t| t.dyn_ref::<web_sys::HtmlInputElement>()) {
        return input.value();
    }
    if let Some(select) = target.as_ref().and_then(|t| t.dyn_ref::<web_sys::HtmlSelectElement>()) {
        return select.value();
    }
    target
        .as_ref()
        .and_then(|t| t.dyn_ref::<web_sys::HtmlTextAreaElement>())
        .map(|area| area.value())
        .unwrap_or_default()
}

/// Whether the checkbox an event came from is checked.
pub fn event_checked(event: &Event) -> bool {
    use wasm_bindgen::JsCast;
    event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|input| input.checked())
}

/// The browser's calendar day.
pub fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(now.get_full_year() as i32, now.get_month() + 1, now.get_date()).unwrap_or(NaiveDate::MIN)
}

/// Puts `value` on the clipboard; whether the browser took it.
pub async fn copy_to_clipboard(value: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    wasm_bindgen_futures::JsFuture::from(window.navigator().clipboard().write_text(value)).await.is_ok()
}

/// Goes to another page (the app follows the fragment).
pub fn go(href: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(href);
    }
}

/// An error line with `role="alert"`, for a failed call.
pub fn error_line(lang: Lang, error: &Option<CallError>) -> Html {
    match error {
        Some(error) => html! { <p class="alert err" role="alert">{ crate::i18n::call_error(lang, error) }</p> },
        None => html! {},
    }
}
