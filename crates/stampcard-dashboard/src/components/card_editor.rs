//! Creating and editing a card: every field with the core's verdict beside it as the owner
//! types, and the live preview of the customer's card.

use std::rc::Rc;

use stampcard_core::input::FieldError;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::CallError;
use crate::components::preview::Preview;
use crate::components::{error_line, event_checked, event_value, go, use_ctx};
use crate::i18n::{Lang, text};
use crate::state::card_form::{CardForm, Field};
use crate::state::route::Route;

/// Properties of [`CardEditor`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct CardEditorProps {
    /// The card to edit; `None` for a new one.
    pub card_idx: Option<i64>,
}

/// Properties of [`TextField`].
#[derive(Debug, Clone, PartialEq, Properties)]
struct TextFieldProps {
    id: AttrValue,
    label: AttrValue,
    value: AttrValue,
    #[prop_or_default]
    hint: Option<AttrValue>,
    #[prop_or("text".into())]
    kind: AttrValue,
    #[prop_or_default]
    inputmode: Option<AttrValue>,
    /// Shown only once the field was touched or a save was tried.
    error: Option<FieldError>,
    on_input: Callback<String>,
}

/// One labelled field with its hint and the core's verdict.
#[component]
fn TextField(props: &TextFieldProps) -> Html {
    let oninput = props.on_input.reform(|event: InputEvent| event_value(&event));
    let hint_id = format!("{}-hint", props.id);
    let error_id = format!("{}-error", props.id);
    let described = [props.hint.as_ref().map(|_| hint_id.clone()), props.error.as_ref().map(|_| error_id.clone())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        <div class="field">
            <label for={&props.id}>{ &props.label }</label>
            <input id={&props.id} type={&props.kind} value={&props.value} {oninput}
                inputmode={props.inputmode.clone()} autocomplete="off"
                aria-invalid={props.error.is_some().then_some("true")}
                aria-describedby={(!described.is_empty()).then_some(described)} />
            if let Some(hint) = &props.hint { <span id={hint_id} class="hint">{ hint }</span> }
            if let Some(error) = &props.error { <span id={error_id} class="field-error">{ &error.message }</span> }
        </div>
    }
}

/// The card editor.
#[component]
pub fn CardEditor(props: &CardEditorProps) -> Html {
    let ctx = use_ctx();
    let lang: Lang = ctx.lang;
    let t = text(lang);
    let form = use_state(|| props.card_idx.is_none().then(CardForm::new_card));
    let error = use_state(|| None::<CallError>);
    let busy = use_state(|| false);
    let saved = use_state(|| false);
    // Which fields were typed in: a verdict shows beside a field once it was touched, and
    // beside every field once a save was tried.
    let touched = use_state(Vec::<Field>::new);
    let tried = use_state(|| false);
    // An existing card: load it.
    {
        let (ctx, form, error) = (ctx.clone(), form.clone(), error.clone());
        use_effect_with(props.card_idx, move |card_idx| {
            if let Some(card_idx) = *card_idx {
                spawn_local(async move {
                    match ctx.api.cards().await {
                        Ok(cards) => match cards.iter().find(|card| card.card_idx == card_idx) {
                            Some(card) => form.set(Some(CardForm::edit(card))),
                            None => error.set(Some(CallError::Refused {
                                status: 404,
                                code: stampcard_core::ErrorCode::CardNotFound.code(),
                                message: String::new(),
                            })),
                        },
                        Err(failure) => {
                            ctx.check(&failure);
                            error.set(Some(failure));
                        }
                    }
                });
            }
        });
    }
    let title = if props.card_idx.is_some() { t.edit_card_title } else { t.new_card_title };
    let Some(current) = (*form).clone() else {
        return html! {
            <section class="page card-editor">
                <h1>{ title }</h1>
                if error.is_some() { { error_line(lang, &error) } } else { <p class="loading" role="status">{ t.loading }</p> }
            </section>
        };
    };
    let setter = |field: Field, apply: fn(&mut CardForm, String)| {
        let (form, touched) = (form.clone(), touched.clone());
        Callback::from(move |value: String| {
            if let Some(mut next) = (*form).clone() {
                apply(&mut next, value);
                form.set(Some(next));
            }
            if !touched.contains(&field) {
                let mut more = (*touched).clone();
                more.push(field);
                touched.set(more);
            }
        })
    };
    let shown = |field: Field| (*tried || touched.contains(&field)).then(|| current.error(field)).flatten();
    let on_auto_renew = {
        let form = form.clone();
        Callback::from(move |event: Event| {
            if let Some(mut next) = (*form).clone() {
                next.auto_renew = event_checked(&event);
                form.set(Some(next));
            }
        })
    };
    let on_retired = {
        let form = form.clone();
        Callback::from(move |event: Event| {
            if let Some(mut next) = (*form).clone() {
                next.retired = event_checked(&event);
                form.set(Some(next));
            }
        })
    };
    let onsubmit = {
        let (ctx, current, error, busy, saved, tried) =
            (ctx.clone(), current.clone(), error.clone(), busy.clone(), saved.clone(), tried.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            tried.set(true);
            saved.set(false);
            if *busy {
                return;
            }
            let (ctx, error, busy, saved) = (ctx.clone(), error.clone(), busy.clone(), saved.clone());
            if let Some(body) = current.create_body() {
                busy.set(true);
                spawn_local(async move {
                    let result = ctx.api.create_card(&body).await;
                    busy.set(false);
                    match result {
                        Ok(card) => go(&Route::CardEdit(card.card_idx).href()),
                        Err(failure) => {
                            ctx.check(&failure);
                            error.set(Some(failure));
                        }
                    }
                });
            } else if let Some(body) = current.update_body() {
                busy.set(true);
                spawn_local(async move {
                    let result = ctx.api.update_card(&body).await;
                    busy.set(false);
                    match result {
                        Ok(()) => {
                            error.set(None);
                            saved.set(true);
                        }
                        Err(failure) => {
                            ctx.check(&failure);
                            error.set(Some(failure));
                        }
                    }
                });
            }
        })
    };
    let view = Rc::new(current.preview(ctx.today));
    let editing = current.card_idx.is_some();
    html! {
        <section class="page card-editor">
            <h1>{ title }</h1>
            <div class="split">
                <form class="panel" {onsubmit} novalidate=true>
                    <TextField id="card-nm" label={t.card_nm} value={current.card_nm.clone()} error={shown(Field::CardNm)}
                        on_input={setter(Field::CardNm, |f, v| f.card_nm = v)} />
                    <TextField id="card-ttl" label={t.card_ttl} value={current.card_ttl.clone()} error={shown(Field::CardTtl)}
                        on_input={setter(Field::CardTtl, |f, v| f.card_ttl = v)} />
                    <TextField id="max-stamps" label={t.max_stamps} value={current.max_stamps.clone()} kind="number"
                        inputmode="numeric" error={shown(Field::MaxStamps)} hint={AttrValue::from("1 – 100")}
                        on_input={setter(Field::MaxStamps, |f, v| f.max_stamps = v)} />
                    <TextField id="stamp-img-url" label={t.stamp_img_url} value={current.stamp_img_url.clone()} kind="url"
                        error={shown(Field::StampImgUrl)} on_input={setter(Field::StampImgUrl, |f, v| f.stamp_img_url = v)} />
                    <TextField id="button-url" label={t.button_url} value={current.url.clone()} kind="url"
                        error={shown(Field::Url)} on_input={setter(Field::Url, |f, v| f.url = v)} />
                    <TextField id="onsite-pwd" label={t.onsite_pwd} value={current.onsite_pwd.clone()} kind="password"
                        error={shown(Field::OnsitePwd)} hint={editing.then_some(AttrValue::from(t.onsite_pwd_keep))}
                        on_input={setter(Field::OnsitePwd, |f, v| f.onsite_pwd = v)} />
                    <TextField id="cooldown-secs" label={t.cooldown_secs} value={current.cooldown_secs.clone()} kind="number"
                        inputmode="numeric" hint={AttrValue::from(t.zero_off)} error={shown(Field::CooldownSecs)}
                        on_input={setter(Field::CooldownSecs, |f, v| f.cooldown_secs = v)} />
                    <TextField id="max-adds-per-day" label={t.max_adds_per_day} value={current.max_adds_per_day.clone()}
                        kind="number" inputmode="numeric" hint={AttrValue::from(t.zero_off)} error={shown(Field::MaxAddsPerDay)}
                        on_input={setter(Field::MaxAddsPerDay, |f, v| f.max_adds_per_day = v)} />
                    <div class="check-field">
                        <input id="auto-renew" type="checkbox" checked={current.auto_renew} onchange={on_auto_renew} />
                        <label for="auto-renew">{ t.auto_renew }</label>
                    </div>
                    if editing {
                        <div class="check-field">
                            <input id="retired" type="checkbox" checked={current.retired} onchange={on_retired} />
                            <label for="retired">{ t.retire }</label>
                        </div>
                    }
                    { error_line(lang, &error) }
                    if *saved { <p class="alert ok" role="status">{ t.saved }</p> }
                    <button type="submit" class="btn primary" aria-busy={busy.then_some("true")}>{ t.save }</button>
                </form>
                <aside class="panel preview" aria-labelledby="preview-title">
                    <h2 id="preview-title">{ t.preview }</h2>
                    <Preview view={view} />
                </aside>
            </div>
        </section>
    }
}
