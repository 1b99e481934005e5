//! Accounts: customers and prospects with one owner, dated ownership, conversion
//! and CRM sync, as clients use them.

use std::collections::BTreeSet;
use std::time::Instant;

use crate::support::*;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

fn uuid(v: &Value) -> Uuid {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

fn set(ids: &[Uuid]) -> BTreeSet<Uuid> {
    ids.iter().copied().collect()
}

/// Today in UTC (the organisation's day unless its timezone says otherwise).
fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn days_ago(n: i64) -> String {
    (today() - Duration::days(n)).to_string()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The one field error of a 422, as (field, code).
#[track_caller]
fn field_error(v: &Value) -> (String, String) {
    assert_eq!(v["code"], "validation_failed", "{v}");
    let errors = v["errors"].as_array().expect("errors[]");
    assert_eq!(errors.len(), 1, "{v}");
    for e in errors {
        assert!(e["message"].is_string(), "{v}");
    }
    (
        errors[0]["field"].as_str().unwrap().to_string(),
        errors[0]["code"].as_str().unwrap().to_string(),
    )
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_string(), code.to_string())
}

/// (field, code) of each error of a rejected batch item.
fn item_errors(item: &Value) -> Vec<(String, String)> {
    item["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {item}"))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A new integration client with these scopes: its id and a token.
async fn client(app: &TestApp, org: &Org, scopes: &[&str]) -> (Uuid, String) {
    let (id, _) = app.client(org, scopes).await;
    (id, app.sign(org.id, "client", id, Some(&scopes.join(" "))))
}

/// A token for a new integration client with these scopes.
async fn client_token(app: &TestApp, org: &Org, scopes: &[&str]) -> String {
    client(app, org, scopes).await.1
}

async fn create(app: &TestApp, token: &str, body: Value) -> Res {
    app.post("/v1/accounts")
        .token(token)
        .json(&body)
        .send()
        .await
}

/// A new account (asserted 201), owned by `owner` from `since`.
async fn account(
    app: &TestApp,
    token: &str,
    name: &str,
    kind: &str,
    owner: Uuid,
    since: &str,
) -> Uuid {
    let v = create(
        app,
        token,
        json!({"name": name, "kind": kind, "owner_id": owner, "owned_since": since}),
    )
    .await
    .expect(201);
    uuid(&v["id"])
}

async fn get(app: &TestApp, token: &str, id: Uuid) -> Res {
    app.get(&format!("/v1/accounts/{id}"))
        .token(token)
        .send()
        .await
}

async fn patch(app: &TestApp, token: &str, id: Uuid, body: Value) -> Res {
    app.patch(&format!("/v1/accounts/{id}"))
        .token(token)
        .json(&body)
        .send()
        .await
}

async fn transfer(app: &TestApp, token: &str, id: Uuid, to: Uuid, on: &str) -> Res {
    app.post(&format!("/v1/accounts/{id}/transfer"))
        .token(token)
        .json(&json!({"new_owner_id": to, "effective_on": on, "reason": "Territory realignment"}))
        .send()
        .await
}

async fn convert(app: &TestApp, token: &str, id: Uuid, body: Option<Value>) -> Res {
    let r = app.post(&format!("/v1/accounts/{id}/convert")).token(token);
    match body {
        Some(b) => r.json(&b).send().await,
        None => r.send().await,
    }
}

async fn sync(app: &TestApp, token: &str, source: &str, ext: &str, body: Value) -> Res {
    app.put(&format!("/v1/accounts/external/{source}/{ext}"))
        .token(token)
        .json(&body)
        .send()
        .await
}

async fn batch(app: &TestApp, token: &str, items: &[Value]) -> Res {
    app.post("/v1/accounts/batch")
        .token(token)
        .json(&json!({ "items": items }))
        .send()
        .await
}

type Period = (Uuid, String, Option<String>);

fn period(owner: Uuid, from: &str, to: Option<&str>) -> Period {
    (owner, from.to_string(), to.map(str::to_string))
}

/// The ownership history as (owner, from, to), oldest first.
async fn owners(app: &TestApp, token: &str, id: Uuid) -> Vec<Period> {
    let v = app
        .get(&format!("/v1/accounts/{id}/owners"))
        .token(token)
        .send()
        .await
        .expect(200);
    assert!(v["next_cursor"].is_null(), "{v}");
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                uuid(&o["owner_id"]),
                o["from"].as_str().unwrap().to_string(),
                o["to"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Every account the token lists with `query`, following cursors with pages of
/// `limit`; also returns the number of pages.
async fn pages(app: &TestApp, token: &str, query: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut n = 0;
    loop {
        let mut url = format!("/v1/accounts?limit={limit}{query}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let v = app.get(&url).token(token).send().await.expect(200);
        n += 1;
        let data = v["data"].as_array().unwrap();
        assert!(data.len() <= limit, "{url}: {} rows", data.len());
        out.extend(data.iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(data.len(), limit, "a full page before a cursor");
                cursor = Some(c.to_string());
            }
            None => break,
        }
        assert!(n < 100, "runaway pagination");
    }
    (out, n)
}

/// The ids of every account the token lists with `query`.
async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    let (rows, _) = pages(app, token, query, 200).await;
    let ids: Vec<Uuid> = rows.iter().map(|a| uuid(&a["id"])).collect();
    let unique = set(&ids);
    assert_eq!(unique.len(), ids.len(), "no account twice");
    unique
}

mod conversion;
mod segregation;

mod batches;
mod convert;
mod crm_sync;
mod crud;
mod list;
mod org_day;
mod transfers;
mod visibility;

/// Region (rm)                 <- s_region
/// ├── North (nm)              <- s_north
/// │   └── North East (none)   <- s_ne
/// └── South (sm)              <- s_south
struct Sales {
    org: Org,
    rm: Person,
    nm: Person,
    sm: Person,
    s_region: Person,
    s_north: Person,
    s_ne: Person,
    s_south: Person,
    region: Uuid,
    north: Uuid,
    south: Uuid,
    /// One customer for each salesperson, in the order above.
    a_region: Uuid,
    a_north: Uuid,
    a_ne: Uuid,
    a_south: Uuid,
}

async fn sales_org(app: &TestApp) -> Sales {
    let org = app.org("Acme").await;
    let rm = app.person(&org, "manager", None).await;
    let nm = app.person(&org, "manager", None).await;
    let sm = app.person(&org, "manager", None).await;
    let s_region = app.person(&org, "salesperson", Some("hunter")).await;
    let s_north = app.person(&org, "salesperson", Some("farmer")).await;
    let s_ne = app.person(&org, "salesperson", Some("farmer")).await;
    let s_south = app.person(&org, "salesperson", Some("hybrid")).await;
    let region = app.team(&org, "Region", Some(rm.id), None).await;
    let north = app.team(&org, "North", Some(nm.id), Some(region)).await;
    let ne = app.team(&org, "North East", None, Some(north)).await;
    let south = app.team(&org, "South", Some(sm.id), Some(region)).await;
    app.join(&org, region, s_region.id, "2026-01-01").await;
    app.join(&org, north, s_north.id, "2026-01-01").await;
    app.join(&org, ne, s_ne.id, "2026-01-01").await;
    app.join(&org, south, s_south.id, "2026-01-01").await;
    let a_region = account(app, &org.admin, "R", "prospect", s_region.id, "2026-01-01").await;
    let a_north = account(app, &org.admin, "N", "customer", s_north.id, "2026-01-01").await;
    let a_ne = account(app, &org.admin, "NE", "customer", s_ne.id, "2026-01-01").await;
    let a_south = account(app, &org.admin, "S", "customer", s_south.id, "2026-01-01").await;
    Sales {
        org,
        rm,
        nm,
        sm,
        s_region,
        s_north,
        s_ne,
        s_south,
        region,
        north,
        south,
        a_region,
        a_north,
        a_ne,
        a_south,
    }
}

/// Asserts that `token` sees exactly `visible` among `all`: listed, readable, with
/// readable owners; every other one is 404 for each endpoint.
async fn sees(app: &TestApp, token: &str, all: &[Uuid], visible: &[Uuid]) {
    assert_eq!(listed(app, token, "").await, set(visible));
    for &id in all {
        if visible.contains(&id) {
            get(app, token, id).await.expect(200);
            assert_eq!(owners(app, token, id).await.len(), 1);
        } else {
            get(app, token, id).await.problem(404, "not_found");
            app.get(&format!("/v1/accounts/{id}/owners"))
                .token(token)
                .send()
                .await
                .problem(404, "not_found");
        }
    }
}
