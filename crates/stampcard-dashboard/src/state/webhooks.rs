//! The webhooks page: the create form with the core's verdict on each field, the endpoint list
//! and the secret it shows once, and one endpoint's delivery log (status filter, cursor pages,
//! re-send).

use stampcard_core::input::FieldError;
use stampcard_core::webhook::{
    DeliveryAttempt, DeliveryPage, DeliveryStatus, DeliveryView, WebhookCreateRequest, WebhookCreated,
    WebhookEventType, WebhookFormat, WebhookList, WebhookRotated, WebhookView,
};

use crate::api::CallError;

/// Whether the form accepts `http` URLs. The dashboard cannot know whether the server runs
/// with `--webhook-allow-private`, so it checks only the URL's form and leaves `https` and the
/// address to the server, whose refusal is shown with the core's message.
const ALLOW_HTTP: bool = true;

/// Deliveries per page of the log.
pub const LOG_PAGE_SIZE: u32 = 20;

/// The "Add endpoint" form as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookForm {
    /// `url`.
    pub url: String,
    /// "All events" ticked (the default): `events` left out, so types added later come too.
    pub all_events: bool,
    /// The ticked event types when not all (a `Vec`, not a set: nine at most, and no B-tree
    /// code in the wasm).
    pub events: Vec<WebhookEventType>,
    /// Only this card's stamps.
    pub card_idx: Option<i64>,
    /// How deliveries are signed.
    pub format: WebhookFormat,
}

impl Default for WebhookForm {
    fn default() -> WebhookForm {
        WebhookForm {
            url: String::new(),
            all_events: true,
            events: Vec::new(),
            card_idx: None,
            format: WebhookFormat::Vivoldi,
        }
    }
}

impl WebhookForm {
    /// Ticks or unticks one event type.
    pub fn toggle_event(&mut self, kind: WebhookEventType) {
        if self.events.contains(&kind) {
            self.events.retain(|ticked| *ticked != kind);
        } else {
            self.events.push(kind);
        }
    }

    /// The request the form sends.
    pub fn request(&self) -> WebhookCreateRequest {
        WebhookCreateRequest {
            url: self.url.trim().to_owned(),
            // In documentation order, whatever order they were ticked in.
            events: (!self.all_events).then(|| {
                WebhookEventType::SUBSCRIBABLE
                    .into_iter()
                    .filter(|kind| self.events.contains(kind))
                    .map(|kind| kind.as_str().to_owned())
                    .collect()
            }),
            card_idx: self.card_idx,
            format: Some(self.format.as_str().to_owned()),
        }
    }

    /// The core's verdict on one field (`url`, `events`, `cardIdx`, `format`).
    pub fn error(&self, field: &str) -> Option<FieldError> {
        self.request().check(ALLOW_HTTP).err()?.0.into_iter().find(|error| error.field == field)
    }

    /// Whether the core accepts the form.
    pub fn is_valid(&self) -> bool {
        self.request().check(ALLOW_HTTP).is_ok()
    }
}

/// A signing secret on screen: shown once, after create or rotate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Its endpoint.
    pub webhook_idx: i64,
    /// The secret.
    pub secret: String,
    /// After a rotation (the old secret keeps signing for 24 hours).
    pub rotated: bool,
}

/// What the last change did, as the page says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// An endpoint was added.
    Created,
    /// A secret was rotated.
    Rotated,
    /// Enabled or disabled.
    Saved,
    /// A test event was queued.
    TestQueued,
    /// An endpoint was deleted.
    Deleted,
}

/// The endpoint list and what is on screen around it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebhooksState {
    /// The endpoints; `None` while loading.
    pub list: Option<Result<Vec<WebhookView>, CallError>>,
    /// The secret shown once.
    pub secret: Option<Secret>,
    /// The endpoint whose deletion waits for its confirmation.
    pub confirm: Option<i64>,
    /// A change is in flight.
    pub busy: bool,
    /// Why the last change failed.
    pub error: Option<CallError>,
    /// What the last change did.
    pub notice: Option<Notice>,
}

/// What happened on the webhooks page.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhooksAction {
    /// The list answered.
    Loaded(Result<WebhookList, CallError>),
    /// A change was sent.
    Sending,
    /// An endpoint was added.
    Created(WebhookCreated),
    /// A secret was rotated.
    Rotated(WebhookRotated),
    /// An endpoint was changed.
    Updated(WebhookView),
    /// A test event was queued.
    Tested,
    /// An endpoint was deleted.
    Deleted(i64),
    /// A change was refused.
    Failed(CallError),
    /// Delete asked: confirm first.
    AskDelete(i64),
    /// The dialog was cancelled.
    Cancel,
    /// The secret box was closed.
    HideSecret,
}

impl WebhooksState {
    fn done(&mut self, notice: Notice) {
        self.busy = false;
        self.error = None;
        self.notice = Some(notice);
    }

    fn items(&mut self) -> Option<&mut Vec<WebhookView>> {
        self.list.as_mut().and_then(|list| list.as_mut().ok())
    }

    fn replace(&mut self, webhook: WebhookView) {
        if let Some(items) = self.items()
            && let Some(item) = items.iter_mut().find(|item| item.webhook_idx == webhook.webhook_idx)
        {
            *item = webhook;
        }
    }

    /// The next state.
    pub fn reduce(mut self, action: WebhooksAction) -> WebhooksState {
        match action {
            WebhooksAction::Loaded(result) => self.list = Some(result.map(|list| list.items)),
            WebhooksAction::Sending => {
                self.busy = true;
                self.notice = None;
            }
            WebhooksAction::Created(created) => {
                self.secret =
                    Some(Secret { webhook_idx: created.webhook.webhook_idx, secret: created.secret, rotated: false });
                if let Some(items) = self.items() {
                    items.push(created.webhook);
                }
                self.done(Notice::Created);
            }
            WebhooksAction::Rotated(rotated) => {
                self.secret =
                    Some(Secret { webhook_idx: rotated.webhook.webhook_idx, secret: rotated.secret, rotated: true });
                self.replace(rotated.webhook);
                self.done(Notice::Rotated);
            }
            WebhooksAction::Updated(webhook) => {
                self.replace(webhook);
                self.done(Notice::Saved);
            }
            WebhooksAction::Tested => self.done(Notice::TestQueued),
            WebhooksAction::Deleted(webhook_idx) => {
                if let Some(items) = self.items() {
                    items.retain(|item| item.webhook_idx != webhook_idx);
                }
                // The secret of a deleted endpoint would only mislead.
                if self.secret.as_ref().is_some_and(|secret| secret.webhook_idx == webhook_idx) {
                    self.secret = None;
                }
                self.confirm = None;
                self.done(Notice::Deleted);
            }
            WebhooksAction::Failed(error) => {
                self.busy = false;
                self.confirm = None;
                self.error = Some(error);
            }
            WebhooksAction::AskDelete(webhook_idx) => self.confirm = Some(webhook_idx),
            WebhooksAction::Cancel => self.confirm = None,
            WebhooksAction::HideSecret => self.secret = None,
        }
        self
    }
}

/// One endpoint's delivery log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogState {
    /// The endpoint.
    pub webhook_idx: i64,
    /// The status filter.
    pub status: Option<DeliveryStatus>,
    /// The cursors of the pages before this one and of this one (`None` = the first page).
    pub cursors: Vec<Option<String>>,
    /// This page's deliveries.
    pub items: Vec<DeliveryView>,
    /// The next page's cursor.
    pub next_cursor: Option<String>,
    /// A page is loading.
    pub loading: bool,
    /// Changes whenever a page must be (re)loaded.
    pub load: u32,
    /// Why the last call failed.
    pub error: Option<CallError>,
    /// A re-send is in flight.
    pub busy: bool,
    /// The delivery just queued again.
    pub resent: Option<i64>,
}

/// What happened on the delivery log.
#[derive(Debug, Clone, PartialEq)]
pub enum LogAction {
    /// The status filter changed.
    Status(Option<DeliveryStatus>),
    /// A page answered (dropped unless `load` is the current serial).
    Loaded {
        /// The serial the request was made for.
        load: u32,
        /// The answer.
        result: Result<DeliveryPage, CallError>,
    },
    /// "Next".
    Next,
    /// "Previous".
    Previous,
    /// "Refresh".
    Reload,
    /// "Re-send" was pressed.
    Resending,
    /// The re-send answered: the delivery, queued again.
    Resent(Result<DeliveryView, CallError>),
}

impl LogState {
    /// The first page of an endpoint's log, about to load.
    pub fn new(webhook_idx: i64) -> LogState {
        LogState {
            webhook_idx,
            status: None,
            cursors: vec![None],
            items: Vec::new(),
            next_cursor: None,
            loading: true,
            load: 1,
            error: None,
            busy: false,
            resent: None,
        }
    }

    /// The 1-based number of the page on screen.
    pub fn page_number(&self) -> usize {
        self.cursors.len().max(1)
    }

    /// The query string (without `?`) of the page on screen.
    pub fn to_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("webhookIdx", &self.webhook_idx.to_string());
        if let Some(status) = self.status {
            query.append_pair("status", status.as_str());
        }
        query.append_pair("limit", &LOG_PAGE_SIZE.to_string());
        if let Some(Some(cursor)) = self.cursors.last() {
            query.append_pair("cursor", cursor);
        }
        query.finish()
    }

    fn reload(&mut self) {
        self.loading = true;
        self.load = self.load.wrapping_add(1);
    }

    /// The next state.
    pub fn reduce(mut self, action: LogAction) -> LogState {
        match action {
            LogAction::Status(status) => {
                self.status = status;
                self.cursors = vec![None];
                self.reload();
            }
            LogAction::Loaded { load, .. } if load != self.load => {}
            LogAction::Loaded { result, .. } => {
                self.loading = false;
                match result {
                    Ok(page) => {
                        self.error = None;
                        self.items = page.items;
                        self.next_cursor = page.next_cursor;
                    }
                    Err(error) => self.error = Some(error),
                }
            }
            LogAction::Next => {
                if let Some(cursor) = self.next_cursor.clone()
                    && !self.loading
                {
                    self.cursors.push(Some(cursor));
                    self.reload();
                }
            }
            LogAction::Previous => {
                if self.cursors.len() > 1 && !self.loading {
                    self.cursors.pop();
                    self.reload();
                }
            }
            LogAction::Reload => {
                self.resent = None;
                self.reload();
            }
            LogAction::Resending => {
                self.busy = true;
                self.resent = None;
            }
            LogAction::Resent(result) => {
                self.busy = false;
                match result {
                    Ok(delivery) => {
                        self.error = None;
                        self.resent = Some(delivery.delivery_idx);
                        // The answer is the delivery queued again without its attempts: the row
                        // keeps the ones it shows and takes the new status.
                        if let Some(item) =
                            self.items.iter_mut().find(|item| item.delivery_idx == delivery.delivery_idx)
                        {
                            item.status = delivery.status;
                            item.next_attempt_ymdt = delivery.next_attempt_ymdt;
                        }
                    }
                    Err(error) => self.error = Some(error),
                }
            }
        }
        self
    }
}

/// A delivery's latest attempt (attempts are oldest first).
pub fn last_attempt(delivery: &DeliveryView) -> Option<&DeliveryAttempt> {
    delivery.attempts.last()
}

#[cfg(test)]
mod tests {
    use stampcard_core::ErrorCode;
    use stampcard_core::types::Ymdt;

    use super::*;

    fn view(webhook_idx: i64, enabled: bool) -> WebhookView {
        WebhookView {
            webhook_idx,
            url: format!("https://shop.example/hooks/{webhook_idx}"),
            events: None,
            card_idx: None,
            format: WebhookFormat::Vivoldi,
            enabled,
            previous_secret_until_ymdt: None,
            reg_ymdt: Ymdt::parse("2026-01-01 10:00:00").expect("time"),
        }
    }

    fn delivery(delivery_idx: i64, status: DeliveryStatus) -> DeliveryView {
        DeliveryView {
            delivery_idx,
            webhook_idx: 1,
            event_id: format!("evt_{delivery_idx}"),
            event_type: WebhookEventType::Added,
            stamp_idx: Some(9),
            sequence: Some(2),
            status,
            next_attempt_ymdt: None,
            attempts: Vec::new(),
            reg_ymdt: Ymdt::parse("2026-01-01 10:00:00").expect("time"),
        }
    }

    fn loaded(items: Vec<WebhookView>) -> WebhooksState {
        WebhooksState::default().reduce(WebhooksAction::Loaded(Ok(WebhookList { items })))
    }

    #[test]
    fn all_events_by_default_or_the_ticked_ones() {
        let mut form = WebhookForm { url: " https://shop.example/h ".into(), ..WebhookForm::default() };
        let request = form.request();
        assert_eq!(
            (request.url.as_str(), request.events, request.format.as_deref()),
            ("https://shop.example/h", None, Some("vivoldi"))
        );
        assert!(form.is_valid());
        form.all_events = false;
        assert_eq!(form.error("events").expect("none ticked").code, ErrorCode::InvalidWebhookEvents);
        form.toggle_event(WebhookEventType::Redeemed);
        form.toggle_event(WebhookEventType::Added);
        assert_eq!(form.request().events, Some(vec!["stamp.added".to_owned(), "stamp.redeemed".to_owned()]));
        form.toggle_event(WebhookEventType::Added);
        assert_eq!(form.request().events, Some(vec!["stamp.redeemed".to_owned()]));
        form.card_idx = Some(4);
        form.format = WebhookFormat::Standard;
        assert_eq!((form.request().card_idx, form.request().format.as_deref()), (Some(4), Some("standard")));
        assert!(form.is_valid());
    }

    #[test]
    fn the_url_gets_the_cores_verdict_and_http_is_left_to_the_server() {
        let form = |url: &str| WebhookForm { url: url.into(), ..WebhookForm::default() };
        assert_eq!(form("").error("url").expect("empty").code, ErrorCode::InvalidWebhookUrl);
        assert!(form("shop.example/h").error("url").is_some());
        assert!(form("https://u:p@shop.example/").error("url").expect("credentials").message.contains("password"));
        // Whether plain http (and a local address) is allowed is the server's setting.
        assert_eq!(form("http://127.0.0.1:9000/h").error("url"), None);
        assert_eq!(form("https://shop.example/h").error("url"), None);
    }

    #[test]
    fn a_new_endpoint_joins_the_list_and_its_secret_is_shown_once() {
        let state = loaded(vec![view(1, true)]).reduce(WebhooksAction::Sending);
        assert!(state.busy);
        let state =
            state.reduce(WebhooksAction::Created(WebhookCreated { webhook: view(2, true), secret: "whsec_a".into() }));
        assert_eq!(state.secret, Some(Secret { webhook_idx: 2, secret: "whsec_a".into(), rotated: false }));
        assert_eq!(state.list.as_ref().and_then(|l| l.as_ref().ok()).map(Vec::len), Some(2));
        assert_eq!((state.busy, state.notice), (false, Some(Notice::Created)));
        let state = state.reduce(WebhooksAction::HideSecret);
        assert_eq!(state.secret, None);
    }

    #[test]
    fn rotate_update_and_delete_change_the_row_in_place() {
        let until = Ymdt::parse("2026-01-02 10:00:00").expect("time");
        let rotated = WebhookView { previous_secret_until_ymdt: Some(until), ..view(1, true) };
        let state = loaded(vec![view(1, true), view(2, true)])
            .reduce(WebhooksAction::Rotated(WebhookRotated { webhook: rotated.clone(), secret: "whsec_new".into() }));
        assert!(state.secret.as_ref().is_some_and(|s| s.rotated && s.webhook_idx == 1));
        assert_eq!(state.list.as_ref().and_then(|l| l.as_ref().ok()).map(|l| l[0].clone()), Some(rotated));

        let state = state.reduce(WebhooksAction::Updated(view(2, false)));
        assert_eq!(state.notice, Some(Notice::Saved));
        assert!(!state.list.as_ref().and_then(|l| l.as_ref().ok()).expect("list")[1].enabled);

        let state = state.reduce(WebhooksAction::AskDelete(1));
        assert_eq!(state.confirm, Some(1));
        let state = state.reduce(WebhooksAction::Deleted(1));
        let ids: Vec<i64> =
            state.list.as_ref().and_then(|l| l.as_ref().ok()).expect("list").iter().map(|w| w.webhook_idx).collect();
        assert_eq!(ids, [2]);
        assert_eq!((state.confirm, state.secret), (None, None), "the deleted endpoint's secret goes too");
    }

    #[test]
    fn a_refusal_closes_the_dialog_and_is_kept_for_the_page() {
        let refused = CallError::Refused { status: 409, code: 4021, message: "disabled".into() };
        let state = loaded(vec![view(1, false)]).reduce(WebhooksAction::AskDelete(1)).reduce(WebhooksAction::Sending);
        let state = state.reduce(WebhooksAction::Failed(refused.clone()));
        assert_eq!((state.busy, state.confirm, state.error), (false, None, Some(refused)));
        assert_eq!(state.list.as_ref().and_then(|l| l.as_ref().ok()).map(Vec::len), Some(1));
    }

    #[test]
    fn the_log_asks_for_its_endpoint_status_and_page() {
        let state = LogState::new(3);
        assert_eq!(state.to_query(), "webhookIdx=3&limit=20");
        let state = state.reduce(LogAction::Status(Some(DeliveryStatus::Dead)));
        assert_eq!(state.to_query(), "webhookIdx=3&status=DEAD&limit=20");
        let page = DeliveryPage { items: vec![delivery(5, DeliveryStatus::Dead)], next_cursor: Some("c=2".into()) };
        let state = state.reduce(LogAction::Loaded { load: 2, result: Ok(page) }).reduce(LogAction::Next);
        assert_eq!((state.page_number(), state.to_query().ends_with("&cursor=c%3D2")), (2, true));
        // A new filter starts again at the first page.
        let state = state.reduce(LogAction::Status(None));
        assert_eq!((state.page_number(), state.to_query()), (1, "webhookIdx=3&limit=20".to_owned()));
    }

    #[test]
    fn a_late_page_is_dropped_and_previous_comes_back() {
        let page = |idx, next: Option<&str>| DeliveryPage {
            items: vec![delivery(idx, DeliveryStatus::Delivered)],
            next_cursor: next.map(str::to_owned),
        };
        let state = LogState::new(1).reduce(LogAction::Loaded { load: 1, result: Ok(page(9, Some("c2"))) });
        let state = state.reduce(LogAction::Next);
        let stale = state.clone().reduce(LogAction::Loaded { load: 1, result: Ok(page(1, None)) });
        assert_eq!(stale.items[0].delivery_idx, 9, "an older request's answer is ignored");
        let state = state.reduce(LogAction::Loaded { load: 2, result: Ok(page(4, None)) });
        assert_eq!((state.items[0].delivery_idx, state.loading), (4, false));
        assert_eq!(state.clone().reduce(LogAction::Next).page_number(), 2, "no next page");
        assert_eq!(state.reduce(LogAction::Previous).page_number(), 1);
    }

    #[test]
    fn a_resent_delivery_is_shown_queued_again() {
        let attempt = DeliveryAttempt {
            request_id: "req_1".into(),
            attempt_ymdt: Ymdt::parse("2026-01-01 10:00:01").expect("time"),
            http_status: Some(500),
            duration_ms: 12,
            response_excerpt: "oops".into(),
            error: None,
        };
        let dead = DeliveryView { attempts: vec![attempt.clone()], ..delivery(5, DeliveryStatus::Dead) };
        let page = DeliveryPage { items: vec![dead, delivery(6, DeliveryStatus::Delivered)], next_cursor: None };
        let state =
            LogState::new(1).reduce(LogAction::Loaded { load: 1, result: Ok(page) }).reduce(LogAction::Resending);
        assert!(state.busy);
        let state = state.reduce(LogAction::Resent(Ok(delivery(5, DeliveryStatus::Pending))));
        assert_eq!((state.busy, state.resent), (false, Some(5)));
        assert_eq!(state.items[0].status, DeliveryStatus::Pending);
        assert_eq!(last_attempt(&state.items[0]), Some(&attempt), "the attempts shown stay");
        assert_eq!(state.items[1].status, DeliveryStatus::Delivered);
        let refused = CallError::Refused { status: 409, code: 4021, message: "disabled".into() };
        let state = state.reduce(LogAction::Resending).reduce(LogAction::Resent(Err(refused.clone())));
        assert_eq!((state.error, state.resent), (Some(refused), None));
    }
}
