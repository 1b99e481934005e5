//! Credit splits on accounts: dated split rules added and removed after the
//! sales they cover, the hunter's share of a hand-over, and transfers inside a
//! rule's dates. The world and the checks are those of `splits`.

use super::ledger::crm_sale;
use super::splits::*;
use super::*;

/// Adds a split rule to `account` as the admin; its id.
async fn add_rule(app: &TestApp, b: &Splits, account: &str, body: Value) -> Uuid {
    let v = app
        .post(&format!("/v1/accounts/{}/splits", b.id(account)))
        .token(&b.org.admin)
        .json(&body)
        .send()
        .await
        .expect(201);
    uuid(&v["id"])
}

/// `GET /v1/accounts/{id}/splits` as the admin.
async fn rules(app: &TestApp, b: &Splits, account: &str) -> Vec<Value> {
    let v = app
        .get(&format!("/v1/accounts/{}/splits", b.id(account)))
        .token(&b.org.admin)
        .send()
        .await
        .expect(200);
    v["data"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn a_split_rule_added_after_its_sales_recredits_them_and_its_removal_puts_them_back() {
    let app = TestApp::new().await;
    let b = splits_world(&app).await;
    // Ann's Contoso, whole: 1000.00 + 500.00 + 200.00 = 1700.00.
    push_as(
        &app,
        &b,
        json!([
            crm_sale("C1", b.id("Contoso"), "2026-10-10", "1000.00", "100.00"),
            crm_sale("C2", b.id("Contoso"), "2026-11-10", "500.00", "50.00"),
            crm_sale("C3", b.id("Contoso"), "2026-12-01", "200.00", "20.00"),
        ]),
        &["created", "created", "created"],
    )
    .await;
    let all_ann = [
        ("Ann", "1700.00"),
        ("Bob", "0"),
        ("Cara", "0"),
        ("Spec", "0"),
        ("North", "1700.00"),
        ("South", "0"),
        ("Region", "1700.00"),
        ("Org", "1700.00"),
    ];
    check(&app, &b, &all_ann).await;

    // November: Bob 25% revenue, Spec a 10% overlay; Ann, the owner, the 75% left.
    let rule = add_rule(
        &app,
        &b,
        "Contoso",
        json!({"from": "2026-11-01", "to": "2026-11-30", "splits": [
            share(&b, "Bob", "25", "revenue"), share(&b, "Spec", "10", "overlay")]}),
    )
    .await;
    let listed = rules(&app, &b, "Contoso").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            &listed[0]["id"],
            &listed[0]["from"],
            &listed[0]["to"],
            &listed[0]["hunter_share"]
        ),
        (
            &json!(rule),
            &json!("2026-11-01"),
            &json!("2026-11-30"),
            &json!(false)
        )
    );
    // C2 only: Bob 500.00 x 25% = 125.00, Ann 375.00, Spec 50.00.
    // Ann 1000.00 + 375.00 + 200.00 = 1575.00; North is Ann's (Spec's overlay
    // is not a team's); South Bob's 125.00; Region 1700.00 still.
    check(
        &app,
        &b,
        &[
            ("Ann", "1575.00"),
            ("Bob", "125.00"),
            ("Cara", "0"),
            ("Spec", "50.00"),
            ("North", "1575.00"),
            ("South", "125.00"),
            ("Region", "1700.00"),
            ("Org", "1700.00"),
        ],
    )
    .await;
    // A sale pushed in the rule's dates follows it: 80.00 → Bob 20.00, Ann
    // 60.00, Spec 8.00 (gross profit 8.00 → 2.00, 6.00, 0.80).
    let v = push_as(
        &app,
        &b,
        json!([crm_sale(
            "C4",
            b.id("Contoso"),
            "2026-11-20",
            "80.00",
            "8.00"
        )]),
        &["created"],
    )
    .await;
    assert_eq!(
        credits_of(&b, &sale_detail(&app, &b, id_of(&v, 0)).await),
        credits(&[
            ("Ann", "revenue", "75", "60.00", "6.00"),
            ("Bob", "revenue", "25", "20.00", "2.00"),
            ("Spec", "overlay", "10", "8.00", "0.80"),
        ])
    );
    check(
        &app,
        &b,
        &[
            ("Ann", "1635.00"),
            ("Bob", "145.00"),
            ("Cara", "0"),
            ("Spec", "58.00"),
            ("North", "1635.00"),
            ("South", "145.00"),
            ("Region", "1780.00"),
            ("Org", "1780.00"),
        ],
    )
    .await;
    // Removed: everything back to Ann, C4's 80.00 too.
    app.delete(&format!("/v1/accounts/{}/splits/{rule}", b.id("Contoso")))
        .token(&b.org.admin)
        .send()
        .await
        .expect(204);
    assert!(rules(&app, &b, "Contoso").await.is_empty());
    check(
        &app,
        &b,
        &[
            ("Ann", "1780.00"),
            ("Bob", "0"),
            ("Cara", "0"),
            ("Spec", "0"),
            ("North", "1780.00"),
            ("South", "0"),
            ("Region", "1780.00"),
            ("Org", "1780.00"),
        ],
    )
    .await;
}

#[actix_web::test]
async fn a_handover_with_a_hunters_share_splits_the_sales_until_its_day() {
    let app = TestApp::new().await;
    let b = splits_world(&app).await;
    // Before the conversion, Initech's sale is Cara's whole.
    push_as(
        &app,
        &b,
        json!([crm_sale(
            "I1",
            b.id("Initech"),
            "2026-10-20",
            "1000.00",
            "400.00"
        )]),
        &["created"],
    )
    .await;
    check(
        &app,
        &b,
        &[
            ("Ann", "0"),
            ("Bob", "0"),
            ("Cara", "1000.00"),
            ("Spec", "0"),
            ("North", "0"),
            ("South", "1000.00"),
            ("Region", "1000.00"),
            ("Org", "1000.00"),
        ],
    )
    .await;
    // Won on 1 October, handed to Ann; Cara keeps 30% until 15 November.
    app.post(&format!("/v1/accounts/{}/convert", b.id("Initech")))
        .token(&b.org.admin)
        .json(
            &json!({"converted_on": "2026-10-01", "new_owner_id": b.id("Ann"),
                      "hunter_share": {"share_pct": "30", "until": "2026-11-15"}}),
        )
        .send()
        .await
        .expect(200);
    let listed = rules(&app, &b, "Initech").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (
            &listed[0]["from"],
            &listed[0]["to"],
            &listed[0]["hunter_share"]
        ),
        (&json!("2026-10-01"), &json!("2026-11-15"), &json!(true))
    );
    assert_eq!(
        listed[0]["splits"],
        json!([{"salesperson_id": b.id("Cara"), "share_pct": "30", "type": "revenue"}])
    );
    push_as(
        &app,
        &b,
        json!([
            // The last day of the hunter's share: 100.00 → Cara 30.00, Ann 70.00.
            crm_sale("I2", b.id("Initech"), "2026-11-15", "100.00", "10.00"),
            // The day after: Ann's whole 500.00.
            crm_sale("I3", b.id("Initech"), "2026-11-16", "500.00", "50.00"),
        ]),
        &["created", "created"],
    )
    .await;
    // I1 re-credited: Cara 300.00 (gross profit 120.00), Ann 700.00 (280.00).
    assert_eq!(
        listed_credits(&app, &b, &format!("&account_id={}", b.id("Initech")), "I1").await,
        credits(&[
            ("Ann", "revenue", "70", "700.00", "280.00"),
            ("Cara", "revenue", "30", "300.00", "120.00"),
        ])
    );
    // Ann 700.00 + 70.00 + 500.00 = 1270.00; Cara 300.00 + 30.00 = 330.00;
    // Region 1600.00.
    check(
        &app,
        &b,
        &[
            ("Ann", "1270.00"),
            ("Bob", "0"),
            ("Cara", "330.00"),
            ("Spec", "0"),
            ("North", "1270.00"),
            ("South", "330.00"),
            ("Region", "1600.00"),
            ("Org", "1600.00"),
        ],
    )
    .await;
}

#[actix_web::test]
async fn a_transfer_inside_a_rules_dates_gives_the_new_owner_what_is_left() {
    let app = TestApp::new().await;
    let b = splits_world(&app).await;
    add_rule(
        &app,
        &b,
        "Contoso",
        json!({"from": "2026-10-01", "splits": [share(&b, "Bob", "40", "revenue")]}),
    )
    .await;
    push_as(
        &app,
        &b,
        json!([
            crm_sale("T1", b.id("Contoso"), "2026-10-15", "1000.00", "100.00"),
            crm_sale("T2", b.id("Contoso"), "2026-11-20", "1000.00", "100.00"),
        ]),
        &["created", "created"],
    )
    .await;
    // Each: Bob 400.00, Ann 600.00.
    check(
        &app,
        &b,
        &[
            ("Ann", "1200.00"),
            ("Bob", "800.00"),
            ("Cara", "0"),
            ("Spec", "0"),
            ("North", "1200.00"),
            ("South", "800.00"),
            ("Region", "2000.00"),
            ("Org", "2000.00"),
        ],
    )
    .await;
    // Cara owns Contoso from 1 November: T2's 600.00 is hers, Bob keeps 400.00.
    transfer(&app, &b.org, b.id("Contoso"), b.id("Cara"), "2026-11-01").await;
    check(
        &app,
        &b,
        &[
            ("Ann", "600.00"),
            ("Bob", "800.00"),
            ("Cara", "600.00"),
            ("Spec", "0"),
            ("North", "600.00"),
            ("South", "1400.00"),
            ("Region", "2000.00"),
            ("Org", "2000.00"),
        ],
    )
    .await;
    // Bob himself owns it from 10 November: his 40% and the 60% left, one
    // credit of 100% (1000.00) on T2.
    transfer(&app, &b.org, b.id("Contoso"), b.id("Bob"), "2026-11-10").await;
    assert_eq!(
        listed_credits(&app, &b, &format!("&account_id={}", b.id("Contoso")), "T2").await,
        credits(&[("Bob", "revenue", "100", "1000.00", "100.00")])
    );
    check(
        &app,
        &b,
        &[
            ("Ann", "600.00"),
            ("Bob", "1400.00"),
            ("Cara", "0"),
            ("Spec", "0"),
            ("North", "600.00"),
            ("South", "1400.00"),
            ("Region", "2000.00"),
            ("Org", "2000.00"),
        ],
    )
    .await;
}
