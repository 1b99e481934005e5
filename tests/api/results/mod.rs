//! Results: what CRMs push (sales and activities), credited to the right person
//! and team, with the daily rollup kept equal to the ledger and the SMART
//! attainability rating read from it. Expected totals are worked out by hand.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::*;
use chrono::{Duration, NaiveDate, Utc};
use diesel::sql_types::{Bool, Bytea, Date, Integer, Nullable, Numeric, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

type SqlUuid = diesel::sql_types::Uuid;

/// A sale item: an invoice in the organisation's currency.
fn sale(ext: &str, account: Uuid, on: &str, revenue: &str, gross_profit: &str) -> Value {
    json!({
        "external_id": ext, "account_id": account, "occurred_on": on,
        "revenue": revenue, "gross_profit": gross_profit
    })
}

/// The status of each item of a batch answer, checking that items come in order.
#[track_caller]
fn statuses(v: &Value) -> Vec<String> {
    let items = v["items"].as_array().unwrap_or_else(|| panic!("{v}"));
    let mut counts = BTreeMap::new();
    let out: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            assert_eq!(item["index"], i, "{v}");
            let s = item["status"].as_str().unwrap().to_string();
            if s == "rejected" {
                assert!(item["id"].is_null(), "a rejected item has no id: {item}");
                assert!(!field_errors(item).is_empty());
            } else {
                uuid(&item["id"]);
                assert!(item.get("errors").is_none(), "{item}");
            }
            *counts.entry(s.clone()).or_insert(0u64) += 1;
            s
        })
        .collect();
    for s in ["created", "updated", "unchanged", "rejected"] {
        assert_eq!(
            v[s].as_u64().unwrap(),
            counts.get(s).copied().unwrap_or(0),
            "{s}: {v}"
        );
    }
    out
}

fn strs(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

mod activities;
mod attribution;
mod batch_limits;
mod concurrency;
mod faults;
mod idempotency;
mod ledger;
mod ledger_access;
mod ledger_totals;
mod lenient;
mod random_mix;
mod random_mix_checks;
mod rollup_upgrade;
mod sales;
mod splits;
mod splits_changes;
mod splits_rules;
mod team_credit;
mod voids;
mod who_may_push;

type Rollup = BTreeMap<(Uuid, String, NaiveDate), Decimal>;

#[derive(QueryableByName)]
struct RollupRow {
    #[diesel(sql_type = SqlUuid)]
    salesperson_id: Uuid,
    #[diesel(sql_type = Text)]
    metric: String,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Numeric)]
    amount: Decimal,
}

async fn load_rollup(app: &TestApp, sql: &str, org: Uuid) -> Rollup {
    let rows: Vec<RollupRow> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(org)
        .load(&mut app.conn().await)
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| ((r.salesperson_id, r.metric, r.day), r.amount.normalize()))
        .collect()
}

/// What the daily rollup holds, a row per person, metric and day (amounts that
/// net to zero are left out): the counted metrics' rows, and each of the
/// money columns of a person's day.
async fn rollup(app: &TestApp, org: Uuid) -> Rollup {
    load_rollup(
        app,
        "SELECT salesperson_id, metric, day, amount FROM daily_rollup \
          WHERE org_id = $1 AND amount <> 0 \
         UNION ALL \
         SELECT d.salesperson_id, m.metric, d.day, m.amount FROM daily_sales d \
          CROSS JOIN LATERAL (VALUES ('revenue', d.revenue), ('gross_profit', d.gross_profit), \
                                     ('overlay:revenue', d.overlay_revenue), \
                                     ('overlay:gross_profit', d.overlay_gross_profit)) \
                             AS m(metric, amount) \
          WHERE d.org_id = $1 AND m.amount <> 0",
        org,
    )
    .await
}

/// The rollup recomputed from the ledger: the credits of non-voided sales
/// (revenue credits as `revenue` and `gross_profit`, overlay credits as
/// `overlay:revenue` and `overlay:gross_profit`), activities, and conversions
/// (one new account for whoever won it, on its day).
async fn recomputed(app: &TestApp, org: Uuid) -> Rollup {
    load_rollup(
        app,
        "SELECT salesperson_id, metric, day, sum(amount)::numeric AS amount FROM ( \
             SELECT c.salesperson_id, \
                    CASE c.credit_type WHEN 'revenue' THEN 'revenue' ELSE 'overlay:revenue' END \
                      AS metric, s.occurred_on AS day, c.revenue AS amount \
               FROM sale_credits c JOIN sales s ON s.org_id = c.org_id AND s.id = c.sale_id \
              WHERE c.org_id = $1 AND s.voided_at IS NULL \
             UNION ALL SELECT c.salesperson_id, \
                    CASE c.credit_type WHEN 'revenue' THEN 'gross_profit' \
                      ELSE 'overlay:gross_profit' END, s.occurred_on, c.gross_profit \
               FROM sale_credits c JOIN sales s ON s.org_id = c.org_id AND s.id = c.sale_id \
              WHERE c.org_id = $1 AND s.voided_at IS NULL \
             UNION ALL SELECT salesperson_id, 'activity:' || kind, occurred_on, count::numeric \
               FROM activities WHERE org_id = $1 \
             UNION ALL SELECT won_by, 'new_accounts', converted_on, 1::numeric \
               FROM accounts WHERE org_id = $1 AND converted_on IS NOT NULL \
         ) x GROUP BY salesperson_id, metric, day HAVING sum(amount) <> 0",
        org,
    )
    .await
}

/// Asserts that the rollup equals its recomputation from the ledger; returns it.
async fn assert_rollup_is_ledger(app: &TestApp, org: Uuid) -> Rollup {
    let (kept, fresh) = (rollup(app, org).await, recomputed(app, org).await);
    if kept != fresh {
        let keys: BTreeSet<_> = kept.keys().chain(fresh.keys()).collect();
        let diff: Vec<String> = keys
            .into_iter()
            .filter(|k| kept.get(*k) != fresh.get(*k))
            .map(|k| format!("{k:?}: rollup {:?}, ledger {:?}", kept.get(k), fresh.get(k)))
            .collect();
        panic!("the rollup differs from the ledger:\n{}", diff.join("\n"));
    }
    kept
}

/// A rollup written by hand: (who, metric, day, amount).
fn expected(rows: &[(Uuid, &str, &str, &str)]) -> Rollup {
    let mut out = Rollup::new();
    for (who, metric, d, amount) in rows {
        *out.entry((*who, metric.to_string(), day(d)))
            .or_insert(Decimal::ZERO) += dec(amount);
    }
    out.retain(|_, v| !v.is_zero());
    out.into_iter().map(|(k, v)| (k, v.normalize())).collect()
}

/// Someone's total of a metric over [from, to] in a rollup.
fn total(r: &Rollup, who: Uuid, metric: &str, from: &str, to: &str) -> Decimal {
    r.iter()
        .filter(|((w, m, d), _)| *w == who && m == metric && *d >= day(from) && *d <= day(to))
        .map(|(_, v)| *v)
        .sum()
}

#[derive(QueryableByName, Debug)]
struct SaleRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    account_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    salesperson_id: Uuid,
    #[diesel(sql_type = Bool)]
    salesperson_given: bool,
    #[diesel(sql_type = Date)]
    occurred_on: NaiveDate,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Numeric)]
    fx_rate: Decimal,
    #[diesel(sql_type = Numeric)]
    amount_revenue: Decimal,
    #[diesel(sql_type = Numeric)]
    amount_gross_profit: Decimal,
    #[diesel(sql_type = Numeric)]
    revenue: Decimal,
    #[diesel(sql_type = Numeric)]
    gross_profit: Decimal,
    #[diesel(sql_type = Bool)]
    voided: bool,
    #[diesel(sql_type = Integer)]
    version: i32,
}

/// A sale in the ledger by its key.
async fn sale_row(app: &TestApp, org: Uuid, source: &str, ext: &str) -> Option<SaleRow> {
    diesel::sql_query(
        "SELECT id, account_id, salesperson_id, salesperson_given, occurred_on, kind, currency, \
         fx_rate, amount_revenue, amount_gross_profit, revenue, gross_profit, \
         voided_at IS NOT NULL AS voided, version \
         FROM sales WHERE org_id = $1 AND source = $2 AND external_id = $3",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<Text, _>(source)
    .bind::<Text, _>(ext)
    .get_result(&mut app.conn().await)
    .await
    .ok()
}

/// `SELECT count(*) AS n …` with the organisation as $1.
async fn count(app: &TestApp, sql: &str, org: Uuid) -> i64 {
    let r: Count = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(org)
        .get_result(&mut app.conn().await)
        .await
        .unwrap();
    r.n
}

async fn sales_count(app: &TestApp, org: Uuid) -> i64 {
    count(
        app,
        "SELECT count(*) AS n FROM sales WHERE org_id = $1",
        org,
    )
    .await
}

async fn activities_count(app: &TestApp, org: Uuid) -> i64 {
    count(
        app,
        "SELECT count(*) AS n FROM activities WHERE org_id = $1",
        org,
    )
    .await
}

/// Every version and update time of the ledger, to show that nothing changed.
async fn ledger_fingerprint(app: &TestApp, org: Uuid) -> (i64, i64, i64, Rollup) {
    (
        sales_count(app, org).await,
        activities_count(app, org).await,
        count(
            app,
            "SELECT coalesce(sum(version), 0)::bigint AS n FROM \
             (SELECT version FROM sales WHERE org_id = $1 \
              UNION ALL SELECT version FROM activities WHERE org_id = $1) v",
            org,
        )
        .await,
        rollup(app, org).await,
    )
}

/// An integration client with this name and these scopes: its id and a token.
async fn api_client(app: &TestApp, org: &Org, name: &str, scopes: &[&str]) -> (Uuid, String) {
    let v = app
        .post("/v1/clients")
        .token(&org.admin)
        .json(&json!({"name": name, "scopes": scopes}))
        .send()
        .await
        .expect(201);
    let id = uuid(&v["id"]);
    (id, app.sign(org.id, "client", id, Some(&scopes.join(" "))))
}

/// A new account owned by `owner` from `since`, optionally known to a CRM.
async fn account(
    app: &TestApp,
    org: &Org,
    name: &str,
    kind: &str,
    owner: Uuid,
    since: &str,
    external: Option<(&str, &str)>,
) -> Uuid {
    let mut body = json!({"name": name, "kind": kind, "owner_id": owner, "owned_since": since});
    if let Some((s, e)) = external {
        body["external_source"] = json!(s);
        body["external_id"] = json!(e);
    }
    let v = app
        .post("/v1/accounts")
        .token(&org.admin)
        .json(&body)
        .send()
        .await
        .expect(201);
    uuid(&v["id"])
}

async fn push(app: &TestApp, token: &str, items: Value) -> Res {
    app.post("/v1/sales/batch")
        .token(token)
        .json(&json!({ "items": items }))
        .send()
        .await
}

/// A batch of sales, answered 200.
async fn pushed(app: &TestApp, token: &str, items: Value) -> Value {
    push(app, token, items).await.expect(200)
}

async fn push_one(app: &TestApp, token: &str, item: &Value) -> Res {
    app.post("/v1/sales").token(token).json(item).send().await
}

async fn push_activities(app: &TestApp, token: &str, items: Value) -> Res {
    app.post("/v1/activities/batch")
        .token(token)
        .json(&json!({ "items": items }))
        .send()
        .await
}

async fn void(app: &TestApp, token: &str, id: Uuid, body: Option<Value>) -> Res {
    let r = app.post(&format!("/v1/sales/{id}/void")).token(token);
    match body {
        Some(b) => r.json(&b),
        None => r,
    }
    .send()
    .await
}

async fn transfer(app: &TestApp, org: &Org, account: Uuid, to: Uuid, on: &str) {
    app.post(&format!("/v1/accounts/{account}/transfer"))
        .token(&org.admin)
        .json(&json!({"new_owner_id": to, "effective_on": on, "reason": "territory change"}))
        .send()
        .await
        .expect(200);
}

/// The id of the item at `index` of a batch answer.
fn id_of(v: &Value, index: usize) -> Uuid {
    uuid(&v["items"][index]["id"])
}

/// An organisation with three salespeople, a manager, a viewer, two accounts and
/// an integration client `hubspot` that pushes sales.
struct World {
    org: Org,
    sp1: Person,
    sp2: Person,
    sp3: Person,
    mgr: Person,
    viewer: Person,
    /// Owned by sp1 since 2026-01-01; hubspot knows it as ACC-1.
    acme: Uuid,
    /// Owned by sp2 since 2026-01-01; salesforce knows it as G-9.
    globex: Uuid,
    hubspot_id: Uuid,
    /// A token of `hubspot` (sales:write).
    hubspot: String,
}

async fn world(app: &TestApp) -> World {
    let s = Scenario::new("Acme Sales")
        .salesperson("sp1", "farmer")
        .salesperson("sp2", "farmer")
        .salesperson("sp3", "hunter")
        .manager("mgr")
        .viewer("viewer")
        .crm_customer("Acme", "sp1", "hubspot", "ACC-1")
        .crm_customer("Globex", "sp2", "salesforce", "G-9")
        .build(app)
        .await;
    let (hubspot_id, hubspot) = api_client(app, &s.org, "hubspot", &["sales:write"]).await;
    World {
        sp1: s.person("sp1"),
        sp2: s.person("sp2"),
        sp3: s.person("sp3"),
        mgr: s.person("mgr"),
        viewer: s.person("viewer"),
        acme: s.id("Acme"),
        globex: s.id("Globex"),
        hubspot_id,
        hubspot,
        org: s.org,
    }
}

async fn target(app: &TestApp, org: &Org, body: Value) -> Uuid {
    app.new_target(&org.admin, &body).await
}

/// A revenue target for 2026-Q4.
fn q4(subject_type: &str, subject: Uuid, metric: &str, value: &str) -> Value {
    json!({
        "title": "Q4", "subject_type": subject_type, "subject_id": subject,
        "metric": metric, "value": value, "period": "2026-Q4"
    })
}

/// (rating, ratio, basis) of a target as read now.
async fn attainable(app: &TestApp, org: &Org, id: Uuid) -> (String, Option<Decimal>, String) {
    let v = app
        .get(&format!("/v1/targets/{id}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let a = &v["smart"]["attainable"];
    (
        a["rating"].as_str().unwrap().to_string(),
        a["ratio"].as_str().map(dec),
        a["basis"].as_str().unwrap().to_string(),
    )
}
