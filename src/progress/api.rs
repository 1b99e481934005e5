//! `GET /v1/targets/{id}/progress`, `GET /v1/targets/{id}/series` and
//! `GET /v1/scorecards`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use uuid::Uuid;

use super::dto::{Progress, ProgressQuery, Scorecard, ScorecardQuery, Series, SeriesQuery};
use super::service;
use crate::auth::Principal;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
#[get("/{id}/progress")]
pub async fn progress(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    q: web::Query<ProgressQuery>,
    state: web::Data<AppState>,
    reader: web::Data<db::Reader>,
    replica_reader: web::Data<db::replica::ReplicaReader>,
) -> AppResult<HttpResponse> {
    let as_of = q.into_inner().as_of.map(NaiveDate::from);
    let id = id.into_inner();
    let out = state
        .reads
        .read(async |pool, side| {
            let reader = replica_reader.on(side).unwrap_or(&reader);
            service::target_progress(pool, reader, &state.aims, p.clone(), id, as_of).await
        })
        .await?;
    crate::http::conditional_json(&req, &out)
}

/// A target's cumulative actual against the expected line, a point per day or
/// week, for charts. Answers `If-None-Match` with 304.
#[utoipa::path(tag = "targets", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The target's id"),
        SeriesQuery,
        ("If-None-Match" = Option<String>, Header, description = "The ETag last read; 304 when unchanged")
    ),
    responses(
        (status = 200, description = "The series", body = Series, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 422, description = "`too_many_points`: more than 3,660 points (by day, ask for weeks; by week, about 70 years, read the progress instead)", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[get("/{id}/series")]
pub async fn series(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    q: web::Query<SeriesQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let SeriesQuery { granularity, as_of } = q.into_inner();
    let as_of = as_of.map(NaiveDate::from);
    let id = id.into_inner();
    let out = state
        .reads
        .read(async |pool, _| service::series(pool, p.clone(), id, granularity, as_of).await)
        .await?;
    crate::http::conditional_json(&req, &out)
}

/// A team's scorecard: every member's and the team's agreed targets in a period,
/// with progress; `sort=-attainment_pct` for a leaderboard; `Accept: text/csv`
/// for a spreadsheet (a line per target, a member without targets on a line of
/// their own). Answers `If-None-Match` with 304.
#[utoipa::path(tag = "scorecards", security(("bearer" = [])),
    params(
        ScorecardQuery,
        ("If-None-Match" = Option<String>, Header, description = "The ETag last read; 304 when unchanged")
    ),
    responses(
        (status = 200, description = "The scorecard", headers(("ETag" = String)),
            content((Scorecard = "application/json"), (String = "text/csv"))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 404, description = "No such team, or not one the caller may see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`unknown_period`, or no `team_id` when the caller is not in exactly one team", body = crate::error::Problem, content_type = "application/problem+json")
    ))]
#[get("/v1/scorecards")]
pub async fn scorecard(
    p: Principal,
    req: HttpRequest,
    q: web::Query<ScorecardQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let csv = crate::http::wants_csv(&req);
    let q = q.into_inner();
    let card = state
        .reads
        .read(async |pool, _| {
            service::scorecard(pool, &state.scorecards, p.clone(), q.clone()).await
        })
        .await?;
    if csv {
        let body = scorecard_csv(&card)?;
        Ok(crate::http::conditional(
            &req,
            "text/csv; charset=utf-8",
            body,
        ))
    } else {
        crate::http::conditional_json(&req, &card)
    }
}

/// The scorecard as CSV: the team's lines first, then the members' in the order
/// asked for; a line per target, and a line with empty target columns for a row
/// without targets.
fn scorecard_csv(card: &Scorecard) -> AppResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "period",
        "as_of",
        "subject_type",
        "subject_id",
        "name",
        "team_id",
        "target_id",
        "title",
        "metric",
        "activity_kind",
        "account_id",
        "starts_on",
        "ends_on",
        "value",
        "actual",
        "attainment_pct",
        "expected_to_date",
        "pace_pct",
        "status",
        "projected",
        "gap",
        "working_days_left",
        "required_per_working_day",
        "required_per_week",
    ];
    w.write_record(header).map_err(AppError::internal)?;
    let opt = |x: Option<String>| x.unwrap_or_default();
    for row in std::iter::once(&card.team).chain(card.members.iter()) {
        let lead = [
            card.period.clone(),
            card.as_of.to_string(),
            row.subject_type.clone(),
            row.subject_id.to_string(),
            crate::http::csv_text(&row.name),
            row.team_id.to_string(),
        ];
        if row.targets.is_empty() {
            let mut rec: Vec<String> = lead.to_vec();
            rec.resize(header.len(), String::new());
            w.write_record(&rec).map_err(AppError::internal)?;
        }
        for t in &row.targets {
            let pr = &t.progress;
            let mut rec: Vec<String> = lead.to_vec();
            rec.extend([
                pr.target_id.to_string(),
                crate::http::csv_text(&t.title),
                t.metric.clone(),
                opt(t.activity_kind.as_deref().map(crate::http::csv_text)),
                opt(t.account_id.map(|a| a.to_string())),
                pr.starts_on.to_string(),
                pr.ends_on.to_string(),
                pr.value.to_string(),
                pr.actual.to_string(),
                pr.attainment_pct.to_string(),
                pr.expected_to_date.to_string(),
                opt(pr.pace_pct.map(|d| d.to_string())),
                pr.status.as_str().to_string(),
                pr.projected.to_string(),
                pr.gap.to_string(),
                pr.working_days_left.to_string(),
                pr.required_per_working_day.to_string(),
                pr.required_per_week.to_string(),
            ]);
            w.write_record(&rec).map_err(AppError::internal)?;
        }
    }
    w.into_inner().map_err(AppError::internal)
}
