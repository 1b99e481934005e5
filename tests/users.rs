//! `/v1/users`, `/v1/me` and `/v1/me/password`: creating people, who sees whom,
//! filters and pages, changes and their limits, deactivation, the caller's own view.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// The `(field, code)` pairs of a validation problem's `errors`, sorted.
fn field_codes(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors[] in {v}"))
        .iter()
        .map(|e| {
            assert!(
                e["message"].is_string(),
                "every field error has a message: {e}"
            );
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = p
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect();
    out.sort();
    out
}

fn set(ids: &[Uuid]) -> BTreeSet<String> {
    ids.iter().map(Uuid::to_string).collect()
}

fn page_ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data[] in {v}"))
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every id of a list, walking its pages.
async fn all_ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut url = format!("/v1/users?{query}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let v = app.get(&url).token(token).send().await.expect(200);
        out.extend(page_ids(&v));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
    panic!("more than 100 pages");
}

async fn visible(app: &TestApp, token: &str) -> BTreeSet<String> {
    let ids = all_ids(app, token, "limit=200").await;
    let s: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(s.len(), ids.len(), "no duplicates");
    s
}

/// Creates a person with exactly these details; returns the answer's body.
async fn create(app: &TestApp, org: &Org, body: Value) -> Value {
    app.post("/v1/users")
        .token(&org.admin)
        .json(&body)
        .send()
        .await
        .expect(201)
}

/// Signs in with `email` and the password, and reads `/v1/me` with the token.
async fn me_after_sign_in(app: &TestApp, email: &str, password: &str) -> Value {
    let t = app.login(email, password).await.expect(200);
    app.get("/v1/me")
        .token(t["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200)
}

fn id_of(v: &Value) -> Uuid {
    v["id"].as_str().unwrap().parse().unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> Res {
    app.post("/v1/auth/token")
        .json(&json!({"grant_type": "refresh_token", "refresh_token": token}))
        .send()
        .await
}

// ---------------------------------------------------------------------------
// Creating people

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

// ---------------------------------------------------------------------------
// Who sees whom

#[actix_web::test]
async fn visibility_follows_roles_and_the_team_tree() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let m1 = app.person(&org, "manager", None).await;
    let m2 = app.person(&org, "manager", None).await;
    let m3 = app.person(&org, "manager", None).await;
    let north = app.team(&org, "North", Some(m1.id), None).await;
    let north_east = app.team(&org, "North East", Some(m2.id), Some(north)).await;
    let south = app.team(&org, "South", Some(m3.id), None).await;
    let s1 = app.person(&org, "salesperson", Some("farmer")).await;
    let s2 = app.person(&org, "salesperson", Some("hunter")).await;
    let s3 = app.person(&org, "salesperson", Some("hybrid")).await;
    let s4 = app.person(&org, "salesperson", Some("farmer")).await;
    let s5 = app.person(&org, "salesperson", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    app.join(&org, north, s1.id, "2020-01-01").await;
    app.join(&org, north, s2.id, "2021-03-01").await;
    app.join(&org, north_east, s3.id, "2020-01-01").await;
    app.join(&org, south, s4.id, "2020-01-01").await;
    let (read_id, _) = app.client(&org, &["read"]).await;
    let reader = app.sign(org.id, "client", read_id, Some("read"));
    let (writer_id, _) = app.client(&org, &["sales:write"]).await;
    let writer = app.sign(org.id, "client", writer_id, Some("sales:write"));
    // Another organisation's people are never seen.
    let other = app.org("Globex").await;
    let stranger = app.person(&other, "salesperson", Some("farmer")).await;

    let everyone = set(&[
        org.admin_id,
        m1.id,
        m2.id,
        m3.id,
        s1.id,
        s2.id,
        s3.id,
        s4.id,
        s5.id,
        viewer.id,
    ]);
    assert_eq!(visible(&app, &org.admin).await, everyone, "admin");
    assert_eq!(visible(&app, &viewer.token).await, everyone, "viewer");
    assert_eq!(visible(&app, &reader).await, everyone, "read client");
    // A manager: themselves, their team, and its sub-teams.
    assert_eq!(
        visible(&app, &m1.token).await,
        set(&[m1.id, s1.id, s2.id, s3.id]),
        "manager of North"
    );
    // The sub-team's manager does not see the parent team.
    assert_eq!(
        visible(&app, &m2.token).await,
        set(&[m2.id, s3.id]),
        "manager of North East"
    );
    assert_eq!(
        visible(&app, &m3.token).await,
        set(&[m3.id, s4.id]),
        "manager of South"
    );
    // A salesperson: themselves and their teammates.
    assert_eq!(visible(&app, &s1.token).await, set(&[s1.id, s2.id]), "s1");
    assert_eq!(visible(&app, &s2.token).await, set(&[s1.id, s2.id]), "s2");
    assert_eq!(visible(&app, &s3.token).await, set(&[s3.id]), "s3");
    assert_eq!(
        visible(&app, &s5.token).await,
        set(&[s5.id]),
        "s5, in no team"
    );
    assert_eq!(
        visible(&app, &other.admin).await,
        set(&[other.admin_id, stranger.id]),
        "the other tenant"
    );
    // A client without the read scope reads no people.
    app.get("/v1/users")
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    app.get(&format!("/v1/users/{}", s1.id))
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    app.get("/v1/users")
        .send()
        .await
        .problem(401, "missing_token");

    // Single reads agree with the lists: visible is 200, invisible is 404.
    let get = |token: String, id: Uuid| {
        let app = &app;
        async move {
            app.get(&format!("/v1/users/{id}"))
                .token(&token)
                .send()
                .await
        }
    };
    for (who, token, id) in [
        ("admin", &org.admin, s4.id),
        ("viewer", &viewer.token, m1.id),
        ("read client", &reader, s5.id),
        ("m1 -> s3 (sub-team)", &m1.token, s3.id),
        ("m1 -> self", &m1.token, m1.id),
        ("m2 -> s3", &m2.token, s3.id),
        ("s1 -> s2", &s1.token, s2.id),
        ("s1 -> self", &s1.token, s1.id),
        ("s5 -> self", &s5.token, s5.id),
    ] {
        let r = get(token.clone(), id).await;
        assert_eq!(
            r.status.as_u16(),
            200,
            "{who}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.json()["id"], id.to_string(), "{who}");
        assert!(r.header("etag").is_some(), "{who}");
    }
    for (who, token, id) in [
        ("m1 -> s4 (other team)", &m1.token, s4.id),
        ("m1 -> m3", &m1.token, m3.id),
        ("m1 -> s5 (no team)", &m1.token, s5.id),
        ("m1 -> viewer", &m1.token, viewer.id),
        ("m1 -> admin", &m1.token, org.admin_id),
        ("m2 -> s1 (parent team)", &m2.token, s1.id),
        ("m3 -> s1", &m3.token, s1.id),
        ("s1 -> s3 (sub-team)", &s1.token, s3.id),
        ("s1 -> s4", &s1.token, s4.id),
        ("s1 -> m2", &s1.token, m2.id),
        ("s3 -> s1", &s3.token, s1.id),
        ("s5 -> s1", &s5.token, s1.id),
        ("s5 -> admin", &s5.token, org.admin_id),
    ] {
        let r = get(token.clone(), id).await;
        assert_eq!(
            r.status.as_u16(),
            404,
            "{who}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(404, "not_found");
    }
    // An id nobody has.
    get(org.admin.clone(), Uuid::now_v7())
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn another_organisations_people_are_404_for_every_role() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let seller = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let team = app.team(&org, "North", Some(manager.id), None).await;
    app.join(&org, team, seller.id, "2020-01-01").await;
    let (cid, _) = app.client(&org, &["read"]).await;
    let client = app.sign(org.id, "client", cid, Some("read"));

    let other = app.org("Globex").await;
    let theirs = app.person(&other, "salesperson", Some("hunter")).await;

    for target in [theirs.id, other.admin_id] {
        for (who, token) in [
            ("admin", &org.admin),
            ("manager", &manager.token),
            ("salesperson", &seller.token),
            ("viewer", &viewer.token),
            ("client", &client),
        ] {
            let r = app
                .get(&format!("/v1/users/{target}"))
                .token(token)
                .send()
                .await;
            assert_eq!(
                r.status.as_u16(),
                404,
                "{who}: {}",
                String::from_utf8_lossy(&r.body)
            );
            r.problem(404, "not_found");
        }
        // Writes by our admin do not reach it either.
        app.patch(&format!("/v1/users/{target}"))
            .token(&org.admin)
            .json(&json!({"name": "Renamed"}))
            .send()
            .await
            .problem(404, "not_found");
        app.delete(&format!("/v1/users/{target}"))
            .token(&org.admin)
            .send()
            .await
            .problem(404, "not_found");
        app.patch(&format!("/v1/users/{target}"))
            .token(&seller.token)
            .json(&json!({"name": "Renamed"}))
            .send()
            .await
            .problem(404, "not_found");
    }
    // Untouched.
    let v = app
        .get(&format!("/v1/users/{}", theirs.id))
        .token(&other.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "salesperson person");
    assert_eq!(v["active"], true);
    assert_eq!(v["version"], 1);
    app.get("/v1/me")
        .token(&theirs.token)
        .send()
        .await
        .expect(200);
    // A token signed for our organisation naming their person is not a valid caller.
    let forged = app.sign(org.id, "user", theirs.id, None);
    app.get("/v1/me")
        .token(&forged)
        .send()
        .await
        .problem(401, "invalid_token");
}

// ---------------------------------------------------------------------------
// Filters and pages

#[actix_web::test]
async fn filters_by_role_activity_and_text() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let ada = id_of(&create(&app, &org, json!({"email": "ada@example.com", "name": "Ada Lovelace", "role": "salesperson", "selling_style": "farmer"})).await).to_string();
    let grace = id_of(&create(&app, &org, json!({"email": "grace@navy.example.org", "name": "Grace Hopper", "role": "salesperson"})).await).to_string();
    let alan = id_of(
        &create(
            &app,
            &org,
            json!({"email": "alan@example.com", "name": "Alan Turing", "role": "manager"}),
        )
        .await,
    )
    .to_string();
    let percy = id_of(
        &create(
            &app,
            &org,
            json!({"email": "percy@example.com", "name": "Percy 100%", "role": "viewer"}),
        )
        .await,
    )
    .to_string();
    let admin = org.admin_id.to_string();
    app.delete(&format!("/v1/users/{grace}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);

    let q = |query: &'static str| {
        let app = &app;
        let token = org.admin.clone();
        async move {
            let s: BTreeSet<String> = all_ids(app, &token, query).await.into_iter().collect();
            s
        }
    };
    let s = |ids: &[&String]| {
        ids.iter()
            .map(|x| x.to_string())
            .collect::<BTreeSet<String>>()
    };

    assert_eq!(q("").await, s(&[&admin, &ada, &grace, &alan, &percy]));
    assert_eq!(q("role=salesperson").await, s(&[&ada, &grace]));
    assert_eq!(q("role=admin").await, s(&[&admin]));
    assert_eq!(q("role=manager").await, s(&[&alan]));
    assert_eq!(q("role=viewer").await, s(&[&percy]));
    assert_eq!(q("active=false").await, s(&[&grace]));
    assert_eq!(q("active=true").await, s(&[&admin, &ada, &alan, &percy]));
    assert_eq!(q("role=salesperson&active=true").await, s(&[&ada]));
    // Name or email, any case, any part.
    assert_eq!(q("q=lovelace").await, s(&[&ada]));
    assert_eq!(q("q=TURING").await, s(&[&alan]));
    assert_eq!(q("q=ing").await, s(&[&alan]));
    assert_eq!(q("q=NAVY").await, s(&[&grace]));
    assert_eq!(q("q=example.com").await, s(&[&admin, &ada, &alan, &percy]));
    assert_eq!(q("q=nobody-has-this").await, s(&[]));
    // LIKE wildcards are taken literally.
    assert_eq!(q("q=%25").await, s(&[&percy]));
    assert_eq!(q("q=100%25").await, s(&[&percy]));
    assert_eq!(q("q=_").await, s(&[]));
    assert_eq!(q("q=%5C").await, s(&[]));
    // Blank text is no filter.
    assert_eq!(
        q("q=%20%20").await,
        s(&[&admin, &ada, &grace, &alan, &percy])
    );
    // Combined.
    assert_eq!(q("q=a&role=manager").await, s(&[&alan]));
    assert_eq!(q("q=hopper&active=true").await, s(&[]));

    // Filters do not widen what a caller may see.
    let seller = app.person(&org, "salesperson", None).await;
    let v = app
        .get("/v1/users?role=salesperson")
        .token(&seller.token)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), vec![seller.id.to_string()]);

    // Unreadable filters.
    app.get("/v1/users?role=boss")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    app.get("/v1/users?active=maybe")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
}

#[actix_web::test]
async fn pages_walk_every_person_once() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mut created = vec![org.admin_id.to_string()];
    for i in 0..6 {
        let role = ["salesperson", "manager", "viewer"][i % 3];
        let v = create(&app, &org, json!({"email": format!("p{i}@example.com"), "name": format!("Person {i}"), "role": role})).await;
        created.push(v["id"].as_str().unwrap().to_string());
    }
    assert_eq!(created.len(), 7);

    // One by one: seven pages of one, the last without a cursor.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1..=7 {
        let url = match &cursor {
            Some(c) => format!("/v1/users?limit=1&cursor={c}"),
            None => "/v1/users?limit=1".to_string(),
        };
        let v = app.get(&url).token(&org.admin).send().await.expect(200);
        let ids = page_ids(&v);
        assert_eq!(ids.len(), 1, "page {page}: {v}");
        seen.extend(ids);
        cursor = v["next_cursor"].as_str().map(str::to_string);
        if page < 7 {
            assert!(cursor.is_some(), "page {page} has a next cursor");
        } else {
            assert_eq!(v["next_cursor"], Value::Null, "the last page has none");
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 7, "no duplicates: {seen:?}");
    // UUID v7 ids sort by creation: pages come in the order people were added.
    assert_eq!(seen, created);

    // Pages of three: 3, 3, 1.
    let v = app
        .get("/v1/users?limit=3")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created[0..3].to_vec());
    let c = v["next_cursor"].as_str().unwrap().to_string();
    let v = app
        .get(&format!("/v1/users?limit=3&cursor={c}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created[3..6].to_vec());
    let c = v["next_cursor"].as_str().unwrap().to_string();
    let v = app
        .get(&format!("/v1/users?limit=3&cursor={c}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created[6..7].to_vec());
    assert_eq!(v["next_cursor"], Value::Null);

    // A page exactly as long as the list has no next cursor; one shorter has.
    let v = app
        .get("/v1/users?limit=7")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v).len(), 7);
    assert_eq!(v["next_cursor"], Value::Null);
    let v = app
        .get("/v1/users?limit=6")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v).len(), 6);
    assert!(v["next_cursor"].is_string());
    // Default page size is 50, maximum 200.
    let v = app
        .get("/v1/users")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created);
    assert_eq!(v["next_cursor"], Value::Null);
    app.get("/v1/users?limit=200")
        .token(&org.admin)
        .send()
        .await
        .expect(200);

    // Pages combine with filters: the two salespeople (p0, p3) one at a time.
    let walked = all_ids(&app, &org.admin, "role=salesperson&limit=1").await;
    assert_eq!(walked, vec![created[1].clone(), created[4].clone()]);

    // Out-of-range limits and foreign cursors.
    for limit in ["0", "201", "-1"] {
        let v = app
            .get(&format!("/v1/users?limit={limit}"))
            .token(&org.admin)
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(
            field_codes(&v),
            pairs(&[("limit", "out_of_range")]),
            "limit={limit}"
        );
    }
    app.get("/v1/users?limit=ten")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    // Not base64; base64 of something that is not an id; an id that is not base64-encoded.
    for cursor in ["garbage!!", "aGVsbG8", &created[1]] {
        app.get(&format!("/v1/users?cursor={cursor}"))
            .token(&org.admin)
            .send()
            .await
            .problem(400, "invalid_cursor");
    }
    // An empty cursor is the first page.
    let v = app
        .get("/v1/users?cursor=&limit=2")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), created[0..2].to_vec());
}

// ---------------------------------------------------------------------------
// Changing people

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

// ---------------------------------------------------------------------------
// Deactivation

#[actix_web::test]
async fn deleting_deactivates_and_every_token_stops_working() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let s = app.person(&org, "salesperson", Some("hunter")).await;
    let url = format!("/v1/users/{}", s.id);
    let login = app.login(&s.email, PASSWORD).await.expect(200);
    let access = login["access_token"].as_str().unwrap().to_string();
    let refresh_token = login["refresh_token"].as_str().unwrap().to_string();
    app.get("/v1/me").token(&access).send().await.expect(200);
    app.get("/v1/me").token(&s.token).send().await.expect(200);

    // Only an admin deletes.
    let manager = app.person(&org, "manager", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    for token in [&manager.token, &viewer.token, &s.token] {
        app.delete(&url)
            .token(token)
            .send()
            .await
            .problem(403, "forbidden");
    }
    app.delete(&url).send().await.problem(401, "missing_token");
    app.delete(&format!("/v1/users/{}", Uuid::now_v7()))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");

    let r = app.delete(&url).token(&org.admin).send().await;
    let v = r.expect(200);
    assert_eq!(v["active"], false);
    assert_eq!(v["version"], 2);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));

    // Access tokens, however obtained, stop working at once.
    app.get("/v1/me")
        .token(&access)
        .send()
        .await
        .problem(401, "invalid_token");
    app.get("/v1/me")
        .token(&s.token)
        .send()
        .await
        .problem(401, "invalid_token");
    app.get("/v1/org")
        .token(&s.token)
        .send()
        .await
        .problem(401, "invalid_token");
    // No new tokens: neither by password nor by refresh.
    app.login(&s.email, PASSWORD)
        .await
        .problem(400, "invalid_grant");
    refresh(&app, &refresh_token)
        .await
        .problem(400, "invalid_grant");

    // The history stays: the person is still listed, inactive.
    let v = app
        .get("/v1/users?active=false")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(page_ids(&v), vec![s.id.to_string()]);
    assert_eq!(v["data"][0]["active"], false);
    assert_eq!(v["data"][0]["selling_style"], "hunter");
    assert!(!all_ids(&app, &org.admin, "active=true")
        .await
        .contains(&s.id.to_string()));
}

#[actix_web::test]
async fn a_deactivated_person_is_listed_as_inactive_and_gone_by_id() {
    // Commit 43cec0c: a deactivated person answers 410 `user_deactivated` by id (the
    // brief asked for 200 with active=false); the list still shows them, inactive.
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let s = app.person(&org, "salesperson", Some("hunter")).await;
    let outsider = app.person(&org, "salesperson", Some("farmer")).await;
    let team = app.team(&org, "North", Some(manager.id), None).await;
    app.join(&org, team, s.id, "2020-01-01").await;
    let url = format!("/v1/users/{}", s.id);
    app.delete(&url).token(&org.admin).send().await.expect(200);

    // Their history stays, so their manager still finds them in the list, marked inactive.
    for token in [&org.admin, &manager.token] {
        let v = app
            .get("/v1/users?active=false")
            .token(token)
            .send()
            .await
            .expect(200);
        assert_eq!(page_ids(&v), vec![s.id.to_string()]);
        assert_eq!(v["data"][0]["active"], false);
        assert_eq!(v["data"][0]["selling_style"], "hunter");
        assert_eq!(v["data"][0]["version"], 2);
    }
    // By id: gone for those who may see them, still 404 for those who may not.
    for token in [&org.admin, &manager.token] {
        app.get(&url)
            .token(token)
            .send()
            .await
            .problem(410, "user_deactivated");
    }
    app.get(&url)
        .token(&outsider.token)
        .send()
        .await
        .problem(404, "not_found");
    // Nor can they be changed, deactivated again, or moved into a team.
    app.patch(&url)
        .token(&org.admin)
        .json(&json!({"name": "Renamed"}))
        .send()
        .await
        .problem(410, "user_deactivated");
    app.delete(&url)
        .token(&org.admin)
        .send()
        .await
        .problem(410, "user_deactivated");
    let other = app.team(&org, "South", None, None).await;
    app.put(&format!("/v1/teams/{other}/members/{}", s.id))
        .token(&org.admin)
        .json(&json!({"from": "2021-01-01"}))
        .send()
        .await
        .problem(422, "user_inactive");
    // None of that changed them.
    let v = app
        .get("/v1/users?active=false")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            v["data"][0]["name"].as_str(),
            v["data"][0]["version"].as_i64()
        ),
        (Some("salesperson person"), Some(2))
    );
}

#[actix_web::test]
async fn reactivation_restores_sign_in_but_not_old_sessions() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let s = app.person(&org, "salesperson", Some("hunter")).await;
    let manager = app.person(&org, "manager", None).await;
    let url = format!("/v1/users/{}", s.id);
    let reactivate = format!("/v1/users/{}/reactivate", s.id);
    let first = app.login(&s.email, PASSWORD).await.expect(200);
    app.delete(&url).token(&org.admin).send().await.expect(200);

    // `active` is not a field one can PATCH (mass assignment); DELETE and reactivate are the ways.
    for active in [true, false] {
        let v = app
            .patch(&format!("/v1/users/{}", manager.id))
            .token(&org.admin)
            .json(&json!({"active": active}))
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(field_codes(&v), pairs(&[("active", "unknown_field")]));
    }
    // Only an admin reactivates; the deactivated person's own token no longer works at all.
    app.post(&reactivate)
        .token(&manager.token)
        .send()
        .await
        .problem(403, "forbidden");
    app.post(&reactivate)
        .token(&s.token)
        .send()
        .await
        .problem(401, "invalid_token");
    app.post(&reactivate)
        .send()
        .await
        .problem(401, "missing_token");
    app.post(&format!("/v1/users/{}/reactivate", Uuid::now_v7()))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    let other = app.org("Globex").await;
    app.post(&reactivate)
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");

    let r = app.post(&reactivate).token(&org.admin).send().await;
    let v = r.expect(200);
    assert_eq!(v["active"], true);
    assert_eq!(v["version"], 3);
    assert_eq!(
        v["selling_style"], "hunter",
        "their details are as they were"
    );
    assert_eq!(r.header("etag").as_deref(), Some("\"3\""));
    // Reactivating someone active changes nothing.
    let v = app
        .post(&reactivate)
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (v["active"].as_bool(), v["version"].as_i64()),
        (Some(true), Some(3))
    );

    // They can sign in again, and read by id again; the revoked sessions stay revoked.
    let fresh = app.login(&s.email, PASSWORD).await.expect(200);
    let me = app
        .get("/v1/me")
        .token(fresh["access_token"].as_str().unwrap())
        .send()
        .await
        .expect(200);
    assert_eq!(me["id"], s.id.to_string());
    refresh(&app, first["refresh_token"].as_str().unwrap())
        .await
        .problem(400, "invalid_grant");
    refresh(&app, fresh["refresh_token"].as_str().unwrap())
        .await
        .expect(200);
    let v = app.get(&url).token(&org.admin).send().await.expect(200);
    assert_eq!(v["active"], true);
    assert_eq!(
        all_ids(&app, &org.admin, "active=false").await,
        Vec::<String>::new()
    );
}

// ---------------------------------------------------------------------------
// The caller's own view

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
