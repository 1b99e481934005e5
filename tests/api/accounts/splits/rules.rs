//! Split rules added, listed in day order, removed; never overlapping; and
//! another organisation's accounts and rules not found.

use super::*;
use rust_decimal::Decimal;

#[actix_web::test]
async fn a_rule_is_added_listed_in_day_order_and_removed_recrediting_its_sales() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let (admin, owner) = (&s.org.admin, s.s_north.id);
    let (_, crm) = client(&app, &s.org, &["sales:write"]).await;
    let sold = pushed_sale(
        &app,
        &crm,
        sale("inv-1", s.a_north, "2026-11-02", "1000.00", "250.00"),
    )
    .await;
    assert_eq!(
        credits_of(&app, admin, sold).await,
        vec![credited(owner, "revenue", "100", "1000.00", "250.00")]
    );
    assert!(rules(&app, admin, s.a_north).await.is_empty());
    // Sales in the same days that do not follow their account: one naming its
    // salesperson, one with splits of its own, and one voided.
    let named = pushed_sale(
        &app,
        &crm,
        with(
            sale("inv-2", s.a_north, "2026-11-03", "200.00", "50.00"),
            json!({"salesperson_id": owner}),
        ),
    )
    .await;
    let own_splits = pushed_sale(
        &app,
        &crm,
        with(
            sale("inv-3", s.a_north, "2026-11-04", "100.00", "20.00"),
            json!({"splits": [share(owner, "50", "revenue"), share(s.s_south.id, "50", "revenue")]}),
        ),
    )
    .await;
    let voided = pushed_sale(
        &app,
        &crm,
        sale("inv-4", s.a_north, "2026-11-05", "80.00", "20.00"),
    )
    .await;
    app.post(&format!("/v1/sales/{voided}/void"))
        .token(&crm)
        .send()
        .await
        .expect(200);
    let untouched = [
        (
            named,
            vec![credited(owner, "revenue", "100", "200.00", "50.00")],
        ),
        (
            own_splits,
            sorted(vec![
                credited(owner, "revenue", "50", "50.00", "10.00"),
                credited(s.s_south.id, "revenue", "50", "50.00", "10.00"),
            ]),
        ),
        (
            voided,
            vec![credited(owner, "revenue", "100", "80.00", "20.00")],
        ),
    ];

    // Q4: North East's farmer takes 30% of the revenue, South's an overlay of
    // 50%; the owner keeps the 70% left.
    let q4 = rule(
        "2026-10-01",
        Some("2026-12-31"),
        &[
            share(s.s_south.id, "50", "overlay"),
            share(s.s_ne.id, "30", "revenue"),
        ],
    );
    let r = add_rule(&app, admin, s.a_north, &q4).await;
    let v = r.expect(201);
    let q4_id = uuid(&v["id"]);
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/accounts/{}/splits/{q4_id}", s.a_north))
    );
    assert_eq!(uuid(&v["account_id"]), s.a_north);
    assert_eq!(
        (&v["from"], &v["to"], &v["hunter_share"]),
        (&json!("2026-10-01"), &json!("2026-12-31"), &json!(false))
    );
    // Revenue shares first, then overlay.
    assert_eq!(
        shares(&v),
        vec![
            (s.s_ne.id, "30".into(), "revenue".into()),
            (s.s_south.id, "50".into(), "overlay".into()),
        ]
    );
    assert_eq!(uuid(&v["created_by"]), s.org.admin_id);
    assert!(v["created_at"].is_string(), "{v}");
    // Its Location answers it.
    let one = app
        .get(&format!("/v1/accounts/{}/splits/{q4_id}", s.a_north))
        .token(admin)
        .send()
        .await
        .expect(200);
    assert_eq!(one, v);
    // The sale already in its dates is re-credited at once: 1000 x 70% = 700,
    // 250 x 70% = 175; 30%: 300 and 75; the overlay 50%: 500 and 125.
    assert_eq!(
        credits_of(&app, admin, sold).await,
        sorted(vec![
            credited(owner, "revenue", "70", "700.00", "175.00"),
            credited(s.s_ne.id, "revenue", "30", "300.00", "75.00"),
            credited(s.s_south.id, "overlay", "50", "500.00", "125.00"),
        ])
    );
    for (id, credits) in &untouched {
        assert_eq!(&credits_of(&app, admin, *id).await, credits);
    }
    // Announced: the owner's 30% moved to North East, and South's overlay
    // (counted for South's salesperson alone).
    // Read once every event committed so far is in the feed.
    let feed = crate::events::events(&app, admin, "type=results.recorded").await;
    let last = feed.last().expect("a results.recorded event").clone();
    assert_eq!(last["data"]["sales"], 0, "{last}");
    let mut changes: Vec<(Uuid, String, String, Decimal)> = last["data"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                uuid(&c["salesperson_id"]),
                c["metric"].as_str().unwrap().to_string(),
                c["day"].as_str().unwrap().to_string(),
                dec(c["amount"].as_str().unwrap()),
            )
        })
        .collect();
    changes.sort();
    let change = |who: Uuid, metric: &str, amount: &str| {
        (
            who,
            metric.to_string(),
            "2026-11-02".to_string(),
            dec(amount),
        )
    };
    let mut expected = vec![
        change(owner, "revenue", "-300.00"),
        change(owner, "gross_profit", "-75.00"),
        change(s.s_ne.id, "revenue", "300.00"),
        change(s.s_ne.id, "gross_profit", "75.00"),
        change(s.s_south.id, "overlay:revenue", "500.00"),
        change(s.s_south.id, "overlay:gross_profit", "125.00"),
    ];
    expected.sort();
    assert_eq!(changes, expected, "{last}");

    // One later (open-ended, a share as a JSON number) and one earlier.
    let later = added(
        &app,
        admin,
        s.a_north,
        &rule(
            "2027-01-01",
            None,
            &[json!({"salesperson_id": s.s_south.id, "share_pct": 25.5, "type": "revenue"})],
        ),
    )
    .await;
    let earlier = added(
        &app,
        admin,
        s.a_north,
        &rule(
            "2026-07-01",
            Some("2026-09-30"),
            &[share(s.s_ne.id, "10.25", "overlay")],
        ),
    )
    .await;
    // Listed in day order, to whoever sees the account.
    let writer = client_token(&app, &s.org, &["accounts:write"]).await;
    let reader = client_token(&app, &s.org, &["read"]).await;
    let viewer = app.person(&s.org, "viewer", None).await;
    let tokens: [&str; 7] = [
        admin,
        &s.s_north.token,
        &s.nm.token,
        &s.rm.token,
        &viewer.token,
        &reader,
        &writer,
    ];
    for token in tokens {
        let listed = rules(&app, token, s.a_north).await;
        let ids: Vec<Uuid> = listed.iter().map(|r| uuid(&r["id"])).collect();
        assert_eq!(ids, vec![earlier, q4_id, later]);
        let days: Vec<(&Value, &Value)> = listed.iter().map(|r| (&r["from"], &r["to"])).collect();
        assert_eq!(
            days,
            vec![
                (&json!("2026-07-01"), &json!("2026-09-30")),
                (&json!("2026-10-01"), &json!("2026-12-31")),
                (&json!("2027-01-01"), &Value::Null),
            ]
        );
        assert_eq!(
            shares(&listed[2]),
            vec![(s.s_south.id, "25.5".into(), "revenue".into())]
        );
        assert_eq!(
            shares(&listed[0]),
            vec![(s.s_ne.id, "10.25".into(), "overlay".into())]
        );
    }
    // Who does not see the account does not see its rules.
    app.get(&splits_path(s.a_north))
        .token(&s.sm.token)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&splits_path(s.a_north))
        .token(&s.s_ne.token)
        .send()
        .await
        .problem(404, "not_found");

    // Removed: 204 without a body, and the sale is the owner's whole again.
    let r = remove_rule(&app, admin, s.a_north, q4_id).await;
    assert_eq!(r.status.as_u16(), 204);
    assert!(r.body.is_empty());
    assert_eq!(
        credits_of(&app, admin, sold).await,
        vec![credited(owner, "revenue", "100", "1000.00", "250.00")]
    );
    for (id, credits) in &untouched {
        assert_eq!(&credits_of(&app, admin, *id).await, credits);
    }
    remove_rule(&app, admin, s.a_north, q4_id)
        .await
        .problem(404, "not_found");
    let ids: Vec<Uuid> = rules(&app, admin, s.a_north)
        .await
        .iter()
        .map(|r| uuid(&r["id"]))
        .collect();
    assert_eq!(ids, vec![earlier, later]);
    // A rule of another account is not found through this one.
    let other = added(
        &app,
        admin,
        s.a_ne,
        &rule("2026-10-01", None, &[share(s.s_north.id, "20", "revenue")]),
    )
    .await;
    remove_rule(&app, admin, s.a_north, other)
        .await
        .problem(404, "not_found");
    remove_rule(&app, admin, s.a_north, Uuid::now_v7())
        .await
        .problem(404, "not_found");
    assert_eq!(rules(&app, admin, s.a_ne).await.len(), 1);
}

#[actix_web::test]
async fn rules_of_one_account_never_overlap() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let admin = &s.org.admin;
    let ne = [share(s.s_ne.id, "20", "revenue")];
    let overlap = |r: Res, what: &str| {
        let v = r.problem(409, "split_rules_overlap");
        assert!(
            v["detail"].as_str().unwrap().contains("never overlap"),
            "{what}: {v}"
        );
    };

    // An open-ended rule from 1 October meets every later one.
    let open = added(&app, admin, s.a_north, &rule("2026-10-01", None, &ne)).await;
    for (from, to) in [
        ("2027-01-01", None),
        ("2027-01-01", Some("2027-03-31")),
        ("2026-10-01", Some("2026-10-01")),
        ("2026-01-01", Some("2026-10-01")),
        ("2026-01-01", None),
    ] {
        overlap(
            add_rule(&app, admin, s.a_north, &rule(from, to, &ne)).await,
            &format!("{from}..{to:?}"),
        );
    }
    // The day before it is free.
    added(
        &app,
        admin,
        s.a_north,
        &rule("2026-01-01", Some("2026-09-30"), &ne),
    )
    .await;
    assert_eq!(rules(&app, admin, s.a_north).await.len(), 2);

    // Closed rules: one sharing a single day with another overlaps it; the day
    // after does not.
    let q3 = added(
        &app,
        admin,
        s.a_ne,
        &rule(
            "2026-07-01",
            Some("2026-09-30"),
            &[share(s.s_north.id, "20", "revenue")],
        ),
    )
    .await;
    let north = [share(s.s_north.id, "20", "revenue")];
    overlap(
        add_rule(
            &app,
            admin,
            s.a_ne,
            &rule("2026-09-30", Some("2026-10-15"), &north),
        )
        .await,
        "touching at the end",
    );
    overlap(
        add_rule(
            &app,
            admin,
            s.a_ne,
            &rule("2026-06-01", Some("2026-07-01"), &north),
        )
        .await,
        "touching at the start",
    );
    overlap(
        add_rule(
            &app,
            admin,
            s.a_ne,
            &rule("2026-08-01", Some("2026-08-31"), &north),
        )
        .await,
        "inside",
    );
    overlap(
        add_rule(&app, admin, s.a_ne, &rule("2026-09-30", None, &north)).await,
        "open-ended from its last day",
    );
    added(
        &app,
        admin,
        s.a_ne,
        &rule("2026-10-01", Some("2026-10-31"), &north),
    )
    .await;
    added(
        &app,
        admin,
        s.a_ne,
        &rule("2026-03-01", Some("2026-06-30"), &north),
    )
    .await;
    // Removing a rule frees its days.
    assert_eq!(
        remove_rule(&app, admin, s.a_north, open)
            .await
            .status
            .as_u16(),
        204
    );
    added(&app, admin, s.a_north, &rule("2027-01-01", None, &ne)).await;
    let from: Vec<Value> = rules(&app, admin, s.a_ne)
        .await
        .iter()
        .map(|r| r["from"].clone())
        .collect();
    assert_eq!(
        from,
        vec![
            json!("2026-03-01"),
            json!("2026-07-01"),
            json!("2026-10-01")
        ]
    );
    assert!(rules(&app, admin, s.a_ne)
        .await
        .iter()
        .any(|r| uuid(&r["id"]) == q3));
}

#[actix_web::test]
async fn another_organisations_accounts_and_rules_are_not_found() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let other = app.org("Globex").await;
    let theirs = app.person(&other, "salesperson", Some("farmer")).await;
    let mate = app.person(&other, "salesperson", Some("farmer")).await;
    let account = account(
        &app,
        &other.admin,
        "Initech",
        "customer",
        theirs.id,
        "2026-01-01",
    )
    .await;
    let their_rule = added(
        &app,
        &other.admin,
        account,
        &rule("2026-10-01", None, &[share(mate.id, "50", "revenue")]),
    )
    .await;
    let body = rule("2026-10-01", None, &[share(s.s_ne.id, "50", "revenue")]);
    let writer = client_token(&app, &s.org, &["accounts:write"]).await;
    for token in [&s.org.admin, &writer] {
        add_rule(&app, token, account, &body)
            .await
            .problem(404, "not_found");
        app.get(&splits_path(account))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
        remove_rule(&app, token, account, their_rule)
            .await
            .problem(404, "not_found");
        app.get(&format!("{}/{their_rule}", splits_path(account)))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
        app.get(&format!("{}/{their_rule}", splits_path(s.a_north)))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
        // Their rule's id through one of ours.
        remove_rule(&app, token, s.a_north, their_rule)
            .await
            .problem(404, "not_found");
    }
    // Their people are nobody here.
    let v = add_rule(
        &app,
        &s.org.admin,
        s.a_north,
        &rule("2026-10-01", None, &[share(mate.id, "50", "revenue")]),
    )
    .await
    .expect(422);
    assert_eq!(
        field_error(&v),
        pair("splits[0].salesperson_id", "not_found")
    );
    // Ids that are not UUIDs name nothing; no token is 401.
    for path in [
        "/v1/accounts/not-a-uuid/splits".to_string(),
        format!("/v1/accounts/{}/splits/not-a-uuid", s.a_north),
    ] {
        let req = if path.ends_with("/splits") {
            app.post(&path).json(&body)
        } else {
            app.delete(&path)
        };
        req.token(&s.org.admin)
            .send()
            .await
            .problem(404, "not_found");
    }
    add_rule(&app, "", s.a_north, &body)
        .await
        .problem(401, "invalid_token");
    app.get(&splits_path(s.a_north))
        .send()
        .await
        .problem(401, "missing_token");
    // Theirs is untouched.
    let listed = rules(&app, &other.admin, account).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(uuid(&listed[0]["id"]), their_rule);
}
