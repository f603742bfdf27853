//! The shop's back office at `/`: a Yew app compiled to WebAssembly, on the back-office API.
//!
//! `www/dashboard/dashboard.js` loads it and calls [`mount`] with the page's `<main>` and the
//! browser's language. Rules, card checks, wire types and the error table come from
//! `stampcard-core`; the card preview is the customer widget's own `Card` component. Pure state
//! lives in [`state`] (tested natively), all HTTP in [`api`], the DOM in [`components`].

pub mod api;
pub mod i18n;
pub mod state;
pub mod wire;
