//! The new PIN and its confirmation, with the core's PIN rules checked as the customer types.

use yew::prelude::*;

use crate::components::pin_input::PinInput;
use crate::i18n::Lang;
use crate::state::NewPinCheck;

/// What [`new_pin`] draws.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPinFields<'a> {
    /// The language.
    pub lang: Lang,
    /// Prefix of the element ids, so two forms can coexist.
    pub prefix: &'a str,
    /// The new PIN typed so far.
    pub pin: &'a str,
    /// The confirmation typed so far.
    pub confirm: &'a str,
    /// Focus the first field when it renders.
    pub autofocus: bool,
    /// Called when the new PIN changes.
    pub on_pin: Callback<String>,
    /// Called when the confirmation changes.
    pub on_confirm: Callback<String>,
}

/// Two PIN fields and their live messages. A plain function: it has no hooks (the form that
/// holds the values has them), so it needs no component of its own.
pub fn new_pin(fields: NewPinFields<'_>) -> Html {
    let NewPinFields { lang, prefix, pin, confirm, autofocus, on_pin, on_confirm } = fields;
    let t = lang.text();
    let check = NewPinCheck::of(pin, confirm);
    let (pin_message, pin_class, pin_invalid) = match check.rule {
        _ if pin.is_empty() => (t.pin_hint.to_owned(), "msg", false),
        Err(error) => (lang.pin_error(error), "msg err", true),
        Ok(()) => (t.pin_ok.to_owned(), "msg ok", false),
    };
    let mismatch = !confirm.is_empty() && !check.matches;
    let pin_id = format!("{prefix}-pin");
    let confirm_id = format!("{prefix}-confirm");
    let pin_msg_id = format!("{pin_id}-msg");
    let confirm_msg_id = format!("{confirm_id}-msg");
    html! {
        <>
            <PinInput id={pin_id} label={t.new_pin_label} value={pin.to_owned()} autocomplete="new-password"
                invalid={pin_invalid} describedby={Some(AttrValue::from(pin_msg_id.clone()))}
                {autofocus} on_input={on_pin} />
            <p id={pin_msg_id} class={pin_class} aria-live="polite">{ pin_message }</p>
            <PinInput id={confirm_id} label={t.confirm_pin_label} value={confirm.to_owned()} autocomplete="new-password"
                invalid={mismatch} describedby={Some(AttrValue::from(confirm_msg_id.clone()))} on_input={on_confirm} />
            <p id={confirm_msg_id} class="msg err" aria-live="polite">{ if mismatch { t.pin_mismatch } else { "" } }</p>
        </>
    }
}
