//! Filters and pages, changes under If-Match, the tree's shape, deletion, other organisations.

use super::*;

#[actix_web::test]
async fn teams_filter_by_parent_and_paginate() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let company = app.team(&org, "Company", None, None).await;
    let a = app.team(&org, "A", None, Some(company)).await;
    let b = app.team(&org, "B", None, Some(company)).await;
    let c = app.team(&org, "C", None, Some(company)).await;
    let d = app.team(&org, "D", None, Some(a)).await;

    assert_eq!(
        listed(&app, &org.admin, &format!("&parent_team_id={company}")).await,
        set(&[a, b, c])
    );
    assert_eq!(
        listed(&app, &org.admin, &format!("&parent_team_id={a}")).await,
        set(&[d])
    );
    assert_eq!(
        listed(&app, &org.admin, &format!("&parent_team_id={d}")).await,
        set(&[])
    );
    assert_eq!(
        listed(
            &app,
            &org.admin,
            &format!("&parent_team_id={}", Uuid::now_v7())
        )
        .await,
        set(&[])
    );

    // Pages of two over five teams: 2 + 2 + 1, in id order, no repeats.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/teams?limit=2&cursor={c}"),
            None => "/v1/teams?limit=2".to_string(),
        };
        let v = app.get(&path).token(&org.admin).send().await.expect(200);
        let page: Vec<Uuid> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| uuid(&t["id"]))
            .collect();
        sizes.push(page.len());
        seen.extend(page);
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }
    assert_eq!(sizes, vec![2, 2, 1]);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "ordered by id");
    assert_eq!(set(&seen), set(&[company, a, b, c, d]));
    assert_eq!(seen.len(), 5);

    // The parent filter paginates too.
    let v = app
        .get(&format!("/v1/teams?limit=2&parent_team_id={company}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    let cursor = v["next_cursor"].as_str().unwrap().to_string();
    let v2 = app
        .get(&format!(
            "/v1/teams?limit=2&parent_team_id={company}&cursor={cursor}"
        ))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v2["data"].as_array().unwrap().len(), 1);
    assert!(v2["next_cursor"].is_null());

    let v = app
        .get("/v1/teams?limit=0")
        .token(&org.admin)
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("limit", "out_of_range"));
    app.get("/v1/teams?limit=201")
        .token(&org.admin)
        .send()
        .await
        .expect(422);
    app.get("/v1/teams?cursor=garbage!")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_cursor");
    app.get("/v1/teams?parent_team_id=nope")
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
}

#[actix_web::test]
async fn admin_patches_teams_with_concurrency_control() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let sales = app.person(&org, "salesperson", None).await;
    let top = app.team(&org, "Top", None, None).await;
    let other_top = app.team(&org, "Other top", None, None).await;
    let team = app.team(&org, "North", None, Some(top)).await;
    let path = format!("/v1/teams/{team}");

    // Rename.
    let r = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"name": " North-East "}))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(v["name"], "North-East");
    assert_eq!(v["version"], 2);
    assert_eq!(uuid(&v["parent_team_id"]), top, "fields not sent are kept");

    // A stale If-Match is refused and changes nothing; the current one works.
    app.patch(&path)
        .token(&org.admin)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Stale"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    let r = app
        .patch(&path)
        .token(&org.admin)
        .header("if-match", "\"2\"")
        .json(&json!({"manager_id": manager.id}))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"3\""));
    assert_eq!(v["name"], "North-East");
    assert_eq!(uuid(&v["manager_id"]), manager.id);

    // Clear the manager with null.
    let v = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"manager_id": null}))
        .send()
        .await
        .expect(200);
    assert!(v["manager_id"].is_null());
    assert_eq!(v["version"], 4);

    // Re-parent, then detach.
    let v = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"parent_team_id": other_top}))
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&v["parent_team_id"]), other_top);
    assert_eq!(
        listed(&app, &org.admin, &format!("&parent_team_id={top}")).await,
        set(&[])
    );
    assert_eq!(
        listed(&app, &org.admin, &format!("&parent_team_id={other_top}")).await,
        set(&[team])
    );
    let v = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"parent_team_id": null}))
        .send()
        .await
        .expect(200);
    assert!(v["parent_team_id"].is_null());
    assert_eq!(v["version"], 6);

    // Invalid changes are refused and leave the team as it was.
    let v = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"manager_id": sales.id}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("manager_id", "invalid_manager"));
    let v = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"parent_team_id": Uuid::now_v7()}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v).0, "parent_team_id");
    let v = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"name": ""}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("name", "required"));
    let v = app
        .patch(&path)
        .token(&org.admin)
        .json(&json!({"version": 1}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v).1, "unknown_field");
    let r = app.get(&path).token(&org.admin).send().await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"6\""));
    assert_eq!(v["name"], "North-East");
    assert!(v["manager_id"].is_null() && v["parent_team_id"].is_null());

    app.patch(&format!("/v1/teams/{}", Uuid::now_v7()))
        .token(&org.admin)
        .json(&json!({"name": "Ghost"}))
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn a_team_cannot_sit_under_itself_or_its_descendants() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.team(&org, "A", None, None).await;
    let b = app.team(&org, "B", None, Some(a)).await;
    let c = app.team(&org, "C", None, Some(b)).await;

    for parent in [a, b, c] {
        let v = app
            .patch(&format!("/v1/teams/{a}"))
            .token(&org.admin)
            .json(&json!({"parent_team_id": parent}))
            .send()
            .await
            .expect(422);
        assert_eq!(
            field_error(&v),
            pair("parent_team_id", "team_cycle"),
            "A under {parent}"
        );
    }
    let v = app
        .patch(&format!("/v1/teams/{b}"))
        .token(&org.admin)
        .json(&json!({"parent_team_id": c}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("parent_team_id", "team_cycle"));
    let v = app
        .get(&format!("/v1/teams/{a}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert!(v["parent_team_id"].is_null());
    assert_eq!(v["version"], 1);

    // Moving the grandchild up is not a cycle.
    let v = app
        .patch(&format!("/v1/teams/{c}"))
        .token(&org.admin)
        .json(&json!({"parent_team_id": a}))
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&v["parent_team_id"]), a);
    // And now B may sit under C.
    let v = app
        .patch(&format!("/v1/teams/{b}"))
        .token(&org.admin)
        .json(&json!({"parent_team_id": c}))
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&v["parent_team_id"]), c);
}

#[actix_web::test]
async fn teams_with_sub_teams_cannot_be_deleted() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let sp = app.person(&org, "salesperson", None).await;
    let parent = app.team(&org, "Parent", None, None).await;
    let child = app.team(&org, "Child", None, Some(parent)).await;
    app.join(&org, child, sp.id, "2026-01-01").await;

    app.delete(&format!("/v1/teams/{parent}"))
        .token(&org.admin)
        .send()
        .await
        .problem(409, "team_has_subteams");
    app.get(&format!("/v1/teams/{parent}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    // Another organisation cannot delete it either.
    app.delete(&format!("/v1/teams/{child}"))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");

    let r = app
        .delete(&format!("/v1/teams/{child}"))
        .token(&org.admin)
        .send()
        .await;
    assert_eq!(r.expect(204), Value::Null);
    app.get(&format!("/v1/teams/{child}"))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("/v1/teams/{child}/members"))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.delete(&format!("/v1/teams/{child}"))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    // The membership went with the team: the person may join another from the same day.
    let v = app.get("/v1/me").token(&sp.token).send().await.expect(200);
    assert_eq!(v["teams"], json!([]));
    put_member(&app, &org.admin, parent, sp.id, "2026-01-01")
        .await
        .expect(200);

    // Without children the parent can go too, its membership history with it.
    app.delete(&format!("/v1/teams/{parent}"))
        .token(&org.admin)
        .send()
        .await
        .expect(204);
    assert_eq!(listed(&app, &org.admin, "").await, set(&[]));
}

#[actix_web::test]
async fn other_organisations_teams_are_not_found() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let mine = app.team(&org, "Mine", None, None).await;
    let theirs = app.team(&other, "Theirs", None, None).await;
    let my_sp = app.person(&org, "salesperson", None).await;
    let their_sp = app.person(&other, "salesperson", None).await;

    app.get(&format!("/v1/teams/{theirs}"))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.get(&format!("/v1/teams/{theirs}/members"))
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.patch(&format!("/v1/teams/{theirs}"))
        .token(&org.admin)
        .json(&json!({"name": "Hijacked"}))
        .send()
        .await
        .problem(404, "not_found");
    put_member(&app, &org.admin, theirs, my_sp.id, "2026-01-01")
        .await
        .problem(404, "not_found");
    put_member(&app, &org.admin, mine, their_sp.id, "2026-01-01")
        .await
        .problem(404, "not_found");
    end_member(&app, &org.admin, theirs, their_sp.id, "?to=2026-02-01")
        .await
        .problem(404, "not_found");
    let v = app
        .patch(&format!("/v1/teams/{mine}"))
        .token(&org.admin)
        .json(&json!({"parent_team_id": theirs}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v).0, "parent_team_id");
    let v = app
        .get(&format!("/v1/teams/{theirs}"))
        .token(&other.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "Theirs");
    assert_eq!(members(&app, &other.admin, theirs, "").await, vec![]);
}
