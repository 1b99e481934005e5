//! An endpoint's deliveries: the log, one delivery, a test ping, a redelivery.

use actix_web::{get, post, web, HttpResponse};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::http::{finish, List, PageParams};
use crate::state::AppState;
use crate::webhooks::dto::{DeliveriesQuery, Delivery};
use crate::webhooks::service::deliveries_log;

/// Send a webhook endpoint a `webhook.test` event.
///
/// Answers the delivery made for it, pending and due now; the event goes to
/// this endpoint only and is in no feed. Its data names the endpoint and who
/// asked (`requested_by`: a user's id; null for a client). A disabled endpoint
/// is sent nothing (409 `webhook_disabled`).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 202, description = "The test delivery, pending", body = Delivery),
        (status = 409, description = "`webhook_disabled`: a disabled endpoint is sent nothing", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/test")]
pub async fn test(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = deliveries_log::test(&state, &p, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(Delivery::from(row)))
}

/// A webhook endpoint's deliveries, newest first: each event sent to it, where
/// it stands, and its last attempt (HTTP status, duration, the first KB of the
/// answer, or what went wrong).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id"), DeliveriesQuery),
    responses((status = 200, description = "A page of deliveries", body = List<Delivery>)))]
#[get("/{id}/deliveries")]
pub async fn list_deliveries(
    p: Principal,
    path: web::Path<Uuid>,
    q: web::Query<DeliveriesQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (rows, limit) =
        deliveries_log::list(&state, &p, path.into_inner(), q.status, &page).await?;
    Ok(HttpResponse::Ok().json(finish(
        rows.into_iter().map(Delivery::from).collect(),
        limit,
        |d: &Delivery| d.id.to_string(),
    )))
}

/// One delivery of a webhook endpoint.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The endpoint's id"),
        ("delivery_id" = Uuid, Path, description = "The delivery's id")
    ),
    responses((status = 200, description = "The delivery", body = Delivery)))]
#[get("/{id}/deliveries/{delivery_id}")]
pub async fn get_delivery(
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (webhook, id) = path.into_inner();
    let row = deliveries_log::get(&state, &p, webhook, id).await?;
    Ok(HttpResponse::Ok().json(Delivery::from(row)))
}

/// Send a delivered or failed delivery again.
///
/// It becomes pending and due now, with the same event and body (the same
/// `webhook-id`, so that receivers deduplicate), tried on the whole retry
/// schedule again (`attempts` counts from 0; the log keeps the last answer
/// until the next attempt). A
/// pending delivery is already on its way (409 `delivery_pending`); a disabled
/// endpoint is sent nothing (409 `webhook_disabled`).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The endpoint's id"),
        ("delivery_id" = Uuid, Path, description = "The delivery's id")
    ),
    responses(
        (status = 202, description = "Pending again", body = Delivery),
        (status = 409, description = "`delivery_pending`: it is already due or being sent; `webhook_disabled`: a disabled endpoint is sent nothing", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (webhook, id) = path.into_inner();
    let row = deliveries_log::redeliver(&state, &p, webhook, id).await?;
    Ok(HttpResponse::Accepted().json(Delivery::from(row)))
}
