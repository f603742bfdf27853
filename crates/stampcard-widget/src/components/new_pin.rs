//! The new PIN and its confirmation, with the core's PIN rules checked as the customer types.

use yew::prelude::*;

use crate::components::pin_input::PinInput;
use crate::i18n::Lang;
use crate::state::NewPinCheck;

/// Properties of [`NewPin`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct NewPinProps {
    /// The language.
    pub lang: Lang,
    /// Prefix of the element ids, so two forms can coexist.
    pub prefix: AttrValue,
    /// The new PIN typed so far.
    pub pin: AttrValue,
    /// The confirmation typed so far.
    pub confirm: AttrValue,
    /// Focus the first field when it renders.
    #[prop_or_default]
    pub autofocus: bool,
    /// Called when the new PIN changes.
    pub on_pin: Callback<String>,
    /// Called when the confirmation changes.
    pub on_confirm: Callback<String>,
}

/// Two PIN fields and their live messages.
#[component]
pub fn NewPin(props: &NewPinProps) -> Html {
    let lang = props.lang;
    let t = lang.text();
    let check = NewPinCheck::of(&props.pin, &props.confirm);
    let (pin_message, pin_class, pin_invalid) = match check.rule {
        _ if props.pin.is_empty() => (t.pin_hint.to_owned(), "msg", false),
        Err(error) => (lang.pin_error(error), "msg err", true),
        Ok(()) => (t.pin_ok.to_owned(), "msg ok", false),
    };
    let mismatch = !props.confirm.is_empty() && !check.matches;
    let pin_id = format!("{}-pin", props.prefix);
    let confirm_id = format!("{}-confirm", props.prefix);
    let pin_msg_id = format!("{pin_id}-msg");
    let confirm_msg_id = format!("{confirm_id}-msg");
    html! {
        <>
            <PinInput id={pin_id} label={t.new_pin_label} value={&props.pin} autocomplete="new-password"
                invalid={pin_invalid} describedby={Some(AttrValue::from(pin_msg_id.clone()))}
                autofocus={props.autofocus} on_input={&props.on_pin} />
            <p id={pin_msg_id} class={pin_class} aria-live="polite">{ pin_message }</p>
            <PinInput id={confirm_id} label={t.confirm_pin_label} value={&props.confirm} autocomplete="new-password"
                invalid={mismatch} describedby={Some(AttrValue::from(confirm_msg_id.clone()))} on_input={&props.on_confirm} />
            <p id={confirm_msg_id} class="msg err" aria-live="polite">{ if mismatch { t.pin_mismatch } else { "" } }</p>
        </>
    }
}
