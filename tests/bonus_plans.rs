//! Bonus plans: tied to financial outcomes only (revenue, gross profit), with
//! tiers and an optional gate; who sees, sets, changes and deletes them; and how
//! they follow a target's revision.

mod common;

use std::collections::BTreeSet;

use common::*;
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

// ---------------------------------------------------------------- financial outcomes only

#[actix_web::test]
async fn plans_on_revenue_and_gross_profit_targets() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let r = create(
        &app,
        &w.org.admin,
        &with(plan(w.revenue), json!({"name": "  Q4 revenue bonus  "})),
    )
    .await;
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    let v = r.expect(201);
    let id = uuid(&v["id"]);
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(v["name"], "Q4 revenue bonus", "trimmed");
    assert_eq!(uuid(&v["target_id"]), w.revenue);
    assert_eq!(v["tiers"], tiers());
    assert!(v["gate"].is_null());
    assert_eq!(uuid(&v["created_by"]), w.org.admin_id);
    assert_eq!(v["version"], 1);
    assert!(v["created_at"].is_string() && v["updated_at"].is_string());
    let r = get(&app, &w.sp.token, id).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(r.expect(200), v);

    // Gross profit, by an admin, with one tier given as numbers.
    let v = new_plan(
        &app,
        &w.org.admin,
        json!({
            "name": "Margin bonus", "target_id": w.gross_profit,
            "tiers": [{"attainment_pct": 100, "payout": 750.5}]
        }),
    )
    .await;
    assert_eq!(uuid(&v["target_id"]), w.gross_profit);
    assert_eq!(
        v["tiers"],
        json!([{"attainment_pct": "100", "payout": "750.5"}])
    );
    assert_eq!(uuid(&v["created_by"]), w.org.admin_id);

    // Team and organisation money targets carry plans too.
    let team = target(
        &app,
        &w.org.admin,
        team_target(w.north, "revenue", "500000"),
    )
    .await;
    new_plan(&app, &w.org.admin, plan(team)).await;
    let org = target(
        &app,
        &w.org.admin,
        json!({"title": "Company margin", "subject_type": "org", "metric": "gross_profit", "value": "900000", "period": "2026"}),
    )
    .await;
    new_plan(&app, &w.org.admin, plan(org)).await;
}

#[actix_web::test]
async fn plans_on_activity_and_new_account_targets_are_refused() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for (t, metric) in [
        (w.activities, "activities"),
        (w.new_accounts, "new_accounts"),
    ] {
        let r = create(&app, &w.org.admin, &plan(t)).await;
        let v = refused(
            &r,
            "bonus_not_financial",
            &[("target_id", "bonus_not_financial")],
        );
        let detail = v["detail"].as_str().unwrap();
        assert!(
            detail.contains("revenue")
                && detail.contains("gross_profit")
                && detail.contains(metric),
            "{detail}"
        );
    }
    // A team's activities too; and the rule names the problem beside other errors.
    let team_calls = target(
        &app,
        &w.org.admin,
        json!({
            "title": "Team calls", "subject_type": "team", "subject_id": w.north,
            "metric": "activities", "activity_kind": "call", "value": 1000, "period": "2026-Q4"
        }),
    )
    .await;
    let r = create(&app, &w.org.admin, &plan(team_calls)).await;
    refused(
        &r,
        "bonus_not_financial",
        &[("target_id", "bonus_not_financial")],
    );
    let r = create(
        &app,
        &w.org.admin,
        &with(plan(w.activities), json!({"name": " ", "tiers": []})),
    )
    .await;
    refused(
        &r,
        "bonus_not_financial",
        &[
            ("name", "required"),
            ("tiers", "count"),
            ("target_id", "bonus_not_financial"),
        ],
    );
    assert_eq!(listed(&app, &w.org.admin, "").await, set(&[]));
}

#[actix_web::test]
async fn a_gate_holds_the_payout_to_a_financial_target() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // Revenue bonus, paid only with at least 100% of the minimum gross profit.
    let v = new_plan(
        &app,
        &w.org.admin,
        with(
            plan(w.revenue),
            json!({"gate": {"target_id": w.gross_profit, "attainment_pct": "100"}}),
        ),
    )
    .await;
    let id = uuid(&v["id"]);
    assert_eq!(
        v["gate"],
        json!({"target_id": w.gross_profit.to_string(), "attainment_pct": "100.00"})
    );
    // A team's gross profit can gate a person's revenue bonus.
    let team_gp = target(
        &app,
        &w.org.admin,
        team_target(w.north, "gross_profit", "90000"),
    )
    .await;
    let v = new_plan(
        &app,
        &w.org.admin,
        with(
            plan(w.revenue),
            json!({"gate": {"target_id": team_gp, "attainment_pct": 90.5}}),
        ),
    )
    .await;
    assert_eq!(v["gate"]["attainment_pct"], "90.50");

    // A gate on activities or new accounts is not a financial outcome.
    for t in [w.activities, w.new_accounts] {
        let r = create(
            &app,
            &w.org.admin,
            &with(
                plan(w.revenue),
                json!({"gate": {"target_id": t, "attainment_pct": "100"}}),
            ),
        )
        .await;
        refused(
            &r,
            "bonus_not_financial",
            &[("gate.target_id", "bonus_not_financial")],
        );
    }
    // Gate percentages and targets.
    for pct in [json!("0"), json!(-10), json!("1000.01"), json!("99.999")] {
        let r = create(
            &app,
            &w.org.admin,
            &with(
                plan(w.revenue),
                json!({"gate": {"target_id": w.gross_profit, "attainment_pct": pct}}),
            ),
        )
        .await;
        refused(
            &r,
            "validation_failed",
            &[("gate.attainment_pct", "out_of_range")],
        );
    }
    let r = create(
        &app,
        &w.org.admin,
        &with(
            plan(w.revenue),
            json!({"gate": {"target_id": Uuid::now_v7(), "attainment_pct": "100"}}),
        ),
    )
    .await;
    refused(&r, "validation_failed", &[("gate.target_id", "not_found")]);
    let r = create(
        &app,
        &w.org.admin,
        &with(
            plan(w.revenue),
            json!({"gate": {"target_id": w.gross_profit}}),
        ),
    )
    .await;
    refused(
        &r,
        "validation_failed",
        &[("gate.attainment_pct", "required")],
    );
    let r = create(
        &app,
        &w.org.admin,
        &with(
            plan(w.revenue),
            json!({"gate": {"target_id": w.gross_profit, "attainment_pct": "100", "min": 1}}),
        ),
    )
    .await;
    refused(&r, "validation_failed", &[("gate.min", "unknown_field")]);

    // The gate changes, is refused on activities, and is removed with null.
    let r = patch(
        &app,
        &w.org.admin,
        id,
        json!({"gate": {"target_id": w.activities, "attainment_pct": "100"}}),
        None,
    )
    .await;
    refused(
        &r,
        "bonus_not_financial",
        &[("gate.target_id", "bonus_not_financial")],
    );
    let v = patch(
        &app,
        &w.org.admin,
        id,
        json!({"gate": {"target_id": team_gp, "attainment_pct": "95"}}),
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        v["gate"],
        json!({"target_id": team_gp.to_string(), "attainment_pct": "95.00"})
    );
    let v = patch(&app, &w.org.admin, id, json!({"name": "Renamed"}), None)
        .await
        .expect(200);
    assert_eq!(
        v["gate"]["target_id"],
        team_gp.to_string(),
        "kept when absent"
    );
    let v = patch(&app, &w.org.admin, id, json!({"gate": null}), None)
        .await
        .expect(200);
    assert!(v["gate"].is_null());
    assert!(get(&app, &w.sp.token, id).await.expect(200)["gate"].is_null());
}

#[actix_web::test]
async fn tiers_rise_in_attainment_and_never_pay_less() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let t = |p: &str, pay: &str| json!({"attainment_pct": p, "payout": pay});
    let twenty_one: Vec<Value> = (1..=21).map(|i| t(&(i * 10).to_string(), "1")).collect();
    let twenty: Vec<Value> = (1..=20).map(|i| t(&(i * 10).to_string(), "1")).collect();
    for (tiers, errors) in [
        (json!([]), vec![("tiers", "count")]),
        (json!(twenty_one), vec![("tiers", "count")]),
        (
            json!([t("80", "500"), t("80", "600")]),
            vec![("tiers[1].attainment_pct", "not_increasing")],
        ),
        (
            json!([t("100", "500"), t("80", "600")]),
            vec![("tiers[1].attainment_pct", "not_increasing")],
        ),
        (
            json!([t("80", "500"), t("100", "400")]),
            vec![("tiers[1].payout", "decreasing")],
        ),
        (
            json!([t("0", "500")]),
            vec![("tiers[0].attainment_pct", "out_of_range")],
        ),
        (
            json!([t("-5", "500")]),
            vec![("tiers[0].attainment_pct", "out_of_range")],
        ),
        (
            json!([t("1000.01", "500")]),
            vec![("tiers[0].attainment_pct", "out_of_range")],
        ),
        (
            json!([t("80.125", "500")]),
            vec![("tiers[0].attainment_pct", "out_of_range")],
        ),
        (
            json!([t("80", "-1")]),
            vec![("tiers[0].payout", "out_of_range")],
        ),
        (
            json!([t("80", "1.005")]),
            vec![("tiers[0].payout", "out_of_range")],
        ),
        (
            json!([t("80", "1000000000000")]),
            vec![("tiers[0].payout", "out_of_range")],
        ),
        (
            json!([t("100", "1000"), t("100", "900"), t("0", "-1")]),
            vec![
                ("tiers[1].attainment_pct", "not_increasing"),
                ("tiers[1].payout", "decreasing"),
                ("tiers[2].attainment_pct", "out_of_range"),
                ("tiers[2].payout", "out_of_range"),
                ("tiers[2].attainment_pct", "not_increasing"),
                ("tiers[2].payout", "decreasing"),
            ],
        ),
    ] {
        let r = create(
            &app,
            &w.org.admin,
            &with(plan(w.revenue), json!({ "tiers": tiers })),
        )
        .await;
        refused(&r, "validation_failed", &errors);
    }
    // The same field names when a tier is not even a number.
    for (tiers, errors) in [
        (
            json!([t("80", "500"), t("abc", "600")]),
            vec![("tiers[1].attainment_pct", "invalid_value")],
        ),
        (
            json!([t("80", "500"), {"attainment_pct": "90", "payout": "600", "cap": "1"}]),
            vec![("tiers[1].cap", "unknown_field")],
        ),
        (
            json!([{"attainment_pct": "90"}]),
            vec![("tiers[0].payout", "required")],
        ),
    ] {
        let r = create(
            &app,
            &w.org.admin,
            &with(plan(w.revenue), json!({ "tiers": tiers })),
        )
        .await;
        refused(&r, "validation_failed", &errors);
    }
    for (body, errors) in [
        (
            with(plan(w.revenue), json!({"tiers": null})),
            vec![("tiers", "required")],
        ),
        (
            with(plan(w.revenue), json!({"tiers": {"80": "500"}})),
            vec![("tiers", "invalid_type")],
        ),
        (
            with(plan(w.revenue), json!({"name": ""})),
            vec![("name", "required")],
        ),
        (
            with(plan(w.revenue), json!({"name": "x".repeat(201)})),
            vec![("name", "too_long")],
        ),
        (
            with(plan(w.revenue), json!({"target_id": null})),
            vec![("target_id", "required")],
        ),
        (
            with(plan(w.revenue), json!({"target_id": Uuid::now_v7()})),
            vec![("target_id", "not_found")],
        ),
        (
            with(plan(w.revenue), json!({"payout": "1"})),
            vec![("payout", "unknown_field")],
        ),
    ] {
        let r = create(&app, &w.org.admin, &body).await;
        refused(&r, "validation_failed", &errors);
    }
    assert_eq!(
        listed(&app, &w.org.admin, "").await,
        set(&[]),
        "nothing stored"
    );
    // At the edges: one tier, twenty tiers, 1000% and a zero payout are fine.
    new_plan(
        &app,
        &w.org.admin,
        with(plan(w.revenue), json!({"tiers": [t("1000", "0")]})),
    )
    .await;
    let v = new_plan(
        &app,
        &w.org.admin,
        with(plan(w.revenue), json!({ "tiers": twenty })),
    )
    .await;
    assert_eq!(v["tiers"].as_array().unwrap().len(), 20);
    // PATCH checks tiers the same way.
    let id = uuid(&v["id"]);
    let r = patch(
        &app,
        &w.org.admin,
        id,
        json!({"tiers": [t("80", "500"), t("70", "600")]}),
        None,
    )
    .await;
    refused(
        &r,
        "validation_failed",
        &[("tiers[1].attainment_pct", "not_increasing")],
    );
    let r = patch(&app, &w.org.admin, id, json!({"tiers": []}), None).await;
    refused(&r, "validation_failed", &[("tiers", "count")]);
    let r = patch(
        &app,
        &w.org.admin,
        id,
        json!({"target_id": w.gross_profit}),
        None,
    )
    .await;
    refused(&r, "validation_failed", &[("target_id", "unknown_field")]);
    let v = patch(
        &app,
        &w.org.admin,
        id,
        json!({"tiers": [t("90", "100.50"), t("110", "100.50")]}),
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        v["tiers"],
        json!([t("90", "100.50"), t("110", "100.50")]),
        "an equal payout is not less"
    );
}

// ---------------------------------------------------------------- who may do what

#[actix_web::test]
async fn bonus_plans_are_created_and_changed_by_admins_only() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let rich = json!({
        "name": "A million at 1%", "target_id": w.revenue,
        "tiers": [{"attainment_pct": "1", "payout": "1000000.00"}]
    });
    // Nobody but an admin creates one: the subject's manager, the subject, anyone.
    let mgr_sp = app.person(&w.org, "manager", None).await;
    app.join(&w.org, w.north, mgr_sp.id, "2026-01-01").await;
    for token in [
        &w.mgr.token,
        &w.mgr2.token,
        &mgr_sp.token,
        &w.sp.token,
        &w.mate.token,
        &w.viewer.token,
        &w.client,
    ] {
        let v = create(&app, token, &rich).await.problem(403, "admins_only");
        assert!(v["detail"].as_str().unwrap().contains("admin"), "{v}");
    }
    assert!(listed(&app, &w.org.admin, "").await.is_empty());
    let v = new_plan(&app, &w.org.admin, plan(w.revenue)).await;
    let id = uuid(&v["id"]);
    assert_eq!(uuid(&v["created_by"]), w.org.admin_id);
    // Nor changes or deletes it: 403 for those who see it, 404 for those who do not.
    for (token, status) in [
        (&w.mgr.token, 403),
        (&w.sp.token, 403),
        (&w.viewer.token, 403),
        (&w.client, 403),
        (&w.mate.token, 404),
        (&w.mgr2.token, 404),
    ] {
        let code = if status == 404 {
            "not_found"
        } else {
            "admins_only"
        };
        patch(
            &app,
            token,
            id,
            json!({"tiers": [{"attainment_pct": "1", "payout": "1000000.00"}]}),
            None,
        )
        .await
        .problem(status, code);
        delete(&app, token, id).await.problem(status, code);
    }
    let v = get(&app, &w.org.admin, id).await.expect(200);
    assert_eq!(v["version"], 1);
    assert_eq!(v["tiers"][0]["payout"], "500.00");
    let v = patch(&app, &w.org.admin, id, json!({"name": "By an admin"}), None)
        .await
        .expect(200);
    assert_eq!(v["version"], 2);
    assert_eq!(delete(&app, &w.org.admin, id).await.status.as_u16(), 204);
}

#[actix_web::test]
async fn plans_are_seen_through_their_targets() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let sps = uuid(&new_plan(&app, &w.org.admin, plan(w.revenue)).await["id"]);
    let sps_gp = uuid(&new_plan(&app, &w.org.admin, plan(w.gross_profit)).await["id"]);
    let mates_target = target(&app, &w.mgr.token, person_target(w.mate.id, "revenue", "1")).await;
    let mates = uuid(&new_plan(&app, &w.org.admin, plan(mates_target)).await["id"]);
    let north_target = target(&app, &w.org.admin, team_target(w.north, "revenue", "1")).await;
    let north = uuid(&new_plan(&app, &w.org.admin, plan(north_target)).await["id"]);
    let others_target = target(
        &app,
        &w.mgr2.token,
        person_target(w.other.id, "revenue", "1"),
    )
    .await;
    let others = uuid(&new_plan(&app, &w.org.admin, plan(others_target)).await["id"]);
    let south_target = target(&app, &w.org.admin, team_target(w.south, "revenue", "1")).await;
    let south = uuid(&new_plan(&app, &w.org.admin, plan(south_target)).await["id"]);
    let org_target = target(
        &app,
        &w.org.admin,
        json!({"title": "Org", "subject_type": "org", "metric": "revenue", "value": "1", "period": "2026"}),
    )
    .await;
    let org = uuid(&new_plan(&app, &w.org.admin, plan(org_target)).await["id"]);
    let all = [sps, sps_gp, mates, north, others, south, org];
    for (name, token, sees) in [
        ("sp", &w.sp.token, vec![sps, sps_gp, north, org]),
        ("mate", &w.mate.token, vec![mates, north, org]),
        ("other", &w.other.token, vec![others, south, org]),
        ("mgr", &w.mgr.token, vec![sps, sps_gp, mates, north, org]),
        ("mgr2", &w.mgr2.token, vec![others, south, org]),
        ("viewer", &w.viewer.token, all.to_vec()),
        ("client", &w.client, all.to_vec()),
        ("admin", &w.org.admin, all.to_vec()),
    ] {
        assert_eq!(listed(&app, token, "").await, set(&sees), "{name}");
        for id in all {
            let r = get(&app, token, id).await;
            if sees.contains(&id) {
                r.expect(200);
            } else {
                r.problem(404, "not_found");
            }
        }
    }
    // Filter by target, paginate in creation order.
    assert_eq!(
        listed(&app, &w.org.admin, &format!("&target_id={}", w.revenue)).await,
        set(&[sps])
    );
    assert_eq!(
        listed(&app, &w.mate.token, &format!("&target_id={}", w.revenue)).await,
        set(&[]),
        "a filter never reveals what the caller cannot see"
    );
    assert_eq!(
        listed(&app, &w.org.admin, &format!("&target_id={}", w.activities)).await,
        set(&[])
    );
    let (rows, n) = pages(&app, &w.org.admin, "", 3).await;
    assert_eq!(n, 3);
    let ids: Vec<Uuid> = rows.iter().map(|p| uuid(&p["id"])).collect();
    assert_eq!(ids, all.to_vec());
    for q in ["limit=0", "limit=201"] {
        app.get(&format!("/v1/bonus-plans?{q}"))
            .token(&w.org.admin)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    app.get("/v1/bonus-plans?cursor=nope!")
        .token(&w.org.admin)
        .send()
        .await
        .problem(400, "invalid_cursor");
    app.get("/v1/bonus-plans?target_id=nope")
        .token(&w.org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    // A client without the read scope reads nothing.
    let (cid, _) = app.client(&w.org, &["sales:write"]).await;
    let writer = app.sign(w.org.id, "client", cid, Some("sales:write"));
    app.get("/v1/bonus-plans")
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    get(&app, &writer, sps).await.problem(403, "forbidden");
    app.get("/v1/bonus-plans")
        .send()
        .await
        .problem(401, "missing_token");
}

#[actix_web::test]
async fn another_organisations_plans_are_not_found() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = uuid(&new_plan(&app, &w.org.admin, plan(w.revenue)).await["id"]);
    let org2 = app.org("Rival").await;
    let (cid, _) = app.client(&org2, &["read"]).await;
    let client2 = app.sign(org2.id, "client", cid, Some("read"));
    for token in [&org2.admin, &client2] {
        get(&app, token, id).await.problem(404, "not_found");
        assert_eq!(listed(&app, token, "").await, set(&[]));
    }
    patch(&app, &org2.admin, id, json!({"name": "Ours"}), None)
        .await
        .problem(404, "not_found");
    delete(&app, &org2.admin, id)
        .await
        .problem(404, "not_found");
    // Nor can they put a plan or a gate on our targets.
    let r = create(&app, &org2.admin, &plan(w.revenue)).await;
    refused(&r, "validation_failed", &[("target_id", "not_found")]);
    let sp2 = app.person(&org2, "salesperson", None).await;
    let theirs = target(&app, &org2.admin, person_target(sp2.id, "revenue", "1")).await;
    let r = create(
        &app,
        &org2.admin,
        &with(
            plan(theirs),
            json!({"gate": {"target_id": w.gross_profit, "attainment_pct": "100"}}),
        ),
    )
    .await;
    refused(&r, "validation_failed", &[("gate.target_id", "not_found")]);
    assert_eq!(get(&app, &w.sp.token, id).await.expect(200)["version"], 1);
}

// ---------------------------------------------------------------- concurrency and revisions

#[actix_web::test]
async fn patch_with_if_match() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = uuid(&new_plan(&app, &w.org.admin, plan(w.revenue)).await["id"]);
    let r = patch(
        &app,
        &w.org.admin,
        id,
        json!({"name": "Two"}),
        Some("\"1\""),
    )
    .await;
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(r.expect(200)["version"], 2);
    // Stale: 412, nothing changes.
    patch(
        &app,
        &w.org.admin,
        id,
        json!({"name": "Stale"}),
        Some("\"1\""),
    )
    .await
    .problem(412, "version_mismatch");
    let r = get(&app, &w.sp.token, id).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(r.expect(200)["name"], "Two");
    patch(
        &app,
        &w.org.admin,
        id,
        json!({"name": "Three"}),
        Some("W/\"2\""),
    )
    .await
    .expect(200);
    patch(&app, &w.org.admin, id, json!({"name": "Four"}), Some("*"))
        .await
        .expect(200);
    let v = patch(&app, &w.org.admin, id, json!({}), None)
        .await
        .expect(200);
    assert_eq!(
        (v["name"].as_str(), v["version"].as_i64()),
        (Some("Four"), Some(5))
    );
    assert_eq!(v["tiers"], tiers(), "untouched");
    // A salesperson's stale If-Match is still refused as admins_only first.
    patch(&app, &w.sp.token, id, json!({"name": "x"}), Some("\"1\""))
        .await
        .problem(403, "admins_only");
}

#[actix_web::test]
async fn a_revision_moves_plans_and_gates_to_the_new_version() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let team_gp = target(
        &app,
        &w.org.admin,
        team_target(w.north, "gross_profit", "90000"),
    )
    .await;
    let gated = uuid(
        &new_plan(
            &app,
            &w.org.admin,
            with(
                plan(w.revenue),
                json!({"gate": {"target_id": team_gp, "attainment_pct": "100"}}),
            ),
        )
        .await["id"],
    );
    let plain = uuid(&new_plan(&app, &w.org.admin, plan(w.revenue)).await["id"]);
    let on_gp = uuid(&new_plan(&app, &w.org.admin, plan(w.gross_profit)).await["id"]);

    // The person's revenue target: proposed, agreed, revised.
    step(&app, &w.mgr.token, w.revenue, "propose", None)
        .await
        .expect(200);
    step(&app, &w.sp.token, w.revenue, "agree", None)
        .await
        .expect(200);
    let v2 = uuid(
        &step(
            &app,
            &w.mgr.token,
            w.revenue,
            "revise",
            Some(json!({"value": "120000"})),
        )
        .await
        .expect(201)["id"],
    );
    for id in [gated, plain] {
        let v = get(&app, &w.sp.token, id).await.expect(200);
        assert_eq!(
            uuid(&v["target_id"]),
            v2,
            "the plan follows the new version"
        );
    }
    assert_eq!(
        uuid(&get(&app, &w.sp.token, on_gp).await.expect(200)["target_id"]),
        w.gross_profit,
        "other plans stay"
    );
    assert_eq!(
        listed(&app, &w.org.admin, &format!("&target_id={v2}")).await,
        set(&[gated, plain])
    );
    assert_eq!(
        listed(&app, &w.org.admin, &format!("&target_id={}", w.revenue)).await,
        set(&[])
    );

    // The gate's target revised (while proposed): the gate follows.
    step(&app, &w.org.admin, team_gp, "propose", None)
        .await
        .expect(200);
    let gp2 = uuid(
        &step(
            &app,
            &w.org.admin,
            team_gp,
            "revise",
            Some(json!({"value": "95000"})),
        )
        .await
        .expect(201)["id"],
    );
    let v = get(&app, &w.sp.token, gated).await.expect(200);
    assert_eq!(
        v["gate"],
        json!({"target_id": gp2.to_string(), "attainment_pct": "100.00"})
    );
    assert_eq!(uuid(&v["target_id"]), v2);
    // The salesperson still sees the plan, and it is still changed by an admin only.
    patch(
        &app,
        &w.org.admin,
        gated,
        json!({"name": "After revision"}),
        None,
    )
    .await
    .expect(200);
    for token in [&w.sp.token, &w.mgr.token] {
        patch(&app, token, gated, json!({"name": "x"}), None)
            .await
            .problem(403, "admins_only");
    }
}

#[actix_web::test]
async fn a_nul_in_a_tier_is_named_like_every_other_tier_error() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // "abc" is named tiers[0].payout; a NUL character in the same string must be too.
    let r = create(
        &app,
        &w.org.admin,
        &with(
            plan(w.revenue),
            json!({"tiers": [{"attainment_pct": "80", "payout": "5\u{0}00"}]}),
        ),
    )
    .await;
    refused(
        &r,
        "validation_failed",
        &[("tiers[0].payout", "invalid_characters")],
    );
}

#[actix_web::test]
async fn plans_and_gates_need_a_live_target() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    step(&app, &w.mgr.token, w.revenue, "cancel", None)
        .await
        .expect(200);
    let r = create(&app, &w.org.admin, &plan(w.revenue)).await;
    let v = r.problem(422, "validation_failed");
    assert_eq!(field_errors(&v), vec![pair("target_id", "target_not_live")]);
    // A cancelled gross-profit target cannot gate a plan either.
    let live = target(
        &app,
        &w.mgr.token,
        person_target(w.sp.id, "revenue", "90000"),
    )
    .await;
    step(&app, &w.mgr.token, w.gross_profit, "cancel", None)
        .await
        .expect(200);
    let body = with(
        plan(live),
        json!({"gate": {"target_id": w.gross_profit, "attainment_pct": "100"}}),
    );
    let v = create(&app, &w.org.admin, &body)
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        field_errors(&v),
        vec![pair("gate.target_id", "target_not_live")]
    );
}

#[actix_web::test]
async fn an_admin_puts_no_plan_on_a_target_they_answer_for() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let admin2 = app.person(&w.org, "admin", None).await;
    // Another admin sets the first admin's target; the first admin agrees it.
    let mine = target(
        &app,
        &admin2.token,
        person_target(w.org.admin_id, "revenue", "1000"),
    )
    .await;
    step(&app, &admin2.token, mine, "propose", None)
        .await
        .expect(200);
    step(&app, admin, mine, "agree", None).await.expect(200);
    let big = json!([{"attainment_pct": "1", "payout": "1000000"}]);
    create(&app, admin, &with(plan(mine), json!({"tiers": big})))
        .await
        .problem(403, "own_target");
    // Nor as the gate of a plan on someone else's target.
    let gated = with(
        plan(w.revenue),
        json!({"gate": {"target_id": mine, "attainment_pct": "1"}}),
    );
    create(&app, admin, &gated).await.problem(403, "own_target");
    // The other admin makes it; the first does not change it afterwards.
    let p = new_plan(&app, &admin2.token, plan(mine)).await;
    let id = uuid(&p["id"]);
    patch(&app, admin, id, json!({"tiers": big}), None)
        .await
        .problem(403, "own_target");
    // Nor gate another plan on it.
    let other = uuid(&new_plan(&app, &admin2.token, plan(w.revenue)).await["id"]);
    patch(
        &app,
        admin,
        other,
        json!({"gate": {"target_id": mine, "attainment_pct": "1"}}),
        None,
    )
    .await
    .problem(403, "own_target");
    // A team's: an admin who belongs to North puts no plan on North's target.
    let north = target(&app, &admin2.token, team_target(w.north, "revenue", "5000")).await;
    app.join(&w.org, w.north, w.org.admin_id, "2026-01-01")
        .await;
    create(&app, admin, &plan(north))
        .await
        .problem(403, "own_team");
    // Plans on everybody else's targets are as before.
    new_plan(&app, admin, plan(w.revenue)).await;
    assert_eq!(
        get(&app, admin, id).await.expect(200)["tiers"],
        plan(mine)["tiers"]
    );
}
