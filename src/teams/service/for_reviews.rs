//! What reviews ask of teams: a person's role and whether they are active, a
//! team's manager, whether a team exists, and a team with the teams below it.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::Role;
use crate::error::{AppError, AppResult};
use crate::teams::store;

/// A person's role and whether they are active; `None` when there is no such person.
pub async fn person(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
) -> AppResult<Option<(Role, bool)>> {
    match store::user_role(c, org, id).await? {
        None => Ok(None),
        Some((role, active)) => Role::parse(&role)
            .map(|r| Some((r, active)))
            .ok_or_else(|| AppError::internal(format!("person {id} has role {role:?}"))),
    }
}

/// Whether team `id` is one of the organisation's.
pub async fn exists(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<bool> {
    Ok(store::get(c, org, id).await.is_ok())
}

/// The manager of team `id` (404 when there is no such team).
pub async fn manager_of(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(store::get(c, org, id).await?.manager_id)
}
