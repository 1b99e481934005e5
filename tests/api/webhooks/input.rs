//! Bad input is refused with problem+json, never a 500, and nothing is stored;
//! URLs that would reach inside are refused when an endpoint is registered.

use super::*;

#[actix_web::test]
async fn urls_that_reach_inside_or_are_not_https_are_refused() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    for (url, code) in [
        ("https://127.0.0.1/x", "internal_address"),
        ("https://10.0.0.1/x", "internal_address"),
        ("https://[::1]/x", "internal_address"),
        ("https://169.254.169.254/x", "internal_address"),
        ("https://192.168.1.20/x", "internal_address"),
        ("https://[::ffff:127.0.0.1]/x", "internal_address"),
        // A name that resolves to loopback.
        ("https://localhost/x", "internal_address"),
        ("http://example.com/x", "not_https"),
        ("ftp://example.com/x", "not_https"),
        ("https://user:pw@93.184.215.14/x", "credentials"),
        ("not a url", "not_a_url"),
        ("/relative/path", "not_a_url"),
        ("https://no-such-host.invalid/x", "unresolved"),
    ] {
        let v = create(&app, &org.admin, json!({"url": url, "event_types": ["*"]}))
            .await
            .problem(422, "webhook_url_refused");
        assert_eq!(field_errors(&v), vec![pair("url", code)], "{url}: {v}");
        assert!(!v["detail"].as_str().unwrap().is_empty());
    }
    // The same when an endpoint's URL is changed.
    let id = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);
    for url in ["https://127.0.0.1/x", "http://example.com/x"] {
        app.patch(&format!("/v1/webhooks/{id}"))
            .token(&org.admin)
            .json(&json!({"url": url}))
            .send()
            .await
            .problem(422, "webhook_url_refused");
    }
    let list = app
        .get("/v1/webhooks")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["url"], HOOK);
}

#[actix_web::test]
async fn insecure_urls_are_accepted_only_where_allowed() {
    let app = TestApp::with(|c| onpace::Config {
        webhook_allow_insecure: true,
        ..c
    })
    .await;
    let org = app.org("Acme").await;
    for url in [
        "http://127.0.0.1:9/x",
        "https://localhost/x",
        "http://[::1]:9/x",
    ] {
        let v = create(&app, &org.admin, json!({"url": url, "event_types": ["*"]}))
            .await
            .expect(201);
        assert_eq!(v["url"], url);
    }
    // Still a URL, still http(s).
    create(
        &app,
        &org.admin,
        json!({"url": "ftp://127.0.0.1/x", "event_types": ["*"]}),
    )
    .await
    .problem(422, "webhook_url_refused");
}

#[actix_web::test]
async fn bodies_are_validated_and_unknown_fields_refused() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let body = |f: Value| with(json!({"url": HOOK, "event_types": ["user.created"]}), f);
    let cases: Vec<(Value, (&str, &str))> = vec![
        (
            body(json!({"event_types": []})),
            ("event_types", "required"),
        ),
        (
            body(json!({"event_types": ["user.created", "nope"]})),
            ("event_types[1]", "invalid_choice"),
        ),
        (
            body(json!({"event_types": ["webhook.test"]})),
            ("event_types[0]", "invalid_choice"),
        ),
        (
            body(json!({"event_types": ["*", "user.created"]})),
            ("event_types", "invalid_combination"),
        ),
        (
            body(json!({"event_types": "*"})),
            ("event_types", "invalid_type"),
        ),
        (
            body(json!({"event_types": [1]})),
            ("event_types[0]", "invalid_type"),
        ),
        (json!({"url": HOOK}), ("event_types", "required")),
        (json!({"event_types": ["*"]}), ("url", "required")),
        (body(json!({"url": " "})), ("url", "required")),
        (
            body(json!({"url": format!("{HOOK}/{}", "a".repeat(2000))})),
            ("url", "too_long"),
        ),
        (
            body(json!({"description": "x".repeat(501)})),
            ("description", "too_long"),
        ),
        (
            body(json!({"secret": "whsec_mine"})),
            ("secret", "unknown_field"),
        ),
        (
            body(json!({"enabled": false})),
            ("enabled", "unknown_field"),
        ),
    ];
    for (b, (field, code)) in cases {
        let v = create(&app, &org.admin, b.clone())
            .await
            .problem(422, "validation_failed");
        let (f, c) = field_error(&v);
        assert!(
            f.starts_with(field) && c == code,
            "{b}: {f} {c}, not {field} {code}: {v}"
        );
    }
    // NUL characters and odd JSON are refused, never a 500.
    let v = create(&app, &org.admin, body(json!({"description": "a\u{0}b"})))
        .await
        .expect(422);
    assert!(field_error(&v).0.starts_with("description"), "{v}");
    app.post("/v1/webhooks")
        .token(&org.admin)
        .body("application/json", "{")
        .send()
        .await
        .problem(400, "malformed_json");
    app.post("/v1/webhooks")
        .token(&org.admin)
        .body("text/plain", "url=x")
        .send()
        .await
        .problem(415, "unsupported_media_type");
    app.post("/v1/webhooks")
        .token(&org.admin)
        .json(&json!([]))
        .send()
        .await
        .expect(422);

    let list = app
        .get("/v1/webhooks")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(list["data"], json!([]), "nothing was stored");

    // Patches too, and bad ids in paths.
    let id = uuid(&hook(&app, &org.admin, json!(["*"])).await["id"]);
    for (b, field) in [
        (json!({"enabled": "yes"}), "enabled"),
        (json!({"event_types": ["nope"]}), "event_types[0]"),
        (json!({"secret": "x"}), "secret"),
        (json!({"url": null, "version": 3}), "version"),
    ] {
        let v = app
            .patch(&format!("/v1/webhooks/{id}"))
            .token(&org.admin)
            .json(&b)
            .send()
            .await
            .expect(422);
        assert!(field_error(&v).0.starts_with(field), "{b}: {v}");
    }
    for path in [
        "/v1/webhooks/not-a-uuid".to_string(),
        format!("/v1/webhooks/{id}/deliveries/not-a-uuid"),
    ] {
        let r = app.get(&path).token(&org.admin).send().await;
        assert!(
            matches!(r.status.as_u16(), 400 | 404),
            "{path}: {}",
            r.status
        );
        r.expect(r.status.as_u16());
    }
}
