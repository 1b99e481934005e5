//! Queries for teams, the team tree and dated membership.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::rules::{Span, TeamError};
use crate::db::schema::{team_members, teams, users};
use crate::db::KeepPrepared;
use crate::db::Page;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub manager_id: Option<Uuid>,
    pub parent_team_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = teams)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub manager_id: Option<Option<Uuid>>,
    pub parent_team_id: Option<Option<Uuid>>,
}

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
        .filter(team_members::from_on.le(to))
        .filter(
            team_members::to_on
                .is_null()
                .or(team_members::to_on.ge(from)),
        )
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
    (from, to): (NaiveDate, NaiveDate),
) -> AppResult<Vec<Uuid>> {
    Ok(team_members::table
        .filter(
            team_members::org_id
                .eq(org)
                .and(team_members::user_id.eq(user)),
        )
        .filter(team_members::from_on.le(to))
        .filter(
            team_members::to_on
                .is_null()
                .or(team_members::to_on.ge(from)),
        )
        .select(team_members::team_id)
        .distinct()
        .load(c)
        .await?)
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

/// Serialises changes to the shape of an organisation's team tree (a new parent,
/// a deleted team) for the rest of the transaction. Call it first, before any row
/// lock: two re-parentings that each lock their own team and then need a key lock
/// on the other's would otherwise deadlock (a 500), and a team deleted while a
/// child is attached to it would break the foreign key.
pub async fn lock_tree(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(727275, hashtext($1::text))")
        .bind::<sql_types::Uuid, _>(org)
        .keep_prepared()
        .execute(c)
        .await?;
    Ok(())
}

pub async fn get(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<TeamRow> {
    teams::table
        .find((org, id))
        .select(TeamRow::as_select())
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("team"))
}

/// Holds the team against deletion for the rest of the transaction (its members are
/// changing). Taken before the members' rows, in the same order as a deletion
/// takes them (team, then memberships), so that the two cannot deadlock.
pub async fn share(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<TeamRow> {
    teams::table
        .find((org, id))
        .select(TeamRow::as_select())
        .for_key_share()
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("team"))
}

pub async fn lock(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<TeamRow> {
    teams::table
        .find((org, id))
        .select(TeamRow::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("team"))
}

pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    visible: Option<Vec<Uuid>>,
    parent: Option<Uuid>,
    page: &Page<Uuid>,
) -> AppResult<Vec<TeamRow>> {
    let mut q = teams::table
        .filter(teams::org_id.eq(org))
        .select(TeamRow::as_select())
        .order(teams::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(ids) = visible {
        q = q.filter(teams::id.eq_any(ids));
    }
    if let Some(parent) = parent {
        q = q.filter(teams::parent_team_id.eq(parent));
    }
    if let Some(after) = page.after {
        q = q.filter(teams::id.gt(after));
    }
    Ok(q.load(c).await?)
}

pub async fn insert(
    c: &mut AsyncPgConnection,
    org: Uuid,
    name: &str,
    manager: Option<Uuid>,
    parent: Option<Uuid>,
) -> AppResult<TeamRow> {
    Ok(diesel::insert_into(teams::table)
        .values((
            teams::org_id.eq(org),
            teams::id.eq(Uuid::now_v7()),
            teams::name.eq(name),
            teams::manager_id.eq(manager),
            teams::parent_team_id.eq(parent),
        ))
        .returning(TeamRow::as_returning())
        .get_result(c)
        .await?)
}

pub async fn update(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    changes: &TeamChanges,
) -> AppResult<TeamRow> {
    Ok(diesel::update(teams::table.find((org, id)))
        .set((
            changes,
            teams::version.eq(teams::version + 1),
            teams::updated_at.eq(diesel::dsl::now),
        ))
        .returning(TeamRow::as_returning())
        .get_result(c)
        .await?)
}

pub async fn has_children(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        teams::table.filter(teams::org_id.eq(org).and(teams::parent_team_id.eq(id))),
    ))
    .get_result(c)
    .await?)
}

pub async fn has_targets(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<bool> {
    use crate::db::schema::targets;
    Ok(diesel::select(diesel::dsl::exists(
        targets::table
            .filter(targets::org_id.eq(org))
            .filter(targets::subject_type.eq("team"))
            .filter(targets::subject_id.eq(id)),
    ))
    .get_result(c)
    .await?)
}

pub async fn delete(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<()> {
    diesel::delete(teams::table.find((org, id)))
        .execute(c)
        .await?;
    Ok(())
}

/// The people who belong or belonged to any of these teams.
pub async fn member_ids(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team_ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    Ok(team_members::table
        .filter(team_members::org_id.eq(org))
        .filter(team_members::team_id.eq_any(team_ids))
        .select(team_members::user_id)
        .distinct()
        .load(c)
        .await?)
}

#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub team_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
}

/// Memberships of a team, by start day then person; `as_of` keeps those covering that day.
pub async fn members(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    as_of: Option<NaiveDate>,
    page: &Page<(NaiveDate, Uuid)>,
) -> AppResult<Vec<MemberRow>> {
    let mut q = team_members::table
        .inner_join(
            users::table.on(users::org_id
                .eq(team_members::org_id)
                .and(users::id.eq(team_members::user_id))),
        )
        .filter(
            team_members::org_id
                .eq(org)
                .and(team_members::team_id.eq(team)),
        )
        .select((
            team_members::team_id,
            team_members::user_id,
            users::name,
            team_members::from_on,
            team_members::to_on,
        ))
        .order((team_members::from_on, team_members::user_id))
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(day) = as_of {
        q = q.filter(
            team_members::from_on.le(day).and(
                team_members::to_on
                    .is_null()
                    .or(team_members::to_on.ge(day)),
            ),
        );
    }
    if let Some((from, user)) = page.after {
        q = q.filter(
            team_members::from_on.gt(from).or(team_members::from_on
                .eq(from)
                .and(team_members::user_id.gt(user))),
        );
    }
    Ok(q.load(c).await?)
}

/// One membership, by its key.
pub async fn membership(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    user: Uuid,
    from: NaiveDate,
) -> AppResult<Option<MemberRow>> {
    Ok(team_members::table
        .find((org, team, user, from))
        .inner_join(
            users::table.on(users::org_id
                .eq(team_members::org_id)
                .and(users::id.eq(team_members::user_id))),
        )
        .select((
            team_members::team_id,
            team_members::user_id,
            users::name,
            team_members::from_on,
            team_members::to_on,
        ))
        .first(c)
        .await
        .optional()?)
}

/// Every membership of a person, locked for a change.
pub async fn spans(c: &mut AsyncPgConnection, org: Uuid, user: Uuid) -> AppResult<Vec<Span>> {
    let rows: Vec<(Uuid, NaiveDate, Option<NaiveDate>)> = team_members::table
        .filter(
            team_members::org_id
                .eq(org)
                .and(team_members::user_id.eq(user)),
        )
        .select((
            team_members::team_id,
            team_members::from_on,
            team_members::to_on,
        ))
        .order(team_members::from_on)
        .for_update()
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(team_id, from, to)| Span { team_id, from, to })
        .collect())
}

pub async fn end_membership(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    user: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<()> {
    diesel::update(team_members::table.find((org, team, user, from)))
        .set(team_members::to_on.eq(Some(to)))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn delete_membership(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    user: Uuid,
    from: NaiveDate,
) -> AppResult<()> {
    diesel::delete(team_members::table.find((org, team, user, from)))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn insert_membership(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    user: Uuid,
    from: NaiveDate,
) -> AppResult<()> {
    diesel::insert_into(team_members::table)
        .values((
            team_members::org_id.eq(org),
            team_members::team_id.eq(team),
            team_members::user_id.eq(user),
            team_members::from_on.eq(from),
        ))
        .execute(c)
        .await
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ExclusionViolation
                | diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => overlap(),
            e => e.into(),
        })?;
    Ok(())
}

pub fn overlap() -> AppError {
    TeamError::Overlap.into()
}

/// A team the person belongs to today, or manages.
pub struct MyTeamRow {
    pub id: Uuid,
    pub name: String,
    pub relation: &'static str,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

pub async fn my_teams(
    c: &mut AsyncPgConnection,
    org: Uuid,
    user: Uuid,
    today: NaiveDate,
) -> AppResult<Vec<MyTeamRow>> {
    let member: Vec<(Uuid, String, NaiveDate, Option<NaiveDate>)> = team_members::table
        .inner_join(
            teams::table.on(teams::org_id
                .eq(team_members::org_id)
                .and(teams::id.eq(team_members::team_id))),
        )
        .filter(
            team_members::org_id
                .eq(org)
                .and(team_members::user_id.eq(user)),
        )
        .filter(team_members::from_on.le(today))
        .filter(
            team_members::to_on
                .is_null()
                .or(team_members::to_on.ge(today)),
        )
        .select((
            teams::id,
            teams::name,
            team_members::from_on,
            team_members::to_on,
        ))
        .load(c)
        .await?;
    let managed: Vec<(Uuid, String)> = teams::table
        .filter(teams::org_id.eq(org).and(teams::manager_id.eq(user)))
        .select((teams::id, teams::name))
        .order(teams::id)
        .load(c)
        .await?;
    let mut out: Vec<MyTeamRow> = member
        .into_iter()
        .map(|(id, name, from, to)| MyTeamRow {
            id,
            name,
            relation: "member",
            from: Some(from),
            to,
        })
        .collect();
    out.extend(managed.into_iter().map(|(id, name)| MyTeamRow {
        id,
        name,
        relation: "manager",
        from: None,
        to: None,
    }));
    Ok(out)
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
        .filter(team_members::from_on.le(day))
        .filter(
            team_members::to_on
                .is_null()
                .or(team_members::to_on.ge(day)),
        )
        .select(team_members::user_id)
        .distinct()
        .load(c)
        .await?)
}

/// Deletes every row of organisation `org` from `team_members`, `teams`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(team_members::table.filter(team_members::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(teams::table.filter(teams::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
