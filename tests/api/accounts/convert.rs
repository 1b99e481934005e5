//! Conversion

use super::*;

#[actix_web::test]
async fn converting_a_won_prospect_makes_it_a_customer() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let hunter2 = app.person(&org, "salesperson", Some("hunter")).await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let team = app.team(&org, "Team", Some(manager.id), None).await;
    for p in [&hunter, &hunter2, &farmer] {
        app.join(&org, team, p.id, "2026-01-01").await;
    }

    // Won on a past day and handed to a farmer from that day.
    let p = account(
        &app,
        &org.admin,
        "Fabrikam",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    let r = convert(
        &app,
        &manager.token,
        p,
        Some(json!({"converted_on": "2026-11-02", "new_owner_id": farmer.id, "reason": "Handover to account management"})),
    )
    .await;
    let v = r.expect(200);
    assert_eq!(v["kind"], "customer");
    assert_eq!(v["status"], "active");
    assert_eq!(v["converted_on"], "2026-11-02");
    assert_eq!(uuid(&v["won_by"]), hunter.id);
    assert_eq!(uuid(&v["owner_id"]), farmer.id);
    assert_eq!(r.header("etag"), Some(format!("\"{}\"", v["version"])));
    assert_eq!(
        owners(&app, &org.admin, p).await,
        vec![
            period(hunter.id, "2026-01-01", Some("2026-11-01")),
            period(farmer.id, "2026-11-02", None),
        ]
    );
    let h = app
        .get(&format!("/v1/accounts/{p}/owners"))
        .token(&farmer.token)
        .send()
        .await
        .expect(200);
    assert_eq!(h["data"][1]["reason"], "Handover to account management");
    assert_eq!(uuid(&h["data"][1]["recorded_by"]), manager.id);
    // Read back; and a customer cannot be converted again.
    let v = get(&app, &org.admin, p).await.expect(200);
    assert_eq!(v["converted_on"], "2026-11-02");
    assert_eq!(uuid(&v["won_by"]), hunter.id);
    convert(&app, &org.admin, p, None)
        .await
        .problem(409, "not_a_prospect");
    let customer = account(
        &app,
        &org.admin,
        "Contoso",
        "customer",
        farmer.id,
        "2026-01-01",
    )
    .await;
    convert(&app, &org.admin, customer, None)
        .await
        .problem(409, "not_a_prospect");
    // The hunter no longer sees the account they won.
    get(&app, &hunter.token, p).await.problem(404, "not_found");

    // The owner converts their own prospect, without a body: won today once their
    // manager confirms it (without a body too), and kept.
    let p2 = account(
        &app,
        &org.admin,
        "Northwind",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    let v = convert(&app, &hunter.token, p2, None).await.expect(200);
    assert_eq!(v["conversion_status"], "pending");
    assert_eq!(v["kind"], "prospect");
    let v = convert(&app, &manager.token, p2, None).await.expect(200);
    assert_eq!(v["kind"], "customer");
    assert_eq!(v["status"], "active");
    assert_eq!(v["converted_on"], today().to_string());
    assert_eq!(uuid(&v["won_by"]), hunter.id);
    assert_eq!(uuid(&v["owner_id"]), hunter.id);
    assert_eq!(v["version"], 3);
    assert_eq!(
        owners(&app, &org.admin, p2).await,
        vec![period(hunter.id, "2026-01-01", None)]
    );
    // An empty body works the same; handing over to the owner is no handover.
    let p3 = account(
        &app,
        &org.admin,
        "Adatum",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    let v = convert(
        &app,
        &hunter.token,
        p3,
        Some(json!({"new_owner_id": hunter.id})),
    )
    .await
    .expect(200);
    assert_eq!(v["conversion_status"], "pending");
    let v = convert(&app, &org.admin, p3, Some(json!({})))
        .await
        .expect(200);
    assert_eq!(uuid(&v["owner_id"]), hunter.id);
    assert_eq!(v["converted_on"], today().to_string());

    // won_by is the owner on the day it was won, not today's owner.
    let p4 = account(
        &app,
        &org.admin,
        "Litware",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    transfer(&app, &org.admin, p4, hunter2.id, "2026-06-01")
        .await
        .expect(200);
    let v = convert(
        &app,
        &org.admin,
        p4,
        Some(json!({"converted_on": "2026-03-15"})),
    )
    .await
    .expect(200);
    assert_eq!(uuid(&v["won_by"]), hunter.id);
    assert_eq!(uuid(&v["owner_id"]), hunter2.id);
    assert_eq!(v["converted_on"], "2026-03-15");

    // A lost prospect can still be won.
    let p5 = account(
        &app,
        &org.admin,
        "Proseware",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    patch(&app, &org.admin, p5, json!({"status": "lost"}))
        .await
        .expect(200);
    let v = convert(&app, &org.admin, p5, Some(json!({})))
        .await
        .expect(200);
    assert_eq!(
        (v["kind"].as_str(), v["status"].as_str()),
        (Some("customer"), Some("active"))
    );

    // The converted accounts are customers in lists.
    assert_eq!(
        listed(&app, &org.admin, "&kind=customer").await,
        set(&[p, customer, p2, p3, p4, p5])
    );
}

#[actix_web::test]
async fn invalid_conversions_are_refused() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let other_farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let gone = app.person(&org, "salesperson", Some("farmer")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let team = app.team(&org, "Team", Some(manager.id), None).await;
    app.join(&org, team, hunter.id, "2026-01-01").await;
    app.join(&org, team, farmer.id, "2026-01-01").await;
    let p = account(
        &app,
        &org.admin,
        "Fabrikam",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    transfer(&app, &org.admin, p, farmer.id, "2026-03-01")
        .await
        .expect(200);
    transfer(&app, &org.admin, p, hunter.id, "2026-04-01")
        .await
        .expect(200);
    let history = owners(&app, &org.admin, p).await;

    let tomorrow = (today() + Duration::days(1)).to_string();
    let cases: Vec<(Value, (String, String))> = vec![
        (
            json!({"converted_on": "2025-12-31"}),
            pair("converted_on", "before_account_existed"),
        ),
        (
            json!({"converted_on": tomorrow}),
            pair("converted_on", "in_future"),
        ),
        (
            json!({"new_owner_id": gone.id}),
            pair("new_owner_id", "owner_inactive"),
        ),
        (
            json!({"new_owner_id": manager.id}),
            pair("new_owner_id", "invalid_owner"),
        ),
        (
            json!({"new_owner_id": Uuid::now_v7()}),
            pair("new_owner_id", "not_found"),
        ),
        // A handover cannot start before the current owner's first day.
        (
            json!({"converted_on": "2026-03-15", "new_owner_id": farmer.id}),
            pair("converted_on", "before_current_owner"),
        ),
        (json!({"reason": ""}), pair("reason", "required")),
        (json!({"status": "won"}), pair("status", "unknown_field")),
        (
            json!({"converted_on": "soon"}),
            pair("converted_on", "invalid_value"),
        ),
    ];
    for (body, expected) in cases {
        // An invalid body is refused, never ignored (which would convert today).
        let r = convert(&app, &org.admin, p, Some(body.clone())).await;
        assert_eq!(r.status.as_u16(), 422, "{body}");
        let v = r.expect(422);
        assert_eq!(field_error(&v), expected, "{body}");
    }
    app.post(&format!("/v1/accounts/{p}/convert"))
        .token(&org.admin)
        .body("application/json", "{\"converted_on\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post(&format!("/v1/accounts/{p}/convert"))
        .token(&org.admin)
        .body("text/plain", "converted_on=2026-03-15")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    let v = app
        .post(&format!("/v1/accounts/{p}/convert"))
        .token(&org.admin)
        .body("application/json", "[]")
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("", "invalid_type"));
    // The manager hands over only to their own people.
    convert(
        &app,
        &manager.token,
        p,
        Some(json!({"new_owner_id": other_farmer.id})),
    )
    .await
    .problem(403, "forbidden");
    // ... and the salesperson not at all.
    convert(
        &app,
        &hunter.token,
        p,
        Some(json!({"new_owner_id": farmer.id})),
    )
    .await
    .problem(403, "forbidden");

    // Still a prospect, as it was.
    let v = get(&app, &org.admin, p).await.expect(200);
    assert_eq!(v["kind"], "prospect");
    assert_eq!(v["status"], "open");
    assert!(v["converted_on"].is_null() && v["won_by"].is_null());
    assert_eq!(v["version"], 3);
    assert_eq!(owners(&app, &org.admin, p).await, history);
    // won_by on a day when someone else owned it.
    let v = convert(
        &app,
        &org.admin,
        p,
        Some(json!({"converted_on": "2026-03-15"})),
    )
    .await
    .expect(200);
    assert_eq!(uuid(&v["won_by"]), farmer.id);
    assert_eq!(uuid(&v["owner_id"]), hunter.id);
}
