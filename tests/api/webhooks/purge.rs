//! `onpace demo --reset` drops the demo's webhook endpoints and their
//! deliveries with the rest of it, and nobody else's.

use super::*;

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(app: &TestApp, table: &str, org: Uuid) -> i64 {
    let n: N = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM {table} WHERE org_id = $1"
    ))
    .bind::<SqlUuid, _>(org)
    .get_result(&mut app.conn().await)
    .await
    .unwrap();
    n.n
}

#[actix_web::test]
async fn a_demo_reset_drops_the_demos_endpoints_and_deliveries() {
    let app = TestApp::new().await;
    let acme = app.org("Acme").await;
    let kept = uuid(&hook(&app, &acme.admin, json!(["*"])).await["id"]);
    app.post(&format!("/v1/webhooks/{kept}/test"))
        .token(&acme.admin)
        .send()
        .await
        .expect(202);

    let on = internals::today_in("UTC");
    internals::demo_on(&app.db.url, false, on);
    let v = app
        .login("admin@demo.onpace.example.com", internals::DEMO_PASSWORD)
        .await
        .expect(200);
    let demo_admin = v["access_token"].as_str().unwrap().to_string();
    let me = app
        .get("/v1/me")
        .token(&demo_admin)
        .send()
        .await
        .expect(200);
    let demo = uuid(&me["org_id"]);
    let id = uuid(&hook(&app, &demo_admin, json!(["*"])).await["id"]);
    app.post(&format!("/v1/webhooks/{id}/test"))
        .token(&demo_admin)
        .send()
        .await
        .expect(202);
    assert_eq!(count(&app, "webhooks", demo).await, 1);
    assert_eq!(count(&app, "webhook_deliveries", demo).await, 1);

    internals::demo_on(&app.db.url, true, on);
    assert_eq!(count(&app, "webhooks", demo).await, 0);
    assert_eq!(count(&app, "webhook_deliveries", demo).await, 0);
    assert_eq!(count(&app, "webhooks", acme.id).await, 1);
    assert_eq!(count(&app, "webhook_deliveries", acme.id).await, 1);
}
