//! Batch limits and malformed batches.

use super::*;

#[actix_web::test]
async fn batches_have_limits_and_a_body_that_is_not_a_batch_stores_nothing() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let items = |n: usize, prefix: &str| -> Value {
        json!((0..n)
            .map(|i| sale(
                &format!("{prefix}-{i:04}"),
                w.acme,
                "2026-07-10",
                "1.25",
                "0.25"
            ))
            .collect::<Vec<_>>())
    };
    let p = push(&app, &w.hubspot, items(1001, "A"))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "items");
    assert_eq!(p["errors"][0]["code"], "too_many");
    assert_eq!(sales_count(&app, org).await, 0);

    // Exactly 1,000: all stored; 1,000 × 1.25 = 1250.
    let v = pushed(&app, &w.hubspot, items(1000, "B")).await;
    assert_eq!(v["created"], 1000);
    assert_eq!(v["items"].as_array().unwrap().len(), 1000);
    assert_eq!(sales_count(&app, org).await, 1000);
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (w.sp1.id, "revenue", "2026-07-10", "1250"),
            (w.sp1.id, "gross_profit", "2026-07-10", "250"),
        ])
    );
    let v = pushed(&app, &w.hubspot, items(1000, "B")).await;
    assert_eq!(v["unchanged"], 1000);

    // A body larger than the limit (2 MiB): 413.
    let big = format!(
        "{{\"items\": [{}]}}",
        vec![sale("C", w.acme, "2026-07-10", "1", "1").to_string(); 20_000].join(",")
    );
    assert!(big.len() > 2 * 1024 * 1024);
    app.post("/v1/sales/batch")
        .token(&w.hubspot)
        .body("application/json", big.clone())
        .send()
        .await
        .problem(413, "body_too_large");
    app.post("/v1/activities/batch")
        .token(&w.org.admin)
        .body("application/json", big)
        .send()
        .await
        .problem(413, "body_too_large");

    // Not a batch at all: refused whole, the valid item with it.
    let good = sale("D-1", w.acme, "2026-07-10", "1", "1");
    for bad in [
        json!({"items": good.clone()}),
        json!({"sales": [good.clone()]}),
        json!({"items": [good.clone()], "dry_run": true}),
        json!([good.clone()]),
    ] {
        app.post("/v1/sales/batch")
            .token(&w.hubspot)
            .json(&bad)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    assert!(sale_row(&app, org, "hubspot", "D-1").await.is_none());
    // A malformed item is rejected alone: the valid one is stored (once), the
    // malformed one never.
    for (bad, field) in [
        (
            with(good.clone(), json!({"external_id": "D-2", "discount": 5})),
            "discount",
        ),
        (
            with(
                good.clone(),
                json!({"external_id": "D-2", "revenue": "lots"}),
            ),
            "revenue",
        ),
        (
            with(
                good.clone(),
                json!({"external_id": "D-2", "occurred_on": "2026-02-30"}),
            ),
            "occurred_on",
        ),
        (
            with(good.clone(), json!({"external_id": null})),
            "external_id",
        ),
        (json!(5), ""),
    ] {
        let v = pushed(&app, &w.hubspot, json!([good.clone(), bad])).await;
        assert_eq!(statuses(&v)[1], "rejected", "{v}");
        assert_eq!(v["items"][1]["errors"][0]["field"], field, "{v}");
    }
    assert!(sale_row(&app, org, "hubspot", "D-1").await.is_some());
    assert!(sale_row(&app, org, "hubspot", "D-2").await.is_none());
    app.post("/v1/sales/batch")
        .token(&w.hubspot)
        .body("application/json", "{\"items\": [")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/sales/batch")
        .token(&w.hubspot)
        .body("text/csv", "external_id,revenue\nD-1,1\n")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    // 1,000 from above and D-1.
    assert_eq!(sales_count(&app, org).await, 1001);
}
