//! What an instance remembers for a second (`onpace::remembered`): what
//! measuring a salesperson's own target needs of it, what a scorecard shows
//! besides the results. A change through one instance is seen by that
//! instance at once and by the other within the second; results are never
//! remembered: a sale pushed through one counts in the next read of either.

use serde_json::json;

use onpace::remembered;

use super::*;
use crate::events::amount;
use crate::pace::sale;

/// How long an instance may still measure a target as it was before another
/// instance changed it: the second it remembers it, plus the 100 ms between
/// two asks and the time of one answer on a busy machine (up to 400 ms).
const BOUND: Duration = Duration::from_millis(1_000 + 100 + 400);

#[test]
fn an_instance_remembers_a_target_for_one_second() {
    // What README says ("within one second") and what the bound above assumes.
    assert_eq!(remembered::TTL, Duration::from_secs(1));
}

/// North (mgr: sp, mate); sp's draft target of 3000 set by mgr, an agreed
/// gross profit target of 500, and 1200 (gross profit 300) sold in January.
async fn world(app: &TestApp) -> Built {
    Scenario::north_and_south("Acme")
        .customer("Contoso", "sp")
        .target("draft", "mgr", |s| {
            json!({"title": "Early 2036", "subject_type": "user", "subject_id": s.id("sp"),
                   "metric": "revenue", "value": "3000",
                   "starts_on": "2036-01-07", "ends_on": "2036-02-15"})
        })
        .agreed_target("gp", "mgr", "sp", |s| {
            json!({"title": "Early 2036 GP", "subject_type": "user", "subject_id": s.id("sp"),
                   "metric": "gross_profit", "value": "500",
                   "starts_on": "2036-01-07", "ends_on": "2036-02-15"})
        })
        .sales("admin", |s| {
            json!([with(
                sale("s1", s.id("Contoso"), "2036-01-08", "1200", "invoice"),
                json!({"gross_profit": "300"})
            )])
        })
        .build(app)
        .await
}

/// (value, actual) of `target` as of Thursday 7 February 2036, read through
/// `app` by `token`.
async fn measured(app: &TestApp, token: &str, target: uuid::Uuid) -> (String, String) {
    let v = app
        .get(&format!("/v1/targets/{target}/progress?as_of=2036-02-07"))
        .token(token)
        .send()
        .await
        .expect(200);
    let figure = |k: &str| amount(&v[k]).to_string();
    (figure("value"), figure("actual"))
}

#[actix_web::test]
async fn a_target_changed_through_one_instance_is_measured_so_by_it_at_once_and_by_the_other_within_a_second(
) {
    let (a, b) = two(|c| c).await;
    let w = world(&a).await;
    let (sp, target) = (w.token("sp"), w.id("draft"));
    // sp reads their own target through both: each remembers it.
    for app in [&a, &b] {
        assert_eq!(
            measured(app, sp, target).await,
            ("3000.00".into(), "1200.00".into())
        );
        assert!(app.state.aims.get(&(w.org.id, target)).is_some());
    }
    let remembered = b.state.aims.generation();

    // Its setter raises it to 4000 through A.
    a.patch(&format!("/v1/targets/{target}"))
        .token(w.token("mgr"))
        .json(&json!({"value": "4000"}))
        .send()
        .await
        .expect(200);
    let changed = Instant::now();
    // A answered the write: it measures 4000 at once.
    assert_eq!(
        measured(&a, sp, target).await,
        ("4000.00".into(), "1200.00".into())
    );
    // B's memory is its own: A's write did not reach it, and B measures 4000
    // within the bound all the same (3000 until then).
    assert_eq!(b.state.aims.generation(), remembered);
    loop {
        match measured(&b, sp, target).await {
            (v, _) if v == "4000.00" => break,
            (v, _) => assert_eq!(v, "3000.00"),
        }
        assert!(
            changed.elapsed() <= BOUND,
            "B still measured 3000 after {:?}",
            changed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_sale_pushed_through_one_instance_counts_at_once_in_what_the_other_remembers() {
    let (a, b) = two(|c| c).await;
    let w = world(&a).await;
    let sp = w.token("sp");
    let (revenue, gp) = (w.id("draft"), w.id("gp"));
    assert_eq!(
        measured(&b, sp, revenue).await,
        ("3000.00".into(), "1200.00".into())
    );
    assert_eq!(
        measured(&b, sp, gp).await,
        ("500.00".into(), "300.00".into())
    );
    let remembered = b.state.aims.generation();

    // 800 more (gross profit 150) through A, then a credit note of 100 (no
    // gross profit): B counts 1900 and 450 at once, from the targets it remembers.
    a.push_sales(
        &w.org.admin,
        &json!([
            with(
                sale("s2", w.id("Contoso"), "2036-02-01", "800", "invoice"),
                json!({"gross_profit": "150"})
            ),
            sale("s3", w.id("Contoso"), "2036-02-04", "100", "credit_note"),
        ]),
    )
    .await;
    for target in [revenue, gp] {
        assert!(b.state.aims.get(&(w.org.id, target)).is_some());
    }
    assert_eq!(
        measured(&b, sp, revenue).await,
        ("3000.00".into(), "1900.00".into())
    );
    assert_eq!(
        measured(&b, sp, gp).await,
        ("500.00".into(), "450.00".into())
    );
    assert_eq!(b.state.aims.generation(), remembered, "B answered no write");
}

/// North's scorecard for the first quarter of 2036 as of Thursday 7 February,
/// read through `app` by `token`: (member, their gross profit actual or "-").
async fn card(app: &TestApp, token: &str, w: &Built) -> Vec<(String, String)> {
    let v = app
        .get(&format!(
            "/v1/scorecards?period=2036-Q1&team_id={}&as_of=2036-02-07",
            w.id("North")
        ))
        .token(token)
        .send()
        .await
        .expect(200);
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let gp = m["targets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["metric"] == "gross_profit");
            let actual = gp.map_or("-".to_string(), |t| amount(&t["actual"]).to_string());
            (uuid(&m["subject_id"]).to_string(), actual)
        })
        .collect()
}

#[actix_web::test]
async fn a_scorecard_read_again_counts_sales_at_once_and_a_new_member_within_a_second() {
    let (a, b) = two(|c| c).await;
    let w = world(&a).await;
    let mgr = w.token("mgr");
    let (sp, mate, other) = (w.id("sp"), w.id("mate"), w.id("other"));
    let mut before = vec![
        (sp.to_string(), "300.00".to_string()),
        (mate.to_string(), "-".into()),
    ];
    before.sort();
    let sorted = |mut v: Vec<(String, String)>| {
        v.sort();
        v
    };
    for app in [&a, &b] {
        assert_eq!(sorted(card(app, mgr, &w).await), before);
    }
    let remembered = b.state.scorecards.generation();

    // 150 more gross profit through A: B counts it at once.
    a.push_sales(
        &w.org.admin,
        &json!([with(
            sale("s2", w.id("Contoso"), "2036-02-01", "800", "invoice"),
            json!({"gross_profit": "150"})
        )]),
    )
    .await;
    let mut after = vec![
        (sp.to_string(), "450.00".to_string()),
        (mate.to_string(), "-".into()),
    ];
    after.sort();
    assert_eq!(sorted(card(&b, mgr, &w).await), after);
    assert_eq!(
        b.state.scorecards.generation(),
        remembered,
        "B answered no write"
    );

    // `other` moves to North through A: A shows them at once, B within the bound.
    a.join(&w.org, w.id("North"), other, "2036-01-01").await;
    let moved = Instant::now();
    let mut with_other = after.clone();
    with_other.push((other.to_string(), "-".into()));
    with_other.sort();
    assert_eq!(sorted(card(&a, mgr, &w).await), with_other);
    loop {
        let got = sorted(card(&b, mgr, &w).await);
        if got == with_other {
            break;
        }
        assert_eq!(got, after);
        assert!(
            moved.elapsed() <= BOUND,
            "B still left them out after {:?}",
            moved.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
