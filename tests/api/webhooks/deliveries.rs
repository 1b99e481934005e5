//! The test ping, the deliveries log, and redelivery.

use std::collections::BTreeSet;

use super::*;

#[actix_web::test]
async fn a_test_ping_is_a_pending_delivery_for_that_endpoint_only() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let id = uuid(&hook(&app, &org.admin, json!(["user.created"])).await["id"]);
    let other = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);

    let v = app
        .post(&format!("/v1/webhooks/{id}/test"))
        .token(&org.admin)
        .send()
        .await
        .expect(202);
    let delivery = uuid(&v["id"]);
    assert_eq!(uuid(&v["webhook_id"]), id);
    assert_eq!(v["event_type"], "webhook.test");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["attempts"], 0);
    assert!(v["next_attempt_at"].is_string());
    for none in [
        "last_attempt_at",
        "http_status",
        "duration_ms",
        "response",
        "error",
    ] {
        assert!(v[none].is_null(), "{none}: {v}");
    }
    let event = uuid(&v["event_id"]);
    assert_eq!(event.get_version_num(), 7);

    // One row, for this endpoint; its body is the event as every event is sent.
    let rows = delivery_rows(&app, org.id).await;
    assert_eq!(rows.len(), 1, "the other endpoint (all types) gets no ping");
    assert_eq!((rows[0].id, rows[0].webhook_id), (delivery, id));
    assert_ne!(rows[0].webhook_id, other);
    assert_eq!(rows[0].event_type, "webhook.test");
    let body = &rows[0].body;
    let at = |k: &str| body.find(&format!("\"{k}\"")).unwrap();
    assert!(at("id") < at("type") && at("type") < at("timestamp") && at("timestamp") < at("data"));
    let b: Value = serde_json::from_str(body).unwrap();
    assert_eq!(uuid(&b["id"]), event);
    assert_eq!(b["type"], "webhook.test");
    assert_eq!(
        b["data"],
        json!({"webhook_id": id, "requested_by": org.admin_id})
    );

    // Not in the feed.
    let feed = app
        .get("/v1/events")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert!(feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["type"] != "webhook.test"));

    // In the log, and by itself.
    let log = app
        .get(&format!("/v1/webhooks/{id}/deliveries"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(log["data"].as_array().unwrap().len(), 1);
    assert_eq!(log["data"][0], v);
    let one = app
        .get(&format!("/v1/webhooks/{id}/deliveries/{delivery}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(one, v);
    // Not under another endpoint.
    app.get(&format!("/v1/webhooks/{other}/deliveries/{delivery}"))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");

    // A client pings too, and is named by no one.
    let (_, client) = app.client_token(&org, &["webhooks:manage"]).await;
    app.post(&format!("/v1/webhooks/{id}/test"))
        .token(&client)
        .send()
        .await
        .expect(202);
    let rows = delivery_rows(&app, org.id).await;
    let b: Value = serde_json::from_str(&rows[1].body).unwrap();
    assert!(b["data"]["requested_by"].is_null());
}

#[actix_web::test]
async fn a_disabled_endpoint_is_not_pinged() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let id = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);
    app.patch(&format!("/v1/webhooks/{id}"))
        .token(&org.admin)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .expect(200);
    app.post(&format!("/v1/webhooks/{id}/test"))
        .token(&org.admin)
        .send()
        .await
        .problem(409, "webhook_disabled");
    assert!(delivery_rows(&app, org.id).await.is_empty());
}

#[actix_web::test]
async fn the_log_is_newest_first_paged_and_filtered_by_status() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let id = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);
    let mut made = Vec::new();
    for _ in 0..5 {
        let v = app
            .post(&format!("/v1/webhooks/{id}/test"))
            .token(&org.admin)
            .send()
            .await
            .expect(202);
        made.push(uuid(&v["id"]));
    }
    settle(&app, made[0], "delivered", 1).await;
    settle(&app, made[1], "failed", 8).await;
    let path = format!("/v1/webhooks/{id}/deliveries");

    let (rows, pages) = app.pages(&org.admin, &path, "", 2).await;
    // 5 deliveries in pages of 2: 2 + 2 + 1, newest first.
    assert_eq!(pages, 3);
    let listed: Vec<Uuid> = rows.iter().map(|r| uuid(&r["id"])).collect();
    let mut newest_first = made.clone();
    newest_first.reverse();
    assert_eq!(listed, newest_first);

    let ids = |q: &'static str| {
        let app = &app;
        let path = path.clone();
        let token = org.admin.clone();
        async move { app.listed(&token, &path, q).await }
    };
    assert_eq!(ids("&status=delivered").await, BTreeSet::from([made[0]]));
    assert_eq!(ids("&status=failed").await, BTreeSet::from([made[1]]));
    assert_eq!(ids("&status=pending").await, set(&made[2..]));
    let failed = app
        .get(&format!("{path}?status=failed"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let f = &failed["data"][0];
    assert_eq!(
        (
            &f["attempts"],
            &f["http_status"],
            &f["duration_ms"],
            &f["response"]
        ),
        (&json!(8), &json!(500), &json!(12), &json!("oops"))
    );
    assert!(f["next_attempt_at"].is_null() && f["last_attempt_at"].is_string());

    let bad = app
        .get(&format!("{path}?status=lost"))
        .token(&org.admin)
        .send()
        .await;
    assert!(matches!(bad.status.as_u16(), 400 | 422), "{}", bad.status);
    bad.expect(bad.status.as_u16());
    app.get(&format!("{path}?limit=201"))
        .token(&org.admin)
        .send()
        .await
        .expect(422);
    app.get(&format!("{path}?cursor=%%%"))
        .token(&org.admin)
        .send()
        .await
        .expect(400);
}

#[actix_web::test]
async fn a_delivered_or_failed_delivery_is_redelivered_with_its_event() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let id = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);
    let ping = |token: String| {
        let app = &app;
        async move {
            app.post(&format!("/v1/webhooks/{id}/test"))
                .token(&token)
                .send()
                .await
                .expect(202)
        }
    };
    let first = ping(org.admin.clone()).await;
    let second = ping(org.admin.clone()).await;
    let (a, b) = (uuid(&first["id"]), uuid(&second["id"]));
    let redeliver = |d: Uuid| app.post(&format!("/v1/webhooks/{id}/deliveries/{d}/redeliver"));

    // Pending: already on its way.
    redeliver(a)
        .token(&org.admin)
        .send()
        .await
        .problem(409, "delivery_pending");

    settle(&app, a, "failed", 8).await;
    settle(&app, b, "delivered", 1).await;
    let before = delivery_rows(&app, org.id).await;
    for d in [a, b] {
        let v = redeliver(d).token(&org.admin).send().await.expect(202);
        assert_eq!(uuid(&v["id"]), d);
        assert_eq!(v["status"], "pending");
        assert_eq!(v["attempts"], 0, "the whole retry schedule again");
        assert!(v["next_attempt_at"].is_string());
    }
    // The same event and body, no new delivery.
    let after = delivery_rows(&app, org.id).await;
    assert_eq!(after.len(), 2);
    for (x, y) in before.iter().zip(&after) {
        assert_eq!((x.id, &x.body), (y.id, &y.body));
        assert_eq!(y.attempts, 0);
        assert_eq!(y.status, "pending");
    }
    let got = app
        .get(&format!("/v1/webhooks/{id}/deliveries/{a}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(got["event_id"], first["event_id"]);
    assert_eq!(got["status"], "pending");

    // Unknown deliveries, and a disabled endpoint.
    redeliver(Uuid::now_v7())
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    settle(&app, a, "failed", 9).await;
    app.patch(&format!("/v1/webhooks/{id}"))
        .token(&org.admin)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .expect(200);
    redeliver(a)
        .token(&org.admin)
        .send()
        .await
        .problem(409, "webhook_disabled");
}
