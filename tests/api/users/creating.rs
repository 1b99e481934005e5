//! Creating people

use super::*;

#[actix_web::test]
async fn admin_creates_a_person_with_location_and_etag() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let r = app
        .post("/v1/users")
        .token(&org.admin)
        .json(&json!({
            "email": "  ada@example.com ",
            "name": "  Ada Lovelace ",
            "role": "salesperson",
            "selling_style": "farmer",
            "password": "correct horse battery"
        }))
        .send()
        .await;
    let v = r.expect(201);
    let id = id_of(&v);
    assert_eq!(id.get_version_num(), 7, "ids are UUID v7");
    assert_eq!(r.header("location"), Some(format!("/v1/users/{id}")));
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(v["email"], "ada@example.com", "trimmed");
    assert_eq!(v["name"], "Ada Lovelace", "trimmed");
    assert_eq!(v["role"], "salesperson");
    assert_eq!(v["selling_style"], "farmer");
    assert_eq!(v["active"], true);
    assert_eq!(v["version"], 1);
    assert!(v["created_at"].is_string() && v["updated_at"].is_string());
    let obj = v.as_object().unwrap();
    assert!(
        !obj.keys().any(|k| k.contains("password")),
        "no password or hash is ever returned: {v}"
    );

    // The Location can be followed.
    let r = app
        .get(&format!("/v1/users/{id}"))
        .token(&org.admin)
        .send()
        .await;
    let got = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(got["email"], "ada@example.com");
    assert_eq!(got["selling_style"], "farmer");

    // The initial password signs in, with the email in any case.
    let me = me_after_sign_in(&app, "ADA@Example.COM", "correct horse battery").await;
    assert_eq!(me["id"], id.to_string());
    assert_eq!(me["role"], "salesperson");
}

#[actix_web::test]
async fn the_password_is_optional_and_every_role_can_be_created() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    for (role, email) in [
        ("admin", "second-admin@example.com"),
        ("manager", "manager@example.com"),
        ("viewer", "viewer@example.com"),
        ("salesperson", "styleless@example.com"),
    ] {
        let v = create(
            &app,
            &org,
            json!({"email": email, "name": format!("A {role}"), "role": role}),
        )
        .await;
        assert_eq!(v["role"], role);
        assert_eq!(v["selling_style"], Value::Null, "{role}");
        assert_eq!(v["active"], true);
    }
    for style in ["farmer", "hunter", "hybrid"] {
        let v = create(
            &app,
            &org,
            json!({"email": format!("{style}@example.com"), "name": style, "role": "salesperson", "selling_style": style}),
        )
        .await;
        assert_eq!(v["selling_style"], style);
    }
    // Without a password nobody can sign in as them, whatever they try.
    app.login("manager@example.com", "")
        .await
        .problem(400, "invalid_request");
    app.login("manager@example.com", "any password at all")
        .await
        .problem(400, "invalid_grant");

    let all = all_ids(&app, &org.admin, "limit=200").await;
    assert_eq!(all.len(), 8, "the admin and the seven new people");
}

#[actix_web::test]
async fn emails_are_unique_case_insensitively_across_organisations() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Globex").await;
    create(
        &app,
        &org,
        json!({"email": "Ada@Example.com", "name": "Ada", "role": "viewer"}),
    )
    .await;

    for email in [
        "Ada@Example.com",
        "ada@example.com",
        "ADA@EXAMPLE.COM",
        "  ada@example.com  ",
    ] {
        let r = app
            .post("/v1/users")
            .token(&org.admin)
            .json(&json!({"email": email, "name": "Again", "role": "viewer"}))
            .send()
            .await;
        r.problem(409, "email_taken");
        // Sign-in names a person by email alone: another organisation cannot reuse it either.
        let r = app
            .post("/v1/users")
            .token(&other.admin)
            .json(&json!({"email": email, "name": "Elsewhere", "role": "viewer"}))
            .send()
            .await;
        r.problem(409, "email_taken");
    }
    // The bootstrap admin's email is taken too.
    app.post("/v1/users")
        .token(&other.admin)
        .json(
            &json!({"email": org.admin_email.to_uppercase(), "name": "Impostor", "role": "admin"}),
        )
        .send()
        .await
        .problem(409, "email_taken");

    assert_eq!(all_ids(&app, &org.admin, "").await.len(), 2);
    assert_eq!(all_ids(&app, &other.admin, "").await.len(), 1);
}

#[actix_web::test]
async fn non_ascii_emails_sign_in_and_stay_unique_however_they_are_written() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    // U+0130 (İ) lowercases to "i" + U+0307 in Unicode; "É" may come composed or not.
    for (created, sign_in, taken) in [
        (
            "İrem@Example.com",
            "i\u{307}rem@example.com",
            "İREM@EXAMPLE.COM",
        ),
        (
            "Émile@Exämple.org",
            "E\u{301}MILE@exa\u{308}mple.org",
            "émile@exämple.org",
        ),
        (
            "Øyvind@Ærø.example",
            "øyvind@ærø.example",
            "ØYVIND@ÆRØ.EXAMPLE",
        ),
    ] {
        let v = create(
            &app,
            &org,
            json!({"email": created, "name": "Someone", "role": "viewer", "password": PASSWORD}),
        )
        .await;
        assert_eq!(v["email"], created, "shown as entered");
        for email in [created, sign_in, taken] {
            let me = me_after_sign_in(&app, email, PASSWORD).await;
            assert_eq!(me["id"], v["id"], "{email}");
        }
        for email in [created, sign_in, taken] {
            app.post("/v1/users")
                .token(&org.admin)
                .json(&json!({"email": email, "name": "Again", "role": "viewer"}))
                .send()
                .await
                .problem(409, "email_taken");
        }
    }
    // Renaming someone to a taken email, written another way, is refused too.
    let p = app.person(&org, "viewer", None).await;
    app.patch(&format!("/v1/users/{}", p.id))
        .token(&org.admin)
        .json(&json!({"email": "i\u{307}REM@example.com"}))
        .send()
        .await
        .problem(409, "email_taken");
}

#[actix_web::test]
async fn invalid_people_are_422_with_every_field() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let ok = |over: Value| {
        let mut b = json!({"email": "ok@example.com", "name": "Ok", "role": "salesperson"});
        for (k, v) in over.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases: Vec<(Value, Vec<(String, String)>)> = vec![
        (
            ok(json!({"email": "not-an-email"})),
            pairs(&[("email", "invalid_email")]),
        ),
        (
            ok(json!({"email": "ada@example"})),
            pairs(&[("email", "invalid_email")]),
        ),
        (
            ok(json!({"email": "a da@example.com"})),
            pairs(&[("email", "invalid_email")]),
        ),
        (
            ok(json!({"email": ""})),
            pairs(&[("email", "invalid_email")]),
        ),
        (ok(json!({"name": ""})), pairs(&[("name", "required")])),
        (ok(json!({"name": "   "})), pairs(&[("name", "required")])),
        (
            ok(json!({"name": "n".repeat(201)})),
            pairs(&[("name", "too_long")]),
        ),
        (
            ok(json!({"password": "short"})),
            pairs(&[("password", "too_short")]),
        ),
        (
            ok(json!({"password": "123456789"})),
            pairs(&[("password", "too_short")]),
        ),
        (
            ok(json!({"password": "p".repeat(129)})),
            pairs(&[("password", "too_long")]),
        ),
        (
            ok(json!({"role": "manager", "selling_style": "farmer"})),
            pairs(&[("selling_style", "not_applicable")]),
        ),
        (
            ok(json!({"role": "admin", "selling_style": "hunter"})),
            pairs(&[("selling_style", "not_applicable")]),
        ),
        (
            ok(json!({"role": "viewer", "selling_style": "hybrid"})),
            pairs(&[("selling_style", "not_applicable")]),
        ),
        (
            json!({"email": "bad", "name": "", "role": "viewer", "selling_style": "farmer", "password": "short"}),
            pairs(&[
                ("email", "invalid_email"),
                ("name", "required"),
                ("password", "too_short"),
                ("selling_style", "not_applicable"),
            ]),
        ),
        // Shapes serde refuses.
        (
            ok(json!({"role": "boss"})),
            pairs(&[("role", "invalid_choice")]),
        ),
        (
            ok(json!({"selling_style": "gatherer"})),
            pairs(&[("selling_style", "invalid_choice")]),
        ),
        (ok(json!({"email": null})), pairs(&[("email", "required")])),
        (ok(json!({"role": null})), pairs(&[("role", "required")])),
        (ok(json!({"name": 7})), pairs(&[("name", "invalid_type")])),
        // Mass assignment is impossible.
        (
            ok(json!({"active": false})),
            pairs(&[("active", "unknown_field")]),
        ),
        (
            ok(json!({"org_id": Uuid::now_v7()})),
            pairs(&[("org_id", "unknown_field")]),
        ),
        (
            ok(json!({"id": Uuid::now_v7()})),
            pairs(&[("id", "unknown_field")]),
        ),
        (
            ok(json!({"password_hash": "x"})),
            pairs(&[("password_hash", "unknown_field")]),
        ),
        (
            ok(json!({"version": 9})),
            pairs(&[("version", "unknown_field")]),
        ),
    ];
    for (body, expected) in cases {
        let r = app
            .post("/v1/users")
            .token(&org.admin)
            .json(&body)
            .send()
            .await;
        assert_eq!(
            r.status.as_u16(),
            422,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let v = r.problem(422, "validation_failed");
        assert_eq!(field_codes(&v), expected, "{body}");
    }
    app.post("/v1/users")
        .token(&org.admin)
        .body("application/json", "{\"email\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/users")
        .token(&org.admin)
        .body("text/plain", ok(json!({})).to_string())
        .send()
        .await
        .problem(415, "unsupported_media_type");
    // Nothing was created by any of them.
    assert_eq!(
        all_ids(&app, &org.admin, "").await,
        vec![org.admin_id.to_string()]
    );
}

#[actix_web::test]
async fn only_an_admin_creates_people() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let seller = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (cid, _) = app
        .client(
            &org,
            &["read", "sales:write", "accounts:write", "activities:write"],
        )
        .await;
    let client = app.sign(
        org.id,
        "client",
        cid,
        Some("read sales:write accounts:write activities:write"),
    );
    for (who, token) in [
        ("manager", &manager.token),
        ("salesperson", &seller.token),
        ("viewer", &viewer.token),
        ("client", &client),
    ] {
        let r = app
            .post("/v1/users")
            .token(token)
            .json(&json!({"email": format!("{who}-made@example.com"), "name": "New", "role": "admin", "password": PASSWORD}))
            .send()
            .await;
        assert_eq!(
            r.status.as_u16(),
            403,
            "{who}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(403, "forbidden");
        app.login(&format!("{who}-made@example.com"), PASSWORD)
            .await
            .problem(400, "invalid_grant");
    }
    app.post("/v1/users")
        .json(&json!({"email": "x@example.com", "name": "X", "role": "viewer"}))
        .send()
        .await
        .problem(401, "missing_token");
    assert_eq!(all_ids(&app, &org.admin, "").await.len(), 4);
}
