//! Reading teams and their memberships.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

pub use super::super::store::MyTeamRow;
use super::super::store::{self, MemberRow, TeamRow};
use super::visibility::{get_visible, visible_ids};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::AppResult;
use crate::http::PageParams;

/// A cursor of the memberships' order: first day, then person.
fn member_cursor(s: &str) -> Option<(NaiveDate, Uuid)> {
    let (d, u) = s.split_once('_')?;
    Some((d.parse().ok()?, u.parse().ok()?))
}

/// Teams the caller may see, optionally only the direct sub-teams of `parent`.
pub async fn list(
    pool: &PgPool,
    p: &Principal,
    parent: Option<Uuid>,
    page: &PageParams,
) -> AppResult<(Vec<TeamRow>, i64)> {
    p.require_reader()?;
    let page = page.by_id()?;
    let rows = db::run(pool, async |c| {
        let visible = visible_ids(c, p).await?;
        store::list(c, p.org_id, visible, parent, &page).await
    })
    .await?;
    Ok((rows, page.limit))
}

/// One team the caller may see.
pub async fn get(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<TeamRow> {
    p.require_reader()?;
    db::run(pool, async |c| get_visible(c, p, id).await).await
}

/// The memberships of a team the caller may see; `as_of` keeps those covering that day.
pub async fn members(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    as_of: Option<NaiveDate>,
    page: &PageParams,
) -> AppResult<(Vec<MemberRow>, i64)> {
    p.require_reader()?;
    if let Some(day) = as_of {
        super::super::rules::check_day("as_of", day)?;
    }
    let page = page.page(member_cursor)?;
    let rows = db::run(pool, async |c| {
        get_visible(c, p, id).await?;
        store::members(c, p.org_id, id, as_of, &page).await
    })
    .await?;
    Ok((rows, page.limit))
}

/// The teams a person belongs to on `today`, and those they manage.
pub async fn my_teams(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    today: NaiveDate,
) -> AppResult<Vec<MyTeamRow>> {
    store::my_teams(c, org, user, today).await
}
