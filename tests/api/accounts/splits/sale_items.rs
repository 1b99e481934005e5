//! `splits` on sale items: checked item by item.

use super::*;

#[actix_web::test]
async fn sale_items_with_splits_are_checked_item_by_item() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let (ne, south) = (s.s_ne.id, s.s_south.id);
    let crm = client_token(&app, &s.org, &["sales:write"]).await;
    let other = app.org("Globex").await;
    let stranger = app.person(&other, "salesperson", Some("farmer")).await;
    let gone = app.person(&s.org, "salesperson", Some("farmer")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&s.org.admin)
        .send()
        .await
        .expect(200);
    let item = |ext: &str, splits: &[Value]| {
        with(
            sale(ext, s.a_north, "2026-11-02", "1000.00", "250.00"),
            json!({ "splits": splits }),
        )
    };
    let sixty_forty = [share(ne, "60", "revenue"), share(south, "40", "revenue")];
    let cases = vec![
        Case::created("60/40", item("s-0", &sixty_forty)),
        Case::rejected(
            "splits and salesperson_id",
            with(item("s-1", &sixty_forty), json!({"salesperson_id": ne})),
            Errors::Exactly(&[("splits", "conflict")]),
        ),
        Case::rejected(
            "revenue shares of 90",
            item(
                "s-2",
                &[share(ne, "60", "revenue"), share(south, "30", "revenue")],
            ),
            Errors::Exactly(&[("splits", "revenue_shares_total")]),
        ),
        Case::rejected(
            "revenue shares of 100.01",
            item(
                "s-3",
                &[share(ne, "60", "revenue"), share(south, "40.01", "revenue")],
            ),
            Errors::Exactly(&[("splits", "revenue_shares_total")]),
        ),
        Case::rejected(
            "overlay only",
            item("s-4", &[share(ne, "100", "overlay")]),
            Errors::Exactly(&[("splits", "revenue_shares_total")]),
        ),
        Case::rejected(
            "another organisation's salesperson",
            item(
                "s-5",
                &[
                    share(ne, "50", "revenue"),
                    share(stranger.id, "50", "revenue"),
                ],
            ),
            Errors::Exactly(&[("splits[1].salesperson_id", "not_found")]),
        ),
        Case::rejected(
            "a deactivated salesperson",
            item("s-6", &[share(gone.id, "100", "revenue")]),
            Errors::Exactly(&[("splits[0].salesperson_id", "not_found")]),
        ),
        Case::rejected(
            "a manager",
            item(
                "s-7",
                &[share(ne, "100", "revenue"), share(s.nm.id, "10", "overlay")],
            ),
            Errors::Exactly(&[("splits[1].salesperson_id", "not_found")]),
        ),
        Case::rejected(
            "three decimals",
            item(
                "s-8",
                &[
                    share(ne, "33.333", "revenue"),
                    share(south, "66.667", "revenue"),
                ],
            ),
            Errors::Include(&[
                ("splits[0].share_pct", "invalid_share"),
                ("splits[1].share_pct", "invalid_share"),
            ]),
        ),
        Case::rejected(
            "one person twice",
            item(
                "s-9",
                &[share(ne, "50", "revenue"), share(ne, "50", "revenue")],
            ),
            Errors::Exactly(&[("splits[1].salesperson_id", "duplicate_share")]),
        ),
        Case::rejected(
            "no shares",
            item("s-10", &[]),
            Errors::Exactly(&[("splits", "required")]),
        ),
        Case::rejected(
            "an unknown field in a share",
            item(
                "s-11",
                &[json!({"salesperson_id": ne, "share_pct": "100", "type": "revenue", "quota": 1})],
            ),
            Errors::Exactly(&[("splits[0].quota", "unknown_field")]),
        ),
        Case::created(
            "a revenue share and an overlay of 100 for the same person",
            item(
                "s-12",
                &[share(ne, "100", "revenue"), share(ne, "100", "overlay")],
            ),
        ),
    ];
    let items: Vec<Value> = cases.iter().map(|c| c.item.clone()).collect();
    let v = app.push_sales(&crm, &json!(items)).await;
    let wrong = misanswered(&cases, &v);
    assert!(wrong.is_empty(), "{wrong:#?}\n{v}");
    assert_eq!((&v["created"], &v["rejected"]), (&json!(2), &json!(11)));

    // The 60/40 sale: 600/150 and 400/100, and nothing for the owner.
    let sold = uuid(&v["items"][0]["id"]);
    assert_eq!(
        credits_of(&app, &s.org.admin, sold).await,
        sorted(vec![
            credited(ne, "revenue", "60", "600.00", "150.00"),
            credited(south, "revenue", "40", "400.00", "100.00"),
        ])
    );
    let both = uuid(&v["items"][12]["id"]);
    assert_eq!(
        credits_of(&app, &s.org.admin, both).await,
        sorted(vec![
            credited(ne, "revenue", "100", "1000.00", "250.00"),
            credited(ne, "overlay", "100", "1000.00", "250.00"),
        ])
    );

    // One sale at a time: a refusal is 422 with the item's fields.
    let r = app
        .post("/v1/sales")
        .token(&crm)
        .json(&with(
            item("s-20", &sixty_forty),
            json!({"salesperson_id": south}),
        ))
        .send()
        .await;
    let v = r.problem(422, "validation_failed");
    assert_eq!(field_error(&v), pair("splits", "conflict"));
    let r = app
        .post("/v1/sales")
        .token(&crm)
        .json(&item("s-21", &[share(stranger.id, "100", "revenue")]))
        .send()
        .await;
    let v = r.problem(422, "validation_failed");
    assert_eq!(
        field_error(&v),
        pair("splits[0].salesperson_id", "not_found")
    );
    // Nothing of the refused ones was stored.
    let listed = app
        .get(&format!("/v1/sales?account_id={}&limit=200", s.a_north))
        .token(&s.org.admin)
        .send()
        .await
        .expect(200);
    let keys: BTreeSet<String> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["external_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        keys,
        ["s-0", "s-12"].iter().map(|k| k.to_string()).collect()
    );
}
