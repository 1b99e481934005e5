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
    use Errors::Exactly;
    let call = |ext: &str, who: Uuid| {
        json!({"external_id": ext, "kind": "call", "salesperson_id": who,
               "occurred_at": "2026-08-01T12:00:00Z"})
    };
    let cases = vec![
        Case::created(
            "02:30 UTC is the evening before in New York: 2026-07-31, Acme's owner",
            json!({"external_id": "C-1", "kind": "call", "account_id": w.acme,
                   "occurred_at": "2026-08-01T02:30:00Z"}),
        ),
        Case::created(
            "three meetings",
            json!({"external_id": "M-1", "kind": "meeting", "salesperson_id": sp2,
                   "occurred_at": "2026-08-01T12:00:00Z", "count": 3}),
        ),
        Case::created(
            "the organisation's own kind",
            json!({"external_id": "V-1", "kind": "site_visit", "salesperson_id": sp2,
                   "account_id": w.acme, "occurred_at": "2026-08-02T15:00:00+02:00"}),
        ),
        Case::rejected(
            "not a kind",
            with(call("B-1", sp1), json!({"kind": "Call!"})),
            Exactly(&[("kind", "invalid_kind")]),
        ),
        Case::rejected(
            "no count",
            with(call("B-2", sp1), json!({"count": 0})),
            Exactly(&[("count", "out_of_range")]),
        ),
        Case::rejected(
            "nobody to credit",
            json!({"external_id": "B-3", "kind": "call", "occurred_at": "2026-08-01T12:00:00Z"}),
            Exactly(&[("salesperson_id", "required")]),
        ),
        Case::rejected(
            "the same key again",
            call("C-1", sp1),
            Exactly(&[("external_id", "duplicate_in_batch")]),
        ),
        Case::rejected(
            "a manager is not a salesperson",
            call("B-4", w.mgr.id),
            Exactly(&[("salesperson_id", "not_found")]),
        ),
        Case::rejected(
            "an unknown account",
            with(call("B-5", sp1), json!({"account_id": Uuid::now_v7()})),
            Exactly(&[("account_id", "not_found")]),
        ),
        Case::rejected(
            "before Acme had an owner (New York's 2025-12-31)",
            json!({"external_id": "B-6", "kind": "call", "account_id": w.acme,
                   "occurred_at": "2026-01-01T03:00:00Z"}),
            Exactly(&[("occurred_at", "no_owner_on_day")]),
        ),
    ];
    let items = json!(cases.iter().map(|c| c.item.clone()).collect::<Vec<_>>());
    let v = push_activities(&app, &acts, items.clone())
        .await
        .expect(200);
    assert_eq!(statuses(&v).len(), cases.len(), "an answer per item: {v}");
    let wrong = misanswered(&cases, &v);
    let answered = |status: &str| cases.iter().filter(|c| c.status == status).count();
    assert_eq!(v["created"], answered("created"), "{v}");
    assert_eq!(v["rejected"], answered("rejected"), "{v}");
    assert!(
        wrong.is_empty(),
        "items answered otherwise:\n{}",
        wrong.join("\n")
    );
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

    // A whole-batch refusal: too many items.
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
    // An unknown field rejects its item alone.
    let v = push_activities(
        &app,
        &acts,
        json!([{"external_id": "Y", "kind": "call", "salesperson_id": sp1,
                "occurred_at": "2026-08-01T12:00:00Z", "duration": 5}]),
    )
    .await
    .expect(200);
    assert_eq!(statuses(&v), strs(&["rejected"]));
    assert_eq!(
        field_errors(&v["items"][0]),
        vec![pair("duration", "unknown_field")]
    );
    assert_eq!(activities_count(&app, org).await, 3);
}

/// A batch costs the same few statements whatever its size: the existing rows
/// are looked up for the whole batch at once and the new ones inserted together,
/// not one lookup and one insert per item.
#[actix_web::test]
async fn a_batch_of_activities_costs_the_same_statements_whatever_its_size() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let batch = |prefix: &str, n: usize| {
        let items: Vec<Value> = (0..n)
            .map(|i| {
                json!({"external_id": format!("{prefix}-{i}"), "source": "outreach",
                       "kind": "call", "account_id": w.acme,
                       "occurred_at": "2026-08-01T12:00:00Z"})
            })
            .collect();
        Value::Array(items)
    };
    let cost = async |prefix: &str, n: usize| {
        internals::statements_for_activities(
            &app.db.url,
            w.org.id,
            w.org.admin_id,
            batch(prefix, n),
        )
        .await
    };
    // New activities, then the same ones again (unchanged).
    let (one, ten) = (cost("A", 1).await, cost("B", 10).await);
    assert_eq!(
        ten, one,
        "10 new activities cost {ten} statements, 1 costs {one}"
    );
    let (one, ten) = (cost("A", 1).await, cost("B", 10).await);
    assert_eq!(
        ten, one,
        "10 unchanged activities cost {ten} statements, 1 costs {one}"
    );
}

/// An organisation's stored time zone that does not read (settings refuse one,
/// so only damaged data holds it) is the service's error, never UTC: the push is
/// answered 500 and stores nothing.
#[actix_web::test]
async fn a_stored_time_zone_that_does_not_read_is_an_error_not_utc() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let org = w.org.id;
    let (_, acts) = api_client(&app, &w.org, "outreach", &["activities:write"]).await;
    diesel::sql_query("UPDATE orgs SET timezone = 'Mars/Olympus_Mons' WHERE id = $1")
        .bind::<SqlUuid, _>(org)
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    push_activities(
        &app,
        &acts,
        json!([{"external_id": "TZ-1", "kind": "call", "salesperson_id": w.sp1.id,
                "occurred_at": "2026-08-01T12:00:00Z"}]),
    )
    .await
    .problem(500, "internal_error");
    assert_eq!(activities_count(&app, org).await, 0);
}
