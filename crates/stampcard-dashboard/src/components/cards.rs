//! The card list: a table of the account's cards, with links to edit them (owners).

use stampcard_core::dashboard::Role;
use stampcard_core::wire::CardView;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::CallError;
use crate::components::{error_line, use_ctx};
use crate::i18n::text;
use crate::state::card_form::is_retired;
use crate::state::route::Route;

/// The cards page.
#[component]
pub fn CardsPage() -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let cards = use_state(|| None::<Result<Vec<CardView>, CallError>>);
    {
        let (ctx, cards) = (ctx.clone(), cards.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let result = ctx.api.cards().await;
                if let Err(error) = &result {
                    ctx.check(error);
                }
                cards.set(Some(result));
            });
        });
    }
    let owner = ctx.role == Role::Owner;
    let body = match &*cards {
        None => html! { <p class="loading" role="status">{ t.loading }</p> },
        Some(Err(error)) => error_line(lang, &Some(error.clone())),
        Some(Ok(list)) if list.is_empty() => html! { <p class="empty">{ t.no_cards }</p> },
        Some(Ok(list)) => {
            let rows = list.iter().map(|card| {
                html! {
                    <tr key={card.card_idx}>
                        <td class="num">{ format!("#{}", card.card_idx) }</td>
                        <td>
                            { &card.card_nm }
                            if is_retired(card) { { " " }<span class="badge inactive">{ t.retired }</span> }
                        </td>
                        <td>{ &card.card_ttl }</td>
                        <td class="num">{ card.max_stamps }</td>
                        if owner {
                            <td><a href={Route::CardEdit(card.card_idx).href()}
                                aria-label={format!("{} {}", t.edit, card.card_nm)}>{ t.edit }</a></td>
                        }
                    </tr>
                }
            });
            html! {
                <div class="table-wrap">
                    <table>
                        <caption>{ t.cards_caption }</caption>
                        <thead>
                            <tr>
                                <th scope="col">{ "#" }</th>
                                <th scope="col">{ t.card_nm }</th>
                                <th scope="col">{ t.card_ttl }</th>
                                <th scope="col">{ t.max_stamps }</th>
                                if owner { <th scope="col"><span class="sr-only">{ t.edit }</span></th> }
                            </tr>
                        </thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
        }
    };
    html! {
        <section class="page cards">
            <div class="title-row">
                <h1>{ t.nav_cards }</h1>
                if owner { <a class="btn primary" href={Route::CardNew.href()}>{ t.new_card }</a> }
            </div>
            { body }
        </section>
    }
}
