//! `GET /v1/targets/{id}/progress`, with figures worked out by hand.

use crate::support::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

struct World {
    org: Org,
    sp: Person,
    other: Person,
    account: String,
    team: uuid::Uuid,
}

async fn world(app: &TestApp) -> World {
    let s = Scenario::new("Acme")
        .holidays(&["2026-12-25"])
        .salesperson("sp", "farmer")
        .salesperson("other", "hunter")
        .customer("Contoso", "sp")
        .team("North", None, &[])
        .member("North", "sp", "2026-11-01")
        .sales("admin", |s| {
            let account = s.id("Contoso");
            let sale = |ext: &str, day: &str, revenue: &str, kind: &str| {
                json!({"external_id": ext, "source": "crm", "account_id": account,
                       "occurred_on": day, "revenue": revenue, "gross_profit": "0", "kind": kind})
            };
            json!([
                sale("s1", "2026-10-15", "10000", "invoice"),
                sale("s2", "2026-11-20", "30000", "invoice"),
                sale("s3", "2026-11-25", "1000", "credit_note"),
                sale("s4", "2026-12-10", "5000", "invoice"),
            ])
        })
        .build(app)
        .await;
    World {
        sp: s.person("sp"),
        other: s.person("other"),
        account: s.id("Contoso").to_string(),
        team: s.id("North"),
        org: s.org,
    }
}

async fn target(app: &TestApp, token: &str, body: Value) -> String {
    app.new_target(token, &body).await.to_string()
}

async fn progress(app: &TestApp, token: &str, id: &str, as_of: &str) -> Res {
    app.get(&format!("/v1/targets/{id}/progress?as_of={as_of}"))
        .token(token)
        .send()
        .await
}

fn figures(v: &Value) -> Vec<(&str, String)> {
    [
        "actual",
        "attainment_pct",
        "expected_to_date",
        "pace_pct",
        "status",
        "projected",
        "gap",
        "working_days_left",
        "required_per_working_day",
        "required_per_week",
    ]
    .into_iter()
    .map(|k| (k, v[k].to_string().trim_matches('"').to_string()))
    .collect()
}

fn expect(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

#[actix_web::test]
async fn a_quarter_before_during_and_after() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = target(
        &app,
        &w.org.admin,
        json!({"title": "Q4", "subject_type": "user", "subject_id": w.sp.id, "metric": "revenue", "value": "65000", "period": "2026-Q4"}),
    )
    .await;
    // Q4 2026 has 65 working days (66 weekdays less Christmas). By 26 November
    // 41 have passed (22 in October, 19 in November): 41,000 expected.
    // Actual: 10,000 + 30,000 - 1,000 (a credit note) = 39,000.
    let r = progress(&app, &w.sp.token, &id, "2026-11-26").await;
    let v = r.expect(200);
    assert_eq!(
        figures(&v),
        expect(&[
            ("actual", "39000.00"),
            ("attainment_pct", "60.00"),
            ("expected_to_date", "41000.00"),
            ("pace_pct", "95.12"),
            ("status", "on_track"),
            ("projected", "61829.27"),
            ("gap", "26000.00"),
            ("working_days_left", "24"),
            ("required_per_working_day", "1083.33"),
            ("required_per_week", "5416.65"),
        ])
    );
    // Before the quarter: nothing counted, nothing expected yet.
    let v = progress(&app, &w.sp.token, &id, "2026-09-30")
        .await
        .expect(200);
    assert_eq!(
        figures(&v),
        expect(&[
            ("actual", "0.00"),
            ("attainment_pct", "0.00"),
            ("expected_to_date", "0.00"),
            ("pace_pct", "null"),
            ("status", "on_track"),
            ("projected", "0.00"),
            ("gap", "65000.00"),
            ("working_days_left", "65"),
            ("required_per_working_day", "1000.00"),
            ("required_per_week", "5000.00"),
        ])
    );
    // After it: the December sale counts too (44,000), the value is missed, nothing is required any more.
    let v = progress(&app, &w.sp.token, &id, "2027-01-15")
        .await
        .expect(200);
    assert_eq!(v["actual"], "44000.00");
    assert_eq!(v["expected_to_date"], "65000.00");
    assert_eq!(
        (v["status"].as_str(), v["working_days_left"].as_u64()),
        (Some("at_risk"), Some(0))
    );
    assert_eq!(
        (v["gap"].as_str(), v["required_per_working_day"].as_str()),
        (Some("21000.00"), Some("0.00"))
    );
}

#[actix_web::test]
async fn etags_and_304() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = target(
        &app,
        &w.org.admin,
        json!({"title": "Q4", "subject_type": "user", "subject_id": w.sp.id, "metric": "revenue", "value": "65000", "period": "2026-Q4"}),
    )
    .await;
    let r = progress(&app, &w.sp.token, &id, "2026-11-26").await;
    r.expect(200);
    let etag = r.header("etag").unwrap();
    let again = app
        .get(&format!("/v1/targets/{id}/progress?as_of=2026-11-26"))
        .token(&w.sp.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status.as_u16(), 304);
    assert!(again.body.is_empty());
    // A new sale changes the figures, and the ETag with them.
    app.post("/v1/sales")
        .token(&w.org.admin)
        .json(&json!({"external_id": "s5", "source": "crm", "account_id": w.account, "occurred_on": "2026-11-26", "revenue": "100", "gross_profit": "10"}))
        .send()
        .await
        .expect(201);
    let changed = app
        .get(&format!("/v1/targets/{id}/progress?as_of=2026-11-26"))
        .token(&w.sp.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(changed.expect(200)["actual"], "39100.00");
    assert_ne!(changed.header("etag").unwrap(), etag);
}

#[actix_web::test]
async fn teams_count_members_days_and_account_targets_their_account() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // The person joined North on 1 November: the October sale is not the team's.
    let team_target = target(
        &app,
        &w.org.admin,
        json!({"title": "North Q4", "subject_type": "team", "subject_id": w.team, "metric": "revenue", "value": "50000", "period": "2026-Q4"}),
    )
    .await;
    let v = progress(&app, &w.org.admin, &team_target, "2026-11-26")
        .await
        .expect(200);
    assert_eq!(v["actual"], "29000.00");
    let account_target = target(
        &app,
        &w.org.admin,
        json!({"title": "Contoso Q4", "subject_type": "user", "subject_id": w.sp.id, "account_id": w.account,
               "metric": "revenue", "value": "20000", "period": "2026-Q4"}),
    )
    .await;
    let v = progress(&app, &w.sp.token, &account_target, "2026-11-26")
        .await
        .expect(200);
    assert_eq!(
        (v["actual"].as_str(), v["status"].as_str()),
        (Some("39000.00"), Some("achieved"))
    );
    // Another salesperson does not see it; a bad day is refused.
    progress(&app, &w.other.token, &account_target, "2026-11-26")
        .await
        .problem(404, "not_found");
    progress(&app, &w.sp.token, &account_target, "soon")
        .await
        .problem(400, "invalid_query");
}

#[actix_web::test]
async fn a_bonus_pays_its_tier_and_nothing_while_the_gate_is_shut() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let revenue = target(
        &app,
        &w.org.admin,
        json!({"title": "Q4", "subject_type": "user", "subject_id": w.sp.id, "metric": "revenue", "value": "65000", "period": "2026-Q4"}),
    )
    .await;
    let tiers = json!([
        {"attainment_pct": "50", "payout": "500.00"},
        {"attainment_pct": "60", "payout": "1000.00"},
        {"attainment_pct": "100", "payout": "2000.00"}
    ]);
    let plan = app
        .post("/v1/bonus-plans")
        .token(&w.org.admin)
        .json(&json!({"name": "Q4 bonus", "target_id": revenue, "tiers": tiers}))
        .send()
        .await
        .expect(201);
    let url = format!(
        "/v1/bonus-plans/{}/payout?as_of=2026-11-26",
        plan["id"].as_str().unwrap()
    );
    // 39,000 of 65,000 is 60.00%: the 60% tier, 1,000.00. The run rate projects
    // 61,829.27, 95.12%: still the 60% tier.
    let v = app.get(&url).token(&w.sp.token).send().await.expect(200);
    assert_eq!(
        (
            v["attainment_pct"].as_str(),
            v["tier_reached_pct"].as_str(),
            v["earned"].as_str()
        ),
        (Some("60.00"), Some("60"), Some("1000.00"))
    );
    assert_eq!(
        (
            v["projected_attainment_pct"].as_str(),
            v["projected_payout"].as_str()
        ),
        (Some("95.12"), Some("1000.00"))
    );
    assert!(v["gate"].is_null());
    // Gated on a minimum gross profit of 10,000: the sales carried none, so nothing is paid.
    let gp = target(
        &app,
        &w.org.admin,
        json!({"title": "Q4 GP", "subject_type": "user", "subject_id": w.sp.id, "metric": "gross_profit", "value": "10000", "period": "2026-Q4"}),
    )
    .await;
    let gated = app
        .post("/v1/bonus-plans")
        .token(&w.org.admin)
        .json(&json!({"name": "Gated", "target_id": revenue, "tiers": tiers, "gate": {"target_id": gp, "attainment_pct": "100"}}))
        .send()
        .await
        .expect(201);
    let url = format!(
        "/v1/bonus-plans/{}/payout?as_of=2026-11-26",
        gated["id"].as_str().unwrap()
    );
    let v = app.get(&url).token(&w.sp.token).send().await.expect(200);
    assert_eq!(
        (v["earned"].as_str(), v["projected_payout"].as_str()),
        (Some("0.00"), Some("0.00"))
    );
    assert_eq!(
        (
            v["gate"]["met"].as_bool(),
            v["gate"]["attainment_pct"].as_str()
        ),
        (Some(false), Some("0.00"))
    );
    // Another salesperson does not see the plan.
    app.get(&url)
        .token(&w.other.token)
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn pace_thresholds_are_the_organisations() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = target(
        &app,
        &w.org.admin,
        json!({"title": "Q4", "subject_type": "user", "subject_id": w.sp.id, "metric": "revenue", "value": "65000", "period": "2026-Q4"}),
    )
    .await;
    let v = app
        .get("/v1/org")
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        v["pace"],
        json!({"ahead_pct": "110", "on_track_pct": "95", "behind_pct": "80"})
    );
    // At 95.12% of the pace: on track by default, behind when on track starts at 98.
    let v = progress(&app, &w.sp.token, &id, "2026-11-26")
        .await
        .expect(200);
    assert_eq!(v["status"], "on_track");
    for (behind, status) in [("90.5", "behind"), ("96", "at_risk")] {
        app.patch("/v1/org")
            .token(&w.org.admin)
            .json(
                &json!({"pace": {"ahead_pct": "120", "on_track_pct": "98", "behind_pct": behind}}),
            )
            .send()
            .await
            .expect(200);
        let v = progress(&app, &w.sp.token, &id, "2026-11-26")
            .await
            .expect(200);
        assert_eq!(v["status"], status, "behind from {behind}%");
    }
    // Out of order, too precise, or missing a threshold: refused, nothing changed.
    for (body, field, code) in [
        (
            json!({"ahead_pct": "120", "on_track_pct": "90", "behind_pct": "90"}),
            "pace.on_track_pct",
            "out_of_range",
        ),
        (
            json!({"ahead_pct": "120", "on_track_pct": "98", "behind_pct": "0"}),
            "pace.behind_pct",
            "out_of_range",
        ),
        (
            json!({"ahead_pct": "1200", "on_track_pct": "98", "behind_pct": "90"}),
            "pace.ahead_pct",
            "out_of_range",
        ),
        (
            json!({"ahead_pct": "120.001", "on_track_pct": "98", "behind_pct": "90"}),
            "pace.ahead_pct",
            "too_precise",
        ),
    ] {
        let v = app
            .patch("/v1/org")
            .token(&w.org.admin)
            .json(&json!({ "pace": body }))
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            (
                v["errors"][0]["field"].as_str(),
                v["errors"][0]["code"].as_str()
            ),
            (Some(field), Some(code)),
            "{body}"
        );
    }
    app.patch("/v1/org")
        .token(&w.org.admin)
        .json(&json!({"pace": {"ahead_pct": "120"}}))
        .send()
        .await
        .problem(422, "validation_failed");
    // Only an admin sets them.
    app.patch("/v1/org")
        .token(&w.sp.token)
        .json(&json!({"pace": {"ahead_pct": "120", "on_track_pct": "98", "behind_pct": "90"}}))
        .send()
        .await
        .problem(403, "forbidden");
    let v = app
        .get("/v1/org")
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        v["pace"],
        json!({"ahead_pct": "120", "on_track_pct": "98", "behind_pct": "96"})
    );
}

#[actix_web::test]
async fn activity_and_new_account_targets_count_their_own_metric() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let calls = target(
        &app,
        &w.org.admin,
        json!({"title": "Calls", "subject_type": "user", "subject_id": w.sp.id, "metric": "activities",
               "activity_kind": "call", "value": "10", "period": "2026-Q4"}),
    )
    .await;
    let v = app
        .post("/v1/activities/batch")
        .token(&w.org.admin)
        .json(&json!({"items": [
            {"external_id": "c1", "source": "crm", "kind": "call", "salesperson_id": w.sp.id, "occurred_at": "2026-11-02T10:00:00Z", "count": 3},
            {"external_id": "c2", "source": "crm", "kind": "meeting", "salesperson_id": w.sp.id, "occurred_at": "2026-11-03T10:00:00Z", "count": 5},
            {"external_id": "c3", "source": "crm", "kind": "call", "salesperson_id": w.sp.id, "occurred_at": "2026-12-03T10:00:00Z"}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["created"], 3, "{v}");
    // Three calls by 26 November (the meeting is another kind, the December call later).
    let v = progress(&app, &w.sp.token, &calls, "2026-11-26")
        .await
        .expect(200);
    assert_eq!(
        (v["actual"].as_str(), v["attainment_pct"].as_str()),
        (Some("3.00"), Some("30.00"))
    );
    let v = progress(&app, &w.sp.token, &calls, "2026-12-31")
        .await
        .expect(200);
    assert_eq!(v["actual"], "4.00");
}

/// Connections of the test's database that are its workers' shared ones.
async fn shared_connections(app: &TestApp) -> i64 {
    let n: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
    )
    .bind::<diesel::sql_types::Text, _>(&app.db.name)
    .bind::<diesel::sql_types::Text, _>(internals::SHARED_APPLICATION_NAME)
    .get_result(&mut app.conn().await)
    .await
    .unwrap();
    n.n
}

#[actix_web::test]
async fn own_progress_rides_the_shared_connection_and_outlives_it() {
    let body = |sp: uuid::Uuid| {
        json!({"title": "Q4", "subject_type": "user", "subject_id": sp, "metric": "revenue",
               "value": "65000", "period": "2026-Q4"})
    };
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = target(&app, &w.org.admin, body(w.sp.id)).await;
    assert_eq!(shared_connections(&app).await, 0, "opened on first use");
    let own = progress(&app, &w.sp.token, &id, "2026-11-26")
        .await
        .expect(200);
    assert_eq!(own["actual"], "39000.00");
    assert_eq!(shared_connections(&app).await, 1);
    assert!(
        internals::StoreConn::open(&app.db.url)
            .await
            .same_transport_as_shared(&app.db.name)
            .await,
        "TLS where libpq uses it"
    );
    // Others' reads start there too and finish on the pool: the admin sees it,
    // another salesperson does not, nor does anyone see another organisation's.
    let admin = progress(&app, &w.org.admin, &id, "2026-11-26")
        .await
        .expect(200);
    assert_eq!(figures(&admin), figures(&own));
    progress(&app, &w.other.token, &id, "2026-11-26")
        .await
        .problem(404, "not_found");
    let stranger = app.org("Elsewhere").await;
    progress(&app, &stranger.admin, &id, "2026-11-26")
        .await
        .problem(404, "not_found");
    assert_eq!(shared_connections(&app).await, 1, "one per worker");

    // The connection is lost: the next read opens another.
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
          WHERE datname = $1 AND application_name = $2",
    )
    .bind::<diesel::sql_types::Text, _>(&app.db.name)
    .bind::<diesel::sql_types::Text, _>(internals::SHARED_APPLICATION_NAME)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    for _ in 0..50 {
        if shared_connections(&app).await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(shared_connections(&app).await, 0);
    for _ in 0..2 {
        let again = progress(&app, &w.sp.token, &id, "2026-11-26")
            .await
            .expect(200);
        assert_eq!(figures(&again), figures(&own));
    }
    assert_eq!(shared_connections(&app).await, 1);
}
