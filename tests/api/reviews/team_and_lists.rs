//! Team reviews, lists, cancelling and rescheduling.

use super::*;

#[actix_web::test]
async fn a_team_review_shows_the_team_and_each_member_on_the_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // The mate leaves North at the end of the year: not a participant in January.
    app.delete(&format!(
        "/v1/teams/{}/members/{}?to=2026-12-31",
        w.north, w.mate.id
    ))
    .token(&w.org.admin)
    .send()
    .await
    .expect(200);
    let v = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "team_id": w.north, "scheduled_for": "2026-11-27", "period": "2026-Q4"}),
    )
    .await
    .expect(201);
    let id = uuid(&v["id"]);
    assert_eq!(v["salesperson_id"], Value::Null);
    let a = agenda(&app, &w.mate.token, id).await;
    let parts = a["participants"].as_array().unwrap();
    let mut people: Vec<String> = parts[1..]
        .iter()
        .map(|p| p["subject_id"].as_str().unwrap().to_string())
        .collect();
    people.sort();
    let mut expected = vec![w.sp.id.to_string(), w.mate.id.to_string()];
    expected.sort();
    assert_eq!(people, expected);
    assert_eq!(
        (
            &parts[0]["subject_type"],
            &parts[0]["subject_id"],
            &parts[0]["name"]
        ),
        (&json!("team"), &json!(w.north), &json!("North"))
    );
    assert_eq!(
        parts[0]["targets"][0]["target_id"],
        w.team_target.to_string()
    );
    assert_eq!(parts[0]["targets"][0]["progress"]["actual"], "8000.00");
    let sp = parts
        .iter()
        .find(|p| p["subject_id"] == json!(w.sp.id))
        .unwrap();
    assert_eq!(sp["targets"][0]["target_id"], w.target.to_string());
    // Members add their own updates; actions are the manager's to record.
    added(
        &app,
        &w.mate.token,
        id,
        json!({"type": "update", "text": "Pipeline at 40k"}),
    )
    .await;
    add(
        &app,
        &w.mate.token,
        id,
        json!({"type": "action", "text": "x", "due_on": "2026-12-01"}),
    )
    .await
    .problem(403, "forbidden");
    let owned = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "action", "text": "Book three demos", "due_on": "2026-12-04", "owner_id": w.sp.id}),
    )
    .await;
    let teams_own = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "hurdle", "text": "Two open roles"}),
    )
    .await;
    assert_eq!(teams_own["owner_id"], w.mgr.id.to_string());
    let win = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "success", "text": "Best November ever", "size": "big"}),
    )
    .await;
    assert_eq!(win["owner_id"], Value::Null);
    post(&app, &w.mgr.token, &format!("/v1/reviews/{id}/complete"))
        .await
        .expect(200);
    // January: the action goes under its owner, the manager's hurdle under the team.
    let v = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "team_id": w.north, "scheduled_for": "2027-01-08", "period": "2026-Q4"}),
    )
    .await
    .expect(201);
    let next = uuid(&v["id"]);
    let a = agenda(&app, &w.mgr.token, next).await;
    let parts = a["participants"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "only the salesperson is still a member");
    assert_eq!(ids(&parts[0]["open_items"]), vec![uuid(&teams_own["id"])]);
    assert_eq!(parts[1]["subject_id"], w.sp.id.to_string());
    assert_eq!(ids(&parts[1]["open_items"]), vec![uuid(&owned["id"])]);
    // The one-to-one series is another series: nothing of the team review carries into it.
    let solo = one_to_one(&app, &w, "2027-01-09").await;
    let a = agenda(&app, &w.sp.token, solo).await;
    assert_eq!(a["participants"][0]["open_items"], json!([]));
    // The owner closes the carried action from the January team review.
    close(&app, &w.sp.token, next, &owned).await.expect(200);
    // ... but not through their one-to-one, which does not show it.
    close(&app, &w.sp.token, solo, &teams_own)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn lists_filter_and_page_reviews() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let a = one_to_one(&app, &w, "2026-11-20").await;
    let b = one_to_one(&app, &w, "2026-11-27").await;
    let v = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "team_id": w.north, "scheduled_for": "2026-11-24", "period": "2026-11"}),
    )
    .await
    .expect(201);
    let t = uuid(&v["id"]);
    let south = others_review(&app, &w, "2026-11-21").await;
    post(&app, &w.mgr.token, &format!("/v1/reviews/{a}/complete"))
        .await
        .expect(200);
    let list = |token: String, q: String| {
        let app = &app;
        async move {
            ids(&app
                .get(&format!("/v1/reviews?{q}"))
                .token(&token)
                .send()
                .await
                .expect(200)["data"])
        }
    };
    let admin = || w.org.admin.clone();
    assert_eq!(list(admin(), "".into()).await, vec![a, south, t, b]);
    assert_eq!(list(w.mgr.token.clone(), "".into()).await, vec![a, t, b]);
    assert_eq!(list(w.mgr2.token.clone(), "".into()).await, vec![south]);
    assert_eq!(list(w.sp.token.clone(), "".into()).await, vec![a, t, b]);
    assert_eq!(list(w.mate.token.clone(), "".into()).await, vec![t]);
    assert_eq!(list(w.mgr.token.clone(), "kind=team".into()).await, vec![t]);
    assert_eq!(
        list(w.mgr.token.clone(), "status=completed".into()).await,
        vec![a]
    );
    assert_eq!(
        list(admin(), "from=2026-11-21&to=2026-11-24".into()).await,
        vec![south, t]
    );
    assert_eq!(
        list(admin(), format!("salesperson_id={}", w.sp.id)).await,
        vec![a, b]
    );
    assert_eq!(list(admin(), format!("team_id={}", w.north)).await, vec![t]);
    // Pages of two.
    let seen = all_pages(&app, &w.org.admin, "/v1/reviews?limit=2").await;
    assert_eq!(seen, vec![a, south, t, b]);
}

#[actix_web::test]
async fn a_review_is_cancelled_before_completion_only() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = one_to_one(&app, &w, "2026-11-27").await;
    let action = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "action", "text": "Call", "due_on": "2026-12-01"}),
    )
    .await;
    let v = post(&app, &w.mgr.token, &format!("/v1/reviews/{id}/cancel"))
        .await
        .expect(200);
    assert_eq!(
        (&v["status"], &v["cancelled_by"]),
        (&json!("cancelled"), &json!(w.mgr.id))
    );
    post(&app, &w.mgr.token, &format!("/v1/reviews/{id}/cancel"))
        .await
        .problem(409, "review_cancelled");
    post(&app, &w.mgr.token, &format!("/v1/reviews/{id}/complete"))
        .await
        .problem(409, "review_cancelled");
    add(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "strategy", "text": "x"}),
    )
    .await
    .problem(409, "review_cancelled");
    // A cancelled review carries nothing forward.
    let next = one_to_one(&app, &w, "2026-12-04").await;
    let a = agenda(&app, &w.mgr.token, next).await;
    assert_eq!(a["participants"][0]["open_items"], json!([]));
    close(&app, &w.mgr.token, next, &action)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn a_scheduled_review_is_rescheduled_under_if_match() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = one_to_one(&app, &w, "2026-11-27").await;
    let path = format!("/v1/reviews/{id}");
    let r = app
        .patch(&path)
        .token(&w.mgr.token)
        .header("if-match", "\"1\"")
        .json(&json!({"scheduled_for": "2026-12-01", "period": "2026-12", "facilitator_id": w.mgr2.id}))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(
        (
            &v["scheduled_for"],
            &v["period"],
            &v["starts_on"],
            &v["ends_on"],
            &v["facilitator_id"]
        ),
        (
            // A bare day is the start of that day in the organisation's timezone (UTC here).
            &json!("2026-12-01T00:00:00Z"),
            &json!("2026-12"),
            &json!("2026-12-01"),
            &json!("2026-12-31"),
            &json!(w.mgr2.id)
        )
    );
    // The new facilitator runs it; a stale ETag, bad values and the salesperson are refused.
    app.patch(&path)
        .token(&w.mgr2.token)
        .header("if-match", "\"1\"")
        .json(&json!({"scheduled_for": "2026-12-02"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    let v = app
        .patch(&path)
        .token(&w.mgr2.token)
        .json(&json!({"period": "someday", "facilitator_id": w.viewer.id}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"].as_array().unwrap().len(), 2, "{v}");
    let v = app
        .patch(&path)
        .token(&w.mgr2.token)
        .json(&json!({"scheduled_for": "0001-01-01"}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "scheduled_for", "{v}");
    app.patch(&path)
        .token(&w.mgr2.token)
        .json(&json!({"kind": "team"}))
        .send()
        .await
        .problem(422, "validation_failed");
    app.patch(&path)
        .token(&w.sp.token)
        .json(&json!({"scheduled_for": "2026-12-02"}))
        .send()
        .await
        .problem(403, "forbidden");
    post(&app, &w.mgr2.token, &format!("{path}/complete"))
        .await
        .expect(200);
    app.patch(&path)
        .token(&w.mgr.token)
        .json(&json!({"scheduled_for": "2026-12-02"}))
        .send()
        .await
        .problem(409, "review_completed");
}
