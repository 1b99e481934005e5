//! Concurrency.

use super::*;

#[actix_web::test]
async fn concurrent_overlapping_batches_neither_duplicate_nor_lose_anything() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    // Key n: Acme (sp1) when n is even, Globex (sp2) when odd; 100 + n euros.
    let item = |n: usize, revenue: usize| {
        let account = if n % 2 == 0 { w.acme } else { w.globex };
        sale(
            &format!("K{n:03}"),
            account,
            &format!("2026-09-{:02}", 1 + n % 28),
            &revenue.to_string(),
            "10",
        )
    };
    let batch = |keys: Vec<usize>, revenue: &dyn Fn(usize) -> usize| -> Value {
        json!(keys
            .into_iter()
            .map(|n| item(n, revenue(n)))
            .collect::<Vec<_>>())
    };
    let base = |n: usize| 100 + n;

    // Round 1: K000–K059 and K030–K089 at once, the overlap with equal values
    // (the second batch in reverse order).
    let a = batch((0..60).collect(), &base);
    let b = batch((30..90).rev().collect(), &base);
    let (ra, rb) = tokio::join!(push(&app, &w.hubspot, a), push(&app, &w.hubspot, b));
    let (va, vb) = (ra.expect(200), rb.expect(200));
    let (sa, sb) = (statuses(&va), statuses(&vb));
    assert!(sa[..30].iter().all(|s| s == "created"));
    assert!(sb[..30].iter().all(|s| s == "created"), "K089–K060");
    for n in 30..60 {
        let (x, y) = (&sa[n], &sb[89 - n]);
        let mut pair = [x.as_str(), y.as_str()];
        pair.sort();
        assert_eq!(pair, ["created", "unchanged"], "K{n:03}");
        assert_eq!(id_of(&va, n), id_of(&vb, 89 - n));
    }
    assert_eq!(sales_count(&app, org).await, 90);
    // Even keys 0..=88: 45 × 100 + 1980 = 6480; odd keys 1..=89: 45 × 100 + 2025 = 6525.
    let r = assert_rollup_is_ledger(&app, org).await;
    assert_eq!(
        total(&r, w.sp1.id, "revenue", "2026-09-01", "2026-09-30"),
        dec("6480")
    );
    assert_eq!(
        total(&r, w.sp2.id, "revenue", "2026-09-01", "2026-09-30"),
        dec("6525")
    );
    assert_eq!(
        total(&r, w.sp1.id, "gross_profit", "2026-09-01", "2026-09-30"),
        dec("450")
    );

    // Round 2, several times: the overlap changes to different values in each
    // batch. Whichever wins, the rollup counts exactly it.
    for round in 0..4usize {
        let a = batch((0..60).collect(), &|n: usize| {
            if n >= 30 {
                1000 + round
            } else {
                base(n)
            }
        });
        let b = batch((30..90).rev().collect(), &|n: usize| {
            if n < 60 {
                2000 + round
            } else {
                base(n)
            }
        });
        let (ra, rb) = tokio::join!(push(&app, &w.hubspot, a), push(&app, &w.hubspot, b));
        let (va, vb) = (ra.expect(200), rb.expect(200));
        let (sa, sb) = (statuses(&va), statuses(&vb));
        assert!(sa[..30].iter().all(|s| s == "unchanged"));
        assert!(sb[..30].iter().all(|s| s == "unchanged"));
        assert!(sa[30..].iter().all(|s| s == "updated"), "{sa:?}");
        assert!(sb[30..].iter().all(|s| s == "updated"), "{sb:?}");
        assert_eq!(sales_count(&app, org).await, 90);
        let r = assert_rollup_is_ledger(&app, org).await;
        let mut overlap = Decimal::ZERO;
        for n in 30..60 {
            let row = sale_row(&app, org, "hubspot", &format!("K{n:03}"))
                .await
                .unwrap();
            assert!(
                row.revenue == Decimal::from(1000 + round)
                    || row.revenue == Decimal::from(2000 + round),
                "{row:?}"
            );
            overlap += row.revenue;
        }
        // K000–K029: 30 × 100 + 435 = 3435; K060–K089: 30 × 100 + 2235 = 5235.
        let all = total(&r, w.sp1.id, "revenue", "2026-09-01", "2026-09-30")
            + total(&r, w.sp2.id, "revenue", "2026-09-01", "2026-09-30");
        assert_eq!(all, dec("3435") + dec("5235") + overlap);
    }

    // New keys inserted from both ends at once.
    for round in 0..4usize {
        let keys: Vec<usize> = (0..80).map(|i| 100 + round * 100 + i).collect();
        let a = batch(keys.clone(), &base);
        let b = batch(keys.iter().rev().copied().collect(), &base);
        let (ra, rb) = tokio::join!(push(&app, &w.hubspot, a), push(&app, &w.hubspot, b));
        let (va, vb) = (ra.expect(200), rb.expect(200));
        assert_eq!(
            va["created"].as_u64().unwrap() + vb["created"].as_u64().unwrap(),
            80
        );
        assert_eq!(
            va["unchanged"].as_u64().unwrap() + vb["unchanged"].as_u64().unwrap(),
            80
        );
    }
    assert_eq!(sales_count(&app, org).await, 90 + 320);
    assert_rollup_is_ledger(&app, org).await;

    // Activities likewise.
    let (_, acts) = api_client(&app, &w.org, "dialer", &["activities:write"]).await;
    let act = |n: usize| {
        json!({"external_id": format!("A{n:03}"), "kind": "call", "account_id": w.acme,
               "occurred_at": format!("2026-09-{:02}T12:00:00Z", 1 + n % 28), "count": 2})
    };
    let a = json!((0..60).map(act).collect::<Vec<_>>());
    let b = json!((30..90).rev().map(act).collect::<Vec<_>>());
    let (ra, rb) = tokio::join!(
        push_activities(&app, &acts, a),
        push_activities(&app, &acts, b)
    );
    let (va, vb) = (ra.expect(200), rb.expect(200));
    assert_eq!(
        va["created"].as_u64().unwrap() + vb["created"].as_u64().unwrap(),
        90
    );
    assert_eq!(activities_count(&app, org).await, 90);
    let r = assert_rollup_is_ledger(&app, org).await;
    assert_eq!(
        total(&r, w.sp1.id, "activity:call", "2026-09-01", "2026-09-30"),
        dec("180")
    );
}
