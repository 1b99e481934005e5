//! Who sees which events: admins, viewers and `read` clients all; a
//! salesperson those about themselves; a manager those of their teams; nobody
//! another organisation's.

use super::*;

#[actix_web::test]
async fn each_caller_sees_the_events_about_what_they_may_see() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (contoso, fabrikam) = (w.id("Contoso"), w.id("Fabrikam"));
    // One batch for sp (Contoso), one for other (Fabrikam), one for mate.
    let northwind = app
        .new_account(
            &w.org.admin,
            &account_body("Northwind", "customer", w.id("mate"), "2026-01-01"),
        )
        .await;
    for (ext, account) in [("A-1", contoso), ("B-1", fabrikam), ("C-1", northwind)] {
        app.push_sales(
            w.token("crm"),
            &json!([sale(ext, account, "2026-11-02", "100", "40")]),
        )
        .await;
    }
    // A target for sp (set by mgr) and one for South (set by the admin).
    let sp_target = app
        .new_target(
            w.token("mgr"),
            &q4_target("Q4", "user", w.id("sp"), "revenue", "1000"),
        )
        .await;
    app.post(&format!("/v1/targets/{sp_target}/propose"))
        .token(w.token("mgr"))
        .send()
        .await
        .expect(200);
    let south_target = app
        .new_target(
            &w.org.admin,
            &q4_target("South Q4", "team", w.id("South"), "revenue", "5000"),
        )
        .await;
    app.post(&format!("/v1/targets/{south_target}/propose"))
        .token(&w.org.admin)
        .send()
        .await
        .expect(200);

    let all = events(&app, &w.org.admin, "").await;
    let recorded = of_type(&all, "results.recorded");
    assert_eq!(recorded.len(), 3);
    let batch_of = |who: &str| {
        recorded
            .iter()
            .find(|e| e["data"]["people"] == json!([w.id(who)]))
            .map(|e| uuid(&e["id"]))
            .unwrap()
    };
    let proposed = of_type(&all, "target.proposed");
    let proposal_of = |t: Uuid| {
        proposed
            .iter()
            .find(|e| uuid(&e["data"]["target"]["id"]) == t)
            .map(|e| uuid(&e["id"]))
            .unwrap()
    };
    let set_of = |token: &str| {
        let app = &app;
        let token = token.to_string();
        async move {
            ids(&events(app, &token, "type=results.recorded,target.proposed").await)
                .into_iter()
                .collect::<std::collections::BTreeSet<Uuid>>()
        }
    };
    let everything = set(&[
        batch_of("sp"),
        batch_of("other"),
        batch_of("mate"),
        proposal_of(sp_target),
        proposal_of(south_target),
    ]);
    // Admins, viewers and read clients: all of it.
    for who in ["admin", "viewer", "client"] {
        assert_eq!(set_of(w.token(who)).await, everything, "{who}");
    }
    // sp: their own results and target, not mate's nor other's.
    assert_eq!(
        set_of(w.token("sp")).await,
        set(&[batch_of("sp"), proposal_of(sp_target)])
    );
    // mate: their own results only.
    assert_eq!(set_of(w.token("mate")).await, set(&[batch_of("mate")]));
    // mgr (North): sp's and mate's, not South's.
    assert_eq!(
        set_of(w.token("mgr")).await,
        set(&[batch_of("sp"), batch_of("mate"), proposal_of(sp_target)])
    );
    // mgr2 (South): other's results and South's target.
    assert_eq!(
        set_of(w.token("mgr2")).await,
        set(&[batch_of("other"), proposal_of(south_target)])
    );
    // Another organisation's admin: none of it.
    let elsewhere = app.org("Globex").await;
    let theirs = events(&app, &elsewhere.admin, "").await;
    assert!(ids(&theirs).iter().all(|id| !ids(&all).contains(id)));
    assert_eq!(types(&theirs), ["user.created"], "only their own admin");
    // A salesperson's view of people: their own creation, nobody else's.
    let people = events(&app, w.token("sp"), "type=user.created").await;
    assert!(people
        .iter()
        .all(|e| uuid(&e["data"]["user_id"]) == w.id("sp")));
}

#[actix_web::test]
async fn a_client_without_read_is_refused() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.get("/v1/events")
        .token(w.token("crm"))
        .send()
        .await
        .problem(403, "forbidden");
}

#[actix_web::test]
async fn a_write_for_several_people_shows_each_caller_only_the_figures_they_see() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    app.push_sales(
        w.token("crm"),
        &json!([
            sale("A-1", w.id("Contoso"), "2026-11-02", "1000", "300"),
            sale("A-2", w.id("Contoso"), "2026-11-03", "500", "100"),
            sale("B-1", w.id("Fabrikam"), "2026-11-03", "250.50", "50.25"),
        ]),
    )
    .await;
    let read = |who: &'static str| {
        let app = &app;
        let token = w.token(who).to_string();
        async move {
            only(
                &events(app, &token, "type=results.recorded").await,
                "results.recorded",
            )
        }
    };
    let whole = read("admin").await;
    // revenue 1000 + 500 + 250.50 = 1750.50
    assert_eq!(amount(&whole["data"]["totals"]["revenue"]), dec("1750.50"));
    assert_eq!(read("viewer").await, whole);
    assert_eq!(read("client").await, whole);
    // sp and North's manager: sp's two sales, 1000 + 500 = 1500 revenue, 300 + 100 = 400 gross profit.
    for who in ["sp", "mgr"] {
        let e = read(who).await;
        assert_eq!(e["id"], whole["id"], "the same event");
        let d = &e["data"];
        assert_eq!(amount(&d["totals"]["revenue"]), dec("1500"), "{who}");
        assert_eq!(amount(&d["totals"]["gross_profit"]), dec("400"), "{who}");
        assert_eq!(d["people"], json!([w.id("sp")]), "{who}");
        assert_eq!(d["days"], json!(["2026-11-02", "2026-11-03"]), "{who}");
        assert_eq!(d["changes"].as_array().unwrap().len(), 4, "{who}");
        assert_eq!(d["sales"], 3, "the write's count");
    }
    // South's manager and other: other's one sale.
    for who in ["mgr2", "other"] {
        let d = &read(who).await["data"];
        assert_eq!(amount(&d["totals"]["revenue"]), dec("250.50"), "{who}");
        assert_eq!(amount(&d["totals"]["gross_profit"]), dec("50.25"), "{who}");
        assert_eq!(d["people"], json!([w.id("other")]), "{who}");
        assert_eq!(d["days"], json!(["2026-11-03"]), "{who}");
    }
    // mate: nothing of theirs in it, so not the event at all.
    assert!(events(&app, w.token("mate"), "type=results.recorded")
        .await
        .is_empty());
}
