//! CRM sync

use super::*;

#[actix_web::test]
async fn put_by_external_id_creates_then_updates() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let writer = client_token(&app, &org, &["accounts:write"]).await;
    let since = days_ago(60);

    // Created, with the owner named by email (any case).
    let r = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam", "kind": "prospect", "owner_email": hunter.email.to_uppercase(), "segment": "SMB", "owned_since": since}),
    )
    .await;
    let v = r.expect(201);
    assert_eq!(v["status"], "created");
    let a = &v["account"];
    let id = uuid(&a["id"]);
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/v1/accounts/{id}").as_str())
    );
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(a["name"], "Fabrikam");
    assert_eq!(a["kind"], "prospect");
    assert_eq!(a["status"], "open");
    assert_eq!(uuid(&a["owner_id"]), hunter.id);
    assert_eq!(a["external_source"], "hubspot");
    assert_eq!(a["external_id"], "4711");
    assert_eq!(a["segment"], "SMB");
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(hunter.id, &since, None)]
    );

    // The same again: unchanged, nothing written.
    let r = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam", "kind": "prospect", "owner_id": hunter.id, "segment": "SMB"}),
    )
    .await;
    let v = r.expect(200);
    assert_eq!(v["status"], "unchanged");
    assert_eq!(uuid(&v["account"]["id"]), id);
    assert_eq!(v["account"]["version"], 1);
    // Leaving out the owner, the segment and the status changes none of them.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam", "kind": "prospect"}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "unchanged");

    // A new name and status: updated.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "prospect", "status": "lost", "segment": null}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    assert_eq!(v["account"]["name"], "Fabrikam Inc");
    assert_eq!(v["account"]["status"], "lost");
    assert!(v["account"]["segment"].is_null());
    assert_eq!(v["account"]["version"], 2);

    // A prospect synced as a customer is converted today, won by its owner.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "customer"}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    let a = &v["account"];
    assert_eq!(a["kind"], "customer");
    assert_eq!(a["status"], "active");
    assert_eq!(a["converted_on"], today().to_string());
    assert_eq!(uuid(&a["won_by"]), hunter.id);
    assert_eq!(uuid(&a["owner_id"]), hunter.id);

    // Another owner: a transfer effective today.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "customer", "owner_id": farmer.id}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    assert_eq!(uuid(&v["account"]["owner_id"]), farmer.id);
    assert_eq!(
        uuid(&v["account"]["won_by"]),
        hunter.id,
        "still won by the hunter"
    );
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![
            period(hunter.id, &since, Some(&days_ago(1))),
            period(farmer.id, &today().to_string(), None),
        ]
    );
    let h = app
        .get(&format!("/v1/accounts/{id}/owners"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(h["data"][1]["reason"], "reassigned by sync from hubspot");
    // The same owner again is unchanged.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "customer", "owner_email": farmer.email}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "unchanged");
    let version = v["account"]["version"].clone();

    // A customer never becomes a prospect again.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "prospect"}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("kind", "cannot_unconvert"));
    let v = get(&app, &org.admin, id).await.expect(200);
    assert_eq!(v["kind"], "customer");
    assert_eq!(v["version"], version);

    // An admin syncs too; the source is part of the key.
    let r = sync(
        &app,
        &org.admin,
        "salesforce",
        "4711",
        json!({"name": "Fabrikam (SF)", "kind": "customer", "owner_id": farmer.id}),
    )
    .await;
    let v = r.expect(201);
    assert_ne!(uuid(&v["account"]["id"]), id);
    assert_eq!(
        owners(&app, &org.admin, uuid(&v["account"]["id"])).await,
        vec![period(farmer.id, &today().to_string(), None)],
        "owned from today by default"
    );
    assert_eq!(listed(&app, &org.admin, "").await.len(), 2);
    assert_eq!(
        listed(&app, &org.admin, "&external_source=hubspot").await,
        set(&[id])
    );
}

#[actix_web::test]
async fn invalid_syncs_are_refused_with_422() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let gone = app.person(&org, "salesperson", Some("farmer")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let writer = client_token(&app, &org, &["accounts:write"]).await;
    let tomorrow = (today() + Duration::days(1)).to_string();

    let cases: Vec<(Value, (String, String))> = vec![
        (
            json!({"name": "X", "kind": "customer"}),
            pair("owner_id", "required"),
        ),
        (
            json!({"name": "", "kind": "customer", "owner_id": farmer.id}),
            pair("name", "required"),
        ),
        (
            json!({"name": "X", "kind": "partner", "owner_id": farmer.id}),
            pair("kind", "invalid_choice"),
        ),
        (
            json!({"name": "X", "kind": "customer", "status": "dormantish", "owner_id": farmer.id}),
            pair("status", "invalid_choice"),
        ),
        (
            json!({"name": "X", "kind": "prospect", "status": "won", "owner_id": farmer.id}),
            pair("status", "use_convert"),
        ),
        (
            json!({"name": "X", "kind": "customer", "status": "open", "owner_id": farmer.id}),
            pair("status", "invalid_for_kind"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": gone.id}),
            pair("owner_id", "owner_inactive"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_email": gone.email}),
            pair("owner_email", "owner_inactive"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": manager.id}),
            pair("owner_id", "invalid_owner"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_email": "nobody@example.com"}),
            pair("owner_email", "not_found"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": Uuid::now_v7()}),
            pair("owner_id", "not_found"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": farmer.id, "owned_since": tomorrow}),
            pair("owned_since", "in_future"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": farmer.id, "external_id": "2"}),
            pair("external_id", "unknown_field"),
        ),
    ];
    for (body, expected) in cases {
        let v = sync(&app, &writer, "hubspot", "1", body.clone())
            .await
            .expect(422);
        assert_eq!(field_error(&v), expected, "{body}");
    }
    // An external id too long for the path.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        &"9".repeat(201),
        json!({"name": "X", "kind": "customer", "owner_id": farmer.id}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("external_id", "too_long"));
    assert!(
        listed(&app, &org.admin, "").await.is_empty(),
        "nothing stored"
    );

    // Ownership changes by the day: a sync that names another owner for an account
    // created today corrects today's owner (one period, the new owner from today).
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "new-today",
        json!({"name": "X", "kind": "customer", "owner_id": farmer.id}),
    )
    .await
    .expect(201);
    let id = uuid(&v["account"]["id"]);
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "new-today",
        json!({"name": "X", "kind": "customer", "owner_email": hunter.email}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    assert_eq!(v["account"]["owner_id"], hunter.id.to_string());
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(hunter.id, &today().to_string(), None)]
    );
    // Back to the farmer through a batch: still one period.
    let v = batch(
        &app,
        &writer,
        &[json!({"external_source": "hubspot", "external_id": "new-today", "name": "X", "kind": "customer", "owner_id": farmer.id})],
    )
    .await
    .expect(200);
    assert_eq!(v["items"][0]["status"], "updated");
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(farmer.id, &today().to_string(), None)]
    );
}

#[actix_web::test]
async fn the_same_external_id_in_another_organisation_is_another_account() {
    let app = TestApp::new().await;
    let one = app.org("One").await;
    let two = app.org("Two").await;
    let f1 = app.person(&one, "salesperson", Some("farmer")).await;
    let f2 = app.person(&two, "salesperson", Some("farmer")).await;
    let c1 = client_token(&app, &one, &["accounts:write"]).await;
    let c2 = client_token(&app, &two, &["accounts:write"]).await;

    let v1 = sync(
        &app,
        &c1,
        "hubspot",
        "42",
        json!({"name": "Contoso", "kind": "customer", "owner_id": f1.id}),
    )
    .await
    .expect(201);
    let v2 = sync(
        &app,
        &c2,
        "hubspot",
        "42",
        json!({"name": "Contoso", "kind": "customer", "owner_id": f2.id}),
    )
    .await
    .expect(201);
    assert_eq!(v2["status"], "created");
    let (a1, a2) = (uuid(&v1["account"]["id"]), uuid(&v2["account"]["id"]));
    assert_ne!(a1, a2);
    // Org two's client cannot name org one's owner.
    let v = sync(
        &app,
        &c2,
        "hubspot",
        "42",
        json!({"name": "Contoso", "kind": "customer", "owner_id": f1.id}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "not_found"));

    // Through batches too: each organisation updates its own.
    let item = |owner: Uuid, name: &str| json!({"external_source": "hubspot", "external_id": "42", "name": name, "kind": "customer", "owner_id": owner});
    let v = batch(&app, &c1, &[item(f1.id, "Contoso One")])
        .await
        .expect(200);
    assert_eq!(v["items"][0]["status"], "updated");
    assert_eq!(uuid(&v["items"][0]["id"]), a1);
    let v = batch(&app, &c2, &[item(f2.id, "Contoso")])
        .await
        .expect(200);
    assert_eq!(v["items"][0]["status"], "unchanged");
    assert_eq!(uuid(&v["items"][0]["id"]), a2);
    // A new external id in org two creates there only.
    let v = batch(
        &app,
        &c2,
        &[json!({"external_source": "hubspot", "external_id": "43", "name": "Other", "kind": "prospect", "owner_id": f2.id})],
    )
    .await
    .expect(200);
    let a3 = uuid(&v["items"][0]["id"]);

    assert_eq!(listed(&app, &one.admin, "").await, set(&[a1]));
    assert_eq!(listed(&app, &two.admin, "").await, set(&[a2, a3]));
    assert_eq!(
        get(&app, &one.admin, a1).await.expect(200)["name"],
        "Contoso One"
    );
    assert_eq!(
        get(&app, &two.admin, a2).await.expect(200)["name"],
        "Contoso"
    );
    get(&app, &one.admin, a2).await.problem(404, "not_found");
    get(&app, &c2, a1).await.problem(404, "not_found");
}
