//! Allocation

use super::*;

/// (id, value, share_pct, status) of each child.
fn children(v: &Value) -> Vec<(Uuid, String, String, String)> {
    v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                uuid(&c["id"]),
                c["value"].as_str().unwrap().to_string(),
                c["share_pct"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[track_caller]
fn sums(v: &Value, value: &str, allocated: &str, unallocated: &str, over: &str) {
    assert_eq!(
        (
            v["value"].as_str(),
            v["allocated"].as_str(),
            v["unallocated"].as_str(),
            v["over_allocated"].as_str()
        ),
        (Some(value), Some(allocated), Some(unallocated), Some(over)),
        "{v}"
    );
}

#[actix_web::test]
async fn allocation_sums_the_live_children_against_the_parent() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let parent = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "1000.00")).await["id"]);
    // Nothing allocated yet.
    let v = allocation(&app, &w.mgr.token, parent).await;
    assert_eq!(uuid(&v["target_id"]), parent);
    sums(&v, "1000.00", "0.00", "1000.00", "0.00");
    assert_eq!(children(&v), vec![]);

    let under = |who: Uuid, value: &str| with(revenue(who, value), json!({ "parent_id": parent }));
    let a = uuid(&target(&app, &w.mgr.token, under(w.sp.id, "300.00")).await["id"]);
    let b = uuid(&target(&app, &w.mgr.token, under(w.mate.id, "450.50")).await["id"]);
    // 300.00 + 450.50 = 750.50; 1000.00 - 750.50 = 249.50; 300/1000 = 30%, 450.50/1000 = 45.05%.
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "750.50", "249.50", "0.00");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "30.00", "draft"),
            child(b, "450.50", "45.05", "draft")
        ]
    );
    let first = &v["children"][0];
    assert_eq!(first["title"], "Q4 revenue");
    assert_eq!(first["subject_type"], "user");
    assert_eq!(uuid(&first["subject_id"]), w.sp.id);

    // A third child for November: 750.50 + 400.00 = 1150.50, 150.50 over.
    let c = uuid(
        &target(
            &app,
            &w.mgr.token,
            with(under(w.sp.id, "400"), json!({"period": "2026-11"})),
        )
        .await["id"],
    );
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "1150.50", "0.00", "150.50");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "30.00", "draft"),
            child(b, "450.50", "45.05", "draft"),
            child(c, "400.00", "40.00", "draft")
        ]
    );
    // Exactly allocated: neither under nor over.
    patch(&app, &w.mgr.token, c, json!({"value": "249.50"}), None)
        .await
        .expect(200);
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "1000.00", "0.00", "0.00");
    // Every live state counts; a cancelled child no longer does.
    propose(&app, &w.mgr.token, a).await;
    agree(&app, &w.sp.token, a).await;
    propose(&app, &w.mgr.token, b).await;
    cancel(&app, &w.mgr.token, c).await;
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "750.50", "249.50", "0.00");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "30.00", "agreed"),
            child(b, "450.50", "45.05", "proposed")
        ]
    );
    // A superseded child no longer counts: its revision does. 300.00 + 500.00 = 800.00.
    let b2 = uuid(&revise(&app, &w.mgr.token, b, "500").await["id"]);
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "800.00", "200.00", "0.00");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "30.00", "agreed"),
            child(b2, "500.00", "50.00", "proposed")
        ]
    );
    // The parent revised: its children follow the new version. 800.00 of 2000.00.
    propose(&app, &w.rmgr.token, parent).await;
    let p2 = uuid(&revise(&app, &w.rmgr.token, parent, "2000").await["id"]);
    let v = allocation(&app, &w.mgr.token, p2).await;
    sums(&v, "2000.00", "800.00", "1200.00", "0.00");
    assert_eq!(
        children(&v),
        vec![
            child(a, "300.00", "15.00", "agreed"),
            child(b2, "500.00", "25.00", "proposed")
        ]
    );
    assert_eq!(
        uuid(&get(&app, &w.sp.token, a).await.expect(200)["parent_id"]),
        p2
    );
    let v = allocation(&app, &w.mgr.token, parent).await;
    sums(&v, "1000.00", "0.00", "1000.00", "0.00");
    assert_eq!(children(&v), vec![]);
    // New children go under the live version only.
    let r = create(&app, &w.mgr.token, &under(w.sp.id, "1")).await;
    let e = broke(&r, "invalid_parent", "parent_id");
    assert_eq!(e["detail"], "the parent is superseded");

    // Who sees the parent sees its allocation; a person's target has none.
    for token in [
        &w.sp.token,
        &w.mate.token,
        &w.rmgr.token,
        &w.viewer.token,
        &w.client,
        &w.org.admin,
    ] {
        sums(
            &allocation(&app, token, p2).await,
            "2000.00",
            "800.00",
            "1200.00",
            "0.00",
        );
    }
    for token in [&w.other.token, &w.mgr2.token, &w.loner.token] {
        app.get(&format!("/v1/targets/{p2}/allocation"))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
    }
    let v = app
        .get(&format!("/v1/targets/{a}/allocation"))
        .token(&w.mgr.token)
        .send()
        .await
        .problem(409, "not_allocatable");
    assert!(v["detail"].as_str().unwrap().contains("team"), "{v}");
}

#[actix_web::test]
async fn an_organisation_target_allocated_to_teams_can_be_over_allocated() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = uuid(
        &target(
            &app,
            &w.org.admin,
            json!({"title": "Company", "subject_type": "org", "metric": "gross_profit", "value": "5000", "period": "2026"}),
        )
        .await["id"],
    );
    let team = |t: Uuid, v: &str, period: &str| {
        json!({
            "title": "Team margin", "subject_type": "team", "subject_id": t, "parent_id": org,
            "metric": "gross_profit", "value": v, "period": period
        })
    };
    let n = uuid(&target(&app, &w.rmgr.token, team(w.north, "3000", "2026-Q4")).await["id"]);
    let s = uuid(&target(&app, &w.org.admin, team(w.south, "2500.50", "2026")).await["id"]);
    // 3000.00 + 2500.50 = 5500.50 against 5000.00: 500.50 over; 60.00% and 50.01%.
    let v = allocation(&app, &w.viewer.token, org).await;
    sums(&v, "5000.00", "5500.50", "0.00", "500.50");
    assert_eq!(
        children(&v),
        vec![
            child(n, "3000.00", "60.00", "draft"),
            child(s, "2500.50", "50.01", "draft")
        ]
    );
    // A person's target under the team target; the team target's own allocation.
    let p = uuid(
        &target(
            &app,
            &w.mgr.token,
            json!({
                "title": "Margin", "subject_type": "user", "subject_id": w.sp.id, "parent_id": n,
                "metric": "gross_profit", "value": "1000", "period": "2026-12"
            }),
        )
        .await["id"],
    );
    let v = allocation(&app, &w.mgr.token, n).await;
    sums(&v, "3000.00", "1000.00", "2000.00", "0.00");
    assert_eq!(children(&v), vec![child(p, "1000.00", "33.33", "draft")]);
    // The organisation's allocation lists only its direct children, and a
    // salesperson sees the sums but only the children they may see (their team's).
    let v = allocation(&app, &w.viewer.token, org).await;
    assert_eq!(children(&v).len(), 2);
    let v = allocation(&app, &w.sp.token, org).await;
    sums(&v, "5000.00", "5500.50", "0.00", "500.50");
    assert_eq!(children(&v), vec![child(n, "3000.00", "60.00", "draft")]);
    cancel(&app, &w.org.admin, s).await;
    sums(
        &allocation(&app, &w.sp.token, org).await,
        "5000.00",
        "3000.00",
        "2000.00",
        "0.00",
    );
}
