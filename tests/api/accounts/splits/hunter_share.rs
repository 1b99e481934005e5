//! The hunter's share of a hand-over at conversion.

use super::*;

#[actix_web::test]
async fn a_hand_over_keeps_the_hunters_share_as_a_rule() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let (hunter, farmer) = (s.s_region.id, s.s_north.id);
    let crm = client_token(&app, &s.org, &["sales:write"]).await;
    // The region's manager converts the hunter's prospect on 2 November and
    // hands it to North's farmer; the hunter keeps 30% until the year's end.
    let v = convert(
        &app,
        &s.rm.token,
        s.a_region,
        Some(json!({"converted_on": "2026-11-02", "new_owner_id": farmer,
                    "hunter_share": {"share_pct": "30", "until": "2026-12-31"}})),
    )
    .await
    .expect(200);
    assert_eq!(v["kind"], "customer");
    assert_eq!(uuid(&v["won_by"]), hunter);
    assert_eq!(uuid(&v["owner_id"]), farmer);
    let listed = rules(&app, &s.org.admin, s.a_region).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let r = &listed[0];
    assert_eq!(
        (&r["from"], &r["to"], &r["hunter_share"]),
        (&json!("2026-11-02"), &json!("2026-12-31"), &json!(true))
    );
    assert_eq!(shares(r), vec![(hunter, "30".into(), "revenue".into())]);
    assert_eq!(uuid(&r["created_by"]), s.rm.id);
    // The new owner sees it too.
    assert_eq!(rules(&app, &s.s_north.token, s.a_region).await.len(), 1);
    // A sale the day before goes to the hunter whole; one in the rule's days
    // 70/30: 999.99 x 30% = 299.997 -> 300.00, the owner 699.99 (the rest);
    // 100.01 x 30% = 30.003 -> 30.00, the owner 70.01.
    let before = pushed_sale(
        &app,
        &crm,
        sale("inv-1", s.a_region, "2026-11-01", "500.00", "100.00"),
    )
    .await;
    let within = pushed_sale(
        &app,
        &crm,
        sale("inv-2", s.a_region, "2026-11-20", "999.99", "100.01"),
    )
    .await;
    assert_eq!(
        credits_of(&app, &s.org.admin, before).await,
        vec![credited(hunter, "revenue", "100", "500.00", "100.00")]
    );
    assert_eq!(
        credits_of(&app, &s.org.admin, within).await,
        sorted(vec![
            credited(farmer, "revenue", "70", "699.99", "70.01"),
            credited(hunter, "revenue", "30", "300.00", "30.00"),
        ])
    );
    // It is an ordinary rule: removed like one, the sale back to the owner.
    assert_eq!(
        remove_rule(&app, &s.org.admin, s.a_region, uuid(&r["id"]))
            .await
            .status
            .as_u16(),
        204
    );
    assert_eq!(
        credits_of(&app, &s.org.admin, within).await,
        vec![credited(farmer, "revenue", "100", "999.99", "100.01")]
    );
}

#[actix_web::test]
async fn a_hunters_share_needs_a_hand_over_and_sound_fields() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let (hunter, farmer) = (s.s_region.id, s.s_north.id);
    let p = account(
        &app,
        &s.org.admin,
        "Woodgrove",
        "prospect",
        hunter,
        "2026-01-01",
    )
    .await;
    let hs = |pct: &str, until: &str| json!({"share_pct": pct, "until": until});
    let handed =
        |h: Value| json!({"converted_on": "2026-11-02", "new_owner_id": farmer, "hunter_share": h});
    let cases: Vec<(&str, Value, (String, String))> = vec![
        (
            "no hand-over",
            json!({"converted_on": "2026-11-02", "hunter_share": hs("30", "2026-12-31")}),
            pair("hunter_share", "needs_handover"),
        ),
        (
            "a hand-over to the owner",
            json!({"converted_on": "2026-11-02", "new_owner_id": hunter,
                   "hunter_share": hs("30", "2026-12-31")}),
            pair("hunter_share", "needs_handover"),
        ),
        (
            "until before the conversion",
            handed(hs("30", "2026-11-01")),
            pair("hunter_share.until", "before_converted_on"),
        ),
        (
            "a share of 0",
            handed(hs("0", "2026-12-31")),
            pair("hunter_share.share_pct", "invalid_share"),
        ),
        (
            "a share over 100",
            handed(hs("100.5", "2026-12-31")),
            pair("hunter_share.share_pct", "invalid_share"),
        ),
        (
            "three decimals",
            handed(hs("12.345", "2026-12-31")),
            pair("hunter_share.share_pct", "invalid_share"),
        ),
        (
            "no until",
            handed(json!({"share_pct": "30"})),
            pair("hunter_share.until", "required"),
        ),
        (
            "an unknown field",
            handed(json!({"share_pct": "30", "until": "2026-12-31", "type": "revenue"})),
            pair("hunter_share.type", "unknown_field"),
        ),
    ];
    for (what, body, expected) in cases {
        let v = convert(&app, &s.rm.token, p, Some(body)).await.expect(422);
        assert_eq!(field_error(&v), expected, "{what}");
    }
    // Without a conversion date, the conversion is today: until yesterday is
    // before it.
    let v = convert(
        &app,
        &s.org.admin,
        p,
        Some(json!({"new_owner_id": farmer, "hunter_share": hs("30", &days_ago(1))})),
    )
    .await
    .expect(422);
    assert_eq!(
        field_error(&v),
        pair("hunter_share.until", "before_converted_on")
    );
    // Nothing happened.
    let v = get(&app, &s.org.admin, p).await.expect(200);
    assert_eq!((&v["kind"], &v["version"]), (&json!("prospect"), &json!(1)));
    assert!(rules(&app, &s.org.admin, p).await.is_empty());

    // A salesperson's own conversion hands nothing over, so keeps no share:
    // refused as naming another owner is, whether or not they name one.
    for body in [
        json!({"new_owner_id": farmer, "hunter_share": hs("30", "2026-12-31")}),
        json!({"hunter_share": hs("30", "2026-12-31")}),
    ] {
        convert(&app, &s.s_region.token, p, Some(body))
            .await
            .problem(403, "forbidden");
    }
    let v = get(&app, &s.org.admin, p).await.expect(200);
    assert!(v["conversion_status"].is_null(), "{v}");
    // Recorded plainly, then confirmed by the manager with the hand-over and
    // the hunter's share, from the day it was recorded (today).
    let v = convert(&app, &s.s_region.token, p, None).await.expect(200);
    assert_eq!(v["conversion_status"], "pending");
    let v = convert(
        &app,
        &s.rm.token,
        p,
        Some(json!({"new_owner_id": farmer, "hunter_share": hs("40", "2027-03-31")})),
    )
    .await
    .expect(200);
    assert_eq!(v["conversion_status"], "confirmed");
    assert_eq!(uuid(&v["owner_id"]), farmer);
    let listed = rules(&app, &s.org.admin, p).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            &listed[0]["from"],
            &listed[0]["to"],
            &listed[0]["hunter_share"]
        ),
        (
            &json!(today().to_string()),
            &json!("2027-03-31"),
            &json!(true)
        )
    );
    assert_eq!(
        shares(&listed[0]),
        vec![(hunter, "40".into(), "revenue".into())]
    );

    // A hunter's share that would overlap a rule already there refuses the
    // whole conversion: still a prospect, with its owner.
    let p2 = account(
        &app,
        &s.org.admin,
        "Humongous",
        "prospect",
        hunter,
        "2026-01-01",
    )
    .await;
    added(
        &app,
        &s.org.admin,
        p2,
        &rule("2026-12-01", None, &[share(s.s_south.id, "10", "overlay")]),
    )
    .await;
    convert(&app, &s.rm.token, p2, Some(handed(hs("30", "2026-12-31"))))
        .await
        .problem(409, "split_rules_overlap");
    let v = get(&app, &s.org.admin, p2).await.expect(200);
    assert_eq!(v["kind"], "prospect");
    assert_eq!(uuid(&v["owner_id"]), hunter);
    assert!(v["converted_on"].is_null(), "{v}");
    assert_eq!(
        owners(&app, &s.org.admin, p2).await,
        vec![period(hunter, "2026-01-01", None)]
    );
    assert_eq!(rules(&app, &s.org.admin, p2).await.len(), 1);
}
