//! Request and response types of an account's split rules.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::results::dto::SplitItem;
use crate::results::rules::credit::CreditType;
use crate::results::service::splits::RuleRecord;
use crate::values::{Amount, IsoDate};

/// A split rule to add: the people who share the account's sales besides its
/// owner, from one day to another. The owner on the day of each sale has the
/// revenue share that is left (100 minus the others' revenue shares).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSplitRule {
    /// The first day it covers.
    pub from: IsoDate,
    /// The last day it covers; open-ended when left out.
    pub to: Option<IsoDate>,
    /// Revenue shares totalling at most 100, and overlay shares (each up to 100).
    #[schema(max_items = 20)]
    pub splits: Vec<SplitItem>,
}

/// One share of a split rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleShare {
    pub salesperson_id: Uuid,
    #[schema(value_type = String, example = "25")]
    pub share_pct: Decimal,
    #[serde(rename = "type")]
    pub credit_type: CreditType,
}

/// A split rule of an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountSplitRule {
    pub id: Uuid,
    pub account_id: Uuid,
    pub from: NaiveDate,
    /// The last day it covers; `null`: open-ended.
    pub to: Option<NaiveDate>,
    /// Made by a conversion's hand-over: the hunter's share.
    pub hunter_share: bool,
    /// The people who share the account's sales besides its owner.
    pub splits: Vec<RuleShare>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<RuleRecord> for AccountSplitRule {
    fn from(r: RuleRecord) -> Self {
        AccountSplitRule {
            id: r.rule.id,
            account_id: r.account_id,
            from: r.rule.from,
            to: r.rule.to,
            hunter_share: r.rule.hunter_share,
            splits: r
                .rule
                .shares
                .into_iter()
                .map(|s| RuleShare {
                    salesperson_id: s.salesperson_id,
                    share_pct: s.share_pct.normalize(),
                    credit_type: s.credit_type,
                })
                .collect(),
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// The hunter's share after a hand-over: the revenue share of the account's
/// sales that the salesperson who won it keeps, up to a day.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HunterShare {
    /// Above 0 and at most 100, with at most 2 decimals.
    #[schema(example = "30")]
    pub share_pct: Amount,
    /// The last day the hunter keeps it.
    pub until: IsoDate,
}
