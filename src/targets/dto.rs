//! Request and response types of `/v1/targets`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, Metric, Rating, Status, SubjectType};
use super::service::Assessed;
use crate::users::rules::double_option;
use crate::values::{Amount, IsoDate};

crate::openapi::string_enum!(
    rules::Status,
    "TargetStatus",
    "Where a target is in its life."
);
crate::openapi::string_enum!(rules::Metric, "Metric", "What a target measures.");
crate::openapi::string_enum!(rules::SubjectType, "SubjectType", "Whose target it is.");
crate::openapi::string_enum!(
    rules::Rating,
    "Rating",
    "How attainable a value is, judged against the subject's own history."
);

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Attainable {
    pub rating: Rating,
    /// The value divided by the average achieved (null without history).
    #[schema(value_type = Option<String>, example = "1.15")]
    pub ratio: Option<Decimal>,
    /// How the rating was reached, in words.
    pub basis: String,
}

impl From<rules::Attainable> for Attainable {
    fn from(a: rules::Attainable) -> Self {
        Attainable {
            rating: a.rating,
            ratio: a.ratio,
            basis: a.basis,
        }
    }
}

/// The SMART assessment of a target.
#[derive(Debug, Serialize, ToSchema)]
pub struct Smart {
    /// A title and a known metric.
    pub specific: bool,
    /// A positive number, with a currency for money.
    pub measurable: bool,
    /// Judged against the subject's own results in the previous periods of the same length.
    pub attainable: Attainable,
    /// Revenue, gross profit, activities and new accounts are in a salesperson's remit.
    pub in_remit: bool,
    /// A period with a start and an end.
    pub timed: bool,
}

/// A target. Every target is "at least" its value.
#[derive(Debug, Serialize, ToSchema)]
pub struct Target {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub subject_type: SubjectType,
    /// The user or team; null for the organisation.
    pub subject_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub metric: Metric,
    pub activity_kind: Option<String>,
    #[schema(value_type = String, example = "125000.00")]
    pub value: Decimal,
    /// Money metrics only: the organisation's currency.
    pub currency: Option<String>,
    /// The period key, when the target was set by one.
    pub period: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub parent_id: Option<Uuid>,
    pub status: Status,
    /// 1 for the first version; each revision adds one.
    pub revision: i32,
    /// The version this one replaced.
    pub revision_of: Option<Uuid>,
    pub agreed_at: Option<DateTime<Utc>>,
    pub agreed_by: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub smart: Smart,
}

/// A new target (draft). Give either `period` or `starts_on` and `ends_on`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTarget {
    #[schema(min_length = 1, max_length = 200, example = "Q4 revenue")]
    pub title: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub subject_type: SubjectType,
    /// The user or team (absent for the organisation).
    pub subject_id: Option<Uuid>,
    /// A target on one account, which the subject (a person) must own.
    pub account_id: Option<Uuid>,
    /// `revenue`, `gross_profit`, `activities` or `new_accounts`. Net profit and
    /// its kin are refused: they are not in a salesperson's remit.
    #[schema(example = "revenue")]
    pub metric: String,
    /// For `activities`: `call`, `meeting`, `demo`, `proposal`, or the organisation's own.
    pub activity_kind: Option<String>,
    /// Greater than 0; a decimal string or a number.
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "125000.00")]
    pub value: Amount,
    /// Money metrics: the organisation's currency (the default).
    pub currency: Option<String>,
    /// A period key: `2026`, `FY2027`, `2026-Q4`, `FY2027-Q1`, `2026-11`, `2026-W48`.
    pub period: Option<String>,
    pub starts_on: Option<IsoDate>,
    pub ends_on: Option<IsoDate>,
    /// The team or organisation target this one contributes to.
    pub parent_id: Option<Uuid>,
}

/// Changes to a draft or proposed target (a proposed one returns to draft). The
/// subject and metric never change; an agreed target is revised instead.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTarget {
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true, max_length = 2000)]
    pub description: Option<Option<String>>,
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$")]
    pub value: Option<Amount>,
    pub period: Option<String>,
    pub starts_on: Option<IsoDate>,
    pub ends_on: Option<IsoDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub parent_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub account_id: Option<Option<Uuid>>,
}

/// A new version with a new value; it needs agreement again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviseTarget {
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "140000.00")]
    pub value: Amount,
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// Why it changed.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// An optional note for a workflow step.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepNote {
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    pub subject_type: Option<SubjectType>,
    pub subject_id: Option<Uuid>,
    pub status: Option<Status>,
    pub metric: Option<Metric>,
    pub parent_id: Option<Uuid>,
    /// Only targets overlapping this period key.
    pub period: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One version or state change.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// The version (target row) it happened to.
    pub target_id: Uuid,
    pub revision: i32,
    /// `created`, `updated`, `proposed`, `agreed`, `revised`, `superseded`, `cancelled`.
    #[schema(example = "agreed")]
    pub event: String,
    pub status: Status,
    #[schema(value_type = String)]
    pub value: Decimal,
    /// Who did it.
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// A child's part of its parent.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationChild {
    pub id: Uuid,
    pub title: String,
    pub subject_type: SubjectType,
    pub subject_id: Option<Uuid>,
    pub status: Status,
    #[schema(value_type = String)]
    pub value: Decimal,
    /// Its share of the parent's value, in percent.
    #[schema(value_type = String, example = "25.00")]
    pub share_pct: Decimal,
}

/// A team or organisation target against the targets that contribute to it
/// (every state but superseded and cancelled).
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationOut {
    pub target_id: Uuid,
    #[schema(value_type = String)]
    pub value: Decimal,
    #[schema(value_type = String)]
    pub allocated: Decimal,
    #[schema(value_type = String)]
    pub unallocated: Decimal,
    #[schema(value_type = String)]
    pub over_allocated: Decimal,
    pub children: Vec<AllocationChild>,
}

impl From<Assessed> for Target {
    fn from(a: Assessed) -> Self {
        let t = a.row;
        Target {
            id: t.id,
            title: t.title,
            description: t.description,
            subject_type: a.subject_type,
            subject_id: t.subject_id,
            account_id: t.account_id,
            metric: a.metric,
            activity_kind: t.activity_kind,
            value: t.value,
            currency: t.currency,
            period: t.period,
            starts_on: t.starts_on,
            ends_on: t.ends_on,
            parent_id: t.parent_id,
            status: a.status,
            revision: t.revision,
            revision_of: t.revision_of,
            agreed_at: t.agreed_at,
            agreed_by: t.agreed_by,
            created_by: t.created_by,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
            smart: Smart {
                specific: a.specific,
                measurable: a.measurable,
                attainable: a.attainable.into(),
                in_remit: a.in_remit,
                timed: a.timed,
            },
        }
    }
}
