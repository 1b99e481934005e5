//! Segregation of duties

use super::*;

async fn set_manager(app: &TestApp, admin: &str, team: Uuid, manager: Option<Uuid>) {
    app.patch(&format!("/v1/teams/{team}"))
        .token(admin)
        .json(&json!({ "manager_id": manager }))
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn nobody_sets_or_proposes_their_own_target() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;

    // A salesperson: never their own target, at any step.
    own(
        &create(&app, &w.sp.token, &revenue(w.sp.id, "1")).await,
        "own_target",
    );
    let id = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    own(
        &step(&app, &w.sp.token, id, "propose", None).await,
        "own_target",
    );
    own(
        &patch(&app, &w.sp.token, id, json!({"value": "1"}), None).await,
        "own_target",
    );
    own(
        &step(&app, &w.sp.token, id, "cancel", None).await,
        "own_target",
    );
    propose(&app, &w.mgr.token, id).await;
    own(
        &step(
            &app,
            &w.sp.token,
            id,
            "revise",
            Some(&json!({"value": "1"})),
        )
        .await,
        "own_target",
    );
    // ... but they agree it.
    assert_eq!(agree(&app, &w.sp.token, id).await["status"], "agreed");

    // A manager who belongs to the team they manage: not their own target either.
    app.join(&w.org, w.north, w.mgr.id, "2026-01-01").await;
    own(
        &create(&app, &w.mgr.token, &revenue(w.mgr.id, "1")).await,
        "own_target",
    );
    // Their own manager (the manager of the parent team) sets it, and they agree it.
    let m = uuid(&target(&app, &w.rmgr.token, revenue(w.mgr.id, "5000")).await["id"]);
    own(
        &step(&app, &w.mgr.token, m, "propose", None).await,
        "own_target",
    );
    own(
        &patch(&app, &w.mgr.token, m, json!({"value": "1"}), None).await,
        "own_target",
    );
    propose(&app, &w.rmgr.token, m).await;
    own(
        &step(
            &app,
            &w.mgr.token,
            m,
            "revise",
            Some(&json!({"value": "1"})),
        )
        .await,
        "own_target",
    );
    own(
        &step(&app, &w.mgr.token, m, "cancel", None).await,
        "own_target",
    );
    refused_by(
        &app,
        admin,
        m,
        "agree",
        None,
        &[
            ("the manager above", &w.rmgr.token, 403),
            ("an admin", admin, 403),
        ],
    )
    .await;
    let v = agree(&app, &w.mgr.token, m).await;
    assert_eq!(uuid(&v["agreed_by"]), w.mgr.id);
    assert_eq!(uuid(&v["created_by"]), w.rmgr.id);

    // An admin is bound too; another admin sets it.
    own(
        &create(&app, admin, &revenue(w.org.admin_id, "1")).await,
        "own_target",
    );
    let admin2 = app.person(&w.org, "admin", None).await;
    let a = uuid(&target(&app, &admin2.token, revenue(w.org.admin_id, "1000")).await["id"]);
    own(&step(&app, admin, a, "propose", None).await, "own_target");
    propose(&app, &admin2.token, a).await;
    own(
        &step(&app, &admin2.token, a, "agree", None).await,
        "forbidden",
    );
    agree(&app, admin, a).await;

    // Everyone else as before: the manager sets his people's targets.
    let t = uuid(&target(&app, &w.mgr.token, revenue(w.mate.id, "900")).await["id"]);
    propose(&app, &w.mgr.token, t).await;
    agree(&app, &w.mate.token, t).await;
}

#[actix_web::test]
async fn nobody_sets_or_proposes_a_target_of_a_team_they_manage_or_belong_to() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    // A pod below North without a manager of its own: North's manager runs it.
    let pod = app.team(&w.org, "Pod", None, Some(w.north)).await;

    // The team's manager does not set it, nor a sub-team's without a manager.
    for (token, team) in [
        (&w.mgr.token, w.north),
        (&w.mgr.token, pod),
        (&w.rmgr.token, w.region),
        (&w.mgr2.token, w.south),
    ] {
        own(
            &create(&app, token, &team_revenue(team, "1")).await,
            "own_team",
        );
    }
    // A member does not either (a salesperson, an admin who belongs to it).
    own(
        &create(&app, &w.sp.token, &team_revenue(w.north, "1")).await,
        "own_team",
    );
    app.join(&w.org, w.unmanaged, w.org.admin_id, "2026-01-01")
        .await;
    own(
        &create(&app, admin, &team_revenue(w.unmanaged, "1")).await,
        "own_team",
    );

    // North's target: set by the manager of the region above, agreed by North's manager.
    let n = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "50000")).await["id"]);
    own(
        &patch(&app, &w.mgr.token, n, json!({"value": "1"}), None).await,
        "own_team",
    );
    own(
        &step(&app, &w.mgr.token, n, "propose", None).await,
        "own_team",
    );
    own(
        &step(&app, &w.sp.token, n, "propose", None).await,
        "own_team",
    );
    own(
        &step(&app, &w.mgr.token, n, "cancel", None).await,
        "own_team",
    );
    propose(&app, &w.rmgr.token, n).await;
    own(
        &step(
            &app,
            &w.mgr.token,
            n,
            "revise",
            Some(&json!({"value": "1"})),
        )
        .await,
        "own_team",
    );
    let v = agree(&app, &w.mgr.token, n).await;
    assert_eq!(uuid(&v["agreed_by"]), w.mgr.id);
    let v = revise(&app, &w.rmgr.token, n, "55000").await;
    let n2 = uuid(&v["id"]);
    own(
        &step(&app, &w.mgr.token, n2, "cancel", None).await,
        "own_team",
    );
    agree(&app, &w.mgr.token, n2).await;

    // The pod's: the region's manager sets it; North's manager, who answers for
    // it, agrees (it has no manager of its own).
    let p = uuid(&target(&app, &w.rmgr.token, team_revenue(pod, "9000")).await["id"]);
    own(
        &step(&app, &w.mgr.token, p, "propose", None).await,
        "own_team",
    );
    propose(&app, &w.rmgr.token, p).await;
    agree(&app, &w.mgr.token, p).await;

    // The region's and South's: only an admin sets them; their managers agree.
    for (team, manager) in [(w.region, &w.rmgr), (w.south, &w.mgr2)] {
        let t = uuid(&target(&app, admin, team_revenue(team, "90000")).await["id"]);
        own(
            &step(&app, &manager.token, t, "propose", None).await,
            "own_team",
        );
        propose(&app, admin, t).await;
        assert_eq!(
            uuid(&agree(&app, &manager.token, t).await["agreed_by"]),
            manager.id
        );
    }

    // A team without a manager: an admin who belongs to it neither sets nor
    // proposes it; another admin does, and an admin who did not set it agrees.
    let admin2 = app.person(&w.org, "admin", None).await;
    // Nor the target of a team above the one they belong to: their results count there.
    app.join(&w.org, pod, admin2.id, "2026-01-01").await;
    for team in [pod, w.north, w.region] {
        own(
            &create(&app, &admin2.token, &team_revenue(team, "1")).await,
            "own_team",
        );
    }
    target(&app, &admin2.token, team_revenue(w.south, "1")).await;
    let u = uuid(&target(&app, &admin2.token, team_revenue(w.unmanaged, "30000")).await["id"]);
    own(&step(&app, admin, u, "propose", None).await, "own_team");
    own(
        &step(&app, &w.loner.token, u, "propose", None).await,
        "own_team",
    );
    propose(&app, &admin2.token, u).await;
    own(
        &step(&app, &admin2.token, u, "agree", None).await,
        "own_team",
    );
    agree(&app, admin, u).await;
}

#[actix_web::test]
async fn nobody_agrees_a_target_they_set_or_proposed() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let admin2 = app.person(&w.org, "admin", None).await;

    // The region's manager sets and proposes North's target, then becomes North's
    // manager: he does not agree what he set.
    let n = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "1")).await["id"]);
    propose(&app, &w.rmgr.token, n).await;
    set_manager(&app, admin, w.north, Some(w.rmgr.id)).await;
    refused_with(
        &app,
        admin,
        n,
        "agree",
        None,
        &[(
            "the setter, now its manager",
            &w.rmgr.token,
            403,
            "own_team",
        )],
    )
    .await;
    set_manager(&app, admin, w.north, Some(w.mgr.id)).await;
    assert_eq!(
        uuid(&agree(&app, &w.mgr.token, n).await["agreed_by"]),
        w.mgr.id
    );

    // Nor does whoever revised it (the new version is theirs).
    let v = revise(&app, &w.rmgr.token, n, "2").await;
    let n2 = uuid(&v["id"]);
    set_manager(&app, admin, w.north, Some(w.rmgr.id)).await;
    refused_with(
        &app,
        admin,
        n2,
        "agree",
        None,
        &[(
            "the reviser, now its manager",
            &w.rmgr.token,
            403,
            "own_team",
        )],
    )
    .await;
    set_manager(&app, admin, w.north, Some(w.mgr.id)).await;

    // An admin alone: South loses its manager, the admin sets, proposes, and makes
    // themselves its manager; they still do not agree it.
    set_manager(&app, admin, w.south, None).await;
    let s = uuid(&target(&app, admin, team_revenue(w.south, "1")).await["id"]);
    propose(&app, admin, s).await;
    set_manager(&app, admin, w.south, Some(w.org.admin_id)).await;
    refused_with(
        &app,
        admin,
        s,
        "agree",
        None,
        &[("the admin who set it", admin, 403, "own_team")],
    )
    .await;

    // A team without a manager: another admin agrees what one admin proposed.
    let u = uuid(&target(&app, admin, team_revenue(w.unmanaged, "1")).await["id"]);
    propose(&app, &admin2.token, u).await;
    refused_with(
        &app,
        admin,
        u,
        "agree",
        None,
        &[
            ("the admin who set it", admin, 403, "own_team"),
            ("the admin who proposed it", &admin2.token, 403, "own_team"),
        ],
    )
    .await;
    let admin3 = app.person(&w.org, "admin", None).await;
    assert_eq!(
        uuid(&agree(&app, &admin3.token, u).await["agreed_by"]),
        admin3.id
    );

    // The organisation's: four eyes when there is a second admin.
    let body = json!({
        "title": "Company revenue", "subject_type": "org", "metric": "revenue",
        "value": "1000000", "period": "2026"
    });
    let o = uuid(&target(&app, admin, body).await["id"]);
    propose(&app, admin, o).await;
    refused_with(
        &app,
        admin,
        o,
        "agree",
        None,
        &[("the admin who set it", admin, 403, "own_target")],
    )
    .await;
    assert_eq!(
        uuid(&agree(&app, &admin2.token, o).await["agreed_by"]),
        admin2.id
    );
}

#[actix_web::test]
async fn a_sub_team_without_a_manager_is_agreed_by_the_manager_who_answers_for_it() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let pod = app.team(&w.org, "Pod", None, Some(w.north)).await;
    let p = uuid(&target(&app, &w.rmgr.token, team_revenue(pod, "9000")).await["id"]);
    propose(&app, &w.rmgr.token, p).await;
    refused_by(
        &app,
        admin,
        p,
        "agree",
        None,
        &[
            ("an admin", admin, 403),
            ("the region's manager", &w.rmgr.token, 403),
        ],
    )
    .await;
    assert_eq!(
        uuid(&agree(&app, &w.mgr.token, p).await["agreed_by"]),
        w.mgr.id
    );
}

#[actix_web::test]
async fn a_manager_never_sets_the_target_of_a_manager_above_them() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // North's manager adds the region's manager (his own manager) to North.
    app.put(&format!("/v1/teams/{}/members/{}", w.north, w.rmgr.id))
        .token(&w.mgr.token)
        .json(&json!({"from": "2026-01-01"}))
        .send()
        .await
        .expect(200);
    create(&app, &w.mgr.token, &revenue(w.rmgr.id, "1"))
        .await
        .problem(403, "forbidden");
    // His people's targets he still sets.
    target(&app, &w.mgr.token, revenue(w.sp.id, "1")).await;
}

#[actix_web::test]
async fn membership_during_the_targets_period_counts_not_only_today() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin2 = app.person(&w.org, "admin", None).await;
    let yesterday = today() - Duration::days(1);
    let joined = (today() - Duration::days(100)).to_string();
    app.join(&w.org, w.unmanaged, admin2.id, &joined).await;
    app.delete(&format!(
        "/v1/teams/{}/members/{}?to={yesterday}",
        w.unmanaged, admin2.id
    ))
    .token(&w.org.admin)
    .send()
    .await
    .expect(200);
    let during = |starts: chrono::NaiveDate| {
        with(
            team_revenue(w.unmanaged, "1"),
            json!({
                "period": null,
                "starts_on": starts.to_string(),
                "ends_on": (today() + Duration::days(60)).to_string(),
            }),
        )
    };
    // Their results until yesterday count in a target that starts before today.
    own(
        &create(&app, &admin2.token, &during(yesterday - Duration::days(10))).await,
        "own_team",
    );
    // A target that starts today holds none of them.
    target(&app, &admin2.token, during(today())).await;
}

#[actix_web::test]
async fn a_team_the_caller_does_not_see_is_refused_without_naming_the_duty() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // The salesperson's results count in the region's, but they do not see it.
    let r = create(&app, &w.sp.token, &team_revenue(w.region, "1")).await;
    r.problem(403, "forbidden");
    // Nor North's manager: the region is above his team.
    app.join(&w.org, w.north, w.mgr.id, "2026-01-01").await;
    let r = create(&app, &w.mgr.token, &team_revenue(w.region, "1")).await;
    r.problem(403, "forbidden");
    // Their own team they see: there the duty is named.
    own(
        &create(&app, &w.sp.token, &team_revenue(w.north, "1")).await,
        "own_team",
    );
}
