//! Integration clients and the client_credentials grant, as an admin and a CRM use them.

mod common;

use std::collections::BTreeSet;

use base64::Engine;
use common::*;
use serde_json::{json, Value};
use uuid::Uuid;

fn uuid(v: &Value) -> Uuid {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn words(s: &str) -> BTreeSet<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// The one field error of a 422.
#[track_caller]
fn field_error(v: &Value) -> (String, String) {
    assert_eq!(v["code"], "validation_failed", "{v}");
    let errors = v["errors"].as_array().expect("errors[]");
    assert_eq!(errors.len(), 1, "{v}");
    (
        errors[0]["field"].as_str().unwrap().to_string(),
        errors[0]["code"].as_str().unwrap().to_string(),
    )
}

async fn create(app: &TestApp, token: &str, body: Value) -> Res {
    app.post("/v1/clients")
        .token(token)
        .json(&body)
        .send()
        .await
}

async fn grant_json(app: &TestApp, id: impl ToString, secret: &str, scope: Option<&str>) -> Res {
    let mut body = json!({"grant_type": "client_credentials", "client_id": id.to_string(), "client_secret": secret});
    if let Some(s) = scope {
        body["scope"] = json!(s);
    }
    app.post("/v1/auth/token").json(&body).send().await
}

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

#[actix_web::test]
async fn client_credentials_grant_in_every_form() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let (id, secret) = app.client(&org, &["sales:write", "read"]).await;

    // JSON body, no scope asked: every scope the client holds.
    let r = grant_json(&app, id, &secret, None).await;
    let v = r.expect(200);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 900);
    assert_eq!(
        words(v["scope"].as_str().unwrap()),
        words("read sales:write")
    );
    assert!(
        v.get("refresh_token").is_none(),
        "clients get no refresh token: {v}"
    );
    let token = v["access_token"].as_str().unwrap().to_string();
    let me = app.get("/v1/me").token(&token).send().await.expect(200);
    assert_eq!(me["kind"], "client");
    assert_eq!(uuid(&me["id"]), id);
    assert_eq!(strings(&me["scopes"]), words("read sales:write"));
    app.get("/v1/users").token(&token).send().await.expect(200);

    // Form body, narrowed to one scope.
    let r = app
        .post("/v1/auth/token")
        .body(
            "application/x-www-form-urlencoded",
            format!(
                "grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=read"
            ),
        )
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(v["scope"], "read");
    let me = app
        .get("/v1/me")
        .token(v["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200);
    assert_eq!(me["scopes"], json!(["read"]));

    // HTTP Basic credentials, form body with the grant only.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    let r = app
        .post("/v1/auth/token")
        .header("authorization", &format!("Basic {basic}"))
        .body(
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials&scope=sales%3Awrite",
        )
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(v["scope"], "sales:write");
    // A token narrowed to sales:write does not read, although the client may.
    let narrowed = v["access_token"].as_str().unwrap().to_string();
    app.get("/v1/users")
        .token(&narrowed)
        .send()
        .await
        .problem(403, "forbidden");
    app.get("/v1/teams")
        .token(&narrowed)
        .send()
        .await
        .problem(403, "forbidden");
    // HTTP Basic with a JSON body works too.
    let r = app
        .post("/v1/auth/token")
        .header("authorization", &format!("Basic {basic}"))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await;
    assert_eq!(
        words(r.expect(200)["scope"].as_str().unwrap()),
        words("read sales:write")
    );
}

#[actix_web::test]
async fn client_credentials_failures() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let (id, secret) = app.client(&org, &["read"]).await;

    grant_json(&app, id, &secret, Some("sales:write"))
        .await
        .problem(400, "invalid_scope");
    grant_json(&app, id, &secret, Some("read accounts:write"))
        .await
        .problem(400, "invalid_scope");
    grant_json(&app, id, &secret, Some("everything"))
        .await
        .problem(400, "invalid_scope");

    let r = grant_json(&app, id, "not the secret", None).await;
    r.problem(401, "invalid_client");
    assert!(r.header("www-authenticate").is_some());
    grant_json(&app, Uuid::now_v7(), &secret, None)
        .await
        .problem(401, "invalid_client");
    grant_json(&app, "not-a-uuid", &secret, None)
        .await
        .problem(401, "invalid_client");
    let bad_basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:wrong"));
    app.post("/v1/auth/token")
        .header("authorization", &format!("Basic {bad_basic}"))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .problem(401, "invalid_client");
    app.post("/v1/auth/token")
        .json(&json!({"grant_type": "client_credentials", "client_id": id.to_string()}))
        .send()
        .await
        .problem(400, "invalid_request");
    app.post("/v1/auth/token")
        .json(&json!({"grant_type": "client_credentials", "client_secret": secret}))
        .send()
        .await
        .problem(400, "invalid_request");
    app.post("/v1/auth/token")
        .body("text/plain", format!("client_id={id}"))
        .send()
        .await
        .problem(415, "unsupported_media_type");
    // The right secret still works after those failures.
    grant_json(&app, id, &secret, None).await.expect(200);
}

#[actix_web::test]
async fn a_deleted_client_loses_its_tokens_and_cannot_get_more() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let (id, secret) = app.client(&org, &["read"]).await;
    let (other_id, other_secret) = app.client(&org, &["read"]).await;
    let token = grant_json(&app, id, &secret, None).await.expect(200)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let other_token = grant_json(&app, other_id, &other_secret, None)
        .await
        .expect(200)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get("/v1/users").token(&token).send().await.expect(200);

    let v = app
        .delete(&format!("/v1/clients/{id}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&v["id"]), id);
    assert_eq!(v["active"], false);
    assert!(v.get("client_secret").is_none());

    app.get("/v1/users")
        .token(&token)
        .send()
        .await
        .problem(401, "invalid_token");
    app.get("/v1/me")
        .token(&token)
        .send()
        .await
        .problem(401, "invalid_token");
    grant_json(&app, id, &secret, None)
        .await
        .problem(401, "invalid_client");
    // Reading it alone answers that it is gone; the list still shows it, inactive.
    app.get(&format!("/v1/clients/{id}"))
        .token(&org.admin)
        .send()
        .await
        .problem(410, "client_deactivated");
    let list = app
        .get("/v1/clients")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let listed: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| uuid(&c["id"]) == id)
        .collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["active"], false);
    // The other client is unaffected.
    app.get("/v1/users")
        .token(&other_token)
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn scopes_decide_what_a_client_reads() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let team = app.team(&org, "North", None, None).await;
    let (writer, writer_secret) = app.client(&org, &["sales:write"]).await;
    let (reader, reader_secret) = app.client(&org, &["read"]).await;
    let writer = grant_json(&app, writer, &writer_secret, None)
        .await
        .expect(200);
    assert_eq!(writer["scope"], "sales:write");
    let writer = writer["access_token"].as_str().unwrap().to_string();
    let reader = grant_json(&app, reader, &reader_secret, None)
        .await
        .expect(200)["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    app.get("/v1/users")
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    app.get(&format!("/v1/users/{}", org.admin_id))
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    app.get(&format!("/v1/teams/{team}"))
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");

    let users = app.get("/v1/users").token(&reader).send().await.expect(200);
    assert_eq!(users["data"].as_array().unwrap().len(), 1);
    assert_eq!(uuid(&users["data"][0]["id"]), org.admin_id);
    app.get(&format!("/v1/teams/{team}"))
        .token(&reader)
        .send()
        .await
        .expect(200);
    // Reading is not writing.
    app.post("/v1/teams")
        .token(&reader)
        .json(&json!({"name": "Mine"}))
        .send()
        .await
        .problem(403, "forbidden");
    app.post("/v1/users")
        .token(&reader)
        .json(&json!({"email": "x@example.com", "name": "X", "role": "viewer"}))
        .send()
        .await
        .problem(403, "forbidden");
}

/// Two admins create clients of the same name at the same moment: one is created,
/// the other is told the name is taken (not a generic conflict).
#[actix_web::test]
async fn concurrent_clients_of_one_name() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    for round in 0..10 {
        let body = json!({"name": format!("Sync {round}"), "scopes": ["read"]});
        let (a, b) = tokio::join!(
            create(&app, &org.admin, body.clone()),
            create(&app, &org.admin, body.clone())
        );
        let statuses = (a.status.as_u16(), b.status.as_u16());
        assert!(
            statuses == (201, 409) || statuses == (409, 201),
            "round {round}: {statuses:?}"
        );
        let loser = if statuses.0 == 409 { &a } else { &b };
        loser.problem(409, "client_name_taken");
    }
    let list = app
        .get("/v1/clients")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(list["data"].as_array().unwrap().len(), 10);
}
