//! Reviews: one-to-ones and team reviews, their agenda, items, completion with a
//! frozen snapshot, carry-over into the next review, every refusal, and the
//! successes feed.

mod common;

use common::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// North (managed by `mgr`) with `sp` and `mate`; South (managed by `mgr2`)
/// with `other`; a viewer, a read client, and another organisation. `sp` owns
/// Contoso and has an agreed 2026-Q4 revenue target of 20,000 with 8,000 sold
/// (5,000 on 10 November, 3,000 on 12 November); North has an agreed team
/// target of 50,000.
struct World {
    org: Org,
    mgr: Person,
    mgr2: Person,
    sp: Person,
    mate: Person,
    other: Person,
    viewer: Person,
    client: String,
    stranger: Org,
    north: Uuid,
    south: Uuid,
    account: Uuid,
    target: Uuid,
    team_target: Uuid,
    first_sale: Uuid,
}

fn uuid(v: &Value) -> Uuid {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

async fn agreed(app: &TestApp, setter: &str, agreer: &str, body: Value) -> Uuid {
    let v = app
        .post("/v1/targets")
        .token(setter)
        .json(&body)
        .send()
        .await
        .expect(201);
    let id = uuid(&v["id"]);
    app.post(&format!("/v1/targets/{id}/propose"))
        .token(setter)
        .send()
        .await
        .expect(200);
    let v = app
        .post(&format!("/v1/targets/{id}/agree"))
        .token(agreer)
        .send()
        .await
        .expect(200);
    assert_eq!(v["status"], "agreed");
    id
}

async fn sale(
    app: &TestApp,
    org: &Org,
    account: Uuid,
    ext: &str,
    day: &str,
    revenue: &str,
) -> Uuid {
    let v = app
        .post("/v1/sales")
        .token(&org.admin)
        .json(
            &json!({"external_id": ext, "source": "crm", "account_id": account,
                      "occurred_on": day, "revenue": revenue, "gross_profit": "0"}),
        )
        .send()
        .await
        .expect(201);
    uuid(&v["sale"]["id"])
}

async fn world(app: &TestApp) -> World {
    let org = app.org("Acme").await;
    let stranger = app.org("Elsewhere").await;
    let mgr = app.person(&org, "manager", None).await;
    let mgr2 = app.person(&org, "manager", None).await;
    let sp = app.person(&org, "salesperson", Some("farmer")).await;
    let mate = app.person(&org, "salesperson", Some("hunter")).await;
    let other = app.person(&org, "salesperson", Some("hybrid")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let north = app.team(&org, "North", Some(mgr.id), None).await;
    let south = app.team(&org, "South", Some(mgr2.id), None).await;
    app.join(&org, north, sp.id, "2026-01-01").await;
    app.join(&org, north, mate.id, "2026-01-01").await;
    app.join(&org, south, other.id, "2026-01-01").await;
    let (cid, _) = app.client(&org, &["read"]).await;
    let client = app.sign(org.id, "client", cid, Some("read"));
    let v = app
        .post("/v1/accounts")
        .token(&org.admin)
        .json(&json!({"name": "Contoso", "kind": "customer", "owner_id": sp.id, "owned_since": "2026-01-01"}))
        .send()
        .await
        .expect(201);
    let account = uuid(&v["id"]);
    let target = agreed(
        app,
        &mgr.token,
        &sp.token,
        json!({"title": "Q4 revenue", "subject_type": "user", "subject_id": sp.id,
               "metric": "revenue", "value": "20000", "period": "2026-Q4"}),
    )
    .await;
    let team_target = agreed(
        app,
        &org.admin,
        &mgr.token,
        json!({"title": "North Q4", "subject_type": "team", "subject_id": north,
               "metric": "revenue", "value": "50000", "period": "2026-Q4"}),
    )
    .await;
    let first_sale = sale(app, &org, account, "s1", "2026-11-10", "5000").await;
    sale(app, &org, account, "s2", "2026-11-12", "3000").await;
    World {
        org,
        mgr,
        mgr2,
        sp,
        mate,
        other,
        viewer,
        client,
        stranger,
        north,
        south,
        account,
        target,
        team_target,
        first_sale,
    }
}

async fn schedule(app: &TestApp, token: &str, body: Value) -> Res {
    app.post("/v1/reviews")
        .token(token)
        .json(&body)
        .send()
        .await
}

async fn one_to_one(app: &TestApp, w: &World, day: &str) -> Uuid {
    let v = schedule(
        app,
        &w.mgr.token,
        json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": day, "period": "2026-Q4"}),
    )
    .await
    .expect(201);
    uuid(&v["id"])
}

/// A one-to-one of South's manager with their salesperson.
async fn others_review(app: &TestApp, w: &World, day: &str) -> Uuid {
    let v = schedule(
        app,
        &w.mgr2.token,
        json!({"kind": "one_to_one", "salesperson_id": w.other.id, "scheduled_for": day, "period": "2026-Q4"}),
    )
    .await
    .expect(201);
    uuid(&v["id"])
}

async fn add(app: &TestApp, token: &str, review: Uuid, body: Value) -> Res {
    app.post(&format!("/v1/reviews/{review}/items"))
        .token(token)
        .json(&body)
        .send()
        .await
}

async fn added(app: &TestApp, token: &str, review: Uuid, body: Value) -> Value {
    add(app, token, review, body).await.expect(201)
}

async fn agenda(app: &TestApp, token: &str, review: Uuid) -> Value {
    app.get(&format!("/v1/reviews/{review}/agenda"))
        .token(token)
        .send()
        .await
        .expect(200)
}

async fn post(app: &TestApp, token: &str, path: &str) -> Res {
    app.post(path).token(token).send().await
}

async fn close(app: &TestApp, token: &str, review: Uuid, item: &Value) -> Res {
    let item = item["id"].as_str().unwrap();
    post(
        app,
        token,
        &format!("/v1/reviews/{review}/items/{item}/close"),
    )
    .await
}

/// Every page of a list, following `next_cursor`.
async fn all_pages(app: &TestApp, token: &str, path: &str) -> Vec<Uuid> {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let v = app
            .get(&format!("{path}&cursor={cursor}"))
            .token(token)
            .send()
            .await
            .expect(200);
        seen.extend(ids(&v["data"]));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => return seen,
        }
    }
}

fn types(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap().to_string())
        .collect()
}

fn ids(items: &Value) -> Vec<Uuid> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| uuid(&i["id"]))
        .collect()
}

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

#[actix_web::test]
async fn bad_input_is_refused_with_problem_details() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let base = json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": "2026-11-27", "period": "2026-Q4"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let codes = |v: &Value| -> Vec<(String, String)> {
        v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_string(),
                    e["code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let pair = |f: &str, c: &str| vec![(f.to_string(), c.to_string())];
    let cases = [
        (
            with("team_id", json!(w.north)),
            pair("team_id", "not_applicable"),
        ),
        (
            with("period", json!("2026-Q9")),
            pair("period", "unknown_period"),
        ),
        (
            with("period", json!("x".repeat(5000))),
            pair("period", "unknown_period"),
        ),
        (
            with("scheduled_for", json!("0999-01-01")),
            pair("scheduled_for", "invalid_value"),
        ),
        (
            with("scheduled_for", json!("2026-02-30")),
            pair("scheduled_for", "invalid_value"),
        ),
        (
            with("salesperson_id", json!(Uuid::now_v7())),
            pair("salesperson_id", "subject_not_found"),
        ),
        (
            with("salesperson_id", json!(w.mgr.id)),
            pair("salesperson_id", "not_a_salesperson"),
        ),
        (
            with("facilitator_id", json!(w.viewer.id)),
            pair("facilitator_id", "not_a_facilitator"),
        ),
        (with("kind", json!("group")), pair("kind", "invalid_choice")),
        (
            with("salesperson_id", json!("not-a-uuid")),
            pair("salesperson_id", "invalid_value"),
        ),
        (
            with("scheduled_for", json!(20261127)),
            pair("scheduled_for", "invalid_type"),
        ),
        (with("notes", json!("hi")), pair("notes", "unknown_field")),
    ];
    for (body, expected) in cases {
        let v = schedule(&app, &w.mgr.token, body.clone()).await.expect(422);
        assert_eq!(codes(&v), expected, "{body}");
    }
    let v = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "scheduled_for": "2026-11-27", "period": "2026-Q4"}),
    )
    .await
    .expect(422);
    assert_eq!(codes(&v), pair("team_id", "required"));

    let id = one_to_one(&app, &w, "2026-11-27").await;
    let foreign_target = app
        .post("/v1/targets")
        .token(&w.stranger.admin)
        .json(&json!({"title": "Theirs", "subject_type": "org", "metric": "revenue", "value": "10", "period": "2026-Q4"}))
        .send()
        .await
        .expect(201);
    let south_account = app
        .post("/v1/accounts")
        .token(&w.org.admin)
        .json(&json!({"name": "Fabrikam", "kind": "prospect", "owner_id": w.other.id, "owned_since": "2026-01-01"}))
        .send()
        .await
        .expect(201);
    let item_cases = [
        (
            json!({"type": "success", "text": ""}),
            pair("text", "required"),
        ),
        (
            json!({"type": "success", "text": "x".repeat(2001)}),
            pair("text", "too_long"),
        ),
        (
            json!({"type": "action", "text": "Call"}),
            pair("due_on", "required"),
        ),
        (
            json!({"type": "hurdle", "text": "Stuck", "due_on": "2026-12-01"}),
            pair("due_on", "not_applicable"),
        ),
        (
            json!({"type": "action", "text": "Call", "due_on": "9999-12-31"}),
            pair("due_on", "invalid_value"),
        ),
        (
            json!({"type": "update", "text": "Hi", "size": "big"}),
            pair("size", "not_applicable"),
        ),
        (
            json!({"type": "hurdle", "text": "Stuck", "owner_id": w.mate.id}),
            pair("owner_id", "owner_not_in_review"),
        ),
        (
            json!({"type": "strategy", "text": "Plan", "target_id": foreign_target["id"]}),
            pair("target_id", "not_found"),
        ),
        (
            json!({"type": "strategy", "text": "Plan", "target_id": Uuid::now_v7()}),
            pair("target_id", "not_found"),
        ),
        (
            json!({"type": "strategy", "text": "Plan", "account_id": Uuid::now_v7()}),
            pair("account_id", "not_found"),
        ),
        (
            json!({"type": "note", "text": "Plan"}),
            pair("type", "invalid_choice"),
        ),
        (
            json!({"type": "strategy", "text": "Plan", "status": "open"}),
            pair("status", "unknown_field"),
        ),
        (
            json!({"type": "success", "text": "Yes", "size": "huge"}),
            pair("size", "invalid_choice"),
        ),
    ];
    for (body, expected) in item_cases {
        let v = add(&app, &w.mgr.token, id, body.clone()).await.expect(422);
        assert_eq!(codes(&v), expected, "{body}");
    }
    // An account the salesperson (not the manager of South) may not see is refused for them.
    let v = add(
        &app,
        &w.sp.token,
        id,
        json!({"type": "update", "text": "Fabrikam?", "account_id": south_account["id"]}),
    )
    .await
    .expect(422);
    assert_eq!(codes(&v), pair("account_id", "not_found"));
    // Malformed JSON, the wrong content type, ids that are not UUIDs.
    app.post(&format!("/v1/reviews/{id}/items"))
        .token(&w.mgr.token)
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post(&format!("/v1/reviews/{id}/items"))
        .token(&w.mgr.token)
        .body("text/plain", "hello")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.get("/v1/reviews/not-a-uuid/agenda")
        .token(&w.mgr.token)
        .send()
        .await
        .problem(404, "not_found");
    app.post(&format!("/v1/reviews/{id}/items/nope/close"))
        .token(&w.mgr.token)
        .send()
        .await
        .problem(404, "not_found");
    post(
        &app,
        &w.mgr.token,
        &format!("/v1/reviews/{}/complete", Uuid::now_v7()),
    )
    .await
    .problem(404, "not_found");
    // Queries.
    for q in ["limit=0", "limit=201"] {
        app.get(&format!("/v1/reviews?{q}"))
            .token(&w.mgr.token)
            .send()
            .await
            .problem(422, "validation_failed");
    }
    for q in [
        "cursor=abc",
        "status=done",
        "from=yesterday",
        "from=0999-01-01",
        "to=9999-01-01",
        "salesperson_id=1",
    ] {
        app.get(&format!("/v1/reviews?{q}"))
            .token(&w.mgr.token)
            .send()
            .await
            .expect(400);
    }
    app.get("/v1/successes?since=0001-01-01")
        .token(&w.mgr.token)
        .send()
        .await
        .problem(400, "invalid_query");
    app.get("/v1/successes?cursor=2026-11-01_x")
        .token(&w.mgr.token)
        .send()
        .await
        .problem(400, "invalid_cursor");
}

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
            &json!("2026-12-01"),
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

fn insert_milestone(app: &TestApp, w: &World, day: &str) -> Uuid {
    use diesel::RunQueryDsl;
    let id = Uuid::now_v7();
    diesel::sql_query(format!(
        "INSERT INTO milestones (org_id, id, kind, target_id, user_id, occurred_on, title, value, actual) \
         VALUES ('{}', '{id}', 'target_achieved', '{}', '{}', '{day}', 'Q4 revenue reached', 20000, 20500)",
        w.org.id, w.target, w.sp.id
    ))
    .execute(&mut app.conn())
    .unwrap();
    id
}

#[actix_web::test]
async fn the_successes_feed_merges_reviews_and_milestones() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let solo = one_to_one(&app, &w, "2026-11-20").await;
    let renewal = added(
        &app,
        &w.mgr.token,
        solo,
        json!({"type": "success", "text": "Contoso renewed", "size": "big"}),
    )
    .await;
    let v = schedule(
        &app,
        &w.mgr.token,
        json!({"kind": "team", "team_id": w.north, "scheduled_for": "2026-11-24", "period": "2026-Q4"}),
    )
    .await
    .expect(201);
    let team = uuid(&v["id"]);
    let team_win = added(
        &app,
        &w.mgr.token,
        team,
        json!({"type": "success", "text": "Best week of the year"}),
    )
    .await;
    // Not successes: other item types, and successes of cancelled reviews.
    added(
        &app,
        &w.mgr.token,
        team,
        json!({"type": "strategy", "text": "Plan"}),
    )
    .await;
    let dropped = one_to_one(&app, &w, "2026-11-25").await;
    added(
        &app,
        &w.mgr.token,
        dropped,
        json!({"type": "success", "text": "Never mind"}),
    )
    .await;
    post(&app, &w.mgr.token, &format!("/v1/reviews/{dropped}/cancel"))
        .await
        .expect(200);
    let v = others_review(&app, &w, "2026-11-22").await;
    let south_win = added(
        &app,
        &w.mgr2.token,
        v,
        json!({"type": "success", "text": "Fabrikam signed"}),
    )
    .await;
    let milestone = insert_milestone(&app, &w, "2026-11-23");

    let feed = |token: String, q: String| {
        let app = &app;
        async move {
            app.get(&format!("/v1/successes?{q}"))
                .token(&token)
                .send()
                .await
                .expect(200)
        }
    };
    let all = feed(w.org.admin.clone(), String::new()).await;
    assert_eq!(
        ids(&all["data"]),
        vec![
            uuid(&team_win["id"]),
            milestone,
            uuid(&south_win["id"]),
            uuid(&renewal["id"])
        ]
    );
    let m = &all["data"][1];
    assert_eq!(
        (
            &m["source"],
            &m["kind"],
            &m["occurred_on"],
            &m["user_id"],
            &m["target_id"],
            &m["value"]
        ),
        (
            &json!("milestone"),
            &json!("target_achieved"),
            &json!("2026-11-23"),
            &json!(w.sp.id),
            &json!(w.target),
            &json!("20000.00")
        )
    );
    let r = &all["data"][3];
    assert_eq!(
        (
            &r["source"],
            &r["kind"],
            &r["size"],
            &r["review_id"],
            &r["occurred_on"]
        ),
        (
            &json!("review"),
            &json!("success"),
            &json!("big"),
            &json!(solo),
            &json!("2026-11-20")
        )
    );
    // Since a day, and by team (its members on the day of each success).
    let v = feed(w.org.admin.clone(), "since=2026-11-23".into()).await;
    assert_eq!(ids(&v["data"]), vec![uuid(&team_win["id"]), milestone]);
    let v = feed(w.org.admin.clone(), format!("team_id={}", w.south)).await;
    assert_eq!(ids(&v["data"]), vec![uuid(&south_win["id"])]);
    let v = feed(w.org.admin.clone(), format!("team_id={}", w.north)).await;
    assert_eq!(
        ids(&v["data"]),
        vec![uuid(&team_win["id"]), milestone, uuid(&renewal["id"])]
    );
    // Who sees what: the mate sees the team's success, not the one-to-one's nor
    // the salesperson's milestone; the salesperson sees their own.
    let v = feed(w.mate.token.clone(), String::new()).await;
    assert_eq!(ids(&v["data"]), vec![uuid(&team_win["id"])]);
    let v = feed(w.sp.token.clone(), String::new()).await;
    assert_eq!(
        ids(&v["data"]),
        vec![uuid(&team_win["id"]), milestone, uuid(&renewal["id"])]
    );
    let v = feed(w.mgr2.token.clone(), String::new()).await;
    assert_eq!(ids(&v["data"]), vec![uuid(&south_win["id"])]);
    let v = feed(w.client.clone(), String::new()).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 4);
    let v = feed(w.stranger.admin.clone(), String::new()).await;
    assert_eq!(v["data"], json!([]));
    // Pages of one, newest first.
    let seen = all_pages(&app, &w.viewer.token, "/v1/successes?limit=1").await;
    assert_eq!(seen, ids(&all["data"]));
    // The agenda of a later one-to-one shows the milestone among the successes
    // since the last review (there was none completed: since the period's start).
    let later = one_to_one(&app, &w, "2026-11-30").await;
    let a = agenda(&app, &w.sp.token, later).await;
    assert_eq!(
        ids(&a["participants"][0]["successes"]),
        vec![milestone, uuid(&renewal["id"])]
    );
}

#[actix_web::test]
async fn a_sale_that_takes_a_target_over_100_pct_appears_in_the_feed() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // 8,000 of 20,000 so far; 12,500 more takes the target to 102.5%.
    sale(&app, &w.org, w.account, "s3", "2026-11-13", "12500").await;
    let v = app
        .get("/v1/successes")
        .token(&w.sp.token)
        .send()
        .await
        .expect(200);
    let entry = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "target_achieved")
        .unwrap_or_else(|| panic!("no target_achieved entry: {v}"));
    assert_eq!(
        (&entry["source"], &entry["target_id"], &entry["user_id"]),
        (&json!("milestone"), &json!(w.target), &json!(w.sp.id))
    );
}

#[actix_web::test]
async fn the_demo_has_a_completed_review_and_an_upcoming_one() {
    let app = TestApp::new().await;
    onpace::cli::demo(&config(&app.db.url)).unwrap();
    let login = app
        .login("maria@demo.onpace.example.com", onpace::cli::DEMO_PASSWORD)
        .await;
    let token = login.expect(200)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let list = app
        .get("/v1/reviews")
        .token(&token)
        .send()
        .await
        .expect(200);
    let reviews = list["data"].as_array().unwrap();
    let statuses: Vec<_> = reviews
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["completed", "scheduled"]);
    let upcoming = uuid(&reviews[1]["id"]);
    let a = agenda(&app, &token, upcoming).await;
    let p = &a["participants"][0];
    assert!(!p["targets"].as_array().unwrap().is_empty(), "{a}");
    assert_eq!(types(&p["open_items"]), ["action"]);
    let mut own = types(&a["items"]);
    own.sort();
    assert_eq!(own, ["hurdle", "success"]);
    let done = agenda(&app, &token, uuid(&reviews[0]["id"])).await;
    assert_eq!(done["frozen"], true);
}

#[actix_web::test]
async fn odd_input_is_never_a_server_error() {
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
    let item = action["id"].as_str().unwrap().to_string();
    let odd = [
        json!(null),
        json!([]),
        json!("text"),
        json!(12),
        json!({}),
        json!({"type": null, "text": null}),
        json!({"type": "action", "text": "x", "due_on": "+275760-09-13"}),
        json!({"type": "action", "text": "x", "due_on": "2026-13-01"}),
        json!({"type": "success", "text": "\u{0}"}),
        json!({"type": "success", "text": "é".repeat(2000)}),
        json!({"type": "success", "text": "x".repeat(100_000)}),
        json!({"type": "success", "text": "x", "owner_id": "00000000-0000-0000-0000-000000000000"}),
        json!({"type": "success", "text": "x", "target_id": w.account, "account_id": w.target}),
        json!({"kind": "team", "team_id": w.sp.id, "scheduled_for": "2026-11-27", "period": "2026-Q4"}),
        json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": "9999-12-31", "period": "9998-Q4"}),
        json!({"kind": "one_to_one", "salesperson_id": w.sp.id, "scheduled_for": "2026-11-27", "period": "FY99999-Q1"}),
        json!({"status": "resolved"}),
        json!({"status": "done", "owner_id": w.other.id, "size": null, "due_on": null}),
        json!({"scheduled_for": null, "period": ""}),
    ];
    let paths = [
        ("POST", format!("/v1/reviews/{id}/items")),
        ("POST", "/v1/reviews".to_string()),
        ("PATCH", format!("/v1/reviews/{id}/items/{item}")),
        ("PATCH", format!("/v1/reviews/{id}")),
    ];
    for (method, path) in &paths {
        for body in &odd {
            let r = app
                .req(method.parse().unwrap(), path)
                .token(&w.mgr.token)
                .json(body)
                .send()
                .await;
            assert!(
                r.status.as_u16() < 500,
                "{method} {path} {body}: {}",
                String::from_utf8_lossy(&r.body)
            );
            if r.status.as_u16() >= 400 {
                r.expect(r.status.as_u16());
            }
        }
    }
    for q in [
        "team_id=&since=",
        "since=+275760-09-13",
        "since=2026-11-01&team_id=00000000-0000-0000-0000-000000000000",
        "limit=9999999999999999999999",
        "cursor=MjAyNi0xMS0wMV8wMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA",
    ] {
        for path in ["/v1/successes", "/v1/reviews"] {
            let r = app
                .get(&format!("{path}?{q}"))
                .token(&w.mgr.token)
                .send()
                .await;
            assert!(r.status.as_u16() < 500, "{path}?{q}");
        }
    }
}
