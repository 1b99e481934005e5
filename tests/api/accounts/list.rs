//! List

use super::*;

#[actix_web::test]
async fn lists_filter_and_paginate() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("hunter")).await;
    let contoso = account(
        &app,
        &org.admin,
        "Contoso Ltd",
        "customer",
        a.id,
        "2026-01-01",
    )
    .await;
    let dormant = account(
        &app,
        &org.admin,
        "Old CONTOSO branch",
        "customer",
        a.id,
        "2026-01-01",
    )
    .await;
    patch(&app, &org.admin, dormant, json!({"status": "dormant"}))
        .await
        .expect(200);
    let fabrikam = account(&app, &org.admin, "Fabrikam", "prospect", b.id, "2026-01-01").await;
    let lost = account(
        &app,
        &org.admin,
        "Northwind 100% Traders",
        "prospect",
        b.id,
        "2026-01-01",
    )
    .await;
    patch(&app, &org.admin, lost, json!({"status": "lost"}))
        .await
        .expect(200);
    let b_customer = account(
        &app,
        &org.admin,
        "Tailspin_Toys",
        "customer",
        b.id,
        "2026-01-01",
    )
    .await;
    let every = set(&[contoso, dormant, fabrikam, lost, b_customer]);

    let t = &org.admin;
    assert_eq!(listed(&app, t, "").await, every);
    assert_eq!(
        listed(&app, t, &format!("&owner_id={}", a.id)).await,
        set(&[contoso, dormant])
    );
    assert_eq!(
        listed(&app, t, &format!("&owner_id={}", b.id)).await,
        set(&[fabrikam, lost, b_customer])
    );
    assert_eq!(
        listed(&app, t, "&kind=customer").await,
        set(&[contoso, dormant, b_customer])
    );
    assert_eq!(
        listed(&app, t, "&kind=prospect").await,
        set(&[fabrikam, lost])
    );
    assert_eq!(
        listed(&app, t, "&status=active").await,
        set(&[contoso, b_customer])
    );
    assert_eq!(listed(&app, t, "&status=dormant").await, set(&[dormant]));
    assert_eq!(listed(&app, t, "&status=open").await, set(&[fabrikam]));
    assert_eq!(listed(&app, t, "&status=lost").await, set(&[lost]));
    assert!(listed(&app, t, "&status=won").await.is_empty());
    // Name search: part of the name, case-insensitive; % and _ are literal.
    assert_eq!(
        listed(&app, t, "&q=contoso").await,
        set(&[contoso, dormant])
    );
    assert_eq!(listed(&app, t, "&q=%20BRANCH%20").await, set(&[dormant]));
    assert_eq!(listed(&app, t, "&q=100%25").await, set(&[lost]));
    assert!(listed(&app, t, "&q=%25%25").await.is_empty());
    assert!(
        listed(&app, t, "&q=o_d").await.is_empty(),
        "_ is no wildcard"
    );
    assert_eq!(listed(&app, t, "&q=spin_toys").await, set(&[b_customer]));
    assert!(listed(&app, t, "&q=%5C").await.is_empty());
    assert_eq!(
        listed(&app, t, "&q=").await,
        every,
        "an empty search is none"
    );
    // Combined.
    assert_eq!(
        listed(&app, t, &format!("&owner_id={}&kind=customer", b.id)).await,
        set(&[b_customer])
    );
    assert_eq!(
        listed(
            &app,
            t,
            &format!("&owner_id={}&kind=customer&status=dormant&q=old", a.id)
        )
        .await,
        set(&[dormant])
    );
    assert!(
        listed(&app, t, &format!("&owner_id={}&kind=prospect", a.id))
            .await
            .is_empty()
    );
    assert!(listed(&app, t, &format!("&owner_id={}", Uuid::now_v7()))
        .await
        .is_empty());

    // Pages of two: three pages, in creation order, each account once.
    let (rows, n) = pages(&app, t, "", 2).await;
    assert_eq!(n, 3);
    let ids: Vec<Uuid> = rows.iter().map(|r| uuid(&r["id"])).collect();
    assert_eq!(ids, vec![contoso, dormant, fabrikam, lost, b_customer]);
    // Pages keep the filter.
    let (rows, n) = pages(&app, t, "&kind=customer", 2).await;
    assert_eq!(n, 2);
    let ids: Vec<Uuid> = rows.iter().map(|r| uuid(&r["id"])).collect();
    assert_eq!(ids, vec![contoso, dormant, b_customer]);
    // Exactly one full page has no cursor.
    let v = app
        .get("/v1/accounts?limit=5")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(v["data"].as_array().unwrap().len(), 5);
    assert!(v["next_cursor"].is_null());
    // The default page holds them all; the list items are whole accounts.
    let v = app.get("/v1/accounts").token(t).send().await.expect(200);
    assert_eq!(v["data"].as_array().unwrap().len(), 5);
    let first = &v["data"][0];
    assert_eq!(first["name"], "Contoso Ltd");
    assert_eq!(first["kind"], "customer");
    assert_eq!(first["status"], "active");
    assert_eq!(uuid(&first["owner_id"]), a.id);
    assert_eq!(first["version"], 1);

    // Bad parameters.
    for q in ["limit=0", "limit=201", "limit=-1"] {
        let v = app
            .get(&format!("/v1/accounts?{q}"))
            .token(t)
            .send()
            .await
            .expect(422);
        assert_eq!(field_error(&v), pair("limit", "out_of_range"), "{q}");
    }
    app.get("/v1/accounts?cursor=nonsense")
        .token(t)
        .send()
        .await
        .problem(400, "invalid_cursor");
    for q in [
        "kind=partner",
        "status=won_ish",
        "owner_id=42",
        "limit=many",
    ] {
        app.get(&format!("/v1/accounts?{q}"))
            .token(t)
            .send()
            .await
            .problem(400, "invalid_query");
    }
    app.get("/v1/accounts?q=a%00b")
        .token(t)
        .send()
        .await
        .expect(422);
}
