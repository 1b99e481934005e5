//! Which teams (and through them, which people) a caller sees and may manage.
//! Decided here and handed to stores as plain ids.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::store::{self, TeamRow};
use crate::auth::rules::Role;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// The teams `user` manages, with all their sub-teams.
pub async fn managed_team_ids(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
) -> AppResult<Vec<Uuid>> {
    store::managed_team_ids(c, org, user).await
}

/// Teams `user` belongs to on `day`.
pub async fn member_team_ids(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    store::member_team_ids_during(c, org, user, (day, day)).await
}

/// `team` and all its sub-teams.
pub async fn subtree_ids(c: &mut AsyncPgConnection, org: Uuid, team: Uuid) -> AppResult<Vec<Uuid>> {
    store::subtree_ids(c, org, team).await
}

/// The people who belong or belonged to any of these teams.
pub async fn member_ids(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team_ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    store::member_ids(c, org, team_ids).await
}

/// The people who, on `day`, belong to a team `manager` manages or to one of its
/// sub-teams.
pub async fn managed_people(
    c: &mut AsyncPgConnection,
    org: Uuid,
    manager: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    store::managed_people(c, org, manager, day).await
}

/// Which teams a caller may see: `None` is every team. Admins, viewers and read
/// clients see all; managers the teams they manage (with sub-teams) and their own
/// of today; salespeople their own of today.
pub async fn visible_ids(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<Option<Vec<Uuid>>> {
    if p.reads_org_wide() {
        return Ok(None);
    }
    let Some(me) = p.user_id() else {
        return Ok(Some(Vec::new()));
    };
    let today = crate::org::service::today::today_for(c, p).await?;
    let managed = p.role() == Some(Role::Manager);
    Ok(Some(
        store::visible_team_ids(c, p.org_id, me, today, managed).await?,
    ))
}

/// Whether the caller may change the membership of `team`: admins, and managers of
/// the team or of a team above it.
pub async fn can_manage(c: &mut AsyncPgConnection, p: &Principal, team: Uuid) -> AppResult<bool> {
    if p.is_admin() {
        return Ok(true);
    }
    match (p.role(), p.user_id()) {
        (Some(Role::Manager), Some(me)) => {
            Ok(managed_team_ids(c, p.org_id, me).await?.contains(&team))
        }
        _ => Ok(false),
    }
}

/// A team the caller may see, else 404.
pub async fn get_visible(c: &mut AsyncPgConnection, p: &Principal, id: Uuid) -> AppResult<TeamRow> {
    if let Some(ids) = visible_ids(c, p).await? {
        if !ids.contains(&id) {
            return Err(AppError::not_found("team"));
        }
    }
    store::get(c, p.org_id, id).await
}
