//! Segregation of duties for accounts: nothing a salesperson does alone raises
//! their own results. They cannot date ownership or conversions in the past, and
//! cannot set external ids. (Their own conversions: `conversion.rs`.)

use super::*;

/// A region managed by `rm`, its team North managed by `nm` with the salesperson
/// `sp` and the farmer `farmer`, and a separate team South managed by `sm` with `other`.
pub(super) struct World {
    pub(super) org: Org,
    pub(super) rm: Person,
    pub(super) nm: Person,
    pub(super) sm: Person,
    pub(super) sp: Person,
    pub(super) farmer: Person,
    pub(super) other: Person,
    pub(super) north: Uuid,
}

pub(super) async fn world(app: &TestApp) -> World {
    let s = Scenario::new("Acme")
        .manager("rm")
        .manager("nm")
        .manager("sm")
        .salesperson("sp", "hunter")
        .salesperson("farmer", "farmer")
        .salesperson("other", "hunter")
        .team("Region", Some("rm"), &[])
        .sub_team("North", Some("nm"), Some("Region"), &["sp", "farmer"])
        .team("South", Some("sm"), &["other"])
        .build(app)
        .await;
    World {
        rm: s.person("rm"),
        nm: s.person("nm"),
        sm: s.person("sm"),
        sp: s.person("sp"),
        farmer: s.person("farmer"),
        other: s.person("other"),
        north: s.id("North"),
        org: s.org,
    }
}

/// A prospect the salesperson created for themselves today.
pub(super) async fn own_prospect(app: &TestApp, who: &Person, name: &str) -> Uuid {
    let v = create(app, &who.token, json!({"name": name, "kind": "prospect"}))
        .await
        .expect(201);
    uuid(&v["id"])
}

#[actix_web::test]
async fn salespeople_cannot_date_ownership_in_the_past_in_their_organisations_day() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // UTC-11 and UTC+14: at any hour, one of them is not on the UTC day.
    for tz in ["Pacific/Pago_Pago", "Pacific/Kiritimati"] {
        app.patch("/v1/org")
            .token(&w.org.admin)
            .json(&json!({"timezone": tz}))
            .send()
            .await
            .expect(200);
        let org_today = internals::today_in(tz);
        let yesterday = (org_today - Duration::days(1)).to_string();
        let me = &w.sp.token;
        let body = |since: &str| json!({"name": "P", "kind": "prospect", "owned_since": since});

        create(&app, me, body(&yesterday))
            .await
            .problem(403, "no_backdating");
        let v = create(&app, me, body(&org_today.to_string()))
            .await
            .expect(201);
        let p = uuid(&v["id"]);
        assert_eq!(
            owners(&app, me, p).await,
            vec![period(w.sp.id, &org_today.to_string(), None)]
        );
        let v = create(&app, me, body(&(org_today + Duration::days(1)).to_string()))
            .await
            .expect(422);
        assert_eq!(field_error(&v), pair("owned_since", "in_future"));

        convert(&app, me, p, Some(json!({"converted_on": yesterday})))
            .await
            .problem(403, "no_backdating");
        let v = convert(
            &app,
            me,
            p,
            Some(json!({"converted_on": org_today.to_string()})),
        )
        .await
        .expect(200);
        assert_eq!(v["conversion_status"], "pending", "{tz}: {v}");
        assert_eq!(v["conversion_requested_on"], org_today.to_string());
        // Salespeople do not transfer at all, not even from today.
        transfer(&app, me, p, w.farmer.id, &org_today.to_string())
            .await
            .problem(403, "forbidden");

        // Managers and admins still date ownership in the past.
        for t in [&w.nm.token, &w.org.admin] {
            let v = create(
                &app,
                t,
                json!({"name": "Q", "kind": "prospect", "owner_id": w.sp.id, "owned_since": yesterday}),
            )
            .await
            .expect(201);
            assert_eq!(
                owners(&app, t, uuid(&v["id"])).await,
                vec![period(w.sp.id, &yesterday, None)]
            );
        }
    }
}

#[actix_web::test]
async fn salespeople_cannot_set_external_ids() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let writer = client_token(&app, &w.org, &["accounts:write"]).await;
    let me = &w.sp.token;
    let before = listed(&app, &w.org.admin, "").await;

    // Pre-registering a CRM's id, by any route, is refused.
    for extra in [
        json!({"external_source": "hubspot", "external_id": "company-1"}),
        json!({"external_id": "company-1"}),
        json!({"external_source": "hubspot"}),
    ] {
        let mut body = json!({"name": "Contoso", "kind": "prospect"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        create(&app, me, body)
            .await
            .problem(403, "integration_only");
    }
    sync(
        &app,
        me,
        "hubspot",
        "company-1",
        json!({"name": "Contoso", "kind": "prospect", "owner_id": w.sp.id}),
    )
    .await
    .problem(403, "integration_only");
    batch(
        &app,
        me,
        &[
            json!({"external_source": "hubspot", "external_id": "company-1",
                 "name": "Contoso", "kind": "prospect", "owner_id": w.sp.id}),
        ],
    )
    .await
    .problem(403, "integration_only");
    assert_eq!(
        listed(&app, &w.org.admin, "").await,
        before,
        "nothing created"
    );

    // Nor on their own account: neither setting nor clearing one.
    let p = own_prospect(&app, &w.sp, "Contoso").await;
    patch(
        &app,
        me,
        p,
        json!({"external_source": "hubspot", "external_id": "company-1"}),
    )
    .await
    .problem(403, "integration_only");
    let v = patch(
        &app,
        &w.org.admin,
        p,
        json!({"external_source": "hubspot", "external_id": "company-2"}),
    )
    .await
    .expect(200);
    assert_eq!(v["version"], 2);
    for body in [
        json!({"external_source": null, "external_id": null}),
        json!({"external_id": "company-3"}),
        json!({"name": "Contoso Group", "external_source": "salesforce"}),
    ] {
        patch(&app, me, p, body)
            .await
            .problem(403, "integration_only");
    }
    // The ids it already has may be sent back unchanged with other changes.
    let v = patch(
        &app,
        me,
        p,
        json!({"name": "Contoso Group", "external_source": "hubspot", "external_id": "company-2"}),
    )
    .await
    .expect(200);
    assert_eq!(v["name"], "Contoso Group");
    assert_eq!(
        (v["external_source"].as_str(), v["external_id"].as_str()),
        (Some("hubspot"), Some("company-2"))
    );

    // Managers, admins and integration clients still do.
    for (t, ext) in [(&w.nm.token, "m"), (&w.org.admin, "a"), (&writer, "c")] {
        let v = create(
            &app,
            t,
            json!({"name": "X", "kind": "prospect", "owner_id": w.sp.id,
                   "external_source": "hubspot", "external_id": ext}),
        )
        .await
        .expect(201);
        assert_eq!(v["external_id"], ext);
    }
}
