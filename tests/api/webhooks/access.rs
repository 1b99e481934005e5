//! Who manages webhooks: admins and clients with `webhooks:manage`. Everyone
//! else is refused (403); another organisation's endpoints and deliveries are
//! not found (404).

use super::*;

/// Every operation on `/v1/webhooks`, for endpoint `id` and delivery `d`.
fn operations(id: Uuid, d: Uuid) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("GET", "/v1/webhooks".into(), None),
        (
            "POST",
            "/v1/webhooks".into(),
            Some(json!({"url": HOOK, "event_types": ["*"]})),
        ),
        ("GET", format!("/v1/webhooks/{id}"), None),
        (
            "PATCH",
            format!("/v1/webhooks/{id}"),
            Some(json!({"description": "changed"})),
        ),
        ("POST", format!("/v1/webhooks/{id}/rotate-secret"), None),
        ("POST", format!("/v1/webhooks/{id}/test"), None),
        ("GET", format!("/v1/webhooks/{id}/deliveries"), None),
        ("GET", format!("/v1/webhooks/{id}/deliveries/{d}"), None),
        (
            "POST",
            format!("/v1/webhooks/{id}/deliveries/{d}/redeliver"),
            None,
        ),
        ("DELETE", format!("/v1/webhooks/{id}"), None),
    ]
}

async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: &Option<Value>) -> Res {
    let req = match method {
        "GET" => app.get(path),
        "POST" => app.post(path),
        "PATCH" => app.patch(path),
        "DELETE" => app.delete(path),
        m => panic!("{m}"),
    };
    let req = req.token(token);
    match body {
        Some(b) => req.json(b).send().await,
        None => req.send().await,
    }
}

/// An endpoint with one delivery, failed (so that it can be redelivered).
async fn endpoint_with_delivery(app: &TestApp, org: &Org) -> (Uuid, Uuid) {
    let id = uuid(&hook(app, &org.admin, json!(["*"])).await["id"]);
    let d = app
        .post(&format!("/v1/webhooks/{id}/test"))
        .token(&org.admin)
        .send()
        .await
        .expect(202);
    let d = uuid(&d["id"]);
    settle(app, d, "failed", 8).await;
    (id, d)
}

#[actix_web::test]
async fn only_admins_and_webhooks_manage_clients_manage_webhooks() {
    let app = TestApp::new().await;
    let s = Scenario::new("Acme")
        .manager("mgr")
        .salesperson("sp", "farmer")
        .viewer("viewer")
        .team("North", Some("mgr"), &["sp"])
        .client("reader", &["read"])
        .client(
            "crm",
            &["sales:write", "activities:write", "accounts:write"],
        )
        .client("hooks", &["webhooks:manage"])
        .build(&app)
        .await;
    let (id, d) = endpoint_with_delivery(&app, &s.org).await;

    for who in ["mgr", "sp", "viewer", "reader", "crm"] {
        for (method, path, body) in operations(id, d) {
            let v = call(&app, s.token(who), method, &path, &body)
                .await
                .problem(403, "forbidden");
            assert!(
                v["detail"].as_str().unwrap().contains("webhooks:manage"),
                "{who} {method} {path}: {v}"
            );
        }
    }
    // Nothing was changed by those refused.
    let v = app
        .get(&format!("/v1/webhooks/{id}"))
        .token(&s.org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 1);
    assert_eq!(delivery_rows(&app, s.org.id).await.len(), 1);

    // The client with webhooks:manage does everything an admin does.
    let hooks = s.token("hooks");
    let expected = [200, 201, 200, 200, 200, 202, 200, 200, 202, 204];
    for ((method, path, body), status) in operations(id, d).into_iter().zip(expected) {
        let r = call(&app, hooks, method, &path, &body).await;
        assert_eq!(r.status.as_u16(), status, "{method} {path}: {:?}", r.json());
    }
}

#[actix_web::test]
async fn another_organisations_endpoints_and_deliveries_are_not_found() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let other = app.org("Other").await;
    let (id, d) = endpoint_with_delivery(&app, &org).await;
    let (_, client) = app.client_token(&other, &["webhooks:manage"]).await;

    for token in [&other.admin, &client] {
        for (method, path, body) in operations(id, d) {
            if !path.contains(&id.to_string()) {
                continue;
            }
            call(&app, token, method, &path, &body)
                .await
                .problem(404, "not_found");
        }
        let list = app
            .get("/v1/webhooks")
            .token(token)
            .send()
            .await
            .expect(200);
        assert_eq!(list["data"], json!([]));
    }
    // The other organisation's own endpoint does not reach this one's delivery.
    let (theirs, _) = endpoint_with_delivery(&app, &other).await;
    for path in [
        format!("/v1/webhooks/{theirs}/deliveries/{d}"),
        format!("/v1/webhooks/{theirs}/deliveries/{d}/redeliver"),
    ] {
        let req = if path.ends_with("redeliver") {
            app.post(&path)
        } else {
            app.get(&path)
        };
        req.token(&other.admin)
            .send()
            .await
            .problem(404, "not_found");
    }
    // Untouched.
    let v = app
        .get(&format!("/v1/webhooks/{id}"))
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 1);
    let rows = delivery_rows(&app, org.id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "failed");
}

#[actix_web::test]
async fn without_a_token_it_is_401() {
    let app = TestApp::new().await;
    app.get("/v1/webhooks")
        .send()
        .await
        .problem(401, "missing_token");
    app.post("/v1/webhooks")
        .json(&json!({"url": HOOK, "event_types": ["*"]}))
        .send()
        .await
        .problem(401, "missing_token");
}
