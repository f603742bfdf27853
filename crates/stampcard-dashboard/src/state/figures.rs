//! The figures page: the period asked for (checked as the stats endpoint checks it) and each
//! figure of `GET /api/stamp/v1/stats` as the bars of a simple SVG chart.

use chrono::{Days, NaiveDate};
use stampcard_core::find::{MAX_STATS_DAYS, StatsCounts, StatsResult};
use stampcard_core::types::Ymd;

/// Days shown when the page opens: the last 30, today included.
pub const DEFAULT_DAYS: u64 = 30;

/// Each day's slot in the chart, in SVG user units (the SVG scales to its box). Whole units:
/// integer geometry keeps float formatting, and its size, out of the wasm.
pub const SLOT_WIDTH: u32 = 10;
/// A bar's width within its slot (the rest is the gap between bars).
pub const BAR_WIDTH: u32 = 8;
/// The bars' full height.
pub const CHART_HEIGHT: u32 = 160;

/// One figure of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Stamps added.
    Adds,
    /// Rewards redeemed.
    Redeems,
    /// Stamps issued.
    Created,
    /// Distinct customers stamped.
    Customers,
}

impl Figure {
    /// The four charts, in the order the page shows them.
    pub const ALL: [Figure; 4] = [Figure::Adds, Figure::Redeems, Figure::Created, Figure::Customers];

    /// This figure of some counts.
    pub fn of(self, counts: &StatsCounts) -> u32 {
        match self {
            Figure::Adds => counts.adds,
            Figure::Redeems => counts.redeems,
            Figure::Created => counts.created,
            Figure::Customers => counts.customers,
        }
    }

    /// A short id for element ids.
    pub fn id(self) -> &'static str {
        match self {
            Figure::Adds => "adds",
            Figure::Redeems => "redeems",
            Figure::Created => "created",
            Figure::Customers => "customers",
        }
    }
}

/// A day as the date fields and the query write it (`YYYY-MM-DD`).
pub fn day_text(day: NaiveDate) -> String {
    stampcard_widget::i18n::ymd(Ymd(day))
}

/// The default period ending on `today`: `(from, to)`.
pub fn default_period(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (today.checked_sub_days(Days::new(DEFAULT_DAYS - 1)).unwrap_or(today), today)
}

/// The period typed in the two date fields, if the stats endpoint would take it (both days
/// valid, `from <= to`, at most [`MAX_STATS_DAYS`] days), so a bad period is said beside the
/// fields instead of being sent.
pub fn period(from: &str, to: &str) -> Option<(NaiveDate, NaiveDate)> {
    // The core's strict parser: chrono's own `parse_from_str` and `format` would bring chrono's
    // formatting machinery into the wasm.
    let from = Ymd::parse(from.trim())?.0;
    let to = Ymd::parse(to.trim())?.0;
    let days = to.signed_duration_since(from).num_days() + 1;
    (days >= 1 && days <= i64::from(MAX_STATS_DAYS)).then_some((from, to))
}

/// One bar of a chart, in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bar {
    /// Left edge.
    pub x: u32,
    /// Top edge (the bars stand on the bottom).
    pub y: u32,
    /// Height (0 for a day at zero).
    pub height: u32,
    /// The day's value.
    pub value: u32,
}

/// The chart's width for a period of `days` days.
pub fn chart_width(days: usize) -> u32 {
    u32::try_from(days).unwrap_or(u32::MAX).max(1).saturating_mul(SLOT_WIDTH)
}

/// A figure's bars, one per day, scaled so the period's largest value fills the height.
pub fn bars(stats: &StatsResult, figure: Figure) -> Vec<Bar> {
    let values: Vec<u32> = stats.days.iter().map(|day| figure.of(&day.counts)).collect();
    let max = u64::from(values.iter().copied().max().unwrap_or(0).max(1));
    values
        .into_iter()
        .zip(0u32..)
        .map(|(value, i)| {
            // Rounded to the nearest unit; at most CHART_HEIGHT, so the cast back cannot fail.
            let height = ((u64::from(CHART_HEIGHT) * u64::from(value) * 2 + max) / (2 * max)) as u32;
            Bar { x: i * SLOT_WIDTH + (SLOT_WIDTH - BAR_WIDTH) / 2, y: CHART_HEIGHT - height, height, value }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use stampcard_core::find::StatsDay;

    use super::*;

    fn day(ymd: &str, adds: u32) -> StatsDay {
        StatsDay {
            ymd: Ymd::parse(ymd).expect("day"),
            counts: StatsCounts { adds, redeems: 1, created: 0, customers: adds.min(2), removes: 0 },
        }
    }

    #[test]
    fn the_period_is_checked_like_the_endpoint_checks_it() {
        let d = |s| Ymd::parse(s).expect("day").0;
        assert_eq!(period("2026-01-01", "2026-01-01"), Some((d("2026-01-01"), d("2026-01-01"))));
        assert_eq!(period("2026-01-02", "2026-01-01"), None, "from after to");
        assert_eq!(period("2026-01-01", "2026-12-31"), Some((d("2026-01-01"), d("2026-12-31"))), "365 days");
        assert_eq!(period("2024-01-01", "2024-12-31").map(|p| p.1), Some(d("2024-12-31")), "366 days");
        assert_eq!(period("2024-01-01", "2025-01-01"), None, "367 days");
        assert_eq!(period("", "2026-01-01"), None);
        assert_eq!(default_period(d("2026-03-01")), (d("2026-01-31"), d("2026-03-01")));
        assert_eq!(day_text(d("2026-03-01")), "2026-03-01");
    }

    #[test]
    fn bars_are_scaled_to_the_largest_day_and_stand_on_the_bottom() {
        let stats = StatsResult {
            days: vec![day("2026-01-01", 0), day("2026-01-02", 4), day("2026-01-03", 2), day("2026-01-04", 3)],
            totals: StatsCounts::default(),
        };
        let adds = bars(&stats, Figure::Adds);
        assert_eq!(adds.iter().map(|bar| bar.value).collect::<Vec<_>>(), [0, 4, 2, 3]);
        assert_eq!(adds.iter().map(|bar| bar.height).collect::<Vec<_>>(), [0, CHART_HEIGHT, 80, 120]);
        assert!(adds.iter().all(|bar| bar.y + bar.height == CHART_HEIGHT));
        assert!(adds.windows(2).all(|pair| pair[0].x + BAR_WIDTH < pair[1].x), "bars do not overlap");
        assert!(adds.last().is_some_and(|bar| bar.x + BAR_WIDTH <= chart_width(stats.days.len())), "inside");
        // Every day at zero: flat bars, no division by zero.
        let created = bars(&stats, Figure::Created);
        assert!(created.iter().all(|bar| bar.height == 0 && bar.y == CHART_HEIGHT));
        assert_eq!(bars(&stats, Figure::Redeems)[1].height, CHART_HEIGHT);
        // Rounded, not truncated: 1 of 3 is 53.3 units, 2 of 3 is 106.7.
        let thirds = StatsResult {
            days: vec![day("2026-01-01", 1), day("2026-01-02", 2), day("2026-01-03", 3)],
            totals: StatsCounts::default(),
        };
        assert_eq!(bars(&thirds, Figure::Adds).iter().map(|bar| bar.height).collect::<Vec<_>>(), [53, 107, 160]);
        assert!(bars(&StatsResult { days: vec![], totals: StatsCounts::default() }, Figure::Adds).is_empty());
    }
}
