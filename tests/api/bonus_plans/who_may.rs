//! Who may do what

use super::*;

#[actix_web::test]
async fn bonus_plans_are_created_and_changed_by_admins_only() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let rich = json!({
        "name": "A million at 1%", "target_id": w.revenue,
        "tiers": [{"attainment_pct": "1", "payout": "1000000.00"}]
    });
    // Nobody but an admin creates one: the subject's manager, the subject, anyone.
    let mgr_sp = app.person(&w.org, "manager", None).await;
    app.join(&w.org, w.north, mgr_sp.id, "2026-01-01").await;
    for token in [
        &w.mgr.token,
        &w.mgr2.token,
        &mgr_sp.token,
        &w.sp.token,
        &w.mate.token,
        &w.viewer.token,
        &w.client,
    ] {
        let v = create(&app, token, &rich).await.problem(403, "admins_only");
        assert!(v["detail"].as_str().unwrap().contains("admin"), "{v}");
    }
    assert!(listed(&app, &w.org.admin, "").await.is_empty());
    let v = new_plan(&app, &w.org.admin, plan(w.revenue)).await;
    let id = uuid(&v["id"]);
    assert_eq!(uuid(&v["created_by"]), w.org.admin_id);
    // Nor changes or deletes it: 403 for those who see it, 404 for those who do not.
    for (token, status) in [
        (&w.mgr.token, 403),
        (&w.sp.token, 403),
        (&w.viewer.token, 403),
        (&w.client, 403),
        (&w.mate.token, 404),
        (&w.mgr2.token, 404),
    ] {
        let code = if status == 404 {
            "not_found"
        } else {
            "admins_only"
        };
        patch(
            &app,
            token,
            id,
            json!({"tiers": [{"attainment_pct": "1", "payout": "1000000.00"}]}),
            None,
        )
        .await
        .problem(status, code);
        delete(&app, token, id).await.problem(status, code);
    }
    let v = get(&app, &w.org.admin, id).await.expect(200);
    assert_eq!(v["version"], 1);
    assert_eq!(v["tiers"][0]["payout"], "500.00");
    let v = patch(&app, &w.org.admin, id, json!({"name": "By an admin"}), None)
        .await
        .expect(200);
    assert_eq!(v["version"], 2);
    assert_eq!(delete(&app, &w.org.admin, id).await.status.as_u16(), 204);
}

#[actix_web::test]
async fn plans_are_seen_through_their_targets() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let sps = uuid(&new_plan(&app, &w.org.admin, plan(w.revenue)).await["id"]);
    let sps_gp = uuid(&new_plan(&app, &w.org.admin, plan(w.gross_profit)).await["id"]);
    let mates_target = target(&app, &w.mgr.token, person_target(w.mate.id, "revenue", "1")).await;
    let mates = uuid(&new_plan(&app, &w.org.admin, plan(mates_target)).await["id"]);
    let north_target = target(&app, &w.org.admin, team_target(w.north, "revenue", "1")).await;
    let north = uuid(&new_plan(&app, &w.org.admin, plan(north_target)).await["id"]);
    let others_target = target(
        &app,
        &w.mgr2.token,
        person_target(w.other.id, "revenue", "1"),
    )
    .await;
    let others = uuid(&new_plan(&app, &w.org.admin, plan(others_target)).await["id"]);
    let south_target = target(&app, &w.org.admin, team_target(w.south, "revenue", "1")).await;
    let south = uuid(&new_plan(&app, &w.org.admin, plan(south_target)).await["id"]);
    let org_target = target(
        &app,
        &w.org.admin,
        json!({"title": "Org", "subject_type": "org", "metric": "revenue", "value": "1", "period": "2026"}),
    )
    .await;
    let org = uuid(&new_plan(&app, &w.org.admin, plan(org_target)).await["id"]);
    let all = [sps, sps_gp, mates, north, others, south, org];
    for (name, token, sees) in [
        ("sp", &w.sp.token, vec![sps, sps_gp, north, org]),
        ("mate", &w.mate.token, vec![mates, north, org]),
        ("other", &w.other.token, vec![others, south, org]),
        ("mgr", &w.mgr.token, vec![sps, sps_gp, mates, north, org]),
        ("mgr2", &w.mgr2.token, vec![others, south, org]),
        ("viewer", &w.viewer.token, all.to_vec()),
        ("client", &w.client, all.to_vec()),
        ("admin", &w.org.admin, all.to_vec()),
    ] {
        assert_eq!(listed(&app, token, "").await, set(&sees), "{name}");
        for id in all {
            let r = get(&app, token, id).await;
            if sees.contains(&id) {
                r.expect(200);
            } else {
                r.problem(404, "not_found");
            }
        }
    }
    // Filter by target, paginate in creation order.
    assert_eq!(
        listed(&app, &w.org.admin, &format!("&target_id={}", w.revenue)).await,
        set(&[sps])
    );
    assert_eq!(
        listed(&app, &w.mate.token, &format!("&target_id={}", w.revenue)).await,
        set(&[]),
        "a filter never reveals what the caller cannot see"
    );
    assert_eq!(
        listed(&app, &w.org.admin, &format!("&target_id={}", w.activities)).await,
        set(&[])
    );
    let (rows, n) = pages(&app, &w.org.admin, "", 3).await;
    assert_eq!(n, 3);
    let ids: Vec<Uuid> = rows.iter().map(|p| uuid(&p["id"])).collect();
    assert_eq!(ids, all.to_vec());
    for q in ["limit=0", "limit=201"] {
        app.get(&format!("/v1/bonus-plans?{q}"))
            .token(&w.org.admin)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    app.get("/v1/bonus-plans?cursor=nope!")
        .token(&w.org.admin)
        .send()
        .await
        .problem(400, "invalid_cursor");
    app.get("/v1/bonus-plans?target_id=nope")
        .token(&w.org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    // A client without the read scope reads nothing.
    let (cid, _) = app.client(&w.org, &["sales:write"]).await;
    let writer = app.sign(w.org.id, "client", cid, Some("sales:write"));
    app.get("/v1/bonus-plans")
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    get(&app, &writer, sps).await.problem(403, "forbidden");
    app.get("/v1/bonus-plans")
        .send()
        .await
        .problem(401, "missing_token");
}

#[actix_web::test]
async fn another_organisations_plans_are_not_found() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = uuid(&new_plan(&app, &w.org.admin, plan(w.revenue)).await["id"]);
    let org2 = app.org("Rival").await;
    let (cid, _) = app.client(&org2, &["read"]).await;
    let client2 = app.sign(org2.id, "client", cid, Some("read"));
    for token in [&org2.admin, &client2] {
        get(&app, token, id).await.problem(404, "not_found");
        assert_eq!(listed(&app, token, "").await, set(&[]));
    }
    patch(&app, &org2.admin, id, json!({"name": "Ours"}), None)
        .await
        .problem(404, "not_found");
    delete(&app, &org2.admin, id)
        .await
        .problem(404, "not_found");
    // Nor can they put a plan or a gate on our targets.
    let r = create(&app, &org2.admin, &plan(w.revenue)).await;
    refused(&r, "validation_failed", &[("target_id", "not_found")]);
    let sp2 = app.person(&org2, "salesperson", None).await;
    let theirs = target(&app, &org2.admin, person_target(sp2.id, "revenue", "1")).await;
    let r = create(
        &app,
        &org2.admin,
        &with(
            plan(theirs),
            json!({"gate": {"target_id": w.gross_profit, "attainment_pct": "100"}}),
        ),
    )
    .await;
    refused(&r, "validation_failed", &[("gate.target_id", "not_found")]);
    assert_eq!(get(&app, &w.sp.token, id).await.expect(200)["version"], 1);
}
