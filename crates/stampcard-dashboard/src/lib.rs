//! The shop's back office at `/`: a Yew app compiled to WebAssembly, on the back-office API.
//!
//! `www/dashboard/dashboard.js` loads it and calls [`mount`] with the page's `<main>` and the
//! browser's language. Rules, card checks, wire types and the error table come from
//! `stampcard-core`; the card preview is the customer widget's own `Card` component. Pure state
//! lives in [`state`] (tested natively), all HTTP in [`api`], the DOM in [`components`].

pub mod api;
pub mod components;
pub mod i18n;
pub mod qr;
pub mod state;

use wasm_bindgen::prelude::*;

use crate::components::app::{App, AppProps};
use crate::i18n::Lang;

/// Renders the dashboard into `root`; `lang` is a BCP 47 tag (the browser's language).
#[wasm_bindgen]
pub fn mount(root: web_sys::Element, lang: &str) {
    yew::Renderer::<App>::with_root_and_props(root, AppProps { lang: Lang::from_tag(lang) }).render();
}
