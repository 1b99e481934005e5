//! The ledger is the figures behind progress: the sales listed for a person
//! over a period add up to their target's actual, to the cent, through credit
//! notes, voids, transfers that re-credit, and other currencies.

use super::ledger::{crm_sale, csv};
use super::*;

#[actix_web::test]
async fn a_persons_listed_sales_add_up_to_their_progress() {
    let app = TestApp::new().await;
    let s = Scenario::north_and_south("Totals Co")
        .customer("Contoso", "sp")
        .customer("Fabrikam", "mate")
        .agreed_target("q4", "mgr", "sp", |s| {
            q4_target("Q4 revenue", "user", s.id("sp"), "revenue", "10000")
        })
        .build(&app)
        .await;
    let (contoso, fabrikam) = (s.id("Contoso"), s.id("Fabrikam"));
    let admin = s.org.admin.as_str();
    let v = app
        .push_sales(
            admin,
            &json!([
                // S1 sp: +1000.00
                crm_sale("S1", contoso, "2026-10-05", "1000.00", "300.00"),
                // S2 sp: a credit note, -150.00
                with(
                    crm_sale("S2", contoso, "2026-10-20", "150.00", "40.00"),
                    json!({"kind": "credit_note"}),
                ),
                // S3 sp: voided below, counts nothing
                crm_sale("S3", contoso, "2026-10-25", "500.00", "100.00"),
                // S4 sp: $200.00 at 0.9125 = 182.50
                with(
                    crm_sale("S4", contoso, "2026-11-03", "200.00", "50.00"),
                    json!({"currency": "USD", "fx_rate": "0.9125"}),
                ),
                // S5 mate: Fabrikam before its transfer to sp on 11-10
                crm_sale("S5", fabrikam, "2026-10-10", "700.00", "70.00"),
                // S6 mate, re-credited to sp by the transfer of 11-10: +400.00
                crm_sale("S6", fabrikam, "2026-11-12", "400.00", "40.00"),
                // S8 sp, re-credited to mate by Contoso's transfer of 11-15
                crm_sale("S8", contoso, "2026-11-18", "300.00", "30.00"),
                // S9 sp, the day before the period
                crm_sale("S9", contoso, "2026-09-30", "999.00", "99.00"),
            ]),
        )
        .await;
    let s3 = id_of(&v, 2);
    void(&app, admin, s3, None).await.expect(200);
    transfer(&app, &s.org, fabrikam, s.id("sp"), "2026-11-10").await;
    transfer(&app, &s.org, contoso, s.id("mate"), "2026-11-15").await;
    app.push_sales(
        admin,
        &json!([
            // S7 sp (Fabrikam is theirs now): £100.00 at 1.1537 = 115.37
            with(
                crm_sale("S7", fabrikam, "2026-11-20", "100.00", "10.00"),
                json!({"currency": "GBP", "fx_rate": "1.1537"}),
            ),
            // S10 sp, the day after the period read
            crm_sale("S10", fabrikam, "2026-12-01", "50.00", "5.00"),
        ]),
    )
    .await;

    // sp over 2026-10-01..2026-11-30, by hand:
    //   S1 1000.00 − S2 150.00 + S4 182.50 + S6 400.00 + S7 115.37 = 1547.87
    //   (S3 voided, S8 re-credited to mate, S9 and S10 outside the days)
    let expected = dec("1547.87");
    let progress = app
        .get(&format!(
            "/v1/targets/{}/progress?as_of=2026-11-30",
            s.id("q4")
        ))
        .token(s.token("sp"))
        .send()
        .await
        .expect(200);
    assert_eq!(
        dec(progress["actual"].as_str().unwrap()),
        expected,
        "{progress}"
    );

    let q = format!(
        "&salesperson_id={}&from=2026-10-01&to=2026-11-30",
        s.id("sp")
    );
    for token in [s.token("sp"), s.token("mgr"), admin] {
        let (rows, _) = app.pages(token, "/v1/sales", &q, 2).await;
        let exts: Vec<&str> = rows
            .iter()
            .map(|r| r["external_id"].as_str().unwrap())
            .collect();
        assert_eq!(exts, ["S1", "S2", "S4", "S6", "S7"]);
        let listed: Decimal = rows
            .iter()
            .map(|r| dec(r["counted_revenue"].as_str().unwrap()))
            .sum();
        assert_eq!(listed, expected);
        // The credits say the same.
        let mut credited = Decimal::ZERO;
        for r in &rows {
            let one = app
                .get(&format!("/v1/sales/{}", r["id"].as_str().unwrap()))
                .token(token)
                .send()
                .await
                .expect(200);
            assert_eq!(one["credits"][0]["salesperson_id"], json!(s.id("sp")));
            credited += dec(one["credits"][0]["revenue"].as_str().unwrap());
        }
        assert_eq!(credited, expected);
        let url = format!("/v1/sales?{}", &q[1..]);
        let (_, recs) = csv(&app, token, &url).await;
        let exported: Decimal = recs.iter().map(|r| dec(&r[11])).sum();
        assert_eq!(exported, expected);
    }

    // North over the same days is sp's and mate's, each credited once:
    //   mate: S5 700.00 + S8 300.00 = 1000.00; with sp's 1547.87: 2547.87
    let q = format!("&team_id={}&from=2026-10-01&to=2026-11-30", s.id("North"));
    let (rows, _) = app.pages(s.token("mgr"), "/v1/sales", &q, 200).await;
    let team: Decimal = rows
        .iter()
        .map(|r| dec(r["counted_revenue"].as_str().unwrap()))
        .sum();
    assert_eq!(team, dec("2547.87"));
}
