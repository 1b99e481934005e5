//! Who agrees a target: the one accountable for it, and never whoever set,
//! changed or proposed its current version (four eyes). A person agrees their
//! own; a team's manager the team's (for a sub-team without a manager, the
//! nearest manager above, who answers for it); an admin the organisation's and
//! that of a top-level team without a manager. An organisation with one active
//! admin only has nobody else: that admin agrees what they set.

use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::duties::answering_manager;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::targets::rules::{DutyError, SubjectType};
use crate::targets::store::{self, TargetRow};

/// Refuses (`forbidden`) whoever is not the one to agree this target, and
/// (`own_team` / `own_target`) the one who set, changed or proposed it.
pub async fn require_agreer(
    c: &mut AsyncPgConnection,
    p: &Principal,
    t: &TargetRow,
) -> AppResult<()> {
    let me = p.user_id();
    let team = t.subject_type == SubjectType::Team;
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
        return Err(DutyError::NotAgreer(t.subject_type).into());
    }
    let Some(me) = me else { return Ok(()) };
    if store::shaped_by(c, t, me).await? && !(by_admin && only_admin(c, p.org_id).await?) {
        return Err(DutyError::ShapedIt { team }.into());
    }
    Ok(())
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
