//! Sums over ranges of days that start, end and cross month boundaries, as a
//! target's progress and the scorecards' sums read them, after a sale moves to
//! another month and another is voided. Every figure is worked out by hand from
//! the sales below.

use chrono::NaiveDate;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::*;

/// One sale per day, each a different power of two, so that each sum names its
/// days: 1 on 14 Oct 2026, 2 on 15 Oct, 4 on 31 Oct, 8 on 1 Nov, 16 on 30 Nov,
/// 32 on 1 Dec, 64 on 31 Dec, 128 on 1 Jan 2027, 256 on 20 Jan, 512 on 21 Jan.
const SALES: &[(&str, &str, &str)] = &[
    ("a", "2026-10-14", "1"),
    ("b", "2026-10-15", "2"),
    ("c", "2026-10-31", "4"),
    ("d", "2026-11-01", "8"),
    ("e", "2026-11-30", "16"),
    ("f", "2026-12-01", "32"),
    ("g", "2026-12-31", "64"),
    ("h", "2027-01-01", "128"),
    ("i", "2027-01-20", "256"),
    ("j", "2027-01-21", "512"),
];

fn sale(account: Uuid, ext: &str, day: &str, revenue: &str) -> Value {
    json!({"external_id": ext, "source": "crm", "account_id": account,
           "occurred_on": day, "revenue": revenue, "gross_profit": "0"})
}

async fn actual(app: &TestApp, token: &str, id: Uuid, as_of: &str) -> String {
    let v = app
        .get(&format!("/v1/targets/{id}/progress?as_of={as_of}"))
        .token(token)
        .send()
        .await
        .expect(200);
    v["actual"].as_str().unwrap().to_string()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[actix_web::test]
async fn sums_across_month_boundaries_count_each_day_once() {
    let app = TestApp::new().await;
    let s = Scenario::new("Months")
        .salesperson("sp", "farmer")
        .customer("Contoso", "sp")
        .build(&app)
        .await;
    let (org, sp, admin) = (s.org.id, s.person("sp"), s.org.admin.clone());
    let account = s.id("Contoso");
    let items: Vec<Value> = SALES
        .iter()
        .map(|(ext, day, rev)| sale(account, ext, day, rev))
        .collect();
    let pushed = app.push_sales(&admin, &Value::Array(items)).await;
    let e = uuid(&pushed["items"][4]["id"]);
    let odd = app
        .new_target(
            &admin,
            &json!({"title": "Mid-October to January", "subject_type": "user",
                    "subject_id": sp.id, "metric": "revenue", "value": "1000",
                    "starts_on": "2026-10-15", "ends_on": "2027-01-20"}),
        )
        .await;
    let q4 = app
        .new_target(&admin, &q4_target("Q4", "user", sp.id, "revenue", "1000"))
        .await;

    // The progress read (one statement with the target).
    let cases = [
        (odd, "2026-10-14", "0.00"),   // before its first day
        (odd, "2026-10-15", "2.00"),   // its first day: b
        (odd, "2026-10-30", "2.00"),   // b
        (odd, "2026-10-31", "6.00"),   // b c
        (odd, "2026-11-01", "14.00"),  // b c d
        (odd, "2026-11-29", "14.00"),  // b c d
        (odd, "2026-11-30", "30.00"),  // b c d e: November whole
        (odd, "2026-12-15", "62.00"),  // + f
        (odd, "2026-12-31", "126.00"), // + g: December whole
        (odd, "2027-01-01", "254.00"), // + h
        (odd, "2027-01-20", "510.00"), // + i: its last day
        (odd, "2027-03-01", "510.00"), // after it: still up to its last day
        (q4, "2026-10-31", "7.00"),    // a b c: October whole
        (q4, "2026-11-30", "31.00"),   // a to e
        (q4, "2027-02-01", "127.00"),  // a to g: the quarter
    ];
    assert_actuals(&app, &sp.token, &cases).await;

    // The scorecards' sums (many spans in one statement).
    let spans = [
        ("2026-10-01", "2026-12-31", "127"),  // three whole months
        ("2026-10-15", "2027-01-20", "510"),  // partial, two whole, partial
        ("2026-10-14", "2026-10-14", "1"),    // one day
        ("2026-10-16", "2026-10-30", "0"),    // days with nothing
        ("2026-10-31", "2026-11-01", "12"),   // across one boundary
        ("2026-11-01", "2026-11-30", "24"),   // one whole month
        ("2026-11-02", "2026-11-29", "0"),    // inside it, nothing
        ("2026-12-01", "2027-01-31", "992"),  // two whole months
        ("2026-01-01", "2027-12-31", "1023"), // everything
        ("2026-11-30", "2026-11-01", "0"),    // an empty range
    ];
    let ranges: Vec<_> = spans
        .iter()
        .map(|(from, to, _)| (sp.id, d(from), d(to)))
        .collect();
    let mut c = app.conn().await;
    let (money, counted) = onpace::results::service::achieved::sums_many(&mut c, org, &ranges, &[])
        .await
        .unwrap();
    assert!(counted.is_empty());
    let got: Vec<_> = spans
        .iter()
        .zip(&money)
        .map(|((from, to, _), m)| (*from, *to, m.revenue.normalize().to_string()))
        .collect();
    let want: Vec<_> = spans
        .iter()
        .map(|(f, t, s)| (*f, *t, s.to_string()))
        .collect();
    assert_eq!(got, want);

    // c moves from 31 October to 2 November; e is voided.
    let v = app
        .push_sales(&admin, &json!([sale(account, "c", "2026-11-02", "4")]))
        .await;
    assert_eq!(v["items"][0]["status"], "updated", "{v}");
    app.post(&format!("/v1/sales/{e}/void"))
        .token(&admin)
        .send()
        .await
        .expect(200);
    let cases = [
        (odd, "2026-10-31", "2.00"),   // b
        (odd, "2026-11-01", "10.00"),  // b d
        (odd, "2026-11-02", "14.00"),  // b d c
        (odd, "2026-11-30", "14.00"),  // e no longer counts
        (odd, "2027-01-20", "494.00"), // 510 less e
        (q4, "2026-10-31", "3.00"),    // a b
        (q4, "2027-02-01", "111.00"),  // 127 less e
    ];
    assert_actuals(&app, &sp.token, &cases).await;
}

/// Asserts the actual of each `(target, as_of, actual)`, read one after the
/// other, with its day so that a failure shows which.
async fn assert_actuals(app: &TestApp, token: &str, cases: &[(Uuid, &str, &str)]) {
    let mut got = Vec::new();
    for (id, day, _) in cases {
        got.push((*day, actual(app, token, *id, day).await));
    }
    let want: Vec<_> = cases
        .iter()
        .map(|(_, day, a)| (*day, a.to_string()))
        .collect();
    assert_eq!(got, want);
}
