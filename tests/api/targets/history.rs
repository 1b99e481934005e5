//! History

use super::*;

/// A history entry as (target_id, revision, event, status, value, actor_id, note).
type Entry<'a> = (Uuid, i64, &'a str, &'a str, &'a str, Uuid, Option<&'a str>);

#[actix_web::test]
async fn history_lists_every_version_and_state_change_with_who_and_when() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let start = Utc::now() - Duration::seconds(1);
    let v1 = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    patch(&app, &w.mgr.token, v1, json!({"value": "1100"}), None)
        .await
        .expect(200);
    propose(&app, &w.mgr.token, v1).await;
    patch(&app, &w.org.admin, v1, json!({"value": "1200"}), None)
        .await
        .expect(200);
    step(
        &app,
        &w.org.admin,
        v1,
        "propose",
        Some(&json!({"note": "Again"})),
    )
    .await
    .expect(200);
    agree(&app, &w.sp.token, v1).await;
    let v2 = uuid(
        &step(
            &app,
            &w.rmgr.token,
            v1,
            "revise",
            Some(&json!({"value": "1500", "note": "New accounts moved in"})),
        )
        .await
        .expect(201)["id"],
    );
    agree(&app, &w.sp.token, v2).await;
    let v3 = uuid(&revise(&app, &w.mgr.token, v2, "1400").await["id"]);
    cancel(&app, &w.org.admin, v3).await;
    let end = Utc::now() + Duration::seconds(1);

    let expected: Vec<Entry> = vec![
        (v1, 1, "created", "draft", "1000.00", w.mgr.id, None),
        (v1, 1, "updated", "draft", "1100.00", w.mgr.id, None),
        (v1, 1, "proposed", "proposed", "1100.00", w.mgr.id, None),
        (v1, 1, "updated", "draft", "1200.00", w.org.admin_id, None),
        (
            v1,
            1,
            "proposed",
            "proposed",
            "1200.00",
            w.org.admin_id,
            Some("Again"),
        ),
        (v1, 1, "agreed", "agreed", "1200.00", w.sp.id, None),
        (
            v1,
            1,
            "superseded",
            "superseded",
            "1200.00",
            w.rmgr.id,
            Some("New accounts moved in"),
        ),
        (
            v2,
            2,
            "revised",
            "proposed",
            "1500.00",
            w.rmgr.id,
            Some("New accounts moved in"),
        ),
        (v2, 2, "agreed", "agreed", "1500.00", w.sp.id, None),
        (v2, 2, "superseded", "superseded", "1500.00", w.mgr.id, None),
        (v3, 3, "revised", "proposed", "1400.00", w.mgr.id, None),
        (
            v3,
            3,
            "cancelled",
            "cancelled",
            "1400.00",
            w.org.admin_id,
            None,
        ),
    ];
    // The same whole chain from any of its versions, for anyone who sees it.
    let h = history(&app, &w.sp.token, v1).await;
    for (id, token) in [
        (v2, &w.sp.token),
        (v3, &w.mgr.token),
        (v1, &w.org.admin),
        (v3, &w.viewer.token),
        (v2, &w.client),
    ] {
        assert_eq!(history(&app, token, id).await, h, "from {id}");
    }
    let got: Vec<Entry> = h
        .iter()
        .map(|e| {
            (
                uuid(&e["target_id"]),
                e["revision"].as_i64().unwrap(),
                e["event"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
                e["value"].as_str().unwrap(),
                uuid(&e["actor_id"]),
                e["note"].as_str(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // When: in order, within the test.
    let ats: Vec<DateTime<Utc>> = h.iter().map(|e| instant(&e["at"])).collect();
    assert!(ats.windows(2).all(|p| p[0] <= p[1]), "{ats:?}");
    assert!(ats.iter().all(|a| *a >= start && *a <= end), "{ats:?}");
    // The agreement's instant is the target's agreed_at.
    let agreed = get(&app, &w.sp.token, v2).await.expect(200);
    let gap = instant(&agreed["agreed_at"]) - ats[8];
    assert!(gap.num_seconds().abs() < 2, "{gap}");

    // Refused steps leave no trace.
    step(&app, &w.sp.token, v3, "cancel", None)
        .await
        .problem(403, "own_target");
    assert_eq!(history(&app, &w.sp.token, v3).await.len(), expected.len());
    // Who may not see the target may not see its history.
    for token in [&w.mate.token, &w.mgr2.token, &w.other.token] {
        app.get(&format!("/v1/targets/{v1}/history"))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
    }
    app.get(&format!("/v1/targets/{}/history", Uuid::now_v7()))
        .token(&w.org.admin)
        .send()
        .await
        .problem(404, "not_found");
    // A target never revised has its own history only.
    let lone = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1")).await["id"]);
    let h = history(&app, &w.mgr.token, lone).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["event"], "created");
}
