//! Request and response types of `/v1/bonus-plans`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::rules;
use super::store::PlanRow;
use crate::users::rules::double_option;

/// From this attainment (percent of the target) on, the plan pays this much.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "80")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub attainment_pct: Decimal,
    #[schema(value_type = String, pattern = "^[0-9]{1,16}(\\.[0-9]{1,8})?$", example = "500.00")]
    #[serde(deserialize_with = "crate::values::amount")]
    pub payout: Decimal,
}

impl From<rules::Tier> for Tier {
    fn from(t: rules::Tier) -> Self {
        Tier {
            attainment_pct: t.attainment_pct,
            payout: t.payout,
        }
    }
}

impl From<Tier> for rules::Tier {
    fn from(t: Tier) -> Self {
        rules::Tier {
            attainment_pct: t.attainment_pct,
            payout: t.payout,
        }
    }
}

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
            tiers: r.tiers.0.into_iter().map(Tier::from).collect(),
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
    pub as_of: NaiveDate,
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
