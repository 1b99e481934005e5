//! The successes feed: successes recorded in the reviews the caller sees, and
//! the milestones of the people and teams whose targets they see.

use chrono::NaiveDate;
use uuid::Uuid;

use super::super::dto::SuccessQuery;
use super::super::rules;
use super::super::store::{self, FeedRow};
use super::seen;
use crate::auth::Principal;
use crate::db::{self, Page, PgPool};
use crate::error::AppResult;
use crate::org::context::OrgContext;
use crate::teams::service::visibility as teams;
use crate::validation::Validator;

/// A page of the feed, newest first; `team_id` keeps what concerns that team,
/// its sub-teams, and the people who belonged to them on the day.
pub async fn successes(
    pool: &PgPool,
    p: Principal,
    q: SuccessQuery,
    page: Page<(NaiveDate, Uuid)>,
) -> AppResult<Vec<FeedRow>> {
    p.require_reader()?;
    if let Some(d) = q.since {
        let mut v = Validator::new();
        rules::check_day(&mut v, "since", d.0);
        v.finish()?;
    }
    db::run(pool, async move |c| {
        let ctx = OrgContext::for_read(c, &p).await?;
        let seen = seen(c, &p).await?;
        let teams = match q.team_id {
            Some(t) => Some(teams::subtree_ids(c, p.org_id, t).await?),
            None => None,
        };
        store::feed(
            c,
            p.org_id,
            ctx.tz.name(),
            &seen,
            teams,
            q.since.map(NaiveDate::from),
            &page,
        )
        .await
    })
    .await
}
