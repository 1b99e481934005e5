//! Progress use cases: measuring targets against their pace (shared by
//! milestones, reviews, scorecards and payouts), series for charts, scorecards.

mod measure;
pub mod pace;
mod scorecard;
mod series;

pub use measure::{assemble, measure, measure_many, measure_many_with, target_progress, Span};
pub use scorecard::{scorecard, Frames, FRAMES_KEPT};
pub use series::series;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::error::{AppError, AppResult};
use crate::targets::service::Aim;

/// The rollup metric a target counts: its metric, or `activity:<kind>`.
fn rollup_metric(t: &Aim) -> String {
    crate::targets::service::counted_as(t.metric, t.activity_kind.as_deref())
}

/// Every figure with two decimals, like money elsewhere ("12500.00").
fn two(d: Decimal) -> Decimal {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d
}

/// `as_of` must be a day the calendar handles.
fn check_as_of(as_of: Option<NaiveDate>) -> AppResult<()> {
    if as_of.is_some_and(|d| !(1000..=9998).contains(&d.year())) {
        return Err(AppError::invalid_field(
            "as_of",
            "out_of_range",
            "a date between the years 1000 and 9998",
        ));
    }
    Ok(())
}

/// Drops every row this resource keeps for organisation `org`, in the caller's
/// transaction: for dropping the whole organisation (`onpace demo --reset`).
pub async fn purge_org(
    c: &mut diesel_async::AsyncPgConnection,
    org: uuid::Uuid,
) -> crate::error::AppResult<()> {
    crate::progress::store::purge_org(c, org).await
}
