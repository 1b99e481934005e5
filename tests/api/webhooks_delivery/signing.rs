//! What arrives: the event as the feed hands it out, signed with the
//! endpoint's secret (and its previous one during a rotation).

use chrono::TimeDelta;
use serde_json::Value;

use super::*;

#[actix_web::test]
async fn a_delivery_is_the_event_signed_as_standard_webhooks_says() {
    let app = app().await;
    let org = app.org("Signing").await;
    let rx = Receiver::start(&[Answer::Status(204)]).await;
    let (hook, secret) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    let user = user_created(&app, &org).await;

    assert_eq!(worker(&app, |s| s).tick().await.unwrap(), 1);

    let seen = rx.seen();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.header("content-type"), "application/json");
    let body: Value = serde_json::from_str(&r.body).unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{body}");
    for k in ["id", "type", "timestamp", "data"] {
        assert!(keys.contains(&k), "{k} in {body}");
    }
    assert_eq!(body["type"], "user.created");
    assert_eq!(body["data"]["user_id"], user.to_string());
    // The webhook-id is the event's id, which the feed shows too.
    let id = r.header("webhook-id");
    assert_eq!(body["id"].as_str(), Some(id));
    // The admin's own creation, then the person's.
    let listed = feed(&app, &org.admin, "user.created", 2).await;
    assert!(
        listed.iter().any(|e| e["id"].as_str() == Some(id)),
        "{listed:?}"
    );
    // Sent now: within five minutes of the receiver's clock.
    let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
    assert!((Utc::now().timestamp() - ts).abs() <= 300, "{ts}");
    let sigs = signatures(r);
    assert_eq!(sigs.len(), 1, "{sigs:?}");
    assert!(signs(&secret, id, &ts.to_string(), &r.body, &sigs[0]));
    assert!(!signs(&generate(), id, &ts.to_string(), &r.body, &sigs[0]));

    let d = deliveries(&app, hook).await;
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].status.as_str(), d[0].attempts, d[0].http_status),
        ("delivered", 1, Some(204))
    );
    assert_eq!(d[0].event_id.to_string(), id);
    assert_eq!(d[0].event_type, "user.created");
    assert_eq!(d[0].body, r.body, "the stored body is what was sent");
    assert_eq!((d[0].next_attempt_at, d[0].error.as_deref()), (None, None));
    // A 204 has no body.
    assert_eq!(d[0].response.as_deref(), Some(""));
    assert!(d[0].last_attempt_at.is_some() && d[0].duration_ms.is_some());
}

#[actix_web::test]
async fn during_a_rotation_both_secrets_sign_until_the_previous_one_expires() {
    let app = app().await;
    let org = app.org("Rotation").await;
    let rx = Receiver::start(&[Answer::Status(200)]).await;
    let (hook, current) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    let previous = generate();
    let sealed = app.state.sealer.seal(org.id, hook, &previous);
    diesel::sql_query(
        "UPDATE webhooks SET previous_secret = $2, previous_until = now() + interval '1 hour' \
          WHERE id = $1",
    )
    .bind::<SqlUuid, _>(hook)
    .bind::<Bytea, _>(sealed)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    let w = worker(&app, |s| s);

    user_created(&app, &org).await;
    assert_eq!(w.tick().await.unwrap(), 1);
    let r = &rx.seen()[0];
    let (id, ts) = (r.header("webhook-id"), r.header("webhook-timestamp"));
    let sigs = signatures(r);
    assert_eq!(sigs.len(), 2, "{sigs:?}");
    assert!(signs(&current, id, ts, &r.body, &sigs[0]), "current first");
    assert!(signs(&previous, id, ts, &r.body, &sigs[1]));

    // Two hours on, the previous secret has expired.
    user_created(&app, &org).await;
    let later = Utc::now() + TimeDelta::hours(2);
    assert_eq!(w.run_once_at(later).await.unwrap(), 1);
    let r = &rx.seen()[1];
    let (id, ts) = (r.header("webhook-id"), r.header("webhook-timestamp"));
    let sigs = signatures(r);
    assert_eq!(sigs.len(), 1, "{sigs:?}");
    assert!(signs(&current, id, ts, &r.body, &sigs[0]));
    assert!(deliveries(&app, hook)
        .await
        .iter()
        .all(|d| d.status == "delivered"));
}

#[actix_web::test]
async fn a_redelivery_sends_the_same_event_again_signed_afresh() {
    let app = app().await;
    let org = app.org("Redelivery").await;
    let rx = Receiver::start(&[Answer::Status(200)]).await;
    let (hook, secret) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    user_created(&app, &org).await;
    let w = worker(&app, |s| s);
    assert_eq!(w.tick().await.unwrap(), 1);
    let first = deliveries(&app, hook).await;
    assert_eq!((first.len(), first[0].status.as_str()), (1, "delivered"));

    app.post(&format!(
        "/v1/webhooks/{hook}/deliveries/{}/redeliver",
        first[0].id
    ))
    .token(&org.admin)
    .send()
    .await
    .expect(202);
    assert_eq!(w.tick().await.unwrap(), 1);

    let seen = rx.seen();
    assert_eq!(seen.len(), 2);
    // The same event under the same webhook-id, so the receiver can tell it
    // has it already; each time signed with the endpoint's secret.
    assert_eq!(seen[0].header("webhook-id"), seen[1].header("webhook-id"));
    assert_eq!(seen[0].body, seen[1].body);
    for r in &seen {
        let sigs = signatures(r);
        let (id, ts) = (r.header("webhook-id"), r.header("webhook-timestamp"));
        assert!(signs(&secret, id, ts, &r.body, &sigs[0]));
    }
    let again = deliveries(&app, hook).await;
    assert_eq!(again.len(), 1, "the same delivery, not a new one");
    assert_eq!(
        (again[0].status.as_str(), again[0].attempts),
        ("delivered", 1)
    );
}
