//! The stamps table: search and filters, pages by the API's cursor, the row selection and the
//! bulk change waiting for its confirmation.

use std::collections::BTreeSet;

use crate::api::CallError;
use stampcard_core::find::{StampPage, StampStatus, StampView};
use stampcard_core::wire::{BulkAction, BulkResult};

/// The status filter's choices, in the order a shop meets them (the core's `ALL` is the
/// precedence order).
pub const FILTER_STATUSES: [StampStatus; 6] = [
    StampStatus::Active,
    StampStatus::Full,
    StampStatus::Redeemed,
    StampStatus::Inactive,
    StampStatus::Upcoming,
    StampStatus::Expired,
];

/// Rows per page.
pub const PAGE_SIZE: u32 = 50;

/// The list's filters: `GET /api/stamp/v1/list?q=&cardIdx=&status=&limit=`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Free text (user id, name, phone, e-mail, memo).
    pub q: String,
    /// One card.
    pub card_idx: Option<i64>,
    /// One status.
    pub status: Option<StampStatus>,
}

impl ListQuery {
    /// The query string (without `?`) for a page; empty filters are left out.
    pub fn to_query(&self, cursor: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let q = self.q.trim();
        if !q.is_empty() {
            query.append_pair("q", q);
        }
        if let Some(card_idx) = self.card_idx {
            query.append_pair("cardIdx", &card_idx.to_string());
        }
        if let Some(status) = self.status {
            query.append_pair("status", status.as_str());
        }
        query.append_pair("limit", &PAGE_SIZE.to_string());
        if let Some(cursor) = cursor {
            query.append_pair("cursor", cursor);
        }
        query.finish()
    }
}

/// What the table shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StampsState {
    /// The filters in force.
    pub query: ListQuery,
    /// The cursors of the pages before this one and of this one (`None` = the first page),
    /// so "Previous" goes back without the API having to page backwards.
    pub cursors: Vec<Option<String>>,
    /// This page's rows.
    pub items: Vec<StampView>,
    /// The next page's cursor.
    pub next_cursor: Option<String>,
    /// A page is loading; bumping `load` asks the component to fetch it.
    pub loading: bool,
    /// Changes whenever a page must be (re)loaded.
    pub load: u32,
    /// Why the last call failed.
    pub error: Option<CallError>,
    /// The checked rows.
    pub selected: BTreeSet<i64>,
    /// A bulk change waiting for its confirmation.
    pub confirm: Option<BulkAction>,
    /// A bulk change is in flight.
    pub busy: bool,
    /// What the last bulk change did.
    pub done: Option<BulkDone>,
}

/// What the last bulk change did, as the page reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkDone {
    /// The change.
    pub action: BulkAction,
    /// Stamps changed.
    pub affected: u32,
    /// Ids not found (deleted meanwhile, say).
    pub missing: usize,
    /// Stamps left as they were (already in that state, or redeemed).
    pub unchanged: usize,
}

/// What happened on the stamps page.
#[derive(Debug, Clone, PartialEq)]
pub enum StampsAction {
    /// The search box changed.
    Search(String),
    /// The card filter changed.
    Card(Option<i64>),
    /// The status filter changed.
    Status(Option<StampStatus>),
    /// A page answered; `load` is the request's serial (an older request's late answer is
    /// dropped, so typing fast in the search box never shows a stale page).
    Loaded {
        /// The serial the request was made for.
        load: u32,
        /// The answer.
        result: Result<StampPage, CallError>,
    },
    /// "Next".
    Next,
    /// "Previous".
    Previous,
    /// "Reload".
    Reload,
    /// A row's checkbox.
    Toggle(i64),
    /// The header's checkbox: all rows of the page, or none.
    ToggleAll,
    /// A bulk button: ask for confirmation.
    Ask(BulkAction),
    /// The dialog was cancelled.
    Cancel,
    /// The dialog was confirmed: the change is in flight.
    Confirmed,
    /// The bulk change answered.
    BulkDone(Result<BulkResult, CallError>),
}

impl StampsState {
    /// The first page with no filters, about to load.
    pub fn new() -> StampsState {
        StampsState { cursors: vec![None], loading: true, load: 1, ..StampsState::default() }
    }

    /// The cursor of the page on screen.
    pub fn cursor(&self) -> Option<&str> {
        self.cursors.last().and_then(|cursor| cursor.as_deref())
    }

    /// The 1-based number of the page on screen.
    pub fn page_number(&self) -> usize {
        self.cursors.len().max(1)
    }

    /// Whether every row of the page is checked (and there is one).
    pub fn all_selected(&self) -> bool {
        !self.items.is_empty() && self.items.iter().all(|item| self.selected.contains(&item.stamp.stamp_idx))
    }

    fn reload_from_start(&mut self) {
        self.cursors = vec![None];
        self.reload();
    }

    fn reload(&mut self) {
        self.loading = true;
        self.load = self.load.wrapping_add(1);
    }

    /// The next state.
    pub fn reduce(mut self, action: StampsAction) -> StampsState {
        match action {
            StampsAction::Search(q) => {
                self.query.q = q;
                self.selected.clear();
                self.reload_from_start();
            }
            StampsAction::Card(card_idx) => {
                self.query.card_idx = card_idx;
                self.selected.clear();
                self.reload_from_start();
            }
            StampsAction::Status(status) => {
                self.query.status = status;
                self.selected.clear();
                self.reload_from_start();
            }
            StampsAction::Loaded { load, .. } if load != self.load => {}
            StampsAction::Loaded { result: Ok(page), .. } => {
                self.loading = false;
                self.error = None;
                // A stamp that left the page (deleted, filtered out) cannot stay selected.
                let ids: BTreeSet<i64> = page.items.iter().map(|item| item.stamp.stamp_idx).collect();
                self.selected.retain(|id| ids.contains(id));
                self.items = page.items;
                self.next_cursor = page.next_cursor;
            }
            StampsAction::Loaded { result: Err(error), .. } => {
                self.loading = false;
                self.error = Some(error);
            }
            StampsAction::Next => {
                if let Some(cursor) = self.next_cursor.clone()
                    && !self.loading
                {
                    self.cursors.push(Some(cursor));
                    self.selected.clear();
                    self.reload();
                }
            }
            StampsAction::Previous => {
                if self.cursors.len() > 1 && !self.loading {
                    self.cursors.pop();
                    self.selected.clear();
                    self.reload();
                }
            }
            StampsAction::Reload => self.reload(),
            StampsAction::Toggle(id) => {
                if !self.selected.remove(&id) && self.items.iter().any(|item| item.stamp.stamp_idx == id) {
                    self.selected.insert(id);
                }
            }
            StampsAction::ToggleAll => {
                if self.all_selected() {
                    self.selected.clear();
                } else {
                    self.selected = self.items.iter().map(|item| item.stamp.stamp_idx).collect();
                }
            }
            StampsAction::Ask(action) => {
                if !self.selected.is_empty() {
                    self.confirm = Some(action);
                    self.done = None;
                }
            }
            StampsAction::Cancel => self.confirm = None,
            StampsAction::Confirmed => self.busy = true,
            StampsAction::BulkDone(result) => {
                let action = self.confirm.take();
                self.busy = false;
                match result {
                    Ok(result) => {
                        self.done = action.map(|action| BulkDone {
                            action,
                            affected: result.affected,
                            missing: result.missing.len(),
                            unchanged: result.unchanged.len(),
                        });
                        self.selected.clear();
                        self.error = None;
                        self.reload();
                    }
                    Err(error) => self.error = Some(error),
                }
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use stampcard_core::model::PinState;
    use stampcard_core::types::{YesNo, Ymd, Ymdt};
    use stampcard_core::wire::ValidateResult;

    use super::*;

    fn item(stamp_idx: i64) -> StampView {
        StampView {
            stamp: ValidateResult {
                stamp_idx,
                domain: "http://127.0.0.1".into(),
                card_idx: 1,
                card_nm: "Coffee".into(),
                card_ttl: "Free coffee".into(),
                stamps: 2,
                max_stamps: 10,
                stamp_url: format!("http://127.0.0.1/stamp/t{stamp_idx}"),
                url: String::new(),
                strt_ymd: Ymd::parse("2026-01-01").expect("date"),
                end_ymd: Ymd::parse("2026-12-31").expect("date"),
                onsite_yn: YesNo::N,
                onsite_pwd: None,
                memo: String::new(),
                active_yn: YesNo::Y,
                user_id: format!("cust-{stamp_idx}"),
                user_nm: String::new(),
                user_phnno: String::new(),
                user_eml: String::new(),
                user_etc1: String::new(),
                user_etc2: String::new(),
                stamp_img_url: String::new(),
                reg_ymdt: Ymdt::parse("2026-01-01 10:00:00").expect("time"),
                payload_version: "v1".into(),
            },
            status: StampStatus::Active,
            redeemed_ymd: None,
            pin_state: PinState::Unset,
            last_add_ymdt: None,
            next_stamp_idx: None,
        }
    }

    fn page(ids: &[i64], next: Option<&str>) -> StampPage {
        StampPage { items: ids.iter().copied().map(item).collect(), next_cursor: next.map(str::to_owned) }
    }

    /// The answer to the request in flight.
    fn answer(state: StampsState, result: Result<StampPage, CallError>) -> StampsState {
        let load = state.load;
        state.reduce(StampsAction::Loaded { load, result })
    }

    fn loaded(ids: &[i64], next: Option<&str>) -> StampsState {
        answer(StampsState::new(), Ok(page(ids, next)))
    }

    #[test]
    fn the_query_string_carries_only_the_filters_in_force() {
        assert_eq!(ListQuery::default().to_query(None), "limit=50");
        let query = ListQuery { q: "  cust 42&x ".into(), card_idx: Some(3), status: Some(StampStatus::Redeemed) };
        assert_eq!(query.to_query(Some("abc=")), "q=cust+42%26x&cardIdx=3&status=REDEEMED&limit=50&cursor=abc%3D");
    }

    #[test]
    fn pages_follow_the_cursor_and_come_back() {
        let state = loaded(&[3, 2], Some("c2"));
        assert_eq!((state.page_number(), state.cursor()), (1, None));
        let load = state.load;
        let state = state.reduce(StampsAction::Next);
        assert!(state.loading && state.load != load);
        assert_eq!((state.page_number(), state.cursor()), (2, Some("c2")));
        // A second "Next" while loading does nothing.
        let state = state.reduce(StampsAction::Next);
        assert_eq!(state.page_number(), 2);
        let state = answer(state, Ok(page(&[1], None)));
        assert_eq!(state.reduce(StampsAction::Next).page_number(), 2, "no next page after the last");
        let state = answer(loaded(&[3, 2], Some("c2")).reduce(StampsAction::Next), Ok(page(&[1], None)))
            .reduce(StampsAction::Previous);
        assert_eq!((state.page_number(), state.cursor()), (1, None));
        assert_eq!(answer(state, Ok(page(&[3], None))).reduce(StampsAction::Previous).page_number(), 1);
    }

    #[test]
    fn a_new_filter_starts_again_from_the_first_page_with_nothing_selected() {
        let state = answer(loaded(&[3, 2], Some("c2")).reduce(StampsAction::Next), Ok(page(&[1], None)))
            .reduce(StampsAction::Toggle(1));
        assert_eq!(state.selected.len(), 1);
        for action in [
            StampsAction::Search("cust-42".into()),
            StampsAction::Card(Some(2)),
            StampsAction::Status(Some(StampStatus::Expired)),
        ] {
            let next = state.clone().reduce(action);
            assert_eq!((next.page_number(), next.cursor()), (1, None));
            assert!(next.selected.is_empty() && next.loading);
        }
        assert_eq!(state.reduce(StampsAction::Search("x".into())).query.q, "x");
    }

    #[test]
    fn rows_are_selected_one_by_one_or_all_at_once() {
        let state = loaded(&[3, 2, 1], None).reduce(StampsAction::Toggle(2)).reduce(StampsAction::Toggle(99));
        assert_eq!(state.selected.iter().copied().collect::<Vec<_>>(), [2], "an id not on the page is ignored");
        assert!(!state.all_selected());
        let state = state.reduce(StampsAction::ToggleAll);
        assert!(state.all_selected() && state.selected.len() == 3);
        let state = state.reduce(StampsAction::Toggle(3));
        assert_eq!(state.selected.len(), 2);
        let state = state.reduce(StampsAction::ToggleAll).reduce(StampsAction::ToggleAll);
        assert!(state.selected.is_empty());
        assert!(!loaded(&[], None).all_selected());
    }

    #[test]
    fn a_bulk_change_waits_for_its_confirmation_and_reloads_after() {
        assert_eq!(
            loaded(&[3, 2], None).reduce(StampsAction::Ask(BulkAction::Delete)).confirm,
            None,
            "nothing selected"
        );
        let state = loaded(&[3, 2, 1], None)
            .reduce(StampsAction::Toggle(3))
            .reduce(StampsAction::Toggle(1))
            .reduce(StampsAction::Ask(BulkAction::Delete));
        assert_eq!(state.confirm, Some(BulkAction::Delete));
        assert_eq!(state.clone().reduce(StampsAction::Cancel).confirm, None);
        assert_eq!(state.clone().reduce(StampsAction::Cancel).selected.len(), 2, "cancel keeps the selection");
        let state = state.reduce(StampsAction::Confirmed);
        assert!(state.busy);
        let load = state.load;
        let done = state.clone().reduce(StampsAction::BulkDone(Ok(BulkResult {
            affected: 1,
            missing: vec![1],
            unchanged: vec![],
        })));
        assert_eq!(done.done, Some(BulkDone { action: BulkAction::Delete, affected: 1, missing: 1, unchanged: 0 }));
        assert!(done.selected.is_empty() && done.confirm.is_none() && !done.busy);
        assert!(done.loading && done.load != load);
        let failed = state.reduce(StampsAction::BulkDone(Err(CallError::Network)));
        assert_eq!(failed.error, Some(CallError::Network));
        assert_eq!(failed.selected.len(), 2, "a failed change keeps the selection to retry");
    }

    #[test]
    fn a_late_answer_to_an_older_search_is_dropped() {
        let typed = loaded(&[3, 2, 1], None).reduce(StampsAction::Search("c".into()));
        let old = typed.load;
        let typed = typed.reduce(StampsAction::Search("cust-42".into()));
        let stale = typed.clone().reduce(StampsAction::Loaded { load: old, result: Ok(page(&[9, 8], None)) });
        assert_eq!(stale.items.len(), 3, "still the page from before");
        assert!(stale.loading);
        let fresh = answer(stale, Ok(page(&[42], None)));
        assert_eq!(fresh.items.iter().map(|item| item.stamp.stamp_idx).collect::<Vec<_>>(), [42]);
        assert!(!fresh.loading);
    }

    #[test]
    fn a_reloaded_page_drops_selected_rows_it_no_longer_has() {
        let state = loaded(&[3, 2, 1], None).reduce(StampsAction::ToggleAll);
        let state = answer(state, Ok(page(&[3, 1], None)));
        assert_eq!(state.selected.iter().copied().collect::<Vec<_>>(), [1, 3]);
        let failed = answer(state, Err(CallError::Network));
        assert_eq!(failed.error, Some(CallError::Network));
        assert!(!failed.loading);
    }
}
