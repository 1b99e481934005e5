//! Invalid, unknown and malformed settings, and ratios read exactly.

use super::*;

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
        let mut got = field_errors(&v);
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
            field_errors(&v),
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
        field_errors(&v),
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
        field_errors(&v),
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
