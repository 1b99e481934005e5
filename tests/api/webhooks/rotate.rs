//! Rotating an endpoint's secret: the new one is shown once, the old one keeps
//! signing beside it for 24 hours, and a second rotation drops the oldest.

use super::*;
use chrono::{Duration, Utc};

async fn rotate(app: &TestApp, token: &str, id: Uuid) -> Value {
    let r = app
        .post(&format!("/v1/webhooks/{id}/rotate-secret"))
        .token(token)
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(r.header("etag"), Some(format!("\"{}\"", v["version"])));
    v
}

#[actix_web::test]
async fn the_old_secret_keeps_signing_for_24_hours_beside_the_new_one() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let v = hook(&app, &org.admin, json!(["*"])).await;
    let id = uuid(&v["id"]);
    let first = v["secret"].as_str().unwrap().to_string();

    let before = Utc::now();
    let r = rotate(&app, &org.admin, id).await;
    let after = Utc::now();
    let second = r["secret"].as_str().unwrap().to_string();
    assert!(second.starts_with("whsec_") && second != first);
    assert_eq!(r["version"], 2);
    let expires: chrono::DateTime<Utc> = r["previous_secret_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        expires >= before + Duration::hours(24) && expires <= after + Duration::hours(24),
        "{expires}"
    );

    // Both open from the row: the new one as the secret, the old one as the previous.
    let s = secrets(&app, org.id, id).await;
    let open = |b: &[u8]| app.state.sealer.open(org.id, id, b).unwrap();
    assert_eq!(open(&s.secret), second);
    assert_eq!(open(s.previous_secret.as_deref().unwrap()), first);
    assert_eq!(
        s.previous_until.unwrap().timestamp_micros(),
        expires.timestamp_micros()
    );

    // The read shows the rotation in progress, never a secret.
    let r2 = app
        .get(&format!("/v1/webhooks/{id}"))
        .token(&org.admin)
        .send()
        .await;
    let got = r2.expect(200);
    assert_eq!(
        got["previous_secret_expires_at"],
        r["previous_secret_expires_at"]
    );
    let text = String::from_utf8_lossy(&r2.body).to_string();
    assert!(!text.contains(&first) && !text.contains(&second));

    // Rotating again during the overlap: the one just replaced becomes the
    // previous, the first is dropped.
    let third = rotate(&app, &org.admin, id).await["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let s = secrets(&app, org.id, id).await;
    assert_eq!(open(&s.secret), third);
    assert_eq!(open(s.previous_secret.as_deref().unwrap()), second);

    // Once the overlap is over, no rotation is in progress.
    diesel::sql_query(
        "UPDATE webhooks SET previous_until = now() - interval '1 second' WHERE id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    let got = app
        .get(&format!("/v1/webhooks/{id}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert!(got["previous_secret_expires_at"].is_null(), "{got}");
}

#[actix_web::test]
async fn a_client_with_webhooks_manage_rotates_and_an_unknown_endpoint_is_404() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let (_, token) = app.client_token(&org, &["webhooks:manage"]).await;
    let id = uuid(&hook(&app, &token, json!(["*"])).await["id"]);
    rotate(&app, &token, id).await;
    app.post(&format!("/v1/webhooks/{}/rotate-secret", Uuid::now_v7()))
        .token(&token)
        .send()
        .await
        .problem(404, "not_found");
}
