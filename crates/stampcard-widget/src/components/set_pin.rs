//! Choose a PIN: the first visit, or after the shop reset it.

use yew::prelude::*;

use crate::components::new_pin::{NewPinFields, new_pin};
use crate::components::problem_text;
use crate::i18n::Lang;
use crate::state::{NewPinCheck, Problem};

/// Properties of [`SetPin`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct SetPinProps {
    /// The language.
    pub lang: Lang,
    /// The shop reset the PIN ("your PIN was reset, choose a new one").
    pub reset: bool,
    /// A request is in flight.
    #[prop_or_default]
    pub busy: bool,
    /// Why the last submission failed.
    #[prop_or_default]
    pub problem: Option<Problem>,
    /// Focus the first field (stand-alone page only).
    #[prop_or_default]
    pub autofocus: bool,
    /// Called with a PIN that passes the core's rules and matches its confirmation.
    pub on_submit: Callback<String>,
}

/// The set-PIN screen.
#[component]
pub fn SetPin(props: &SetPinProps) -> Html {
    let lang = props.lang;
    let t = lang.text();
    let pin = use_state(String::new);
    let confirm = use_state(String::new);
    let ready = NewPinCheck::of(&pin, &confirm).ready();
    let onsubmit = {
        let (pin, busy, on_submit) = (pin.clone(), props.busy, props.on_submit.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if ready && !busy {
                on_submit.emit((*pin).clone());
            }
        })
    };
    let on_pin = {
        let pin = pin.clone();
        Callback::from(move |value: String| pin.set(value))
    };
    let on_confirm = {
        let confirm = confirm.clone();
        Callback::from(move |value: String| confirm.set(value))
    };
    html! {
        <form class="form" {onsubmit} novalidate=true>
            <p class="screen-title">{ t.set_pin_title }</p>
            if props.reset {
                <p class="alert info">{ t.reset_pin_intro }</p>
            } else {
                <p class="intro">{ t.set_pin_intro }</p>
            }
            { new_pin(NewPinFields {
                lang, prefix: "set", pin: &pin, confirm: &confirm, autofocus: props.autofocus, on_pin, on_confirm,
            }) }
            if let Some(problem) = props.problem {
                <p class="alert err" role="alert">{ problem_text(lang, problem) }</p>
            }
            <button class="btn primary" type="submit" disabled={!ready} aria-busy={props.busy.then_some("true")}>
                { t.save_pin }
            </button>
            <p class="hint">{ t.forget_pin_later }</p>
        </form>
    }
}
