//! Visibility

use super::*;

#[actix_web::test]
async fn salespeople_see_and_change_only_their_own_accounts() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let all = [s.a_region, s.a_north, s.a_ne, s.a_south];
    // A teammate of s_north.
    let mate = app.person(&s.org, "salesperson", Some("hunter")).await;
    app.join(&s.org, s.north, mate.id, "2026-01-01").await;
    let mine = account(
        &app,
        &s.org.admin,
        "Mine",
        "prospect",
        mate.id,
        "2026-01-01",
    )
    .await;
    let all_with_mine = [s.a_region, s.a_north, s.a_ne, s.a_south, mine];

    sees(&app, &s.s_north.token, &all_with_mine, &[s.a_north]).await;
    sees(&app, &mate.token, &all_with_mine, &[mine]).await;
    sees(&app, &s.s_south.token, &all, &[s.a_south]).await;
    // A filter on someone else's id finds nothing.
    assert!(
        listed(&app, &mate.token, &format!("&owner_id={}", s.s_north.id))
            .await
            .is_empty()
    );

    // Another salesperson's account, even a teammate's, is 404 for every write.
    let t = &mate.token;
    patch(&app, t, s.a_north, json!({"name": "Mine now"}))
        .await
        .problem(404, "not_found");
    transfer(&app, t, s.a_north, mate.id, &days_ago(1))
        .await
        .problem(404, "not_found");
    convert(&app, t, s.a_region, None)
        .await
        .problem(404, "not_found");
    // A salesperson creates accounts only for themselves.
    create(
        &app,
        t,
        json!({"name": "For you", "kind": "prospect", "owner_id": s.s_north.id}),
    )
    .await
    .problem(403, "forbidden");

    // Their own: they may change it, but never its owner.
    patch(&app, t, mine, json!({"name": "Mine renamed"}))
        .await
        .expect(200);
    let v = patch(&app, t, mine, json!({"owner_id": s.s_north.id}))
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "unknown_field"));
    transfer(&app, t, mine, s.s_north.id, &days_ago(1))
        .await
        .problem(403, "forbidden");
    convert(
        &app,
        t,
        mine,
        Some(json!({"new_owner_id": s.s_north.id, "converted_on": days_ago(1)})),
    )
    .await
    .problem(403, "forbidden");
    // Nor through CRM sync, which is for admins and integration clients.
    sync(
        &app,
        t,
        "hubspot",
        "1",
        json!({"name": "Mine", "kind": "prospect", "owner_id": mate.id}),
    )
    .await
    .problem(403, "integration_only");
    batch(
        &app,
        t,
        &[json!({"external_source": "hubspot", "external_id": "1", "name": "Mine", "kind": "prospect", "owner_id": mate.id})],
    )
    .await
    .problem(403, "integration_only");

    let v = get(&app, &s.org.admin, mine).await.expect(200);
    assert_eq!(uuid(&v["owner_id"]), mate.id);
    assert_eq!(v["name"], "Mine renamed");
    assert_eq!(v["kind"], "prospect");
    assert_eq!(
        owners(&app, &s.org.admin, mine).await,
        vec![period(mate.id, "2026-01-01", None)]
    );
    let v = get(&app, &s.org.admin, s.a_north).await.expect(200);
    assert_eq!(v["name"], "N");
    assert_eq!(v["version"], 1);
    assert_eq!(
        listed(&app, &s.org.admin, "").await.len(),
        5,
        "nothing created"
    );
}

#[actix_web::test]
async fn managers_see_the_accounts_of_their_teams_and_sub_teams() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let all = [s.a_region, s.a_north, s.a_ne, s.a_south];

    sees(&app, &s.rm.token, &all, &all).await;
    sees(&app, &s.nm.token, &all, &[s.a_north, s.a_ne]).await;
    sees(&app, &s.sm.token, &all, &[s.a_south]).await;

    // Another team's account is 404 for every write.
    let t = &s.sm.token;
    patch(&app, t, s.a_north, json!({"name": "x"}))
        .await
        .problem(404, "not_found");
    transfer(&app, t, s.a_north, s.s_south.id, &days_ago(1))
        .await
        .problem(404, "not_found");
    convert(&app, t, s.a_region, None)
        .await
        .problem(404, "not_found");

    // A manager edits their people's accounts...
    let v = patch(&app, &s.nm.token, s.a_ne, json!({"segment": "Retail"}))
        .await
        .expect(200);
    assert_eq!(v["segment"], "Retail");
    // ... and creates accounts for them, but not for anyone else.
    let v = create(
        &app,
        &s.nm.token,
        json!({"name": "New NE", "kind": "customer", "owner_id": s.s_ne.id}),
    )
    .await
    .expect(201);
    let new_ne = uuid(&v["id"]);
    let v = create(
        &app,
        &s.nm.token,
        json!({"name": "New S", "kind": "customer", "owner_id": s.s_south.id}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "invalid_owner"));
    let v = create(
        &app,
        &s.nm.token,
        json!({"name": "Own", "kind": "customer"}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "required"));

    // Filters apply within what the manager sees.
    assert_eq!(
        listed(&app, &s.nm.token, &format!("&owner_id={}", s.s_ne.id)).await,
        set(&[s.a_ne, new_ne])
    );
    assert!(
        listed(&app, &s.nm.token, &format!("&owner_id={}", s.s_south.id))
            .await
            .is_empty()
    );
    assert_eq!(
        listed(&app, &s.rm.token, "&kind=prospect").await,
        set(&[s.a_region])
    );
}

/// A manager sees the accounts of the people *in* the teams they manage today: not
/// those of a team they merely belong to, and not those of someone who moved away.
#[actix_web::test]
async fn managers_see_only_todays_people_of_the_teams_they_manage() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let all = [s.a_region, s.a_north, s.a_ne, s.a_south];

    // The North manager belongs to the Region team (which the Region manager
    // manages): that shows them neither its salesperson's accounts nor the right to
    // transfer between its people.
    app.join(&s.org, s.region, s.nm.id, "2026-01-01").await;
    sees(&app, &s.nm.token, &all, &[s.a_north, s.a_ne]).await;
    patch(&app, &s.nm.token, s.a_region, json!({"name": "x"}))
        .await
        .problem(404, "not_found");

    // A salesperson moves from North to South: from then on their accounts are the
    // South manager's to see, no longer the North manager's.
    let mover = app.person(&s.org, "salesperson", Some("farmer")).await;
    app.join(&s.org, s.north, mover.id, "2026-01-01").await;
    let a = account(
        &app,
        &s.org.admin,
        "Moving",
        "customer",
        mover.id,
        "2026-01-01",
    )
    .await;
    assert!(listed(&app, &s.nm.token, "").await.contains(&a));
    app.join(&s.org, s.south, mover.id, &days_ago(10)).await;
    assert!(!listed(&app, &s.nm.token, "").await.contains(&a));
    get(&app, &s.nm.token, a).await.problem(404, "not_found");
    transfer(&app, &s.nm.token, a, s.s_north.id, &days_ago(1))
        .await
        .problem(404, "not_found");
    assert!(listed(&app, &s.sm.token, "").await.contains(&a));
    get(&app, &s.sm.token, a).await.expect(200);
    // The Region manager still sees them: South is below Region.
    get(&app, &s.rm.token, a).await.expect(200);
}

#[actix_web::test]
async fn admins_viewers_and_clients_see_every_account() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let all = [s.a_region, s.a_north, s.a_ne, s.a_south];
    let viewer = app.person(&s.org, "viewer", None).await;
    let reader = client_token(&app, &s.org, &["read"]).await;
    let writer = client_token(&app, &s.org, &["accounts:write"]).await;
    let sales_client = client_token(&app, &s.org, &["sales:write"]).await;

    sees(&app, &s.org.admin, &all, &all).await;
    sees(&app, &viewer.token, &all, &all).await;
    sees(&app, &reader, &all, &all).await;
    sees(&app, &writer, &all, &all).await;

    // A client with neither `read` nor `accounts:write` reads nothing.
    app.get("/v1/accounts")
        .token(&sales_client)
        .send()
        .await
        .problem(403, "forbidden");
    get(&app, &sales_client, s.a_north)
        .await
        .problem(403, "forbidden");

    // Viewers and read-only clients change nothing.
    let body = json!({"name": "X", "kind": "customer", "owner_id": s.s_north.id});
    let sync_body = json!({"name": "X", "kind": "customer", "owner_id": s.s_north.id});
    let item = json!({"external_source": "crm", "external_id": "1", "name": "X", "kind": "customer", "owner_id": s.s_north.id});
    for token in [&viewer.token, &reader, &sales_client] {
        create(&app, token, body.clone())
            .await
            .problem(403, "forbidden");
        patch(&app, token, s.a_north, json!({"name": "Y"}))
            .await
            .problem(403, "forbidden");
        transfer(&app, token, s.a_north, s.s_ne.id, &days_ago(1))
            .await
            .problem(403, "forbidden");
        convert(&app, token, s.a_region, None)
            .await
            .problem(403, "forbidden");
        sync(&app, token, "crm", "1", sync_body.clone())
            .await
            .problem(403, "forbidden");
        batch(&app, token, std::slice::from_ref(&item))
            .await
            .problem(403, "forbidden");
    }
    // Managers do not sync either (only admins and accounts:write clients).
    sync(&app, &s.rm.token, "crm", "1", sync_body.clone())
        .await
        .problem(403, "integration_only");
    batch(&app, &s.rm.token, std::slice::from_ref(&item))
        .await
        .problem(403, "integration_only");
    assert_eq!(listed(&app, &s.org.admin, "").await, set(&all));

    // A client with accounts:write creates for anyone, naming the owner; the
    // history records the client as the one who did.
    let (writer_id, writer) = client(&app, &s.org, &["accounts:write"]).await;
    let v = create(&app, &writer, body.clone()).await.expect(201);
    assert_eq!(uuid(&v["owner_id"]), s.s_north.id);
    let h = app
        .get(&format!("/v1/accounts/{}/owners", uuid(&v["id"])))
        .token(&writer)
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&h["data"][0]["recorded_by"]), writer_id);
    let v = create(&app, &writer, json!({"name": "X", "kind": "customer"}))
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "required"));
}

#[actix_web::test]
async fn another_organisations_accounts_are_404_everywhere() {
    let app = TestApp::new().await;
    let ours = app.org("Ours").await;
    let theirs = app.org("Theirs").await;
    let our_farmer = app.person(&ours, "salesperson", Some("farmer")).await;
    let their_farmer = app.person(&theirs, "salesperson", Some("farmer")).await;
    let their_hunter = app.person(&theirs, "salesperson", Some("hunter")).await;
    let theirs_c = account(
        &app,
        &theirs.admin,
        "Theirs",
        "customer",
        their_farmer.id,
        "2026-01-01",
    )
    .await;
    let theirs_p = account(
        &app,
        &theirs.admin,
        "Theirs P",
        "prospect",
        their_hunter.id,
        "2026-01-01",
    )
    .await;
    let ours_c = account(
        &app,
        &ours.admin,
        "Ours",
        "customer",
        our_farmer.id,
        "2026-01-01",
    )
    .await;
    let writer = client_token(&app, &ours, &["accounts:write", "read"]).await;
    let viewer = app.person(&ours, "viewer", None).await;

    for token in [&ours.admin, &writer, &viewer.token, &our_farmer.token] {
        get(&app, token, theirs_c).await.problem(404, "not_found");
        app.get(&format!("/v1/accounts/{theirs_c}/owners"))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
        assert_eq!(
            listed(&app, token, &format!("&owner_id={}", their_farmer.id)).await,
            BTreeSet::new()
        );
        assert!(!listed(&app, token, "").await.contains(&theirs_c));
    }
    for token in [&ours.admin, &writer, &our_farmer.token] {
        patch(&app, token, theirs_c, json!({"name": "Mine"}))
            .await
            .problem(404, "not_found");
        convert(&app, token, theirs_p, None)
            .await
            .problem(404, "not_found");
    }
    for token in [&ours.admin, &writer] {
        transfer(&app, token, theirs_c, our_farmer.id, &days_ago(1))
            .await
            .problem(404, "not_found");
        transfer(&app, token, theirs_c, their_hunter.id, &days_ago(1))
            .await
            .problem(404, "not_found");
    }
    // Their people are no one here: not an owner, not a transfer target.
    let v = create(
        &app,
        &ours.admin,
        json!({"name": "X", "kind": "customer", "owner_id": their_farmer.id}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "not_found"));
    let v = transfer(&app, &ours.admin, ours_c, their_farmer.id, &days_ago(1))
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("new_owner_id", "not_found"));
    let v = sync(
        &app,
        &writer,
        "crm",
        "1",
        json!({"name": "X", "kind": "customer", "owner_email": their_farmer.email}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_email", "not_found"));

    // Their accounts are untouched.
    let v = get(&app, &theirs.admin, theirs_c).await.expect(200);
    assert_eq!(v["name"], "Theirs");
    assert_eq!(v["version"], 1);
    let v = get(&app, &theirs.admin, theirs_p).await.expect(200);
    assert_eq!(v["kind"], "prospect");
    assert_eq!(
        owners(&app, &theirs.admin, theirs_c).await,
        vec![period(their_farmer.id, "2026-01-01", None)]
    );
    assert_eq!(listed(&app, &ours.admin, "").await, set(&[ours_c]));
}
