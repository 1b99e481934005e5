//! Bonus plans: tied to financial outcomes only (revenue, gross profit), with
//! tiers and an optional gate; who sees, sets, changes and deletes them; and how
//! they follow a target's revision.

use std::collections::BTreeSet;

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// North (managed by `mgr`) with `sp` and `mate`; South (managed by `mgr2`) with
/// `other`; a viewer and a read client; and a target of every metric for `sp`.
struct World {
    org: Org,
    mgr: Person,
    mgr2: Person,
    sp: Person,
    mate: Person,
    other: Person,
    viewer: Person,
    client: String,
    north: Uuid,
    south: Uuid,
    /// `sp`'s targets for 2026-Q4.
    revenue: Uuid,
    gross_profit: Uuid,
    activities: Uuid,
    new_accounts: Uuid,
}

async fn world(app: &TestApp) -> World {
    let s = Scenario::north_and_south("Acme")
        .target("revenue", "mgr", |s| {
            person_target(s.id("sp"), "revenue", "100000")
        })
        .target("gross_profit", "mgr", |s| {
            person_target(s.id("sp"), "gross_profit", "30000")
        })
        .target("activities", "mgr", |s| {
            json!({
                "title": "Calls", "subject_type": "user", "subject_id": s.id("sp"),
                "metric": "activities", "activity_kind": "call", "value": 300, "period": "2026-Q4"
            })
        })
        .target("new_accounts", "mgr", |s| {
            person_target(s.id("sp"), "new_accounts", "5")
        })
        .build(app)
        .await;
    World {
        mgr: s.person("mgr"),
        mgr2: s.person("mgr2"),
        sp: s.person("sp"),
        mate: s.person("mate"),
        other: s.person("other"),
        viewer: s.person("viewer"),
        client: s.token("client").to_string(),
        north: s.id("North"),
        south: s.id("South"),
        revenue: s.id("revenue"),
        gross_profit: s.id("gross_profit"),
        activities: s.id("activities"),
        new_accounts: s.id("new_accounts"),
        org: s.org,
    }
}

fn person_target(subject: Uuid, metric: &str, value: &str) -> Value {
    json!({
        "title": format!("Q4 {metric}"), "subject_type": "user", "subject_id": subject,
        "metric": metric, "value": value, "period": "2026-Q4"
    })
}

fn team_target(team: Uuid, metric: &str, value: &str) -> Value {
    json!({
        "title": format!("Team Q4 {metric}"), "subject_type": "team", "subject_id": team,
        "metric": metric, "value": value, "period": "2026-Q4"
    })
}

/// A new target's id (asserted 201).
async fn target(app: &TestApp, token: &str, body: Value) -> Uuid {
    app.new_target(token, &body).await
}

fn tiers() -> Value {
    json!([
        {"attainment_pct": "80", "payout": "500.00"},
        {"attainment_pct": "100", "payout": "1000.00"},
        {"attainment_pct": "120", "payout": "1500.00"}
    ])
}

fn plan(target: Uuid) -> Value {
    json!({"name": "Q4 revenue bonus", "target_id": target, "tiers": tiers()})
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Res {
    app.post("/v1/bonus-plans")
        .token(token)
        .json(body)
        .send()
        .await
}

/// A new plan (asserted 201).
async fn new_plan(app: &TestApp, token: &str, body: Value) -> Value {
    create(app, token, &body).await.expect(201)
}

async fn get(app: &TestApp, token: &str, id: Uuid) -> Res {
    app.get(&format!("/v1/bonus-plans/{id}"))
        .token(token)
        .send()
        .await
}

async fn patch(app: &TestApp, token: &str, id: Uuid, body: Value, if_match: Option<&str>) -> Res {
    let mut r = app.patch(&format!("/v1/bonus-plans/{id}")).token(token);
    if let Some(m) = if_match {
        r = r.header("if-match", m);
    }
    r.json(&body).send().await
}

async fn delete(app: &TestApp, token: &str, id: Uuid) -> Res {
    app.delete(&format!("/v1/bonus-plans/{id}"))
        .token(token)
        .send()
        .await
}

async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    app.listed(token, "/v1/bonus-plans", query).await
}

async fn pages(app: &TestApp, token: &str, query: &str, limit: usize) -> (Vec<Value>, usize) {
    app.pages(token, "/v1/bonus-plans", query, limit).await
}

/// A 422 with this code and exactly these field errors.
#[track_caller]
fn refused(r: &Res, code: &str, errors: &[(&str, &str)]) -> Value {
    let v = r.problem(422, code);
    let want: Vec<(String, String)> = errors.iter().map(|(f, c)| pair(f, c)).collect();
    assert_eq!(field_errors(&v), want, "{v}");
    v
}

async fn step(app: &TestApp, token: &str, id: Uuid, action: &str, body: Option<Value>) -> Res {
    let r = app.post(&format!("/v1/targets/{id}/{action}")).token(token);
    match body {
        Some(b) => r.json(&b).send().await,
        None => r.send().await,
    }
}

mod outcomes;
mod revisions;
mod who_may;
