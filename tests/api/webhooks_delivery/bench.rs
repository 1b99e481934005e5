//! Measurements run by `bench/webhooks.sh` (ignored by a plain test run):
//! how many deliveries a second one worker sustains to a local receiver, and
//! how long a sale written through the API takes to reach the receiver as its
//! `results.recorded` delivery. The worker and the receiver each run on
//! threads of their own, as they would in separate processes.

use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use serde_json::json;

use onpace::db;
use onpace::webhooks::secret::Sealer;

use super::*;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A receiver answering 200 on a runtime and thread of its own.
fn receiver_on_its_own_thread() -> Receiver {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            tx.send(Receiver::start(&[Answer::Status(200)]).await)
                .unwrap();
            std::future::pending::<()>().await
        });
    });
    rx.recv().unwrap()
}

/// A worker of its own (pool, runtime, thread) on the app's database, until
/// the returned sender is dropped.
fn worker_on_its_own_thread(app: &TestApp) -> tokio::sync::oneshot::Sender<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = app.state.config.as_ref().clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let connector = db::Connector::new(&config.database_url).unwrap();
            let pool = db::pool(&connector, 8, Duration::from_secs(5));
            let sealer = Arc::new(Sealer::new(config.secrets_key));
            let settings = Settings::from_config(&config);
            Worker::new(pool, connector, sealer, settings)
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
    });
    stop
}

async fn delivered(app: &TestApp) -> i64 {
    let c: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered'",
    )
    .get_result(&mut app.conn().await)
    .await
    .unwrap();
    c.n
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[actix_web::test]
#[ignore = "a measurement: run by bench/webhooks.sh"]
async fn measure_delivery_throughput_and_latency() {
    let deliveries_n = setting("BENCH_DELIVERIES", 2000);
    let sales_n = setting("BENCH_SALES", 200);
    let app = app().await;
    let s = Scenario::new("Bench")
        .salesperson("sp", "farmer")
        .customer("Contoso", "sp")
        .build(&app)
        .await;
    let org = s.org.id;
    let rx = receiver_on_its_own_thread();

    // (a) Throughput: pending deliveries, then one worker.
    let (hook, _) = webhook(&app, org, &rx.url, &["user.created"]).await;
    workers::many(&app, org, hook, deliveries_n as i64).await;
    let started = Instant::now();
    let stop = worker_on_its_own_thread(&app);
    while (delivered(&app).await as usize) < deliveries_n {
        assert!(started.elapsed() < Duration::from_secs(600), "too slow");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed().as_secs_f64();
    assert_eq!(rx.seen().len(), deliveries_n);
    println!(
        "BENCH throughput: {deliveries_n} deliveries in {took:.2} s = {:.0} deliveries/s (one worker, 16 in flight)",
        deliveries_n as f64 / took
    );
    exec(
        &app,
        "UPDATE webhooks SET enabled = false WHERE id = $1",
        hook,
    )
    .await;

    // (b) Latency: each sale through the API, then its results.recorded delivery.
    let (hook, _) = webhook(&app, org, &rx.url, &["results.recorded"]).await;
    let account = s.id("Contoso");
    let token = s.token("admin").to_string();
    let (mut from_sent, mut from_answered) = (Vec::new(), Vec::new());
    for i in 0..sales_n {
        let before = rx.seen().len();
        let sent = Instant::now();
        app.post("/v1/sales")
            .token(&token)
            .json(&json!({
                "external_id": format!("bench-{i}"), "source": "crm", "account_id": account,
                "occurred_on": "2026-11-02", "revenue": "100.00", "gross_profit": "40.00"
            }))
            .send()
            .await
            .expect(201);
        let answered = Instant::now();
        let seen = rx.wait_for(before + 1, 30).await;
        assert!(seen.len() > before, "sale {i} not delivered within 30 s");
        let arrived = seen[before].at;
        from_sent.push((arrived - sent).as_secs_f64() * 1000.0);
        from_answered.push(arrived.saturating_duration_since(answered).as_secs_f64() * 1000.0);
    }
    drop(stop);
    for v in [&mut from_sent, &mut from_answered] {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    println!(
        "BENCH latency over {sales_n} sales, from POST /v1/sales sent: median {:.1} ms, p99 {:.1} ms; from its 201 received: median {:.1} ms, p99 {:.1} ms",
        percentile(&from_sent, 0.5),
        percentile(&from_sent, 0.99),
        percentile(&from_answered, 0.5),
        percentile(&from_answered, 0.99),
    );
    let d = deliveries(&app, hook).await;
    assert_eq!(d.len(), sales_n);
}
