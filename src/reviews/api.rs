//! `/v1/reviews`: one-to-ones and team reviews, their agenda and items, and
//! `/v1/successes`, the feed of successes and milestones.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, Capacity, ItemStatus, ItemType, Kind, Size, Status, SubjectType};
use super::store::{self, ItemChanges, ItemRow, NewItem, NewReview, ReviewChanges, ReviewRow};
use crate::auth::{Principal, Role};
use crate::db;
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::extract::Json;
use crate::http::{check_if_match, finish, if_match, with_etag, with_location, List, PageParams};
use crate::org::context::OrgContext;
use crate::progress::dto::Progress;
use crate::progress::service::measure;
use crate::state::AppState;
use crate::targets::rules::Metric;
use crate::targets::rules::Visible;
use crate::targets::service as targets;
use crate::values::IsoDate;

/// A one-to-one or a team review.
#[derive(Debug, Serialize, ToSchema)]
pub struct Review {
    pub id: Uuid,
    pub kind: Kind,
    /// The salesperson of a one-to-one.
    pub salesperson_id: Option<Uuid>,
    /// The team of a team review.
    pub team_id: Option<Uuid>,
    pub facilitator_id: Uuid,
    pub scheduled_for: NaiveDate,
    /// The period under review, a key of the organisation's calendar.
    #[schema(example = "2026-Q4")]
    pub period: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: Status,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<Uuid>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A review to schedule: a one-to-one names `salesperson_id`, a team review `team_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReview {
    pub kind: Kind,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// Who runs it (default: the caller).
    pub facilitator_id: Option<Uuid>,
    pub scheduled_for: IsoDate,
    /// The period under review: `2026`, `FY2027`, `2026-Q4`, `2026-11`, `2026-W48`.
    #[schema(example = "2026-Q4", max_length = 20)]
    pub period: String,
}

/// Changes to a scheduled review: its day, facilitator or period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchReview {
    pub scheduled_for: Option<IsoDate>,
    pub facilitator_id: Option<Uuid>,
    #[schema(example = "2026-Q4", max_length = 20)]
    pub period: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    pub kind: Option<Kind>,
    pub salesperson_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub status: Option<Status>,
    /// Scheduled on or after this day.
    pub from: Option<IsoDate>,
    /// Scheduled on or before this day.
    pub to: Option<IsoDate>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Something recorded in a review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Item {
    pub id: Uuid,
    /// The review it was recorded in.
    pub review_id: Uuid,
    #[serde(rename = "type")]
    pub item_type: ItemType,
    pub text: String,
    /// Whose success, hurdle, action or update it is.
    pub owner_id: Option<Uuid>,
    /// Actions only.
    pub due_on: Option<NaiveDate>,
    /// Successes only.
    pub size: Option<Size>,
    /// Hurdles (`open`, `resolved`) and actions (`open`, `done`) only.
    pub status: Option<ItemStatus>,
    pub target_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Uuid>,
    /// The review in which it was closed: a later one for an item carried over.
    pub closed_in_review_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new item. `due_on` is required for actions; `size` (default `small`) is for
/// successes only. The owner defaults to the salesperson of a one-to-one, and in
/// a team review to the caller (none for a team's success and for strategies).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateItem {
    #[serde(rename = "type")]
    pub item_type: ItemType,
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<IsoDate>,
    pub size: Option<Size>,
    /// A target the item is about (one the caller may see).
    pub target_id: Option<Uuid>,
    /// An account the item is about (one the caller may see).
    pub account_id: Option<Uuid>,
}

/// Changes to an item. An item carried over from an earlier review is only
/// opened or closed (`status`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchItem {
    #[schema(min_length = 1, max_length = 2000)]
    pub text: Option<String>,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<IsoDate>,
    pub size: Option<Size>,
    pub status: Option<ItemStatus>,
    #[serde(default, deserialize_with = "crate::users::rules::double_option")]
    #[schema(nullable = true)]
    pub target_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::users::rules::double_option")]
    #[schema(nullable = true)]
    pub account_id: Option<Option<Uuid>>,
}

/// Where a success entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuccessSource {
    /// Recorded in a review.
    Review,
    /// Noticed by the service.
    Milestone,
}

/// A success recorded in a review, or a milestone the service noticed: a
/// target reaching 100% (`target_achieved`) or a prospect won (`prospect_won`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Success {
    pub id: Uuid,
    pub source: SuccessSource,
    /// `success`, `target_achieved` or `prospect_won`.
    #[schema(example = "target_achieved")]
    pub kind: String,
    /// The day of the review, or the day the milestone happened.
    pub occurred_on: NaiveDate,
    /// The success's text, or the milestone's title.
    pub title: String,
    pub size: Option<Size>,
    /// Whose success it is.
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub review_id: Option<Uuid>,
    /// For a target reached: its value, and what had been achieved.
    #[schema(value_type = Option<String>)]
    pub value: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub actual: Option<Decimal>,
}

/// An agreed target with its progress on the agenda's day.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AgendaTarget)]
pub struct TargetProgress {
    pub target_id: Uuid,
    pub title: String,
    pub metric: Metric,
    pub activity_kind: Option<String>,
    pub currency: Option<String>,
    pub period: Option<String>,
    /// Actual, gap, pace, and the rate needed per working day and week.
    pub progress: Progress,
}

/// One participant of a review: the salesperson of a one-to-one; the team and
/// each member on the day of a team review.
#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub subject_type: SubjectType,
    pub subject_id: Uuid,
    pub name: String,
    /// Progress on their agreed targets in the period under review.
    pub targets: Vec<TargetProgress>,
    /// Actions and hurdles still open from earlier reviews of the series.
    pub open_items: Vec<Item>,
    /// Successes since the last review, newest first.
    pub successes: Vec<Success>,
}

/// What a review looks at. While it is scheduled, the figures are live (on
/// today, or the period's last day once it is over); once completed, they are
/// the snapshot taken then, and later corrections do not change them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agenda {
    pub review: Review,
    /// The day progress is measured on.
    pub as_of: NaiveDate,
    /// True when the participants are the snapshot frozen at completion.
    pub frozen: bool,
    /// Successes count from this day (the day after the last completed review of the series).
    pub successes_since: NaiveDate,
    #[schema(value_type = Vec<Participant>)]
    pub participants: serde_json::Value,
    /// The items recorded in this review: open actions and hurdles first.
    pub items: Vec<Item>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuccessQuery {
    /// Successes of this team, its sub-teams, and the people who belonged to them on the day.
    pub team_id: Option<Uuid>,
    /// On or after this day.
    pub since: Option<IsoDate>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn present(r: ReviewRow) -> Review {
    Review {
        id: r.id,
        kind: Kind::parse(&r.kind).unwrap_or(Kind::OneToOne),
        salesperson_id: r.salesperson_id,
        team_id: r.team_id,
        facilitator_id: r.facilitator_id,
        scheduled_for: r.scheduled_for,
        period: r.period,
        starts_on: r.starts_on,
        ends_on: r.ends_on,
        status: Status::parse(&r.status).unwrap_or(Status::Scheduled),
        completed_at: r.completed_at,
        completed_by: r.completed_by,
        cancelled_at: r.cancelled_at,
        cancelled_by: r.cancelled_by,
        created_by: r.created_by,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

fn present_item(i: ItemRow) -> Item {
    Item {
        id: i.id,
        review_id: i.review_id,
        item_type: ItemType::parse(&i.item_type).unwrap_or(ItemType::Update),
        text: i.text,
        owner_id: i.owner_id,
        due_on: i.due_on,
        size: i.size.as_deref().and_then(Size::parse),
        status: i.status.as_deref().and_then(ItemStatus::parse),
        target_id: i.target_id,
        account_id: i.account_id,
        closed_at: i.closed_at,
        closed_by: i.closed_by,
        closed_in_review_id: i.closed_in_review_id,
        created_by: i.created_by,
        version: i.version,
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

fn present_feed(f: store::FeedRow) -> Success {
    Success {
        id: f.id,
        source: if f.source == "review" {
            SuccessSource::Review
        } else {
            SuccessSource::Milestone
        },
        kind: f.kind,
        occurred_on: f.occurred_on,
        title: f.title,
        size: f.size.as_deref().and_then(Size::parse),
        user_id: f.user_id,
        team_id: f.team_id,
        target_id: f.target_id,
        account_id: f.account_id,
        review_id: f.review_id,
        value: f.value,
        actual: f.actual,
    }
}

fn location(res: HttpResponse, path: String) -> HttpResponse {
    with_location(res, &path)
}

/// A list cursor: a day and an id.
fn day_cursor(s: &str) -> Option<(NaiveDate, Uuid)> {
    let (d, u) = s.split_once('_')?;
    Some((d.parse().ok()?, u.parse().ok()?))
}

fn day_key(day: NaiveDate, id: Uuid) -> String {
    format!("{day}_{id}")
}

/// A review the caller sees; 404 when there is none or the caller may not see it.
async fn visible_review(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    for_update: bool,
) -> AppResult<ReviewRow> {
    let r = store::get_review(c, p.org_id, id, for_update).await?;
    let vis = targets::visible(c, p).await?;
    if store::sees(&vis, p.user_id(), &r) {
        Ok(r)
    } else {
        Err(AppError::not_found("review"))
    }
}

/// The people a review is about: the salesperson, or the team's members on the day.
async fn people_of(c: &mut AsyncPgConnection, r: &ReviewRow) -> AppResult<Vec<Uuid>> {
    match (r.salesperson_id, r.team_id) {
        (Some(s), _) => Ok(vec![s]),
        (None, Some(t)) => store::members_on(c, r.org_id, t, r.scheduled_for).await,
        _ => Ok(vec![]),
    }
}

fn subject(r: &ReviewRow) -> (&'static str, Uuid) {
    match (r.salesperson_id, r.team_id) {
        (Some(s), _) => ("user", s),
        (None, Some(t)) => ("team", t),
        _ => ("user", r.facilitator_id),
    }
}

/// What the caller is to this review, and the people in it.
async fn capacity(
    c: &mut AsyncPgConnection,
    p: &Principal,
    r: &ReviewRow,
) -> AppResult<(Capacity, Vec<Uuid>)> {
    let people = people_of(c, r).await?;
    let (kind, id) = subject(r);
    let leads = p.user_id() == Some(r.facilitator_id)
        || (p.user_id().is_some() && targets::can_set(c, p, kind, Some(id)).await?);
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
        ok.extend(crate::teams::store::get(c, r.org_id, t).await?.manager_id);
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
    let missing = |e: AppError, v: &mut Validator, field: &str, what: &str| {
        if e.status == StatusCode::NOT_FOUND {
            v.push(FieldError::new(
                field,
                "not_found",
                format!("no such {what}"),
            ));
            Ok(())
        } else {
            Err(e)
        }
    };
    if let Some(t) = target {
        if let Err(e) = targets::get_visible(c, p, t, false).await {
            missing(e, v, "target_id", "target")?;
        }
    }
    if let Some(a) = account {
        if let Err(e) = crate::accounts::service::get_visible(c, p, a, false).await {
            missing(e, v, "account_id", "account")?;
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
fn period_of(v: &mut Validator, ctx: &OrgContext, key: &str) -> Option<crate::calendar::Period> {
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
    match crate::teams::store::user_role(c, org, id).await? {
        Some((role, true)) if role != Role::Viewer.as_str() => {}
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

/// Reviews the caller sees, by day scheduled.
#[utoipa::path(tag = "reviews", security(("bearer" = [])), params(ReviewQuery),
    responses((status = 200, description = "A page of reviews", body = List<Review>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<ReviewQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page(day_cursor)?;
    let mut v = Validator::new();
    for (field, day) in [("from", q.from), ("to", q.to)] {
        if let Some(d) = day {
            rules::check_day(&mut v, field, d.0);
        }
    }
    v.finish()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, async move |c| {
        let vis = targets::visible(c, &p).await?;
        let f = store::ListFilter {
            kind: q.kind.map(|k| k.as_str().into()),
            salesperson_id: q.salesperson_id,
            team_id: q.team_id,
            status: q.status.map(|s| s.as_str().into()),
            from: q.from.map(NaiveDate::from),
            to: q.to.map(NaiveDate::from),
        };
        store::list(c, p.org_id, &vis, p.user_id(), &f, &page).await
    })
    .await?;
    let data: Vec<Review> = rows.into_iter().map(present).collect();
    Ok(HttpResponse::Ok().json(finish(data, limit, |r: &Review| {
        day_key(r.scheduled_for, r.id)
    })))
}

/// Schedule a review: managers for the people and teams they manage, admins for anyone.
#[utoipa::path(tag = "reviews", security(("bearer" = [])), request_body = CreateReview,
    responses((status = 201, description = "Scheduled", body = Review, headers(("ETag" = String), ("Location" = String)))))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateReview>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (me, role) = p.require_user()?;
    if !matches!(role, Role::Admin | Role::Manager) {
        return Err(AppError::forbidden(
            "reviews are scheduled by the manager of the person or team, or an admin",
        ));
    }
    let b = body.0;
    let r = db::tx(&state.pool, async move |c| {
        let ctx = OrgContext::load(c, p.org_id).await?;
        let mut v = Validator::new();
        rules::check_subject(&mut v, b.kind, b.salesperson_id, b.team_id);
        rules::check_day(&mut v, "scheduled_for", b.scheduled_for.0);
        let period = period_of(&mut v, &ctx, &b.period);
        if let (Kind::OneToOne, Some(s)) = (b.kind, b.salesperson_id) {
            match crate::teams::store::user_role(c, p.org_id, s).await? {
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
                Some((role, true)) if role != Role::Salesperson.as_str() => {
                    v.push(FieldError::new(
                        "salesperson_id",
                        "not_a_salesperson",
                        "a one-to-one is held with a salesperson",
                    ))
                }
                Some(_) => {}
            }
        }
        if let (Kind::Team, Some(t)) = (b.kind, b.team_id) {
            if crate::teams::store::get(c, p.org_id, t).await.is_err() {
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
            Kind::OneToOne => ("user", b.salesperson_id),
            Kind::Team => ("team", b.team_id),
        };
        if !targets::can_set(c, &p, kind, id).await? {
            return Err(AppError::forbidden(
                "reviews are scheduled by the manager of the person or team, or an admin",
            ));
        }
        let period = period.expect("checked above");
        store::insert_review(
            c,
            &NewReview {
                org_id: p.org_id,
                id: Uuid::now_v7(),
                kind: b.kind.as_str().into(),
                salesperson_id: b.salesperson_id,
                team_id: b.team_id,
                facilitator_id: facilitator,
                scheduled_for: b.scheduled_for.0,
                period: period.key,
                starts_on: period.starts_on,
                ends_on: period.ends_on,
                created_by: Some(me),
            },
        )
        .await
    })
    .await?;
    let path = format!("/v1/reviews/{}", r.id);
    Ok(location(
        with_etag(StatusCode::CREATED, r.version, &present(r)),
        path,
    ))
}

/// One review.
#[utoipa::path(tag = "reviews", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The review's id")),
    responses((status = 200, description = "The review", body = Review, headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let id = id.into_inner();
    let r = db::run(&state.pool, async move |c| {
        visible_review(c, &p, id, false).await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, r.version, &present(r)))
}

/// Reschedule a scheduled review: another day, facilitator or period. The
/// facilitator, a manager of the person or team, or an admin.
#[utoipa::path(tag = "reviews", security(("bearer" = [])), request_body = PatchReview,
    params(
        ("id" = Uuid, Path, description = "The review's id"),
        ("If-Match" = Option<String>, Header, description = "The review's ETag last read; 412 if it changed since")
    ),
    responses(
        (status = 200, description = "Changed", body = Review, headers(("ETag" = String))),
        (status = 409, description = "`review_completed`, `review_cancelled`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[patch("/{id}")]
pub async fn patch_one(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PatchReview>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = if_match(&req);
    let b = body.0;
    step(&state, p, id.into_inner(), async move |c, p, _, r| {
        check_if_match(expected.as_deref(), r.version)?;
        let ctx = OrgContext::load(c, p.org_id).await?;
        let mut v = Validator::new();
        if let Some(d) = b.scheduled_for {
            rules::check_day(&mut v, "scheduled_for", d.0);
        }
        let period = b.period.as_deref().and_then(|k| period_of(&mut v, &ctx, k));
        if let Some(f) = b.facilitator_id {
            check_facilitator(c, &mut v, p.org_id, f).await?;
        }
        v.finish()?;
        Ok(ReviewChanges {
            scheduled_for: b.scheduled_for.map(NaiveDate::from),
            facilitator_id: b.facilitator_id,
            starts_on: period.as_ref().map(|p| p.starts_on),
            ends_on: period.as_ref().map(|p| p.ends_on),
            period: period.map(|p| p.key),
            ..Default::default()
        })
    })
    .await
}

/// The participants' figures, open items and successes, measured on `as_of`.
async fn participants(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    r: &ReviewRow,
    as_of: NaiveDate,
    since: NaiveDate,
) -> AppResult<Vec<Participant>> {
    let people = people_of(c, r).await?;
    let (kind, own) = subject(r);
    let mut subjects: Vec<(SubjectType, Uuid)> = Vec::new();
    if kind == "team" {
        subjects.push((SubjectType::Team, own));
    }
    subjects.extend(people.iter().map(|u| (SubjectType::User, *u)));
    let names = store::user_names(c, r.org_id, &people).await?;
    let mut out = Vec::with_capacity(subjects.len());
    for (st, id) in &subjects {
        let name = match st {
            SubjectType::Team => store::team_name(c, r.org_id, *id).await?,
            SubjectType::User => names
                .iter()
                .find(|(u, _)| u == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
        };
        let rows = store::agreed_targets(
            c,
            r.org_id,
            (
                if *st == SubjectType::Team {
                    "team"
                } else {
                    "user"
                },
                *id,
            ),
            r.starts_on,
            r.ends_on,
        )
        .await?;
        let mut targets = Vec::with_capacity(rows.len());
        for t in rows {
            let progress = measure(c, ctx, &t, as_of).await?;
            targets.push(TargetProgress {
                target_id: t.id,
                title: t.title,
                metric: t.metric,
                activity_kind: t.activity_kind,
                currency: t.currency,
                period: t.period,
                progress,
            });
        }
        out.push(Participant {
            subject_type: *st,
            subject_id: *id,
            name,
            targets,
            open_items: Vec::new(),
            successes: Vec::new(),
        });
    }
    // Items of the series go to the participant who owns them, else to the review's own subject.
    let slot = |owner: Option<Uuid>| {
        rules::placed_under(owner, &people)
            .and_then(|o| subjects.iter().position(|s| *s == (SubjectType::User, o)))
            .unwrap_or(0)
    };
    for i in store::carried(c, r).await? {
        out[slot(i.owner_id)].open_items.push(present_item(i));
    }
    for (i, day) in store::series_successes(c, r, since).await? {
        let at = slot(i.owner_id);
        let s = present_feed(store::FeedRow {
            id: i.id,
            source: "review".into(),
            kind: "success".into(),
            occurred_on: day,
            title: i.text,
            size: i.size,
            user_id: i.owner_id,
            team_id: r.team_id,
            target_id: i.target_id,
            account_id: i.account_id,
            review_id: Some(i.review_id),
            value: None,
            actual: None,
        });
        out[at].successes.push(s);
    }
    for m in store::milestones_of(c, r.org_id, &people, r.team_id, since).await? {
        let at = match m.user_id {
            Some(u) => slot(Some(u)),
            None => 0,
        };
        out[at].successes.push(present_feed(store::FeedRow {
            id: m.id,
            source: "milestone".into(),
            kind: m.kind,
            occurred_on: m.occurred_on,
            title: m.title,
            size: None,
            user_id: m.user_id,
            team_id: m.team_id,
            target_id: m.target_id,
            account_id: m.account_id,
            review_id: None,
            value: m.value,
            actual: m.actual,
        }));
    }
    for p in &mut out {
        p.successes
            .sort_by_key(|s| std::cmp::Reverse((s.occurred_on, s.id)));
    }
    Ok(out)
}

/// The frozen part of a completed review's agenda.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    as_of: NaiveDate,
    successes_since: NaiveDate,
    participants: serde_json::Value,
}

async fn live_snapshot(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    r: &ReviewRow,
) -> AppResult<Snapshot> {
    let as_of = rules::as_of(ctx.today, r.ends_on);
    let since = store::last_completed_day(c, r)
        .await?
        .map(|d| d + Duration::days(1))
        .unwrap_or(r.starts_on);
    let people = participants(c, ctx, r, as_of, since).await?;
    Ok(Snapshot {
        as_of,
        successes_since: since,
        participants: serde_json::to_value(people).map_err(AppError::internal)?,
    })
}

/// For each participant: progress on their agreed targets in the period under
/// review (gap and required rate included), the actions and hurdles still open
/// from earlier reviews, and the successes since the last review; then this
/// review's own items, open actions and hurdles first. Answers `If-None-Match`
/// with 304.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The review's id"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag last read; 304 when unchanged")
    ),
    responses(
        (status = 200, description = "The agenda", body = Agenda, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag sent")
    ))]
#[get("/{id}/agenda")]
pub async fn agenda(
    p: Principal,
    req: actix_web::HttpRequest,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let id = id.into_inner();
    let out = db::run(&state.pool, async move |c| {
        let r = visible_review(c, &p, id, false).await?;
        let (snap, frozen) = match r
            .snapshot
            .clone()
            .and_then(|s| serde_json::from_value::<Snapshot>(s).ok())
        {
            Some(s) => (s, true),
            None => {
                let ctx = OrgContext::for_read(c, &p).await?;
                (live_snapshot(c, &ctx, &r).await?, false)
            }
        };
        let mut items = store::items_of(c, p.org_id, r.id).await?;
        items.sort_by_key(|i| {
            (
                rules::agenda_rank(
                    ItemType::parse(&i.item_type).unwrap_or(ItemType::Update),
                    i.status.as_deref().and_then(ItemStatus::parse),
                ),
                i.id,
            )
        });
        Ok(Agenda {
            review: present(r),
            as_of: snap.as_of,
            frozen,
            successes_since: snap.successes_since,
            participants: snap.participants,
            items: items.into_iter().map(present_item).collect(),
        })
    })
    .await?;
    crate::http::conditional_json(&req, &out)
}

/// Record an item. The facilitator, a manager of the person or team and admins
/// record anything; participants their own updates. A completed or cancelled
/// review takes no new items (409).
#[utoipa::path(tag = "reviews", security(("bearer" = [])), request_body = CreateItem,
    params(("id" = Uuid, Path, description = "The review's id")),
    responses(
        (status = 201, description = "Recorded", body = Item, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`review_completed`, `review_cancelled`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/items")]
pub async fn add_item(
    p: Principal,
    id: web::Path<Uuid>,
    body: Json<CreateItem>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (me, _) = p.require_user()?;
    let id = id.into_inner();
    let b = body.0;
    let item = db::tx(&state.pool, async move |c| {
        let r = visible_review(c, &p, id, true).await?;
        let (cap, people) = capacity(c, &p, &r).await?;
        if cap == Capacity::Reader {
            rules::may_add(cap, b.item_type, None)?;
        }
        rules::require_scheduled(Status::parse(&r.status).unwrap_or(Status::Scheduled))?;
        let mut v = Validator::new();
        let size = rules::check_new_item(
            &mut v,
            b.item_type,
            &b.text,
            b.due_on.map(NaiveDate::from),
            b.size,
        );
        let owner = b.owner_id.or(match (b.item_type, r.salesperson_id) {
            (ItemType::Strategy, _) => None,
            (_, Some(s)) => Some(s),
            (ItemType::Success, None) => None,
            (_, None) => Some(me),
        });
        let allowed = owners(c, &r, &people, cap, Some(me)).await?;
        check_owner(&mut v, owner, &allowed);
        check_links(c, &mut v, &p, b.target_id, b.account_id).await?;
        v.finish()?;
        rules::may_add(cap, b.item_type, owner)?;
        store::insert_item(
            c,
            &NewItem {
                org_id: p.org_id,
                id: Uuid::now_v7(),
                review_id: r.id,
                item_type: b.item_type.as_str().into(),
                text: b.text.trim().to_string(),
                owner_id: owner,
                due_on: b.due_on.map(NaiveDate::from),
                size: size.map(|s| s.as_str().into()),
                status: b
                    .item_type
                    .is_closable()
                    .then(|| ItemStatus::Open.as_str().into()),
                target_id: b.target_id,
                account_id: b.account_id,
                created_by: Some(me),
            },
        )
        .await
    })
    .await?;
    let path = format!("/v1/reviews/{}/items/{}", item.review_id, item.id);
    Ok(location(
        with_etag(StatusCode::CREATED, item.version, &present_item(item)),
        path,
    ))
}

/// The review (scheduled), the item reached from it (its own, or one carried
/// over from an earlier completed review of the series), and the caller's capacity.
async fn reach_item(
    c: &mut AsyncPgConnection,
    p: &Principal,
    review: Uuid,
    item: Uuid,
) -> AppResult<(ReviewRow, ItemRow, bool, Capacity, Vec<Uuid>)> {
    let r = visible_review(c, p, review, true).await?;
    let i = store::get_item(c, p.org_id, item).await?;
    let carried = i.review_id != r.id;
    if carried {
        let source = store::get_review(c, p.org_id, i.review_id, false).await?;
        let closable = ItemType::parse(&i.item_type).is_some_and(ItemType::is_closable);
        if !closable || !store::in_earlier_completed(&r, &source) {
            return Err(AppError::not_found("item"));
        }
    }
    let (cap, people) = capacity(c, p, &r).await?;
    if cap == Capacity::Reader {
        return Err(AppError::forbidden(
            "only the people of this review change its items",
        ));
    }
    rules::require_scheduled(Status::parse(&r.status).unwrap_or(Status::Scheduled))?;
    Ok((r, i, carried, cap, people))
}

/// The changes that open or close an item, recorded against the review it happens in.
fn status_changes(to: ItemStatus, me: Uuid, review: Uuid) -> ItemChanges {
    let closing = to != ItemStatus::Open;
    ItemChanges {
        status: Some(Some(to.as_str().into())),
        closed_at: Some(closing.then(Utc::now)),
        closed_by: Some(closing.then_some(me)),
        closed_in_review_id: Some(closing.then_some(review)),
        ..Default::default()
    }
}

fn item_response(status: StatusCode, i: ItemRow) -> HttpResponse {
    let path = format!("/v1/reviews/{}/items/{}", i.review_id, i.id);
    location(with_etag(status, i.version, &present_item(i)), path)
}

/// Change an item of this review, or open or close one carried over from an
/// earlier review of the series. Leaders change anything; participants edit
/// their own updates and close their own actions and hurdles.
#[utoipa::path(tag = "reviews", security(("bearer" = [])), request_body = PatchItem,
    params(
        ("id" = Uuid, Path, description = "The review's id"),
        ("item_id" = Uuid, Path, description = "The item's id"),
        ("If-Match" = Option<String>, Header, description = "The item's ETag last read; 412 if it changed since")
    ),
    responses(
        (status = 200, description = "Changed", body = Item, headers(("ETag" = String))),
        (status = 409, description = "`review_completed`, `review_cancelled`, `item_from_earlier_review`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[patch("/{id}/items/{item_id}")]
pub async fn patch_item(
    p: Principal,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<PatchItem>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (me, _) = p.require_user()?;
    let (review, item) = path.into_inner();
    let expected = if_match(&req);
    let b = body.0;
    let row = db::tx(&state.pool, async move |c| {
        let (r, i, carried, cap, people) = reach_item(c, &p, review, item).await?;
        let t = ItemType::parse(&i.item_type).unwrap_or(ItemType::Update);
        let other_fields = b.text.is_some()
            || b.owner_id.is_some()
            || b.due_on.is_some()
            || b.size.is_some()
            || b.target_id.is_some()
            || b.account_id.is_some();
        if carried && other_fields {
            return Err(AppError::conflict(
                "item_from_earlier_review",
                "an item carried over from an earlier review is only opened or closed here",
            ));
        }
        check_if_match(expected.as_deref(), i.version)?;
        let mut v = Validator::new();
        rules::check_item_changes(
            &mut v,
            t,
            b.text.as_deref(),
            b.due_on.map(NaiveDate::from),
            b.size,
            b.status,
        );
        let allowed = owners(c, &r, &people, cap, Some(me)).await?;
        check_owner(&mut v, b.owner_id, &allowed);
        check_links(c, &mut v, &p, b.target_id.flatten(), b.account_id.flatten()).await?;
        v.finish()?;
        rules::may_change(
            cap,
            t,
            (i.owner_id, b.owner_id),
            other_fields,
            b.status.is_some(),
        )?;
        let mut changes = match b.status {
            Some(s) if Some(s.as_str()) != i.status.as_deref() => status_changes(s, me, r.id),
            _ => ItemChanges::default(),
        };
        changes.text = b.text.map(|s| s.trim().to_string());
        changes.owner_id = b.owner_id.map(Some);
        changes.due_on = b.due_on.map(|d| Some(d.0));
        changes.size = b.size.map(|s| Some(s.as_str().into()));
        changes.target_id = b.target_id;
        changes.account_id = b.account_id;
        store::update_item(c, p.org_id, i.id, &changes).await
    })
    .await?;
    Ok(item_response(StatusCode::OK, row))
}

/// Close an action (done) or a hurdle (resolved): one of this review, or one
/// carried over from an earlier review of the series. Closing a closed item
/// changes nothing.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The review's id"),
        ("item_id" = Uuid, Path, description = "The item's id")
    ),
    responses(
        (status = 200, description = "Closed", body = Item, headers(("ETag" = String))),
        (status = 409, description = "`review_completed`, `review_cancelled`, `not_closable`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/items/{item_id}/close")]
pub async fn close_item(
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (me, _) = p.require_user()?;
    let (review, item) = path.into_inner();
    let row = db::tx(&state.pool, async move |c| {
        let (r, i, _, cap, _) = reach_item(c, &p, review, item).await?;
        let t = ItemType::parse(&i.item_type).unwrap_or(ItemType::Update);
        let Some(closed) = t.closed_status() else {
            return Err(AppError::conflict(
                "not_closable",
                "only actions and hurdles are closed",
            ));
        };
        rules::may_change(cap, t, (i.owner_id, None), false, true)?;
        if i.status.as_deref() == Some(closed.as_str()) {
            return Ok(i);
        }
        store::update_item(c, p.org_id, i.id, &status_changes(closed, me, r.id)).await
    })
    .await?;
    Ok(item_response(StatusCode::OK, row))
}

/// A leader's step on a scheduled review.
async fn step(
    state: &AppState,
    p: Principal,
    id: Uuid,
    run: impl AsyncFnOnce(
        &mut AsyncPgConnection,
        &Principal,
        Uuid,
        &ReviewRow,
    ) -> AppResult<ReviewChanges>,
) -> AppResult<HttpResponse> {
    let (me, _) = p.require_user()?;
    let r = db::tx(&state.pool, async move |c| {
        let r = visible_review(c, &p, id, true).await?;
        let (cap, _) = capacity(c, &p, &r).await?;
        if cap != Capacity::Leader {
            return Err(AppError::forbidden(
                "the facilitator, a manager of the person or team, or an admin reschedules, completes or cancels a review",
            ));
        }
        rules::require_scheduled(Status::parse(&r.status).unwrap_or(Status::Scheduled))?;
        let changes = run(c, &p, me, &r).await?;
        store::update_review(c, p.org_id, r.id, &changes).await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, r.version, &present(r)))
}

/// Complete a review: the figures reviewed are frozen in a snapshot that later
/// corrections do not change; its open actions and hurdles appear on the next
/// review of the same salesperson or team.
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The review's id")),
    responses(
        (status = 200, description = "Completed", body = Review, headers(("ETag" = String))),
        (status = 409, description = "`review_completed`, `review_cancelled`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/complete")]
pub async fn complete(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    step(&state, p, id.into_inner(), async |c, p, me, r| {
        completion(c, p.org_id, me, r).await
    })
    .await
}

/// The changes that complete a review: its agenda's figures, frozen.
async fn completion(
    c: &mut AsyncPgConnection,
    org: Uuid,
    me: Uuid,
    r: &ReviewRow,
) -> AppResult<ReviewChanges> {
    let ctx = OrgContext::load(c, org).await?;
    let snap = live_snapshot(c, &ctx, r).await?;
    Ok(ReviewChanges {
        status: Some(Status::Completed.as_str().into()),
        snapshot: Some(Some(
            serde_json::to_value(snap).map_err(AppError::internal)?,
        )),
        completed_at: Some(Some(Utc::now())),
        completed_by: Some(Some(me)),
        ..Default::default()
    })
}

/// The demo's reviews: last week's one-to-one of `manager` with `salesperson`,
/// completed (a big success, a hurdle resolved, a strategy, an action still
/// open), and next week's, scheduled (a success and a hurdle recorded ahead,
/// and the open action carried over).
pub async fn demo(
    c: &mut AsyncPgConnection,
    org: Uuid,
    manager: Uuid,
    salesperson: Uuid,
    today: NaiveDate,
) -> AppResult<()> {
    let ctx = OrgContext::load(c, org).await?;
    let filter = crate::accounts::store::ListFilter {
        owner_id: Some(salesperson),
        kind: None,
        status: None,
        q: None,
        external_source: None,
    };
    let page = crate::db::Page {
        limit: 1,
        after: None,
    };
    let account = crate::accounts::store::list(c, org, None, &filter, &page)
        .await?
        .first()
        .map(|a| a.id);
    let quarter = ctx
        .cal
        .containing(crate::calendar::Granularity::Quarter, today);
    let review = async |c: &mut AsyncPgConnection, day: NaiveDate| {
        store::insert_review(
            c,
            &NewReview {
                org_id: org,
                id: Uuid::now_v7(),
                kind: Kind::OneToOne.as_str().into(),
                salesperson_id: Some(salesperson),
                team_id: None,
                facilitator_id: manager,
                scheduled_for: day,
                period: quarter.key.clone(),
                starts_on: quarter.starts_on,
                ends_on: quarter.ends_on,
                created_by: Some(manager),
            },
        )
        .await
    };
    let item = async |c: &mut AsyncPgConnection,
                      review: Uuid,
                      t: ItemType,
                      text: &str,
                      size: Option<Size>,
                      due_on: Option<NaiveDate>| {
        store::insert_item(
            c,
            &NewItem {
                org_id: org,
                id: Uuid::now_v7(),
                review_id: review,
                item_type: t.as_str().into(),
                text: text.into(),
                owner_id: (t != ItemType::Strategy).then_some(salesperson),
                due_on,
                size: size.map(|s| s.as_str().into()),
                status: t.is_closable().then(|| ItemStatus::Open.as_str().into()),
                target_id: None,
                account_id: account,
                created_by: Some(manager),
            },
        )
        .await
    };
    let last = review(c, today - Duration::days(7)).await?;
    item(
        c,
        last.id,
        ItemType::Success,
        "Renewal signed two weeks early, with the service contract added",
        Some(Size::Big),
        None,
    )
    .await?;
    let hurdle = item(
        c,
        last.id,
        ItemType::Hurdle,
        "Pricing approval takes a week",
        None,
        None,
    )
    .await?;
    store::update_item(
        c,
        org,
        hurdle.id,
        &status_changes(ItemStatus::Resolved, manager, last.id),
    )
    .await?;
    item(
        c,
        last.id,
        ItemType::Strategy,
        "Lead every renewal with the service contract",
        None,
        None,
    )
    .await?;
    item(
        c,
        last.id,
        ItemType::Action,
        "Book a meeting with the buying committee",
        None,
        Some(today + Duration::days(3)),
    )
    .await?;
    let changes = completion(c, org, manager, &last).await?;
    store::update_review(c, org, last.id, &changes).await?;
    let next = review(c, today + Duration::days(7)).await?;
    item(
        c,
        next.id,
        ItemType::Success,
        "First order from a new department",
        Some(Size::Small),
        None,
    )
    .await?;
    item(
        c,
        next.id,
        ItemType::Hurdle,
        "The buyer is on leave until the end of the month",
        None,
        None,
    )
    .await?;
    Ok(())
}

/// Cancel a scheduled review (a completed one stays: 409).
#[utoipa::path(tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The review's id")),
    responses(
        (status = 200, description = "Cancelled", body = Review, headers(("ETag" = String))),
        (status = 409, description = "`review_completed`, `review_cancelled`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/cancel")]
pub async fn cancel(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    step(&state, p, id.into_inner(), async |_, _, me, _| {
        Ok(ReviewChanges {
            status: Some(Status::Cancelled.as_str().into()),
            cancelled_at: Some(Some(Utc::now())),
            cancelled_by: Some(Some(me)),
            ..Default::default()
        })
    })
    .await
}

/// Successes recorded in the reviews the caller sees, with the milestones the
/// service noticed (a target reaching 100%, a prospect won), newest first.
#[utoipa::path(tag = "reviews", security(("bearer" = [])), params(SuccessQuery),
    responses((status = 200, description = "A page of successes", body = List<Success>)))]
#[get("/v1/successes")]
pub async fn successes(
    p: Principal,
    q: web::Query<SuccessQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page(day_cursor)?;
    if let Some(d) = q.since {
        let mut v = Validator::new();
        rules::check_day(&mut v, "since", d.0);
        v.finish()?;
    }
    let limit = page.limit;
    let rows = db::run(&state.pool, async move |c| {
        let vis: Visible = targets::visible(c, &p).await?;
        let teams = match q.team_id {
            Some(t) => Some(crate::teams::store::subtree_ids(c, p.org_id, t).await?),
            None => None,
        };
        store::feed(
            c,
            p.org_id,
            &vis,
            p.user_id(),
            teams,
            q.since.map(NaiveDate::from),
            &page,
        )
        .await
    })
    .await?;
    let data: Vec<Success> = rows.into_iter().map(present_feed).collect();
    Ok(HttpResponse::Ok().json(finish(data, limit, |s: &Success| {
        day_key(s.occurred_on, s.id)
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let id = Uuid::now_v7();
        let day: NaiveDate = "2026-11-26".parse().unwrap();
        assert_eq!(day_cursor(&day_key(day, id)), Some((day, id)));
        assert_eq!(day_cursor("2026-11-26"), None);
        assert_eq!(day_cursor("x_y"), None);
    }
}
