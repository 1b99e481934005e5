//! Money and dates are read strictly wherever a body or a query string carries
//! them: amounts as `-?digits[.digits]` (a JSON string or a JSON number), dates
//! as `YYYY-MM-DD` within the years 1900 to 2999. Anything else is refused with
//! the field named, never read as something else, never a 500.

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// Amounts refused, each as it appears in the JSON text (strings quoted).
const BAD_AMOUNTS: &[&str] = &[
    r#""1_000""#,
    r#""1E5""#,
    r#""1e5""#,
    r#""+5""#,
    r#"" 5""#,
    r#""5 ""#,
    r#"".5""#,
    r#""5.""#,
    r#""-""#,
    r#""""#,
    r#""NaN""#,
    r#""nan""#,
    r#""Infinity""#,
    r#""-inf""#,
    r#""1,5""#,
    r#""0x10""#,
    r#""--5""#,
    r#""5..0""#,
    r#""١٢""#,
    "1e5",
    "1E5",
    "1.5e2",
    "2E-1",
    "true",
    "[1]",
];

/// Amounts read, with what they are worth.
const GOOD_AMOUNTS: &[(&str, &str)] = &[
    (r#""1000""#, "1000.00"),
    (r#""1000.5""#, "1000.50"),
    (r#""0012.30""#, "12.30"),
    ("1000", "1000.00"),
    ("1000.25", "1000.25"),
    ("9999999999999.99", "9999999999999.99"),
];

/// Dates refused, as JSON strings.
const BAD_DATES: &[&str] = &[
    "2026-1-1",
    "2026-01-1",
    "+002026-01-01",
    "002026-01-01",
    "0000-01-01",
    "1899-12-31",
    "3000-01-01",
    "2026-02-30",
    "2026-13-01",
    "2026-01-01T00:00:00",
    " 2026-01-01",
    "2026-01-01 ",
    "20260101",
    "2026/01/01",
    "26-01-01",
    "٢٠٢٦-01-01",
    "",
];

/// An organisation with a salesperson who owns an account, and the admin's token.
struct World {
    org: Org,
    sp: Person,
    account: Uuid,
}

async fn world(app: &TestApp) -> World {
    let s = Scenario::new("Strict")
        .salesperson("sp", "farmer")
        .customer("Acme", "sp")
        .build(app)
        .await;
    World {
        sp: s.person("sp"),
        account: s.id("Acme"),
        org: s.org,
    }
}

/// Sends `template` with `@` replaced by `value` (JSON text) and answers the
/// status and body.
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    template: &str,
    value: &str,
) -> (u16, Value) {
    let body = template.replace('@', value);
    let req = match method {
        "POST" => app.post(path),
        "PATCH" => app.patch(path),
        "PUT" => app.put(path),
        _ => unreachable!(),
    };
    let res = req.token(token).body("application/json", body).send().await;
    let status = res.status.as_u16();
    let v = if res.body.is_empty() {
        Value::Null
    } else {
        res.json()
    };
    (status, v)
}

/// Asserts a 422 that names `field` among its errors, or for a batch of one
/// item, that item rejected naming `field`.
#[track_caller]
fn refused(what: &str, status: u16, v: &Value, field: &str) {
    let v = if status == 200 && v["items"].is_array() {
        assert_eq!(v["items"][0]["status"], "rejected", "{what}: {v}");
        &v["items"][0]
    } else {
        assert_eq!(status, 422, "{what}: {v}");
        v
    };
    let named = v["errors"]
        .as_array()
        .is_some_and(|es| es.iter().any(|e| e["field"] == field));
    assert!(named, "{what}: the errors name {field}: {v}");
}

/// Every place a body carries money, with a body around it (`@` marks the value)
/// and the field the error names.
fn money_cases(w: &World, target: Uuid) -> Vec<(&'static str, String, String, &'static str)> {
    let acc = w.account;
    // A sale whose `field` is the value tested, the others valid.
    let sale = |field: &str| {
        let mut fields = vec![
            ("revenue", r#""10""#),
            ("gross_profit", r#""3""#),
            ("cost", "null"),
            ("fx_rate", "null"),
        ];
        for (name, value) in fields.iter_mut() {
            if *name == field {
                *value = "@";
            }
        }
        if field == "cost" {
            fields.retain(|(name, _)| *name != "gross_profit");
        }
        let currency = if field == "fx_rate" { "USD" } else { "EUR" };
        let amounts: Vec<String> = fields
            .iter()
            .map(|(name, value)| format!(r#""{name}":{value}"#))
            .collect();
        format!(
            r#"{{"external_id":"s-{}","source":"crm","account_id":"{acc}","occurred_on":"2026-03-02","currency":"{currency}",{}}}"#,
            Uuid::new_v4().simple(),
            amounts.join(",")
        )
    };
    let item = format!(
        r#"{{"items":[{{"external_id":"b-1","source":"crm","account_id":"{acc}","occurred_on":"2026-03-02","revenue":@,"gross_profit":"1"}}]}}"#
    );
    let tgt = format!(
        r#"{{"title":"Q1","subject_type":"user","subject_id":"{}","metric":"revenue","value":@,"starts_on":"2026-01-01","ends_on":"2026-03-31"}}"#,
        w.sp.id
    );
    let tiers = |t: &str| format!(r#"{{"name":"Bonus","target_id":"{target}","tiers":[{t}]}}"#);
    vec![
        ("POST", "/v1/sales".into(), sale("revenue"), "revenue"),
        (
            "POST",
            "/v1/sales".into(),
            sale("gross_profit"),
            "gross_profit",
        ),
        ("POST", "/v1/sales".into(), sale("cost"), "cost"),
        ("POST", "/v1/sales".into(), sale("fx_rate"), "fx_rate"),
        ("POST", "/v1/sales/batch".into(), item, "revenue"),
        ("POST", "/v1/targets".into(), tgt, "value"),
        (
            "POST",
            format!("/v1/targets/{target}/revise"),
            r#"{"value":@}"#.into(),
            "value",
        ),
        (
            "POST",
            "/v1/bonus-plans".into(),
            tiers(r#"{"attainment_pct":@,"payout":"100"}"#),
            "tiers[0].attainment_pct",
        ),
        (
            "POST",
            "/v1/bonus-plans".into(),
            tiers(r#"{"attainment_pct":"100","payout":@}"#),
            "tiers[0].payout",
        ),
        (
            "POST",
            "/v1/bonus-plans".into(),
            format!(
                r#"{{"name":"B","target_id":"{target}","tiers":[{{"attainment_pct":"100","payout":"1"}}],"gate":{{"target_id":"{target}","attainment_pct":@}}}}"#
            ),
            "gate.attainment_pct",
        ),
        (
            "PATCH",
            "/v1/org".into(),
            r#"{"attainability":{"realistic_max_ratio":@,"stretch_max_ratio":"2"}}"#.into(),
            "attainability.realistic_max_ratio",
        ),
        (
            "PATCH",
            "/v1/org".into(),
            r#"{"pace":{"ahead_pct":"110","on_track_pct":@,"behind_pct":"80"}}"#.into(),
            "pace.on_track_pct",
        ),
    ]
}

async fn a_target(app: &TestApp, w: &World) -> Uuid {
    target_over(app, w, "2026-01-01", "2026-03-31").await
}

#[actix_web::test]
async fn money_is_digits_with_an_optional_fraction_everywhere() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let target = a_target(&app, &w).await;
    for (method, path, template, field) in money_cases(&w, target) {
        for bad in BAD_AMOUNTS {
            let (status, v) = send(&app, method, &path, &w.org.admin, &template, bad).await;
            refused(&format!("{method} {path} {field}={bad}"), status, &v, field);
        }
    }
}

/// Pushes one sale whose revenue is `revenue` (JSON text).
async fn sale_of(app: &TestApp, w: &World, key: &str, revenue: &str) -> Res {
    let body = format!(
        r#"{{"external_id":"{key}","source":"crm","account_id":"{}","occurred_on":"2026-03-02","revenue":{revenue},"gross_profit":"1"}}"#,
        w.account
    );
    app.post("/v1/sales")
        .token(&w.org.admin)
        .body("application/json", body)
        .send()
        .await
}

#[actix_web::test]
async fn money_in_either_form_is_read_exactly() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for (i, (good, worth)) in GOOD_AMOUNTS.iter().enumerate() {
        let res = sale_of(&app, &w, &format!("g-{i}"), good).await;
        assert!(
            res.status.is_success(),
            "{good}: {}",
            String::from_utf8_lossy(&res.body)
        );
        assert_eq!(res.json()["sale"]["revenue"], *worth, "{good}");
    }
    // A negative amount is read (and then judged by the rules: a revenue is not negative).
    let v = sale_of(&app, &w, "neg", r#""-5""#).await.expect(422);
    assert_eq!(v["errors"][0]["field"], "revenue");
    assert_ne!(v["errors"][0]["code"], "invalid_value", "{v}");
}

/// Every place a body carries a date, with a body around it (`@` marks the value).
fn date_cases(
    w: &World,
    target: Uuid,
    team: Uuid,
) -> Vec<(&'static str, String, String, &'static str)> {
    let acc = w.account;
    let sp = w.sp.id;
    vec![
        (
            "POST",
            "/v1/sales".into(),
            format!(
                r#"{{"external_id":"d","source":"crm","account_id":"{acc}","occurred_on":@,"revenue":"1","gross_profit":"1"}}"#
            ),
            "occurred_on",
        ),
        (
            "POST",
            "/v1/accounts".into(),
            format!(r#"{{"name":"New","kind":"prospect","owner_id":"{sp}","owned_since":@}}"#),
            "owned_since",
        ),
        (
            "POST",
            format!("/v1/accounts/{acc}/transfer"),
            format!(r#"{{"new_owner_id":"{sp}","effective_on":@,"reason":"x"}}"#),
            "effective_on",
        ),
        (
            "POST",
            "/v1/targets".into(),
            format!(
                r#"{{"title":"T","subject_type":"user","subject_id":"{sp}","metric":"revenue","value":"1","starts_on":@,"ends_on":"2026-03-31"}}"#
            ),
            "starts_on",
        ),
        (
            "PATCH",
            format!("/v1/targets/{target}"),
            r#"{"ends_on":@}"#.into(),
            "ends_on",
        ),
        (
            "PUT",
            format!("/v1/teams/{team}/members/{sp}"),
            r#"{"from":@}"#.into(),
            "from",
        ),
        (
            "PATCH",
            "/v1/org".into(),
            r#"{"holidays":["2026-12-25",@]}"#.into(),
            "holidays[1]",
        ),
    ]
}

#[actix_web::test]
async fn dates_are_yyyy_mm_dd_between_1900_and_2999_in_bodies() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let target = a_target(&app, &w).await;
    let team = app.team(&w.org, "Hunters", None, None).await;
    for (method, path, template, field) in date_cases(&w, target, team) {
        for bad in BAD_DATES {
            let value = json!(bad).to_string();
            let (status, v) = send(&app, method, &path, &w.org.admin, &template, &value).await;
            refused(
                &format!("{method} {path} {field}={value}"),
                status,
                &v,
                field,
            );
        }
    }
    // The edges of the range are days like any other.
    let v = app
        .patch("/v1/org")
        .token(&w.org.admin)
        .json(&json!({"holidays": ["1900-01-01", "2999-12-31"]}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["holidays"], json!(["1900-01-01", "2999-12-31"]));
}

#[actix_web::test]
async fn dates_in_query_strings_are_as_strict() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let target = a_target(&app, &w).await;
    let team = app.team(&w.org, "Farmers", None, None).await;
    let paths = [
        format!("/v1/targets/{target}/progress?as_of="),
        format!("/v1/targets/{target}/series?as_of="),
        "/v1/periods?granularity=month&from=".to_string(),
        format!("/v1/scorecards?period=2026-Q1&team_id={team}&as_of="),
        "/v1/successes?since=".to_string(),
    ];
    for path in &paths {
        for bad in BAD_DATES.iter().filter(|d| !d.is_empty()) {
            let q: String = url::form_urlencoded::byte_serialize(bad.as_bytes()).collect();
            let res = app
                .get(&format!("{path}{q}"))
                .token(&w.org.admin)
                .send()
                .await;
            let v = res.problem(400, "invalid_query");
            assert!(
                v["detail"].as_str().unwrap().contains("YYYY-MM-DD")
                    || v["detail"].as_str().unwrap().contains("1900"),
                "{path}{q}: {v}"
            );
        }
        let res = app
            .get(&format!("{path}2026-02-01"))
            .token(&w.org.admin)
            .send()
            .await;
        assert!(
            res.status.is_success(),
            "{path}: {}",
            String::from_utf8_lossy(&res.body)
        );
    }
}

/// A draft revenue target of the salesperson over `[from, to]`, set by the admin.
async fn target_over(app: &TestApp, w: &World, from: &str, to: &str) -> Uuid {
    let v = app
        .post("/v1/targets")
        .token(&w.org.admin)
        .json(
            &json!({"title": "Long", "subject_type": "user", "subject_id": w.sp.id,
            "metric": "revenue", "value": "1000", "starts_on": from, "ends_on": to}),
        )
        .send()
        .await
        .expect(201);
    v["id"].as_str().unwrap().parse().unwrap()
}

/// The message a series refused as too long gives.
async fn too_many_points(app: &TestApp, w: &World, target: Uuid, granularity: &str) -> String {
    let v = app
        .get(&format!(
            "/v1/targets/{target}/series?granularity={granularity}"
        ))
        .token(&w.org.admin)
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["code"], "too_many_points");
    v["errors"][0]["message"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn a_series_too_long_says_the_limit_and_what_to_do_for_its_granularity() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // 20 years: too many days, few enough weeks.
    let twenty = target_over(&app, &w, "2000-01-01", "2019-12-31").await;
    let detail = too_many_points(&app, &w, twenty, "day").await;
    assert!(
        detail.contains("3660") && detail.contains("7305 days"),
        "{detail}"
    );
    assert!(detail.contains("granularity=week"), "{detail}");
    app.get(&format!("/v1/targets/{twenty}/series?granularity=week"))
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);
    // 100 years: too many weeks as well; asking for weeks is not the way out.
    let hundred = target_over(&app, &w, "1950-01-01", "2049-12-31").await;
    let detail = too_many_points(&app, &w, hundred, "week").await;
    assert!(!detail.contains("ask for granularity=week"), "{detail}");
    assert!(
        detail.contains("3660") && detail.contains("weeks") && detail.contains("/progress"),
        "{detail}"
    );
}
