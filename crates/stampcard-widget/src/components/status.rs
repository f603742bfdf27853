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

/// A status screen. When `standalone` the widget is the whole page and the title is its
/// `h1`. The error screens offer a retry button that calls `on_retry`. A plain function: it
/// has no hooks, so it needs no component of its own.
pub fn status(lang: Lang, kind: StatusKind, standalone: bool, on_retry: &Callback<()>) -> Html {
    let t = lang.text();
    let level = if standalone { "h1" } else { "h2" };
    let (title, body, retry) = match kind {
        StatusKind::Loading => (t.stamp_card, t.loading, false),
        StatusKind::Gone => (t.gone_title, t.gone_body, false),
        StatusKind::Offline => (t.network_title, t.network_body, true),
        StatusKind::Failed => (t.failed_title, t.failed_body, true),
    };
    let loading = kind == StatusKind::Loading;
    let onclick = on_retry.reform(|_: MouseEvent| ());
    html! {
        <div class={classes!("screen", "status", loading.then_some("loading"))}
            aria-busy={loading.then_some("true")}>
            <@{level} class="name">{ title }</@>
            <p class="intro">{ body }</p>
            if retry {
                <button class="btn primary" type="button" {onclick}>{ t.retry }</button>
            }
        </div>
    }
}
