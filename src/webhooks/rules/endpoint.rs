//! The rules of webhook endpoints and their deliveries: what may be subscribed
//! to, how a request's fields are read, and the refusals of the use cases.

use crate::events::rules::EventType;
use crate::validation::{FieldError, Validator};
use crate::webhooks::guard::Refusal;

/// How long a rotated-out secret keeps signing beside the new one, in hours.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// The longest URL an endpoint may have.
pub const MAX_URL: usize = 2000;
/// The longest description.
pub const MAX_DESCRIPTION: usize = 500;
/// At most this many event types in one subscription, as given (repeats too).
pub const MAX_EVENT_TYPES: usize = 50;
/// Every event type, as a subscription to all of them.
pub const ALL_TYPES: &str = "*";

/// Whether an endpoint may subscribe to `t`: every type but `webhook.test`,
/// which is sent only to the endpoint it was asked for
/// (`POST /v1/webhooks/{id}/test`), whatever it subscribed to.
pub fn subscribable(t: EventType) -> bool {
    t != EventType::WebhookTest
}

/// The names an endpoint may subscribe to, in the contract's order, and `*`.
pub fn subscribable_names() -> impl Iterator<Item = &'static str> {
    EventType::ALL
        .into_iter()
        .filter(|t| subscribable(*t))
        .map(EventType::as_str)
        .chain(std::iter::once(ALL_TYPES))
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Due, or being sent, or waiting for its next attempt.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt failed; no more are made unless it is redelivered.
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [Self::Pending, Self::Delivered, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Why a webhook use case was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The URL is not one webhooks may be sent to.
    #[error("the webhook URL is refused: {0}")]
    UrlRefused(Refusal),
    /// A disabled endpoint is sent nothing, tests and redeliveries included.
    #[error("this webhook is disabled; enable it (PATCH with \"enabled\": true) first")]
    Disabled,
    /// A pending delivery is already due or being sent.
    #[error("this delivery is pending: it is already due or being sent")]
    DeliveryPending,
}

impl WebhookError {
    /// The field code of a refused URL: what is wrong with it.
    pub fn url_code(r: &Refusal) -> &'static str {
        match r {
            Refusal::NotAUrl => "not_a_url",
            Refusal::NotHttps => "not_https",
            Refusal::Credentials => "credentials",
            Refusal::Internal(_) => "internal_address",
            Refusal::Unresolved(_) => "unresolved",
        }
    }
}

/// A URL given: required, without NUL characters, at most [`MAX_URL`]
/// characters. What it points at is the guard's to say.
pub fn check_url_text(v: &mut Validator, url: &str) {
    v.text("url", url, MAX_URL);
}

/// The event types of a subscription: at least one; each a known type name
/// that may be subscribed to, or `*` alone (every type). Repeats count once;
/// the order given is kept.
pub fn event_types(v: &mut Validator, given: &[String]) -> Vec<String> {
    if given.is_empty() {
        v.push(FieldError::new(
            "event_types",
            "required",
            "give at least one event type, or [\"*\"] for every type",
        ));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, name) in given.iter().enumerate() {
        let known = name == ALL_TYPES || EventType::parse(name).is_some_and(subscribable);
        if !known {
            let shown: String = name.chars().take(60).collect();
            let message = if EventType::parse(name) == Some(EventType::WebhookTest) {
                "webhook.test is sent on request to one endpoint only; it is not subscribed to"
                    .to_string()
            } else {
                format!("{shown:?} is not an event type")
            };
            v.push(FieldError::new(
                format!("event_types[{i}]"),
                "invalid_choice",
                message,
            ));
        } else if !out.contains(name) {
            out.push(name.clone());
        }
    }
    if out.iter().any(|t| t == ALL_TYPES) && out.len() > 1 {
        v.push(FieldError::new(
            "event_types",
            "invalid_combination",
            "\"*\" (every type) stands alone",
        ));
    }
    if given.len() > MAX_EVENT_TYPES {
        v.push(FieldError::new(
            "event_types",
            "too_many",
            format!("at most {MAX_EVENT_TYPES} event types"),
        ));
    }
    out
}

/// A description: optional; blank means none; no NUL, at most
/// [`MAX_DESCRIPTION`] characters. Answers what is stored (trimmed).
pub fn description(v: &mut Validator, given: Option<&str>) -> Option<String> {
    let d = given.map(str::trim).filter(|d| !d.is_empty())?;
    v.text("description", d, MAX_DESCRIPTION);
    Some(d.to_string())
}

/// Refuses what a disabled endpoint cannot do.
pub fn check_enabled(enabled: bool) -> Result<(), WebhookError> {
    if enabled {
        Ok(())
    } else {
        Err(WebhookError::Disabled)
    }
}

/// A delivery is redelivered once it was delivered or failed; a pending one is
/// already on its way.
pub fn check_redeliverable(status: DeliveryStatus) -> Result<(), WebhookError> {
    match status {
        DeliveryStatus::Pending => Err(WebhookError::DeliveryPending),
        DeliveryStatus::Delivered | DeliveryStatus::Failed => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn errors(v: Validator) -> Vec<(String, String)> {
        v.finish()
            .err()
            .map(|e| e.errors.into_iter().map(|f| (f.field, f.code)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn event_types_are_known_names_each_once_or_every_type_alone() {
        let mut v = Validator::new();
        let t = event_types(
            &mut v,
            &names(&["user.created", "sale.voided", "user.created"]),
        );
        assert_eq!(t, names(&["user.created", "sale.voided"]));
        assert!(errors(v).is_empty());

        let mut v = Validator::new();
        assert_eq!(event_types(&mut v, &names(&["*", "*"])), names(&["*"]));
        assert!(errors(v).is_empty());

        let mut v = Validator::new();
        event_types(&mut v, &[]);
        assert_eq!(errors(v), vec![("event_types".into(), "required".into())]);

        let mut v = Validator::new();
        event_types(
            &mut v,
            &names(&["user.created", "nope", "webhook.test", "User.Created"]),
        );
        assert_eq!(
            errors(v),
            vec![
                ("event_types[1]".into(), "invalid_choice".into()),
                ("event_types[2]".into(), "invalid_choice".into()),
                ("event_types[3]".into(), "invalid_choice".into()),
            ]
        );

        // Repeats count once, but no more than the limit may be sent.
        let mut v = Validator::new();
        event_types(
            &mut v,
            &vec!["user.created".to_string(); MAX_EVENT_TYPES + 1],
        );
        assert_eq!(errors(v), vec![("event_types".into(), "too_many".into())]);

        let mut v = Validator::new();
        event_types(&mut v, &names(&["*", "user.created"]));
        assert_eq!(
            errors(v),
            vec![("event_types".into(), "invalid_combination".into())]
        );
    }

    #[test]
    fn every_type_but_the_test_ping_may_be_subscribed_to() {
        let all: Vec<&str> = subscribable_names().collect();
        assert_eq!(all.len(), EventType::ALL.len(), "all but one, and *");
        assert!(!all.contains(&"webhook.test"));
        assert!(all.contains(&"webhook.disabled"));
        assert!(all.contains(&"target.pace_changed"));
        assert_eq!(all.last(), Some(&"*"));
    }

    #[test]
    fn a_blank_description_is_none_and_a_long_one_refused() {
        let mut v = Validator::new();
        assert_eq!(description(&mut v, Some("  ")), None);
        assert_eq!(description(&mut v, None), None);
        assert_eq!(
            description(&mut v, Some(" CRM sync ")),
            Some("CRM sync".into())
        );
        assert!(errors(v).is_empty());
        let mut v = Validator::new();
        description(&mut v, Some(&"x".repeat(MAX_DESCRIPTION + 1)));
        assert_eq!(errors(v), vec![("description".into(), "too_long".into())]);
    }

    #[test]
    fn only_a_delivery_that_is_done_is_redelivered() {
        assert_eq!(
            check_redeliverable(DeliveryStatus::Pending),
            Err(WebhookError::DeliveryPending)
        );
        assert!(check_redeliverable(DeliveryStatus::Delivered).is_ok());
        assert!(check_redeliverable(DeliveryStatus::Failed).is_ok());
        for s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(check_enabled(false), Err(WebhookError::Disabled));
    }
}
