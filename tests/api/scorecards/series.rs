//! A target's series by week and by day.

use super::*;

#[actix_web::test]
async fn a_series_by_week_and_by_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let url = |g: &str| {
        format!(
            "/v1/targets/{}/series?granularity={g}&as_of=2026-11-26",
            w.ann_q4
        )
    };
    let v = app
        .get(&url("week"))
        .token(&w.ann.token)
        .send()
        .await
        .expect(200);
    let pts = points(&v);
    // 1-4 October (Thursday to Sunday), then 13 weeks from Monday 5 October.
    assert_eq!(pts.len(), 14);
    let p = |s: &str, e: &str, a: Value, x: &str| (s.to_string(), e.to_string(), a, json!(x));
    assert_eq!(
        pts[0],
        p("2026-10-01", "2026-10-04", json!("0.00"), "2000.00")
    );
    // The week of the 10,000 sale: 12 working days gone, 12,000 expected.
    assert_eq!(
        pts[2],
        p("2026-10-12", "2026-10-18", json!("10000.00"), "12000.00")
    );
    // The week holding as_of counts to the 26th (the credit note included); its
    // line runs to Sunday the 29th: 42 working days.
    assert_eq!(
        pts[8],
        p("2026-11-23", "2026-11-29", json!("39000.00"), "42000.00")
    );
    assert_eq!(
        pts[9],
        p("2026-11-30", "2026-12-06", Value::Null, "47000.00")
    );
    assert_eq!(
        pts[13],
        p("2026-12-28", "2026-12-31", Value::Null, "65000.00")
    );
    let days = app
        .get(&url("day"))
        .token(&w.ann.token)
        .send()
        .await
        .expect(200);
    let pts = points(&days);
    assert_eq!(pts.len(), 92);
    assert_eq!(
        pts[14],
        p("2026-10-15", "2026-10-15", json!("10000.00"), "11000.00")
    );
    assert_eq!(pts[56].2, json!("39000.00")); // 26 November
    assert_eq!(pts[57].2, Value::Null);
    // The team's line counts Bob until he moved.
    let v = app
        .get(&format!(
            "/v1/targets/{}/series?as_of=2026-11-26",
            w.north_q4
        ))
        .token(&w.mgr.token)
        .send()
        .await
        .expect(200);
    let pts = points(&v);
    assert_eq!(pts[50].0, "2026-11-20");
    assert_eq!(pts[50].2, json!("63000.00"));
    assert_eq!(pts[55].2, json!("62000.00"));
    // ETag and 304.
    let r = app.get(&url("week")).token(&w.ann.token).send().await;
    let etag = r.header("etag").unwrap();
    let again = app
        .get(&url("week"))
        .token(&w.ann.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status.as_u16(), 304);
    // Refusals.
    app.get(&url("week"))
        .token(&w.dan.token)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&url("month"))
        .token(&w.ann.token)
        .send()
        .await
        .problem(400, "invalid_query");
    let other = app.org("Other").await;
    app.get(&url("day"))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");
}
