//! Dated membership of teams.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::schema::{team_members, teams, users};
use crate::db::Page;
use crate::error::{AppError, AppResult};
use crate::teams::rules::{Span, TeamError};

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

/// A membership with the person's name (read from [`named`]).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = team_members)]
pub struct MemberRow {
    pub team_id: Uuid,
    pub user_id: Uuid,
    #[diesel(select_expression = users::name)]
    pub name: String,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
}

/// Memberships joined to the people they are of.
#[diesel::dsl::auto_type]
fn named() -> _ {
    team_members::table.inner_join(
        users::table.on(users::org_id
            .eq(team_members::org_id)
            .and(users::id.eq(team_members::user_id))),
    )
}

/// Memberships of a team, by start day then person; `as_of` keeps those covering that day.
pub async fn members(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    as_of: Option<NaiveDate>,
    page: &Page<(NaiveDate, Uuid)>,
) -> AppResult<Vec<MemberRow>> {
    let mut q = named()
        .filter(
            team_members::org_id
                .eq(org)
                .and(team_members::team_id.eq(team)),
        )
        .select(MemberRow::as_select())
        .order((team_members::from_on, team_members::user_id))
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(day) = as_of {
        q = q.filter(super::covering(day, day));
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
    Ok(named()
        .filter(
            team_members::org_id
                .eq(org)
                .and(team_members::team_id.eq(team))
                .and(team_members::user_id.eq(user))
                .and(team_members::from_on.eq(from)),
        )
        .select(MemberRow::as_select())
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
        .filter(super::covering(today, today))
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
