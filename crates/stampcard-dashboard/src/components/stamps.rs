//! The stamps page: search, filters by card and status, a real table with a checkbox per row,
//! pages by the API's cursor, and bulk Deactivate, Activate and Delete behind a confirmation.

use std::rc::Rc;

use stampcard_core::dashboard::Role;
use stampcard_core::find::StampStatus;
use stampcard_core::wire::{BulkAction, CardView};

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::confirm::Confirm;
use crate::components::{error_line, event_checked, event_value, use_ctx};
use crate::i18n::{self, text, ymd};
use crate::state::route::Route;
use crate::state::stamps::{FILTER_STATUSES, StampsAction, StampsState};

/// `StampsState` as a Yew reducer; the transitions are in [`StampsState::reduce`].
struct Store(StampsState);

impl Reducible for Store {
    type Action = StampsAction;

    fn reduce(self: Rc<Self>, action: StampsAction) -> Rc<Self> {
        Rc::new(Store(self.0.clone().reduce(action)))
    }
}

/// The stamps page.
#[component]
pub fn StampsPage() -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let store = use_reducer(|| Store(StampsState::new()));
    let state = &store.0;
    let cards = use_state(Vec::<CardView>::new);
    // The card filter's choices.
    {
        let (ctx, cards) = (ctx.clone(), cards.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match ctx.api.cards().await {
                    Ok(list) => cards.set(list),
                    Err(error) => ctx.check(&error),
                }
            });
        });
    }
    // (Re)load the page whenever `load` changes.
    {
        let (ctx, dispatcher) = (ctx.clone(), store.dispatcher());
        let query = state.query.to_query(state.cursor());
        use_effect_with(state.load, move |load| {
            let load = *load;
            spawn_local(async move {
                let result = ctx.api.list(&query).await;
                if let Err(error) = &result {
                    ctx.check(error);
                }
                dispatcher.dispatch(StampsAction::Loaded { load, result });
            });
        });
    }
    let dispatch = |make: fn(String) -> StampsAction| {
        let dispatcher = store.dispatcher();
        Callback::from(move |event: Event| dispatcher.dispatch(make(event_value(&event))))
    };
    let on_search = {
        let dispatcher = store.dispatcher();
        Callback::from(move |event: InputEvent| dispatcher.dispatch(StampsAction::Search(event_value(&event))))
    };
    let on_card = dispatch(|value| StampsAction::Card(value.parse().ok()));
    let on_status = dispatch(|value| StampsAction::Status(StampStatus::parse(&value).ok()));
    let on_confirm = {
        let (ctx, dispatcher) = (ctx.clone(), store.dispatcher());
        let (action, ids) = (state.confirm, state.selected.iter().copied().collect::<Vec<_>>());
        Callback::from(move |()| {
            let Some(action) = action else { return };
            dispatcher.dispatch(StampsAction::Confirmed);
            let (ctx, dispatcher, ids) = (ctx.clone(), dispatcher.clone(), ids.clone());
            spawn_local(async move {
                let result = ctx.api.bulk(action, ids).await;
                if let Err(error) = &result {
                    ctx.check(error);
                }
                dispatcher.dispatch(StampsAction::BulkDone(result));
            });
        })
    };
    let on_cancel = {
        let dispatcher = store.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(StampsAction::Cancel))
    };
    let click = |action: StampsAction| {
        let dispatcher = store.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(action.clone()))
    };
    let owner = ctx.role == Role::Owner;
    let count = state.selected.len();
    let card_options = cards.iter().map(|card| {
        let selected = state.query.card_idx == Some(card.card_idx);
        html! { <option value={card.card_idx.to_string()} {selected}>{ &card.card_nm }</option> }
    });
    let status_options = FILTER_STATUSES.into_iter().map(|status| {
        let selected = state.query.status == Some(status);
        html! { <option value={status.as_str()} {selected}>{ i18n::status(lang, status) }</option> }
    });
    let rows = state.items.iter().map(|item| {
        let id = item.stamp.stamp_idx;
        let checked = state.selected.contains(&id);
        let on_toggle = {
            let dispatcher = store.dispatcher();
            Callback::from(move |_: Event| dispatcher.dispatch(StampsAction::Toggle(id)))
        };
        let who = [&item.stamp.user_nm, &item.stamp.user_phnno, &item.stamp.user_eml]
            .into_iter()
            .filter(|field| !field.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" · ");
        html! {
            <tr key={id} class={classes!(checked.then_some("selected"))}>
                if owner {
                    <td class="check">
                        <input type="checkbox" {checked} onchange={on_toggle}
                            aria-label={i18n::select_stamp(lang, id, &item.stamp.user_id)} />
                    </td>
                }
                <td><a href={Route::Stamp(id).href()}>{ format!("#{id}") }</a></td>
                <td><span class="uid">{ &item.stamp.user_id }</span>if !who.is_empty() { <span class="sub">{ who }</span> }</td>
                <td>{ &item.stamp.card_nm }</td>
                <td class="num">{ format!("{} / {}", item.stamp.stamps, item.stamp.max_stamps) }</td>
                <td><span class={classes!("badge", item.status.as_str().to_ascii_lowercase())}>{ i18n::status(lang, item.status) }</span></td>
                <td class="dates">{ format!("{} – {}", ymd(item.stamp.strt_ymd), ymd(item.stamp.end_ymd)) }</td>
            </tr>
        }
    });
    let on_all = {
        let dispatcher = store.dispatcher();
        Callback::from(move |event: Event| {
            let _ = event_checked(&event);
            dispatcher.dispatch(StampsAction::ToggleAll)
        })
    };
    let bulk_buttons = [BulkAction::Deactivate, BulkAction::Activate, BulkAction::Delete].into_iter().map(|action| {
        let class = if action == BulkAction::Delete { "btn danger" } else { "btn secondary" };
        html! {
            <button type="button" {class} disabled={count == 0} onclick={click(StampsAction::Ask(action))}>
                { i18n::bulk_label(lang, action) }
            </button>
        }
    });
    html! {
        <section class="page stamps">
            <div class="title-row">
                <h1>{ t.nav_stamps }</h1>
                <a class="btn primary" href={Route::StampNew.href()}>{ t.new_stamp }</a>
            </div>
            <div class="filters" role="search">
                <div class="field grow">
                    <label for="stamp-search">{ t.search }</label>
                    <input id="stamp-search" type="search" value={state.query.q.clone()} oninput={on_search}
                        aria-describedby="stamp-search-hint" autocomplete="off" />
                    <span id="stamp-search-hint" class="hint">{ t.search_hint }</span>
                </div>
                <div class="field">
                    <label for="stamp-card">{ t.card_filter }</label>
                    <select id="stamp-card" onchange={on_card}>
                        <option value="" selected={state.query.card_idx.is_none()}>{ t.all }</option>
                        { for card_options }
                    </select>
                </div>
                <div class="field">
                    <label for="stamp-status">{ t.status_filter }</label>
                    <select id="stamp-status" onchange={on_status}>
                        <option value="" selected={state.query.status.is_none()}>{ t.all }</option>
                        { for status_options }
                    </select>
                </div>
            </div>
            if owner {
                <div class="toolbar" role="group" aria-label={t.bulk_actions}>
                    <span class="count" aria-live="polite">{ i18n::selected(lang, count) }</span>
                    { for bulk_buttons }
                </div>
            }
            if let Some(done) = &state.done {
                <p class="alert ok" role="status">{ i18n::bulk_done(lang, done) }</p>
            }
            { error_line(lang, &state.error) }
            <div class="table-wrap">
                <table aria-busy={state.loading.then_some("true")}>
                    <caption>{ t.stamps_caption }</caption>
                    <thead>
                        <tr>
                            if owner {
                                <th scope="col" class="check">
                                    <input type="checkbox" checked={state.all_selected()} onchange={on_all}
                                        disabled={state.items.is_empty()} aria-label={t.select_all} />
                                </th>
                            }
                            <th scope="col">{ t.col_stamp }</th>
                            <th scope="col">{ t.col_customer }</th>
                            <th scope="col">{ t.col_card }</th>
                            <th scope="col">{ t.col_stamps }</th>
                            <th scope="col">{ t.col_status }</th>
                            <th scope="col">{ t.col_valid }</th>
                        </tr>
                    </thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if state.loading {
                <p class="loading" role="status">{ t.loading }</p>
            } else if state.items.is_empty() && state.error.is_none() {
                <p class="empty">{ t.no_stamps }</p>
            }
            <div class="pager">
                <button type="button" class="btn secondary" onclick={click(StampsAction::Previous)}
                    disabled={state.page_number() <= 1 || state.loading}>{ t.previous }</button>
                <span>{ i18n::page(lang, state.page_number()) }</span>
                <button type="button" class="btn secondary" onclick={click(StampsAction::Next)}
                    disabled={state.next_cursor.is_none() || state.loading}>{ t.next }</button>
            </div>
            if let Some(action) = state.confirm {
                <Confirm question={i18n::bulk_question(lang, action, count)}
                    confirm={i18n::bulk_label(lang, action)} busy={state.busy} {on_confirm} {on_cancel} />
            }
        </section>
    }
}
