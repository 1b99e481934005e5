//! `GET /v1/sales`, `GET /v1/sales/{id}` and `GET /v1/activities`: the ledger
//! behind every progress figure, as JSON pages or as a streamed CSV export.

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use futures_util::stream;
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::PgPool;
use crate::error::{AppError, AppResult};
use crate::http::{finish, List, PageParams};
use crate::results::dto_ledger::{
    activity_record, sale_record, ActivitiesQuery, Activity, SaleDetail, SalesQuery, ACTIVITY_CSV,
    SALE_CSV,
};
use crate::results::service::ledger::{self as service, LedgerFilter, LedgerKey, EXPORT_PAGE};
use crate::state::AppState;

const CSV: &str = "text/csv; charset=utf-8";

/// `{day}_{id}`, the key a page ends on.
fn day_key(day: NaiveDate, id: Uuid) -> String {
    format!("{day}_{id}")
}

fn day_cursor(s: &str) -> Option<LedgerKey> {
    let (d, u) = s.split_once('_')?;
    Some((d.parse().ok()?, u.parse().ok()?))
}

/// The sales behind every progress figure, a page at a time or as a CSV export.
///
/// Sales credited to the people the caller sees, in `(occurred_on, id)` order:
/// a salesperson's own; a manager's and those of the members, on the sale's day,
/// of the teams they manage (sub-teams included); everything for admins, viewers
/// and `read` clients. A filter naming someone the caller does not see lists
/// nothing. Voided sales only with `include_voided=true`.
///
/// With `Accept: text/csv` the answer is the whole filtered ledger as CSV,
/// streamed: `limit` and `cursor` are ignored.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(SalesQuery),
    responses(
        (status = 200, description = "A page of sales, or every sale as CSV",
            content((List<SaleDetail> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A malformed filter or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`from` after `to`, or a bad `limit`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[get("")]
pub async fn list_sales(
    p: Principal,
    req: HttpRequest,
    q: web::Query<SalesQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    // Checked even for an export, which then ignores them.
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page(day_cursor)?;
    let page = (!crate::http::wants_csv(&req)).then_some(page);
    state
        .reads
        .read(async |pool, _| {
            let f = service::sales_filter(pool, &p, &q).await?;
            let Some(page) = &page else {
                // Streamed from the server chosen now, to the end.
                return Ok(export(pool.clone(), p.org_id, f, &SALE_CSV, sales_chunk));
            };
            let rows = service::sales_page(pool, p.org_id, &f, page).await?;
            let data: Vec<SaleDetail> = rows
                .into_iter()
                .map(|(row, credits)| SaleDetail::new(row, credits))
                .collect();
            Ok(
                HttpResponse::Ok().json(finish(data, page.limit, |s: &SaleDetail| {
                    day_key(s.sale.occurred_on, s.sale.id)
                })),
            )
        })
        .await
}

/// One sale with its credits: who is credited, with which share and amounts.
///
/// Voided sales are read too. 404 when there is none or the caller does not see it.
#[utoipa::path(tag = "results", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The sale's id")),
    responses(
        (status = 200, description = "The sale", body = SaleDetail),
        (status = 404, description = "No such sale, or not one the caller sees", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[get("/{id}")]
pub async fn sale_by_id(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (row, credits) = state
        .reads
        .read(async |pool, _| service::sale(pool, &p, id).await)
        .await?;
    Ok(HttpResponse::Ok().json(SaleDetail::new(row, credits)))
}

/// The activities behind every progress figure, a page at a time or as a CSV export.
///
/// Activities credited to the people the caller sees (as for sales), in
/// `(occurred_on, id)` order. A filter naming someone the caller does not see
/// lists nothing.
///
/// With `Accept: text/csv` the answer is the whole filtered ledger as CSV,
/// streamed: `limit` and `cursor` are ignored.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(ActivitiesQuery),
    responses(
        (status = 200, description = "A page of activities, or every activity as CSV",
            content((List<Activity> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A malformed filter or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`from` after `to`, a malformed `kind`, or a bad `limit`", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[get("/v1/activities")]
pub async fn list_activities(
    p: Principal,
    req: HttpRequest,
    q: web::Query<ActivitiesQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    // Checked even for an export, which then ignores them.
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page(day_cursor)?;
    let page = (!crate::http::wants_csv(&req)).then_some(page);
    state
        .reads
        .read(async |pool, _| {
            let f = service::activities_filter(pool, &p, &q).await?;
            let Some(page) = &page else {
                // Streamed from the server chosen now, to the end.
                return Ok(export(
                    pool.clone(),
                    p.org_id,
                    f,
                    &ACTIVITY_CSV,
                    activities_chunk,
                ));
            };
            let rows = service::activities_page(pool, p.org_id, &f, page).await?;
            let data: Vec<Activity> = rows.into_iter().map(Activity::from).collect();
            Ok(
                HttpResponse::Ok().json(finish(data, page.limit, |a: &Activity| {
                    day_key(a.occurred_on, a.id)
                })),
            )
        })
        .await
}

/// A chunk of an export: the CSV records of up to [`EXPORT_PAGE`] rows after
/// `after`, and the key of the last one (`None` when it was the last chunk).
type Chunk = (Vec<Vec<String>>, Option<LedgerKey>);

async fn sales_chunk(
    pool: PgPool,
    org: Uuid,
    f: LedgerFilter,
    after: Option<LedgerKey>,
) -> AppResult<Chunk> {
    let page = crate::db::Page {
        limit: EXPORT_PAGE - 1,
        after,
    };
    let rows = service::sales_page(&pool, org, &f, &page).await?;
    let full = rows.len() as i64 == EXPORT_PAGE;
    let next = rows
        .last()
        .filter(|_| full)
        .map(|(r, _)| (r.occurred_on, r.id));
    let records = rows
        .into_iter()
        .map(|(r, credits)| sale_record(&SaleDetail::new(r, credits)))
        .collect();
    Ok((records, next))
}

async fn activities_chunk(
    pool: PgPool,
    org: Uuid,
    f: LedgerFilter,
    after: Option<LedgerKey>,
) -> AppResult<Chunk> {
    let page = crate::db::Page {
        limit: EXPORT_PAGE - 1,
        after,
    };
    let rows = service::activities_page(&pool, org, &f, &page).await?;
    let full = rows.len() as i64 == EXPORT_PAGE;
    let next = rows.last().filter(|_| full).map(|r| (r.occurred_on, r.id));
    let records = rows
        .into_iter()
        .map(|r| activity_record(&Activity::from(r)))
        .collect();
    Ok((records, next))
}

fn csv_bytes(records: &[Vec<String>]) -> AppResult<Bytes> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        w.write_record(r).map_err(AppError::internal)?;
    }
    Ok(Bytes::from(w.into_inner().map_err(AppError::internal)?))
}

/// Where an export stands: the header is still to send, a chunk after a key
/// (`None`: the first), or done.
enum Step {
    Header,
    After(Option<LedgerKey>),
    Done,
}

/// The whole filtered ledger as CSV, streamed a chunk of [`EXPORT_PAGE`] rows
/// at a time (each read on a connection of its own, keyset-paged), never held
/// in memory whole. A failure half-way ends the body early.
fn export<F>(
    pool: PgPool,
    org: Uuid,
    f: LedgerFilter,
    header: &'static [&'static str],
    chunk: impl Fn(PgPool, Uuid, LedgerFilter, Option<LedgerKey>) -> F + 'static,
) -> HttpResponse
where
    F: std::future::Future<Output = AppResult<Chunk>> + 'static,
{
    let body = stream::unfold(Step::Header, move |step| {
        let (pool, f) = (pool.clone(), f.clone());
        let next = match step {
            Step::Header => None,
            Step::After(after) => Some(chunk(pool, org, f, after)),
            Step::Done => return futures_util::future::Either::Left(std::future::ready(None)),
        };
        futures_util::future::Either::Right(async move {
            let Some(next) = next else {
                let head = vec![header.iter().map(|h| h.to_string()).collect()];
                return Some((csv_bytes(&head), Step::After(None)));
            };
            match next.await {
                Ok((records, after)) => {
                    let step = match after {
                        Some(key) => Step::After(Some(key)),
                        None => Step::Done,
                    };
                    Some((csv_bytes(&records), step))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a ledger export failed half-way");
                    Some((Err(e), Step::Done))
                }
            }
        })
    });
    HttpResponse::Ok().content_type(CSV).streaming(body)
}
