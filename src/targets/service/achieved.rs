//! What a target's subject achieved, for progress: in total over ranges of
//! days, or day by day.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::assess::whose;
use crate::error::AppResult;
use crate::results::service::achieved::{self as results, Wanted};
use crate::targets::rules::SubjectType;
use crate::teams::service::lookups as teams;

/// What a subject achieved in a rollup metric (`revenue`, `gross_profit`,
/// `new_accounts`, `activity:<kind>`) in each of these ranges (`None`: nothing
/// recorded), in one statement. A team's figure counts each day for the people
/// who were members of it or its sub-teams on that day; the organisation's
/// counts everyone.
pub async fn achieved(
    c: &mut AsyncPgConnection,
    org: Uuid,
    subject: (SubjectType, Option<Uuid>),
    metric: &str,
    ranges: &[(NaiveDate, NaiveDate)],
) -> AppResult<Vec<Option<Decimal>>> {
    let who = whose(subject);
    let wanted: Vec<Wanted> = ranges
        .iter()
        .map(|&(from, to)| Wanted {
            whose: who,
            metric: metric.to_string(),
            from,
            to,
        })
        .collect();
    results::achieved_each(c, org, &wanted).await
}

/// Per day, what a subject achieved in a rollup metric over `[from, to]` (see
/// [`achieved`]), in day order.
pub async fn achieved_daily(
    c: &mut AsyncPgConnection,
    org: Uuid,
    subject: (SubjectType, Option<Uuid>),
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, Decimal)>> {
    match subject {
        (SubjectType::Team, Some(id)) => {
            let teams = teams::subtree_ids(c, org, id).await?;
            results::daily_by_team(c, org, &teams, metric, from, to).await
        }
        (SubjectType::User, Some(id)) => {
            results::daily(c, org, Some(&[id]), metric, from, to).await
        }
        _ => results::daily(c, org, None, metric, from, to).await,
    }
}
