//! All HTTP the widget does: one function per customer page endpoint, each returning the
//! envelope's result or a [`CallError`].
//!
//! No API key ever reaches the browser: the stamp's token in the URL scopes every call, and
//! after the PIN a short-lived session token goes in `Authorization: Bearer`.

use serde::Serialize;
use stampcard_core::ErrorCode;
use stampcard_core::wire::{
    ChangePinRequest, Envelope, OnsiteRequest, PageIntro, PageView, PinRequest, SessionResult, paths,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::json::{self, FromJson};
use crate::link::StampLink;

/// Why a call did not return a result: no answer, or a refusal's code (the core's `ApiError`
/// is something else, the code and message an envelope carries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// No answer: offline, DNS, a refused connection, a CORS failure. The page offers a retry.
    Network,
    /// The server answered with a non-zero `code` (or something that is not an envelope,
    /// reported as [`ErrorCode::Internal`]).
    Refused {
        /// The error code.
        code: ErrorCode,
        /// Seconds until a lock ends (the `Retry-After` header of a `Locked` answer), when known.
        retry_after_secs: Option<u32>,
    },
}

impl CallError {
    /// The error code, or `None` for a network failure.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            CallError::Network => None,
            CallError::Refused { code, .. } => Some(*code),
        }
    }

    /// A refusal without a `Retry-After`.
    pub fn refused(code: ErrorCode) -> CallError {
        CallError::Refused { code, retry_after_secs: None }
    }

    /// A `Locked` refusal that does not say for how long (the header was missing or not
    /// exposed to this origin), so the caller should ask the server.
    pub fn is_locked_without_time(&self) -> bool {
        matches!(self, CallError::Refused { code: ErrorCode::Locked, retry_after_secs: None })
    }

    /// The same error with the lock's remaining seconds filled in.
    pub fn with_retry_after(self, secs: Option<u32>) -> CallError {
        match self {
            CallError::Refused { code, retry_after_secs } => {
                CallError::Refused { code, retry_after_secs: retry_after_secs.or(secs) }
            }
            other => other,
        }
    }
}

/// What the intro call answers.
pub type IntroResult = Result<PageIntro, CallError>;

/// Reads an intro envelope the server embedded in the stamp page (the same JSON
/// `GET /api/page/v1/{token}` answers), with the same rules as a response.
pub fn read_intro(json: &str) -> IntroResult {
    let parsed = js_sys::JSON::parse(json).map_err(|_| not_an_envelope())?;
    let envelope = json::envelope(&parsed).map_err(|_| not_an_envelope())?;
    settle(envelope, None)
}

/// The customer page API of one stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    link: StampLink,
}

impl Api {
    /// The API of the stamp behind `link`.
    pub fn new(link: StampLink) -> Api {
        Api { link }
    }

    /// The stamp's token (the key under which the session is remembered).
    pub fn token(&self) -> &str {
        &self.link.token
    }

    fn url(&self, path: fn(&str) -> String) -> String {
        self.link.api_url(&path(&self.link.token))
    }

    /// `GET /api/page/v1/{token}`: the card's name and the PIN state, no session needed.
    pub async fn intro(&self) -> Result<PageIntro, CallError> {
        send("GET", &self.url(paths::page_intro), None, None).await
    }

    /// `GET /api/page/v1/{token}/card`: the whole card, with a session.
    pub async fn card(&self, session: &str) -> Result<PageView, CallError> {
        send("GET", &self.url(paths::page_card), Some(session), None).await
    }

    /// `POST /api/page/v1/{token}/pin`: sets the first PIN (or the one after a reset).
    pub async fn set_pin(&self, pin: &str) -> Result<SessionResult, CallError> {
        let body = json_body(&PinRequest { pin: pin.to_owned() })?;
        send("POST", &self.url(paths::page_pin), None, Some(body)).await
    }

    /// `PUT /api/page/v1/{token}/pin`: changes the PIN.
    pub async fn change_pin(
        &self,
        session: &str,
        current_pin: &str,
        new_pin: &str,
    ) -> Result<SessionResult, CallError> {
        let body = json_body(&ChangePinRequest { current_pin: current_pin.to_owned(), new_pin: new_pin.to_owned() })?;
        send("PUT", &self.url(paths::page_pin), Some(session), Some(body)).await
    }

    /// `POST /api/page/v1/{token}/session`: verifies the PIN and opens a session.
    pub async fn verify_pin(&self, pin: &str) -> Result<SessionResult, CallError> {
        let body = json_body(&PinRequest { pin: pin.to_owned() })?;
        send("POST", &self.url(paths::page_session), None, Some(body)).await
    }

    /// `POST /api/page/v1/{token}/onsite/add`: staff adds one stamp.
    pub async fn onsite_add(&self, session: &str, onsite_pwd: &str) -> Result<PageView, CallError> {
        let body = json_body(&OnsiteRequest { onsite_pwd: onsite_pwd.to_owned() })?;
        send("POST", &self.url(paths::page_onsite_add), Some(session), Some(body)).await
    }

    /// `POST /api/page/v1/{token}/onsite/redeem`: staff redeems the reward.
    pub async fn onsite_redeem(&self, session: &str, onsite_pwd: &str) -> Result<PageView, CallError> {
        let body = json_body(&OnsiteRequest { onsite_pwd: onsite_pwd.to_owned() })?;
        send("POST", &self.url(paths::page_onsite_redeem), Some(session), Some(body)).await
    }
}

/// A request body as JSON text, through the browser's own `JSON.stringify`.
fn json_body<B: Serialize>(body: &B) -> Result<String, CallError> {
    serde_wasm_bindgen::to_value(body)
        .ok()
        .and_then(|value| js_sys::JSON::stringify(&value).ok())
        .and_then(|json| json.as_string())
        .ok_or(CallError::Network)
}

/// One call: `method` on `url`, with the session as `Authorization: Bearer` and a JSON body
/// when given, then the envelope's result read as `T`.
async fn send<T: FromJson>(
    method: &str,
    url: &str,
    session: Option<&str>,
    body: Option<String>,
) -> Result<T, CallError> {
    let (envelope, retry_after_secs) = fetch(method, url, session, body).await?;
    settle(envelope, retry_after_secs)
}

/// An envelope's result read as `T`, or its refusal's code.
fn settle<T: FromJson>(envelope: Envelope<JsValue>, retry_after_secs: Option<u32>) -> Result<T, CallError> {
    let envelope = json::result::<T>(envelope).map_err(|_| not_an_envelope())?;
    match envelope.into_result() {
        Ok(Some(result)) => Ok(result),
        Ok(None) => Err(CallError::refused(ErrorCode::Internal)),
        Err(error) => Err(CallError::Refused { code: error.code, retry_after_secs }),
    }
}

/// What every call does the same way, kept out of the generic [`send`] so the wasm has one
/// copy of it: sends the request and reads the answer's envelope, its `result` still unread,
/// with the `Retry-After` seconds.
async fn fetch(
    method: &str,
    url: &str,
    session: Option<&str>,
    body: Option<String>,
) -> Result<(Envelope<JsValue>, Option<u32>), CallError> {
    let response = answer(method, url, session, body).await.map_err(|_| CallError::Network)?;
    let retry_after_secs =
        response.headers().get("retry-after").ok().flatten().and_then(|value| value.trim().parse().ok());
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|text| text.as_string()),
        Err(_) => None,
    }
    .ok_or(CallError::Network)?;
    let parsed = js_sys::JSON::parse(&text).map_err(|_| not_an_envelope())?;
    // Read by hand (`json.rs`), not through serde: same acceptance, a fraction of the wasm.
    let envelope = json::envelope(&parsed).map_err(|_| not_an_envelope())?;
    Ok((envelope, retry_after_secs))
}

/// The browser's `fetch`, straight through web-sys: gloo-net's request builder, which parses
/// and rebuilds the URL for query parameters the widget never has, was most of its HTTP code.
/// Any error is "no answer".
async fn answer(method: &str, url: &str, session: Option<&str>, body: Option<String>) -> Result<Response, JsValue> {
    let headers = Headers::new()?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(session) = session {
        headers.set("Authorization", &["Bearer ", session].concat())?;
    }
    if let Some(json) = body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(&json));
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init)?;
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    JsFuture::from(window.fetch_with_request(&request)).await?.dyn_into::<Response>()
}

/// Anything but an envelope (a proxy's HTML error page, say) is a server failure.
fn not_an_envelope() -> CallError {
    CallError::refused(ErrorCode::Internal)
}
