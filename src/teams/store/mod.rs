//! Queries for teams, the team tree and dated membership: the teams' own rows
//! here, the walks of the tree in [`tree`], memberships in [`members`].

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::schema::{team_members, teams};
use crate::db::KeepPrepared;
use crate::db::Page;
use crate::error::{AppError, AppResult};

mod members;
mod tree;

pub use members::*;
pub use tree::*;

/// Memberships that cover at least one day from `from` to `to` (a single day
/// when both are the same).
#[diesel::dsl::auto_type]
fn covering(from: NaiveDate, to: NaiveDate) -> _ {
    team_members::from_on.le(to).and(
        team_members::to_on
            .is_null()
            .or(team_members::to_on.ge(from)),
    )
}

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

#[derive(Debug, Default, PartialEq, AsChangeset)]
#[diesel(table_name = teams)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub manager_id: Option<Option<Uuid>>,
    pub parent_team_id: Option<Option<Uuid>>,
}

impl crate::db::Changes for TeamChanges {}

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
