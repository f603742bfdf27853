//! Parsing request bodies and query parameters into wire types, mapping every failure to a
//! specific code and a message that names the field. The server's JSON extractor calls this,
//! so malformed input takes the same path as every other refusal.

use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};
use crate::types::{INVALID_DATE_PREFIX, INVALID_FLAG_PREFIX};
use crate::validate;

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

/// Parses a required id query parameter such as `?stampIdx=394`.
pub fn idx_param(name: &'static str, value: Option<&str>) -> Result<i64, ApiError> {
    let value = value
        .ok_or_else(|| ApiError::new(ErrorCode::MissingField, format!("the query parameter {name} is required")))?;
    let number: i64 = value
        .trim()
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::WrongType, format!("{name} must be an integer, got {value:?}")))?;
    validate::idx(name, number).map_err(|e| ApiError::new(e.code, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{CreateStampRequest, StampIdxRequest};

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
            ("{\"stampIdx\": 99999999999999999999999}", ErrorCode::WrongType),
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
    fn idx_params() {
        assert_eq!(idx_param("stampIdx", Some("394")), Ok(394));
        assert_eq!(idx_param("stampIdx", None).unwrap_err().code, ErrorCode::MissingField);
        assert_eq!(idx_param("stampIdx", Some("abc")).unwrap_err().code, ErrorCode::WrongType);
        assert_eq!(idx_param("stampIdx", Some("0")).unwrap_err().code, ErrorCode::OutOfRange);
        assert_eq!(idx_param("stampIdx", Some("-4")).unwrap_err().code, ErrorCode::OutOfRange);
        assert_eq!(idx_param("stampIdx", Some("9007199254740992")).unwrap_err().code, ErrorCode::OutOfRange);
    }
}
