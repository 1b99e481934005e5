//! `GET /v1/org` and `PATCH /v1/org`: who may read and change the organisation,
//! ETags and `If-Match`, and every kind of invalid settings.

use crate::support::*;
use serde_json::{json, Value};

/// The field names of a validation problem's `errors`.
fn fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors[] in {v}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

mod invalid;
mod settings;
