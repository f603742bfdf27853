//! Import (owners): a card and a CSV file, a dry run that lists refused lines first, then the
//! import itself, all rows or none (`POST /api/stamp/v1/import`). Import stays disabled until a
//! dry run of this very file on this very card found nothing to refuse.

use stampcard_core::wire::{CardView, ImportResult};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use yew::prelude::*;

use crate::api::CallError;
use crate::components::{error_line, event_value, use_ctx};
use crate::i18n::{self, text};
use crate::state::card_form::is_retired;
use crate::state::route::Route;

/// The file chosen: its name and text.
#[derive(Debug, Clone, PartialEq)]
struct Chosen {
    name: String,
    text: String,
}

/// The import page.
#[component]
pub fn ImportPage() -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let cards = use_state(|| None::<Result<Vec<CardView>, CallError>>);
    let card_idx = use_state(|| None::<i64>);
    let file = use_state(|| None::<Chosen>);
    // The last answer and whether it was the dry run.
    let result = use_state(|| None::<ImportResult>);
    let busy = use_state(|| false);
    let error = use_state(|| None::<CallError>);
    {
        let (ctx, cards) = (ctx.clone(), cards.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let answer = ctx.api.cards().await;
                if let Err(failure) = &answer {
                    ctx.check(failure);
                }
                cards.set(Some(answer));
            });
        });
    }
    let on_card = {
        let (card_idx, result) = (card_idx.clone(), result.clone());
        Callback::from(move |event: Event| {
            card_idx.set(event_value(&event).parse().ok());
            result.set(None);
        })
    };
    let on_file = {
        let (file, result, error) = (file.clone(), result.clone(), error.clone());
        Callback::from(move |event: Event| {
            result.set(None);
            let input = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok());
            let Some(chosen) = input.and_then(|input| input.files()).and_then(|files| files.get(0)) else {
                file.set(None);
                return;
            };
            let (file, error) = (file.clone(), error.clone());
            spawn_local(async move {
                match JsFuture::from(chosen.text()).await.ok().and_then(|text| text.as_string()) {
                    Some(text) => {
                        error.set(None);
                        file.set(Some(Chosen { name: chosen.name(), text }));
                    }
                    None => file.set(None),
                }
            });
        })
    };
    let send = {
        let (ctx, card_idx, file, result, busy, error) =
            (ctx.clone(), card_idx.clone(), file.clone(), result.clone(), busy.clone(), error.clone());
        Callback::from(move |dry_run: bool| {
            let (Some(card), Some(chosen)) = (*card_idx, (*file).clone()) else { return };
            if *busy {
                return;
            }
            let (ctx, result, busy, error) = (ctx.clone(), result.clone(), busy.clone(), error.clone());
            busy.set(true);
            spawn_local(async move {
                let answer = ctx.api.import(card, dry_run, chosen.text).await;
                busy.set(false);
                match answer {
                    Ok(answer) => {
                        error.set(None);
                        result.set(Some(answer));
                    }
                    Err(failure) => {
                        ctx.check(&failure);
                        error.set(Some(failure));
                        result.set(None);
                    }
                }
            });
        })
    };
    let on_check = {
        let send = send.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            send.emit(true);
        })
    };
    let on_import = {
        let send = send.clone();
        Callback::from(move |_: MouseEvent| send.emit(false))
    };
    let ready = card_idx.is_some() && file.is_some();
    let checked_clean = result.as_ref().is_some_and(|r| r.dry_run.is_yes() && r.refused.is_empty());
    let options = match &*cards {
        Some(Ok(list)) => list
            .iter()
            .filter(|card| !is_retired(card))
            .map(|card| {
                let selected = *card_idx == Some(card.card_idx);
                html! { <option value={card.card_idx.to_string()} {selected}>{ &card.card_nm }</option> }
            })
            .collect::<Html>(),
        _ => html! {},
    };
    let report = result.as_ref().map(|answer| {
        if !answer.refused.is_empty() {
            let rows = answer.refused.iter().map(|refusal| {
                html! {
                    <tr key={refusal.line}>
                        <td class="num">{ refusal.line }</td>
                        <td>{ i18n::code_message(lang, refusal.code, &refusal.message) }</td>
                    </tr>
                }
            });
            html! {
                <>
                    <p class="alert err" role="alert">{ i18n::import_refused(lang, answer.refused.len(), answer.rows) }</p>
                    <div class="table-wrap">
                        <table>
                            <caption>{ t.refused_lines }</caption>
                            <thead><tr><th scope="col">{ t.col_line }</th><th scope="col">{ t.col_reason }</th></tr></thead>
                            <tbody>{ for rows }</tbody>
                        </table>
                    </div>
                </>
            }
        } else if answer.dry_run.is_yes() {
            html! { <p class="alert ok" role="status">{ i18n::import_checked(lang, answer.rows) }</p> }
        } else {
            html! {
                <p class="alert ok" role="status">
                    { i18n::import_done(lang, answer.created) }{ " " }
                    <a href={Route::Stamps.href()}>{ t.nav_stamps }</a>
                </p>
            }
        }
    });
    let load_error = match &*cards {
        Some(Err(failure)) => Some(failure.clone()),
        _ => None,
    };
    html! {
        <section class="page import">
            <h1>{ t.nav_import }</h1>
            <p class="hint">{ t.import_intro }</p>
            { error_line(lang, &load_error) }
            <form class="panel" onsubmit={on_check}>
                <div class="field">
                    <label for="import-card">{ t.col_card }</label>
                    <select id="import-card" onchange={on_card}>
                        <option value="" selected={card_idx.is_none()}>{ t.choose_card }</option>
                        { options }
                    </select>
                </div>
                <div class="field">
                    <label for="import-file">{ t.csv_file }</label>
                    <input id="import-file" type="file" accept=".csv,text/csv" onchange={on_file} />
                    if let Some(chosen) = &*file { <span class="hint">{ &chosen.name }</span> }
                </div>
                <div class="buttons">
                    <button type="submit" class="btn secondary" disabled={!ready || *busy}>{ t.check_file }</button>
                    <button type="button" class="btn primary" disabled={!ready || !checked_clean || *busy}
                        onclick={on_import}>{ t.import_now }</button>
                </div>
                { error_line(lang, &error) }
            </form>
            // Always there, so the report appearing does not make Yew rebuild the form (and
            // with it the file input, which would lose the chosen file).
            <div class="import-report">{ for report }</div>
        </section>
    }
}
