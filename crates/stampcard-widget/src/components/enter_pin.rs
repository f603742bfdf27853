//! Enter the PIN; shows a wrong PIN and the lock after too many wrong PINs.

use yew::prelude::*;

use crate::components::pin_input::PinInput;
use crate::components::problem_text;
use crate::hooks::use_countdown;
use crate::i18n::Lang;
use crate::state::Problem;

/// Properties of [`EnterPin`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct EnterPinProps {
    /// The language.
    pub lang: Lang,
    /// Seconds PIN entry stays locked, when locked.
    #[prop_or_default]
    pub locked_secs: Option<u32>,
    /// Changes whenever a new lock starts (restarts the countdown).
    #[prop_or_default]
    pub lock_serial: u32,
    /// A request is in flight.
    #[prop_or_default]
    pub busy: bool,
    /// Why the last submission failed (a wrong PIN, no network...).
    #[prop_or_default]
    pub problem: Option<Problem>,
    /// Focus the field (stand-alone page only).
    #[prop_or_default]
    pub autofocus: bool,
    /// Called with the PIN typed.
    pub on_submit: Callback<String>,
}

/// The enter-PIN screen.
#[component]
pub fn EnterPin(props: &EnterPinProps) -> Html {
    let lang = props.lang;
    let t = lang.text();
    let pin = use_state(String::new);
    let left = use_countdown(props.locked_secs, props.lock_serial);
    let locked = left > 0;
    // A refused PIN is cleared, so the next try starts from an empty field; so is one that
    // started a lock (then the countdown is the only message, and no problem is set).
    {
        let pin = pin.clone();
        use_effect_with((props.problem, props.locked_secs, props.lock_serial), move |(problem, locked, _)| {
            if problem.is_some() || locked.is_some() {
                pin.set(String::new());
            }
        });
    }
    let onsubmit = {
        let (pin, busy, on_submit) = (pin.clone(), props.busy, props.on_submit.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if !pin.is_empty() && !busy && !locked {
                on_submit.emit((*pin).clone());
            }
        })
    };
    let on_input = {
        let pin = pin.clone();
        Callback::from(move |value: String| pin.set(value))
    };
    let describedby = if locked {
        Some("pin-locked")
    } else if props.problem.is_some() {
        Some("pin-problem")
    } else {
        None
    };
    html! {
        <form class="form" {onsubmit} novalidate=true>
            <p class="screen-title">{ t.enter_pin_title }</p>
            <p class="intro">{ t.enter_pin_intro }</p>
            <PinInput id="pin" label={t.pin_label} value={(*pin).clone()} autocomplete="current-password"
                invalid={props.problem.is_some()} describedby={describedby.map(AttrValue::from)}
                disabled={locked} autofocus={props.autofocus} {on_input} />
            if locked {
                <p id="pin-locked" class="alert warn">{ lang.pin_locked(left) }</p>
            }
            if let Some(problem) = props.problem {
                <p id="pin-problem" class="alert err" role="alert">{ problem_text(lang, problem) }</p>
            }
            <button class="btn primary" type="submit" disabled={locked || pin.is_empty()}
                aria-busy={props.busy.then_some("true")}>
                { t.open_card }
            </button>
            <p class="hint">{ t.forgot_pin }</p>
        </form>
    }
}
