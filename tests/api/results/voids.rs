//! Voiding a sale.

use super::*;

#[actix_web::test]
async fn a_voided_sale_stops_counting_and_stays_voided() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("INV-1", w.acme, "2026-07-10", "1000", "300"),
            sale("INV-2", w.acme, "2026-07-10", "500", "100"),
            with(
                sale("CN-1", w.acme, "2026-07-20", "200", "50"),
                json!({"kind": "credit_note"})
            ),
        ]),
    )
    .await;
    let (inv1, inv2, cn1) = (id_of(&v, 0), id_of(&v, 1), id_of(&v, 2));
    let sp1 = w.sp1.id;
    assert_eq!(
        total(
            &rollup(&app, org).await,
            sp1,
            "revenue",
            "2026-07-01",
            "2026-09-30"
        ),
        dec("1300")
    );

    let before = Utc::now();
    let v = void(
        &app,
        &w.hubspot,
        inv1,
        Some(json!({"reason": "  sent twice  "})),
    )
    .await
    .expect(200);
    assert_eq!(uuid(&v["id"]), inv1);
    assert_eq!(v["void_reason"], "sent twice");
    let at: chrono::DateTime<Utc> = v["voided_at"].as_str().unwrap().parse().unwrap();
    assert!(at >= before - Duration::seconds(1));
    assert_eq!(v["version"], 2);
    assert_eq!(
        v["counted_revenue"], "1000.00",
        "the ledger keeps what it was"
    );
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (sp1, "revenue", "2026-07-10", "500"),
            (sp1, "gross_profit", "2026-07-10", "100"),
            (sp1, "revenue", "2026-07-20", "-200"),
            (sp1, "gross_profit", "2026-07-20", "-50"),
        ])
    );

    // Twice: 409; pushed again: rejected, and it stays voided.
    void(&app, &w.hubspot, inv1, None)
        .await
        .problem(409, "already_voided");
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("INV-1", w.acme, "2026-07-10", "1000", "300"),
            sale("INV-1b", w.acme, "2026-07-11", "1", "1"),
        ]),
    )
    .await;
    assert_eq!(statuses(&v), strs(&["rejected", "created"]));
    assert_eq!(
        field_errors(&v["items"][0]),
        vec![pair("external_id", "sale_voided")]
    );
    let row = sale_row(&app, org, "hubspot", "INV-1").await.unwrap();
    assert!(row.voided && row.version == 2);
    let p = push_one(
        &app,
        &w.hubspot,
        &sale("INV-1", w.acme, "2026-07-10", "9", "1"),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["code"], "sale_voided");

    // A voided credit note gives its amount back; an empty body is fine.
    void(&app, &w.hubspot, cn1, None).await.expect(200);
    void(&app, &w.hubspot, inv2, Some(json!({})))
        .await
        .expect(200);
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (sp1, "revenue", "2026-07-11", "1"),
            (sp1, "gross_profit", "2026-07-11", "1"),
        ])
    );

    // Unknown ids and malformed bodies.
    void(&app, &w.hubspot, Uuid::now_v7(), None)
        .await
        .problem(404, "not_found");
    app.post("/v1/sales/not-a-uuid/void")
        .token(&w.hubspot)
        .send()
        .await
        .expect(404);
    let new = id_of(&v, 1);
    void(&app, &w.hubspot, new, Some(json!({"why": "x"})))
        .await
        .problem(422, "validation_failed");
    app.post(&format!("/v1/sales/{new}/void"))
        .token(&w.hubspot)
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    assert!(
        !sale_row(&app, org, "hubspot", "INV-1b")
            .await
            .unwrap()
            .voided
    );
}
