//! Refusals: subjects, accounts, other invalid input and parents.

use super::*;

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
