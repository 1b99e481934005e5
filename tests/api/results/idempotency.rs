//! Idempotency-Key.

use super::*;
use diesel_async::SimpleAsyncConnection;

/// Another transaction that locks `salesperson`'s rollup rows of money, holds them for
/// `hold_ms`, then locks the sale `then` too (when given) and commits. Returns
/// once the rollup rows are locked; the handle ends with the transaction.
async fn lock_rollup(
    app: &TestApp,
    salesperson: Uuid,
    hold_ms: u64,
    then: Option<Uuid>,
) -> tokio::task::JoinHandle<diesel::QueryResult<()>> {
    let mut c = app.conn().await;
    let (locked, on_lock) = tokio::sync::oneshot::channel();
    let blocker = actix_rt::spawn(async move {
        c.batch_execute("BEGIN").await?;
        diesel::sql_query("SELECT 1 FROM daily_sales WHERE salesperson_id = $1 FOR UPDATE")
            .bind::<SqlUuid, _>(salesperson)
            .execute(&mut c)
            .await?;
        locked.send(()).unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(hold_ms)).await;
        if let Some(sale) = then {
            diesel::sql_query("SELECT 1 FROM sales WHERE id = $1 FOR UPDATE")
                .bind::<SqlUuid, _>(sale)
                .execute(&mut c)
                .await?;
        }
        c.batch_execute("COMMIT").await
    });
    on_lock.await.unwrap();
    blocker
}

#[actix_web::test]
async fn an_idempotency_key_replays_the_first_answer_and_changes_nothing() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let items = json!([
        sale("INV-1", w.acme, "2026-07-10", "1000", "300"),
        sale("INV-2", w.globex, "2026-07-11", "500", "100"),
        sale("BAD", w.acme, "2025-01-01", "1", "1"),
    ]);
    let send = |token: String, key: &'static str, items: Value| {
        let app = &app;
        async move {
            app.post("/v1/sales/batch")
                .token(&token)
                .header("idempotency-key", key)
                .json(&json!({ "items": items }))
                .send()
                .await
        }
    };
    let first = send(w.hubspot.clone(), "k-1", items.clone()).await;
    let v = first.expect(200);
    assert_eq!(statuses(&v), strs(&["created", "created", "rejected"]));
    assert!(first.header("idempotent-replayed").is_none());
    let fp = ledger_fingerprint(&app, org).await;

    // Meanwhile INV-1 is corrected without a key.
    pushed(
        &app,
        &w.hubspot,
        json!([sale("INV-1", w.acme, "2026-07-10", "1100", "300")]),
    )
    .await;
    let fp_corrected = ledger_fingerprint(&app, org).await;
    assert_ne!(fp, fp_corrected);

    // The retry: the first answer, byte for byte, and the correction stays.
    let replay = send(w.hubspot.clone(), "k-1", items.clone()).await;
    assert_eq!(replay.status.as_u16(), 200);
    assert_eq!(replay.body, first.body);
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(
        replay.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(ledger_fingerprint(&app, org).await, fp_corrected);

    // The same key with another body, or on another path: 422, nothing stored.
    let other = json!([sale("INV-3", w.acme, "2026-07-12", "1", "1")]);
    send(w.hubspot.clone(), "k-1", other.clone())
        .await
        .problem(422, "idempotency_key_reused");
    app.post("/v1/sales")
        .token(&w.hubspot)
        .header("idempotency-key", "k-1")
        .json(&items[0])
        .send()
        .await
        .problem(422, "idempotency_key_reused");
    assert!(sale_row(&app, org, "hubspot", "INV-3").await.is_none());

    // Keys belong to one client: another may use the same one, for its own sales.
    let (_, pipedrive) = api_client(&app, &w.org, "pipedrive", &["sales:write"]).await;
    let v = send(pipedrive.clone(), "k-1", items.clone())
        .await
        .expect(200);
    assert_eq!(statuses(&v), strs(&["created", "created", "rejected"]));
    assert!(sale_row(&app, org, "pipedrive", "INV-1").await.is_some());
    // An admin too (who names the source): hubspot's INV-2 is unchanged.
    let admin_items = json!([with(
        sale("INV-2", w.globex, "2026-07-11", "500", "100"),
        json!({"source": "hubspot"})
    )]);
    let r = app
        .post("/v1/sales/batch")
        .token(&w.org.admin)
        .header("idempotency-key", "k-1")
        .json(&json!({ "items": admin_items }))
        .send()
        .await;
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(statuses(&r.expect(200)), strs(&["unchanged"]));

    // After 24 hours the key is forgotten; before, it is not.
    let (app_ref, hubspot_id) = (&app, w.hubspot_id);
    let age = |key: &'static str, hours: i32| async move {
        diesel::sql_query(
            "UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $2) \
             WHERE actor_id = $1 AND key = $3",
        )
        .bind::<SqlUuid, _>(hubspot_id)
        .bind::<Integer, _>(hours)
        .bind::<Text, _>(key)
        .execute(&mut app_ref.conn().await)
        .await
        .unwrap();
    };
    age("k-1", 23).await;
    send(w.hubspot.clone(), "k-1", other.clone())
        .await
        .problem(422, "idempotency_key_reused");
    age("k-1", 25).await;
    let v = send(w.hubspot.clone(), "k-1", other.clone())
        .await
        .expect(200);
    assert_eq!(statuses(&v), strs(&["created"]));
    let replay = send(w.hubspot.clone(), "k-1", other.clone()).await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );

    // A key is opaque, 1 to 255 bytes.
    for bad in ["", &"k".repeat(256)] {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", bad)
            .json(&json!({ "items": [] }))
            .send()
            .await
            .problem(400, "invalid_idempotency_key");
    }
    for good in ["a key with spaces", &"k".repeat(255)] {
        let send_empty = || {
            app.post("/v1/sales/batch")
                .token(&w.hubspot)
                .header("idempotency-key", good)
                .json(&json!({ "items": [] }))
                .send()
        };
        let first = send_empty().await;
        first.expect(200);
        assert!(first.header("idempotent-replayed").is_none());
        let again = send_empty().await;
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    }
    assert_rollup_is_ledger(&app, org).await;
}

#[actix_web::test]
async fn single_pushes_and_voids_replay_too_even_a_refusal() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let one = |key: &'static str, item: Value| {
        let app = &app;
        let token = w.hubspot.clone();
        async move {
            app.post("/v1/sales")
                .token(&token)
                .header("idempotency-key", key)
                .json(&item)
                .send()
                .await
        }
    };
    let item = sale("S-1", w.acme, "2026-07-10", "100", "10");
    let first = one("p-1", item.clone()).await;
    let v = first.expect(201);
    let id = uuid(&v["sale"]["id"]);
    let replay = one("p-1", item.clone()).await;
    assert_eq!(replay.status.as_u16(), 201, "the first status too");
    assert_eq!(replay.body, first.body);
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(sales_count(&app, org).await, 1);

    // A refused push replays as the same problem.
    let bad = with(
        item.clone(),
        json!({"external_id": "S-2", "currency": "USD"}),
    );
    let first = one("p-2", bad.clone()).await;
    let p = first.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "fx_rate");
    let replay = one("p-2", bad).await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replay.problem(422, "validation_failed"), p);
    assert_eq!(replay.body, first.body);

    // Voids: the retry answers the void again; a new key finds it voided.
    let void_with = |key: &'static str| {
        let app = &app;
        let token = w.hubspot.clone();
        async move {
            app.post(&format!("/v1/sales/{id}/void"))
                .token(&token)
                .header("idempotency-key", key)
                .json(&json!({"reason": "test order"}))
                .send()
                .await
        }
    };
    let first = void_with("v-1").await;
    let v = first.expect(200);
    assert_eq!(v["void_reason"], "test order");
    let replay = void_with("v-1").await;
    assert_eq!(replay.status.as_u16(), 200);
    assert_eq!(replay.body, first.body);
    let conflict = void_with("v-2").await;
    let p = conflict.problem(409, "already_voided");
    let again = void_with("v-2").await;
    assert_eq!(again.problem(409, "already_voided"), p);
    assert_eq!(
        sale_row(&app, org, "hubspot", "S-1").await.unwrap().version,
        2
    );
    assert_rollup_is_ledger(&app, org).await;
}

#[actix_web::test]
async fn a_push_broken_off_by_a_deadlock_runs_again_inside_the_service() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let v = pushed(
        &app,
        &w.hubspot,
        json!([sale("INV-1", w.acme, "2026-07-10", "100", "10")]),
    )
    .await;
    let id = id_of(&v, 0);
    // Another transaction holds sp1's rollup and then wants the sale the push has
    // locked: PostgreSQL breaks the deadlock by failing the push, which waited
    // first; the service runs the push again, and the client sees only that.
    let blocker = lock_rollup(&app, w.sp1.id, 300, Some(id)).await;
    let send = || {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", "retry-me")
            .json(&json!({"items": [sale("INV-1", w.acme, "2026-07-10", "200", "10")]}))
            .send()
    };
    let r = send().await;
    blocker.await.unwrap().unwrap();
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(statuses(&r.expect(200)), strs(&["updated"]));
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (w.sp1.id, "revenue", "2026-07-10", "200"),
            (w.sp1.id, "gross_profit", "2026-07-10", "10"),
        ])
    );
    // And that answer is the one kept.
    let again = send().await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, r.body);
}

#[actix_web::test]
async fn a_key_whose_request_never_answered_is_released() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    pushed(
        &app,
        &w.hubspot,
        json!([sale("INV-1", w.acme, "2026-07-10", "100", "10")]),
    )
    .await;
    // The push waits for a lock held elsewhere, and its client gives up.
    let blocker = lock_rollup(&app, w.sp1.id, 500, None).await;
    let send = || {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", "gave-up")
            .json(&json!({"items": [sale("INV-1", w.acme, "2026-07-10", "200", "10")]}))
            .send()
    };
    let gave_up = tokio::time::timeout(std::time::Duration::from_millis(100), send()).await;
    assert!(gave_up.is_err(), "the push was still waiting");
    blocker.await.unwrap().unwrap();
    // The work stopped with its client: its transaction was rolled back whole,
    // the claim of the key with it, and nothing of it holds a lock. A retry with
    // the same key runs it, once.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        sale_row(&app, org, "hubspot", "INV-1")
            .await
            .unwrap()
            .revenue,
        dec("100")
    );
    let r = tokio::time::timeout(std::time::Duration::from_secs(5), send())
        .await
        .expect("no lock of the abandoned push is left");
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(statuses(&r.expect(200)), strs(&["updated"]));
    assert_eq!(
        sale_row(&app, org, "hubspot", "INV-1")
            .await
            .unwrap()
            .revenue,
        dec("200")
    );
    let again = send().await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(statuses(&again.expect(200)), strs(&["updated"]));
    // A claim committed without its answer (as an earlier version left one when
    // its process died before the work committed) belongs to no running request:
    // the retry runs at once.
    diesel::sql_query(
        "INSERT INTO idempotency_keys (org_id, actor_id, key, request_hash) \
         SELECT org_id, actor_id, 'died', request_hash FROM idempotency_keys WHERE key = 'gave-up'",
    )
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    let send_died = || {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .header("idempotency-key", "died")
            .json(&json!({"items": [sale("INV-1", w.acme, "2026-07-10", "200", "10")]}))
            .send()
    };
    let r = send_died().await;
    assert_eq!(statuses(&r.expect(200)), strs(&["unchanged"]));
    let again = send_died().await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, r.body);
    assert_rollup_is_ledger(&app, org).await;
}

#[actix_web::test]
async fn a_duplicate_waits_for_the_first_and_replays_it_or_is_told_it_still_runs() {
    use sha2::{Digest, Sha256};
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let body = json!({"items": [sale("INV-1", w.acme, "2026-07-10", "1000", "300")]});
    let send = |key: String, body: Value| {
        let app = &app;
        let token = w.hubspot.clone();
        async move {
            app.post("/v1/sales/batch")
                .token(&token)
                .header("idempotency-key", &key)
                .json(&body)
                .send()
                .await
        }
    };
    // The first request has claimed the key and runs on, uncommitted, for longer
    // than a duplicate waits (twice the 1.5 s database timeout), then fails.
    let mut h = Sha256::new();
    h.update(b"POST");
    h.update(b"/v1/sales/batch");
    h.update(body.to_string().as_bytes());
    let hash = h.finalize().to_vec();
    let mut c = app.conn().await;
    let (claimed, on_claim) = tokio::sync::oneshot::channel();
    let first = actix_rt::spawn(async move {
        c.batch_execute("BEGIN").await.unwrap();
        diesel::sql_query(
            "INSERT INTO idempotency_keys (org_id, actor_id, key, request_hash) \
             VALUES ($1, $2, 'busy', $3)",
        )
        .bind::<SqlUuid, _>(org)
        .bind::<SqlUuid, _>(w.hubspot_id)
        .bind::<Bytea, _>(hash)
        .execute(&mut c)
        .await
        .unwrap();
        claimed.send(()).unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(3600)).await;
        c.batch_execute("ROLLBACK").await.unwrap();
    });
    on_claim.await.unwrap();
    let started = std::time::Instant::now();
    send("busy".into(), body.clone())
        .await
        .problem(409, "idempotency_in_progress");
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_millis(2900)
            && waited < std::time::Duration::from_millis(3500),
        "{waited:?}"
    );
    assert_eq!(sales_count(&app, org).await, 0);
    // The first failed: its claim went with it, and the retry does the work.
    first.await.unwrap();
    let r = send("busy".into(), body.clone()).await;
    assert!(r.header("idempotent-replayed").is_none());
    assert_eq!(r.expect(200)["created"], 1);
    send("busy".into(), json!({"items": []}))
        .await
        .problem(422, "idempotency_key_reused");

    // Two identical requests at the same time: one does the work, the other
    // waits for it and replays its answer. Never twice, never a 500.
    for round in 0..5 {
        let key = format!("race-{round}");
        let items: Vec<Value> = (0..20)
            .map(|i| sale(&format!("R{round}-{i}"), w.acme, "2026-07-10", "10", "1"))
            .collect();
        let body = json!({ "items": items });
        let (a, b) = tokio::join!(send(key.clone(), body.clone()), send(key, body.clone()));
        let replayed = |r: &Res| r.header("idempotent-replayed").is_some();
        assert_eq!((a.status.as_u16(), b.status.as_u16()), (200, 200));
        assert!(
            replayed(&a) != replayed(&b),
            "exactly one of the two did the work"
        );
        assert_eq!(a.body, b.body);
        assert_eq!(a.json()["created"], 20);
    }
    assert_eq!(sales_count(&app, org).await, 101);
    let r = assert_rollup_is_ledger(&app, org).await;
    assert_eq!(
        total(&r, w.sp1.id, "revenue", "2026-07-10", "2026-07-10"),
        dec("2000")
    );
}
