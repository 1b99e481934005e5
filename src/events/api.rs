//! `GET /v1/events`: HTTP only.

use actix_web::{get, web, HttpResponse};

use super::dto::{EventBody, EventPage, EventsQuery};
use super::service::{self, FeedRequest};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::state::AppState;

/// The events the caller may see, oldest first, for clients that poll.
///
/// Pass the id of the last event seen as `after`: events come in the order
/// their transactions committed, and never ahead of a transaction still in
/// flight, so a client polling this way misses none. Admins, viewers and
/// `read` clients see every event; a salesperson those about their own
/// targets, results, accounts and reviews; a manager also those of the teams
/// they manage (sub-teams included). Events are kept at least 30 days.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(EventsQuery),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        (status = 400, description = "A malformed `after` or `limit`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown `after` id or event type, or a `limit` out of range", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[get("/v1/events")]
pub async fn list(
    p: Principal,
    q: web::Query<EventsQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let request = FeedRequest {
        after: q.after,
        types: q.types,
        limit: q.limit,
    };
    let page = state
        .reads
        .read(async |pool, _| service::feed(pool, &p, request.clone()).await)
        .await?;
    Ok(HttpResponse::Ok().json(EventPage {
        data: page.events.into_iter().map(EventBody::from).collect(),
        has_more: page.more,
    }))
}
