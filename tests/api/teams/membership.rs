//! Membership

use super::*;

/// R (m1) > T (m2); U (m3) elsewhere; m4 manages U and is a member of T.
#[actix_web::test]
async fn admins_and_managers_above_a_team_change_its_members() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let m1 = app.person(&org, "manager", None).await;
    let m2 = app.person(&org, "manager", None).await;
    let m3 = app.person(&org, "manager", None).await;
    let m4 = app.person(&org, "manager", None).await;
    let sp1 = app.person(&org, "salesperson", Some("farmer")).await;
    let sp2 = app.person(&org, "salesperson", Some("hunter")).await;
    let sp3 = app.person(&org, "salesperson", None).await;
    let sp4 = app.person(&org, "salesperson", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (rc, _) = app.client(&org, &["read"]).await;
    let read_client = app.sign(org.id, "client", rc, Some("read"));
    let r = app.team(&org, "R", Some(m1.id), None).await;
    let t = app.team(&org, "T", Some(m2.id), Some(r)).await;
    let _u = app.team(&org, "U", Some(m3.id), None).await;

    // The admin.
    let v = put_member(&app, &org.admin, t, sp1.id, "2026-01-01")
        .await
        .expect(200);
    assert_eq!(
        v,
        json!({"team_id": t, "user_id": sp1.id, "name": "salesperson person", "from": "2026-01-01", "to": null})
    );
    // The team's manager.
    let v = put_member(&app, &m2.token, t, sp2.id, "2026-02-01")
        .await
        .expect(200);
    assert_eq!(v["from"], "2026-02-01");
    // The manager of the parent team.
    let v = put_member(&app, &m1.token, t, sp3.id, "2026-03-01")
        .await
        .expect(200);
    assert_eq!(v["from"], "2026-03-01");
    app.join(&org, t, m4.id, "2026-04-01").await;

    // Refused: who can see T gets 403, who cannot gets 404.
    let refused: Vec<(&str, &str, u16)> = vec![
        ("a salesperson member of T", &sp1.token, 403),
        ("a viewer", &viewer.token, 403),
        ("a read client", &read_client, 403),
        ("a manager of another team who belongs to T", &m4.token, 403),
        ("a manager of an unrelated team", &m3.token, 404),
        ("a salesperson outside T", &sp4.token, 404),
    ];
    for (who, token, status) in refused {
        let r = put_member(&app, token, t, sp4.id, "2026-05-01").await;
        if status == 403 {
            r.problem(403, "forbidden");
        } else {
            r.problem(404, "not_found");
        }
        let r = end_member(&app, token, t, sp1.id, "?to=2026-06-30").await;
        assert_eq!(r.status.as_u16(), status, "{who} ends a membership");
        r.expect(status);
    }

    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![
            m(sp1.id, "2026-01-01", None),
            m(sp2.id, "2026-02-01", None),
            m(sp3.id, "2026-03-01", None),
            m(m4.id, "2026-04-01", None),
        ]
    );
    // Readers see the same list.
    for token in [
        &viewer.token,
        &read_client,
        &sp1.token,
        &m1.token,
        &m2.token,
        &m4.token,
    ] {
        assert_eq!(members(&app, token, t, "").await.len(), 4);
    }
}

#[actix_web::test]
async fn joining_checks_the_person_and_the_body() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let t = app.team(&org, "T", None, None).await;
    let gone = app.person(&org, "salesperson", None).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let foreign = app.person(&other, "salesperson", None).await;
    let sp = app.person(&org, "salesperson", None).await;

    put_member(&app, &org.admin, t, gone.id, "2026-01-01")
        .await
        .problem(422, "user_inactive");
    put_member(&app, &org.admin, t, Uuid::now_v7(), "2026-01-01")
        .await
        .problem(404, "not_found");
    put_member(&app, &org.admin, t, foreign.id, "2026-01-01")
        .await
        .problem(404, "not_found");
    put_member(&app, &org.admin, Uuid::now_v7(), sp.id, "2026-01-01")
        .await
        .problem(404, "not_found");

    let path = format!("/v1/teams/{t}/members/{}", sp.id);
    for bad in ["2026-13-01", "2026-02-30", "01/02/2026", ""] {
        let v = put_member(&app, &org.admin, t, sp.id, bad)
            .await
            .expect(422);
        assert_eq!(field_error(&v).0, "from", "from {bad:?}");
    }
    let v = app
        .put(&path)
        .token(&org.admin)
        .json(&json!({}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("from", "required"));
    let v = app
        .put(&path)
        .token(&org.admin)
        .json(&json!({"from": 20260101}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("from", "invalid_type"));
    let v = app
        .put(&path)
        .token(&org.admin)
        .json(&json!({"from": "2026-01-01", "to": "2026-02-01"}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("to", "unknown_field"));
    app.put(&path)
        .token(&org.admin)
        .body("application/json", "{from:")
        .send()
        .await
        .problem(400, "malformed_json");
    app.put(&path)
        .token(&org.admin)
        .body("text/plain", "2026-01-01")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.put(&format!("/v1/teams/{t}/members/nope"))
        .token(&org.admin)
        .json(&json!({"from": "2026-01-01"}))
        .send()
        .await
        .problem(404, "not_found");
    app.put(&path)
        .json(&json!({"from": "2026-01-01"}))
        .send()
        .await
        .problem(401, "missing_token");
    // Days the database cannot hold (or write back as YYYY-MM-DD) are invalid, never a 500.
    for bad in ["-5000-01-01", "0000-12-31", "+10000-01-01"] {
        let v = put_member(&app, &org.admin, t, sp.id, bad)
            .await
            .expect(422);
        assert_eq!(
            field_error(&v),
            pair("from", "invalid_value"),
            "from {bad:?}"
        );
    }
    app.get(&format!("/v1/teams/{t}/members?as_of=-5000-01-01"))
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    put_member(&app, &org.admin, t, sp.id, "1900-01-01")
        .await
        .expect(200);
    end_member(&app, &org.admin, t, sp.id, "?to=%2B10000-01-01")
        .await
        .problem(400, "invalid_query");
    let v = end_member(&app, &org.admin, t, sp.id, "?to=2999-12-31")
        .await
        .expect(200);
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("1900-01-01"), Some("2999-12-31"))
    );
    app.delete(&format!("/v1/teams/{t}"))
        .token(&org.admin)
        .send()
        .await
        .expect(204);
    let t = app.team(&org, "T again", None, None).await;

    assert_eq!(members(&app, &org.admin, t, "").await, vec![]);
}

#[actix_web::test]
async fn joining_again_is_unchanged_or_redates() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let t = app.team(&org, "T", None, None).await;
    let sp = app.person(&org, "salesperson", None).await;

    let first = put_member(&app, &org.admin, t, sp.id, "2026-03-01")
        .await
        .expect(200);
    let again = put_member(&app, &org.admin, t, sp.id, "2026-03-01")
        .await
        .expect(200);
    assert_eq!(first, again);
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(sp.id, "2026-03-01", None)]
    );

    // An earlier first day re-dates the open membership.
    let v = put_member(&app, &org.admin, t, sp.id, "2026-02-01")
        .await
        .expect(200);
    assert_eq!(v["from"], "2026-02-01");
    assert!(v["to"].is_null());
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(sp.id, "2026-02-01", None)]
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-02-01")
            .await
            .len(),
        1
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-01-31")
            .await
            .len(),
        0
    );
}

#[actix_web::test]
async fn moving_to_another_team_closes_the_old_membership() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.team(&org, "A", None, None).await;
    let b = app.team(&org, "B", None, None).await;
    let c = app.team(&org, "C", None, None).await;
    let sp = app.person(&org, "salesperson", None).await;
    app.join(&org, a, sp.id, "2026-01-01").await;

    let v = put_member(&app, &org.admin, b, sp.id, "2026-11-16")
        .await
        .expect(200);
    assert_eq!(
        (uuid(&v["team_id"]), v["from"].clone(), v["to"].clone()),
        (b, json!("2026-11-16"), Value::Null)
    );
    assert_eq!(
        members(&app, &org.admin, a, "").await,
        vec![m(sp.id, "2026-01-01", Some("2026-11-15"))]
    );
    assert_eq!(
        members(&app, &org.admin, b, "").await,
        vec![m(sp.id, "2026-11-16", None)]
    );

    // Day by day: A up to the 15th, B from the 16th.
    for (day, in_a, in_b) in [
        ("2025-12-31", false, false),
        ("2026-01-01", true, false),
        ("2026-11-15", true, false),
        ("2026-11-16", false, true),
        ("2027-06-30", false, true),
    ] {
        let q = format!("?as_of={day}");
        assert_eq!(
            members(&app, &org.admin, a, &q).await.len(),
            usize::from(in_a),
            "A on {day}"
        );
        assert_eq!(
            members(&app, &org.admin, b, &q).await.len(),
            usize::from(in_b),
            "B on {day}"
        );
    }

    // Days already covered by the closed A membership cannot be given to another team.
    put_member(&app, &org.admin, c, sp.id, "2026-06-01")
        .await
        .problem(409, "membership_overlap");
    put_member(&app, &org.admin, c, sp.id, "2026-11-15")
        .await
        .problem(409, "membership_overlap");
    // Nor to A again, nor by re-dating B backwards into them.
    put_member(&app, &org.admin, a, sp.id, "2026-11-15")
        .await
        .problem(409, "membership_overlap");
    put_member(&app, &org.admin, b, sp.id, "2026-11-01")
        .await
        .problem(409, "membership_overlap");
    // Joining C on B's own first day would leave B empty: refused as well.
    put_member(&app, &org.admin, c, sp.id, "2026-11-16")
        .await
        .problem(409, "membership_overlap");
    assert_eq!(
        members(&app, &org.admin, a, "").await,
        vec![m(sp.id, "2026-01-01", Some("2026-11-15"))]
    );
    assert_eq!(
        members(&app, &org.admin, b, "").await,
        vec![m(sp.id, "2026-11-16", None)]
    );
    assert_eq!(members(&app, &org.admin, c, "").await, vec![]);

    // A second move closes B.
    put_member(&app, &org.admin, c, sp.id, "2026-12-01")
        .await
        .expect(200);
    assert_eq!(
        members(&app, &org.admin, b, "").await,
        vec![m(sp.id, "2026-11-16", Some("2026-11-30"))]
    );
    assert_eq!(
        members(&app, &org.admin, c, "").await,
        vec![m(sp.id, "2026-12-01", None)]
    );
    // Back to A later on: a second A membership.
    put_member(&app, &org.admin, a, sp.id, "2027-01-01")
        .await
        .expect(200);
    assert_eq!(
        members(&app, &org.admin, a, "").await,
        vec![
            m(sp.id, "2026-01-01", Some("2026-11-15")),
            m(sp.id, "2027-01-01", None)
        ]
    );
    assert_eq!(
        members(&app, &org.admin, c, "").await,
        vec![m(sp.id, "2026-12-01", Some("2026-12-31"))]
    );
}
