//! The root component: owns the state, performs the requests, picks the screen.

use std::rc::Rc;

use futures::future::join;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{Api, CallError, IntroResult};
use crate::components::card::Card;
use crate::components::closed::closed;
use crate::components::enter_pin::EnterPin;
use crate::components::header::header;
use crate::components::set_pin::SetPin;
use crate::components::status::{StatusKind, status};
use crate::i18n::Lang;
use crate::link::StampLink;
use crate::state::{Action, Announcement, Form, Screen, StaffAction, State, card_is_stale};
use crate::storage;

/// The widget's style sheet, inside the shadow root so nothing leaks in or out (the
/// dashboard's card preview puts it in its own shadow root the same way).
pub const STYLE: &str = include_str!("../style.css");

/// Properties of [`App`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct AppProps {
    /// The stamp page URL (`https://HOST/stamp/TOKEN`).
    pub stamp_url: AttrValue,
    /// The language.
    pub lang: Lang,
    /// The widget is the whole page (the stamp page itself), not embedded in a shop's page.
    pub standalone: bool,
    /// The intro the server already answered (embedded in the stamp page, or given to the
    /// server-side render): the first load uses it instead of asking the API again.
    #[prop_or_default]
    pub intro: Option<IntroResult>,
}

/// `State` as a Yew reducer; the transitions themselves are in [`State::reduce`].
struct Store(State);

impl Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Store(self.0.clone().reduce(action)))
    }
}

/// The stamp page.
#[component]
pub fn App(props: &AppProps) -> Html {
    let api = use_memo(props.stamp_url.clone(), |url| StampLink::parse(url).map(|link| Rc::new(Api::new(link))));
    // Taken by the first load; every later load (a retry) asks the API.
    let given_intro = use_mut_ref(|| props.intro.clone());
    let store = use_reducer({
        let api = api.clone();
        let given_intro = given_intro.clone();
        move || {
            let state = State::new(api.as_ref().as_ref().and_then(|api| storage::load(api.token())));
            // Without a session the intro is all the first screen needs, so it shows at once
            // (this is also what the server renders).
            match (&state.session, given_intro.borrow().as_ref()) {
                (None, Some(intro)) => Store(state.reduce(Action::Loaded { intro: intro.clone(), card: None })),
                _ => Store(state),
            }
        }
    });
    let state = &store.0;
    let dispatcher = store.dispatcher();
    let lang = props.lang;

    // (Re)load whenever `state.load` changes: the intro, and the card when a session is
    // remembered, concurrently.
    {
        let api = (*api).clone();
        let session = state.session.clone();
        let dispatcher = dispatcher.clone();
        let given_intro = given_intro.clone();
        use_effect_with(state.load, move |_| {
            // Taken when the effect runs (not when a render makes the closure), so only the
            // first load uses it, whichever render's closure Yew keeps.
            let given_intro = given_intro.borrow_mut().take();
            if let Some(api) = api {
                spawn_local(async move {
                    let action = match (session, given_intro) {
                        // Already shown by the reducer's first state.
                        (None, Some(_)) => return,
                        (Some(session), Some(intro)) => Action::Loaded { intro, card: Some(api.card(&session).await) },
                        (Some(session), None) => {
                            let (intro, card) = join(api.intro(), api.card(&session)).await;
                            Action::Loaded { intro, card: Some(card) }
                        }
                        (None, None) => Action::Loaded { intro: api.intro().await, card: None },
                    };
                    dispatcher.dispatch(action);
                });
            }
        });
    }
    // Mirror the session into sessionStorage.
    {
        let token = api.as_ref().as_ref().map(|api| api.token().to_owned());
        use_effect_with(state.session.clone(), move |session| {
            if let Some(token) = token {
                storage::save(&token, session.as_deref());
            }
        });
    }

    let Some(api) = (*api).clone() else {
        return frame(lang, status(lang, StatusKind::Gone, props.standalone, &Callback::noop()), None);
    };

    let on_pin = {
        let dispatcher = dispatcher.clone();
        let api = api.clone();
        move |first: bool| {
            let dispatcher = dispatcher.clone();
            let api = api.clone();
            Callback::from(move |pin: String| {
                dispatcher.dispatch(Action::Submitted);
                let dispatcher = dispatcher.clone();
                let api = api.clone();
                spawn_local(async move {
                    let result = if first { api.set_pin(&pin).await } else { api.verify_pin(&pin).await };
                    dispatcher.dispatch(open(&api, result).await);
                });
            })
        }
    };
    let on_staff = {
        let dispatcher = dispatcher.clone();
        let api = api.clone();
        let session = state.session.clone().unwrap_or_default();
        move |action: StaffAction| {
            let dispatcher = dispatcher.clone();
            let api = api.clone();
            let session = session.clone();
            Callback::from(move |password: String| {
                dispatcher.dispatch(Action::Submitted);
                let dispatcher = dispatcher.clone();
                let api = api.clone();
                let session = session.clone();
                spawn_local(async move {
                    let result = match action {
                        StaffAction::Add => api.onsite_add(&session, &password).await,
                        StaffAction::Redeem => api.onsite_redeem(&session, &password).await,
                    };
                    let result = match result {
                        Err(error) if error.is_locked_without_time() => {
                            let secs = api.card(&session).await.ok().and_then(|view| view.onsite_locked_secs);
                            Err(error.with_retry_after(secs))
                        }
                        other => other,
                    };
                    let stale = result.as_ref().err().is_some_and(card_is_stale);
                    dispatcher.dispatch(Action::Staff { action, result });
                    if stale {
                        dispatcher.dispatch(Action::Refreshed(api.card(&session).await));
                    }
                });
            })
        }
    };
    let on_change_pin = {
        let dispatcher = dispatcher.clone();
        let api = api.clone();
        let session = state.session.clone().unwrap_or_default();
        Callback::from(move |(current, new): (String, String)| {
            dispatcher.dispatch(Action::Submitted);
            let dispatcher = dispatcher.clone();
            let api = api.clone();
            let session = session.clone();
            spawn_local(async move {
                dispatcher.dispatch(Action::PinChanged(api.change_pin(&session, &current, &new).await));
            });
        })
    };
    let on_retry = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |()| dispatcher.dispatch(Action::Reload))
    };

    let t = lang.text();
    let header = |title: &Option<(String, String)>| match title {
        Some((name, reward)) => header(lang, name, reward, props.standalone),
        None => header(lang, t.stamp_card, "", props.standalone),
    };
    let busy = state.busy;
    let body = match &state.screen {
        Screen::Loading => status(lang, StatusKind::Loading, props.standalone, &on_retry),
        Screen::SetPin { reset } => html! {
            <>
                { header(&state.title) }
                <SetPin {lang} reset={*reset} {busy} problem={state.problem_of(Form::Pin)}
                    autofocus={props.standalone} on_submit={on_pin(true)} />
            </>
        },
        Screen::EnterPin { locked_secs } => html! {
            <>
                { header(&state.title) }
                <EnterPin {lang} locked_secs={*locked_secs} lock_serial={state.lock_serial} {busy}
                    problem={state.problem_of(Form::Pin)} autofocus={props.standalone} on_submit={on_pin(false)} />
            </>
        },
        Screen::Card(view) => html! {
            <Card {lang} view={Rc::new((**view).clone())} standalone={props.standalone} {busy}
                lock_serial={state.lock_serial}
                staff_problem={state.problem_of(Form::Staff)}
                change_pin_problem={state.problem_of(Form::ChangePin)}
                pin_changed={state.announcement == Some(Announcement::PinChanged)}
                on_add={on_staff(StaffAction::Add)} on_redeem={on_staff(StaffAction::Redeem)}
                {on_change_pin} />
        },
        Screen::Closed(why) => closed(lang, *why, state.title.as_ref(), props.standalone),
        Screen::Gone => status(lang, StatusKind::Gone, props.standalone, &on_retry),
        Screen::Failed { network: true } => status(lang, StatusKind::Offline, props.standalone, &on_retry),
        Screen::Failed { network: false } => status(lang, StatusKind::Failed, props.standalone, &on_retry),
    };
    let announcement = state.announcement.map(|announcement| match announcement {
        Announcement::StampAdded { stamps, max_stamps } => lang.stamp_added(stamps, max_stamps),
        Announcement::Redeemed => t.redeemed_announcement.to_owned(),
        Announcement::PinChanged => t.pin_changed.to_owned(),
    });
    frame(lang, body, announcement)
}

/// The page frame: the style sheet, the card, and the live region that announces successes.
fn frame(lang: Lang, body: Html, announcement: Option<String>) -> Html {
    html! {
        <div class="sc" lang={lang.tag()}>
            <style>{ STYLE }</style>
            <div class="card">
                { body }
                <div class="live" role="status" aria-live="polite" aria-atomic="true">
                    { announcement.unwrap_or_default() }
                </div>
            </div>
        </div>
    }
}

/// After setting or verifying the PIN: fetch the card with the new session, or report the
/// refusal (asking the server how long a lock lasts when the header did not say).
async fn open(api: &Api, result: Result<stampcard_core::wire::SessionResult, CallError>) -> Action {
    match result {
        Ok(session) => {
            let card = api.card(&session.session_token).await;
            Action::Opened { session: session.session_token, card }
        }
        Err(error) if error.is_locked_without_time() => {
            let secs = api.intro().await.ok().and_then(|intro| intro.pin_locked_secs);
            Action::PinRefused(error.with_retry_after(secs))
        }
        Err(error) => Action::PinRefused(error),
    }
}
