//! Registering, listing, reading, changing and deleting endpoints; the secret
//! is shown once and stored sealed.

use std::collections::BTreeSet;

use super::*;
use base64::Engine;

#[actix_web::test]
async fn an_admin_registers_an_endpoint_and_sees_its_secret_once() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;

    let r = create(
        &app,
        &org.admin,
        json!({"url": format!("  {HOOK}  "), "event_types": ["user.created", "sale.voided", "user.created"],
               "description": "  CRM sync "}),
    )
    .await;
    let v = r.expect(201);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let id = uuid(&v["id"]);
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(r.header("location"), Some(format!("/v1/webhooks/{id}")));
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(v["url"], HOOK, "trimmed");
    assert_eq!(v["event_types"], json!(["user.created", "sale.voided"]));
    assert_eq!(v["description"], "CRM sync");
    assert_eq!(v["enabled"], true);
    assert_eq!(v["version"], 1);
    for absent in [
        "disabled_reason",
        "failing_since",
        "previous_secret_expires_at",
    ] {
        assert!(v[absent].is_null(), "{absent}: {v}");
    }
    assert!(v["created_at"].is_string() && v["updated_at"].is_string());
    let secret = v["secret"].as_str().unwrap().to_string();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .unwrap();
    assert_eq!(raw.len(), 32);

    // Sealed in the database: neither the secret nor its bytes are there, and
    // it opens for this endpoint only.
    let stored = secrets(&app, org.id, id).await;
    assert!(!stored
        .secret
        .windows(secret.len())
        .any(|w| w == secret.as_bytes()));
    assert!(!stored
        .secret
        .windows(raw.len())
        .any(|w| w == raw.as_slice()));
    assert_eq!(
        app.state.sealer.open(org.id, id, &stored.secret).as_deref(),
        Ok(secret.as_str())
    );
    assert!(app
        .state
        .sealer
        .open(org.id, Uuid::now_v7(), &stored.secret)
        .is_err());
    assert!(stored.previous_secret.is_none() && stored.previous_until.is_none());

    // Never shown again: not by one, not in the list.
    let r = app
        .get(&format!("/v1/webhooks/{id}"))
        .token(&org.admin)
        .send()
        .await;
    let one = r.expect(200);
    assert!(!String::from_utf8_lossy(&r.body).contains(&secret));
    assert!(one.get("secret").is_none(), "{one}");
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(one["event_types"], v["event_types"]);
    assert_eq!(one["description"], "CRM sync");

    let second = hook(&app, &org.admin, json!(["*"])).await;
    assert_ne!(second["secret"], v["secret"]);
    assert!(second["description"].is_null());
    let r = app.get("/v1/webhooks").token(&org.admin).send().await;
    let list = r.expect(200);
    assert!(!String::from_utf8_lossy(&r.body).contains(&secret));
    assert!(list["next_cursor"].is_null());
    let data = list["data"].as_array().unwrap();
    assert_eq!(
        data.iter().map(|w| uuid(&w["id"])).collect::<Vec<_>>(),
        vec![id, uuid(&second["id"])],
        "oldest first"
    );
    assert!(data.iter().all(|w| w.get("secret").is_none()));
}

#[actix_web::test]
async fn endpoints_are_listed_page_by_page() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mut made = BTreeSet::new();
    for _ in 0..5 {
        made.insert(uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]));
    }
    let (rows, pages) = app.pages(&org.admin, "/v1/webhooks", "", 2).await;
    // 5 endpoints in pages of 2: 2 + 2 + 1.
    assert_eq!(pages, 3);
    assert_eq!(
        rows.iter().map(|r| uuid(&r["id"])).collect::<BTreeSet<_>>(),
        made
    );
    app.get("/v1/webhooks?limit=0")
        .token(&org.admin)
        .send()
        .await
        .expect(422);
    app.get("/v1/webhooks?cursor=nope")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_cursor");
}

#[actix_web::test]
async fn an_endpoint_is_changed_with_its_etag() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let v = hook(&app, &org.admin, json!(["user.created"])).await;
    let id = uuid(&v["id"]);
    let path = format!("/v1/webhooks/{id}");

    let r = app
        .patch(&path)
        .token(&org.admin)
        .header("if-match", "\"1\"")
        .json(
            &json!({"url": "https://93.184.215.15/other", "event_types": ["*"],
                      "description": "Data warehouse", "enabled": false}),
        )
        .send()
        .await;
    let changed = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(changed["url"], "https://93.184.215.15/other");
    assert_eq!(changed["event_types"], json!(["*"]));
    assert_eq!(changed["description"], "Data warehouse");
    assert_eq!(changed["enabled"], false);
    assert!(
        changed["disabled_reason"].is_null(),
        "disabled by hand: no reason"
    );
    assert_eq!(changed["version"], 2);
    assert!(changed.get("secret").is_none());

    // A stale ETag is refused; an invalid change is refused as invalid first.
    app.patch(&path)
        .token(&org.admin)
        .header("if-match", "\"1\"")
        .json(&json!({"enabled": true}))
        .send()
        .await
        .problem(412, "version_mismatch");
    app.patch(&path)
        .token(&org.admin)
        .header("if-match", "\"1\"")
        .json(&json!({"event_types": []}))
        .send()
        .await
        .problem(422, "validation_failed");
    app.patch(&path)
        .token(&org.admin)
        .header("if-match", "\"1\"")
        .json(&json!({"url": "https://127.0.0.1/x"}))
        .send()
        .await
        .problem(422, "webhook_url_refused");

    // The description is removed with null; nothing asked changes nothing.
    let v = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"description": null}))
        .send()
        .await
        .expect(200);
    assert!(v["description"].is_null());
    assert_eq!(v["version"], 3);
    let same = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({}))
        .send()
        .await
        .expect(200);
    assert_eq!(same["version"], 3);
    let got = app.get(&path).token(&org.admin).send().await.expect(200);
    assert_eq!(got["url"], "https://93.184.215.15/other");
    assert_eq!(got["enabled"], false);
}

#[actix_web::test]
async fn enabling_again_an_endpoint_the_service_disabled_clears_why() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let id = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);
    diesel::sql_query(
        "UPDATE webhooks SET enabled = false, disabled_reason = 'failing', \
         failing_since = now() - interval '25 hours' WHERE id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    let path = format!("/v1/webhooks/{id}");
    let v = app.get(&path).token(&org.admin).send().await.expect(200);
    assert_eq!(v["enabled"], false);
    assert_eq!(v["disabled_reason"], "failing");
    assert!(v["failing_since"].is_string());

    let v = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"enabled": true}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["enabled"], true);
    assert!(v["disabled_reason"].is_null(), "{v}");
    assert!(v["failing_since"].is_null(), "{v}");
}

#[actix_web::test]
async fn a_deleted_endpoint_is_gone_with_its_deliveries() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let keep = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);
    let id = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);
    for w in [keep, id] {
        app.post(&format!("/v1/webhooks/{w}/test"))
            .token(&org.admin)
            .send()
            .await
            .expect(202);
    }
    assert_eq!(delivery_rows(&app, org.id).await.len(), 2);

    let r = app
        .delete(&format!("/v1/webhooks/{id}"))
        .token(&org.admin)
        .send()
        .await;
    assert_eq!(r.status.as_u16(), 204);
    assert!(r.body.is_empty());
    app.get(&format!("/v1/webhooks/{id}"))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.delete(&format!("/v1/webhooks/{id}"))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("/v1/webhooks/{id}/deliveries"))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    let left = delivery_rows(&app, org.id).await;
    assert_eq!(left.len(), 1, "the other endpoint's delivery stays");
    assert_eq!(left[0].webhook_id, keep);
    let list = app
        .get("/v1/webhooks")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}
