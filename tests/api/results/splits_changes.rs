//! Credit splits through credit notes, uneven amounts, updates and voids:
//! no cent lost or counted twice. The world and the checks are those of
//! `splits`.

use super::splits::*;
use super::*;

#[actix_web::test]
async fn a_credit_note_on_a_split_sale_takes_each_share_back() {
    let app = TestApp::new().await;
    let b = splits_world(&app).await;
    let sixty_forty = || {
        json!([
            share(&b, "Ann", "60", "revenue"),
            share(&b, "Bob", "40", "revenue")
        ])
    };
    let halves = json!([
        share(&b, "Ann", "50", "revenue"),
        share(&b, "Bob", "50", "revenue")
    ]);
    let v = push_as(
        &app,
        &b,
        json!([
            // Ann 600.00 (240.00), Bob 400.00 (160.00).
            split_sale(
                &b,
                "K1",
                "Contoso",
                "2026-10-05",
                "1000.00",
                "400.00",
                sixty_forty()
            ),
            with(
                split_sale(
                    &b,
                    "K2",
                    "Contoso",
                    "2026-10-20",
                    "250.00",
                    "100.00",
                    sixty_forty()
                ),
                json!({"kind": "credit_note"}),
            ),
            with(
                split_sale(&b, "K3", "Contoso", "2026-10-21", "0.05", "0.05", halves),
                json!({"kind": "credit_note"}),
            ),
        ]),
        &["created", "created", "created"],
    )
    .await;
    // K2: −250.00 x 60% = −150.00 (−100.00 x 60% = −60.00); x 40% = −100.00 (−40.00).
    assert_eq!(
        credits_of(&b, &sale_detail(&app, &b, id_of(&v, 1)).await),
        credits(&[
            ("Ann", "revenue", "60", "-150.00", "-60.00"),
            ("Bob", "revenue", "40", "-100.00", "-40.00"),
        ])
    );
    // K3: −0.05 x 50% = −0.025, each −0.03 (half away from zero): −0.06, a cent
    // too many, given back to the largest share, the first by id of two equals.
    let ann_first = b.id("Ann") < b.id("Bob");
    let (ann_k3, bob_k3) = if ann_first {
        ("-0.02", "-0.03")
    } else {
        ("-0.03", "-0.02")
    };
    assert_eq!(
        credits_of(&b, &sale_detail(&app, &b, id_of(&v, 2)).await),
        credits(&[
            ("Ann", "revenue", "50", ann_k3, ann_k3),
            ("Bob", "revenue", "50", bob_k3, bob_k3),
        ])
    );
    // Ann 600.00 − 150.00 + K3; Bob 400.00 − 100.00 + K3; together
    // 1000.00 − 250.00 − 0.05 = 749.95.
    let (ann, bob) = if ann_first {
        ("449.98", "299.97")
    } else {
        ("449.97", "299.98")
    };
    check(
        &app,
        &b,
        &[
            ("Ann", ann),
            ("Bob", bob),
            ("Cara", "0"),
            ("Spec", "0"),
            ("North", ann),
            ("South", bob),
            ("Region", "749.95"),
            ("Org", "749.95"),
        ],
    )
    .await;
}

#[actix_web::test]
async fn uneven_three_way_splits_lose_no_cent_and_the_largest_share_takes_the_remainder() {
    let app = TestApp::new().await;
    let b = splits_world(&app).await;
    let thirds = || {
        json!([
            share(&b, "Ann", "33.33", "revenue"),
            share(&b, "Bob", "33.33", "revenue"),
            share(&b, "Cara", "33.34", "revenue"),
        ])
    };
    let v = push_as(
        &app,
        &b,
        json!([
            split_sale(&b, "R1", "Contoso", "2026-10-05", "100.00", "0", thirds()),
            split_sale(&b, "R2", "Contoso", "2026-10-06", "10.00", "7.00", thirds()),
            split_sale(&b, "R3", "Contoso", "2026-10-07", "0.05", "0", thirds()),
            split_sale(
                &b,
                "R4",
                "Contoso",
                "2026-10-08",
                "10.00",
                "0",
                json!([
                    share(&b, "Ann", "100", "revenue"),
                    share(&b, "Spec", "33.33", "overlay")
                ])
            ),
        ]),
        &["created", "created", "created", "created"],
    )
    .await;
    let got = |i| {
        let (app, b, id) = (&app, &b, id_of(&v, i));
        async move { credits_of(b, &sale_detail(app, b, id).await) }
    };
    // R1: 33.33 + 33.33 + 33.34 = 100.00 exactly.
    assert_eq!(
        got(0).await,
        credits(&[
            ("Ann", "revenue", "33.33", "33.33", "0.00"),
            ("Bob", "revenue", "33.33", "33.33", "0.00"),
            ("Cara", "revenue", "33.34", "33.34", "0.00"),
        ])
    );
    // R2: 3.333, 3.333, 3.334 → 3.33 each, 9.99: the cent left to Cara (33.34).
    // Gross profit 2.3331, 2.3331, 2.3338 → 2.33 each, 6.99: Cara 2.34.
    assert_eq!(
        got(1).await,
        credits(&[
            ("Ann", "revenue", "33.33", "3.33", "2.33"),
            ("Bob", "revenue", "33.33", "3.33", "2.33"),
            ("Cara", "revenue", "33.34", "3.34", "2.34"),
        ])
    );
    // R3: 0.016665, 0.016665, 0.01667 → 0.02 each, 0.06: a cent too many,
    // taken from Cara's: 0.01.
    assert_eq!(
        got(2).await,
        credits(&[
            ("Ann", "revenue", "33.33", "0.02", "0.00"),
            ("Bob", "revenue", "33.33", "0.02", "0.00"),
            ("Cara", "revenue", "33.34", "0.01", "0.00"),
        ])
    );
    // R4: an overlay is rounded on its own: 10.00 x 33.33% = 3.333 → 3.33.
    assert_eq!(
        got(3).await,
        credits(&[
            ("Ann", "revenue", "100", "10.00", "0.00"),
            ("Spec", "overlay", "33.33", "3.33", "0.00"),
        ])
    );
    // Ann 33.33 + 3.33 + 0.02 + 10.00 = 46.68; Bob 33.33 + 3.33 + 0.02 = 36.68;
    // Cara 33.34 + 3.34 + 0.01 = 36.69; South 73.37; Region 100.00 + 10.00
    // + 0.05 + 10.00 = 120.05.
    check(
        &app,
        &b,
        &[
            ("Ann", "46.68"),
            ("Bob", "36.68"),
            ("Cara", "36.69"),
            ("Spec", "3.33"),
            ("North", "46.68"),
            ("South", "73.37"),
            ("Region", "120.05"),
            ("Org", "120.05"),
        ],
    )
    .await;
}

#[actix_web::test]
async fn updating_a_split_sale_moves_its_figures_and_a_void_removes_every_share() {
    let app = TestApp::new().await;
    let b = splits_world(&app).await;
    let first = split_sale(
        &b,
        "U1",
        "Contoso",
        "2026-10-12",
        "1000.00",
        "100.00",
        json!([
            share(&b, "Ann", "60", "revenue"),
            share(&b, "Bob", "40", "revenue")
        ]),
    );
    let v = push_as(&app, &b, json!([first]), &["created"]).await;
    let id = id_of(&v, 0);
    check(
        &app,
        &b,
        &[
            ("Ann", "600.00"),
            ("Bob", "400.00"),
            ("Cara", "0"),
            ("Spec", "0"),
            ("North", "600.00"),
            ("South", "400.00"),
            ("Region", "1000.00"),
            ("Org", "1000.00"),
        ],
    )
    .await;
    // New splits: Ann 20% (200.00), Cara 80% (800.00); Bob nothing.
    let second = split_sale(
        &b,
        "U1",
        "Contoso",
        "2026-10-12",
        "1000.00",
        "100.00",
        json!([
            share(&b, "Ann", "20", "revenue"),
            share(&b, "Cara", "80", "revenue")
        ]),
    );
    let v = push_as(&app, &b, json!([second.clone()]), &["updated"]).await;
    assert_eq!(id_of(&v, 0), id);
    let moved = [
        ("Ann", "200.00"),
        ("Bob", "0"),
        ("Cara", "800.00"),
        ("Spec", "0"),
        ("North", "200.00"),
        ("South", "800.00"),
        ("Region", "1000.00"),
        ("Org", "1000.00"),
    ];
    check(&app, &b, &moved).await;
    // The same again, and the same shares in another order: unchanged.
    push_as(&app, &b, json!([second]), &["unchanged"]).await;
    let reordered = split_sale(
        &b,
        "U1",
        "Contoso",
        "2026-10-12",
        "1000.00",
        "100.00",
        json!([
            share(&b, "Cara", "80", "revenue"),
            share(&b, "Ann", "20", "revenue")
        ]),
    );
    push_as(&app, &b, json!([reordered]), &["unchanged"]).await;
    check(&app, &b, &moved).await;

    void(
        &app,
        &b.org.admin,
        id,
        Some(json!({"reason": "wrong invoice"})),
    )
    .await
    .expect(200);
    let nothing = [
        ("Ann", "0"),
        ("Bob", "0"),
        ("Cara", "0"),
        ("Spec", "0"),
        ("North", "0"),
        ("South", "0"),
        ("Region", "0"),
        ("Org", "0"),
    ];
    check(&app, &b, &nothing).await;
    let voided = crate::events::events(&app, &b.org.admin, "type=sale.voided").await;
    assert_eq!(voided.len(), 1, "{voided:?}");
    let data = &voided[0]["data"];
    assert_eq!(uuid(&data["sale_id"]), id);
    // What it had counted: Ann 200.00 (gross profit 20.00), Cara 800.00 (80.00).
    assert_eq!(
        credits_of(&b, data),
        credits(&[
            ("Ann", "revenue", "20", "200.00", "20.00"),
            ("Cara", "revenue", "80", "800.00", "80.00"),
        ])
    );
}
