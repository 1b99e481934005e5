//! Faults: a write that fails after its key was claimed, and deadlocks.

use super::*;

/// A write that fails with its database (the first time only, the server drops
/// every connection of the database in the middle of it, as a crash or a restart
/// does) is answered 503 and changes nothing; its retry with the same key runs at
/// once, stores each item once, and is then what the key replays.
#[actix_web::test]
async fn a_retry_after_a_write_failed_with_its_database_runs_at_once() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    // Connections in the pool, to be ended with the rest.
    let reads = (0..8).map(|_| app.get("/v1/accounts").token(&w.org.admin).send());
    for r in futures_util::future::join_all(reads).await {
        r.expect(200);
    }
    for sql in [
        "CREATE SEQUENCE fault_once",
        "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF nextval('fault_once') = 1 THEN \
             PERFORM pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
               WHERE datname = current_database() AND pid <> pg_backend_pid(); \
             PERFORM pg_terminate_backend(pg_backend_pid()); \
           END IF; RETURN NULL; END $$",
        "CREATE TRIGGER fault AFTER INSERT ON sales FOR EACH STATEMENT EXECUTE FUNCTION fault()",
    ] {
        diesel::sql_query(sql)
            .execute(&mut app.conn().await)
            .await
            .unwrap();
    }
    let items = json!([
        sale("F-1", w.acme, "2026-07-10", "100", "10"),
        sale("F-2", w.globex, "2026-07-11", "200", "20"),
    ]);
    let send = || {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", "fails-once")
            .json(&json!({ "items": items }))
            .send()
    };
    send().await.problem(503, "database_unavailable");
    assert_eq!(sales_count(&app, org).await, 0);
    let started = std::time::Instant::now();
    let r = send().await;
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(statuses(&r.expect(200)), strs(&["created", "created"]));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let again = send().await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, r.body);
    assert_eq!(sales_count(&app, org).await, 2);
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (w.sp1.id, "revenue", "2026-07-10", "100"),
            (w.sp1.id, "gross_profit", "2026-07-10", "10"),
            (w.sp2.id, "revenue", "2026-07-11", "200"),
            (w.sp2.id, "gross_profit", "2026-07-11", "20"),
        ])
    );
}

/// Eight batches at once over the same sales, each crediting them to people and
/// days in its own order: none is refused for a deadlock, every sale is stored
/// once, and the rollup is the ledger.
#[actix_web::test]
async fn eight_overlapping_batches_at_once_never_deadlock() {
    // A connection for each batch, so that all eight run at once.
    let app = TestApp::with(|c| onpace::Config {
        db_pool_size: 8,
        ..c
    })
    .await;
    let w = world(&app).await;
    let org = w.org.id;
    let people = [w.sp1.id, w.sp2.id, w.sp3.id];
    for round in 0..8usize {
        let batches = (0..8usize).map(|b| {
            // 16 of the round's 24 new keys, from a different start and direction
            // in each batch: each key is created by one batch and updated by others.
            let mut keys: Vec<usize> = (0..16).map(|i| round * 24 + (i + b * 3) % 24).collect();
            if b % 2 == 1 {
                keys.reverse();
            }
            let items: Vec<Value> = keys
                .into_iter()
                .map(|n| {
                    let mut item = sale(
                        &format!("D{n:03}"),
                        w.acme,
                        &format!("2026-10-{:02}", 1 + (n * 7 + b + round) % 5),
                        &(100 + 10 * round + b).to_string(),
                        "1",
                    );
                    item["salesperson_id"] = json!(people[(n + b + round) % 3]);
                    item
                })
                .collect();
            push(&app, &w.hubspot, json!(items))
        });
        let answers = futures_util::future::join_all(batches).await;
        let codes: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
        assert!(codes.iter().all(|c| *c == 200), "round {round}: {codes:?}");
        let stored = 24 * (round as i64 + 1);
        assert_eq!(sales_count(&app, org).await, stored);
        let r = assert_rollup_is_ledger(&app, org).await;
        // Every sale counts 1 of gross profit, once.
        let gp: Decimal = people
            .iter()
            .map(|p| total(&r, *p, "gross_profit", "2026-10-01", "2026-10-05"))
            .sum();
        assert_eq!(gp, Decimal::from(stored));
    }
}
