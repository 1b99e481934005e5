//! The demo organisation as it stands on a given day: its quarter, its spread,
//! nothing dated after the day; and `onpace demo --reset`.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date, Nullable};
use diesel_async::RunQueryDsl;
use serde_json::Value;
use uuid::Uuid;

use crate::support::*;

const DEMO_ADMIN: &str = "admin@demo.onpace.example.com";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Last {
    #[diesel(sql_type = Nullable<Date>)]
    last: Option<NaiveDate>,
}

async fn count(app: &TestApp, sql: String) -> i64 {
    let rows: Vec<N> = diesel::sql_query(&sql)
        .load(&mut app.conn().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows[0].n
}

async fn last(app: &TestApp, sql: &str) -> Option<NaiveDate> {
    let rows: Vec<Last> = diesel::sql_query(sql)
        .load(&mut app.conn().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows[0].last
}

/// The demo organisation's id.
async fn demo_org(app: &TestApp) -> Uuid {
    #[derive(diesel::QueryableByName)]
    struct Org {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        org_id: Uuid,
    }
    let rows: Vec<Org> = diesel::sql_query(format!(
        "SELECT org_id FROM users WHERE email = '{DEMO_ADMIN}'"
    ))
    .load(&mut app.conn().await)
    .await
    .unwrap();
    rows[0].org_id
}

/// The tables an organisation has rows in.
const TENANT_TABLES: [&str; 29] = [
    "users",
    "teams",
    "team_members",
    "api_clients",
    "refresh_tokens",
    "accounts",
    "account_owners",
    "targets",
    "target_events",
    "bonus_plans",
    "sales",
    "sale_shares",
    "sale_credits",
    "account_split_rules",
    "account_split_shares",
    "activities",
    "daily_rollup",
    "daily_sales",
    "idempotency_keys",
    "milestones",
    "reviews",
    "review_items",
    "events",
    "webhooks",
    "webhook_deliveries",
    "target_pace",
    "pace_sweeps",
    "logins",
    "client_logins",
];

/// Rows of `org` in each tenant table.
async fn rows_of(app: &TestApp, org: Uuid) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for t in TENANT_TABLES {
        let n = count(
            app,
            format!("SELECT count(*) AS n FROM {t} WHERE org_id = '{org}'"),
        )
        .await;
        out.push((t, n));
    }
    out
}

async fn token(app: &TestApp, local: &str) -> String {
    let v = app
        .login(
            &format!("{local}@demo.onpace.example.com"),
            internals::DEMO_PASSWORD,
        )
        .await
        .expect(200);
    v["access_token"].as_str().unwrap().to_string()
}

/// The statuses of a scorecard's rows' targets of `metric`: (name, status).
fn statuses(card: &Value, metric: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for row in card["members"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&card["team"]])
    {
        for t in row["targets"].as_array().unwrap() {
            if t["metric"] == metric && t["title"].as_str().unwrap().contains('Q') {
                out.push((
                    row["name"].as_str().unwrap().to_string(),
                    t["status"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// The ids `sql` selects (as `id`).
async fn ids(app: &TestApp, sql: String) -> Vec<Uuid> {
    let rows: Vec<Id> = diesel::sql_query(&sql)
        .load(&mut app.conn().await)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|r| r.id).collect()
}

/// A demo person's id by the part of their address before `@`.
async fn person(app: &TestApp, local: &str) -> Uuid {
    ids(
        app,
        format!("SELECT id FROM users WHERE email = '{local}@demo.onpace.example.com'"),
    )
    .await[0]
}

/// The demo's shared credit, as its admin reads it: Hugo's hunter's share of
/// Woodgrove Bank (won 30 days before `on`) to the quarter's end, Harper's
/// overlay on Contoso for the quarter (every sale of Contoso in it credits
/// her), and one deal shared 60/40 by Faye and Hana. `on` is a day of 2026-Q4.
async fn check_shared_credit(app: &TestApp, org: Uuid, admin: &str, on: NaiveDate) {
    let account =
        |name: &str| format!("SELECT id FROM accounts WHERE org_id = '{org}' AND name = '{name}'");
    let woodgrove = ids(app, account("Woodgrove Bank")).await[0];
    let contoso = ids(app, account("Contoso Ltd")).await[0];
    let (hugo, harper) = (person(app, "hugo").await, person(app, "harper").await);
    let (faye, hana) = (person(app, "faye").await, person(app, "hana").await);
    let rules = |id: Uuid| async move {
        let v = app
            .get(&format!("/v1/accounts/{id}/splits"))
            .token(admin)
            .send()
            .await
            .expect(200);
        v["data"].as_array().unwrap().clone()
    };
    let won_on = (on - chrono::Duration::days(30)).to_string();
    let r = rules(woodgrove).await;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (&r[0]["from"], &r[0]["to"], &r[0]["hunter_share"]),
        (
            &serde_json::json!(won_on),
            &serde_json::json!("2026-12-31"),
            &serde_json::json!(true)
        )
    );
    assert_eq!(
        r[0]["splits"],
        serde_json::json!([{"salesperson_id": hugo, "share_pct": "30", "type": "revenue"}])
    );
    let r = rules(contoso).await;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (&r[0]["from"], &r[0]["to"], &r[0]["hunter_share"]),
        (
            &serde_json::json!("2026-10-01"),
            &serde_json::json!("2026-12-31"),
            &serde_json::json!(false)
        )
    );
    assert_eq!(
        r[0]["splits"],
        serde_json::json!([{"salesperson_id": harper, "share_pct": "100", "type": "overlay"}])
    );
    let contoso_sales = count(
        app,
        format!(
            "SELECT count(*) AS n FROM sales WHERE org_id = '{org}' AND account_id = '{contoso}' \
             AND occurred_on >= '2026-10-01'"
        ),
    )
    .await;
    let overlays = count(
        app,
        format!(
            "SELECT count(*) AS n FROM sale_credits c JOIN sales s \
               ON s.org_id = c.org_id AND s.id = c.sale_id \
             WHERE c.org_id = '{org}' AND c.salesperson_id = '{harper}' \
               AND c.credit_type = 'overlay' AND c.share_pct = 100 \
               AND s.account_id = '{contoso}' AND s.occurred_on >= '2026-10-01'"
        ),
    )
    .await;
    assert_eq!(overlays, contoso_sales);
    // The shared deal: its credits are Faye's 60% and Hana's 40%, and add up
    // to the sale's revenue to the cent.
    let shared = ids(
        app,
        format!(
            "SELECT sale_id AS id FROM sale_credits WHERE org_id = '{org}' \
             GROUP BY sale_id HAVING count(*) = 2 \
               AND bool_and(credit_type = 'revenue') \
               AND bool_or(salesperson_id = '{faye}' AND share_pct = 60) \
               AND bool_or(salesperson_id = '{hana}' AND share_pct = 40)"
        ),
    )
    .await;
    assert_eq!(shared.len(), 1, "one shared deal");
    let v = app
        .get(&format!("/v1/sales/{}", shared[0]))
        .token(admin)
        .send()
        .await
        .expect(200);
    let credits = v["credits"].as_array().unwrap();
    let sum: rust_decimal::Decimal = credits
        .iter()
        .map(|c| dec(c["revenue"].as_str().unwrap()))
        .sum();
    assert_eq!(sum, dec(v["revenue"].as_str().unwrap()), "{v}");
    assert!(day(v["occurred_on"].as_str().unwrap()) <= on, "{v}");
}

/// Builds the demo as of `on` and checks what any day of its quarter shows.
async fn check_demo_on(on: &str, quarter: &str) -> TestApp {
    let app = TestApp::new().await;
    internals::demo_on(&app.db.url, false, day(on));
    let org = demo_org(&app).await;
    // Nothing dated after the day: sales, activities (on the demo's clock),
    // milestones, and successes in the feed.
    let sales = last(
        &app,
        &format!("SELECT max(occurred_on) AS last FROM sales WHERE org_id = '{org}'"),
    )
    .await
    .expect("sales");
    assert!(sales <= day(on), "a sale on {sales}");
    let acts = last(
        &app,
        &format!(
            "SELECT max((occurred_at AT TIME ZONE 'Europe/Amsterdam')::date) AS last \
             FROM activities WHERE org_id = '{org}'"
        ),
    )
    .await
    .expect("activities");
    assert!(acts <= day(on), "an activity on {acts}");
    if let Some(m) = last(
        &app,
        &format!("SELECT max(occurred_on) AS last FROM milestones WHERE org_id = '{org}'"),
    )
    .await
    {
        assert!(m <= day(on), "a milestone on {m}");
    }
    let admin = token(&app, "admin").await;
    check_shared_credit(&app, org, &admin, day(on)).await;
    let feed = app
        .get("/v1/successes?limit=200")
        .token(&admin)
        .send()
        .await
        .expect(200);
    for s in feed["data"].as_array().unwrap() {
        let d = day(s["occurred_on"].as_str().unwrap());
        assert!(d <= day(on), "a success on {d}: {s}");
    }

    // The spread on that day: Fiona ahead, Frank behind, Farmers North below
    // its target; Hugo ahead of his meetings, Hana behind.
    let teams = app.get("/v1/teams").token(&admin).send().await.expect(200);
    let team = |name: &str| {
        teams["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let card = |team: String| {
        let url = format!("/v1/scorecards?period={quarter}&team_id={team}&as_of={on}");
        let admin = admin.clone();
        let app = &app;
        async move { app.get(&url).token(&admin).send().await.expect(200) }
    };
    let north = card(team("Farmers North")).await;
    let revenue = statuses(&north, "revenue");
    let behind = ["behind", "at_risk"];
    assert!(
        revenue.contains(&("Fiona Farmer".into(), "ahead".into())),
        "{revenue:?}"
    );
    assert!(
        revenue
            .iter()
            .any(|(n, s)| n == "Frank Farmer" && behind.contains(&s.as_str())),
        "{revenue:?}"
    );
    let (_, team_status) = revenue
        .iter()
        .find(|(n, _)| n == "Farmers North")
        .expect("the team's row");
    assert_ne!(team_status, "achieved", "{revenue:?}");
    assert!(
        north["team"]["attainment_pct"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            < 100.0,
        "{}",
        north["team"]
    );
    let south = card(team("Hunters South")).await;
    let meetings = statuses(&south, "activities");
    assert!(
        meetings.contains(&("Hugo Hunter".into(), "ahead".into())),
        "{meetings:?}"
    );
    assert!(
        meetings
            .iter()
            .any(|(n, s)| n == "Hana Hunter" && behind.contains(&s.as_str())),
        "{meetings:?}"
    );
    app
}

#[actix_web::test]
async fn on_the_first_day_of_a_quarter_the_demo_already_shows_a_spread() {
    // Thursday 1 October 2026, the first working day of 2026-Q4: only that
    // day's results count, and Fiona's day is 117% to 143% of her share.
    let app = check_demo_on("2026-10-01", "2026-Q4").await;
    // The targets are this quarter's.
    let admin = token(&app, "admin").await;
    let targets = app
        .get("/v1/targets?limit=200")
        .token(&admin)
        .send()
        .await
        .expect(200);
    for t in targets["data"].as_array().unwrap() {
        let period = t["period"].as_str().unwrap();
        assert!(
            period == "2026-Q4" || ["2026-10", "2026-11", "2026-12"].contains(&period),
            "{t}"
        );
    }
}

#[actix_web::test]
async fn mid_quarter_on_a_sunday_the_demo_stops_on_friday_and_dates_milestones_when_reached() {
    // Sunday 15 November 2026: the last results are Friday the 13th's.
    let app = check_demo_on("2026-11-15", "2026-Q4").await;
    let org = demo_org(&app).await;
    let sales = last(
        &app,
        &format!("SELECT max(occurred_on) AS last FROM sales WHERE org_id = '{org}'"),
    )
    .await;
    assert_eq!(sales, Some(day("2026-11-13")));
    // Fiona sells at 130% of 95,000 over 66 working days, about 1,871 a day:
    // her October target (31,000) is reached about 17 working days in, in
    // October, and its milestone is dated then, not on the day it was built.
    let fiona_october = count(
        &app,
        format!(
            "SELECT count(*) AS n FROM milestones m JOIN targets t \
               ON t.org_id = m.org_id AND t.id = m.target_id \
             WHERE m.org_id = '{org}' AND m.kind = 'target_achieved' \
               AND t.period = '2026-10' AND m.occurred_on BETWEEN '2026-10-01' AND '2026-10-31' \
               AND m.user_id = (SELECT id FROM users WHERE email = 'fiona@demo.onpace.example.com')"
        ),
    )
    .await;
    assert_eq!(fiona_october, 1);
}

#[actix_web::test]
async fn reset_drops_and_rebuilds_the_demo_and_leaves_other_organisations_alone() {
    let app = TestApp::new().await;
    let acme = app.org("Acme").await;
    let sp = app.person(&acme, "salesperson", Some("farmer")).await;
    app.new_account(
        &acme.admin,
        &account_body("Globex", "customer", sp.id, "2026-01-05"),
    )
    .await;
    let acme_before = rows_of(&app, acme.id).await;
    let on = day("2026-11-15");
    internals::demo_on(&app.db.url, false, on);
    let first = demo_org(&app).await;
    let built = rows_of(&app, first).await;
    assert!(built.iter().all(|(t, n)| *n > 0
        || [
            "refresh_tokens",
            "idempotency_keys",
            "webhooks",
            "webhook_deliveries",
            "pace_sweeps"
        ]
        .contains(t)));
    // A sign-in leaves a refresh token behind, which the reset drops too.
    token(&app, "maria").await;
    for _ in 0..2 {
        internals::demo_on(&app.db.url, true, on);
    }
    let demos = count(
        &app,
        "SELECT count(*) AS n FROM orgs WHERE name = 'Northwind Trading (demo)'".into(),
    )
    .await;
    assert_eq!(demos, 1);
    let again = demo_org(&app).await;
    assert_ne!(again, first);
    assert_eq!(rows_of(&app, again).await, built);
    // Nothing of the first demo is left anywhere.
    assert!(rows_of(&app, first).await.iter().all(|(_, n)| *n == 0));
    assert_eq!(
        count(
            &app,
            format!("SELECT count(*) AS n FROM orgs WHERE id = '{first}'")
        )
        .await,
        0
    );
    // Acme is as it was.
    assert_eq!(rows_of(&app, acme.id).await, acme_before);
    // Its people still sign in, and so do the demo's.
    token(&app, "fiona").await;
    app.get("/v1/me")
        .token(&acme.admin)
        .send()
        .await
        .expect(200);
}
