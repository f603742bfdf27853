//! Reads the page API's responses, parsed by the browser's own `JSON.parse`, into the core's
//! wire types.
//!
//! It replaces `serde_wasm_bindgen::from_value::<Envelope<T>>`, whose deserializer brings
//! serde's error messages (and with them float formatting and Unicode escaping) into the wasm,
//! and it accepts exactly what that path accepted:
//! - a struct is any JS object; its fields are read by name, others are ignored; a missing or
//!   `null` field is `None` for an `Option` and a refusal for anything else;
//! - an integer is a safe integer (`3.0` parses to `3` and is one) within the type's range;
//! - a string is a string; `Y`/`N` flags and `YYYY-MM-DD` days as the core parses them;
//! - an enum is its variant's name, or an object with that name as its only key and a `null`
//!   value (serde's externally tagged form of a unit variant).
//!
//! Refusals carry no detail: the caller reports any of them as "not an envelope". The tests
//! below (in headless Chromium) check every rule against serde-wasm-bindgen itself.

use js_sys::{Array, Number, Object, Reflect};
use stampcard_core::model::{PinState, StampState};
use stampcard_core::types::{YesNo, Ymd};
use stampcard_core::wire::{Envelope, PageIntro, PageView, SessionResult};
use wasm_bindgen::{JsCast, JsValue};

/// The value does not have the shape the type needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// A value read from JSON, or why not.
pub type Read<T> = Result<T, Refused>;

/// A wire type read from a parsed JSON value.
pub trait FromJson: Sized {
    /// Reads `value`, refusing what serde-wasm-bindgen refuses for this type.
    fn from_json(value: &JsValue) -> Read<Self>;
}

/// Reads a response body, already parsed by `JSON.parse`, as an envelope whose `result` is
/// still unread (not generic, so the wasm has one copy of it).
pub fn envelope(value: &JsValue) -> Read<Envelope<JsValue>> {
    let fields = Fields::of(value)?;
    Ok(Envelope { code: fields.get("code")?, message: fields.get("message")?, result: fields.get("result")? })
}

/// Reads an envelope's `result` as `T`. One of the wrong shape refuses the whole envelope,
/// even a refusal's, as serde did.
pub fn result<T: FromJson>(envelope: Envelope<JsValue>) -> Read<Envelope<T>> {
    let result = envelope.result.as_ref().map(T::from_json).transpose()?;
    Ok(Envelope { code: envelope.code, message: envelope.message, result })
}

/// The fields of a JS object, read by name.
struct Fields<'a>(&'a Object);

impl Fields<'_> {
    fn of(value: &JsValue) -> Read<Fields<'_>> {
        // Like serde-wasm-bindgen's `deserialize_struct`: any object, arrays included (which
        // then lack the fields).
        if value.is_object() { Ok(Fields(value.unchecked_ref())) } else { Err(Refused) }
    }

    /// The field `name` read as `T`; an absent one is `undefined`, which only an `Option`
    /// accepts.
    fn get<T: FromJson>(&self, name: &str) -> Read<T> {
        T::from_json(&self.value(name)?)
    }

    /// The field `name` as it is: the lookup is not generic, so the wasm has one copy of it.
    fn value(&self, name: &str) -> Read<JsValue> {
        Reflect::get(self.0, &JsValue::from_str(name)).map_err(|_| Refused)
    }
}

/// A unit variant's name: the string itself, or the only key of an object whose value is
/// `null` (serde's `{"VARIANT": null}`).
fn variant_name(value: &JsValue) -> Read<String> {
    if let Some(name) = value.as_string() {
        return Ok(name);
    }
    if !value.is_object() {
        return Err(Refused);
    }
    let entries = Object::entries(value.unchecked_ref());
    if entries.length() != 1 {
        return Err(Refused);
    }
    let pair: Array = entries.get(0).unchecked_into();
    if !pair.get(1).is_null_or_undefined() {
        return Err(Refused);
    }
    pair.get(0).as_string().ok_or(Refused)
}

/// A number that is a safe integer (`Number.isSafeInteger`), as serde-wasm-bindgen requires
/// of every integer type.
fn safe_integer(value: &JsValue) -> Read<i64> {
    if !Number::is_safe_integer(value) {
        return Err(Refused);
    }
    // A safe integer is exact in both f64 and i64.
    value.as_f64().map(|number| number as i64).ok_or(Refused)
}

/// Any value, left for a later read (the envelope's `result`, read once the call's type is
/// known).
impl FromJson for JsValue {
    fn from_json(value: &JsValue) -> Read<JsValue> {
        Ok(value.clone())
    }
}

impl FromJson for String {
    fn from_json(value: &JsValue) -> Read<String> {
        value.as_string().ok_or(Refused)
    }
}

impl FromJson for u32 {
    fn from_json(value: &JsValue) -> Read<u32> {
        u32::try_from(safe_integer(value)?).map_err(|_| Refused)
    }
}

impl FromJson for i32 {
    fn from_json(value: &JsValue) -> Read<i32> {
        i32::try_from(safe_integer(value)?).map_err(|_| Refused)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &JsValue) -> Read<Option<T>> {
        if value.is_null_or_undefined() { Ok(None) } else { T::from_json(value).map(Some) }
    }
}

impl FromJson for YesNo {
    fn from_json(value: &JsValue) -> Read<YesNo> {
        match value.as_string().as_deref() {
            Some("Y") => Ok(YesNo::Y),
            Some("N") => Ok(YesNo::N),
            _ => Err(Refused),
        }
    }
}

impl FromJson for Ymd {
    fn from_json(value: &JsValue) -> Read<Ymd> {
        value.as_string().as_deref().and_then(Ymd::parse).ok_or(Refused)
    }
}

impl FromJson for PinState {
    fn from_json(value: &JsValue) -> Read<PinState> {
        match variant_name(value)?.as_str() {
            "UNSET" => Ok(PinState::Unset),
            "SET" => Ok(PinState::Set),
            "RESET" => Ok(PinState::Reset),
            _ => Err(Refused),
        }
    }
}

impl FromJson for StampState {
    fn from_json(value: &JsValue) -> Read<StampState> {
        match variant_name(value)?.as_str() {
            "COLLECTING" => Ok(StampState::Collecting),
            "FULL" => Ok(StampState::Full),
            "REDEEMED" => Ok(StampState::Redeemed),
            "EXPIRED" => Ok(StampState::Expired),
            "NOT_STARTED" => Ok(StampState::NotStarted),
            "INACTIVE" => Ok(StampState::Inactive),
            _ => Err(Refused),
        }
    }
}

impl FromJson for PageIntro {
    fn from_json(value: &JsValue) -> Read<PageIntro> {
        let fields = Fields::of(value)?;
        Ok(PageIntro {
            card_nm: fields.get("cardNm")?,
            card_ttl: fields.get("cardTtl")?,
            pin_state: fields.get("pinState")?,
            pin_locked_secs: fields.get("pinLockedSecs")?,
            state: fields.get("state")?,
            strt_ymd: fields.get("strtYmd")?,
            end_ymd: fields.get("endYmd")?,
        })
    }
}

impl FromJson for PageView {
    fn from_json(value: &JsValue) -> Read<PageView> {
        let fields = Fields::of(value)?;
        Ok(PageView {
            card_nm: fields.get("cardNm")?,
            card_ttl: fields.get("cardTtl")?,
            stamp_img_url: fields.get("stampImgUrl")?,
            url: fields.get("url")?,
            stamps: fields.get("stamps")?,
            max_stamps: fields.get("maxStamps")?,
            strt_ymd: fields.get("strtYmd")?,
            end_ymd: fields.get("endYmd")?,
            active_yn: fields.get("activeYn")?,
            redeemed_ymd: fields.get("redeemedYmd")?,
            onsite_yn: fields.get("onsiteYn")?,
            today: fields.get("today")?,
            state: fields.get("state")?,
            onsite_locked_secs: fields.get("onsiteLockedSecs")?,
            previous_redeemed_ymd: fields.get("previousRedeemedYmd")?,
        })
    }
}

impl FromJson for SessionResult {
    fn from_json(value: &JsValue) -> Read<SessionResult> {
        let fields = Fields::of(value)?;
        Ok(SessionResult { session_token: fields.get("sessionToken")?, expires_in_secs: fields.get("expiresInSecs")? })
    }
}

/// Every rule against serde-wasm-bindgen, the path this reader replaced: each input is read
/// both ways, the two must agree, and the verdict must be the expected one.
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use std::fmt::Debug;

    use serde::de::DeserializeOwned;
    use wasm_bindgen_test::*;

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    const VIEW: &str = r#"{"cardNm":"Coffee","cardTtl":"Free coffee","stampImgUrl":"","url":"https://shop.example",
        "stamps":3,"maxStamps":10,"strtYmd":"2025-01-01","endYmd":"2025-12-31","activeYn":"Y",
        "redeemedYmd":null,"onsiteYn":"N","today":"2025-06-01","state":"COLLECTING",
        "onsiteLockedSecs":null,"previousRedeemedYmd":"2025-05-31"}"#;
    const INTRO: &str = r#"{"cardNm":"Coffee","cardTtl":"Free coffee","pinState":"SET","pinLockedSecs":30,
        "state":"EXPIRED","strtYmd":"2025-01-01","endYmd":"2025-06-30"}"#;
    const SESSION: &str = r#"{"sessionToken":"abc","expiresInSecs":3600}"#;

    fn parse(text: &str) -> JsValue {
        js_sys::JSON::parse(text).unwrap_or_else(|_| panic!("test JSON: {text}"))
    }

    /// `{"code":0,"message":"","result":RESULT}` with `RESULT`'s field `field` set to `value`
    /// (JSON text), or removed for `None`.
    fn envelope_with(result: &str, field: &str, value: Option<&str>) -> JsValue {
        let result = parse(result);
        match value {
            Some(value) => Reflect::set(&result, &field.into(), &parse(value)).map(drop),
            None => Reflect::delete_property(result.unchecked_ref::<Object>(), &field.into()).map(drop),
        }
        .expect("an object");
        let envelope = parse(r#"{"code":0,"message":""}"#);
        Reflect::set(&envelope, &"result".into(), &result).expect("an object");
        envelope
    }

    /// Reads `value` as `Envelope<T>` with this module and with serde-wasm-bindgen, checks they
    /// agree, and returns this module's answer.
    fn both<T: FromJson + DeserializeOwned + PartialEq + Debug>(value: &JsValue, what: &str) -> Option<Envelope<T>> {
        let ours = envelope(value).and_then(result::<T>).ok();
        let serde = serde_wasm_bindgen::from_value::<Envelope<T>>(value.clone()).ok();
        assert_eq!(ours, serde, "{what}");
        ours
    }

    fn check_field<T: FromJson + DeserializeOwned + PartialEq + Debug>(
        base: &str,
        field: &str,
        value: Option<&str>,
        accepted: bool,
    ) {
        let what = format!("{field}: {value:?}");
        let read = both::<T>(&envelope_with(base, field, value), &what);
        assert_eq!(read.is_some(), accepted, "{what}");
    }

    #[wasm_bindgen_test]
    fn page_view_fields_read_like_serde() {
        let view = |field, value, accepted| check_field::<PageView>(VIEW, field, value, accepted);
        // The untouched body, and a field nobody knows.
        view("unknownField", Some("[1]"), true);
        let strings = ["cardNm", "cardTtl", "stampImgUrl", "url"];
        let counts = ["stamps", "maxStamps"];
        let days = ["strtYmd", "endYmd", "today"];
        let flags = ["activeYn", "onsiteYn"];
        let optional = ["redeemedYmd", "onsiteLockedSecs", "previousRedeemedYmd"];
        for field in strings.iter().chain(&counts).chain(&days).chain(&flags).chain(&["state"]) {
            view(field, None, false);
            view(field, Some("null"), false);
            view(field, Some("{}"), false);
            view(field, Some("[]"), false);
        }
        for field in optional {
            view(field, None, true);
            view(field, Some("null"), true);
            view(field, Some("true"), false);
        }
        for field in strings {
            view(field, Some(r#""€ ok""#), true);
            view(field, Some("1"), false);
        }
        for field in counts.iter().chain(&["onsiteLockedSecs"]) {
            for good in ["0", "3.0", "1e2", "-0", "4294967295"] {
                view(field, Some(good), true);
            }
            for bad in ["3.5", "-1", "4294967296", "9007199254740993", r#""3""#, "true"] {
                view(field, Some(bad), false);
            }
        }
        for field in days.iter().chain(&["redeemedYmd", "previousRedeemedYmd"]) {
            view(field, Some(r#""2024-02-29""#), true);
            for bad in [r#""2025-1-01""#, r#""2025-02-30""#, r#""2025-01-01 00:00:00""#, "20250101"] {
                view(field, Some(bad), false);
            }
        }
        for field in flags {
            view(field, Some(r#""N""#), true);
            for bad in [r#""y""#, r#""YES""#, "true", "1"] {
                view(field, Some(bad), false);
            }
        }
        for good in [r#""NOT_STARTED""#, r#"{"FULL":null}"#] {
            view("state", Some(good), true);
        }
        for bad in [r#""full""#, r#""UNKNOWN""#, r#"{"FULL":1}"#, r#"{"FULL":null,"USED":null}"#, r#"["FULL"]"#, "1"] {
            view("state", Some(bad), false);
        }
    }

    #[wasm_bindgen_test]
    fn intro_and_session_read_like_serde() {
        let intro = |field, value, accepted| check_field::<PageIntro>(INTRO, field, value, accepted);
        intro("pinLockedSecs", None, true);
        for good in [r#""UNSET""#, r#""RESET""#, r#"{"SET":null}"#] {
            intro("pinState", Some(good), true);
        }
        for bad in [r#""set""#, "null", r#"{"SET":{}}"#, "0"] {
            intro("pinState", Some(bad), false);
        }
        intro("cardTtl", None, false);
        intro("state", None, false);
        intro("state", Some(r#""NOT_STARTED""#), true);
        intro("endYmd", Some(r#""2025-02-30""#), false);
        let session = |field, value, accepted| check_field::<SessionResult>(SESSION, field, value, accepted);
        session("expiresInSecs", Some("86400.0"), true);
        session("expiresInSecs", Some("-5"), false);
        session("sessionToken", None, false);
        session("sessionToken", Some("null"), false);
    }

    #[wasm_bindgen_test]
    fn envelopes_read_like_serde() {
        let check = |text: &str, accepted: bool| {
            let read = both::<SessionResult>(&parse(text), text);
            assert_eq!(read.is_some(), accepted, "{text}");
        };
        check(r#"{"code":0,"message":"","result":{"sessionToken":"t","expiresInSecs":1}}"#, true);
        check(r#"{"code":2001,"message":"wrong pin","result":null}"#, true);
        check(r#"{"code":2001,"message":"wrong pin"}"#, true);
        check(r#"{"code":-1.0,"message":"x","extra":[]}"#, true);
        for bad in [
            r#"{"message":"","result":null}"#,
            r#"{"code":"0","message":"","result":null}"#,
            r#"{"code":1.5,"message":"","result":null}"#,
            r#"{"code":2147483648,"message":"","result":null}"#,
            r#"{"code":0,"result":null}"#,
            r#"{"code":0,"message":null,"result":null}"#,
            // A result of the wrong shape fails the whole envelope, even a refusal's.
            r#"{"code":2001,"message":"x","result":{"sessionToken":"t"}}"#,
            r#"{"code":0,"message":"","result":[]}"#,
            r#"[0,"",null]"#,
            "null",
            r#""envelope""#,
            "0",
        ] {
            check(bad, false);
        }
    }

    /// Every variant the server can write (serialised by serde) reads back as itself.
    #[wasm_bindgen_test]
    fn every_variant_reads_back() {
        use StampState::*;
        // A new variant fails to compile here until it is listed (and read above).
        let listed = |state: StampState| match state {
            Collecting | Full | Redeemed | Expired | NotStarted | Inactive => state,
        };
        for state in [Collecting, Full, Redeemed, Expired, NotStarted, Inactive].map(listed) {
            let value = serde_wasm_bindgen::to_value(&state).expect("serialised");
            assert_eq!(StampState::from_json(&value), Ok(state));
        }
        let listed = |pin: PinState| match pin {
            PinState::Unset | PinState::Set | PinState::Reset => pin,
        };
        for pin in [PinState::Unset, PinState::Set, PinState::Reset].map(listed) {
            let value = serde_wasm_bindgen::to_value(&pin).expect("serialised");
            assert_eq!(PinState::from_json(&value), Ok(pin));
        }
        for flag in [YesNo::Y, YesNo::N] {
            assert_eq!(YesNo::from_json(&serde_wasm_bindgen::to_value(&flag).expect("serialised")), Ok(flag));
        }
    }
}
