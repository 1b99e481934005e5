//! `GET /v1/scorecards`, `GET /v1/targets/{id}/series` and the milestones noticed
//! on the way, with figures worked out by hand.
//!
//! 2026-Q4 has 65 working days (66 weekdays less Christmas, a Friday). By
//! Thursday 26 November 41 have passed: 22 in October, 19 in November.

mod common;

use common::*;
use diesel::RunQueryDsl;
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

#[actix_web::test]
async fn a_scorecard_has_a_row_per_member_on_the_day_and_the_teams_row() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let v = app
        .get(&card_url(w.north, ""))
        .token(&w.mgr.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            v["period"].as_str(),
            v["starts_on"].as_str(),
            v["ends_on"].as_str()
        ),
        (Some("2026-Q4"), Some("2026-10-01"), Some("2026-12-31"))
    );
    // Bob moved to South on 16 November: not a member on the 26th. Cat counts
    // through North East; Eve has no target.
    assert_eq!(names(&v["members"]), vec!["Ann", "Cat", "Eve"]);
    let ann = &v["members"][0];
    assert_eq!(ann["team_id"], w.north.to_string());
    let t = &ann["targets"][0];
    assert_eq!(t["target_id"], w.ann_q4.as_str());
    assert_eq!(t["title"], "Ann Q4");
    // 10,000 + 30,000 - 1,000 (a credit note); the December sale is after as_of.
    assert_eq!(
        [
            &t["actual"],
            &t["attainment_pct"],
            &t["expected_to_date"],
            &t["pace_pct"],
            &t["status"],
            &t["gap"],
            &t["required_per_working_day"]
        ],
        ["39000.00", "60.00", "41000.00", "95.12", "on_track", "26000.00", "1083.33"]
    );
    assert_eq!(ann["attainment_pct"], "60.00");
    let cat = &v["members"][1];
    assert_eq!(cat["targets"][0]["status"], "achieved");
    assert_eq!(cat["attainment_pct"], "100.00");
    let eve = &v["members"][2];
    assert!(eve["targets"].as_array().unwrap().is_empty());
    assert!(eve["attainment_pct"].is_null());
    // The team counts each day for who was a member then: Ann's 39,000, Bob's
    // October 10,000 (not his November sale, made in South), Cat's 13,000.
    // 62,000 of 100,000; expected 100,000 x 41/65 = 63,076.92: pace 98.29%.
    let team = &v["team"];
    assert_eq!(
        (team["subject_type"].as_str(), team["name"].as_str()),
        (Some("team"), Some("North"))
    );
    let t = &team["targets"][0];
    assert_eq!(t["target_id"], w.north_q4.as_str());
    assert_eq!(
        [
            &t["actual"],
            &t["expected_to_date"],
            &t["pace_pct"],
            &t["status"]
        ],
        ["62000.00", "63076.92", "98.29", "on_track"]
    );
    // On 10 November Bob was still in North.
    let v = app
        .get(&format!(
            "/v1/scorecards?period=2026-Q4&team_id={}&as_of=2026-11-10",
            w.north
        ))
        .token(&w.mgr.token)
        .send()
        .await
        .expect(200);
    assert_eq!(names(&v["members"]), vec!["Ann", "Bob", "Cat", "Eve"]);
    // 10,000 (Ann) + 10,000 (Bob) + 13,000 (Cat).
    assert_eq!(v["team"]["targets"][0]["actual"], "33000.00");
}

#[actix_web::test]
async fn sort_gives_a_leaderboard_and_metric_narrows_it() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let get = |extra: &'static str| {
        let app = &app;
        let token = w.mgr.token.clone();
        let url = card_url(w.north, extra);
        async move { app.get(&url).token(&token).send().await.expect(200) }
    };
    // Rows without targets come last either way.
    assert_eq!(
        names(&get("&sort=-attainment_pct").await["members"]),
        vec!["Cat", "Ann", "Eve"]
    );
    assert_eq!(
        names(&get("&sort=attainment_pct").await["members"]),
        vec!["Ann", "Cat", "Eve"]
    );
    assert_eq!(
        names(&get("&sort=-name").await["members"]),
        vec!["Eve", "Cat", "Ann"]
    );
    // Cat is achieved: 13,000 against 13,000 x 41/65 = 8,200 expected: 158.54%.
    assert_eq!(
        names(&get("&sort=-pace_pct").await["members"]),
        vec!["Cat", "Ann", "Eve"]
    );
    let v = get("&metric=gross_profit").await;
    assert!(v["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["targets"].as_array().unwrap().is_empty()));
    assert!(v["team"]["targets"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn csv_has_a_line_per_target_and_one_for_a_row_without() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let r = app
        .get(&card_url(w.north, "&sort=-attainment_pct"))
        .token(&w.mgr.token)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0]
        .starts_with("period,as_of,subject_type,subject_id,name,team_id,target_id,title,metric"));
    assert!(lines[1].starts_with(&format!("2026-Q4,2026-11-26,team,{},North,", w.north)));
    assert!(lines[1].ends_with(",100000.00,62000.00,62.00,63076.92,98.29,on_track,98292.68,38000.00,24,1583.33,7916.65"), "{}", lines[1]);
    assert!(lines[2].contains(",Cat,"));
    assert!(lines[3].ends_with(&format!(
        "{},Ann Q4,revenue,,,2026-10-01,2026-12-31,65000.00,39000.00,60.00,41000.00,95.12,on_track,61829.27,26000.00,24,1083.33,5416.65",
        w.ann_q4
    )), "{}", lines[3]);
    assert_eq!(
        lines[4],
        format!(
            "2026-Q4,2026-11-26,user,{},Eve,{}{}",
            w.eve.id,
            w.north,
            ",".repeat(18)
        )
    );
    // Revalidation: 304 while nothing changed.
    let etag = r.header("etag").unwrap();
    let again = app
        .get(&card_url(w.north, "&sort=-attainment_pct"))
        .token(&w.mgr.token)
        .header("accept", "text/csv")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status.as_u16(), 304);
}

#[actix_web::test]
async fn scorecard_etag_changes_with_a_sale() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let url = card_url(w.north, "");
    let r = app.get(&url).token(&w.ann.token).send().await;
    r.expect(200);
    let etag = r.header("etag").unwrap();
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("private, no-cache")
    );
    let same = app
        .get(&url)
        .token(&w.ann.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(same.status.as_u16(), 304);
    let c = account(&app, &w.org, "Globex", w.eve.id).await;
    push(
        &app,
        &w.org,
        vec![sale("e1", &c, "2026-11-26", "100", "invoice")],
    )
    .await;
    let changed = app
        .get(&url)
        .token(&w.ann.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(
        changed.expect(200)["team"]["targets"][0]["actual"],
        "62100.00"
    );
}

#[actix_web::test]
async fn who_sees_which_scorecard() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // A salesperson: their own team, which is the default.
    let v = app
        .get("/v1/scorecards?period=2026-Q4&as_of=2026-11-26")
        .token(&w.ann.token)
        .send()
        .await
        .expect(200);
    assert_eq!(v["team_id"], w.north.to_string());
    app.get(&card_url(w.south, ""))
        .token(&w.ann.token)
        .send()
        .await
        .problem(404, "not_found");
    // Another team's manager, another team's salesperson.
    app.get(&card_url(w.north, ""))
        .token(&w.south_mgr.token)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&card_url(w.north, ""))
        .token(&w.dan.token)
        .send()
        .await
        .problem(404, "not_found");
    // Bob is in South today.
    app.get(&card_url(w.south, ""))
        .token(&w.bob.token)
        .send()
        .await
        .expect(200);
    // Viewers and read clients see every team; a client without `read` does not.
    let viewer = app.person(&w.org, "viewer", None).await;
    app.get(&card_url(w.north, ""))
        .token(&viewer.token)
        .send()
        .await
        .expect(200);
    let (reader, _) = app.client(&w.org, &["read"]).await;
    let reader = app.sign(w.org.id, "client", reader, Some("read"));
    app.get(&card_url(w.north, ""))
        .token(&reader)
        .send()
        .await
        .expect(200);
    let (writer, _) = app.client(&w.org, &["sales:write"]).await;
    let writer = app.sign(w.org.id, "client", writer, Some("sales:write"));
    app.get(&card_url(w.north, ""))
        .token(&writer)
        .send()
        .await
        .problem(403, "forbidden");
    // Another organisation's admin.
    let other = app.org("Other").await;
    app.get(&card_url(w.north, ""))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");
    // No token.
    assert_eq!(
        app.get(&card_url(w.north, "")).send().await.status.as_u16(),
        401
    );
}

#[actix_web::test]
async fn bad_scorecard_requests_are_problems() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let bad = |q: String| {
        let app = &app;
        let token = w.org.admin.clone();
        async move {
            app.get(&format!("/v1/scorecards?{q}"))
                .token(&token)
                .send()
                .await
        }
    };
    let v = bad(format!("period=2026-Q9&team_id={}", w.north))
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["code"], "unknown_period");
    // The admin is in no team: the team must be named.
    let v = bad("period=2026-Q4".into())
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "team_id");
    bad(format!("period=2026-Q4&team_id={}&sort=best", w.north))
        .await
        .problem(400, "invalid_query");
    bad(format!(
        "period=2026-Q4&team_id={}&as_of=0999-12-31",
        w.north
    ))
    .await
    .problem(400, "invalid_query");
    bad(format!("team_id={}", w.north))
        .await
        .problem(400, "invalid_query");
    bad("period=2026-Q4&team_id=not-a-uuid".into())
        .await
        .problem(400, "invalid_query");
    bad(format!("period=2026-Q4&team_id={}", Uuid::now_v7()))
        .await
        .problem(404, "not_found");
}

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

#[actix_web::test]
async fn a_series_by_week_and_by_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let url = |g: &str| {
        format!(
            "/v1/targets/{}/series?granularity={g}&as_of=2026-11-26",
            w.ann_q4
        )
    };
    let v = app
        .get(&url("week"))
        .token(&w.ann.token)
        .send()
        .await
        .expect(200);
    let pts = points(&v);
    // 1-4 October (Thursday to Sunday), then 13 weeks from Monday 5 October.
    assert_eq!(pts.len(), 14);
    let p = |s: &str, e: &str, a: Value, x: &str| (s.to_string(), e.to_string(), a, json!(x));
    assert_eq!(
        pts[0],
        p("2026-10-01", "2026-10-04", json!("0.00"), "2000.00")
    );
    // The week of the 10,000 sale: 12 working days gone, 12,000 expected.
    assert_eq!(
        pts[2],
        p("2026-10-12", "2026-10-18", json!("10000.00"), "12000.00")
    );
    // The week holding as_of counts to the 26th (the credit note included); its
    // line runs to Sunday the 29th: 42 working days.
    assert_eq!(
        pts[8],
        p("2026-11-23", "2026-11-29", json!("39000.00"), "42000.00")
    );
    assert_eq!(
        pts[9],
        p("2026-11-30", "2026-12-06", Value::Null, "47000.00")
    );
    assert_eq!(
        pts[13],
        p("2026-12-28", "2026-12-31", Value::Null, "65000.00")
    );
    let days = app
        .get(&url("day"))
        .token(&w.ann.token)
        .send()
        .await
        .expect(200);
    let pts = points(&days);
    assert_eq!(pts.len(), 92);
    assert_eq!(
        pts[14],
        p("2026-10-15", "2026-10-15", json!("10000.00"), "11000.00")
    );
    assert_eq!(pts[56].2, json!("39000.00")); // 26 November
    assert_eq!(pts[57].2, Value::Null);
    // The team's line counts Bob until he moved.
    let v = app
        .get(&format!(
            "/v1/targets/{}/series?as_of=2026-11-26",
            w.north_q4
        ))
        .token(&w.mgr.token)
        .send()
        .await
        .expect(200);
    let pts = points(&v);
    assert_eq!(pts[50].0, "2026-11-20");
    assert_eq!(pts[50].2, json!("63000.00"));
    assert_eq!(pts[55].2, json!("62000.00"));
    // ETag and 304.
    let r = app.get(&url("week")).token(&w.ann.token).send().await;
    let etag = r.header("etag").unwrap();
    let again = app
        .get(&url("week"))
        .token(&w.ann.token)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status.as_u16(), 304);
    // Refusals.
    app.get(&url("week"))
        .token(&w.dan.token)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&url("month"))
        .token(&w.ann.token)
        .send()
        .await
        .problem(400, "invalid_query");
    let other = app.org("Other").await;
    app.get(&url("day"))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");
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

fn milestones(app: &TestApp) -> Vec<Milestone> {
    diesel::sql_query(
        "SELECT kind, target_id, user_id, account_id FROM milestones ORDER BY recorded_at, id",
    )
    .load(&mut app.conn())
    .unwrap()
}

#[actix_web::test]
async fn reaching_100_pct_is_a_milestone_recorded_once() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // Cat's 13,000 sale reached her 13,000 target; Ann (60%) and North (62%) did not.
    let cat_q4: Uuid = w.cat_q4.parse().unwrap();
    assert_eq!(
        milestones(&app),
        vec![Milestone {
            kind: "target_achieved".into(),
            target_id: Some(cat_q4),
            user_id: Some(w.cat.id),
            account_id: None,
        }]
    );
    // More sales for Cat: still one milestone for her target.
    let c = account(&app, &w.org, "Umbrella", w.cat.id).await;
    push(
        &app,
        &w.org,
        vec![sale("c2", &c, "2026-11-03", "500", "invoice")],
    )
    .await;
    assert_eq!(milestones(&app).len(), 1);
    // North reaches 100,000 exactly with a 33,000 sale of Eve's in December
    // (67,000 so far over the whole quarter, Ann's December sale included).
    let e = account(&app, &w.org, "Hooli", w.eve.id).await;
    push(
        &app,
        &w.org,
        vec![sale("e9", &e, "2026-12-01", "33000", "invoice")],
    )
    .await;
    let got = milestones(&app);
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].target_id, Some(w.north_q4.parse().unwrap()));
    assert_eq!(got[1].user_id, None);
    // A target agreed when it is already reached is a milestone at agreement.
    let dan_acc = account(&app, &w.org, "Wonka", w.dan.id).await;
    push(
        &app,
        &w.org,
        vec![sale("d1", &dan_acc, "2026-10-05", "9000", "invoice")],
    )
    .await;
    assert_eq!(milestones(&app).len(), 2);
    let dan_q4 = agreed(
        &app,
        &w.org,
        &w.dan.token,
        q4("Dan Q4", "user", w.dan.id, "8000"),
    )
    .await;
    let got = milestones(&app);
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].target_id, Some(dan_q4.parse().unwrap()));
    // Nothing for a target that is not agreed, even over its value.
    app.post("/v1/targets")
        .token(&w.org.admin)
        .json(&q4("Dan draft", "user", w.dan.id, "10"))
        .send()
        .await
        .expect(201);
    push(
        &app,
        &w.org,
        vec![sale("d2", &dan_acc, "2026-10-06", "1", "invoice")],
    )
    .await;
    assert_eq!(milestones(&app).len(), 3);
}

#[actix_web::test]
async fn a_won_prospect_is_a_milestone() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let v = app
        .post("/v1/accounts")
        .token(&org.admin)
        .json(&json!({"name": "Prospect", "kind": "prospect", "owner_id": hunter.id, "owned_since": "2026-01-01"}))
        .send()
        .await
        .expect(201);
    let id: Uuid = v["id"].as_str().unwrap().parse().unwrap();
    app.post(&format!("/v1/accounts/{id}/convert"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        milestones(&app),
        vec![Milestone {
            kind: "prospect_won".into(),
            target_id: None,
            user_id: Some(hunter.id),
            account_id: Some(id),
        }]
    );
}
