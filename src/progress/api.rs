//! `GET /v1/targets/{id}/progress`.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, PaceStatus, Thresholds};
use crate::auth::Principal;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::results::rules::activity_metric;
use crate::results::store as results;
use crate::state::AppState;
use crate::targets::api::OrgContext;
use crate::targets::store::{self as targets, TargetRow};
use diesel::PgConnection;

/// Where a target stands on `as_of`, and what it takes from there. Amounts are
/// decimal strings.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub target_id: Uuid,
    pub as_of: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[schema(value_type = String)]
    pub value: Decimal,
    /// Achieved from the first day up to and including `as_of`.
    #[schema(value_type = String)]
    pub actual: Decimal,
    #[schema(value_type = String)]
    pub attainment_pct: Decimal,
    /// The value spread over the period's working days, up to `as_of`.
    #[schema(value_type = String)]
    pub expected_to_date: Decimal,
    /// Actual over expected; null before the first working day.
    #[schema(value_type = Option<String>)]
    pub pace_pct: Option<Decimal>,
    pub status: PaceStatus,
    /// The run rate so far carried to the period's end.
    #[schema(value_type = String)]
    pub projected: Decimal,
    #[schema(value_type = String)]
    pub gap: Decimal,
    pub working_days_left: u32,
    #[schema(value_type = String)]
    pub required_per_working_day: Decimal,
    #[schema(value_type = String)]
    pub required_per_week: Decimal,
}

/// A target's progress on `as_of`: what counts from its first day up to and
/// including `as_of`, against its pace.
pub fn measure(
    c: &mut PgConnection,
    ctx: &OrgContext,
    t: &TargetRow,
    as_of: NaiveDate,
) -> AppResult<Progress> {
    let (_, week) = crate::calendar::api::of_org(&ctx.org);
    let metric = match t.activity_kind.as_deref() {
        Some(kind) if t.metric == "activities" => activity_metric(kind),
        _ => t.metric.clone(),
    };
    let to = as_of.min(t.ends_on);
    let actual = if as_of < t.starts_on {
        Decimal::ZERO
    } else if let Some(account) = t.account_id {
        results::account_total(c, t.org_id, account, &metric, t.starts_on, to)?
    } else {
        let ranges = [(t.starts_on, to)];
        targets::achieved(
            c,
            t.org_id,
            (&t.subject_type, t.subject_id),
            &metric,
            &ranges,
        )?
        .pop()
        .flatten()
        .unwrap_or(Decimal::ZERO)
    };
    let pace = rules::pace(
        t.value,
        actual,
        t.starts_on,
        t.ends_on,
        as_of,
        &week,
        Thresholds::default(),
    );
    // Every figure with two decimals, like money elsewhere ("12500.00").
    let two = |d: Decimal| {
        let mut d = d.round_dp(2);
        d.rescale(2);
        d
    };
    Ok(Progress {
        target_id: t.id,
        as_of,
        starts_on: t.starts_on,
        ends_on: t.ends_on,
        value: two(t.value),
        actual: two(actual),
        attainment_pct: two(pace.attainment_pct),
        expected_to_date: two(pace.expected_to_date),
        pace_pct: pace.pace_pct.map(two),
        status: pace.status,
        projected: two(pace.projected),
        gap: two(pace.gap),
        working_days_left: pace.working_days_left,
        required_per_working_day: two(pace.required_per_working_day),
        required_per_week: two(pace.required_per_week),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// The day to measure on (default: today in the organisation's time zone);
    /// results after it do not count.
    pub as_of: Option<NaiveDate>,
}

/// Progress of a target on a day: actual, pace, status, projection, and the rate
/// needed per working day and per week. Answers `If-None-Match` with 304.
#[utoipa::path(tag = "targets", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The target's id"),
        ProgressQuery,
        ("If-None-Match" = Option<String>, Header, description = "The ETag last read; 304 when unchanged")
    ),
    responses(
        (status = 200, description = "The progress", body = Progress, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag sent")
    ))]
#[get("/v1/targets/{id}/progress")]
pub async fn progress(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    q: web::Query<ProgressQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let id = id.into_inner();
    let as_of = q.into_inner().as_of;
    if as_of.is_some_and(|d| !(1000..=9998).contains(&d.year())) {
        return Err(AppError::invalid_field(
            "as_of",
            "out_of_range",
            "a date between the years 1000 and 9998",
        ));
    }
    let out = db::run(&state.pool, move |c| {
        let ctx = OrgContext::load(c, p.org_id)?;
        let t = targets::get_visible(c, &p, id, false)?;
        let as_of = as_of.unwrap_or(ctx.today);
        measure(c, &ctx, &t, as_of)
    })
    .await?;
    let body = serde_json::to_vec(&out).map_err(AppError::internal)?;
    let etag = format!(
        "\"{}\"",
        crate::auth::keys::base64_url(&Sha256::digest(&body)[..16])
    );
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
        });
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .content_type("application/json")
        .body(body))
}
