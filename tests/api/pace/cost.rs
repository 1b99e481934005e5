//! What announcing pace costs a write: the same statements however many
//! targets it moves (they are measured together and recorded in one upsert).

use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::RunQueryDsl;

use super::*;

/// An organisation whose salesperson has `n` agreed targets of 10 calls in
/// 2026-Q3 (over: at risk below 10), each last recorded as `ahead`, so that
/// one more call moves every one of them to `at_risk`. The organisation, its
/// account.
async fn world(app: &TestApp, name: &str, n: usize) -> (Built, Uuid) {
    let mut s = Scenario::new(name)
        .manager("mgr")
        .salesperson("sp", "farmer")
        .team("North", Some("mgr"), &["sp"])
        .customer("Contoso", "sp");
    for i in 0..n {
        s = s.agreed_target(&format!("t{i}"), "mgr", "sp", move |s| {
            json!({"title": format!("Calls {i}"), "subject_type": "user",
                   "subject_id": s.id("sp"), "metric": "activities", "activity_kind": "call",
                   "value": "10", "period": "2026-Q3"})
        });
    }
    let w = s.build(app).await;
    let moved = diesel::sql_query("UPDATE target_pace SET status = 'ahead' WHERE org_id = $1")
        .bind::<SqlUuid, _>(w.org.id)
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    assert_eq!(moved, n);
    let account = w.id("Contoso");
    (w, account)
}

#[actix_web::test]
async fn a_write_that_moves_many_targets_costs_the_statements_of_one() {
    let app = TestApp::new().await;
    let mut costs = Vec::new();
    for (name, n) in [("One", 1), ("Four", 4)] {
        let (w, account) = world(&app, name, n).await;
        let call = json!([{"external_id": "C-1", "source": "outreach", "kind": "call",
                           "account_id": account, "occurred_at": "2026-08-03T12:00:00Z"}]);
        let cost =
            internals::statements_for_activities(&app.db.url, w.org.id, w.org.admin_id, call).await;
        let all = pace_events(&app, &w.org.admin).await;
        assert_eq!(all.len(), n, "{all:#?}");
        for e in &all {
            assert_eq!(e["data"]["previous_status"], "ahead");
            assert_eq!(e["data"]["status"], "at_risk");
            // 1 call of 10.
            assert_eq!(e["data"]["progress"]["actual"], "1.00");
        }
        costs.push(cost);
    }
    assert_eq!(
        costs[1], costs[0],
        "moving 4 targets costs {} statements, 1 costs {}",
        costs[1], costs[0]
    );
}
