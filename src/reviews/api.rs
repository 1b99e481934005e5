//! `/v1/reviews`: one-to-ones and team reviews, their agenda and items, and
//! `/v1/successes`, the feed of successes and milestones. HTTP only: the use
//! cases are in `service`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use uuid::Uuid;

use super::dto::{
    Agenda, CreateItem, CreateReview, Item, PatchItem, PatchReview, Review, ReviewQuery, Success,
    SuccessQuery,
};
use super::service::{agenda as agendas, feed, items, schedule, ItemRow, ReviewRow};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::Json;
use crate::http::{conditional_json, finish, if_match, with_etag, with_location, List, PageParams};
use crate::state::AppState;

/// A list cursor: a day and an id.
fn day_cursor(s: &str) -> Option<(NaiveDate, Uuid)> {
    let (d, u) = s.split_once('_')?;
    Some((d.parse().ok()?, u.parse().ok()?))
}

fn day_key(day: NaiveDate, id: Uuid) -> String {
    format!("{day}_{id}")
}

/// A list cursor: an instant (RFC 3339, UTC) and an id.
fn instant_cursor(s: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (t, u) = s.split_once('_')?;
    let t = DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc);
    Some((t, u.parse().ok()?))
}

fn instant_key(t: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{id}", t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn review_response(r: ReviewRow) -> HttpResponse {
    with_etag(StatusCode::OK, r.version, &Review::from(r))
}

fn item_response(status: StatusCode, i: ItemRow) -> HttpResponse {
    let path = format!("/v1/reviews/{}/items/{}", i.review_id, i.id);
    with_location(with_etag(status, i.version, &Item::from(i)), &path)
}

/// Reviews the caller sees, by when they are held. `from` and `to` take a day
/// (the organisation's day of the meeting) or an instant.
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
    .page(instant_cursor)?;
    let limit = page.limit;
    let rows = schedule::list(&state.pool, p, q, page).await?;
    let data: Vec<Review> = rows.into_iter().map(Review::from).collect();
    Ok(HttpResponse::Ok().json(finish(data, limit, |r: &Review| {
        instant_key(r.scheduled_for, r.id)
    })))
}

/// Schedule a review: managers for the people and teams they manage, admins for anyone.
///
/// Rules across fields that the schema cannot express: a one-to-one names its
/// `salesperson_id` and no `team_id`; a team review names its `team_id` and no
/// `salesperson_id`; the facilitator is an active person and a period key one of
/// the organisation's calendar.
#[utoipa::path(tag = "reviews", security(("bearer" = [])), request_body = CreateReview,
    responses((status = 201, description = "Scheduled", body = Review, headers(("ETag" = String), ("Location" = String)))))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateReview>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let r = schedule::schedule(&state.pool, p, body.0).await?;
    let path = format!("/v1/reviews/{}", r.id);
    Ok(with_location(
        with_etag(StatusCode::CREATED, r.version, &Review::from(r)),
        &path,
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
    let r = schedule::get(&state.pool, p, id.into_inner()).await?;
    Ok(review_response(r))
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
    let r = schedule::reschedule(&state.pool, p, id.into_inner(), expected, body.0).await?;
    Ok(review_response(r))
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
    req: HttpRequest,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let out = agendas::agenda(&state.pool, p, id.into_inner()).await?;
    conditional_json(&req, &out)
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
    let item = items::add(&state.pool, p, id.into_inner(), body.0).await?;
    Ok(item_response(StatusCode::CREATED, item))
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
    let expected = if_match(&req);
    let row = items::change(&state.pool, p, path.into_inner(), expected, body.0).await?;
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
    let row = items::close(&state.pool, p, path.into_inner()).await?;
    Ok(item_response(StatusCode::OK, row))
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
    let r = schedule::complete(&state.pool, p, id.into_inner()).await?;
    Ok(review_response(r))
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
    let r = schedule::cancel(&state.pool, p, id.into_inner()).await?;
    Ok(review_response(r))
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
    let limit = page.limit;
    let rows = state
        .reads
        .read(async |pool, _| feed::successes(pool, p.clone(), q.clone(), page.clone()).await)
        .await?;
    let data: Vec<Success> = rows.into_iter().map(Success::from).collect();
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
        let at: DateTime<Utc> = "2026-12-03T13:30:00.25Z".parse().unwrap();
        assert_eq!(
            instant_key(at, id),
            format!("2026-12-03T13:30:00.250Z_{id}")
        );
        assert_eq!(instant_cursor(&instant_key(at, id)), Some((at, id)));
        assert_eq!(instant_cursor(&day_key(day, id)), None);
    }
}
