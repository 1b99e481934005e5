//! Reviews are meetings: `scheduled_for` is an instant, answered in UTC; a bare
//! day is the start of that day in the organisation's timezone, and days in
//! filters, series and the feed are the organisation's days.

use super::*;

async fn set_timezone(app: &TestApp, w: &World, tz: &str) {
    let v = app
        .patch("/v1/org")
        .token(&w.org.admin)
        .json(&json!({ "timezone": tz }))
        .send()
        .await
        .expect(200);
    assert_eq!(v["timezone"], tz);
}

/// A one-to-one of `sp` at `when`, answered.
async fn meeting(app: &TestApp, w: &World, when: &str) -> Value {
    schedule(
        app,
        &w.mgr.token,
        json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": when, "period": "2026-Q4"}),
    )
    .await
    .expect(201)
}

async fn listed(app: &TestApp, w: &World, query: &str) -> Vec<Uuid> {
    let v = app
        .get(&format!("/v1/reviews?salesperson_id={}&{query}", w.sp.id))
        .token(&w.mgr.token)
        .send()
        .await
        .expect(200);
    ids(&v["data"])
}

#[actix_web::test]
async fn an_instant_in_another_offset_is_answered_in_utc() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // 14:30 at UTC+1 is 13:30 UTC.
    let v = meeting(&app, &w, "2026-12-03T14:30:00+01:00").await;
    assert_eq!(v["scheduled_for"], "2026-12-03T13:30:00Z", "{v}");
    let id = uuid(&v["id"]);
    let v = app
        .get(&format!("/v1/reviews/{id}"))
        .token(&w.sp.token)
        .send()
        .await
        .expect(200);
    assert_eq!(v["scheduled_for"], "2026-12-03T13:30:00Z");
    // 09:15 at UTC-05:30 is 14:45 UTC; a fraction of a second is kept.
    let v = meeting(&app, &w, "2026-12-03T09:15:00.5-05:30").await;
    assert_eq!(v["scheduled_for"], "2026-12-03T14:45:00.500Z", "{v}");
}

#[actix_web::test]
async fn a_bare_day_is_the_start_of_that_day_in_the_organisations_timezone() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let cases = [
        // UTC: midnight is midnight.
        ("UTC", "2026-12-03", "2026-12-03T00:00:00Z"),
        // Berlin in winter is UTC+1: 00:00+01:00 is 23:00 UTC the day before.
        ("Europe/Berlin", "2026-12-03", "2026-12-02T23:00:00Z"),
        // Berlin in summer is UTC+2: 00:00+02:00 is 22:00 UTC the day before.
        ("Europe/Berlin", "2026-07-01", "2026-06-30T22:00:00Z"),
        // New York in winter is UTC-5: 00:00-05:00 is 05:00 UTC.
        ("America/New_York", "2026-12-03", "2026-12-03T05:00:00Z"),
        // New York in summer is UTC-4: 00:00-04:00 is 04:00 UTC.
        ("America/New_York", "2026-07-01", "2026-07-01T04:00:00Z"),
    ];
    let mut failures = Vec::new();
    for (tz, day, expected) in cases {
        set_timezone(&app, &w, tz).await;
        let v = meeting(&app, &w, day).await;
        if v["scheduled_for"] != expected {
            failures.push(format!("{tz} {day}: {} not {expected}", v["scheduled_for"]));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[actix_web::test]
async fn day_filters_compare_the_organisations_day_of_the_meeting() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    set_timezone(&app, &w, "Europe/Berlin").await;
    // 23:30 in Berlin on the 3rd (22:30 UTC): on the 3rd.
    let late = meeting(&app, &w, "2026-12-03T23:30:00+01:00").await;
    assert_eq!(late["scheduled_for"], "2026-12-03T22:30:00Z");
    let late = uuid(&late["id"]);
    // 00:30 in Berlin on the 4th is 23:30 UTC on the 3rd: on the 4th for the organisation.
    let early = meeting(&app, &w, "2026-12-04T00:30:00+01:00").await;
    assert_eq!(early["scheduled_for"], "2026-12-03T23:30:00Z");
    let early = uuid(&early["id"]);
    // A bare day: 00:00 in Berlin on the 3rd, 23:00 UTC on the 2nd.
    let midnight = uuid(&meeting(&app, &w, "2026-12-03").await["id"]);
    let cases: [(&str, Vec<Uuid>); 8] = [
        ("from=2026-12-03&to=2026-12-03", vec![midnight, late]),
        ("to=2026-12-03", vec![midnight, late]),
        ("from=2026-12-04", vec![early]),
        ("from=2026-12-04&to=2026-12-04", vec![early]),
        ("to=2026-12-02", vec![]),
        ("from=2026-12-02&to=2026-12-02", vec![]),
        // Instants bound the meeting itself, at or after and at or before.
        (
            "from=2026-12-03T22:30:00Z&to=2026-12-03T23:30:00Z",
            vec![late, early],
        ),
        // `+` is sent as %2B in a query string; 23:29:59+01:00 is 22:29:59Z.
        ("to=2026-12-03T23:29:59%2B01:00", vec![midnight]),
    ];
    let mut failures = Vec::new();
    for (q, expected) in cases {
        let got = listed(&app, &w, q).await;
        if got != expected {
            failures.push(format!("{q}: {got:?} not {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Pages follow the instants: midnight, then 22:30 UTC, then 23:30 UTC.
    let path = format!("/v1/reviews?salesperson_id={}&limit=1", w.sp.id);
    assert_eq!(
        all_pages(&app, &w.mgr.token, &path).await,
        [midnight, late, early]
    );
}

#[actix_web::test]
async fn bad_values_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = one_to_one(&app, &w, "2026-12-03T10:00:00Z").await;
    let bad = [
        json!("2026-13-01"),
        json!("tomorrow"),
        json!("2026-12-03T25:00:00Z"),
        // No offset: not an instant.
        json!("2026-12-03T14:30:00"),
        json!("2026-12-03 14:30:00Z"),
        json!("2026-12-03T23:59:60Z"),
        json!(""),
        json!(20261203),
    ];
    for value in bad {
        let r = schedule(
            &app,
            &w.mgr.token,
            json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": value, "period": "2026-Q4"}),
        )
        .await;
        let v = r.problem(422, "validation_failed");
        assert_eq!(v["errors"][0]["field"], "scheduled_for", "{value}: {v}");
        let v = app
            .patch(&format!("/v1/reviews/{id}"))
            .token(&w.mgr.token)
            .json(&json!({ "scheduled_for": value }))
            .send()
            .await
            .problem(422, "validation_failed");
        assert_eq!(v["errors"][0]["field"], "scheduled_for", "{value}: {v}");
    }
    for q in [
        "from=tomorrow",
        "to=2026-12-03T25:00:00Z",
        "to=2026-12-03T14:30:00",
    ] {
        app.get(&format!("/v1/reviews?{q}"))
            .token(&w.mgr.token)
            .send()
            .await
            .problem(400, "invalid_query");
    }
}

#[actix_web::test]
async fn a_review_is_rescheduled_to_an_instant_or_a_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    set_timezone(&app, &w, "America/New_York").await;
    let id = one_to_one(&app, &w, "2026-12-03T10:00:00Z").await;
    let path = format!("/v1/reviews/{id}");
    // 09:15 at UTC-5 is 14:15 UTC.
    let v = app
        .patch(&path)
        .token(&w.mgr.token)
        .json(&json!({"scheduled_for": "2026-12-04T09:15:00-05:00"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["scheduled_for"], "2026-12-04T14:15:00Z");
    // A bare day: 00:00 in New York (UTC-5 in December) is 05:00 UTC.
    let v = app
        .patch(&path)
        .token(&w.mgr.token)
        .json(&json!({"scheduled_for": "2026-12-07"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["scheduled_for"], "2026-12-07T05:00:00Z");
    assert_eq!(v["version"], 3);
}

#[actix_web::test]
async fn a_series_follows_the_instants_and_counts_the_organisations_days() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    set_timezone(&app, &w, "Europe/Berlin").await;
    // The afternoon meeting is scheduled first, so its id is the smaller one:
    // the series is ordered by when the meetings are held, not by id.
    let afternoon = one_to_one(&app, &w, "2026-12-04T15:00:00+01:00").await;
    // 00:30 in Berlin on the 4th: 23:30 UTC on the 3rd.
    let morning = one_to_one(&app, &w, "2026-12-04T00:30:00+01:00").await;
    added(
        &app,
        &w.mgr.token,
        morning,
        json!({"type": "action", "text": "Call the CFO", "due_on": "2026-12-10"}),
    )
    .await;
    added(
        &app,
        &w.mgr.token,
        morning,
        json!({"type": "success", "text": "Signed Contoso", "size": "big"}),
    )
    .await;
    post(
        &app,
        &w.mgr.token,
        &format!("/v1/reviews/{morning}/complete"),
    )
    .await
    .expect(200);
    let a = agenda(&app, &w.mgr.token, afternoon).await;
    // The last completed review was held on the 4th (Berlin), so successes
    // count from the 5th; on UTC's day it would have been the 4th.
    assert_eq!(a["successes_since"], "2026-12-05", "{a}");
    assert_eq!(types(&a["participants"][0]["open_items"]), ["action"]);
    // The success recorded at that meeting occurred on the organisation's day, the 4th.
    let v = app
        .get("/v1/successes")
        .token(&w.mgr.token)
        .send()
        .await
        .expect(200);
    let recorded: Vec<&Value> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["review_id"] == json!(morning))
        .collect();
    assert_eq!(recorded.len(), 1, "{v}");
    assert_eq!(recorded[0]["occurred_on"], "2026-12-04");
}

#[actix_web::test]
async fn a_team_review_has_the_members_of_the_organisations_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    set_timezone(&app, &w, "Europe/Berlin").await;
    // The mate leaves North at the end of 2026.
    app.delete(&format!(
        "/v1/teams/{}/members/{}?to=2026-12-31",
        w.north, w.mate.id
    ))
    .token(&w.org.admin)
    .send()
    .await
    .expect(200);
    // 00:30 in Berlin on 1 January 2027 is 23:30 UTC on 31 December: the mate
    // has left by the organisation's day.
    let v = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "team_id": w.north, "scheduled_for": "2027-01-01T00:30:00+01:00", "period": "2026-Q4"}),
    )
    .await
    .expect(201);
    assert_eq!(v["scheduled_for"], "2026-12-31T23:30:00Z");
    let a = agenda(&app, &w.mgr.token, uuid(&v["id"])).await;
    let people: Vec<&Value> = a["participants"].as_array().unwrap()[1..]
        .iter()
        .map(|p| &p["subject_id"])
        .collect();
    assert_eq!(people, [&json!(w.sp.id)], "{a}");
}
