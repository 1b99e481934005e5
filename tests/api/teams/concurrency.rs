//! Concurrency

use super::*;

/// Two admins re-parent A under B and B under A at the same moment: one wins, the
/// other sees the cycle. Never a 500 (a deadlock), never a cycle.
#[actix_web::test]
async fn concurrent_reparenting_cannot_make_a_cycle_or_fail() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    for round in 0..10 {
        let a = app.team(&org, "A", None, None).await;
        let b = app.team(&org, "B", None, None).await;
        let (pa, pb) = (format!("/v1/teams/{a}"), format!("/v1/teams/{b}"));
        let (under_b, under_a) = (json!({"parent_team_id": b}), json!({"parent_team_id": a}));
        let (ra, rb) = tokio::join!(
            app.patch(&pa).token(&org.admin).json(&under_b).send(),
            app.patch(&pb).token(&org.admin).json(&under_a).send()
        );
        let statuses = (ra.status.as_u16(), rb.status.as_u16());
        assert!(
            statuses == (200, 422) || statuses == (422, 200),
            "round {round}: {statuses:?}"
        );
        let loser = if statuses.0 == 422 { &ra } else { &rb };
        assert_eq!(
            field_error(&loser.expect(422)),
            pair("parent_team_id", "team_cycle")
        );
        let parent_of = |v: Value| {
            v["parent_team_id"]
                .as_str()
                .map(|s| s.parse::<Uuid>().unwrap())
        };
        let pa_now = parent_of(app.get(&pa).token(&org.admin).send().await.expect(200));
        let pb_now = parent_of(app.get(&pb).token(&org.admin).send().await.expect(200));
        assert!(
            (pa_now, pb_now) == (Some(b), None) || (pa_now, pb_now) == (None, Some(a)),
            "round {round}: {pa_now:?} {pb_now:?}"
        );
    }
}

/// A membership changes while its team is deleted: either the change lands first
/// and goes with the team, or the team is gone (404). Never a 500.
#[actix_web::test]
async fn a_membership_change_racing_a_team_deletion_never_fails() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let sp = app.person(&org, "salesperson", None).await;
    for round in 0..10 {
        let t = app.team(&org, "T", None, None).await;
        app.join(&org, t, sp.id, "2026-03-01").await;
        let (pm, pt) = (
            format!("/v1/teams/{t}/members/{}", sp.id),
            format!("/v1/teams/{t}"),
        );
        let body = json!({"from": "2026-02-01"});
        let (put, del) = tokio::join!(
            app.put(&pm).token(&org.admin).json(&body).send(),
            app.delete(&pt).token(&org.admin).send()
        );
        let statuses = (put.status.as_u16(), del.status.as_u16());
        assert!(
            statuses == (200, 204) || statuses == (404, 204),
            "round {round}: {statuses:?}"
        );
        app.get(&pt)
            .token(&org.admin)
            .send()
            .await
            .problem(404, "not_found");
    }
    // No membership is left behind: the person is free from any day.
    let t = app.team(&org, "Last", None, None).await;
    put_member(&app, &org.admin, t, sp.id, "2026-01-01")
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_person_who_moved_on_no_longer_sees_the_old_team() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let sp = app.person(&org, "salesperson", Some("farmer")).await;
    let mate = app.person(&org, "salesperson", Some("farmer")).await;
    let old = app.team(&org, "Old", None, None).await;
    let new = app.team(&org, "New", None, None).await;
    app.join(&org, old, sp.id, "2026-01-01").await;
    app.join(&org, old, mate.id, "2026-01-01").await;
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    app.join(&org, new, sp.id, &yesterday).await;
    let v = app
        .get("/v1/teams")
        .token(&sp.token)
        .send()
        .await
        .expect(200);
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![new.to_string().as_str()]);
    app.get(&format!("/v1/teams/{old}"))
        .token(&sp.token)
        .send()
        .await
        .problem(404, "not_found");
    // The old teammate is no longer among the people they see.
    app.get(&format!("/v1/users/{}", mate.id))
        .token(&sp.token)
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn nobody_adds_themselves_to_a_team_they_manage() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let m1 = app.person(&org, "manager", None).await;
    let m2 = app.person(&org, "manager", None).await;
    let sp = app.person(&org, "salesperson", None).await;
    let admin2 = app.person(&org, "admin", None).await;
    let r = app.team(&org, "R", Some(m1.id), None).await;
    let t = app.team(&org, "T", Some(m2.id), Some(r)).await;
    let pod = app.team(&org, "Pod", None, Some(t)).await;
    let a = app.team(&org, "A", Some(admin2.id), None).await;

    // Not the team they manage, nor a team below it.
    for (token, team, user) in [
        (&m1.token, r, m1.id),
        (&m1.token, t, m1.id),
        (&m1.token, pod, m1.id),
        (&m2.token, t, m2.id),
        (&m2.token, pod, m2.id),
        (&admin2.token, a, admin2.id),
    ] {
        let v = put_member(&app, token, team, user, "2026-01-01")
            .await
            .problem(403, "own_team");
        assert!(v["detail"].as_str().unwrap().contains("manage"), "{v}");
        assert!(members(&app, &org.admin, team, "").await.is_empty());
    }
    // Someone above them, or an admin, may; and they still add others.
    put_member(&app, &m1.token, t, m2.id, "2026-01-01")
        .await
        .expect(200);
    put_member(&app, &org.admin, a, admin2.id, "2026-01-01")
        .await
        .expect(200);
    put_member(&app, &m2.token, pod, sp.id, "2026-01-01")
        .await
        .expect(200);
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(m2.id, "2026-01-01", None)]
    );
}
