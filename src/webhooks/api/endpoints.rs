//! Webhook endpoints: register, list, read, change, delete, rotate the secret.

use actix_web::http::header::CACHE_CONTROL;
use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::Json;
use crate::http::{etag, finish, if_match, with_etag, with_location, List, PageParams};
use crate::state::AppState;
use crate::webhooks::dto::{CreateWebhook, PatchWebhook, Webhook, WebhookWithSecret};
use crate::webhooks::service::manage::{self, EndpointPatch, NewEndpoint};

/// The organisation's webhook endpoints, oldest first (admins and clients
/// with `webhooks:manage`).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "A page of endpoints", body = List<Webhook>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (rows, limit) = manage::list(&state, &p, &q).await?;
    Ok(HttpResponse::Ok().json(finish(
        rows.into_iter().map(Webhook::from).collect(),
        limit,
        |w: &Webhook| w.id.to_string(),
    )))
}

/// Register a webhook endpoint (admins and clients with `webhooks:manage`).
///
/// The answer holds its signing `secret`, this once only. The URL must be
/// `https` and must not be, or resolve to, a loopback, private, link-local,
/// multicast or reserved address (422 `webhook_url_refused`, naming why in
/// `errors[0].code`: `not_https`, `internal_address`, `unresolved`,
/// `not_a_url`, `credentials`). `event_types` lists known event types, or is
/// `["*"]` for all; `webhook.test` is not subscribed to, since it is sent on
/// request (`POST /v1/webhooks/{id}/test`) to one endpoint whatever it
/// subscribed to.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), request_body = CreateWebhook,
    responses(
        (status = 201, description = "Registered, with its secret (shown once)", body = WebhookWithSecret, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = "Invalid fields (`validation_failed`), or a URL webhooks may not be sent to (`webhook_url_refused`)", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateWebhook>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let (row, secret) = manage::create(
        &state,
        &p,
        NewEndpoint {
            url: b.url,
            event_types: b.event_types,
            description: b.description,
        },
    )
    .await?;
    let version = row.version;
    let webhook = Webhook::from(row);
    let location = format!("/v1/webhooks/{}", webhook.id);
    let res = HttpResponse::Created()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(WebhookWithSecret { webhook, secret });
    Ok(with_location(res, &location))
}

/// One webhook endpoint (never its secret).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint", body = Webhook, headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = manage::get(&state, &p, id.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, row.version, &Webhook::from(row)))
}

/// Change a webhook endpoint: its URL (checked as on registration), event
/// types, description, or whether it is `enabled`. Enabling it again clears
/// `disabled_reason` and `failing_since`. An invalid change is 422 whatever
/// `If-Match` says.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), request_body = PatchWebhook,
    params(
        ("id" = Uuid, Path, description = "The endpoint's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the endpoint changed since")
    ),
    responses(
        (status = 200, description = "Changed", body = Webhook, headers(("ETag" = String))),
        (status = 422, description = "Invalid fields (`validation_failed`), or a URL webhooks may not be sent to (`webhook_url_refused`)", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[patch("/{id}")]
pub async fn patch_one(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PatchWebhook>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let row = manage::patch(
        &state,
        &p,
        id.into_inner(),
        EndpointPatch {
            url: b.url,
            event_types: b.event_types,
            description: b.description,
            enabled: b.enabled,
        },
        if_match(&req),
    )
    .await?;
    Ok(with_etag(StatusCode::OK, row.version, &Webhook::from(row)))
}

/// Delete a webhook endpoint and its deliveries log.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted")))]
#[delete("/{id}")]
pub async fn delete_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    manage::delete(&state, &p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give a webhook endpoint a new signing secret, answered this once only.
///
/// The secret it replaces keeps signing beside the new one for 24 hours
/// (`previous_secret_expires_at`): every delivery meanwhile carries both
/// signatures, so receivers switch over at their pace. Rotating again
/// meanwhile keeps the secret just replaced and drops the older one.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint with its new secret (shown once)", body = WebhookWithSecret, headers(("ETag" = String)))))]
#[post("/{id}/rotate-secret")]
pub async fn rotate_secret(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (row, secret) = manage::rotate_secret(&state, &p, id.into_inner()).await?;
    let version = row.version;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(WebhookWithSecret {
            webhook: Webhook::from(row),
            secret,
        }))
}
