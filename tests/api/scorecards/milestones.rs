//! Milestones noticed on the way.

use super::*;

#[actix_web::test]
async fn reaching_100_pct_is_a_milestone_recorded_once() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // Cat's 13,000 sale reached her 13,000 target; Ann (60%) and North (62%) did not.
    let cat_q4: Uuid = w.cat_q4.parse().unwrap();
    assert_eq!(
        milestones(&app).await,
        vec![Milestone {
            kind: "target_achieved".into(),
            target_id: Some(cat_q4),
            user_id: Some(w.cat.id),
            account_id: None,
        }]
    );
    // More sales for Cat: still one milestone for her target.
    let c = account(&app, &w.org, "Umbrella", w.cat.id).await;
    push(
        &app,
        &w.org,
        vec![sale("c2", &c, "2026-11-03", "500", "invoice")],
    )
    .await;
    assert_eq!(milestones(&app).await.len(), 1);
    // North reaches 100,000 exactly with a 33,000 sale of Eve's in December
    // (67,000 so far over the whole quarter, Ann's December sale included).
    let e = account(&app, &w.org, "Hooli", w.eve.id).await;
    push(
        &app,
        &w.org,
        vec![sale("e9", &e, "2026-12-01", "33000", "invoice")],
    )
    .await;
    let got = milestones(&app).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].target_id, Some(w.north_q4.parse().unwrap()));
    assert_eq!(got[1].user_id, None);
    // A target agreed when it is already reached is a milestone at agreement.
    let dan_acc = account(&app, &w.org, "Wonka", w.dan.id).await;
    push(
        &app,
        &w.org,
        vec![sale("d1", &dan_acc, "2026-10-05", "9000", "invoice")],
    )
    .await;
    assert_eq!(milestones(&app).await.len(), 2);
    let dan_q4 = agreed(
        &app,
        &w.org,
        &w.dan.token,
        q4("Dan Q4", "user", w.dan.id, "8000"),
    )
    .await;
    let got = milestones(&app).await;
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].target_id, Some(dan_q4.parse().unwrap()));
    // Nothing for a target that is not agreed, even over its value.
    app.post("/v1/targets")
        .token(&w.org.admin)
        .json(&q4("Dan draft", "user", w.dan.id, "10"))
        .send()
        .await
        .expect(201);
    push(
        &app,
        &w.org,
        vec![sale("d2", &dan_acc, "2026-10-06", "1", "invoice")],
    )
    .await;
    assert_eq!(milestones(&app).await.len(), 3);
}

#[actix_web::test]
async fn a_won_prospect_is_a_milestone() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let v = app
        .post("/v1/accounts")
        .token(&org.admin)
        .json(&json!({"name": "Prospect", "kind": "prospect", "owner_id": hunter.id, "owned_since": "2026-01-01"}))
        .send()
        .await
        .expect(201);
    let id: Uuid = v["id"].as_str().unwrap().parse().unwrap();
    app.post(&format!("/v1/accounts/{id}/convert"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        milestones(&app).await,
        vec![Milestone {
            kind: "prospect_won".into(),
            target_id: None,
            user_id: Some(hunter.id),
            account_id: Some(id),
        }]
    );
}

#[derive(diesel::QueryableByName)]
struct Dated {
    #[diesel(sql_type = diesel::sql_types::Date)]
    occurred_on: chrono::NaiveDate,
}

/// The day the milestone of `target` is dated.
async fn dated(app: &TestApp, target: &str) -> chrono::NaiveDate {
    let rows: Vec<Dated> = diesel::sql_query(format!(
        "SELECT occurred_on FROM milestones WHERE target_id = '{target}'"
    ))
    .load(&mut app.conn().await)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "one milestone for {target}");
    rows[0].occurred_on
}

#[actix_web::test]
async fn a_milestone_is_dated_on_the_day_its_target_was_reached() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // Cat's 13,000 target: her only sale, 13,000 on 2 November, reached it.
    assert_eq!(dated(&app, &w.cat_q4).await.to_string(), "2026-11-02");
    // Dan: 9,000 on 5 October and 1 on the 6th, pushed before his 8,000 target
    // is agreed: it was reached on 5 October.
    let dan_acc = account(&app, &w.org, "Wonka", w.dan.id).await;
    push(
        &app,
        &w.org,
        vec![
            sale("d1", &dan_acc, "2026-10-05", "9000", "invoice"),
            sale("d2", &dan_acc, "2026-10-06", "1", "invoice"),
        ],
    )
    .await;
    let dan_q4 = agreed(
        &app,
        &w.org,
        &w.dan.token,
        q4("Dan Q4", "user", w.dan.id, "8000"),
    )
    .await;
    assert_eq!(dated(&app, &dan_q4).await.to_string(), "2026-10-05");
    // Ann's 65,000: 44,000 so far (10,000 on 15 October, 30,000 on 20 November,
    // a 1,000 credit note on the 25th, 5,000 on 10 December). 26,000 more on
    // 1 October: running total 26,000 (1 Oct), 36,000 (15 Oct), 66,000
    // (20 Nov): reached on 20 November, not on the day it was pushed.
    let ann_acc = account(&app, &w.org, "Hooli", w.ann.id).await;
    push(
        &app,
        &w.org,
        vec![sale("a8", &ann_acc, "2026-10-01", "26000", "invoice")],
    )
    .await;
    assert_eq!(dated(&app, &w.ann_q4).await.to_string(), "2026-11-20");
}
