//! Each use case announces itself with the figures a receiver needs.

use super::*;

#[actix_web::test]
async fn a_target_announces_each_step_and_when_it_is_reached() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (mgr, sp) = (w.token("mgr"), w.token("sp"));
    let body = q4_target("Q4 revenue", "user", w.id("sp"), "revenue", "1000");
    let t = app.new_target(mgr, &body).await;
    for (step, token) in [("propose", mgr), ("agree", sp)] {
        app.post(&format!("/v1/targets/{t}/{step}"))
            .token(token)
            .send()
            .await
            .expect(200);
    }
    // 600 on 2 Nov, then 500 on 3 Nov: 600 + 500 = 1100 >= 1000, reached on 3 Nov.
    let contoso = w.id("Contoso");
    app.push_sales(
        w.token("crm"),
        &json!([sale("S-1", contoso, "2026-11-02", "600", "200")]),
    )
    .await;
    app.push_sales(
        w.token("crm"),
        &json!([sale("S-2", contoso, "2026-11-03", "500", "100")]),
    )
    .await;
    let v = app
        .post(&format!("/v1/targets/{t}/revise"))
        .token(mgr)
        .json(&json!({"value": "2000"}))
        .send()
        .await
        .expect(201);
    let t2 = uuid(&v["id"]);
    app.post(&format!("/v1/targets/{t2}/cancel"))
        .token(mgr)
        .send()
        .await
        .expect(200);

    let all = events(
        &app,
        &w.org.admin,
        "type=target.proposed,target.agreed,target.achieved,target.revised,target.cancelled",
    )
    .await;
    assert_eq!(
        types(&all),
        [
            "target.proposed",
            "target.agreed",
            "target.achieved",
            "target.revised",
            "target.cancelled"
        ]
    );
    let proposed = &all[0]["data"];
    assert_eq!(uuid(&proposed["target"]["id"]), t);
    assert_eq!(proposed["target"]["status"], "proposed");
    assert_eq!(proposed["target"]["subject_type"], "user");
    assert_eq!(uuid(&proposed["target"]["subject_id"]), w.id("sp"));
    assert_eq!(proposed["target"]["metric"], "revenue");
    assert_eq!(amount(&proposed["target"]["value"]), dec("1000"));
    assert_eq!(proposed["target"]["period"], "2026-Q4");
    assert_eq!(proposed["target"]["starts_on"], "2026-10-01");
    assert_eq!(proposed["target"]["ends_on"], "2026-12-31");
    assert_eq!(uuid(&proposed["by"]), w.id("mgr"));
    let agreed = &all[1]["data"];
    assert_eq!(agreed["target"]["status"], "agreed");
    assert_eq!(uuid(&agreed["by"]), w.id("sp"));
    let achieved = &all[2]["data"];
    assert_eq!(uuid(&achieved["target"]["id"]), t);
    assert_eq!(amount(&achieved["actual"]), dec("1100"));
    assert_eq!(achieved["reached_on"], "2026-11-03");
    assert!(achieved.get("by").is_none(), "{achieved}");
    let revised = &all[3]["data"];
    assert_eq!(uuid(&revised["target"]["id"]), t2);
    assert_eq!(uuid(&revised["previous_id"]), t);
    assert_eq!(amount(&revised["previous_value"]), dec("1000"));
    assert_eq!(amount(&revised["target"]["value"]), dec("2000"));
    assert_eq!(revised["target"]["status"], "proposed");
    assert_eq!(revised["target"]["version"], 2);
    let cancelled = &all[4]["data"];
    assert_eq!(uuid(&cancelled["target"]["id"]), t2);
    assert_eq!(cancelled["target"]["status"], "cancelled");
    // Every body has the contract's members.
    for e in &all {
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["data", "id", "timestamp", "type"], "{e}");
    }
}

#[actix_web::test]
async fn a_write_of_results_is_one_event_with_its_totals_and_a_void_another() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (contoso, fabrikam) = (w.id("Contoso"), w.id("Fabrikam"));
    let v = app
        .push_sales(
            w.token("crm"),
            &json!([
                sale("INV-1", contoso, "2026-11-02", "1000", "300"),
                sale("INV-2", contoso, "2026-11-03", "500", "100"),
                sale("INV-3", fabrikam, "2026-11-03", "250.50", "50.25"),
            ]),
        )
        .await;
    let inv1 = uuid(&v["items"][0]["id"]);
    app.post(&format!("/v1/sales/{inv1}/void"))
        .token(w.token("crm"))
        .json(&json!({"reason": "sent twice"}))
        .send()
        .await
        .expect(200);
    let v = app
        .post("/v1/activities/batch")
        .token(&w.org.admin)
        .json(&json!({"items": [
            {"external_id": "C-1", "source": "phone", "kind": "call", "salesperson_id": w.id("mate"),
             "occurred_at": "2026-11-04T10:00:00Z", "count": 3}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["created"], 1, "{v}");

    let all = events(&app, &w.org.admin, "type=results.recorded,sale.voided").await;
    assert_eq!(
        types(&all),
        [
            "results.recorded",
            "results.recorded",
            "sale.voided",
            "results.recorded"
        ]
    );
    let batch = &all[0]["data"];
    assert_eq!(batch["sales"], 3);
    assert_eq!(batch["activities"], 0);
    let mut people = vec![w.id("sp"), w.id("other")];
    people.sort();
    assert_eq!(
        batch["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(uuid)
            .collect::<Vec<_>>(),
        people
    );
    assert_eq!(batch["days"], json!(["2026-11-02", "2026-11-03"]));
    // revenue 1000 + 500 + 250.50 = 1750.50; gross profit 300 + 100 + 50.25 = 450.25
    assert_eq!(amount(&batch["totals"]["revenue"]), dec("1750.50"));
    assert_eq!(amount(&batch["totals"]["gross_profit"]), dec("450.25"));
    // sp on 2 Nov and 3 Nov, other on 3 Nov, each revenue and gross profit.
    assert_eq!(batch["changes"].as_array().unwrap().len(), 6);

    let void = &all[1]["data"];
    assert_eq!(void["sales"], 1);
    assert_eq!(amount(&void["totals"]["revenue"]), dec("-1000"));
    assert_eq!(amount(&void["totals"]["gross_profit"]), dec("-300"));
    assert_eq!(void["days"], json!(["2026-11-02"]));
    let voided = &all[2]["data"];
    assert_eq!(uuid(&voided["sale_id"]), inv1);
    assert_eq!(voided["external_id"], "INV-1");
    assert_eq!(uuid(&voided["account_id"]), contoso);
    assert_eq!(uuid(&voided["salesperson_id"]), w.id("sp"));
    assert_eq!(voided["occurred_on"], "2026-11-02");
    assert_eq!(amount(&voided["revenue"]), dec("1000"));
    assert_eq!(amount(&voided["gross_profit"]), dec("300"));
    assert_eq!(voided["reason"], "sent twice");

    let calls = &all[3]["data"];
    assert_eq!(calls["sales"], 0);
    assert_eq!(calls["activities"], 1);
    assert_eq!(calls["people"], json!([w.id("mate")]));
    assert_eq!(calls["days"], json!(["2026-11-04"]));
    assert_eq!(amount(&calls["totals"]["activity:call"]), dec("3"));
}

#[actix_web::test]
async fn accounts_announce_creation_transfer_and_conversion() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let admin = &w.org.admin;
    let prospect = app
        .new_account(
            admin,
            &account_body("Northwind", "prospect", w.id("mate"), "2026-01-01"),
        )
        .await;
    app.post(&format!("/v1/accounts/{}/transfer", w.id("Contoso")))
        .token(admin)
        .json(&json!({"new_owner_id": w.id("mate"), "effective_on": "2026-11-15", "reason": "Territory realignment"}))
        .send()
        .await
        .expect(200);
    app.post(&format!("/v1/accounts/{prospect}/convert"))
        .token(admin)
        .json(&json!({"converted_on": "2026-11-20"}))
        .send()
        .await
        .expect(200);

    let all = events(
        &app,
        admin,
        "type=account.created,account.transferred,account.converted",
    )
    .await;
    assert_eq!(
        types(&all),
        [
            "account.created",
            "account.created",
            "account.created",
            "account.transferred",
            "account.converted"
        ]
    );
    let created = &all[2]["data"];
    assert_eq!(uuid(&created["account_id"]), prospect);
    assert_eq!(created["name"], "Northwind");
    assert_eq!(created["kind"], "prospect");
    assert_eq!(created["status"], "open");
    assert_eq!(uuid(&created["owner_id"]), w.id("mate"));
    let moved = &all[3]["data"];
    assert_eq!(uuid(&moved["account_id"]), w.id("Contoso"));
    assert_eq!(uuid(&moved["previous_owner_id"]), w.id("sp"));
    assert_eq!(uuid(&moved["new_owner_id"]), w.id("mate"));
    assert_eq!(moved["effective_on"], "2026-11-15");
    assert_eq!(moved["reason"], "Territory realignment");
    let won = &all[4]["data"];
    assert_eq!(uuid(&won["account_id"]), prospect);
    assert_eq!(uuid(&won["won_by"]), w.id("mate"));
    assert_eq!(won["converted_on"], "2026-11-20");
    // The conversion counts one new account for whoever won it, in the same write.
    let recorded = only(
        &events(&app, admin, "type=results.recorded").await,
        "results.recorded",
    );
    assert_eq!(
        amount(&recorded["data"]["totals"]["new_accounts"]),
        dec("1")
    );
}

#[actix_web::test]
async fn reviews_and_people_announce_themselves() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let v = app
        .post("/v1/reviews")
        .token(w.token("mgr"))
        .json(&json!({"kind": "one_to_one", "salesperson_id": w.id("sp"), "scheduled_for": "2026-11-20", "period": "2026-Q4"}))
        .send()
        .await
        .expect(201);
    let review = uuid(&v["id"]);
    app.post(&format!("/v1/reviews/{review}/complete"))
        .token(w.token("mgr"))
        .send()
        .await
        .expect(200);
    let admin = &w.org.admin;
    let v = app
        .post("/v1/users")
        .token(admin)
        .json(&json!({"email": "ada@example.com", "name": "Ada", "role": "salesperson", "selling_style": "hunter"}))
        .send()
        .await
        .expect(201);
    let ada = uuid(&v["id"]);
    app.delete(&format!("/v1/users/{ada}"))
        .token(admin)
        .send()
        .await
        .expect(200);

    let all = events(&app, admin, "type=review.scheduled,review.completed").await;
    assert_eq!(types(&all), ["review.scheduled", "review.completed"]);
    for e in &all {
        let d = &e["data"];
        assert_eq!(uuid(&d["review_id"]), review);
        assert_eq!(d["kind"], "one_to_one");
        assert_eq!(uuid(&d["salesperson_id"]), w.id("sp"));
        assert_eq!(uuid(&d["facilitator_id"]), w.id("mgr"));
        assert_eq!(d["period"], "2026-Q4");
    }
    assert!(all[0]["data"].get("completed_at").is_none());
    assert_eq!(uuid(&all[1]["data"]["completed_by"]), w.id("mgr"));

    let people = events(&app, admin, "type=user.created,user.deactivated").await;
    let last_two = &people[people.len() - 2..];
    assert_eq!(types(last_two), ["user.created", "user.deactivated"]);
    assert_eq!(uuid(&last_two[0]["data"]["user_id"]), ada);
    assert_eq!(last_two[0]["data"]["name"], "Ada");
    assert_eq!(last_two[0]["data"]["role"], "salesperson");
    assert_eq!(last_two[0]["data"]["active"], true);
    assert_eq!(last_two[1]["data"]["active"], false);
    // The scenario's six people were announced too (the admin with the organisation).
    assert_eq!(of_type(&people, "user.created").len(), 1 + 6 + 1);
}
