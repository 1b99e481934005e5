//! Teams (a tree with managers) and dated membership, as a client uses them.

mod common;

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate, Utc};
use common::*;
use serde_json::{json, Value};
use uuid::Uuid;

fn uuid(v: &Value) -> Uuid {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

fn set(ids: &[Uuid]) -> BTreeSet<Uuid> {
    ids.iter().copied().collect()
}

/// Every team the token lists (one page of 200, asserted to be the last).
async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    let v = app
        .get(&format!("/v1/teams?limit=200{query}"))
        .token(token)
        .send()
        .await
        .expect(200);
    assert!(v["next_cursor"].is_null());
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| uuid(&t["id"]))
        .collect()
}

/// (user_id, from, to) of each membership listed, in the order given.
async fn members(
    app: &TestApp,
    token: &str,
    team: Uuid,
    query: &str,
) -> Vec<(Uuid, String, Option<String>)> {
    let v = app
        .get(&format!("/v1/teams/{team}/members{query}"))
        .token(token)
        .send()
        .await
        .expect(200);
    assert!(v["next_cursor"].is_null(), "one page: {v}");
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(uuid(&m["team_id"]), team);
            (
                uuid(&m["user_id"]),
                m["from"].as_str().unwrap().to_string(),
                m["to"].as_str().map(str::to_string),
            )
        })
        .collect()
}

async fn put_member(app: &TestApp, token: &str, team: Uuid, user: Uuid, from: &str) -> Res {
    app.put(&format!("/v1/teams/{team}/members/{user}"))
        .token(token)
        .json(&json!({ "from": from }))
        .send()
        .await
}

async fn end_member(app: &TestApp, token: &str, team: Uuid, user: Uuid, query: &str) -> Res {
    app.delete(&format!("/v1/teams/{team}/members/{user}{query}"))
        .token(token)
        .send()
        .await
}

fn m(user: Uuid, from: &str, to: Option<&str>) -> (Uuid, String, Option<String>) {
    (user, from.to_string(), to.map(str::to_string))
}

/// The one field error of a 422.
#[track_caller]
fn field_error(v: &Value) -> (String, String) {
    assert_eq!(v["code"], "validation_failed", "{v}");
    let errors = v["errors"].as_array().expect("errors[]");
    assert_eq!(errors.len(), 1, "{v}");
    (
        errors[0]["field"].as_str().unwrap().to_string(),
        errors[0]["code"].as_str().unwrap().to_string(),
    )
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_string(), code.to_string())
}

// ---------------------------------------------------------------- teams

#[actix_web::test]
async fn admin_creates_teams_with_manager_and_parent() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;

    let r = app
        .post("/v1/teams")
        .token(&org.admin)
        .json(&json!({"name": "  Company  "}))
        .send()
        .await;
    let company = r.expect(201);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    let company_id = uuid(&company["id"]);
    assert_eq!(company_id.get_version_num(), 7, "ids are UUID v7");
    assert_eq!(company["name"], "Company", "the name is trimmed");
    assert!(company["manager_id"].is_null());
    assert!(company["parent_team_id"].is_null());
    assert_eq!(company["version"], 1);

    let r = app
        .post("/v1/teams")
        .token(&org.admin)
        .json(&json!({"name": "North", "manager_id": manager.id, "parent_team_id": company_id}))
        .send()
        .await;
    let north = r.expect(201);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(uuid(&north["manager_id"]), manager.id);
    assert_eq!(uuid(&north["parent_team_id"]), company_id);

    // An admin may manage a team too.
    let r = app
        .post("/v1/teams")
        .token(&org.admin)
        .json(&json!({"name": "HQ", "manager_id": org.admin_id}))
        .send()
        .await;
    assert_eq!(uuid(&r.expect(201)["manager_id"]), org.admin_id);

    // Read back.
    let r = app
        .get(&format!("/v1/teams/{}", uuid(&north["id"])))
        .token(&org.admin)
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(v["name"], "North");
    assert_eq!(uuid(&v["manager_id"]), manager.id);
    assert_eq!(uuid(&v["parent_team_id"]), company_id);
    assert_eq!(listed(&app, &org.admin, "").await.len(), 3);
}

#[actix_web::test]
async fn team_links_and_names_are_validated() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let sales = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let gone = app.person(&org, "manager", None).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let foreign_manager = app.person(&other, "manager", None).await;
    let foreign_team = app.team(&other, "Theirs", None, None).await;

    let post = |body: Value| {
        let admin = org.admin.clone();
        let app = &app;
        async move { app.post("/v1/teams").token(&admin).json(&body).send().await }
    };

    for bad in [
        sales.id,
        viewer.id,
        gone.id,
        foreign_manager.id,
        Uuid::now_v7(),
    ] {
        let v = post(json!({"name": "T", "manager_id": bad}))
            .await
            .expect(422);
        assert_eq!(
            field_error(&v),
            pair("manager_id", "invalid_manager"),
            "manager {bad}"
        );
    }
    for bad in [foreign_team, Uuid::now_v7()] {
        let v = post(json!({"name": "T", "parent_team_id": bad}))
            .await
            .expect(422);
        assert_eq!(field_error(&v).0, "parent_team_id");
    }
    // Both wrong: both reported.
    let v = post(json!({"name": "T", "manager_id": sales.id, "parent_team_id": Uuid::now_v7()}))
        .await
        .expect(422);
    let fields: BTreeSet<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, BTreeSet::from(["manager_id", "parent_team_id"]));

    assert_eq!(
        field_error(&post(json!({"name": "   "})).await.expect(422)),
        pair("name", "required")
    );
    assert_eq!(
        field_error(&post(json!({"name": "x".repeat(201)})).await.expect(422)),
        pair("name", "too_long")
    );
    post(json!({"name": "x".repeat(200)})).await.expect(201);
    assert_eq!(
        field_error(&post(json!({})).await.expect(422)),
        pair("name", "required")
    );
    assert_eq!(
        field_error(
            &post(json!({"name": "T", "org_id": other.id}))
                .await
                .expect(422)
        )
        .1,
        "unknown_field"
    );
    assert_eq!(
        field_error(
            &post(json!({"name": "T", "manager_id": "nope"}))
                .await
                .expect(422)
        )
        .0,
        "manager_id"
    );
    app.post("/v1/teams")
        .token(&org.admin)
        .body("application/json", "{\"name\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/teams")
        .token(&org.admin)
        .body("text/plain", "name=T")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.post("/v1/teams")
        .json(&json!({"name": "T"}))
        .send()
        .await
        .problem(401, "missing_token");

    // Only the one valid team was created.
    assert_eq!(listed(&app, &org.admin, "").await.len(), 1);
    assert_eq!(listed(&app, &other.admin, "").await, set(&[foreign_team]));
}

#[actix_web::test]
async fn only_admins_create_change_and_delete_teams() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let sales = app.person(&org, "salesperson", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (client, _) = app
        .client(
            &org,
            &["read", "sales:write", "activities:write", "accounts:write"],
        )
        .await;
    let client = app.sign(
        org.id,
        "client",
        client,
        Some("read sales:write activities:write accounts:write"),
    );
    let team = app.team(&org, "North", Some(manager.id), None).await;
    app.join(&org, team, sales.id, "2026-01-01").await;

    for token in [&manager.token, &sales.token, &viewer.token, &client] {
        app.post("/v1/teams")
            .token(token)
            .json(&json!({"name": "Mine"}))
            .send()
            .await
            .problem(403, "forbidden");
        app.patch(&format!("/v1/teams/{team}"))
            .token(token)
            .json(&json!({"name": "Renamed"}))
            .send()
            .await
            .problem(403, "forbidden");
        app.delete(&format!("/v1/teams/{team}"))
            .token(token)
            .send()
            .await
            .problem(403, "forbidden");
    }
    let v = app
        .get(&format!("/v1/teams/{team}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "North");
    assert_eq!(v["version"], 1);
    assert_eq!(listed(&app, &org.admin, "").await, set(&[team]));
}

/// Company
/// ├── Region R (m1)
/// │   └── T1 (m2)
/// │       └── T1a            <- sp
/// └── Region S (m3)
///     └── T2                 <- m2 is a member here
#[actix_web::test]
async fn who_sees_which_team() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let m1 = app.person(&org, "manager", None).await;
    let m2 = app.person(&org, "manager", None).await;
    let m3 = app.person(&org, "manager", None).await;
    let idle_manager = app.person(&org, "manager", None).await;
    let sp = app.person(&org, "salesperson", Some("hunter")).await;
    let loner = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (rc, _) = app.client(&org, &["read"]).await;
    let read_client = app.sign(org.id, "client", rc, Some("read"));
    let (wc, _) = app.client(&org, &["sales:write"]).await;
    let write_client = app.sign(org.id, "client", wc, Some("sales:write"));

    let company = app.team(&org, "Company", None, None).await;
    let r = app.team(&org, "R", Some(m1.id), Some(company)).await;
    let t1 = app.team(&org, "T1", Some(m2.id), Some(r)).await;
    let t1a = app.team(&org, "T1a", None, Some(t1)).await;
    let s = app.team(&org, "S", Some(m3.id), Some(company)).await;
    let t2 = app.team(&org, "T2", None, Some(s)).await;
    app.join(&org, t1a, sp.id, "2026-01-01").await;
    app.join(&org, t2, m2.id, "2026-01-01").await;
    let all = [company, r, t1, t1a, s, t2];
    let foreign = app.team(&other, "Foreign", None, None).await;

    let cases: Vec<(&str, &str, Vec<Uuid>)> = vec![
        ("admin", &org.admin, all.to_vec()),
        ("viewer", &viewer.token, all.to_vec()),
        ("read client", &read_client, all.to_vec()),
        // Manages R: R, its child T1 and grandchild T1a.
        ("m1", &m1.token, vec![r, t1, t1a]),
        // Manages T1 (and T1a below it), and is a member of T2.
        ("m2", &m2.token, vec![t1, t1a, t2]),
        ("m3", &m3.token, vec![s, t2]),
        ("manager of nothing", &idle_manager.token, vec![]),
        ("salesperson", &sp.token, vec![t1a]),
        ("salesperson without a team", &loner.token, vec![]),
    ];
    for (who, token, visible) in cases {
        assert_eq!(listed(&app, token, "").await, set(&visible), "{who} lists");
        for t in all.iter().chain([&foreign]) {
            let r = app.get(&format!("/v1/teams/{t}")).token(token).send().await;
            let mr = app
                .get(&format!("/v1/teams/{t}/members"))
                .token(token)
                .send()
                .await;
            if visible.contains(t) {
                assert_eq!(uuid(&r.expect(200)["id"]), *t, "{who} reads {t}");
                mr.expect(200);
            } else {
                r.problem(404, "not_found");
                mr.problem(404, "not_found");
            }
        }
    }
    // A client without the read scope reads no teams at all.
    app.get("/v1/teams")
        .token(&write_client)
        .send()
        .await
        .problem(403, "forbidden");
    app.get(&format!("/v1/teams/{company}"))
        .token(&write_client)
        .send()
        .await
        .problem(403, "forbidden");
    // Another organisation sees only its own.
    assert_eq!(listed(&app, &other.admin, "").await, set(&[foreign]));
    app.get(&format!("/v1/teams/{company}"))
        .token(&other.admin)
        .send()
        .await
        .problem(404, "not_found");
    app.get("/v1/teams")
        .send()
        .await
        .problem(401, "missing_token");
    app.get("/v1/teams/not-a-uuid")
        .token(&org.admin)
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn visibility_follows_a_team_moved_under_a_managed_one() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let m = app.person(&org, "manager", None).await;
    let mine = app.team(&org, "Mine", Some(m.id), None).await;
    let elsewhere = app.team(&org, "Elsewhere", None, None).await;
    let below = app.team(&org, "Below", None, Some(elsewhere)).await;
    assert_eq!(listed(&app, &m.token, "").await, set(&[mine]));
    app.patch(&format!("/v1/teams/{elsewhere}"))
        .token(&org.admin)
        .json(&json!({"parent_team_id": mine}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        listed(&app, &m.token, "").await,
        set(&[mine, elsewhere, below])
    );
    // And the manager may now staff the grandchild.
    let sp = app.person(&org, "salesperson", None).await;
    put_member(&app, &m.token, below, sp.id, "2026-05-01")
        .await
        .expect(200);
}

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

// ---------------------------------------------------------------- membership

/// R (m1) > T (m2); U (m3) elsewhere; m4 manages U and is a member of T.
#[actix_web::test]
async fn admins_and_managers_above_a_team_change_its_members() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let m1 = app.person(&org, "manager", None).await;
    let m2 = app.person(&org, "manager", None).await;
    let m3 = app.person(&org, "manager", None).await;
    let m4 = app.person(&org, "manager", None).await;
    let sp1 = app.person(&org, "salesperson", Some("farmer")).await;
    let sp2 = app.person(&org, "salesperson", Some("hunter")).await;
    let sp3 = app.person(&org, "salesperson", None).await;
    let sp4 = app.person(&org, "salesperson", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (rc, _) = app.client(&org, &["read"]).await;
    let read_client = app.sign(org.id, "client", rc, Some("read"));
    let r = app.team(&org, "R", Some(m1.id), None).await;
    let t = app.team(&org, "T", Some(m2.id), Some(r)).await;
    let _u = app.team(&org, "U", Some(m3.id), None).await;

    // The admin.
    let v = put_member(&app, &org.admin, t, sp1.id, "2026-01-01")
        .await
        .expect(200);
    assert_eq!(
        v,
        json!({"team_id": t, "user_id": sp1.id, "name": "salesperson person", "from": "2026-01-01", "to": null})
    );
    // The team's manager.
    let v = put_member(&app, &m2.token, t, sp2.id, "2026-02-01")
        .await
        .expect(200);
    assert_eq!(v["from"], "2026-02-01");
    // The manager of the parent team.
    let v = put_member(&app, &m1.token, t, sp3.id, "2026-03-01")
        .await
        .expect(200);
    assert_eq!(v["from"], "2026-03-01");
    app.join(&org, t, m4.id, "2026-04-01").await;

    // Refused: who can see T gets 403, who cannot gets 404.
    let refused: Vec<(&str, &str, u16)> = vec![
        ("a salesperson member of T", &sp1.token, 403),
        ("a viewer", &viewer.token, 403),
        ("a read client", &read_client, 403),
        ("a manager of another team who belongs to T", &m4.token, 403),
        ("a manager of an unrelated team", &m3.token, 404),
        ("a salesperson outside T", &sp4.token, 404),
    ];
    for (who, token, status) in refused {
        let r = put_member(&app, token, t, sp4.id, "2026-05-01").await;
        if status == 403 {
            r.problem(403, "forbidden");
        } else {
            r.problem(404, "not_found");
        }
        let r = end_member(&app, token, t, sp1.id, "?to=2026-06-30").await;
        assert_eq!(r.status.as_u16(), status, "{who} ends a membership");
        r.expect(status);
    }

    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![
            m(sp1.id, "2026-01-01", None),
            m(sp2.id, "2026-02-01", None),
            m(sp3.id, "2026-03-01", None),
            m(m4.id, "2026-04-01", None),
        ]
    );
    // Readers see the same list.
    for token in [
        &viewer.token,
        &read_client,
        &sp1.token,
        &m1.token,
        &m2.token,
        &m4.token,
    ] {
        assert_eq!(members(&app, token, t, "").await.len(), 4);
    }
}

#[actix_web::test]
async fn joining_checks_the_person_and_the_body() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let t = app.team(&org, "T", None, None).await;
    let gone = app.person(&org, "salesperson", None).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let foreign = app.person(&other, "salesperson", None).await;
    let sp = app.person(&org, "salesperson", None).await;

    put_member(&app, &org.admin, t, gone.id, "2026-01-01")
        .await
        .problem(422, "user_inactive");
    put_member(&app, &org.admin, t, Uuid::now_v7(), "2026-01-01")
        .await
        .problem(404, "not_found");
    put_member(&app, &org.admin, t, foreign.id, "2026-01-01")
        .await
        .problem(404, "not_found");
    put_member(&app, &org.admin, Uuid::now_v7(), sp.id, "2026-01-01")
        .await
        .problem(404, "not_found");

    let path = format!("/v1/teams/{t}/members/{}", sp.id);
    for bad in ["2026-13-01", "2026-02-30", "01/02/2026", ""] {
        let v = put_member(&app, &org.admin, t, sp.id, bad)
            .await
            .expect(422);
        assert_eq!(field_error(&v).0, "from", "from {bad:?}");
    }
    let v = app
        .put(&path)
        .token(&org.admin)
        .json(&json!({}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("from", "required"));
    let v = app
        .put(&path)
        .token(&org.admin)
        .json(&json!({"from": 20260101}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("from", "invalid_type"));
    let v = app
        .put(&path)
        .token(&org.admin)
        .json(&json!({"from": "2026-01-01", "to": "2026-02-01"}))
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("to", "unknown_field"));
    app.put(&path)
        .token(&org.admin)
        .body("application/json", "{from:")
        .send()
        .await
        .problem(400, "malformed_json");
    app.put(&path)
        .token(&org.admin)
        .body("text/plain", "2026-01-01")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.put(&format!("/v1/teams/{t}/members/nope"))
        .token(&org.admin)
        .json(&json!({"from": "2026-01-01"}))
        .send()
        .await
        .problem(404, "not_found");
    app.put(&path)
        .json(&json!({"from": "2026-01-01"}))
        .send()
        .await
        .problem(401, "missing_token");
    // Days the database cannot hold (or write back as YYYY-MM-DD) are invalid, never a 500.
    for bad in ["-5000-01-01", "0000-12-31", "+10000-01-01"] {
        let v = put_member(&app, &org.admin, t, sp.id, bad)
            .await
            .expect(422);
        assert_eq!(
            field_error(&v),
            pair("from", "invalid_value"),
            "from {bad:?}"
        );
    }
    app.get(&format!("/v1/teams/{t}/members?as_of=-5000-01-01"))
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    put_member(&app, &org.admin, t, sp.id, "1900-01-01")
        .await
        .expect(200);
    end_member(&app, &org.admin, t, sp.id, "?to=%2B10000-01-01")
        .await
        .problem(400, "invalid_query");
    let v = end_member(&app, &org.admin, t, sp.id, "?to=2999-12-31")
        .await
        .expect(200);
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("1900-01-01"), Some("2999-12-31"))
    );
    app.delete(&format!("/v1/teams/{t}"))
        .token(&org.admin)
        .send()
        .await
        .expect(204);
    let t = app.team(&org, "T again", None, None).await;

    assert_eq!(members(&app, &org.admin, t, "").await, vec![]);
}

#[actix_web::test]
async fn joining_again_is_unchanged_or_redates() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let t = app.team(&org, "T", None, None).await;
    let sp = app.person(&org, "salesperson", None).await;

    let first = put_member(&app, &org.admin, t, sp.id, "2026-03-01")
        .await
        .expect(200);
    let again = put_member(&app, &org.admin, t, sp.id, "2026-03-01")
        .await
        .expect(200);
    assert_eq!(first, again);
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(sp.id, "2026-03-01", None)]
    );

    // An earlier first day re-dates the open membership.
    let v = put_member(&app, &org.admin, t, sp.id, "2026-02-01")
        .await
        .expect(200);
    assert_eq!(v["from"], "2026-02-01");
    assert!(v["to"].is_null());
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(sp.id, "2026-02-01", None)]
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-02-01")
            .await
            .len(),
        1
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-01-31")
            .await
            .len(),
        0
    );
}

#[actix_web::test]
async fn moving_to_another_team_closes_the_old_membership() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.team(&org, "A", None, None).await;
    let b = app.team(&org, "B", None, None).await;
    let c = app.team(&org, "C", None, None).await;
    let sp = app.person(&org, "salesperson", None).await;
    app.join(&org, a, sp.id, "2026-01-01").await;

    let v = put_member(&app, &org.admin, b, sp.id, "2026-11-16")
        .await
        .expect(200);
    assert_eq!(
        (uuid(&v["team_id"]), v["from"].clone(), v["to"].clone()),
        (b, json!("2026-11-16"), Value::Null)
    );
    assert_eq!(
        members(&app, &org.admin, a, "").await,
        vec![m(sp.id, "2026-01-01", Some("2026-11-15"))]
    );
    assert_eq!(
        members(&app, &org.admin, b, "").await,
        vec![m(sp.id, "2026-11-16", None)]
    );

    // Day by day: A up to the 15th, B from the 16th.
    for (day, in_a, in_b) in [
        ("2025-12-31", false, false),
        ("2026-01-01", true, false),
        ("2026-11-15", true, false),
        ("2026-11-16", false, true),
        ("2027-06-30", false, true),
    ] {
        let q = format!("?as_of={day}");
        assert_eq!(
            members(&app, &org.admin, a, &q).await.len(),
            usize::from(in_a),
            "A on {day}"
        );
        assert_eq!(
            members(&app, &org.admin, b, &q).await.len(),
            usize::from(in_b),
            "B on {day}"
        );
    }

    // Days already covered by the closed A membership cannot be given to another team.
    put_member(&app, &org.admin, c, sp.id, "2026-06-01")
        .await
        .problem(409, "membership_overlap");
    put_member(&app, &org.admin, c, sp.id, "2026-11-15")
        .await
        .problem(409, "membership_overlap");
    // Nor to A again, nor by re-dating B backwards into them.
    put_member(&app, &org.admin, a, sp.id, "2026-11-15")
        .await
        .problem(409, "membership_overlap");
    put_member(&app, &org.admin, b, sp.id, "2026-11-01")
        .await
        .problem(409, "membership_overlap");
    // Joining C on B's own first day would leave B empty: refused as well.
    put_member(&app, &org.admin, c, sp.id, "2026-11-16")
        .await
        .problem(409, "membership_overlap");
    assert_eq!(
        members(&app, &org.admin, a, "").await,
        vec![m(sp.id, "2026-01-01", Some("2026-11-15"))]
    );
    assert_eq!(
        members(&app, &org.admin, b, "").await,
        vec![m(sp.id, "2026-11-16", None)]
    );
    assert_eq!(members(&app, &org.admin, c, "").await, vec![]);

    // A second move closes B.
    put_member(&app, &org.admin, c, sp.id, "2026-12-01")
        .await
        .expect(200);
    assert_eq!(
        members(&app, &org.admin, b, "").await,
        vec![m(sp.id, "2026-11-16", Some("2026-11-30"))]
    );
    assert_eq!(
        members(&app, &org.admin, c, "").await,
        vec![m(sp.id, "2026-12-01", None)]
    );
    // Back to A later on: a second A membership.
    put_member(&app, &org.admin, a, sp.id, "2027-01-01")
        .await
        .expect(200);
    assert_eq!(
        members(&app, &org.admin, a, "").await,
        vec![
            m(sp.id, "2026-01-01", Some("2026-11-15")),
            m(sp.id, "2027-01-01", None)
        ]
    );
    assert_eq!(
        members(&app, &org.admin, c, "").await,
        vec![m(sp.id, "2026-12-01", Some("2026-12-31"))]
    );
}

#[actix_web::test]
async fn managers_move_people_only_out_of_teams_they_manage() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mp = app.person(&org, "manager", None).await;
    let ma = app.person(&org, "manager", None).await;
    let mb = app.person(&org, "manager", None).await;
    let p = app.team(&org, "P", Some(mp.id), None).await;
    let a = app.team(&org, "A", Some(ma.id), Some(p)).await;
    let b = app.team(&org, "B", Some(mb.id), Some(p)).await;
    let sp = app.person(&org, "salesperson", None).await;
    let sp2 = app.person(&org, "salesperson", None).await;
    app.join(&org, a, sp.id, "2026-01-01").await;
    app.join(&org, a, sp2.id, "2026-01-01").await;

    put_member(&app, &mb.token, b, sp.id, "2026-06-01")
        .await
        .problem(403, "forbidden");
    assert_eq!(members(&app, &org.admin, a, "").await.len(), 2);
    assert!(
        members(&app, &org.admin, a, "")
            .await
            .iter()
            .all(|x| x.2.is_none()),
        "nothing closed"
    );
    assert_eq!(members(&app, &org.admin, b, "").await, vec![]);

    // The manager above both teams may.
    put_member(&app, &mp.token, b, sp.id, "2026-06-01")
        .await
        .expect(200);
    assert_eq!(
        members(&app, &org.admin, a, "?as_of=2026-06-01").await,
        vec![m(sp2.id, "2026-01-01", None)]
    );
    assert_eq!(
        members(&app, &org.admin, b, "").await,
        vec![m(sp.id, "2026-06-01", None)]
    );
    // So may an admin.
    put_member(&app, &org.admin, b, sp2.id, "2026-07-01")
        .await
        .expect(200);
    // And B's manager may now move sp back out of B to A? No: A is not theirs (404, cannot see it).
    put_member(&app, &mb.token, a, sp.id, "2026-08-01")
        .await
        .problem(404, "not_found");
    // A's manager can see A but sp now belongs to B, which A's manager does not manage.
    put_member(&app, &ma.token, a, sp.id, "2026-08-01")
        .await
        .problem(403, "forbidden");
    assert_eq!(
        members(&app, &org.admin, b, "?as_of=2026-08-01")
            .await
            .len(),
        2
    );
}

#[actix_web::test]
async fn ending_a_membership() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mgr = app.person(&org, "manager", None).await;
    let t = app.team(&org, "T", Some(mgr.id), None).await;
    let sp = app.person(&org, "salesperson", None).await;
    let stranger = app.person(&org, "salesperson", None).await;
    app.join(&org, t, sp.id, "2026-03-01").await;

    let v = end_member(&app, &org.admin, t, sp.id, "?to=2026-02-28")
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("to", "before_start"));
    end_member(&app, &org.admin, t, sp.id, "?to=2026-06-31")
        .await
        .problem(400, "invalid_query");
    end_member(&app, &org.admin, t, sp.id, "?to=tomorrow")
        .await
        .problem(400, "invalid_query");
    end_member(&app, &org.admin, t, stranger.id, "?to=2026-06-30")
        .await
        .problem(404, "not_found");
    end_member(&app, &org.admin, t, Uuid::now_v7(), "?to=2026-06-30")
        .await
        .problem(404, "not_found");
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(sp.id, "2026-03-01", None)]
    );

    // The team's manager ends it on the last day of June.
    let v = end_member(&app, &mgr.token, t, sp.id, "?to=2026-06-30")
        .await
        .expect(200);
    assert_eq!(
        v,
        json!({"team_id": t, "user_id": sp.id, "name": "salesperson person", "from": "2026-03-01", "to": "2026-06-30"})
    );
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(sp.id, "2026-03-01", Some("2026-06-30"))]
    );
    // Nothing open any more.
    end_member(&app, &org.admin, t, sp.id, "?to=2026-07-31")
        .await
        .problem(404, "not_found");
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-06-30")
            .await
            .len(),
        1
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-07-01")
            .await
            .len(),
        0
    );

    // Rejoining on a covered day overlaps; the day after works.
    put_member(&app, &org.admin, t, sp.id, "2026-06-30")
        .await
        .problem(409, "membership_overlap");
    put_member(&app, &org.admin, t, sp.id, "2026-07-01")
        .await
        .expect(200);
    // Ending on the first day itself: a one-day membership.
    let v = end_member(&app, &org.admin, t, sp.id, "?to=2026-07-01")
        .await
        .expect(200);
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("2026-07-01"), Some("2026-07-01"))
    );

    // Without `to`, the membership ends today (the organisation's time zone is UTC).
    let today = Utc::now().date_naive();
    let from = today - Duration::days(10);
    put_member(&app, &org.admin, t, sp.id, &from.to_string())
        .await
        .expect(200);
    let v = end_member(&app, &org.admin, t, sp.id, "").await.expect(200);
    assert_eq!(v["to"], today.to_string());
}

#[actix_web::test]
async fn members_filter_by_day_and_paginate() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let t = app.team(&org, "T", None, None).await;
    let u1 = app.person(&org, "salesperson", None).await;
    let u2 = app.person(&org, "salesperson", None).await;
    let u3 = app.person(&org, "salesperson", None).await;
    app.join(&org, t, u1.id, "2026-01-01").await;
    app.join(&org, t, u2.id, "2026-02-01").await;
    app.join(&org, t, u3.id, "2026-02-01").await;
    end_member(&app, &org.admin, t, u2.id, "?to=2026-02-28")
        .await
        .expect(200);
    // Same first day: ordered by person id.
    let (lo, hi) = if u2.id < u3.id {
        (u2.id, u3.id)
    } else {
        (u3.id, u2.id)
    };

    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2025-12-31").await,
        vec![]
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-01-15").await,
        vec![m(u1.id, "2026-01-01", None)]
    );
    let entry = |id: Uuid| {
        if id == u2.id {
            m(u2.id, "2026-02-01", Some("2026-02-28"))
        } else {
            m(u3.id, "2026-02-01", None)
        }
    };
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-02-15").await,
        vec![m(u1.id, "2026-01-01", None), entry(lo), entry(hi)]
    );
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(u1.id, "2026-01-01", None), entry(lo), entry(hi)]
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-02-28")
            .await
            .iter()
            .map(|x| x.0)
            .collect::<Vec<_>>(),
        vec![u1.id, lo, hi]
    );
    assert_eq!(
        members(&app, &org.admin, t, "?as_of=2026-03-01").await,
        vec![m(u1.id, "2026-01-01", None), m(u3.id, "2026-02-01", None)]
    );

    // One at a time: u1, then lo, then hi; the last page has no cursor.
    let mut order = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0..3 {
        let path = match &cursor {
            Some(c) => format!("/v1/teams/{t}/members?limit=1&cursor={c}"),
            None => format!("/v1/teams/{t}/members?limit=1"),
        };
        let v = app.get(&path).token(&org.admin).send().await.expect(200);
        let data = v["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "page {page}");
        order.push(uuid(&data[0]["user_id"]));
        cursor = v["next_cursor"].as_str().map(str::to_string);
        assert_eq!(cursor.is_some(), page < 2, "page {page}: {v}");
    }
    assert_eq!(order, vec![u1.id, lo, hi]);

    // Paging a day's view: on 2026-03-01, u1 then u3.
    let v = app
        .get(&format!("/v1/teams/{t}/members?as_of=2026-03-01&limit=1"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&v["data"][0]["user_id"]), u1.id);
    let c = v["next_cursor"].as_str().unwrap().to_string();
    let v = app
        .get(&format!(
            "/v1/teams/{t}/members?as_of=2026-03-01&limit=1&cursor={c}"
        ))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&v["data"][0]["user_id"]), u3.id);
    assert!(v["next_cursor"].is_null());

    app.get(&format!("/v1/teams/{t}/members?as_of=yesterday"))
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_query");
    app.get(&format!("/v1/teams/{t}/members?limit=0"))
        .token(&org.admin)
        .send()
        .await
        .expect(422);
    app.get(&format!("/v1/teams/{t}/members?cursor=zzz"))
        .token(&org.admin)
        .send()
        .await
        .problem(400, "invalid_cursor");
}

#[actix_web::test]
async fn me_shows_the_current_team_only() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let mgr = app.person(&org, "manager", None).await;
    let a = app.team(&org, "A", None, None).await;
    let b = app.team(&org, "B", Some(mgr.id), None).await;
    let c = app.team(&org, "C", None, None).await;
    let sp = app.person(&org, "salesperson", None).await;
    let today: NaiveDate = Utc::now().date_naive();
    let d = |days: i64| (today + Duration::days(days)).to_string();

    app.join(&org, a, sp.id, &d(-30)).await;
    app.join(&org, b, sp.id, &d(-5)).await;
    // A move already planned for later does not change today's team.
    app.join(&org, c, sp.id, &d(10)).await;

    let v = app.get("/v1/me").token(&sp.token).send().await.expect(200);
    assert_eq!(uuid(&v["id"]), sp.id);
    assert_eq!(v["role"], "salesperson");
    assert_eq!(
        v["teams"],
        json!([{"id": b, "name": "B", "relation": "member", "from": d(-5), "to": d(9)}])
    );
    // The manager of B sees B as managed, and no membership.
    let v = app.get("/v1/me").token(&mgr.token).send().await.expect(200);
    assert_eq!(
        v["teams"],
        json!([{"id": b, "name": "B", "relation": "manager", "from": null, "to": null}])
    );
}

// ---------------------------------------------------------------- concurrency

/// Two admins re-parent A under B and B under A at the same moment: one wins, the
/// other sees the cycle. Never a 500 (a deadlock), never a cycle.
#[actix_web::test]
async fn concurrent_reparenting_cannot_make_a_cycle_or_fail() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    for round in 0..10 {
        let a = app.team(&org, "A", None, None).await;
        let b = app.team(&org, "B", None, None).await;
        let (pa, pb) = (format!("/v1/teams/{a}"), format!("/v1/teams/{b}"));
        let (under_b, under_a) = (json!({"parent_team_id": b}), json!({"parent_team_id": a}));
        let (ra, rb) = tokio::join!(
            app.patch(&pa).token(&org.admin).json(&under_b).send(),
            app.patch(&pb).token(&org.admin).json(&under_a).send()
        );
        let statuses = (ra.status.as_u16(), rb.status.as_u16());
        assert!(
            statuses == (200, 422) || statuses == (422, 200),
            "round {round}: {statuses:?}"
        );
        let loser = if statuses.0 == 422 { &ra } else { &rb };
        assert_eq!(
            field_error(&loser.expect(422)),
            pair("parent_team_id", "team_cycle")
        );
        let parent_of = |v: Value| {
            v["parent_team_id"]
                .as_str()
                .map(|s| s.parse::<Uuid>().unwrap())
        };
        let pa_now = parent_of(app.get(&pa).token(&org.admin).send().await.expect(200));
        let pb_now = parent_of(app.get(&pb).token(&org.admin).send().await.expect(200));
        assert!(
            (pa_now, pb_now) == (Some(b), None) || (pa_now, pb_now) == (None, Some(a)),
            "round {round}: {pa_now:?} {pb_now:?}"
        );
    }
}

/// A membership changes while its team is deleted: either the change lands first
/// and goes with the team, or the team is gone (404). Never a 500.
#[actix_web::test]
async fn a_membership_change_racing_a_team_deletion_never_fails() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let sp = app.person(&org, "salesperson", None).await;
    for round in 0..10 {
        let t = app.team(&org, "T", None, None).await;
        app.join(&org, t, sp.id, "2026-03-01").await;
        let (pm, pt) = (
            format!("/v1/teams/{t}/members/{}", sp.id),
            format!("/v1/teams/{t}"),
        );
        let body = json!({"from": "2026-02-01"});
        let (put, del) = tokio::join!(
            app.put(&pm).token(&org.admin).json(&body).send(),
            app.delete(&pt).token(&org.admin).send()
        );
        let statuses = (put.status.as_u16(), del.status.as_u16());
        assert!(
            statuses == (200, 204) || statuses == (404, 204),
            "round {round}: {statuses:?}"
        );
        app.get(&pt)
            .token(&org.admin)
            .send()
            .await
            .problem(404, "not_found");
    }
    // No membership is left behind: the person is free from any day.
    let t = app.team(&org, "Last", None, None).await;
    put_member(&app, &org.admin, t, sp.id, "2026-01-01")
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_person_who_moved_on_no_longer_sees_the_old_team() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let sp = app.person(&org, "salesperson", Some("farmer")).await;
    let mate = app.person(&org, "salesperson", Some("farmer")).await;
    let old = app.team(&org, "Old", None, None).await;
    let new = app.team(&org, "New", None, None).await;
    app.join(&org, old, sp.id, "2026-01-01").await;
    app.join(&org, old, mate.id, "2026-01-01").await;
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    app.join(&org, new, sp.id, &yesterday).await;
    let v = app
        .get("/v1/teams")
        .token(&sp.token)
        .send()
        .await
        .expect(200);
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![new.to_string().as_str()]);
    app.get(&format!("/v1/teams/{old}"))
        .token(&sp.token)
        .send()
        .await
        .problem(404, "not_found");
    // The old teammate is no longer among the people they see.
    app.get(&format!("/v1/users/{}", mate.id))
        .token(&sp.token)
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn nobody_adds_themselves_to_a_team_they_manage() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let m1 = app.person(&org, "manager", None).await;
    let m2 = app.person(&org, "manager", None).await;
    let sp = app.person(&org, "salesperson", None).await;
    let admin2 = app.person(&org, "admin", None).await;
    let r = app.team(&org, "R", Some(m1.id), None).await;
    let t = app.team(&org, "T", Some(m2.id), Some(r)).await;
    let pod = app.team(&org, "Pod", None, Some(t)).await;
    let a = app.team(&org, "A", Some(admin2.id), None).await;

    // Not the team they manage, nor a team below it.
    for (token, team, user) in [
        (&m1.token, r, m1.id),
        (&m1.token, t, m1.id),
        (&m1.token, pod, m1.id),
        (&m2.token, t, m2.id),
        (&m2.token, pod, m2.id),
        (&admin2.token, a, admin2.id),
    ] {
        let v = put_member(&app, token, team, user, "2026-01-01")
            .await
            .problem(403, "own_team");
        assert!(v["detail"].as_str().unwrap().contains("manage"), "{v}");
        assert!(members(&app, &org.admin, team, "").await.is_empty());
    }
    // Someone above them, or an admin, may; and they still add others.
    put_member(&app, &m1.token, t, m2.id, "2026-01-01")
        .await
        .expect(200);
    put_member(&app, &org.admin, a, admin2.id, "2026-01-01")
        .await
        .expect(200);
    put_member(&app, &m2.token, pod, sp.id, "2026-01-01")
        .await
        .expect(200);
    assert_eq!(
        members(&app, &org.admin, t, "").await,
        vec![m(m2.id, "2026-01-01", None)]
    );
}
