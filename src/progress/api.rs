//! `GET /v1/targets/{id}/progress`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, PaceStatus, SeriesGranularity};
use crate::auth::Principal;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::org::context::OrgContext;
use crate::results::rules::activity_metric;
use crate::results::store as results;
use crate::state::AppState;
use crate::targets::store::{self as targets, TargetRow};
use crate::values::IsoDate;
use diesel_async::AsyncPgConnection;

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

/// The rollup metric a target counts: its metric, or `activity:<kind>`.
fn rollup_metric(t: &TargetRow) -> String {
    match t.activity_kind.as_deref() {
        Some(kind) if t.metric == "activities" => activity_metric(kind),
        _ => t.metric.clone(),
    }
}

/// A target's progress on `as_of`: what counts from its first day up to and
/// including `as_of`, against its pace.
pub async fn measure(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    t: &TargetRow,
    as_of: NaiveDate,
) -> AppResult<Progress> {
    let metric = rollup_metric(t);
    let to = as_of.min(t.ends_on);
    let actual = if as_of < t.starts_on {
        Decimal::ZERO
    } else if let Some(account) = t.account_id {
        results::account_total(c, t.org_id, account, &metric, t.starts_on, to).await?
    } else {
        let ranges = [(t.starts_on, to)];
        targets::achieved(
            c,
            t.org_id,
            (&t.subject_type, t.subject_id),
            &metric,
            &ranges,
        )
        .await?
        .pop()
        .flatten()
        .unwrap_or(Decimal::ZERO)
    };
    Ok(assemble(ctx, t, actual, as_of))
}

/// The progress of many targets at once, on `as_of` (`None`: each on its own
/// last day): people's own targets in one statement, account and team targets
/// one by one.
pub async fn measure_many(
    c: &mut AsyncPgConnection,
    ctx: &OrgContext,
    all: &[TargetRow],
    as_of: Option<NaiveDate>,
) -> AppResult<std::collections::HashMap<Uuid, Progress>> {
    let day = |t: &TargetRow| as_of.unwrap_or(t.ends_on);
    let bulk = |t: &TargetRow| t.subject_type == "user" && t.account_id.is_none();
    let wanted: Vec<_> = all
        .iter()
        .filter(|t| bulk(t) && day(t) >= t.starts_on)
        .filter_map(|t| {
            t.subject_id.map(|who| {
                (
                    t.id,
                    who,
                    rollup_metric(t),
                    t.starts_on,
                    day(t).min(t.ends_on),
                )
            })
        })
        .collect();
    let sums = results::achieved_many(c, ctx.org.id, &wanted).await?;
    let mut measured = std::collections::HashMap::new();
    for t in all {
        let pr = if bulk(t) {
            let actual = sums.get(&t.id).copied().unwrap_or(Decimal::ZERO);
            assemble(ctx, t, actual, day(t))
        } else {
            measure(c, ctx, t, day(t)).await?
        };
        measured.insert(t.id, pr);
    }
    Ok(measured)
}

/// Every figure with two decimals, like money elsewhere ("12500.00").
fn two(d: Decimal) -> Decimal {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d
}

/// The progress of `t` with `actual` achieved by the end of `as_of`.
fn assemble(ctx: &OrgContext, t: &TargetRow, actual: Decimal, as_of: NaiveDate) -> Progress {
    let pace = rules::pace(
        t.value,
        actual,
        t.starts_on,
        t.ends_on,
        as_of,
        &ctx.week,
        ctx.org.pace_thresholds(),
    );
    Progress {
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
    }
}

/// `as_of` must be a day the calendar handles.
fn check_as_of(as_of: Option<NaiveDate>) -> AppResult<()> {
    if as_of.is_some_and(|d| !(1000..=9998).contains(&d.year())) {
        return Err(AppError::invalid_field(
            "as_of",
            "out_of_range",
            "a date between the years 1000 and 9998",
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// The day to measure on (default: today in the organisation's time zone);
    /// results after it do not count.
    pub as_of: Option<IsoDate>,
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
#[get("/{id}/progress")]
pub async fn progress(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    q: web::Query<ProgressQuery>,
    state: web::Data<AppState>,
    reader: web::Data<db::Reader>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let id = id.into_inner();
    let as_of = q.into_inner().as_of.map(NaiveDate::from);
    check_as_of(as_of)?;
    // The target and its salesperson's actual, on the worker's shared
    // connection; one's own target, or the organisation's, needs nothing else.
    let mut read = None;
    if let Some(ctx) = OrgContext::with_caller(&p) {
        let as_of = as_of.unwrap_or(ctx.today);
        let (t, own) = targets::get_with_own_actual_shared(&reader, p.org_id, id, as_of).await?;
        if let (Some(actual), true) = (own, targets::seen_by_everyone_or_self(&p, &t)) {
            return crate::http::conditional_json(&req, &assemble(&ctx, &t, actual, as_of));
        }
        read = Some((ctx, as_of, t, own));
    }
    // Taken by the first attempt; a second one (see `db::run`) reads it all itself.
    let read = std::cell::Cell::new(read);
    let out = db::run(&state.pool, async move |c| {
        let (ctx, as_of, t, own) = match read.take() {
            Some(read) => read,
            None => {
                let ctx = OrgContext::for_read(c, &p).await?;
                let as_of = as_of.unwrap_or(ctx.today);
                let (t, own) = targets::get_with_own_actual(c, p.org_id, id, as_of).await?;
                (ctx, as_of, t, own)
            }
        };
        let t = targets::check_visible(c, &p, t).await?;
        match own {
            Some(actual) => Ok(assemble(&ctx, &t, actual, as_of)),
            None => measure(c, &ctx, &t, as_of).await,
        }
    })
    .await?;
    crate::http::conditional_json(&req, &out)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// A point per day (default) or per week (weeks begin on the organisation's `week_start`).
    pub granularity: Option<SeriesGranularity>,
    /// The last day counted (default: today in the organisation's time zone).
    pub as_of: Option<IsoDate>,
}

/// One point of a chart. Amounts are decimal strings.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    pub starts_on: NaiveDate,
    /// The last day of the day or week (weeks are cut at the target's first and last day).
    pub ends_on: NaiveDate,
    /// Achieved from the target's first day to `ends_on` (to `as_of` in the point
    /// holding it); null for points after `as_of`.
    #[schema(value_type = Option<String>)]
    pub actual: Option<Decimal>,
    /// The value spread over the working days, up to `ends_on`.
    #[schema(value_type = String)]
    pub expected: Decimal,
}

/// A target's cumulative actual against its expected line, for charts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Series {
    pub target_id: Uuid,
    pub granularity: SeriesGranularity,
    pub as_of: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[schema(value_type = String)]
    pub value: Decimal,
    pub points: Vec<SeriesPoint>,
}

/// The most points a series answers: ten years by day.
const MAX_POINTS: i64 = 3660;

/// A series longer than [`MAX_POINTS`]: the limit, and what to ask for instead.
fn too_many_points(id: Uuid, span: i64, granularity: SeriesGranularity) -> AppError {
    let instead = match granularity {
        SeriesGranularity::Day => {
            "ask for granularity=week (a point per week, up to about 70 years)".to_string()
        }
        SeriesGranularity::Week => format!(
            "{} weeks even by week; read its totals at /v1/targets/{id}/progress, or set shorter targets",
            span / 7 + 1
        ),
    };
    AppError::invalid_field(
        "granularity",
        "too_many_points",
        format!(
            "a series has at most {MAX_POINTS} points and this target spans {span} days: {instead}"
        ),
    )
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
    p.require_reader()?;
    let id = id.into_inner();
    let SeriesQuery { granularity, as_of } = q.into_inner();
    let as_of = as_of.map(NaiveDate::from);
    check_as_of(as_of)?;
    let granularity = granularity.unwrap_or(SeriesGranularity::Day);
    let out = db::run(&state.pool, async move |c| {
        let ctx = OrgContext::for_read(c, &p).await?;
        let t = targets::get_visible(c, &p, id, false).await?;
        let as_of = as_of.unwrap_or(ctx.today);
        let span = (t.ends_on - t.starts_on).num_days() + 1;
        let points = match granularity {
            SeriesGranularity::Day => span,
            SeriesGranularity::Week => span / 7 + 2,
        };
        if points > MAX_POINTS {
            return Err(too_many_points(id, span, granularity));
        }
        let metric = rollup_metric(&t);
        let to = as_of.min(t.ends_on);
        let daily = if as_of < t.starts_on {
            Vec::new()
        } else if let Some(account) = t.account_id {
            results::account_daily(c, t.org_id, account, &metric, t.starts_on, to).await?
        } else {
            targets::achieved_daily(
                c,
                t.org_id,
                (&t.subject_type, t.subject_id),
                &metric,
                t.starts_on,
                to,
            )
            .await?
        };
        let week_start = ctx.org.week_start.weekday();
        let points = rules::series(
            t.value,
            (t.starts_on, t.ends_on),
            as_of,
            &ctx.week,
            week_start,
            granularity,
            &daily,
        );
        Ok(Series {
            target_id: t.id,
            granularity,
            as_of,
            starts_on: t.starts_on,
            ends_on: t.ends_on,
            value: two(t.value),
            points: points
                .into_iter()
                .map(|p| SeriesPoint {
                    starts_on: p.starts_on,
                    ends_on: p.ends_on,
                    actual: p.actual.map(two),
                    expected: two(p.expected),
                })
                .collect(),
        })
    })
    .await?;
    crate::http::conditional_json(&req, &out)
}

/// How scorecard rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum ScorecardSort {
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "attainment_pct")]
    Attainment,
    #[serde(rename = "-attainment_pct")]
    AttainmentDesc,
    #[serde(rename = "pace_pct")]
    Pace,
    #[serde(rename = "-pace_pct")]
    PaceDesc,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// The period key (`2026-Q4`, `2026-11`, `FY2027`...): the agreed targets lying
    /// within it are shown.
    pub period: String,
    /// The team (default: the caller's own team, when they are in exactly one).
    pub team_id: Option<Uuid>,
    /// The day to measure on and whose team membership counts (default: today).
    pub as_of: Option<IsoDate>,
    /// Row order: `name` (default), `attainment_pct`, `pace_pct`; a leading `-`
    /// reverses it (`-attainment_pct` is the leaderboard). Rows without targets
    /// come last.
    #[param(inline)]
    pub sort: Option<ScorecardSort>,
    /// Only targets of this metric (e.g. a revenue leaderboard).
    pub metric: Option<crate::targets::rules::Metric>,
}

/// The progress of one agreed target on a scorecard.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetProgress {
    pub title: String,
    pub metric: String,
    pub activity_kind: Option<String>,
    pub account_id: Option<Uuid>,
    #[serde(flatten)]
    pub progress: Progress,
}

/// A scorecard row: a member or the team, with the progress of each agreed target.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardRow {
    #[schema(example = "user")]
    pub subject_type: String,
    pub subject_id: Uuid,
    pub name: String,
    /// The member's team on `as_of` (the team itself on the team row).
    pub team_id: Uuid,
    /// The mean attainment of the row's targets; null without targets.
    #[schema(value_type = Option<String>)]
    pub attainment_pct: Option<Decimal>,
    /// The mean pace of the row's targets that have one; null when none has.
    #[schema(value_type = Option<String>)]
    pub pace_pct: Option<Decimal>,
    pub targets: Vec<TargetProgress>,
}

/// A team's scorecard for a period: a row per member on `as_of` (sub-teams'
/// members included) and the team's own row.
#[derive(Debug, Serialize, ToSchema)]
pub struct Scorecard {
    pub team_id: Uuid,
    pub period: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub as_of: NaiveDate,
    pub team: ScorecardRow,
    pub members: Vec<ScorecardRow>,
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
    p.require_reader()?;
    let q = q.into_inner();
    check_as_of(q.as_of.map(NaiveDate::from))?;
    let csv = wants_csv(&req);
    let card = db::run(&state.pool, async move |c| build_scorecard(c, &p, &q).await).await?;
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

/// Whether the caller asked for CSV rather than JSON.
fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|m| {
                m.split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/csv"))
            })
        })
}

async fn build_scorecard(
    c: &mut AsyncPgConnection,
    p: &Principal,
    q: &ScorecardQuery,
) -> AppResult<Scorecard> {
    use crate::teams::store as teams;
    let ctx = OrgContext::for_read(c, p).await?;
    let period = ctx.cal.parse(&q.period).ok_or_else(|| {
        AppError::invalid_field(
            "period",
            "unknown_period",
            "a period key such as 2026, FY2027, 2026-Q4, 2026-11 or 2026-W48",
        )
    })?;
    let as_of = q.as_of.map_or(ctx.today, NaiveDate::from);
    let team_id = match q.team_id {
        Some(id) => id,
        None => {
            let mine = match p.user_id() {
                Some(me) => teams::member_team_ids(c, p, me).await?,
                None => Vec::new(),
            };
            match mine.as_slice() {
                [only] => *only,
                _ => {
                    return Err(AppError::invalid_field(
                        "team_id",
                        "required",
                        "name the team: the caller is not a member of exactly one team",
                    ))
                }
            }
        }
    };
    let team = teams::get_visible(c, p, team_id).await?;
    let tree = teams::subtree_ids(c, p.org_id, team.id).await?;
    let members = super::store::members_on(c, p.org_id, &tree, as_of).await?;
    let people: Vec<Uuid> = members.iter().map(|m| m.user_id).collect();
    let mut all = super::store::agreed_within(
        c,
        p.org_id,
        &people,
        team.id,
        period.starts_on,
        period.ends_on,
    )
    .await?;
    if let Some(m) = q.metric {
        all.retain(|t| t.metric == m.as_str());
    }
    let (own, people_targets): (Vec<TargetRow>, Vec<TargetRow>) = all
        .iter()
        .cloned()
        .partition(|t| t.subject_type == "team" && t.account_id.is_none());
    let mut measured = measure_many(c, &ctx, &people_targets, Some(as_of)).await?;
    // The team's own targets, on the team tree already at hand.
    for t in &own {
        let actual = if as_of < t.starts_on {
            Decimal::ZERO
        } else {
            results::achieved_by_team(
                c,
                p.org_id,
                &tree,
                &rollup_metric(t),
                t.starts_on,
                as_of.min(t.ends_on),
            )
            .await?
            .unwrap_or(Decimal::ZERO)
        };
        measured.insert(t.id, assemble(&ctx, t, actual, as_of));
    }
    let mut row_of = |subject_type: &str, id: Uuid, name: String, team_id: Uuid| {
        let targets: Vec<TargetProgress> = all
            .iter()
            .filter(|t| t.subject_type == subject_type && t.subject_id == Some(id))
            .filter_map(|t| {
                measured.remove(&t.id).map(|pr| TargetProgress {
                    title: t.title.clone(),
                    metric: t.metric.clone(),
                    activity_kind: t.activity_kind.clone(),
                    account_id: t.account_id,
                    progress: pr,
                })
            })
            .collect();
        let attainment: Vec<Decimal> = targets.iter().map(|t| t.progress.attainment_pct).collect();
        let pace: Vec<Decimal> = targets.iter().filter_map(|t| t.progress.pace_pct).collect();
        ScorecardRow {
            subject_type: subject_type.into(),
            subject_id: id,
            name,
            team_id,
            attainment_pct: rules::mean(&attainment).map(two),
            pace_pct: rules::mean(&pace).map(two),
            targets,
        }
    };
    let team_row = row_of("team", team.id, team.name.clone(), team.id);
    let mut rows: Vec<ScorecardRow> = members
        .into_iter()
        .map(|m| row_of("user", m.user_id, m.name, m.team_id))
        .collect();
    sort_rows(&mut rows, q.sort.unwrap_or(ScorecardSort::Name));
    Ok(Scorecard {
        team_id: team.id,
        period: period.key,
        starts_on: period.starts_on,
        ends_on: period.ends_on,
        as_of,
        team: team_row,
        members: rows,
    })
}

/// Orders rows; rows without the figure sorted on come last either way, and ties
/// go by name.
fn sort_rows(rows: &mut [ScorecardRow], sort: ScorecardSort) {
    use std::cmp::Ordering;
    let by_name = |a: &ScorecardRow, b: &ScorecardRow| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.subject_id.cmp(&b.subject_id))
    };
    let figure = |key: fn(&ScorecardRow) -> Option<Decimal>, desc: bool| {
        move |a: &ScorecardRow, b: &ScorecardRow| match (key(a), key(b)) {
            (Some(x), Some(y)) => {
                let o = x.cmp(&y);
                (if desc { o.reverse() } else { o }).then_with(|| by_name(a, b))
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => by_name(a, b),
        }
    };
    match sort {
        ScorecardSort::Name => rows.sort_by(by_name),
        ScorecardSort::NameDesc => rows.sort_by(|a, b| by_name(b, a)),
        ScorecardSort::Attainment => rows.sort_by(figure(|r| r.attainment_pct, false)),
        ScorecardSort::AttainmentDesc => rows.sort_by(figure(|r| r.attainment_pct, true)),
        ScorecardSort::Pace => rows.sort_by(figure(|r| r.pace_pct, false)),
        ScorecardSort::PaceDesc => rows.sort_by(figure(|r| r.pace_pct, true)),
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
            row.name.clone(),
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
                t.title.clone(),
                t.metric.clone(),
                opt(t.activity_kind.clone()),
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
