//! Queries for organisations.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::deserialize::FromStaticSqlRow;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::rules::{Day, OrgRow, WeekStart};
use crate::db::schema::orgs;
use crate::error::{AppError, AppResult};

crate::db::text_enum!(WeekStart, Day);

/// The columns of an [`OrgRow`], in its fields' order.
type OrgColumns = (
    orgs::id,
    orgs::name,
    orgs::currency,
    orgs::fiscal_year_start_month,
    orgs::week_start,
    orgs::timezone,
    orgs::working_days,
    orgs::holidays,
    orgs::realistic_max_ratio,
    orgs::stretch_max_ratio,
    orgs::version,
    orgs::created_at,
    orgs::updated_at,
    orgs::pace_ahead_pct,
    orgs::pace_on_track_pct,
    orgs::pace_behind_pct,
);

/// What the columns are read as, in the same order.
type OrgFields = (
    Uuid,
    String,
    String,
    i16,
    WeekStart,
    String,
    Vec<Day>,
    Vec<NaiveDate>,
    Decimal,
    Decimal,
    i32,
    DateTime<Utc>,
    DateTime<Utc>,
    Decimal,
    Decimal,
    Decimal,
);

/// `OrgRow::as_select()` / `as_returning()`: the organisation's row is read by
/// any store that selects it (the caller's, with the caller).
impl Selectable<Pg> for OrgRow {
    type SelectExpression = OrgColumns;

    fn construct_selection() -> OrgColumns {
        (
            orgs::id,
            orgs::name,
            orgs::currency,
            orgs::fiscal_year_start_month,
            orgs::week_start,
            orgs::timezone,
            orgs::working_days,
            orgs::holidays,
            orgs::realistic_max_ratio,
            orgs::stretch_max_ratio,
            orgs::version,
            orgs::created_at,
            orgs::updated_at,
            orgs::pace_ahead_pct,
            orgs::pace_on_track_pct,
            orgs::pace_behind_pct,
        )
    }
}

impl<ST> Queryable<ST, Pg> for OrgRow
where
    OrgFields: FromStaticSqlRow<ST, Pg>,
{
    type Row = OrgFields;

    fn build(
        (
            id,
            name,
            currency,
            fiscal_year_start_month,
            week_start,
            timezone,
            working_days,
            holidays,
            realistic_max_ratio,
            stretch_max_ratio,
            version,
            created_at,
            updated_at,
            pace_ahead_pct,
            pace_on_track_pct,
            pace_behind_pct,
        ): OrgFields,
    ) -> diesel::deserialize::Result<Self> {
        Ok(OrgRow {
            id,
            name,
            currency,
            fiscal_year_start_month,
            week_start,
            timezone,
            working_days,
            holidays,
            realistic_max_ratio,
            stretch_max_ratio,
            version,
            created_at,
            updated_at,
            pace_ahead_pct,
            pace_on_track_pct,
            pace_behind_pct,
        })
    }
}

#[derive(Debug, Default, PartialEq, AsChangeset)]
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

impl crate::db::Changes for OrgChanges {}

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

/// Deletes organisation `org`'s own row (every row pointing to it must be gone).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(orgs::table.filter(orgs::id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
