//! Failed attempts: tried again after the back-off, each attempt logged; a
//! receiver that does not answer in time fails the attempt; a long answer is
//! read no further than needed.

use std::time::{Duration, Instant};

use chrono::TimeDelta;

use super::*;

#[actix_web::test]
async fn a_failed_delivery_is_tried_again_after_the_back_off_until_delivered() {
    let app = app().await;
    let org = app.org("Retries").await;
    let rx = Receiver::start(&[
        Answer::Status(500),
        Answer::Body(503, b"busy".to_vec()),
        Answer::Status(200),
    ])
    .await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    user_created(&app, &org).await;
    let w = worker(&app, |s| s);
    let t0 = clock(1);

    assert_eq!(w.run_once_at(t0).await.unwrap(), 1);
    let d = &deliveries(&app, hook).await[0];
    assert_eq!(
        (d.status.as_str(), d.attempts, d.http_status),
        ("pending", 1, Some(500))
    );
    assert_eq!(
        d.error.as_deref(),
        Some("answered 500 Internal Server Error")
    );
    assert_eq!(d.last_attempt_at, Some(t0));
    // About 5 s later: 4.5 s to 5.5 s.
    let wait = d.next_attempt_at.unwrap() - t0;
    assert!(
        wait >= TimeDelta::milliseconds(4500) && wait <= TimeDelta::milliseconds(5500),
        "{wait}"
    );
    // Not due yet a second later.
    assert_eq!(w.run_once_at(t0 + TimeDelta::seconds(1)).await.unwrap(), 0);

    let t1 = t0 + TimeDelta::seconds(6);
    assert_eq!(w.run_once_at(t1).await.unwrap(), 1);
    let d = &deliveries(&app, hook).await[0];
    assert_eq!(
        (d.status.as_str(), d.attempts, d.http_status),
        ("pending", 2, Some(503))
    );
    assert_eq!(d.response.as_deref(), Some("busy"));
    // About 5 min later: 270 s to 330 s.
    let wait = d.next_attempt_at.unwrap() - t1;
    assert!(
        wait >= TimeDelta::seconds(270) && wait <= TimeDelta::seconds(330),
        "{wait}"
    );
    assert_eq!(
        w.run_once_at(t1 + TimeDelta::seconds(260)).await.unwrap(),
        0
    );

    assert_eq!(
        w.run_once_at(t1 + TimeDelta::seconds(331)).await.unwrap(),
        1
    );
    let d = &deliveries(&app, hook).await[0];
    assert_eq!(
        (d.status.as_str(), d.attempts, d.http_status),
        ("delivered", 3, Some(200))
    );
    assert_eq!((d.next_attempt_at, d.error.as_deref()), (None, None));
    // The same message three times.
    let seen = rx.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen
        .iter()
        .all(|s| s.header("webhook-id") == d.event_id.to_string() && s.body == d.body));
}

#[actix_web::test]
async fn a_delivery_is_given_up_after_eight_attempts() {
    let app = app().await;
    let org = app.org("Given up").await;
    let rx = Receiver::start(&[Answer::Status(500)]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    user_created(&app, &org).await;
    let w = worker(&app, |s| s);
    // Each wait of 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, a tenth longer
    // and a second: the eighth attempt comes 30.3 hours after the first.
    let mut at = Utc::now() + TimeDelta::seconds(1);
    for (attempt, wait) in [0, 6, 331, 1981, 7921, 19_801, 39_601, 39_601]
        .into_iter()
        .enumerate()
    {
        at += TimeDelta::seconds(wait);
        assert_eq!(
            w.run_once_at(at).await.unwrap(),
            1,
            "attempt {}",
            attempt + 1
        );
    }
    let d = &deliveries(&app, hook).await[0];
    assert_eq!((d.status.as_str(), d.attempts), ("failed", 8));
    assert_eq!(d.next_attempt_at, None);
    assert_eq!(w.run_once_at(at + TimeDelta::days(2)).await.unwrap(), 0);
    assert_eq!(rx.seen().len(), 8);
}

#[actix_web::test]
async fn a_receiver_that_does_not_answer_in_time_fails_the_attempt() {
    let app = app().await;
    let org = app.org("Timeout").await;
    let rx = Receiver::start(&[Answer::Hold]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    user_created(&app, &org).await;
    let w = worker(&app, |s| Settings {
        timeout: Duration::from_secs(1),
        ..s
    });
    let started = Instant::now();
    assert_eq!(w.tick().await.unwrap(), 1);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}");
    let d = &deliveries(&app, hook).await[0];
    assert_eq!((d.status.as_str(), d.attempts), ("pending", 1));
    assert_eq!(d.http_status, None);
    assert_eq!(d.error.as_deref(), Some("no answer within 1 s"));
    assert!(d.duration_ms.unwrap() >= 1000, "{:?}", d.duration_ms);
}

#[actix_web::test]
async fn a_long_answer_is_read_no_further_than_needed_and_its_first_kb_kept() {
    let app = app().await;
    let org = app.org("Long answer").await;
    let rx = Receiver::start(&[Answer::Body(200, vec![b'x'; 1024 * 1024])]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    user_created(&app, &org).await;
    assert_eq!(worker(&app, |s| s).tick().await.unwrap(), 1);
    let d = &deliveries(&app, hook).await[0];
    assert_eq!((d.status.as_str(), d.http_status), ("delivered", Some(200)));
    assert_eq!(d.response.as_deref(), Some("x".repeat(1024).as_str()));
}

#[actix_web::test]
async fn a_redirect_is_not_followed_and_fails_the_attempt() {
    let app = app().await;
    let org = app.org("Redirect").await;
    let rx = Receiver::start(&[Answer::Status(307)]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    user_created(&app, &org).await;
    assert_eq!(worker(&app, |s| s).tick().await.unwrap(), 1);
    let d = &deliveries(&app, hook).await[0];
    assert_eq!(
        (d.status.as_str(), d.attempts, d.http_status),
        ("pending", 1, Some(307))
    );
    assert_eq!(
        d.error.as_deref(),
        Some("answered 307 Temporary Redirect (redirects are not followed)")
    );
    assert_eq!(rx.seen().len(), 1);
}
