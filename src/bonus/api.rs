//! `/v1/bonus-plans`: bonuses tied to financial outcomes only.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules::{self, Tier};
use super::store::{self, PlanChanges, PlanRow};
use crate::auth::Principal;
use crate::db;
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::extract::Json;
use crate::http::{check_if_match, finish, if_match, with_etag, List, PageParams};
use crate::state::AppState;
use crate::targets::service as targets;
use crate::users::rules::double_option;

/// No payout while the gate target (typically the minimum gross profit) is below
/// this attainment.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    pub target_id: Uuid,
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "100")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub attainment_pct: Decimal,
}

/// A bonus plan on a revenue or gross-profit target.
#[derive(Debug, Serialize, ToSchema)]
pub struct BonusPlan {
    pub id: Uuid,
    pub name: String,
    pub target_id: Uuid,
    pub tiers: Vec<Tier>,
    pub gate: Option<Gate>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PlanRow> for BonusPlan {
    fn from(r: PlanRow) -> Self {
        BonusPlan {
            id: r.id,
            name: r.name,
            target_id: r.target_id,
            tiers: serde_json::from_value(r.tiers).unwrap_or_default(),
            gate: r
                .gate_target_id
                .zip(r.gate_attainment_pct)
                .map(|(target_id, attainment_pct)| Gate {
                    target_id,
                    attainment_pct,
                }),
            created_by: r.created_by,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBonusPlan {
    #[schema(min_length = 1, max_length = 200, example = "Q4 revenue bonus")]
    pub name: String,
    /// A revenue or gross-profit target; any other is refused (`bonus_not_financial`).
    pub target_id: Uuid,
    #[schema(min_items = 1, max_items = 20)]
    pub tiers: Vec<Tier>,
    pub gate: Option<Gate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBonusPlan {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(min_items = 1, max_items = 20)]
    pub tiers: Option<Vec<Tier>>,
    /// `null` removes the gate.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(nullable = true)]
    pub gate: Option<Option<Gate>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    pub target_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A financial target the caller may see; `field` names it in errors.
async fn financial_target(
    c: &mut AsyncPgConnection,
    p: &Principal,
    v: &mut Validator,
    field: &str,
    id: Uuid,
) -> AppResult<Option<crate::targets::store::TargetRow>> {
    match targets::get_visible(c, p, id, false).await {
        Ok(t) => {
            let money = t.metric.is_money();
            v.check(
                money,
                field,
                "bonus_not_financial",
                format!("bonuses link only to financial outcomes (revenue, gross_profit); this target measures {}", t.metric.as_str()),
            );
            let live = t.status.is_live();
            v.check(
                live,
                field,
                "target_not_live",
                format!("the target is {}", t.status.as_str()),
            );
            Ok(Some(t))
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => {
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
) -> AppResult<Option<crate::targets::store::TargetRow>> {
    rules::check_gate_pct(v, g.attainment_pct);
    financial_target(c, p, v, "gate.target_id", g.target_id).await
}

/// Refuses (`own_target` / `own_team`) an admin who answers for one of these
/// targets: nobody sets what they are paid.
async fn not_accountable<'a>(
    c: &mut AsyncPgConnection,
    p: &Principal,
    linked: impl Iterator<Item = &'a crate::targets::store::TargetRow>,
) -> AppResult<()> {
    for t in linked {
        crate::targets::service::not_accountable(
            c,
            p,
            t.subject_type.as_str(),
            t.subject_id,
            Some((t.starts_on, t.ends_on)),
        )
        .await?;
    }
    Ok(())
}

/// Bonus plans are created, changed and deleted by admins only (403 `admins_only`),
/// and never by an admin who answers for the plan's target or its gate (403
/// `own_target` / `own_team`): nobody sets what they are paid.
fn require_admin(p: &Principal) -> AppResult<()> {
    if p.is_admin() {
        Ok(())
    } else {
        Err(AppError::new(
            StatusCode::FORBIDDEN,
            "admins_only",
            "bonus plans are created, changed and deleted by an admin only",
        ))
    }
}

fn tiers_json(tiers: &[Tier]) -> AppResult<serde_json::Value> {
    serde_json::to_value(tiers).map_err(AppError::internal)
}

/// A plan the caller may see (through its target), else 404.
async fn visible_plan(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    for_update: bool,
) -> AppResult<(PlanRow, crate::targets::store::TargetRow)> {
    let plan = store::get(c, p.org_id, id, for_update).await?;
    let target = targets::get_visible(c, p, plan.target_id, false)
        .await
        .map_err(|_| AppError::not_found("bonus plan"))?;
    Ok((plan, target))
}

/// Bonus plans on targets the caller may see.
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), params(PlanQuery),
    responses((status = 200, description = "A page of plans", body = List<BonusPlan>)))]
#[get("")]
pub async fn list(
    p: Principal,
    q: web::Query<PlanQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .by_id()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, async move |c| {
        let vis = targets::visible(c, &p).await?;
        store::list(c, p.org_id, &vis, q.target_id, &page).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(finish(
        rows.into_iter().map(BonusPlan::from).collect(),
        limit,
        |b: &BonusPlan| b.id.to_string(),
    )))
}

/// Create a bonus plan (admins only).
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), request_body = CreateBonusPlan,
    responses((status = 201, description = "Created", body = BonusPlan, headers(("ETag" = String))), (status = 403, description = "`admins_only`: bonus plans are created, changed and deleted by admins only; `own_target` / `own_team`: the admin answers for the plan's target or its gate", body = crate::error::Problem, content_type = "application/problem+json")))]
#[post("")]
pub async fn create(
    p: Principal,
    body: Json<CreateBonusPlan>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    require_admin(&p)?;
    let (me, _) = p.require_user()?;
    let b = body.0;
    let row = db::tx(&state.pool, async move |c| {
        let mut v = Validator::new();
        v.text("name", &b.name, 200);
        rules::check_tiers(&mut v, &b.tiers);
        let mut linked = vec![financial_target(c, &p, &mut v, "target_id", b.target_id).await?];
        if let Some(g) = &b.gate {
            linked.push(gate_target(c, &p, &mut v, g).await?);
        }
        v.finish().map_err(crate::targets::rules::TargetInvalid)?;
        not_accountable(c, &p, linked.iter().flatten()).await?;
        let gate = b.gate.map(|g| (g.target_id, g.attainment_pct));
        store::insert(
            c,
            p.org_id,
            b.name.trim(),
            b.target_id,
            tiers_json(&b.tiers)?,
            gate,
            me,
        )
        .await
    })
    .await?;
    Ok(with_etag(
        StatusCode::CREATED,
        row.version,
        &BonusPlan::from(row),
    ))
}

/// One bonus plan.
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The plan's id")),
    responses((status = 200, description = "The plan", body = BonusPlan, headers(("ETag" = String)))))]
#[get("/{id}")]
pub async fn get_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    p.require_reader()?;
    let id = id.into_inner();
    let (row, _) = db::run(&state.pool, async move |c| {
        visible_plan(c, &p, id, false).await
    })
    .await?;
    Ok(with_etag(
        StatusCode::OK,
        row.version,
        &BonusPlan::from(row),
    ))
}

/// Change a bonus plan (admins only).
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), request_body = PatchBonusPlan,
    params(
        ("id" = Uuid, Path, description = "The plan's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the plan changed since")
    ),
    responses((status = 200, description = "Updated", body = BonusPlan, headers(("ETag" = String))), (status = 403, description = "`admins_only`: bonus plans are created, changed and deleted by admins only; `own_target` / `own_team`: the admin answers for the plan's target or its gate", body = crate::error::Problem, content_type = "application/problem+json")))]
#[patch("/{id}")]
pub async fn patch_one(
    p: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<PatchBonusPlan>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let b = body.0;
    let expected = if_match(&req);
    let row = db::tx(&state.pool, async move |c| {
        let (plan, target) = visible_plan(c, &p, id, true).await?;
        require_admin(&p)?;
        check_if_match(expected.as_deref(), plan.version)?;
        let mut v = Validator::new();
        if let Some(n) = &b.name {
            v.text("name", n, 200);
        }
        if let Some(t) = &b.tiers {
            rules::check_tiers(&mut v, t);
        }
        let mut linked = vec![Some(target)];
        if let Some(Some(g)) = &b.gate {
            linked.push(gate_target(c, &p, &mut v, g).await?);
        }
        v.finish().map_err(crate::targets::rules::TargetInvalid)?;
        if let Some(gate) = plan.gate_target_id {
            linked.push(Some(targets::get(c, p.org_id, gate, false).await?));
        }
        not_accountable(c, &p, linked.iter().flatten()).await?;
        let changes = PlanChanges {
            name: b.name.map(|n| n.trim().to_string()),
            tiers: b.tiers.as_deref().map(tiers_json).transpose()?,
            gate_target_id: b.gate.as_ref().map(|g| g.as_ref().map(|g| g.target_id)),
            gate_attainment_pct: b
                .gate
                .as_ref()
                .map(|g| g.as_ref().map(|g| g.attainment_pct)),
        };
        store::update(c, p.org_id, id, &changes).await
    })
    .await?;
    Ok(with_etag(
        StatusCode::OK,
        row.version,
        &BonusPlan::from(row),
    ))
}

/// Delete a bonus plan (admins only).
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The plan's id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "`admins_only`: bonus plans are created, changed and deleted by admins only", body = crate::error::Problem, content_type = "application/problem+json")))]
#[delete("/{id}")]
pub async fn delete_one(
    p: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    db::tx(&state.pool, async move |c| {
        visible_plan(c, &p, id, true).await?;
        require_admin(&p)?;
        store::delete(c, p.org_id, id).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Where a gate stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct GateStatus {
    pub target_id: Uuid,
    #[schema(value_type = String)]
    pub required_pct: Decimal,
    #[schema(value_type = String)]
    pub attainment_pct: Decimal,
    pub met: bool,
}

/// What a plan pays on a day, and at the current run rate by the period's end.
#[derive(Debug, Serialize, ToSchema)]
pub struct Payout {
    pub plan_id: Uuid,
    pub target_id: Uuid,
    pub as_of: chrono::NaiveDate,
    #[schema(value_type = String)]
    pub attainment_pct: Decimal,
    /// The highest tier reached (its attainment_pct), if any.
    #[schema(value_type = Option<String>)]
    pub tier_reached_pct: Option<Decimal>,
    /// Earned so far: the tier's payout, nothing while the gate is shut.
    #[schema(value_type = String)]
    pub earned: Decimal,
    pub gate: Option<GateStatus>,
    /// The target's projected attainment at the current run rate.
    #[schema(value_type = String)]
    pub projected_attainment_pct: Decimal,
    #[schema(value_type = String)]
    pub projected_payout: Decimal,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PayoutQuery {
    /// The day to measure on (default: today in the organisation's time zone).
    pub as_of: Option<crate::values::IsoDate>,
}

fn pct2(part: Decimal, whole: Decimal) -> Decimal {
    if whole <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let mut d = (part * Decimal::from(100) / whole).round_dp(2);
    d.rescale(2);
    d
}

fn cents(mut d: Decimal) -> Decimal {
    d = d.round_dp(2);
    d.rescale(2);
    d
}

/// What a bonus plan has earned so far, and what it would pay at the current run rate.
#[utoipa::path(tag = "bonus-plans", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The plan's id"), PayoutQuery),
    responses((status = 200, description = "The payout", body = Payout)))]
#[get("/{id}/payout")]
pub async fn payout(
    p: Principal,
    id: web::Path<Uuid>,
    q: web::Query<PayoutQuery>,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    use chrono::Datelike;
    p.require_reader()?;
    let id = id.into_inner();
    let as_of = q.into_inner().as_of.map(chrono::NaiveDate::from);
    if as_of.is_some_and(|d| !(1000..=9998).contains(&d.year())) {
        return Err(AppError::invalid_field(
            "as_of",
            "out_of_range",
            "a date between the years 1000 and 9998",
        ));
    }
    let out = db::run(&state.pool, async move |c| {
        let (plan, target) = visible_plan(c, &p, id, false).await?;
        let ctx = crate::org::context::OrgContext::for_read(c, &p).await?;
        let as_of = as_of.unwrap_or(ctx.today);
        let tiers: Vec<Tier> = serde_json::from_value(plan.tiers.clone()).unwrap_or_default();
        let now = crate::progress::service::measure(c, &ctx, &target, as_of).await?;
        let projected_pct = pct2(now.projected, target.value);
        let gate = match (plan.gate_target_id, plan.gate_attainment_pct) {
            (Some(gid), Some(required)) => {
                let g = targets::get(c, p.org_id, gid, false).await?;
                let gp = crate::progress::service::measure(c, &ctx, &g, as_of).await?;
                Some((
                    gid,
                    required,
                    gp.attainment_pct,
                    pct2(gp.projected, g.value),
                ))
            }
            _ => None,
        };
        let met = gate.as_ref().is_none_or(|(_, req, att, _)| att >= req);
        let projected_met = gate.as_ref().is_none_or(|(_, req, _, proj)| proj >= req);
        let tier_reached_pct = tiers
            .iter()
            .filter(|t| now.attainment_pct >= t.attainment_pct)
            .map(|t| t.attainment_pct)
            .next_back();
        Ok(Payout {
            plan_id: plan.id,
            target_id: target.id,
            as_of,
            attainment_pct: now.attainment_pct,
            tier_reached_pct,
            earned: cents(rules::payout(now.attainment_pct, &tiers, met)),
            gate: gate.map(|(target_id, required_pct, attainment_pct, _)| GateStatus {
                target_id,
                required_pct,
                attainment_pct,
                met,
            }),
            projected_attainment_pct: projected_pct,
            projected_payout: cents(rules::payout(projected_pct, &tiers, projected_met)),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}
