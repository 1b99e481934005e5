//! Scorecards: rows, sorting, CSV, ETags, who sees which, bad requests.

use super::*;

#[actix_web::test]
async fn a_scorecard_has_a_row_per_member_on_the_day_and_the_teams_row() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let v = app
        .get(&card_url(w.north, ""))
        .token(&w.mgr.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            v["period"].as_str(),
            v["starts_on"].as_str(),
            v["ends_on"].as_str()
        ),
        (Some("2026-Q4"), Some("2026-10-01"), Some("2026-12-31"))
    );
    // Bob moved to South on 16 November: not a member on the 26th. Cat counts
    // through North East; Eve has no target.
    assert_eq!(names(&v["members"]), vec!["Ann", "Cat", "Eve"]);
    let ann = &v["members"][0];
    assert_eq!(ann["team_id"], w.north.to_string());
    let t = &ann["targets"][0];
    assert_eq!(t["target_id"], w.ann_q4.as_str());
    assert_eq!(t["title"], "Ann Q4");
    // 10,000 + 30,000 - 1,000 (a credit note); the December sale is after as_of.
    assert_eq!(
        [
            &t["actual"],
            &t["attainment_pct"],
            &t["expected_to_date"],
            &t["pace_pct"],
            &t["status"],
            &t["gap"],
            &t["required_per_working_day"]
        ],
        ["39000.00", "60.00", "41000.00", "95.12", "on_track", "26000.00", "1083.33"]
    );
    assert_eq!(ann["attainment_pct"], "60.00");
    let cat = &v["members"][1];
    assert_eq!(cat["targets"][0]["status"], "achieved");
    assert_eq!(cat["attainment_pct"], "100.00");
    let eve = &v["members"][2];
    assert!(eve["targets"].as_array().unwrap().is_empty());
    assert!(eve["attainment_pct"].is_null());
    // The team counts each day for who was a member then: Ann's 39,000, Bob's
    // October 10,000 (not his November sale, made in South), Cat's 13,000.
    // 62,000 of 100,000; expected 100,000 x 41/65 = 63,076.92: pace 98.29%.
    let team = &v["team"];
    assert_eq!(
        (team["subject_type"].as_str(), team["name"].as_str()),
        (Some("team"), Some("North"))
    );
    let t = &team["targets"][0];
    assert_eq!(t["target_id"], w.north_q4.as_str());
    assert_eq!(
        [
            &t["actual"],
            &t["expected_to_date"],
            &t["pace_pct"],
            &t["status"]
        ],
        ["62000.00", "63076.92", "98.29", "on_track"]
    );
    // On 10 November Bob was still in North.
    let v = app
        .get(&format!(
            "/v1/scorecards?period=2026-Q4&team_id={}&as_of=2026-11-10",
            w.north
        ))
        .token(&w.mgr.token)
        .send()
        .await
        .expect(200);
    assert_eq!(names(&v["members"]), vec!["Ann", "Bob", "Cat", "Eve"]);
    // 10,000 (Ann) + 10,000 (Bob) + 13,000 (Cat).
    assert_eq!(v["team"]["targets"][0]["actual"], "33000.00");
}

#[actix_web::test]
async fn sort_gives_a_leaderboard_and_metric_narrows_it() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let get = |extra: &'static str| {
        let app = &app;
        let token = w.mgr.token.clone();
        let url = card_url(w.north, extra);
        async move { app.get(&url).token(&token).send().await.expect(200) }
    };
    // Rows without targets come last either way.
    assert_eq!(
        names(&get("&sort=-attainment_pct").await["members"]),
        vec!["Cat", "Ann", "Eve"]
    );
    assert_eq!(
        names(&get("&sort=attainment_pct").await["members"]),
        vec!["Ann", "Cat", "Eve"]
    );
    assert_eq!(
        names(&get("&sort=-name").await["members"]),
        vec!["Eve", "Cat", "Ann"]
    );
    // Cat is achieved: 13,000 against 13,000 x 41/65 = 8,200 expected: 158.54%.
    assert_eq!(
        names(&get("&sort=-pace_pct").await["members"]),
        vec!["Cat", "Ann", "Eve"]
    );
    let v = get("&metric=gross_profit").await;
    assert!(v["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["targets"].as_array().unwrap().is_empty()));
    assert!(v["team"]["targets"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn csv_has_a_line_per_target_and_one_for_a_row_without() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let r = app
        .get(&card_url(w.north, "&sort=-attainment_pct"))
        .token(&w.mgr.token)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0]
        .starts_with("period,as_of,subject_type,subject_id,name,team_id,target_id,title,metric"));
    assert!(lines[1].starts_with(&format!("2026-Q4,2026-11-26,team,{},North,", w.north)));
    assert!(lines[1].ends_with(",100000.00,62000.00,62.00,63076.92,98.29,on_track,98292.68,38000.00,24,1583.33,7916.65"), "{}", lines[1]);
    assert!(lines[2].contains(",Cat,"));
    assert!(lines[3].ends_with(&format!(
        "{},Ann Q4,revenue,,,2026-10-01,2026-12-31,65000.00,39000.00,60.00,41000.00,95.12,on_track,61829.27,26000.00,24,1083.33,5416.65",
        w.ann_q4
    )), "{}", lines[3]);
    assert_eq!(
        lines[4],
        format!(
            "2026-Q4,2026-11-26,user,{},Eve,{}{}",
            w.eve.id,
            w.north,
            ",".repeat(18)
        )
    );
    // Revalidation: 304 while nothing changed.
    let etag = r.header("etag").unwrap();
    let again = app
        .get(&card_url(w.north, "&sort=-attainment_pct"))
        .token(&w.mgr.token)
        .header("accept", "text/csv")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status.as_u16(), 304);
}

#[actix_web::test]
async fn scorecard_etag_changes_with_a_sale() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let url = card_url(w.north, "");
    let r = app.get(&url).token(&w.ann.token).send().await;
    r.expect(200);
    let etag = r.header("etag").unwrap();
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("private, no-cache")
    );
    let same = app
        .get(&url)
        .token(&w.ann.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(same.status.as_u16(), 304);
    let c = account(&app, &w.org, "Globex", w.eve.id).await;
    push(
        &app,
        &w.org,
        vec![sale("e1", &c, "2026-11-26", "100", "invoice")],
    )
    .await;
    let changed = app
        .get(&url)
        .token(&w.ann.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(
        changed.expect(200)["team"]["targets"][0]["actual"],
        "62100.00"
    );
}

#[actix_web::test]
async fn who_sees_which_scorecard() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // A salesperson: their own team, which is the default.
    let v = app
        .get("/v1/scorecards?period=2026-Q4&as_of=2026-11-26")
        .token(&w.ann.token)
        .send()
        .await
        .expect(200);
    assert_eq!(v["team_id"], w.north.to_string());
    app.get(&card_url(w.south, ""))
        .token(&w.ann.token)
        .send()
        .await
        .problem(404, "not_found");
    // Another team's manager, another team's salesperson.
    app.get(&card_url(w.north, ""))
        .token(&w.south_mgr.token)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&card_url(w.north, ""))
        .token(&w.dan.token)
        .send()
        .await
        .problem(404, "not_found");
    // Bob is in South today.
    app.get(&card_url(w.south, ""))
        .token(&w.bob.token)
        .send()
        .await
        .expect(200);
    // Viewers and read clients see every team; a client without `read` does not.
    let viewer = app.person(&w.org, "viewer", None).await;
    app.get(&card_url(w.north, ""))
        .token(&viewer.token)
        .send()
        .await
        .expect(200);
    let (reader, _) = app.client(&w.org, &["read"]).await;
    let reader = app.sign(w.org.id, "client", reader, Some("read"));
    app.get(&card_url(w.north, ""))
        .token(&reader)
        .send()
        .await
        .expect(200);
    let (writer, _) = app.client(&w.org, &["sales:write"]).await;
    let writer = app.sign(w.org.id, "client", writer, Some("sales:write"));
    app.get(&card_url(w.north, ""))
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    // Another organisation's admin.
    let other = app.org("Other").await;
    app.get(&card_url(w.north, ""))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");
    // No token.
    assert_eq!(
        app.get(&card_url(w.north, "")).send().await.status.as_u16(),
        401
    );
}

#[actix_web::test]
async fn bad_scorecard_requests_are_problems() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let bad = |q: String| {
        let app = &app;
        let token = w.org.admin.clone();
        async move {
            app.get(&format!("/v1/scorecards?{q}"))
                .token(&token)
                .send()
                .await
        }
    };
    let v = bad(format!("period=2026-Q9&team_id={}", w.north))
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["code"], "unknown_period");
    // The admin is in no team: the team must be named.
    let v = bad("period=2026-Q4".into())
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "team_id");
    bad(format!("period=2026-Q4&team_id={}&sort=best", w.north))
        .await
        .problem(400, "invalid_query");
    bad(format!(
        "period=2026-Q4&team_id={}&as_of=0999-12-31",
        w.north
    ))
    .await
    .problem(400, "invalid_query");
    bad(format!("team_id={}", w.north))
        .await
        .problem(400, "invalid_query");
    bad("period=2026-Q4&team_id=not-a-uuid".into())
        .await
        .problem(400, "invalid_query");
    bad(format!("period=2026-Q4&team_id={}", Uuid::now_v7()))
        .await
        .problem(404, "not_found");
}
