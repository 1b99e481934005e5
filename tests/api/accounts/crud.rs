//! Create, read, update

use super::*;

#[actix_web::test]
async fn accounts_are_created_read_and_updated() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;

    // An admin names the owner and the first day of ownership.
    let r = create(
        &app,
        &org.admin,
        json!({
            "name": "  Contoso Ltd  ", "kind": "customer", "owner_id": farmer.id,
            "segment": " Retail ", "external_source": "hubspot", "external_id": "c-1",
            "owned_since": "2026-01-01"
        }),
    )
    .await;
    let v = r.expect(201);
    let id = uuid(&v["id"]);
    assert_eq!(id.get_version_num(), 7, "ids are UUID v7");
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/v1/accounts/{id}").as_str())
    );
    assert_eq!(v["name"], "Contoso Ltd", "trimmed");
    assert_eq!(v["kind"], "customer");
    assert_eq!(v["status"], "active", "a customer starts active");
    assert_eq!(uuid(&v["owner_id"]), farmer.id);
    assert_eq!(v["segment"], "Retail");
    assert_eq!(v["external_source"], "hubspot");
    assert_eq!(v["external_id"], "c-1");
    assert!(v["converted_on"].is_null() && v["won_by"].is_null());
    assert_eq!(v["version"], 1);
    assert!(v["created_at"].is_string() && v["updated_at"].is_string());
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(farmer.id, "2026-01-01", None)]
    );

    // A salesperson creates a prospect for themselves without naming the owner.
    let v = create(
        &app,
        &hunter.token,
        json!({"name": "Fabrikam", "kind": "prospect"}),
    )
    .await
    .expect(201);
    let prospect = uuid(&v["id"]);
    assert_eq!(uuid(&v["owner_id"]), hunter.id);
    assert_eq!(v["status"], "open", "a prospect starts open");
    assert!(v["external_source"].is_null() && v["segment"].is_null());
    // ... owned from today by default, recorded as created by them.
    let h = app
        .get(&format!("/v1/accounts/{prospect}/owners"))
        .token(&hunter.token)
        .send()
        .await
        .expect(200);
    assert_eq!(h["data"].as_array().unwrap().len(), 1);
    assert_eq!(uuid(&h["data"][0]["owner_id"]), hunter.id);
    assert_eq!(h["data"][0]["owner_name"], "salesperson person");
    assert_eq!(h["data"][0]["from"], today().to_string());
    assert!(h["data"][0]["to"].is_null());
    assert_eq!(h["data"][0]["reason"], "created");
    assert_eq!(uuid(&h["data"][0]["recorded_by"]), hunter.id);
    // ... and naming themselves is fine too.
    let v = create(
        &app,
        &hunter.token,
        json!({"name": "Northwind", "kind": "prospect", "status": "lost", "owner_id": hunter.id}),
    )
    .await
    .expect(201);
    assert_eq!(v["status"], "lost");

    // Read back.
    let r = get(&app, &farmer.token, id).await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(v["name"], "Contoso Ltd");
    assert_eq!(uuid(&v["owner_id"]), farmer.id);

    // The owner updates name, status and segment; the version moves on.
    let r = patch(
        &app,
        &farmer.token,
        id,
        json!({"name": "Contoso Group", "status": "dormant", "segment": "Wholesale"}),
    )
    .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(v["name"], "Contoso Group");
    assert_eq!(v["status"], "dormant");
    assert_eq!(v["segment"], "Wholesale");
    assert_eq!(v["kind"], "customer");
    assert_eq!(uuid(&v["owner_id"]), farmer.id);
    assert_eq!(v["version"], 2);

    // A stale If-Match is 412 and changes nothing; the current one works.
    app.patch(&format!("/v1/accounts/{id}"))
        .token(&farmer.token)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Stale"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    // An invalid change is refused as invalid, whatever version it names.
    app.patch(&format!("/v1/accounts/{id}"))
        .token(&farmer.token)
        .header("if-match", "\"1\"")
        .json(&json!({"segment": ""}))
        .send()
        .await
        .problem(422, "validation_failed");
    let v = app
        .patch(&format!("/v1/accounts/{id}"))
        .token(&farmer.token)
        .header("if-match", "\"2\"")
        .json(&json!({"segment": null, "status": "active"}))
        .send()
        .await
        .expect(200);
    assert!(v["segment"].is_null(), "null clears the segment");
    assert_eq!(v["status"], "active");
    assert_eq!(v["name"], "Contoso Group");
    assert_eq!(v["version"], 3);

    // An empty patch changes nothing.
    let v = patch(&app, &farmer.token, id, json!({})).await.expect(200);
    assert_eq!(v["version"], 3);

    // A prospect moves between open and lost.
    let v = patch(&app, &hunter.token, prospect, json!({"status": "lost"}))
        .await
        .expect(200);
    assert_eq!(v["status"], "lost");
    assert_eq!(v["kind"], "prospect");

    // Ownership never changed through any of this.
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(farmer.id, "2026-01-01", None)]
    );
}

#[actix_web::test]
async fn invalid_accounts_are_refused_with_422() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    let gone = app.person(&org, "salesperson", Some("hunter")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let foreign = app.person(&other, "salesperson", Some("farmer")).await;

    let ok = json!({"name": "Contoso", "kind": "customer", "owner_id": farmer.id});
    let with = |changes: Value| {
        let mut b = ok.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases: Vec<(Value, (String, String))> = vec![
        (with(json!({"name": ""})), pair("name", "required")),
        (with(json!({"name": "   "})), pair("name", "required")),
        (with(json!({"name": null})), pair("name", "required")),
        (
            with(json!({"name": "x".repeat(201)})),
            pair("name", "too_long"),
        ),
        (
            with(json!({"kind": "partner"})),
            pair("kind", "invalid_choice"),
        ),
        (with(json!({"kind": null})), pair("kind", "required")),
        (
            with(json!({"status": "sleeping"})),
            pair("status", "invalid_choice"),
        ),
        (
            with(json!({"status": "open"})),
            pair("status", "invalid_for_kind"),
        ),
        (
            with(json!({"kind": "prospect", "status": "dormant"})),
            pair("status", "invalid_for_kind"),
        ),
        (
            with(json!({"kind": "prospect", "status": "won"})),
            pair("status", "use_convert"),
        ),
        (
            with(json!({"owner_id": null})),
            pair("owner_id", "required"),
        ),
        (
            with(json!({"owner_id": manager.id})),
            pair("owner_id", "invalid_owner"),
        ),
        (
            with(json!({"owner_id": viewer.id})),
            pair("owner_id", "invalid_owner"),
        ),
        (
            with(json!({"owner_id": org.admin_id})),
            pair("owner_id", "invalid_owner"),
        ),
        (
            with(json!({"owner_id": gone.id})),
            pair("owner_id", "owner_inactive"),
        ),
        (
            with(json!({"owner_id": foreign.id})),
            pair("owner_id", "not_found"),
        ),
        (
            with(json!({"owner_id": Uuid::now_v7()})),
            pair("owner_id", "not_found"),
        ),
        (
            with(json!({"owner_id": "not-a-uuid"})),
            pair("owner_id", "invalid_value"),
        ),
        (
            with(json!({"owned_since": (today() + Duration::days(1)).to_string()})),
            pair("owned_since", "in_future"),
        ),
        (
            with(json!({"external_source": "hubspot"})),
            pair("external_id", "incomplete"),
        ),
        (
            with(json!({"external_id": "42"})),
            pair("external_id", "incomplete"),
        ),
        (
            with(json!({"segment": "x".repeat(101)})),
            pair("segment", "too_long"),
        ),
        (
            with(json!({"org_id": other.id})),
            pair("org_id", "unknown_field"),
        ),
        (
            with(json!({"version": 3})),
            pair("version", "unknown_field"),
        ),
    ];
    for (body, expected) in cases {
        let v = create(&app, &org.admin, body.clone()).await.expect(422);
        assert_eq!(field_error(&v), expected, "{body}");
    }
    // Several problems are all reported.
    let v = create(
        &app,
        &org.admin,
        json!({"name": " ", "kind": "customer", "status": "lost", "owner_id": gone.id}),
    )
    .await
    .expect(422);
    let mut got: Vec<(String, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            pair("name", "required"),
            pair("owner_id", "owner_inactive"),
            pair("status", "invalid_for_kind"),
        ]
    );
    // Malformed JSON and a wrong content type.
    app.post("/v1/accounts")
        .token(&org.admin)
        .body("application/json", "{\"name\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/accounts")
        .token(&org.admin)
        .body("text/plain", "name=x")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.post("/v1/accounts")
        .json(&ok)
        .send()
        .await
        .problem(401, "missing_token");

    // The external id is unique within the organisation.
    let first = create(
        &app,
        &org.admin,
        with(json!({"external_source": "hubspot", "external_id": "42"})),
    )
    .await
    .expect(201);
    create(
        &app,
        &org.admin,
        with(json!({"name": "Copy", "external_source": "hubspot", "external_id": "42"})),
    )
    .await
    .problem(409, "external_id_taken");
    let second = account(
        &app,
        &org.admin,
        "Second",
        "customer",
        farmer.id,
        "2026-01-01",
    )
    .await;
    patch(
        &app,
        &org.admin,
        second,
        json!({"external_source": "hubspot", "external_id": "42"}),
    )
    .await
    .problem(409, "external_id_taken");

    // Only the two valid accounts exist.
    assert_eq!(
        listed(&app, &org.admin, "").await,
        set(&[uuid(&first["id"]), second])
    );

    // Invalid changes.
    let prospect = account(&app, &org.admin, "P", "prospect", farmer.id, "2026-01-01").await;
    let cases: Vec<(Uuid, Value, (String, String))> = vec![
        (second, json!({"name": ""}), pair("name", "required")),
        (
            second,
            json!({"status": "open"}),
            pair("status", "invalid_for_kind"),
        ),
        (
            second,
            json!({"status": "lost"}),
            pair("status", "invalid_for_kind"),
        ),
        (
            second,
            json!({"status": "bogus"}),
            pair("status", "invalid_choice"),
        ),
        (
            prospect,
            json!({"status": "won"}),
            pair("status", "use_convert"),
        ),
        (
            prospect,
            json!({"status": "active"}),
            pair("status", "invalid_for_kind"),
        ),
        (
            second,
            json!({"segment": "x".repeat(101)}),
            pair("segment", "too_long"),
        ),
        (
            second,
            json!({"external_id": "1"}),
            pair("external_id", "incomplete"),
        ),
        (
            prospect,
            json!({"kind": "customer"}),
            pair("kind", "unknown_field"),
        ),
        (
            second,
            json!({"owner_id": farmer.id}),
            pair("owner_id", "unknown_field"),
        ),
    ];
    for (id, body, expected) in cases {
        let v = patch(&app, &org.admin, id, body.clone()).await.expect(422);
        assert_eq!(field_error(&v), expected, "{body}");
    }
    let v = get(&app, &org.admin, second).await.expect(200);
    assert_eq!(v["version"], 1, "nothing changed: {v}");
    assert_eq!(v["status"], "active");
    let v = get(&app, &org.admin, prospect).await.expect(200);
    assert_eq!(
        (v["kind"].as_str(), v["status"].as_str()),
        (Some("prospect"), Some("open"))
    );
    assert_eq!(v["version"], 1);
}
