//! Plans, low to high, and what each allows.

use std::fmt;
use std::str::FromStr;

/// An account's plan. The order is the plans' rank: `Free < Personal < ... < Enterprise`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Plan {
    /// No stamp API.
    Free,
    /// The stamp API.
    Personal,
    /// Also custom stamp domains.
    Premium,
    /// Higher rate limits.
    Business,
    /// Higher rate limits.
    #[value(name = "business-plus")]
    BusinessPlus,
    /// The highest rate limits.
    Enterprise,
}

impl Plan {
    /// Every plan, low to high.
    pub const ALL: [Plan; 6] =
        [Plan::Free, Plan::Personal, Plan::Premium, Plan::Business, Plan::BusinessPlus, Plan::Enterprise];

    /// The stored and command-line name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Personal => "personal",
            Plan::Premium => "premium",
            Plan::Business => "business",
            Plan::BusinessPlus => "business-plus",
            Plan::Enterprise => "enterprise",
        }
    }

    /// Whether the stamp and card API may be used at all.
    pub fn has_stamp_api(self) -> bool {
        self >= Plan::Personal
    }

    /// Whether a custom stamp `domain` may be set.
    pub fn has_custom_domain(self) -> bool {
        self >= Plan::Premium
    }

    /// Requests allowed per minute and per hour (the hosted API's published limits).
    pub const fn rate_limits(self) -> (u32, u32) {
        match self {
            Plan::Free => (30, 600),
            Plan::Personal => (180, 10_000),
            Plan::Premium => (300, 15_000),
            Plan::Business => (480, 25_000),
            Plan::BusinessPlus => (768, 40_000),
            Plan::Enterprise => (1_200, 60_000),
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A plan name that is not one of ours.
#[derive(Debug, thiserror::Error)]
#[error("unknown plan {0:?}")]
pub struct UnknownPlan(pub String);

impl FromStr for Plan {
    type Err = UnknownPlan;

    fn from_str(s: &str) -> Result<Plan, UnknownPlan> {
        Plan::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownPlan(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_rank() {
        for plan in Plan::ALL {
            assert_eq!(plan.as_str().parse::<Plan>().ok(), Some(plan));
        }
        assert!(!Plan::Free.has_stamp_api());
        assert!(Plan::Personal.has_stamp_api() && !Plan::Personal.has_custom_domain());
        assert!(Plan::Premium.has_custom_domain() && Plan::Enterprise.has_custom_domain());
    }
}
