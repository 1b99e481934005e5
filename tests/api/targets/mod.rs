//! Targets: SMART, agreed, linked to the plan above them; the workflow with the
//! right person and every wrong one, the history, allocation, lists and refusals.

use std::collections::BTreeSet;

use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a string: {v}")))
        .unwrap_or_else(|e| panic!("not RFC 3339 ({e}): {v}"))
        .with_timezone(&Utc)
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
    let s = Scenario::new("Acme")
        .manager("rmgr")
        .manager("mgr")
        .manager("mgr2")
        .salesperson("sp", "farmer")
        .salesperson("mate", "hunter")
        .salesperson("other", "hybrid")
        .salesperson("loner", "farmer")
        .viewer("viewer")
        .team("Region", Some("rmgr"), &[])
        .sub_team("North", Some("mgr"), Some("Region"), &["sp", "mate"])
        .team("South", Some("mgr2"), &["other"])
        .team("Unmanaged", None, &["loner"])
        .client("client", &["read"])
        .build(app)
        .await;
    World {
        rmgr: s.person("rmgr"),
        mgr: s.person("mgr"),
        mgr2: s.person("mgr2"),
        sp: s.person("sp"),
        mate: s.person("mate"),
        other: s.person("other"),
        loner: s.person("loner"),
        viewer: s.person("viewer"),
        client: s.token("client").to_string(),
        region: s.id("Region"),
        north: s.id("North"),
        south: s.id("South"),
        unmanaged: s.id("Unmanaged"),
        org: s.org,
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

async fn account(app: &TestApp, admin: &str, owner: Uuid, name: &str) -> Uuid {
    app.new_account(
        admin,
        &json!({"name": name, "kind": "customer", "owner_id": owner}),
    )
    .await
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

async fn pages(app: &TestApp, token: &str, query: &str, limit: usize) -> (Vec<Value>, usize) {
    app.pages(token, "/v1/targets", query, limit).await
}

async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    app.listed(token, "/v1/targets", query).await
}

/// A 403 whose code names the rule, and the target unchanged.
#[track_caller]
fn own(r: &Res, code: &str) -> Value {
    let v = r.problem(403, code);
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
    v
}
