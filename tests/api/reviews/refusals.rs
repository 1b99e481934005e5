//! Bad input to reviews, refused with problem details.

use super::*;

#[actix_web::test]
async fn bad_input_is_refused_with_problem_details() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let base = json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": "2026-11-27", "period": "2026-Q4"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let codes = |v: &Value| -> Vec<(String, String)> {
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_string(),
                    e["code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let pair = |f: &str, c: &str| vec![(f.to_string(), c.to_string())];
    let cases = [
        (
            with("team_id", json!(w.north)),
            pair("team_id", "not_applicable"),
        ),
        (
            with("period", json!("2026-Q9")),
            pair("period", "unknown_period"),
        ),
        (
            with("period", json!("x".repeat(5000))),
            pair("period", "unknown_period"),
        ),
        (
            with("scheduled_for", json!("0999-01-01")),
            pair("scheduled_for", "invalid_value"),
        ),
        (
            with("scheduled_for", json!("2026-02-30")),
            pair("scheduled_for", "invalid_value"),
        ),
        (
            with("salesperson_id", json!(Uuid::now_v7())),
            pair("salesperson_id", "subject_not_found"),
        ),
        (
            with("salesperson_id", json!(w.mgr.id)),
            pair("salesperson_id", "not_a_salesperson"),
        ),
        (
            with("facilitator_id", json!(w.viewer.id)),
            pair("facilitator_id", "not_a_facilitator"),
        ),
        (with("kind", json!("group")), pair("kind", "invalid_choice")),
        (
            with("salesperson_id", json!("not-a-uuid")),
            pair("salesperson_id", "invalid_value"),
        ),
        (
            with("scheduled_for", json!(20261127)),
            pair("scheduled_for", "invalid_type"),
        ),
        (with("notes", json!("hi")), pair("notes", "unknown_field")),
    ];
    for (body, expected) in cases {
        let v = schedule(&app, &w.mgr.token, body.clone()).await.expect(422);
        assert_eq!(codes(&v), expected, "{body}");
    }
    let v = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "scheduled_for": "2026-11-27", "period": "2026-Q4"}),
    )
    .await
    .expect(422);
    assert_eq!(codes(&v), pair("team_id", "required"));

    let id = one_to_one(&app, &w, "2026-11-27").await;
    let foreign_target = app
        .post("/v1/targets")
        .token(&w.stranger.admin)
        .json(&json!({"title": "Theirs", "subject_type": "org", "metric": "revenue", "value": "10", "period": "2026-Q4"}))
        .send()
        .await
        .expect(201);
    let south_account = app
        .post("/v1/accounts")
        .token(&w.org.admin)
        .json(&json!({"name": "Fabrikam", "kind": "prospect", "owner_id": w.other.id, "owned_since": "2026-01-01"}))
        .send()
        .await
        .expect(201);
    let item_cases = [
        (
            json!({"type": "success", "text": ""}),
            pair("text", "required"),
        ),
        (
            json!({"type": "success", "text": "x".repeat(2001)}),
            pair("text", "too_long"),
        ),
        (
            json!({"type": "action", "text": "Call"}),
            pair("due_on", "required"),
        ),
        (
            json!({"type": "hurdle", "text": "Stuck", "due_on": "2026-12-01"}),
            pair("due_on", "not_applicable"),
        ),
        (
            json!({"type": "action", "text": "Call", "due_on": "9999-12-31"}),
            pair("due_on", "invalid_value"),
        ),
        (
            json!({"type": "update", "text": "Hi", "size": "big"}),
            pair("size", "not_applicable"),
        ),
        (
            json!({"type": "hurdle", "text": "Stuck", "owner_id": w.mate.id}),
            pair("owner_id", "owner_not_in_review"),
        ),
        (
            json!({"type": "strategy", "text": "Plan", "target_id": foreign_target["id"]}),
            pair("target_id", "not_found"),
        ),
        (
            json!({"type": "strategy", "text": "Plan", "target_id": Uuid::now_v7()}),
            pair("target_id", "not_found"),
        ),
        (
            json!({"type": "strategy", "text": "Plan", "account_id": Uuid::now_v7()}),
            pair("account_id", "not_found"),
        ),
        (
            json!({"type": "note", "text": "Plan"}),
            pair("type", "invalid_choice"),
        ),
        (
            json!({"type": "strategy", "text": "Plan", "status": "open"}),
            pair("status", "unknown_field"),
        ),
        (
            json!({"type": "success", "text": "Yes", "size": "huge"}),
            pair("size", "invalid_choice"),
        ),
    ];
    for (body, expected) in item_cases {
        let v = add(&app, &w.mgr.token, id, body.clone()).await.expect(422);
        assert_eq!(codes(&v), expected, "{body}");
    }
    // An account the salesperson (not the manager of South) may not see is refused for them.
    let v = add(
        &app,
        &w.sp.token,
        id,
        json!({"type": "update", "text": "Fabrikam?", "account_id": south_account["id"]}),
    )
    .await
    .expect(422);
    assert_eq!(codes(&v), pair("account_id", "not_found"));
    // Malformed JSON, the wrong content type, ids that are not UUIDs.
    app.post(&format!("/v1/reviews/{id}/items"))
        .token(&w.mgr.token)
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post(&format!("/v1/reviews/{id}/items"))
        .token(&w.mgr.token)
        .body("text/plain", "hello")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.get("/v1/reviews/not-a-uuid/agenda")
        .token(&w.mgr.token)
        .send()
        .await
        .problem(404, "not_found");
    app.post(&format!("/v1/reviews/{id}/items/nope/close"))
        .token(&w.mgr.token)
        .send()
        .await
        .problem(404, "not_found");
    post(
        &app,
        &w.mgr.token,
        &format!("/v1/reviews/{}/complete", Uuid::now_v7()),
    )
    .await
    .problem(404, "not_found");
    // Queries.
    for q in ["limit=0", "limit=201"] {
        app.get(&format!("/v1/reviews?{q}"))
            .token(&w.mgr.token)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    for q in [
        "cursor=abc",
        "status=done",
        "from=yesterday",
        "from=0999-01-01",
        "to=9999-01-01",
        "salesperson_id=1",
    ] {
        app.get(&format!("/v1/reviews?{q}"))
            .token(&w.mgr.token)
            .send()
            .await
            .expect(400);
    }
    app.get("/v1/successes?since=0001-01-01")
        .token(&w.mgr.token)
        .send()
        .await
        .problem(400, "invalid_query");
    app.get("/v1/successes?cursor=2026-11-01_x")
        .token(&w.mgr.token)
        .send()
        .await
        .problem(400, "invalid_cursor");
}
