//! Batches

use super::*;

#[actix_web::test]
async fn a_batch_of_1000_replayed_twice_leaves_exactly_1000_accounts() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let writer = client_token(&app, &org, &["accounts:write"]).await;

    let items: Vec<Value> = (0..1000)
        .map(|i| {
            let mut item = json!({
                "external_source": "hubspot",
                "external_id": format!("company-{i:04}"),
                "name": format!("Company {i:04}"),
                "kind": if i % 3 == 0 { "prospect" } else { "customer" },
                "segment": if i % 2 == 0 { json!("SMB") } else { json!(null) },
                "owned_since": "2026-01-01",
            });
            if i % 2 == 0 {
                item["owner_id"] = json!(farmer.id);
            } else {
                item["owner_email"] = json!(hunter.email);
            }
            item
        })
        .collect();

    let mut ids: Option<Vec<Uuid>> = None;
    for round in 0..3 {
        let started = Instant::now();
        let v = batch(&app, &writer, &items).await.expect(200);
        let elapsed = started.elapsed();
        eprintln!(
            "accounts batch of 1000, {}: {:.3} s",
            if round == 0 {
                "first (creates)".to_string()
            } else {
                format!("replay {round} (unchanged)")
            },
            elapsed.as_secs_f64()
        );
        let expected = if round == 0 { "created" } else { "unchanged" };
        assert_eq!(v[expected], 1000, "{round}");
        for other in ["created", "updated", "unchanged", "rejected"] {
            if other != expected {
                assert_eq!(v[other], 0, "{other} in round {round}");
            }
        }
        let answered = v["items"].as_array().unwrap();
        assert_eq!(answered.len(), 1000);
        let round_ids: Vec<Uuid> = answered
            .iter()
            .enumerate()
            .map(|(i, it)| {
                assert_eq!(it["index"], i);
                assert_eq!(it["status"], expected);
                assert!(it.get("errors").is_none(), "{it}");
                uuid(&it["id"])
            })
            .collect();
        assert_eq!(set(&round_ids).len(), 1000);
        match &ids {
            None => ids = Some(round_ids),
            Some(first) => assert_eq!(&round_ids, first, "the same accounts each time"),
        }
    }

    // Exactly 1,000 accounts, counted through the list in pages of 200.
    let (rows, n) = pages(&app, &org.admin, "", 200).await;
    assert_eq!(rows.len(), 1000);
    assert_eq!(n, 5);
    let listed_ids: Vec<Uuid> = rows.iter().map(|r| uuid(&r["id"])).collect();
    assert_eq!(set(&listed_ids), set(ids.as_ref().unwrap()));
    // Every one as sent.
    let prospects = rows.iter().filter(|r| r["kind"] == "prospect").count();
    assert_eq!(prospects, 334);
    let farmers = rows
        .iter()
        .filter(|r| uuid(&r["owner_id"]) == farmer.id)
        .count();
    assert_eq!(farmers, 500);
    let r = rows
        .iter()
        .find(|r| r["external_id"] == "company-0007")
        .unwrap();
    assert_eq!(r["name"], "Company 0007");
    assert_eq!(r["kind"], "customer");
    assert_eq!(r["status"], "active");
    assert_eq!(uuid(&r["owner_id"]), hunter.id);
    assert!(r["segment"].is_null());
    assert_eq!(r["version"], 1);
    assert_eq!(
        owners(&app, &org.admin, uuid(&r["id"])).await,
        vec![period(hunter.id, "2026-01-01", None)]
    );
    assert_eq!(
        pages(&app, &hunter.token, "", 200).await.0.len(),
        500,
        "the hunter sees their 500"
    );
}

#[actix_web::test]
async fn a_mixed_batch_stores_the_valid_items_and_rejects_the_others() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let manager = app.person(&org, "manager", None).await;
    let gone = app.person(&org, "salesperson", Some("farmer")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let writer = client_token(&app, &org, &["accounts:write"]).await;
    let since = days_ago(30);

    // Existing accounts the batch will touch.
    let seed = batch(
        &app,
        &writer,
        &[
            json!({"external_source": "crm", "external_id": "existing-customer", "name": "Existing", "kind": "customer", "owner_id": farmer.id, "owned_since": since}),
            json!({"external_source": "crm", "external_id": "existing-prospect", "name": "Prospect", "kind": "prospect", "owner_id": hunter.id, "owned_since": since}),
            json!({"external_source": "crm", "external_id": "steady", "name": "Steady", "kind": "customer", "owner_id": farmer.id, "owned_since": since}),
        ],
    )
    .await
    .expect(200);
    assert_eq!(seed["created"], 3);
    let existing_customer = uuid(&seed["items"][0]["id"]);
    let existing_prospect = uuid(&seed["items"][1]["id"]);
    let steady = uuid(&seed["items"][2]["id"]);

    let item = |ext: &str, extra: Value| {
        let mut v = json!({"external_source": "crm", "external_id": ext, "name": format!("Account {ext}"), "kind": "customer", "owner_id": farmer.id});
        for (k, x) in extra.as_object().unwrap() {
            if x.is_null() {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k] = x.clone();
            }
        }
        v
    };
    let items = vec![
        /* 0 */ item("new-1", json!({})),
        /* 1 */ item("bad-name", json!({"name": "  "})),
        /* 2 */ item("bad-won", json!({"kind": "prospect", "status": "won"})),
        /* 3 */
        item(
            "bad-email",
            json!({"owner_id": null, "owner_email": "nobody@example.com"}),
        ),
        /* 4 */
        item(
            "new-2",
            json!({"owner_id": null, "owner_email": hunter.email, "kind": "prospect"}),
        ),
        /* 5 */ item("bad-gone", json!({"owner_id": gone.id})),
        /* 6 */ item("bad-no-owner", json!({"owner_id": null})),
        /* 7 */
        item(
            "existing-customer",
            json!({"name": "Existing renamed", "owner_id": null}),
        ),
        /* 8 */
        item(
            "existing-customer",
            json!({"name": "Existing renamed", "kind": "prospect"}),
        ),
        /* 9 */ item("", json!({})),
        /* 10 */ item("bad-segment", json!({"segment": "x".repeat(101)})),
        /* 11 */
        item(
            "existing-prospect",
            json!({"name": "Prospect", "kind": "prospect", "owner_id": hunter.id}),
        ),
        /* 12 */ item("bad-manager", json!({"owner_id": manager.id})),
        /* 13 */
        item(
            "bad-future",
            json!({"owned_since": (today() + Duration::days(1)).to_string()}),
        ),
        /* 14 */ item("steady", json!({"name": "Steady"})),
        /* 15 */ item("bad-status", json!({"status": "lost"})),
        /* 16 */ item("bad-nul", json!({"name": "a\u{0}b"})),
        /* 17 */ item("new-1", json!({"name": "Account new-1"})),
    ];
    let v = batch(&app, &writer, &items).await.expect(200);
    let res = v["items"].as_array().unwrap();
    assert_eq!(res.len(), items.len());
    for (i, r) in res.iter().enumerate() {
        assert_eq!(r["index"], i);
    }
    let status = |i: usize| res[i]["status"].as_str().unwrap().to_string();
    let errs = |i: usize| {
        assert_eq!(status(i), "rejected", "item {i}: {}", res[i]);
        assert!(res[i]["id"].is_null(), "item {i}");
        field_errors(&res[i])
    };
    assert_eq!(status(0), "created");
    assert_eq!(errs(1), vec![pair("name", "required")]);
    assert_eq!(errs(2), vec![pair("status", "use_convert")]);
    assert_eq!(errs(3), vec![pair("owner_email", "not_found")]);
    assert_eq!(status(4), "created");
    assert_eq!(errs(5), vec![pair("owner_id", "owner_inactive")]);
    assert_eq!(errs(6), vec![pair("owner_id", "required")]);
    assert_eq!(status(7), "updated");
    assert_eq!(uuid(&res[7]["id"]), existing_customer);
    assert_eq!(errs(8), vec![pair("kind", "cannot_unconvert")]);
    assert_eq!(errs(9), vec![pair("external_id", "required")]);
    assert_eq!(errs(10), vec![pair("segment", "too_long")]);
    assert_eq!(status(11), "unchanged", "{}", res[11]);
    assert_eq!(errs(12), vec![pair("owner_id", "invalid_owner")]);
    assert_eq!(errs(13), vec![pair("owned_since", "in_future")]);
    assert_eq!(status(14), "unchanged");
    assert_eq!(uuid(&res[14]["id"]), steady);
    assert_eq!(errs(15), vec![pair("status", "invalid_for_kind")]);
    assert_eq!(errs(16), vec![pair("name", "invalid_characters")]);
    // The same external id again within the batch: the first one is already there.
    assert_eq!(status(17), "unchanged");
    assert_eq!(res[17]["id"], res[0]["id"]);
    assert_eq!(
        (
            &v["created"],
            &v["updated"],
            &v["unchanged"],
            &v["rejected"]
        ),
        (&json!(2), &json!(1), &json!(3), &json!(12))
    );

    // Only the valid ones are stored.
    let (rows, _) = pages(&app, &org.admin, "", 200).await;
    let mut stored: Vec<String> = rows
        .iter()
        .map(|r| r["external_id"].as_str().unwrap().to_string())
        .collect();
    stored.sort();
    assert_eq!(
        stored,
        vec![
            "existing-customer",
            "existing-prospect",
            "new-1",
            "new-2",
            "steady"
        ]
    );
    let v = get(&app, &org.admin, existing_customer).await.expect(200);
    assert_eq!(v["name"], "Existing renamed");
    assert_eq!(v["kind"], "customer");
    assert_eq!(uuid(&v["owner_id"]), farmer.id);
    let v = get(&app, &org.admin, existing_prospect).await.expect(200);
    assert_eq!(v["kind"], "prospect");
    assert_eq!(v["version"], 1);
    let new2 = rows.iter().find(|r| r["external_id"] == "new-2").unwrap();
    assert_eq!(uuid(&new2["owner_id"]), hunter.id);
    assert_eq!(new2["kind"], "prospect");
    assert_eq!(new2["status"], "open");

    // A second batch converts and reassigns, item by item.
    let v = batch(
        &app,
        &writer,
        &[
            item(
                "existing-prospect",
                json!({"name": "Prospect", "kind": "customer", "owner_id": farmer.id}),
            ),
            item(
                "steady",
                json!({"name": "Steady", "owner_email": hunter.email, "owner_id": null}),
            ),
            item(
                "new-2",
                json!({"kind": "prospect", "status": "lost", "owner_id": gone.id}),
            ),
        ],
    )
    .await
    .expect(200);
    assert_eq!(v["items"][0]["status"], "updated");
    assert_eq!(v["items"][1]["status"], "updated");
    assert_eq!(v["items"][2]["status"], "rejected");
    let p = get(&app, &org.admin, existing_prospect).await.expect(200);
    assert_eq!(p["kind"], "customer");
    assert_eq!(p["status"], "active");
    assert_eq!(p["converted_on"], today().to_string());
    assert_eq!(uuid(&p["won_by"]), hunter.id);
    assert_eq!(uuid(&p["owner_id"]), farmer.id);
    let yesterday = days_ago(1);
    assert_eq!(
        owners(&app, &org.admin, existing_prospect).await,
        vec![
            period(hunter.id, &since, Some(&yesterday)),
            period(farmer.id, &today().to_string(), None),
        ]
    );
    assert_eq!(
        owners(&app, &org.admin, steady).await,
        vec![
            period(farmer.id, &since, Some(&yesterday)),
            period(hunter.id, &today().to_string(), None),
        ]
    );
    let v = get(&app, &org.admin, uuid(&new2["id"])).await.expect(200);
    assert_eq!(v["status"], "open", "the rejected item changed nothing");
}

#[actix_web::test]
async fn structurally_invalid_batches_are_refused_whole() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let writer = client_token(&app, &org, &["accounts:write"]).await;
    let good = |i: usize| json!({"external_source": "crm", "external_id": format!("{i}"), "name": format!("A{i}"), "kind": "customer", "owner_id": farmer.id});

    // A malformed item (an unknown field, a wrong type, an unknown kind or
    // status, a missing external id) is rejected alone: see `lenient`. A body
    // that is not a batch is refused whole.
    let v = app
        .post("/v1/accounts/batch")
        .token(&writer)
        .json(&json!({"items": [good(0)], "dry_run": true}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("dry_run", "unknown_field"));
    let v = app
        .post("/v1/accounts/batch")
        .token(&writer)
        .json(&json!({"items": good(0)}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("items", "invalid_type"));
    let v = app
        .post("/v1/accounts/batch")
        .token(&writer)
        .json(&json!([good(0)]))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v).1, "invalid_type");
    app.post("/v1/accounts/batch")
        .token(&writer)
        .body("application/json", "{\"items\": [")
        .send()
        .await
        .problem(400, "malformed_json");

    // More than 1,000 items.
    let many: Vec<Value> = (0..1001).map(good).collect();
    let v = batch(&app, &writer, &many).await.expect(422);
    assert_eq!(field_error(&v), pair("items", "too_many"));

    // Nothing was stored by any of them.
    assert!(listed(&app, &org.admin, "").await.is_empty());

    // An empty batch is fine and does nothing.
    let v = batch(&app, &writer, &[]).await.expect(200);
    assert_eq!(v["items"], json!([]));
    assert_eq!(
        (
            &v["created"],
            &v["updated"],
            &v["unchanged"],
            &v["rejected"]
        ),
        (&json!(0), &json!(0), &json!(0), &json!(0))
    );
}
