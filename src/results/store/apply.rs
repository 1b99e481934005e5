//! Writes of the daily rollup: the changes a ledger write makes, in its
//! transaction.

use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::col;
use crate::db::KeepPrepared;
use crate::error::AppResult;
use crate::results::rules::Deltas;

/// Adds the deltas to the daily rollup: money to `daily_sales` (a row per
/// person and day), counted metrics to `daily_rollup` (a row per person, metric
/// and day). Each table takes one statement whose rows come as one array per
/// column (`unnest`), prepared once per connection; the rows are locked in the
/// deltas' order, money first, the same for every writer.
pub async fn apply(c: &mut AsyncPgConnection, org: Uuid, deltas: &Deltas) -> AppResult<()> {
    use diesel::sql_types::{Array, Date, Nullable, Numeric, Text, Uuid as SqlUuid};
    let money: Vec<_> = deltas.money().into_iter().collect();
    if !money.is_empty() {
        diesel::sql_query(
            "INSERT INTO daily_sales AS d (org_id, salesperson_id, day, revenue, gross_profit, \
                                           overlay_revenue, overlay_gross_profit) \
             SELECT $1, * FROM unnest($2, $3, $4, $5, $6, $7) \
             ON CONFLICT (org_id, salesperson_id, day) DO UPDATE SET \
               revenue = d.revenue + excluded.revenue, \
               gross_profit = d.gross_profit + excluded.gross_profit, \
               overlay_revenue = nullif(coalesce(d.overlay_revenue, 0) \
                                        + coalesce(excluded.overlay_revenue, 0), 0), \
               overlay_gross_profit = nullif(coalesce(d.overlay_gross_profit, 0) \
                                             + coalesce(excluded.overlay_gross_profit, 0), 0)",
        )
        .bind::<SqlUuid, _>(org)
        .bind::<Array<SqlUuid>, _>(col(&money, |((w, _), _)| *w))
        .bind::<Array<Date>, _>(col(&money, |((_, d), _)| *d))
        .bind::<Array<Numeric>, _>(col(&money, |(_, m)| m.revenue))
        .bind::<Array<Numeric>, _>(col(&money, |(_, m)| m.gross_profit))
        .bind::<Array<Nullable<Numeric>>, _>(col(&money, |(_, m)| m.overlay_revenue))
        .bind::<Array<Nullable<Numeric>>, _>(col(&money, |(_, m)| m.overlay_gross_profit))
        .keep_prepared()
        .execute(c)
        .await?;
    }
    let counted: Vec<_> = deltas.counted().collect();
    if !counted.is_empty() {
        diesel::sql_query(
            "INSERT INTO daily_rollup (org_id, salesperson_id, metric, day, amount) \
             SELECT $1, * FROM unnest($2, $3, $4, $5) \
             ON CONFLICT (org_id, salesperson_id, metric, day) \
             DO UPDATE SET amount = daily_rollup.amount + excluded.amount",
        )
        .bind::<SqlUuid, _>(org)
        .bind::<Array<SqlUuid>, _>(col(&counted, |((w, _, _), _)| *w))
        .bind::<Array<Text>, _>(col(&counted, |((_, m, _), _)| m.as_str()))
        .bind::<Array<Date>, _>(col(&counted, |((_, _, d), _)| *d))
        .bind::<Array<Numeric>, _>(col(&counted, |(_, a)| **a))
        .keep_prepared()
        .execute(c)
        .await?;
    }
    Ok(())
}
