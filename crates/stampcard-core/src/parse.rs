//! Parsing request bodies and query parameters into wire types, mapping every failure to a
//! specific code and a message that names the field. The server's JSON extractor calls this,
//! so malformed input takes the same path as every other refusal.

use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};
use crate::input;
use crate::types::{INVALID_DATE_PREFIX, INVALID_FLAG_PREFIX, NOT_INTEGER_PREFIX};

/// Parses a JSON body into `T`.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(ErrorCode::MalformedJson, "the request body is empty; send a JSON object"));
    }
    // Every request body is an object; serde would also accept a struct written as an array.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Ok(_) => ApiError::new(ErrorCode::WrongType, "the request body must be a JSON object"),
            Err(e) => ApiError::new(ErrorCode::MalformedJson, format!("the request body is not valid JSON: {e}")),
        });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        classify(&path, error.inner())
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::new(ErrorCode::MalformedJson, format!("the request body is not valid JSON: {e}")))?;
    Ok(value)
}

fn classify(path: &str, error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let text = error.to_string();
    // serde_json appends " at line L column C"; the field name is more useful to a client.
    let detail = text.split(" at line ").next().unwrap_or(&text);
    match error.classify() {
        // Valid JSON, but a number serde_json cannot hold (`1e400`): a range problem, not a
        // syntax one, like any other number too large for its field.
        Category::Syntax if detail == "number out of range" && !path.trim_start_matches('.').is_empty() => {
            let field = path.trim_start_matches('.');
            ApiError::new(ErrorCode::OutOfRange, format!("{field} is out of range: the number is too large"))
        }
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::new(ErrorCode::MalformedJson, format!("the request body is not valid JSON: {text}"))
        }
        Category::Data => {
            let field = path.trim_start_matches('.');
            if let Some(missing) = detail.strip_prefix("missing field ") {
                ApiError::new(ErrorCode::MissingField, format!("{} is required", missing.trim_matches('`')))
            } else if detail.starts_with(INVALID_DATE_PREFIX) {
                ApiError::new(ErrorCode::InvalidDate, format!("{field}: {detail}"))
            } else if detail.starts_with(INVALID_FLAG_PREFIX) {
                ApiError::new(ErrorCode::InvalidFlag, format!("{field} must be \"Y\" or \"N\""))
            } else if let Some(duplicate) = detail.strip_prefix("duplicate field ") {
                // Which copy the client meant is a guess; refuse rather than pick one.
                let duplicate = duplicate.trim_matches('`');
                ApiError::new(ErrorCode::WrongType, format!("{duplicate} must be given once, not repeated"))
            } else if let Some(number) = detail.strip_prefix(NOT_INTEGER_PREFIX) {
                let number = number.trim_start_matches(": ");
                ApiError::new(ErrorCode::WrongType, format!("{field} must be an integer, got {number}"))
            } else if detail.starts_with("invalid value: integer") || detail.contains("out of range") {
                ApiError::new(ErrorCode::OutOfRange, format!("{field}: {detail}"))
            } else if field.is_empty() || field == "?" {
                ApiError::new(ErrorCode::WrongType, format!("the request body must be a JSON object: {detail}"))
            } else {
                ApiError::new(ErrorCode::WrongType, format!("{field}: {detail}"))
            }
        }
    }
}

/// Parses a required id query parameter such as `?stampIdx=394` from every value the query
/// gives it: none is a missing field, more than one is refused rather than guessing which
/// one the client meant.
pub fn idx_param(name: &'static str, values: &[&str]) -> Result<i64, ApiError> {
    let value = match values {
        [] => return Err(ApiError::new(ErrorCode::MissingField, format!("the query parameter {name} is required"))),
        [value] => value,
        _ => {
            return Err(ApiError::new(
                ErrorCode::WrongType,
                format!("the query parameter {name} must be given once, not {} times", values.len()),
            ));
        }
    };
    let number = query_integer(name, value)?;
    input::idx(name, number).map_err(|e| ApiError::new(e.code, e.message))
}

/// An integer written in a query: plain digits, or any number a JSON body may carry for an
/// integer (`1.0`, `1e1`, whole numbers beyond `i64`, which then fail the range check).
fn query_integer(name: &str, value: &str) -> Result<i64, ApiError> {
    let text = value.trim();
    if let Ok(number) = text.parse::<i64>() {
        return Ok(number);
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match crate::types::integer(&mut deserializer).and_then(|number| deserializer.end().map(|()| number)) {
        Ok(number) => Ok(number),
        Err(error) if error.to_string().starts_with("number out of range") => {
            Err(ApiError::new(ErrorCode::OutOfRange, format!("{name} is out of range: the number is too large")))
        }
        Err(_) => Err(ApiError::new(ErrorCode::WrongType, format!("{name} must be an integer, got {value:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{CreateStampRequest, StampIdxRequest, UpdateStampRequest};

    fn code_of<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> ErrorCode {
        json::<T>(body.as_bytes()).expect_err(body).code
    }

    #[test]
    fn classifies_every_failure() {
        let cases: &[(&str, ErrorCode)] = &[
            ("", ErrorCode::MalformedJson),
            ("{", ErrorCode::MalformedJson),
            ("{\"stampIdx\": 1} trailing", ErrorCode::MalformedJson),
            ("{}", ErrorCode::MissingField),
            ("{\"stampIdx\": \"394\"}", ErrorCode::WrongType),
            ("{\"stampIdx\": 1.5}", ErrorCode::WrongType),
            ("[1]", ErrorCode::WrongType),
            ("{\"stampIdx\": true}", ErrorCode::WrongType),
        ];
        for (body, expected) in cases {
            assert_eq!(code_of::<StampIdxRequest>(body), *expected, "{body}");
        }
        let create =
            |extra: &str| format!("{{\"cardIdx\": 1, \"strtYmd\": \"2025-01-01\", \"endYmd\": \"2025-12-31\"{extra}}}");
        assert_eq!(code_of::<CreateStampRequest>(&create(", \"activeYn\": \"X\"")), ErrorCode::InvalidFlag);
        assert_eq!(code_of::<CreateStampRequest>(&create(", \"activeYn\": true")), ErrorCode::WrongType);
        assert_eq!(
            code_of::<CreateStampRequest>("{\"cardIdx\": 1, \"strtYmd\": \"2025-02-30\", \"endYmd\": \"2025-12-31\"}"),
            ErrorCode::InvalidDate
        );
        let missing = json::<CreateStampRequest>(b"{\"cardIdx\": 1, \"endYmd\": \"2025-12-31\"}").unwrap_err();
        assert_eq!(missing.message, "strtYmd is required");
        let duplicate = json::<StampIdxRequest>(b"{\"stampIdx\": 5, \"stampIdx\": 6}").unwrap_err();
        assert_eq!(
            (duplicate.code, duplicate.message.as_str()),
            (ErrorCode::WrongType, "stampIdx must be given once, not repeated")
        );
        let wrong = json::<CreateStampRequest>(create(", \"memo\": 5").as_bytes()).unwrap_err();
        assert!(wrong.message.starts_with("memo: invalid type"), "{}", wrong.message);
    }

    #[test]
    fn unknown_fields_are_ignored_and_null_is_absent() {
        let req: StampIdxRequest = json(b"{\"stampIdx\": 7, \"extra\": [1, 2]}").unwrap();
        assert_eq!(req.stamp_idx, 7);
        let req: CreateStampRequest =
            json(b"{\"cardIdx\": 1, \"strtYmd\": \"2025-01-01\", \"endYmd\": \"2025-12-31\", \"memo\": null}").unwrap();
        assert_eq!(req.memo, None);
    }

    #[test]
    fn integers_written_as_floats() {
        let parsed = |body: &str| json::<StampIdxRequest>(body.as_bytes()).map(|r| r.stamp_idx);
        for (body, expected) in [
            ("{\"stampIdx\": 7}", 7),
            ("{\"stampIdx\": 7.0}", 7),
            ("{\"stampIdx\": 7e0}", 7),
            ("{\"stampIdx\": 1e1}", 10),
            ("{\"stampIdx\": 0.7e1}", 7),
            ("{\"stampIdx\": -0.0}", 0),
            // Whole numbers beyond i64 saturate; the field's range check refuses them.
            ("{\"stampIdx\": 1e30}", i64::MAX),
            ("{\"stampIdx\": 99999999999999999999}", i64::MAX),
            ("{\"stampIdx\": 9223372036854775808}", i64::MAX),
            ("{\"stampIdx\": -1e30}", i64::MIN),
            ("{\"stampIdx\": -99999999999999999999}", i64::MIN),
        ] {
            assert_eq!(parsed(body), Ok(expected), "{body}");
        }
        for body in ["{\"stampIdx\": 1.5}", "{\"stampIdx\": -0.25}", "{\"stampIdx\": 1e-1}"] {
            let error = parsed(body).unwrap_err();
            assert_eq!(error.code, ErrorCode::WrongType, "{body}");
            assert!(error.message.starts_with("stampIdx must be an integer, got "), "{}", error.message);
        }
        let huge = parsed("{\"stampIdx\": 1e400}").unwrap_err();
        assert_eq!(
            (huge.code, huge.message.as_str()),
            (ErrorCode::OutOfRange, "stampIdx is out of range: the number is too large")
        );
        // Optional integers too; null stays absent.
        let update: UpdateStampRequest = json(b"{\"stampIdx\": 1.0, \"cardIdx\": 2.0, \"stamps\": 3e0}").unwrap();
        assert_eq!((update.stamp_idx, update.card_idx, update.stamps), (1, Some(2), Some(3)));
        let update: UpdateStampRequest = json(b"{\"stampIdx\": 1, \"cardIdx\": null}").unwrap();
        assert_eq!((update.card_idx, update.stamps), (None, None));
        let error = json::<UpdateStampRequest>(b"{\"stampIdx\": 1, \"stamps\": 2.5}").unwrap_err();
        assert_eq!((error.code, error.message.as_str()), (ErrorCode::WrongType, "stamps must be an integer, got 2.5"));
    }

    #[test]
    fn idx_params() {
        let code = |values: &[&str]| idx_param("stampIdx", values).unwrap_err().code;
        assert_eq!(idx_param("stampIdx", &["394"]), Ok(394));
        assert_eq!(idx_param("stampIdx", &[" 394 "]), Ok(394));
        assert_eq!(idx_param("stampIdx", &["394.0"]), Ok(394));
        assert_eq!(idx_param("stampIdx", &["1e1"]), Ok(10));
        assert_eq!(code(&[]), ErrorCode::MissingField);
        assert_eq!(code(&["abc"]), ErrorCode::WrongType);
        assert_eq!(code(&[""]), ErrorCode::WrongType);
        assert_eq!(code(&["1.5"]), ErrorCode::WrongType);
        assert_eq!(code(&["0"]), ErrorCode::OutOfRange);
        assert_eq!(code(&["-4"]), ErrorCode::OutOfRange);
        assert_eq!(code(&["9007199254740992"]), ErrorCode::OutOfRange);
        assert_eq!(code(&["99999999999999999999"]), ErrorCode::OutOfRange);
        assert_eq!(code(&["1e30"]), ErrorCode::OutOfRange);
        assert_eq!(code(&["-1e30"]), ErrorCode::OutOfRange);
        assert_eq!(code(&["1e400"]), ErrorCode::OutOfRange);
        let repeated = idx_param("stampIdx", &["5", "6"]).unwrap_err();
        assert_eq!(repeated.code, ErrorCode::WrongType);
        assert_eq!(repeated.message, "the query parameter stampIdx must be given once, not 2 times");
        assert_eq!(code(&["5", "5"]), ErrorCode::WrongType, "even the same value twice");
    }
}
