//! Transfers

use super::*;

#[actix_web::test]
async fn transfers_are_dated_and_the_history_lists_every_owner() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("farmer")).await;
    let c = app.person(&org, "salesperson", Some("hybrid")).await;
    let id = account(&app, &org.admin, "Contoso", "customer", a.id, "2026-01-01").await;

    let r = transfer(&app, &org.admin, id, b.id, "2026-10-01").await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(uuid(&v["owner_id"]), b.id);
    assert_eq!(v["version"], 2);
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![
            period(a.id, "2026-01-01", Some("2026-09-30")),
            period(b.id, "2026-10-01", None),
        ]
    );
    // The new owner now sees it; the old one no longer does.
    get(&app, &b.token, id).await.expect(200);
    get(&app, &a.token, id).await.problem(404, "not_found");
    assert!(listed(&app, &a.token, "").await.is_empty());
    assert_eq!(listed(&app, &b.token, "").await, set(&[id]));

    // A second transfer, effective today: B's period ends yesterday.
    let v = transfer(&app, &org.admin, id, c.id, &today().to_string())
        .await
        .expect(200);
    assert_eq!(uuid(&v["owner_id"]), c.id);
    assert_eq!(v["version"], 3);
    let yesterday = days_ago(1);
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![
            period(a.id, "2026-01-01", Some("2026-09-30")),
            period(b.id, "2026-10-01", Some(&yesterday)),
            period(c.id, &today().to_string(), None),
        ]
    );
    // The history carries names, reasons and who recorded each change.
    let h = app
        .get(&format!("/v1/accounts/{id}/owners"))
        .token(&c.token)
        .send()
        .await
        .expect(200);
    let data = h["data"].as_array().unwrap();
    assert_eq!(data[0]["reason"], "created");
    assert_eq!(data[1]["reason"], "Territory realignment");
    assert_eq!(data[2]["reason"], "Territory realignment");
    for p in data {
        assert_eq!(uuid(&p["recorded_by"]), org.admin_id);
        assert_eq!(p["owner_name"], "salesperson person");
        assert!(p["recorded_at"].is_string());
    }
    // The old owners no longer see it.
    get(&app, &b.token, id).await.problem(404, "not_found");
    app.get(&format!("/v1/accounts/{id}/owners"))
        .token(&b.token)
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn invalid_transfers_are_refused_with_422() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("farmer")).await;
    let c = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    let gone = app.person(&org, "salesperson", Some("farmer")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let id = account(&app, &org.admin, "Contoso", "customer", a.id, "2026-01-01").await;
    transfer(&app, &org.admin, id, b.id, "2026-06-01")
        .await
        .expect(200);
    let history = vec![
        period(a.id, "2026-01-01", Some("2026-05-31")),
        period(b.id, "2026-06-01", None),
    ];

    let tomorrow = (today() + Duration::days(1)).to_string();
    let cases: Vec<(Uuid, &str, (String, String))> = vec![
        // Before the account existed.
        (
            c.id,
            "2025-12-31",
            pair("effective_on", "before_account_existed"),
        ),
        (
            c.id,
            "2020-01-01",
            pair("effective_on", "before_account_existed"),
        ),
        // Not after the current owner's first day.
        (
            c.id,
            "2026-01-01",
            pair("effective_on", "before_current_owner"),
        ),
        (
            c.id,
            "2026-05-31",
            pair("effective_on", "before_current_owner"),
        ),
        // In the future.
        (c.id, &tomorrow, pair("effective_on", "in_future")),
        (c.id, "2100-01-01", pair("effective_on", "in_future")),
        // To the current owner.
        (b.id, "2026-09-01", pair("new_owner_id", "same_owner")),
        // To someone who may not own accounts.
        (
            gone.id,
            "2026-09-01",
            pair("new_owner_id", "owner_inactive"),
        ),
        (
            manager.id,
            "2026-09-01",
            pair("new_owner_id", "invalid_owner"),
        ),
        (
            viewer.id,
            "2026-09-01",
            pair("new_owner_id", "invalid_owner"),
        ),
        (
            org.admin_id,
            "2026-09-01",
            pair("new_owner_id", "invalid_owner"),
        ),
        (
            Uuid::now_v7(),
            "2026-09-01",
            pair("new_owner_id", "not_found"),
        ),
    ];
    for (to, on, expected) in cases {
        let v = transfer(&app, &org.admin, id, to, on).await.expect(422);
        assert_eq!(field_error(&v), expected, "to {to} on {on}");
    }
    // Missing or malformed fields.
    let post = |body: Value| {
        let app = &app;
        let admin = org.admin.clone();
        async move {
            app.post(&format!("/v1/accounts/{id}/transfer"))
                .token(&admin)
                .json(&body)
                .send()
                .await
                .expect(422)
        }
    };
    let on = "2026-09-01";
    assert_eq!(
        field_error(&post(json!({"new_owner_id": c.id, "effective_on": on, "reason": "  "})).await),
        pair("reason", "required")
    );
    assert_eq!(
        field_error(
            &post(json!({"new_owner_id": c.id, "effective_on": on, "reason": "x".repeat(501)}))
                .await
        ),
        pair("reason", "too_long")
    );
    assert_eq!(
        field_error(&post(json!({"new_owner_id": c.id, "effective_on": on})).await),
        pair("reason", "required")
    );
    assert_eq!(
        field_error(&post(json!({"new_owner_id": c.id, "reason": "r"})).await),
        pair("effective_on", "required")
    );
    assert_eq!(
        field_error(&post(json!({"effective_on": on, "reason": "r"})).await),
        pair("new_owner_id", "required")
    );
    assert_eq!(
        field_error(
            &post(json!({"new_owner_id": c.id, "effective_on": "2026-02-30", "reason": "r"})).await
        )
        .0,
        "effective_on"
    );
    assert_eq!(
        field_error(
            &post(
                json!({"new_owner_id": c.id, "effective_on": on, "reason": "r", "owner_id": a.id})
            )
            .await
        ),
        pair("owner_id", "unknown_field")
    );

    // Nothing changed.
    assert_eq!(owners(&app, &org.admin, id).await, history);
    let v = get(&app, &org.admin, id).await.expect(200);
    assert_eq!(uuid(&v["owner_id"]), b.id);
    assert_eq!(v["version"], 2);

    // The day after the current owner's first day is fine.
    transfer(&app, &org.admin, id, c.id, "2026-06-02")
        .await
        .expect(200);
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![
            period(a.id, "2026-01-01", Some("2026-05-31")),
            period(b.id, "2026-06-01", Some("2026-06-01")),
            period(c.id, "2026-06-02", None),
        ]
    );
}

#[actix_web::test]
async fn only_managers_of_both_people_and_admins_transfer() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let writer = client_token(&app, &s.org, &["accounts:write"]).await;
    let on = days_ago(30);

    // Not even their manager hands it to a deactivated teammate.
    let gone = app.person(&s.org, "salesperson", Some("farmer")).await;
    app.join(&s.org, s.north, gone.id, "2026-01-01").await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&s.org.admin)
        .send()
        .await
        .expect(200);
    let v = transfer(&app, &s.nm.token, s.a_north, gone.id, &on)
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("new_owner_id", "owner_inactive"));

    // The owner, a salesperson, may not hand it over.
    transfer(&app, &s.s_north.token, s.a_north, s.s_ne.id, &on)
        .await
        .problem(403, "forbidden");
    // Another team's manager does not even see it.
    transfer(&app, &s.sm.token, s.a_north, s.s_south.id, &on)
        .await
        .problem(404, "not_found");
    // The North manager manages the owner but not the South salesperson.
    transfer(&app, &s.nm.token, s.a_north, s.s_south.id, &on)
        .await
        .problem(403, "forbidden");
    transfer(&app, &s.nm.token, s.a_north, s.s_region.id, &on)
        .await
        .problem(403, "forbidden");
    assert_eq!(
        owners(&app, &s.org.admin, s.a_north).await,
        vec![period(s.s_north.id, "2026-01-01", None)]
    );

    // The North manager manages both North and its sub-team North East.
    let v = transfer(&app, &s.nm.token, s.a_north, s.s_ne.id, &on)
        .await
        .expect(200);
    assert_eq!(uuid(&v["owner_id"]), s.s_ne.id);
    // The Region manager manages everyone below.
    transfer(&app, &s.rm.token, s.a_ne, s.s_south.id, &on)
        .await
        .expect(200);
    // An admin and an accounts:write client transfer anything.
    transfer(&app, &s.org.admin, s.a_south, s.s_region.id, &on)
        .await
        .expect(200);
    transfer(&app, &writer, s.a_region, s.s_north.id, &on)
        .await
        .expect(200);

    let yesterday_of = |d: &str| (day(d) - Duration::days(1)).to_string();
    let before = yesterday_of(&on);
    for (id, from, to) in [
        (s.a_north, s.s_north.id, s.s_ne.id),
        (s.a_ne, s.s_ne.id, s.s_south.id),
        (s.a_south, s.s_south.id, s.s_region.id),
        (s.a_region, s.s_region.id, s.s_north.id),
    ] {
        assert_eq!(
            owners(&app, &s.org.admin, id).await,
            vec![
                period(from, "2026-01-01", Some(&before)),
                period(to, &on, None),
            ]
        );
    }
    // What the managers see follows the owners.
    assert_eq!(
        listed(&app, &s.sm.token, "").await,
        set(&[s.a_ne]),
        "South now holds the North East account"
    );
    assert_eq!(
        listed(&app, &s.nm.token, "").await,
        set(&[s.a_north, s.a_region])
    );
}
