//! Reading and changing the organisation, and who may.

use super::*;

#[actix_web::test]
async fn a_new_organisation_has_the_documented_defaults() {
    let app = TestApp::new().await;
    let org = app.org("Acme Sales").await;
    let r = app.get("/v1/org").token(&org.admin).send().await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(v["id"], org.id.to_string());
    assert_eq!(v["name"], "Acme Sales");
    assert_eq!(v["currency"], "EUR");
    assert_eq!(v["fiscal_year_start_month"], 1);
    assert_eq!(v["week_start"], "monday");
    assert_eq!(v["timezone"], "UTC");
    assert_eq!(
        v["working_days"],
        json!(["mon", "tue", "wed", "thu", "fri"])
    );
    assert_eq!(v["holidays"], json!([]));
    // Ratios are decimal strings, never floats.
    assert_eq!(
        v["attainability"],
        json!({"realistic_max_ratio": "1.2", "stretch_max_ratio": "1.5"})
    );
    assert_eq!(v["version"], 1);
    assert!(
        v["created_at"].as_str().unwrap().ends_with('Z')
            || v["created_at"].as_str().unwrap().contains("+00:00")
    );
}

#[actix_web::test]
async fn every_role_and_an_integration_client_reads_its_own_organisation() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let seller = app.person(&org, "salesperson", Some("hunter")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (client_id, _) = app.client(&org, &["read"]).await;
    let client = app.sign(org.id, "client", client_id, Some("read"));

    for (who, token) in [
        ("admin", &org.admin),
        ("manager", &manager.token),
        ("salesperson", &seller.token),
        ("viewer", &viewer.token),
        ("client", &client),
    ] {
        let r = app.get("/v1/org").token(token).send().await;
        assert_eq!(
            r.status.as_u16(),
            200,
            "{who}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let v = r.json();
        assert_eq!(v["id"], org.id.to_string(), "{who}");
        assert_eq!(v["name"], "Acme", "{who}");
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""), "{who}");
    }

    // The organisation is the token's: another tenant's admin sees their own.
    let other = app.org("Globex").await;
    let v = app
        .get("/v1/org")
        .token(&other.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["id"], other.id.to_string());
    assert_eq!(v["name"], "Globex");

    // No token, or a bad one.
    app.get("/v1/org")
        .send()
        .await
        .problem(401, "missing_token");
    app.get("/v1/org")
        .token("not.a.jwt")
        .send()
        .await
        .problem(401, "invalid_token");
}

#[actix_web::test]
async fn admin_changes_every_setting_and_the_version_moves_on() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let r = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({
            "name": "  Acme Europe  ",
            "currency": "GBP",
            "fiscal_year_start_month": 4,
            "week_start": "sunday",
            "timezone": "Europe/London",
            "working_days": ["sun", "mon", "tue", "wed", "thu"],
            "holidays": ["2026-12-25", "2026-01-01", "2026-12-25"],
            "attainability": {"realistic_max_ratio": "1.1", "stretch_max_ratio": "1.4"}
        }))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(v["version"], 2);
    assert_eq!(v["name"], "Acme Europe", "the name is trimmed");
    assert_eq!(v["currency"], "GBP");
    assert_eq!(v["fiscal_year_start_month"], 4);
    assert_eq!(v["week_start"], "sunday");
    assert_eq!(v["timezone"], "Europe/London");
    assert_eq!(
        v["working_days"],
        json!(["sun", "mon", "tue", "wed", "thu"])
    );
    // Sorted, each day once.
    assert_eq!(v["holidays"], json!(["2026-01-01", "2026-12-25"]));
    assert_eq!(
        v["attainability"],
        json!({"realistic_max_ratio": "1.1", "stretch_max_ratio": "1.4"})
    );

    // A later read shows the same, with the new ETag; so does another role.
    let seller = app.person(&org, "salesperson", Some("farmer")).await;
    let r = app.get("/v1/org").token(&seller.token).send().await;
    let read = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(read["name"], "Acme Europe");
    assert_eq!(read["currency"], "GBP");
    assert_eq!(read["holidays"], json!(["2026-01-01", "2026-12-25"]));

    // Absent fields stay as they are.
    let r = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"week_start": "monday"}))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"3\""));
    assert_eq!(v["version"], 3);
    assert_eq!(v["week_start"], "monday");
    assert_eq!(v["name"], "Acme Europe");
    assert_eq!(v["currency"], "GBP");
    assert_eq!(v["timezone"], "Europe/London");
    assert_eq!(v["fiscal_year_start_month"], 4);
    assert_eq!(
        v["working_days"],
        json!(["sun", "mon", "tue", "wed", "thu"])
    );
    assert_eq!(v["attainability"]["stretch_max_ratio"], "1.4");

    // Holidays can be cleared.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"holidays": []}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["holidays"], json!([]));
    assert_eq!(v["version"], 4);
}

#[actix_web::test]
async fn only_an_admin_may_change_the_organisation() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let seller = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (client_id, _) = app
        .client(
            &org,
            &["read", "sales:write", "accounts:write", "activities:write"],
        )
        .await;
    let client = app.sign(
        org.id,
        "client",
        client_id,
        Some("read sales:write accounts:write activities:write"),
    );

    for (who, token) in [
        ("manager", &manager.token),
        ("salesperson", &seller.token),
        ("viewer", &viewer.token),
        ("client", &client),
    ] {
        let r = app
            .patch("/v1/org")
            .token(token)
            .json(&json!({"name": "Hijacked"}))
            .send()
            .await;
        assert_eq!(
            r.status.as_u16(),
            403,
            "{who}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(403, "forbidden");
    }
    app.patch("/v1/org")
        .json(&json!({"name": "Hijacked"}))
        .send()
        .await
        .problem(401, "missing_token");

    // Nothing changed.
    let r = app.get("/v1/org").token(&org.admin).send().await;
    assert_eq!(r.expect(200)["name"], "Acme");
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
}

#[actix_web::test]
async fn if_match_guards_against_lost_updates() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let etag = app
        .get("/v1/org")
        .token(&org.admin)
        .send()
        .await
        .header("etag")
        .unwrap();
    assert_eq!(etag, "\"1\"");

    // First writer wins with the ETag it read.
    let r = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", &etag)
        .json(&json!({"name": "First"}))
        .send()
        .await;
    assert_eq!(r.expect(200)["name"], "First");
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));

    // Second writer with the same, now stale, ETag is refused and changes nothing.
    app.patch("/v1/org")
        .token(&org.admin)
        .header("if-match", &etag)
        .json(&json!({"name": "Second"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    let v = app
        .get("/v1/org")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "First");
    assert_eq!(v["version"], 2);

    // An unquoted version is not an ETag.
    app.patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "2")
        .json(&json!({"name": "Unquoted"}))
        .send()
        .await
        .problem(412, "version_mismatch");

    // The current ETag, a weak form of it, a list containing it, and `*` all match.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "\"2\"")
        .json(&json!({"name": "Third"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 3);
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "W/\"3\"")
        .json(&json!({"name": "Fourth"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 4);
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "\"1\", \"4\"")
        .json(&json!({"name": "Fifth"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 5);
    let r = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "*")
        .json(&json!({"name": "Sixth"}))
        .send()
        .await;
    assert_eq!(r.expect(200)["name"], "Sixth");
    assert_eq!(r.header("etag").as_deref(), Some("\"6\""));
}
