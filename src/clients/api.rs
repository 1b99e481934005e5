//! `/v1/clients`: integration clients (admin only).

use actix_web::{delete, get, post, web, HttpResponse};
use uuid::Uuid;

use super::dto::{Client, CreateClient, CreatedClient};
use super::service::manage;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::Json;
use crate::http::{finish, List, PageParams};
use crate::state::AppState;

/// Integration clients (admin).
#[utoipa::path(tag = "clients", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "A page of clients", body = List<Client>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (rows, limit) = manage::list(&state.pool, &p, &q).await?;
    Ok(HttpResponse::Ok().json(finish(
        rows.into_iter().map(Client::from).collect(),
        limit,
        |c: &Client| c.id.to_string(),
    )))
}

/// Create an integration client (admin); the answer holds its secret, once.
#[utoipa::path(tag = "clients", security(("bearer" = [])), request_body = CreateClient,
    responses(
        (status = 201, description = "Created", body = CreatedClient),
        (status = 409, description = "`client_name_taken`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateClient>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let (row, secret) = manage::create(&state.pool, &p, &b.name, &b.scopes).await?;
    let client = Client::from(row);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CreatedClient {
            client_id: client.id,
            client,
            client_secret: secret,
        }))
}

/// One integration client (admin).
#[utoipa::path(tag = "clients", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The client's id")),
    responses(
        (status = 200, description = "The client", body = Client),
        (status = 410, description = "Deactivated (`client_deactivated`)", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = manage::get(&state.pool, &p, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Client::from(row)))
}

/// Deactivate an integration client (admin); its tokens stop working at once.
#[utoipa::path(tag = "clients", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The client's id")),
    responses(
        (status = 200, description = "Deactivated", body = Client),
        (status = 410, description = "Already deactivated (`client_deactivated`)", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[delete("/{id}")]
pub async fn deactivate(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = manage::deactivate(&state.pool, &p, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Client::from(row)))
}
