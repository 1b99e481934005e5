//! Changing people

use super::*;

#[actix_web::test]
async fn admin_changes_role_and_leaving_sales_drops_the_selling_style() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let s = app.person(&org, "salesperson", Some("farmer")).await;
    let url = format!("/v1/users/{}", s.id);

    let r = app
        .patch(&url)
        .token(&org.admin)
        .json(&json!({"role": "manager"}))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(v["role"], "manager");
    assert_eq!(
        v["selling_style"],
        Value::Null,
        "a manager has no selling style"
    );
    assert_eq!(v["version"], 2);
    // The change is stored, and takes effect on the person's existing token at once.
    let me = app.get("/v1/me").token(&s.token).send().await.expect(200);
    assert_eq!(me["role"], "manager");
    assert_eq!(me["selling_style"], Value::Null);

    // Back to sales: no style until one is given.
    let v = app
        .patch(&url)
        .token(&org.admin)
        .json(&json!({"role": "salesperson"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            v["role"].as_str(),
            v["selling_style"].clone(),
            v["version"].as_i64()
        ),
        (Some("salesperson"), Value::Null, Some(3))
    );
    let v = app
        .patch(&url)
        .token(&org.admin)
        .json(&json!({"selling_style": "hunter"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["selling_style"], "hunter");
    // Role and style together.
    let v = app
        .patch(&url)
        .token(&org.admin)
        .json(&json!({"role": "viewer", "selling_style": null}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (v["role"].as_str(), v["selling_style"].clone()),
        (Some("viewer"), Value::Null)
    );
    let v = app
        .patch(&url)
        .token(&org.admin)
        .json(&json!({"role": "salesperson", "selling_style": "hybrid"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (v["role"].as_str(), v["selling_style"].as_str()),
        (Some("salesperson"), Some("hybrid"))
    );
    // `null` removes the style of a salesperson.
    let v = app
        .patch(&url)
        .token(&org.admin)
        .json(&json!({"selling_style": null}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["selling_style"], Value::Null);
    assert_eq!(v["version"], 7);

    // A style for someone who will not be (or is not) a salesperson is refused.
    let v = app
        .patch(&url)
        .token(&org.admin)
        .json(&json!({"role": "manager", "selling_style": "farmer"}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        field_codes(&v),
        pairs(&[("selling_style", "not_applicable")])
    );
    let viewer = app.person(&org, "viewer", None).await;
    let v = app
        .patch(&format!("/v1/users/{}", viewer.id))
        .token(&org.admin)
        .json(&json!({"selling_style": "farmer"}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        field_codes(&v),
        pairs(&[("selling_style", "not_applicable")])
    );
    let v = app.get(&url).token(&org.admin).send().await.expect(200);
    assert_eq!(
        (v["role"].as_str(), v["version"].as_i64()),
        (Some("salesperson"), Some(7)),
        "refusals change nothing"
    );
}

#[actix_web::test]
async fn admin_changes_name_and_email_with_the_usual_checks() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Globex").await;
    let s = app.person(&org, "salesperson", Some("farmer")).await;
    let t = app.person(&org, "viewer", None).await;
    let elsewhere = app.person(&other, "viewer", None).await;
    let url = format!("/v1/users/{}", s.id);

    let v = app
        .patch(&url)
        .token(&org.admin)
        .json(&json!({"name": " Sam Seller ", "email": " Sam@Example.com "}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "Sam Seller");
    assert_eq!(v["email"], "Sam@Example.com");
    assert_eq!(v["selling_style"], "farmer", "untouched fields stay");
    // The new email signs in; the old one does not.
    app.login("sam@example.com", PASSWORD).await.expect(200);
    app.login(&s.email, PASSWORD)
        .await
        .problem(400, "invalid_grant");
    // Their own email in another case is not a conflict.
    let v = app
        .patch(&url)
        .token(&org.admin)
        .json(&json!({"email": "sam@example.com"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["email"], "sam@example.com");

    // Someone else's email, in any case, in any organisation, is.
    for email in [
        t.email.to_uppercase(),
        elsewhere.email.clone(),
        org.admin_email.clone(),
    ] {
        app.patch(&url)
            .token(&org.admin)
            .json(&json!({"email": email}))
            .send()
            .await
            .problem(409, "email_taken");
    }
    for (body, expected) in [
        (
            json!({"email": "not an email"}),
            pairs(&[("email", "invalid_email")]),
        ),
        (json!({"name": ""}), pairs(&[("name", "required")])),
        (
            json!({"name": "x".repeat(201)}),
            pairs(&[("name", "too_long")]),
        ),
        (
            json!({"role": "boss"}),
            pairs(&[("role", "invalid_choice")]),
        ),
        (
            json!({"password": "a new long password"}),
            pairs(&[("password", "unknown_field")]),
        ),
        (
            json!({"version": 1}),
            pairs(&[("version", "unknown_field")]),
        ),
    ] {
        let v = app
            .patch(&url)
            .token(&org.admin)
            .json(&body)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_codes(&v), expected, "{body}");
    }
    app.patch(&url)
        .token(&org.admin)
        .body("application/json", "{\"name\"")
        .send()
        .await
        .problem(400, "malformed_json");
    app.patch(&url)
        .token(&org.admin)
        .body("text/plain", "{}")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.patch(&format!("/v1/users/{}", Uuid::now_v7()))
        .token(&org.admin)
        .json(&json!({"name": "Ghost"}))
        .send()
        .await
        .problem(404, "not_found");
    app.patch("/v1/users/not-a-uuid")
        .token(&org.admin)
        .json(&json!({"name": "Ghost"}))
        .send()
        .await
        .problem(404, "not_found");

    let v = app.get(&url).token(&org.admin).send().await.expect(200);
    assert_eq!(
        (
            v["name"].as_str(),
            v["email"].as_str(),
            v["version"].as_i64()
        ),
        (Some("Sam Seller"), Some("sam@example.com"), Some(3))
    );
}

#[actix_web::test]
async fn if_match_on_a_person() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let s = app.person(&org, "salesperson", Some("farmer")).await;
    let url = format!("/v1/users/{}", s.id);
    let etag = app
        .get(&url)
        .token(&org.admin)
        .send()
        .await
        .header("etag")
        .unwrap();
    assert_eq!(etag, "\"1\"");
    let r = app
        .patch(&url)
        .token(&org.admin)
        .header("if-match", &etag)
        .json(&json!({"name": "One"}))
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    app.patch(&url)
        .token(&org.admin)
        .header("if-match", &etag)
        .json(&json!({"name": "Two"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    // The person changing their own name uses If-Match the same way.
    app.patch(&url)
        .token(&s.token)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Mine"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    let r = app
        .patch(&url)
        .token(&s.token)
        .header("if-match", "\"2\"")
        .json(&json!({"name": "Mine"}))
        .send()
        .await;
    assert_eq!(r.expect(200)["name"], "Mine");
    assert_eq!(r.header("etag").as_deref(), Some("\"3\""));
    let v = app.get(&url).token(&org.admin).send().await.expect(200);
    assert_eq!(
        (v["name"].as_str(), v["version"].as_i64()),
        (Some("Mine"), Some(3))
    );
}

#[actix_web::test]
async fn people_may_change_their_own_name_and_nothing_else() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let s = app.person(&org, "salesperson", Some("farmer")).await;
    let mate = app.person(&org, "salesperson", Some("hunter")).await;
    let outsider = app.person(&org, "salesperson", Some("hunter")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let team = app.team(&org, "North", Some(manager.id), None).await;
    app.join(&org, team, s.id, "2020-01-01").await;
    app.join(&org, team, mate.id, "2020-01-01").await;
    let me_url = format!("/v1/users/{}", s.id);

    let v = app
        .patch(&me_url)
        .token(&s.token)
        .json(&json!({"name": "  Sally  "}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (v["name"].as_str(), v["version"].as_i64()),
        (Some("Sally"), Some(2))
    );
    assert_eq!(v["selling_style"], "farmer");
    let v = app
        .patch(&format!("/v1/users/{}", viewer.id))
        .token(&viewer.token)
        .json(&json!({"name": "Vic"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "Vic");
    let v = app
        .patch(&format!("/v1/users/{}", manager.id))
        .token(&manager.token)
        .json(&json!({"name": "Max"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "Max");

    // Their own role, email, style or activity: 403, even next to a name.
    for body in [
        json!({"role": "admin"}),
        json!({"role": "salesperson"}),
        json!({"email": "sally@example.com"}),
        json!({"selling_style": "hunter"}),
        json!({"selling_style": null}),
        json!({"name": "Sally", "role": "manager"}),
    ] {
        let r = app.patch(&me_url).token(&s.token).json(&body).send().await;
        assert_eq!(
            r.status.as_u16(),
            403,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(403, "forbidden");
    }
    app.patch(&format!("/v1/users/{}", manager.id))
        .token(&manager.token)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .problem(403, "forbidden");
    app.patch(&format!("/v1/users/{}", viewer.id))
        .token(&viewer.token)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .problem(403, "forbidden");

    // Someone else: 403 when visible to them, 404 when not.
    for (who, token, id, status) in [
        ("salesperson -> teammate", &s.token, mate.id, 403),
        ("salesperson -> outsider", &s.token, outsider.id, 404),
        ("salesperson -> admin", &s.token, org.admin_id, 404),
        ("manager -> team member", &manager.token, s.id, 403),
        ("manager -> outsider", &manager.token, outsider.id, 404),
        ("viewer -> anyone", &viewer.token, s.id, 403),
        ("viewer -> admin", &viewer.token, org.admin_id, 403),
    ] {
        let r = app
            .patch(&format!("/v1/users/{id}"))
            .token(token)
            .json(&json!({"name": "Hacked"}))
            .send()
            .await;
        assert_eq!(
            r.status.as_u16(),
            status,
            "{who}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(
            status,
            if status == 403 {
                "forbidden"
            } else {
                "not_found"
            },
        );
    }
    // Nor may a manager promote a member, nor a client rename anyone.
    app.patch(&me_url)
        .token(&manager.token)
        .json(&json!({"role": "manager"}))
        .send()
        .await
        .problem(403, "forbidden");
    let (cid, _) = app.client(&org, &["read"]).await;
    let client = app.sign(org.id, "client", cid, Some("read"));
    app.patch(&me_url)
        .token(&client)
        .json(&json!({"name": "Bot"}))
        .send()
        .await
        .problem(403, "forbidden");
    app.patch(&me_url)
        .json(&json!({"name": "Anon"}))
        .send()
        .await
        .problem(401, "missing_token");

    // After all that: only the name changed.
    let v = app.get(&me_url).token(&org.admin).send().await.expect(200);
    assert_eq!(v["name"], "Sally");
    assert_eq!(v["role"], "salesperson");
    assert_eq!(v["email"], s.email);
    assert_eq!(v["selling_style"], "farmer");
    assert_eq!(v["active"], true);
    assert_eq!(v["version"], 2);
    for id in [mate.id, outsider.id] {
        let v = app
            .get(&format!("/v1/users/{id}"))
            .token(&org.admin)
            .send()
            .await
            .expect(200);
        assert_eq!(v["name"], "salesperson person");
        assert_eq!(v["version"], 1);
    }
    let v = app
        .get(&format!("/v1/users/{}", org.admin_id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "Admin");
}

#[actix_web::test]
async fn an_admin_cannot_demote_or_deactivate_themselves() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let me_url = format!("/v1/users/{}", org.admin_id);
    for body in [
        json!({"role": "manager"}),
        json!({"role": "viewer"}),
        json!({"name": "Still me", "role": "salesperson"}),
    ] {
        app.patch(&me_url)
            .token(&org.admin)
            .json(&body)
            .send()
            .await
            .problem(409, "cannot_change_own_admin");
    }
    app.delete(&me_url)
        .token(&org.admin)
        .send()
        .await
        .problem(409, "cannot_change_own_admin");
    // Their own name and email are fine, as is confirming their role.
    let v = app
        .patch(&me_url)
        .token(&org.admin)
        .json(&json!({"name": "Boss", "role": "admin"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            v["name"].as_str(),
            v["role"].as_str(),
            v["active"].as_bool()
        ),
        (Some("Boss"), Some("admin"), Some(true))
    );
    assert_eq!(v["version"], 2);
    let v = app
        .patch(&me_url)
        .token(&org.admin)
        .json(&json!({"email": "boss@example.com"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["email"], "boss@example.com");
    app.get("/v1/org")
        .token(&org.admin)
        .send()
        .await
        .expect(200);

    // Another admin may demote them, and the demotion applies to their token at once.
    let second = app.person(&org, "admin", None).await;
    let v = app
        .patch(&me_url)
        .token(&second.token)
        .json(&json!({"role": "manager"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["role"], "manager");
    app.patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"name": "Mine now"}))
        .send()
        .await
        .problem(403, "forbidden");
    app.post("/v1/users")
        .token(&org.admin)
        .json(&json!({"email": "x@example.com", "name": "X", "role": "viewer"}))
        .send()
        .await
        .problem(403, "forbidden");
    // ... and deactivate them.
    app.delete(&me_url)
        .token(&second.token)
        .send()
        .await
        .expect(200);
    app.get("/v1/me")
        .token(&org.admin)
        .send()
        .await
        .problem(401, "invalid_token");
}
