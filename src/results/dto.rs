//! Request and response types of the results ledger.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::rules::credit::CreditType;
use super::rules::SaleKind;
use super::store::SaleRow;
use crate::http::ItemStatus;
use crate::values::{Amount, IsoDate};

crate::openapi::string_enum!(
    SaleKind,
    "SaleKind",
    "An invoice counts positive; a credit note negative."
);

crate::openapi::string_enum!(
    CreditType,
    "CreditType",
    "`revenue`: counts for the person and, through dated membership, their teams; a sale's revenue shares total 100. `overlay`: counts for the person's own targets only, never for a team or the organisation."
);

/// One person's share of a sale's credit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitItem {
    /// An active salesperson of the organisation.
    pub salesperson_id: Uuid,
    /// Above 0 and at most 100, with at most 2 decimals.
    #[schema(example = "60")]
    pub share_pct: Amount,
    #[serde(rename = "type")]
    pub credit_type: CreditType,
}

/// Shares as given.
pub fn shares(items: &[SplitItem]) -> Vec<crate::results::rules::credit::Share> {
    items
        .iter()
        .map(|s| crate::results::rules::credit::Share {
            salesperson_id: s.salesperson_id,
            credit_type: s.credit_type,
            share_pct: s.share_pct.0,
        })
        .collect()
}

/// A sale as a CRM sends it. Upserted by `(source, external_id)`. Amounts,
/// lengths and references are checked item by item: an item that breaks a rule is
/// rejected alone, with its errors.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleItem {
    /// The sale's id in the CRM.
    #[schema(example = "inv-2026-0042")]
    pub external_id: String,
    /// The CRM; defaults to the integration client's name.
    pub source: Option<String>,
    /// The account, by id or by its id in the CRM.
    pub account_id: Option<Uuid>,
    pub account_external_id: Option<String>,
    /// The CRM that knows `account_external_id` (default: `source`).
    pub account_source: Option<String>,
    /// The salesperson to credit whole; default: the account's owner on
    /// `occurred_on` (with the account's split rule of that day). Not with `splits`.
    pub salesperson_id: Option<Uuid>,
    /// How the credit is split: revenue shares that add up to exactly 100, and
    /// any overlay shares (each up to 100). Not with `salesperson_id`. A sale
    /// with its own splits keeps them when its account changes hands.
    #[schema(max_items = 20)]
    pub splits: Option<Vec<SplitItem>>,
    pub occurred_on: IsoDate,
    /// A positive amount in `currency`; a credit note counts it negative.
    #[schema(example = "12500.00")]
    pub revenue: Amount,
    /// Gross profit in `currency`; or give `cost` and it is derived.
    #[schema(example = "3100.00")]
    pub gross_profit: Option<Amount>,
    pub cost: Option<Amount>,
    /// Default: the organisation's currency.
    #[schema(example = "EUR")]
    pub currency: Option<String>,
    /// Units of the reporting currency per unit of `currency`; required for another currency.
    #[schema(example = "0.92")]
    pub fx_rate: Option<Amount>,
    pub kind: Option<SaleKind>,
}

/// A sale in the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sale {
    pub id: Uuid,
    pub source: String,
    pub external_id: String,
    pub account_id: Uuid,
    /// Who it is credited to: the holder of its largest revenue share (the
    /// whole sale, unless it is split; `credits` lists every share).
    pub salesperson_id: Uuid,
    pub occurred_on: NaiveDate,
    pub kind: SaleKind,
    pub currency: String,
    #[schema(value_type = String)]
    pub fx_rate: Decimal,
    /// As sent, in `currency`.
    #[schema(value_type = String)]
    pub revenue: Decimal,
    #[schema(value_type = String)]
    pub gross_profit: Decimal,
    /// What it counts for, in the organisation's currency (negative for a credit note).
    #[schema(value_type = String)]
    pub counted_revenue: Decimal,
    #[schema(value_type = String)]
    pub counted_gross_profit: Decimal,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SaleRow> for Sale {
    fn from(r: SaleRow) -> Self {
        Sale {
            id: r.id,
            source: r.source,
            external_id: r.external_id,
            account_id: r.account_id,
            salesperson_id: r.salesperson_id,
            occurred_on: r.occurred_on,
            kind: r.kind,
            currency: r.currency,
            fx_rate: r.fx_rate.normalize(),
            revenue: r.amount_revenue,
            gross_profit: r.amount_gross_profit,
            counted_revenue: r.revenue,
            counted_gross_profit: r.gross_profit,
            voided_at: r.voided_at,
            void_reason: r.void_reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleBatch {
    #[schema(max_items = 1000)]
    pub items: Vec<SaleItem>,
}

/// The answer to a single push.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleResult {
    pub status: ItemStatus,
    pub sale: Sale,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// An activity as a CRM sends it. Upserted by `(source, external_id)`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityItem {
    pub external_id: String,
    /// Default: the integration client's name.
    pub source: Option<String>,
    /// `call`, `meeting`, `demo`, `proposal`, or the organisation's own kind.
    #[schema(example = "meeting")]
    pub kind: String,
    /// Default: the owner of `account_id` on the day.
    pub salesperson_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    /// 1 to 100000 (default 1); checked item by item.
    pub count: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityBatch {
    #[schema(max_items = 1000)]
    pub items: Vec<ActivityItem>,
}
