//! Request and response types of `/v1/reviews` and `/v1/successes`, and the
//! schemas of the reviews' rules enums.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{ItemStatus, ItemType, Kind, Size, Source, Status, SubjectType, When};
use super::store::{FeedRow, ItemRow, ReviewRow};
use crate::progress::dto::Progress;
use crate::targets::rules::Metric;
use crate::values::{IsoDate, DATE_PATTERN};

crate::openapi::string_enum!(
    Kind,
    "ReviewKind",
    "A one-to-one with a salesperson, or a review of a whole team."
);
crate::openapi::string_enum!(Status, "ReviewStatus", "Where a review stands.");
crate::openapi::string_enum!(ItemType, "ReviewItemType", "What an item records.");
crate::openapi::string_enum!(Size, "SuccessSize", "How big a success is.");
crate::openapi::string_enum!(
    ItemStatus,
    "ReviewItemStatus",
    "Hurdles are open or resolved; actions open or done."
);
crate::openapi::string_enum!(
    SubjectType,
    "ReviewSubjectType",
    "One subject a review is about, or one participant of it."
);
crate::openapi::string_enum!(Source, "SuccessSource", "Where a success entry comes from.");

/// A one-to-one or a team review.
#[derive(Debug, Serialize, ToSchema)]
pub struct Review {
    pub id: Uuid,
    pub kind: Kind,
    /// The salesperson of a one-to-one.
    pub salesperson_id: Option<Uuid>,
    /// The team of a team review.
    pub team_id: Option<Uuid>,
    pub facilitator_id: Uuid,
    /// When it is held, in UTC.
    #[schema(example = "2026-12-03T13:30:00Z")]
    pub scheduled_for: DateTime<Utc>,
    /// The period under review, a key of the organisation's calendar.
    #[schema(example = "2026-Q4")]
    pub period: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: Status,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<Uuid>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A review to schedule: a one-to-one names `salesperson_id`, a team review `team_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReview {
    pub kind: Kind,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// Who runs it (default: the caller).
    pub facilitator_id: Option<Uuid>,
    pub scheduled_for: When,
    /// The period under review: `2026`, `FY2027`, `2026-Q4`, `2026-11`, `2026-W48`.
    #[schema(example = "2026-Q4", max_length = 20)]
    pub period: String,
}

/// Changes to a scheduled review: when it is held, its facilitator or period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchReview {
    pub scheduled_for: Option<When>,
    pub facilitator_id: Option<Uuid>,
    #[schema(example = "2026-Q4", max_length = 20)]
    pub period: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    pub kind: Option<Kind>,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub status: Option<Status>,
    /// Held on or after this day (the organisation's day of the meeting), or
    /// at or after this instant.
    pub from: Option<When>,
    /// Held on or before this day (the organisation's day of the meeting), or
    /// at or before this instant.
    pub to: Option<When>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Something recorded in a review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Item {
    pub id: Uuid,
    /// The review it was recorded in.
    pub review_id: Uuid,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    pub text: String,
    /// Whose success, hurdle, action or update it is.
    pub owner_id: Option<Uuid>,
    /// Actions only.
    pub due_on: Option<NaiveDate>,
    /// Successes only.
    pub size: Option<Size>,
    /// Hurdles (`open`, `resolved`) and actions (`open`, `done`) only.
    pub status: Option<ItemStatus>,
    pub target_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Uuid>,
    /// The review in which it was closed: a later one for an item carried over.
    pub closed_in_review_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new item. `due_on` is required for actions; `size` (default `small`) is for
/// successes only. The owner defaults to the salesperson of a one-to-one, and in
/// a team review to the caller (none for a team's success and for strategies).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateItem {
    #[serde(rename = "type")]
    pub item_type: ItemType,
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<IsoDate>,
    pub size: Option<Size>,
    /// A target the item is about (one the caller may see).
    pub target_id: Option<Uuid>,
    /// An account the item is about (one the caller may see).
    pub account_id: Option<Uuid>,
}

/// Changes to an item. An item carried over from an earlier review is only
/// opened or closed (`status`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchItem {
    #[schema(min_length = 1, max_length = 2000)]
    pub text: Option<String>,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<IsoDate>,
    pub size: Option<Size>,
    pub status: Option<ItemStatus>,
    #[serde(default, deserialize_with = "crate::users::rules::double_option")]
    #[schema(nullable = true)]
    pub target_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::users::rules::double_option")]
    #[schema(nullable = true)]
    pub account_id: Option<Option<Uuid>>,
}

/// A success recorded in a review, or a milestone the service noticed: a
/// target reaching 100% (`target_achieved`) or a prospect won (`prospect_won`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Success {
    pub id: Uuid,
    pub source: Source,
    /// `success`, `target_achieved` or `prospect_won`.
    #[schema(example = "target_achieved")]
    pub kind: String,
    /// The day of the review, or the day the milestone happened.
    pub occurred_on: NaiveDate,
    /// The success's text, or the milestone's title.
    pub title: String,
    pub size: Option<Size>,
    /// Whose success it is.
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub review_id: Option<Uuid>,
    /// For a target reached: its value, and what had been achieved.
    #[schema(value_type = Option<String>)]
    pub value: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub actual: Option<Decimal>,
}

/// An agreed target with its progress on the agenda's day.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AgendaTarget)]
pub struct TargetProgress {
    pub target_id: Uuid,
    pub title: String,
    pub metric: Metric,
    pub activity_kind: Option<String>,
    pub currency: Option<String>,
    pub period: Option<String>,
    /// Actual, gap, pace, and the rate needed per working day and week.
    pub progress: Progress,
}

/// One participant of a review: the salesperson of a one-to-one; the team and
/// each member on the day of a team review.
#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub subject_type: SubjectType,
    pub subject_id: Uuid,
    pub name: String,
    /// Progress on their agreed targets in the period under review.
    pub targets: Vec<TargetProgress>,
    /// Actions and hurdles still open from earlier reviews of the series.
    pub open_items: Vec<Item>,
    /// Successes since the last review, newest first.
    pub successes: Vec<Success>,
}

/// What a review looks at. While it is scheduled, the figures are live (on
/// today, or the period's last day once it is over); once completed, they are
/// the snapshot taken then, and later corrections do not change them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agenda {
    pub review: Review,
    /// The day progress is measured on.
    pub as_of: NaiveDate,
    /// True when the participants are the snapshot frozen at completion.
    pub frozen: bool,
    /// Successes count from this day (the day after the last completed review of the series).
    pub successes_since: NaiveDate,
    #[schema(value_type = Vec<Participant>)]
    pub participants: serde_json::Value,
    /// The items recorded in this review: open actions and hurdles first.
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuccessQuery {
    /// Successes of this team, its sub-teams, and the people who belonged to them on the day.
    pub team_id: Option<Uuid>,
    /// On or after this day.
    pub since: Option<IsoDate>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl From<ReviewRow> for Review {
    fn from(r: ReviewRow) -> Self {
        Review {
            id: r.id,
            kind: r.kind,
            salesperson_id: r.salesperson_id,
            team_id: r.team_id,
            facilitator_id: r.facilitator_id,
            scheduled_for: r.scheduled_for,
            period: r.period,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            status: r.status,
            completed_at: r.completed_at,
            completed_by: r.completed_by,
            cancelled_at: r.cancelled_at,
            cancelled_by: r.cancelled_by,
            created_by: r.created_by,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl From<ItemRow> for Item {
    fn from(i: ItemRow) -> Self {
        Item {
            id: i.id,
            review_id: i.review_id,
            item_type: i.item_type,
            text: i.text,
            owner_id: i.owner_id,
            due_on: i.due_on,
            size: i.size,
            status: i.status,
            target_id: i.target_id,
            account_id: i.account_id,
            closed_at: i.closed_at,
            closed_by: i.closed_by,
            closed_in_review_id: i.closed_in_review_id,
            created_by: i.created_by,
            version: i.version,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

impl From<FeedRow> for Success {
    fn from(f: FeedRow) -> Self {
        Success {
            id: f.id,
            source: f.source,
            kind: f.kind,
            occurred_on: f.occurred_on,
            title: f.title,
            size: f.size,
            user_id: f.user_id,
            team_id: f.team_id,
            target_id: f.target_id,
            account_id: f.account_id,
            review_id: f.review_id,
            value: f.value,
            actual: f.actual,
        }
    }
}

impl utoipa::PartialSchema for When {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                    .description(Some("An instant, RFC 3339 with an offset.")),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                    .pattern(Some(DATE_PATTERN))
                    .description(Some(
                        "A day as YYYY-MM-DD: the start of that day in the organisation's timezone.",
                    )),
            )
            .description(Some(
                "When a review is held: an instant as RFC 3339 with an offset \
                 (\"2026-12-03T14:30:00+01:00\"; answered in UTC, \"2026-12-03T13:30:00Z\"), \
                 or a day as YYYY-MM-DD, meaning the start of that day in the organisation's \
                 timezone. Years 1900 to 2999.",
            ))
            .examples(["2026-12-03T14:30:00+01:00", "2026-12-03"])
            .into()
    }
}

impl utoipa::ToSchema for When {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DateTimeOrDate")
    }
}
