//! Attribution.

use super::*;

#[actix_web::test]
async fn results_follow_the_owner_on_the_day_and_a_transfer_recredits_what_it_covers() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (sp1, sp2, sp3) = (w.sp1.id, w.sp2.id, w.sp3.id);
    let (_, acts) = api_client(&app, &w.org, "hubspot-activities", &["activities:write"]).await;
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("S1", w.acme, "2026-07-10", "1000", "100"),
            sale("S2", w.acme, "2026-08-20", "2000", "200"),
            sale("S3", w.acme, "2026-09-10", "3000", "300"),
            with(
                sale("S4", w.acme, "2026-08-25", "4000", "400"),
                json!({"salesperson_id": sp3})
            ),
            sale("S5", w.acme, "2026-08-14", "500", "50"),
            sale("S6", w.acme, "2026-08-15", "600", "60"),
        ]),
    )
    .await;
    assert_eq!(v["created"], 6);
    let r = push_activities(
        &app,
        &acts,
        json!([
            {"external_id": "A1", "source": "hubspot", "kind": "call", "account_id": w.acme,
             "occurred_at": "2026-08-20T10:00:00Z"},
            {"external_id": "A2", "source": "hubspot", "kind": "meeting", "account_id": w.acme,
             "occurred_at": "2026-08-01T10:00:00Z"},
            {"external_id": "A3", "source": "hubspot", "kind": "demo", "account_id": w.acme,
             "salesperson_id": sp3, "occurred_at": "2026-08-21T10:00:00Z"},
        ]),
    )
    .await
    .expect(200);
    assert_eq!(r["created"], 3);
    let r = assert_rollup_is_ledger(&app, org).await;
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("7100")
    );
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        dec("4000")
    );

    // Mid-quarter, after the fact: sp2 owns Acme from 2026-08-15.
    transfer(&app, &w.org, w.acme, sp2, "2026-08-15").await;
    let r = assert_rollup_is_ledger(&app, org).await;
    assert_eq!(
        r,
        expected(&[
            (sp1, "revenue", "2026-07-10", "1000"),
            (sp1, "gross_profit", "2026-07-10", "100"),
            (sp1, "revenue", "2026-08-14", "500"),
            (sp1, "gross_profit", "2026-08-14", "50"),
            (sp1, "activity:meeting", "2026-08-01", "1"),
            (sp2, "revenue", "2026-08-15", "600"),
            (sp2, "gross_profit", "2026-08-15", "60"),
            (sp2, "revenue", "2026-08-20", "2000"),
            (sp2, "gross_profit", "2026-08-20", "200"),
            (sp2, "revenue", "2026-09-10", "3000"),
            (sp2, "gross_profit", "2026-09-10", "300"),
            (sp2, "activity:call", "2026-08-20", "1"),
            // Named in the push: stays.
            (sp3, "revenue", "2026-08-25", "4000"),
            (sp3, "gross_profit", "2026-08-25", "400"),
            (sp3, "activity:demo", "2026-08-21", "1"),
        ])
    );
    // Quarter totals: sp1 1000 + 500; sp2 600 + 2000 + 3000; sp3 4000.
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("1500")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-07-01", "2026-09-30"),
        dec("5600")
    );
    assert_eq!(
        total(&r, sp2, "gross_profit", "2026-07-01", "2026-09-30"),
        dec("560")
    );
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        dec("4000")
    );
    let s2 = sale_row(&app, org, "hubspot", "S2").await.unwrap();
    assert_eq!((s2.salesperson_id, s2.version), (sp2, 2));
    let s1 = sale_row(&app, org, "hubspot", "S1").await.unwrap();
    assert_eq!((s1.salesperson_id, s1.version), (sp1, 1));

    // Pushed afterwards, by day: before the transfer to sp1, after it to sp2; a
    // re-push of a moved sale is unchanged.
    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            sale("S7", w.acme, "2026-08-14", "70", "7"),
            sale("S8", w.acme, "2026-08-16", "80", "8"),
            sale("S2", w.acme, "2026-08-20", "2000", "200"),
            // Moved across the transfer date: it follows the owner of its new day.
            sale("S1", w.acme, "2026-08-16", "1000", "100"),
        ]),
    )
    .await;
    assert_eq!(
        statuses(&v),
        strs(&["created", "created", "unchanged", "updated"])
    );
    assert_eq!(
        sale_row(&app, org, "hubspot", "S7")
            .await
            .unwrap()
            .salesperson_id,
        sp1
    );
    assert_eq!(
        sale_row(&app, org, "hubspot", "S8")
            .await
            .unwrap()
            .salesperson_id,
        sp2
    );
    assert_eq!(
        sale_row(&app, org, "hubspot", "S1")
            .await
            .unwrap()
            .salesperson_id,
        sp2
    );
    let r = assert_rollup_is_ledger(&app, org).await;
    // sp1: 500 + 70; sp2: 600 + 2000 + 3000 + 80 + 1000.
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("570")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-07-01", "2026-09-30"),
        dec("6680")
    );

    // A correction on the new owner's first day: sp3 held it from 2026-08-15.
    transfer(&app, &w.org, w.acme, sp3, "2026-08-15").await;
    let r = assert_rollup_is_ledger(&app, org).await;
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("570")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-07-01", "2026-09-30"),
        Decimal::ZERO
    );
    assert_eq!(
        total(&r, sp2, "activity:call", "2026-07-01", "2026-09-30"),
        Decimal::ZERO
    );
    // 6680 moved over, plus its own 4000.
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        dec("10680")
    );
    assert_eq!(
        total(&r, sp3, "activity:call", "2026-07-01", "2026-09-30"),
        dec("1")
    );

    // A voided sale is not moved by a later transfer: it no longer counts.
    void(&app, &w.hubspot, id_of(&v, 1), None).await.expect(200); // S8, 80
    transfer(&app, &w.org, w.acme, sp1, "2026-09-01").await;
    let r = assert_rollup_is_ledger(&app, org).await;
    // sp1 gets S3 (3000) back from 2026-09-01; sp3 keeps 10680 - 80 - 3000.
    assert_eq!(
        total(&r, sp1, "revenue", "2026-07-01", "2026-09-30"),
        dec("3570")
    );
    assert_eq!(
        total(&r, sp3, "revenue", "2026-07-01", "2026-09-30"),
        dec("7600")
    );
    let s8 = sale_row(&app, org, "hubspot", "S8").await.unwrap();
    assert!(s8.voided);
}

#[actix_web::test]
async fn a_won_prospect_counts_as_a_new_account_on_its_conversion_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (sp1, sp2, sp3) = (w.sp1.id, w.sp2.id, w.sp3.id);
    // sp3 hunts Initech from June; sales before and after the win.
    let initech = account(&app, &w.org, "Initech", "prospect", sp3, "2026-06-01", None).await;
    pushed(
        &app,
        &w.hubspot,
        json!([
            sale("I-1", initech, "2026-08-05", "100", "10"),
            sale("I-2", initech, "2026-08-12", "200", "20"),
        ]),
    )
    .await;
    // Won on 2026-08-10 and handed to sp1, a farmer.
    let v = app
        .post(&format!("/v1/accounts/{initech}/convert"))
        .token(&w.org.admin)
        .json(&json!({"converted_on": "2026-08-10", "new_owner_id": sp1}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (v["kind"].as_str(), v["converted_on"].as_str()),
        (Some("customer"), Some("2026-08-10"))
    );
    assert_eq!(uuid(&v["won_by"]), sp3);
    let r = assert_rollup_is_ledger(&app, org).await;
    assert_eq!(
        r.iter()
            .filter(|(k, _)| k.0 != sp2 && (k.1 == "new_accounts" || k.2 >= day("2026-08-05")))
            .map(|(k, v)| (k.clone(), *v))
            .collect::<Rollup>(),
        expected(&[
            (sp3, "new_accounts", "2026-08-10", "1"),
            (sp3, "revenue", "2026-08-05", "100"),
            (sp3, "gross_profit", "2026-08-05", "10"),
            // After the handover: the farmer's.
            (sp1, "revenue", "2026-08-12", "200"),
            (sp1, "gross_profit", "2026-08-12", "20"),
        ])
    );

    // Won without a handover, today by default.
    let hooli = account(&app, &w.org, "Hooli", "prospect", sp2, "2026-03-01", None).await;
    app.post(&format!("/v1/accounts/{hooli}/convert"))
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    // Won through CRM sync: converted today, credited to its owner today, and the
    // new owner named in the same sync takes it from today.
    account(
        &app,
        &w.org,
        "Umbrella",
        "prospect",
        sp2,
        "2026-04-01",
        Some(("hubspot", "U-1")),
    )
    .await;
    app.put("/v1/accounts/external/hubspot/U-1")
        .token(&w.org.admin)
        .json(&json!({"name": "Umbrella", "kind": "customer", "owner_id": sp3}))
        .send()
        .await
        .expect(200);
    let r = assert_rollup_is_ledger(&app, org).await;
    let t = today().to_string();
    assert_eq!(total(&r, sp2, "new_accounts", &t, &t), dec("2"));
    assert_eq!(total(&r, sp3, "new_accounts", "2026-01-01", &t), dec("1"));
    assert_eq!(
        total(&r, sp1, "new_accounts", "2026-01-01", &t),
        Decimal::ZERO
    );
    // A later transfer of a won account does not move who won it.
    transfer(&app, &w.org, initech, sp2, "2026-08-10").await;
    let r = assert_rollup_is_ledger(&app, org).await;
    assert_eq!(
        total(&r, sp3, "new_accounts", "2026-08-10", "2026-08-10"),
        dec("1")
    );
    assert_eq!(
        total(&r, sp2, "revenue", "2026-08-12", "2026-08-12"),
        dec("200")
    );
}
