//! The card's name and reward text, at the top of every screen that knows them.

use yew::prelude::*;

use crate::i18n::Lang;

/// The card's name and reward text (an empty `reward` hides its line). When `standalone`
/// the widget is the whole page and the name is its `h1`, else an `h2` under the shop's own
/// headings. A plain function: it has no hooks, so it needs no component of its own.
pub fn header(lang: Lang, name: &str, reward: &str, standalone: bool) -> Html {
    let level = if standalone { "h1" } else { "h2" };
    html! {
        <header class="head">
            <@{level} class="name">{ name }</@>
            if !reward.is_empty() {
                <p class="reward">
                    <span class="reward-label">{ lang.text().reward }</span>
                    { " " }{ reward }
                </p>
            }
        </header>
    }
}
