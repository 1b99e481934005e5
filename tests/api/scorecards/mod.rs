//! `GET /v1/scorecards`, `GET /v1/targets/{id}/series` and the milestones noticed
//! on the way, with figures worked out by hand.
//!
//! 2026-Q4 has 65 working days (66 weekdays less Christmas, a Friday). By
//! Thursday 26 November 41 have passed: 22 in October, 19 in November.

use crate::support::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use uuid::Uuid;

struct World {
    org: Org,
    mgr: Person,
    /// North, from 1 October: Ann (sales 39,000 by 26 November), Eve (no target).
    ann: Person,
    eve: Person,
    /// North until 15 November, then South.
    bob: Person,
    /// North East (under North).
    cat: Person,
    /// South.
    dan: Person,
    south_mgr: Person,
    north: Uuid,
    south: Uuid,
    ann_q4: String,
    cat_q4: String,
    north_q4: String,
}

async fn account(app: &TestApp, org: &Org, name: &str, owner: Uuid) -> String {
    let v = app
        .post("/v1/accounts")
        .token(&org.admin)
        .json(&json!({"name": name, "kind": "customer", "owner_id": owner, "owned_since": "2026-01-01"}))
        .send()
        .await
        .expect(201);
    v["id"].as_str().unwrap().to_string()
}

/// Creates a target, proposes it as the admin and has `agreer` agree to it.
async fn agreed(app: &TestApp, org: &Org, agreer: &str, body: Value) -> String {
    let v = app
        .post("/v1/targets")
        .token(&org.admin)
        .json(&body)
        .send()
        .await
        .expect(201);
    let id = v["id"].as_str().unwrap().to_string();
    app.post(&format!("/v1/targets/{id}/propose"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    app.post(&format!("/v1/targets/{id}/agree"))
        .token(agreer)
        .send()
        .await
        .expect(200);
    id
}

fn q4(title: &str, subject_type: &str, subject: Uuid, value: &str) -> Value {
    json!({"title": title, "subject_type": subject_type, "subject_id": subject,
           "metric": "revenue", "value": value, "period": "2026-Q4"})
}

async fn push(app: &TestApp, org: &Org, items: Vec<Value>) {
    let v = app
        .post("/v1/sales/batch")
        .token(&org.admin)
        .json(&json!({ "items": items }))
        .send()
        .await
        .expect(200);
    assert_eq!(v["rejected"], 0, "{v}");
}

fn sale(ext: &str, account: &str, day: &str, revenue: &str, kind: &str) -> Value {
    json!({"external_id": ext, "source": "crm", "account_id": account, "occurred_on": day,
           "revenue": revenue, "gross_profit": "0", "kind": kind})
}

async fn world(app: &TestApp) -> World {
    let org = app.org("Acme").await;
    app.patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"holidays": ["2026-12-25"]}))
        .send()
        .await
        .expect(200);
    let mgr = app.named(&org, "Mia", "manager", None).await;
    let south_mgr = app.named(&org, "Sam", "manager", None).await;
    let ann = app.named(&org, "Ann", "salesperson", Some("farmer")).await;
    let bob = app.named(&org, "Bob", "salesperson", Some("farmer")).await;
    let cat = app.named(&org, "Cat", "salesperson", Some("farmer")).await;
    let dan = app.named(&org, "Dan", "salesperson", Some("farmer")).await;
    let eve = app.named(&org, "Eve", "salesperson", Some("farmer")).await;
    let north = app.team(&org, "North", Some(mgr.id), None).await;
    let north_east = app.team(&org, "North East", None, Some(north)).await;
    let south = app.team(&org, "South", Some(south_mgr.id), None).await;
    for p in [&ann, &bob, &eve] {
        app.join(&org, north, p.id, "2026-10-01").await;
    }
    app.join(&org, north_east, cat.id, "2026-10-01").await;
    app.join(&org, south, dan.id, "2026-10-01").await;
    app.join(&org, south, bob.id, "2026-11-16").await;

    let ann_q4 = agreed(app, &org, &ann.token, q4("Ann Q4", "user", ann.id, "65000")).await;
    let cat_q4 = agreed(app, &org, &cat.token, q4("Cat Q4", "user", cat.id, "13000")).await;
    let north_q4 = agreed(
        app,
        &org,
        &mgr.token,
        q4("North Q4", "team", north, "100000"),
    )
    .await;

    let a = account(app, &org, "Contoso", ann.id).await;
    let b = account(app, &org, "Fabrikam", bob.id).await;
    let c = account(app, &org, "Initech", cat.id).await;
    push(
        app,
        &org,
        vec![
            sale("a1", &a, "2026-10-15", "10000", "invoice"),
            sale("a2", &a, "2026-11-20", "30000", "invoice"),
            sale("a3", &a, "2026-11-25", "1000", "credit_note"),
            sale("a4", &a, "2026-12-10", "5000", "invoice"),
            sale("b1", &b, "2026-10-20", "10000", "invoice"),
            sale("b2", &b, "2026-11-20", "5000", "invoice"),
            sale("c1", &c, "2026-11-02", "13000", "invoice"),
        ],
    )
    .await;
    World {
        org,
        mgr,
        ann,
        eve,
        bob,
        cat,
        dan,
        south_mgr,
        north,
        south,
        ann_q4,
        cat_q4,
        north_q4,
    }
}

fn names(rows: &Value) -> Vec<&str> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

fn card_url(team: Uuid, extra: &str) -> String {
    format!("/v1/scorecards?period=2026-Q4&team_id={team}&as_of=2026-11-26{extra}")
}

mod cards;
mod milestones;
mod series;

fn points(v: &Value) -> Vec<(String, String, Value, Value)> {
    v["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["starts_on"].as_str().unwrap().to_string(),
                p["ends_on"].as_str().unwrap().to_string(),
                p["actual"].clone(),
                p["expected"].clone(),
            )
        })
        .collect()
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Milestone {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    target_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    user_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    account_id: Option<Uuid>,
}

async fn milestones(app: &TestApp) -> Vec<Milestone> {
    diesel::sql_query(
        "SELECT kind, target_id, user_id, account_id FROM milestones ORDER BY recorded_at, id",
    )
    .load(&mut app.conn().await)
    .await
    .unwrap()
}
