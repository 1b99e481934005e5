//! Concurrency and revisions

use super::*;

#[actix_web::test]
async fn patch_with_if_match() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = uuid(&new_plan(&app, &w.org.admin, plan(w.revenue)).await["id"]);
    let r = patch(
        &app,
        &w.org.admin,
        id,
        json!({"name": "Two"}),
        Some("\"1\""),
    )
    .await;
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(r.expect(200)["version"], 2);
    // Stale: 412, nothing changes.
    patch(
        &app,
        &w.org.admin,
        id,
        json!({"name": "Stale"}),
        Some("\"1\""),
    )
    .await
    .problem(412, "version_mismatch");
    let r = get(&app, &w.sp.token, id).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(r.expect(200)["name"], "Two");
    patch(
        &app,
        &w.org.admin,
        id,
        json!({"name": "Three"}),
        Some("W/\"2\""),
    )
    .await
    .expect(200);
    patch(&app, &w.org.admin, id, json!({"name": "Four"}), Some("*"))
        .await
        .expect(200);
    // Nothing in it: nothing changes, the version stays.
    let v = patch(&app, &w.org.admin, id, json!({}), None)
        .await
        .expect(200);
    assert_eq!(
        (v["name"].as_str(), v["version"].as_i64()),
        (Some("Four"), Some(4))
    );
    assert_eq!(v["tiers"], tiers(), "untouched");
    // A salesperson's stale If-Match is still refused as admins_only first.
    patch(&app, &w.sp.token, id, json!({"name": "x"}), Some("\"1\""))
        .await
        .problem(403, "admins_only");
}

#[actix_web::test]
async fn a_revision_moves_plans_and_gates_to_the_new_version() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let team_gp = target(
        &app,
        &w.org.admin,
        team_target(w.north, "gross_profit", "90000"),
    )
    .await;
    let gated = uuid(
        &new_plan(
            &app,
            &w.org.admin,
            with(
                plan(w.revenue),
                json!({"gate": {"target_id": team_gp, "attainment_pct": "100"}}),
            ),
        )
        .await["id"],
    );
    let plain = uuid(&new_plan(&app, &w.org.admin, plan(w.revenue)).await["id"]);
    let on_gp = uuid(&new_plan(&app, &w.org.admin, plan(w.gross_profit)).await["id"]);

    // The person's revenue target: proposed, agreed, revised.
    step(&app, &w.mgr.token, w.revenue, "propose", None)
        .await
        .expect(200);
    step(&app, &w.sp.token, w.revenue, "agree", None)
        .await
        .expect(200);
    let v2 = uuid(
        &step(
            &app,
            &w.mgr.token,
            w.revenue,
            "revise",
            Some(json!({"value": "120000"})),
        )
        .await
        .expect(201)["id"],
    );
    for id in [gated, plain] {
        let v = get(&app, &w.sp.token, id).await.expect(200);
        assert_eq!(
            uuid(&v["target_id"]),
            v2,
            "the plan follows the new version"
        );
    }
    assert_eq!(
        uuid(&get(&app, &w.sp.token, on_gp).await.expect(200)["target_id"]),
        w.gross_profit,
        "other plans stay"
    );
    assert_eq!(
        listed(&app, &w.org.admin, &format!("&target_id={v2}")).await,
        set(&[gated, plain])
    );
    assert_eq!(
        listed(&app, &w.org.admin, &format!("&target_id={}", w.revenue)).await,
        set(&[])
    );

    // The gate's target revised (while proposed): the gate follows.
    step(&app, &w.org.admin, team_gp, "propose", None)
        .await
        .expect(200);
    let gp2 = uuid(
        &step(
            &app,
            &w.org.admin,
            team_gp,
            "revise",
            Some(json!({"value": "95000"})),
        )
        .await
        .expect(201)["id"],
    );
    let v = get(&app, &w.sp.token, gated).await.expect(200);
    assert_eq!(
        v["gate"],
        json!({"target_id": gp2.to_string(), "attainment_pct": "100.00"})
    );
    assert_eq!(uuid(&v["target_id"]), v2);
    // The salesperson still sees the plan, and it is still changed by an admin only.
    patch(
        &app,
        &w.org.admin,
        gated,
        json!({"name": "After revision"}),
        None,
    )
    .await
    .expect(200);
    for token in [&w.sp.token, &w.mgr.token] {
        patch(&app, token, gated, json!({"name": "x"}), None)
            .await
            .problem(403, "admins_only");
    }
}

#[actix_web::test]
async fn a_nul_in_a_tier_is_named_like_every_other_tier_error() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // "abc" is named tiers[0].payout; a NUL character in the same string must be too.
    let r = create(
        &app,
        &w.org.admin,
        &with(
            plan(w.revenue),
            json!({"tiers": [{"attainment_pct": "80", "payout": "5\u{0}00"}]}),
        ),
    )
    .await;
    refused(
        &r,
        "validation_failed",
        &[("tiers[0].payout", "invalid_characters")],
    );
}

#[actix_web::test]
async fn plans_and_gates_need_a_live_target() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    step(&app, &w.mgr.token, w.revenue, "cancel", None)
        .await
        .expect(200);
    let r = create(&app, &w.org.admin, &plan(w.revenue)).await;
    let v = r.problem(422, "validation_failed");
    assert_eq!(field_errors(&v), vec![pair("target_id", "target_not_live")]);
    // A cancelled gross-profit target cannot gate a plan either.
    let live = target(
        &app,
        &w.mgr.token,
        person_target(w.sp.id, "revenue", "90000"),
    )
    .await;
    step(&app, &w.mgr.token, w.gross_profit, "cancel", None)
        .await
        .expect(200);
    let body = with(
        plan(live),
        json!({"gate": {"target_id": w.gross_profit, "attainment_pct": "100"}}),
    );
    let v = create(&app, &w.org.admin, &body)
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        field_errors(&v),
        vec![pair("gate.target_id", "target_not_live")]
    );
}

#[actix_web::test]
async fn an_admin_puts_no_plan_on_a_target_they_answer_for() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let admin2 = app.person(&w.org, "admin", None).await;
    // Another admin sets the first admin's target; the first admin agrees it.
    let mine = target(
        &app,
        &admin2.token,
        person_target(w.org.admin_id, "revenue", "1000"),
    )
    .await;
    step(&app, &admin2.token, mine, "propose", None)
        .await
        .expect(200);
    step(&app, admin, mine, "agree", None).await.expect(200);
    let big = json!([{"attainment_pct": "1", "payout": "1000000"}]);
    create(&app, admin, &with(plan(mine), json!({"tiers": big})))
        .await
        .problem(403, "own_target");
    // Nor as the gate of a plan on someone else's target.
    let gated = with(
        plan(w.revenue),
        json!({"gate": {"target_id": mine, "attainment_pct": "1"}}),
    );
    create(&app, admin, &gated).await.problem(403, "own_target");
    // The other admin makes it; the first does not change it afterwards.
    let p = new_plan(&app, &admin2.token, plan(mine)).await;
    let id = uuid(&p["id"]);
    patch(&app, admin, id, json!({"tiers": big}), None)
        .await
        .problem(403, "own_target");
    // Nor gate another plan on it.
    let other = uuid(&new_plan(&app, &admin2.token, plan(w.revenue)).await["id"]);
    patch(
        &app,
        admin,
        other,
        json!({"gate": {"target_id": mine, "attainment_pct": "1"}}),
        None,
    )
    .await
    .problem(403, "own_target");
    // A team's: an admin who belongs to North puts no plan on North's target.
    let north = target(&app, &admin2.token, team_target(w.north, "revenue", "5000")).await;
    app.join(&w.org, w.north, w.org.admin_id, "2026-01-01")
        .await;
    create(&app, admin, &plan(north))
        .await
        .problem(403, "own_team");
    // Plans on everybody else's targets are as before.
    new_plan(&app, admin, plan(w.revenue)).await;
    assert_eq!(
        get(&app, admin, id).await.expect(200)["tiers"],
        plan(mine)["tiers"]
    );
}
