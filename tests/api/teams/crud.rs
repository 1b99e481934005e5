//! Teams

use super::*;

#[actix_web::test]
async fn admin_creates_teams_with_manager_and_parent() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;

    let r = app
        .post("/v1/teams")
        .token(&org.admin)
        .json(&json!({"name": "  Company  "}))
        .send()
        .await;
    let company = r.expect(201);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    let company_id = uuid(&company["id"]);
    assert_eq!(company_id.get_version_num(), 7, "ids are UUID v7");
    assert_eq!(company["name"], "Company", "the name is trimmed");
    assert!(company["manager_id"].is_null());
    assert!(company["parent_team_id"].is_null());
    assert_eq!(company["version"], 1);

    let r = app
        .post("/v1/teams")
        .token(&org.admin)
        .json(&json!({"name": "North", "manager_id": manager.id, "parent_team_id": company_id}))
        .send()
        .await;
    let north = r.expect(201);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(uuid(&north["manager_id"]), manager.id);
    assert_eq!(uuid(&north["parent_team_id"]), company_id);

    // An admin may manage a team too.
    let r = app
        .post("/v1/teams")
        .token(&org.admin)
        .json(&json!({"name": "HQ", "manager_id": org.admin_id}))
        .send()
        .await;
    assert_eq!(uuid(&r.expect(201)["manager_id"]), org.admin_id);

    // Read back.
    let r = app
        .get(&format!("/v1/teams/{}", uuid(&north["id"])))
        .token(&org.admin)
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(v["name"], "North");
    assert_eq!(uuid(&v["manager_id"]), manager.id);
    assert_eq!(uuid(&v["parent_team_id"]), company_id);
    assert_eq!(listed(&app, &org.admin, "").await.len(), 3);
}

#[actix_web::test]
async fn team_links_and_names_are_validated() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let sales = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let gone = app.person(&org, "manager", None).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let foreign_manager = app.person(&other, "manager", None).await;
    let foreign_team = app.team(&other, "Theirs", None, None).await;

    let post = |body: Value| {
        let admin = org.admin.clone();
        let app = &app;
        async move { app.post("/v1/teams").token(&admin).json(&body).send().await }
    };

    for bad in [
        sales.id,
        viewer.id,
        gone.id,
        foreign_manager.id,
        Uuid::now_v7(),
    ] {
        let v = post(json!({"name": "T", "manager_id": bad}))
            .await
            .expect(422);
        assert_eq!(
            field_error(&v),
            pair("manager_id", "invalid_manager"),
            "manager {bad}"
        );
    }
    for bad in [foreign_team, Uuid::now_v7()] {
        let v = post(json!({"name": "T", "parent_team_id": bad}))
            .await
            .expect(422);
        assert_eq!(field_error(&v).0, "parent_team_id");
    }
    // Both wrong: both reported.
    let v = post(json!({"name": "T", "manager_id": sales.id, "parent_team_id": Uuid::now_v7()}))
        .await
        .expect(422);
    let fields: BTreeSet<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, BTreeSet::from(["manager_id", "parent_team_id"]));

    assert_eq!(
        field_error(&post(json!({"name": "   "})).await.expect(422)),
        pair("name", "required")
    );
    assert_eq!(
        field_error(&post(json!({"name": "x".repeat(201)})).await.expect(422)),
        pair("name", "too_long")
    );
    post(json!({"name": "x".repeat(200)})).await.expect(201);
    assert_eq!(
        field_error(&post(json!({})).await.expect(422)),
        pair("name", "required")
    );
    assert_eq!(
        field_error(
            &post(json!({"name": "T", "org_id": other.id}))
                .await
                .expect(422)
        )
        .1,
        "unknown_field"
    );
    assert_eq!(
        field_error(
            &post(json!({"name": "T", "manager_id": "nope"}))
                .await
                .expect(422)
        )
        .0,
        "manager_id"
    );
    app.post("/v1/teams")
        .token(&org.admin)
        .body("application/json", "{\"name\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/teams")
        .token(&org.admin)
        .body("text/plain", "name=T")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.post("/v1/teams")
        .json(&json!({"name": "T"}))
        .send()
        .await
        .problem(401, "missing_token");

    // Only the one valid team was created.
    assert_eq!(listed(&app, &org.admin, "").await.len(), 1);
    assert_eq!(listed(&app, &other.admin, "").await, set(&[foreign_team]));
}

#[actix_web::test]
async fn only_admins_create_change_and_delete_teams() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let sales = app.person(&org, "salesperson", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (client, _) = app
        .client(
            &org,
            &["read", "sales:write", "activities:write", "accounts:write"],
        )
        .await;
    let client = app.sign(
        org.id,
        "client",
        client,
        Some("read sales:write activities:write accounts:write"),
    );
    let team = app.team(&org, "North", Some(manager.id), None).await;
    app.join(&org, team, sales.id, "2026-01-01").await;

    for token in [&manager.token, &sales.token, &viewer.token, &client] {
        app.post("/v1/teams")
            .token(token)
            .json(&json!({"name": "Mine"}))
            .send()
            .await
            .problem(403, "forbidden");
        app.patch(&format!("/v1/teams/{team}"))
            .token(token)
            .json(&json!({"name": "Renamed"}))
            .send()
            .await
            .problem(403, "forbidden");
        app.delete(&format!("/v1/teams/{team}"))
            .token(token)
            .send()
            .await
            .problem(403, "forbidden");
    }
    let v = app
        .get(&format!("/v1/teams/{team}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "North");
    assert_eq!(v["version"], 1);
    assert_eq!(listed(&app, &org.admin, "").await, set(&[team]));
}

/// Company
/// ├── Region R (m1)
/// │   └── T1 (m2)
/// │       └── T1a            <- sp
/// └── Region S (m3)
///     └── T2                 <- m2 is a member here
#[actix_web::test]
async fn who_sees_which_team() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let m1 = app.person(&org, "manager", None).await;
    let m2 = app.person(&org, "manager", None).await;
    let m3 = app.person(&org, "manager", None).await;
    let idle_manager = app.person(&org, "manager", None).await;
    let sp = app.person(&org, "salesperson", Some("hunter")).await;
    let loner = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (rc, _) = app.client(&org, &["read"]).await;
    let read_client = app.sign(org.id, "client", rc, Some("read"));
    let (wc, _) = app.client(&org, &["sales:write"]).await;
    let write_client = app.sign(org.id, "client", wc, Some("sales:write"));

    let company = app.team(&org, "Company", None, None).await;
    let r = app.team(&org, "R", Some(m1.id), Some(company)).await;
    let t1 = app.team(&org, "T1", Some(m2.id), Some(r)).await;
    let t1a = app.team(&org, "T1a", None, Some(t1)).await;
    let s = app.team(&org, "S", Some(m3.id), Some(company)).await;
    let t2 = app.team(&org, "T2", None, Some(s)).await;
    app.join(&org, t1a, sp.id, "2026-01-01").await;
    app.join(&org, t2, m2.id, "2026-01-01").await;
    let all = [company, r, t1, t1a, s, t2];
    let foreign = app.team(&other, "Foreign", None, None).await;

    let cases: Vec<(&str, &str, Vec<Uuid>)> = vec![
        ("admin", &org.admin, all.to_vec()),
        ("viewer", &viewer.token, all.to_vec()),
        ("read client", &read_client, all.to_vec()),
        // Manages R: R, its child T1 and grandchild T1a.
        ("m1", &m1.token, vec![r, t1, t1a]),
        // Manages T1 (and T1a below it), and is a member of T2.
        ("m2", &m2.token, vec![t1, t1a, t2]),
        ("m3", &m3.token, vec![s, t2]),
        ("manager of nothing", &idle_manager.token, vec![]),
        ("salesperson", &sp.token, vec![t1a]),
        ("salesperson without a team", &loner.token, vec![]),
    ];
    for (who, token, visible) in cases {
        assert_eq!(listed(&app, token, "").await, set(&visible), "{who} lists");
        for t in all.iter().chain([&foreign]) {
            let r = app.get(&format!("/v1/teams/{t}")).token(token).send().await;
            let mr = app
                .get(&format!("/v1/teams/{t}/members"))
                .token(token)
                .send()
                .await;
            if visible.contains(t) {
                assert_eq!(uuid(&r.expect(200)["id"]), *t, "{who} reads {t}");
                mr.expect(200);
            } else {
                r.problem(404, "not_found");
                mr.problem(404, "not_found");
            }
        }
    }
    // A client without the read scope reads no teams at all.
    app.get("/v1/teams")
        .token(&write_client)
        .send()
        .await
        .problem(403, "forbidden");
    app.get(&format!("/v1/teams/{company}"))
        .token(&write_client)
        .send()
        .await
        .problem(403, "forbidden");
    // Another organisation sees only its own.
    assert_eq!(listed(&app, &other.admin, "").await, set(&[foreign]));
    app.get(&format!("/v1/teams/{company}"))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.get("/v1/teams")
        .send()
        .await
        .problem(401, "missing_token");
    app.get("/v1/teams/not-a-uuid")
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn visibility_follows_a_team_moved_under_a_managed_one() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let m = app.person(&org, "manager", None).await;
    let mine = app.team(&org, "Mine", Some(m.id), None).await;
    let elsewhere = app.team(&org, "Elsewhere", None, None).await;
    let below = app.team(&org, "Below", None, Some(elsewhere)).await;
    assert_eq!(listed(&app, &m.token, "").await, set(&[mine]));
    app.patch(&format!("/v1/teams/{elsewhere}"))
        .token(&org.admin)
        .json(&json!({"parent_team_id": mine}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        listed(&app, &m.token, "").await,
        set(&[mine, elsewhere, below])
    );
    // And the manager may now staff the grandchild.
    let sp = app.person(&org, "salesperson", None).await;
    put_member(&app, &m.token, below, sp.id, "2026-05-01")
        .await
        .expect(200);
}
