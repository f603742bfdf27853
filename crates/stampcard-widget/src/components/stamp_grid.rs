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

/// Cards with more slots than this get the dense grid (10 to a row, smaller numbers), so
/// 100 slots stay about as tall as a phone screen is wide instead of 20 rows of 5.
pub const DENSE_FROM: u32 = 21;

/// How many slots per row: small cards in one row, multiples of 4 up to 12 in rows of 4,
/// up to 20 in rows of 5, larger cards in rows of 8 (up to 40) or 10.
pub fn columns(max_stamps: u32) -> u32 {
    match max_stamps {
        0..=5 => max_stamps.max(1),
        6 | 8 | 12 => max_stamps.div_ceil(max_stamps.div_ceil(4)),
        6..DENSE_FROM => 5,
        DENSE_FROM..=40 => 8,
        _ => 10,
    }
}

/// `maxStamps` round slots, the first `stamps` filled; `role="progressbar"` with
/// `aria-valuenow = stamps` and `aria-valuemax = maxStamps`.
///
/// A stamp image that fails to load (a dead link, or one the page's CSP refuses) is replaced
/// by the built-in check mark, never left as a broken image.
#[component]
pub fn StampGrid(props: &StampGridProps) -> Html {
    let lang = props.lang;
    // The image URL that failed to load, if any: while it is the card's, filled slots draw
    // the check mark. Remembering the URL (not a flag) retries when the card's image changes.
    let failed = use_state_eq(|| None::<AttrValue>);
    let image = (!props.img_url.is_empty() && failed.as_ref() != Some(&props.img_url)).then(|| props.img_url.clone());
    let onerror = {
        let (failed, url) = (failed.setter(), props.img_url.clone());
        Callback::from(move |_: Event| failed.set(Some(url.clone())))
    };
    let slots = (0..props.max_stamps).map(|i| {
        let on = i < props.stamps;
        html! {
            <span class={classes!("slot", on.then_some("on"))}>
                if let (true, Some(src)) = (on, &image) {
                    <img {src} alt="" onerror={onerror.clone()} />
                } else if !on {
                    { i + 1 }
                }
            </span>
        }
    });
    html! {
        <div class={classes!("grid", (props.max_stamps >= DENSE_FROM).then_some("dense"))} role="progressbar"
            aria-label={lang.text().progress_label}
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

    #[test]
    fn large_cards_stay_short() {
        for (max, cols) in [(21, 8), (40, 8), (41, 10), (100, 10)] {
            assert_eq!(columns(max), cols, "{max}");
        }
        // At most 10 rows, however many slots.
        for max in 1..=100u32 {
            assert!(max.div_ceil(columns(max)) <= 10, "{max}");
        }
    }
}
