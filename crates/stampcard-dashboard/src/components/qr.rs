//! A QR code as an SVG image with an accessible name.

use yew::prelude::*;

use crate::qr::qr_path;

/// Properties of [`Qr`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct QrProps {
    /// What the code holds (the stamp page link).
    pub text: AttrValue,
    /// Its accessible name (contains "QR code").
    pub label: AttrValue,
}

/// The QR code.
#[component]
pub fn Qr(props: &QrProps) -> Html {
    let drawn = use_memo(props.text.clone(), |text| qr_path(text));
    match &*drawn {
        Some((size, d)) => html! {
            <svg class="qr" role="img" aria-label={&props.label} viewBox={format!("0 0 {size} {size}")}
                xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">
                <rect width={size.to_string()} height={size.to_string()} fill="#fff" />
                <path d={d.clone()} fill="#000" />
            </svg>
        },
        None => html! {},
    }
}
