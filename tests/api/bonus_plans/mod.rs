//! Bonus plans: tied to financial outcomes only (revenue, gross profit), with
//! tiers and an optional gate; who sees, sets, changes and deletes them; and how
//! they follow a target's revision.

use std::collections::BTreeSet;

use crate::support::*;
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
    let org = app.org("Acme").await;
    let mgr = app.person(&org, "manager", None).await;
    let mgr2 = app.person(&org, "manager", None).await;
    let sp = app.person(&org, "salesperson", Some("farmer")).await;
    let mate = app.person(&org, "salesperson", Some("hunter")).await;
    let other = app.person(&org, "salesperson", Some("hybrid")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let north = app.team(&org, "North", Some(mgr.id), None).await;
    let south = app.team(&org, "South", Some(mgr2.id), None).await;
    app.join(&org, north, sp.id, "2026-01-01").await;
    app.join(&org, north, mate.id, "2026-01-01").await;
    app.join(&org, south, other.id, "2026-01-01").await;
    let (cid, _) = app.client(&org, &["read"]).await;
    let client = app.sign(org.id, "client", cid, Some("read"));
    let revenue = target(app, &mgr.token, person_target(sp.id, "revenue", "100000")).await;
    let gross_profit = target(
        app,
        &mgr.token,
        person_target(sp.id, "gross_profit", "30000"),
    )
    .await;
    let activities = target(
        app,
        &mgr.token,
        json!({
            "title": "Calls", "subject_type": "user", "subject_id": sp.id, "metric": "activities",
            "activity_kind": "call", "value": 300, "period": "2026-Q4"
        }),
    )
    .await;
    let new_accounts = target(app, &mgr.token, person_target(sp.id, "new_accounts", "5")).await;
    World {
        org,
        mgr,
        mgr2,
        sp,
        mate,
        other,
        viewer,
        client,
        north,
        south,
        revenue,
        gross_profit,
        activities,
        new_accounts,
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
    let v = app
        .post("/v1/targets")
        .token(token)
        .json(&body)
        .send()
        .await
        .expect(201);
    uuid(&v["id"])
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

/// The ids of every plan the token lists with `query`, following cursors.
async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    let (rows, _) = pages(app, token, query, 200).await;
    let ids: Vec<Uuid> = rows.iter().map(|p| uuid(&p["id"])).collect();
    let unique = set(&ids);
    assert_eq!(unique.len(), ids.len(), "no plan twice");
    unique
}

async fn pages(app: &TestApp, token: &str, query: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut n = 0;
    loop {
        let mut url = format!("/v1/bonus-plans?limit={limit}{query}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let v = app.get(&url).token(token).send().await.expect(200);
        n += 1;
        let data = v["data"].as_array().unwrap();
        assert!(data.len() <= limit);
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

/// The field errors of a 422, as (field, code).
fn field_errors(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {v}"))
        .iter()
        .map(|e| {
            assert!(e["message"].is_string(), "{v}");
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
