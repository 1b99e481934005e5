//! Queries for the results ledger and the daily rollup: writes here, reads of
//! the rollup in [`rollup`].

mod achieved;
mod apply;
mod credits;
mod ledger;
mod recredit;
mod rollup;

pub use achieved::{achieved_each, Wanted, Whose};
pub use apply::apply;
pub use credits::*;
pub use ledger::*;
pub use recredit::*;
pub use rollup::*;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::rules::credit::SplitRule;
use super::rules::SaleKind;
use crate::accounts::rules::Ownership;
use crate::db::schema::{account_owners, accounts, activities, daily_rollup, daily_sales, sales};
use crate::db::KeepPrepared;
use crate::error::{AppError, AppResult};

crate::db::text_enum!(SaleKind);

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = sales)]
pub struct SaleRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub source: String,
    pub external_id: String,
    pub account_id: Uuid,
    pub salesperson_id: Uuid,
    pub salesperson_given: bool,
    pub occurred_on: NaiveDate,
    pub kind: SaleKind,
    pub currency: String,
    pub fx_rate: Decimal,
    pub amount_revenue: Decimal,
    pub amount_gross_profit: Decimal,
    pub revenue: Decimal,
    pub gross_profit: Decimal,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub splits_given: bool,
    pub split: bool,
}

/// The fields of a sale that a push sets.
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = sales)]
pub struct SaleValues {
    pub account_id: Uuid,
    pub salesperson_id: Uuid,
    pub salesperson_given: bool,
    pub occurred_on: NaiveDate,
    pub kind: SaleKind,
    pub currency: String,
    pub fx_rate: Decimal,
    pub amount_revenue: Decimal,
    pub amount_gross_profit: Decimal,
    pub revenue: Decimal,
    pub gross_profit: Decimal,
    pub splits_given: bool,
    /// Shared: its credits are in `sale_shares`.
    pub split: bool,
}

impl SaleValues {
    /// Whether `row` already holds these values.
    pub fn same_as(&self, row: &SaleRow) -> bool {
        self.account_id == row.account_id
            && self.salesperson_id == row.salesperson_id
            && self.salesperson_given == row.salesperson_given
            && self.occurred_on == row.occurred_on
            && self.kind == row.kind
            && self.currency == row.currency
            && self.fx_rate == row.fx_rate
            && self.amount_revenue == row.amount_revenue
            && self.amount_gross_profit == row.amount_gross_profit
            && self.revenue == row.revenue
            && self.gross_profit == row.gross_profit
            && self.splits_given == row.splits_given
            && self.split == row.split
    }
}

/// Existing sales with these keys, locked.
pub async fn sales_by_keys(
    c: &mut AsyncPgConnection,
    org: Uuid,
    keys: &[(String, String)],
) -> AppResult<HashMap<(String, String), SaleRow>> {
    let mut sources: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    sources.sort();
    sources.dedup();
    let ids: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let rows: Vec<SaleRow> = sales::table
        .filter(sales::org_id.eq(org))
        .filter(sales::source.eq_any(&sources))
        .filter(sales::external_id.eq_any(&ids))
        .order((sales::source, sales::external_id))
        .select(SaleRow::as_select())
        .for_update()
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ((r.source.clone(), r.external_id.clone()), r))
        .collect())
}

/// A new ledger row to insert: `(id, source, external_id, values)`.
pub type NewEntry<V> = (Uuid, String, String, V);

/// Rows inserted in one statement, at most.
const INSERT_CHUNK: usize = 2000;

/// Inserts `rows` a chunk at a time with `insert` (one statement per chunk,
/// which skips conflicting keys and answers the ids it inserted); returns the
/// keys that were taken meanwhile (not inserted).
async fn insert_new<V>(
    c: &mut AsyncPgConnection,
    rows: &[NewEntry<V>],
    insert: impl AsyncFn(&mut AsyncPgConnection, &[NewEntry<V>]) -> AppResult<Vec<Uuid>>,
) -> AppResult<Vec<(String, String)>> {
    let mut taken = Vec::new();
    for chunk in rows.chunks(INSERT_CHUNK) {
        let inserted: HashSet<Uuid> = insert(c, chunk).await?.into_iter().collect();
        if inserted.len() < chunk.len() {
            taken.extend(
                chunk
                    .iter()
                    .filter(|(id, ..)| !inserted.contains(id))
                    .map(|(_, source, ext, _)| (source.clone(), ext.clone())),
            );
        }
    }
    Ok(taken)
}

/// One column of `rows`, as an array parameter of an `unnest`.
pub(super) fn col<'a, R, T>(rows: &'a [R], f: impl Fn(&'a R) -> T) -> Vec<T> {
    rows.iter().map(f).collect()
}

/// The id of a row an insert stored.
#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// Inserts new sales; returns the keys that were taken meanwhile (not inserted).
/// One statement per chunk whose rows come as one array per column (`unnest`):
/// its text and plan do not grow with the rows, so it is prepared once per
/// connection, and its parameters are 17 arrays, not 15 values per row.
pub async fn insert_sales(
    c: &mut AsyncPgConnection,
    org: Uuid,
    rows: &[NewEntry<SaleValues>],
) -> AppResult<Vec<(String, String)>> {
    use diesel::sql_types::{Array, Bool, Date, Numeric, Text, Uuid as SqlUuid};
    insert_new(c, rows, async |c, chunk| {
        let inserted: Vec<Inserted> = diesel::sql_query(
            "INSERT INTO sales (org_id, id, source, external_id, account_id, salesperson_id, \
                 salesperson_given, occurred_on, kind, currency, fx_rate, amount_revenue, \
                 amount_gross_profit, revenue, gross_profit, splits_given, split) \
             SELECT $1, * FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                 $15, $16, $17) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind::<SqlUuid, _>(org)
        .bind::<Array<SqlUuid>, _>(col(chunk, |r| r.0))
        .bind::<Array<Text>, _>(col(chunk, |r| r.1.as_str()))
        .bind::<Array<Text>, _>(col(chunk, |r| r.2.as_str()))
        .bind::<Array<SqlUuid>, _>(col(chunk, |r| r.3.account_id))
        .bind::<Array<SqlUuid>, _>(col(chunk, |r| r.3.salesperson_id))
        .bind::<Array<Bool>, _>(col(chunk, |r| r.3.salesperson_given))
        .bind::<Array<Date>, _>(col(chunk, |r| r.3.occurred_on))
        .bind::<Array<Text>, _>(col(chunk, |r| r.3.kind.as_str()))
        .bind::<Array<Text>, _>(col(chunk, |r| r.3.currency.as_str()))
        .bind::<Array<Numeric>, _>(col(chunk, |r| r.3.fx_rate))
        .bind::<Array<Numeric>, _>(col(chunk, |r| r.3.amount_revenue))
        .bind::<Array<Numeric>, _>(col(chunk, |r| r.3.amount_gross_profit))
        .bind::<Array<Numeric>, _>(col(chunk, |r| r.3.revenue))
        .bind::<Array<Numeric>, _>(col(chunk, |r| r.3.gross_profit))
        .bind::<Array<Bool>, _>(col(chunk, |r| r.3.splits_given))
        .bind::<Array<Bool>, _>(col(chunk, |r| r.3.split))
        .keep_prepared()
        .load(c)
        .await?;
        Ok(inserted.into_iter().map(|r| r.id).collect())
    })
    .await
}

pub async fn update_sale(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    v: &SaleValues,
) -> AppResult<()> {
    diesel::update(sales::table.find((org, id)))
        .set((
            v,
            sales::version.eq(sales::version + 1),
            sales::updated_at.eq(diesel::dsl::now),
        ))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn get_sale(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    for_update: bool,
) -> AppResult<SaleRow> {
    let q = sales::table.find((org, id)).select(SaleRow::as_select());
    let row = if for_update {
        q.for_update().first(c).await.optional()?
    } else {
        q.first(c).await.optional()?
    };
    row.ok_or_else(|| AppError::not_found("sale"))
}

pub async fn void_sale(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    reason: Option<&str>,
) -> AppResult<SaleRow> {
    Ok(diesel::update(sales::table.find((org, id)))
        .set((
            sales::voided_at.eq(Some(Utc::now())),
            sales::void_reason.eq(reason),
            sales::version.eq(sales::version + 1),
            sales::updated_at.eq(diesel::dsl::now),
        ))
        .returning(SaleRow::as_returning())
        .get_result(c)
        .await?)
}

/// Accounts by id and by (external_source, external_id).
pub struct AccountIndex {
    pub ids: Vec<Uuid>,
    pub by_external: HashMap<(String, String), Uuid>,
    pub owners: HashMap<Uuid, Vec<Ownership>>,
    /// Split rules, in day order.
    pub rules: HashMap<Uuid, Vec<SplitRule>>,
}

pub async fn account_index(
    c: &mut AsyncPgConnection,
    org: Uuid,
    ids: &[Uuid],
    external: &[(String, String)],
) -> AppResult<AccountIndex> {
    // FOR KEY SHARE: a transfer (which locks the account FOR UPDATE) waits for
    // this push to commit, then re-credits what it stored; a push that starts
    // after the transfer reads the new owner.
    let mut found: Vec<Uuid> = accounts::table
        .filter(accounts::org_id.eq(org).and(accounts::id.eq_any(ids)))
        .select(accounts::id)
        .order(accounts::id)
        .for_key_share()
        .load(c)
        .await?;
    let mut by_external = HashMap::new();
    if !external.is_empty() {
        let ext_ids: Vec<&str> = external.iter().map(|e| e.1.as_str()).collect();
        let rows: Vec<(Option<String>, Option<String>, Uuid)> = accounts::table
            .filter(
                accounts::org_id
                    .eq(org)
                    .and(accounts::external_id.eq_any(&ext_ids)),
            )
            .select((
                accounts::external_source,
                accounts::external_id,
                accounts::id,
            ))
            .order(accounts::id)
            .for_key_share()
            .load(c)
            .await?;
        for (s, e, id) in rows {
            if let (Some(s), Some(e)) = (s, e) {
                by_external.insert((s, e), id);
                found.push(id);
            }
        }
    }
    let owners = owners_of(c, org, &found).await?;
    let rules = credits::split_rules(c, org, &found)
        .await?
        .into_iter()
        .map(|(a, rs)| (a, rs.into_iter().map(|r| r.rule).collect()))
        .collect();
    Ok(AccountIndex {
        ids: found,
        by_external,
        owners,
        rules,
    })
}

/// The dated ownership of these accounts, by account, in day order.
pub(super) async fn owners_of(
    c: &mut AsyncPgConnection,
    org: Uuid,
    accounts: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Ownership>>> {
    let rows: Vec<(Uuid, Uuid, NaiveDate, Option<NaiveDate>)> = account_owners::table
        .filter(
            account_owners::org_id
                .eq(org)
                .and(account_owners::account_id.eq_any(accounts)),
        )
        .select((
            account_owners::account_id,
            account_owners::owner_id,
            account_owners::from_on,
            account_owners::to_on,
        ))
        .order((account_owners::account_id, account_owners::from_on))
        .load(c)
        .await?;
    let mut owners: HashMap<Uuid, Vec<Ownership>> = HashMap::new();
    for (account, owner_id, from, to) in rows {
        owners
            .entry(account)
            .or_default()
            .push(Ownership { owner_id, from, to });
    }
    Ok(owners)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = activities)]
pub struct ActivityRow {
    pub id: Uuid,
    pub kind: String,
    pub salesperson_id: Uuid,
    pub salesperson_given: bool,
    pub account_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub occurred_on: NaiveDate,
    pub count: i32,
}

#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = activities)]
#[diesel(treat_none_as_null = true)]
pub struct ActivityValues {
    pub kind: String,
    pub salesperson_id: Uuid,
    pub salesperson_given: bool,
    pub account_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub occurred_on: NaiveDate,
    pub count: i32,
}

impl ActivityValues {
    pub fn same_as(&self, r: &ActivityRow) -> bool {
        self.kind == r.kind
            && self.salesperson_id == r.salesperson_id
            && self.salesperson_given == r.salesperson_given
            && self.account_id == r.account_id
            && self.occurred_at == r.occurred_at
            && self.occurred_on == r.occurred_on
            && self.count == r.count
    }
}

/// Existing activities with these keys, locked in key order.
pub async fn activities_by_keys(
    c: &mut AsyncPgConnection,
    org: Uuid,
    keys: &[(String, String)],
) -> AppResult<HashMap<(String, String), ActivityRow>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sources: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    sources.sort();
    sources.dedup();
    let ids: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let rows: Vec<(String, String, ActivityRow)> = activities::table
        .filter(activities::org_id.eq(org))
        .filter(activities::source.eq_any(&sources))
        .filter(activities::external_id.eq_any(&ids))
        .order((activities::source, activities::external_id))
        .select((
            activities::source,
            activities::external_id,
            ActivityRow::as_select(),
        ))
        .for_update()
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(source, ext, r)| ((source, ext), r))
        .collect())
}

/// Inserts new activities `(id, source, external_id, values)`; returns the keys
/// that were taken meanwhile (not inserted). Rows as arrays, as for sales.
pub async fn insert_activities(
    c: &mut AsyncPgConnection,
    org: Uuid,
    rows: &[NewEntry<ActivityValues>],
) -> AppResult<Vec<(String, String)>> {
    use diesel::sql_types::Uuid as SqlUuid;
    use diesel::sql_types::{Array, Bool, Date, Integer, Nullable, Text, Timestamptz};
    insert_new(c, rows, async |c, chunk| {
        let inserted: Vec<Inserted> = diesel::sql_query(
            "INSERT INTO activities (org_id, id, source, external_id, kind, salesperson_id, \
                 salesperson_given, account_id, occurred_at, occurred_on, count) \
             SELECT $1, * FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind::<SqlUuid, _>(org)
        .bind::<Array<SqlUuid>, _>(col(chunk, |r| r.0))
        .bind::<Array<Text>, _>(col(chunk, |r| r.1.as_str()))
        .bind::<Array<Text>, _>(col(chunk, |r| r.2.as_str()))
        .bind::<Array<Text>, _>(col(chunk, |r| r.3.kind.as_str()))
        .bind::<Array<SqlUuid>, _>(col(chunk, |r| r.3.salesperson_id))
        .bind::<Array<Bool>, _>(col(chunk, |r| r.3.salesperson_given))
        .bind::<Array<Nullable<SqlUuid>>, _>(col(chunk, |r| r.3.account_id))
        .bind::<Array<Timestamptz>, _>(col(chunk, |r| r.3.occurred_at))
        .bind::<Array<Date>, _>(col(chunk, |r| r.3.occurred_on))
        .bind::<Array<Integer>, _>(col(chunk, |r| r.3.count))
        .keep_prepared()
        .load(c)
        .await?;
        Ok(inserted.into_iter().map(|r| r.id).collect())
    })
    .await
}

pub async fn update_activity(
    c: &mut AsyncPgConnection,
    org: Uuid,
    id: Uuid,
    v: &ActivityValues,
) -> AppResult<()> {
    diesel::update(activities::table.find((org, id)))
        .set((
            v,
            activities::version.eq(activities::version + 1),
            activities::updated_at.eq(diesel::dsl::now),
        ))
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes every row of organisation `org` from the ledger, its credits, the
/// accounts' split rules and `daily_rollup`, for dropping the
/// whole organisation (in the caller's transaction).
pub async fn purge_org(c: &mut AsyncPgConnection, org: Uuid) -> AppResult<()> {
    use crate::db::schema::{account_split_rules, account_split_shares, sale_shares};
    diesel::delete(sale_shares::table.filter(sale_shares::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(account_split_shares::table.filter(account_split_shares::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(account_split_rules::table.filter(account_split_rules::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(sales::table.filter(sales::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(activities::table.filter(activities::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(daily_rollup::table.filter(daily_rollup::org_id.eq(org)))
        .execute(c)
        .await?;
    diesel::delete(daily_sales::table.filter(daily_sales::org_id.eq(org)))
        .execute(c)
        .await?;
    Ok(())
}
