//! The figures page: the period asked for (checked as the stats endpoint checks it) and each
//! figure of `GET /api/stamp/v1/stats` as the bars of a simple SVG chart.

use chrono::{Days, NaiveDate};
use stampcard_core::find::{MAX_STATS_DAYS, StatsCounts, StatsResult};

/// Days shown when the page opens: the last 30, today included.
pub const DEFAULT_DAYS: u64 = 30;

/// The chart's drawing area, in SVG user units (the SVG scales to its box).
pub const CHART_WIDTH: f64 = 600.0;
/// The bars' full height.
pub const CHART_HEIGHT: f64 = 160.0;

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

/// The default period ending on `today`: `(from, to)`.
pub fn default_period(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (today.checked_sub_days(Days::new(DEFAULT_DAYS - 1)).unwrap_or(today), today)
}

/// The period typed in the two date fields, if the stats endpoint would take it (both days
/// valid, `from <= to`, at most [`MAX_STATS_DAYS`] days), so a bad period is said beside the
/// fields instead of being sent.
pub fn period(from: &str, to: &str) -> Option<(NaiveDate, NaiveDate)> {
    let from = NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d").ok()?;
    let to = NaiveDate::parse_from_str(to.trim(), "%Y-%m-%d").ok()?;
    let days = to.signed_duration_since(from).num_days() + 1;
    (days >= 1 && days <= i64::from(MAX_STATS_DAYS)).then_some((from, to))
}

/// One bar of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Left edge.
    pub x: f64,
    /// Top edge (the bars stand on the bottom).
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height (0 for a day at zero).
    pub height: f64,
    /// The day's value.
    pub value: u32,
}

/// A figure's bars, one per day, scaled so the period's largest value fills the height.
pub fn bars(stats: &StatsResult, figure: Figure) -> Vec<Bar> {
    let values: Vec<u32> = stats.days.iter().map(|day| figure.of(&day.counts)).collect();
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let slot = CHART_WIDTH / values.len().max(1) as f64;
    // A gap between bars while they are wide enough to see one.
    let gap = if slot >= 4.0 { slot * 0.2 } else { 0.0 };
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let height = CHART_HEIGHT * f64::from(value) / f64::from(max);
            Bar { x: i as f64 * slot + gap / 2.0, y: CHART_HEIGHT - height, width: slot - gap, height, value }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use stampcard_core::find::StatsDay;
    use stampcard_core::types::Ymd;

    use super::*;

    fn day(ymd: &str, adds: u32) -> StatsDay {
        StatsDay {
            ymd: Ymd::parse(ymd).expect("day"),
            counts: StatsCounts { adds, redeems: 1, created: 0, customers: adds.min(2), removes: 0 },
        }
    }

    #[test]
    fn the_period_is_checked_like_the_endpoint_checks_it() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day");
        assert_eq!(period("2026-01-01", "2026-01-01"), Some((d("2026-01-01"), d("2026-01-01"))));
        assert_eq!(period("2026-01-02", "2026-01-01"), None, "from after to");
        assert_eq!(period("2026-01-01", "2026-12-31"), Some((d("2026-01-01"), d("2026-12-31"))), "365 days");
        assert_eq!(period("2024-01-01", "2024-12-31").map(|p| p.1), Some(d("2024-12-31")), "366 days");
        assert_eq!(period("2024-01-01", "2025-01-01"), None, "367 days");
        assert_eq!(period("", "2026-01-01"), None);
        assert_eq!(default_period(d("2026-03-01")), (d("2026-01-31"), d("2026-03-01")));
    }

    #[test]
    fn bars_are_scaled_to_the_largest_day_and_stand_on_the_bottom() {
        let stats = StatsResult {
            days: vec![day("2026-01-01", 0), day("2026-01-02", 4), day("2026-01-03", 2)],
            totals: StatsCounts::default(),
        };
        let adds = bars(&stats, Figure::Adds);
        assert_eq!(adds.iter().map(|bar| bar.value).collect::<Vec<_>>(), [0, 4, 2]);
        assert_eq!(adds.iter().map(|bar| bar.height).collect::<Vec<_>>(), [0.0, CHART_HEIGHT, CHART_HEIGHT / 2.0]);
        assert!(adds.iter().all(|bar| (bar.y + bar.height - CHART_HEIGHT).abs() < 1e-9));
        assert!(adds.windows(2).all(|pair| pair[0].x + pair[0].width < pair[1].x), "bars do not overlap");
        // Every day at zero: flat bars, no division by zero.
        let created = bars(&stats, Figure::Created);
        assert!(created.iter().all(|bar| bar.height == 0.0 && bar.y == CHART_HEIGHT));
        assert_eq!(bars(&stats, Figure::Redeems)[1].height, CHART_HEIGHT);
        assert!(bars(&StatsResult { days: vec![], totals: StatsCounts::default() }, Figure::Adds).is_empty());
    }
}
