//! What reviews ask of teams: a team's manager, whether a team exists, and a
//! team with the teams below it.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::error::AppResult;
use crate::teams::store;

/// Whether team `id` is one of the organisation's.
pub async fn exists(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<bool> {
    Ok(store::get(c, org, id).await.is_ok())
}

/// The manager of team `id` (404 when there is no such team).
pub async fn manager_of(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(store::get(c, org, id).await?.manager_id)
}
