//! The `data` of each event type: the ids and figures a receiver needs, as they
//! are written to the log and documented in the OpenAPI document.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A target as an event tells of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TargetData {
    pub id: Uuid,
    pub title: String,
    /// `user`, `team` or `org`.
    pub subject_type: String,
    pub subject_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub metric: String,
    pub activity_kind: Option<String>,
    #[schema(value_type = String, example = "100000.00")]
    pub value: Decimal,
    pub currency: Option<String>,
    pub period: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Its status after the change.
    pub status: String,
    pub version: i32,
    pub parent_id: Option<Uuid>,
}

/// `target.proposed`, `target.agreed`, `target.revised`, `target.cancelled`
/// and `target.achieved`: the target after the change, who made it, and what
/// the type adds (`previous_id`/`previous_value` for a revision, `actual` and
/// `reached_on` for an achievement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TargetEventData {
    pub target: TargetData,
    /// The user who made the change (none for `target.achieved`, or a client).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Uuid>,
    /// `target.revised`: the version this one supersedes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_id: Option<Uuid>,
    /// `target.revised`: the value of the superseded version.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub previous_value: Option<Decimal>,
    /// `target.achieved`: the actual over the whole period when it was noticed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub actual: Option<Decimal>,
    /// `target.achieved`: the day the running total reached the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reached_on: Option<NaiveDate>,
}

/// One change to the daily rollup: a person's metric on a day moved by `amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResultChange {
    pub salesperson_id: Uuid,
    /// `revenue`, `gross_profit` (revenue credits: the person's and their
    /// teams'), `overlay:revenue`, `overlay:gross_profit` (overlay credits: the
    /// person's own targets only), `new_accounts` or `activity:<kind>`.
    pub metric: String,
    pub day: NaiveDate,
    #[schema(value_type = String, example = "1200.00")]
    pub amount: Decimal,
}

/// `results.recorded`: one per write (a batch, a single result, a void, a
/// conversion, a transfer that re-credits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResultsData {
    /// Sales this write created, changed or voided.
    pub sales: u32,
    /// Activities this write created or changed.
    pub activities: u32,
    /// The people whose figures changed.
    pub people: Vec<Uuid>,
    /// The days whose figures changed.
    pub days: Vec<NaiveDate>,
    /// The sum of the changes, per metric (negative when figures went down).
    #[schema(value_type = BTreeMap<String, String>)]
    pub totals: BTreeMap<String, Decimal>,
    /// Every change, by person, metric and day.
    pub changes: Vec<ResultChange>,
}

/// `sale.voided`: the sale that no longer counts, and what it had counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SaleVoidedData {
    pub sale_id: Uuid,
    pub source: String,
    pub external_id: String,
    pub account_id: Uuid,
    pub salesperson_id: Uuid,
    pub occurred_on: NaiveDate,
    #[schema(value_type = String)]
    pub revenue: Decimal,
    #[schema(value_type = String)]
    pub gross_profit: Decimal,
    pub reason: Option<String>,
    /// Who it had been credited to, with which shares and amounts.
    pub credits: Vec<CreditData>,
}

/// One share of a sale's credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CreditData {
    pub salesperson_id: Uuid,
    /// `revenue` (the person and their teams) or `overlay` (the person's own
    /// targets only).
    #[serde(rename = "type")]
    #[schema(example = "revenue")]
    pub credit_type: String,
    #[schema(value_type = String, example = "60")]
    pub share_pct: Decimal,
    #[schema(value_type = String)]
    pub revenue: Decimal,
    #[schema(value_type = String)]
    pub gross_profit: Decimal,
}

/// `account.created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountCreatedData {
    pub account_id: Uuid,
    pub name: String,
    /// `customer` or `prospect`.
    pub kind: String,
    pub status: String,
    pub owner_id: Uuid,
    pub external_source: Option<String>,
    pub external_id: Option<String>,
}

/// `account.transferred`: a new owner from `effective_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountTransferredData {
    pub account_id: Uuid,
    pub previous_owner_id: Uuid,
    pub new_owner_id: Uuid,
    pub effective_on: NaiveDate,
    pub reason: Option<String>,
}

/// `account.converted`: a prospect won, by whom and on which day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountConvertedData {
    pub account_id: Uuid,
    pub name: String,
    pub won_by: Uuid,
    pub converted_on: NaiveDate,
}

/// `review.scheduled` and `review.completed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReviewData {
    pub review_id: Uuid,
    pub kind: String,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub facilitator_id: Uuid,
    pub period: String,
    pub scheduled_for: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_by: Option<Uuid>,
}

/// `user.created` and `user.deactivated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserData {
    pub user_id: Uuid,
    pub name: String,
    pub role: String,
    pub active: bool,
}

/// A target's figures when its pace status changed (see `progress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PaceFigures {
    /// The organisation day the figures are measured on.
    pub as_of: NaiveDate,
    #[schema(value_type = String, example = "41250.00")]
    pub actual: Decimal,
    #[schema(value_type = String, example = "50000.00")]
    pub expected_to_date: Decimal,
    #[schema(value_type = String, example = "41.25")]
    pub attainment_pct: Decimal,
    #[schema(value_type = Option<String>, example = "82.50")]
    pub pace_pct: Option<Decimal>,
    #[schema(value_type = String, example = "82500.00")]
    pub projected: Decimal,
    #[schema(value_type = String, example = "58750.00")]
    pub gap: Decimal,
    pub working_days_left: u32,
    #[schema(value_type = String, example = "1398.81")]
    pub required_per_working_day: Decimal,
}

/// `target.pace_changed`: an agreed target's status (`ahead`, `on_track`,
/// `behind`, `at_risk`, `achieved`) moved, after a write that moved its actual
/// or at the organisation's new day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PaceChangedData {
    pub target: TargetData,
    pub previous_status: String,
    pub status: String,
    pub progress: PaceFigures,
}

/// `webhook.test`: a ping asked for with `POST /v1/webhooks/{id}/test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WebhookTestData {
    pub webhook_id: Uuid,
    /// Who asked for it (a user; none for a client).
    pub requested_by: Option<Uuid>,
}

/// `webhook.disabled`: an endpoint whose deliveries all failed for 24 hours was
/// disabled; it sends nothing until it is enabled again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WebhookDisabledData {
    pub webhook_id: Uuid,
    pub url: String,
    /// The first failed attempt of the run of failures.
    pub failing_since: DateTime<Utc>,
}
