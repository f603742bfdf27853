//! The live preview: the customer widget's own `Card` component, fed with the form's values,
//! rendered in a shadow root with the widget's style sheet (as on the customer's page, and so
//! neither style sheet reaches the other). It is a picture: `inert`, out of the tab order.

use std::rc::Rc;

use stampcard_core::wire::PageView;
use stampcard_widget::STYLE;
use stampcard_widget::components::card::Card;
use yew::prelude::*;

use crate::components::use_ctx;

/// Properties of [`Preview`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct PreviewProps {
    /// What the customer would see.
    pub view: Rc<PageView>,
}

/// The customer's card, as the widget draws it.
#[component]
pub fn Preview(props: &PreviewProps) -> Html {
    let lang = use_ctx().lang;
    let host_ref = use_node_ref();
    let inner = use_state(|| None::<web_sys::Element>);
    {
        let (host_ref, inner) = (host_ref.clone(), inner.clone());
        use_effect_with((), move |_| {
            let shadow = host_ref.cast::<web_sys::Element>().and_then(|host| {
                host.shadow_root()
                    .or_else(|| host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).ok())
            });
            let root = shadow.and_then(|shadow| {
                let div = web_sys::window()?.document()?.create_element("div").ok()?;
                shadow.append_child(&div).ok()?;
                Some(div)
            });
            inner.set(root);
        });
    }
    let noop = Callback::noop();
    let card = html! {
        <div class="sc" lang={lang.tag()}>
            <style>{ STYLE }</style>
            <div class="card">
                <Card {lang} view={props.view.clone()} on_add={noop.clone()} on_redeem={noop.clone()}
                    on_change_pin={Callback::noop()} />
            </div>
        </div>
    };
    html! {
        <div class="preview-host" ref={host_ref} inert=true data-testid="card-preview">
            if let Some(root) = (*inner).clone() {
                { create_portal(card, root) }
            }
        </div>
    }
}
