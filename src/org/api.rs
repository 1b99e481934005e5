//! `GET /v1/org`, `PATCH /v1/org`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, web, HttpRequest, HttpResponse};

use super::dto::{Org, OrgPatch};
use super::service::settings;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::Json;
use crate::http::{if_match, with_etag};
use crate::state::AppState;

/// The caller's organisation.
#[utoipa::path(
    tag = "org",
    security(("bearer" = [])),
    responses((status = 200, description = "The organisation", body = Org, headers(("ETag" = String))))
)]
#[get("/v1/org")]
pub async fn get_org(p: Principal, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let row = settings::get(&state.pool, &p).await?;
    Ok(with_etag(StatusCode::OK, row.version, &Org::from(row)))
}

/// Change the organisation's settings (admin).
#[utoipa::path(
    tag = "org",
    security(("bearer" = [])),
    request_body = OrgPatch,
    params(("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the organisation changed since")),
    responses((status = 200, description = "Updated", body = Org, headers(("ETag" = String))))
)]
#[patch("/v1/org")]
pub async fn patch_org(
    p: Principal,
    req: HttpRequest,
    body: Json<OrgPatch>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = if_match(&req);
    let row = settings::patch(&state.pool, &p, body.0, expected).await?;
    Ok(with_etag(StatusCode::OK, row.version, &Org::from(row)))
}
