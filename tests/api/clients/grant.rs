//! The client_credentials grant, in every form, and what a client reads with its scopes.

use super::*;

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
