//! Queries for bonus plans.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::rules::Tier;
use crate::db::schema::{bonus_plans, targets};
use crate::db::Page;
use crate::error::{AppError, AppResult};
use crate::targets::rules::Visible;

/// A plan's tiers as stored (JSON); a row whose tiers do not read is an error.
#[derive(Debug, Clone, diesel::FromSqlRow)]
pub struct Tiers(pub Vec<Tier>);

impl diesel::deserialize::FromSql<diesel::sql_types::Jsonb, diesel::pg::Pg> for Tiers {
    fn from_sql(
        bytes: <diesel::pg::Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> diesel::deserialize::Result<Self> {
        let v = <serde_json::Value as diesel::deserialize::FromSql<
            diesel::sql_types::Jsonb,
            diesel::pg::Pg,
        >>::from_sql(bytes)?;
        Ok(Tiers(serde_json::from_value(v)?))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bonus_plans)]
pub struct PlanRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub target_id: Uuid,
    pub tiers: Tiers,
    pub gate_target_id: Option<Uuid>,
    pub gate_attainment_pct: Option<Decimal>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, PartialEq, AsChangeset)]
#[diesel(table_name = bonus_plans)]
pub struct PlanChanges {
    pub name: Option<String>,
    pub tiers: Option<serde_json::Value>,
    pub gate_target_id: Option<Option<Uuid>>,
    pub gate_attainment_pct: Option<Option<Decimal>>,
}

impl crate::db::Changes for PlanChanges {}

pub async fn get(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    for_update: bool,
) -> AppResult<PlanRow> {
    let q = bonus_plans::table
        .find((org, id))
        .select(PlanRow::as_select());
    let row = if for_update {
        q.for_update().first(c).await.optional()?
    } else {
        q.first(c).await.optional()?
    };
    row.ok_or_else(|| AppError::not_found("bonus plan"))
}

/// Plans whose target the caller may see.
pub async fn list(
    c: &mut AsyncPgConnection,
    org: Uuid,
    v: &Visible,
    target: Option<Uuid>,
    page: &Page<Uuid>,
) -> AppResult<Vec<PlanRow>> {
    let mut q = bonus_plans::table
        .inner_join(
            targets::table.on(targets::org_id
                .eq(bonus_plans::org_id)
                .and(targets::id.eq(bonus_plans::target_id))),
        )
        .filter(bonus_plans::org_id.eq(org))
        .select(PlanRow::as_select())
        .order(bonus_plans::id)
        .limit(page.limit + 1)
        .into_boxed();
    if !v.all {
        q = q.filter(
            targets::subject_type
                .eq("org")
                .or(targets::subject_type
                    .eq("user")
                    .and(targets::subject_id.eq_any(v.users.clone())))
                .or(targets::subject_type
                    .eq("team")
                    .and(targets::subject_id.eq_any(v.teams.clone()))),
        );
    }
    if let Some(t) = target {
        q = q.filter(bonus_plans::target_id.eq(t));
    }
    if let Some(after) = page.after {
        q = q.filter(bonus_plans::id.gt(after));
    }
    Ok(q.load(c).await?)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    c: &mut AsyncPgConnection,
    org: Uuid,
    name: &str,
    target: Uuid,
    tiers: serde_json::Value,
    gate: Option<(Uuid, Decimal)>,
    created_by: Uuid,
) -> AppResult<PlanRow> {
    Ok(diesel::insert_into(bonus_plans::table)
        .values((
            bonus_plans::org_id.eq(org),
            bonus_plans::id.eq(Uuid::now_v7()),
            bonus_plans::name.eq(name),
            bonus_plans::target_id.eq(target),
            bonus_plans::tiers.eq(tiers),
            bonus_plans::gate_target_id.eq(gate.map(|g| g.0)),
            bonus_plans::gate_attainment_pct.eq(gate.map(|g| g.1)),
            bonus_plans::created_by.eq(Some(created_by)),
        ))
        .returning(PlanRow::as_returning())
        .get_result(c)
        .await?)
}

pub async fn update(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    changes: &PlanChanges,
) -> AppResult<PlanRow> {
    Ok(diesel::update(bonus_plans::table.find((org, id)))
        .set((
            changes,
            bonus_plans::version.eq(bonus_plans::version + 1),
            bonus_plans::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PlanRow::as_returning())
        .get_result(c)
        .await?)
}

pub async fn delete(c: &mut AsyncPgConnection, org: Uuid, id: Uuid) -> AppResult<()> {
    diesel::delete(bonus_plans::table.find((org, id)))
        .execute(c)
        .await?;
    Ok(())
}

/// Plans paying on or gated by `old` move to its new version `new`.
pub async fn follow_revision(
    c: &mut AsyncPgConnection,
    org: Uuid,
    old: Uuid,
    new: Uuid,
) -> AppResult<()> {
    diesel::update(
        bonus_plans::table.filter(
            bonus_plans::org_id
                .eq(org)
                .and(bonus_plans::target_id.eq(old)),
        ),
    )
    .set(bonus_plans::target_id.eq(new))
    .execute(c)
    .await?;
    diesel::update(
        bonus_plans::table.filter(
            bonus_plans::org_id
                .eq(org)
                .and(bonus_plans::gate_target_id.eq(old)),
        ),
    )
    .set(bonus_plans::gate_target_id.eq(Some(new)))
    .execute(c)
    .await?;
    Ok(())
}

/// Deletes every row of organisation `org` from `bonus_plans`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    diesel::delete(bonus_plans::table.filter(bonus_plans::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
