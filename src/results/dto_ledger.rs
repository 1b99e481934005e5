//! Request and response types of the ledger reads: `GET /v1/sales`,
//! `GET /v1/sales/{id}` and `GET /v1/activities`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::Sale;
use super::rules::credit::{self, CreditType};
use super::rules::SaleKind;
use super::store::{ActivityEntry, SaleRow};
use crate::values::IsoDate;

/// `GET /v1/sales`: which sales, and which page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesQuery {
    /// Credited to this salesperson.
    pub salesperson_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    /// Credited to the members of this team (or of its sub-teams) on the sale's day.
    pub team_id: Option<Uuid>,
    /// First day (inclusive).
    pub from: Option<IsoDate>,
    /// Last day (inclusive).
    pub to: Option<IsoDate>,
    /// The CRM the sale came from.
    pub source: Option<String>,
    #[param(inline)]
    pub kind: Option<SaleKind>,
    /// Also list voided sales (default false).
    pub include_voided: Option<bool>,
    /// Items per page, 1 to 200 (default 50); a CSV export ignores it.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `GET /v1/activities`: which activities, and which page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivitiesQuery {
    /// Credited to this salesperson.
    pub salesperson_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    /// Credited to the members of this team (or of its sub-teams) on the activity's day.
    pub team_id: Option<Uuid>,
    /// First day (inclusive).
    pub from: Option<IsoDate>,
    /// Last day (inclusive).
    pub to: Option<IsoDate>,
    /// The CRM the activity came from.
    pub source: Option<String>,
    /// `call`, `meeting`, `demo`, `proposal`, or the organisation's own kind.
    pub kind: Option<String>,
    /// Accepted for symmetry with sales; activities are never voided.
    pub include_voided: Option<bool>,
    /// Items per page, 1 to 200 (default 50); a CSV export ignores it.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Who a sale is credited to, with which share and which amounts (in the
/// organisation's currency, negative for a credit note).
#[derive(Debug, Serialize, ToSchema)]
pub struct Credit {
    pub salesperson_id: Uuid,
    #[schema(value_type = String, example = "100")]
    pub share_pct: Decimal,
    #[serde(rename = "type")]
    pub credit_type: CreditType,
    #[schema(value_type = String)]
    pub revenue: Decimal,
    #[schema(value_type = String)]
    pub gross_profit: Decimal,
}

/// A sale with its credits.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleDetail {
    #[serde(flatten)]
    pub sale: Sale,
    pub credits: Vec<Credit>,
}

impl SaleDetail {
    pub fn new(r: SaleRow, credits: Vec<credit::Credit>) -> Self {
        SaleDetail {
            sale: Sale::from(r),
            credits: credits
                .into_iter()
                .map(|c| Credit {
                    salesperson_id: c.salesperson_id,
                    share_pct: c.share_pct.normalize(),
                    credit_type: c.credit_type,
                    revenue: c.revenue,
                    gross_profit: c.gross_profit,
                })
                .collect(),
        }
    }
}

/// An activity in the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct Activity {
    pub id: Uuid,
    pub source: String,
    pub external_id: String,
    #[schema(example = "meeting")]
    pub kind: String,
    /// Who it is credited to.
    pub salesperson_id: Uuid,
    pub account_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    /// The day it counts on, in the organisation's timezone.
    pub occurred_on: NaiveDate,
    pub count: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ActivityEntry> for Activity {
    fn from(r: ActivityEntry) -> Self {
        Activity {
            id: r.id,
            source: r.source,
            external_id: r.external_id,
            kind: r.kind,
            salesperson_id: r.salesperson_id,
            account_id: r.account_id,
            occurred_at: r.occurred_at,
            occurred_on: r.occurred_on,
            count: r.count,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The CSV columns of a sale.
pub const SALE_CSV: [&str; 17] = [
    "id",
    "occurred_on",
    "kind",
    "source",
    "external_id",
    "account_id",
    "salesperson_id",
    "currency",
    "fx_rate",
    "revenue",
    "gross_profit",
    "counted_revenue",
    "counted_gross_profit",
    "voided_at",
    "void_reason",
    "version",
    "credits",
];

use crate::http::csv_text;

/// A sale as a CSV record, in the order of [`SALE_CSV`]. Its credits are one
/// field: `salesperson_id:type:share_pct:revenue:gross_profit` for each share,
/// separated by `;`.
pub fn sale_record(d: &SaleDetail) -> Vec<String> {
    let s = &d.sale;
    let opt = |x: Option<String>| x.unwrap_or_default();
    let credits: Vec<String> = d
        .credits
        .iter()
        .map(|c| {
            format!(
                "{}:{}:{}:{}:{}",
                c.salesperson_id,
                c.credit_type.as_str(),
                c.share_pct,
                c.revenue,
                c.gross_profit
            )
        })
        .collect();
    vec![
        s.id.to_string(),
        s.occurred_on.to_string(),
        s.kind.as_str().to_string(),
        csv_text(&s.source),
        csv_text(&s.external_id),
        s.account_id.to_string(),
        s.salesperson_id.to_string(),
        s.currency.clone(),
        s.fx_rate.to_string(),
        s.revenue.to_string(),
        s.gross_profit.to_string(),
        s.counted_revenue.to_string(),
        s.counted_gross_profit.to_string(),
        opt(s.voided_at.map(|t| t.to_rfc3339())),
        opt(s.void_reason.as_deref().map(csv_text)),
        s.version.to_string(),
        credits.join(";"),
    ]
}

/// The CSV columns of an activity.
pub const ACTIVITY_CSV: [&str; 10] = [
    "id",
    "occurred_at",
    "occurred_on",
    "kind",
    "count",
    "source",
    "external_id",
    "account_id",
    "salesperson_id",
    "version",
];

/// An activity as a CSV record, in the order of [`ACTIVITY_CSV`].
pub fn activity_record(a: &Activity) -> Vec<String> {
    vec![
        a.id.to_string(),
        a.occurred_at.to_rfc3339(),
        a.occurred_on.to_string(),
        csv_text(&a.kind),
        a.count.to_string(),
        csv_text(&a.source),
        csv_text(&a.external_id),
        a.account_id.map(|x| x.to_string()).unwrap_or_default(),
        a.salesperson_id.to_string(),
        a.version.to_string(),
    ]
}
