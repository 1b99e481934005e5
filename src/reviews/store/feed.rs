//! The successes feed and the milestones it shows, and the names and team
//! members an agenda shows.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db::schema::{milestones, team_members, teams, users};
use crate::db::KeepPrepared;
use crate::db::Page;
use crate::error::AppResult;
use crate::reviews::rules::{Seen, Size, Source};

/// The people who belong to `team` (directly) on `day`.
pub async fn members_on(
    c: &mut AsyncPgConnection,
    org: Uuid,
    team: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    Ok(team_members::table
        .filter(team_members::org_id.eq(org))
        .filter(team_members::team_id.eq(team))
        .filter(team_members::from_on.le(day))
        .filter(
            team_members::to_on
                .is_null()
                .or(team_members::to_on.ge(day)),
        )
        .select(team_members::user_id)
        .distinct()
        .order(team_members::user_id)
        .load(c)
        .await?)
}

/// Names of people, by id.
pub async fn user_names(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<(Uuid, String)>> {
    Ok(users::table
        .filter(users::org_id.eq(org))
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(c)
        .await?)
}

pub async fn team_name(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<String> {
    Ok(teams::table
        .find((org, id))
        .select(teams::name)
        .first(c)
        .await?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = milestones)]
pub struct MilestoneRow {
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

/// Milestones of these people and of `team`, on or after `since`, oldest first.
pub async fn milestones_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    people: &[Uuid],
    team: Option<Uuid>,
    since: NaiveDate,
) -> AppResult<Vec<MilestoneRow>> {
    Ok(milestones::table
        .filter(milestones::org_id.eq(org))
        .filter(milestones::occurred_on.ge(since))
        .filter(
            milestones::user_id
                .eq_any(people)
                .or(milestones::team_id.eq(team)),
        )
        .select(MilestoneRow::as_select())
        .order((milestones::occurred_on, milestones::id))
        .load(c)
        .await?)
}

/// One entry of the successes feed: a success recorded in a review, or a milestone.
#[derive(Debug, Clone, QueryableByName)]
pub struct FeedRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub source: Source,
    #[diesel(sql_type = sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = sql_types::Date)]
    pub occurred_on: NaiveDate,
    #[diesel(sql_type = sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub size: Option<Size>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub user_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub team_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub target_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub account_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub review_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Numeric>)]
    pub value: Option<Decimal>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Numeric>)]
    pub actual: Option<Decimal>,
}

/// The successes feed, newest first: success items of the reviews the caller
/// sees (not cancelled ones), and the milestones of the people and teams whose
/// targets the caller sees. `teams` keeps what concerns those teams: their own
/// entries, and those of the people who belonged to one of them on the day.
/// A success recorded in a review occurred on the organisation's day (in
/// `tz`) of the review.
pub async fn feed(
    c: &mut AsyncPgConnection,
    org: Uuid,
    tz: &str,
    seen: &Seen,
    teams: Option<Vec<Uuid>>,
    since: Option<NaiveDate>,
    page: &Page<(NaiveDate, Uuid)>,
) -> AppResult<Vec<FeedRow>> {
    let (after_day, after_id) = match page.after {
        Some((d, id)) => (Some(d), Some(id)),
        None => (None, None),
    };
    Ok(diesel::sql_query(
        "SELECT s.* FROM ( \
           SELECT i.id, 'review'::text AS source, 'success'::text AS kind, \
                  (r.scheduled_for AT TIME ZONE $11)::date AS occurred_on, \
                  i.text AS title, i.size, \
                  i.owner_id AS user_id, r.team_id, i.target_id, i.account_id, \
                  i.review_id, NULL::numeric AS value, NULL::numeric AS actual \
             FROM review_items i JOIN reviews r ON r.org_id = i.org_id AND r.id = i.review_id \
            WHERE i.org_id = $1 AND i.type = 'success' AND r.status <> 'cancelled' \
              AND ($2 OR r.salesperson_id = ANY($3) OR r.team_id = ANY($4) \
                   OR r.facilitator_id = $5) \
           UNION ALL \
           SELECT m.id, 'milestone'::text, m.kind, m.occurred_on, m.title, NULL::text, \
                  m.user_id, m.team_id, m.target_id, m.account_id, NULL::uuid, \
                  m.value, m.actual \
             FROM milestones m \
            WHERE m.org_id = $1 \
              AND ($2 OR m.user_id = ANY($3) OR m.team_id = ANY($4) \
                   OR (m.user_id IS NULL AND m.team_id IS NULL)) \
         ) s \
         WHERE ($6::date IS NULL OR s.occurred_on >= $6) \
           AND ($7::uuid[] IS NULL OR s.team_id = ANY($7) OR EXISTS ( \
                 SELECT 1 FROM team_members tm \
                  WHERE tm.org_id = $1 AND tm.user_id = s.user_id AND tm.team_id = ANY($7) \
                    AND tm.from_on <= s.occurred_on \
                    AND (tm.to_on IS NULL OR tm.to_on >= s.occurred_on))) \
           AND ($8::date IS NULL OR (s.occurred_on, s.id) < ($8, $9)) \
         ORDER BY s.occurred_on DESC, s.id DESC \
         LIMIT $10",
    )
    .bind::<sql_types::Uuid, _>(org)
    .bind::<sql_types::Bool, _>(seen.all)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(&seen.users)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(&seen.teams)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(seen.me)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(since)
    .bind::<sql_types::Nullable<sql_types::Array<sql_types::Uuid>>, _>(teams)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(after_day)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(after_id)
    .bind::<sql_types::BigInt, _>(page.limit + 1)
    .bind::<sql_types::Text, _>(tz)
    .keep_prepared()
    .load(c)
    .await?)
}
