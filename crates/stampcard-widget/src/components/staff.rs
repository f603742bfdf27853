//! The "For staff" section: add a stamp or redeem the reward with the card's staff password.

use yew::prelude::*;

use crate::components::{input_value, problem_text};
use crate::hooks::use_countdown;
use crate::i18n::Lang;
use crate::state::Problem;

/// Properties of [`Staff`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct StaffProps {
    /// The language.
    pub lang: Lang,
    /// One more stamp can be added today.
    pub can_add: bool,
    /// The reward can be redeemed today.
    pub can_redeem: bool,
    /// Stamps collected (the password is cleared whenever it changes).
    pub stamps: u32,
    /// Seconds staff actions stay locked, when locked.
    #[prop_or_default]
    pub locked_secs: Option<u32>,
    /// Changes whenever a new lock starts.
    #[prop_or_default]
    pub lock_serial: u32,
    /// A request is in flight.
    #[prop_or_default]
    pub busy: bool,
    /// Why the last staff action failed.
    #[prop_or_default]
    pub problem: Option<Problem>,
    /// Adds a stamp with this password.
    pub on_add: Callback<String>,
    /// Redeems with this password.
    pub on_redeem: Callback<String>,
}

/// The collapsible staff section.
#[component]
pub fn Staff(props: &StaffProps) -> Html {
    let lang = props.lang;
    let t = lang.text();
    let password = use_state(String::new);
    let left = use_countdown(props.locked_secs, props.lock_serial);
    let locked = left > 0;
    // After a success the password is cleared, so the customer cannot reuse it.
    {
        let password = password.clone();
        use_effect_with((props.stamps, props.can_redeem), move |_| password.set(String::new()));
    }
    // A refused password is cleared too, so the next try starts from an empty field; so is
    // one that started a lock (the countdown is then the only message).
    {
        let password = password.clone();
        use_effect_with((props.problem, props.locked_secs, props.lock_serial), move |(problem, locked, _)| {
            if problem.is_some() || locked.is_some() {
                password.set(String::new());
            }
        });
    }
    let onsubmit = {
        let password = password.clone();
        let props = props.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if password.is_empty() || props.busy || locked {
                return;
            }
            if props.can_redeem {
                props.on_redeem.emit((*password).clone());
            } else if props.can_add {
                props.on_add.emit((*password).clone());
            }
        })
    };
    let oninput = {
        let password = password.clone();
        Callback::from(move |event: InputEvent| password.set(input_value(&event)))
    };
    let disabled = locked || password.is_empty();
    html! {
        <details class="staff">
            <summary>{ t.for_staff }</summary>
            <form class="form" {onsubmit} novalidate=true>
                <p class="intro" id="staff-hint">{ t.staff_hint }</p>
                <div class="field">
                    <label for="staff-pwd">{ t.staff_password_label }</label>
                    <input id="staff-pwd" type="password" autocomplete="off" value={(*password).clone()} {oninput}
                        disabled={locked} aria-describedby="staff-hint"
                        aria-invalid={props.problem.is_some().then_some("true")} />
                </div>
                if locked {
                    <p class="alert warn">{ lang.staff_locked(left) }</p>
                }
                if let Some(problem) = props.problem {
                    <p class="alert err" role="alert">{ problem_text(lang, problem) }</p>
                }
                if props.can_redeem {
                    <button class="btn primary" type="submit" {disabled} aria-busy={props.busy.then_some("true")}>
                        { t.redeem }
                    </button>
                } else if props.can_add {
                    <button class="btn primary" type="submit" {disabled} aria-busy={props.busy.then_some("true")}>
                        { t.add_stamp }
                    </button>
                }
            </form>
        </details>
    }
}
