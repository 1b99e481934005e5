//! The successes feed, the demo's reviews, and odd input.

use super::*;

#[actix_web::test]
async fn the_successes_feed_merges_reviews_and_milestones() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let solo = one_to_one(&app, &w, "2026-11-20").await;
    let renewal = added(
        &app,
        &w.mgr.token,
        solo,
        json!({"type": "success", "text": "Contoso renewed", "size": "big"}),
    )
    .await;
    let v = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "team_id": w.north, "scheduled_for": "2026-11-24", "period": "2026-Q4"}),
    )
    .await
    .expect(201);
    let team = uuid(&v["id"]);
    let team_win = added(
        &app,
        &w.mgr.token,
        team,
        json!({"type": "success", "text": "Best week of the year"}),
    )
    .await;
    // Not successes: other item types, and successes of cancelled reviews.
    added(
        &app,
        &w.mgr.token,
        team,
        json!({"type": "strategy", "text": "Plan"}),
    )
    .await;
    let dropped = one_to_one(&app, &w, "2026-11-25").await;
    added(
        &app,
        &w.mgr.token,
        dropped,
        json!({"type": "success", "text": "Never mind"}),
    )
    .await;
    post(&app, &w.mgr.token, &format!("/v1/reviews/{dropped}/cancel"))
        .await
        .expect(200);
    let v = others_review(&app, &w, "2026-11-22").await;
    let south_win = added(
        &app,
        &w.mgr2.token,
        v,
        json!({"type": "success", "text": "Fabrikam signed"}),
    )
    .await;
    let milestone = insert_milestone(&app, &w, "2026-11-23").await;

    let feed = |token: String, q: String| {
        let app = &app;
        async move {
            app.get(&format!("/v1/successes?{q}"))
                .token(&token)
                .send()
                .await
                .expect(200)
        }
    };
    let all = feed(w.org.admin.clone(), String::new()).await;
    assert_eq!(
        ids(&all["data"]),
        vec![
            uuid(&team_win["id"]),
            milestone,
            uuid(&south_win["id"]),
            uuid(&renewal["id"])
        ]
    );
    let m = &all["data"][1];
    assert_eq!(
        (
            &m["source"],
            &m["kind"],
            &m["occurred_on"],
            &m["user_id"],
            &m["target_id"],
            &m["value"]
        ),
        (
            &json!("milestone"),
            &json!("target_achieved"),
            &json!("2026-11-23"),
            &json!(w.sp.id),
            &json!(w.target),
            &json!("20000.00")
        )
    );
    let r = &all["data"][3];
    assert_eq!(
        (
            &r["source"],
            &r["kind"],
            &r["size"],
            &r["review_id"],
            &r["occurred_on"]
        ),
        (
            &json!("review"),
            &json!("success"),
            &json!("big"),
            &json!(solo),
            &json!("2026-11-20")
        )
    );
    // Since a day, and by team (its members on the day of each success).
    let v = feed(w.org.admin.clone(), "since=2026-11-23".into()).await;
    assert_eq!(ids(&v["data"]), vec![uuid(&team_win["id"]), milestone]);
    let v = feed(w.org.admin.clone(), format!("team_id={}", w.south)).await;
    assert_eq!(ids(&v["data"]), vec![uuid(&south_win["id"])]);
    let v = feed(w.org.admin.clone(), format!("team_id={}", w.north)).await;
    assert_eq!(
        ids(&v["data"]),
        vec![uuid(&team_win["id"]), milestone, uuid(&renewal["id"])]
    );
    // Who sees what: the mate sees the team's success, not the one-to-one's nor
    // the salesperson's milestone; the salesperson sees their own.
    let v = feed(w.mate.token.clone(), String::new()).await;
    assert_eq!(ids(&v["data"]), vec![uuid(&team_win["id"])]);
    let v = feed(w.sp.token.clone(), String::new()).await;
    assert_eq!(
        ids(&v["data"]),
        vec![uuid(&team_win["id"]), milestone, uuid(&renewal["id"])]
    );
    let v = feed(w.mgr2.token.clone(), String::new()).await;
    assert_eq!(ids(&v["data"]), vec![uuid(&south_win["id"])]);
    let v = feed(w.client.clone(), String::new()).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 4);
    let v = feed(w.stranger.admin.clone(), String::new()).await;
    assert_eq!(v["data"], json!([]));
    // Pages of one, newest first.
    let seen = all_pages(&app, &w.viewer.token, "/v1/successes?limit=1").await;
    assert_eq!(seen, ids(&all["data"]));
    // The agenda of a later one-to-one shows the milestone among the successes
    // since the last review (there was none completed: since the period's start).
    let later = one_to_one(&app, &w, "2026-11-30").await;
    let a = agenda(&app, &w.sp.token, later).await;
    assert_eq!(
        ids(&a["participants"][0]["successes"]),
        vec![milestone, uuid(&renewal["id"])]
    );
}

#[actix_web::test]
async fn a_sale_that_takes_a_target_over_100_pct_appears_in_the_feed() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // 8,000 of 20,000 so far; 12,500 more takes the target to 102.5%.
    sale(&app, &w.org, w.account, "s3", "2026-11-13", "12500").await;
    let v = app
        .get("/v1/successes")
        .token(&w.sp.token)
        .send()
        .await
        .expect(200);
    let entry = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "target_achieved")
        .unwrap_or_else(|| panic!("no target_achieved entry: {v}"));
    assert_eq!(
        (&entry["source"], &entry["target_id"], &entry["user_id"]),
        (&json!("milestone"), &json!(w.target), &json!(w.sp.id))
    );
}

#[actix_web::test]
async fn the_demo_has_a_completed_review_and_an_upcoming_one() {
    let app = TestApp::new().await;
    internals::demo(&app.db.url);
    let login = app
        .login("maria@demo.onpace.example.com", internals::DEMO_PASSWORD)
        .await;
    let token = login.expect(200)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let list = app
        .get("/v1/reviews")
        .token(&token)
        .send()
        .await
        .expect(200);
    let reviews = list["data"].as_array().unwrap();
    let statuses: Vec<_> = reviews
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["completed", "scheduled"]);
    let upcoming = uuid(&reviews[1]["id"]);
    let a = agenda(&app, &token, upcoming).await;
    let p = &a["participants"][0];
    assert!(!p["targets"].as_array().unwrap().is_empty(), "{a}");
    assert_eq!(types(&p["open_items"]), ["action"]);
    // A hurdle recorded ahead; no success, which would be dated next week.
    assert_eq!(types(&a["items"]), ["hurdle"]);
    let last = uuid(&reviews[0]["id"]);
    let done = agenda(&app, &token, last).await;
    assert_eq!(done["frozen"], true);
    // Last week's: the open action first, then the strategy, the big success,
    // and the hurdle resolved in that review; all about Fiona's first account,
    // owned by her but for the strategy.
    assert_eq!(
        types(&done["items"]),
        ["action", "strategy", "success", "hurdle"]
    );
    let items = done["items"].as_array().unwrap();
    assert_eq!(
        (&items[0]["status"], &items[2]["size"], &items[3]["status"]),
        (&json!("open"), &json!("big"), &json!("resolved"))
    );
    assert_eq!(items[3]["closed_in_review_id"], json!(last));
    let fiona = &reviews[0]["salesperson_id"];
    let owners: Vec<_> = items.iter().map(|i| &i["owner_id"]).collect();
    assert_eq!(owners, [fiona, &Value::Null, fiona, fiona]);
    assert!(items.iter().all(|i| i["account_id"].is_string()), "{done}");
}

#[actix_web::test]
async fn odd_input_is_never_a_server_error() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = one_to_one(&app, &w, "2026-11-27").await;
    let action = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "action", "text": "Call", "due_on": "2026-12-01"}),
    )
    .await;
    let item = action["id"].as_str().unwrap().to_string();
    let odd = [
        json!(null),
        json!([]),
        json!("text"),
        json!(12),
        json!({}),
        json!({"type": null, "text": null}),
        json!({"type": "action", "text": "x", "due_on": "+275760-09-13"}),
        json!({"type": "action", "text": "x", "due_on": "2026-13-01"}),
        json!({"type": "success", "text": "\u{0}"}),
        json!({"type": "success", "text": "é".repeat(2000)}),
        json!({"type": "success", "text": "x".repeat(100_000)}),
        json!({"type": "success", "text": "x", "owner_id": "00000000-0000-0000-0000-000000000000"}),
        json!({"type": "success", "text": "x", "target_id": w.account, "account_id": w.target}),
        json!({"kind": "team", "team_id": w.sp.id, "scheduled_for": "2026-11-27", "period": "2026-Q4"}),
        json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": "9999-12-31", "period": "9998-Q4"}),
        json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": "2026-11-27", "period": "FY99999-Q1"}),
        json!({"status": "resolved"}),
        json!({"status": "done", "owner_id": w.other.id, "size": null, "due_on": null}),
        json!({"scheduled_for": null, "period": ""}),
    ];
    let paths = [
        ("POST", format!("/v1/reviews/{id}/items")),
        ("POST", "/v1/reviews".to_string()),
        ("PATCH", format!("/v1/reviews/{id}/items/{item}")),
        ("PATCH", format!("/v1/reviews/{id}")),
    ];
    for (method, path) in &paths {
        for body in &odd {
            let r = app
                .req(method.parse().unwrap(), path)
                .token(&w.mgr.token)
                .json(body)
                .send()
                .await;
            assert!(
                r.status.as_u16() < 500,
                "{method} {path} {body}: {}",
                String::from_utf8_lossy(&r.body)
            );
            if r.status.as_u16() >= 400 {
                r.expect(r.status.as_u16());
            }
        }
    }
    for q in [
        "team_id=&since=",
        "since=+275760-09-13",
        "since=2026-11-01&team_id=00000000-0000-0000-0000-000000000000",
        "limit=9999999999999999999999",
        "cursor=MjAyNi0xMS0wMV8wMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA",
    ] {
        for path in ["/v1/successes", "/v1/reviews"] {
            let r = app
                .get(&format!("{path}?{q}"))
                .token(&w.mgr.token)
                .send()
                .await;
            assert!(r.status.as_u16() < 500, "{path}?{q}");
        }
    }
}
