//! What a plan has earned on a day, and what it would pay at the current run rate.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::super::rules::{self, cents, pct2};
use super::plans::visible_plan;
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::{AppError, AppResult};
use crate::org::context::OrgContext;
use crate::targets::service::for_bonus as targets;

/// Where a gate stands on the day.
pub struct GateAt {
    pub target_id: Uuid,
    pub required_pct: Decimal,
    pub attainment_pct: Decimal,
    pub met: bool,
}

/// A plan's payout on a day.
pub struct PayoutAt {
    pub plan_id: Uuid,
    pub target_id: Uuid,
    pub as_of: NaiveDate,
    pub attainment_pct: Decimal,
    pub tier_reached_pct: Option<Decimal>,
    pub earned: Decimal,
    pub gate: Option<GateAt>,
    pub projected_attainment_pct: Decimal,
    pub projected_payout: Decimal,
}

/// The payout of a plan the caller may see, on `as_of` (default: today).
pub async fn payout(
    pool: &PgPool,
    p: &Principal,
    id: Uuid,
    as_of: Option<NaiveDate>,
) -> AppResult<PayoutAt> {
    p.require_reader()?;
    if as_of.is_some_and(|d| !(1000..=9998).contains(&d.year())) {
        return Err(AppError::invalid_field(
            "as_of",
            "out_of_range",
            "a date between the years 1000 and 9998",
        ));
    }
    db::run(pool, async |c| {
        let (plan, target) = visible_plan(c, p, id, false).await?;
        let ctx = OrgContext::for_read(c, p).await?;
        let as_of = as_of.unwrap_or(ctx.today);
        let tiers = &plan.tiers.0;
        let now = crate::progress::service::measure(c, &ctx, &(&target).into(), as_of).await?;
        let projected_pct = pct2(now.projected, target.value);
        let gate = match (plan.gate_target_id, plan.gate_attainment_pct) {
            (Some(gid), Some(required)) => {
                let g = targets::get(c, p.org_id, gid).await?;
                let gp = crate::progress::service::measure(c, &ctx, &(&g).into(), as_of).await?;
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
        Ok(PayoutAt {
            plan_id: plan.id,
            target_id: target.id,
            as_of,
            attainment_pct: now.attainment_pct,
            tier_reached_pct: rules::tier_reached(now.attainment_pct, tiers),
            earned: cents(rules::payout(now.attainment_pct, tiers, met)),
            gate: gate.map(|(target_id, required_pct, attainment_pct, _)| GateAt {
                target_id,
                required_pct,
                attainment_pct,
                met,
            }),
            projected_attainment_pct: projected_pct,
            projected_payout: cents(rules::payout(projected_pct, tiers, projected_met)),
        })
    })
    .await
}
