//! Queries for organisations.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::rules::{Day, WeekStart};
use crate::db::schema::orgs;
use crate::error::{AppError, AppResult};

crate::db::text_enum!(WeekStart, Day);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orgs)]
pub struct OrgRow {
    pub id: Uuid,
    pub name: String,
    pub currency: String,
    pub fiscal_year_start_month: i16,
    pub week_start: WeekStart,
    pub timezone: String,
    pub working_days: Vec<Day>,
    pub holidays: Vec<NaiveDate>,
    pub realistic_max_ratio: Decimal,
    pub stretch_max_ratio: Decimal,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub pace_ahead_pct: Decimal,
    pub pace_on_track_pct: Decimal,
    pub pace_behind_pct: Decimal,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = orgs)]
pub struct OrgChanges {
    pub name: Option<String>,
    pub currency: Option<String>,
    pub fiscal_year_start_month: Option<i16>,
    pub week_start: Option<WeekStart>,
    pub timezone: Option<String>,
    pub working_days: Option<Vec<Day>>,
    pub holidays: Option<Vec<NaiveDate>>,
    pub realistic_max_ratio: Option<Decimal>,
    pub stretch_max_ratio: Option<Decimal>,
    pub pace_ahead_pct: Option<Decimal>,
    pub pace_on_track_pct: Option<Decimal>,
    pub pace_behind_pct: Option<Decimal>,
}

impl OrgRow {
    /// The pace thresholds set for the organisation.
    pub fn pace_thresholds(&self) -> crate::progress::rules::Thresholds {
        crate::progress::rules::Thresholds {
            ahead_pct: self.pace_ahead_pct,
            on_track_pct: self.pace_on_track_pct,
            behind_pct: self.pace_behind_pct,
        }
    }
    pub fn fiscal_start_month(&self) -> u32 {
        self.fiscal_year_start_month.clamp(1, 12) as u32
    }
}

/// Today in the caller's organisation's time zone, from the organisation's row
/// read with the caller when there is one (no query then).
pub async fn today_for(
    c: &mut AsyncPgConnection,
    p: &crate::auth::Principal,
) -> AppResult<chrono::NaiveDate> {
    let timezone = match p.org_row() {
        Some(org) => org.timezone.clone(),
        None => get(c, p.org_id).await?.timezone,
    };
    Ok(crate::org::rules::today_in(&timezone))
}

pub async fn get(c: &mut AsyncPgConnection, id: Uuid) -> AppResult<OrgRow> {
    orgs::table
        .find(id)
        .select(OrgRow::as_select())
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("organisation"))
}

pub async fn lock(c: &mut AsyncPgConnection, id: Uuid) -> AppResult<OrgRow> {
    orgs::table
        .find(id)
        .select(OrgRow::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("organisation"))
}

/// Whether amounts exist in the reporting currency (sales, money targets).
pub async fn has_money(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<bool> {
    use crate::db::schema::{sales, targets};
    let sales: bool = diesel::select(diesel::dsl::exists(
        sales::table.filter(sales::org_id.eq(org)),
    ))
    .get_result(c)
    .await?;
    let targets: bool = diesel::select(diesel::dsl::exists(
        targets::table
            .filter(targets::org_id.eq(org))
            .filter(targets::currency.is_not_null()),
    ))
    .get_result(c)
    .await?;
    Ok(sales || targets)
}

pub async fn create(c: &mut AsyncPgConnection, name: &str, currency: &str) -> AppResult<OrgRow> {
    Ok(diesel::insert_into(orgs::table)
        .values((
            orgs::id.eq(Uuid::now_v7()),
            orgs::name.eq(name),
            orgs::currency.eq(currency),
        ))
        .returning(OrgRow::as_returning())
        .get_result(c)
        .await?)
}

pub async fn update(
    c: &mut AsyncPgConnection,
    id: Uuid,
    changes: &OrgChanges,
) -> AppResult<OrgRow> {
    Ok(diesel::update(orgs::table.find(id))
        .set((
            changes,
            orgs::version.eq(orgs::version + 1),
            orgs::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OrgRow::as_returning())
        .get_result(c)
        .await?)
}
