//! Reads of the daily rollup (and of the ledger, for account targets): what
//! people, teams and accounts achieved, in total or day by day.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db::schema::{accounts, activities, daily_rollup, daily_sales, sales, team_members};
use crate::db::{KeepPrepared, Reader};
use crate::error::AppResult;
use crate::results::rules::{GROSS_PROFIT, REVENUE};

/// The `daily_sales` columns of a money metric: its own, and that of the
/// person's overlay credits in it; `None` for a counted metric (kept as rows of
/// `daily_rollup`).
fn money_columns(metric: &str) -> Option<(&'static str, &'static str)> {
    match metric {
        REVENUE => Some(("revenue", "overlay_revenue")),
        GROSS_PROFIT => Some(("gross_profit", "overlay_gross_profit")),
        _ => None,
    }
}

/// A day's sum.
#[derive(QueryableByName)]
struct DayAmount {
    #[diesel(sql_type = diesel::sql_types::Date)]
    day: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Numeric>)]
    amount: Option<Decimal>,
}

fn by_day(rows: Vec<DayAmount>) -> Vec<(NaiveDate, Decimal)> {
    rows.into_iter()
        .map(|r| (r.day, r.amount.unwrap_or(Decimal::ZERO)))
        .collect()
}

/// The rollup rows of `metric` over `[from, to]` of the people who were members
/// of one of `teams` on the row's day.
#[diesel::dsl::auto_type]
fn team_rollup<'a>(
    org: Uuid,
    teams: &'a [Uuid],
    metric: &'a str,
    from: NaiveDate,
    to: NaiveDate,
) -> _ {
    let zero: Decimal = Decimal::ZERO;
    daily_rollup::table
        .inner_join(
            team_members::table.on(team_members::org_id
                .eq(daily_rollup::org_id)
                .and(team_members::user_id.eq(daily_rollup::salesperson_id))
                .and(team_members::from_on.le(daily_rollup::day))
                .and(
                    team_members::to_on
                        .is_null()
                        .or(team_members::to_on.ge(daily_rollup::day.nullable())),
                )),
        )
        .filter(daily_rollup::org_id.eq(org))
        .filter(team_members::team_id.eq_any(teams))
        .filter(daily_rollup::metric.eq(metric))
        .filter(daily_rollup::day.between(from, to))
        .filter(daily_rollup::amount.ne(zero))
}

/// Per day, what the rollup holds for these people (everyone: `None`) and metric
/// over `[from, to]`, in day order; days that net to zero are left out. People
/// named count their overlay credits too; everyone's figure counts revenue
/// credits only, each sale once.
pub async fn daily(
    c: &mut AsyncPgConnection,
    org: Uuid,
    people: Option<&[Uuid]>,
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, Decimal)>> {
    use diesel::sql_types::{Array, Date, Uuid as SqlUuid};
    if let Some((col, overlay)) = money_columns(metric) {
        let rows: Vec<DayAmount> = match people {
            Some(ids) => {
                diesel::sql_query(format!(
                    "SELECT day, sum({col}) + coalesce(sum({overlay}), 0) AS amount \
                       FROM daily_sales \
                      WHERE org_id = $1 AND day BETWEEN $2 AND $3 AND salesperson_id = ANY ($4) \
                        AND ({col} <> 0 OR {overlay} <> 0) \
                      GROUP BY day ORDER BY day"
                ))
                .bind::<SqlUuid, _>(org)
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .bind::<Array<SqlUuid>, _>(ids)
                .load(c)
                .await?
            }
            None => {
                diesel::sql_query(format!(
                    "SELECT day, sum({col}) AS amount FROM daily_sales \
                      WHERE org_id = $1 AND day BETWEEN $2 AND $3 AND {col} <> 0 \
                      GROUP BY day ORDER BY day"
                ))
                .bind::<SqlUuid, _>(org)
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .load(c)
                .await?
            }
        };
        return Ok(by_day(rows));
    }
    let mut metrics = vec![metric.to_string()];
    if people.is_some() {
        metrics.push(format!("overlay:{metric}"));
    }
    let mut q = daily_rollup::table
        .filter(daily_rollup::org_id.eq(org))
        .filter(daily_rollup::metric.eq_any(metrics))
        .filter(daily_rollup::day.between(from, to))
        .filter(daily_rollup::amount.ne(Decimal::ZERO))
        .group_by(daily_rollup::day)
        .select((daily_rollup::day, diesel::dsl::sum(daily_rollup::amount)))
        .order(daily_rollup::day)
        .into_boxed();
    if let Some(ids) = people {
        q = q.filter(daily_rollup::salesperson_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(NaiveDate, Option<Decimal>)> = q.load(c).await?;
    Ok(rows
        .into_iter()
        .map(|(d, a)| (d, a.unwrap_or(Decimal::ZERO)))
        .collect())
}

/// Per day, what a team achieved over `[from, to]`: each day counts for the people
/// who were members of the team (or its sub-teams) on that day.
pub async fn daily_by_team(
    c: &mut AsyncPgConnection,
    org: Uuid,
    teams: &[Uuid],
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, Decimal)>> {
    use diesel::sql_types::{Array, Date, Uuid as SqlUuid};
    if let Some((col, _)) = money_columns(metric) {
        let rows: Vec<DayAmount> = diesel::sql_query(format!(
            "SELECT d.day, sum(d.{col}) AS amount FROM daily_sales d \
               JOIN team_members m ON m.org_id = d.org_id AND m.user_id = d.salesperson_id \
                AND m.from_on <= d.day AND (m.to_on IS NULL OR m.to_on >= d.day) \
              WHERE d.org_id = $1 AND m.team_id = ANY ($2) AND d.day BETWEEN $3 AND $4 \
                AND d.{col} <> 0 \
              GROUP BY d.day ORDER BY d.day"
        ))
        .bind::<SqlUuid, _>(org)
        .bind::<Array<SqlUuid>, _>(teams)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .load(c)
        .await?;
        return Ok(by_day(rows));
    }
    let rows: Vec<(NaiveDate, Option<Decimal>)> = team_rollup(org, teams, metric, from, to)
        .group_by(daily_rollup::day)
        .select((daily_rollup::day, diesel::dsl::sum(daily_rollup::amount)))
        .order(daily_rollup::day)
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(d, a)| (d, a.unwrap_or(Decimal::ZERO)))
        .collect())
}

/// A person's money over a range of days: revenue, gross profit, and their
/// overlay credits in each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Money {
    pub revenue: Decimal,
    pub gross_profit: Decimal,
    pub overlay_revenue: Decimal,
    pub overlay_gross_profit: Decimal,
}

impl Money {
    /// A money metric's sum, with the person's overlay credits in it when
    /// `overlay`; `None` for a counted metric.
    pub fn metric(&self, metric: &str, overlay: bool) -> Option<Decimal> {
        let (own, credits) = match metric {
            REVENUE => (self.revenue, self.overlay_revenue),
            GROSS_PROFIT => (self.gross_profit, self.overlay_gross_profit),
            _ => return None,
        };
        Some(if overlay { own + credits } else { own })
    }
}

/// Sums over people's days, in one statement: for each `(salesperson, from,
/// to)` of `money` its [`Money`] (one scan of the person's days for all four),
/// and for each `(salesperson, counted metric, from, to)` of `counted` the
/// rollup's sum; each answer at the place of its question.
pub async fn sums_many(
    c: &mut AsyncPgConnection,
    org: Uuid,
    money: &[(Uuid, NaiveDate, NaiveDate)],
    counted: &[(Uuid, String, NaiveDate, NaiveDate)],
) -> AppResult<(Vec<Money>, Vec<Decimal>)> {
    use diesel::sql_types::{Array, BigInt, Date, Nullable, Numeric, Text, Uuid as SqlUuid};
    #[derive(QueryableByName)]
    struct Row {
        /// 1-based place in `money`, or minus the place in `counted`.
        #[diesel(sql_type = BigInt)]
        i: i64,
        #[diesel(sql_type = Nullable<Numeric>)]
        a: Option<Decimal>,
        #[diesel(sql_type = Nullable<Numeric>)]
        b: Option<Decimal>,
        #[diesel(sql_type = Nullable<Numeric>)]
        c: Option<Decimal>,
        #[diesel(sql_type = Nullable<Numeric>)]
        d: Option<Decimal>,
    }
    let mut sums = (
        vec![Money::default(); money.len()],
        vec![Decimal::ZERO; counted.len()],
    );
    if money.is_empty() && counted.is_empty() {
        return Ok(sums);
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT r.i, x.* \
           FROM unnest($2::uuid[], $3::date[], $4::date[]) WITH ORDINALITY AS r(who, from_on, to_on, i) \
          CROSS JOIN LATERAL ( \
            SELECT sum(d.revenue) AS a, sum(d.gross_profit) AS b, \
                   sum(d.overlay_revenue) AS c, sum(d.overlay_gross_profit) AS d \
              FROM daily_sales d \
             WHERE d.org_id = $1 AND d.salesperson_id = r.who \
               AND d.day BETWEEN r.from_on AND r.to_on) x \
         UNION ALL \
         SELECT -k.i, (SELECT sum(r.amount) FROM daily_rollup r \
                        WHERE r.org_id = $1 AND r.salesperson_id = k.who AND r.metric = k.metric \
                          AND r.day BETWEEN k.from_on AND k.to_on), NULL, NULL, NULL \
           FROM unnest($5::uuid[], $6::text[], $7::date[], $8::date[]) \
                WITH ORDINALITY AS k(who, metric, from_on, to_on, i)",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<Array<SqlUuid>, _>(money.iter().map(|m| m.0).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(money.iter().map(|m| m.1).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(money.iter().map(|m| m.2).collect::<Vec<_>>())
    .bind::<Array<SqlUuid>, _>(counted.iter().map(|k| k.0).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(counted.iter().map(|k| k.1.as_str()).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(counted.iter().map(|k| k.2).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(counted.iter().map(|k| k.3).collect::<Vec<_>>())
    .keep_prepared()
    .load(c)
    .await?;
    let zero = |x: Option<Decimal>| x.unwrap_or(Decimal::ZERO);
    for r in rows {
        let place = usize::try_from(r.i.unsigned_abs())
            .ok()
            .and_then(|n| n.checked_sub(1));
        match (r.i > 0, place) {
            (true, Some(n)) if n < sums.0.len() => {
                sums.0[n] = Money {
                    revenue: zero(r.a),
                    gross_profit: zero(r.b),
                    overlay_revenue: zero(r.c),
                    overlay_gross_profit: zero(r.d),
                }
            }
            (false, Some(n)) if n < sums.1.len() => sums.1[n] = zero(r.a),
            _ => {}
        }
    }
    Ok(sums)
}

/// What one person achieved in a rollup metric over `[from, to]`, their overlay
/// credits in it, read on the worker's shared connection: the progress of
/// their own target, once the target is known, in one statement that reads
/// nothing but their days.
pub async fn own_total_shared(
    reader: &Reader,
    org: Uuid,
    who: Uuid,
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Decimal> {
    use diesel::dsl::sum;
    let days = || {
        daily_sales::table
            .filter(daily_sales::org_id.eq(org))
            .filter(daily_sales::salesperson_id.eq(who))
            .filter(daily_sales::day.between(from, to))
    };
    let (own, credits): (Option<Decimal>, Option<Decimal>) = match metric {
        REVENUE => {
            let q = days().select((sum(daily_sales::revenue), sum(daily_sales::overlay_revenue)));
            reader
                .read(async |mut c| q.get_result(&mut c).await)
                .await?
        }
        GROSS_PROFIT => {
            let q = days().select((
                sum(daily_sales::gross_profit),
                sum(daily_sales::overlay_gross_profit),
            ));
            reader
                .read(async |mut c| q.get_result(&mut c).await)
                .await?
        }
        _ => {
            let q = daily_rollup::table
                .filter(daily_rollup::org_id.eq(org))
                .filter(daily_rollup::salesperson_id.eq(who))
                .filter(daily_rollup::metric.eq(metric.to_string()))
                .filter(daily_rollup::day.between(from, to))
                .select(sum(daily_rollup::amount));
            let own = reader
                .read(async |mut c| q.clone().get_result(&mut c).await)
                .await?;
            (own, None)
        }
    };
    Ok(own.unwrap_or(Decimal::ZERO) + credits.unwrap_or(Decimal::ZERO))
}

/// Per day, what one account brought in a rollup metric over `[from, to]`, from
/// the ledger (account targets): sales for money, activities by kind, its
/// conversion for new accounts.
pub async fn account_daily(
    c: &mut AsyncPgConnection,
    org: Uuid,
    account: Uuid,
    metric: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<(NaiveDate, Decimal)>> {
    let rows: Vec<(NaiveDate, Option<Decimal>)> = match metric {
        "revenue" | "gross_profit" => {
            let q = sales::table
                .filter(sales::org_id.eq(org).and(sales::account_id.eq(account)))
                .filter(sales::voided_at.is_null())
                .filter(sales::occurred_on.between(from, to))
                .group_by(sales::occurred_on)
                .order(sales::occurred_on);
            if metric == "revenue" {
                q.select((sales::occurred_on, diesel::dsl::sum(sales::revenue)))
                    .load(c)
                    .await?
            } else {
                q.select((sales::occurred_on, diesel::dsl::sum(sales::gross_profit)))
                    .load(c)
                    .await?
            }
        }
        "new_accounts" => {
            let converted: Option<NaiveDate> = accounts::table
                .find((org, account))
                .select(accounts::converted_on)
                .first(c)
                .await
                .optional()?
                .flatten();
            converted
                .filter(|d| *d >= from && *d <= to)
                .map(|d| (d, Some(Decimal::ONE)))
                .into_iter()
                .collect()
        }
        m => {
            let kind = m.strip_prefix("activity:").unwrap_or(m);
            let rows: Vec<(NaiveDate, Option<i64>)> = activities::table
                .filter(
                    activities::org_id
                        .eq(org)
                        .and(activities::account_id.eq(account)),
                )
                .filter(activities::kind.eq(kind))
                .filter(activities::occurred_on.between(from, to))
                .group_by(activities::occurred_on)
                .select((activities::occurred_on, diesel::dsl::sum(activities::count)))
                .order(activities::occurred_on)
                .load(c)
                .await?;
            rows.into_iter()
                .map(|(d, n)| (d, n.map(Decimal::from)))
                .collect()
        }
    };
    Ok(rows
        .into_iter()
        .filter_map(|(d, a)| a.filter(|a| !a.is_zero()).map(|a| (d, a)))
        .collect())
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
    Ok(account_daily(c, org, account, metric, from, to)
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .sum())
}
