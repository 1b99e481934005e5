//! Every published event becomes a delivery for each enabled endpoint that
//! asked for its type, in the transaction that published it.

use std::collections::BTreeMap;

use super::*;

#[actix_web::test]
async fn a_new_user_is_delivered_to_the_endpoints_that_asked_for_it() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let named = uuid(&hook(&app, &org.admin, json!(["user.created"])).await["id"]);
    let all = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);
    let sales = uuid(&hook(&app, &org.admin, json!(["sale.voided"])).await["id"]);
    let off = uuid(&hook(&app, &org.admin, json!(["user.created"])).await["id"]);
    app.patch(&format!("/v1/webhooks/{off}"))
        .token(&org.admin)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .expect(200);
    let elsewhere = uuid(&hook(&app, &other.admin, json!(["*"])).await["id"]);

    let person = app.person(&org, "salesperson", Some("farmer")).await;

    let rows = delivery_rows(&app, org.id).await;
    let by_hook: BTreeMap<Uuid, &Row> = rows.iter().map(|r| (r.webhook_id, r)).collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        by_hook.keys().copied().collect::<Vec<_>>(),
        {
            let mut v = vec![named, all];
            v.sort();
            v
        },
        "not {sales} (another type), not {off} (disabled)"
    );
    for r in &rows {
        assert_eq!(r.event_type, "user.created");
        assert_eq!(r.status, "pending");
        let b: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(b["type"], "user.created");
        assert_eq!(uuid(&b["data"]["user_id"]), person.id);
    }
    assert_eq!(
        uuid(&serde_json::from_str::<Value>(&rows[0].body).unwrap()["id"]),
        uuid(&serde_json::from_str::<Value>(&rows[1].body).unwrap()["id"]),
        "one event, two deliveries"
    );
    assert!(
        delivery_rows(&app, other.id).await.is_empty(),
        "another organisation's endpoint ({elsewhere}) hears nothing"
    );

    // Each endpoint's log shows its own delivery.
    let log = app
        .get(&format!("/v1/webhooks/{all}/deliveries"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(log["data"].as_array().unwrap().len(), 1);
    assert_eq!(log["data"][0]["event_type"], "user.created");
    let none = app
        .get(&format!("/v1/webhooks/{sales}/deliveries"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(none["data"], json!([]));
}
