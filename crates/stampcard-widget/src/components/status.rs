//! Screens without a card: loading, deleted or unknown link, network or server error.

use yew::prelude::*;

use crate::i18n::Lang;

/// Which status screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// Waiting for the first answer.
    Loading,
    /// Deleted or unknown link.
    Gone,
    /// No answer from the server.
    Offline,
    /// The server failed.
    Failed,
}

/// Properties of [`Status`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct StatusProps {
    /// The language.
    pub lang: Lang,
    /// Which screen.
    pub kind: StatusKind,
    /// The widget is the whole page (the title is the `h1`).
    #[prop_or_default]
    pub standalone: bool,
    /// Retry (offered on the error screens).
    #[prop_or_default]
    pub on_retry: Callback<()>,
}

/// A status screen.
#[component]
pub fn Status(props: &StatusProps) -> Html {
    let t = props.lang.text();
    let level = if props.standalone { "h1" } else { "h2" };
    let (title, body, retry) = match props.kind {
        StatusKind::Loading => (t.stamp_card, t.loading, false),
        StatusKind::Gone => (t.gone_title, t.gone_body, false),
        StatusKind::Offline => (t.network_title, t.network_body, true),
        StatusKind::Failed => (t.failed_title, t.failed_body, true),
    };
    let onclick = props.on_retry.reform(|_: MouseEvent| ());
    html! {
        <div class={classes!("screen", "status", (props.kind == StatusKind::Loading).then_some("loading"))}
            aria-busy={(props.kind == StatusKind::Loading).then_some("true")}>
            <@{level} class="name">{ title }</@>
            <p class="intro">{ body }</p>
            if retry {
                <button class="btn primary" type="button" {onclick}>{ t.retry }</button>
            }
        </div>
    }
}
