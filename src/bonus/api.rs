//! `/v1/bonus-plans`: bonuses tied to financial outcomes only.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use uuid::Uuid;

use super::dto::{
    BonusPlan, CreateBonusPlan, GateStatus, PatchBonusPlan, Payout, PayoutQuery, PlanQuery,
};
use super::service::{earnings, plans};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::extract::Json;
use crate::http::{finish, if_match, with_etag, List, PageParams};
use crate::state::AppState;

/// Bonus plans on targets the caller may see.
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), params(PlanQuery),
    responses((status = 200, description = "A page of plans", body = List<BonusPlan>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<PlanQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (rows, limit) = plans::list(&state.pool, &p, q.target_id, &page).await?;
    Ok(HttpResponse::Ok().json(finish(
        rows.into_iter().map(BonusPlan::from).collect(),
        limit,
        |b: &BonusPlan| b.id.to_string(),
    )))
}

/// Create a bonus plan (admins only).
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), request_body = CreateBonusPlan,
    responses((status = 201, description = "Created", body = BonusPlan, headers(("ETag" = String))), (status = 403, description = "`admins_only`: bonus plans are created, changed and deleted by admins only; `own_target` / `own_team`: the admin answers for the plan's target or its gate", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateBonusPlan>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = plans::create(&state.pool, &p, body.0).await?;
    Ok(with_etag(
        StatusCode::CREATED,
        row.version,
        &BonusPlan::from(row),
    ))
}

/// One bonus plan.
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The plan's id")),
    responses((status = 200, description = "The plan", body = BonusPlan, headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let row = plans::get(&state.pool, &p, id.into_inner()).await?;
    Ok(with_etag(
        StatusCode::OK,
        row.version,
        &BonusPlan::from(row),
    ))
}

/// Change a bonus plan (admins only).
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), request_body = PatchBonusPlan,
    params(
        ("id" = Uuid, Path, description = "The plan's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the plan changed since")
    ),
    responses((status = 200, description = "Updated", body = BonusPlan, headers(("ETag" = String))), (status = 403, description = "`admins_only`: bonus plans are created, changed and deleted by admins only; `own_target` / `own_team`: the admin answers for the plan's target or its gate", body = crate::error::Problem, content_type = "application/problem+json")))]
#[patch("/{id}")]
pub async fn patch_one(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PatchBonusPlan>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let expected = if_match(&req);
    let row = plans::patch(&state.pool, &p, id.into_inner(), body.0, expected).await?;
    Ok(with_etag(
        StatusCode::OK,
        row.version,
        &BonusPlan::from(row),
    ))
}

/// Delete a bonus plan (admins only).
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The plan's id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "`admins_only`: bonus plans are created, changed and deleted by admins only", body = crate::error::Problem, content_type = "application/problem+json")))]
#[delete("/{id}")]
pub async fn delete_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    plans::delete(&state.pool, &p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What a bonus plan has earned so far, and what it would pay at the current run rate.
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The plan's id"), PayoutQuery),
    responses((status = 200, description = "The payout", body = Payout)))]
#[get("/{id}/payout")]
pub async fn payout(
    p: Principal,
    id: web::Path<Uuid>,
    q: web::Query<PayoutQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let as_of = q.into_inner().as_of.map(NaiveDate::from);
    let out = earnings::payout(&state.pool, &p, id.into_inner(), as_of).await?;
    Ok(HttpResponse::Ok().json(Payout {
        plan_id: out.plan_id,
        target_id: out.target_id,
        as_of: out.as_of,
        attainment_pct: out.attainment_pct,
        tier_reached_pct: out.tier_reached_pct,
        earned: out.earned,
        gate: out.gate.map(|g| GateStatus {
            target_id: g.target_id,
            required_pct: g.required_pct,
            attainment_pct: g.attainment_pct,
            met: g.met,
        }),
        projected_attainment_pct: out.projected_attainment_pct,
        projected_payout: out.projected_payout,
    }))
}
