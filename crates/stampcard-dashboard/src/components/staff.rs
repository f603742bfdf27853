//! Staff members (owners): the list with each member's cards and state, a form to add one
//! (name, password, cards, with the core's verdict beside each field), deactivate or activate,
//! and delete behind a confirmation.

use std::collections::BTreeMap;

use stampcard_core::find::StampStatus;
use stampcard_core::staff::{StaffUpdateRequest, StaffView};
use stampcard_core::types::YesNo;
use stampcard_core::wire::CardView;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::CallError;
use crate::components::confirm::Confirm;
use crate::components::{error_line, event_value, use_ctx};
use crate::i18n::{self, text};
use crate::state::staff_form::StaffForm;

/// The staff members and the account's cards (for names and the form's checkboxes).
type Loaded = Option<Result<(Vec<StaffView>, Vec<CardView>), CallError>>;

/// The staff page.
#[component]
pub fn StaffPage() -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let loaded = use_state(|| None as Loaded);
    let serial = use_state(|| 0u32);
    let form = use_state(StaffForm::default);
    let tried = use_state(|| false);
    let busy = use_state(|| false);
    let error = use_state(|| None::<CallError>);
    let notice = use_state(|| None::<&'static str>);
    let confirm = use_state(|| None::<i64>);
    {
        let (ctx, loaded) = (ctx.clone(), loaded.clone());
        use_effect_with(*serial, move |_| {
            spawn_local(async move {
                let result = match ctx.api.staff().await {
                    Ok(staff) => ctx.api.cards().await.map(|cards| (staff, cards)),
                    Err(error) => Err(error),
                };
                if let Err(error) = &result {
                    ctx.check(error);
                }
                loaded.set(Some(result));
            });
        });
    }
    // Runs a change, then reloads the list.
    let change = {
        let (ctx, serial, busy, error, notice, confirm) =
            (ctx.clone(), serial.clone(), busy.clone(), error.clone(), notice.clone(), confirm.clone());
        Callback::from(move |(body, delete): (StaffUpdateRequest, bool)| {
            let (ctx, serial, busy, error, notice, confirm) =
                (ctx.clone(), serial.clone(), busy.clone(), error.clone(), notice.clone(), confirm.clone());
            busy.set(true);
            spawn_local(async move {
                let result =
                    if delete { ctx.api.delete_staff(body.staff_idx).await } else { ctx.api.update_staff(&body).await };
                busy.set(false);
                confirm.set(None);
                match result {
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
    let on_submit = {
        let (ctx, form, tried, busy, error, notice, serial) =
            (ctx.clone(), form.clone(), tried.clone(), busy.clone(), error.clone(), notice.clone(), serial.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            tried.set(true);
            if !form.is_valid() || *busy {
                return;
            }
            let (ctx, form, tried, busy, error, notice, serial) =
                (ctx.clone(), form.clone(), tried.clone(), busy.clone(), error.clone(), notice.clone(), serial.clone());
            busy.set(true);
            spawn_local(async move {
                let result = ctx.api.create_staff(&form.request()).await;
                busy.set(false);
                match result {
                    Ok(_) => {
                        form.set(StaffForm::default());
                        tried.set(false);
                        error.set(None);
                        notice.set(Some(text(ctx.lang).staff_added));
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
    let edit = |apply: fn(&mut StaffForm, String)| {
        let form = form.clone();
        Callback::from(move |event: InputEvent| {
            let mut next = (*form).clone();
            apply(&mut next, event_value(&event));
            form.set(next);
        })
    };
    let verdict = |id: &str, field: &str| {
        let shown = (*tried).then(|| form.error(field)).flatten();
        match shown {
            Some(failure) => html! { <span id={format!("{id}-error")} class="field-error">{ failure.message }</span> },
            None => html! {},
        }
    };
    let invalid = |field: &str| (*tried && form.error(field).is_some()).then_some("true");
    let (staff, cards) = match &*loaded {
        None => {
            return html! { <section class="page"><h1>{ t.nav_staff }</h1><p class="loading" role="status">{ t.loading }</p></section> };
        }
        Some(Err(failure)) => {
            return html! { <section class="page"><h1>{ t.nav_staff }</h1>{ error_line(lang, &Some(failure.clone())) }</section> };
        }
        Some(Ok(loaded)) => loaded.clone(),
    };
    let names: BTreeMap<i64, String> = cards.iter().map(|card| (card.card_idx, card.card_nm.clone())).collect();
    let card_boxes = cards.iter().map(|card| {
        let id = format!("staff-card-{}", card.card_idx);
        let card_idx = card.card_idx;
        let onchange = {
            let form = form.clone();
            Callback::from(move |_: Event| {
                let mut next = (*form).clone();
                next.toggle_card(card_idx);
                form.set(next);
            })
        };
        html! {
            <label class="check" for={id.clone()} key={card_idx}>
                <input {id} type="checkbox" checked={form.card_idxs.contains(&card_idx)} {onchange} />
                { format!("{} (#{card_idx})", card.card_nm) }
            </label>
        }
    });
    let rows = staff.iter().map(|member| {
        let staff_idx = member.staff_idx;
        let active = member.active_yn == YesNo::Y;
        let cards_text = match &member.card_idxs {
            None => t.every_card.to_owned(),
            Some(list) => list
                .iter()
                .map(|idx| names.get(idx).cloned().unwrap_or_else(|| format!("#{idx}")))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let on_toggle = {
            let change = change.clone();
            let active_yn = if active { YesNo::N } else { YesNo::Y };
            Callback::from(move |_: MouseEvent| {
                change.emit((StaffUpdateRequest { staff_idx, active_yn: Some(active_yn), ..Default::default() }, false))
            })
        };
        let on_delete = {
            let confirm = confirm.clone();
            Callback::from(move |_: MouseEvent| confirm.set(Some(staff_idx)))
        };
        html! {
            <tr key={staff_idx}>
                <td class="num">{ staff_idx }</td>
                <td>{ &member.staff_nm }</td>
                <td>{ cards_text }</td>
                <td><span class={classes!("badge", if active { "active" } else { "inactive" })}>
                    { if active { t.active } else { i18n::status(lang, StampStatus::Inactive) } }</span></td>
                <td class="row-actions">
                    <button type="button" class="btn secondary" disabled={*busy} onclick={on_toggle}
                        aria-label={format!("{} {}", if active { t.deactivate } else { t.activate }, member.staff_nm)}>
                        { if active { t.deactivate } else { t.activate } }</button>
                    <button type="button" class="btn danger" disabled={*busy} onclick={on_delete}
                        aria-label={format!("{} {}", t.delete, member.staff_nm)}>{ t.delete }</button>
                </td>
            </tr>
        }
    });
    let dialog = (*confirm).map(|staff_idx| {
        let on_confirm = {
            let change = change.clone();
            Callback::from(move |()| change.emit((StaffUpdateRequest { staff_idx, ..Default::default() }, true)))
        };
        let on_cancel = {
            let confirm = confirm.clone();
            Callback::from(move |()| confirm.set(None))
        };
        html! { <Confirm question={t.confirm_delete_staff} confirm={t.delete} busy={*busy} {on_confirm} {on_cancel} /> }
    });
    html! {
        <section class="page staff">
            <h1>{ t.nav_staff }</h1>
            <p class="hint">{ t.staff_hint }</p>
            { error_line(lang, &error) }
            if let Some(notice) = *notice { <p class="alert ok" role="status">{ notice }</p> }
            if staff.is_empty() {
                <p class="empty">{ t.no_staff }</p>
            } else {
                <div class="table-wrap">
                    <table>
                        <caption>{ t.staff_caption }</caption>
                        <thead><tr>
                            <th scope="col">{ t.col_number }</th>
                            <th scope="col">{ t.staff_nm }</th>
                            <th scope="col">{ t.nav_cards }</th>
                            <th scope="col">{ t.col_state }</th>
                            <th scope="col">{ t.actions }</th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
            <form class="panel" onsubmit={on_submit} novalidate=true>
                <h2>{ t.add_staff }</h2>
                <div class="field">
                    <label for="staff-nm">{ t.staff_nm }</label>
                    <input id="staff-nm" type="text" value={form.staff_nm.clone()} autocomplete="off"
                        oninput={edit(|form, value| form.staff_nm = value)} aria-invalid={invalid("staffNm")}
                        aria-describedby={invalid("staffNm").map(|_| "staff-nm-error")} />
                    { verdict("staff-nm", "staffNm") }
                </div>
                <div class="field">
                    <label for="staff-pwd">{ t.staff_pwd }</label>
                    <input id="staff-pwd" type="password" value={form.staff_pwd.clone()} autocomplete="new-password"
                        oninput={edit(|form, value| form.staff_pwd = value)} aria-invalid={invalid("staffPwd")}
                        aria-describedby={invalid("staffPwd").map(|_| "staff-pwd-error")} />
                    { verdict("staff-pwd", "staffPwd") }
                </div>
                if !cards.is_empty() {
                    <fieldset class="field">
                        <legend>{ t.staff_cards }</legend>
                        { for card_boxes }
                        { verdict("staff-cards", "cardIdxs") }
                    </fieldset>
                }
                <div class="buttons">
                    <button type="submit" class="btn primary" disabled={*busy}>{ t.add_staff }</button>
                </div>
            </form>
            { for dialog }
        </section>
    }
}
