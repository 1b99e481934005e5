//! Table-driven cases for batch answers: each item of a batch, what it is, and
//! how it must be answered, checked so that every wrong answer is named and none
//! hides another.

use serde_json::Value;

use super::{field_errors, pair};

/// What a rejected item's field errors must be.
pub enum Errors {
    Exactly(&'static [(&'static str, &'static str)]),
    /// The first error (others may follow).
    First((&'static str, &'static str)),
    Include(&'static [(&'static str, &'static str)]),
}

/// One item of a batch and how it must be answered.
pub struct Case {
    pub what: &'static str,
    pub item: Value,
    pub status: &'static str,
    pub errors: Option<Errors>,
}

impl Case {
    pub fn created(what: &'static str, item: Value) -> Self {
        Case {
            what,
            item,
            status: "created",
            errors: None,
        }
    }
    pub fn rejected(what: &'static str, item: Value, errors: Errors) -> Self {
        Case {
            what,
            item,
            status: "rejected",
            errors: Some(errors),
        }
    }
    /// The item's `external_id`.
    pub fn key(&self) -> &str {
        self.item["external_id"].as_str().unwrap()
    }
}

/// Every case that the batch answer `v` answered otherwise than it must, each
/// named by its index and what it is.
pub fn misanswered(cases: &[Case], v: &Value) -> Vec<String> {
    let mut wrong = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let item = &v["items"][i];
        if item["status"] != c.status {
            wrong.push(format!(
                "{i} ({}): {} expected, got {item}",
                c.what, c.status
            ));
            continue;
        }
        let Some(expected) = &c.errors else { continue };
        let errors = field_errors(item);
        let pairs = |p: &[(&str, &str)]| p.iter().map(|(f, c)| pair(f, c)).collect::<Vec<_>>();
        let ok = match expected {
            Errors::Exactly(p) => errors == pairs(p),
            Errors::First((f, code)) => errors.first() == Some(&pair(f, code)),
            Errors::Include(p) => pairs(p).iter().all(|e| errors.contains(e)),
        };
        if !ok {
            wrong.push(format!("{i} ({}): errors {errors:?}", c.what));
        }
    }
    wrong
}
