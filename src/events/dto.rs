//! The feed's query and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::store::EventRow;

/// `GET /v1/events?after=&type=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// The id of the last event seen: the page starts after it (422
    /// `unknown_event` for an id the organisation has no event of).
    pub after: Option<Uuid>,
    /// Only these types: one name or a comma-separated list
    /// (`target.agreed,sale.voided`); not repeatable. 422
    /// `unknown_event_type` for a name that is not an event type.
    #[serde(rename = "type")]
    #[param(rename = "type", example = "target.agreed,results.recorded")]
    pub types: Option<String>,
    /// Events per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// One event, as the feed and webhooks send it.
///
/// Its schema is one object per type (`TargetAgreedEvent`: `type` is
/// `"target.agreed"` and `data` a `TargetEventData`, and so on), told apart by
/// `type`: see [`super::schema`].
#[derive(Debug, Serialize)]
pub struct EventBody {
    /// A UUID v7; receivers deduplicate by it.
    pub id: Uuid,
    /// One of [`super::rules::EventType::ALL`]: `target.proposed`, `target.agreed`,
    /// `target.revised`, `target.cancelled`, `target.achieved`,
    /// `target.pace_changed`, `results.recorded`, `sale.voided`,
    /// `account.created`, `account.transferred`, `account.converted`,
    /// `review.scheduled`, `review.completed`, `user.created`,
    /// `user.deactivated`, `webhook.test` or `webhook.disabled`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// As the type says (the data structs of [`super::data`]).
    pub data: serde_json::Value,
}

impl From<EventRow> for EventBody {
    fn from(r: EventRow) -> Self {
        EventBody {
            id: r.id,
            kind: r.kind,
            timestamp: r.occurred_at,
            data: r.data,
        }
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// Oldest first, in the order their transactions committed.
    pub data: Vec<EventBody>,
    /// Whether more events were already there after this page: ask again with
    /// `after` set to the last id. When false, poll later with the last id seen
    /// (or the same `after` when the page was empty).
    pub has_more: bool,
}
