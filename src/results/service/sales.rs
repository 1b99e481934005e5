//! Sales pushed by CRMs, one or a batch at a time, and voids.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{default_source, record, require_scope, source_of, stored, Written};
use crate::accounts::rules::owner_on;
use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult, FieldError, Validator};
use crate::events::data::{CreditData, SaleVoidedData};
use crate::events::dispatch::publish;
use crate::events::{Event, Outbox};
use crate::http::{ItemResult, ItemStatus};
use crate::results::dto::SaleItem;
use crate::results::rules::credit::{self, Credit, RevenueTotal, Share};
use crate::results::rules::{self, Deltas, SaleKind};
use crate::results::store::{self, SaleRow, SaleValues};

/// A checked sale item, ready to resolve against the database.
struct Checked {
    index: usize,
    key: (String, String),
    account: AccountRef,
    salesperson: Option<Uuid>,
    splits: Option<Vec<Share>>,
    occurred_on: NaiveDate,
    kind: SaleKind,
    amounts: rules::Amounts,
}

enum AccountRef {
    Id(Uuid),
    External(String, String),
}

fn check_sale(
    index: usize,
    item: &SaleItem,
    reporting: &str,
    default_source: Option<&str>,
) -> Result<Checked, Vec<FieldError>> {
    let mut v = Validator::new();
    v.text("external_id", &item.external_id, 200);
    let source = source_of(&mut v, item.source.as_deref(), default_source);
    v.day("occurred_on", item.occurred_on.0);
    let account = match (item.account_id, item.account_external_id.as_deref()) {
        (Some(id), None) => Some(AccountRef::Id(id)),
        (None, Some(ext)) => {
            v.text("account_external_id", ext, 200);
            let src = item
                .account_source
                .as_deref()
                .map(str::trim)
                .unwrap_or(source.as_str())
                .to_string();
            Some(AccountRef::External(src, ext.trim().to_string()))
        }
        (Some(_), Some(_)) => {
            v.push(FieldError::new(
                "account_id",
                "conflict",
                "give account_id or account_external_id, not both",
            ));
            None
        }
        (None, None) => {
            v.push(FieldError::new(
                "account_id",
                "required",
                "give account_id or account_external_id",
            ));
            None
        }
    };
    let splits: Option<Vec<Share>> = item.splits.as_deref().map(crate::results::dto::shares);
    if let Some(shares) = &splits {
        if item.salesperson_id.is_some() {
            v.push(FieldError::new(
                "splits",
                "conflict",
                "give splits or salesperson_id, not both",
            ));
        }
        credit::check_shares(&mut v, "splits", shares, RevenueTotal::Exactly100);
    }
    let kind = item.kind.unwrap_or_default();
    let amounts = rules::amounts(
        &mut v,
        reporting,
        kind,
        item.revenue.0,
        item.gross_profit.map(Decimal::from),
        item.cost.map(Decimal::from),
        item.currency.as_deref().map(str::trim),
        item.fx_rate.map(Decimal::from),
    );
    match (v.finish(), account, amounts) {
        (Ok(()), Some(account), Some(amounts)) => Ok(Checked {
            index,
            key: (source, item.external_id.trim().to_string()),
            account,
            salesperson: item.salesperson_id,
            splits,
            occurred_on: item.occurred_on.0,
            kind,
            amounts,
        }),
        (Err(e), _, _) => Err(e.errors),
        _ => Err(vec![FieldError::new("", "invalid", "the item is invalid")]),
    }
}

/// Stores a batch of sales: resolves accounts and credit, upserts the ledger and
/// moves the rollup, all in the caller's transaction.
pub async fn push_sales(
    c: &mut AsyncPgConnection,
    p: &Principal,
    items: &[SaleItem],
) -> AppResult<Vec<ItemResult>> {
    require_scope(p, Scope::SalesWrite)?;
    let org = crate::org::service::settings::row(c, p.org_id).await?;
    let default = default_source(c, p).await?;
    let mut results: Vec<Option<ItemResult>> = (0..items.len()).map(|_| None).collect();
    let reject = |results: &mut Vec<Option<ItemResult>>, index: usize, errors: Vec<FieldError>| {
        results[index] = Some(ItemResult {
            index,
            status: ItemStatus::Rejected,
            id: None,
            errors,
        });
    };
    let mut checked = Vec::new();
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        match check_sale(i, item, &org.currency, default.as_deref()) {
            Ok(ch) if !seen.insert(ch.key.clone()) => reject(
                &mut results,
                i,
                vec![FieldError::new(
                    "external_id",
                    "duplicate_in_batch",
                    "this sale appears earlier in the batch",
                )],
            ),
            Ok(ch) => checked.push(ch),
            Err(errors) => reject(&mut results, i, errors),
        }
    }
    // Resolve accounts and credit with a few queries for the whole batch.
    let ids: Vec<Uuid> = checked
        .iter()
        .filter_map(|ch| match ch.account {
            AccountRef::Id(id) => Some(id),
            _ => None,
        })
        .collect();
    let ext: Vec<(String, String)> = checked
        .iter()
        .filter_map(|ch| match &ch.account {
            AccountRef::External(s, e) => Some((s.clone(), e.clone())),
            _ => None,
        })
        .collect();
    let index = store::account_index(c, p.org_id, &ids, &ext).await?;
    let mut named: Vec<Uuid> = checked.iter().filter_map(|ch| ch.salesperson).collect();
    named.extend(
        checked
            .iter()
            .flat_map(|ch| ch.splits.iter().flatten().map(|s| s.salesperson_id)),
    );
    named.sort();
    named.dedup();
    let people = if named.is_empty() {
        Vec::new()
    } else {
        crate::users::service::read::people(c, p.org_id, &named).await?
    };
    let is_seller =
        |role: &crate::auth::rules::Role| *role == crate::auth::rules::Role::Salesperson;
    let sellers: HashSet<Uuid> = people
        .iter()
        .filter(|(_, role, _)| is_seller(role))
        .map(|(id, _, _)| *id)
        .collect();
    let active: HashSet<Uuid> = people
        .iter()
        .filter(|(_, role, active)| is_seller(role) && *active)
        .map(|(id, _, _)| *id)
        .collect();
    let mut ready = Vec::new();
    for ch in checked {
        let account = match &ch.account {
            AccountRef::Id(id) if index.ids.contains(id) => Some(*id),
            AccountRef::External(s, e) => index.by_external.get(&(s.clone(), e.clone())).copied(),
            _ => None,
        };
        let Some(account) = account else {
            let field = if matches!(ch.account, AccountRef::Id(_)) {
                "account_id"
            } else {
                "account_external_id"
            };
            reject(
                &mut results,
                ch.index,
                vec![FieldError::new(
                    field,
                    "not_found",
                    "no such account in this organisation",
                )],
            );
            continue;
        };
        let (shares, given, splits_given) = match (&ch.splits, ch.salesperson) {
            (Some(shares), _) => {
                let strangers: Vec<FieldError> = shares
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| !active.contains(&s.salesperson_id))
                    .map(|(i, _)| {
                        FieldError::new(
                            format!("splits[{i}].salesperson_id"),
                            "not_found",
                            "no such active salesperson in this organisation",
                        )
                    })
                    .collect();
                if !strangers.is_empty() {
                    reject(&mut results, ch.index, strangers);
                    continue;
                }
                (shares.clone(), false, true)
            }
            (None, Some(s)) if sellers.contains(&s) => (credit::whole(s), true, false),
            (None, Some(_)) => {
                reject(
                    &mut results,
                    ch.index,
                    vec![FieldError::new(
                        "salesperson_id",
                        "not_found",
                        "no such salesperson in this organisation",
                    )],
                );
                continue;
            }
            (None, None) => match index
                .owners
                .get(&account)
                .and_then(|h| owner_on(h, ch.occurred_on))
            {
                Some(o) => {
                    let rules = index.rules.get(&account).map(Vec::as_slice).unwrap_or(&[]);
                    (
                        credit::with_owner(o, credit::rule_on(rules, ch.occurred_on)),
                        false,
                        false,
                    )
                }
                None => {
                    reject(
                        &mut results,
                        ch.index,
                        vec![FieldError::new(
                            "occurred_on",
                            "no_owner_on_day",
                            "the account had no owner on this day; name salesperson_id",
                        )],
                    );
                    continue;
                }
            },
        };
        let credits = credit::credit(&shares, ch.amounts.revenue, ch.amounts.gross_profit);
        let Some(salesperson) = credit::primary(&credits) else {
            return Err(AppError::internal("a sale's credits hold no revenue share"));
        };
        let values = SaleValues {
            account_id: account,
            salesperson_id: salesperson,
            salesperson_given: given,
            occurred_on: ch.occurred_on,
            kind: ch.kind,
            currency: ch.amounts.currency.clone(),
            fx_rate: ch.amounts.fx_rate,
            amount_revenue: ch.amounts.amount_revenue,
            amount_gross_profit: ch.amounts.amount_gross_profit,
            revenue: ch.amounts.revenue,
            gross_profit: ch.amounts.gross_profit,
            splits_given,
            split: !credit::is_whole(&credits),
        };
        ready.push((ch.index, ch.key, values, credits));
    }
    // Upsert: insert first (a new sale needs no read), then read, lock and
    // update or leave the keys that were taken. The keys are locked first, in
    // one order for every push, then the rollup rows in theirs (`Deltas` is
    // sorted), so overlapping pushes wait for each other instead of each holding
    // rows the other needs. (Locking the rows that exist and then inserting the
    // others did not: a row inserted meanwhile by a third push was locked out of
    // order.) A key taken that cannot be read is tried again in a second round.
    ready.sort_by(|a, b| a.1.cmp(&b.1));
    let keys: Vec<(String, String)> = ready.iter().map(|r| r.1.clone()).collect();
    crate::results::order::lock_keys(c, p.org_id, &keys).await?;
    let mut new_credits: Vec<(Uuid, Credit)> = Vec::new();
    let mut replaced: Vec<Uuid> = Vec::new();
    let mut deltas = Deltas::default();
    let mut pending = ready;
    for _round in 0..2 {
        let fresh: Vec<_> = pending
            .into_iter()
            .map(|(index, key, values, credits)| (index, key, values, credits, Uuid::now_v7()))
            .collect();
        let inserts: Vec<_> = fresh
            .iter()
            .map(|(_, key, values, _, id)| (*id, key.0.clone(), key.1.clone(), values.clone()))
            .collect();
        let taken: HashSet<(String, String)> = store::insert_sales(c, p.org_id, &inserts)
            .await?
            .into_iter()
            .collect();
        let mut known = Vec::new();
        for (index, key, values, credits, id) in fresh {
            if taken.contains(&key) {
                known.push((index, key, values, credits));
                continue;
            }
            deltas.credits(&credits, values.occurred_on, Decimal::ONE);
            if values.split {
                new_credits.extend(credits.into_iter().map(|cr| (id, cr)));
            }
            results[index] = Some(ItemResult {
                index,
                status: ItemStatus::Created,
                id: Some(id),
                errors: vec![],
            });
        }
        pending = Vec::new();
        if known.is_empty() {
            break;
        }
        let keys: Vec<(String, String)> = known.iter().map(|r| r.1.clone()).collect();
        let existing = store::sales_by_keys(c, p.org_id, &keys).await?;
        let ids: Vec<Uuid> = existing.values().map(|r| r.id).collect();
        let mut before = store::credits_of(c, p.org_id, &ids).await?;
        for (index, key, values, credits) in known {
            match existing.get(&key) {
                Some(row) if row.voided_at.is_some() => reject(
                    &mut results,
                    index,
                    vec![FieldError::new(
                        "external_id",
                        "sale_voided",
                        "this sale was voided and no longer changes",
                    )],
                ),
                Some(row)
                    if values.same_as(row)
                        && before.get(&row.id).map(|b| credit::keyed(b))
                            == Some(credit::keyed(&credits)) =>
                {
                    results[index] = Some(ItemResult {
                        index,
                        status: ItemStatus::Unchanged,
                        id: Some(row.id),
                        errors: vec![],
                    });
                }
                Some(row) => {
                    store::update_sale(c, p.org_id, row.id, &values).await?;
                    let old = before.remove(&row.id).unwrap_or_default();
                    deltas.credits(&old, row.occurred_on, Decimal::NEGATIVE_ONE);
                    deltas.credits(&credits, values.occurred_on, Decimal::ONE);
                    if row.split {
                        replaced.push(row.id);
                    }
                    if values.split {
                        new_credits.extend(credits.into_iter().map(|cr| (row.id, cr)));
                    }
                    results[index] = Some(ItemResult {
                        index,
                        status: ItemStatus::Updated,
                        id: Some(row.id),
                        errors: vec![],
                    });
                }
                None => pending.push((index, key, values, credits)),
            }
        }
        if pending.is_empty() {
            break;
        }
    }
    if let Some((index, ..)) = pending.first() {
        return Err(AppError::conflict(
            "concurrent_update",
            format!("item {index} was changed by another request at the same time; retry"),
        ));
    }
    store::replace_credits(c, p.org_id, &replaced, &[]).await?;
    store::insert_credits(c, p.org_id, &new_credits).await?;
    let written = Written {
        sales: stored(results.iter().flatten().map(|r| r.status)),
        activities: 0,
    };
    let mut outbox = Outbox::default();
    record(c, p.org_id, deltas, written, &mut outbox).await?;
    publish(c, &mut outbox).await?;
    Ok(results.into_iter().flatten().collect())
}

/// Stores one sale: how it went, and the sale as stored; a rejected sale is
/// an error naming its fields.
pub async fn push_sale(
    c: &mut AsyncPgConnection,
    p: &Principal,
    item: &SaleItem,
) -> AppResult<(ItemStatus, SaleRow)> {
    let mut results = push_sales(c, p, std::slice::from_ref(item)).await?;
    let r = results
        .pop()
        .ok_or_else(|| AppError::internal("no result for one item"))?;
    if r.status == ItemStatus::Rejected {
        return Err(AppError::validation(r.errors));
    }
    let row = store::get_sale(c, p.org_id, r.id.expect("stored"), false).await?;
    Ok((r.status, row))
}

/// A void's reason: at most 500 characters.
pub fn check_void_reason(reason: Option<&str>) -> AppResult<()> {
    let mut v = Validator::new();
    if let Some(r) = reason {
        v.text("reason", r, 500);
    }
    v.finish()?;
    Ok(())
}

/// Voids a sale that should never have counted: it stays in the ledger and
/// leaves the rollup.
pub async fn void(
    c: &mut AsyncPgConnection,
    p: &Principal,
    id: Uuid,
    reason: Option<&str>,
) -> AppResult<SaleRow> {
    require_scope(p, Scope::SalesWrite)?;
    let org = p.org_id;
    let current = store::get_sale(c, org, id, true).await?;
    if current.voided_at.is_some() {
        return Err(AppError::conflict(
            "already_voided",
            "this sale was voided already",
        ));
    }
    let credits = store::credits_of(c, org, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let mut deltas = Deltas::default();
    deltas.credits(&credits, current.occurred_on, Decimal::NEGATIVE_ONE);
    let written = Written {
        sales: 1,
        activities: 0,
    };
    let mut outbox = Outbox::default();
    record(c, org, deltas, written, &mut outbox).await?;
    let row = store::void_sale(c, org, id, reason.map(str::trim)).await?;
    outbox.push(Event::SaleVoided {
        org,
        data: SaleVoidedData {
            sale_id: row.id,
            source: row.source.clone(),
            external_id: row.external_id.clone(),
            account_id: row.account_id,
            salesperson_id: row.salesperson_id,
            occurred_on: row.occurred_on,
            revenue: row.revenue,
            gross_profit: row.gross_profit,
            reason: row.void_reason.clone(),
            credits: credits
                .iter()
                .map(|c| CreditData {
                    salesperson_id: c.salesperson_id,
                    credit_type: c.credit_type.as_str().to_string(),
                    share_pct: c.share_pct,
                    revenue: c.revenue,
                    gross_profit: c.gross_profit,
                })
                .collect(),
        },
    });
    publish(c, &mut outbox).await?;
    Ok(row)
}
