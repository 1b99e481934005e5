//! Credit splits, with figures worked out by hand: every check reads a
//! person's and a team's progress, their series, the scorecards and the
//! ledger, and they agree to the cent.
//!
//! The organisation: Region (Mia) over North (Nia: Ann, Spec) and South (Sol:
//! Bob, Cara). Contoso is Ann's, Fabrikam Bob's, Initech a prospect of Cara's.
//! Each of Ann, Bob, Cara and Spec has an agreed Q4 revenue target, and so have
//! North, South and Region; the organisation has one too.

use super::ledger::crm_sale;
use super::*;

const PEOPLE: [&str; 4] = ["Ann", "Bob", "Cara", "Spec"];
const TEAMS: [(&str, &[&str]); 3] = [
    ("North", &["Ann", "Spec"]),
    ("South", &["Bob", "Cara"]),
    ("Region", &["Ann", "Spec", "Bob", "Cara"]),
];
const PERIOD: &str = "&from=2026-10-01&to=2026-12-31";

fn revenue_target(key: &str, subject_type: &str, subject: Uuid, value: &str) -> Value {
    q4_target(key, subject_type, subject, "revenue", value)
}

/// The organisation (see the module's notes).
pub(super) struct Splits {
    b: Built,
    /// The organisation's Q4 revenue target.
    org_q4: Uuid,
}

impl std::ops::Deref for Splits {
    type Target = Built;
    fn deref(&self) -> &Built {
        &self.b
    }
}

impl Splits {
    /// A target by its subject's name ("Org": the organisation's).
    pub(super) fn target(&self, key: &str) -> Uuid {
        if key == "Org" {
            self.org_q4
        } else {
            self.id(&format!("{key} Q4"))
        }
    }
}

pub(super) async fn splits_world(app: &TestApp) -> Splits {
    let mut sc = Scenario::new("Splits Co")
        .named("Mia", "manager", None)
        .named("Nia", "manager", None)
        .named("Sol", "manager", None);
    for p in PEOPLE {
        sc = sc.named(
            p,
            "salesperson",
            Some(if p == "Cara" { "hunter" } else { "farmer" }),
        );
    }
    sc = sc
        .team("Region", Some("Mia"), &[])
        .sub_team("North", Some("Nia"), Some("Region"), &["Ann", "Spec"])
        .sub_team("South", Some("Sol"), Some("Region"), &["Bob", "Cara"])
        .customer("Contoso", "Ann")
        .customer("Fabrikam", "Bob")
        .prospect("Initech", "Cara");
    for p in PEOPLE {
        // Spec's is small: half of a 1000.00 sale reaches it.
        let value = if p == "Spec" { "500" } else { "10000" };
        sc = sc.agreed_target(&format!("{p} Q4"), "admin", p, move |s| {
            revenue_target(p, "user", s.id(p), value)
        });
    }
    for (t, m) in [("North", "Nia"), ("South", "Sol"), ("Region", "Mia")] {
        sc = sc.agreed_target(&format!("{t} Q4"), "admin", m, move |s| {
            revenue_target(t, "team", s.id(t), "20000")
        });
    }
    let b = sc.build(app).await;
    let v = app
        .post("/v1/targets")
        .token(&b.org.admin)
        .json(
            &json!({"title": "Org", "subject_type": "org", "metric": "revenue",
                      "value": "40000", "period": "2026-Q4"}),
        )
        .send()
        .await
        .expect(201);
    Splits {
        org_q4: uuid(&v["id"]),
        b,
    }
}

pub(super) fn amount(v: &Value) -> Decimal {
    dec(v.as_str().unwrap_or_else(|| panic!("not an amount: {v}")))
}

async fn progress_actual(app: &TestApp, b: &Splits, target: &str) -> Decimal {
    let read = async |token: &str| {
        let v = app
            .get(&format!("/v1/targets/{}/progress", b.target(target)))
            .token(token)
            .send()
            .await
            .expect(200);
        amount(&v["actual"])
    };
    let actual = read(&b.org.admin).await;
    // A person reads their own the same, twice: the second time from the
    // target this instance remembers, their overlay credits in it all the same.
    if PEOPLE.contains(&target) {
        for _ in 0..2 {
            assert_eq!(read(b.token(target)).await, actual, "{target}'s own read");
        }
    }
    actual
}

/// A share of a sale's splits.
pub(super) fn share(b: &Built, who: &str, pct: &str, kind: &str) -> Value {
    json!({"salesperson_id": b.id(who), "share_pct": pct, "type": kind})
}

/// A sale of `account` with its own splits.
pub(super) fn split_sale(
    b: &Built,
    ext: &str,
    account: &str,
    on: &str,
    rev: &str,
    gp: &str,
    splits: Value,
) -> Value {
    with(
        crm_sale(ext, b.id(account), on, rev, gp),
        json!({ "splits": splits }),
    )
}

/// A sale's credits as (who, type, share, revenue, gross profit), sorted.
pub(super) fn credits_of(
    b: &Built,
    sale: &Value,
) -> Vec<(String, String, Decimal, Decimal, Decimal)> {
    let name = |id: Uuid| {
        PEOPLE
            .iter()
            .find(|p| b.id(p) == id)
            .map_or_else(|| id.to_string(), |p| p.to_string())
    };
    let mut out: Vec<_> = sale["credits"]
        .as_array()
        .unwrap_or_else(|| panic!("no credits: {sale}"))
        .iter()
        .map(|c| {
            (
                name(uuid(&c["salesperson_id"])),
                c["type"].as_str().unwrap().to_string(),
                amount(&c["share_pct"]),
                amount(&c["revenue"]),
                amount(&c["gross_profit"]),
            )
        })
        .collect();
    out.sort();
    out
}

/// Credits written by hand: (who, type, share, revenue, gross profit).
pub(super) fn credits(
    rows: &[(&str, &str, &str, &str, &str)],
) -> Vec<(String, String, Decimal, Decimal, Decimal)> {
    let mut out: Vec<_> = rows
        .iter()
        .map(|(w, t, s, r, g)| (w.to_string(), t.to_string(), dec(s), dec(r), dec(g)))
        .collect();
    out.sort();
    out
}

/// A sale as `GET /v1/sales/{id}` answers it.
/// The credits of the sale `external_id` among the sales `filter` lists
/// (`&salesperson_id=…`), read as the admin.
pub(super) async fn listed_credits(
    app: &TestApp,
    b: &Built,
    filter: &str,
    external_id: &str,
) -> Vec<(String, String, Decimal, Decimal, Decimal)> {
    let (rows, _) = app.pages(&b.org.admin, "/v1/sales", filter, 10).await;
    let sale = rows
        .iter()
        .find(|r| r["external_id"] == external_id)
        .unwrap_or_else(|| panic!("{external_id} is not listed with {filter}"));
    credits_of(b, sale)
}

pub(super) async fn sale_detail(app: &TestApp, b: &Built, id: Uuid) -> Value {
    app.get(&format!("/v1/sales/{id}"))
        .token(&b.org.admin)
        .send()
        .await
        .expect(200)
}

/// Every figure of the world's targets, read from progress, after checking
/// that the scorecards and the ledger say the same to the cent; then compared
/// with `want` ((target, actual) for every target).
pub(super) async fn check(app: &TestApp, b: &Splits, want: &[(&str, &str)]) {
    let mut got = BTreeMap::new();
    for t in PEOPLE
        .iter()
        .chain(TEAMS.iter().map(|(t, _)| t))
        .chain(&["Org"])
    {
        let actual = progress_actual(app, b, t).await;
        // The series: its last cumulative point is the same figure.
        let v = app
            .get(&format!(
                "/v1/targets/{}/series?granularity=week",
                b.target(t)
            ))
            .token(&b.org.admin)
            .send()
            .await
            .expect(200);
        let last = v["points"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|p| !p["actual"].is_null())
            .map_or(Decimal::ZERO, |p| amount(&p["actual"]));
        assert_eq!(last, actual, "{t}'s series: {v}");
        got.insert(t.to_string(), actual);
    }
    // Scorecards: the team's row and each member's.
    for (team, members) in TEAMS {
        let v = app
            .get(&format!(
                "/v1/scorecards?period=2026-Q4&team_id={}",
                b.id(team)
            ))
            .token(&b.org.admin)
            .send()
            .await
            .expect(200);
        let row_actual = |row: &Value, target: &str| -> Decimal {
            let t = row["targets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["target_id"] == json!(b.target(target)))
                .unwrap_or_else(|| panic!("no {target} in {row}"));
            amount(&t["actual"])
        };
        assert_eq!(row_actual(&v["team"], team), got[team], "{team}'s card");
        for m in members {
            let row = v["members"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["subject_id"] == json!(b.id(m)))
                .unwrap_or_else(|| panic!("no {m} on {team}'s card: {v}"));
            assert_eq!(row_actual(row, m), got[*m], "{m} on {team}'s card");
        }
    }
    // The ledger: a person's listed sales carry their credits (revenue and
    // overlay), each the same as the sale read alone.
    let admin = b.org.admin.as_str();
    for p in PEOPLE {
        let q = format!("&salesperson_id={}{PERIOD}", b.id(p));
        let (rows, _) = app.pages(admin, "/v1/sales", &q, 3).await;
        let mut sum = Decimal::ZERO;
        for r in &rows {
            let mine: Decimal = r["credits"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["salesperson_id"] == json!(b.id(p)))
                .map(|c| amount(&c["revenue"]))
                .sum();
            assert!(
                r["credits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["salesperson_id"] == json!(b.id(p))),
                "{p} listed a sale without a credit of theirs: {r}"
            );
            sum += mine;
            let one = sale_detail(app, b, uuid(&r["id"])).await;
            assert_eq!(credits_of(b, &one), credits_of(b, r), "{r}");
        }
        assert_eq!(sum, got[p], "{p}'s ledger");
    }
    // A team's listed sales carry a revenue credit of a member; their members'
    // revenue credits add up to the team's figure.
    for (team, members) in TEAMS {
        let q = format!("&team_id={}{PERIOD}", b.id(team));
        let (rows, _) = app.pages(admin, "/v1/sales", &q, 200).await;
        let ids: Vec<Value> = members.iter().map(|m| json!(b.id(m))).collect();
        let mut sum = Decimal::ZERO;
        for r in &rows {
            let theirs: Vec<&Value> = r["credits"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["type"] == "revenue" && ids.contains(&c["salesperson_id"]))
                .collect();
            assert!(!theirs.is_empty(), "{team} listed {r}");
            sum += theirs
                .iter()
                .map(|c| amount(&c["revenue"]))
                .sum::<Decimal>();
        }
        assert_eq!(sum, got[team], "{team}'s ledger");
    }
    // The organisation: every sale once, its revenue credits adding up to it.
    let (rows, _) = app.pages(admin, "/v1/sales", PERIOD, 200).await;
    let counted: Decimal = rows.iter().map(|r| amount(&r["counted_revenue"])).sum();
    assert_eq!(counted, got["Org"], "the organisation's ledger");
    for r in &rows {
        let credited: Decimal = r["credits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "revenue")
            .map(|c| amount(&c["revenue"]))
            .sum();
        assert_eq!(credited, amount(&r["counted_revenue"]), "no cent lost: {r}");
    }
    let want: BTreeMap<String, Decimal> =
        want.iter().map(|(t, a)| (t.to_string(), dec(a))).collect();
    assert_eq!(got, want);
    assert_rollup_is_ledger(app, b.org.id).await;
}

/// Pushes `items` as the admin, each with the status given.
pub(super) async fn push_as(app: &TestApp, b: &Splits, items: Value, want: &[&str]) -> Value {
    let v = app.push_sales(&b.org.admin, &items).await;
    assert_eq!(statuses(&v), strs(want), "{v}");
    v
}

#[actix_web::test]
async fn a_revenue_split_credits_each_team_its_share_and_the_parent_the_whole_sale_once() {
    let app = TestApp::new().await;
    let b = splits_world(&app).await;
    let v = push_as(
        &app,
        &b,
        json!([
            // Ann (North) 60%, Bob (South) 40% of 1000.00 / 300.00.
            split_sale(
                &b,
                "P1",
                "Contoso",
                "2026-10-05",
                "1000.00",
                "300.00",
                json!([
                    share(&b, "Ann", "60", "revenue"),
                    share(&b, "Bob", "40", "revenue")
                ])
            ),
            // Bob's own, whole: 250.00.
            crm_sale("P2", b.id("Fabrikam"), "2026-10-06", "250.00", "50.00"),
        ]),
        &["created", "created"],
    )
    .await;
    // 1000.00 x 60% = 600.00 (gross profit 180.00); x 40% = 400.00 (120.00).
    let one = sale_detail(&app, &b, id_of(&v, 0)).await;
    assert_eq!(
        credits_of(&b, &one),
        credits(&[
            ("Ann", "revenue", "60", "600.00", "180.00"),
            ("Bob", "revenue", "40", "400.00", "120.00"),
        ])
    );
    // Ann 600.00; Bob 400.00 + 250.00 = 650.00; North = Ann; South = Bob;
    // Region and the organisation: 1000.00 + 250.00 = 1250.00, P1 once.
    check(
        &app,
        &b,
        &[
            ("Ann", "600.00"),
            ("Bob", "650.00"),
            ("Cara", "0"),
            ("Spec", "0"),
            ("North", "600.00"),
            ("South", "650.00"),
            ("Region", "1250.00"),
            ("Org", "1250.00"),
        ],
    )
    .await;
    // Splits and salesperson_id together: refused, alone.
    let both = with(
        split_sale(
            &b,
            "P3",
            "Contoso",
            "2026-10-07",
            "1.00",
            "0",
            json!([share(&b, "Ann", "100", "revenue")]),
        ),
        json!({"salesperson_id": b.id("Ann")}),
    );
    // Revenue shares of 60 + 30: refused.
    let short = split_sale(
        &b,
        "P4",
        "Contoso",
        "2026-10-07",
        "1.00",
        "0",
        json!([
            share(&b, "Ann", "60", "revenue"),
            share(&b, "Bob", "30", "revenue")
        ]),
    );
    push_as(&app, &b, json!([both, short]), &["rejected", "rejected"]).await;
}

#[actix_web::test]
async fn an_overlay_share_counts_for_the_specialist_alone_never_for_a_team() {
    let app = TestApp::new().await;
    let b = splits_world(&app).await;
    push_as(
        &app,
        &b,
        json!([
            // Ann 100% revenue of 1000.00; Spec an overlay of 50%: 500.00.
            split_sale(
                &b,
                "O1",
                "Contoso",
                "2026-10-07",
                "1000.00",
                "200.00",
                json!([
                    share(&b, "Ann", "100", "revenue"),
                    share(&b, "Spec", "50", "overlay")
                ])
            ),
            // Bob 100% of 400.00; Spec an overlay of 25%: 100.00 (Spec is in
            // North, Bob in South: North gets nothing of it).
            split_sale(
                &b,
                "O2",
                "Fabrikam",
                "2026-10-08",
                "400.00",
                "40.00",
                json!([
                    share(&b, "Bob", "100", "revenue"),
                    share(&b, "Spec", "25", "overlay")
                ])
            ),
        ]),
        &["created", "created"],
    )
    .await;
    assert_eq!(
        listed_credits(&app, &b, &format!("&salesperson_id={}", b.id("Spec")), "O1").await,
        credits(&[
            ("Ann", "revenue", "100", "1000.00", "200.00"),
            // 200.00 x 50% = 100.00
            ("Spec", "overlay", "50", "500.00", "100.00"),
        ])
    );
    // Spec: 500.00 + 100.00 = 600.00, their own only; North: Ann's 1000.00;
    // South: Bob's 400.00; Region and the organisation 1400.00.
    check(
        &app,
        &b,
        &[
            ("Ann", "1000.00"),
            ("Bob", "400.00"),
            ("Cara", "0"),
            ("Spec", "600.00"),
            ("North", "1000.00"),
            ("South", "400.00"),
            ("Region", "1400.00"),
            ("Org", "1400.00"),
        ],
    )
    .await;
    // Spec's 500 is reached (600.00): a milestone in the successes feed.
    let feed = app
        .get("/v1/successes")
        .token(&b.org.admin)
        .send()
        .await
        .expect(200);
    let reached: Vec<&Value> = feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "target_achieved")
        .collect();
    assert_eq!(reached.len(), 1, "{feed}");
    assert_eq!(reached[0]["target_id"], json!(b.target("Spec")));
    assert_eq!(reached[0]["user_id"], json!(b.id("Spec")));
}
