//! Re-crediting what an account brought when its owner or split rules change:
//! sales to the owner and rule of their day, activities to the new owner.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use std::collections::HashMap;
use uuid::Uuid;

use super::{apply, credits, owners_of};
use crate::accounts::rules::owner_on;
use crate::db::schema::{activities, sales};
use crate::error::AppResult;
use crate::results::rules::credit::{self, Credit, SplitRule};
use crate::results::rules::{activity_metric, Deltas};

/// Re-credits the sales of an account on `[from, to]` (`to`: open) that follow
/// it (neither their salesperson nor their splits were named in the push): to
/// the owner and split rule of each one's day, as they stand now. Moves the
/// rollup; answers the changes made to it.
pub async fn recredit_sales(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> AppResult<Deltas> {
    let last = to.unwrap_or(NaiveDate::MAX);
    let found: Vec<(Uuid, NaiveDate, Decimal, Decimal)> = sales::table
        .filter(sales::org_id.eq(org).and(sales::account_id.eq(account)))
        .filter(sales::occurred_on.between(from, last))
        .filter(sales::salesperson_given.eq(false))
        .filter(sales::splits_given.eq(false))
        .filter(sales::voided_at.is_null())
        .select((
            sales::id,
            sales::occurred_on,
            sales::revenue,
            sales::gross_profit,
        ))
        .order(sales::id)
        .for_update()
        .load(c)
        .await?;
    let mut deltas = Deltas::default();
    if found.is_empty() {
        return Ok(deltas);
    }
    let owners = owners_of(c, org, &[account]).await?.remove(&account);
    let owners = owners.unwrap_or_default();
    let rules: Vec<SplitRule> = credits::split_rules(c, org, &[account])
        .await?
        .remove(&account)
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.rule)
        .collect();
    let ids: Vec<Uuid> = found.iter().map(|f| f.0).collect();
    let mut old = credits::credits_of(c, org, &ids).await?;
    let mut changed = Vec::new();
    let mut fresh: Vec<(Uuid, Credit)> = Vec::new();
    let mut by_primary: HashMap<(Uuid, bool), Vec<Uuid>> = HashMap::new();
    for (id, day, revenue, gross_profit) in found {
        let Some(owner) = owner_on(&owners, day) else {
            continue;
        };
        let shares = credit::with_owner(owner, credit::rule_on(&rules, day));
        let now = credit::credit(&shares, revenue, gross_profit);
        let before = old.remove(&id).unwrap_or_default();
        if credit::keyed(&before) == credit::keyed(&now) {
            continue;
        }
        deltas.credits(&before, day, Decimal::NEGATIVE_ONE);
        deltas.credits(&now, day, Decimal::ONE);
        let split = !credit::is_whole(&now);
        by_primary
            .entry((credit::primary(&now).unwrap_or(owner), split))
            .or_default()
            .push(id);
        changed.push(id);
        if split {
            fresh.extend(now.into_iter().map(|cr| (id, cr)));
        }
    }
    for ((primary, split), ids) in &by_primary {
        diesel::update(sales::table.filter(sales::org_id.eq(org).and(sales::id.eq_any(ids))))
            .set((
                sales::salesperson_id.eq(primary),
                sales::split.eq(split),
                sales::version.eq(sales::version + 1),
                sales::updated_at.eq(diesel::dsl::now),
            ))
            .execute(c)
            .await?;
    }
    credits::replace_credits(c, org, &changed, &fresh).await?;
    apply(c, org, &deltas).await?;
    Ok(deltas)
}

/// Re-credits an account's activities from `from` on to `owner` (those whose
/// salesperson was named in the push keep theirs), and moves them in the
/// rollup; answers the changes made to it.
pub async fn recredit_activities(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    from: NaiveDate,
    owner: Uuid,
) -> AppResult<Deltas> {
    let mut deltas = Deltas::default();
    let acts: Vec<(Uuid, Uuid, NaiveDate, String, i32)> = activities::table
        .filter(
            activities::org_id
                .eq(org)
                .and(activities::account_id.eq(account)),
        )
        .filter(activities::occurred_on.ge(from))
        .filter(activities::salesperson_given.eq(false))
        .filter(activities::salesperson_id.ne(owner))
        .select((
            activities::id,
            activities::salesperson_id,
            activities::occurred_on,
            activities::kind,
            activities::count,
        ))
        .for_update()
        .load(c)
        .await?;
    for (_, old, day, kind, count) in &acts {
        let m = activity_metric(kind);
        deltas.add(*old, &m, *day, -Decimal::from(*count));
        deltas.add(owner, &m, *day, Decimal::from(*count));
    }
    let ids: Vec<Uuid> = acts.iter().map(|a| a.0).collect();
    diesel::update(
        activities::table.filter(activities::org_id.eq(org).and(activities::id.eq_any(&ids))),
    )
    .set((
        activities::salesperson_id.eq(owner),
        activities::version.eq(activities::version + 1),
        activities::updated_at.eq(diesel::dsl::now),
    ))
    .execute(c)
    .await?;
    apply(c, org, &deltas).await?;
    Ok(deltas)
}
