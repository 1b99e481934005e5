//! Queries for reviews and their items; the series of a review in `series`,
//! the successes feed in `feed`.

mod feed;
mod series;

pub use feed::{feed, members_on, milestones_of, team_name, user_names, FeedRow, MilestoneRow};
pub use series::{carried, last_completed, series_successes};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::rules::{ItemStatus, ItemType, Kind, Seen, Series, Size, Source, Status, SubjectType};
use crate::db::schema::{review_items, reviews};
use crate::db::Page;
use crate::error::{AppError, AppResult};

crate::db::text_enum!(
    Kind,
    Status,
    ItemType,
    Size,
    ItemStatus,
    SubjectType,
    Source
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reviews)]
pub struct ReviewRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub kind: Kind,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub facilitator_id: Uuid,
    pub scheduled_for: DateTime<Utc>,
    pub period: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: Status,
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
    pub fn key(&self) -> (DateTime<Utc>, Uuid) {
        (self.scheduled_for, self.id)
    }

    /// Its series (kind and subject) and its place in it.
    pub fn series(&self) -> Series {
        Series {
            kind: self.kind,
            salesperson_id: self.salesperson_id,
            team_id: self.team_id,
            key: self.key(),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = reviews)]
pub struct NewReview {
    pub org_id: Uuid,
    pub id: Uuid,
    pub kind: Kind,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub facilitator_id: Uuid,
    pub scheduled_for: DateTime<Utc>,
    pub period: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_by: Option<Uuid>,
}

#[derive(Debug, Default, PartialEq, AsChangeset)]
#[diesel(table_name = reviews)]
pub struct ReviewChanges {
    pub scheduled_for: Option<DateTime<Utc>>,
    pub facilitator_id: Option<Uuid>,
    pub period: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub status: Option<Status>,
    pub snapshot: Option<Option<serde_json::Value>>,
    pub completed_at: Option<Option<DateTime<Utc>>>,
    pub completed_by: Option<Option<Uuid>>,
    pub cancelled_at: Option<Option<DateTime<Utc>>>,
    pub cancelled_by: Option<Option<Uuid>>,
}

impl crate::db::Changes for ReviewChanges {}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = review_items)]
pub struct ItemRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub review_id: Uuid,
    pub item_type: ItemType,
    pub text: String,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub size: Option<Size>,
    pub status: Option<ItemStatus>,
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
    pub item_type: ItemType,
    pub text: String,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub size: Option<Size>,
    pub status: Option<ItemStatus>,
    pub target_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
}

#[derive(Debug, Default, PartialEq, AsChangeset)]
#[diesel(table_name = review_items)]
pub struct ItemChanges {
    pub text: Option<String>,
    pub owner_id: Option<Option<Uuid>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub size: Option<Option<Size>>,
    pub status: Option<Option<ItemStatus>>,
    pub target_id: Option<Option<Uuid>>,
    pub account_id: Option<Option<Uuid>>,
    pub closed_at: Option<Option<DateTime<Utc>>>,
    pub closed_by: Option<Option<Uuid>>,
    pub closed_in_review_id: Option<Option<Uuid>>,
}

impl crate::db::Changes for ItemChanges {}

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
    pub kind: Option<Kind>,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub status: Option<Status>,
    /// Held at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Held before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// Reviews the caller sees, by the instant they are held, then id.
pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    seen: &Seen,
    f: &ListFilter,
    page: &Page<(DateTime<Utc>, Uuid)>,
) -> AppResult<Vec<ReviewRow>> {
    let mut q = reviews::table
        .filter(reviews::org_id.eq(org))
        .select(ReviewRow::as_select())
        .order((reviews::scheduled_for, reviews::id))
        .limit(page.limit + 1)
        .into_boxed();
    if !seen.all {
        q = q.filter(
            reviews::salesperson_id
                .eq_any(seen.users.clone())
                .or(reviews::team_id.eq_any(seen.teams.clone()))
                .or(reviews::facilitator_id.nullable().eq(seen.me)),
        );
    }
    if let Some((at, id)) = page.after {
        q = q.filter(
            reviews::scheduled_for
                .gt(at)
                .or(reviews::scheduled_for.eq(at).and(reviews::id.gt(id))),
        );
    }
    if let Some(k) = f.kind {
        q = q.filter(reviews::kind.eq(k));
    }
    if let Some(s) = f.salesperson_id {
        q = q.filter(reviews::salesperson_id.eq(s));
    }
    if let Some(t) = f.team_id {
        q = q.filter(reviews::team_id.eq(t));
    }
    if let Some(s) = f.status {
        q = q.filter(reviews::status.eq(s));
    }
    if let Some(t) = f.from {
        q = q.filter(reviews::scheduled_for.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(reviews::scheduled_for.lt(t));
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

/// Deletes every row of organisation `org` from `review_items`, `reviews`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(review_items::table.filter(review_items::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(reviews::table.filter(reviews::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
