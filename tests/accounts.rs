//! Accounts: customers and prospects with one owner, dated ownership, conversion
//! and CRM sync, as clients use them.

mod common;

use std::collections::BTreeSet;
use std::time::Instant;

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

/// Today in UTC (the organisation's day unless its timezone says otherwise).
fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn days_ago(n: i64) -> String {
    (today() - Duration::days(n)).to_string()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The one field error of a 422, as (field, code).
#[track_caller]
fn field_error(v: &Value) -> (String, String) {
    assert_eq!(v["code"], "validation_failed", "{v}");
    let errors = v["errors"].as_array().expect("errors[]");
    assert_eq!(errors.len(), 1, "{v}");
    for e in errors {
        assert!(e["message"].is_string(), "{v}");
    }
    (
        errors[0]["field"].as_str().unwrap().to_string(),
        errors[0]["code"].as_str().unwrap().to_string(),
    )
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_string(), code.to_string())
}

/// (field, code) of each error of a rejected batch item.
fn item_errors(item: &Value) -> Vec<(String, String)> {
    item["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {item}"))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A new integration client with these scopes: its id and a token.
async fn client(app: &TestApp, org: &Org, scopes: &[&str]) -> (Uuid, String) {
    let (id, _) = app.client(org, scopes).await;
    (id, app.sign(org.id, "client", id, Some(&scopes.join(" "))))
}

/// A token for a new integration client with these scopes.
async fn client_token(app: &TestApp, org: &Org, scopes: &[&str]) -> String {
    client(app, org, scopes).await.1
}

async fn create(app: &TestApp, token: &str, body: Value) -> Res {
    app.post("/v1/accounts")
        .token(token)
        .json(&body)
        .send()
        .await
}

/// A new account (asserted 201), owned by `owner` from `since`.
async fn account(
    app: &TestApp,
    token: &str,
    name: &str,
    kind: &str,
    owner: Uuid,
    since: &str,
) -> Uuid {
    let v = create(
        app,
        token,
        json!({"name": name, "kind": kind, "owner_id": owner, "owned_since": since}),
    )
    .await
    .expect(201);
    uuid(&v["id"])
}

async fn get(app: &TestApp, token: &str, id: Uuid) -> Res {
    app.get(&format!("/v1/accounts/{id}"))
        .token(token)
        .send()
        .await
}

async fn patch(app: &TestApp, token: &str, id: Uuid, body: Value) -> Res {
    app.patch(&format!("/v1/accounts/{id}"))
        .token(token)
        .json(&body)
        .send()
        .await
}

async fn transfer(app: &TestApp, token: &str, id: Uuid, to: Uuid, on: &str) -> Res {
    app.post(&format!("/v1/accounts/{id}/transfer"))
        .token(token)
        .json(&json!({"new_owner_id": to, "effective_on": on, "reason": "Territory realignment"}))
        .send()
        .await
}

async fn convert(app: &TestApp, token: &str, id: Uuid, body: Option<Value>) -> Res {
    let r = app.post(&format!("/v1/accounts/{id}/convert")).token(token);
    match body {
        Some(b) => r.json(&b).send().await,
        None => r.send().await,
    }
}

async fn sync(app: &TestApp, token: &str, source: &str, ext: &str, body: Value) -> Res {
    app.put(&format!("/v1/accounts/external/{source}/{ext}"))
        .token(token)
        .json(&body)
        .send()
        .await
}

async fn batch(app: &TestApp, token: &str, items: &[Value]) -> Res {
    app.post("/v1/accounts/batch")
        .token(token)
        .json(&json!({ "items": items }))
        .send()
        .await
}

type Period = (Uuid, String, Option<String>);

fn period(owner: Uuid, from: &str, to: Option<&str>) -> Period {
    (owner, from.to_string(), to.map(str::to_string))
}

/// The ownership history as (owner, from, to), oldest first.
async fn owners(app: &TestApp, token: &str, id: Uuid) -> Vec<Period> {
    let v = app
        .get(&format!("/v1/accounts/{id}/owners"))
        .token(token)
        .send()
        .await
        .expect(200);
    assert!(v["next_cursor"].is_null(), "{v}");
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                uuid(&o["owner_id"]),
                o["from"].as_str().unwrap().to_string(),
                o["to"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Every account the token lists with `query`, following cursors with pages of
/// `limit`; also returns the number of pages.
async fn pages(app: &TestApp, token: &str, query: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut n = 0;
    loop {
        let mut url = format!("/v1/accounts?limit={limit}{query}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let v = app.get(&url).token(token).send().await.expect(200);
        n += 1;
        let data = v["data"].as_array().unwrap();
        assert!(data.len() <= limit, "{url}: {} rows", data.len());
        out.extend(data.iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(data.len(), limit, "a full page before a cursor");
                cursor = Some(c.to_string());
            }
            None => break,
        }
        assert!(n < 100, "runaway pagination");
    }
    (out, n)
}

/// The ids of every account the token lists with `query`.
async fn listed(app: &TestApp, token: &str, query: &str) -> BTreeSet<Uuid> {
    let (rows, _) = pages(app, token, query, 200).await;
    let ids: Vec<Uuid> = rows.iter().map(|a| uuid(&a["id"])).collect();
    let unique = set(&ids);
    assert_eq!(unique.len(), ids.len(), "no account twice");
    unique
}

#[path = "accounts/conversion.rs"]
mod conversion;
#[path = "accounts/segregation.rs"]
mod segregation;

// ---------------------------------------------------------------- create, read, update

#[actix_web::test]
async fn accounts_are_created_read_and_updated() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;

    // An admin names the owner and the first day of ownership.
    let r = create(
        &app,
        &org.admin,
        json!({
            "name": "  Contoso Ltd  ", "kind": "customer", "owner_id": farmer.id,
            "segment": " Retail ", "external_source": "hubspot", "external_id": "c-1",
            "owned_since": "2026-01-01"
        }),
    )
    .await;
    let v = r.expect(201);
    let id = uuid(&v["id"]);
    assert_eq!(id.get_version_num(), 7, "ids are UUID v7");
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/v1/accounts/{id}").as_str())
    );
    assert_eq!(v["name"], "Contoso Ltd", "trimmed");
    assert_eq!(v["kind"], "customer");
    assert_eq!(v["status"], "active", "a customer starts active");
    assert_eq!(uuid(&v["owner_id"]), farmer.id);
    assert_eq!(v["segment"], "Retail");
    assert_eq!(v["external_source"], "hubspot");
    assert_eq!(v["external_id"], "c-1");
    assert!(v["converted_on"].is_null() && v["won_by"].is_null());
    assert_eq!(v["version"], 1);
    assert!(v["created_at"].is_string() && v["updated_at"].is_string());
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(farmer.id, "2026-01-01", None)]
    );

    // A salesperson creates a prospect for themselves without naming the owner.
    let v = create(
        &app,
        &hunter.token,
        json!({"name": "Fabrikam", "kind": "prospect"}),
    )
    .await
    .expect(201);
    let prospect = uuid(&v["id"]);
    assert_eq!(uuid(&v["owner_id"]), hunter.id);
    assert_eq!(v["status"], "open", "a prospect starts open");
    assert!(v["external_source"].is_null() && v["segment"].is_null());
    // ... owned from today by default, recorded as created by them.
    let h = app
        .get(&format!("/v1/accounts/{prospect}/owners"))
        .token(&hunter.token)
        .send()
        .await
        .expect(200);
    assert_eq!(h["data"].as_array().unwrap().len(), 1);
    assert_eq!(uuid(&h["data"][0]["owner_id"]), hunter.id);
    assert_eq!(h["data"][0]["owner_name"], "salesperson person");
    assert_eq!(h["data"][0]["from"], today().to_string());
    assert!(h["data"][0]["to"].is_null());
    assert_eq!(h["data"][0]["reason"], "created");
    assert_eq!(uuid(&h["data"][0]["recorded_by"]), hunter.id);
    // ... and naming themselves is fine too.
    let v = create(
        &app,
        &hunter.token,
        json!({"name": "Northwind", "kind": "prospect", "status": "lost", "owner_id": hunter.id}),
    )
    .await
    .expect(201);
    assert_eq!(v["status"], "lost");

    // Read back.
    let r = get(&app, &farmer.token, id).await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(v["name"], "Contoso Ltd");
    assert_eq!(uuid(&v["owner_id"]), farmer.id);

    // The owner updates name, status and segment; the version moves on.
    let r = patch(
        &app,
        &farmer.token,
        id,
        json!({"name": "Contoso Group", "status": "dormant", "segment": "Wholesale"}),
    )
    .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(v["name"], "Contoso Group");
    assert_eq!(v["status"], "dormant");
    assert_eq!(v["segment"], "Wholesale");
    assert_eq!(v["kind"], "customer");
    assert_eq!(uuid(&v["owner_id"]), farmer.id);
    assert_eq!(v["version"], 2);

    // A stale If-Match is 412 and changes nothing; the current one works.
    app.patch(&format!("/v1/accounts/{id}"))
        .token(&farmer.token)
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Stale"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    let v = app
        .patch(&format!("/v1/accounts/{id}"))
        .token(&farmer.token)
        .header("if-match", "\"2\"")
        .json(&json!({"segment": null, "status": "active"}))
        .send()
        .await
        .expect(200);
    assert!(v["segment"].is_null(), "null clears the segment");
    assert_eq!(v["status"], "active");
    assert_eq!(v["name"], "Contoso Group");
    assert_eq!(v["version"], 3);

    // An empty patch changes nothing.
    let v = patch(&app, &farmer.token, id, json!({})).await.expect(200);
    assert_eq!(v["version"], 3);

    // A prospect moves between open and lost.
    let v = patch(&app, &hunter.token, prospect, json!({"status": "lost"}))
        .await
        .expect(200);
    assert_eq!(v["status"], "lost");
    assert_eq!(v["kind"], "prospect");

    // Ownership never changed through any of this.
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(farmer.id, "2026-01-01", None)]
    );
}

#[actix_web::test]
async fn invalid_accounts_are_refused_with_422() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    let gone = app.person(&org, "salesperson", Some("hunter")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let foreign = app.person(&other, "salesperson", Some("farmer")).await;

    let ok = json!({"name": "Contoso", "kind": "customer", "owner_id": farmer.id});
    let with = |changes: Value| {
        let mut b = ok.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases: Vec<(Value, (String, String))> = vec![
        (with(json!({"name": ""})), pair("name", "required")),
        (with(json!({"name": "   "})), pair("name", "required")),
        (with(json!({"name": null})), pair("name", "required")),
        (
            with(json!({"name": "x".repeat(201)})),
            pair("name", "too_long"),
        ),
        (
            with(json!({"kind": "partner"})),
            pair("kind", "invalid_choice"),
        ),
        (with(json!({"kind": null})), pair("kind", "required")),
        (
            with(json!({"status": "sleeping"})),
            pair("status", "invalid_choice"),
        ),
        (
            with(json!({"status": "open"})),
            pair("status", "invalid_for_kind"),
        ),
        (
            with(json!({"kind": "prospect", "status": "dormant"})),
            pair("status", "invalid_for_kind"),
        ),
        (
            with(json!({"kind": "prospect", "status": "won"})),
            pair("status", "use_convert"),
        ),
        (
            with(json!({"owner_id": null})),
            pair("owner_id", "required"),
        ),
        (
            with(json!({"owner_id": manager.id})),
            pair("owner_id", "invalid_owner"),
        ),
        (
            with(json!({"owner_id": viewer.id})),
            pair("owner_id", "invalid_owner"),
        ),
        (
            with(json!({"owner_id": org.admin_id})),
            pair("owner_id", "invalid_owner"),
        ),
        (
            with(json!({"owner_id": gone.id})),
            pair("owner_id", "owner_inactive"),
        ),
        (
            with(json!({"owner_id": foreign.id})),
            pair("owner_id", "not_found"),
        ),
        (
            with(json!({"owner_id": Uuid::now_v7()})),
            pair("owner_id", "not_found"),
        ),
        (
            with(json!({"owner_id": "not-a-uuid"})),
            pair("owner_id", "invalid_value"),
        ),
        (
            with(json!({"owned_since": (today() + Duration::days(1)).to_string()})),
            pair("owned_since", "in_future"),
        ),
        (
            with(json!({"external_source": "hubspot"})),
            pair("external_id", "incomplete"),
        ),
        (
            with(json!({"external_id": "42"})),
            pair("external_id", "incomplete"),
        ),
        (
            with(json!({"segment": "x".repeat(101)})),
            pair("segment", "too_long"),
        ),
        (
            with(json!({"org_id": other.id})),
            pair("org_id", "unknown_field"),
        ),
        (
            with(json!({"version": 3})),
            pair("version", "unknown_field"),
        ),
    ];
    for (body, expected) in cases {
        let v = create(&app, &org.admin, body.clone()).await.expect(422);
        assert_eq!(field_error(&v), expected, "{body}");
    }
    // Several problems are all reported.
    let v = create(
        &app,
        &org.admin,
        json!({"name": " ", "kind": "customer", "status": "lost", "owner_id": gone.id}),
    )
    .await
    .expect(422);
    let mut got: Vec<(String, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            pair("name", "required"),
            pair("owner_id", "owner_inactive"),
            pair("status", "invalid_for_kind"),
        ]
    );
    // Malformed JSON and a wrong content type.
    app.post("/v1/accounts")
        .token(&org.admin)
        .body("application/json", "{\"name\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/accounts")
        .token(&org.admin)
        .body("text/plain", "name=x")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.post("/v1/accounts")
        .json(&ok)
        .send()
        .await
        .problem(401, "missing_token");

    // The external id is unique within the organisation.
    let first = create(
        &app,
        &org.admin,
        with(json!({"external_source": "hubspot", "external_id": "42"})),
    )
    .await
    .expect(201);
    create(
        &app,
        &org.admin,
        with(json!({"name": "Copy", "external_source": "hubspot", "external_id": "42"})),
    )
    .await
    .problem(409, "external_id_taken");
    let second = account(
        &app,
        &org.admin,
        "Second",
        "customer",
        farmer.id,
        "2026-01-01",
    )
    .await;
    patch(
        &app,
        &org.admin,
        second,
        json!({"external_source": "hubspot", "external_id": "42"}),
    )
    .await
    .problem(409, "external_id_taken");

    // Only the two valid accounts exist.
    assert_eq!(
        listed(&app, &org.admin, "").await,
        set(&[uuid(&first["id"]), second])
    );

    // Invalid changes.
    let prospect = account(&app, &org.admin, "P", "prospect", farmer.id, "2026-01-01").await;
    let cases: Vec<(Uuid, Value, (String, String))> = vec![
        (second, json!({"name": ""}), pair("name", "required")),
        (
            second,
            json!({"status": "open"}),
            pair("status", "invalid_for_kind"),
        ),
        (
            second,
            json!({"status": "lost"}),
            pair("status", "invalid_for_kind"),
        ),
        (
            second,
            json!({"status": "bogus"}),
            pair("status", "invalid_choice"),
        ),
        (
            prospect,
            json!({"status": "won"}),
            pair("status", "use_convert"),
        ),
        (
            prospect,
            json!({"status": "active"}),
            pair("status", "invalid_for_kind"),
        ),
        (
            second,
            json!({"segment": "x".repeat(101)}),
            pair("segment", "too_long"),
        ),
        (
            second,
            json!({"external_id": "1"}),
            pair("external_id", "incomplete"),
        ),
        (
            prospect,
            json!({"kind": "customer"}),
            pair("kind", "unknown_field"),
        ),
        (
            second,
            json!({"owner_id": farmer.id}),
            pair("owner_id", "unknown_field"),
        ),
    ];
    for (id, body, expected) in cases {
        let v = patch(&app, &org.admin, id, body.clone()).await.expect(422);
        assert_eq!(field_error(&v), expected, "{body}");
    }
    let v = get(&app, &org.admin, second).await.expect(200);
    assert_eq!(v["version"], 1, "nothing changed: {v}");
    assert_eq!(v["status"], "active");
    let v = get(&app, &org.admin, prospect).await.expect(200);
    assert_eq!(
        (v["kind"].as_str(), v["status"].as_str()),
        (Some("prospect"), Some("open"))
    );
    assert_eq!(v["version"], 1);
}

// ---------------------------------------------------------------- visibility

/// Region (rm)                 <- s_region
/// ├── North (nm)              <- s_north
/// │   └── North East (none)   <- s_ne
/// └── South (sm)              <- s_south
struct Sales {
    org: Org,
    rm: Person,
    nm: Person,
    sm: Person,
    s_region: Person,
    s_north: Person,
    s_ne: Person,
    s_south: Person,
    region: Uuid,
    north: Uuid,
    south: Uuid,
    /// One customer for each salesperson, in the order above.
    a_region: Uuid,
    a_north: Uuid,
    a_ne: Uuid,
    a_south: Uuid,
}

async fn sales_org(app: &TestApp) -> Sales {
    let org = app.org("Acme").await;
    let rm = app.person(&org, "manager", None).await;
    let nm = app.person(&org, "manager", None).await;
    let sm = app.person(&org, "manager", None).await;
    let s_region = app.person(&org, "salesperson", Some("hunter")).await;
    let s_north = app.person(&org, "salesperson", Some("farmer")).await;
    let s_ne = app.person(&org, "salesperson", Some("farmer")).await;
    let s_south = app.person(&org, "salesperson", Some("hybrid")).await;
    let region = app.team(&org, "Region", Some(rm.id), None).await;
    let north = app.team(&org, "North", Some(nm.id), Some(region)).await;
    let ne = app.team(&org, "North East", None, Some(north)).await;
    let south = app.team(&org, "South", Some(sm.id), Some(region)).await;
    app.join(&org, region, s_region.id, "2026-01-01").await;
    app.join(&org, north, s_north.id, "2026-01-01").await;
    app.join(&org, ne, s_ne.id, "2026-01-01").await;
    app.join(&org, south, s_south.id, "2026-01-01").await;
    let a_region = account(app, &org.admin, "R", "prospect", s_region.id, "2026-01-01").await;
    let a_north = account(app, &org.admin, "N", "customer", s_north.id, "2026-01-01").await;
    let a_ne = account(app, &org.admin, "NE", "customer", s_ne.id, "2026-01-01").await;
    let a_south = account(app, &org.admin, "S", "customer", s_south.id, "2026-01-01").await;
    Sales {
        org,
        rm,
        nm,
        sm,
        s_region,
        s_north,
        s_ne,
        s_south,
        region,
        north,
        south,
        a_region,
        a_north,
        a_ne,
        a_south,
    }
}

/// Asserts that `token` sees exactly `visible` among `all`: listed, readable, with
/// readable owners; every other one is 404 for each endpoint.
async fn sees(app: &TestApp, token: &str, all: &[Uuid], visible: &[Uuid]) {
    assert_eq!(listed(app, token, "").await, set(visible));
    for &id in all {
        if visible.contains(&id) {
            get(app, token, id).await.expect(200);
            assert_eq!(owners(app, token, id).await.len(), 1);
        } else {
            get(app, token, id).await.problem(404, "not_found");
            app.get(&format!("/v1/accounts/{id}/owners"))
                .token(token)
                .send()
                .await
                .problem(404, "not_found");
        }
    }
}

#[actix_web::test]
async fn salespeople_see_and_change_only_their_own_accounts() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let all = [s.a_region, s.a_north, s.a_ne, s.a_south];
    // A teammate of s_north.
    let mate = app.person(&s.org, "salesperson", Some("hunter")).await;
    app.join(&s.org, s.north, mate.id, "2026-01-01").await;
    let mine = account(
        &app,
        &s.org.admin,
        "Mine",
        "prospect",
        mate.id,
        "2026-01-01",
    )
    .await;
    let all_with_mine = [s.a_region, s.a_north, s.a_ne, s.a_south, mine];

    sees(&app, &s.s_north.token, &all_with_mine, &[s.a_north]).await;
    sees(&app, &mate.token, &all_with_mine, &[mine]).await;
    sees(&app, &s.s_south.token, &all, &[s.a_south]).await;
    // A filter on someone else's id finds nothing.
    assert!(
        listed(&app, &mate.token, &format!("&owner_id={}", s.s_north.id))
            .await
            .is_empty()
    );

    // Another salesperson's account, even a teammate's, is 404 for every write.
    let t = &mate.token;
    patch(&app, t, s.a_north, json!({"name": "Mine now"}))
        .await
        .problem(404, "not_found");
    transfer(&app, t, s.a_north, mate.id, &days_ago(1))
        .await
        .problem(404, "not_found");
    convert(&app, t, s.a_region, None)
        .await
        .problem(404, "not_found");
    // A salesperson creates accounts only for themselves.
    create(
        &app,
        t,
        json!({"name": "For you", "kind": "prospect", "owner_id": s.s_north.id}),
    )
    .await
    .problem(403, "forbidden");

    // Their own: they may change it, but never its owner.
    patch(&app, t, mine, json!({"name": "Mine renamed"}))
        .await
        .expect(200);
    let v = patch(&app, t, mine, json!({"owner_id": s.s_north.id}))
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "unknown_field"));
    transfer(&app, t, mine, s.s_north.id, &days_ago(1))
        .await
        .problem(403, "forbidden");
    convert(
        &app,
        t,
        mine,
        Some(json!({"new_owner_id": s.s_north.id, "converted_on": days_ago(1)})),
    )
    .await
    .problem(403, "forbidden");
    // Nor through CRM sync, which is for admins and integration clients.
    sync(
        &app,
        t,
        "hubspot",
        "1",
        json!({"name": "Mine", "kind": "prospect", "owner_id": mate.id}),
    )
    .await
    .problem(403, "integration_only");
    batch(
        &app,
        t,
        &[json!({"external_source": "hubspot", "external_id": "1", "name": "Mine", "kind": "prospect", "owner_id": mate.id})],
    )
    .await
    .problem(403, "integration_only");

    let v = get(&app, &s.org.admin, mine).await.expect(200);
    assert_eq!(uuid(&v["owner_id"]), mate.id);
    assert_eq!(v["name"], "Mine renamed");
    assert_eq!(v["kind"], "prospect");
    assert_eq!(
        owners(&app, &s.org.admin, mine).await,
        vec![period(mate.id, "2026-01-01", None)]
    );
    let v = get(&app, &s.org.admin, s.a_north).await.expect(200);
    assert_eq!(v["name"], "N");
    assert_eq!(v["version"], 1);
    assert_eq!(
        listed(&app, &s.org.admin, "").await.len(),
        5,
        "nothing created"
    );
}

#[actix_web::test]
async fn managers_see_the_accounts_of_their_teams_and_sub_teams() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let all = [s.a_region, s.a_north, s.a_ne, s.a_south];

    sees(&app, &s.rm.token, &all, &all).await;
    sees(&app, &s.nm.token, &all, &[s.a_north, s.a_ne]).await;
    sees(&app, &s.sm.token, &all, &[s.a_south]).await;

    // Another team's account is 404 for every write.
    let t = &s.sm.token;
    patch(&app, t, s.a_north, json!({"name": "x"}))
        .await
        .problem(404, "not_found");
    transfer(&app, t, s.a_north, s.s_south.id, &days_ago(1))
        .await
        .problem(404, "not_found");
    convert(&app, t, s.a_region, None)
        .await
        .problem(404, "not_found");

    // A manager edits their people's accounts...
    let v = patch(&app, &s.nm.token, s.a_ne, json!({"segment": "Retail"}))
        .await
        .expect(200);
    assert_eq!(v["segment"], "Retail");
    // ... and creates accounts for them, but not for anyone else.
    let v = create(
        &app,
        &s.nm.token,
        json!({"name": "New NE", "kind": "customer", "owner_id": s.s_ne.id}),
    )
    .await
    .expect(201);
    let new_ne = uuid(&v["id"]);
    let v = create(
        &app,
        &s.nm.token,
        json!({"name": "New S", "kind": "customer", "owner_id": s.s_south.id}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "invalid_owner"));
    let v = create(
        &app,
        &s.nm.token,
        json!({"name": "Own", "kind": "customer"}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "required"));

    // Filters apply within what the manager sees.
    assert_eq!(
        listed(&app, &s.nm.token, &format!("&owner_id={}", s.s_ne.id)).await,
        set(&[s.a_ne, new_ne])
    );
    assert!(
        listed(&app, &s.nm.token, &format!("&owner_id={}", s.s_south.id))
            .await
            .is_empty()
    );
    assert_eq!(
        listed(&app, &s.rm.token, "&kind=prospect").await,
        set(&[s.a_region])
    );
}

/// A manager sees the accounts of the people *in* the teams they manage today: not
/// those of a team they merely belong to, and not those of someone who moved away.
#[actix_web::test]
async fn managers_see_only_todays_people_of_the_teams_they_manage() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let all = [s.a_region, s.a_north, s.a_ne, s.a_south];

    // The North manager belongs to the Region team (which the Region manager
    // manages): that shows them neither its salesperson's accounts nor the right to
    // transfer between its people.
    app.join(&s.org, s.region, s.nm.id, "2026-01-01").await;
    sees(&app, &s.nm.token, &all, &[s.a_north, s.a_ne]).await;
    patch(&app, &s.nm.token, s.a_region, json!({"name": "x"}))
        .await
        .problem(404, "not_found");

    // A salesperson moves from North to South: from then on their accounts are the
    // South manager's to see, no longer the North manager's.
    let mover = app.person(&s.org, "salesperson", Some("farmer")).await;
    app.join(&s.org, s.north, mover.id, "2026-01-01").await;
    let a = account(
        &app,
        &s.org.admin,
        "Moving",
        "customer",
        mover.id,
        "2026-01-01",
    )
    .await;
    assert!(listed(&app, &s.nm.token, "").await.contains(&a));
    app.join(&s.org, s.south, mover.id, &days_ago(10)).await;
    assert!(!listed(&app, &s.nm.token, "").await.contains(&a));
    get(&app, &s.nm.token, a).await.problem(404, "not_found");
    transfer(&app, &s.nm.token, a, s.s_north.id, &days_ago(1))
        .await
        .problem(404, "not_found");
    assert!(listed(&app, &s.sm.token, "").await.contains(&a));
    get(&app, &s.sm.token, a).await.expect(200);
    // The Region manager still sees them: South is below Region.
    get(&app, &s.rm.token, a).await.expect(200);
}

#[actix_web::test]
async fn admins_viewers_and_clients_see_every_account() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let all = [s.a_region, s.a_north, s.a_ne, s.a_south];
    let viewer = app.person(&s.org, "viewer", None).await;
    let reader = client_token(&app, &s.org, &["read"]).await;
    let writer = client_token(&app, &s.org, &["accounts:write"]).await;
    let sales_client = client_token(&app, &s.org, &["sales:write"]).await;

    sees(&app, &s.org.admin, &all, &all).await;
    sees(&app, &viewer.token, &all, &all).await;
    sees(&app, &reader, &all, &all).await;
    sees(&app, &writer, &all, &all).await;

    // A client with neither `read` nor `accounts:write` reads nothing.
    app.get("/v1/accounts")
        .token(&sales_client)
        .send()
        .await
        .problem(403, "forbidden");
    get(&app, &sales_client, s.a_north)
        .await
        .problem(403, "forbidden");

    // Viewers and read-only clients change nothing.
    let body = json!({"name": "X", "kind": "customer", "owner_id": s.s_north.id});
    let sync_body = json!({"name": "X", "kind": "customer", "owner_id": s.s_north.id});
    let item = json!({"external_source": "crm", "external_id": "1", "name": "X", "kind": "customer", "owner_id": s.s_north.id});
    for token in [&viewer.token, &reader, &sales_client] {
        create(&app, token, body.clone())
            .await
            .problem(403, "forbidden");
        patch(&app, token, s.a_north, json!({"name": "Y"}))
            .await
            .problem(403, "forbidden");
        transfer(&app, token, s.a_north, s.s_ne.id, &days_ago(1))
            .await
            .problem(403, "forbidden");
        convert(&app, token, s.a_region, None)
            .await
            .problem(403, "forbidden");
        sync(&app, token, "crm", "1", sync_body.clone())
            .await
            .problem(403, "forbidden");
        batch(&app, token, std::slice::from_ref(&item))
            .await
            .problem(403, "forbidden");
    }
    // Managers do not sync either (only admins and accounts:write clients).
    sync(&app, &s.rm.token, "crm", "1", sync_body.clone())
        .await
        .problem(403, "integration_only");
    batch(&app, &s.rm.token, std::slice::from_ref(&item))
        .await
        .problem(403, "integration_only");
    assert_eq!(listed(&app, &s.org.admin, "").await, set(&all));

    // A client with accounts:write creates for anyone, naming the owner; the
    // history records the client as the one who did.
    let (writer_id, writer) = client(&app, &s.org, &["accounts:write"]).await;
    let v = create(&app, &writer, body.clone()).await.expect(201);
    assert_eq!(uuid(&v["owner_id"]), s.s_north.id);
    let h = app
        .get(&format!("/v1/accounts/{}/owners", uuid(&v["id"])))
        .token(&writer)
        .send()
        .await
        .expect(200);
    assert_eq!(uuid(&h["data"][0]["recorded_by"]), writer_id);
    let v = create(&app, &writer, json!({"name": "X", "kind": "customer"}))
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "required"));
}

#[actix_web::test]
async fn another_organisations_accounts_are_404_everywhere() {
    let app = TestApp::new().await;
    let ours = app.org("Ours").await;
    let theirs = app.org("Theirs").await;
    let our_farmer = app.person(&ours, "salesperson", Some("farmer")).await;
    let their_farmer = app.person(&theirs, "salesperson", Some("farmer")).await;
    let their_hunter = app.person(&theirs, "salesperson", Some("hunter")).await;
    let theirs_c = account(
        &app,
        &theirs.admin,
        "Theirs",
        "customer",
        their_farmer.id,
        "2026-01-01",
    )
    .await;
    let theirs_p = account(
        &app,
        &theirs.admin,
        "Theirs P",
        "prospect",
        their_hunter.id,
        "2026-01-01",
    )
    .await;
    let ours_c = account(
        &app,
        &ours.admin,
        "Ours",
        "customer",
        our_farmer.id,
        "2026-01-01",
    )
    .await;
    let writer = client_token(&app, &ours, &["accounts:write", "read"]).await;
    let viewer = app.person(&ours, "viewer", None).await;

    for token in [&ours.admin, &writer, &viewer.token, &our_farmer.token] {
        get(&app, token, theirs_c).await.problem(404, "not_found");
        app.get(&format!("/v1/accounts/{theirs_c}/owners"))
            .token(token)
            .send()
            .await
            .problem(404, "not_found");
        assert_eq!(
            listed(&app, token, &format!("&owner_id={}", their_farmer.id)).await,
            BTreeSet::new()
        );
        assert!(!listed(&app, token, "").await.contains(&theirs_c));
    }
    for token in [&ours.admin, &writer, &our_farmer.token] {
        patch(&app, token, theirs_c, json!({"name": "Mine"}))
            .await
            .problem(404, "not_found");
        convert(&app, token, theirs_p, None)
            .await
            .problem(404, "not_found");
    }
    for token in [&ours.admin, &writer] {
        transfer(&app, token, theirs_c, our_farmer.id, &days_ago(1))
            .await
            .problem(404, "not_found");
        transfer(&app, token, theirs_c, their_hunter.id, &days_ago(1))
            .await
            .problem(404, "not_found");
    }
    // Their people are no one here: not an owner, not a transfer target.
    let v = create(
        &app,
        &ours.admin,
        json!({"name": "X", "kind": "customer", "owner_id": their_farmer.id}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "not_found"));
    let v = transfer(&app, &ours.admin, ours_c, their_farmer.id, &days_ago(1))
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("new_owner_id", "not_found"));
    let v = sync(
        &app,
        &writer,
        "crm",
        "1",
        json!({"name": "X", "kind": "customer", "owner_email": their_farmer.email}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_email", "not_found"));

    // Their accounts are untouched.
    let v = get(&app, &theirs.admin, theirs_c).await.expect(200);
    assert_eq!(v["name"], "Theirs");
    assert_eq!(v["version"], 1);
    let v = get(&app, &theirs.admin, theirs_p).await.expect(200);
    assert_eq!(v["kind"], "prospect");
    assert_eq!(
        owners(&app, &theirs.admin, theirs_c).await,
        vec![period(their_farmer.id, "2026-01-01", None)]
    );
    assert_eq!(listed(&app, &ours.admin, "").await, set(&[ours_c]));
}

// ---------------------------------------------------------------- list

#[actix_web::test]
async fn lists_filter_and_paginate() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("hunter")).await;
    let contoso = account(
        &app,
        &org.admin,
        "Contoso Ltd",
        "customer",
        a.id,
        "2026-01-01",
    )
    .await;
    let dormant = account(
        &app,
        &org.admin,
        "Old CONTOSO branch",
        "customer",
        a.id,
        "2026-01-01",
    )
    .await;
    patch(&app, &org.admin, dormant, json!({"status": "dormant"}))
        .await
        .expect(200);
    let fabrikam = account(&app, &org.admin, "Fabrikam", "prospect", b.id, "2026-01-01").await;
    let lost = account(
        &app,
        &org.admin,
        "Northwind 100% Traders",
        "prospect",
        b.id,
        "2026-01-01",
    )
    .await;
    patch(&app, &org.admin, lost, json!({"status": "lost"}))
        .await
        .expect(200);
    let b_customer = account(
        &app,
        &org.admin,
        "Tailspin_Toys",
        "customer",
        b.id,
        "2026-01-01",
    )
    .await;
    let every = set(&[contoso, dormant, fabrikam, lost, b_customer]);

    let t = &org.admin;
    assert_eq!(listed(&app, t, "").await, every);
    assert_eq!(
        listed(&app, t, &format!("&owner_id={}", a.id)).await,
        set(&[contoso, dormant])
    );
    assert_eq!(
        listed(&app, t, &format!("&owner_id={}", b.id)).await,
        set(&[fabrikam, lost, b_customer])
    );
    assert_eq!(
        listed(&app, t, "&kind=customer").await,
        set(&[contoso, dormant, b_customer])
    );
    assert_eq!(
        listed(&app, t, "&kind=prospect").await,
        set(&[fabrikam, lost])
    );
    assert_eq!(
        listed(&app, t, "&status=active").await,
        set(&[contoso, b_customer])
    );
    assert_eq!(listed(&app, t, "&status=dormant").await, set(&[dormant]));
    assert_eq!(listed(&app, t, "&status=open").await, set(&[fabrikam]));
    assert_eq!(listed(&app, t, "&status=lost").await, set(&[lost]));
    assert!(listed(&app, t, "&status=won").await.is_empty());
    // Name search: part of the name, case-insensitive; % and _ are literal.
    assert_eq!(
        listed(&app, t, "&q=contoso").await,
        set(&[contoso, dormant])
    );
    assert_eq!(listed(&app, t, "&q=%20BRANCH%20").await, set(&[dormant]));
    assert_eq!(listed(&app, t, "&q=100%25").await, set(&[lost]));
    assert!(listed(&app, t, "&q=%25%25").await.is_empty());
    assert!(
        listed(&app, t, "&q=o_d").await.is_empty(),
        "_ is no wildcard"
    );
    assert_eq!(listed(&app, t, "&q=spin_toys").await, set(&[b_customer]));
    assert!(listed(&app, t, "&q=%5C").await.is_empty());
    assert_eq!(
        listed(&app, t, "&q=").await,
        every,
        "an empty search is none"
    );
    // Combined.
    assert_eq!(
        listed(&app, t, &format!("&owner_id={}&kind=customer", b.id)).await,
        set(&[b_customer])
    );
    assert_eq!(
        listed(
            &app,
            t,
            &format!("&owner_id={}&kind=customer&status=dormant&q=old", a.id)
        )
        .await,
        set(&[dormant])
    );
    assert!(
        listed(&app, t, &format!("&owner_id={}&kind=prospect", a.id))
            .await
            .is_empty()
    );
    assert!(listed(&app, t, &format!("&owner_id={}", Uuid::now_v7()))
        .await
        .is_empty());

    // Pages of two: three pages, in creation order, each account once.
    let (rows, n) = pages(&app, t, "", 2).await;
    assert_eq!(n, 3);
    let ids: Vec<Uuid> = rows.iter().map(|r| uuid(&r["id"])).collect();
    assert_eq!(ids, vec![contoso, dormant, fabrikam, lost, b_customer]);
    // Pages keep the filter.
    let (rows, n) = pages(&app, t, "&kind=customer", 2).await;
    assert_eq!(n, 2);
    let ids: Vec<Uuid> = rows.iter().map(|r| uuid(&r["id"])).collect();
    assert_eq!(ids, vec![contoso, dormant, b_customer]);
    // Exactly one full page has no cursor.
    let v = app
        .get("/v1/accounts?limit=5")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(v["data"].as_array().unwrap().len(), 5);
    assert!(v["next_cursor"].is_null());
    // The default page holds them all; the list items are whole accounts.
    let v = app.get("/v1/accounts").token(t).send().await.expect(200);
    assert_eq!(v["data"].as_array().unwrap().len(), 5);
    let first = &v["data"][0];
    assert_eq!(first["name"], "Contoso Ltd");
    assert_eq!(first["kind"], "customer");
    assert_eq!(first["status"], "active");
    assert_eq!(uuid(&first["owner_id"]), a.id);
    assert_eq!(first["version"], 1);

    // Bad parameters.
    for q in ["limit=0", "limit=201", "limit=-1"] {
        let v = app
            .get(&format!("/v1/accounts?{q}"))
            .token(t)
            .send()
            .await
            .expect(422);
        assert_eq!(field_error(&v), pair("limit", "out_of_range"), "{q}");
    }
    app.get("/v1/accounts?cursor=nonsense")
        .token(t)
        .send()
        .await
        .problem(400, "invalid_cursor");
    for q in [
        "kind=partner",
        "status=won_ish",
        "owner_id=42",
        "limit=many",
    ] {
        app.get(&format!("/v1/accounts?{q}"))
            .token(t)
            .send()
            .await
            .problem(400, "invalid_query");
    }
    app.get("/v1/accounts?q=a%00b")
        .token(t)
        .send()
        .await
        .expect(422);
}

// ---------------------------------------------------------------- transfers

#[actix_web::test]
async fn transfers_are_dated_and_the_history_lists_every_owner() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("farmer")).await;
    let c = app.person(&org, "salesperson", Some("hybrid")).await;
    let id = account(&app, &org.admin, "Contoso", "customer", a.id, "2026-01-01").await;

    let r = transfer(&app, &org.admin, id, b.id, "2026-10-01").await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(uuid(&v["owner_id"]), b.id);
    assert_eq!(v["version"], 2);
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![
            period(a.id, "2026-01-01", Some("2026-09-30")),
            period(b.id, "2026-10-01", None),
        ]
    );
    // The new owner now sees it; the old one no longer does.
    get(&app, &b.token, id).await.expect(200);
    get(&app, &a.token, id).await.problem(404, "not_found");
    assert!(listed(&app, &a.token, "").await.is_empty());
    assert_eq!(listed(&app, &b.token, "").await, set(&[id]));

    // A second transfer, effective today: B's period ends yesterday.
    let v = transfer(&app, &org.admin, id, c.id, &today().to_string())
        .await
        .expect(200);
    assert_eq!(uuid(&v["owner_id"]), c.id);
    assert_eq!(v["version"], 3);
    let yesterday = days_ago(1);
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![
            period(a.id, "2026-01-01", Some("2026-09-30")),
            period(b.id, "2026-10-01", Some(&yesterday)),
            period(c.id, &today().to_string(), None),
        ]
    );
    // The history carries names, reasons and who recorded each change.
    let h = app
        .get(&format!("/v1/accounts/{id}/owners"))
        .token(&c.token)
        .send()
        .await
        .expect(200);
    let data = h["data"].as_array().unwrap();
    assert_eq!(data[0]["reason"], "created");
    assert_eq!(data[1]["reason"], "Territory realignment");
    assert_eq!(data[2]["reason"], "Territory realignment");
    for p in data {
        assert_eq!(uuid(&p["recorded_by"]), org.admin_id);
        assert_eq!(p["owner_name"], "salesperson person");
        assert!(p["recorded_at"].is_string());
    }
    // The old owners no longer see it.
    get(&app, &b.token, id).await.problem(404, "not_found");
    app.get(&format!("/v1/accounts/{id}/owners"))
        .token(&b.token)
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn invalid_transfers_are_refused_with_422() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("farmer")).await;
    let c = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let viewer = app.person(&org, "viewer", None).await;
    let gone = app.person(&org, "salesperson", Some("farmer")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let id = account(&app, &org.admin, "Contoso", "customer", a.id, "2026-01-01").await;
    transfer(&app, &org.admin, id, b.id, "2026-06-01")
        .await
        .expect(200);
    let history = vec![
        period(a.id, "2026-01-01", Some("2026-05-31")),
        period(b.id, "2026-06-01", None),
    ];

    let tomorrow = (today() + Duration::days(1)).to_string();
    let cases: Vec<(Uuid, &str, (String, String))> = vec![
        // Before the account existed.
        (
            c.id,
            "2025-12-31",
            pair("effective_on", "before_account_existed"),
        ),
        (
            c.id,
            "2020-01-01",
            pair("effective_on", "before_account_existed"),
        ),
        // Not after the current owner's first day.
        (
            c.id,
            "2026-01-01",
            pair("effective_on", "before_current_owner"),
        ),
        (
            c.id,
            "2026-05-31",
            pair("effective_on", "before_current_owner"),
        ),
        // In the future.
        (c.id, &tomorrow, pair("effective_on", "in_future")),
        (c.id, "2100-01-01", pair("effective_on", "in_future")),
        // To the current owner.
        (b.id, "2026-09-01", pair("new_owner_id", "same_owner")),
        // To someone who may not own accounts.
        (
            gone.id,
            "2026-09-01",
            pair("new_owner_id", "owner_inactive"),
        ),
        (
            manager.id,
            "2026-09-01",
            pair("new_owner_id", "invalid_owner"),
        ),
        (
            viewer.id,
            "2026-09-01",
            pair("new_owner_id", "invalid_owner"),
        ),
        (
            org.admin_id,
            "2026-09-01",
            pair("new_owner_id", "invalid_owner"),
        ),
        (
            Uuid::now_v7(),
            "2026-09-01",
            pair("new_owner_id", "not_found"),
        ),
    ];
    for (to, on, expected) in cases {
        let v = transfer(&app, &org.admin, id, to, on).await.expect(422);
        assert_eq!(field_error(&v), expected, "to {to} on {on}");
    }
    // Missing or malformed fields.
    let post = |body: Value| {
        let app = &app;
        let admin = org.admin.clone();
        async move {
            app.post(&format!("/v1/accounts/{id}/transfer"))
                .token(&admin)
                .json(&body)
                .send()
                .await
                .expect(422)
        }
    };
    let on = "2026-09-01";
    assert_eq!(
        field_error(&post(json!({"new_owner_id": c.id, "effective_on": on, "reason": "  "})).await),
        pair("reason", "required")
    );
    assert_eq!(
        field_error(
            &post(json!({"new_owner_id": c.id, "effective_on": on, "reason": "x".repeat(501)}))
                .await
        ),
        pair("reason", "too_long")
    );
    assert_eq!(
        field_error(&post(json!({"new_owner_id": c.id, "effective_on": on})).await),
        pair("reason", "required")
    );
    assert_eq!(
        field_error(&post(json!({"new_owner_id": c.id, "reason": "r"})).await),
        pair("effective_on", "required")
    );
    assert_eq!(
        field_error(&post(json!({"effective_on": on, "reason": "r"})).await),
        pair("new_owner_id", "required")
    );
    assert_eq!(
        field_error(
            &post(json!({"new_owner_id": c.id, "effective_on": "2026-02-30", "reason": "r"})).await
        )
        .0,
        "effective_on"
    );
    assert_eq!(
        field_error(
            &post(
                json!({"new_owner_id": c.id, "effective_on": on, "reason": "r", "owner_id": a.id})
            )
            .await
        ),
        pair("owner_id", "unknown_field")
    );

    // Nothing changed.
    assert_eq!(owners(&app, &org.admin, id).await, history);
    let v = get(&app, &org.admin, id).await.expect(200);
    assert_eq!(uuid(&v["owner_id"]), b.id);
    assert_eq!(v["version"], 2);

    // The day after the current owner's first day is fine.
    transfer(&app, &org.admin, id, c.id, "2026-06-02")
        .await
        .expect(200);
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![
            period(a.id, "2026-01-01", Some("2026-05-31")),
            period(b.id, "2026-06-01", Some("2026-06-01")),
            period(c.id, "2026-06-02", None),
        ]
    );
}

#[actix_web::test]
async fn only_managers_of_both_people_and_admins_transfer() {
    let app = TestApp::new().await;
    let s = sales_org(&app).await;
    let writer = client_token(&app, &s.org, &["accounts:write"]).await;
    let on = days_ago(30);

    // Not even their manager hands it to a deactivated teammate.
    let gone = app.person(&s.org, "salesperson", Some("farmer")).await;
    app.join(&s.org, s.north, gone.id, "2026-01-01").await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&s.org.admin)
        .send()
        .await
        .expect(200);
    let v = transfer(&app, &s.nm.token, s.a_north, gone.id, &on)
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("new_owner_id", "owner_inactive"));

    // The owner, a salesperson, may not hand it over.
    transfer(&app, &s.s_north.token, s.a_north, s.s_ne.id, &on)
        .await
        .problem(403, "forbidden");
    // Another team's manager does not even see it.
    transfer(&app, &s.sm.token, s.a_north, s.s_south.id, &on)
        .await
        .problem(404, "not_found");
    // The North manager manages the owner but not the South salesperson.
    transfer(&app, &s.nm.token, s.a_north, s.s_south.id, &on)
        .await
        .problem(403, "forbidden");
    transfer(&app, &s.nm.token, s.a_north, s.s_region.id, &on)
        .await
        .problem(403, "forbidden");
    assert_eq!(
        owners(&app, &s.org.admin, s.a_north).await,
        vec![period(s.s_north.id, "2026-01-01", None)]
    );

    // The North manager manages both North and its sub-team North East.
    let v = transfer(&app, &s.nm.token, s.a_north, s.s_ne.id, &on)
        .await
        .expect(200);
    assert_eq!(uuid(&v["owner_id"]), s.s_ne.id);
    // The Region manager manages everyone below.
    transfer(&app, &s.rm.token, s.a_ne, s.s_south.id, &on)
        .await
        .expect(200);
    // An admin and an accounts:write client transfer anything.
    transfer(&app, &s.org.admin, s.a_south, s.s_region.id, &on)
        .await
        .expect(200);
    transfer(&app, &writer, s.a_region, s.s_north.id, &on)
        .await
        .expect(200);

    let yesterday_of = |d: &str| (day(d) - Duration::days(1)).to_string();
    let before = yesterday_of(&on);
    for (id, from, to) in [
        (s.a_north, s.s_north.id, s.s_ne.id),
        (s.a_ne, s.s_ne.id, s.s_south.id),
        (s.a_south, s.s_south.id, s.s_region.id),
        (s.a_region, s.s_region.id, s.s_north.id),
    ] {
        assert_eq!(
            owners(&app, &s.org.admin, id).await,
            vec![
                period(from, "2026-01-01", Some(&before)),
                period(to, &on, None),
            ]
        );
    }
    // What the managers see follows the owners.
    assert_eq!(
        listed(&app, &s.sm.token, "").await,
        set(&[s.a_ne]),
        "South now holds the North East account"
    );
    assert_eq!(
        listed(&app, &s.nm.token, "").await,
        set(&[s.a_north, s.a_region])
    );
}

// ---------------------------------------------------------------- conversion

#[actix_web::test]
async fn converting_a_won_prospect_makes_it_a_customer() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let hunter2 = app.person(&org, "salesperson", Some("hunter")).await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let team = app.team(&org, "Team", Some(manager.id), None).await;
    for p in [&hunter, &hunter2, &farmer] {
        app.join(&org, team, p.id, "2026-01-01").await;
    }

    // Won on a past day and handed to a farmer from that day.
    let p = account(
        &app,
        &org.admin,
        "Fabrikam",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    let r = convert(
        &app,
        &manager.token,
        p,
        Some(json!({"converted_on": "2026-11-02", "new_owner_id": farmer.id, "reason": "Handover to account management"})),
    )
    .await;
    let v = r.expect(200);
    assert_eq!(v["kind"], "customer");
    assert_eq!(v["status"], "active");
    assert_eq!(v["converted_on"], "2026-11-02");
    assert_eq!(uuid(&v["won_by"]), hunter.id);
    assert_eq!(uuid(&v["owner_id"]), farmer.id);
    assert_eq!(r.header("etag"), Some(format!("\"{}\"", v["version"])));
    assert_eq!(
        owners(&app, &org.admin, p).await,
        vec![
            period(hunter.id, "2026-01-01", Some("2026-11-01")),
            period(farmer.id, "2026-11-02", None),
        ]
    );
    let h = app
        .get(&format!("/v1/accounts/{p}/owners"))
        .token(&farmer.token)
        .send()
        .await
        .expect(200);
    assert_eq!(h["data"][1]["reason"], "Handover to account management");
    assert_eq!(uuid(&h["data"][1]["recorded_by"]), manager.id);
    // Read back; and a customer cannot be converted again.
    let v = get(&app, &org.admin, p).await.expect(200);
    assert_eq!(v["converted_on"], "2026-11-02");
    assert_eq!(uuid(&v["won_by"]), hunter.id);
    convert(&app, &org.admin, p, None)
        .await
        .problem(409, "not_a_prospect");
    let customer = account(
        &app,
        &org.admin,
        "Contoso",
        "customer",
        farmer.id,
        "2026-01-01",
    )
    .await;
    convert(&app, &org.admin, customer, None)
        .await
        .problem(409, "not_a_prospect");
    // The hunter no longer sees the account they won.
    get(&app, &hunter.token, p).await.problem(404, "not_found");

    // The owner converts their own prospect, without a body: won today once their
    // manager confirms it (without a body too), and kept.
    let p2 = account(
        &app,
        &org.admin,
        "Northwind",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    let v = convert(&app, &hunter.token, p2, None).await.expect(200);
    assert_eq!(v["conversion_status"], "pending");
    assert_eq!(v["kind"], "prospect");
    let v = convert(&app, &manager.token, p2, None).await.expect(200);
    assert_eq!(v["kind"], "customer");
    assert_eq!(v["status"], "active");
    assert_eq!(v["converted_on"], today().to_string());
    assert_eq!(uuid(&v["won_by"]), hunter.id);
    assert_eq!(uuid(&v["owner_id"]), hunter.id);
    assert_eq!(v["version"], 3);
    assert_eq!(
        owners(&app, &org.admin, p2).await,
        vec![period(hunter.id, "2026-01-01", None)]
    );
    // An empty body works the same; handing over to the owner is no handover.
    let p3 = account(
        &app,
        &org.admin,
        "Adatum",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    let v = convert(
        &app,
        &hunter.token,
        p3,
        Some(json!({"new_owner_id": hunter.id})),
    )
    .await
    .expect(200);
    assert_eq!(v["conversion_status"], "pending");
    let v = convert(&app, &org.admin, p3, Some(json!({})))
        .await
        .expect(200);
    assert_eq!(uuid(&v["owner_id"]), hunter.id);
    assert_eq!(v["converted_on"], today().to_string());

    // won_by is the owner on the day it was won, not today's owner.
    let p4 = account(
        &app,
        &org.admin,
        "Litware",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    transfer(&app, &org.admin, p4, hunter2.id, "2026-06-01")
        .await
        .expect(200);
    let v = convert(
        &app,
        &org.admin,
        p4,
        Some(json!({"converted_on": "2026-03-15"})),
    )
    .await
    .expect(200);
    assert_eq!(uuid(&v["won_by"]), hunter.id);
    assert_eq!(uuid(&v["owner_id"]), hunter2.id);
    assert_eq!(v["converted_on"], "2026-03-15");

    // A lost prospect can still be won.
    let p5 = account(
        &app,
        &org.admin,
        "Proseware",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    patch(&app, &org.admin, p5, json!({"status": "lost"}))
        .await
        .expect(200);
    let v = convert(&app, &org.admin, p5, Some(json!({})))
        .await
        .expect(200);
    assert_eq!(
        (v["kind"].as_str(), v["status"].as_str()),
        (Some("customer"), Some("active"))
    );

    // The converted accounts are customers in lists.
    assert_eq!(
        listed(&app, &org.admin, "&kind=customer").await,
        set(&[p, customer, p2, p3, p4, p5])
    );
}

#[actix_web::test]
async fn invalid_conversions_are_refused() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let other_farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let gone = app.person(&org, "salesperson", Some("farmer")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let team = app.team(&org, "Team", Some(manager.id), None).await;
    app.join(&org, team, hunter.id, "2026-01-01").await;
    app.join(&org, team, farmer.id, "2026-01-01").await;
    let p = account(
        &app,
        &org.admin,
        "Fabrikam",
        "prospect",
        hunter.id,
        "2026-01-01",
    )
    .await;
    transfer(&app, &org.admin, p, farmer.id, "2026-03-01")
        .await
        .expect(200);
    transfer(&app, &org.admin, p, hunter.id, "2026-04-01")
        .await
        .expect(200);
    let history = owners(&app, &org.admin, p).await;

    let tomorrow = (today() + Duration::days(1)).to_string();
    let cases: Vec<(Value, (String, String))> = vec![
        (
            json!({"converted_on": "2025-12-31"}),
            pair("converted_on", "before_account_existed"),
        ),
        (
            json!({"converted_on": tomorrow}),
            pair("converted_on", "in_future"),
        ),
        (
            json!({"new_owner_id": gone.id}),
            pair("new_owner_id", "owner_inactive"),
        ),
        (
            json!({"new_owner_id": manager.id}),
            pair("new_owner_id", "invalid_owner"),
        ),
        (
            json!({"new_owner_id": Uuid::now_v7()}),
            pair("new_owner_id", "not_found"),
        ),
        // A handover cannot start before the current owner's first day.
        (
            json!({"converted_on": "2026-03-15", "new_owner_id": farmer.id}),
            pair("converted_on", "before_current_owner"),
        ),
        (json!({"reason": ""}), pair("reason", "required")),
        (json!({"status": "won"}), pair("status", "unknown_field")),
        (
            json!({"converted_on": "soon"}),
            pair("converted_on", "invalid_value"),
        ),
    ];
    for (body, expected) in cases {
        // An invalid body is refused, never ignored (which would convert today).
        let r = convert(&app, &org.admin, p, Some(body.clone())).await;
        assert_eq!(r.status.as_u16(), 422, "{body}");
        let v = r.expect(422);
        assert_eq!(field_error(&v), expected, "{body}");
    }
    app.post(&format!("/v1/accounts/{p}/convert"))
        .token(&org.admin)
        .body("application/json", "{\"converted_on\":")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post(&format!("/v1/accounts/{p}/convert"))
        .token(&org.admin)
        .body("text/plain", "converted_on=2026-03-15")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    let v = app
        .post(&format!("/v1/accounts/{p}/convert"))
        .token(&org.admin)
        .body("application/json", "[]")
        .send()
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("", "invalid_type"));
    // The manager hands over only to their own people.
    convert(
        &app,
        &manager.token,
        p,
        Some(json!({"new_owner_id": other_farmer.id})),
    )
    .await
    .problem(403, "forbidden");
    // ... and the salesperson not at all.
    convert(
        &app,
        &hunter.token,
        p,
        Some(json!({"new_owner_id": farmer.id})),
    )
    .await
    .problem(403, "forbidden");

    // Still a prospect, as it was.
    let v = get(&app, &org.admin, p).await.expect(200);
    assert_eq!(v["kind"], "prospect");
    assert_eq!(v["status"], "open");
    assert!(v["converted_on"].is_null() && v["won_by"].is_null());
    assert_eq!(v["version"], 3);
    assert_eq!(owners(&app, &org.admin, p).await, history);
    // won_by on a day when someone else owned it.
    let v = convert(
        &app,
        &org.admin,
        p,
        Some(json!({"converted_on": "2026-03-15"})),
    )
    .await
    .expect(200);
    assert_eq!(uuid(&v["won_by"]), farmer.id);
    assert_eq!(uuid(&v["owner_id"]), hunter.id);
}

// ---------------------------------------------------------------- CRM sync

#[actix_web::test]
async fn put_by_external_id_creates_then_updates() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let writer = client_token(&app, &org, &["accounts:write"]).await;
    let since = days_ago(60);

    // Created, with the owner named by email (any case).
    let r = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam", "kind": "prospect", "owner_email": hunter.email.to_uppercase(), "segment": "SMB", "owned_since": since}),
    )
    .await;
    let v = r.expect(201);
    assert_eq!(v["status"], "created");
    let a = &v["account"];
    let id = uuid(&a["id"]);
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/v1/accounts/{id}").as_str())
    );
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(a["name"], "Fabrikam");
    assert_eq!(a["kind"], "prospect");
    assert_eq!(a["status"], "open");
    assert_eq!(uuid(&a["owner_id"]), hunter.id);
    assert_eq!(a["external_source"], "hubspot");
    assert_eq!(a["external_id"], "4711");
    assert_eq!(a["segment"], "SMB");
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(hunter.id, &since, None)]
    );

    // The same again: unchanged, nothing written.
    let r = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam", "kind": "prospect", "owner_id": hunter.id, "segment": "SMB"}),
    )
    .await;
    let v = r.expect(200);
    assert_eq!(v["status"], "unchanged");
    assert_eq!(uuid(&v["account"]["id"]), id);
    assert_eq!(v["account"]["version"], 1);
    // Leaving out the owner, the segment and the status changes none of them.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam", "kind": "prospect"}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "unchanged");

    // A new name and status: updated.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "prospect", "status": "lost", "segment": null}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    assert_eq!(v["account"]["name"], "Fabrikam Inc");
    assert_eq!(v["account"]["status"], "lost");
    assert!(v["account"]["segment"].is_null());
    assert_eq!(v["account"]["version"], 2);

    // A prospect synced as a customer is converted today, won by its owner.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "customer"}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    let a = &v["account"];
    assert_eq!(a["kind"], "customer");
    assert_eq!(a["status"], "active");
    assert_eq!(a["converted_on"], today().to_string());
    assert_eq!(uuid(&a["won_by"]), hunter.id);
    assert_eq!(uuid(&a["owner_id"]), hunter.id);

    // Another owner: a transfer effective today.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "customer", "owner_id": farmer.id}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    assert_eq!(uuid(&v["account"]["owner_id"]), farmer.id);
    assert_eq!(
        uuid(&v["account"]["won_by"]),
        hunter.id,
        "still won by the hunter"
    );
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![
            period(hunter.id, &since, Some(&days_ago(1))),
            period(farmer.id, &today().to_string(), None),
        ]
    );
    let h = app
        .get(&format!("/v1/accounts/{id}/owners"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(h["data"][1]["reason"], "reassigned by sync from hubspot");
    // The same owner again is unchanged.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "customer", "owner_email": farmer.email}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "unchanged");
    let version = v["account"]["version"].clone();

    // A customer never becomes a prospect again.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "4711",
        json!({"name": "Fabrikam Inc", "kind": "prospect"}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("kind", "cannot_unconvert"));
    let v = get(&app, &org.admin, id).await.expect(200);
    assert_eq!(v["kind"], "customer");
    assert_eq!(v["version"], version);

    // An admin syncs too; the source is part of the key.
    let r = sync(
        &app,
        &org.admin,
        "salesforce",
        "4711",
        json!({"name": "Fabrikam (SF)", "kind": "customer", "owner_id": farmer.id}),
    )
    .await;
    let v = r.expect(201);
    assert_ne!(uuid(&v["account"]["id"]), id);
    assert_eq!(
        owners(&app, &org.admin, uuid(&v["account"]["id"])).await,
        vec![period(farmer.id, &today().to_string(), None)],
        "owned from today by default"
    );
    assert_eq!(listed(&app, &org.admin, "").await.len(), 2);
    assert_eq!(
        listed(&app, &org.admin, "&external_source=hubspot").await,
        set(&[id])
    );
}

#[actix_web::test]
async fn invalid_syncs_are_refused_with_422() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let farmer = app.person(&org, "salesperson", Some("farmer")).await;
    let manager = app.person(&org, "manager", None).await;
    let gone = app.person(&org, "salesperson", Some("farmer")).await;
    app.delete(&format!("/v1/users/{}", gone.id))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    let writer = client_token(&app, &org, &["accounts:write"]).await;
    let tomorrow = (today() + Duration::days(1)).to_string();

    let cases: Vec<(Value, (String, String))> = vec![
        (
            json!({"name": "X", "kind": "customer"}),
            pair("owner_id", "required"),
        ),
        (
            json!({"name": "", "kind": "customer", "owner_id": farmer.id}),
            pair("name", "required"),
        ),
        (
            json!({"name": "X", "kind": "partner", "owner_id": farmer.id}),
            pair("kind", "invalid_choice"),
        ),
        (
            json!({"name": "X", "kind": "customer", "status": "dormantish", "owner_id": farmer.id}),
            pair("status", "invalid_choice"),
        ),
        (
            json!({"name": "X", "kind": "prospect", "status": "won", "owner_id": farmer.id}),
            pair("status", "use_convert"),
        ),
        (
            json!({"name": "X", "kind": "customer", "status": "open", "owner_id": farmer.id}),
            pair("status", "invalid_for_kind"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": gone.id}),
            pair("owner_id", "owner_inactive"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_email": gone.email}),
            pair("owner_email", "owner_inactive"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": manager.id}),
            pair("owner_id", "invalid_owner"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_email": "nobody@example.com"}),
            pair("owner_email", "not_found"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": Uuid::now_v7()}),
            pair("owner_id", "not_found"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": farmer.id, "owned_since": tomorrow}),
            pair("owned_since", "in_future"),
        ),
        (
            json!({"name": "X", "kind": "customer", "owner_id": farmer.id, "external_id": "2"}),
            pair("external_id", "unknown_field"),
        ),
    ];
    for (body, expected) in cases {
        let v = sync(&app, &writer, "hubspot", "1", body.clone())
            .await
            .expect(422);
        assert_eq!(field_error(&v), expected, "{body}");
    }
    // An external id too long for the path.
    let v = sync(
        &app,
        &writer,
        "hubspot",
        &"9".repeat(201),
        json!({"name": "X", "kind": "customer", "owner_id": farmer.id}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("external_id", "too_long"));
    assert!(
        listed(&app, &org.admin, "").await.is_empty(),
        "nothing stored"
    );

    // Ownership changes by the day: a sync that names another owner for an account
    // created today corrects today's owner (one period, the new owner from today).
    let hunter = app.person(&org, "salesperson", Some("hunter")).await;
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "new-today",
        json!({"name": "X", "kind": "customer", "owner_id": farmer.id}),
    )
    .await
    .expect(201);
    let id = uuid(&v["account"]["id"]);
    let v = sync(
        &app,
        &writer,
        "hubspot",
        "new-today",
        json!({"name": "X", "kind": "customer", "owner_email": hunter.email}),
    )
    .await
    .expect(200);
    assert_eq!(v["status"], "updated");
    assert_eq!(v["account"]["owner_id"], hunter.id.to_string());
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(hunter.id, &today().to_string(), None)]
    );
    // Back to the farmer through a batch: still one period.
    let v = batch(
        &app,
        &writer,
        &[json!({"external_source": "hubspot", "external_id": "new-today", "name": "X", "kind": "customer", "owner_id": farmer.id})],
    )
    .await
    .expect(200);
    assert_eq!(v["items"][0]["status"], "updated");
    assert_eq!(
        owners(&app, &org.admin, id).await,
        vec![period(farmer.id, &today().to_string(), None)]
    );
}

#[actix_web::test]
async fn the_same_external_id_in_another_organisation_is_another_account() {
    let app = TestApp::new().await;
    let one = app.org("One").await;
    let two = app.org("Two").await;
    let f1 = app.person(&one, "salesperson", Some("farmer")).await;
    let f2 = app.person(&two, "salesperson", Some("farmer")).await;
    let c1 = client_token(&app, &one, &["accounts:write"]).await;
    let c2 = client_token(&app, &two, &["accounts:write"]).await;

    let v1 = sync(
        &app,
        &c1,
        "hubspot",
        "42",
        json!({"name": "Contoso", "kind": "customer", "owner_id": f1.id}),
    )
    .await
    .expect(201);
    let v2 = sync(
        &app,
        &c2,
        "hubspot",
        "42",
        json!({"name": "Contoso", "kind": "customer", "owner_id": f2.id}),
    )
    .await
    .expect(201);
    assert_eq!(v2["status"], "created");
    let (a1, a2) = (uuid(&v1["account"]["id"]), uuid(&v2["account"]["id"]));
    assert_ne!(a1, a2);
    // Org two's client cannot name org one's owner.
    let v = sync(
        &app,
        &c2,
        "hubspot",
        "42",
        json!({"name": "Contoso", "kind": "customer", "owner_id": f1.id}),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("owner_id", "not_found"));

    // Through batches too: each organisation updates its own.
    let item = |owner: Uuid, name: &str| json!({"external_source": "hubspot", "external_id": "42", "name": name, "kind": "customer", "owner_id": owner});
    let v = batch(&app, &c1, &[item(f1.id, "Contoso One")])
        .await
        .expect(200);
    assert_eq!(v["items"][0]["status"], "updated");
    assert_eq!(uuid(&v["items"][0]["id"]), a1);
    let v = batch(&app, &c2, &[item(f2.id, "Contoso")])
        .await
        .expect(200);
    assert_eq!(v["items"][0]["status"], "unchanged");
    assert_eq!(uuid(&v["items"][0]["id"]), a2);
    // A new external id in org two creates there only.
    let v = batch(
        &app,
        &c2,
        &[json!({"external_source": "hubspot", "external_id": "43", "name": "Other", "kind": "prospect", "owner_id": f2.id})],
    )
    .await
    .expect(200);
    let a3 = uuid(&v["items"][0]["id"]);

    assert_eq!(listed(&app, &one.admin, "").await, set(&[a1]));
    assert_eq!(listed(&app, &two.admin, "").await, set(&[a2, a3]));
    assert_eq!(
        get(&app, &one.admin, a1).await.expect(200)["name"],
        "Contoso One"
    );
    assert_eq!(
        get(&app, &two.admin, a2).await.expect(200)["name"],
        "Contoso"
    );
    get(&app, &one.admin, a2).await.problem(404, "not_found");
    get(&app, &c2, a1).await.problem(404, "not_found");
}

// ---------------------------------------------------------------- batches

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
        item_errors(&res[i])
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

    let mut with_unknown = good(1);
    with_unknown["colour"] = json!("blue");
    let v = batch(&app, &writer, &[good(0), with_unknown])
        .await
        .expect(422);
    let (field, code) = field_error(&v);
    assert_eq!(code, "unknown_field");
    assert!(
        field.starts_with("items") && field.ends_with("colour"),
        "{field}"
    );

    let mut wrong_type = good(1);
    wrong_type["name"] = json!(5);
    let v = batch(&app, &writer, &[good(0), wrong_type])
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("items[1].name", "invalid_type"));

    // An unknown kind or status cannot be read into an item: the whole batch is
    // refused, naming the item.
    let mut bad_kind = good(1);
    bad_kind["kind"] = json!("partner");
    let v = batch(&app, &writer, &[good(0), bad_kind]).await.expect(422);
    assert_eq!(field_error(&v), pair("items[1].kind", "invalid_choice"));
    let mut bad_status = good(2);
    bad_status["status"] = json!("sleeping");
    let v = batch(&app, &writer, &[good(0), good(1), bad_status])
        .await
        .expect(422);
    assert_eq!(field_error(&v), pair("items[2].status", "invalid_choice"));

    let mut missing = good(1);
    missing.as_object_mut().unwrap().remove("external_id");
    let v = batch(&app, &writer, &[good(0), missing]).await.expect(422);
    assert_eq!(field_error(&v).1, "required");

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

// ---------------------------------------------------------------- the organisation's day

#[actix_web::test]
async fn today_is_the_organisations_day() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("farmer")).await;
    // UTC+14 is at least the UTC day, and the day after for most of it.
    let tz = "Pacific/Kiritimati";
    app.patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"timezone": tz}))
        .send()
        .await
        .expect(200);
    let org_today = onpace::org::rules::today_in(tz);
    let id = account(&app, &org.admin, "Contoso", "customer", a.id, "2026-01-01").await;

    let v = transfer(
        &app,
        &org.admin,
        id,
        b.id,
        &(org_today + Duration::days(1)).to_string(),
    )
    .await
    .expect(422);
    assert_eq!(field_error(&v), pair("effective_on", "in_future"));
    let v = transfer(&app, &org.admin, id, b.id, &org_today.to_string())
        .await
        .expect(200);
    assert_eq!(uuid(&v["owner_id"]), b.id);

    // A new account is owned from the organisation's today.
    let v = create(
        &app,
        &org.admin,
        json!({"name": "Fabrikam", "kind": "prospect", "owner_id": a.id}),
    )
    .await
    .expect(201);
    let p = uuid(&v["id"]);
    assert_eq!(
        owners(&app, &org.admin, p).await,
        vec![period(a.id, &org_today.to_string(), None)]
    );
    // ... and converted on it by default.
    let v = convert(&app, &org.admin, p, None).await.expect(200);
    assert_eq!(v["converted_on"], org_today.to_string());
}

#[actix_web::test]
async fn the_owner_on_a_day_is_one_indexed_lookup() {
    use diesel::RunQueryDsl;
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let a = app.person(&org, "salesperson", Some("farmer")).await;
    let b = app.person(&org, "salesperson", Some("farmer")).await;
    let id = account(&app, &org.admin, "Contoso", "customer", a.id, "2026-01-01").await;
    transfer(&app, &org.admin, id, b.id, "2026-07-01")
        .await
        .expect(200);
    let mut c = app.conn();
    let mut ac = app.async_conn().await;
    let mut on = async |d: &str| {
        onpace::accounts::store::owner_on(&mut ac, org.id, id, day(d))
            .await
            .unwrap()
    };
    assert_eq!(on("2025-12-31").await, None, "before the account existed");
    assert_eq!(on("2026-01-01").await, Some(a.id));
    assert_eq!(on("2026-06-30").await, Some(a.id));
    assert_eq!(on("2026-07-01").await, Some(b.id));
    assert_eq!(on("2030-01-01").await, Some(b.id));

    // The lookup is answered from the primary key (org, account, from_on).
    #[derive(diesel::QueryableByName)]
    struct Plan {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    diesel::sql_query("SET enable_seqscan = off")
        .execute(&mut c)
        .unwrap();
    let plan: Vec<Plan> = diesel::sql_query(format!(
        "EXPLAIN SELECT owner_id FROM account_owners WHERE org_id = '{}' AND account_id = '{id}' \
         AND from_on <= '2026-05-01' AND (to_on IS NULL OR to_on >= '2026-05-01') \
         ORDER BY from_on DESC LIMIT 1",
        org.id
    ))
    .load(&mut c)
    .unwrap();
    let text: Vec<String> = plan.into_iter().map(|p| p.line).collect();
    assert!(
        text.iter()
            .any(|l| l.contains("Index Scan Backward using account_owners_pkey")),
        "{text:#?}"
    );
}
