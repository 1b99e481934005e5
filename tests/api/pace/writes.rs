//! After a write: a target whose status the write moved is announced in the
//! write's transaction; one whose status it did not move is not.
//!
//! The target: 1000 of revenue in 2026-Q3, a period that is over, so that its
//! status today is `achieved` once 1000 is reached and `at_risk` below it.

use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::RunQueryDsl;

use super::*;

/// North (mgr: sp, mate), South (mgr2: other), a CRM that pushes sales;
/// Contoso is sp's, Fabrikam other's; sp's Q3 target of 1000, agreed.
async fn world(app: &TestApp) -> Built {
    Scenario::north_and_south("Acme")
        .client("crm", &["sales:write"])
        .customer("Contoso", "sp")
        .customer("Fabrikam", "other")
        .agreed_target("q3", "mgr", "sp", |s| {
            json!({"title": "Q3 revenue", "subject_type": "user", "subject_id": s.id("sp"),
                   "metric": "revenue", "value": "1000", "period": "2026-Q3"})
        })
        .build(app)
        .await
}

/// The figures of a Q3 target of 1000 with `actual` of it, measured today: the
/// period is over, so the whole value was expected and no day is left.
fn over(actual: &str, pct: &str, gap: &str) -> Vec<(&'static str, String)> {
    let today = internals::today_in("UTC").to_string();
    expect(&[
        ("as_of", &today),
        ("actual", actual),
        ("expected_to_date", "1000.00"),
        ("attainment_pct", pct),
        ("pace_pct", pct),
        ("projected", actual),
        ("gap", gap),
        ("working_days_left", "0"),
        ("required_per_working_day", "0.00"),
    ])
}

#[actix_web::test]
async fn a_write_that_moves_a_status_announces_it_in_its_transaction_and_others_do_not() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (crm, contoso, fabrikam) = (w.token("crm"), w.id("Contoso"), w.id("Fabrikam"));
    let target = w.id("q3");

    // 400 of 1000: at risk, as when it was agreed. Another's sale: not sp's target.
    app.push_sales(
        crm,
        &json!([sale("S-1", contoso, "2026-08-03", "400", "invoice")]),
    )
    .await;
    app.push_sales(
        crm,
        &json!([sale("S-2", fabrikam, "2026-08-03", "5000", "invoice")]),
    )
    .await;
    assert!(pace_events(&app, &w.org.admin).await.is_empty());

    // 400 + 600 = 1000: achieved.
    app.push_sales(
        crm,
        &json!([sale("S-3", contoso, "2026-08-04", "600", "invoice")]),
    )
    .await;
    let all = pace_events(&app, &w.org.admin).await;
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(uuid(&all[0]["data"]["target"]["id"]), target);
    assert_eq!(all[0]["data"]["previous_status"], "at_risk");
    assert_eq!(all[0]["data"]["status"], "achieved");
    assert_eq!(figures(&all[0]), over("1000.00", "100.00", "0.00"));

    // In the transaction of the write that moved it, beside its results.recorded
    // and the target.achieved it brought.
    let mut c = app.conn().await;
    let same: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM events r JOIN events p ON p.txid = r.txid \
         JOIN events a ON a.txid = r.txid \
         WHERE r.org_id = $1 AND r.type = 'results.recorded' \
           AND p.type = 'target.pace_changed' AND a.type = 'target.achieved'",
    )
    .bind::<SqlUuid, _>(w.org.id)
    .get_result(&mut c)
    .await
    .unwrap();
    assert_eq!(same.n, 1);

    // Another 50: still achieved, nothing to announce.
    app.push_sales(
        crm,
        &json!([sale("S-4", contoso, "2026-08-05", "50", "invoice")]),
    )
    .await;
    assert_eq!(pace_events(&app, &w.org.admin).await.len(), 1);

    // A credit note of 150: 1050 - 150 = 900 of 1000, at risk again.
    app.push_sales(
        crm,
        &json!([sale("S-5", contoso, "2026-08-06", "150", "credit_note")]),
    )
    .await;
    let all = pace_events(&app, &w.org.admin).await;
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[1]["data"]["previous_status"], "achieved");
    assert_eq!(all[1]["data"]["status"], "at_risk");
    assert_eq!(figures(&all[1]), over("900.00", "90.00", "100.00"));

    // Its salesperson sees both; the others none.
    assert_eq!(pace_events(&app, w.token("sp")).await.len(), 2);
    assert!(pace_events(&app, w.token("mate")).await.is_empty());
    assert!(pace_events(&app, w.token("other")).await.is_empty());
}

#[actix_web::test]
async fn a_void_that_moves_a_status_announces_it() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (crm, contoso) = (w.token("crm"), w.id("Contoso"));
    let v = app
        .push_sales(
            crm,
            &json!([
                sale("S-1", contoso, "2026-08-03", "700", "invoice"),
                sale("S-2", contoso, "2026-08-04", "300", "invoice"),
            ]),
        )
        .await;
    assert_eq!(v["created"], 2, "{v}");
    let all = pace_events(&app, &w.org.admin).await;
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["data"]["status"], "achieved");

    // Voiding the 300 leaves 700 of 1000: at risk.
    let id = v["items"][1]["id"]
        .as_str()
        .expect("the sale's id")
        .to_string();
    app.post(&format!("/v1/sales/{id}/void"))
        .token(crm)
        .send()
        .await
        .expect(200);
    let all = pace_events(&app, &w.org.admin).await;
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[1]["data"]["previous_status"], "achieved");
    assert_eq!(all[1]["data"]["status"], "at_risk");
    assert_eq!(figures(&all[1]), over("700.00", "70.00", "300.00"));
}

#[actix_web::test]
async fn two_writes_at_once_that_make_the_same_move_announce_it_once() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (crm, contoso) = (w.token("crm"), w.id("Contoso"));
    app.push_sales(
        crm,
        &json!([sale("S-1", contoso, "2026-08-03", "900", "invoice")]),
    )
    .await;
    // 900 + 200 = 1100 for either alone, on days of their own: whichever
    // commits first announces the move, the other finds it recorded (here or,
    // when both measured before either committed, in its upsert).
    let first = json!([sale("S-2", contoso, "2026-08-10", "200", "invoice")]);
    let second = json!([sale("S-3", contoso, "2026-08-11", "200", "invoice")]);
    tokio::join!(app.push_sales(crm, &first), app.push_sales(crm, &second));
    let all = pace_events(&app, &w.org.admin).await;
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["data"]["previous_status"], "at_risk");
    assert_eq!(all[0]["data"]["status"], "achieved");
}
