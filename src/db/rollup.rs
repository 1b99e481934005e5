//! The SQL that sums one salesperson's rollup rows over a range of days, for
//! the statements of any store that reads it (the results' own, and the
//! progress read's one statement in targets).
//!
//! `monthly_rollup` holds the sums of `daily_rollup` by calendar month, written
//! in the same transaction. A range of days is read as its whole months from
//! the monthly rollup and its partial first and last months day by day: a
//! quarter to date is two or three month rows and the days of the month under
//! way, not every day of it.

/// An SQL expression (numeric, never NULL): the sum of the rollup rows of
/// salesperson `who` whose metric satisfies `metric` (an SQL condition on the
/// column, such as `= $2` or `IN ('revenue', 'overlay:revenue')`) over the
/// days `from` to `to`, both included. Every argument is an SQL expression
/// that the enclosing statement binds; `org` should be a parameter rather than
/// another table's column, so that Citus routes the statement to one node.
///
/// The whole months are those whose first day is at least `from` (`first`, the
/// first month start on or after `from`) and whose last day is at most `to`
/// (their first day before `after`, the start of the month holding the day
/// after `to`). The days read one by one are those before `first` and those
/// from `after` on, each range clipped to `[from, to]`; when no month is whole
/// they are `[from, to]` itself, read once.
pub fn person_range_sum(org: &str, who: &str, metric: &str, from: &str, to: &str) -> String {
    let first = format!(
        "(date_trunc('month', (({from})::date - 1)::timestamp) + interval '1 month')::date"
    );
    let after = format!("date_trunc('month', (({to})::date + 1)::timestamp)::date");
    let days = |lo: &str, hi: &str| {
        format!(
            "coalesce((SELECT sum(d.amount) FROM daily_rollup d \
              WHERE d.org_id = {org} AND d.salesperson_id = {who} AND d.metric {metric} \
                AND d.day BETWEEN {lo} AND {hi}), 0)"
        )
    };
    format!(
        "(coalesce((SELECT sum(m.amount) FROM monthly_rollup m \
           WHERE m.org_id = {org} AND m.salesperson_id = {who} AND m.metric {metric} \
             AND m.month >= {first} AND m.month < {after}), 0) \
          + {head} + {tail})",
        head = days(from, &format!("least({first} - 1, {to})")),
        tail = days(&format!("greatest({after}, {first})"), to),
    )
}
