//! Moving people out, ending memberships, members by day, and `me`.

use super::*;

#[actix_web::test]
async fn managers_move_people_only_out_of_teams_they_manage() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mp = app.person(&org, "manager", None).await;
    let ma = app.person(&org, "manager", None).await;
    let mb = app.person(&org, "manager", None).await;
    let p = app.team(&org, "P", Some(mp.id), None).await;
    let a = app.team(&org, "A", Some(ma.id), Some(p)).await;
    let b = app.team(&org, "B", Some(mb.id), Some(p)).await;
    let sp = app.person(&org, "salesperson", None).await;
    let sp2 = app.person(&org, "salesperson", None).await;
    app.join(&org, a, sp.id, "2026-01-01").await;
    app.join(&org, a, sp2.id, "2026-01-01").await;

    put_member(&app, &mb.token, b, sp.id, "2026-06-01")
        .await
        .problem(403, "forbidden");
    assert_eq!(members(&app, &org.admin, a, "").await.len(), 2);
    assert!(
        members(&app, &org.admin, a, "")
            .await
            .iter()
            .all(|x| x.2.is_none()),
        "nothing closed"
    );
    assert_eq!(members(&app, &org.admin, b, "").await, vec![]);

    // The manager above both teams may.
    put_member(&app, &mp.token, b, sp.id, "2026-06-01")
        .await
        .expect(200);
    assert_eq!(
        members(&app, &org.admin, a, "?as_of=2026-06-01").await,
        vec![m(sp2.id, "2026-01-01", None)]
    );
    assert_eq!(
        members(&app, &org.admin, b, "").await,
        vec![m(sp.id, "2026-06-01", None)]
    );
    // So may an admin.
    put_member(&app, &org.admin, b, sp2.id, "2026-07-01")
        .await
        .expect(200);
    // And B's manager may now move sp back out of B to A? No: A is not theirs (404, cannot see it).
    put_member(&app, &mb.token, a, sp.id, "2026-08-01")
        .await
        .problem(404, "not_found");
    // A's manager can see A but sp now belongs to B, which A's manager does not manage.
    put_member(&app, &ma.token, a, sp.id, "2026-08-01")
        .await
        .problem(403, "forbidden");
    assert_eq!(
        members(&app, &org.admin, b, "?as_of=2026-08-01")
            .await
            .len(),
        2
    );
}

#[actix_web::test]
async fn ending_a_membership() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mgr = app.person(&org, "manager", None).await;
    let t = app.team(&org, "T", Some(mgr.id), None).await;
    let sp = app.person(&org, "salesperson", None).await;
    let stranger = app.person(&org, "salesperson", None).await;
    app.join(&org, t, sp.id, "2026-03-01").await;

    let v = end_member(&app, &org.admin, t, sp.id, "?to=2026-02-28")
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("to", "before_start"));
    end_member(&app, &org.admin, t, sp.id, "?to=2026-06-31")
        .await
        .problem(400, "invalid_query");
    end_member(&app, &org.admin, t, sp.id, "?to=tomorrow")
        .await
        .problem(400, "invalid_query");
    end_member(&app, &org.admin, t, stranger.id, "?to=2026-06-30")
        .await
        .problem(404, "not_found");
    end_member(&app, &org.admin, t, Uuid::now_v7(), "?to=2026-06-30")
        .await
        .problem(404, "not_found");
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(sp.id, "2026-03-01", None)]
    );

    // The team's manager ends it on the last day of June.
    let v = end_member(&app, &mgr.token, t, sp.id, "?to=2026-06-30")
        .await
        .expect(200);
    assert_eq!(
        v,
        json!({"team_id": t, "user_id": sp.id, "name": "salesperson person", "from": "2026-03-01", "to": "2026-06-30"})
    );
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(sp.id, "2026-03-01", Some("2026-06-30"))]
    );
    // Nothing open any more.
    end_member(&app, &org.admin, t, sp.id, "?to=2026-07-31")
        .await
        .problem(404, "not_found");
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-06-30")
            .await
            .len(),
        1
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-07-01")
            .await
            .len(),
        0
    );

    // Rejoining on a covered day overlaps; the day after works.
    put_member(&app, &org.admin, t, sp.id, "2026-06-30")
        .await
        .problem(409, "membership_overlap");
    put_member(&app, &org.admin, t, sp.id, "2026-07-01")
        .await
        .expect(200);
    // Ending on the first day itself: a one-day membership.
    let v = end_member(&app, &org.admin, t, sp.id, "?to=2026-07-01")
        .await
        .expect(200);
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("2026-07-01"), Some("2026-07-01"))
    );

    // Without `to`, the membership ends today (the organisation's time zone is UTC).
    let today = Utc::now().date_naive();
    let from = today - Duration::days(10);
    put_member(&app, &org.admin, t, sp.id, &from.to_string())
        .await
        .expect(200);
    let v = end_member(&app, &org.admin, t, sp.id, "").await.expect(200);
    assert_eq!(v["to"], today.to_string());
}

#[actix_web::test]
async fn members_filter_by_day_and_paginate() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let t = app.team(&org, "T", None, None).await;
    let u1 = app.person(&org, "salesperson", None).await;
    let u2 = app.person(&org, "salesperson", None).await;
    let u3 = app.person(&org, "salesperson", None).await;
    app.join(&org, t, u1.id, "2026-01-01").await;
    app.join(&org, t, u2.id, "2026-02-01").await;
    app.join(&org, t, u3.id, "2026-02-01").await;
    end_member(&app, &org.admin, t, u2.id, "?to=2026-02-28")
        .await
        .expect(200);
    // Same first day: ordered by person id.
    let (lo, hi) = if u2.id < u3.id {
        (u2.id, u3.id)
    } else {
        (u3.id, u2.id)
    };

    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2025-12-31").await,
        vec![]
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-01-15").await,
        vec![m(u1.id, "2026-01-01", None)]
    );
    let entry = |id: Uuid| {
        if id == u2.id {
            m(u2.id, "2026-02-01", Some("2026-02-28"))
        } else {
            m(u3.id, "2026-02-01", None)
        }
    };
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-02-15").await,
        vec![m(u1.id, "2026-01-01", None), entry(lo), entry(hi)]
    );
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(u1.id, "2026-01-01", None), entry(lo), entry(hi)]
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-02-28")
            .await
            .iter()
            .map(|x| x.0)
            .collect::<Vec<_>>(),
        vec![u1.id, lo, hi]
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-03-01").await,
        vec![m(u1.id, "2026-01-01", None), m(u3.id, "2026-02-01", None)]
    );

    // One at a time: u1, then lo, then hi; the last page has no cursor.
    let mut order = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0..3 {
        let path = match &cursor {
            Some(c) => format!("/v1/teams/{t}/members?limit=1&cursor={c}"),
            None => format!("/v1/teams/{t}/members?limit=1"),
        };
        let v = app.get(&path).token(&org.admin).send().await.expect(200);
        let data = v["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "page {page}");
        order.push(uuid(&data[0]["user_id"]));
        cursor = v["next_cursor"].as_str().map(str::to_string);
        assert_eq!(cursor.is_some(), page < 2, "page {page}: {v}");
    }
    assert_eq!(order, vec![u1.id, lo, hi]);

    // Paging a day's view: on 2026-03-01, u1 then u3.
    let v = app
        .get(&format!("/v1/teams/{t}/members?as_of=2026-03-01&limit=1"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&v["data"][0]["user_id"]), u1.id);
    let c = v["next_cursor"].as_str().unwrap().to_string();
    let v = app
        .get(&format!(
            "/v1/teams/{t}/members?as_of=2026-03-01&limit=1&cursor={c}"
        ))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&v["data"][0]["user_id"]), u3.id);
    assert!(v["next_cursor"].is_null());

    app.get(&format!("/v1/teams/{t}/members?as_of=yesterday"))
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    app.get(&format!("/v1/teams/{t}/members?limit=0"))
        .token(&org.admin)
        .send()
        .await
        .expect(422);
    app.get(&format!("/v1/teams/{t}/members?cursor=zzz"))
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_cursor");
}

#[actix_web::test]
async fn me_shows_the_current_team_only() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mgr = app.person(&org, "manager", None).await;
    let a = app.team(&org, "A", None, None).await;
    let b = app.team(&org, "B", Some(mgr.id), None).await;
    let c = app.team(&org, "C", None, None).await;
    let sp = app.person(&org, "salesperson", None).await;
    let today: NaiveDate = Utc::now().date_naive();
    let d = |days: i64| (today + Duration::days(days)).to_string();

    app.join(&org, a, sp.id, &d(-30)).await;
    app.join(&org, b, sp.id, &d(-5)).await;
    // A move already planned for later does not change today's team.
    app.join(&org, c, sp.id, &d(10)).await;

    let v = app.get("/v1/me").token(&sp.token).send().await.expect(200);
    assert_eq!(uuid(&v["id"]), sp.id);
    assert_eq!(v["role"], "salesperson");
    assert_eq!(
        v["teams"],
        json!([{"id": b, "name": "B", "relation": "member", "from": d(-5), "to": d(9)}])
    );
    // The manager of B sees B as managed, and no membership.
    let v = app.get("/v1/me").token(&mgr.token).send().await.expect(200);
    assert_eq!(
        v["teams"],
        json!([{"id": b, "name": "B", "relation": "manager", "from": null, "to": null}])
    );
}
