//! A target's cumulative actual against its expected line, for charts.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{check_as_of, two};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::org::context::OrgContext;
use crate::progress::dto::{Series, SeriesPoint};
use crate::progress::rules::{self, SeriesGranularity};
use crate::results::service::achieved as results;
use crate::targets::service as targets;

/// The most points a series answers: ten years by day.
const MAX_POINTS: i64 = 3660;

/// A series longer than [`MAX_POINTS`]: the limit, and what to ask for instead.
fn too_many_points(id: Uuid, span: i64, granularity: SeriesGranularity) -> AppError {
    let instead = match granularity {
        SeriesGranularity::Day => {
            "ask for granularity=week (a point per week, up to about 70 years)".to_string()
        }
        SeriesGranularity::Week => format!(
            "{} weeks even by week; read its totals at /v1/targets/{id}/progress, or set shorter targets",
            span / 7 + 1
        ),
    };
    AppError::invalid_field(
        "granularity",
        "too_many_points",
        format!(
            "a series has at most {MAX_POINTS} points and this target spans {span} days: {instead}"
        ),
    )
}

/// The series of target `id`, a point per day (default) or week, up to `as_of`
/// (default: today in the organisation), for a caller who may see it.
pub async fn series(
    pool: &PgPool,
    p: Principal,
    id: Uuid,
    granularity: Option<SeriesGranularity>,
    as_of: Option<NaiveDate>,
) -> AppResult<Series> {
    p.require_reader()?;
    check_as_of(as_of)?;
    let granularity = granularity.unwrap_or(SeriesGranularity::Day);
    db::run(pool, async move |c| {
        let ctx = OrgContext::for_read(c, &p).await?;
        let t = targets::get_visible(c, &p, id, false).await?;
        let as_of = as_of.unwrap_or(ctx.today);
        let span = (t.ends_on - t.starts_on).num_days() + 1;
        let points = match granularity {
            SeriesGranularity::Day => span,
            SeriesGranularity::Week => span / 7 + 2,
        };
        if points > MAX_POINTS {
            return Err(too_many_points(id, span, granularity));
        }
        let metric = crate::targets::service::rollup_metric(&t);
        let to = as_of.min(t.ends_on);
        let daily = if as_of < t.starts_on {
            Vec::new()
        } else if let Some(account) = t.account_id {
            results::account_daily(c, t.org_id, account, &metric, t.starts_on, to).await?
        } else {
            targets::achieved_daily(
                c,
                t.org_id,
                (t.subject_type, t.subject_id),
                &metric,
                t.starts_on,
                to,
            )
            .await?
        };
        let week_start = ctx.org.week_start.weekday();
        let points = rules::series(
            t.value,
            (t.starts_on, t.ends_on),
            as_of,
            &ctx.week,
            week_start,
            granularity,
            &daily,
        );
        Ok(Series {
            target_id: t.id,
            granularity,
            as_of,
            starts_on: t.starts_on,
            ends_on: t.ends_on,
            value: two(t.value),
            points: points
                .into_iter()
                .map(|p| SeriesPoint {
                    starts_on: p.starts_on,
                    ends_on: p.ends_on,
                    actual: p.actual.map(two),
                    expected: two(p.expected),
                })
                .collect(),
        })
    })
    .await
}
