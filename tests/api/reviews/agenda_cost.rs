//! What an agenda costs the database: the same statements however many
//! participants' targets it measures.

use super::*;

/// The ids of the targets on a participant's agenda.
fn targets_of(agenda: &Value, subject: Uuid) -> Vec<Uuid> {
    let part = agenda["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["subject_id"] == json!(subject))
        .unwrap();
    part["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| uuid(&t["target_id"]))
        .collect()
}

#[actix_web::test]
async fn a_team_agenda_measures_every_target_in_a_fixed_number_of_statements() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let v = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "team_id": w.north, "scheduled_for": "2026-11-27", "period": "2026-Q4"}),
    )
    .await
    .expect(201);
    let id = uuid(&v["id"]);
    let (first, a) = internals::agenda_statements(&app.db.url, w.org.id, w.org.admin_id, id).await;
    assert_eq!(targets_of(&a, w.north), [w.team_target]);
    assert_eq!(targets_of(&a, w.sp.id), [w.target]);
    assert_eq!(targets_of(&a, w.mate.id), Vec::<Uuid>::new());

    // A second target of the salesperson's, and the mate's first.
    let profit = app
        .agreed_target(
            &w.mgr.token,
            &w.sp.token,
            &q4_target("Q4 gross profit", "user", w.sp.id, "gross_profit", "5000"),
        )
        .await;
    let mates = app
        .agreed_target(
            &w.mgr.token,
            &w.mate.token,
            &q4_target("Q4 revenue", "user", w.mate.id, "revenue", "10000"),
        )
        .await;
    let (then, a) = internals::agenda_statements(&app.db.url, w.org.id, w.org.admin_id, id).await;
    assert_eq!(targets_of(&a, w.north), [w.team_target]);
    assert_eq!(targets_of(&a, w.sp.id), [w.target, profit]);
    assert_eq!(targets_of(&a, w.mate.id), [mates]);

    // The review (1) and, the admin seeing everything, nothing more for who
    // sees it; the organisation (1); the last completed review of the series
    // (1); the team's members on the day (1), their names (1), the team's
    // name (1); the agreed targets of all three participants (1); the people's
    // targets measured together (1) and the team's one target (1: the teams
    // below it and their sum in one statement); the open items carried (1),
    // the series' successes (1), the milestones (1); the review's own items (1).
    assert_eq!(first, 13);
    assert_eq!(then, first, "more targets, the same statements");
}
