//! The page's components, one per file.

pub mod app;
pub mod card;
pub mod change_pin;
pub mod closed;
pub mod enter_pin;
pub mod header;
pub mod new_pin;
pub mod pin_input;
pub mod set_pin;
pub mod staff;
pub mod stamp_grid;
pub mod status;

use crate::i18n::Lang;
use crate::state::Problem;

/// The words for a form's problem.
pub fn problem_text(lang: Lang, problem: Problem) -> String {
    match problem {
        Problem::Network => lang.text().network_inline.to_owned(),
        Problem::Refused(code) => lang.refusal(code),
    }
}

/// The value of the input an `input` event came from.
pub fn input_value(event: &yew::InputEvent) -> String {
    use yew::TargetCast;
    event.target_unchecked_into::<web_sys::HtmlInputElement>().value()
}
