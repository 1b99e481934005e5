//! Creation and SMART

use super::*;

#[actix_web::test]
async fn targets_for_people_teams_and_the_organisation_with_a_smart_assessment() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let before = Utc::now();

    // A person's revenue target for a quarter, set by their manager.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "125000"),
            json!({"title": "  Q4 revenue  ", "description": " Grow the base "}),
        ),
    )
    .await;
    let v = r.expect(201);
    let id = uuid(&v["id"]);
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/v1/targets/{id}").as_str())
    );
    assert_eq!(v["title"], "Q4 revenue", "trimmed");
    assert_eq!(v["description"], "Grow the base");
    assert_eq!(v["subject_type"], "user");
    assert_eq!(uuid(&v["subject_id"]), w.sp.id);
    assert!(v["account_id"].is_null());
    assert_eq!(v["metric"], "revenue");
    assert!(v["activity_kind"].is_null());
    assert_eq!(v["value"], "125000.00", "money with cents");
    assert_eq!(v["currency"], "EUR", "the organisation's by default");
    assert_eq!(v["period"], "2026-Q4");
    assert_eq!(v["starts_on"], "2026-10-01");
    assert_eq!(v["ends_on"], "2026-12-31");
    assert!(v["parent_id"].is_null());
    assert_eq!(v["status"], "draft");
    assert_eq!(v["revision"], 1);
    assert!(v["revision_of"].is_null());
    assert!(v["agreed_at"].is_null() && v["agreed_by"].is_null());
    assert_eq!(uuid(&v["created_by"]), w.mgr.id);
    assert_eq!(v["version"], 1);
    let created = instant(&v["created_at"]);
    assert!(created >= before - Duration::seconds(1) && created <= Utc::now());
    instant(&v["updated_at"]);
    // SMART: specific, measurable, in remit and timed; no results yet.
    let smart = &v["smart"];
    assert_eq!(smart["specific"], true);
    assert_eq!(smart["measurable"], true);
    assert_eq!(smart["in_remit"], true);
    assert_eq!(smart["timed"], true);
    assert_eq!(smart["attainable"]["rating"], "no_history");
    assert!(smart["attainable"]["ratio"].is_null());
    assert_eq!(
        smart["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 quarters"
    );
    // The same when read back.
    let r = get(&app, &w.sp.token, id).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(r.expect(200), v);

    // A team's gross profit over explicit days: no period key.
    let v = target(
        &app,
        &w.org.admin,
        json!({
            "title": "Margin", "subject_type": "team", "subject_id": w.north,
            "metric": "gross_profit", "value": 40000.5, "currency": "EUR",
            "starts_on": "2026-10-15", "ends_on": "2026-12-15"
        }),
    )
    .await;
    assert_eq!(v["subject_type"], "team");
    assert_eq!(uuid(&v["subject_id"]), w.north);
    assert_eq!(v["metric"], "gross_profit");
    assert_eq!(v["value"], "40000.50", "a JSON number is read as a decimal");
    assert_eq!(v["currency"], "EUR");
    assert!(v["period"].is_null());
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-10-15"), Some("2026-12-15"))
    );
    assert_eq!(uuid(&v["created_by"]), w.org.admin_id);
    assert_eq!(v["smart"]["measurable"], true);
    assert_eq!(v["smart"]["timed"], true);
    assert_eq!(v["smart"]["attainable"]["rating"], "no_history");
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 periods"
    );

    // The organisation's new accounts for the year: no subject, no currency.
    let v = target(
        &app,
        &w.org.admin,
        json!({
            "title": "New logos", "subject_type": "org", "metric": "new_accounts",
            "value": "24", "period": "2026"
        }),
    )
    .await;
    assert_eq!(v["subject_type"], "org");
    assert!(v["subject_id"].is_null());
    assert!(v["currency"].is_null(), "counts have no currency");
    assert_eq!(v["value"], "24.00");
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-01-01"), Some("2026-12-31"))
    );
    assert_eq!(v["smart"]["measurable"], true);
    assert_eq!(v["smart"]["attainable"]["rating"], "no_history");
    assert!(v["smart"]["attainable"]["ratio"].is_null());
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 years"
    );

    // Activities of one kind for a month and for an ISO week.
    let v = target(
        &app,
        &w.mgr.token,
        json!({
            "title": "Calls", "subject_type": "user", "subject_id": w.mate.id,
            "metric": "activities", "activity_kind": "call", "value": 120, "period": "2026-11"
        }),
    )
    .await;
    assert_eq!(v["metric"], "activities");
    assert_eq!(v["activity_kind"], "call");
    assert!(v["currency"].is_null());
    assert_eq!(
        (
            v["period"].as_str(),
            v["starts_on"].as_str(),
            v["ends_on"].as_str()
        ),
        (Some("2026-11"), Some("2026-11-01"), Some("2026-11-30"))
    );
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 months"
    );
    let v = target(
        &app,
        &w.mgr.token,
        json!({
            "title": "Site visits", "subject_type": "user", "subject_id": w.mate.id,
            "metric": "activities", "activity_kind": "site_visit", "value": "5", "period": "2026-W48"
        }),
    )
    .await;
    assert_eq!(
        v["activity_kind"], "site_visit",
        "the organisation's own kind"
    );
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-11-23"), Some("2026-11-29"))
    );
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 weeks"
    );
    for kind in ["meeting", "demo", "proposal"] {
        let v = target(
            &app,
            &w.mgr.token,
            json!({
                "title": kind, "subject_type": "user", "subject_id": w.sp.id,
                "metric": "activities", "activity_kind": kind, "value": "10", "period": "2026-12"
            }),
        )
        .await;
        assert_eq!(v["activity_kind"], kind);
    }

    // A target for one account the person owns.
    let acc = app
        .post("/v1/accounts")
        .token(&w.org.admin)
        .json(&json!({"name": "Contoso", "kind": "customer", "owner_id": w.sp.id}))
        .send()
        .await
        .expect(201);
    let v = target(
        &app,
        &w.mgr.token,
        with(
            revenue(w.sp.id, "5000.00"),
            json!({"account_id": acc["id"].clone()}),
        ),
    )
    .await;
    assert_eq!(v["account_id"], acc["id"]);
}

#[actix_web::test]
async fn period_keys_follow_a_fiscal_year() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.patch("/v1/org")
        .token(&w.org.admin)
        .json(&json!({"fiscal_year_start_month": 4}))
        .send()
        .await
        .expect(200);
    for (key, starts, ends) in [
        ("FY2027-Q1", "2026-04-01", "2026-06-30"),
        ("FY2027-Q2", "2026-07-01", "2026-09-30"),
        ("FY2027-Q3", "2026-10-01", "2026-12-31"),
        ("FY2027-Q4", "2027-01-01", "2027-03-31"),
        ("FY2027", "2026-04-01", "2027-03-31"),
        // Calendar keys are still read.
        ("2026-Q4", "2026-10-01", "2026-12-31"),
        ("2026-11", "2026-11-01", "2026-11-30"),
        ("2026-W53", "2026-12-28", "2027-01-03"),
    ] {
        let v = target(
            &app,
            &w.mgr.token,
            with(revenue(w.sp.id, "1000"), json!({ "period": key })),
        )
        .await;
        assert_eq!(
            (
                v["period"].as_str(),
                v["starts_on"].as_str(),
                v["ends_on"].as_str()
            ),
            (Some(key), Some(starts), Some(ends)),
            "{key}"
        );
        assert_eq!(v["smart"]["timed"], true);
    }
    // A fiscal key before the year turns: FY2026-Q4 is January to March 2026.
    let v = target(
        &app,
        &w.mgr.token,
        with(revenue(w.sp.id, "1000"), json!({ "period": "FY2026-Q4" })),
    )
    .await;
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-01-01"), Some("2026-03-31"))
    );
    let v = target(
        &app,
        &w.mgr.token,
        with(revenue(w.sp.id, "1000"), json!({ "period": "FY2027-Q1" })),
    )
    .await;
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 quarters"
    );
    // The list filter reads fiscal keys too.
    let l = app
        .get("/v1/targets?period=FY2027-Q1")
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    let keys: Vec<&str> = l["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["period"].as_str().unwrap())
        .collect();
    // FY2027-Q1 (April to June 2026) overlaps the fiscal year and itself.
    assert_eq!(keys, vec!["FY2027-Q1", "FY2027", "FY2027-Q1"]);
}
