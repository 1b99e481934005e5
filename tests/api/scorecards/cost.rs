//! What a scorecard costs the database: the same statements however many
//! members, people's targets and team targets it shows.

use super::*;
use onpace::progress::service::Frames;

#[actix_web::test]
async fn a_scorecard_costs_the_same_statements_for_more_members_and_targets() {
    let app = TestApp::with(|c| onpace::Config {
        db_pool_size: 1,
        ..c
    })
    .await;
    let w = world(&app).await;
    let query = json!({"period": "2026-Q4", "team_id": w.north, "as_of": "2026-11-26"});
    let pool = &app.state.pool;
    let (org, admin) = (w.org.id, w.org.admin_id);
    let fresh = Frames::default;
    let (first, v) =
        internals::scorecard_statements(pool, &fresh(), org, admin, query.clone()).await;
    // The team's 62,000 as the scorecard's own test works it out.
    assert_eq!(v["team"]["targets"][0]["actual"], "62000.00");

    // A second team target (gross profit: nothing sold at a profit) and Eve's
    // first target.
    let profit = json!({"title": "North GP", "subject_type": "team", "subject_id": w.north,
                        "metric": "gross_profit", "value": "20000", "period": "2026-Q4"});
    app.agreed_target(&w.org.admin, &w.mgr.token, &profit).await;
    app.agreed_target(
        &w.org.admin,
        &w.eve.token,
        &q4("Eve Q4", "user", w.eve.id, "20000"),
    )
    .await;
    let frames = fresh();
    let (then, v) = internals::scorecard_statements(pool, &frames, org, admin, query.clone()).await;
    let team: Vec<(&str, &str)> = v["team"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["title"].as_str().unwrap(), t["actual"].as_str().unwrap()))
        .collect();
    assert_eq!(team, [("North GP", "0.00"), ("North Q4", "62000.00")]);
    assert_eq!(
        v["members"][2]["targets"][0]["actual"], "0.00",
        "Eve sold nothing"
    );

    // The organisation (1: this caller comes without it); the team with the
    // teams below it and their memberships from the period's first day (1;
    // the admin sees every team without a statement); the agreed targets (1);
    // every person's and the team's figures in one sum (1).
    assert_eq!(first, 4);
    assert_eq!(then, first, "more targets, the same statements");

    // Read again within the second: the organisation (1) and the figures (1);
    // the team, its memberships and the targets are remembered.
    let (again, same) = internals::scorecard_statements(pool, &frames, org, admin, query).await;
    assert_eq!(same, v);
    assert_eq!(again, 2);
}
