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
    let body = account_body(name, "customer", owner, "2026-01-01");
    app.new_account(&org.admin, &body).await.to_string()
}

/// Creates a target, proposes it as the admin and has `agreer` agree to it.
async fn agreed(app: &TestApp, org: &Org, agreer: &str, body: Value) -> String {
    let id = app.agreed_target(&org.admin, agreer, &body).await;
    id.to_string()
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
    let s = Scenario::new("Acme")
        .holidays(&["2026-12-25"])
        .named("Mia", "manager", None)
        .named("Sam", "manager", None)
        .named("Ann", "salesperson", Some("farmer"))
        .named("Bob", "salesperson", Some("farmer"))
        .named("Cat", "salesperson", Some("farmer"))
        .named("Dan", "salesperson", Some("farmer"))
        .named("Eve", "salesperson", Some("farmer"))
        .team("North", Some("Mia"), &[])
        .sub_team("North East", None, Some("North"), &[])
        .team("South", Some("Sam"), &[])
        .member("North", "Ann", "2026-10-01")
        .member("North", "Bob", "2026-10-01")
        .member("North", "Eve", "2026-10-01")
        .member("North East", "Cat", "2026-10-01")
        .member("South", "Dan", "2026-10-01")
        .member("South", "Bob", "2026-11-16")
        .agreed_target("Ann Q4", "admin", "Ann", |s| {
            q4("Ann Q4", "user", s.id("Ann"), "65000")
        })
        .agreed_target("Cat Q4", "admin", "Cat", |s| {
            q4("Cat Q4", "user", s.id("Cat"), "13000")
        })
        .agreed_target("North Q4", "admin", "Mia", |s| {
            q4("North Q4", "team", s.id("North"), "100000")
        })
        .customer("Contoso", "Ann")
        .customer("Fabrikam", "Bob")
        .customer("Initech", "Cat")
        .sales("admin", |s| {
            let [a, b, c] = ["Contoso", "Fabrikam", "Initech"].map(|n| s.id(n).to_string());
            json!([
                sale("a1", &a, "2026-10-15", "10000", "invoice"),
                sale("a2", &a, "2026-11-20", "30000", "invoice"),
                sale("a3", &a, "2026-11-25", "1000", "credit_note"),
                sale("a4", &a, "2026-12-10", "5000", "invoice"),
                sale("b1", &b, "2026-10-20", "10000", "invoice"),
                sale("b2", &b, "2026-11-20", "5000", "invoice"),
                sale("c1", &c, "2026-11-02", "13000", "invoice"),
            ])
        })
        .build(app)
        .await;
    World {
        mgr: s.person("Mia"),
        ann: s.person("Ann"),
        eve: s.person("Eve"),
        bob: s.person("Bob"),
        cat: s.person("Cat"),
        dan: s.person("Dan"),
        south_mgr: s.person("Sam"),
        north: s.id("North"),
        south: s.id("South"),
        ann_q4: s.id("Ann Q4").to_string(),
        cat_q4: s.id("Cat Q4").to_string(),
        north_q4: s.id("North Q4").to_string(),
        org: s.org,
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
mod cost;
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
