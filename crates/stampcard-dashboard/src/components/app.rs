//! The root component: the sign-in gate, then the frame (header, navigation) and the page the
//! URL's fragment names.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::Api;
use crate::components::card_editor::CardEditor;
use crate::components::cards::CardsPage;
use crate::components::export::ExportPage;
use crate::components::figures::FiguresPage;
use crate::components::import::ImportPage;
use crate::components::keys::KeysPage;
use crate::components::nav::Nav;
use crate::components::new_stamp::NewStamp;
use crate::components::sign_in::SignIn;
use crate::components::staff::StaffPage;
use crate::components::stamp::{StampPage, StampPrint};
use crate::components::stamps::StampsPage;
use crate::components::webhooks::{WebhookLog, WebhooksPage};
use crate::components::{Ctx, today};
use crate::i18n::{Lang, text};
use crate::state::route::Route;
use crate::state::session::{Session, SessionAction};

/// Properties of [`App`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct AppProps {
    /// The language.
    pub lang: Lang,
}

/// `Session` as a Yew reducer; the transitions are in [`Session::reduce`].
struct Gate(Session);

impl Reducible for Gate {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        Rc::new(Gate(self.0.clone().reduce(action)))
    }
}

fn current_route() -> Route {
    let hash = web_sys::window().and_then(|window| window.location().hash().ok()).unwrap_or_default();
    Route::parse(&hash)
}

/// Follows the URL's fragment.
#[hook]
fn use_route() -> Route {
    let route = use_state(current_route);
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || route.set(current_route()));
            let window = web_sys::window();
            if let Some(window) = &window {
                let _ = window.add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(window) = window {
                    let _ = window.remove_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
                }
            }
        });
    }
    *route
}

/// The dashboard.
#[component]
pub fn App(props: &AppProps) -> Html {
    let lang = props.lang;
    let t = text(lang);
    let api = use_memo((), |_| Api::new());
    let gate = use_reducer(|| Gate(Session::Checking));
    let route = use_route();
    // Resume a session the cookie still holds.
    {
        let (api, dispatcher) = ((*api).clone(), gate.dispatcher());
        use_effect_with((), move |_| {
            spawn_local(async move { dispatcher.dispatch(SessionAction::Resumed(api.me().await)) });
        });
    }
    let on_expired = {
        let (api, dispatcher) = ((*api).clone(), gate.dispatcher());
        Callback::from(move |()| {
            api.forget();
            dispatcher.dispatch(SessionAction::Expired);
        })
    };
    let on_signed_in = {
        let dispatcher = gate.dispatcher();
        Callback::from(move |me| dispatcher.dispatch(SessionAction::SignedIn(me)))
    };
    let on_sign_out = {
        let (api, dispatcher) = ((*api).clone(), gate.dispatcher());
        Callback::from(move |_: MouseEvent| {
            let (api, dispatcher) = (api.clone(), dispatcher.clone());
            // Signed out locally whatever the server answers: the cookie is HttpOnly, and a
            // failed logout leaves a session that expires by itself.
            spawn_local(async move {
                let _ = api.logout().await;
                dispatcher.dispatch(SessionAction::SignedOut);
            });
        })
    };
    let me = match &gate.0 {
        Session::Checking => {
            return html! { <div class="boot" role="status"><p class="loading">{ t.loading }</p></div> };
        }
        Session::SignedOut(why) => {
            return html! { <SignIn {lang} api={(*api).clone()} why={why.clone()} on_signed_in={on_signed_in} /> };
        }
        Session::SignedIn(me) => me.clone(),
    };
    let ctx = Ctx { api: (*api).clone(), lang, role: me.role, today: today(), on_expired };
    let page = if route.allowed(me.role) {
        match route {
            Route::Stamps => html! { <StampsPage /> },
            Route::StampNew => html! { <NewStamp /> },
            Route::Stamp(stamp_idx) => html! { <StampPage key={stamp_idx} {stamp_idx} /> },
            Route::StampPrint(stamp_idx) => html! { <StampPrint key={stamp_idx} {stamp_idx} /> },
            Route::Cards => html! { <CardsPage /> },
            Route::CardNew => html! { <CardEditor key="new" card_idx={None::<i64>} /> },
            Route::CardEdit(card_idx) => html! { <CardEditor key={card_idx} card_idx={Some(card_idx)} /> },
            Route::Staff => html! { <StaffPage /> },
            Route::ApiKeys => html! { <KeysPage /> },
            Route::Import => html! { <ImportPage /> },
            Route::Export => html! { <ExportPage /> },
            Route::Figures => html! { <FiguresPage /> },
            Route::Webhooks => html! { <WebhooksPage /> },
            Route::WebhookLog(webhook_idx) => html! { <WebhookLog key={webhook_idx} {webhook_idx} /> },
        }
    } else {
        html! { <StampsPage /> }
    };
    let print = matches!(route, Route::StampPrint(_));
    html! {
        <ContextProvider<Ctx> context={ctx}>
            <header class="top no-print">
                <p class="brand">{ t.title }</p>
                <p class="who">
                    <span>{ format!("{} · {}", me.account_nm, me.email) }</span>
                    <button type="button" class="btn secondary" onclick={on_sign_out}>{ t.sign_out }</button>
                </p>
            </header>
            <Nav current={route} role={me.role} />
            <main id="content" class={classes!(print.then_some("print"))} tabindex="-1">
                { page }
            </main>
        </ContextProvider<Ctx>>
    }
}
