//! Refusals

use super::*;

#[actix_web::test]
async fn metrics_outside_the_remit_are_refused_with_an_explanation() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for metric in [
        "net_profit",
        "net_income",
        "ebitda",
        "EBITDA",
        "Net Profit",
        "net-margin",
        "operating_profit",
        "ebit",
        "profit_after_tax",
    ] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1000"), json!({ "metric": metric })),
        )
        .await;
        let v = broke(&r, "metric_not_in_remit", "metric");
        let detail = v["detail"].as_str().unwrap();
        assert!(
            detail.contains("revenue") && detail.contains("gross_profit"),
            "{metric}: the detail points to revenue or gross profit: {detail}"
        );
        assert!(
            detail.contains("not in their remit"),
            "{metric}: the detail says why: {detail}"
        );
        assert!(detail.starts_with(metric), "{detail}");
    }
    // The refusal names the rule even with other invalid fields alongside.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"metric": "net_profit", "title": " "}),
        ),
    )
    .await;
    let v = r.problem(422, "metric_not_in_remit");
    assert_eq!(
        field_errors(&v),
        vec![
            pair("metric", "metric_not_in_remit"),
            pair("title", "required")
        ]
    );
    assert!(v["detail"].as_str().unwrap().contains("gross_profit"));
    assert_eq!(list_len(&app, &w.org.admin, "").await, 0, "nothing stored");
}

#[actix_web::test]
async fn unknown_metrics_are_refused() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for metric in ["happiness", "", "revenue_growth", "profit"] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1000"), json!({ "metric": metric })),
        )
        .await;
        let v = broke(&r, "unknown_metric", "metric");
        assert!(
            v["detail"].as_str().unwrap().contains("gross_profit"),
            "{v}"
        );
    }
    // A metric that is not a string is not a metric at all.
    let r = create(
        &app,
        &w.mgr.token,
        &with(revenue(w.sp.id, "1000"), json!({ "metric": 7 })),
    )
    .await;
    refused(&r, "validation_failed", "metric", "invalid_type");
    // An unknown metric and a value of 0: the first rule broken names the problem.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "0"),
            json!({"metric": "happiness", "value": 0}),
        ),
    )
    .await;
    let v = r.problem(422, "unknown_metric");
    assert_eq!(
        field_errors(&v),
        vec![
            pair("metric", "unknown_metric"),
            pair("value", "value_not_positive")
        ]
    );
}

#[actix_web::test]
async fn values_must_be_positive_numbers() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for value in [
        json!(0),
        json!("0"),
        json!(-5),
        json!("-0.01"),
        json!("0.00"),
    ] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1"), json!({ "value": value })),
        )
        .await;
        let v = broke(&r, "value_not_positive", "value");
        assert_eq!(v["detail"], "must be a number greater than 0");
    }
    // Counts too.
    let r = create(
        &app,
        &w.mgr.token,
        &json!({
            "title": "Calls", "subject_type": "user", "subject_id": w.sp.id,
            "metric": "activities", "activity_kind": "call", "value": -3, "period": "2026-11"
        }),
    )
    .await;
    broke(&r, "value_not_positive", "value");
    // Not numbers at all: 422 validation_failed on the value.
    for value in [
        json!("abc"),
        json!(""),
        json!(true),
        json!([1]),
        json!("12,5"),
    ] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1"), json!({ "value": value })),
        )
        .await;
        let v = r.problem(422, "validation_failed");
        let errors = field_errors(&v);
        assert_eq!(errors.len(), 1, "{v}");
        assert_eq!(errors[0].0, "value", "{value}: {v}");
    }
    let r = create(
        &app,
        &w.mgr.token,
        &with(revenue(w.sp.id, "1"), json!({ "value": Value::Null })),
    )
    .await;
    refused(&r, "validation_failed", "value", "required");
    // Money in cents, counts whole, and not beyond what can be stored.
    let r = create(&app, &w.mgr.token, &revenue(w.sp.id, "100.005")).await;
    refused(&r, "validation_failed", "value", "too_precise");
    let r = create(&app, &w.mgr.token, &revenue(w.sp.id, "100000000000000000")).await;
    refused(&r, "validation_failed", "value", "out_of_range");
    let r = create(
        &app,
        &w.mgr.token,
        &json!({
            "title": "Logos", "subject_type": "user", "subject_id": w.sp.id,
            "metric": "new_accounts", "value": "2.5", "period": "2026-Q4"
        }),
    )
    .await;
    refused(&r, "validation_failed", "value", "not_whole");
    // Trailing zeros are fine; scientific notation is not.
    let v = target(&app, &w.mgr.token, revenue(w.sp.id, "100.500")).await;
    assert_eq!(v["value"], "100.50");
    let r = create(&app, &w.mgr.token, &revenue(w.sp.id, "1e3")).await;
    refused(&r, "validation_failed", "value", "invalid_value");
}

#[actix_web::test]
async fn periods_must_be_known_and_end_after_they_start() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for key in [
        "2026-Q5",
        "2026-Q0",
        "Q4",
        "2026-13",
        "2026-00",
        "2026-W54",
        "2026-W7",
        "fy2027",
        "FY27",
        "0999",
        "9999",
        "next quarter",
        "",
    ] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1000"), json!({ "period": key })),
        )
        .await;
        let v = broke(&r, "unknown_period", "period");
        assert!(v["detail"].as_str().unwrap().contains("2026-Q4"), "{v}");
    }
    // Explicit days that end before they start.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"period": null, "starts_on": "2026-12-31", "ends_on": "2026-10-01"}),
        ),
    )
    .await;
    broke(&r, "period_ends_before_start", "ends_on");
    // One day is a period.
    let v = target(
        &app,
        &w.mgr.token,
        with(
            revenue(w.sp.id, "1000"),
            json!({"period": null, "starts_on": "2026-12-01", "ends_on": "2026-12-01"}),
        ),
    )
    .await;
    assert_eq!(v["smart"]["timed"], true);
    // A key and days, or neither: other invalid input.
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"starts_on": "2026-10-01", "ends_on": "2026-12-31"}),
        ),
    )
    .await;
    refused(&r, "validation_failed", "period", "period_or_days");
    let r = create(
        &app,
        &w.mgr.token,
        &with(revenue(w.sp.id, "1000"), json!({ "period": null })),
    )
    .await;
    refused(&r, "validation_failed", "period", "required");
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"period": null, "starts_on": "2026-10-01"}),
        ),
    )
    .await;
    refused(&r, "validation_failed", "period", "required");
    let r = create(
        &app,
        &w.mgr.token,
        &with(
            revenue(w.sp.id, "1000"),
            json!({"period": null, "starts_on": "2026-02-30", "ends_on": "2026-03-31"}),
        ),
    )
    .await;
    refused(&r, "validation_failed", "starts_on", "invalid_value");
}

#[actix_web::test]
async fn money_targets_are_in_the_organisations_currency() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for cur in ["USD", "GBP", "eur", "EURO"] {
        let r = create(
            &app,
            &w.mgr.token,
            &with(revenue(w.sp.id, "1000"), json!({ "currency": cur })),
        )
        .await;
        let v = broke(&r, "currency_mismatch", "currency");
        assert!(v["detail"].as_str().unwrap().contains("EUR"), "{v}");
    }
    let r = create(
        &app,
        &w.mgr.token,
        &json!({
            "title": "Margin", "subject_type": "user", "subject_id": w.sp.id,
            "metric": "gross_profit", "value": "1000", "currency": "USD", "period": "2026-Q4"
        }),
    )
    .await;
    broke(&r, "currency_mismatch", "currency");
    // The organisation's own is fine; counts have none.
    let v = target(
        &app,
        &w.mgr.token,
        with(revenue(w.sp.id, "1000"), json!({"currency": "EUR"})),
    )
    .await;
    assert_eq!(v["currency"], "EUR");
    let r = create(
        &app,
        &w.mgr.token,
        &json!({
            "title": "Calls", "subject_type": "user", "subject_id": w.sp.id, "currency": "EUR",
            "metric": "activities", "activity_kind": "call", "value": 10, "period": "2026-11"
        }),
    )
    .await;
    refused(&r, "validation_failed", "currency", "not_applicable");
    // Once money targets exist, the reporting currency no longer changes.
    app.patch("/v1/org")
        .token(&w.org.admin)
        .json(&json!({"currency": "USD"}))
        .send()
        .await
        .problem(409, "currency_locked");
    // Before any, it may: a new organisation moves to USD and targets follow it.
    let other = app.org("Dollar Co").await;
    app.patch("/v1/org")
        .token(&other.admin)
        .json(&json!({"currency": "USD"}))
        .send()
        .await
        .expect(200);
    let sp = app.person(&other, "salesperson", Some("farmer")).await;
    let v = target(
        &app,
        &other.admin,
        with(revenue(sp.id, "1000"), json!({"currency": "USD"})),
    )
    .await;
    assert_eq!(v["currency"], "USD");
    let r = create(
        &app,
        &other.admin,
        &with(revenue(sp.id, "1000"), json!({"currency": "EUR"})),
    )
    .await;
    broke(&r, "currency_mismatch", "currency");
}
