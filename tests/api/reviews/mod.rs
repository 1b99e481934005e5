//! Reviews: one-to-ones and team reviews, their agenda, items, completion with a
//! frozen snapshot, carry-over into the next review, every refusal, and the
//! successes feed.

use crate::support::*;
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
    assert_eq!(v["status"], "created", "{v}");
    uuid(&v["sale"]["id"])
}

async fn world(app: &TestApp) -> World {
    let stranger = app.org("Elsewhere").await;
    let s = Scenario::north_and_south("Acme")
        .customer("Contoso", "sp")
        .agreed_target("target", "mgr", "sp", |s| {
            q4_target("Q4 revenue", "user", s.id("sp"), "revenue", "20000")
        })
        .agreed_target("team_target", "admin", "mgr", |s| {
            q4_target("North Q4", "team", s.id("North"), "revenue", "50000")
        })
        .build(app)
        .await;
    let account = s.id("Contoso");
    let first_sale = sale(app, &s.org, account, "s1", "2026-11-10", "5000").await;
    sale(app, &s.org, account, "s2", "2026-11-12", "3000").await;
    World {
        mgr: s.person("mgr"),
        mgr2: s.person("mgr2"),
        sp: s.person("sp"),
        mate: s.person("mate"),
        other: s.person("other"),
        viewer: s.person("viewer"),
        client: s.token("client").to_string(),
        stranger,
        north: s.id("North"),
        south: s.id("South"),
        account,
        target: s.id("target"),
        team_target: s.id("team_target"),
        first_sale,
        org: s.org,
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

mod agenda_cost;
mod feed;
mod meetings;
mod one_to_one;
mod refusals;
mod team_and_lists;

async fn insert_milestone(app: &TestApp, w: &World, day: &str) -> Uuid {
    use diesel_async::RunQueryDsl;
    let id = Uuid::now_v7();
    diesel::sql_query(format!(
        "INSERT INTO milestones (org_id, id, kind, target_id, user_id, occurred_on, title, value, actual) \
         VALUES ('{}', '{id}', 'target_achieved', '{}', '{}', '{day}', 'Q4 revenue reached', 20000, 20500)",
        w.org.id, w.target, w.sp.id
    ))
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    id
}
