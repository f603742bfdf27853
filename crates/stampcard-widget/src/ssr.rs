//! The stamp page's first screen, rendered on the server (feature `ssr`): the same [`App`]
//! the browser runs, given the intro the server already has, so a first visit sees the card's
//! name, its reward and the PIN prompt before the wasm arrives. The browser's app replaces
//! this markup when it starts (no hydration: a returning visitor's remembered session makes
//! its first screen differ from the server's).

use crate::api::IntroResult;
use crate::components::app::{App, AppProps};
use crate::i18n::Lang;

/// The app's markup for the stamp at `stamp_url` with the intro answer `intro`, as the browser
/// would show it to a visitor without a session: HTML for the inside of the element's shadow
/// root, style sheet included. Text and attributes are escaped by Yew.
pub fn render_page(stamp_url: &str, lang: Lang, intro: IntroResult) -> String {
    let props = AppProps { stamp_url: stamp_url.to_owned().into(), lang, standalone: true, intro: Some(intro) };
    // Nothing in the first screen suspends or waits, so the render completes on first poll.
    futures::executor::block_on(yew::LocalServerRenderer::<App>::with_props(props).hydratable(false).render())
}

/// "This page needs JavaScript", for the stamp page's `<noscript>`.
pub fn javascript_needed(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "This stamp card needs JavaScript: turn it on in your browser to enter your PIN and see your stamps."
        }
        Lang::Ko => "이 스탬프 카드는 자바스크립트가 필요해요. 브라우저에서 켜면 PIN을 입력하고 스탬프를 볼 수 있어요.",
    }
}

#[cfg(test)]
mod tests {
    use stampcard_core::model::StampState;
    use stampcard_core::types::Ymd;
    use stampcard_core::wire::{PageIntro, PinState};

    use super::*;
    use crate::api::CallError;

    const URL: &str = "https://stamps.example/stamp/abc";

    fn intro(name: &str) -> PageIntro {
        PageIntro {
            card_nm: name.into(),
            card_ttl: "Free coffee".into(),
            pin_state: PinState::Unset,
            pin_locked_secs: None,
            state: StampState::Collecting,
            strt_ymd: Ymd::parse("2026-01-01").expect("day"),
            end_ymd: Ymd::parse("2026-12-31").expect("day"),
        }
    }

    #[test]
    fn an_expired_card_says_so_without_a_pin_form() {
        let expired = PageIntro { state: StampState::Expired, ..intro("Cafe Blue") };
        let html = render_page(URL, Lang::En, Ok(expired));
        assert!(html.contains("Cafe Blue") && html.contains("2026-12-31"), "{html}");
        assert!(!html.contains("<input"), "no PIN is asked of a card that cannot be used: {html}");
    }

    #[test]
    fn renders_the_card_and_the_pin_form() {
        let html = render_page(URL, Lang::En, Ok(intro("Cafe Blue")));
        assert!(html.contains("Cafe Blue") && html.contains("Free coffee"), "{html}");
        assert!(html.contains("<input") && html.contains("<style>"), "{html}");
    }

    #[test]
    fn the_style_sheet_survives_escaping() {
        // Yew escapes `<`, `>` and `&` in text, and a `<style>` element's text is not
        // unescaped by the browser: a child combinator would arrive as `&gt;`.
        assert!(!crate::STYLE.contains(['<', '>', '&']), "write `a b` rather than `a>b` in style.css");
        let html = render_page(URL, Lang::En, Ok(intro("Cafe")));
        assert!(html.contains(crate::STYLE), "the style sheet is rendered as it is");
    }

    #[test]
    fn escapes_the_card_name() {
        let html = render_page(URL, Lang::En, Ok(intro("<script>alert(1)</script>")));
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn an_unknown_link_renders_its_screen() {
        let code = stampcard_core::ErrorCode::StampNotFound;
        let html = render_page(URL, Lang::En, Err(CallError::refused(code)));
        assert!(html.contains(Lang::En.text().gone_title), "{html}");
    }
}
