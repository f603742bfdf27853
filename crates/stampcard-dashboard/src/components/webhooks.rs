//! Webhooks (owners): the endpoints in a table, a form that adds one (the core's verdict beside
//! each field) and shows its signing secret once with a copy button, enable and disable,
//! rotate the secret, a test event, delete behind a confirmation; and [`WebhookLog`], one
//! endpoint's deliveries with a status filter, cursor pages and re-send.

use std::rc::Rc;

use stampcard_core::webhook::{DeliveryStatus, WebhookEventType, WebhookFormat, WebhookUpdateRequest};
use stampcard_core::wire::CardView;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::confirm::Confirm;
use crate::components::{copy_to_clipboard, error_line, event_value, use_ctx};
use crate::i18n::{self, text};
use crate::state::route::Route;
use crate::state::webhooks::{LogAction, LogState, WebhookForm, WebhooksAction, WebhooksState, last_attempt};

/// `WebhooksState` as a Yew reducer; the transitions are in [`WebhooksState::reduce`].
struct Store(WebhooksState);

impl Reducible for Store {
    type Action = WebhooksAction;

    fn reduce(self: Rc<Self>, action: WebhooksAction) -> Rc<Self> {
        Rc::new(Store(self.0.clone().reduce(action)))
    }
}

/// `LogState` as a Yew reducer; the transitions are in [`LogState::reduce`].
struct Log(LogState);

impl Reducible for Log {
    type Action = LogAction;

    fn reduce(self: Rc<Self>, action: LogAction) -> Rc<Self> {
        Rc::new(Log(self.0.clone().reduce(action)))
    }
}

/// A change to one endpoint, from its row.
#[derive(Debug, Clone, Copy)]
enum Change {
    Enable(i64, bool),
    Rotate(i64),
    Test(i64),
    Delete(i64),
}

/// Longest response excerpt the log's table shows (the API keeps up to 512 bytes).
const EXCERPT_CHARS: usize = 160;

/// The webhooks page.
#[component]
pub fn WebhooksPage() -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let store = use_reducer(|| Store(WebhooksState::default()));
    let state = &store.0;
    let cards = use_state(Vec::<CardView>::new);
    let form = use_state(WebhookForm::default);
    let tried = use_state(|| false);
    let copied = use_state(|| false);
    {
        let (ctx, dispatcher, cards) = (ctx.clone(), store.dispatcher(), cards.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let result = ctx.api.webhooks().await;
                if let Err(error) = &result {
                    ctx.check(error);
                }
                dispatcher.dispatch(WebhooksAction::Loaded(result));
                // Only the card select's choices and names: without them every card is "#N".
                if let Ok(list) = ctx.api.cards().await {
                    cards.set(list);
                }
            });
        });
    }
    let change = {
        let (ctx, dispatcher, copied) = (ctx.clone(), store.dispatcher(), copied.clone());
        Callback::from(move |change: Change| {
            let (ctx, dispatcher) = (ctx.clone(), dispatcher.clone());
            dispatcher.dispatch(WebhooksAction::Sending);
            copied.set(false);
            spawn_local(async move {
                let api = &ctx.api;
                let result = match change {
                    Change::Enable(webhook_idx, enabled) => {
                        let body = WebhookUpdateRequest { webhook_idx, enabled: Some(enabled), ..Default::default() };
                        api.update_webhook(&body).await.map(WebhooksAction::Updated)
                    }
                    Change::Rotate(webhook_idx) => api.rotate_secret(webhook_idx).await.map(WebhooksAction::Rotated),
                    Change::Test(webhook_idx) => api.test_webhook(webhook_idx).await.map(|()| WebhooksAction::Tested),
                    Change::Delete(webhook_idx) => {
                        api.delete_webhook(webhook_idx).await.map(|()| WebhooksAction::Deleted(webhook_idx))
                    }
                };
                dispatcher.dispatch(result.unwrap_or_else(|failure| {
                    ctx.check(&failure);
                    WebhooksAction::Failed(failure)
                }));
            });
        })
    };
    let on_submit = {
        let (ctx, dispatcher, form, tried, copied) =
            (ctx.clone(), store.dispatcher(), form.clone(), tried.clone(), copied.clone());
        let busy = state.busy;
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            tried.set(true);
            if !form.is_valid() || busy {
                return;
            }
            let (ctx, dispatcher, form, tried) = (ctx.clone(), dispatcher.clone(), form.clone(), tried.clone());
            dispatcher.dispatch(WebhooksAction::Sending);
            copied.set(false);
            spawn_local(async move {
                match ctx.api.create_webhook(&form.request()).await {
                    Ok(created) => {
                        form.set(WebhookForm::default());
                        tried.set(false);
                        dispatcher.dispatch(WebhooksAction::Created(created));
                    }
                    Err(failure) => {
                        ctx.check(&failure);
                        dispatcher.dispatch(WebhooksAction::Failed(failure));
                    }
                }
            });
        })
    };
    let edit = |apply: fn(&mut WebhookForm, String)| {
        let form = form.clone();
        Callback::from(move |event: Event| {
            let mut next = (*form).clone();
            apply(&mut next, event_value(&event));
            form.set(next);
        })
    };
    let on_url = {
        let form = form.clone();
        Callback::from(move |event: InputEvent| form.set(WebhookForm { url: event_value(&event), ..(*form).clone() }))
    };
    let url_error = (*tried || !form.url.is_empty()).then(|| form.error("url")).flatten();
    let events_error = form.error("events");

    let secret = state.secret.as_ref().map(|secret| {
        let on_copy = {
            let (value, copied) = (secret.secret.clone(), copied.clone());
            Callback::from(move |_: MouseEvent| {
                let (value, copied) = (value.clone(), copied.clone());
                spawn_local(async move {
                    copied.set(copy_to_clipboard(&value).await);
                });
            })
        };
        let on_hide = {
            let (dispatcher, copied) = (store.dispatcher(), copied.clone());
            Callback::from(move |_: MouseEvent| {
                copied.set(false);
                dispatcher.dispatch(WebhooksAction::HideSecret);
            })
        };
        html! {
            <div class="alert info new-key" role="status">
                <p id="secret-label">{ format!("{} (#{})", t.secret_once, secret.webhook_idx) }</p>
                <p><code aria-labelledby="secret-label">{ &secret.secret }</code></p>
                if secret.rotated { <p>{ t.secret_overlap }</p> }
                <div class="buttons">
                    <button type="button" class="btn secondary" onclick={on_copy}>{ t.copy_secret }</button>
                    <button type="button" class="btn secondary" onclick={on_hide}>{ t.hide }</button>
                </div>
                if *copied { <p>{ t.secret_copied }</p> }
            </div>
        }
    });

    let card_name = |card_idx: i64| {
        cards
            .iter()
            .find(|card| card.card_idx == card_idx)
            .map_or_else(|| format!("#{card_idx}"), |c| c.card_nm.clone())
    };
    let body = match &state.list {
        None => html! { <p class="loading" role="status">{ t.loading }</p> },
        Some(Err(failure)) => error_line(lang, &Some(failure.clone())),
        Some(Ok(list)) if list.is_empty() => html! { <p class="empty">{ t.no_webhooks }</p> },
        Some(Ok(list)) => {
            let rows = list.iter().map(|hook| {
                let idx = hook.webhook_idx;
                let click = |change_to: Change| {
                    let change = change.clone();
                    Callback::from(move |_: MouseEvent| change.emit(change_to))
                };
                let ask = {
                    let dispatcher = store.dispatcher();
                    Callback::from(move |_: MouseEvent| dispatcher.dispatch(WebhooksAction::AskDelete(idx)))
                };
                let events = match &hook.events {
                    None => t.all.to_owned(),
                    Some(list) => list.iter().fold(String::new(), |line, kind| {
                        if line.is_empty() { kind.as_str().to_owned() } else { line + ", " + kind.as_str() }
                    }),
                };
                let (toggle, state_name) = if hook.enabled { (t.disable, t.enabled) } else { (t.enable, t.disabled) };
                let named = |action: &str| format!("{action} #{idx}");
                html! {
                    <tr key={idx}>
                        <td class="num">{ idx }</td>
                        <td class="url">{ &hook.url }</td>
                        <td>{ events }</td>
                        <td>{ hook.card_idx.map_or_else(|| t.every_card.to_owned(), card_name) }</td>
                        <td>{ hook.format.as_str() }</td>
                        <td>
                            <span class={classes!("badge", if hook.enabled { "active" } else { "inactive" })}>{ state_name }</span>
                            if let Some(until) = &hook.previous_secret_until_ymdt {
                                <span class="sub">{ i18n::old_secret_until(lang, until) }</span>
                            }
                        </td>
                        <td class="row-actions">
                            <button type="button" class="btn secondary" disabled={state.busy}
                                onclick={click(Change::Enable(idx, !hook.enabled))} aria-label={named(toggle)}>{ toggle }</button>
                            <button type="button" class="btn secondary" disabled={state.busy}
                                onclick={click(Change::Rotate(idx))} aria-label={named(t.rotate_secret)}>{ t.rotate_secret }</button>
                            <button type="button" class="btn secondary" disabled={state.busy}
                                onclick={click(Change::Test(idx))} aria-label={named(t.send_test)}>{ t.send_test }</button>
                            <a class="btn secondary" href={Route::WebhookLog(idx).href()}
                                aria-label={named(t.delivery_log)}>{ t.delivery_log }</a>
                            <button type="button" class="btn danger" disabled={state.busy} onclick={ask}
                                aria-label={named(t.delete)}>{ t.delete }</button>
                        </td>
                    </tr>
                }
            });
            html! {
                <div class="table-wrap">
                    <table>
                        <caption>{ t.webhooks_caption }</caption>
                        <thead><tr>
                            <th scope="col">{ t.col_number }</th>
                            <th scope="col">{ t.webhook_url }</th>
                            <th scope="col">{ t.events }</th>
                            <th scope="col">{ t.col_card }</th>
                            <th scope="col">{ t.format }</th>
                            <th scope="col">{ t.col_state }</th>
                            <th scope="col">{ t.actions }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
        }
    };

    let on_all = {
        let form = form.clone();
        Callback::from(move |_: Event| form.set(WebhookForm { all_events: !form.all_events, ..(*form).clone() }))
    };
    let event_boxes = WebhookEventType::SUBSCRIBABLE.into_iter().map(|kind| {
        let id = format!("hook-event-{}", kind.as_str().replace('.', "-"));
        let onchange = {
            let form = form.clone();
            Callback::from(move |_: Event| {
                let mut next = (*form).clone();
                next.toggle_event(kind);
                form.set(next);
            })
        };
        html! {
            <label class="check" for={id.clone()}>
                <input {id} type="checkbox" checked={form.events.contains(&kind)} {onchange} />
                { kind.as_str() }
            </label>
        }
    });
    let card_options = cards.iter().map(|card| {
        let selected = form.card_idx == Some(card.card_idx);
        html! { <option value={card.card_idx.to_string()} {selected}>{ &card.card_nm }</option> }
    });
    let formats = [(WebhookFormat::Vivoldi, t.format_vivoldi), (WebhookFormat::Standard, t.format_standard)]
        .into_iter()
        .map(|(format, name)| {
            let id = format!("hook-format-{}", format.as_str());
            let onchange = {
                let form = form.clone();
                Callback::from(move |_: Event| form.set(WebhookForm { format, ..(*form).clone() }))
            };
            html! {
                <label class="check" for={id.clone()}>
                    <input {id} type="radio" name="hook-format" checked={form.format == format} {onchange} />
                    { name }
                </label>
            }
        });
    let dialog = state.confirm.map(|webhook_idx| {
        let on_confirm = change.reform(move |()| Change::Delete(webhook_idx));
        let on_cancel = {
            let dispatcher = store.dispatcher();
            Callback::from(move |()| dispatcher.dispatch(WebhooksAction::Cancel))
        };
        html! { <Confirm question={t.confirm_delete_webhook} confirm={t.delete} busy={state.busy} {on_confirm} {on_cancel} /> }
    });
    html! {
        <section class="page webhooks">
            <h1>{ t.nav_webhooks }</h1>
            <p class="hint">{ t.webhooks_intro }</p>
            { for secret }
            { error_line(lang, &state.error) }
            if let Some(notice) = state.notice { <p class="alert ok" role="status">{ i18n::webhook_notice(lang, notice) }</p> }
            { body }
            <form class="panel" onsubmit={on_submit} novalidate=true>
                <h2>{ t.add_webhook }</h2>
                <div class="field">
                    <label for="hook-url">{ t.webhook_url }</label>
                    <input id="hook-url" type="url" value={form.url.clone()} oninput={on_url} autocomplete="off"
                        inputmode="url" aria-invalid={url_error.as_ref().map(|_| "true")}
                        aria-describedby={if url_error.is_some() { "hook-url-error hook-url-hint" } else { "hook-url-hint" }} />
                    <span id="hook-url-hint" class="hint">{ t.webhook_url_hint }</span>
                    if let Some(failure) = &url_error { <span id="hook-url-error" class="field-error">{ &failure.message }</span> }
                </div>
                <fieldset class="field">
                    <legend>{ t.events }</legend>
                    <label class="check" for="hook-all-events">
                        <input id="hook-all-events" type="checkbox" checked={form.all_events} onchange={on_all} />
                        { t.all_events }
                    </label>
                    if !form.all_events { { for event_boxes } }
                    if let Some(failure) = &events_error { <span class="field-error" role="alert">{ &failure.message }</span> }
                </fieldset>
                <div class="field">
                    <label for="hook-card">{ t.col_card }</label>
                    <select id="hook-card" onchange={edit(|form, value| form.card_idx = value.parse().ok())}>
                        <option value="" selected={form.card_idx.is_none()}>{ t.every_card }</option>
                        { for card_options }
                    </select>
                </div>
                <fieldset class="field">
                    <legend>{ t.format }</legend>
                    { for formats }
                </fieldset>
                <button type="submit" class="btn primary" disabled={state.busy}>{ t.add_webhook }</button>
            </form>
            { for dialog }
        </section>
    }
}

/// Properties of [`WebhookLog`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct WebhookLogProps {
    /// The endpoint.
    pub webhook_idx: i64,
}

/// One endpoint's delivery log.
#[component]
pub fn WebhookLog(props: &WebhookLogProps) -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let webhook_idx = props.webhook_idx;
    let store = use_reducer(move || Log(LogState::new(webhook_idx)));
    let state = &store.0;
    let url = use_state(String::new);
    {
        let (ctx, url) = (ctx.clone(), url.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                // The heading's URL only: the log's own call reports a missing endpoint.
                if let Ok(list) = ctx.api.webhooks().await
                    && let Some(hook) = list.items.into_iter().find(|hook| hook.webhook_idx == webhook_idx)
                {
                    url.set(hook.url);
                }
            });
        });
    }
    {
        let (ctx, dispatcher, query) = (ctx.clone(), store.dispatcher(), state.to_query());
        use_effect_with(state.load, move |load| {
            let load = *load;
            spawn_local(async move {
                let result = ctx.api.deliveries(&query).await;
                if let Err(error) = &result {
                    ctx.check(error);
                }
                dispatcher.dispatch(LogAction::Loaded { load, result });
            });
        });
    }
    let click = |action: LogAction| {
        let dispatcher = store.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(action.clone()))
    };
    let on_status = {
        let dispatcher = store.dispatcher();
        Callback::from(move |event: Event| {
            dispatcher.dispatch(LogAction::Status(DeliveryStatus::parse(&event_value(&event))))
        })
    };
    let status_options = DeliveryStatus::ALL.into_iter().map(|status| {
        html! {
            <option value={status.as_str()} selected={state.status == Some(status)}>
                { i18n::delivery_status(lang, status) }</option>
        }
    });
    let rows = state.items.iter().map(|item| {
        let delivery_idx = item.delivery_idx;
        let on_resend = {
            let (ctx, dispatcher) = (ctx.clone(), store.dispatcher());
            Callback::from(move |_: MouseEvent| {
                let (ctx, dispatcher) = (ctx.clone(), dispatcher.clone());
                dispatcher.dispatch(LogAction::Resending);
                spawn_local(async move {
                    let result = ctx.api.redeliver(delivery_idx).await;
                    if let Err(error) = &result {
                        ctx.check(error);
                    }
                    dispatcher.dispatch(LogAction::Resent(result));
                });
            })
        };
        let about = match (item.stamp_idx, item.sequence) {
            (Some(stamp), Some(sequence)) => format!("{} · #{stamp} · {sequence}", item.event_type.as_str()),
            _ => item.event_type.as_str().to_owned(),
        };
        let badge = match item.status {
            DeliveryStatus::Delivered => "active",
            DeliveryStatus::Dead => "inactive",
            DeliveryStatus::Pending | DeliveryStatus::Retrying => "full",
        };
        let last = last_attempt(item);
        let excerpt: String = last.map(|a| a.response_excerpt.chars().take(EXCERPT_CHARS).collect()).unwrap_or_default();
        html! {
            <tr key={delivery_idx}>
                <td><code class="uid">{ &item.event_id }</code><span class="sub">{ about }</span></td>
                <td>
                    <span class={classes!("badge", badge)}>{ i18n::delivery_status(lang, item.status) }</span>
                    if let Some(when) = &item.next_attempt_ymdt { <span class="sub">{ i18n::next_attempt(lang, when) }</span> }
                </td>
                <td class="num">{ item.attempts.len() }</td>
                <td class="dates">{ last.map_or_else(|| t.not_tried.to_owned(), |a| i18n::attempt_line(lang, a)) }</td>
                <td class="url">if !excerpt.is_empty() { <code>{ excerpt }</code> }</td>
                <td>
                    <button type="button" class="btn secondary" disabled={state.busy} onclick={on_resend}
                        aria-label={format!("{} {}", t.resend, item.event_id)}>{ t.resend }</button>
                </td>
            </tr>
        }
    });
    html! {
        <section class="page webhook-log">
            <p><a href={Route::Webhooks.href()}>{ t.all_endpoints }</a></p>
            <h1>{ t.delivery_log }</h1>
            <p class="url">{ format!("#{webhook_idx} {}", *url) }</p>
            <div class="filters">
                <div class="field">
                    <label for="log-status">{ t.status_filter }</label>
                    <select id="log-status" onchange={on_status}>
                        <option value="" selected={state.status.is_none()}>{ t.all }</option>
                        { for status_options }
                    </select>
                </div>
                <div class="field">
                    <span class="label-space" aria-hidden="true">{ "\u{a0}" }</span>
                    <button type="button" class="btn secondary" onclick={click(LogAction::Reload)}
                        disabled={state.loading}>{ t.refresh }</button>
                </div>
            </div>
            if state.resent.is_some() { <p class="alert ok" role="status">{ t.resent }</p> }
            { error_line(lang, &state.error) }
            <div class="table-wrap">
                <table aria-busy={state.loading.then_some("true")}>
                    <caption>{ t.log_caption }</caption>
                    <thead><tr>
                        <th scope="col">{ t.col_event }</th>
                        <th scope="col">{ t.col_status }</th>
                        <th scope="col">{ t.col_attempts }</th>
                        <th scope="col">{ t.col_last_attempt }</th>
                        <th scope="col">{ t.col_response }</th>
                        <th scope="col">{ t.actions }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if state.loading {
                <p class="loading" role="status">{ t.loading }</p>
            } else if state.items.is_empty() && state.error.is_none() {
                <p class="empty">{ t.no_deliveries }</p>
            }
            <div class="pager">
                <button type="button" class="btn secondary" onclick={click(LogAction::Previous)}
                    disabled={state.page_number() <= 1 || state.loading}>{ t.previous }</button>
                <span>{ i18n::page(lang, state.page_number()) }</span>
                <button type="button" class="btn secondary" onclick={click(LogAction::Next)}
                    disabled={state.next_cursor.is_none() || state.loading}>{ t.next }</button>
            </div>
        </section>
    }
}
