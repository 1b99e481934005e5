//! Background work is shared: webhook deliveries and the daily pace sweep
//! claim their rows with `FOR UPDATE SKIP LOCKED`, so a worker or a sweep on
//! each instance never does one thing twice.

use std::collections::HashMap;

use crate::pace::sweep::{world, THU, WED};
use crate::pace::{at, pace_events};
use crate::webhooks_delivery::workers::many;
use crate::webhooks_delivery::{deliveries, webhook, worker, Answer, Receiver, KEY};

use super::*;

#[actix_web::test]
async fn a_worker_on_each_instance_sends_each_delivery_once() {
    let (a, b) = two(|c| Config {
        secrets_key: Some(KEY),
        webhook_allow_insecure: true,
        ..c
    })
    .await;
    let org = a.org("Two instances").await;
    let rx = Receiver::start(&[Answer::Status(200)]).await;
    let (hook, _) = webhook(&a, org.id, &rx.url, &["user.created"]).await;
    many(&a, org.id, hook, 60).await;

    let mut stops = Vec::new();
    let mut runs = Vec::new();
    for app in [&a, &b] {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        runs.push(tokio::spawn(worker(app, |s| s).run(async {
            let _ = stopped.await;
        })));
        stops.push(stop);
    }
    let delivered = |all: &[crate::webhooks_delivery::Delivery]| {
        all.iter().filter(|d| d.status == "delivered").count()
    };
    let until = Instant::now() + Duration::from_secs(60);
    while delivered(&deliveries(&b, hook).await) < 60 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for stop in stops {
        let _ = stop.send(());
    }
    for run in runs {
        run.await.unwrap();
    }
    let all = deliveries(&b, hook).await;
    assert_eq!(delivered(&all), 60);
    assert!(all.iter().all(|d| d.attempts == 1), "each tried once");
    let mut ids: HashMap<String, usize> = HashMap::new();
    for s in rx.seen() {
        *ids.entry(s.header("webhook-id").to_string()).or_default() += 1;
    }
    assert_eq!(ids.len(), 60);
    assert!(ids.values().all(|n| *n == 1), "each sent exactly once");
}

#[actix_web::test]
async fn a_sweep_on_each_instance_at_once_announces_a_pace_change_once() {
    let (a, b) = two(|c| c).await;
    // On track by Wednesday, behind on Thursday (2200 of 2400 expected, 91.67%).
    let w = world(&a, "Acme").await;
    assert_eq!(internals::sweep_pace(&a.state.pool, at(WED)).await, 1);
    let (on_a, on_b) = tokio::join!(
        internals::sweep_pace(&a.state.pool, at(THU)),
        internals::sweep_pace(&b.state.pool, at(THU)),
    );
    assert_eq!(on_a + on_b, 1, "one of them swept it ({on_a} and {on_b})");
    for app in [&a, &b] {
        let all = pace_events(app, &w.org.admin).await;
        assert_eq!(all.len(), 1, "{all:#?}");
        assert_eq!(all[0]["type"], "target.pace_changed");
        assert_eq!(all[0]["data"]["previous_status"], "on_track");
        assert_eq!(all[0]["data"]["status"], "behind");
    }
}
