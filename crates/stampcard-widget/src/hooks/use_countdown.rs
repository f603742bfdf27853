//! A seconds countdown for lock messages ("try again in 27 s").

use gloo_timers::callback::Interval;
use yew::prelude::*;

/// Counts down from `secs` (when `Some`) to 0, once a second; restarts whenever `secs` or
/// `serial` changes. Returns the seconds left (0 when not locked).
#[hook]
pub fn use_countdown(secs: Option<u32>, serial: u32) -> u32 {
    let left = use_state_eq(|| secs.unwrap_or(0));
    {
        let left = left.setter();
        use_effect_with((secs, serial), move |(secs, _)| {
            let start = secs.unwrap_or(0);
            left.set(start);
            let started = js_sys::Date::now();
            let interval = (start > 0).then(|| {
                Interval::new(1000, move || {
                    // Derived from the clock, not by counting ticks, so a throttled
                    // background tab still shows the right time.
                    let elapsed = ((js_sys::Date::now() - started) / 1000.0) as u32;
                    left.set(start.saturating_sub(elapsed));
                })
            });
            move || drop(interval)
        });
    }
    *left
}
