//! What accounts ask of teams.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::error::AppResult;

/// The people of the teams `manager` manages on `day` (sub-teams included).
pub async fn managed_people(
    c: &mut AsyncPgConnection,
    org: Uuid,
    manager: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    crate::teams::store::managed_people(c, org, manager, day).await
}
