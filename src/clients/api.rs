//! `/v1/clients`: integration clients (admin only).

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::rules;
use super::store::{self, ClientRow};
use crate::auth::rules::{new_secret, secret_digest};
use crate::auth::{Principal, Scope};
use crate::db;
use crate::error::{AppError, AppResult, Validator};
use crate::extract::Json;
use crate::http::{finish, List, PageParams};
use crate::state::AppState;

/// An integration client (a CRM connector, a dashboard).
#[derive(Debug, Serialize, ToSchema)]
pub struct Client {
    /// Also the `client_id` of the client_credentials grant.
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// A deactivated client can no longer obtain or use tokens.
    pub active: bool,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<ClientRow> for Client {
    fn from(r: ClientRow) -> Self {
        Client {
            id: r.id,
            name: r.name,
            scopes: r.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            active: r.active,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// A new client, with its secret: shown this once only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedClient {
    #[serde(flatten)]
    pub client: Client,
    /// The same as `id`.
    pub client_id: Uuid,
    /// Store it now: it cannot be shown again.
    pub client_secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    #[schema(min_length = 1, max_length = 200, example = "Salesforce sync")]
    pub name: String,
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
}

/// Integration clients (admin).
#[utoipa::path(tag = "clients", security(("bearer" = [])), params(PageParams),
    responses((status = 200, description = "A page of clients", body = List<Client>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<PageParams>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_admin()?;
    let page = q.by_id()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, async move |c| {
        store::list(c, p.org_id, &page).await
    })
    .await?;
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
    p.require_admin()?;
    let (me, _) = p.require_user()?;
    let b = body.0;
    let mut v = Validator::new();
    v.text("name", &b.name, 200);
    let scopes: Vec<String> = rules::normalise_scopes(&mut v, &b.scopes)
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    v.finish()?;
    let secret = new_secret();
    let hash = secret_digest(&secret);
    let row = db::tx(&state.pool, async move |c| {
        store::insert(c, p.org_id, b.name.trim(), &scopes, &hash, me).await
    })
    .await?;
    let client = Client::from(row);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CreatedClient {
            client_id: client.id,
            client,
            client_secret: secret,
        }))
}

/// A deactivated client is gone (410).
fn live(row: ClientRow) -> AppResult<ClientRow> {
    if row.active {
        Ok(row)
    } else {
        Err(AppError::new(
            actix_web::http::StatusCode::GONE,
            "client_deactivated",
            "this client was deactivated; it can no longer obtain or use tokens",
        ))
    }
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
    p.require_admin()?;
    let id = id.into_inner();
    let row = db::run(&state.pool, async move |c| {
        live(store::get(c, p.org_id, id).await?)
    })
    .await?;
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
    p.require_admin()?;
    let id = id.into_inner();
    let row = db::tx(&state.pool, async move |c| {
        live(store::get(c, p.org_id, id).await?)?;
        store::deactivate(c, p.org_id, id).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(Client::from(row)))
}
