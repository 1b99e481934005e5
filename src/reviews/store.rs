//! Queries for reviews, their items, and the successes feed.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db::schema::{milestones, review_items, reviews, targets, team_members, teams, users};
use crate::db::KeepPrepared;
use crate::db::Page;
use crate::error::{AppError, AppResult};
use crate::targets::rules::Visible;
use crate::targets::store::TargetRow;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reviews)]
pub struct ReviewRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub facilitator_id: Uuid,
    pub scheduled_for: NaiveDate,
    pub period: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: String,
    pub snapshot: Option<serde_json::Value>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<Uuid>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ReviewRow {
    /// Its place in the series of reviews of the same salesperson or team.
    pub fn key(&self) -> (NaiveDate, Uuid) {
        (self.scheduled_for, self.id)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = reviews)]
pub struct NewReview {
    pub org_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub facilitator_id: Uuid,
    pub scheduled_for: NaiveDate,
    pub period: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_by: Option<Uuid>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = reviews)]
pub struct ReviewChanges {
    pub scheduled_for: Option<NaiveDate>,
    pub facilitator_id: Option<Uuid>,
    pub period: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub status: Option<String>,
    pub snapshot: Option<Option<serde_json::Value>>,
    pub completed_at: Option<Option<DateTime<Utc>>>,
    pub completed_by: Option<Option<Uuid>>,
    pub cancelled_at: Option<Option<DateTime<Utc>>>,
    pub cancelled_by: Option<Option<Uuid>>,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = review_items)]
pub struct ItemRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub review_id: Uuid,
    pub item_type: String,
    pub text: String,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub size: Option<String>,
    pub status: Option<String>,
    pub target_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Uuid>,
    pub closed_in_review_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = review_items)]
pub struct NewItem {
    pub org_id: Uuid,
    pub id: Uuid,
    pub review_id: Uuid,
    pub item_type: String,
    pub text: String,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub size: Option<String>,
    pub status: Option<String>,
    pub target_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = review_items)]
pub struct ItemChanges {
    pub text: Option<String>,
    pub owner_id: Option<Option<Uuid>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub size: Option<Option<String>>,
    pub status: Option<Option<String>>,
    pub target_id: Option<Option<Uuid>>,
    pub account_id: Option<Option<Uuid>>,
    pub closed_at: Option<Option<DateTime<Utc>>>,
    pub closed_by: Option<Option<Uuid>>,
    pub closed_in_review_id: Option<Option<Uuid>>,
}

/// Whether the caller sees a review: everyone who reads the whole organisation;
/// otherwise the people and teams of `vis` (the same rule as for targets) and
/// the review's facilitator.
pub fn sees(vis: &Visible, me: Option<Uuid>, r: &ReviewRow) -> bool {
    vis.all
        || r.salesperson_id.is_some_and(|s| vis.users.contains(&s))
        || r.team_id.is_some_and(|t| vis.teams.contains(&t))
        || Some(r.facilitator_id) == me
}

pub async fn insert_review(c: &mut AsyncPgConnection, new: &NewReview) -> AppResult<ReviewRow> {
    Ok(diesel::insert_into(reviews::table)
        .values(new)
        .returning(ReviewRow::as_returning())
        .get_result(c)
        .await?)
}

pub async fn get_review(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    for_update: bool,
) -> AppResult<ReviewRow> {
    let q = reviews::table
        .find((org, id))
        .select(ReviewRow::as_select());
    let row = if for_update {
        q.for_update().first(c).await.optional()?
    } else {
        q.first(c).await.optional()?
    };
    row.ok_or_else(|| AppError::not_found("review"))
}

pub async fn update_review(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    changes: &ReviewChanges,
) -> AppResult<ReviewRow> {
    Ok(diesel::update(reviews::table.find((org, id)))
        .set((
            changes,
            reviews::version.eq(reviews::version + 1),
            reviews::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ReviewRow::as_returning())
        .get_result(c)
        .await?)
}

pub struct ListFilter {
    pub kind: Option<String>,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub status: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Reviews the caller sees, by day then id.
pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    vis: &Visible,
    me: Option<Uuid>,
    f: &ListFilter,
    page: &Page<(NaiveDate, Uuid)>,
) -> AppResult<Vec<ReviewRow>> {
    let mut q = reviews::table
        .filter(reviews::org_id.eq(org))
        .select(ReviewRow::as_select())
        .order((reviews::scheduled_for, reviews::id))
        .limit(page.limit + 1)
        .into_boxed();
    if !vis.all {
        q = q.filter(
            reviews::salesperson_id
                .eq_any(vis.users.clone())
                .or(reviews::team_id.eq_any(vis.teams.clone()))
                .or(reviews::facilitator_id.nullable().eq(me)),
        );
    }
    if let Some((day, id)) = page.after {
        q = q.filter(
            reviews::scheduled_for
                .gt(day)
                .or(reviews::scheduled_for.eq(day).and(reviews::id.gt(id))),
        );
    }
    if let Some(k) = &f.kind {
        q = q.filter(reviews::kind.eq(k.clone()));
    }
    if let Some(s) = f.salesperson_id {
        q = q.filter(reviews::salesperson_id.eq(s));
    }
    if let Some(t) = f.team_id {
        q = q.filter(reviews::team_id.eq(t));
    }
    if let Some(s) = &f.status {
        q = q.filter(reviews::status.eq(s.clone()));
    }
    if let Some(d) = f.from {
        q = q.filter(reviews::scheduled_for.ge(d));
    }
    if let Some(d) = f.to {
        q = q.filter(reviews::scheduled_for.le(d));
    }
    Ok(q.load(c).await?)
}

pub async fn insert_item(c: &mut AsyncPgConnection, new: &NewItem) -> AppResult<ItemRow> {
    Ok(diesel::insert_into(review_items::table)
        .values(new)
        .returning(ItemRow::as_returning())
        .get_result(c)
        .await?)
}

pub async fn get_item(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<ItemRow> {
    review_items::table
        .find((org, id))
        .select(ItemRow::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("item"))
}

pub async fn update_item(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    changes: &ItemChanges,
) -> AppResult<ItemRow> {
    Ok(diesel::update(review_items::table.find((org, id)))
        .set((
            changes,
            review_items::version.eq(review_items::version + 1),
            review_items::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ItemRow::as_returning())
        .get_result(c)
        .await?)
}

/// The items recorded in a review, oldest first.
pub async fn items_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    review: Uuid,
) -> AppResult<Vec<ItemRow>> {
    Ok(review_items::table
        .filter(review_items::org_id.eq(org))
        .filter(review_items::review_id.eq(review))
        .select(ItemRow::as_select())
        .order(review_items::id)
        .load(c)
        .await?)
}

/// Items of the reviews before `r` in its series (the same salesperson's
/// one-to-ones, or the same team's reviews) that match `status` and `types`,
/// with the day of the review they were recorded in; `since` keeps those of
/// reviews on or after that day. Oldest first.
async fn series_items(
    c: &mut AsyncPgConnection,
    r: &ReviewRow,
    types: &[&str],
    review_status: &[&str],
    open_only: bool,
    since: Option<NaiveDate>,
) -> AppResult<Vec<(ItemRow, NaiveDate)>> {
    let mut q = review_items::table
        .inner_join(
            reviews::table.on(reviews::org_id
                .eq(review_items::org_id)
                .and(reviews::id.eq(review_items::review_id))),
        )
        .filter(review_items::org_id.eq(r.org_id))
        .filter(review_items::item_type.eq_any(types.to_vec()))
        .filter(reviews::status.eq_any(review_status.to_vec()))
        .filter(reviews::kind.eq(r.kind.clone()))
        .filter(
            reviews::scheduled_for
                .lt(r.scheduled_for)
                .or(reviews::scheduled_for
                    .eq(r.scheduled_for)
                    .and(reviews::id.lt(r.id))),
        )
        .select((ItemRow::as_select(), reviews::scheduled_for))
        .order((reviews::scheduled_for, review_items::id))
        .into_boxed();
    q = match (r.salesperson_id, r.team_id) {
        (Some(s), _) => q.filter(reviews::salesperson_id.eq(s)),
        (None, Some(t)) => q.filter(reviews::team_id.eq(t)),
        (None, None) => return Ok(Vec::new()),
    };
    if open_only {
        q = q.filter(review_items::status.eq("open"));
    }
    if let Some(d) = since {
        q = q.filter(reviews::scheduled_for.ge(d));
    }
    Ok(q.load(c).await?)
}

/// Actions and hurdles still open from the completed reviews before `r` in its series.
pub async fn carried(c: &mut AsyncPgConnection, r: &ReviewRow) -> AppResult<Vec<ItemRow>> {
    Ok(
        series_items(c, r, &["action", "hurdle"], &["completed"], true, None)
            .await?
            .into_iter()
            .map(|(i, _)| i)
            .collect(),
    )
}

/// Successes recorded in the reviews before `r` in its series, on or after `since`.
pub async fn series_successes(
    c: &mut AsyncPgConnection,
    r: &ReviewRow,
    since: NaiveDate,
) -> AppResult<Vec<(ItemRow, NaiveDate)>> {
    series_items(
        c,
        r,
        &["success"],
        &["scheduled", "completed"],
        false,
        Some(since),
    )
    .await
}

/// Whether an item's review lies before `r` in the same series and was completed:
/// then `r` shows the item while it is open, and may close it.
pub fn in_earlier_completed(r: &ReviewRow, item_review: &ReviewRow) -> bool {
    item_review.status == "completed"
        && item_review.kind == r.kind
        && item_review.salesperson_id == r.salesperson_id
        && item_review.team_id == r.team_id
        && crate::reviews::rules::is_before(item_review.key(), r.key())
}

/// The day of the last completed review before `r` in its series.
pub async fn last_completed_day(
    c: &mut AsyncPgConnection,
    r: &ReviewRow,
) -> AppResult<Option<NaiveDate>> {
    let mut q = reviews::table
        .filter(reviews::org_id.eq(r.org_id))
        .filter(reviews::status.eq("completed"))
        .filter(reviews::kind.eq(r.kind.clone()))
        .filter(
            reviews::scheduled_for
                .lt(r.scheduled_for)
                .or(reviews::scheduled_for
                    .eq(r.scheduled_for)
                    .and(reviews::id.lt(r.id))),
        )
        .select(reviews::scheduled_for)
        .order(reviews::scheduled_for.desc())
        .into_boxed();
    q = match (r.salesperson_id, r.team_id) {
        (Some(s), _) => q.filter(reviews::salesperson_id.eq(s)),
        (None, Some(t)) => q.filter(reviews::team_id.eq(t)),
        (None, None) => return Ok(None),
    };
    Ok(q.first(c).await.optional()?)
}

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

/// The agreed targets of a person or team whose days overlap `[from, to]`, by start then id.
pub async fn agreed_targets(
    c: &mut AsyncPgConnection,
    org: Uuid,
    subject: (&str, Uuid),
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<TargetRow>> {
    Ok(targets::table
        .filter(targets::org_id.eq(org))
        .filter(targets::subject_type.eq(subject.0))
        .filter(targets::subject_id.eq(subject.1))
        .filter(targets::status.eq("agreed"))
        .filter(targets::starts_on.le(to).and(targets::ends_on.ge(from)))
        .select(TargetRow::as_select())
        .order((targets::starts_on, targets::id))
        .load(c)
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
    pub source: String,
    #[diesel(sql_type = sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = sql_types::Date)]
    pub occurred_on: NaiveDate,
    #[diesel(sql_type = sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub size: Option<String>,
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
pub async fn feed(
    c: &mut AsyncPgConnection,
    org: Uuid,
    vis: &Visible,
    me: Option<Uuid>,
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
                  r.scheduled_for AS occurred_on, i.text AS title, i.size, \
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
    .bind::<sql_types::Bool, _>(vis.all)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(&vis.users)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(&vis.teams)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(me)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(since)
    .bind::<sql_types::Nullable<sql_types::Array<sql_types::Uuid>>, _>(teams)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(after_day)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(after_id)
    .bind::<sql_types::BigInt, _>(page.limit + 1)
    .keep_prepared()
    .load(c)
    .await?)
}
