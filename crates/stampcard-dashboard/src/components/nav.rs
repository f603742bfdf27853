//! The navigation: one link per section the user's role allows (staff do not see the
//! owner's pages; the API refuses them anyway).

use stampcard_core::dashboard::Role;
use yew::prelude::*;

use crate::components::use_ctx;
use crate::i18n::{nav_label, text};
use crate::state::route::{NAV, Route};

/// Properties of [`Nav`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct NavProps {
    /// The page on screen.
    pub current: Route,
    /// The signed-in user's role.
    pub role: Role,
}

/// The main navigation.
#[component]
pub fn Nav(props: &NavProps) -> Html {
    let lang = use_ctx().lang;
    let links = NAV.into_iter().filter(|route| route.allowed(props.role)).map(|route| {
        let current = props.current.section() == route;
        html! {
            <li><a href={route.href()} aria-current={current.then_some("page")}>{ nav_label(lang, route) }</a></li>
        }
    });
    html! {
        <nav class="nav no-print" aria-label={text(lang).nav}>
            <ul>{ for links }</ul>
        </nav>
    }
}
