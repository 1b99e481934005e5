//! Segregation of duties for targets: nobody sets or proposes a target they are
//! accountable for. A person's target is set by their own manager or an admin;
//! a team's by the manager of the team above it or an admin; the one accountable
//! agrees it, never whoever set, changed or proposed it.

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::error::AppResult;
use crate::targets::rules::DutyError;
use crate::teams::service::lookups as teams;

/// The manager who answers for `team`: its own, else the nearest one above it
/// (a sub-team without a manager is run by the manager of the team above).
pub async fn answering_manager(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
) -> AppResult<Option<Uuid>> {
    let mut next = Some(team);
    // Teams cannot form a loop; the bound only guards against bad data.
    for _ in 0..64 {
        let Some(id) = next else { break };
        let row = match teams::team(c, org, id).await {
            Ok(row) => row,
            Err(e) if e.status == StatusCode::NOT_FOUND => return Ok(None),
            Err(e) => return Err(e),
        };
        if row.manager_id.is_some() {
            return Ok(row.manager_id);
        }
        next = row.parent_team_id;
    }
    Ok(None)
}

/// Refuses (`own_target`, `own_team`) a caller who is accountable for a target on
/// this subject: it is their own; or it is a team they answer for as its manager
/// (or the nearest manager above a sub-team without one), or that they or a team
/// below it count them as a member today or on a day of the target's `period`.
pub async fn not_accountable(
    c: &mut AsyncPgConnection,
    p: &Principal,
    subject_type: &str,
    subject_id: Option<Uuid>,
    period: Option<(NaiveDate, NaiveDate)>,
) -> AppResult<()> {
    let (Some(me), Some(id)) = (p.user_id(), subject_id) else {
        return Ok(());
    };
    match subject_type {
        "user" if id == me => Err(DutyError::OwnTarget.into()),
        "team" => {
            if answering_manager(c, p.org_id, id).await? == Some(me) {
                return Err(DutyError::ManagesTeam.into());
            }
            let mut mine = teams::member_team_ids(c, p, me).await?;
            if let Some(days) = period {
                mine.extend(teams::member_team_ids_during(c, p.org_id, me, days).await?);
            }
            if !mine.is_empty()
                && teams::subtree_ids(c, p.org_id, id)
                    .await?
                    .iter()
                    .any(|t| mine.contains(t))
            {
                return Err(DutyError::InTeam.into());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether the caller, once not accountable, sets targets on this subject: admins
/// for anyone; managers for today's members of the teams they manage (with
/// sub-teams), for the managers of the teams below theirs, and for those teams;
/// never for a manager above them (one who became a member of their team).
pub async fn may_set(
    c: &mut AsyncPgConnection,
    p: &Principal,
    subject_type: &str,
    subject_id: Option<Uuid>,
) -> AppResult<bool> {
    if above_me(c, p, subject_type, subject_id).await? {
        return Ok(false);
    }
    if super::visibility::can_set(c, p, subject_type, subject_id).await? {
        return Ok(true);
    }
    match (p.role(), p.user_id(), subject_type, subject_id) {
        (Some(Role::Manager), Some(me), "user", Some(id)) => {
            Ok(managers_below(c, p.org_id, me).await?.contains(&id))
        }
        _ => Ok(false),
    }
}

/// The managers of the teams below those `manager` manages (not `manager`).
pub async fn managers_below(
    c: &mut AsyncPgConnection,
    org: Uuid,
    manager: Uuid,
) -> AppResult<Vec<Uuid>> {
    let ids = teams::managed_team_ids(c, org, manager).await?;
    managers_of(c, org, &ids, manager).await
}

/// The managers of these teams, but `except`.
pub async fn managers_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
    except: Uuid,
) -> AppResult<Vec<Uuid>> {
    use crate::db::schema::teams as t;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(t::table
        .filter(t::org_id.eq(org))
        .filter(t::id.eq_any(ids))
        .filter(t::manager_id.ne(except))
        .select(t::manager_id.assume_not_null())
        .distinct()
        .load(c)
        .await?)
}

/// Whether the subject is a person who manages the caller's team or a team above
/// it (a manager never sets the target of their own manager, even one who is
/// also a member of a team they manage).
async fn above_me(
    c: &mut AsyncPgConnection,
    p: &Principal,
    subject_type: &str,
    subject_id: Option<Uuid>,
) -> AppResult<bool> {
    let (Some(Role::Manager), Some(me), "user", Some(id)) =
        (p.role(), p.user_id(), subject_type, subject_id)
    else {
        return Ok(false);
    };
    use crate::db::schema::teams as t;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    // The caller's own level: the teams they belong to and those they manage
    // themselves (not the sub-teams below, whose managers they do set).
    let mut mine = teams::member_team_ids(c, p, me).await?;
    mine.extend(
        t::table
            .filter(t::org_id.eq(p.org_id))
            .filter(t::manager_id.eq(me))
            .select(t::id)
            .load::<Uuid>(c)
            .await?,
    );
    Ok(id != me
        && teams::managers_at_or_above(c, p.org_id, &mine)
            .await?
            .contains(&id))
}

/// Refuses whoever may not set, change, propose or cancel a target on this
/// subject over these days: `forbidden` when the caller does not see the subject
/// (a duty is named only on what the caller sees), `own_target` / `own_team` for
/// the one accountable, `forbidden` for anyone else who is not its setter.
pub async fn require_setter(
    c: &mut AsyncPgConnection,
    p: &Principal,
    subject_type: &str,
    subject_id: Option<Uuid>,
    period: Option<(NaiveDate, NaiveDate)>,
) -> AppResult<()> {
    if !super::visibility::visible(c, p)
        .await?
        .sees(subject_type, subject_id)
    {
        return Err(DutyError::NotSetter.into());
    }
    not_accountable(c, p, subject_type, subject_id, period).await?;
    if p.user_id().is_some() && may_set(c, p, subject_type, subject_id).await? {
        Ok(())
    } else {
        Err(DutyError::NotSetter.into())
    }
}
