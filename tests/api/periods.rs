//! `GET /v1/periods`: the organisation's calendar with working days.

use crate::support::*;
use serde_json::json;

#[actix_web::test]
async fn quarters_of_a_fiscal_year_with_working_days() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    app.patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"fiscal_year_start_month": 4, "holidays": ["2026-12-25", "2027-01-01"]}))
        .send()
        .await
        .expect(200);
    let sp = app.person(&org, "salesperson", Some("farmer")).await;
    let v = app
        .get("/v1/periods?granularity=quarter&from=2026-04-01&to=2027-03-31")
        .token(&sp.token)
        .send()
        .await
        .expect(200);
    let keys: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        vec!["FY2027-Q1", "FY2027-Q2", "FY2027-Q3", "FY2027-Q4"]
    );
    let q3 = &v["data"][2];
    assert_eq!(
        (q3["starts_on"].as_str(), q3["ends_on"].as_str()),
        (Some("2026-10-01"), Some("2026-12-31"))
    );
    // October 2026 to December 2026: 66 weekdays, less Christmas (a Friday).
    assert_eq!(q3["working_days"], 65);
    // January to March 2027: 64 weekdays, less New Year's Day (a Friday).
    assert_eq!(v["data"][3]["working_days"], 63);
    assert!(v["next_cursor"].is_null());
}

#[actix_web::test]
async fn weeks_months_and_bad_queries() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let v = app
        .get("/v1/periods?granularity=week&from=2026-12-28&to=2027-01-05")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let keys: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["2026-W53", "2027-W01"]);
    let v = app
        .get("/v1/periods?granularity=month&from=2024-02-10")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["data"][0]["key"], "2024-02");
    assert_eq!(v["data"][0]["ends_on"], "2024-02-29");
    assert_eq!(v["data"][0]["working_days"], 21);
    app.get("/v1/periods?granularity=day")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    app.get("/v1/periods?granularity=month&from=2026-05-01&to=2026-04-01")
        .token(&org.admin)
        .send()
        .await
        .problem(422, "validation_failed");
    app.get("/v1/periods?granularity=week&from=2000-01-01&to=2030-01-01")
        .token(&org.admin)
        .send()
        .await
        .problem(422, "validation_failed");
    app.get("/v1/periods?granularity=year")
        .send()
        .await
        .problem(401, "missing_token");
    // Without from and to: the current year of the organisation's calendar.
    let v = app
        .get("/v1/periods?granularity=year")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
}
