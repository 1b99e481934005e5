//! Sales.

use super::*;

#[actix_web::test]
async fn a_batch_of_sales_is_answered_item_by_item_and_stores_only_valid_items() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    use Errors::*;
    // Each item of one batch: what it is, what it sends, and how it is answered.
    let cases = vec![
        Case::created(
            "an invoice with its gross profit",
            sale("INV-1", w.acme, "2026-07-10", "1000.00", "300.00"),
        ),
        Case::created(
            "by the account's CRM id; gross profit derived from cost; a JSON number",
            json!({"external_id": "INV-2", "account_external_id": "ACC-1", "occurred_on": "2026-07-11",
                   "revenue": 2500, "cost": "1800.50"}),
        ),
        Case::created(
            "a credit note counts negative",
            with(
                sale("CN-1", w.acme, "2026-07-11", "400", "100"),
                json!({"kind": "credit_note"}),
            ),
        ),
        Case::created(
            "another CRM's account id; dollars at 0.9 euro each",
            json!({"external_id": "INV-3", "account_external_id": "G-9", "account_source": "salesforce",
                   "occurred_on": "2026-07-12", "revenue": "1000", "gross_profit": "250",
                   "currency": "USD", "fx_rate": "0.9"}),
        ),
        Case::rejected(
            "dollars without a rate",
            with(
                sale("INV-4", w.globex, "2026-07-12", "100", "10"),
                json!({"currency": "USD"}),
            ),
            Exactly(&[("fx_rate", "required")]),
        ),
        Case::rejected(
            "the same key again",
            sale("INV-1", w.acme, "2026-07-13", "1", "1"),
            Exactly(&[("external_id", "duplicate_in_batch")]),
        ),
        Case::created(
            "credited to a named salesperson; pounds, rounded to cents",
            with(
                sale("INV-5", w.acme, "2026-07-12", "333.33", "111.11"),
                json!({"salesperson_id": w.sp3.id, "currency": "GBP", "fx_rate": "1.15"}),
            ),
        ),
        Case::rejected(
            "more gross profit than revenue",
            sale("INV-6", w.acme, "2026-07-13", "10", "20"),
            Exactly(&[("gross_profit", "exceeds_revenue")]),
        ),
        Case::rejected(
            "before anyone owned the account",
            sale("INV-7", w.acme, "2025-12-31", "10", "1"),
            Exactly(&[("occurred_on", "no_owner_on_day")]),
        ),
        Case::rejected(
            "G-9 is salesforce's id, and the account source defaults to hubspot",
            json!({"external_id": "INV-8", "account_external_id": "G-9", "occurred_on": "2026-07-12",
                   "revenue": "5", "gross_profit": "1"}),
            Exactly(&[("account_external_id", "not_found")]),
        ),
        Case::rejected(
            "gross profit and cost",
            with(
                sale("INV-9", w.acme, "2026-07-12", "5", "1"),
                json!({"cost": "4"}),
            ),
            Exactly(&[("cost", "conflict")]),
        ),
        Case::rejected(
            "a negative amount (a credit note says so with its kind)",
            sale("INV-10", w.acme, "2026-07-12", "-5", "0"),
            First(("revenue", "negative")),
        ),
        Case::rejected(
            "no account at all, and more than cents",
            json!({"external_id": "INV-11", "occurred_on": "2026-07-12", "revenue": "5.001", "gross_profit": "1"}),
            Include(&[("account_id", "required"), ("revenue", "invalid_amount")]),
        ),
        Case::rejected(
            "an unknown currency",
            with(
                sale("INV-12", w.acme, "2026-07-12", "5", "1"),
                json!({"currency": "XYZ", "fx_rate": "2"}),
            ),
            Exactly(&[("currency", "invalid_currency")]),
        ),
        Case::rejected(
            "a rate for the organisation's own currency",
            with(
                sale("INV-13", w.acme, "2026-07-12", "5", "1"),
                json!({"fx_rate": "1.1"}),
            ),
            Exactly(&[("fx_rate", "not_applicable")]),
        ),
        Case::rejected(
            "both account ids",
            with(
                sale("INV-14", w.acme, "2026-07-12", "5", "1"),
                json!({"account_external_id": "ACC-1"}),
            ),
            Exactly(&[("account_id", "conflict")]),
        ),
    ];
    let items = json!(cases.iter().map(|c| c.item.clone()).collect::<Vec<_>>());
    let v = pushed(&app, &w.hubspot, items.clone()).await;
    let got = statuses(&v);
    assert_eq!(got.len(), cases.len(), "an answer per item: {v}");
    let wrong = misanswered(&cases, &v);
    let answered = |status: &str| cases.iter().filter(|c| c.status == status).count();
    assert_eq!(v["created"], answered("created"), "{v}");
    assert_eq!(v["rejected"], answered("rejected"), "{v}");
    assert!(
        wrong.is_empty(),
        "items answered otherwise:\n{}",
        wrong.join("\n")
    );

    // Stored: the five valid items, nothing of the others.
    let org = w.org.id;
    assert_eq!(sales_count(&app, org).await, 5);
    let stored: Vec<&str> = cases
        .iter()
        .filter(|c| c.status == "created")
        .map(Case::key)
        .collect();
    assert_eq!(stored, ["INV-1", "INV-2", "CN-1", "INV-3", "INV-5"]);
    for c in cases.iter().filter(|c| !stored.contains(&c.key())) {
        let row = sale_row(&app, org, "hubspot", c.key()).await;
        assert!(row.is_none(), "{}: {} was stored", c.what, c.key());
    }
    let inv1 = sale_row(&app, org, "hubspot", "INV-1").await.unwrap();
    assert_eq!(inv1.id, id_of(&v, 0));
    assert_eq!(inv1.occurred_on, day("2026-07-10"), "the first INV-1 wins");
    assert_eq!(
        (inv1.salesperson_id, inv1.salesperson_given),
        (w.sp1.id, false)
    );
    let inv2 = sale_row(&app, org, "hubspot", "INV-2").await.unwrap();
    assert_eq!(inv2.account_id, w.acme);
    assert_eq!(inv2.amount_gross_profit, dec("699.50"), "2500 - 1800.50");
    let cn1 = sale_row(&app, org, "hubspot", "CN-1").await.unwrap();
    assert_eq!(cn1.kind, "credit_note");
    assert_eq!((cn1.amount_revenue, cn1.revenue), (dec("400"), dec("-400")));
    let inv3 = sale_row(&app, org, "hubspot", "INV-3").await.unwrap();
    assert_eq!((inv3.account_id, inv3.salesperson_id), (w.globex, w.sp2.id));
    assert_eq!(
        (
            inv3.currency.as_str(),
            inv3.fx_rate,
            inv3.revenue,
            inv3.gross_profit
        ),
        ("USD", dec("0.9"), dec("900"), dec("225"))
    );
    let inv5 = sale_row(&app, org, "hubspot", "INV-5").await.unwrap();
    assert_eq!(
        (inv5.salesperson_id, inv5.salesperson_given),
        (w.sp3.id, true)
    );
    // 333.33 × 1.15 = 383.3295 and 111.11 × 1.15 = 127.7765, to cents.
    assert_eq!(
        (inv5.amount_revenue, inv5.revenue, inv5.gross_profit),
        (dec("333.33"), dec("383.33"), dec("127.78"))
    );

    // The rollup, by hand.
    let (sp1, sp2, sp3) = (w.sp1.id, w.sp2.id, w.sp3.id);
    let first = expected(&[
        (sp1, "revenue", "2026-07-10", "1000"),
        (sp1, "gross_profit", "2026-07-10", "300"),
        (sp1, "revenue", "2026-07-11", "2100"), // 2500 - 400
        (sp1, "gross_profit", "2026-07-11", "599.50"), // 699.50 - 100
        (sp2, "revenue", "2026-07-12", "900"),
        (sp2, "gross_profit", "2026-07-12", "225"),
        (sp3, "revenue", "2026-07-12", "383.33"),
        (sp3, "gross_profit", "2026-07-12", "127.78"),
    ]);
    assert_eq!(assert_rollup_is_ledger(&app, org).await, first);

    // The same batch again: the valid items are unchanged, the others rejected
    // again, and nothing moves.
    let before = ledger_fingerprint(&app, org).await;
    let again = pushed(&app, &w.hubspot, items).await;
    let s = statuses(&again);
    for i in [0, 1, 2, 3, 6] {
        assert_eq!(s[i], "unchanged", "{i}");
        assert_eq!(id_of(&again, i), id_of(&v, i));
    }
    assert_eq!(
        (again["unchanged"].as_u64(), again["rejected"].as_u64()),
        (Some(5), Some(11))
    );
    assert_eq!(ledger_fingerprint(&app, org).await, before);

    // Updates: new amounts, a new day, a new rate, and no named salesperson any
    // more (the account's owner that day gets it); a new sale too.
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("INV-1", w.acme, "2026-07-10", "1200", "350"),
            {"external_id": "INV-2", "account_external_id": "ACC-1", "occurred_on": "2026-07-11",
             "revenue": "2500.00", "cost": "1800.5"},
            with(sale("CN-1", w.acme, "2026-07-15", "400", "100"), json!({"kind": "credit_note"})),
            {"external_id": "INV-3", "account_id": w.globex, "occurred_on": "2026-07-12",
             "revenue": "1000", "gross_profit": "250", "currency": "USD", "fx_rate": "0.95"},
            with(
                sale("INV-5", w.acme, "2026-07-12", "333.33", "111.11"),
                json!({"currency": "GBP", "fx_rate": "1.15"}),
            ),
            sale("INV-20", w.globex, "2026-08-01", "99.99", "9.99"),
        ]),
    )
    .await;
    assert_eq!(
        statuses(&v),
        strs(&[
            "updated",
            "unchanged",
            "updated",
            "updated",
            "updated",
            "created"
        ])
    );
    assert_eq!(id_of(&v, 0), inv1.id, "an update keeps the id");
    assert_eq!(sales_count(&app, org).await, 6);
    assert_eq!(
        sale_row(&app, org, "hubspot", "INV-1")
            .await
            .unwrap()
            .version,
        2
    );
    assert_eq!(
        sale_row(&app, org, "hubspot", "INV-2")
            .await
            .unwrap()
            .version,
        1
    );
    let inv5 = sale_row(&app, org, "hubspot", "INV-5").await.unwrap();
    assert_eq!((inv5.salesperson_id, inv5.salesperson_given), (sp1, false));
    let second = expected(&[
        (sp1, "revenue", "2026-07-10", "1200"),
        (sp1, "gross_profit", "2026-07-10", "350"),
        (sp1, "revenue", "2026-07-11", "2500"),
        (sp1, "gross_profit", "2026-07-11", "699.50"),
        (sp1, "revenue", "2026-07-15", "-400"),
        (sp1, "gross_profit", "2026-07-15", "-100"),
        (sp1, "revenue", "2026-07-12", "383.33"),
        (sp1, "gross_profit", "2026-07-12", "127.78"),
        (sp2, "revenue", "2026-07-12", "950"), // 1000 × 0.95
        (sp2, "gross_profit", "2026-07-12", "237.50"),
        (sp2, "revenue", "2026-08-01", "99.99"),
        (sp2, "gross_profit", "2026-08-01", "9.99"),
    ]);
    assert_eq!(assert_rollup_is_ledger(&app, org).await, second);
    // Quarter totals by hand: sp1 1200 + 2500 - 400 + 383.33 = 3683.33.
    let r = rollup(&app, org).await;
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("3683.33")
    );
    assert_eq!(
        total(&r, sp1, "gross_profit", "2026-07-01", "2026-09-30"),
        dec("1077.28")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-07-01", "2026-09-30"),
        dec("1049.99")
    );
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        Decimal::ZERO
    );

    // An empty batch is answered with nothing.
    let v = pushed(&app, &w.hubspot, json!([])).await;
    assert_eq!(v["items"], json!([]));
    assert_eq!(statuses(&v).len(), 0);
}

#[actix_web::test]
async fn one_sale_at_a_time() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let before = Utc::now();
    let item = sale("S-1", w.globex, "2026-08-03", "50", "5.5");
    let r = push_one(&app, &w.hubspot, &item).await;
    let v = r.expect(201);
    assert_eq!(v["status"], "created");
    let s = &v["sale"];
    let id = uuid(&s["id"]);
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(s["source"], "hubspot", "the client's name");
    assert_eq!(s["external_id"], "S-1");
    assert_eq!(uuid(&s["account_id"]), w.globex);
    assert_eq!(uuid(&s["salesperson_id"]), w.sp2.id, "the owner that day");
    assert_eq!(s["occurred_on"], "2026-08-03");
    assert_eq!(s["kind"], "invoice");
    assert_eq!(s["currency"], "EUR");
    assert_eq!(s["fx_rate"], "1");
    assert_eq!(s["revenue"], "50.00");
    assert_eq!(s["gross_profit"], "5.50");
    assert_eq!(s["counted_revenue"], "50.00");
    assert_eq!(s["counted_gross_profit"], "5.50");
    assert!(s["voided_at"].is_null() && s["void_reason"].is_null());
    assert_eq!(s["version"], 1);
    let created: chrono::DateTime<Utc> = s["created_at"].as_str().unwrap().parse().unwrap();
    assert!(created >= before - Duration::seconds(1));

    // Again: unchanged, 200; then an update.
    let v = push_one(&app, &w.hubspot, &item).await.expect(200);
    assert_eq!(v["status"], "unchanged");
    assert_eq!(uuid(&v["sale"]["id"]), id);
    assert_eq!(v["sale"]["version"], 1);
    let v = push_one(
        &app,
        &w.hubspot,
        &with(item.clone(), json!({"revenue": "60"})),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    assert_eq!(v["sale"]["counted_revenue"], "60.00");
    assert_eq!(v["sale"]["version"], 2);

    // A credit note in dollars with its cost: as sent, and as counted in euros.
    let v = push_one(
        &app,
        &w.hubspot,
        &json!({"external_id": "CN-1", "account_external_id": "ACC-1", "occurred_on": "2026-08-04",
                "kind": "credit_note", "revenue": 100, "cost": "80", "currency": "USD",
                "fx_rate": "0.5"}),
    )
    .await
    .expect(201);
    let s = &v["sale"];
    assert_eq!(uuid(&s["salesperson_id"]), w.sp1.id);
    assert_eq!(s["kind"], "credit_note");
    assert_eq!(
        (s["currency"].as_str(), s["fx_rate"].as_str()),
        (Some("USD"), Some("0.5"))
    );
    assert_eq!(
        (s["revenue"].as_str(), s["gross_profit"].as_str()),
        (Some("100.00"), Some("20.00"))
    );
    assert_eq!(
        (
            s["counted_revenue"].as_str(),
            s["counted_gross_profit"].as_str()
        ),
        (Some("-50.00"), Some("-10.00"))
    );

    // A rejected item is a 422 with its errors, and stores nothing.
    let bad = with(
        item.clone(),
        json!({"external_id": "S-2", "currency": "USD"}),
    );
    let p = push_one(&app, &w.hubspot, &bad)
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "fx_rate");
    assert_eq!(p["errors"][0]["code"], "required");
    let p = push_one(
        &app,
        &w.hubspot,
        &sale("S-3", Uuid::now_v7(), "2026-08-03", "1", "1"),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "account_id");
    assert_eq!(p["errors"][0]["code"], "not_found");
    // Unknown fields and wrong types: 422; not JSON: 400; not a JSON body: 415.
    push_one(
        &app,
        &w.hubspot,
        &with(item.clone(), json!({"amount": "5"})),
    )
    .await
    .problem(422, "validation_failed");
    push_one(
        &app,
        &w.hubspot,
        &with(item.clone(), json!({"revenue": "five"})),
    )
    .await
    .problem(422, "validation_failed");
    push_one(
        &app,
        &w.hubspot,
        &with(item.clone(), json!({"kind": "refund"})),
    )
    .await
    .problem(422, "validation_failed");
    app.post("/v1/sales")
        .token(&w.hubspot)
        .body("application/json", "{\"external_id\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/sales")
        .token(&w.hubspot)
        .body("text/plain", item.to_string())
        .send()
        .await
        .problem(415, "unsupported_media_type");
    assert_eq!(sales_count(&app, org).await, 2);
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (w.sp2.id, "revenue", "2026-08-03", "60"),
            (w.sp2.id, "gross_profit", "2026-08-03", "5.50"),
            (w.sp1.id, "revenue", "2026-08-04", "-50"),
            (w.sp1.id, "gross_profit", "2026-08-04", "-10"),
        ])
    );
}

#[actix_web::test]
async fn an_amount_too_large_once_converted_is_a_rejected_item() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    // 9,999,999,999,999.99 dollars is a valid amount; at 999,999 euros each it is
    // about 10^19 euros, more than any amount the ledger holds.
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            with(
                sale("BIG", w.acme, "2026-07-10", "9999999999999.99", "1"),
                json!({"currency": "USD", "fx_rate": "999999"}),
            ),
            with(
                sale("BIG-GP", w.acme, "2026-07-10", "1", "0"),
                json!({"gross_profit": null, "cost": "9999999999999.99", "currency": "USD", "fx_rate": "999999"}),
            ),
            with(
                sale("LARGE", w.acme, "2026-07-10", "9999999999999.99", "1"),
                json!({"currency": "USD", "fx_rate": "0.5"}),
            ),
            sale("OK", w.acme, "2026-07-10", "1", "1"),
            sale("TOO-BIG", w.acme, "2026-07-10", "10000000000000", "1"),
        ]),
    )
    .await;
    assert_eq!(
        statuses(&v),
        strs(&["rejected", "rejected", "created", "created", "rejected"])
    );
    assert_eq!(
        field_errors(&v["items"][0]),
        vec![pair("fx_rate", "out_of_range")]
    );
    assert_eq!(
        field_errors(&v["items"][1]),
        vec![pair("fx_rate", "out_of_range")]
    );
    assert_eq!(
        field_errors(&v["items"][4]),
        vec![pair("revenue", "invalid_amount")]
    );
    // 9,999,999,999,999.99 × 0.5 = 4,999,999,999,999.995, to cents, and 1.
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (w.sp1.id, "revenue", "2026-07-10", "5000000000001.00"),
            (w.sp1.id, "gross_profit", "2026-07-10", "1.50"),
        ])
    );
    assert_eq!(sales_count(&app, org).await, 2);
}
