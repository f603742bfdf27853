//! A confirmation dialog (`role="dialog"`, modal): the question, Confirm and Cancel. It takes
//! the focus when it opens (on Cancel, the safe choice), keeps Tab inside, Escape cancels, and
//! the focus goes back where it was when it closes.

use yew::prelude::*;

use crate::components::use_ctx;
use crate::i18n::text;

/// Properties of [`Confirm`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct ConfirmProps {
    /// The question (states what will change).
    pub question: AttrValue,
    /// The confirm button's name (the action, e.g. "Delete").
    pub confirm: AttrValue,
    /// The action is in flight.
    #[prop_or_default]
    pub busy: bool,
    /// Confirmed.
    pub on_confirm: Callback<()>,
    /// Cancelled.
    pub on_cancel: Callback<()>,
}

/// The dialog.
#[component]
pub fn Confirm(props: &ConfirmProps) -> Html {
    let t = text(use_ctx().lang);
    let cancel_ref = use_node_ref();
    let confirm_ref = use_node_ref();
    // Focus moves into the dialog when it opens and back to where it was (the button that
    // asked) when it closes, so a keyboard user is not dropped at the top of the page.
    {
        let cancel_ref = cancel_ref.clone();
        use_effect_with((), move |_| {
            let before = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
            if let Some(button) = cancel_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
            move || {
                if let Some(before) = before.filter(|element| element.is_connected()) {
                    let _ = before.focus();
                }
            }
        });
    }
    let onkeydown = {
        let (on_cancel, cancel_ref, confirm_ref) = (props.on_cancel.clone(), cancel_ref.clone(), confirm_ref.clone());
        Callback::from(move |event: KeyboardEvent| match event.key().as_str() {
            "Escape" => on_cancel.emit(()),
            // Two buttons: Tab and Shift+Tab move between them and never leave the dialog.
            "Tab" => {
                event.prevent_default();
                let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
                let on_cancel_button =
                    active.is_some_and(|a| cancel_ref.get().is_some_and(|c| AsRef::<web_sys::Node>::as_ref(&a) == &c));
                let next = if on_cancel_button { &confirm_ref } else { &cancel_ref };
                if let Some(button) = next.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
            _ => {}
        })
    };
    let on_confirm = props.on_confirm.reform(|_: MouseEvent| ());
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <div class="backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-question" {onkeydown}>
                <p id="confirm-question">{ &props.question }</p>
                <div class="buttons">
                    <button type="button" class="btn secondary" ref={cancel_ref} onclick={on_cancel}>{ t.cancel }</button>
                    <button type="button" class="btn danger" ref={confirm_ref} onclick={on_confirm}
                        disabled={props.busy} aria-busy={props.busy.then_some("true")}>{ &props.confirm }</button>
                </div>
            </div>
        </div>
    }
}
