//! The feed's query and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::data::{
    AccountConvertedData, AccountCreatedData, AccountTransferredData, ResultsData, ReviewData,
    SaleVoidedData, TargetEventData, UserData,
};
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

/// The `data` of an event, by its `type`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum EventData {
    /// `target.proposed`, `target.agreed`, `target.revised`,
    /// `target.cancelled`, `target.achieved`.
    Target(TargetEventData),
    /// `results.recorded`.
    Results(ResultsData),
    /// `sale.voided`.
    SaleVoided(SaleVoidedData),
    /// `account.created`.
    AccountCreated(AccountCreatedData),
    /// `account.transferred`.
    AccountTransferred(AccountTransferredData),
    /// `account.converted`.
    AccountConverted(AccountConvertedData),
    /// `review.scheduled`, `review.completed`.
    Review(ReviewData),
    /// `user.created`, `user.deactivated`.
    User(UserData),
}

/// One event, as the feed and webhooks send it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventBody {
    /// A UUID v7; receivers deduplicate by it.
    pub id: Uuid,
    /// `target.proposed`, `target.agreed`, `target.revised`, `target.cancelled`,
    /// `target.achieved`, `results.recorded`, `sale.voided`, `account.created`,
    /// `account.transferred`, `account.converted`, `review.scheduled`,
    /// `review.completed`, `user.created` or `user.deactivated`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    #[schema(value_type = EventData)]
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
