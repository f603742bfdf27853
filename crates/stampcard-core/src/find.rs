//! Reading stamps for the back office: a stamp's status for a given day, the query
//! parameters of `get`, `list`, `export` and `stats` (parsed with a specific code for every
//! failure), and their response bodies.
//!
//! The status is decided here, once; the server's list filter expresses the same decision as
//! SQL conditions on the stamp's dates and flags for one day, and a test checks that both
//! agree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::model::{Card, PinState, Stamp, StampState};
use crate::rules;
use crate::types::{Ymd, Ymdt};
use crate::wire::ValidateResult;

/// URL paths of the back-office read endpoints.
pub mod paths {
    /// `GET ?stampIdx=N`: one stamp in any state.
    pub const GET: &str = "/api/stamp/v1/get";
    /// `GET ?cardIdx=&status=&q=&userId=&limit=&cursor=`: stamps, newest first.
    pub const LIST: &str = "/api/stamp/v1/list";
    /// `GET ?cardIdx=&status=&format=csv|jsonl`: every matching stamp, streamed.
    pub const EXPORT: &str = "/api/stamp/v1/export";
    /// `GET ?cardIdx=&from=&to=`: per-day figures from the history.
    pub const STATS: &str = "/api/stamp/v1/stats";
}

/// `limit` when a list request gives none.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest `limit` of one list page.
pub const MAX_LIMIT: u32 = 500;
/// The longest period one stats call covers, in days (both ends included).
pub const MAX_STATS_DAYS: u32 = 366;
/// The longest `q` accepted, in characters (the longest searched field, `userEml`, is 254).
pub const MAX_Q_CHARS: usize = 254;

/// A stamp's status on a given day, as `get` and `list` report it.
///
/// Precedence, first match wins (the same order as the checks of `validate`, so a stamp
/// `validate` accepts is `ACTIVE` or `FULL`, and one it refuses has the status of the refusal):
/// 1. `REDEEMED`: the reward was redeemed (final, whatever the dates or `activeYn`);
/// 2. `INACTIVE`: `activeYn = N`;
/// 3. `UPCOMING`: the day is before `strtYmd`;
/// 4. `EXPIRED`: the day is after `endYmd`;
/// 5. `FULL`: all of the card's `maxStamps` collected, reward not yet redeemed;
/// 6. `ACTIVE`: usable and collecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StampStatus {
    /// Usable today and collecting.
    Active,
    /// Usable today, every stamp collected: the reward is ready.
    Full,
    /// The reward was redeemed (final).
    Redeemed,
    /// Deactivated by the shop (`activeYn = N`).
    Inactive,
    /// Today is before `strtYmd`.
    Upcoming,
    /// Today is after `endYmd`.
    Expired,
}

impl StampStatus {
    /// Every status, in precedence order.
    pub const ALL: [StampStatus; 6] = [
        StampStatus::Redeemed,
        StampStatus::Inactive,
        StampStatus::Upcoming,
        StampStatus::Expired,
        StampStatus::Full,
        StampStatus::Active,
    ];

    /// The wire name (`ACTIVE`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            StampStatus::Active => "ACTIVE",
            StampStatus::Full => "FULL",
            StampStatus::Redeemed => "REDEEMED",
            StampStatus::Inactive => "INACTIVE",
            StampStatus::Upcoming => "UPCOMING",
            StampStatus::Expired => "EXPIRED",
        }
    }

    /// Parses a `status` query value (exact wire name).
    pub fn parse(text: &str) -> Result<StampStatus, ApiError> {
        StampStatus::ALL.into_iter().find(|status| status.as_str() == text).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidStatus,
                format!("status must be one of ACTIVE, FULL, REDEEMED, INACTIVE, UPCOMING, EXPIRED; got {text:?}"),
            )
        })
    }
}

/// The stamp's status on `today` (see [`StampStatus`] for the precedence). Derived from the
/// page state the rules decide, so the two can never disagree.
pub fn status(card: &Card, stamp: &Stamp, today: NaiveDate) -> StampStatus {
    match rules::state(card, stamp, today) {
        StampState::Redeemed => StampStatus::Redeemed,
        StampState::Inactive => StampStatus::Inactive,
        StampState::NotStarted => StampStatus::Upcoming,
        StampState::Expired => StampStatus::Expired,
        StampState::Full => StampStatus::Full,
        StampState::Collecting => StampStatus::Active,
    }
}

/// The `result` of `GET /api/stamp/v1/get` and each item of a list or export: the validate
/// fields (`onsitePwd` always `null`) and what validate cannot say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StampView {
    /// The fields `validate` answers.
    #[serde(flatten)]
    pub stamp: ValidateResult,
    /// The status on the server's today.
    pub status: StampStatus,
    /// The day the reward was redeemed, if it was.
    pub redeemed_ymd: Option<Ymd>,
    /// The customer's PIN state.
    pub pin_state: PinState,
    /// When the newest stamp was added (the newest `ADD` in the history), if any.
    pub last_add_ymdt: Option<Ymdt>,
    /// The stamp issued when this one was redeemed on a card with `autoRenewYn=Y`, if any.
    pub next_stamp_idx: Option<i64>,
}

/// The wire field names of a [`StampView`], in the order export writes them (the CSV header).
pub const STAMP_VIEW_FIELDS: [&str; 29] = [
    "stampIdx",
    "domain",
    "cardIdx",
    "cardNm",
    "cardTtl",
    "stamps",
    "maxStamps",
    "stampUrl",
    "url",
    "strtYmd",
    "endYmd",
    "onsiteYn",
    "onsitePwd",
    "memo",
    "activeYn",
    "userId",
    "userNm",
    "userPhnno",
    "userEml",
    "userEtc1",
    "userEtc2",
    "stampImgUrl",
    "regYmdt",
    "payloadVersion",
    "status",
    "redeemedYmd",
    "pinState",
    "lastAddYmdt",
    "nextStampIdx",
];

/// The `result` of `GET /api/stamp/v1/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StampPage {
    /// The page's stamps, newest first.
    pub items: Vec<StampView>,
    /// Pass as `cursor` for the next page; `null` when there is none.
    pub next_cursor: Option<String>,
}

/// One day's (or the period's) figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatsCounts {
    /// `ADD` events: stamps added (API, on-site or staff).
    pub adds: u32,
    /// `REMOVE` events: stamps taken away.
    pub removes: u32,
    /// `USE` events: rewards redeemed.
    pub redeems: u32,
    /// `CREATE` events: stamps issued.
    pub created: u32,
    /// Distinct customers stamped (at least one `ADD`); a customer is its `userId` when
    /// set, otherwise its stamp. In `totals`, each customer counts once over the period.
    pub customers: u32,
}

/// One day of `GET /api/stamp/v1/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatsDay {
    /// The day (UTC).
    pub ymd: Ymd,
    /// Its figures.
    #[serde(flatten)]
    pub counts: StatsCounts,
}

/// The `result` of `GET /api/stamp/v1/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatsResult {
    /// Every day of the period, oldest first, zeros included.
    pub days: Vec<StatsDay>,
    /// The period's figures.
    pub totals: StatsCounts,
}

/// What a list or export selects (besides the account).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this card's stamps.
    pub card_idx: Option<i64>,
    /// Only stamps with this status today.
    pub status: Option<StampStatus>,
    /// Case-insensitive substring of `userId`, `userNm`, `userPhnno`, `userEml` or `memo`,
    /// already lowercased.
    pub q: Option<String>,
    /// Exactly this `userId`.
    pub user_id: Option<String>,
}

impl Filter {
    /// Whether a stamp's text fields match `q` (always true without `q`). Case-insensitive by
    /// Unicode lowercase, the same on every backend.
    pub fn matches_q(&self, fields: [&str; 5]) -> bool {
        match &self.q {
            None => true,
            Some(q) => fields.iter().any(|field| field.to_lowercase().contains(q.as_str())),
        }
    }
}

/// `GET /api/stamp/v1/list`'s query, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// What to select.
    pub filter: Filter,
    /// Items per page, `1..=MAX_LIMIT`.
    pub limit: u32,
    /// The opaque cursor of the previous page (checked by the server, which made it).
    pub cursor: Option<String>,
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row of the wire field names.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// `GET /api/stamp/v1/export`'s query, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportQuery {
    /// What to select (never `q` or `userId`).
    pub filter: Filter,
    /// The format.
    pub format: ExportFormat,
}

/// `GET /api/stamp/v1/stats`'s query, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsQuery {
    /// Only this card's stamps.
    pub card_idx: Option<i64>,
    /// First day (inclusive).
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

/// The query's parameters by name; each may be given at most once.
struct Params<'a> {
    pairs: &'a [(String, String)],
}

impl<'a> Params<'a> {
    fn one(&self, name: &str) -> Result<Option<&'a str>, ApiError> {
        let mut values = self.pairs.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str());
        let first = values.next();
        let more = values.count();
        if more > 0 {
            return Err(ApiError::new(
                ErrorCode::WrongType,
                format!("the query parameter {name} must be given once, not {} times", more + 1),
            ));
        }
        Ok(first)
    }

    /// An optional parameter where an empty value is the same as an absent one (`cardIdx=`).
    fn optional(&self, name: &str) -> Result<Option<&'a str>, ApiError> {
        Ok(self.one(name)?.filter(|value| !value.is_empty()))
    }

    fn card_idx(&self) -> Result<Option<i64>, ApiError> {
        self.optional("cardIdx")?.map(|value| crate::parse::idx_param("cardIdx", &[value])).transpose()
    }

    fn status(&self) -> Result<Option<StampStatus>, ApiError> {
        self.optional("status")?.map(StampStatus::parse).transpose()
    }

    fn day(&self, name: &str) -> Result<NaiveDate, ApiError> {
        let value = self
            .one(name)?
            .ok_or_else(|| ApiError::new(ErrorCode::MissingField, format!("the query parameter {name} is required")))?;
        Ymd::parse(value).map(|ymd| ymd.0).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidDate, format!("{name} must be a real date written as YYYY-MM-DD"))
        })
    }

    fn text(&self, name: &str, max_chars: usize) -> Result<Option<&'a str>, ApiError> {
        let Some(value) = self.optional(name)? else { return Ok(None) };
        if value.chars().count() > max_chars {
            return Err(ApiError::new(ErrorCode::TooLong, format!("{name} must be at most {max_chars} characters")));
        }
        Ok(Some(value))
    }
}

impl ListQuery {
    /// Checks the decoded query pairs of a list request.
    pub fn parse(pairs: &[(String, String)]) -> Result<ListQuery, ApiError> {
        let params = Params { pairs };
        let limit = match params.optional("limit")? {
            None => DEFAULT_LIMIT,
            Some(text) => {
                text.trim().parse::<u32>().ok().filter(|limit| (1..=MAX_LIMIT).contains(limit)).ok_or_else(|| {
                    ApiError::new(ErrorCode::OutOfRange, format!("limit must be an integer from 1 to {MAX_LIMIT}"))
                })?
            }
        };
        let filter = Filter {
            card_idx: params.card_idx()?,
            status: params.status()?,
            q: params.text("q", MAX_Q_CHARS)?.map(str::to_lowercase),
            user_id: params.text("userId", 100)?.map(str::to_owned),
        };
        let cursor = params.optional("cursor")?.map(str::to_owned);
        Ok(ListQuery { filter, limit, cursor })
    }
}

impl ExportQuery {
    /// Checks the decoded query pairs of an export request.
    pub fn parse(pairs: &[(String, String)]) -> Result<ExportQuery, ApiError> {
        let params = Params { pairs };
        let format = match params.optional("format")? {
            None | Some("csv") => ExportFormat::Csv,
            Some("jsonl") => ExportFormat::Jsonl,
            Some(other) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidExportFormat,
                    format!("format must be csv or jsonl; got {other:?}"),
                ));
            }
        };
        let filter = Filter { card_idx: params.card_idx()?, status: params.status()?, ..Filter::default() };
        Ok(ExportQuery { filter, format })
    }
}

impl StatsQuery {
    /// Checks the decoded query pairs of a stats request.
    pub fn parse(pairs: &[(String, String)]) -> Result<StatsQuery, ApiError> {
        let params = Params { pairs };
        let card_idx = params.card_idx()?;
        let (from, to) = (params.day("from")?, params.day("to")?);
        if from > to {
            return Err(ErrorCode::PeriodOrder.into());
        }
        let days = (to - from).num_days() + 1;
        if days > i64::from(MAX_STATS_DAYS) {
            return Err(ApiError::new(
                ErrorCode::PeriodTooLong,
                format!(
                    "the period from {} to {} has {days} days; ask for at most {MAX_STATS_DAYS}",
                    Ymd(from),
                    Ymd(to)
                ),
            ));
        }
        Ok(StatsQuery { card_idx, from, to })
    }

    /// Every day of the period, oldest first.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let to = self.to;
        self.from.iter_days().take_while(move |day| *day <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Window;

    fn day(text: &str) -> NaiveDate {
        Ymd::parse(text).expect("date").0
    }

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn status_precedence() {
        let card = Card {
            name: "c".into(),
            title: "t".into(),
            max_stamps: 3,
            stamp_img_url: String::new(),
            url: String::new(),
            onsite_required: false,
        };
        let base = Stamp {
            stamps: 1,
            active: true,
            window: Window { start: day("2026-01-10"), end: day("2026-01-20") },
            redeemed_on: None,
            pin: PinState::Unset,
        };
        let before = day("2026-01-09");
        let inside = day("2026-01-15");
        let after = day("2026-01-21");
        let full = Stamp { stamps: 3, ..base.clone() };
        let inactive = Stamp { active: false, ..base.clone() };
        let redeemed = Stamp { redeemed_on: Some(day("2026-01-12")), ..full.clone() };
        let cases: &[(&Stamp, NaiveDate, StampStatus)] = &[
            (&base, inside, StampStatus::Active),
            (&base, day("2026-01-10"), StampStatus::Active),
            (&base, day("2026-01-20"), StampStatus::Active),
            (&full, inside, StampStatus::Full),
            (&base, before, StampStatus::Upcoming),
            (&base, after, StampStatus::Expired),
            // Dates win over a full count: a full stamp outside its window cannot be redeemed.
            (&full, before, StampStatus::Upcoming),
            (&full, after, StampStatus::Expired),
            // Inactive wins over the dates.
            (&inactive, inside, StampStatus::Inactive),
            (&inactive, before, StampStatus::Inactive),
            (&inactive, after, StampStatus::Inactive),
            // Redeemed wins over everything.
            (&redeemed, inside, StampStatus::Redeemed),
            (&redeemed, after, StampStatus::Redeemed),
            (&Stamp { active: false, ..redeemed.clone() }, before, StampStatus::Redeemed),
        ];
        for (stamp, today, expected) in cases {
            assert_eq!(status(&card, stamp, *today), *expected, "{stamp:?} on {today}");
        }
    }

    #[test]
    fn statuses_parse_by_wire_name_only() {
        for status in StampStatus::ALL {
            assert_eq!(StampStatus::parse(status.as_str()), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for bad in ["active", "NOT_STARTED", "", "ACTIVE "] {
            assert_eq!(StampStatus::parse(bad).unwrap_err().code, ErrorCode::InvalidStatus, "{bad:?}");
        }
    }

    #[test]
    fn list_query() {
        let query = ListQuery::parse(&pairs(&[])).unwrap();
        assert_eq!((query.limit, query.filter.clone(), query.cursor), (DEFAULT_LIMIT, Filter::default(), None));
        let query = ListQuery::parse(&pairs(&[
            ("cardIdx", "7"),
            ("status", "FULL"),
            ("q", "KIM"),
            ("userId", "u-1"),
            ("limit", "500"),
            ("cursor", "abc"),
            ("other", "ignored"),
        ]))
        .unwrap();
        assert_eq!(query.filter.card_idx, Some(7));
        assert_eq!(query.filter.status, Some(StampStatus::Full));
        assert_eq!(query.filter.q.as_deref(), Some("kim"));
        assert_eq!(query.filter.user_id.as_deref(), Some("u-1"));
        assert_eq!((query.limit, query.cursor.as_deref()), (500, Some("abc")));
        // Empty values are absent.
        let query = ListQuery::parse(&pairs(&[("cardIdx", ""), ("status", ""), ("q", "")])).unwrap();
        assert_eq!(query.filter, Filter::default());
        let code = |query: &[(&str, &str)]| ListQuery::parse(&pairs(query)).unwrap_err().code;
        assert_eq!(code(&[("limit", "0")]), ErrorCode::OutOfRange);
        assert_eq!(code(&[("limit", "501")]), ErrorCode::OutOfRange);
        assert_eq!(code(&[("limit", "ten")]), ErrorCode::OutOfRange);
        assert_eq!(code(&[("cardIdx", "0")]), ErrorCode::OutOfRange);
        assert_eq!(code(&[("cardIdx", "x")]), ErrorCode::WrongType);
        assert_eq!(code(&[("status", "nope")]), ErrorCode::InvalidStatus);
        assert_eq!(code(&[("q", "a"), ("q", "b")]), ErrorCode::WrongType);
        assert_eq!(code(&[("q", &"x".repeat(MAX_Q_CHARS + 1))]), ErrorCode::TooLong);
    }

    #[test]
    fn q_matches_case_insensitively() {
        let filter = Filter { q: Some("émi".to_owned()), ..Filter::default() };
        assert!(filter.matches_q(["", "ÉMILE", "", "", ""]));
        assert!(!filter.matches_q(["emile", "", "", "", ""]));
        assert!(Filter::default().matches_q(["", "", "", "", ""]));
    }

    #[test]
    fn stats_query() {
        let query = StatsQuery::parse(&pairs(&[("from", "2024-01-01"), ("to", "2024-12-31")])).unwrap();
        assert_eq!(query.days().count(), 366, "a leap year is allowed");
        assert_eq!(query.days().last(), Some(day("2024-12-31")));
        let code = |query: &[(&str, &str)]| StatsQuery::parse(&pairs(query)).unwrap_err().code;
        assert_eq!(code(&[("from", "2024-01-01"), ("to", "2025-01-01")]), ErrorCode::PeriodTooLong);
        assert_eq!(code(&[("from", "2024-01-02"), ("to", "2024-01-01")]), ErrorCode::PeriodOrder);
        assert_eq!(code(&[("from", "2024-02-30"), ("to", "2024-03-01")]), ErrorCode::InvalidDate);
        assert_eq!(code(&[("to", "2024-03-01")]), ErrorCode::MissingField);
        let one = StatsQuery::parse(&pairs(&[("from", "2024-03-01"), ("to", "2024-03-01")])).unwrap();
        assert_eq!(one.days().collect::<Vec<_>>(), vec![day("2024-03-01")]);
    }

    #[test]
    fn export_columns_are_the_view_fields() {
        let ymd = Ymd(day("2026-01-01"));
        let view = StampView {
            stamp: ValidateResult {
                stamp_idx: 1,
                domain: String::new(),
                card_idx: 1,
                card_nm: String::new(),
                card_ttl: String::new(),
                stamps: 0,
                max_stamps: 1,
                stamp_url: String::new(),
                url: String::new(),
                strt_ymd: ymd,
                end_ymd: ymd,
                onsite_yn: crate::types::YesNo::N,
                onsite_pwd: None,
                memo: String::new(),
                active_yn: crate::types::YesNo::Y,
                user_id: String::new(),
                user_nm: String::new(),
                user_phnno: String::new(),
                user_eml: String::new(),
                user_etc1: String::new(),
                user_etc2: String::new(),
                stamp_img_url: String::new(),
                reg_ymdt: Ymdt(ymd.0.and_hms_opt(0, 0, 0).unwrap()),
                payload_version: "v1".to_owned(),
            },
            status: StampStatus::Active,
            redeemed_ymd: None,
            pin_state: PinState::Unset,
            last_add_ymdt: None,
            next_stamp_idx: None,
        };
        let value = serde_json::to_value(&view).unwrap();
        let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        let mut fields = STAMP_VIEW_FIELDS.to_vec();
        keys.sort_unstable();
        fields.sort_unstable();
        assert_eq!(keys, fields);
    }

    #[test]
    fn export_query() {
        assert_eq!(ExportQuery::parse(&pairs(&[])).unwrap().format, ExportFormat::Csv);
        assert_eq!(ExportQuery::parse(&pairs(&[("format", "jsonl")])).unwrap().format, ExportFormat::Jsonl);
        assert_eq!(ExportQuery::parse(&pairs(&[("format", "xml")])).unwrap_err().code, ErrorCode::InvalidExportFormat);
    }
}
