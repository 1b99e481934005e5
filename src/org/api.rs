//! `GET /v1/org`, `PATCH /v1/org`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::rules::{self, Day, WeekStart};
use super::store::{self, OrgChanges, OrgRow};
use crate::auth::Principal;
use crate::db;
use crate::error::{AppError, AppResult, Validator};
use crate::extract::Json;
use crate::http::{check_if_match, if_match, with_etag};
use crate::state::AppState;

/// Ratios of a target to the subject's own history that rate it as attainable.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attainability {
    /// At most this many times the history: `realistic` (default 1.2).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "1.2")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub realistic_max_ratio: Decimal,
    /// At most this many times: `stretch`; above it: `unrealistic` (default 1.5).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "1.5")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub stretch_max_ratio: Decimal,
}

/// Where progress counts as ahead, on track or behind: percentages of the
/// expected-to-date (below `behind_pct` a target is at risk).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaceSettings {
    /// Ahead from this pace (default 110).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "110")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub ahead_pct: Decimal,
    /// On track from this pace (default 95).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "95")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub on_track_pct: Decimal,
    /// Behind from this pace, at risk below it (default 80).
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "80")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub behind_pct: Decimal,
}

/// The organisation and its calendar settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct Org {
    pub id: Uuid,
    pub name: String,
    /// Reporting currency (ISO 4217).
    #[schema(example = "EUR")]
    pub currency: String,
    /// First month of the fiscal year, 1-12.
    #[schema(minimum = 1, maximum = 12)]
    pub fiscal_year_start_month: i16,
    pub week_start: WeekStart,
    /// IANA time zone; "today" is taken in it.
    #[schema(example = "Europe/Amsterdam")]
    pub timezone: String,
    pub working_days: Vec<Day>,
    pub holidays: Vec<NaiveDate>,
    pub attainability: Attainability,
    pub pace: PaceSettings,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrgRow> for Org {
    fn from(r: OrgRow) -> Self {
        Org {
            id: r.id,
            name: r.name,
            currency: r.currency,
            fiscal_year_start_month: r.fiscal_year_start_month,
            week_start: r.week_start,
            timezone: r.timezone,
            working_days: r.working_days,
            holidays: r.holidays,
            attainability: Attainability {
                realistic_max_ratio: r.realistic_max_ratio.normalize(),
                stretch_max_ratio: r.stretch_max_ratio.normalize(),
            },
            pace: PaceSettings {
                ahead_pct: r.pace_ahead_pct.normalize(),
                on_track_pct: r.pace_on_track_pct.normalize(),
                behind_pct: r.pace_behind_pct.normalize(),
            },
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Changes to the organisation; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(example = "EUR", pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[schema(minimum = 1, maximum = 12)]
    pub fiscal_year_start_month: Option<i16>,
    pub week_start: Option<WeekStart>,
    pub timezone: Option<String>,
    #[schema(min_items = 1)]
    pub working_days: Option<Vec<Day>>,
    #[serde(default, deserialize_with = "crate::values::dates")]
    #[schema(value_type = Option<Vec<crate::values::IsoDate>>)]
    pub holidays: Option<Vec<NaiveDate>>,
    pub attainability: Option<Attainability>,
    pub pace: Option<PaceSettings>,
}

/// The caller's organisation.
#[utoipa::path(
    tag = "org",
    security(("bearer" = [])),
    responses((status = 200, description = "The organisation", body = Org, headers(("ETag" = String))))
)]
#[get("/v1/org")]
pub async fn get_org(p: Principal, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let row = db::run(&state.pool, async move |c| store::get(c, p.org_id).await).await?;
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
    p.require_admin()?;
    let b = body.0;
    let mut v = Validator::new();
    if let Some(n) = &b.name {
        rules::check_name(&mut v, "name", n);
    }
    if let Some(cur) = &b.currency {
        rules::check_currency(&mut v, "currency", cur);
    }
    if let Some(m) = b.fiscal_year_start_month {
        v.check(
            (1..=12).contains(&m),
            "fiscal_year_start_month",
            "out_of_range",
            "must be 1 to 12",
        );
    }
    if let Some(tz) = &b.timezone {
        rules::check_timezone(&mut v, "timezone", tz);
    }
    if let Some(days) = &b.working_days {
        rules::check_working_days(&mut v, "working_days", days);
    }
    if let Some(h) = &b.holidays {
        rules::check_holidays(&mut v, "holidays", h);
    }
    if let Some(a) = &b.attainability {
        rules::check_thresholds(&mut v, a.realistic_max_ratio, a.stretch_max_ratio);
    }
    if let Some(t) = &b.pace {
        rules::check_pace(&mut v, t.ahead_pct, t.on_track_pct, t.behind_pct);
    }
    v.finish()?;
    let mut holidays = b.holidays.clone();
    if let Some(h) = holidays.as_mut() {
        h.sort();
        h.dedup();
    }
    let changes = OrgChanges {
        name: b.name.map(|n| n.trim().to_string()),
        currency: b.currency,
        fiscal_year_start_month: b.fiscal_year_start_month,
        week_start: b.week_start,
        timezone: b.timezone,
        working_days: b.working_days,
        holidays,
        realistic_max_ratio: b.attainability.as_ref().map(|a| a.realistic_max_ratio),
        stretch_max_ratio: b.attainability.as_ref().map(|a| a.stretch_max_ratio),
        pace_ahead_pct: b.pace.as_ref().map(|t| t.ahead_pct),
        pace_on_track_pct: b.pace.as_ref().map(|t| t.on_track_pct),
        pace_behind_pct: b.pace.as_ref().map(|t| t.behind_pct),
    };
    let expected = if_match(&req);
    let row = db::tx(&state.pool, async move |c| {
        let current = store::lock(c, p.org_id).await?;
        check_if_match(expected.as_deref(), current.version)?;
        if changes.currency.as_ref().is_some_and(|cur| *cur != current.currency) && store::has_money(c, p.org_id).await? {
            return Err(AppError::conflict(
                "currency_locked",
                "sales or money targets exist in the current reporting currency; it can no longer change",
            ));
        }
        store::update(c, p.org_id, &changes).await
    })
    .await?;
    Ok(with_etag(StatusCode::OK, row.version, &Org::from(row)))
}
