//! Values read strictly from requests, in bodies and query strings alike:
//! days as `YYYY-MM-DD` within the years 1900 to 2999, and decimal amounts as
//! `-?digits[.digits]`, sent as a JSON string or a JSON number. Anything else
//! (`2026-1-1`, `+002026-01-01`, `1_000`, `1E5`, `+5`, `.5`, `NaN`) is refused
//! rather than read as something close to it.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::RefOr;

/// The first and last years a date may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

const DATE_EXPECTED: &str = "a date as YYYY-MM-DD within the years 1900 to 2999";
const AMOUNT_EXPECTED: &str =
    "a decimal amount: digits with an optional fraction, like \"1250.50\" or 1250.5";
pub const AMOUNT_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";
pub const DATE_PATTERN: &str = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$";

/// Reads `YYYY-MM-DD`: four digits, two, two, a day that exists, within [`YEARS`].
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    let year: i32 = s[0..4].parse().ok()?;
    let month: u32 = s[5..7].parse().ok()?;
    let day: u32 = s[8..10].parse().ok()?;
    if !YEARS.contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Reads `-?digits[.digits]` exactly; `None` for any other form, and for more
/// digits than a decimal holds.
pub fn parse_amount(s: &str) -> Option<Decimal> {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) {
        return None;
    }
    Decimal::from_str_exact(s).ok()
}

/// A day as `YYYY-MM-DD` within the years 1900 to 2999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDate(pub NaiveDate);

/// A decimal amount (money, a rate, a percentage) as `-?digits[.digits]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub Decimal);

impl From<IsoDate> for NaiveDate {
    fn from(d: IsoDate) -> Self {
        d.0
    }
}

impl From<Amount> for Decimal {
    fn from(a: Amount) -> Self {
        a.0
    }
}

impl fmt::Display for IsoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for IsoDate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_date(s)
            .map(IsoDate)
            .ok_or_else(|| format!("{s:?} is not {DATE_EXPECTED}"))
    }
}

impl FromStr for Amount {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_amount(s)
            .map(Amount)
            .ok_or_else(|| format!("{s:?} is not {AMOUNT_EXPECTED}"))
    }
}

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Serialize::serialize(&self.0, s)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Serialize::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IsoDate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(DATE_EXPECTED)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<IsoDate, E> {
                parse_date(s)
                    .map(IsoDate)
                    .ok_or_else(|| E::invalid_value(Unexpected::Str(s), &self))
            }
        }
        d.deserialize_str(V)
    }
}

/// The key under which serde_json (with `arbitrary_precision`) hands over a
/// number's text.
const JSON_NUMBER: &str = "$serde_json::private::Number";

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl V {
            fn read<E: de::Error>(self, text: &str, what: Unexpected) -> Result<Amount, E> {
                parse_amount(text)
                    .map(Amount)
                    .ok_or_else(|| E::invalid_value(what, &self))
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(AMOUNT_EXPECTED)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Amount, E> {
                self.read(s, Unexpected::Str(s))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Amount, E> {
                Ok(Amount(Decimal::from(n)))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Amount, E> {
                Ok(Amount(Decimal::from(n)))
            }
            fn visit_i128<E: de::Error>(self, n: i128) -> Result<Amount, E> {
                self.read(&n.to_string(), Unexpected::Other("integer"))
            }
            fn visit_u128<E: de::Error>(self, n: u128) -> Result<Amount, E> {
                self.read(&n.to_string(), Unexpected::Other("integer"))
            }
            // A number read through a `serde_json::Value` comes as a float when
            // its text is the float's shortest form; within these magnitudes
            // that form has no exponent, so the text was `digits.digits`.
            // Outside them it may have been written `1e16` or `1e-5`.
            fn visit_f64<E: de::Error>(self, f: f64) -> Result<Amount, E> {
                let plain = f == 0.0 || (1e-4..1e16).contains(&f.abs());
                match plain {
                    true => self.read(&f.to_string(), Unexpected::Float(f)),
                    false => Err(E::invalid_value(Unexpected::Float(f), &self)),
                }
            }
            // A JSON number, as written: `1e5` is refused like the string "1e5".
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Amount, A::Error> {
                match map.next_key::<Cow<'de, str>>()? {
                    Some(k) if k == JSON_NUMBER => {
                        let text: Cow<'de, str> = map.next_value()?;
                        let shown = format!("number {text}");
                        self.read(&text, Unexpected::Other(&shown))
                    }
                    _ => Err(de::Error::invalid_type(Unexpected::Map, &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A strict `Decimal` field of a type that is also answered and computed with
/// (bonus tiers, organisation settings): `#[serde(deserialize_with = "crate::values::amount")]`.
pub fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    Amount::deserialize(d).map(Decimal::from)
}

/// A strict optional list of days, kept as `NaiveDate`s (organisation holidays).
pub fn dates<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<NaiveDate>>, D::Error> {
    let days = Option::<Vec<IsoDate>>::deserialize(d)?;
    Ok(days.map(|days| days.into_iter().map(NaiveDate::from).collect()))
}

impl utoipa::PartialSchema for IsoDate {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(DATE_PATTERN))
            .description(Some("A day as YYYY-MM-DD, within the years 1900 to 2999."))
            .examples(["2026-11-26"])
            .into()
    }
}

impl utoipa::ToSchema for IsoDate {}

impl utoipa::PartialSchema for Amount {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Number]))
            .pattern(Some(AMOUNT_PATTERN))
            .description(Some(
                "A decimal amount as -?digits[.digits]: a string (\"1250.50\") or a JSON \
                 number written the same way (1250.5); exponents, signs other than a \
                 leading minus, separators and spaces are refused.",
            ))
            .examples(["1250.50"])
            .into()
    }
}

impl utoipa::ToSchema for Amount {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_four_two_two_digits_within_the_years() {
        for good in ["2026-11-26", "1900-01-01", "2999-12-31", "2024-02-29"] {
            assert_eq!(parse_date(good), Some(good.parse().unwrap()), "{good}");
        }
        for bad in [
            "2026-1-1",
            "2026-01-1",
            "+002026-01-01",
            "0000-01-01",
            "1899-12-31",
            "3000-01-01",
            "2025-02-29",
            "2026-00-10",
            "2026-12-32",
            "2026-01-01T00:00:00",
            " 2026-01-01",
            "2026-01-01 ",
            "20260101",
            "2026/01/01",
            "2026-+1-01",
            "٢٠٢٦-01-01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn amounts_are_digits_with_an_optional_fraction() {
        for (good, worth) in [
            ("0", "0"),
            ("1000", "1000"),
            ("-5", "-5"),
            ("12.50", "12.50"),
            ("007.1", "7.1"),
            ("-0.01", "-0.01"),
            ("99999999999999.99", "99999999999999.99"),
        ] {
            assert_eq!(parse_amount(good), Some(worth.parse().unwrap()), "{good}");
        }
        for bad in [
            "1_000",
            "1E5",
            "1e5",
            "1e-2",
            "+5",
            " 5",
            "5 ",
            ".5",
            "5.",
            "-",
            "-.5",
            "--5",
            "",
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "1,5",
            "0x10",
            "5..0",
            "1.2.3",
            "١٢",
            // More digits than a decimal holds.
            "123456789012345678901234567890",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad:?}");
        }
    }

    #[derive(Deserialize, Debug)]
    struct Body {
        a: Amount,
        d: Option<IsoDate>,
    }

    fn read(json: &str) -> Result<Body, String> {
        serde_json::from_str::<Body>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn json_numbers_are_read_as_written() {
        assert_eq!(read(r#"{"a": 12.50}"#).unwrap().a.0.to_string(), "12.50");
        assert_eq!(read(r#"{"a": -3}"#).unwrap().a.0, Decimal::from(-3));
        assert_eq!(
            read(r#"{"a": 99999999999999.99}"#).unwrap().a.0.to_string(),
            "99999999999999.99"
        );
        for bad in ["1e5", "1E5", "1.5e2", "2E-1", "true", "null", "[1]", "{}"] {
            let e = read(&format!(r#"{{"a": {bad}}}"#)).unwrap_err();
            assert!(e.starts_with("invalid"), "{bad}: {e}");
        }
        // Read through a `serde_json::Value` as well, as the body extractor does.
        let v: serde_json::Value = serde_json::from_str(r#"{"a": 1E5}"#).unwrap();
        assert!(serde_json::from_value::<Body>(v).is_err());
        for bad in ["1e16", "1e-5", "1.5e-7", "2.5E3"] {
            let v: serde_json::Value = serde_json::from_str(&format!(r#"{{"a": {bad}}}"#)).unwrap();
            assert!(serde_json::from_value::<Body>(v).is_err(), "{bad}");
        }
        for (good, worth) in [
            ("1000.25", "1000.25"),
            ("100000.0", "100000"),
            ("0.0001", "0.0001"),
        ] {
            let v: serde_json::Value =
                serde_json::from_str(&format!(r#"{{"a": {good}}}"#)).unwrap();
            assert_eq!(
                serde_json::from_value::<Body>(v).unwrap().a.0.to_string(),
                worth
            );
        }
        let v: serde_json::Value = serde_json::from_str(r#"{"a": 0.10}"#).unwrap();
        assert_eq!(
            serde_json::from_value::<Body>(v).unwrap().a.0.to_string(),
            "0.10"
        );
    }

    #[test]
    fn errors_name_what_is_expected() {
        let e = read(r#"{"a": "1", "d": "2026-1-1"}"#).unwrap_err();
        assert!(
            e.starts_with("invalid value") && e.contains("YYYY-MM-DD"),
            "{e}"
        );
        let e = read(r#"{"a": "1_000"}"#).unwrap_err();
        assert!(
            e.starts_with("invalid value") && e.contains("digits"),
            "{e}"
        );
        let b = read(r#"{"a": "1", "d": "2026-11-26"}"#).unwrap();
        assert_eq!(b.d.unwrap().to_string(), "2026-11-26");
    }

    #[test]
    fn query_strings_are_as_strict() {
        #[derive(Deserialize)]
        struct Q {
            as_of: Option<IsoDate>,
        }
        let q: Q = serde_urlencoded::from_str("as_of=2026-11-26").unwrap();
        assert_eq!(
            q.as_of.unwrap().0,
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
        assert!(serde_urlencoded::from_str::<Q>("as_of=2026-1-1").is_err());
        assert!(serde_urlencoded::from_str::<Q>("as_of=%2B002026-01-01").is_err());
    }

    #[test]
    fn written_as_the_inner_value() {
        let d = IsoDate(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap());
        assert_eq!(serde_json::to_string(&d).unwrap(), r#""2026-01-02""#);
        let a = Amount(Decimal::new(1250, 2));
        assert_eq!(serde_json::to_string(&a).unwrap(), r#""12.50""#);
    }
}
