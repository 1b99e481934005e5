//! A one-to-one from start to end, its items, and who sees and changes it.

use super::*;

#[actix_web::test]
async fn the_whole_cycle_of_a_one_to_one() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let r = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": "2026-11-27", "period": "2026-Q4"}),
    )
    .await;
    let review = r.expect(201);
    let id = uuid(&review["id"]);
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/v1/reviews/{id}").as_str())
    );
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(review["status"], "scheduled");
    assert_eq!(review["facilitator_id"], w.mgr.id.to_string());
    assert_eq!(
        (&review["period"], &review["starts_on"], &review["ends_on"]),
        (
            &json!("2026-Q4"),
            &json!("2026-10-01"),
            &json!("2026-12-31")
        )
    );
    // The salesperson reads their own review.
    let v = app
        .get(&format!("/v1/reviews/{id}"))
        .token(&w.sp.token)
        .send()
        .await
        .expect(200);
    assert_eq!(v["kind"], "one_to_one");

    // The agenda: the salesperson's agreed target with its gap and required rate.
    let a = agenda(&app, &w.sp.token, id).await;
    assert_eq!(a["frozen"], false);
    assert_eq!(a["successes_since"], "2026-10-01");
    let parts = a["participants"].as_array().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["subject_type"], "user");
    assert_eq!(parts[0]["subject_id"], w.sp.id.to_string());
    let t = &parts[0]["targets"][0];
    assert_eq!(t["target_id"], w.target.to_string());
    assert_eq!(t["progress"]["actual"], "8000.00");
    assert_eq!(t["progress"]["gap"], "12000.00");
    assert_eq!(t["progress"]["value"], "20000.00");
    assert!(t["progress"]["required_per_working_day"].is_string());
    assert_eq!(parts[0]["targets"].as_array().unwrap().len(), 1);
    assert_eq!(parts[0]["open_items"], json!([]));
    assert_eq!(parts[0]["successes"], json!([]));

    // Items of every type: the manager records, the salesperson adds an update.
    let success = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "success", "text": "Contoso renewed for two years", "size": "big", "account_id": w.account}),
    )
    .await;
    assert_eq!(
        (&success["size"], &success["owner_id"], &success["status"]),
        (&json!("big"), &json!(w.sp.id), &Value::Null)
    );
    let small = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "success", "text": "First demo booked"}),
    )
    .await;
    assert_eq!(small["size"], "small");
    let hurdle = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "hurdle", "text": "Procurement freeze at Contoso", "account_id": w.account}),
    )
    .await;
    assert_eq!(
        (&hurdle["status"], &hurdle["owner_id"]),
        (&json!("open"), &json!(w.sp.id))
    );
    let strategy = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "strategy", "text": "Lead with the service contract", "target_id": w.target}),
    )
    .await;
    assert_eq!(strategy["owner_id"], Value::Null);
    let action = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "action", "text": "Call the CFO", "due_on": "2026-12-02", "target_id": w.target}),
    )
    .await;
    assert_eq!(
        (&action["status"], &action["due_on"]),
        (&json!("open"), &json!("2026-12-02"))
    );
    let done = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "action", "text": "Send the proposal", "due_on": "2026-11-30"}),
    )
    .await;
    let r = add(
        &app,
        &w.sp.token,
        id,
        json!({"type": "update", "text": "Two proposals out, one verbal yes"}),
    )
    .await;
    let update = r.expect(201);
    assert_eq!(update["owner_id"], w.sp.id.to_string());
    assert_eq!(
        r.header("location").unwrap(),
        format!("/v1/reviews/{id}/items/{}", update["id"].as_str().unwrap())
    );
    // The salesperson closes their own action within the review.
    let v = close(&app, &w.sp.token, id, &done).await.expect(200);
    assert_eq!(v["status"], "done");
    assert_eq!(v["closed_in_review_id"], id.to_string());
    // Open actions and hurdles come first; what is closed comes last.
    let a = agenda(&app, &w.mgr.token, id).await;
    assert_eq!(
        types(&a["items"]),
        ["action", "hurdle", "strategy", "update", "success", "success", "action"]
    );

    // Completed: the snapshot is frozen.
    let v = post(&app, &w.mgr.token, &format!("/v1/reviews/{id}/complete"))
        .await
        .expect(200);
    assert_eq!(v["status"], "completed");
    assert_eq!(v["completed_by"], w.mgr.id.to_string());
    let frozen = agenda(&app, &w.sp.token, id).await;
    assert_eq!(frozen["frozen"], true);
    assert_eq!(
        frozen["participants"][0]["targets"][0]["progress"]["actual"],
        "8000.00"
    );

    // A later correction: the 5,000 sale is voided. Live progress drops; the
    // completed review's agenda does not move.
    app.post(&format!("/v1/sales/{}/void", w.first_sale))
        .token(&w.org.admin)
        .json(&json!({"reason": "booked twice"}))
        .send()
        .await
        .expect(200);
    let live = app
        .get(&format!("/v1/targets/{}/progress", w.target))
        .token(&w.sp.token)
        .send()
        .await
        .expect(200);
    assert_eq!(live["actual"], "3000.00");
    let again = agenda(&app, &w.sp.token, id).await;
    assert_eq!(again["participants"], frozen["participants"]);
    assert_eq!(again["as_of"], frozen["as_of"]);
    // So a client revalidating the frozen agenda hears it is unchanged.
    let url = format!("/v1/reviews/{id}/agenda");
    let etag = app
        .get(&url)
        .token(&w.sp.token)
        .send()
        .await
        .header("etag")
        .unwrap();
    let same = app
        .get(&url)
        .token(&w.sp.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(same.status.as_u16(), 304);

    // A completed review takes nothing more.
    add(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "strategy", "text": "Too late"}),
    )
    .await
    .problem(409, "review_completed");
    post(&app, &w.mgr.token, &format!("/v1/reviews/{id}/complete"))
        .await
        .problem(409, "review_completed");
    post(&app, &w.mgr.token, &format!("/v1/reviews/{id}/cancel"))
        .await
        .problem(409, "review_completed");
    app.patch(&format!(
        "/v1/reviews/{id}/items/{}",
        strategy["id"].as_str().unwrap()
    ))
    .token(&w.mgr.token)
    .json(&json!({"text": "Changed afterwards"}))
    .send()
    .await
    .problem(409, "review_completed");

    // Next week: the open action and hurdle carry over; the closed action does not.
    let next = one_to_one(&app, &w, "2026-12-04").await;
    let a = agenda(&app, &w.sp.token, next).await;
    assert_eq!(a["successes_since"], "2026-11-28");
    let open = &a["participants"][0]["open_items"];
    assert_eq!(
        ids(open),
        vec![uuid(&hurdle["id"]), uuid(&action["id"])],
        "{open}"
    );
    assert_eq!(a["items"], json!([]));
    // The live figures of the next review see the correction.
    assert_eq!(
        a["participants"][0]["targets"][0]["progress"]["actual"],
        "3000.00"
    );
    // The carried-over action is closed from the next review, by its owner.
    let action_id = action["id"].as_str().unwrap();
    let v = post(
        &app,
        &w.sp.token,
        &format!("/v1/reviews/{next}/items/{action_id}/close"),
    )
    .await
    .expect(200);
    assert_eq!(
        (&v["status"], &v["closed_in_review_id"], &v["review_id"]),
        (&json!("done"), &json!(next), &json!(id))
    );
    // Closing it again changes nothing.
    let same = post(
        &app,
        &w.sp.token,
        &format!("/v1/reviews/{next}/items/{action_id}/close"),
    )
    .await
    .expect(200);
    assert_eq!(same["version"], v["version"]);
    let a = agenda(&app, &w.mgr.token, next).await;
    assert_eq!(
        ids(&a["participants"][0]["open_items"]),
        vec![uuid(&hurdle["id"])]
    );
    // The carried-over hurdle: only its status changes here, under If-Match.
    let hurdle_path = format!(
        "/v1/reviews/{next}/items/{}",
        hurdle["id"].as_str().unwrap()
    );
    app.patch(&hurdle_path)
        .token(&w.mgr.token)
        .json(&json!({"text": "Reworded"}))
        .send()
        .await
        .problem(409, "item_from_earlier_review");
    app.patch(&hurdle_path)
        .token(&w.mgr.token)
        .header("if-match", "\"7\"")
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    let r = app
        .patch(&hurdle_path)
        .token(&w.mgr.token)
        .header("if-match", "\"1\"")
        .json(&json!({"status": "resolved"}))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(v["status"], "resolved");
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    let a = agenda(&app, &w.mgr.token, next).await;
    assert_eq!(a["participants"][0]["open_items"], json!([]));
    // The first review's own items show what became of them.
    let first = agenda(&app, &w.mgr.token, id).await;
    let statuses: Vec<_> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"].is_string())
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["done", "done", "resolved"]);
    // An item of an unrelated review is not reached through this one.
    let other = others_review(&app, &w, "2026-11-27").await;
    let foreign = added(
        &app,
        &w.mgr2.token,
        other,
        json!({"type": "hurdle", "text": "Short of leads"}),
    )
    .await;
    close(&app, &w.org.admin, next, &foreign)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn items_are_edited_under_if_match_by_those_allowed() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = one_to_one(&app, &w, "2026-11-27").await;
    let action = added(
        &app,
        &w.mgr.token,
        id,
        json!({"type": "action", "text": "Call the CFO", "due_on": "2026-12-02"}),
    )
    .await;
    let path = format!("/v1/reviews/{id}/items/{}", action["id"].as_str().unwrap());
    let r = app
        .patch(&path)
        .token(&w.mgr.token)
        .header("if-match", "\"1\"")
        .json(&json!({"text": "Call the CFO and the CEO", "due_on": "2026-12-03", "owner_id": w.mgr.id}))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(
        (&v["text"], &v["due_on"], &v["owner_id"], &v["version"]),
        (
            &json!("Call the CFO and the CEO"),
            &json!("2026-12-03"),
            &json!(w.mgr.id),
            &json!(2)
        )
    );
    // A stale ETag is refused.
    app.patch(&path)
        .token(&w.mgr.token)
        .header("if-match", "\"1\"")
        .json(&json!({"text": "Again"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    // Fields that do not fit the type.
    let v = app
        .patch(&path)
        .token(&w.mgr.token)
        .json(&json!({"size": "big", "status": "resolved", "text": ""}))
        .send()
        .await
        .problem(422, "validation_failed");
    let mut fields: Vec<_> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(fields, ["size", "status", "text"]);
    app.patch(&path)
        .token(&w.mgr.token)
        .json(&json!({"type": "hurdle"}))
        .send()
        .await
        .problem(422, "validation_failed");
    // The owner is now the manager: the salesperson may not close it ...
    post(&app, &w.sp.token, &format!("{path}/close"))
        .await
        .problem(403, "forbidden");
    // ... nor edit a manager's item, nor record anything but an update.
    app.patch(&path)
        .token(&w.sp.token)
        .json(&json!({"text": "Mine now"}))
        .send()
        .await
        .problem(403, "forbidden");
    add(
        &app,
        &w.sp.token,
        id,
        json!({"type": "success", "text": "I did it"}),
    )
    .await
    .problem(403, "forbidden");
    // The salesperson edits their own update; it has no status to close.
    let update = added(
        &app,
        &w.sp.token,
        id,
        json!({"type": "update", "text": "On it"}),
    )
    .await;
    let upath = format!("/v1/reviews/{id}/items/{}", update["id"].as_str().unwrap());
    let v = app
        .patch(&upath)
        .token(&w.sp.token)
        .json(&json!({"text": "On it, two calls booked", "target_id": w.target}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["target_id"], w.target.to_string());
    post(&app, &w.sp.token, &format!("{upath}/close"))
        .await
        .problem(409, "not_closable");
    // Nor does the salesperson hand their update to the manager.
    app.patch(&upath)
        .token(&w.sp.token)
        .json(&json!({"owner_id": w.mgr.id}))
        .send()
        .await
        .problem(403, "forbidden");
    // Unlinking is explicit null.
    let v = app
        .patch(&upath)
        .token(&w.sp.token)
        .json(&json!({"target_id": null}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["target_id"], Value::Null);
    // Reopening a closed item clears when and where it was closed.
    let v = app
        .patch(&path)
        .token(&w.mgr.token)
        .json(&json!({"status": "done"}))
        .send()
        .await
        .expect(200);
    assert!(v["closed_at"].is_string());
    let v = app
        .patch(&path)
        .token(&w.mgr.token)
        .json(&json!({"status": "open"}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (&v["status"], &v["closed_at"], &v["closed_in_review_id"]),
        (&json!("open"), &Value::Null, &Value::Null)
    );
}

#[actix_web::test]
async fn who_sees_and_who_may_change_a_review() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let id = one_to_one(&app, &w, "2026-11-27").await;
    let path = format!("/v1/reviews/{id}");
    let item = |t: &str| json!({"type": t, "text": "Something"});

    // Not visible: another salesperson, another team's manager, another organisation.
    for token in [
        &w.mate.token,
        &w.other.token,
        &w.mgr2.token,
        &w.stranger.admin,
    ] {
        app.get(&path)
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
        app.get(&format!("{path}/agenda"))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
        add(&app, token, id, item("update"))
            .await
            .problem(404, "not_found");
        post(&app, token, &format!("{path}/complete"))
            .await
            .problem(404, "not_found");
        let list = app.get("/v1/reviews").token(token).send().await.expect(200);
        assert_eq!(list["data"], json!([]), "{list}");
    }
    // Visible, read-only: a viewer and a read client.
    for token in [&w.viewer.token, &w.client] {
        app.get(&path).token(token).send().await.expect(200);
        agenda(&app, token, id).await;
        let list = app.get("/v1/reviews").token(token).send().await.expect(200);
        assert_eq!(ids(&list["data"]), vec![id]);
        add(&app, token, id, item("update"))
            .await
            .problem(403, "forbidden");
        post(&app, token, &format!("{path}/complete"))
            .await
            .problem(403, "forbidden");
        post(&app, token, &format!("{path}/cancel"))
            .await
            .problem(403, "forbidden");
    }
    // The salesperson sees it but neither completes nor cancels it.
    post(&app, &w.sp.token, &format!("{path}/complete"))
        .await
        .problem(403, "forbidden");
    post(&app, &w.sp.token, &format!("{path}/cancel"))
        .await
        .problem(403, "forbidden");
    // Scheduling: only the manager of the person or team, or an admin.
    let body = |sp: Uuid| json!({"kind": "one_to_one", "salesperson_id": sp, "scheduled_for": "2026-12-01", "period": "2026-Q4"});
    for token in [&w.sp.token, &w.viewer.token, &w.client, &w.mgr2.token] {
        schedule(&app, token, body(w.sp.id))
            .await
            .problem(403, "forbidden");
    }
    schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "team_id": w.south, "scheduled_for": "2026-12-01", "period": "2026-Q4"}),
    )
    .await
    .problem(403, "forbidden");
    schedule(&app, &w.org.admin, body(w.sp.id))
        .await
        .expect(201);
    // Another organisation's salesperson names nothing here.
    let alien = app.person(&w.stranger, "salesperson", None).await;
    schedule(&app, &w.mgr.token, body(alien.id))
        .await
        .problem(422, "validation_failed");
    // The facilitator runs it even without managing the person.
    let v = schedule(
        &app,
        &w.org.admin,
        json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "facilitator_id": w.mgr2.id,
               "scheduled_for": "2026-12-02", "period": "2026-Q4"}),
    )
    .await
    .expect(201);
    let led = uuid(&v["id"]);
    added(&app, &w.mgr2.token, led, item("strategy")).await;
    post(&app, &w.mgr2.token, &format!("/v1/reviews/{led}/cancel"))
        .await
        .expect(200);
}
