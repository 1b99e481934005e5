//! The SMART assessment of targets: attainability is judged against what each
//! subject achieved in the periods before, read for every target at once.

use chrono::{Duration, NaiveDate};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use crate::calendar::{Calendar, Granularity};
use crate::error::{AppError, AppResult};
use crate::org::context::OrgContext;
use crate::results::service::achieved::{self as results, Wanted, Whose};
use crate::targets::rules::{self, Attainable, Metric, Status, SubjectType};
use crate::targets::store::TargetRow;

/// A target with its SMART assessment.
#[derive(Debug)]
pub struct Assessed {
    pub row: TargetRow,
    pub subject_type: SubjectType,
    pub metric: Metric,
    pub status: Status,
    /// A title and a known metric.
    pub specific: bool,
    /// A positive number, with a currency for money.
    pub measurable: bool,
    pub attainable: Attainable,
    pub in_remit: bool,
    /// A period with a start and an end.
    pub timed: bool,
}

/// The rollup metric a target counts (`activity:<kind>` for activities).
pub fn rollup_metric(t: &TargetRow) -> String {
    counted_as(t.metric, t.activity_kind.as_deref())
}

/// The rollup metric of `metric` (with its activity kind).
pub fn counted_as(metric: Metric, activity_kind: Option<&str>) -> String {
    match (metric, activity_kind) {
        (Metric::Activities, Some(kind)) => crate::results::rules::activity_metric(kind),
        (m, _) => m.as_str().to_string(),
    }
}

/// Whose results count for a subject.
pub fn whose(subject: (SubjectType, Option<uuid::Uuid>)) -> Whose {
    match subject {
        (SubjectType::Team, Some(id)) => Whose::Team(id),
        (SubjectType::User, Some(id)) => Whose::Person(id),
        _ => Whose::Everyone,
    }
}

/// The 4 periods before the target's, of the same length, and their name.
fn previous_periods(cal: &Calendar, t: &TargetRow) -> (Vec<(NaiveDate, NaiveDate)>, &'static str) {
    const N: usize = 4;
    if let Some(p) = t.period.as_deref().and_then(|k| cal.parse(k)) {
        let word = match p.granularity {
            Granularity::Year => "year",
            Granularity::Quarter => "quarter",
            Granularity::Month => "month",
            Granularity::Week => "week",
        };
        let mut ranges = Vec::with_capacity(N);
        let mut cur = p;
        for _ in 0..N {
            cur = cal.containing(cur.granularity, cur.starts_on - Duration::days(1));
            ranges.push((cur.starts_on, cur.ends_on));
        }
        return (ranges, word);
    }
    let len = (t.ends_on - t.starts_on).num_days() + 1;
    let ranges = (1..=N as i64)
        .map(|i| {
            (
                t.starts_on - Duration::days(len * i),
                t.ends_on - Duration::days(len * i),
            )
        })
        .collect();
    (ranges, "period")
}

/// Each target with its assessment; what every subject achieved before is
/// read in one statement, however many targets there are.
pub async fn assess_all(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    rows: Vec<TargetRow>,
) -> AppResult<Vec<Assessed>> {
    let Some(org) = rows.first().map(|t| t.org_id) else {
        return Ok(Vec::new());
    };
    let before: Vec<_> = rows.iter().map(|t| previous_periods(&ctx.cal, t)).collect();
    let wanted: Vec<Wanted> = rows
        .iter()
        .zip(&before)
        .flat_map(|(t, (ranges, _))| {
            let who = whose((t.subject_type, t.subject_id));
            let metric = rollup_metric(t);
            ranges.iter().map(move |&(from, to)| Wanted {
                whose: who,
                metric: metric.clone(),
                from,
                to,
            })
        })
        .collect();
    let mut achieved = results::achieved_each(c, org, &wanted).await?.into_iter();
    let realistic = ctx.org.realistic_max_ratio.normalize();
    let stretch = ctx.org.stretch_max_ratio.normalize();
    Ok(rows
        .into_iter()
        .zip(before)
        .map(|(t, (ranges, word))| {
            let history: Vec<Option<Decimal>> = achieved.by_ref().take(ranges.len()).collect();
            let metric = t.metric;
            Assessed {
                subject_type: t.subject_type,
                status: t.status,
                metric,
                specific: !t.title.trim().is_empty(),
                measurable: t.value > Decimal::ZERO && (!metric.is_money() || t.currency.is_some()),
                attainable: rules::attainability(t.value, &history, word, realistic, stretch),
                in_remit: true,
                timed: t.starts_on <= t.ends_on,
                row: t,
            }
        })
        .collect())
}

/// One target with its assessment.
pub async fn assess(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    row: TargetRow,
) -> AppResult<Assessed> {
    let mut all = assess_all(c, ctx, vec![row]).await?;
    all.pop()
        .ok_or_else(|| AppError::internal("an assessment for the target"))
}
