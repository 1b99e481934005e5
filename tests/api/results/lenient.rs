//! Sales and activities batches are lenient item by item: an item that is not
//! well-formed is rejected alone, with its field errors, and the others are
//! stored; only a body that is not a batch at all is refused whole.

use super::*;

/// Asserts the answer `v` to `cases`: one entry per item in order, each answered
/// as its case says, the counts to match.
#[track_caller]
fn answered_as(cases: &[Case], v: &Value) {
    assert_eq!(statuses(v).len(), cases.len(), "an answer per item: {v}");
    let wrong = misanswered(cases, v);
    assert!(
        wrong.is_empty(),
        "items answered otherwise:\n{}",
        wrong.join("\n")
    );
    let n = |status: &str| cases.iter().filter(|c| c.status == status).count();
    assert_eq!(v["created"], n("created"), "{v}");
    assert_eq!(v["rejected"], n("rejected"), "{v}");
}

/// The `external_id`s of the cases answered `status` (those that have one).
fn keys<'a>(cases: &'a [Case], status: &str) -> Vec<&'a str> {
    cases
        .iter()
        .filter(|c| c.status == status)
        .filter_map(|c| c.item["external_id"].as_str())
        .collect()
}

#[actix_web::test]
async fn a_malformed_sale_is_rejected_alone_and_the_others_are_stored() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    use Errors::Exactly;
    let good = |ext: &str| sale(ext, w.acme, "2026-07-10", "100", "40");
    let cases = vec![
        Case::created("well-formed", good("L-0")),
        Case::rejected(
            "no external_id",
            with(good("L-1"), json!({"external_id": null})),
            Exactly(&[("external_id", "required")]),
        ),
        Case::rejected(
            "a word for a number",
            with(good("L-2"), json!({"revenue": "lots"})),
            Exactly(&[("revenue", "invalid_value")]),
        ),
        Case::rejected(
            "an unknown field",
            with(good("L-3"), json!({"discount": 5})),
            Exactly(&[("discount", "unknown_field")]),
        ),
        Case::rejected(
            "a day that does not exist",
            with(good("L-4"), json!({"occurred_on": "2026-02-30"})),
            Exactly(&[("occurred_on", "invalid_value")]),
        ),
        Case::created("well-formed between malformed ones", good("L-5")),
        Case::rejected(
            "not a uuid",
            with(good("L-6"), json!({"account_id": "acme"})),
            Exactly(&[("account_id", "invalid_value")]),
        ),
        Case::rejected(
            "a number for the external id",
            with(good("L-7"), json!({"external_id": 7})),
            Exactly(&[("external_id", "invalid_type")]),
        ),
        Case::rejected(
            "not a kind",
            with(good("L-8"), json!({"kind": "refund"})),
            Exactly(&[("kind", "invalid_choice")]),
        ),
        // Well-formed but against a rule: rejected by the rules as before.
        Case::rejected(
            "a negative revenue",
            with(good("L-9"), json!({"revenue": "-5"})),
            Errors::First(("revenue", "negative")),
        ),
        Case::rejected("not an object", json!(5), Exactly(&[("", "invalid_type")])),
        Case::created("well-formed, last", good("L-11")),
    ];
    let items = json!(cases.iter().map(|c| c.item.clone()).collect::<Vec<_>>());
    let res = app
        .post("/v1/sales/batch")
        .token(&w.hubspot)
        .header("Idempotency-Key", "lenient-1")
        .json(&json!({ "items": items }))
        .send()
        .await;
    let v = res.json();
    assert_eq!(res.status.as_u16(), 200, "{v}");
    answered_as(&cases, &v);

    // The well-formed items are stored as sent, under the ids answered.
    for (i, c) in cases.iter().enumerate() {
        let Some(ext) = c.item.get("external_id").and_then(Value::as_str) else {
            continue;
        };
        let row = sale_row(&app, org, "hubspot", ext).await;
        if c.status == "created" {
            let row = row.unwrap_or_else(|| panic!("{ext} is stored"));
            assert_eq!(row.id, id_of(&v, i), "{ext}");
            assert_eq!(row.revenue, dec("100"), "{ext}");
        } else {
            assert!(row.is_none(), "nothing of {ext} ({}) is stored", c.what);
        }
    }
    assert_eq!(sales_count(&app, org).await, 3);
    // Three sales of 100 (gross profit 40) for Acme's owner: 3 × 100 = 300, 3 × 40 = 120.
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (w.sp1.id, "revenue", "2026-07-10", "300"),
            (w.sp1.id, "gross_profit", "2026-07-10", "120"),
        ])
    );
    // Each stored one is the one answered: pushed alone again, it is unchanged.
    for ext in keys(&cases, "created") {
        let one = push_one(&app, &w.hubspot, &good(ext)).await.expect(200);
        assert_eq!(one["status"], "unchanged", "{ext}: {one}");
    }

    // The same key and body answer the same, storing nothing more.
    let replay = app
        .post("/v1/sales/batch")
        .token(&w.hubspot)
        .header("Idempotency-Key", "lenient-1")
        .json(&json!({ "items": items }))
        .send()
        .await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replay.json(), v);
    assert_eq!(sales_count(&app, org).await, 3);
}

#[actix_web::test]
async fn a_malformed_activity_is_rejected_alone_and_the_others_are_stored() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (_, acts) = api_client(&app, &w.org, "outreach", &["activities:write"]).await;
    use Errors::Exactly;
    let good = |ext: &str| {
        json!({"external_id": ext, "kind": "call", "salesperson_id": w.sp1.id,
               "occurred_at": "2026-08-01T12:00:00Z", "count": 2})
    };
    let cases = vec![
        Case::created("well-formed", good("A-0")),
        Case::rejected(
            "no external_id",
            with(good("A-1"), json!({"external_id": null})),
            Exactly(&[("external_id", "required")]),
        ),
        Case::rejected(
            "a word for a number",
            with(good("A-2"), json!({"count": "x"})),
            Exactly(&[("count", "invalid_type")]),
        ),
        Case::rejected(
            "an unknown field",
            with(good("A-3"), json!({"duration": 5})),
            Exactly(&[("duration", "unknown_field")]),
        ),
        Case::rejected(
            "a day that does not exist",
            with(good("A-4"), json!({"occurred_at": "2026-02-30T12:00:00Z"})),
            Exactly(&[("occurred_at", "invalid_value")]),
        ),
        Case::created("well-formed between malformed ones", good("A-5")),
        Case::rejected(
            "not a uuid",
            with(good("A-6"), json!({"salesperson_id": "sp1"})),
            Exactly(&[("salesperson_id", "invalid_value")]),
        ),
        Case::rejected(
            "no kind",
            with(good("A-7"), json!({"kind": null})),
            Exactly(&[("kind", "required")]),
        ),
        Case::rejected(
            "not an object",
            json!("A-8"),
            Exactly(&[("", "invalid_type")]),
        ),
        Case::created("well-formed, last", good("A-9")),
    ];
    let items = json!(cases.iter().map(|c| c.item.clone()).collect::<Vec<_>>());
    let v = push_activities(&app, &acts, items.clone())
        .await
        .expect(200);
    answered_as(&cases, &v);

    let stored = |ext: &str| {
        let sql = format!(
            "SELECT count(*) AS n FROM activities WHERE org_id = $1 \
             AND source = 'outreach' AND external_id = '{ext}'"
        );
        let app = &app;
        async move { count(app, &sql, org).await }
    };
    for ext in keys(&cases, "created") {
        assert_eq!(stored(ext).await, 1, "{ext} is stored");
    }
    for ext in keys(&cases, "rejected") {
        assert_eq!(stored(ext).await, 0, "nothing of {ext} is stored");
    }
    assert_eq!(activities_count(&app, org).await, 3);
    // Three items of 2 calls for sp1 on 2026-08-01 (UTC, the organisation's zone): 3 × 2 = 6.
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[(w.sp1.id, "activity:call", "2026-08-01", "6")])
    );
    // Again: the stored ones unchanged, the malformed ones rejected alike.
    let again = push_activities(&app, &acts, items).await.expect(200);
    let unchanged: Vec<Case> = cases
        .into_iter()
        .map(|c| match c.status {
            "created" => Case {
                status: "unchanged",
                ..c
            },
            _ => c,
        })
        .collect();
    assert!(misanswered(&unchanged, &again).is_empty(), "{again}");
    assert_eq!(again["unchanged"], 3, "{again}");
    assert_eq!(activities_count(&app, org).await, 3);
}

#[actix_web::test]
async fn a_body_that_is_not_a_batch_is_refused_whole() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let good_sale = sale("W-1", w.acme, "2026-07-10", "1", "1");
    let good_activity = json!({"external_id": "W-1", "kind": "call", "salesperson_id": w.sp1.id,
                               "occurred_at": "2026-08-01T12:00:00Z"});
    for (path, good) in [
        ("/v1/sales/batch", good_sale),
        ("/v1/activities/batch", good_activity),
    ] {
        refuses_what_is_not_a_batch(&app, path, &w.org.admin, &good, "sales").await;
    }
    // Who may not push is told so first, whatever the body holds.
    let bad = json!([with(
        sale("W-2", w.acme, "2026-07-10", "1", "1"),
        json!({"revenue": "lots"})
    )]);
    for token in [&w.sp1.token, &w.mgr.token, &w.viewer.token] {
        push(&app, token, bad.clone())
            .await
            .problem(403, "forbidden");
        push_activities(&app, token, bad.clone())
            .await
            .problem(403, "forbidden");
    }
    push_activities(&app, &w.hubspot, bad)
        .await
        .problem(403, "forbidden");
    assert_eq!(sales_count(&app, org).await, 0);
    assert_eq!(activities_count(&app, org).await, 0);
}

#[actix_web::test]
async fn an_item_that_names_a_field_twice_is_rejected_alone() {
    // Which of two revenues counts would be a guess: the item is refused, the
    // well-formed one beside it is stored.
    let app = TestApp::new().await;
    let w = world(&app).await;
    let body = format!(
        r#"{{"items": [
            {{"external_id": "D-0", "account_id": "{a}", "occurred_on": "2026-07-10",
              "revenue": "100", "gross_profit": "40"}},
            {{"external_id": "D-1", "account_id": "{a}", "occurred_on": "2026-07-10",
              "revenue": "100", "revenue": "1000000", "gross_profit": "40"}}
        ]}}"#,
        a = w.acme
    );
    let v = app
        .post("/v1/sales/batch")
        .token(&w.hubspot)
        .body("application/json", body)
        .send()
        .await
        .expect(200);
    assert_eq!(statuses(&v), strs(&["created", "rejected"]));
    let errors = field_errors(&v["items"][1]);
    assert_eq!(
        errors,
        vec![("revenue".to_string(), "duplicate_field".to_string())]
    );
    assert!(sale_row(&app, w.org.id, "hubspot", "D-1").await.is_none());
    assert_eq!(sales_count(&app, w.org.id).await, 1);
}
