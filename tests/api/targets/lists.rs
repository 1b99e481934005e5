//! Lists

use super::*;

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

/// A page of targets costs the same statements whether it holds one target or
/// many: what each subject achieved before (for the SMART assessment) is read
/// for all of them at once, not target by target.
#[actix_web::test]
async fn a_list_costs_as_many_statements_for_one_target_as_for_many() {
    use std::sync::atomic::Ordering;
    let app = TestApp::with(|c| onpace::Config {
        db_pool_size: 1,
        ..c
    })
    .await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await;
    let statements = internals::count_statements(&app.state.pool).await;
    let cost = async || {
        let before = statements.load(Ordering::SeqCst);
        let n = list_len(&app, admin, "").await;
        (n, statements.load(Ordering::SeqCst) - before)
    };
    let (n, one) = cost().await;
    assert_eq!(n, 1);
    assert!(one > 0, "the counter sees the list's statements");

    // People, teams (one with a team below it) and the organisation, in every metric.
    target(&app, &w.mgr.token, revenue(w.mate.id, "900")).await;
    target(&app, &w.rmgr.token, team_revenue(w.north, "5000")).await;
    target(&app, admin, team_revenue(w.region, "9000")).await;
    target(
        &app,
        &w.mgr.token,
        json!({"title": "Calls", "subject_type": "user", "subject_id": w.mate.id,
               "metric": "activities", "activity_kind": "call", "value": 40, "period": "2026-W48"}),
    )
    .await;
    target(
        &app,
        &w.mgr2.token,
        json!({"title": "Logos", "subject_type": "user", "subject_id": w.other.id,
               "metric": "new_accounts", "value": 6, "period": "2026"}),
    )
    .await;
    target(
        &app,
        admin,
        json!({"title": "Org", "subject_type": "org", "metric": "gross_profit", "value": "90000",
               "starts_on": "2026-10-01", "ends_on": "2026-10-20"}),
    )
    .await;
    let (n, many) = cost().await;
    assert_eq!(n, 7);
    assert_eq!(many, one, "7 targets cost what 1 costs");
}
