//! Workers work from rows: two at once never send one delivery twice, and a
//! worker killed while sending leaves the delivery to the next one once its
//! lease ends.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::sql_types::BigInt;

use super::*;

async fn count(app: &TestApp, sql: &str) -> i64 {
    let c: Count = diesel::sql_query(sql)
        .get_result(&mut app.conn().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    c.n
}

/// `n` deliveries to `hook`, each of an event of its own, written directly.
pub(crate) async fn many(app: &TestApp, org: Uuid, hook: Uuid, n: i64) {
    diesel::sql_query(
        "INSERT INTO webhook_deliveries (org_id, id, webhook_id, event_id, event_type, body) \
         SELECT $1, onpace_uuid_v7(), $2, e, 'user.created', \
                json_build_object('id', e, 'type', 'user.created', \
                                  'timestamp', '2026-12-03T10:00:00.000000Z', 'data', '{}'::json)::text \
           FROM (SELECT gen_random_uuid() AS e FROM generate_series(1, $3)) s",
    )
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(hook)
    .bind::<BigInt, _>(n)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
}

#[actix_web::test]
async fn two_workers_on_one_database_send_each_delivery_once() {
    let app = app().await;
    let org = app.org("Two workers").await;
    let rx = Receiver::start(&[Answer::Status(200)]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    many(&app, org.id, hook, 200).await;

    let mut stops = Vec::new();
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let w = worker(&app, |s| s);
        runs.push(tokio::spawn(w.run(async {
            let _ = stopped.await;
        })));
        stops.push(stop);
    }
    let until = Instant::now() + Duration::from_secs(60);
    let sql = "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered'";
    while count(&app, sql).await < 200 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for stop in stops {
        let _ = stop.send(());
    }
    for run in runs {
        run.await.unwrap();
    }
    assert_eq!(count(&app, sql).await, 200);
    let attempts = "SELECT count(*) AS n FROM webhook_deliveries WHERE attempts <> 1";
    assert_eq!(count(&app, attempts).await, 0);
    let mut ids: HashMap<String, usize> = HashMap::new();
    for s in rx.seen() {
        *ids.entry(s.header("webhook-id").to_string()).or_default() += 1;
    }
    assert_eq!(ids.len(), 200);
    assert!(ids.values().all(|n| *n == 1), "each exactly once");
}

/// `onpace worker` on the app's database, its lease `lease` seconds.
fn spawn_worker(app: &TestApp, lease: u64) -> Child {
    Command::new(env!("CARGO_BIN_EXE_onpace"))
        .arg("worker")
        .env("DATABASE_URL", &app.db.url)
        .env("ONPACE_SECRETS_KEY", STANDARD.encode(KEY))
        .env("ONPACE_WEBHOOK_ALLOW_INSECURE", "true")
        .env("ONPACE_WEBHOOK_LEASE_SECS", lease.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("onpace worker starts")
}

#[actix_web::test]
async fn a_delivery_whose_worker_died_mid_send_is_sent_again_after_the_lease() {
    let app = app().await;
    let org = app.org("Killed").await;
    let rx = Receiver::start(&[Answer::Hold, Answer::Status(200)]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    user_created(&app, &org).await;

    let mut first = spawn_worker(&app, 15);
    let seen = rx.wait_for(1, 30).await;
    assert_eq!(seen.len(), 1, "the first worker sent it");
    let killed_at = Instant::now();
    first.kill().unwrap();
    first.wait().unwrap();
    let d = &deliveries(&app, hook).await[0];
    assert_eq!((d.status.as_str(), d.attempts), ("pending", 1));

    let mut second = spawn_worker(&app, 15);
    let until = Instant::now() + Duration::from_secs(40);
    while deliveries(&app, hook).await[0].status != "delivered" && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();

    let d = &deliveries(&app, hook).await[0];
    assert_eq!(
        (d.status.as_str(), d.attempts, d.http_status),
        ("delivered", 2, Some(200))
    );
    let seen = rx.seen();
    assert_eq!(seen.len(), 2, "once per attempt");
    assert_eq!(seen[0].header("webhook-id"), seen[1].header("webhook-id"));
    assert_eq!(seen[0].header("webhook-id"), d.event_id.to_string());
    // Not before the first claim's lease (15 s from the first attempt) ended.
    assert!(
        seen[1].at >= seen[0].at + Duration::from_secs(14),
        "sent again {:?} after the kill",
        seen[1].at - killed_at.min(seen[1].at)
    );
}

#[actix_web::test]
async fn a_worker_is_woken_at_once_and_carries_on_when_its_connections_are_cut() {
    let app = app().await;
    let org = app.org("Woken").await;
    let rx = Receiver::start(&[Answer::Status(200)]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    // Polling once a minute: only a notification wakes it sooner.
    let w = worker(&app, |s| Settings {
        poll: Duration::from_secs(60),
        pause: Duration::from_millis(200),
        ..s
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(w.run(async {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(500)).await;

    user_created(&app, &org).await;
    assert_eq!(
        rx.wait_for(1, 5).await.len(),
        1,
        "woken by the notification"
    );

    // Every connection to the database but this one ends, as at a restart.
    let mut c = app.conn().await;
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
          WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut c)
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    user_created(&app, &org).await;
    assert_eq!(rx.wait_for(2, 15).await.len(), 2, "delivered after the cut");
    assert!(!run.is_finished());
    let _ = stop.send(());
    run.await.unwrap();
    let d = deliveries(&app, hook).await;
    assert!(d.iter().all(|d| d.status == "delivered"), "{d:?}");
}

#[actix_web::test]
async fn an_attempt_whose_claim_was_taken_over_is_not_recorded() {
    use onpace::webhooks::service::deliver::{claim, record, Outcome};
    let app = app().await;
    let org = app.org("Taken over").await;
    let rx = Receiver::start(&[Answer::Status(200)]).await;
    let (hook, _) = webhook(&app, org.id, &rx.url, &["user.created"]).await;
    user_created(&app, &org).await;
    // A worker claims it, then stalls past its lease.
    let stale = claim(&app.state.pool, None, 60.0, 10).await.unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(worker(&app, |s| s).tick().await.unwrap(), 0, "held");
    exec(
        &app,
        "UPDATE webhook_deliveries SET next_attempt_at = now() WHERE webhook_id = $1",
        hook,
    )
    .await;
    // Another takes it over and delivers it.
    assert_eq!(worker(&app, |s| s).tick().await.unwrap(), 1);
    let late = Outcome {
        delivered: false,
        http_status: Some(500),
        duration_ms: 70_000,
        response: None,
        error: Some("answered 500".into()),
    };
    assert!(!record(&app.state.pool, &stale[0], &late, None, 0.0)
        .await
        .unwrap());
    let d = &deliveries(&app, hook).await[0];
    assert_eq!(
        (d.status.as_str(), d.attempts, d.http_status),
        ("delivered", 2, Some(200))
    );
}
