//! Reads other resources' services ask of teams: who belongs to or manages
//! which teams, and who manages the teams above. The teams below a team, the
//! teams a person manages and the people they manage are in `visibility`.

pub use super::visibility::{managed_people, managed_team_ids, subtree_ids};

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::teams::store;

pub use crate::teams::store::TeamRow;

/// A team of the organisation (404 `not_found` when there is none).
pub async fn team(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<TeamRow> {
    store::get(c, org, id).await
}

/// The teams `user` belongs to today (the caller's organisation's day).
pub async fn member_team_ids(
    c: &mut AsyncPgConnection,
    p: &Principal,
    user: Uuid,
) -> AppResult<Vec<Uuid>> {
    let today = crate::org::service::today::today_for(c, p).await?;
    store::member_team_ids_during(c, p.org_id, user, (today, today)).await
}

/// The teams `user` belongs to on a day of `days`.
pub async fn member_team_ids_during(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    days: (NaiveDate, NaiveDate),
) -> AppResult<Vec<Uuid>> {
    store::member_team_ids_during(c, org, user, days).await
}

/// The teams any of `users` belongs to on a day of `days`, in one query.
pub async fn teams_of_people_during(
    c: &mut AsyncPgConnection,
    org: Uuid,
    users: &[Uuid],
    days: (NaiveDate, NaiveDate),
) -> AppResult<Vec<Uuid>> {
    store::teams_of_people_during(c, org, users, days).await
}

/// The managers of these teams and of every team above them.
pub async fn managers_at_or_above(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    store::managers_at_or_above(c, org, ids).await
}
