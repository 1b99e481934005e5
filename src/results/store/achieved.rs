//! What many subjects achieved over many ranges of days, in one statement.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db::KeepPrepared;
use crate::error::AppResult;

/// Whose results count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    /// One salesperson's.
    Person(Uuid),
    /// Those of the people who were members of the team, or of a team below it,
    /// on each day.
    Team(Uuid),
    /// Everyone's in the organisation.
    Everyone,
}

/// One sum asked for: whose, in a rollup metric (`revenue`, `gross_profit`,
/// `new_accounts`, `activity:<kind>`), over `[from, to]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub whose: Whose,
    pub metric: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// For each of `wanted`, in order, what the rollup holds (`None`: nothing
/// recorded; a person's figure counts their overlay credits too, a team's and
/// the organisation's revenue credits only; days that net to zero are nothing recorded), all in one
/// statement. A team counts each day for the people who were members of it or
/// of its sub-teams that day, as [`super::daily_by_team`] counts it.
pub async fn achieved_each(
    c: &mut AsyncPgConnection,
    org: Uuid,
    wanted: &[Wanted],
) -> AppResult<Vec<Option<Decimal>>> {
    use diesel::sql_types::{Array, Date, Integer, Nullable, Numeric, Text, Uuid as SqlUuid};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Integer)]
        i: i32,
        #[diesel(sql_type = Nullable<Numeric>)]
        total: Option<Decimal>,
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let (kinds, whos): (Vec<&str>, Vec<Option<Uuid>>) = wanted
        .iter()
        .map(|w| match w.whose {
            Whose::Person(id) => ("person", Some(id)),
            Whose::Team(id) => ("team", Some(id)),
            Whose::Everyone => ("everyone", None),
        })
        .unzip();
    let rows: Vec<Row> = diesel::sql_query(
        "WITH RECURSIVE w(i, kind, who, metric, from_on, to_on) AS ( \
             SELECT * FROM unnest($2, $3, $4, $5, $6, $7) \
         ), sub(i, id) AS ( \
             SELECT w.i, t.id FROM w JOIN teams t ON t.org_id = $1 AND t.id = w.who \
              WHERE w.kind = 'team' \
             UNION SELECT sub.i, c.id FROM teams c JOIN sub ON c.parent_team_id = sub.id \
              WHERE c.org_id = $1 \
         ) \
         SELECT w.i, CASE \
           WHEN w.kind = 'person' AND w.metric IN ('revenue', 'gross_profit') THEN ( \
             SELECT sum(x.own) + coalesce(sum(x.overlay), 0) \
               FROM daily_sales d \
              CROSS JOIN LATERAL (SELECT \
                CASE w.metric WHEN 'revenue' THEN d.revenue ELSE d.gross_profit END, \
                CASE w.metric WHEN 'revenue' THEN d.overlay_revenue \
                                             ELSE d.overlay_gross_profit END) AS x(own, overlay) \
              WHERE d.org_id = $1 AND d.salesperson_id = w.who \
                AND d.day BETWEEN w.from_on AND w.to_on \
                AND (x.own <> 0 OR x.overlay <> 0)) \
           WHEN w.kind = 'person' THEN (SELECT sum(r.amount) FROM daily_rollup r \
              WHERE r.org_id = $1 AND r.salesperson_id = w.who AND r.metric = w.metric \
                AND r.day BETWEEN w.from_on AND w.to_on AND r.amount <> 0) \
           WHEN w.kind = 'team' AND w.metric IN ('revenue', 'gross_profit') THEN ( \
             SELECT sum(CASE w.metric WHEN 'revenue' THEN d.revenue ELSE d.gross_profit END) \
               FROM daily_sales d \
               JOIN team_members m ON m.org_id = d.org_id AND m.user_id = d.salesperson_id \
                AND m.from_on <= d.day AND (m.to_on IS NULL OR m.to_on >= d.day) \
              WHERE d.org_id = $1 AND m.team_id IN (SELECT sub.id FROM sub WHERE sub.i = w.i) \
                AND d.day BETWEEN w.from_on AND w.to_on \
                AND CASE w.metric WHEN 'revenue' THEN d.revenue ELSE d.gross_profit END <> 0) \
           WHEN w.kind = 'team' THEN (SELECT sum(r.amount) FROM daily_rollup r \
              JOIN team_members m ON m.org_id = r.org_id AND m.user_id = r.salesperson_id \
               AND m.from_on <= r.day AND (m.to_on IS NULL OR m.to_on >= r.day) \
              WHERE r.org_id = $1 AND m.team_id IN (SELECT sub.id FROM sub WHERE sub.i = w.i) \
                AND r.metric = w.metric AND r.day BETWEEN w.from_on AND w.to_on \
                AND r.amount <> 0) \
           WHEN w.metric IN ('revenue', 'gross_profit') THEN ( \
             SELECT sum(CASE w.metric WHEN 'revenue' THEN d.revenue ELSE d.gross_profit END) \
               FROM daily_sales d \
              WHERE d.org_id = $1 AND d.day BETWEEN w.from_on AND w.to_on \
                AND CASE w.metric WHEN 'revenue' THEN d.revenue ELSE d.gross_profit END <> 0) \
           ELSE (SELECT sum(r.amount) FROM daily_rollup r \
              WHERE r.org_id = $1 AND r.metric = w.metric \
                AND r.day BETWEEN w.from_on AND w.to_on AND r.amount <> 0) \
         END AS total FROM w",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<Array<Integer>, _>((0..wanted.len() as i32).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(kinds)
    .bind::<Array<Nullable<SqlUuid>>, _>(whos)
    .bind::<Array<Text>, _>(wanted.iter().map(|w| w.metric.as_str()).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(wanted.iter().map(|w| w.from).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(wanted.iter().map(|w| w.to).collect::<Vec<_>>())
    .keep_prepared()
    .load(c)
    .await?;
    let mut out = vec![None; wanted.len()];
    for r in rows {
        out[r.i as usize] = r.total;
    }
    Ok(out)
}
