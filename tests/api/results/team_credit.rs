//! Team credit and the SMART attainability rating.

use super::*;

#[track_caller]
fn rated(got: &(String, Option<Decimal>, String), rating: &str, ratio: &str, periods: usize) {
    assert_eq!(got.0, rating, "{got:?}");
    assert_eq!(got.1, Some(dec(ratio)), "{got:?}");
    assert!(
        got.2.contains(&format!(
            "over the previous {periods} quarters with results"
        )),
        "{got:?}"
    );
}

#[actix_web::test]
async fn attainability_is_judged_on_the_pushed_history_of_the_person_and_the_team() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (sp1, sp2, sp3) = (w.sp1.id, w.sp2.id, w.sp3.id);
    // Region has two teams; sp1 moves from South to North on 2026-08-15.
    let region = app.team(&w.org, "Region", None, None).await;
    let north = app.team(&w.org, "North", None, Some(region)).await;
    let south = app.team(&w.org, "South", None, Some(region)).await;
    app.join(&w.org, south, sp1, "2026-01-01").await;
    app.join(&w.org, north, sp2, "2026-01-01").await;
    app.join(&w.org, north, sp1, "2026-08-15").await;
    let umbrella = account(
        &app,
        &w.org,
        "Umbrella",
        "customer",
        sp3,
        "2026-01-01",
        None,
    )
    .await;
    let (_, acts) = api_client(&app, &w.org, "dialer", &["activities:write"]).await;

    // Nothing pushed yet: no history.
    let t1 = target(&app, &w.org, q4("user", sp1, "revenue", "12000")).await;
    let got = attainable(&app, &w.org, t1).await;
    assert_eq!((got.0.as_str(), got.1), ("no_history", None));

    let v = pushed(
        &app,
        &w.hubspot,
        json!([
            // sp1: 8000 in Q2 (South); in Q3 6000 in South and 6000 in North.
            sale("Q2-1", w.acme, "2026-05-15", "8000", "2000"),
            sale("Q3-1", w.acme, "2026-07-20", "6000", "1500"),
            sale("Q3-2", w.acme, "2026-08-20", "4000", "1000"),
            sale("Q3-3", w.acme, "2026-09-05", "2000", "500"),
            // sp2: 10000 in Q3 (North).
            sale("Q3-4", w.globex, "2026-08-01", "10000", "2500"),
            // sp3 (no team): 5000 in Q2, later voided, and 4000 in Q3.
            sale("Q2-2", umbrella, "2026-05-10", "5000", "1000"),
            sale("Q3-5", umbrella, "2026-08-01", "4000", "1000"),
            // Q4 itself is not history.
            sale("Q4-1", w.acme, "2026-10-05", "99999", "1"),
        ]),
    )
    .await;
    assert_eq!(v["created"], 8);
    let calls: Vec<Value> = (0..10)
        .map(|i| {
            json!({"external_id": format!("C{i}"), "kind": "call", "salesperson_id": sp1,
                        "occurred_at": format!("2026-09-{:02}T10:00:00Z", 1 + i)})
        })
        .collect();
    push_activities(&app, &acts, json!(calls)).await.expect(200);

    // sp1: (12000 + 8000) / 2 quarters = 10000 on average.
    rated(&attainable(&app, &w.org, t1).await, "realistic", "1.2", 2);
    let t = target(&app, &w.org, q4("user", sp1, "revenue", "15000")).await;
    rated(&attainable(&app, &w.org, t).await, "stretch", "1.5", 2);
    // 15001 / 10000 = 1.5001: shown as 1.50, but over the threshold.
    let t = target(&app, &w.org, q4("user", sp1, "revenue", "15001")).await;
    rated(&attainable(&app, &w.org, t).await, "unrealistic", "1.50", 2);
    // Gross profit: (3000 + 2000) / 2 = 2500.
    let t = target(&app, &w.org, q4("user", sp1, "gross_profit", "3000")).await;
    rated(&attainable(&app, &w.org, t).await, "realistic", "1.2", 2);
    // Calls: 10 in Q3 only.
    let t = target(
        &app,
        &w.org,
        with(
            q4("user", sp1, "activities", "13"),
            json!({"activity_kind": "call"}),
        ),
    )
    .await;
    rated(&attainable(&app, &w.org, t).await, "stretch", "1.3", 1);
    // sp2: 10000 in Q3.
    let t = target(&app, &w.org, q4("user", sp2, "revenue", "11000")).await;
    rated(&attainable(&app, &w.org, t).await, "realistic", "1.1", 1);
    // sp3: (5000 + 4000) / 2 = 4500; once the Q2 sale is voided, Q2 has no
    // results and the average is Q3's 4000.
    let t3 = target(&app, &w.org, q4("user", sp3, "revenue", "4800")).await;
    rated(&attainable(&app, &w.org, t3).await, "realistic", "1.07", 2);
    void(&app, &w.hubspot, id_of(&v, 5), None).await.expect(200);
    rated(&attainable(&app, &w.org, t3).await, "realistic", "1.2", 1);

    // Teams count each day for the people who were members that day.
    // North: sp2's 10000 and sp1's 6000 after the move (Q3 only).
    let tn = target(&app, &w.org, q4("team", north, "revenue", "20000")).await;
    rated(&attainable(&app, &w.org, tn).await, "stretch", "1.25", 1);
    // South: sp1's 6000 before the move, and 8000 in Q2: 7000 on average.
    let ts = target(&app, &w.org, q4("team", south, "revenue", "7000")).await;
    rated(&attainable(&app, &w.org, ts).await, "realistic", "1", 2);
    // Region rolls both up: (22000 + 8000) / 2 = 15000.
    let tr = target(&app, &w.org, q4("team", region, "revenue", "30000")).await;
    rated(&attainable(&app, &w.org, tr).await, "unrealistic", "2", 2);
    // The organisation: everyone, sp3 too: (26000 + 8000) / 2 = 17000.
    let v = app
        .post("/v1/targets")
        .token(&w.org.admin)
        .json(
            &json!({"title": "All", "subject_type": "org", "metric": "revenue",
                      "value": "17000", "period": "2026-Q4"}),
        )
        .send()
        .await
        .expect(201);
    rated(
        &attainable(&app, &w.org, uuid(&v["id"])).await,
        "realistic",
        "1",
        2,
    );

    // A transfer mid-quarter moves history: Acme to sp3 from 2026-09-01 takes
    // sp1's 2000 of 2026-09-05 (and North's) with it.
    transfer(&app, &w.org, w.acme, sp3, "2026-09-01").await;
    // sp1: (10000 + 8000) / 2 = 9000; 12000 / 9000 = 1.33.
    rated(&attainable(&app, &w.org, t1).await, "stretch", "1.33", 2);
    // North: 10000 + 4000 = 14000; 20000 / 14000 = 1.43.
    rated(&attainable(&app, &w.org, tn).await, "stretch", "1.43", 1);
    // sp3: 4000 + 2000 = 6000 in Q3; 4800 / 6000 = 0.8.
    rated(&attainable(&app, &w.org, t3).await, "realistic", "0.8", 1);
    // South is unchanged: the moved sale was North's.
    rated(&attainable(&app, &w.org, ts).await, "realistic", "1", 2);

    // A team move recorded late, effective mid-quarter: sp2 has been in South
    // since 2026-07-15, so sp2's 10000 of 2026-08-01 is South's.
    app.join(&w.org, south, sp2, "2026-07-15").await;
    // North: sp1's 4000 of 2026-08-20 only; 20000 / 4000 = 5.
    rated(&attainable(&app, &w.org, tn).await, "unrealistic", "5", 1);
    // South: (6000 + 10000 + 8000) / 2 = 12000; 7000 / 12000 = 0.58.
    rated(&attainable(&app, &w.org, ts).await, "realistic", "0.58", 2);
    // Region: (6000 + 4000 + 10000 + 8000) / 2 = 14000; 30000 / 14000 = 2.14.
    rated(
        &attainable(&app, &w.org, tr).await,
        "unrealistic",
        "2.14",
        2,
    );
    // People's own figures do not depend on their team.
    rated(&attainable(&app, &w.org, t1).await, "stretch", "1.33", 2);
    assert_rollup_is_ledger(&app, w.org.id).await;
}

#[actix_web::test]
async fn a_persons_history_counts_their_overlay_credits_the_organisations_each_sale_once() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (sp1, sp2) = (w.sp1.id, w.sp2.id);
    let splits = |shares: Value| json!({ "splits": shares });
    // Q3: a sale of Acme (sp1's) with all its revenue credit to sp1 and a
    // 50% overlay to sp2: sp1 10000 / 2000, sp2's overlay 5000 / 1000.
    let v = pushed(
        &app,
        &w.hubspot,
        json!([with(
            sale("Q3-1", w.acme, "2026-08-01", "10000", "2000"),
            splits(json!([
                {"salesperson_id": sp1, "share_pct": "100", "type": "revenue"},
                {"salesperson_id": sp2, "share_pct": "50", "type": "overlay"}
            ]))
        )]),
    )
    .await;
    assert_eq!(v["created"], 1);
    // sp2: 6000 / 5000 and 1200 / 1000, from the overlay alone.
    let t = target(&app, &w.org, q4("user", sp2, "revenue", "6000")).await;
    rated(&attainable(&app, &w.org, t).await, "realistic", "1.2", 1);
    let t = target(&app, &w.org, q4("user", sp2, "gross_profit", "1200")).await;
    rated(&attainable(&app, &w.org, t).await, "realistic", "1.2", 1);
    // sp1: 12000 / 10000, the revenue share.
    let t = target(&app, &w.org, q4("user", sp1, "revenue", "12000")).await;
    rated(&attainable(&app, &w.org, t).await, "realistic", "1.2", 1);
    // The organisation counts the sale once: 12000 / 10000, not 15000.
    let t = target(
        &app,
        &w.org,
        json!({"title": "Q4", "subject_type": "org", "metric": "revenue",
               "value": "12000", "period": "2026-Q4"}),
    )
    .await;
    rated(&attainable(&app, &w.org, t).await, "realistic", "1.2", 1);
}
