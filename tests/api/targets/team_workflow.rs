//! Workflow of team and organisation targets, and what may be edited.

use super::*;

#[actix_web::test]
async fn team_targets_are_agreed_by_the_teams_manager_or_an_admin_when_it_has_none() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    // North has a manager: the manager above (or an admin) sets and proposes it,
    // North's manager agrees it; an admin proposes but does not agree.
    let id = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "50000")).await["id"]);
    refused_with(
        &app,
        admin,
        id,
        "propose",
        None,
        &[
            ("the team's manager", &w.mgr.token, 403, "own_team"),
            ("a member of the team", &w.sp.token, 403, "own_team"),
            (
                "a salesperson of another team",
                &w.other.token,
                404,
                "not_found",
            ),
            ("a manager of another team", &w.mgr2.token, 404, "not_found"),
            ("a viewer", &w.viewer.token, 403, "forbidden"),
            ("an integration client", &w.client, 403, "forbidden"),
        ],
    )
    .await;
    propose(&app, admin, id).await;
    refused_by(
        &app,
        admin,
        id,
        "agree",
        None,
        &[
            ("an admin", admin, 403),
            ("the manager of the region above", &w.rmgr.token, 403),
            ("a member of the team", &w.sp.token, 403),
            ("another member of the team", &w.mate.token, 403),
            ("a salesperson of another team", &w.other.token, 404),
            ("a manager of another team", &w.mgr2.token, 404),
            ("a viewer", &w.viewer.token, 403),
            ("an integration client", &w.client, 403),
        ],
    )
    .await;
    let v = agree(&app, &w.mgr.token, id).await;
    assert_eq!(v["status"], "agreed");
    assert_eq!(uuid(&v["agreed_by"]), w.mgr.id);
    // The region has no team above: an admin sets and proposes it, its manager agrees.
    let r = uuid(&target(&app, &w.org.admin, team_revenue(w.region, "90000")).await["id"]);
    refused_with(
        &app,
        admin,
        r,
        "propose",
        None,
        &[
            ("a manager of a team below", &w.mgr.token, 404, "not_found"),
            ("the region's manager", &w.rmgr.token, 403, "own_team"),
        ],
    )
    .await;
    propose(&app, admin, r).await;
    assert_eq!(
        uuid(&agree(&app, &w.rmgr.token, r).await["agreed_by"]),
        w.rmgr.id
    );

    // A team without a manager: an admin proposes and agrees.
    let u = uuid(&target(&app, admin, team_revenue(w.unmanaged, "30000")).await["id"]);
    refused_with(
        &app,
        admin,
        u,
        "propose",
        None,
        &[
            ("its member", &w.loner.token, 403, "own_team"),
            ("a manager", &w.mgr.token, 404, "not_found"),
            ("a viewer", &w.viewer.token, 403, "forbidden"),
        ],
    )
    .await;
    propose(&app, admin, u).await;
    refused_by(
        &app,
        admin,
        u,
        "agree",
        None,
        &[
            ("its member", &w.loner.token, 403),
            ("a manager", &w.mgr.token, 404),
            ("a viewer", &w.viewer.token, 403),
            ("an integration client", &w.client, 403),
        ],
    )
    .await;
    let v = agree(&app, admin, u).await;
    assert_eq!(uuid(&v["agreed_by"]), w.org.admin_id);
    // Team targets are revised and cancelled by the same people who set them.
    refused_with(
        &app,
        admin,
        id,
        "revise",
        Some(&json!({"value": "60000"})),
        &[
            ("the team's manager", &w.mgr.token, 403, "own_team"),
            ("a member of the team", &w.sp.token, 403, "own_team"),
            ("a manager of another team", &w.mgr2.token, 404, "not_found"),
            ("a viewer", &w.viewer.token, 403, "forbidden"),
        ],
    )
    .await;
    let v = revise(&app, &w.rmgr.token, id, "60000").await;
    refused_with(
        &app,
        admin,
        uuid(&v["id"]),
        "cancel",
        None,
        &[
            ("the team's manager", &w.mgr.token, 403, "own_team"),
            ("a member of the team", &w.sp.token, 403, "own_team"),
            ("a manager of another team", &w.mgr2.token, 404, "not_found"),
        ],
    )
    .await;
    cancel(&app, &w.rmgr.token, uuid(&v["id"])).await;
}

#[actix_web::test]
async fn organisation_targets_are_set_and_agreed_by_an_admin() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let body = json!({
        "title": "Company revenue", "subject_type": "org", "metric": "revenue",
        "value": "1000000", "period": "2026"
    });
    create(&app, &w.mgr.token, &body)
        .await
        .problem(403, "forbidden");
    let id = uuid(&target(&app, admin, body).await["id"]);
    // Everyone sees it; only an admin moves it along.
    let everyone = [
        ("a manager", w.mgr.token.as_str(), 403),
        ("a salesperson", w.sp.token.as_str(), 403),
        ("a viewer", w.viewer.token.as_str(), 403),
        ("an integration client", w.client.as_str(), 403),
    ];
    refused_by(&app, admin, id, "propose", None, &everyone).await;
    propose(&app, admin, id).await;
    refused_by(&app, admin, id, "agree", None, &everyone).await;
    // The organisation's only admin: there is nobody else to agree what they set.
    let v = agree(&app, admin, id).await;
    assert_eq!(uuid(&v["agreed_by"]), w.org.admin_id);
    refused_by(
        &app,
        admin,
        id,
        "revise",
        Some(&json!({"value": "1"})),
        &everyone,
    )
    .await;
    refused_by(&app, admin, id, "cancel", None, &everyone).await;
    let v = revise(&app, admin, id, "1200000").await;
    assert_eq!(v["subject_type"], "org");
    assert!(v["subject_id"].is_null());
    assert_eq!(
        cancel(&app, admin, uuid(&v["id"])).await["status"],
        "cancelled"
    );
}

#[actix_web::test]
async fn a_salesperson_never_changes_a_targets_value_subject_or_metric() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    for body in [
        json!({"value": "1"}),
        json!({"value": "1000000"}),
        json!({"title": "Mine"}),
        json!({"period": "2026-12"}),
    ] {
        patch(&app, &w.sp.token, id, body, None)
            .await
            .problem(403, "own_target");
    }
    propose(&app, &w.mgr.token, id).await;
    patch(&app, &w.sp.token, id, json!({"value": "1"}), None)
        .await
        .problem(403, "own_target");
    step(
        &app,
        &w.sp.token,
        id,
        "revise",
        Some(&json!({"value": "1"})),
    )
    .await
    .problem(403, "own_target");
    agree(&app, &w.sp.token, id).await;
    step(
        &app,
        &w.sp.token,
        id,
        "revise",
        Some(&json!({"value": "1"})),
    )
    .await
    .problem(403, "own_target");
    let v = get(&app, &w.sp.token, id).await.expect(200);
    assert_eq!(
        (
            v["value"].as_str(),
            v["status"].as_str(),
            v["version"].as_i64()
        ),
        (Some("1000.00"), Some("agreed"), Some(3))
    );
    // Nobody changes the subject or the metric of a target: those are new targets.
    let d = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    for (body, field) in [
        (json!({"subject_id": w.mate.id}), "subject_id"),
        (json!({"subject_type": "team"}), "subject_type"),
        (json!({"metric": "gross_profit"}), "metric"),
        (json!({"activity_kind": "call"}), "activity_kind"),
        (json!({"currency": "EUR"}), "currency"),
        (json!({"status": "agreed"}), "status"),
    ] {
        let r = patch(&app, &w.org.admin, d, body, None).await;
        refused(&r, "validation_failed", field, "unknown_field");
    }
    let r = step(
        &app,
        &w.org.admin,
        id,
        "revise",
        Some(&json!({"value": "5", "metric": "gross_profit"})),
    )
    .await;
    refused(&r, "validation_failed", "metric", "unknown_field");
    assert_eq!(state(&app, &w.org.admin, d).await, ("draft".into(), 1));
}

#[actix_web::test]
async fn patch_edits_drafts_with_if_match() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let v = target(
        &app,
        &w.mgr.token,
        with(revenue(w.sp.id, "1000"), json!({"description": "first"})),
    )
    .await;
    let id = uuid(&v["id"]);
    let r = get(&app, &w.mgr.token, id).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));

    let r = patch(
        &app,
        &w.mgr.token,
        id,
        json!({"title": "  Q4 new business  ", "value": 1500.25, "period": "2026-11", "description": null}),
        Some("\"1\""),
    )
    .await;
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    let v = r.expect(200);
    assert_eq!(v["title"], "Q4 new business");
    assert_eq!(v["value"], "1500.25");
    assert_eq!(
        (
            v["period"].as_str(),
            v["starts_on"].as_str(),
            v["ends_on"].as_str()
        ),
        (Some("2026-11"), Some("2026-11-01"), Some("2026-11-30"))
    );
    assert!(v["description"].is_null());
    assert_eq!(v["status"], "draft");
    assert_eq!(v["version"], 2);
    assert_eq!(
        v["smart"]["attainable"]["basis"],
        "no results recorded for this subject in the previous 4 months"
    );
    // Stale: 412, and nothing changes.
    let r = patch(&app, &w.mgr.token, id, json!({"value": "1"}), Some("\"1\"")).await;
    r.problem(412, "version_mismatch");
    assert_eq!(
        get(&app, &w.mgr.token, id).await.expect(200)["value"],
        "1500.25"
    );
    // Explicit days replace the key; weak, listed and `*` ETags match.
    let v = patch(
        &app,
        &w.mgr.token,
        id,
        json!({"starts_on": "2026-11-02", "ends_on": "2026-11-27"}),
        Some("W/\"2\""),
    )
    .await
    .expect(200);
    assert!(v["period"].is_null());
    assert_eq!(
        (v["starts_on"].as_str(), v["ends_on"].as_str()),
        (Some("2026-11-02"), Some("2026-11-27"))
    );
    patch(
        &app,
        &w.mgr.token,
        id,
        json!({"description": "x"}),
        Some("\"1\", \"3\""),
    )
    .await
    .expect(200);
    patch(
        &app,
        &w.mgr.token,
        id,
        json!({"description": "y"}),
        Some("*"),
    )
    .await
    .expect(200);
    // Without If-Match there is no condition; with nothing in it, nothing
    // changes and the version stays.
    let v = patch(&app, &w.mgr.token, id, json!({}), None)
        .await
        .expect(200);
    assert_eq!(v["version"], 5);

    // Refusals name their rule.
    let r = patch(&app, &w.mgr.token, id, json!({"value": 0}), None).await;
    broke(&r, "value_not_positive", "value");
    let r = patch(&app, &w.mgr.token, id, json!({"value": "abc"}), None).await;
    refused(&r, "validation_failed", "value", "invalid_value");
    let r = patch(&app, &w.mgr.token, id, json!({"period": "2026-Q9"}), None).await;
    broke(&r, "unknown_period", "period");
    let r = patch(
        &app,
        &w.mgr.token,
        id,
        json!({"starts_on": "2026-12-01", "ends_on": "2026-11-01"}),
        None,
    )
    .await;
    broke(&r, "period_ends_before_start", "ends_on");
    let r = patch(&app, &w.mgr.token, id, json!({"title": ""}), None).await;
    refused(&r, "validation_failed", "title", "required");
    assert_eq!(state(&app, &w.org.admin, id).await, ("draft".into(), 5));

    // A proposed target that is edited goes back to draft; a PATCH with
    // nothing in it is no edit.
    propose(&app, &w.mgr.token, id).await;
    let v = patch(&app, &w.mgr.token, id, json!({}), Some("\"6\""))
        .await
        .expect(200);
    assert_eq!(
        (v["status"].as_str(), v["version"].as_i64()),
        (Some("proposed"), Some(6))
    );
    let v = patch(
        &app,
        &w.mgr.token,
        id,
        json!({"value": "2000"}),
        Some("\"6\""),
    )
    .await
    .expect(200);
    assert_eq!(
        (v["status"].as_str(), v["value"].as_str()),
        (Some("draft"), Some("2000.00"))
    );
    out_of_turn(&step(&app, &w.sp.token, id, "agree", None).await);

    // Wrong people: the salesperson whose target it is, and anyone not its setter.
    for (token, status, code) in [
        (&w.sp.token, 403, "own_target"),
        (&w.mate.token, 404, "not_found"),
        (&w.mgr2.token, 404, "not_found"),
        (&w.other.token, 404, "not_found"),
        (&w.viewer.token, 403, "forbidden"),
        (&w.client, 403, "forbidden"),
    ] {
        let r = patch(&app, token, id, json!({"value": "1"}), None).await;
        r.problem(status, code);
    }
    // An admin edits too; stale If-Match from anyone is 412 even on a target in
    // another state.
    patch(&app, &w.org.admin, id, json!({"value": "2100"}), None)
        .await
        .expect(200);
    propose(&app, &w.mgr.token, id).await;
    agree(&app, &w.sp.token, id).await;
    patch(&app, &w.mgr.token, id, json!({"value": "1"}), Some("\"2\""))
        .await
        .problem(412, "version_mismatch");
    out_of_turn(&patch(&app, &w.mgr.token, id, json!({"value": "1"}), None).await);
}
