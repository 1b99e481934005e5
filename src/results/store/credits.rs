//! Who each sale is credited to (`sale_credits`), and the accounts' split
//! rules that crediting reads at write time.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::col;
use crate::db::schema::{account_split_rules, account_split_shares, sale_credits, sale_shares};
use crate::db::KeepPrepared;
use crate::error::AppResult;
use crate::results::rules::credit::{Credit, CreditType, Share, SplitRule};

crate::db::text_enum!(CreditType);

/// The credits of these sales (their shares, or the whole credit of a sale
/// that is not split), by sale, each list ordered by type and person.
pub async fn credits_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    sales: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Credit>>> {
    let mut out: HashMap<Uuid, Vec<Credit>> = HashMap::new();
    if sales.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(Uuid, Uuid, CreditType, Decimal, Decimal, Decimal)> = sale_credits::table
        .filter(sale_credits::org_id.eq(org))
        .filter(sale_credits::sale_id.eq_any(sales))
        .select((
            sale_credits::sale_id,
            sale_credits::salesperson_id,
            sale_credits::credit_type,
            sale_credits::share_pct,
            sale_credits::revenue,
            sale_credits::gross_profit,
        ))
        .order((
            sale_credits::sale_id,
            sale_credits::credit_type.desc(),
            sale_credits::salesperson_id,
        ))
        .load(c)
        .await?;
    for (sale, who, t, pct, revenue, gross_profit) in rows {
        out.entry(sale).or_default().push(Credit {
            salesperson_id: who,
            credit_type: t,
            share_pct: pct.normalize(),
            revenue,
            gross_profit,
        });
    }
    Ok(out)
}

/// Stores the shares of shared sales: `(sale, credit)` pairs (a sale credited
/// whole has none: its row is its credit), in one statement whose rows come as
/// one array per column.
pub async fn insert_credits(
    c: &mut AsyncPgConnection,
    org: Uuid,
    credits: &[(Uuid, Credit)],
) -> AppResult<()> {
    use diesel::sql_types::{Array, Numeric, Text, Uuid as SqlUuid};
    if credits.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO sale_shares (org_id, sale_id, salesperson_id, credit_type, share_pct, \
             revenue, gross_profit) \
         SELECT $1, * FROM unnest($2, $3, $4, $5, $6, $7)",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<Array<SqlUuid>, _>(col(credits, |(s, _)| *s))
    .bind::<Array<SqlUuid>, _>(col(credits, |(_, cr)| cr.salesperson_id))
    .bind::<Array<Text>, _>(col(credits, |(_, cr)| cr.credit_type.as_str()))
    .bind::<Array<Numeric>, _>(col(credits, |(_, cr)| cr.share_pct))
    .bind::<Array<Numeric>, _>(col(credits, |(_, cr)| cr.revenue))
    .bind::<Array<Numeric>, _>(col(credits, |(_, cr)| cr.gross_profit))
    .keep_prepared()
    .execute(c)
    .await?;
    Ok(())
}

/// Replaces the shares of these sales with `credits`.
pub async fn replace_credits(
    c: &mut AsyncPgConnection,
    org: Uuid,
    sales: &[Uuid],
    credits: &[(Uuid, Credit)],
) -> AppResult<()> {
    if sales.is_empty() {
        return Ok(());
    }
    diesel::delete(
        sale_shares::table
            .filter(sale_shares::org_id.eq(org))
            .filter(sale_shares::sale_id.eq_any(sales)),
    )
    .execute(c)
    .await?;
    insert_credits(c, org, credits).await
}

/// A split rule as stored: the rule, and who made it when.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleRecord {
    pub account_id: Uuid,
    pub rule: SplitRule,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// The split rules of these accounts, by account, in day order.
pub async fn split_rules(
    c: &mut AsyncPgConnection,
    org: Uuid,
    accounts: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<RuleRecord>>> {
    let mut out: HashMap<Uuid, Vec<RuleRecord>> = HashMap::new();
    if accounts.is_empty() {
        return Ok(out);
    }
    type RuleRow = (
        (
            Uuid,
            Uuid,
            NaiveDate,
            Option<NaiveDate>,
            bool,
            Option<Uuid>,
            DateTime<Utc>,
        ),
        Option<(Uuid, CreditType, Decimal)>,
    );
    let rows: Vec<RuleRow> = account_split_rules::table
        .left_join(
            account_split_shares::table.on(account_split_shares::org_id
                .eq(account_split_rules::org_id)
                .and(account_split_shares::rule_id.eq(account_split_rules::id))),
        )
        .filter(account_split_rules::org_id.eq(org))
        .filter(account_split_rules::account_id.eq_any(accounts))
        .select((
            (
                account_split_rules::account_id,
                account_split_rules::id,
                account_split_rules::from_on,
                account_split_rules::to_on,
                account_split_rules::hunter_share,
                account_split_rules::created_by,
                account_split_rules::created_at,
            ),
            (
                account_split_shares::salesperson_id,
                account_split_shares::credit_type,
                account_split_shares::share_pct,
            )
                .nullable(),
        ))
        .order((
            account_split_rules::account_id,
            account_split_rules::from_on,
            account_split_rules::id,
            account_split_shares::credit_type.nullable().desc(),
            account_split_shares::salesperson_id.nullable(),
        ))
        .load(c)
        .await?;
    for ((account, id, from, to, hunter_share, created_by, created_at), share) in rows {
        let list = out.entry(account).or_default();
        if list.last().is_none_or(|r| r.rule.id != id) {
            list.push(RuleRecord {
                account_id: account,
                rule: SplitRule {
                    id,
                    from,
                    to,
                    hunter_share,
                    shares: Vec::new(),
                },
                created_by,
                created_at,
            });
        }
        if let (Some(r), Some((who, t, pct))) = (list.last_mut(), share) {
            r.rule.shares.push(Share {
                salesperson_id: who,
                credit_type: t,
                share_pct: pct.normalize(),
            });
        }
    }
    Ok(out)
}

/// Stores a split rule of `account`.
pub async fn insert_rule(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    rule: &SplitRule,
    created_by: Option<Uuid>,
) -> AppResult<()> {
    diesel::insert_into(account_split_rules::table)
        .values((
            account_split_rules::org_id.eq(org),
            account_split_rules::id.eq(rule.id),
            account_split_rules::account_id.eq(account),
            account_split_rules::from_on.eq(rule.from),
            account_split_rules::to_on.eq(rule.to),
            account_split_rules::hunter_share.eq(rule.hunter_share),
            account_split_rules::created_by.eq(created_by),
        ))
        .execute(c)
        .await?;
    let shares: Vec<_> = rule
        .shares
        .iter()
        .map(|s| {
            (
                account_split_shares::org_id.eq(org),
                account_split_shares::rule_id.eq(rule.id),
                account_split_shares::salesperson_id.eq(s.salesperson_id),
                account_split_shares::credit_type.eq(s.credit_type),
                account_split_shares::share_pct.eq(s.share_pct),
            )
        })
        .collect();
    diesel::insert_into(account_split_shares::table)
        .values(shares)
        .execute(c)
        .await?;
    Ok(())
}

/// Removes a split rule of `account` (its shares go with it); whether it was there.
pub async fn delete_rule(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    rule: Uuid,
) -> AppResult<bool> {
    let n = diesel::delete(
        account_split_rules::table
            .filter(account_split_rules::org_id.eq(org))
            .filter(account_split_rules::account_id.eq(account))
            .filter(account_split_rules::id.eq(rule)),
    )
    .execute(c)
    .await?;
    Ok(n > 0)
}
