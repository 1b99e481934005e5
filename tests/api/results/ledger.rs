//! Reading the ledger: `GET /v1/sales`, `GET /v1/sales/{id}`, `GET /v1/activities`,
//! their filters, pages and CSV exports, and bad input.

use super::*;

/// A sale item of the CRM `crm`, pushed by the admin.
pub(super) fn crm_sale(ext: &str, account: Uuid, on: &str, revenue: &str, gp: &str) -> Value {
    json!({
        "external_id": ext, "source": "crm", "account_id": account, "occurred_on": on,
        "revenue": revenue, "gross_profit": gp
    })
}

/// The ids a listing answered, in order.
pub(super) fn ids(rows: &[Value]) -> Vec<Uuid> {
    rows.iter().map(|r| uuid(&r["id"])).collect()
}

/// A CSV answer read whole: its header and its records.
pub(super) async fn csv(app: &TestApp, token: &str, url: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let r = app
        .get(url)
        .token(token)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let mut rd = ::csv::Reader::from_reader(r.body.as_slice());
    let header = rd.headers().unwrap().iter().map(str::to_string).collect();
    let rows = rd
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// North (mgr: sp, mate), South (mgr2: other); Contoso (sp), Fabrikam (mate),
/// Initech (other); six sales and a voided one.
struct Ledger {
    s: Built,
    /// In (occurred_on, id) order: sp's A1 10-01, A2 and A3 10-02 (by id),
    /// mate's B1 10-03 (another CRM), other's C1 10-04.
    sales: Vec<Uuid>,
    /// sp's credit note in dollars (10-02).
    a2: Uuid,
    /// sp's invoice of 10-02.
    a3: Uuid,
    /// sp's voided sale of 10-05.
    voided: Uuid,
}

async fn ledger(app: &TestApp) -> Ledger {
    let s = Scenario::north_and_south("Ledger Co")
        .customer("Contoso", "sp")
        .customer("Fabrikam", "mate")
        .customer("Initech", "other")
        .build(app)
        .await;
    let (contoso, fabrikam, initech) = (s.id("Contoso"), s.id("Fabrikam"), s.id("Initech"));
    let v = app
        .push_sales(
            &s.org.admin,
            &json!([
                crm_sale("A1", contoso, "2026-10-01", "100", "30"),
                with(
                    crm_sale("A2", contoso, "2026-10-02", "50", "10"),
                    json!({"kind": "credit_note", "currency": "USD", "fx_rate": "0.9"}),
                ),
                crm_sale("A3", contoso, "2026-10-02", "20", "5"),
                with(
                    crm_sale("B1", fabrikam, "2026-10-03", "200", "50"),
                    json!({"source": "erp"}),
                ),
                crm_sale("C1", initech, "2026-10-04", "300", "60"),
                crm_sale("A4", contoso, "2026-10-05", "999", "99"),
            ]),
        )
        .await;
    let mut first: Vec<Uuid> = (0..5).map(|i| id_of(&v, i)).collect();
    let (a2, a3) = (first[1], first[2]);
    // A2 and A3 share a day: ids break the tie.
    if a3 < a2 {
        first.swap(1, 2);
    }
    let voided = id_of(&v, 5);
    void(
        app,
        &s.org.admin,
        voided,
        Some(json!({"reason": "duplicate"})),
    )
    .await
    .expect(200);
    Ledger {
        s,
        sales: first,
        a2,
        a3,
        voided,
    }
}

#[actix_web::test]
async fn filters_and_pages() {
    let app = TestApp::new().await;
    let l = ledger(&app).await;
    let (s, admin) = (&l.s, l.s.org.admin.as_str());
    let all = |idx: &[usize]| -> Vec<Uuid> { idx.iter().map(|i| l.sales[*i]).collect() };
    let (rows, pages) = app.pages(admin, "/v1/sales", "", 2).await;
    assert_eq!(ids(&rows), all(&[0, 1, 2, 3, 4]), "voided left out");
    assert_eq!(pages, 3, "2 + 2 + 1");
    let (rows, _) = app
        .pages(admin, "/v1/sales", "&include_voided=true", 200)
        .await;
    let mut with_voided = all(&[0, 1, 2, 3, 4]);
    with_voided.push(l.voided);
    assert_eq!(ids(&rows), with_voided);
    assert!(rows[5]["voided_at"].is_string() && rows[5]["void_reason"] == "duplicate");

    let cases: Vec<(String, Vec<Uuid>)> = vec![
        (format!("&salesperson_id={}", s.id("sp")), all(&[0, 1, 2])),
        (format!("&account_id={}", s.id("Fabrikam")), all(&[3])),
        (format!("&team_id={}", s.id("North")), all(&[0, 1, 2, 3])),
        (format!("&team_id={}", s.id("South")), all(&[4])),
        ("&from=2026-10-02&to=2026-10-03".into(), all(&[1, 2, 3])),
        ("&to=2026-10-01".into(), all(&[0])),
        ("&source=erp".into(), all(&[3])),
        ("&kind=credit_note".into(), vec![l.a2]),
        (
            "&kind=invoice&from=2026-10-02".into(),
            vec![l.a3, l.sales[3], l.sales[4]],
        ),
        (format!("&team_id={}", Uuid::now_v7()), vec![]),
    ];
    for (query, want) in cases {
        let (rows, _) = app.pages(admin, "/v1/sales", &query, 2).await;
        assert_eq!(ids(&rows), want, "{query}");
    }

    // Amounts as sent and as counted: $50 at 0.9, a credit note: -45.00.
    let (rows, _) = app.pages(admin, "/v1/sales", "&kind=credit_note", 50).await;
    let cn = &rows[0];
    assert_eq!(
        (&cn["currency"], &cn["revenue"], &cn["counted_revenue"]),
        (&json!("USD"), &json!("50.00"), &json!("-45.00")),
        "{cn}"
    );
}

#[actix_web::test]
async fn one_sale_with_its_credits() {
    let app = TestApp::new().await;
    let l = ledger(&app).await;
    let admin = l.s.org.admin.as_str();
    let v = app
        .get(&format!("/v1/sales/{}", l.a2))
        .token(admin)
        .send()
        .await
        .expect(200);
    assert_eq!(v["external_id"], "A2");
    assert_eq!(v["kind"], "credit_note");
    // 50 USD at 0.9 = 45.00, a credit note: -45.00; gross profit 10 × 0.9 = -9.00.
    assert_eq!(
        v["credits"],
        json!([{"salesperson_id": l.s.id("sp"), "share_pct": "100", "type": "revenue",
                "revenue": "-45.00", "gross_profit": "-9.00"}])
    );
    let v = app
        .get(&format!("/v1/sales/{}", l.voided))
        .token(admin)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (&v["void_reason"], v["voided_at"].is_string()),
        (&json!("duplicate"), true)
    );
    assert_eq!(v["credits"][0]["revenue"], "999.00");
    app.get(&format!("/v1/sales/{}", Uuid::now_v7()))
        .token(admin)
        .send()
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn activities_listed_and_filtered() {
    let app = TestApp::new().await;
    let l = ledger(&app).await;
    let s = &l.s;
    let at = |ext: &str, kind: &str, who: &str, when: &str| {
        json!({"external_id": ext, "source": "crm", "kind": kind, "salesperson_id": s.id(who),
               "occurred_at": when})
    };
    let v = push_activities(
        &app,
        &s.org.admin,
        json!([
            at("m1", "meeting", "sp", "2026-10-01T10:00:00Z"),
            at("c1", "call", "sp", "2026-10-02T10:00:00Z"),
            at("c2", "call", "other", "2026-10-03T10:00:00Z"),
        ]),
    )
    .await
    .expect(200);
    let made: Vec<Uuid> = (0..3).map(|i| id_of(&v, i)).collect();
    let (rows, pages) = app.pages(&s.org.admin, "/v1/activities", "", 1).await;
    assert_eq!((ids(&rows), pages), (made.clone(), 3));
    assert_eq!(rows[0]["kind"], "meeting");
    assert_eq!(rows[0]["occurred_on"], "2026-10-01");
    let (rows, _) = app
        .pages(&s.org.admin, "/v1/activities", "&kind=call", 50)
        .await;
    assert_eq!(ids(&rows), made[1..].to_vec());
    let q = format!("&team_id={}&kind=call", s.id("North"));
    let (rows, _) = app.pages(&s.org.admin, "/v1/activities", &q, 50).await;
    assert_eq!(ids(&rows), vec![made[1]]);
    // Seen as sales are: sp sees their own two.
    let (rows, _) = app.pages(s.token("sp"), "/v1/activities", "", 50).await;
    assert_eq!(ids(&rows), made[..2].to_vec());
    let (header, recs) = csv(&app, s.token("sp"), "/v1/activities?kind=call").await;
    assert_eq!(header[..4], ["id", "occurred_at", "occurred_on", "kind"]);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0][0], made[1].to_string());
}

#[actix_web::test]
async fn csv_of_the_filtered_ledger() {
    let app = TestApp::new().await;
    let l = ledger(&app).await;
    let admin = l.s.org.admin.as_str();
    let (header, recs) = csv(&app, admin, "/v1/sales?limit=1&include_voided=true").await;
    assert_eq!(
        header,
        [
            "id",
            "occurred_on",
            "kind",
            "source",
            "external_id",
            "account_id",
            "salesperson_id",
            "currency",
            "fx_rate",
            "revenue",
            "gross_profit",
            "counted_revenue",
            "counted_gross_profit",
            "voided_at",
            "void_reason",
            "version",
            "credits"
        ]
    );
    assert_eq!(recs.len(), 6, "the limit is ignored");
    let got: Vec<Uuid> = recs.iter().map(|r| r[0].parse().unwrap()).collect();
    let mut want = l.sales.clone();
    want.push(l.voided);
    assert_eq!(got, want);
    let a2 = recs.iter().find(|r| r[0] == l.a2.to_string()).unwrap();
    assert_eq!(a2[2..5], ["credit_note", "crm", "A2"]);
    assert_eq!(a2[11], "-45.00");
    // 50.00 USD at 0.9 is 45.00, and 10.00 of gross profit 9.00, all Contoso's
    // owner's, negative for a credit note.
    assert_eq!(a2[16], format!("{}:revenue:100:-45.00:-9.00", l.s.id("sp")));
    assert_eq!(recs[5][14], "duplicate");
    let (_, recs) = csv(&app, admin, "/v1/sales?source=erp").await;
    assert_eq!(recs.len(), 1);
    // Nothing to export: the header alone.
    let (header, recs) = csv(&app, admin, "/v1/sales?from=2027-01-01").await;
    assert_eq!((header.len(), recs.len()), (17, 0));
}

#[actix_web::test]
async fn an_export_of_many_chunks_holds_every_row() {
    let app = TestApp::new().await;
    let s = Scenario::new("Big Ledger")
        .salesperson("sp", "farmer")
        .customer("Contoso", "sp")
        .build(&app)
        .await;
    // 1,000 sales of 1.00 to 1,000.00 over ten days: more than two export chunks
    // of 500; their revenues add up to 1000 × 1001 / 2 = 500500.00.
    let items: Vec<Value> = (1..=1000)
        .map(|i| {
            crm_sale(
                &format!("S{i}"),
                s.id("Contoso"),
                &format!("2026-10-{:02}", 1 + i % 10),
                &i.to_string(),
                "0",
            )
        })
        .collect();
    app.push_sales(&s.org.admin, &json!(items)).await;
    let (_, recs) = csv(&app, s.token("sp"), "/v1/sales").await;
    assert_eq!(recs.len(), 1000);
    let unique: BTreeSet<&String> = recs.iter().map(|r| &r[0]).collect();
    assert_eq!(unique.len(), 1000, "no row twice");
    let total: Decimal = recs.iter().map(|r| dec(&r[11])).sum();
    assert_eq!(total, dec("500500.00"));
    let days: Vec<&String> = recs.iter().map(|r| &r[1]).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "in day order");
}

#[actix_web::test]
async fn bad_input_is_a_problem() {
    let app = TestApp::new().await;
    let l = ledger(&app).await;
    let admin = l.s.org.admin.as_str();
    let cases: &[(&str, u16, &str)] = &[
        ("/v1/sales?salesperson_id=nope", 400, "invalid_query"),
        ("/v1/sales?team_id=123", 400, "invalid_query"),
        ("/v1/sales?from=2026-13-01", 400, "invalid_query"),
        ("/v1/sales?to=yesterday", 400, "invalid_query"),
        ("/v1/sales?kind=refund", 400, "invalid_query"),
        ("/v1/sales?include_voided=maybe", 400, "invalid_query"),
        ("/v1/sales?cursor=garbage!", 400, "invalid_cursor"),
        ("/v1/sales?limit=0", 422, "validation_failed"),
        ("/v1/sales?limit=201", 422, "validation_failed"),
        (
            "/v1/sales?from=2026-10-05&to=2026-10-01",
            422,
            "validation_failed",
        ),
        (
            "/v1/activities?from=2026-10-05&to=2026-10-01",
            422,
            "validation_failed",
        ),
        (
            "/v1/activities?kind=Not%20a%20kind",
            422,
            "validation_failed",
        ),
        ("/v1/activities?account_id=x", 400, "invalid_query"),
        // Like every path id: a malformed one names nothing.
        ("/v1/sales/not-a-uuid", 404, "not_found"),
    ];
    for (url, status, code) in cases {
        for accept in ["application/json", "text/csv"] {
            let r = app
                .get(url)
                .token(admin)
                .header("accept", accept)
                .send()
                .await;
            assert_eq!(
                r.status.as_u16(),
                *status,
                "{url} ({accept}): {}",
                String::from_utf8_lossy(&r.body)
            );
            let v = r.expect(*status);
            assert_eq!(v["code"], *code, "{url}: {v}");
        }
    }
    let v = app
        .get("/v1/sales?from=2026-10-05&to=2026-10-01")
        .token(admin)
        .send()
        .await
        .expect(422);
    assert_eq!(field_errors(&v), vec![pair("to", "before_from")]);
    let v = app
        .get("/v1/activities?kind=Bad!")
        .token(admin)
        .send()
        .await
        .expect(422);
    assert_eq!(field_errors(&v), vec![pair("kind", "invalid_kind")]);
    app.get("/v1/sales").send().await.expect(401);
}

#[actix_web::test]
async fn text_that_a_spreadsheet_would_run_as_a_formula_is_exported_inert() {
    // A CRM's ids and a void reason are text from outside: a cell starting with
    // `=`, `+`, `-`, `@`, a tab or a carriage return is run by spreadsheets as a
    // formula, so the export starts it with an apostrophe. Amounts stay numbers.
    let app = TestApp::new().await;
    let s = Scenario::new("Formula Ledger")
        .salesperson("sp", "farmer")
        .customer("Contoso", "sp")
        .build(&app)
        .await;
    let admin = s.org.admin.as_str();
    let mut credit = crm_sale(
        "=HYPERLINK(\"http://x\")",
        s.id("Contoso"),
        "2026-10-01",
        "10",
        "1",
    );
    credit["kind"] = json!("credit_note");
    credit["source"] = json!("@crm");
    let plain = crm_sale("+1-555", s.id("Contoso"), "2026-10-02", "20", "2");
    let v = pushed(&app, admin, json!([credit, plain])).await;
    void(&app, admin, id_of(&v, 1), Some(json!({"reason": "-2+3"})))
        .await
        .expect(200);
    let (_, recs) = csv(&app, admin, "/v1/sales?include_voided=true").await;
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0][3..5], ["'@crm", "'=HYPERLINK(\"http://x\")"]);
    assert_eq!(recs[0][11], "-10.00", "an amount is not text");
    assert_eq!(recs[1][4], "'+1-555");
    assert_eq!(recs[1][14], "'-2+3");
}
