//! Workflow of a person's target: proposed, agreed, noted.

use super::*;

#[actix_web::test]
async fn a_persons_target_is_proposed_by_the_manager_and_agreed_by_the_salesperson() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let id = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "100000")).await["id"]);
    let sp_token = w.sp.token.as_str();
    let mgr_token = w.mgr.token.as_str();
    let admin_token = admin.as_str();
    let outsiders = [
        ("another salesperson", w.other.token.as_str(), 404),
        ("the subject's teammate", w.mate.token.as_str(), 404),
        ("a manager of another team", w.mgr2.token.as_str(), 404),
        ("a viewer", w.viewer.token.as_str(), 403),
        ("an integration client", w.client.as_str(), 403),
    ];

    // draft: it cannot be agreed or revised yet.
    let v = out_of_turn(&step(&app, sp_token, id, "agree", None).await);
    assert!(
        v["detail"].as_str().unwrap().contains("propose it first"),
        "{v}"
    );
    let v = out_of_turn(&step(&app, mgr_token, id, "revise", Some(&json!({"value": "1"}))).await);
    assert!(
        v["detail"].as_str().unwrap().contains("edit the draft"),
        "{v}"
    );

    // draft → proposed: the manager or an admin; never the salesperson or anyone else.
    refused_with(
        &app,
        admin,
        id,
        "propose",
        None,
        &[
            coded(&outsiders),
            vec![("the salesperson", sp_token, 403, "own_target")],
        ]
        .concat(),
    )
    .await;
    let r = step(&app, mgr_token, id, "propose", None).await;
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    let v = r.expect(200);
    assert_eq!(
        (v["status"].as_str(), v["version"].as_i64()),
        (Some("proposed"), Some(2))
    );
    assert!(v["agreed_at"].is_null());
    out_of_turn(&step(&app, mgr_token, id, "propose", None).await);

    // proposed → agreed: only the salesperson; not the manager, not an admin.
    refused_by(
        &app,
        admin,
        id,
        "agree",
        None,
        &joined(
            &outsiders,
            &[
                ("the manager", mgr_token, 403),
                ("the regional manager", w.rmgr.token.as_str(), 403),
                ("an admin", admin_token, 403),
            ],
        ),
    )
    .await;
    let before = Utc::now();
    let v = agree(&app, sp_token, id).await;
    assert_eq!(v["status"], "agreed");
    assert_eq!(v["version"], 3);
    assert_eq!(uuid(&v["agreed_by"]), w.sp.id);
    let at = instant(&v["agreed_at"]);
    assert!(
        at >= before - Duration::seconds(1) && at <= Utc::now(),
        "{at}"
    );
    assert_eq!(v["value"], "100000.00");
    // Agreed: not agreed, proposed or edited again.
    out_of_turn(&step(&app, sp_token, id, "agree", None).await);
    out_of_turn(&step(&app, mgr_token, id, "propose", None).await);
    let v = out_of_turn(&patch(&app, mgr_token, id, json!({"value": "1"}), None).await);
    assert!(
        v["detail"].as_str().unwrap().contains("revise it instead"),
        "{v}"
    );

    // agreed → revised: the manager or an admin; the old version is superseded.
    let revise_body = json!({"value": "120000", "note": "Bigger territory"});
    refused_with(
        &app,
        admin,
        id,
        "revise",
        Some(&revise_body),
        &[
            coded(&outsiders),
            vec![("the salesperson", sp_token, 403, "own_target")],
        ]
        .concat(),
    )
    .await;
    let r = step(&app, mgr_token, id, "revise", Some(&revise_body)).await;
    let new = r.expect(201);
    let new_id = uuid(&new["id"]);
    assert_ne!(new_id, id);
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/v1/targets/{new_id}").as_str())
    );
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        new["status"], "proposed",
        "a revision needs agreement again"
    );
    assert_eq!(new["revision"], 2);
    assert_eq!(uuid(&new["revision_of"]), id);
    assert_eq!(new["value"], "120000.00");
    assert_eq!(new["title"], "Q4 revenue");
    assert_eq!(new["version"], 1);
    assert!(new["agreed_at"].is_null() && new["agreed_by"].is_null());
    assert_eq!(uuid(&new["subject_id"]), w.sp.id);
    assert_eq!(new["metric"], "revenue");
    assert_eq!(new["period"], "2026-Q4");
    assert_eq!(uuid(&new["created_by"]), w.mgr.id);
    let old = get(&app, sp_token, id).await.expect(200);
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["value"], "100000.00", "the old version keeps its value");
    assert_eq!(uuid(&old["agreed_by"]), w.sp.id, "and who agreed it");
    assert_eq!(old["version"], 4);
    // Superseded: nothing more happens to it.
    for (action, token) in [
        ("propose", admin_token),
        ("agree", sp_token),
        ("cancel", admin_token),
    ] {
        out_of_turn(&step(&app, token, id, action, None).await);
    }
    out_of_turn(&step(&app, mgr_token, id, "revise", Some(&json!({"value": "5"}))).await);
    out_of_turn(&patch(&app, mgr_token, id, json!({"title": "x"}), None).await);

    // The new version: revised again while proposed, then agreed by the salesperson.
    let v = step(
        &app,
        mgr_token,
        new_id,
        "revise",
        Some(&json!({"value": "0"})),
    )
    .await;
    broke(&v, "value_not_positive", "value");
    let v = step(
        &app,
        mgr_token,
        new_id,
        "revise",
        Some(&json!({"value": "abc"})),
    )
    .await;
    refused(&v, "validation_failed", "value", "invalid_value");
    let third = step(
        &app,
        admin_token,
        new_id,
        "revise",
        Some(&json!({"value": "110000.50", "title": " Q4 revenue, revised "})),
    )
    .await
    .expect(201);
    let third_id = uuid(&third["id"]);
    assert_eq!(
        (third["revision"].as_i64(), third["title"].as_str()),
        (Some(3), Some("Q4 revenue, revised"))
    );
    assert_eq!(uuid(&third["revision_of"]), new_id);
    assert_eq!(state(&app, admin, new_id).await.0, "superseded");
    agree(&app, sp_token, third_id).await;

    // agreed → cancelled: the manager or an admin.
    refused_with(
        &app,
        admin,
        third_id,
        "cancel",
        None,
        &[
            coded(&outsiders),
            vec![("the salesperson", sp_token, 403, "own_target")],
        ]
        .concat(),
    )
    .await;
    let v = cancel(&app, mgr_token, third_id).await;
    assert_eq!(v["status"], "cancelled");
    assert_eq!(uuid(&v["agreed_by"]), w.sp.id);
    for (action, token) in [
        ("propose", admin_token),
        ("agree", sp_token),
        ("cancel", admin_token),
    ] {
        out_of_turn(&step(&app, token, third_id, action, None).await);
    }
    out_of_turn(
        &step(
            &app,
            admin_token,
            third_id,
            "revise",
            Some(&json!({"value": "5"})),
        )
        .await,
    );
    out_of_turn(&patch(&app, admin_token, third_id, json!({"title": "x"}), None).await);

    // A draft and a proposed target are cancelled too.
    let d = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1")).await["id"]);
    assert_eq!(cancel(&app, admin_token, d).await["status"], "cancelled");
    let p = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1")).await["id"]);
    propose(&app, mgr_token, p).await;
    assert_eq!(cancel(&app, mgr_token, p).await["status"], "cancelled");
    out_of_turn(&step(&app, sp_token, p, "agree", None).await);
}

#[actix_web::test]
async fn workflow_steps_take_an_optional_note_and_refuse_bad_bodies() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = uuid(&target(&app, &w.mgr.token, revenue(w.sp.id, "1000")).await["id"]);
    // Bad bodies change nothing.
    let r = step(
        &app,
        &w.mgr.token,
        id,
        "propose",
        Some(&json!({"note": "x".repeat(2001)})),
    )
    .await;
    refused(&r, "validation_failed", "note", "too_long");
    let r = step(&app, &w.mgr.token, id, "propose", Some(&json!({"note": 5}))).await;
    refused(&r, "validation_failed", "note", "invalid_type");
    let r = step(
        &app,
        &w.mgr.token,
        id,
        "propose",
        Some(&json!({"note": "ok", "value": "1"})),
    )
    .await;
    refused(&r, "validation_failed", "value", "unknown_field");
    app.post(&format!("/v1/targets/{id}/propose"))
        .token(&w.mgr.token)
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post(&format!("/v1/targets/{id}/propose"))
        .token(&w.mgr.token)
        .body("text/plain", "please")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    assert_eq!(
        state(&app, &w.org.admin, id).await,
        ("draft".to_string(), 1)
    );
    // An empty body, an empty object, a note.
    app.post(&format!("/v1/targets/{id}/propose"))
        .token(&w.mgr.token)
        .body("application/json", "")
        .send()
        .await
        .expect(200);
    step(
        &app,
        &w.sp.token,
        id,
        "agree",
        Some(&json!({"note": "Agreed in our 1:1"})),
    )
    .await
    .expect(200);
    step(&app, &w.mgr.token, id, "cancel", Some(&json!({})))
        .await
        .expect(200);
    let h = history(&app, &w.sp.token, id).await;
    let notes: Vec<&Value> = h.iter().map(|e| &e["note"]).collect();
    assert_eq!(
        notes,
        vec![
            &Value::Null,
            &Value::Null,
            &json!("Agreed in our 1:1"),
            &Value::Null
        ]
    );
}
