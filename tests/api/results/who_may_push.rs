//! Who may push, and whose ids.

use super::*;

#[actix_web::test]
async fn only_integration_clients_with_the_scope_and_admins_push_results() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (_, reader) = api_client(&app, &w.org, "dashboard", &["read"]).await;
    let (_, acts) = api_client(&app, &w.org, "dialer", &["activities:write"]).await;
    let (_, accts) = api_client(&app, &w.org, "erp", &["accounts:write", "read"]).await;
    let v = pushed(
        &app,
        &w.hubspot,
        json!([sale("INV-1", w.acme, "2026-07-10", "10", "1")]),
    )
    .await;
    let id = id_of(&v, 0);
    let sales = json!([sale("INV-2", w.acme, "2026-07-10", "10", "1")]);
    let activities = json!([{"external_id": "A-1", "kind": "call", "salesperson_id": w.sp1.id,
                             "occurred_at": "2026-08-01T12:00:00Z"}]);
    let refused_sales = [
        &w.sp1.token,
        &w.mgr.token,
        &w.viewer.token,
        &reader,
        &acts,
        &accts,
    ];
    for token in refused_sales {
        push(&app, token, sales.clone())
            .await
            .problem(403, "forbidden");
        push_one(&app, token, &sales[0])
            .await
            .problem(403, "forbidden");
        void(&app, token, id, None).await.problem(403, "forbidden");
    }
    for token in [
        &w.sp1.token,
        &w.mgr.token,
        &w.viewer.token,
        &reader,
        &w.hubspot,
        &accts,
    ] {
        push_activities(&app, token, activities.clone())
            .await
            .problem(403, "forbidden");
    }
    push(&app, "not-a-token", sales.clone())
        .await
        .problem(401, "invalid_token");
    app.post("/v1/activities/batch")
        .json(&json!({"items": activities}))
        .send()
        .await
        .problem(401, "missing_token");
    assert_eq!(sales_count(&app, org).await, 1);
    assert!(
        !sale_row(&app, org, "hubspot", "INV-1")
            .await
            .unwrap()
            .voided
    );
    assert_eq!(activities_count(&app, org).await, 0);
    // A client whose token lacks a scope it holds is refused too.
    let (both_id, _) = api_client(&app, &w.org, "crm", &["sales:write", "activities:write"]).await;
    let narrow = app.sign(org, "client", both_id, Some("activities:write"));
    push(&app, &narrow, sales.clone())
        .await
        .problem(403, "forbidden");
    push_activities(&app, &narrow, activities.clone())
        .await
        .expect(200);

    // Admins may push, naming the source.
    let v = pushed(&app, &w.org.admin, sales.clone()).await;
    assert_eq!(statuses(&v), strs(&["rejected"]));
    assert_eq!(
        field_errors(&v["items"][0]),
        vec![pair("source", "required")]
    );
    let v = pushed(
        &app,
        &w.org.admin,
        json!([with(sales[0].clone(), json!({"source": "manual"}))]),
    )
    .await;
    assert_eq!(statuses(&v), strs(&["created"]));
    void(&app, &w.org.admin, id, None).await.expect(200);
    let v = push_activities(
        &app,
        &w.org.admin,
        json!([with(
            activities[0].clone(),
            json!({"source": "manual", "external_id": "A-2"})
        )]),
    )
    .await
    .expect(200);
    assert_eq!(statuses(&v), strs(&["created"]));
    assert_eq!(sales_count(&app, org).await, 2);
    assert_rollup_is_ledger(&app, org).await;
}

#[actix_web::test]
async fn ids_of_another_organisation_are_rejected_items_and_never_stored() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    // Another tenant, with an account hubspot also knows, a salesperson and a sale.
    let other = app.org("Rival").await;
    let rival_sp = app.person(&other, "salesperson", None).await;
    let rival_acct = account(
        &app,
        &other,
        "Rival customer",
        "customer",
        rival_sp.id,
        "2026-01-01",
        Some(("hubspot", "R-1")),
    )
    .await;
    let (_, rival_crm) = api_client(
        &app,
        &other,
        "hubspot",
        &["sales:write", "activities:write"],
    )
    .await;
    let v = pushed(
        &app,
        &rival_crm,
        json!([sale("INV-1", rival_acct, "2026-07-10", "777", "77")]),
    )
    .await;
    let rival_sale = id_of(&v, 0);
    let rival_before = ledger_fingerprint(&app, other.id).await;

    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("X-1", rival_acct, "2026-07-10", "10", "1"),
            {"external_id": "X-2", "account_external_id": "R-1", "occurred_on": "2026-07-10",
             "revenue": "10", "gross_profit": "1"},
            with(sale("X-3", w.acme, "2026-07-10", "10", "1"), json!({"salesperson_id": rival_sp.id})),
            with(sale("X-4", w.acme, "2026-07-10", "10", "1"), json!({"salesperson_id": w.sp2.id})),
            // The same key as the other tenant's sale: a sale of its own.
            sale("INV-1", w.acme, "2026-07-10", "5", "1"),
        ]),
    )
    .await;
    assert_eq!(
        statuses(&v),
        strs(&["rejected", "rejected", "rejected", "created", "created"])
    );
    assert_eq!(
        field_errors(&v["items"][0]),
        vec![pair("account_id", "not_found")]
    );
    assert_eq!(
        field_errors(&v["items"][1]),
        vec![pair("account_external_id", "not_found")]
    );
    assert_eq!(
        field_errors(&v["items"][2]),
        vec![pair("salesperson_id", "not_found")]
    );
    assert_ne!(id_of(&v, 4), rival_sale);

    let (_, acts) = api_client(&app, &w.org, "dialer", &["activities:write"]).await;
    let a = push_activities(
        &app,
        &acts,
        json!([
            {"external_id": "A-1", "kind": "call", "account_id": rival_acct, "salesperson_id": w.sp1.id,
             "occurred_at": "2026-08-01T12:00:00Z"},
            {"external_id": "A-2", "kind": "call", "salesperson_id": rival_sp.id,
             "occurred_at": "2026-08-01T12:00:00Z"},
            {"external_id": "A-3", "kind": "call", "account_id": rival_acct,
             "occurred_at": "2026-08-01T12:00:00Z"},
            {"external_id": "A-4", "kind": "call", "salesperson_id": w.sp1.id,
             "occurred_at": "2026-08-01T12:00:00Z"},
        ]),
    )
    .await
    .expect(200);
    assert_eq!(
        statuses(&a),
        strs(&["rejected", "rejected", "rejected", "created"])
    );
    assert_eq!(
        field_errors(&a["items"][0]),
        vec![pair("account_id", "not_found")]
    );
    assert_eq!(
        field_errors(&a["items"][1]),
        vec![pair("salesperson_id", "not_found")]
    );
    assert!(field_errors(&a["items"][2]).contains(&pair("account_id", "not_found")));

    // The other tenant's sale cannot be voided from here, and is not seen.
    void(&app, &w.hubspot, rival_sale, None)
        .await
        .problem(404, "not_found");
    void(&app, &w.org.admin, rival_sale, None)
        .await
        .problem(404, "not_found");

    // Nothing crossed over, either way.
    assert_eq!(ledger_fingerprint(&app, other.id).await, rival_before);
    assert_eq!(sales_count(&app, org).await, 2);
    assert_eq!(activities_count(&app, org).await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM sales s WHERE s.org_id = $1 AND (s.account_id IN \
             (SELECT id FROM accounts WHERE org_id <> $1) OR s.salesperson_id IN \
             (SELECT id FROM users WHERE org_id <> $1))",
            org
        )
        .await,
        0
    );
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (w.sp2.id, "revenue", "2026-07-10", "10"),
            (w.sp2.id, "gross_profit", "2026-07-10", "1"),
            (w.sp1.id, "revenue", "2026-07-10", "5"),
            (w.sp1.id, "gross_profit", "2026-07-10", "1"),
            (w.sp1.id, "activity:call", "2026-08-01", "1"),
        ])
    );
    assert_eq!(
        assert_rollup_is_ledger(&app, other.id).await,
        expected(&[
            (rival_sp.id, "revenue", "2026-07-10", "777"),
            (rival_sp.id, "gross_profit", "2026-07-10", "77"),
        ])
    );
}
