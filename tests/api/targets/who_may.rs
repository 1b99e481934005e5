//! Who may set and see

use super::*;

#[actix_web::test]
async fn managers_set_targets_for_todays_members_of_the_teams_they_manage() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // Managers: their people, the teams below theirs and their managers.
    target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await;
    target(&app, &w.rmgr.token, revenue(w.mate.id, "1000")).await;
    target(&app, &w.rmgr.token, team_revenue(w.north, "1000")).await;
    target(&app, &w.rmgr.token, revenue(w.mgr.id, "1000")).await;
    target(&app, &w.mgr2.token, revenue(w.other.id, "1000")).await;
    // Admins: anyone, any team, the organisation.
    target(&app, &w.org.admin, revenue(w.loner.id, "1000")).await;
    target(&app, &w.org.admin, team_revenue(w.unmanaged, "1000")).await;
    target(&app, &w.org.admin, team_revenue(w.region, "1000")).await;
    let org_target = json!({
        "title": "Org", "subject_type": "org", "metric": "revenue", "value": "1000", "period": "2026"
    });
    target(&app, &w.org.admin, org_target.clone()).await;

    // Not their people, not their teams, not the organisation; and nobody what
    // they answer for (their own, their team's).
    for (token, body, code) in [
        (&w.mgr.token, revenue(w.other.id, "1000"), "forbidden"),
        (&w.mgr.token, revenue(w.loner.id, "1000"), "forbidden"),
        (&w.mgr.token, revenue(w.rmgr.id, "1000"), "forbidden"),
        (&w.mgr.token, team_revenue(w.region, "1000"), "forbidden"),
        (&w.mgr.token, team_revenue(w.south, "1000"), "forbidden"),
        (&w.mgr.token, org_target.clone(), "forbidden"),
        (&w.mgr.token, revenue(w.mgr.id, "1000"), "own_target"),
        (&w.mgr.token, team_revenue(w.north, "1000"), "own_team"),
        (&w.rmgr.token, team_revenue(w.region, "1000"), "own_team"),
        (&w.mgr2.token, revenue(w.sp.id, "1000"), "forbidden"),
        (&w.mgr2.token, revenue(w.mgr.id, "1000"), "forbidden"),
        (&w.mgr2.token, team_revenue(w.north, "1000"), "forbidden"),
        (&w.rmgr.token, revenue(w.other.id, "1000"), "forbidden"),
        // Salespeople and viewers set no targets, not even their own.
        (&w.sp.token, revenue(w.sp.id, "1000"), "own_target"),
        (&w.sp.token, revenue(w.mate.id, "1000"), "forbidden"),
        (&w.sp.token, team_revenue(w.north, "1000"), "own_team"),
        (&w.sp.token, team_revenue(w.south, "1000"), "forbidden"),
        (&w.viewer.token, revenue(w.sp.id, "1000"), "forbidden"),
        (&w.client, revenue(w.sp.id, "1000"), "forbidden"),
    ] {
        create(&app, token, &body).await.problem(403, code);
    }

    // Only today's members: someone who left yesterday, someone who joins tomorrow.
    let leaver = app.person(&w.org, "salesperson", None).await;
    let joiner = app.person(&w.org, "salesperson", None).await;
    app.join(&w.org, w.north, leaver.id, "2026-01-01").await;
    let yesterday = (today() - Duration::days(1)).to_string();
    let tomorrow = (today() + Duration::days(1)).to_string();
    app.delete(&format!(
        "/v1/teams/{}/members/{}?to={yesterday}",
        w.north, leaver.id
    ))
    .token(&w.org.admin)
    .send()
    .await
    .expect(200);
    app.join(&w.org, w.north, joiner.id, &tomorrow).await;
    for p in [&leaver, &joiner] {
        create(&app, &w.mgr.token, &revenue(p.id, "1000"))
            .await
            .problem(403, "forbidden");
        create(&app, &w.rmgr.token, &revenue(p.id, "1000"))
            .await
            .problem(403, "forbidden");
    }
    // The leaver's targets are out of the manager's sight and hands.
    let old = uuid(&target(&app, &w.org.admin, revenue(leaver.id, "1000")).await["id"]);
    get(&app, &w.mgr.token, old).await.problem(404, "not_found");
    step(&app, &w.mgr.token, old, "propose", None)
        .await
        .problem(404, "not_found");
    get(&app, &leaver.token, old).await.expect(200);
}

#[actix_web::test]
async fn salespeople_read_their_own_targets_and_their_teams() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let own = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    let mates = uuid(&target(&app, &w.mgr.token, revenue(w.mate.id, "1000")).await["id"]);
    let team = uuid(&target(&app, &w.rmgr.token, team_revenue(w.north, "1000")).await["id"]);
    let region = uuid(&target(&app, &w.org.admin, team_revenue(w.region, "1000")).await["id"]);
    let south = uuid(&target(&app, &w.org.admin, team_revenue(w.south, "1000")).await["id"]);
    let others = uuid(&target(&app, &w.mgr2.token, revenue(w.other.id, "1000")).await["id"]);
    let org = uuid(
        &target(
            &app,
            &w.org.admin,
            json!({"title": "Org", "subject_type": "org", "metric": "revenue", "value": "1", "period": "2026"}),
        )
        .await["id"],
    );
    let all = [own, mates, team, region, south, others, org];
    for (name, token, sees) in [
        ("sp", &w.sp.token, vec![own, team, org]),
        ("mate", &w.mate.token, vec![mates, team, org]),
        ("other", &w.other.token, vec![south, others, org]),
        ("loner", &w.loner.token, vec![org]),
        ("mgr", &w.mgr.token, vec![own, mates, team, org]),
        ("rmgr", &w.rmgr.token, vec![own, mates, team, region, org]),
        ("mgr2", &w.mgr2.token, vec![south, others, org]),
        ("viewer", &w.viewer.token, all.to_vec()),
        ("client", &w.client, all.to_vec()),
        ("admin", &w.org.admin, all.to_vec()),
    ] {
        assert_eq!(
            listed(&app, token, "").await,
            set(&sees),
            "{name} lists these"
        );
        for id in all {
            let r = get(&app, token, id).await;
            if sees.contains(&id) {
                r.expect(200);
            } else {
                r.problem(404, "not_found");
            }
        }
    }
    // A client without the read scope reads nothing.
    let (cid, _) = app.client(&w.org, &["sales:write"]).await;
    let writer = app.sign(w.org.id, "client", cid, Some("sales:write"));
    app.get("/v1/targets")
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    get(&app, &writer, own).await.problem(403, "forbidden");
}
