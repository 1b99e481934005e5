//! Who agrees a target: the one accountable for it, and never whoever set,
//! changed or proposed its current version (four eyes). A person agrees their
//! own; a team's manager the team's (for a sub-team without a manager, the
//! nearest manager above, who answers for it); an admin the organisation's and
//! that of a top-level team without a manager. An organisation with one active
//! admin only has nobody else: that admin agrees what they set.

use actix_web::http::StatusCode;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::duties::answering_manager;
use super::store::TargetRow;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// 403 `own_team` (a team's target) or `own_target` (a person's or the
/// organisation's): the caller set, changed or proposed this version.
pub fn set_it(team: bool) -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        if team { "own_team" } else { "own_target" },
        "nobody agrees a target they set, changed or proposed: the one accountable for it agrees \
         it (another admin where an admin agrees)",
    )
}

/// Refuses (`forbidden`) whoever is not the one to agree this target, and
/// (`own_team` / `own_target`) the one who set, changed or proposed it.
pub async fn require_agreer(
    c: &mut AsyncPgConnection,
    p: &Principal,
    t: &TargetRow,
) -> AppResult<()> {
    let me = p.user_id();
    let team = t.subject_type == "team";
    // (may agree, agreed by an admin as such)
    let (ok, by_admin) = match t.subject_type.as_str() {
        "user" => (me.is_some() && me == t.subject_id, false),
        "team" => match answering_manager(c, p.org_id, t.subject_id.unwrap_or_default()).await? {
            Some(m) => (me == Some(m), false),
            None => (p.is_admin(), true),
        },
        _ => (p.is_admin(), true),
    };
    if !ok {
        return Err(AppError::forbidden(match t.subject_type.as_str() {
            "user" => "only the person whose target it is agrees it",
            "team" => {
                "the team's manager agrees a team target (for a sub-team without one, the manager \
                 above it; an admin when there is none)"
            }
            _ => "an admin agrees an organisation target",
        }));
    }
    let Some(me) = me else { return Ok(()) };
    if shaped_by(c, t, me).await? && !(by_admin && only_admin(c, p.org_id).await?) {
        return Err(set_it(team));
    }
    Ok(())
}

/// Whether `user` created, changed or proposed this version of the target.
async fn shaped_by(c: &mut AsyncPgConnection, t: &TargetRow, user: Uuid) -> AppResult<bool> {
    use crate::db::schema::target_events as e;
    if t.created_by == Some(user) {
        return Ok(true);
    }
    let n: i64 = e::table
        .filter(e::org_id.eq(t.org_id))
        .filter(e::target_id.eq(t.id))
        .filter(e::actor_id.eq(user))
        .filter(e::event.eq_any(["created", "updated", "proposed", "revised"]))
        .count()
        .get_result(c)
        .await?;
    Ok(n > 0)
}

/// Whether the organisation has a single active admin.
async fn only_admin(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<bool> {
    use crate::db::schema::users as u;
    let n: i64 = u::table
        .filter(u::org_id.eq(org))
        .filter(u::role.eq("admin"))
        .filter(u::active.eq(true))
        .count()
        .get_result(c)
        .await?;
    Ok(n <= 1)
}
