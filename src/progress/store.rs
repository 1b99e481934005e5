//! Queries for scorecards and milestones.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db::schema::{milestones, targets, team_members, users};
use crate::error::AppResult;

/// A membership of a team (or of one of its sub-teams), with the member's name.
#[derive(Debug, Clone, Queryable)]
pub struct Membership {
    pub user_id: Uuid,
    pub name: String,
    pub team_id: Uuid,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
}

impl Membership {
    /// Whether the membership covers `day`.
    pub fn on(&self, day: NaiveDate) -> bool {
        self.from_on <= day && self.to_on.is_none_or(|to| to >= day)
    }
}

/// The memberships of these teams that overlap `[from, to]`, by the member's
/// name.
pub async fn memberships_within(
    c: &mut AsyncPgConnection,
    org: Uuid,
    teams: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Membership>> {
    Ok(team_members::table
        .inner_join(
            users::table.on(users::org_id
                .eq(team_members::org_id)
                .and(users::id.eq(team_members::user_id))),
        )
        .filter(team_members::org_id.eq(org))
        .filter(team_members::team_id.eq_any(teams))
        .filter(team_members::from_on.le(to))
        .filter(
            team_members::to_on
                .is_null()
                .or(team_members::to_on.ge(from)),
        )
        .select((
            team_members::user_id,
            users::name,
            team_members::team_id,
            team_members::from_on,
            team_members::to_on,
        ))
        .order((users::name, team_members::user_id, team_members::from_on))
        .load(c)
        .await?)
}

/// The agreed targets (ids) that results on `[from, to]` in these rollup metrics, credited
/// to these people, may have taken to their value, and that have no milestone
/// yet: the people's own, every team's (membership is checked by measuring) and
/// the organisation's.
pub async fn milestone_candidates(
    c: &mut AsyncPgConnection,
    org: Uuid,
    people: &[Uuid],
    metrics: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    let money: Vec<&str> = metrics
        .iter()
        .map(String::as_str)
        .filter(|m| !m.starts_with("activity:"))
        .collect();
    let kinds: Vec<&str> = metrics
        .iter()
        .filter_map(|m| m.strip_prefix("activity:"))
        .collect();
    let reached = milestones::table
        .filter(milestones::org_id.eq(org))
        .filter(milestones::kind.eq("target_achieved"))
        .filter(milestones::target_id.eq(targets::id.nullable()))
        .select(milestones::id);
    Ok(targets::table
        .filter(targets::org_id.eq(org))
        .filter(targets::status.eq("agreed"))
        .filter(targets::starts_on.le(to).and(targets::ends_on.ge(from)))
        .filter(
            targets::metric.eq_any(money).or(targets::metric
                .eq("activities")
                .and(targets::activity_kind.eq_any(kinds))),
        )
        .filter(
            targets::subject_type
                .ne("user")
                .or(targets::subject_id.eq_any(people)),
        )
        .filter(diesel::dsl::not(diesel::dsl::exists(reached)))
        .select(targets::id)
        .load(c)
        .await?)
}

/// A milestone to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = milestones)]
pub struct NewMilestone {
    pub org_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub target_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub occurred_on: NaiveDate,
    pub title: String,
    pub value: Option<Decimal>,
    pub actual: Option<Decimal>,
}

/// Records a milestone unless the same one (a target reaching its value, a
/// prospect won) is already recorded.
pub async fn record_milestone(c: &mut AsyncPgConnection, m: &NewMilestone) -> AppResult<bool> {
    let n = diesel::insert_into(milestones::table)
        .values(m)
        .on_conflict_do_nothing()
        .execute(c)
        .await?;
    Ok(n > 0)
}

/// Deletes every row of organisation `org` from `milestones`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(milestones::table.filter(milestones::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
