//! Creating, validating, listing and guarding integration clients.

use super::*;

#[actix_web::test]
async fn admin_creates_a_client_and_sees_its_secret_once() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;

    let r = create(
        &app,
        &org.admin,
        json!({"name": "  CRM sync  ", "scopes": ["read", "sales:write", "read"]}),
    )
    .await;
    let v = r.expect(201);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let id = uuid(&v["id"]);
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(uuid(&v["client_id"]), id);
    assert_eq!(v["name"], "CRM sync", "trimmed");
    assert_eq!(
        v["scopes"].as_array().unwrap().len(),
        2,
        "each scope once: {v}"
    );
    assert_eq!(strings(&v["scopes"]), words("read sales:write"));
    assert_eq!(v["active"], true);
    assert_eq!(uuid(&v["created_by"]), org.admin_id);
    let secret = v["client_secret"].as_str().unwrap().to_string();
    assert!(secret.len() >= 32, "a long secret: {secret}");
    assert!(v.get("secret_hash").is_none());

    // A second client gets another secret.
    let v2 = create(
        &app,
        &org.admin,
        json!({"name": "Dashboard", "scopes": ["read"]}),
    )
    .await
    .expect(201);
    assert_ne!(v2["client_secret"].as_str().unwrap(), secret);

    // Never shown again.
    let r = app
        .get(&format!("/v1/clients/{id}"))
        .token(&org.admin)
        .send()
        .await;
    let one = r.expect(200);
    assert!(!String::from_utf8_lossy(&r.body).contains(&secret));
    assert!(
        one.get("client_secret").is_none() && one.get("secret_hash").is_none(),
        "{one}"
    );
    assert_eq!(uuid(&one["id"]), id);
    assert_eq!(one["name"], "CRM sync");
    assert_eq!(strings(&one["scopes"]), words("read sales:write"));
    assert_eq!(one["active"], true);

    let r = app.get("/v1/clients").token(&org.admin).send().await;
    let list = r.expect(200);
    assert!(!String::from_utf8_lossy(&r.body).contains(&secret));
    assert!(list["next_cursor"].is_null());
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert!(data
        .iter()
        .all(|c| c.get("client_secret").is_none() && c.get("secret_hash").is_none()));
    assert_eq!(
        data.iter().map(|c| uuid(&c["id"])).collect::<BTreeSet<_>>(),
        BTreeSet::from([id, uuid(&v2["id"])])
    );
}

#[actix_web::test]
async fn client_bodies_are_validated() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;

    let v = create(&app, &org.admin, json!({"name": "CRM", "scopes": []}))
        .await
        .expect(422);
    assert_eq!(field_error(&v), ("scopes".into(), "required".into()));
    let v = create(
        &app,
        &org.admin,
        json!({"name": "CRM", "scopes": ["admin"]}),
    )
    .await
    .expect(422);
    let (field, code) = field_error(&v);
    assert!(field.starts_with("scopes"), "{field}");
    assert_eq!(code, "invalid_choice");
    let v = create(
        &app,
        &org.admin,
        json!({"name": "CRM", "scopes": ["read", "net_profit:write"]}),
    )
    .await
    .expect(422);
    assert!(field_error(&v).0.starts_with("scopes"));
    let v = create(&app, &org.admin, json!({"name": "CRM", "scopes": "read"}))
        .await
        .expect(422);
    assert_eq!(field_error(&v), ("scopes".into(), "invalid_type".into()));
    let v = create(&app, &org.admin, json!({"name": "CRM"}))
        .await
        .expect(422);
    assert_eq!(field_error(&v), ("scopes".into(), "required".into()));
    let v = create(&app, &org.admin, json!({"name": " ", "scopes": ["read"]}))
        .await
        .expect(422);
    assert_eq!(field_error(&v), ("name".into(), "required".into()));
    let v = create(
        &app,
        &org.admin,
        json!({"name": "x".repeat(201), "scopes": ["read"]}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), ("name".into(), "too_long".into()));
    let v = create(
        &app,
        &org.admin,
        json!({"name": "CRM", "scopes": ["read"], "client_secret": "mine"}),
    )
    .await
    .expect(422);
    assert_eq!(
        field_error(&v),
        ("client_secret".into(), "unknown_field".into())
    );
    let v = create(
        &app,
        &org.admin,
        json!({"name": "CRM", "scopes": ["read"], "active": false}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v).1, "unknown_field");
    // Both wrong at once: both reported.
    let v = create(&app, &org.admin, json!({"name": "", "scopes": []}))
        .await
        .expect(422);
    let fields: BTreeSet<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, BTreeSet::from(["name", "scopes"]));
    app.post("/v1/clients")
        .token(&org.admin)
        .body("application/json", "[")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/clients")
        .token(&org.admin)
        .body("application/x-www-form-urlencoded", "name=CRM&scopes=read")
        .send()
        .await
        .problem(415, "unsupported_media_type");

    let list = app
        .get("/v1/clients")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(list["data"], json!([]), "nothing was created");
}

#[actix_web::test]
async fn active_client_names_are_unique_per_organisation() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;

    let first = create(
        &app,
        &org.admin,
        json!({"name": "Salesforce", "scopes": ["sales:write"]}),
    )
    .await
    .expect(201);
    create(
        &app,
        &org.admin,
        json!({"name": "Salesforce", "scopes": ["read"]}),
    )
    .await
    .problem(409, "client_name_taken");
    create(
        &app,
        &org.admin,
        json!({"name": "salesFORCE", "scopes": ["read"]}),
    )
    .await
    .problem(409, "client_name_taken");
    create(
        &app,
        &org.admin,
        json!({"name": "  Salesforce ", "scopes": ["read"]}),
    )
    .await
    .problem(409, "client_name_taken");
    // Another organisation has its own names.
    create(
        &app,
        &other.admin,
        json!({"name": "Salesforce", "scopes": ["read"]}),
    )
    .await
    .expect(201);
    // Once the first is deleted, the name is free again.
    app.delete(&format!("/v1/clients/{}", uuid(&first["id"])))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let again = create(
        &app,
        &org.admin,
        json!({"name": "Salesforce", "scopes": ["read"]}),
    )
    .await
    .expect(201);
    assert_ne!(again["id"], first["id"]);
    let list = app
        .get("/v1/clients")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        2,
        "the deactivated one is still listed"
    );
}

#[actix_web::test]
async fn only_admins_manage_clients() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let sales = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (id, secret) = app
        .client(
            &org,
            &["read", "sales:write", "activities:write", "accounts:write"],
        )
        .await;
    let issued = grant_json(&app, id, &secret, None).await.expect(200);
    let client_token = issued["access_token"].as_str().unwrap().to_string();

    for token in [&manager.token, &sales.token, &viewer.token, &client_token] {
        create(&app, token, json!({"name": "Mine", "scopes": ["read"]}))
            .await
            .problem(403, "forbidden");
        app.get("/v1/clients")
            .token(token)
            .send()
            .await
            .problem(403, "forbidden");
        app.get(&format!("/v1/clients/{id}"))
            .token(token)
            .send()
            .await
            .problem(403, "forbidden");
        app.delete(&format!("/v1/clients/{id}"))
            .token(token)
            .send()
            .await
            .problem(403, "forbidden");
    }
    app.get("/v1/clients")
        .send()
        .await
        .problem(401, "missing_token");
    app.post("/v1/clients")
        .json(&json!({"name": "x", "scopes": ["read"]}))
        .send()
        .await
        .problem(401, "missing_token");
    app.get("/v1/clients")
        .token("not.a.jwt")
        .send()
        .await
        .problem(401, "invalid_token");

    // Still one client, still active.
    let list = app
        .get("/v1/clients")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["active"], true);
    grant_json(&app, id, &secret, None).await.expect(200);
}

#[actix_web::test]
async fn another_organisations_clients_are_not_found() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let (id, secret) = app.client(&org, &["read"]).await;

    app.get(&format!("/v1/clients/{id}"))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.delete(&format!("/v1/clients/{id}"))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");
    let list = app
        .get("/v1/clients")
        .token(&other.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(list["data"], json!([]));
    app.get(&format!("/v1/clients/{}", Uuid::now_v7()))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.delete(&format!("/v1/clients/{}", Uuid::now_v7()))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.get("/v1/clients/nope")
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");

    // Untouched: it still signs in, into its own organisation.
    let t = grant_json(&app, id, &secret, None).await.expect(200);
    let me = app
        .get("/v1/me")
        .token(t["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&me["org_id"]), org.id);
}

#[actix_web::test]
async fn clients_paginate() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.client(&org, &["read"]).await.0);
    }
    let v = app
        .get("/v1/clients?limit=2")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let first: Vec<Uuid> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| uuid(&c["id"]))
        .collect();
    assert_eq!(first.len(), 2);
    let cursor = v["next_cursor"].as_str().expect("a next page").to_string();
    let v = app
        .get(&format!("/v1/clients?limit=2&cursor={cursor}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let second: Vec<Uuid> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| uuid(&c["id"]))
        .collect();
    assert_eq!(second.len(), 1);
    assert!(v["next_cursor"].is_null());
    let all: Vec<Uuid> = first.into_iter().chain(second).collect();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "ordered by id");
    assert_eq!(
        all.iter().collect::<BTreeSet<_>>(),
        ids.iter().collect::<BTreeSet<_>>()
    );
    app.get("/v1/clients?limit=0")
        .token(&org.admin)
        .send()
        .await
        .expect(422);
    app.get("/v1/clients?limit=201")
        .token(&org.admin)
        .send()
        .await
        .expect(422);
    app.get("/v1/clients?cursor=%%%")
        .token(&org.admin)
        .send()
        .await
        .expect(400);
}
