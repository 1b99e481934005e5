//! Targets: SMART, agreed, linked to the plan above them; the workflow with the
//! right person and every wrong one, the history, allocation, lists and refusals.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use common::*;
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

// ---------------------------------------------------------------- creation and SMART

#[actix_web::test]
async fn targets_for_people_teams_and_the_organisation_with_a_smart_assessment() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let before = Utc::now();

    // A person's revenue target for a quarter, set by their manager.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "125000"),
            json!({"title": "  Q4 revenue  ", "description": " Grow the base "}),
        ),
    )
    .await;
    let v = r.expect(201);
    let id = uuid(&v["id"]);
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/v1/targets/{id}").as_str())
    );
    assert_eq!(v["title"], "Q4 revenue", "trimmed");
    assert_eq!(v["description"], "Grow the base");
    assert_eq!(v["subject_type"], "user");
    assert_eq!(uuid(&v["subject_id"]), w.sp.id);
    assert!(v["account_id"].is_null());
    assert_eq!(v["metric"], "revenue");
    assert!(v["activity_kind"].is_null());
    assert_eq!(v["value"], "125000.00", "money with cents");
    assert_eq!(v["currency"], "EUR", "the organisation's by default");
    assert_eq!(v["period"], "2026-Q4");
    assert_eq!(v["starts_on"], "2026-10-01");
    assert_eq!(v["ends_on"], "2026-12-31");
    assert!(v["parent_id"].is_null());
    assert_eq!(v["status"], "draft");
    assert_eq!(v["revision"], 1);
    assert!(v["revision_of"].is_null());
    assert!(v["agreed_at"].is_null() && v["agreed_by"].is_null());
    assert_eq!(uuid(&v["created_by"]), w.mgr.id);
    assert_eq!(v["version"], 1);
    let created = instant(&v["created_at"]);
    assert!(created >= before - Duration::seconds(1) && created <= Utc::now());
    instant(&v["updated_at"]);
    // SMART: specific, measurable, in remit and timed; no results yet.
    let smart = &v["smart"];
    assert_eq!(smart["specific"], true);
    assert_eq!(smart["measurable"], true);
    assert_eq!(smart["in_remit"], true);
    assert_eq!(smart["timed"], true);
    assert_eq!(smart["attainable"]["rating"], "no_history");
    assert!(smart["attainable"]["ratio"].is_null());
    assert_eq!(
        smart["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 quarters"
    );
    // The same when read back.
    let r = get(&app, &w.sp.token, id).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(r.expect(200), v);

    // A team's gross profit over explicit days: no period key.
    let v = target(
        &app,
        &w.org.admin,
        json!({
            "title": "Margin", "subject_type": "team", "subject_id": w.north,
            "metric": "gross_profit", "value": 40000.5, "currency": "EUR",
            "starts_on": "2026-10-15", "ends_on": "2026-12-15"
        }),
    )
    .await;
    assert_eq!(v["subject_type"], "team");
    assert_eq!(uuid(&v["subject_id"]), w.north);
    assert_eq!(v["metric"], "gross_profit");
    assert_eq!(v["value"], "40000.50", "a JSON number is read as a decimal");
    assert_eq!(v["currency"], "EUR");
    assert!(v["period"].is_null());
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-10-15"), Some("2026-12-15"))
    );
    assert_eq!(uuid(&v["created_by"]), w.org.admin_id);
    assert_eq!(v["smart"]["measurable"], true);
    assert_eq!(v["smart"]["timed"], true);
    assert_eq!(v["smart"]["attainable"]["rating"], "no_history");
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 periods"
    );

    // The organisation's new accounts for the year: no subject, no currency.
    let v = target(
        &app,
        &w.org.admin,
        json!({
            "title": "New logos", "subject_type": "org", "metric": "new_accounts",
            "value": "24", "period": "2026"
        }),
    )
    .await;
    assert_eq!(v["subject_type"], "org");
    assert!(v["subject_id"].is_null());
    assert!(v["currency"].is_null(), "counts have no currency");
    assert_eq!(v["value"], "24.00");
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-01-01"), Some("2026-12-31"))
    );
    assert_eq!(v["smart"]["measurable"], true);
    assert_eq!(v["smart"]["attainable"]["rating"], "no_history");
    assert!(v["smart"]["attainable"]["ratio"].is_null());
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 years"
    );

    // Activities of one kind for a month and for an ISO week.
    let v = target(
        &app,
        &w.mgr.token,
        json!({
            "title": "Calls", "subject_type": "user", "subject_id": w.mate.id,
            "metric": "activities", "activity_kind": "call", "value": 120, "period": "2026-11"
        }),
    )
    .await;
    assert_eq!(v["metric"], "activities");
    assert_eq!(v["activity_kind"], "call");
    assert!(v["currency"].is_null());
    assert_eq!(
        (
            v["period"].as_str(),
            v["starts_on"].as_str(),
            v["ends_on"].as_str()
        ),
        (Some("2026-11"), Some("2026-11-01"), Some("2026-11-30"))
    );
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 months"
    );
    let v = target(
        &app,
        &w.mgr.token,
        json!({
            "title": "Site visits", "subject_type": "user", "subject_id": w.mate.id,
            "metric": "activities", "activity_kind": "site_visit", "value": "5", "period": "2026-W48"
        }),
    )
    .await;
    assert_eq!(
        v["activity_kind"], "site_visit",
        "the organisation's own kind"
    );
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-11-23"), Some("2026-11-29"))
    );
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 weeks"
    );
    for kind in ["meeting", "demo", "proposal"] {
        let v = target(
            &app,
            &w.mgr.token,
            json!({
                "title": kind, "subject_type": "user", "subject_id": w.sp.id,
                "metric": "activities", "activity_kind": kind, "value": "10", "period": "2026-12"
            }),
        )
        .await;
        assert_eq!(v["activity_kind"], kind);
    }

    // A target for one account the person owns.
    let acc = app
        .post("/v1/accounts")
        .token(&w.org.admin)
        .json(&json!({"name": "Contoso", "kind": "customer", "owner_id": w.sp.id}))
        .send()
        .await
        .expect(201);
    let v = target(
        &app,
        &w.mgr.token,
        with(
            revenue(w.sp.id, "5000.00"),
            json!({"account_id": acc["id"].clone()}),
        ),
    )
    .await;
    assert_eq!(v["account_id"], acc["id"]);
}

#[actix_web::test]
async fn period_keys_follow_a_fiscal_year() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.patch("/v1/org")
        .token(&w.org.admin)
        .json(&json!({"fiscal_year_start_month": 4}))
        .send()
        .await
        .expect(200);
    for (key, starts, ends) in [
        ("FY2027-Q1", "2026-04-01", "2026-06-30"),
        ("FY2027-Q2", "2026-07-01", "2026-09-30"),
        ("FY2027-Q3", "2026-10-01", "2026-12-31"),
        ("FY2027-Q4", "2027-01-01", "2027-03-31"),
        ("FY2027", "2026-04-01", "2027-03-31"),
        // Calendar keys are still read.
        ("2026-Q4", "2026-10-01", "2026-12-31"),
        ("2026-11", "2026-11-01", "2026-11-30"),
        ("2026-W53", "2026-12-28", "2027-01-03"),
    ] {
        let v = target(
            &app,
            &w.mgr.token,
            with(revenue(w.sp.id, "1000"), json!({ "period": key })),
        )
        .await;
        assert_eq!(
            (
                v["period"].as_str(),
                v["starts_on"].as_str(),
                v["ends_on"].as_str()
            ),
            (Some(key), Some(starts), Some(ends)),
            "{key}"
        );
        assert_eq!(v["smart"]["timed"], true);
    }
    // A fiscal key before the year turns: FY2026-Q4 is January to March 2026.
    let v = target(
        &app,
        &w.mgr.token,
        with(revenue(w.sp.id, "1000"), json!({ "period": "FY2026-Q4" })),
    )
    .await;
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-01-01"), Some("2026-03-31"))
    );
    let v = target(
        &app,
        &w.mgr.token,
        with(revenue(w.sp.id, "1000"), json!({ "period": "FY2027-Q1" })),
    )
    .await;
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 quarters"
    );
    // The list filter reads fiscal keys too.
    let l = app
        .get("/v1/targets?period=FY2027-Q1")
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    let keys: Vec<&str> = l["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["period"].as_str().unwrap())
        .collect();
    // FY2027-Q1 (April to June 2026) overlaps the fiscal year and itself.
    assert_eq!(keys, vec!["FY2027-Q1", "FY2027", "FY2027-Q1"]);
}

// ---------------------------------------------------------------- refusals

#[actix_web::test]
async fn metrics_outside_the_remit_are_refused_with_an_explanation() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for metric in [
        "net_profit",
        "net_income",
        "ebitda",
        "EBITDA",
        "Net Profit",
        "net-margin",
        "operating_profit",
        "ebit",
        "profit_after_tax",
    ] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1000"), json!({ "metric": metric })),
        )
        .await;
        let v = broke(&r, "metric_not_in_remit", "metric");
        let detail = v["detail"].as_str().unwrap();
        assert!(
            detail.contains("revenue") && detail.contains("gross_profit"),
            "{metric}: the detail points to revenue or gross profit: {detail}"
        );
        assert!(
            detail.contains("not in their remit"),
            "{metric}: the detail says why: {detail}"
        );
        assert!(detail.starts_with(metric), "{detail}");
    }
    // The refusal names the rule even with other invalid fields alongside.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"metric": "net_profit", "title": " "}),
        ),
    )
    .await;
    let v = r.problem(422, "metric_not_in_remit");
    assert_eq!(
        field_errors(&v),
        vec![
            pair("metric", "metric_not_in_remit"),
            pair("title", "required")
        ]
    );
    assert!(v["detail"].as_str().unwrap().contains("gross_profit"));
    assert_eq!(list_len(&app, &w.org.admin, "").await, 0, "nothing stored");
}

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

#[actix_web::test]
async fn unknown_metrics_are_refused() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for metric in ["happiness", "", "revenue_growth", "profit"] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1000"), json!({ "metric": metric })),
        )
        .await;
        let v = broke(&r, "unknown_metric", "metric");
        assert!(
            v["detail"].as_str().unwrap().contains("gross_profit"),
            "{v}"
        );
    }
    // A metric that is not a string is not a metric at all.
    let r = create(
        &app,
        &w.mgr.token,
        &with(revenue(w.sp.id, "1000"), json!({ "metric": 7 })),
    )
    .await;
    refused(&r, "validation_failed", "metric", "invalid_type");
    // An unknown metric and a value of 0: the first rule broken names the problem.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "0"),
            json!({"metric": "happiness", "value": 0}),
        ),
    )
    .await;
    let v = r.problem(422, "unknown_metric");
    assert_eq!(
        field_errors(&v),
        vec![
            pair("metric", "unknown_metric"),
            pair("value", "value_not_positive")
        ]
    );
}

#[actix_web::test]
async fn values_must_be_positive_numbers() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for value in [
        json!(0),
        json!("0"),
        json!(-5),
        json!("-0.01"),
        json!("0.00"),
    ] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1"), json!({ "value": value })),
        )
        .await;
        let v = broke(&r, "value_not_positive", "value");
        assert_eq!(v["detail"], "must be a number greater than 0");
    }
    // Counts too.
    let r = create(
        &app,
        &w.mgr.token,
        &json!({
            "title": "Calls", "subject_type": "user", "subject_id": w.sp.id,
            "metric": "activities", "activity_kind": "call", "value": -3, "period": "2026-11"
        }),
    )
    .await;
    broke(&r, "value_not_positive", "value");
    // Not numbers at all: 422 validation_failed on the value.
    for value in [
        json!("abc"),
        json!(""),
        json!(true),
        json!([1]),
        json!("12,5"),
    ] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1"), json!({ "value": value })),
        )
        .await;
        let v = r.problem(422, "validation_failed");
        let errors = field_errors(&v);
        assert_eq!(errors.len(), 1, "{v}");
        assert_eq!(errors[0].0, "value", "{value}: {v}");
    }
    let r = create(
        &app,
        &w.mgr.token,
        &with(revenue(w.sp.id, "1"), json!({ "value": Value::Null })),
    )
    .await;
    refused(&r, "validation_failed", "value", "required");
    // Money in cents, counts whole, and not beyond what can be stored.
    let r = create(&app, &w.mgr.token, &revenue(w.sp.id, "100.005")).await;
    refused(&r, "validation_failed", "value", "too_precise");
    let r = create(&app, &w.mgr.token, &revenue(w.sp.id, "100000000000000000")).await;
    refused(&r, "validation_failed", "value", "out_of_range");
    let r = create(
        &app,
        &w.mgr.token,
        &json!({
            "title": "Logos", "subject_type": "user", "subject_id": w.sp.id,
            "metric": "new_accounts", "value": "2.5", "period": "2026-Q4"
        }),
    )
    .await;
    refused(&r, "validation_failed", "value", "not_whole");
    // Trailing zeros are fine; scientific notation is not.
    let v = target(&app, &w.mgr.token, revenue(w.sp.id, "100.500")).await;
    assert_eq!(v["value"], "100.50");
    let r = create(&app, &w.mgr.token, &revenue(w.sp.id, "1e3")).await;
    refused(&r, "validation_failed", "value", "invalid_value");
}

#[actix_web::test]
async fn periods_must_be_known_and_end_after_they_start() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for key in [
        "2026-Q5",
        "2026-Q0",
        "Q4",
        "2026-13",
        "2026-00",
        "2026-W54",
        "2026-W7",
        "fy2027",
        "FY27",
        "0999",
        "9999",
        "next quarter",
        "",
    ] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1000"), json!({ "period": key })),
        )
        .await;
        let v = broke(&r, "unknown_period", "period");
        assert!(v["detail"].as_str().unwrap().contains("2026-Q4"), "{v}");
    }
    // Explicit days that end before they start.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"period": null, "starts_on": "2026-12-31", "ends_on": "2026-10-01"}),
        ),
    )
    .await;
    broke(&r, "period_ends_before_start", "ends_on");
    // One day is a period.
    let v = target(
        &app,
        &w.mgr.token,
        with(
            revenue(w.sp.id, "1000"),
            json!({"period": null, "starts_on": "2026-12-01", "ends_on": "2026-12-01"}),
        ),
    )
    .await;
    assert_eq!(v["smart"]["timed"], true);
    // A key and days, or neither: other invalid input.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"starts_on": "2026-10-01", "ends_on": "2026-12-31"}),
        ),
    )
    .await;
    refused(&r, "validation_failed", "period", "period_or_days");
    let r = create(
        &app,
        &w.mgr.token,
        &with(revenue(w.sp.id, "1000"), json!({ "period": null })),
    )
    .await;
    refused(&r, "validation_failed", "period", "required");
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"period": null, "starts_on": "2026-10-01"}),
        ),
    )
    .await;
    refused(&r, "validation_failed", "period", "required");
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"period": null, "starts_on": "2026-02-30", "ends_on": "2026-03-31"}),
        ),
    )
    .await;
    refused(&r, "validation_failed", "starts_on", "invalid_value");
}

#[actix_web::test]
async fn money_targets_are_in_the_organisations_currency() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for cur in ["USD", "GBP", "eur", "EURO"] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1000"), json!({ "currency": cur })),
        )
        .await;
        let v = broke(&r, "currency_mismatch", "currency");
        assert!(v["detail"].as_str().unwrap().contains("EUR"), "{v}");
    }
    let r = create(
        &app,
        &w.mgr.token,
        &json!({
            "title": "Margin", "subject_type": "user", "subject_id": w.sp.id,
            "metric": "gross_profit", "value": "1000", "currency": "USD", "period": "2026-Q4"
        }),
    )
    .await;
    broke(&r, "currency_mismatch", "currency");
    // The organisation's own is fine; counts have none.
    let v = target(
        &app,
        &w.mgr.token,
        with(revenue(w.sp.id, "1000"), json!({"currency": "EUR"})),
    )
    .await;
    assert_eq!(v["currency"], "EUR");
    let r = create(
        &app,
        &w.mgr.token,
        &json!({
            "title": "Calls", "subject_type": "user", "subject_id": w.sp.id, "currency": "EUR",
            "metric": "activities", "activity_kind": "call", "value": 10, "period": "2026-11"
        }),
    )
    .await;
    refused(&r, "validation_failed", "currency", "not_applicable");
    // Once money targets exist, the reporting currency no longer changes.
    app.patch("/v1/org")
        .token(&w.org.admin)
        .json(&json!({"currency": "USD"}))
        .send()
        .await
        .problem(409, "currency_locked");
    // Before any, it may: a new organisation moves to USD and targets follow it.
    let other = app.org("Dollar Co").await;
    app.patch("/v1/org")
        .token(&other.admin)
        .json(&json!({"currency": "USD"}))
        .send()
        .await
        .expect(200);
    let sp = app.person(&other, "salesperson", Some("farmer")).await;
    let v = target(
        &app,
        &other.admin,
        with(revenue(sp.id, "1000"), json!({"currency": "USD"})),
    )
    .await;
    assert_eq!(v["currency"], "USD");
    let r = create(
        &app,
        &other.admin,
        &with(revenue(sp.id, "1000"), json!({"currency": "EUR"})),
    )
    .await;
    broke(&r, "currency_mismatch", "currency");
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

#[actix_web::test]
async fn an_account_target_needs_an_account_the_subject_owns() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mine = account(&app, &w.org.admin, w.sp.id, "Mine").await;
    let mates = account(&app, &w.org.admin, w.mate.id, "Mate's").await;
    // Someone else's account.
    let r = create(
        &app,
        &w.mgr.token,
        &with(revenue(w.sp.id, "1000"), json!({ "account_id": mates })),
    )
    .await;
    let v = broke(&r, "account_not_owned", "account_id");
    assert!(v["detail"].as_str().unwrap().contains("own"), "{v}");
    // A team or the organisation owns no account.
    let r = create(
        &app,
        &w.rmgr.token,
        &with(team_revenue(w.north, "1000"), json!({ "account_id": mine })),
    )
    .await;
    broke(&r, "account_not_owned", "account_id");
    let r = create(
        &app,
        &w.org.admin,
        &json!({
            "title": "Org", "subject_type": "org", "metric": "revenue", "value": "1000",
            "period": "2026", "account_id": mine
        }),
    )
    .await;
    broke(&r, "account_not_owned", "account_id");
    // No such account (or another organisation's): not found.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({ "account_id": Uuid::now_v7() }),
        ),
    )
    .await;
    refused(&r, "validation_failed", "account_id", "not_found");
    let org2 = app.org("Other").await;
    let seller2 = app.person(&org2, "salesperson", None).await;
    let theirs = account(&app, &org2.admin, seller2.id, "Theirs").await;
    let r = create(
        &app,
        &w.mgr.token,
        &with(revenue(w.sp.id, "1000"), json!({ "account_id": theirs })),
    )
    .await;
    refused(&r, "validation_failed", "account_id", "not_found");
    // Owned: fine; and a draft cannot be moved to someone else's account.
    let v = target(
        &app,
        &w.mgr.token,
        with(revenue(w.sp.id, "1000"), json!({ "account_id": mine })),
    )
    .await;
    let id = uuid(&v["id"]);
    let r = patch(&app, &w.mgr.token, id, json!({ "account_id": mates }), None).await;
    broke(&r, "account_not_owned", "account_id");
    let v = patch(&app, &w.mgr.token, id, json!({ "account_id": null }), None)
        .await
        .expect(200);
    assert!(v["account_id"].is_null());
}

#[actix_web::test]
async fn subjects_must_exist_in_the_organisation() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org2 = app.org("Other").await;
    let stranger = app.person(&org2, "salesperson", None).await;
    let their_team = app.team(&org2, "Theirs", None, None).await;
    for (kind, id) in [
        ("user", Uuid::now_v7()),
        ("user", stranger.id),
        ("user", w.north),
        ("team", Uuid::now_v7()),
        ("team", their_team),
        ("team", w.sp.id),
    ] {
        let r = create(
            &app,
            &w.org.admin,
            &with(
                revenue(w.sp.id, "1000"),
                json!({"subject_type": kind, "subject_id": id}),
            ),
        )
        .await;
        broke(&r, "subject_not_found", "subject_id");
    }
    // Missing or superfluous subject ids, unknown subject types, deactivated people.
    let r = create(
        &app,
        &w.org.admin,
        &with(revenue(w.sp.id, "1000"), json!({"subject_id": null})),
    )
    .await;
    refused(&r, "validation_failed", "subject_id", "required");
    let r = create(
        &app,
        &w.org.admin,
        &with(revenue(w.sp.id, "1000"), json!({"subject_type": "org"})),
    )
    .await;
    refused(&r, "validation_failed", "subject_id", "not_applicable");
    let r = create(
        &app,
        &w.org.admin,
        &with(revenue(w.sp.id, "1000"), json!({"subject_type": "region"})),
    )
    .await;
    refused(&r, "validation_failed", "subject_type", "invalid_choice");
    let gone = app.person(&w.org, "salesperson", None).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    let r = create(&app, &w.org.admin, &revenue(gone.id, "1000")).await;
    refused(&r, "validation_failed", "subject_id", "subject_inactive");
}

#[actix_web::test]
async fn other_invalid_input_is_validation_failed() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let calls = json!({
        "title": "Calls", "subject_type": "user", "subject_id": w.sp.id,
        "metric": "activities", "activity_kind": "call", "value": 10, "period": "2026-11"
    });
    for (body, field, code) in [
        (
            with(calls.clone(), json!({"activity_kind": null})),
            "activity_kind",
            "required",
        ),
        (
            with(calls.clone(), json!({"activity_kind": "Call!"})),
            "activity_kind",
            "invalid_kind",
        ),
        (
            with(revenue(w.sp.id, "1"), json!({"activity_kind": "call"})),
            "activity_kind",
            "not_applicable",
        ),
        (
            with(revenue(w.sp.id, "1"), json!({"title": "   "})),
            "title",
            "required",
        ),
        (
            with(revenue(w.sp.id, "1"), json!({"title": "x".repeat(201)})),
            "title",
            "too_long",
        ),
        (
            with(revenue(w.sp.id, "1"), json!({"title": null})),
            "title",
            "required",
        ),
        (
            with(revenue(w.sp.id, "1"), json!({"status": "agreed"})),
            "status",
            "unknown_field",
        ),
        (
            with(revenue(w.sp.id, "1"), json!({"agreed_by": w.sp.id})),
            "agreed_by",
            "unknown_field",
        ),
        (
            with(revenue(w.sp.id, "1"), json!({"parent_id": "nope"})),
            "parent_id",
            "invalid_value",
        ),
    ] {
        let r = create(&app, &w.mgr.token, &body).await;
        refused(&r, "validation_failed", field, code);
    }
    app.post("/v1/targets")
        .token(&w.mgr.token)
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/targets")
        .token(&w.mgr.token)
        .body("text/plain", revenue(w.sp.id, "1").to_string())
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.post("/v1/targets")
        .json(&revenue(w.sp.id, "1"))
        .send()
        .await
        .problem(401, "missing_token");
    assert_eq!(list_len(&app, &w.org.admin, "").await, 0, "nothing stored");
}

#[actix_web::test]
async fn a_parent_is_a_live_team_or_org_target_of_the_same_metric_holding_the_days() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let parent = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "10000")).await["id"]);
    let person = uuid(&target(&app, &w.mgr.token, revenue(w.mate.id, "1000")).await["id"]);
    let margin = uuid(
        &target(
            &app,
            &w.rmgr.token,
            with(
                team_revenue(w.north, "5000"),
                json!({"metric": "gross_profit"}),
            ),
        )
        .await["id"],
    );
    let calls = uuid(
        &target(
            &app,
            &w.rmgr.token,
            json!({
                "title": "Calls", "subject_type": "team", "subject_id": w.north,
                "metric": "activities", "activity_kind": "call", "value": 100, "period": "2026-Q4"
            }),
        )
        .await["id"],
    );
    let cancelled = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "9000")).await["id"]);
    cancel(&app, &w.rmgr.token, cancelled).await;
    let child = |parent: Uuid| with(revenue(w.sp.id, "1000"), json!({ "parent_id": parent }));

    for (body, why) in [
        (
            child(person),
            "the parent must be a team or organisation target",
        ),
        (child(margin), "the parent measures gross_profit"),
        (child(cancelled), "the parent is cancelled"),
        (
            with(child(parent), json!({"period": "2027-Q1"})),
            "the days must lie within the parent's, 2026-10-01 to 2026-12-31",
        ),
        (
            with(child(parent), json!({"period": "2026"})),
            "the days must lie within the parent's, 2026-10-01 to 2026-12-31",
        ),
        (
            json!({
                "title": "Demos", "subject_type": "user", "subject_id": w.sp.id, "parent_id": calls,
                "metric": "activities", "activity_kind": "demo", "value": 10, "period": "2026-11"
            }),
            "the parent measures activities",
        ),
    ] {
        let r = create(&app, &w.mgr.token, &body).await;
        let v = broke(&r, "invalid_parent", "parent_id");
        assert_eq!(v["detail"], why);
    }
    // No such target, or one the caller cannot see (another team's).
    let r = create(&app, &w.mgr.token, &child(Uuid::now_v7())).await;
    refused(&r, "validation_failed", "parent_id", "not_found");
    let south = uuid(&target(&app, &w.org.admin, team_revenue(w.south, "7000")).await["id"]);
    let r = create(&app, &w.mgr.token, &child(south)).await;
    refused(&r, "validation_failed", "parent_id", "not_found");
    // Within the days, same metric (and kind): fine.
    let v = target(
        &app,
        &w.mgr.token,
        with(child(parent), json!({"period": "2026-11"})),
    )
    .await;
    assert_eq!(uuid(&v["parent_id"]), parent);
    let v = target(
        &app,
        &w.mgr.token,
        json!({
            "title": "Calls", "subject_type": "user", "subject_id": w.sp.id, "parent_id": calls,
            "metric": "activities", "activity_kind": "call", "value": 10, "period": "2026-W48"
        }),
    )
    .await;
    assert_eq!(uuid(&v["parent_id"]), calls);
    // A team target cannot contribute to itself.
    let r = patch(
        &app,
        &w.rmgr.token,
        parent,
        json!({ "parent_id": parent }),
        None,
    )
    .await;
    let v = broke(&r, "invalid_parent", "parent_id");
    assert_eq!(
        v["detail"],
        "a target cannot contribute to itself, directly or through the targets above it"
    );
    // A draft's days cannot leave its parent's.
    let r = patch(
        &app,
        &w.mgr.token,
        uuid(&only_id(&app, &w.org.admin, &format!("?parent_id={parent}")).await),
        json!({ "period": "2027-01" }),
        None,
    )
    .await;
    broke(&r, "invalid_parent", "parent_id");
}

/// The id of the only target listed with `query`.
async fn only_id(app: &TestApp, token: &str, query: &str) -> Value {
    let v = app
        .get(&format!("/v1/targets{query}"))
        .token(token)
        .send()
        .await
        .expect(200);
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{v}");
    data[0]["id"].clone()
}

// ---------------------------------------------------------------- who may set and see

#[actix_web::test]
async fn managers_set_targets_for_todays_members_of_the_teams_they_manage() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // Managers: their people, the teams below theirs and their managers.
    target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await;
    target(&app, &w.rmgr.token, revenue(w.mate.id, "1000")).await;
    target(&app, &w.rmgr.token, team_revenue(w.north, "1000")).await;
    target(&app, &w.rmgr.token, revenue(w.mgr.id, "1000")).await;
    target(&app, &w.mgr2.token, revenue(w.other.id, "1000")).await;
    // Admins: anyone, any team, the organisation.
    target(&app, &w.org.admin, revenue(w.loner.id, "1000")).await;
    target(&app, &w.org.admin, team_revenue(w.unmanaged, "1000")).await;
    target(&app, &w.org.admin, team_revenue(w.region, "1000")).await;
    let org_target = json!({
        "title": "Org", "subject_type": "org", "metric": "revenue", "value": "1000", "period": "2026"
    });
    target(&app, &w.org.admin, org_target.clone()).await;

    // Not their people, not their teams, not the organisation; and nobody what
    // they answer for (their own, their team's).
    for (token, body, code) in [
        (&w.mgr.token, revenue(w.other.id, "1000"), "forbidden"),
        (&w.mgr.token, revenue(w.loner.id, "1000"), "forbidden"),
        (&w.mgr.token, revenue(w.rmgr.id, "1000"), "forbidden"),
        (&w.mgr.token, team_revenue(w.region, "1000"), "forbidden"),
        (&w.mgr.token, team_revenue(w.south, "1000"), "forbidden"),
        (&w.mgr.token, org_target.clone(), "forbidden"),
        (&w.mgr.token, revenue(w.mgr.id, "1000"), "own_target"),
        (&w.mgr.token, team_revenue(w.north, "1000"), "own_team"),
        (&w.rmgr.token, team_revenue(w.region, "1000"), "own_team"),
        (&w.mgr2.token, revenue(w.sp.id, "1000"), "forbidden"),
        (&w.mgr2.token, revenue(w.mgr.id, "1000"), "forbidden"),
        (&w.mgr2.token, team_revenue(w.north, "1000"), "forbidden"),
        (&w.rmgr.token, revenue(w.other.id, "1000"), "forbidden"),
        // Salespeople and viewers set no targets, not even their own.
        (&w.sp.token, revenue(w.sp.id, "1000"), "own_target"),
        (&w.sp.token, revenue(w.mate.id, "1000"), "forbidden"),
        (&w.sp.token, team_revenue(w.north, "1000"), "own_team"),
        (&w.sp.token, team_revenue(w.south, "1000"), "forbidden"),
        (&w.viewer.token, revenue(w.sp.id, "1000"), "forbidden"),
        (&w.client, revenue(w.sp.id, "1000"), "forbidden"),
    ] {
        create(&app, token, &body).await.problem(403, code);
    }

    // Only today's members: someone who left yesterday, someone who joins tomorrow.
    let leaver = app.person(&w.org, "salesperson", None).await;
    let joiner = app.person(&w.org, "salesperson", None).await;
    app.join(&w.org, w.north, leaver.id, "2026-01-01").await;
    let yesterday = (today() - Duration::days(1)).to_string();
    let tomorrow = (today() + Duration::days(1)).to_string();
    app.delete(&format!(
        "/v1/teams/{}/members/{}?to={yesterday}",
        w.north, leaver.id
    ))
    .token(&w.org.admin)
    .send()
    .await
    .expect(200);
    app.join(&w.org, w.north, joiner.id, &tomorrow).await;
    for p in [&leaver, &joiner] {
        create(&app, &w.mgr.token, &revenue(p.id, "1000"))
            .await
            .problem(403, "forbidden");
        create(&app, &w.rmgr.token, &revenue(p.id, "1000"))
            .await
            .problem(403, "forbidden");
    }
    // The leaver's targets are out of the manager's sight and hands.
    let old = uuid(&target(&app, &w.org.admin, revenue(leaver.id, "1000")).await["id"]);
    get(&app, &w.mgr.token, old).await.problem(404, "not_found");
    step(&app, &w.mgr.token, old, "propose", None)
        .await
        .problem(404, "not_found");
    get(&app, &leaver.token, old).await.expect(200);
}

#[actix_web::test]
async fn salespeople_read_their_own_targets_and_their_teams() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let own = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    let mates = uuid(&target(&app, &w.mgr.token, revenue(w.mate.id, "1000")).await["id"]);
    let team = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "1000")).await["id"]);
    let region = uuid(&target(&app, &w.org.admin, team_revenue(w.region, "1000")).await["id"]);
    let south = uuid(&target(&app, &w.org.admin, team_revenue(w.south, "1000")).await["id"]);
    let others = uuid(&target(&app, &w.mgr2.token, revenue(w.other.id, "1000")).await["id"]);
    let org = uuid(
        &target(
            &app,
            &w.org.admin,
            json!({"title": "Org", "subject_type": "org", "metric": "revenue", "value": "1", "period": "2026"}),
        )
        .await["id"],
    );
    let all = [own, mates, team, region, south, others, org];
    for (name, token, sees) in [
        ("sp", &w.sp.token, vec![own, team, org]),
        ("mate", &w.mate.token, vec![mates, team, org]),
        ("other", &w.other.token, vec![south, others, org]),
        ("loner", &w.loner.token, vec![org]),
        ("mgr", &w.mgr.token, vec![own, mates, team, org]),
        ("rmgr", &w.rmgr.token, vec![own, mates, team, region, org]),
        ("mgr2", &w.mgr2.token, vec![south, others, org]),
        ("viewer", &w.viewer.token, all.to_vec()),
        ("client", &w.client, all.to_vec()),
        ("admin", &w.org.admin, all.to_vec()),
    ] {
        assert_eq!(
            listed(&app, token, "").await,
            set(&sees),
            "{name} lists these"
        );
        for id in all {
            let r = get(&app, token, id).await;
            if sees.contains(&id) {
                r.expect(200);
            } else {
                r.problem(404, "not_found");
            }
        }
    }
    // A client without the read scope reads nothing.
    let (cid, _) = app.client(&w.org, &["sales:write"]).await;
    let writer = app.sign(w.org.id, "client", cid, Some("sales:write"));
    app.get("/v1/targets")
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    get(&app, &writer, own).await.problem(403, "forbidden");
}

// ---------------------------------------------------------------- workflow

#[actix_web::test]
async fn a_persons_target_is_proposed_by_the_manager_and_agreed_by_the_salesperson() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let id = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "100000")).await["id"]);
    let sp_token = w.sp.token.as_str();
    let mgr_token = w.mgr.token.as_str();
    let admin_token = admin.as_str();
    let outsiders = [
        ("another salesperson", w.other.token.as_str(), 404),
        ("the subject's teammate", w.mate.token.as_str(), 404),
        ("a manager of another team", w.mgr2.token.as_str(), 404),
        ("a viewer", w.viewer.token.as_str(), 403),
        ("an integration client", w.client.as_str(), 403),
    ];

    // draft: it cannot be agreed or revised yet.
    let v = out_of_turn(&step(&app, sp_token, id, "agree", None).await);
    assert!(
        v["detail"].as_str().unwrap().contains("propose it first"),
        "{v}"
    );
    let v = out_of_turn(&step(&app, mgr_token, id, "revise", Some(&json!({"value": "1"}))).await);
    assert!(
        v["detail"].as_str().unwrap().contains("edit the draft"),
        "{v}"
    );

    // draft → proposed: the manager or an admin; never the salesperson or anyone else.
    refused_with(
        &app,
        admin,
        id,
        "propose",
        None,
        &[
            coded(&outsiders),
            vec![("the salesperson", sp_token, 403, "own_target")],
        ]
        .concat(),
    )
    .await;
    let r = step(&app, mgr_token, id, "propose", None).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    let v = r.expect(200);
    assert_eq!(
        (v["status"].as_str(), v["version"].as_i64()),
        (Some("proposed"), Some(2))
    );
    assert!(v["agreed_at"].is_null());
    out_of_turn(&step(&app, mgr_token, id, "propose", None).await);

    // proposed → agreed: only the salesperson; not the manager, not an admin.
    refused_by(
        &app,
        admin,
        id,
        "agree",
        None,
        &joined(
            &outsiders,
            &[
                ("the manager", mgr_token, 403),
                ("the regional manager", w.rmgr.token.as_str(), 403),
                ("an admin", admin_token, 403),
            ],
        ),
    )
    .await;
    let before = Utc::now();
    let v = agree(&app, sp_token, id).await;
    assert_eq!(v["status"], "agreed");
    assert_eq!(v["version"], 3);
    assert_eq!(uuid(&v["agreed_by"]), w.sp.id);
    let at = instant(&v["agreed_at"]);
    assert!(
        at >= before - Duration::seconds(1) && at <= Utc::now(),
        "{at}"
    );
    assert_eq!(v["value"], "100000.00");
    // Agreed: not agreed, proposed or edited again.
    out_of_turn(&step(&app, sp_token, id, "agree", None).await);
    out_of_turn(&step(&app, mgr_token, id, "propose", None).await);
    let v = out_of_turn(&patch(&app, mgr_token, id, json!({"value": "1"}), None).await);
    assert!(
        v["detail"].as_str().unwrap().contains("revise it instead"),
        "{v}"
    );

    // agreed → revised: the manager or an admin; the old version is superseded.
    let revise_body = json!({"value": "120000", "note": "Bigger territory"});
    refused_with(
        &app,
        admin,
        id,
        "revise",
        Some(&revise_body),
        &[
            coded(&outsiders),
            vec![("the salesperson", sp_token, 403, "own_target")],
        ]
        .concat(),
    )
    .await;
    let r = step(&app, mgr_token, id, "revise", Some(&revise_body)).await;
    let new = r.expect(201);
    let new_id = uuid(&new["id"]);
    assert_ne!(new_id, id);
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/v1/targets/{new_id}").as_str())
    );
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        new["status"], "proposed",
        "a revision needs agreement again"
    );
    assert_eq!(new["revision"], 2);
    assert_eq!(uuid(&new["revision_of"]), id);
    assert_eq!(new["value"], "120000.00");
    assert_eq!(new["title"], "Q4 revenue");
    assert_eq!(new["version"], 1);
    assert!(new["agreed_at"].is_null() && new["agreed_by"].is_null());
    assert_eq!(uuid(&new["subject_id"]), w.sp.id);
    assert_eq!(new["metric"], "revenue");
    assert_eq!(new["period"], "2026-Q4");
    assert_eq!(uuid(&new["created_by"]), w.mgr.id);
    let old = get(&app, sp_token, id).await.expect(200);
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["value"], "100000.00", "the old version keeps its value");
    assert_eq!(uuid(&old["agreed_by"]), w.sp.id, "and who agreed it");
    assert_eq!(old["version"], 4);
    // Superseded: nothing more happens to it.
    for (action, token) in [
        ("propose", admin_token),
        ("agree", sp_token),
        ("cancel", admin_token),
    ] {
        out_of_turn(&step(&app, token, id, action, None).await);
    }
    out_of_turn(&step(&app, mgr_token, id, "revise", Some(&json!({"value": "5"}))).await);
    out_of_turn(&patch(&app, mgr_token, id, json!({"title": "x"}), None).await);

    // The new version: revised again while proposed, then agreed by the salesperson.
    let v = step(
        &app,
        mgr_token,
        new_id,
        "revise",
        Some(&json!({"value": "0"})),
    )
    .await;
    broke(&v, "value_not_positive", "value");
    let v = step(
        &app,
        mgr_token,
        new_id,
        "revise",
        Some(&json!({"value": "abc"})),
    )
    .await;
    refused(&v, "validation_failed", "value", "invalid_value");
    let third = step(
        &app,
        admin_token,
        new_id,
        "revise",
        Some(&json!({"value": "110000.50", "title": " Q4 revenue, revised "})),
    )
    .await
    .expect(201);
    let third_id = uuid(&third["id"]);
    assert_eq!(
        (third["revision"].as_i64(), third["title"].as_str()),
        (Some(3), Some("Q4 revenue, revised"))
    );
    assert_eq!(uuid(&third["revision_of"]), new_id);
    assert_eq!(state(&app, admin, new_id).await.0, "superseded");
    agree(&app, sp_token, third_id).await;

    // agreed → cancelled: the manager or an admin.
    refused_with(
        &app,
        admin,
        third_id,
        "cancel",
        None,
        &[
            coded(&outsiders),
            vec![("the salesperson", sp_token, 403, "own_target")],
        ]
        .concat(),
    )
    .await;
    let v = cancel(&app, mgr_token, third_id).await;
    assert_eq!(v["status"], "cancelled");
    assert_eq!(uuid(&v["agreed_by"]), w.sp.id);
    for (action, token) in [
        ("propose", admin_token),
        ("agree", sp_token),
        ("cancel", admin_token),
    ] {
        out_of_turn(&step(&app, token, third_id, action, None).await);
    }
    out_of_turn(
        &step(
            &app,
            admin_token,
            third_id,
            "revise",
            Some(&json!({"value": "5"})),
        )
        .await,
    );
    out_of_turn(&patch(&app, admin_token, third_id, json!({"title": "x"}), None).await);

    // A draft and a proposed target are cancelled too.
    let d = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1")).await["id"]);
    assert_eq!(cancel(&app, admin_token, d).await["status"], "cancelled");
    let p = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1")).await["id"]);
    propose(&app, mgr_token, p).await;
    assert_eq!(cancel(&app, mgr_token, p).await["status"], "cancelled");
    out_of_turn(&step(&app, sp_token, p, "agree", None).await);
}

#[actix_web::test]
async fn workflow_steps_take_an_optional_note_and_refuse_bad_bodies() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    // Bad bodies change nothing.
    let r = step(
        &app,
        &w.mgr.token,
        id,
        "propose",
        Some(&json!({"note": "x".repeat(2001)})),
    )
    .await;
    refused(&r, "validation_failed", "note", "too_long");
    let r = step(&app, &w.mgr.token, id, "propose", Some(&json!({"note": 5}))).await;
    refused(&r, "validation_failed", "note", "invalid_type");
    let r = step(
        &app,
        &w.mgr.token,
        id,
        "propose",
        Some(&json!({"note": "ok", "value": "1"})),
    )
    .await;
    refused(&r, "validation_failed", "value", "unknown_field");
    app.post(&format!("/v1/targets/{id}/propose"))
        .token(&w.mgr.token)
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post(&format!("/v1/targets/{id}/propose"))
        .token(&w.mgr.token)
        .body("text/plain", "please")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    assert_eq!(
        state(&app, &w.org.admin, id).await,
        ("draft".to_string(), 1)
    );
    // An empty body, an empty object, a note.
    app.post(&format!("/v1/targets/{id}/propose"))
        .token(&w.mgr.token)
        .body("application/json", "")
        .send()
        .await
        .expect(200);
    step(
        &app,
        &w.sp.token,
        id,
        "agree",
        Some(&json!({"note": "Agreed in our 1:1"})),
    )
    .await
    .expect(200);
    step(&app, &w.mgr.token, id, "cancel", Some(&json!({})))
        .await
        .expect(200);
    let h = history(&app, &w.sp.token, id).await;
    let notes: Vec<&Value> = h.iter().map(|e| &e["note"]).collect();
    assert_eq!(
        notes,
        vec![
            &Value::Null,
            &Value::Null,
            &json!("Agreed in our 1:1"),
            &Value::Null
        ]
    );
}

#[actix_web::test]
async fn team_targets_are_agreed_by_the_teams_manager_or_an_admin_when_it_has_none() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    // North has a manager: the manager above (or an admin) sets and proposes it,
    // North's manager agrees it; an admin proposes but does not agree.
    let id = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "50000")).await["id"]);
    refused_with(
        &app,
        admin,
        id,
        "propose",
        None,
        &[
            ("the team's manager", &w.mgr.token, 403, "own_team"),
            ("a member of the team", &w.sp.token, 403, "own_team"),
            (
                "a salesperson of another team",
                &w.other.token,
                404,
                "not_found",
            ),
            ("a manager of another team", &w.mgr2.token, 404, "not_found"),
            ("a viewer", &w.viewer.token, 403, "forbidden"),
            ("an integration client", &w.client, 403, "forbidden"),
        ],
    )
    .await;
    propose(&app, admin, id).await;
    refused_by(
        &app,
        admin,
        id,
        "agree",
        None,
        &[
            ("an admin", admin, 403),
            ("the manager of the region above", &w.rmgr.token, 403),
            ("a member of the team", &w.sp.token, 403),
            ("another member of the team", &w.mate.token, 403),
            ("a salesperson of another team", &w.other.token, 404),
            ("a manager of another team", &w.mgr2.token, 404),
            ("a viewer", &w.viewer.token, 403),
            ("an integration client", &w.client, 403),
        ],
    )
    .await;
    let v = agree(&app, &w.mgr.token, id).await;
    assert_eq!(v["status"], "agreed");
    assert_eq!(uuid(&v["agreed_by"]), w.mgr.id);
    // The region has no team above: an admin sets and proposes it, its manager agrees.
    let r = uuid(&target(&app, &w.org.admin, team_revenue(w.region, "90000")).await["id"]);
    refused_with(
        &app,
        admin,
        r,
        "propose",
        None,
        &[
            ("a manager of a team below", &w.mgr.token, 404, "not_found"),
            ("the region's manager", &w.rmgr.token, 403, "own_team"),
        ],
    )
    .await;
    propose(&app, admin, r).await;
    assert_eq!(
        uuid(&agree(&app, &w.rmgr.token, r).await["agreed_by"]),
        w.rmgr.id
    );

    // A team without a manager: an admin proposes and agrees.
    let u = uuid(&target(&app, admin, team_revenue(w.unmanaged, "30000")).await["id"]);
    refused_with(
        &app,
        admin,
        u,
        "propose",
        None,
        &[
            ("its member", &w.loner.token, 403, "own_team"),
            ("a manager", &w.mgr.token, 404, "not_found"),
            ("a viewer", &w.viewer.token, 403, "forbidden"),
        ],
    )
    .await;
    propose(&app, admin, u).await;
    refused_by(
        &app,
        admin,
        u,
        "agree",
        None,
        &[
            ("its member", &w.loner.token, 403),
            ("a manager", &w.mgr.token, 404),
            ("a viewer", &w.viewer.token, 403),
            ("an integration client", &w.client, 403),
        ],
    )
    .await;
    let v = agree(&app, admin, u).await;
    assert_eq!(uuid(&v["agreed_by"]), w.org.admin_id);
    // Team targets are revised and cancelled by the same people who set them.
    refused_with(
        &app,
        admin,
        id,
        "revise",
        Some(&json!({"value": "60000"})),
        &[
            ("the team's manager", &w.mgr.token, 403, "own_team"),
            ("a member of the team", &w.sp.token, 403, "own_team"),
            ("a manager of another team", &w.mgr2.token, 404, "not_found"),
            ("a viewer", &w.viewer.token, 403, "forbidden"),
        ],
    )
    .await;
    let v = revise(&app, &w.rmgr.token, id, "60000").await;
    refused_with(
        &app,
        admin,
        uuid(&v["id"]),
        "cancel",
        None,
        &[
            ("the team's manager", &w.mgr.token, 403, "own_team"),
            ("a member of the team", &w.sp.token, 403, "own_team"),
            ("a manager of another team", &w.mgr2.token, 404, "not_found"),
        ],
    )
    .await;
    cancel(&app, &w.rmgr.token, uuid(&v["id"])).await;
}

#[actix_web::test]
async fn organisation_targets_are_set_and_agreed_by_an_admin() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let body = json!({
        "title": "Company revenue", "subject_type": "org", "metric": "revenue",
        "value": "1000000", "period": "2026"
    });
    create(&app, &w.mgr.token, &body)
        .await
        .problem(403, "forbidden");
    let id = uuid(&target(&app, admin, body).await["id"]);
    // Everyone sees it; only an admin moves it along.
    let everyone = [
        ("a manager", w.mgr.token.as_str(), 403),
        ("a salesperson", w.sp.token.as_str(), 403),
        ("a viewer", w.viewer.token.as_str(), 403),
        ("an integration client", w.client.as_str(), 403),
    ];
    refused_by(&app, admin, id, "propose", None, &everyone).await;
    propose(&app, admin, id).await;
    refused_by(&app, admin, id, "agree", None, &everyone).await;
    // The organisation's only admin: there is nobody else to agree what they set.
    let v = agree(&app, admin, id).await;
    assert_eq!(uuid(&v["agreed_by"]), w.org.admin_id);
    refused_by(
        &app,
        admin,
        id,
        "revise",
        Some(&json!({"value": "1"})),
        &everyone,
    )
    .await;
    refused_by(&app, admin, id, "cancel", None, &everyone).await;
    let v = revise(&app, admin, id, "1200000").await;
    assert_eq!(v["subject_type"], "org");
    assert!(v["subject_id"].is_null());
    assert_eq!(
        cancel(&app, admin, uuid(&v["id"])).await["status"],
        "cancelled"
    );
}

#[actix_web::test]
async fn a_salesperson_never_changes_a_targets_value_subject_or_metric() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    for body in [
        json!({"value": "1"}),
        json!({"value": "1000000"}),
        json!({"title": "Mine"}),
        json!({"period": "2026-12"}),
    ] {
        patch(&app, &w.sp.token, id, body, None)
            .await
            .problem(403, "own_target");
    }
    propose(&app, &w.mgr.token, id).await;
    patch(&app, &w.sp.token, id, json!({"value": "1"}), None)
        .await
        .problem(403, "own_target");
    step(
        &app,
        &w.sp.token,
        id,
        "revise",
        Some(&json!({"value": "1"})),
    )
    .await
    .problem(403, "own_target");
    agree(&app, &w.sp.token, id).await;
    step(
        &app,
        &w.sp.token,
        id,
        "revise",
        Some(&json!({"value": "1"})),
    )
    .await
    .problem(403, "own_target");
    let v = get(&app, &w.sp.token, id).await.expect(200);
    assert_eq!(
        (
            v["value"].as_str(),
            v["status"].as_str(),
            v["version"].as_i64()
        ),
        (Some("1000.00"), Some("agreed"), Some(3))
    );
    // Nobody changes the subject or the metric of a target: those are new targets.
    let d = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    for (body, field) in [
        (json!({"subject_id": w.mate.id}), "subject_id"),
        (json!({"subject_type": "team"}), "subject_type"),
        (json!({"metric": "gross_profit"}), "metric"),
        (json!({"activity_kind": "call"}), "activity_kind"),
        (json!({"currency": "EUR"}), "currency"),
        (json!({"status": "agreed"}), "status"),
    ] {
        let r = patch(&app, &w.org.admin, d, body, None).await;
        refused(&r, "validation_failed", field, "unknown_field");
    }
    let r = step(
        &app,
        &w.org.admin,
        id,
        "revise",
        Some(&json!({"value": "5", "metric": "gross_profit"})),
    )
    .await;
    refused(&r, "validation_failed", "metric", "unknown_field");
    assert_eq!(state(&app, &w.org.admin, d).await, ("draft".into(), 1));
}

#[actix_web::test]
async fn patch_edits_drafts_with_if_match() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let v = target(
        &app,
        &w.mgr.token,
        with(revenue(w.sp.id, "1000"), json!({"description": "first"})),
    )
    .await;
    let id = uuid(&v["id"]);
    let r = get(&app, &w.mgr.token, id).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));

    let r = patch(
        &app,
        &w.mgr.token,
        id,
        json!({"title": "  Q4 new business  ", "value": 1500.25, "period": "2026-11", "description": null}),
        Some("\"1\""),
    )
    .await;
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    let v = r.expect(200);
    assert_eq!(v["title"], "Q4 new business");
    assert_eq!(v["value"], "1500.25");
    assert_eq!(
        (
            v["period"].as_str(),
            v["starts_on"].as_str(),
            v["ends_on"].as_str()
        ),
        (Some("2026-11"), Some("2026-11-01"), Some("2026-11-30"))
    );
    assert!(v["description"].is_null());
    assert_eq!(v["status"], "draft");
    assert_eq!(v["version"], 2);
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 months"
    );
    // Stale: 412, and nothing changes.
    let r = patch(&app, &w.mgr.token, id, json!({"value": "1"}), Some("\"1\"")).await;
    r.problem(412, "version_mismatch");
    assert_eq!(
        get(&app, &w.mgr.token, id).await.expect(200)["value"],
        "1500.25"
    );
    // Explicit days replace the key; weak, listed and `*` ETags match.
    let v = patch(
        &app,
        &w.mgr.token,
        id,
        json!({"starts_on": "2026-11-02", "ends_on": "2026-11-27"}),
        Some("W/\"2\""),
    )
    .await
    .expect(200);
    assert!(v["period"].is_null());
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-11-02"), Some("2026-11-27"))
    );
    patch(
        &app,
        &w.mgr.token,
        id,
        json!({"description": "x"}),
        Some("\"1\", \"3\""),
    )
    .await
    .expect(200);
    patch(
        &app,
        &w.mgr.token,
        id,
        json!({"description": "y"}),
        Some("*"),
    )
    .await
    .expect(200);
    // Without If-Match there is no condition.
    let v = patch(&app, &w.mgr.token, id, json!({}), None)
        .await
        .expect(200);
    assert_eq!(v["version"], 6);

    // Refusals name their rule.
    let r = patch(&app, &w.mgr.token, id, json!({"value": 0}), None).await;
    broke(&r, "value_not_positive", "value");
    let r = patch(&app, &w.mgr.token, id, json!({"value": "abc"}), None).await;
    refused(&r, "validation_failed", "value", "invalid_value");
    let r = patch(&app, &w.mgr.token, id, json!({"period": "2026-Q9"}), None).await;
    broke(&r, "unknown_period", "period");
    let r = patch(
        &app,
        &w.mgr.token,
        id,
        json!({"starts_on": "2026-12-01", "ends_on": "2026-11-01"}),
        None,
    )
    .await;
    broke(&r, "period_ends_before_start", "ends_on");
    let r = patch(&app, &w.mgr.token, id, json!({"title": ""}), None).await;
    refused(&r, "validation_failed", "title", "required");
    assert_eq!(state(&app, &w.org.admin, id).await, ("draft".into(), 6));

    // A proposed target that is edited goes back to draft.
    propose(&app, &w.mgr.token, id).await;
    let v = patch(
        &app,
        &w.mgr.token,
        id,
        json!({"value": "2000"}),
        Some("\"7\""),
    )
    .await
    .expect(200);
    assert_eq!(
        (v["status"].as_str(), v["value"].as_str()),
        (Some("draft"), Some("2000.00"))
    );
    out_of_turn(&step(&app, &w.sp.token, id, "agree", None).await);

    // Wrong people: the salesperson whose target it is, and anyone not its setter.
    for (token, status, code) in [
        (&w.sp.token, 403, "own_target"),
        (&w.mate.token, 404, "not_found"),
        (&w.mgr2.token, 404, "not_found"),
        (&w.other.token, 404, "not_found"),
        (&w.viewer.token, 403, "forbidden"),
        (&w.client, 403, "forbidden"),
    ] {
        let r = patch(&app, token, id, json!({"value": "1"}), None).await;
        r.problem(status, code);
    }
    // An admin edits too; stale If-Match from anyone is 412 even on a target in
    // another state.
    patch(&app, &w.org.admin, id, json!({"value": "2100"}), None)
        .await
        .expect(200);
    propose(&app, &w.mgr.token, id).await;
    agree(&app, &w.sp.token, id).await;
    patch(&app, &w.mgr.token, id, json!({"value": "1"}), Some("\"2\""))
        .await
        .problem(412, "version_mismatch");
    out_of_turn(&patch(&app, &w.mgr.token, id, json!({"value": "1"}), None).await);
}

// ---------------------------------------------------------------- history

/// A history entry as (target_id, revision, event, status, value, actor_id, note).
type Entry<'a> = (Uuid, i64, &'a str, &'a str, &'a str, Uuid, Option<&'a str>);

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

#[actix_web::test]
async fn history_lists_every_version_and_state_change_with_who_and_when() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let start = Utc::now() - Duration::seconds(1);
    let v1 = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    patch(&app, &w.mgr.token, v1, json!({"value": "1100"}), None)
        .await
        .expect(200);
    propose(&app, &w.mgr.token, v1).await;
    patch(&app, &w.org.admin, v1, json!({"value": "1200"}), None)
        .await
        .expect(200);
    step(
        &app,
        &w.org.admin,
        v1,
        "propose",
        Some(&json!({"note": "Again"})),
    )
    .await
    .expect(200);
    agree(&app, &w.sp.token, v1).await;
    let v2 = uuid(
        &step(
            &app,
            &w.rmgr.token,
            v1,
            "revise",
            Some(&json!({"value": "1500", "note": "New accounts moved in"})),
        )
        .await
        .expect(201)["id"],
    );
    agree(&app, &w.sp.token, v2).await;
    let v3 = uuid(&revise(&app, &w.mgr.token, v2, "1400").await["id"]);
    cancel(&app, &w.org.admin, v3).await;
    let end = Utc::now() + Duration::seconds(1);

    let expected: Vec<Entry> = vec![
        (v1, 1, "created", "draft", "1000.00", w.mgr.id, None),
        (v1, 1, "updated", "draft", "1100.00", w.mgr.id, None),
        (v1, 1, "proposed", "proposed", "1100.00", w.mgr.id, None),
        (v1, 1, "updated", "draft", "1200.00", w.org.admin_id, None),
        (
            v1,
            1,
            "proposed",
            "proposed",
            "1200.00",
            w.org.admin_id,
            Some("Again"),
        ),
        (v1, 1, "agreed", "agreed", "1200.00", w.sp.id, None),
        (
            v1,
            1,
            "superseded",
            "superseded",
            "1200.00",
            w.rmgr.id,
            Some("New accounts moved in"),
        ),
        (
            v2,
            2,
            "revised",
            "proposed",
            "1500.00",
            w.rmgr.id,
            Some("New accounts moved in"),
        ),
        (v2, 2, "agreed", "agreed", "1500.00", w.sp.id, None),
        (v2, 2, "superseded", "superseded", "1500.00", w.mgr.id, None),
        (v3, 3, "revised", "proposed", "1400.00", w.mgr.id, None),
        (
            v3,
            3,
            "cancelled",
            "cancelled",
            "1400.00",
            w.org.admin_id,
            None,
        ),
    ];
    // The same whole chain from any of its versions, for anyone who sees it.
    let h = history(&app, &w.sp.token, v1).await;
    for (id, token) in [
        (v2, &w.sp.token),
        (v3, &w.mgr.token),
        (v1, &w.org.admin),
        (v3, &w.viewer.token),
        (v2, &w.client),
    ] {
        assert_eq!(history(&app, token, id).await, h, "from {id}");
    }
    let got: Vec<Entry> = h
        .iter()
        .map(|e| {
            (
                uuid(&e["target_id"]),
                e["revision"].as_i64().unwrap(),
                e["event"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
                e["value"].as_str().unwrap(),
                uuid(&e["actor_id"]),
                e["note"].as_str(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // When: in order, within the test.
    let ats: Vec<DateTime<Utc>> = h.iter().map(|e| instant(&e["at"])).collect();
    assert!(ats.windows(2).all(|p| p[0] <= p[1]), "{ats:?}");
    assert!(ats.iter().all(|a| *a >= start && *a <= end), "{ats:?}");
    // The agreement's instant is the target's agreed_at.
    let agreed = get(&app, &w.sp.token, v2).await.expect(200);
    let gap = instant(&agreed["agreed_at"]) - ats[8];
    assert!(gap.num_seconds().abs() < 2, "{gap}");

    // Refused steps leave no trace.
    step(&app, &w.sp.token, v3, "cancel", None)
        .await
        .problem(403, "own_target");
    assert_eq!(history(&app, &w.sp.token, v3).await.len(), expected.len());
    // Who may not see the target may not see its history.
    for token in [&w.mate.token, &w.mgr2.token, &w.other.token] {
        app.get(&format!("/v1/targets/{v1}/history"))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
    }
    app.get(&format!("/v1/targets/{}/history", Uuid::now_v7()))
        .token(&w.org.admin)
        .send()
        .await
        .problem(404, "not_found");
    // A target never revised has its own history only.
    let lone = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1")).await["id"]);
    let h = history(&app, &w.mgr.token, lone).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["event"], "created");
}

// ---------------------------------------------------------------- allocation

async fn allocation(app: &TestApp, token: &str, id: Uuid) -> Value {
    app.get(&format!("/v1/targets/{id}/allocation"))
        .token(token)
        .send()
        .await
        .expect(200)
}

/// (id, value, share_pct, status) of each child.
fn children(v: &Value) -> Vec<(Uuid, String, String, String)> {
    v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                uuid(&c["id"]),
                c["value"].as_str().unwrap().to_string(),
                c["share_pct"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn child(id: Uuid, value: &str, share: &str, status: &str) -> (Uuid, String, String, String) {
    (id, value.into(), share.into(), status.into())
}

#[track_caller]
fn sums(v: &Value, value: &str, allocated: &str, unallocated: &str, over: &str) {
    assert_eq!(
        (
            v["value"].as_str(),
            v["allocated"].as_str(),
            v["unallocated"].as_str(),
            v["over_allocated"].as_str()
        ),
        (Some(value), Some(allocated), Some(unallocated), Some(over)),
        "{v}"
    );
}

#[actix_web::test]
async fn allocation_sums_the_live_children_against_the_parent() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let parent = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "1000.00")).await["id"]);
    // Nothing allocated yet.
    let v = allocation(&app, &w.mgr.token, parent).await;
    assert_eq!(uuid(&v["target_id"]), parent);
    sums(&v, "1000.00", "0.00", "1000.00", "0.00");
    assert_eq!(children(&v), vec![]);

    let under = |who: Uuid, value: &str| with(revenue(who, value), json!({ "parent_id": parent }));
    let a = uuid(&target(&app, &w.mgr.token, under(w.sp.id, "300.00")).await["id"]);
    let b = uuid(&target(&app, &w.mgr.token, under(w.mate.id, "450.50")).await["id"]);
    // 300.00 + 450.50 = 750.50; 1000.00 - 750.50 = 249.50; 300/1000 = 30%, 450.50/1000 = 45.05%.
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "750.50", "249.50", "0.00");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "30.00", "draft"),
            child(b, "450.50", "45.05", "draft")
        ]
    );
    let first = &v["children"][0];
    assert_eq!(first["title"], "Q4 revenue");
    assert_eq!(first["subject_type"], "user");
    assert_eq!(uuid(&first["subject_id"]), w.sp.id);

    // A third child for November: 750.50 + 400.00 = 1150.50, 150.50 over.
    let c = uuid(
        &target(
            &app,
            &w.mgr.token,
            with(under(w.sp.id, "400"), json!({"period": "2026-11"})),
        )
        .await["id"],
    );
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "1150.50", "0.00", "150.50");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "30.00", "draft"),
            child(b, "450.50", "45.05", "draft"),
            child(c, "400.00", "40.00", "draft")
        ]
    );
    // Exactly allocated: neither under nor over.
    patch(&app, &w.mgr.token, c, json!({"value": "249.50"}), None)
        .await
        .expect(200);
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "1000.00", "0.00", "0.00");
    // Every live state counts; a cancelled child no longer does.
    propose(&app, &w.mgr.token, a).await;
    agree(&app, &w.sp.token, a).await;
    propose(&app, &w.mgr.token, b).await;
    cancel(&app, &w.mgr.token, c).await;
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "750.50", "249.50", "0.00");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "30.00", "agreed"),
            child(b, "450.50", "45.05", "proposed")
        ]
    );
    // A superseded child no longer counts: its revision does. 300.00 + 500.00 = 800.00.
    let b2 = uuid(&revise(&app, &w.mgr.token, b, "500").await["id"]);
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "800.00", "200.00", "0.00");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "30.00", "agreed"),
            child(b2, "500.00", "50.00", "proposed")
        ]
    );
    // The parent revised: its children follow the new version. 800.00 of 2000.00.
    propose(&app, &w.rmgr.token, parent).await;
    let p2 = uuid(&revise(&app, &w.rmgr.token, parent, "2000").await["id"]);
    let v = allocation(&app, &w.mgr.token, p2).await;
    sums(&v, "2000.00", "800.00", "1200.00", "0.00");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "15.00", "agreed"),
            child(b2, "500.00", "25.00", "proposed")
        ]
    );
    assert_eq!(
        uuid(&get(&app, &w.sp.token, a).await.expect(200)["parent_id"]),
        p2
    );
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "0.00", "1000.00", "0.00");
    assert_eq!(children(&v), vec![]);
    // New children go under the live version only.
    let r = create(&app, &w.mgr.token, &under(w.sp.id, "1")).await;
    let e = broke(&r, "invalid_parent", "parent_id");
    assert_eq!(e["detail"], "the parent is superseded");

    // Who sees the parent sees its allocation; a person's target has none.
    for token in [
        &w.sp.token,
        &w.mate.token,
        &w.rmgr.token,
        &w.viewer.token,
        &w.client,
        &w.org.admin,
    ] {
        sums(
            &allocation(&app, token, p2).await,
            "2000.00",
            "800.00",
            "1200.00",
            "0.00",
        );
    }
    for token in [&w.other.token, &w.mgr2.token, &w.loner.token] {
        app.get(&format!("/v1/targets/{p2}/allocation"))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
    }
    let v = app
        .get(&format!("/v1/targets/{a}/allocation"))
        .token(&w.mgr.token)
        .send()
        .await
        .problem(409, "not_allocatable");
    assert!(v["detail"].as_str().unwrap().contains("team"), "{v}");
}

#[actix_web::test]
async fn an_organisation_target_allocated_to_teams_can_be_over_allocated() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = uuid(
        &target(
            &app,
            &w.org.admin,
            json!({"title": "Company", "subject_type": "org", "metric": "gross_profit", "value": "5000", "period": "2026"}),
        )
        .await["id"],
    );
    let team = |t: Uuid, v: &str, period: &str| {
        json!({
            "title": "Team margin", "subject_type": "team", "subject_id": t, "parent_id": org,
            "metric": "gross_profit", "value": v, "period": period
        })
    };
    let n = uuid(&target(&app, &w.rmgr.token, team(w.north, "3000", "2026-Q4")).await["id"]);
    let s = uuid(&target(&app, &w.org.admin, team(w.south, "2500.50", "2026")).await["id"]);
    // 3000.00 + 2500.50 = 5500.50 against 5000.00: 500.50 over; 60.00% and 50.01%.
    let v = allocation(&app, &w.viewer.token, org).await;
    sums(&v, "5000.00", "5500.50", "0.00", "500.50");
    assert_eq!(
        children(&v),
        vec![
            child(n, "3000.00", "60.00", "draft"),
            child(s, "2500.50", "50.01", "draft")
        ]
    );
    // A person's target under the team target; the team target's own allocation.
    let p = uuid(
        &target(
            &app,
            &w.mgr.token,
            json!({
                "title": "Margin", "subject_type": "user", "subject_id": w.sp.id, "parent_id": n,
                "metric": "gross_profit", "value": "1000", "period": "2026-12"
            }),
        )
        .await["id"],
    );
    let v = allocation(&app, &w.mgr.token, n).await;
    sums(&v, "3000.00", "1000.00", "2000.00", "0.00");
    assert_eq!(children(&v), vec![child(p, "1000.00", "33.33", "draft")]);
    // The organisation's allocation lists only its direct children, and a
    // salesperson sees the sums but only the children they may see (their team's).
    let v = allocation(&app, &w.viewer.token, org).await;
    assert_eq!(children(&v).len(), 2);
    let v = allocation(&app, &w.sp.token, org).await;
    sums(&v, "5000.00", "5500.50", "0.00", "500.50");
    assert_eq!(children(&v), vec![child(n, "3000.00", "60.00", "draft")]);
    cancel(&app, &w.org.admin, s).await;
    sums(
        &allocation(&app, &w.sp.token, org).await,
        "5000.00",
        "3000.00",
        "2000.00",
        "0.00",
    );
}

// ---------------------------------------------------------------- lists

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

#[actix_web::test]
async fn lists_filter_and_paginate() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let t4 = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "5000")).await["id"]);
    propose(&app, &w.rmgr.token, t4).await;
    let t1 = uuid(
        &target(
            &app,
            &w.mgr.token,
            with(revenue(w.sp.id, "1000"), json!({ "parent_id": t4 })),
        )
        .await["id"],
    );
    let t2 = uuid(
        &target(
            &app,
            &w.mgr.token,
            json!({"title": "Margin", "subject_type": "user", "subject_id": w.sp.id,
                   "metric": "gross_profit", "value": "300", "period": "2026-11"}),
        )
        .await["id"],
    );
    propose(&app, &w.mgr.token, t2).await;
    let t3 = uuid(
        &target(
            &app,
            &w.mgr.token,
            json!({"title": "Calls", "subject_type": "user", "subject_id": w.mate.id,
                   "metric": "activities", "activity_kind": "call", "value": 40, "period": "2026-W48"}),
        )
        .await["id"],
    );
    let t5 = uuid(
        &target(
            &app,
            &w.mgr2.token,
            json!({"title": "Logos", "subject_type": "user", "subject_id": w.other.id,
                   "metric": "new_accounts", "value": 6, "period": "2026"}),
        )
        .await["id"],
    );
    let t6 = uuid(
        &target(
            &app,
            admin,
            json!({"title": "Org", "subject_type": "org", "metric": "revenue", "value": "90000", "period": "2026"}),
        )
        .await["id"],
    );
    let t7 = uuid(
        &target(
            &app,
            &w.mgr.token,
            with(revenue(w.sp.id, "2000"), json!({"period": "2027-Q1"})),
        )
        .await["id"],
    );
    propose(&app, &w.mgr.token, t7).await;
    agree(&app, &w.sp.token, t7).await;
    let t8 = uuid(&target(&app, &w.mgr.token, revenue(w.mate.id, "800")).await["id"]);
    cancel(&app, &w.mgr.token, t8).await;

    for (query, expected) in [
        ("", vec![t1, t2, t3, t4, t5, t6, t7, t8]),
        ("&subject_type=user", vec![t1, t2, t3, t5, t7, t8]),
        ("&subject_type=team", vec![t4]),
        ("&subject_type=org", vec![t6]),
        (&format!("&subject_id={}", w.sp.id), vec![t1, t2, t7]),
        (&format!("&subject_id={}", w.north), vec![t4]),
        (&format!("&subject_id={}", Uuid::now_v7()), vec![]),
        ("&status=draft", vec![t1, t3, t5, t6]),
        ("&status=proposed", vec![t2, t4]),
        ("&status=agreed", vec![t7]),
        ("&status=cancelled", vec![t8]),
        ("&status=superseded", vec![]),
        ("&metric=revenue", vec![t1, t4, t6, t7, t8]),
        ("&metric=gross_profit", vec![t2]),
        ("&metric=activities", vec![t3]),
        ("&metric=new_accounts", vec![t5]),
        (&format!("&parent_id={t4}"), vec![t1]),
        (&format!("&parent_id={t1}"), vec![]),
        // Every target overlapping the period.
        ("&period=2026-11", vec![t1, t2, t3, t4, t5, t6, t8]),
        ("&period=2026-W48", vec![t1, t2, t3, t4, t5, t6, t8]),
        ("&period=2026-10", vec![t1, t4, t5, t6, t8]),
        ("&period=2026-Q4", vec![t1, t2, t3, t4, t5, t6, t8]),
        ("&period=2027-Q1", vec![t7]),
        ("&period=2027", vec![t7]),
        ("&period=2025", vec![]),
        // Filters combine.
        (
            &format!("&subject_id={}&period=2026-Q4", w.sp.id),
            vec![t1, t2],
        ),
        ("&subject_type=user&metric=revenue&status=draft", vec![t1]),
    ] {
        assert_eq!(listed(&app, admin, query).await, set(&expected), "{query}");
    }
    // Each row is a whole target with its SMART block.
    let (rows, _) = pages(&app, admin, &format!("&subject_id={}", w.mate.id), 50).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["activity_kind"], "call");
    assert_eq!(rows[0]["smart"]["attainable"]["rating"], "no_history");
    assert_eq!(rows[0]["smart"]["in_remit"], true);

    // Pages of 3: 3 + 3 + 2, in creation order, each once.
    let (rows, n) = pages(&app, admin, "", 3).await;
    assert_eq!(n, 3);
    let ids: Vec<Uuid> = rows.iter().map(|t| uuid(&t["id"])).collect();
    let mut created = vec![t4, t1, t2, t3, t5, t6, t7, t8];
    created.sort();
    assert_eq!(ids, created);
    let (rows, n) = pages(&app, admin, "&metric=revenue", 2).await;
    assert_eq!((rows.len(), n), (5, 3));
    let (rows, n) = pages(&app, admin, "", 8).await;
    assert_eq!((rows.len(), n), (8, 1), "an exact last page has no cursor");
    let v = app.get("/v1/targets").token(admin).send().await.expect(200);
    assert_eq!(v["data"].as_array().unwrap().len(), 8, "default limit 50");
    assert!(v["next_cursor"].is_null());

    // Bad queries.
    for q in ["limit=0", "limit=201"] {
        let r = app
            .get(&format!("/v1/targets?{q}"))
            .token(admin)
            .send()
            .await;
        refused(&r, "validation_failed", "limit", "out_of_range");
    }
    app.get("/v1/targets?cursor=garbage!")
        .token(admin)
        .send()
        .await
        .problem(400, "invalid_cursor");
    for q in [
        "status=done",
        "metric=net_profit",
        "subject_type=region",
        "subject_id=nope",
        "parent_id=1",
        "limit=ten",
    ] {
        app.get(&format!("/v1/targets?{q}"))
            .token(admin)
            .send()
            .await
            .problem(400, "invalid_query");
    }
    let r = app
        .get("/v1/targets?period=2026-Q5")
        .token(admin)
        .send()
        .await;
    broke(&r, "unknown_period", "period");

    // Filters apply within what the caller sees.
    assert_eq!(
        listed(&app, &w.sp.token, "&status=proposed").await,
        set(&[t2, t4])
    );
    assert_eq!(
        listed(&app, &w.mate.token, "&period=2026-11").await,
        set(&[t3, t4, t6, t8])
    );
    assert_eq!(
        listed(&app, &w.mgr2.token, "&subject_type=user").await,
        set(&[t5])
    );
    assert_eq!(
        listed(&app, &w.sp.token, &format!("&subject_id={}", w.mate.id)).await,
        set(&[])
    );
    let (rows, n) = pages(&app, &w.sp.token, "", 2).await;
    assert_eq!((rows.len(), n), (5, 3), "t1, t2, t4, t6, t7");
}

// ---------------------------------------------------------------- tenants

#[actix_web::test]
async fn another_organisations_targets_are_not_found_anywhere() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org2 = app.org("Rival").await;
    let mgr2 = app.person(&org2, "manager", None).await;
    let sp2 = app.person(&org2, "salesperson", None).await;
    let team2 = app.team(&org2, "Theirs", Some(mgr2.id), None).await;
    app.join(&org2, team2, sp2.id, "2026-01-01").await;
    let (cid, _) = app.client(&org2, &["read"]).await;
    let client2 = app.sign(org2.id, "client", cid, Some("read"));

    let team = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "5000")).await["id"]);
    let mine = uuid(
        &target(
            &app,
            &w.mgr.token,
            with(revenue(w.sp.id, "1000"), json!({ "parent_id": team })),
        )
        .await["id"],
    );
    propose(&app, &w.mgr.token, mine).await;
    let org_t = uuid(
        &target(
            &app,
            &w.org.admin,
            json!({"title": "Org", "subject_type": "org", "metric": "revenue", "value": "1", "period": "2026"}),
        )
        .await["id"],
    );

    for token in [&org2.admin, &mgr2.token, &sp2.token, &client2] {
        assert_eq!(listed(&app, token, "").await, set(&[]));
        for id in [team, mine, org_t] {
            get(&app, token, id).await.problem(404, "not_found");
            for path in ["history", "allocation"] {
                app.get(&format!("/v1/targets/{id}/{path}"))
                    .token(token)
                    .send()
                    .await
                    .problem(404, "not_found");
            }
        }
    }
    for id in [team, mine, org_t] {
        for action in ["propose", "agree", "cancel"] {
            step(&app, &org2.admin, id, action, None)
                .await
                .problem(404, "not_found");
        }
        step(
            &app,
            &org2.admin,
            id,
            "revise",
            Some(&json!({"value": "1"})),
        )
        .await
        .problem(404, "not_found");
        patch(&app, &org2.admin, id, json!({"value": "1"}), None)
            .await
            .problem(404, "not_found");
    }
    step(&app, &sp2.token, mine, "agree", None)
        .await
        .problem(404, "not_found");
    // Nor can their targets name ours as parent, subject or account.
    let r = create(
        &app,
        &org2.admin,
        &with(revenue(sp2.id, "1"), json!({ "parent_id": team })),
    )
    .await;
    refused(&r, "validation_failed", "parent_id", "not_found");
    let r = create(&app, &org2.admin, &revenue(w.sp.id, "1")).await;
    broke(&r, "subject_not_found", "subject_id");
    let r = create(&app, &org2.admin, &team_revenue(w.north, "1")).await;
    broke(&r, "subject_not_found", "subject_id");
    // Ours are untouched.
    assert_eq!(
        state(&app, &w.org.admin, mine).await,
        ("proposed".into(), 2)
    );
    assert_eq!(
        listed(&app, &w.org.admin, "").await,
        set(&[team, mine, org_t])
    );
}

#[actix_web::test]
async fn parents_cannot_form_a_loop() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let team = app.team(&org, "North", Some(manager.id), None).await;
    let make = |title: &'static str| {
        let app = &app;
        let token = org.admin.clone();
        async move {
            let v = app
                .post("/v1/targets")
                .token(&token)
                .json(&json!({"title": title, "subject_type": "team", "subject_id": team, "metric": "revenue", "value": "1000", "period": "2026-Q4"}))
                .send()
                .await
                .expect(201);
            uuid(&v["id"])
        }
    };
    let (a, b, c) = (make("A").await, make("B").await, make("C").await);
    // C under B under A ...
    for (child, parent) in [(b, a), (c, b)] {
        app.patch(&format!("/v1/targets/{child}"))
            .token(&org.admin)
            .json(&json!({"parent_id": parent}))
            .send()
            .await
            .expect(200);
    }
    // ... so A cannot go under C, nor under B.
    for parent in [c, b] {
        let v = app
            .patch(&format!("/v1/targets/{a}"))
            .token(&org.admin)
            .json(&json!({"parent_id": parent}))
            .send()
            .await
            .problem(422, "invalid_parent");
        assert_eq!(v["errors"][0]["field"], "parent_id");
    }
}

#[actix_web::test]
async fn a_team_with_targets_is_not_deleted() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let team = app.team(&org, "North", None, None).await;
    app.post("/v1/targets")
        .token(&org.admin)
        .json(&json!({"title": "Q4", "subject_type": "team", "subject_id": team, "metric": "revenue", "value": "1000", "period": "2026-Q4"}))
        .send()
        .await
        .expect(201);
    app.delete(&format!("/v1/teams/{team}"))
        .token(&org.admin)
        .send()
        .await
        .problem(409, "team_has_targets");
    app.get(&format!("/v1/teams/{team}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
}

// ---------------------------------------------------------------- segregation of duties

/// A 403 whose code names the rule, and the target unchanged.
#[track_caller]
fn own(r: &Res, code: &str) -> Value {
    let v = r.problem(403, code);
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
    v
}

#[actix_web::test]
async fn nobody_sets_or_proposes_their_own_target() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;

    // A salesperson: never their own target, at any step.
    own(
        &create(&app, &w.sp.token, &revenue(w.sp.id, "1")).await,
        "own_target",
    );
    let id = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    own(
        &step(&app, &w.sp.token, id, "propose", None).await,
        "own_target",
    );
    own(
        &patch(&app, &w.sp.token, id, json!({"value": "1"}), None).await,
        "own_target",
    );
    own(
        &step(&app, &w.sp.token, id, "cancel", None).await,
        "own_target",
    );
    propose(&app, &w.mgr.token, id).await;
    own(
        &step(
            &app,
            &w.sp.token,
            id,
            "revise",
            Some(&json!({"value": "1"})),
        )
        .await,
        "own_target",
    );
    // ... but they agree it.
    assert_eq!(agree(&app, &w.sp.token, id).await["status"], "agreed");

    // A manager who belongs to the team they manage: not their own target either.
    app.join(&w.org, w.north, w.mgr.id, "2026-01-01").await;
    own(
        &create(&app, &w.mgr.token, &revenue(w.mgr.id, "1")).await,
        "own_target",
    );
    // Their own manager (the manager of the parent team) sets it, and they agree it.
    let m = uuid(&target(&app, &w.rmgr.token, revenue(w.mgr.id, "5000")).await["id"]);
    own(
        &step(&app, &w.mgr.token, m, "propose", None).await,
        "own_target",
    );
    own(
        &patch(&app, &w.mgr.token, m, json!({"value": "1"}), None).await,
        "own_target",
    );
    propose(&app, &w.rmgr.token, m).await;
    own(
        &step(
            &app,
            &w.mgr.token,
            m,
            "revise",
            Some(&json!({"value": "1"})),
        )
        .await,
        "own_target",
    );
    own(
        &step(&app, &w.mgr.token, m, "cancel", None).await,
        "own_target",
    );
    refused_by(
        &app,
        admin,
        m,
        "agree",
        None,
        &[
            ("the manager above", &w.rmgr.token, 403),
            ("an admin", admin, 403),
        ],
    )
    .await;
    let v = agree(&app, &w.mgr.token, m).await;
    assert_eq!(uuid(&v["agreed_by"]), w.mgr.id);
    assert_eq!(uuid(&v["created_by"]), w.rmgr.id);

    // An admin is bound too; another admin sets it.
    own(
        &create(&app, admin, &revenue(w.org.admin_id, "1")).await,
        "own_target",
    );
    let admin2 = app.person(&w.org, "admin", None).await;
    let a = uuid(&target(&app, &admin2.token, revenue(w.org.admin_id, "1000")).await["id"]);
    own(&step(&app, admin, a, "propose", None).await, "own_target");
    propose(&app, &admin2.token, a).await;
    own(
        &step(&app, &admin2.token, a, "agree", None).await,
        "forbidden",
    );
    agree(&app, admin, a).await;

    // Everyone else as before: the manager sets his people's targets.
    let t = uuid(&target(&app, &w.mgr.token, revenue(w.mate.id, "900")).await["id"]);
    propose(&app, &w.mgr.token, t).await;
    agree(&app, &w.mate.token, t).await;
}

#[actix_web::test]
async fn nobody_sets_or_proposes_a_target_of_a_team_they_manage_or_belong_to() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    // A pod below North without a manager of its own: North's manager runs it.
    let pod = app.team(&w.org, "Pod", None, Some(w.north)).await;

    // The team's manager does not set it, nor a sub-team's without a manager.
    for (token, team) in [
        (&w.mgr.token, w.north),
        (&w.mgr.token, pod),
        (&w.rmgr.token, w.region),
        (&w.mgr2.token, w.south),
    ] {
        own(
            &create(&app, token, &team_revenue(team, "1")).await,
            "own_team",
        );
    }
    // A member does not either (a salesperson, an admin who belongs to it).
    own(
        &create(&app, &w.sp.token, &team_revenue(w.north, "1")).await,
        "own_team",
    );
    app.join(&w.org, w.unmanaged, w.org.admin_id, "2026-01-01")
        .await;
    own(
        &create(&app, admin, &team_revenue(w.unmanaged, "1")).await,
        "own_team",
    );

    // North's target: set by the manager of the region above, agreed by North's manager.
    let n = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "50000")).await["id"]);
    own(
        &patch(&app, &w.mgr.token, n, json!({"value": "1"}), None).await,
        "own_team",
    );
    own(
        &step(&app, &w.mgr.token, n, "propose", None).await,
        "own_team",
    );
    own(
        &step(&app, &w.sp.token, n, "propose", None).await,
        "own_team",
    );
    own(
        &step(&app, &w.mgr.token, n, "cancel", None).await,
        "own_team",
    );
    propose(&app, &w.rmgr.token, n).await;
    own(
        &step(
            &app,
            &w.mgr.token,
            n,
            "revise",
            Some(&json!({"value": "1"})),
        )
        .await,
        "own_team",
    );
    let v = agree(&app, &w.mgr.token, n).await;
    assert_eq!(uuid(&v["agreed_by"]), w.mgr.id);
    let v = revise(&app, &w.rmgr.token, n, "55000").await;
    let n2 = uuid(&v["id"]);
    own(
        &step(&app, &w.mgr.token, n2, "cancel", None).await,
        "own_team",
    );
    agree(&app, &w.mgr.token, n2).await;

    // The pod's: the region's manager sets it; North's manager, who answers for
    // it, agrees (it has no manager of its own).
    let p = uuid(&target(&app, &w.rmgr.token, team_revenue(pod, "9000")).await["id"]);
    own(
        &step(&app, &w.mgr.token, p, "propose", None).await,
        "own_team",
    );
    propose(&app, &w.rmgr.token, p).await;
    agree(&app, &w.mgr.token, p).await;

    // The region's and South's: only an admin sets them; their managers agree.
    for (team, manager) in [(w.region, &w.rmgr), (w.south, &w.mgr2)] {
        let t = uuid(&target(&app, admin, team_revenue(team, "90000")).await["id"]);
        own(
            &step(&app, &manager.token, t, "propose", None).await,
            "own_team",
        );
        propose(&app, admin, t).await;
        assert_eq!(
            uuid(&agree(&app, &manager.token, t).await["agreed_by"]),
            manager.id
        );
    }

    // A team without a manager: an admin who belongs to it neither sets nor
    // proposes it; another admin does, and an admin who did not set it agrees.
    let admin2 = app.person(&w.org, "admin", None).await;
    // Nor the target of a team above the one they belong to: their results count there.
    app.join(&w.org, pod, admin2.id, "2026-01-01").await;
    for team in [pod, w.north, w.region] {
        own(
            &create(&app, &admin2.token, &team_revenue(team, "1")).await,
            "own_team",
        );
    }
    target(&app, &admin2.token, team_revenue(w.south, "1")).await;
    let u = uuid(&target(&app, &admin2.token, team_revenue(w.unmanaged, "30000")).await["id"]);
    own(&step(&app, admin, u, "propose", None).await, "own_team");
    own(
        &step(&app, &w.loner.token, u, "propose", None).await,
        "own_team",
    );
    propose(&app, &admin2.token, u).await;
    own(
        &step(&app, &admin2.token, u, "agree", None).await,
        "own_team",
    );
    agree(&app, admin, u).await;
}

async fn set_manager(app: &TestApp, admin: &str, team: Uuid, manager: Option<Uuid>) {
    app.patch(&format!("/v1/teams/{team}"))
        .token(admin)
        .json(&json!({ "manager_id": manager }))
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn nobody_agrees_a_target_they_set_or_proposed() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let admin2 = app.person(&w.org, "admin", None).await;

    // The region's manager sets and proposes North's target, then becomes North's
    // manager: he does not agree what he set.
    let n = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "1")).await["id"]);
    propose(&app, &w.rmgr.token, n).await;
    set_manager(&app, admin, w.north, Some(w.rmgr.id)).await;
    refused_with(
        &app,
        admin,
        n,
        "agree",
        None,
        &[(
            "the setter, now its manager",
            &w.rmgr.token,
            403,
            "own_team",
        )],
    )
    .await;
    set_manager(&app, admin, w.north, Some(w.mgr.id)).await;
    assert_eq!(
        uuid(&agree(&app, &w.mgr.token, n).await["agreed_by"]),
        w.mgr.id
    );

    // Nor does whoever revised it (the new version is theirs).
    let v = revise(&app, &w.rmgr.token, n, "2").await;
    let n2 = uuid(&v["id"]);
    set_manager(&app, admin, w.north, Some(w.rmgr.id)).await;
    refused_with(
        &app,
        admin,
        n2,
        "agree",
        None,
        &[(
            "the reviser, now its manager",
            &w.rmgr.token,
            403,
            "own_team",
        )],
    )
    .await;
    set_manager(&app, admin, w.north, Some(w.mgr.id)).await;

    // An admin alone: South loses its manager, the admin sets, proposes, and makes
    // themselves its manager; they still do not agree it.
    set_manager(&app, admin, w.south, None).await;
    let s = uuid(&target(&app, admin, team_revenue(w.south, "1")).await["id"]);
    propose(&app, admin, s).await;
    set_manager(&app, admin, w.south, Some(w.org.admin_id)).await;
    refused_with(
        &app,
        admin,
        s,
        "agree",
        None,
        &[("the admin who set it", admin, 403, "own_team")],
    )
    .await;

    // A team without a manager: another admin agrees what one admin proposed.
    let u = uuid(&target(&app, admin, team_revenue(w.unmanaged, "1")).await["id"]);
    propose(&app, &admin2.token, u).await;
    refused_with(
        &app,
        admin,
        u,
        "agree",
        None,
        &[
            ("the admin who set it", admin, 403, "own_team"),
            ("the admin who proposed it", &admin2.token, 403, "own_team"),
        ],
    )
    .await;
    let admin3 = app.person(&w.org, "admin", None).await;
    assert_eq!(
        uuid(&agree(&app, &admin3.token, u).await["agreed_by"]),
        admin3.id
    );

    // The organisation's: four eyes when there is a second admin.
    let body = json!({
        "title": "Company revenue", "subject_type": "org", "metric": "revenue",
        "value": "1000000", "period": "2026"
    });
    let o = uuid(&target(&app, admin, body).await["id"]);
    propose(&app, admin, o).await;
    refused_with(
        &app,
        admin,
        o,
        "agree",
        None,
        &[("the admin who set it", admin, 403, "own_target")],
    )
    .await;
    assert_eq!(
        uuid(&agree(&app, &admin2.token, o).await["agreed_by"]),
        admin2.id
    );
}

#[actix_web::test]
async fn a_sub_team_without_a_manager_is_agreed_by_the_manager_who_answers_for_it() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let pod = app.team(&w.org, "Pod", None, Some(w.north)).await;
    let p = uuid(&target(&app, &w.rmgr.token, team_revenue(pod, "9000")).await["id"]);
    propose(&app, &w.rmgr.token, p).await;
    refused_by(
        &app,
        admin,
        p,
        "agree",
        None,
        &[
            ("an admin", admin, 403),
            ("the region's manager", &w.rmgr.token, 403),
        ],
    )
    .await;
    assert_eq!(
        uuid(&agree(&app, &w.mgr.token, p).await["agreed_by"]),
        w.mgr.id
    );
}

#[actix_web::test]
async fn a_manager_never_sets_the_target_of_a_manager_above_them() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // North's manager adds the region's manager (his own manager) to North.
    app.put(&format!("/v1/teams/{}/members/{}", w.north, w.rmgr.id))
        .token(&w.mgr.token)
        .json(&json!({"from": "2026-01-01"}))
        .send()
        .await
        .expect(200);
    create(&app, &w.mgr.token, &revenue(w.rmgr.id, "1"))
        .await
        .problem(403, "forbidden");
    // His people's targets he still sets.
    target(&app, &w.mgr.token, revenue(w.sp.id, "1")).await;
}

#[actix_web::test]
async fn membership_during_the_targets_period_counts_not_only_today() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin2 = app.person(&w.org, "admin", None).await;
    let yesterday = today() - Duration::days(1);
    let joined = (today() - Duration::days(100)).to_string();
    app.join(&w.org, w.unmanaged, admin2.id, &joined).await;
    app.delete(&format!(
        "/v1/teams/{}/members/{}?to={yesterday}",
        w.unmanaged, admin2.id
    ))
    .token(&w.org.admin)
    .send()
    .await
    .expect(200);
    let during = |starts: chrono::NaiveDate| {
        with(
            team_revenue(w.unmanaged, "1"),
            json!({
                "period": null,
                "starts_on": starts.to_string(),
                "ends_on": (today() + Duration::days(60)).to_string(),
            }),
        )
    };
    // Their results until yesterday count in a target that starts before today.
    own(
        &create(&app, &admin2.token, &during(yesterday - Duration::days(10))).await,
        "own_team",
    );
    // A target that starts today holds none of them.
    target(&app, &admin2.token, during(today())).await;
}

#[actix_web::test]
async fn a_team_the_caller_does_not_see_is_refused_without_naming_the_duty() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // The salesperson's results count in the region's, but they do not see it.
    let r = create(&app, &w.sp.token, &team_revenue(w.region, "1")).await;
    r.problem(403, "forbidden");
    // Nor North's manager: the region is above his team.
    app.join(&w.org, w.north, w.mgr.id, "2026-01-01").await;
    let r = create(&app, &w.mgr.token, &team_revenue(w.region, "1")).await;
    r.problem(403, "forbidden");
    // Their own team they see: there the duty is named.
    own(
        &create(&app, &w.sp.token, &team_revenue(w.north, "1")).await,
        "own_team",
    );
}
