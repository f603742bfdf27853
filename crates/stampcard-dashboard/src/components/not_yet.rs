//! The pages of issue 11 this build does not have yet (staff members, API keys, import,
//! export, figures): a heading and a plain statement, never a fake screen.

use yew::prelude::*;

use crate::components::use_ctx;
use crate::i18n::{nav_label, text};
use crate::state::route::Route;

/// Properties of [`NotYet`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct NotYetProps {
    /// The page asked for.
    pub route: Route,
}

/// A page that is not built yet.
#[component]
pub fn NotYet(props: &NotYetProps) -> Html {
    let lang = use_ctx().lang;
    html! {
        <section class="page">
            <h1>{ nav_label(lang, props.route) }</h1>
            <p class="empty">{ text(lang).not_yet }</p>
        </section>
    }
}
