//! Tenants

use super::*;

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
