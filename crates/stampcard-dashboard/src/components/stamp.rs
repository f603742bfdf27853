//! One stamp: every field, the status, the history as a timeline, the actions, the customer's
//! page link with a copy button and its QR code, and the printable counter card.

use stampcard_core::types::YesNo;
use stampcard_core::wire::UpdateStampRequest;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::CallError;
use crate::components::confirm::Confirm;
use crate::components::qr::Qr;
use crate::components::{Ctx, copy_to_clipboard, error_line, event_value, go, use_ctx};
use crate::i18n::{self, text, ymd};
use crate::state::route::Route;
use stampcard_core::dashboard::Role;
use stampcard_core::find::{StampStatus, StampView};
use stampcard_core::wire::HistoryEvent;

/// Properties of [`StampPage`] and [`StampPrint`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct StampProps {
    /// The stamp.
    pub stamp_idx: i64,
}

/// A stamp and its history once loaded, or why not.
type Loaded = Option<Result<(StampView, Vec<HistoryEvent>), CallError>>;

/// A stamp and its history, loaded again whenever the returned serial is bumped.
#[hook]
fn use_stamp(ctx: &Ctx, stamp_idx: i64) -> (Loaded, UseStateHandle<u32>) {
    let loaded = use_state(|| None);
    let serial = use_state(|| 0_u32);
    {
        let (ctx, loaded) = (ctx.clone(), loaded.clone());
        use_effect_with(*serial, move |_| {
            spawn_local(async move {
                let result = match ctx.api.stamp(stamp_idx).await {
                    Ok(stamp) => ctx.api.history(stamp_idx).await.map(|history| (stamp, history)),
                    Err(error) => Err(error),
                };
                if let Err(error) = &result {
                    ctx.check(error);
                }
                loaded.set(Some(result));
            });
        });
    }
    ((*loaded).clone(), serial)
}

/// An action on the stamp page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Add,
    Remove,
    SetCount(u32),
    ResetPin,
    Active(bool),
    Redeem,
    Delete,
}

/// The stamp page.
#[component]
pub fn StampPage(props: &StampProps) -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let stamp_idx = props.stamp_idx;
    // Staff may add, remove, reset the PIN and redeem; setting the count, (de)activating and
    // deleting are the owner's (the API refuses them to staff anyway), so staff are not
    // offered them.
    let owner = ctx.role == Role::Owner;
    let (loaded, serial) = use_stamp(&ctx, stamp_idx);
    let busy = use_state(|| false);
    let error = use_state(|| None::<CallError>);
    let notice = use_state(|| None::<&'static str>);
    let confirm = use_state(|| None::<Act>);
    let count = use_state(String::new);
    let run = {
        let (ctx, busy, error, notice, confirm, serial) =
            (ctx.clone(), busy.clone(), error.clone(), notice.clone(), confirm.clone(), serial.clone());
        Callback::from(move |act: Act| {
            if *busy {
                return;
            }
            busy.set(true);
            notice.set(None);
            let (ctx, busy, error, notice, confirm, serial) =
                (ctx.clone(), busy.clone(), error.clone(), notice.clone(), confirm.clone(), serial.clone());
            spawn_local(async move {
                let api = &ctx.api;
                let update = |patch: fn(&mut UpdateStampRequest)| {
                    let mut body = UpdateStampRequest { stamp_idx, ..UpdateStampRequest::default() };
                    patch(&mut body);
                    body
                };
                let result = match act {
                    Act::Add => api.add(stamp_idx).await,
                    Act::Remove => api.remove(stamp_idx).await,
                    Act::SetCount(n) => {
                        api.update(&UpdateStampRequest { stamps: Some(n.into()), ..update(|_| ()) }).await
                    }
                    Act::ResetPin => api.update(&update(|b| b.reset_pin_yn = Some(YesNo::Y))).await,
                    Act::Active(on) => {
                        api.update(&UpdateStampRequest { active_yn: Some(on.into()), ..update(|_| ()) }).await
                    }
                    Act::Redeem => api.redeem(stamp_idx).await,
                    Act::Delete => api.delete(stamp_idx).await,
                };
                busy.set(false);
                confirm.set(None);
                match result {
                    Ok(()) if act == Act::Delete => go(&Route::Stamps.href()),
                    Ok(()) => {
                        error.set(None);
                        notice.set(Some(text(ctx.lang).done));
                        serial.set(*serial + 1);
                    }
                    Err(failure) => {
                        ctx.check(&failure);
                        error.set(Some(failure));
                    }
                }
            });
        })
    };
    let (view, history) = match loaded {
        None => {
            return html! {
                <section class="page"><h1>{ format!("{} #{stamp_idx}", t.stamp_title) }</h1>
                    <p class="loading" role="status">{ t.loading }</p></section>
            };
        }
        Some(Err(failure)) => {
            return html! {
                <section class="page"><h1>{ format!("{} #{stamp_idx}", t.stamp_title) }</h1>
                    { error_line(lang, &Some(failure)) }</section>
            };
        }
        Some(Ok(loaded)) => loaded,
    };
    // The validate fields; the status, PIN state and dates after are the view's own.
    let stamp = &view.stamp;
    let button = |label: &'static str, act: Act, class: &'static str| {
        let run = run.clone();
        html! {
            <button type="button" class={classes!("btn", class)} disabled={*busy}
                onclick={Callback::from(move |_: MouseEvent| run.emit(act))}>{ label }</button>
        }
    };
    let ask = |label: &'static str, act: Act| {
        let confirm = confirm.clone();
        html! {
            <button type="button" class="btn danger" disabled={*busy}
                onclick={Callback::from(move |_: MouseEvent| confirm.set(Some(act)))}>{ label }</button>
        }
    };
    let on_count = {
        let count = count.clone();
        Callback::from(move |event: InputEvent| count.set(event_value(&event)))
    };
    let on_set_count = {
        let (run, count) = (run.clone(), count.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if let Ok(n) = count.trim().parse::<u32>() {
                run.emit(Act::SetCount(n));
            }
        })
    };
    let on_copy = {
        let (url, notice) = (stamp.stamp_url.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            let (url, notice) = (url.clone(), notice.clone());
            spawn_local(async move {
                if copy_to_clipboard(&url).await {
                    notice.set(Some(text(lang).copied));
                }
            });
        })
    };
    let field = |label: &'static str, value: String| {
        html! { <><dt>{ label }</dt><dd>{ if value.is_empty() { "—".to_owned() } else { value } }</dd></> }
    };
    let pin = i18n::pin_state(lang, view.pin_state).to_owned();
    let events = history.iter().rev().map(|event| {
        let (what, who) = i18n::history_event(lang, event);
        html! {
            <li key={event.event_idx}>
                <time datetime={event.reg_ymdt.to_string().replace(' ', "T")}>{ event.reg_ymdt.to_string() }</time>
                <span class="what">{ what }</span>
                <span class="who">{ who }</span>
            </li>
        }
    });
    let active = stamp.active_yn.is_yes();
    let redeemed = view.status == StampStatus::Redeemed;
    let dialog = (*confirm).map(|act| {
        let (question, label) = match act {
            Act::Redeem => (t.confirm_redeem, t.redeem),
            _ => (t.confirm_delete, t.delete),
        };
        let on_confirm = {
            let run = run.clone();
            Callback::from(move |()| run.emit(act))
        };
        let on_cancel = {
            let confirm = confirm.clone();
            Callback::from(move |()| confirm.set(None))
        };
        html! { <Confirm question={question} confirm={label} busy={*busy} {on_confirm} {on_cancel} /> }
    });
    html! {
        <section class="page stamp">
            <div class="title-row">
                <h1>{ format!("{} #{stamp_idx}", t.stamp_title) }</h1>
                <span class={classes!("badge", view.status.as_str().to_ascii_lowercase())}>{ i18n::status(lang, view.status) }</span>
            </div>
            <div class="split">
                <div>
                    <dl class="fields panel">
                        { field(t.col_card, format!("{} (#{})", stamp.card_nm, stamp.card_idx)) }
                        { field(t.col_stamps, format!("{} / {}", stamp.stamps, stamp.max_stamps)) }
                        { field(t.user_id, stamp.user_id.clone()) }
                        { field(t.user_nm, stamp.user_nm.clone()) }
                        { field(t.user_phnno, stamp.user_phnno.clone()) }
                        { field(t.user_eml, stamp.user_eml.clone()) }
                        { field(t.memo, stamp.memo.clone()) }
                        { field(t.col_valid, format!("{} – {}", ymd(stamp.strt_ymd), ymd(stamp.end_ymd))) }
                        { field(t.issued, stamp.reg_ymdt.to_string()) }
                        { field(t.pin, pin) }
                    </dl>
                    <div class="panel actions" role="group" aria-labelledby="actions-title">
                        <h2 id="actions-title">{ t.actions }</h2>
                        <div class="buttons">
                            { button(t.add_stamp, Act::Add, "primary") }
                            { button(t.remove_stamp, Act::Remove, "secondary") }
                            { button(t.reset_pin, Act::ResetPin, "secondary") }
                            if owner && active { { button(t.deactivate, Act::Active(false), "secondary") } }
                            if owner && !active { { button(t.activate, Act::Active(true), "secondary") } }
                            if !redeemed { { ask(t.redeem, Act::Redeem) } }
                            if owner { { ask(t.delete, Act::Delete) } }
                        </div>
                        if owner {
                        <form class="inline" onsubmit={on_set_count}>
                            <div class="field">
                                <label for="set-count">{ t.count }</label>
                                <input id="set-count" type="number" inputmode="numeric" min="0"
                                    max={stamp.max_stamps.to_string()} value={(*count).clone()} oninput={on_count} />
                            </div>
                            <button type="submit" class="btn secondary" disabled={*busy || count.trim().parse::<u32>().is_err()}>
                                { t.set_count }</button>
                        </form>
                        }
                        { error_line(lang, &error) }
                        if let Some(words) = *notice { <p class="alert ok" role="status">{ words }</p> }
                    </div>
                </div>
                <div>
                    <div class="panel link">
                        <h2>{ t.link }</h2>
                        <p class="url"><a href={stamp.stamp_url.clone()} target="_blank" rel="noopener noreferrer">{ &stamp.stamp_url }</a></p>
                        <div class="buttons">
                            <button type="button" class="btn secondary" onclick={on_copy}>{ t.copy }</button>
                            <a class="btn secondary" href={Route::StampPrint(stamp_idx).href()}>{ t.print }</a>
                        </div>
                        <Qr text={stamp.stamp_url.clone()} label={i18n::qr_name(lang, stamp_idx)} />
                    </div>
                    <div class="panel">
                        <h2>{ t.history }</h2>
                        if history.is_empty() { <p class="empty">{ t.no_history }</p> }
                        else { <ol class="timeline">{ for events }</ol> }
                    </div>
                </div>
            </div>
            { for dialog }
        </section>
    }
}

/// The counter card to print: card name, reward text and the QR code.
#[component]
pub fn StampPrint(props: &StampProps) -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let (loaded, _) = use_stamp(&ctx, props.stamp_idx);
    let on_print = Callback::from(|_: MouseEvent| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    });
    let body = match loaded {
        None => html! { <p class="loading" role="status">{ t.loading }</p> },
        Some(Err(failure)) => error_line(lang, &Some(failure)),
        Some(Ok((StampView { stamp, .. }, _))) => html! {
            <div class="counter-card">
                <h1>{ &stamp.card_nm }</h1>
                if !stamp.card_ttl.is_empty() { <p class="reward">{ &stamp.card_ttl }</p> }
                <Qr text={stamp.stamp_url.clone()} label={i18n::qr_name(lang, stamp.stamp_idx)} />
                <p class="scan">{ t.scan_hint }</p>
            </div>
        },
    };
    html! {
        <section class="page print-view">
            <div class="buttons no-print">
                <a class="btn secondary" href={Route::Stamp(props.stamp_idx).href()}>{ t.back }</a>
                <button type="button" class="btn primary" onclick={on_print}>{ t.print }</button>
            </div>
            { body }
        </section>
    }
}
