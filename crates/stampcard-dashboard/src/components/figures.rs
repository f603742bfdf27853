//! Figures (owners): for a card (or all) and a period, stamps added, rewards redeemed, stamps
//! issued and customers stamped per day (`GET /api/stamp/v1/stats`), each as an SVG bar chart
//! with the same numbers in a table beside it. The chart is a picture for sighted users
//! (`aria-hidden`); the table is what a screen reader reads, so nothing is said twice.

use stampcard_core::find::StatsResult;
use stampcard_core::wire::CardView;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::CallError;
use crate::components::{error_line, event_value, use_ctx};
use crate::i18n::{Text, text, ymd};
use crate::state::figures::{self, BAR_WIDTH, CHART_HEIGHT, Figure};

/// The heading of a figure's chart.
fn title(t: &Text, figure: Figure) -> &'static str {
    match figure {
        Figure::Adds => t.chart_adds,
        Figure::Redeems => t.chart_redeems,
        Figure::Created => t.chart_created,
        Figure::Customers => t.chart_customers,
    }
}

/// Properties of [`Chart`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct ChartProps {
    /// The period's figures.
    pub stats: StatsResult,
    /// Which one this chart shows.
    pub figure: Figure,
}

/// One figure: the bars and the table.
#[component]
pub fn Chart(props: &ChartProps) -> Html {
    let ctx = use_ctx();
    let t = text(ctx.lang);
    let figure = props.figure;
    let heading_id = format!("chart-{}", figure.id());
    let bars = figures::bars(&props.stats, figure).into_iter().map(|bar| {
        html! {
            <rect class="bar" x={bar.x.to_string()} y={bar.y.to_string()} width={BAR_WIDTH.to_string()}
                height={bar.height.to_string()} />
        }
    });
    let rows = props.stats.days.iter().map(|day| {
        html! { <tr><th scope="row">{ ymd(day.ymd) }</th><td class="num">{ figure.of(&day.counts) }</td></tr> }
    });
    let width = figures::chart_width(props.stats.days.len());
    let max = props.stats.days.iter().map(|day| figure.of(&day.counts)).max().unwrap_or(0);
    let first = props.stats.days.first().map(|day| ymd(day.ymd)).unwrap_or_default();
    let last = props.stats.days.last().map(|day| ymd(day.ymd)).unwrap_or_default();
    html! {
        <section class="chart panel" aria-labelledby={heading_id.clone()}>
            <h2 id={heading_id}>{ format!("{} · {}", title(t, figure), figure.of(&props.stats.totals)) }</h2>
            <div class="chart-body">
                <figure aria-hidden="true">
                    <svg viewBox={format!("0 0 {width} {}", CHART_HEIGHT + 2)} preserveAspectRatio="none"
                        focusable="false">
                        <line class="axis" x1="0" x2={width.to_string()} y1={CHART_HEIGHT.to_string()}
                            y2={CHART_HEIGHT.to_string()} />
                        { for bars }
                    </svg>
                    <figcaption class="axis-labels"><span>{ first }</span><span>{ format!("max {max}") }</span>
                        <span>{ last }</span></figcaption>
                </figure>
                <div class="table-wrap scroll" tabindex="0" role="region" aria-label={title(t, figure)}>
                    <table>
                        <caption class="sr-only">{ title(t, figure) }</caption>
                        <thead><tr><th scope="col">{ t.col_day }</th><th scope="col">{ title(t, figure) }</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                        <tfoot><tr><th scope="row">{ t.col_total }</th>
                            <td class="num">{ figure.of(&props.stats.totals) }</td></tr></tfoot>
                    </table>
                </div>
            </div>
        </section>
    }
}

/// The figures page.
#[component]
pub fn FiguresPage() -> Html {
    let ctx = use_ctx();
    let lang = ctx.lang;
    let t = text(lang);
    let (default_from, default_to) = figures::default_period(ctx.today);
    let cards = use_state(|| None::<Result<Vec<CardView>, CallError>>);
    let card_idx = use_state(|| None::<i64>);
    let from = use_state(|| figures::day_text(default_from));
    let to = use_state(|| figures::day_text(default_to));
    // The query shown: changes only when "Show" is pressed with a valid period.
    let asked = use_state(|| (None::<i64>, default_from, default_to));
    let stats = use_state(|| None::<Result<StatsResult, CallError>>);
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
    {
        let (ctx, stats) = (ctx.clone(), stats.clone());
        use_effect_with(*asked, move |(card, first, last)| {
            stats.set(None);
            let mut query = form_urlencoded::Serializer::new(String::new());
            if let Some(card) = card {
                query.append_pair("cardIdx", &card.to_string());
            }
            query.append_pair("from", &figures::day_text(*first));
            query.append_pair("to", &figures::day_text(*last));
            let query = query.finish();
            spawn_local(async move {
                let answer = ctx.api.stats(&query).await;
                if let Err(failure) = &answer {
                    ctx.check(failure);
                }
                stats.set(Some(answer));
            });
        });
    }
    let period = figures::period(&from, &to);
    let on_show = {
        let (card_idx, asked) = (card_idx.clone(), asked.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if let Some((first, last)) = period {
                asked.set((*card_idx, first, last));
            }
        })
    };
    let on_card = {
        let card_idx = card_idx.clone();
        Callback::from(move |event: Event| card_idx.set(event_value(&event).parse().ok()))
    };
    let on_from = {
        let from = from.clone();
        Callback::from(move |event: InputEvent| from.set(event_value(&event)))
    };
    let on_to = {
        let to = to.clone();
        Callback::from(move |event: InputEvent| to.set(event_value(&event)))
    };
    let options = match &*cards {
        Some(Ok(list)) => list
            .iter()
            .map(|card| {
                let selected = *card_idx == Some(card.card_idx);
                html! { <option value={card.card_idx.to_string()} {selected}>{ &card.card_nm }</option> }
            })
            .collect::<Html>(),
        _ => html! {},
    };
    let invalid = period.is_none().then_some("true");
    let body = match &*stats {
        None => html! { <p class="loading" role="status">{ t.loading }</p> },
        Some(Err(failure)) => error_line(lang, &Some(failure.clone())),
        Some(Ok(result)) => html! {
            <div class="charts">
                { for Figure::ALL.into_iter().map(|figure| html! { <Chart stats={result.clone()} {figure} /> }) }
            </div>
        },
    };
    html! {
        <section class="page figures">
            <h1>{ t.nav_figures }</h1>
            <form class="panel filters" onsubmit={on_show} novalidate=true>
                <div class="field">
                    <label for="fig-card">{ t.card_filter }</label>
                    <select id="fig-card" onchange={on_card}>
                        <option value="" selected={card_idx.is_none()}>{ t.all }</option>
                        { options }
                    </select>
                </div>
                <div class="field">
                    <label for="fig-from">{ t.from_ymd }</label>
                    <input id="fig-from" type="date" value={(*from).clone()} oninput={on_from} aria-invalid={invalid}
                        aria-describedby={invalid.map(|_| "fig-period-error")} />
                </div>
                <div class="field">
                    <label for="fig-to">{ t.to_ymd }</label>
                    <input id="fig-to" type="date" value={(*to).clone()} oninput={on_to} aria-invalid={invalid}
                        aria-describedby={invalid.map(|_| "fig-period-error")} />
                </div>
                <div class="field">
                    <span class="label-space" aria-hidden="true">{ "\u{a0}" }</span>
                    <button type="submit" class="btn primary" disabled={period.is_none()}>{ t.show }</button>
                </div>
                if period.is_none() { <p id="fig-period-error" class="field-error">{ t.figures_period }</p> }
            </form>
            { body }
        </section>
    }
}
