//! The "Change PIN" section under the card.

use yew::prelude::*;

use crate::components::new_pin::{NewPinFields, new_pin};
use crate::components::pin_input::PinInput;
use crate::components::problem_text;
use crate::i18n::Lang;
use crate::state::{NewPinCheck, Problem};

/// Properties of [`ChangePin`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct ChangePinProps {
    /// The language.
    pub lang: Lang,
    /// A request is in flight.
    #[prop_or_default]
    pub busy: bool,
    /// Why the last change failed.
    #[prop_or_default]
    pub problem: Option<Problem>,
    /// The PIN was just changed (clears the fields).
    #[prop_or_default]
    pub done: bool,
    /// Called with `(current PIN, new PIN)` once the new one passes the rules and matches.
    pub on_change: Callback<(String, String)>,
}

/// The collapsible change-PIN form.
#[component]
pub fn ChangePin(props: &ChangePinProps) -> Html {
    let lang = props.lang;
    let t = lang.text();
    let current = use_state(String::new);
    let pin = use_state(String::new);
    let confirm = use_state(String::new);
    {
        let (current, pin, confirm) = (current.clone(), pin.clone(), confirm.clone());
        use_effect_with(props.done, move |done| {
            if *done {
                current.set(String::new());
                pin.set(String::new());
                confirm.set(String::new());
            }
        });
    }
    let ready = !current.is_empty() && NewPinCheck::of(&pin, &confirm).ready();
    let onsubmit = {
        let (current, pin, busy, on_change) = (current.clone(), pin.clone(), props.busy, props.on_change.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if ready && !busy {
                on_change.emit(((*current).clone(), (*pin).clone()));
            }
        })
    };
    let setter = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |value: String| state.set(value))
    };
    html! {
        <details class="more">
            <summary>{ t.change_pin }</summary>
            <form class="form" {onsubmit} novalidate=true>
                <PinInput id="cur-pin" label={t.current_pin_label} value={(*current).clone()}
                    autocomplete="current-password" on_input={setter(&current)} />
                { new_pin(NewPinFields {
                    lang, prefix: "chg", pin: &pin, confirm: &confirm, autofocus: false,
                    on_pin: setter(&pin), on_confirm: setter(&confirm),
                }) }
                if let Some(problem) = props.problem {
                    <p class="alert err" role="alert">{ problem_text(lang, problem) }</p>
                }
                <button class="btn secondary" type="submit" disabled={!ready} aria-busy={props.busy.then_some("true")}>
                    { t.change_pin_button }
                </button>
            </form>
        </details>
    }
}
