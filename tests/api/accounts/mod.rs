//! Accounts: customers and prospects with one owner, dated ownership, conversion
//! and CRM sync, as clients use them.

use std::collections::BTreeSet;
use std::time::Instant;

use crate::support::*;
use chrono::Duration;
use serde_json::{json, Value};
use uuid::Uuid;

fn days_ago(n: i64) -> String {
    (today() - Duration::days(n)).to_string()
}

/// A new integration client with these scopes: its id and a token.
async fn client(app: &TestApp, org: &Org, scopes: &[&str]) -> (Uuid, String) {
    app.client_token(org, scopes).await
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
    app.new_account(token, &account_body(name, kind, owner, since))
        .await
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
    app.pages(token, "/v1/accounts", query, limit).await
}

/// The ids of every account the token lists with `query`.
async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    app.listed(token, "/v1/accounts", query).await
}

mod conversion;
mod segregation;

mod batches;
mod convert;
mod crm_sync;
mod crud;
mod lenient;
mod list;
mod org_day;
mod splits;
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
    let s = Scenario::new("Acme")
        .manager("rm")
        .manager("nm")
        .manager("sm")
        .salesperson("s_region", "hunter")
        .salesperson("s_north", "farmer")
        .salesperson("s_ne", "farmer")
        .salesperson("s_south", "hybrid")
        .team("Region", Some("rm"), &["s_region"])
        .sub_team("North", Some("nm"), Some("Region"), &["s_north"])
        .sub_team("North East", None, Some("North"), &["s_ne"])
        .sub_team("South", Some("sm"), Some("Region"), &["s_south"])
        .prospect("R", "s_region")
        .customer("N", "s_north")
        .customer("NE", "s_ne")
        .customer("S", "s_south")
        .build(app)
        .await;
    Sales {
        rm: s.person("rm"),
        nm: s.person("nm"),
        sm: s.person("sm"),
        s_region: s.person("s_region"),
        s_north: s.person("s_north"),
        s_ne: s.person("s_ne"),
        s_south: s.person("s_south"),
        region: s.id("Region"),
        north: s.id("North"),
        south: s.id("South"),
        a_region: s.id("R"),
        a_north: s.id("N"),
        a_ne: s.id("NE"),
        a_south: s.id("S"),
        org: s.org,
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
