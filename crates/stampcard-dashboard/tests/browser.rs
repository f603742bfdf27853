//! Browser tests (wasm-bindgen-test in headless Chromium): the sign-in form's labels, the
//! navigation by role, the confirmation dialog, the QR code's accessible SVG, the card
//! editor's live verdicts, the widget's card as the preview in a shadow root, a figure's
//! chart with its table, and the webhook form's live verdicts.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use chrono::NaiveDate;
use stampcard_core::dashboard::Role;
use stampcard_core::find::{StatsCounts, StatsDay, StatsResult};
use stampcard_core::types::Ymd;
use stampcard_dashboard::api::Api;
use stampcard_dashboard::components::Ctx;
use stampcard_dashboard::components::card_editor::{CardEditor, CardEditorProps};
use stampcard_dashboard::components::confirm::{Confirm, ConfirmProps};
use stampcard_dashboard::components::figures::Chart;
use stampcard_dashboard::components::nav::Nav;
use stampcard_dashboard::components::qr::{Qr, QrProps};
use stampcard_dashboard::components::sign_in::{SignIn, SignInProps};
use stampcard_dashboard::components::webhooks::WebhooksPage;
use stampcard_dashboard::i18n::Lang;
use stampcard_dashboard::state::figures::{CHART_HEIGHT, Figure};
use stampcard_dashboard::state::route::Route;
use stampcard_dashboard::state::session::SignedOutWhy;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::prelude::*;
use yew::{AppHandle, BaseComponent};

wasm_bindgen_test_configure!(run_in_browser);

// ---- helpers ---------------------------------------------------------------------------

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// A rendered component and the element it lives in; removed on drop.
struct Rendered<C: BaseComponent> {
    root: Element,
    handle: Option<AppHandle<C>>,
}

impl<C: BaseComponent> Drop for Rendered<C> {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}

impl<C: BaseComponent> Rendered<C> {
    fn find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).expect("valid selector")
    }

    fn get(&self, selector: &str) -> Element {
        self.find(selector).unwrap_or_else(|| panic!("no {selector} in {}", self.root.inner_html()))
    }

    fn texts(&self, selector: &str) -> Vec<String> {
        let nodes = self.root.query_selector_all(selector).expect("valid selector");
        (0..nodes.length()).filter_map(|i| nodes.get(i)).map(|n| n.text_content().unwrap_or_default()).collect()
    }

    fn label_of(&self, id: &str) -> String {
        self.get(&format!("label[for={id}]")).text_content().unwrap_or_default()
    }

    fn button(&self, name: &str) -> HtmlElement {
        let buttons = self.root.query_selector_all("button").expect("valid selector");
        (0..buttons.length())
            .filter_map(|i| buttons.get(i))
            .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
            .find(|button| button.text_content().unwrap_or_default().trim() == name)
            .unwrap_or_else(|| panic!("no button {name} in {}", self.root.inner_html()))
    }
}

async fn render<C: BaseComponent>(props: C::Properties) -> Rendered<C> {
    let root = document().create_element("div").expect("div");
    document().body().expect("body").append_child(&root).expect("append");
    let handle = yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    Rendered { root, handle: Some(handle) }
}

/// Types `value` into the input like a user: sets it and fires a bubbling `input` event.
async fn type_into(input: &Element, value: &str) {
    let input: &HtmlInputElement = input.dyn_ref().expect("an input");
    input.set_value(value);
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    let event = web_sys::InputEvent::new_with_event_init_dict("input", &init).expect("event");
    input.dispatch_event(&event).expect("dispatch");
    yew::scheduler::flush().await;
}

fn recorder() -> (Rc<RefCell<u32>>, Callback<()>) {
    let seen = Rc::new(RefCell::new(0));
    let callback = {
        let seen = seen.clone();
        Callback::from(move |()| *seen.borrow_mut() += 1)
    };
    (seen, callback)
}

/// A page inside the context the app provides.
#[derive(Debug, Clone, PartialEq, Properties)]
struct InCtxProps {
    role: Role,
    lang: Lang,
    children: Html,
}

#[component]
fn InCtx(props: &InCtxProps) -> Html {
    let ctx = Ctx {
        api: Api::new(),
        lang: props.lang,
        role: props.role,
        today: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        on_expired: Callback::noop(),
    };
    html! { <ContextProvider<Ctx> context={ctx}>{ props.children.clone() }</ContextProvider<Ctx>> }
}

fn in_ctx(role: Role, lang: Lang, children: Html) -> InCtxProps {
    InCtxProps { role, lang, children }
}

// ---- request and answer bodies ---------------------------------------------------------

#[wasm_bindgen_test]
fn a_card_is_sent_with_the_wire_names_and_without_empty_fields() {
    use stampcard_dashboard::api::json_body;
    use stampcard_dashboard::state::card_form::CardForm;
    let form = CardForm {
        card_nm: "Coffee".into(),
        max_stamps: "8".into(),
        cooldown_secs: "60".into(),
        auto_renew: true,
        ..CardForm::new_card()
    };
    let json = json_body(&form.create_body().expect("valid")).expect("json");
    assert_eq!(json, r#"{"cardNm":"Coffee","maxStamps":8,"cooldownSecs":60,"maxAddsPerDay":0,"autoRenewYn":"Y"}"#);
}

#[wasm_bindgen_test]
fn answers_are_read_from_their_envelope() {
    use stampcard_dashboard::api::{CallError, read_done, read_envelope};
    // A change whose result the dashboard does not need may carry the changed object, or null.
    assert_eq!(read_done(200, r#"{"code":0,"message":"","result":{"cardIdx":1}}"#), Ok(()));
    assert_eq!(read_done(200, r#"{"code":0,"message":"","result":null}"#), Ok(()));
    assert_eq!(read_envelope::<i64>(200, r#"{"code":0,"message":"","result":7}"#), Ok(Some(7)));
    let refused = read_envelope::<i64>(401, r#"{"code":2050,"message":"wrong","result":null}"#);
    assert_eq!(refused, Err(CallError::Refused { status: 401, code: 2050, message: "wrong".into() }));
    assert!(refused.expect_err("refused").session_ended());
    let html = read_envelope::<i64>(502, "<html>bad gateway</html>").expect_err("not an envelope");
    assert!(matches!(html, CallError::Refused { status: 502, code: 9001, .. }), "{html:?}");
}

// ---- sign-in ---------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn sign_in_has_email_and_password_in_both_languages() {
    for (lang, email, password, button) in
        [(Lang::En, "Email", "Password", "Sign in"), (Lang::Ko, "이메일", "비밀번호", "로그인")]
    {
        let page =
            render::<SignIn>(SignInProps { lang, api: Api::new(), why: None, on_signed_in: Callback::noop() }).await;
        assert_eq!(page.label_of("email"), email);
        assert_eq!(page.label_of("password"), password);
        assert_eq!(page.get("#password").get_attribute("type").as_deref(), Some("password"));
        // Nothing to send until both are filled in.
        assert!(page.button(button).has_attribute("disabled"));
        type_into(&page.get("#email"), "owner@shop.example").await;
        assert!(page.button(button).has_attribute("disabled"));
        type_into(&page.get("#password"), "correct horse").await;
        assert!(!page.button(button).has_attribute("disabled"));
    }
}

#[wasm_bindgen_test]
async fn sign_in_says_why_it_is_showing() {
    let page = render::<SignIn>(SignInProps {
        lang: Lang::En,
        api: Api::new(),
        why: Some(SignedOutWhy::Expired),
        on_signed_in: Callback::noop(),
    })
    .await;
    assert!(page.get(".alert").text_content().unwrap_or_default().contains("session ended"));
}

// ---- navigation ------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn navigation_shows_owners_everything_and_staff_only_their_pages() {
    let nav = |role| in_ctx(role, Lang::En, html! { <Nav current={Route::Stamp(3)} {role} /> });
    let owner = render::<InCtx>(nav(Role::Owner)).await;
    assert_eq!(
        owner.texts("nav a"),
        ["Cards", "Stamps", "Staff", "API keys", "Import", "Export", "Figures", "Webhooks"]
    );
    assert_eq!(owner.get("a[aria-current=page]").text_content().as_deref(), Some("Stamps"));
    assert_eq!(owner.get("nav").get_attribute("aria-label").as_deref(), Some("Main"));
    drop(owner);
    let staff = render::<InCtx>(nav(Role::Staff)).await;
    assert_eq!(staff.texts("nav a"), ["Cards", "Stamps"]);
}

// ---- confirmation dialog ---------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_dialog_states_the_change_takes_the_focus_and_escape_cancels() {
    let (confirmed, on_confirm) = recorder();
    let (cancelled, on_cancel) = recorder();
    let props = ConfirmProps {
        question: "Delete 2 stamps?".into(),
        confirm: "Delete".into(),
        busy: false,
        on_confirm,
        on_cancel,
    };
    // The button that asked has the focus before the dialog opens.
    let asker = document().create_element("button").expect("button");
    asker.set_text_content(Some("Ask"));
    document().body().expect("body").append_child(&asker).expect("append");
    asker.dyn_ref::<HtmlElement>().expect("html").focus().expect("focus");
    let mut page = render::<InCtx>(in_ctx(Role::Owner, Lang::En, html! { <Confirm ..props /> })).await;
    let dialog = page.get("[role=dialog]");
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let question =
        document().get_element_by_id(&dialog.get_attribute("aria-labelledby").expect("labelled")).expect("q");
    assert_eq!(question.text_content().as_deref(), Some("Delete 2 stamps?"));
    let active = document().active_element().expect("focus");
    assert_eq!(active.text_content().as_deref(), Some("Cancel"), "the safe choice has the focus");

    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let escape = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    active.dispatch_event(&escape).expect("dispatch");
    yew::scheduler::flush().await;
    assert_eq!((*confirmed.borrow(), *cancelled.borrow()), (0, 1));
    page.button("Delete").click();
    yew::scheduler::flush().await;
    assert_eq!(*confirmed.borrow(), 1);
    // Closing gives the focus back to the button that asked.
    if let Some(handle) = page.handle.take() {
        handle.destroy();
    }
    yew::scheduler::flush().await;
    assert_eq!(document().active_element().and_then(|a| a.text_content()).as_deref(), Some("Ask"));
    asker.remove();
}

// ---- figures ---------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_chart_is_a_picture_beside_a_table_with_the_same_numbers() {
    let day = |ymd: &str, adds| StatsDay {
        ymd: Ymd::parse(ymd).expect("day"),
        counts: StatsCounts { adds, ..StatsCounts::default() },
    };
    let stats = StatsResult {
        days: vec![day("2026-03-01", 2), day("2026-03-02", 0), day("2026-03-03", 4)],
        totals: StatsCounts { adds: 6, ..StatsCounts::default() },
    };
    let chart = html! { <Chart {stats} figure={Figure::Adds} /> };
    let page = render::<InCtx>(in_ctx(Role::Owner, Lang::En, chart)).await;
    assert_eq!(page.get("h2").text_content().as_deref(), Some("Stamps added · 6"));
    // The picture is hidden from screen readers; the table says the same.
    assert_eq!(page.get("figure").get_attribute("aria-hidden").as_deref(), Some("true"));
    let heights: Vec<String> = {
        let bars = page.root.query_selector_all("svg rect.bar").expect("selector");
        (0..bars.length())
            .filter_map(|i| bars.get(i))
            .filter_map(|n| n.dyn_into::<Element>().ok())
            .map(|bar| bar.get_attribute("height").unwrap_or_default())
            .collect()
    };
    assert_eq!(heights, [(CHART_HEIGHT / 2).to_string(), "0".to_owned(), CHART_HEIGHT.to_string()]);
    assert_eq!(page.texts("tbody th"), ["2026-03-01", "2026-03-02", "2026-03-03"]);
    assert_eq!(page.texts("tbody td"), ["2", "0", "4"]);
    assert_eq!(page.texts("tfoot td"), ["6"]);
    // The table scrolls on its own: it takes the focus so a keyboard can scroll it.
    let region = page.get("[role=region]");
    assert_eq!(region.get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(region.get_attribute("aria-label").as_deref(), Some("Stamps added"));
}

// ---- QR code ---------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_qr_code_is_an_svg_image_named_qr_code() {
    let props = QrProps { text: "http://127.0.0.1:8080/stamp/AbCd".into(), label: "QR code of stamp 3".into() };
    let page = render::<Qr>(props).await;
    let svg = page.get("svg");
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    assert!(svg.get_attribute("aria-label").unwrap_or_default().contains("QR code"));
    let d = page.get("svg path").get_attribute("d").unwrap_or_default();
    assert!(d.matches('M').count() > 100, "{d}");
}

// ---- card editor -----------------------------------------------------------------------

/// The preview's shadow root, once rendered.
fn preview_root(page: &Rendered<InCtx>) -> web_sys::ShadowRoot {
    page.get("[data-testid=card-preview]").shadow_root().expect("a shadow root")
}

#[wasm_bindgen_test]
async fn the_card_editor_checks_each_field_with_the_core_as_the_owner_types() {
    let editor = html! { <CardEditor ..CardEditorProps { card_idx: None } /> };
    let page = render::<InCtx>(in_ctx(Role::Owner, Lang::En, editor)).await;
    yew::scheduler::flush().await;
    assert_eq!(page.label_of("card-nm"), "Card name");
    // Untouched fields show no verdict yet.
    assert!(page.find("#card-nm-error").is_none());

    type_into(&page.get("#max-stamps"), "101").await;
    assert_eq!(page.get("#max-stamps-error").text_content().as_deref(), Some("maxStamps must be between 1 and 100"));
    assert_eq!(page.get("#max-stamps").get_attribute("aria-invalid").as_deref(), Some("true"));
    type_into(&page.get("#max-stamps"), "8").await;
    assert!(page.find("#max-stamps-error").is_none());

    type_into(&page.get("#button-url"), "ftp://shop").await;
    assert!(page.get("#button-url-error").text_content().unwrap_or_default().contains("http"));

    // The preview is the widget's own card, in its own shadow root, following the form.
    type_into(&page.get("#card-nm"), "Bean There").await;
    yew::scheduler::flush().await;
    let shadow = preview_root(&page);
    let name = shadow.query_selector(".name").expect("selector").expect("the widget's header");
    assert_eq!(name.text_content().as_deref(), Some("Bean There"));
    let grid = shadow.query_selector("[role=progressbar]").expect("selector").expect("the widget's grid");
    assert_eq!(grid.get_attribute("aria-valuemax").as_deref(), Some("8"));
    assert!(shadow.query_selector("style").expect("selector").is_some(), "the widget's style sheet");
    // The dashboard's page has no widget classes outside the shadow root.
    assert!(page.find(".grid").is_none());
}

// ---- webhooks ----------------------------------------------------------------------------

/// Clicks a checkbox like a user (fires `change`).
async fn click(element: &Element) {
    element.dyn_ref::<HtmlElement>().expect("html").click();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn the_webhook_form_checks_the_url_and_events_with_the_core_as_the_owner_types() {
    let page = render::<InCtx>(in_ctx(Role::Owner, Lang::En, html! { <WebhooksPage /> })).await;
    assert_eq!(page.get("h1").text_content().as_deref(), Some("Webhooks"));
    assert_eq!(page.label_of("hook-url"), "URL");
    // Untouched: no verdict yet; every event type by default, so no event boxes either.
    assert!(page.find("#hook-url-error").is_none());
    assert!(page.find("#hook-event-stamp-added").is_none());

    type_into(&page.get("#hook-url"), "ftp://shop.example/hooks").await;
    assert_eq!(page.get("#hook-url-error").text_content().as_deref(), Some("url must be an absolute https URL"));
    assert_eq!(page.get("#hook-url").get_attribute("aria-invalid").as_deref(), Some("true"));
    let described = page.get("#hook-url").get_attribute("aria-describedby").unwrap_or_default();
    assert!(described.contains("hook-url-error"), "{described}");
    type_into(&page.get("#hook-url"), "https://shop.example/hooks").await;
    assert!(page.find("#hook-url-error").is_none());

    // Not every event: one box per type, and none ticked is refused with the core's words.
    click(&page.get("#hook-all-events")).await;
    assert_eq!(page.label_of("hook-event-stamp-redeemed"), "stamp.redeemed");
    assert!(page.get("fieldset .field-error").text_content().unwrap_or_default().contains("at least one event type"));
    click(&page.get("#hook-event-stamp-redeemed")).await;
    assert!(page.find("fieldset .field-error").is_none());
    // The signing format: vivoldi unless standard is chosen.
    let vivoldi = page.get("#hook-format-vivoldi");
    assert!(vivoldi.dyn_ref::<HtmlInputElement>().expect("radio").checked());
}
