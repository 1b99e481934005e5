//! The organisation's day

use super::*;

#[actix_web::test]
async fn today_is_the_organisations_day() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("farmer")).await;
    // UTC+14 is at least the UTC day, and the day after for most of it.
    let tz = "Pacific/Kiritimati";
    app.patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"timezone": tz}))
        .send()
        .await
        .expect(200);
    let org_today = internals::today_in(tz);
    let id = account(&app, &org.admin, "Contoso", "customer", a.id, "2026-01-01").await;

    let v = transfer(
        &app,
        &org.admin,
        id,
        b.id,
        &(org_today + Duration::days(1)).to_string(),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("effective_on", "in_future"));
    let v = transfer(&app, &org.admin, id, b.id, &org_today.to_string())
        .await
        .expect(200);
    assert_eq!(uuid(&v["owner_id"]), b.id);

    // A new account is owned from the organisation's today.
    let v = create(
        &app,
        &org.admin,
        json!({"name": "Fabrikam", "kind": "prospect", "owner_id": a.id}),
    )
    .await
    .expect(201);
    let p = uuid(&v["id"]);
    assert_eq!(
        owners(&app, &org.admin, p).await,
        vec![period(a.id, &org_today.to_string(), None)]
    );
    // ... and converted on it by default.
    let v = convert(&app, &org.admin, p, None).await.expect(200);
    assert_eq!(v["converted_on"], org_today.to_string());
}

#[actix_web::test]
async fn the_owner_on_a_day_is_one_indexed_lookup() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("farmer")).await;
    let id = account(&app, &org.admin, "Contoso", "customer", a.id, "2026-01-01").await;
    transfer(&app, &org.admin, id, b.id, "2026-07-01")
        .await
        .expect(200);
    let mut store = internals::StoreConn::open(&app.db.url).await;
    let mut on = async |d: &str| store.owner_on(org.id, id, day(d)).await;
    assert_eq!(on("2025-12-31").await, None, "before the account existed");
    assert_eq!(on("2026-01-01").await, Some(a.id));
    assert_eq!(on("2026-06-30").await, Some(a.id));
    assert_eq!(on("2026-07-01").await, Some(b.id));
    assert_eq!(on("2030-01-01").await, Some(b.id));

    // The lookup is answered from the primary key (org, account, from_on).
    #[derive(diesel::QueryableByName)]
    struct Plan {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let mut c = app.conn().await;
    diesel::sql_query("SET enable_seqscan = off")
        .execute(&mut c)
        .await
        .unwrap();
    let plan: Vec<Plan> = diesel::sql_query(format!(
        "EXPLAIN SELECT owner_id FROM account_owners WHERE org_id = '{}' AND account_id = '{id}' \
         AND from_on <= '2026-05-01' AND (to_on IS NULL OR to_on >= '2026-05-01') \
         ORDER BY from_on DESC LIMIT 1",
        org.id
    ))
    .load(&mut c)
    .await
    .unwrap();
    let text: Vec<String> = plan.into_iter().map(|p| p.line).collect();
    assert!(
        text.iter()
            .any(|l| l.contains("Index Scan Backward using account_owners_pkey")),
        "{text:#?}"
    );
}
