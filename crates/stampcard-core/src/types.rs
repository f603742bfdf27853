//! Small wire value types: `Y`/`N` flags and `YYYY-MM-DD` / `YYYY-MM-DD hh:mm:ss` dates.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A `"Y"` / `"N"` flag as the stamp API writes booleans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum YesNo {
    /// Yes.
    #[serde(rename = "Y")]
    Y,
    /// No.
    #[serde(rename = "N")]
    N,
}

impl YesNo {
    /// `true` for `Y`.
    pub const fn is_yes(self) -> bool {
        matches!(self, YesNo::Y)
    }
}

impl From<bool> for YesNo {
    fn from(value: bool) -> YesNo {
        if value { YesNo::Y } else { YesNo::N }
    }
}

/// Prefix of the serde message for a flag other than `Y`/`N`, so the parser can map it.
pub(crate) const INVALID_FLAG_PREFIX: &str = "invalid flag";

impl<'de> Deserialize<'de> for YesNo {
    // By hand rather than derived: serde_json reports a non-string where an enum is expected
    // as a syntax error, which would tell the client its JSON is malformed when it is not.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<YesNo, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = YesNo;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"Y\" or \"N\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<YesNo, E> {
                match v {
                    "Y" => Ok(YesNo::Y),
                    "N" => Ok(YesNo::N),
                    _ => Err(E::custom(format!("{INVALID_FLAG_PREFIX} {v:?}: expected \"Y\" or \"N\""))),
                }
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Prefix of the serde message for a number with a fractional part where an integer is
/// expected, so the parser can map it to its code.
pub(crate) const NOT_INTEGER_PREFIX: &str = "not an integer";

/// An integer request field as clients really send it. PHP and Python write integral numbers
/// as floats (`1.0`, `1e1`), so a float with no fractional part is the same integer; `1.5` is
/// refused. A whole number beyond `i64` (`1e30`, `99999999999999999999`) saturates to
/// `i64::MIN` or `i64::MAX` instead of failing here, so it reaches the field's own range check
/// and gets the same `OutOfRange` answer, naming the allowed range, as any other number outside
/// it (every integer field's range lies well inside `i64`).
struct Integer(i64);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Integer, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Integer;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Integer, E> {
                Ok(Integer(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Integer, E> {
                Ok(Integer(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Integer, E> {
                if v.fract() == 0.0 {
                    // `as` saturates at the ends of i64, which is the point (see above).
                    Ok(Integer(v as i64))
                } else {
                    Err(E::custom(format!("{NOT_INTEGER_PREFIX}: {v}")))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `#[serde(deserialize_with)]` for a required integer field (see [`Integer`]).
pub(crate) fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    Integer::deserialize(deserializer).map(|i| i.0)
}

/// `#[serde(deserialize_with)]` for a list of ids, each read like any other integer field
/// (`1.0` is `1`).
pub(crate) fn idx_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<i64>, D::Error> {
    Ok(Vec::<Integer>::deserialize(deserializer)?.into_iter().map(|i| i.0).collect())
}

/// [`idx_list`] for an optional list (absent or `null`: `None`).
pub(crate) fn opt_idx_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<i64>>, D::Error> {
    Ok(Option::<Vec<Integer>>::deserialize(deserializer)?.map(|ids| ids.into_iter().map(|i| i.0).collect()))
}

/// The OpenAPI schema of an id list: 1 to 1,000 ids, each in the id range.
#[cfg(feature = "openapi")]
pub(crate) fn idx_list_schema() -> utoipa::openapi::schema::Array {
    idx_list_builder().build()
}

/// [`idx_list_schema`], or `null`.
#[cfg(feature = "openapi")]
pub(crate) fn opt_idx_list_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{SchemaType, Type};
    idx_list_builder().schema_type(SchemaType::from_iter([Type::Array, Type::Null])).build()
}

#[cfg(feature = "openapi")]
fn idx_list_builder() -> utoipa::openapi::schema::ArrayBuilder {
    use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let item = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .maximum(Some(crate::limits::MAX_IDX));
    ArrayBuilder::new()
        .items(item)
        .min_items(Some(1))
        .max_items(Some(crate::limits::MAX_LIST_IDS))
        .description(Some("1 to 1,000 ids (a repeated id counts once)."))
}

/// `#[serde(deserialize_with)]` for an optional integer field; `null` is absent.
pub(crate) fn optional_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Option::<Integer>::deserialize(deserializer).map(|i| i.map(|i| i.0))
}

/// Prefix of the serde message for a malformed date, so the parser can map it to its code.
pub(crate) const INVALID_DATE_PREFIX: &str = "invalid date";

/// A calendar day written exactly as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Date, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", example = "2030-12-31"))]
pub struct Ymd(pub NaiveDate);

impl Ymd {
    /// Parses `YYYY-MM-DD` strictly: a four-digit year, a two-digit month and day, nothing
    /// around them. By hand because chrono's parsers (`str::parse::<NaiveDate>` and
    /// `parse_from_str` with `%Y-%m-%d`, chrono 0.4.45) are lenient: they accept
    /// `2025-1-01`, `+2025-01-01` and ` 2025-01-01`, and the wire format allows one spelling.
    pub fn parse(text: &str) -> Option<Ymd> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return None;
        }
        let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
        let year = i32::try_from(number(0..4)?).ok()?;
        NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?).map(Ymd)
    }
}

impl fmt::Display for Ymd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::Datelike;
        write!(f, "{:04}-{:02}-{:02}", self.0.year(), self.0.month(), self.0.day())
    }
}

impl Serialize for Ymd {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ymd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ymd, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Ymd;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date string YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ymd, E> {
                Ymd::parse(v).ok_or_else(|| {
                    E::custom(format!("{INVALID_DATE_PREFIX} {v:?}: expected a real date written as YYYY-MM-DD"))
                })
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl From<NaiveDate> for Ymd {
    fn from(date: NaiveDate) -> Ymd {
        Ymd(date)
    }
}

/// A moment written as `YYYY-MM-DD hh:mm:ss` (the API's `regYmdt`), in the server's UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "2025-01-01 09:30:00"))]
pub struct Ymdt(pub NaiveDateTime);

impl fmt::Display for Ymdt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::Timelike;
        write!(f, "{} {:02}:{:02}:{:02}", Ymd(self.0.date()), self.0.hour(), self.0.minute(), self.0.second())
    }
}

impl Ymdt {
    /// Parses `YYYY-MM-DD hh:mm:ss` strictly.
    pub fn parse(text: &str) -> Option<Ymdt> {
        let (date, time) = text.split_once(' ')?;
        let date = Ymd::parse(date)?;
        let bytes = time.as_bytes();
        let shape_ok = bytes.len() == 8
            && bytes[2] == b':'
            && bytes[5] == b':'
            && bytes.iter().enumerate().all(|(i, b)| i == 2 || i == 5 || b.is_ascii_digit());
        if !shape_ok {
            return None;
        }
        let number = |range: std::ops::Range<usize>| time.get(range)?.parse::<u32>().ok();
        date.0.and_hms_opt(number(0..2)?, number(3..5)?, number(6..8)?).map(Ymdt)
    }
}

impl Serialize for Ymdt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Ymdt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ymdt, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ymdt::parse(&text)
            .ok_or_else(|| de::Error::custom(format!("{INVALID_DATE_PREFIX} {text:?}: expected YYYY-MM-DD hh:mm:ss")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ymd_is_strict() {
        for good in ["2025-01-01", "2024-02-29", "2030-12-31"] {
            assert_eq!(Ymd::parse(good).map(|d| d.to_string()).as_deref(), Some(good));
        }
        for bad in
            ["2025-1-01", "2025-02-30", "2023-02-29", "25-01-01", "2025/01/01", "", "2025-01-01T00:00:00", "+202-01-01"]
        {
            assert_eq!(Ymd::parse(bad), None, "{bad}");
        }
    }

    /// The spellings chrono's own parsers accept (checked with chrono 0.4.45), which are the
    /// reason `Ymd::parse` is written by hand.
    #[test]
    fn ymd_refuses_what_chrono_would_accept() {
        for lenient in ["2025-1-01", "2025-01-1", "+2025-01-01", " 2025-01-01", "2025-01-01 "] {
            assert_eq!(Ymd::parse(lenient), None, "{lenient:?}");
            assert_eq!(Ymdt::parse(&format!("{lenient} 09:30:00")), None, "{lenient:?}");
        }
    }

    #[test]
    fn ymdt_is_strict_and_round_trips() {
        for good in ["2025-01-01 09:30:00", "2024-02-29 23:59:59"] {
            assert_eq!(Ymdt::parse(good).map(|d| d.to_string()).as_deref(), Some(good));
        }
        for bad in
            ["2025-01-01T09:30:00", "2025-01-01 24:00:00", "2025-01-01 9:30:00", "2025-01-01", "2025-01-01 09:30:0x"]
        {
            assert_eq!(Ymdt::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn yes_no_round_trips() {
        assert_eq!(serde_json::to_string(&YesNo::Y).unwrap(), "\"Y\"");
        assert_eq!(serde_json::from_str::<YesNo>("\"N\"").unwrap(), YesNo::N);
        assert!(serde_json::from_str::<YesNo>("\"y\"").is_err());
        assert!(YesNo::from(true).is_yes());
    }
}
