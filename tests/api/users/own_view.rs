//! The caller's own view

use super::*;

#[actix_web::test]
async fn me_for_people_shows_role_and_teams() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let s = app.person(&org, "salesperson", Some("hunter")).await;
    let leads = app.team(&org, "Leads", None, None).await;
    let north = app.team(&org, "North", Some(manager.id), None).await;
    let north_east = app
        .team(&org, "North East", Some(manager.id), Some(north))
        .await;
    let old = app.team(&org, "Old", None, None).await;
    app.join(&org, leads, manager.id, "2020-01-01").await;
    // The salesperson moved from Old to North East in the middle of 2020.
    app.join(&org, old, s.id, "2020-01-01").await;
    app.join(&org, north_east, s.id, "2020-07-01").await;

    let v = app.get("/v1/me").token(&s.token).send().await.expect(200);
    assert_eq!(v["kind"], "user");
    assert_eq!(v["id"], s.id.to_string());
    assert_eq!(v["org_id"], org.id.to_string());
    assert_eq!(v["name"], "salesperson person");
    assert_eq!(v["email"], s.email);
    assert_eq!(v["role"], "salesperson");
    assert_eq!(v["selling_style"], "hunter");
    assert_eq!(v["scopes"], json!([]));
    assert_eq!(
        v["teams"],
        json!([{"id": north_east, "name": "North East", "relation": "member", "from": "2020-07-01", "to": null}]),
        "today's team only, not the one they left"
    );

    let v = app
        .get("/v1/me")
        .token(&manager.token)
        .send()
        .await
        .expect(200);
    assert_eq!(v["role"], "manager");
    assert_eq!(v["selling_style"], Value::Null);
    let mut teams: Vec<Value> = v["teams"].as_array().unwrap().clone();
    teams.sort_by_key(|t| {
        (
            t["relation"].as_str().unwrap().to_string(),
            t["name"].as_str().unwrap().to_string(),
        )
    });
    assert_eq!(
        Value::Array(teams),
        json!([
            {"id": north, "name": "North", "relation": "manager", "from": null, "to": null},
            {"id": north_east, "name": "North East", "relation": "manager", "from": null, "to": null},
            {"id": leads, "name": "Leads", "relation": "member", "from": "2020-01-01", "to": null},
        ])
    );

    let v = app.get("/v1/me").token(&org.admin).send().await.expect(200);
    assert_eq!(
        (v["role"].as_str(), v["name"].as_str()),
        (Some("admin"), Some("Admin"))
    );
    assert_eq!(v["email"], org.admin_email);
    assert_eq!(v["teams"], json!([]));

    app.get("/v1/me").send().await.problem(401, "missing_token");
    app.get("/v1/me")
        .header("authorization", "Basic abc")
        .send()
        .await
        .problem(401, "invalid_token");
}

#[actix_web::test]
async fn me_for_an_integration_client_shows_its_scopes() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let v = app
        .post("/v1/clients")
        .token(&org.admin)
        .json(&json!({"name": "HubSpot sync", "scopes": ["sales:write", "read"]}))
        .send()
        .await
        .expect(201);
    let id = v["id"].as_str().unwrap().to_string();
    let secret = v["client_secret"].as_str().unwrap().to_string();
    let token = |scope: Option<&str>| {
        let mut body =
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret});
        if let Some(s) = scope {
            body["scope"] = json!(s);
        }
        let app = &app;
        async move {
            app.post("/v1/auth/token")
                .json(&body)
                .send()
                .await
                .expect(200)["access_token"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };

    let t = token(None).await;
    let v = app.get("/v1/me").token(&t).send().await.expect(200);
    assert_eq!(v["kind"], "client");
    assert_eq!(v["id"], id);
    assert_eq!(v["org_id"], org.id.to_string());
    assert_eq!(v["name"], "HubSpot sync");
    assert_eq!(v["email"], Value::Null);
    assert_eq!(v["role"], Value::Null);
    assert_eq!(v["selling_style"], Value::Null);
    assert_eq!(v["teams"], json!([]));
    let mut scopes: Vec<String> = v["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    scopes.sort();
    assert_eq!(scopes, vec!["read", "sales:write"]);

    // A token narrowed to one scope carries only that one.
    let t = token(Some("read")).await;
    let v = app.get("/v1/me").token(&t).send().await.expect(200);
    assert_eq!(v["scopes"], json!(["read"]));

    // A client has no password to change.
    app.post("/v1/me/password")
        .token(&t)
        .json(&json!({"current_password": "whatever", "new_password": "a brand new password"}))
        .send()
        .await
        .problem(403, "forbidden");
}

#[actix_web::test]
async fn changing_ones_password_signs_out_every_session() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let s = app.person(&org, "salesperson", Some("farmer")).await;
    let first = app.login(&s.email, PASSWORD).await.expect(200);
    let second = app.login(&s.email, PASSWORD).await.expect(200);
    let access = first["access_token"].as_str().unwrap().to_string();
    let new_password = "an entirely new passphrase";
    let change = |current: &str, new: &str| {
        let body = json!({"current_password": current, "new_password": new});
        let app = &app;
        let access = access.clone();
        async move {
            app.post("/v1/me/password")
                .token(&access)
                .json(&body)
                .send()
                .await
        }
    };

    let v = change("not my password", new_password)
        .await
        .problem(422, "validation_failed");
    assert_eq!(field_codes(&v), pairs(&[("current_password", "incorrect")]));
    let v = change(PASSWORD, "short")
        .await
        .problem(422, "validation_failed");
    assert_eq!(field_codes(&v), pairs(&[("new_password", "too_short")]));
    let v = change(PASSWORD, "123456789")
        .await
        .problem(422, "validation_failed");
    assert_eq!(field_codes(&v), pairs(&[("new_password", "too_short")]));
    let v = change(PASSWORD, &"p".repeat(129))
        .await
        .problem(422, "validation_failed");
    assert_eq!(field_codes(&v), pairs(&[("new_password", "too_long")]));
    for (body, expected) in [
        (
            json!({"new_password": new_password}),
            pairs(&[("current_password", "required")]),
        ),
        (
            json!({"current_password": PASSWORD}),
            pairs(&[("new_password", "required")]),
        ),
        (
            json!({"current_password": PASSWORD, "new_password": new_password, "user_id": org.admin_id}),
            pairs(&[("user_id", "unknown_field")]),
        ),
    ] {
        let v = app
            .post("/v1/me/password")
            .token(&access)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_codes(&v), expected, "{body}");
    }
    app.post("/v1/me/password")
        .token(&access)
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/me/password")
        .token(&access)
        .body("text/plain", "x")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.post("/v1/me/password")
        .json(&json!({"current_password": PASSWORD, "new_password": new_password}))
        .send()
        .await
        .problem(401, "missing_token");
    // None of the refusals changed anything: the old sessions still refresh.
    let rotated = refresh(&app, second["refresh_token"].as_str().unwrap())
        .await
        .expect(200);

    let r = change(PASSWORD, new_password).await;
    assert_eq!(
        r.status.as_u16(),
        204,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(r.body.is_empty());

    app.login(&s.email, PASSWORD)
        .await
        .problem(400, "invalid_grant");
    let fresh = app.login(&s.email, new_password).await.expect(200);
    // Every refresh token issued before the change is dead.
    refresh(&app, first["refresh_token"].as_str().unwrap())
        .await
        .problem(400, "invalid_grant");
    refresh(&app, rotated["refresh_token"].as_str().unwrap())
        .await
        .problem(400, "invalid_grant");
    // The session opened with the new password lives on.
    refresh(&app, fresh["refresh_token"].as_str().unwrap())
        .await
        .expect(200);

    // Someone else's password is not touched.
    app.login(&org.admin_email, PASSWORD).await.expect(200);
}

#[actix_web::test]
async fn a_person_without_a_password_cannot_set_one_by_guessing() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let v = create(
        &app,
        &org,
        json!({"email": "nopass@example.com", "name": "No Pass", "role": "viewer"}),
    )
    .await;
    let token = app.sign(org.id, "user", id_of(&v), None);
    for current in ["", "anything at all"] {
        let v = app
            .post("/v1/me/password")
            .token(&token)
            .json(&json!({"current_password": current, "new_password": "a brand new password"}))
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_codes(&v), pairs(&[("current_password", "incorrect")]));
    }
    app.login("nopass@example.com", "a brand new password")
        .await
        .problem(400, "invalid_grant");
}
