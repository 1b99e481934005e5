//! Who sees which targets, and who sets targets on which subjects: decided
//! here, handed to the store as plain ids.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::error::{AppError, AppResult};
use crate::targets::rules::{SubjectType, Visible};
use crate::targets::store::{self, TargetRow};
use crate::teams::service::lookups as teams;

/// Admins, viewers and read clients see every target; a manager the targets of
/// the people and teams they manage (and of the managers of the teams below
/// theirs), of their own teams and their own; a
/// salesperson their own and their teams'. Everyone sees the organisation's.
pub async fn visible(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<Visible> {
    if p.reads_org_wide() {
        return Ok(Visible::everything());
    }
    let Some(me) = p.user_id() else {
        return Ok(Visible::default());
    };
    let mut team_ids = teams::member_team_ids(c, p, me).await?;
    let mut users = vec![me];
    if p.role() == Some(Role::Manager) {
        let managed = teams::managed_team_ids(c, p.org_id, me).await?;
        // The managers of the teams below theirs, whose targets they set.
        users.extend(super::duties::managers_of(c, p.org_id, &managed, me).await?);
        team_ids.extend(managed);
        let day = crate::org::service::today::today_for(c, p).await?;
        users.extend(teams::managed_people(c, p.org_id, me, day).await?);
    }
    Ok(Visible {
        all: false,
        users,
        teams: team_ids,
    })
}

/// Whether the caller sets targets for this subject: admins for anyone; managers
/// for the people and teams they manage.
pub async fn can_set(
    c: &mut AsyncPgConnection,
    p: &Principal,
    subject_type: &str,
    subject_id: Option<Uuid>,
) -> AppResult<bool> {
    if p.is_admin() {
        return Ok(true);
    }
    let (Some(Role::Manager), Some(me), Some(id)) = (p.role(), p.user_id(), subject_id) else {
        return Ok(false);
    };
    Ok(match subject_type {
        "user" => {
            let day = crate::org::service::today::today_for(c, p).await?;
            teams::managed_people(c, p.org_id, me, day)
                .await?
                .contains(&id)
        }
        "team" => teams::managed_team_ids(c, p.org_id, me)
            .await?
            .contains(&id),
        _ => false,
    })
}

/// A target the caller may see, else 404.
pub async fn get_visible(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    for_update: bool,
) -> AppResult<TargetRow> {
    let row = store::get(c, p.org_id, id, for_update).await?;
    check_visible(c, p, row).await
}

/// The organisation's targets and one's own, which every caller who reads may see.
pub fn seen_by_everyone_or_self(p: &Principal, row: &TargetRow) -> bool {
    row.subject_type == SubjectType::Org
        || (row.subject_type == SubjectType::User
            && row.subject_id.is_some()
            && row.subject_id == p.user_id())
}

/// The caller, when `aim` is their own target as a person (not one of their
/// accounts'): visible to them, and measured on their own results.
pub fn own_target(p: &Principal, aim: &crate::targets::store::Aim) -> Option<Uuid> {
    let own = aim.subject_type == SubjectType::User && aim.account_id.is_none();
    aim.subject_id
        .filter(|who| own && Some(*who) == p.user_id())
}

/// `row` if the caller may see it, else 404. The organisation's targets and
/// one's own are always visible: no need to work out the caller's teams for those.
pub async fn check_visible(
    c: &mut AsyncPgConnection,
    p: &Principal,
    row: TargetRow,
) -> AppResult<TargetRow> {
    if seen_by_everyone_or_self(p, &row)
        || visible(c, p)
            .await?
            .sees(row.subject_type.as_str(), row.subject_id)
    {
        Ok(row)
    } else {
        Err(AppError::not_found("target"))
    }
}
