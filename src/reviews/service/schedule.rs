//! Scheduling a review, reading it, and its steps: rescheduling, completing
//! (its agenda frozen), cancelling.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::dto::{CreateReview, PatchReview, ReviewQuery};
use super::super::rules::{self, Kind, Status, SubjectType};
use super::super::store::{self, ListFilter, NewReview, ReviewChanges, ReviewRow};
use super::{capacity, check_facilitator, period_of, seen, visible_review};
use crate::auth::{Principal, Role};
use crate::db::{self, Changes, Page, PgPool};
use crate::error::{AppError, AppResult};
use crate::events::data::ReviewData;
use crate::events::dispatch::publish;
use crate::events::{Event, Outbox};
use crate::http::check_if_match;
use crate::org::context::OrgContext;
use crate::targets::service::for_reviews as targets;
use crate::teams::service::for_reviews as teams;
use crate::validation::{FieldError, Validator};

/// Reviews the caller sees, by when they are held. A day in `from` or `to`
/// is the organisation's day: `to=2026-12-03` keeps a meeting at 23:30 that
/// evening, local time.
pub async fn list(
    pool: &PgPool,
    p: Principal,
    q: ReviewQuery,
    page: Page<(DateTime<Utc>, Uuid)>,
) -> AppResult<Vec<ReviewRow>> {
    p.require_reader()?;
    db::run(pool, async move |c| {
        let ctx = OrgContext::for_read(c, &p).await?;
        let f = ListFilter {
            kind: q.kind,
            salesperson_id: q.salesperson_id,
            team_id: q.team_id,
            status: q.status,
            from: q.from.map(|w| w.start(ctx.tz)),
            until: q.to.map(|w| w.end(ctx.tz)),
        };
        let seen = seen(c, &p).await?;
        store::list(c, p.org_id, &seen, &f, &page).await
    })
    .await
}

/// Schedule a review: managers for the people and teams they manage, admins for anyone.
pub async fn schedule(pool: &PgPool, p: Principal, b: CreateReview) -> AppResult<ReviewRow> {
    let (_, role) = p.require_user()?;
    rules::may_schedule(matches!(role, Role::Admin | Role::Manager))?;
    db::tx(pool, async move |c| schedule_on(c, &p, b).await).await
}

/// [`schedule`] in the caller's transaction.
pub async fn schedule_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    b: CreateReview,
) -> AppResult<ReviewRow> {
    let (me, role) = p.require_user()?;
    rules::may_schedule(matches!(role, Role::Admin | Role::Manager))?;
    let ctx = OrgContext::load(c, p.org_id).await?;
    let mut v = Validator::new();
    rules::check_subject(&mut v, b.kind, b.salesperson_id, b.team_id);
    let period = period_of(&mut v, &ctx, &b.period);
    if let (Kind::OneToOne, Some(s)) = (b.kind, b.salesperson_id) {
        match crate::users::service::read::person(c, p.org_id, s).await? {
            None => v.push(FieldError::new(
                "salesperson_id",
                "subject_not_found",
                "no such person in this organisation",
            )),
            Some((_, false)) => v.push(FieldError::new(
                "salesperson_id",
                "subject_inactive",
                "this person is deactivated",
            )),
            Some((role, true)) if role != Role::Salesperson => v.push(FieldError::new(
                "salesperson_id",
                "not_a_salesperson",
                "a one-to-one is held with a salesperson",
            )),
            Some(_) => {}
        }
    }
    if let (Kind::Team, Some(t)) = (b.kind, b.team_id) {
        if !teams::exists(c, p.org_id, t).await? {
            v.push(FieldError::new(
                "team_id",
                "subject_not_found",
                "no such team in this organisation",
            ));
        }
    }
    let facilitator = b.facilitator_id.unwrap_or(me);
    check_facilitator(c, &mut v, p.org_id, facilitator).await?;
    v.finish()?;
    let (kind, id) = match b.kind {
        Kind::OneToOne => (SubjectType::User, b.salesperson_id),
        Kind::Team => (SubjectType::Team, b.team_id),
    };
    rules::may_schedule(targets::can_set(c, p, kind.as_str(), id).await?)?;
    let period = period.expect("checked above");
    let row = store::insert_review(
        c,
        &NewReview {
            org_id: p.org_id,
            id: Uuid::now_v7(),
            kind: b.kind,
            salesperson_id: b.salesperson_id,
            team_id: b.team_id,
            facilitator_id: facilitator,
            scheduled_for: b.scheduled_for.start(ctx.tz),
            period: period.key,
            starts_on: period.starts_on,
            ends_on: period.ends_on,
            created_by: Some(me),
        },
    )
    .await?;
    announce(
        c,
        Event::ReviewScheduled {
            org: row.org_id,
            data: review_data(&row),
        },
    )
    .await?;
    Ok(row)
}

/// A review as its events tell of it.
fn review_data(r: &ReviewRow) -> ReviewData {
    ReviewData {
        review_id: r.id,
        kind: r.kind.as_str().to_string(),
        salesperson_id: r.salesperson_id,
        team_id: r.team_id,
        facilitator_id: r.facilitator_id,
        period: r.period.clone(),
        scheduled_for: r.scheduled_for,
        completed_at: r.completed_at,
        completed_by: r.completed_by,
    }
}

/// Publishes `event` in the caller's transaction.
async fn announce(c: &mut AsyncPgConnection, event: Event) -> AppResult<()> {
    let mut outbox = Outbox::default();
    outbox.push(event);
    publish(c, &mut outbox).await
}

/// One review the caller sees.
pub async fn get(pool: &PgPool, p: Principal, id: Uuid) -> AppResult<ReviewRow> {
    p.require_reader()?;
    db::run(pool, async move |c| visible_review(c, &p, id, false).await).await
}

/// Reschedule a scheduled review: another time, facilitator or period
/// (`expected`: the version the caller last read, from `If-Match`).
pub async fn reschedule(
    pool: &PgPool,
    p: Principal,
    id: Uuid,
    expected: Option<String>,
    b: PatchReview,
) -> AppResult<ReviewRow> {
    step(pool, p, id, async move |c, p, _, r| {
        check_if_match(expected.as_deref(), r.version)?;
        let ctx = OrgContext::load(c, p.org_id).await?;
        let mut v = Validator::new();
        let period = b.period.as_deref().and_then(|k| period_of(&mut v, &ctx, k));
        if let Some(f) = b.facilitator_id {
            check_facilitator(c, &mut v, p.org_id, f).await?;
        }
        v.finish()?;
        Ok(ReviewChanges {
            scheduled_for: b.scheduled_for.map(|w| w.start(ctx.tz)),
            facilitator_id: b.facilitator_id,
            starts_on: period.as_ref().map(|p| p.starts_on),
            ends_on: period.as_ref().map(|p| p.ends_on),
            period: period.map(|p| p.key),
            ..Default::default()
        })
    })
    .await
}

/// Complete a review: the figures reviewed are frozen in a snapshot that later
/// corrections do not change.
pub async fn complete(pool: &PgPool, p: Principal, id: Uuid) -> AppResult<ReviewRow> {
    p.require_user()?;
    db::tx(pool, async move |c| complete_on(c, &p, id).await).await
}

/// [`complete`] in the caller's transaction.
pub async fn complete_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
) -> AppResult<ReviewRow> {
    let row = step_on(c, p, id, async |c, p, me, r| {
        completion(c, p.org_id, me, r).await
    })
    .await?;
    announce(
        c,
        Event::ReviewCompleted {
            org: row.org_id,
            data: review_data(&row),
        },
    )
    .await?;
    Ok(row)
}

/// Cancel a scheduled review.
pub async fn cancel(pool: &PgPool, p: Principal, id: Uuid) -> AppResult<ReviewRow> {
    step(pool, p, id, async |_, _, me, _| {
        Ok(ReviewChanges {
            status: Some(Status::Cancelled),
            cancelled_at: Some(Some(Utc::now())),
            cancelled_by: Some(Some(me)),
            ..Default::default()
        })
    })
    .await
}

/// A leader's step on a scheduled review, in one transaction.
async fn step(
    pool: &PgPool,
    p: Principal,
    id: Uuid,
    run: impl AsyncFnOnce(
        &mut AsyncPgConnection,
        &Principal,
        Uuid,
        &ReviewRow,
    ) -> AppResult<ReviewChanges>,
) -> AppResult<ReviewRow> {
    p.require_user()?;
    db::tx(pool, async move |c| step_on(c, &p, id, run).await).await
}

async fn step_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    run: impl AsyncFnOnce(
        &mut AsyncPgConnection,
        &Principal,
        Uuid,
        &ReviewRow,
    ) -> AppResult<ReviewChanges>,
) -> AppResult<ReviewRow> {
    let (me, _) = p.require_user()?;
    let r = visible_review(c, p, id, true).await?;
    let (cap, _) = capacity(c, p, &r).await?;
    rules::may_step(cap)?;
    rules::require_scheduled(r.status)?;
    let changes = run(c, p, me, &r).await?;
    if changes.is_empty() {
        // A reschedule with nothing in it: the version stays.
        return Ok(r);
    }
    store::update_review(c, p.org_id, r.id, &changes).await
}

/// The changes that complete a review: its agenda's figures, frozen.
async fn completion(
    c: &mut AsyncPgConnection,
    org: Uuid,
    me: Uuid,
    r: &ReviewRow,
) -> AppResult<ReviewChanges> {
    let ctx = OrgContext::load(c, org).await?;
    let snap = super::agenda::live_snapshot(c, &ctx, r).await?;
    Ok(ReviewChanges {
        status: Some(Status::Completed),
        snapshot: Some(Some(
            serde_json::to_value(snap).map_err(AppError::internal)?,
        )),
        completed_at: Some(Some(Utc::now())),
        completed_by: Some(Some(me)),
        ..Default::default()
    })
}
