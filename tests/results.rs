//! Results: what CRMs push (sales and activities), credited to the right person
//! and team, with the daily rollup kept equal to the ledger and the SMART
//! attainability rating read from it. Expected totals are worked out by hand.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use chrono::{Duration, NaiveDate, Utc};
use common::*;
use diesel::sql_types::{BigInt, Bool, Bytea, Date, Integer, Nullable, Numeric, Text};
use diesel::{QueryableByName, RunQueryDsl};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

type SqlUuid = diesel::sql_types::Uuid;

fn uuid(v: &Value) -> Uuid {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("not a decimal: {s}"))
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// `base` with these fields set (or removed when null).
fn with(mut base: Value, fields: Value) -> Value {
    for (k, v) in fields.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

/// A sale item: an invoice in the organisation's currency.
fn sale(ext: &str, account: Uuid, on: &str, revenue: &str, gross_profit: &str) -> Value {
    json!({
        "external_id": ext, "account_id": account, "occurred_on": on,
        "revenue": revenue, "gross_profit": gross_profit
    })
}

/// (field, code) of each error of a rejected batch item.
fn item_errors(item: &Value) -> Vec<(String, String)> {
    item["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {item}"))
        .iter()
        .map(|e| {
            assert!(e["message"].is_string(), "{item}");
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_string(), code.to_string())
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
                assert!(!item_errors(item).is_empty());
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

// ---------------------------------------------------------------------------
// The rollup, and the same figures recomputed from the ledger.

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

fn load_rollup(app: &TestApp, sql: &str, org: Uuid) -> Rollup {
    let rows: Vec<RollupRow> = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(org)
        .load(&mut app.conn())
        .unwrap();
    rows.into_iter()
        .map(|r| ((r.salesperson_id, r.metric, r.day), r.amount.normalize()))
        .collect()
}

/// What the daily rollup holds (rows that net to zero are left out).
fn rollup(app: &TestApp, org: Uuid) -> Rollup {
    load_rollup(
        app,
        "SELECT salesperson_id, metric, day, amount FROM daily_rollup \
         WHERE org_id = $1 AND amount <> 0",
        org,
    )
}

/// The rollup recomputed from the ledger: non-voided sales, activities, and
/// conversions (one new account for whoever won it, on its day).
fn recomputed(app: &TestApp, org: Uuid) -> Rollup {
    load_rollup(
        app,
        "SELECT salesperson_id, metric, day, sum(amount)::numeric AS amount FROM ( \
             SELECT salesperson_id, 'revenue' AS metric, occurred_on AS day, revenue AS amount \
               FROM sales WHERE org_id = $1 AND voided_at IS NULL \
             UNION ALL SELECT salesperson_id, 'gross_profit', occurred_on, gross_profit \
               FROM sales WHERE org_id = $1 AND voided_at IS NULL \
             UNION ALL SELECT salesperson_id, 'activity:' || kind, occurred_on, count::numeric \
               FROM activities WHERE org_id = $1 \
             UNION ALL SELECT won_by, 'new_accounts', converted_on, 1::numeric \
               FROM accounts WHERE org_id = $1 AND converted_on IS NOT NULL \
         ) x GROUP BY salesperson_id, metric, day HAVING sum(amount) <> 0",
        org,
    )
}

/// Asserts that the rollup equals its recomputation from the ledger; returns it.
#[track_caller]
fn assert_rollup_is_ledger(app: &TestApp, org: Uuid) -> Rollup {
    let (kept, fresh) = (rollup(app, org), recomputed(app, org));
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
fn sale_row(app: &TestApp, org: Uuid, source: &str, ext: &str) -> Option<SaleRow> {
    diesel::sql_query(
        "SELECT id, account_id, salesperson_id, salesperson_given, occurred_on, kind, currency, \
         fx_rate, amount_revenue, amount_gross_profit, revenue, gross_profit, \
         voided_at IS NOT NULL AS voided, version \
         FROM sales WHERE org_id = $1 AND source = $2 AND external_id = $3",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<Text, _>(source)
    .bind::<Text, _>(ext)
    .get_result(&mut app.conn())
    .ok()
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `SELECT count(*) AS n …` with the organisation as $1.
fn count(app: &TestApp, sql: &str, org: Uuid) -> i64 {
    let r: N = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(org)
        .get_result(&mut app.conn())
        .unwrap();
    r.n
}

fn sales_count(app: &TestApp, org: Uuid) -> i64 {
    count(
        app,
        "SELECT count(*) AS n FROM sales WHERE org_id = $1",
        org,
    )
}

fn activities_count(app: &TestApp, org: Uuid) -> i64 {
    count(
        app,
        "SELECT count(*) AS n FROM activities WHERE org_id = $1",
        org,
    )
}

/// Every version and update time of the ledger, to show that nothing changed.
fn ledger_fingerprint(app: &TestApp, org: Uuid) -> (i64, i64, i64, Rollup) {
    (
        sales_count(app, org),
        activities_count(app, org),
        count(
            app,
            "SELECT coalesce(sum(version), 0)::bigint AS n FROM \
             (SELECT version FROM sales WHERE org_id = $1 \
              UNION ALL SELECT version FROM activities WHERE org_id = $1) v",
            org,
        ),
        rollup(app, org),
    )
}

// ---------------------------------------------------------------------------
// Calls.

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
    let org = app.org("Acme Sales").await;
    let sp1 = app.person(&org, "salesperson", Some("farmer")).await;
    let sp2 = app.person(&org, "salesperson", Some("farmer")).await;
    let sp3 = app.person(&org, "salesperson", Some("hunter")).await;
    let mgr = app.person(&org, "manager", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    let acme = account(
        app,
        &org,
        "Acme",
        "customer",
        sp1.id,
        "2026-01-01",
        Some(("hubspot", "ACC-1")),
    )
    .await;
    let globex = account(
        app,
        &org,
        "Globex",
        "customer",
        sp2.id,
        "2026-01-01",
        Some(("salesforce", "G-9")),
    )
    .await;
    let (hubspot_id, hubspot) = api_client(app, &org, "hubspot", &["sales:write"]).await;
    World {
        org,
        sp1,
        sp2,
        sp3,
        mgr,
        viewer,
        acme,
        globex,
        hubspot_id,
        hubspot,
    }
}

// ---------------------------------------------------------------------------
// Sales.

#[actix_web::test]
async fn a_batch_of_sales_is_answered_item_by_item_and_stores_only_valid_items() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let items = json!([
        // 0: an invoice with its gross profit.
        sale("INV-1", w.acme, "2026-07-10", "1000.00", "300.00"),
        // 1: by the account's CRM id; gross profit derived from cost; a JSON number.
        {"external_id": "INV-2", "account_external_id": "ACC-1", "occurred_on": "2026-07-11",
         "revenue": 2500, "cost": "1800.50"},
        // 2: a credit note counts negative.
        with(sale("CN-1", w.acme, "2026-07-11", "400", "100"), json!({"kind": "credit_note"})),
        // 3: another CRM's account id; dollars at 0.9 euro each.
        {"external_id": "INV-3", "account_external_id": "G-9", "account_source": "salesforce",
         "occurred_on": "2026-07-12", "revenue": "1000", "gross_profit": "250",
         "currency": "USD", "fx_rate": "0.9"},
        // 4: dollars without a rate.
        with(sale("INV-4", w.globex, "2026-07-12", "100", "10"), json!({"currency": "USD"})),
        // 5: the same key again.
        sale("INV-1", w.acme, "2026-07-13", "1", "1"),
        // 6: credited to a named salesperson; pounds, rounded to cents.
        with(
            sale("INV-5", w.acme, "2026-07-12", "333.33", "111.11"),
            json!({"salesperson_id": w.sp3.id, "currency": "GBP", "fx_rate": "1.15"}),
        ),
        // 7: more gross profit than revenue.
        sale("INV-6", w.acme, "2026-07-13", "10", "20"),
        // 8: before anyone owned the account.
        sale("INV-7", w.acme, "2025-12-31", "10", "1"),
        // 9: G-9 is salesforce's id, and the account source defaults to hubspot.
        {"external_id": "INV-8", "account_external_id": "G-9", "occurred_on": "2026-07-12",
         "revenue": "5", "gross_profit": "1"},
        // 10: gross profit and cost.
        with(sale("INV-9", w.acme, "2026-07-12", "5", "1"), json!({"cost": "4"})),
        // 11: a negative amount (a credit note says so with its kind).
        sale("INV-10", w.acme, "2026-07-12", "-5", "0"),
        // 12: no account at all, and more than cents.
        {"external_id": "INV-11", "occurred_on": "2026-07-12", "revenue": "5.001", "gross_profit": "1"},
        // 13: an unknown currency.
        with(sale("INV-12", w.acme, "2026-07-12", "5", "1"), json!({"currency": "XYZ", "fx_rate": "2"})),
        // 14: a rate for the organisation's own currency.
        with(sale("INV-13", w.acme, "2026-07-12", "5", "1"), json!({"fx_rate": "1.1"})),
        // 15: both account ids.
        with(sale("INV-14", w.acme, "2026-07-12", "5", "1"), json!({"account_external_id": "ACC-1"})),
    ]);
    let v = pushed(&app, &w.hubspot, items.clone()).await;
    assert_eq!(
        statuses(&v),
        strs(&[
            "created", "created", "created", "created", "rejected", "rejected", "created",
            "rejected", "rejected", "rejected", "rejected", "rejected", "rejected", "rejected",
            "rejected", "rejected"
        ])
    );
    let errs = |i: usize| item_errors(&v["items"][i]);
    assert_eq!(errs(4), vec![pair("fx_rate", "required")]);
    assert_eq!(errs(5), vec![pair("external_id", "duplicate_in_batch")]);
    assert_eq!(errs(7), vec![pair("gross_profit", "exceeds_revenue")]);
    assert_eq!(errs(8), vec![pair("occurred_on", "no_owner_on_day")]);
    assert_eq!(errs(9), vec![pair("account_external_id", "not_found")]);
    assert_eq!(errs(10), vec![pair("cost", "conflict")]);
    assert_eq!(errs(11)[0], pair("revenue", "negative"));
    let e12 = errs(12);
    assert!(e12.contains(&pair("account_id", "required")), "{e12:?}");
    assert!(e12.contains(&pair("revenue", "invalid_amount")), "{e12:?}");
    assert_eq!(errs(13), vec![pair("currency", "invalid_currency")]);
    assert_eq!(errs(14), vec![pair("fx_rate", "not_applicable")]);
    assert_eq!(errs(15), vec![pair("account_id", "conflict")]);

    // Stored: the five valid items, nothing of the others.
    let org = w.org.id;
    assert_eq!(sales_count(&app, org), 5);
    for ext in [
        "INV-4", "INV-6", "INV-7", "INV-8", "INV-9", "INV-10", "INV-11", "INV-12", "INV-13",
        "INV-14",
    ] {
        assert!(sale_row(&app, org, "hubspot", ext).is_none(), "{ext}");
    }
    let inv1 = sale_row(&app, org, "hubspot", "INV-1").unwrap();
    assert_eq!(inv1.id, id_of(&v, 0));
    assert_eq!(inv1.occurred_on, day("2026-07-10"), "the first INV-1 wins");
    assert_eq!(
        (inv1.salesperson_id, inv1.salesperson_given),
        (w.sp1.id, false)
    );
    let inv2 = sale_row(&app, org, "hubspot", "INV-2").unwrap();
    assert_eq!(inv2.account_id, w.acme);
    assert_eq!(inv2.amount_gross_profit, dec("699.50"), "2500 - 1800.50");
    let cn1 = sale_row(&app, org, "hubspot", "CN-1").unwrap();
    assert_eq!(cn1.kind, "credit_note");
    assert_eq!((cn1.amount_revenue, cn1.revenue), (dec("400"), dec("-400")));
    let inv3 = sale_row(&app, org, "hubspot", "INV-3").unwrap();
    assert_eq!((inv3.account_id, inv3.salesperson_id), (w.globex, w.sp2.id));
    assert_eq!(
        (
            inv3.currency.as_str(),
            inv3.fx_rate,
            inv3.revenue,
            inv3.gross_profit
        ),
        ("USD", dec("0.9"), dec("900"), dec("225"))
    );
    let inv5 = sale_row(&app, org, "hubspot", "INV-5").unwrap();
    assert_eq!(
        (inv5.salesperson_id, inv5.salesperson_given),
        (w.sp3.id, true)
    );
    // 333.33 × 1.15 = 383.3295 and 111.11 × 1.15 = 127.7765, to cents.
    assert_eq!(
        (inv5.amount_revenue, inv5.revenue, inv5.gross_profit),
        (dec("333.33"), dec("383.33"), dec("127.78"))
    );

    // The rollup, by hand.
    let (sp1, sp2, sp3) = (w.sp1.id, w.sp2.id, w.sp3.id);
    let first = expected(&[
        (sp1, "revenue", "2026-07-10", "1000"),
        (sp1, "gross_profit", "2026-07-10", "300"),
        (sp1, "revenue", "2026-07-11", "2100"), // 2500 - 400
        (sp1, "gross_profit", "2026-07-11", "599.50"), // 699.50 - 100
        (sp2, "revenue", "2026-07-12", "900"),
        (sp2, "gross_profit", "2026-07-12", "225"),
        (sp3, "revenue", "2026-07-12", "383.33"),
        (sp3, "gross_profit", "2026-07-12", "127.78"),
    ]);
    assert_eq!(assert_rollup_is_ledger(&app, org), first);

    // The same batch again: the valid items are unchanged, the others rejected
    // again, and nothing moves.
    let before = ledger_fingerprint(&app, org);
    let again = pushed(&app, &w.hubspot, items).await;
    let s = statuses(&again);
    for i in [0, 1, 2, 3, 6] {
        assert_eq!(s[i], "unchanged", "{i}");
        assert_eq!(id_of(&again, i), id_of(&v, i));
    }
    assert_eq!(
        (again["unchanged"].as_u64(), again["rejected"].as_u64()),
        (Some(5), Some(11))
    );
    assert_eq!(ledger_fingerprint(&app, org), before);

    // Updates: new amounts, a new day, a new rate, and no named salesperson any
    // more (the account's owner that day gets it); a new sale too.
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("INV-1", w.acme, "2026-07-10", "1200", "350"),
            {"external_id": "INV-2", "account_external_id": "ACC-1", "occurred_on": "2026-07-11",
             "revenue": "2500.00", "cost": "1800.5"},
            with(sale("CN-1", w.acme, "2026-07-15", "400", "100"), json!({"kind": "credit_note"})),
            {"external_id": "INV-3", "account_id": w.globex, "occurred_on": "2026-07-12",
             "revenue": "1000", "gross_profit": "250", "currency": "USD", "fx_rate": "0.95"},
            with(
                sale("INV-5", w.acme, "2026-07-12", "333.33", "111.11"),
                json!({"currency": "GBP", "fx_rate": "1.15"}),
            ),
            sale("INV-20", w.globex, "2026-08-01", "99.99", "9.99"),
        ]),
    )
    .await;
    assert_eq!(
        statuses(&v),
        strs(&[
            "updated",
            "unchanged",
            "updated",
            "updated",
            "updated",
            "created"
        ])
    );
    assert_eq!(id_of(&v, 0), inv1.id, "an update keeps the id");
    assert_eq!(sales_count(&app, org), 6);
    assert_eq!(sale_row(&app, org, "hubspot", "INV-1").unwrap().version, 2);
    assert_eq!(sale_row(&app, org, "hubspot", "INV-2").unwrap().version, 1);
    let inv5 = sale_row(&app, org, "hubspot", "INV-5").unwrap();
    assert_eq!((inv5.salesperson_id, inv5.salesperson_given), (sp1, false));
    let second = expected(&[
        (sp1, "revenue", "2026-07-10", "1200"),
        (sp1, "gross_profit", "2026-07-10", "350"),
        (sp1, "revenue", "2026-07-11", "2500"),
        (sp1, "gross_profit", "2026-07-11", "699.50"),
        (sp1, "revenue", "2026-07-15", "-400"),
        (sp1, "gross_profit", "2026-07-15", "-100"),
        (sp1, "revenue", "2026-07-12", "383.33"),
        (sp1, "gross_profit", "2026-07-12", "127.78"),
        (sp2, "revenue", "2026-07-12", "950"), // 1000 × 0.95
        (sp2, "gross_profit", "2026-07-12", "237.50"),
        (sp2, "revenue", "2026-08-01", "99.99"),
        (sp2, "gross_profit", "2026-08-01", "9.99"),
    ]);
    assert_eq!(assert_rollup_is_ledger(&app, org), second);
    // Quarter totals by hand: sp1 1200 + 2500 - 400 + 383.33 = 3683.33.
    let r = rollup(&app, org);
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("3683.33")
    );
    assert_eq!(
        total(&r, sp1, "gross_profit", "2026-07-01", "2026-09-30"),
        dec("1077.28")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-07-01", "2026-09-30"),
        dec("1049.99")
    );
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        Decimal::ZERO
    );

    // An empty batch is answered with nothing.
    let v = pushed(&app, &w.hubspot, json!([])).await;
    assert_eq!(v["items"], json!([]));
    assert_eq!(statuses(&v).len(), 0);
}

#[actix_web::test]
async fn one_sale_at_a_time() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let before = Utc::now();
    let item = sale("S-1", w.globex, "2026-08-03", "50", "5.5");
    let r = push_one(&app, &w.hubspot, &item).await;
    let v = r.expect(201);
    assert_eq!(v["status"], "created");
    let s = &v["sale"];
    let id = uuid(&s["id"]);
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(s["source"], "hubspot", "the client's name");
    assert_eq!(s["external_id"], "S-1");
    assert_eq!(uuid(&s["account_id"]), w.globex);
    assert_eq!(uuid(&s["salesperson_id"]), w.sp2.id, "the owner that day");
    assert_eq!(s["occurred_on"], "2026-08-03");
    assert_eq!(s["kind"], "invoice");
    assert_eq!(s["currency"], "EUR");
    assert_eq!(s["fx_rate"], "1");
    assert_eq!(s["revenue"], "50.00");
    assert_eq!(s["gross_profit"], "5.50");
    assert_eq!(s["counted_revenue"], "50.00");
    assert_eq!(s["counted_gross_profit"], "5.50");
    assert!(s["voided_at"].is_null() && s["void_reason"].is_null());
    assert_eq!(s["version"], 1);
    let created: chrono::DateTime<Utc> = s["created_at"].as_str().unwrap().parse().unwrap();
    assert!(created >= before - Duration::seconds(1));

    // Again: unchanged, 200; then an update.
    let v = push_one(&app, &w.hubspot, &item).await.expect(200);
    assert_eq!(v["status"], "unchanged");
    assert_eq!(uuid(&v["sale"]["id"]), id);
    assert_eq!(v["sale"]["version"], 1);
    let v = push_one(
        &app,
        &w.hubspot,
        &with(item.clone(), json!({"revenue": "60"})),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    assert_eq!(v["sale"]["counted_revenue"], "60.00");
    assert_eq!(v["sale"]["version"], 2);

    // A credit note in dollars with its cost: as sent, and as counted in euros.
    let v = push_one(
        &app,
        &w.hubspot,
        &json!({"external_id": "CN-1", "account_external_id": "ACC-1", "occurred_on": "2026-08-04",
                "kind": "credit_note", "revenue": 100, "cost": "80", "currency": "USD",
                "fx_rate": "0.5"}),
    )
    .await
    .expect(201);
    let s = &v["sale"];
    assert_eq!(uuid(&s["salesperson_id"]), w.sp1.id);
    assert_eq!(s["kind"], "credit_note");
    assert_eq!(
        (s["currency"].as_str(), s["fx_rate"].as_str()),
        (Some("USD"), Some("0.5"))
    );
    assert_eq!(
        (s["revenue"].as_str(), s["gross_profit"].as_str()),
        (Some("100.00"), Some("20.00"))
    );
    assert_eq!(
        (
            s["counted_revenue"].as_str(),
            s["counted_gross_profit"].as_str()
        ),
        (Some("-50.00"), Some("-10.00"))
    );

    // A rejected item is a 422 with its errors, and stores nothing.
    let bad = with(
        item.clone(),
        json!({"external_id": "S-2", "currency": "USD"}),
    );
    let p = push_one(&app, &w.hubspot, &bad)
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "fx_rate");
    assert_eq!(p["errors"][0]["code"], "required");
    let p = push_one(
        &app,
        &w.hubspot,
        &sale("S-3", Uuid::now_v7(), "2026-08-03", "1", "1"),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "account_id");
    assert_eq!(p["errors"][0]["code"], "not_found");
    // Unknown fields and wrong types: 422; not JSON: 400; not a JSON body: 415.
    push_one(
        &app,
        &w.hubspot,
        &with(item.clone(), json!({"amount": "5"})),
    )
    .await
    .problem(422, "validation_failed");
    push_one(
        &app,
        &w.hubspot,
        &with(item.clone(), json!({"revenue": "five"})),
    )
    .await
    .problem(422, "validation_failed");
    push_one(
        &app,
        &w.hubspot,
        &with(item.clone(), json!({"kind": "refund"})),
    )
    .await
    .problem(422, "validation_failed");
    app.post("/v1/sales")
        .token(&w.hubspot)
        .body("application/json", "{\"external_id\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/sales")
        .token(&w.hubspot)
        .body("text/plain", item.to_string())
        .send()
        .await
        .problem(415, "unsupported_media_type");
    assert_eq!(sales_count(&app, org), 2);
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (w.sp2.id, "revenue", "2026-08-03", "60"),
            (w.sp2.id, "gross_profit", "2026-08-03", "5.50"),
            (w.sp1.id, "revenue", "2026-08-04", "-50"),
            (w.sp1.id, "gross_profit", "2026-08-04", "-10"),
        ])
    );
}

#[actix_web::test]
async fn an_amount_too_large_once_converted_is_a_rejected_item() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    // 9,999,999,999,999.99 dollars is a valid amount; at 999,999 euros each it is
    // about 10^19 euros, more than any amount the ledger holds.
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            with(
                sale("BIG", w.acme, "2026-07-10", "9999999999999.99", "1"),
                json!({"currency": "USD", "fx_rate": "999999"}),
            ),
            with(
                sale("BIG-GP", w.acme, "2026-07-10", "1", "0"),
                json!({"gross_profit": null, "cost": "9999999999999.99", "currency": "USD", "fx_rate": "999999"}),
            ),
            with(
                sale("LARGE", w.acme, "2026-07-10", "9999999999999.99", "1"),
                json!({"currency": "USD", "fx_rate": "0.5"}),
            ),
            sale("OK", w.acme, "2026-07-10", "1", "1"),
            sale("TOO-BIG", w.acme, "2026-07-10", "10000000000000", "1"),
        ]),
    )
    .await;
    assert_eq!(
        statuses(&v),
        strs(&["rejected", "rejected", "created", "created", "rejected"])
    );
    assert_eq!(
        item_errors(&v["items"][0]),
        vec![pair("fx_rate", "out_of_range")]
    );
    assert_eq!(
        item_errors(&v["items"][1]),
        vec![pair("fx_rate", "out_of_range")]
    );
    assert_eq!(
        item_errors(&v["items"][4]),
        vec![pair("revenue", "invalid_amount")]
    );
    // 9,999,999,999,999.99 × 0.5 = 4,999,999,999,999.995, to cents, and 1.
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (w.sp1.id, "revenue", "2026-07-10", "5000000000001.00"),
            (w.sp1.id, "gross_profit", "2026-07-10", "1.50"),
        ])
    );
    assert_eq!(sales_count(&app, org), 2);
}

#[actix_web::test]
async fn a_voided_sale_stops_counting_and_stays_voided() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("INV-1", w.acme, "2026-07-10", "1000", "300"),
            sale("INV-2", w.acme, "2026-07-10", "500", "100"),
            with(
                sale("CN-1", w.acme, "2026-07-20", "200", "50"),
                json!({"kind": "credit_note"})
            ),
        ]),
    )
    .await;
    let (inv1, inv2, cn1) = (id_of(&v, 0), id_of(&v, 1), id_of(&v, 2));
    let sp1 = w.sp1.id;
    assert_eq!(
        total(
            &rollup(&app, org),
            sp1,
            "revenue",
            "2026-07-01",
            "2026-09-30"
        ),
        dec("1300")
    );

    let before = Utc::now();
    let v = void(
        &app,
        &w.hubspot,
        inv1,
        Some(json!({"reason": "  sent twice  "})),
    )
    .await
    .expect(200);
    assert_eq!(uuid(&v["id"]), inv1);
    assert_eq!(v["void_reason"], "sent twice");
    let at: chrono::DateTime<Utc> = v["voided_at"].as_str().unwrap().parse().unwrap();
    assert!(at >= before - Duration::seconds(1));
    assert_eq!(v["version"], 2);
    assert_eq!(
        v["counted_revenue"], "1000.00",
        "the ledger keeps what it was"
    );
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (sp1, "revenue", "2026-07-10", "500"),
            (sp1, "gross_profit", "2026-07-10", "100"),
            (sp1, "revenue", "2026-07-20", "-200"),
            (sp1, "gross_profit", "2026-07-20", "-50"),
        ])
    );

    // Twice: 409; pushed again: rejected, and it stays voided.
    void(&app, &w.hubspot, inv1, None)
        .await
        .problem(409, "already_voided");
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("INV-1", w.acme, "2026-07-10", "1000", "300"),
            sale("INV-1b", w.acme, "2026-07-11", "1", "1"),
        ]),
    )
    .await;
    assert_eq!(statuses(&v), strs(&["rejected", "created"]));
    assert_eq!(
        item_errors(&v["items"][0]),
        vec![pair("external_id", "sale_voided")]
    );
    let row = sale_row(&app, org, "hubspot", "INV-1").unwrap();
    assert!(row.voided && row.version == 2);
    let p = push_one(
        &app,
        &w.hubspot,
        &sale("INV-1", w.acme, "2026-07-10", "9", "1"),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["code"], "sale_voided");

    // A voided credit note gives its amount back; an empty body is fine.
    void(&app, &w.hubspot, cn1, None).await.expect(200);
    void(&app, &w.hubspot, inv2, Some(json!({})))
        .await
        .expect(200);
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (sp1, "revenue", "2026-07-11", "1"),
            (sp1, "gross_profit", "2026-07-11", "1"),
        ])
    );

    // Unknown ids and malformed bodies.
    void(&app, &w.hubspot, Uuid::now_v7(), None)
        .await
        .problem(404, "not_found");
    app.post("/v1/sales/not-a-uuid/void")
        .token(&w.hubspot)
        .send()
        .await
        .expect(404);
    let new = id_of(&v, 1);
    void(&app, &w.hubspot, new, Some(json!({"why": "x"})))
        .await
        .problem(422, "validation_failed");
    app.post(&format!("/v1/sales/{new}/void"))
        .token(&w.hubspot)
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    assert!(!sale_row(&app, org, "hubspot", "INV-1b").unwrap().voided);
}

// ---------------------------------------------------------------------------
// Attribution.

#[actix_web::test]
async fn results_follow_the_owner_on_the_day_and_a_transfer_recredits_what_it_covers() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (sp1, sp2, sp3) = (w.sp1.id, w.sp2.id, w.sp3.id);
    let (_, acts) = api_client(&app, &w.org, "hubspot-activities", &["activities:write"]).await;
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("S1", w.acme, "2026-07-10", "1000", "100"),
            sale("S2", w.acme, "2026-08-20", "2000", "200"),
            sale("S3", w.acme, "2026-09-10", "3000", "300"),
            with(
                sale("S4", w.acme, "2026-08-25", "4000", "400"),
                json!({"salesperson_id": sp3})
            ),
            sale("S5", w.acme, "2026-08-14", "500", "50"),
            sale("S6", w.acme, "2026-08-15", "600", "60"),
        ]),
    )
    .await;
    assert_eq!(v["created"], 6);
    let r = push_activities(
        &app,
        &acts,
        json!([
            {"external_id": "A1", "source": "hubspot", "kind": "call", "account_id": w.acme,
             "occurred_at": "2026-08-20T10:00:00Z"},
            {"external_id": "A2", "source": "hubspot", "kind": "meeting", "account_id": w.acme,
             "occurred_at": "2026-08-01T10:00:00Z"},
            {"external_id": "A3", "source": "hubspot", "kind": "demo", "account_id": w.acme,
             "salesperson_id": sp3, "occurred_at": "2026-08-21T10:00:00Z"},
        ]),
    )
    .await
    .expect(200);
    assert_eq!(r["created"], 3);
    let r = assert_rollup_is_ledger(&app, org);
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("7100")
    );
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        dec("4000")
    );

    // Mid-quarter, after the fact: sp2 owns Acme from 2026-08-15.
    transfer(&app, &w.org, w.acme, sp2, "2026-08-15").await;
    let r = assert_rollup_is_ledger(&app, org);
    assert_eq!(
        r,
        expected(&[
            (sp1, "revenue", "2026-07-10", "1000"),
            (sp1, "gross_profit", "2026-07-10", "100"),
            (sp1, "revenue", "2026-08-14", "500"),
            (sp1, "gross_profit", "2026-08-14", "50"),
            (sp1, "activity:meeting", "2026-08-01", "1"),
            (sp2, "revenue", "2026-08-15", "600"),
            (sp2, "gross_profit", "2026-08-15", "60"),
            (sp2, "revenue", "2026-08-20", "2000"),
            (sp2, "gross_profit", "2026-08-20", "200"),
            (sp2, "revenue", "2026-09-10", "3000"),
            (sp2, "gross_profit", "2026-09-10", "300"),
            (sp2, "activity:call", "2026-08-20", "1"),
            // Named in the push: stays.
            (sp3, "revenue", "2026-08-25", "4000"),
            (sp3, "gross_profit", "2026-08-25", "400"),
            (sp3, "activity:demo", "2026-08-21", "1"),
        ])
    );
    // Quarter totals: sp1 1000 + 500; sp2 600 + 2000 + 3000; sp3 4000.
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("1500")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-07-01", "2026-09-30"),
        dec("5600")
    );
    assert_eq!(
        total(&r, sp2, "gross_profit", "2026-07-01", "2026-09-30"),
        dec("560")
    );
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        dec("4000")
    );
    let s2 = sale_row(&app, org, "hubspot", "S2").unwrap();
    assert_eq!((s2.salesperson_id, s2.version), (sp2, 2));
    let s1 = sale_row(&app, org, "hubspot", "S1").unwrap();
    assert_eq!((s1.salesperson_id, s1.version), (sp1, 1));

    // Pushed afterwards, by day: before the transfer to sp1, after it to sp2; a
    // re-push of a moved sale is unchanged.
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("S7", w.acme, "2026-08-14", "70", "7"),
            sale("S8", w.acme, "2026-08-16", "80", "8"),
            sale("S2", w.acme, "2026-08-20", "2000", "200"),
            // Moved across the transfer date: it follows the owner of its new day.
            sale("S1", w.acme, "2026-08-16", "1000", "100"),
        ]),
    )
    .await;
    assert_eq!(
        statuses(&v),
        strs(&["created", "created", "unchanged", "updated"])
    );
    assert_eq!(
        sale_row(&app, org, "hubspot", "S7").unwrap().salesperson_id,
        sp1
    );
    assert_eq!(
        sale_row(&app, org, "hubspot", "S8").unwrap().salesperson_id,
        sp2
    );
    assert_eq!(
        sale_row(&app, org, "hubspot", "S1").unwrap().salesperson_id,
        sp2
    );
    let r = assert_rollup_is_ledger(&app, org);
    // sp1: 500 + 70; sp2: 600 + 2000 + 3000 + 80 + 1000.
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("570")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-07-01", "2026-09-30"),
        dec("6680")
    );

    // A correction on the new owner's first day: sp3 held it from 2026-08-15.
    transfer(&app, &w.org, w.acme, sp3, "2026-08-15").await;
    let r = assert_rollup_is_ledger(&app, org);
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("570")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-07-01", "2026-09-30"),
        Decimal::ZERO
    );
    assert_eq!(
        total(&r, sp2, "activity:call", "2026-07-01", "2026-09-30"),
        Decimal::ZERO
    );
    // 6680 moved over, plus its own 4000.
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        dec("10680")
    );
    assert_eq!(
        total(&r, sp3, "activity:call", "2026-07-01", "2026-09-30"),
        dec("1")
    );

    // A voided sale is not moved by a later transfer: it no longer counts.
    void(&app, &w.hubspot, id_of(&v, 1), None).await.expect(200); // S8, 80
    transfer(&app, &w.org, w.acme, sp1, "2026-09-01").await;
    let r = assert_rollup_is_ledger(&app, org);
    // sp1 gets S3 (3000) back from 2026-09-01; sp3 keeps 10680 - 80 - 3000.
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("3570")
    );
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        dec("7600")
    );
    let s8 = sale_row(&app, org, "hubspot", "S8").unwrap();
    assert!(s8.voided);
}

#[actix_web::test]
async fn a_won_prospect_counts_as_a_new_account_on_its_conversion_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (sp1, sp2, sp3) = (w.sp1.id, w.sp2.id, w.sp3.id);
    // sp3 hunts Initech from June; sales before and after the win.
    let initech = account(&app, &w.org, "Initech", "prospect", sp3, "2026-06-01", None).await;
    pushed(
        &app,
        &w.hubspot,
        json!([
            sale("I-1", initech, "2026-08-05", "100", "10"),
            sale("I-2", initech, "2026-08-12", "200", "20"),
        ]),
    )
    .await;
    // Won on 2026-08-10 and handed to sp1, a farmer.
    let v = app
        .post(&format!("/v1/accounts/{initech}/convert"))
        .token(&w.org.admin)
        .json(&json!({"converted_on": "2026-08-10", "new_owner_id": sp1}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (v["kind"].as_str(), v["converted_on"].as_str()),
        (Some("customer"), Some("2026-08-10"))
    );
    assert_eq!(uuid(&v["won_by"]), sp3);
    let r = assert_rollup_is_ledger(&app, org);
    assert_eq!(
        r.iter()
            .filter(|(k, _)| k.0 != sp2 && (k.1 == "new_accounts" || k.2 >= day("2026-08-05")))
            .map(|(k, v)| (k.clone(), *v))
            .collect::<Rollup>(),
        expected(&[
            (sp3, "new_accounts", "2026-08-10", "1"),
            (sp3, "revenue", "2026-08-05", "100"),
            (sp3, "gross_profit", "2026-08-05", "10"),
            // After the handover: the farmer's.
            (sp1, "revenue", "2026-08-12", "200"),
            (sp1, "gross_profit", "2026-08-12", "20"),
        ])
    );

    // Won without a handover, today by default.
    let hooli = account(&app, &w.org, "Hooli", "prospect", sp2, "2026-03-01", None).await;
    app.post(&format!("/v1/accounts/{hooli}/convert"))
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    // Won through CRM sync: converted today, credited to its owner today, and the
    // new owner named in the same sync takes it from today.
    account(
        &app,
        &w.org,
        "Umbrella",
        "prospect",
        sp2,
        "2026-04-01",
        Some(("hubspot", "U-1")),
    )
    .await;
    app.put("/v1/accounts/external/hubspot/U-1")
        .token(&w.org.admin)
        .json(&json!({"name": "Umbrella", "kind": "customer", "owner_id": sp3}))
        .send()
        .await
        .expect(200);
    let r = assert_rollup_is_ledger(&app, org);
    let t = today().to_string();
    assert_eq!(total(&r, sp2, "new_accounts", &t, &t), dec("2"));
    assert_eq!(total(&r, sp3, "new_accounts", "2026-01-01", &t), dec("1"));
    assert_eq!(
        total(&r, sp1, "new_accounts", "2026-01-01", &t),
        Decimal::ZERO
    );
    // A later transfer of a won account does not move who won it.
    transfer(&app, &w.org, initech, sp2, "2026-08-10").await;
    let r = assert_rollup_is_ledger(&app, org);
    assert_eq!(
        total(&r, sp3, "new_accounts", "2026-08-10", "2026-08-10"),
        dec("1")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-08-12", "2026-08-12"),
        dec("200")
    );
}

// ---------------------------------------------------------------------------
// Activities.

#[actix_web::test]
async fn activities_count_per_kind_on_the_organisations_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (sp1, sp2) = (w.sp1.id, w.sp2.id);
    app.patch("/v1/org")
        .token(&w.org.admin)
        .json(&json!({"timezone": "America/New_York"}))
        .send()
        .await
        .expect(200);
    let (_, acts) = api_client(&app, &w.org, "outreach", &["activities:write"]).await;
    let items = json!([
        // 0: 02:30 UTC is the evening before in New York: 2026-07-31, Acme's owner.
        {"external_id": "C-1", "kind": "call", "account_id": w.acme,
         "occurred_at": "2026-08-01T02:30:00Z"},
        // 1: three meetings.
        {"external_id": "M-1", "kind": "meeting", "salesperson_id": sp2,
         "occurred_at": "2026-08-01T12:00:00Z", "count": 3},
        // 2: the organisation's own kind.
        {"external_id": "V-1", "kind": "site_visit", "salesperson_id": sp2,
         "account_id": w.acme, "occurred_at": "2026-08-02T15:00:00+02:00"},
        // 3: not a kind.
        {"external_id": "B-1", "kind": "Call!", "salesperson_id": sp1,
         "occurred_at": "2026-08-01T12:00:00Z"},
        // 4: no count.
        {"external_id": "B-2", "kind": "call", "salesperson_id": sp1,
         "occurred_at": "2026-08-01T12:00:00Z", "count": 0},
        // 5: nobody to credit.
        {"external_id": "B-3", "kind": "call", "occurred_at": "2026-08-01T12:00:00Z"},
        // 6: the same key again.
        {"external_id": "C-1", "kind": "call", "salesperson_id": sp1,
         "occurred_at": "2026-08-01T12:00:00Z"},
        // 7: a manager is not a salesperson.
        {"external_id": "B-4", "kind": "call", "salesperson_id": w.mgr.id,
         "occurred_at": "2026-08-01T12:00:00Z"},
        // 8: an unknown account.
        {"external_id": "B-5", "kind": "call", "account_id": Uuid::now_v7(),
         "salesperson_id": sp1, "occurred_at": "2026-08-01T12:00:00Z"},
        // 9: before Acme had an owner (New York's 2025-12-31).
        {"external_id": "B-6", "kind": "call", "account_id": w.acme,
         "occurred_at": "2026-01-01T03:00:00Z"},
    ]);
    let v = push_activities(&app, &acts, items.clone())
        .await
        .expect(200);
    assert_eq!(
        statuses(&v),
        strs(&[
            "created", "created", "created", "rejected", "rejected", "rejected", "rejected",
            "rejected", "rejected", "rejected"
        ])
    );
    let errs = |i: usize| item_errors(&v["items"][i]);
    assert_eq!(errs(3), vec![pair("kind", "invalid_kind")]);
    assert_eq!(errs(4), vec![pair("count", "out_of_range")]);
    assert_eq!(errs(5), vec![pair("salesperson_id", "required")]);
    assert_eq!(errs(6), vec![pair("external_id", "duplicate_in_batch")]);
    assert_eq!(errs(7), vec![pair("salesperson_id", "not_found")]);
    assert_eq!(errs(8), vec![pair("account_id", "not_found")]);
    assert_eq!(errs(9), vec![pair("occurred_at", "no_owner_on_day")]);
    assert_eq!(activities_count(&app, org), 3);
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (sp1, "activity:call", "2026-07-31", "1"),
            (sp2, "activity:meeting", "2026-08-01", "3"),
            (sp2, "activity:site_visit", "2026-08-02", "1"),
        ])
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM activities WHERE org_id = $1 AND source = 'outreach'",
            org
        ),
        3,
        "the source is the client's name"
    );

    // Again: unchanged. Then updates: another kind and count, another time.
    let before = ledger_fingerprint(&app, org);
    let v = push_activities(&app, &acts, items).await.expect(200);
    assert_eq!(
        &statuses(&v)[..3],
        &strs(&["unchanged", "unchanged", "unchanged"])[..]
    );
    assert_eq!(ledger_fingerprint(&app, org), before);
    let v = push_activities(
        &app,
        &acts,
        json!([
            {"external_id": "M-1", "kind": "demo", "salesperson_id": sp2,
             "occurred_at": "2026-08-01T12:00:00Z", "count": 2},
            {"external_id": "C-1", "kind": "call", "account_id": w.acme,
             "occurred_at": "2026-08-01T04:30:00Z"},
        ]),
    )
    .await
    .expect(200);
    assert_eq!(statuses(&v), strs(&["updated", "updated"]));
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (sp1, "activity:call", "2026-08-01", "1"),
            (sp2, "activity:demo", "2026-08-01", "2"),
            (sp2, "activity:site_visit", "2026-08-02", "1"),
        ])
    );

    // Whole-batch refusals: too many items, unknown fields.
    let many: Vec<Value> = (0..1001)
        .map(|i| {
            json!({"external_id": format!("X-{i}"), "kind": "call", "salesperson_id": sp1,
                        "occurred_at": "2026-08-01T12:00:00Z"})
        })
        .collect();
    let p = push_activities(&app, &acts, json!(many))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "items");
    assert_eq!(p["errors"][0]["code"], "too_many");
    push_activities(
        &app,
        &acts,
        json!([{"external_id": "Y", "kind": "call", "salesperson_id": sp1,
                "occurred_at": "2026-08-01T12:00:00Z", "duration": 5}]),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(activities_count(&app, org), 3);
}

// ---------------------------------------------------------------------------
// Idempotency-Key.

#[actix_web::test]
async fn an_idempotency_key_replays_the_first_answer_and_changes_nothing() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let items = json!([
        sale("INV-1", w.acme, "2026-07-10", "1000", "300"),
        sale("INV-2", w.globex, "2026-07-11", "500", "100"),
        sale("BAD", w.acme, "2025-01-01", "1", "1"),
    ]);
    let send = |token: String, key: &'static str, items: Value| {
        let app = &app;
        async move {
            app.post("/v1/sales/batch")
                .token(&token)
                .header("idempotency-key", key)
                .json(&json!({ "items": items }))
                .send()
                .await
        }
    };
    let first = send(w.hubspot.clone(), "k-1", items.clone()).await;
    let v = first.expect(200);
    assert_eq!(statuses(&v), strs(&["created", "created", "rejected"]));
    assert!(first.header("idempotent-replayed").is_none());
    let fp = ledger_fingerprint(&app, org);

    // Meanwhile INV-1 is corrected without a key.
    pushed(
        &app,
        &w.hubspot,
        json!([sale("INV-1", w.acme, "2026-07-10", "1100", "300")]),
    )
    .await;
    let fp_corrected = ledger_fingerprint(&app, org);
    assert_ne!(fp, fp_corrected);

    // The retry: the first answer, byte for byte, and the correction stays.
    let replay = send(w.hubspot.clone(), "k-1", items.clone()).await;
    assert_eq!(replay.status.as_u16(), 200);
    assert_eq!(replay.body, first.body);
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(
        replay.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(ledger_fingerprint(&app, org), fp_corrected);

    // The same key with another body, or on another path: 422, nothing stored.
    let other = json!([sale("INV-3", w.acme, "2026-07-12", "1", "1")]);
    send(w.hubspot.clone(), "k-1", other.clone())
        .await
        .problem(422, "idempotency_key_reused");
    app.post("/v1/sales")
        .token(&w.hubspot)
        .header("idempotency-key", "k-1")
        .json(&items[0])
        .send()
        .await
        .problem(422, "idempotency_key_reused");
    assert!(sale_row(&app, org, "hubspot", "INV-3").is_none());

    // Keys belong to one client: another may use the same one, for its own sales.
    let (_, pipedrive) = api_client(&app, &w.org, "pipedrive", &["sales:write"]).await;
    let v = send(pipedrive.clone(), "k-1", items.clone())
        .await
        .expect(200);
    assert_eq!(statuses(&v), strs(&["created", "created", "rejected"]));
    assert!(sale_row(&app, org, "pipedrive", "INV-1").is_some());
    // An admin too (who names the source): hubspot's INV-2 is unchanged.
    let admin_items = json!([with(
        sale("INV-2", w.globex, "2026-07-11", "500", "100"),
        json!({"source": "hubspot"})
    )]);
    let r = app
        .post("/v1/sales/batch")
        .token(&w.org.admin)
        .header("idempotency-key", "k-1")
        .json(&json!({ "items": admin_items }))
        .send()
        .await;
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(statuses(&r.expect(200)), strs(&["unchanged"]));

    // After 24 hours the key is forgotten; before, it is not.
    let age = |key: &str, hours: i32| {
        diesel::sql_query(
            "UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $2) \
             WHERE actor_id = $1 AND key = $3",
        )
        .bind::<SqlUuid, _>(w.hubspot_id)
        .bind::<Integer, _>(hours)
        .bind::<Text, _>(key)
        .execute(&mut app.conn())
        .unwrap();
    };
    age("k-1", 23);
    send(w.hubspot.clone(), "k-1", other.clone())
        .await
        .problem(422, "idempotency_key_reused");
    age("k-1", 25);
    let v = send(w.hubspot.clone(), "k-1", other.clone())
        .await
        .expect(200);
    assert_eq!(statuses(&v), strs(&["created"]));
    let replay = send(w.hubspot.clone(), "k-1", other.clone()).await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );

    // A key is opaque, 1 to 255 bytes.
    for bad in ["", &"k".repeat(256)] {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", bad)
            .json(&json!({ "items": [] }))
            .send()
            .await
            .problem(400, "invalid_idempotency_key");
    }
    for good in ["a key with spaces", &"k".repeat(255)] {
        let send_empty = || {
            app.post("/v1/sales/batch")
                .token(&w.hubspot)
                .header("idempotency-key", good)
                .json(&json!({ "items": [] }))
                .send()
        };
        let first = send_empty().await;
        first.expect(200);
        assert!(first.header("idempotent-replayed").is_none());
        let again = send_empty().await;
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    }
    assert_rollup_is_ledger(&app, org);
}

#[actix_web::test]
async fn single_pushes_and_voids_replay_too_even_a_refusal() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let one = |key: &'static str, item: Value| {
        let app = &app;
        let token = w.hubspot.clone();
        async move {
            app.post("/v1/sales")
                .token(&token)
                .header("idempotency-key", key)
                .json(&item)
                .send()
                .await
        }
    };
    let item = sale("S-1", w.acme, "2026-07-10", "100", "10");
    let first = one("p-1", item.clone()).await;
    let v = first.expect(201);
    let id = uuid(&v["sale"]["id"]);
    let replay = one("p-1", item.clone()).await;
    assert_eq!(replay.status.as_u16(), 201, "the first status too");
    assert_eq!(replay.body, first.body);
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(sales_count(&app, org), 1);

    // A refused push replays as the same problem.
    let bad = with(
        item.clone(),
        json!({"external_id": "S-2", "currency": "USD"}),
    );
    let first = one("p-2", bad.clone()).await;
    let p = first.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "fx_rate");
    let replay = one("p-2", bad).await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replay.problem(422, "validation_failed"), p);
    assert_eq!(replay.body, first.body);

    // Voids: the retry answers the void again; a new key finds it voided.
    let void_with = |key: &'static str| {
        let app = &app;
        let token = w.hubspot.clone();
        async move {
            app.post(&format!("/v1/sales/{id}/void"))
                .token(&token)
                .header("idempotency-key", key)
                .json(&json!({"reason": "test order"}))
                .send()
                .await
        }
    };
    let first = void_with("v-1").await;
    let v = first.expect(200);
    assert_eq!(v["void_reason"], "test order");
    let replay = void_with("v-1").await;
    assert_eq!(replay.status.as_u16(), 200);
    assert_eq!(replay.body, first.body);
    let conflict = void_with("v-2").await;
    let p = conflict.problem(409, "already_voided");
    let again = void_with("v-2").await;
    assert_eq!(again.problem(409, "already_voided"), p);
    assert_eq!(sale_row(&app, org, "hubspot", "S-1").unwrap().version, 2);
    assert_rollup_is_ledger(&app, org);
}

#[actix_web::test]
async fn a_push_broken_off_by_a_deadlock_runs_again_inside_the_service() {
    use diesel::{Connection, PgConnection};
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let v = pushed(
        &app,
        &w.hubspot,
        json!([sale("INV-1", w.acme, "2026-07-10", "100", "10")]),
    )
    .await;
    let id = id_of(&v, 0);
    // Another transaction holds sp1's rollup and then wants the sale the push has
    // locked: PostgreSQL breaks the deadlock by failing the push, which waited
    // first; the service runs the push again, and the client sees only that.
    let (url, sp1) = (app.db.url.clone(), w.sp1.id);
    let (locked, on_lock) = std::sync::mpsc::channel();
    let blocker = std::thread::spawn(move || {
        let mut c = PgConnection::establish(&url).unwrap();
        c.transaction::<_, diesel::result::Error, _>(|c| {
            diesel::sql_query("SELECT 1 FROM daily_rollup WHERE salesperson_id = $1 FOR UPDATE")
                .bind::<SqlUuid, _>(sp1)
                .execute(c)?;
            locked.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(300));
            diesel::sql_query("SELECT 1 FROM sales WHERE id = $1 FOR UPDATE")
                .bind::<SqlUuid, _>(id)
                .execute(c)?;
            Ok(())
        })
    });
    on_lock.recv().unwrap();
    let send = || {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", "retry-me")
            .json(&json!({"items": [sale("INV-1", w.acme, "2026-07-10", "200", "10")]}))
            .send()
    };
    let r = send().await;
    blocker.join().unwrap().unwrap();
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(statuses(&r.expect(200)), strs(&["updated"]));
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (w.sp1.id, "revenue", "2026-07-10", "200"),
            (w.sp1.id, "gross_profit", "2026-07-10", "10"),
        ])
    );
    // And that answer is the one kept.
    let again = send().await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, r.body);
}

#[actix_web::test]
async fn a_key_whose_request_never_answered_is_released() {
    use diesel::{Connection, PgConnection};
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    pushed(
        &app,
        &w.hubspot,
        json!([sale("INV-1", w.acme, "2026-07-10", "100", "10")]),
    )
    .await;
    // The push waits for a lock held elsewhere, and its client gives up.
    let (url, sp1) = (app.db.url.clone(), w.sp1.id);
    let (locked, on_lock) = std::sync::mpsc::channel();
    let blocker = std::thread::spawn(move || {
        let mut c = PgConnection::establish(&url).unwrap();
        c.transaction::<_, diesel::result::Error, _>(|c| {
            diesel::sql_query("SELECT 1 FROM daily_rollup WHERE salesperson_id = $1 FOR UPDATE")
                .bind::<SqlUuid, _>(sp1)
                .execute(c)?;
            locked.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(500));
            Ok(())
        })
    });
    on_lock.recv().unwrap();
    let send = || {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", "gave-up")
            .json(&json!({"items": [sale("INV-1", w.acme, "2026-07-10", "200", "10")]}))
            .send()
    };
    let gave_up = tokio::time::timeout(std::time::Duration::from_millis(100), send()).await;
    assert!(gave_up.is_err(), "the push was still waiting");
    blocker.join().unwrap().unwrap();
    // The work stopped with its client: its transaction was rolled back whole,
    // the claim of the key with it, and nothing of it holds a lock. A retry with
    // the same key runs it, once.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        sale_row(&app, org, "hubspot", "INV-1").unwrap().revenue,
        dec("100")
    );
    let r = tokio::time::timeout(std::time::Duration::from_secs(5), send())
        .await
        .expect("no lock of the abandoned push is left");
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(statuses(&r.expect(200)), strs(&["updated"]));
    assert_eq!(
        sale_row(&app, org, "hubspot", "INV-1").unwrap().revenue,
        dec("200")
    );
    let again = send().await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(statuses(&again.expect(200)), strs(&["updated"]));
    // A claim committed without its answer (as an earlier version left one when
    // its process died before the work committed) belongs to no running request:
    // the retry runs at once.
    diesel::sql_query(
        "INSERT INTO idempotency_keys (org_id, actor_id, key, request_hash) \
         SELECT org_id, actor_id, 'died', request_hash FROM idempotency_keys WHERE key = 'gave-up'",
    )
    .execute(&mut app.conn())
    .unwrap();
    let send_died = || {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", "died")
            .json(&json!({"items": [sale("INV-1", w.acme, "2026-07-10", "200", "10")]}))
            .send()
    };
    let r = send_died().await;
    assert_eq!(statuses(&r.expect(200)), strs(&["unchanged"]));
    let again = send_died().await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, r.body);
    assert_rollup_is_ledger(&app, org);
}

#[actix_web::test]
async fn a_duplicate_waits_for_the_first_and_replays_it_or_is_told_it_still_runs() {
    use diesel::{Connection, PgConnection};
    use sha2::{Digest, Sha256};
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let body = json!({"items": [sale("INV-1", w.acme, "2026-07-10", "1000", "300")]});
    let send = |key: String, body: Value| {
        let app = &app;
        let token = w.hubspot.clone();
        async move {
            app.post("/v1/sales/batch")
                .token(&token)
                .header("idempotency-key", &key)
                .json(&body)
                .send()
                .await
        }
    };
    // The first request has claimed the key and runs on, uncommitted, for longer
    // than a duplicate waits (twice the 1.5 s database timeout), then fails.
    let mut h = Sha256::new();
    h.update(b"POST");
    h.update(b"/v1/sales/batch");
    h.update(body.to_string().as_bytes());
    let (url, hash) = (app.db.url.clone(), h.finalize().to_vec());
    let (claimed, on_claim) = std::sync::mpsc::channel();
    let first = std::thread::spawn(move || {
        let mut c = PgConnection::establish(&url).unwrap();
        let _ = c.transaction::<(), _, _>(|c| {
            diesel::sql_query(
                "INSERT INTO idempotency_keys (org_id, actor_id, key, request_hash) \
                 VALUES ($1, $2, 'busy', $3)",
            )
            .bind::<SqlUuid, _>(org)
            .bind::<SqlUuid, _>(w.hubspot_id)
            .bind::<Bytea, _>(hash)
            .execute(c)?;
            claimed.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(3600));
            Err(diesel::result::Error::RollbackTransaction)
        });
    });
    on_claim.recv().unwrap();
    let started = std::time::Instant::now();
    send("busy".into(), body.clone())
        .await
        .problem(409, "idempotency_in_progress");
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(2900)
            && waited < std::time::Duration::from_millis(3500),
        "{waited:?}"
    );
    assert_eq!(sales_count(&app, org), 0);
    // The first failed: its claim went with it, and the retry does the work.
    first.join().unwrap();
    let r = send("busy".into(), body.clone()).await;
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(r.expect(200)["created"], 1);
    send("busy".into(), json!({"items": []}))
        .await
        .problem(422, "idempotency_key_reused");

    // Two identical requests at the same time: one does the work, the other
    // waits for it and replays its answer. Never twice, never a 500.
    for round in 0..5 {
        let key = format!("race-{round}");
        let items: Vec<Value> = (0..20)
            .map(|i| sale(&format!("R{round}-{i}"), w.acme, "2026-07-10", "10", "1"))
            .collect();
        let body = json!({ "items": items });
        let (a, b) = tokio::join!(send(key.clone(), body.clone()), send(key, body.clone()));
        let replayed = |r: &Res| r.header("idempotent-replayed").is_some();
        assert_eq!((a.status.as_u16(), b.status.as_u16()), (200, 200));
        assert!(
            replayed(&a) != replayed(&b),
            "exactly one of the two did the work"
        );
        assert_eq!(a.body, b.body);
        assert_eq!(a.json()["created"], 20);
    }
    assert_eq!(sales_count(&app, org), 101);
    let r = assert_rollup_is_ledger(&app, org);
    assert_eq!(
        total(&r, w.sp1.id, "revenue", "2026-07-10", "2026-07-10"),
        dec("2000")
    );
}

// ---------------------------------------------------------------------------
// Who may push, and whose ids.

#[actix_web::test]
async fn only_integration_clients_with_the_scope_and_admins_push_results() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (_, reader) = api_client(&app, &w.org, "dashboard", &["read"]).await;
    let (_, acts) = api_client(&app, &w.org, "dialer", &["activities:write"]).await;
    let (_, accts) = api_client(&app, &w.org, "erp", &["accounts:write", "read"]).await;
    let v = pushed(
        &app,
        &w.hubspot,
        json!([sale("INV-1", w.acme, "2026-07-10", "10", "1")]),
    )
    .await;
    let id = id_of(&v, 0);
    let sales = json!([sale("INV-2", w.acme, "2026-07-10", "10", "1")]);
    let activities = json!([{"external_id": "A-1", "kind": "call", "salesperson_id": w.sp1.id,
                             "occurred_at": "2026-08-01T12:00:00Z"}]);
    let refused_sales = [
        &w.sp1.token,
        &w.mgr.token,
        &w.viewer.token,
        &reader,
        &acts,
        &accts,
    ];
    for token in refused_sales {
        push(&app, token, sales.clone())
            .await
            .problem(403, "forbidden");
        push_one(&app, token, &sales[0])
            .await
            .problem(403, "forbidden");
        void(&app, token, id, None).await.problem(403, "forbidden");
    }
    for token in [
        &w.sp1.token,
        &w.mgr.token,
        &w.viewer.token,
        &reader,
        &w.hubspot,
        &accts,
    ] {
        push_activities(&app, token, activities.clone())
            .await
            .problem(403, "forbidden");
    }
    push(&app, "not-a-token", sales.clone())
        .await
        .problem(401, "invalid_token");
    app.post("/v1/activities/batch")
        .json(&json!({"items": activities}))
        .send()
        .await
        .problem(401, "missing_token");
    assert_eq!(sales_count(&app, org), 1);
    assert!(!sale_row(&app, org, "hubspot", "INV-1").unwrap().voided);
    assert_eq!(activities_count(&app, org), 0);
    // A client whose token lacks a scope it holds is refused too.
    let (both_id, _) = api_client(&app, &w.org, "crm", &["sales:write", "activities:write"]).await;
    let narrow = app.sign(org, "client", both_id, Some("activities:write"));
    push(&app, &narrow, sales.clone())
        .await
        .problem(403, "forbidden");
    push_activities(&app, &narrow, activities.clone())
        .await
        .expect(200);

    // Admins may push, naming the source.
    let v = pushed(&app, &w.org.admin, sales.clone()).await;
    assert_eq!(statuses(&v), strs(&["rejected"]));
    assert_eq!(
        item_errors(&v["items"][0]),
        vec![pair("source", "required")]
    );
    let v = pushed(
        &app,
        &w.org.admin,
        json!([with(sales[0].clone(), json!({"source": "manual"}))]),
    )
    .await;
    assert_eq!(statuses(&v), strs(&["created"]));
    void(&app, &w.org.admin, id, None).await.expect(200);
    let v = push_activities(
        &app,
        &w.org.admin,
        json!([with(
            activities[0].clone(),
            json!({"source": "manual", "external_id": "A-2"})
        )]),
    )
    .await
    .expect(200);
    assert_eq!(statuses(&v), strs(&["created"]));
    assert_eq!(sales_count(&app, org), 2);
    assert_rollup_is_ledger(&app, org);
}

#[actix_web::test]
async fn ids_of_another_organisation_are_rejected_items_and_never_stored() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    // Another tenant, with an account hubspot also knows, a salesperson and a sale.
    let other = app.org("Rival").await;
    let rival_sp = app.person(&other, "salesperson", None).await;
    let rival_acct = account(
        &app,
        &other,
        "Rival customer",
        "customer",
        rival_sp.id,
        "2026-01-01",
        Some(("hubspot", "R-1")),
    )
    .await;
    let (_, rival_crm) = api_client(
        &app,
        &other,
        "hubspot",
        &["sales:write", "activities:write"],
    )
    .await;
    let v = pushed(
        &app,
        &rival_crm,
        json!([sale("INV-1", rival_acct, "2026-07-10", "777", "77")]),
    )
    .await;
    let rival_sale = id_of(&v, 0);
    let rival_before = ledger_fingerprint(&app, other.id);

    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("X-1", rival_acct, "2026-07-10", "10", "1"),
            {"external_id": "X-2", "account_external_id": "R-1", "occurred_on": "2026-07-10",
             "revenue": "10", "gross_profit": "1"},
            with(sale("X-3", w.acme, "2026-07-10", "10", "1"), json!({"salesperson_id": rival_sp.id})),
            with(sale("X-4", w.acme, "2026-07-10", "10", "1"), json!({"salesperson_id": w.sp2.id})),
            // The same key as the other tenant's sale: a sale of its own.
            sale("INV-1", w.acme, "2026-07-10", "5", "1"),
        ]),
    )
    .await;
    assert_eq!(
        statuses(&v),
        strs(&["rejected", "rejected", "rejected", "created", "created"])
    );
    assert_eq!(
        item_errors(&v["items"][0]),
        vec![pair("account_id", "not_found")]
    );
    assert_eq!(
        item_errors(&v["items"][1]),
        vec![pair("account_external_id", "not_found")]
    );
    assert_eq!(
        item_errors(&v["items"][2]),
        vec![pair("salesperson_id", "not_found")]
    );
    assert_ne!(id_of(&v, 4), rival_sale);

    let (_, acts) = api_client(&app, &w.org, "dialer", &["activities:write"]).await;
    let a = push_activities(
        &app,
        &acts,
        json!([
            {"external_id": "A-1", "kind": "call", "account_id": rival_acct, "salesperson_id": w.sp1.id,
             "occurred_at": "2026-08-01T12:00:00Z"},
            {"external_id": "A-2", "kind": "call", "salesperson_id": rival_sp.id,
             "occurred_at": "2026-08-01T12:00:00Z"},
            {"external_id": "A-3", "kind": "call", "account_id": rival_acct,
             "occurred_at": "2026-08-01T12:00:00Z"},
            {"external_id": "A-4", "kind": "call", "salesperson_id": w.sp1.id,
             "occurred_at": "2026-08-01T12:00:00Z"},
        ]),
    )
    .await
    .expect(200);
    assert_eq!(
        statuses(&a),
        strs(&["rejected", "rejected", "rejected", "created"])
    );
    assert_eq!(
        item_errors(&a["items"][0]),
        vec![pair("account_id", "not_found")]
    );
    assert_eq!(
        item_errors(&a["items"][1]),
        vec![pair("salesperson_id", "not_found")]
    );
    assert!(item_errors(&a["items"][2]).contains(&pair("account_id", "not_found")));

    // The other tenant's sale cannot be voided from here, and is not seen.
    void(&app, &w.hubspot, rival_sale, None)
        .await
        .problem(404, "not_found");
    void(&app, &w.org.admin, rival_sale, None)
        .await
        .problem(404, "not_found");

    // Nothing crossed over, either way.
    assert_eq!(ledger_fingerprint(&app, other.id), rival_before);
    assert_eq!(sales_count(&app, org), 2);
    assert_eq!(activities_count(&app, org), 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM sales s WHERE s.org_id = $1 AND (s.account_id IN \
             (SELECT id FROM accounts WHERE org_id <> $1) OR s.salesperson_id IN \
             (SELECT id FROM users WHERE org_id <> $1))",
            org
        ),
        0
    );
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (w.sp2.id, "revenue", "2026-07-10", "10"),
            (w.sp2.id, "gross_profit", "2026-07-10", "1"),
            (w.sp1.id, "revenue", "2026-07-10", "5"),
            (w.sp1.id, "gross_profit", "2026-07-10", "1"),
            (w.sp1.id, "activity:call", "2026-08-01", "1"),
        ])
    );
    assert_eq!(
        assert_rollup_is_ledger(&app, other.id),
        expected(&[
            (rival_sp.id, "revenue", "2026-07-10", "777"),
            (rival_sp.id, "gross_profit", "2026-07-10", "77"),
        ])
    );
}

// ---------------------------------------------------------------------------
// Batch limits and malformed batches.

#[actix_web::test]
async fn batches_have_limits_and_a_malformed_batch_stores_nothing() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let items = |n: usize, prefix: &str| -> Value {
        json!((0..n)
            .map(|i| sale(
                &format!("{prefix}-{i:04}"),
                w.acme,
                "2026-07-10",
                "1.25",
                "0.25"
            ))
            .collect::<Vec<_>>())
    };
    let p = push(&app, &w.hubspot, items(1001, "A"))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "items");
    assert_eq!(p["errors"][0]["code"], "too_many");
    assert_eq!(sales_count(&app, org), 0);

    // Exactly 1,000: all stored; 1,000 × 1.25 = 1250.
    let v = pushed(&app, &w.hubspot, items(1000, "B")).await;
    assert_eq!(v["created"], 1000);
    assert_eq!(v["items"].as_array().unwrap().len(), 1000);
    assert_eq!(sales_count(&app, org), 1000);
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (w.sp1.id, "revenue", "2026-07-10", "1250"),
            (w.sp1.id, "gross_profit", "2026-07-10", "250"),
        ])
    );
    let v = pushed(&app, &w.hubspot, items(1000, "B")).await;
    assert_eq!(v["unchanged"], 1000);

    // A body larger than the limit (2 MiB): 413.
    let big = format!(
        "{{\"items\": [{}]}}",
        vec![sale("C", w.acme, "2026-07-10", "1", "1").to_string(); 20_000].join(",")
    );
    assert!(big.len() > 2 * 1024 * 1024);
    app.post("/v1/sales/batch")
        .token(&w.hubspot)
        .body("application/json", big.clone())
        .send()
        .await
        .problem(413, "body_too_large");
    app.post("/v1/activities/batch")
        .token(&w.org.admin)
        .body("application/json", big)
        .send()
        .await
        .problem(413, "body_too_large");

    // Structurally invalid: refused whole, the valid items with it.
    let good = sale("D-1", w.acme, "2026-07-10", "1", "1");
    for bad in [
        json!({"items": [good.clone(), with(good.clone(), json!({"external_id": "D-2", "discount": 5}))]}),
        json!({"items": [good.clone(), with(good.clone(), json!({"external_id": "D-2", "revenue": "lots"}))]}),
        json!({"items": [good.clone(), with(good.clone(), json!({"external_id": "D-2", "occurred_on": "2026-02-30"}))]}),
        json!({"items": [good.clone(), with(good.clone(), json!({"external_id": null}))]}),
        json!({"items": [good.clone(), 5]}),
        json!({"items": good.clone()}),
        json!({"sales": [good.clone()]}),
        json!({"items": [good.clone()], "dry_run": true}),
        json!([good.clone()]),
    ] {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .json(&bad)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    app.post("/v1/sales/batch")
        .token(&w.hubspot)
        .body("application/json", "{\"items\": [")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/sales/batch")
        .token(&w.hubspot)
        .body("text/csv", "external_id,revenue\nD-1,1\n")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    assert!(sale_row(&app, org, "hubspot", "D-1").is_none());
    assert_eq!(sales_count(&app, org), 1000);
}

// ---------------------------------------------------------------------------
// Concurrency.

#[actix_web::test]
async fn concurrent_overlapping_batches_neither_duplicate_nor_lose_anything() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    // Key n: Acme (sp1) when n is even, Globex (sp2) when odd; 100 + n euros.
    let item = |n: usize, revenue: usize| {
        let account = if n % 2 == 0 { w.acme } else { w.globex };
        sale(
            &format!("K{n:03}"),
            account,
            &format!("2026-09-{:02}", 1 + n % 28),
            &revenue.to_string(),
            "10",
        )
    };
    let batch = |keys: Vec<usize>, revenue: &dyn Fn(usize) -> usize| -> Value {
        json!(keys
            .into_iter()
            .map(|n| item(n, revenue(n)))
            .collect::<Vec<_>>())
    };
    let base = |n: usize| 100 + n;

    // Round 1: K000–K059 and K030–K089 at once, the overlap with equal values
    // (the second batch in reverse order).
    let a = batch((0..60).collect(), &base);
    let b = batch((30..90).rev().collect(), &base);
    let (ra, rb) = tokio::join!(push(&app, &w.hubspot, a), push(&app, &w.hubspot, b));
    let (va, vb) = (ra.expect(200), rb.expect(200));
    let (sa, sb) = (statuses(&va), statuses(&vb));
    assert!(sa[..30].iter().all(|s| s == "created"));
    assert!(sb[..30].iter().all(|s| s == "created"), "K089–K060");
    for n in 30..60 {
        let (x, y) = (&sa[n], &sb[89 - n]);
        let mut pair = [x.as_str(), y.as_str()];
        pair.sort();
        assert_eq!(pair, ["created", "unchanged"], "K{n:03}");
        assert_eq!(id_of(&va, n), id_of(&vb, 89 - n));
    }
    assert_eq!(sales_count(&app, org), 90);
    // Even keys 0..=88: 45 × 100 + 1980 = 6480; odd keys 1..=89: 45 × 100 + 2025 = 6525.
    let r = assert_rollup_is_ledger(&app, org);
    assert_eq!(
        total(&r, w.sp1.id, "revenue", "2026-09-01", "2026-09-30"),
        dec("6480")
    );
    assert_eq!(
        total(&r, w.sp2.id, "revenue", "2026-09-01", "2026-09-30"),
        dec("6525")
    );
    assert_eq!(
        total(&r, w.sp1.id, "gross_profit", "2026-09-01", "2026-09-30"),
        dec("450")
    );

    // Round 2, several times: the overlap changes to different values in each
    // batch. Whichever wins, the rollup counts exactly it.
    for round in 0..4usize {
        let a = batch((0..60).collect(), &|n: usize| {
            if n >= 30 {
                1000 + round
            } else {
                base(n)
            }
        });
        let b = batch((30..90).rev().collect(), &|n: usize| {
            if n < 60 {
                2000 + round
            } else {
                base(n)
            }
        });
        let (ra, rb) = tokio::join!(push(&app, &w.hubspot, a), push(&app, &w.hubspot, b));
        let (va, vb) = (ra.expect(200), rb.expect(200));
        let (sa, sb) = (statuses(&va), statuses(&vb));
        assert!(sa[..30].iter().all(|s| s == "unchanged"));
        assert!(sb[..30].iter().all(|s| s == "unchanged"));
        assert!(sa[30..].iter().all(|s| s == "updated"), "{sa:?}");
        assert!(sb[30..].iter().all(|s| s == "updated"), "{sb:?}");
        assert_eq!(sales_count(&app, org), 90);
        let r = assert_rollup_is_ledger(&app, org);
        let mut overlap = Decimal::ZERO;
        for n in 30..60 {
            let row = sale_row(&app, org, "hubspot", &format!("K{n:03}")).unwrap();
            assert!(
                row.revenue == Decimal::from(1000 + round)
                    || row.revenue == Decimal::from(2000 + round),
                "{row:?}"
            );
            overlap += row.revenue;
        }
        // K000–K029: 30 × 100 + 435 = 3435; K060–K089: 30 × 100 + 2235 = 5235.
        let all = total(&r, w.sp1.id, "revenue", "2026-09-01", "2026-09-30")
            + total(&r, w.sp2.id, "revenue", "2026-09-01", "2026-09-30");
        assert_eq!(all, dec("3435") + dec("5235") + overlap);
    }

    // New keys inserted from both ends at once.
    for round in 0..4usize {
        let keys: Vec<usize> = (0..80).map(|i| 100 + round * 100 + i).collect();
        let a = batch(keys.clone(), &base);
        let b = batch(keys.iter().rev().copied().collect(), &base);
        let (ra, rb) = tokio::join!(push(&app, &w.hubspot, a), push(&app, &w.hubspot, b));
        let (va, vb) = (ra.expect(200), rb.expect(200));
        assert_eq!(
            va["created"].as_u64().unwrap() + vb["created"].as_u64().unwrap(),
            80
        );
        assert_eq!(
            va["unchanged"].as_u64().unwrap() + vb["unchanged"].as_u64().unwrap(),
            80
        );
    }
    assert_eq!(sales_count(&app, org), 90 + 320);
    assert_rollup_is_ledger(&app, org);

    // Activities likewise.
    let (_, acts) = api_client(&app, &w.org, "dialer", &["activities:write"]).await;
    let act = |n: usize| {
        json!({"external_id": format!("A{n:03}"), "kind": "call", "account_id": w.acme,
               "occurred_at": format!("2026-09-{:02}T12:00:00Z", 1 + n % 28), "count": 2})
    };
    let a = json!((0..60).map(act).collect::<Vec<_>>());
    let b = json!((30..90).rev().map(act).collect::<Vec<_>>());
    let (ra, rb) = tokio::join!(
        push_activities(&app, &acts, a),
        push_activities(&app, &acts, b)
    );
    let (va, vb) = (ra.expect(200), rb.expect(200));
    assert_eq!(
        va["created"].as_u64().unwrap() + vb["created"].as_u64().unwrap(),
        90
    );
    assert_eq!(activities_count(&app, org), 90);
    let r = assert_rollup_is_ledger(&app, org);
    assert_eq!(
        total(&r, w.sp1.id, "activity:call", "2026-09-01", "2026-09-30"),
        dec("180")
    );
}

// ---------------------------------------------------------------------------
// Team credit and the SMART attainability rating.

async fn target(app: &TestApp, org: &Org, body: Value) -> Uuid {
    let v = app
        .post("/v1/targets")
        .token(&org.admin)
        .json(&body)
        .send()
        .await
        .expect(201);
    uuid(&v["id"])
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

#[track_caller]
fn rated(got: &(String, Option<Decimal>, String), rating: &str, ratio: &str, periods: usize) {
    assert_eq!(got.0, rating, "{got:?}");
    assert_eq!(got.1, Some(dec(ratio)), "{got:?}");
    assert!(
        got.2.contains(&format!(
            "over the previous {periods} quarters with results"
        )),
        "{got:?}"
    );
}

#[actix_web::test]
async fn attainability_is_judged_on_the_pushed_history_of_the_person_and_the_team() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (sp1, sp2, sp3) = (w.sp1.id, w.sp2.id, w.sp3.id);
    // Region has two teams; sp1 moves from South to North on 2026-08-15.
    let region = app.team(&w.org, "Region", None, None).await;
    let north = app.team(&w.org, "North", None, Some(region)).await;
    let south = app.team(&w.org, "South", None, Some(region)).await;
    app.join(&w.org, south, sp1, "2026-01-01").await;
    app.join(&w.org, north, sp2, "2026-01-01").await;
    app.join(&w.org, north, sp1, "2026-08-15").await;
    let umbrella = account(
        &app,
        &w.org,
        "Umbrella",
        "customer",
        sp3,
        "2026-01-01",
        None,
    )
    .await;
    let (_, acts) = api_client(&app, &w.org, "dialer", &["activities:write"]).await;

    // Nothing pushed yet: no history.
    let t1 = target(&app, &w.org, q4("user", sp1, "revenue", "12000")).await;
    let got = attainable(&app, &w.org, t1).await;
    assert_eq!((got.0.as_str(), got.1), ("no_history", None));

    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            // sp1: 8000 in Q2 (South); in Q3 6000 in South and 6000 in North.
            sale("Q2-1", w.acme, "2026-05-15", "8000", "2000"),
            sale("Q3-1", w.acme, "2026-07-20", "6000", "1500"),
            sale("Q3-2", w.acme, "2026-08-20", "4000", "1000"),
            sale("Q3-3", w.acme, "2026-09-05", "2000", "500"),
            // sp2: 10000 in Q3 (North).
            sale("Q3-4", w.globex, "2026-08-01", "10000", "2500"),
            // sp3 (no team): 5000 in Q2, later voided, and 4000 in Q3.
            sale("Q2-2", umbrella, "2026-05-10", "5000", "1000"),
            sale("Q3-5", umbrella, "2026-08-01", "4000", "1000"),
            // Q4 itself is not history.
            sale("Q4-1", w.acme, "2026-10-05", "99999", "1"),
        ]),
    )
    .await;
    assert_eq!(v["created"], 8);
    let calls: Vec<Value> = (0..10)
        .map(|i| {
            json!({"external_id": format!("C{i}"), "kind": "call", "salesperson_id": sp1,
                        "occurred_at": format!("2026-09-{:02}T10:00:00Z", 1 + i)})
        })
        .collect();
    push_activities(&app, &acts, json!(calls)).await.expect(200);

    // sp1: (12000 + 8000) / 2 quarters = 10000 on average.
    rated(&attainable(&app, &w.org, t1).await, "realistic", "1.2", 2);
    let t = target(&app, &w.org, q4("user", sp1, "revenue", "15000")).await;
    rated(&attainable(&app, &w.org, t).await, "stretch", "1.5", 2);
    // 15001 / 10000 = 1.5001: shown as 1.50, but over the threshold.
    let t = target(&app, &w.org, q4("user", sp1, "revenue", "15001")).await;
    rated(&attainable(&app, &w.org, t).await, "unrealistic", "1.50", 2);
    // Gross profit: (3000 + 2000) / 2 = 2500.
    let t = target(&app, &w.org, q4("user", sp1, "gross_profit", "3000")).await;
    rated(&attainable(&app, &w.org, t).await, "realistic", "1.2", 2);
    // Calls: 10 in Q3 only.
    let t = target(
        &app,
        &w.org,
        with(
            q4("user", sp1, "activities", "13"),
            json!({"activity_kind": "call"}),
        ),
    )
    .await;
    rated(&attainable(&app, &w.org, t).await, "stretch", "1.3", 1);
    // sp2: 10000 in Q3.
    let t = target(&app, &w.org, q4("user", sp2, "revenue", "11000")).await;
    rated(&attainable(&app, &w.org, t).await, "realistic", "1.1", 1);
    // sp3: (5000 + 4000) / 2 = 4500; once the Q2 sale is voided, Q2 has no
    // results and the average is Q3's 4000.
    let t3 = target(&app, &w.org, q4("user", sp3, "revenue", "4800")).await;
    rated(&attainable(&app, &w.org, t3).await, "realistic", "1.07", 2);
    void(&app, &w.hubspot, id_of(&v, 5), None).await.expect(200);
    rated(&attainable(&app, &w.org, t3).await, "realistic", "1.2", 1);

    // Teams count each day for the people who were members that day.
    // North: sp2's 10000 and sp1's 6000 after the move (Q3 only).
    let tn = target(&app, &w.org, q4("team", north, "revenue", "20000")).await;
    rated(&attainable(&app, &w.org, tn).await, "stretch", "1.25", 1);
    // South: sp1's 6000 before the move, and 8000 in Q2: 7000 on average.
    let ts = target(&app, &w.org, q4("team", south, "revenue", "7000")).await;
    rated(&attainable(&app, &w.org, ts).await, "realistic", "1", 2);
    // Region rolls both up: (22000 + 8000) / 2 = 15000.
    let tr = target(&app, &w.org, q4("team", region, "revenue", "30000")).await;
    rated(&attainable(&app, &w.org, tr).await, "unrealistic", "2", 2);
    // The organisation: everyone, sp3 too: (26000 + 8000) / 2 = 17000.
    let v = app
        .post("/v1/targets")
        .token(&w.org.admin)
        .json(
            &json!({"title": "All", "subject_type": "org", "metric": "revenue",
                      "value": "17000", "period": "2026-Q4"}),
        )
        .send()
        .await
        .expect(201);
    rated(
        &attainable(&app, &w.org, uuid(&v["id"])).await,
        "realistic",
        "1",
        2,
    );

    // A transfer mid-quarter moves history: Acme to sp3 from 2026-09-01 takes
    // sp1's 2000 of 2026-09-05 (and North's) with it.
    transfer(&app, &w.org, w.acme, sp3, "2026-09-01").await;
    // sp1: (10000 + 8000) / 2 = 9000; 12000 / 9000 = 1.33.
    rated(&attainable(&app, &w.org, t1).await, "stretch", "1.33", 2);
    // North: 10000 + 4000 = 14000; 20000 / 14000 = 1.43.
    rated(&attainable(&app, &w.org, tn).await, "stretch", "1.43", 1);
    // sp3: 4000 + 2000 = 6000 in Q3; 4800 / 6000 = 0.8.
    rated(&attainable(&app, &w.org, t3).await, "realistic", "0.8", 1);
    // South is unchanged: the moved sale was North's.
    rated(&attainable(&app, &w.org, ts).await, "realistic", "1", 2);

    // A team move recorded late, effective mid-quarter: sp2 has been in South
    // since 2026-07-15, so sp2's 10000 of 2026-08-01 is South's.
    app.join(&w.org, south, sp2, "2026-07-15").await;
    // North: sp1's 4000 of 2026-08-20 only; 20000 / 4000 = 5.
    rated(&attainable(&app, &w.org, tn).await, "unrealistic", "5", 1);
    // South: (6000 + 10000 + 8000) / 2 = 12000; 7000 / 12000 = 0.58.
    rated(&attainable(&app, &w.org, ts).await, "realistic", "0.58", 2);
    // Region: (6000 + 4000 + 10000 + 8000) / 2 = 14000; 30000 / 14000 = 2.14.
    rated(
        &attainable(&app, &w.org, tr).await,
        "unrealistic",
        "2.14",
        2,
    );
    // People's own figures do not depend on their team.
    rated(&attainable(&app, &w.org, t1).await, "stretch", "1.33", 2);
    assert_rollup_is_ledger(&app, w.org.id);
}

// ---------------------------------------------------------------------------
// A random mix of every ledger write, checked against the ledger throughout.

/// SplitMix64: small, deterministic, good enough to shuffle a test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
    fn day(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        from + Duration::days(self.below(((to - from).num_days() + 1) as u64) as i64)
    }
}

struct Acct {
    id: Uuid,
    owner: Uuid,
    from: NaiveDate,
    prospect: bool,
}

/// What was last accepted for a key, and whether it is voided.
struct Known {
    id: Uuid,
    last: Value,
    voided: bool,
}

#[derive(QueryableByName)]
struct DayNet {
    #[diesel(sql_type = SqlUuid)]
    salesperson_id: Uuid,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Numeric)]
    amount: Decimal,
}

#[derive(QueryableByName)]
struct Member {
    #[diesel(sql_type = SqlUuid)]
    team_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = Date)]
    from_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    to_on: Option<NaiveDate>,
}

/// Ledger invariants besides the rollup: every sale and activity credited by
/// the account's owner is credited to the owner on its day, and every activity's
/// day is its instant in the organisation's time zone.
#[track_caller]
fn assert_credit_follows_ownership(app: &TestApp, org: Uuid) {
    let owner_on = "(SELECT o.owner_id FROM account_owners o WHERE o.org_id = x.org_id \
                    AND o.account_id = x.account_id AND o.from_on <= x.occurred_on \
                    AND (o.to_on IS NULL OR o.to_on >= x.occurred_on))";
    assert_eq!(
        count(
            app,
            &format!(
                "SELECT count(*) AS n FROM sales x WHERE x.org_id = $1 AND NOT x.salesperson_given \
                 AND x.voided_at IS NULL AND x.salesperson_id IS DISTINCT FROM {owner_on}"
            ),
            org
        ),
        0,
        "sales credited to someone else than the owner on the day"
    );
    assert_eq!(
        count(
            app,
            &format!(
                "SELECT count(*) AS n FROM activities x WHERE x.org_id = $1 \
                 AND NOT x.salesperson_given AND x.account_id IS NOT NULL \
                 AND x.salesperson_id IS DISTINCT FROM {owner_on}"
            ),
            org
        ),
        0,
        "activities credited to someone else than the owner on the day"
    );
    assert_eq!(
        count(
            app,
            "SELECT count(*) AS n FROM activities a JOIN orgs o ON o.id = a.org_id \
             WHERE a.org_id = $1 AND a.occurred_on <> (a.occurred_at AT TIME ZONE o.timezone)::date",
            org
        ),
        0,
        "activities on another day than the organisation's"
    );
}

/// What a team (with its sub-teams) achieved in revenue over [from, to],
/// computed from the ledger: `None` when no member had a day with results.
fn team_revenue_from_ledger(
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

#[actix_web::test]
async fn the_rollup_equals_the_ledger_after_a_random_mix_of_every_write() {
    let app = TestApp::new().await;
    let org = app.org("Random").await;
    app.patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"timezone": "Europe/Berlin"}))
        .send()
        .await
        .expect(200);
    let mut people = Vec::new();
    for _ in 0..4 {
        people.push(app.person(&org, "salesperson", None).await.id);
    }
    let company = app.team(&org, "Company", None, None).await;
    let east = app.team(&org, "East", None, Some(company)).await;
    let west = app.team(&org, "West", None, Some(company)).await;
    let solo = app.team(&org, "Solo", None, None).await;
    let teams = [east, west, solo, company];
    let start = day("2026-01-01");
    // (team, first day) of each person's current membership.
    let mut membership: Vec<(Uuid, NaiveDate)> =
        vec![(east, start), (east, start), (west, start), (solo, start)];
    for (p, (t, _)) in people.iter().zip(&membership) {
        app.join(&org, *t, *p, "2026-01-01").await;
    }
    let mut accounts = Vec::new();
    for i in 0..8 {
        let prospect = i >= 5;
        let owner = people[i % 4];
        let id = account(
            &app,
            &org,
            &format!("Account {i}"),
            if prospect { "prospect" } else { "customer" },
            owner,
            "2026-01-01",
            None,
        )
        .await;
        accounts.push(Acct {
            id,
            owner,
            from: start,
            prospect,
        });
    }
    let (_, crm) = api_client(&app, &org, "crm", &["sales:write", "activities:write"]).await;
    let today = today();
    let last_sale_day = day("2026-11-20").min(today);
    let mut rng = Rng(0x00DD_BA11_5EED);
    let mut sales: Vec<(String, Known)> = Vec::new();
    let mut acts: Vec<(String, Known)> = Vec::new();
    let mut next_key = 0usize;
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();

    for step in 0..300 {
        let op = rng.below(100);
        if op < 32 {
            // A batch of sales: new keys, updates, identical re-sends, voided keys.
            let n = 1 + rng.index(4);
            let mut items = Vec::new();
            let mut expect = Vec::new();
            let mut used = BTreeSet::new();
            for _ in 0..n {
                let existing = !sales.is_empty() && rng.chance(50);
                let key = if existing {
                    sales[rng.index(sales.len())].0.clone()
                } else {
                    next_key += 1;
                    format!("S{next_key:04}")
                };
                if !used.insert(key.clone()) {
                    continue;
                }
                let known = sales.iter().position(|(k, _)| *k == key);
                if let (Some(i), true) = (known, rng.chance(20)) {
                    items.push(sales[i].1.last.clone());
                    expect.push(if sales[i].1.voided {
                        "rejected"
                    } else {
                        "unchanged"
                    });
                    continue;
                }
                let a = &accounts[rng.index(accounts.len())];
                let cents = 100 + rng.below(1_000_000) as i64;
                let revenue = Decimal::new(cents, 2);
                let mut item = json!({
                    "external_id": key, "account_id": a.id,
                    "occurred_on": rng.day(start, last_sale_day).to_string(),
                    "revenue": revenue.to_string(),
                });
                if rng.chance(70) {
                    let gp = Decimal::new(cents * rng.below(101) as i64 / 100, 2);
                    item["gross_profit"] = json!(gp.to_string());
                } else {
                    let cost = Decimal::new(cents * rng.below(130) as i64 / 100, 2);
                    item["cost"] = json!(cost.to_string());
                }
                if rng.chance(20) {
                    item["kind"] = json!("credit_note");
                }
                let mut valid = true;
                if rng.chance(25) {
                    item["currency"] = json!("USD");
                    if rng.chance(85) {
                        let rate = ["0.9", "1.1", "1.2345", "0.87654321"][rng.index(4)];
                        item["fx_rate"] = json!(rate);
                    } else {
                        valid = false;
                    }
                }
                if rng.chance(20) {
                    item["salesperson_id"] = json!(people[rng.index(4)]);
                }
                expect.push(match known {
                    _ if !valid => "rejected",
                    Some(i) if sales[i].1.voided => "rejected",
                    Some(_) => "updated",
                    None => "created",
                });
                items.push(item);
            }
            let v = pushed(&app, &crm, json!(items)).await;
            assert_eq!(statuses(&v), strs(&expect), "step {step}: {v}");
            for (i, item) in items.iter().enumerate() {
                let key = item["external_id"].as_str().unwrap().to_string();
                match expect[i] {
                    "created" => sales.push((
                        key,
                        Known {
                            id: id_of(&v, i),
                            last: item.clone(),
                            voided: false,
                        },
                    )),
                    "updated" | "unchanged" => {
                        let k = sales.iter_mut().find(|(k, _)| *k == key).unwrap();
                        assert_eq!(k.1.id, id_of(&v, i));
                        k.1.last = item.clone();
                    }
                    _ => {}
                }
            }
            *tally.entry("sales").or_default() += 1;
        } else if op < 42 {
            // A void (now and then of a voided sale).
            if sales.is_empty() {
                continue;
            }
            let i = rng.index(sales.len());
            let r = void(&app, &crm, sales[i].1.id, None).await;
            if sales[i].1.voided {
                r.problem(409, "already_voided");
            } else {
                r.expect(200);
                sales[i].1.voided = true;
            }
            *tally.entry("voids").or_default() += 1;
        } else if op < 52 {
            // A transfer, often effective in the past.
            let a = rng.index(accounts.len());
            let acct = &mut accounts[a];
            let to = loop {
                let p = people[rng.index(4)];
                if p != acct.owner {
                    break p;
                }
            };
            let on = rng.day(acct.from, today);
            transfer(&app, &org, acct.id, to, &on.to_string()).await;
            acct.owner = to;
            acct.from = on;
            *tally.entry("transfers").or_default() += 1;
        } else if op < 57 {
            // A prospect won, perhaps handed over.
            let Some(a) = accounts.iter().position(|a| a.prospect) else {
                continue;
            };
            let acct = &mut accounts[a];
            let on = rng.day(acct.from, today);
            let mut body = json!({"converted_on": on.to_string()});
            let handover = rng.chance(50);
            if handover {
                let to = loop {
                    let p = people[rng.index(4)];
                    if p != acct.owner {
                        break p;
                    }
                };
                body["new_owner_id"] = json!(to);
                acct.owner = to;
                acct.from = on;
            }
            app.post(&format!("/v1/accounts/{}/convert", acct.id))
                .token(&org.admin)
                .json(&body)
                .send()
                .await
                .expect(200);
            acct.prospect = false;
            *tally.entry("conversions").or_default() += 1;
        } else if op < 85 {
            // A batch of activities.
            let n = 1 + rng.index(3);
            let mut items = Vec::new();
            let mut expect = Vec::new();
            let mut used = BTreeSet::new();
            for _ in 0..n {
                let existing = !acts.is_empty() && rng.chance(40);
                let key = if existing {
                    acts[rng.index(acts.len())].0.clone()
                } else {
                    next_key += 1;
                    format!("A{next_key:04}")
                };
                if !used.insert(key.clone()) {
                    continue;
                }
                let known = acts.iter().position(|(k, _)| *k == key);
                if let (Some(i), true) = (known, rng.chance(20)) {
                    items.push(acts[i].1.last.clone());
                    expect.push("unchanged");
                    continue;
                }
                let on = rng.day(start, last_sale_day);
                let kind = ["call", "meeting", "demo", "site_visit"][rng.index(4)];
                let mut item = json!({
                    "external_id": key,
                    "kind": kind,
                    "occurred_at": format!("{on}T{:02}:{:02}:00Z", rng.below(24), rng.below(60)),
                    "count": 1 + rng.below(5),
                });
                if rng.chance(70) {
                    item["account_id"] = json!(accounts[rng.index(accounts.len())].id);
                }
                if item.get("account_id").is_none() || rng.chance(20) {
                    item["salesperson_id"] = json!(people[rng.index(4)]);
                }
                expect.push(if known.is_some() {
                    "updated"
                } else {
                    "created"
                });
                items.push(item);
            }
            let v = push_activities(&app, &crm, json!(items)).await.expect(200);
            assert_eq!(statuses(&v), strs(&expect), "step {step}: {v}");
            for (i, item) in items.iter().enumerate() {
                let key = item["external_id"].as_str().unwrap().to_string();
                match acts.iter_mut().find(|(k, _)| *k == key) {
                    Some(k) => k.1.last = item.clone(),
                    None => acts.push((
                        key,
                        Known {
                            id: id_of(&v, i),
                            last: item.clone(),
                            voided: false,
                        },
                    )),
                }
            }
            *tally.entry("activities").or_default() += 1;
        } else {
            // Someone moves to another team, from a day in the past.
            let p = rng.index(people.len());
            let (current, from) = membership[p];
            if from >= today {
                continue;
            }
            let team = loop {
                let t = teams[rng.index(3)];
                if t != current {
                    break t;
                }
            };
            let on = rng.day(from + Duration::days(1), today);
            app.join(&org, team, people[p], &on.to_string()).await;
            membership[p] = (team, on);
            *tally.entry("team moves").or_default() += 1;
        }
        if step % 7 == 6 {
            assert_rollup_is_ledger(&app, org.id);
            assert_credit_follows_ownership(&app, org.id);
        }
    }
    let r = assert_rollup_is_ledger(&app, org.id);
    assert_credit_follows_ownership(&app, org.id);
    // The mix really was a mix.
    for (what, at_least) in [
        ("sales", 60),
        ("voids", 15),
        ("transfers", 15),
        ("conversions", 3),
        ("activities", 60),
        ("team moves", 15),
    ] {
        assert!(
            tally.get(what).copied().unwrap_or(0) >= at_least,
            "{tally:?}"
        );
    }
    assert!(r.keys().any(|k| k.1 == "new_accounts"));
    assert!(
        r.values().any(|v| v.is_sign_negative()),
        "credit notes count negative"
    );
    assert!(
        count(
            &app,
            "SELECT count(*) AS n FROM sales WHERE org_id = $1 AND currency = 'USD'",
            org.id
        ) > 0
    );

    // Team figures, read through the attainability of Q4 targets, match the
    // ledger counted through dated membership.
    let nets: Vec<DayNet> = diesel::sql_query(
        "SELECT salesperson_id, occurred_on AS day, sum(revenue) AS amount FROM sales \
         WHERE org_id = $1 AND voided_at IS NULL GROUP BY 1, 2",
    )
    .bind::<SqlUuid, _>(org.id)
    .load(&mut app.conn())
    .unwrap();
    let members: Vec<Member> = diesel::sql_query(
        "SELECT team_id, user_id, from_on, to_on FROM team_members WHERE org_id = $1",
    )
    .bind::<SqlUuid, _>(org.id)
    .load(&mut app.conn())
    .unwrap();
    let quarters = [
        ("2026-07-01", "2026-09-30"),
        ("2026-04-01", "2026-06-30"),
        ("2026-01-01", "2026-03-31"),
        ("2025-10-01", "2025-12-31"),
    ];
    let value = dec("50000");
    for (team, subtree) in [
        (company, vec![company, east, west]),
        (east, vec![east]),
        (west, vec![west]),
        (solo, vec![solo]),
    ] {
        let history: Vec<Decimal> = quarters
            .iter()
            .filter_map(|(f, t)| {
                team_revenue_from_ledger(&nets, &members, &subtree, day(f), day(t))
            })
            .collect();
        let id = target(&app, &org, q4("team", team, "revenue", "50000")).await;
        let got = attainable(&app, &org, id).await;
        let sum: Decimal = history.iter().copied().sum();
        if history.is_empty() || sum <= Decimal::ZERO {
            assert_eq!((got.0.as_str(), got.1), ("no_history", None), "{history:?}");
            continue;
        }
        let exact = value / (sum / Decimal::from(history.len() as u64));
        let rating = if exact <= dec("1.2") {
            "realistic"
        } else if exact <= dec("1.5") {
            "stretch"
        } else {
            "unrealistic"
        };
        assert_eq!(got.0, rating, "{got:?} against {history:?}");
        assert_eq!(
            got.1,
            Some(exact.round_dp(2)),
            "{got:?} against {history:?}"
        );
        assert!(
            got.2
                .contains(&format!("previous {} quarters", history.len())),
            "{got:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Faults: a write that fails after its key was claimed, and deadlocks.

/// A write that fails with its database (the first time only, the server drops
/// every connection of the database in the middle of it, as a crash or a restart
/// does) is answered 503 and changes nothing; its retry with the same key runs at
/// once, stores each item once, and is then what the key replays.
#[actix_web::test]
async fn a_retry_after_a_write_failed_with_its_database_runs_at_once() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    // Connections in the pool, to be ended with the rest.
    let reads = (0..8).map(|_| app.get("/v1/accounts").token(&w.org.admin).send());
    for r in futures_util::future::join_all(reads).await {
        r.expect(200);
    }
    for sql in [
        "CREATE SEQUENCE fault_once",
        "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF nextval('fault_once') = 1 THEN \
             PERFORM pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
               WHERE datname = current_database() AND pid <> pg_backend_pid(); \
             PERFORM pg_terminate_backend(pg_backend_pid()); \
           END IF; RETURN NULL; END $$",
        "CREATE TRIGGER fault AFTER INSERT ON sales FOR EACH STATEMENT EXECUTE FUNCTION fault()",
    ] {
        diesel::sql_query(sql).execute(&mut app.conn()).unwrap();
    }
    let items = json!([
        sale("F-1", w.acme, "2026-07-10", "100", "10"),
        sale("F-2", w.globex, "2026-07-11", "200", "20"),
    ]);
    let send = || {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", "fails-once")
            .json(&json!({ "items": items }))
            .send()
    };
    send().await.problem(503, "database_unavailable");
    assert_eq!(sales_count(&app, org), 0);
    let started = std::time::Instant::now();
    let r = send().await;
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(statuses(&r.expect(200)), strs(&["created", "created"]));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let again = send().await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, r.body);
    assert_eq!(sales_count(&app, org), 2);
    assert_eq!(
        assert_rollup_is_ledger(&app, org),
        expected(&[
            (w.sp1.id, "revenue", "2026-07-10", "100"),
            (w.sp1.id, "gross_profit", "2026-07-10", "10"),
            (w.sp2.id, "revenue", "2026-07-11", "200"),
            (w.sp2.id, "gross_profit", "2026-07-11", "20"),
        ])
    );
}

/// Eight batches at once over the same sales, each crediting them to people and
/// days in its own order: none is refused for a deadlock, every sale is stored
/// once, and the rollup is the ledger.
#[actix_web::test]
async fn eight_overlapping_batches_at_once_never_deadlock() {
    // A connection for each batch, so that all eight run at once.
    let app = TestApp::with(|c| onpace::Config {
        db_pool_size: 8,
        ..c
    })
    .await;
    let w = world(&app).await;
    let org = w.org.id;
    let people = [w.sp1.id, w.sp2.id, w.sp3.id];
    for round in 0..8usize {
        let batches = (0..8usize).map(|b| {
            // 16 of the round's 24 new keys, from a different start and direction
            // in each batch: each key is created by one batch and updated by others.
            let mut keys: Vec<usize> = (0..16).map(|i| round * 24 + (i + b * 3) % 24).collect();
            if b % 2 == 1 {
                keys.reverse();
            }
            let items: Vec<Value> = keys
                .into_iter()
                .map(|n| {
                    let mut item = sale(
                        &format!("D{n:03}"),
                        w.acme,
                        &format!("2026-10-{:02}", 1 + (n * 7 + b + round) % 5),
                        &(100 + 10 * round + b).to_string(),
                        "1",
                    );
                    item["salesperson_id"] = json!(people[(n + b + round) % 3]);
                    item
                })
                .collect();
            push(&app, &w.hubspot, json!(items))
        });
        let answers = futures_util::future::join_all(batches).await;
        let codes: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
        assert!(codes.iter().all(|c| *c == 200), "round {round}: {codes:?}");
        let stored = 24 * (round as i64 + 1);
        assert_eq!(sales_count(&app, org), stored);
        let r = assert_rollup_is_ledger(&app, org);
        // Every sale counts 1 of gross profit, once.
        let gp: Decimal = people
            .iter()
            .map(|p| total(&r, *p, "gross_profit", "2026-10-01", "2026-10-05"))
            .sum();
        assert_eq!(gp, Decimal::from(stored));
    }
}
