//! `/v1/sales` and `/v1/activities`: what CRMs push, credited to the right person.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::dto::{ActivityBatch, ActivityItem, Sale, SaleBatch, SaleItem, SaleResult, VoidRequest};
use super::service;
use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::extract::{parse_batch, Batch};
use crate::http::{BatchResult, ItemResult, ItemStatus};
use crate::idempotency;
use crate::metrics::{self, Ingested};
use crate::state::AppState;
use std::sync::atomic::{AtomicU64, Ordering};

/// A batch's items, each read on its own: one that is not well-formed is
/// rejected alone.
fn read_batch<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    body: &[u8],
) -> AppResult<Batch<T>> {
    if !crate::extract::is_json(&crate::extract::content_type(req)) {
        return Err(crate::extract::unsupported_media_type("application/json"));
    }
    parse_batch(body, service::check_batch)
}

/// Push up to 1,000 sales (integration clients with `sales:write`, and admins).
/// Each item is answered by its index; valid items are stored even when others
/// are rejected, and a rejected item stores nothing. An item that is not
/// well-formed (a missing field, a wrong type, an unknown field, a bad date or
/// id) is rejected alone with its field errors, like one that breaks a rule;
/// only a body that is not a batch is refused whole. Send `Idempotency-Key` to
/// make a retry safe.
#[utoipa::path(tag = "results", security(("bearer" = [])), request_body = SaleBatch,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "Retries with the same key and body answer the first response again (1 to 255 characters)")),
    responses(
        (status = 200, description = "Each item's outcome", body = BatchResult),
        (status = 409, description = "`idempotency_in_progress`, `concurrent_update`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/batch")]
pub async fn sales_batch(
    p: Principal,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    service::require_scope(&p, Scope::SalesWrite)?;
    let batch: Batch<SaleItem> = read_batch(&req, &body)?;
    push_batch(
        state,
        p,
        req,
        body,
        Ingested::Sales,
        batch,
        service::push_sales,
    )
    .await
}

/// Stores a batch's well-formed items one by one, in one transaction, under the
/// request's `Idempotency-Key`, and answers every item by its index, the
/// malformed ones rejected. The rows stored are counted once committed (a
/// replayed answer stored none).
async fn push_batch<I: Send + 'static>(
    state: web::Data<AppState>,
    p: Principal,
    req: HttpRequest,
    body: web::Bytes,
    kind: Ingested,
    batch: Batch<I>,
    push: impl AsyncFn(&mut AsyncPgConnection, &Principal, &[I]) -> AppResult<Vec<ItemResult>>,
) -> AppResult<HttpResponse> {
    let Batch { items, answers } = batch;
    let who = p.clone();
    let rows = AtomicU64::new(0);
    let stored = &rows;
    let answer = idempotency::once(&state, &p, &req, &body, async move |c| {
        let results = answers.merge(push(c, &who, &items).await?);
        // The last attempt's: a transaction run again counts once.
        stored.store(metrics::stored(&results), Ordering::Relaxed);
        Ok((
            StatusCode::OK,
            serde_json::to_value(BatchResult::of(results)).map_err(AppError::internal)?,
        ))
    })
    .await?;
    state
        .metrics
        .rows_ingested(kind, rows.load(Ordering::Relaxed));
    Ok(answer)
}

/// Push one sale: 201 when created, 200 when updated or unchanged, 422 when rejected.
#[utoipa::path(tag = "results", security(("bearer" = [])), request_body = SaleItem,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "Retries with the same key and body answer the first response again (1 to 255 characters)")),
    responses(
        (status = 200, description = "Updated or unchanged", body = SaleResult),
        (status = 201, description = "Created", body = SaleResult),
        (status = 409, description = "`idempotency_in_progress`, `concurrent_update`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("")]
pub async fn sale(
    p: Principal,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    service::require_scope(&p, Scope::SalesWrite)?;
    if !crate::extract::is_json(&crate::extract::content_type(&req)) {
        return Err(crate::extract::unsupported_media_type("application/json"));
    }
    let item: SaleItem = crate::extract::parse_json(&body)?;
    let who = p.clone();
    let rows = AtomicU64::new(0);
    let stored = &rows;
    let answer = idempotency::once(&state, &p, &req, &body, async move |c| {
        let (status, row) = service::push_sale(c, &who, &item).await?;
        let code = if status == ItemStatus::Created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        // The last attempt's: a transaction run again counts once.
        let changed = matches!(status, ItemStatus::Created | ItemStatus::Updated);
        stored.store(u64::from(changed), Ordering::Relaxed);
        let out = SaleResult {
            status,
            sale: Sale::from(row),
        };
        Ok((code, serde_json::to_value(out).map_err(AppError::internal)?))
    })
    .await?;
    state
        .metrics
        .rows_ingested(Ingested::Sales, rows.load(Ordering::Relaxed));
    Ok(answer)
}

/// Void a sale that should never have counted; it stays in the ledger.
#[utoipa::path(tag = "results", security(("bearer" = [])), request_body(content = Option<VoidRequest>),
    params(
        ("id" = Uuid, Path, description = "The sale's id"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "Retries with the same key and body answer the first response again (1 to 255 characters)")
    ),
    responses(
        (status = 200, description = "Voided", body = Sale),
        (status = 409, description = "`already_voided`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/{id}/void")]
pub async fn void(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    service::require_scope(&p, Scope::SalesWrite)?;
    let id = id.into_inner();
    let request: VoidRequest = crate::extract::parse_optional_json(&req, &body)?;
    service::check_void_reason(request.reason.as_deref())?;
    let who = p.clone();
    idempotency::once(&state, &p, &req, &body, async move |c| {
        let row = service::void(c, &who, id, request.reason.as_deref()).await?;
        Ok((
            StatusCode::OK,
            serde_json::to_value(Sale::from(row)).map_err(AppError::internal)?,
        ))
    })
    .await
}

/// Push up to 1,000 activities (integration clients with `activities:write`, and
/// admins), answered item by item like sales: an item that is not well-formed
/// is rejected alone with its field errors, and only a body that is not a batch
/// is refused whole.
#[utoipa::path(tag = "results", security(("bearer" = [])), request_body = ActivityBatch,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "Retries with the same key and body answer the first response again (1 to 255 characters)")),
    responses(
        (status = 200, description = "Each item's outcome", body = BatchResult),
        (status = 409, description = "`idempotency_in_progress`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[post("/v1/activities/batch")]
pub async fn activities_batch(
    p: Principal,
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    service::require_scope(&p, Scope::ActivitiesWrite)?;
    let batch: Batch<ActivityItem> = read_batch(&req, &body)?;
    push_batch(
        state,
        p,
        req,
        body,
        Ingested::Activities,
        batch,
        service::push_activities,
    )
    .await
}

mod ledger;
pub use ledger::*;
