//! The daily sweep: once per organisation day, from its own midnight.
//!
//! The target: 3000 of revenue from Monday 2036-01-07 to Friday 2036-02-15,
//! six weeks of five working days: 30 working days, 100 expected a day. Its
//! salesperson sold 2200 in its first week and nothing since. In its fifth week,
//! as of (the whole of) each day:
//! - Monday 4 February, 21 days: expected 2100, pace 2200/2100 = 104.76%: on track
//!   (95% to 110%);
//! - Tuesday, 22 days: 2200, 100%: on track;
//! - Wednesday, 23 days: 2300, 95.65%: on track;
//! - Thursday, 24 days: 2400, 91.67%: behind (80% to 95%).
//!
//! When it is agreed (today, long before its period), nothing counts yet: on
//! track.

use diesel_async::RunQueryDsl;

use super::*;

const MON: &str = "2036-02-04T00:00:30Z";
const TUE: &str = "2036-02-05T00:00:30Z";
pub(crate) const WED: &str = "2036-02-06T00:00:30Z";
pub(crate) const THU: &str = "2036-02-07T00:00:30Z";

/// North (mgr: sp, mate), South (mgr2: other); sp's target above, agreed, and
/// 1200 + 1000 of sales in its first week.
pub(crate) async fn world(app: &TestApp, name: &str) -> Built {
    Scenario::north_and_south(name)
        .customer("Contoso", "sp")
        .agreed_target("pace", "mgr", "sp", |s| {
            json!({"title": "Early 2036", "subject_type": "user", "subject_id": s.id("sp"),
                   "metric": "revenue", "value": "3000",
                   "starts_on": "2036-01-07", "ends_on": "2036-02-15"})
        })
        .sales("admin", |s| {
            let contoso = s.id("Contoso");
            json!([
                sale("s1", contoso, "2036-01-08", "1200", "invoice"),
                sale("s2", contoso, "2036-01-09", "1000", "invoice"),
            ])
        })
        .build(app)
        .await
}

/// What the event of Thursday 7 February says: 2200 of 3000 is 73.33%; the
/// run rate 2200 / 24 days carried to 30 is 2750; 800 to go over the 6 working
/// days left, 133.33 a day.
fn thursday() -> Vec<(&'static str, String)> {
    expect(&[
        ("as_of", "2036-02-07"),
        ("actual", "2200.00"),
        ("expected_to_date", "2400.00"),
        ("attainment_pct", "73.33"),
        ("pace_pct", "91.67"),
        ("projected", "2750.00"),
        ("gap", "800.00"),
        ("working_days_left", "6"),
        ("required_per_working_day", "133.33"),
    ])
}

#[actix_web::test]
async fn a_target_on_track_on_monday_without_sales_is_behind_by_thursday_announced_once() {
    let app = TestApp::new().await;
    let w = world(&app, "Acme").await;
    let pool = &app.state.pool;
    let target = w.id("pace");
    assert!(
        pace_events(&app, &w.org.admin).await.is_empty(),
        "agreeing and the sales before the period announce nothing"
    );

    for (day, events) in [(MON, 0), (TUE, 0), (WED, 0), (THU, 1)] {
        assert_eq!(internals::sweep_pace(pool, at(day)).await, 1, "{day}");
        assert_eq!(pace_events(&app, &w.org.admin).await.len(), events, "{day}");
    }
    // Later the same day, and again: that day is swept already.
    assert_eq!(
        internals::sweep_pace(pool, at("2036-02-07T13:00:00Z")).await,
        0
    );
    assert_eq!(internals::sweep_pace(pool, at(THU)).await, 0);

    let all = pace_events(&app, &w.org.admin).await;
    assert_eq!(all.len(), 1, "{all:#?}");
    let e = &all[0];
    assert_eq!(e["type"], "target.pace_changed");
    assert_eq!(uuid(&e["data"]["target"]["id"]), target);
    assert_eq!(e["data"]["target"]["status"], "agreed");
    assert_eq!(uuid(&e["data"]["target"]["subject_id"]), w.id("sp"));
    assert_eq!(amount(&e["data"]["target"]["value"]), dec("3000"));
    assert_eq!(e["data"]["previous_status"], "on_track");
    assert_eq!(e["data"]["status"], "behind");
    assert_eq!(figures(e), thursday());

    // The progress read as of that day says the same.
    let p = app
        .get(&format!("/v1/targets/{target}/progress?as_of=2036-02-07"))
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(p["status"], "behind");
    assert_eq!(amount(&p["pace_pct"]), dec("91.67"));

    // Its salesperson and their manager see it; others do not.
    assert_eq!(pace_events(&app, w.token("sp")).await.len(), 1);
    assert_eq!(pace_events(&app, w.token("mgr")).await.len(), 1);
    assert!(pace_events(&app, w.token("mate")).await.is_empty());
    assert!(pace_events(&app, w.token("other")).await.is_empty());
    assert!(pace_events(&app, w.token("mgr2")).await.is_empty());
}

#[actix_web::test]
async fn days_missed_are_swept_as_one_from_the_last_status() {
    let app = TestApp::new().await;
    let w = world(&app, "Acme").await;
    let pool = &app.state.pool;
    // Monday, then nothing until Thursday: one step from on track to behind.
    assert_eq!(internals::sweep_pace(pool, at(MON)).await, 1);
    assert_eq!(internals::sweep_pace(pool, at(THU)).await, 1);
    let all = pace_events(&app, &w.org.admin).await;
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["data"]["previous_status"], "on_track");
    assert_eq!(all[0]["data"]["status"], "behind");
    assert_eq!(figures(&all[0]), thursday());
}

#[actix_web::test]
async fn two_sweeps_at_once_sweep_an_organisation_day_once() {
    let app = TestApp::new().await;
    let w = world(&app, "Acme").await;
    let pool = &app.state.pool;
    assert_eq!(internals::sweep_pace(pool, at(WED)).await, 1);
    let (a, b) = tokio::join!(
        internals::sweep_pace(pool, at(THU)),
        internals::sweep_pace(pool, at(THU)),
    );
    assert_eq!(a + b, 1, "one of them swept it ({a} and {b})");
    let all = pace_events(&app, &w.org.admin).await;
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["data"]["status"], "behind");
}

#[actix_web::test]
async fn an_organisation_is_swept_after_its_own_midnight_and_sees_only_its_own() {
    let app = TestApp::new().await;
    let acme = world(&app, "Acme").await;
    let globex = world(&app, "Globex").await;
    app.patch("/v1/org")
        .token(&globex.org.admin)
        .json(&json!({"timezone": "America/Los_Angeles"}))
        .send()
        .await
        .expect(200);
    let pool = &app.state.pool;
    // 08:00 UTC on Wednesday is midnight in Los Angeles (PST, UTC-8): both
    // organisations are on Wednesday, on track.
    assert_eq!(
        internals::sweep_pace(pool, at("2036-02-06T08:00:00Z")).await,
        2
    );
    // 03:00 UTC on Thursday: Thursday in UTC, still 19:00 on Wednesday in Los
    // Angeles.
    assert_eq!(
        internals::sweep_pace(pool, at("2036-02-07T03:00:00Z")).await,
        1
    );
    assert_eq!(pace_events(&app, &acme.org.admin).await.len(), 1);
    assert!(pace_events(&app, &globex.org.admin).await.is_empty());
    // Midnight in Los Angeles.
    assert_eq!(
        internals::sweep_pace(pool, at("2036-02-07T08:00:00Z")).await,
        1
    );

    for w in [&acme, &globex] {
        let all = pace_events(&app, &w.org.admin).await;
        assert_eq!(all.len(), 1, "{all:#?}");
        assert_eq!(uuid(&all[0]["data"]["target"]["id"]), w.id("pace"));
        assert_eq!(all[0]["data"]["status"], "behind");
        assert_eq!(figures(&all[0]), thursday());
        let all = pace_events(&app, w.token("sp")).await;
        assert_eq!(all.len(), 1, "{all:#?}");
        assert_eq!(uuid(&all[0]["data"]["target"]["id"]), w.id("pace"));
    }
}

#[actix_web::test]
async fn a_cancelled_target_is_no_longer_swept() {
    let app = TestApp::new().await;
    let w = world(&app, "Acme").await;
    let pool = &app.state.pool;
    assert_eq!(internals::sweep_pace(pool, at(MON)).await, 1);
    app.post(&format!("/v1/targets/{}/cancel", w.id("pace")))
        .token(w.token("mgr"))
        .send()
        .await
        .expect(200);
    assert_eq!(internals::sweep_pace(pool, at(THU)).await, 1);
    assert!(pace_events(&app, &w.org.admin).await.is_empty());
}

#[actix_web::test]
async fn an_organisation_day_another_instance_holds_is_skipped_not_waited_for() {
    let app = TestApp::new().await;
    let w = world(&app, "Acme").await;
    let pool = &app.state.pool;
    assert_eq!(internals::sweep_pace(pool, at(WED)).await, 1);
    // Another instance sweeping it: its row locked in a transaction still open.
    let mut other = app.conn().await;
    diesel::sql_query("BEGIN")
        .execute(&mut other)
        .await
        .unwrap();
    diesel::sql_query("SELECT org_id FROM pace_sweeps WHERE org_id = $1 FOR UPDATE")
        .bind::<diesel::sql_types::Uuid, _>(w.org.id)
        .execute(&mut other)
        .await
        .unwrap();
    let skipped = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        internals::sweep_pace(pool, at(THU)),
    )
    .await
    .expect("the sweep does not wait for the lock");
    assert_eq!(skipped, 0);
    assert!(pace_events(&app, &w.org.admin).await.is_empty());
    // That instance went away without sweeping: the next run sweeps the day.
    diesel::sql_query("ROLLBACK")
        .execute(&mut other)
        .await
        .unwrap();
    assert_eq!(internals::sweep_pace(pool, at(THU)).await, 1);
    assert_eq!(pace_events(&app, &w.org.admin).await.len(), 1);
}
