//! What subjects achieved, for other resources' services (targets' SMART
//! assessment, progress): in total over ranges of days, many at once, or day by
//! day; for people, teams and single accounts.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::AppResult;
use crate::results::store;

pub use crate::results::store::{Wanted, Whose};

/// For each of `wanted`, in order, what was achieved (`None`: nothing
/// recorded), in one statement whatever their number.
pub async fn achieved_each(
    c: &mut AsyncPgConnection,
    org: Uuid,
    wanted: &[Wanted],
) -> AppResult<Vec<Option<Decimal>>> {
    store::achieved_each(c, org, wanted).await
}

/// Per day, what these people (everyone: `None`) achieved in a rollup metric
/// over `[from, to]`, in day order.
pub async fn daily(
    c: &mut AsyncPgConnection,
    org: Uuid,
    people: Option<&[Uuid]>,
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, Decimal)>> {
    store::daily(c, org, people, metric, from, to).await
}

/// Per day, what the members of these teams achieved on that day.
pub async fn daily_by_team(
    c: &mut AsyncPgConnection,
    org: Uuid,
    teams: &[Uuid],
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, Decimal)>> {
    store::daily_by_team(c, org, teams, metric, from, to).await
}

pub use crate::results::store::Money;

/// Sums over people's days, in one statement: each `(salesperson, from, to)`
/// of `money` as its [`store::Money`], each `(salesperson, counted metric,
/// from, to)` of `counted` as one sum; answers in the order of the questions.
pub async fn sums_many(
    c: &mut AsyncPgConnection,
    org: Uuid,
    money: &[(Uuid, NaiveDate, NaiveDate)],
    counted: &[(Uuid, String, NaiveDate, NaiveDate)],
) -> AppResult<(Vec<store::Money>, Vec<Decimal>)> {
    store::sums_many(c, org, money, counted).await
}

/// Per day, what one account brought in a rollup metric over `[from, to]`,
/// from the ledger (account targets), in day order.
pub async fn account_daily(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, Decimal)>> {
    store::account_daily(c, org, account, metric, from, to).await
}

/// What one account brought in a rollup metric over `[from, to]` (see
/// [`account_daily`]).
pub async fn account_total(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Decimal> {
    store::account_total(c, org, account, metric, from, to).await
}

/// What one person achieved in a rollup metric over `[from, to]`, their
/// overlay credits in it, on the worker's shared connection (see
/// [`crate::db::Reader`]).
pub async fn own_total_shared(
    reader: &crate::db::Reader,
    org: Uuid,
    who: Uuid,
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Decimal> {
    store::own_total_shared(reader, org, who, metric, from, to).await
}
