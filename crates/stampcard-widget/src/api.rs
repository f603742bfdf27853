//! All HTTP the widget does: one function per customer page endpoint, each returning the
//! envelope's result or a [`CallError`].
//!
//! No API key ever reaches the browser: the stamp's token in the URL scopes every call, and
//! after the PIN a short-lived session token goes in `Authorization: Bearer`.

use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use stampcard_core::ErrorCode;
use stampcard_core::wire::{
    ChangePinRequest, Envelope, OnsiteRequest, PageIntro, PageView, PinRequest, SessionResult, paths,
};

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
    read_envelope(json, None)
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
        send(Request::get(&self.url(paths::page_intro)), None::<&()>).await
    }

    /// `GET /api/page/v1/{token}/card`: the whole card, with a session.
    pub async fn card(&self, session: &str) -> Result<PageView, CallError> {
        send(bearer(Request::get(&self.url(paths::page_card)), session), None::<&()>).await
    }

    /// `POST /api/page/v1/{token}/pin`: sets the first PIN (or the one after a reset).
    pub async fn set_pin(&self, pin: &str) -> Result<SessionResult, CallError> {
        let body = PinRequest { pin: pin.to_owned() };
        send(Request::post(&self.url(paths::page_pin)), Some(&body)).await
    }

    /// `PUT /api/page/v1/{token}/pin`: changes the PIN.
    pub async fn change_pin(
        &self,
        session: &str,
        current_pin: &str,
        new_pin: &str,
    ) -> Result<SessionResult, CallError> {
        let body = ChangePinRequest { current_pin: current_pin.to_owned(), new_pin: new_pin.to_owned() };
        send(bearer(Request::put(&self.url(paths::page_pin)), session), Some(&body)).await
    }

    /// `POST /api/page/v1/{token}/session`: verifies the PIN and opens a session.
    pub async fn verify_pin(&self, pin: &str) -> Result<SessionResult, CallError> {
        let body = PinRequest { pin: pin.to_owned() };
        send(Request::post(&self.url(paths::page_session)), Some(&body)).await
    }

    /// `POST /api/page/v1/{token}/onsite/add`: staff adds one stamp.
    pub async fn onsite_add(&self, session: &str, onsite_pwd: &str) -> Result<PageView, CallError> {
        let body = OnsiteRequest { onsite_pwd: onsite_pwd.to_owned() };
        send(bearer(Request::post(&self.url(paths::page_onsite_add)), session), Some(&body)).await
    }

    /// `POST /api/page/v1/{token}/onsite/redeem`: staff redeems the reward.
    pub async fn onsite_redeem(&self, session: &str, onsite_pwd: &str) -> Result<PageView, CallError> {
        let body = OnsiteRequest { onsite_pwd: onsite_pwd.to_owned() };
        send(bearer(Request::post(&self.url(paths::page_onsite_redeem)), session), Some(&body)).await
    }
}

fn bearer(request: RequestBuilder, session: &str) -> RequestBuilder {
    request.header("Authorization", &format!("Bearer {session}"))
}

async fn send<T: DeserializeOwned, B: Serialize>(request: RequestBuilder, body: Option<&B>) -> Result<T, CallError> {
    let request = match body {
        Some(body) => {
            let json = serde_wasm_bindgen::to_value(body)
                .ok()
                .and_then(|value| js_sys::JSON::stringify(&value).ok())
                .and_then(|json| json.as_string())
                .ok_or(CallError::Network)?;
            request.header("Content-Type", "application/json").body(json)
        }
        None => request.build(),
    }
    .map_err(|_| CallError::Network)?;
    let response = request.send().await.map_err(|_| CallError::Network)?;
    let retry_after_secs = response.headers().get("retry-after").and_then(|v| v.trim().parse().ok());
    let text = response.text().await.map_err(|_| CallError::Network)?;
    read_envelope(&text, retry_after_secs)
}

/// An envelope's result, or its refusal's code.
fn read_envelope<T: DeserializeOwned>(text: &str, retry_after_secs: Option<u32>) -> Result<T, CallError> {
    // Anything but an envelope (a proxy's HTML error page, say) is a server failure.
    let not_an_envelope = || CallError::refused(ErrorCode::Internal);
    let json = js_sys::JSON::parse(text).map_err(|_| not_an_envelope())?;
    let envelope: Envelope<T> = serde_wasm_bindgen::from_value(json).map_err(|_| not_an_envelope())?;
    match envelope.into_result() {
        Ok(Some(result)) => Ok(result),
        Ok(None) => Err(CallError::refused(ErrorCode::Internal)),
        Err(error) => Err(CallError::Refused { code: error.code, retry_after_secs }),
    }
}
