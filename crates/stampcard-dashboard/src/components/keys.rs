//! API keys (owners): the list (never the keys, only their first characters), a form that
//! creates one and shows it once with a copy button, and revoke behind a confirmation.

use stampcard_core::dashboard::{KeyView, NewKeyView};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::CallError;
use crate::components::confirm::Confirm;
use crate::components::{copy_to_clipboard, error_line, event_value, use_ctx};
use crate::i18n::text;

/// The API keys page.
#[component]
pub fn KeysPage() -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let keys = use_state(|| None::<Result<Vec<KeyView>, CallError>>);
    let serial = use_state(|| 0u32);
    let label = use_state(String::new);
    let created = use_state(|| None::<NewKeyView>);
    let busy = use_state(|| false);
    let error = use_state(|| None::<CallError>);
    let notice = use_state(|| None::<&'static str>);
    let confirm = use_state(|| None::<i64>);
    {
        let (ctx, keys) = (ctx.clone(), keys.clone());
        use_effect_with(*serial, move |_| {
            spawn_local(async move {
                let result = ctx.api.keys().await;
                if let Err(error) = &result {
                    ctx.check(error);
                }
                keys.set(Some(result));
            });
        });
    }
    let on_label = {
        let label = label.clone();
        Callback::from(move |event: InputEvent| label.set(event_value(&event)))
    };
    let on_create = {
        let (ctx, label, created, busy, error, notice, serial) =
            (ctx.clone(), label.clone(), created.clone(), busy.clone(), error.clone(), notice.clone(), serial.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if *busy {
                return;
            }
            let (ctx, label, created, busy, error, notice, serial) = (
                ctx.clone(),
                label.clone(),
                created.clone(),
                busy.clone(),
                error.clone(),
                notice.clone(),
                serial.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let result = ctx.api.create_key(label.trim()).await;
                busy.set(false);
                match result {
                    Ok(key) => {
                        created.set(Some(key));
                        label.set(String::new());
                        error.set(None);
                        notice.set(None);
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
    let on_revoke = {
        let (ctx, busy, error, notice, confirm, serial, created) = (
            ctx.clone(),
            busy.clone(),
            error.clone(),
            notice.clone(),
            confirm.clone(),
            serial.clone(),
            created.clone(),
        );
        Callback::from(move |api_key_idx: i64| {
            let (ctx, busy, error, notice, confirm, serial, created) = (
                ctx.clone(),
                busy.clone(),
                error.clone(),
                notice.clone(),
                confirm.clone(),
                serial.clone(),
                created.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let result = ctx.api.revoke_key(api_key_idx).await;
                busy.set(false);
                confirm.set(None);
                match result {
                    Ok(()) => {
                        // A revoked key shown above would only mislead.
                        if created.as_ref().is_some_and(|key| key.api_key_idx == api_key_idx) {
                            created.set(None);
                        }
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
    let new_key = created.as_ref().map(|key| {
        let on_copy = {
            let (text_to_copy, notice) = (key.api_key.clone(), notice.clone());
            Callback::from(move |_: MouseEvent| {
                let (text_to_copy, notice) = (text_to_copy.clone(), notice.clone());
                spawn_local(async move {
                    if copy_to_clipboard(&text_to_copy).await {
                        notice.set(Some(text(lang).copied));
                    }
                });
            })
        };
        html! {
            <div class="alert info new-key" role="status">
                <p id="new-key-label">{ format!("{} ({})", t.key_once, key.label) }</p>
                <p><code aria-labelledby="new-key-label">{ &key.api_key }</code></p>
                <button type="button" class="btn secondary" onclick={on_copy}>{ t.copy_key }</button>
            </div>
        }
    });
    let body = match &*keys {
        None => html! { <p class="loading" role="status">{ t.loading }</p> },
        Some(Err(failure)) => error_line(lang, &Some(failure.clone())),
        Some(Ok(list)) if list.is_empty() => html! { <p class="empty">{ t.no_keys }</p> },
        Some(Ok(list)) => {
            let rows = list.iter().map(|key| {
                let api_key_idx = key.api_key_idx;
                let name = if key.label.is_empty() { format!("{}…", key.key_prefix) } else { key.label.clone() };
                let ask = {
                    let confirm = confirm.clone();
                    Callback::from(move |_: MouseEvent| confirm.set(Some(api_key_idx)))
                };
                html! {
                    <tr key={api_key_idx}>
                        <td class="num">{ api_key_idx }</td>
                        <td>{ &key.label }</td>
                        <td><code>{ format!("{}…", key.key_prefix) }</code></td>
                        <td class="dates">{ &key.reg_ymdt }</td>
                        <td>
                            if let Some(when) = &key.revoked_ymdt {
                                <span class="badge inactive">{ t.revoked }</span><span class="sub">{ when }</span>
                            } else {
                                <span class="badge active">{ t.active }</span>
                            }
                        </td>
                        <td>
                            if key.revoked_ymdt.is_none() {
                                <button type="button" class="btn danger" disabled={*busy} onclick={ask}
                                    aria-label={format!("{} {name}", t.revoke)}>{ t.revoke }</button>
                            }
                        </td>
                    </tr>
                }
            });
            html! {
                <div class="table-wrap">
                    <table>
                        <caption>{ t.keys_caption }</caption>
                        <thead><tr>
                            <th scope="col">{ t.col_number }</th>
                            <th scope="col">{ t.key_label }</th>
                            <th scope="col">{ t.col_key }</th>
                            <th scope="col">{ t.col_created }</th>
                            <th scope="col">{ t.col_state }</th>
                            <th scope="col">{ t.actions }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
        }
    };
    let dialog = (*confirm).map(|api_key_idx| {
        let on_confirm = {
            let on_revoke = on_revoke.clone();
            Callback::from(move |()| on_revoke.emit(api_key_idx))
        };
        let on_cancel = {
            let confirm = confirm.clone();
            Callback::from(move |()| confirm.set(None))
        };
        html! { <Confirm question={t.confirm_revoke} confirm={t.revoke} busy={*busy} {on_confirm} {on_cancel} /> }
    });
    html! {
        <section class="page keys">
            <h1>{ t.nav_keys }</h1>
            { for new_key }
            { error_line(lang, &error) }
            if let Some(notice) = *notice { <p class="alert ok" role="status">{ notice }</p> }
            { body }
            <form class="panel" onsubmit={on_create}>
                <h2>{ t.create_key }</h2>
                <div class="field">
                    <label for="key-label">{ t.key_label }</label>
                    <input id="key-label" type="text" value={(*label).clone()} oninput={on_label} autocomplete="off"
                        maxlength="100" />
                </div>
                <button type="submit" class="btn primary" disabled={*busy}>{ t.create_key }</button>
            </form>
            { for dialog }
        </section>
    }
}
