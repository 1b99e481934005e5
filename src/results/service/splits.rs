//! Accounts' split rules, for the accounts service (which decides who may and
//! checks the request): listing, adding and removing them, each change
//! re-crediting the sales in the rule's dates in the caller's transaction.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{recorded, Written};
use crate::error::{AppError, AppResult};
use crate::events::Outbox;
use crate::results::rules::credit::SplitRule;
use crate::results::store;

pub use crate::results::store::RuleRecord;

/// The split rules of an account, in day order.
pub async fn rules_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
) -> AppResult<Vec<RuleRecord>> {
    Ok(store::split_rules(c, org, &[account])
        .await?
        .remove(&account)
        .unwrap_or_default())
}

/// Adds a rule to an account (locked by the caller) unless it meets another
/// in time (409 `split_rules_overlap`), and re-credits the sales in its dates;
/// answers it as stored.
pub async fn add_rule(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    rule: SplitRule,
    created_by: Option<Uuid>,
    outbox: &mut Outbox,
) -> AppResult<RuleRecord> {
    let existing = rules_of(c, org, account).await?;
    if let Some(other) = existing
        .iter()
        .find(|r| r.rule.overlaps(rule.from, rule.to))
    {
        let until = other
            .rule
            .to
            .map(|d| d.to_string())
            .unwrap_or_else(|| "open-ended".into());
        return Err(AppError::conflict(
            "split_rules_overlap",
            format!(
                "the account's rule {} runs from {} to {until}; rules of one account never overlap",
                other.rule.id, other.rule.from
            ),
        ));
    }
    store::insert_rule(c, org, account, &rule, created_by).await?;
    let deltas = store::recredit_sales(c, org, account, rule.from, rule.to).await?;
    recorded(outbox, org, deltas, Written::default());
    rules_of(c, org, account)
        .await?
        .into_iter()
        .find(|r| r.rule.id == rule.id)
        .ok_or_else(|| AppError::internal("a split rule just stored is gone"))
}

/// Removes a rule of an account (locked by the caller), else 404, and
/// re-credits the sales in its dates to the owner of their day.
pub async fn remove_rule(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    rule: Uuid,
    outbox: &mut Outbox,
) -> AppResult<RuleRecord> {
    let Some(found) = rules_of(c, org, account)
        .await?
        .into_iter()
        .find(|r| r.rule.id == rule)
    else {
        return Err(AppError::not_found("split rule"));
    };
    store::delete_rule(c, org, account, rule).await?;
    let deltas = store::recredit_sales(c, org, account, found.rule.from, found.rule.to).await?;
    recorded(outbox, org, deltas, Written::default());
    Ok(found)
}
