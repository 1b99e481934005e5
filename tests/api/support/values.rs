//! Reading answers: ids, dates, amounts and the field errors of a refusal.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

/// A JSON string that holds an id.
#[track_caller]
pub fn uuid(v: &Value) -> Uuid {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

pub fn set(ids: &[Uuid]) -> BTreeSet<Uuid> {
    ids.iter().copied().collect()
}

/// A day written `YYYY-MM-DD`.
#[track_caller]
pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Today in UTC (the organisation's day unless its timezone says otherwise).
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// An exact amount written as a string.
#[track_caller]
pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("not a decimal: {s}"))
}

/// `base` with these fields set (or removed when null).
pub fn with(mut base: Value, fields: Value) -> Value {
    for (k, v) in fields.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

/// (field, code), as a field error reads.
pub fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_string(), code.to_string())
}

/// The field errors of a refusal or of a rejected batch item, as (field, code),
/// in the order given; each has a message.
#[track_caller]
pub fn field_errors(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors[] in {v}"))
        .iter()
        .map(|e| {
            assert!(
                e["message"].is_string(),
                "every field error has a message: {v}"
            );
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The one field error of a 422 `validation_failed`, as (field, code).
#[track_caller]
pub fn field_error(v: &Value) -> (String, String) {
    assert_eq!(v["code"], "validation_failed", "{v}");
    let errors = field_errors(v);
    assert_eq!(errors.len(), 1, "{v}");
    errors.into_iter().next().unwrap()
}
