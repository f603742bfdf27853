//! The card screen: name, reward, the stamp grid, "N more to go", dates, the shop's button,
//! the state banner (full, redeemed, expired, not started, inactive) and the staff section.

use std::rc::Rc;

use stampcard_core::input::is_http_url;
use stampcard_core::model::StampState;
use stampcard_core::progress::ProgressInput;
use stampcard_core::wire::PageView;
use yew::prelude::*;

use crate::components::change_pin::ChangePin;
use crate::components::header::header;
use crate::components::staff::Staff;
use crate::components::stamp_grid::StampGrid;
use crate::i18n::Lang;
use crate::state::Problem;

/// Properties of [`Card`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct CardProps {
    /// The language.
    pub lang: Lang,
    /// The card as the API returned it.
    pub view: Rc<PageView>,
    /// The widget is the whole page (the name is the `h1`).
    #[prop_or_default]
    pub standalone: bool,
    /// A request is in flight.
    #[prop_or_default]
    pub busy: bool,
    /// Changes whenever a staff lock starts.
    #[prop_or_default]
    pub lock_serial: u32,
    /// Why the last staff action failed.
    #[prop_or_default]
    pub staff_problem: Option<Problem>,
    /// Why the last PIN change failed.
    #[prop_or_default]
    pub change_pin_problem: Option<Problem>,
    /// The PIN was just changed.
    #[prop_or_default]
    pub pin_changed: bool,
    /// Staff adds a stamp with this password.
    pub on_add: Callback<String>,
    /// Staff redeems the reward with this password.
    pub on_redeem: Callback<String>,
    /// The customer changes the PIN: `(current, new)`.
    pub on_change_pin: Callback<(String, String)>,
}

/// The card screen.
#[component]
pub fn Card(props: &CardProps) -> Html {
    let lang = props.lang;
    let t = lang.text();
    let view = &*props.view;
    // Judged by the core's rules on the server's calendar day, never re-decided here.
    let progress = ProgressInput::from(view).progress(view.today.0);
    // A new card that followed a redeemed one on the same link (automatic renewal) says so
    // until its first stamp.
    let renewed = view.previous_redeemed_ymd.filter(|_| progress.stamps == 0);
    let banner = match progress.state {
        StampState::Collecting | StampState::NotStarted if renewed.is_some() => {
            renewed.map(|day| ("ok", html! { lang.renewed_after(day) }))
        }
        StampState::Collecting => None,
        StampState::Full => Some((
            "ok",
            html! {
                <><strong>{ t.reward_ready }</strong>{ " " }{ t.reward_ready_hint }</>
            },
        )),
        StampState::Redeemed => Some(("done", html! { lang.redeemed_on(view.redeemed_ymd) })),
        StampState::Expired => Some(("warn", html! { lang.expired_on(view.end_ymd) })),
        StampState::NotStarted => Some(("info", html! { lang.starts_on(view.strt_ymd) })),
        StampState::Inactive => Some(("warn", html! { t.inactive })),
    };
    let collecting = matches!(progress.state, StampState::Collecting | StampState::NotStarted);
    let image = if is_http_url(&view.stamp_img_url) { view.stamp_img_url.clone() } else { String::new() };
    let staff = view.onsite_yn.is_yes() && (progress.can_add || progress.can_redeem);
    let dimmed = matches!(progress.state, StampState::Expired | StampState::Inactive | StampState::NotStarted);
    // A redeemed card is finished: its grid is muted and its banner neutral, so it never
    // looks like a full card waiting at the counter.
    let done = progress.state == StampState::Redeemed;
    html! {
        <div class={classes!("screen", dimmed.then_some("dim"), done.then_some("done"))}
            data-state={state_name(progress.state)}>
            { header(lang, &view.card_nm, &view.card_ttl, props.standalone) }
            if let Some((kind, content)) = banner {
                <p class={classes!("alert", kind)}>{ content }</p>
            }
            <StampGrid {lang} stamps={progress.stamps} max_stamps={progress.max_stamps} img_url={image} />
            <p class="count">
                <strong>{ lang.stamps_of(progress.stamps, progress.max_stamps) }</strong>
                if collecting && progress.remaining > 0 {
                    <span class="togo">{ lang.more_to_go(progress.remaining) }</span>
                }
            </p>
            <p class="dates">{ lang.valid_between(view.strt_ymd, view.end_ymd) }</p>
            if is_http_url(&view.url) {
                <a class="btn primary" href={view.url.clone()} target="_blank" rel="noopener noreferrer">{ t.visit }</a>
            }
            if staff {
                <Staff {lang} can_add={progress.can_add} can_redeem={progress.can_redeem}
                    stamps={progress.stamps} locked_secs={view.onsite_locked_secs} lock_serial={props.lock_serial}
                    busy={props.busy} problem={props.staff_problem}
                    on_add={&props.on_add} on_redeem={&props.on_redeem} />
            }
            <ChangePin {lang} busy={props.busy} problem={props.change_pin_problem} done={props.pin_changed}
                on_change={&props.on_change_pin} />
        </div>
    }
}

/// The state as the API spells it, exposed as `data-state` for tests and shop styling.
pub fn state_name(state: StampState) -> &'static str {
    match state {
        StampState::Collecting => "COLLECTING",
        StampState::Full => "FULL",
        StampState::Redeemed => "REDEEMED",
        StampState::Expired => "EXPIRED",
        StampState::NotStarted => "NOT_STARTED",
        StampState::Inactive => "INACTIVE",
    }
}
