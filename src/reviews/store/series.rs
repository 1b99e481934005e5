//! A review's series: the same salesperson's one-to-ones, or the same team's
//! reviews, and what the reviews before it left open or recorded.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;

use super::{ItemRow, ReviewRow};
use crate::db::schema::{review_items, reviews};
use crate::error::AppResult;
use crate::reviews::rules::{ItemStatus, ItemType, Status};

/// Items of the reviews before `r` in its series (the same salesperson's
/// one-to-ones, or the same team's reviews) that match `status` and `types`,
/// with the instant of the review they were recorded in; `since` keeps those
/// of reviews held at or after that instant. Oldest first.
async fn series_items(
    c: &mut AsyncPgConnection,
    r: &ReviewRow,
    types: &[ItemType],
    review_status: &[Status],
    open_only: bool,
    since: Option<DateTime<Utc>>,
) -> AppResult<Vec<(ItemRow, DateTime<Utc>)>> {
    let mut q = review_items::table
        .inner_join(
            reviews::table.on(reviews::org_id
                .eq(review_items::org_id)
                .and(reviews::id.eq(review_items::review_id))),
        )
        .filter(review_items::org_id.eq(r.org_id))
        .filter(review_items::item_type.eq_any(types.to_vec()))
        .filter(reviews::status.eq_any(review_status.to_vec()))
        .filter(reviews::kind.eq(r.kind))
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
        q = q.filter(review_items::status.eq(ItemStatus::Open));
    }
    if let Some(d) = since {
        q = q.filter(reviews::scheduled_for.ge(d));
    }
    Ok(q.load(c).await?)
}

/// Actions and hurdles still open from the completed reviews before `r` in its series.
pub async fn carried(c: &mut AsyncPgConnection, r: &ReviewRow) -> AppResult<Vec<ItemRow>> {
    Ok(series_items(
        c,
        r,
        &[ItemType::Action, ItemType::Hurdle],
        &[Status::Completed],
        true,
        None,
    )
    .await?
    .into_iter()
    .map(|(i, _)| i)
    .collect())
}

/// Successes recorded in the reviews before `r` in its series, held at or after `since`.
pub async fn series_successes(
    c: &mut AsyncPgConnection,
    r: &ReviewRow,
    since: DateTime<Utc>,
) -> AppResult<Vec<(ItemRow, DateTime<Utc>)>> {
    series_items(
        c,
        r,
        &[ItemType::Success],
        &[Status::Scheduled, Status::Completed],
        false,
        Some(since),
    )
    .await
}

/// When the last completed review before `r` in its series was held.
pub async fn last_completed(
    c: &mut AsyncPgConnection,
    r: &ReviewRow,
) -> AppResult<Option<DateTime<Utc>>> {
    let mut q = reviews::table
        .filter(reviews::org_id.eq(r.org_id))
        .filter(reviews::status.eq(Status::Completed))
        .filter(reviews::kind.eq(r.kind))
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
