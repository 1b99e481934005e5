//! Paging with `after`, filtering by type, odd input, and a use case that
//! rolled back.

use super::*;

#[actix_web::test]
async fn the_feed_pages_after_the_last_event_seen_oldest_first() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let all = events(&app, admin, "").await;
    // The admin and six people, two teams (nothing), two accounts: at least 9.
    assert!(all.len() >= 9, "{all:#?}");
    // Page by page with `limit=2`: the same events, in the same order.
    let mut walked = Vec::new();
    let mut after = String::new();
    let mut pages = 0;
    loop {
        let v = page(&app, admin, &format!("limit=2{after}")).await;
        let data = v["data"].as_array().unwrap().clone();
        assert!(data.len() <= 2);
        pages += 1;
        if let Some(last) = data.last() {
            after = format!("&after={}", last["id"].as_str().unwrap());
        }
        walked.extend(data);
        if v["has_more"] == json!(false) {
            break;
        }
    }
    assert_eq!(ids(&walked), ids(&all));
    assert_eq!(pages, all.len().div_ceil(2));
    // After the last one: nothing yet, and no more.
    let v = page(&app, admin, &after[1..]).await;
    assert_eq!(v["data"], json!([]));
    assert_eq!(v["has_more"], false);
    // A new event comes after it.
    app.new_account(
        admin,
        &account_body("Northwind", "prospect", w.id("mate"), "2026-01-01"),
    )
    .await;
    settled(&app).await;
    let v = page(&app, admin, &after[1..]).await;
    assert_eq!(types(v["data"].as_array().unwrap()), ["account.created"]);
    assert_eq!(v["data"][0]["data"]["name"], "Northwind");
}

#[actix_web::test]
async fn the_feed_filters_by_a_list_of_types() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let all = events(&app, admin, "").await;
    let accounts = events(&app, admin, "type=account.created").await;
    assert_eq!(ids(&accounts), ids(&of_type(&all, "account.created")));
    assert_eq!(accounts.len(), 2);
    let both = events(&app, admin, "type=account.created,%20user.created").await;
    let expected: Vec<Value> = all
        .iter()
        .filter(|e| e["type"] == "account.created" || e["type"] == "user.created")
        .cloned()
        .collect();
    assert_eq!(ids(&both), ids(&expected));
    assert!(events(&app, admin, "type=sale.voided").await.is_empty());
}

#[actix_web::test]
async fn odd_queries_are_answered_with_problems() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let get = |q: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/v1/events?{q}"))
                .token(admin)
                .send()
                .await
        }
    };
    get("after=not-a-uuid").await.problem(400, "invalid_query");
    get("limit=lots").await.problem(400, "invalid_query");
    get("since=2026-01-01").await.problem(400, "invalid_query");
    get("type=user.created&type=account.created")
        .await
        .problem(400, "invalid_query");
    let v = get("after=0190a8c0-0000-7000-8000-000000000000")
        .await
        .problem(422, "validation_failed");
    assert_eq!(field_error(&v), pair("after", "unknown_event"));
    let v = get("type=target.agreed,target.exploded")
        .await
        .problem(422, "validation_failed");
    assert_eq!(field_error(&v), pair("type", "unknown_event_type"));
    for q in ["limit=0", "limit=201", "limit=-1"] {
        let v = get(q).await.problem(422, "validation_failed");
        assert_eq!(field_error(&v), pair("limit", "out_of_range"), "{q}");
    }
    // An event of another organisation is unknown here.
    let elsewhere = app.org("Globex").await;
    let theirs = events(&app, &elsewhere.admin, "").await;
    let r = app
        .get(&format!(
            "/v1/events?after={}",
            theirs[0]["id"].as_str().unwrap()
        ))
        .token(admin)
        .send()
        .await;
    assert_eq!(
        field_error(&r.problem(422, "validation_failed")),
        pair("after", "unknown_event")
    );
    // Without a token: 401.
    app.get("/v1/events")
        .send()
        .await
        .problem(401, "missing_token");
}

#[actix_web::test]
async fn a_use_case_that_rolls_back_leaves_no_event() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let before = events(&app, &org.admin, "").await;
    internals::create_user_rolled_back(
        &app.db.url,
        org.id,
        org.admin_id,
        json!({"email": "ghost@example.com", "name": "Ghost", "role": "viewer"}),
    )
    .await;
    // A later use case that commits, so that the feed has moved past the first.
    app.person(&org, "viewer", None).await;
    let after = events(&app, &org.admin, "").await;
    assert_eq!(after.len(), before.len() + 1, "{after:#?}");
    let last = after.last().unwrap();
    assert_eq!(last["type"], "user.created");
    assert_ne!(last["data"]["name"], "Ghost");
    assert!(after.iter().all(|e| e["data"]["name"] != "Ghost"));
}

#[actix_web::test]
async fn events_past_their_retention_are_purged() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    app.person(&org, "viewer", None).await;
    let all = events(&app, &org.admin, "").await;
    assert_eq!(all.len(), 2, "{all:#?}");
    let (old, young) = (uuid(&all[0]["id"]), uuid(&all[1]["id"]));
    // The first happened 36 days ago, the second 29: with 35 days kept, only
    // the first goes.
    let mut c = app.conn().await;
    for (id, days) in [(old, 36), (young, 29)] {
        diesel::sql_query(format!(
            "UPDATE events SET occurred_at = now() - interval '{days} days' WHERE id = '{id}'"
        ))
        .execute(&mut c)
        .await
        .expect("aged");
    }
    assert_eq!(
        internals::purge_expired_events(&app.state.pool, 35).await,
        1
    );
    assert_eq!(ids(&events(&app, &org.admin, "").await), [young]);
    // A client whose last event was purged is told so.
    let r = app
        .get(&format!("/v1/events?after={old}"))
        .token(&org.admin)
        .send()
        .await;
    assert_eq!(
        field_error(&r.problem(422, "validation_failed")),
        pair("after", "unknown_event")
    );
    // Never under 30 days, whatever is asked: 29 days old stays.
    assert_eq!(internals::purge_expired_events(&app.state.pool, 1).await, 0);
}
