//! The "New stamp" form: issues a card to a customer, then opens the new stamp's page, which
//! shows its page link and QR code.

use stampcard_core::input::FieldError;
use stampcard_core::wire::CardView;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::CallError;
use crate::components::{error_line, event_value, go, use_ctx};
use crate::i18n::text;
use crate::state::card_form::is_retired;
use crate::state::route::Route;
use crate::state::stamp_form::StampForm;

/// Properties of [`Field`].
#[derive(Debug, Clone, PartialEq, Properties)]
struct FieldProps {
    id: AttrValue,
    label: AttrValue,
    value: AttrValue,
    #[prop_or("text".into())]
    kind: AttrValue,
    #[prop_or_default]
    hint: Option<AttrValue>,
    error: Option<FieldError>,
    on_input: Callback<String>,
}

/// One labelled field with the core's verdict beside it.
#[component]
fn Field(props: &FieldProps) -> Html {
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
            <input id={&props.id} type={&props.kind} value={&props.value} {oninput} autocomplete="off"
                aria-invalid={props.error.is_some().then_some("true")}
                aria-describedby={(!described.is_empty()).then_some(described)} />
            if let Some(hint) = &props.hint { <span id={hint_id} class="hint">{ hint }</span> }
            if let Some(error) = &props.error { <span id={error_id} class="field-error">{ &error.message }</span> }
        </div>
    }
}

/// The "New stamp" page.
#[component]
pub fn NewStamp() -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let today = ctx.today;
    let form = use_state(|| StampForm::new(None, today));
    let cards = use_state(|| None::<Vec<CardView>>);
    let error = use_state(|| None::<CallError>);
    let busy = use_state(|| false);
    let tried = use_state(|| false);
    {
        let (ctx, cards, error, form) = (ctx.clone(), cards.clone(), error.clone(), form.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match ctx.api.cards().await {
                    Ok(list) => {
                        let open: Vec<CardView> = list.into_iter().filter(|card| !is_retired(card)).collect();
                        // One card: nothing to choose.
                        if let [only] = open.as_slice() {
                            form.set(StampForm::new(Some(only.card_idx), ctx.today));
                        }
                        cards.set(Some(open));
                    }
                    Err(failure) => {
                        ctx.check(&failure);
                        error.set(Some(failure));
                    }
                }
            });
        });
    }
    let set = |apply: fn(&mut StampForm, String)| {
        let form = form.clone();
        Callback::from(move |value: String| {
            let mut next = (*form).clone();
            apply(&mut next, value);
            form.set(next);
        })
    };
    // A field's verdict shows once it holds something or a save was tried.
    let shown =
        |field: &str, value: &str| (*tried || !value.trim().is_empty()).then(|| form.error(field, today)).flatten();
    let on_card = {
        let form = form.clone();
        Callback::from(move |event: Event| {
            let mut next = (*form).clone();
            next.card_idx = event_value(&event);
            form.set(next);
        })
    };
    let onsubmit = {
        let (ctx, form, error, busy, tried) = (ctx.clone(), form.clone(), error.clone(), busy.clone(), tried.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            tried.set(true);
            let Ok(request) = form.check(ctx.today) else { return };
            if *busy {
                return;
            }
            busy.set(true);
            let (ctx, error, busy) = (ctx.clone(), error.clone(), busy.clone());
            spawn_local(async move {
                let result = ctx.api.create_stamp(&request).await;
                busy.set(false);
                match result {
                    Ok(stamp_idx) => go(&Route::Stamp(stamp_idx).href()),
                    Err(failure) => {
                        ctx.check(&failure);
                        error.set(Some(failure));
                    }
                }
            });
        })
    };
    let card_error = shown("cardIdx", &form.card_idx);
    let options = cards.iter().flatten().map(|card| {
        let selected = form.card_idx == card.card_idx.to_string();
        html! { <option value={card.card_idx.to_string()} {selected}>{ &card.card_nm }</option> }
    });
    html! {
        <section class="page new-stamp">
            <h1>{ t.new_stamp }</h1>
            if cards.is_none() && error.is_none() {
                <p class="loading" role="status">{ t.loading }</p>
            }
            <form class="panel" {onsubmit} novalidate=true>
                <div class="field">
                    <label for="new-card">{ t.col_card }</label>
                    <select id="new-card" onchange={on_card} aria-invalid={card_error.is_some().then_some("true")}
                        aria-describedby={card_error.is_some().then_some("new-card-error")}>
                        <option value="" selected={form.card_idx.is_empty()}>{ t.choose_card }</option>
                        { for options }
                    </select>
                    if let Some(problem) = &card_error { <span id="new-card-error" class="field-error">{ &problem.message }</span> }
                </div>
                <Field id="new-user-id" label={t.user_id} value={form.user_id.clone()} hint={AttrValue::from(t.user_id_hint)}
                    error={shown("userId", &form.user_id)} on_input={set(|f, v| f.user_id = v)} />
                <Field id="new-user-nm" label={t.user_nm} value={form.user_nm.clone()}
                    error={shown("userNm", &form.user_nm)} on_input={set(|f, v| f.user_nm = v)} />
                <Field id="new-user-phnno" label={t.user_phnno} value={form.user_phnno.clone()} kind="tel"
                    error={shown("userPhnno", &form.user_phnno)} on_input={set(|f, v| f.user_phnno = v)} />
                <Field id="new-user-eml" label={t.user_eml} value={form.user_eml.clone()} kind="email"
                    error={shown("userEml", &form.user_eml)} on_input={set(|f, v| f.user_eml = v)} />
                <Field id="new-memo" label={t.memo} value={form.memo.clone()}
                    error={shown("memo", &form.memo)} on_input={set(|f, v| f.memo = v)} />
                <Field id="new-strt-ymd" label={t.strt_ymd} value={form.strt_ymd.clone()} kind="date"
                    error={shown("strtYmd", &form.strt_ymd)} on_input={set(|f, v| f.strt_ymd = v)} />
                <Field id="new-end-ymd" label={t.end_ymd} value={form.end_ymd.clone()} kind="date"
                    error={shown("endYmd", &form.end_ymd)} on_input={set(|f, v| f.end_ymd = v)} />
                { error_line(lang, &error) }
                <button type="submit" class="btn primary" aria-busy={busy.then_some("true")}>{ t.issue }</button>
            </form>
        </section>
    }
}
