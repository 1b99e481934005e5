//! Targets: SMART, agreed, linked to the plan above them; the workflow with the
//! right person and every wrong one, the history, allocation, lists and refusals.

use std::collections::BTreeSet;

use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

fn uuid(v: &Value) -> Uuid {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a string: {v}")))
        .unwrap_or_else(|e| panic!("not RFC 3339 ({e}): {v}"))
        .with_timezone(&Utc)
}

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

fn set(ids: &[Uuid]) -> BTreeSet<Uuid> {
    ids.iter().copied().collect()
}

/// An organisation with a region over North, a separate South, a team without a
/// manager, and people in every role.
struct World {
    org: Org,
    /// Manages Region (and so North below it).
    rmgr: Person,
    /// Manages North.
    mgr: Person,
    /// Manages South.
    mgr2: Person,
    /// In North.
    sp: Person,
    /// In North: `sp`'s teammate.
    mate: Person,
    /// In South.
    other: Person,
    /// In the team without a manager.
    loner: Person,
    viewer: Person,
    /// An integration client with the `read` scope.
    client: String,
    region: Uuid,
    north: Uuid,
    south: Uuid,
    unmanaged: Uuid,
}

async fn world(app: &TestApp) -> World {
    let org = app.org("Acme").await;
    let rmgr = app.person(&org, "manager", None).await;
    let mgr = app.person(&org, "manager", None).await;
    let mgr2 = app.person(&org, "manager", None).await;
    let sp = app.person(&org, "salesperson", Some("farmer")).await;
    let mate = app.person(&org, "salesperson", Some("hunter")).await;
    let other = app.person(&org, "salesperson", Some("hybrid")).await;
    let loner = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let region = app.team(&org, "Region", Some(rmgr.id), None).await;
    let north = app.team(&org, "North", Some(mgr.id), Some(region)).await;
    let south = app.team(&org, "South", Some(mgr2.id), None).await;
    let unmanaged = app.team(&org, "Unmanaged", None, None).await;
    app.join(&org, north, sp.id, "2026-01-01").await;
    app.join(&org, north, mate.id, "2026-01-01").await;
    app.join(&org, south, other.id, "2026-01-01").await;
    app.join(&org, unmanaged, loner.id, "2026-01-01").await;
    let (cid, _) = app.client(&org, &["read"]).await;
    let client = app.sign(org.id, "client", cid, Some("read"));
    World {
        org,
        rmgr,
        mgr,
        mgr2,
        sp,
        mate,
        other,
        loner,
        viewer,
        client,
        region,
        north,
        south,
        unmanaged,
    }
}

/// A person's revenue target for 2026-Q4.
fn revenue(subject: Uuid, value: &str) -> Value {
    json!({
        "title": "Q4 revenue", "subject_type": "user", "subject_id": subject,
        "metric": "revenue", "value": value, "period": "2026-Q4"
    })
}

/// A team's revenue target for 2026-Q4.
fn team_revenue(team: Uuid, value: &str) -> Value {
    json!({
        "title": "Team Q4 revenue", "subject_type": "team", "subject_id": team,
        "metric": "revenue", "value": value, "period": "2026-Q4"
    })
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
    app.post("/v1/targets").token(token).json(body).send().await
}

/// A new target (asserted 201).
async fn target(app: &TestApp, token: &str, body: Value) -> Value {
    create(app, token, &body).await.expect(201)
}

async fn get(app: &TestApp, token: &str, id: Uuid) -> Res {
    app.get(&format!("/v1/targets/{id}"))
        .token(token)
        .send()
        .await
}

async fn patch(app: &TestApp, token: &str, id: Uuid, body: Value, if_match: Option<&str>) -> Res {
    let mut r = app.patch(&format!("/v1/targets/{id}")).token(token);
    if let Some(m) = if_match {
        r = r.header("if-match", m);
    }
    r.json(&body).send().await
}

/// `POST /v1/targets/{id}/{action}`, with a JSON body or none.
async fn step(app: &TestApp, token: &str, id: Uuid, action: &str, body: Option<&Value>) -> Res {
    let r = app.post(&format!("/v1/targets/{id}/{action}")).token(token);
    match body {
        Some(b) => r.json(b).send().await,
        None => r.send().await,
    }
}

async fn propose(app: &TestApp, token: &str, id: Uuid) -> Value {
    step(app, token, id, "propose", None).await.expect(200)
}

async fn agree(app: &TestApp, token: &str, id: Uuid) -> Value {
    step(app, token, id, "agree", None).await.expect(200)
}

async fn revise(app: &TestApp, token: &str, id: Uuid, value: &str) -> Value {
    step(app, token, id, "revise", Some(&json!({ "value": value })))
        .await
        .expect(201)
}

async fn cancel(app: &TestApp, token: &str, id: Uuid) -> Value {
    step(app, token, id, "cancel", None).await.expect(200)
}

/// The status and version of a target, read by an admin.
async fn state(app: &TestApp, admin: &str, id: Uuid) -> (String, i64) {
    let v = get(app, admin, id).await.expect(200);
    (
        v["status"].as_str().unwrap().to_string(),
        v["version"].as_i64().unwrap(),
    )
}

/// Each of `who` (name, token, status) is refused `action` on `id`: 403 for those
/// who see the target, 404 for those who do not; the target does not change.
async fn refused_by(
    app: &TestApp,
    admin: &str,
    id: Uuid,
    action: &str,
    body: Option<&Value>,
    who: &[(&str, &str, u16)],
) {
    refused_with(app, admin, id, action, body, &coded(who)).await
}

/// (name, token, status, code): `forbidden` for 403, `not_found` for 404.
fn coded<'a>(who: &[(&'a str, &'a str, u16)]) -> Vec<(&'a str, &'a str, u16, &'a str)> {
    who.iter()
        .map(|(name, token, status)| {
            let code = if *status == 404 {
                "not_found"
            } else {
                "forbidden"
            };
            (*name, *token, *status, code)
        })
        .collect()
}

/// Each of `who` (name, token, status, code) is refused `action` on `id` with
/// that problem; the target does not change.
async fn refused_with(
    app: &TestApp,
    admin: &str,
    id: Uuid,
    action: &str,
    body: Option<&Value>,
    who: &[(&str, &str, u16, &str)],
) {
    let before = state(app, admin, id).await;
    for (name, token, status, code) in who {
        let r = step(app, token, id, action, body).await;
        assert_eq!(
            r.status.as_u16(),
            *status,
            "{action} by {name}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(*status, code);
    }
    assert_eq!(
        state(app, admin, id).await,
        before,
        "{action} changed nothing"
    );
}

/// `a` and then `b`.
fn joined<'a>(
    a: &[(&'a str, &'a str, u16)],
    b: &[(&'a str, &'a str, u16)],
) -> Vec<(&'a str, &'a str, u16)> {
    a.iter().chain(b).copied().collect()
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

/// A 422 whose `code` is `code` and whose only field error is (`field`, `field_code`).
#[track_caller]
fn refused(r: &Res, code: &str, field: &str, field_code: &str) -> Value {
    let v = r.problem(422, code);
    assert_eq!(field_errors(&v), vec![pair(field, field_code)], "{v}");
    v
}

/// A 422 that breaks the rule `code` on `field`: the problem's code names the rule.
#[track_caller]
fn broke(r: &Res, code: &str, field: &str) -> Value {
    refused(r, code, field, code)
}

/// A 409 `invalid_transition`.
#[track_caller]
fn out_of_turn(r: &Res) -> Value {
    r.problem(409, "invalid_transition")
}

mod allocation;
mod creation;
mod history;
mod lists;
mod person_workflow;
mod refusals;
mod segregation;
mod subjects_and_parents;
mod team_workflow;
mod tenants;
mod who_may;

async fn list_len(app: &TestApp, token: &str, query: &str) -> usize {
    app.get(&format!("/v1/targets?limit=200{query}"))
        .token(token)
        .send()
        .await
        .expect(200)["data"]
        .as_array()
        .unwrap()
        .len()
}

/// A new customer owned by `owner`.
async fn account(app: &TestApp, admin: &str, owner: Uuid, name: &str) -> Uuid {
    let v = app
        .post("/v1/accounts")
        .token(admin)
        .json(&json!({"name": name, "kind": "customer", "owner_id": owner}))
        .send()
        .await
        .expect(201);
    uuid(&v["id"])
}

async fn history(app: &TestApp, token: &str, id: Uuid) -> Vec<Value> {
    let v = app
        .get(&format!("/v1/targets/{id}/history"))
        .token(token)
        .send()
        .await
        .expect(200);
    assert!(v["next_cursor"].is_null(), "{v}");
    v["data"].as_array().unwrap().clone()
}

async fn allocation(app: &TestApp, token: &str, id: Uuid) -> Value {
    app.get(&format!("/v1/targets/{id}/allocation"))
        .token(token)
        .send()
        .await
        .expect(200)
}

fn child(id: Uuid, value: &str, share: &str, status: &str) -> (Uuid, String, String, String) {
    (id, value.into(), share.into(), status.into())
}

/// Every target the token lists with `query`, following cursors with pages of
/// `limit`; also returns the number of pages.
async fn pages(app: &TestApp, token: &str, query: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut n = 0;
    loop {
        let mut url = format!("/v1/targets?limit={limit}{query}");
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

async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    let (rows, _) = pages(app, token, query, 200).await;
    let ids: Vec<Uuid> = rows.iter().map(|t| uuid(&t["id"])).collect();
    let unique = set(&ids);
    assert_eq!(unique.len(), ids.len(), "no target twice");
    unique
}

/// A 403 whose code names the rule, and the target unchanged.
#[track_caller]
fn own(r: &Res, code: &str) -> Value {
    let v = r.problem(403, code);
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
    v
}
