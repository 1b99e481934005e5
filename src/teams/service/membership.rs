//! Dated membership: joining a team (a move when the person was elsewhere) and
//! leaving it.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::rules::{self, Join, TeamError};
use super::super::store::{self, MemberRow};
use super::visibility::{can_manage, get_visible, managed_team_ids};
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};

async fn membership_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    user: Uuid,
    from: NaiveDate,
) -> AppResult<MemberRow> {
    store::membership(c, org, team, user, from)
        .await?
        .ok_or_else(|| TeamError::NoSuchMembership.into())
}

/// The caller may see `team` and change its members.
async fn check_manages(c: &mut AsyncPgConnection, p: &Principal, team: Uuid) -> AppResult<()> {
    get_visible(c, p, team).await?;
    if !can_manage(c, p, team).await? {
        return Err(TeamError::NotItsManager.into());
    }
    Ok(())
}

/// `user` joins `team` from `from` (admins, and managers of the team or of a team
/// above it). Nobody adds themselves to a team they manage or one below it.
pub async fn join(
    pool: &PgPool,
    p: &Principal,
    team: Uuid,
    user: Uuid,
    from: NaiveDate,
) -> AppResult<MemberRow> {
    rules::check_day("from", from)?;
    db::tx(pool, async move |c| join_on(c, p, team, user, from).await).await
}

/// [`join`] in the caller's transaction.
pub async fn join_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    team: Uuid,
    user: Uuid,
    from: NaiveDate,
) -> AppResult<MemberRow> {
    rules::check_day("from", from)?;
    check_manages(c, p, team).await?;
    if p.user_id() == Some(user) && managed_team_ids(c, p.org_id, user).await?.contains(&team) {
        return Err(AppError::from(TeamError::OwnTeam));
    }
    store::share(c, p.org_id, team).await?;
    match crate::users::service::read::person(c, p.org_id, user).await? {
        None => return Err(TeamError::NoSuchUser.into()),
        Some((_, false)) => return Err(TeamError::UserInactive.into()),
        Some(_) => {}
    }
    let spans = store::spans(c, p.org_id, user).await?;
    match rules::plan_join(&spans, team, from) {
        Join::Unchanged => {}
        Join::Overlap(_) => return Err(TeamError::Overlap.into()),
        Join::Insert { close, replace } => {
            if let Some((old_team, old_from, last_day)) = close {
                if !can_manage(c, p, old_team).await? {
                    return Err(TeamError::MoveFromUnmanaged.into());
                }
                store::end_membership(c, p.org_id, old_team, user, old_from, last_day).await?;
            }
            if let Some(old_from) = replace {
                store::delete_membership(c, p.org_id, team, user, old_from).await?;
            }
            store::insert_membership(c, p.org_id, team, user, from).await?;
        }
    }
    membership_of(c, p.org_id, team, user, from).await
}

/// Ends `user`'s open membership of `team` on `to` (default: today in the
/// organisation's time zone).
pub async fn end(
    pool: &PgPool,
    p: &Principal,
    team: Uuid,
    user: Uuid,
    to: Option<NaiveDate>,
) -> AppResult<MemberRow> {
    if let Some(day) = to {
        rules::check_day("to", day)?;
    }
    db::tx(pool, async move |c| {
        check_manages(c, p, team).await?;
        let to = match to {
            Some(d) => d,
            None => crate::org::service::today::today_for(c, p).await?,
        };
        let open = store::spans(c, p.org_id, user)
            .await?
            .into_iter()
            .find(|s| s.team_id == team && s.to.is_none())
            .ok_or(TeamError::NoOpenMembership)?;
        rules::check_end(open.from, to)?;
        store::end_membership(c, p.org_id, team, user, open.from, to).await?;
        membership_of(c, p.org_id, team, user, open.from).await
    })
    .await
}
