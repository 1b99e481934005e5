//! Activities.

use super::*;

#[actix_web::test]
async fn activities_count_per_kind_on_the_organisations_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (sp1, sp2) = (w.sp1.id, w.sp2.id);
    app.patch("/v1/org")
        .token(&w.org.admin)
        .json(&json!({"timezone": "America/New_York"}))
        .send()
        .await
        .expect(200);
    let (_, acts) = api_client(&app, &w.org, "outreach", &["activities:write"]).await;
    let items = json!([
        // 0: 02:30 UTC is the evening before in New York: 2026-07-31, Acme's owner.
        {"external_id": "C-1", "kind": "call", "account_id": w.acme,
         "occurred_at": "2026-08-01T02:30:00Z"},
        // 1: three meetings.
        {"external_id": "M-1", "kind": "meeting", "salesperson_id": sp2,
         "occurred_at": "2026-08-01T12:00:00Z", "count": 3},
        // 2: the organisation's own kind.
        {"external_id": "V-1", "kind": "site_visit", "salesperson_id": sp2,
         "account_id": w.acme, "occurred_at": "2026-08-02T15:00:00+02:00"},
        // 3: not a kind.
        {"external_id": "B-1", "kind": "Call!", "salesperson_id": sp1,
         "occurred_at": "2026-08-01T12:00:00Z"},
        // 4: no count.
        {"external_id": "B-2", "kind": "call", "salesperson_id": sp1,
         "occurred_at": "2026-08-01T12:00:00Z", "count": 0},
        // 5: nobody to credit.
        {"external_id": "B-3", "kind": "call", "occurred_at": "2026-08-01T12:00:00Z"},
        // 6: the same key again.
        {"external_id": "C-1", "kind": "call", "salesperson_id": sp1,
         "occurred_at": "2026-08-01T12:00:00Z"},
        // 7: a manager is not a salesperson.
        {"external_id": "B-4", "kind": "call", "salesperson_id": w.mgr.id,
         "occurred_at": "2026-08-01T12:00:00Z"},
        // 8: an unknown account.
        {"external_id": "B-5", "kind": "call", "account_id": Uuid::now_v7(),
         "salesperson_id": sp1, "occurred_at": "2026-08-01T12:00:00Z"},
        // 9: before Acme had an owner (New York's 2025-12-31).
        {"external_id": "B-6", "kind": "call", "account_id": w.acme,
         "occurred_at": "2026-01-01T03:00:00Z"},
    ]);
    let v = push_activities(&app, &acts, items.clone())
        .await
        .expect(200);
    assert_eq!(
        statuses(&v),
        strs(&[
            "created", "created", "created", "rejected", "rejected", "rejected", "rejected",
            "rejected", "rejected", "rejected"
        ])
    );
    let errs = |i: usize| field_errors(&v["items"][i]);
    assert_eq!(errs(3), vec![pair("kind", "invalid_kind")]);
    assert_eq!(errs(4), vec![pair("count", "out_of_range")]);
    assert_eq!(errs(5), vec![pair("salesperson_id", "required")]);
    assert_eq!(errs(6), vec![pair("external_id", "duplicate_in_batch")]);
    assert_eq!(errs(7), vec![pair("salesperson_id", "not_found")]);
    assert_eq!(errs(8), vec![pair("account_id", "not_found")]);
    assert_eq!(errs(9), vec![pair("occurred_at", "no_owner_on_day")]);
    assert_eq!(activities_count(&app, org).await, 3);
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (sp1, "activity:call", "2026-07-31", "1"),
            (sp2, "activity:meeting", "2026-08-01", "3"),
            (sp2, "activity:site_visit", "2026-08-02", "1"),
        ])
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM activities WHERE org_id = $1 AND source = 'outreach'",
            org
        )
        .await,
        3,
        "the source is the client's name"
    );

    // Again: unchanged. Then updates: another kind and count, another time.
    let before = ledger_fingerprint(&app, org).await;
    let v = push_activities(&app, &acts, items).await.expect(200);
    assert_eq!(
        &statuses(&v)[..3],
        &strs(&["unchanged", "unchanged", "unchanged"])[..]
    );
    assert_eq!(ledger_fingerprint(&app, org).await, before);
    let v = push_activities(
        &app,
        &acts,
        json!([
            {"external_id": "M-1", "kind": "demo", "salesperson_id": sp2,
             "occurred_at": "2026-08-01T12:00:00Z", "count": 2},
            {"external_id": "C-1", "kind": "call", "account_id": w.acme,
             "occurred_at": "2026-08-01T04:30:00Z"},
        ]),
    )
    .await
    .expect(200);
    assert_eq!(statuses(&v), strs(&["updated", "updated"]));
    assert_eq!(
        assert_rollup_is_ledger(&app, org).await,
        expected(&[
            (sp1, "activity:call", "2026-08-01", "1"),
            (sp2, "activity:demo", "2026-08-01", "2"),
            (sp2, "activity:site_visit", "2026-08-02", "1"),
        ])
    );

    // Whole-batch refusals: too many items, unknown fields.
    let many: Vec<Value> = (0..1001)
        .map(|i| {
            json!({"external_id": format!("X-{i}"), "kind": "call", "salesperson_id": sp1,
                        "occurred_at": "2026-08-01T12:00:00Z"})
        })
        .collect();
    let p = push_activities(&app, &acts, json!(many))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "items");
    assert_eq!(p["errors"][0]["code"], "too_many");
    push_activities(
        &app,
        &acts,
        json!([{"external_id": "Y", "kind": "call", "salesperson_id": sp1,
                "occurred_at": "2026-08-01T12:00:00Z", "duration": 5}]),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(activities_count(&app, org).await, 3);
}
