//! Who sees whom

use super::*;

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
