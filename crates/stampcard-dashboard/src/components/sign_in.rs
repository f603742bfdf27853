//! The sign-in form at `/`: "Email" and "Password", the refusal in the core's words.

use stampcard_core::dashboard::SessionView;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{Api, CallError};
use crate::components::event_value;
use crate::i18n::{Lang, call_error, text};
use crate::state::session::SignedOutWhy;

/// Properties of [`SignIn`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct SignInProps {
    /// The language.
    pub lang: Lang,
    /// The client.
    pub api: Api,
    /// Why the form is showing.
    #[prop_or_default]
    pub why: Option<SignedOutWhy>,
    /// Called with the user once signed in.
    pub on_signed_in: Callback<SessionView>,
}

/// The sign-in form.
#[component]
pub fn SignIn(props: &SignInProps) -> Html {
    let lang = props.lang;
    let t = text(lang);
    let email = use_state(String::new);
    let password = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<CallError>);
    let onsubmit = {
        let (email, password, busy, error) = (email.clone(), password.clone(), busy.clone(), error.clone());
        let (api, on_signed_in) = (props.api.clone(), props.on_signed_in.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            let (email, pwd, busy, error) = ((*email).clone(), password.clone(), busy.clone(), error.clone());
            let (api, on_signed_in) = (api.clone(), on_signed_in.clone());
            spawn_local(async move {
                let result = api.login(email.trim(), &pwd).await;
                busy.set(false);
                match result {
                    Ok(me) => on_signed_in.emit(me),
                    Err(refusal) => {
                        // A refused password is cleared so the next try starts empty.
                        pwd.set(String::new());
                        error.set(Some(refusal));
                    }
                }
            });
        })
    };
    // Once a sign-in was tried, its own answer says what matters; the note on why the form
    // shows would only repeat or contradict it.
    let notice = match props.why.as_ref().filter(|_| error.is_none()) {
        Some(SignedOutWhy::SignedOut) => Some(("info", t.signed_out.to_owned())),
        Some(SignedOutWhy::Expired) => Some(("warn", t.session_expired.to_owned())),
        Some(SignedOutWhy::Failed(failure)) => Some(("err", call_error(lang, failure))),
        None => None,
    };
    let on_email = {
        let email = email.clone();
        Callback::from(move |event: InputEvent| email.set(event_value(&event)))
    };
    let on_password = {
        let password = password.clone();
        Callback::from(move |event: InputEvent| password.set(event_value(&event)))
    };
    let problem = (*error).as_ref().map(|refusal| call_error(lang, refusal));
    html! {
        <main class="sign-in" id="content">
            <form class="panel" {onsubmit} novalidate=true aria-labelledby="sign-in-title">
                <h1 id="sign-in-title">{ t.sign_in_title }</h1>
                <p class="brand">{ t.title }</p>
                if let Some((kind, words)) = notice {
                    <p class={classes!("alert", kind)} role="status">{ words }</p>
                }
                <div class="field">
                    <label for="email">{ t.email }</label>
                    <input id="email" type="email" autocomplete="username" required=true
                        value={(*email).clone()} oninput={on_email}
                        aria-invalid={problem.is_some().then_some("true")} />
                </div>
                <div class="field">
                    <label for="password">{ t.password }</label>
                    <input id="password" type="password" autocomplete="current-password" required=true
                        value={(*password).clone()} oninput={on_password}
                        aria-invalid={problem.is_some().then_some("true")}
                        aria-describedby={problem.is_some().then_some("sign-in-problem")} />
                </div>
                if let Some(problem) = problem {
                    <p id="sign-in-problem" class="alert err" role="alert">{ problem }</p>
                }
                <button class="btn primary" type="submit" disabled={email.trim().is_empty() || password.is_empty()}
                    aria-busy={busy.then_some("true")}>{ t.sign_in }</button>
            </form>
        </main>
    }
}
