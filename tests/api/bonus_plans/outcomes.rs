//! Financial outcomes only

use super::*;

#[actix_web::test]
async fn plans_on_revenue_and_gross_profit_targets() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let r = create(
        &app,
        &w.org.admin,
        &with(plan(w.revenue), json!({"name": "  Q4 revenue bonus  "})),
    )
    .await;
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    let v = r.expect(201);
    let id = uuid(&v["id"]);
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(v["name"], "Q4 revenue bonus", "trimmed");
    assert_eq!(uuid(&v["target_id"]), w.revenue);
    assert_eq!(v["tiers"], tiers());
    assert!(v["gate"].is_null());
    assert_eq!(uuid(&v["created_by"]), w.org.admin_id);
    assert_eq!(v["version"], 1);
    assert!(v["created_at"].is_string() && v["updated_at"].is_string());
    let r = get(&app, &w.sp.token, id).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(r.expect(200), v);

    // Gross profit, by an admin, with one tier given as numbers.
    let v = new_plan(
        &app,
        &w.org.admin,
        json!({
            "name": "Margin bonus", "target_id": w.gross_profit,
            "tiers": [{"attainment_pct": 100, "payout": 750.5}]
        }),
    )
    .await;
    assert_eq!(uuid(&v["target_id"]), w.gross_profit);
    assert_eq!(
        v["tiers"],
        json!([{"attainment_pct": "100", "payout": "750.5"}])
    );
    assert_eq!(uuid(&v["created_by"]), w.org.admin_id);

    // Team and organisation money targets carry plans too.
    let team = target(
        &app,
        &w.org.admin,
        team_target(w.north, "revenue", "500000"),
    )
    .await;
    new_plan(&app, &w.org.admin, plan(team)).await;
    let org = target(
        &app,
        &w.org.admin,
        json!({"title": "Company margin", "subject_type": "org", "metric": "gross_profit", "value": "900000", "period": "2026"}),
    )
    .await;
    new_plan(&app, &w.org.admin, plan(org)).await;
}

#[actix_web::test]
async fn plans_on_activity_and_new_account_targets_are_refused() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for (t, metric) in [
        (w.activities, "activities"),
        (w.new_accounts, "new_accounts"),
    ] {
        let r = create(&app, &w.org.admin, &plan(t)).await;
        let v = refused(
            &r,
            "bonus_not_financial",
            &[("target_id", "bonus_not_financial")],
        );
        let detail = v["detail"].as_str().unwrap();
        assert!(
            detail.contains("revenue")
                && detail.contains("gross_profit")
                && detail.contains(metric),
            "{detail}"
        );
    }
    // A team's activities too; and the rule names the problem beside other errors.
    let team_calls = target(
        &app,
        &w.org.admin,
        json!({
            "title": "Team calls", "subject_type": "team", "subject_id": w.north,
            "metric": "activities", "activity_kind": "call", "value": 1000, "period": "2026-Q4"
        }),
    )
    .await;
    let r = create(&app, &w.org.admin, &plan(team_calls)).await;
    refused(
        &r,
        "bonus_not_financial",
        &[("target_id", "bonus_not_financial")],
    );
    let r = create(
        &app,
        &w.org.admin,
        &with(plan(w.activities), json!({"name": " ", "tiers": []})),
    )
    .await;
    refused(
        &r,
        "bonus_not_financial",
        &[
            ("name", "required"),
            ("tiers", "count"),
            ("target_id", "bonus_not_financial"),
        ],
    );
    assert_eq!(listed(&app, &w.org.admin, "").await, set(&[]));
}

#[actix_web::test]
async fn a_gate_holds_the_payout_to_a_financial_target() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // Revenue bonus, paid only with at least 100% of the minimum gross profit.
    let v = new_plan(
        &app,
        &w.org.admin,
        with(
            plan(w.revenue),
            json!({"gate": {"target_id": w.gross_profit, "attainment_pct": "100"}}),
        ),
    )
    .await;
    let id = uuid(&v["id"]);
    assert_eq!(
        v["gate"],
        json!({"target_id": w.gross_profit.to_string(), "attainment_pct": "100.00"})
    );
    // A team's gross profit can gate a person's revenue bonus.
    let team_gp = target(
        &app,
        &w.org.admin,
        team_target(w.north, "gross_profit", "90000"),
    )
    .await;
    let v = new_plan(
        &app,
        &w.org.admin,
        with(
            plan(w.revenue),
            json!({"gate": {"target_id": team_gp, "attainment_pct": 90.5}}),
        ),
    )
    .await;
    assert_eq!(v["gate"]["attainment_pct"], "90.50");

    // A gate on activities or new accounts is not a financial outcome.
    for t in [w.activities, w.new_accounts] {
        let r = create(
            &app,
            &w.org.admin,
            &with(
                plan(w.revenue),
                json!({"gate": {"target_id": t, "attainment_pct": "100"}}),
            ),
        )
        .await;
        refused(
            &r,
            "bonus_not_financial",
            &[("gate.target_id", "bonus_not_financial")],
        );
    }
    // Gate percentages and targets.
    for pct in [json!("0"), json!(-10), json!("1000.01"), json!("99.999")] {
        let r = create(
            &app,
            &w.org.admin,
            &with(
                plan(w.revenue),
                json!({"gate": {"target_id": w.gross_profit, "attainment_pct": pct}}),
            ),
        )
        .await;
        refused(
            &r,
            "validation_failed",
            &[("gate.attainment_pct", "out_of_range")],
        );
    }
    let r = create(
        &app,
        &w.org.admin,
        &with(
            plan(w.revenue),
            json!({"gate": {"target_id": Uuid::now_v7(), "attainment_pct": "100"}}),
        ),
    )
    .await;
    refused(&r, "validation_failed", &[("gate.target_id", "not_found")]);
    let r = create(
        &app,
        &w.org.admin,
        &with(
            plan(w.revenue),
            json!({"gate": {"target_id": w.gross_profit}}),
        ),
    )
    .await;
    refused(
        &r,
        "validation_failed",
        &[("gate.attainment_pct", "required")],
    );
    let r = create(
        &app,
        &w.org.admin,
        &with(
            plan(w.revenue),
            json!({"gate": {"target_id": w.gross_profit, "attainment_pct": "100", "min": 1}}),
        ),
    )
    .await;
    refused(&r, "validation_failed", &[("gate.min", "unknown_field")]);

    // The gate changes, is refused on activities, and is removed with null.
    let r = patch(
        &app,
        &w.org.admin,
        id,
        json!({"gate": {"target_id": w.activities, "attainment_pct": "100"}}),
        None,
    )
    .await;
    refused(
        &r,
        "bonus_not_financial",
        &[("gate.target_id", "bonus_not_financial")],
    );
    let v = patch(
        &app,
        &w.org.admin,
        id,
        json!({"gate": {"target_id": team_gp, "attainment_pct": "95"}}),
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        v["gate"],
        json!({"target_id": team_gp.to_string(), "attainment_pct": "95.00"})
    );
    let v = patch(&app, &w.org.admin, id, json!({"name": "Renamed"}), None)
        .await
        .expect(200);
    assert_eq!(
        v["gate"]["target_id"],
        team_gp.to_string(),
        "kept when absent"
    );
    let v = patch(&app, &w.org.admin, id, json!({"gate": null}), None)
        .await
        .expect(200);
    assert!(v["gate"].is_null());
    assert!(get(&app, &w.sp.token, id).await.expect(200)["gate"].is_null());
}

#[actix_web::test]
async fn tiers_rise_in_attainment_and_never_pay_less() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let t = |p: &str, pay: &str| json!({"attainment_pct": p, "payout": pay});
    let twenty_one: Vec<Value> = (1..=21).map(|i| t(&(i * 10).to_string(), "1")).collect();
    let twenty: Vec<Value> = (1..=20).map(|i| t(&(i * 10).to_string(), "1")).collect();
    for (tiers, errors) in [
        (json!([]), vec![("tiers", "count")]),
        (json!(twenty_one), vec![("tiers", "count")]),
        (
            json!([t("80", "500"), t("80", "600")]),
            vec![("tiers[1].attainment_pct", "not_increasing")],
        ),
        (
            json!([t("100", "500"), t("80", "600")]),
            vec![("tiers[1].attainment_pct", "not_increasing")],
        ),
        (
            json!([t("80", "500"), t("100", "400")]),
            vec![("tiers[1].payout", "decreasing")],
        ),
        (
            json!([t("0", "500")]),
            vec![("tiers[0].attainment_pct", "out_of_range")],
        ),
        (
            json!([t("-5", "500")]),
            vec![("tiers[0].attainment_pct", "out_of_range")],
        ),
        (
            json!([t("1000.01", "500")]),
            vec![("tiers[0].attainment_pct", "out_of_range")],
        ),
        (
            json!([t("80.125", "500")]),
            vec![("tiers[0].attainment_pct", "out_of_range")],
        ),
        (
            json!([t("80", "-1")]),
            vec![("tiers[0].payout", "out_of_range")],
        ),
        (
            json!([t("80", "1.005")]),
            vec![("tiers[0].payout", "out_of_range")],
        ),
        (
            json!([t("80", "1000000000000")]),
            vec![("tiers[0].payout", "out_of_range")],
        ),
        (
            json!([t("100", "1000"), t("100", "900"), t("0", "-1")]),
            vec![
                ("tiers[1].attainment_pct", "not_increasing"),
                ("tiers[1].payout", "decreasing"),
                ("tiers[2].attainment_pct", "out_of_range"),
                ("tiers[2].payout", "out_of_range"),
                ("tiers[2].attainment_pct", "not_increasing"),
                ("tiers[2].payout", "decreasing"),
            ],
        ),
    ] {
        let r = create(
            &app,
            &w.org.admin,
            &with(plan(w.revenue), json!({ "tiers": tiers })),
        )
        .await;
        refused(&r, "validation_failed", &errors);
    }
    // The same field names when a tier is not even a number.
    for (tiers, errors) in [
        (
            json!([t("80", "500"), t("abc", "600")]),
            vec![("tiers[1].attainment_pct", "invalid_value")],
        ),
        (
            json!([t("80", "500"), {"attainment_pct": "90", "payout": "600", "cap": "1"}]),
            vec![("tiers[1].cap", "unknown_field")],
        ),
        (
            json!([{"attainment_pct": "90"}]),
            vec![("tiers[0].payout", "required")],
        ),
    ] {
        let r = create(
            &app,
            &w.org.admin,
            &with(plan(w.revenue), json!({ "tiers": tiers })),
        )
        .await;
        refused(&r, "validation_failed", &errors);
    }
    for (body, errors) in [
        (
            with(plan(w.revenue), json!({"tiers": null})),
            vec![("tiers", "required")],
        ),
        (
            with(plan(w.revenue), json!({"tiers": {"80": "500"}})),
            vec![("tiers", "invalid_type")],
        ),
        (
            with(plan(w.revenue), json!({"name": ""})),
            vec![("name", "required")],
        ),
        (
            with(plan(w.revenue), json!({"name": "x".repeat(201)})),
            vec![("name", "too_long")],
        ),
        (
            with(plan(w.revenue), json!({"target_id": null})),
            vec![("target_id", "required")],
        ),
        (
            with(plan(w.revenue), json!({"target_id": Uuid::now_v7()})),
            vec![("target_id", "not_found")],
        ),
        (
            with(plan(w.revenue), json!({"payout": "1"})),
            vec![("payout", "unknown_field")],
        ),
    ] {
        let r = create(&app, &w.org.admin, &body).await;
        refused(&r, "validation_failed", &errors);
    }
    assert_eq!(
        listed(&app, &w.org.admin, "").await,
        set(&[]),
        "nothing stored"
    );
    // At the edges: one tier, twenty tiers, 1000% and a zero payout are fine.
    new_plan(
        &app,
        &w.org.admin,
        with(plan(w.revenue), json!({"tiers": [t("1000", "0")]})),
    )
    .await;
    let v = new_plan(
        &app,
        &w.org.admin,
        with(plan(w.revenue), json!({ "tiers": twenty })),
    )
    .await;
    assert_eq!(v["tiers"].as_array().unwrap().len(), 20);
    // PATCH checks tiers the same way.
    let id = uuid(&v["id"]);
    let r = patch(
        &app,
        &w.org.admin,
        id,
        json!({"tiers": [t("80", "500"), t("70", "600")]}),
        None,
    )
    .await;
    refused(
        &r,
        "validation_failed",
        &[("tiers[1].attainment_pct", "not_increasing")],
    );
    let r = patch(&app, &w.org.admin, id, json!({"tiers": []}), None).await;
    refused(&r, "validation_failed", &[("tiers", "count")]);
    let r = patch(
        &app,
        &w.org.admin,
        id,
        json!({"target_id": w.gross_profit}),
        None,
    )
    .await;
    refused(&r, "validation_failed", &[("target_id", "unknown_field")]);
    let v = patch(
        &app,
        &w.org.admin,
        id,
        json!({"tiers": [t("90", "100.50"), t("110", "100.50")]}),
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        v["tiers"],
        json!([t("90", "100.50"), t("110", "100.50")]),
        "an equal payout is not less"
    );
}
