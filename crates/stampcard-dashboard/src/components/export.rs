//! Export (owners): a card and a status, then links that download every matching stamp from
//! `GET /api/stamp/v1/export`. A plain link: the browser sends the session cookie with it (same
//! origin, a GET needs no CSRF token) and streams the file to disk, so a large shop's export
//! never passes through the page's memory.

use stampcard_core::find::{StampStatus, paths};
use stampcard_core::wire::CardView;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::CallError;
use crate::components::{error_line, event_value, use_ctx};
use crate::i18n::{self, text};
use crate::state::stamps::FILTER_STATUSES;

/// The export URL for a card (all when `None`), a status (all when `None`) and a format
/// (`csv` or `jsonl`).
pub fn export_url(card_idx: Option<i64>, status: Option<StampStatus>, format: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(card_idx) = card_idx {
        query.append_pair("cardIdx", &card_idx.to_string());
    }
    if let Some(status) = status {
        query.append_pair("status", status.as_str());
    }
    query.append_pair("format", format);
    format!("{}?{}", paths::EXPORT, query.finish())
}

/// The export page.
#[component]
pub fn ExportPage() -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let cards = use_state(|| None::<Result<Vec<CardView>, CallError>>);
    let card_idx = use_state(|| None::<i64>);
    let status = use_state(|| None::<StampStatus>);
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
    let on_card = {
        let card_idx = card_idx.clone();
        Callback::from(move |event: Event| card_idx.set(event_value(&event).parse().ok()))
    };
    let on_status = {
        let status = status.clone();
        Callback::from(move |event: Event| status.set(StampStatus::parse(&event_value(&event)).ok()))
    };
    let card_options = match &*cards {
        Some(Ok(list)) => list
            .iter()
            .map(|card| {
                let selected = *card_idx == Some(card.card_idx);
                html! { <option value={card.card_idx.to_string()} {selected}>{ &card.card_nm }</option> }
            })
            .collect::<Html>(),
        _ => html! {},
    };
    let status_options = FILTER_STATUSES.into_iter().map(|choice| {
        let selected = *status == Some(choice);
        html! { <option value={choice.as_str()} {selected}>{ i18n::status(lang, choice) }</option> }
    });
    let load_error = match &*cards {
        Some(Err(failure)) => Some(failure.clone()),
        _ => None,
    };
    html! {
        <section class="page export">
            <h1>{ t.nav_export }</h1>
            <p class="hint">{ t.export_intro }</p>
            { error_line(lang, &load_error) }
            <div class="panel">
                <div class="filters">
                    <div class="field">
                        <label for="export-card">{ t.card_filter }</label>
                        <select id="export-card" onchange={on_card}>
                            <option value="" selected={card_idx.is_none()}>{ t.all }</option>
                            { card_options }
                        </select>
                    </div>
                    <div class="field">
                        <label for="export-status">{ t.status_filter }</label>
                        <select id="export-status" onchange={on_status}>
                            <option value="" selected={status.is_none()}>{ t.all }</option>
                            { for status_options }
                        </select>
                    </div>
                </div>
                <div class="buttons">
                    <a class="btn primary" href={export_url(*card_idx, *status, "csv")} download="">{ t.download_csv }</a>
                    <a class="btn secondary" href={export_url(*card_idx, *status, "jsonl")} download="">
                        { t.download_jsonl }</a>
                </div>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_carries_only_the_filters_chosen() {
        assert_eq!(export_url(None, None, "csv"), "/api/stamp/v1/export?format=csv");
        assert_eq!(
            export_url(Some(3), Some(StampStatus::Full), "jsonl"),
            "/api/stamp/v1/export?cardIdx=3&status=FULL&format=jsonl"
        );
    }
}
