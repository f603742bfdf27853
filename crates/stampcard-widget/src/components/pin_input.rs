//! One labelled PIN field: masked, numeric keypad on phones, described by its hint.

use yew::prelude::*;

use crate::components::input_value;

/// Properties of [`PinInput`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct PinInputProps {
    /// The input's id (unique within the shadow root).
    pub id: AttrValue,
    /// The visible label; contains "PIN".
    pub label: AttrValue,
    /// The current value.
    pub value: AttrValue,
    /// `new-password` or `current-password`.
    pub autocomplete: AttrValue,
    /// The value breaks a rule (sets `aria-invalid`).
    #[prop_or_default]
    pub invalid: bool,
    /// The id of the element that describes the field (hint or error).
    #[prop_or_default]
    pub describedby: Option<AttrValue>,
    /// The field cannot be used (locked, or a request is in flight).
    #[prop_or_default]
    pub disabled: bool,
    /// Focus the field when it first renders (only on the stand-alone page).
    #[prop_or_default]
    pub autofocus: bool,
    /// Called with the new value on every keystroke.
    pub on_input: Callback<String>,
}

/// A labelled PIN field.
#[component]
pub fn PinInput(props: &PinInputProps) -> Html {
    let input = use_node_ref();
    {
        let input = input.clone();
        use_effect_with(props.autofocus, move |autofocus| {
            if *autofocus && let Some(input) = input.cast::<web_sys::HtmlElement>() {
                let _ = input.focus();
            }
        });
    }
    let oninput = props.on_input.reform(|event: InputEvent| input_value(&event));
    html! {
        <div class="field">
            <label for={&props.id}>{ &props.label }</label>
            <input ref={input} id={&props.id} class="pin" type="password" inputmode="numeric"
                autocomplete={&props.autocomplete} value={&props.value} {oninput}
                aria-invalid={props.invalid.then_some("true")}
                aria-describedby={props.describedby.clone()} disabled={props.disabled} />
        </div>
    }
}
