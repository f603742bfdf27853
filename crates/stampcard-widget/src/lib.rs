//! The customer stamp page as a `<stamp-card>` web component: a small Yew app compiled to
//! WebAssembly.
//!
//! `loader.js` (served as `/widget/stampcard.js`) defines the custom element: it attaches an
//! open shadow root and calls [`mount`] with the element's `stamp-url` (or the page's own URL
//! on the stamp page) and its language. Each element runs its own Yew app, so several can
//! share a page. Wire types and every rule come from `stampcard-core`; this crate only knows
//! the DOM. With the `ssr` feature, [`ssr::render_page`] renders the stamp page's first screen
//! on the server from the same components.

pub mod api;
pub mod components;
pub mod hooks;
pub mod i18n;
pub mod json;
pub mod link;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod state;
pub mod storage;

#[cfg(feature = "element")]
use wasm_bindgen::prelude::*;
#[cfg(feature = "element")]
use yew::AppHandle;

#[cfg(feature = "element")]
use crate::components::app::{App, AppProps};
#[cfg(feature = "element")]
use crate::i18n::Lang;

pub use crate::components::app::STYLE;

/// The `id` of the `<script type="application/json">` in which the server embeds the stamp
/// page's intro envelope, so the page does not wait for the wasm to ask for it.
pub const INTRO_ELEMENT_ID: &str = "stampcard-intro";

/// A mounted widget; JavaScript keeps it and calls [`MountedCard::unmount`] when the element
/// leaves the page.
#[cfg(feature = "element")]
#[wasm_bindgen]
pub struct MountedCard {
    handle: Option<AppHandle<App>>,
    host: web_sys::Element,
}

#[cfg(feature = "element")]
#[wasm_bindgen]
impl MountedCard {
    /// Stops the app and removes what it rendered.
    pub fn unmount(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.host.remove();
    }
}

/// Renders a stamp card into `root` (the element's shadow root).
///
/// `stamp_url` is the element's `stamp-url` attribute; when it is missing or empty the page's
/// own URL is used and the widget is the whole page (`/stamp/{token}`), so its heading is an
/// `h1` and the PIN field takes the focus. `lang` is a BCP 47 tag (the element's closest
/// `lang`, else the browser's language).
#[cfg(feature = "element")]
#[wasm_bindgen]
pub fn mount(root: &web_sys::Node, stamp_url: Option<String>, lang: &str) -> Result<MountedCard, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let document = window.document().ok_or_else(|| JsValue::from_str("no document"))?;
    let stamp_url = stamp_url.filter(|url| !url.trim().is_empty());
    let standalone = stamp_url.is_none();
    let stamp_url = match stamp_url {
        Some(url) => url,
        None => window.location().href()?,
    };
    let intro = if standalone { take_embedded_intro(&document) } else { None };
    let host = document.create_element("div")?;
    root.append_child(&host)?;
    let props = AppProps { stamp_url: stamp_url.into(), lang: Lang::from_tag(lang), standalone, intro };
    let handle = yew::Renderer::<App>::with_root_and_props(host.clone(), props).render();
    Ok(MountedCard { handle: Some(handle), host })
}

/// The intro the server embedded in the stamp page, taken once (removed from the page), so a
/// widget mounted again later asks the API for a fresh one.
#[cfg(feature = "element")]
fn take_embedded_intro(document: &web_sys::Document) -> Option<api::IntroResult> {
    let script = document.get_element_by_id(INTRO_ELEMENT_ID)?;
    let json = script.text_content()?;
    script.remove();
    Some(api::read_intro(&json))
}
