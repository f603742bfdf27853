//! A card that cannot be used (expired, not started yet, paused by the shop), shown before
//! any PIN: the intro already says so, and a PIN would not make the card usable.

use stampcard_core::model::StampState;
use yew::prelude::*;

use crate::components::card::state_name;
use crate::components::header::header;
use crate::i18n::Lang;
use crate::state::Closed;

/// The closed screen: the card's name and reward, why it cannot be used, and what to do.
/// A plain function (no hooks, so no component of its own in the wasm).
pub fn closed(lang: Lang, closed: Closed, title: Option<&(String, String)>, standalone: bool) -> Html {
    let t = lang.text();
    let (kind, banner, hint) = match closed.state {
        StampState::NotStarted => ("info", lang.starts_on(closed.strt_ymd), t.not_started_hint),
        StampState::Inactive => ("warn", t.inactive.to_owned(), t.inactive_hint),
        _ => ("warn", lang.expired_on(closed.end_ymd), t.expired_hint),
    };
    let (name, reward) = match title {
        Some((name, reward)) => (name.as_str(), reward.as_str()),
        None => (t.stamp_card, ""),
    };
    html! {
        <div class="screen closed" data-state={state_name(closed.state)}>
            { header(lang, name, reward, standalone) }
            <p class={classes!("alert", kind)}>{ banner }</p>
            <p class="intro">{ hint }</p>
        </div>
    }
}
