//! A salesperson's own conversion of a prospect is pending, counted nowhere, until
//! their manager or an admin confirms it; a refused one never counts.

use super::segregation::{own_prospect, world, World};
use super::*;

use chrono::Datelike;
use rust_decimal::Decimal;

/// This month's key, e.g. `2026-12` (the organisation's calendar starts in January).
fn this_month() -> String {
    format!("{:04}-{:02}", today().year(), today().month())
}

/// An agreed target of one new account this month for `who`.
async fn new_accounts_target(app: &TestApp, org: &Org, who: &Person) -> String {
    let v = app
        .post("/v1/targets")
        .token(&org.admin)
        .json(
            &json!({"title": "One new account", "subject_type": "user", "subject_id": who.id,
                      "metric": "new_accounts", "value": "1", "period": this_month()}),
        )
        .send()
        .await
        .expect(201);
    let id = v["id"].as_str().unwrap().to_string();
    app.post(&format!("/v1/targets/{id}/propose"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    app.post(&format!("/v1/targets/{id}/agree"))
        .token(&who.token)
        .send()
        .await
        .expect(200);
    id
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
        .parse()
        .unwrap()
}

/// Where a win shows: (progress, scorecard, series, prospect_won milestones,
/// target_achieved milestones).
#[derive(Debug, PartialEq)]
struct Counted {
    progress: Decimal,
    scorecard: Decimal,
    series: Decimal,
    prospects_won: usize,
    targets_achieved: usize,
}

fn counted(n: u32, achieved: usize) -> Counted {
    Counted {
        progress: n.into(),
        scorecard: n.into(),
        series: n.into(),
        prospects_won: n as usize,
        targets_achieved: achieved,
    }
}

async fn count(app: &TestApp, w: &World, target: &str) -> Counted {
    let t = &w.org.admin;
    let progress = app
        .get(&format!("/v1/targets/{target}/progress"))
        .token(t)
        .send()
        .await
        .expect(200);
    let card = app
        .get(&format!(
            "/v1/scorecards?period={}&team_id={}",
            this_month(),
            w.north
        ))
        .token(t)
        .send()
        .await
        .expect(200);
    let row = card["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| uuid(&m["subject_id"]) == w.sp.id)
        .unwrap_or_else(|| panic!("no row for the salesperson: {card}"));
    let series = app
        .get(&format!("/v1/targets/{target}/series?granularity=day"))
        .token(t)
        .send()
        .await
        .expect(200);
    let last = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|p| !p["actual"].is_null())
        .expect("a point up to today");
    let feed = app.get("/v1/successes").token(t).send().await.expect(200);
    let kinds = |k: &str| {
        feed["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == k)
            .count()
    };
    Counted {
        progress: dec(&progress["actual"]),
        scorecard: dec(&row["targets"][0]["actual"]),
        series: dec(&last["actual"]),
        prospects_won: kinds("prospect_won"),
        targets_achieved: kinds("target_achieved"),
    }
}

async fn reject(app: &TestApp, token: &str, id: Uuid, body: Option<Value>) -> Res {
    let r = app
        .post(&format!("/v1/accounts/{id}/reject-conversion"))
        .token(token);
    match body {
        Some(b) => r.json(&b).send().await,
        None => r.send().await,
    }
}

#[actix_web::test]
async fn a_salespersons_own_win_counts_only_once_their_manager_confirms_it() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let target = new_accounts_target(&app, &w.org, &w.sp).await;
    let me = &w.sp.token;

    // The attack: a prospect owned since long ago, won long ago. Both refused.
    create(
        &app,
        me,
        json!({"name": "Backdated", "kind": "prospect", "owned_since": days_ago(40)}),
    )
    .await
    .problem(403, "no_backdating");
    let p = own_prospect(&app, &w.sp, "Fabrikam").await;
    convert(&app, me, p, Some(json!({"converted_on": days_ago(1)})))
        .await
        .problem(403, "no_backdating");

    // Won today: recorded, pending, and counted nowhere.
    let r = convert(&app, me, p, None).await;
    let v = r.expect(200);
    assert_eq!(r.header("etag"), Some(format!("\"{}\"", v["version"])));
    assert_eq!(v["kind"], "prospect", "{v}");
    assert_eq!(v["status"], "open");
    assert_eq!(v["conversion_status"], "pending");
    assert_eq!(v["conversion_requested_on"], today().to_string());
    assert_eq!(uuid(&v["conversion_requested_by"]), w.sp.id);
    assert!(v["conversion_decided_by"].is_null() && v["conversion_decided_at"].is_null());
    assert!(v["converted_on"].is_null() && v["won_by"].is_null());
    assert_eq!(uuid(&v["owner_id"]), w.sp.id);
    assert_eq!(get(&app, me, p).await.expect(200), v);
    assert_eq!(count(&app, &w, &target).await, counted(0, 0));

    // The salesperson can neither confirm nor refuse their own.
    convert(&app, me, p, None)
        .await
        .problem(409, "invalid_transition");
    reject(&app, me, p, None).await.problem(403, "forbidden");
    // Another team's manager does not see it.
    convert(&app, &w.sm.token, p, None)
        .await
        .problem(404, "not_found");
    reject(&app, &w.sm.token, p, None)
        .await
        .problem(404, "not_found");
    assert_eq!(count(&app, &w, &target).await, counted(0, 0));

    // The manager finds what awaits confirmation.
    assert_eq!(
        listed(&app, &w.nm.token, "&conversion_status=pending").await,
        set(&[p])
    );
    assert_eq!(
        listed(&app, me, "&conversion_status=pending").await,
        set(&[p])
    );
    assert!(listed(&app, &w.sm.token, "&conversion_status=pending")
        .await
        .is_empty());
    assert!(listed(&app, &w.org.admin, "&conversion_status=confirmed")
        .await
        .is_empty());

    // The manager confirms: won on the day it was recorded, by its owner.
    let v = convert(&app, &w.nm.token, p, None).await.expect(200);
    assert_eq!(v["kind"], "customer", "{v}");
    assert_eq!(v["status"], "active");
    assert_eq!(v["conversion_status"], "confirmed");
    assert_eq!(v["converted_on"], today().to_string());
    assert_eq!(uuid(&v["won_by"]), w.sp.id);
    assert_eq!(uuid(&v["conversion_requested_by"]), w.sp.id);
    assert_eq!(uuid(&v["conversion_decided_by"]), w.nm.id);
    assert!(v["conversion_decided_at"].is_string());
    assert_eq!(uuid(&v["owner_id"]), w.sp.id);
    assert_eq!(count(&app, &w, &target).await, counted(1, 1));

    // Once only.
    for t in [&w.nm.token, &w.org.admin] {
        convert(&app, t, p, None)
            .await
            .problem(409, "not_a_prospect");
        reject(&app, t, p, None)
            .await
            .problem(409, "invalid_transition");
    }
    assert_eq!(count(&app, &w, &target).await, counted(1, 1));
    assert!(listed(&app, &w.nm.token, "&conversion_status=pending")
        .await
        .is_empty());
    assert_eq!(
        listed(&app, &w.nm.token, "&conversion_status=confirmed").await,
        set(&[p])
    );
}

#[actix_web::test]
async fn a_refused_conversion_never_counts() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let target = new_accounts_target(&app, &w.org, &w.sp).await;
    let me = &w.sp.token;
    let p = own_prospect(&app, &w.sp, "Fabrikam").await;
    convert(&app, me, p, None).await.expect(200);

    // The manager of the parent team refuses it, saying why: still an open prospect.
    let r = reject(
        &app,
        &w.rm.token,
        p,
        Some(json!({"reason": "No signed order yet"})),
    )
    .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag"), Some(format!("\"{}\"", v["version"])));
    assert_eq!(v["kind"], "prospect", "{v}");
    assert_eq!(v["status"], "open");
    assert_eq!(v["conversion_status"], "rejected");
    assert_eq!(v["conversion_reason"], "No signed order yet");
    assert_eq!(uuid(&v["conversion_decided_by"]), w.rm.id);
    assert_eq!(v["conversion_requested_on"], today().to_string());
    assert!(v["converted_on"].is_null() && v["won_by"].is_null());
    assert_eq!(count(&app, &w, &target).await, counted(0, 0));
    // Nothing is pending any more.
    for t in [&w.rm.token, &w.nm.token, &w.org.admin] {
        reject(&app, t, p, None)
            .await
            .problem(409, "invalid_transition");
    }

    // Recorded again, refused again (by an admin, without a reason).
    let v = convert(&app, me, p, None).await.expect(200);
    assert_eq!(v["conversion_status"], "pending");
    assert!(v["conversion_reason"].is_null() && v["conversion_decided_by"].is_null());
    let v = reject(&app, &w.org.admin, p, None).await.expect(200);
    assert_eq!(v["conversion_status"], "rejected");
    assert!(v["conversion_reason"].is_null());
    assert_eq!(uuid(&v["conversion_decided_by"]), w.org.admin_id);

    assert_eq!(count(&app, &w, &target).await, counted(0, 0));
    assert!(listed(&app, &w.nm.token, "&conversion_status=pending")
        .await
        .is_empty());
    assert_eq!(
        listed(&app, &w.nm.token, "&conversion_status=rejected").await,
        set(&[p])
    );
    assert_eq!(
        listed(&app, &w.nm.token, "&kind=prospect&status=open").await,
        set(&[p])
    );
}

#[actix_web::test]
async fn managers_admins_and_crm_syncs_convert_at_once() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let writer = client_token(&app, &w.org, &["accounts:write"]).await;

    // A manager converts one of their people's prospects, back-dated: it counts.
    let a = account(&app, &w.org.admin, "A", "prospect", w.sp.id, "2026-01-01").await;
    let v = convert(
        &app,
        &w.nm.token,
        a,
        Some(json!({"converted_on": days_ago(3)})),
    )
    .await
    .expect(200);
    assert_eq!(v["kind"], "customer", "{v}");
    assert_eq!(v["converted_on"], days_ago(3));
    assert_eq!(v["conversion_status"], "confirmed");
    assert_eq!(uuid(&v["conversion_decided_by"]), w.nm.id);
    assert!(v["conversion_requested_by"].is_null() && v["conversion_requested_on"].is_null());
    // So does an admin.
    let b = account(&app, &w.org.admin, "B", "prospect", w.sp.id, "2026-01-01").await;
    let v = convert(&app, &w.org.admin, b, None).await.expect(200);
    assert_eq!(v["conversion_status"], "confirmed");
    assert_eq!(v["converted_on"], today().to_string());

    // A confirmation may name the day and hand the customer over.
    let c = own_prospect(&app, &w.sp, "C").await;
    convert(&app, &w.sp.token, c, None).await.expect(200);
    let v = convert(
        &app,
        &w.nm.token,
        c,
        Some(json!({"new_owner_id": w.farmer.id, "reason": "Handover"})),
    )
    .await
    .expect(200);
    assert_eq!(v["conversion_status"], "confirmed", "{v}");
    assert_eq!(uuid(&v["won_by"]), w.sp.id);
    assert_eq!(uuid(&v["owner_id"]), w.farmer.id);
    let d = account(&app, &w.org.admin, "D", "prospect", w.sp.id, "2026-01-01").await;
    convert(&app, &w.sp.token, d, None).await.expect(200);
    let v = convert(
        &app,
        &w.org.admin,
        d,
        Some(json!({"converted_on": days_ago(5)})),
    )
    .await
    .expect(200);
    assert_eq!(v["converted_on"], days_ago(5));
    assert_eq!(uuid(&v["conversion_decided_by"]), w.org.admin_id);
    // A salesperson's conversion hands nothing over: their manager does, on confirming.
    let e = own_prospect(&app, &w.sp, "E").await;
    convert(
        &app,
        &w.sp.token,
        e,
        Some(json!({"new_owner_id": w.farmer.id})),
    )
    .await
    .problem(403, "forbidden");

    // The CRM says a pending prospect was won: converted today, as every sync.
    let v = sync(
        &app,
        &writer,
        "crm",
        "f-1",
        json!({"name": "F", "kind": "prospect", "owner_id": w.sp.id}),
    )
    .await
    .expect(201);
    let f = uuid(&v["account"]["id"]);
    convert(&app, &w.sp.token, f, None).await.expect(200);
    let v = sync(
        &app,
        &writer,
        "crm",
        "f-1",
        json!({"name": "F", "kind": "customer"}),
    )
    .await
    .expect(200);
    assert_eq!(v["account"]["kind"], "customer", "{v}");
    assert_eq!(v["account"]["conversion_status"], "confirmed");
    assert_eq!(v["account"]["converted_on"], today().to_string());

    // Customers never converted have no conversion status.
    let g = account(&app, &w.org.admin, "G", "customer", w.sp.id, "2026-01-01").await;
    assert!(get(&app, &w.org.admin, g).await.expect(200)["conversion_status"].is_null());
    assert_eq!(
        listed(&app, &w.org.admin, "&conversion_status=confirmed").await,
        set(&[a, b, c, d, f])
    );
    assert!(listed(&app, &w.org.admin, "&conversion_status=pending")
        .await
        .is_empty());
    app.get("/v1/accounts?conversion_status=won")
        .token(&w.org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
}

#[actix_web::test]
async fn refusing_a_conversion_is_for_the_salespersons_manager_or_an_admin() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let p = own_prospect(&app, &w.sp, "Fabrikam").await;
    convert(&app, &w.sp.token, p, None).await.expect(200);
    let viewer = app.person(&w.org, "viewer", None).await;
    let writer = client_token(&app, &w.org, &["accounts:write"]).await;
    let reader = client_token(&app, &w.org, &["read"]).await;

    // Another organisation, unknown ids and ids that are not ids: 404.
    let theirs = app.org("Other").await;
    for t in [&theirs.admin] {
        reject(&app, t, p, None).await.problem(404, "not_found");
        convert(&app, t, p, None).await.problem(404, "not_found");
    }
    reject(&app, &w.org.admin, Uuid::now_v7(), None)
        .await
        .problem(404, "not_found");
    app.post("/v1/accounts/not-an-id/reject-conversion")
        .token(&w.org.admin)
        .send()
        .await
        .problem(404, "not_found");
    // Not the salesperson's manager, nor a reader, nor a client.
    reject(&app, &w.sm.token, p, None)
        .await
        .problem(404, "not_found");
    reject(&app, &w.other.token, p, None)
        .await
        .problem(404, "not_found");
    for t in [&viewer.token, &writer, &reader] {
        reject(&app, t, p, None).await.problem(403, "forbidden");
    }
    app.post(&format!("/v1/accounts/{p}/reject-conversion"))
        .send()
        .await
        .expect(401);

    // Bad bodies: problem+json, and nothing decided.
    let t = &w.nm.token;
    let cases = [
        (json!({"reason": ""}), pair("reason", "required")),
        (
            json!({"reason": "x".repeat(501)}),
            pair("reason", "too_long"),
        ),
        (json!({"why": "no"}), pair("why", "unknown_field")),
        (json!({"reason": 7}), pair("reason", "invalid_type")),
    ];
    for (body, expected) in cases {
        let v = reject(&app, t, p, Some(body.clone())).await.expect(422);
        assert_eq!(field_error(&v), expected, "{body}");
    }
    app.post(&format!("/v1/accounts/{p}/reject-conversion"))
        .token(t)
        .body("application/json", "{\"reason\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post(&format!("/v1/accounts/{p}/reject-conversion"))
        .token(t)
        .body("text/plain", "reason=no")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    let v = get(&app, &w.org.admin, p).await.expect(200);
    assert_eq!(v["conversion_status"], "pending");
    assert_eq!(v["version"], 2);

    // An empty body is no reason.
    let v = reject(&app, t, p, Some(json!({}))).await.expect(200);
    assert_eq!(v["conversion_status"], "rejected");
    assert_eq!(uuid(&v["conversion_decided_by"]), w.nm.id);
    // Nothing pending on a prospect never converted, nor on a customer.
    let q = own_prospect(&app, &w.sp, "Q").await;
    reject(&app, t, q, None)
        .await
        .problem(409, "invalid_transition");
    let c = account(&app, &w.org.admin, "C", "customer", w.sp.id, "2026-01-01").await;
    reject(&app, &w.org.admin, c, None)
        .await
        .problem(409, "invalid_transition");
}

#[actix_web::test]
async fn a_pending_conversion_is_decided_by_nobody_else_and_withdrawn_by_a_transfer() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let target = new_accounts_target(&app, &w.org, &w.sp).await;
    let writer = client_token(&app, &w.org, &["accounts:write"]).await;

    // An integration client neither confirms nor refuses a salesperson's conversion.
    let p = own_prospect(&app, &w.sp, "Tailspin").await;
    convert(&app, &w.sp.token, p, None).await.expect(200);
    convert(&app, &writer, p, None)
        .await
        .problem(403, "forbidden");
    reject(&app, &writer, p, None)
        .await
        .problem(403, "forbidden");
    assert_eq!(count(&app, &w, &target).await, counted(0, 0));

    // A transfer withdraws it: the new owner's manager finds nothing pending.
    app.post(&format!("/v1/accounts/{p}/transfer"))
        .token(&w.org.admin)
        .json(
            &json!({"new_owner_id": w.other.id, "effective_on": today().to_string(),
                       "reason": "territory change"}),
        )
        .send()
        .await
        .expect(200);
    let v = app
        .get(&format!("/v1/accounts/{p}"))
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["conversion_status"], "rejected", "{v}");
    assert_eq!(v["kind"], "prospect");
    assert!(v["conversion_reason"]
        .as_str()
        .unwrap()
        .contains("transferred"));
    assert!(listed(&app, &w.sm.token, "&conversion_status=pending")
        .await
        .is_empty());
    reject(&app, &w.sm.token, p, None)
        .await
        .problem(409, "invalid_transition");

    // A salesperson promoted to manager does not confirm what they recorded.
    let q = own_prospect(&app, &w.sp, "Woodgrove").await;
    convert(&app, &w.sp.token, q, None).await.expect(200);
    app.patch(&format!("/v1/users/{}", w.sp.id))
        .token(&w.org.admin)
        .json(&json!({"role": "manager", "selling_style": null}))
        .send()
        .await
        .expect(200);
    convert(&app, &w.sp.token, q, None)
        .await
        .problem(403, "forbidden");
    reject(&app, &w.sp.token, q, None)
        .await
        .problem(403, "forbidden");
    assert_eq!(count(&app, &w, &target).await, counted(0, 0));
    // Their own manager still decides it.
    convert(&app, &w.nm.token, q, None).await.expect(200);
    assert_eq!(count(&app, &w, &target).await, counted(1, 1));
}

/// An optional body sent as JSON `null` (which the contract allows) is the same
/// as no body.
#[actix_web::test]
async fn a_null_body_is_no_body() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let p = own_prospect(&app, &w.sp, "Contoso").await;
    let null = |path: String, token: String| {
        let app = &app;
        async move {
            app.post(&path)
                .token(&token)
                .body("application/json", "null")
                .send()
                .await
        }
    };
    let v = null(format!("/v1/accounts/{p}/convert"), w.sp.token.clone())
        .await
        .expect(200);
    assert_eq!(v["conversion_status"], "pending");
    let v = null(
        format!("/v1/accounts/{p}/reject-conversion"),
        w.nm.token.clone(),
    )
    .await
    .expect(200);
    assert_eq!(v["conversion_status"], "rejected");
}
