//! Which people a caller sees: decided here and handed to the store as ids.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::store::{self, UserRow};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::teams::service::visibility as teams;

/// Which people a caller may see: `None` is everyone in the organisation.
///
/// Admins, viewers and read clients see everyone; a manager sees themselves and
/// everyone who belongs or belonged to the teams they manage (with sub-teams)
/// or to their own team of today; a salesperson sees themselves and the people
/// of their own team of today.
pub async fn visible_ids(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<Option<Vec<Uuid>>> {
    if p.reads_org_wide() {
        return Ok(None);
    }
    let Some(me) = p.user_id() else {
        return Ok(Some(Vec::new()));
    };
    // The teams the caller sees: for a manager those they manage (with
    // sub-teams) and their own of today, for a salesperson their own.
    let team_ids = teams::visible_ids(c, p).await?.unwrap_or_default();
    let mut ids = teams::member_ids(c, p.org_id, &team_ids).await?;
    ids.push(me);
    Ok(Some(ids))
}

/// A person the caller may see, else 404.
pub async fn get_visible(c: &mut AsyncPgConnection, p: &Principal, id: Uuid) -> AppResult<UserRow> {
    if let Some(ids) = visible_ids(c, p).await? {
        if !ids.contains(&id) {
            return Err(AppError::not_found("user"));
        }
    }
    store::get(c, p.org_id, id).await
}
