//! Walks of the team tree: who manages or belongs to which teams, and the
//! teams below or above one.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::schema::team_members;
use crate::db::KeepPrepared;
use crate::error::AppResult;

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
}

/// The teams `user` manages, with all their sub-teams.
pub async fn managed_team_ids(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
) -> AppResult<Vec<Uuid>> {
    let rows: Vec<IdRow> = diesel::sql_query(
        "WITH RECURSIVE t(id) AS ( \
             SELECT id FROM teams WHERE org_id = $1 AND manager_id = $2 \
             UNION SELECT c.id FROM teams c JOIN t ON c.parent_team_id = t.id WHERE c.org_id = $1 \
         ) SELECT id FROM t",
    )
    .bind::<sql_types::Uuid, _>(org)
    .bind::<sql_types::Uuid, _>(user)
    .keep_prepared()
    .load(c)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The teams `user` belongs to on `day` and, when `managed`, those they manage
/// with all their sub-teams: one statement.
pub async fn visible_team_ids(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    day: NaiveDate,
    managed: bool,
) -> AppResult<Vec<Uuid>> {
    let rows: Vec<IdRow> = diesel::sql_query(
        "WITH RECURSIVE t(id) AS ( \
             SELECT id FROM teams WHERE org_id = $1 AND manager_id = $2 AND $4 \
             UNION SELECT c.id FROM teams c JOIN t ON c.parent_team_id = t.id WHERE c.org_id = $1 \
         ) SELECT id FROM t \
         UNION SELECT team_id FROM team_members \
          WHERE org_id = $1 AND user_id = $2 AND from_on <= $3 AND (to_on IS NULL OR to_on >= $3)",
    )
    .bind::<sql_types::Uuid, _>(org)
    .bind::<sql_types::Uuid, _>(user)
    .bind::<sql_types::Date, _>(day)
    .bind::<sql_types::Bool, _>(managed)
    .keep_prepared()
    .load(c)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// `team` and all its sub-teams.
pub async fn subtree_ids(c: &mut AsyncPgConnection, org: Uuid, team: Uuid) -> AppResult<Vec<Uuid>> {
    let rows: Vec<IdRow> = diesel::sql_query(
        "WITH RECURSIVE t(id) AS ( \
             SELECT id FROM teams WHERE org_id = $1 AND id = $2 \
             UNION SELECT c.id FROM teams c JOIN t ON c.parent_team_id = t.id WHERE c.org_id = $1 \
         ) SELECT id FROM t",
    )
    .bind::<sql_types::Uuid, _>(org)
    .bind::<sql_types::Uuid, _>(team)
    .keep_prepared()
    .load(c)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Teams any of `users` belongs to on any day from `from` to `to`.
pub async fn teams_of_people_during(
    c: &mut AsyncPgConnection,
    org: Uuid,
    users: &[Uuid],
    (from, to): (NaiveDate, NaiveDate),
) -> AppResult<Vec<Uuid>> {
    Ok(team_members::table
        .filter(
            team_members::org_id
                .eq(org)
                .and(team_members::user_id.eq_any(users)),
        )
        .filter(super::covering(from, to))
        .select(team_members::team_id)
        .distinct()
        .load(c)
        .await?)
}

/// Teams `user` belongs to on any day from `from` to `to`.
pub async fn member_team_ids_during(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    days: (NaiveDate, NaiveDate),
) -> AppResult<Vec<Uuid>> {
    teams_of_people_during(c, org, &[user], days).await
}

/// The managers of these teams and of every team above them.
pub async fn managers_at_or_above(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<IdRow> = diesel::sql_query(
        "WITH RECURSIVE t(id, parent, manager) AS ( \
             SELECT id, parent_team_id, manager_id FROM teams WHERE org_id = $1 AND id = ANY($2) \
             UNION SELECT p.id, p.parent_team_id, p.manager_id FROM teams p JOIN t ON p.id = t.parent \
             WHERE p.org_id = $1 \
         ) SELECT DISTINCT manager AS id FROM t WHERE manager IS NOT NULL",
    )
    .bind::<sql_types::Uuid, _>(org)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(ids)
    .keep_prepared()
    .load(c).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The people who, on `day`, belong to a team `manager` manages or to one of its
/// sub-teams (not the teams the manager merely belongs to, nor people who have
/// moved away).
pub async fn managed_people(
    c: &mut AsyncPgConnection,
    org: Uuid,
    manager: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    let teams = managed_team_ids(c, org, manager).await?;
    Ok(team_members::table
        .filter(team_members::org_id.eq(org))
        .filter(team_members::team_id.eq_any(&teams))
        .filter(super::covering(day, day))
        .select(team_members::user_id)
        .distinct()
        .load(c)
        .await?)
}
