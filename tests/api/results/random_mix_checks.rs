//! The invariants the random mix checks besides the rollup: who each sale is
//! credited to, which day each activity is on, and what teams achieved.

use super::*;

#[derive(QueryableByName)]
pub(super) struct DayNet {
    #[diesel(sql_type = SqlUuid)]
    pub salesperson_id: Uuid,
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Numeric)]
    pub amount: Decimal,
}

#[derive(QueryableByName)]
pub(super) struct Member {
    #[diesel(sql_type = SqlUuid)]
    pub team_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub user_id: Uuid,
    #[diesel(sql_type = Date)]
    pub from_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    pub to_on: Option<NaiveDate>,
}

#[derive(QueryableByName)]
struct CreditedSale {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    account_id: Uuid,
    #[diesel(sql_type = Date)]
    occurred_on: NaiveDate,
    #[diesel(sql_type = SqlUuid)]
    salesperson_id: Uuid,
    #[diesel(sql_type = Bool)]
    salesperson_given: bool,
    #[diesel(sql_type = Bool)]
    splits_given: bool,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    owner: Option<Uuid>,
}

#[derive(QueryableByName)]
struct ShareRow {
    /// The sale's id, or the rule's account.
    #[diesel(sql_type = SqlUuid)]
    of: Uuid,
    #[diesel(sql_type = Date)]
    from_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    to_on: Option<NaiveDate>,
    #[diesel(sql_type = SqlUuid)]
    salesperson_id: Uuid,
    #[diesel(sql_type = Text)]
    credit_type: String,
    #[diesel(sql_type = Numeric)]
    share_pct: Decimal,
}

type Shares = BTreeMap<(String, Uuid), Decimal>;

/// What a sale that follows its account is credited with, worked out here
/// from the rule in force on its day: the rule's shares, and the owner the
/// revenue share left (100 minus the others', none when nothing is left).
fn expected_shares(owner: Uuid, rule: &[&ShareRow]) -> Shares {
    let mut out = Shares::new();
    for s in rule {
        out.insert(
            (s.credit_type.clone(), s.salesperson_id),
            s.share_pct.normalize(),
        );
    }
    let others: Decimal = rule
        .iter()
        .filter(|s| s.credit_type == "revenue")
        .map(|s| s.share_pct)
        .sum();
    let left = (Decimal::ONE_HUNDRED - others).max(Decimal::ZERO);
    if !left.is_zero() {
        *out.entry(("revenue".into(), owner))
            .or_insert(Decimal::ZERO) += left;
    }
    out.into_iter().map(|(k, v)| (k, v.normalize())).collect()
}

/// Ledger invariants besides the rollup: a sale's revenue credits add up to
/// it, share and amounts; a sale that names its salesperson is theirs whole; a
/// sale that follows its account is credited by the rule in force on its day
/// and the owner on that day; every activity credited by the account's owner
/// is credited to the owner on its day, and every activity's day is its
/// instant in the organisation's time zone.
pub(super) async fn assert_credit_follows_ownership(app: &TestApp, org: Uuid) {
    assert_eq!(
        count(
            app,
            "SELECT count(*) AS n FROM sales s, LATERAL ( \
               SELECT coalesce(sum(c.share_pct), 0) AS pct, coalesce(sum(c.revenue), 0) AS rev, \
                      coalesce(sum(c.gross_profit), 0) AS gp \
                 FROM sale_credits c WHERE c.org_id = s.org_id AND c.sale_id = s.id \
                  AND c.credit_type = 'revenue') t \
             WHERE s.org_id = $1 AND s.voided_at IS NULL \
               AND (t.pct <> 100 OR t.rev <> s.revenue OR t.gp <> s.gross_profit)",
            org
        )
        .await,
        0,
        "sales whose revenue credits do not add up to them"
    );
    let owner_on = "(SELECT o.owner_id FROM account_owners o WHERE o.org_id = x.org_id \
                    AND o.account_id = x.account_id AND o.from_on <= x.occurred_on \
                    AND (o.to_on IS NULL OR o.to_on >= x.occurred_on))";
    let mut c = app.conn().await;
    let sales: Vec<CreditedSale> = diesel::sql_query(format!(
        "SELECT x.id, x.account_id, x.occurred_on, x.salesperson_id, x.salesperson_given, \
         x.splits_given, {owner_on} AS owner FROM sales x \
         WHERE x.org_id = $1 AND x.voided_at IS NULL"
    ))
    .bind::<SqlUuid, _>(org)
    .load(&mut c)
    .await
    .unwrap();
    let credits: Vec<ShareRow> = diesel::sql_query(
        "SELECT c.sale_id AS of, s.occurred_on AS from_on, NULL::date AS to_on, \
         c.salesperson_id, c.credit_type, c.share_pct \
         FROM sale_credits c JOIN sales s ON s.org_id = c.org_id AND s.id = c.sale_id \
         WHERE c.org_id = $1 AND s.voided_at IS NULL",
    )
    .bind::<SqlUuid, _>(org)
    .load(&mut c)
    .await
    .unwrap();
    let rules: Vec<ShareRow> = diesel::sql_query(
        "SELECT r.account_id AS of, r.from_on, r.to_on, h.salesperson_id, h.credit_type, \
         h.share_pct FROM account_split_rules r \
         JOIN account_split_shares h ON h.org_id = r.org_id AND h.rule_id = r.id \
         WHERE r.org_id = $1",
    )
    .bind::<SqlUuid, _>(org)
    .load(&mut c)
    .await
    .unwrap();
    for s in sales.iter().filter(|s| !s.splits_given) {
        let got: Shares = credits
            .iter()
            .filter(|c| c.of == s.id)
            .map(|c| {
                (
                    (c.credit_type.clone(), c.salesperson_id),
                    c.share_pct.normalize(),
                )
            })
            .collect();
        let want = if s.salesperson_given {
            expected_shares(s.salesperson_id, &[])
        } else {
            let rule: Vec<&ShareRow> = rules
                .iter()
                .filter(|r| {
                    r.of == s.account_id
                        && r.from_on <= s.occurred_on
                        && r.to_on.is_none_or(|t| t >= s.occurred_on)
                })
                .collect();
            let owner = s.owner.expect("an owner on the day");
            expected_shares(owner, &rule)
        };
        assert_eq!(
            got, want,
            "the credits of sale {} on {}",
            s.id, s.occurred_on
        );
    }
    assert_eq!(
        count(
            app,
            &format!(
                "SELECT count(*) AS n FROM activities x WHERE x.org_id = $1 \
                 AND NOT x.salesperson_given AND x.account_id IS NOT NULL \
                 AND x.salesperson_id IS DISTINCT FROM {owner_on}"
            ),
            org
        )
        .await,
        0,
        "activities credited to someone else than the owner on the day"
    );
    assert_eq!(
        count(
            app,
            "SELECT count(*) AS n FROM activities a JOIN orgs o ON o.id = a.org_id \
             WHERE a.org_id = $1 AND a.occurred_on <> (a.occurred_at AT TIME ZONE o.timezone)::date",
            org
        )
        .await,
        0,
        "activities on another day than the organisation's"
    );
}

/// Each person's revenue credits by day, from the ledger (voided sales left out).
pub(super) async fn revenue_nets(app: &TestApp, org: Uuid) -> Vec<DayNet> {
    diesel::sql_query(
        "SELECT c.salesperson_id, s.occurred_on AS day, sum(c.revenue) AS amount \
         FROM sale_credits c JOIN sales s ON s.org_id = c.org_id AND s.id = c.sale_id \
         WHERE c.org_id = $1 AND s.voided_at IS NULL AND c.credit_type = 'revenue' \
         GROUP BY 1, 2",
    )
    .bind::<SqlUuid, _>(org)
    .load(&mut app.conn().await)
    .await
    .unwrap()
}

/// What a team (with its sub-teams) achieved in revenue over [from, to],
/// computed from the ledger: `None` when no member had a day with results.
pub(super) fn team_revenue_from_ledger(
    nets: &[DayNet],
    members: &[Member],
    teams: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Option<Decimal> {
    let mut found = None;
    for n in nets {
        if n.day < from || n.day > to || n.amount.is_zero() {
            continue;
        }
        let member = members.iter().any(|m| {
            m.user_id == n.salesperson_id
                && teams.contains(&m.team_id)
                && m.from_on <= n.day
                && m.to_on.is_none_or(|t| t >= n.day)
        });
        if member {
            *found.get_or_insert(Decimal::ZERO) += n.amount;
        }
    }
    found
}
