//! `target.pace_changed`: an agreed target's status moves after a write that
//! moves its actual (in the write's transaction), and at the organisation's new
//! day (the daily sweep, run here with the clock it is given).

mod cost;
pub(crate) mod sweep;
mod writes;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::events::{amount, events};
use super::support::*;

/// The `target.pace_changed` events `token` may see.
pub(crate) async fn pace_events(app: &TestApp, token: &str) -> Vec<Value> {
    events(app, token, "type=target.pace_changed").await
}

/// An instant written in RFC 3339.
#[track_caller]
pub(crate) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A sale of `account` on `on`, invoiced (or a credit note).
pub(crate) fn sale(ext: &str, account: Uuid, on: &str, revenue: &str, kind: &str) -> Value {
    json!({"external_id": ext, "source": "crm", "account_id": account, "occurred_on": on,
           "revenue": revenue, "gross_profit": "0", "kind": kind})
}

/// The figures of an event's progress, as (name, value) in the contract's order.
fn figures(e: &Value) -> Vec<(&'static str, String)> {
    let p = &e["data"]["progress"];
    [
        "as_of",
        "actual",
        "expected_to_date",
        "attainment_pct",
        "pace_pct",
        "projected",
        "gap",
        "working_days_left",
        "required_per_working_day",
    ]
    .into_iter()
    .map(|k| (k, p[k].to_string().trim_matches('"').to_string()))
    .collect()
}

fn expect(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}
