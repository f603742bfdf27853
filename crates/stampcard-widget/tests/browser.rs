//! Browser tests (wasm-bindgen-test in headless Chromium): every screen renders for its
//! state, the PIN forms enforce the core's rules as the customer types, the progress bar
//! carries the core's progress math, and the widget works inside a shadow root.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use stampcard_core::ErrorCode;
use stampcard_core::model::StampState;
use stampcard_core::types::{YesNo, Ymd};
use stampcard_core::wire::PageView;
use stampcard_widget::components::card::{Card, CardProps};
use stampcard_widget::components::enter_pin::{EnterPin, EnterPinProps};
use stampcard_widget::components::set_pin::{SetPin, SetPinProps};
use stampcard_widget::components::status::{StatusKind, status};
use stampcard_widget::i18n::Lang;
use stampcard_widget::state::Problem;
use stampcard_widget::{MountedCard, mount};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::{AppHandle, BaseComponent, Callback};

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

    fn all(&self, selector: &str) -> u32 {
        self.root.query_selector_all(selector).expect("valid selector").length()
    }

    fn text(&self) -> String {
        self.root.text_content().unwrap_or_default()
    }

    /// The text of the `<label>` of the input `#id`.
    fn label_of(&self, id: &str) -> String {
        self.get(&format!("label[for={id}]")).text_content().unwrap_or_default()
    }

    fn button(&self, name: &str) -> Option<HtmlElement> {
        let buttons = self.root.query_selector_all("button").expect("valid selector");
        (0..buttons.length())
            .filter_map(|i| buttons.get(i))
            .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
            .find(|button| button.text_content().unwrap_or_default().trim() == name)
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

fn is_disabled(element: &Element) -> bool {
    element.has_attribute("disabled")
}

fn recorder<T: 'static>() -> (Rc<RefCell<Vec<T>>>, Callback<T>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let callback = {
        let seen = seen.clone();
        Callback::from(move |value: T| seen.borrow_mut().push(value))
    };
    (seen, callback)
}

fn ymd(text: &str) -> Ymd {
    Ymd::parse(text).expect("date")
}

fn view(stamps: u32, state: StampState) -> PageView {
    PageView {
        card_nm: "Bean There".into(),
        card_ttl: "Free coffee".into(),
        stamp_img_url: String::new(),
        url: "https://shop.example/".into(),
        stamps,
        max_stamps: 10,
        strt_ymd: ymd("2025-01-01"),
        end_ymd: ymd("2025-12-31"),
        active_yn: YesNo::Y,
        redeemed_ymd: None,
        onsite_yn: YesNo::Y,
        today: ymd("2025-06-01"),
        state,
        onsite_locked_secs: None,
        previous_redeemed_ymd: None,
    }
}

fn card_props(lang: Lang, view: PageView) -> CardProps {
    CardProps {
        lang,
        view: Rc::new(view),
        standalone: false,
        busy: false,
        lock_serial: 0,
        staff_problem: None,
        change_pin_problem: None,
        pin_changed: false,
        on_add: Callback::noop(),
        on_redeem: Callback::noop(),
        on_change_pin: Callback::noop(),
    }
}

fn progress_attrs(rendered: &Rendered<Card>) -> (String, String) {
    let bar = rendered.get("[role=progressbar]");
    (bar.get_attribute("aria-valuenow").unwrap_or_default(), bar.get_attribute("aria-valuemax").unwrap_or_default())
}

// ---- set PIN ---------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn set_pin_checks_the_core_rules_as_you_type() {
    let (submitted, on_submit) = recorder::<String>();
    let screen = render::<SetPin>(SetPinProps {
        lang: Lang::En,
        reset: false,
        busy: false,
        problem: None,
        autofocus: false,
        on_submit,
    })
    .await;
    assert!(screen.text().contains("Choose a PIN"));
    assert!(screen.text().contains("If you forget it, ask the shop to reset it."), "{}", screen.text());
    assert!(screen.label_of("set-pin").contains("PIN"));
    assert!(screen.label_of("set-confirm").contains("PIN"));
    let save = screen.button("Save PIN").expect("a Save PIN button");
    assert!(is_disabled(&save), "nothing typed yet");

    let pin = screen.get("#set-pin");
    let confirm = screen.get("#set-confirm");
    for (typed, message) in [
        ("12", "A PIN must have at least 4 digits"),
        ("12a4", "A PIN may only contain the digits 0-9"),
        ("1234", "choose a PIN that is not one repeated digit or a straight run like 1234"),
        ("0000", "a straight run like 1234"),
        ("123456789", "A PIN must have at most 8 digits"),
    ] {
        type_into(&pin, typed).await;
        let shown = screen.get("#set-pin-msg").text_content().unwrap_or_default();
        assert!(shown.to_lowercase().contains(&message.to_lowercase()), "{typed}: {shown}");
        assert_eq!(pin.get_attribute("aria-invalid").as_deref(), Some("true"), "{typed}");
        assert!(is_disabled(&save), "{typed}");
    }

    type_into(&pin, "2580").await;
    assert_eq!(pin.get_attribute("aria-invalid"), None);
    assert!(screen.get("#set-pin-msg").text_content().unwrap_or_default().contains("Good PIN"));
    type_into(&confirm, "2581").await;
    assert!(screen.text().contains("The two PINs do not match"));
    assert!(is_disabled(&save));
    type_into(&confirm, "2580").await;
    assert!(!screen.text().contains("do not match"));
    assert!(!is_disabled(&save));
    save.click();
    yew::scheduler::flush().await;
    assert_eq!(*submitted.borrow(), vec!["2580".to_owned()]);
}

#[wasm_bindgen_test]
async fn set_pin_after_a_reset_says_so() {
    let screen = render::<SetPin>(SetPinProps {
        lang: Lang::En,
        reset: true,
        busy: false,
        problem: Some(Problem::Network),
        autofocus: false,
        on_submit: Callback::noop(),
    })
    .await;
    assert!(screen.text().contains("Your PIN was reset, choose a new one"));
    assert!(screen.get("[role=alert]").text_content().unwrap_or_default().contains("Cannot reach"));
}

#[wasm_bindgen_test]
async fn set_pin_speaks_korean() {
    let screen = render::<SetPin>(SetPinProps {
        lang: Lang::Ko,
        reset: false,
        busy: false,
        problem: None,
        autofocus: false,
        on_submit: Callback::noop(),
    })
    .await;
    assert!(screen.text().contains("PIN 정하기"));
    assert!(screen.text().contains("PIN을 잊어버리면 매장에 초기화를 요청하세요."), "{}", screen.text());
    assert!(screen.label_of("set-pin").contains("PIN"));
    type_into(&screen.get("#set-pin"), "1111").await;
    assert!(screen.text().contains("연속 숫자"));
}

// ---- enter PIN -------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn enter_pin_submits_and_shows_a_wrong_pin() {
    let (submitted, on_submit) = recorder::<String>();
    let props = EnterPinProps {
        lang: Lang::En,
        locked_secs: None,
        lock_serial: 0,
        busy: false,
        problem: None,
        autofocus: false,
        on_submit,
    };
    let screen = render::<EnterPin>(props.clone()).await;
    assert!(screen.label_of("pin").contains("PIN"));
    assert!(screen.text().contains("Forgot your PIN? Ask the shop to reset it"), "{}", screen.text());
    let open = screen.button("Open card").expect("an Open card button");
    assert!(is_disabled(&open));
    type_into(&screen.get("#pin"), "2580").await;
    assert!(!is_disabled(&open));
    open.click();
    yew::scheduler::flush().await;
    assert_eq!(*submitted.borrow(), vec!["2580".to_owned()]);

    let wrong =
        render::<EnterPin>(EnterPinProps { problem: Some(Problem::Refused(ErrorCode::WrongPin)), ..props }).await;
    assert!(wrong.get("[role=alert]").text_content().unwrap_or_default().contains("That PIN is wrong"));
    assert_eq!(wrong.get("#pin").get_attribute("aria-invalid").as_deref(), Some("true"));
}

#[wasm_bindgen_test]
async fn enter_pin_when_locked_counts_down() {
    let screen = render::<EnterPin>(EnterPinProps {
        lang: Lang::En,
        locked_secs: Some(30),
        lock_serial: 1,
        busy: false,
        problem: None,
        autofocus: false,
        on_submit: Callback::noop(),
    })
    .await;
    assert!(screen.text().contains("Too many wrong PINs. Try again in 30 s."), "{}", screen.text());
    assert!(is_disabled(&screen.get("#pin")));
    assert!(is_disabled(&screen.button("Open card").expect("button")));
}

// ---- the card --------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn collecting_card_shows_grid_progress_dates_button_and_staff() {
    let (added, on_add) = recorder::<String>();
    let screen = render::<Card>(CardProps { on_add, ..card_props(Lang::En, view(3, StampState::Collecting)) }).await;
    assert_eq!(progress_attrs(&screen), ("3".into(), "10".into()));
    assert_eq!(screen.get("[role=progressbar]").get_attribute("aria-valuemin").as_deref(), Some("0"));
    assert_eq!(screen.all(".slot"), 10);
    assert_eq!(screen.all(".slot.on"), 3);
    let text = screen.text();
    for expected in ["Bean There", "Free coffee", "3 of 10 stamps", "7 more to go", "Valid 2025-01-01 – 2025-12-31"] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert_eq!(screen.get("h2").text_content().as_deref(), Some("Bean There"));
    assert_eq!(screen.get("a.btn").get_attribute("href").as_deref(), Some("https://shop.example/"));
    assert_eq!(screen.get("[data-state]").get_attribute("data-state").as_deref(), Some("COLLECTING"));

    // Staff: the field's label names the staff password; the button is "Add stamp".
    assert_eq!(screen.get("details.staff summary").text_content().as_deref(), Some("For staff"));
    assert!(screen.label_of("staff-pwd").to_lowercase().contains("staff password"));
    assert!(screen.button("Redeem").is_none());
    let add = screen.button("Add stamp").expect("an Add stamp button");
    assert!(is_disabled(&add));
    type_into(&screen.get("#staff-pwd"), "counter1").await;
    add.click();
    yew::scheduler::flush().await;
    assert_eq!(*added.borrow(), vec!["counter1".to_owned()]);
}

#[wasm_bindgen_test]
async fn stamp_images_fill_the_slots_when_the_card_has_one() {
    let mut with_image = view(2, StampState::Collecting);
    with_image.stamp_img_url = "https://shop.example/bean.png".into();
    let screen = render::<Card>(card_props(Lang::En, with_image)).await;
    assert_eq!(screen.all(".slot.on img"), 2);
    assert_eq!(screen.get(".slot.on img").get_attribute("alt").as_deref(), Some(""));
}

#[wasm_bindgen_test]
async fn a_stamp_image_that_fails_to_load_falls_back_to_the_tick() {
    let mut with_image = view(3, StampState::Collecting);
    with_image.stamp_img_url = "https://shop.example/missing.png".into();
    let screen = render::<Card>(card_props(Lang::En, with_image)).await;
    assert_eq!(screen.all(".slot.on img"), 3);
    // What the browser fires when the image cannot be loaded (decided here, not by a network).
    let failed = web_sys::Event::new("error").expect("event");
    screen.get(".slot.on img").dispatch_event(&failed).expect("dispatch");
    yew::scheduler::flush().await;
    assert_eq!(screen.all(".slot.on img"), 0, "{}", screen.root.inner_html());
    assert_eq!(screen.all(".slot.on"), 3);
    assert_eq!(screen.all(".slot.on:empty"), 3, "empty filled slots draw the tick");
}

#[wasm_bindgen_test]
async fn a_hundred_slots_use_the_dense_grid() {
    let mut big = view(37, StampState::Collecting);
    big.max_stamps = 100;
    let screen = render::<Card>(card_props(Lang::En, big)).await;
    let grid = screen.get("[role=progressbar]");
    assert!(grid.matches(".grid.dense").expect("selector"));
    assert_eq!(grid.get_attribute("style").as_deref(), Some("--cols:10"));
    assert_eq!(screen.all(".slot"), 100);
    let small = render::<Card>(card_props(Lang::En, view(3, StampState::Collecting))).await;
    assert!(small.find("[role=progressbar].dense").is_none());
}

#[wasm_bindgen_test]
async fn full_card_offers_redeem() {
    let (redeemed, on_redeem) = recorder::<String>();
    let screen = render::<Card>(CardProps { on_redeem, ..card_props(Lang::En, view(10, StampState::Full)) }).await;
    assert_eq!(progress_attrs(&screen), ("10".into(), "10".into()));
    assert!(screen.text().contains("Reward ready!"));
    assert!(!screen.text().contains("more to go"));
    assert!(screen.button("Add stamp").is_none());
    let redeem = screen.button("Redeem").expect("a Redeem button");
    type_into(&screen.get("#staff-pwd"), "counter1").await;
    redeem.click();
    yew::scheduler::flush().await;
    assert_eq!(*redeemed.borrow(), vec!["counter1".to_owned()]);
}

#[wasm_bindgen_test]
async fn staff_problems_and_locks_show() {
    let props = CardProps {
        staff_problem: Some(Problem::Refused(ErrorCode::WrongOnsitePassword)),
        ..card_props(Lang::En, view(3, StampState::Collecting))
    };
    let wrong = render::<Card>(props).await;
    assert!(wrong.get("[role=alert]").text_content().unwrap_or_default().contains("Wrong staff password"));
    let mut locked_view = view(3, StampState::Collecting);
    locked_view.onsite_locked_secs = Some(60);
    let locked = render::<Card>(CardProps { lock_serial: 1, ..card_props(Lang::En, locked_view) }).await;
    assert!(locked.text().contains("Try again in 60 s"), "{}", locked.text());
    assert!(is_disabled(&locked.get("#staff-pwd")));
}

#[wasm_bindgen_test]
async fn finished_cards_show_their_state_and_no_staff_actions() {
    let mut redeemed = view(10, StampState::Redeemed);
    redeemed.redeemed_ymd = Some(ymd("2025-05-30"));
    let mut expired = view(4, StampState::Expired);
    expired.today = ymd("2026-01-02");
    let mut not_started = view(0, StampState::NotStarted);
    not_started.today = ymd("2024-12-31");
    let mut inactive = view(4, StampState::Inactive);
    inactive.active_yn = YesNo::N;
    for (view, state, banner) in [
        (redeemed, "REDEEMED", "Reward redeemed on 2025-05-30"),
        (expired, "EXPIRED", "This card expired on 2025-12-31"),
        (not_started, "NOT_STARTED", "This card starts on 2025-01-01"),
        (inactive, "INACTIVE", "This card is paused by the shop"),
    ] {
        let screen = render::<Card>(card_props(Lang::En, view)).await;
        assert_eq!(screen.get("[data-state]").get_attribute("data-state").as_deref(), Some(state));
        assert!(screen.text().contains(banner), "{state}: {}", screen.text());
        // Only a redeemed card looks finished (muted grid, neutral banner).
        assert_eq!(screen.find(".done [role=progressbar]").is_some(), state == "REDEEMED", "{state}");
        assert_eq!(screen.find(".alert.done").is_some(), state == "REDEEMED", "{state}");
        assert!(screen.find("details.staff").is_none(), "{state}");
        assert!(screen.find("[role=progressbar]").is_some(), "{state}");
    }
}

#[wasm_bindgen_test]
async fn a_renewed_card_says_the_reward_was_redeemed_above_the_new_card() {
    let mut renewed = view(0, StampState::Collecting);
    renewed.previous_redeemed_ymd = Some(ymd("2025-05-30"));
    let screen = render::<Card>(card_props(Lang::En, renewed.clone())).await;
    assert_eq!(screen.get("[data-state]").get_attribute("data-state").as_deref(), Some("COLLECTING"));
    assert!(
        screen.text().contains("Reward redeemed on 2025-05-30. Thank you! Here is your new card."),
        "{}",
        screen.text()
    );
    assert!(screen.find("details.staff").is_some(), "the new card takes stamps");
    drop(screen);
    renewed.stamps = 1;
    let stamped = render::<Card>(card_props(Lang::En, renewed)).await;
    assert!(!stamped.text().contains("new card"), "{}", stamped.text());
}

#[wasm_bindgen_test]
async fn progress_is_the_cores_math_on_the_servers_day() {
    // The view says COLLECTING, but the server's today is past the end: the core decides.
    let mut late = view(3, StampState::Collecting);
    late.today = ymd("2026-03-01");
    let screen = render::<Card>(card_props(Lang::En, late)).await;
    assert_eq!(screen.get("[data-state]").get_attribute("data-state").as_deref(), Some("EXPIRED"));
    // More stamps than slots never overflow the bar.
    let screen = render::<Card>(card_props(Lang::En, view(12, StampState::Full))).await;
    assert_eq!(progress_attrs(&screen), ("10".into(), "10".into()));
    assert_eq!(screen.all(".slot.on"), 10);
}

#[wasm_bindgen_test]
async fn card_speaks_korean() {
    let screen = render::<Card>(card_props(Lang::Ko, view(3, StampState::Collecting))).await;
    let text = screen.text();
    assert!(text.contains("스탬프 10개 중 3개"), "{text}");
    assert!(text.contains("보상까지 7개 남았어요"), "{text}");
    assert!(screen.button("스탬프 찍기").is_some());
    assert_eq!(screen.get("[role=progressbar]").get_attribute("aria-label").as_deref(), Some("모은 스탬프"));
}

// ---- status screens --------------------------------------------------------------------

/// `status` is a plain function; the test renders it through this small component.
#[derive(Clone, PartialEq, yew::Properties)]
struct StatusProps {
    lang: Lang,
    kind: StatusKind,
    standalone: bool,
    on_retry: Callback<()>,
}

#[yew::component]
fn Status(props: &StatusProps) -> yew::Html {
    status(props.lang, props.kind, props.standalone, &props.on_retry)
}

#[wasm_bindgen_test]
async fn status_screens() {
    let (retries, on_retry) = recorder::<()>();
    let offline =
        render::<Status>(StatusProps { lang: Lang::En, kind: StatusKind::Offline, standalone: true, on_retry }).await;
    assert_eq!(offline.get("h1").text_content().as_deref(), Some("Cannot reach the stamp service"));
    offline.button("Try again").expect("a retry button").click();
    yew::scheduler::flush().await;
    assert_eq!(retries.borrow().len(), 1);

    let gone = render::<Status>(StatusProps {
        lang: Lang::En,
        kind: StatusKind::Gone,
        standalone: false,
        on_retry: Callback::noop(),
    })
    .await;
    assert!(gone.text().contains("Stamp card not found"));
    assert!(gone.button("Try again").is_none());
}

// ---- mounting into a shadow root -------------------------------------------------------

#[wasm_bindgen_test]
async fn mount_renders_into_a_shadow_root_in_the_elements_language() {
    let host = document().create_element("div").expect("div");
    document().body().expect("body").append_child(&host).expect("append");
    let shadow = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).expect("shadow");
    // Not a stamp URL: the page says the link is unknown, without any request.
    let mut mounted: MountedCard = mount(&shadow, Some("https://example.com/nothing".into()), "ko-KR").expect("mount");
    yew::scheduler::flush().await;
    let text = shadow.text_content().unwrap_or_default();
    assert!(text.contains("스탬프 카드를 찾을 수 없어요"), "{text}");
    assert!(shadow.query_selector("style").expect("selector").is_some(), "the style lives in the shadow root");
    assert_eq!(
        shadow.query_selector(".sc").expect("selector").and_then(|e| e.get_attribute("lang")).as_deref(),
        Some("ko")
    );
    // Nothing leaked into the light DOM.
    assert_eq!(host.child_element_count(), 0);
    mounted.unmount();
    assert_eq!(shadow.child_element_count(), 0);
    host.remove();
}

#[wasm_bindgen_test]
async fn events_work_inside_a_shadow_root() {
    let host = document().create_element("div").expect("div");
    document().body().expect("body").append_child(&host).expect("append");
    let shadow = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).expect("shadow");
    let root = document().create_element("div").expect("div");
    shadow.append_child(&root).expect("append");
    let (added, on_add) = recorder::<String>();
    let handle = yew::Renderer::<Card>::with_root_and_props(
        root.clone(),
        CardProps { on_add, ..card_props(Lang::En, view(1, StampState::Collecting)) },
    )
    .render();
    yew::scheduler::flush().await;
    let input = shadow.query_selector("#staff-pwd").expect("selector").expect("staff field");
    type_into(&input, "pw12").await;
    let button = shadow.query_selector("details.staff button").expect("selector").expect("button");
    button.dyn_ref::<HtmlElement>().expect("html element").click();
    yew::scheduler::flush().await;
    assert_eq!(*added.borrow(), vec!["pw12".to_owned()]);
    handle.destroy();
    host.remove();
}
