//! The card's name and reward text, at the top of every screen that knows them.

use yew::prelude::*;

use crate::i18n::Lang;

/// Properties of [`Header`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct HeaderProps {
    /// The language.
    pub lang: Lang,
    /// The card's name (`cardNm`).
    pub name: AttrValue,
    /// The reward text (`cardTtl`); empty hides the line.
    pub reward: AttrValue,
    /// The widget is the whole page: the name is the page's `h1`, else an `h2` under the
    /// shop's own headings.
    pub standalone: bool,
}

/// The card's name and reward text.
#[component]
pub fn Header(props: &HeaderProps) -> Html {
    let level = if props.standalone { "h1" } else { "h2" };
    html! {
        <header class="head">
            <@{level} class="name">{ &props.name }</@>
            if !props.reward.is_empty() {
                <p class="reward">
                    <span class="reward-label">{ props.lang.text().reward }</span>
                    { " " }{ &props.reward }
                </p>
            }
        </header>
    }
}
