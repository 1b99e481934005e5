//! An endpoint whose deliveries have all failed for a day is disabled, and
//! says so with a `webhook.disabled` event; a delivered attempt ends a run of
//! failures.

use diesel::sql_types::Bool;

use super::*;

#[derive(Debug, QueryableByName)]
struct Endpoint {
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Nullable<Text>)]
    disabled_reason: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    failing_since: Option<DateTime<Utc>>,
}

async fn endpoint(app: &TestApp, id: Uuid) -> Endpoint {
    diesel::sql_query("SELECT enabled, disabled_reason, failing_since FROM webhooks WHERE id = $1")
        .bind::<SqlUuid, _>(id)
        .get_result(&mut app.conn().await)
        .await
        .unwrap()
}

#[actix_web::test]
async fn an_endpoint_failing_for_a_day_is_disabled_and_says_so() {
    let app = app().await;
    let org = app.org("Disabled").await;
    let rx = Receiver::start(&[Answer::Status(500)]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    exec(
        &app,
        "UPDATE webhooks SET failing_since = now() - interval '25 hours' WHERE id = $1",
        hook,
    )
    .await;
    user_created(&app, &org).await;
    user_created(&app, &org).await;
    let w = worker(&app, |s| Settings { in_flight: 1, ..s });
    assert_eq!(w.tick().await.unwrap(), 1);

    let e = endpoint(&app, hook).await;
    assert!(!e.enabled);
    assert_eq!(e.disabled_reason.as_deref(), Some("failing"));
    let events = feed(&app, &org.admin, "webhook.disabled", 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["data"]["webhook_id"], hook.to_string());
    assert_eq!(events[0]["data"]["url"], rx.url);
    // Its other delivery stays pending and is not sent while it is disabled.
    assert_eq!(
        w.run_once_at(Utc::now() + chrono::TimeDelta::days(1))
            .await
            .unwrap(),
        0
    );
    let d = deliveries(&app, hook).await;
    assert_eq!(
        d.iter()
            .map(|d| (d.status.as_str(), d.attempts))
            .collect::<Vec<_>>(),
        [("pending", 1), ("pending", 0)]
    );
    assert_eq!(rx.seen().len(), 1);
}

#[actix_web::test]
async fn a_run_of_failures_starts_at_the_first_and_ends_at_a_delivery() {
    let app = app().await;
    let org = app.org("Failing").await;
    let rx = Receiver::start(&[Answer::Status(500), Answer::Status(200)]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    user_created(&app, &org).await;
    let w = worker(&app, |s| s);
    let t0 = clock(1);
    assert_eq!(w.run_once_at(t0).await.unwrap(), 1);
    let e = endpoint(&app, hook).await;
    assert_eq!((e.enabled, e.failing_since), (true, Some(t0)));
    assert_eq!(
        w.run_once_at(t0 + chrono::TimeDelta::seconds(10))
            .await
            .unwrap(),
        1
    );
    let e = endpoint(&app, hook).await;
    assert_eq!((e.enabled, e.failing_since), (true, None));
}
