//! An account's split rules: the people who share its sales besides its owner,
//! from one day to another. Adding or removing one re-credits the sales in its
//! dates, as a transfer does. Who may: admins, clients with `accounts:write`,
//! and managers of the owner and of everyone the rule names (nobody credits
//! themselves with results: salespeople are refused).

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access::{actor_id, get_visible, require_reader, require_transfer, require_writer};
use crate::accounts::dto_splits::NewSplitRule;
use crate::auth::rules::Role;
use crate::auth::Principal;
use crate::db::{self, PgPool};
use crate::error::AppResult;
use crate::events::dispatch::publish;
use crate::events::Outbox;
use crate::results::rules::credit::{self, RevenueTotal, Share, SplitRule};
use crate::results::service::splits::{self as results, RuleRecord};
use crate::validation::{FieldError, Validator};

/// `GET /v1/accounts/{id}/splits`: whoever sees the account.
pub async fn list(pool: &PgPool, p: &Principal, id: Uuid) -> AppResult<Vec<RuleRecord>> {
    require_reader(p)?;
    db::run(pool, async |c| {
        let account = get_visible(c, p, id, false).await?;
        results::rules_of(c, p.org_id, account.id).await
    })
    .await
}

/// `GET /v1/accounts/{id}/splits/{rule_id}`: one rule, for whoever sees the
/// account; 404 for a rule of another account.
pub async fn get(pool: &PgPool, p: &Principal, id: Uuid, rule: Uuid) -> AppResult<RuleRecord> {
    require_reader(p)?;
    db::run(pool, async |c| {
        let account = get_visible(c, p, id, false).await?;
        results::rules_of(c, p.org_id, account.id)
            .await?
            .into_iter()
            .find(|r| r.rule.id == rule)
            .ok_or_else(|| crate::error::AppError::not_found("split rule"))
    })
    .await
}

/// Checks that everyone named in `shares` is an active salesperson.
pub(super) async fn check_people(
    c: &mut AsyncPgConnection,
    org: Uuid,
    v: &mut Validator,
    field: &str,
    shares: &[Share],
) -> AppResult<()> {
    let ids: Vec<Uuid> = shares.iter().map(|s| s.salesperson_id).collect();
    let people = crate::users::service::read::people(c, org, &ids).await?;
    for (i, s) in shares.iter().enumerate() {
        let ok = people.iter().any(|(id, role, active)| {
            *id == s.salesperson_id && *role == Role::Salesperson && *active
        });
        if !ok {
            v.push(FieldError::new(
                format!("{field}[{i}].salesperson_id"),
                "not_found",
                "no such active salesperson in this organisation",
            ));
        }
    }
    Ok(())
}

/// Only those who may hand the account over may share it: a manager must
/// manage its owner and everyone the rule names.
async fn require_sharing(
    c: &mut AsyncPgConnection,
    p: &Principal,
    owner: Uuid,
    shares: &[Share],
) -> AppResult<()> {
    require_transfer(c, p, owner, owner).await?;
    for s in shares {
        require_transfer(c, p, owner, s.salesperson_id).await?;
    }
    Ok(())
}

/// Adds a rule to the locked account `account` in the caller's transaction,
/// and publishes what it re-credited.
pub(super) async fn add_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    account: Uuid,
    rule: SplitRule,
) -> AppResult<RuleRecord> {
    let mut outbox = Outbox::default();
    let stored = results::add_rule(c, p.org_id, account, rule, actor_id(p), &mut outbox).await?;
    publish(c, &mut outbox).await?;
    Ok(stored)
}

/// `POST /v1/accounts/{id}/splits`.
pub async fn add(pool: &PgPool, p: &Principal, id: Uuid, b: NewSplitRule) -> AppResult<RuleRecord> {
    require_writer(p)?;
    db::tx(pool, async move |c| add_rule_on(c, p, id, b).await).await
}

/// [`add`] in the caller's transaction.
pub async fn add_rule_on(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    b: NewSplitRule,
) -> AppResult<RuleRecord> {
    require_writer(p)?;
    let account = get_visible(c, p, id, true).await?;
    require_transfer(c, p, account.owner_id, account.owner_id).await?;
    let shares = crate::results::dto::shares(&b.splits);
    let (from, to) = (b.from.0, b.to.map(|t| t.0));
    let mut v = Validator::new();
    v.day("from", from);
    if let Some(to) = to {
        v.day("to", to);
        v.check(
            to >= from,
            "to",
            "before_from",
            "`to` must not be before `from`",
        );
    }
    credit::check_shares(&mut v, "splits", &shares, RevenueTotal::AtMost100);
    check_people(c, p.org_id, &mut v, "splits", &shares).await?;
    v.finish()?;
    require_sharing(c, p, account.owner_id, &shares).await?;
    let rule = SplitRule {
        id: Uuid::now_v7(),
        from,
        to,
        hunter_share: false,
        shares,
    };
    add_on(c, p, account.id, rule).await
}

/// `DELETE /v1/accounts/{id}/splits/{rule_id}`: the sales in its dates go back
/// to the owner of their day.
pub async fn remove(pool: &PgPool, p: &Principal, id: Uuid, rule: Uuid) -> AppResult<()> {
    require_writer(p)?;
    db::tx(pool, async move |c| {
        let account = get_visible(c, p, id, true).await?;
        require_transfer(c, p, account.owner_id, account.owner_id).await?;
        let found = results::rules_of(c, p.org_id, account.id)
            .await?
            .into_iter()
            .find(|r| r.rule.id == rule)
            .ok_or_else(|| crate::error::AppError::not_found("split rule"))?;
        require_sharing(c, p, account.owner_id, &found.rule.shares).await?;
        let mut outbox = Outbox::default();
        results::remove_rule(c, p.org_id, account.id, rule, &mut outbox).await?;
        publish(c, &mut outbox).await?;
        Ok(())
    })
    .await
}
