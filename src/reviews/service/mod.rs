//! Reviews use cases: who may do it, the rules, one transaction. Scheduling and
//! a review's steps in `schedule`, its agenda in `agenda`, its items in
//! `items`, the successes feed in `feed`; what they share is here.

pub mod agenda;
pub mod feed;
pub mod items;
pub mod schedule;

/// The rows the use cases answer, for the handlers to map to their DTOs.
pub use crate::reviews::store::{ItemRow, ReviewRow};

use chrono::Utc;
use chrono_tz::Tz;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::rules::{self, Capacity, ItemStatus, Seen, SubjectType};
use super::store::{self, ItemChanges};
use crate::auth::{Principal, Role};
use crate::calendar::Period;
use crate::error::{AppError, AppResult};
use crate::org::context::OrgContext;
use crate::targets::service::for_reviews as targets;
use crate::teams::service::for_reviews as teams;
use crate::validation::{FieldError, Validator};

/// Whose reviews the caller sees: the people and teams whose targets they see,
/// and the reviews they facilitate.
async fn seen(c: &mut AsyncPgConnection, p: &Principal) -> AppResult<Seen> {
    let v = targets::visible(c, p).await?;
    Ok(Seen {
        all: v.all,
        users: v.users,
        teams: v.teams,
        me: p.user_id(),
    })
}

/// A review the caller sees; 404 when there is none or the caller may not see it.
async fn visible_review(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    for_update: bool,
) -> AppResult<ReviewRow> {
    let r = store::get_review(c, p.org_id, id, for_update).await?;
    if seen(c, p)
        .await?
        .sees(r.salesperson_id, r.team_id, r.facilitator_id)
    {
        Ok(r)
    } else {
        Err(AppError::not_found("review"))
    }
}

/// The people a review is about: the salesperson, or the team's members on
/// the organisation's day (in `tz`) it is held.
async fn people_of(c: &mut AsyncPgConnection, tz: Tz, r: &ReviewRow) -> AppResult<Vec<Uuid>> {
    match (r.salesperson_id, r.team_id) {
        (Some(s), _) => Ok(vec![s]),
        (None, Some(t)) => {
            let day = rules::local_day(r.scheduled_for, tz);
            store::members_on(c, r.org_id, t, day).await
        }
        _ => Ok(vec![]),
    }
}

/// Who a review is about.
fn subject(r: &ReviewRow) -> (SubjectType, Uuid) {
    match (r.salesperson_id, r.team_id) {
        (Some(s), _) => (SubjectType::User, s),
        (None, Some(t)) => (SubjectType::Team, t),
        _ => (SubjectType::User, r.facilitator_id),
    }
}

/// What the caller is to this review, and the people in it.
async fn capacity(
    c: &mut AsyncPgConnection,
    p: &Principal,
    r: &ReviewRow,
) -> AppResult<(Capacity, Vec<Uuid>)> {
    let tz = OrgContext::for_read(c, p).await?.tz;
    let people = people_of(c, tz, r).await?;
    let (kind, id) = subject(r);
    let leads = p.user_id() == Some(r.facilitator_id)
        || (p.user_id().is_some() && targets::can_set(c, p, kind.as_str(), Some(id)).await?);
    Ok((rules::capacity(p.user_id(), leads, &people), people))
}

/// The people who may own an item: the participants, the facilitator, the
/// team's manager, and a leader recording it.
async fn owners(
    c: &mut AsyncPgConnection,
    r: &ReviewRow,
    people: &[Uuid],
    cap: Capacity,
    me: Option<Uuid>,
) -> AppResult<Vec<Uuid>> {
    let mut ok = people.to_vec();
    ok.push(r.facilitator_id);
    if let Some(t) = r.team_id {
        ok.extend(teams::manager_of(c, r.org_id, t).await?);
    }
    if let (Capacity::Leader, Some(me)) = (cap, me) {
        ok.push(me);
    }
    Ok(ok)
}

/// A target and an account an item links to: of this organisation and visible to the caller.
async fn check_links(
    c: &mut AsyncPgConnection,
    v: &mut Validator,
    p: &Principal,
    target: Option<Uuid>,
    account: Option<Uuid>,
) -> AppResult<()> {
    if let Some(t) = target {
        if !targets::sees(c, p, t).await? {
            v.push(FieldError::new("target_id", "not_found", "no such target"));
        }
    }
    if let Some(a) = account {
        match crate::accounts::service::get_visible(c, p, a, false).await {
            Ok(_) => {}
            Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => v.push(
                FieldError::new("account_id", "not_found", "no such account"),
            ),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn check_owner(v: &mut Validator, owner: Option<Uuid>, allowed: &[Uuid]) {
    if let Some(o) = owner {
        v.check(
            allowed.contains(&o),
            "owner_id",
            "owner_not_in_review",
            "the owner is a participant of this review, its facilitator or the team's manager",
        );
    }
}

/// The period under review, from a key of the organisation's calendar.
fn period_of(v: &mut Validator, ctx: &OrgContext, key: &str) -> Option<Period> {
    let period = ctx.cal.parse(key.trim());
    if period.is_none() {
        v.push(FieldError::new(
            "period",
            "unknown_period",
            "not a period key: use 2026, FY2027, 2026-Q4, FY2027-Q1, 2026-11 or 2026-W48",
        ));
    }
    period
}

/// A facilitator is an active person of the organisation, not a viewer.
async fn check_facilitator(
    c: &mut AsyncPgConnection,
    v: &mut Validator,
    org: Uuid,
    id: Uuid,
) -> AppResult<()> {
    match crate::users::service::read::person(c, org, id).await? {
        Some((role, true)) if role != Role::Viewer => {}
        Some((_, true)) => v.push(FieldError::new(
            "facilitator_id",
            "not_a_facilitator",
            "a viewer does not run reviews",
        )),
        _ => v.push(FieldError::new(
            "facilitator_id",
            "not_found",
            "no such active person in this organisation",
        )),
    }
    Ok(())
}

/// The changes that open or close an item, recorded against the review it happens in.
fn status_changes(to: ItemStatus, me: Uuid, review: Uuid) -> ItemChanges {
    let closing = to != ItemStatus::Open;
    ItemChanges {
        status: Some(Some(to)),
        closed_at: Some(closing.then(Utc::now)),
        closed_by: Some(closing.then_some(me)),
        closed_in_review_id: Some(closing.then_some(review)),
        ..Default::default()
    }
}

/// Drops every row this resource keeps for organisation `org`, in the caller's
/// transaction: for dropping the whole organisation (`onpace demo --reset`).
pub async fn purge_org(
    c: &mut diesel_async::AsyncPgConnection,
    org: uuid::Uuid,
) -> crate::error::AppResult<()> {
    crate::reviews::store::purge_org(c, org).await
}
