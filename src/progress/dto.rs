//! Request and response types of progress, series and scorecards.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{PaceStatus, SeriesGranularity};
use crate::values::IsoDate;

/// Where a target stands on `as_of`, and what it takes from there. Amounts are
/// decimal strings.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub target_id: Uuid,
    pub as_of: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[schema(value_type = String)]
    pub value: Decimal,
    /// Achieved from the first day up to and including `as_of`.
    #[schema(value_type = String)]
    pub actual: Decimal,
    #[schema(value_type = String)]
    pub attainment_pct: Decimal,
    /// The value spread over the period's working days, up to `as_of`.
    #[schema(value_type = String)]
    pub expected_to_date: Decimal,
    /// Actual over expected; null before the first working day.
    #[schema(value_type = Option<String>)]
    pub pace_pct: Option<Decimal>,
    pub status: PaceStatus,
    /// The run rate so far carried to the period's end.
    #[schema(value_type = String)]
    pub projected: Decimal,
    #[schema(value_type = String)]
    pub gap: Decimal,
    pub working_days_left: u32,
    #[schema(value_type = String)]
    pub required_per_working_day: Decimal,
    #[schema(value_type = String)]
    pub required_per_week: Decimal,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// The day to measure on (default: today in the organisation's time zone);
    /// results after it do not count.
    pub as_of: Option<IsoDate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// A point per day (default) or per week (weeks begin on the organisation's `week_start`).
    pub granularity: Option<SeriesGranularity>,
    /// The last day counted (default: today in the organisation's time zone).
    pub as_of: Option<IsoDate>,
}

/// One point of a chart. Amounts are decimal strings.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    pub starts_on: NaiveDate,
    /// The last day of the day or week (weeks are cut at the target's first and last day).
    pub ends_on: NaiveDate,
    /// Achieved from the target's first day to `ends_on` (to `as_of` in the point
    /// holding it); null for points after `as_of`.
    #[schema(value_type = Option<String>)]
    pub actual: Option<Decimal>,
    /// The value spread over the working days, up to `ends_on`.
    #[schema(value_type = String)]
    pub expected: Decimal,
}

/// A target's cumulative actual against its expected line, for charts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Series {
    pub target_id: Uuid,
    pub granularity: SeriesGranularity,
    pub as_of: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[schema(value_type = String)]
    pub value: Decimal,
    pub points: Vec<SeriesPoint>,
}

/// How scorecard rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum ScorecardSort {
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "attainment_pct")]
    Attainment,
    #[serde(rename = "-attainment_pct")]
    AttainmentDesc,
    #[serde(rename = "pace_pct")]
    Pace,
    #[serde(rename = "-pace_pct")]
    PaceDesc,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// The period key (`2026-Q4`, `2026-11`, `FY2027`...): the agreed targets lying
    /// within it are shown.
    pub period: String,
    /// The team (default: the caller's own team, when they are in exactly one).
    pub team_id: Option<Uuid>,
    /// The day to measure on and whose team membership counts (default: today).
    pub as_of: Option<IsoDate>,
    /// Row order: `name` (default), `attainment_pct`, `pace_pct`; a leading `-`
    /// reverses it (`-attainment_pct` is the leaderboard). Rows without targets
    /// come last.
    #[param(inline)]
    pub sort: Option<ScorecardSort>,
    /// Only targets of this metric (e.g. a revenue leaderboard).
    pub metric: Option<crate::targets::rules::Metric>,
}

/// The progress of one agreed target on a scorecard.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetProgress {
    pub title: String,
    pub metric: String,
    pub activity_kind: Option<String>,
    pub account_id: Option<Uuid>,
    #[serde(flatten)]
    pub progress: Progress,
}

/// A scorecard row: a member or the team, with the progress of each agreed target.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardRow {
    #[schema(example = "user")]
    pub subject_type: String,
    pub subject_id: Uuid,
    pub name: String,
    /// The member's team on `as_of` (the team itself on the team row).
    pub team_id: Uuid,
    /// The mean attainment of the row's targets; null without targets.
    #[schema(value_type = Option<String>)]
    pub attainment_pct: Option<Decimal>,
    /// The mean pace of the row's targets that have one; null when none has.
    #[schema(value_type = Option<String>)]
    pub pace_pct: Option<Decimal>,
    pub targets: Vec<TargetProgress>,
}

/// A team's scorecard for a period: a row per member on `as_of` (sub-teams'
/// members included) and the team's own row.
#[derive(Debug, Serialize, ToSchema)]
pub struct Scorecard {
    pub team_id: Uuid,
    pub period: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub as_of: NaiveDate,
    pub team: ScorecardRow,
    pub members: Vec<ScorecardRow>,
}
