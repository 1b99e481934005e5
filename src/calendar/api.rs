//! `GET /v1/periods`.

use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Granularity;
use crate::auth::Principal;
use crate::error::{AppResult, FieldError, Validator};
use crate::http::List;
use crate::org::context::OrgContext;
use crate::state::AppState;
use crate::values::IsoDate;

/// Most periods one listing returns.
pub const MAX_PERIODS: usize = 500;

/// A period of the organisation's calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodOut {
    #[schema(example = "2026-Q4")]
    pub key: String,
    pub granularity: Granularity,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Days worked in it: the organisation's working weekdays, less its holidays.
    pub working_days: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    pub granularity: Granularity,
    /// First day to cover (default: the start of the current year of the calendar).
    pub from: Option<IsoDate>,
    /// Last day to cover (default: the end of that year).
    pub to: Option<IsoDate>,
}

/// The periods of a granularity that overlap `from`..`to`, with working days.
#[utoipa::path(tag = "periods", security(("bearer" = [])), params(PeriodQuery),
    responses((status = 200, description = "The periods, in order", body = List<PeriodOut>)))]
#[get("/v1/periods")]
pub async fn list(
    p: Principal,
    q: web::Query<PeriodQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let OrgContext {
        cal, week, today, ..
    } = crate::org::service::context::for_caller(&state.pool, &p).await?;
    let year = cal.containing(Granularity::Year, today);
    let from = q.from.map_or(year.starts_on, NaiveDate::from);
    let to = q.to.map_or(
        if q.from.is_some() { from } else { year.ends_on },
        NaiveDate::from,
    );
    let mut v = Validator::new();
    for (field, day) in [("from", from), ("to", to)] {
        v.check(
            (super::MIN_YEAR + 1..=super::MAX_YEAR - 1).contains(&day.year()),
            field,
            "out_of_range",
            "must be a date between the years 1001 and 9997",
        );
    }
    if to < from {
        v.push(FieldError::new(
            "to",
            "before_from",
            "must be on or after from",
        ));
    }
    v.finish()?;
    let periods = cal.periods(q.granularity, from, to);
    if periods.len() > MAX_PERIODS {
        return Err(crate::error::AppError::invalid_field(
            "to",
            "too_many_periods",
            format!("at most {MAX_PERIODS} periods at once; narrow from and to"),
        ));
    }
    let data = periods
        .into_iter()
        .map(|p| PeriodOut {
            working_days: week.count(p.starts_on, p.ends_on),
            key: p.key,
            granularity: p.granularity,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
        })
        .collect();
    Ok(HttpResponse::Ok().json(List {
        data,
        next_cursor: None,
    }))
}
