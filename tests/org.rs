//! `GET /v1/org` and `PATCH /v1/org`: who may read and change the organisation,
//! ETags and `If-Match`, and every kind of invalid settings.

mod common;

use common::*;
use serde_json::{json, Value};

/// The field names of a validation problem's `errors`.
fn fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors[] in {v}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

/// The `(field, code)` pairs of a validation problem's `errors`.
fn field_codes(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors[] in {v}"))
        .iter()
        .map(|e| {
            assert!(
                e["message"].is_string(),
                "every field error has a message: {e}"
            );
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(f: &str, c: &str) -> (String, String) {
    (f.to_string(), c.to_string())
}

#[actix_web::test]
async fn a_new_organisation_has_the_documented_defaults() {
    let app = TestApp::new().await;
    let org = app.org("Acme Sales").await;
    let r = app.get("/v1/org").token(&org.admin).send().await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(v["id"], org.id.to_string());
    assert_eq!(v["name"], "Acme Sales");
    assert_eq!(v["currency"], "EUR");
    assert_eq!(v["fiscal_year_start_month"], 1);
    assert_eq!(v["week_start"], "monday");
    assert_eq!(v["timezone"], "UTC");
    assert_eq!(
        v["working_days"],
        json!(["mon", "tue", "wed", "thu", "fri"])
    );
    assert_eq!(v["holidays"], json!([]));
    // Ratios are decimal strings, never floats.
    assert_eq!(
        v["attainability"],
        json!({"realistic_max_ratio": "1.2", "stretch_max_ratio": "1.5"})
    );
    assert_eq!(v["version"], 1);
    assert!(
        v["created_at"].as_str().unwrap().ends_with('Z')
            || v["created_at"].as_str().unwrap().contains("+00:00")
    );
}

#[actix_web::test]
async fn every_role_and_an_integration_client_reads_its_own_organisation() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let seller = app.person(&org, "salesperson", Some("hunter")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (client_id, _) = app.client(&org, &["read"]).await;
    let client = app.sign(org.id, "client", client_id, Some("read"));

    for (who, token) in [
        ("admin", &org.admin),
        ("manager", &manager.token),
        ("salesperson", &seller.token),
        ("viewer", &viewer.token),
        ("client", &client),
    ] {
        let r = app.get("/v1/org").token(token).send().await;
        assert_eq!(
            r.status.as_u16(),
            200,
            "{who}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let v = r.json();
        assert_eq!(v["id"], org.id.to_string(), "{who}");
        assert_eq!(v["name"], "Acme", "{who}");
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""), "{who}");
    }

    // The organisation is the token's: another tenant's admin sees their own.
    let other = app.org("Globex").await;
    let v = app
        .get("/v1/org")
        .token(&other.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["id"], other.id.to_string());
    assert_eq!(v["name"], "Globex");

    // No token, or a bad one.
    app.get("/v1/org")
        .send()
        .await
        .problem(401, "missing_token");
    app.get("/v1/org")
        .token("not.a.jwt")
        .send()
        .await
        .problem(401, "invalid_token");
}

#[actix_web::test]
async fn admin_changes_every_setting_and_the_version_moves_on() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let r = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({
            "name": "  Acme Europe  ",
            "currency": "GBP",
            "fiscal_year_start_month": 4,
            "week_start": "sunday",
            "timezone": "Europe/London",
            "working_days": ["sun", "mon", "tue", "wed", "thu"],
            "holidays": ["2026-12-25", "2026-01-01", "2026-12-25"],
            "attainability": {"realistic_max_ratio": "1.1", "stretch_max_ratio": "1.4"}
        }))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(v["version"], 2);
    assert_eq!(v["name"], "Acme Europe", "the name is trimmed");
    assert_eq!(v["currency"], "GBP");
    assert_eq!(v["fiscal_year_start_month"], 4);
    assert_eq!(v["week_start"], "sunday");
    assert_eq!(v["timezone"], "Europe/London");
    assert_eq!(
        v["working_days"],
        json!(["sun", "mon", "tue", "wed", "thu"])
    );
    // Sorted, each day once.
    assert_eq!(v["holidays"], json!(["2026-01-01", "2026-12-25"]));
    assert_eq!(
        v["attainability"],
        json!({"realistic_max_ratio": "1.1", "stretch_max_ratio": "1.4"})
    );

    // A later read shows the same, with the new ETag; so does another role.
    let seller = app.person(&org, "salesperson", Some("farmer")).await;
    let r = app.get("/v1/org").token(&seller.token).send().await;
    let read = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(read["name"], "Acme Europe");
    assert_eq!(read["currency"], "GBP");
    assert_eq!(read["holidays"], json!(["2026-01-01", "2026-12-25"]));

    // Absent fields stay as they are.
    let r = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"week_start": "monday"}))
        .send()
        .await;
    let v = r.expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"3\""));
    assert_eq!(v["version"], 3);
    assert_eq!(v["week_start"], "monday");
    assert_eq!(v["name"], "Acme Europe");
    assert_eq!(v["currency"], "GBP");
    assert_eq!(v["timezone"], "Europe/London");
    assert_eq!(v["fiscal_year_start_month"], 4);
    assert_eq!(
        v["working_days"],
        json!(["sun", "mon", "tue", "wed", "thu"])
    );
    assert_eq!(v["attainability"]["stretch_max_ratio"], "1.4");

    // Holidays can be cleared.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"holidays": []}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["holidays"], json!([]));
    assert_eq!(v["version"], 4);
}

#[actix_web::test]
async fn only_an_admin_may_change_the_organisation() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let manager = app.person(&org, "manager", None).await;
    let seller = app.person(&org, "salesperson", Some("farmer")).await;
    let viewer = app.person(&org, "viewer", None).await;
    let (client_id, _) = app
        .client(
            &org,
            &["read", "sales:write", "accounts:write", "activities:write"],
        )
        .await;
    let client = app.sign(
        org.id,
        "client",
        client_id,
        Some("read sales:write accounts:write activities:write"),
    );

    for (who, token) in [
        ("manager", &manager.token),
        ("salesperson", &seller.token),
        ("viewer", &viewer.token),
        ("client", &client),
    ] {
        let r = app
            .patch("/v1/org")
            .token(token)
            .json(&json!({"name": "Hijacked"}))
            .send()
            .await;
        assert_eq!(
            r.status.as_u16(),
            403,
            "{who}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(403, "forbidden");
    }
    app.patch("/v1/org")
        .json(&json!({"name": "Hijacked"}))
        .send()
        .await
        .problem(401, "missing_token");

    // Nothing changed.
    let r = app.get("/v1/org").token(&org.admin).send().await;
    assert_eq!(r.expect(200)["name"], "Acme");
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
}

#[actix_web::test]
async fn if_match_guards_against_lost_updates() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    let etag = app
        .get("/v1/org")
        .token(&org.admin)
        .send()
        .await
        .header("etag")
        .unwrap();
    assert_eq!(etag, "\"1\"");

    // First writer wins with the ETag it read.
    let r = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", &etag)
        .json(&json!({"name": "First"}))
        .send()
        .await;
    assert_eq!(r.expect(200)["name"], "First");
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));

    // Second writer with the same, now stale, ETag is refused and changes nothing.
    app.patch("/v1/org")
        .token(&org.admin)
        .header("if-match", &etag)
        .json(&json!({"name": "Second"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    let v = app
        .get("/v1/org")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "First");
    assert_eq!(v["version"], 2);

    // An unquoted version is not an ETag.
    app.patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "2")
        .json(&json!({"name": "Unquoted"}))
        .send()
        .await
        .problem(412, "version_mismatch");

    // The current ETag, a weak form of it, a list containing it, and `*` all match.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "\"2\"")
        .json(&json!({"name": "Third"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 3);
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "W/\"3\"")
        .json(&json!({"name": "Fourth"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 4);
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "\"1\", \"4\"")
        .json(&json!({"name": "Fifth"}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 5);
    let r = app
        .patch("/v1/org")
        .token(&org.admin)
        .header("if-match", "*")
        .json(&json!({"name": "Sixth"}))
        .send()
        .await;
    assert_eq!(r.expect(200)["name"], "Sixth");
    assert_eq!(r.header("etag").as_deref(), Some("\"6\""));
}

#[actix_web::test]
async fn invalid_settings_are_422_with_the_field() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;

    let cases: Vec<(Value, Vec<(String, String)>)> = vec![
        (
            json!({"currency": "eur"}),
            vec![pair("currency", "invalid_currency")],
        ),
        (
            json!({"currency": "XYZ"}),
            vec![pair("currency", "invalid_currency")],
        ),
        (
            json!({"currency": "EURO"}),
            vec![pair("currency", "invalid_currency")],
        ),
        (
            json!({"timezone": "Mars/Olympus_Mons"}),
            vec![pair("timezone", "invalid_timezone")],
        ),
        (
            json!({"timezone": ""}),
            vec![pair("timezone", "invalid_timezone")],
        ),
        (
            json!({"fiscal_year_start_month": 13}),
            vec![pair("fiscal_year_start_month", "out_of_range")],
        ),
        (
            json!({"fiscal_year_start_month": 0}),
            vec![pair("fiscal_year_start_month", "out_of_range")],
        ),
        (
            json!({"fiscal_year_start_month": -1}),
            vec![pair("fiscal_year_start_month", "out_of_range")],
        ),
        (
            json!({"working_days": []}),
            vec![pair("working_days", "required")],
        ),
        (
            json!({"working_days": ["mon", "tue", "mon"]}),
            vec![pair("working_days", "duplicate")],
        ),
        (json!({"name": ""}), vec![pair("name", "required")]),
        (json!({"name": "   "}), vec![pair("name", "required")]),
        (
            json!({"name": "x".repeat(201)}),
            vec![pair("name", "too_long")],
        ),
        (
            json!({"attainability": {"realistic_max_ratio": "1.5", "stretch_max_ratio": "1.5"}}),
            vec![pair("attainability.stretch_max_ratio", "out_of_range")],
        ),
        (
            json!({"attainability": {"realistic_max_ratio": "1.6", "stretch_max_ratio": "1.2"}}),
            vec![pair("attainability.stretch_max_ratio", "out_of_range")],
        ),
        (
            json!({"attainability": {"realistic_max_ratio": "0", "stretch_max_ratio": "1.2"}}),
            vec![pair("attainability.realistic_max_ratio", "out_of_range")],
        ),
        (
            json!({"attainability": {"realistic_max_ratio": "-1", "stretch_max_ratio": "1.2"}}),
            vec![pair("attainability.realistic_max_ratio", "out_of_range")],
        ),
        (
            json!({"attainability": {"realistic_max_ratio": "1.2", "stretch_max_ratio": "101"}}),
            vec![pair("attainability.stretch_max_ratio", "out_of_range")],
        ),
        // Several fields at once: each is reported.
        (
            json!({"currency": "eur", "timezone": "Nowhere/Land", "fiscal_year_start_month": 13}),
            vec![
                pair("currency", "invalid_currency"),
                pair("fiscal_year_start_month", "out_of_range"),
                pair("timezone", "invalid_timezone"),
            ],
        ),
    ];
    for (body, expected) in cases {
        let r = app
            .patch("/v1/org")
            .token(&org.admin)
            .json(&body)
            .send()
            .await;
        assert_eq!(
            r.status.as_u16(),
            422,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let v = r.problem(422, "validation_failed");
        let mut got = field_codes(&v);
        got.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(got, expected, "{body}");
    }

    // Values of the wrong shape are also 422, naming the field.
    let shaped: Vec<(Value, &str)> = vec![
        (json!({"week_start": "mon"}), "week_start"),
        (json!({"week_start": "Funday"}), "week_start"),
        (
            json!({"fiscal_year_start_month": "4"}),
            "fiscal_year_start_month",
        ),
        (
            json!({"fiscal_year_start_month": 40000}),
            "fiscal_year_start_month",
        ),
        (
            json!({"fiscal_year_start_month": 4.5}),
            "fiscal_year_start_month",
        ),
        (json!({"working_days": ["monday"]}), "working_days"),
        (json!({"working_days": "mon"}), "working_days"),
        (json!({"holidays": ["2026-02-30"]}), "holidays"),
        (json!({"holidays": ["25/12/2026"]}), "holidays"),
        (json!({"name": 42}), "name"),
        (
            json!({"attainability": {"realistic_max_ratio": "lots", "stretch_max_ratio": "1.5"}}),
            "attainability",
        ),
        (
            json!({"attainability": {"realistic_max_ratio": "1.3"}}),
            "attainability.stretch_max_ratio",
        ),
        (json!({"attainability": "1.2"}), "attainability"),
    ];
    for (body, field) in shaped {
        let r = app
            .patch("/v1/org")
            .token(&org.admin)
            .json(&body)
            .send()
            .await;
        assert_eq!(
            r.status.as_u16(),
            422,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let v = r.problem(422, "validation_failed");
        let f = fields(&v);
        assert_eq!(f.len(), 1, "{body}: {v}");
        assert!(
            f[0].starts_with(field),
            "{body}: field {:?} should start with {field}",
            f[0]
        );
    }

    // Nothing was changed by any of them.
    let r = app.get("/v1/org").token(&org.admin).send().await;
    let v = r.expect(200);
    assert_eq!(v["version"], 1);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(v["currency"], "EUR");
    assert_eq!(v["timezone"], "UTC");
}

#[actix_web::test]
async fn holidays_outside_the_years_1900_to_2999_are_422_not_500() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    // chrono reads signed and five-digit years; the database cannot store every one of them.
    for (days, field) in [
        (json!(["2026-12-25", "-5000-01-01"]), "holidays[1]"),
        (json!(["-0001-12-31"]), "holidays[0]"),
        (json!(["+10000-01-01"]), "holidays[0]"),
        (json!(["0000-01-01"]), "holidays[0]"),
        (json!(["2026-12-25", "9999-12-31"]), "holidays[1]"),
    ] {
        let r = app
            .patch("/v1/org")
            .token(&org.admin)
            .json(&json!({"holidays": days}))
            .send()
            .await;
        assert_eq!(
            r.status.as_u16(),
            422,
            "{days}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let v = r.problem(422, "validation_failed");
        assert_eq!(fields(&v), vec![field.to_string()], "{days}");
    }
    // The first and last years allowed are fine.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"holidays": ["2999-12-31", "1900-01-01"]}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["holidays"], json!(["1900-01-01", "2999-12-31"]));
}

#[actix_web::test]
async fn unknown_fields_are_refused() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    for (body, field) in [
        (json!({"name": "Acme", "colour": "red"}), "colour"),
        (json!({"version": 7}), "version"),
        (json!({"id": "018f0000-0000-7000-8000-000000000000"}), "id"),
        (json!({"created_at": "2020-01-01T00:00:00Z"}), "created_at"),
        (
            json!({"attainability": {"realistic_max_ratio": "1.2", "stretch_max_ratio": "1.5", "extra": 1}}),
            "attainability.extra",
        ),
    ] {
        let r = app
            .patch("/v1/org")
            .token(&org.admin)
            .json(&body)
            .send()
            .await;
        let v = r.problem(422, "validation_failed");
        assert_eq!(
            field_codes(&v),
            vec![pair(field, "unknown_field")],
            "{body}"
        );
    }
    let v = app
        .get("/v1/org")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 1);
    assert_eq!(v["name"], "Acme");
}

#[actix_web::test]
async fn malformed_bodies_and_wrong_content_types() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    for body in ["{", "{\"name\": \"Acme\",}", "name=Acme", "", "nul"] {
        app.patch("/v1/org")
            .token(&org.admin)
            .body("application/json", body)
            .send()
            .await
            .problem(400, "malformed_json");
    }
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        app.patch("/v1/org")
            .token(&org.admin)
            .body(ct, "{\"name\": \"Acme\"}")
            .send()
            .await
            .problem(415, "unsupported_media_type");
    }
    // No content type at all.
    app.req(actix_web::http::Method::PATCH, "/v1/org")
        .token(&org.admin)
        .send()
        .await
        .problem(415, "unsupported_media_type");
    // JSON with parameters, and a +json type, are JSON.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .body(
            "application/json; charset=utf-8",
            "{\"name\": \"Acme One\"}",
        )
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "Acme One");
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .body("application/merge-patch+json", "{\"name\": \"Acme Two\"}")
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "Acme Two");
    // A body larger than the limit (2 MiB by default).
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    app.patch("/v1/org")
        .token(&org.admin)
        .body("application/json", big)
        .send()
        .await
        .problem(413, "body_too_large");
}

#[actix_web::test]
async fn trailing_bytes_after_the_json_value_are_malformed() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    // One JSON value, then garbage: not a JSON document (RFC 8259), so 400, and nothing changes.
    for body in [
        "{\"name\": \"Renamed\"} trailing",
        "{\"name\": \"Renamed\"}{\"name\": \"Again\"}",
    ] {
        let r = app
            .patch("/v1/org")
            .token(&org.admin)
            .body("application/json", body)
            .send()
            .await;
        assert_eq!(
            r.status.as_u16(),
            400,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(400, "malformed_json");
    }
    let v = app
        .get("/v1/org")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["name"], "Acme");
    assert_eq!(v["version"], 1);
}

#[actix_web::test]
async fn ratios_are_accepted_as_numbers_or_strings_and_returned_as_strings() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;

    // JSON numbers.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"attainability": {"realistic_max_ratio": 1.25, "stretch_max_ratio": 2}}))
        .send()
        .await
        .expect(200);
    assert_eq!(v["attainability"]["realistic_max_ratio"], "1.25");
    assert_eq!(v["attainability"]["stretch_max_ratio"], "2");

    // Strings, and a mix; trailing zeros are not significant.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(
            &json!({"attainability": {"realistic_max_ratio": "1.300", "stretch_max_ratio": 1.75}}),
        )
        .send()
        .await
        .expect(200);
    assert_eq!(
        v["attainability"],
        json!({"realistic_max_ratio": "1.3", "stretch_max_ratio": "1.75"})
    );

    // Stored, not only echoed.
    let v = app
        .get("/v1/org")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        v["attainability"],
        json!({"realistic_max_ratio": "1.3", "stretch_max_ratio": "1.75"})
    );
    assert!(v["attainability"]["realistic_max_ratio"].is_string());

    // The upper bound itself is allowed.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(
            &json!({"attainability": {"realistic_max_ratio": "99.5", "stretch_max_ratio": "100"}}),
        )
        .send()
        .await
        .expect(200);
    assert_eq!(
        v["attainability"],
        json!({"realistic_max_ratio": "99.5", "stretch_max_ratio": "100"})
    );
}

#[actix_web::test]
async fn ratios_are_never_silently_rounded_into_an_invalid_pair() {
    let app = TestApp::new().await;
    let org = app.org("Acme").await;
    // Both ratios differ only beyond the third decimal place: stored rounded to three
    // places they would be equal. They are refused instead, each by name.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"attainability": {"realistic_max_ratio": "1.2001", "stretch_max_ratio": "1.2004"}}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        field_codes(&v),
        vec![
            pair("attainability.realistic_max_ratio", "too_precise"),
            pair("attainability.stretch_max_ratio", "too_precise")
        ]
    );
    // One too fine is enough to refuse, also as a JSON number.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"attainability": {"realistic_max_ratio": 1.25, "stretch_max_ratio": 1.5005}}))
        .send()
        .await
        .problem(422, "validation_failed");
    assert_eq!(
        field_codes(&v),
        vec![pair("attainability.stretch_max_ratio", "too_precise")]
    );
    // Nothing stored; the defaults are intact.
    let v = app
        .get("/v1/org")
        .token(&org.admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["version"], 1);
    assert_eq!(
        v["attainability"],
        json!({"realistic_max_ratio": "1.2", "stretch_max_ratio": "1.5"})
    );
    // Three places, with trailing zeros beyond them, are kept exactly.
    let v = app
        .patch("/v1/org")
        .token(&org.admin)
        .json(&json!({"attainability": {"realistic_max_ratio": "1.125000", "stretch_max_ratio": "1.375"}}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        v["attainability"],
        json!({"realistic_max_ratio": "1.125", "stretch_max_ratio": "1.375"})
    );
}
