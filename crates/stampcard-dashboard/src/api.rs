//! All HTTP the dashboard does: one method per endpoint, each returning the envelope's result
//! or a [`CallError`].
//!
//! The session is the login's HttpOnly cookie, which the browser sends by itself (same
//! origin); the CSRF token the login returns is kept in memory only (never in storage a
//! script on another page could read) and sent as `X-CSRF-Token` on every non-GET request.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use stampcard_core::dashboard::{
    CSRF_HEADER, KeyCreateRequest, KeyRevokeRequest, KeyView, LoginRequest, NewKeyView, SessionView,
    paths as admin_paths,
};
use stampcard_core::find::{
    StampPage, StampStatus, StampView, StatsCounts, StatsDay, StatsResult, paths as find_paths,
};
use stampcard_core::model::PinState;
use stampcard_core::staff::{StaffCreateRequest, StaffUpdateRequest, StaffView, paths as staff_paths};
use stampcard_core::types::{YesNo, Ymd, Ymdt};
use stampcard_core::webhook::{
    DeliveryPage, DeliveryView, RedeliverRequest, WebhookCreateRequest, WebhookCreated, WebhookIdxRequest, WebhookList,
    WebhookRotated, WebhookUpdateRequest, WebhookView, paths as hook_paths,
};
use stampcard_core::wire::ValidateResult;
use stampcard_core::wire::{
    BulkAction, BulkRequest, BulkResult, CardCreateRequest, CardUpdateRequest, CardView, CreateStampRequest,
    HistoryEvent, ImportResult, RedeemRequest, StampIdxRequest, UpdateStampRequest, paths as core_paths,
};
use wasm_bindgen::JsValue;
use web_sys::RequestCredentials;

/// The `secret` of create's and rotate-secret's results (see `Api::send_secret`).
#[derive(serde::Deserialize)]
struct Secret {
    secret: String,
}

/// [`StampView`] as read off the wire: the same fields without `#[serde(flatten)]`, whose
/// buffered deserializer costs the wasm several KiB (the core keeps it for the server's
/// schema). A native test checks that both read the same JSON alike.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StampViewWire {
    stamp_idx: i64,
    domain: String,
    card_idx: i64,
    card_nm: String,
    card_ttl: String,
    stamps: u32,
    max_stamps: u32,
    stamp_url: String,
    url: String,
    strt_ymd: Ymd,
    end_ymd: Ymd,
    onsite_yn: YesNo,
    onsite_pwd: Option<String>,
    memo: String,
    active_yn: YesNo,
    user_id: String,
    user_nm: String,
    user_phnno: String,
    user_eml: String,
    user_etc1: String,
    user_etc2: String,
    stamp_img_url: String,
    reg_ymdt: Ymdt,
    payload_version: String,
    status: StampStatus,
    redeemed_ymd: Option<Ymd>,
    pin_state: PinState,
    last_add_ymdt: Option<Ymdt>,
    next_stamp_idx: Option<i64>,
}

impl From<StampViewWire> for StampView {
    fn from(wire: StampViewWire) -> StampView {
        StampView {
            stamp: ValidateResult {
                stamp_idx: wire.stamp_idx,
                domain: wire.domain,
                card_idx: wire.card_idx,
                card_nm: wire.card_nm,
                card_ttl: wire.card_ttl,
                stamps: wire.stamps,
                max_stamps: wire.max_stamps,
                stamp_url: wire.stamp_url,
                url: wire.url,
                strt_ymd: wire.strt_ymd,
                end_ymd: wire.end_ymd,
                onsite_yn: wire.onsite_yn,
                onsite_pwd: wire.onsite_pwd,
                memo: wire.memo,
                active_yn: wire.active_yn,
                user_id: wire.user_id,
                user_nm: wire.user_nm,
                user_phnno: wire.user_phnno,
                user_eml: wire.user_eml,
                user_etc1: wire.user_etc1,
                user_etc2: wire.user_etc2,
                stamp_img_url: wire.stamp_img_url,
                reg_ymdt: wire.reg_ymdt,
                payload_version: wire.payload_version,
            },
            status: wire.status,
            redeemed_ymd: wire.redeemed_ymd,
            pin_state: wire.pin_state,
            last_add_ymdt: wire.last_add_ymdt,
            next_stamp_idx: wire.next_stamp_idx,
        }
    }
}

/// [`StampPage`] with its items read as [`StampViewWire`].
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StampPageWire {
    items: Vec<StampViewWire>,
    next_cursor: Option<String>,
}

impl From<StampPageWire> for StampPage {
    fn from(wire: StampPageWire) -> StampPage {
        StampPage { items: wire.items.into_iter().map(StampView::from).collect(), next_cursor: wire.next_cursor }
    }
}

/// [`StatsDay`] without `#[serde(flatten)]` (see [`StampViewWire`]).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatsDayWire {
    ymd: Ymd,
    adds: u32,
    removes: u32,
    redeems: u32,
    created: u32,
    customers: u32,
}

/// [`StatsResult`] with its days read as [`StatsDayWire`].
#[derive(serde::Deserialize)]
struct StatsResultWire {
    days: Vec<StatsDayWire>,
    totals: StatsCounts,
}

impl From<StatsResultWire> for StatsResult {
    fn from(wire: StatsResultWire) -> StatsResult {
        let days = wire
            .days
            .into_iter()
            .map(|day| StatsDay {
                ymd: day.ymd,
                counts: StatsCounts {
                    adds: day.adds,
                    removes: day.removes,
                    redeems: day.redeems,
                    created: day.created,
                    customers: day.customers,
                },
            })
            .collect();
        StatsResult { days, totals: wire.totals }
    }
}

/// HTTP 401: the session cookie is missing, expired or signed out.
pub const UNAUTHORIZED: u16 = 401;

/// Why a call did not return a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// No answer: offline, a refused connection.
    Network,
    /// The server answered with a non-zero `code` (or something that is not an envelope,
    /// reported as code 9001 with the status it came with).
    Refused {
        /// The HTTP status.
        status: u16,
        /// The envelope's `code`.
        code: i32,
        /// The envelope's `message`.
        message: String,
    },
}

impl CallError {
    /// The session is gone: back to sign-in (any 401 but the login's own refusal, which the
    /// sign-in form shows).
    pub fn session_ended(&self) -> bool {
        matches!(self, CallError::Refused { status: UNAUTHORIZED, .. })
    }
}

/// The back-office API of the server that served the page (same origin).
#[derive(Debug, Clone, Default)]
pub struct Api {
    csrf: Rc<RefCell<Option<String>>>,
}

impl PartialEq for Api {
    fn eq(&self, other: &Api) -> bool {
        Rc::ptr_eq(&self.csrf, &other.csrf)
    }
}

impl Api {
    /// A client with no session yet.
    pub fn new() -> Api {
        Api::default()
    }

    fn remember(&self, me: &SessionView) {
        *self.csrf.borrow_mut() = Some(me.csrf_token.clone()).filter(|token| !token.is_empty());
    }

    /// Forgets the CSRF token (after sign-out or when the session ended).
    pub fn forget(&self) {
        *self.csrf.borrow_mut() = None;
    }

    /// `POST /api/admin/v1/login`.
    pub async fn login(&self, email: &str, password: &str) -> Result<SessionView, CallError> {
        let body = LoginRequest { email: email.to_owned(), password: password.to_owned() };
        let me: SessionView = self.send(Method::POST, admin_paths::LOGIN.to_owned(), Some(&body)).await?;
        self.remember(&me);
        Ok(me)
    }

    /// `GET /api/admin/v1/me`: resumes a session after a reload.
    pub async fn me(&self) -> Result<SessionView, CallError> {
        let me: SessionView = self.send(Method::GET, admin_paths::ME.to_owned(), None::<&()>).await?;
        self.remember(&me);
        Ok(me)
    }

    /// `POST /api/admin/v1/logout`.
    pub async fn logout(&self) -> Result<(), CallError> {
        let result = self.send_unit(Method::POST, admin_paths::LOGOUT.to_owned(), None::<&()>).await;
        self.forget();
        result
    }

    /// `GET /api/stamp/v1/card/list`.
    pub async fn cards(&self) -> Result<Vec<CardView>, CallError> {
        self.send(Method::GET, core_paths::CARD_LIST.to_owned(), None::<&()>).await
    }

    /// `POST /api/stamp/v1/card/create`.
    pub async fn create_card(&self, body: &CardCreateRequest) -> Result<CardView, CallError> {
        self.send(Method::POST, core_paths::CARD_CREATE.to_owned(), Some(body)).await
    }

    /// `PUT /api/stamp/v1/card/update`.
    pub async fn update_card(&self, body: &CardUpdateRequest) -> Result<(), CallError> {
        self.send_unit(Method::PUT, core_paths::CARD_UPDATE.to_owned(), Some(body)).await
    }

    /// `GET /api/stamp/v1/list?{query}`: one page (`query` from `ListQuery::to_query`).
    pub async fn list(&self, query: &str) -> Result<StampPage, CallError> {
        let page: StampPageWire = self.send(Method::GET, format!("{}?{query}", find_paths::LIST), None::<&()>).await?;
        Ok(page.into())
    }

    /// `GET /api/stamp/v1/get`.
    pub async fn stamp(&self, stamp_idx: i64) -> Result<StampView, CallError> {
        let url = format!("{}?stampIdx={stamp_idx}", find_paths::GET);
        let stamp: StampViewWire = self.send(Method::GET, url, None::<&()>).await?;
        Ok(stamp.into())
    }

    /// `GET /api/stamp/v1/history`.
    pub async fn history(&self, stamp_idx: i64) -> Result<Vec<HistoryEvent>, CallError> {
        self.send(Method::GET, format!("{}?stampIdx={stamp_idx}", core_paths::HISTORY), None::<&()>).await
    }

    /// `POST /api/stamp/v1/bulk`.
    pub async fn bulk(&self, action: BulkAction, stamp_idxs: Vec<i64>) -> Result<BulkResult, CallError> {
        let body = BulkRequest { action, stamp_idxs };
        self.send(Method::POST, core_paths::BULK.to_owned(), Some(&body)).await
    }

    /// `POST /api/stamp/v1/create`: the new stamp's `stampIdx`.
    pub async fn create_stamp(&self, body: &CreateStampRequest) -> Result<i64, CallError> {
        self.send(Method::POST, core_paths::CREATE.to_owned(), Some(body)).await
    }

    /// `PUT /api/stamp/v1/add`.
    pub async fn add(&self, stamp_idx: i64) -> Result<(), CallError> {
        self.send_unit(Method::PUT, core_paths::ADD.to_owned(), Some(&StampIdxRequest { stamp_idx })).await
    }

    /// `PUT /api/stamp/v1/remove`.
    pub async fn remove(&self, stamp_idx: i64) -> Result<(), CallError> {
        self.send_unit(Method::PUT, core_paths::REMOVE.to_owned(), Some(&StampIdxRequest { stamp_idx })).await
    }

    /// `PUT /api/stamp/v1/update` (set count, reset PIN, activate, deactivate).
    pub async fn update(&self, body: &UpdateStampRequest) -> Result<(), CallError> {
        self.send_unit(Method::PUT, core_paths::UPDATE.to_owned(), Some(body)).await
    }

    /// `PUT /api/stamp/v1/redeem`.
    pub async fn redeem(&self, stamp_idx: i64) -> Result<(), CallError> {
        let body = RedeemRequest { stamp_idx, onsite_pwd: None };
        self.send_unit(Method::PUT, core_paths::REDEEM.to_owned(), Some(&body)).await
    }

    /// `DELETE /api/stamp/v1/delete?stampIdx=N`.
    pub async fn delete(&self, stamp_idx: i64) -> Result<(), CallError> {
        self.send_unit(Method::DELETE, format!("{}?stampIdx={stamp_idx}", core_paths::DELETE), None::<&()>).await
    }

    /// `GET /api/stamp/v1/stats?{query}` (`cardIdx`, `from`, `to`).
    pub async fn stats(&self, query: &str) -> Result<StatsResult, CallError> {
        let stats: StatsResultWire =
            self.send(Method::GET, format!("{}?{query}", find_paths::STATS), None::<&()>).await?;
        Ok(stats.into())
    }

    /// `POST /api/stamp/v1/import?cardIdx=N&dryRun=Y|N` with the CSV file's text.
    pub async fn import(&self, card_idx: i64, dry_run: bool, csv: String) -> Result<ImportResult, CallError> {
        let dry_run = if dry_run { "Y" } else { "N" };
        let url = format!("{}?cardIdx={card_idx}&dryRun={dry_run}", core_paths::IMPORT);
        let request = self
            .request(Method::POST, &url)
            .header("Content-Type", "text/csv; charset=utf-8")
            .body(csv)
            .map_err(|_| CallError::Network)?;
        let (status, text) = finish(request).await?;
        read_envelope(status, &text)?.ok_or_else(|| not_an_envelope(200))
    }

    /// `GET /api/stamp/v1/staff/list`.
    pub async fn staff(&self) -> Result<Vec<StaffView>, CallError> {
        self.send(Method::GET, staff_paths::STAFF_LIST.to_owned(), None::<&()>).await
    }

    /// `POST /api/stamp/v1/staff/create`.
    pub async fn create_staff(&self, body: &StaffCreateRequest) -> Result<StaffView, CallError> {
        self.send(Method::POST, staff_paths::STAFF_CREATE.to_owned(), Some(body)).await
    }

    /// `PUT /api/stamp/v1/staff/update`.
    pub async fn update_staff(&self, body: &StaffUpdateRequest) -> Result<(), CallError> {
        self.send_unit(Method::PUT, staff_paths::STAFF_UPDATE.to_owned(), Some(body)).await
    }

    /// `DELETE /api/stamp/v1/staff/delete?staffIdx=N`.
    pub async fn delete_staff(&self, staff_idx: i64) -> Result<(), CallError> {
        let url = format!("{}?staffIdx={staff_idx}", staff_paths::STAFF_DELETE);
        self.send_unit(Method::DELETE, url, None::<&()>).await
    }

    /// `GET /api/admin/v1/key/list`.
    pub async fn keys(&self) -> Result<Vec<KeyView>, CallError> {
        self.send(Method::GET, admin_paths::KEY_LIST.to_owned(), None::<&()>).await
    }

    /// `POST /api/admin/v1/key/create`: the key, shown once.
    pub async fn create_key(&self, label: &str) -> Result<NewKeyView, CallError> {
        let body = KeyCreateRequest { label: label.to_owned() };
        self.send(Method::POST, admin_paths::KEY_CREATE.to_owned(), Some(&body)).await
    }

    /// `POST /api/admin/v1/key/revoke`.
    pub async fn revoke_key(&self, api_key_idx: i64) -> Result<(), CallError> {
        self.send_unit(Method::POST, admin_paths::KEY_REVOKE.to_owned(), Some(&KeyRevokeRequest { api_key_idx })).await
    }

    /// `GET /api/stamp/v1/webhook/list`.
    pub async fn webhooks(&self) -> Result<WebhookList, CallError> {
        self.send(Method::GET, hook_paths::WEBHOOK_LIST.to_owned(), None::<&()>).await
    }

    /// `POST /api/stamp/v1/webhook/create`: the endpoint and its secret, shown once.
    pub async fn create_webhook(&self, body: &WebhookCreateRequest) -> Result<WebhookCreated, CallError> {
        let (webhook, secret) = self.send_secret(hook_paths::WEBHOOK_CREATE, body).await?;
        Ok(WebhookCreated { webhook, secret })
    }

    /// `PUT /api/stamp/v1/webhook/update`: the endpoint as changed.
    pub async fn update_webhook(&self, body: &WebhookUpdateRequest) -> Result<WebhookView, CallError> {
        self.send(Method::PUT, hook_paths::WEBHOOK_UPDATE.to_owned(), Some(body)).await
    }

    /// `POST /api/stamp/v1/webhook/rotate-secret`: the new secret, shown once.
    pub async fn rotate_secret(&self, webhook_idx: i64) -> Result<WebhookRotated, CallError> {
        let body = WebhookIdxRequest { webhook_idx };
        let (webhook, secret) = self.send_secret(hook_paths::WEBHOOK_ROTATE_SECRET, &body).await?;
        Ok(WebhookRotated { webhook, secret })
    }

    /// A POST answered by an endpoint with its `secret` beside its fields. Read as two plain
    /// structs from the same text rather than as the flattened `WebhookCreated`: serde's
    /// buffered `flatten` code for it would cost the wasm more than reading the text twice.
    async fn send_secret<B: Serialize>(&self, url: &str, body: &B) -> Result<(WebhookView, String), CallError> {
        let (status, text) = self.call(Method::POST, url.to_owned(), body_text(Some(body))).await?;
        let webhook: WebhookView = read_envelope(status, &text)?.ok_or_else(|| not_an_envelope(200))?;
        let Secret { secret } = read_envelope(status, &text)?.ok_or_else(|| not_an_envelope(200))?;
        Ok((webhook, secret))
    }

    /// `POST /api/stamp/v1/webhook/test`.
    pub async fn test_webhook(&self, webhook_idx: i64) -> Result<(), CallError> {
        let body = WebhookIdxRequest { webhook_idx };
        self.send_unit(Method::POST, hook_paths::WEBHOOK_TEST.to_owned(), Some(&body)).await
    }

    /// `DELETE /api/stamp/v1/webhook/delete?webhookIdx=N`.
    pub async fn delete_webhook(&self, webhook_idx: i64) -> Result<(), CallError> {
        let url = format!("{}?webhookIdx={webhook_idx}", hook_paths::WEBHOOK_DELETE);
        self.send_unit(Method::DELETE, url, None::<&()>).await
    }

    /// `GET /api/stamp/v1/webhook/deliveries?{query}`: one page of the log.
    pub async fn deliveries(&self, query: &str) -> Result<DeliveryPage, CallError> {
        self.send(Method::GET, format!("{}?{query}", hook_paths::WEBHOOK_DELIVERIES), None::<&()>).await
    }

    /// `POST /api/stamp/v1/webhook/redeliver`: the delivery, queued again.
    pub async fn redeliver(&self, delivery_idx: i64) -> Result<DeliveryView, CallError> {
        let body = RedeliverRequest { delivery_idx };
        self.send(Method::POST, hook_paths::WEBHOOK_REDELIVER.to_owned(), Some(&body)).await
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        let mut request = RequestBuilder::new(url).method(method.clone()).credentials(RequestCredentials::SameOrigin);
        if method != Method::GET
            && let Some(token) = self.csrf.borrow().as_deref()
        {
            request = request.header(CSRF_HEADER, token);
        }
        request
    }

    /// A call whose success `result` the dashboard does not need (`null` for the seed
    /// endpoints, the changed object for others: either is fine).
    async fn send_unit<B: Serialize>(&self, method: Method, url: String, body: Option<&B>) -> Result<(), CallError> {
        let (status, text) = self.call(method, url, body_text(body)).await?;
        read_done(status, &text)
    }

    /// A call whose success carries a `result`.
    async fn send<T: DeserializeOwned, B: Serialize>(
        &self,
        method: Method,
        url: String,
        body: Option<&B>,
    ) -> Result<T, CallError> {
        let (status, text) = self.call(method, url, body_text(body)).await?;
        match read_envelope(status, &text)? {
            Some(result) => Ok(result),
            None => Err(not_an_envelope(200)),
        }
    }

    /// Sends the request (its JSON body already written, see [`body_text`]): the answer's
    /// status and text. Not generic, so that its async code is in the wasm once rather than
    /// once per body type.
    async fn call(
        &self,
        method: Method,
        url: String,
        json: Result<Option<String>, CallError>,
    ) -> Result<(u16, String), CallError> {
        let request = self.request(method, &url);
        let request = match json? {
            Some(json) => request.header("Content-Type", "application/json").body(json),
            None => request.build(),
        }
        .map_err(|_| CallError::Network)?;
        finish(request).await
    }
}

/// A request's body as JSON text, if it has one.
fn body_text<B: Serialize>(body: Option<&B>) -> Result<Option<String>, CallError> {
    body.map(|body| json_body(body).ok_or(CallError::Network)).transpose()
}

/// Sends a built request: the answer's status and text.
async fn finish(request: gloo_net::http::Request) -> Result<(u16, String), CallError> {
    let response = request.send().await.map_err(|_| CallError::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| CallError::Network)?;
    Ok((status, text))
}

/// The answer to a change whose result the dashboard does not need: success whatever the
/// `result` holds (`null` for the seed endpoints, the changed object for others).
pub fn read_done(status: u16, text: &str) -> Result<(), CallError> {
    open_envelope(status, text).map(|_| ())
}

/// A request body as JSON text, through the browser's own JSON (no serde_json in the wasm).
/// JSON-compatible: a map (a flattened body, say) becomes a plain object, not an ES `Map`,
/// which `JSON.stringify` would write as `{}`.
pub fn json_body<B: Serialize>(body: &B) -> Option<String> {
    body.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()
        .and_then(|value| js_sys::JSON::stringify(&value).ok())
        .and_then(|json| json.as_string())
}

/// An answer's envelope: its `result` on success, the refusal otherwise; anything that is not
/// an envelope of the expected shape is the server's fault.
pub fn read_envelope<T: DeserializeOwned>(status: u16, text: &str) -> Result<Option<T>, CallError> {
    let result = open_envelope(status, text)?;
    // `null` or absent, as `Option<T>` reads them.
    if result.is_null() || result.is_undefined() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(result).map(Some).map_err(|_| not_an_envelope(status))
}

/// [`stampcard_core::wire::Envelope`] with its `result` kept as the browser's value: one deserializer for every
/// call instead of one `Envelope<T>` per result type (size), the `result` read afterwards.
#[derive(serde::Deserialize)]
struct RawEnvelope {
    code: i32,
    message: String,
    #[serde(default, deserialize_with = "serde_wasm_bindgen::preserve::deserialize")]
    result: JsValue,
}

/// An answer's envelope: its `result` (as the browser's value) on success, the refusal
/// otherwise.
fn open_envelope(status: u16, text: &str) -> Result<JsValue, CallError> {
    let json = js_sys::JSON::parse(text).map_err(|_| not_an_envelope(status))?;
    let envelope: RawEnvelope = serde_wasm_bindgen::from_value(json).map_err(|_| not_an_envelope(status))?;
    if envelope.code == 0 {
        Ok(envelope.result)
    } else {
        Err(CallError::Refused { status, code: envelope.code, message: envelope.message })
    }
}

/// Anything but an envelope (a proxy's HTML error page, a result of the wrong shape) is the
/// server's fault.
fn not_an_envelope(status: u16) -> CallError {
    let internal = stampcard_core::ErrorCode::Internal;
    CallError::Refused {
        status: if status == 200 { internal.http_status() } else { status },
        code: internal.code(),
        message: internal.message().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use stampcard_core::types::{YesNo, Ymd, Ymdt};

    use super::*;

    /// `value` as the server writes it, read back through the dashboard's mirror `W`.
    fn through_mirror<T: Serialize, W: DeserializeOwned + Into<T>>(value: &T) -> T {
        let json = serde_json::to_value(value).expect("serialize");
        serde_json::from_value::<W>(json).expect("the mirror reads what the core writes").into()
    }

    /// Every field distinct, so that a field read into its neighbour shows.
    fn stamp(optional: bool) -> StampView {
        StampView {
            stamp: ValidateResult {
                stamp_idx: 7,
                domain: "https://shop.example".into(),
                card_idx: 3,
                card_nm: "Coffee".into(),
                card_ttl: "Free coffee".into(),
                stamps: 4,
                max_stamps: 10,
                stamp_url: "https://shop.example/stamp/t7".into(),
                url: "https://shop.example/menu".into(),
                strt_ymd: Ymd::parse("2026-01-02").expect("date"),
                end_ymd: Ymd::parse("2026-12-30").expect("date"),
                onsite_yn: YesNo::Y,
                onsite_pwd: optional.then(|| "never sent".into()),
                memo: "memo".into(),
                active_yn: YesNo::N,
                user_id: "cust-7".into(),
                user_nm: "Kim".into(),
                user_phnno: "010-1234".into(),
                user_eml: "kim@example.com".into(),
                user_etc1: "etc 1".into(),
                user_etc2: "etc 2".into(),
                stamp_img_url: "https://shop.example/bean.png".into(),
                reg_ymdt: Ymdt::parse("2026-01-02 10:11:12").expect("time"),
                payload_version: "v1".into(),
            },
            status: StampStatus::Redeemed,
            redeemed_ymd: optional.then(|| Ymd::parse("2026-03-04").expect("date")),
            pin_state: PinState::Reset,
            last_add_ymdt: optional.then(|| Ymdt::parse("2026-03-01 08:09:10").expect("time")),
            next_stamp_idx: optional.then_some(8),
        }
    }

    #[test]
    fn stamp_mirror_reads_the_core_wire_format() {
        for optional in [true, false] {
            let view = stamp(optional);
            assert_eq!(through_mirror::<StampView, StampViewWire>(&view), view);
            let page = StampPage { items: vec![view.clone(), stamp(!optional)], next_cursor: Some("c=9".into()) };
            assert_eq!(through_mirror::<StampPage, StampPageWire>(&page), page);
        }
        let empty = StampPage { items: vec![], next_cursor: None };
        assert_eq!(through_mirror::<StampPage, StampPageWire>(&empty), empty);
    }

    #[test]
    fn stats_mirror_reads_the_core_wire_format() {
        let counts = |n: u32| StatsCounts { adds: n, removes: n + 1, redeems: n + 2, created: n + 3, customers: n + 4 };
        let stats = StatsResult {
            days: vec![
                StatsDay { ymd: Ymd::parse("2026-05-01").expect("date"), counts: counts(1) },
                StatsDay { ymd: Ymd::parse("2026-05-02").expect("date"), counts: counts(10) },
            ],
            totals: counts(100),
        };
        assert_eq!(through_mirror::<StatsResult, StatsResultWire>(&stats), stats);
    }
}
