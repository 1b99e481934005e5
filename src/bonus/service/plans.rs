//! Bonus plans: read through their targets' visibility; made, changed and
//! deleted by admins who do not answer for the targets involved.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::super::dto::{CreateBonusPlan, Gate, PatchBonusPlan};
use super::super::rules::{self, BonusError, Tier};
use super::super::store::{self, PlanChanges, PlanRow};
use crate::auth::Principal;
use crate::db::{self, Changes, PgPool};
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::http::{check_if_match, PageParams};
use crate::targets::service::for_bonus::{self as targets, TargetRow};

/// A financial, live target the caller may see; `field` names it in errors.
async fn financial_target(
    c: &mut AsyncPgConnection,
    p: &Principal,
    v: &mut Validator,
    field: &str,
    id: Uuid,
) -> AppResult<Option<TargetRow>> {
    match targets::get_visible(c, p, id).await {
        Ok(t) => {
            let (metric, status) = targets::metric_and_status(&t);
            v.check(
                targets::is_financial(&t),
                field,
                "bonus_not_financial",
                format!("bonuses link only to financial outcomes (revenue, gross_profit); this target measures {metric}"),
            );
            v.check(
                targets::is_live(&t),
                field,
                "target_not_live",
                format!("the target is {status}"),
            );
            Ok(Some(t))
        }
        Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => {
            v.push(FieldError::new(field, "not_found", "no such target"));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// A gate's percentage and its financial target, checked.
async fn gate_target(
    c: &mut AsyncPgConnection,
    p: &Principal,
    v: &mut Validator,
    g: &Gate,
) -> AppResult<Option<TargetRow>> {
    rules::check_gate_pct(v, g.attainment_pct);
    financial_target(c, p, v, "gate.target_id", g.target_id).await
}

/// Refuses (`own_target` / `own_team`) an admin who answers for one of these
/// targets: nobody sets what they are paid.
async fn not_accountable<'a>(
    c: &mut AsyncPgConnection,
    p: &Principal,
    linked: impl Iterator<Item = &'a TargetRow>,
) -> AppResult<()> {
    for t in linked {
        targets::not_accountable(c, p, t).await?;
    }
    Ok(())
}

fn finish(v: Validator) -> AppResult<()> {
    v.finish().map_err(|e| BonusError::Refused(e).into())
}

fn tiers_json(tiers: &[Tier]) -> AppResult<serde_json::Value> {
    serde_json::to_value(tiers).map_err(AppError::internal)
}

/// A plan the caller may see (through its target), else 404.
pub async fn visible_plan(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    for_update: bool,
) -> AppResult<(PlanRow, TargetRow)> {
    let plan = store::get(c, p.org_id, id, for_update).await?;
    let target = targets::get_visible(c, p, plan.target_id)
        .await
        .map_err(|_| AppError::not_found("bonus plan"))?;
    Ok((plan, target))
}

/// Plans on targets the caller may see, with the page's limit.
pub async fn list(
    pool: &PgPool,
    p: &Principal,
    target: Option<Uuid>,
    page: &PageParams,
) -> AppResult<(Vec<PlanRow>, i64)> {
    p.require_reader()?;
    let page = page.by_id()?;
    let rows = db::run(pool, async |c| {
        let seen = targets::seen(c, p).await?;
        store::list(c, p.org_id, &seen, target, &page).await
    })
    .await?;
    Ok((rows, page.limit))
}

/// A new plan (admins who do not answer for its target or gate).
pub async fn create(pool: &PgPool, p: &Principal, b: CreateBonusPlan) -> AppResult<PlanRow> {
    rules::check_admin(p.is_admin())?;
    p.require_user()?;
    db::tx(pool, async move |c| create_on(c, p, b).await).await
}

/// [`create`] in the caller's transaction.
pub async fn create_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    b: CreateBonusPlan,
) -> AppResult<PlanRow> {
    rules::check_admin(p.is_admin())?;
    let (me, _) = p.require_user()?;
    let tiers: Vec<Tier> = b.tiers.into_iter().map(Tier::from).collect();
    let mut v = Validator::new();
    v.text("name", &b.name, 200);
    rules::check_tiers(&mut v, &tiers);
    let mut linked = vec![financial_target(c, p, &mut v, "target_id", b.target_id).await?];
    if let Some(g) = &b.gate {
        linked.push(gate_target(c, p, &mut v, g).await?);
    }
    finish(v)?;
    not_accountable(c, p, linked.iter().flatten()).await?;
    let gate = b.gate.map(|g| (g.target_id, g.attainment_pct));
    store::insert(
        c,
        p.org_id,
        b.name.trim(),
        b.target_id,
        tiers_json(&tiers)?,
        gate,
        me,
    )
    .await
}

/// One plan the caller may see.
pub async fn get(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<PlanRow> {
    p.require_reader()?;
    let (row, _) = db::run(pool, async |c| visible_plan(c, p, id, false).await).await?;
    Ok(row)
}

/// Changes a plan, if still at the version `expected` (an If-Match).
pub async fn patch(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    b: PatchBonusPlan,
    expected: Option<String>,
) -> AppResult<PlanRow> {
    let tiers: Option<Vec<Tier>> = b.tiers.map(|t| t.into_iter().map(Tier::from).collect());
    db::tx(pool, async move |c| {
        let (plan, target) = visible_plan(c, p, id, true).await?;
        rules::check_admin(p.is_admin())?;
        check_if_match(expected.as_deref(), plan.version)?;
        let mut v = Validator::new();
        if let Some(n) = &b.name {
            v.text("name", n, 200);
        }
        if let Some(t) = &tiers {
            rules::check_tiers(&mut v, t);
        }
        let mut linked = vec![Some(target)];
        if let Some(Some(g)) = &b.gate {
            linked.push(gate_target(c, p, &mut v, g).await?);
        }
        finish(v)?;
        if let Some(gate) = plan.gate_target_id {
            linked.push(Some(targets::get(c, p.org_id, gate).await?));
        }
        not_accountable(c, p, linked.iter().flatten()).await?;
        let changes = PlanChanges {
            name: b.name.map(|n| n.trim().to_string()),
            tiers: tiers.as_deref().map(tiers_json).transpose()?,
            gate_target_id: b.gate.as_ref().map(|g| g.as_ref().map(|g| g.target_id)),
            gate_attainment_pct: b
                .gate
                .as_ref()
                .map(|g| g.as_ref().map(|g| g.attainment_pct)),
        };
        if changes.is_empty() {
            // The version moves only when something changed.
            return Ok(plan);
        }
        store::update(c, p.org_id, id, &changes).await
    })
    .await
}

/// Deletes a plan (admins).
pub async fn delete(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<()> {
    db::tx(pool, async move |c| {
        visible_plan(c, p, id, true).await?;
        rules::check_admin(p.is_admin())?;
        store::delete(c, p.org_id, id).await
    })
    .await
}
