//! Who may not add or remove a split rule, and what a bad one is refused with.

use super::*;

/// What is sent, and the field errors it is refused with.
type Refused = (&'static str, Value, Vec<(String, String)>);

#[actix_web::test]
async fn who_may_add_and_remove_a_rule() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let viewer = app.person(&s.org, "viewer", None).await;
    let reader = client_token(&app, &s.org, &["read"]).await;
    let writer = client_token(&app, &s.org, &["accounts:write"]).await;
    let crm = client_token(&app, &s.org, &["sales:write"]).await;
    // North's account shared with North East (both North's manager's people),
    // or with South (not theirs).
    let with_ne = rule("2026-10-01", None, &[share(s.s_ne.id, "40", "revenue")]);
    let with_south = rule("2026-10-01", None, &[share(s.s_south.id, "40", "revenue")]);

    // Nobody credits themselves: not the owner, nor the salesperson named.
    for body in [&with_ne, &with_south] {
        add_rule(&app, &s.s_north.token, s.a_north, body)
            .await
            .problem(403, "forbidden");
    }
    // Viewers, read-only clients and clients without accounts:write do not write.
    for token in [&viewer.token, &reader, &crm] {
        add_rule(&app, token, s.a_north, &with_ne)
            .await
            .problem(403, "forbidden");
    }
    // Another team's manager does not even see the account (as for transfers).
    add_rule(&app, &s.sm.token, s.a_north, &with_south)
        .await
        .problem(404, "not_found");
    // North's manager manages the owner but not South's salesperson.
    add_rule(&app, &s.nm.token, s.a_north, &with_south)
        .await
        .problem(403, "forbidden");
    // A manager's refusal comes before the rules about the days: nothing stored.
    assert!(rules(&app, &s.org.admin, s.a_north).await.is_empty());

    // North's manager shares North's account with North East (a sub-team).
    let nm_rule = added(&app, &s.nm.token, s.a_north, &with_ne).await;
    // The region's manager manages everyone below.
    let rm_rule = added(&app, &s.rm.token, s.a_ne, &with_south).await;
    // Admins and accounts:write clients share any account.
    let admin_rule = added(&app, &s.org.admin, s.a_south, &with_ne).await;
    let writer_rule = added(&app, &writer, s.a_region, &with_south).await;

    // Removing: the same people.
    for token in [&s.s_north.token, &viewer.token, &reader, &crm] {
        remove_rule(&app, token, s.a_north, nm_rule)
            .await
            .problem(403, "forbidden");
    }
    remove_rule(&app, &s.sm.token, s.a_north, nm_rule)
        .await
        .problem(404, "not_found");
    // North's manager manages North East's owner but not South's salesperson
    // the rule names.
    remove_rule(&app, &s.nm.token, s.a_ne, rm_rule)
        .await
        .problem(403, "forbidden");
    assert_eq!(rules(&app, &s.org.admin, s.a_ne).await.len(), 1);
    for (token, account, id) in [
        (&s.nm.token, s.a_north, nm_rule),
        (&s.rm.token, s.a_ne, rm_rule),
        (&s.org.admin, s.a_south, admin_rule),
        (&writer, s.a_region, writer_rule),
    ] {
        assert_eq!(
            remove_rule(&app, token, account, id).await.status.as_u16(),
            204
        );
        assert!(rules(&app, &s.org.admin, account).await.is_empty());
    }
}

#[actix_web::test]
async fn bad_rules_are_refused_with_their_fields() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let (ne, south) = (s.s_ne.id, s.s_south.id);
    let gone = app.person(&s.org, "salesperson", Some("farmer")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&s.org.admin)
        .send()
        .await
        .expect(200);
    let viewer = app.person(&s.org, "viewer", None).await;
    let q4 = |splits: &[Value]| rule("2026-10-01", Some("2026-12-31"), splits);
    let many: Vec<Value> = (0..21).map(|_| share(ne, "1", "overlay")).collect();
    let cases: Vec<Refused> = vec![
        (
            "revenue shares over 100",
            q4(&[share(ne, "60", "revenue"), share(south, "40.01", "revenue")]),
            vec![pair("splits", "revenue_shares_total")],
        ),
        (
            "a share of 0",
            q4(&[share(ne, "0", "revenue")]),
            vec![pair("splits[0].share_pct", "invalid_share")],
        ),
        (
            "a share over 100",
            q4(&[share(ne, "10", "revenue"), share(south, "100.5", "overlay")]),
            vec![pair("splits[1].share_pct", "invalid_share")],
        ),
        (
            "three decimals",
            q4(&[share(ne, "33.333", "revenue")]),
            vec![pair("splits[0].share_pct", "invalid_share")],
        ),
        (
            "a negative share",
            q4(&[share(ne, "-10", "overlay")]),
            vec![pair("splits[0].share_pct", "invalid_share")],
        ),
        (
            "one person twice with one type",
            q4(&[share(ne, "10", "overlay"), share(ne, "20", "overlay")]),
            vec![pair("splits[1].salesperson_id", "duplicate_share")],
        ),
        (
            "nobody",
            q4(&[share(Uuid::now_v7(), "10", "revenue")]),
            vec![pair("splits[0].salesperson_id", "not_found")],
        ),
        (
            "a deactivated salesperson",
            q4(&[share(ne, "10", "revenue"), share(gone.id, "10", "revenue")]),
            vec![pair("splits[1].salesperson_id", "not_found")],
        ),
        (
            "a manager",
            q4(&[share(s.nm.id, "10", "overlay")]),
            vec![pair("splits[0].salesperson_id", "not_found")],
        ),
        (
            "a viewer",
            q4(&[share(viewer.id, "10", "overlay")]),
            vec![pair("splits[0].salesperson_id", "not_found")],
        ),
        (
            "the admin",
            q4(&[share(s.org.admin_id, "10", "overlay")]),
            vec![pair("splits[0].salesperson_id", "not_found")],
        ),
        (
            "to before from",
            rule(
                "2026-10-01",
                Some("2026-09-30"),
                &[share(ne, "10", "revenue")],
            ),
            vec![pair("to", "before_from")],
        ),
        ("no shares", q4(&[]), vec![pair("splits", "required")]),
        ("21 shares", q4(&many), vec![pair("splits", "too_many")]),
        (
            "no splits",
            json!({"from": "2026-10-01"}),
            vec![pair("splits", "required")],
        ),
        (
            "no from",
            json!({"splits": [share(ne, "10", "revenue")]}),
            vec![pair("from", "required")],
        ),
        (
            "a day that does not exist",
            rule("2026-02-30", None, &[share(ne, "10", "revenue")]),
            vec![pair("from", "invalid_value")],
        ),
        (
            "an unknown field",
            with(q4(&[share(ne, "10", "revenue")]), json!({"reason": "x"})),
            vec![pair("reason", "unknown_field")],
        ),
        (
            "an unknown field in a share",
            q4(&[
                json!({"salesperson_id": ne, "share_pct": "10", "type": "revenue", "role": "se"}),
            ]),
            vec![pair("splits[0].role", "unknown_field")],
        ),
        (
            "an unknown type",
            q4(&[share(ne, "10", "bonus")]),
            vec![pair("splits[0].type", "invalid_choice")],
        ),
        (
            "a share that is no number",
            q4(&[share(ne, "ten", "revenue")]),
            vec![pair("splits[0].share_pct", "invalid_value")],
        ),
    ];
    let mut wrong = Vec::new();
    for (what, body, expected) in &cases {
        let r = add_rule(&app, &s.org.admin, s.a_north, body).await;
        if r.status.as_u16() != 422 {
            wrong.push(format!(
                "{what}: {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ));
            continue;
        }
        let v = r.problem(422, "validation_failed");
        if &field_errors(&v) != expected {
            wrong.push(format!("{what}: {:?}", field_errors(&v)));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Not JSON at all.
    app.post(&splits_path(s.a_north))
        .token(&s.org.admin)
        .body("application/json", "{\"from\": ")
        .send()
        .await
        .problem(400, "malformed_json");
    assert!(rules(&app, &s.org.admin, s.a_north).await.is_empty());

    // At the edges: revenue shares of exactly 100 (the owner keeps nothing),
    // the same person with a revenue and an overlay share, a one-day rule,
    // two decimals, and an overlay of 100.
    added(
        &app,
        &s.org.admin,
        s.a_north,
        &rule(
            "2026-10-01",
            Some("2026-10-01"),
            &[
                share(ne, "99.99", "revenue"),
                share(south, "0.01", "revenue"),
                share(ne, "100", "overlay"),
            ],
        ),
    )
    .await;
}
