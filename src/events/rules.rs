//! The event types the log holds, by their names in the contract, and what a
//! reader who does not see everything reads of a write of results.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

/// The type of an event, `target.agreed` and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    TargetProposed,
    TargetAgreed,
    TargetRevised,
    TargetCancelled,
    TargetAchieved,
    ResultsRecorded,
    SaleVoided,
    AccountCreated,
    AccountTransferred,
    AccountConverted,
    ReviewScheduled,
    ReviewCompleted,
    UserCreated,
    UserDeactivated,
    TargetPaceChanged,
    WebhookTest,
    WebhookDisabled,
}

impl EventType {
    /// Every type, in the contract's order.
    pub const ALL: [EventType; 17] = [
        Self::TargetProposed,
        Self::TargetAgreed,
        Self::TargetRevised,
        Self::TargetCancelled,
        Self::TargetAchieved,
        Self::ResultsRecorded,
        Self::SaleVoided,
        Self::AccountCreated,
        Self::AccountTransferred,
        Self::AccountConverted,
        Self::ReviewScheduled,
        Self::ReviewCompleted,
        Self::UserCreated,
        Self::UserDeactivated,
        Self::TargetPaceChanged,
        Self::WebhookTest,
        Self::WebhookDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TargetProposed => "target.proposed",
            Self::TargetAgreed => "target.agreed",
            Self::TargetRevised => "target.revised",
            Self::TargetCancelled => "target.cancelled",
            Self::TargetAchieved => "target.achieved",
            Self::ResultsRecorded => "results.recorded",
            Self::SaleVoided => "sale.voided",
            Self::AccountCreated => "account.created",
            Self::AccountTransferred => "account.transferred",
            Self::AccountConverted => "account.converted",
            Self::ReviewScheduled => "review.scheduled",
            Self::ReviewCompleted => "review.completed",
            Self::UserCreated => "user.created",
            Self::UserDeactivated => "user.deactivated",
            Self::TargetPaceChanged => "target.pace_changed",
            Self::WebhookTest => "webhook.test",
            Self::WebhookDisabled => "webhook.disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Why a `type` filter was refused: the names it did not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type(s): {}", .0.join(", "))]
pub struct UnknownTypes(pub Vec<String>);

/// The types of a `type` filter: a comma-separated list of names (blanks
/// around names ignored, repeats once). Empty means every type.
pub fn parse_types(list: &str) -> Result<Vec<EventType>, UnknownTypes> {
    let mut types = Vec::new();
    let mut unknown = Vec::new();
    for name in list.split(',').map(str::trim) {
        match EventType::parse(name) {
            Some(t) if !types.contains(&t) => types.push(t),
            Some(_) => {}
            None => unknown.push(name.chars().take(60).collect()),
        }
    }
    if unknown.is_empty() {
        Ok(types)
    } else {
        Err(UnknownTypes(unknown))
    }
}

/// Narrows the data of a `results.recorded` to the changes `keep` lets
/// through (by salesperson and day): its `changes`, and the `people`, `days`
/// and `totals` worked out again from those. The counts of the write stay.
pub fn narrow_results(data: &mut Value, keep: impl Fn(Uuid, NaiveDate) -> bool) {
    let Some(changes) = data.get("changes").and_then(Value::as_array) else {
        return;
    };
    let kept: Vec<Value> = changes
        .iter()
        .filter(|ch| {
            let who = ch["salesperson_id"].as_str().and_then(|s| s.parse().ok());
            let day = ch["day"].as_str().and_then(|s| s.parse().ok());
            matches!((who, day), (Some(w), Some(d)) if keep(w, d))
        })
        .cloned()
        .collect();
    let mut people: Vec<String> = Vec::new();
    let mut days: Vec<String> = Vec::new();
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    for ch in &kept {
        let who = ch["salesperson_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let day = ch["day"].as_str().unwrap_or_default().to_string();
        if !people.contains(&who) {
            people.push(who);
        }
        if !days.contains(&day) {
            days.push(day);
        }
        let amount = ch["amount"]
            .as_str()
            .and_then(|a| a.parse::<Decimal>().ok())
            .unwrap_or_default();
        *totals
            .entry(ch["metric"].as_str().unwrap_or_default().to_string())
            .or_default() += amount;
    }
    people.sort();
    days.sort();
    data["changes"] = Value::Array(kept);
    data["people"] = serde_json::json!(people);
    data["days"] = serde_json::json!(days);
    data["totals"] = serde_json::json!(totals);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrowed_write_of_results_keeps_only_the_changes_let_through() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut data = serde_json::json!({
            "sales": 3, "activities": 0,
            "people": [a, b], "days": ["2026-11-02", "2026-11-03"],
            "totals": {"revenue": "1750.50"},
            "changes": [
                {"salesperson_id": a, "metric": "revenue", "day": "2026-11-02", "amount": "1000"},
                {"salesperson_id": a, "metric": "revenue", "day": "2026-11-03", "amount": "500"},
                {"salesperson_id": b, "metric": "revenue", "day": "2026-11-03", "amount": "250.50"},
            ]
        });
        narrow_results(&mut data, |who, _| who == a);
        // a's changes only: 1000 + 500 = 1500
        assert_eq!(data["totals"], serde_json::json!({"revenue": "1500"}));
        assert_eq!(data["people"], serde_json::json!([a]));
        assert_eq!(
            data["days"],
            serde_json::json!(["2026-11-02", "2026-11-03"])
        );
        assert_eq!(data["changes"].as_array().unwrap().len(), 2);
        assert_eq!(data["sales"], 3, "the write's counts stay");
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        narrow_results(&mut data, |_, d| d != day);
        assert_eq!(data["totals"], serde_json::json!({"revenue": "1000"}));
    }

    #[test]
    fn every_type_reads_back_from_its_name() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("target.pace_change"), None);
        assert_eq!(EventType::parse("webhook.tested"), None);
    }

    #[test]
    fn a_type_filter_is_a_comma_list_of_known_names() {
        assert_eq!(
            parse_types("target.agreed, sale.voided,target.agreed"),
            Ok(vec![EventType::TargetAgreed, EventType::SaleVoided])
        );
        assert_eq!(
            parse_types("target.agreed,nope,"),
            Err(UnknownTypes(vec!["nope".into(), String::new()]))
        );
    }
}
