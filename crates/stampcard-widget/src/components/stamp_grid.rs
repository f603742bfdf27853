//! The grid of stamp slots, which is also the progress bar.

use yew::prelude::*;

use crate::i18n::Lang;

/// Properties of [`StampGrid`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct StampGridProps {
    /// The language.
    pub lang: Lang,
    /// Stamps collected.
    pub stamps: u32,
    /// Stamps needed: one slot each.
    pub max_stamps: u32,
    /// The card's stamp image for filled slots; empty draws a check mark.
    #[prop_or_default]
    pub img_url: AttrValue,
}

/// How many slots per row: small cards in one row, multiples of 4 up to 12 in rows of 4,
/// everything else in rows of 5.
pub fn columns(max_stamps: u32) -> u32 {
    match max_stamps {
        0..=5 => max_stamps.max(1),
        6 | 8 | 12 => max_stamps.div_ceil(max_stamps.div_ceil(4)),
        _ => 5,
    }
}

/// `maxStamps` round slots, the first `stamps` filled; `role="progressbar"` with
/// `aria-valuenow = stamps` and `aria-valuemax = maxStamps`.
#[component]
pub fn StampGrid(props: &StampGridProps) -> Html {
    let lang = props.lang;
    let slots = (0..props.max_stamps).map(|i| {
        let on = i < props.stamps;
        html! {
            <span class={classes!("slot", on.then_some("on"))}>
                if on && !props.img_url.is_empty() {
                    <img src={&props.img_url} alt="" />
                } else if !on {
                    { i + 1 }
                }
            </span>
        }
    });
    html! {
        <div class="grid" role="progressbar" aria-label={lang.text().progress_label}
            aria-valuemin="0" aria-valuemax={props.max_stamps.to_string()}
            aria-valuenow={props.stamps.to_string()}
            aria-valuetext={lang.stamps_of(props.stamps, props.max_stamps)}
            style={format!("--cols:{}", columns(props.max_stamps))}>
            { for slots }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::columns;

    #[test]
    fn rows_look_even() {
        for (max, cols) in [(1, 1), (3, 3), (5, 5), (6, 3), (8, 4), (9, 5), (10, 5), (12, 4), (20, 5)] {
            assert_eq!(columns(max), cols, "{max}");
        }
    }
}
